"""Survey files in, validated item data out: the public entry points of the data layer.

``read_survey(path, spec, options)`` reads a file, ``from_frame(df, spec, options)`` validates
an in-memory table and ``validate_survey(...)`` runs the same checks without fitting.  The
options are one :class:`csi.options.SurveyOptions` (``--sheet``, ``--map``, ``--missing``,
``--missing-codes``, ``--reverse``, ``--scale``, ``--weights``, ``--group``); the same settings
as keyword arguments keep working (``read_survey(path, spec, missing="mean")``); passing both is
an error.  Keyword values are checked here, with the other data problems and the file name in
the message, exactly as before the options object existed.

Every problem is collected before failing, then reported in one :class:`~csi.errors.DataError`
whose message starts with the file name; what was done to the data (codes set to missing,
items reversed, respondents dropped or imputed) is recorded in :class:`SurveyData`.

The steps, each in its own module:

1. read the file (:mod:`csi.data.readers`, one reader per format, chosen by suffix);
2. check the options (:mod:`csi.data.checks`) and find the columns (:mod:`csi.data.columns`);
3. check the cells (:mod:`csi.data.cells`: text, missing codes, scale, constant items);
4. check the weights, skip rows with no answer, apply the missing-data policy
   (:mod:`csi.data.missing`) and check the sample size;
5. reverse-code ``--reverse`` items ``x → min + max − x``, attach the segment columns (value
   labels applied) and record the settings.

Rows in messages are numbered as in the file: the spreadsheet row or text line (the header is
row 1) for csv/xlsx, the 1-based case number for sav/dta/parquet and data frames.

Survey weights (``weights=COLUMN``) must be finite, non-negative, present for every
respondent used and not all zero.  The effective sample size is Kish's
``n_eff = (Σw)² / Σw²``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csi._io import control_names, strip_controls
from csi.data.cells import ITEM_COLUMNS, NA_TOKENS, Cells, item_table, read_cells, to_numeric
from csi.data.checks import (
    Rules,
    check_blocks,
    check_options,
    check_sample,
    min_respondents,
    rescale_weights,
    used_weights,
    weight_values,
)
from csi.data.column_map import read_column_map
from csi.data.columns import Columns, answer_selector, importance_columns, resolve_columns, selector
from csi.data.messages import num, problems_message, rows, values_seen
from csi.data.missing import MISSING, Answers, Applied
from csi.data.readers import read_table
from csi.data.readers.frame import frame_table
from csi.data.readers.text import sniff_text
from csi.data.table import RawTable, names_index
from csi.errors import CsiError, DataError
from csi.model.spec import ModelSpec, load_model
from csi.options import DEFAULT_MISSING, SurveyOptions

#: The missing-data policies and what each does (the ``--missing`` registry's keys and docstrings).
MISSING_POLICIES: dict[str, str] = {k: (MISSING.get(k).__doc__ or "").strip().splitlines()[0] for k in MISSING}

__all__ = [
    "DEFAULT_MISSING", "MISSING_POLICIES", "NA_TOKENS", "RawTable", "SurveyData", "SurveyOptions",
    "ValidationReport", "effective_n", "from_frame", "problems_message", "read_column_map",
    "read_survey", "read_table", "sniff_text", "validate_survey",
]


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------
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
    #: the response scale used (``--scale`` or the model's); ``None`` means the model's
    scale: tuple[float, float] | None = None
    #: cells imputed by a policy whose moments are re-estimated (``--missing em``), else None
    missing_mask: np.ndarray | None = None
    #: the importance ratings named by the model's ``index: importance`` (rows used × columns;
    #: NaN where blank or a missing code), see :func:`csi.derive.index_methods.importance_weights`
    importance: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def n_used(self) -> int:
        return int(self.items.shape[0])

    @property
    def n_effective(self) -> float:
        """Kish's effective sample size ``(Σw)²/Σw²`` (``n_used`` without weights)."""
        return effective_n(self.weights, self.n_used)


