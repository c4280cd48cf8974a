"""Covariance-based SEM (CB-SEM): csi's own ML, semopy for GLS, ULS and DWLS, with admissibility checks.

This is the only module that imports semopy.  ``fit_cbsem(spec, survey)`` (or
``CBSEM(spec).fit(items)``) takes the model's semopy description from ``csi.model.lavaan``
(whose ``describe``, ``latent_names`` and ``lavaan_syntax`` are also importable here).  ML is
fitted by csi (``csi.estimators.cbsem_ml``: F_ML on the covariance matrix, two-stage Fisher
scoring with Newton steps, from moment starting values) on the LISREL pattern semopy parses
from the description (no semopy fit); where csi's scoring cannot start (a construct without
items of its own: a second-order factor) or does not converge, and for the other estimators,
a fresh ``semopy.Model`` is fitted.  Output and exceptions become a frozen
:class:`CBSEMResults` and csi's own errors.  Everything reported is computed here from the
fitted matrices, not taken from semopy's ``calc_stats`` (whose log-likelihood is the ML
discrepancy, whose RMSEA divides by n − 1, and whose baseline model breaks when an item's
error variance is fixed).

Model (the LISREL form, lavaan's defaults)
    η = Bη + ζ,  x = Λη + ε,  Φ = cov(η) = (I − B)⁻¹ Ψ (I − B)⁻ᵀ,  Σ(θ) = ΛΦΛ' + Θ.
    Every construct is a reflective common factor identified by its first item's loading
    fixed to 1 (marker variable); exogenous constructs covary freely; disturbances and item
    errors are uncorrelated.  A single-item construct (CUSCO) is its item: loading 1 and error
    variance fixed to 0.  Variances are unbounded (as in lavaan), so a Heywood case shows up
    as a negative variance instead of hiding at a bound.

Estimators (``ESTIMATORS``), all as lavaan 0.6 defines them:
    ML    F = log|Σ| + tr(SΣ⁻¹) − log|S| − p, S with divisor N          (default)
    GLS   F = ½ tr[((S − Σ)S⁻¹)²]                  } S with divisor N − 1 and
    ULS   F = Σ_{i≤j} (s_ij − σ_ij)²               } N − 1 in χ² and RMSEA
    DWLS  F = Σ_{i≤j} (s_ij − σ_ij)²/γ_ij          } (lavaan's convention outside ML)
    γ_ij the variance of (x_i − x̄_i)(x_j − x̄_j) (fourth moments, divisor N).  semopy
    minimizes 2F for GLS and the full-matrix tr[(S − Σ)²] for ULS, which has the same
    minimizer as long as every item's error variance is free (the diagonal then fits exactly).
    ML: csi's Fisher scoring (``csi.estimators.cbsem_ml``), first with the variances ≥ 0, then
    without bounds; it reaches semopy's SLSQP optimum (F to 1e-12) in 10–60 iterations instead of
    SLSQP's 100–500.  The others (and ML where csi's scoring does not converge): semopy's SLSQP
    with ``ftol`` 1e-14 (its default 1e-6 stops ~5e-4 short of lavaan's estimates), first with
    semopy's bounds (variances ≥ 0), then without them.

Fit (N respondents, p items, q free parameters, df = p(p+1)/2 − q; N' = N for ML, N − 1 else)
    χ² = N'·F(θ̂) (ML: lavaan's "normal" likelihood); p = P(χ²_df > χ²) for ML and GLS only.
    Under ULS and DWLS N'·F is not χ²-distributed (its null distribution is a weighted sum of
    χ²₁ variables), so no p-value is reported (``p_value`` None, ``chi2_test`` says why) rather
    than one that reads as a test — lavaan likewise gives none for ULS (validated: ULS p = NA
    in tests/reference_lavaan); a scaled (Satorra–Bentler) test is not computed.
    Baseline (independence) model: diagonal Σ fitted with the same estimator (closed form:
    ML χ²_b = N(Σ log s_ii − log|S|); ULS and DWLS Σ = diag S; GLS d = (W∘W)⁻¹ diag W, W = S⁻¹),
    df_b = p(p − 1)/2.
    CFI = 1 − max(χ² − df, 0)/max(χ² − df, χ²_b − df_b, 0);
    TLI = (χ²_b/df_b − χ²/df)/(χ²_b/df_b − 1);
    RMSEA = √(max(χ² − df, 0)/(df·N')), 90% interval from the noncentral χ² (λ with
    P(χ²_df(λ) ≤ χ²) = 0.95 and 0.05; bound = √(λ/(df·N')));
    SRMR (Bentler, lavaan's "srmr") = √(mean over i ≤ j of ((s_ij − σ_ij)/√(s_ii s_jj))²).
    ML only: logL = −N/2·[p log 2π + log|Σ̂| + tr(SΣ̂⁻¹)], saturated logL with Σ̂ = S,
    AIC = −2 logL + 2q, BIC = −2 logL + q log N.  Only ML's and GLS's χ² are asymptotically
    χ² (under normality); for ULS and DWLS the fit indices are descriptive, and only ML has
    a log-likelihood.
    Hu & Bentler (1999) cut-offs flagged in the summary: CFI ≥ .95, TLI ≥ .95, RMSEA ≤ .06,
    SRMR ≤ .08.

Estimates
    Standard errors: ML, the expected information (normal theory; csi's, equal to semopy's ``calc_fim``);
    GLS, the expected information at S with N − 1; ULS and DWLS, the distribution-free
    sandwich (lavaan ``se = "robust.sem"``) — the normal-theory information is not their
    covariance.  z = est/SE, two-sided normal p.  Standardized ("std.all"): loading
    λ_ik √Φ_kk/√Σ_ii, path β_ts √Φ_ss/√Φ_tt, variances and covariances over the product of the
    SDs; their SEs, and those of R², by the delta method (numerical Jacobian).  R² of an
    endogenous construct t: 1 − Ψ_tt/Φ_tt.

Admissibility checks after every fit (each a named warning naming the parameter and value):
    non-convergence; negative or (practically) zero variances — Heywood cases; standardized
    loadings or paths beyond ±1; latent covariance matrix Φ not positive definite; R² ≥ 0.99;
    a singular information matrix.  Latent correlations ≥ 0.95 are reported as a quality
    warning (poor discriminant validity), the usual cause of the above in CSI data.

Indices under CB-SEM
    0–100 indices always come from the PLS fit (the ACSI formula on PLS outer weights; see
    ``csi.derive.indices``), for ``--method cbsem`` as well.  Factor-score weights of a CB-SEM
    solution are undefined or unstable exactly when it is inadmissible (a zero or negative
    error variance makes λ/θ infinite or negative), and the index formula the field uses is
    defined on PLS weights.  The choice is stated in ``settings`` and the terminal output.

Missing data
    CB-SEM is fitted to ``survey.items``: the respondents left after the survey's
    missing-data policy (casewise deletion by default).  semopy never sees a missing value,
    so its silent pairwise deletion never happens.  Survey weights: the weighted covariance
    matrix is fitted, with N the number of respondents (design effects are ignored: a
    warning says so).

Bootstrap (``boot`` > 0)
    Nonparametric: resample respondents with replacement, refit, keep the standardized paths;
    percentile intervals (``csi.stats.intervals.percentile_interval``).
    Resample b's rows are the PLS bootstrap's resample b (``csi.stats.resample.resample_indices``,
    from (seed, b) alone), so results do not depend on the number of worker processes or on
    chunking, and PLS and CB-SEM see the same resamples.  ML: each resample is refitted by csi's
    own ML on the resample's covariance matrix (no semopy model built), warm-started from the
    full-sample estimate after an admissible full-sample fit (the draws equal fresh fits to 1e-9,
    tests/estimators/test_cbsem.py); after an inadmissible one from csi's starting values, i.e.
    exactly the full-sample procedure (a warm start from an improper solution ends on ridges
    more often); semopy refits a resample where csi's scoring does not converge, and every
    resample of the other estimators.  Only the standardized paths are computed per resample (no
    information matrix, no tables).  Where a resample's unbounded likelihood falls along a ridge
    without an interior optimum (mobi), its draw is the bounded (variances ≥ 0) solution, as the
    full-sample fit reports; semopy's SLSQP used to stop somewhere on the ridge with the gradient
    still ~1e-5 and call it converged.  Resamples that fail (an exception, non-finite
    estimates, no convergence) are skipped and counted; inadmissible ones are counted.

Validated against R lavaan 0.6.14 on ``tests/reference_lavaan`` (synthetic ECSI data, n = 2000,
for ML, GLS, ULS and DWLS; an inadmissible sample; mobi): estimates, SEs, standardized
estimates and their SEs, R², χ², CFI, TLI, RMSEA and its interval, SRMR, logL, AIC and BIC
agree to ~1e-6 (mobi's nearly flat likelihood: standardized paths to 1.5e-3, fit to 1e-7);
and against an independent scipy ML fit written in ``tests/estimators/test_cbsem.py``.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps
from threadpoolctl import threadpool_limits

from csi.data.survey import SurveyData
from csi.errors import (
    ConvergenceWarning,
    CsiError,
    CsiWarning,
    DataError,
    EstimationError,
    ImproperSolutionWarning,
    QualityWarning,
    check_choice,
)
from csi.estimators.cbsem_ml import GTOL, MAXITER, MLProblem, fit_two_stage, start_values
from csi.model.lavaan import SafeNames, describe, latent_names, lavaan_syntax
from csi.model.spec import ModelSpec

ESTIMATORS: dict[str, tuple[str, str]] = {
    "ML": ("MLW", "maximum likelihood (normal theory), F = log|Σ| + tr(SΣ⁻¹) − log|S| − p"),
    "GLS": ("GLS", "generalized least squares, F = ½ tr[((S − Σ)S⁻¹)²]"),
    "ULS": ("ULS", "unweighted least squares, F = Σ_{i≤j} (s_ij − σ_ij)²"),
    "DWLS": ("DWLS", "diagonally weighted least squares, F = Σ_{i≤j} (s_ij − σ_ij)²/γ_ij (γ: fourth moments)"),
}
DEFAULT_ESTIMATOR = "ML"
# Hu & Bentler (1999): (direction, cut-off)
HU_BENTLER: dict[str, tuple[str, float]] = {
    "cfi": (">=", 0.95),
    "tli": (">=", 0.95),
    "rmsea": ("<=", 0.06),
    "srmr": ("<=", 0.08),
}
R2_LIMIT = 0.99
STD_LIMIT = 1.0
STD_SLACK = 1e-6  # a standardized estimate of 1.0000001 is rounding, not a Heywood case
ZERO_VARIANCE = 1e-3  # a free variance below 0.1% of its variable's variance counts as zero
HIGH_CORR = 0.95
SOLVER = "SLSQP"
SOLVER_OPTIONS: dict[str, float] = {"ftol": 1e-14, "maxiter": 10000}
OWN_ML = "Fisher scoring"
OWN_ML_TEXT = (
    f"csi's Fisher scoring (analytic gradient, expected information, step halving): variances ≥ 0 from csi's starting "
    f"values, then unbounded; stops at max |∂F/∂θ| < {GTOL:g}, at most {MAXITER} iterations per stage"
)
PLS_ADVICE = "PLS is the usual estimator for index models"
INDEX_SOURCE = (
    "0–100 indices come from the PLS fit (ACSI formula on PLS outer weights), also under CB-SEM: "
    "CB-SEM factor-score weights are undefined or unstable exactly when a solution is inadmissible"
)
CHECKS: dict[str, str] = {
    "non_convergence": "the optimizer did not converge",
    "heywood": "negative or zero variance (Heywood case)",
    "std_beyond_1": "standardized loading or path beyond ±1",
    "latent_cov_not_pd": "latent covariance matrix not positive definite",
    "implausible_r2": "R² ≥ 0.99",
    "singular_information": "information matrix singular (standard errors unreliable)",
}


def check_estimator(estimator: str) -> str:
    return check_choice(estimator, ESTIMATORS, "--estimator", upper=True)


# ---------------------------------------------------------------------------------------
# Fitting one sample through semopy
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Param:
    """One semopy parameter: its (matrix, row, column) cells in csi order, value, free or fixed."""

    name: str
    kind: str  # "B", "L", "P" or "T"
    cells: tuple[tuple[int, int], ...]
    value: float
    free: bool


@dataclass(frozen=True)
class _Raw:
    """What one semopy fit gives us, in csi's order (items, constructs)."""

    B: np.ndarray  # (K, K): B[t, s] is the path s -> t
    L: np.ndarray  # (p, K)
    P: np.ndarray  # (K, K) Ψ
    T: np.ndarray  # (p, p) Θ
    S: np.ndarray  # (p, p) sample covariance, divisor n
    params: tuple[_Param, ...]
    fun: float
    success: bool
    iterations: int
    message: str
    n: int
    vcov: np.ndarray | None  # inverse information of the free parameters
    information_singular: bool
    log: tuple[str, ...]
    bounded: bool = False  # True when the unbounded stage failed and variances stayed >= 0
    optimizer: str = "semopy"  # "semopy" (SLSQP) or OWN_ML (csi's Fisher scoring)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


