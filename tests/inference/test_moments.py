"""Reweighted-sample moments (bootstrap counts, permutation masks) equal moments() on the rows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from csi.estimators.base import moments
from csi.inference.moments import FAIL_CONSTANT, FAIL_NO_WEIGHT, CentredItems, counts


@pytest.mark.parametrize(("standardized", "weighted"), [(True, False), (False, False), (True, True)])
def test_counts_equal_moments_of_the_repeated_rows(standardized, weighted):
    rng = np.random.default_rng(1)
    X = rng.integers(1, 11, (80, 5)).astype(float)
    v = rng.uniform(0.5, 2, 80) if weighted else None
    items = CentredItems.of(X, v, standardized)
    idx = rng.integers(0, 80, (6, 80))
    V = counts(idx, 80)
    if v is not None:
        V *= v
    m = items.reweighted(V)
    assert (m.fail == 0).all()
    for b, rows in enumerate(idx):
        ref = moments(X[rows], standardized, None if v is None else v[rows])
        np.testing.assert_allclose(m.mean[b], ref.mean, rtol=1e-13)
        np.testing.assert_allclose(m.S[b], ref.S, rtol=0, atol=1e-12)
        d = np.sqrt(np.diag(ref.S))
        np.testing.assert_allclose(m.corr()[b], ref.S / np.outer(d, d), rtol=0, atol=1e-12)
    # the large-sample path (cross-products formed slice by slice) gives the same moments
    sliced = replace(items, Q=None).reweighted(V)
    np.testing.assert_allclose(sliced.S, m.S, rtol=0, atol=1e-13)


def test_failures_are_coded_and_harmless():
    X = np.column_stack([np.arange(10.0), np.r_[np.ones(5), np.zeros(5)]])
    items = CentredItems.of(X, None, True)
    V = np.vstack([np.r_[np.ones(5), np.zeros(5)],  # the second item is constant in this sample
                   np.zeros(10),  # no weight at all
                   np.ones(10)])
    m = items.reweighted(V)
    assert m.fail.tolist() == [FAIL_CONSTANT, FAIL_NO_WEIGHT, 0]
    np.testing.assert_array_equal(m.S[:2], np.stack([np.eye(2)] * 2))
