"""Bootstrap resamples that re-run the data preparation: EM and two-stage transforms per resample.

SEMinR's ``bootstrap_model`` re-estimates the whole model on every resample — higher-order
first stage, interaction columns, core — and csi's ``--missing em`` should re-run EM inside every
resample.  A :class:`Rebuild` is handed to :func:`csi.inference.bootstrap.bootstrap_fit`
(``rebuild=``) and used by the simple-slope intervals (:mod:`csi.derive.moderation`); for each resample, given its case weights ``V_b`` (counts × survey weights), it

1. re-runs EM on the resample's answers (cells imputed in the full sample are missing again);
2. re-fits the stage-1 model (the batched PLS core on the resample's moments), rebuilds the
   stage-1 scores, the product/orthogonal/score columns (:func:`csi.data.derived.add_columns`,
   z-scores, regressions and scores all weighted by ``V_b``: the same as on the repeated rows);
3. returns the flat items' moments (:class:`Resampled`; the bootstrap wraps them as
   :class:`~csi.inference.moments.BatchMoments`, with the same failure codes).

Without transforms, EM's moments are used directly (PLS on the EM covariance); with transforms
the flat items' moments of the completed resample.  Cost: one EM and one stage-1 fit per
resample (a loop over resamples; the stage-2 fits stay batched).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from csi.data.derived import derived_arrays
from csi.estimators.base import moments
from csi.estimators.pls import PLS
from csi.model.expand import Column, first_stage, flat, needs_first_stage
from csi.model.spec import ModelSpec
from csi.options import PLSOptions
from csi.stats.em import em_normal
from csi.stats.index import normalized_weights as acsi_weights
from csi.stats.resample import CONST_REL_VAR, FAIL_CONSTANT, FAIL_NO_WEIGHT


@dataclass(frozen=True)
class Resampled:
    """Moments of B resamples: means and divisor-n variances (B, p), ``S`` (B, p, p), failure codes (B,)."""

    mean: np.ndarray
    var: np.ndarray
    S: np.ndarray
    fail: np.ndarray
    standardized: bool


@dataclass(frozen=True)
class Rebuild:
    """The per-resample preparation of one fit: raw items, EM mask, transforms, options."""

    raw: np.ndarray  # (n, p0) the survey's items (filled cells as filled)
    columns: tuple[str, ...]  # their names
    mask: np.ndarray | None  # (n, p0) cells imputed by EM, re-imputed per resample
    spec: ModelSpec | None  # the model as written (with transforms), None: no transforms
    flat_items: tuple[str, ...]  # the items of the flat model, in the fit's order
    options: PLSOptions
    weights: np.ndarray | None
    var_full: np.ndarray  # full-sample divisor-n variances of the flat items (constant-item check)

    def __call__(self, V: np.ndarray) -> Resampled:
        B, p = V.shape[0], len(self.flat_items)
        mean, var = np.zeros((B, p)), np.zeros((B, p))
        S = np.repeat(np.eye(p)[None], B, axis=0)
        fail = np.zeros(B, dtype=int)
        for b in range(B):
            if b and np.array_equal(V[b], V[b - 1]):  # a padded block repeats its first resample
                mean[b], var[b], S[b], fail[b] = mean[b - 1], var[b - 1], S[b - 1], fail[b - 1]
                continue
            rows = np.flatnonzero(V[b] > 0)
            if rows.size == 0:
                fail[b] = FAIL_NO_WEIGHT
                continue
            counts = V[b, rows] if self.weights is None else V[b, rows] / self.weights[rows]
            try:
                mean[b], var[b], S[b] = self._one(rows, V[b, rows], counts / counts.sum())
            except (np.linalg.LinAlgError, ValueError, FloatingPointError):
                fail[b] = FAIL_CONSTANT
                S[b] = np.eye(p)
                continue
            if not (var[b] > CONST_REL_VAR * self.var_full).all() or not np.isfinite(S[b]).all():
                fail[b] = FAIL_CONSTANT
                S[b] = np.eye(p)
        return Resampled(mean, var, S, fail, self.options.standardize)

    def _one(self, rows: np.ndarray, c: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Moments of one resample: ``c`` its case weights (counts × survey weights), ``k`` its counts (both sum 1)."""
        X = self.raw[rows].copy()
        v = c / c.sum()
        if self.mask is not None:
            X[self.mask[rows]] = np.nan
            em = em_normal(X, v, start=self._em_start)
            X = em.X
            if self.spec is None:  # PLS on the EM moments
                d = np.sqrt(np.diag(em.cov))
                S = em.cov / np.outer(d, d) if self.options.standardize else em.cov
                return em.mean, np.diag(em.cov).copy(), S
        items = dict(zip(self.columns, X.T, strict=True))
        if self.spec is not None:
            items.update(self._transform(items, v, k))
        Xf = np.column_stack([items[c] for c in self.flat_items])
        mu = v @ Xf
        D = Xf - mu
        cov = (D * v[:, None]).T @ D
        var = np.diag(cov).copy()
        d = np.sqrt(var)
        return mu, var, (cov / np.outer(d, d) if self.options.standardize else cov)

    @cached_property
    def _em_start(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The full-sample EM estimates: every resample's EM starts there."""
        if self.mask is None:
            return None
        X = self.raw.copy()
        X[self.mask] = np.nan
        r = em_normal(X, self.weights)
        return r.mean, r.cov

    @cached_property
    def _plan(self) -> tuple[PLS | None, list[Column], list[Column]]:
        """The stage-1 estimator and column rules, and the stage-2 column rules (built once)."""
        assert self.spec is not None
        _, cols2 = flat(self.spec)
        if not needs_first_stage(self.spec):
            return None, [], cols2
        spec1, cols1 = first_stage(self.spec)
        return PLS(spec1, *_pls_args(self.options)), cols1, cols2

    def _transform(self, items: dict[str, np.ndarray], v: np.ndarray, k: np.ndarray) -> dict[str, np.ndarray]:
        """Stage 1 (if any) on the weighted resample, then every derived column."""
        est, cols1, cols2 = self._plan
        scores = level = None
        if est is not None:
            items1 = {**items, **derived_arrays(items, cols1)}
            L = est.layout
            X1 = np.column_stack([items1[c] for c in L.items])
            m = moments(X1, self.options.standardize, v)
            w = est.fit_moments(m.S).weights[0]
            Wm = w[:, None] * L.member
            Ws = Wm / m.sd[:, None] if m.standardized else Wm
            sc = X1 @ Ws - m.mean @ Ws
            nw = acsi_weights(w[None], m.sd[None], L.member, L.block, m.standardized)[0]
            lv = X1 @ (nw[:, None] * L.member)
            scores = {c: sc[:, j] for j, c in enumerate(L.codes)}
            level = {c: lv[:, j] for j, c in enumerate(L.codes)}
        return derived_arrays(items, cols2, scores, level, weights=k)


def _pls_args(o: PLSOptions) -> tuple[str, bool, float, int, str]:
    return (o.scheme, o.standardize, o.tol, o.max_iter, o.criterion)


def rebuild_for(survey_items: pd.DataFrame, columns: tuple[str, ...], mask: np.ndarray | None, spec: ModelSpec | None,
                flat_items: tuple[str, ...], options: PLSOptions, weights: np.ndarray | None) -> Rebuild:
    """A :class:`Rebuild` for a fit of ``flat_items`` on ``survey_items``."""
    raw = survey_items.loc[:, list(columns)].to_numpy(dtype=float, copy=True)
    Xf = survey_items.loc[:, list(flat_items)].to_numpy(dtype=float)
    v = np.full(len(Xf), 1.0 / len(Xf)) if weights is None else weights / weights.sum()
    var_full = v @ (Xf - v @ Xf) ** 2
    return Rebuild(raw, columns, mask, spec if spec is not None and spec.transforms else None, flat_items, options, weights, var_full)