@contextmanager
def _quiet_semopy() -> Iterator[_Collect]:
    """Collect semopy's root-logger messages (it logs instead of warning) and silence numpy noise.

    semopy calls ``logging.warning`` on the root logger, which would otherwise install a stderr
    handler for the rest of the process; the handlers are restored afterwards.
    """
    root = logging.getLogger()
    saved = root.handlers[:]
    collect = _Collect()
    root.handlers = [collect]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield collect
    finally:
        root.handlers = saved


def _raw_of(model: Any, names: SafeNames, res: Any, information: bool, log: _Collect, bounded: bool, iterations: int) -> _Raw:
    """A :class:`_Raw` from a fitted semopy model (its matrices and parameters in csi order)."""
    vcov = None
    singular = False
    if information and np.all(np.isfinite(res.x)):
        try:
            _, vcov = model.calc_fim(inverse=True)
            singular = bool(getattr(model, "_fim_warn", False))
        except (np.linalg.LinAlgError, ValueError):
            vcov, singular = None, True
    li, oi, params = _semopy_parameters(model, names)
    return _Raw(
        B=model.mx_beta[np.ix_(li, li)].copy(),
        L=model.mx_lambda[np.ix_(oi, li)].copy(),
        P=model.mx_psi[np.ix_(li, li)].copy(),
        T=model.mx_theta[np.ix_(oi, oi)].copy(),
        S=model.mx_cov[np.ix_(oi, oi)].copy(),
        params=params,
        fun=float(res.fun),
        success=bool(res.success),
        iterations=iterations,
        message=str(res.message),
        n=int(model.n_samples),
        vcov=None if vcov is None else np.asarray(vcov, dtype=float),
        information_singular=singular,
        log=tuple(log.records),
        bounded=bounded,
    )


def _fit_semopy(desc: str, names: SafeNames, X: np.ndarray, obj: str, cov: np.ndarray | None = None, information: bool = True) -> _Raw:
    """Fit a fresh semopy model to the rows X (items in ``names.items`` order)."""
    import semopy

    df = pd.DataFrame(X, columns=names.obs_names)
    with _quiet_semopy() as log, threadpool_limits(1):
        model = semopy.Model(desc)
        kwargs: dict[str, Any] = {"obj": obj, "solver": SOLVER, "options": dict(SOLVER_OPTIONS)}
        if cov is not None:
            kwargs["cov"] = pd.DataFrame(cov, index=names.obs_names, columns=names.obs_names)
        # Stage 1 keeps semopy's bounds (variances >= 0), which keeps Σ positive definite on the
        # way; unbounded from semopy's start, SLSQP wanders off on collinear real data (mobi).
        first = model.fit(df, **kwargs)
        # Stage 2 drops the bounds, as lavaan does, so a Heywood case shows as a negative
        # variance; from an interior stage-1 optimum it stops after an iteration or two.
        for prm in model.parameters.values():
            prm.bound = (None, None)
        kwargs.pop("cov", None)
        res = model.fit(**{**kwargs, "options": dict(SOLVER_OPTIONS)})
        bounded = False
        if first.success and not (res.success and np.isfinite(res.fun)):
            model.param_vals = first.x  # keep the converged bounded solution (a zero variance is flagged)
            model.update_matrices(first.x)
            res, bounded = first, True
        return _raw_of(model, names, res, information, log, bounded, int(first.n_it) + (0 if bounded else int(res.n_it)))


def _structure(desc: str, names: SafeNames) -> MLProblem:
    """The model's LISREL pattern from semopy's parse of ``desc`` (no data, no fit): fixed values and free cells."""
    import semopy

    with _quiet_semopy():
        model = semopy.Model(desc)
    _, _, params = _semopy_parameters(model, names, fitted=False)
    p, K = len(names.obs_names), len(names.lat_names)
    M = {"B": np.zeros((K, K)), "L": np.zeros((p, K)), "P": np.zeros((K, K)), "T": np.zeros((p, p))}
    for prm in params:
        for r, c in prm.cells:
            M[prm.kind][r, c] = 0.0 if prm.free else prm.value
            if prm.kind in "PT":
                M[prm.kind][c, r] = M[prm.kind][r, c]
    prob = MLProblem(M["B"], M["L"], M["P"], M["T"], [(prm.kind, prm.cells) for prm in params if prm.free])
    prob.params = params  # their names and fixed values, for _Raw
    return prob


