"""TODO docstring."""

from __future__ import annotations

import numpy as np


def percentile_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles of each column of ``draws`` (B, m) at ``(1 ∓ level)/2`` (linear, R type 7)."""
    draws = np.asarray(draws, dtype=float)
    m = draws.shape[1]
    if draws.shape[0] == 0:
        return np.full(m, np.nan), np.full(m, np.nan)
    alpha = (1 - level) / 2
    q = np.quantile(draws, [alpha, 1 - alpha], axis=0)
    return q[0], q[1]


def bca_interval(draws: np.ndarray, estimate: np.ndarray, jackknife: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """BCa interval of each column: draws (B, m), estimate (m,), leave-one-out values (n, m).

    ``z₀ = Φ⁻¹((#{θ* < θ̂} + #{θ* ≤ θ̂}) / 2B)``; ``a = Σ U³ / (6 (Σ U²)^{3/2})`` with
    ``U_i = mean(θ_(·)) − θ_(i)`` over the finite leave-one-out values; the interval is the
    quantiles (linear) of the draws at ``Φ(z₀ + (z₀ ± z)/(1 − a(z₀ ± z)))``.  Undefined (NaN)
    when every draw lies on one side of ``θ̂``.  Matches ``scipy.stats.bootstrap(method="BCa")``
    on the same draws to 1e-12 (``tests/test_bootstrap.py``).
    """
    from scipy.special import ndtr, ndtri

    draws = np.asarray(draws, dtype=float)
    est = np.asarray(estimate, dtype=float)
    jack = np.asarray(jackknife, dtype=float)
    B, m = draws.shape
    lo, hi = np.full(m, np.nan), np.full(m, np.nan)
    if B == 0:
        return lo, hi
    frac = ((draws < est).sum(axis=0) + (draws <= est).sum(axis=0)) / (2.0 * B)
    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = ndtri(frac)
    z = ndtri((1 - level) / 2)
    for j in range(m):
        if not np.isfinite(z0[j]):
            continue
        jj = jack[:, j][np.isfinite(jack[:, j])]
        u = jj.mean() - jj if jj.size else np.zeros(1)
        den = np.sum(u**2)
        a = np.sum(u**3) / (6.0 * den**1.5) if den > 0 else 0.0
        a1 = ndtr(z0[j] + (z0[j] + z) / (1 - a * (z0[j] + z)))
        a2 = ndtr(z0[j] + (z0[j] - z) / (1 - a * (z0[j] - z)))
        if not (np.isfinite(a1) and np.isfinite(a2)):
            continue
        lo[j], hi[j] = np.quantile(draws[:, j], [a1, a2])
    return lo, hi


def _ndtr(x: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return np.asarray(ndtr(x))


def holm(p: np.ndarray | list[float]) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN entries are left out of the family and stay NaN)."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adj = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    out[order] = adj
    return out


def wilson(count: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``count / n`` (n may be an effective size).

    ``(p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n)``; matches statsmodels'
    ``proportion_confint(method="wilson")``.
    """
    from statistics import NormalDist

    if not n > 0:
        return (np.nan, np.nan)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = count / n
    den = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / den
    half = z * np.sqrt(max(p * (1 - p), 0.0) / n + z**2 / (4 * n**2)) / den
    lo = 0.0 if p <= 0 else max(centre - half, 0.0)  # exact ends: no 1e-19 from rounding
    hi = 1.0 if p >= 1 else min(centre + half, 1.0)
    return (float(lo), float(hi))
