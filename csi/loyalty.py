"""Loyalty tiers: per-respondent tier and tier shares (overall and by segment).

Net Promoter on the model's "would recommend" item (role ``recommend``): promoters 9–10,
passives 7–8, detractors ≤ 6; NPS = %promoters − %detractors.  On a 1–10 item the same
integer cut-offs are used and the scheme says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csi.errors import CsiError
from csi.indices import Indices
from csi.spec import ModelSpec
from csi.survey import SurveyData

TIER_SCHEMES = {"nps": "Net Promoter on the 'recommend' item: promoters 9–10, passives 7–8, detractors ≤ 6"}


@dataclass(frozen=True)
class TierResults:
    schemes: tuple[str, ...]
    groups: pd.DataFrame  # scheme, segment, tier, count, share, ci_lo, ci_hi
    respondent: pd.DataFrame  # one column per scheme
    summary: dict[str, Any] = field(default_factory=dict)  # e.g. {"nps": 12.3}
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"schemes": list(self.schemes), "summary": self.summary, "groups": self.groups.to_dict(orient="records")}


def wilson(count: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    from scipy.stats import norm

    if n <= 0:
        return (np.nan, np.nan)
    z = norm.ppf(0.5 + level / 2)
    p = count / n
    den = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    return (centre - half, centre + half)


def compute_tiers(spec: ModelSpec, survey: SurveyData, idx: Indices, schemes: Sequence[str] | None = None) -> TierResults:
    chosen = tuple(schemes) if schemes is not None else tuple(s for s in TIER_SCHEMES if s != "nps" or spec.role("recommend"))
    for s in chosen:
        if s not in TIER_SCHEMES:
            raise CsiError(f"--tiers should be a list of {', '.join(TIER_SCHEMES)} (or none); got {s!r}")
    resp = pd.DataFrame(index=survey.items.index)
    rows = []
    summary: dict[str, Any] = {}
    for s in chosen:
        item = spec.role("recommend")
        if item is None:
            raise CsiError(f"tier scheme nps needs a 'recommend' item in the model's roles; model {spec.name} has none")
        x = survey.items[item]
        tier = np.where(x >= 9, "promoter", np.where(x >= 7, "passive", "detractor"))
        resp[s] = tier
        n = len(tier)
        for t in ("promoter", "passive", "detractor"):
            c = int((tier == t).sum())
            lo, hi = wilson(c, n)
            rows.append({"scheme": s, "segment": "all", "tier": t, "count": c, "share": c / n, "ci_lo": lo, "ci_hi": hi})
        summary["nps"] = 100 * ((tier == "promoter").mean() - (tier == "detractor").mean())
    return TierResults(chosen, pd.DataFrame(rows), resp, summary)