def _fit_ml(prob: MLProblem, S: np.ndarray, n: int, information: bool = True, theta0: np.ndarray | None = None) -> _Raw | None:
    """csi's ML fit of S (divisor n): two-stage Fisher scoring (``csi.estimators.cbsem_ml``).

    Callers hold ``threadpool_limits(1)``: BLAS threads only slow these small matrices down.

    None where it cannot start (a construct without items of its own) or does not converge:
    the caller then fits through semopy.  ``theta0``: a warm start (default: csi's starting values).
    """
    with np.errstate(all="ignore"):
        start = start_values(prob, S) if theta0 is None else theta0
        if start is None or not np.all(np.isfinite(start)):
            return None
        fit = fit_two_stage(prob, S, start)
        if not fit.success or not np.isfinite(fit.F) or not np.all(np.isfinite(fit.theta)):
            return None
        vcov, singular = prob.vcov(fit.theta, S, n) if information else (None, False)
    B, L, P, T = prob.matrices(fit.theta)
    values = iter(fit.theta)
    params = tuple(replace(prm, value=float(next(values))) if prm.free else prm for prm in prob.params)
    return _Raw(B=B, L=L, P=P, T=T, S=S, params=params, fun=fit.F, success=True, iterations=fit.iterations,
                message=fit.message, n=n, vcov=vcov, information_singular=singular, log=(), bounded=fit.bounded,
                optimizer=OWN_ML)


def _semopy_parameters(model: Any, names: SafeNames, fitted: bool = True) -> tuple[list[int], list[int], tuple[_Param, ...]]:
    """semopy's positions of the constructs and items in csi order, and its parameters in csi's cells.

    ``fitted`` False: a model parsed but not fitted (free values NaN, fixed ones their value).
    """
    inner = list(model.names_beta[0])
    obs = list(model.names_lambda[0])
    li = [inner.index(n) for n in names.lat_names]
    oi = [obs.index(n) for n in names.obs_names]
    inv_l = {j: k for k, j in enumerate(li)}
    inv_o = {j: k for k, j in enumerate(oi)}
    mats = {"B": model.mx_beta, "L": model.mx_lambda, "P": model.mx_psi, "T": model.mx_theta}
    maps = {"B": (inv_l, inv_l), "L": (inv_o, inv_l), "P": (inv_l, inv_l), "T": (inv_o, inv_o)}
    free_vals = iter(np.asarray(model.param_vals, dtype=float) if fitted else [])
    params = []
    for pname, prm in model.parameters.items():
        value = (float(next(free_vals)) if fitted else float("nan")) if prm.active else float(prm.start)
        cells: list[tuple[int, int]] = []
        kind = ""
        for loc in prm.locations:
            for key, mx in mats.items():
                if loc.matrix is mx:
                    kind = key
                    r, c = loc.indices
                    cells.append((maps[key][0][r], maps[key][1][c]))
        params.append(_Param(pname, kind, tuple(cells), value, bool(prm.active)))
    return li, oi, tuple(params)


