"""Importance–performance map analysis (IPMA; Ringle & Sarstedt 2016).

For a target construct ``t`` and every construct ``k`` with a total effect on it:

* importance ``I_k = T_kt · sd(S_t) / sd(S_k)``: the standardized total effect rescaled to the
  0–100 respondent scores ``S`` (the index points ``t`` gains per index point of ``k``);
* performance ``P_k`` = the 0–100 index of ``k``;
* item level: importance ``w̃_i · I_k`` (normalized weight × construct importance),
  performance = the item mean rescaled to 0–100.

The priority quadrant is importance above the mean importance and performance below the mean
performance of the predecessors (the usual mean-centred split of the map).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csi.errors import CsiError
from csi.indices import Indices
from csi.pls import PLSResults


def default_target(res: PLSResults) -> str:
    spec = res.spec
    role = spec.role("loyalty")
    if role in spec.codes:
        return str(role)
    sinks = [c for c in spec.codes if not spec.successors(c)]
    return sinks[-1]


def ipma(res: PLSResults, idx: Indices, target: str | None = None) -> pd.DataFrame:
    """Construct-level IPMA rows: target, construct, importance, performance, std_total, priority."""
    spec = res.spec
    t = target or default_target(res)
    if t not in spec.codes:
        raise CsiError(f"--ipma-target should be one of {', '.join(spec.codes)}; got {t!r}")
    total = res.total_effects[t]
    sd = idx.respondent.std(ddof=1) if res.case_weights is None else _wsd(idx.respondent, res.case_weights)
    rows = []
    for k in spec.codes:
        if k == t or total[k] == 0:
            continue
        rows.append({
            "target": t,
            "construct": k,
            "label": spec.construct(k).label,
            "importance": float(total[k] * sd[t] / sd[k]),
            "performance": float(idx.index[k]),
            "std_total_effect": float(total[k]),
        })
    df = pd.DataFrame(rows, columns=["target", "construct", "label", "importance", "performance", "std_total_effect"])
    if len(df):
        df["priority"] = (df.importance > df.importance.mean()) & (df.performance < df.performance.mean())
    return df


def ipma_items(res: PLSResults, idx: Indices, construct_level: pd.DataFrame) -> pd.DataFrame:
    """Item-level IPMA: normalized weight × construct importance; item mean on 0–100."""
    lo, hi = idx.scale_min, idx.scale_max
    rows = []
    for _, r in construct_level.iterrows():
        for item, w in idx.normalized_weights.loc[r.construct].items():
            rows.append({
                "target": r.target,
                "construct": r.construct,
                "item": item,
                "importance": float(w * r.importance),
                "performance": float((res.item_means[item] - lo) / (hi - lo) * 100),
            })
    return pd.DataFrame(rows)


def _wsd(df: pd.DataFrame, w: np.ndarray) -> pd.Series:
    v = w / w.sum()
    m = v @ df.to_numpy()
    return pd.Series(np.sqrt(v @ (df.to_numpy() - m) ** 2), index=df.columns)
