"""Charts of csi results: matplotlib (Agg), no Graphviz or other system dependency.

Every chart is a function of a results *dictionary* — ``results.json`` of ``csi fit`` or
``scores.json`` of ``csi score`` as read back from disk — so renderers never re-estimate:
the numbers drawn are the numbers in the file (the tests read them back off the figures and
compare them with the file to 1e-12).

One style for all charts: slide-sized figures (13.33 × 7.5 in, 16:9), the Okabe–Ito
colour-blind-safe palette (Okabe & Ito 2008), DejaVu Sans with Noto Sans CJK as a per-glyph
fallback (bundled by the ``noto-cjk-sans-otc`` package) so model labels in Japanese, Chinese
or Korean render as text rather than boxes, a title that says what the chart shows, a
subtitle that says how to read it and a footnote with the model, n and settings.

The path diagram lays out any DAG of constructs: columns by the longest path from the
exogenous constructs, rows chosen by a deterministic local search that keeps arrows out of
other constructs' boxes, then minimises crossings, crowded coefficient labels and slope.
"""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle

from csi._io import atomic_write

# Okabe & Ito (2008), "Color Universal Design": distinguishable under all common colour-vision deficiencies.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
SERIES = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
INK = "#1F1F1F"
MUTED = "#5F5F5F"
GRID = "#E3E3E3"
LIGHT = "#F3F6F9"
SLIDE_SIZE = (40 / 3, 7.5)  # inches: PowerPoint's 16:9 widescreen slide (12,192,000 × 6,858,000 EMU)
DEFAULT_DPI = 150
LOADING_THRESHOLD = 0.708  # loading² ≥ 0.5: the item shares at least half its variance with the construct
HTMT_THRESHOLDS = (0.85, 0.90)  # Henseler, Ringle & Sarstedt (2015): strict and liberal
FORMATS = ("png", "svg", "pdf")

_CJK_PACKAGE = "noto_cjk_sans_otc"
_cjk_fonts: list[str] | None = None


@dataclass(frozen=True)
class Chart:
    """One rendered chart: a slug (file name), its texts and the matplotlib figure."""

    key: str
    title: str
    subtitle: str
    footnote: str
    figure: Figure

    @property
    def description(self) -> str:
        return "\n".join(t for t in (self.title, self.subtitle, self.footnote) if t)


# --------------------------------------------------------------------------------------
# style
# --------------------------------------------------------------------------------------
def cjk_fonts() -> list[str]:
    """Register the bundled Noto Sans CJK collection with matplotlib; its family names."""
    global _cjk_fonts
    if _cjk_fonts is None:
        from matplotlib import font_manager

        _cjk_fonts = []
        try:
            mod = __import__(_CJK_PACKAGE)
            path = str(mod.FONT_PATH)
        except (ImportError, AttributeError):
            return _cjk_fonts  # charts still render; missing glyphs are reported by the caller
        # Noto Sans CJK ships one weight: matplotlib logs each bold fallback; the regular weight is intended
        logging.getLogger("matplotlib.font_manager").addFilter(_NoWeightFallbackNoise())
        before = {f.name for f in font_manager.fontManager.ttflist}
        font_manager.fontManager.addfont(path)
        _cjk_fonts = sorted({f.name for f in font_manager.fontManager.ttflist if f.fname == path} - before) or sorted(
            {f.name for f in font_manager.fontManager.ttflist if f.fname == path}
        )
    return _cjk_fonts


