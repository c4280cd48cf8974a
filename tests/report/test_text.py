"""User text on its way out (csi/report/text.py): terminal escaping, chart labels, Excel cells."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook
from rich.console import Console

from csi.report.excel import write_workbook
from csi.report.text import LABEL_CAP, cap, chart_label, control_names, excel_text, terminal


def _printed(markup_text: str) -> str:
    buf = io.StringIO()
    Console(file=buf, width=200, color_system=None).print(markup_text, highlight=False)
    return buf.getvalue().rstrip("\n")


def test_terminal_escape_prints_user_text_as_typed():
    for s in ["[/i]", "[link=http://evil.example]fix[/link]", "[red]survey.csv", "a [b] c", "\\[x]"]:
        assert _printed(f"error: {terminal(s)}") == f"error: {s}"


def test_chart_labels_are_capped_and_without_controls():
    assert chart_label("L" * 240_000) == "L" * (LABEL_CAP - 1) + "…"
    assert len(chart_label("x" * 1000)) == LABEL_CAP
    assert chart_label("Image $x$") == "Image $x$"  # dollars stay: drawn with parse_math off
    assert chart_label("a\x07b") == "ab"
    assert cap("short") == "short"


def test_control_characters_are_named_and_removed_before_excel(tmp_path):
    assert control_names("a\x07b\x1bc\x07") == ["U+0007 BEL", "U+001B ESC"]
    assert control_names("tab\tnew\nline\r") == []
    assert excel_text("x\x00y\x0bz\tw") == "xyz\tw"
    p = write_workbook({"seg\x01ments": pd.DataFrame({"val\x02ue": ["West\x07", "=1+1", "ok"]})}, tmp_path / "t.xlsx")
    ws = load_workbook(p)["segments"]
    assert [c.value for c in ws["A"]] == ["Value", "value", "West", "=1+1", "ok"]  # readable header, then the code
    assert ws["A4"].data_type == "s"  # text, never a formula
