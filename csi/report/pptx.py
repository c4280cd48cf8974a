"""PowerPoint deck of a chart pack (python-pptx): a title slide, then one slide per chart.

Slides an analyst can edit: every slide's title is in the layout's title placeholder; charts
with tabular data (index bars, IPMA map, tier bars, trends: ``Chart.native``) are PowerPoint
chart objects carrying their data (right-click → Edit Data), with bootstrap intervals as
custom error bars; the path diagram, heat maps and measurement panels stay pictures (PNG,
title cropped off since the placeholder carries it).  Subtitle and footnote are text boxes;
the full description is in the speaker notes and the pictures' alternative text.

``template`` is a client's .pptx/.potx: its masters, layouts, theme fonts and colours and
slide size are used, its own slides dropped.  Without one, python-pptx's default template at
16:9 (13.333 × 7.5 in).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csi._io import atomic_write
from csi.errors import CsiError

SLIDE_W_IN, SLIDE_H_IN = 40 / 3, 7.5
SLIDE_W_EMU, SLIDE_H_EMU = 12_192_000, 6_858_000  # PowerPoint's 16:9 widescreen page
TITLE_LAYOUT, SECTION_LAYOUT, BLANK_LAYOUT = 0, 2, 6  # indices in python-pptx's default template
TITLE_ONLY_LAYOUT = 5
PICTURE_TITLE_CROP = 0.105  # the top of a chart picture that holds its (bold) title


@dataclass(frozen=True)
class Slide:
    """One chart slide: the PNG image, the text that describes it and optionally its data."""

    image_png: bytes
    title: str
    description: str
    section: str | None = None  # a section-header slide is inserted when this changes
    subtitle: str = ""
    footnote: str = ""
    native: Any = None  # csi.report.charts.Native: drawn as a PowerPoint chart object


def write_deck(
    slides: Sequence[Slide],
    path: str | Path,
    title: str,
    subtitle_lines: Sequence[str] = (),
    author: str = "csi",
    template: str | Path | None = None,
) -> Path:
    """Write the deck atomically: a title slide (``title``, ``subtitle_lines``), then the charts.

    A section-header slide precedes the charts of each ``Slide.section`` when the deck has
    more than one section (several results folders in one report).
    """

    def _write(tmp: Path) -> None:
        prs = _presentation(template)
        prs.core_properties.author = author
        prs.core_properties.title = title[:255]  # core properties are limited to 255 characters
        prs.core_properties.subject = "; ".join(subtitle_lines)[:255]
        _title_slide(prs, title, subtitle_lines)
        sections = [s.section for s in slides]
        several = len(dict.fromkeys(sections)) > 1
        current: object = object()
        for s in slides:
            if several and s.section != current and s.section is not None:
                _section_slide(prs, s.section)
            current = s.section
            _chart_slide(prs, s)
        prs.save(str(tmp))

    return atomic_write(path, _write)


def _presentation(template: str | Path | None) -> Any:
    from pptx import Presentation
    from pptx.util import Emu

    if template is None:
        prs = Presentation()
        prs.slide_width = Emu(SLIDE_W_EMU)
        prs.slide_height = Emu(SLIDE_H_EMU)
        return prs
    p = Path(template)
    if not p.is_file():
        raise CsiError(f"--template {p}: no such file; pass a PowerPoint file (.pptx or .potx)")
    try:
        prs = Presentation(str(p))
    except Exception as exc:  # python-pptx raises several kinds for a file that is not a deck
        raise CsiError(f"--template {p}: not a PowerPoint file python-pptx can read ({type(exc).__name__}: {exc})") from None
    sld_ids = prs.slides._sldIdLst  # drop the template's own slides, keep its masters and layouts
    for sld in list(sld_ids):
        prs.part.drop_rel(sld.rId)
        sld_ids.remove(sld)
    return prs


def _layout(prs: Any, names: Sequence[str], index: int, need_body: bool = False) -> Any:
    """A layout by name (client templates rename and reorder them), else by python-pptx's default index."""
    layouts = list(prs.slide_layouts)
    for name in names:
        for lay in layouts:
            if lay.name.strip().lower() == name:
                return lay
    for lay in layouts:  # any layout with a title placeholder (and a body one when asked)
        kinds = {ph.placeholder_format.idx for ph in lay.placeholders}
        if 0 in kinds and (not need_body or len(kinds) > 1) and (need_body or len(kinds) == 1):
            return lay
    return layouts[min(index, len(layouts) - 1)]


