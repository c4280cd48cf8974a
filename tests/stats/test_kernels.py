"""The batched kernels of csi.stats against literal, one-at-a-time computations.

Each kernel is the one definition the full sample (B = 1) and every resample use, so it is
checked here on its own: HTMT against the pairwise means of Henseler et al. (2015), effects
against the sum of matrix powers, the index against its formula written out item by item,
permutation p-values against a direct count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csi.derive.indices import INDEXERS, compute
from csi.derive.quality import htmt as htmt_matrix
from csi.estimators.base import Layout
from csi.estimators.pls import PLS
from csi.model.spec import load_model
from csi.stats.effects import effect_pairs, indirect_effects, total_effects
from csi.stats.htmt import htmt, lower_pairs
from csi.stats.index import linear_index, normalized_weights
from csi.stats.intervals import holm, permutation_p, permutation_p_lower, wilson


def _corr(rng: np.random.Generator, p: int) -> np.ndarray:
    X = rng.normal(size=(200, p)) @ rng.normal(size=(p, p))
    return np.asarray(np.corrcoef(X, rowvar=False))


def _htmt_literal(R: np.ndarray, blocks: list[list[int]], a: int, b: int) -> float:
    A = np.abs(R)

    def mono(ix: list[int]) -> float:
        if len(ix) == 1:
            return 1.0
        return float(np.mean([A[i, j] for i in ix for j in ix if i < j]))

    hetero = np.mean([A[i, j] for i in blocks[a] for j in blocks[b]])
    return float(hetero / np.sqrt(mono(blocks[a]) * mono(blocks[b])))


def test_htmt_equals_pairwise_means_batched_and_single():
    rng = np.random.default_rng(3)
    blocks = [[0, 1, 2], [3], [4, 5], [6, 7, 8, 9]]  # a single-item block too
    p, k = 10, len(blocks)
    member = np.zeros((p, k))
    for j, ix in enumerate(blocks):
        member[ix, j] = 1
    R = np.stack([_corr(rng, p) for _ in range(5)])
    R[2, 0, 4] = R[2, 4, 0] = -0.6  # a negative correlation counts by its absolute value
    a, b = lower_pairs(k)
    assert list(zip(a, b, strict=True)) == [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]
    got = htmt(R, member, a, b)
    for s in range(5):
        want = [_htmt_literal(R[s], blocks, x, y) for x, y in zip(a, b, strict=True)]
        np.testing.assert_allclose(got[s], want, rtol=1e-14, atol=0)
        np.testing.assert_allclose(htmt(R[s][None], member, a, b)[0], got[s], rtol=1e-15, atol=0)
    # the labelled full-sample matrix is the same kernel with B = 1
    items = [f"x{i}" for i in range(p)]
    mat = htmt_matrix(pd.DataFrame(R[0], index=items, columns=items), {f"c{j}": [items[i] for i in ix] for j, ix in enumerate(blocks)})
    assert np.isnan(mat.to_numpy()[np.triu_indices(k)]).all()
    np.testing.assert_array_equal(mat.to_numpy()[a, b], got[0])


def test_total_effects_are_the_sum_of_matrix_powers():
    rng = np.random.default_rng(4)
    K = 6
    adj = np.triu(rng.random((K, K)) < 0.6, 1).astype(float)
    P = rng.normal(size=(3, K, K)) * adj
    T = total_effects(P)
    for s in range(3):
        powers = sum(np.linalg.matrix_power(P[s], m) for m in range(1, K))
        np.testing.assert_allclose(T[s], powers, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(indirect_effects(T, P), T - P)
    np.testing.assert_array_equal(total_effects(P[0]), T[0])  # 2-D in, the B = 1 member out
    bad = P.copy()
    bad[1, 0, 1] = np.nan  # a failed member never reaches LAPACK as NaN
    assert np.isfinite(total_effects(bad)).all()


def test_effect_pairs_follow_routes():
    adj = np.zeros((4, 4))
    adj[0, 1] = adj[1, 2] = adj[3, 2] = 1  # 0 -> 1 -> 2 <- 3
    (ti, tj), (ii, ij) = effect_pairs(adj)
    assert set(zip(ti.tolist(), tj.tolist(), strict=True)) == {(0, 1), (1, 2), (3, 2), (0, 2)}
    assert set(zip(ii.tolist(), ij.tolist(), strict=True)) == {(0, 2)}


def test_index_formula_written_out_item_by_item():
    rng = np.random.default_rng(5)
    block = np.array([0, 0, 0, 1, 1, 2])
    member = np.eye(3)[block]
    w = rng.uniform(0.2, 0.6, (4, 6))
    sd = rng.uniform(0.8, 2.0, (4, 6))
    mean = rng.uniform(3, 9, (4, 6))
    lo, hi = 1.0, 10.0
    for standardized in (True, False):
        nw = normalized_weights(w, sd, member, block, standardized)
        got = linear_index(nw, mean, member, lo, hi)
        for s in range(4):
            for k in range(3):
                ix = np.flatnonzero(block == k)
                u = w[s, ix] / sd[s, ix] if standardized else w[s, ix]
                want = sum(u[j] / u.sum() * (mean[s, i] - lo) / (hi - lo) * 100 for j, i in enumerate(ix))
                assert got[s, k] == pytest.approx(want, rel=1e-14)
        np.testing.assert_allclose(nw @ member, 1.0, rtol=1e-15)


def test_acsi_batch_at_b1_is_the_full_sample_index(mobi):
    """``fit`` (mean of respondent scores) and ``batch`` (formula on the item means) agree."""
    spec = load_model("ecsi")
    items = mobi[list(spec.items)]
    for standardize in (True, False):
        res = PLS(spec, standardize=standardize).fit(items)
        acsi = INDEXERS.get("acsi")
        full = compute(res, items)
        L = Layout.from_spec(spec)
        batch = acsi.batch(res.weights.to_numpy()[None], res.item_sds.to_numpy()[None], res.item_means.to_numpy()[None], L,
                           spec.scale_min, spec.scale_max, res.standardized)
        np.testing.assert_allclose(batch[0], full.index.to_numpy(), rtol=1e-13, atol=0)


def test_permutation_p_values_count_directly():
    rng = np.random.default_rng(6)
    obs = np.array([0.3, -0.1, np.nan])
    perm = rng.normal(0, 0.2, (99, 3))
    two = permutation_p(obs, perm)
    low = permutation_p_lower(obs, perm)
    for j in range(2):
        assert two[j] == (1 + sum(abs(d) >= abs(obs[j]) - 1e-12 for d in perm[:, j])) / 100
        assert low[j] == (1 + sum(d <= obs[j] + 1e-12 for d in perm[:, j])) / 100
    assert np.isnan(two[2]) and np.isnan(low[2])


def test_holm_and_wilson_edges():
    assert holm([]).shape == (0,)
    assert np.isnan(holm([np.nan, np.nan])).all()
    assert np.isnan(wilson(0, 0)).all()  # no data
    assert wilson(0, 25)[0] == 0.0 and wilson(25, 25)[1] == 1.0
