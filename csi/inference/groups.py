"""Multigroup analysis: the model per segment, permutation tests, PLS-MGA and MICOM.

``compare_groups(spec, survey, column)`` splits the respondents by the levels of a segment
column (``--group COLUMN``), fits the model to every group large enough (see
:func:`min_group_size`), and for every pair of fitted groups ``(a, b)``:

* **Permutation test** (Chin & Dibbern 2010) of each path coefficient and each 0–100 index:
  ``d = θ_a − θ_b``; the group labels of the pair's respondents are shuffled ``B`` times
  (group sizes kept), the model is refitted to both shuffled groups and
  ``p = (1 + #{|d*| ≥ |d|}) / (1 + B_used)`` (two-sided).
* **PLS-MGA** (Henseler, Ringle & Sinkovics 2009; two groups, needs ``boot`` > 0): with
  ``J_a``, ``J_b`` bootstrap draws of each group and their means ``θ̄``,
  ``p⁺ = 1 − #{(j, i): 2θ̄_a − θ*_aj − 2θ̄_b + θ*_bi > 0} / (J_a J_b)`` is the one-sided p-value
  for ``θ_a > θ_b`` — exactly SEMinR's ``estimate_pls_mga`` (which truncates both groups to the
  smaller number of draws; csi keeps all); the reported two-sided ``p = 2 min(p⁺, 1 − p⁺)``.
* **MICOM** (Henseler, Ringle & Sarstedt 2016), per construct, as cSEM's ``testMICOM``:
  step 1 (configural) holds by design — one specification, one data treatment;
  step 2 (compositional invariance): ``c = cor(X w_a, X w_b)`` on the pair's pooled data ``X``
  (standardized, or centred for unstandardized fits) with the two groups' weights; invariant
  unless ``c`` is improbably low, ``p = (1 + #{c* ≤ c}) / (1 + B_used)``;
  step 3 (equal composite means and variances): scores from the pooled fit, differences of
  group means and of log variances, two-sided permutation p-values as above (variances with
  divisor n − 1, or Kish-corrected with survey weights).  Per construct the verdict is
  ``full`` (all three hold), ``partial`` (compositional only: paths may be compared, the
  groups should not be pooled) or ``none`` — a warning: the groups are not comparable on it.

One set of permutations per pair serves every test above.  Each permutation's two groups are
fitted together by the batched core :func:`csi.estimators.pls.estimate` on a ``(2B, p, p)``
stack of covariance/correlation matrices: the pooled items reweighted by the label masks, by
the moments helper the bootstrap uses (:mod:`csi.inference.moments`); each group's index is
the index method's ``batch`` (``acsi`` by default, :mod:`csi.derive.indices`).  A permutation
where either fit fails (a constant item, no convergence, non-finite results) is skipped and
counted.

Many respondents: block permutations (``blocks``; automatic above ``PERM_BLOCK_ROWS`` = 10,000
pooled respondents, decided for each pair and for the joint shuffles).  A row permutation costs
``n·p²`` (the groups' sums over n respondents) and n random draws.  Above the threshold the
permutations run in rounds of ``PERM_ROUND`` (200).  A round draws one random partition of the
pooled respondents — ``rng.permutation(n)`` cut into blocks of ``s = ⌊n / G⌋`` (``G`` =
``PERM_BLOCKS`` = 1,000), group g contributing ``⌊n_g/s⌋`` blocks and its remaining
``n_g mod s`` respondents as single units — and forms each unit's sums: total weight,
``Σ v(x − x̄)``, ``Σ v(x − x̄)(x − x̄)'`` and the sums MICOM step 3 and the index method need
(:func:`csi.inference.moments.block_sums`).  Each permutation of the round shuffles the blocks'
group labels and, separately, the single units' labels, so every group keeps exactly its n_g
respondents and its sums cost ``G·p²`` instead of ``n·p²``.  The partition is uniformly random
and independent of the shuffles, so every block permutation is, marginally, exactly a uniformly
random relabelling of the respondents — the row permutation's distribution — and the p-values
estimate the same exact-permutation p-values.  The permutations of a round share a partition:
their tail indicators are slightly correlated (given the partition, the spread of a difference
follows the variance of G block means, relative SD ``√(1/(2G))``), which adds about
a fraction ``(R − 1)(2zφ(z))²/(2G·p(1 − p))`` to the Monte Carlo variance of a p-value
p = 2(1 − Φ(z)): under 11 % at R = 200, G = 1,000 (measured on 40 p-values × 20 data sets: not
distinguishable from row permutations at G = 1,000, +17 % at G = 250).  The observed statistics
always use the rows.  Checked against row permutations at n = 3,000
(``tests/inference/test_group_blocks.py``) and 15,000 (``bench/bench_groups.py``);
``settings["resampling"]`` names the comparisons permuted by blocks and ``settings["blocks"]``
records G.

Multiple comparisons.  Path and index differences: the Westfall–Young step-down maxT
procedure (:mod:`csi.stats.maxt`) over every pair × path (and every pair × construct for the
indices) of one grouping column.  It needs the joint permutation distribution of all those
differences: with two fitted groups it is the pair's own permutations; with more, the labels of
all fitted groups' respondents are shuffled together (group sizes kept, ``B`` shuffles from
``SeedSequence(seed, spawn_key=(L, L))``, L the number of levels) and every group is refitted,
which also gives the unadjusted ``p_permutation`` of each pair.  Unlike Holm there is no factor
m: the smallest adjusted p is ``1/(1 + B)``, so 1,000 permutations can find a difference among
72 tests.  PLS-MGA (two groups) and each MICOM step keep Holm's step-down adjustment
(``p_(i)·(m − i + 1)``, made monotone, capped at 1) over all pairs × paths or constructs.
Decisions use the adjusted p-values at ``alpha`` (default 0.05); when ``1/(1 + B) ≥ alpha``
no difference could be significant and a warning says so.

Too-small groups are reported, not fitted: a group needs at least ``max(30, 10·m)``
respondents, where ``m`` is the largest number of arrows pointing at one construct (structural
predecessors, or items of a mode-B block) — the "10-times rule" of Hair et al., with a floor of
30.  A group whose fit fails is reported the same way.

Reproducibility: the permutations of pair ``(i, j)`` (positions of the levels in sorted
order) come from ``SeedSequence(seed, spawn_key=(i, j))``, drawn one after another (block
permutations: each round's partition, then its shuffles; rounds of fixed size), so the same
seed gives the same p-values whatever the chunk size; everything runs on one BLAS thread, so
the number of cores does not matter either; group ``i``'s bootstrap uses the seed
``SeedSequence(seed, spawn_key=(i,))`` so the groups' resamples are independent.

Validated in ``tests/inference/test_groups.py``: per-group fits equal PLS on the subsets; MICOM's ``c``
and step-3 statistics equal direct numpy computations; PLS-MGA equals SEMinR's all-pairs
formula evaluated literally; Holm equals statsmodels; a planted path difference is detected
and the false-positive rate under the null is near the nominal 5 %.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from csi._progress import Reporter
from csi.data.survey import SurveyData
from csi.derive.indices import INDEXERS, Indexer, Indices, batch_index, configure, index_features
from csi.derive.tiers import segment_label
from csi.errors import CsiError, EstimationError
from csi.estimators.base import BatchEstimator, Layout, Moments, moments
from csi.estimators.pls import DEFAULT_MAX_ITER, DEFAULT_TOL, PLS, PLSResults
from csi.inference.bootstrap import BootstrapResults, bootstrap_fit
from csi.inference.moments import BatchMoments, CentredItems, block_sums, direct_sums, unit_table
from csi.inference.runners import Runner
from csi.model.spec import ModelSpec
from csi.options import check_count
from csi.stats.intervals import holm, permutation_p, permutation_p_lower
from csi.stats.maxt import maxt_adjusted

DEFAULT_PERMUTATIONS = 1000
DEFAULT_CHUNK = 200
MIN_FLOOR = 30
ADJUST = "maxT"
JOINT_CELLS = 4_000_000  # case weights held at once by the joint permutation (k·b × n), ~32 MB
JOINT_PRODUCTS = 40_000_000  # item cross-products kept for the joint permutation (n·p(p+1)/2), ≤ 320 MB
PERM_BLOCK_ROWS = 10_000  # above this many pooled respondents a permutation test reassigns blocks, not rows
PERM_BLOCKS = 1_000  # ... of ⌊n / PERM_BLOCKS⌋ respondents
PERM_ROUND = 200  # block permutations sharing one random partition
DIRECT_ROWS = 8  # up to this many case-weight rows, sums without per-row products are direct products (direct_sums)


def n_products(items: CentredItems) -> int:
    p = items.X0.shape[1]
    return items.n * p * (p + 1) // 2


# ---------------------------------------------------------------------------------------
# Small pure functions
# ---------------------------------------------------------------------------------------


def pls_mga(draws_a: np.ndarray, draws_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Henseler's PLS-MGA for each column: (one-sided p for θ_a > θ_b, two-sided p).

    ``p⁺ = 1 − #{(j, i): θ*_bi − 2θ̄_b > θ*_aj − 2θ̄_a} / (J_a J_b)`` — SEMinR's
    ``1 − Σ Θ(2θ̄_a − θ*_aj − 2θ̄_b + θ*_bi) / J²`` with Θ(s) = 1 for s > 0, counted by sorting
    instead of forming all J_a·J_b pairs.
    """
    A = np.asarray(draws_a, dtype=float)
    Bd = np.asarray(draws_b, dtype=float)
    m = A.shape[1]
    greater = np.full(m, np.nan)
    for j in range(m):
        a = A[:, j][np.isfinite(A[:, j])]
        b = Bd[:, j][np.isfinite(Bd[:, j])]
        if a.size == 0 or b.size == 0:
            continue
        ca = a - 2 * a.mean()
        cb = np.sort(b - 2 * b.mean())
        count = (cb.size - np.searchsorted(cb, ca, side="right")).sum()  # pairs with cb > ca
        greater[j] = 1.0 - count / (a.size * b.size)
    two = np.minimum(1.0, 2 * np.minimum(greater, 1 - greater))
    return greater, two


