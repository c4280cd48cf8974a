"""Intervals and p-values from draws: percentile, BCa, Holm, Wilson and permutation p-values.

Pure functions of arrays (draws ``(B, m)``: one row per resample or permutation, one column per
statistic).  Holm and Wilson are statsmodels' formulas, checked against ``multipletests`` and
``proportion_confint`` in the tests but written out here: see their docstrings for why.
"""

from __future__ import annotations

import numpy as np

PERMUTATION_EPS = 1e-12  # ties within floating noise count as "at least as extreme"


def percentile_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles of each column of ``draws`` (B, m) at ``(1 ∓ level)/2`` (linear, R type 7).

    As SEMinR's percentile intervals (``quantile(type = 7)``); ``tests/inference/test_bootstrap.py``.
    """
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
    on the same draws to 1e-12 (``tests/inference/test_bootstrap.py``).
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


def permutation_p(observed: np.ndarray, permuted: np.ndarray) -> np.ndarray:
    """Two-sided permutation p-value per column: ``(1 + #{|d*| ≥ |d|}) / (1 + B)``.

    ``permuted`` (B, m) holds the statistic under ``B`` label shuffles; ties within
    ``PERMUTATION_EPS`` count as extreme.  NaN where the observed value is NaN.  As Chin &
    Dibbern (2010); checked against a direct count in ``tests/inference/test_groups.py``.
    """
    B = permuted.shape[0]
    ext = (np.abs(permuted) >= np.abs(observed)[None] - PERMUTATION_EPS).sum(axis=0)
    return np.where(np.isfinite(observed), (1 + ext) / (1 + B), np.nan)


def permutation_p_lower(observed: np.ndarray, permuted: np.ndarray) -> np.ndarray:
    """One-sided (lower tail) permutation p-value per column: ``(1 + #{c* ≤ c}) / (1 + B)``.

    MICOM step 2 (a compositional correlation ``c`` improbably low); as cSEM's ``testMICOM``.
    """
    B = permuted.shape[0]
    below = (permuted <= observed[None] + PERMUTATION_EPS).sum(axis=0)
    return np.where(np.isfinite(observed), (1 + below) / (1 + B), np.nan)


def holm(p: np.ndarray | list[float]) -> np.ndarray:
    """Holm step-down adjusted p-values: ``p_(i)·(m − i + 1)``, made monotone, capped at 1.

    NaN entries are left out of the family and stay NaN.  The same arithmetic as statsmodels'
    ``multipletests(method="holm")`` (sorted p times ``m, m − 1, …, 1``, running maximum, values
    above 1 set to 1) and equal to it to 1e-15 (``tests/inference/test_groups.py``), but not a call to it:
    statsmodels 0.14–0.15 runs ``gc.collect()`` on every Holm call, 0.2–0.3 s in a process
    that holds a fitted model, and a group comparison adjusts five families per column (it
    made ``compare_groups`` ~1.2 s slower on the sample survey).
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = ok.size
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    out[order] = np.minimum(1.0, np.maximum.accumulate(p[order] * (m - np.arange(m))))
    return out


def wilson(count: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``count / n`` (``n`` may be an effective size).

    ``(p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n)``, the formula of statsmodels'
    ``proportion_confint(method="wilson")``, equal to it to 1e-12 including non-integer weighted
    counts and Kish effective sizes (``tests/derive/test_loyalty.py``).  Written out rather than called:
    importing ``statsmodels.stats.proportion`` pulls in ``scipy.stats``, ~1 s added to every
    ``csi fit`` with loyalty tiers (the default) for five lines of arithmetic.  No data
    (``n ≤ 0``) gives NaN; the ends are exact at ``p = 0`` and ``p = 1``.
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