def effective_n(weights: np.ndarray | None, n: int) -> float:
    """Kish's effective sample size ``(Σw)²/Σw²`` (``n`` without weights; 0 if every weight is 0)."""
    if weights is None:
        return float(n)
    w = np.asarray(weights, dtype=float)
    ss = float(np.sum(w**2))
    return float(w.sum() ** 2 / ss) if ss > 0 else 0.0


@dataclass(frozen=True)
class ValidationReport:
    """What ``csi validate`` found: columns, per-item counts, respondents, problems.

    ``items`` has one row per model item: construct, found, answers (valid cells),
    blank (empty or NA-token cells), coded_missing (missing codes and SPSS user-missing
    values), non_numeric, out_of_scale, min, max, mean (of the valid answers).
    """

    source: str
    sheet: str | None
    kind: str
    model: str
    scale: tuple[float, float]
    policy: str
    n_read: int
    columns: tuple[str, ...]
    items_missing: tuple[str, ...]
    other_columns: tuple[str, ...]
    items: pd.DataFrame
    n_empty: int = 0
    n_complete: int | None = None
    n_used: int | None = None
    n_effective: float | None = None
    weights_column: str | None = None
    dropped_by_construct: Mapping[str, int] = field(default_factory=dict)
    imputed_by_construct: Mapping[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def where(self) -> str:
        return self.source + (f" (sheet {self.sheet})" if self.sheet is not None else "")

    def message(self) -> str:
        """All problems as one message, file name first."""
        return problems_message(self.where, self.problems)


# ---------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------
_OPTION_NAMES = tuple(f.name for f in fields(SurveyOptions))
#: checked by :func:`_prepare` (collected with the other problems, the file name first), not by
#: ``SurveyOptions``, when given as keywords: the messages stay as they were
_CHECKED_HERE = ("missing", "scale")


def survey_options(options: SurveyOptions | None, kwargs: Mapping[str, Any], function: str) -> SurveyOptions:
    """``options``, or the keyword arguments as a :class:`SurveyOptions` (not both)."""
    if options is not None:
        if kwargs:
            raise CsiError(
                f"{function}: pass the survey options either as one SurveyOptions object or as keyword "
                f"arguments, not both; got options and {', '.join(kwargs)}"
            )
        if not isinstance(options, SurveyOptions):
            raise CsiError(f"{function}: options should be a SurveyOptions; got {type(options).__name__}")
        return options
    for key in kwargs:
        if key not in _OPTION_NAMES:
            raise TypeError(f"{function}() got an unexpected keyword argument {key!r}")
    opts = SurveyOptions(**{k: v for k, v in kwargs.items() if k not in _CHECKED_HERE})
    for key in _CHECKED_HERE:
        if key in kwargs:
            object.__setattr__(opts, key, kwargs[key])  # checked by _prepare, in its words
    return opts


def read_survey(path: str | Path, spec: ModelSpec, options: SurveyOptions | None = None, **kwargs: Any) -> SurveyData:
    """Read and validate a survey file; all problems → one DataError (see the module docs)."""
    opts = survey_options(options, kwargs, "read_survey")
    select = selector(spec, opts.column_map, opts.groups, opts.weights)
    raw = read_table(path, opts.sheet, select, answer_selector(spec, opts.column_map),
                     encoding=opts.encoding, header_row=opts.header_row)
    survey = _finish(raw, spec, opts)
    if raw.kind in ("csv", "parquet"):  # the table may live in pyarrow's pool, which keeps freed memory
        del raw
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    return survey


def from_frame(df: pd.DataFrame, spec: ModelSpec, options: SurveyOptions | None = None, *,
               source: str = "<data frame>", **kwargs: Any) -> SurveyData:
    """Validate an in-memory table like a file (rows are numbered from 1)."""
    opts = survey_options(options, kwargs, "from_frame")
    sheet = None if opts.sheet is None else str(opts.sheet)
    raw = frame_table(df, source, sheet)
    return _finish(raw, spec, opts)


def validate_survey(data: str | Path | pd.DataFrame, spec: ModelSpec | str | Path,
                    options: SurveyOptions | None = None, **kwargs: Any) -> ValidationReport:
    """Run every check of :func:`read_survey` without fitting and return what was found.

    Data problems are listed in ``report.problems`` (``report.ok`` is False); file-level
    trouble (missing, unreadable or empty file, wrong sheet) still raises DataError.
    """
    opts = survey_options(options, kwargs, "validate_survey")
    spec = load_model(spec)
    if isinstance(data, pd.DataFrame):
        raw = frame_table(data, "<data frame>", None)
    else:
        # read every column so the report can list them all
        raw = read_table(data, opts.sheet, encoding=opts.encoding, header_row=opts.header_row,
                         find=answer_selector(spec, opts.column_map))
    _, report = _prepare(raw, spec, opts)
    return report


def _finish(raw: RawTable, spec: ModelSpec, options: SurveyOptions) -> SurveyData:
    survey, report = _prepare(raw, spec, options, table=False)
    if survey is None:
        raise DataError(report.message())
    return survey


# ---------------------------------------------------------------------------------------
# Validation and missing-data policy
# ---------------------------------------------------------------------------------------
#: the report's item table when only its problems are wanted (see :func:`_prepare`)
_NO_TABLE = pd.DataFrame(columns=ITEM_COLUMNS[1:])


@dataclass(frozen=True)
class _Found:
    """What the checks of one table found, passed from one step of :func:`_prepare` to the next."""

    raw: RawTable
    spec: ModelSpec
    options: SurveyOptions
    rules: Rules
    cols: Columns
    cells: Cells
    weights: np.ndarray | None
    importance: Mapping[str, np.ndarray] = field(default_factory=dict)


def _prepare(raw: RawTable, spec: ModelSpec, options: SurveyOptions,
             table: bool = True) -> tuple[SurveyData | None, ValidationReport]:
    """Every check and the missing-data policy; the report lists all problems found.

    ``table=False``: the report's per-item table is left empty (read_survey and from_frame use
    the report for its problems only; the table costs as much as the checks of a small survey).
    """
    problems: list[str] = []
    notes: list[str] = [str(n) for n in raw.details.get("notes", ())]  # header row / sheet chosen, encoding
    items = list(spec.items)
    rules = check_options(spec, options, problems)
    cols = resolve_columns(raw, spec, options.column_map, [str(g) for g in options.groups], options.weights, problems)
    n_read = int(raw.frame.shape[0])
    if n_read == 0:
        problems.append("the file has a header row but no data rows")
    cells = read_cells(raw, items, cols.first, user_missing=cols.user_missing, labels=cols.labels,
                       codes=rules.codes, codes_source=rules.codes_source, scale=rules.scale,
                       base=raw.row_base, problems=problems, notes=notes, tokens=rules.text_codes)
    wcol = None
    if cols.weights is not None and cols.weights in cols.first and n_read > 0:
        wcol = raw.column(cols.first[cols.weights])
    w_all = weight_values(wcol, options.weights, raw.row_base, problems)
    importance = _importance_values(raw, spec, cols, rules, problems) if n_read > 0 else {}
    report_kw: dict[str, Any] = {
        "source": raw.source, "sheet": raw.sheet, "kind": raw.kind, "model": spec.name, "scale": rules.scale,
        "policy": options.missing, "n_read": n_read, "columns": tuple(cols.mapped),
        "items_missing": tuple(cols.absent), "other_columns": tuple(h for h in cols.mapped if h not in items),
        "items": item_table(cells, items, spec.item_construct()) if table else _NO_TABLE,
        "weights_column": options.weights,
    }
    if problems:
        return None, ValidationReport(**report_kw, problems=tuple(problems), notes=tuple(notes))
    return _apply_policy(_Found(raw, spec, options, rules, cols, cells, w_all, importance), report_kw, notes)


def _importance_values(raw: RawTable, spec: ModelSpec, cols: Columns, rules: Rules, problems: list[str]) -> dict[str, np.ndarray]:
    """The importance columns as floats, NaN where blank or a missing code; non-numeric or
    negative ratings are problems naming the column and rows."""
    out: dict[str, np.ndarray] = {}
    for c, name in zip(cols.importance, importance_columns(spec), strict=True):  # kept by the model's name
        if c not in cols.first:
            continue  # reported by resolve_columns
        col = raw.column(cols.first[c])
        x, _, non = to_numeric(col, rules.text_codes)
        if non is not None and non.any():
            problems.append(f"importance column {c}: {int(non.sum())} non-numeric value(s) in row(s) {rows(non, raw.row_base)} "
                            f"(seen: {values_seen([str(v).strip() for v in col[non]])})")
        x = np.where(np.isin(x, rules.codes), np.nan, x) if rules.codes.size else x
        bad = ~np.isnan(x) & ((x < 0) | ~np.isfinite(x))
        if bad.any():
            problems.append(f"importance column {c}: {int(bad.sum())} negative or infinite rating(s) in row(s) "
                            f"{rows(bad, raw.row_base)}; importance ratings must be 0 or more")
        out[name] = x
    return out


def _apply_policy(f: _Found, report_kw: dict[str, Any], notes: list[str]) -> tuple[SurveyData | None, ValidationReport]:
    """Skip empty rows, apply the missing-data policy, check the weights used and the sample size."""
    problems: list[str] = []
    warns: list[str] = []
    n, nan, base = f.cells.n, f.cells.nan, f.raw.row_base
    if nan is None:  # every cell answered: no row is empty or incomplete
        empty = np.zeros(n, bool)
        complete = np.ones(n, bool)
    else:
        empty = np.asarray(nan.all(axis=1))
        complete = ~np.asarray(nan.any(axis=1))
    n_empty = int(empty.sum())
    if n_empty:
        notes.append(f"{n_empty} row(s) with no answer to any model item skipped (row(s) {rows(empty, base)})")
    rows_ok = ~empty
    applied = MISSING.get(f.options.missing)(Answers(f.cells.X, nan, rows_ok, complete, f.weights, f.spec))
    notes.extend(applied.notes)
    warns.extend(applied.warnings)
    n_used = int(applied.keep.sum())
    w_used = used_weights(f.weights, applied.keep, f.options.weights, base, problems)
    if not problems:
        w_used = rescale_weights(w_used, f.options.weights, problems, notes)
    check_sample(f.spec, f.options.missing, applied.X, f.cells, problems, warns)
    if not problems and applied.X.shape[0] >= min_respondents(f.spec):
        check_blocks(f.spec, applied.X, problems, f.cells.col_mean)
    n_eff = effective_n(w_used, n_used)
    report_kw.update({
        "n_empty": n_empty, "n_complete": int(complete.sum()), "n_used": n_used, "n_effective": n_eff,
        "dropped_by_construct": applied.dropped, "imputed_by_construct": applied.imputed,
    })
    if problems:
        return None, ValidationReport(**report_kw, problems=tuple(problems), notes=tuple(notes), warnings=tuple(warns))
    items = list(f.spec.items)
    miss_n = np.zeros(len(items), int) if nan is None else (nan & rows_ok[:, None]).sum(axis=0)
    missing_by_item = {it: int(miss_n[k]) for k, it in enumerate(items)}
    missing_data = _missing_data(f, applied, missing_by_item, n_empty, int(complete.sum()))
    survey = _survey(f, applied, w_used, n_eff, missing_by_item, missing_data, notes, warns)
    return survey, ValidationReport(**report_kw, notes=tuple(notes), warnings=tuple(warns))


def _survey(f: _Found, applied: Applied, w_used: np.ndarray | None, n_eff: float, missing_by_item: dict[str, int],
            missing_data: dict[str, Any], notes: list[str], warns: list[str]) -> SurveyData:
    """Reverse coding, segments and settings: the validated survey."""
    lo, hi = f.rules.scale
    items = list(f.spec.items)
    Xu = applied.X
    for r in f.rules.reverse:
        k = items.index(r)
        Xu[:, k] = lo + hi - Xu[:, k]
    if f.rules.reverse:
        notes.append(f"reverse-coded {', '.join(f.rules.reverse)} (x → {num(lo + hi)} − x on the {num(lo)}–{num(hi)} scale)")
    if w_used is not None:
        notes.append(f"survey weights from column {f.options.weights}: effective n {n_eff:.1f} of {int(applied.keep.sum())} respondents")
    data = pd.DataFrame(Xu, columns=names_index(items), copy=False)
    return SurveyData(
        items=data,
        source=f.raw.source,
        n_read=int(f.raw.frame.shape[0]),
        policy=f.options.missing,
        weights=None if w_used is None else np.asarray(w_used, dtype=float),
        segments=_segments(f, applied.keep, data.index, notes),  # before notes=: may add a note
        sheet=f.raw.sheet,
        missing_by_item=missing_by_item,
        dropped_by_construct=applied.dropped,
        imputed_by_construct=applied.imputed,
        settings=_settings(f, missing_data),
        notes=tuple(notes),
        warnings=tuple(warns),
        scale=(lo, hi),
        missing_mask=applied.imputed_mask,
        importance=pd.DataFrame({c: x[applied.keep] for c, x in f.importance.items()}, index=data.index),
    )


def _segments(f: _Found, keep: np.ndarray, index: pd.Index, notes: list[str]) -> pd.DataFrame:
    """The group columns of the respondents kept; value labels (sav/dta) replace their codes."""
    segs = pd.DataFrame({}, index=index)  # ({}, …): 10× cheaper than (index=…), the same frame
    for g in f.cols.groups:
        s = f.raw.column(f.cols.first[g]).to_numpy()[keep]
        lab = f.cols.labels.get(g)
        if lab:  # value labels (sav/dta); codes without a label keep their value
            codes_s = pd.Series(s)
            named = codes_s.map(lab)
            s = named.where(named.notna(), codes_s).to_numpy(dtype=object)
        segs[g] = _no_controls(s, g, notes)
    return segs


def _no_controls(values: np.ndarray, column: str, notes: list[str]) -> np.ndarray:
    """Segment values without control characters (Excel cannot store them), each one removed named in a note."""
    named: dict[str, None] = {}
    out = values.copy() if values.dtype == object else values
    if values.dtype == object:
        for i, v in enumerate(values):
            if isinstance(v, str) and strip_controls(v) != v:
                named.update(dict.fromkeys(control_names(v)))
                out[i] = strip_controls(v)
    if named:
        notes.append(f"column {column}: control character(s) {', '.join(named)} removed from segment values "
                     "(they cannot be shown or stored in Excel)")
    return out


def _missing_data(f: _Found, applied: Applied, missing_by_item: dict[str, int], n_empty: int,
                  n_complete: int) -> dict[str, Any]:
    """``settings["missing_data"]``: what the policy did, in numbers."""
    codes, users = f.cells.code_counts, f.cells.user_counts
    return {
        "policy": f.options.missing,
        "rows_read": int(f.raw.frame.shape[0]),
        "rows_empty": n_empty,
        "respondents_complete": n_complete,
        "respondents_dropped": applied.respondents_dropped,
        "respondents_imputed": applied.respondents_imputed,
        "cells_imputed": applied.cells_imputed,
        "dropped_by_construct": applied.dropped,
        "imputed_by_construct": applied.imputed,
        "missing_by_item": missing_by_item,
        "coded_missing_by_item": {k: codes.get(k, 0) + users.get(k, 0) for k in f.spec.items if k in codes or k in users},
    }


def _settings(f: _Found, missing_data: dict[str, Any]) -> dict[str, Any]:
    """``SurveyData.settings``: every option as used, with its source, and the file's format."""
    lo, hi = f.rules.scale
    codes = f.rules.codes
    return {
        "missing": f.options.missing,
        "scale": [lo, hi],
        "scale_source": f.rules.scale_source,
        "file_format": f.raw.kind,
        **{k: v for k, v in f.raw.details.items() if k in {"encoding", "delimiter", "decimal", "header_row"}},
        "missing_codes": [float(c) for c in codes],
        "missing_text_codes": list(f.rules.text_codes),
        "na_tokens": sorted(NA_TOKENS),
        "missing_codes_source": f.rules.codes_source if codes.size else None,
        "reversed_items": f.rules.reverse,
        "weights_column": f.options.weights,
        "column_map": dict(f.cols.cmap),
        "missing_data": missing_data,
    }

