"""Charts read results and draw exactly their numbers (csi.report.charts).

The results dictionaries are real fits (SCSB, ACSI, ECSI on the bundled sample and on mobi)
round-tripped through JSON as `csi report` reads them.  Each test reads the drawn numbers back
off the matplotlib artists and compares them with the dictionary (1e-12: both sides are the
same floats), and checks layout properties by an independent geometric computation.
"""

from __future__ import annotations

import functools
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import FancyArrowPatch, Rectangle
from PIL import Image

from csi.report import charts as ch
from tests.conftest import REFERENCE, ROOT

SAMPLE = ROOT / "data" / "sample_survey.xlsx"
MOBI = REFERENCE / "mobi.csv"
MODELS = ("scsb", "acsi", "ecsi")
CASES = [(data, model) for data in ("sample", "mobi") for model in MODELS]

JAPANESE_YAML = """\
name: jcsi
label: 顧客満足度モデル
scale: {min: 1, max: 10}
constructs:
  IMAG: {label: 企業イメージ, items: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5]}
  CUEX: {label: 顧客の期待, items: [CUEX1, CUEX2, CUEX3]}
  PERQ: {label: 知覚品質, items: [PERQ1, PERQ2, PERQ3, PERQ4, PERQ5, PERQ6, PERQ7]}
  PERV: {label: 知覚価値, items: [PERV1, PERV2]}
  CUSA: {label: 顧客満足, items: [CUSA1, CUSA2, CUSA3]}
  CUSL: {label: ロイヤルティ（推奨意向）, items: [CUSL1, CUSL2, CUSL3]}
paths:
  - IMAG -> CUEX, CUSA, CUSL
  - CUEX -> PERQ, PERV, CUSA
  - PERQ -> PERV, CUSA
  - PERV -> CUSA
  - CUSA -> CUSL
roles: {satisfaction: CUSA, loyalty: CUSL, recommend: CUSL3}
"""
CHINESE_YAML = JAPANESE_YAML.replace("顧客満足度モデル", "客户满意度模型").replace("企业イメージ", "企业形象").replace(
    "企業イメージ", "企业形象").replace("顧客の期待", "客户期望").replace("知覚品質", "感知质量").replace("知覚価値", "感知价值").replace(
    "顧客満足", "客户满意度").replace("ロイヤルティ（推奨意向）", "客户忠诚度").replace("name: jcsi", "name: ccsi")


def _quiet_fit(data, model, **kw):
    import csi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(data, model, **kw)


def _as_read(res) -> dict:
    """results.json as csi report reads it: through JSON text."""
    from csi.results.contract import dumps

    return json.loads(dumps(res))


@functools.cache
def survey(name: str) -> pd.DataFrame:
    if name == "sample":
        return pd.read_excel(SAMPLE, sheet_name=0, engine="calamine")
    return pd.read_csv(MOBI, index_col=0)


@functools.cache
def fit_dict(data: str, model: str) -> dict:
    return _as_read(_quiet_fit(SAMPLE if data == "sample" else survey(data), model, boot=0))


@functools.cache
def boot_dict() -> dict:
    """ECSI on the sample with bootstrap, three tier schemes and a region comparison."""
    return _as_read(_quiet_fit(SAMPLE, "ecsi", boot=60, seed=3, groups=("region",), permutations=60,
                               tiers=("nps", "quadrants", "bands")))


@functools.cache
def user_dict(yaml_text: str) -> dict:
    from csi.model.spec import parse_yaml

    return _as_read(_quiet_fit(survey("mobi"), parse_yaml(yaml_text, "user.yaml"), boot=0))


def _by_gid(fig, gid: str):
    return [a for a in fig.findobj(lambda a: a.get_gid() == gid)]


def _first(fig, gid: str):
    found = _by_gid(fig, gid)
    assert found, f"no artist with gid {gid!r}"
    return found[0]


@functools.cache
def _charts(key: tuple[str, str]) -> dict[str, ch.Chart]:
    d = boot_dict() if key == ("boot", "") else fit_dict(*key)
    return {c.key: c for c in ch.fit_charts(d)}


