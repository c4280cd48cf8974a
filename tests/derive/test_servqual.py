"""SERVQUAL: planted gaps recovered with the right sign and size; weighted overall = hand formula; item
gaps = pandas means of P − E; the built-in model is 22 items in 4/5/4/4/5; gap-model errors name file and line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csi.derive.servqual import analyse
from csi.errors import DataError, SpecError
from csi.model.gaps import load_gap_model, parse_gap_yaml, simulate
from csi.workflows.servqual import run_servqual

SQ = load_gap_model("servqual")
PLANTED = {"TAN": -0.5, "REL": -1.5, "RES": -1.0, "ASS": 0.0, "EMP": 0.6}


def test_builtin_model_shape():
    assert [len(d.pairs) for d in SQ.dimensions] == [4, 5, 4, 4, 5]
    assert [d.code for d in SQ.dimensions] == ["TAN", "REL", "RES", "ASS", "EMP"]
    assert SQ.columns[:2] == ["P1", "E1"] and len(SQ.columns) == 44


def test_planted_gaps_recovered():
    data = simulate(SQ, 1500, PLANTED, seed=11)
    res = analyse(SQ, data, resamples=300, seed=2)
    t = res.table.set_index(["level", "dimension"])
    for code, g in PLANTED.items():
        row = t.loc[("dimension", code)]
        assert abs(row["gap"] - g) < 0.08, (code, row["gap"])  # clipping at 1..7 shrinks large gaps a little
        if g != 0:
            assert np.sign(row["gap"]) == np.sign(g) and (row["ci_hi"] < 0 or row["ci_lo"] > 0)
        else:
            assert row["ci_lo"] < 0 < row["ci_hi"]
    overall = t.loc[("overall", "")]
    assert overall.iloc[0]["gap"] == pytest.approx(np.mean(list(PLANTED.values())), abs=0.05)


def test_item_gaps_and_weighted_overall_equal_hand_formulas():
    data = simulate(SQ, 400, PLANTED, seed=3)
    res = analyse(SQ, data, resamples=0)
    t = res.table
    items = t[t["level"] == "item"].set_index("name")
    for d in SQ.dimensions:
        for p, e in d.pairs:
            assert items.loc[p, "gap"] == pytest.approx((data[p] - data[e]).mean(), abs=1e-12)
    # hand: per respondent Σ_d w_d/Σw · (mean P_d − mean E_d), averaged
    W = data[SQ.importance].to_numpy(float)
    G = np.column_stack([data[[p for p, _ in d.pairs]].mean(axis=1) - data[[e for _, e in d.pairs]].mean(axis=1) for d in SQ.dimensions])
    hand = np.mean((W / W.sum(axis=1, keepdims=True) * G).sum(axis=1))
    w = t[(t["level"] == "overall") & (t["name"] == "weighted by importance")]["gap"].iloc[0]
    assert w == pytest.approx(hand, abs=1e-12)
    unw = t[(t["level"] == "overall") & (t["name"] == "unweighted")]["gap"].iloc[0]
    assert unw == pytest.approx(G.mean(), abs=1e-12)


def test_segments_and_bootstrap_draw():
    data = simulate(SQ, 600, PLANTED, seed=5, segments={"north": 0.0, "south": -0.8})
    res = run_servqual(data, SQ, resamples=200, segment="segment")
    t = res.table
    ov = t[(t["level"] == "overall") & (t["name"] == "unweighted")].set_index("segment", drop=False)
    north = ov[ov["segment"] == "north"]["gap"].iloc[0]
    south = ov[ov["segment"] == "south"]["gap"].iloc[0]
    assert south - north == pytest.approx(-0.8, abs=0.12)
    assert (t["ci_lo"] <= t["gap"]).all() and (t["gap"] <= t["ci_hi"]).all()


def test_errors(tmp_path):
    with pytest.raises(SpecError, match=r"g.yaml line 5: item E1 is used twice"):
        parse_gap_yaml("dimensions:\n  A:\n    pairs: {P1: E1}\n  B:\n    pairs: {P2: E1}\n", "g.yaml")
    data = simulate(SQ, 20, PLANTED, seed=1)
    data.loc[3, "P7"] = 9
    with pytest.raises(DataError, match=r"column P7 row 5: '9.0' is not on the scale 1-7"):
        run_servqual(data, SQ, resamples=0)
    with pytest.raises(DataError, match="missing column\\(s\\) E22"):
        run_servqual(data.drop(columns="E22"), SQ, resamples=0)


def test_docs_hand_example():
    """docs/service-quality.md: a user gap model with two respondents."""
    gm = parse_gap_yaml("""\
name: branch-gaps
scale: {min: 1, max: 5}
dimensions:
  SPEED: {label: Speed, pairs: {p_wait: e_wait, p_queue: e_queue}, importance: w_speed}
  STAFF: {label: Staff, pairs: {p_polite: e_polite}, importance: w_staff}
""", "branch.yaml")
    data = pd.DataFrame({"p_wait": [3, 2], "e_wait": [4, 4], "p_queue": [4, 5], "e_queue": [4, 5],
                         "p_polite": [5, 4], "e_polite": [4, 4], "w_speed": [60, 50], "w_staff": [40, 50]})
    t = run_servqual(data, gm, resamples=0).table.set_index(["level", "name"])
    assert t.loc[("dimension", "Speed"), "gap"] == pytest.approx(-0.75, abs=1e-12)
    assert t.loc[("overall", "weighted by importance"), "gap"] == pytest.approx(-0.2, abs=1e-12)
    assert t.loc[("overall", "unweighted"), "gap"] == pytest.approx(-0.125, abs=1e-12)