def _matrices(raw: _Raw, theta: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """B, Λ, Ψ, Θ with the free parameters set to ``theta`` (default: the estimates)."""
    if theta is None:
        return raw.B, raw.L, raw.P, raw.T
    M = {"B": raw.B.copy(), "L": raw.L.copy(), "P": raw.P.copy(), "T": raw.T.copy()}
    free = [p for p in raw.params if p.free]
    for prm, v in zip(free, theta, strict=True):
        for r, c in prm.cells:
            M[prm.kind][r, c] = v
            if prm.kind in "PT":
                M[prm.kind][c, r] = v
    return M["B"], M["L"], M["P"], M["T"]


def _moments(B: np.ndarray, L: np.ndarray, P: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latent covariance Φ = (I − B)⁻¹Ψ(I − B)⁻ᵀ and implied item covariance Σ = ΛΦΛ' + Θ."""
    C = np.linalg.inv(np.eye(B.shape[0]) - B)
    Phi = C @ P @ C.T
    return Phi, L @ Phi @ L.T + T


def _sd(v: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.where(v > 0, v, np.nan))


def _standardize(B: np.ndarray, L: np.ndarray, P: np.ndarray, T: np.ndarray) -> dict[str, np.ndarray]:
    """lavaan's std.all: every variable scaled to its model-implied unit variance."""
    Phi, Sigma = _moments(B, L, P, T)
    sl, so = _sd(np.diag(Phi)), _sd(np.diag(Sigma))
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "B": B * sl[None, :] / sl[:, None],
            "L": L * sl[None, :] / so[:, None],
            "P": P / np.outer(sl, sl),
            "T": T / np.outer(so, so),
            "r2": 1.0 - np.diag(P) / np.diag(Phi),
        }


# ---------------------------------------------------------------------------------------
# Fit statistics
# ---------------------------------------------------------------------------------------
def discrepancy(estimator: str, S: np.ndarray, Sigma: np.ndarray, gamma: np.ndarray | None = None) -> float:
    """lavaan's discrepancy F(S, Σ) of the estimator; χ² = N·F (ML) or (N − 1)·F (the others).

    ML: log|Σ| + tr(SΣ⁻¹) − log|S| − p; GLS: ½ tr[((S − Σ)S⁻¹)²]; ULS: Σ_{i≤j} (s_ij − σ_ij)²;
    DWLS: Σ_{i≤j} (s_ij − σ_ij)²/γ_ij.  (semopy minimizes 2× the GLS form and, for ULS, the
    full-matrix sum, whose minimizer is the same when every item has a free error variance.)
    """
    p = S.shape[0]
    if estimator == "ML":
        sign, logdet = np.linalg.slogdet(Sigma)
        if sign <= 0:
            return float("nan")
        return float(logdet + np.trace(S @ np.linalg.inv(Sigma)) - np.linalg.slogdet(S)[1] - p)
    if estimator == "GLS":
        R = (S - Sigma) @ np.linalg.inv(S)
        return float(0.5 * np.trace(R @ R))
    iu = np.triu_indices(p)
    r = (S - Sigma)[iu]
    if estimator == "ULS":
        return float(np.sum(r**2))
    assert gamma is not None
    return float(np.sum(r**2 / gamma))


def _baseline_sigma(estimator: str, S: np.ndarray) -> np.ndarray:
    """The independence model's Σ (diagonal) that minimizes the estimator's F."""
    if estimator == "GLS":
        W = np.linalg.inv(S)
        return np.diag(np.linalg.solve(W * W, np.diag(W)))
    return np.diag(np.diag(S))  # ML, ULS and DWLS reproduce the sample variances


def _products(X: np.ndarray) -> np.ndarray:
    Xc = X - X.mean(axis=0)
    iu = np.triu_indices(X.shape[1])
    return Xc[:, iu[0]] * Xc[:, iu[1]]


def _dwls_gamma(X: np.ndarray) -> np.ndarray:
    """Variances of the products (x_i − x̄_i)(x_j − x̄_j), i ≤ j, divisor n (semopy's DWLS weights)."""
    return _products(X).var(axis=0)


def _gamma_adf(X: np.ndarray) -> np.ndarray:
    """Fourth-moment (ADF) covariance of vech(S): covariance of the products, divisor n."""
    P = _products(X)
    P = P - P.mean(axis=0)
    return P.T @ P / X.shape[0]


def rmsea_ci(chi2: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """RMSEA interval by inverting the noncentral χ² in λ (lavaan's method, divisor df·N)."""
    if df <= 0 or not np.isfinite(chi2):
        return (float("nan"), float("nan"))
    lo_p, hi_p = (1 + level) / 2, (1 - level) / 2

    def bound(target: float) -> float:
        def f(lam: float) -> float:
            return float(sps.ncx2.cdf(chi2, df, lam) if lam > 0 else sps.chi2.cdf(chi2, df)) - target

        if f(0.0) < 0:
            return 0.0
        hi = max(chi2, 1.0)
        while f(hi) > 0 and np.isfinite(hi):
            hi *= 2
        if not (np.isfinite(f(0.0)) and np.isfinite(f(hi))):
            # a diverged fit (χ² of order 1e30: the noncentral χ² CDF is NaN there) has no interval
            return float("nan")
        lam = optimize.brentq(f, 0.0, hi, xtol=1e-12, rtol=1e-12, maxiter=500)
        return float(np.sqrt(lam / (df * n)))

    return bound(lo_p), bound(hi_p)


def srmr(S: np.ndarray, Sigma: np.ndarray) -> float:
    """Bentler's SRMR (lavaan "srmr"): residuals scaled by the sample SDs, over i ≤ j."""
    d = 1.0 / np.sqrt(np.diag(S))
    R = (S - Sigma) * np.outer(d, d)
    iu = np.triu_indices(S.shape[0])
    return float(np.sqrt(np.mean(R[iu] ** 2)))


# The estimators whose N'·F is asymptotically χ²_df (under normality); the others report no p.
CHI2_TESTED = ("ML", "GLS")
CHI2_TEST = {
    "ML": "normal-theory likelihood-ratio χ²(df) (lavaan test = \"standard\")",
    "GLS": "normal-theory GLS χ²(df) (lavaan test = \"standard\")",
}
CHI2_NO_TEST = (
    "none: under {estimator} N'·F is not χ²-distributed, so no p-value is reported "
    "(CFI, TLI, RMSEA and SRMR are descriptive); a scaled test is not computed"
)


def fit_measures(estimator: str, S: np.ndarray, Sigma: np.ndarray, n: int, q: int, gamma: np.ndarray | None = None) -> dict[str, Any]:
    """χ², df, p, CFI, TLI, RMSEA (+ 90% CI), SRMR and, for ML, logL, AIC and BIC."""
    p = S.shape[0]
    df = p * (p + 1) // 2 - q
    ns = n if estimator == "ML" else n - 1  # lavaan: N for ML ("normal" likelihood), N − 1 otherwise
    F = discrepancy(estimator, S, Sigma, gamma)
    chi2 = ns * F
    Fb = discrepancy(estimator, S, _baseline_sigma(estimator, S), gamma)
    chi2_b, df_b = ns * Fb, p * (p - 1) // 2
    with np.errstate(invalid="ignore", divide="ignore"):
        pval: float | None = float(sps.chi2.sf(chi2, df)) if df > 0 else float("nan")
        denom = max(chi2 - df, chi2_b - df_b, 0.0)
        cfi = 1.0 - max(chi2 - df, 0.0) / denom if denom > 0 else 1.0
        tli = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1.0) if df > 0 else float("nan")
        rmsea = float(np.sqrt(max(chi2 - df, 0.0) / (df * ns))) if df > 0 else float("nan")
    if estimator not in CHI2_TESTED:
        pval = None
    lo, hi = rmsea_ci(chi2, df, ns)
    out: dict[str, Any] = {
        "estimator": estimator,
        "n_obs": n,
        "npar": q,
        "chi2": chi2,
        "df": df,
        "p_value": pval,
        "chi2_test": CHI2_TEST.get(estimator, CHI2_NO_TEST.format(estimator=estimator)),
        "cfi": cfi,
        "tli": tli,
        "rmsea": rmsea,
        "rmsea_ci": [lo, hi],
        "srmr": srmr(S, Sigma),
        "baseline_chi2": chi2_b,
        "baseline_df": df_b,
        "loglik": None,
        "loglik_saturated": None,
        "aic": None,
        "bic": None,
    }
    if estimator == "ML":
        ll = -0.5 * n * (p * np.log(2 * np.pi) + np.linalg.slogdet(Sigma)[1] + np.trace(S @ np.linalg.inv(Sigma)))
        ll0 = -0.5 * n * (p * np.log(2 * np.pi) + np.linalg.slogdet(S)[1] + p)
        out.update(loglik=float(ll), loglik_saturated=float(ll0), aic=float(-2 * ll + 2 * q), bic=float(-2 * ll + q * np.log(n)))
    return out


def hu_bentler(fit: Mapping[str, Any]) -> dict[str, bool | None]:
    """For CFI, TLI, RMSEA, SRMR: True when the Hu & Bentler cut-off is met (None if undefined)."""
    out: dict[str, bool | None] = {}
    for k, (op, cut) in HU_BENTLER.items():
        v = fit.get(k)
        if v is None or not np.isfinite(v):
            out[k] = None
        else:
            out[k] = bool(v >= cut) if op == ">=" else bool(v <= cut)
    return out


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One failed admissibility check: which check, which parameter, its value, the message."""

    check: str
    parameter: str
    value: float
    message: str
    category: type[CsiWarning] = ImproperSolutionWarning

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "parameter": self.parameter, "value": self.value, "message": self.message}


@dataclass(frozen=True)
class CBSEMResults:
    """A CB-SEM fit with labelled pandas objects.

    ``estimates`` (unstandardized) and ``standardized`` are indexed by (lhs, op, rhs) in
    lavaan's convention (``CUSA =~ CUSA1``, ``CUSL ~ CUSA``, ``CUSA ~~ CUSA``) with estimate,
    std_error, z, p_value and free; ``paths`` by (source, target) and ``loadings`` by
    (construct, item) carry both; ``r2`` by endogenous construct.
    """

    spec: ModelSpec
    estimator: str
    n_obs: int
    converged: bool
    iterations: int
    optimizer_message: str
    estimates: pd.DataFrame
    standardized: pd.DataFrame
    paths: pd.DataFrame
    loadings: pd.DataFrame
    r2: pd.Series
    r2_se: pd.Series  # delta method
    latent_cov: pd.DataFrame
    latent_corr: pd.DataFrame
    implied_cov: pd.DataFrame
    sample_cov: pd.DataFrame
    fit: Mapping[str, Any]
    problems: tuple[Problem, ...]
    settings: Mapping[str, Any]
    syntax: str
    other_warnings: tuple[tuple[type[CsiWarning], str], ...] = ()
    bootstrap: pd.DataFrame | None = None
    bootstrap_settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def admissible(self) -> bool:
        return not self.problems

    @property
    def std_paths(self) -> dict[tuple[str, str], float]:
        keys = cast("list[tuple[str, str]]", self.paths.index.tolist())
        return dict(zip(keys, map(float, self.paths["std_estimate"].to_numpy()), strict=True))

    @property
    def thresholds(self) -> dict[str, bool | None]:
        return hu_bentler(self.fit)

    @property
    def warning_items(self) -> list[tuple[type[CsiWarning], str]]:
        return [(p.category, p.message) for p in self.problems] + list(self.other_warnings)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(m for _, m in self.warning_items)

    def to_json(self) -> dict[str, Any]:
        def rows(df: pd.DataFrame, keys: tuple[str, ...]) -> list[dict[str, Any]]:
            out = []
            cols = [str(c) for c in df.columns]
            for idx, vals in zip(df.index.tolist(), df.to_numpy(dtype=object).tolist(), strict=True):
                d: dict[str, Any] = dict(zip(keys, idx if isinstance(idx, tuple) else (idx,), strict=True))
                r = dict(zip(cols, vals, strict=True))
                d.update({k: (bool(v) if k == "free" else v) for k, v in r.items() if k not in ("ci_lo", "ci_hi")})
                if "ci_lo" in r:
                    d["ci"] = [r["ci_lo"], r["ci_hi"]]
                out.append(d)
            return out

        return {
            "estimator": self.estimator,
            "engine": self.settings.get("engine"),
            "converged": self.converged,
            "iterations": self.iterations,
            "admissible": self.admissible,
            "fit": dict(self.fit),
            "thresholds": {k: {"cutoff": f"{op} {cut}", "met": self.thresholds[k]} for k, (op, cut) in HU_BENTLER.items()},
            "paths": rows(self.paths.rename_axis(["from", "to"]), ("from", "to")),
            "loadings": rows(self.loadings, ("construct", "item")),
            "r2": dict(zip(map(str, self.r2.index), map(float, self.r2.to_numpy()), strict=True)),
            "r2_se": dict(zip(map(str, self.r2_se.index), map(float, self.r2_se.to_numpy()), strict=True)),
            "estimates": rows(self.estimates, ("lhs", "op", "rhs")),
            "standardized": rows(self.standardized, ("lhs", "op", "rhs")),
            "latent_correlations": {str(a): dict(zip(map(str, self.latent_corr.columns), row, strict=True))
                                    for a, row in zip(self.latent_corr.index, self.latent_corr.to_numpy(dtype=float).tolist(), strict=True)},
            "admissibility": [p.to_json() for p in self.problems],
            "warnings": list(self.warnings),
            "indices": INDEX_SOURCE,
            "syntax": self.syntax,
            "settings": dict(self.settings),
            "bootstrap": dict(self.bootstrap_settings) if self.bootstrap is not None else None,
        }

    def summary(self) -> str:
        """Plain-text summary: fit with Hu & Bentler flags, paths, R², admissibility."""
        f = self.fit
        flags = self.thresholds

        def fl(k: str) -> str:
            return "" if flags[k] is None else (" ok" if flags[k] else " !")

        p_txt = "p = n/a (not chi2-distributed)" if f["p_value"] is None else f"p = {f['p_value']:.4f}"
        lines = [
            f"CB-SEM ({self.estimator}, semopy) on {self.spec.name}: n = {self.n_obs}, "
            f"{'converged' if self.converged else 'NOT converged'} in {self.iterations} iterations, "
            f"{'admissible' if self.admissible else 'NOT admissible'}",
            f"chi2 = {f['chi2']:.3f}, df = {f['df']}, {p_txt}; CFI = {f['cfi']:.3f}{fl('cfi')}, "
            f"TLI = {f['tli']:.3f}{fl('tli')}, RMSEA = {f['rmsea']:.4f}{fl('rmsea')} "
            f"[{f['rmsea_ci'][0]:.4f}, {f['rmsea_ci'][1]:.4f}], SRMR = {f['srmr']:.4f}{fl('srmr')}",
        ]
        if f.get("loglik") is not None:
            lines.append(f"logL = {f['loglik']:.3f}, AIC = {f['aic']:.3f}, BIC = {f['bic']:.3f}")
        lines.append(self.paths.to_string(float_format=lambda v: f"{v:.4f}"))
        lines.append("R²: " + ", ".join(f"{k} {v:.3f}" for k, v in self.r2.items()))
        lines += [f"warning: {m}" for m in self.warnings]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Estimator
# ---------------------------------------------------------------------------------------
class CBSEM:
    """CB-SEM estimator: ``CBSEM(spec, estimator="ML").fit(items)`` → :class:`CBSEMResults`."""

    def __init__(self, spec: ModelSpec, estimator: str = DEFAULT_ESTIMATOR) -> None:
        self.spec = spec
        self.estimator = check_estimator(estimator)
        self.names = SafeNames(spec.codes, spec.items)
        self.description = describe(spec, names=self.names.obs, lat=self.names.lat)

    # -- data checks ------------------------------------------------------------------
    def _data(self, items: pd.DataFrame, source: str) -> np.ndarray:
        spec = self.spec
        absent = [i for i in spec.items if i not in items.columns]
        if absent:
            raise DataError(f"{source}: CB-SEM needs the item column(s) {', '.join(absent)}")
        X = items.loc[:, list(spec.items)].to_numpy(dtype=float)
        holes = [f"{i} ({int(np.isnan(X[:, j]).sum())})" for j, i in enumerate(spec.items) if np.isnan(X[:, j]).any()]
        if holes:
            raise DataError(
                f"{source}: CB-SEM needs complete data after the missing-data policy; missing values remain in "
                f"{', '.join(holes)} — semopy would silently use pairwise deletion"
            )
        n, p = X.shape
        q = self._n_free()
        if q > p * (p + 1) // 2:
            raise EstimationError(
                f"model {spec.name}: CB-SEM has {q} free parameters but only {p * (p + 1) // 2} distinct item "
                "variances and covariances; the model is not identified"
            )
        if n <= p:
            raise EstimationError(f"{source}: CB-SEM needs more respondents than items; found {n} respondents for {p} items")
        sd = X.std(axis=0)
        flat = [i for i, s in zip(spec.items, sd, strict=True) if not s > 0]
        if flat:
            raise EstimationError(f"{source}: item(s) {', '.join(flat)} have the same answer from every respondent; CB-SEM needs item variance")
        R = np.corrcoef(X, rowvar=False)
        ev, vec = np.linalg.eigh(R)
        if ev[0] < 1e-10:
            involved = [spec.items[j] for j in np.argsort(-np.abs(vec[:, 0]))[:3]]
            raise EstimationError(
                f"{source}: the item correlation matrix is singular (smallest eigenvalue {ev[0]:.2g}); items "
                f"{', '.join(involved)} are (nearly) linear combinations of each other and CB-SEM cannot be fitted"
            )
        return X

    def _fit_ml(self, X: np.ndarray, cov: np.ndarray | None) -> _Raw | None:
        """csi's own ML fit (None where it cannot start or does not converge: semopy then fits)."""
        if getattr(self, "_prob", None) is None:
            self._prob = _structure(self.description, self.names)
        with threadpool_limits(1):  # also S: one BLAS thread, the same rounding as every bootstrap resample
            if cov is None:
                Xc = X - X.mean(axis=0)
                cov = Xc.T @ Xc / X.shape[0]
            return _fit_ml(self._prob, cov, X.shape[0])

    def _n_free(self) -> int:
        spec = self.spec
        exo = [c for c in spec.codes if not spec.predecessors(c)]
        loadings = sum(len(c.items) - 1 for c in spec.constructs)
        errors = sum(1 for c in spec.constructs if len(c.items) > 1 for _ in c.items)
        return loadings + errors + len(spec.paths) + len(spec.codes) + len(exo) * (len(exo) - 1) // 2

    # -- fit ----------------------------------------------------------------------------
    def fit(self, items: pd.DataFrame, weights: np.ndarray | None = None, source: str = "<data frame>") -> CBSEMResults:
        X = self._data(items, source)
        n = X.shape[0]
        cov = None
        extra: list[tuple[type[CsiWarning], str]] = []
        if weights is not None:
            v = np.asarray(weights, dtype=float)
            v = v / v.sum()
            Xc = X - v @ X
            cov = (Xc * v[:, None]).T @ Xc
            extra.append((CsiWarning, "CB-SEM with survey weights: the weighted covariance matrix was fitted with N = the number of "
                          "respondents; standard errors, χ² and fit indices ignore the design effect"))
        if self.estimator != "ML":
            # lavaan's convention for GLS, ULS and DWLS: the N − 1 covariance matrix
            cov = (np.cov(X, rowvar=False, bias=True) if cov is None else cov) * n / (n - 1)
        t0 = time.perf_counter()
        try:
            raw = self._fit_ml(X, cov) if self.estimator == "ML" else None
            if raw is None:
                raw = _fit_semopy(self.description, self.names, X, ESTIMATORS[self.estimator][0], cov=cov)
        except CsiError:
            raise
        except Exception as exc:  # noqa: BLE001 - semopy's failures become one clear message
            raise EstimationError(f"{source}: CB-SEM ({self.estimator}) failed in semopy: {type(exc).__name__}: {exc}") from None
        seconds = time.perf_counter() - t0
        self._raw = raw  # the bootstrap warm-starts every ML resample from this fit (bootstrap_paths)
        free = [p for p in raw.params if p.free]
        theta = np.array([p.value for p in free])
        if not np.all(np.isfinite(theta)) or not np.isfinite(raw.fun):
            raise EstimationError(
                f"{source}: CB-SEM ({self.estimator}) found no finite solution ({raw.message}); the model cannot be "
                f"estimated on these data — {PLS_ADVICE}"
            )
        gamma = _dwls_gamma(X)
        if self.estimator == "ML":
            vcov = raw.vcov
        elif self.estimator == "GLS":
            vcov = _gls_vcov(raw, theta, n)
        else:
            vcov = _sandwich(raw, theta, gamma, self.estimator, X)
        return self._results(raw, theta, gamma, vcov, extra, seconds, weights is not None)

    def _results(
        self,
        raw: _Raw,
        theta: np.ndarray,
        gamma: np.ndarray,
        vcov: np.ndarray | None,
        extra: list[tuple[type[CsiWarning], str]],
        seconds: float,
        weighted: bool,
    ) -> CBSEMResults:
        spec = self.spec
        items = list(spec.items)
        B, L, P, T = _matrices(raw)
        Phi, Sigma = _moments(B, L, P, T)
        std = _standardize(B, L, P, T)
        q = sum(1 for p in raw.params if p.free)
        estimates, standardized, r2_se_all = _parameter_tables(spec, raw, theta, vcov, std)
        r2, r2_se = _r2_series(spec, std["r2"], r2_se_all)
        latent_cov, latent_corr = _latent_tables(spec, Phi)
        problems, notes = self._problems(raw, vcov, estimates, standardized, r2, Phi, latent_corr)
        return CBSEMResults(
            spec=spec,
            estimator=self.estimator,
            n_obs=raw.n,
            converged=raw.success,
            iterations=raw.iterations,
            optimizer_message=raw.message,
            estimates=estimates,
            standardized=standardized,
            paths=_pick(estimates, standardized, *_path_rows(spec)),
            loadings=_pick(estimates, standardized, *_loading_rows(spec)),
            r2=r2,
            r2_se=r2_se,
            latent_cov=latent_cov,
            latent_corr=latent_corr,
            implied_cov=pd.DataFrame(Sigma, index=items, columns=items),
            sample_cov=pd.DataFrame(raw.S, index=items, columns=items),
            fit=fit_measures(self.estimator, raw.S, Sigma, raw.n, q, gamma),
            problems=tuple(problems),
            settings=self._settings(raw.n, seconds, weighted, raw.optimizer),
            syntax=lavaan_syntax(spec),
            other_warnings=tuple(notes + extra),
        )

    def _problems(
        self,
        raw: _Raw,
        vcov: np.ndarray | None,
        estimates: pd.DataFrame,
        standardized: pd.DataFrame,
        r2: pd.Series,
        Phi: np.ndarray,
        latent_corr: pd.DataFrame,
    ) -> tuple[list[Problem], list[tuple[type[CsiWarning], str]]]:
        """Admissibility problems (non-convergence first) and the other notes on this fit."""
        singular = raw.information_singular or vcov is None or not bool(np.all(np.isfinite(np.diag(vcov))) and np.all(np.diag(vcov) > 0))
        problems, notes = _admissibility(self, singular, estimates, standardized, r2, Phi, latent_corr)
        if not raw.success:
            problems.insert(
                0,
                Problem(
                    "non_convergence",
                    "optimizer",
                    float(raw.iterations),
                    f"CB-SEM non-convergence: {_optimizer_name(raw)} stopped after {raw.iterations} iterations without converging "
                    f"({raw.message}); the estimates are not a solution — {PLS_ADVICE}",
                    ConvergenceWarning,
                ),
            )
        if raw.bounded:
            notes.append((ConvergenceWarning, "CB-SEM: the fit without bounds on the variances did not converge; the solution "
                          "reported keeps every variance ≥ 0 (lavaan would allow negative ones)"))
        modeb = [c.code for c in self.spec.constructs if c.mode == "B" and len(c.items) > 1]
        if modeb:
            notes.append((QualityWarning, f"CB-SEM treats {', '.join(modeb)} (mode B, formative in PLS) as reflective common factors"))
        return problems, notes

    def _settings(self, n_obs: int, seconds: float, weighted: bool, optimizer: str) -> dict[str, Any]:
        """What was fitted and how (engine, objective, optimizer, identification, SEs, conventions)."""
        own = optimizer == OWN_ML
        return {
            "engine": f"csi ML (model parsed by semopy {_semopy_version()})" if own else f"semopy {_semopy_version()}",
            "estimator": self.estimator,
            "objective": ESTIMATORS[self.estimator][1],
            "optimizer": OWN_ML_TEXT if own else (
                f"{SOLVER} (ftol {SOLVER_OPTIONS['ftol']:g}, at most {int(SOLVER_OPTIONS['maxiter'])} iterations)"
            ),
            "identification": "first loading of every construct fixed to 1; single-item constructs: loading 1, error variance 0",
            "variances": "unbounded (negative variances are reported and flagged, as in lavaan)",
            "standard_errors": (
                "expected information (normal theory; GLS: evaluated at S, N − 1)" if self.estimator in ("ML", "GLS")
                else "sandwich with fourth-moment (distribution-free) Γ, as lavaan se = 'robust.sem'"
            ),
            "sample_covariance": "divisor N" if self.estimator == "ML" else "divisor N − 1 (lavaan's convention for GLS, ULS, DWLS)",
            "test_statistic": f"{'N' if self.estimator == 'ML' else '(N − 1)'} × F",
            "missing": "fitted to the complete respondents left by the survey's missing-data policy; semopy saw no missing value (no pairwise deletion)",
            "weighted": weighted,
            "n_obs": n_obs,
            "indices": INDEX_SOURCE,
            "seconds": round(seconds, 4),
        }


# ---------------------------------------------------------------------------------------
# Estimate tables
# ---------------------------------------------------------------------------------------
_OP_ORDER = {"=~": 0, "~": 1, "~~": 2}


def _cell_label(prm: _Param, cell: tuple[int, int], codes: list[str], items: list[str]) -> tuple[str, str, str]:
    """(lhs, op, rhs) of a parameter cell in lavaan's convention, with lavaan's construct names."""
    r, c = cell
    if prm.kind == "B":
        return (codes[r], "~", codes[c])
    if prm.kind == "L":
        return (codes[c], "=~", items[r])
    if prm.kind == "P":
        return (codes[min(r, c)], "~~", codes[max(r, c)])
    return (items[min(r, c)], "~~", items[max(r, c)])


def _parameter_tables(
    spec: ModelSpec, raw: _Raw, theta: np.ndarray, vcov: np.ndarray | None, std: dict[str, np.ndarray]
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Unstandardized and standardized tables, one row per parameter (its first cell).

    Rows in lavaan's order (loadings, paths, (co)variances); standardized SEs and those of the
    R² of every construct (the third value, in ``spec.codes`` order) by the delta method.
    """
    items = list(spec.items)
    lvn = latent_names(spec)
    codes = [lvn[c] for c in spec.codes]  # estimate tables use lavaan's names (CUSCO_lv ≠ item CUSCO)
    free = [p for p in raw.params if p.free]
    cells = [(prm, cell) for prm in raw.params for cell in prm.cells[:1]]
    cells.sort(key=lambda pc: (_OP_ORDER[_cell_label(pc[0], pc[1], codes, items)[1]], pc[0].kind, pc[1]))
    se_free = np.sqrt(np.clip(np.diag(vcov), 0, None)) if vcov is not None else np.full(len(free), np.nan)
    free_pos = {p.name: j for j, p in enumerate(free)}

    def std_vector(th: np.ndarray) -> np.ndarray:
        s = _standardize(*_matrices(raw, th))
        return np.array([s[prm.kind][cell] for prm, cell in cells] + list(s["r2"]))

    std_se = _delta_se(std_vector, theta, vcov)
    idx = pd.MultiIndex.from_tuples([_cell_label(pc[0], pc[1], codes, items) for pc in cells], names=["lhs", "op", "rhs"])
    est = np.array([prm.value for prm, _ in cells])
    se = np.array([se_free[free_pos[prm.name]] if prm.free else np.nan for prm, _ in cells])
    isfree = np.array([prm.free for prm, _ in cells])
    estimates = _table(est, se, idx, isfree)
    std_est = np.array([std[prm.kind][cell] for prm, cell in cells])
    standardized = _table(std_est, std_se[: len(cells)], idx, isfree)
    return estimates, standardized, std_se[len(cells) :]


def _path_rows(spec: ModelSpec) -> tuple[list[tuple[str, str, str]], pd.MultiIndex]:
    """The estimate-table keys of the structural paths and their (source, target) index."""
    lvn = latent_names(spec)
    keys = [(lvn[p.target], "~", lvn[p.source]) for p in spec.paths]
    return keys, pd.MultiIndex.from_tuples([(p.source, p.target) for p in spec.paths], names=["source", "target"])


def _loading_rows(spec: ModelSpec) -> tuple[list[tuple[str, str, str]], pd.MultiIndex]:
    """The estimate-table keys of the loadings and their (construct, item) index."""
    lvn = latent_names(spec)
    keys = [(lvn[c.code], "=~", i) for c in spec.constructs for i in c.items]
    return keys, pd.MultiIndex.from_tuples([(c.code, i) for c in spec.constructs for i in c.items], names=["construct", "item"])


def _r2_series(spec: ModelSpec, r2_all: np.ndarray, se_all: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """R² and its SE of every endogenous construct (from values for all constructs in ``spec.codes`` order)."""
    endo = [c for c in spec.codes if spec.predecessors(c)]
    r2 = pd.Series({c: float(r2_all[spec.codes.index(c)]) for c in endo}, name="r2", dtype=float)
    r2.index.name = "construct"
    r2_se = pd.Series({c: float(se_all[spec.codes.index(c)]) for c in endo}, name="r2_se", dtype=float)
    r2_se.index.name = "construct"
    return r2, r2_se


def _latent_tables(spec: ModelSpec, Phi: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Latent covariance Φ and correlation matrices, labelled by construct code."""
    sl = _sd(np.diag(Phi))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = Phi / np.outer(sl, sl)
    codes = list(spec.codes)
    return pd.DataFrame(Phi, index=codes, columns=codes), pd.DataFrame(corr, index=codes, columns=codes)


def _optimizer_name(raw: _Raw) -> str:
    return "csi's Fisher scoring" if raw.optimizer == OWN_ML else f"semopy's {SOLVER}"


def _semopy_version() -> str:
    import semopy

    return str(getattr(semopy, "__version__", "?"))


def _table(est: np.ndarray, se: np.ndarray, idx: pd.MultiIndex, free: np.ndarray) -> pd.DataFrame:
    """estimate, std_error, z, p_value, free; z and p only where the SE is positive (as lavaan)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 1e-12, est / se, np.nan)
    p = 2.0 * sps.norm.sf(np.abs(z))
    return pd.DataFrame({"estimate": est, "std_error": se, "z": z, "p_value": p, "free": free}, index=idx)


def _pick(estimates: pd.DataFrame, standardized: pd.DataFrame, keys: list[tuple[str, str, str]], index: pd.MultiIndex) -> pd.DataFrame:
    """Rows ``keys`` of both tables: estimate, std_error, z, p_value, std_estimate, std_se."""
    rows = pd.MultiIndex.from_tuples(keys)
    e = estimates.reindex(rows)[["estimate", "std_error", "z", "p_value"]]
    s = standardized.reindex(rows)[["estimate", "std_error"]]
    out = pd.DataFrame(e.to_numpy(dtype=float), index=index, columns=list(e.columns))
    out["std_estimate"] = s["estimate"].to_numpy(dtype=float)
    out["std_se"] = s["std_error"].to_numpy(dtype=float)
    return out


def _delta_se(fn: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, vcov: np.ndarray | None) -> np.ndarray:
    """SEs of fn(θ̂) by the delta method: √diag(J V J'), J by central differences."""
    f0 = fn(theta)
    if vcov is None:
        return np.full(f0.shape, np.nan)
    J = np.empty((f0.size, theta.size))
    for j in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[j]))
        up, dn = theta.copy(), theta.copy()
        up[j] += h
        dn[j] -= h
        J[:, j] = (fn(up) - fn(dn)) / (2 * h)
    with np.errstate(invalid="ignore"):
        var = np.einsum("ij,jk,ik->i", J, vcov, J)
        return np.sqrt(np.where(var >= 0, var, np.nan))


def _dsigma(raw: _Raw, theta: np.ndarray) -> np.ndarray:
    """∂Σ/∂θ_j for every free parameter, (q, p, p), by central differences (Σ is polynomial in θ)."""
    out = np.empty((theta.size, *raw.S.shape))
    for j in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[j]))
        up, dn = theta.copy(), theta.copy()
        up[j] += h
        dn[j] -= h
        out[j] = (_moments(*_matrices(raw, up))[1] - _moments(*_matrices(raw, dn))[1]) / (2 * h)
    return out


