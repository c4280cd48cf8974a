"""The only .xlsx writer: formatted tables, one sheet each, plus a settings sheet.

Every string cell is written as text (XlsxWriter ``write_string``), so survey text that starts
with ``=``, ``+``, ``-`` or ``@`` can never become a formula.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from csi._io import atomic_write
from csi.report.text import excel_text

if TYPE_CHECKING:
    from csi.results.types import FitResults

NUMBER_FORMAT = "0.000"
INDEX_FORMAT = "0.0"
P_FORMAT = "0.0000"
SHARE_FORMAT = "0.0%"
# default number format by column name (a sheet's own ``formats`` entry wins)
COLUMN_FORMATS = {
    "index": INDEX_FORMAT, "index_ci_lo": INDEX_FORMAT, "index_ci_hi": INDEX_FORMAT, "index_se": "0.00",
    "performance": INDEX_FORMAT, "p_value": P_FORMAT, "total_p_value": P_FORMAT, "weight_p_value": P_FORMAT,
    "loading_p_value": P_FORMAT, "t": "0.00", "share": SHARE_FORMAT, "delta": "+0.0;-0.0;0.0", "mean": "0.00", "sd": "0.00",
}
#: workbooks of up to this many table cells are assembled in memory, larger ones streamed row by row
IN_MEMORY_CELLS = 200_000
# sheet-specific formats of a fit workbook (tier intervals are shares, not index points)
FIT_FORMATS = {"tiers": {"share": SHARE_FORMAT, "ci_lo": SHARE_FORMAT, "ci_hi": SHARE_FORMAT}}


def _cell_value(v: Any) -> Any:
    kind = type(v)  # the common exact types first (thousands of cells)
    if kind is float:
        return v if math.isfinite(v) else None
    if kind is str:
        return excel_text(v)  # control characters cannot be stored in .xlsx
    if kind is int or v is None:
        return v
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
    return excel_text(v) if isinstance(v, str) else v  # control characters cannot be stored in .xlsx


def _sheet_title(name: str, used: set[str]) -> str:
    bad = '[]:*?/\\'
    t = "".join("_" if ch in bad else ch for ch in excel_text(str(name)))[:31] or "Sheet"
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
    order: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> Path:
    """Write tables to one workbook atomically; ``formats[sheet][column]`` is a number format.

    One pass (XlsxWriter: in memory up to :data:`IN_MEMORY_CELLS` cells, else constant-memory mode,
    each row streamed to disk; strings written with ``write_string`` and the formula/URL/number
    conversions off, so text is text).  Each sheet has two header rows: a readable
    header (:func:`header_text`) and the column codes of results.json (grey, small), frozen
    with the first column; widths fit the content; one number format per quantity
    (:func:`number_format`); rows in model order where ``order`` (construct and item codes)
    applies; the settings as a short two-column table (:func:`settings_rows`).
    """
    import xlsxwriter

    formats = formats or {}

    all_sheets = dict(sheets)
    if settings is not None:
        all_sheets["settings"] = pd.DataFrame(settings_rows(settings), columns=["setting", "value"])
    # a fit's workbook (a few thousand cells) is assembled in memory: constant-memory mode writes and
    # then deletes a temporary file per sheet, which cost more than the cells; large workbooks stream
    mode = {"in_memory": True} if sum(df.size for df in all_sheets.values()) <= IN_MEMORY_CELLS else {"constant_memory": True}

    def _write(tmp: Path) -> None:
        wb = xlsxwriter.Workbook(str(tmp), {**mode, "strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False, "nan_inf_to_errors": False})
        styles = _Styles(wb)
        used: set[str] = set()
        for name, df in all_sheets.items():
            cols, values = _frame_rows(df)
            rows = [[_cell_value(v) for v in r] for r in _in_order(cols, values, order)]
            _write_sheet(wb, styles, _sheet_title(name, used), name, cols, rows, formats.get(name, {}))
        wb.close()

    return atomic_write(path, _write)


class _Styles:
    """One xlsxwriter Format per number format (and the two header styles), created once."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.head = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#1F4E79", "align": "center", "valign": "vcenter",
                                   "text_wrap": True})
        self.code = wb.add_format({"italic": True, "font_color": "#7F7F7F", "font_size": 9})
        self.numbers: dict[str, Any] = {}

    def number(self, fmt: str) -> Any:
        if fmt not in self.numbers:
            self.numbers[fmt] = self.wb.add_format({"num_format": fmt})
        return self.numbers[fmt]


