"""csi fit on screen: measurement model first, flags, --show sections, clean at 80 columns (mobi)."""

from __future__ import annotations

import re
import warnings

import pytest

import csi
from csi.errors import CsiError
from csi.report.screen import SECTIONS, check_show
from csi.report.terminal import render_text


@pytest.fixture(scope="module")
def res(mobi):
    data = mobi.assign(region=["north", "south", "east", "west", "centre"] * 50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(data, "ecsi", boot=60, seed=2, groups=["region"], permutations=50)


@pytest.fixture(scope="module")
def text80(res):
    return render_text(res, 80, SECTIONS)


def _line(text: str, start: str) -> str:
    return next(ln for ln in text.splitlines() if ln.strip().startswith(start))


def test_every_line_fits_80_columns_and_no_cell_is_cut(text80):
    assert max(len(ln) for ln in text80.splitlines()) <= 80
    assert "…" not in text80  # rich's ellipsis: a truncated cell


def test_measurement_model_first_with_intervals_and_flags(res, text80):
    assert text80.index("Measurement model") < text80.index("Paths") < text80.index("Constructs (0–100 index)")
    bl, bw = res.bootstrap.stats("loadings"), res.bootstrap.stats("weights")
    for c in res.spec.constructs:
        for item in c.items:
            ln = _line(text80, item + " ") if item != c.code else _line(text80, item + "  ")
            lam, w = res.pls.loadings[(c.code, item)], res.pls.weights[(c.code, item)]
            lo, hi = bl.loc[(c.code, item), ["ci_lo", "ci_hi"]]
            wlo, whi = bw.loc[(c.code, item), ["ci_lo", "ci_hi"]]
            # every number whole on the item's own line (wrapping by columns would put them in a later part)
            for v in (lam, w):
                assert f"{v:.3f}" in ln, (item, ln)
            assert f"[{lo:.3f}, {hi:.3f}]" in ln and f"[{wlo:.3f}, {whi:.3f}]" in ln, (item, ln)
            flag = "!!" if lam < 0.4 else "!" if lam < 0.708 else ""
            if len(c.items) == 1:
                flag = ""
            assert ln.rstrip().endswith(flag) and (flag == "!!") == ln.rstrip().endswith("!!"), (item, ln)
    cusl2 = _line(text80, "CUSL2")
    assert "0.202" in cusl2 and cusl2.rstrip().endswith("!!")
    assert re.search(r"CUSL2 0\.20\b", text80)  # named in the note under the table


def test_show_selects_sections(res):
    only = render_text(res, 80, ("structural",))
    assert "Paths" in only and "Measurement model" not in only and "Constructs (0–100" not in only and "Tiers:" not in only
    med = render_text(res, 80, ("mediation",))
    assert "Mediation: specific indirect effects" in med and "Paths" not in med
    assert "indirect-only" in med or "complementary" in med
    default = render_text(res, 80)
    assert "Measurement model" in default and "Mediation:" not in default and "--show effects,mediation" in default


def test_tables_wrap_by_columns_with_keys_repeated(res):
    text = render_text(res, 80, ("tiers",))
    parts = [ln for ln in text.splitlines() if ln.startswith("Tiers: nps")]
    assert len(parts) == 2 and parts[0].endswith("(1/2)")
    # each part repeats the segment and n columns; every cell whole
    assert text.count(" segment ") >= 2 and "…" not in text
    assert max(len(ln) for ln in text.splitlines()) <= 80


def test_derivation_keys_belong_to_the_section_they_name():
    from csi.report.screen import shown

    assert shown(("fit",), "model_fit") and shown(("fit",), "fit") and not shown(("fit",), "fitness")
    assert not shown(("measurement",), "model_fit") and shown(None, "model_fit") and not shown(None, "mediation")


def test_unknown_show_key_is_a_clear_error():
    with pytest.raises(CsiError, match="--show should be a comma-separated list of measurement, structural"):
        check_show(("measurement", "nope"))
    assert check_show(("item_counts",), ("item_counts",)) == ("item_counts",)


def test_formative_reliability_shows_not_applicable(mobi):
    from csi.model.spec import parse_yaml
    from tests.derive.test_quality_corrections import FORMATIVE_YAML

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = csi.fit(mobi, parse_yaml(FORMATIVE_YAML, "f.yaml"), boot=0, tiers=())
    text = render_text(r, 80, ("quality", "measurement"))
    imag = _line(text, "IMAG   ")
    assert imag.split()[1:] == ["–", "–", "–", "–"]
    assert "not applicable to formative (mode B) composites: IMAG" in text
    assert "IMAG (mode B, formative)" in text
    assert not any(ln.rstrip().endswith("!") for ln in text.splitlines() if ln.strip().startswith("IMAG"))