class _NoWeightFallbackNoise(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "Failed to find font weight" not in record.getMessage()


def _script_family(texts: Sequence[str]) -> list[str]:
    """Font fallback list: DejaVu Sans, then the Noto CJK variant suited to the labels' script."""
    names = cjk_fonts()
    if not names:
        return ["DejaVu Sans"]
    joined = "".join(texts)
    if re.search(r"[\u3040-\u30ff]", joined):  # kana → Japanese glyph forms
        want = "Noto Sans CJK JP"
    elif re.search(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]", joined):  # hangul
        want = "Noto Sans CJK KR"
    elif re.search(r"[\u4e00-\u9fff]", joined):  # Han without kana: Chinese
        want = "Noto Sans CJK SC"
    else:
        want = "Noto Sans CJK JP"
    return ["DejaVu Sans", want if want in names else names[0]]


@contextmanager
def style(texts: Sequence[str] = ()) -> Iterator[None]:
    """matplotlib settings shared by every chart (fonts are resolved when text is created and drawn)."""
    rc: dict[str, Any] = {
        "font.family": _script_family(texts),
        "font.size": 12,
        "axes.titlesize": 14,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": 12,
        "axes.labelcolor": INK,
        "axes.edgecolor": "#8A8A8A",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "grid.color": GRID,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.labelsize": 11,
        "ytick.labelsize": 11,
        "legend.frameon": False,
        "legend.fontsize": 11,
        "text.color": INK,
        "svg.hashsalt": "csi",  # stable ids: the same results give the same SVG
        "svg.fonttype": "path",  # text as outlines: no font needed to view the file
        "pdf.compression": 6,
        # glyph widths that scale with the resolution: text fitted at one dpi fits at every dpi
        "text.hinting": "no_hinting",
    }
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        yield


def _slide(title: str, subtitle: str, footnote: str) -> Figure:
    """A slide-sized figure with the title, subtitle and footnote fitted to its width."""
    fig = Figure(figsize=SLIDE_SIZE, dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    width = 0.91 * fig.bbox.width  # margin: text extents vary a little with the output resolution
    _fit_width(fig.text(0.035, 0.945, title, fontsize=22, fontweight="bold", color=INK, va="top", ha="left", gid="title"), width, 15)
    if subtitle:
        _fit_width(fig.text(0.035, 0.875, subtitle, fontsize=13.5, color=MUTED, va="top", ha="left", gid="subtitle"), width, 10.5)
    if footnote:
        _fit_width(fig.text(0.035, 0.018, footnote, fontsize=9, color=MUTED, va="bottom", ha="left", gid="footnote"), width, 7.5, wrap_lines=True)
    return fig


def _fit_width(t: matplotlib.text.Text, max_px: float, min_size: float, wrap_lines: bool = False) -> None:
    """Shrink a text down to ``min_size`` points until it fits ``max_px``; then wrap it (or cut it with …)."""
    renderer = t.figure.canvas.get_renderer()  # type: ignore[union-attr,attr-defined]
    size = float(t.get_fontsize())
    while t.get_window_extent(renderer).width > max_px and size > min_size:
        size = max(min_size, size - 0.5)
        t.set_fontsize(size)
    if t.get_window_extent(renderer).width <= max_px:
        return
    text = t.get_text()
    if wrap_lines:
        lines = text.split("\n")
        out = []
        for line in lines:
            t.set_text(line)
            w = t.get_window_extent(renderer).width
            n = max(20, int(len(line) * max_px / w) - 2) if w > max_px else len(line)
            out.append(wrap(line, n))
        t.set_text("\n".join(out))
    else:
        while len(text) > 10 and t.get_window_extent(renderer).width > max_px:
            text = text[:-2]
            t.set_text(text.rstrip() + "…")


def _chart(key: str, title: str, subtitle: str, footnote: str, fig: Figure) -> Chart:
    return Chart(key=key, title=title, subtitle=subtitle, footnote=footnote, figure=fig)


def save(chart: Chart, path: str | Path, fmt: str | None = None, dpi: int = DEFAULT_DPI) -> Path:
    """Write one chart as PNG, SVG or PDF, atomically."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".")
    data = render_bytes(chart, fmt, dpi)

    def _w(tmp: Path) -> None:
        tmp.write_bytes(data)

    return atomic_write(path, _w)


def render_bytes(chart: Chart, fmt: str = "png", dpi: int = DEFAULT_DPI) -> bytes:
    """The chart encoded as ``png``, ``svg`` or ``pdf``; metadata without dates, so reruns are identical."""
    buf = io.BytesIO()
    metas: dict[str, dict[str, Any]] = {"png": {"Software": "csi"}, "svg": {"Date": None, "Creator": "csi"},
                                        "pdf": {"CreationDate": None, "Creator": "csi", "Title": chart.title}}
    if fmt not in metas:
        raise ValueError(f"chart format should be one of {', '.join(metas)}; got {fmt!r}")
    meta = metas[fmt]
    with style(_texts(chart.figure)):
        chart.figure.savefig(buf, format=fmt, dpi=dpi, metadata=meta, facecolor="white")
    return buf.getvalue()


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text)]


# --------------------------------------------------------------------------------------
# reading the results dictionary
# --------------------------------------------------------------------------------------
def labels_of(d: Mapping[str, Any]) -> dict[str, str]:
    """Construct code → display label (the code when the model gives no label)."""
    model = d.get("model") or {}
    out = {str(c["code"]): str(c.get("label") or c["code"]) for c in model.get("constructs", [])}
    for c in d.get("constructs", []):
        out.setdefault(str(c["name"]), str(c.get("label") or c["name"]))
    return out


def all_texts(d: Mapping[str, Any]) -> list[str]:
    """Every label a chart of ``d`` may show (to choose the font variant)."""
    model = d.get("model") or {}
    texts = [str(model.get("label") or ""), *labels_of(d).values()]
    texts += [str(r.get("segment", "")) for r in ((d.get("tiers") or {}).get("groups") or [])]
    return texts


def _num(v: Any) -> float:
    return float("nan") if v is None else float(v)


def _fmt_n(v: Any) -> str:
    return "–" if v is None else f"{int(v):,}"


def significance(p_value: Any, ci: Any = None) -> tuple[str, bool | None]:
    """Stars and significance at 5% from a bootstrap p-value, else from a CI excluding 0.

    ``(stars, significant)``; ``significant`` is None when the results carry neither.
    """
    if p_value is not None and np.isfinite(p_value):
        p = float(p_value)
        stars = "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""
        return stars, p < 0.05
    if ci is not None and len(ci) == 2 and ci[0] is not None and ci[1] is not None:
        sig = bool(ci[0] > 0 or ci[1] < 0)
        return ("*" if sig else ""), sig
    return "", None


def footnote(d: Mapping[str, Any], extra: str = "") -> str:
    """Model, method, n and settings in one line (``extra`` is appended)."""
    model = d.get("model") or {}
    s = d.get("settings") or {}
    parts = []
    name = model.get("label") or model.get("name") or "model"
    if model.get("name") and model.get("label"):
        name = f"{model['label']} ({model['name']})"
    parts.append(f"Model: {name}")
    method = str(d.get("method") or s.get("method") or "pls").upper()
    parts.append(f"{method}, {s.get('scheme', 'path')} scheme" if method == "PLS" else method)
    n_obs = d.get("n_obs")
    if n_obs is not None:
        nr = s.get("n_read")
        parts.append(f"n = {_fmt_n(n_obs)}" + (f" of {_fmt_n(nr)} ({s.get('missing', 'casewise')})" if nr and nr != n_obs else ""))
    if s.get("weighted"):
        parts.append(f"weighted (effective n {float(s.get('n_effective') or 0):.0f})")
    b = s.get("bootstrap") or {}
    if b or s.get("resamples"):
        used = b.get("resamples_used", s.get("resamples"))
        level = b.get("level")
        lvl = f" {float(level) * 100:g}%" if level is not None else ""
        parts.append(f"bootstrap {_fmt_n(used)} resamples, {b.get('ci', 'percentile')}{lvl} intervals, seed {b.get('seed', s.get('seed'))}")
    else:
        parts.append("no bootstrap")
    src = s.get("source")
    if src and not str(src).startswith("<"):  # "<data frame>": fitted from memory, no file to name
        parts.append(f"data: {Path(str(src)).name}")
    ver = d.get("csi_version")
    if ver:
        parts.append(f"csi {ver}")
    text = " · ".join(parts)
    return f"{text}\n{extra}" if extra else text


def _level(d: Mapping[str, Any]) -> str:
    b = (d.get("settings") or {}).get("bootstrap") or {}
    return f"{float(b['level']) * 100:g}%" if b.get("level") is not None else "95%"


# --------------------------------------------------------------------------------------
# text helpers
# --------------------------------------------------------------------------------------
_WIDE = re.compile(r"[\u1100-\u115f\u2e80-\u303e\u3040-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")


def _units(text: str) -> int:
    """Width in narrow-character units: East Asian wide characters count 2."""
    return sum(2 if _WIDE.match(ch) else 1 for ch in text)


def wrap(text: str, width: int) -> str:
    """Greedy wrap at ``width`` units; CJK text may break between any two characters."""
    tokens = re.findall(_WIDE.pattern + r"|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uffe6]+|\s+", text)
    lines: list[str] = []
    line = ""
    for tok in tokens:
        if tok.isspace():
            if line:
                line += " "
            continue
        if line and _units(line + tok) > width:
            lines.append(line.rstrip())
            line = tok
        else:
            line += tok
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines) or text


def _fit_text(ax: Axes, x: float, y: float, text: str, box_w: float, box_h: float, sizes: Sequence[float], **kw: Any) -> matplotlib.text.Text:
    """Place ``text`` centred at (x, y), wrapped and shrunk until it fits a box of pixels (box_w, box_h)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    t = ax.text(x, y, text, ha="center", va="center", **kw)
    for size in sizes:
        for width in range(max(8, _units(text)), 5, -2):
            t.set_fontsize(size)
            t.set_text(wrap(text, width))
            ext = t.get_window_extent(renderer)
            if ext.width <= box_w and ext.height <= box_h:
                return t
            if ext.height > box_h:
                break  # narrower wraps only add lines
    return t


def _fit_choice(ax: Axes, x: float, y: float, choices: Sequence[str], box_w: float, box_h: float, sizes: Sequence[float], **kw: Any) -> matplotlib.text.Text:
    """The first of ``choices`` (at the largest of ``sizes``) that fits a box of pixels (box_w, box_h)."""
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    t = ax.text(x, y, choices[0], ha="center", va="center", **kw)
    for size in sizes:
        for text in choices:
            t.set_fontsize(size)
            t.set_text(text)
            ext = t.get_window_extent(renderer)
            if ext.width <= box_w and ext.height <= box_h:
                return t
    return t


def _place_labels(ax: Axes, xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], **kw: Any) -> list[matplotlib.text.Text]:
    """Annotate points, trying 8 offsets each so labels overlap neither each other nor the points."""
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    placed: list[Any] = []
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    axbox = ax.get_window_extent(renderer)
    out: list[matplotlib.text.Text] = []
    offsets = [(10, 6, "left", "bottom"), (10, -6, "left", "top"), (-10, 6, "right", "bottom"), (-10, -6, "right", "top"),
               (0, 12, "center", "bottom"), (0, -12, "center", "top"), (16, 0, "left", "center"), (-16, 0, "right", "center")]
    for x, y, text in zip(xs, ys, texts, strict=True):
        best = None
        for dx, dy, ha, va in offsets:
            t = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75}, **kw)
            bb = t.get_window_extent(renderer).expanded(1.04, 1.1)
            clash = any(bb.overlaps(o) for o in placed)
            clash = clash or any(bb.contains(px, py) for px, py in pts)
            inside = axbox.contains(bb.x0, bb.y0) and axbox.contains(bb.x1, bb.y1)
            if not clash and inside:
                best = t
                placed.append(bb)
                break
            t.remove()
        if best is None:  # crowded: keep the first position
            dx, dy, ha, va = offsets[0]
            best = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **kw)
            placed.append(best.get_window_extent(renderer))
        out.append(best)
    return out


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