def _frame_rows(frame: pd.DataFrame) -> tuple[list[str], list[list[Any]]]:
    """The column names and the values of a table, row by row (each the Python scalar ``itertuples`` gives).

    A named index (construct, item…) comes first, named and ordered as ``reset_index`` does; one
    ``to_numpy(dtype=object)`` for the whole table: a Series per column or per row, or an inserted
    column, costs tens of microseconds to milliseconds under pandas 3.
    """
    names = list(frame.index.names)
    labels = [n if n is not None else f"level_{i}" for i, n in enumerate(names)] if _has_named_index(frame) else []
    if any(n in frame.columns for n in labels):
        return _frame_rows(frame.reset_index())  # pandas' own handling (and error) of a clash
    cols = [str(c) for c in (*labels, *frame.columns)]
    values = frame.to_numpy(dtype=object).tolist() if len(frame.columns) else [[] for _ in range(len(frame))]
    if not labels:
        return cols, values if len(frame.columns) else []
    keys = frame.index.tolist() if len(labels) > 1 else [(k,) for k in frame.index.tolist()]
    return cols, [[*k, *v] for k, v in zip(keys, values, strict=True)]


def _write_sheet(wb: Any, styles: _Styles, title: str, name: str, cols: list[str], rows: list[list[Any]],
                 fmt: Mapping[str, str]) -> None:
    """One sheet: readable header, column codes, then the cells (values of :func:`_cell_value`), text as text."""
    ws = wb.add_worksheet(title)
    heads = [header_text(c) for c in cols]
    fmts = [fmt.get(c) or _sheet_format(name, c) for c in cols]
    num = [styles.number(f) for f in fmts]
    for j, c in enumerate(cols):
        ws.set_column(j, j, _width(heads[j], c, [r[j] for r in rows[:500]], fmts[j]))
    ws.freeze_panes(2, 1 if len(cols) > 1 else 0)
    if rows and cols and name != "settings":
        ws.autofilter(1, 0, len(rows) + 1, len(cols) - 1)  # sortable/filterable tables
    for j, h in enumerate(heads):  # row by row: constant-memory mode flushes a row once the next is started
        ws.write_string(0, j, _clean_text(h), styles.head)
    for j, c in enumerate(cols):
        ws.write_string(1, j, _clean_text(c), styles.code)
    write_string, write_number, write_boolean = ws.write_string, ws.write_number, ws.write_boolean
    for i, r in enumerate(rows, start=2):
        for j, val in enumerate(r):
            kind = type(val)
            if kind is float:
                write_number(i, j, val, num[j])
            elif kind is str:
                write_string(i, j, val)  # always text: never a formula, whatever it starts with (cleaned by _cell_value)
            elif val is None:
                continue
            elif isinstance(val, str):
                write_string(i, j, _clean_text(val))
            elif isinstance(val, bool):
                write_boolean(i, j, val)
            elif isinstance(val, float):
                write_number(i, j, val, num[j])
            elif isinstance(val, int):
                write_number(i, j, val)
            else:
                write_string(i, j, _clean_text(str(val)))


def _clean_text(text: str) -> str:
    """Without the characters XML 1.0 cannot hold (C0 controls but tab/newline/CR): :func:`csi.report.text.excel_text`."""
    return excel_text(str(text))


