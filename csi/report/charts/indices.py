"""Index bars of one fit and several fits side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from csi.report.charts.base import (
    GRID,
    INK,
    OKABE_ITO,
    SERIES,
    Chart,
    Native,
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
# index bars
# --------------------------------------------------------------------------------------
def _focus(d: Mapping[str, Any]) -> str | None:
    roles = (d.get("model") or {}).get("roles") or {}
    sat = roles.get("satisfaction")
    names = [c["name"] for c in d.get("constructs", [])]
    return sat if sat in names else None


def index_bars(d: Mapping[str, Any]) -> Chart:
    """0–100 index per construct as horizontal bars, with bootstrap intervals when present."""
    labels = labels_of(d)
    cons = [c for c in d.get("constructs", []) if c.get("index") is not None]
    focus = _focus(d)
    has_ci = any(c.get("ci") for c in cons)
    if focus is not None:
        fc = next(c for c in cons if c["name"] == focus)
        title = tr("index.title_focus", c=labels[focus], v=f"{float(fc['index']):.1f}")
    else:
        title = _highest_title(cons, labels)
    subtitle = tr("index.subtitle") + (tr("index.subtitle_ci", level=_level(d)) if has_ci else "")
    note = "" if has_ci else tr("index.noboot")
    foot = footnote(d, note)
    fig = _slide(title, subtitle, foot)
    ax = fig.add_axes((0.25, 0.14, 0.68, 0.66))
    y = np.arange(len(cons))
    vals = np.array([float(c["index"]) for c in cons])
    colours = [OKABE_ITO["orange"] if c["name"] == focus else OKABE_ITO["blue"] for c in cons]
    bars = ax.barh(y, vals, color=colours, height=0.62, zorder=2, gid="index-bars")
    for b, c in zip(bars, cons, strict=True):
        b.set_gid(f"index:{c['name']}")
    if has_ci:
        lo = np.array([_num(c["ci"][0]) if c.get("ci") else np.nan for c in cons])
        hi = np.array([_num(c["ci"][1]) if c.get("ci") else np.nan for c in cons])
        ax.errorbar(vals, y, xerr=np.vstack([vals - lo, hi - vals]), fmt="none", ecolor=INK, elinewidth=1.4, capsize=5, zorder=3, gid="index-ci")
        ends = np.where(np.isfinite(hi), hi, vals)
    else:
        ends = vals
    for yi, v, e, c in zip(y, vals, ends, cons, strict=True):
        txt = f"{v:.1f}"
        if has_ci and c.get("ci") and None not in c["ci"]:
            txt += f"  [{float(c['ci'][0]):.1f}, {float(c['ci'][1]):.1f}]"
        ax.text(float(e) + 1.2, float(yi), txt, va="center", ha="left", fontsize=12, color=INK, fontweight="bold" if c["name"] == focus else "normal")
    ax.set_yticks(y, [wrap(labels[c["name"]], 28) for c in cons])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 20))
    ax.xaxis.grid(True, color=GRID, zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlabel(tr("index.axis"))
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    native = Native("bar", tuple(labels[c["name"]] for c in cons), ((tr("index.subtitle"), tuple(float(v) for v in vals)),),
                    x_title=tr("index.axis"),
                    lo=(tuple(_opt(c["ci"][0]) if c.get("ci") else None for c in cons),) if has_ci else (),
                    hi=(tuple(_opt(c["ci"][1]) if c.get("ci") else None for c in cons),) if has_ci else ())
    return _chart("index-bars", title, subtitle, foot, fig, native)


def _opt(v: Any) -> float | None:
    return None if v is None else float(v)


def _highest_title(cons: Sequence[Mapping[str, Any]], labels: Mapping[str, str]) -> str:
    """"Highest index: X" only when X's interval clears every other construct's; else the overlapping leaders."""
    ranked = sorted(cons, key=lambda c: -float(c["index"]))
    best = ranked[0]
    if best.get("ci") and None not in best["ci"]:
        tied = [c for c in ranked[1:] if c.get("ci") and None not in c["ci"] and float(c["ci"][1]) >= float(best["ci"][0])]
        if tied:
            return tr("index.title_tie", c=tr("and").join(labels[c["name"]] for c in [best, *tied][:3]))
    return tr("index.title_high", c=labels[best["name"]], v=f"{float(best['index']):.1f}")


# --------------------------------------------------------------------------------------
# several fits side by side
# --------------------------------------------------------------------------------------
def index_comparison(results: Sequence[tuple[str, Mapping[str, Any]]]) -> Chart | None:
    """Indices of the constructs several fits share, as grouped bars (one colour per fit)."""
    if len(results) < 2:
        return None
    order: list[str] = []
    labels: dict[str, str] = {}
    for _, d in sorted(results, key=lambda r: -len(labels_of(r[1]))):  # the largest model's order first
        for c, lab in labels_of(d).items():
            if c not in labels:
                order.append(c)
                labels[c] = lab
    # every construct any fit has (one that only some fits have is drawn for those, and named in the footnote)
    shared = [c for c in order if any(any(x["name"] == c and x.get("index") is not None for x in d.get("constructs", [])) for _, d in results)]
    if not shared:
        return None
    missing = [f"{labels[c]}: {', '.join(n for n, d in results if not any(x['name'] == c and x.get('index') is not None for x in d.get('constructs', [])))}"
               for c in shared]
    missing = [m for m in missing if not m.endswith(": ")]
    names = [n for n, _ in results]
    title = f"Indices compared across {len(results)} results: " + ", ".join(names)
    if len(title) > 95:
        title = f"Indices compared across {len(results)} results"
    has_ci = any(x.get("ci") for _, d in results for x in d.get("constructs", []))
    subtitle = "Index per construct (0–100) in each results folder" + (" with bootstrap intervals" if has_ci else "")
    foot = "\n".join(f"{n}: {footnote(d).splitlines()[0]}" for n, d in results[:4])
    if missing:
        foot += "\nNot in every model (no bar there): " + "; ".join(missing)
    fig = _slide(title, subtitle, foot)
    ax = fig.add_axes((0.25, 0.15 + 0.02 * min(len(results), 4), 0.62, 0.64 - 0.02 * min(len(results), 4)))
    k = len(results)
    h = 0.8 / k
    for j, (name, d) in enumerate(results):
        by = {x["name"]: x for x in d.get("constructs", [])}
        ys, vs, lo, hi = [], [], [], []
        for i, c in enumerate(shared):
            x = by.get(c)
            if x is None or x.get("index") is None:
                continue
            ys.append(i - 0.4 + h * (j + 0.5))
            vs.append(float(x["index"]))
            ci = x.get("ci") or [np.nan, np.nan]
            lo.append(_num(ci[0]))
            hi.append(_num(ci[1]))
        colour = SERIES[j % len(SERIES)]
        bars = ax.barh(ys, vs, height=h * 0.92, color=colour, label=name, zorder=2)
        for b, c in zip(bars, [c for c in shared if by.get(c) and by[c].get("index") is not None], strict=True):
            b.set_gid(f"compare:{name}:{c}")
        if has_ci:
            va, lo_a, hi_a = np.array(vs), np.array(lo), np.array(hi)
            ax.errorbar(va, ys, xerr=np.vstack([va - lo_a, hi_a - va]), fmt="none", ecolor=INK, elinewidth=1, capsize=3, zorder=3)
        for yy, vv, hh in zip(ys, vs, hi, strict=True):
            end = max(vv, hh) if has_ci and np.isfinite(hh) else vv  # right of the whisker, never struck through
            ax.text(end + 0.8, yy, f"{vv:.1f}", va="center", fontsize=10 if k > 2 else 11, gid=f"compare-label:{name}:{yy:.3f}")
    ax.set_yticks(range(len(shared)), [wrap(labels[c], 28) for c in shared])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.grid(True, color=GRID, zorder=0)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=min(k, 5))
    return _chart("index-comparison", title, subtitle, foot, fig, _comparison_native(results, shared, labels, has_ci))


def _comparison_native(results: Sequence[tuple[str, Mapping[str, Any]]], shared: Sequence[str], labels: Mapping[str, str],
                       has_ci: bool) -> Native:
    """Grouped bars for the deck: one series per results folder, intervals as error bars."""
    series, lo, hi = [], [], []
    for name, d in results:
        by = {x["name"]: x for x in d.get("constructs", [])}
        series.append((name, tuple(_opt(by.get(c, {}).get("index")) for c in shared)))
        lo.append(tuple(_opt((by.get(c, {}).get("ci") or [None, None])[0]) for c in shared))
        hi.append(tuple(_opt((by.get(c, {}).get("ci") or [None, None])[1]) for c in shared))
    return Native("bar", tuple(labels[c] for c in shared), tuple(series), x_title=tr("groups.axis"),
                  lo=tuple(lo) if has_ci else (), hi=tuple(hi) if has_ci else ())


