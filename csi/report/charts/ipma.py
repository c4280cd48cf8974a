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
    Native,
    _chart,
    _place_labels,
    _slide,
    footnote,
    item_text,
    labels_of,
)
from csi.report.i18n import tr


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
    title = _ipma_title(d, rows, names, prio, mp, tl)
    subtitle = tr("ipma.subtitle", t=tl)
    foot = footnote(d, tr("ipma.foot") + (" " + tr("ipma.foot_ci") if _index_ci(d) else ""))
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
    ax.text(x1 - 0.01 * (x1 - x0), y0 + 0.02 * (y1 - y0), tr("ipma.priority"), ha="right", va="bottom",
            color=OKABE_ITO["vermillion"], fontweight="bold", gid="priority-label", **kw)
    ax.text(x1 - 0.01 * (x1 - x0), y1 - 0.02 * (y1 - y0), tr("ipma.strength"), ha="right", va="top", color=MUTED, **kw)
    ax.text(x0 + 0.01 * (x1 - x0), y1 - 0.02 * (y1 - y0), tr("ipma.overkill"), ha="left", va="top", color=MUTED, **kw)
    ax.text(x0 + 0.01 * (x1 - x0), y0 + 0.02 * (y1 - y0), tr("ipma.low"), ha="left", va="bottom", color=MUTED, **kw)
    colours = [OKABE_ITO["vermillion"] if p else OKABE_ITO["blue"] for p in prio]
    ax.scatter(imp, perf, s=150, c=colours, edgecolors="white", linewidths=1.5, zorder=4, gid="ipma-points")
    _place_labels(ax, imp.tolist(), perf.tolist(), names, fontsize=12.5, color=INK, zorder=5)
    ax.set_xlabel(tr("ipma.xlabel", t=tl))
    ax.set_ylabel(tr("ipma.ylabel"))
    ax.grid(True, color=GRID, zorder=0)
    ax.set_axisbelow(True)
    native = Native("scatter", tuple(names), ((tr("ipma.ylabel"), tuple(float(v) for v in imp)),), x_title=tr("ipma.xlabel", t=tl),
                    y_title=tr("ipma.ylabel"), ys=tuple(float(v) for v in perf), number_format="0.00")
    return _chart("ipma", title, subtitle, foot, fig, native)


def _index_ci(d: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Construct → bootstrap interval of its index (= IPMA performance), where results.json has one."""
    return {str(c["name"]): (float(c["ci"][0]), float(c["ci"][1])) for c in d.get("constructs", [])
            if c.get("ci") and None not in c["ci"]}


def _ipma_title(d: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], names: Sequence[str], prio: Sequence[bool], mp: float, tl: str) -> str:
    """Name a priority only when it is one beyond sampling error.

    With bootstrap intervals a priority-quadrant construct is named only if its whole index
    interval lies below the mean performance; if none does, the headline says there is no
    clear priority (naming the nearest candidates).  Without intervals the quadrant decides.
    """
    cis = _index_ci(d)
    flagged = [(n, str(r["construct"])) for n, r, p in zip(names, rows, prio, strict=True) if p]
    if not flagged:
        return tr("ipma.title_none", t=tl)
    if cis:
        clear = [n for n, c in flagged if c in cis and cis[c][1] < mp]
        if not clear:
            return tr("ipma.title_unclear", t=tl, c=_and([n for n, _ in flagged]))
        return tr("ipma.title_prio", t=tl, c=_and(clear))
    return tr("ipma.title_prio", t=tl, c=_and([n for n, _ in flagged]))


def _short(text: str, code: str) -> str:
    """A point label: the question text when short enough, else the item code."""
    return text if text != code and len(text) <= 24 else code


def _and(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else tr("list_sep").join(names[:-1]) + tr("and") + names[-1]


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
        title = tr("ipmai.title_prio", t=tl, c=tr("list_sep").join(item_text(d, i) for _, i in top) + (" …" if len(prio) > 4 else ""))
    else:
        title = tr("ipmai.title_none", t=tl)
    subtitle = tr("ipmai.subtitle")
    foot = footnote(d, tr("ipmai.foot"))
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
    ax.text(x1 - 0.01 * (x1 - x0), y0 + 0.02 * (y1 - y0), tr("ipma.priority_short"), ha="right", va="bottom", color=OKABE_ITO["vermillion"], fontweight="bold", fontsize=12)
    codes = list(dict.fromkeys(c for c, _ in rows))
    for j, c in enumerate(codes):
        m = [i for i, (cc, _) in enumerate(rows) if cc == c]
        ax.scatter(imp[m], perf[m], s=70, color=SERIES[j % len(SERIES)], edgecolors="white", linewidths=0.8, zorder=3, label=labels.get(c, c), gid=f"ipma-items:{c}")
    _place_labels(ax, imp.tolist(), perf.tolist(), [_short(item_text(d, str(it["item"])), str(it["item"])) for _, it in rows], fontsize=9.5, color=INK, zorder=4)
    ax.set_xlabel(tr("ipmai.xlabel", t=tl))
    ax.set_ylabel(tr("ipmai.ylabel"))
    ax.grid(True, color=GRID, zorder=0)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=11, title=tr("ipmai.legend"), title_fontsize=11, alignment="left")
    return _chart("ipma-items", title, subtitle, foot, fig)


