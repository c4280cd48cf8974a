"""Checks that collect problems: the survey options, the weights and the sample size.

Each check appends what it finds to a list of problems (and, where the data are usable but
doubtful, to a list of warnings) instead of raising, so one run reports every problem at once.

Options (:func:`check_options`):

* ``--missing`` is a registered policy (:data:`csi.data.missing.MISSING`);
* ``--scale MIN-MAX``: two finite numbers with MIN below MAX (else the model's scale);
* missing codes (``--missing-codes``, else the model's ``missing_codes``) are numbers outside the
  scale: a code inside it would erase real answers;
* ``--reverse`` names items of the model.

Weights (``weights=COLUMN``) must be numbers, finite and ≥ 0 (:func:`weight_values`), present for
every respondent used and not all zero (:func:`used_weights`).

Sample size (:func:`check_sample`): at least ``k + 2`` respondents, where ``k`` is the number of
predictors of the model's largest regression (inner paths, or the items of a mode-B construct),
so every regression is determined; a warning below the "10 times" rule of thumb ``10·k``; an
item constant among the respondents used is an error (PLS cannot weight it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csi.data.cells import Cells, fold, to_numeric
from csi.data.messages import close, num, rows, values_seen
from csi.data.missing import check_policy
from csi.model.spec import ModelSpec
from csi.options import SurveyOptions
from csi.stats.products import cross_products


@dataclass(frozen=True)
class Rules:
    """The options as the checks use them: scale, missing codes and reversed items, with sources."""

    scale: tuple[float, float]
    scale_source: str
    codes: np.ndarray
    codes_source: str
    reverse: list[str]
    #: text missing codes (``--missing-codes "99,weiß nicht"``), case-folded, read as missing like NA tokens
    text_codes: tuple[str, ...] = ()


def check_options(spec: ModelSpec, options: SurveyOptions, problems: list[str]) -> Rules:
    """Check ``--missing``, ``--scale``, the missing codes and ``--reverse``; resolve them."""
    check_policy(options.missing, problems)
    lo, hi = check_scale(options.scale, spec, problems)
    scale_source = "--scale" if options.scale is not None else f"model {spec.name}"
    codes_source = "--missing-codes" if options.missing_codes is not None else "the model's missing_codes"
    codes = tuple(spec.missing_codes if options.missing_codes is None else options.missing_codes)
    # a code that is not a number is a text code ('weiß nicht'): a cell holding it is missing
    text_codes = tuple(dict.fromkeys(fold(c) for c in codes if isinstance(c, str) and not _is_number(c)))
    codes = tuple(c for c in codes if not (isinstance(c, str) and not _is_number(c)))
    codes_f = check_codes(codes, codes_source, (lo, hi), problems)
    items = list(spec.items)
    rev = list(dict.fromkeys(str(r) for r in options.reverse))
    for r in rev:
        if r not in items:
            problems.append(f"--reverse {r}: not an item of model {spec.name}{close(r, items)}")
    return Rules((lo, hi), scale_source, codes_f, codes_source, rev, text_codes)


def _is_number(c: str) -> bool:
    try:
        float(c)
    except ValueError:
        return False
    return True


def check_scale(scale: Any, spec: ModelSpec, problems: list[str]) -> tuple[float, float]:
    """``--scale`` as ``(lo, hi)``; the model's scale when not given or not valid."""
    if scale is None:
        return float(spec.scale_min), float(spec.scale_max)
    try:
        lo, hi = (float(scale[0]), float(scale[1]))
    except (TypeError, ValueError, IndexError):
        problems.append(f"--scale should be two numbers MIN-MAX, e.g. 1-10; got {scale!r}")
        return float(spec.scale_min), float(spec.scale_max)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        problems.append(f"--scale should be MIN-MAX with MIN below MAX, e.g. 1-10; got {num(lo)}-{num(hi)}")
        return float(spec.scale_min), float(spec.scale_max)
    if max(abs(lo), abs(hi)) > MAX_SCALE:
        # a bound like 1e20 makes every 0-100 index round to 0 or 100 without a word
        problems.append(f"--scale bounds should be at most {MAX_SCALE:g} in size (a response scale such as 1-10); got {lo:g}-{hi:g}")
        return float(spec.scale_min), float(spec.scale_max)
    return lo, hi


