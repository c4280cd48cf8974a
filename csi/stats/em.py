"""EM for the mean and covariance of multivariate-normal items with values missing at random.

Dempster, Laird & Rubin (1977); Little & Rubin (2002, ch. 11).  With (normalized) case weights
``vᵢ`` (``Σv = 1``; equal weights without survey weights) and the current ``μ, Σ``:

* E step, per respondent with observed part ``o`` and missing part ``m``:
  ``x̂ᵢₘ = μₘ + Σₘₒ Σₒₒ⁻¹ (xᵢₒ − μₒ)`` and ``Cᵢ = Σₘₘ − Σₘₒ Σₒₒ⁻¹ Σₒₘ`` (zero elsewhere), computed
  from the precision ``Q = Σ⁻¹`` as ``μₘ − Qₘₘ⁻¹Qₘₒ(xᵢₒ − μₒ)`` and ``Qₘₘ⁻¹``;
* M step: ``μ = Σ vᵢ x̂ᵢ`` and ``Σ = Σ vᵢ [(x̂ᵢ − μ)(x̂ᵢ − μ)' + Cᵢ]`` (the ML estimate, divisor n);
* stop when ``max |Δμ|, max |ΔΣ|`` fall below ``tol`` (default 1e-12; 5,000 iterations at most).

Respondents are grouped by missing-data pattern, so each E step costs one solve per pattern.
The start is the available-case means and the diagonal of the available-case variances.
Validated against a plain per-row numpy EM written in ``tests/data/test_em.py`` (1e-8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EM_TOL = 1e-12
EM_MAX_ITER = 5000


@dataclass(frozen=True)
class EMResult:
    """EM estimates: ``mean`` (p,), ``cov`` (p, p, divisor n), conditional expectations ``X``."""

    mean: np.ndarray
    cov: np.ndarray
    X: np.ndarray
    iterations: int
    converged: bool


def _patterns(miss: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(rows, observed columns, missing columns) of every pattern with a missing value."""
    out = []
    keys, inv = np.unique(miss, axis=0, return_inverse=True)
    for g, key in enumerate(keys):
        if key.any():
            out.append((np.flatnonzero(inv.ravel() == g), np.flatnonzero(~key), np.flatnonzero(key)))
    return out


def em_normal(X: np.ndarray, weights: np.ndarray | None = None, tol: float = EM_TOL, max_iter: int = EM_MAX_ITER,
              start: tuple[np.ndarray, np.ndarray] | None = None) -> EMResult:
    """EM mean and covariance of ``X`` (n × p, ``NaN`` = missing; every row has an answer).

    ``start``: initial ``(μ, Σ)`` (a bootstrap resample starts from the full-sample estimates:
    fewer iterations, the same fixed point to ``tol``)."""
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    miss = np.isnan(X)
    v = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    obs_w = (~miss) * v[:, None]
    Xz = np.where(miss, 0.0, X)
    mu = (obs_w * Xz).sum(axis=0) / obs_w.sum(axis=0)
    var = (obs_w * np.where(miss, 0.0, (X - mu) ** 2)).sum(axis=0) / obs_w.sum(axis=0)
    sigma = np.diag(var)
    if start is not None:
        mu, sigma = np.array(start[0], dtype=float), np.array(start[1], dtype=float)
    # complete rows enter every M step the same way: their sums (about the start mean c, for
    # accuracy) are formed once; each iteration updates only the incomplete rows
    inc = miss.any(axis=1)
    c = mu.copy()
    Xc = X[~inc] - c
    vc = v[~inc]
    T1c, T2c = vc @ Xc, (Xc * vc[:, None]).T @ Xc
    Xi = np.where(miss[inc], 0.0, X[inc]) - c  # incomplete rows, centred; missing cells filled below
    vi = v[inc]
    pats = [(o, m, np.ix_(rows, m), np.ix_(m, m), np.ix_(m, o), Xi[np.ix_(rows, o)], vi[rows].sum())
            for rows, o, m in _patterns(miss[inc])]
    it, converged = 0, not pats
    mu = mu - c
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        # conditional moments from the precision Q = Σ⁻¹: E[xₘ|xₒ] = μₘ − Qₘₘ⁻¹Qₘₒ(xₒ − μₒ),
        # cov = Qₘₘ⁻¹ (the same as Σₘₒ Σₒₒ⁻¹ … with one p × p inverse per iteration)
        Q = np.linalg.inv(sigma)
        C = np.zeros((p, p))
        for o, m, rm, mm, mo, Xo, vs in pats:
            Qmm_inv = np.linalg.inv(Q[mm])
            Xi[rm] = mu[m] - (Xo - mu[o]) @ (Qmm_inv @ Q[mo]).T
            C[mm] += vs * Qmm_inv
        mu_new = T1c + vi @ Xi
        sigma_new = T2c + (Xi * vi[:, None]).T @ Xi + C - np.outer(mu_new, mu_new)
        delta = max(np.abs(mu_new - mu).max(), np.abs(sigma_new - sigma).max())
        mu, sigma = mu_new, sigma_new
        if delta < tol:
            converged = True
            break
    if not pats:
        sigma = T2c - np.outer(T1c, T1c)
        it = 0
    mu = mu + c
    Xh = X.copy()
    Xh[inc] = Xi + c
    return EMResult(mu, sigma, Xh, it, converged)