def _gls_vcov(raw: _Raw, theta: np.ndarray, n: int) -> np.ndarray | None:
    """GLS: inverse of the expected information ((N − 1)/2)·tr(S⁻¹ ∂Σ_i S⁻¹ ∂Σ_j) (lavaan's GLS)."""
    Si = np.linalg.inv(raw.S)
    M = np.einsum("ab,jbc->jac", Si, _dsigma(raw, theta))
    info = 0.5 * (n - 1) * np.einsum("iab,jba->ij", M, M)
    try:
        return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return None


def _sandwich(raw: _Raw, theta: np.ndarray, gamma: np.ndarray, estimator: str, X: np.ndarray) -> np.ndarray:
    """Distribution-free covariance of θ̂ for ULS and DWLS (lavaan se = "robust.sem").

    V = A Δ'WΓWΔ A / N with A = (Δ'WΔ)⁻¹, Δ = ∂vech Σ/∂θ' (central differences), W the
    estimator's weights on vech (1 for ULS, 1/γ for DWLS) and Γ the fourth-moment covariance
    of vech(S), divisor N; lavaan divides V by N − 1 for these estimators.
    """
    iu = np.triu_indices(raw.S.shape[0])
    D = _dsigma(raw, theta)[:, iu[0], iu[1]].T
    w = np.ones(iu[0].size) if estimator == "ULS" else 1.0 / gamma
    A = np.linalg.pinv(D.T @ (D * w[:, None]))
    G = _gamma_adf(X)
    WD = D * w[:, None]
    return A @ (WD.T @ G @ WD) @ A / (X.shape[0] - 1)  # N − 1: lavaan's convention outside ML


