"""Loyalty tiers against independent computations on mobi (plain numpy/pandas, SEMinR's weights)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import csi
from csi.data.survey import from_frame
from csi.derive.tiers import compute_tiers
from csi.errors import CsiError, SpecError
from csi.model.spec import load_model, parse_yaml
from csi.model.tiers import parse_scheme
from csi.stats.intervals import wilson
from tests.conftest import SEMINR


def _fit(data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(data, "ecsi", **{"boot": 0, **kw})  # no bootstrap: tiers do not use it


@pytest.fixture(scope="module")
def mobi_seg(mobi):
    d = mobi.copy()
    d["region"] = np.where(d.CUEX1 >= 8, "north", "south")  # as SEMinR's PLS-MGA example split
    return d


@pytest.fixture(scope="module")
def fit(mobi_seg):
    return _fit(mobi_seg, groups=("region",), tiers=["nps", "quadrants:75", "quadrants:80", "quadrants:median", "bands"])


@pytest.fixture(scope="module")
def scores(mobi):
    """Respondent 0–100 scores for every construct from SEMinR's weights — no csi involved."""
    outer = pd.read_csv(SEMINR / "ecsi_mobi_outer.csv")
    out = {}
    for code, blk in outer.groupby("construct", sort=False):
        items = list(blk.indicator)
        u = blk.weight.to_numpy() / mobi[items].std(ddof=1).to_numpy()
        out[code] = ((mobi[items].to_numpy() - 1) / 9 * 100) @ (u / u.sum())
    return pd.DataFrame(out, index=mobi.index)


def _row(t, scheme, tier, segment="all"):
    g = t.groups
    r = g[(g.scheme == scheme) & (g.tier == tier) & (g.segment == segment)]
    assert len(r) == 1, (scheme, tier, segment)
    return r.iloc[0]


# --- Net Promoter -------------------------------------------------------------------------
def test_nps_on_cusl3_matches_pandas(fit, mobi):
    x = mobi.CUSL3
    prom, det = (x >= 9).mean(), (x <= 6).mean()
    assert abs(fit.tiers.summary["nps"] - 100 * (prom - det)) < 1e-9
    assert abs(fit.tiers.summary["nps"] - 14.0) < 1e-9  # 95 promoters, 60 detractors of 250
    for tier, mask in (("promoter", x >= 9), ("passive", (x >= 7) & (x <= 8)), ("detractor", x <= 6)):
        r = _row(fit.tiers, "nps", tier)
        assert r["count"] == int(mask.sum())
        assert abs(r.share - mask.mean()) < 1e-12


def test_nps_1_to_10_item_is_flagged(fit):
    assert any("1–10 item" in n and "nps:rescale" in n for n in fit.tiers.notes)
    assert fit.tiers.settings["schemes"]["nps"]["rescaled"] is False


def test_nps_rescale_maps_onto_0_10_without_rounding(mobi):
    x = mobi.CUSL3
    xr = (x - 1) / 9 * 10
    res = _fit(mobi, tiers=["nps:rescale"])
    t = res.tiers
    assert abs(_row(t, "nps:rescale", "promoter").share - (xr >= 9).mean()) < 1e-12
    assert _row(t, "nps:rescale", "promoter")["count"] == int((x == 10).sum())  # 9 → 8.89 is passive
    assert _row(t, "nps:rescale", "detractor")["count"] == int((x <= 7).sum())  # 7 → 6.67 is a detractor
    assert abs(t.summary["nps:rescale"] - 100 * ((xr >= 9).mean() - (xr < 7).mean())) < 1e-9


def test_nps_interval_is_the_wald_interval(fit, mobi):
    x = mobi.CUSL3
    pp, pd_ = (x >= 9).mean(), (x <= 6).mean()
    se = 100 * np.sqrt((pp + pd_ - (pp - pd_) ** 2) / len(x))
    st = fit.tiers.statistics
    r = st[(st.scheme == "nps") & (st.segment == "all")].iloc[0]
    assert abs(r.ci_lo - (100 * (pp - pd_) - 1.959963984540054 * se)) < 1e-9
    assert abs(r.ci_hi - (100 * (pp - pd_) + 1.959963984540054 * se)) < 1e-9


