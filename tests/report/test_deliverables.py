"""Client deliverables of `csi report` (issue 13): editable decks, portable vectors, the HTML page,
CB-SEM packs, another language.

Every expected number is read from the results.json the report was built from (never from csi's
own renderers), and every property is checked on the written file by a reader independent of
the writer: python-pptx reads the deck's chart XML, pypdf the PDF's font dictionaries, the XML
parser the SVG, headless Chromium (Debian package) the HTML page.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csi.report import charts as ch
from csi.report import pack
from csi.report.json import write_json
from tests.conftest import REFERENCE, ROOT

SAMPLE = ROOT / "data" / "sample_survey.xlsx"


def _fit(data, model, **kw) -> dict:
    import csi
    from csi.results.contract import dumps

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return json.loads(dumps(csi.fit(data, model, **kw)))


@pytest.fixture(scope="module")
def boot_folder(tmp_path_factory) -> Path:
    d = _fit(SAMPLE, "ecsi", boot=40, seed=5, tiers=("nps", "quadrants"))
    out = tmp_path_factory.mktemp("ecsi")
    write_json(d, out / "results.json")
    return out


@pytest.fixture(scope="module")
def built(boot_folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    pack.build_report([boot_folder], out, formats="png,svg,pdf,pptx,html", dpi=30, template=_template(out / "client.pptx"),
                      study="Mobile study", client="ACME", date="2026-11-30")
    return out


def _template(path: Path) -> Path:
    """A client template: 4:3 page, a marker text box on the slide master, one sample slide."""
    import copy

    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(10), Inches(7.5)
    sample = prs.slides.add_slide(prs.slide_layouts[1])
    sample.shapes.title.text = "template sample slide"
    box = sample.shapes.add_textbox(Inches(0.2), Inches(7.0), Inches(3), Inches(0.4))
    box.text_frame.text = "ACME CONFIDENTIAL"
    prs.slide_master.shapes._spTree.append(copy.deepcopy(box._element))  # a master shape: on every slide of the deck
    prs.save(str(path))
    return path


def _data(boot_folder) -> dict:
    return json.loads((boot_folder / "results.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------
# PowerPoint: native charts with their data, titles in placeholders, the client's template
# --------------------------------------------------------------------------------------
def test_pptx_native_charts_on_the_client_template(built, boot_folder):
    from pptx import Presentation

    d = _data(boot_folder)
    prs = Presentation(str(built / "report.pptx"))
    assert (prs.slide_width, prs.slide_height) == (9_144_000, 6_858_000)  # the template's 4:3 page
    assert any(s.has_text_frame and s.text_frame.text == "ACME CONFIDENTIAL" for s in prs.slide_master.shapes)
    texts = [" ".join(s.text_frame.text for s in sl.shapes if s.has_text_frame) for sl in prs.slides]
    assert not any("template sample slide" in t for t in texts)  # the template's own slides are dropped
    assert "Mobile study" in texts[0] and "ACME" in texts[0] and "2026-11-30" in texts[0]
    charts = {}
    for sl in list(prs.slides)[1:]:
        ph = sl.shapes.title
        assert ph is not None and ph.is_placeholder and ph.text  # every title in the title placeholder
        for s in sl.shapes:
            if s.has_chart:
                charts[ph.text] = s.chart
        assert sl.notes_slide.notes_text_frame.text.startswith(ph.text)  # speaker notes
    by_kind = {}
    for title, c in charts.items():
        by_kind.setdefault(c.chart_type, []).append((title, c))
    from pptx.enum.chart import XL_CHART_TYPE

    # index bars: categories = construct labels, values = the indices of results.json, intervals as error bars
    (_, bars), = by_kind[XL_CHART_TYPE.BAR_CLUSTERED]
    labels = {c["code"]: c["label"] for c in d["model"]["constructs"]}
    cons = [c for c in d["constructs"] if c["index"] is not None]
    assert list(bars.plots[0].categories) == [labels[c["name"]] for c in cons]
    np.testing.assert_allclose(bars.plots[0].series[0].values, [c["index"] for c in cons], rtol=0, atol=1e-9)
    err = bars.plots[0].series[0]._element.find("{http://schemas.openxmlformats.org/drawingml/2006/chart}errBars")
    assert err is not None
    plus = [float(v.text) for v in err.iter("{http://schemas.openxmlformats.org/drawingml/2006/chart}v")][: len(cons)]
    np.testing.assert_allclose(plus, [c["ci"][1] - c["index"] for c in cons], rtol=0, atol=1e-9)
    # IPMA: one scatter point per construct at (importance, performance)
    (_, sc), = by_kind[XL_CHART_TYPE.XY_SCATTER]
    pts = {s.name: (s.values[0], s.iter_values) for s in sc.plots[0].series}
    assert len(pts) == len(d["ipma"])
    for r in d["ipma"]:
        ser = next(s for s in sc.plots[0].series if s.name == labels[r["construct"]])
        xs = [float(v.text) for v in ser._element.find("{http://schemas.openxmlformats.org/drawingml/2006/chart}xVal").iter(
            "{http://schemas.openxmlformats.org/drawingml/2006/chart}v")]
        assert xs[0] == pytest.approx(r["importance"], abs=1e-9) and ser.values[0] == pytest.approx(r["performance"], abs=1e-9)
    # tiers: 100% stacked bars, one per scheme, shares of results.json
    tier_charts = by_kind[XL_CHART_TYPE.BAR_STACKED_100]
    assert len(tier_charts) == len(d["tiers"]["schemes"])
    nps = next(c for t, c in tier_charts if t.startswith("Net Promoter"))
    shares = {g["tier"]: g["share"] for g in d["tiers"]["groups"] if g["scheme"] == "nps" and g["segment"] == "all"}
    got = {s.name.lower(): s.values[0] for s in nps.plots[0].series}
    for tier, share in shares.items():
        assert got[tier] == pytest.approx(share, abs=1e-12)


def test_pptx_template_errors_are_clear(boot_folder, tmp_path):
    from csi.errors import CsiError

    with pytest.raises(CsiError, match="--template .*no such file"):
        pack.build_report([boot_folder], tmp_path, formats="pptx", template=tmp_path / "missing.pptx")
    bad = tmp_path / "bad.pptx"
    bad.write_text("not a deck")
    with pytest.raises(CsiError, match="--template .*not a PowerPoint file"):
        pack.build_report([boot_folder], tmp_path, formats="pptx", dpi=20, only=["index-bars"], template=bad)


# --------------------------------------------------------------------------------------
# PDF and SVG
# --------------------------------------------------------------------------------------
def test_pdf_fonts_are_truetype_with_bookmarks_and_cover(built):
    from pypdf import PdfReader

    r = PdfReader(str(built / "charts.pdf"))
    kinds = set()
    for page in r.pages:
        for f in (page["/Resources"].get("/Font") or {}).values():
            f = f.get_object()
            kinds.add(str(f["/Subtype"]))
            if f["/Subtype"] == "/Type0":
                kinds |= {str(x.get_object()["/Subtype"]) for x in f["/DescendantFonts"]}
    assert "/Type3" not in kinds
    assert kinds <= {"/Type0", "/CIDFontType2", "/TrueType"} and kinds & {"/CIDFontType2", "/TrueType"}, kinds
    outline = [o.title for o in r.outline]
    assert len(outline) == len(r.pages) and outline[0] == "Mobile study"
    assert "ACME" in (r.pages[0].extract_text() or "")


def test_svg_keeps_text_as_text(built, boot_folder):
    svg = (built / "index-bars.svg").read_text(encoding="utf-8")
    root = ET.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    d = _data(boot_folder)
    for c in d["constructs"]:
        assert any(f"{c['index']:.1f}" in t for t in texts), c["name"]


# --------------------------------------------------------------------------------------
# HTML in a real browser
# --------------------------------------------------------------------------------------
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        try:  # Debian package; .ci/run installs it before the tests
            subprocess.run(["apt-get", "install", "-y", "chromium"], capture_output=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired):
            pass
        exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("headless Chromium is not installed and `apt-get install -y chromium` could not install it")
    return exe


def test_html_report_in_headless_chromium(built, boot_folder, tmp_path):
    from PIL import Image

    page = built / "report.html"
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text  # nothing fetched: self-contained
    exe = _chromium()
    shot = tmp_path / "shot.png"
    args = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600"]
    subprocess.run([*args, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=180, check=True)
    px = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert px.shape == (1600, 1280) and px.std() > 20 and (px < 128).mean() > 0.01  # not blank
    dom = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, timeout=180, check=True, text=True).stdout
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", dom, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    d = _data(boot_folder)
    table = body[body.index("Indices and quality by construct", body.index("</nav>") if "</nav>" in body else 0):]
    for c in d["constructs"]:  # every construct's index (and interval) in the page text, as the browser has it
        assert re.search(rf"\b{re.escape(c['name'])}\b.*?{c['index']:.1f}", table, flags=re.S), c["name"]
        assert f"{c['ci'][0]:.1f}" in table and f"{c['ci'][1]:.1f}" in table
    for section in ("Structural model", "Measurement model", "Importance–performance", "Loyalty tiers", "Charts"):
        assert section in body


def test_html_tables_sort_in_the_browser(built, tmp_path):
    """Clicking a header sorts the rows (the page's own script, run by Chromium)."""
    exe = _chromium()
    page = (built / "report.html").read_text(encoding="utf-8")
    probe = page.replace("</body>", "<script>var t=document.querySelector('table.sortable');var th=t.tHead.rows[0].cells[2];"
                         "th.click();th.click();document.title='SORTED:'+Array.prototype.map.call(t.tBodies[0].rows,function(r){"
                         "return r.cells[2].getAttribute('data-v')||r.cells[2].textContent;}).join('|');</script></body>")
    f = tmp_path / "probe.html"
    f.write_text(probe, encoding="utf-8")
    dom = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'p2'}", "--dump-dom", f.as_uri()], capture_output=True,
                         timeout=180, check=True, text=True).stdout
    title = re.search(r"<title>SORTED:(.*?)</title>", dom, flags=re.S)
    assert title is not None
    got = title.group(1).split("|")
    assert got == sorted(got, reverse=True) or got == sorted(got)


