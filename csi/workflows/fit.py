"""The fit workflow: ``csi.fit(data, model="ecsi")`` → :class:`~csi.results.types.FitResults`.

Orchestration only — every step is a registered plug-in or a function of a lower layer:

survey (reader + checks + missing-data policy) → model scale override → PLS estimate →
derivations in dependency order (quality, indices by ``--index``, ipma, tiers, plug-ins) →
bootstrap (the batched core, indices by the same index method) → CB-SEM (``--method``) →
group comparisons (``--group``) → typed issues → :class:`FitResults`.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pandas as pd

from csi._version import versions
from csi.data.survey import SurveyData, from_frame, read_survey
from csi.derive import base as derive
from csi.derive.indices import INDEXERS, configure
from csi.errors import ConvergenceWarning, CsiError, ImproperSolutionWarning, Issue
from csi.estimators.base import ESTIMATORS
from csi.estimators.pls import PLSResults
from csi.model.spec import ModelSpec, load_model
from csi.options import DEFAULT_SEED, METHODS, FitOptions, SurveyOptions
from csi.results.types import FitResults

__all__ = ["DEFAULT_SEED", "METHODS", "FitOptions", "FitResults", "fit"]

_CBSEM_CATEGORY = {ImproperSolutionWarning: "admissibility", ConvergenceWarning: "convergence"}
SIGN_RULE = "each construct oriented so that the sum of its items' loadings is positive"


def fit(
    data: pd.DataFrame | str | Path | SurveyData,
    model: str | Path | ModelSpec = "ecsi",
    options: FitOptions | None = None,
    **kwargs: Any,
) -> FitResults:
    """Fit a CSI model by PLS path modelling and derive quality measures and 0–100 indices.

    ``data`` is a DataFrame, a survey file path or already-read :class:`SurveyData`;
    ``model`` a built-in name (``scsb``, ``acsi``, ``ecsi``), a YAML path or a ModelSpec.
    Settings come as a :class:`~csi.options.FitOptions` or as the keywords it sorts
    (:meth:`FitOptions.from_kwargs`): ``scheme``, ``standardize``, ``tol``, ``max_iter``,
    ``criterion``; ``sheet``, ``column_map``, ``missing``, ``missing_codes``, ``reverse``, ``scale``,
    ``weights``, ``groups``; ``boot`` (default 5,000 PLS resamples; 0 = none), ``seed``, ``ci``,
    ``level``; ``permutations``, ``min_group_size``; ``method`` (``pls``, ``cbsem``, ``both``),
    ``estimator``, ``index`` (index method, default ``acsi``), ``derive``, ``tiers``,
    ``ipma_target``, ``progress``; ``folds``, ``repeats``, ``technique`` (PLSpredict, run when
    ``derive`` names ``predict``).  CB-SEM is bootstrapped (``method="cbsem"``) only when ``boot``
    is given: each resample is a full ML refit, ~1000× a PLS resample.
    """
    opts = _options(options, kwargs)
    INDEXERS.check(opts.index)
    spec = load_model(model)
    survey = _survey(data, spec, opts.survey)
    if survey.scale is not None and tuple(survey.scale) != (spec.scale_min, spec.scale_max):
        # --scale overrides the model's scale everywhere downstream (indices, IPMA, bootstrap)
        spec = replace(spec, scale_min=float(survey.scale[0]), scale_max=float(survey.scale[1]))
    if spec.index is not None and spec.index.importance:
        from csi.derive.index_methods import with_importance

        spec = with_importance(spec, survey)  # the model's index: importance → mean ratings as index weights
    staged: dict[str, object] = {}
    cb_spec = spec  # CB-SEM fits the model as written (a HOC is a second-order factor)
    if spec.transforms:  # higher-order constructs, interactions: a flat model + derived columns
        from csi.model.lavaan import cbsem_transforms
        from csi.workflows.staged import prepare

        if opts.method in ("cbsem", "both"):
            cbsem_transforms(spec)  # what lavaan syntax cannot express is an error before any fit

        staged["prepared"] = prepared = prepare(spec, survey, opts.pls)
        spec, survey = prepared.spec, prepared.survey
    estimator = ESTIMATORS.get("plsc" if opts.method == "plsc" else "pls").from_options(spec, opts.pls)
    pls = estimator.fit(survey.items, weights=survey.weights)
    if survey.missing_mask is not None:  # --missing em: PLS on the EM moments
        from csi.workflows.em_fit import refit_em

        pls = refit_em(pls, survey)
    issues: list[Issue] = [Issue.of("data", w) for w in survey.warnings]
    if opts.method == "plsc":
        from csi.estimators.plsc import plsc_issues

        issues += plsc_issues(pls)
    if not pls.converged:
        issues.append(Issue.of("convergence", f"PLS did not converge in {opts.pls.max_iter} iterations "
                                              f"(tolerance {opts.pls.tol:g}); results are from the last iteration"))
    derived, found = derive.run(derive.Context(spec, survey, pls, opts, staged), _derivations(opts))
    issues += found
    inference = _inference(spec, survey, pls, opts, derived, cb_spec)
    issues += inference.pop("issues")  # type: ignore[arg-type]
    if inference["bootstrap"] is not None:  # derivations with bootstrap inference take the same draws
        derived = {k: v.with_bootstrap(inference["bootstrap"]) if hasattr(v, "with_bootstrap") else v for k, v in derived.items()}
    for issue in issues:
        warnings.warn(issue.message, issue.warning_class, stacklevel=2)
    return FitResults(
        spec=spec, method=opts.method, settings=_settings(spec, survey, pls, opts, inference), survey=survey, pls=pls,
        quality=derived["quality"], indices=derived["indices"],  # type: ignore[arg-type]
        issues=tuple(issues), tiers=derived.get("tiers"),  # type: ignore[arg-type]
        ipma=getattr(derived.get("ipma"), "construct", None), ipma_items=getattr(derived.get("ipma"), "items", None),
        derived={k: v for k, v in derived.items() if k not in derive.BUILTIN and isinstance(v, derive.Derived)},
        **inference,  # type: ignore[arg-type]
    )


def _options(options: FitOptions | None, kwargs: dict[str, Any]) -> FitOptions:
    if options is None:
        return FitOptions.from_kwargs(**kwargs)
    if kwargs:
        raise CsiError(f"give csi.fit an options object or keywords, not both; got options and {', '.join(sorted(kwargs))}")
    return options


def _derivations(opts: FitOptions) -> tuple[str, ...] | None:
    """``--derive`` keys; quality and indices always run (every report and results.json reads them)."""
    return None if opts.derive is None else ("quality", "indices", *opts.derive)


def _survey(data: pd.DataFrame | str | Path | SurveyData, spec: ModelSpec, opts: SurveyOptions) -> SurveyData:
    if isinstance(data, SurveyData):
        return data
    kw = {k: v for k, v in opts.reader_kwargs().items() if v not in (None, ())}
    if isinstance(data, pd.DataFrame):
        return from_frame(data, spec, **kw)
    return read_survey(data, spec, sheet=opts.sheet, **kw)


def _inference(spec: ModelSpec, survey: SurveyData, pls: PLSResults, opts: FitOptions, derived: dict[str, object],
               cb_spec: ModelSpec | None = None) -> dict[str, object]:
    """Bootstrap, CB-SEM and group comparisons, with the issues they raise (in that order)."""
    boot, seed, ci, level = opts.boot.pls_resamples, opts.boot.seed, opts.boot.ci, opts.boot.level
    indexer = INDEXERS.get(opts.index)
    issues: list[Issue] = []
    boot_res = None
    if boot:
        from csi.inference.bootstrap import bootstrap_fit

        boot_res = bootstrap_fit(pls, survey, resamples=boot, seed=seed, ci=ci, level=level, progress=opts.progress, indexer=indexer,
                                 estimator=ESTIMATORS.get("plsc").of(pls) if opts.method == "plsc" else None,
                                 rebuild=_rebuild(spec, survey, pls, opts, cb_spec),
                                 full_index=getattr(derived.get("indices"), "index", None))
        issues += [Issue.of("bootstrap", w) for w in boot_res.warnings]
    cb_res = None
    if opts.method in ("cbsem", "both"):
        from csi.estimators.cbsem import fit_cbsem

        cb_res = fit_cbsem(cb_spec or spec, survey, estimator=opts.estimator, boot=opts.boot.cbsem_resamples if opts.method == "cbsem" else 0,
                           seed=seed, level=level, progress=opts.progress)
        issues += [Issue.of(_CBSEM_CATEGORY.get(cat, "cbsem"), w) for cat, w in cb_res.warning_items]
    group_res = None
    if opts.survey.groups:
        from csi.inference.groups import analyze_groups

        group_res = analyze_groups(
            spec, survey, opts.survey.groups, **asdict(opts.pls), permutations=opts.comparison.permutations, boot=boot,
            seed=seed, ci=ci, level=level, min_size=opts.comparison.min_group_size, indexer=indexer, progress=opts.progress,
        )
        issues += [Issue.of("groups", w) for w in group_res.warnings]
        if opts.method == "plsc":
            issues.append(Issue.of("groups", "group comparisons (--group) are made with PLS, not PLSc"))
    return {"bootstrap": boot_res, "cbsem": cb_res, "groups": group_res, "issues": issues}


def _rebuild(spec: ModelSpec, survey: SurveyData, pls: PLSResults, opts: FitOptions, written: ModelSpec | None) -> Any:
    """Per-resample EM / two-stage preparation for the bootstrap (None: resample the prepared items)."""
    staged = written is not None and bool(written.transforms)
    if survey.missing_mask is None and not staged:
        return None
    from csi.estimators.staged import rebuild_for

    mask = survey.missing_mask
    columns = tuple(survey.items.columns[: mask.shape[1]]) if mask is not None else tuple(
        c for c in survey.items.columns if written is not None and c in written.items)
    return rebuild_for(survey.items, columns, mask, written, tuple(pls.spec.items), opts.pls, survey.weights)


def _settings(spec: ModelSpec, survey: SurveyData, pls: PLSResults, opts: FitOptions, inference: dict[str, object]) -> dict[str, Any]:
    """Every knob of the run, as results.json records it."""
    indexer = configure(INDEXERS.get(opts.index), spec)  # with the model file's index: weights/grades
    settings: dict[str, Any] = {
        "method": opts.method,
        "scheme": opts.pls.scheme,
        "standardized": opts.pls.standardize,
        "tolerance": opts.pls.tol,
        "max_iterations": opts.pls.max_iter,
        "convergence_criterion": opts.pls.criterion,
        "iterations": pls.iterations,
        "converged": pls.converged,
        "sign_rule": SIGN_RULE,
        "index_formula": indexer.description,
        "scale": {"min": spec.scale_min, "max": spec.scale_max},
        "missing": survey.policy,
        "source": survey.source,
        "sheet": survey.sheet,
        "n_read": survey.n_read,
        "n_used": survey.n_used,
        "n_effective": survey.n_effective,
        "weighted": survey.weights is not None,
        "seed": opts.boot.seed,
        "resamples": opts.boot.pls_resamples,
        "permutations": opts.comparison.permutations if opts.survey.groups else None,
        "versions": versions(),
        **{k: v for k, v in survey.settings.items() if k not in {"missing", "scale"}},
    }
    settings["index_method"] = opts.index
    if spec.index is not None and spec.index.importance:
        from csi.derive.index_methods import importance_settings

        settings["index_importance"] = importance_settings(spec)
    if opts.method == "plsc":
        from csi.estimators.plsc import plsc_settings

        settings["plsc"] = plsc_settings(pls)
    settings["derivations"] = derive.resolve(_derivations(opts))
    cb = inference.get("cbsem")
    if cb is not None:
        settings["cbsem"] = {**cb.settings, "bootstrap": dict(cb.bootstrap_settings) or None}  # type: ignore[attr-defined]
    return settings
