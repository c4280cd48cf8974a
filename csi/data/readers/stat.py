"""SPSS (``.sav``, ``.zsav``) and Stata (``.dta``) files, by pyreadstat.

SPSS files are read with ``user_missing=True``: the file's user-defined missing values and ranges
are returned in :attr:`RawTable.user_missing` and later set to missing and counted.  In Stata files
the system and extended missing values (``.``, ``.a``–``.z``) are missing.  Value labels are
returned too; the validation applies them to the segment (group) columns, never to the items.
Rows are numbered as cases (from 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from csi.data.table import RawTable, Select, positions, short
from csi.errors import DataError

SPSS_SUFFIXES = (".sav", ".zsav")
STATA_SUFFIXES = (".dta",)
SUFFIXES = SPSS_SUFFIXES + STATA_SUFFIXES


def read_stat(p: Path, sheet: str | int | None, select: Select | None, answers: Select | None = None) -> RawTable:
    """The selected columns of an SPSS or Stata file, with value labels and SPSS user-missing ranges."""
    import pyreadstat

    spss = p.suffix.lower() in SPSS_SUFFIXES
    reader = pyreadstat.read_sav if spss else pyreadstat.read_dta
    kind = "sav" if spss else "dta"
    try:
        _, meta = reader(str(p), metadataonly=True)
        header = [str(c) for c in meta.column_names]
        pos = positions(select, header)
        use = [header[j] for j in pos]
        # SPSS: keep user-missing values to count them; Stata: ., .a-.z are all missing
        df, meta = reader(str(p), usecols=use or None, user_missing=spss, disable_datetime_conversion=True)
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's problem
        raise DataError(f"{p}: could not be read as {'an SPSS' if spss else 'a Stata'} file ({short(exc)})") from None
    if not use:
        df = df.iloc[:, :0]
    df = df.loc[:, use]
    labels = {str(k): dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    ranges = _missing_ranges(getattr(meta, "missing_ranges", None) or {})
    return RawTable(df, str(p), kind, tuple(header), row_base=1, value_labels=labels, user_missing=ranges)


def _missing_ranges(found: Mapping[Any, Any]) -> dict[str, tuple[tuple[float, float], ...]]:
    """SPSS user-missing ranges of numeric columns as ``(lo, hi)`` pairs."""
    ranges: dict[str, tuple[tuple[float, float], ...]] = {}
    for col, rs in found.items():
        got = []
        for r in rs:
            try:
                got.append((float(r["lo"]), float(r["hi"])))
            except (TypeError, ValueError, KeyError):
                continue  # string missing values of text columns: not items
        if got:
            ranges[str(col)] = tuple(got)
    return ranges
