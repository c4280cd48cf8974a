"""The library API the CLI calls: ``csi.fit(data, model="ecsi")`` → :class:`FitResults`."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from csi._version import versions
from csi.data.survey import DEFAULT_MISSING, SurveyData, from_frame, read_survey
from csi.derive.indices import compute as compute_indices
from csi.derive.quality import assess, quality_warnings
from csi.errors import ConvergenceWarning, ImproperSolutionWarning, Issue, check_choice
from csi.estimators.pls import DEFAULT_MAX_ITER, DEFAULT_TOL, PLS, check_criterion, check_scheme
from csi.model.spec import ModelSpec, load_model
from csi.results.types import FitResults

METHODS = ("pls", "cbsem", "both")
_CBSEM_CATEGORY = {ImproperSolutionWarning: "admissibility", ConvergenceWarning: "convergence"}
DEFAULT_SEED = 1






def fit(
    data: pd.DataFrame | str | Path | SurveyData,
    model: str | Path | ModelSpec = "ecsi",
    *,
    scheme: str = "path",
    standardize: bool = True,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    criterion: str = "abs",
    sheet: str | int | None = None,
    column_map: Mapping[str, str] | None = None,
    missing: str = DEFAULT_MISSING,
    missing_codes: Sequence[float] | None = None,
    reverse: Sequence[str] = (),
    scale: tuple[float, float] | None = None,
    weights: str | None = None,
    groups: Sequence[str] = (),
    method: str = "pls",
    estimator: str = "ML",
    boot: int | None = None,  # None: csi.bootstrap.DEFAULT_RESAMPLES (5000, ~0.3 s on ECSI/mobi) for PLS, none for CB-SEM
    seed: int = DEFAULT_SEED,
    ci: str = "percentile",
    level: float = 0.95,
    tiers: Sequence[str] | None = None,
    ipma_target: str | None = None,
    permutations: int = 1000,
    min_group_size: int | None = None,
    progress: bool = False,
) -> FitResults:
    """Fit a CSI model by PLS path modelling and derive quality measures and 0–100 indices.

    ``data`` is a DataFrame, a survey file path or already-read :class:`SurveyData`;
    ``model`` a built-in name (``scsb``, ``acsi``, ``ecsi``), a YAML path or a ModelSpec.
    ``boot`` resamples (default 5,000; 0 = none) give SEs and intervals for every estimate and index;
    ``method`` is ``pls`` (default), ``cbsem`` or ``both``.  CB-SEM is bootstrapped (``method="cbsem"``)
    only when ``boot`` is given: each resample is a full ML refit, ~1000× a PLS resample.
    """
    spec = load_model(model)
    cbsem_boot = 0 if boot is None else boot
    boot = 5000 if boot is None else boot  # csi.bootstrap.DEFAULT_RESAMPLES
    scheme = check_scheme(scheme)
    criterion = check_criterion(criterion)
    method = check_choice(method, METHODS, "--method")
    opts: dict[str, Any] = {"missing_codes": missing_codes, "reverse": tuple(reverse), "scale": scale, "weights": weights}
    opts = {k: v for k, v in opts.items() if v not in (None, ())}
    if isinstance(data, SurveyData):
        survey = data
    elif isinstance(data, pd.DataFrame):
        survey = from_frame(data, spec, column_map=column_map, missing=missing, groups=groups, **opts)
    else:
        survey = read_survey(data, spec, sheet=sheet, column_map=column_map, missing=missing, groups=groups, **opts)
    if survey.scale is not None and tuple(survey.scale) != (spec.scale_min, spec.scale_max):
        # --scale overrides the model's scale everywhere downstream (indices, IPMA, bootstrap)
        spec = replace(spec, scale_min=float(survey.scale[0]), scale_max=float(survey.scale[1]))
    est = PLS(spec, scheme=scheme, standardize=standardize, tol=tol, max_iter=max_iter, criterion=criterion)
    res = est.fit(survey.items, weights=survey.weights)
    quality = assess(res)
    idx = compute_indices(res, survey.items)
    issues: list[Issue] = [Issue.of("data", w) for w in survey.warnings]
    if not res.converged:
        issues.append(Issue.of("convergence", f"PLS did not converge in {max_iter} iterations (tolerance {tol:g}); results are from the last iteration"))
    issues += [Issue.of("quality", w) for w in quality_warnings(quality)]
    issues += [Issue.of("index", w) for w in idx.warnings]

    # --- bootstrap (csi.bootstrap, issue 3) ---
    boot_res = None
    if boot:
        from csi.inference.bootstrap import bootstrap_fit

        boot_res = bootstrap_fit(res, survey, resamples=boot, seed=seed, ci=ci, level=level, progress=progress)
        issues += [Issue.of("bootstrap", w) for w in boot_res.warnings]

    # --- covariance-based SEM (csi.cbsem, issue 5) ---
    cb_res = None
    if method in ("cbsem", "both"):
        from csi.estimators.cbsem import fit_cbsem

        cb_res = fit_cbsem(spec, survey, estimator=estimator, boot=cbsem_boot if method == "cbsem" else 0, seed=seed, level=level, progress=progress)
        issues += [Issue.of(_CBSEM_CATEGORY.get(cat, "cbsem"), w) for cat, w in cb_res.warning_items]

    # --- importance-performance map (csi.ipma, issue 6) ---
    from csi.derive.ipma import ipma as compute_ipma
    from csi.derive.ipma import ipma_items

    ipma_res = compute_ipma(res, idx, target=ipma_target)
    ipma_item_res = ipma_items(res, idx, ipma_res)

    # --- loyalty tiers (csi.loyalty, issue 6) ---
    tier_res = None
    if tiers is None or len(tiers):
        from csi.derive.tiers import compute_tiers

        tier_res = compute_tiers(spec, survey, idx, schemes=tiers)
        issues += [Issue.of("tiers", w) for w in tier_res.warnings]

    # --- multigroup analysis per --group column (csi.groups, issue 6) ---
    group_res = None
    if groups:
        from csi.inference.groups import analyze_groups

        group_res = analyze_groups(
            spec, survey, tuple(groups), scheme=scheme, standardize=standardize, tol=tol, max_iter=max_iter,
            criterion=criterion, permutations=permutations, boot=boot, seed=seed, ci=ci, level=level, min_size=min_group_size,
        )
        issues += [Issue.of("groups", w) for w in group_res.warnings]

    for issue in issues:
        warnings.warn(issue.message, issue.warning_class, stacklevel=2)
    settings: dict[str, Any] = {
        "method": method,
        "scheme": scheme,
        "standardized": bool(standardize),
        "tolerance": tol,
        "max_iterations": max_iter,
        "convergence_criterion": criterion,
        "iterations": res.iterations,
        "converged": res.converged,
        "sign_rule": "each construct oriented so that the sum of its items' loadings is positive",
        "index_formula": "ACSI: weights/SD normalized to sum 1; (mean - min)/(max - min) x 100",
        "scale": {"min": spec.scale_min, "max": spec.scale_max},
        "missing": survey.policy,
        "source": survey.source,
        "sheet": survey.sheet,
        "n_read": survey.n_read,
        "n_used": survey.n_used,
        "n_effective": survey.n_effective,
        "weighted": survey.weights is not None,
        "seed": seed,
        "resamples": boot,
        "permutations": permutations if groups else None,
        "versions": versions(),
        **{k: v for k, v in survey.settings.items() if k not in {"missing", "scale"}},
    }
    if cb_res is not None:
        settings["cbsem"] = {**cb_res.settings, "bootstrap": dict(cb_res.bootstrap_settings) or None}
    return FitResults(
        spec=spec,
        method=method,
        settings=settings,
        survey=survey,
        pls=res,
        quality=quality,
        indices=idx,
        issues=tuple(issues),
        bootstrap=boot_res,
        cbsem=cb_res,
        tiers=tier_res,
        ipma=ipma_res,
        ipma_items=ipma_item_res,
        groups=group_res,
    )
