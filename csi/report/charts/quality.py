"""Measurement-model charts: outer loadings and the HTMT heat map."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import matplotlib
import numpy as np
from matplotlib.patches import Patch, Rectangle

from csi.report.charts.base import (
    GRID,
    HTMT_THRESHOLDS,
    INK,
    LOADING_THRESHOLD,
    MUTED,
    OKABE_ITO,
    SLIDE_SIZE,
    Chart,
    _chart,
    _level,
    _num,
    _slide,
    footnote,
    labels_of,
    wrap,
)
from csi.report.i18n import tr


# --------------------------------------------------------------------------------------
# measurement model
# --------------------------------------------------------------------------------------
def outer_model(d: Mapping[str, Any]) -> Chart:
    """Outer loadings (bars) and weights (dots) of every item, one small panel per construct."""
    labels = labels_of(d)
    inds = d.get("indicators") or []
    codes = [c for c in labels if any(i["construct"] == c for i in inds)]
    n_ok = sum(1 for i in inds if i.get("loading") is not None and float(i["loading"]) >= LOADING_THRESHOLD)
    title = tr("outer.title", ok=n_ok, n=len(inds), thr=LOADING_THRESHOLD)
    subtitle = tr("outer.subtitle", thr=LOADING_THRESHOLD)
    has_ci = any(i.get("loading_ci") for i in inds)
    note = tr("outer.whiskers", level=_level(d)) if has_ci else ""
    foot = footnote(d, note)
    fig = _slide(title, subtitle, foot)
    k = len(codes)
    ncol = min(4, max(1, k)) if k != 4 else 2
    if k in (5, 6):
        ncol = 3
    nrow = math.ceil(k / ncol) if k else 1
    sizes = [sum(1 for i in inds if i["construct"] == c) for c in codes]
    # panels of a row share the row's height; rows sized by their largest block
    row_sizes = [max(sizes[r * ncol:(r + 1) * ncol]) + 1.2 for r in range(nrow)]
    gs = fig.add_gridspec(nrow, ncol, left=0.09, right=0.98, top=0.74, bottom=0.13, hspace=0.55, wspace=0.45, height_ratios=row_sizes)
    lo = min([0.0] + [float(i[f]) for i in inds for f in ("loading", "weight") if i.get(f) is not None])
    for n, c in enumerate(codes):
        ax = fig.add_subplot(gs[n // ncol, n % ncol])
        items = [i for i in inds if i["construct"] == c]
        y = np.arange(len(items))
        load = np.array([_num(i.get("loading")) for i in items])
        wt = np.array([_num(i.get("weight")) for i in items])
        colours = [OKABE_ITO["blue"] if v >= LOADING_THRESHOLD else OKABE_ITO["sky"] for v in load]
        bars = ax.barh(y, load, color=colours, height=0.6, zorder=2)
        for b, i in zip(bars, items, strict=True):
            b.set_gid(f"loading:{c}:{i['name']}")
        if has_ci:
            ci = np.array([i.get("loading_ci") or [np.nan, np.nan] for i in items], dtype=float)
            ax.errorbar(load, y, xerr=np.vstack([load - ci[:, 0], ci[:, 1] - load]), fmt="none", ecolor=INK, elinewidth=1, capsize=3, zorder=3)
        ax.scatter(wt, y, s=46, color=OKABE_ITO["orange"], edgecolors=INK, linewidths=0.6, zorder=4, marker="D", gid=f"weights:{c}")
        ax.axvline(LOADING_THRESHOLD, color=MUTED, ls=":", lw=1.4, zorder=1)
        ax.set_yticks(y, [str(i["name"]) for i in items], fontsize=10)
        ax.set_ylim(max(sizes[(n // ncol) * ncol:(n // ncol + 1) * ncol]) - 0.5, -0.5)  # same bar thickness in every panel of a row
        ax.set_xlim(min(lo, 0) - 0.02, 1.05)
        ax.set_xticks([0, 0.5, 1.0] if lo >= 0 else [-0.5, 0, 0.5, 1.0])
        ax.tick_params(axis="x", labelsize=9.5)
        ax.set_title(wrap(labels[c], 30), fontsize=12, loc="left", pad=4)
        ax.xaxis.grid(True, color=GRID, zorder=0)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
    handles = [Patch(color=OKABE_ITO["blue"], label=tr("outer.high", thr=LOADING_THRESHOLD)), Patch(color=OKABE_ITO["sky"], label=tr("outer.low", thr=LOADING_THRESHOLD)),
               matplotlib.lines.Line2D([], [], marker="D", ls="none", color=OKABE_ITO["orange"], markeredgecolor=INK, label=tr("outer.weight"))]
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.03, 0.845), ncol=3, fontsize=10.5)
    return _chart("outer-model", title, subtitle, foot, fig)


# --------------------------------------------------------------------------------------
# HTMT
# --------------------------------------------------------------------------------------
HTMT_BINS = (0.0, 0.5, 0.7, HTMT_THRESHOLDS[0], HTMT_THRESHOLDS[1])
HTMT_COLOURS = ("#F4F7FB", "#D4E4F1", "#A8CBE5", OKABE_ITO["orange"], OKABE_ITO["vermillion"])


def htmt_colour(v: float) -> str:
    """Cell colour: three light blues below 0.85, orange 0.85–0.90, vermillion from 0.90."""
    k = int(np.searchsorted(HTMT_BINS, v, side="right")) - 1
    return HTMT_COLOURS[min(max(k, 0), len(HTMT_COLOURS) - 1)]


def htmt_heatmap(d: Mapping[str, Any]) -> Chart | None:
    """Lower-triangle HTMT matrix with cells coloured by the 0.85 / 0.90 thresholds."""
    cells = {(str(p["a"]), str(p["b"])): p for p in d.get("htmt") or [] if p.get("value") is not None}
    if not cells:
        return None
    labels = labels_of(d)
    codes = [c for c in labels if any(c in ab for ab in cells)]
    pairs = [(a, b, float(p["value"])) for (a, b), p in cells.items()]
    high = [(a, b, v) for a, b, v in pairs if v >= HTMT_THRESHOLDS[0]]
    if high:
        worst = max(high, key=lambda t: t[2])
        title = tr("htmt.title_high", n=len(high), a=labels[worst[0]], b=labels[worst[1]], v=f"{worst[2]:.2f}")
    else:
        title = tr("htmt.title_ok")
    subtitle = tr("htmt.subtitle")
    has_ci = any(p.get("ci") for p in cells.values())
    note = tr("htmt.dagger", level=_level(d)) if has_ci else ""
    foot = footnote(d, note)
    fig = _slide(title, subtitle, foot)
    n = len(codes)
    rows, cols = codes[1:], codes[:-1]
    side = min(0.66 * SLIDE_SIZE[1] / max(len(rows), 1), 1.3)  # square cells, inches
    w_in, h_in = side * len(cols), side * len(rows)
    ax = fig.add_axes((0.2, 0.80 - h_in / SLIDE_SIZE[1], w_in / SLIDE_SIZE[0], h_in / SLIDE_SIZE[1]))
    for i, a in enumerate(rows):
        for j, b in enumerate(cols):
            if j > i or n < 2:
                continue
            cell = cells.get((a, b)) or cells.get((b, a))
            if cell is None:
                continue
            v = float(cell["value"])
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=htmt_colour(v), edgecolor="white", linewidth=2, gid=f"htmt:{a}|{b}"))
            mark = ""
            c = cell.get("ci")
            if c and c[1] is not None and float(c[1]) >= HTMT_THRESHOLDS[0]:
                mark = "†"
            ax.text(j + 0.5, i + 0.5, f"{v:.2f}{mark}", ha="center", va="center", fontsize=12 if side > 0.8 else 10,
                    color="white" if v >= HTMT_THRESHOLDS[1] else INK, fontweight="bold" if v >= HTMT_THRESHOLDS[0] else "normal")
    ax.set_xlim(0, max(len(cols), 1))
    ax.set_ylim(max(len(rows), 1), 0)
    ax.set_xticks(np.arange(len(cols)) + 0.5, [wrap(labels[c], 14) for c in cols], fontsize=10.5)
    ax.set_yticks(np.arange(len(rows)) + 0.5, [wrap(labels[c], 24) for c in rows], fontsize=10.5)
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    handles = [Patch(facecolor=HTMT_COLOURS[2], label="< 0.85"), Patch(facecolor=HTMT_COLOURS[3], label="0.85 – 0.90"),
               Patch(facecolor=HTMT_COLOURS[4], label="≥ 0.90")]
    fig.legend(handles=handles, loc="upper right", bbox_to_anchor=(0.975, 0.80), title="HTMT", fontsize=11, title_fontsize=11, alignment="left")
    return _chart("htmt", title, subtitle, foot, fig)