#: the largest response-scale bound accepted (a scale is 1-5, 0-10, 1-100, …)
MAX_SCALE = 1e9


def check_codes(codes: Sequence[Any], source: str, scale: tuple[float, float], problems: list[str]) -> np.ndarray:
    """The finite missing codes as floats; codes inside the scale or not numbers are problems."""
    lo, hi = scale
    bad_codes = []
    for c in codes:
        try:
            cf = float(c)
        except (TypeError, ValueError):
            bad_codes.append(repr(c))
            continue
        if not np.isfinite(cf):
            bad_codes.append(repr(c))
        elif lo <= cf <= hi:
            problems.append(
                f"{source} {num(cf)} lies inside the {num(lo)}–{num(hi)} scale, so it would erase real "
                "answers; a missing code must lie outside the scale"
            )
    if bad_codes:
        problems.append(f"{source} should be numbers such as 98,99; got {', '.join(bad_codes)}")
    return np.array([float(c) for c in codes if _is_finite_number(c)], dtype=float)


def _is_finite_number(c: Any) -> bool:
    try:
        return bool(np.isfinite(float(c)))
    except (TypeError, ValueError):
        return False


def weight_values(col: pd.Series | None, name: str | None, base: int, problems: list[str]) -> np.ndarray | None:
    """The weights column as floats (``NaN`` where blank); non-numeric, negative or infinite weights are problems."""
    if col is None:
        return None
    w_all, _, wnon = to_numeric(col)
    if wnon is not None and wnon.any():
        problems.append(
            f"weights column {name}: {int(wnon.sum())} non-numeric value(s) in row(s) {rows(wnon, base)} "
            f"(seen: {values_seen([str(v).strip() for v in col[wnon]])})"
        )
    neg = ~np.isnan(w_all) & ((w_all < 0) | ~np.isfinite(w_all))
    if neg.any():
        problems.append(
            f"weights column {name}: {int(neg.sum())} negative or infinite weight(s) in row(s) "
            f"{rows(neg, base)} (seen: {values_seen(w_all[neg].tolist())}); survey weights must be ≥ 0"
        )
    return w_all


def used_weights(w_all: np.ndarray | None, keep: np.ndarray, name: str | None, base: int,
                 problems: list[str]) -> np.ndarray | None:
    """The weights of the respondents kept: each present, and not all zero."""
    if w_all is None:
        return None
    n_used = int(keep.sum())
    wmiss = np.isnan(w_all) & keep
    if wmiss.any():
        problems.append(
            f"weights column {name}: {int(wmiss.sum())} respondent(s) without a weight in row(s) "
            f"{rows(wmiss, base)}; every respondent used needs a weight"
        )
    w_used = w_all[keep]
    if n_used and not np.isnan(w_used).any() and not w_used.sum() > 0:
        problems.append(f"weights column {name}: the weights of the {n_used} respondents used are all zero")
    return w_used


def min_respondents(spec: ModelSpec) -> int:
    """The fewest respondents for which every regression in the model is determined (k + 2)."""
    return _largest_regression(spec, 1) + 2


def _largest_regression(spec: ModelSpec, floor: int | None = None) -> int:
    """Predictors of the largest regression: inner paths, or the items of a mode-B construct."""
    sizes = [len(spec.predecessors(c)) for c in spec.codes] + [len(c.items) for c in spec.constructs if c.mode == "B"]
    return max(sizes + ([floor] if floor is not None else []))


