"""0–100 customer-satisfaction indices and respondent-level scores, by a registered index method.

An index method is an :class:`Indexer` in ``INDEXERS`` (``--index``; built in: ``acsi``).  It
does two things with ONE formula:

* ``fit(res, items, lo, hi)``: the full sample — normalized weights, the index of every
  construct and every respondent's score (:class:`Indices`);
* ``batch(w, sd, mean, layout, lo, hi, standardized)``: the same index for B fits at once from
  their weights, item SDs and item means (B, p) → (B, K) — what the bootstrap and the
  permutation tests call for every resample, so a new method gets intervals and group tests
  with no other edit.

Most methods are *linear*: the index is a weighted mean of the rescaled item means with weights
that sum to 1 within a construct.  They subclass :class:`LinearIndexer` and define only
``normalized(w, sd, layout, standardized)``; ``fit`` and ``batch`` follow from it
(:mod:`csi.stats.index`):

* index ``I_k = Σ w̃ᵢ (x̄ᵢ − min)/(max − min) × 100`` with the scale's theoretical limits;
* respondent score ``I_rk = Σ w̃ᵢ (x_ri − min)/(max − min) × 100``; their (weighted) mean is ``I_k``.

The ACSI method (``acsi``): unstandardized weight ``uᵢ = wᵢ / sᵢ`` (standardized outer weight
over the item's SD), or ``uᵢ = wᵢ`` when PLS ran on unstandardized items; normalized weight
``w̃ᵢ = uᵢ / Σⱼ uⱼ`` within the construct.  A negative normalized weight makes the index
ill-defined (it is then not a weighted average of the items): csi warns by item name.

Validated against ``ecsi_mobi_index_acsi_formula.csv`` (SEMinR 2.3.1 fit, ACSI formula) to 1e-6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from csi.estimators.base import Layout
from csi.estimators.pls import PLSResults
from csi.registry import Registry
from csi.stats.index import linear_index
from csi.stats.index import normalized_weights as acsi_weights
from csi.stats.products import one_blas_thread


@dataclass(frozen=True)
class Indices:
    index: pd.Series  # by construct, 0–100
    normalized_weights: pd.Series  # by (construct, item), sum 1 within construct
    respondent: pd.DataFrame  # respondent × construct, 0–100
    scale_min: float
    scale_max: float
    warnings: tuple[str, ...]


@runtime_checkable
class Indexer(Protocol):
    """An index method: the full-sample fit and the same formula batched over resamples."""

    key: str
    description: str

    def fit(self, res: PLSResults, items: pd.DataFrame, lo: float, hi: float) -> Indices:
        """Indices, normalized weights and respondent scores of the full sample."""
        ...

    def batch(self, w: np.ndarray, sd: np.ndarray, mean: np.ndarray, layout: Layout, lo: float, hi: float,
              standardized: bool) -> np.ndarray:
        """(B, p) outer weights, item SDs and item means of B fits → (B, K) indices."""
        ...


INDEXERS = Registry[Indexer]("index method")


class LinearIndexer:
    """Base of the methods whose index is ``Σ w̃ (x̄ − lo)/(hi − lo) · 100`` with normalized weights ``w̃``.

    A subclass sets ``key`` and ``description`` and defines :meth:`normalized`; ``fit`` (B = 1
    on the full-sample weights and SDs, then respondent scores) and ``batch`` come from it.
    """

    key = "linear"
    description = "weighted mean of the rescaled items"

    def normalized(self, w: np.ndarray, sd: np.ndarray, layout: Layout, standardized: bool) -> np.ndarray:
        """(B, p) outer weights and item SDs → (B, p) weights summing to 1 within each construct."""
        raise NotImplementedError

    def weights(self, res: PLSResults) -> pd.Series:
        """The full-sample normalized weights by (construct, item): :meth:`normalized` with B = 1."""
        w = res.weights
        sd = res.item_sds.reindex(w.index.get_level_values("item")).to_numpy(dtype=float)
        nw = self.normalized(w.to_numpy(dtype=float)[None], sd[None], Layout.from_spec(res.spec), res.standardized)[0]
        return pd.Series(nw, index=w.index, name="normalized_weight")

    def fit(self, res: PLSResults, items: pd.DataFrame, lo: float, hi: float) -> Indices:
        return score(self.weights(res), items, lo, hi, res.case_weights, res.spec.codes)

    def batch(self, w: np.ndarray, sd: np.ndarray, mean: np.ndarray, layout: Layout, lo: float, hi: float,
              standardized: bool) -> np.ndarray:
        return linear_index(self.normalized(w, sd, layout, standardized), mean, layout.member, lo, hi)

    def __repr__(self) -> str:
        return f"<index method {self.key}: {self.description}>"


class ACSIIndexer(LinearIndexer):
    """The ACSI formula: ``w̃ᵢ = (wᵢ/sᵢ) / Σⱼ(wⱼ/sⱼ)`` within each construct (``wᵢ`` as-is when unstandardized)."""

    key = "acsi"
    description = "ACSI: weights/SD normalized to sum 1; (mean - min)/(max - min) x 100"

    def normalized(self, w: np.ndarray, sd: np.ndarray, layout: Layout, standardized: bool) -> np.ndarray:
        return acsi_weights(w, sd, layout.member, layout.block, standardized)


INDEXERS.register("acsi", ACSIIndexer())
# the moment-based methods of the curriculum (csi.derive.index_methods imports this module)
for _key, _attr in (("mean", "MEAN"), ("fuzzy", "FUZZY"), ("fuzzy-maxmin", "FUZZY_MAXMIN"), ("pca", "PCA"), ("pca-85", "PCA85")):
    INDEXERS.register_lazy(_key, f"csi.derive.index_methods:{_attr}")


def configure(indexer: Indexer, spec: object) -> Indexer:
    """The index method with the model file's ``index:`` weights/grades applied (its ``configured``; as-is otherwise)."""
    f = getattr(indexer, "configured", None)
    return indexer if f is None else f(spec)  # type: ignore[no-any-return]