def _admissibility(
    est: CBSEM,
    singular: bool,
    estimates: pd.DataFrame,
    standardized: pd.DataFrame,
    r2: pd.Series,
    Phi: np.ndarray,
    latent_corr: pd.DataFrame,
) -> tuple[list[Problem], list[tuple[type[CsiWarning], str]]]:
    """The admissibility checks (module docstring); each problem names parameter and value."""
    problems: list[Problem] = []
    notes: list[tuple[type[CsiWarning], str]] = []
    tail = f"the CB-SEM solution is not admissible — {PLS_ADVICE}"
    code_of = {v: k for k, v in latent_names(est.spec).items()}
    keys = cast("list[tuple[str, str, str]]", estimates.index.tolist())
    values = estimates["estimate"].to_numpy(dtype=float)
    stds = standardized["estimate"].to_numpy(dtype=float)
    free = estimates["free"].to_numpy(dtype=bool)
    for (lhs, op, rhs), v, vs, isfree in zip(keys, values, stds, free, strict=True):
        if op != "~~" or lhs != rhs or not isfree:
            continue
        code = code_of.get(lhs)
        what = f"the disturbance variance of {code}" if code and est.spec.predecessors(code) else (
            f"the variance of {code}" if code else f"the error variance of item {lhs}"
        )
        if v < 0:
            problems.append(Problem("heywood", f"{lhs} ~~ {rhs}", float(v), f"CB-SEM Heywood case: {what} is negative ({v:.4g}); {tail}"))
        elif not (abs(vs) >= ZERO_VARIANCE):  # also catches NaN standardization
            problems.append(Problem(
                "heywood", f"{lhs} ~~ {rhs}", float(v),
                f"CB-SEM Heywood case: {what} is practically zero ({v:.4g}, {100 * vs:.2g}% of its variance); {tail}",
            ))
    fixed_single = {c.items[0] for c in est.spec.constructs if len(c.items) == 1}
    for (lhs, op, rhs), v in zip(keys, stds, strict=True):
        if op == "=~" and rhs in fixed_single:
            continue  # a single item equals its construct: standardized loading 1 by construction
        if op in ("=~", "~") and abs(v) > STD_LIMIT + STD_SLACK:
            what = f"loading {code_of[lhs]} → {rhs}" if op == "=~" else f"path {code_of[rhs]} → {code_of[lhs]}"
            problems.append(Problem(
                "std_beyond_1", f"{lhs} {op} {rhs}", float(v), f"CB-SEM standardized {what} is {v:.4f}, beyond ±1; {tail}"
            ))
    ev = np.linalg.eigvalsh((Phi + Phi.T) / 2)
    if not ev[0] > 1e-10 * max(abs(ev[-1]), 1e-300):
        problems.append(Problem(
            "latent_cov_not_pd", "latent covariance matrix", float(ev[0]),
            f"CB-SEM latent covariance matrix is not positive definite (smallest eigenvalue {ev[0]:.4g}); {tail}",
        ))
    for c, v in r2.items():
        if not v < R2_LIMIT:
            problems.append(Problem(
                "implausible_r2", f"R² {c}", float(v), f"CB-SEM implausible R² of {c}: {v:.4f} (≥ {R2_LIMIT}); {tail}"
            ))
    if singular:
        problems.append(Problem(
            "singular_information", "information matrix", float("nan"),
            "CB-SEM information matrix is singular: the model is not identified on these data or the solution is on a "
            f"boundary, so standard errors are unreliable; {tail}",
        ))
    cols = list(latent_corr.columns)
    corr = latent_corr.to_numpy(dtype=float)
    for a in range(len(cols)):
        for b in range(a):
            r = float(corr[a, b])
            if np.isfinite(r) and abs(r) >= HIGH_CORR and abs(r) <= 1:
                notes.append((QualityWarning, f"CB-SEM: latent constructs {cols[b]} and {cols[a]} correlate {r:.3f} (≥ {HIGH_CORR}); their discriminant validity is doubtful"))
    return problems, notes