def _title_slide(prs: Any, title: str, lines: Sequence[str]) -> None:
    from pptx.util import Pt

    slide = prs.slides.add_slide(_layout(prs, ("title slide", "title"), TITLE_LAYOUT, need_body=True))
    w, h = prs.slide_width, prs.slide_height
    t = slide.shapes.title
    if t is not None:
        t.left, t.top, t.width, t.height = int(w * 0.06), int(h * 0.25), int(w * 0.88), int(h * 0.2)
        t.text = title
    body = next((ph for ph in slide.placeholders if ph.placeholder_format.idx != 0), None)
    if body is None:
        body = slide.shapes.add_textbox(int(w * 0.06), int(h * 0.48), int(w * 0.88), int(h * 0.35))
    else:
        body.left, body.top, body.width, body.height = int(w * 0.06), int(h * 0.48), int(w * 0.88), int(h * 0.35)
    tf = body.text_frame
    tf.text = lines[0] if lines else ""
    for line in lines[1:]:
        tf.add_paragraph().text = line
    for p in tf.paragraphs:
        for r in p.runs:
            r.font.size = Pt(18)


def _section_slide(prs: Any, name: str) -> None:
    sec = prs.slides.add_slide(_layout(prs, ("section header",), SECTION_LAYOUT, need_body=True))
    if sec.shapes.title is not None:
        sec.shapes.title.text = name
    for ph in list(sec.placeholders):
        if ph.placeholder_format.idx != 0:
            ph._element.getparent().remove(ph._element)  # drop the empty body placeholder


def _chart_slide(prs: Any, s: Slide) -> None:
    from pptx.util import Pt

    slide = prs.slides.add_slide(_layout(prs, ("title only",), TITLE_ONLY_LAYOUT))
    w, h = prs.slide_width, prs.slide_height
    t = slide.shapes.title
    if t is not None:
        t.left, t.top, t.width, t.height = int(w * 0.035), int(h * 0.03), int(w * 0.93), int(h * 0.11)
        t.text = s.title
        for p in t.text_frame.paragraphs:
            for r in p.runs:
                r.font.size = Pt(26)
    top = int(h * 0.15)
    if s.native is not None:
        if s.subtitle:
            box = slide.shapes.add_textbox(int(w * 0.035), top, int(w * 0.93), int(h * 0.06))
            box.text_frame.text = s.subtitle
            box.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
        add_native_chart(slide, s.native, int(w * 0.035), int(h * 0.22), int(w * 0.93), int(h * 0.64))
        if s.footnote:
            foot = slide.shapes.add_textbox(int(w * 0.035), int(h * 0.87), int(w * 0.93), int(h * 0.11))
            foot.text_frame.word_wrap = True
            foot.text_frame.text = s.footnote
            for p in foot.text_frame.paragraphs:
                for r in p.runs:
                    r.font.size = Pt(9)
    else:
        height = h - top
        pic = slide.shapes.add_picture(io.BytesIO(s.image_png), 0, top, width=w, height=int(height))
        pic.crop_top = PICTURE_TITLE_CROP  # the title is in the placeholder
        pic.name = s.title[:250]
        pic._element.nvPicPr.cNvPr.set("descr", s.description)  # alternative text
    slide.notes_slide.notes_text_frame.text = s.description


