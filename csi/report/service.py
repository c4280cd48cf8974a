"""Terminal tables and output files of ``csi sqi`` and ``csi servqual`` (JSON + PNG charts).

User text (failure types, dimension and segment names) is printed with rich markup off.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table

from csi._io import atomic_write


def _clean(x: Any) -> Any:
    """JSON-safe: NaN/inf → null, numpy scalars → Python."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def write_json(data: Mapping[str, Any], path: Path) -> Path:
    text = json.dumps(_clean(dict(data)), indent=2, ensure_ascii=False)
    def _w(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return atomic_write(path, _w)


def write_charts(data: Mapping[str, Any], out_dir: Path, makers: Mapping[str, Callable[[Mapping[str, Any]], Any]]) -> list[Path]:
    from csi.report.charts.base import save

    return [save(make(data), out_dir / f"{name}.png") for name, make in makers.items()]


def print_table(console: Console, title: str, table: pd.DataFrame, digits: int = 2, max_rows: int = 40) -> None:
    """A frame as a rich table (markup off for every cell), at most ``max_rows`` rows."""
    t = Table(title=title, title_justify="left", highlight=False)
    t.add_column(str(table.index.name or ""), no_wrap=True)
    for c in table.columns:
        t.add_column(str(c), justify="right")
    for idx, row in table.head(max_rows).iterrows():
        cells = [str(idx)] + ["" if isinstance(v, float) and math.isnan(v) else f"{v:.{digits}f}" if isinstance(v, float) else str(v)
                              for v in row.tolist()]
        t.add_row(*(c.replace("[", "\\[") for c in cells))
    console.print(t)
    if len(table) > max_rows:
        console.print(f"  … {len(table) - max_rows} more rows in the JSON file", highlight=False, markup=False)
