"""Charts of csi score's scores.json: trends, per-construct trends, segments."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes

from csi.report.charts.base import (
    GRID,
    INK,
    OKABE_ITO,
    SERIES,
    Chart,
    Native,
    _chart,
    _num,
    _slide,
    all_texts,
    labels_of,
    style,
    wrap,
)
from csi.report.i18n import tr

# --------------------------------------------------------------------------------------
# waves (scores.json of csi score)
# --------------------------------------------------------------------------------------
SeriesKey = tuple[tuple[tuple[str, str], ...], "str | None"]


def _series_key(rec: Mapping[str, Any]) -> tuple[tuple[tuple[str, str], ...], str | None]:
    fields = tuple(sorted((str(k), str(v)) for k, v in (rec.get("fields") or {}).items()))
    seg = rec.get("segment")
    if isinstance(seg, Mapping):
        seg = seg.get("value")
    return fields, (None if seg is None else str(seg))


def _series_name(key: tuple[tuple[tuple[str, str], ...], str | None], seg_col: str | None = None) -> str:
    fields, seg = key
    parts = [v for _, v in fields]
    if seg is not None:
        parts.append(f"{seg_col}: {seg}" if seg_col else seg)
    return " · ".join(parts) or "All respondents"


def wave_values(w: Mapping[str, Any], code: str) -> tuple[float, float, float]:
    """(index, interval low, interval high) of construct ``code`` in one wave record (NaN when absent)."""
    cons = w.get("constructs") or []
    rec: Mapping[str, Any] | None
    if isinstance(cons, Mapping):
        rec = cons.get(code)
    else:
        rec = next((c for c in cons if c.get("name") == code), None)
    if not rec or rec.get("index") is None:
        return (math.nan, math.nan, math.nan)
    ci = rec.get("ci") or [None, None]
    return (float(rec["index"]), _num(ci[0]), _num(ci[1]))


def _wave_focus(s: Mapping[str, Any]) -> str:
    model = s.get("model") or {}
    labels = labels_of(s)
    role = (model.get("roles") or {}).get("satisfaction")
    if role in labels:
        return str(role)
    for c, lab in labels.items():
        if re.search(r"satisf", lab, re.I) or c.upper() == "CUSA":
            return c
    return next(iter(labels))


def wave_footnote(s: Mapping[str, Any], extra: str = "") -> str:
    model = s.get("model") or {}
    st = s.get("settings") or {}
    parts = [f"Model: {model.get('label') or model.get('name')} ({model.get('name')})" if model.get("label") else f"Model: {model.get('name')}"]
    mode = s.get("mode") or st.get("mode")
    if mode == "fixed":
        parts.append("fixed weights from a calibration fit")
    elif mode:
        parts.append(f"{mode} mode (PLS fitted to each wave)" if mode == "refit" else str(mode))
    waves = s.get("waves") or []
    ns = [int(w["n"]) for w in waves if w.get("segment") in (None, {}) and w.get("n") is not None]
    if ns:
        parts.append(f"n per wave {min(ns):,}–{max(ns):,}" if min(ns) != max(ns) else f"n per wave {ns[0]:,}")
    if st.get("resamples"):
        parts.append(f"bootstrap {int(st['resamples']):,} resamples per wave, {float(st.get('level', 0.95)) * 100:g}% percentile intervals, seed {st.get('seed')}")
    else:
        parts.append("no bootstrap: no intervals or tests")
    if st.get("segments"):
        parts.append(f"segments: {st['segments']}")
    if s.get("csi_version"):
        parts.append(f"csi {s['csi_version']}")
    text = " · ".join(parts)
    return f"{text}\n{extra}" if extra else text


def _sig_changes(s: Mapping[str, Any]) -> dict[tuple[Any, str, str], Mapping[str, Any]]:
    """Consecutive changes by (series key, construct, to-wave)."""
    out = {}
    for ch in s.get("changes") or []:
        if ch.get("consecutive", True):
            out[(_series_key(ch), str(ch["construct"]), str(ch["to"]))] = ch
    return out


def _is_sig(ch: Mapping[str, Any] | None, level: float) -> bool:
    if not ch:
        return False
    if ch.get("significant") is not None:
        return bool(ch["significant"])
    p = ch.get("p_value")
    return p is not None and float(p) < 1 - level


def _label_ends(ax: Axes, x: float, ys: Sequence[float], texts: Sequence[str], colours: Sequence[str], min_gap_pt: float = 15.0) -> None:
    """Direct labels at the right end of lines, nudged apart vertically."""
    if not ys:
        return
    trans = ax.transData
    pix = [trans.transform((x, y))[1] for y in ys]
    order = np.argsort(pix)
    gap = min_gap_pt * ax.figure.dpi / 72
    placed = [0.0] * len(pix)
    last = -math.inf
    for i in order:
        p = max(pix[i], last + gap)
        placed[i] = p
        last = p
    shift = max(0.0, last - ax.get_window_extent().y1)  # keep inside: shift down if the top overflows
    inv = trans.inverted()
    for i in range(len(pix)):
        y = inv.transform((trans.transform((x, 0))[0], placed[i] - shift))[1]
        ax.annotate(texts[i], (x, ys[i]), xytext=(x, y), textcoords="data", ha="left", va="center", fontsize=11, color=colours[i], fontweight="bold",
                    annotation_clip=False, xycoords="data")


def _trend_axis(ax: Axes, labels_x: Sequence[str], lo: float, hi: float) -> None:
    ax.set_xticks(range(len(labels_x)), list(labels_x))
    pad = max(1.0, 0.08 * (hi - lo))
    ax.set_ylim(max(0.0, lo - pad), min(100.0, hi + pad))
    ax.yaxis.grid(True, color=GRID, zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlim(-0.3, len(labels_x) - 0.7)


def _draw_series(ax: Axes, waves: Sequence[Mapping[str, Any]], xs: dict[str, int], code: str, colour: str, key: Any,
                 changes: Mapping[tuple[Any, str, str], Mapping[str, Any]], level: float, band: bool = True, lw: float = 2.4,
                 mark: bool = True, gid: str = "", numbers: bool = True, alpha: float = 1.0) -> tuple[list[float], list[float]]:
    pts = sorted((xs[str(w["label"])], *wave_values(w, code)) for w in waves)
    x = [p[0] for p in pts]
    v = [p[1] for p in pts]
    lo = [p[2] for p in pts]
    hi = [p[3] for p in pts]
    if band and any(np.isfinite(lo)):
        ax.fill_between(x, lo, hi, color=colour, alpha=0.13, linewidth=0, zorder=1)
    ax.plot(x, v, color=colour, lw=lw, marker="o", ms=6 if numbers else 4, zorder=3 if numbers else 2, gid=gid or None, alpha=alpha)
    labels_by_x = {xs[str(w["label"])]: str(w["label"]) for w in waves}
    if mark:
        for xi, vi in zip(x, v, strict=True):
            ch = changes.get((key, code, labels_by_x[xi]))
            if _is_sig(ch, level):
                assert ch is not None
                up = float(ch["delta"]) > 0
                ax.scatter([xi], [vi], s=170 if numbers else 70, marker="^" if up else "v", color=OKABE_ITO["green"] if up else OKABE_ITO["vermillion"],
                           edgecolors=INK, linewidths=0.8, zorder=5, gid=f"sig:{code}:{labels_by_x[xi]}")
                if numbers:
                    ax.annotate(_signed(float(ch["delta"]), 1), (xi, vi), xytext=(0, 12 if up else -12), textcoords="offset points", ha="center",
                                va="bottom" if up else "top", fontsize=10.5, fontweight="bold", color=INK, zorder=6)
    return lo, hi


def _signed(v: float, nd: int = 1) -> str:
    """A signed number with a typographic minus."""
    return f"{v:+.{nd}f}".replace("-", "−")


def score_charts(s: Mapping[str, Any]) -> list[Chart]:
    """The chart pack of a ``csi score`` scores.json: trends, per-construct trends, segments."""
    with style(all_texts(s) + [str(_series_name(_series_key(w))) for w in s.get("waves") or []]):
        return [c for c in (wave_trend(s), wave_constructs(s), wave_segments(s)) if c is not None]


def _wave_layout(s: Mapping[str, Any]) -> tuple[list[str], dict[str, int], dict[Any, list[Mapping[str, Any]]], float]:
    """Wave labels in order, their x positions, the series (by key) and the interval level."""
    waves = [w for w in (s.get("waves") or []) if w.get("label") is not None]
    labels_x = list(dict.fromkeys(str(w["label"]) for w in waves))
    series: dict[Any, list[Mapping[str, Any]]] = {}
    for w in waves:
        series.setdefault(_series_key(w), []).append(w)
    level = float((s.get("settings") or {}).get("level") or 0.95)
    return labels_x, {lab: i for i, lab in enumerate(labels_x)}, series, level


def wave_trend(s: Mapping[str, Any]) -> Chart | None:
    """All constructs' indices across waves (overall series), interval bands, significant changes marked."""
    labels_x, xs, series, level = _wave_layout(s)
    main = [k for k in series if k[1] is None]
    if not labels_x or not main:
        return None
    labels = labels_of(s)
    focus = _wave_focus(s)
    changes = _sig_changes(s)
    key = main[0]
    first, last = labels_x[0], labels_x[-1]
    f0 = wave_values(next((w for w in series[key] if str(w["label"]) == first), {}), focus)[0]
    f1 = wave_values(next((w for w in series[key] if str(w["label"]) == last), {}), focus)[0]
    vs_first = next((c for c in s.get("changes") or [] if _series_key(c) == key and c["construct"] == focus and c["from"] == first and c["to"] == last), None)
    if len(labels_x) > 1 and np.isfinite(f0) and np.isfinite(f1):
        verdict = "" if vs_first is None else (tr("waves.sig") if _is_sig(vs_first, level) else tr("waves.notsig"))
        title = tr("waves.title", c=labels[focus], a=f"{f0:.1f}", b=f"{f1:.1f}", x=first, y=last, d=_signed(f1 - f0), v=verdict)
    else:
        title = tr("waves.title_one", c=labels[focus], x=first, a=f"{f0:.1f}")
    if len(main) > 1:
        title = tr("waves.title_series", c=labels[focus], x=first, y=last)
    has_ci = any(np.isfinite(wave_values(w, c)[1]) for w in series[key] for c in labels)
    lvl = f"{level * 100:g}%"
    subtitle = tr("waves.subtitle") + (tr("waves.band", level=lvl, c=labels[focus]) if has_ci and len(main) == 1 else
                                       tr("waves.bands", level=lvl) if has_ci else "") + tr("waves.marks")
    foot = wave_footnote(s, tr("waves.foot", p=f"{1 - level:.2g}"))
    fig = _slide(title, subtitle, foot)
    ax = fig.add_axes((0.07, 0.14, 0.72, 0.66))
    lo_all, hi_all, ends, names, cols = [], [], [], [], []
    if len(main) == 1:
        others = [c for c in SERIES if c not in (OKABE_ITO["blue"], OKABE_ITO["yellow"])] + ["#7F7F7F", "#A6761D"]
        k_other = 0
        for c in labels:
            is_focus = c == focus
            if is_focus:
                colour = OKABE_ITO["blue"]
            else:
                colour = others[k_other % len(others)]
                k_other += 1
            # only the headline construct gets its band and numbers: seven overlapping bands are unreadable
            lo, hi = _draw_series(ax, series[key], xs, c, colour, key, changes, level, band=is_focus, lw=3.6 if is_focus else 1.6,
                                  gid=f"trend:{c}", numbers=is_focus, alpha=1.0 if is_focus else 0.85)
            vals = [wave_values(w, c)[0] for w in series[key]]
            lo_all += [*lo, *vals]
            hi_all += [*hi, *vals]
            last_w = max(series[key], key=lambda w: xs[str(w["label"])])
            ends.append(wave_values(last_w, c)[0])
            names.append(labels[c])
            cols.append(colour)
    else:
        for j, k in enumerate(main):
            colour = SERIES[j % len(SERIES)]
            lo, hi = _draw_series(ax, series[k], xs, focus, colour, k, changes, level, gid=f"trend:{_series_name(k)}")
            vals = [wave_values(w, focus)[0] for w in series[k]]
            lo_all += [*lo, *vals]
            hi_all += [*hi, *vals]
            last_w = max(series[k], key=lambda w: xs[str(w["label"])])
            ends.append(wave_values(last_w, focus)[0])
            names.append(_series_name(k))
            cols.append(colour)
    finite_lo = [v for v in lo_all if np.isfinite(v)]
    finite_hi = [v for v in hi_all if np.isfinite(v)]
    _trend_axis(ax, labels_x, min(finite_lo, default=0.0), max(finite_hi, default=100.0))
    ax.set_ylabel(tr("groups.axis"))
    _label_ends(ax, len(labels_x) - 1 + 0.12, ends, [wrap(n, 26).replace("\n", " ") for n in names], cols)
    native = None
    if len(main) == 1:  # the deck gets a native line chart: one series per construct over the waves
        by_label = {str(w["label"]): w for w in series[key]}
        nat_series = [(labels[c], tuple(_opt(wave_values(by_label[x], c)[0]) if x in by_label else None for x in labels_x)) for c in labels]
        native = Native("line", tuple(labels_x), tuple(nat_series), y_title="Index (0–100)")
    return _chart("wave-trend", title, subtitle, foot, fig, native)


