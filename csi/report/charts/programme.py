"""Charts of ``csi aggregate``'s programme.json: national trend, industry league table, heat map of changes.

Functions of the programme.json dictionary as read back from disk (renderers never re-estimate).
User text (company, industry and sector names) is drawn literally: mathtext is switched off while
the figures are built, so a name such as ``$x$`` is not typeset.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib
import numpy as np

from csi.report.charts.base import GRID, INK, OKABE_ITO, SERIES, Chart, _chart, _slide, style

Record = Mapping[str, Any]


@contextmanager
def _literal_text(texts: Sequence[str]) -> Iterator[None]:
    with style(texts), matplotlib.rc_context({"text.parse_math": False}):
        yield


def _texts(d: Record) -> list[str]:
    return [str(r.get("name", "")) for r in d.get("levels") or []]


def _rows(d: Record, level: str, construct: str | None = None) -> list[Record]:
    c = construct or d.get("construct")
    return [r for r in d.get("levels") or [] if r.get("level") == level and r.get("construct") == c]


def _val(v: Any) -> float:
    return math.nan if v is None else float(v)


def _foot(d: Record, extra: str = "") -> str:
    s = d.get("settings") or {}
    parts = [f"Programme: {d.get('name')}", f"model {d.get('model')} ({s.get('mode', 'refit')})",
             f"bootstrap {s.get('resamples')} resamples per unit, {float(s.get('level', 0.95)) * 100:g}% percentile intervals, seed {s.get('seed')}",
             "aggregates: weighted means of the scored members (weights renormalized)"]
    if d.get("csi_version"):
        parts.append(f"csi {d['csi_version']}")
    text = " · ".join(parts)
    return f"{text}\n{extra}" if extra else text


def national_trend(d: Record) -> Chart | None:
    """The national index of the headline construct across waves (interval band), sectors as thin lines."""
    waves = [str(w) for w in d.get("waves") or []]
    nat = {str(r["wave"]): r for r in _rows(d, "national")}
    if not waves or not nat:
        return None
    code = str(d.get("construct"))
    xs = [i for i, w in enumerate(waves) if w in nat]
    v = [_val(nat[waves[i]]["index"]) for i in xs]
    lo = [_val((nat[waves[i]].get("ci") or [None, None])[0]) for i in xs]
    hi = [_val((nat[waves[i]].get("ci") or [None, None])[1]) for i in xs]
    title = f"National {code} index {v[0]:.1f}" + (f" → {v[-1]:.1f}, {waves[xs[0]]} to {waves[xs[-1]]}" if len(v) > 1 else f" in {waves[xs[0]]}")
    level = float((d.get("settings") or {}).get("level", 0.95))
    with _literal_text(_texts(d)):
        fig = _slide(title, f"Index per wave (0–100); band: {level * 100:g}% bootstrap interval; thin lines: sectors", _foot(d))
        ax = fig.add_axes((0.07, 0.14, 0.72, 0.66))
        if any(np.isfinite(lo)):
            ax.fill_between(xs, lo, hi, color=OKABE_ITO["blue"], alpha=0.15, linewidth=0)
        ax.plot(xs, v, color=OKABE_ITO["blue"], lw=3, marker="o", gid="national")
        ax.annotate("National", (xs[-1], v[-1]), xytext=(8, 0), textcoords="offset points", va="center", color=INK, fontweight="bold")
        sectors = list(dict.fromkeys(str(r["name"]) for r in _rows(d, "sector")))
        for k, sec in enumerate(sectors):
            rs = {str(r["wave"]): r for r in _rows(d, "sector") if r["name"] == sec}
            sx = [i for i, w in enumerate(waves) if w in rs]
            sv = [_val(rs[waves[i]]["index"]) for i in sx]
            colour = SERIES[(k + 1) % len(SERIES)]
            ax.plot(sx, sv, color=colour, lw=1.4, marker="o", ms=4, gid=f"sector:{sec}")
            ax.annotate(sec, (sx[-1], sv[-1]), xytext=(8, 0), textcoords="offset points", va="center", color=colour, fontsize=10)
        ax.set_xticks(range(len(waves)), waves)
        ax.set_xlim(-0.3, len(waves) - 0.7)
        ax.yaxis.grid(True, color=GRID)
        ax.set_axisbelow(True)
        ax.set_ylabel(f"{code} index (0–100)")
    return _chart("programme_trend", title, "", _foot(d), fig)


def industry_league(d: Record, wave: str | None = None) -> Chart | None:
    """Industries ranked by the headline index in one wave (the latest by default) with their intervals."""
    waves = [str(w) for w in d.get("waves") or []]
    wave = wave or (waves[-1] if waves else None)
    rows = sorted((r for r in _rows(d, "industry") if str(r["wave"]) == wave), key=lambda r: _val(r["index"]))
    if not rows:
        return None
    code = str(d.get("construct"))
    level = float((d.get("settings") or {}).get("level", 0.95))
    title = f"{code} index by industry, {wave}: {rows[-1]['name']} leads ({_val(rows[-1]['index']):.1f})"
    with _literal_text(_texts(d)):
        fig = _slide(title, f"Index (0–100) with {level * 100:g}% bootstrap interval; coverage below 100% marked with its share", _foot(d))
        ax = fig.add_axes((0.22, 0.14, 0.70, 0.68))
        y = np.arange(len(rows))
        v = np.array([_val(r["index"]) for r in rows])
        lo = np.array([_val((r.get("ci") or [None, None])[0]) for r in rows])
        hi = np.array([_val((r.get("ci") or [None, None])[1]) for r in rows])
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.errorbar(v[ok], y[ok], xerr=[v[ok] - lo[ok], hi[ok] - v[ok]], fmt="none", ecolor="#7F7F7F", elinewidth=2, capsize=4)
        ax.scatter(v, y, s=80, color=OKABE_ITO["blue"], zorder=3, gid="industries")
        labels = [str(r["name"]) + ("" if _val(r.get("coverage")) >= 1 else f" ({_val(r.get('coverage')):.0%})") for r in rows]
        ax.set_yticks(y, labels)
        ax.xaxis.grid(True, color=GRID)
        ax.set_axisbelow(True)
        ax.set_xlabel(f"{code} index (0–100)")
    return _chart("programme_league", title, "", _foot(d), fig)


def change_heatmap(d: Record) -> Chart | None:
    """Changes of every construct (columns) for industries, sectors and the nation (rows), last compared pair."""
    changes = list(d.get("changes") or [])
    pairs = [tuple(p) for p in d.get("compare") or []]
    if not changes or not pairs:
        return None
    frm, to = (str(x) for x in pairs[-1])
    codes = [str(c) for c in d.get("constructs") or []]
    keyed = {(c["level"], str(c["name"]), c["construct"]): c for c in changes if str(c["from"]) == frm and str(c["to"]) == to}
    names = [(lev, str(n)) for lev, n in dict.fromkeys((c["level"], str(c["name"])) for c in changes) if lev != "company"]
    names = [k for k in names if (k[0], k[1], codes[0]) in keyed]
    if not names:
        return None
    m = np.array([[_val(keyed[(lev, n, c)]["delta"]) if (lev, n, c) in keyed else math.nan for c in codes] for lev, n in names])
    title = f"Changes {frm} → {to} by industry, sector and nation"
    level = float((d.get("settings") or {}).get("level", 0.95))
    with _literal_text(_texts(d)):
        fig = _slide(title, f"Change in index points; * two-sided bootstrap p < {1 - level:.2g}", _foot(d))
        ax = fig.add_axes((0.22, 0.12, 0.62, 0.70))
        lim = float(np.nanmax(np.abs(m))) if np.isfinite(m).any() else 1.0
        im = ax.imshow(m, cmap="RdBu", vmin=-lim, vmax=lim, aspect="auto")
        ax.set_xticks(range(len(codes)), codes)
        ax.set_yticks(range(len(names)), [n if lev == "industry" else "National" if lev == "national" else f"{n} ({lev})" for lev, n in names], fontsize=9)
        for i, (lev, n) in enumerate(names):
            for j, c in enumerate(codes):
                rec = keyed.get((lev, n, c))
                if rec is None or not np.isfinite(m[i, j]):
                    continue
                star = "*" if rec.get("significant") else ""
                ax.text(j, i, f"{m[i, j]:+.1f}{star}".replace("-", "−"), ha="center", va="center", fontsize=8,
                        color="white" if abs(m[i, j]) > 0.6 * lim else INK, gid=f"cell:{lev}:{n}:{c}")
        fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02, label="change (index points)")
    return _chart("programme_changes", title, "", _foot(d), fig)


def programme_charts(d: Record) -> list[Chart]:
    """The chart pack of a programme.json."""
    return [c for c in (national_trend(d), industry_league(d), change_heatmap(d)) if c is not None]