# --------------------------------------------------------------------------------------
# CB-SEM packs draw CB-SEM numbers
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cbsem_dict() -> dict:
    return _fit(pd.read_csv(REFERENCE / "mobi.csv", index_col=0), "ecsi", method="cbsem", boot=0)


def test_cbsem_path_diagram_draws_the_cbsem_standardized_paths(cbsem_dict):
    d = cbsem_dict
    charts = {c.key: c for c in ch.fit_charts(d)}
    fig = charts["path-diagram"].figure
    drawn = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if str(t.get_gid()).startswith("path:")}
    cb = {(p["from"], p["to"]): p for p in d["cbsem"]["paths"]}
    assert len(drawn) == len(cb)
    for (a, b), p in cb.items():
        stars = "***" if p["p_value"] < 0.001 else "**" if p["p_value"] < 0.01 else "*" if p["p_value"] < 0.05 else ""
        assert drawn[f"path:{a}->{b}"] == f"{p['std_estimate']:.2f}{stars}"
    assert drawn["path:IMAG->CUEX"].startswith("0.99")  # 0.988, where PLS gives 0.50
    assert abs(next(p for p in d["paths"] if p["from"] == "IMAG" and p["to"] == "CUEX")["estimate"] - 0.988) > 0.3
    stats = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if str(t.get_gid()).startswith("stats:")}
    for code, r2 in d["cbsem"]["r2"].items():
        assert f"R² {r2:.2f}" in stats[f"stats:{code}"]
    assert "CB-SEM" in charts["path-diagram"].footnote and "CB-SEM" in charts["path-diagram"].subtitle
    # the PLS charts say they are PLS
    assert "PLS" in charts["index-bars"].footnote and "PLS" in charts["outer-model"].footnote


