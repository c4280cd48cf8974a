"""Segments of one fit (csi fit --group COLUMN)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from csi.report.charts.base import (
    GRID,
    SERIES,
    Chart,
    _chart,
    _level,
    _num,
    _slide,
    footnote,
    labels_of,
    wrap,
)
from csi.report.charts.indices import _focus
from csi.report.charts.tiers import _slug
from csi.report.i18n import tr


# --------------------------------------------------------------------------------------
# segments of one fit (csi fit --group COLUMN)
# --------------------------------------------------------------------------------------
def group_indices(d: Mapping[str, Any]) -> list[Chart]:
    """Per ``--group`` column: each segment's index per construct with its interval (dot plot).

    Constructs whose index differs significantly between some pair of segments (permutation
    test, Holm-adjusted, as recorded in results.json) are marked with a dagger.
    """
    labels = labels_of(d)
    overall = {c["name"]: c.get("index") for c in d.get("constructs", [])}
    out = []
    for g in d.get("groups") or []:
        rows = [r for r in g.get("indices") or [] if r.get("index") is not None]
        if not rows:
            continue
        col = str(g.get("column", "segment"))
        levels = list(dict.fromkeys(str(r["level"]) for r in rows))
        sizes = {str(x["level"]): x.get("n") for x in g.get("sizes") or []}
        codes = [c for c in labels if any(r["construct"] == c for r in rows)]
        diff_sig = {str(x.get("construct")) for x in g.get("differences") or [] if x.get("kind") == "index" and x.get("significant")}
        val = {(str(r["level"]), str(r["construct"])): r for r in rows}
        focus = _focus(d) or codes[-1]
        fv = [(lv, float(val[(lv, focus)]["index"])) for lv in levels if (lv, focus) in val]
        if fv:
            hi_l, hi_v = max(fv, key=lambda t: t[1])
            lo_l, lo_v = min(fv, key=lambda t: t[1])
            # "highest/lowest" only when the permutation test finds the focus index differs between segments
            key = "groups.title" if focus in diff_sig or not g.get("differences") else "groups.title_tie"
            title = tr(key, c=labels[focus], g=col, hi=hi_l, hv=f"{hi_v:.1f}", lo=lo_l, lv=f"{lo_v:.1f}")
        else:
            title = tr("groups.title_plain", g=col)
        has_ci = any((r.get("ci") or [None])[0] is not None for r in rows)
        subtitle = tr("groups.subtitle", g=col) + (tr("groups.subtitle_ci", level=_level(d)) if has_ci else "") + tr("groups.grey")
        note = tr("groups.sig") if diff_sig else tr("groups.nosig")
        foot = footnote(d, note)
        fig = _slide(title, subtitle, foot)
        ax = fig.add_axes((0.25, 0.14, 0.70, 0.62))
        k = len(levels)
        step = 0.7 / max(k, 1)
        allv = []
        for j, lv in enumerate(levels):
            ys, xs, lo, hi = [], [], [], []
            for i, c in enumerate(codes):
                r = val.get((lv, c))
                if r is None:
                    continue
                ys.append(i - 0.35 + step * (j + 0.5))
                xs.append(float(r["index"]))
                lo_r, hi_r = r.get("ci") or (None, None)
                lo.append(_num(lo_r))
                hi.append(_num(hi_r))
            colour = SERIES[j % len(SERIES)]
            xa, la, ha = np.array(xs), np.array(lo), np.array(hi)
            if has_ci:
                ax.errorbar(xa, ys, xerr=np.vstack([xa - la, ha - xa]), fmt="none", ecolor=colour, elinewidth=1.8, capsize=0, zorder=2, alpha=0.8)
            n = sizes.get(lv)
            ax.scatter(xa, ys, s=64, color=colour, edgecolors="white", linewidths=0.8, zorder=3, label=f"{lv} (n = {int(n):,})" if n else lv, gid=f"group:{col}:{lv}")
            allv += [v for v in [*xs, *lo, *hi] if np.isfinite(v)]
        for i, c in enumerate(codes):
            if overall.get(c) is not None:
                ax.plot([overall[c], overall[c]], [i - 0.42, i + 0.42], color="#8A8A8A", lw=2, zorder=1)
                allv.append(float(overall[c]))
        ax.set_yticks(range(len(codes)), [wrap(labels[c], 28) + (" †" if c in diff_sig else "") for c in codes])
        ax.invert_yaxis()
        lo_v, hi_v = (min(allv), max(allv)) if allv else (0.0, 100.0)
        pad = max(1.0, 0.06 * (hi_v - lo_v))
        ax.set_xlim(max(0.0, lo_v - pad), min(100.0, hi_v + pad))
        ax.xaxis.grid(True, color=GRID, zorder=0)
        ax.set_axisbelow(True)
        ax.set_xlabel(tr("groups.axis"))
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        for i in range(1, len(codes)):
            ax.axhline(i - 0.5, color=GRID, lw=0.8, zorder=0)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=min(k, 6), fontsize=11, handletextpad=0.3)
        out.append(_chart(f"groups-{_slug(col)}", title, subtitle, foot, fig))
    return out


