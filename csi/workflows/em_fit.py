"""PLS on the EM moments (``--missing em``).

The ``em`` policy (:mod:`csi.data.missing`) fills each missing answer with its conditional
expectation and records which cells it filled.  Here the EM mean ``μ`` and covariance ``Σ``
(:func:`csi.stats.em.em_normal`, survey-weighted when weights exist) of the items *as PLS sees
them* (after reverse coding: EM is affine-equivariant) are re-estimated from the answered cells,
and PLS runs on them: standardized, on ``corr(Σ)`` with SDs ``√(diag Σ · n_e/(n_e − 1))``
(the divisor of :func:`csi.estimators.base.moments`); unstandardized, on ``Σ``.  Respondent
scores are the conditional expectations times the weights.

A model whose items include derived columns (interactions, repeated indicators) is fitted on the
completed data instead (the derived columns of a respondent are functions of the filled answers).
"""

from __future__ import annotations

import numpy as np

from csi.data.survey import SurveyData
from csi.estimators.base import Moments
from csi.estimators.pls import PLS, PLSResults
from csi.stats.em import em_normal


def em_moments(X: np.ndarray, weights: np.ndarray | None, standardize: bool) -> tuple[Moments, np.ndarray]:
    """The EM moments of ``X`` (``NaN`` = missing) as :class:`Moments`, and the completed data."""
    r = em_normal(X, weights)
    n = X.shape[0]
    ne = float(n) if weights is None else float(np.sum(weights) ** 2 / np.sum(np.square(weights)))
    sd = np.sqrt(np.diag(r.cov) * ne / max(ne - 1, 1))
    d = np.sqrt(np.diag(r.cov))
    S = r.cov / np.outer(d, d) if standardize else r.cov
    return Moments(r.mean, sd, S, standardize), r.X


def refit_em(pls: PLSResults, survey: SurveyData) -> PLSResults:
    """``pls`` refitted on the EM moments of ``survey`` (unchanged when no cell was imputed)."""
    mask = survey.missing_mask
    items = list(pls.spec.items)
    if mask is None or not set(items) <= set(survey.items.columns[: mask.shape[1]]):
        return pls
    cols = [list(survey.items.columns).index(i) for i in items]
    X = survey.items.loc[:, items].to_numpy(dtype=float, copy=True)
    X[mask[:, cols]] = np.nan
    m, Xh = em_moments(X, survey.weights, pls.standardized)
    est = PLS.of(pls)
    fit = est.fit_moments(m.S)
    return est._results(Xh, m, fit, survey.weights)
