"""Consistent PLS (PLSc; Dijkstra & Henseler 2015), batched on moment matrices.

PLSc keeps the PLS weights and corrects what follows from them for the measurement error of
reflective constructs.  A construct is treated as reflective (common factor) when it is mode A
with two or more items and its YAML entry does not say ``composite: true`` (as SmartPLS does);
mode-B, single-item and ``composite`` constructs are left as PLS estimates them (``ρ_A = 1``).

For the standardized weights ``w_k`` of a reflective construct (scores of unit variance,
``w_k'S_kk w_k = 1``) and its item correlations ``S_kk``:

* reliability  ``ρ_A,k = (w_k'w_k)² · w_k'(S_kk − diag S_kk)w_k / w_k'(w_k w_k' − diag(w_k w_k'))w_k``;
* disattenuated construct correlations ``R̃_ij = R_ij / √(ρ_A,i ρ_A,j)`` (unit diagonal), ``R``
  the correlations of the PLS scores;
* paths by OLS on ``R̃`` (each endogenous construct on its predecessors), ``R²_j = β_j' R̃_pj``;
* consistent loadings ``λ_k = w_k · √ρ_A,k / (w_k'w_k)`` (so that ``w_k'λ_k = √ρ_A,k``, the
  correlation of the score with its factor).

The weights, hence the scores and the 0–100 indices by the ACSI formula, are those of PLS.

Admissibility (a fit is reported, a resample skipped and counted by reason): ``ρ_A ≤ 0`` (no
correction exists), ``|R̃_ij| > 1``, or ``R̃`` not positive definite.  ``inadmissible`` carries
the first that applies as a code (:data:`INADMISSIBLE`), 0 when admissible.

Validated against the seminr package (PyPI 0.2.1, ``reflective()`` constructs, its ``PLSc``):
paths, R², ρ_A and loadings to 1e-10 on ECSI/``mobi``, and draw by draw on identical bootstrap
resamples; against an independent implementation of the formulas above for ``composite``
constructs (``tests/estimators/test_plsc.py``).  Against R cSEM 0.4.0.9000
(``.disattenuate = TRUE``) on ECSI/``mobi`` to 1e-6 (``tests/reference/test_csem_reference.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csi.errors import EstimationError, Issue
from csi.estimators.base import BatchEstimate, Layout, _solve
from csi.estimators.pls import PLS, PLSResults, estimate
from csi.model.spec import ModelSpec

#: Codes of :attr:`PLScEstimate.inadmissible` → reason (the bootstrap counts resamples by these).
INADMISSIBLE: dict[int, str] = {
    1: "PLSc: rho_A not positive (no consistent correction)",
    2: "PLSc: a disattenuated construct correlation above 1 in absolute value",
    3: "PLSc: the disattenuated construct correlation matrix is not positive definite",
}

INDEX_NOTE = ("PLSc corrects paths, R², loadings and construct correlations; the weights, scores and "
              "indices are the PLS ones (indices by the index formula on the PLS weights)")


@dataclass(frozen=True)
class PLScEstimate(BatchEstimate):
    """A batch of PLSc fits: :class:`BatchEstimate` with ``ρ_A`` and the admissibility code."""

    rho_a: np.ndarray = None  # type: ignore[assignment]  # (B, K), 1 where not corrected
    inadmissible: np.ndarray = None  # type: ignore[assignment]  # (B,) 0 = admissible, else INADMISSIBLE code


def reflective_mask(spec: ModelSpec) -> np.ndarray:
    """(K,) True for the constructs PLSc corrects: mode A, two or more items, not ``composite``."""
    return np.array([c.mode == "A" and len(c.items) > 1 and not c.composite for c in spec.constructs])


def rho_a_batch(w: np.ndarray, S: np.ndarray, L: Layout, reflective: np.ndarray) -> np.ndarray:
    """ρ_A (B, K) of the reflective constructs from weights (B, p) and correlations (B, p, p); 1 elsewhere."""
    B = w.shape[0]
    rho = np.ones((B, L.k))
    for k in np.flatnonzero(reflective):
        b = L.blocks[k]
        wk = w[:, b]
        Skk = S[:, b[:, None], b]
        off = Skk - Skk * np.eye(len(b))
        num = np.einsum("bi,bij,bj->b", wk, off, wk)
        wtw = (wk**2).sum(axis=1)
        den = wtw**2 - (wk**4).sum(axis=1)  # w'(ww' − diag ww')w
        with np.errstate(invalid="ignore", divide="ignore"):
            rho[:, k] = wtw**2 * num / den
    return rho


def correct(est: BatchEstimate, S: np.ndarray, L: Layout, reflective: np.ndarray) -> PLScEstimate:
    """The PLSc correction of a batch of PLS fits ``est`` on correlation matrices ``S`` (B, p, p)."""
    B, K = est.R.shape[:2]
    rho = rho_a_batch(est.weights, S, L, reflective)
    bad = np.zeros(B, dtype=int)
    bad[~(rho > 0).all(axis=1)] = 1
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(np.where(rho > 0, rho, np.nan))
        Rc = est.R / (root[:, :, None] * root[:, None, :])
    eye = np.eye(K, dtype=bool)
    Rc[:, eye] = 1.0
    finite = np.isfinite(Rc).all(axis=(1, 2))
    over = finite & (np.abs(np.where(eye, 0.0, Rc)) > 1).any(axis=(1, 2))
    bad[(bad == 0) & over] = 2
    mineig = np.full(B, np.nan)
    mineig[finite] = np.linalg.eigvalsh(Rc[finite])[:, 0]
    bad[(bad == 0) & ~(mineig > 0)] = 3
    paths = np.zeros((B, K, K))
    r2 = np.full((B, K), np.nan)
    for j, pr in enumerate(L.preds):
        if len(pr):
            beta = _solve(Rc[:, pr[:, None], pr], Rc[:, pr, j])
            paths[:, pr, j] = beta
            r2[:, j] = np.einsum("bi,bi->b", beta, Rc[:, pr, j])
    loadings = est.loadings.copy()
    for k in np.flatnonzero(reflective):
        b = L.blocks[k]
        wk = est.weights[:, b]
        loadings[:, b] = wk * (root[:, k] / (wk**2).sum(axis=1))[:, None]
    cross = est.cross.copy()
    cross[:, np.arange(L.p), L.block] = loadings
    ok = est.ok & np.isfinite(paths).all(axis=(1, 2)) & np.isfinite(loadings).all(axis=1)
    return PLScEstimate(est.weights, loadings, cross, Rc, paths, r2, est.iterations, est.converged, ok,
                        rho_a=rho, inadmissible=bad)


class PLSc(PLS):
    """Consistent PLS: ``PLSc(spec).fit(data)``, the PLS estimator followed by :func:`correct`.

    Needs standardized items (ρ_A is defined on correlations).  A full-sample fit with ``ρ_A ≤ 0``
    raises :class:`EstimationError` naming the construct; other inadmissible fits are returned
    and flagged (:meth:`admissibility`).
    """

    key = "plsc"

    def __init__(self, spec: ModelSpec, *args: object, **kwargs: object) -> None:
        super().__init__(spec, *args, **kwargs)  # type: ignore[arg-type]
        if not self.standardize:
            raise EstimationError("--method plsc needs standardized items (rho_A is defined on correlations); "
                                  "drop --no-standardize")
        self.reflective = reflective_mask(spec)

    @classmethod
    def of(cls, res: PLSResults) -> PLSc:
        return cls(res.spec, res.scheme, res.standardized, res.tol, res.max_iter, res.criterion)

    def fit_moments(self, S: np.ndarray) -> PLScEstimate:
        """PLS on ``S`` (p, p) or (B, p, p), then the PLSc correction of every member."""
        S = np.asarray(S, dtype=float)
        if S.ndim == 2:
            S = S[None]
        return correct(estimate(S, self.layout, self.scheme, self.tol, self.max_iter, self.criterion),
                       S, self.layout, self.reflective)

    def fit(self, data: pd.DataFrame, weights: np.ndarray | None = None) -> PLSResults:
        try:
            return super().fit(data, weights)
        except EstimationError:
            self._name_nonpositive(data, weights)
            raise

    def _name_nonpositive(self, data: pd.DataFrame, weights: np.ndarray | None) -> None:
        """Raise a clearer error when the failure was a ρ_A ≤ 0 (PLS itself fitted)."""
        res = PLS(self.spec, self.scheme, True, self.tol, self.max_iter, self.criterion).fit(data, weights)
        S = res.item_corr.to_numpy()[None]
        rho = rho_a_batch(res.weights.to_numpy()[None], S, self.layout, self.reflective)[0]
        neg = [f"{c} (rho_A = {r:.3g})" for c, r in zip(self.layout.codes, rho, strict=True) if not r > 0]
        if neg:
            raise EstimationError(f"PLSc cannot correct construct(s) {', '.join(neg)}: rho_A is not positive; "
                                  "mark them 'composite: true' in the model YAML or use --method pls")


def rho_a_of(res: PLSResults) -> pd.Series:
    """ρ_A per construct of a PLSc fit (1 for constructs PLSc leaves as composites)."""
    raw = res.raw
    if isinstance(raw, PLScEstimate):
        return pd.Series(raw.rho_a[0], index=list(res.spec.codes), name="rho_a")
    raise EstimationError("not a PLSc fit")


def admissibility(res: PLSResults) -> str | None:
    """The reason a PLSc full-sample fit is inadmissible, or None."""
    raw = res.raw
    if isinstance(raw, PLScEstimate) and raw.inadmissible[0]:
        return INADMISSIBLE[int(raw.inadmissible[0])]
    return None


def plsc_settings(res: PLSResults) -> dict[str, object]:
    """What results.json records of a PLSc fit under ``settings.plsc``."""
    rho = rho_a_of(res)
    refl = reflective_mask(res.spec)
    codes = list(res.spec.codes)
    return {
        "reference": "Dijkstra & Henseler (2015), consistent PLS",
        "reflective": [c for c, r in zip(codes, refl, strict=True) if r],
        "composite": [c for c, r in zip(codes, refl, strict=True) if not r],
        "rule": "mode-A constructs with 2+ items are reflective (corrected with rho_A) unless the model says "
                "composite: true; mode-B and single-item constructs are composites (rho_A = 1)",
        "rho_a": {c: float(rho[c]) for c in codes},
        "correction": "R~_ij = R_ij / sqrt(rho_A,i rho_A,j); paths by OLS on R~; loadings w sqrt(rho_A) / (w'w)",
        "indices": INDEX_NOTE,
        "admissible": admissibility(res) is None,
    }


def plsc_issues(res: PLSResults) -> list[Issue]:
    """The statement of what PLSc corrected, and the inadmissibility of the full-sample fit if any."""
    refl = [c for c, r in zip(res.spec.codes, reflective_mask(res.spec), strict=True) if r]
    out = [Issue.of("estimation", f"PLSc: {', '.join(refl) or 'no construct'} treated as reflective and corrected with "
                                  f"rho_A; {INDEX_NOTE}")]
    why = admissibility(res)
    if why is not None:
        out.append(Issue.of("admissibility", f"the PLSc solution is inadmissible: {why.removeprefix('PLSc: ')}; "
                                             "interpret its paths with care or mark constructs 'composite: true'"))
    return out