# --------------------------------------------------------------------------------------
# every chart, every model, both data sets: slide-sized, non-blank
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "model"), CASES)
def test_every_chart_renders_at_slide_size(data, model):
    charts = _charts((data, model))
    d = fit_dict(data, model)
    expected = {"path-diagram", "index-bars", "ipma", "ipma-items", "outer-model", "htmt"}
    expected |= {f"tiers-{ch._slug(s)}" for s in d["tiers"]["schemes"]} if d.get("tiers") else set()
    assert expected <= set(charts), set(charts)
    for c in charts.values():
        w, h = c.figure.get_size_inches()
        assert (w, h) == pytest.approx(ch.SLIDE_SIZE, abs=1e-9)
        img = Image.open(io.BytesIO(ch.render_bytes(c, "png", dpi=24)))
        assert img.size == (round(ch.SLIDE_SIZE[0] * 24), round(ch.SLIDE_SIZE[1] * 24))
        px = np.asarray(img.convert("L"), dtype=float)
        assert px.std() > 10, f"{c.key} looks blank"
        # something is drawn in the plot area, not only the title
        assert (px[int(0.2 * px.shape[0]):int(0.85 * px.shape[0])] < 200).mean() > 0.01, c.key
        assert c.title and c.footnote and f"n = {d['n_obs']:,}" in c.footnote
        # title, subtitle and footnote are fitted to the page: nothing is cut off, at any resolution
        fig = c.figure
        for dpi in (24, 100):
            fig.set_dpi(dpi)
            renderer = fig.canvas.get_renderer()
            for t in fig.texts:
                e = t.get_window_extent(renderer)
                assert e.x0 >= 0 and e.x1 <= fig.bbox.width and e.y0 >= 0 and e.y1 <= fig.bbox.height, (c.key, t.get_text()[:40], dpi)
        fig.set_dpi(100)


