"""Higher-order constructs: the HOC's 0–100 index from its dimensions' indices, and quality at both levels.

Two-stage HOCs (``two_stage``, ``embedded``): stage 2 measures the HOC by its dimensions'
item-scale scores (:func:`csi.workflows.staged.item_scale_scores`), so the HOC index is
``I_H = Σₖ ṽₖ I_k`` with ``ṽ`` the HOC's ACSI weights over the dimensions and ``I_k`` the
dimensions' stage-1 indices (``--index acsi``; another index method applies its own formula to
the same columns).  Repeated-indicator HOCs: the HOC's index is that of the repeated items.

Quality as Sarstedt et al. (2019, Australasian Marketing Journal 27) prescribe: the lower-order
constructs' reliability and AVE from stage 1 (the repeated-indicators or rewired model), the
higher-order construct's from its loadings on the dimensions (stage 2: reflective–reflective),
and for a reflective–formative HOC (mode B) its weights on the dimensions with their VIFs
(``quality.item_vif``).  One table row per construct and level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csi.derive.base import JSON, Context, Outcome
from csi.derive.indices import INDEXERS
from csi.derive.quality import assess


@dataclass(frozen=True)
class HigherOrderReport:
    table: pd.DataFrame  # one row per (hoc, level, construct)

    def to_contract(self) -> JSON:
        out: list[JSON] = []
        for r in self.table.to_dict("records"):
            out.append({str(k): (None if isinstance(v, float) and not np.isfinite(v) else (float(v) if isinstance(v, (float, np.floating)) else str(v)))
                        for k, v in r.items()})
        return out

    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"higher-order constructs": self.table}


def _row(hoc: str, level: str, code: str, index: float, rel: pd.DataFrame, weight: float, loading: float) -> dict[str, object]:
    r: dict[str, float] = {str(k): float(v) for k, v in rel.loc[code].to_dict().items()} if code in rel.index else {}
    return {"hoc": hoc, "level": level, "construct": code, "index": index,
            **{k: r.get(k, np.nan) for k in ("alpha", "rho_a", "rho_c", "ave")},
            "hoc_weight": weight, "hoc_loading": loading}


class HigherOrderDerivation:
    key = "higher_order"
    requires: tuple[str, ...] = ("quality", "indices")
    default = True

    def __call__(self, ctx: Context) -> Outcome:
        hocs = [t for t in ctx.survey.settings.get("transforms", []) if t.get("kind") == "higher_order"]
        if not hocs:
            return Outcome(None)
        prepared = ctx.results.get("prepared")
        stage1 = getattr(prepared, "stage1", None)
        q2 = ctx.results["quality"].reliability  # type: ignore[attr-defined]
        idx2 = ctx.results["indices"].index  # type: ignore[attr-defined]
        q1 = assess(stage1).reliability if stage1 is not None else None
        idx1 = None
        if stage1 is not None:
            got = getattr(prepared, "stage1_items", None)
            items1: pd.DataFrame = ctx.survey.items if got is None else got
            idx1 = INDEXERS.get(ctx.options.index).fit(stage1, items1, ctx.spec.scale_min, ctx.spec.scale_max).index
        rows = []
        for t in hocs:
            h = t["code"]
            rows.append(_row(h, "higher", h, float(idx2[h]), q2, np.nan, np.nan))
            for d in t["dimensions"]:
                two = t["method"] != "repeated"
                w = float(ctx.pls.weights[(h, d)]) if two else np.nan
                lam = float(ctx.pls.loadings[(h, d)]) if two else float(ctx.pls.paths.get((h, d), np.nan))
                if two and q1 is not None and idx1 is not None:
                    rows.append(_row(h, "lower", d, float(idx1[d]), q1, w, lam))
                else:
                    rows.append(_row(h, "lower", d, float(idx2.get(d, np.nan)), q2, w, lam))
        return Outcome(HigherOrderReport(pd.DataFrame(rows)))


derivation = HigherOrderDerivation()
