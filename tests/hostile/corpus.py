"""The hostile corpus: broken and hostile inputs, each generated here (no binary file is committed).

A case builds its files in a temporary folder and returns the command line (without ``--out``)
and what must happen: the exit code (2: refused with one message; 0: the file is legitimately
loadable) and a text the message must contain, naming the problem.  Cases with ``isolate=True``
are run in a subprocess under ``prlimit --as`` and a timeout (the resource bound is the point:
allocation bombs, endless files, FIFOs); the rest in-process (tests/cli/test_hostile_cli.py).
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample_survey.csv"
ECSI_YAML = (ROOT / "csi" / "model" / "models" / "ecsi.yaml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], tuple[list[str], str]]
    code: int = 2
    isolate: bool = False
    env: dict[str, str] = field(default_factory=dict)


CASES: dict[str, Case] = {}


def case(code: int = 2, isolate: bool = False, env: dict[str, str] | None = None) -> Callable:
    def deco(fn: Callable[[Path], tuple[list[str], str]]) -> Callable:
        name = fn.__name__.removeprefix("c_")
        CASES[name] = Case(name, fn, code, isolate, env or {})
        return fn
    return deco


# --- helpers -------------------------------------------------------------------------------
def clean(n: int = 150) -> pd.DataFrame:
    """The first ``n`` complete respondents of the bundled sample."""
    df = pd.read_csv(SAMPLE)
    return df.dropna().head(n).reset_index(drop=True)


def csv(tmp: Path, df: pd.DataFrame, name: str = "survey.csv") -> Path:
    p = tmp / name
    df.to_csv(p, index=False)
    return p


def fit(p: Path | str, *extra: str) -> list[str]:
    return ["fit", str(p), "--model", "ecsi", "--boot", "0", *extra]


def text(tmp: Path, name: str, content: str | bytes) -> Path:
    p = tmp / name
    if isinstance(content, str):
        p.write_text(content, encoding="utf-8")
    else:
        p.write_bytes(content)
    return p


def xlsx_zip(tmp: Path, name: str, sheet_xml: bytes, extra: dict[str, bytes] | None = None) -> Path:
    """A minimal workbook written part by part (so any sheet XML can be planted)."""
    p = tmp / name
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
        **(extra or {}),
    }
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in parts.items():
            zf.writestr(k, v)
    return p


SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


def sheet_with(cells: bytes) -> bytes:
    return SHEET_HEAD + cells + SHEET_TAIL


def model(tmp: Path, yaml_text: str, name: str = "model.yaml") -> Path:
    return text(tmp, name, yaml_text)


# --- survey files: cells and columns ------------------------------------------------------
@case()
def c_markup_closing_tag_in_answer(tmp):
    df = clean().astype({"CUSA1": object})
    df.loc[0:2, "CUSA1"] = "[/i]"
    return fit(csv(tmp, df)), "'[/i]' ×3"


@case()
def c_markup_link_in_answer(tmp):
    df = clean().astype({"CUSA2": object})
    df.loc[0, "CUSA2"] = "[link=http://evil.example]fix[/link]"
    return fit(csv(tmp, df)), "(seen: '[link=http://evil.example]fix["


@case()
def c_markup_in_file_name(tmp):
    df = clean()
    df.loc[0, "CUSA1"] = 42
    return fit(csv(tmp, df, "[red]survey.csv")), "[red]survey.csv"


@case(code=0)
def c_markup_in_model_label(tmp):
    m = model(tmp, ECSI_YAML.replace("label: Image", 'label: "[/i] [red]Image [link=http://x]y[/link]"'))
    return ["fit", str(csv(tmp, clean())), "--model", str(m), "--boot", "0"], "[/i] [red]Image [link=http://x]y[/link]"


@case(code=0)
def c_markup_in_segment_values(tmp):
    df = clean(300)
    df["region"] = df["region"].map(lambda r: "[/i]" + r if r == "West" else "[link=http://x]" + r)
    return fit(csv(tmp, df), "--group", "region", "--permutations", "20"), "[/i]West n="


@case()
def c_duplicate_item_columns(tmp):
    df = clean()
    df["CUSA2"] = df["CUSA1"]
    return fit(csv(tmp, df)), "items CUSA1 and CUSA2 (construct CUSA) hold the same answer in every row"


@case()
def c_dependent_items(tmp):
    df = clean().astype({"PERV2": float})
    df["PERV2"] = df["PERV1"]
    return fit(csv(tmp, df)), "items PERV1 and PERV2 (construct PERV)"


@case()
def c_too_few_for_largest_block(tmp):
    return fit(csv(tmp, clean(6))), "construct PERQ has 7 items, so at least 8 respondents"


@case()
def c_fewer_than_the_regressions(tmp):
    return fit(csv(tmp, clean(4))), "model ecsi needs at least"


@case()
def c_out_of_scale_hint_first(tmp):
    df = clean()
    for c in ["CUSA1", "CUSA2", "PERQ1", "PERQ2", "IMAG1"]:
        df.loc[0:3, c] = 99
    return fit(csv(tmp, df)), "problems\n  - value 99 looks like a 'don't know'"


@case()
def c_weights_extreme_ratio(tmp):
    df = clean()
    df["weight"] = 1.0
    df.loc[0, "weight"] = 1e-300
    return fit(csv(tmp, df), "--weights", "weight"), "weights column weight: the largest weight (1) is more than 1e+09 times"


@case()
def c_weights_infinite(tmp):
    df = clean().astype({"weight": object})
    df.loc[3, "weight"] = "inf"
    return fit(csv(tmp, df), "--weights", "weight"), "weights column weight: 1 negative or infinite weight(s) in row(s) 5"


@case()
def c_weights_negative(tmp):
    df = clean()
    df.loc[1, "weight"] = -1
    return fit(csv(tmp, df), "--weights", "weight"), "survey weights must be ≥ 0"


@case()
def c_weights_overflow_digits(tmp):
    df = clean().astype({"weight": object})
    df.loc[0, "weight"] = "9" * 400
    return fit(csv(tmp, df), "--weights", "weight"), "weights column weight: 1 negative or infinite weight(s)"


@case(code=0)
def c_weights_tiny_equal_are_rescaled(tmp):
    df = clean()
    df["weight"] = 1e-200
    return fit(csv(tmp, df), "--weights", "weight"), "rescaled to mean 1"


@case(code=0)
def c_weights_huge_equal_are_rescaled(tmp):
    df = clean()
    df["weight"] = 1e300
    return fit(csv(tmp, df), "--weights", "weight"), "rescaled to mean 1"


@case(code=0)
def c_weights_denormal_are_rescaled(tmp):
    df = clean()
    df["weight"] = 5e-324
    return fit(csv(tmp, df), "--weights", "weight"), "rescaled to mean 1"


@case(code=0)
def c_dont_know_german_chinese_french(tmp):
    df = clean().astype({"CUSA1": object, "PERQ2": object, "IMAG3": object})
    df.loc[0, "CUSA1"], df.loc[1, "PERQ2"], df.loc[2, "IMAG3"] = "weiß nicht", "不知道", "ne sais pas"
    return fit(csv(tmp, df)), "cells read as missing for text such as 'n/a'"


@case(code=0)
def c_text_missing_code(tmp):
    df = clean().astype({"CUSA1": object})
    df.loc[0, "CUSA1"], df.loc[1, "CUSA1"] = "99", "keine Lust"
    return fit(csv(tmp, df), "--missing-codes", "99,keine lust"), "missing codes 99 (--missing-codes) set to missing"


@case()
def c_missing_code_not_finite(tmp):
    return fit(csv(tmp, clean()), "--missing-codes", "nan"), "--missing-codes should be numbers such as 98,99; got nan"


@case()
def c_scale_not_numbers(tmp):
    return fit(csv(tmp, clean()), "--scale", "1-1e400"), "--scale should be MIN-MAX"


@case()
def c_scale_huge(tmp):
    return fit(csv(tmp, clean()), "--scale", "1-100000000000000000000"), "--scale bounds should be at most 1e+09 in size"


@case(code=0)
def c_formula_text_in_segment(tmp):
    df = clean()
    df["region"] = "=cmd|' /C calc'!A0"
    return fit(csv(tmp, df), "--group", "region"), ""


@case(code=0)
def c_control_character_in_segment(tmp):
    df = clean()
    df["region"] = df["region"] + "\x07"
    return fit(csv(tmp, df), "--group", "region"), "U+0007 BEL removed from segment values"


# --- survey files: the file itself -------------------------------------------------------
@case()
def c_empty_file(tmp):
    return fit(text(tmp, "empty.csv", b"")), "the file is empty"


@case()
def c_header_only(tmp):
    return fit(text(tmp, "header.csv", ",".join(clean().columns) + "\n")), "the file has a header row but no data rows"


@case()
def c_blank_lines_only(tmp):
    return fit(text(tmp, "blank.csv", "\n\n  \n")), "the file is empty (no text)"


@case()
def c_ragged_line(tmp):
    body = clean().to_csv(index=False).splitlines()
    body[3] += ",7,7"
    return fit(text(tmp, "ragged.csv", "\n".join(body) + "\n")), "line 4 has"


@case()
def c_binary_garbage(tmp):
    rng = np.random.default_rng(12)
    return fit(text(tmp, "garbage.csv", rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())), "garbage.csv"


@case()
def c_header_line_without_end(tmp):
    return fit(text(tmp, "long.csv", b"a" * (3 << 20))), "the first line is longer than 1 MB"


@case()
def c_too_many_columns(tmp):
    return fit(text(tmp, "wide.csv", ",".join(f"c{j}" for j in range(30000)) + "\n1\n")), "over the limit of 20000"


@case()
def c_folder_as_survey(tmp):
    (tmp / "dir.csv").mkdir()
    return fit(tmp / "dir.csv"), "is a folder, not a survey file"


@case(isolate=True)
def c_fifo_as_survey(tmp):
    os.mkfifo(tmp / "fifo.csv")
    return fit(tmp / "fifo.csv"), "is not a regular file"


@case(isolate=True)
def c_dev_zero_as_survey(tmp):
    return fit("/dev/zero"), "/dev/zero: is not a regular file"


@case()
def c_unsupported_suffix(tmp):
    return fit(text(tmp, "survey.docx", b"PK\x03\x04")), "unsupported file type '.docx'"


@case()
def c_unknown_encoding(tmp):
    return fit(csv(tmp, clean()), "--encoding", "klingon"), "--encoding 'klingon' is not a text encoding"


@case()
def c_wrong_encoding(tmp):
    df = clean()
    df.insert(1, "地区", "东部")
    p = tmp / "gbk.csv"
    p.write_bytes(df.to_csv(index=False).encode("gbk"))
    return fit(p, "--encoding", "utf-8"), "--encoding utf-8 cannot decode the file"


@case(code=0)
def c_utf16_without_bom(tmp):
    p = tmp / "u16.csv"
    p.write_bytes(clean().to_csv(index=False).encode("utf-16-le"))
    return fit(p), "read as utf-16-le"


@case(code=0)
def c_title_rows(tmp):
    p = text(tmp, "titled.csv", "Customer barometer 2026\nwave 3\n\n" + clean().to_csv(index=False))
    return fit(p), "header row 4 used"


@case()
def c_header_row_zero(tmp):
    return fit(csv(tmp, clean()), "--header-row", "0"), "--header-row should be 1 or more"


@case()
def c_header_row_blank(tmp):
    p = text(tmp, "titled.csv", "Title\n\n" + clean().to_csv(index=False))
    return fit(p, "--header-row", "2"), "--header-row 2: line 2 is blank"


@case()
def c_header_row_on_parquet(tmp):
    p = tmp / "survey.parquet"
    clean().to_parquet(p)
    return fit(p, "--header-row", "2"), "--header-row applies to text files and spreadsheets only"


@case()
def c_encoding_on_xlsx(tmp):
    p = tmp / "survey.xlsx"
    clean().to_excel(p, index=False)
    return fit(p, "--encoding", "utf-8"), "--encoding applies to text files only"


# --- workbooks ---------------------------------------------------------------------------
@case()
def c_xlsx_not_a_zip(tmp):
    return fit(text(tmp, "fake.xlsx", b"this is not a workbook")), "is not a valid .xlsx workbook"


@case()
def c_xlsx_truncated(tmp):
    p = tmp / "full.xlsx"
    clean().to_excel(p, index=False)
    data = p.read_bytes()
    return fit(text(tmp, "cut.xlsx", data[: len(data) // 2])), "cut.xlsx"


@case()
def c_xlsx_doctype(tmp):
    sheet = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + sheet_with(b"")[21:]
    return fit(xlsx_zip(tmp, "dtd.xlsx", sheet)), "contains an XML document type declaration"


@case(isolate=True)
def c_xlsx_cell_at_xfd1048576(tmp):
    cells = b'<row r="1"><c r="A1" t="inlineStr"><is><t>CUSA1</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return fit(xlsx_zip(tmp, "far.xlsx", sheet_with(cells))), "16384 columns = 17179869184 cells, over the limit"


@case(isolate=True)
def c_xlsx_cell_at_zz200000(tmp):
    cells = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="200000"><c r="ZZ200000"><v>1</v></c></row>'
    return fit(xlsx_zip(tmp, "zz.xlsx", sheet_with(cells))), "200000 rows × 702 columns"


@case(isolate=True)
def c_xlsx_lying_dimension(tmp):
    sheet = SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>') + b'<row r="1"><c r="A1"><v>1</v></c></row>' + SHEET_TAIL
    return fit(xlsx_zip(tmp, "dim.xlsx", sheet)), "over the limit of 30000000 cells (set the environment variable CSI_MAX_CELLS"


@case(isolate=True, env={"CSI_MAX_UNZIPPED_MB": "2"})
def c_xlsx_huge_sheet_xml(tmp):
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, 200001))
    return fit(xlsx_zip(tmp, "big.xlsx", sheet_with(rows))), "over the limit of 2 MB (set the environment variable CSI_MAX_UNZIPPED_MB"


@case()
def c_xlsx_formulas_without_values(tmp):
    df = clean(20)
    head = "".join(f'<c t="inlineStr"><is><t>{c}</t></is></c>' for c in df.columns)
    body = []
    for i, row in enumerate(df.itertuples(index=False), start=2):
        cells = []
        for j, v in enumerate(row):
            if j == 4:
                cells.append(f"<c><f>{v}+0</f></c>")  # a formula whose result was never stored
            elif isinstance(v, str):
                cells.append(f'<c t="inlineStr"><is><t>{v}</t></is></c>')
            else:
                cells.append(f"<c><v>{v}</v></c>")
        body.append(f'<row r="{i}">{"".join(cells)}</row>')
    xml = sheet_with(f'<row r="1">{head}</row>{"".join(body)}'.encode())
    return fit(xlsx_zip(tmp, "formulas.xlsx", xml)), "20 formula cell(s) without a stored result"


@case()
def c_xlsx_wrong_sheet(tmp):
    p = tmp / "survey.xlsx"
    clean().to_excel(p, index=False, sheet_name="responses")
    return fit(p, "--sheet", "respones"), "no sheet named 'respones' (did you mean 'responses'?)"


@case(code=0)
def c_xlsx_notes_sheet_first(tmp):
    p = tmp / "vendor.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        pd.DataFrame({"Fragebogen v3": ["Notizen"]}).to_excel(xw, sheet_name="Notes", index=False)
        clean().to_excel(xw, sheet_name="Data", index=False)
    return fit(p), "sheet 'Data' used"


@case()
def c_xlsx_no_item_sheet(tmp):
    p = tmp / "notes.xlsx"
    with pd.ExcelWriter(p, engine="openpyxl") as xw:
        pd.DataFrame({"Fragebogen v3": ["Notizen"]}).to_excel(xw, sheet_name="Notes", index=False)
        pd.DataFrame({"Other": [1]}).to_excel(xw, sheet_name="More", index=False)
    return fit(p), "none of the 24 item columns"


# --- model and map files -----------------------------------------------------------------
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"


@case(isolate=True)
def c_yaml_alias_bomb(tmp):
    return ["models", "show", str(model(tmp, BOMB))], "line 1: YAML anchor &a is not allowed"


@case()
def c_yaml_alias_bomb_via_fit(tmp):
    return ["fit", str(csv(tmp, clean())), "--model", str(model(tmp, BOMB)), "--boot", "0"], "YAML anchor &a is not allowed"


@case()
def c_wave_manifest_alias_bomb(tmp):
    return ["score", str(text(tmp, "waves.yaml", BOMB)), "--boot", "0", "--out", str(tmp / "out")], "YAML anchor &a is not allowed"


@case()
def c_wave_manifest_duplicate_key(tmp):
    body = f"waves:\n  - {{file: {csv(tmp, clean())}}}\nwaves: []\n"
    return ["score", str(text(tmp, "waves.yaml", body)), "--boot", "0", "--out", str(tmp / "out")], "duplicate key 'waves' (first at line 1)"


@case()
def c_programme_manifest_alias_bomb(tmp):
    return ["aggregate", str(text(tmp, "programme.yaml", BOMB)), "--out", str(tmp / "out")], "YAML anchor &a is not allowed"


@case()
def c_programme_manifest_is_a_folder(tmp):
    (tmp / "prog.yaml").mkdir()
    return ["aggregate", str(tmp / "prog.yaml"), "--out", str(tmp / "out")], "is a folder, not a file"


@case()
def c_yaml_self_alias(tmp):
    return ["models", "show", str(model(tmp, "a: &a [1, *a]\n"))], "YAML anchor &a is not allowed"


@case()
def c_yaml_duplicate_key(tmp):
    dup = ECSI_YAML.replace("  CUSL: {label: Customer loyalty", "  CUSA: {label: Again, items: [CUSA1], mode: A}\n  CUSL: {label: Customer loyalty")
    return ["models", "show", str(model(tmp, dup))], "duplicate key 'CUSA' (first at line"


@case()
def c_yaml_infinite_scale(tmp):
    return ["models", "show", str(model(tmp, ECSI_YAML.replace("max: 10", "max: .inf")))], "number .inf is not allowed"


@case()
def c_yaml_nan_scale(tmp):
    return ["models", "show", str(model(tmp, ECSI_YAML.replace("min: 1,", "min: .nan,")))], "number .nan is not allowed"


@case()
def c_yaml_400_digits(tmp):
    return ["models", "show", str(model(tmp, ECSI_YAML.replace("max: 10", "max: " + "9" * 400)))], "has 400 characters"


@case()
def c_yaml_deep_nesting(tmp):
    return ["models", "show", str(model(tmp, "a: " + "[" * 200 + "]" * 200 + "\n"))], "nested"


@case()
def c_yaml_control_character_in_label(tmp):
    return ["models", "show", str(model(tmp, ECSI_YAML.replace("label: Image", 'label: "Im\\aage"')))], "U+0007 BEL"


@case()
def c_yaml_python_tag(tmp):
    return ["models", "show", str(model(tmp, "name: !!python/object/apply:os.system ['true']\n"))], "is not allowed in a model file"


@case()
def c_yaml_syntax_error(tmp):
    return ["models", "show", str(model(tmp, "name: [unclosed\n"))], "not valid YAML"


@case()
def c_yaml_not_utf8(tmp):
    return ["models", "show", str(text(tmp, "latin.yaml", "name: Zufriedenheit für Kunden\n".encode("utf-16")))], "is not UTF-8 text"


@case()
def c_yaml_too_large(tmp):
    return ["models", "show", str(model(tmp, "# " + "x" * (2 << 20) + "\n"))], "over the limit of 1048576 bytes"


@case()
def c_yaml_is_a_folder(tmp):
    (tmp / "m.yaml").mkdir()
    return ["models", "show", str(tmp / "m.yaml")], "is a folder, not a file"


@case(isolate=True)
def c_yaml_fifo(tmp):
    os.mkfifo(tmp / "pipe.yaml")
    return ["models", "show", str(tmp / "pipe.yaml")], "is not a regular file"


@case(isolate=True)
def c_dev_zero_as_model(tmp):
    return ["fit", str(csv(tmp, clean())), "--model", "/dev/zero", "--boot", "0"], "--model /dev/zero: is not a regular file"


@case(isolate=True)
def c_dev_zero_as_map(tmp):
    return fit(csv(tmp, clean()), "--map", "/dev/zero"), "--map /dev/zero: is not a regular file"


@case()
def c_map_with_alias(tmp):
    m = text(tmp, "map.yaml", "q1: &x CUSA1\nq2: *x\n")
    return fit(csv(tmp, clean()), "--map", str(m)), "YAML anchor &x is not allowed"


@case()
def c_map_duplicate_key(tmp):
    m = text(tmp, "map.yaml", "q1: CUSA1\nq1: CUSA2\n")
    return fit(csv(tmp, clean()), "--map", str(m)), "duplicate key 'q1' (first at line 1)"


# --- results files for csi report --------------------------------------------------------
def _results(tmp: Path, mutate: Callable[[dict], object]) -> Path:
    import json

    import csi
    from csi.results import contract

    folder = tmp / "res"
    folder.mkdir()
    d = contract.to_dict(csi.fit(clean(), "ecsi", boot=0))
    mutate(d)
    (folder / "results.json").write_text(json.dumps(d), encoding="utf-8")
    return folder


@case()
def c_report_missing_key(tmp):
    return ["report", str(_results(tmp, lambda d: d.pop("constructs")))], "not a valid csi fit results file"


@case()
def c_report_wrong_type(tmp):
    return ["report", str(_results(tmp, lambda d: d.__setitem__("paths", "none")))], "not a valid csi fit results file"


@case()
def c_report_invalid_json(tmp):
    (tmp / "res").mkdir()
    text(tmp / "res", "results.json", '{"schema_version": 2, "constructs": [')
    return ["report", str(tmp / "res")], "invalid JSON"


@case()
def c_report_empty_folder(tmp):
    (tmp / "res").mkdir()
    return ["report", str(tmp / "res")], "no results.json"


# --- the output folder -------------------------------------------------------------------
@case()
def c_out_is_a_file(tmp):
    text(tmp, "outfile", "x")
    return fit(csv(tmp, clean()), "--out", str(tmp / "outfile")), "is a file, not a folder"


@case()
def c_out_under_a_file(tmp):
    text(tmp, "outfile", "x")
    return fit(csv(tmp, clean()), "--out", str(tmp / "outfile" / "sub")), "is a file, so no folder can be made under it"


def write_ods_bytes() -> bytes:
    """An .ods that is a zip with nothing but its mimetype."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    return buf.getvalue()


@case()
def c_ods_without_content(tmp):
    return fit(text(tmp, "empty.ods", write_ods_bytes())), "empty.ods"
