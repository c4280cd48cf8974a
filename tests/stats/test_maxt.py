"""Westfall–Young step-down maxT against a literal implementation written here.

The reference follows Westfall & Young (1993) Algorithm 2.8 / Ge, Dudoit & Speed (2003) Box 2
loop by loop: studentize by the permutation SD, order by the observed statistic, for each
position i count the permutations whose maximum over the tests ranked i…m reaches t_(i),
then enforce monotonicity.
"""

from __future__ import annotations

import numpy as np
import pytest

from csi.stats.maxt import maxt_adjusted


def _literal(d: np.ndarray, D: np.ndarray) -> np.ndarray:
    B, m = D.shape
    s = [float(np.sqrt(sum((D[b, j] - D[:, j].mean()) ** 2 for b in range(B)) / B)) for j in range(m)]
    t = [abs(d[j]) / s[j] for j in range(m)]
    order = sorted(range(m), key=lambda j: -t[j])
    p = [0.0] * m
    prev = 0.0
    for i, r in enumerate(order):
        count = 0
        for b in range(B):
            u = max(abs(D[b, j]) / s[j] for j in order[i:])
            count += u >= t[r]
        prev = max(prev, (1 + count) / (1 + B))
        p[r] = prev
    return np.array(p)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_maxt_equals_the_literal_algorithm(seed):
    rng = np.random.default_rng(seed)
    m, B = 9, 199
    cov = np.full((m, m), 0.4) + 0.6 * np.eye(m)
    scale = rng.uniform(0.2, 3.0, m)
    D = rng.multivariate_normal(np.zeros(m), cov, size=B) * scale
    d = rng.normal(0, 1.5, m) * scale
    d[0] = 9.0 * scale[0]  # one clear effect, beyond every permuted maximum
    got = maxt_adjusted(d, D)
    assert np.max(np.abs(got - _literal(d, D))) < 1e-15
    assert got[0] == pytest.approx(1 / (B + 1))


def test_maxt_properties():
    rng = np.random.default_rng(9)
    D = rng.normal(size=(99, 20))
    d = rng.normal(size=20)
    adj = maxt_adjusted(d, D)
    raw = (1 + (np.abs(D) >= np.abs(d)).sum(axis=0)) / 100
    assert (adj >= raw - 1e-15).all()  # never below the marginal p (u_bi ≥ t*_b,r_i)
    assert adj.min() >= 1 / 100 and adj.max() <= 1
    # monotone in the studentized statistic
    t = np.abs(d) / D.std(axis=0)
    o = np.argsort(-t)
    assert (np.diff(adj[o]) >= 0).all()


def test_maxt_leaves_nan_out():
    rng = np.random.default_rng(4)
    D = rng.normal(size=(49, 5))
    d = np.array([3.0, np.nan, 0.1, 0.5, 2.0])
    adj = maxt_adjusted(d, D)
    assert np.isnan(adj[1])
    keep = [0, 2, 3, 4]
    assert np.max(np.abs(adj[keep] - _literal(d[keep], D[:, keep]))) < 1e-15
