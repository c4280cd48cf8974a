"""A toy index method as a plug-in: every item of a construct weighs 1/k (one module, one registration).

index_k = mean over the construct's k items of (x̄ᵢ − min)/(max − min) × 100.
"""

from __future__ import annotations

import numpy as np

from csi.derive.indices import INDEXERS, LinearIndexer
from csi.estimators.base import Layout


class UnitIndexer(LinearIndexer):
    key = "unit"
    description = "unit weights: every item 1/k of its construct; (mean - min)/(max - min) x 100"

    def normalized(self, w: np.ndarray, sd: np.ndarray, layout: Layout, standardized: bool) -> np.ndarray:
        k = layout.member.sum(axis=0)[layout.block]  # items in each item's construct
        return np.broadcast_to(1.0 / k, np.shape(w)).copy()


def register() -> None:
    if "unit" not in INDEXERS:
        INDEXERS.register("unit", UnitIndexer())


def unregister() -> None:
    INDEXERS.unregister("unit")
