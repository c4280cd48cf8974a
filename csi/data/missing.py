"""Missing-data policies (``--missing``), a registry: :data:`MISSING` (``casewise``, ``mean``, ``em``).

A policy receives the item matrix of every row read (:class:`Answers`, ``NaN`` = no answer) and
returns the respondents kept, their items with no ``NaN`` left, and what it did per construct
(:class:`Applied`).  Rows with no answer to any model item are skipped under every policy (blank
lines, trailing ``;;;;`` rows, break-offs before the first question) and reported separately.

* ``casewise`` (default): respondents with any missing model item are dropped.  It is the
  default because every estimate (weights, paths, quality, indices) then comes from the same
  respondents, the correlation matrix stays positive semi-definite, the estimates are
  consistent when answers are missing completely at random, and the reported n is the n
  actually used.  Mean imputation shrinks item variances and attenuates correlations (and so
  paths and reliabilities); pairwise deletion can give a non-positive-definite matrix and has
  no single n.  A note gives the respondents dropped per construct (a respondent can miss
  items in several constructs); more than 20% dropped is a warning.
* ``mean``: a missing item is replaced by the item's (survey-weighted) mean among the
  respondents who answered it, ``x̄_j = Σ_i w_i x_ij / Σ_i w_i`` over the answers (unweighted
  when there are no weights or the answerers' weights sum to 0).  The respondents imputed per
  construct are reported; an item with more than 10% of its answers imputed is a warning.

* ``em``: the item means and covariance matrix are estimated by the EM algorithm for the
  multivariate normal under MAR (:func:`csi.stats.em.em_normal`; survey-weighted when weights
  exist); a missing answer is replaced by its conditional expectation given the respondent's
  answers, and the fit workflow runs PLS on the EM moments (:mod:`csi.workflows.em_fit`), so the
  variances and correlations are not understated as under ``mean``.  The share of imputed cells
  per item is reported.

A new policy is one function plus one registration (``MISSING.register("em", em)``); its key
then appears in the ``--missing should be one of …`` message, and its docstring's first line in
:data:`csi.data.survey.MISSING_POLICIES`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from csi.model.spec import ModelSpec
from csi.registry import Registry

IMPUTED_WARN_SHARE = 0.10
DROPPED_WARN_SHARE = 0.2


@dataclass(frozen=True)
class Answers:
    """The model items of every row read (rows × items, ``NaN`` = no answer)."""

    X: np.ndarray
    #: ``isnan(X)``, or None when every cell is answered
    nan: np.ndarray | None
    #: rows with an answer to some model item
    rows_ok: np.ndarray
    #: rows that answered every model item
    complete: np.ndarray
    #: survey weights of every row (``NaN`` where missing), or None
    weights: np.ndarray | None
    spec: ModelSpec

    @property
    def items(self) -> list[str]:
        return list(self.spec.items)

    def construct_columns(self) -> list[tuple[str, list[int]]]:
        """(construct code, its item columns) in model order."""
        items = self.items
        return [(con.code, [items.index(i) for i in con.items]) for con in self.spec.constructs]


@dataclass(frozen=True)
class Applied:
    """What a policy did: the rows kept, their items (no ``NaN``), counts, notes and warnings."""

    keep: np.ndarray
    X: np.ndarray
    dropped: dict[str, int] = field(default_factory=dict)
    imputed: dict[str, int] = field(default_factory=dict)
    respondents_dropped: int = 0
    respondents_imputed: int = 0
    cells_imputed: int = 0
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: the cells imputed (rows kept × items), for policies whose moments are re-estimated (``em``)
    imputed_mask: np.ndarray | None = None


class MissingPolicy(Protocol):
    def __call__(self, a: Answers) -> Applied: ...


MISSING = Registry[MissingPolicy]("--missing")


def check_policy(missing: object, problems: list[str]) -> None:
    """A problem unless ``missing`` is a registered policy key (exactly as registered)."""
    if missing not in MISSING.keys():
        problems.append(f"--missing should be one of {', '.join(MISSING.keys())}; got {missing!r}")


@MISSING.register("casewise")
def casewise(a: Answers) -> Applied:
    """Drop every respondent with a missing model item (listwise deletion)."""
    keep = a.complete
    dropped = {code: 0 if a.nan is None else int((a.rows_ok & a.nan[:, ks].any(axis=1)).sum())
               for code, ks in a.construct_columns()}
    n_ok = int(a.rows_ok.sum())
    n_complete = int(a.complete.sum())
    n_drop = n_ok - n_complete
    notes: list[str] = []
    warns: list[str] = []
    if n_drop:
        by = ", ".join(f"{c} {v}" for c, v in dropped.items() if v)
        notes.append(
            f"casewise: {n_drop} of {n_ok} respondents dropped for a missing item "
            f"(by construct: {by}; a respondent can miss items in several constructs)"
        )
        share = n_drop / max(n_ok, 1)
        if share > DROPPED_WARN_SHARE:
            warns.append(
                f"casewise deletion dropped {share:.0%} of respondents ({n_drop} of {n_ok}); "
                "consider --missing mean or check the items with most missing answers"
            )
    X = a.X if n_complete == a.X.shape[0] else a.X[keep]
    return Applied(keep, X, dropped=dropped, respondents_dropped=n_ok - int(keep.sum()),
                   notes=tuple(notes), warnings=tuple(warns))


@MISSING.register("mean")
def mean(a: Answers) -> Applied:
    """Replace a missing item by the item's (weighted) mean among the respondents who answered it."""
    keep = a.rows_ok
    X = a.X[keep].copy()
    miss = np.isnan(X)
    wk = None if a.weights is None else np.nan_to_num(a.weights[keep])
    warns = _impute_means(X, miss, wk, a.items)
    imputed = {code: int(miss[:, ks].any(axis=1).sum()) for code, ks in a.construct_columns()}
    cells = int(miss.sum())
    notes: list[str] = []
    if cells:
        by = ", ".join(f"{c} {v}" for c, v in imputed.items() if v)
        notes.append(
            f"mean imputation: {cells} missing answer(s) of {int(miss.any(axis=1).sum())} respondents "
            f"replaced by the item mean (respondents imputed by construct: {by})"
        )
    respondents = int(a.nan[keep].any(axis=1).sum()) if a.nan is not None else 0
    return Applied(keep, X, imputed=imputed, respondents_imputed=respondents, cells_imputed=cells,
                   notes=tuple(notes), warnings=tuple(warns))