def test_cbsem_fit_chart_is_in_the_pack(cbsem_dict, tmp_path):
    d = cbsem_dict
    fit = ch.cbsem_fit(d)
    assert fit is not None
    texts = {t.get_gid(): t.get_text() for t in fit.figure.axes[0].texts if t.get_gid()}
    assert texts["cbfit:CFI"] == f"{d['fit']['cfi']:.3f}" and texts["cbfit:SRMR"] == f"{d['fit']['srmr']:.3f}"
    assert texts["cbfit:RMSEA"].startswith(f"{d['fit']['rmsea']:.3f} [{d['fit']['rmsea_ci'][0]:.3f}")
    met = sum(bool(v["met"]) for v in d["cbsem"]["thresholds"].values())
    assert fit.title == f"CB-SEM fit: {met} of {len(d['cbsem']['thresholds'])} fit criteria met"
    problems = d["cbsem"]["admissibility"]
    assert problems and ("cbfit:inadmissible" in texts)
    assert texts["cbfit:problem:0"].startswith("• " + problems[0]["message"][:40])
    folder = tmp_path / "cb"
    write_json(d, folder / "results.json")
    rep = pack.build_report([folder], tmp_path / "out", formats="png", dpi=20)
    assert "cbsem-fit" in rep.charts and (tmp_path / "out" / "cbsem-fit.png").is_file()


