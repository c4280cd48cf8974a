"""csi.stats.tdist (the bootstrap p-values of every fit) against mpmath and scipy.special.

mpmath (arbitrary precision, 40 digits) is the oracle where its hypergeometric series converges
(|t| ≤ 10); scipy.special's ``stdtr``/``ndtr`` over a wide grid.  Tolerances: relative 1e-12
for ν ≤ 10⁴, 1e-10 to ν = 10⁶ and 1e-9 at 10⁷ (the continued fraction's coefficient x = ν/(ν + t²) carries its
rounding into the result at ν = 10⁶–10⁷); p-values are reported to four digits.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from scipy.special import ndtr, stdtr

from csi.stats.tdist import normal_cdf, t_cdf, t_two_sided

T = np.concatenate([[0.0, 1e-12, 1e-8], np.logspace(-6, 3, 400), [40.0, 100.0, 1e4]])
DFS = [1, 2, 3, 4.5, 7, 10, 29.5, 49, 50, 51, 249, 1_000, 12_345, 1e5, 999_999, 1e7]


def _tol(df: float) -> float:
    return 1e-12 if df <= 1e4 else 1e-10 if df <= 1e6 else 1e-9


@pytest.mark.parametrize("df", [1, 3, 10, 249, 10_000, 1e6, 1e7])
def test_two_sided_matches_mpmath(df: float) -> None:
    mp.mp.dps = 40
    ts = [1e-8, 0.01, 0.5, 1.0, 1.5151342924760514, 1.96, 2.5, 3.0, 5.0, 10.0]
    got = t_two_sided(np.array(ts), df)
    for t, g in zip(ts, got, strict=True):
        nu, tt = mp.mpf(df), mp.mpf(t)
        exact = mp.betainc(nu / 2, mp.mpf(1) / 2, 0, nu / (nu + tt * tt), regularized=True)
        assert abs(g - exact) / exact < _tol(df), (df, t)


@pytest.mark.parametrize("df", DFS)
def test_two_sided_matches_scipy(df: float) -> None:
    ts = T[T >= 1e-3] if df == 1 else T  # scipy's stdtr is 3e-9 off at ν = 1, t = 1e-8 (mpmath above)
    ref = 2 * stdtr(df, -ts)
    mine = t_two_sided(np.concatenate([ts, -ts]), df)
    keep = ref > 1e-300
    for got in (mine[: ts.size], mine[ts.size:]):  # symmetric in t
        rel = np.abs(got[keep] - ref[keep]) / ref[keep]
        assert rel.max() < _tol(df), (df, float(rel.max()), ts[keep][np.argmax(rel)])
        assert np.all(got[~keep] < 1e-290)


@pytest.mark.parametrize("df", [5, 249, 1e6])
def test_cdf_matches_scipy(df: float) -> None:
    x = np.concatenate([-T, T])
    ref = stdtr(df, x)
    got = t_cdf(x, df)
    keep = ref > 1e-300
    assert np.max(np.abs(got[keep] - ref[keep]) / ref[keep]) < _tol(df)


def test_special_values() -> None:
    got = t_two_sided(np.array([np.nan, np.inf, -np.inf, 0.0]), 10)
    assert np.isnan(got[0]) and got[1] == 0.0 and got[2] == 0.0 and got[3] == 1.0
    assert t_two_sided(np.array([]), 5).shape == (0,)
    with pytest.raises(ValueError):
        t_two_sided(1.0, 0)


def test_normal_matches_scipy() -> None:
    x = np.concatenate([-np.logspace(-8, np.log10(37), 300), np.logspace(-8, 1, 100), [0.0]])
    ref = ndtr(x)
    # erfc's argument −x/√2 is rounded: relative error ~x²·1e-16 in the far tail (1.4e-13 at x = −37)
    assert np.max(np.abs(normal_cdf(x) - ref) / ref) < 1e-12
    assert np.allclose(t_two_sided(x, np.inf), 2 * ndtr(-np.abs(x)), rtol=1e-12, atol=0)