# --- Quadrants and bands --------------------------------------------------------------------
@pytest.mark.parametrize("cut", [75, 80])
def test_quadrant_shares_match_independent_scores(fit, scores, cut):
    sat, loy = scores.CUSA, scores.CUSL
    # no respondent sits within 1e-6 of the cut, so the 1e-7 difference between csi's and
    # SEMinR's weights cannot move anyone across it
    assert min(np.abs(sat - cut).min(), np.abs(loy - cut).min()) > 1e-6
    expected = {
        "loyalists": (sat >= cut) & (loy >= cut),
        "mercenaries": (sat >= cut) & (loy < cut),
        "hostages": (sat < cut) & (loy >= cut),
        "defectors": (sat < cut) & (loy < cut),
    }
    for tier, mask in expected.items():
        r = _row(fit.tiers, f"quadrants:{cut}", tier)
        assert r["count"] == int(mask.sum()), tier
        assert abs(r.share - mask.mean()) < 1e-12
        # mean index of every construct among the tier's respondents
        for code in scores.columns:
            assert abs(r[f"mean_{code}"] - scores.loc[mask, code].mean()) < 1e-9


def test_quadrant_shares_per_segment(fit, scores, mobi_seg):
    sat, loy = scores.CUSA, scores.CUSL
    for region in ("north", "south"):
        m = (mobi_seg.region == region).to_numpy()
        r = _row(fit.tiers, "quadrants:80", "loyalists", f"region={region}")
        assert r["count"] == int(((sat >= 80) & (loy >= 80))[m].sum())
        assert r["n"] == int(m.sum())
        assert abs(r.share - ((sat >= 80) & (loy >= 80))[m].mean()) < 1e-12


def test_quadrants_median_cut(fit, scores):
    ms, ml = np.median(scores.CUSA), np.median(scores.CUSL)
    st = fit.tiers.settings["schemes"]["quadrants:median"]
    assert abs(st["satisfaction_cut"] - ms) < 1e-9 and abs(st["loyalty_cut"] - ml) < 1e-9
    mask = (scores.CUSA >= ms) & (scores.CUSL >= ml)
    assert _row(fit.tiers, "quadrants:median", "loyalists")["count"] == int(mask.sum())


def test_terrorist_corner(mobi, scores):
    res = _fit(mobi, tiers=["quadrants:75:terrorists=40"])
    sat, loy = scores.CUSA, scores.CUSL
    terror = (sat < 40) & (loy < 40)
    assert terror.sum() > 0
    assert _row(res.tiers, "quadrants:75:terrorists=40", "terrorists")["count"] == int(terror.sum())
    assert _row(res.tiers, "quadrants:75:terrorists=40", "defectors")["count"] == int(((sat < 75) & (loy < 75) & ~terror).sum())
    assert res.tiers.groups.groupby("segment")["count"].sum()["all"] == len(mobi)


def test_default_bands_and_custom_bands(fit, mobi, scores):
    loy = scores.CUSL
    for tier, mask in (("committed", loy >= 80), ("vulnerable", (loy >= 60) & (loy < 80)), ("at risk", loy < 60)):
        assert _row(fit.tiers, "bands", tier)["count"] == int(mask.sum())
    res = _fit(mobi, tiers=["bands:fans>=90/ok>=50/cold"])
    for tier, mask in (("fans", loy >= 90), ("ok", (loy >= 50) & (loy < 90)), ("cold", loy < 50)):
        assert _row(res.tiers, "bands:fans>=90/ok>=50/cold", tier)["count"] == int(mask.sum())


