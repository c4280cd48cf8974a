"""Readers: the same survey as xlsx, csv (comma / semicolon + decimal comma + Latin-1), sav,
dta and parquet gives identical estimates; sniffing of delimiters and encodings.

The fixture files are generated here (tmp_path), never committed.  The oracle for every
format is the fit of the in-memory DataFrame the files were written from.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import csi
import csi.data.survey
import csi.model.spec
from csi.data.readers import read_table
from csi.data.readers.text import sniff_text
from csi.data.survey import from_frame, read_survey
from csi.errors import DataError
from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

REGIONS = ["Île-de-France", "Köln", "Malmö", "Zürich"]


@pytest.fixture(scope="module")
def spec():
    return load_model("ecsi")


@pytest.fixture(scope="module")
def frame(spec) -> pd.DataFrame:
    """240 respondents, 14 blank answers, a region with non-ASCII labels, a weight."""
    n = 240
    items = simulate_survey(spec, n, seed=11)
    rng = np.random.default_rng(12)
    for _ in range(14):
        items.iat[int(rng.integers(n)), int(rng.integers(items.shape[1]))] = np.nan
    front = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "region": rng.choice(REGIONS, size=n),
        "weight": np.round(rng.uniform(0.4, 1.6, size=n), 3),
    })
    return pd.concat([front, items], axis=1)


@pytest.fixture(scope="module")
def files(frame, spec, tmp_path_factory) -> dict[str, object]:
    d = tmp_path_factory.mktemp("formats")
    out: dict[str, object] = {}
    p = d / "survey.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        pd.DataFrame({"about": ["a cover sheet first"]}).to_excel(xw, sheet_name="about", index=False)
        frame.to_excel(xw, sheet_name="responses", index=False)
    out["xlsx"] = p
    p = d / "comma.csv"
    frame.to_csv(p, index=False, encoding="utf-8")
    out["csv"] = p
    p = d / "european.csv"
    frame.to_csv(p, index=False, sep=";", decimal=",", encoding="cp1252")
    out["csv_semicolon_latin1"] = p
    p = d / "tab.txt"
    frame.to_csv(p, index=False, sep="\t", encoding="utf-16")  # Excel's "Unicode text"
    out["txt_utf16_tab"] = p
    # SPSS: region as labelled codes; missing answers as 99, declared user-missing
    codes = {r: i + 1 for i, r in enumerate(REGIONS)}
    sav = frame.copy()
    sav["region"] = sav["region"].map(codes).astype(float)
    for item in spec.items:
        sav[item] = sav[item].fillna(99.0)
    p = d / "survey.sav"
    pyreadstat.write_sav(
        sav, p, variable_value_labels={"region": {float(v): k for k, v in codes.items()}},
        missing_ranges={item: [99.0] for item in spec.items},
    )
    out["sav"] = p
    dta = frame.copy()
    dta["region"] = dta["region"].map(codes).astype(int)
    p = d / "survey.dta"
    pyreadstat.write_dta(dta, p, variable_value_labels={"region": {v: k for k, v in codes.items()}})
    out["dta"] = p
    p = d / "survey.parquet"
    frame.to_parquet(p, index=False)
    out["parquet"] = p
    return out


def _fit(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(data, "ecsi", weights="weight", tiers=(), boot=0, **kw)


@pytest.fixture(scope="module")
def oracle(frame):
    return _fit(frame)


@pytest.mark.parametrize("kind", ["xlsx", "csv", "csv_semicolon_latin1", "txt_utf16_tab", "sav", "dta", "parquet"])
def test_every_format_gives_identical_estimates(kind, files, oracle, frame, spec):
    kw = {"sheet": "responses"} if kind == "xlsx" else {}
    res = _fit(files[kind], **kw)
    a, b = res.pls, oracle.pls
    assert res.n_obs == oracle.n_obs == 240 - oracle.survey.settings["missing_data"]["respondents_dropped"]
    for name in ("paths", "weights", "loadings", "r2", "item_means", "item_sds"):
        np.testing.assert_allclose(getattr(a, name).to_numpy(), getattr(b, name).to_numpy(), rtol=0, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(res.indices.index.to_numpy(), oracle.indices.index.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(res.survey.weights, oracle.survey.weights)
    assert dict(res.survey.dropped_by_construct) == dict(oracle.survey.dropped_by_construct)
    seg = read_survey(files[kind], spec, groups=("region",), **kw).segments["region"]
    assert list(seg) == list(from_frame(frame, spec, groups=("region",)).segments["region"])


def test_sav_user_missing_values_are_counted(files, spec, frame):
    s = read_survey(files["sav"], spec)
    coded = s.settings["missing_data"]["coded_missing_by_item"]
    expected = {i: int(frame[i].isna().sum()) for i in spec.items if frame[i].isna().any()}
    assert coded == expected
    assert any("SPSS user-missing" in n for n in s.notes)


def test_sniffing_semicolon_decimal_comma_latin1(files):
    info = sniff_text(files["csv_semicolon_latin1"])
    assert (info["delimiter"], info["decimal"], info["encoding"]) == (";", ",", "cp1252")
    raw = read_table(files["csv_semicolon_latin1"])
    assert set(raw.frame["region"]) == set(REGIONS)
    assert raw.frame["weight"].dtype.kind == "f"


def test_sniffing_utf16_tab(files):
    info = sniff_text(files["txt_utf16_tab"])
    assert (info["delimiter"], info["encoding"]) == ("\t", "utf-16")


def test_latin1_after_the_sniffed_sample_is_decoded(tmp_path, frame, spec):
    """Non-ASCII only beyond the first 64 KB: UTF-8 is guessed, then cp1252 is used."""
    big = pd.concat([frame.assign(region="North")] * 8, ignore_index=True)
    big.loc[big.index[-1], "region"] = "Malmö"
    p = tmp_path / "late.csv"
    big.to_csv(p, index=False, encoding="cp1252")
    assert p.stat().st_size > 65536
    raw = read_table(p)
    assert raw.details["encoding"] == "cp1252"
    assert raw.frame["region"].iloc[-1] == "Malmö"


def test_reader_keeps_only_needed_columns_but_lists_all(files, spec):
    s = read_survey(files["csv"], spec)
    assert list(s.items.columns) == list(spec.items)
    rep = csi.data.survey.validate_survey(files["csv"], spec)
    assert rep.columns[:3] == ("id", "region", "weight") and rep.other_columns == ("id", "region", "weight")


def test_xlsx_sheet_by_index_and_default(files, spec):
    by_index = read_survey(files["xlsx"], spec, sheet=1)
    by_name = read_survey(files["xlsx"], spec, sheet="responses")
    pd.testing.assert_frame_equal(by_index.items, by_name.items)
    assert by_index.sheet == "responses"
    # the first sheet is a cover sheet: the sheet holding the items is chosen and said (issue 12)
    auto = read_survey(files["xlsx"], spec)
    pd.testing.assert_frame_equal(auto.items, by_name.items)
    assert auto.sheet == "responses"
    assert any("sheet 'responses' used" in n for n in auto.notes), auto.notes


def test_xlsx_header_below_blank_rows_keeps_row_numbers(tmp_path, spec, frame):
    p = tmp_path / "offset.xlsx"
    bad = frame.copy()
    bad.loc[4, "CUSA1"] = 42
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        bad.to_excel(xw, sheet_name="data", index=False, startrow=2)
    # header on spreadsheet row 3, so frame row 4 is spreadsheet row 8
    with pytest.raises(DataError, match=r"column CUSA1: 1 value\(s\) outside the 1–10 scale in row\(s\) 8 "):
        read_survey(p, spec)


def test_value_labels_only_on_segments(files, spec):
    s = read_survey(files["dta"], spec, groups=("region",))
    assert set(s.segments["region"]) <= set(REGIONS)
    assert s.items.dtypes.eq(float).all()


def test_openpyxl_fallback_reads_the_same(files, spec, frame, monkeypatch):
    import csi.data.readers.excel as sv

    def broken(*a, **k):
        raise RuntimeError("calamine unavailable")

    calls: list[str] = []
    openpyxl_rows = sv._openpyxl_rows

    def spy(*a, **k):
        calls.append("openpyxl")
        return openpyxl_rows(*a, **k)

    monkeypatch.setattr(sv, "_openpyxl_rows", spy)
    direct = read_survey(files["xlsx"], spec, sheet="responses")
    assert calls == []  # calamine read it
    monkeypatch.setattr(sv, "_calamine_rows", broken)
    fallback = read_survey(files["xlsx"], spec, sheet="responses")
    assert calls == ["openpyxl"]  # the fallback really ran
    pd.testing.assert_frame_equal(direct.items, fallback.items)
    pd.testing.assert_frame_equal(fallback.items, frame.loc[frame[list(spec.items)].notna().all(axis=1), list(spec.items)]
                                  .reset_index(drop=True).astype(float))
