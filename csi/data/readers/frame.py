"""An in-memory pandas DataFrame, validated like a file (rows are numbered from 1).

The frame is not copied, renamed or re-indexed: its columns are read by position under the
cleaned header (:attr:`csi.data.table.RawTable.names`), and its index plays no part.
"""

from __future__ import annotations

import pandas as pd

from csi.data.table import RawTable, clean_header
from csi.errors import DataError


def frame_table(df: pd.DataFrame, source: str, sheet: str | None) -> RawTable:
    """``df`` as a :class:`RawTable` named ``source`` (the name that starts every message)."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{source}: expected a pandas DataFrame; got {type(df).__name__}")
    header = tuple(clean_header(df.columns.tolist()))
    return RawTable(df, source, "frame", header, sheet=sheet, row_base=1, names=header)
