"""Results of ``csi aggregate``: a national index programme (company → industry → sector → national).

:class:`ProgrammeResults` holds the per-unit results (company × wave, with their bootstrap draws),
one long table of every level's indices and one of their wave-on-wave changes; renderers read it
(or ``programme.json``, built by :meth:`ProgrammeResults.to_dict`; JSON Schema
``csi/results/schema/programme.schema.json``).  The formulas are in :mod:`csi.workflows.programme`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csi.derive.base import JSON
from csi.errors import Issue
from csi.model.spec import ModelSpec
from csi.results.scores import UnitResult

PROGRAMME_SCHEMA_VERSION = 1
LEVELS: tuple[str, ...] = ("company", "industry", "sector", "national")
NATIONAL = "national"


@dataclass(frozen=True)
class ProgrammeUnit:
    """One company's survey in one wave, as listed in the manifest."""

    company: str
    industry: str
    sector: str
    wave: str
    path: str
    weight: float
    sheet: str | None = None


@dataclass(frozen=True)
class UnitOutcome:
    """What became of a unit: ``scored``, ``excluded`` (too few respondents) or ``failed``."""

    unit: ProgrammeUnit
    status: str
    result: UnitResult | None = None
    reason: str | None = None
    cached: bool = False


@dataclass(frozen=True)
class ProgrammeResults:
    """Indices of every level and wave with intervals, their changes, coverage and cache counts.

    ``levels``: one row per level × name × wave × construct (``index``, ``std_error``, ``ci_lo``,
    ``ci_hi``, ``members`` scored, ``listed`` in the manifest, ``coverage`` = weight share of the
    listed members that were scored, ``n`` respondents, ``resamples`` used).  ``changes``: one row per
    level × name × construct × compared pair (``delta``, interval, ``std_error``, ``p_value``,
    ``significant``).  ``draws[(level, name, wave)]``: the aggregate's bootstrap draws (B × K).
    """

    name: str
    spec: ModelSpec
    construct: str
    waves: tuple[str, ...]
    compare: tuple[tuple[str, str], ...]
    sectors: Mapping[str, tuple[str, ...]]
    settings: Mapping[str, JSON]
    outcomes: tuple[UnitOutcome, ...]
    levels: pd.DataFrame
    changes: pd.DataFrame
    draws: Mapping[tuple[str, str, str], np.ndarray]
    issues: tuple[Issue, ...] = ()
    computed: int = 0
    cache_hits: int = 0

    @property
    def level(self) -> float:
        v = self.settings["level"]
        assert isinstance(v, (int, float))
        return float(v)

    def index_of(self, level: str, name: str, wave: str, construct: str | None = None) -> float:
        """One published index (NaN when that level × name × wave has no scored member)."""
        df = self.levels
        m = (df["level"] == level) & (df["name"] == name) & (df["wave"] == wave) & (df["construct"] == (construct or self.construct))
        return float(df.loc[m, "index"].iloc[0]) if m.any() else math.nan

    def change_of(self, level: str, name: str, frm: str, to: str, construct: str | None = None) -> pd.Series:
        """One change row (delta, ci_lo, ci_hi, p_value, significant, …)."""
        df = self.changes
        m = ((df["level"] == level) & (df["name"] == name) & (df["from"] == frm) & (df["to"] == to)
             & (df["construct"] == (construct or self.construct)))
        if not m.any():
            raise KeyError(f"no change {level} {name} {frm} → {to}")
        return df.loc[m].iloc[0]

    def units_table(self) -> pd.DataFrame:
        rows = []
        for o in self.outcomes:
            u, r = o.unit, o.result
            rows.append({"company": u.company, "industry": u.industry, "sector": u.sector, "wave": u.wave,
                         "file": u.path, "weight": u.weight, "status": o.status, "cached": o.cached,
                         "n": None if r is None else r.n, "index": None if r is None else float(r.index[self.construct]),
                         "reason": o.reason or ""})
        return pd.DataFrame(rows)

    def trend(self) -> pd.DataFrame:
        """The headline construct: one row per level × name, one column per wave."""
        df = self.levels[self.levels["construct"] == self.construct]
        if df.empty:
            return pd.DataFrame(columns=["level", "name", *self.waves])
        wide = df.pivot_table(index=["level", "name"], columns="wave", values="index", aggfunc="first", sort=False)
        wide = wide.reindex(columns=[w for w in self.waves if w in wide.columns]).reset_index()
        order = {lev: k for k, lev in enumerate(LEVELS)}
        return wide.sort_values("level", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The sheets of programme.xlsx: one per level, the trend, the changes, the units and issues."""
        out: dict[str, pd.DataFrame] = {}
        for lev in reversed(LEVELS):
            out[lev] = self.levels[self.levels["level"] == lev].drop(columns=["level"]).reset_index(drop=True)
        out["trend"] = self.trend()
        out["changes"] = self.changes
        out["units"] = self.units_table()
        out["issues"] = pd.DataFrame([i.to_dict() for i in self.issues], columns=["category", "message", "gate"])
        return out

    def to_dict(self) -> dict[str, Any]:
        """programme.json (see :mod:`csi.workflows.programme` and the JSON Schema)."""
        from csi._version import __version__

        return {
            "schema_version": PROGRAMME_SCHEMA_VERSION,
            "kind": "programme",
            "csi_version": __version__,
            "name": self.name,
            "model": self.spec.name,
            "construct": self.construct,
            "constructs": list(self.spec.codes),
            "waves": list(self.waves),
            "compare": [list(p) for p in self.compare],
            "hierarchy": {"sectors": {s: list(ind) for s, ind in self.sectors.items()}},
            "settings": dict(self.settings),
            "cache": {"computed": self.computed, "hits": self.cache_hits},
            "issues": [i.to_dict() for i in self.issues],
            "units": [_unit_record(o, self.construct) for o in self.outcomes],
            "levels": [_level_record(r) for r in self.levels.to_dict("records")],
            "changes": [_change_record(r) for r in self.changes.to_dict("records")],
        }


def _num(v: Any) -> float | None:
    f = float(v)
    return f if math.isfinite(f) else None


def _unit_record(o: UnitOutcome, construct: str) -> dict[str, Any]:
    u, r = o.unit, o.result
    rec: dict[str, Any] = {"company": u.company, "industry": u.industry, "sector": u.sector, "wave": u.wave,
                           "file": u.path, "weight": u.weight, "status": o.status, "reason": o.reason, "cached": o.cached}
    if r is not None:
        rec.update({"n": r.n, "seed": r.seed, "resamples_used": r.resamples_used,
                    "index": _num(r.index[construct]), "ci": [_num(r.ci_lo[construct]), _num(r.ci_hi[construct])]})
    return rec


def _level_record(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {"level": r["level"], "name": r["name"], "parent": r["parent"], "wave": r["wave"], "construct": r["construct"],
            "index": _num(r["index"]), "std_error": _num(r["std_error"]), "ci": [_num(r["ci_lo"]), _num(r["ci_hi"])],
            "members": int(r["members"]), "listed": int(r["listed"]), "coverage": _num(r["coverage"]),
            "n": int(r["n"]), "resamples": int(r["resamples"])}


def _change_record(r: Mapping[Any, Any]) -> dict[str, Any]:
    return {"level": r["level"], "name": r["name"], "construct": r["construct"], "from": r["from"], "to": r["to"],
            "delta": _num(r["delta"]), "ci": [_num(r["ci_lo"]), _num(r["ci_hi"])], "std_error": _num(r["std_error"]),
            "p_value": _num(r["p_value"]), "significant": bool(r["significant"]), "resamples": int(r["resamples"]),
            "coverage_from": _num(r["coverage_from"]), "coverage_to": _num(r["coverage_to"])}
