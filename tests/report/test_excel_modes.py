"""results.xlsx assembled in memory (small workbooks) holds what the streaming (constant-memory) writer writes."""

from __future__ import annotations

import warnings

import openpyxl
import pytest

import csi
from csi.report import excel


def _sheet_contents(path):
    """Every cell (value, type, number format, font, fill, alignment), column widths, frozen panes and filters, by sheet."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = [(c.coordinate, c.value, c.data_type, c.number_format, c.font.b, c.font.i, c.font.sz,
                  getattr(c.font.color, "rgb", None), c.fill.fgColor.rgb if c.fill.fill_type else None,
                  c.alignment.horizontal, c.alignment.wrap_text) for row in ws.iter_rows() for c in row]
        widths = {k: d.width for k, d in ws.column_dimensions.items()}
        out[ws.title] = (cells, widths, ws.freeze_panes, ws.auto_filter.ref)
    return out


@pytest.fixture(scope="module")
def res(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(mobi, "ecsi", boot=40, seed=3)


def test_in_memory_and_streaming_workbooks_hold_the_same_cells(res, tmp_path, monkeypatch):
    small = excel.write_fit(res, tmp_path / "memory.xlsx")
    monkeypatch.setattr(excel, "IN_MEMORY_CELLS", 0)  # every workbook streamed row by row
    streamed = excel.write_fit(res, tmp_path / "streamed.xlsx")
    a, b = _sheet_contents(small), _sheet_contents(streamed)
    assert list(a) == list(b) and len(a) > 20
    for sheet in a:
        assert a[sheet] == b[sheet], sheet
