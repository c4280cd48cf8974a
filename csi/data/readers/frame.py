"""An in-memory pandas DataFrame, validated like a file (rows are numbered from 1).

The frame is not copied (a shallow copy with a fresh 0-based index and cleaned column names).
"""

from __future__ import annotations

import pandas as pd

from csi.data.table import RawTable, clean_header
from csi.errors import DataError


def frame_table(df: pd.DataFrame, source: str, sheet: str | None) -> RawTable:
    """``df`` as a :class:`RawTable` named ``source`` (the name that starts every message)."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{source}: expected a pandas DataFrame; got {type(df).__name__}")
    header = clean_header(list(df.columns))
    frame = df.reset_index(drop=True).copy(deep=False)
    frame.columns = header
    return RawTable(frame, source, "frame", tuple(header), sheet=sheet, row_base=1)
