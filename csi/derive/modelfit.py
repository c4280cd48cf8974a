"""PLS model fit: SRMR, d_ULS and d_G, the bootstrap test of exact fit, HTMT2 beside HTMT.

Model-implied indicator correlations (the composite model as cSEM ``assess()``/``fit()`` defines it):

* construct correlations ``Φ``: the *saturated* model uses the estimated ones (``R``, for PLSc the
  disattenuated ``R̃``); the *estimated* model those implied by the paths of a recursive model with
  uncorrelated disturbances, ``Φ = (I − B)⁻¹ Ψ (I − B)⁻ᵀ`` (unit diagonal), ``B[j, i] = β_{i→j}``,
  ``Ψ`` the observed correlations among exogenous constructs and ``1 − R²_j`` for endogenous ones;
* indicators ``Σ̂ = Λ'ΦΛ`` with unit diagonal (``Λ`` the loadings: PLS loadings ``S_kk w_k`` for
  composites, consistent loadings for PLSc's reflective constructs), except that the
  within-block entries of a composite are the observed ``S_kk``.

Distances between the item correlations ``S`` and ``Σ̂`` (cSEM's definitions):

* ``SRMR = √(mean over i ≤ j of (s_ij − σ̂_ij)²)``;
* ``d_ULS = ½ Σ_ij (s_ij − σ̂_ij)²`` (the whole matrix);
* ``d_G = ½ Σ_k (log₁₀ λ_k)²``, ``λ_k`` the eigenvalues of ``S⁻¹Σ̂`` — base-10 logarithms as cSEM's
  ``calculateDG`` (Dijkstra & Henseler's natural-log d_G is (ln 10)² ≈ 5.302 times this).

Exact-fit test (Dijkstra & Henseler 2015; Bollen & Stine 1992): the standardized items ``Z``
are transformed to ``Z S^{-1/2} Σ̂^{1/2}`` (symmetric roots), whose correlation matrix is exactly
``Σ̂`` of the estimated model; ``resamples`` bootstrap resamples of the transformed rows are refitted
by the same estimator (batched: one ``fit_moments`` call per block of 250) and the distances of each
form the reference distribution.  Its 95 % and 99 % quantiles (linear interpolation, R type 7) are
reported; a distance above a quantile rejects exact fit at that level.  Failed or inadmissible
refits are left out and counted.

HTMT2 (Roemer, Schuberth & Henseler 2021): HTMT with geometric instead of arithmetic means of the
absolute item correlations (:func:`csi.stats.htmt.htmt2`), for every construct pair beside csi's
HTMT (cSEM's ``calculateHTMT(.type_htmt = "htmt2")`` gives the same number when the correlations
within each block are positive; it reports common factors only and takes no absolute value inside
a block).

Validated against an independent implementation of these formulas written in
``tests/derive/test_modelfit.py``, and against R cSEM 0.4.0.9000's figures for ECSI on ``mobi`` (PLS
and PLSc, estimated and saturated model) to 1e-6 in ``tests/reference/test_csem_reference.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csi.derive.base import JSON, Context, Outcome
from csi.errors import Issue
from csi.estimators.base import ESTIMATORS, BatchEstimate, Layout
from csi.stats.htmt import htmt, htmt2, lower_pairs
from csi.stats.resample import RNG_BLOCK, resample_indices

FIT_TEST_RESAMPLES = 499  # cSEM testOMF's default
FIT_TEST_MAX_ROWS = 10_000  # above this the n × p² resample moments cost more than they are worth by default
MEASURES = ("srmr", "d_uls", "d_g")
QUANTILES = (0.95, 0.99)


# ---------------------------------------------------------------------------------------
# Batched kernels
# ---------------------------------------------------------------------------------------
def implied_construct_corr(R: np.ndarray, paths: np.ndarray, r2: np.ndarray, L: Layout) -> np.ndarray:
    """Construct correlations (B, K, K) implied by the paths ``paths[:, i, j]`` (i → j)."""
    B, K = R.shape[:2]
    endo = np.array([len(p) > 0 for p in L.preds])
    psi = np.where((~endo[:, None] & ~endo[None, :])[None], R, 0.0)
    idx = np.flatnonzero(endo)
    psi[:, idx, idx] = 1.0 - r2[:, idx]
    inv = np.linalg.inv(np.eye(K) - np.swapaxes(paths, 1, 2))
    phi = inv @ psi @ np.swapaxes(inv, 1, 2)
    phi[:, np.arange(K), np.arange(K)] = 1.0
    return phi


def implied_indicator_corr(S: np.ndarray, phi: np.ndarray, loadings: np.ndarray, L: Layout,
                           reflective: np.ndarray) -> np.ndarray:
    """Σ̂ (B, p, p) from construct correlations ``phi`` and loadings (B, p); composites keep S_kk."""
    lam = loadings[:, :, None] * L.member  # (B, p, K)
    sigma = lam @ phi @ np.swapaxes(lam, 1, 2)
    for k in np.flatnonzero(~reflective):
        b = L.blocks[k]
        sigma[:, b[:, None], b] = S[:, b[:, None], b]
    p = L.p
    sigma[:, np.arange(p), np.arange(p)] = 1.0
    return sigma


def _cholesky(A: np.ndarray) -> np.ndarray | None:
    """The Cholesky factor of ``A``, or None when it is not positive definite (or not finite)."""
    if not np.isfinite(A).all():
        return None
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return None


def distances(S: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """(B, 3): SRMR, d_ULS, d_G between ``S`` and ``sigma`` (B, p, p)."""
    p = S.shape[-1]
    D = S - sigma
    lo = np.tril_indices(p)
    srmr = np.sqrt((D[:, lo[0], lo[1]] ** 2).mean(axis=1))
    d_uls = 0.5 * (D**2).sum(axis=(1, 2))
    d_g = np.full(S.shape[0], np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        # eigenvalues of S⁻¹Σ̂ = those of the symmetric C⁻¹Σ̂C⁻ᵀ (S = CCᵀ), batched; a batch with a
        # non-positive-definite S falls back to one at a time (that member's d_G stays NaN)
        try:
            idx, C = np.arange(S.shape[0]), np.linalg.cholesky(S)
        except np.linalg.LinAlgError:
            found = [(b, c) for b in range(S.shape[0]) if (c := _cholesky(S[b])) is not None]
            idx = np.array([b for b, _ in found], dtype=int)
            C = np.stack([c for _, c in found]) if found else np.empty((0, p, p))
        if idx.size:
            A = np.linalg.solve(C, np.swapaxes(np.linalg.solve(C, sigma[idx]), 1, 2))
            ev = np.linalg.eigvalsh((A + np.swapaxes(A, 1, 2)) / 2)
            d_g[idx] = np.where((ev > 0).all(axis=1), 0.5 * np.sum(np.log10(np.where(ev > 0, ev, 1.0)) ** 2, axis=1), np.nan)
    return np.column_stack([srmr, d_uls, d_g])


def fit_measures(est: BatchEstimate, S: np.ndarray, L: Layout, reflective: np.ndarray,
                 saturated: bool = True) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Distances of the estimated and (``saturated``) the saturated model (each (B, 3)), and Σ̂ of the estimated model."""
    sig_est = implied_indicator_corr(S, implied_construct_corr(est.R, est.paths, est.r2, L), est.loadings, L, reflective)
    d_sat = distances(S, implied_indicator_corr(S, est.R, est.loadings, L, reflective)) if saturated else None
    return distances(S, sig_est), d_sat, sig_est


