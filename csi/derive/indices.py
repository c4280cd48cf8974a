"""0–100 customer-satisfaction indices (the ACSI formula) and respondent-level scores.

For construct ``k`` with items ``i``:

* unstandardized weight ``uᵢ = wᵢ / sᵢ`` (standardized outer weight over the item's SD, n − 1);
  when PLS ran on unstandardized items the weights are already in item units, ``uᵢ = wᵢ``;
* normalized weight ``w̃ᵢ = uᵢ / Σⱼ uⱼ``;
* index ``I_k = Σ w̃ᵢ (x̄ᵢ − min)/(max − min) × 100`` with the scale's theoretical limits;
* respondent score ``I_rk = Σ w̃ᵢ (x_ri − min)/(max − min) × 100``; their (weighted) mean is ``I_k``.

A negative normalized weight makes the index ill-defined (it is then not a weighted average
of the items): csi warns by item name.

Validated against ``ecsi_mobi_index_acsi_formula.csv`` (SEMinR 2.3.1 fit, ACSI formula) to 1e-6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csi.estimators.base import one_blas_thread
from csi.estimators.pls import PLSResults


@dataclass(frozen=True)
class Indices:
    index: pd.Series  # by construct, 0–100
    normalized_weights: pd.Series  # by (construct, item), sum 1 within construct
    respondent: pd.DataFrame  # respondent × construct, 0–100
    scale_min: float
    scale_max: float
    warnings: tuple[str, ...]


def normalized_weights(res: PLSResults) -> pd.Series:
    """w̃ᵢ = (wᵢ/sᵢ) / Σⱼ(wⱼ/sⱼ) within each construct (wᵢ as-is when unstandardized)."""
    w = res.weights.copy()
    sd = res.item_sds.reindex(w.index.get_level_values("item")).to_numpy()
    u = w / sd if res.standardized else w
    return (u / u.groupby(level="construct", sort=False).transform("sum")).rename("normalized_weight")


def compute(res: PLSResults, items: pd.DataFrame, scale_min: float | None = None, scale_max: float | None = None) -> Indices:
    """Indices and respondent scores from a fit and the item data it was fitted on."""
    lo = res.spec.scale_min if scale_min is None else float(scale_min)
    hi = res.spec.scale_max if scale_max is None else float(scale_max)
    nw = normalized_weights(res)
    return score(nw, items, lo, hi, res.case_weights, res.spec.codes)


def score(
    nw: pd.Series,
    items: pd.DataFrame,
    lo: float,
    hi: float,
    case_weights: np.ndarray | None = None,
    codes: tuple[str, ...] | None = None,
) -> Indices:
    """Score respondents with given normalized weights (also the fixed-weight scoring path)."""
    codes = codes or tuple(dict.fromkeys(nw.index.get_level_values("construct")))
    blocks = {code: nw.loc[code] for code in codes}
    warns = []
    for code, wk in blocks.items():
        neg = [str(i) for i, v in wk.items() if v < 0]
        if neg:
            warns.append(
                f"construct {code}: negative normalized weight for {', '.join(neg)}; its 0–100 index is not a "
                "weighted average of its items and should be read with care"
            )
    # On 10⁶ respondents the n × k temporaries cost more than the arithmetic: one scratch buffer
    # for every construct (three fresh arrays per construct before) and the scores written
    # straight into one respondent × construct matrix (no frame-from-dict copy).
    n = len(items)
    R = np.empty((n, len(codes)), order="F")
    scratch = np.empty(n * max((len(wk) for wk in blocks.values()), default=0))
    with one_blas_thread(n):
        for j, wk in enumerate(blocks.values()):
            x = items.loc[:, list(wk.index)].to_numpy(dtype=float)  # a view when the items are adjacent
            # laid out as numpy lays out x − lo (the order of x's strides), so the product is unchanged
            t = scratch[: x.size].reshape(x.shape, order="F" if x.strides[0] < x.strides[1] else "C")
            np.subtract(x, lo, out=t)
            np.divide(t, hi - lo, out=t)
            np.multiply(t, 100.0, out=t)
            R[:, j] = t @ wk.to_numpy()
    respondent = pd.DataFrame(R, index=items.index, columns=list(codes), copy=False)
    if case_weights is None:
        index = respondent.mean()
    else:
        v = np.asarray(case_weights, dtype=float)
        index = pd.Series(v @ respondent.to_numpy() / v.sum(), index=respondent.columns)
    return Indices(index.rename("index"), nw, respondent, lo, hi, tuple(warns))
