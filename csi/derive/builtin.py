"""The built-in derivations of ``csi fit``: quality, indices, ipma, tiers.

Each is registered in :data:`csi.derive.base.DERIVATIONS` (lazily, by name, in
:mod:`csi.derive.base`) and wraps the pure function of its module; their results are also the
typed attributes ``res.quality``, ``res.indices``, ``res.ipma``/``res.ipma_items`` and
``res.tiers`` of :class:`csi.results.types.FitResults`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csi.derive.base import Context, Outcome
from csi.derive.indices import INDEXERS, configure
from csi.derive.ipma import ipma, ipma_items
from csi.derive.quality import assess, quality_warnings
from csi.derive.tiers import compute_tiers
from csi.errors import Issue


class QualityDerivation:
    """Reliability, validity and structural quality (:mod:`csi.derive.quality`)."""

    key = "quality"
    requires: tuple[str, ...] = ()
    default = True

    def __call__(self, ctx: Context) -> Outcome:
        q = assess(ctx.pls)
        return Outcome(q, tuple(Issue.of("quality", w) for w in quality_warnings(q)))


class IndexDerivation:
    """0–100 indices and respondent scores by the index method ``--index`` (default ``acsi``)."""

    key = "indices"
    requires: tuple[str, ...] = ()
    default = True

    def __call__(self, ctx: Context) -> Outcome:
        indexer = configure(INDEXERS.get(ctx.options.index), ctx.spec)
        idx = indexer.fit(ctx.pls, ctx.survey.items, ctx.spec.scale_min, ctx.spec.scale_max)
        return Outcome(idx, tuple(Issue.of("index", w) for w in idx.warnings))


@dataclass(frozen=True)
class IPMA:
    """Construct-level and item-level importance–performance maps."""

    construct: pd.DataFrame
    items: pd.DataFrame


class IPMADerivation:
    """Importance–performance map (:mod:`csi.derive.ipma`)."""

    key = "ipma"
    requires: tuple[str, ...] = ("indices",)
    default = True

    def __call__(self, ctx: Context) -> Outcome:
        idx = ctx.results["indices"]
        construct = ipma(ctx.pls, idx, target=ctx.options.ipma_target)  # type: ignore[arg-type]
        return Outcome(IPMA(construct, ipma_items(ctx.pls, idx, construct)))  # type: ignore[arg-type]


class TierDerivation:
    """Loyalty tiers (:mod:`csi.derive.tiers`); ``--tiers none`` gives no result."""

    key = "tiers"
    requires: tuple[str, ...] = ("indices",)
    default = True

    def __call__(self, ctx: Context) -> Outcome:
        schemes = ctx.options.tiers
        if schemes is not None and not len(schemes):
            return Outcome(None)
        tiers = compute_tiers(ctx.spec, ctx.survey, ctx.results["indices"], schemes=schemes)  # type: ignore[arg-type]
        return Outcome(tiers, tuple(Issue.of("tiers", w) for w in tiers.warnings))


quality = QualityDerivation()
indices = IndexDerivation()
ipma_map = IPMADerivation()
tiers = TierDerivation()
