"""A corpus of bad inputs through the CLI: the exact message, exit code 2, no traceback and
no results file left behind.  Every fixture is generated in tmp_path from a clean survey.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyreadstat
import pytest
from typer.testing import CliRunner

from csi.cli import app
from tests.data.test_survey_errors import N, _workbook, billion_laughs, clean, write_csv

runner = CliRunner()


def run(args: list[str], out: Path):
    result = runner.invoke(app, [*args, "--out", str(out)])
    return result


def assert_refused(result, out: Path, message: str, exact: bool = True) -> None:
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    text = result.stderr
    assert text.startswith("error: "), text
    if exact:
        assert text == f"error: {message}\n", text
    else:
        assert message in text, text
    assert "Traceback" not in result.output
    # nothing written: no results.json/xlsx and no half-written temporary file
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())


def fit_args(p: Path, *extra: str) -> list[str]:
    return ["fit", str(p), "--model", "ecsi", "--boot", "0", *extra]


# --- cell and column problems -------------------------------------------------------------
def case_missing_item(tmp):
    p = write_csv(tmp, clean().rename(columns={"CUSA1": "CUSA_1"}))
    return p, [], f"{p}: missing item column(s) CUSA1 (did you mean CUSA_1?)"


def case_duplicate_column(tmp):
    df = clean()
    p = tmp / "dup.csv"
    text = df.to_csv(index=False).splitlines()
    extra = df["PERQ2"].astype(str).tolist()
    text = [text[0] + ",PERQ2"] + [line + "," + v for line, v in zip(text[1:], extra, strict=True)]
    p.write_text("\n".join(text) + "\n")
    return p, [], f"{p}: column PERQ2 appears 2 times (columns 13, 28); keep one or rename the others"


def case_non_numeric(tmp):
    df = clean().astype({"IMAG1": object})
    df.loc[0, "IMAG1"] = "seven"
    df.loc[4, "IMAG1"] = "x"
    p = write_csv(tmp, df)
    return p, [], f"{p}: column IMAG1: 2 non-numeric value(s) in row(s) 2, 6 (seen: 'seven', 'x'); recode or blank them"


def case_out_of_scale_codes(tmp):
    df = clean()
    df.loc[[1, 2, 3], "CUSA1"] = 99
    df.loc[5, "CUSA2"] = 98
    p = write_csv(tmp, df)
    return p, [], (
        f"{p}: 3 problems\n"
        "  - values 98, 99 look like 'don't know'/'no answer' codes: pass --missing-codes 98,99 "
        "(or list them under missing_codes in the model YAML) if they are\n"  # the actionable hint first
        "  - column CUSA1: 3 value(s) outside the 1–10 scale in row(s) 3, 4, 5 (seen: 99 ×3)\n"
        "  - column CUSA2: 1 value(s) outside the 1–10 scale in row(s) 7 (seen: 98)"
    )


def case_constant_item(tmp):
    df = clean()
    df["CUSCO"] = 5
    p = write_csv(tmp, df)
    return p, [], f"{p}: item CUSCO is constant: every respondent who answered gave 5; PLS cannot weight an item without variance"


def case_all_missing_item(tmp):
    df = clean().astype({"CUSL2": float})
    df["CUSL2"] = np.nan
    p = write_csv(tmp, df)
    return p, [], f"{p}: item CUSL2 has no valid answers (all {N} cells are missing)"


def case_too_few_complete(tmp):
    df = clean().astype({"IMAG1": float})
    df.loc[5:, "IMAG1"] = np.nan
    p = write_csv(tmp, df)
    return p, [], (f"{p}: only 5 usable respondent(s) (policy casewise); model ecsi needs at least 6 "
                   "(its largest regression has 4 predictor(s))")


def case_several_problems(tmp):
    df = clean().rename(columns={"PERV2": "perv2"}).astype({"CUSA3": object})
    df.loc[9, "CUSA3"] = "ten"
    df.loc[10, "CUSL1"] = 0
    p = write_csv(tmp, df)
    return p, [], (
        f"{p}: 3 problems\n"
        "  - missing item column(s) PERV2 (did you mean perv2?)\n"
        "  - column CUSA3: 1 non-numeric value(s) in row(s) 11 (seen: 'ten'); recode or blank them\n"
        "  - column CUSL1: 1 value(s) outside the 1–10 scale in row(s) 12 (seen: 0)"
    )


def case_line_too_long(tmp):
    p = write_csv(tmp, clean())
    lines = p.read_text().splitlines()
    lines[4] += ",7"
    p.write_text("\n".join(lines) + "\n")
    return p, [], (f"{p}: line 5 has 28 fields but the header has 27 (delimiter comma); "
                   "check for an unquoted delimiter in a text cell")


def case_first_line_too_long(tmp):
    p = write_csv(tmp, clean())
    lines = p.read_text().splitlines()
    lines[1:] = [line + ",1" for line in lines[1:]]
    p.write_text("\n".join(lines) + "\n")
    return p, [], (f"{p}: the data lines have more fields than the header (27, delimiter comma); "
                   "check for a missing column name or an unquoted delimiter")


# --- empty and unreadable files -------------------------------------------------------------
def case_empty_file(tmp):
    p = tmp / "empty.csv"
    p.write_bytes(b"")
    return p, [], f"{p}: the file is empty (0 bytes)"


def case_blank_text(tmp):
    p = tmp / "blank.csv"
    p.write_text("\n \n\n")
    return p, [], f"{p}: the file is empty (no text)"


def case_header_only(tmp):
    p = tmp / "header.csv"
    p.write_text(",".join(clean().columns) + "\n")
    return p, [], f"{p}: the file has a header row but no data rows"


def case_wrong_sheet(tmp):
    p = _workbook(tmp)
    return p, ["--sheet", "Respons"], f"{p}: no sheet named 'Respons' (did you mean 'responses'?); the sheets are 'responses', 'about'"


def case_sheet_index_out_of_range(tmp):
    p = _workbook(tmp)
    return p, ["--sheet", "5"], f"{p}: --sheet 5 is out of range; sheets are numbered from 0 to 1: 'responses', 'about'"


def case_empty_sheet(tmp):
    from openpyxl import Workbook

    p = tmp / "blank.xlsx"
    wb = Workbook()
    wb.active.title = "blank"
    wb.save(p)
    return p, [], f"{p} (sheet blank): the sheet is empty"


def case_header_only_sheet(tmp):
    p = tmp / "header.xlsx"
    clean().iloc[:0].to_excel(p, index=False)
    return p, [], f"{p} (sheet Sheet1): the file has a header row but no data rows"


def case_corrupt_xlsx(tmp):
    p = tmp / "corrupt.xlsx"
    p.write_bytes(np.random.default_rng(1).bytes(3000))
    return p, [], f"{p}: is not a valid .xlsx workbook (not a zip archive; the file may be corrupt or another format)"


def case_truncated_xlsx(tmp):
    good = _workbook(tmp, "good.xlsx").read_bytes()
    p = tmp / "truncated.xlsx"
    p.write_bytes(good[: len(good) // 2])
    return p, [], f"{p}: is not a valid .xlsx workbook (not a zip archive; the file may be corrupt or another format)"


def case_zip_not_a_workbook(tmp):
    p = tmp / "notabook.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return p, [], f"{p}: could not be read as an Excel workbook; the file may be corrupt ("


def case_billion_laughs(tmp):
    p = billion_laughs(tmp)
    return p, [], (
        f"{p}: refused: part xl/worksheets/sheet1.xml contains an XML document type declaration (<!DOCTYPE/<!ENTITY>), "
        "which spreadsheet programs never write and which can hide an entity-expansion ('billion laughs') attack; "
        "re-save the workbook in Excel or export CSV"
    )


def case_corrupt_sav(tmp):
    p = tmp / "corrupt.sav"
    p.write_bytes(b"$FL2" + np.random.default_rng(2).bytes(500))
    return p, [], f"{p}: could not be read as an SPSS file ("


def case_corrupt_dta(tmp):
    p = tmp / "corrupt.dta"
    p.write_bytes(np.random.default_rng(3).bytes(500))
    return p, [], f"{p}: could not be read as a Stata file ("


def case_corrupt_parquet(tmp):
    p = tmp / "corrupt.parquet"
    p.write_bytes(b"PAR1" + np.random.default_rng(4).bytes(500))
    return p, [], f"{p}: could not be read as Parquet ("


def case_unsupported_type(tmp):
    p = tmp / "survey.json"
    p.write_text("{}")
    return p, [], f"{p}: unsupported file type '.json'; expected one of "


def case_no_such_file(tmp):
    p = tmp / "nope.csv"
    return p, [], f"{p}: no such file"


def case_folder(tmp):
    p = tmp / "folder.csv"
    p.mkdir()
    return p, [], f"{p}: is a folder, not a survey file"


# --- options: negative, absurd or unknown values -----------------------------------------
def case_missing_policy(tmp):
    p = write_csv(tmp, clean())
    return p, ["--missing", "magic"], f"{p}: --missing should be one of casewise, mean, em; got 'magic'"


def case_missing_codes_not_finite(tmp):
    # text codes ('weiß nicht') are allowed since issue 12; a code that is not a finite number is not
    p = write_csv(tmp, clean())
    return p, ["--missing-codes", "inf"], f"{p}: --missing-codes should be numbers such as 98,99; got inf"


def case_missing_code_inside_scale(tmp):
    p = write_csv(tmp, clean())
    return p, ["--missing-codes", "5,99"], (
        f"{p}: --missing-codes 5 lies inside the 1–10 scale, so it would erase real answers; "
        "a missing code must lie outside the scale")


def case_scale_reversed(tmp):
    p = write_csv(tmp, clean())
    return p, ["--scale", "10-1"], "--scale should be MIN-MAX with MIN below MAX, e.g. 1-10; got '10-1'"


def case_scale_too_narrow(tmp):
    p = write_csv(tmp, clean())
    return p, ["--scale", "1-5"], "value(s) outside the 1–5 scale"


def case_reverse_unknown(tmp):
    p = write_csv(tmp, clean())
    return p, ["--reverse", "CUSA9"], f"{p}: --reverse CUSA9: not an item of model ecsi (did you mean CUSA3 or CUSA2?)"


def case_weights_unknown(tmp):
    p = write_csv(tmp, clean())
    return p, ["--weights", "wieght"], f"{p}: --weights wieght: no such column (did you mean weight?)"


def case_weights_negative(tmp):
    df = clean()
    df.loc[[2, 7], "weight"] = [-1.0, -0.5]
    p = write_csv(tmp, df)
    return p, ["--weights", "weight"], (f"{p}: weights column weight: 2 negative or infinite weight(s) in row(s) 4, 9 "
                                        "(seen: -1, -0.5); survey weights must be ≥ 0")


def case_weights_missing(tmp):
    df = clean()
    df.loc[3, "weight"] = np.nan
    p = write_csv(tmp, df)
    return p, ["--weights", "weight"], (f"{p}: weights column weight: 1 respondent(s) without a weight in row(s) 5; "
                                        "every respondent used needs a weight")


def case_weights_all_zero(tmp):
    df = clean()
    df["weight"] = 0.0
    p = write_csv(tmp, df)
    return p, ["--weights", "weight"], f"{p}: weights column weight: the weights of the {N} respondents used are all zero"


def case_group_unknown(tmp):
    p = write_csv(tmp, clean())
    return p, ["--group", "regoin"], f"{p}: --group regoin: no such column (did you mean region?)"


def case_map_missing_file(tmp):
    p = write_csv(tmp, clean())
    return p, ["--map", str(tmp / "map.yaml")], f"--map {tmp / 'map.yaml'}: no such file"


def case_map_unknown_column(tmp):
    p = write_csv(tmp, clean())
    m = tmp / "map.yaml"
    m.write_text("Q9: CUSA1\n")
    return p, ["--map", str(m)], f"{p}: --map: the file has no column 'Q9'"


def case_map_two_to_one(tmp):
    p = write_csv(tmp, clean())
    m = tmp / "map.csv"
    m.write_text("column,item\nCUSA1,CUSA1\nCUSA2,CUSA1\n")
    return p, ["--map", str(m)], f"--map {m}: columns 'CUSA1' and 'CUSA2' both map to CUSA1"


def case_sheet_on_csv(tmp):
    p = write_csv(tmp, clean())
    return p, ["--sheet", "1"], f"{p}: --sheet applies to spreadsheets only (.xlsx, .xls, .ods); this is a .csv file"


def case_boot_negative(tmp):
    p = write_csv(tmp, clean())
    return p, ["--boot", "-5"], "--boot should be a whole number of at least 1; got -5"


CASES: dict[str, Callable] = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}
PREFIX_ONLY = {"zip_not_a_workbook", "corrupt_sav", "corrupt_dta", "corrupt_parquet", "unsupported_type", "scale_too_narrow"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_refused_with_one_message(name, tmp_path):
    p, extra, message = CASES[name](tmp_path)
    out = tmp_path / "out"
    args = fit_args(p, *extra)
    if name == "boot_negative":
        args = ["fit", str(p), "--model", "ecsi", *extra]
    result = run(args, out)
    assert_refused(result, out, message, exact=name not in PREFIX_ONLY)


def test_missing_codes_fix_the_out_of_scale_case(tmp_path):
    p, _, _ = case_out_of_scale_codes(tmp_path)
    out = tmp_path / "out"
    result = run(fit_args(p, "--missing-codes", "98,99", "--tiers", "none"), out)
    assert result.exit_code == 0, result.output
    assert "missing codes 98, 99 (--missing-codes) set to missing: CUSA1 3, CUSA2 1" in result.stdout.replace("\n", " ")
    assert (out / "results.json").exists() and (out / "results.xlsx").exists()
    assert sorted(f.name for f in out.iterdir()) == ["results.json", "results.xlsx"]


def test_unexpected_errors_keep_their_traceback(tmp_path, monkeypatch):
    import csi.data.survey as sv

    def bug(*a, **k):
        raise RuntimeError("a bug")

    monkeypatch.setattr(sv, "_prepare", bug)
    p = write_csv(tmp_path, clean())
    result = run(fit_args(p), tmp_path / "out")
    assert isinstance(result.exception, RuntimeError)
    assert result.exit_code == 1


def test_inputs_are_never_modified(tmp_path):
    p, _, _ = case_out_of_scale_codes(tmp_path)
    before = p.read_bytes()
    run(fit_args(p, "--missing-codes", "98,99", "--tiers", "none"), tmp_path / "out")
    assert p.read_bytes() == before


def test_sav_corpus_file_with_undeclared_codes(tmp_path):
    """A .sav whose 99s are not declared user-missing: the value label is shown in the message."""
    df = clean().drop(columns=["region"]).astype(float)
    df.loc[[0, 1], "CUSL3"] = 99.0
    p = tmp_path / "survey.sav"
    pyreadstat.write_sav(df, p, variable_value_labels={"CUSL3": {99.0: "Don't know"}})
    out = tmp_path / "out"
    assert_refused(run(fit_args(p), out), out, (
        f"{p}: 2 problems\n"
        "  - value 99 looks like a 'don't know'/'no answer' code: pass --missing-codes 99 "
        "(or list them under missing_codes in the model YAML) if they are\n"
        "  - column CUSL3: 2 value(s) outside the 1–10 scale in row(s) 1, 2 (seen: 99 (\"Don't know\") ×2)"
    ))