# readable headers of the results.json column codes; any other code: spaces for _, first letter capital
HEADERS = {
    "name": "Name", "label": "Label", "construct": "Construct", "item": "Item", "items": "Items", "from": "From", "to": "To",
    "estimate": "Estimate", "std_estimate": "Standardized estimate", "std_error": "Std. error", "index_se": "Index std. error",
    "t": "t", "z": "z", "p_value": "p-value", "ci_lo": "CI lower", "ci_hi": "CI upper", "index": "Index (0–100)",
    "index_ci_lo": "Index CI lower", "index_ci_hi": "Index CI upper", "r2": "R²", "r2_adj": "Adjusted R²", "r2_ci_lo": "R² CI lower",
    "r2_ci_hi": "R² CI upper", "alpha": "Cronbach's alpha", "rho_a": "rho_A", "rho_c": "Composite reliability (rho_c)",
    "ave": "AVE", "f2": "f²", "vif": "VIF", "loading": "Loading", "weight": "Weight", "normalized_weight": "Normalized weight",
    "mean": "Mean", "sd": "Std. deviation", "performance": "Performance (0–100)", "importance": "Importance", "priority": "Priority",
    "share": "Share", "count": "Count", "n": "n", "n_effective": "Effective n", "tier": "Tier", "scheme": "Scheme",
    "segment": "Segment", "setting": "Setting", "value": "Value", "category": "Category", "message": "Message", "gate": "Fails --strict",
    "kind": "Kind", "code": "Code", "mode": "Mode", "results": "Results", "target": "Target", "cfi": "CFI", "tli": "TLI",
    "question": "Question", "rmsea": "RMSEA", "srmr": "SRMR", "chi2": "χ²", "df": "df", "aic": "AIC", "bic": "BIC", "wave": "Wave", "delta": "Change",
}


def header_text(code: str) -> str:
    """The readable header of a column code (``std_error`` → ``Std. error``)."""
    if code in HEADERS:
        return HEADERS[code]
    for suffix, word in (("_ci_lo", " CI lower"), ("_ci_hi", " CI upper"), ("_p_value", " p-value"), ("_se", " std. error")):
        if code.endswith(suffix) and code[: -len(suffix)] in HEADERS:
            return HEADERS[code[: -len(suffix)]] + word
    if code.startswith("mean_"):
        return f"Mean index {code[5:]}"
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text and not text[:1].isupper() else text


def _sheet_format(sheet: str, code: str) -> str:
    """Bootstrap sheets: every statistic in the unit of the quantity resampled (index points for boot_index)."""
    if sheet.startswith("boot_") and code not in ("t", "p_value", "z"):
        return INDEX_FORMAT if sheet == "boot_index" else NUMBER_FORMAT
    return number_format(code)


def number_format(code: str) -> str:
    """One number format per quantity, by column code: index points 0.0, p-values 0.0000, shares 0.0%, t/VIF 0.00, else 0.000."""
    if code in COLUMN_FORMATS:
        return COLUMN_FORMATS[code]
    if code.startswith(("index", "performance", "mean_")) or code.endswith(("_index", "_performance")):
        return INDEX_FORMAT
    if code.endswith("p_value") or code in ("p", "p_adj", "p_holm"):
        return P_FORMAT
    if code in ("vif", "z", "t", "chi2", "baseline_chi2", "loglik", "loglik_saturated", "aic", "bic"):
        return "0.00"
    if code.endswith("share"):
        return SHARE_FORMAT
    return NUMBER_FORMAT


def _width(head: str, code: str, values: Sequence[Any], fmt: str) -> float:
    """Column width in characters: the widest of the header words, the code and the formatted values (8–50)."""
    longest_word = max((len(w) for w in head.split()), default=0)
    w = max(longest_word, min(len(head), 18), len(code))
    decimals = max(fmt.split(";")[0].count("0") - 1 if "." in fmt else 0, 0)
    percent = 1 if "%" in fmt else 0
    for v in values:
        if type(v) is float:
            w = max(w, len(f"{v:,.{decimals}f}") + percent)
        elif isinstance(v, str) and "\n" not in v:
            w = max(w, len(v))
        elif v is not None:
            w = max(w, max((len(line) for line in str(v).split("\n")), default=0))
    return float(min(max(8, w + 2), 50))


def _in_order(cols: list[str], rows: list[list[Any]], order: tuple[Sequence[str], Sequence[str]]) -> list[list[Any]]:
    """Rows in model order: by construct (``construct`` or a ``name`` of constructs), then by item (``item`` or a ``name`` of items).

    A stable sort (rows of equal rank keep their order), on the rows as written.
    """
    cons, items = order
    if not rows or not (cons or items):
        return rows
    keys = []
    for col, ranks in (("construct", cons), ("name", cons), ("name", items), ("item", items)):
        rank = {c: i for i, c in enumerate(ranks)}
        if col in cols and rank:
            j = cols.index(col)
            if all(r[j] in rank for r in rows):
                keys.append([rank[r[j]] for r in rows])
    if not keys:
        return rows
    return [rows[i] for i in sorted(range(len(rows)), key=lambda i: [k[i] for k in keys])]