def check_sample(spec: ModelSpec, policy: str, X: np.ndarray, cells: Cells,
                 problems: list[str], warns: list[str]) -> None:
    """Enough respondents, no item constant among them, and the '10 times' rule of thumb."""
    n_used = int(X.shape[0])
    need = min_respondents(spec)
    if n_used < need:
        problems.append(
            f"only {n_used} usable respondent(s) (policy {policy}); model {spec.name} needs at least {need} "
            f"(its largest regression has {need - 2} predictor(s))"
        )
        return
    if not n_used:
        return
    # every respondent kept: the ranges of the valid answers are the ranges used
    lo_used, hi_used = (cells.col_min, cells.col_max) if X is cells.X else (X.min(axis=0), X.max(axis=0))
    items = list(spec.items)
    for k in np.flatnonzero(lo_used == hi_used).tolist():
        problems.append(
            f"item {items[k]} is constant among the {n_used} respondents used (every one gave "
            f"{num(float(lo_used[k]))}); PLS cannot weight an item without variance"
        )
    rule = 10 * _largest_regression(spec)
    if n_used < rule:
        warns.append(
            f"only {n_used} respondents used; the '10 times' rule of thumb suggests at least {rule} for model {spec.name}"
        )


#: weights are rescaled to mean 1 when any lies outside this range (sums of squares would
#: underflow to 0 or overflow to inf); a largest/smallest positive ratio above WEIGHT_RATIO is refused
WEIGHT_RANGE = (1e-6, 1e6)
WEIGHT_RATIO = 1e9


def rescale_weights(w: np.ndarray | None, name: str | None, problems: list[str], notes: list[str]) -> np.ndarray | None:
    """Weights far from 1 rescaled to mean 1 (a constant factor changes no weighted estimate).

    ``1e-200`` or denormal weights make ``Σw²`` underflow to 0 (effective n 0) and ``1e200``
    overflow to inf; dividing by the largest weight first, then by the mean, is exact for equal
    weights (every one becomes 1.0).  A ratio largest/smallest positive weight above
    :data:`WEIGHT_RATIO` is refused: such weights leave some respondents with no say at all.
    """
    if w is None or w.size == 0 or np.isnan(w).any() or not np.isfinite(w).all():
        return w
    pos = w[w > 0]
    if pos.size == 0:
        return w
    top, low = float(pos.max()), float(pos.min())
    with np.errstate(over="ignore", divide="ignore"):
        ratio = top / low
    if not np.isfinite(ratio) or ratio > WEIGHT_RATIO:
        problems.append(
            f"weights column {name}: the largest weight ({top:.3g}) is more than {WEIGHT_RATIO:.0e} times the smallest "
            f"positive one ({low:.3g}); weights that extreme leave respondents without any say: check the column"
        )
        return w
    if WEIGHT_RANGE[0] <= low and top <= WEIGHT_RANGE[1]:
        return w
    scaled = w / top
    scaled = scaled / scaled.mean()
    notes.append(f"weights column {name}: weights between {low:.3g} and {top:.3g} rescaled to mean 1 "
                 "(a constant factor changes no estimate; it keeps sums of squares finite)")
    return scaled


