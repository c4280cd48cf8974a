"""PLS path modelling (Lohmöller's algorithm) on the indicator covariance matrix.

Every step of the algorithm for composites in modes A and B depends on the data only
through the covariance matrix ``S`` of the indicators used (the correlation matrix by
default), because scores are linear in the items:

* scores ``Y = X W`` have covariance ``W'SW``; weights are scaled so that ``diag(W'SW) = 1``;
* inner proxies ``Z = Y E`` with ``E`` from the inner scheme, so ``cov(X, Z) = S W E``;
* mode A: ``w_k ∝ cov(X_k, Z_k)``; mode B: ``w_k ∝ S_kk⁻¹ cov(X_k, Z_k)``;
* stop when ``Σ|w_new − w_old| < tol`` (SEMinR's criterion, default 1e-7, 300 iterations).

Inner schemes (``E[i, j]`` is the weight of construct ``i`` in the proxy of ``j``):

* ``centroid``: ``sign(r_ij)`` for adjacent constructs;
* ``factorial``: ``r_ij`` for adjacent constructs;
* ``path`` (Lohmöller; SmartPLS, SEMinR, cSEM): the coefficients of the regression of ``j`` on its
  predecessors for predecessors ``i``, and ``r_ij`` for successors ``i``.

Working on ``S`` makes a fit cost independent of ``n`` and lets :func:`estimate` run a whole
batch of covariance matrices (bootstrap resamples, permutations) at once as ``(B, p, p)``
arrays.  Each batch member iterates until its own convergence, so a member's result does not
depend on which batch it was in.

Sign orientation: after convergence every construct is oriented so that the sum of its
items' loadings is positive (the construct points the way most of its items point).

Validated against SEMinR 2.3.1 (ECSI model on ``mobi``, path scheme, standardized data) to
1e-6 and against R plspm 0.4 (``satisfaction`` data, ``scaled = FALSE``, centroid scheme);
see ``tests/reference/test_pls_reference.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csi.errors import EstimationError
from csi.estimators.base import (
    BatchEstimate,
    Layout,
    Moments,
    _corr,
    _solve,
    moments,
)
from csi.model.spec import ModelSpec
from csi.options import DEFAULT_MAX_ITER, DEFAULT_TOL, PLSOptions
from csi.stats.effects import indirect_effects, total_effects
from csi.stats.products import one_blas_thread


# ---------------------------------------------------------------------------------------
# Numeric core (batched)
# ---------------------------------------------------------------------------------------
def _item_score_cov(S: np.ndarray, w: np.ndarray, L: Layout) -> np.ndarray:
    """cov(X, Y) = S W (B, p, K) for weights ``w`` (B, p), W = w ∘ member.

    (B small products: numpy's stacked matmul beats one (B·p, p) × (p, K) product here.)
    """
    return S @ (w[:, :, None] * L.member)


def _score_cov(SW: np.ndarray, w: np.ndarray, L: Layout) -> np.ndarray:
    """cov(Y) = W' S W (B, K, K) from ``SW`` = S W: row ``k`` sums ``w_i (SW)[i, :]`` over the items of ``k``."""
    return np.matmul((w[:, :, None] * L.member).transpose(0, 2, 1), SW)


def _scaled(w: np.ndarray, SW: np.ndarray, L: Layout) -> tuple[np.ndarray, np.ndarray]:
    """``w`` scaled to unit score variances (var_k = Σ_{i∈k} w_i (SW)[i, k]) and S W rescaled with it."""
    own = SW[:, np.arange(L.p), L.block]  # (B, p): cov(item, own construct)
    var = (w * own) @ L.member  # (B, K)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = 1.0 / np.sqrt(var)
    return w * f[:, L.block], SW * f[:, None, :]


def _inner_weights(R: np.ndarray, L: Layout, scheme: str) -> np.ndarray:
    """Inner weights E (B, K, K) from construct correlations R for the chosen scheme."""
    if scheme == "centroid":
        return np.sign(R) * L.sym
    E = R * L.sym
    if scheme == "path":
        for j, pr in enumerate(L.preds):
            if len(pr) == 1:  # a one-predecessor regression is a division (what the solver does)
                i = int(pr[0])
                with np.errstate(invalid="ignore", divide="ignore"):
                    E[:, i, j] = R[:, i, j] / R[:, i, i]
            elif len(pr):
                E[:, pr, j] = _solve(R[:, pr[:, None], pr], R[:, pr, j])
    return E


def estimate(
    S: np.ndarray,
    layout: Layout,
    scheme: str = "path",
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    criterion: str = "abs",
) -> BatchEstimate:
    """Run PLS on one covariance matrix (p, p) or a batch (B, p, p).

    ``criterion="plspm"`` reproduces R plspm's stopping rule exactly: it compares the
    unscaled weights ``cov(X, Z)`` of consecutive iterations by ``Σ(|w_old| − |w_new|)²``
    and counts the first update as iteration 1 (plspm stops at ``maxiter`` as well).

    The members still iterating are kept packed (``Sa``, ``wa``, ``SWa``) and the pack shrinks
    when some converge, so a member's arithmetic never depends on the others in its batch.
    """
    S = np.asarray(S, dtype=float)
    if S.ndim == 2:
        S = S[None]
    L = layout
    B, p = S.shape[0], L.p
    w, SW = _scaled(np.ones((B, p)), _item_score_cov(S, np.ones((B, p)), L), L)
    raw_prev = w.copy()
    iterations = np.zeros(B, dtype=int)
    converged = np.zeros(B, dtype=bool)
    modeb = [k for k, m in enumerate(L.modes) if m == "B" and len(L.blocks[k]) > 1]
    idx, Sa, wa, SWa, rawa = np.arange(B), S, w.copy(), SW, raw_prev
    for _ in range(max_iter):
        if idx.size == 0:
            break
        E = _inner_weights(_score_cov(SWa, wa, L), L, scheme)
        C = np.einsum("bik,bki->bi", SWa, E[:, :, L.block])  # cov(item i, inner proxy of its construct)
        for k in modeb:
            b = L.blocks[k]
            C[:, b] = _solve(Sa[:, b[:, None], b], C[:, b])
        new, SWn = _scaled(C, _item_score_cov(Sa, C, L), L)
        if criterion == "plspm":
            diff = ((np.abs(rawa) - np.abs(C)) ** 2).sum(axis=1)
            rawa = C
        else:
            diff = np.abs(new - wa).sum(axis=1)
        wa, SWa = new, SWn
        iterations[idx] += 1
        done = ~(diff >= tol)  # NaN counts as done (it is flagged as not ok below)
        if done.any():
            w[idx[done]] = wa[done]
            converged[idx[done]] = True
            keep = ~done
            idx, Sa, wa, SWa, rawa = idx[keep], Sa[keep], wa[keep], SWa[keep], rawa[keep]
    w[idx] = wa  # members stopped by max_iter: their last iteration
    return _finish(S, w, L, iterations, converged)


def _finish(S: np.ndarray, w: np.ndarray, L: Layout, iterations: np.ndarray, converged: np.ndarray) -> BatchEstimate:
    B, p = w.shape
    rows = np.arange(p)
    SW = _item_score_cov(S, w, L)
    sd = np.sqrt(np.diagonal(S, axis1=1, axis2=2))  # (B, p)
    with np.errstate(invalid="ignore", divide="ignore"):
        cross = SW / sd[:, :, None]
    # orient: the sum of each construct's own loadings is positive
    own = cross[:, rows, L.block]
    sums = own @ L.member  # (B, K)
    sign = np.where(sums < 0, -1.0, 1.0)
    w = w * sign[:, L.block]
    cross = cross * sign[:, None, :]
    R = _score_cov(_item_score_cov(S, w, L), w, L)
    K = L.k
    paths = np.zeros((B, K, K))
    r2 = np.full((B, K), np.nan)
    for j, pr in enumerate(L.preds):
        if len(pr):
            beta = _solve(R[:, pr[:, None], pr], R[:, pr, j])
            paths[:, pr, j] = beta
            r2[:, j] = np.einsum("bi,bi->b", beta, R[:, pr, j])
    loadings = cross[:, rows, L.block]
    ok = np.isfinite(w).all(axis=1) & np.isfinite(paths).all(axis=(1, 2))
    return BatchEstimate(w, loadings, cross, R, paths, r2, iterations, converged, ok)


# ---------------------------------------------------------------------------------------
# Data preparation
# ---------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PLSResults:
    """A PLS fit with labelled pandas objects.

    ``weights``/``loadings`` are indexed by (construct, item); ``paths`` by (source, target);
    ``r2``/``r2_adj`` by construct; ``scores`` has one column per construct;
    ``cross_loadings`` is items × constructs; ``construct_corr`` constructs × constructs.
    """

    spec: ModelSpec
    scheme: str
    standardized: bool
    n_obs: int
    weights: pd.Series
    loadings: pd.Series
    cross_loadings: pd.DataFrame
    paths: pd.Series
    path_matrix: pd.DataFrame
    r2: pd.Series
    r2_adj: pd.Series
    construct_corr: pd.DataFrame
    scores: pd.DataFrame
    item_means: pd.Series
    item_sds: pd.Series
    item_corr: pd.DataFrame
    iterations: int
    converged: bool
    tol: float
    max_iter: int
    criterion: str
    n_effective: float
    case_weights: np.ndarray | None = field(default=None, repr=False)
    raw: BatchEstimate | None = field(default=None, repr=False)

    def path_list(self) -> list[tuple[str, str, float]]:
        """(source, target, estimate) in the model's path order."""
        return [(p.source, p.target, float(self.paths[(p.source, p.target)])) for p in self.spec.paths]

    @property
    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects: total = (I − B)⁻¹ − I for path matrix B (:mod:`csi.stats.effects`)."""
        B = self.path_matrix.to_numpy()
        total = total_effects(B)
        indirect = indirect_effects(total, B)
        K = B.shape[0]
        rows = []
        codes = self.spec.codes
        for i in range(K):
            for j in range(K):
                if i != j and abs(total[i, j]) > 0 or B[i, j] != 0:
                    rows.append((codes[i], codes[j], B[i, j], indirect[i, j], total[i, j]))
        return pd.DataFrame(rows, columns=["from", "to", "direct", "indirect", "total"])

    @property
    def total_effects(self) -> pd.DataFrame:
        """Total effects (I − B)⁻¹ − I, constructs × constructs (row: from, column: to)."""
        total = total_effects(self.path_matrix.to_numpy())
        return pd.DataFrame(total, index=self.spec.codes, columns=self.spec.codes)

    def summary(self) -> str:
        lines = [f"PLS fit of {self.spec.name} ({self.scheme} scheme), n = {self.n_obs}, "
                 f"{self.iterations} iterations{'' if self.converged else ' (NOT converged)'}"]
        lines.append(self.paths.to_frame("estimate").to_string())
        lines.append(self.r2.dropna().to_frame("R²").to_string())
        return "\n".join(lines)


class PLS:
    """PLS path modelling estimator: ``PLS(spec, scheme="path").fit(data)``.

    ``data`` is a DataFrame with one numeric column per item (complete cases: missing-data
    policy is applied before, in :mod:`csi.data`).  ``weights`` are optional survey weights.
    """

    def __init__(
        self,
        spec: ModelSpec,
        scheme: str = "path",
        standardize: bool = True,
        tol: float = DEFAULT_TOL,
        max_iter: int = DEFAULT_MAX_ITER,
        criterion: str = "abs",
    ) -> None:
        self.spec = spec
        self.options = PLSOptions(scheme, standardize, tol, max_iter, criterion)  # the one range check
        self.criterion, self.scheme = self.options.criterion, self.options.scheme
        self.standardize, self.tol, self.max_iter = self.options.standardize, self.options.tol, self.options.max_iter
        self.layout = Layout.from_spec(spec)

    key = "pls"

    @classmethod
    def from_options(cls, spec: ModelSpec, options: PLSOptions) -> PLS:
        return cls(spec, options.scheme, options.standardize, options.tol, options.max_iter, options.criterion)

    @classmethod
    def of(cls, res: PLSResults) -> PLS:
        """The estimator that produced ``res`` (same settings): what its resamples are fitted with."""
        return cls(res.spec, res.scheme, res.standardized, res.tol, res.max_iter, res.criterion)

    def fit_moments(self, S: np.ndarray) -> BatchEstimate:
        """The batched core on moment matrices ``S`` (p, p) or (B, p, p): the full sample (B = 1),
        bootstrap resamples and permutations all go through this one method."""
        return estimate(S, self.layout, self.scheme, self.tol, self.max_iter, self.criterion)

    def fit(self, data: pd.DataFrame, weights: np.ndarray | None = None) -> PLSResults:
        spec, L = self.spec, self.layout
        missing = [i for i in L.items if i not in data.columns]
        if missing:
            raise EstimationError(f"the data have no column for item(s) {', '.join(missing)}")
        X = data.loc[:, list(L.items)].to_numpy(dtype=float)
        # NaN propagates through min and max, and ±inf are the extremes: all values are finite iff
        # both are (two passes without an n × p mask)
        if X.size and not (np.isfinite(X.min()) and np.isfinite(X.max())):
            raise EstimationError("the items contain missing values; apply a missing-data policy first")
        n = X.shape[0]
        if weights is not None:
            weights = np.asarray(weights, dtype=float)
            if weights.shape != (n,) or not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
                raise EstimationError("survey weights should be one finite non-negative number per respondent, not all zero")
        with one_blas_thread(n):
            m = moments(X, self.standardize, weights)
        const = [L.items[i] for i in np.flatnonzero(~(m.sd > 0))]
        if const:
            raise EstimationError(f"item(s) {', '.join(const)} have no variance (constant); PLS cannot weight them")
        for k, b in enumerate(L.blocks):
            if L.modes[k] == "B" and len(b) > 1 and np.linalg.matrix_rank(m.S[np.ix_(b, b)]) < len(b):
                raise EstimationError(f"construct {L.codes[k]} (mode B): its items are perfectly collinear")
        est = self.fit_moments(m.S)
        if not est.ok[0]:
            raise EstimationError(f"PLS estimation of {spec.name} produced non-finite results (a singular block or structural regression)")
        return self._results(X, m, est, weights)

    def _results(self, X: np.ndarray, m: Moments, est: BatchEstimate, weights: np.ndarray | None) -> PLSResults:
        spec, L = self.spec, self.layout
        n = X.shape[0]
        lab = spec_labels(spec)
        codes, items = lab.codes, lab.items
        idx, pidx, src, tgt = lab.construct_item, lab.paths, lab.src, lab.tgt
        w = est.weights[0]
        # scores: the items as the algorithm saw them times the weights
        # standardized: items scaled by their SD (n − 1), so scores have unit sample variance.
        # Computed as X·(W/sd) − (x̄/sd)·W: one pass over X instead of building (X − x̄)/sd (n × p).
        scores = pd.DataFrame(_scores(X, w / m.sd if m.standardized else w, m.mean, L), columns=codes, copy=False)
        pm = pd.DataFrame(est.paths[0], index=codes, columns=codes)
        paths = pd.Series(est.paths[0][src, tgt], index=pidx, name="estimate")  # one gather, not a lookup per path
        r2 = pd.Series(est.r2[0], index=codes, name="r2")
        ne = n if weights is None else float(weights.sum() ** 2 / np.sum(weights**2))
        kpred = np.array([len(pr) for pr in L.preds], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            adj = 1 - (1 - est.r2[0]) * (ne - 1) / (ne - kpred - 1)
        r2_adj = pd.Series(np.where(kpred == 0, np.nan, adj), index=codes)
        return PLSResults(
            spec=spec,
            scheme=self.scheme,
            standardized=self.standardize,
            n_obs=n,
            weights=pd.Series(w, index=idx, name="weight"),
            loadings=pd.Series(est.loadings[0], index=idx, name="loading"),
            cross_loadings=pd.DataFrame(est.cross[0], index=items, columns=codes),
            paths=paths,
            path_matrix=pm,
            r2=r2,
            r2_adj=r2_adj.rename("r2_adj"),
            construct_corr=pd.DataFrame(est.R[0], index=codes, columns=codes),
            scores=scores,
            item_means=pd.Series(m.mean, index=items, name="mean"),
            item_sds=pd.Series(m.sd, index=items, name="sd"),
            item_corr=pd.DataFrame(_corr(m.S), index=items, columns=items),
            iterations=int(est.iterations[0]),
            converged=bool(est.converged[0]),
            tol=self.tol,
            max_iter=self.max_iter,
            criterion=self.criterion,
            n_effective=ne,
            case_weights=weights,
            raw=est,
        )


def _scores(X: np.ndarray, ws: np.ndarray, mean: np.ndarray, L: Layout) -> np.ndarray:
    """Construct scores (n, K): ``(X − x̄)·W`` block by block, ``X_k w_k − x̄_k·w_k`` for construct k's
    items (one pass over X and no n × p temporary; the full X·W product also multiplies the zeros
    of W, 3× the time at 10⁶ respondents)."""
    sc = np.empty((X.shape[0], L.k), order="F")
    with one_blas_thread(X.shape[0]):
        for k, b in enumerate(L.blocks):
            adjacent = b.size > 0 and b[-1] - b[0] + 1 == b.size
            xb = X[:, b[0]:b[-1] + 1] if adjacent else X[:, b]
            np.dot(xb, ws[b], out=sc[:, k])
            sc[:, k] -= mean[b] @ ws[b]
    return sc


@dataclass(frozen=True)
class SpecLabels:
    """A model's result labels as pandas indexes, built once per model and shared by every fit
    (pandas indexes are immutable; building one from strings costs ~50 µs with pandas 3's
    arrow-backed strings, and a fit with its derivations labels ~100 tables)."""

    codes: pd.Index
    items: pd.Index
    construct_item: pd.MultiIndex  # (construct, item) in layout order
    paths: pd.MultiIndex  # (source, target) in the model's path order
    src: np.ndarray  # construct position of each path's source
    tgt: np.ndarray


@functools.lru_cache(maxsize=64)
def spec_labels(spec: ModelSpec) -> SpecLabels:
    """The :class:`SpecLabels` of ``spec``."""
    L = Layout.from_spec(spec)
    idx = pd.MultiIndex.from_arrays([[L.codes[b] for b in L.block], list(L.items)], names=["construct", "item"])
    pidx = pd.MultiIndex.from_tuples([(p.source, p.target) for p in spec.paths], names=["source", "target"])
    kpos = {c: k for k, c in enumerate(L.codes)}
    src = np.array([kpos[p.source] for p in spec.paths], dtype=int)
    tgt = np.array([kpos[p.target] for p in spec.paths], dtype=int)
    return SpecLabels(pd.Index(list(L.codes)), pd.Index(list(L.items)), idx, pidx, src, tgt)


def batch_fit(
    S: np.ndarray,
    spec: ModelSpec,
    scheme: str = "path",
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    criterion: str = "abs",
) -> BatchEstimate:
    """Fit the model to a batch of covariance matrices (B, p, p): the bootstrap's entry point."""
    return PLS(spec, scheme=scheme, tol=tol, max_iter=max_iter, criterion=criterion).fit_moments(S)


Callback = Callable[[int], Any]
