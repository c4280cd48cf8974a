"""Westfall–Young step-down maxT adjusted permutation p-values (family-wise error control).

For m two-sided tests with observed statistics ``d_j`` and their values ``d*_bj`` under the same
``B`` label permutations (one permutation gives every test's value, so their dependence is kept):

1. studentize by the permutation SD, ``t_j = |d_j| / s_j`` and ``t*_bj = |d*_bj| / s_j`` with
   ``s_j`` the SD (divisor B) of ``d*_·j`` — the differences of different pairs and paths are on
   different scales, and maxT compares them through their maximum;
2. order the tests by ``t`` decreasing, ``t_(1) ≥ … ≥ t_(m)`` (tests r_1 … r_m);
3. successive maxima from the least significant: ``u_bm = t*_b,r_m``,
   ``u_bi = max(u_b,i+1, t*_b,r_i)``;
4. ``p̃_(i) = (1 + #{b: u_bi ≥ t_(i)}) / (1 + B)`` (the identity permutation counted, as in the
   unadjusted p-value ``(1 + #{|d*| ≥ |d|}) / (1 + B)``), then made monotone:
   ``p̃_(i) = max(p̃_(i−1), p̃_(i))``.

Westfall & Young (1993), Algorithm 2.8; Ge, Dudoit & Speed (2003), Box 2.  No Bonferroni/Holm
factor m enters: the smallest attainable adjusted p is ``1/(1 + B)``, as for a single test.
Tests whose observed value is NaN are left out and stay NaN; a permutation where a test is NaN
is skipped (the caller drops failed permutations).  Validated against a literal loop
implementation written in ``tests/stats/test_maxt.py``.
"""

from __future__ import annotations

import numpy as np

TIE_EPS = 1e-12  # as csi.stats.intervals.PERMUTATION_EPS: ties count as extreme


def maxt_adjusted(observed: np.ndarray, permuted: np.ndarray) -> np.ndarray:
    """Step-down maxT adjusted p-values (m,) from observed (m,) and permuted (B, m) statistics."""
    d = np.asarray(observed, dtype=float)
    D = np.asarray(permuted, dtype=float)
    out = np.full(d.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(d) & np.isfinite(D).all(axis=0)) if D.size else np.zeros(0, dtype=int)
    B = D.shape[0]
    if ok.size == 0 or B == 0:
        return out
    s = D[:, ok].std(axis=0)
    s = np.where(s > 0, s, 1.0)  # a statistic that never moves: compare it unscaled
    t = np.abs(d[ok]) / s
    T = np.abs(D[:, ok]) / s
    order = np.argsort(-t, kind="stable")
    U = np.maximum.accumulate(T[:, order][:, ::-1], axis=1)[:, ::-1]  # u_bi over the ordered tests
    p = (1 + (U >= t[order][None] - TIE_EPS).sum(axis=0)) / (1 + B)
    out[ok[order]] = np.maximum.accumulate(p)
    return out