def path_diagram(d: Mapping[str, Any]) -> Chart:
    """The structural model: constructs as boxes (label, index, R²), paths as arrows with coefficients.

    Arrow width grows with |coefficient|; with bootstrap results the coefficient carries stars
    (* p < .05, ** p < .01, *** p < .001) and non-significant paths are dashed.
    """
    labels = labels_of(d)
    model = d.get("model") or {}
    codes = [str(c["code"]) for c in model.get("constructs", [])] or list(labels)
    paths = [p for p in d.get("paths", []) if p.get("from") in labels and p.get("to") in labels]
    edges = [(str(p["from"]), str(p["to"])) for p in paths]
    cons = {str(c["name"]): c for c in d.get("constructs", [])}
    boot = any(p.get("p_value") is not None or p.get("ci") is not None for p in paths)

    # the focus construct for the headline: satisfaction by role, else the last endogenous
    roles = model.get("roles") or {}
    focus: str | None = str(roles["satisfaction"]) if roles.get("satisfaction") in labels else None
    if focus is None and edges:
        focus = edges[-1][1]
    into = [p for p in paths if p["to"] == focus]
    if into and focus is not None:
        top = max(into, key=lambda p: abs(_num(p["estimate"])))
        title = f"{labels[top['from']]} drives {labels[focus]} most (path {_num(top['estimate']):.2f})"
    else:
        title = f"Structural model of {model.get('label') or model.get('name') or 'the survey'}"
    subtitle = "Path coefficients on the arrows (standardized), index (0–100) and R² in the boxes"
    if boot:
        note = "Stars: * p < 0.05, ** p < 0.01, *** p < 0.001 (bootstrap); dashed arrows are not significant at 5%."
    else:
        note = "No bootstrap: significance not assessed (rerun csi fit with --boot to mark significant paths)."
    foot = footnote(d, note)
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
            stats.append(f"Index {float(info['index']):.1f}")
        if info.get("r2") is not None:
            stats.append(f"R² {float(info['r2']):.2f}")
        bw, bh = 2 * hw * px_per_x, 2 * hh * px_per_y
        _fit_text(ax, x, y - hh * 0.22, labels[c], bw * 0.92, bh * 0.58, (13, 12, 11, 10, 9, 8), fontweight="bold", color=INK, zorder=4, gid=f"node:{c}")
        if stats:
            _fit_choice(ax, x, y + hh * 0.5, [" · ".join(stats), "\n".join(stats)], bw * 0.94, bh * 0.42, (10.5, 10, 9.5, 9, 8.5, 8, 7.5),
                        color=MUTED, zorder=4, gid=f"stats:{c}")

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
        # label at the middle of the visible part of the arrow
        (x0, y0), (x1, y1) = lay.pos[a], lay.pos[b]
        t0 = _exit_t(x0, y0, x1, y1, hw, hh)
        t1 = 1 - _exit_t(x1, y1, x0, y0, hw, hh)
        tm = (t0 + t1) / 2
        xm, ym = x0 + tm * (x1 - x0), y0 + tm * (y1 - y0)
        ax.text(xm, ym, f"{est:.2f}{stars}", ha="center", va="center", fontsize=11, color=colour if sig is not False else MUTED,
                fontweight="bold" if sig else "normal", zorder=5, gid=f"path:{a}->{b}",
                bbox={"boxstyle": "round,pad=0.18", "facecolor": "white", "edgecolor": "none", "alpha": 0.92})
    # legend: box colours
    handles = [Patch(facecolor="#FFF4DC", edgecolor=OKABE_ITO["orange"], label="Exogenous (driver)"),
               Patch(facecolor="#E8F1F8", edgecolor=OKABE_ITO["blue"], label="Endogenous (outcome, with R²)")]
    if any(_num(p["estimate"]) < 0 for p in paths):
        handles.append(Patch(color=OKABE_ITO["vermillion"], label="Negative path"))
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.03, 0.845), fontsize=10.5, ncol=len(handles))
    chart = _chart("path-diagram", title, subtitle, foot, fig)
    return chart


def _exit_t(x0: float, y0: float, x1: float, y1: float, hw: float, hh: float) -> float:
    """Fraction of the segment (x0,y0)→(x1,y1) spent inside the box centred on (x0,y0)."""
    dx, dy = abs(x1 - x0), abs(y1 - y0)
    tx = hw / dx if dx > 0 else math.inf
    ty = hh / dy if dy > 0 else math.inf
    return float(min(tx, ty, 0.5))


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
    has_ci = any(c.get("index_ci") for c in cons)
    if focus is not None:
        fc = next(c for c in cons if c["name"] == focus)
        title = f"{labels[focus]} index: {float(fc['index']):.1f} out of 100"
    else:
        best = max(cons, key=lambda c: float(c["index"]))
        title = f"Highest index: {labels[best['name']]} at {float(best['index']):.1f} out of 100"
    subtitle = "Index per construct on a 0–100 scale" + (f", with {_level(d)} bootstrap intervals" if has_ci else "")
    note = "" if has_ci else "No bootstrap: intervals not available (rerun csi fit with --boot)."
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
        lo = np.array([float(c["index_ci"][0]) if c.get("index_ci") else np.nan for c in cons])
        hi = np.array([float(c["index_ci"][1]) if c.get("index_ci") else np.nan for c in cons])
        ax.errorbar(vals, y, xerr=np.vstack([vals - lo, hi - vals]), fmt="none", ecolor=INK, elinewidth=1.4, capsize=5, zorder=3, gid="index-ci")
        ends = np.where(np.isfinite(hi), hi, vals)
    else:
        ends = vals
    for yi, v, e, c in zip(y, vals, ends, cons, strict=True):
        txt = f"{v:.1f}"
        if has_ci and c.get("index_ci"):
            txt += f"  [{float(c['index_ci'][0]):.1f}, {float(c['index_ci'][1]):.1f}]"
        ax.text(float(e) + 1.2, float(yi), txt, va="center", ha="left", fontsize=12, color=INK, fontweight="bold" if c["name"] == focus else "normal")
    ax.set_yticks(y, [wrap(labels[c["name"]], 28) for c in cons])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 20))
    ax.xaxis.grid(True, color=GRID, zorder=0)
    ax.set_axisbelow(True)
    ax.set_xlabel("Index (0 = lowest possible answer on every item, 100 = highest)")
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    return _chart("index-bars", title, subtitle, foot, fig)


# --------------------------------------------------------------------------------------
# importance–performance map
# --------------------------------------------------------------------------------------
def ipma_map(d: Mapping[str, Any]) -> Chart | None:
    """Importance (total effect on the target, index points) against performance (index).

    Quadrants split at the mean importance and mean performance, as csi.ipma defines the
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


# --------------------------------------------------------------------------------------
# loyalty tiers
# --------------------------------------------------------------------------------------
_TIER_COLOURS = {
    "detractor": OKABE_ITO["vermillion"], "passive": "#BDBDBD", "promoter": OKABE_ITO["green"],
    "defector": OKABE_ITO["vermillion"], "terrorist": "#8B2C00", "hostage": OKABE_ITO["orange"], "mercenary": OKABE_ITO["sky"],
    "apostle": OKABE_ITO["green"], "loyalist": OKABE_ITO["green"],
    "at risk": OKABE_ITO["vermillion"], "vulnerable": OKABE_ITO["orange"], "committed": OKABE_ITO["green"],
}
_TIER_ORDER = ["terrorist", "defector", "detractor", "at risk", "hostage", "mercenary", "passive", "vulnerable", "loyalist", "apostle", "promoter", "committed"]


def _segment_name(r: Mapping[str, Any]) -> str:
    seg = r.get("segment")
    group = r.get("group") or r.get("column")
    if seg is None or str(seg) in ("all", ""):
        return "All respondents"
    if group and r.get("level") is not None:
        return f"{group}: {r['level']}"
    if not group and "=" in str(seg):  # "region=East" (tier statistics rows)
        col, _, val = str(seg).partition("=")
        return f"{col}: {val}"
    return f"{group}: {seg}" if group and f"{group}" not in str(seg) else str(seg)


def _tier_key(t: str) -> str:
    """'Loyalists' → 'loyalist': colour and order look-ups take singular lower case."""
    t = t.lower().replace("_", " ")
    for cand in (t, t[:-3] + "y" if t.endswith("ies") else t, t[:-1] if t.endswith("s") else t):
        if cand in _TIER_ORDER:
            return cand
    return t


def _scheme_title(scheme: str) -> str:
    name, _, arg = scheme.partition(":")
    return f"{name.capitalize()} (cut-off {arg})" if arg else name.capitalize()


def tier_bars(d: Mapping[str, Any]) -> list[Chart]:
    """Tier shares as 100% stacked bars, overall and by segment; one chart per tier scheme."""
    tiers = d.get("tiers") or {}
    groups = [g for g in (tiers.get("groups") or []) if g.get("share") is not None]
    if not groups:
        return []
    schemes = list(dict.fromkeys(str(g.get("scheme", "tiers")) for g in groups))
    summary = tiers.get("summary") or {}
    out = []
    for scheme in schemes:
        rows = [g for g in groups if str(g.get("scheme", "tiers")) == scheme]
        tier_names = list(dict.fromkeys(str(g["tier"]) for g in rows))
        tier_names.sort(key=lambda t: _TIER_ORDER.index(_tier_key(t)) if _tier_key(t) in _TIER_ORDER else len(_TIER_ORDER))
        segs = list(dict.fromkeys(_segment_name(g) for g in rows))
        share = {(_segment_name(g), str(g["tier"])): float(g["share"]) for g in rows}
        count: dict[str, int] = {}
        for g in rows:
            count[_segment_name(g)] = count.get(_segment_name(g), 0) + int(g.get("count") or 0)
        nps_like = {"promoter", "detractor"} <= {_tier_key(t) for t in tier_names}
        stats = {(_segment_name(r), str(r.get("statistic"))): r for r in (tiers.get("statistics") or []) if r.get("scheme") == scheme}
        if scheme == "nps" or nps_like:
            nps = summary.get(scheme) if isinstance(summary.get(scheme), (int, float)) else summary.get("nps")
            p, q = share.get((segs[0], "promoter"), 0.0), share.get((segs[0], "detractor"), 0.0)
            nps_all = float(nps) if isinstance(nps, (int, float)) else 100 * (p - q)
            title = f"Net Promoter Score {_signed(nps_all, 0)}: {100 * p:.0f}% promoters, {100 * q:.0f}% detractors"
        else:
            top = max(tier_names, key=lambda t: share.get((segs[0], t), 0.0))
            title = f"{_scheme_title(scheme)} tiers: the largest group is {top} ({100 * share.get((segs[0], top), 0.0):.0f}%)"
        has_ci = any(g.get("ci_lo") is not None for g in rows)
        subtitle = "Share of respondents by tier" + (", overall and by segment" if len(segs) > 1 else "") + (", with 95% Wilson intervals" if has_ci else "")
        ci = {(_segment_name(g), str(g["tier"])): (g.get("ci_lo"), g.get("ci_hi")) for g in rows}
        foot = footnote(d, _scheme_note(scheme))
        fig = _slide(title, subtitle, foot)
        height = min(0.62, 0.11 * len(segs) + 0.1)
        ax = fig.add_axes((0.25, 0.75 - height - max(0.0, (0.55 - height) / 2), 0.62, height))
        y = np.arange(len(segs))
        left = np.zeros(len(segs))
        for k, t in enumerate(tier_names):
            w = np.array([100 * share.get((s, t), 0.0) for s in segs])
            spare = [c for c in SERIES if c not in {_TIER_COLOURS.get(_tier_key(x)) for x in tier_names}]
            colour = _TIER_COLOURS.get(_tier_key(t), spare[k % len(spare)] if spare else SERIES[k % len(SERIES)])
            bars = ax.barh(y, w, left=left, color=colour, height=0.64, label=t.capitalize(), edgecolor="white", linewidth=1.2, gid=f"tier:{t}")
            for b, s in zip(bars, segs, strict=True):
                b.set_gid(f"tier:{scheme}:{s}:{t}")
            for yi, l0, wi in zip(y, left, w, strict=True):
                if wi >= 5:
                    dark = colour in (OKABE_ITO["green"], OKABE_ITO["vermillion"], "#8B2C00", OKABE_ITO["blue"])
                    txt = f"{wi:.0f}%"
                    lo_hi = ci.get((segs[int(yi)], t), (None, None))
                    if has_ci and lo_hi[0] is not None and wi >= 9 and len(segs) <= 8:
                        txt += f"\n{100 * float(lo_hi[0]):.0f}–{100 * float(lo_hi[1]):.0f}%"
                    ax.text(float(l0 + wi / 2), float(yi), txt, ha="center", va="center", fontsize=12 if len(segs) <= 8 else 10, color="white" if dark else INK,
                            fontweight="bold", linespacing=1.5)
            left += w
        if scheme == "nps" or nps_like:
            for yi, sg in zip(y, segs, strict=True):
                st = stats.get((sg, "nps"))
                v = float(st["value"]) if st and st.get("value") is not None else 100 * (share.get((sg, "promoter"), 0.0) - share.get((sg, "detractor"), 0.0))
                txt = f"NPS {_signed(v, 0)}"
                if st and st.get("ci_lo") is not None and st.get("ci_hi") is not None:
                    txt += f"\n[{_signed(float(st['ci_lo']), 0)}, {_signed(float(st['ci_hi']), 0)}]"
                ax.text(101.5, float(yi), txt, va="center", ha="left", fontsize=12 if len(segs) <= 8 else 10, fontweight="bold", color=INK, linespacing=1.4)
        nseg = {_segment_name(g): int(g["n"]) for g in rows if g.get("n") is not None}
        ax.set_yticks(y, [f"{wrap(sg, 30)}\n(n = {nseg.get(sg, count[sg]):,})" for sg in segs])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20), [f"{v}%" for v in range(0, 101, 20)])
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=len(tier_names), fontsize=12)
        out.append(_chart(f"tiers-{_slug(scheme)}", title, subtitle, foot, fig))
    return out


def _scheme_note(scheme: str) -> str:
    try:
        from csi.loyalty import TIER_SCHEMES

        desc = TIER_SCHEMES.get(scheme)
    except ImportError:  # pragma: no cover - loyalty is part of csi
        desc = None
    return f"Tiers: {desc}." if isinstance(desc, str) else ""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


# --------------------------------------------------------------------------------------
# measurement model
# --------------------------------------------------------------------------------------
def outer_model(d: Mapping[str, Any]) -> Chart:
    """Outer loadings (bars) and weights (dots) of every item, one small panel per construct."""
    labels = labels_of(d)
    inds = d.get("indicators") or []
    codes = [c for c in labels if any(i["construct"] == c for i in inds)]
    n_ok = sum(1 for i in inds if i.get("loading") is not None and float(i["loading"]) >= LOADING_THRESHOLD)
    title = f"Measurement model: {n_ok} of {len(inds)} items load at {LOADING_THRESHOLD} or more"
    subtitle = f"Outer loadings (bars) and outer weights (dots) per construct; dotted line = {LOADING_THRESHOLD} (item shares half its variance)"
    has_ci = any(i.get("loading_ci") for i in inds)
    note = f"Whiskers: {_level(d)} bootstrap intervals of the loadings." if has_ci else ""
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
    handles = [Patch(color=OKABE_ITO["blue"], label=f"Loading ≥ {LOADING_THRESHOLD}"), Patch(color=OKABE_ITO["sky"], label=f"Loading < {LOADING_THRESHOLD}"),
               matplotlib.lines.Line2D([], [], marker="D", ls="none", color=OKABE_ITO["orange"], markeredgecolor=INK, label="Weight")]
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
    htmt = d.get("htmt") or {}
    if not htmt:
        return None
    labels = labels_of(d)
    codes = [c for c in labels if c in htmt or any(c in row for row in htmt.values())]
    pairs = [(a, b, float(v)) for a, row in htmt.items() for b, v in row.items() if v is not None]
    high = [(a, b, v) for a, b, v in pairs if v >= HTMT_THRESHOLDS[0]]
    if high:
        worst = max(high, key=lambda t: t[2])
        title = f"Discriminant validity: {len(high)} construct pair{'s' if len(high) > 1 else ''} at or above HTMT 0.85 (highest {labels[worst[0]]} – {labels[worst[1]]} {worst[2]:.2f})"
    else:
        title = "Discriminant validity: every construct pair is below HTMT 0.85"
    subtitle = "Heterotrait–monotrait ratios; 0.85 is the strict and 0.90 the liberal threshold (Henseler et al. 2015)"
    ci = d.get("htmt_ci") or {}
    note = f"† upper bound of the {_level(d)} bootstrap interval reaches 0.85." if ci else ""
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
            v = htmt.get(a, {}).get(b)
            if v is None:
                v = htmt.get(b, {}).get(a)
            if v is None:
                continue
            v = float(v)
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=htmt_colour(v), edgecolor="white", linewidth=2, gid=f"htmt:{a}|{b}"))
            mark = ""
            c = ci.get(f"{a}|{b}") or ci.get(f"{b}|{a}")
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
            title = f"{labels[focus]} by {col}: highest {hi_l} ({hi_v:.1f}), lowest {lo_l} ({lo_v:.1f})"
        else:
            title = f"Indices by {col}"
        has_ci = any(r.get("ci_lo") is not None for r in rows)
        subtitle = f"Index per construct in each {col} segment" + (f" with {_level(d)} bootstrap intervals" if has_ci else "") + "; grey line: all respondents"
        note = "† index differs significantly between at least two segments (permutation test, Holm-adjusted p < 0.05)." if diff_sig else \
            "No index differs significantly between segments (permutation test, Holm-adjusted p < 0.05)."
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
                lo.append(_num(r.get("ci_lo")))
                hi.append(_num(r.get("ci_hi")))
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
        ax.set_xlabel("Index (0–100)")
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        for i in range(1, len(codes)):
            ax.axhline(i - 0.5, color=GRID, lw=0.8, zorder=0)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=min(k, 6), fontsize=11, handletextpad=0.3)
        out.append(_chart(f"groups-{_slug(col)}", title, subtitle, foot, fig))
    return out


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


# --------------------------------------------------------------------------------------
# several fits side by side
# --------------------------------------------------------------------------------------
def index_comparison(results: Sequence[tuple[str, Mapping[str, Any]]]) -> Chart | None:
    """Indices of the constructs several fits share, as grouped bars (one colour per fit)."""
    if len(results) < 2:
        return None
    order: list[str] = []
    labels: dict[str, str] = {}
    for _, d in results:
        for c, lab in labels_of(d).items():
            if c not in labels:
                order.append(c)
                labels[c] = lab
    shared = [c for c in order if sum(any(x["name"] == c and x.get("index") is not None for x in d.get("constructs", [])) for _, d in results) >= 2]
    if not shared:
        return None
    names = [n for n, _ in results]
    title = f"Indices compared across {len(results)} results: " + ", ".join(names)
    if len(title) > 95:
        title = f"Indices compared across {len(results)} results"
    has_ci = any(x.get("index_ci") for _, d in results for x in d.get("constructs", []))
    subtitle = "Index per construct (0–100) in each results folder" + (" with bootstrap intervals" if has_ci else "")
    foot = "\n".join(f"{n}: {footnote(d).splitlines()[0]}" for n, d in results[:4])
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
            ci = x.get("index_ci") or [np.nan, np.nan]
            lo.append(_num(ci[0]))
            hi.append(_num(ci[1]))
        colour = SERIES[j % len(SERIES)]
        bars = ax.barh(ys, vs, height=h * 0.92, color=colour, label=name, zorder=2)
        for b, c in zip(bars, [c for c in shared if by.get(c) and by[c].get("index") is not None], strict=True):
            b.set_gid(f"compare:{name}:{c}")
        if has_ci:
            va, lo_a, hi_a = np.array(vs), np.array(lo), np.array(hi)
            ax.errorbar(va, ys, xerr=np.vstack([va - lo_a, hi_a - va]), fmt="none", ecolor=INK, elinewidth=1, capsize=3, zorder=3)
        for yy, vv in zip(ys, vs, strict=True):
            ax.text(vv + 0.8, yy, f"{vv:.1f}", va="center", fontsize=10 if k > 2 else 11)
    ax.set_yticks(range(len(shared)), [wrap(labels[c], 28) for c in shared])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.grid(True, color=GRID, zorder=0)
    ax.set_axisbelow(True)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=min(k, 5))
    return _chart("index-comparison", title, subtitle, foot, fig)


# --------------------------------------------------------------------------------------
# all charts of one results dictionary
# --------------------------------------------------------------------------------------
def fit_charts(d: Mapping[str, Any]) -> list[Chart]:
    """The chart pack of one ``csi fit`` results dictionary, in presentation order."""
    charts: list[Chart | None] = []
    with style(all_texts(d)), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="This figure includes Axes that are not compatible with tight_layout")
        charts.append(path_diagram(d))
        charts.append(index_bars(d))
        charts.append(ipma_map(d))
        charts.append(ipma_items_map(d))
        charts.extend(group_indices(d))
        charts.extend(tier_bars(d))
        charts.append(outer_model(d))
        charts.append(htmt_heatmap(d))
    return [c for c in charts if c is not None]


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
    ci = rec.get("interval") or rec.get("ci") or [None, None]
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
        verdict = "" if vs_first is None else (", significant" if _is_sig(vs_first, level) else ", not significant")
        title = f"{labels[focus]} index {f0:.1f} → {f1:.1f} from {first} to {last} ({_signed(f1 - f0)}{verdict})"
    else:
        title = f"{labels[focus]} index in {first}: {f0:.1f}"
    if len(main) > 1:
        title = f"{labels[focus]} index by series, {first} to {last}"
    has_ci = any(np.isfinite(wave_values(w, c)[1]) for w in series[key] for c in labels)
    subtitle = "Index per wave (0–100)" + (f"; band: {level * 100:g}% bootstrap interval of {labels[focus]}" if has_ci and len(main) == 1 else
                                           f" with {level * 100:g}% bootstrap bands" if has_ci else "") + "; ▲▼ significant change from the previous wave"
    foot = wave_footnote(s, f"▲▼ two-sided bootstrap p < {1 - level:.2g}; the number is the change in index points.")
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
    ax.set_ylabel("Index (0–100)")
    _label_ends(ax, len(labels_x) - 1 + 0.12, ends, [wrap(n, 26).replace("\n", " ") for n in names], cols)
    return _chart("wave-trend", title, subtitle, foot, fig)


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