# --------------------------------------------------------------------------------------
# path diagram
# --------------------------------------------------------------------------------------
def _inside(px: float, py: float, box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = box
    return x0 < px < x1 and y0 < py < y1


@pytest.mark.parametrize("model", [*MODELS, "user"])
def test_layout_keeps_arrows_out_of_other_boxes(model):
    """Independent check: points along every arrow stay outside every other construct's box."""
    if model == "user":
        from csi.model.spec import parse_yaml

        spec = parse_yaml(JAPANESE_YAML, "user.yaml")
    else:
        from csi.model.spec import load_model

        spec = load_model(model)
    edges = [(p.source, p.target) for p in spec.paths]
    lay = ch.layout(spec.codes, edges, aspect=1.6, half_w=0.40, half_h=0.30)
    boxes = {c: (x - lay.half_w, y - lay.half_h, x + lay.half_w, y + lay.half_h) for c, (x, y) in lay.pos.items()}
    for a, b in edges:
        assert lay.pos[a][0] < lay.pos[b][0], f"{a} -> {b} does not flow left to right"
        (x0, y0), (x1, y1) = lay.pos[a], lay.pos[b]
        for t in np.linspace(0, 1, 401):
            px, py = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            hit = [c for c, bx in boxes.items() if c not in (a, b) and _inside(px, py, bx)]
            assert not hit, f"arrow {a} -> {b} crosses the box of {hit}"
    codes = list(lay.pos)
    for i, a in enumerate(codes):  # boxes never overlap
        for b in codes[i + 1:]:
            (xa, ya), (xb, yb) = lay.pos[a], lay.pos[b]
            assert abs(xa - xb) >= 2 * lay.half_w or abs(ya - yb) >= 2 * lay.half_h, (a, b)


def test_layout_is_deterministic():
    """Same layout twice in this process and in a fresh interpreter with another hash seed
    (set/dict ordering of strings changes with PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    from csi.model.spec import load_model

    spec = load_model("ecsi")
    edges = [(p.source, p.target) for p in spec.paths]
    here = ch.layout(spec.codes, edges, aspect=1.5)
    assert here == ch.layout(spec.codes, edges, aspect=1.5)
    code = ("from csi.report import charts as ch; from csi.model.spec import load_model; s = load_model('ecsi'); "
            "print(repr(ch.layout(s.codes, [(p.source, p.target) for p in s.paths], aspect=1.5)))")
    env = {**os.environ, "PYTHONHASHSEED": "12345" if os.environ.get("PYTHONHASHSEED") != "12345" else "54321"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True)
    assert proc.stdout.strip() == repr(here)


def test_layers_are_longest_paths():
    edges = [("A", "B"), ("B", "C"), ("A", "C"), ("C", "D"), ("E", "D")]
    assert ch.layers(["A", "B", "C", "D", "E"], edges) == {"A": 0, "B": 1, "C": 2, "D": 3, "E": 0}


@pytest.mark.parametrize(("data", "model"), CASES)
def test_path_diagram_shows_every_coefficient_and_r2(data, model):
    d = fit_dict(data, model)
    fig = _charts((data, model))["path-diagram"].figure
    labels = {c["code"]: c["label"] for c in d["model"]["constructs"]}
    for p in d["paths"]:
        t = _first(fig, f"path:{p['from']}->{p['to']}")
        assert t.get_text() == f"{p['estimate']:.2f}"  # no bootstrap: no stars
    for c in d["constructs"]:
        assert _first(fig, f"node:{c['name']}").get_text().replace("\n", " ") == labels[c["name"]]
        stats = _first(fig, f"stats:{c['name']}").get_text()
        assert f"Index {c['index']:.1f}" in stats
        if c["r2"] is not None:
            assert f"R² {c['r2']:.2f}" in stats
        else:
            assert "R²" not in stats
    assert "significance not assessed" in _charts((data, model))["path-diagram"].footnote


def test_path_diagram_marks_significance_from_bootstrap_p_values():
    d = boot_dict()
    fig = _charts(("boot", ""))["path-diagram"].figure
    arrows = [a for a in fig.axes[0].patches if isinstance(a, FancyArrowPatch)]
    assert len(arrows) == len(d["paths"])
    n_dashed = 0
    for p, arrow in zip(d["paths"], arrows, strict=True):
        pv = p["p_value"]
        stars = "***" if pv < 0.001 else "**" if pv < 0.01 else "*" if pv < 0.05 else ""
        assert _first(fig, f"path:{p['from']}->{p['to']}").get_text() == f"{p['estimate']:.2f}{stars}"
        dashed = arrow.get_linestyle() in ("--", "dashed")
        assert dashed == (pv >= 0.05), (p, arrow.get_linestyle())
        n_dashed += dashed
    assert 0 < n_dashed < len(arrows)  # the sample has both kinds: the check can fail either way


def test_significance_rule():
    assert ch.significance(0.0004) == ("***", True)
    assert ch.significance(0.004) == ("**", True)
    assert ch.significance(0.04) == ("*", True)
    assert ch.significance(0.05) == ("", False)
    assert ch.significance(None, [0.1, 0.3]) == ("*", True)
    assert ch.significance(None, [-0.1, 0.3]) == ("", False)
    assert ch.significance(None, None) == ("", None)


# --------------------------------------------------------------------------------------
# index bars, IPMA, tiers, outer model, HTMT
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("data", "model"), CASES)
def test_index_bars_are_the_indices(data, model):
    d = fit_dict(data, model)
    fig = _charts((data, model))["index-bars"].figure
    for c in d["constructs"]:
        bar = _first(fig, f"index:{c['name']}")
        assert bar.get_width() == pytest.approx(c["index"], abs=1e-12)
    assert not _by_gid(fig, "index-ci")  # no bootstrap, no whiskers


def test_index_bars_draw_the_bootstrap_intervals():
    d = boot_dict()
    fig = _charts(("boot", ""))["index-bars"].figure
    segs = _first(fig, "index-ci").get_segments()  # the whiskers' LineCollection
    for c, seg in zip(d["constructs"], segs, strict=True):
        assert seg[0][0] == pytest.approx(c["ci"][0], abs=1e-12)
        assert seg[1][0] == pytest.approx(c["ci"][1], abs=1e-12)


@pytest.mark.parametrize(("data", "model"), CASES)
def test_ipma_points_quadrants_and_priority(data, model):
    d = fit_dict(data, model)
    chart = _charts((data, model))["ipma"]
    pts = _first(chart.figure, "ipma-points").get_offsets()
    want = np.array([[r["importance"], r["performance"]] for r in d["ipma"]])
    np.testing.assert_allclose(pts, want, rtol=0, atol=1e-12)
    rect = _first(chart.figure, "priority-quadrant")
    mean_imp = sum(r["importance"] for r in d["ipma"]) / len(d["ipma"])
    mean_perf = sum(r["performance"] for r in d["ipma"]) / len(d["ipma"])
    assert rect.get_x() == pytest.approx(mean_imp, abs=1e-12)
    assert rect.get_y() + rect.get_height() == pytest.approx(mean_perf, abs=1e-12)
    assert "PRIORITY" in _first(chart.figure, "priority-label").get_text()
    labels = {c["code"]: c["label"] for c in d["model"]["constructs"]}
    prio = [labels[r["construct"]] for r in d["ipma"] if r["priority"]]
    for name in prio:
        assert name in chart.title
    if not prio:
        assert chart.title.startswith("No construct")


def test_tier_bars_are_the_shares_overall_and_by_segment():
    d = boot_dict()
    charts = _charts(("boot", ""))
    groups = d["tiers"]["groups"]
    schemes = d["tiers"]["schemes"]
    assert {f"tiers-{ch._slug(s)}" for s in schemes} <= set(charts)
    for s in schemes:
        fig = charts[f"tiers-{ch._slug(s)}"].figure
        rows = [g for g in groups if g["scheme"] == s]
        assert len({g["segment"] for g in rows}) == 5  # all + four regions
        total: dict[str, float] = {}
        for g in rows:
            seg = ch._segment_name(g)
            bar = _first(fig, f"tier:{s}:{seg}:{g['tier']}")
            assert bar.get_width() == pytest.approx(100 * g["share"], abs=1e-12)
            total[seg] = total.get(seg, 0.0) + bar.get_width()
        for seg, v in total.items():
            assert v == pytest.approx(100.0, abs=1e-9), seg
    nps_title = charts["tiers-nps"].title
    assert f"{round(d['tiers']['summary']['nps']):+d}".replace("-", "−") in nps_title


@pytest.mark.parametrize(("data", "model"), CASES)
def test_outer_model_loadings_and_weights(data, model):
    d = fit_dict(data, model)
    fig = _charts((data, model))["outer-model"].figure
    for i in d["indicators"]:
        assert _first(fig, f"loading:{i['construct']}:{i['name']}").get_width() == pytest.approx(i["loading"], abs=1e-12)
    for code in {i["construct"] for i in d["indicators"]}:
        xs = _first(fig, f"weights:{code}").get_offsets()[:, 0]
        want = [i["weight"] for i in d["indicators"] if i["construct"] == code]
        np.testing.assert_allclose(xs, want, rtol=0, atol=1e-12)


def test_htmt_colour_thresholds():
    assert ch.htmt_colour(0.8499) not in (ch.OKABE_ITO["orange"], ch.OKABE_ITO["vermillion"])
    assert ch.htmt_colour(0.85) == ch.OKABE_ITO["orange"]
    assert ch.htmt_colour(0.8999) == ch.OKABE_ITO["orange"]
    assert ch.htmt_colour(0.90) == ch.OKABE_ITO["vermillion"]
    assert ch.htmt_colour(1.3) == ch.OKABE_ITO["vermillion"]


@pytest.mark.parametrize(("data", "model"), CASES)
def test_htmt_cells(data, model):
    from matplotlib.colors import to_hex

    d = fit_dict(data, model)
    chart = _charts((data, model))["htmt"]
    cells = [a for a in chart.figure.findobj(Rectangle) if str(a.get_gid() or "").startswith("htmt:")]
    n = len(d["model"]["constructs"])
    assert len(cells) == n * (n - 1) // 2
    high = 0
    htmt = {(p["a"], p["b"]): p["value"] for p in d["htmt"]}
    for cell in cells:
        a, b = cell.get_gid()[5:].split("|")
        v = htmt[(a, b)]
        assert to_hex(cell.get_facecolor()) == to_hex(ch.htmt_colour(v))
        high += v >= 0.85
    assert chart.title.startswith("Discriminant validity: every") == (high == 0)


def test_groups_chart_shows_each_segment_index():
    d = boot_dict()
    fig = _charts(("boot", ""))["groups-region"].figure
    g = d["groups"][0]
    codes = [c["code"] for c in d["model"]["constructs"]]
    for lv in {r["level"] for r in g["indices"]}:
        pts = _first(fig, f"group:region:{lv}").get_offsets()[:, 0]
        want = [next(r["index"] for r in g["indices"] if r["level"] == lv and r["construct"] == c) for c in codes]
        np.testing.assert_allclose(pts, want, rtol=0, atol=1e-12)


def test_index_comparison_of_several_fits():
    fits = [("scsb", fit_dict("sample", "scsb")), ("ecsi", fit_dict("sample", "ecsi"))]
    chart = ch.index_comparison(fits)
    assert chart is not None
    shared = {c["name"] for c in fits[0][1]["constructs"]} & {c["name"] for c in fits[1][1]["constructs"]}
    assert shared == {"CUEX", "PERV", "CUSA", "CUSCO", "CUSL"}
    for name, d in fits:
        for c in d["constructs"]:
            bars = _by_gid(chart.figure, f"compare:{name}:{c['name']}")
            assert len(bars) == 1  # a construct only one fit has is drawn for that fit (issue 13: IMAG was dropped)
            assert bars[0].get_width() == pytest.approx(c["index"], abs=1e-12)
    only_one = {c["name"] for _, d in fits for c in d["constructs"]} - shared
    assert only_one and all(ch.labels_of(fits[1][1])[c] in chart.footnote for c in only_one)  # and named as missing elsewhere
    # value labels sit right of the interval whiskers, never on them
    renderer = chart.figure.canvas.get_renderer()
    ax = chart.figure.axes[0]
    for t in ax.texts:
        if str(t.get_gid()).startswith("compare-label:"):
            x0 = ax.transData.inverted().transform((t.get_window_extent(renderer).x0, 0))[0]
            name = str(t.get_gid()).split(":")[1]
            d = dict(fits)[name]
            v = float(t.get_text())
            c = next(c for c in d["constructs"] if c["index"] is not None and f"{c['index']:.1f}" == t.get_text())
            assert x0 >= max(v, (c.get("ci") or [None, v])[1] or v)
    assert ch.index_comparison(fits[:1]) is None


# --------------------------------------------------------------------------------------
# labels from the model, CJK text
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("yaml_text", [JAPANESE_YAML, CHINESE_YAML], ids=["japanese", "chinese"])
def test_cjk_labels_render_without_missing_glyphs(yaml_text):
    if not ch.cjk_fonts():
        pytest.skip("no CJK font: install the noto-cjk-sans-otc package (a csi dependency)")
    d = user_dict(yaml_text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts = ch.fit_charts(d)
        for c in charts:  # every chart as PNG; the vector formats (slower with CJK fonts) for the diagram
            for fmt in ("png", "pdf", "svg") if c.key == "path-diagram" else ("png",):
                ch.render_bytes(c, fmt, dpi=20)
    glyph = [str(w.message) for w in caught if "Glyph" in str(w.message)]
    assert not glyph, glyph[:3]
    texts = " ".join(t.replace("\n", "") for c in charts for t in ch._texts(c.figure))
    for c in d["model"]["constructs"]:
        assert c["label"] in texts


def test_missing_glyphs_are_detected_without_the_cjk_font():
    """The check above can fail: DejaVu Sans alone has no kanji and matplotlib says so."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = Figure()
        fig.text(0.1, 0.5, "顧客満足")
        fig.savefig(io.BytesIO(), format="png", dpi=20)
    assert any("Glyph" in str(w.message) for w in caught)


def test_wrap_counts_wide_characters_double():
    assert ch.wrap("Customer satisfaction index", 12) == "Customer\nsatisfaction\nindex"
    assert ch.wrap("顧客満足度指数", 8) == "顧客満足\n度指数"
    assert all(ch._units(line) <= 8 for line in ch.wrap("顧客満足度指数モデル", 8).split("\n"))


# --------------------------------------------------------------------------------------
# waves (scores.json)
# --------------------------------------------------------------------------------------
def _scores_dict() -> dict:
    """A hand-made scores.json (the csi score layout, schema_version 2) with known numbers."""
    cons = [("CUSA", "Customer satisfaction"), ("CUSL", "Customer loyalty")]
    idx = {"2026Q1": {"CUSA": 70.0, "CUSL": 65.0}, "2026Q2": {"CUSA": 73.5, "CUSL": 65.5}, "2026Q3": {"CUSA": 73.0, "CUSL": 62.0}}

    def wave(label, seg=None, shift=0.0):
        return {"label": label, "fields": {}, "segment": None if seg is None else {"column": "region", "value": seg}, "n": 200,
                "constructs": [{"name": c, "index": idx[label][c] + shift, "ci": [idx[label][c] + shift - 2, idx[label][c] + shift + 2]}
                               for c, _ in cons], "issues": []}

    def change(construct, frm, to, consecutive, delta, p, sig):
        return {"fields": {}, "segment": None, "construct": construct, "from": frm, "to": to, "consecutive": consecutive,
                "delta": delta, "ci": [delta - 1.0, delta + 1.0], "p_value": p, "significant": sig}

    waves = [wave(w) for w in idx] + [wave(w, "North", 1.0) for w in idx] + [wave(w, "South", -1.0) for w in idx]
    changes = [
        change("CUSA", "2026Q1", "2026Q2", True, 3.5, 0.01, True),
        change("CUSA", "2026Q2", "2026Q3", True, -0.5, 0.7, False),
        change("CUSL", "2026Q2", "2026Q3", True, -3.5, 0.02, True),
        change("CUSA", "2026Q1", "2026Q3", False, 3.0, 0.03, True),
    ]
    return {"schema_version": 2, "kind": "scores", "csi_version": "test",
            "model": {"name": "m", "label": "Model", "constructs": [{"code": c, "label": lab} for c, lab in cons]},
            "mode": "refit", "settings": {"resamples": 100, "level": 0.95, "seed": 1, "segments": "region"}, "waves": waves,
            "changes": changes, "failed": [], "issues": []}


def test_wave_charts_draw_the_indices_and_mark_significant_changes():
    s = _scores_dict()
    charts = {c.key: c for c in ch.score_charts(s)}
    assert set(charts) == {"wave-trend", "wave-constructs", "wave-segments"}
    fig = charts["wave-trend"].figure
    line = _first(fig, "trend:CUSA")
    np.testing.assert_allclose(line.get_ydata(), [70.0, 73.5, 73.0], atol=1e-12)
    assert "70.0 → 73.0" in charts["wave-trend"].title and "significant" in charts["wave-trend"].title
    # exactly the significant consecutive changes are marked, at their 'to' wave
    marked = {a.get_gid() for a in fig.findobj(lambda a: str(a.get_gid() or "").startswith("sig:"))}
    assert marked == {"sig:CUSA:2026Q2", "sig:CUSL:2026Q3"}
    pts = _first(fig, "sig:CUSL:2026Q3").get_offsets()
    np.testing.assert_allclose(pts, [[2, 62.0]], atol=1e-12)
    seg = charts["wave-segments"]
    np.testing.assert_allclose(_first(seg.figure, "segment:region: North").get_ydata(), [71.0, 74.5, 74.0], atol=1e-12)
    assert "highest North (74.0), lowest South (72.0)" in seg.title
    for c in charts.values():
        assert tuple(c.figure.get_size_inches()) == pytest.approx(ch.SLIDE_SIZE, abs=1e-9)


def test_wave_charts_of_a_real_csi_score_run(tmp_path):
    from csi.workflows.waves import score_waves

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = score_waves([str(ROOT / "data" / "waves" / "waves.yaml")], "ecsi", resamples=30, segments="region", workers=1)
    s = json.loads(json.dumps(res.to_dict()))
    charts = {c.key: c for c in ch.score_charts(s)}
    assert set(charts) == {"wave-trend", "wave-constructs", "wave-segments"}
    first_overall = [w for w in s["waves"] if w["segment"] is None]
    cusa = [next(c["index"] for c in w["constructs"] if c["name"] == "CUSA") for w in first_overall]
    np.testing.assert_allclose(_first(charts["wave-trend"].figure, "trend:CUSA").get_ydata(), cusa, atol=1e-12)
    for c in charts.values():
        img = Image.open(io.BytesIO(ch.render_bytes(c, "png", dpi=24)))
        assert img.size == (320, 180)


def test_rendering_is_byte_reproducible():
    c = _charts(("sample", "scsb"))["index-bars"]
    for fmt in ("png", "svg", "pdf"):
        assert ch.render_bytes(c, fmt, dpi=30) == ch.render_bytes(c, fmt, dpi=30), fmt


def sample_counts() -> tuple[int, int]:
    """Rows read and complete ECSI rows of the bundled sample, counted with pandas."""
    from csi.model.spec import load_model

    raw = survey("sample")
    return len(raw), int(raw[list(load_model("ecsi").items)].notna().all(axis=1).sum())


def test_footnote_states_settings():
    d = boot_dict()
    foot = ch.footnote(d)
    n_read, n_complete = sample_counts()
    assert n_complete < n_read  # the sample has incomplete rows: casewise deletion shows
    assert f"n = {n_complete} of {n_read} (casewise)" in foot
    assert "bootstrap 60 resamples, percentile 95% intervals, seed 3" in foot
    assert "sample_survey.xlsx" in foot
    assert d["n_obs"] == n_complete
