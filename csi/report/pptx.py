"""PowerPoint deck of a chart pack (python-pptx): a title slide, then one chart per slide.

Slides are 16:9 widescreen (13.333 × 7.5 in), the size the charts are drawn at, so every
chart fills its slide without scaling artefacts.  Each chart slide carries the chart's title,
subtitle and footnote as the picture's alternative text (screen readers) and as speaker notes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from csi._io import atomic_write

SLIDE_W_IN, SLIDE_H_IN = 40 / 3, 7.5
SLIDE_W_EMU, SLIDE_H_EMU = 12_192_000, 6_858_000  # PowerPoint's 16:9 widescreen page
TITLE_LAYOUT, SECTION_LAYOUT, BLANK_LAYOUT = 0, 2, 6  # indices in python-pptx's default template


@dataclass(frozen=True)
class Slide:
    """One chart slide: the PNG image and the text that describes it."""

    image_png: bytes
    title: str
    description: str
    section: str | None = None  # a section-header slide is inserted when this changes


def write_deck(
    slides: Sequence[Slide],
    path: str | Path,
    title: str,
    subtitle_lines: Sequence[str] = (),
    author: str = "csi",
) -> Path:
    """Write the deck atomically: a title slide (``title``, ``subtitle_lines``), then the charts.

    A section-header slide precedes the charts of each ``Slide.section`` when the deck has
    more than one section (several results folders in one report).
    """
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    def _write(tmp: Path) -> None:
        prs = Presentation()
        prs.slide_width = Emu(SLIDE_W_EMU)
        prs.slide_height = Emu(SLIDE_H_EMU)
        prs.core_properties.author = author
        prs.core_properties.title = title[:255]  # core properties are limited to 255 characters
        prs.core_properties.subject = "; ".join(subtitle_lines)[:255]

        first = prs.slides.add_slide(prs.slide_layouts[TITLE_LAYOUT])
        # the default template is 4:3: place the placeholders for the widescreen page
        t = first.shapes.title
        t.left, t.top, t.width, t.height = Inches(0.8), Inches(1.9), Inches(SLIDE_W_IN - 1.6), Inches(1.5)
        t.text = title
        sub = first.placeholders[1]
        sub.left, sub.top, sub.width, sub.height = Inches(0.8), Inches(3.6), Inches(SLIDE_W_IN - 1.6), Inches(2.6)
        tf = sub.text_frame
        tf.text = subtitle_lines[0] if subtitle_lines else ""
        for line in subtitle_lines[1:]:
            p = tf.add_paragraph()
            p.text = line
        for p in tf.paragraphs:
            for r in p.runs:
                r.font.size = Pt(20)

        sections = [s.section for s in slides]
        several = len(dict.fromkeys(sections)) > 1
        current: object = object()
        for s in slides:
            if several and s.section != current and s.section is not None:
                sec = prs.slides.add_slide(prs.slide_layouts[SECTION_LAYOUT])
                st = sec.shapes.title
                st.left, st.top, st.width, st.height = Inches(0.8), Inches(2.6), Inches(SLIDE_W_IN - 1.6), Inches(1.5)
                st.text = s.section
                for ph in list(sec.placeholders):
                    if ph.placeholder_format.idx != 0:
                        ph._element.getparent().remove(ph._element)  # drop the empty body placeholder
            current = s.section
            slide = prs.slides.add_slide(prs.slide_layouts[BLANK_LAYOUT])
            pic = slide.shapes.add_picture(io.BytesIO(s.image_png), 0, 0, width=prs.slide_width, height=prs.slide_height)
            pic.name = s.title[:250]
            pic._element.nvPicPr.cNvPr.set("descr", s.description)  # alternative text
            slide.notes_slide.notes_text_frame.text = s.description
        prs.save(str(tmp))

    return atomic_write(path, _write)
