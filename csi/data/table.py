"""A table as read from a file, before validation (:class:`RawTable`), and what readers share.

Every reader (``csi/data/readers/``) returns a :class:`RawTable`: the selected columns under their
header names, the whole header, and the file row of the first data row (``row_base``), so every
check can name rows as the user sees them in the file.  ``Select`` picks column positions from
the header; readers parse only those columns where the format allows it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

#: ``select(header)`` → the positions of the columns to read.
Select = Callable[[Sequence[str]], list[int]]


@dataclass(frozen=True)
class RawTable:
    """A table as read from a file, before validation.

    ``frame`` holds the selected columns under their header names (which may repeat);
    ``columns`` is the whole header; ``row_base`` is the file row of ``frame``'s first row.
    ``names``: ``frame``'s column names as the checks see them, when not ``frame.columns``
    themselves (a data frame is validated as given, under its cleaned header, without a copy).
    """

    frame: pd.DataFrame
    source: str
    kind: str
    columns: tuple[str, ...]
    sheet: str | None = None
    row_base: int = 1
    value_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)
    user_missing: Mapping[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    names: tuple[str, ...] | None = None

    @cached_property
    def frame_names(self) -> tuple[str, ...]:
        """The names of ``frame``'s columns (``names`` if given)."""
        return self.names if self.names is not None else tuple(str(c) for c in self.frame.columns.tolist())

    def values(self, j: int) -> np.ndarray | ExtensionArray:
        """The values of ``frame``'s column ``j`` as stored (a numpy or pandas extension array; read only)."""
        return self._columns.values(j)

    def column(self, j: int) -> pd.Series:
        """``frame``'s column ``j`` as a Series on a 0-based index (built once)."""
        return self._columns.series(j)

    @cached_property
    def _columns(self) -> _Columns:
        return _Columns(self.frame)


class _Columns:
    """A frame's columns by position, each taken once.

    ``frame.iloc[:, j]`` (or ``frame.items()``) costs 30–100 µs a column with pandas 3, which
    looks its name up in an Arrow-backed index: as much as all the checks of a small survey.
    pandas' own ``DataFrame._get_column_array`` hands over the stored array in a microsecond;
    the public way is the fallback should it go.  The arrays are only read.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self._values: dict[int, np.ndarray | ExtensionArray] = {}
        self._series: dict[int, pd.Series] = {}

    def values(self, j: int) -> np.ndarray | ExtensionArray:
        if j not in self._values:
            get = getattr(self._frame, "_get_column_array", None)
            if get is not None:
                self._values[j] = get(j)
            else:  # pragma: no cover - pandas without the accessor
                s = self._frame.iloc[:, j]
                self._values[j] = s.to_numpy() if isinstance(s.dtype, np.dtype) else s.array
        return self._values[j]

    def series(self, j: int) -> pd.Series:
        if j not in self._series:
            v = self.values(j)
            self._series[j] = pd.Series(v, dtype=v.dtype, copy=False)  # dtype: an object column stays object
        return self._series[j]


def select_all(header: Sequence[str]) -> list[int]:
    """Every column (the selector of ``csi validate``, which lists them all)."""
    return list(range(len(header)))


def positions(select: Select | None, header: Sequence[str]) -> list[int]:
    """The selected positions, sorted and without repeats (every column without a selector)."""
    return sorted(set((select or select_all)(header)))


def clean_header(names: Sequence[Any]) -> list[str]:
    """Header cells as text; an empty one becomes ``(unnamed column J)`` (1-based)."""
    out = []
    for j, n in enumerate(names):
        s = "" if n is None or (isinstance(n, float) and np.isnan(n)) else str(n).strip()
        out.append(s if s else f"(unnamed column {j + 1})")
    return out


def blank(v: Any) -> bool:
    """An empty cell: None, NaN or white space."""
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and np.isnan(v))


def short(exc: BaseException) -> str:
    """An exception as ``Type: first line`` (at most 200 characters), for a file-level message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__


def names_index(names: Sequence[str], name: str | None = None) -> pd.Index:
    """``pd.Index(names, name=name)``, built once per list of names (0.1 ms each with pandas 3's
    string type, as much as the checks of a small survey); a view, so that renaming one frame's
    index renames no other."""
    return _names_index(tuple(names), name).view()


@lru_cache(maxsize=256)
def _names_index(names: tuple[str, ...], name: str | None) -> pd.Index:
    return pd.Index(list(names), name=name)
