"""Survey files in, validated item data out.

``read_survey(path, spec, ...)`` reads a file, ``from_frame(df, spec, ...)`` validates an
in-memory table; both collect every problem before failing with one ``DataError``, and
return a frozen :class:`SurveyData` that records what was done (rows read, used, dropped).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csi.errors import DataError
from csi.spec import ModelSpec

MISSING_POLICIES = {
    "casewise": "drop respondents with any missing item (listwise deletion)",
}
DEFAULT_MISSING = "casewise"


@dataclass(frozen=True)
class SurveyData:
    """Validated items (rows used × model items) plus what was done to get them."""

    items: pd.DataFrame
    source: str
    n_read: int
    policy: str
    weights: np.ndarray | None = None
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)
    sheet: str | None = None
    missing_by_item: Mapping[str, int] = field(default_factory=dict)
    dropped_by_construct: Mapping[str, int] = field(default_factory=dict)
    imputed_by_construct: Mapping[str, int] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def n_used(self) -> int:
        return int(self.items.shape[0])

    @property
    def n_effective(self) -> float:
        if self.weights is None:
            return float(self.n_used)
        w = self.weights
        return float(w.sum() ** 2 / np.sum(w**2))


def read_table(path: str | Path, sheet: str | int | None = None) -> tuple[pd.DataFrame, str | None]:
    """Read a CSV or XLSX file into a DataFrame (all problems as DataError naming the file)."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    suffix = p.suffix.lower()
    try:
        if suffix in {".csv", ".txt"}:
            df = pd.read_csv(p, sep=None, engine="python")
            return df, None
        if suffix in {".xlsx", ".xlsm"}:
            book = pd.ExcelFile(p, engine="calamine")
            names = list(book.sheet_names)
            if sheet is None:
                chosen: str | int = names[0]
            elif isinstance(sheet, int) or str(sheet).isdigit():
                i = int(sheet)
                if not 0 <= i < len(names):
                    raise DataError(f"{p}: sheet index {i} is out of range; the sheets are {', '.join(names)}")
                chosen = names[i]
            elif str(sheet) in names:
                chosen = str(sheet)
            else:
                raise DataError(f"{p}: no sheet named {sheet!r}; the sheets are {', '.join(names)}")
            return book.parse(chosen), str(chosen)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure is the file's problem
        raise DataError(f"{p}: could not be read as {suffix.lstrip('.')} ({exc})") from None
    raise DataError(f"{p}: unsupported file type {suffix!r}; expected .csv, .txt or .xlsx")


def read_survey(
    path: str | Path,
    spec: ModelSpec,
    *,
    sheet: str | int | None = None,
    column_map: Mapping[str, str] | None = None,
    missing: str = DEFAULT_MISSING,
    groups: Sequence[str] = (),
) -> SurveyData:
    df, sheet_name = read_table(path, sheet)
    return from_frame(df, spec, source=str(path), sheet=sheet_name, column_map=column_map, missing=missing, groups=groups)


def from_frame(
    df: pd.DataFrame,
    spec: ModelSpec,
    *,
    source: str = "<data frame>",
    sheet: str | None = None,
    column_map: Mapping[str, str] | None = None,
    missing: str = DEFAULT_MISSING,
    groups: Sequence[str] = (),
) -> SurveyData:
    if missing not in MISSING_POLICIES:
        raise DataError(f"--missing should be one of {', '.join(MISSING_POLICIES)}; got {missing!r}")
    if column_map:
        df = df.rename(columns=dict(column_map))
    problems: list[str] = []
    if df.shape[0] == 0:
        raise DataError(f"{source}: no data rows")
    cols = [str(c) for c in df.columns]
    absent = [i for i in spec.items if i not in cols]
    for item in absent:
        close = difflib.get_close_matches(item, cols, n=2)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        problems.append(f"missing item column {item}{hint}")
    for g in groups:
        if g not in cols:
            problems.append(f"missing group column {g}")
    if problems:
        raise DataError(f"{source}: " + "; ".join(problems))
    items = df.loc[:, list(spec.items)].apply(pd.to_numeric, errors="coerce")
    lo, hi = spec.scale_min, spec.scale_max
    for item in spec.items:
        raw = df[item]
        bad = items[item].isna() & raw.notna()
        if bad.any():
            rows = (np.flatnonzero(bad.to_numpy()) + 2)[:3]
            problems.append(f"column {item}: {int(bad.sum())} non-numeric value(s) (rows {', '.join(map(str, rows))})")
        out = items[item].notna() & ((items[item] < lo) | (items[item] > hi))
        if out.any():
            rows = (np.flatnonzero(out.to_numpy()) + 2)[:3]
            problems.append(
                f"column {item}: {int(out.sum())} value(s) outside the {lo:g}–{hi:g} scale (rows {', '.join(map(str, rows))})"
            )
    if problems:
        raise DataError(f"{source}: " + "; ".join(problems))
    missing_by_item = {i: int(items[i].isna().sum()) for i in spec.items}
    keep = items.notna().all(axis=1)
    dropped = {c.code: int(items.loc[:, list(c.items)].isna().any(axis=1).sum()) for c in spec.constructs}
    used = items.loc[keep].reset_index(drop=True)
    if used.shape[0] < 3:
        raise DataError(f"{source}: only {used.shape[0]} complete respondent(s); the model needs more")
    segs = df.loc[keep, list(groups)].reset_index(drop=True) if groups else pd.DataFrame(index=used.index)
    return SurveyData(
        items=used,
        source=source,
        sheet=sheet,
        n_read=int(df.shape[0]),
        policy=missing,
        segments=segs,
        missing_by_item=missing_by_item,
        dropped_by_construct=dropped,
        settings={"missing": missing, "scale": [lo, hi]},
        notes=(f"{int((~keep).sum())} of {df.shape[0]} respondents dropped (casewise: a missing item)",) if (~keep).any() else (),
    )


def read_column_map(path: str | Path) -> dict[str, str]:
    """A column map (survey column → item code) from YAML (a mapping) or CSV (two columns)."""
    import yaml

    p = Path(path)
    if not p.exists():
        raise DataError(f"--map {p}: no such file")
    text = p.read_text(encoding="utf-8-sig")
    if p.suffix.lower() in {".yaml", ".yml"}:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DataError(f"--map {p}: not valid YAML ({exc})") from None
        if not isinstance(data, dict) or not data:
            raise DataError(f"--map {p}: expected a mapping 'survey column: ITEM'; found {type(data).__name__}")
        return {str(k): str(v) for k, v in data.items()}
    df = pd.read_csv(p, sep=None, engine="python", dtype=str)
    if df.shape[1] < 2:
        raise DataError(f"--map {p}: expected two columns (survey column, item code); found {df.shape[1]}")
    return dict(zip(df.iloc[:, 0].str.strip(), df.iloc[:, 1].str.strip(), strict=True))
