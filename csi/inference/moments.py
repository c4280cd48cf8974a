"""Batched item moments of reweighted samples: the one helper bootstrap and permutation tests share.

A bootstrap resample and a permutation group are both the full (or pooled) sample with case
weights ``V_bi``: resample counts ``c_bi`` (times survey weights ``vᵢ``), or a group's label
mask (times ``vᵢ``).  PLS depends on the data only through the item means and the matrix ``S``
(:mod:`csi.estimators.pls`), so the moments of ``B`` reweighted samples are two matrix products
with ``V``, mirroring :func:`csi.estimators.base.moments` on the reweighted rows::

    x̄_b = Σᵢ ṽ_bi xᵢ,   C_b = Σᵢ ṽ_bi (xᵢ − x̄)(xᵢ − x̄)' − (x̄_b − x̄)(x̄_b − x̄)',   ṽ_b = V_b / Σᵢ V_bi

(``x̄`` the full-sample mean: centring first keeps the products accurate).  ``S_b`` is the
correlation matrix of ``C_b`` (standardized fits) or ``C_b`` itself (unstandardized, divisor
``n`` as in plspm).  The item cross-products are kept as the upper triangle (``p(p+1)/2``
columns) up to ``Q_MAX_ROWS`` rows and formed slice by slice above, so memory stays bounded.

Integer items (rating scales, the usual case) take an exact single-precision path: with
``c = round(x̄)`` the offset items ``zᵢ = xᵢ − c`` and their products are small integers, and
so are the sums ``Σᵢ V_bi zᵢ`` and ``Σᵢ V_bi zᵢzᵢ'`` for integer case weights (resample
counts, 0/1 group masks) as long as ``max_b Σᵢ V_bi · max|z z'| < 2²⁴`` — float32 holds every
such integer exactly, so one float32 matrix product (about twice the speed of float64) gives
the exact sums, which are then moved to the centre ``x̄`` in float64 (``d = x̄ − c``)::

    Σ V(x − x̄) = Σ V z − t d,   Σ V(x − x̄)(x − x̄)' = Σ V zz' − (Σ V z) d' − d (Σ V z)' + t d d'

(``t = Σᵢ V_bi``).  Agrees with the float64 path to rounding (~1e-15 relative).  Other case
weights (survey weights, non-integer items) use float64.  Used by the permutation tests
(``CentredItems.of(..., exact=True)``); the bootstrap keeps the float64 path, whose draws the
tests compare with direct refits to 1e-10 (with the float32 path one mobi resample's pca-85
index moved by 1.57 in tests/derive/test_index_methods.py: a discrete component choice flipped).

A member fails — and its ``S`` is replaced by the identity so that it stays harmless inside the
batched core — when its total case weight is not positive (code 2) or an item is constant in
it (code 1: variance below ``CONST_REL_VAR`` of the full-sample variance; on a rating scale the
smallest non-zero variance of a resample is ~1/n of the full one).

Block permutations of many respondents (:mod:`csi.inference.groups`) sum the rows of each
block of a random partition once (:func:`block_sums`: weight, items, products and extra columns
side by side, one small product per block) and then select whole blocks.

Validated through its callers: every bootstrap draw equals a plain refit of the resampled rows
to 1e-10 (``tests/inference/test_bootstrap.py``); permutation-group statistics equal direct numpy
computations (``tests/inference/test_groups.py``); block sums equal a literal loop and block
statistics the rows of the same groups (``tests/inference/test_group_blocks.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from csi.stats.resample import CONST_REL_VAR, FAIL_CONSTANT, FAIL_NO_WEIGHT

Q_MAX_ROWS = 16_384  # up to this n the item cross-products are kept (n × p(p+1)/2)
INT_MAX_CELLS = 40_000_000  # integer items: the float32 offset items and products kept (n × (p + p(p+1)/2)), ≤ 160 MB
GROUP_SLICE = 256  # blocks whose sums grouped() forms at once (temporaries of ~10 MB at 200 rows a block)
FLOAT32_EXACT = 2**24  # every integer of magnitude up to this is exact in float32
BLOCK_SLICE = 128  # blocks whose sums block_sums forms at a time (temporaries of ~1 MB)


@dataclass(frozen=True)
class BatchMoments:
    """Moments of B reweighted samples: means and divisor-n variances (B, p), ``S`` (B, p, p), failure codes (B,)."""

    mean: np.ndarray
    var: np.ndarray
    S: np.ndarray
    fail: np.ndarray  # 0 usable, FAIL_CONSTANT, FAIL_NO_WEIGHT
    standardized: bool
    extra: np.ndarray | None = None  # (B, q) reweighted means of an index method's features, when it has any

    @property
    def sd(self) -> np.ndarray:
        return np.asarray(np.sqrt(self.var))

    def corr(self) -> np.ndarray:
        """The item correlation matrices (``S`` itself for standardized fits)."""
        if self.standardized:
            return self.S
        d = np.sqrt(self.var)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(self.S / (d[:, :, None] * d[:, None, :]))


@dataclass(frozen=True)
class CentredItems:
    """Items centred at the full-sample mean, with what reweighting them needs; read-only."""

    X0: np.ndarray  # (n, p) items centred at the full-sample mean
    xbar: np.ndarray  # (p,)
    Q: np.ndarray | None  # (n, p(p+1)/2) products xᵢxᵢ' of the centred items (upper triangle); None: on the fly
    iu: tuple[np.ndarray, np.ndarray]  # the upper triangle's (row, column) indices
    tri: np.ndarray  # (p*p,) column of Q holding each element of the full p × p matrix
    var_full: np.ndarray  # (p,) full-sample (weighted) divisor-n variances
    standardized: bool
    ints: tuple[np.ndarray, np.ndarray, float] | None = None  # integer items: float32 [z, zz'] (n, p + p(p+1)/2), d = x̄ − c, max|z z'|

    @classmethod
    def of(cls, X: np.ndarray, v: np.ndarray | None, standardized: bool, exact: bool = False, keep: bool = True) -> CentredItems:
        """From the items (n, p) and optional survey weights (n,); ``exact``: prepare the exact
        float32 path for integer items (the permutation tests; the bootstrap keeps float64);
        ``keep=False``: neither path's per-row products (a caller that sums a few rows only)."""
        n, p = X.shape
        xbar = X.mean(axis=0) if v is None else (v / v.sum()) @ X
        X0 = X - xbar
        iu = np.triu_indices(p)
        ints = _integer_items(X, xbar, iu) if exact and keep and v is None else None  # survey weights: case weights never integers
        # symmetric: half; not needed beside the exact float32 path (other case weights form them on the fly)
        Q = np.ascontiguousarray(X0[:, iu[0]] * X0[:, iu[1]]) if keep and n <= Q_MAX_ROWS and ints is None else None
        tri = np.empty((p, p), dtype=int)
        tri[iu] = tri[iu[1], iu[0]] = np.arange(len(iu[0]))
        vn = np.full(n, 1.0 / n) if v is None else v / v.sum()
        return cls(X0, xbar, Q, iu, tri.ravel(), vn @ (X0**2), standardized, ints)

    @property
    def n(self) -> int:
        return int(self.X0.shape[0])

    def products(self, a: int, b: int) -> np.ndarray:
        """Rows a:b of the item cross-products (kept, or computed now for large n)."""
        if self.Q is not None:
            return self.Q[a:b]
        X = self.X0[a:b]
        return X[:, self.iu[0]] * X[:, self.iu[1]]

    def sums(self, V: np.ndarray, integer: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Σᵢ Vᵦᵢ xᵢ and Σᵢ Vᵦᵢ xᵢxᵢ' (upper triangle) of the centred items, for case weights V (B, n).

        ``integer``: True when the caller knows V holds non-negative integers (resample counts,
        0/1 masks), False to use float64; None checks V (one pass over it).
        """
        if self.ints is not None and integer is not False:
            exact = self._exact_sums(V, check=integer is None)
            if exact is not None:
                return exact
        if self.Q is not None:
            return V @ self.X0, V @ self.Q
        s1 = np.zeros((V.shape[0], self.X0.shape[1]))
        s2 = np.zeros((V.shape[0], len(self.iu[0])))
        for a in range(0, self.n, Q_MAX_ROWS // 2):
            b = min(self.n, a + Q_MAX_ROWS // 2)
            s1 += V[:, a:b] @ self.X0[a:b]
            s2 += V[:, a:b] @ self.products(a, b)
        return s1, s2

    def _exact_sums(self, V: np.ndarray, check: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
        """The sums by the exact float32 path (module docstring), or None when V does not qualify
        (``check``: verify that V holds non-negative integers)."""
        assert self.ints is not None
        ZQ, d, zmax = self.ints
        if V.size == 0 or (check and (V.min() < 0 or not np.array_equal(V, np.round(V)))):
            return None
        tot = V.sum(axis=1)
        if tot.max() * zmax >= FLOAT32_EXACT:
            return None
        S = (V.astype(np.float32) @ ZQ).astype(np.float64)
        p = d.size
        s1z, s2z = S[:, :p], S[:, p:]
        i, j = self.iu
        s1 = s1z - tot[:, None] * d
        s2 = s2z - s1z[:, i] * d[j] - d[i] * s1z[:, j] + tot[:, None] * (d[i] * d[j])
        return s1, s2

    def reweighted(self, V: np.ndarray) -> BatchMoments:
        """Moments of the samples with case weights V (B, n)."""
        s1, s2 = self.sums(V)
        return self.from_sums(V.sum(axis=1), s1, s2)

    def from_sums(self, total: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> BatchMoments:
        """Moments from total case weights (B,) and the sums of :meth:`sums`."""
        with np.errstate(invalid="ignore", divide="ignore"):
            inv = 1.0 / total[:, None]
            return self.finish(total, s1 * inv, s2 * inv)

    def finish(self, total: np.ndarray, m0: np.ndarray, m2: np.ndarray) -> BatchMoments:
        """From weighted means m0 (B, p) and second moments m2 (B, p(p+1)/2) of the centred items."""
        B = m0.shape[0]
        p = self.X0.shape[1]
        fail = np.zeros(B, dtype=int)
        fail[~(total > 0)] = FAIL_NO_WEIGHT
        cov = np.take(m2, self.tri, axis=1).reshape(B, p, p)
        cov -= m0[:, :, None] * m0[:, None, :]
        var = np.diagonal(cov, axis1=1, axis2=2).copy()
        const = ~(var > CONST_REL_VAR * self.var_full).all(axis=1)
        fail[(fail == 0) & const] = FAIL_CONSTANT
        if self.standardized:
            with np.errstate(invalid="ignore", divide="ignore"):
                r = 1.0 / np.sqrt(np.where(var > 0, var, np.nan))
                S = cov * r[:, :, None]
                S *= r[:, None, :]
        else:
            S = cov
        if fail.any():
            # keep failed members finite and harmless inside the batched core
            S[fail > 0] = np.eye(p)
        return BatchMoments(m0 + self.xbar, var, S, fail, self.standardized)


def _integer_items(X: np.ndarray, xbar: np.ndarray, iu: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, float] | None:
    """Float32 offset items ``z = x − round(x̄)`` and their products, when X is integer-valued (else None)."""
    n, p = X.shape
    if n == 0 or n * (p + len(iu[0])) > INT_MAX_CELLS or not np.isfinite(X).all() or not np.array_equal(X, np.round(X)):
        return None
    c = np.round(xbar)
    Z = np.ascontiguousarray(X - c, dtype=np.float32)  # small integers: exact
    zmax = float(np.abs(Z).max()) ** 2
    if n * max(zmax, 1.0) >= FLOAT32_EXACT:
        return None
    ZQ = np.empty((n, p + len(iu[0])), dtype=np.float32)
    ZQ[:, :p] = Z
    np.multiply(Z[:, iu[0]], Z[:, iu[1]], out=ZQ[:, p:])  # products up to zmax < 2**24: exact
    return ZQ, xbar - c, max(zmax, 1.0)


def counts(indices: np.ndarray, n: int) -> np.ndarray:
    """Case weights (B, n): how often each row appears in each resample's row indices (B, n)."""
    B = indices.shape[0]
    flat = (indices + (np.arange(B) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=B * n).reshape(B, n).astype(float)


def grouped(X: np.ndarray, v: np.ndarray | None, standardized: bool, blocks: int,
            rng: np.random.Generator) -> tuple[CentredItems, np.ndarray]:
    """Respondents randomly partitioned into ``blocks`` groups of sufficient statistics.

    Row ``perm[j]`` (``perm`` a random permutation) joins block ``j mod G``, so block sizes differ
    by at most one.  Block ``g`` keeps its total case weight ``W_g = Σ_{i∈g} vᵢ``, the weighted
    mean of the centred items ``Σ vᵢ(xᵢ − x̄)/W_g`` and the weighted mean of their cross-products
    ``Σ vᵢ(xᵢ − x̄)(xᵢ − x̄)'/W_g`` (not the product of the means).  Returned as
    :class:`CentredItems` whose rows are the blocks, with the block weights ``W`` to use as
    case weights: any reweighting ``c_g`` of blocks then has exactly the moments of the
    respondents reweighted by ``c_g`` block by block, so a bootstrap or jackknife of blocks
    runs through the unchanged machinery at a cost of G (not n) rows.
    """
    n, p = X.shape
    G = int(min(blocks, n))
    vv = np.ones(n) if v is None else np.asarray(v, dtype=float)
    xbar = (vv / vv.sum()) @ X
    iu = np.triu_indices(p)
    perm = rng.permutation(n)
    size = -(-n // G)
    # block g holds rows perm[g], perm[g + G], perm[g + 2G], …: column g of the permutation laid
    # out G to a row (the last row padded with -1, a row of weight 0)
    order = np.concatenate([perm, np.full(G * size - n, -1)]).reshape(size, G).T
    s1 = np.empty((G, p))
    s2 = np.empty((G, len(iu[0])))
    W = np.empty(G)
    for a in range(0, G, GROUP_SLICE):
        # each block's sums are one product Zᵀ diag(v) Z of its rows Z = [1, x − x̄] (n·p² in
        # all, in BLAS; a pass per slice of rows with the n × p(p+1)/2 products formed was 20× slower)
        rows = order[a:a + GROUP_SLICE]
        Z = np.empty((*rows.shape, p + 1))
        Z[..., 0] = 1.0
        np.subtract(X[rows], xbar, out=Z[..., 1:])
        vz = np.where(rows >= 0, vv[rows], 0.0)
        M = np.matmul((Z * vz[..., None]).transpose(0, 2, 1), Z)
        W[a:a + GROUP_SLICE] = M[:, 0, 0]
        s1[a:a + GROUP_SLICE] = M[:, 0, 1:]
        s2[a:a + GROUP_SLICE] = M[:, 1 + iu[0], 1 + iu[1]]
    tri = np.empty((p, p), dtype=int)
    tri[iu] = tri[iu[1], iu[0]] = np.arange(len(iu[0]))
    m0, m2 = s1 / W[:, None], s2 / W[:, None]
    var_full = (W / W.sum()) @ m2[:, np.flatnonzero(iu[0] == iu[1])]
    return CentredItems(m0, xbar, np.ascontiguousarray(m2), iu, tri.ravel(), var_full, standardized), W


def unit_table(items: CentredItems, extra: np.ndarray | None = None) -> np.ndarray:
    """Per row ``[1, xᵢ − x̄, eᵢ]`` (n, 1 + p + q): the columns :func:`block_sums` sums."""
    n = items.X0.shape[0]
    return np.concatenate([np.ones((n, 1)), items.X0] + ([] if extra is None else [extra]), axis=1)


def block_sums(items: CentredItems, v: np.ndarray, idx: np.ndarray, extra: np.ndarray | None = None,
               table: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """Sums over blocks of rows, side by side: ``idx`` (U, s) holds block u's row numbers in its row ``u``.

    Row ``u`` of the result (U, 1 + p + p(p+1)/2 + q) holds, over ``i ∈ u``: ``W_u = Σ vᵢ``,
    ``Σ vᵢ(xᵢ − x̄)``, ``Σ vᵢ(xᵢ − x̄)(xᵢ − x̄)'`` (upper triangle, as :meth:`CentredItems.sums`)
    and ``Σ vᵢ eᵢ`` of the ``extra`` columns (n, q), from the centred items of ``items``.  All of
    them are one (p + 1) × s by s × (1 + p + q) product per block, ``Σ vᵢ zᵢ[1, xᵢ − x̄, eᵢ]`` with
    ``zᵢ = [1, xᵢ − x̄]``, so a partition costs n·p² whatever the number of blocks; used by the
    block permutations of :mod:`csi.inference.groups` (a new partition every round).  ``table``:
    :func:`unit_table` formed once (then ``extra`` is not used); ``out``: where to write.
    """
    R0 = unit_table(items, extra) if table is None else table
    p, c = items.X0.shape[1], R0.shape[1]
    # row 0 of a block's product: Σv, Σv(x − x̄), Σv e; rows 1…p, columns 1…p: Σv(x − x̄)(x − x̄)'
    take = np.concatenate([np.arange(p + 1), (items.iu[0] + 1) * c + items.iu[1] + 1, np.arange(p + 1, c)])
    U = idx.shape[0]
    out = np.empty((U, take.size)) if out is None else out
    for a in range(0, U, BLOCK_SLICE):  # slices: small temporaries, reused rather than freshly mapped (3x faster)
        R = R0[idx[a:a + BLOCK_SLICE]]  # (u, s, 1 + p + q)
        Rw = R[:, :, :p + 1] * v[idx[a:a + BLOCK_SLICE]][:, :, None]
        M = np.matmul(Rw.transpose(0, 2, 1), R)  # (u, p + 1, 1 + p + q)
        out[a:a + BLOCK_SLICE] = M.reshape(M.shape[0], (p + 1) * c)[:, take]
    return out


def direct_sums(items: CentredItems, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`CentredItems.sums` for a few rows of case weights V (B, n) when no products are
    kept: ``Σᵢ Vᵦᵢ xᵢxᵢ'`` as one (p × n) by (n × p) product per row instead of forming the n
    products (the observed groups of a block-permuted pair)."""
    X0 = items.X0
    s2 = np.stack([(X0 * Vb[:, None]).T @ X0 for Vb in V]) if len(V) else np.zeros((0, X0.shape[1], X0.shape[1]))
    return V @ X0, s2[:, items.iu[0], items.iu[1]]
