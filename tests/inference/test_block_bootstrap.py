"""Bootstrap of blocks of sufficient statistics (large n) against the exact row bootstrap.

Independent sides: the moments of a block resample equal, to rounding, those of the
respondents of the drawn blocks replicated row by row (computed by the row engine on the
expanded counts); and at n = 20,000 the block bootstrap's SEs and percentile intervals agree
with the exact row bootstrap within Monte Carlo error (bounds derived in the test).
"""

from __future__ import annotations

import numpy as np
import pytest

from csi.data.survey import from_frame
from csi.errors import CsiError
from csi.estimators.pls import PLS
from csi.inference import bootstrap as bs
from csi.inference.bootstrap import bootstrap_fit
from csi.inference.moments import CentredItems, grouped
from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

SPEC = load_model("ecsi")


@pytest.mark.parametrize("weighted", [False, True])
def test_block_moments_equal_the_expanded_rows(weighted):
    rng = np.random.default_rng(1)
    n, G = 1003, 40  # sizes differ by one between blocks
    X = rng.integers(1, 11, size=(n, 6)).astype(float)
    v = rng.uniform(0.5, 2.0, n) if weighted else None
    items, W = grouped(X, v, True, G, np.random.default_rng(7))
    perm = np.random.default_rng(7).permutation(n)
    block_of = np.empty(n, dtype=int)
    block_of[perm] = np.arange(n) % G
    c = rng.integers(0, 3, size=(5, G)).astype(float)  # 5 reweightings of the blocks
    got = items.reweighted(c * W)
    rows = c[:, block_of] * (1.0 if v is None else v)  # every respondent of block g counted c_g times
    ref = CentredItems.of(X, v, True).reweighted(rows)
    assert np.max(np.abs(got.S - ref.S)) < 1e-12
    assert np.max(np.abs(got.mean - ref.mean)) < 1e-12
    assert np.max(np.abs(got.var - ref.var) / ref.var) < 1e-12


def test_block_intervals_agree_with_the_row_bootstrap_at_20000():
    """B = 600 each.  SE: the relative SD of a bootstrap SE is ≈ 1/√(2B), so the two SEs differ
    by ≈ N(0, 1/√B = 4.1 %): accept 16 % (4 SD).  A 2.5 % quantile has SD
    √(0.025·0.975/B)/φ(1.96) ≈ 0.109 SE, the difference of two ≈ 0.154 SE: accept 0.65 SE."""
    n, B = 20_000, 600
    sv = from_frame(simulate_survey(SPEC, n, seed=3), SPEC)
    res = PLS(SPEC).fit(sv.items)
    rows = bootstrap_fit(res, sv, resamples=B, seed=2, blocks=0)
    blocks = bootstrap_fit(res, sv, resamples=B, seed=5, blocks=5_000)
    assert rows.settings["resampling"].startswith("rows") and blocks.settings["blocks"] == 5_000
    for kind in ("paths", "index", "r2"):
        r, b = rows.stats(kind), blocks.stats(kind)
        assert np.max(np.abs(b.std_error / r.std_error - 1)) < 0.16, kind
        for end in ("ci_lo", "ci_hi"):
            assert np.max(np.abs((b[end] - r[end]) / r.std_error)) < 0.65, (kind, end)
        assert np.max(np.abs(b.estimate - r.estimate)) == 0  # the same full-sample estimates


def test_blocks_are_chosen_automatically_above_the_threshold():
    assert bs._blocks(bs.BLOCK_ROWS, None, None) == 0
    assert bs._blocks(bs.BLOCK_ROWS + 1, None, None) == bs.DEFAULT_BLOCKS
    assert bs._blocks(10**6, None, np.zeros((1, 10**6), dtype=int)) == 0  # explicit indices: rows
    assert bs._blocks(10**6, 0, None) == 0
    with pytest.raises(CsiError, match="blocks should be 0"):
        bs._blocks(1000, 1, None)


def test_block_bootstrap_settings_and_bca():
    sv = from_frame(simulate_survey(SPEC, 3000, seed=4), SPEC)
    res = PLS(SPEC).fit(sv.items)
    b = bootstrap_fit(res, sv, resamples=250, seed=1, blocks=300, ci="bca")
    assert "300 blocks" in b.settings["resampling"] and b.settings["jackknife_fits"] == 300
    assert b.settings["p_value"].endswith("n - 1 = 2999 degrees of freedom, t = estimate / bootstrap SE")
    t = b.stats("paths")
    assert (t.ci_lo < t.estimate).all() and (t.estimate < t.ci_hi).all()