# --------------------------------------------------------------------------------------
# Chinese
# --------------------------------------------------------------------------------------
CHINESE_MODEL = """\
name: ccsi
label: 客户满意度模型
lang: zh
scale: {min: 1, max: 10}
constructs:
  IMAG: {label: 企业形象, items: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5]}
  CUEX: {label: 客户期望, items: [CUEX1, CUEX2, CUEX3]}
  PERQ: {label: 感知质量, items: [PERQ1, PERQ2, PERQ3, PERQ4, PERQ5, PERQ6, PERQ7]}
  PERV: {label: 感知价值, items: [PERV1, PERV2]}
  CUSA: {label: 客户满意度, items: [CUSA1, CUSA2, CUSA3]}
  CUSL: {label: 客户忠诚度, items: [CUSL1, CUSL2, CUSL3]}
paths:
  - IMAG -> CUEX, CUSA, CUSL
  - CUEX -> PERQ, PERV, CUSA
  - PERQ -> PERV, CUSA
  - PERV -> CUSA
  - CUSA -> CUSL
roles: {satisfaction: CUSA, loyalty: CUSL, recommend: CUSL3}
items:
  PERQ1: 总体质量
  PERQ2: 服务可靠性
  CUSA1: 总体满意度
  CUSL3: 推荐意愿
"""
# codes, units, names of methods and authors that stay as they are in any language
ALLOWED = {"PLS", "CB", "SEM", "NPS", "HTMT", "csi", "ccsi", "mobi", "csv", "Holm", "Wilson", "Henseler", "et", "al", "Hu", "Bentler",
           "Jones", "Sasser", "df", "ML", "CFI", "TLI", "RMSEA", "SRMR", "AIC", "BIC", "fit", "boot", "rescale"}  # fit, boot: csi fit --boot


def test_chinese_model_gives_chinese_charts_with_bold_headlines(tmp_path):
    from csi.model.spec import parse_yaml
    from csi.report.i18n import language

    spec = parse_yaml(CHINESE_MODEL, "ccsi.yaml")
    d = _fit(pd.read_csv(REFERENCE / "mobi.csv", index_col=0), spec, boot=0, tiers=("nps", "quadrants"))
    assert d["model"]["item_texts"]["PERQ1"] == "总体质量" and d["model"]["lang"] == "zh"
    codes = {c["code"] for c in d["model"]["constructs"]} | {i for c in d["model"]["constructs"] for i in c["items"]}
    with language("zh"):
        charts = ch.fit_charts(d)
    for c in charts:
        words = set()
        for t in c.figure.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontweight")):
            words |= set(re.findall(r"[A-Za-z]{2,}", t.get_text()))
        english = words - codes - ALLOWED
        assert not english, (c.key, sorted(english))
    ipma = next(c for c in charts if c.key == "ipma-items")
    assert any("总体质量" in t.get_text() or "推荐意愿" in t.get_text() for t in ipma.figure.axes[0].texts) or "总体质量" in ipma.title
    # the headline is bold, and a bold CJK face draws it: more ink than the same text in the regular weight
    title = next(t for t in charts[0].figure.texts if t.get_gid() == "title")
    assert title.get_fontweight() == "bold" and re.search(r"[\u4e00-\u9fff]", title.get_text())
    if ch.cjk_bold_path() is None:
        pytest.skip("no bold Noto Sans CJK on this machine (Debian fonts-noto-cjk, installed by .ci/run): CJK headlines fall back to regular")
    assert _ink(title.get_text(), "bold") > 1.15 * _ink(title.get_text(), "normal")
    # the report, language taken from the model
    folder = tmp_path / "zh"
    write_json(d, folder / "results.json")
    rep = pack.build_report([folder], tmp_path / "out", formats="png,xlsx", dpi=20)
    assert not [w for w in rep.warnings if "font" in w]
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "out" / "report.xlsx")
    ind = wb["indicators"]
    codes_row = [c.value for c in ind[2]]
    rows = {r[codes_row.index("name")]: r for r in ind.iter_rows(min_row=3, values_only=True)}
    assert rows["PERQ1"][codes_row.index("question")] == "总体质量" and rows["PERQ3"][codes_row.index("question")] is None


def _ink(text: str, weight: str) -> float:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    with ch.style([text]):
        fig = Figure(figsize=(12, 1), dpi=100)
        FigureCanvasAgg(fig)
        fig.text(0.01, 0.5, text, fontsize=22, fontweight=weight, va="center")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
    return float((255 - np.asarray(Image.open(buf).convert("L"), dtype=float)).sum())