def test_wilson_matches_statsmodels():
    for c, n in ((95, 250), (0, 40), (40, 40), (3, 17), (12.5, 33.3)):
        lo, hi = wilson(c, n)
        slo, shi = proportion_confint(c, n, alpha=0.05, method="wilson")
        assert abs(lo - slo) < 1e-12 and abs(hi - shi) < 1e-12


def test_shares_carry_wilson_intervals(fit):
    r = _row(fit.tiers, "nps", "promoter")
    lo, hi = proportion_confint(95, 250, alpha=0.05, method="wilson")
    assert abs(r.ci_lo - lo) < 1e-12 and abs(r.ci_hi - hi) < 1e-12


# --- Weights ------------------------------------------------------------------------------------
def test_integer_weights_equal_replicated_rows(mobi):
    """Weighted shares and means equal the unweighted ones on rows repeated w times; the Wilson
    interval uses Kish's effective n."""
    rng = np.random.default_rng(4)
    d = mobi.copy()
    d["w"] = rng.integers(1, 4, size=len(d))
    spec = load_model("ecsi")
    sv = from_frame(d, spec, weights="w")
    res = _fit(sv, tiers=["nps", "quadrants:75"])
    # replicate with the *same* weights (the fit's own scores), so only the tier arithmetic is compared
    rep = res.indices.respondent.loc[res.indices.respondent.index.repeat(d.w.to_numpy())]
    x = np.repeat(d.CUSL3.to_numpy(), d.w.to_numpy())
    r = _row(res.tiers, "nps", "promoter")
    assert abs(r.share - (x >= 9).mean()) < 1e-12
    assert r["count"] == int((d.CUSL3 >= 9).sum())  # respondents, not weights
    assert abs(r.weighted_count - d.w[d.CUSL3 >= 9].sum()) < 1e-9
    ne = d.w.sum() ** 2 / (d.w**2).sum()
    assert abs(r.n_effective - ne) < 1e-9
    lo, hi = proportion_confint(r.share * ne, ne, alpha=0.05, method="wilson")
    assert abs(r.ci_lo - lo) < 1e-12 and abs(r.ci_hi - hi) < 1e-12
    mask = (rep.CUSA >= 75) & (rep.CUSL >= 75)
    q = _row(res.tiers, "quadrants:75", "loyalists")
    assert abs(q.share - mask.mean()) < 1e-12
    assert abs(q.mean_PERQ - rep.PERQ[mask].mean()) < 1e-9
    # median cut with weights: the lower median of the replicated scores
    med = _fit(sv, tiers=["quadrants:median"]).tiers.settings["schemes"]["quadrants:median"]
    srt = np.sort(rep.CUSA.to_numpy())
    assert med["satisfaction_cut"] == srt[(len(srt) - 1) // 2]


# --- Options and errors -------------------------------------------------------------------------
def test_parse_canonical_strings():
    assert parse_scheme("NPS").text == "nps"
    assert parse_scheme("quadrants").text == "quadrants:75"
    assert parse_scheme("quadrants:80:terrorists").text == "quadrants:80:terrorists=25"
    assert parse_scheme("quadrants:median").cut is None
    assert parse_scheme("bands").text == "bands"
    assert parse_scheme("bands:85/70").bands == (("committed", 85.0), ("vulnerable", 70.0), ("at risk", None))
    assert parse_scheme("bands:90/70/50").tiers == (">=90", "70-90", "50-70", "<50")


@pytest.mark.parametrize("text, message", [
    ("loyalty", "scheme should be one of nps, quadrants, bands"),
    ("quadrants:120", "cut-off should be a number from 0 to 100; got '120'"),
    ("quadrants:abc", "cut-off should be a number from 0 to 100; got 'abc'"),
    ("quadrants:50:terrorists=60", "should not exceed the cut-off"),
    ("bands:60/80", "should decrease"),
    ("bands:a>=80/b/c", "only the last band may be a bare name"),
    ("nps:round", "nps takes one option, rescale or raw"),
])
def test_bad_schemes_raise_one_clear_error(text, message):
    with pytest.raises(CsiError, match=message):
        parse_scheme(text)


def test_tiers_none_and_default(mobi):
    assert _fit(mobi, tiers=()).tiers is None
    res = _fit(mobi)
    assert res.tiers.schemes == ("nps", "quadrants:75", "bands")


def test_model_yaml_tiers_are_the_default(mobi):
    text = load_model("ecsi").to_yaml() + 'tiers: [nps, "quadrants:80"]\n'
    spec = parse_yaml(text, "my.yaml")
    assert spec.tiers == ("nps", "quadrants:80")
    assert parse_yaml(spec.to_yaml(), "again.yaml").tiers == spec.tiers
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(mobi, spec, boot=0)
    assert res.tiers.schemes == ("nps", "quadrants:80")
    with pytest.raises(SpecError, match=r"bad\.yaml line \d+: tier scheme 'quadrants:200'"):
        parse_yaml(load_model("ecsi").to_yaml() + "tiers:\n  - nps\n  - quadrants:200\n", "bad.yaml")


def test_missing_role_is_a_spec_error(mobi):
    spec = load_model("ecsi")
    from dataclasses import replace

    bare = replace(spec, roles=())
    sv = from_frame(mobi, bare)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(sv, bare, boot=0)
    assert res.tiers.schemes == ()  # defaults: nothing the roles allow
    with pytest.raises(SpecError, match="needs a 'recommend' item in the model's roles"):
        compute_tiers(bare, sv, res.indices, ["nps"])
    with pytest.raises(SpecError, match="needs a 'satisfaction' construct"):
        compute_tiers(bare, sv, res.indices, ["quadrants"])


def test_json_and_excel(fit, tmp_path):
    from csi.report import excel
    from csi.results.contract import to_dict

    d = to_dict(fit)["tiers"]
    assert d["schemes"] == ["nps", "quadrants:75", "quadrants:80", "quadrants:median", "bands"]
    row = d["groups"][0]
    assert {"scheme", "segment", "tier", "count", "share", "ci", "mean_index"} <= set(row)
    assert set(row["mean_index"]) == set(load_model("ecsi").codes)
    segs = {g["segment"] for g in d["groups"]}
    assert segs == {"all", "region=north", "region=south"}
    excel.write_fit(fit, tmp_path / "r.xlsx")
    book = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None, engine="openpyxl", header=1)  # row 2: the results.json codes
    assert "mean_CUSA" in book["tiers"].columns and len(book["tiers"]) == len(fit.tiers.groups)
    assert "nps" in book