def min_group_size(spec: ModelSpec) -> int:
    """max(30, 10 × the most arrows at one construct: predecessors or mode-B items)."""
    m = max([len(spec.predecessors(c)) for c in spec.codes] + [len(c.items) for c in spec.constructs if c.mode == "B"] + [1])
    return max(MIN_FLOOR, 10 * m)


# ---------------------------------------------------------------------------------------
# The batched permutation engine for one pair
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Pair:
    layout: Layout
    estimator: BatchEstimator  # fits both groups of every permutation
    items: CentredItems  # the pair's pooled items, centred at the pooled mean
    v: np.ndarray  # (n,) case weights (ones when unweighted)
    weighted: bool
    S_pool: np.ndarray  # (p, p) pooled correlation (or covariance) the group weights are applied to
    Y_pool: np.ndarray  # (n, K) pooled-fit composite scores (MICOM step 3)
    src: np.ndarray
    tgt: np.ndarray
    scale: tuple[float, float]
    indexer: Indexer
    features: np.ndarray | None = None  # (n, q) per-respondent columns a moment-based index method needs


def _pair_stats(ctx: _Pair, A: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Statistics for membership masks A (B, n) (1 = group a): per-kind (B, m) arrays and ok (B,).

    Both groups of every mask are one batch of ``2B`` reweighted samples (group a's masks, then
    group b's): their moments come from :mod:`csi.inference.moments`, their fits from the batched
    core, their indices from the index method's ``batch`` — as the bootstrap does.
    """
    Bn = A.shape[0]
    Va = A * ctx.v  # group a of every mask; group b is the complement (never built: see below)
    m = _complement_moments(ctx.items, Va, ctx.v)
    fmean = None
    if ctx.features is not None:  # feature means of both groups of every mask (group b: the complement of a)
        V = np.concatenate([Va, ctx.v - Va])
        with np.errstate(invalid="ignore", divide="ignore"):
            fmean = V @ ctx.features / V.sum(axis=1)[:, None]
    return _fit_stats(ctx, m, fmean, _micom_moments(ctx, Va, Bn), Bn)


def _fit_stats(ctx: _Pair, m: BatchMoments, fmean: np.ndarray | None, micom: tuple[np.ndarray, np.ndarray],
               Bn: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fit both groups of ``Bn`` shuffles (moments ``m``: group a's, then group b's) and collect the statistics."""
    L = ctx.layout
    est = ctx.estimator.fit_moments(m.S)
    ok2 = est.ok & est.converged & (m.fail == 0)
    w = est.weights
    lo, hi = ctx.scale
    with np.errstate(invalid="ignore", divide="ignore"):
        index = batch_index(ctx.indexer, w, m.sd, m.mean, m.corr(), fmean, L, lo, hi, ctx.items.standardized)
    P = est.paths[:, ctx.src, ctx.tgt]
    stats = {
        "path_a": P[:Bn], "path_b": P[Bn:],
        "index_a": index[:Bn], "index_b": index[Bn:],
        "c": _micom_c(ctx, w, Bn),
        "mean_diff": micom[0],
        "logvar_diff": micom[1],
    }
    return stats, ok2[:Bn] & ok2[Bn:]


def _complement_moments(items: CentredItems, Va: np.ndarray, v: np.ndarray, k: int = 2) -> BatchMoments:
    """Moments of ``k`` groups per shuffle from the sums of the first ``k − 1`` (rows of ``Va``,
    ``(k − 1)·B × n``, group-major): the last group's sums are the pooled sums minus theirs, so
    one matrix product less per shuffle (half the work for a pair).  Exact up to rounding."""
    if items.Q is None and items.ints is None and len(Va) <= DIRECT_ROWS:  # no per-row products kept: the observed groups
        s1, s2 = direct_sums(items, Va)
        t1, t2 = (x[0] for x in direct_sums(items, v[None]))
    else:
        integer = bool((v == 1).all())  # unweighted: Va holds 0/1 label masks (the exact float32 sums)
        s1, s2 = items.sums(Va, integer)
        t1, t2 = (x[0] for x in items.sums(v[None], integer))
    return _by_complement(items, Va.sum(axis=1), s1, s2, (v.sum(), t1, t2), k)


def _by_complement(items: CentredItems, tot: np.ndarray, s1: np.ndarray, s2: np.ndarray,
                   pooled: tuple[Any, np.ndarray, np.ndarray], k: int) -> BatchMoments:
    """Moments of ``k`` groups per shuffle from the first ``k − 1`` groups' total weights and sums
    and the ``pooled`` ones (total, Σ, Σ of products): the last group's are the difference."""
    return items.from_sums(_with_last(tot, pooled[0], k), _with_last(s1, pooled[1], k), _with_last(s2, pooled[2], k))


def _with_last(a: np.ndarray, total: Any, k: int) -> np.ndarray:
    """The first ``k − 1`` groups' sums ``a`` ((k − 1)·B rows, group-major) followed by the last
    group's: the pooled ``total`` minus theirs."""
    B = a.shape[0] // (k - 1)
    return np.concatenate([a, total - a.reshape(k - 1, B, *a.shape[1:]).sum(axis=0)])


def _micom_c(ctx: _Pair, w: np.ndarray, Bn: int) -> np.ndarray:
    """MICOM step 2: ``c_k = w_a,k' S w_b,k / √(w_a,k' S w_a,k · w_b,k' S w_b,k)`` on the pooled ``S``."""
    Wm = w[:, :, None] * ctx.layout.member  # (2B, p, K)
    SW = ctx.S_pool[None] @ Wm  # (2B, p, K)
    wa, wb, swa, swb = Wm[:Bn], Wm[Bn:], SW[:Bn], SW[Bn:]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.einsum("bpk,bpk->bk", wa, swb)
                          / np.sqrt(np.einsum("bpk,bpk->bk", wa, swa) * np.einsum("bpk,bpk->bk", wb, swb)))


def _micom_moments(ctx: _Pair, Va: np.ndarray, Bn: int) -> tuple[np.ndarray, np.ndarray]:
    """MICOM step 3 from the rows: ``Va`` (B, n) group a's case weights ``Aᵢ vᵢ`` (A a 0/1 mask);
    group b's sums are the pooled sums minus group a's (``Σ(1 − A)²v² = Σv² − ΣA v²`` for the Kish size)."""
    v, Y = ctx.v, ctx.Y_pool
    Y2 = Y**2
    ta = Va.sum(axis=1)
    s1a, s2a = Va @ Y, Va @ Y2
    qa = (Va**2).sum(axis=1) if ctx.weighted else None
    return _micom_from_sums(np.concatenate([ta, v.sum() - ta]), np.concatenate([s1a, v @ Y - s1a]),
                            np.concatenate([s2a, v @ Y2 - s2a]),
                            None if qa is None else np.concatenate([qa, (v**2).sum() - qa]), Bn)


def _micom_from_sums(tot: np.ndarray, s1: np.ndarray, s2: np.ndarray, q: np.ndarray | None, Bn: int) -> tuple[np.ndarray, np.ndarray]:
    """MICOM step 3: differences of the groups' weighted means and log variances of the pooled-fit scores.

    Per group (group a's ``Bn`` rows, then group b's): total weight ``t``, ``Σ vy`` and ``Σ vy²``
    of the scores, and (survey weights) ``Σ v²``; variances with divisor ``t − 1``, or Kish's
    ``n_e − 1`` with ``n_e = t²/Σv²``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / tot[:, None]
        pvar = s2 / tot[:, None] - mean**2
        ne = tot if q is None else tot**2 / q
    with np.errstate(invalid="ignore", divide="ignore"):
        svar = pvar * (ne / (ne - 1))[:, None]
        logvar = np.log(svar[:Bn]) - np.log(svar[Bn:])
    return mean[:Bn] - mean[Bn:], logvar


def _pooled_scores(X: np.ndarray, mom: Moments, L: Layout, estimator: BatchEstimator) -> np.ndarray:
    """Composite scores of the pair's pooled fit (MICOM step 3), as PLSResults.scores computes them."""
    with np.errstate(invalid="ignore", divide="ignore"):
        e = estimator.fit_moments(mom.S)
        Xp = (X - mom.mean) / mom.sd if mom.standardized else X - mom.mean
    if not e.ok[0]:
        return np.full((X.shape[0], L.k), np.nan)
    return np.asarray(Xp @ (e.weights[0][:, None] * L.member))


def _permute(ctx: _Pair, is_a: np.ndarray, permutations: int, rng: np.random.Generator, chunk: int,
             bar: Reporter | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Statistics of ``permutations`` label shuffles, drawn one after another from ``rng``."""

    def some(b: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        A = np.empty((b, is_a.size))
        A[:] = is_a
        for r in range(b):  # in place: the same draws, and the same order, as is_a[rng.permutation(n)]
            rng.shuffle(A[r])
        return _pair_stats(ctx, A)

    return _in_rounds(permutations, chunk, some, bar)


def _in_rounds(permutations: int, size: int, some: Callable[[int], tuple[dict[str, np.ndarray], np.ndarray]],
               bar: Reporter | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """``permutations`` permutations ``size`` at a time: ``some(b)`` gives b permutations' statistics and ok flags."""
    parts: list[dict[str, np.ndarray]] = []
    oks: list[np.ndarray] = []
    done = 0
    while done < permutations:
        b = min(size, permutations - done)
        st, ok = some(b)
        parts.append(st)
        oks.append(ok)
        done += b
        if bar is not None:
            bar.advance(b)
    return _collect(parts, oks)


def _collect(parts: list[dict[str, np.ndarray]], oks: list[np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    if not parts:
        return {}, np.zeros(0, dtype=bool)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}, np.concatenate(oks)


# ---------------------------------------------------------------------------------------
# Block permutations (many respondents)
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Units:
    """One round's units: ``G`` blocks of ``s`` respondents of a random partition, then single
    respondents; per unit the sums of :func:`csi.inference.moments.block_sums` side by side, so
    that the sums of any groups of units are one matrix product."""

    G: int
    p: int
    T: np.ndarray  # (U, 1 + p + p(p+1)/2 + q): Σ v, Σ v(x − x̄), Σ v(x − x̄)(x − x̄)' (upper triangle), Σ v e
    labels: np.ndarray  # (U,) the unit's group before shuffling: ⌊n_g/s⌋ blocks and n_g mod s singles of group g

    def sums(self, masks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Total weight, Σ, Σ of products and Σ of extra columns of the units selected by each row of ``masks``."""
        return self._split(masks @ self.T)

    @property
    def pooled(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self._split(self.T.sum(axis=0))

    def _split(self, S: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        p, t = self.p, 1 + self.p + self.p * (self.p + 1) // 2
        return S[..., 0], S[..., 1:p + 1], S[..., p + 1:t], S[..., t:]


def block_size(n: int, blocks: int | None = None) -> int:
    """Respondents per block of a permutation test on ``n`` pooled respondents (1: rows).

    ``blocks`` None (automatic): rows up to ``PERM_BLOCK_ROWS``, else ``⌊n / PERM_BLOCKS⌋``;
    0: rows; G > 0: ``⌊n / G⌋`` (rows when that is 1).
    """
    if blocks is None:
        return 1 if n <= PERM_BLOCK_ROWS else n // PERM_BLOCKS
    return 1 if blocks == 0 else max(1, n // blocks)


def _partition(ctx: _Pair, sizes: np.ndarray, s: int, rng: np.random.Generator, table: np.ndarray) -> _Units:
    """A random partition of the pooled respondents (``sizes`` (k,) per group) into units: the
    first ``G·s`` respondents of ``rng.permutation(n)`` in blocks of ``s``, the rest single
    (``table``: :func:`csi.inference.moments.unit_table` of the items and extra columns)."""
    perm = rng.permutation(ctx.items.n)
    nb = sizes // s
    G = int(nb.sum())
    k = np.arange(sizes.size)
    p = ctx.items.X0.shape[1]
    T = np.empty((G + int((sizes % s).sum()), table.shape[1] + p * (p + 1) // 2))
    block_sums(ctx.items, ctx.v, perm[:G * s].reshape(G, s), table=table, out=T[:G])
    block_sums(ctx.items, ctx.v, perm[G * s:, None], table=table, out=T[G:])
    return _Units(G, p, T, np.concatenate([np.repeat(k, nb), np.repeat(k, sizes % s)]).astype(float))


def _block_rounds(ctx: _Pair, group: np.ndarray, permutations: int, blocks: int | None, rng: np.random.Generator,
                  extra: np.ndarray | None, stats: Callable[[_Units, np.ndarray], tuple[dict[str, np.ndarray], np.ndarray]],
                  bar: Reporter | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Statistics of ``permutations`` block permutations of the pooled respondents' groups
    ``group`` (n,) (0 … k − 1), in rounds of ``PERM_ROUND`` sharing one partition, all drawn one
    after another from ``rng``: the partition, then each permutation's shuffles of the block
    labels and of the single respondents' labels.  ``stats(units, masks)`` gets the 0/1 masks
    of groups 0 … k − 2 ((k − 1)·b × U, group-major)."""
    sizes = np.bincount(group)
    k = sizes.size
    s = block_size(group.size, blocks)
    table = unit_table(ctx.items, extra)

    def some(b: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        u = _partition(ctx, sizes, s, rng, table)  # a fresh partition per round
        A = np.empty((b, u.labels.size))
        A[:] = u.labels
        for r in range(b):
            rng.shuffle(A[r, :u.G])
            rng.shuffle(A[r, u.G:])
        return stats(u, np.concatenate([A == i for i in range(k - 1)]).astype(float))

    return _in_rounds(permutations, PERM_ROUND, some, bar)


def _pair_extra(ctx: _Pair) -> np.ndarray:
    """Per-respondent columns whose block sums the pair's block permutations need: the pooled-fit
    scores y and y² (MICOM step 3), v (Σv² for Kish sizes) and the index method's features."""
    cols = [ctx.Y_pool, ctx.Y_pool**2, ctx.v[:, None]] + ([] if ctx.features is None else [ctx.features])
    return np.ascontiguousarray(np.concatenate(cols, axis=1))


def _block_pair_stats(ctx: _Pair, u: _Units, masks: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`_pair_stats` for block permutations: ``masks`` (B, U) select group a's units."""
    Bn, K = masks.shape[0], ctx.layout.k
    tot, s1, s2, Ea = u.sums(masks)
    pooled = u.pooled
    m = _by_complement(ctx.items, tot, s1, s2, pooled[:3], 2)
    E = np.concatenate([Ea, pooled[3] - Ea])
    t2 = np.concatenate([tot, pooled[0] - tot])
    fmean = None
    if ctx.features is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            fmean = E[:, 2 * K + 1:] / t2[:, None]
    micom = _micom_from_sums(t2, E[:, :K], E[:, K:2 * K], E[:, 2 * K] if ctx.weighted else None, Bn)
    return _fit_stats(ctx, m, fmean, micom, Bn)


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GroupFit:
    """One group's fit: its PLS results, indices and (optional) bootstrap."""

    level: str
    pls: PLSResults
    indices: Indices
    bootstrap: BootstrapResults | None = None


@dataclass(frozen=True)
class GroupComparison:
    """Multigroup analysis of one segment column.

    ``sizes``: level, n, n_effective, fitted, reason.  ``paths``: level, from, to, estimate and
    (with a bootstrap) std_error, ci_lo, ci_hi.  ``indices``: level, construct, index, r2 (+ the
    same bootstrap columns).  ``differences``: group_a, group_b, kind (path|index), name, from,
    to, construct, estimate_a, estimate_b, difference (a − b), p_permutation,
    p_permutation_adj, p_mga_greater, p_mga, p_mga_adj, significant.  ``micom``: group_a,
    group_b, construct, c, c_q05, p_c, p_c_adj, compositional, mean_diff, mean_lo, mean_hi,
    p_mean, p_mean_adj, equal_means, logvar_diff, logvar_lo, logvar_hi, p_var, p_var_adj,
    equal_variances, invariance.
    """

    column: str
    sizes: pd.DataFrame
    fits: Mapping[str, GroupFit]
    paths: pd.DataFrame
    indices: pd.DataFrame
    differences: pd.DataFrame
    micom: pd.DataFrame
    settings: Mapping[str, Any]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def difference(self, kind: str, name: str, a: str | None = None, b: str | None = None) -> pd.Series:
        d = self.differences
        sel = (d.kind == kind) & (d.name == name)
        if a is not None:
            sel &= d.group_a == a
        if b is not None:
            sel &= d.group_b == b
        rows = d[sel]
        if rows.empty:
            raise KeyError((kind, name, a, b))
        return rows.iloc[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "settings": dict(self.settings),
            "sizes": self.sizes.to_dict(orient="records"),
            "paths": self.paths.to_dict(orient="records"),
            "indices": self.indices.to_dict(orient="records"),
            "differences": self.differences.to_dict(orient="records"),
            "micom": self.micom.to_dict(orient="records"),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class GroupResults:
    """Multigroup analyses of every ``--group`` column."""

    comparisons: tuple[GroupComparison, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w for c in self.comparisons for w in c.warnings)

    def __getitem__(self, column: str) -> GroupComparison:
        for c in self.comparisons:
            if c.column == column:
                return c
        raise KeyError(column)

    def to_json(self) -> list[dict[str, Any]]:
        return [c.to_json() for c in self.comparisons]


# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------
def _subset(survey: SurveyData, mask: np.ndarray) -> SurveyData:
    items = survey.items.loc[mask].reset_index(drop=True)
    w = None if survey.weights is None else np.asarray(survey.weights, dtype=float)[mask]
    segs = survey.segments.loc[mask].reset_index(drop=True) if len(survey.segments.columns) else pd.DataFrame(index=items.index)
    return replace(survey, items=items, weights=w, segments=segs)


def _seed(seed: int, *key: int) -> int:
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0])


def _boot_table(boot: BootstrapResults | None, kind: str, labels: list[Any]) -> pd.DataFrame | None:
    if boot is None:
        return None
    t = boot.stats(kind)
    return t.reindex(labels)


def _draws(boot: BootstrapResults, kind: str, labels: list[Any]) -> np.ndarray:
    return np.asarray(boot.draws(kind).reindex(columns=labels).to_numpy(dtype=float))


@dataclass(frozen=True)
class _Run:
    """The checked options and fixed layout of one comparison."""

    spec: ModelSpec
    survey: SurveyData
    column: str
    est: PLS
    permutations: int
    boot: int
    seed: int
    ci: str
    level: float
    alpha: float
    need: int
    chunk: int
    indexer: Indexer
    runner: str | Runner | Executor | None
    progress: bool = False
    blocks: int | None = None  # block permutations: None automatic, 0 rows, G blocks

    @property
    def codes(self) -> list[str]:
        return list(self.spec.codes)

    @property
    def path_keys(self) -> list[tuple[str, str]]:
        return [(p.source, p.target) for p in self.spec.paths]

    @property
    def scale(self) -> tuple[float, float]:
        return (self.spec.scale_min, self.spec.scale_max)


def _levels(survey: SurveyData, column: str) -> tuple[list[str], dict[str, np.ndarray], int]:
    """The column's levels as labels (sorted), each level's respondent mask, and the count of missing values."""
    seg = survey.segments[column].reset_index(drop=True)
    levels = list(pd.unique(seg.dropna()))
    try:
        levels = sorted(levels)
    except TypeError:
        levels = sorted(levels, key=str)
    labels = [segment_label(v) for v in levels]
    masks = {lab: (seg == v).to_numpy() for lab, v in zip(labels, levels, strict=True)}
    return labels, masks, int(seg.isna().sum())


def _fit_group(run: _Run, pos: int, lab: str, mask: np.ndarray) -> tuple[dict[str, Any], GroupFit | None, list[str]]:
    """One group: its sizes row, its fit (None when too small or not estimable) and warnings."""
    sub = _subset(run.survey, mask)
    n, ne = sub.n_used, sub.n_effective
    row: dict[str, Any] = {"level": lab, "n": n, "n_effective": ne, "fitted": False, "reason": None}
    warns: list[str] = []
    if ne < run.need:
        row["reason"] = f"too small: {'effective ' if run.survey.weights is not None else ''}n = {ne:.4g} < {run.need} (the minimum for this model)"
        return row, None, warns
    try:
        res = run.est.fit(sub.items, weights=sub.weights)
    except EstimationError as exc:
        row["reason"] = f"could not be estimated: {exc}"
        return row, None, warns
    bres = None
    if run.boot:
        bres = bootstrap_fit(res, sub, resamples=run.boot, seed=_seed(run.seed, pos), ci=run.ci, level=run.level,
                             indexer=run.indexer, runner=run.runner, progress=run.progress,
                             progress_label=f"--group {run.column}={lab}: bootstrap")
        warns += [f"group {run.column}={lab}: {w}" for w in bres.warnings]
    row["fitted"] = True
    if not res.converged:
        warns.append(f"group {run.column}={lab}: PLS did not converge in {run.est.max_iter} iterations")
    return row, GroupFit(lab, res, run.indexer.fit(res, sub.items, *run.scale), bres), warns


def _level_tables(run: _Run, fits: Mapping[str, GroupFit]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-group paths and indices (with bootstrap SEs and intervals when there are draws)."""
    prow: list[dict[str, Any]] = []
    irow: list[dict[str, Any]] = []
    for lab, f in fits.items():
        bp = _boot_table(f.bootstrap, "paths", list(f.pls.paths.index))
        bi = _boot_table(f.bootstrap, "index", run.codes)
        for s, t in run.path_keys:
            r = {"level": lab, "from": s, "to": t, "estimate": float(f.pls.paths[(s, t)])}
            if bp is not None:
                r.update(std_error=bp.loc[(s, t), "std_error"], ci_lo=bp.loc[(s, t), "ci_lo"], ci_hi=bp.loc[(s, t), "ci_hi"])
            prow.append(r)
        for code in run.codes:
            r = {"level": lab, "construct": code, "index": float(f.indices.index[code]), "r2": float(f.pls.r2[code])}
            if bi is not None:
                r.update(std_error=bi.loc[code, "std_error"], ci_lo=bi.loc[code, "ci_lo"], ci_hi=bi.loc[code, "ci_hi"])
            irow.append(r)
    return pd.DataFrame(prow), pd.DataFrame(irow)


def _pair_context(run: _Run, pooled: SurveyData, keep: bool = True, micom: bool = True) -> _Pair:
    """The permutation engine's inputs for the pooled respondents of one pair (or of all groups).

    ``keep``: prepare the per-row products the row permutations reuse (not for block
    permutations); ``micom``: fit the pooled model for MICOM step 3 (not for the joint shuffles).
    """
    est, L = run.est, run.est.layout
    kidx = {c: k for k, c in enumerate(run.codes)}
    X = pooled.items.loc[:, list(L.items)].to_numpy(dtype=float)
    v = np.ones(X.shape[0]) if pooled.weights is None else np.asarray(pooled.weights, dtype=float)
    mom = moments(X, est.standardize, pooled.weights)
    Y = _pooled_scores(X, mom, L, est) if micom else np.zeros((X.shape[0], 0))
    return _Pair(L, est,
                 CentredItems.of(X, None if pooled.weights is None else v, est.standardize, exact=True, keep=keep), v,
                 pooled.weights is not None, mom.S, Y, np.array([kidx[s] for s, _ in run.path_keys], dtype=int),
                 np.array([kidx[t] for _, t in run.path_keys], dtype=int), run.scale, run.indexer,
                 index_features(run.indexer, X, L, *run.scale))


def _difference_rows(run: _Run, fits: Mapping[str, GroupFit], la: str, lb: str, obs: dict[str, np.ndarray],
                     perm: dict[str, np.ndarray], used: int) -> list[dict[str, Any]]:
    """Path and index differences of one pair: permutation p-values and (two groups, bootstrap) PLS-MGA."""
    d_path = obs["path_a"][0] - obs["path_b"][0]
    p_path = permutation_p(d_path, perm["path_a"] - perm["path_b"]) if used else np.full(d_path.shape, np.nan)
    d_idx = obs["index_a"][0] - obs["index_b"][0]
    p_idx = permutation_p(d_idx, perm["index_a"] - perm["index_b"]) if used else np.full(d_idx.shape, np.nan)
    ba, bb = fits[la].bootstrap, fits[lb].bootstrap
    path_keys, codes = run.path_keys, run.codes
    mga_g = mga_two = np.full(len(path_keys), np.nan)
    mga_i_g = mga_i_two = np.full(len(codes), np.nan)
    if ba is not None and bb is not None and len(fits) == 2:
        mga_g, mga_two = pls_mga(_draws(ba, "paths", path_keys), _draws(bb, "paths", path_keys))
        mga_i_g, mga_i_two = pls_mga(_draws(ba, "index", codes), _draws(bb, "index", codes))
    rows: list[dict[str, Any]] = []
    for j, (s, t) in enumerate(path_keys):
        rows.append({"group_a": la, "group_b": lb, "kind": "path", "name": f"{s} -> {t}", "from": s, "to": t, "construct": None,
                     "estimate_a": float(fits[la].pls.paths[(s, t)]), "estimate_b": float(fits[lb].pls.paths[(s, t)]),
                     "difference": float(d_path[j]), "p_permutation": float(p_path[j]),
                     "p_mga_greater": float(mga_g[j]), "p_mga": float(mga_two[j])})
    for k, code in enumerate(codes):
        rows.append({"group_a": la, "group_b": lb, "kind": "index", "name": code, "from": None, "to": None, "construct": code,
                     "estimate_a": float(fits[la].indices.index[code]), "estimate_b": float(fits[lb].indices.index[code]),
                     "difference": float(d_idx[k]), "p_permutation": float(p_idx[k]),
                     "p_mga_greater": float(mga_i_g[k]), "p_mga": float(mga_i_two[k])})
    return rows


def _micom_rows(run: _Run, la: str, lb: str, obs: dict[str, np.ndarray], perm: dict[str, np.ndarray], used: int) -> list[dict[str, Any]]:
    """MICOM steps 2 and 3 of one pair, per construct (adjusted and judged later, over the whole column)."""
    c_obs = obs["c"][0]
    nan = np.full(len(run.codes), np.nan)
    p_c = q05 = mlo = mhi = vlo = vhi = p_m = p_v = nan
    if used:
        p_c = permutation_p_lower(c_obs, perm["c"])
        q05 = np.quantile(perm["c"], 0.05, axis=0)
        mlo, mhi = np.quantile(perm["mean_diff"], [0.025, 0.975], axis=0)
        vlo, vhi = np.quantile(perm["logvar_diff"], [0.025, 0.975], axis=0)
        p_m = permutation_p(obs["mean_diff"][0], perm["mean_diff"])
        p_v = permutation_p(obs["logvar_diff"][0], perm["logvar_diff"])
    single = {c.code for c in run.spec.constructs if len(c.items) == 1}
    return [{"group_a": la, "group_b": lb, "construct": code, "single_item": code in single,
             "c": float(c_obs[k]), "c_q05": float(q05[k]), "p_c": float(p_c[k]),
             "mean_diff": float(obs["mean_diff"][0][k]), "mean_lo": float(mlo[k]), "mean_hi": float(mhi[k]), "p_mean": float(p_m[k]),
             "logvar_diff": float(obs["logvar_diff"][0][k]), "logvar_lo": float(vlo[k]), "logvar_hi": float(vhi[k]), "p_var": float(p_v[k])}
            for k, code in enumerate(run.codes)]


@dataclass
class _Found:
    """What the pairwise comparisons of one column collect."""

    drows: list[dict[str, Any]] = field(default_factory=list)
    mrows: list[dict[str, Any]] = field(default_factory=list)
    perm: dict[str, np.ndarray] = field(default_factory=dict)  # two groups: the pair's permuted differences
    used: dict[str, int] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)  # the pairs (and "joint") permuted by blocks
    warns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _compare_pair(run: _Run, fits: Mapping[str, GroupFit], labels: list[str], masks: dict[str, np.ndarray],
                  la: str, lb: str, found: _Found, bar: Reporter | None = None) -> None:
    """Permutation tests, PLS-MGA and MICOM of one pair of fitted groups, added to ``found``."""
    mask = masks[la] | masks[lb]
    blocks = block_size(int(mask.sum()), run.blocks) > 1
    ctx = _pair_context(run, _subset(run.survey, mask), keep=not blocks)
    if not np.isfinite(ctx.Y_pool).all():
        found.warns.append(f"groups {run.column}={la} and {lb}: the pooled model could not be estimated; MICOM step 3 is missing")
    is_a = masks[la][mask].astype(float)
    obs, _ = _pair_stats(ctx, is_a[None])  # the observed groups: always their rows
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(run.seed, spawn_key=(labels.index(la), labels.index(lb)))))
    if blocks:
        found.blocked.append(f"{la}|{lb}")
        perm, ok = _block_rounds(ctx, (is_a == 0).astype(int), run.permutations, run.blocks, rng, _pair_extra(ctx),
                                 partial(_block_pair_stats, ctx), bar)
    else:
        perm, ok = _permute(ctx, is_a, run.permutations, rng, run.chunk, bar)
    used = int(ok.sum())
    found.used[f"{la}|{lb}"] = used
    if used < run.permutations:
        found.notes.append(f"groups {run.column}={la} vs {lb}: {run.permutations - used} of {run.permutations} permutations "
                           "could not be estimated and were skipped")
    perm = {k: a[ok] for k, a in perm.items()}
    if used:
        found.perm = {"path": perm["path_a"] - perm["path_b"], "index": perm["index_a"] - perm["index_b"]}
    found.drows += _difference_rows(run, fits, la, lb, obs, perm, used)
    found.mrows += _micom_rows(run, la, lb, obs, perm, used)


DIFF_COLUMNS = ["group_a", "group_b", "kind", "name", "from", "to", "construct", "estimate_a", "estimate_b", "difference",
                "p_permutation", "p_permutation_adj", "p_mga_greater", "p_mga", "p_mga_adj", "significant"]
MICOM_COLUMNS = ["group_a", "group_b", "construct", "single_item", "c", "c_q05", "p_c", "p_c_adj", "compositional",
                 "mean_diff", "mean_lo", "mean_hi", "p_mean", "p_mean_adj", "equal_means",
                 "logvar_diff", "logvar_lo", "logvar_hi", "p_var", "p_var_adj", "equal_variances", "invariance"]


def _differences(run: _Run, rows: list[dict[str, Any]], joint: Mapping[str, np.ndarray], k: int) -> tuple[pd.DataFrame, list[str]]:
    """The differences table with maxT-adjusted permutation p-values per kind (Holm for PLS-MGA),
    and the too-few-permutations warning.

    ``joint[kind]`` (B_used, m): the kind's differences of every pair under the joint permutations,
    columns in the order of ``rows``; with more than two groups (``k``) they also give the
    unadjusted p-values.
    """
    diffs = pd.DataFrame(rows, columns=[c for c in DIFF_COLUMNS if not c.endswith("_adj") and c != "significant"])
    diffs["p_permutation_adj"] = np.nan
    for kind in ("path", "index"):
        sel = (diffs.kind == kind).to_numpy()
        D = joint.get(kind)
        if sel.any() and D is not None and len(D):
            d = diffs.loc[sel, "difference"].to_numpy(dtype=float)
            if k > 2:
                diffs.loc[sel, "p_permutation"] = permutation_p(d, D)
            diffs.loc[sel, "p_permutation_adj"] = maxt_adjusted(d, D)
        diffs.loc[sel, "p_mga_adj"] = holm(diffs.loc[sel, "p_mga"].to_numpy(dtype=float))
    if diffs.empty:
        diffs["p_mga_adj"] = pd.Series(dtype=float)
    diffs["significant"] = diffs["p_permutation_adj"] < run.alpha
    warns = []
    used = min((len(D) for D in joint.values()), default=run.permutations)
    if len(diffs) and 1 / (used + 1) >= run.alpha:
        warns.append(
            f"--group {run.column}: with {used} permutations the smallest p-value is 1/{used + 1}, so no difference can "
            f"reach {run.alpha:g} (none can be called significant); use at least {int(np.ceil(1 / run.alpha))} permutations"
        )
    return diffs[DIFF_COLUMNS], warns


def _joint_permutations(run: _Run, labels: list[str], masks: dict[str, np.ndarray], fitted: list[str], found: _Found,
                        bar: Reporter | None = None) -> dict[str, np.ndarray]:
    """Every pair's path and index differences under joint shuffles of all fitted groups' labels.

    Returns ``{"path": (B_used, pairs·paths), "index": (B_used, pairs·K)}``, pairs in
    ``combinations(fitted, 2)`` order; permutations where a group's fit fails are dropped.
    """
    mask = np.logical_or.reduce([masks[lab] for lab in fitted])
    k = len(fitted)
    g = np.zeros(int(mask.sum()), dtype=int)
    for i, lab in enumerate(fitted):
        g[masks[lab][mask]] = i
    blocks = block_size(g.size, run.blocks) > 1
    ctx = _pair_context(run, _subset(run.survey, mask), keep=not blocks, micom=False)
    pairs = list(combinations(range(k), 2))
    stats = partial(_joint_stats, ctx, k, np.array([a for a, _ in pairs]), np.array([b for _, b in pairs]))
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(run.seed, spawn_key=(len(labels), len(labels)))))
    if blocks:
        found.blocked.append("joint")
        out, ok = _block_rounds(ctx, g, run.permutations, run.blocks, rng, ctx.features,
                                partial(_joint_block_stats, ctx, k, stats), bar)
    else:
        out, ok = _joint_rows(ctx, g, k, run, rng, stats, bar)
    return {kind: a[ok] for kind, a in out.items()}


def _joint_rows(ctx: _Pair, g: np.ndarray, k: int, run: _Run, rng: np.random.Generator,
                stats: Callable[[BatchMoments, np.ndarray | None], tuple[dict[str, np.ndarray], np.ndarray]],
                bar: Reporter | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The joint shuffles of the respondents' labels ``g`` (n,), chunk by chunk."""
    it = ctx.items
    if it.Q is None and it.ints is None and n_products(it) <= JOINT_PRODUCTS:
        # every chunk reweights the same rows: form their cross-products once, not per chunk
        ctx = replace(ctx, items=replace(it, Q=np.ascontiguousarray(it.X0[:, it.iu[0]] * it.X0[:, it.iu[1]])))
    n = g.size
    step = max(1, min(run.chunk, JOINT_CELLS // max(1, k * n)))
    parts: list[dict[str, np.ndarray]] = []
    oks: list[np.ndarray] = []
    done = 0
    while done < run.permutations:
        b = min(step, run.permutations - done)
        G = np.empty((b, n), dtype=g.dtype)
        G[:] = g
        for r in range(b):  # in place: the same draws, and the same order, as g[rng.permutation(n)]
            rng.shuffle(G[r])
        # (k−1)·b × n: group 0's shuffles, then group 1's, …; the last group's moments by complement
        V = np.concatenate([(G == i) * ctx.v for i in range(k - 1)])
        fmean = None
        if ctx.features is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                fmean = _with_last(V @ ctx.features, ctx.v @ ctx.features, k) / _with_last(V.sum(axis=1), ctx.v.sum(), k)[:, None]
        st, ok = stats(_complement_moments(ctx.items, V, ctx.v, k), fmean)
        parts.append(st)
        oks.append(ok)
        done += b
        if bar is not None:
            bar.advance(b)
    return _collect(parts, oks)


def _joint_block_stats(ctx: _Pair, k: int, stats: Callable[[BatchMoments, np.ndarray | None], tuple[dict[str, np.ndarray], np.ndarray]],
                       u: _Units, M: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The joint shuffles' moments (and feature means) from the units selected by the masks ``M``
    of groups 0 … k − 2, the last group's by complement, then ``stats`` (:func:`_joint_stats`)."""
    tot, s1, s2, e = u.sums(M)
    pooled = u.pooled
    fmean = None
    if ctx.features is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            fmean = _with_last(e, pooled[3], k) / _with_last(tot, pooled[0], k)[:, None]
    return stats(_by_complement(ctx.items, tot, s1, s2, pooled[:3], k), fmean)


def _joint_stats(ctx: _Pair, k: int, ia: np.ndarray, ib: np.ndarray, m: BatchMoments,
                 fmean: np.ndarray | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Fit the ``k`` groups of ``b`` joint shuffles (moments group-major) and take every pair's differences."""
    b = m.S.shape[0] // k
    est = ctx.estimator.fit_moments(m.S)
    ok = (est.ok & est.converged & (m.fail == 0)).reshape(k, b).all(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = batch_index(ctx.indexer, est.weights, m.sd, m.mean, m.corr(), fmean, ctx.layout, *ctx.scale,
                            ctx.items.standardized)
    P = est.paths[:, ctx.src, ctx.tgt].reshape(k, b, -1)
    Ix = index.reshape(k, b, -1)
    return {"path": (P[ia] - P[ib]).transpose(1, 0, 2).reshape(b, -1),
            "index": (Ix[ia] - Ix[ib]).transpose(1, 0, 2).reshape(b, -1)}, ok


def _micom(run: _Run, rows: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The MICOM table (Holm over each step, verdicts), and its warnings and notes."""
    mic = pd.DataFrame(rows, columns=[c for c in MICOM_COLUMNS if not c.endswith("_adj") and c not in
                                      ("compositional", "equal_means", "equal_variances", "invariance")])
    for col in ("p_c", "p_mean", "p_var"):
        mic[f"{col}_adj"] = holm(mic[col].to_numpy(dtype=float))
    mic["compositional"] = ~(mic["p_c_adj"] < run.alpha)
    mic["equal_means"] = ~(mic["p_mean_adj"] < run.alpha)
    mic["equal_variances"] = ~(mic["p_var_adj"] < run.alpha)
    mic["invariance"] = np.where(~mic["compositional"], "none", np.where(mic["equal_means"] & mic["equal_variances"], "full", "partial"))
    mic = mic[MICOM_COLUMNS]
    warns, notes = [], []
    column = run.column
    for (ga, gb), grp in mic.groupby(["group_a", "group_b"], sort=False):
        bad = grp[grp.invariance == "none"]
        if len(bad):
            what = "; ".join(f"{r.construct} (c = {r.c:.4f}, adjusted p = {r.p_c_adj:.3g})" for r in bad.itertuples())
            warns.append(
                f"groups {column}={ga} and {column}={gb} are not comparable on {', '.join(bad.construct)}: no compositional "
                f"invariance (MICOM step 2: {what}); their paths and indices involving these constructs should not be compared"
            )
        part = grp[grp.invariance == "partial"]
        if len(part):
            notes.append(
                f"groups {column}={ga} and {column}={gb}: partial measurement invariance only for {', '.join(part.construct)} "
                "(composite means or variances differ, MICOM step 3): compare them group by group, do not pool them"
            )
    return mic, warns, notes


def _mga_note(run: _Run, n_fits: int, n_fitted: int) -> list[str]:
    if n_fits and n_fitted >= 2 and not run.boot:
        return ["PLS-MGA needs bootstrap draws of each group: pass --boot to add it" if n_fitted == 2 else
                "PLS-MGA compares two groups; with more, the permutation tests are the comparison"]
    if run.boot and n_fitted > 2:
        return ["PLS-MGA compares two groups; with more, the permutation tests are the comparison"]
    return []


def _resampling(run: _Run, blocked: list[str]) -> str:
    """The permutation rule applied, and the comparisons it permuted by blocks."""
    G = PERM_BLOCKS if run.blocks is None else run.blocks
    how = (f"blocks: each round of {PERM_ROUND} permutations shares one random partition of the pooled respondents into "
           f"blocks of floor(n / {G:,}) (each group's remainder kept as single respondents) and reassigns whole blocks, "
           "keeping group sizes")
    rule = ("rows whatever n (blocks=0)" if run.blocks == 0 else
            f"rows up to {PERM_BLOCK_ROWS:,} pooled respondents; above, {how}" if run.blocks is None else
            f"{how}, when blocks hold 2 or more (blocks={G})")
    if not blocked:
        return f"rows: every permutation shuffles the respondents' labels ({rule})"
    return f"blocks for {', '.join(blocked)} ({rule})"


def _settings(run: _Run, labels: list[str], fitted: list[str], used: dict[str, int], blocked: list[str]) -> dict[str, Any]:
    return {
        "column": run.column,
        "levels": labels,
        "fitted": fitted,
        "min_group_size": run.need,
        "min_group_size_rule": "max(30, 10 x the most arrows pointing at one construct)",
        "permutations": run.permutations,
        "permutations_used": used,
        "seed": run.seed,
        "rng": "numpy PCG64; pair (i, j) from SeedSequence(seed, spawn_key=(i, j)), permutations drawn in order",
        "p_value": "permutation: (1 + #{|d*| >= |d|}) / (1 + permutations used), two-sided"
                   + ("; paths and indices from joint shuffles of all fitted groups' labels" if len(fitted) > 2 else ""),
        "adjustment": f"{ADJUST}: Westfall-Young step-down maxT over all pairs x paths (and pairs x indices) of this column; "
                      "Holm for PLS-MGA and each MICOM step",
        "resampling": _resampling(run, blocked),
        "blocks": (PERM_BLOCKS if run.blocks is None else run.blocks) if blocked else None,
        "min_attainable_p": 1 / (1 + run.permutations),
        "alpha": run.alpha,
        "bootstrap": int(run.boot),
        "mga": "Henseler et al. (2009), as SEMinR estimate_pls_mga; two-sided p = 2 min(p, 1 - p)" if run.boot and len(fitted) == 2 else None,
        "micom": "Henseler, Ringle & Sarstedt (2016), as cSEM testMICOM: weights of each group applied to the pooled data",
    }


def _check(spec: ModelSpec, survey: SurveyData, column: str, permutations: int, alpha: float, min_size: int | None) -> int:
    """Check the options; the minimum group size."""
    if column not in survey.segments.columns:
        raise CsiError(f"--group {column}: not among the segment columns read ({', '.join(map(str, survey.segments.columns)) or 'none'})")
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) or permutations < 1:
        raise CsiError(f"--permutations should be a whole number of at least 1; got {permutations!r}")
    if not 0 < alpha < 1:
        raise CsiError(f"alpha should be between 0 and 1; got {alpha!r}")
    need = min_group_size(spec) if min_size is None else int(min_size)
    if need < 3:
        raise CsiError(f"--min-group-size should be at least 3; got {min_size!r}")
    return need


def _fit_groups(run: _Run, labels: list[str], masks: dict[str, np.ndarray], found: _Found) -> tuple[list[dict[str, Any]], dict[str, GroupFit]]:
    """Every level's sizes row and, for those large enough and estimable, its fit (and bootstrap)."""
    size_rows: list[dict[str, Any]] = []
    fits: dict[str, GroupFit] = {}
    for pos, lab in enumerate(labels):
        row, gfit, warns = _fit_group(run, pos, lab, masks[lab])
        size_rows.append(row)
        found.warns += warns
        if gfit is not None:
            fits[lab] = gfit
    found.warns += [f"group {run.column}={r['level']} was not fitted ({r['reason']})" for r in size_rows if not r["fitted"]]
    if len(fits) < 2:
        found.warns.append(f"--group {run.column}: {len(fits)} group(s) could be fitted ({len(labels)} level(s) found); a comparison needs two")
    return size_rows, fits


def compare_groups(
    spec: ModelSpec,
    survey: SurveyData,
    column: str,
    *,
    scheme: str = "path",
    standardize: bool = True,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    criterion: str = "abs",
    permutations: int = DEFAULT_PERMUTATIONS,
    boot: int = 0,
    seed: int = 1,
    ci: str = "percentile",
    level: float = 0.95,
    alpha: float = 0.05,
    min_size: int | None = None,
    chunk: int = DEFAULT_CHUNK,
    indexer: Indexer | None = None,
    runner: str | Runner | Executor | None = None,
    progress: bool = False,
    blocks: int | None = None,
) -> GroupComparison:
    """Fit the model per level of ``survey.segments[column]`` and compare every pair of groups.

    ``indexer`` is the index method of the group indices, their bootstrap and their permutation
    tests (default ``acsi``); ``runner`` runs the groups' bootstraps (see
    :func:`csi.inference.bootstrap.bootstrap_fit`); ``progress`` reports each group's bootstrap
    and the permutations (:mod:`csi._progress`).  ``blocks``: permute blocks of respondents
    (module notes): None automatic (G = ``PERM_BLOCKS`` above ``PERM_BLOCK_ROWS`` pooled
    respondents), 0 rows always, G > 0 blocks of ``⌊n / G⌋`` respondents.
    """
    need = _check(spec, survey, column, permutations, alpha, min_size)
    est = PLS(spec, scheme=scheme, standardize=standardize, tol=tol, max_iter=max_iter, criterion=criterion)
    run = _Run(spec, survey, column, est, int(permutations), boot, seed, ci, level, alpha, need, max(1, int(chunk)),
               configure(INDEXERS.get("acsi") if indexer is None else indexer, spec), runner, progress,
               None if blocks is None else check_count(blocks, "blocks", 0))
    labels, masks, n_missing = _levels(survey, column)
    found = _Found(notes=[f"{n_missing} respondent(s) with no value in {column} are in no group"] if n_missing else [])
    # one BLAS thread: the products are large but a second thread on a busy machine made them
    # 2.3x slower (4 x 7,500 respondents, 200 permutations: 53 s against 23 s; the groups' moments 0.25 s each)
    with threadpool_limits(limits=1, user_api="blas"):
        size_rows, fits = _fit_groups(run, labels, masks, found)
        fitted = [lab for lab in labels if lab in fits]
        pairs = list(combinations(fitted, 2))
        bar = Reporter(f"--group {column}: permutations", run.permutations * (len(pairs) + (len(fitted) > 2)), progress)
        try:
            for la, lb in pairs:
                _compare_pair(run, fits, labels, masks, la, lb, found, bar)
            joint = found.perm if len(fitted) == 2 else _joint_permutations(run, labels, masks, fitted, found, bar) if len(fitted) > 2 else {}
        finally:
            bar.close()
    paths, indices = _level_tables(run, fits)
    diffs, dwarns = _differences(run, found.drows, joint, len(fitted))
    mic, mwarns, mnotes = _micom(run, found.mrows)
    return GroupComparison(
        column=str(column),
        sizes=pd.DataFrame(size_rows, columns=["level", "n", "n_effective", "fitted", "reason"]),
        fits=fits, paths=paths, indices=indices, differences=diffs, micom=mic,
        settings={**_settings(run, labels, fitted, found.used, found.blocked),
                  **({"joint_permutations_used": len(joint["path"])} if len(fitted) > 2 else {})},
        warnings=tuple(found.warns + dwarns + mwarns),
        notes=tuple(found.notes + mnotes + _mga_note(run, len(fits), len(fitted))),
    )


def analyze_groups(spec: ModelSpec, survey: SurveyData, columns: tuple[str, ...] | list[str] | None = None, **kwargs: Any) -> GroupResults:
    """``compare_groups`` for every segment column (default: all of ``survey.segments``)."""
    cols = list(survey.segments.columns) if columns is None else list(columns)
    return GroupResults(tuple(compare_groups(spec, survey, c, **kwargs) for c in cols))


__all__ = ["GroupComparison", "GroupFit", "GroupResults", "analyze_groups", "compare_groups", "holm", "min_group_size", "pls_mga"]


def group_tables(results: GroupResults) -> dict[str, pd.DataFrame]:
    """Sheets for results.xlsx: each table of every comparison, stacked with a ``column`` column."""
    out: dict[str, pd.DataFrame] = {}
    for sheet, attr in (("group_sizes", "sizes"), ("group_paths", "paths"), ("group_indices", "indices"),
                        ("group_differences", "differences"), ("micom", "micom")):
        frames = [getattr(c, attr).assign(column=c.column) for c in results.comparisons if len(getattr(c, attr))]
        if frames:
            df = pd.concat(frames, ignore_index=True)
            out[sheet] = df[["column"] + [c for c in df.columns if c != "column"]]
    return out
