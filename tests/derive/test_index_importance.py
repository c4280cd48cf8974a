"""Issue 16: ``mean`` index weights from importance items of the survey (``index: importance``).

The weight of an item is the mean rating of its importance column over the respondents used
(blank cells and missing codes left out), normalized within the construct; checked against the
hand computation written here (1e-12), in csi.fit, the bootstrap (weights held fixed) and the
errors that name the file and column."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csi
from csi.data.survey import from_frame, read_survey
from csi.derive.index_methods import importance_weights, with_importance
from csi.derive.indices import INDEXERS
from csi.errors import DataError, SpecError
from csi.estimators.pls import PLS
from csi.inference.bootstrap import bootstrap_fit
from csi.model.spec import parse_yaml
from tests.derive.test_index_methods import HAND_YAML

BASE = HAND_YAML.replace("name: hand\n", "name: hand-importance\n")  # docs/index-methods.md's hand-worked model
PER_CONSTRUCT = BASE + "index:\n  importance:\n    SAT: [imp_q1, imp_q2]\n"
PER_ITEM = BASE + "index:\n  importance: {q1: imp_q1, q2: imp_q2}\n"
# docs/index-methods.md's five respondents, their importance ratings, and a sixth respondent who
# skipped q2 (dropped casewise: its ratings must not count); 99 is a missing code
DATA = pd.DataFrame({
    "q1": [5, 4, 4, 3, 5, 1], "q2": [4, 3, 3, 1, 4, None], "l1": [5, 4, 3, 2, 4, 1],
    "imp_q1": [9, 8, 10, 7, None, 1], "imp_q2": [5, 99, 4, 6, 5, 1], "region": ["a"] * 6,
})
# by hand: a_q1 = (9 + 8 + 10 + 7)/4 = 8.5, a_q2 = (5 + 4 + 6 + 5)/4 = 5;
# item means 4.2 → 80, 3.0 → 50; SAT = (8.5·80 + 5·50)/13.5 = 930/13.5
A_Q1, A_Q2 = 8.5, 5.0
SAT = (A_Q1 * 80 + A_Q2 * 50) / (A_Q1 + A_Q2)


def _survey(yaml: str):
    spec = parse_yaml(yaml, "imp.yaml")
    return spec, from_frame(DATA, spec, missing_codes=(99,))


@pytest.mark.parametrize("yaml", [PER_CONSTRUCT, PER_ITEM], ids=["per-construct", "per-item"])
def test_mean_index_from_importance_items_matches_hand_computation(yaml):
    spec, sv = _survey(yaml)
    assert dict(spec.index.importance) == {"q1": "imp_q1", "q2": "imp_q2"}
    assert sv.n_used == 5 and list(sv.importance.columns) == ["imp_q1", "imp_q2"]
    assert importance_weights(spec, sv) == pytest.approx({"q1": A_Q1, "q2": A_Q2}, abs=1e-12)
    spec2 = with_importance(spec, sv)
    res = PLS(spec2).fit(sv.items)
    from csi.derive.indices import configure

    idx = configure(INDEXERS.get("mean"), spec2).fit(res, sv.items, 1, 5)
    assert idx.index["SAT"] == pytest.approx(SAT, abs=1e-12)
    assert idx.index["SAT"] != pytest.approx(65.0, abs=1e-6)  # not the equal-weight index
    assert idx.normalized_weights.loc[("SAT", "q1")] == pytest.approx(A_Q1 / (A_Q1 + A_Q2), abs=1e-12)
    # the bootstrap holds the weights fixed: a draw on explicit rows = the hand formula on those rows
    rows = np.array([[0, 0, 1, 3, 4]])
    boot = bootstrap_fit(res, sv, indices=rows, indexer=INDEXERS.get("mean"), workers=1)
    sub = DATA.iloc[rows[0]]
    m1, m2 = ((sub[c].mean() - 1) / 4 * 100 for c in ("q1", "q2"))
    assert boot.draws("index").loc[0, "SAT"] == pytest.approx((A_Q1 * m1 + A_Q2 * m2) / (A_Q1 + A_Q2), abs=1e-12)


def test_survey_weights_weigh_the_importance_means():
    spec, _ = _survey(PER_CONSTRUCT)
    sv = from_frame(DATA.assign(w=[1, 2, 1, 1, 3, 1]), spec, missing_codes=(99,), weights="w")
    # imp_q1 answered by rows 1-4 (weights 1, 2, 1, 1); imp_q2 by rows 1, 3, 4, 5 (weights 1, 1, 1, 3)
    assert importance_weights(spec, sv) == pytest.approx(
        {"q1": (9 + 16 + 10 + 7) / 5, "q2": (5 + 4 + 6 + 15) / 6}, abs=1e-12)


def test_csi_fit_records_the_importance_weights(tmp_path):
    model = tmp_path / "imp.yaml"
    model.write_text(PER_CONSTRUCT, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(DATA, model, index="mean", boot=0, missing_codes=(99,), derive=("indices",))
    assert res.indices.index["SAT"] == pytest.approx(SAT, abs=1e-12)
    rec = res.settings["index_importance"]
    assert rec["columns"] == {"q1": "imp_q1", "q2": "imp_q2"}
    assert rec["mean_ratings"] == pytest.approx({"q1": A_Q1, "q2": A_Q2}, abs=1e-12)
    assert "mean importance rating" in rec["rule"] and "fixed" in rec["rule"]


def test_missing_importance_column_names_file_and_column(tmp_path):
    spec = parse_yaml(PER_CONSTRUCT, "imp.yaml")
    f = tmp_path / "survey.csv"
    DATA.drop(columns=["imp_q2"]).to_csv(f, index=False)
    with pytest.raises(DataError) as e:
        read_survey(f, spec)
    msg = str(e.value)
    assert str(f) in msg and "importance column imp_q2" in msg and "of q2" in msg and "no such column" in msg


def test_non_numeric_importance_rating_is_a_data_problem():
    spec = parse_yaml(PER_ITEM, "imp.yaml")
    with pytest.raises(DataError, match="importance column imp_q1: 1 non-numeric value"):
        from_frame(DATA.assign(imp_q1=["9", "8", "very", "7", "", "1"]), spec, missing_codes=(99,))


@pytest.mark.parametrize("section,message", [
    ("index:\n  importance:\n    SAT: [imp_q1]\n", "construct SAT should be a list of 2 column names"),
    ("index:\n  importance: {qq: imp}\n", "'qq', which is neither an item nor a construct"),
    ("index:\n  weights: {q1: 2}\n  importance: {q2: imp_q2}\n", "SAT given both index weights and importance columns"),
    ("index:\n  importance: {SAT: [a, b], q1: c}\n", "names q1 more than once"),
])
def test_importance_section_errors(section, message):
    with pytest.raises(SpecError, match=message):
        parse_yaml(BASE + section, "imp.yaml")


def test_importance_section_round_trips():
    spec = parse_yaml(PER_CONSTRUCT, "imp.yaml")
    assert parse_yaml(spec.to_yaml(), "again").index == spec.index
    assert dict(spec.with_items({"q1": "Q1"}).index.importance) == {"Q1": "imp_q1", "q2": "imp_q2"}


def test_csi_score_refit_waves_take_each_units_importance_means(tmp_path):
    from csi.workflows.waves import score_waves

    model = tmp_path / "imp.yaml"
    model.write_text(PER_ITEM, encoding="utf-8")
    wave = tmp_path / "wave_2026Q1.csv"
    DATA.to_csv(wave, index=False)
    res = score_waves([wave], model, index="mean", resamples=0, missing_codes=(99,), segments="region", workers=1)
    assert len(res.units) == 2  # the wave and its one segment, with the same respondents
    for u in res.units:
        assert u.index["SAT"] == pytest.approx(SAT, abs=1e-12)
    assert res.settings["index_importance"]["columns"] == {"q1": "imp_q1", "q2": "imp_q2"}


def test_importance_column_renamed_by_the_column_map_is_found():
    spec = parse_yaml(PER_ITEM, "imp.yaml")
    sv = from_frame(DATA.rename(columns={"imp_q1": "Wichtigkeit Q1"}), spec, missing_codes=(99,),
                    column_map={"Wichtigkeit Q1": "imp_q1"})
    assert importance_weights(spec, sv) == pytest.approx({"q1": A_Q1, "q2": A_Q2}, abs=1e-12)
