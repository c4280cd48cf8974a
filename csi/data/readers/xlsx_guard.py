"""Limits of a zip-based workbook checked before the xlsx engine sees it (no allocation, no parse).

The xlsx engine (calamine) allocates the whole rectangle from A1 to the last cell of a sheet: one
cell at XFD1048576 in a 6 KB file asks for 16 384 × 1 048 576 cells (about 512 GiB), which aborts
the process; a 1.2 GB sheet XML does the same.  So, from the zip's own directory and a streaming
scan of each worksheet's XML (``<dimension ref>``, ``<row r>``, ``<c r>``), before the workbook is
opened:

* the parts' uncompressed size is at most :func:`max_unzipped` bytes
  (``CSI_MAX_UNZIPPED_MB``, default 768);
* every worksheet's used rectangle (last row × last column, by its cells and by its declared
  ``<dimension>``) is at most :func:`max_cells` cells (``CSI_MAX_CELLS``, default 30 million:
  a national sample of 10⁶ respondents × 24 items fits);
* formula cells without a cached value (``<f>`` without ``<v>``, as many generators write them)
  are found per sheet, so the reader can refuse them instead of reading blanks.

A message names the limit and the environment variable that raises it.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from csi.errors import DataError

_CHUNK = 1 << 22
# patterns that start with a literal, so the scan runs at memory speed (about 0.3 s per 50 MB each)
_ROW_R = re.compile(rb'row\b[^>]*?\sr="(\d+)"')
#: cell references of columns AA and beyond; A–Z need no scan (1 048 576 rows × 26 columns is
#: under the default limit, so the bound 26 is used for them)
_WIDE_REF = re.compile(rb'r="([A-Z]{2,3})[0-9]')
_DIMENSION = re.compile(rb'dimension\b[^>]*?\sref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
_CELL = re.compile(rb'<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]+\d+)"')


def max_cells() -> int:
    return int(os.environ.get("CSI_MAX_CELLS", 30_000_000))


def max_unzipped() -> int:
    return int(float(os.environ.get("CSI_MAX_UNZIPPED_MB", 768)) * (1 << 20))


def col_number(letters: bytes | str) -> int:
    """``A`` → 1, ``Z`` → 26, ``AA`` → 27, ``XFD`` → 16384."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass
class SheetScan:
    """What the scan of one worksheet part found."""

    part: str
    rows: int = 0
    cols: int = 0
    uncached: list[str] = field(default_factory=list)
    n_uncached: int = 0


def check_workbook(p: Path, zf: zipfile.ZipFile) -> dict[str, SheetScan]:
    """The limits of the module docs; the scan of each worksheet part, by part name."""
    total = sum(i.file_size for i in zf.infolist())
    if total > max_unzipped():
        raise DataError(
            f"{p}: refused: the workbook unpacks to {total / (1 << 20):.0f} MB, over the limit of "
            f"{max_unzipped() / (1 << 20):.0f} MB (set the environment variable CSI_MAX_UNZIPPED_MB to raise it, "
            "or export the sheet as CSV)"
        )
    scans: dict[str, SheetScan] = {}
    for info in zf.infolist():
        name = info.filename
        if re.fullmatch(r"xl/worksheets/[^/]+\.xml", name):
            scans[name] = _scan(zf, info)
            s = scans[name]
            if s.rows * s.cols > max_cells():
                raise DataError(
                    f"{p}: refused: a sheet ({name}) spans {s.rows} rows × {s.cols} columns = {s.rows * s.cols} cells, "
                    f"over the limit of {max_cells()} cells (set the environment variable CSI_MAX_CELLS to raise it); "
                    "a stray cell far from the data (e.g. at XFD1048576) does this: delete it and re-save"
                )
    return scans


def _scan(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> SheetScan:
    s = SheetScan(info.filename)
    tail = b""
    with zf.open(info) as f:
        while True:
            chunk = f.read(_CHUNK)
            buf = tail + chunk
            if not chunk:
                _scan_block(s, buf)
                break
            cut = buf.rfind(b"</row>")
            if cut < 0 and len(buf) < 4 * _CHUNK:
                tail = buf
                continue
            cut = cut + 6 if cut >= 0 else len(buf) - 64  # a very long row: scan what is there
            _scan_block(s, buf[:cut])
            tail = buf[cut:]
    return s


def _scan_block(s: SheetScan, block: bytes) -> None:
    for m in _DIMENSION.finditer(block):
        last_col, last_row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
        s.cols = max(s.cols, col_number(last_col))
        s.rows = max(s.rows, int(last_row))
    for r in _ROW_R.findall(block):
        s.rows = max(s.rows, int(r))
    wide = set(_WIDE_REF.findall(block))
    s.cols = max(s.cols, max((col_number(x) for x in wide), default=26 if b"<" in block else 0))
    if b"<f" in block or b":f" in block:
        for m in _CELL.finditer(block):
            body = m.group(2) or b""
            if re.search(rb"<(?:\w+:)?f\b", body) and not re.search(rb"<(?:\w+:)?v>", body):
                s.n_uncached += 1
                if len(s.uncached) < 5:
                    ref = _REF.search(m.group(1))
                    s.uncached.append(ref.group(1).decode() if ref else "?")


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part (``xl/worksheets/sheet1.xml``), from workbook.xml and its rels."""
    try:
        wb = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for m in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)>", rels):
        a = dict(re.findall(rb'(\w+)="([^"]*)"', m.group(1)))
        if b"Id" in a and b"Target" in a:
            t = a[b"Target"].decode()
            targets[a[b"Id"].decode()] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    out = {}
    for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)>", wb):
        a = dict(re.findall(rb'([\w:]+)="([^"]*)"', m.group(1)))
        rid = next((v.decode() for k, v in a.items() if k.endswith(b":id")), None)
        name = a.get(b"name")
        if name is not None and rid in targets:
            out[_unescape(name.decode("utf-8", "replace"))] = targets[rid]
    return out


def _unescape(s: str) -> str:
    import html

    return html.unescape(s)