def _sym_power(A: np.ndarray, power: float) -> np.ndarray:
    ev, V = np.linalg.eigh(A)
    return (V * ev**power) @ V.T


def bollen_stine(X: np.ndarray, sigma: np.ndarray, estimator: object, reflective: np.ndarray,
                 resamples: int, seed: int) -> tuple[np.ndarray, int]:
    """Distances (used resamples, 3) of the estimated model on resamples of Bollen–Stine-transformed
    data, and the number of refits left out (failed, not converged or inadmissible)."""
    L: Layout = estimator.layout  # type: ignore[attr-defined]
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    S = np.corrcoef(X, rowvar=False)
    Xt = Z @ _sym_power(S, -0.5) @ _sym_power(sigma, 0.5)
    Xt -= Xt.mean(axis=0)
    n, p = Xt.shape
    prod = (Xt[:, :, None] * Xt[:, None, :]).reshape(n, p * p)
    out, failed = [], 0
    for block in range(-(-resamples // RNG_BLOCK)):
        idx = resample_indices(seed, block, n)[: min(RNG_BLOCK, resamples - block * RNG_BLOCK)]
        r = idx.shape[0]  # resample weights: how often each row was drawn, over n
        C = np.bincount((idx + n * np.arange(r)[:, None]).ravel(), minlength=r * n).reshape(r, n) / n
        m = C @ Xt
        cov = (C @ prod).reshape(-1, p, p) - m[:, :, None] * m[:, None, :]
        d = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
        Sb = cov / (d[:, :, None] * d[:, None, :])
        est = estimator.fit_moments(Sb)  # type: ignore[attr-defined]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            dist = fit_measures(est, Sb, L, reflective, saturated=False)[0]
        bad = getattr(est, "inadmissible", None)
        ok = est.ok & est.converged & np.isfinite(dist).all(axis=1)
        if bad is not None:
            ok &= bad == 0
        failed += int((~ok).sum())
        out.append(dist[ok])
    return np.concatenate(out), failed


# ---------------------------------------------------------------------------------------
# The derivation
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelFit:
    """SRMR, d_ULS and d_G of the estimated and saturated models, the exact-fit test, HTMT and HTMT2."""

    measures: pd.DataFrame  # rows srmr, d_uls, d_g; columns estimated, saturated, HI95, HI99 (exact-fit test quantiles)
    htmt: pd.DataFrame  # construct pairs a, b with htmt and htmt2
    test: Mapping[str, JSON] = field(default_factory=dict)

    def to_contract(self) -> JSON:
        def num(v: object) -> float | None:
            x = float(v)  # type: ignore[arg-type]
            return x if np.isfinite(x) else None

        m = self.measures

        return {
            "definition": "model-implied indicator correlations of the composite model (cSEM assess()): "
                          "SRMR over i <= j, d_ULS = 0.5 sum (s - sigma)^2, d_G = 0.5 sum log10(eig(S^-1 Sigma))^2 (base 10 as cSEM)",
            "estimated": {k: num(m.at[k, "estimated"]) for k in MEASURES},
            "saturated": {k: num(m.at[k, "saturated"]) for k in MEASURES},
            "exact_fit_test": {
                **self.test,
                "quantiles": {k: {"95": num(m.at[k, "HI95"]), "99": num(m.at[k, "HI99"])} for k in MEASURES},
            },
            "htmt": [{"a": str(a), "b": str(b), "htmt": num(h), "htmt2": num(h2)}
                     for (a, b), h, h2 in zip(self.htmt.index, self.htmt["htmt"], self.htmt["htmt2"], strict=True)],
        }

    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"fit": self.measures.round(6), "HTMT and HTMT2": self.htmt.round(6)}


def _htmt_table(corr: np.ndarray, L: Layout) -> pd.DataFrame:
    a, b = lower_pairs(L.k)
    idx = _pair_index(L.codes)
    return pd.DataFrame({"htmt": htmt(corr[None], L.member, a, b)[0], "htmt2": htmt2(corr[None], L.member, a, b)[0]}, index=idx)


@functools.lru_cache(maxsize=64)
def _pair_index(codes: tuple[str, ...]) -> pd.MultiIndex:
    """The (a, b) index of the construct pairs below the diagonal, once per model."""
    a, b = lower_pairs(len(codes))
    return pd.MultiIndex.from_arrays([[codes[i] for i in a], [codes[j] for j in b]], names=["a", "b"])


def _test(ctx: Context, est: BatchEstimate, sigma: np.ndarray, reflective: np.ndarray, observed: np.ndarray) -> tuple[dict[str, JSON], np.ndarray, list[Issue]]:
    """The exact-fit test: its settings, its quantiles (3, 2) and issues."""
    n = ctx.pls.n_obs
    boot = ctx.options.boot.pls_resamples
    why = ("--boot 0" if not boot else "survey weights (the transformation assumes equal weights)" if ctx.survey.weights is not None
           else "unstandardized items" if not ctx.pls.standardized else f"n = {n} > {FIT_TEST_MAX_ROWS}" if n > FIT_TEST_MAX_ROWS
           else "the full-sample solution is inadmissible (as cSEM's testOMF)" if getattr(est, "inadmissible", np.zeros(1))[0] else None)
    q = np.full((3, 2), np.nan)
    if why is not None:
        return {"performed": False, "reason": f"not run: {why}"}, q, []
    if not (np.linalg.eigvalsh(sigma)[0] > 0 and np.linalg.eigvalsh(ctx.pls.item_corr.to_numpy())[0] > 0):
        return {"performed": False, "reason": "not run: the item or model-implied correlation matrix is not positive definite"}, q, []
    key = "plsc" if ctx.options.method == "plsc" else "pls"
    estimator = ESTIMATORS.get(key).of(ctx.pls)
    X = ctx.survey.items.loc[:, list(estimator.layout.items)].to_numpy(dtype=float)
    seed = ctx.options.boot.seed
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # small batched products: threads only contend
        dist, failed = bollen_stine(X, sigma, estimator, reflective, FIT_TEST_RESAMPLES, seed)
    issues = []
    if len(dist) >= 2:
        q = np.quantile(dist, QUANTILES, axis=0).T
    if failed > 0.05 * FIT_TEST_RESAMPLES:
        issues.append(Issue.of("bootstrap", f"model fit test: {failed} of {FIT_TEST_RESAMPLES} Bollen-Stine resamples "
                                            "could not be estimated (or were inadmissible) and were left out"))
    test: dict[str, JSON] = {
        "performed": True, "model": "estimated", "resamples": FIT_TEST_RESAMPLES, "resamples_used": len(dist),
        "resamples_failed": failed, "seed": seed, "estimator": key,
        "method": "bootstrap of Bollen-Stine-transformed data Z S^-1/2 Sigma^1/2 (Dijkstra & Henseler 2015); "
                  "quantiles by linear interpolation (R type 7); a distance above its quantile rejects exact fit",
        "rng": f"numpy PCG64, SeedSequence(seed, spawn_key=(b // {RNG_BLOCK},))",
        "exact_fit_rejected_95": {m: bool(observed[i] > q[i, 0]) for i, m in enumerate(MEASURES)},
        "exact_fit_rejected_99": {m: bool(observed[i] > q[i, 1]) for i, m in enumerate(MEASURES)},
    }
    return test, q, issues


class ModelFitDerivation:
    """SRMR, d_ULS, d_G (estimated and saturated), exact-fit test quantiles, HTMT2 beside HTMT."""

    key = "model_fit"
    requires: tuple[str, ...] = ()
    default = True

    def __call__(self, ctx: Context) -> Outcome:
        res = ctx.pls
        L = Layout.from_spec(res.spec)
        est = res.raw
        if est is None or not res.standardized:
            return Outcome(None, ())
        from csi.estimators.plsc import reflective_mask

        reflective = reflective_mask(res.spec) if ctx.options.method == "plsc" else np.zeros(L.k, dtype=bool)
        ic = res.item_corr
        same = tuple(ic.index) == L.items and tuple(ic.columns) == L.items  # the fit's own order: no reindexing
        corr = ic.to_numpy() if same else ic.loc[list(L.items), list(L.items)].to_numpy()
        first = BatchEstimate(*(getattr(est, f)[:1] for f in ("weights", "loadings", "cross", "R", "paths", "r2",
                                                               "iterations", "converged", "ok")))
        d_est, d_sat, sigma = fit_measures(first, corr[None], L, reflective)
        test, q, issues = _test(ctx, est, sigma[0], reflective, d_est[0])
        assert d_sat is not None
        measures = pd.DataFrame({"estimated": d_est[0], "saturated": d_sat[0], "HI95": q[:, 0], "HI99": q[:, 1]},
                                index=pd.Index(MEASURES, name="measure"))
        return Outcome(ModelFit(measures, _htmt_table(corr, L), test), tuple(issues))


model_fit = ModelFitDerivation()
