"""What every estimator shares: the model as index arrays, moments, batched results.

* :class:`Layout` describes a model to the numeric core (construct of each item, membership
  matrix, adjacency, predecessors, blocks); the batched kernels of :mod:`csi.stats` take its
  arrays, never the specification.
* :func:`moments` gives the item means, SDs and the matrix ``S`` a fit runs on (B = 1); the
  bootstrap and permutation tests build the same moments for B resamples at once
  (:mod:`csi.inference.moments`).
* :class:`BatchEstimate` holds the raw arrays of B fits (leading axis B).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from csi.model.spec import ModelSpec
from csi.registry import Registry
from csi.stats.products import cross_products


@dataclass(frozen=True)
class Layout:
    """Index arrays that describe a model to the numeric core."""

    codes: tuple[str, ...]
    items: tuple[str, ...]
    block: np.ndarray  # (p,) construct index of each item
    member: np.ndarray  # (p, K) 1 where item belongs to construct
    modes: tuple[str, ...]
    adj: np.ndarray  # (K, K) adj[i, j] = 1 for a path i -> j
    preds: tuple[np.ndarray, ...]  # predecessor indices of each construct
    blocks: tuple[np.ndarray, ...]  # item indices of each construct

    @classmethod
    def from_spec(cls, spec: ModelSpec) -> Layout:
        return _layout(spec)

    @classmethod
    def build(cls, spec: ModelSpec) -> Layout:
        codes = spec.codes
        items = spec.items
        kidx = {c: k for k, c in enumerate(codes)}
        block = np.array([kidx[spec.item_construct()[i]] for i in items])
        member = np.zeros((len(items), len(codes)))
        member[np.arange(len(items)), block] = 1.0
        adj = np.zeros((len(codes), len(codes)))
        for p in spec.paths:
            adj[kidx[p.source], kidx[p.target]] = 1.0
        preds = tuple(np.flatnonzero(adj[:, k]) for k in range(len(codes)))
        blocks = tuple(np.flatnonzero(block == k) for k in range(len(codes)))
        return cls(codes, items, block, member, tuple(c.mode for c in spec.constructs), adj, preds, blocks)

    @property
    def p(self) -> int:
        return len(self.items)

    # derived index arrays the iterations read every time (computed once per layout)
    @functools.cached_property
    def sym(self) -> np.ndarray:
        """(K, K) 1 where constructs are adjacent in either direction."""
        return self.adj + self.adj.T


    @property
    def k(self) -> int:
        return len(self.codes)


@functools.lru_cache(maxsize=64)
def _layout(spec: ModelSpec) -> Layout:
    """One Layout per model (a fit builds several): its arrays are never written to."""
    L = Layout.build(spec)
    for a in (L.block, L.member, L.adj, *L.preds, *L.blocks):
        a.flags.writeable = False
    return L


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve of A x = b (A: (B, m, m), b: (B, m)); singular systems give NaN."""
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for i in range(A.shape[0]):
            try:
                out[i] = np.linalg.solve(A[i], b[i])
            except np.linalg.LinAlgError:
                pass
        return out


@dataclass(frozen=True)
class BatchEstimate:
    """Raw arrays of a batch of fits (leading dimension B)."""

    weights: np.ndarray  # (B, p), scaled so scores have unit variance
    loadings: np.ndarray  # (B, p) cor(item, own construct)
    cross: np.ndarray  # (B, p, K) cor(item, construct)
    R: np.ndarray  # (B, K, K) construct correlations
    paths: np.ndarray  # (B, K, K) path coefficient i -> j
    r2: np.ndarray  # (B, K), NaN for exogenous constructs
    iterations: np.ndarray  # (B,)
    converged: np.ndarray  # (B,) bool
    ok: np.ndarray  # (B,) bool: finite results


@dataclass(frozen=True)
class Moments:
    """Weighted moments of the items: means, SDs (n−1 unless weighted) and the matrix S."""

    mean: np.ndarray
    sd: np.ndarray
    S: np.ndarray
    standardized: bool


def moments(X: np.ndarray, standardize: bool = True, weights: np.ndarray | None = None) -> Moments:
    """Means, SDs and the covariance matrix the algorithm runs on.

    Standardized (default): ``S`` is the correlation matrix and SDs use ``n − 1``.
    Unstandardized (plspm ``scaled = FALSE``): ``S`` is the covariance of the centred items with
    divisor ``n``, as in plspm, so raw-unit weights give scores of unit (population) variance.
    With survey weights ``v`` (normalized to sum 1): means ``Σ vᵢxᵢ``, covariances
    ``Σ vᵢ(xᵢ − x̄)(xᵢ − x̄)' · n_e/(n_e − 1)`` for the standardized case, where ``n_e`` is
    ``(Σv)²/Σv²``; this equals the unweighted estimate when all weights are equal, and the
    estimate on rows repeated ``vᵢ`` times up to the divisor, which cancels in correlations.
    """
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    if weights is None:
        mean = X.mean(axis=0)
        cov_n = cross_products(X, mean)[0] / n  # in chunks: no n × p centred copy of a national survey
        sd = np.sqrt(np.diag(cov_n) * n / max(n - 1, 1))
    else:
        v = np.asarray(weights, dtype=float)
        v = v / v.sum()
        mean = v @ X
        cov_n = cross_products(X, mean, v)[0]
        ne = 1.0 / np.sum(v**2)
        sd = np.sqrt(np.diag(cov_n) * ne / max(ne - 1, 1))
    if standardize:
        d = np.sqrt(np.diag(cov_n))
        with np.errstate(invalid="ignore", divide="ignore"):
            S = cov_n / np.outer(d, d)
    else:
        S = cov_n
    return Moments(mean, sd, S, standardize)


def _corr(S: np.ndarray) -> np.ndarray:
    d = np.sqrt(np.diag(S))
    return S / np.outer(d, d)


class BatchEstimator(Protocol):
    """An estimator whose every step depends on the data only through moment matrices.

    ``fit_moments(S)`` fits one (p, p) or a batch (B, p, p) of item correlation/covariance
    matrices; the full sample is B = 1, and the bootstrap and the permutation tests fit their
    resamples through the same method, so one formula serves all of them.
    """

    key: str
    layout: Layout

    def fit_moments(self, S: np.ndarray) -> BatchEstimate: ...


#: Estimator classes by key (``pls``; ``cbsem`` is fitted beside PLS by ``--method cbsem|both``).
#: A PLS-family class has ``from_options(spec, PLSOptions)`` returning a :class:`BatchEstimator`
#: with ``fit(items, weights)``.  Registered by name: their modules import this one.
ESTIMATORS: Registry[Any] = Registry("estimator")
ESTIMATORS.register_lazy("pls", "csi.estimators.pls:PLS")
ESTIMATORS.register_lazy("cbsem", "csi.estimators.cbsem:CBSEM")
ESTIMATORS.register_lazy("plsc", "csi.estimators.plsc:PLSc")
