"""Terminal tables laid out as text (csi.report.screen.plain_table) print exactly what rich prints."""

from __future__ import annotations

import io
import random

import pytest
from rich.console import Console

from csi.report import screen
from csi.report.screen import plain_table, print_wrapped

WORDS = ["IMAG", "CUSA → CUSL", "0.842", "[0.815, 0.863]", "–", "", "  IMAG1", "mode B, formative", "R² adj", "0.0001 !",
         "≥ 0.95", "-0.074", "◆", "a very long label of a construct", "x", "12.5 [10.1, 14.9]", "trailing  "]


def _random_table(rng: random.Random) -> tuple[list[str], list[list[str]]]:
    ncol = rng.randint(1, 9)
    header = [rng.choice(WORDS) or "h" for _ in range(ncol)]
    rows = [[rng.choice(WORDS) for _ in range(ncol)] for _ in range(rng.randint(0, 12))]
    return header, rows


def _printed(header, rows, width, plain, monkeypatch, **kw) -> str:
    buf = io.StringIO()
    with monkeypatch.context() as m:
        if not plain:
            m.setattr(screen, "_plain_console", lambda console: False)  # rich draws every table
        print_wrapped(Console(file=buf, width=width, force_terminal=False, color_system=None), "Title", header, rows, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("seed", range(40))
def test_plain_tables_are_the_characters_rich_prints(seed, monkeypatch):
    rng = random.Random(seed)
    header, rows = _random_table(rng)
    keys = rng.randint(1, len(header))
    kw = {"keys": keys, "left": rng.randint(0, len(header)), "sections": sorted(rng.sample(range(len(rows) + 1), k=min(3, len(rows) + 1)))}
    if rng.random() < 0.3:
        kw["first_width"] = rng.choice([6, 12, 40])
    for width in (30, 60, 80, 120, 200):
        assert _printed(header, rows, width, True, monkeypatch, **kw) == _printed(header, rows, width, False, monkeypatch, **kw)


def test_too_wide_wide_characters_and_colour_are_left_to_rich(monkeypatch):
    assert plain_table(["a" * 50], [["b"]], [0], [50], 1, (), 40) is None  # rich would shrink the column
    for cell in ("漢字", "tab\there", "two\nlines", "bell\x07"):  # measured or wrapped by rich
        assert not screen._plain_cell(cell)
        assert _printed(["h", "v"], [[cell, "1"]], 80, True, monkeypatch) == _printed(["h", "v"], [[cell, "1"]], 80, False, monkeypatch)
    assert not screen._plain_console(Console(file=io.StringIO(), force_terminal=True, color_system="truecolor"))
    assert not screen._plain_console(Console(file=io.StringIO(), color_system=None, record=True))
    assert screen._plain_console(Console(file=io.StringIO(), color_system=None))
