"""Batched bootstrap of a PLS fit: SEs, t, p-values, percentile and BCa intervals.

Resampling: resample ``b`` draws ``n`` respondents with replacement; ``c_bi`` counts how often
respondent ``i`` was drawn.  With survey weights ``v`` the resample's case weights are
``c_bi · v_i`` (drawing uniformly, weighting as in the full sample).  PLS depends on the data
only through the item means and the matrix ``S`` (see :mod:`csi.pls`), so for a block of
resamples the moments are two matrix products with the counts, exactly mirroring
:func:`csi.pls.moments` on the resampled rows::

    x̄_b = Σᵢ ṽ_bi xᵢ,     C_b = Σᵢ ṽ_bi (xᵢ − x̄)(xᵢ − x̄)' − (x̄_b − x̄)(x̄_b − x̄)',   ṽ_b = c_b·v / Σ c_b·v

(``x̄`` the full-sample mean; centring first keeps the products accurate).  ``S_b`` is the
correlation matrix of ``C_b`` (standardized fits) or ``C_b`` itself (unstandardized, divisor
``n`` as in plspm); :func:`csi.pls.estimate` then fits the whole block at once.

Each resample's statistics: path coefficients, outer weights and loadings, R², total and
indirect effects (``T = (I − B)⁻¹ − I``, indirect ``T − B``), HTMT on the resample's item
correlations, and every construct's 0–100 index computed with that resample's weights, item
SDs and item means (ACSI formula, :mod:`csi.indices`).

Sign indeterminacy (construct-level correction): construct ``k`` of a resample is flipped when
``Σ_{i∈k} w_bi · ŵ_i < 0`` (its weights point away from the full-sample weights); its weights
and loadings change sign and every path ``i → j`` is multiplied by ``s_i s_j``.

A resample that cannot be estimated — an item constant in the resample, zero total weight,
no convergence within ``max_iter`` or non-finite results (a singular block or structural
regression) — is skipped and counted by reason; more than 5 % failures is a warning.

Summary of the ``B`` used draws ``θ*_b`` of a statistic with full-sample estimate ``θ̂``:
SE = sd(θ*) (divisor ``B − 1``), ``t = θ̂ / SE``, two-sided ``p = 2 P(T_{n−1} > |t|)``;
percentile interval = quantiles (linear interpolation, R type 7, as SEMinR) at ``α/2`` and
``1 − α/2``; BCa (Efron & Tibshirani 1993, 14.3): ``z₀ = Φ⁻¹((#{θ* < θ̂} + ½#{θ* = θ̂}) / B)``,
acceleration ``a = Σ U³ / (6 (Σ U²)^{3/2})`` with jackknife ``U_i = θ̄_(·) − θ_(i)``,
quantiles at ``Φ(z₀ + (z₀ + z_α)/(1 − a(z₀ + z_α)))``.  The ``n`` leave-one-out fits come
from downdated moments and run through the same batched core.

Reproducibility: resample ``b`` is drawn from the numpy PCG64 stream
``SeedSequence(seed, spawn_key=(b // 250,))`` (blocks of 250 resamples).  Every block is fitted
as one batch of fixed shape (the last one padded) with one BLAS thread, chunks are whole
blocks and results are placed by resample number, so the same seed gives bit-identical
results for any number of workers and chunk size.

Large samples: the counts are built at most ``COUNTS_BUDGET / n`` resamples at a time and,
above ``Q_MAX_ROWS`` respondents, the item cross-products are formed slice by slice, so memory
stays bounded (at most ~130 MB per worker) whatever ``n``.

Validated (``tests/test_bootstrap.py``): every draw equals a plain refit of the resampled rows
to 1e-10 (standardized, survey-weighted, plspm-style unstandardized); draw by draw against the
seminr package (PyPI port of SEMinR) on identical resamples to 1e-14; SEMinR 2.3.1 (ECSI on
mobi) SEs and percentile intervals and R plspm 0.4 bootstrap summaries (``satisfaction``)
within Monte Carlo error; BCa against ``scipy.stats.bootstrap`` on the same draws to 1e-12.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csi.data.survey import SurveyData
from csi.errors import CsiError, check_choice
from csi.estimators.base import Layout
from csi.estimators.pls import PLSResults, estimate
from csi.stats.intervals import _ndtr, bca_interval, percentile_interval
from csi.stats.resample import RNG_BLOCK

CI_METHODS: dict[str, str] = {
    "percentile": "percentile interval (quantiles of the bootstrap draws, linear interpolation)",
    "bca": "bias-corrected and accelerated interval (jackknife acceleration)",
}
KINDS: tuple[str, ...] = ("paths", "weights", "loadings", "r2", "total_effects", "indirect_effects", "htmt", "index")
STAT_COLUMNS: tuple[str, ...] = ("estimate", "mean", "std_error", "t", "p_value", "ci_lo", "ci_hi")
# memory bounds for large samples (results depend on them only through n, never on workers)
COUNTS_BUDGET = 4_000_000  # elements of the (rows × n) resample-count matrix built at once
Q_MAX_ROWS = 16_384  # up to this n the item cross-products are kept (n × p(p+1)/2)
DEFAULT_RESAMPLES = 5000
FAIL_SHARE_WARN = 0.05
# a resample item whose variance is below this share of its full-sample variance is constant
# (on a rating scale the smallest non-zero resample variance is ~1/n of the full one)
CONST_REL_VAR = 1e-10
FAIL_REASONS: dict[int, str] = {
    1: "an item constant in the resample",
    2: "zero total case weight",
    3: "no convergence",
    4: "non-finite results (singular block or structural regression)",
}
SIGN_RULE = (
    "construct-level: in each resample a construct is flipped when the sum of its outer weights "
    "times the full-sample weights is negative; its weights and loadings change sign and each "
    "path i -> j is multiplied by s_i s_j"
)


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BootstrapResults:
    """Bootstrap draws and their summaries for every reported statistic.

    ``stats(kind)``: one row per statistic with ``estimate`` (the full-sample value), ``mean``,
    ``std_error``, ``t``, ``p_value``, ``ci_lo``, ``ci_hi`` (the ``settings["ci"]`` interval).
    ``draws(kind)``: one row per used resample (index = resample number), one column per
    statistic.  Kinds: paths, weights, loadings, r2, total_effects, indirect_effects, htmt, index.
    """

    tables: Mapping[str, pd.DataFrame]
    samples: Mapping[str, pd.DataFrame]
    settings: Mapping[str, Any]
    warnings: tuple[str, ...] = ()
    jackknife: Mapping[str, pd.DataFrame] | None = field(default=None, repr=False)

    def stats(self, kind: str) -> pd.DataFrame:
        return self.tables[_check_kind(kind)]

    def draws(self, kind: str) -> pd.DataFrame:
        return self.samples[_check_kind(kind)]

    def percentile(self, kind: str, level: float | None = None) -> pd.DataFrame:
        """Percentile interval (columns ci_lo, ci_hi) at another level without resampling."""
        d = self.draws(_check_kind(kind))
        lo, hi = percentile_interval(d.to_numpy(), _check_level(self.settings["level"] if level is None else level))
        return pd.DataFrame({"ci_lo": lo, "ci_hi": hi}, index=d.columns)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise CsiError(f"bootstrap statistic kind should be one of {', '.join(KINDS)}; got {kind!r}")
    return kind


def _check_level(level: float) -> float:
    try:
        lv = float(level)
    except (TypeError, ValueError):
        lv = float("nan")
    if not 0 < lv < 1:
        raise CsiError(f"--level should be a confidence level between 0 and 1 (exclusive), e.g. 0.95; got {level!r}")
    return lv


# ---------------------------------------------------------------------------------------
# Interval arithmetic (pure functions of draws)
# ---------------------------------------------------------------------------------------




def summarize(
    draws: np.ndarray,
    estimate: np.ndarray,
    level: float,
    ci: str = "percentile",
    jackknife: np.ndarray | None = None,
    df: float = np.inf,
) -> pd.DataFrame:
    """estimate, mean, std_error, t, p_value, ci_lo, ci_hi for each column of ``draws`` (B, m).

    SE = sd of the draws (divisor B − 1); ``t = estimate / SE``; ``p = 2 P(T_df > |t|)``
    (``df = ∞``: normal).  A statistic constant over the draws up to rounding (e.g. the
    standardized weight of a single-item construct, always 1) has SE 0 and NaN t and p.
    """
    from scipy.special import stdtr

    draws = np.asarray(draws, dtype=float)
    est = np.asarray(estimate, dtype=float)
    B, m = draws.shape
    mean = draws.mean(axis=0) if B else np.full(m, np.nan)
    se = draws.std(axis=0, ddof=1) if B > 1 else np.full(m, np.nan)
    se = np.where(se <= 1e-12 * np.maximum(1.0, np.abs(est)), 0.0, se)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, est / se, np.nan)
    p = 2 * stdtr(df, -np.abs(t)) if np.isfinite(df) else 2 * _ndtr(-np.abs(t))
    if ci == "bca":
        if jackknife is None:
            raise ValueError("BCa intervals need the jackknife values")
        lo, hi = bca_interval(draws, est, jackknife, level)
    else:
        lo, hi = percentile_interval(draws, level)
    return pd.DataFrame({"estimate": est, "mean": mean, "std_error": se, "t": t, "p_value": p, "ci_lo": lo, "ci_hi": hi})




# ---------------------------------------------------------------------------------------
# The batched engine
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Context:
    """Everything a chunk needs; read-only, shared by worker threads."""

    layout: Layout
    scheme: str
    tol: float
    max_iter: int
    criterion: str
    standardized: bool
    X0: np.ndarray  # (n, p) items centred at the full-sample mean
    Q: np.ndarray | None  # (n, p(p+1)/2) products of centred items xᵢxᵢ' (upper triangle); None: on the fly
    iu: tuple[np.ndarray, np.ndarray]  # the upper triangle's (row, column) indices
    tri: np.ndarray  # (p*p,) column of Q holding each element of the full p × p matrix
    rows: int  # resamples whose counts are built at once (RNG_BLOCK unless n is large)
    xbar: np.ndarray  # (p,)
    var_full: np.ndarray  # (p,) full-sample divisor-n variances
    v: np.ndarray | None  # survey weights
    w0: np.ndarray  # (p,) full-sample weights (sign reference)
    src: np.ndarray
    tgt: np.ndarray
    endo: np.ndarray
    tot_pairs: tuple[np.ndarray, np.ndarray]
    ind_pairs: tuple[np.ndarray, np.ndarray]
    htmt_pairs: tuple[np.ndarray, np.ndarray]
    scale: tuple[float, float]
    seed: int

    @property
    def n(self) -> int:
        return int(self.X0.shape[0])


def _reach(adj: np.ndarray) -> np.ndarray:
    """Boolean transitive closure: reach[i, j] when a directed route i → … → j exists."""
    r = adj > 0
    for k in range(r.shape[0]):
        r = r | (r[:, [k]] & r[[k], :])
    return r


def _make_context(res: PLSResults, X: np.ndarray, v: np.ndarray | None, seed: int) -> _Context:
    spec = res.spec
    L = Layout.from_spec(spec)
    n, p = X.shape
    if v is None:
        xbar = X.mean(axis=0)
    else:
        xbar = (v / v.sum()) @ X
    X0 = X - xbar
    iu = np.triu_indices(p)
    Q = np.ascontiguousarray(X0[:, iu[0]] * X0[:, iu[1]]) if n <= Q_MAX_ROWS else None  # symmetric: half
    tri = np.empty((p, p), dtype=int)
    tri[iu] = tri[iu[1], iu[0]] = np.arange(len(iu[0]))
    vn = np.full(n, 1.0 / n) if v is None else v / v.sum()
    var_full = vn @ (X0**2)
    kidx = {c: k for k, c in enumerate(L.codes)}
    src = np.array([kidx[q.source] for q in spec.paths], dtype=int)
    tgt = np.array([kidx[q.target] for q in spec.paths], dtype=int)
    endo = np.array([kidx[c] for c in spec.endogenous], dtype=int)
    reach = _reach(L.adj)
    indirect = (L.adj @ reach.astype(float)) > 0  # a route of length >= 2
    K = L.k
    ti, tj = np.nonzero(reach)
    ii, ij = np.nonzero(indirect)
    ha = np.array([a for a in range(K) for b in range(a)], dtype=int)
    hb = np.array([b for a in range(K) for b in range(a)], dtype=int)
    return _Context(
        layout=L, scheme=res.scheme, tol=res.tol, max_iter=res.max_iter, criterion=res.criterion,
        standardized=res.standardized, X0=X0, Q=Q, iu=iu, tri=tri.ravel(), rows=max(1, min(RNG_BLOCK, COUNTS_BUDGET // n)), xbar=xbar, var_full=var_full, v=v,
        w0=res.weights.to_numpy(dtype=float), src=src, tgt=tgt, endo=endo, tot_pairs=(ti, tj),
        ind_pairs=(ii, ij), htmt_pairs=(ha, hb), scale=(spec.scale_min, spec.scale_max), seed=int(seed),
    )




def _q_rows(ctx: _Context, a: int, b: int) -> np.ndarray:
    """Rows a:b of the item cross-products (kept, or computed now for large n)."""
    if ctx.Q is not None:
        return ctx.Q[a:b]
    X = ctx.X0[a:b]
    return X[:, ctx.iu[0]] * X[:, ctx.iu[1]]


def _sums(ctx: _Context, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Σᵢ Vᵦᵢ xᵢ and Σᵢ Vᵦᵢ xᵢxᵢ' (upper triangle) of the centred items, for case weights V (B, n)."""
    if ctx.Q is not None:
        return V @ ctx.X0, V @ ctx.Q
    s1 = np.zeros((V.shape[0], ctx.X0.shape[1]))
    s2 = np.zeros((V.shape[0], len(ctx.iu[0])))
    for a in range(0, ctx.n, Q_MAX_ROWS // 2):
        b = min(ctx.n, a + Q_MAX_ROWS // 2)
        s1 += V[:, a:b] @ ctx.X0[a:b]
        s2 += V[:, a:b] @ _q_rows(ctx, a, b)
    return s1, s2


def _block_moments(ctx: _Context, block: int, indices: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Moments of the RNG_BLOCK resamples of one block (``indices``: that block's rows, padded).

    The counts are built ``ctx.rows`` resamples at a time (all of them unless n is large), drawn
    in turn from the block's one random stream, so memory stays bounded and the draws are the
    same however they are split.
    """
    n = ctx.n
    rng = None if indices is not None else np.random.Generator(np.random.PCG64(np.random.SeedSequence(ctx.seed, spawn_key=(block,))))
    s1, s2, tot = [], [], []
    for r0 in range(0, RNG_BLOCK, ctx.rows):
        r1 = min(RNG_BLOCK, r0 + ctx.rows)
        idx = indices[r0:r1] if indices is not None else rng.integers(0, n, size=(r1 - r0, n))  # type: ignore[union-attr]
        V = _index_counts(idx, n)
        if ctx.v is not None:
            V *= ctx.v
        a, b = _sums(ctx, V)
        s1.append(a)
        s2.append(b)
        tot.append(V.sum(axis=1))
    total = np.concatenate(tot)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = 1.0 / total[:, None]
        return _finish_moments(ctx, total, np.concatenate(s1) * inv, np.concatenate(s2) * inv)


def _finish_moments(ctx: _Context, total: np.ndarray, m0: np.ndarray, m2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From weighted means m0 (B, p) and second moments m2 (B, p(p+1)/2) of the centred items."""
    B = m0.shape[0]
    p = ctx.X0.shape[1]
    fail = np.zeros(B, dtype=int)
    fail[~(total > 0)] = 2
    cov = np.take(m2, ctx.tri, axis=1).reshape(B, p, p)
    cov -= m0[:, :, None] * m0[:, None, :]
    var = np.diagonal(cov, axis1=1, axis2=2).copy()
    const = ~(var > CONST_REL_VAR * ctx.var_full).all(axis=1)
    fail[(fail == 0) & const] = 1
    if ctx.standardized:
        with np.errstate(invalid="ignore", divide="ignore"):
            r = 1.0 / np.sqrt(np.where(var > 0, var, np.nan))
            S = cov * r[:, :, None]
            S *= r[:, None, :]
    else:
        S = cov
    if fail.any():
        # keep failed members finite and harmless inside the batched core
        S[fail > 0] = np.eye(p)
    return m0 + ctx.xbar, var, S, fail


def _statistics(ctx: _Context, w: np.ndarray, loadings: np.ndarray, P: np.ndarray, r2: np.ndarray,
                mean: np.ndarray, var: np.ndarray, corr: np.ndarray) -> dict[str, np.ndarray]:
    """All statistics (B, m) of a batch of fits, after construct-level sign correction."""
    L = ctx.layout
    K = L.k
    s = np.where((w * ctx.w0) @ L.member < 0, -1.0, 1.0)  # (B, K)
    w = w * s[:, L.block]
    loadings = loadings * s[:, L.block]
    P = P * s[:, :, None] * s[:, None, :]
    eye = np.eye(K)
    # (I − B) of a recursive model is invertible; a failed member's NaNs must not reach LAPACK
    T = np.linalg.inv(eye - np.where(np.isfinite(P), P, 0.0)) - eye
    out = {
        "paths": P[:, ctx.src, ctx.tgt],
        "weights": w,
        "loadings": loadings,
        "r2": r2[:, ctx.endo],
        "total_effects": T[:, ctx.tot_pairs[0], ctx.tot_pairs[1]],
        "indirect_effects": (T - P)[:, ctx.ind_pairs[0], ctx.ind_pairs[1]],
    }
    # HTMT: mean |heterotrait r| / sqrt(mean |monotrait r| of both blocks); 1 for one item
    A = np.abs(corr)
    M = L.member
    sums = M.T @ (A @ M)
    size = M.sum(axis=0)
    diag = np.diagonal(A, axis1=1, axis2=2) @ M
    with np.errstate(invalid="ignore", divide="ignore"):
        mono = np.where(size > 1, (np.diagonal(sums, axis1=1, axis2=2) - diag) / (size * (size - 1)), 1.0)
    ha, hb = ctx.htmt_pairs
    hetero = sums[:, ha, hb] / (size[ha] * size[hb])
    out["htmt"] = hetero / np.sqrt(mono[:, ha] * mono[:, hb])
    # 0-100 index: u = w / sd (divisor constants cancel in the normalization), w̃ = u / Σu
    u = w / np.sqrt(var) if ctx.standardized else w
    with np.errstate(invalid="ignore", divide="ignore"):
        nw = u / (u @ M)[:, L.block]
    lo, hi = ctx.scale
    out["index"] = ((mean - lo) / (hi - lo) * 100.0 * nw) @ M
    return out


def _fit_batch(ctx: _Context, moments: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fit the model to a batch of moments: statistics and failure codes (0 = used)."""
    mean, var, S, fail = moments
    est = estimate(S, ctx.layout, ctx.scheme, ctx.tol, ctx.max_iter, ctx.criterion)
    fail[(fail == 0) & ~est.converged] = 3
    fail[(fail == 0) & ~est.ok] = 4
    if ctx.standardized:
        corr = S
    else:
        d = np.sqrt(var)
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = S / (d[:, :, None] * d[:, None, :])
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        stats = _statistics(ctx, est.weights, est.loadings, est.paths, est.r2, mean, var, corr)
    finite = np.ones(fail.shape[0], dtype=bool)
    for a in stats.values():
        finite &= np.isfinite(a).all(axis=1)
    fail[(fail == 0) & ~finite] = 4
    return stats, fail


def _index_counts(indices: np.ndarray, n: int) -> np.ndarray:
    """Counts (B, n) from explicit row indices (B, n)."""
    B = indices.shape[0]
    flat = (indices + (np.arange(B) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=B * n).reshape(B, n).astype(float)


def _pad(a: np.ndarray, rows: int) -> np.ndarray:
    """Repeat the first row up to ``rows`` rows (a partial last block keeps the block's shape)."""
    if a.shape[0] == rows:
        return a
    return np.concatenate([a, np.repeat(a[:1], rows - a.shape[0], axis=0)])


def _run_block(ctx: _Context, block: int, resamples: int, indices: np.ndarray | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One block of RNG_BLOCK resamples, always computed with the same array shapes.

    BLAS may round a row of a matrix product differently depending on how many rows the
    product has, so every block (the last one padded) goes through the same shapes: a
    resample's numbers then depend only on the seed and its own number.
    """
    a = block * RNG_BLOCK
    b = min(resamples, a + RNG_BLOCK)
    rows = None if indices is None else _pad(indices[a:b], RNG_BLOCK)
    st, f = _fit_batch(ctx, _block_moments(ctx, block, rows))
    return {k: x[: b - a] for k, x in st.items()}, f[: b - a]


def _run_chunk(ctx: _Context, first_block: int, n_blocks: int, resamples: int,
               indices: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    parts = [_run_block(ctx, k, resamples, indices) for k in range(first_block, first_block + n_blocks)]
    return {k: np.concatenate([p[0][k] for p in parts]) for k in parts[0][0]}, np.concatenate([p[1] for p in parts])


def _jackknife(ctx: _Context) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Leave-one-out fits, moments by downdating the full-sample sums (no n × n matrix).

    Without respondent ``i``: ``W₋ᵢ = W − vᵢ``, ``x̄₋ᵢ = (Σ v x − vᵢxᵢ)/W₋ᵢ`` and likewise for
    the second moments of the centred items.
    """
    n = ctx.n
    v = np.ones(n) if ctx.v is None else ctx.v
    W = v.sum()
    s1, s2 = (x[0] for x in _sums(ctx, v[None]))
    parts, fails = [], []
    for a in range(0, n, RNG_BLOCK):
        b = min(n, a + RNG_BLOCK)
        rows = _pad(np.arange(a, b), RNG_BLOCK)  # same shapes for every block (see _run_block)
        vi = v[rows, None]
        total = W - v[rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            m0 = (s1 - vi * ctx.X0[rows]) / total[:, None]
            m2 = (s2 - vi * _q_rows(ctx, a, b)[rows - a]) / total[:, None]
        st, f = _fit_batch(ctx, _finish_moments(ctx, total, m0, m2))
        parts.append({k: x[: b - a] for k, x in st.items()})
        fails.append(f[: b - a])
    stats = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return stats, np.concatenate(fails)


# ---------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------
def _labels(ctx: _Context, res: PLSResults) -> dict[str, pd.Index]:
    codes = res.spec.codes
    tot = [(codes[i], codes[j]) for i, j in zip(*ctx.tot_pairs, strict=True)]
    ind = [(codes[i], codes[j]) for i, j in zip(*ctx.ind_pairs, strict=True)]
    hl = [(codes[a], codes[b]) for a, b in zip(*ctx.htmt_pairs, strict=True)]
    return {
        "paths": res.paths.index,
        "weights": res.weights.index,
        "loadings": res.loadings.index,
        "r2": pd.Index([codes[k] for k in ctx.endo], name="construct"),
        "total_effects": pd.MultiIndex.from_tuples(tot, names=["from", "to"]),
        "indirect_effects": pd.MultiIndex.from_tuples(ind, names=["from", "to"]),
        "htmt": pd.MultiIndex.from_tuples(hl, names=["a", "b"]),
        "index": pd.Index(list(codes), name="construct"),
    }


def _estimates(res: PLSResults, survey: SurveyData, labels: dict[str, pd.Index]) -> dict[str, np.ndarray]:
    """Full-sample values exactly as csi reports them elsewhere."""
    from csi.derive.indices import compute as compute_indices
    from csi.derive.quality import htmt

    tot = res.total_effects
    pm = res.path_matrix
    blocks = {c.code: list(c.items) for c in res.spec.constructs}
    ht = htmt(res.item_corr, blocks)
    idx = compute_indices(res, survey.items)
    return {
        "paths": res.paths.to_numpy(dtype=float),
        "weights": res.weights.to_numpy(dtype=float),
        "loadings": res.loadings.to_numpy(dtype=float),
        "r2": res.r2.reindex(labels["r2"]).to_numpy(dtype=float),
        "total_effects": np.array([tot.loc[a, b] for a, b in labels["total_effects"]], dtype=float),
        "indirect_effects": np.array([tot.loc[a, b] - pm.loc[a, b] for a, b in labels["indirect_effects"]], dtype=float),
        "htmt": np.array([ht.loc[a, b] for a, b in labels["htmt"]], dtype=float),
        "index": idx.index.reindex(labels["index"]).to_numpy(dtype=float),
    }


# ---------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------
class _Progress:
    """A rich progress bar that appears only once a run has taken about a second."""

    def __init__(self, total: int, enabled: bool, delay: float = 1.0) -> None:
        self.total, self.enabled, self.delay = total, enabled, delay
        self.t0 = time.perf_counter()
        self.done = 0
        self.bar: Any = None
        self.task: Any = None

    def advance(self, k: int) -> None:
        self.done += k
        if not self.enabled:
            return
        if self.bar is None and time.perf_counter() - self.t0 > self.delay and self.done < self.total:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            console = Console(stderr=True)
            if not console.is_terminal:
                self.enabled = False
                return
            self.bar = Progress(TextColumn("bootstrap"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                console=console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("bootstrap", total=self.total, completed=self.done)
        elif self.bar is not None:
            self.bar.update(self.task, completed=self.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _blas_threads(limit: int) -> Any:
    """Limit BLAS threads while worker threads run (no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=limit, user_api="blas")


# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------
def _check_int(value: Any, option: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise CsiError(f"{option} should be a whole number of at least {minimum}; got {value!r}")
    return int(value)


def bootstrap_fit(
    res: PLSResults,
    survey: SurveyData,
    resamples: int = DEFAULT_RESAMPLES,
    *,
    seed: int = 1,
    ci: str = "percentile",
    level: float = 0.95,
    progress: bool = False,
    workers: int | None = None,
    chunk_size: int | None = None,
    indices: np.ndarray | None = None,
) -> BootstrapResults:
    """Bootstrap the PLS fit ``res`` of ``survey.items``: ``resamples`` resamples of respondents.

    ``workers`` threads (default: up to 2, the cores available) each fit whole chunks of
    ``chunk_size`` resamples (rounded up to whole blocks of 250) in turn; results do not depend
    on either.  ``ci`` is ``percentile`` or ``bca``; ``level`` the confidence level.
    ``indices`` (B, n) replaces the random draws by explicit 0-based row numbers (e.g. another
    program's resamples, for a draw-by-draw comparison); ``resamples`` and ``seed`` are then
    ignored.
    """
    items = survey.items.loc[:, list(res.spec.items)].to_numpy(dtype=float)
    if indices is not None:
        indices = np.asarray(indices)
        if indices.ndim != 2 or indices.shape[1] != items.shape[0] or indices.shape[0] < 1 \
                or not np.issubdtype(indices.dtype, np.integer) or indices.min() < 0 or indices.max() >= items.shape[0]:
            raise CsiError(f"bootstrap indices should be a (resamples, {items.shape[0]}) array of row numbers "
                           f"0..{items.shape[0] - 1}; got shape {indices.shape}")
        resamples = indices.shape[0]
    resamples = _check_int(resamples, "--boot", 1)
    seed = _check_int(seed, "--seed", 0)
    ci_key = check_choice(ci, CI_METHODS, "--ci")
    level = _check_level(level)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = min(2, cpus) if workers is None else _check_int(workers, "workers", 1)
    n_blocks = -(-resamples // RNG_BLOCK)
    if chunk_size is None:
        chunk_blocks = 1  # a block is already a batch; one block per task balances the workers
    else:
        chunk_blocks = max(1, -(-_check_int(chunk_size, "chunk_size", 1) // RNG_BLOCK))

    v = None if survey.weights is None else np.asarray(survey.weights, dtype=float)
    ctx = _make_context(res, items, v, seed)
    labels = _labels(ctx, res)

    starts = list(range(0, n_blocks, chunk_blocks))
    draws = {k: np.empty((resamples, len(labels[k]))) for k in KINDS}
    fail = np.zeros(resamples, dtype=int)
    bar = _Progress(resamples, progress)

    def run(first: int) -> tuple[int, dict[str, np.ndarray], np.ndarray]:
        nb = min(chunk_blocks, n_blocks - first)
        st, f = _run_chunk(ctx, first, nb, resamples, indices)
        return first, st, f

    def collect(results: Iterator[tuple[int, dict[str, np.ndarray], np.ndarray]]) -> None:
        for first, st, f in results:
            a = first * RNG_BLOCK
            b = a + f.shape[0]
            for k in KINDS:
                draws[k][a:b] = st[k]
            fail[a:b] = f
            bar.advance(b - a)

    # one BLAS thread: the workers already use the cores, and results must not depend on it
    with _blas_threads(1):
        try:
            if workers == 1 or len(starts) == 1:
                collect(run(s) for s in starts)
            else:
                with ThreadPoolExecutor(max_workers=workers) as pool:
                    collect(pool.map(run, starts))
        finally:
            bar.close()

    used = fail == 0
    n_used, n_failed = int(used.sum()), int((~used).sum())
    reasons = {FAIL_REASONS[c]: int((fail == c).sum()) for c in sorted(FAIL_REASONS) if (fail == c).any()}
    warns: list[str] = []
    if n_failed > FAIL_SHARE_WARN * resamples:
        why = "; ".join(f"{k}: {v}" for k, v in reasons.items())
        warns.append(
            f"bootstrap: {n_failed} of {resamples} resamples ({n_failed / resamples:.1%}) could not be estimated "
            f"and were skipped ({why}); intervals rest on the {n_used} that could"
        )

    est = _estimates(res, survey, labels)
    jack_frames: dict[str, pd.DataFrame] | None = None
    jack: dict[str, np.ndarray] | None = None
    if ci_key == "bca":
        with _blas_threads(1):
            jstats, jfail = _jackknife(ctx)
        jok = jfail == 0
        jack = {k: np.where(jok[:, None], jstats[k], np.nan) for k in KINDS}
        jack_frames = {k: pd.DataFrame(jack[k], columns=labels[k]) for k in KINDS}
        if not jok.all():
            warns.append(
                f"bootstrap: {int((~jok).sum())} of {ctx.n} leave-one-out fits for the BCa acceleration failed "
                "and were left out of it"
            )

    df = max(ctx.n - 1, 1)
    tables: dict[str, pd.DataFrame] = {}
    samples: dict[str, pd.DataFrame] = {}
    rows = pd.Index(np.flatnonzero(used), name="resample")
    undefined = 0
    for k in KINDS:
        d = draws[k][used]
        t = summarize(d, est[k], level, ci_key, None if jack is None else jack[k], df=df)
        t.index = labels[k]
        if ci_key == "bca":
            undefined += int((t["ci_lo"].isna() & (t["std_error"] > 0)).sum())
        tables[k] = t
        samples[k] = pd.DataFrame(d, index=rows, columns=labels[k])
    if undefined:
        warns.append(f"bootstrap: the BCa interval is undefined for {undefined} statistic(s) (every draw on one side of the estimate)")
    if n_used < 2:
        warns.append(f"bootstrap: only {n_used} of {resamples} resamples could be estimated; no standard errors or intervals")

    settings: dict[str, Any] = {
        "resamples": resamples,
        "resamples_used": n_used,
        "resamples_failed": n_failed,
        "failed_reasons": reasons,
        "seed": seed,
        "ci": ci_key,
        "level": level,
        "sign_correction": SIGN_RULE,
        "chunk_size": chunk_blocks * RNG_BLOCK,
        "workers": workers,
        "rng": "explicit resample indices" if indices is not None else f"numpy PCG64; resample b drawn from SeedSequence(seed, spawn_key=(b // {RNG_BLOCK},)), "
               f"blocks of {RNG_BLOCK} resamples, so results do not depend on workers or chunk size",
        "p_value": f"two-sided, Student t with n - 1 = {df} degrees of freedom, t = estimate / bootstrap SE",
        "quantiles": "linear interpolation (R type 7)",
    }
    if ci_key == "bca":
        settings["jackknife_fits"] = ctx.n
        settings["jackknife_failed"] = int(ctx.n - (0 if jack is None else int(np.isfinite(jack["paths"]).all(axis=1).sum())))
    return BootstrapResults(tables=tables, samples=samples, settings=settings, warnings=tuple(warns), jackknife=jack_frames)