def check_blocks(spec: ModelSpec, X: np.ndarray, problems: list[str], centre: np.ndarray | None = None) -> None:
    """Too few respondents for the largest block, identical item columns, singular blocks: named problems.

    A block of ``k`` items needs more than ``k`` respondents, else its items' correlation matrix is
    singular; two items with the same answer in every row (a column exported twice) make it
    singular whatever the sample size.

    One pass over ``X``: the centred cross-products ``C = Σᵢ (xᵢ − x̄)(xᵢ − x̄)'`` of the items of
    multi-item blocks (:func:`centred_products`).  Items ``a``, ``b`` can be identical only if
    ``C_aa + C_bb − 2C_ab = Σ(x_a − x_b)² − n(x̄_a − x̄_b)²`` and ``x̄_a − x̄_b`` are 0 up to rounding;
    such pairs (rare) are confirmed by comparing the columns.  A block is singular when the
    smallest eigenvalue of its correlation matrix ``C_kk / √(diag C_kk diag C_kk')`` is below
    ``10⁻¹⁰`` times the largest (at least 1), as from the centred block itself before (the same
    matrix up to rounding); when the correlation matrix of all block items passes that test, every
    block passes it (Cauchy's interlacing theorem), and one eigenvalue problem replaces one per
    block.  ``centre``: values close to the column means (the means of the valid
    answers), to centre by before the exact correction; the column means are used if not given.
    """
    n = int(X.shape[0])
    items = list(spec.items)
    big = max(spec.constructs, key=lambda c: len(c.items))
    if n <= len(big.items):
        problems.append(
            f"only {n} usable respondent(s): construct {big.code} has {len(big.items)} items, so at least "
            f"{len(big.items) + 1} respondents are needed (fewer make its items' correlation matrix singular)"
        )
        return
    at: dict[str, int] = {}
    for k, it in enumerate(items):
        at.setdefault(it, k)  # the first column of a name, as list.index
    blocks = [(c, [at[i] for i in c.items]) for c in spec.constructs if len(c.items) > 1]
    if not blocks:
        return
    C, means = centred_products(X, None if centre is None else np.asarray(centre, dtype=float))
    ss = np.diag(C)
    maybe_same = _maybe_same(C, ss, means)
    check_same = bool(maybe_same.any())  # almost never: no pair to compare
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(ss)
        R = C / np.outer(sd, sd)
    usable = np.isfinite(ss) & (ss > 0)  # no NaN in the column, not constant
    # every block is a principal submatrix of the items' correlation matrix: by Cauchy's interlacing
    # its eigenvalues lie within the whole one's, so a whole matrix that passes passes every block
    whole = sorted({k for _, ks in blocks for k in ks})
    all_pass = bool(usable[whole].all()) and not _singular(R if len(whole) == len(ss) else R[np.ix_(whole, whole)])
    for c, ks in blocks:
        for a, b in zip(*np.nonzero(maybe_same[ks][:, ks]), strict=True) if check_same else ():  # row-major: in order
            if np.array_equal(X[:, ks[a]], X[:, ks[b]]):
                problems.append(
                    f"items {c.items[a]} and {c.items[b]} (construct {c.code}) hold the same answer in every "
                    "row used: a column exported twice? Identical items make the block singular; drop or fix one"
                )
                return
        if not all_pass and usable[ks].all() and _singular(R[np.ix_(ks, ks)]):
            problems.append(
                f"construct {c.code}: its items {', '.join(c.items)} are linearly dependent among the {n} "
                "respondents used (one is a sum or copy of others); the block is singular: drop or fix an item"
            )


def _singular(R: np.ndarray) -> bool:
    """The smallest eigenvalue of the correlation matrix ``R`` below ``10⁻¹⁰`` times the largest (at least 1)."""
    ev = np.linalg.eigvalsh(R)
    return bool(ev[0] < 1e-10 * max(ev[-1], 1.0))


def _maybe_same(C: np.ndarray, ss: np.ndarray, means: np.ndarray) -> np.ndarray:
    """``[a, b]`` (``a < b``): columns ``a`` and ``b`` may be identical, as ``Σ(x_a − x_b)²`` is 0 up to
    rounding (its centred part ``C_aa + C_bb − 2C_ab`` and the means' difference).  NaN compares False:
    a column with NaN is never identical to another (as ``np.array_equal`` says)."""
    with np.errstate(invalid="ignore"):
        centred = ss[:, None] + ss[None, :] - 2 * C <= 1e-9 * (ss[:, None] + ss[None, :])
        level = np.abs(means[:, None] - means[None, :]) <= 1e-9 * (np.abs(means[:, None]) + np.abs(means[None, :]))
    return np.triu(centred & level, 1)


def centred_products(X: np.ndarray, centre: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(C, x̄)``: the centred cross-products ``Σᵢ (xᵢ − x̄)(xᵢ − x̄)'`` and the column means of ``X``.

    One pass over ``X`` in chunks (:func:`csi.stats.products.cross_products`) (no centred copy of ``X``): each chunk
    is shifted by ``centre`` (default: the column means), its products and sums accumulated, and
    ``C = Σ dᵢdᵢ' − s s'/n`` with ``dᵢ = xᵢ − centre``, ``s = Σ dᵢ``, which is exact for any shift and
    keeps full precision for a shift close to the means.  A column with NaN gives NaN in its row and
    column of ``C``.  Large inputs run on one BLAS thread (:func:`csi.stats.products.one_blas_thread`).
    """
    n = int(X.shape[0])
    if centre is None or centre.shape != (X.shape[1],) or not np.isfinite(centre).all():
        centre = X.mean(axis=0)
    S, s = cross_products(X, centre)
    return S - np.outer(s, s) / max(n, 1), centre + s / max(n, 1)
