"""Failure-weighted service-quality index (the FedEx SQI of the curriculum), with control charts.

An event log has one row per recorded failure (or a count of them): ``date``, ``type`` and
optionally ``count`` (default 1), ``volume`` (units handled; a period's volume is the sum of the
column over its rows, so record a day's volume once) and ``measure`` (e.g. seconds to answer, for
the hard standard).  For period ``t`` (day, week starting Monday, or calendar month; every period
between the first and the last date, empty ones as 0):

* ``SQI_t = Σ_k w_k n_kt`` with ``n_kt`` the failures of type ``k`` and ``w_k`` its weight;
* per 1,000 units: ``u_t = SQI_t / (V_t / 1000)``;
* c-chart of the weighted count (a demerit chart, Montgomery 2009 §7.3.3): centre
  ``c̄ = Σ_k w_k n̄_k`` (``n̄_k`` the mean count of type ``k`` per period), limits
  ``c̄ ± 3 √(Σ_k w_k² n̄_k)`` (lower limit at least 0) — each type's count taken as Poisson;
* u-chart per 1,000 units: ``ū = Σ_t SQI_t / Σ_t (V_t/1000)``, limits
  ``ū ± 3 √(Σ_k w_k² ū_k / (V_t/1000))`` with ``ū_k = Σ_t n_kt / Σ_t (V_t/1000)``;
* hard standard (``--target T``): an event with a ``measure`` meets it when ``measure ≤ T``;
  attainment ``p_t = met_t / m_t`` and the p-chart ``p̄ ± 3 √(p̄(1 − p̄)/m_t)``, ``p̄ = Σ met / Σ m``.

Weights: a YAML mapping ``type: weight`` (or under ``weights:``); the built-in default is the
curriculum's table (:data:`DEFAULT_WEIGHTS`).  Types match case-insensitively with spaces,
hyphens and underscores alike.  An event of a type without a weight, or a negative weight, is a
named error.  Validated (``tests/workflows/test_sqi.py``) against hand sums per day on a generated
log and against the chart formulas written out in the test.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from csi.errors import DataError, SpecError

DEFAULT_WEIGHTS: dict[str, float] = {
    "lost": 50.0,
    "damaged": 30.0,
    "late beyond a day": 10.0,
    "complaint reopened": 10.0,
    "invoice adjustment": 3.0,
    "aircraft delay": 3.0,
    "trace not answered": 3.0,
    "late within a day": 1.0,
}
PERIODS = ("day", "week", "month")


def _norm(name: object) -> str:
    return re.sub(r"[\s_\-]+", " ", str(name).strip().lower())


def load_weights(path: str | Path | None) -> dict[str, float]:
    """Failure weights from a YAML file (``type: weight``, optionally under ``weights:``), or the default table."""
    if path is None:
        return dict(DEFAULT_WEIGHTS)
    where = str(path)
    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except OSError as exc:
        raise SpecError(f"{where}: cannot read the weights file ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1 and node.value[0][0].value == "weights":
        node = node.value[0][1]
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise SpecError(f"{where}: expected a mapping of failure type to weight, e.g. 'lost: 50'")
    weights: dict[str, float] = {}
    for k, v in node.value:
        line = k.start_mark.line + 1
        try:
            w = float(v.value) if isinstance(v, yaml.ScalarNode) else float("nan")
        except ValueError:
            w = float("nan")
        if not np.isfinite(w):
            raise SpecError(f"{where} line {line}: the weight of failure type {k.value!r} should be a number; got {v.value!r}")
        if w < 0:
            raise SpecError(f"{where} line {line}: the weight of failure type {k.value!r} is negative ({w:g}); weights should be 0 or more")
        if _norm(k.value) in weights:
            raise SpecError(f"{where} line {line}: failure type {k.value!r} is listed twice")
        weights[_norm(k.value)] = w
    return weights


def read_events(path: str | Path) -> pd.DataFrame:
    """The event log (csv or xlsx) with columns date, type and optionally count, volume, measure."""
    p = Path(path)
    try:
        raw = pd.read_excel(p) if p.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(p)
    except FileNotFoundError:
        raise DataError(f"{p}: no such file") from None
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{p}: cannot read the event log ({exc})") from None
    return check_events(raw, str(p))


def check_events(raw: pd.DataFrame, where: str) -> pd.DataFrame:
    """Columns renamed to lower case and checked; every problem in one DataError naming column and row."""
    df = raw.rename(columns={c: str(c).strip().lower() for c in raw.columns})
    missing = [c for c in ("date", "type") if c not in df.columns]
    if missing:
        raise DataError(f"{where}: the event log needs column(s) {', '.join(missing)}; found {', '.join(map(str, raw.columns))}")
    problems = []
    dates = pd.to_datetime(df["date"], errors="coerce")
    for r in np.flatnonzero(dates.isna().to_numpy())[:5]:
        problems.append(f"row {r + 2}: date {str(df['date'].iloc[r])!r} is not a date")
    out = pd.DataFrame({"date": dates.dt.normalize(), "type": df["type"].map(_norm)})
    for col, default in (("count", 1.0), ("volume", np.nan), ("measure", np.nan)):
        if col in df.columns:
            vals = pd.to_numeric(df[col], errors="coerce")
            bad = (vals.isna() & df[col].notna()) | (vals < 0)
            for r in np.flatnonzero(bad.to_numpy())[:5]:
                problems.append(f"row {r + 2}: {col} {str(df[col].iloc[r])!r} should be a number of 0 or more")
            out[col] = vals.fillna(default if col == "count" else np.nan)
        else:
            out[col] = default
    if problems:
        raise DataError(f"{where}: " + "; ".join(problems))
    return out


@dataclass(frozen=True)
class SQIResults:
    """Per-period SQI, its control limits and (with a target) hard-standard attainment."""

    table: pd.DataFrame  # index period; counts by type, sqi, c-chart limits, volume, per_1000, u-chart limits
    attainment: pd.DataFrame | None  # index period; events, met, share, p-chart limits
    weights: Mapping[str, float]
    settings: Mapping[str, object] = field(default_factory=dict)

    def to_contract(self) -> dict[str, object]:
        def rows(t: pd.DataFrame) -> list[dict[str, object]]:
            return [{"period": str(p), **{str(k): (None if pd.isna(v) else float(v)) for k, v in r.items()}} for p, r in t.iterrows()]

        return {"sqi": rows(self.table), "attainment": None if self.attainment is None else rows(self.attainment),
                "weights": dict(self.weights), "settings": dict(self.settings)}


def _period(dates: pd.Series, period: str) -> pd.Series:
    freq = {"day": "D", "week": "W-SUN", "month": "M"}[period]
    return dates.dt.to_period(freq)


def compute(events: pd.DataFrame, weights: Mapping[str, float], period: str = "day", target: float | None = None,
            where: str = "events") -> SQIResults:
    """SQI per period, per 1,000 units, c/u-chart limits and hard-standard attainment (module docstring)."""
    if period not in PERIODS:
        raise DataError(f"--period should be one of {', '.join(PERIODS)}; got {period!r}")
    if events.empty:
        raise DataError(f"{where}: the event log has no rows")
    unknown = sorted(set(events["type"]) - set(weights))
    if unknown:
        rows = [int(np.flatnonzero((events["type"] == u).to_numpy())[0]) + 2 for u in unknown]
        listed = ", ".join(f"{u!r} (row {r})" for u, r in zip(unknown, rows, strict=True))
        raise DataError(f"{where}: unknown failure type {listed}; the weights know {', '.join(sorted(weights))}")
    per = _period(events["date"], period)
    full = pd.period_range(per.min(), per.max(), freq=per.dt.freq)
    types = list(weights)
    n = events.assign(period=per).pivot_table(index="period", columns="type", values="count", aggfunc="sum")
    n = n.reindex(index=full, columns=types).fillna(0.0)
    w = np.array([weights[t] for t in types])
    t = pd.DataFrame(n.to_numpy(), index=pd.Index(full.astype(str), name="period"), columns=types)
    t["sqi"] = n.to_numpy() @ w
    nbar = n.to_numpy().mean(axis=0)
    c_centre, c_sd = float(nbar @ w), float(np.sqrt(nbar @ w**2))
    t["c_centre"], t["c_ucl"], t["c_lcl"] = c_centre, c_centre + 3 * c_sd, max(0.0, c_centre - 3 * c_sd)
    vol = events.assign(period=per).groupby("period")["volume"].sum(min_count=1).reindex(full).to_numpy(dtype=float)
    t["volume"] = vol
    if np.isfinite(vol).any():
        k = vol / 1000.0
        ok = np.isfinite(k) & (k > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            t["per_1000"] = np.where(ok, t["sqi"] / k, np.nan)
            ubar_k = n.to_numpy()[ok].sum(axis=0) / k[ok].sum()
            ubar = float(ubar_k @ w)
            sd = np.sqrt((ubar_k @ w**2) / k)
        t["u_centre"], t["u_ucl"], t["u_lcl"] = ubar, np.where(ok, ubar + 3 * sd, np.nan), np.where(ok, np.maximum(0.0, ubar - 3 * sd), np.nan)
    att = None if target is None else _attainment(events, per, full, float(target))
    settings = {"period": period, "target": target, "weights": "default (curriculum table)" if dict(weights) == DEFAULT_WEIGHTS else "given",
                "c_chart": "demerit chart: centre sum_k w_k mean(n_k), limits +/- 3 sqrt(sum_k w_k^2 mean(n_k))",
                "u_chart": "per 1,000 units: centre sum SQI / sum(volume/1000), limits +/- 3 sqrt(sum_k w_k^2 u_k / (volume_t/1000))",
                "p_chart": "p-bar +/- 3 sqrt(p-bar (1 - p-bar) / m_t); an event meets the standard when measure <= target"}
    return SQIResults(t, att, dict(weights), settings)


def _attainment(events: pd.DataFrame, per: pd.Series, full: pd.PeriodIndex, target: float) -> pd.DataFrame:
    has = events["measure"].notna()
    if not has.any():
        raise DataError("--target needs a 'measure' column in the event log (e.g. seconds to answer)")
    e = events.assign(period=per, met=(events["measure"] <= target).astype(float))[has]
    g = e.groupby("period").agg(events=("met", "size"), met=("met", "sum")).reindex(full).fillna(0.0)
    g.index = pd.Index(full.astype(str), name="period")
    with np.errstate(invalid="ignore", divide="ignore"):
        g["share"] = g["met"] / g["events"]
        pbar = float(g["met"].sum() / g["events"].sum())
        sd = np.sqrt(pbar * (1 - pbar) / g["events"])
    g["p_centre"], g["p_ucl"], g["p_lcl"] = pbar, np.minimum(1.0, pbar + 3 * sd), np.maximum(0.0, pbar - 3 * sd)
    return g


def run_sqi(path: str | Path, weights: str | Path | None = None, period: str = "day", target: float | None = None) -> SQIResults:
    """``csi sqi EVENTS``: read the log and the weights, compute every period's SQI."""
    return compute(read_events(path), load_weights(weights), period, target, where=str(path))
