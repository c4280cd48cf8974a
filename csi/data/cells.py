"""Item cells: text to numbers, missing codes, the response scale, and per-item counts.

All model items go into one column-major matrix ``X`` (rows read × items, ``NaN`` = no answer)
so that every check is a vectorized pass over contiguous columns.  Each check runs only on the
columns that can fail it (a code or an out-of-scale value lies outside the column's range of
values; an integer column has no blanks): a clean national sample (10⁶ × 24) costs the
conversion to float and one min/max/sum pass over the (16-bit) integers read, not a dozen
passes over the whole matrix.

Rules, in order (each problem names the column, the count, the first rows and the values seen):

1. Blanks and the tokens in :data:`NA_TOKENS` (``n/a``, ``NA``, ``don't know``, …; compared after
   stripping, case ignored) are missing and counted; booleans, dates and any other text in an
   item column are an error.
2. SPSS user-missing values and ranges of the file become missing and are counted.
3. Missing codes (``--missing-codes`` or the model's ``missing_codes``) become missing and are
   counted per item.
4. Values outside the scale ``[min, max]`` are an error; values ≥ 90 or < 0 among them get a hint
   to declare them as missing codes.
5. An item with no valid answer, or with one value only (no variance), is an error.

Per item the :func:`item_table` gives: answers (valid cells), blank (empty or NA-token cells),
coded_missing (missing codes and user-missing values), non_numeric, out_of_scale, and min, max
and mean of the valid answers.
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csi.data.messages import num, rows, values_seen
from csi.data.table import RawTable, names_index


def fold(text: str) -> str:
    """A cell text as compared with the tokens: NFC-normalised, stripped, case-folded (``ß`` → ``ss``)."""
    return unicodedata.normalize("NFC", text).strip().casefold()


#: Cell texts read as "no answer" (compared by :func:`fold`): English, then the "don't know /
#: no answer / refused" of the languages surveys are most often fielded in (de, fr, es, it, nl,
#: pt, sv, da, no, fi, pl, zh, ja, ko).  Recorded in results.json (``settings.na_tokens``).
NA_TOKENS = frozenset(fold(t) for t in (
    "na", "n/a", "n.a.", "n.a", "#n/a", "nan", "null", "none", "-", ".", "missing",
    "dk", "don't know", "dont know", "don’t know", "no answer", "refused", "not applicable", "prefer not to say",
    # German
    "weiß nicht", "weiss nicht", "k.a.", "k. a.", "keine angabe", "keine ahnung", "verweigert", "trifft nicht zu",
    # French
    "ne sais pas", "je ne sais pas", "nsp", "sans réponse", "sans opinion", "pas de réponse", "refus",
    # Spanish, Portuguese, Italian
    "no sé", "no se", "ns/nc", "no sabe", "no contesta", "sin respuesta", "não sei", "nao sei", "sem resposta",
    "non so", "non saprei", "nessuna risposta",
    # Dutch, Scandinavian, Finnish, Polish
    "weet niet", "weet ik niet", "geen antwoord", "vet ej", "vet inte", "ved ikke", "vet ikke", "en tiedä",
    "nie wiem", "brak odpowiedzi",
    # Chinese (simplified, traditional), Japanese, Korean
    "不知道", "不清楚", "说不清", "說不清", "拒答", "拒绝回答", "拒絕回答", "无回答", "無回答", "不适用", "不適用",
    "わからない", "分からない", "わかりません", "無回答", "모름", "무응답",
))
ITEM_COLUMNS = ["item", "construct", "found", "answers", "blank", "coded_missing",
                "non_numeric", "out_of_scale", "min", "max", "mean"]


@dataclass
class Cells:
    """The item matrix and what was found in it, per item (arrays of length p = number of items)."""

    X: np.ndarray
    present: np.ndarray
    #: False: a whole-number column, untouched so far (no NaN)
    maybe_nan: np.ndarray
    blank_n: np.ndarray
    nonnum_n: np.ndarray
    coded_n: np.ndarray
    out_n: np.ndarray
    #: values set to missing after the min/max pass: min/max to recompute
    touched: np.ndarray
    col_min: np.ndarray
    col_max: np.ndarray
    col_mean: np.ndarray
    answers: np.ndarray
    #: the sum of a column of small whole numbers, taken exactly from them (else NaN: summed later)
    int_sum: np.ndarray
    #: ``isnan(X)`` when some answer is missing, else None
    nan: np.ndarray | None = None
    token_notes: list[str] = field(default_factory=list)
    code_counts: dict[str, int] = field(default_factory=dict)
    user_counts: dict[str, int] = field(default_factory=dict)
    out_values: list[float] = field(default_factory=list)

    @classmethod
    def empty(cls, n: int, p: int) -> Cells:
        nans = np.full(p, np.nan)
        return cls(X=np.empty((n, p), order="F"), present=np.zeros(p, bool), maybe_nan=np.ones(p, bool),
                   blank_n=np.zeros(p, int), nonnum_n=np.zeros(p, int), coded_n=np.zeros(p, int),
                   out_n=np.zeros(p, int), touched=np.zeros(p, bool), col_min=nans.copy(),
                   col_max=nans.copy(), col_mean=nans.copy(), answers=np.full(p, n), int_sum=nans.copy())

    @property
    def n(self) -> int:
        return int(self.X.shape[0])


def to_numeric(col: pd.Series, tokens: Collection[str] = ()) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(values, blank mask, non-numeric mask or None for a numeric column); NA tokens (and ``tokens``,
    already folded) are blank."""
    if pd.api.types.is_bool_dtype(col.dtype):
        x = np.full(len(col), np.nan)
        return x, np.zeros(len(col), bool), col.notna().to_numpy()
    if pd.api.types.is_numeric_dtype(col.dtype):
        x = col.to_numpy(dtype=float, na_value=np.nan)
        return x, np.isnan(x), None
    if not isinstance(col.index, pd.RangeIndex):  # a data frame's own index: .where below aligns on it
        col = col.reset_index(drop=True)
    present = col.notna().to_numpy()
    text = col.astype(object).where(col.notna(), None)
    is_str = text.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    stripped = text.where(~is_str, text[is_str].astype(str).str.strip()) if is_str.any() else text
    token = np.zeros(len(col), bool)
    if is_str.any():
        low = stripped[is_str].astype(str).map(fold)
        token[is_str] = (low.isin(NA_TOKENS) | low.isin(list(tokens)) | (low == "")).to_numpy()
    # bools and dates are answers nobody meant as numbers
    odd = text.map(lambda v: isinstance(v, (bool, np.bool_)) or hasattr(v, "year")).to_numpy(dtype=bool)
    cand = stripped.where(~token & ~odd, None)
    x = pd.to_numeric(cand, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    blank = ~present | token
    nonnum = present & ~token & np.isnan(x)
    return x, blank, nonnum


def read_cells(
    raw: RawTable,
    items: Sequence[str],
    first: Mapping[str, int],
    *,
    user_missing: Mapping[str, tuple[tuple[float, float], ...]],
    labels: Mapping[str, Mapping[object, str]],
    codes: np.ndarray,
    codes_source: str,
    scale: tuple[float, float],
    base: int,
    problems: list[str],
    notes: list[str],
    tokens: Collection[str] = (),
) -> Cells:
    """Rules 1–5 of the module docs on the item columns of ``raw`` (``first``: an item's position in ``raw.frame``).

    ``tokens``: text missing codes (folded), read as missing like :data:`NA_TOKENS`.
    """
    start = len(problems)
    c = _convert(raw, items, first, user_missing, base, problems, tokens)
    _set_codes_missing(c, items, codes)
    _check_scale(c, items, scale, labels, base, problems)
    _summarise(c)
    _item_problems(c, items, problems)
    _code_hint(c.out_values, problems, start)
    _cell_notes(c, codes, codes_source, notes)
    return c


def _convert(raw: RawTable, items: Sequence[str], first: Mapping[str, int],
             user_missing: Mapping[str, tuple[tuple[float, float], ...]], base: int, problems: list[str],
             tokens: Collection[str] = ()) -> Cells:
    """Rules 1–2: the item columns as floats, and their ranges.

    A column of whole numbers (the common case) is converted in place with no temporaries and no
    blanks to look for; its min, max and sum are taken from the integers (16-bit from the fast
    text reader: a quarter of the memory traffic), exactly what the float column would give.
    """
    n, p = int(raw.frame.shape[0]), len(items)
    c = Cells.empty(n, p)
    X = c.X
    for k, item in enumerate(items):
        if item not in first or n == 0:
            X[:, k] = np.nan
            continue
        c.present[k] = True
        v = raw.values(first[item])
        if isinstance(v, np.ndarray) and v.dtype.kind in "iu":
            X[:, k] = v
            c.maybe_nan[k] = False
            lo, hi = v.min(), v.max()
            c.col_min[k], c.col_max[k] = lo, hi  # float() is monotonic: the min of the floats
            if max(abs(int(lo)), abs(int(hi))) * n < 2**53:  # exact: every partial sum is a whole number below 2⁵³
                c.int_sum[k] = v.sum(dtype=np.int64)
            continue
        _convert_column(c, k, item, raw.column(first[item]), base, problems, tokens)
        for rlo, rhi in user_missing.get(item, ()):
            um = (X[:, k] >= rlo) & (X[:, k] <= rhi)
            if um.any():
                c.user_counts[item] = c.user_counts.get(item, 0) + int(um.sum())
                X[um, k] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column gives NaN: no check applies to it
            c.col_min[k], c.col_max[k] = np.nanmin(X[:, k]), np.nanmax(X[:, k])
    return c


def _convert_column(c: Cells, k: int, item: str, col: pd.Series, base: int, problems: list[str],
                    tokens: Collection[str] = ()) -> None:
    """Rule 1 for one column that is not plain integers: blanks, NA tokens, non-numeric cells."""
    x, blank, nonnum = to_numeric(col, tokens)
    c.X[:, k] = x
    c.blank_n[k] = int(blank.sum())
    if nonnum is None:
        return
    n_token = int((blank & col.notna().to_numpy()).sum())
    if n_token:
        c.token_notes.append(f"{item} {n_token}")
    c.nonnum_n[k] = int(nonnum.sum())
    if c.nonnum_n[k]:
        seen = values_seen([str(v).strip() for v in col[nonnum]])
        problems.append(
            f"column {item}: {c.nonnum_n[k]} non-numeric value(s) in row(s) {rows(nonnum, base)} "
            f"(seen: {seen}); recode or blank them"
        )


def _set_codes_missing(c: Cells, items: Sequence[str], codes: np.ndarray) -> None:
    """Rule 3: missing codes → NaN, counted per item (only in columns whose range holds a code)."""
    p = len(items)
    c.coded_n = np.array([c.user_counts.get(i, 0) for i in items], dtype=int)
    if not (codes.size and c.n):
        return
    per = np.zeros(p, int)
    for k in range(p):
        if ((codes >= c.col_min[k]) & (codes <= c.col_max[k])).any():
            coded = np.isin(c.X[:, k], codes)
            per[k] = int(coded.sum())
            if per[k]:
                c.X[coded, k] = np.nan
                c.maybe_nan[k] = c.touched[k] = True
    if per.any():
        c.coded_n += per
        c.code_counts = {items[int(k)]: int(per[k]) for k in np.flatnonzero(per)}


def _check_scale(c: Cells, items: Sequence[str], scale: tuple[float, float],
                 labels: Mapping[str, Mapping[object, str]], base: int, problems: list[str]) -> None:
    """Rule 4: values outside ``[lo, hi]`` are a problem (and set to NaN so later checks skip them)."""
    lo, hi = scale
    for k in range(len(items)):
        if not (c.col_min[k] < lo or c.col_max[k] > hi):  # NaN compares False
            continue
        with np.errstate(invalid="ignore"):
            out = (c.X[:, k] < lo) | (c.X[:, k] > hi)
        c.out_n[k] = int(out.sum())
        if not c.out_n[k]:
            continue
        item = items[k]
        vals = c.X[out, k]
        c.out_values.extend(np.unique(vals).tolist())
        problems.append(
            f"column {item}: {int(c.out_n[k])} value(s) outside the {num(lo)}–{num(hi)} scale in row(s) "
            f"{rows(out, base)} (seen: {values_seen(vals.tolist(), labels.get(item))})"
        )
        c.X[out, k] = np.nan
        c.maybe_nan[k] = c.touched[k] = True


def _summarise(c: Cells) -> None:
    """Valid answers, min, max and mean per item; the NaN mask when some answer is missing."""
    n, p = c.X.shape
    X = c.X
    known = ~c.maybe_nan & ~np.isnan(c.int_sum)  # whole numbers untouched: every cell answered, sum known
    sums = np.where(known, c.int_sum, 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns give NaN, reported below
        for k in np.flatnonzero(~known).tolist() if n else ():
            if c.touched[k]:
                c.col_min[k], c.col_max[k] = np.nanmin(X[:, k]), np.nanmax(X[:, k])
            valid = ~np.isnan(X[:, k]) if c.maybe_nan[k] else None
            c.answers[k] = n if valid is None else int(valid.sum())
            sums[k] = X[:, k].sum() if c.answers[k] == n else X[valid, k].sum()
        c.col_mean = sums / np.where(c.answers > 0, c.answers, np.nan)
    # the respondent-level masks are needed only when some answer is missing
    c.nan = np.isnan(X) if n and (c.answers < n).any() else None


def _item_problems(c: Cells, items: Sequence[str], problems: list[str]) -> None:
    """Rule 5: items with no valid answer or without variance."""
    n = c.n
    for k, item in enumerate(items):
        if not c.present[k] or n == 0:
            continue
        if c.answers[k] == 0 and c.nonnum_n[k] < n:
            problems.append(f"item {item} has no valid answers (all {n} cells are missing)")
        elif c.answers[k] > 0 and c.out_n[k] == 0 and c.col_min[k] == c.col_max[k]:
            problems.append(
                f"item {item} is constant: every respondent who answered gave {num(float(c.col_min[k]))}; "
                "PLS cannot weight an item without variance"
            )


def _code_hint(out_values: Sequence[float], problems: list[str], at: int = 0) -> None:
    """Out-of-scale values ≥ 90 or < 0 look like 'don't know' codes: say how to declare them.

    The hint goes before the cell problems (index ``at``): it is the one line that says what to do,
    and one code in 24 items gives 24 'outside the scale' lines.
    """
    hint_codes = sorted({v for v in out_values if v >= 90 or v < 0})
    if not hint_codes:
        return
    codes_txt = ",".join(num(v) for v in hint_codes)
    what = (f"value {codes_txt} looks like a 'don't know'/'no answer' code" if len(hint_codes) == 1
            else f"values {', '.join(num(v) for v in hint_codes)} look like 'don't know'/'no answer' codes")
    problems.insert(
        at, f"{what}: pass --missing-codes {codes_txt} (or list them under missing_codes in the model YAML) if they are"
    )


def _cell_notes(c: Cells, codes: np.ndarray, codes_source: str, notes: list[str]) -> None:
    """Notes on the cells read as missing: NA tokens, missing codes, SPSS user-missing values."""
    if c.token_notes:
        notes.append(f"cells read as missing for text such as 'n/a': {', '.join(c.token_notes)}")
    if c.code_counts:
        notes.append(
            f"missing codes {', '.join(num(v) for v in codes)} ({codes_source}) set to missing: "
            + ", ".join(f"{k} {v}" for k, v in c.code_counts.items())
        )
    if c.user_counts:
        notes.append("SPSS user-missing values set to missing: " + ", ".join(f"{k} {v}" for k, v in c.user_counts.items()))


def item_table(c: Cells, items: Sequence[str], construct_of: Mapping[str, str]) -> pd.DataFrame:
    """One row per model item (see the module docs); counts only for items found in a non-empty table.

    Built column by column: the counts are integers when every item has them, else floats with
    NaN for the items without (as pandas types a list of records with missing keys).
    """
    ok = c.present & (c.n > 0)
    counts = {"answers": c.answers, "blank": c.blank_n, "coded_missing": c.coded_n, "non_numeric": c.nonnum_n,
              "out_of_scale": c.out_n}
    cols: dict[str, object] = {"construct": [construct_of[i] for i in items], "found": c.present.astype(bool)}
    for name, v in counts.items():
        cols[name] = v.astype(np.int64) if ok.all() else np.where(ok, v, np.nan)
    for name, v in (("min", c.col_min), ("max", c.col_max), ("mean", c.col_mean)):
        cols[name] = np.where(ok, v, np.nan).astype(float)
    return pd.DataFrame(cols, index=names_index(items, "item"), columns=ITEM_COLUMNS[1:])
