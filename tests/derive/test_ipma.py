"""Importance–performance map: the issue's mobi figures and an independent OLS computation.

The independent side never calls csi: 0–100 respondent scores are built from SEMinR 2.3.1's
outer weights (reference file) and the raw mobi items with numpy; the structural model is
re-estimated by OLS on those scores and total effects come from (I − B)⁻¹ − I.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import csi
from csi.derive.ipma import ipma, ipma_items, priority_summary
from csi.errors import CsiError
from tests.conftest import SEMINR

ISSUE_IMPORTANCE = {"CUSA": 0.790, "IMAG": 0.643, "PERQ": 0.505, "CUEX": 0.341, "PERV": 0.109, "CUSCO": 0.058}
ECSI_PATHS = [("IMAG", "CUEX"), ("IMAG", "CUSA"), ("IMAG", "CUSL"), ("CUEX", "PERQ"), ("CUEX", "PERV"), ("CUEX", "CUSA"),
              ("PERQ", "PERV"), ("PERQ", "CUSA"), ("PERV", "CUSA"), ("CUSA", "CUSCO"), ("CUSA", "CUSL"), ("CUSCO", "CUSL")]
CODES = ["IMAG", "CUEX", "PERQ", "PERV", "CUSA", "CUSCO", "CUSL"]


@pytest.fixture(scope="module")
def fit(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(mobi, "ecsi", tiers=(), boot=0)


@pytest.fixture(scope="module")
def independent(mobi):
    """Normalized weights, 0–100 scores and OLS total effects from SEMinR's weights (no csi)."""
    outer = pd.read_csv(SEMINR / "ecsi_mobi_outer.csv")
    nw = {}
    scores = {}
    for code, blk in outer.groupby("construct", sort=False):
        items = list(blk.indicator)
        u = blk.weight.to_numpy() / mobi[items].std(ddof=1).to_numpy()
        w = u / u.sum()
        nw[code] = pd.Series(w, index=items)
        scores[code] = ((mobi[items].to_numpy() - 1) / 9 * 100) @ w
    S = pd.DataFrame(scores)[CODES]
    B = np.zeros((7, 7))
    for j, target in enumerate(CODES):
        preds = [s for s, t in ECSI_PATHS if t == target]
        if not preds:
            continue
        X = np.column_stack([np.ones(len(S)), S[preds].to_numpy()])
        beta = np.linalg.lstsq(X, S[target].to_numpy(), rcond=None)[0][1:]
        for p, b in zip(preds, beta, strict=True):
            B[CODES.index(p), j] = b
    total = np.linalg.inv(np.eye(7) - B) - np.eye(7)
    return nw, S, pd.DataFrame(total, index=CODES, columns=CODES)


def test_issue_importance_figures(fit, independent):
    """The quoted figures (3 decimals) are confirmed by the independent OLS computation first,
    so they are not merely csi's own output pasted back."""
    _, _, total = independent
    got = fit.ipma.set_index("construct").importance
    for code, v in ISSUE_IMPORTANCE.items():
        assert abs(total.loc[code, "CUSL"] - v) < 5e-4, (code, total.loc[code, "CUSL"], v)
        assert abs(got[code] - v) < 5e-4, (code, got[code], v)  # the issue quotes 3 decimals


def test_importance_matches_ols_total_effects_on_0_100_scores(fit, independent):
    _, _, total = independent
    got = fit.ipma.set_index("construct").importance
    assert set(got.index) == set(ISSUE_IMPORTANCE)
    diff = max(abs(got[c] - total.loc[c, "CUSL"]) for c in got.index)
    assert diff < 1e-6, diff


def test_performance_equals_indices(fit):
    ref = pd.read_csv(SEMINR / "ecsi_mobi_index_acsi_formula.csv", index_col=0)["index"]
    perf = fit.ipma.set_index("construct").performance
    for code in perf.index:
        assert abs(perf[code] - ref[code]) < 1e-6
    assert abs(perf["CUSA"] - 72.45) < 5e-3 and abs(perf["PERV"] - 62.35) < 5e-3


