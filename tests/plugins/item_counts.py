"""A toy derivation as a plug-in: items and index per construct (one module, one registration)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from csi.derive.base import DERIVATIONS, JSON, Context, Outcome
from csi.errors import Issue


@dataclass(frozen=True)
class ItemCounts:
    table: pd.DataFrame  # index: construct; columns: items, index

    def to_contract(self) -> JSON:
        return [{"construct": str(c), "items": int(r["items"]), "index": float(r["index"])} for c, r in self.table.iterrows()]

    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"items per construct": self.table}


class ItemCountDerivation:
    key = "item_counts"
    requires: tuple[str, ...] = ("indices",)
    default = True

    def __call__(self, ctx: Context) -> Outcome:
        idx = ctx.results["indices"].index  # type: ignore[attr-defined]
        table = pd.DataFrame(
            {"items": [len(c.items) for c in ctx.spec.constructs], "index": [float(idx[c.code]) for c in ctx.spec.constructs]},
            index=pd.Index(list(ctx.spec.codes), name="construct"),
        )
        single = [c.code for c in ctx.spec.constructs if len(c.items) == 1]
        issues = (Issue.of("item_counts", f"single-item constructs: {', '.join(single)}"),) if single else ()
        return Outcome(ItemCounts(table), issues)


def register() -> None:
    if "item_counts" not in DERIVATIONS:
        DERIVATIONS.register("item_counts", ItemCountDerivation())


def unregister() -> None:
    DERIVATIONS.unregister("item_counts")
