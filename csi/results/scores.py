"""Results of ``csi score``: indices of many waves (and segments), their changes and weight drift.

Renderers read :class:`ScoreResults`; ``to_dict`` is scores.json (see :mod:`csi.results.contract`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csi.derive.base import JSON
from csi.model.spec import ModelSpec

ALL_SEGMENTS = "(all)"


@dataclass(frozen=True)
class UnitResult:
    """One scored unit: a whole wave, or one segment of a wave."""

    label: str
    source: str
    position: int
    fields: tuple[tuple[str, str], ...]
    segment: tuple[str, str] | None
    n: int
    n_read: int
    seed: int
    index: pd.Series  # by construct, 0–100
    std_error: pd.Series
    ci_lo: pd.Series
    ci_hi: pd.Series
    draws: np.ndarray | None  # (resamples used, constructs)
    normalized_weights: pd.Series
    item_mean: np.ndarray  # unweighted, in spec.items order (for weight drift)
    item_cov: np.ndarray  # unweighted, n − 1
    resamples: int
    resamples_used: int
    sheet: str | None = None
    warnings: tuple[str, ...] = ()

    @property
    def series(self) -> tuple[tuple[str, str], ...]:
        return self.fields + ((self.segment,) if self.segment is not None else ())

    @property
    def name(self) -> str:
        parts = [f"{k}={v}" for k, v in self.series]
        return f"{self.label} ({', '.join(parts)})" if parts else self.label


def _series_groups(units: Sequence[UnitResult]) -> dict[tuple[tuple[str, str], ...], list[UnitResult]]:
    groups: dict[tuple[tuple[str, str], ...], list[UnitResult]] = {}
    for u in sorted(units, key=lambda u: u.position):
        groups.setdefault(u.series, []).append(u)
    return groups


@dataclass(frozen=True)
class FailedWave:
    label: str
    source: str
    error: str


@dataclass(frozen=True)
class ScoreResults:
    """Indices of many waves, their changes and (refit) weight drift; renderers read this."""

    spec: ModelSpec
    mode: str
    settings: Mapping[str, JSON]
    units: tuple[UnitResult, ...]
    changes: pd.DataFrame
    drift: pd.DataFrame
    failed: tuple[FailedWave, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def level(self) -> float:
        level = self.settings["level"]
        assert isinstance(level, (int, float))
        return float(level)

    @property
    def labels(self) -> list[str]:
        """Wave labels in job order (first appearance)."""
        return list(dict.fromkeys(u.label for u in sorted(self.units, key=lambda u: u.position)))

    def series_columns(self) -> list[str]:
        names: list[str] = []
        for u in self.units:
            for k, _ in u.series:
                if k not in names:
                    names.append(k)
        return names

    def _series_frame(self, series: Sequence[tuple[tuple[str, str], ...]]) -> pd.DataFrame:
        cols = self.series_columns()
        return pd.DataFrame([{c: dict(s).get(c, ALL_SEGMENTS if c == self.settings.get("segments") else "") for c in cols} for s in series], columns=cols)

    def long(self) -> pd.DataFrame:
        """One row per wave (× segment) × construct: index, SE, interval, n."""
        rows = []
        for u in self.units:
            for code in self.spec.codes:
                rows.append({
                    "series": u.series, "wave": u.label, "n": u.n, "construct": code,
                    "index": u.index[code], "std_error": u.std_error[code],
                    "ci_lo": u.ci_lo[code], "ci_hi": u.ci_hi[code], "resamples_used": u.resamples_used,
                })
        df = pd.DataFrame(rows)
        if df.empty:
            return df
        return pd.concat([self._series_frame(df["series"].tolist()), df.drop(columns=["series"])], axis=1)

    def trend(self) -> pd.DataFrame:
        """Wide trend table: one row per series × construct, one column per wave label."""
        rows = []
        for series, us in _series_groups(self.units).items():
            by_label = {u.label: u for u in us}
            for code in self.spec.codes:
                row: dict[str, Any] = {"series": series, "construct": code}
                for lab in self.labels:
                    row[lab] = by_label[lab].index[code] if lab in by_label else np.nan
                rows.append(row)
        df = pd.DataFrame(rows)
        return pd.concat([self._series_frame(df["series"].tolist()), df.drop(columns=["series"])], axis=1)

    def changes_table(self) -> pd.DataFrame:
        df = self.changes
        if df.empty:
            return df.drop(columns=["series"])
        return pd.concat([self._series_frame(df["series"].tolist()), df.drop(columns=["series"]).reset_index(drop=True)], axis=1)

    def drift_table(self) -> pd.DataFrame:
        df = self.drift
        if df.empty:
            return df.drop(columns=["series"])
        return pd.concat([self._series_frame(df["series"].tolist()), df.drop(columns=["series"]).reset_index(drop=True)], axis=1)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The sheets of scores.xlsx."""
        out = {"trend": self.trend(), "long": self.long(), "changes": self.changes_table()}
        if self.mode == "refit":
            out["weight_drift"] = self.drift_table()
        if self.failed:
            out["failed"] = pd.DataFrame([{"wave": f.label, "file": f.source, "error": f.error} for f in self.failed])
        out["warnings"] = pd.DataFrame({"warning": list(self.warnings)})
        return out

    def to_dict(self) -> dict[str, Any]:
        """scores.json (schema_version 2), built by :func:`csi.results.contract.scores_to_dict`."""
        from csi.results.contract import scores_to_dict

        return scores_to_dict(self)

    def summary(self) -> str:
        """The terminal report as plain text (the ``scores-text`` renderer)."""
        from csi.results.types import score_summary

        return score_summary(self)
