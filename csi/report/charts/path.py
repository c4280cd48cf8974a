"""The path diagram: constructs laid out by layers, arrows with their coefficients."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from csi.report.charts.base import (
    INK,
    MUTED,
    OKABE_ITO,
    SLIDE_SIZE,
    Chart,
    _chart,
    _fit_choice,
    _fit_text,
    _num,
    _slide,
    footnote,
    labels_of,
    significance,
)
from csi.report.i18n import tr


# --------------------------------------------------------------------------------------
# path diagram
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Node centres in (column, row) units and the box half-size in the same units."""

    pos: dict[str, tuple[float, float]]
    columns: int
    rows: int
    half_w: float
    half_h: float


def layers(codes: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Column of each construct: the length of the longest path reaching it from an exogenous one."""
    preds: dict[str, list[str]] = {c: [] for c in codes}
    for a, b in edges:
        preds[b].append(a)
    layer: dict[str, int] = {}

    def depth(c: str, seen: frozenset[str]) -> int:
        if c in layer:
            return layer[c]
        if c in seen:  # cycles are rejected by the spec; guard anyway
            return 0
        layer[c] = 0 if not preds[c] else 1 + max(depth(p, seen | {c}) for p in preds[c])
        return layer[c]

    for c in codes:
        depth(c, frozenset())
    return layer


def _seg_box_hits(p0: np.ndarray, p1: np.ndarray, centres: np.ndarray, hw: float, hh: float) -> np.ndarray:
    """hits[e, n]: segment e (p0[e]→p1[e]) meets the box around centres[n] (Liang–Barsky slabs)."""
    d = (p1 - p0)[:, None, :]  # E,1,2
    lo = (centres - [hw, hh])[None, :, :]
    hi = (centres + [hw, hh])[None, :, :]
    o = p0[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (lo - o) / d
        t2 = (hi - o) / d
    tmin = np.where(d == 0, np.where((o >= lo) & (o <= hi), -np.inf, np.inf), np.minimum(t1, t2))
    tmax = np.where(d == 0, np.where((o >= lo) & (o <= hi), np.inf, -np.inf), np.maximum(t1, t2))
    enter = np.maximum(tmin.max(axis=2), 0.0)
    leave = np.minimum(tmax.min(axis=2), 1.0)
    return enter <= leave


def _crossings(p0: np.ndarray, p1: np.ndarray, share: np.ndarray) -> int:
    """Proper intersections between segments that share no endpoint."""

    def orient(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.sign((b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0]))

    A, B = p0[:, None, :], p1[:, None, :]
    C, D = p0[None, :, :], p1[None, :, :]
    cross = (orient(A, B, C) * orient(A, B, D) < 0) & (orient(C, D, A) * orient(C, D, B) < 0)
    cross &= ~share
    return int(np.triu(cross, 1).sum())


def layout(codes: Sequence[str], edges: Sequence[tuple[str, str]], aspect: float = 1.0, half_w: float = 0.40, half_h: float = 0.30) -> Layout:
    """Layered layout: column = longest-path layer; rows by a deterministic local search.

    Cost (lexicographic by weight): an arrow through another construct's box (1000), two
    coefficient labels (edge midpoints) on top of each other (40), arrow crossings (12), total
    vertical drop of the arrows (1 per row), distance from the vertical centre (0.2).
    ``aspect`` is the width of a column over the height of a row on the page, so that
    distances are compared in page units.
    """
    codes = list(codes)
    layer = layers(codes, edges)
    ncols = max(layer.values(), default=0) + 1
    cols: list[list[str]] = [[c for c in codes if layer[c] == k] for k in range(ncols)]
    nrows = max(len(c) for c in cols) + 2 if codes else 1
    idx = {c: i for i, c in enumerate(codes)}
    ea = np.array([idx[a] for a, _ in edges], dtype=int)
    eb = np.array([idx[b] for _, b in edges], dtype=int)
    xs = np.array([layer[c] for c in codes], dtype=float)
    # an edge may pass through its own endpoints' boxes; labels of edges sharing a target are near by design
    own = np.zeros((len(edges), len(codes)), dtype=bool)
    own[np.arange(len(edges)), ea] = True
    own[np.arange(len(edges)), eb] = True
    share = (ea[:, None] == ea[None, :]) | (ea[:, None] == eb[None, :]) | (eb[:, None] == ea[None, :]) | (eb[:, None] == eb[None, :])
    margin = 0.06
    hw, hh = half_w + margin, half_h + margin
    centre = (nrows - 1) / 2

    def cost(rows: np.ndarray) -> float:
        if not len(edges):
            return float(np.abs(rows - centre).sum())
        pts = np.column_stack([xs * aspect, rows])
        p0, p1 = pts[ea], pts[eb]
        hits = _seg_box_hits(p0, p1, pts, hw * aspect, hh) & ~own
        mid = (p0 + p1) / 2
        dm = np.abs(mid[:, None, :] - mid[None, :, :])
        crowd = (dm[..., 0] < 0.55 * aspect) & (dm[..., 1] < 0.32)
        crowd = int(np.triu(crowd, 1).sum())
        return 1000.0 * hits.sum() + 40.0 * crowd + 12.0 * _crossings(p0, p1, share) + np.abs(p1[:, 1] - p0[:, 1]).sum() + 0.2 * np.abs(rows - centre).sum()

    def improve(rows: np.ndarray) -> tuple[np.ndarray, float]:
        best = cost(rows)
        changed = True
        sweeps = 0
        while changed and sweeps < 30:
            changed = False
            sweeps += 1
            for col in cols:
                for c in col:
                    i = idx[c]
                    for r in range(nrows):
                        if r == rows[i]:
                            continue
                        trial = rows.copy()
                        other = [idx[o] for o in col if rows[idx[o]] == r]
                        if other:
                            trial[other[0]] = rows[i]  # swap with the node in that slot
                        trial[i] = r
                        c2 = cost(trial)
                        if c2 < best - 1e-9:
                            rows, best, changed = trial, c2, True
        return rows, best

    starts = []
    base = np.zeros(len(codes))
    for col in cols:  # centred
        off = (nrows - len(col)) / 2
        for k, c in enumerate(col):
            base[idx[c]] = math.floor(off) + k
    starts.append(base)
    rng = np.random.default_rng(20240601)  # fixed: the same model always gets the same picture
    for _ in range(6):
        s = np.zeros(len(codes))
        for col in cols:
            s[[idx[c] for c in col]] = rng.choice(nrows, size=len(col), replace=False)
        starts.append(s)
    best_rows, best_cost = starts[0], math.inf
    for start in starts:
        rows, cst = improve(start.astype(float))
        if cst < best_cost - 1e-9:
            best_rows, best_cost = rows, cst
    used = sorted({int(r) for r in best_rows})
    top = used[0] if used else 0
    rows_final = best_rows - top
    nused = (used[-1] - top + 1) if used else 1
    pos = {c: (float(layer[c]), float(rows_final[idx[c]])) for c in codes}
    return Layout(pos=pos, columns=ncols, rows=nused, half_w=half_w, half_h=half_h)


def diagram_numbers(d: Mapping[str, Any]) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], bool]:
    """(paths, constructs by code, is CB-SEM) as the path diagram draws them.

    Under ``--method cbsem`` the arrows carry the CB-SEM *standardized* paths with their z-test
    p-values (``cbsem.paths[].std_estimate``, ``p_value``) and the boxes the CB-SEM R²
    (``cbsem.r2``); the 0–100 indices stay the PLS ones, as results.json computes them.
    """
    cons = {str(c["name"]): dict(c) for c in d.get("constructs", [])}
    cb = d.get("cbsem") or {}
    if str(d.get("method") or "").lower() != "cbsem" or not cb.get("paths"):
        return [dict(p) for p in d.get("paths", [])], cons, False
    paths = []
    for p in cb["paths"]:
        est, se = p.get("std_estimate", p.get("estimate")), p.get("std_se")
        ci = [est - 1.959963984540054 * se, est + 1.959963984540054 * se] if est is not None and se is not None else None  # Wald 95%
        paths.append({"from": p["from"], "to": p["to"], "estimate": est, "p_value": p.get("p_value"), "ci": ci})
    for code, r2 in (cb.get("r2") or {}).items():
        cons.setdefault(str(code), {"name": code})["r2"] = r2
    for c in cons.values():
        if c["name"] not in (cb.get("r2") or {}):
            c["r2"] = None
    return paths, cons, True


def _path_title(d: Mapping[str, Any], paths: Sequence[Mapping[str, Any]], labels: Mapping[str, str]) -> str:
    """Headline: the strongest driver of the satisfaction construct, unless its interval overlaps the runner-up's."""
    model = d.get("model") or {}
    roles = model.get("roles") or {}
    focus: str | None = str(roles["satisfaction"]) if roles.get("satisfaction") in labels else None
    if focus is None and paths:
        focus = str(paths[-1]["to"])
    into = sorted((p for p in paths if p["to"] == focus), key=lambda p: -abs(_num(p["estimate"])))
    if not into or focus is None:
        return tr("path.title_model", m=model.get("label") or model.get("name") or "")
    top = into[0]
    if len(into) > 1 and top.get("ci") and into[1].get("ci") and None not in top["ci"] and None not in into[1]["ci"]:
        lo_top = min(abs(_num(top["ci"][0])), abs(_num(top["ci"][1]))) if _num(top["ci"][0]) * _num(top["ci"][1]) > 0 else 0.0
        hi_next = max(abs(_num(into[1]["ci"][0])), abs(_num(into[1]["ci"][1])))
        if lo_top <= hi_next:  # the intervals overlap: no single strongest driver
            tied = [p for p in into if max(abs(_num(p["ci"][0])), abs(_num(p["ci"][1]))) >= lo_top] if all(p.get("ci") for p in into) else into[:2]
            return tr("path.title_tie", b=labels[focus], v=tr("and").join(labels[p["from"]] for p in tied[:2]))
    return tr("path.title", a=labels[top["from"]], b=labels[focus], v=f"{_num(top['estimate']):.2f}")


def path_diagram(d: Mapping[str, Any]) -> Chart:
    """The structural model: constructs as boxes (label, index, R²), paths as arrows with coefficients.

    Arrow width grows with |coefficient|; with bootstrap results the coefficient carries stars
    (* p < .05, ** p < .01, *** p < .001) and non-significant paths are dashed.
    """
    labels = labels_of(d)
    model = d.get("model") or {}
    codes = [str(c["code"]) for c in model.get("constructs", [])] or list(labels)
    paths, cons, is_cb = diagram_numbers(d)
    paths = [p for p in paths if p.get("from") in labels and p.get("to") in labels]
    edges = [(str(p["from"]), str(p["to"])) for p in paths]
    boot = any(p.get("p_value") is not None or p.get("ci") is not None for p in paths)
    title = _path_title(d, paths, labels)
    sat = (model.get("roles") or {}).get("satisfaction")
    focus = str(sat) if sat in labels else (edges[-1][1] if edges else None)
    subtitle = tr("path.subtitle_cbsem") if is_cb else tr("path.subtitle")
    if boot:
        note = tr("path.stars", test=tr("path.test_z") if is_cb else tr("path.test_boot"))
    else:
        note = tr("path.noboot")
    if is_cb and (d.get("cbsem") or {}).get("admissibility"):
        note += "\n" + tr("path.inadmissible", n=len(d["cbsem"]["admissibility"]))
    foot = footnote(d, note, cbsem=is_cb)
    fig = _slide(title, subtitle, foot)

    ax = fig.add_axes((0.03, 0.13, 0.94, 0.69))
    ax.set_axis_off()
    # page size of the axes in inches → column/row aspect for the layout cost
    ax_w, ax_h = 0.94 * SLIDE_SIZE[0], 0.69 * SLIDE_SIZE[1]
    ncols = max(layers(codes, edges).values(), default=0) + 1
    prelim_rows = max(3, max((list(layers(codes, edges).values()).count(k) for k in range(ncols)), default=1) + 2)
    col_in, row_in = ax_w / ncols, ax_h / prelim_rows
    half_w = min(0.42, 1.15 / col_in)
    half_h = min(0.32, 0.55 / row_in)
    lay = layout(codes, edges, aspect=col_in / row_in, half_w=half_w, half_h=half_h)
    ax.set_xlim(-0.5, lay.columns - 0.5)
    ax.set_ylim(max(lay.rows, 1) - 0.5, -0.5)
    # box size in data units from a fixed size on the page (bigger when there is room)
    col_in, row_in = ax_w / lay.columns, ax_h / max(lay.rows, 1)
    hw = min(0.42, 1.15 / col_in)
    hh = min(0.34, 0.55 / row_in)
    px_per_x = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
    px_per_y = abs(ax.transData.transform((0, 1))[1] - ax.transData.transform((0, 0))[1])

    boxes: dict[str, FancyBboxPatch] = {}
    exo = {c for c in codes if not any(b == c for _, b in edges)}
    for c in codes:
        x, y = lay.pos[c]
        fc = "#E8F1F8" if c not in exo else "#FFF4DC"
        ec = OKABE_ITO["blue"] if c not in exo else OKABE_ITO["orange"]
        box = FancyBboxPatch((x - hw, y - hh), 2 * hw, 2 * hh, boxstyle="round,pad=0,rounding_size=0.06", mutation_aspect=px_per_x / px_per_y,
                             facecolor=fc, edgecolor=ec, linewidth=1.6 if c != focus else 2.6, zorder=3)
        ax.add_patch(box)
        boxes[c] = box
        info = cons.get(c, {})
        stats = []
        if info.get("index") is not None:
            stats.append(tr("path.index", v=f"{float(info['index']):.1f}"))
        if info.get("r2") is not None:
            stats.append(f"R² {float(info['r2']):.2f}")
        bw, bh = 2 * hw * px_per_x, 2 * hh * px_per_y
        _fit_text(ax, x, y - hh * 0.22, labels[c], bw * 0.92, bh * 0.58, (13, 12, 11, 10, 9, 8), fontweight="bold", color=INK, zorder=4, gid=f"node:{c}")
        if stats:
            _fit_choice(ax, x, y + hh * 0.5, [" · ".join(stats), "\n".join(stats)], bw * 0.94, bh * 0.42, (10.5, 10, 9.5, 9, 8.5, 8, 7.5),
                        color=MUTED, zorder=4, gid=f"stats:{c}")

    texts = []
    for p in paths:
        a, b = str(p["from"]), str(p["to"])
        est = _num(p["estimate"])
        stars, sig = significance(p.get("p_value"), p.get("ci"))
        colour = OKABE_ITO["blue"] if est >= 0 else OKABE_ITO["vermillion"]
        lw = 0.9 + 4.0 * min(abs(est), 1.0) if np.isfinite(est) else 0.9
        ls = "--" if sig is False else "-"
        arrow = FancyArrowPatch(lay.pos[a], lay.pos[b], patchA=boxes[a], patchB=boxes[b], arrowstyle="-|>", mutation_scale=16 + 2 * lw,
                                linewidth=lw, linestyle=ls, color=colour, shrinkA=1, shrinkB=2, zorder=2, alpha=0.9 if sig is not False else 0.65)
        ax.add_patch(arrow)
        texts.append(ax.text(0, 0, f"{est:.2f}{stars}", ha="center", va="center", fontsize=11, color=colour if sig is not False else MUTED,
                             fontweight="bold" if sig else "normal", zorder=5, gid=f"path:{a}->{b}",
                             bbox={"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": "none", "alpha": 0.92}))
    place_path_labels(ax, lay.pos, edges, texts, hw, hh)
    # legend: box colours
    handles = [Patch(facecolor="#FFF4DC", edgecolor=OKABE_ITO["orange"], label=tr("path.exo")),
               Patch(facecolor="#E8F1F8", edgecolor=OKABE_ITO["blue"], label=tr("path.endo"))]
    if any(_num(p["estimate"]) < 0 for p in paths):
        handles.append(Patch(color=OKABE_ITO["vermillion"], label=tr("path.neg")))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.03, 0.845), fontsize=10.5, ncol=len(handles))
    chart = _chart("path-diagram", title, subtitle, foot, fig)
    return chart


