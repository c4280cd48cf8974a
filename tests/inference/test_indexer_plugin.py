"""A plug-in index method gets bootstrap intervals and group tests with no other edit.

The toy method gives every item of a construct the same weight (``w̃ᵢ = 1/k``): its index is
the mean of the construct's rescaled item means.  It is one class and one registration; the
bootstrap and the permutation tests reach it only through ``Indexer.batch``.  Its draws are
checked against an independent numpy computation on the very same resample rows.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csi.data.survey import from_frame
from csi.derive.indices import INDEXERS, LinearIndexer
from csi.estimators.base import Layout
from csi.estimators.pls import PLS
from csi.inference.bootstrap import bootstrap_fit
from csi.inference.groups import compare_groups
from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

SPEC = load_model("ecsi")


class EqualWeights(LinearIndexer):
    key = "equal"
    description = "unit weights: the mean of a construct's rescaled items"

    def normalized(self, w: np.ndarray, sd: np.ndarray, layout: Layout, standardized: bool) -> np.ndarray:
        size = layout.member.sum(axis=0)
        return np.broadcast_to(1.0 / size[layout.block], w.shape).copy()


@pytest.fixture
def equal():
    INDEXERS.register("equal", EqualWeights())
    yield INDEXERS.get("equal")
    INDEXERS.unregister("equal")


def _plain_equal_index(items: pd.DataFrame, weights: np.ndarray | None, lo: float, hi: float) -> np.ndarray:
    """Mean over a construct's items of the (weighted) item means, rescaled to 0–100 — no csi code."""
    X = items.to_numpy(dtype=float)
    mean = X.mean(axis=0) if weights is None else weights @ X / weights.sum()
    pos = {i: j for j, i in enumerate(items.columns)}
    return np.array([np.mean([(mean[pos[i]] - lo) / (hi - lo) * 100 for i in c.items]) for c in SPEC.constructs])


@pytest.mark.parametrize("weighted", [False, True])
def test_plugin_index_draws_equal_numpy_on_the_same_resamples(mobi, equal, weighted):
    d = mobi.copy()
    if weighted:
        d["w"] = np.random.default_rng(2).uniform(0.5, 2.0, len(d))
    sv = from_frame(d, SPEC, weights="w" if weighted else None)
    res = PLS(SPEC).fit(sv.items, weights=sv.weights)
    idx = np.random.default_rng(9).integers(0, len(d), (60, len(d)))
    b = bootstrap_fit(res, sv, indices=idx, indexer=equal)
    items = sv.items[list(SPEC.items)]
    draws = b.draws("index")
    assert list(draws.columns) == list(SPEC.codes) and len(draws) == 60
    for r, rows in enumerate(idx):
        w = None if sv.weights is None else sv.weights[rows]
        want = _plain_equal_index(items.iloc[rows], w, SPEC.scale_min, SPEC.scale_max)
        np.testing.assert_allclose(draws.loc[r].to_numpy(), want, rtol=0, atol=1e-10)
    full = _plain_equal_index(items, sv.weights, SPEC.scale_min, SPEC.scale_max)
    np.testing.assert_allclose(b.stats("index")["estimate"].to_numpy(), full, rtol=0, atol=1e-10)
    assert (b.stats("index")["std_error"] > 0).all()
    # the other statistics do not depend on the index method
    acsi = bootstrap_fit(res, sv, indices=idx)
    for kind in ("paths", "weights", "htmt", "total_effects"):
        np.testing.assert_array_equal(b.draws(kind).to_numpy(), acsi.draws(kind).to_numpy())
    assert not np.allclose(acsi.draws("index").to_numpy(), draws.to_numpy())


def test_default_indexer_is_acsi_bit_for_bit(mobi):
    sv = from_frame(mobi, SPEC)
    res = PLS(SPEC).fit(sv.items)
    a = bootstrap_fit(res, sv, 300, seed=5)
    b = bootstrap_fit(res, sv, 300, seed=5, indexer=INDEXERS.get("acsi"))
    np.testing.assert_array_equal(a.draws("index").to_numpy(), b.draws("index").to_numpy())


def test_plugin_index_reaches_group_comparison(equal):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = pd.concat([simulate_survey(SPEC, 200, seed=1).assign(g="A"), simulate_survey(SPEC, 200, seed=2).assign(g="B")],
                       ignore_index=True)
        sv = from_frame(df, SPEC, groups=("g",))
        gc = compare_groups(SPEC, sv, "g", permutations=40, seed=3, indexer=equal)
    items = sv.items[list(SPEC.items)]
    g = sv.segments.g.to_numpy()
    plain = {lab: _plain_equal_index(items[g == lab], None, SPEC.scale_min, SPEC.scale_max) for lab in ("A", "B")}
    for lab in ("A", "B"):
        got = gc.indices[gc.indices.level == lab].set_index("construct")["index"][list(SPEC.codes)].to_numpy()
        np.testing.assert_allclose(got, plain[lab], rtol=0, atol=1e-10)
    d = gc.differences[gc.differences.kind == "index"].set_index("construct")["difference"][list(SPEC.codes)].to_numpy()
    np.testing.assert_allclose(d, plain["A"] - plain["B"], rtol=0, atol=1e-10)
    assert gc.differences[gc.differences.kind == "index"].p_permutation.between(0, 1).all()