def test_item_level_importance_and_performance(fit, independent, mobi):
    nw, _, total = independent
    items = fit.ipma_items
    assert len(items) == sum(len(nw[c]) for c in ISSUE_IMPORTANCE)
    for r in items.itertuples():
        expected = nw[r.construct][r.item] * total.loc[r.construct, "CUSL"]
        assert abs(r.importance - expected) < 1e-6
        assert abs(r.performance - (mobi[r.item].mean() - 1) / 9 * 100) < 1e-9
    # item importances of a construct add up to its importance (weights sum to 1)
    sums = items.groupby("construct").importance.sum()
    con = fit.ipma.set_index("construct").importance
    assert max(abs(sums[c] - con[c]) for c in con.index) < 1e-12


def test_other_target_and_priority_rule(fit, independent):
    _, _, total = independent
    res = ipma(fit.pls, fit.indices, target="CUSA")
    assert set(res.construct) == {"IMAG", "CUEX", "PERQ", "PERV"}
    for r in res.itertuples():
        assert abs(r.importance - total.loc[r.construct, "CUSA"]) < 1e-6
    # priority: importance above the mean and performance below the mean, recomputed here
    mi, mp = res.importance.mean(), res.performance.mean()
    expected = {r.construct for r in res.itertuples() if r.importance > mi and r.performance < mp}
    assert set(res[res.priority].construct) == expected


def test_priority_summary_names_the_quadrant():
    df = pd.DataFrame({"target": "T", "construct": ["A", "B", "C"], "label": ["a", "b", "c"],
                       "importance": [0.9, 0.1, 0.5], "performance": [40.0, 80.0, 70.0], "std_total_effect": [0.5, 0.1, 0.3]})
    df["priority"] = (df.importance > df.importance.mean()) & (df.performance < df.performance.mean())
    text = priority_summary(df)
    assert "A (importance 0.900, performance 40.0)" in text and "B" not in text.split(":", 1)[1]
    none = priority_summary(df.assign(priority=False))
    assert none.endswith(": none")


def test_summary_and_json_and_excel(fit, tmp_path):
    from csi.report import excel
    from csi.report.json import write_json
    from csi.results.contract import to_dict

    text = fit.summary()
    assert "Importance–performance map (target CUSL)" in text
    assert "IPMA priority for CUSL" in text
    d = to_dict(fit)
    rows = {r["construct"]: r for r in d["ipma"]}
    assert abs(rows["CUSA"]["importance"] - ISSUE_IMPORTANCE["CUSA"]) < 5e-4
    assert {"target", "construct", "importance", "performance", "priority", "items"} <= set(rows["CUSA"])
    assert [i["item"] for i in rows["CUSA"]["items"]] == ["CUSA1", "CUSA2", "CUSA3"]
    write_json(fit, tmp_path / "r.json")
    json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    excel.write_fit(fit, tmp_path / "r.xlsx")
    book = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None, engine="openpyxl", header=1)  # row 2: the results.json codes
    assert {"ipma", "ipma_items"} <= set(book)
    assert len(book["ipma_items"]) == len(fit.ipma_items)


def test_bad_target_names_the_choices(fit):
    with pytest.raises(CsiError, match="--ipma-target should be one of IMAG, CUEX"):
        ipma(fit.pls, fit.indices, target="LOYALTY")


def test_ipma_items_direct_call_for_another_target(fit, independent, mobi):
    """ipma_items called directly on a CUSA map: item importance = normalized weight × the
    construct's OLS total effect on CUSA, item performance = the item's 0–100 mean."""
    nw, _, total = independent
    con = ipma(fit.pls, fit.indices, target="CUSA")
    df = ipma_items(fit.pls, fit.indices, con)
    assert set(df.construct) == {"IMAG", "CUEX", "PERQ", "PERV"}
    assert len(df) == sum(len(nw[c]) for c in set(df.construct))
    for r in df.itertuples():
        assert abs(r.importance - nw[r.construct][r.item] * total.loc[r.construct, "CUSA"]) < 1e-6, (r.construct, r.item)
        assert abs(r.performance - (mobi[r.item].mean() - 1) / 9 * 100) < 1e-9, r.item
