"""TODO docstring."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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
    settings: Mapping[str, Any]
    units: tuple[UnitResult, ...]
    changes: pd.DataFrame
    drift: pd.DataFrame
    failed: tuple[FailedWave, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def level(self) -> float:
        return float(self.settings["level"])

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
        """scores.json: ``waves`` (label, n, per construct index and interval) and ``changes``."""
        from csi.results.contract import clean

        def ci(lo: float, hi: float) -> list[float] | None:
            return [lo, hi] if np.isfinite(lo) and np.isfinite(hi) else None

        drift: dict[tuple[Any, str], dict[str, Any]] = {}
        for r in self.drift.to_dict(orient="records"):
            drift.setdefault((r["series"], r["wave"]), {})[r["construct"]] = {
                "baseline": r["baseline"], "max_weight_change": r["max_weight_change"], "item": r["item"],
                "compositional_c": r["compositional_c"],
            }
        waves = []
        for u in self.units:
            waves.append({
                "label": u.label,
                "source": u.source,
                "fields": dict(u.fields),
                "segment": None if u.segment is None else {"column": u.segment[0], "value": u.segment[1]},
                "n": u.n,
                "constructs": [
                    {"name": c, "index": u.index[c], "interval": ci(u.ci_lo[c], u.ci_hi[c]), "std_error": u.std_error[c]}
                    for c in self.spec.codes
                ],
                "weight_drift": drift.get((u.series, u.label)),
                "normalized_weights": {c: u.normalized_weights.loc[c].to_dict() for c in self.spec.codes},
                "settings": {"seed": u.seed, "resamples": u.resamples, "resamples_used": u.resamples_used,
                             "n_read": u.n_read, "sheet": u.sheet},
                "warnings": list(u.warnings),
            })
        changes = [
            {
                "fields": {k: v for k, v in r["series"] if k != self.settings.get("segments")},
                "segment": next(({"column": k, "value": v} for k, v in r["series"] if k == self.settings.get("segments")), None),
                "construct": r["construct"], "from": r["from"], "to": r["to"],
                "consecutive": r["consecutive"], "vs_first": r["vs_first"],
                "delta": r["delta"], "interval": ci(r["ci_lo"], r["ci_hi"]), "std_error": r["std_error"],
                "p_value": r["p_value"], "significant": r["significant"], "resamples": r["resamples"],
            }
            for r in self.changes.to_dict(orient="records")
        ]
        from csi.results.contract import SCHEMA_VERSION

        out = {
            "schema_version": SCHEMA_VERSION,
            "kind": "scores",
            "csi_version": self.settings.get("versions", {}).get("csi"),
            "model": {"name": self.spec.name, "label": self.spec.label,
                      "constructs": [{"code": c.code, "label": c.label} for c in self.spec.constructs]},
            "mode": self.mode,
            "settings": dict(self.settings),
            "waves": waves,
            "changes": changes,
            "failed": [{"label": f.label, "source": f.source, "error": f.error} for f in self.failed],
            "warnings": list(self.warnings),
        }
        return clean(out)

    def summary(self) -> str:
        from csi.report.terminal import render_scores_text

        return render_scores_text(self)