def test_lang_option_is_checked(boot_folder, tmp_path):
    from csi.errors import CsiError

    with pytest.raises(CsiError, match="--lang should be one of en, zh, de; got 'fr'"):
        pack.build_report([boot_folder], tmp_path, formats="png", lang="fr")


def test_german_wording(boot_folder):
    from csi.report.i18n import language

    d = _data(boot_folder)
    with language("de"):
        c = ch.index_bars(d)
    assert c.title.startswith("Kundenzufriedenheit") or "Index" in c.title
    assert "Index je Konstrukt" in c.subtitle and "Stichproben" in c.footnote


# --------------------------------------------------------------------------------------
# headlines respect the intervals
# --------------------------------------------------------------------------------------
def _ipma_dict(perf_ci: tuple[float, float]) -> dict:
    """Two drivers of CUSL; CUSA important and 0.1 below the mean performance, with the interval given."""
    return {
        "model": {"name": "m", "constructs": [{"code": c, "label": c} for c in ("IMAG", "CUSA", "CUSL")], "paths": [], "roles": {}},
        "constructs": [{"name": "IMAG", "index": 72.5, "ci": [71.3, 73.6]}, {"name": "CUSA", "index": 71.5, "ci": list(perf_ci)},
                       {"name": "CUSL", "index": 71.6, "ci": [70.4, 72.8]}],
        "ipma": [{"target": "CUSL", "construct": "IMAG", "importance": 0.2, "performance": 72.5},
                 {"target": "CUSL", "construct": "CUSA", "importance": 0.4, "performance": 71.5}],
        "settings": {}, "n_obs": 100, "method": "pls",
    }


def test_ipma_headline_names_a_priority_only_beyond_its_interval():
    mean_perf = (72.5 + 71.5) / 2  # 72.0: CUSA is 0.5 below
    wide = ch.ipma_map(_ipma_dict((70.3, 72.6)))  # the interval reaches above the mean: no clear priority
    assert wide is not None and wide.title.startswith("No clear priority for CUSL")
    narrow = ch.ipma_map(_ipma_dict((71.2, 71.8)))  # the whole interval below 72.0: a priority
    assert narrow is not None and narrow.title == "To raise CUSL, improve CUSA" and 71.8 < mean_perf


def test_index_headline_highest_respects_intervals():
    d = {"model": {"name": "m", "constructs": [{"code": "A", "label": "A"}, {"code": "B", "label": "B"}], "roles": {}},
         "constructs": [{"name": "A", "index": 75.0, "ci": [73.0, 77.0]}, {"name": "B", "index": 74.0, "ci": [72.0, 76.0]}],
         "settings": {}, "n_obs": 10}
    assert ch.index_bars(d).title == "Highest indices: A and B (intervals overlap)"
    d["constructs"][1].update(index=60.0, ci=[58.0, 62.0])
    assert ch.index_bars(d).title == "Highest index: A at 75.0 out of 100"


def test_group_charts_of_non_latin_columns_get_distinct_files():
    a, b = ch._slug("地区"), ch._slug("年龄")
    assert a != b and a and b
    assert ch._slug("§§") != ch._slug("¶¶")  # nothing left of either: distinct hashes
    charts = ch.unique_keys([ch.Chart("groups-x", "t", "", "", None), ch.Chart("groups-x", "t", "", "", None)])  # type: ignore[arg-type]
    assert [c.key for c in charts] == ["groups-x", "groups-x-2"]


def test_workbook_text_with_control_characters_and_formula_lookalikes(tmp_path):
    """Control characters (not allowed in XML) are removed (csi.report.text.excel_text); '=…' stays text; the file opens."""
    import zipfile

    from openpyxl import load_workbook

    from csi.report.excel import write_workbook

    df = pd.DataFrame({"label": ["a\x01b", "=1+1", "@SUM(A1)"], "value": [0.5, float("nan"), 2.0]})
    write_workbook({"t": df}, tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")["t"]
    assert [c.value for c in ws[1]] == ["Label", "Value"] and [c.value for c in ws[2]] == ["label", "value"]
    vals = [r[0] for r in ws.iter_rows(min_row=3, values_only=True)]
    assert vals == ["ab", "=1+1", "@SUM(A1)"]
    assert ws.cell(row=4, column=2).value is None and ws.cell(row=3, column=2).number_format == "0.000"
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml
