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
import re
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

from csi._io import atomic_write
from csi.report.i18n import term, tr
from csi.report.text import PLAIN_TEXT_RC, cap, chart_label

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
class Native:
    """The data behind a chart, for renderers that draw their own (PowerPoint chart objects, HTML tables).

    ``kind``: ``bar`` (horizontal bars, one value per category and series), ``stacked``
    (100% stacked horizontal bars), ``scatter`` (one (x, y) point per category) or ``line``
    (one series per line over the categories).  ``lo``/``hi``: interval ends per series
    (same shape as ``series`` values; None where there is none).
    """

    kind: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    x_title: str = ""
    y_title: str = ""
    lo: tuple[tuple[float | None, ...], ...] = ()
    hi: tuple[tuple[float | None, ...], ...] = ()
    number_format: str = "0.0"
    ys: tuple[float, ...] = ()  # scatter: the y of each point (series holds the x)


@dataclass(frozen=True)
class Chart:
    """One rendered chart: a slug (file name), its texts and the matplotlib figure."""

    key: str
    title: str
    subtitle: str
    footnote: str
    figure: Figure
    native: Native | None = None

    @property
    def description(self) -> str:
        return "\n".join(t for t in (self.title, self.subtitle, self.footnote) if t)


# --------------------------------------------------------------------------------------
# style
# --------------------------------------------------------------------------------------
# Bold CJK weights: the PyPI package ships the regular weight only; Debian's fonts-noto-cjk
# (installed by .ci/run) adds the bold collection.  Without it CJK text stays regular weight.
CJK_BOLD_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc",
)


def cjk_bold_path() -> str | None:
    """The bold Noto Sans CJK collection on this machine, if any."""
    return next((p for p in CJK_BOLD_PATHS if Path(p).is_file()), None)


def cjk_fonts() -> list[str]:
    """Register the bundled Noto Sans CJK collection (and the bold one when installed) with matplotlib; its family names."""
    global _cjk_fonts
    if _cjk_fonts is None:
        from matplotlib import font_manager

        _cjk_fonts = []
        try:
            mod = __import__(_CJK_PACKAGE)
            path = str(mod.FONT_PATH)
        except (ImportError, AttributeError):
            return _cjk_fonts  # charts still render; missing glyphs are reported by the caller
        # without the bold collection matplotlib logs each bold fallback; the regular weight is then intended
        logging.getLogger("matplotlib.font_manager").addFilter(_NoWeightFallbackNoise())
        before = {f.name for f in font_manager.fontManager.ttflist}
        font_manager.fontManager.addfont(path)
        bold = cjk_bold_path()
        if bold is not None and not any(f.fname == bold for f in font_manager.fontManager.ttflist):
            font_manager.fontManager.addfont(bold)
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
        "svg.fonttype": "none",  # text stays <text>: editable and searchable in a drawing program
        "pdf.fonttype": 42,  # TrueType (Type 42) fonts embedded, not Type 3 bitmaps-as-procedures
        "pdf.compression": 6,
        # glyph widths that scale with the resolution: text fitted at one dpi fits at every dpi
        "text.hinting": "no_hinting",
        **PLAIN_TEXT_RC,  # labels are plain text: two '$' are not mathtext
    }
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        yield


def _slide(title: str, subtitle: str, footnote: str) -> Figure:
    """A slide-sized figure with the title, subtitle and footnote fitted to its width."""
    fig = Figure(figsize=SLIDE_SIZE, dpi=100, facecolor="white")
    FigureCanvasAgg(fig)
    title, subtitle, footnote = cap(title, 300), cap(subtitle, 600), cap(footnote, 3000)  # the fitting loops below are per character
    width = 0.91 * fig.bbox.width  # margin: text extents vary a little with the output resolution
    t = fig.text(0.035, 0.945, title, fontsize=22, fontweight="bold", color=INK, va="top", ha="left", gid="title")
    _fit_width(t, width, 13, wrap_lines=True)  # a headline is never cut: at 13 pt it wraps instead
    drop = 0.0
    if "\n" in t.get_text():  # wrapped: the subtitle moves down by the extra lines
        one = float(t.get_fontsize()) * 1.2 / 72 * 100 / fig.bbox.height
        drop = t.get_text().count("\n") * one
    if subtitle:
        _fit_width(fig.text(0.035, 0.875 - drop, subtitle, fontsize=13.5 if not drop else 11, color=MUTED, va="top", ha="left", gid="subtitle"),
                   width, 10.5)
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


def _chart(key: str, title: str, subtitle: str, footnote: str, fig: Figure, native: Native | None = None) -> Chart:
    return Chart(key=key, title=title, subtitle=subtitle, footnote=footnote, figure=fig, native=native)


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
    for t in chart.figure.findobj(matplotlib.text.Text):
        t.set_parse_math(False)  # made before style() applied: plain text, whatever it holds
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
    out = {str(c["code"]): chart_label(c.get("label") or c["code"]) for c in model.get("constructs", [])}
    for c in d.get("constructs", []):
        out.setdefault(str(c["name"]), chart_label(c.get("label") or c["name"]))
    return out


def item_text(d: Mapping[str, Any], item: str) -> str:
    """An item's question text from the model (``items:`` in its YAML), else its code."""
    texts = (d.get("model") or {}).get("item_texts") or {}
    return str(texts.get(item) or item)


def all_texts(d: Mapping[str, Any]) -> list[str]:
    """Every label a chart of ``d`` may show (to choose the font variant)."""
    model = d.get("model") or {}
    texts = [str(model.get("label") or ""), *labels_of(d).values(), *map(str, (model.get("item_texts") or {}).values())]
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


def footnote(d: Mapping[str, Any], extra: str = "", cbsem: bool = False) -> str:
    """Model, method, n and settings in one line (``extra`` is appended).

    Under ``--method cbsem`` a chart drawing PLS numbers (indices, IPMA, loadings: CB-SEM
    factor-score weights are undefined for inadmissible solutions) says so; ``cbsem=True``
    for the charts that draw the CB-SEM estimates themselves.
    """
    model = d.get("model") or {}
    s = d.get("settings") or {}
    parts = []
    name = model.get("label") or model.get("name") or "model"
    if model.get("name") and model.get("label"):
        name = f"{model['label']} ({model['name']})"
    parts.append(tr("foot.model", name=name))
    method = str(d.get("method") or s.get("method") or "pls").upper()
    if method == "CBSEM":
        parts.append(tr("foot.cbsem") if cbsem else tr("foot.cbsem_pls", scheme=term(s.get("scheme", "path"))))
    else:
        parts.append(tr("foot.pls", scheme=term(s.get("scheme", "path"))) if method == "PLS" else method)
    n_obs = d.get("n_obs")
    if n_obs is not None:
        nr = s.get("n_read")
        if nr and nr != n_obs:
            parts.append(tr("foot.n_of", n=_fmt_n(n_obs), read=_fmt_n(nr), missing=term(s.get("missing", "casewise"))))
        else:
            parts.append(tr("foot.n", n=_fmt_n(n_obs)))
    if s.get("weighted"):
        parts.append(tr("foot.weighted", n=f"{float(s.get('n_effective') or 0):.0f}"))
    b = s.get("bootstrap") or {}
    if b or s.get("resamples"):
        used = b.get("resamples_used", s.get("resamples"))
        level = b.get("level")
        lvl = f" {float(level) * 100:g}%" if level is not None else ""
        parts.append(tr("foot.boot", n=_fmt_n(used), ci=term(b.get("ci", "percentile")), level=lvl, seed=b.get("seed", s.get("seed"))))
    else:
        parts.append(tr("foot.noboot"))
    src = s.get("source")
    if src and not str(src).startswith("<"):  # "<data frame>": fitted from memory, no file to name
        parts.append(tr("foot.data", file=Path(str(src)).name))
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


