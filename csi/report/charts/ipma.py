"""Importance–performance maps, construct and item level."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.patches import Rectangle

from csi.report.charts.base import (
    GRID,
    INK,
    MUTED,
    OKABE_ITO,
    SERIES,
    Chart,
    _chart,
    _place_labels,
    _slide,
    footnote,
    labels_of,
)


# --------------------------------------------------------------------------------------
# importance–performance map
# --------------------------------------------------------------------------------------
def ipma_map(d: Mapping[str, Any]) -> Chart | None:
    """Importance (total effect on the target, index points) against performance (index).

    Quadrants split at the mean importance and mean performance, as csi.derive.ipma defines the
    priority quadrant (important and below-average performance); the priority quadrant is
    shaded and labelled, and its constructs are named in the title.
    """
    rows = [r for r in (d.get("ipma") or []) if "construct" in r and r.get("importance") is not None and r.get("performance") is not None]
    if not rows:
        return None
    labels = labels_of(d)
    target = str(rows[0].get("target"))
    tl = labels.get(target, target)
    imp = np.array([float(r["importance"]) for r in rows])
    perf = np.array([float(r["performance"]) for r in rows])
    mi, mp = float(imp.mean()), float(perf.mean())
    prio = [bool(r["priority"]) if r.get("priority") is not None else bool(float(r["importance"]) > mi and float(r["performance"]) < mp) for r in rows]
    names = [labels.get(str(r["construct"]), str(r.get("label") or r["construct"])) for r in rows]
    if any(prio):
        title = f"To raise {tl}, improve {_and([n for n, p in zip(names, prio, strict=True) if p])}"
    else:
        title = f"No construct is both important and under-performing for {tl}"
    subtitle = f"Importance–performance map: importance = total effect on {tl} (index points per point), performance = index (0–100)"
    foot = footnote(d, "Quadrants split at the mean importance and mean performance of the drivers shown.")
    fig = _slide(title, subtitle, foot)
    ax = fig.add_axes((0.08, 0.15, 0.86, 0.65))
    xpad = max(0.08 * (imp.max() - min(imp.min(), 0)), 0.02)
    x0, x1 = min(0.0, imp.min() - xpad), imp.max() + 2.5 * xpad
    ypad = max(2.0, 0.25 * (perf.max() - perf.min()))
    y0, y1 = max(0.0, perf.min() - ypad), min(100.0, perf.max() + ypad)
    if y1 - y0 < 8:
        y0, y1 = max(0.0, mp - 4), min(100.0, mp + 4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.add_patch(Rectangle((mi, y0), x1 - mi, mp - y0, facecolor=OKABE_ITO["vermillion"], alpha=0.10, edgecolor="none", zorder=0, gid="priority-quadrant"))
    ax.axvline(mi, color=MUTED, lw=1.2, ls="--", zorder=1)
    ax.axhline(mp, color=MUTED, lw=1.2, ls="--", zorder=1)
    kw: dict[str, Any] = {"fontsize": 12, "alpha": 0.9}
    ax.text(x1 - 0.01 * (x1 - x0), y0 + 0.02 * (y1 - y0), "PRIORITY: improve\n(important, below-average performance)", ha="right", va="bottom",
            color=OKABE_ITO["vermillion"], fontweight="bold", gid="priority-label", **kw)
    ax.text(x1 - 0.01 * (x1 - x0), y1 - 0.02 * (y1 - y0), "Strengths: maintain", ha="right", va="top", color=MUTED, **kw)
    ax.text(x0 + 0.01 * (x1 - x0), y1 - 0.02 * (y1 - y0), "Possible overkill", ha="left", va="top", color=MUTED, **kw)
    ax.text(x0 + 0.01 * (x1 - x0), y0 + 0.02 * (y1 - y0), "Low priority", ha="left", va="bottom", color=MUTED, **kw)
    colours = [OKABE_ITO["vermillion"] if p else OKABE_ITO["blue"] for p in prio]
    ax.scatter(imp, perf, s=150, c=colours, edgecolors="white", linewidths=1.5, zorder=4, gid="ipma-points")
    _place_labels(ax, imp.tolist(), perf.tolist(), names, fontsize=12.5, color=INK, zorder=5)
    ax.set_xlabel(f"Importance: total effect on {tl}")
    ax.set_ylabel("Performance (index 0–100)")
    ax.grid(True, color=GRID, zorder=0)
    ax.set_axisbelow(True)
    return _chart("ipma", title, subtitle, foot, fig)


def _and(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def ipma_items_map(d: Mapping[str, Any]) -> Chart | None:
    """Item-level importance–performance map (importance = normalized weight × construct importance)."""
    rows = [(str(r["construct"]), it) for r in (d.get("ipma") or []) for it in (r.get("items") or [])
            if it.get("importance") is not None and it.get("performance") is not None]
    if len(rows) < 2:
        return None
    labels = labels_of(d)
    target = str((d.get("ipma") or [{}])[0].get("target"))
    tl = labels.get(target, target)
    imp = np.array([float(it["importance"]) for _, it in rows])
    perf = np.array([float(it["performance"]) for _, it in rows])
    mi, mp = float(imp.mean()), float(perf.mean())
    prio = [(c, str(it["item"])) for c, it in rows if float(it["importance"]) > mi and float(it["performance"]) < mp]
    if prio:
        top = sorted(prio, key=lambda ci: -float(next(it["importance"] for c, it in rows if str(it["item"]) == ci[1])))[:4]
        title = f"Item priorities for {tl}: " + ", ".join(i for _, i in top) + (" …" if len(prio) > 4 else "")
    else:
        title = f"No item is both important and under-performing for {tl}"
    subtitle = "Item-level importance–performance map: importance = normalized weight × construct importance; performance = item mean on 0–100"
    foot = footnote(d, "Quadrants split at the mean item importance and mean item performance; colour = construct.")
    fig = _slide(title, subtitle, foot)
    ax = fig.add_axes((0.08, 0.15, 0.70, 0.65))
    xpad = max(0.06 * (imp.max() - min(imp.min(), 0)), 0.005)
    x0, x1 = min(0.0, imp.min() - xpad), imp.max() + 2 * xpad
    ypad = max(1.5, 0.12 * (perf.max() - perf.min()))
    y0, y1 = max(0.0, perf.min() - ypad), min(100.0, perf.max() + ypad)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.add_patch(Rectangle((mi, y0), x1 - mi, mp - y0, facecolor=OKABE_ITO["vermillion"], alpha=0.08, edgecolor="none", zorder=0))
    ax.axvline(mi, color=MUTED, lw=1.1, ls="--", zorder=1)
    ax.axhline(mp, color=MUTED, lw=1.1, ls="--", zorder=1)
    ax.text(x1 - 0.01 * (x1 - x0), y0 + 0.02 * (y1 - y0), "PRIORITY: improve", ha="right", va="bottom", color=OKABE_ITO["vermillion"], fontweight="bold", fontsize=12)
    codes = list(dict.fromkeys(c for c, _ in rows))
    for j, c in enumerate(codes):
        m = [i for i, (cc, _) in enumerate(rows) if cc == c]
        ax.scatter(imp[m], perf[m], s=70, color=SERIES[j % len(SERIES)], edgecolors="white", linewidths=0.8, zorder=3, label=labels.get(c, c), gid=f"ipma-items:{c}")
    _place_labels(ax, imp.tolist(), perf.tolist(), [str(it["item"]) for _, it in rows], fontsize=9.5, color=INK, zorder=4)
    ax.set_xlabel(f"Importance: effect on {tl} per index point of the item")
    ax.set_ylabel("Performance (item mean, 0–100)")
    ax.grid(True, color=GRID, zorder=0)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=11, title="Construct", title_fontsize=11, alignment="left")
    return _chart("ipma-items", title, subtitle, foot, fig)