def _opt(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


def _grid(n: int) -> tuple[int, int]:
    ncol = 4 if n > 6 else 3 if n > 4 else 2 if n > 1 else 1
    return math.ceil(n / ncol), ncol


def wave_constructs(s: Mapping[str, Any]) -> Chart | None:
    """Small multiples: one panel per construct, each series as a line with its interval band."""
    labels_x, xs, series, level = _wave_layout(s)
    main = [k for k in series if k[1] is None]
    if not labels_x or not main:
        return None
    labels = labels_of(s)
    changes = _sig_changes(s)
    n_sig = sum(1 for k, ch in changes.items() if k[0] in main and _is_sig(ch, level))
    n_all = sum(1 for k in changes if k[0] in main)
    title = f"{n_sig} of {n_all} wave-to-wave changes are significant" if n_all else "Index per construct across waves"
    subtitle = f"Index per wave and construct with {level * 100:g}% bootstrap bands; ▲ significant rise, ▼ significant fall"
    foot = wave_footnote(s)
    fig = _slide(title, subtitle, foot)
    nrow, ncol = _grid(len(labels))
    gs = fig.add_gridspec(nrow, ncol, left=0.06, right=0.98, top=0.76 if len(main) > 1 else 0.80, bottom=0.13, hspace=0.55, wspace=0.22)
    allv = [v for k in main for w in series[k] for c in labels for v in wave_values(w, c) if np.isfinite(v)]
    lo, hi = (min(allv), max(allv)) if allv else (0.0, 100.0)
    for n, c in enumerate(labels):
        ax = fig.add_subplot(gs[n // ncol, n % ncol])
        for j, k in enumerate(main):
            _draw_series(ax, series[k], xs, c, SERIES[j % len(SERIES)], k, changes, level, lw=2.0, gid=f"panel:{c}:{_series_name(k)}")
        _trend_axis(ax, labels_x, lo, hi)  # one y scale for all panels: differences read across panels
        ax.set_title(wrap(labels[c], 34), fontsize=12, loc="left")
        ax.tick_params(axis="x", labelsize=9.5 if len(labels_x) > 4 else 10.5, rotation=0 if len(labels_x) <= 6 else 45)
        ax.tick_params(axis="y", labelsize=9.5)
    if len(main) > 1:
        handles = [matplotlib.lines.Line2D([], [], color=SERIES[j % len(SERIES)], lw=2.4, marker="o", label=_series_name(k)) for j, k in enumerate(main)]
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.03, 0.845), ncol=min(len(main), 6), fontsize=10.5)
    return _chart("wave-constructs", title, subtitle, foot, fig)


def wave_segments(s: Mapping[str, Any]) -> Chart | None:
    """Small multiples by segment: the focus construct's trend per segment, the overall trend in grey."""
    labels_x, xs, series, level = _wave_layout(s)
    segs = [k for k in series if k[1] is not None]
    if not labels_x or not segs:
        return None
    labels = labels_of(s)
    focus = _wave_focus(s)
    changes = _sig_changes(s)
    seg_col = (s.get("settings") or {}).get("segments")
    last = labels_x[-1]
    latest = [(k, wave_values(w, focus)[0]) for k in segs for w in series[k] if str(w["label"]) == last]
    latest = [(k, v) for k, v in latest if np.isfinite(v)]
    if latest:
        kb, vb = max(latest, key=lambda t: t[1])
        kw_, vw = min(latest, key=lambda t: t[1])
        title = f"{labels[focus]} by {seg_col or 'segment'} in {last}: highest {kb[1]} ({vb:.1f}), lowest {kw_[1]} ({vw:.1f})"
    else:
        title = f"{labels[focus]} by {seg_col or 'segment'}"
    subtitle = f"{labels[focus]} index per wave in each segment with {level * 100:g}% bootstrap bands; grey: all respondents"
    foot = wave_footnote(s)
    fig = _slide(title, subtitle, foot)
    nrow, ncol = _grid(len(segs))
    gs = fig.add_gridspec(nrow, ncol, left=0.06, right=0.98, top=0.80, bottom=0.13, hspace=0.5, wspace=0.2)
    allv = [v for k in series for w in series[k] for v in wave_values(w, focus) if np.isfinite(v)]
    lo, hi = (min(allv), max(allv)) if allv else (0.0, 100.0)
    for n, k in enumerate(segs):
        ax = fig.add_subplot(gs[n // ncol, n % ncol])
        overall = (k[0], None)
        if overall in series:
            pts = sorted((xs[str(w["label"])], wave_values(w, focus)[0]) for w in series[overall])
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color="#9A9A9A", lw=1.6, ls="-", zorder=2)
        _draw_series(ax, series[k], xs, focus, OKABE_ITO["blue"], k, changes, level, lw=2.4, gid=f"segment:{_series_name(k, seg_col)}")
        _trend_axis(ax, labels_x, lo, hi)
        n_last = next((int(w["n"]) for w in series[k] if str(w["label"]) == last and w.get("n") is not None), None)
        ax.set_title(wrap(_series_name(k, seg_col), 40) + (f" (n = {n_last:,} in {last})" if n_last else ""), fontsize=12, loc="left")
        ax.tick_params(axis="x", labelsize=9.5 if len(labels_x) > 4 else 10.5)
    return _chart("wave-segments", title, subtitle, foot, fig)
