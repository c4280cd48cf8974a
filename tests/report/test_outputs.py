"""`csi report` outputs: PDF chart pack, PowerPoint deck, workbook (csi.report.pack); the CLI and its
errors: tests/cli/test_report_cli.py."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from csi.report import charts as ch
from csi.report import pack
from csi.report.json import write_json
from tests.conftest import ROOT
from tests.report.test_charts import (
    JAPANESE_YAML,
    _quiet_fit,
    _scores_dict,
    boot_dict,
    fit_dict,
    sample_counts,
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """results folders as csi fit / csi score leave them."""
    base = tmp_path_factory.mktemp("results")
    out = {}
    for name, d in (("ecsi", boot_dict()), ("scsb", fit_dict("sample", "scsb")), ("mobi-acsi", fit_dict("mobi", "acsi"))):
        write_json(d, base / name / "results.json")
        out[name] = base / name
    write_json(_scores_dict(), base / "waves" / "scores.json")
    out["waves"] = base / "waves"
    return out


def _pdf_pages(path: Path) -> list:
    from pypdf import PdfReader

    return list(PdfReader(str(path)).pages)


def test_pdf_has_one_page_per_chart(folders, tmp_path):
    rep = pack.build_report([folders["ecsi"]], tmp_path, formats="pdf", dpi=30)
    pages = _pdf_pages(tmp_path / "charts.pdf")
    n = len(ch.fit_charts(boot_dict()))
    assert len(pages) == n + 1 == len(rep.charts) + 1  # a cover page, then one page per chart
    pages = pages[1:]
    for p in pages:  # 13.33 × 7.5 in = 960 × 540 pt
        assert float(p.mediabox.width) == pytest.approx(960, abs=0.5)
        assert float(p.mediabox.height) == pytest.approx(540, abs=0.5)
    # page text carries the chart titles, in order: page k shows chart k's title
    texts = [" ".join((pg.extract_text() or "").split()) for pg in pages]
    titles = [" ".join(c.title.split()) for c in ch.fit_charts(boot_dict())]
    for k, (title, text) in enumerate(zip(titles, texts, strict=True)):
        assert title in text, (k, title)
    assert any(t.startswith("Net Promoter Score") for t in titles)


def test_pptx_title_slide_and_one_chart_per_slide(folders, tmp_path):
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    rep = pack.build_report([folders["ecsi"]], tmp_path, formats="pptx", dpi=30, date="2026-05-01")
    prs = Presentation(str(tmp_path / "report.pptx"))
    assert (prs.slide_width, prs.slide_height) == (12_192_000, 6_858_000)
    slides = list(prs.slides)
    assert len(slides) == 1 + len(rep.charts)
    title = " ".join(s.text_frame.text for s in slides[0].shapes if s.has_text_frame)
    d = boot_dict()
    assert d["model"]["label"] in title
    n_read, n_complete = sample_counts()
    assert f"sample_survey.xlsx, n = {n_complete} of {n_read}" in title
    assert "Date: 2026-05-01" in title
    charts = ch.fit_charts(d)
    for slide, c in zip(slides[1:], charts, strict=True):
        assert slide.shapes.title.text == c.title  # the title is in the layout's title placeholder
        pics = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        if c.native is None:  # charts without tabular data stay a picture under the title
            assert len(pics) == 1
            assert pics[0].width == prs.slide_width
            assert pics[0]._element.nvPicPr.cNvPr.get("descr") == c.description  # alt text
        else:  # the others are PowerPoint chart objects (tests/report/test_deliverables.py checks their data)
            assert not pics and any(s.has_chart for s in slide.shapes)
        assert slide.notes_slide.notes_text_frame.text == c.description


def test_several_results_get_sections_prefixes_and_a_comparison(folders, tmp_path):
    from pptx import Presentation

    rep = pack.build_report([folders["scsb"], folders["mobi-acsi"], folders["waves"]], tmp_path, formats="png,pptx,xlsx", dpi=20)
    assert "index-comparison" in rep.charts
    assert (tmp_path / "scsb-path-diagram.png").is_file()
    assert (tmp_path / "mobi-acsi-path-diagram.png").is_file()
    assert (tmp_path / "waves-wave-trend.png").is_file()
    assert (tmp_path / "index-comparison.png").is_file()
    prs = Presentation(str(tmp_path / "report.pptx"))
    sections = 4  # scsb, mobi-acsi, waves, comparison
    assert len(prs.slides) == 1 + sections + len(rep.charts)
    from pptx.enum.chart import XL_CHART_TYPE

    charts = {s.shapes.title.text: sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart}
    lines = [c for c in charts.values() if c.chart_type == XL_CHART_TYPE.LINE_MARKERS]
    assert lines  # the wave trend is a native line chart with the wave labels as categories
    waves = _scores_dict()
    labels = list(dict.fromkeys(str(w["label"]) for w in waves["waves"] if not w.get("segment")))
    assert list(lines[0].plots[0].categories) == labels
    cusa = next(s for s in lines[0].plots[0].series if s.name == ch.labels_of(waves)["CUSA"])
    want = [next(c["index"] for c in w["constructs"] if c["name"] == "CUSA") for w in waves["waves"] if not w.get("segment")]
    assert list(cusa.values) == pytest.approx(want, abs=1e-12)
    comp = [c for c in charts.values() if c.chart_type == XL_CHART_TYPE.BAR_CLUSTERED and len(c.plots[0].series) == 2]
    assert comp and {s.name for s in comp[0].plots[0].series} == {"scsb", "mobi-acsi"}
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "report.xlsx")
    assert {"index_comparison", "constructs", "paths", "waves_long", "waves_trend", "waves_changes", "settings"} <= set(wb.sheetnames)
    ws = wb["constructs"]
    header = [c.value for c in ws[2]]  # row 1: readable headers, row 2: the results.json codes
    assert header[0] == "results" and ws.cell(row=1, column=1).value == "Results"
    names = {r[0] for r in ws.iter_rows(min_row=3, values_only=True)}
    assert names == {"scsb", "mobi-acsi"}


def _formula_cells(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_workbook_has_no_formulas_even_for_hostile_labels(tmp_path):
    """Labels and survey text starting with '=' are written as text, never as formulas."""
    import pandas as pd

    from csi.model.spec import parse_yaml

    yaml_text = JAPANESE_YAML.replace("label: 顧客満足度モデル", "label: '=HYPERLINK(\"http://x\",\"click\")'").replace(
        "{label: 顧客満足,", "{label: '=1+1',")
    spec = parse_yaml(yaml_text, "hostile.yaml")
    data = pd.read_csv(ROOT.parent / "shared" / "reference" / "mobi.csv", index_col=0)
    data["segment"] = ["=cmd|' /C calc'!A0" if i % 2 else "@SUM(A1)" for i in range(len(data))]
    res = _quiet_fit(data, spec, boot=0, groups=("segment",), permutations=20)
    write_json(res, tmp_path / "fit" / "results.json")
    pack.build_report([tmp_path / "fit"], tmp_path / "rep", formats="xlsx")
    path = tmp_path / "rep" / "report.xlsx"
    assert _formula_cells(path) == []
    with zipfile.ZipFile(path) as z:  # independent of openpyxl's reading: no <f> element anywhere
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in xml and "<f " not in xml
    from openpyxl import load_workbook

    wb = load_workbook(path)
    values = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "=1+1" in values
    assert any(v.startswith("=HYPERLINK") for v in values)
    assert any("=cmd|" in v for v in values)
    assert "@SUM(A1)" in values  # the segment level in the group sheets


def test_workbook_formats_frozen_headers_and_settings(folders, tmp_path):
    from openpyxl import load_workbook

    pack.build_report([folders["ecsi"]], tmp_path, formats="xlsx")
    wb = load_workbook(tmp_path / "report.xlsx")
    d = boot_dict()
    for sheet in ("constructs", "paths", "indicators", "htmt", "ipma", "tiers", "settings"):
        assert sheet in wb.sheetnames
    ws = wb["constructs"]
    assert ws.freeze_panes == "B3"  # two header rows: readable text, then the codes
    header = [c.value for c in ws[2]]
    readable = [c.value for c in ws[1]]
    assert readable[header.index("std_error" if "std_error" in header else "index_se")] in ("Std. error", "Index std. error")
    assert readable[header.index("rho_a")] == "rho_A" and readable[header.index("index")] == "Index (0–100)"
    col = header.index("index") + 1
    cells = [ws.cell(row=r, column=col) for r in range(3, ws.max_row + 1)]
    assert [c.value for c in cells] == pytest.approx([c["index"] for c in d["constructs"]], abs=1e-12)
    assert {c.number_format for c in cells} == {"0.0"}
    from openpyxl.utils import get_column_letter

    assert 8 <= ws.column_dimensions[get_column_letter(col)].width <= 16  # fitted: not 19–25 characters for 73.5
    tiers = wb["tiers"]
    th = [c.value for c in tiers[2]]
    assert tiers.cell(row=3, column=th.index("share") + 1).number_format == "0.0%"
    settings = {r[0]: r[1] for r in wb["settings"].iter_rows(min_row=3, values_only=True)}
    assert settings["Seed"] == 3 and settings["Bootstrap: resamples used"] == 60
    assert len(settings) < 50  # a short table, nested groups on one line each (was 80 flattened keys)
    for sheet in (s for s in wb.sheetnames if s.startswith("boot_") and s != "boot_index"):  # one number format per quantity
        bh = [c.value for c in wb[sheet][2]]
        fm = {bh[j]: wb[sheet].cell(row=3, column=j + 1).number_format for j in range(len(bh))}
        assert fm.get("estimate") == fm.get("mean") == fm.get("std_error") == "0.000", (sheet, fm)
    cl = wb["cross_loadings"]
    items = [i for c in d["model"]["constructs"] for i in c["items"]]
    assert [r[0] for r in cl.iter_rows(min_row=3, values_only=True)] == [i for i in items if i in d["cross_loadings"]]
    htmt = wb["htmt"]
    hh = [c.value for c in htmt[2]]
    row = {r[0]: r for r in htmt.iter_rows(min_row=3, values_only=True)}
    cusa_perq = next(p["value"] for p in d["htmt"] if (p["a"], p["b"]) == ("CUSA", "PERQ"))
    assert row["CUSA"][hh.index("PERQ")] == pytest.approx(cusa_perq, abs=1e-12)


def test_png_and_svg_files_and_chart_selection(folders, tmp_path):
    rep = pack.build_report([folders["scsb"]], tmp_path, formats="png,svg", dpi=20, only=["path-diagram", "tiers"])
    tiers = [f"tiers-{ch._slug(s)}" for s in fit_dict("sample", "scsb")["tiers"]["schemes"]]
    assert tiers and set(rep.charts) == {"path-diagram", *tiers}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{k}.{e}" for k in rep.charts for e in ("png", "svg"))
    assert (tmp_path / "path-diagram.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    # a full chart name selects that chart only, not the charts it is a prefix of (ipma-items)
    rep = pack.build_report([folders["scsb"]], tmp_path / "one", formats="png", dpi=20, only=["ipma"])
    assert rep.charts == ("ipma",)


def test_same_results_give_identical_files(folders, tmp_path):
    a = pack.build_report([folders["scsb"]], tmp_path / "a", formats="png,pdf", dpi=20, only=["index-bars"])
    b = pack.build_report([folders["scsb"]], tmp_path / "b", formats="png,pdf", dpi=20, only=["index-bars"])
    for fa, fb in zip(a.files, b.files, strict=True):
        assert fa.read_bytes() == fb.read_bytes(), fa.name
