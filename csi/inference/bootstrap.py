"""Batched bootstrap of a PLS fit: SEs, t, p-values, percentile and BCa intervals.

Resampling: resample ``b`` draws ``n`` respondents with replacement; ``c_bi`` counts how often
respondent ``i`` was drawn.  With survey weights ``v`` the resample's case weights are
``c_bi · v_i`` (drawing uniformly, weighting as in the full sample).  PLS depends on the data
only through the item means and the matrix ``S`` (see :mod:`csi.estimators.pls`), so for a
block of resamples the moments are two matrix products with the counts, exactly mirroring
:func:`csi.estimators.base.moments` on the resampled rows (:mod:`csi.inference.moments`, shared
with the permutation tests)::

    x̄_b = Σᵢ ṽ_bi xᵢ,     C_b = Σᵢ ṽ_bi (xᵢ − x̄)(xᵢ − x̄)' − (x̄_b − x̄)(x̄_b − x̄)',   ṽ_b = c_b·v / Σ c_b·v

(``x̄`` the full-sample mean; centring first keeps the products accurate).  ``S_b`` is the
correlation matrix of ``C_b`` (standardized fits) or ``C_b`` itself (unstandardized, divisor
``n`` as in plspm); :func:`csi.estimators.pls.estimate` then fits the whole block at once.

Each resample's statistics, by the same kernels as the full sample (:mod:`csi.stats`): path
coefficients, outer weights and loadings, R², total and indirect effects (``T = (I − B)⁻¹ − I``,
indirect ``T − B``, :mod:`csi.stats.effects`), HTMT on the resample's item correlations
(:mod:`csi.stats.htmt`), and every construct's 0–100 index computed with that resample's
weights, item SDs and item means by the index method's ``batch`` (``acsi`` by default,
:mod:`csi.derive.indices`).

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
results for any number of workers, chunk size and runner (:mod:`csi.inference.runners`).

Large samples: the counts are built at most ``COUNTS_BUDGET / n`` resamples at a time and,
above ``Q_MAX_ROWS`` respondents, the item cross-products are formed slice by slice, so memory
stays bounded (at most ~130 MB per worker) whatever ``n``.

Very large samples (``blocks``; automatic above ``BLOCK_ROWS`` = 50,000 respondents): the
respondents are randomly partitioned once into ``G`` = ``DEFAULT_BLOCKS`` (5,000) blocks of
sufficient statistics — total case weight, weighted sums of the centred items and of their
cross-products (:func:`csi.inference.moments.grouped`) — and the *blocks* are resampled with
replacement: block ``g`` drawn ``c_bg`` times contributes ``c_bg`` times its sums, so a resample
costs ``G·p(p+1)/2`` instead of ``n·p(p+1)/2``, whatever ``n``.  The block means are i.i.d. (a
random partition), so the resampled moments have the row bootstrap's mean and covariance
to O(1/n) and the intervals agree with it within Monte Carlo error (checked at n = 20,000 in
``tests/inference/test_block_bootstrap.py``; 100,000 in ``bench/bench_speed.py``).  BCa then uses the
delete-one-block jackknife (G fits).  The partition comes from
``SeedSequence(seed, spawn_key=(0, 1))``; ``settings["resampling"]`` records the choice and G.

Validated (``tests/inference/test_bootstrap.py``): every draw equals a plain refit of the resampled rows
to 1e-10 (standardized, survey-weighted, plspm-style unstandardized); draw by draw against the
seminr package (PyPI port of SEMinR) on identical resamples to 1e-14; SEMinR 2.3.1 (ECSI on
mobi) SEs and percentile intervals and R plspm 0.4 bootstrap summaries (``satisfaction``)
within Monte Carlo error; BCa against ``scipy.stats.bootstrap`` on the same draws to 1e-12.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from csi._progress import Reporter
from csi.data.survey import SurveyData
from csi.derive.indices import INDEXERS, Indexer, batch_index, configure, index_features
from csi.derive.quality import htmt as htmt_matrix
from csi.errors import CsiError, check_choice
from csi.estimators.base import BatchEstimator, Layout
from csi.estimators.pls import PLS, PLSResults
from csi.inference.moments import Q_MAX_ROWS as Q_MAX_ROWS  # re-exported: the large-sample bound
from csi.inference.moments import BatchMoments, CentredItems, counts, grouped
from csi.inference.resample import RNG_BLOCK, block_generator
from csi.inference.runners import Runner, SerialRunner, get_runner
from csi.options import CI_METHODS, DEFAULT_RESAMPLES, check_count, check_level
from csi.stats.effects import effect_pairs, indirect_effects, total_effects
from csi.stats.htmt import htmt, lower_pairs
from csi.stats.intervals import bca_interval, percentile_interval
from csi.stats.tdist import t_two_sided

KINDS: tuple[str, ...] = ("paths", "weights", "loadings", "r2", "total_effects", "indirect_effects", "htmt", "index")
STAT_COLUMNS: tuple[str, ...] = ("estimate", "mean", "std_error", "t", "p_value", "ci_lo", "ci_hi")
# memory bounds for large samples (results depend on them only through n, never on workers)
COUNTS_BUDGET = 4_000_000  # elements of the (rows × n) resample-count matrix built at once
BLOCK_ROWS = 50_000  # above this many respondents resample blocks of sufficient statistics, not rows
DEFAULT_BLOCKS = 5_000  # G: blocks of ≥ 10 respondents above BLOCK_ROWS; G·p(p+1)/2 per resample
# Q_MAX_ROWS (cross-products kept up to this n) lives in csi.inference.moments, CONST_REL_VAR in csi.stats.resample
FAIL_SHARE_WARN = 0.05
FAIL_REASONS: dict[int, str] = {
    1: "an item constant in the resample",
    2: "zero total case weight",
    3: "no convergence",
    4: "non-finite results (singular block or structural regression)",
    # 5, 6, 7: an estimator's inadmissible fits (PLSc: csi.estimators.plsc.INADMISSIBLE codes 1-3)
    5: "PLSc: rho_A not positive (no consistent correction)",
    6: "PLSc: a disattenuated construct correlation above 1 in absolute value",
    7: "PLSc: the disattenuated construct correlation matrix is not positive definite",
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
        lo, hi = percentile_interval(d.to_numpy(), check_level(self.settings["level"] if level is None else level))
        return pd.DataFrame({"ci_lo": lo, "ci_hi": hi}, index=d.columns)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise CsiError(f"bootstrap statistic kind should be one of {', '.join(KINDS)}; got {kind!r}")
    return kind


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
    draws = np.asarray(draws, dtype=float)
    est = np.asarray(estimate, dtype=float)
    B, m = draws.shape
    mean = draws.mean(axis=0) if B else np.full(m, np.nan)
    se = draws.std(axis=0, ddof=1) if B > 1 else np.full(m, np.nan)
    se = np.where(se <= 1e-12 * np.maximum(1.0, np.abs(est)), 0.0, se)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, est / se, np.nan)
    p = t_two_sided(t, df)  # df = ∞: the normal tail
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
    """Everything a chunk needs; read-only, shared by workers (and picklable for processes)."""

    layout: Layout
    estimator: BatchEstimator  # fits every resample (the one that produced the full-sample fit)
    standardized: bool
    items: CentredItems
    rows: int  # resamples whose counts are built at once (RNG_BLOCK unless n is large)
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
    indexer: Indexer
    #: per-resample data preparation (EM, two-stage transforms: csi.estimators.staged.Rebuild), or None
    rebuild: Callable[[np.ndarray], Any] | None = None
    features: np.ndarray | None = None  # (n, q) per-respondent columns a moment-based index method needs

    @property
    def n(self) -> int:
        return self.items.n


def _make_context(res: PLSResults, X: np.ndarray, v: np.ndarray | None, seed: int, indexer: Indexer | None = None,
                  estimator: BatchEstimator | None = None, blocks: int = 0,
                  rebuild: Callable[[np.ndarray], Any] | None = None) -> _Context:
    """The engine's inputs; ``blocks`` > 0 resamples that many blocks of sufficient statistics, not rows."""
    spec = res.spec
    L = Layout.from_spec(spec)
    if blocks:
        items, v = grouped(X, v, res.standardized, blocks, np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0, 1)))))
    else:
        items = CentredItems.of(X, v, res.standardized)
    n = items.n
    kidx = {c: k for k, c in enumerate(L.codes)}
    src = np.array([kidx[q.source] for q in spec.paths], dtype=int)
    tgt = np.array([kidx[q.target] for q in spec.paths], dtype=int)
    endo = np.array([kidx[c] for c in spec.endogenous], dtype=int)
    tot_pairs, ind_pairs = effect_pairs(L.adj)
    indexer = configure(INDEXERS.get("acsi") if indexer is None else indexer, spec)
    return _Context(
        layout=L, estimator=PLS.of(res) if estimator is None else estimator,
        standardized=res.standardized, items=items,
        rows=max(1, min(RNG_BLOCK, COUNTS_BUDGET // n)), v=v, w0=res.weights.to_numpy(dtype=float),
        src=src, tgt=tgt, endo=endo, tot_pairs=tot_pairs, ind_pairs=ind_pairs, htmt_pairs=lower_pairs(L.k),
        scale=(spec.scale_min, spec.scale_max), seed=int(seed), indexer=indexer,
        rebuild=rebuild, features=None if blocks else index_features(indexer, X, L, spec.scale_min, spec.scale_max),
    )


def _block_moments(ctx: _Context, block: int, indices: np.ndarray | None) -> BatchMoments:
    """Moments of the RNG_BLOCK resamples of one block (``indices``: that block's rows, padded).

    The counts are built ``ctx.rows`` resamples at a time (all of them unless n is large), drawn
    in turn from the block's one random stream, so memory stays bounded and the draws are the
    same however they are split.
    """
    n = ctx.n
    rng = None if indices is not None else block_generator(ctx.seed, block)
    s1, s2, tot, sf = [], [], [], []
    built: list[Any] = []
    for r0 in range(0, RNG_BLOCK, ctx.rows):
        r1 = min(RNG_BLOCK, r0 + ctx.rows)
        idx = indices[r0:r1] if indices is not None else rng.integers(0, n, size=(r1 - r0, n))  # type: ignore[union-attr]
        V = counts(idx, n)
        if ctx.v is not None:
            V *= ctx.v
        if ctx.rebuild is not None:
            built.append(ctx.rebuild(V))
            continue
        a, b = ctx.items.sums(V)
        s1.append(a)
        s2.append(b)
        tot.append(V.sum(axis=1))
        if ctx.features is not None:
            sf.append(V @ ctx.features)
    if built:
        mean, var, S, fail = (np.concatenate([getattr(m, f) for m in built]) for f in ("mean", "var", "S", "fail"))
        return BatchMoments(mean, var, S, fail, ctx.standardized)
    total = np.concatenate(tot)
    m = ctx.items.from_sums(total, np.concatenate(s1), np.concatenate(s2))
    if ctx.features is None:
        return m
    with np.errstate(invalid="ignore", divide="ignore"):
        return replace(m, extra=np.concatenate(sf) / total[:, None])


def _statistics(ctx: _Context, w: np.ndarray, loadings: np.ndarray, P: np.ndarray, r2: np.ndarray,
                mean: np.ndarray, var: np.ndarray, corr: np.ndarray, fmean: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """All statistics (B, m) of a batch of fits, after construct-level sign correction.

    Effects, HTMT and the index are the kernels the full sample uses (:mod:`csi.stats`, the
    index by ``ctx.indexer``), applied to each resample's weights, means, SDs and correlations.
    """
    L = ctx.layout
    s = np.where((w * ctx.w0) @ L.member < 0, -1.0, 1.0)  # (B, K)
    w = w * s[:, L.block]
    loadings = loadings * s[:, L.block]
    P = P * s[:, :, None] * s[:, None, :]
    T = total_effects(P)
    lo, hi = ctx.scale
    return {
        "paths": P[:, ctx.src, ctx.tgt],
        "weights": w,
        "loadings": loadings,
        "r2": r2[:, ctx.endo],
        "total_effects": T[:, ctx.tot_pairs[0], ctx.tot_pairs[1]],
        "indirect_effects": indirect_effects(T, P)[:, ctx.ind_pairs[0], ctx.ind_pairs[1]],
        "htmt": htmt(corr, L.member, *ctx.htmt_pairs),
        "index": batch_index(ctx.indexer, w, np.sqrt(var), mean, corr, fmean, L, lo, hi, ctx.standardized),
    }


def _fit_batch(ctx: _Context, m: BatchMoments) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fit the model to a batch of moments: statistics and failure codes (0 = used)."""
    fail = m.fail
    est = ctx.estimator.fit_moments(m.S)
    fail[(fail == 0) & ~est.converged] = 3
    bad = getattr(est, "inadmissible", None)  # an estimator's own inadmissibility codes (PLSc)
    if bad is not None:
        fail[(fail == 0) & (bad > 0)] = 4 + bad[(fail == 0) & (bad > 0)]
    fail[(fail == 0) & ~est.ok] = 4
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        stats = _statistics(ctx, est.weights, est.loadings, est.paths, est.r2, m.mean, m.var, m.corr(), m.extra)
    finite = np.ones(fail.shape[0], dtype=bool)
    for a in stats.values():
        finite &= np.isfinite(a).all(axis=1)
    fail[(fail == 0) & ~finite] = 4
    return stats, fail


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


def _chunk_task(ctx: _Context, chunk_blocks: int, n_blocks: int, resamples: int, indices: np.ndarray | None,
                first: int) -> tuple[int, dict[str, np.ndarray], np.ndarray]:
    """The chunk of ``chunk_blocks`` blocks starting at block ``first`` (a module-level task: it pickles)."""
    st, f = _run_chunk(ctx, first, min(chunk_blocks, n_blocks - first), resamples, indices)
    return first, st, f


def _jackknife(ctx: _Context) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Leave-one-out fits, moments by downdating the full-sample sums (no n × n matrix).

    Without respondent ``i``: ``W₋ᵢ = W − vᵢ``, ``x̄₋ᵢ = (Σ v x − vᵢxᵢ)/W₋ᵢ`` and likewise for
    the second moments of the centred items.
    """
    n, items = ctx.n, ctx.items
    v = np.ones(n) if ctx.v is None else ctx.v
    W = v.sum()
    s1, s2 = (x[0] for x in items.sums(v[None]))
    parts, fails = [], []
    for a in range(0, n, RNG_BLOCK):
        b = min(n, a + RNG_BLOCK)
        rows = _pad(np.arange(a, b), RNG_BLOCK)  # same shapes for every block (see _run_block)
        vi = v[rows, None]
        total = W - v[rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            m0 = (s1 - vi * items.X0[rows]) / total[:, None]
            m2 = (s2 - vi * items.products(a, b)[rows - a]) / total[:, None]
        bm = items.finish(total, m0, m2)
        if ctx.features is not None:  # the features' means downdated the same way
            F = ctx.features
            with np.errstate(invalid="ignore", divide="ignore"):
                bm = replace(bm, extra=(v @ F - vi * F[rows]) / total[:, None])
        st, f = _fit_batch(ctx, bm)
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


def _estimates(ctx: _Context, res: PLSResults, survey: SurveyData, labels: dict[str, pd.Index],
               full_index: pd.Series | None = None) -> dict[str, np.ndarray]:
    """Full-sample values exactly as csi reports them elsewhere (the same kernels at B = 1);
    ``full_index``: the indices the caller already has from the same index method (scoring every
    respondent again costs 0.3 s at n = 10⁶)."""
    tot = res.total_effects
    pm = res.path_matrix
    blocks = {c.code: list(c.items) for c in res.spec.constructs}
    ht = htmt_matrix(res.item_corr, blocks)
    index = ctx.indexer.fit(res, survey.items, *ctx.scale).index if full_index is None else full_index
    return {
        "paths": res.paths.to_numpy(dtype=float),
        "weights": res.weights.to_numpy(dtype=float),
        "loadings": res.loadings.to_numpy(dtype=float),
        "r2": res.r2.reindex(labels["r2"]).to_numpy(dtype=float),
        "total_effects": np.array([tot.loc[a, b] for a, b in labels["total_effects"]], dtype=float),
        "indirect_effects": np.array([tot.loc[a, b] - pm.loc[a, b] for a, b in labels["indirect_effects"]], dtype=float),
        "htmt": np.array([ht.loc[a, b] for a, b in labels["htmt"]], dtype=float),
        "index": index.reindex(labels["index"]).to_numpy(dtype=float),
    }


# ---------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------
class _Progress(Reporter):
    """The bootstrap's progress (:mod:`csi._progress`: a bar on a terminal, a line per 10 % in logs)."""

    def __init__(self, total: int, enabled: bool, delay: float = 1.0, label: str = "bootstrap") -> None:
        super().__init__(label, total, enabled, delay)


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
@dataclass(frozen=True)
class _Plan:
    """The checked options of one bootstrap run."""

    resamples: int
    seed: int
    ci: str
    level: float
    workers: int
    chunk_blocks: int
    indices: np.ndarray | None

    @property
    def n_blocks(self) -> int:
        return -(-self.resamples // RNG_BLOCK)


def _plan(n: int, resamples: int, seed: int, ci: str, level: float, workers: int | None, chunk_size: int | None,
          indices: np.ndarray | None) -> _Plan:
    if indices is not None:
        indices = np.asarray(indices)
        if indices.ndim != 2 or indices.shape[1] != n or indices.shape[0] < 1 \
                or not np.issubdtype(indices.dtype, np.integer) or indices.min() < 0 or indices.max() >= n:
            raise CsiError(f"bootstrap indices should be a (resamples, {n}) array of row numbers "
                           f"0..{n - 1}; got shape {indices.shape}")
        resamples = indices.shape[0]
    resamples = check_count(resamples, "--boot", 1)
    seed = check_count(seed, "--seed", 0)
    ci_key = check_choice(ci, CI_METHODS, "--ci")
    level = check_level(level)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = min(2, cpus) if workers is None else check_count(workers, "workers", 1)
    if chunk_size is None:
        chunk_blocks = 1  # a block is already a batch; one block per task balances the workers
    else:
        chunk_blocks = max(1, -(-check_count(chunk_size, "chunk_size", 1) // RNG_BLOCK))
    return _Plan(resamples, seed, ci_key, level, workers, chunk_blocks, indices)


def _resample(ctx: _Context, plan: _Plan, labels: dict[str, pd.Index], runner: Runner, progress: bool,
              label: str = "bootstrap") -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every resample's statistics (placed by resample number) and failure codes, chunk by chunk on ``runner``."""
    draws = {k: np.empty((plan.resamples, len(labels[k]))) for k in KINDS}
    fail = np.zeros(plan.resamples, dtype=int)
    bar = _Progress(plan.resamples, progress, label=label)
    task = partial(_chunk_task, ctx, plan.chunk_blocks, plan.n_blocks, plan.resamples, plan.indices)
    # one BLAS thread: the workers already use the cores, and results must not depend on it
    with _blas_threads(1):
        try:
            for first, st, f in runner.map(task, range(0, plan.n_blocks, plan.chunk_blocks)):
                a = first * RNG_BLOCK
                b = a + f.shape[0]
                for k in KINDS:
                    draws[k][a:b] = st[k]
                fail[a:b] = f
                bar.advance(b - a)
        finally:
            bar.close()
    return draws, fail


def _failures(fail: np.ndarray, resamples: int) -> tuple[dict[str, int], list[str]]:
    """Failed resamples counted by reason, and the warning when more than FAIL_SHARE_WARN failed."""
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
    return reasons, warns


def _jackknife_values(ctx: _Context, labels: dict[str, pd.Index]) -> tuple[dict[str, np.ndarray], list[str]]:
    """Leave-one-out values for BCa (NaN rows for failed fits) and the warning when some failed."""
    with _blas_threads(1):
        jstats, jfail = _jackknife(ctx)
    jok = jfail == 0
    jack = {k: np.where(jok[:, None], jstats[k], np.nan) for k in KINDS}
    warns = [] if jok.all() else [
        f"bootstrap: {int((~jok).sum())} of {ctx.n} leave-one-out fits for the BCa acceleration failed and were left out of it"
    ]
    return jack, warns


def _summaries(draws: dict[str, np.ndarray], used: np.ndarray, est: dict[str, np.ndarray], labels: dict[str, pd.Index],
               plan: _Plan, jack: dict[str, np.ndarray] | None, df: int) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], list[str]]:
    """Summary table and used draws of every kind, and the warnings about them."""
    tables: dict[str, pd.DataFrame] = {}
    samples: dict[str, pd.DataFrame] = {}
    rows = pd.Index(np.flatnonzero(used), name="resample")
    undefined = 0
    # every statistic of every kind summarized at once (the summaries are column by column, so
    # the numbers are those of one call per kind), then split by kind
    used_draws = {k: draws[k][used] for k in KINDS}
    ends = np.cumsum([0] + [used_draws[k].shape[1] for k in KINDS])
    allt = summarize(np.hstack([used_draws[k] for k in KINDS]), np.concatenate([est[k] for k in KINDS]), plan.level, plan.ci,
                     None if jack is None else np.hstack([jack[k] for k in KINDS]), df=df)
    for j, k in enumerate(KINDS):
        t = allt.iloc[ends[j]:ends[j + 1]].set_axis(labels[k], axis=0)
        if plan.ci == "bca":
            undefined += int((t["ci_lo"].isna() & (t["std_error"] > 0)).sum())
        tables[k] = t
        samples[k] = pd.DataFrame(used_draws[k], index=rows, columns=labels[k])
    warns = []
    if undefined:
        warns.append(f"bootstrap: the BCa interval is undefined for {undefined} statistic(s) (every draw on one side of the estimate)")
    n_used = int(used.sum())
    if n_used < 2:
        warns.append(f"bootstrap: only {n_used} of {plan.resamples} resamples could be estimated; no standard errors or intervals")
    return tables, samples, warns


def _resampling(blocks: int, n: int) -> str:
    if not blocks:
        return "rows: respondents drawn with replacement"
    return (f"blocks: the {n} respondents randomly partitioned into {blocks} blocks of sufficient statistics "
            f"(weights, sums, cross-products; partition from SeedSequence(seed, spawn_key=(0, 1))), blocks drawn with "
            f"replacement (automatic above {BLOCK_ROWS} respondents)")


def _blocks(n: int, blocks: int | None, indices: np.ndarray | None) -> int:
    """G for block resampling (0: rows): automatic above BLOCK_ROWS, never with explicit indices."""
    if indices is not None:
        return 0
    if blocks is None:
        return DEFAULT_BLOCKS if n > BLOCK_ROWS else 0
    g = check_count(blocks, "blocks", 0)
    if g and not 2 <= g <= min(n, Q_MAX_ROWS):
        raise CsiError(f"blocks should be 0 (resample rows) or between 2 and {min(n, Q_MAX_ROWS)}; got {blocks!r}")
    return g


def _settings(plan: _Plan, fail: np.ndarray, reasons: dict[str, int], df: int, n: int,
              jack: dict[str, np.ndarray] | None) -> dict[str, Any]:
    n_used = int((fail == 0).sum())
    settings: dict[str, Any] = {
        "resamples": plan.resamples,
        "resamples_used": n_used,
        "resamples_failed": plan.resamples - n_used,
        "failed_reasons": reasons,
        "seed": plan.seed,
        "ci": plan.ci,
        "level": plan.level,
        "sign_correction": SIGN_RULE,
        "chunk_size": plan.chunk_blocks * RNG_BLOCK,
        "workers": plan.workers,
        "rng": "explicit resample indices" if plan.indices is not None else f"numpy PCG64; resample b drawn from SeedSequence(seed, spawn_key=(b // {RNG_BLOCK},)), "
               f"blocks of {RNG_BLOCK} resamples, so results do not depend on workers or chunk size",
        "p_value": f"two-sided, Student t with n - 1 = {df} degrees of freedom, t = estimate / bootstrap SE",
        "quantiles": "linear interpolation (R type 7)",
    }
    if plan.ci == "bca":
        settings["jackknife_fits"] = n
        settings["jackknife_failed"] = int(n - (0 if jack is None else int(np.isfinite(jack["paths"]).all(axis=1).sum())))
    return settings


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
    indexer: Indexer | None = None,
    runner: str | Runner | Executor | None = None,
    estimator: BatchEstimator | None = None,
    blocks: int | None = None,
    rebuild: Callable[[np.ndarray], Any] | None = None,
    full_index: pd.Series | None = None,
    progress_label: str = "bootstrap",
) -> BootstrapResults:
    """Bootstrap the PLS fit ``res`` of ``survey.items``: ``resamples`` resamples of respondents.

    Chunks of ``chunk_size`` resamples (rounded up to whole blocks of 250) run on ``runner``
    (default: ``workers`` threads, up to 2, the cores available; a key of ``RUNNERS``, an object
    with ``map`` or any ``concurrent.futures.Executor``); results depend on none of these.
    ``ci`` is ``percentile`` or ``bca``; ``level`` the confidence level.  ``indexer`` is the
    index method of the ``index`` statistics (default ``acsi``): every resample's index is its
    ``batch`` of that resample's weights, SDs and means.  ``indices`` (B, n) replaces the random
    draws by explicit 0-based row numbers (e.g. another program's resamples, for a draw-by-draw
    comparison); ``resamples`` and ``seed`` are then ignored.  ``estimator`` fits the resamples
    (its ``fit_moments``; default: PLS with the settings of ``res``, the estimator that made it).
    ``blocks``: resample G blocks of sufficient statistics instead of respondents (see the
    module notes); default automatic (``DEFAULT_BLOCKS`` above ``BLOCK_ROWS`` respondents), 0 rows;
    always rows when ``rebuild`` is given.
    ``rebuild`` maps a block's case weights (B, n) to its moments, re-running the data preparation
    per resample (EM, two-stage transforms: :class:`csi.estimators.staged.Rebuild`, returning
    mean, var, S and fail arrays); default: the moments of the resampled items.
    ``full_index``: the full-sample indices by construct, when the caller has computed them with
    the same (configured) index method; computed here otherwise.
    ``progress_label`` names the step in the progress report (a group's bootstrap, for instance).
    """
    items = survey.items.loc[:, list(res.spec.items)].to_numpy(dtype=float)
    plan = _plan(items.shape[0], resamples, seed, ci, level, workers, chunk_size, indices)
    v = None if survey.weights is None else np.asarray(survey.weights, dtype=float)
    n_rows = items.shape[0]
    # rows, not blocks, for a per-resample rebuild (EM, two-stage) or an index method with per-respondent features
    rows_only = rebuild is not None or getattr(indexer, "features", None) is not None
    g = 0 if rows_only else _blocks(n_rows, blocks, plan.indices)
    ctx = _make_context(res, items, v, plan.seed, indexer, estimator, g, rebuild)
    labels = _labels(ctx, res)
    single = runner is None and (plan.workers == 1 or plan.n_blocks <= plan.chunk_blocks)
    run_on = SerialRunner() if single else get_runner(runner, plan.workers)
    draws, fail = _resample(ctx, plan, labels, run_on, progress, progress_label)
    reasons, warns = _failures(fail, plan.resamples)
    est = _estimates(ctx, res, survey, labels, full_index)
    jack: dict[str, np.ndarray] | None = None
    if plan.ci == "bca":
        jack, jwarns = _jackknife_values(ctx, labels)
        warns += jwarns
    df = max(n_rows - 1, 1)
    tables, samples, swarns = _summaries(draws, fail == 0, est, labels, plan, jack, df)
    settings = {**_settings(plan, fail, reasons, df, ctx.n, jack), "resampling": _resampling(g, n_rows), "blocks": g or None}
    return BootstrapResults(
        tables=tables, samples=samples, settings=settings, warnings=tuple(warns + swarns),
        jackknife=None if jack is None else {k: pd.DataFrame(jack[k], columns=labels[k]) for k in KINDS},
    )
