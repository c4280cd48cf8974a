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
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from csi.data.readers.xlsx_guard import SheetScan, check_workbook, sheet_parts
from csi.data.table import RawTable, Select, blank, clean_header, positions, short
from csi.errors import DataError

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
#: the header is looked for among the first rows (title rows above it)
HEADER_SEARCH_ROWS = 50


def read_excel(p: Path, sheet: str | int | None, select: Select | None, answers: Select | None = None, *,
               header_row: int | None = None, find: Select | None = None) -> RawTable:
    """The selected columns of one sheet.

    The sheet: ``sheet``, else (several sheets) the one whose header holds the most item columns
    by ``find`` (default ``answers``; ties: the first), said in a note.  The header: the
    ``header_row`` (1-based spreadsheet row), else the first of the first 50 non-empty rows that
    holds the most item columns, else the first non-empty row.  Formula cells without a cached
    value in the sheet are refused (:mod:`.xlsx_guard`).
    """
    find = find or answers
    scans, parts = _check_container(p)
    notes: list[str] = []
    names, chosen, rows = _sheet_rows(p, sheet, find, notes)
    _refuse_uncached(p, chosen, scans.get(parts.get(chosen, ""), None))
    start = _header_start(p, chosen, rows, header_row, find, notes)
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
                    details={"sheets": list(names), "header_row": start + 1, "notes": notes})


def _header_start(p: Path, chosen: str, rows: list[list[Any]], header_row: int | None, find: Select | None,
                  notes: list[str]) -> int:
    """The 0-based row of the header (see :func:`read_excel`)."""
    nonempty = [i for i, r in enumerate(rows) if any(not blank(v) for v in r)]
    if not nonempty:
        raise DataError(f"{p} (sheet {chosen}): the sheet is empty")
    if header_row is not None:
        if header_row < 1:
            raise DataError(f"--header-row should be 1 or more (the spreadsheet row of the header); got {header_row}")
        if header_row > len(rows) or header_row - 1 not in set(nonempty):
            raise DataError(f"{p} (sheet {chosen}): --header-row {header_row}: row {header_row} is empty; give the row that holds the column names")
        return header_row - 1
    best, best_n = nonempty[0], _found(find, rows[nonempty[0]])
    for i in nonempty[1:HEADER_SEARCH_ROWS]:
        n = _found(find, rows[i])
        if n > best_n:
            best, best_n = i, n
    if best != nonempty[0]:
        notes.append(f"header row {best + 1} used (sheet {chosen}): it holds {best_n} of the model's item columns "
                     "(the row(s) above it look like titles; --header-row N chooses another)")
    return best


def _found(find: Select | None, row: Sequence[Any]) -> int:
    return 0 if find is None else len(find(clean_header(row)))


def _refuse_uncached(p: Path, chosen: str, scan: SheetScan | None) -> None:
    """Formula cells whose result was never stored would be read as blanks: refused, saying so."""
    if scan is None or not scan.n_uncached:
        return
    raise DataError(
        f"{p} (sheet {chosen}): {scan.n_uncached} formula cell(s) without a stored result (e.g. {', '.join(scan.uncached)}); "
        "the program that wrote the file saved the formulas but not their values, and csi does not compute formulas "
        "(reading them as blanks would drop or impute real answers); open and save the workbook in Excel or "
        "LibreOffice, which stores the results, or export CSV"
    )


def _check_container(p: Path) -> tuple[dict[str, SheetScan], dict[str, str]]:
    """Zip-based workbooks must be zip archives within the limits; their XML parts must carry no DTD.

    Returns the worksheet scans by part and the sheet parts by sheet name (xlsx/xlsm; else empty).
    """
    suffix = p.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".ods", ".xlsb"}:
        if suffix != ".xlsb":
            return _check_zip_xml(p)
        if not zipfile.is_zipfile(p):
            raise DataError(f"{p}: is not a valid .xlsb workbook (not a zip archive)")
        with zipfile.ZipFile(p) as zf:
            check_workbook(p, zf)
    return {}, {}


def _sheet_rows(p: Path, sheet: str | int | None, find: Select | None = None,
                notes: list[str] | None = None) -> tuple[list[str], str, list[list[Any]]]:
    """(sheet names, the chosen sheet, its rows) by calamine, else openpyxl for xlsx/xlsm."""
    suffix = p.suffix.lower()
    try:
        return _calamine_rows(p, sheet, find, notes if notes is not None else [])
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


def _check_zip_xml(p: Path) -> tuple[dict[str, SheetScan], dict[str, str]]:
    """Refuse zip-based workbooks whose XML parts carry a DTD (entity expansion, XXE) or that
    exceed the limits of :mod:`.xlsx_guard`; the worksheet scans and sheet parts."""
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(f"{p}: is not a valid {p.suffix.lower()} workbook (not a zip archive; the file may be corrupt or another format)") from None
    with zf:
        _check_dtd(p, zf)
        try:
            scans = check_workbook(p, zf)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as exc:
            raise DataError(f"{p}: is corrupt (a part cannot be unpacked: {exc})") from None
        try:
            parts = sheet_parts(zf)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
            parts = {}
    return scans, parts


def _check_dtd(p: Path, zf: zipfile.ZipFile) -> None:
    """Refuse XML parts that carry a DTD (entity expansion, XXE)."""
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


def _calamine_rows(p: Path, sheet: str | int | None, find: Select | None = None,
                   notes: list[str] | None = None) -> tuple[list[str], str, list[list[Any]]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(p))
    names = list(wb.sheet_names)
    chosen = _pick_sheet(p, names, sheet)
    if sheet is None and len(names) > 1 and find is not None:
        chosen = _item_sheet(wb, names, find, notes if notes is not None else [])
    rows = wb.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    return names, chosen, [list(r) for r in rows]


def _item_sheet(wb: Any, names: Sequence[str], find: Select, notes: list[str]) -> str:
    """The sheet whose first rows hold the most item columns (ties: the first sheet), with a note."""
    counts = []
    for name in names:
        try:
            first = [list(r) for _, r in zip(range(HEADER_SEARCH_ROWS), wb.get_sheet_by_name(name).iter_rows(), strict=False)]
        except Exception:  # noqa: BLE001 - a sheet calamine cannot read is not the item sheet
            first = []
        counts.append(max((_found(find, r) for r in first), default=0))
    best = max(range(len(names)), key=lambda i: (counts[i], -i))
    if best != 0 and counts[best] > 0:
        notes.append(f"sheet {names[best]!r} used: it holds {counts[best]} of the model's item columns "
                     f"(the first sheet, {names[0]!r}, holds {counts[0]}; --sheet chooses another)")
        return names[best]
    return names[0]


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
