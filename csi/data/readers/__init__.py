"""Survey file readers, one module per format, chosen by the file suffix (:data:`READERS`).

=================================  ==================  =======================================
suffixes                           module              rows in messages
=================================  ==================  =======================================
``.csv`` ``.txt`` ``.tsv``         :mod:`.text`        text lines (the header is line 1)
``.xlsx`` ``.xlsm`` ``.xls``       :mod:`.excel`       spreadsheet rows (``--sheet`` applies)
``.xlsb`` ``.ods``
``.sav`` ``.zsav`` ``.dta``        :mod:`.stat`        case numbers (from 1)
``.parquet`` ``.pq``               :mod:`.parquet`     record numbers (from 1)
(a pandas DataFrame)               :mod:`.frame`       from 1
=================================  ==================  =======================================

A reader is ``read(path, sheet, select, answers) -> RawTable``; ``select(header)`` picks the
column positions to read and ``answers(header)`` says which of them hold item answers (the text
reader's fast path needs it).  A new format is one module plus one registration::

    READERS.register(".feather", Reader(read_feather))

File-level trouble (no such file, a folder, an empty file, an unsupported suffix, ``--sheet`` on a
file that has no sheets, a corrupt file, a wrong sheet) raises a DataError naming the file;
everything inside the table is left to the checks, which collect all problems.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from csi.data.readers import excel, parquet, stat, text
from csi.data.table import RawTable, Select
from csi.errors import DataError
from csi.registry import Registry

#: ``read(path, sheet, select, answers, **options)`` → RawTable; ``options`` only those the
#: reader lists in :attr:`Reader.options`
ReadFn = Callable[..., RawTable]


@dataclass(frozen=True)
class Reader:
    """A file format: its read function, whether ``--sheet`` applies to it and the other reader
    options it takes (``encoding``, ``header_row``, ``find``: passed only to readers that list them)."""

    read: ReadFn
    sheets: bool = False
    options: frozenset[str] = frozenset()


READERS = Registry[Reader]("file type")
for _suffix in text.SUFFIXES:
    READERS.register(_suffix, Reader(text.read_text, options=frozenset({"encoding", "header_row", "find"})))
for _suffix in excel.SUFFIXES:
    READERS.register(_suffix, Reader(excel.read_excel, sheets=True, options=frozenset({"header_row", "find"})))
for _suffix in stat.SUFFIXES:
    READERS.register(_suffix, Reader(stat.read_stat))
for _suffix in parquet.SUFFIXES:
    READERS.register(_suffix, Reader(parquet.read_parquet))


def supported() -> str:
    """The registered suffixes, sorted, for messages."""
    return ", ".join(sorted(READERS.keys()))


def read_table(
    path: str | Path, sheet: str | int | None = None, select: Select | None = None, answers: Select | None = None,
    *, encoding: str | None = None, header_row: int | None = None, find: Select | None = None,
) -> RawTable:
    """Read a survey file (any supported format); ``select(header)`` picks column positions.

    ``answers(header)`` (optional) names the selected positions that hold item answers: a
    delimited text file whose selected columns are all whole numbers is then read by a faster
    reader (see :func:`csi.data.readers.text._read_text_fast`) with identical results.
    File-level trouble (no such file, unsupported type, corrupt or empty file, wrong sheet)
    raises a DataError naming the file.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    if p.is_dir():
        raise DataError(f"{p}: is a folder, not a survey file")
    if not p.is_file():
        raise DataError(f"{p}: is not a regular file (a device, pipe or socket); give a survey file")
    suffix = p.suffix.lower()
    reader = READERS.get(suffix) if suffix in READERS else None
    if sheet is not None and (reader is None or not reader.sheets):
        raise DataError(f"{p}: --sheet applies to spreadsheets only (.xlsx, .xls, .ods); this is a {suffix or 'suffix-less'} file")
    if p.stat().st_size == 0:
        raise DataError(f"{p}: the file is empty (0 bytes)")
    if reader is None:
        raise DataError(f"{p}: unsupported file type {suffix or '(no suffix)'!r}; expected one of {supported()}")
    given = {"encoding": encoding, "header_row": header_row}
    for key, value in given.items():
        if value is not None and key not in reader.options:
            flag = "--" + key.replace("_", "-")
            raise DataError(f"{p}: {flag} applies to text files{' and spreadsheets' if key == 'header_row' else ''} only; this is a {suffix} file")
    kw = {k: v for k, v in {**given, "find": find}.items() if v is not None and k in reader.options}
    return reader.read(p, sheet, select, answers, **kw)
