"""Spreadsheets (``.xlsx``, ``.xlsm``, ``.xls``, ``.xlsb``, ``.ods``).

python-calamine (Rust, fast) reads every format; openpyxl is the fallback for xlsx/xlsm.  The XML
parts of zip-based workbooks are scanned first and a document type declaration (``<!DOCTYPE``/
``<!ENTITY``, never written by spreadsheet programs and the vehicle of entity-expansion attacks)
is refused; ``defusedxml.defuse_stdlib()`` guards the fallback.

``sheet`` is a name or a 0-based index; a wrong one lists the sheets (and a close name).  The
header is the first row with any value (a blank first row or two is common); trailing columns
with neither a header nor a value are dropped.  Rows are numbered as spreadsheet rows.
"""

from __future__ import annotations

import difflib
import re
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from csi.data.table import RawTable, Select, blank, clean_header, positions, short
from csi.errors import DataError

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def read_excel(p: Path, sheet: str | int | None, select: Select | None, answers: Select | None = None) -> RawTable:
    """The selected columns of one sheet (the first unless ``sheet`` names another)."""
    _check_container(p)
    names, chosen, rows = _sheet_rows(p, sheet)
    # the header is the first non-empty row (a blank first row or two is common)
    start = next((i for i, r in enumerate(rows) if any(not blank(v) for v in r)), None)
    if start is None:
        raise DataError(f"{p} (sheet {chosen}): the sheet is empty")
    width = max(len(r) for r in rows[start:])
    head = list(rows[start]) + [""] * (width - len(rows[start]))
    # drop trailing columns with neither a header nor any value
    while width > 0 and blank(head[width - 1]) and all(len(r) < width or blank(r[width - 1]) for r in rows[start + 1:]):
        width -= 1
    header = clean_header(head[:width])
    pos = positions(select, header)
    body = rows[start + 1:]
    data = {j: [(r[j] if j < len(r) else None) for r in body] for j in pos}
    cols = []
    for j in pos:
        s = pd.Series(data[j], dtype=object).map(lambda v: None if blank(v) else v)
        cols.append(s)
    df = pd.concat(cols, axis=1, ignore_index=True) if cols else pd.DataFrame(index=range(len(body)))
    df = df.infer_objects() if len(cols) else df
    df.columns = [header[j] for j in pos]
    return RawTable(df, str(p), "xlsx", tuple(header), sheet=str(chosen), row_base=start + 2,
                    details={"sheets": list(names)})


def _check_container(p: Path) -> None:
    """Zip-based workbooks must be zip archives; their XML parts must carry no DTD."""
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".ods", ".xlsb"}:
        if suffix != ".xlsb":
            _check_zip_xml(p)
        elif not zipfile.is_zipfile(p):
            raise DataError(f"{p}: is not a valid .xlsb workbook (not a zip archive)")


def _sheet_rows(p: Path, sheet: str | int | None) -> tuple[list[str], str, list[list[Any]]]:
    """(sheet names, the chosen sheet, its rows) by calamine, else openpyxl for xlsx/xlsm."""
    suffix = p.suffix.lower()
    try:
        return _calamine_rows(p, sheet)
    except DataError:
        raise
    except Exception as calamine_exc:  # noqa: BLE001 - try openpyxl before giving up
        if suffix not in {".xlsx", ".xlsm"}:
            raise DataError(f"{p}: could not be read as a {suffix} workbook ({short(calamine_exc)})") from None
        try:
            return _openpyxl_rows(p, sheet)
        except DataError:
            raise
        except Exception:  # noqa: BLE001 - any parser failure is the file's problem
            raise DataError(f"{p}: could not be read as an Excel workbook; the file may be corrupt ({short(calamine_exc)})") from None


def _check_zip_xml(p: Path) -> None:
    """Refuse zip-based workbooks whose XML parts carry a DTD (entity expansion, XXE)."""
    try:
        zf = zipfile.ZipFile(p)
    except zipfile.BadZipFile:
        raise DataError(f"{p}: is not a valid {p.suffix.lower()} workbook (not a zip archive; the file may be corrupt or another format)") from None
    with zf:
        for info in zf.infolist():
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                prolog = _prolog(zf, info)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                raise DataError(f"{p}: is corrupt (part {info.filename} cannot be unpacked: {exc})") from None
            low = prolog.lower()
            if b"<!doctype" in low or b"<!entity" in low:
                raise DataError(
                    f"{p}: refused: part {info.filename} contains an XML document type declaration "
                    "(<!DOCTYPE/<!ENTITY>), which spreadsheet programs never write and which can hide an "
                    "entity-expansion ('billion laughs') attack; re-save the workbook in Excel or export CSV"
                )


def _prolog(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The bytes of a part before its root element's start tag (at most about 1 MB read)."""
    with zf.open(info) as f:
        prolog = b""
        while len(prolog) < 1 << 20:
            chunk = f.read(8192)
            if not chunk:
                break
            prolog += chunk
            # the prolog ends at the root element's start tag
            m = re.search(rb"<[A-Za-z_]", prolog)
            if m:
                prolog = prolog[: m.start()]
                break
    return prolog


def _pick_sheet(p: Path, names: Sequence[str], sheet: str | int | None) -> str:
    """The sheet named (or numbered from 0) by ``sheet``; a wrong one lists the sheets."""
    if not names:
        raise DataError(f"{p}: the workbook has no sheets")
    listing = ", ".join(repr(n) for n in names)
    if sheet is None:
        return names[0]
    if isinstance(sheet, str) and sheet in names:
        return sheet
    text = str(sheet).strip()
    if text in names:
        return text
    if re.fullmatch(r"-?\d+", text):
        i = int(text)
        if not 0 <= i < len(names):
            raise DataError(f"{p}: --sheet {i} is out of range; sheets are numbered from 0 to {len(names) - 1}: {listing}")
        return names[i]
    close = difflib.get_close_matches(text, list(names), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise DataError(f"{p}: no sheet named {text!r}{hint}; the sheets are {listing}")


def _calamine_rows(p: Path, sheet: str | int | None) -> tuple[list[str], str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(p))
    names = list(wb.sheet_names)
    chosen = _pick_sheet(p, names, sheet)
    rows = wb.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    return names, chosen, [list(r) for r in rows]


def _openpyxl_rows(p: Path, sheet: str | int | None) -> tuple[list[str], str, list[list[Any]]]:
    import defusedxml

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # defusedxml's own cElementTree import
        defusedxml.defuse_stdlib()  # openpyxl parses with the standard library: no entity expansion
    from openpyxl import load_workbook

    wb = load_workbook(p, read_only=True, data_only=True)
    try:
        names = list(wb.sheetnames)
        chosen = _pick_sheet(p, names, sheet)
        rows = [list(r) for r in wb[chosen].iter_rows(values_only=True)]
    finally:
        wb.close()
    return names, chosen, rows