# ---------------------------------------------------------------------------------------
# Bootstrap of the standardized paths
# ---------------------------------------------------------------------------------------
def _resample_rows(seed: int, b: int, n: int) -> np.ndarray:
    """Rows of resample b: the PLS bootstrap's draw b (``csi.stats.resample.resample_indices``).

    They depend on (seed, b) alone, so any chunking gives the same draws, and PLS and CB-SEM
    resample b of one seed use the same respondents.
    """
    from csi.stats.resample import RNG_BLOCK, resample_indices

    return resample_indices(seed, b // RNG_BLOCK, n)[b % RNG_BLOCK]


def _path_draw(B: np.ndarray, L: np.ndarray, P: np.ndarray, T: np.ndarray, path_cells: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, bool]:
    """The standardized paths of one resample's solution and whether it is admissible."""
    with np.errstate(all="ignore"):
        s = _standardize(B, L, P, T)
        Phi, _ = _moments(B, L, P, T)
    vals = np.array([s["B"][t, src] for t, src in path_cells])
    if not np.all(np.isfinite(vals)):
        raise np.linalg.LinAlgError("non-finite")
    ok = bool(
        np.all(np.abs(vals) <= STD_LIMIT + STD_SLACK)
        and np.all(np.diag(P) > 0)
        and np.all(np.diag(T)[np.diag(T) != 0] > 0)
        and np.linalg.eigvalsh(Phi)[0] > 0
    )
    return vals, ok


_BootArgs = tuple[str, SafeNames, np.ndarray, str, tuple[tuple[int, int], ...], int, list[int], "tuple[MLProblem, np.ndarray | None] | None"]


def _boot_chunk(args: _BootArgs) -> list[tuple[int, np.ndarray | None, bool]]:
    """Refit resamples ``bs``: (b, standardized paths or None if failed, admissible).

    ML (``ml`` given): csi's two-stage Fisher scoring on the resample's covariance matrix
    (divisor n), warm-started from the full-sample estimate when that was admissible, else from
    csi's starting values (then exactly the full-sample procedure); no semopy model is built.
    A resample where it does not converge is refitted by semopy.  Other estimators: a fresh
    semopy fit per resample.
    """
    desc, names, X, obj, path_cells, seed, bs, ml = args
    with threadpool_limits(1):
        return [_boot_one(desc, names, X, obj, path_cells, seed, b, ml) for b in bs]


def _boot_one(desc: str, names: SafeNames, X: np.ndarray, obj: str, path_cells: tuple[tuple[int, int], ...], seed: int,
              b: int, ml: tuple[MLProblem, np.ndarray | None] | None) -> tuple[int, np.ndarray | None, bool]:
    """Resample b refitted (:func:`_boot_chunk`): (b, standardized paths or None if failed, admissible)."""
    n = X.shape[0]
    Xb = X[_resample_rows(seed, b, n)]
    try:
        if np.any(Xb.std(axis=0) == 0):
            raise np.linalg.LinAlgError("constant item")
        raw = None
        if ml is not None:
            Xc = Xb - Xb.mean(axis=0)
            raw = _fit_ml(ml[0], Xc.T @ Xc / n, n, information=False, theta0=ml[1])
        if raw is None:
            raw = _fit_semopy(desc, names, Xb, obj, information=False)
            if not raw.success or not np.isfinite(raw.fun):
                raise np.linalg.LinAlgError("no convergence")
        vals, ok = _path_draw(*_matrices(raw), path_cells)
        return (b, vals, ok)
    except Exception:  # noqa: BLE001 - a failed resample is skipped and counted, never fatal
        return (b, None, False)


def _ml_refit(est: CBSEM, res: CBSEMResults, X: np.ndarray) -> tuple[MLProblem, np.ndarray | None] | None:
    """csi's ML problem for the resamples of ``est``'s last fit, with its warm start (or None), if it was an unweighted ML fit of X.

    The warm start is the full-sample estimate when that fit was admissible; from an
    inadmissible one (mobi) the resamples' likelihoods are flat or have ridges, and scoring from
    it can end elsewhere than a fresh fit, so each resample then starts from csi's own starting
    values, exactly as a fresh fit of its rows does.
    """
    raw: _Raw | None = getattr(est, "_raw", None)
    prob: MLProblem | None = getattr(est, "_prob", None)
    if est.estimator != "ML" or raw is None or prob is None or raw.n != X.shape[0]:
        return None
    Xc = X - X.mean(axis=0)
    if not np.allclose(raw.S, np.einsum("ni,nj->ij", Xc, Xc) / X.shape[0], rtol=1e-10, atol=1e-12):
        return None
    warm = raw.success and not raw.bounded and res.admissible
    return prob, (np.array([p.value for p in raw.params if p.free]) if warm else None)


def bootstrap_paths(
    est: CBSEM,
    res: CBSEMResults,
    X: np.ndarray,
    resamples: int,
    seed: int,
    level: float = 0.95,
    workers: int | None = None,
    chunk: int = 10,
    progress: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Percentile intervals of the standardized paths from ``resamples`` refits.

    Returns (stats by path, settings, draws with one row per used resample).
    """
    codes = list(est.spec.codes)
    path_cells = tuple((codes.index(p.target), codes.index(p.source)) for p in est.spec.paths)
    obj = ESTIMATORS[est.estimator][0]
    bs = list(range(resamples))
    chunks = [bs[i : i + chunk] for i in range(0, resamples, chunk)]
    ml = _ml_refit(est, res, X)
    args: list[_BootArgs] = [(est.description, est.names, X, obj, path_cells, seed, c, ml) for c in chunks]
    workers = max(1, min(workers if workers is not None else (os.cpu_count() or 1), len(chunks)))
    results: list[tuple[int, np.ndarray | None, bool]] = []
    t0 = time.perf_counter()
    bar = _progress(progress, resamples)
    if workers == 1:
        for a in args:
            part = _boot_chunk(a)
            results += part
            bar(len(part))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for part in pool.map(_boot_chunk, args):
                results += part
                bar(len(part))
    bar(0, done=True)
    results.sort(key=lambda r: r[0])
    used = [(b, v, ok) for b, v, ok in results if v is not None]
    pidx = res.paths.index
    draws = pd.DataFrame([v for _, v, _ in used], index=pd.Index([b for b, _, _ in used], name="resample"), columns=pidx)
    if len(used) >= 2:
        from csi.stats.intervals import percentile_interval

        lo, hi = percentile_interval(draws.to_numpy(), level)
        sd = draws.std(ddof=1).to_numpy()
        mean = draws.mean().to_numpy()
    else:
        lo = hi = sd = mean = np.full(len(pidx), np.nan)
    table = pd.DataFrame(
        {"std_estimate": res.paths["std_estimate"].to_numpy(), "boot_mean": mean, "boot_se": sd, "ci_lo": lo, "ci_hi": hi},
        index=pidx,
    )
    settings = {
        "resamples": resamples,
        "resamples_used": len(used),
        "resamples_failed": resamples - len(used),
        "resamples_inadmissible": sum(1 for _, _, ok in used if not ok),
        "seed": seed,
        "level": level,
        "ci": "percentile",
        "statistic": "standardized paths",
        "draws": "resample b = the PLS bootstrap's resample b (SeedSequence(seed, spawn_key=(b // 250,))); independent of workers and chunking",
        "workers": workers,
        "refit": (
            "ML: csi's two-stage Fisher scoring (analytic gradient, expected information) on each resample's covariance "
            + ("matrix, warm-started from the full-sample estimate" if ml[1] is not None else "matrix from csi's starting values")
            + " (semopy refit where it does not converge)"
            if ml is not None else "a fresh semopy fit per resample"
        ),
        "seconds": round(time.perf_counter() - t0, 3),
    }
    return table, settings, draws


def _progress(on: bool, total: int) -> Callable[..., None]:
    """The CB-SEM bootstrap's progress (:mod:`csi._progress`: a bar on a terminal, a line per 10 % in logs)."""
    from csi._progress import Reporter

    rep = Reporter("CB-SEM bootstrap", total, on)

    def step(k: int, done: bool = False) -> None:
        rep.advance(k)
        if done:
            rep.close()

    return step


# ---------------------------------------------------------------------------------------
# Entry point used by the fit workflow
# ---------------------------------------------------------------------------------------
def fit_cbsem(
    spec: ModelSpec,
    survey: SurveyData,
    estimator: str = DEFAULT_ESTIMATOR,
    boot: int = 0,
    seed: int = 1,
    level: float = 0.95,
    progress: bool = False,
    workers: int | None = None,
) -> CBSEMResults:
    """Fit ``spec`` by CB-SEM to the survey's items (after its missing-data policy).

    ``boot`` > 0 adds a nonparametric bootstrap of the standardized paths (percentile
    intervals at ``level``, seeded by ``seed``).
    """
    est = CBSEM(spec, estimator)
    res = est.fit(survey.items, weights=survey.weights, source=survey.source)
    settings = dict(res.settings)
    settings.update(
        missing=(
            f"policy '{survey.policy}': fitted to the {survey.n_used} of {survey.n_read} respondents it kept; "
            "semopy saw no missing value (no pairwise deletion)"
        ),
        missing_policy=survey.policy,
        n_read=survey.n_read,
    )
    updates: dict[str, Any] = {"settings": settings}
    imputed = sum(int(v) for v in survey.imputed_by_construct.values())
    if survey.policy != "casewise" and imputed:
        updates["other_warnings"] = (*res.other_warnings, (CsiWarning, (
            f"CB-SEM was fitted after the '{survey.policy}' missing-data policy imputed missing answers ({imputed} respondent–construct blocks); "
            "imputed values shrink item variances and covariances, so CB-SEM estimates and fit are biased — prefer --missing casewise"
        )))
    if boot:
        if boot < 2:
            raise CsiError(f"--boot should be 0 (off) or at least 2 resamples; got {boot}")
        if not 0 < level < 1:
            raise CsiError(f"--level should be a confidence level between 0 and 1 (exclusive), e.g. 0.95; got {level!r}")
        if survey.weights is not None:
            raise CsiError("--boot with --method cbsem and --weights: the CB-SEM bootstrap does not support survey weights")
        X = survey.items.loc[:, list(spec.items)].to_numpy(dtype=float)
        table, bset, _ = bootstrap_paths(est, res, X, boot, seed, level=level, workers=workers, progress=progress)
        paths = res.paths.copy()
        paths["boot_se"] = table["boot_se"]
        paths["ci_lo"] = table["ci_lo"]
        paths["ci_hi"] = table["ci_hi"]
        updates.update(paths=paths, bootstrap=table, bootstrap_settings=bset)
        extra = list(updates.get("other_warnings", res.other_warnings))
        if bset["resamples_failed"]:
            extra.append((CsiWarning, f"CB-SEM bootstrap: {bset['resamples_failed']} of {boot} resamples failed (no convergence or a constant item) and were skipped"))
        if bset["resamples_inadmissible"]:
            extra.append((ImproperSolutionWarning, f"CB-SEM bootstrap: {bset['resamples_inadmissible']} of {bset['resamples_used']} used resamples gave an inadmissible solution (|std| > 1, a negative variance or a non-positive-definite latent covariance matrix) — {PLS_ADVICE}"))
        updates["other_warnings"] = tuple(extra)
    return replace(res, **updates)