def _impute_means(X: np.ndarray, miss: np.ndarray, w: np.ndarray | None, items: Sequence[str]) -> list[str]:
    """Fill ``X[miss]`` in place with each item's (weighted) mean; warnings for items > 10% imputed."""
    warns = []
    for k, it in enumerate(items):
        if miss[:, k].any():
            ok = ~miss[:, k]
            if w is None or w[ok].sum() <= 0:
                fill = float(X[ok, k].mean())
            else:
                fill = float(np.average(X[ok, k], weights=w[ok]))
            X[miss[:, k], k] = fill
            share = miss[:, k].mean()
            if share > IMPUTED_WARN_SHARE:
                warns.append(
                    f"item {it}: {share:.0%} of answers imputed by the item mean; its variance and "
                    "correlations are understated"
                )
    return warns


@MISSING.register("em")
def em(a: Answers) -> Applied:
    """EM means and covariances under MAR (weighted); a missing answer replaced by its conditional expectation."""
    from csi.stats.em import em_normal

    keep = a.rows_ok
    X = a.X[keep]
    miss = np.isnan(X)
    w = None if a.weights is None else np.nan_to_num(a.weights[keep])
    if w is not None and w.sum() <= 0:
        w = None
    res = em_normal(X, w)
    imputed = {code: int(miss[:, ks].any(axis=1).sum()) for code, ks in a.construct_columns()}
    cells = int(miss.sum())
    notes: list[str] = []
    warns: list[str] = []
    if cells:
        share = miss.mean(axis=0)
        by = ", ".join(f"{it} {s:.1%}" for it, s in zip(a.items, share, strict=True) if s > 0)
        notes.append(f"EM ({res.iterations} iterations{'' if res.converged else ', NOT converged'}): {cells} missing "
                     f"answer(s) replaced by their conditional expectations; share imputed by item: {by}")
        if not res.converged:
            warns.append(f"the EM algorithm did not converge in {res.iterations} iterations; the item moments are from the last one")
    return Applied(keep, res.X, imputed=imputed, respondents_imputed=int(miss.any(axis=1).sum()), cells_imputed=cells,
                   notes=tuple(notes), warnings=tuple(warns), imputed_mask=miss if cells else None)