def _seg_rect(p0: tuple[float, float], p1: tuple[float, float], r: tuple[float, float, float, float]) -> bool:
    """Whether the segment p0→p1 meets the rectangle r = (x0, y0, x1, y1) (Liang–Barsky clipping)."""
    hits = _seg_box_hits(np.array([p0], float), np.array([p1], float), np.array([[(r[0] + r[2]) / 2, (r[1] + r[3]) / 2]]),
                         (r[2] - r[0]) / 2, (r[3] - r[1]) / 2)
    return bool(hits[0, 0])


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Area shared by two rectangles (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0.0) * max(h, 0.0)


def place_path_labels(ax: Any, pos: Mapping[str, tuple[float, float]], edges: Sequence[tuple[str, str]], texts: Sequence[Any],
                      hw: float, hh: float, pad: float = 3.0) -> None:
    """Move each coefficient label to a spot clear of every other label, box and arrow.

    Candidates (in pixels): points along the visible part of the label's own arrow (its middle
    first, then towards either end), then the same points shifted off the line on either side.
    The first candidate whose box (text + ``pad`` px) overlaps no construct box, no label
    already placed and no other arrow wins; when none is clear, the one with the least
    overlapping area.  Arrows are straight segments between box centres, so the test is exact.
    """
    renderer = ax.figure.canvas.get_renderer()
    to_px = ax.transData.transform
    boxes = []
    for x, y in pos.values():
        (bx0, by0), (bx1, by1) = to_px((x - hw, y - hh)), to_px((x + hw, y + hh))
        boxes.append((min(bx0, bx1), min(by0, by1), max(bx0, bx1), max(by0, by1)))
    segs = [(tuple(to_px(pos[a])), tuple(to_px(pos[b]))) for a, b in edges]
    placed: list[tuple[float, float, float, float]] = []
    for k, ((a, b), t) in enumerate(zip(edges, texts, strict=True)):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ends = (_exit_t(x0, y0, x1, y1, hw, hh), 1 - _exit_t(x1, y1, x0, y0, hw, hh))
        t.set_position(((x0 + x1) / 2, (y0 + y1) / 2))
        best: tuple[float, float, float] | None = None
        for size in (11.0, 10.0, 9.0, 8.0):  # smaller only when no spot is clear at the larger size
            t.set_fontsize(size)
            best = _best_spot(t.get_window_extent(renderer), segs, k, ends, boxes, placed, pad)
            if best[2] == 0:
                break
        assert best is not None
        cx, cy, _ = best
        t.set_position(tuple(ax.transData.inverted().transform((cx, cy))))
        ext = t.get_window_extent(renderer)
        placed.append((cx - ext.width / 2 - pad, cy - ext.height / 2 - pad, cx + ext.width / 2 + pad, cy + ext.height / 2 + pad))


_FRACTIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88)


def _best_spot(ext: Any, segs: Sequence[tuple[tuple[float, float], tuple[float, float]]], k: int, ends: tuple[float, float],
               boxes: Sequence[tuple[float, float, float, float]], placed: Sequence[tuple[float, float, float, float]],
               pad: float) -> tuple[float, float, float]:
    """(x, y, cost) in pixels of the clearest spot for a label of extent ``ext`` on arrow ``k``.

    Cost: 1000 per thing hit (a label, a box, another arrow) plus the overlapping area.
    """
    w, h = ext.width / 2 + pad, ext.height / 2 + pad
    (p0x, p0y), (p1x, p1y) = segs[k]
    length = math.hypot(p1x - p0x, p1y - p0y) or 1.0
    nx, ny = -(p1y - p0y) / length, (p1x - p0x) / length
    shift = abs(nx) * w + abs(ny) * h + 2  # off the line by the label's half-extent across it
    best = (p0x, p0y, math.inf)
    for off in (0.0, shift, -shift, 2 * shift, -2 * shift, 3 * shift, -3 * shift):
        for f in _FRACTIONS:
            tt = ends[0] + f * (ends[1] - ends[0])
            cx, cy = p0x + tt * (p1x - p0x) + off * nx, p0y + tt * (p1y - p0y) + off * ny
            r = (cx - w, cy - h, cx + w, cy + h)
            areas = [_overlap(r, o) for o in (*placed, *boxes)]
            cost = sum(areas) + 1000.0 * sum(a > 0 for a in areas)
            cost += sum(1000.0 for j, s in enumerate(segs) if j != k and _seg_rect(s[0], s[1], r))
            if cost < best[2]:
                best = (cx, cy, cost)
            if cost == 0:
                return best
    return best


def _exit_t(x0: float, y0: float, x1: float, y1: float, hw: float, hh: float) -> float:
    """Fraction of the segment (x0,y0)→(x1,y1) spent inside the box centred on (x0,y0)."""
    dx, dy = abs(x1 - x0), abs(y1 - y0)
    tx = hw / dx if dx > 0 else math.inf
    ty = hh / dy if dy > 0 else math.inf
    return float(min(tx, ty, 0.5))


