"""Missing-data policies, missing codes, reverse coding, scale override, column maps and
``csi validate``: each checked against an independent pandas computation of the same rule.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import csi
from csi.data.survey import from_frame, read_column_map, read_survey, validate_survey
from csi.derive.indices import compute as compute_indices
from csi.estimators.pls import PLS
from csi.model.simulate import simulate_survey
from csi.model.spec import load_model, parse_yaml
from tests.conftest import ROOT

SPEC = load_model("ecsi")
ITEMS = list(SPEC.items)


@pytest.fixture(scope="module")
def holes() -> pd.DataFrame:
    """300 respondents with 40 blank answers and two respondents with no answer at all."""
    df = simulate_survey(SPEC, 300, seed=21)
    rng = np.random.default_rng(22)
    for _ in range(40):
        df.iat[int(rng.integers(300)), int(rng.integers(24))] = np.nan
    df.loc[[17, 250], :] = np.nan
    df.insert(0, "wt", np.round(rng.uniform(0.5, 2.0, 300), 2))
    return df


def _fit_quiet(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(data, "ecsi", tiers=(), boot=0, **kw)


def test_casewise_counts_match_pandas(holes):
    s = from_frame(holes, SPEC)
    answered = holes[ITEMS].notna()
    nonempty = answered.any(axis=1)
    complete = answered.all(axis=1)
    assert s.n_read == 300 and s.n_used == int(complete.sum())
    md = s.settings["missing_data"]
    assert md["rows_empty"] == 2
    assert md["respondents_dropped"] == int((nonempty & ~complete).sum())
    for c in SPEC.constructs:
        expected = int((nonempty & ~answered[list(c.items)].all(axis=1)).sum())
        assert s.dropped_by_construct[c.code] == expected, c.code
    assert dict(s.missing_by_item) == {i: int((~answered.loc[nonempty, i]).sum()) for i in ITEMS}
    pd.testing.assert_frame_equal(s.items, holes.loc[complete, ITEMS].reset_index(drop=True).astype(float))


def test_casewise_fit_equals_fit_on_complete_rows(holes):
    res = _fit_quiet(holes)
    direct = PLS(SPEC).fit(holes.loc[holes[ITEMS].notna().all(axis=1), ITEMS].reset_index(drop=True))
    np.testing.assert_allclose(res.pls.paths.to_numpy(), direct.paths.to_numpy(), rtol=0, atol=1e-12)
    md = res.settings["missing_data"]
    assert md["policy"] == "casewise" and md["dropped_by_construct"] == dict(res.survey.dropped_by_construct)


def test_mean_imputation_equals_pandas_fillna(holes):
    s = from_frame(holes, SPEC, missing="mean")
    body = holes.loc[holes[ITEMS].notna().any(axis=1), ITEMS].reset_index(drop=True)
    expected = body.fillna(body.mean())
    pd.testing.assert_frame_equal(s.items, expected.astype(float))
    for c in SPEC.constructs:
        assert s.imputed_by_construct[c.code] == int(body[list(c.items)].isna().any(axis=1).sum())
    assert s.settings["missing_data"]["cells_imputed"] == int(body.isna().sum().sum())
    assert s.n_used == 298


def test_weighted_mean_imputation_uses_survey_weights(holes):
    s = from_frame(holes, SPEC, missing="mean", weights="wt")
    keep = holes[ITEMS].notna().any(axis=1)
    body = holes.loc[keep, ITEMS].reset_index(drop=True)
    w = holes.loc[keep, "wt"].to_numpy()
    for item in ITEMS:
        ok = body[item].notna().to_numpy()
        if (~ok).any():
            fill = np.sum(w[ok] * body[item].to_numpy()[ok]) / w[ok].sum()
            np.testing.assert_allclose(s.items[item].to_numpy()[~ok], fill, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(s.weights, w)


def test_heavy_imputation_is_warned(holes):
    df = holes.copy()
    df.loc[: 80, "CUSA2"] = np.nan
    s = from_frame(df, SPEC, missing="mean")
    assert any(w.startswith("item CUSA2: ") and "imputed by the item mean" in w for w in s.warnings)


def test_heavy_casewise_loss_is_warned(holes):
    df = holes.copy()
    df.loc[: 100, "PERQ5"] = np.nan
    s = from_frame(df, SPEC)
    assert any(w.startswith("casewise deletion dropped") for w in s.warnings)


def test_missing_codes_option_and_model_default():
    df = simulate_survey(SPEC, 120, seed=5)
    df.loc[[3, 8], "CUSA1"] = 99
    df.loc[11, "IMAG2"] = 98
    s = from_frame(df, SPEC, missing_codes=(98, 99))
    assert s.settings["missing_data"]["coded_missing_by_item"] == {"IMAG2": 1, "CUSA1": 2}
    assert s.n_used == 117
    yaml_text = SPEC.to_yaml() + "missing_codes: [98, 99]\n"
    spec2 = parse_yaml(yaml_text, "ecsi-codes.yaml")
    s2 = from_frame(df, spec2)
    pd.testing.assert_frame_equal(s.items, s2.items)
    assert s2.settings["missing_codes_source"] == "the model's missing_codes"
    # the option replaces the model's codes
    with pytest.raises(csi.DataError, match="column CUSA1: 2 value"):
        from_frame(df, spec2, missing_codes=(98,))


def test_na_tokens_are_missing_and_reported():
    df = simulate_survey(SPEC, 80, seed=6).astype(object)
    df.loc[2, "PERV1"] = "n/a"
    df.loc[5, "PERV1"] = " N/A "
    df.loc[7, "CUSL1"] = "Don't know"
    s = from_frame(df, SPEC)
    assert s.n_used == 77
    assert any("cells read as missing for text such as 'n/a': PERV1 2, CUSL1 1" in n for n in s.notes)


def test_reverse_coding_matches_manual_recode():
    df = simulate_survey(SPEC, 200, seed=7)
    flipped = df.copy()
    flipped["CUSL2"] = 11 - flipped["CUSL2"]
    s = from_frame(flipped, SPEC, reverse=("CUSL2",))
    pd.testing.assert_frame_equal(s.items, df.astype(float))
    assert s.settings["reversed_items"] == ["CUSL2"]
    res_rev = _fit_quiet(flipped, reverse=("CUSL2",))
    res = _fit_quiet(df)
    np.testing.assert_allclose(res_rev.pls.paths.to_numpy(), res.pls.paths.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res_rev.indices.index.to_numpy(), res.indices.index.to_numpy(), rtol=0, atol=1e-12)


def test_scale_override_reaches_the_indices():
    """Items on 0–10: --scale 0-10 validates and scores on 0–10 (index by hand)."""
    df = simulate_survey(SPEC, 200, seed=8) - 1  # 0..9 observed
    df.loc[0, "CUSA1"] = 0
    with pytest.raises(csi.DataError, match="outside the 1–10 scale"):
        from_frame(df, SPEC)
    res = _fit_quiet(df, scale=(0, 10))
    assert res.settings["scale"] == {"min": 0.0, "max": 10.0}
    assert res.settings["scale_source"] == "--scale"
    nw = res.indices.normalized_weights
    for c in SPEC.constructs:
        by_hand = sum(nw[(c.code, i)] * (df[i].mean() - 0) / 10 * 100 for i in c.items)
        assert res.indices.index[c.code] == pytest.approx(by_hand, abs=1e-9)
    # the standardized fit is unchanged by the scale
    other = PLS(SPEC).fit(df)
    np.testing.assert_allclose(res.pls.paths.to_numpy(), other.paths.to_numpy(), rtol=0, atol=1e-12)
    assert abs(compute_indices(other, df).index["CUSA"] - res.indices.index["CUSA"]) > 1  # the 1–10 default would differ


def test_column_map_yaml_and_csv(tmp_path):
    df = simulate_survey(SPEC, 100, seed=9)
    renamed = df.rename(columns={i: f"q{k + 1}" for k, i in enumerate(ITEMS)})
    ymap = tmp_path / "map.yaml"
    ymap.write_text("".join(f"q{k + 1}: {i}\n" for k, i in enumerate(ITEMS)))
    cmap = tmp_path / "map.csv"
    cmap.write_text("column;item\n" + "".join(f"q{k + 1};{i}\n" for k, i in enumerate(ITEMS)), encoding="cp1252")
    for m in (ymap, cmap):
        mapping = read_column_map(m)
        s = from_frame(renamed, SPEC, column_map=mapping)
        pd.testing.assert_frame_equal(s.items, df.astype(float))
        assert s.settings["column_map"]["q1"] == "IMAG1"


def test_validate_report_on_the_bundled_sample():
    rep = validate_survey(ROOT / "data" / "sample_survey.xlsx", "ecsi", weights="weight")
    raw = pd.read_excel(ROOT / "data" / "sample_survey.xlsx", sheet_name="responses", engine="openpyxl")
    assert rep.ok and rep.sheet == "responses" and rep.n_read == len(raw)
    assert rep.other_columns == ("respondent", "region", "channel", "weight")
    np.testing.assert_array_equal(rep.items["blank"].to_numpy(), raw[ITEMS].isna().sum().to_numpy())
    complete = raw[ITEMS].notna().all(axis=1)
    assert rep.n_complete == rep.n_used == int(complete.sum())
    w = raw.loc[complete, "weight"].to_numpy()
    assert rep.n_effective == pytest.approx(w.sum() ** 2 / np.sum(w**2), rel=1e-12)
    np.testing.assert_allclose(rep.items["mean"].to_numpy(), raw[ITEMS].mean().to_numpy(), rtol=0, atol=1e-12)


def test_validate_lists_every_problem_without_raising(tmp_path):
    df = simulate_survey(SPEC, 50, seed=10).astype(object)
    df.loc[1, "IMAG1"] = "x"
    df.loc[2, "CUSA1"] = 99
    df = df.drop(columns=["PERQ3"])
    rep = validate_survey(df, "ecsi")
    assert not rep.ok and len(rep.problems) == 4
    assert rep.items_missing == ("PERQ3",)
    assert rep.items.loc["IMAG1", "non_numeric"] == 1 and rep.items.loc["CUSA1", "out_of_scale"] == 1


def test_read_survey_keeps_segments_aligned(tmp_path):
    df = simulate_survey(SPEC, 90, seed=13)
    df.insert(0, "channel", np.where(np.arange(90) % 3 == 0, "online", "store"))
    df.loc[[4, 9], "PERQ1"] = np.nan
    p = tmp_path / "s.csv"
    df.to_csv(p, index=False)
    s = read_survey(p, SPEC, groups=("channel",))
    keep = df["PERQ1"].notna()
    assert list(s.segments["channel"]) == list(df.loc[keep, "channel"])
    assert s.segments.shape[0] == s.items.shape[0] == 88