def test_terminal_shows_tiers(fit):
    text = fit.summary()
    assert "Tiers: nps" in text and "region=north" in text and "Tiers: quadrants:80" in text


def test_nps_scale_handling(mobi):
    """A 0–10 item needs no flag; a 1–5 item is always mapped onto 0–10 (5 → 10, 4 → 7.5, 3 → 5)."""
    from dataclasses import replace

    spec = load_model("ecsi")
    s010 = replace(spec, scale_min=0.0, scale_max=10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r010 = csi.fit(mobi, s010, tiers=["nps"], boot=0)
    assert not r010.tiers.notes and r010.tiers.settings["schemes"]["nps"]["rescaled"] is False
    assert abs(r010.tiers.summary["nps"] - 14.0) < 1e-9
    five = np.ceil(mobi[list(spec.items)] / 2)  # 1–10 → 1–5
    s15 = replace(spec, scale_min=1.0, scale_max=5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r15 = csi.fit(five, s15, tiers=["nps"], boot=0)
    x = five.CUSL3
    assert _row(r15.tiers, "nps", "promoter")["count"] == int((x == 5).sum())
    assert _row(r15.tiers, "nps", "passive")["count"] == int((x == 4).sum())
    assert _row(r15.tiers, "nps", "detractor")["count"] == int((x <= 3).sum())
    assert any("1–5, not 0–10" in n for n in r15.tiers.notes)
