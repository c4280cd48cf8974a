"""Block permutations of the group comparison (many respondents): exact sums, exact group sizes,
reproducibility, and p-values that agree with the row permutations within Monte Carlo error.

Independent sides: a literal loop over the blocks' respondents for the block sums; the row
engine (itself checked against numpy and separate fits in test_groups.py) for the statistics of
the same groups of respondents; and, for the p-values, the binomial Monte Carlo error of two
independent permutation estimates of the same exact-permutation p-value.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csi.data.survey import from_frame
from csi.derive.indices import INDEXERS, configure
from csi.estimators.pls import PLS
from csi.inference import bootstrap as bootstrap_module
from csi.inference import groups, moments
from csi.inference.groups import compare_groups
from csi.inference.moments import CentredItems, block_sums, unit_table
from csi.model.simulate import ECSI_PATHS, simulate_survey
from csi.model.spec import load_model

SPEC = load_model("ecsi")


def _survey(sizes: dict[str, int], weights: bool = False, seed: int = 0):
    low = dict(ECSI_PATHS)
    low[("CUSA", "CUSL")] = 0.40  # a small difference for group b: p-values spread over (0, 1)
    df = pd.concat([simulate_survey(SPEC, n, seed=seed + i, paths=low if k == "b" else None).assign(g=k)
                    for i, (k, n) in enumerate(sizes.items())], ignore_index=True)
    if weights:
        df["w"] = np.random.default_rng(5).uniform(0.5, 2.0, len(df))
    return from_frame(df, SPEC, groups=("g",), weights="w" if weights else None)


def _compare(sv, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare_groups(SPEC, sv, "g", **kw)


def test_block_sums_equal_a_literal_loop(monkeypatch):
    rng = np.random.default_rng(3)
    X = rng.integers(1, 11, (103, 5)).astype(float)
    v = rng.uniform(0.5, 2.0, 103)
    E = rng.normal(size=(103, 3))
    items = CentredItems.of(X, v, True, keep=False)
    idx = rng.permutation(103)[:100].reshape(20, 5)
    monkeypatch.setattr(moments, "BLOCK_SLICE", 7)  # several slices
    T = block_sums(items, v, idx, E)
    assert T.shape == (20, 1 + 5 + 15 + 3)
    iu = np.triu_indices(5)
    for g, rows in enumerate(idx):
        x0 = X[rows] - items.xbar
        want = np.concatenate([[v[rows].sum()], (v[rows, None] * x0).sum(axis=0), ((v[rows, None] * x0).T @ x0)[iu],
                               (v[rows, None] * E[rows]).sum(axis=0)])
        assert np.allclose(T[g], want, rtol=0, atol=1e-12)
    assert np.allclose(block_sums(items, v, idx), T[:, :-3], rtol=0, atol=1e-12)  # no extra columns


def _run(sv, index: str = "acsi", standardize: bool = True) -> groups._Run:
    est = PLS(SPEC, standardize=standardize)
    return groups._Run(SPEC, sv, "g", est, 10, 0, 1, "percentile", 0.95, 0.05, 40, 10,
                       configure(INDEXERS.get(index), SPEC), None)


@pytest.mark.parametrize(("weights", "index", "standardize"), [(False, "acsi", True), (True, "fuzzy", True), (False, "mean", False)])
def test_block_statistics_equal_the_rows_of_the_same_groups(weights, index, standardize):
    """Whatever units a mask selects, the block engine's statistics (moments, fits, indices with
    their features, MICOM c, means and Kish-corrected log variances) equal the row engine's for
    the respondents in those units — the blocks change which groups are drawn, never their values."""
    sv = _survey({"a": 160, "b": 140}, weights=weights)
    ctx = groups._pair_context(_run(sv, index, standardize), sv, keep=False)
    g = (sv.segments.g.to_numpy() == "b").astype(int)
    rng = np.random.default_rng(8)
    u = groups._partition(ctx, np.bincount(g), 7, rng, unit_table(ctx.items, groups._pair_extra(ctx)))
    assert u.G == 160 // 7 + 140 // 7 and u.labels.size == u.G + 160 % 7 + 140 % 7
    A = np.empty((6, u.labels.size))
    A[:] = u.labels
    for r in range(6):
        rng.shuffle(A[r, :u.G])
        rng.shuffle(A[r, u.G:])
    masks = (A == 0).astype(float)
    # the same partition, rebuilt as row masks: the units hold rows perm[:G·7] in blocks of 7, then single rows
    perm = np.random.default_rng(8).permutation(sv.n_used)
    unit_of = np.empty(sv.n_used, dtype=int)
    unit_of[perm[:u.G * 7]] = np.repeat(np.arange(u.G), 7)
    unit_of[perm[u.G * 7:]] = u.G + np.arange(sv.n_used - u.G * 7)
    rows = masks[:, unit_of]
    assert (rows.sum(axis=1) == 160).all()  # group a keeps exactly its 160 respondents
    got, ok_b = groups._block_pair_stats(ctx, u, masks)
    want, ok_r = groups._pair_stats(ctx, rows)
    assert (ok_b == ok_r).all() and ok_r.all()
    for key in want:
        assert np.allclose(got[key], want[key], rtol=1e-9, atol=1e-10), key


def test_joint_block_statistics_equal_the_rows_of_the_same_groups():
    sv = _survey({"a": 90, "b": 80, "c": 70}, seed=20)
    ctx = groups._pair_context(_run(sv), sv, keep=False, micom=False)
    g = pd.Series(sv.segments.g.to_numpy()).map({"a": 0, "b": 1, "c": 2}).to_numpy()
    k, ia, ib = 3, np.array([0, 0, 1]), np.array([1, 2, 2])
    stats = lambda m, f: groups._joint_stats(ctx, k, ia, ib, m, f)  # noqa: E731
    rng = np.random.default_rng(4)
    u = groups._partition(ctx, np.bincount(g), 6, rng, unit_table(ctx.items, ctx.features))
    A = np.empty((5, u.labels.size))
    A[:] = u.labels
    for r in range(5):
        rng.shuffle(A[r, :u.G])
        rng.shuffle(A[r, u.G:])
    M = np.concatenate([A == i for i in range(k - 1)]).astype(float)
    got, _ = groups._joint_block_stats(ctx, k, stats, u, M)
    perm = np.random.default_rng(4).permutation(sv.n_used)
    unit_of = np.empty(sv.n_used, dtype=int)
    unit_of[perm[:u.G * 6]] = np.repeat(np.arange(u.G), 6)
    unit_of[perm[u.G * 6:]] = u.G + np.arange(sv.n_used - u.G * 6)
    V = np.concatenate([(A[:, unit_of] == i) * ctx.v for i in range(k - 1)])
    assert (V[:5].sum(axis=1) == 90).all() and (V[5:].sum(axis=1) == 80).all()
    want, _ = stats(groups._complement_moments(ctx.items, V, ctx.v, k), None)
    for key in want:
        assert np.allclose(got[key], want[key], rtol=1e-9, atol=1e-10), key



def p_value_z(rows: object, blk: object, B: int) -> np.ndarray:
    """z-scores of the differences between two comparisons' permutation p-values (differences and
    MICOM), each with B permutations: under agreement within Monte Carlo error they are ~N(0, 1)
    (the variance of a difference of two independent estimates of p is 2p(1 − p)/B).  Also used
    by bench/bench_groups.py."""
    z = []
    for table, cols in (("differences", ["p_permutation"]), ("micom", ["p_c", "p_mean", "p_var"])):
        for c in cols:
            pr, pb = (getattr(x, table)[c].to_numpy(float) for x in (rows, blk))
            keep = np.isfinite(pr) & np.isfinite(pb)
            pm = np.clip((pr + pb) / 2, 2 / B, 1 - 2 / B)[keep]
            z.append((pb - pr)[keep] / np.sqrt(2 * pm * (1 - pm) / B))
    return np.concatenate(z)

def test_p_values_agree_with_row_permutations_within_monte_carlo_error():
    """Three groups of 1,000: the joint shuffles (unadjusted and maxT p of paths and indices) and
    every pair's permutations (MICOM p-values) by blocks of 12 (G = 250) against rows, 999
    permutations each, different seeds.  Two independent estimates of one exact-permutation p
    differ with variance ≈ 2p(1 − p)/B (blocks: a little more, module notes); over the 120
    unadjusted p-values the mean of z² must stay below 2 and every |z| below 4.5 (calibrated by
    repetition on 40 p-values × 20 data sets: rows against rows average 0.9, blocks of G = 250
    against rows 1.1, the data-set-to-data-set SD about 0.3)."""
    sv = _survey({"a": 1000, "b": 1000, "c": 1000}, seed=40)
    B = 999
    rows = _compare(sv, permutations=B, seed=1, blocks=0)
    blk = _compare(sv, permutations=B, seed=2, blocks=250)
    assert rows.settings["resampling"].startswith("rows") and rows.settings["blocks"] is None
    assert blk.settings["resampling"].startswith("blocks for a|b, a|c, b|c, joint") and blk.settings["blocks"] == 250
    zz = p_value_z(rows, blk, B)
    assert zz.size == 120
    assert (zz**2).mean() < 2.0 and np.abs(zz).max() < 4.5, ((zz**2).mean(), np.abs(zz).max())
    # the maxT adjustment of the same differences agrees as well (noisier: it also estimates the SDs)
    adj = [x.differences.p_permutation_adj.to_numpy(float) for x in (rows, blk)]
    assert np.abs(adj[0] - adj[1]).max() < 0.15


def test_block_permutations_are_reproducible_and_count_every_permutation():
    sv = _survey({"a": 400, "b": 300}, seed=60)
    one = _compare(sv, permutations=250, seed=5, blocks=50)  # two rounds: 200 + 50
    again = _compare(sv, permutations=250, seed=5, blocks=50, chunk=7)  # chunk: rows only
    pd.testing.assert_frame_equal(one.differences, again.differences)
    pd.testing.assert_frame_equal(one.micom, again.micom)
    other = _compare(sv, permutations=250, seed=6, blocks=50)
    assert not np.array_equal(one.differences.p_permutation.to_numpy(), other.differences.p_permutation.to_numpy())
    assert one.settings["permutations_used"] == {"a|b": 250}
    # the observed differences come from the rows, whatever the permutations
    rows = _compare(sv, permutations=19, seed=5, blocks=0)
    assert np.allclose(one.differences.difference, rows.differences.difference, rtol=0, atol=1e-12)
    assert np.allclose(one.micom.c, rows.micom.c, rtol=0, atol=1e-12)


def test_automatic_rule_blocks_above_ten_thousand_pooled_respondents():
    assert groups.block_size(10_000) == 1 and groups.block_size(10_001) == 10 and groups.block_size(30_000) == 30
    assert groups.block_size(50_000, 0) == 1 and groups.block_size(3_000, 250) == 12
    big = _compare(_survey({"a": 5200, "b": 4900}, seed=70), permutations=20, seed=1)
    assert big.settings["resampling"].startswith("blocks for a|b") and big.settings["blocks"] == groups.PERM_BLOCKS
    small = _compare(_survey({"a": 200, "b": 150}, seed=70), permutations=20, seed=1)
    assert small.settings["resampling"].startswith("rows") and small.settings["blocks"] is None


def test_progress_of_group_bootstraps_and_permutations(monkeypatch, capsys):
    """Every step over a second reports (here with no delay): each group's bootstrap under its own
    label and the permutations, a line per 10 % when stderr is not a terminal."""
    class Boot(bootstrap_module._Progress):
        def __init__(self, total: int, enabled: bool, delay: float = 1.0, label: str = "bootstrap") -> None:
            super().__init__(total, enabled, 0.0, label)

    class Perm(groups.Reporter):
        def __init__(self, label: str, total: int, enabled: bool, delay: float = 1.0) -> None:
            super().__init__(label, total, enabled, 0.0)

    monkeypatch.setattr(bootstrap_module, "_Progress", Boot)
    monkeypatch.setattr(groups, "Reporter", Perm)
    _compare(_survey({"a": 120, "b": 110}, seed=80), permutations=100, chunk=10, seed=1, boot=1000, progress=True)
    err = capsys.readouterr().err.splitlines()
    for label, lines in (("--group g=a: bootstrap", 4), ("--group g=b: bootstrap", 4), ("--group g: permutations", 10)):
        mine = [ln for ln in err if ln.startswith(f"csi: {label} ")]  # the bootstrap advances by blocks of 250
        assert len(mine) == lines and mine[-1].startswith(f"csi: {label} 100%"), (label, err)


@pytest.mark.parametrize("key", ["fuzzy", "pca"])
def test_joint_shuffles_use_moment_based_index_methods(key):
    """Three groups: the joint shuffles give each group's index by the method's moment formula (its
    ``batch_moments`` with the groups' correlations and feature means), as every pair's do — they
    used to call ``batch``, which these methods refuse."""
    frames = {"a": 150, "b": 140, "c": 130}
    gc = _compare(_survey(frames, seed=90), permutations=49, seed=1, indexer=INDEXERS.get(key))
    idx = gc.differences[gc.differences.kind == "index"]
    assert len(idx) == 3 * len(SPEC.codes) and gc.settings["joint_permutations_used"] == 49
    assert ((idx.p_permutation > 0) & (idx.p_permutation <= 1)).all()
    assert (idx.p_permutation_adj >= idx.p_permutation - 1e-15).all()
