"""Survey files as vendors and offices really write them load without hand edits (issue 12).

Each variant of the bundled sample is generated here (no binary files are committed) and fitted;
its estimates (weights, loadings, paths, R², indices and every other number csi writes about
the model) must equal those of the clean UTF-8 CSV to 1e-12:

* CSVs saved by Excel on Chinese (GBK), Japanese (Shift-JIS), Taiwanese (Big5) Windows, and
  UTF-16 without a byte-order mark (little and big endian), with a non-ASCII column and header;
* title rows above the header (CSV and xlsx), a notes sheet before the data sheet;
* "don't know" written as text in German, Chinese and French where the clean file is blank.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi
from csi.data.survey import read_survey
from csi.model.spec import load_model
from csi.results import contract

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample_survey.csv"
TOL = 1e-12
REGION = {"West": ("西部", "西部", "西部"), "East": ("东部", "東部", "東部"), "North": ("北部", "北部", "北部"),
          "South": ("南部", "南部", "南部")}


@pytest.fixture(scope="module")
def clean() -> pd.DataFrame:
    return pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)


def _numbers(x: object, path: str = "") -> dict[str, float]:
    """Every number of a results dict, by its path (settings and survey bookkeeping left out)."""
    out: dict[str, float] = {}
    if isinstance(x, dict):
        for k, v in x.items():
            out.update(_numbers(v, f"{path}.{k}"))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out.update(_numbers(v, f"{path}[{i}]"))
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        out[path] = float(x)
    return out


def estimates(path: Path, **kw: object) -> dict[str, float]:
    res = csi.fit(path, "ecsi", boot=0, **kw)
    d = contract.to_dict(res)
    keep = {k: d[k] for k in ("constructs", "paths", "indicators", "effects", "htmt", "ipma", "n_obs") if k in d}
    nums = _numbers(keep)
    assert len(nums) > 100  # weights, loadings, paths, R², indices, effects, …
    return nums


def assert_same(a: dict[str, float], b: dict[str, float]) -> float:
    assert a.keys() == b.keys()
    diff = max(abs(a[k] - b[k]) if np.isfinite(a[k]) or np.isfinite(b[k]) else 0.0 for k in a)
    assert diff <= TOL, diff
    return diff


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, clean: pd.DataFrame) -> dict[str, float]:
    return estimates(SAMPLE)


def _with_local_column(df: pd.DataFrame, which: int, header: str) -> pd.DataFrame:
    out = df.copy()
    out.insert(1, header, [REGION.get(r, ("其他", "其他", "その他"))[which] for r in df["region"]])
    return out


def _csv_text(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\r\n")


@pytest.mark.parametrize(("encoding", "which", "header", "detected"), [
    ("gbk", 0, "受访者地区", "gb18030"),
    ("shift_jis", 2, "回答者の地域", "cp932"),
    ("big5", 1, "受訪者地區", "cp950"),
    ("utf-16-le", 0, "受访者地区", "utf-16-le"),
    ("utf-16-be", 1, "受訪者地區", "utf-16-be"),
])
def test_national_encodings_load_and_give_the_same_estimates(tmp_path, clean, reference, encoding, which, header, detected):
    df = _with_local_column(clean, which, header)
    p = tmp_path / f"survey-{encoding}.csv"
    p.write_bytes(_csv_text(df).encode(encoding))  # no BOM
    spec = load_model("ecsi")
    s = read_survey(p, spec, groups=(header,))
    assert s.settings["encoding"] == detected
    assert set(s.segments[header]) <= {v[which] for v in REGION.values()} | {"其他", "その他"}
    assert any(f"read as {detected}" in n for n in s.notes)
    assert_same(estimates(p), reference)


def test_explicit_encoding_is_used_and_a_wrong_one_is_refused(tmp_path, clean, reference):
    p = tmp_path / "gbk.csv"
    p.write_bytes(_csv_text(_with_local_column(clean, 0, "地区")).encode("gbk"))
    assert_same(estimates(p, encoding="gb18030"), reference)
    with pytest.raises(csi.errors.DataError, match=r"--encoding utf-8 cannot decode the file"):
        read_survey(p, load_model("ecsi"), encoding="utf-8")


def test_title_rows_above_the_header_are_skipped_and_said(tmp_path, clean, reference):
    p = tmp_path / "titled.csv"
    p.write_text("Kundenzufriedenheit 2026,,\nErhebung Q3 (n=600)\n\n" + _csv_text(clean), encoding="utf-8")
    s = read_survey(p, load_model("ecsi"))
    assert s.settings["header_row"] == 4
    assert any("header row 4 used" in n for n in s.notes)
    assert_same(estimates(p), reference)
    # rows in messages stay file rows: a bad cell on data row 1 is line 5
    bad = clean.copy()
    bad.loc[0, "CUSA1"] = "42"
    q = tmp_path / "titled-bad.csv"
    q.write_text("Title\n\n\n" + _csv_text(bad), encoding="utf-8")
    with pytest.raises(csi.errors.DataError, match=r"column CUSA1: 1 value\(s\) outside the 1–10 scale in row\(s\) 5 "):
        read_survey(q, load_model("ecsi"))
    # --header-row chooses the line
    assert_same(estimates(p, header_row=4), reference)
    with pytest.raises(csi.errors.DataError, match=r"--header-row 3: line 3 is blank"):
        read_survey(p, load_model("ecsi"), header_row=3)


def _numeric(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        conv = pd.to_numeric(out[c].replace("", np.nan), errors="coerce")
        if conv.notna().sum() == (out[c] != "").sum():
            out[c] = conv
    return out


def test_notes_sheet_first_and_title_rows_in_a_workbook(tmp_path, clean, reference):
    p = tmp_path / "vendor.xlsx"
    notes = pd.DataFrame({"Fragebogen v3": ["Welle 2026-Q3", "Skala 1-10", "99 = weiß nicht"]})
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        notes.to_excel(xw, sheet_name="Hinweise", index=False)
        pd.DataFrame({"Kundenbarometer 2026": []}).to_excel(xw, sheet_name="Daten", index=False)
        _numeric(clean).to_excel(xw, sheet_name="Daten", index=False, startrow=2)
    s = read_survey(p, load_model("ecsi"))
    assert s.sheet == "Daten"
    assert any("sheet 'Daten' used" in n for n in s.notes) and any("header row 3 used" in n for n in s.notes)
    assert_same(estimates(p), reference)


@pytest.mark.parametrize("tokens", [("weiß nicht", "Weiss nicht", "k.A."), ("不知道", "拒绝回答", "無回答"),
                                    ("ne sais pas", "Je ne sais pas", "NSP")])
def test_dont_know_text_in_three_languages_is_missing(tmp_path, clean, reference, tokens):
    df = clean.copy()
    items = list(load_model("ecsi").items)
    blanks = [(i, c) for c in items for i in df.index[df[c] == ""]]
    assert len(blanks) >= 6
    for k, (i, c) in enumerate(blanks):
        df.loc[i, c] = tokens[k % len(tokens)]
    p = tmp_path / "dk.csv"
    p.write_text(_csv_text(df), encoding="utf-8")
    s = read_survey(p, load_model("ecsi"))
    assert "weiß nicht".casefold() in s.settings["na_tokens"]  # the built-in list is recorded
    assert_same(estimates(p), reference)


def test_text_missing_codes_with_numbers(tmp_path, clean, reference):
    df = clean.copy()
    items = list(load_model("ecsi").items)
    blanks = [(i, c) for c in items for i in df.index[df[c] == ""]]
    for k, (i, c) in enumerate(blanks):
        df.loc[i, c] = ("99", "keine Lust")[k % 2]
    p = tmp_path / "codes.csv"
    p.write_text(_csv_text(df), encoding="utf-8")
    with pytest.raises(csi.errors.DataError, match="non-numeric"):
        read_survey(p, load_model("ecsi"), missing_codes=(99,))
    s = read_survey(p, load_model("ecsi"), missing_codes=(99.0, "Keine Lust"))
    assert s.settings["missing_text_codes"] == ["keine lust"] and s.settings["missing_codes"] == [99.0]
    assert_same(estimates(p, missing_codes=(99.0, "keine lust")), reference)


@pytest.mark.parametrize("w", [1e-200, 5e-324, 1e300, 1e308])
def test_extreme_equal_weights_change_nothing(tmp_path, clean, w):
    """Equal weights of any size give the estimates of weights 1 (rescaled to mean 1 first)."""
    df = clean.copy()
    df["weight"] = "1"
    p1 = tmp_path / "one.csv"
    p1.write_text(_csv_text(df), encoding="utf-8")
    df["weight"] = repr(w)
    p2 = tmp_path / "extreme.csv"
    p2.write_text(_csv_text(df), encoding="utf-8")
    s = read_survey(p2, load_model("ecsi"), weights="weight")
    assert s.n_effective == pytest.approx(s.n_used, rel=1e-12)
    assert any("rescaled to mean 1" in n for n in s.notes)
    assert_same(estimates(p2, weights="weight"), estimates(p1, weights="weight"))