def index_features(indexer: Indexer, X: np.ndarray, layout: Layout, lo: float, hi: float) -> np.ndarray | None:
    """Per-respondent columns whose reweighted means ``indexer`` needs (its ``features``; None for most)."""
    f = getattr(indexer, "features", None)
    return None if f is None else f(X, layout, lo, hi)  # type: ignore[no-any-return]


def batch_index(indexer: Indexer, w: np.ndarray, sd: np.ndarray, mean: np.ndarray, corr: np.ndarray,
                fmean: np.ndarray | None, layout: Layout, lo: float, hi: float, standardized: bool) -> np.ndarray:
    """(B, K) indices of B fits: the method's ``batch_moments`` (moment-based methods) or its ``batch``."""
    f = getattr(indexer, "batch_moments", None)
    if f is None:
        return indexer.batch(w, sd, mean, layout, lo, hi, standardized)
    return f(mean, sd, corr, fmean, layout, lo, hi)  # type: ignore[no-any-return]


def normalized_weights(res: PLSResults) -> pd.Series:
    """w̃ᵢ = (wᵢ/sᵢ) / Σⱼ(wⱼ/sⱼ) within each construct (wᵢ as-is when unstandardized)."""
    indexer = INDEXERS.get("acsi")
    assert isinstance(indexer, LinearIndexer)
    return indexer.weights(res)


def compute(res: PLSResults, items: pd.DataFrame, scale_min: float | None = None, scale_max: float | None = None) -> Indices:
    """ACSI indices and respondent scores from a fit and the item data it was fitted on."""
    lo = res.spec.scale_min if scale_min is None else float(scale_min)
    hi = res.spec.scale_max if scale_max is None else float(scale_max)
    return INDEXERS.get("acsi").fit(res, items, lo, hi)


def score(
    nw: pd.Series,
    items: pd.DataFrame,
    lo: float,
    hi: float,
    case_weights: np.ndarray | None = None,
    codes: tuple[str, ...] | None = None,
) -> Indices:
    """Score respondents with given normalized weights (also the fixed-weight scoring path)."""
    owner = nw.index.get_level_values("construct").to_numpy()
    names = nw.index.get_level_values("item").to_numpy()
    values = nw.to_numpy(dtype=float)
    codes = codes or tuple(dict.fromkeys(owner))
    # each construct's items and weights as plain arrays (no label lookup per construct)
    blocks = {code: (list(names[at]), values[at]) for code in codes for at in [np.flatnonzero(owner == code)]}
    warns = []
    for code, (its, wv) in blocks.items():
        neg = [str(i) for i, v in zip(its, wv, strict=True) if v < 0]
        if neg:
            warns.append(
                f"construct {code}: negative normalized weight for {', '.join(neg)}; its 0–100 index is not a "
                "weighted average of its items and should be read with care"
            )
    # On 10⁶ respondents the n × k temporaries cost more than the arithmetic: each construct's
    # score is one product with the raw items, Σ w̃ᵢ(xᵢ − lo)/(hi − lo)·100 = (x·w̃ − lo·Σw̃)·100/(hi − lo),
    # written straight into one respondent × construct matrix.
    n = len(items)
    R = np.empty((n, len(codes)), order="F")
    col = {c: k for k, c in enumerate(items.columns)}  # positions: iloc by slice, no label indexer per construct
    with one_blas_thread(n):
        for j, (its, wv) in enumerate(blocks.values()):
            at = [col[i] for i in its]
            sel: slice | list[int] = slice(at[0], at[0] + len(at)) if at and at == list(range(at[0], at[0] + len(at))) else at
            x = items.iloc[:, sel].to_numpy(dtype=float)  # a view when the items are adjacent
            np.multiply(x @ wv - lo * wv.sum(), 100.0 / (hi - lo), out=R[:, j])
    respondent = pd.DataFrame(R, index=items.index, columns=list(codes), copy=False)
    if case_weights is None:
        index = respondent.mean()
    else:
        v = np.asarray(case_weights, dtype=float)
        index = pd.Series(v @ respondent.to_numpy() / v.sum(), index=respondent.columns)
    return Indices(index.rename("index"), nw, respondent, lo, hi, tuple(warns))