def settings_rows(settings: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The settings as a short readable table: the knobs a reader needs first, nested groups summarised on one line."""
    flat = _flatten(settings)
    main = ("method", "scheme", "source", "n_read", "missing", "weights", "resamples", "seed", "level", "ci", "index", "tiers",
            "bootstrap.resamples_used", "bootstrap.ci", "bootstrap.level", "bootstrap.seed", "versions.csi")
    rows = [(_setting_name(k), _flat(flat[k])) for k in main if k in flat]
    shown = {k for k in main if k in flat}
    groups: dict[str, list[str]] = {}
    for k, v in flat.items():
        if k in shown:
            continue
        head, _, rest = k.partition(".")
        if rest:
            groups.setdefault(head, []).append(f"{rest}={_flat(v)}")
        else:
            rows.append((_setting_name(k), _flat(v)))
    for head, parts in groups.items():
        rows.append((_setting_name(head), "; ".join(parts)))
    return rows


def _setting_name(key: str) -> str:
    head, _, rest = key.partition(".")
    name = header_text(head)
    return f"{name}: {rest.replace('_', ' ')}" if rest else name


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


def fit_tables(res: FitResults, data: Mapping[str, Any] | None = None) -> dict[str, pd.DataFrame]:
    """The tables of a fit, as written to results.xlsx (read from results.json's dict).

    ``data`` is that dict when the caller already has it (``csi fit`` writes both files).
    """
    from csi.results.contract import to_dict

    tables = tables_from_dict(to_dict(res) if data is None else data, res)
    # plug-in derivations: each of their tables a sheet, before the warnings and settings sheets
    extra = {f"{key} {name}": df for key, value in res.derived.items() for name, df in value.tables().items()}
    if not extra:
        return tables
    tail = [k for k in ("warnings",) if k in tables]
    head = {k: v for k, v in tables.items() if k not in tail}
    return {**head, **extra, **{k: tables[k] for k in tail}}


def _matrix(m: Mapping[str, Mapping[str, Any]] | None, order: list[str], name: str, cols_order: list[str] | None = None) -> pd.DataFrame:
    """A {row: {column: value}} block of results.json as a labelled table in model order (floats, NaN where empty).

    Built from one float array: ``DataFrame.from_dict`` + ``reindex`` cost milliseconds under pandas 3.
    """
    m = dict(m or {})
    if not m:
        return pd.DataFrame.from_dict(m, orient="index").astype(float).rename_axis(name)
    present = list(dict.fromkeys(c for row in m.values() for c in row))
    rows = [c for c in order if c in m] + [c for c in m if c not in order]
    corder = order if cols_order is None else cols_order
    known = set(present)
    cols = [c for c in corder if c in known] + [c for c in present if c not in corder]
    values = np.array([[m[r].get(c) for c in cols] for r in rows], dtype=float).reshape(len(rows), len(cols))
    return pd.DataFrame(values, index=pd.Index(rows, name=name), columns=pd.Index(cols))


def _pair_matrix(pairs: Any) -> dict[str, dict[str, Any]]:
    """results.json pairs ``[{a, b, value}]`` as the triangular ``{a: {b: value}}`` they came from."""
    out: dict[str, dict[str, Any]] = {}
    for p in pairs or []:
        if p.get("value") is not None:
            out.setdefault(str(p["a"]), {})[str(p["b"])] = p["value"]
    return out


def _unpack(rec: Mapping[str, Any], key: str, lo: str, hi: str) -> dict[str, Any]:
    """A record with its interval ``key: [lo, hi]`` as two columns ``lo``, ``hi`` in its place."""
    out: dict[str, Any] = {}
    for k, v in rec.items():
        if k == key:
            pair = v if isinstance(v, (list, tuple)) and len(v) == 2 else (None, None)
            out[lo], out[hi] = pair[0], pair[1]
        else:
            out[k] = v
    return out


def _records(rows: Any, *intervals: tuple[str, str, str]) -> list[dict[str, Any]]:
    out = []
    for r in rows or []:
        for key, lo, hi in intervals:
            r = _unpack(r, key, lo, hi) if key in r else r
        out.append(dict(r))
    return out


def tables_from_dict(d: Mapping[str, Any], res: FitResults | None = None) -> dict[str, pd.DataFrame]:
    """The tables of a fit from its results.json dictionary (``csi report`` reads results only).

    ``res`` (the in-memory fit, when there is one) supplies richer tables where it has them.
    The sheets and their columns are those of csi 0.1: an interval ``[lo, hi]`` becomes two
    columns (``ci_lo``/``ci_hi``, ``index_ci_lo``/``index_ci_hi`` for the index…).
    """
    codes = [str(c["code"]) for c in (d.get("model") or {}).get("constructs", [])]
    tables: dict[str, pd.DataFrame] = {}
    cons = [{("index_se" if k == "std_error" else "index_ci" if k == "ci" else k): v for k, v in c.items()} for c in d["constructs"]]
    tables["constructs"] = _table(cons, intervals=("index_ci", "r2_ci"))
    tables["paths"] = _table(d["paths"])
    tables["indicators"] = _table(d["indicators"], texts=(d.get("model") or {}).get("item_texts") or {})
    tables["effects"] = _table(d["effects"])
    tables["htmt"] = _matrix(_pair_matrix(d.get("htmt")), codes, "construct")
    tables["fornell_larcker"] = _matrix(_pair_matrix(d.get("fornell_larcker")), codes, "construct")
    tables["cross_loadings"] = _matrix(d.get("cross_loadings"), model_order(d)[1], "item", cols_order=codes)  # items in model order
    tables.update(_derived_tables(d, res))
    tables.update(_group_tables(d, res))
    tables.update(_cbsem_tables(d))
    for kind, recs in (d.get("bootstrap") or {}).items():  # csi.inference.bootstrap: one sheet per statistic kind
        if recs:
            tables[f"boot_{kind}"] = _table(_records(recs, ("ci", "ci_lo", "ci_hi")), intervals=(), drop_empty=False)
    tables["warnings"] = pd.DataFrame(list(d.get("issues") or []), columns=["category", "message", "gate"])
    return tables


def _table(rows: Sequence[Mapping[str, Any]], intervals: Sequence[str] | None = None, drop_empty: bool = True,
           texts: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """``pd.DataFrame(rows)`` with its intervals split and its empty columns dropped, built column by column.

    ``intervals`` (default: every ``ci`` and ``*_ci`` column): each interval column ``[lo, hi]``
    becomes ``<col>_lo``, ``<col>_hi`` at the end of the table (none when every interval is
    null); ``drop_empty``: columns without a value are dropped; ``texts``: the item question
    texts of the model (``items:`` in its YAML), as a ``question`` column after ``name``.  The
    columns are those of csi 0.1 and the dtypes those pandas infers from ``rows``; one
    DataFrame is built at the end (an insert or drop per column costs milliseconds under pandas 3).
    """
    if not rows:
        return pd.DataFrame(list(rows))
    # pandas' columns of a list of dicts: keys in first-seen order, NaN where a row lacks one
    cols = {k: [r.get(k, math.nan) for r in rows] for k in dict.fromkeys(k for r in rows for k in r)}
    for key in [c for c in cols if c == "ci" or c.endswith("_ci")] if intervals is None else [c for c in intervals if c in cols]:
        values = cols.pop(key)
        if any(not _null(v) for v in values):
            cols[f"{key}_lo"] = [None if v is None else v[0] for v in values]
            cols[f"{key}_hi"] = [None if v is None else v[1] for v in values]
    if drop_empty:
        cols = {k: v for k, v in cols.items() if not all(_null(x) for x in v)}
    if texts and "name" in cols:
        at = list(cols).index("name") + 1
        items = list(cols.items())
        cols = dict([*items[:at], ("question", [texts.get(str(n)) for n in cols["name"]]), *items[at:]])
    return pd.DataFrame(cols)


def _null(v: Any) -> bool:
    """What ``pd.isna`` calls missing in a results.json value (None, NaN)."""
    return v is None or (isinstance(v, float) and math.isnan(v))


def _derived_tables(d: Mapping[str, Any], res: FitResults | None) -> dict[str, pd.DataFrame]:
    """ipma, ipma_items, tiers and nps: from the fit when there is one, else from results.json."""
    tables: dict[str, pd.DataFrame] = {}
    if res is not None and isinstance(res.ipma, pd.DataFrame):
        tables["ipma"] = res.ipma
        ipma_items = getattr(res, "ipma_items", None)
        if isinstance(ipma_items, pd.DataFrame):
            tables["ipma_items"] = ipma_items
    elif d.get("ipma"):  # from results.json: construct rows carry their item rows
        rows = [{k: v for k, v in r.items() if k != "items"} for r in d["ipma"]]
        tables["ipma"] = pd.DataFrame(rows)
        items = [{"target": r.get("target"), "construct": r.get("construct"), **it} for r in d["ipma"] for it in (r.get("items") or [])]
        if items:
            tables["ipma_items"] = pd.DataFrame(items)
    if res is not None and res.tiers is not None and isinstance(getattr(res.tiers, "groups", None), pd.DataFrame):
        tables["tiers"] = res.tiers.groups  # flat: one mean_<CODE> column per construct
        if len(getattr(res.tiers, "statistics", ())):
            tables["nps"] = res.tiers.statistics
    elif d.get("tiers") and isinstance(d["tiers"], dict) and d["tiers"].get("groups"):
        rows = []
        for g in _records(d["tiers"]["groups"], ("ci", "ci_lo", "ci_hi")):  # as the in-memory table: no list cells
            rec = {k: v for k, v in g.items() if k != "mean_index"}
            rec.update({f"mean_{c}": v for c, v in (g.get("mean_index") or {}).items()})
            rows.append(rec)
        tables["tiers"] = pd.DataFrame(rows)
        if d["tiers"].get("statistics"):
            tables["nps"] = pd.DataFrame(_records(d["tiers"]["statistics"], ("ci", "ci_lo", "ci_hi")))
    return tables


def _group_tables(d: Mapping[str, Any], res: FitResults | None) -> dict[str, pd.DataFrame]:
    group_res = getattr(res, "groups", None) if res is not None else None
    if group_res is not None:
        from csi.inference.groups import group_tables

        return group_tables(group_res)
    tables: dict[str, pd.DataFrame] = {}
    if isinstance(d.get("groups"), list):
        intervals = (("ci", "ci_lo", "ci_hi"), ("mean_ci", "mean_lo", "mean_hi"), ("logvar_ci", "logvar_lo", "logvar_hi"))
        for sheet, key in (("group_sizes", "sizes"), ("group_paths", "paths"), ("group_indices", "indices"),
                           ("group_differences", "differences"), ("micom", "micom")):
            recs = [{"column": g.get("column"), **r} for g in d["groups"] for r in _records(g.get(key), *intervals)]
            if recs:
                tables[sheet] = pd.DataFrame(recs)
    return tables


def _cbsem_tables(d: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    tables: dict[str, pd.DataFrame] = {}
    if d.get("fit"):
        tables["cbsem_fit"] = pd.DataFrame([d["fit"]])
    if d.get("cbsem"):
        cb = d["cbsem"]
        est = pd.DataFrame(cb["estimates"]).drop(columns=["free"])
        std = pd.DataFrame(cb["standardized"]).drop(columns=["free"])
        tables["cbsem_estimates"] = est.merge(std, on=["lhs", "op", "rhs"], suffixes=("", "_std"), sort=False)
        tables["cbsem_paths"] = _table(cb["paths"])
        tables["cbsem_admissibility"] = pd.DataFrame(cb["admissibility"], columns=["check", "parameter", "value", "message"])
    return tables


def write_fit(res: FitResults, path: str | Path, data: Mapping[str, Any] | None = None) -> Path:
    """results.xlsx; ``data`` is results.json's dict of ``res`` if already built (see :func:`fit_tables`)."""
    return write_workbook(
        fit_tables(res, data),
        path,
        settings=res.settings,
        formats={"constructs": {"index": INDEX_FORMAT, "index_ci_lo": INDEX_FORMAT, "index_ci_hi": INDEX_FORMAT}, **FIT_FORMATS},
        order=model_order(data if data is not None else {"model": {"constructs": [{"code": c.code, "items": list(c.items)} for c in res.spec.constructs]}}),
    )


def model_order(d: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(construct codes, item codes) in the model's order (rows of every sheet follow it)."""
    cons = (d.get("model") or {}).get("constructs") or []
    return [str(c["code"]) for c in cons], [str(i) for c in cons for i in c.get("items") or []]