def add_native_chart(slide: Any, nat: Any, x: int, y: int, cx: int, cy: int) -> Any:
    """A PowerPoint chart object from ``nat`` (csi.report.charts.Native), its data embedded."""
    from pptx.chart.data import CategoryChartData, XyChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION

    if nat.kind == "scatter":
        data = XyChartData()
        for name, x_v, y_v in zip(nat.categories, nat.series[0][1], nat.ys, strict=True):
            ser = data.add_series(str(name))  # one series per point: its name is the point's label
            ser.add_data_point(float(x_v or 0.0), float(y_v))
        gframe = slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER, x, y, cx, cy, data)
        chart = gframe.chart
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.RIGHT
        chart.legend.include_in_layout = False
        _axis_titles(chart, nat.x_title, nat.y_title)
        return chart
    cdata = CategoryChartData(number_format=nat.number_format)
    cdata.categories = list(nat.categories)
    for name, values in nat.series:
        cdata.add_series(str(name), [None if v is None else float(v) for v in values])
    kind = {"bar": XL_CHART_TYPE.BAR_CLUSTERED, "stacked": XL_CHART_TYPE.BAR_STACKED_100,
            "line": XL_CHART_TYPE.LINE_MARKERS}[nat.kind]
    gframe = slide.shapes.add_chart(kind, x, y, cx, cy, cdata)
    chart = gframe.chart
    chart.has_legend = len(nat.series) > 1 or nat.kind == "stacked"
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = nat.number_format
    plot.data_labels.number_format_is_linked = False
    if nat.kind in ("bar", "stacked"):
        chart.category_axis.reverse_order = True  # first category on top, as on the PNG
    if nat.kind == "bar":
        chart.value_axis.minimum_scale = 0
        chart.value_axis.maximum_scale = 100
    for k, ser in enumerate(plot.series):
        if k < len(nat.lo) and k < len(nat.hi):
            values = nat.series[k][1]
            _error_bars(ser, [None if v is None or lo is None else v - lo for v, lo in zip(values, nat.lo[k], strict=True)],
                        [None if v is None or hi is None else hi - v for v, hi in zip(values, nat.hi[k], strict=True)])
    _axis_titles(chart, "", nat.x_title)
    return chart


def _axis_titles(chart: Any, cat_title: str, val_title: str) -> None:
    for axis, text in ((chart.category_axis if hasattr(chart, "category_axis") else None, cat_title), (chart.value_axis, val_title)):
        if axis is not None and text:
            axis.has_title = True
            axis.axis_title.text_frame.text = text


def _error_bars(ser: Any, minus: Sequence[float | None], plus: Sequence[float | None]) -> None:
    """Custom error bars (interval ends) on a bar/line series: DrawingML c:errBars with literal values."""
    from lxml import etree
    from pptx.oxml.ns import qn

    if all(v is None for v in [*minus, *plus]):
        return
    el = ser._element

    def lit(vals: Sequence[float | None]) -> Any:
        num = etree.SubElement(etree.Element(qn("c:plus")), qn("c:numLit"))
        etree.SubElement(num, qn("c:formatCode")).text = "General"
        etree.SubElement(num, qn("c:ptCount")).set("val", str(len(vals)))
        for i, v in enumerate(vals):
            if v is not None:
                pt = etree.SubElement(num, qn("c:pt"))
                pt.set("idx", str(i))
                etree.SubElement(pt, qn("c:v")).text = repr(float(v))
        return num

    err = etree.Element(qn("c:errBars"))
    etree.SubElement(err, qn("c:errBarType")).set("val", "both")
    etree.SubElement(err, qn("c:errValType")).set("val", "cust")
    etree.SubElement(err, qn("c:noEndCap")).set("val", "0")
    plus_el = etree.SubElement(err, qn("c:plus"))
    plus_el.append(lit(plus))
    minus_el = etree.SubElement(err, qn("c:minus"))
    minus_el.append(lit(minus))
    anchor = el.find(qn("c:cat"))  # schema order: … dLbls, trendline, errBars, cat, val …
    if anchor is None:
        anchor = el.find(qn("c:val"))
    anchor.addprevious(err)
