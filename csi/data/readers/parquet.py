"""Parquet (``.parquet``, ``.pq``), by pyarrow: only the selected columns are read.

Rows are numbered as records (from 1).
"""

from __future__ import annotations

from pathlib import Path

from csi.data.table import RawTable, Select, positions, short
from csi.errors import DataError

SUFFIXES = (".parquet", ".pq")


def read_parquet(p: Path, sheet: str | int | None, select: Select | None, answers: Select | None = None) -> RawTable:
    """The selected columns of a Parquet file."""
    try:
        import pyarrow.parquet as pq

        header = [str(n) for n in pq.read_schema(p).names]
        pos = positions(select, header)
        table = pq.read_table(p, columns=[header[j] for j in pos])
        df = table.to_pandas()
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's problem
        raise DataError(f"{p}: could not be read as Parquet ({short(exc)})") from None
    return RawTable(df, str(p), "parquet", tuple(header), row_base=1)
