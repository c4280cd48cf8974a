"""Charts of the service-quality toolkit: SQI trend with control limits, hard-standard p-chart, SERVQUAL gaps.

Each is a function of the JSON its command writes (``sqi.json``, ``servqual.json``), so the numbers
drawn are the numbers in the file.  User text (failure types, periods, dimension names) is drawn
with mathtext off, so a ``$`` in a label stays a dollar sign.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib
import numpy as np

from csi.report.charts.base import INK, OKABE_ITO, Chart, _chart, _slide

_PLAIN: dict[Any, Any] = {"text.parse_math": False}


def _series(rows: list[Mapping[str, Any]], key: str) -> np.ndarray:
    return np.array([np.nan if r.get(key) is None else float(r[key]) for r in rows])


def sqi_trend(d: Mapping[str, Any]) -> Chart:
    """SQI per period (per 1,000 units when volumes are given) with its u-/c-chart control limits."""
    rows = d["sqi"]
    per = [str(r["period"]) for r in rows]
    use_u = any(r.get("per_1000") is not None for r in rows)
    y = _series(rows, "per_1000" if use_u else "sqi")
    pre = "u" if use_u else "c"
    ucl, lcl, cen = _series(rows, f"{pre}_ucl"), _series(rows, f"{pre}_lcl"), _series(rows, f"{pre}_centre")
    out = int(np.nansum((y > ucl) | (y < lcl)))
    period = (d.get("settings") or {}).get("period", "period")
    with matplotlib.rc_context(_PLAIN):
        title = f"Service quality index by {period}: {out} of {len(rows)} periods outside the control limits"
        sub = ("Failure-weighted SQI per 1,000 units (u-chart)" if use_u else "Failure-weighted SQI (demerit c-chart)") + \
            "; lower is better; dashed lines: 3-sigma limits"
        fig = _slide(title, sub, "SQI = sum of weight x failures; weights: " + ", ".join(f"{k} {v:g}" for k, v in d["weights"].items()))
        ax = fig.add_axes((0.07, 0.16, 0.9, 0.62))
        x = np.arange(len(per))
        ax.plot(x, y, marker="o", color=OKABE_ITO["blue"], gid="sqi")
        ax.step(x, ucl, where="mid", color=OKABE_ITO["vermillion"], ls="--", gid="ucl")
        ax.step(x, lcl, where="mid", color=OKABE_ITO["vermillion"], ls="--", gid="lcl")
        ax.plot(x, cen, color=INK, lw=1, gid="centre")
        flag = (y > ucl) | (y < lcl)
        ax.scatter(x[flag], y[flag], s=80, color=OKABE_ITO["vermillion"], zorder=5)
        step = max(1, len(per) // 15)
        ax.set_xticks(x[::step], per[::step], rotation=30, ha="right")
        ax.set_ylabel("SQI per 1,000 units" if use_u else "SQI")
    return _chart("sqi_trend", title, sub, "", fig)


def attainment(d: Mapping[str, Any]) -> Chart:
    """Share of events meeting the hard standard per period, with the p-chart limits."""
    rows = d["attainment"]
    per = [str(r["period"]) for r in rows]
    p = _series(rows, "share")
    target = (d.get("settings") or {}).get("target")
    with matplotlib.rc_context(_PLAIN):
        title = f"Hard standard (measure <= {target}): met in {np.nanmean(p):.1%} of events on average"
        sub = "Share of events meeting the standard per period; dashed lines: p-chart 3-sigma limits"
        fig = _slide(title, sub, "")
        ax = fig.add_axes((0.07, 0.16, 0.9, 0.62))
        x = np.arange(len(per))
        ax.plot(x, p, marker="o", color=OKABE_ITO["green"], gid="share")
        ax.step(x, _series(rows, "p_ucl"), where="mid", color=OKABE_ITO["vermillion"], ls="--")
        ax.step(x, _series(rows, "p_lcl"), where="mid", color=OKABE_ITO["vermillion"], ls="--")
        ax.plot(x, _series(rows, "p_centre"), color=INK, lw=1)
        step = max(1, len(per) // 15)
        ax.set_xticks(x[::step], per[::step], rotation=30, ha="right")
        ax.set_ylim(0, 1.02)
    return _chart("sqi_attainment", title, sub, "", fig)


def servqual_gaps(d: Mapping[str, Any]) -> Chart:
    """Perception − expectation gap per dimension (bars) with intervals; negative = below expectations."""
    dims = [r for r in d["gaps"] if r["level"] == "dimension" and r.get("segment") is None]
    names = [str(r["name"]) for r in dims]
    g = np.array([float(r["gap"]) for r in dims])
    ci = np.array([r.get("ci") or [np.nan, np.nan] for r in dims], dtype=float)
    overall = next((r for r in d["gaps"] if r["level"] == "overall" and r.get("segment") is None), None)
    with matplotlib.rc_context(_PLAIN):
        worst = names[int(np.argmin(g))] if len(g) else "–"
        title = f"SERVQUAL: largest shortfall in {worst}" + (f"; overall gap {float(overall['gap']):+.2f}" if overall else "")
        sub = "Mean gap P - E per dimension (negative: service falls short of expectations); whiskers: bootstrap intervals"
        fig = _slide(title, sub, "")
        ax = fig.add_axes((0.2, 0.14, 0.75, 0.64))
        y = np.arange(len(names))
        ax.barh(y, g, color=[OKABE_ITO["vermillion"] if v < 0 else OKABE_ITO["blue"] for v in g], height=0.6, gid="gaps")
        if np.isfinite(ci).all() and len(ci):
            ax.errorbar(g, y, xerr=np.vstack([g - ci[:, 0], ci[:, 1] - g]), fmt="none", ecolor=INK, capsize=3)
        ax.axvline(0, color=INK, lw=1)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlabel("gap (perception - expectation), scale points")
    return _chart("servqual_gaps", title, sub, "", fig)


def ipma_drivers(d: Mapping[str, Any]) -> Chart | None:
    """The IPMA map with importance as the Shapley/LMG share of the target's R² (``--derive drivers``).

    Performance is the construct's index as in the IPMA chart; importance the construct's Shapley
    share of R² of the IPMA target (whiskers: its bootstrap interval), Johnson's weight as a hollow
    marker.  None when the results have no driver analysis of the IPMA target.
    """
    ipma_rows = [r for r in (d.get("ipma") or []) if "construct" in r and r.get("performance") is not None]
    drv = (d.get("drivers") or {}).get("drivers") if isinstance(d.get("drivers"), Mapping) else None
    if not ipma_rows or not drv:
        return None
    target = str(ipma_rows[0].get("target"))
    perf = {str(r["construct"]): float(r["performance"]) for r in ipma_rows}
    rows = [r for r in drv if str(r["to"]) == target and str(r["from"]) in perf]
    if not rows:
        return None
    names = [str(r["from"]) for r in rows]
    sh = np.array([float(r["shapley"]) for r in rows])
    jo = np.array([float(r["johnson"]) for r in rows])
    ci = np.array([r.get("shapley_ci") or [np.nan, np.nan] for r in rows], dtype=float)
    y = np.array([perf[n] for n in names])
    with matplotlib.rc_context(_PLAIN):
        top = names[int(np.argmax(sh))]
        title = f"Driver importance for {target}: {top} explains the largest share of R² ({sh.max():.2f} of {float(rows[0]['r2']):.2f})"
        sub = "Importance = Shapley/LMG share of R² (filled; whiskers: bootstrap interval), Johnson's relative weight (hollow); performance = index"
        fig = _slide(title, sub, "")
        ax = fig.add_axes((0.08, 0.15, 0.86, 0.65))
        if np.isfinite(ci).all():
            ax.errorbar(sh, y, xerr=np.vstack([sh - ci[:, 0], ci[:, 1] - sh]), fmt="none", ecolor=INK, capsize=3, zorder=3)
        ax.scatter(sh, y, s=150, color=OKABE_ITO["blue"], zorder=4, gid="shapley")
        ax.scatter(jo, y, s=150, facecolors="none", edgecolors=OKABE_ITO["orange"], linewidths=2, zorder=4, gid="johnson")
        for xv, yv, n in zip(sh, y, names, strict=True):
            ax.annotate(n, (xv, yv), xytext=(8, 6), textcoords="offset points", fontsize=12)
        ax.axvline(float(sh.mean()), color=INK, lw=1, ls="--")
        ax.axhline(float(y.mean()), color=INK, lw=1, ls="--")
        ax.set_xlabel(f"Share of R² of {target}")
        ax.set_ylabel("Performance (index 0–100)")
    return _chart("ipma_drivers", title, sub, "", fig)
