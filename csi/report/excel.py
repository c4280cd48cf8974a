"""The only .xlsx writer: formatted tables, one sheet each, plus a settings sheet.

Every string cell is written as text (``data_type = "s"``), so survey text that starts with
``=``, ``+``, ``-`` or ``@`` can never become a formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from csi._io import atomic_write

if TYPE_CHECKING:
    from csi.api import FitResults

NUMBER_FORMAT = "0.000"
INDEX_FORMAT = "0.0"


def _cell_value(v: Any) -> Any:
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (list, tuple, dict)):
        return str(v)
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v


def _sheet_title(name: str, used: set[str]) -> str:
    bad = '[]:*?/\\'
    t = "".join("_" if ch in bad else ch for ch in str(name))[:31] or "Sheet"
    base, k = t, 2
    while t.lower() in used:
        suffix = f" ({k})"
        t = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(t.lower())
    return t


def write_workbook(
    sheets: Mapping[str, pd.DataFrame],
    path: str | Path,
    settings: Mapping[str, Any] | None = None,
    formats: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write tables to one workbook atomically; ``formats[sheet][column]`` is a number format."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    formats = formats or {}
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")

    def _write(tmp: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        used: set[str] = set()
        all_sheets = dict(sheets)
        if settings is not None:
            all_sheets["settings"] = pd.DataFrame(
                [(k, _flat(v)) for k, v in _flatten(settings).items()], columns=["setting", "value"]
            )
        for name, df in all_sheets.items():
            ws = wb.create_sheet(_sheet_title(name, used))
            frame = df.reset_index() if _has_named_index(df) else df
            cols = [str(c) for c in frame.columns]
            for j, c in enumerate(cols, start=1):
                cell = ws.cell(row=1, column=j)
                cell.value = c
                cell.data_type = "s"
                cell.font = header_font
                cell.fill = header_fill
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            fmt = formats.get(name, {})
            for i, row in enumerate(frame.itertuples(index=False), start=2):
                for j, v in enumerate(row, start=1):
                    cell = ws.cell(row=i, column=j)
                    val = _cell_value(v)
                    cell.value = val
                    if isinstance(val, str):
                        cell.data_type = "s"  # never a formula, whatever the text starts with
                    elif isinstance(val, float):
                        cell.number_format = fmt.get(cols[j - 1], NUMBER_FORMAT)
            for j, c in enumerate(cols, start=1):
                values = [len(c)] + [len(str(_cell_value(v) or "")) for v in frame.iloc[:200, j - 1]]
                ws.column_dimensions[get_column_letter(j)].width = min(max(10, max(values) + 2), 60)
            ws.freeze_panes = "B2" if len(cols) > 1 else "A2"
        wb.save(tmp)

    return atomic_write(path, _write)


def _has_named_index(df: pd.DataFrame) -> bool:
    return any(n is not None for n in df.index.names)


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _flat(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if v is None:
        return ""
    return v


def fit_tables(res: FitResults) -> dict[str, pd.DataFrame]:
    """The tables of a fit, as written to results.xlsx (read from results.json's dict)."""
    from csi.report.json import to_dict

    d = to_dict(res)
    tables: dict[str, pd.DataFrame] = {}
    cons = pd.DataFrame(d["constructs"])
    for key in ("index_ci", "r2_ci"):
        if cons[key].notna().any():
            cons[key.replace("_ci", "_ci_lo")] = [None if v is None else v[0] for v in cons[key]]
            cons[key.replace("_ci", "_ci_hi")] = [None if v is None else v[1] for v in cons[key]]
        cons = cons.drop(columns=[key])
    tables["constructs"] = cons.dropna(axis=1, how="all")
    tables["paths"] = _split_ci(pd.DataFrame(d["paths"])).dropna(axis=1, how="all")
    tables["indicators"] = _split_ci(pd.DataFrame(d["indicators"])).dropna(axis=1, how="all")
    tables["effects"] = _split_ci(pd.DataFrame(d["effects"])).dropna(axis=1, how="all")
    tables["htmt"] = res.quality.htmt.rename_axis("construct")
    tables["fornell_larcker"] = res.quality.fornell_larcker.rename_axis("construct")
    tables["cross_loadings"] = res.pls.cross_loadings.rename_axis("item")
    if d.get("ipma"):
        tables["ipma"] = pd.DataFrame(d["ipma"])
    if d.get("tiers") and isinstance(d["tiers"], dict) and d["tiers"].get("groups"):
        tables["tiers"] = pd.DataFrame(d["tiers"]["groups"])
    if d.get("fit"):
        tables["cbsem_fit"] = pd.DataFrame([d["fit"]])
    tables["warnings"] = pd.DataFrame({"warning": d["warnings"]})
    return tables


def _split_ci(df: pd.DataFrame) -> pd.DataFrame:
    for col in [c for c in df.columns if c == "ci" or c.endswith("_ci")]:
        if df[col].notna().any():
            df[f"{col}_lo"] = [None if v is None else v[0] for v in df[col]]
            df[f"{col}_hi"] = [None if v is None else v[1] for v in df[col]]
        df = df.drop(columns=[col])
    return df


def write_fit(res: FitResults, path: str | Path) -> Path:
    return write_workbook(
        fit_tables(res),
        path,
        settings=res.settings,
        formats={"constructs": {"index": INDEX_FORMAT, "index_ci_lo": INDEX_FORMAT, "index_ci_hi": INDEX_FORMAT}},
    )
