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


def _float64_path(items: CentredItems) -> CentredItems:
    """The same items without the exact float32 path: products kept in float64."""
    return replace(items, ints=None, Q=np.ascontiguousarray(items.X0[:, items.iu[0]] * items.X0[:, items.iu[1]]))


@pytest.mark.parametrize("kind", ["counts", "masks"])
def test_exact_float32_sums_equal_the_float64_sums(kind):
    rng = np.random.default_rng(7)
    X = rng.integers(1, 11, (3000, 6)).astype(float)
    items = CentredItems.of(X, None, True, exact=True)
    assert items.ints is not None and items.Q is None  # integer items: the float32 path, no float64 products
    V = counts(rng.integers(0, 3000, (5, 3000)), 3000) if kind == "counts" else (rng.random((5, 3000)) < 0.4).astype(float)
    ref = _float64_path(items).sums(V)
    for integer in (None, True):
        got = items.sums(V, integer)
        for g, r in zip(got, ref, strict=True):
            np.testing.assert_allclose(g, r, rtol=1e-13, atol=1e-9)
    # and the sums are those of the rows themselves
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(got[0], V @ Xc, rtol=1e-12, atol=1e-8)
    np.testing.assert_allclose(got[1][:, 1], V @ (Xc[:, 0] * Xc[:, 1]), rtol=1e-12, atol=1e-8)


def test_exact_path_is_only_taken_when_exact():
    rng = np.random.default_rng(3)
    X = rng.integers(1, 6, (200, 4)).astype(float)
    assert CentredItems.of(X, None, True).ints is None  # not asked for (the bootstrap)
    assert CentredItems.of(X + 0.5 * (rng.random(X.shape) < 0.1), None, True, exact=True).ints is None  # non-integer items
    assert CentredItems.of(X, rng.uniform(0.5, 2, 200), True, exact=True).ints is None  # survey weights
    assert CentredItems.of(X * 1e4, None, True, exact=True).ints is None  # products too large for float32 to hold exactly
    items = CentredItems.of(X, None, False, exact=True)
    V = rng.uniform(0, 2, (3, 200))  # non-integer case weights: the float64 path
    assert items._exact_sums(V) is None
    for g, r in zip(items.sums(V), _float64_path(items).sums(V), strict=True):
        np.testing.assert_array_equal(g, r)
    assert items._exact_sums(np.full((1, 200), 1e5)) is None  # sums beyond 2**24
