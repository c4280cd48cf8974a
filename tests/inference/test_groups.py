"""Multigroup analysis: per-group fits, permutation tests, PLS-MGA, MICOM, Holm, reproducibility.

Independent sides: csi's PLS on the subsets (itself validated against SEMinR), numpy for MICOM's
statistics, a literal all-pairs evaluation of SEMinR's PLS-MGA formula, statsmodels' Holm, and
the binomial law of permutation p-values under the null.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom
from statsmodels.stats.multitest import multipletests

import csi
from csi.data.survey import SurveyData, from_frame
from csi.derive.indices import compute as compute_indices
from csi.errors import CsiError
from csi.estimators.pls import PLS
from csi.inference.groups import compare_groups, min_group_size, pls_mga
from csi.model.simulate import ECSI_PATHS, simulate_survey
from csi.model.spec import load_model
from csi.stats.intervals import holm

SPEC = load_model("ecsi")
PLANTED = ("CUSA", "CUSL")


def _survey(frames: dict[str, pd.DataFrame], weights: bool = False):
    df = pd.concat([f.assign(g=k) for k, f in frames.items()], ignore_index=True)
    if weights:
        df["w"] = np.random.default_rng(5).uniform(0.5, 2.0, len(df))
    return from_frame(df, SPEC, groups=("g",), weights="w" if weights else None)


def _planted(seed: int, n: int = 250):
    low = dict(ECSI_PATHS)
    low[PLANTED] = 0.15  # 0.49 in group A
    return _survey({"A": simulate_survey(SPEC, n, seed=seed), "B": simulate_survey(SPEC, n, seed=seed + 1, paths=low)})


def _compare(sv, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare_groups(SPEC, sv, "g", **kw)


@pytest.fixture(scope="module")
def planted():
    sv = _planted(11)
    return sv, _compare(sv, permutations=499, seed=7)


# --- pure functions ---------------------------------------------------------------------------
def test_holm_matches_statsmodels():
    rng = np.random.default_rng(0)
    for m in (1, 5, 40):
        p = rng.uniform(0, 0.2, m)
        assert np.max(np.abs(holm(p) - multipletests(p, method="holm")[1])) < 1e-15
    p = np.array([0.01, np.nan, 0.04, 0.03])
    got = holm(p)
    assert np.isnan(got[1])
    assert np.allclose(got[[0, 2, 3]], multipletests(p[[0, 2, 3]], method="holm")[1], rtol=0, atol=1e-15)


def test_pls_mga_equals_seminr_formula_evaluated_literally():
    """SEMinR: 1 − Σ Θ(2β̄₁ − β₁ⱼ − 2β̄₂ + β₂ᵢ) / J² over expand.grid(β₁, β₂), Θ(s) = 1 for s > 0."""
    rng = np.random.default_rng(1)
    a = rng.normal(0.5, 0.08, (300, 3))
    b = rng.normal([0.2, 0.5, 0.8], 0.08, (300, 3))
    greater, two = pls_mga(a, b)
    for j in range(3):
        g1, g2 = np.meshgrid(a[:, j], b[:, j], indexing="ij")
        s = 2 * a[:, j].mean() - g1 - 2 * b[:, j].mean() + g2
        literal = 1 - (s > 0).sum() / (300 * 300)
        assert greater[j] == pytest.approx(literal, abs=1e-15)
        assert two[j] == pytest.approx(min(1, 2 * min(literal, 1 - literal)), abs=1e-15)
    assert greater[0] < 0.05 and greater[2] > 0.95  # a > b on path 0, a < b on path 2


def test_min_group_size_rule():
    assert min_group_size(SPEC) == 40  # CUSA has 4 predecessors → 10-times rule; floor 30
    scsb = load_model("scsb")
    assert min_group_size(scsb) == max(30, 10 * max(len(scsb.predecessors(c)) for c in scsb.codes))


# --- per-group fits and observed statistics ------------------------------------------------------
def test_group_fits_equal_pls_on_subsets(planted):
    sv, gc = planted
    g = sv.segments.g.to_numpy()
    separate = {}
    for lab in ("A", "B"):
        items = sv.items[g == lab].reset_index(drop=True)
        ref = PLS(SPEC).fit(items)
        ref_idx = compute_indices(ref, items)
        separate[lab] = {"path": {f"{a} -> {b}": v for (a, b), v in zip(ref.paths.index.tolist(), ref.paths.to_numpy(), strict=True)}, "index": dict(ref_idx.index)}
        got = gc.paths[gc.paths.level == lab].set_index(["from", "to"]).estimate
        assert max(abs(got[k] - ref.paths[k]) for k in ref.paths.index) < 1e-12
        gi = gc.indices[gc.indices.level == lab].set_index("construct")["index"]
        assert max(abs(gi[c] - ref_idx.index[c]) for c in SPEC.codes) < 1e-12
    # the batched observed differences equal the differences of the separate fits
    d = gc.differences
    assert set(d.kind) == {"path", "index"} and len(d) == len(SPEC.paths) + len(SPEC.codes)
    for r in d.itertuples():
        a, b = separate[r.group_a][r.kind][r.name], separate[r.group_b][r.kind][r.name]
        assert abs(r.estimate_a - a) < 1e-10 and abs(r.estimate_b - b) < 1e-10, (r.kind, r.name)
        assert abs(r.difference - (a - b)) < 1e-10, (r.kind, r.name)


def test_planted_path_difference_is_detected(planted):
    _, gc = planted
    r = gc.difference("path", "CUSA -> CUSL")
    assert r.difference > 0.2
    assert r.p_permutation < 0.05 and r.p_permutation_adj < 0.05 and bool(r.significant)
    # no other path is flagged after the Holm adjustment
    others = gc.differences[(gc.differences.kind == "path") & (gc.differences.name != "CUSA -> CUSL")]
    assert not others.significant.any()


@pytest.mark.parametrize("seed", [21, 31, 41])
def test_planted_difference_detected_over_seeds(seed):
    gc = _compare(_planted(seed), permutations=299, seed=seed)
    assert gc.difference("path", "CUSA -> CUSL").p_permutation < 0.05


def test_null_false_positive_rate_is_near_nominal():
    """200 null replications (two groups of 100 from one population, 99 permutations each).

    With 99 permutations and exchangeable groups the p-value is uniform on {0.01, …, 1}, so
    P(p ≤ 0.05) = 0.05 exactly and the count of rejections is Binomial(200, 0.05): mean 10, sd
    3.1.  Accepting 2…19 leaves a false alarm probability of binom.cdf(1) + binom.sf(19) < 0.4 %
    while a test with twice the nominal size (10 %) would land above 19 about half the time.
    """
    R, lo, hi = 200, 2, 19
    assert binom.cdf(lo - 1, R, 0.05) + binom.sf(hi, R, 0.05) < 0.004
    path_hits = index_hits = 0
    labels = pd.DataFrame({"g": np.repeat(["A", "B"], 100)})
    for r in range(R):
        df = simulate_survey(SPEC, 200, seed=5000 + r)  # complete, on-scale items: no validation needed
        sv = SurveyData(items=df, source="null", n_read=200, policy="casewise", segments=labels)
        gc = _compare(sv, permutations=99, seed=r)
        path_hits += gc.difference("path", "CUSA -> CUSL").p_permutation <= 0.05
        index_hits += gc.difference("index", "CUSL").p_permutation <= 0.05
    assert lo <= path_hits <= hi, path_hits
    assert lo <= index_hits <= hi, index_hits
    # maxT has no factor m: 99 permutations can reach 0.01 over 12 paths, so no "cannot reach" warning
    assert not any("no difference can" in w for w in gc.warnings)


# --- MICOM --------------------------------------------------------------------------------------
def test_micom_statistics_match_numpy(planted):
    sv, gc = planted
    g = sv.segments.g.to_numpy()
    X = sv.items[list(SPEC.items)]
    Z = ((X - X.mean()) / X.std(ddof=1)).to_numpy()  # pooled standardized items
    wa = PLS(SPEC).fit(sv.items[g == "A"].reset_index(drop=True)).weights
    wb = PLS(SPEC).fit(sv.items[g == "B"].reset_index(drop=True)).weights
    pooled = PLS(SPEC).fit(sv.items)
    m = gc.micom.set_index("construct")
    for c in SPEC.constructs:
        cols = [SPEC.items.index(i) for i in c.items]
        ya = Z[:, cols] @ wa.loc[c.code].to_numpy()
        yb = Z[:, cols] @ wb.loc[c.code].to_numpy()
        assert abs(m.loc[c.code, "c"] - np.corrcoef(ya, yb)[0, 1]) < 1e-10
        s = pooled.scores[c.code].to_numpy()
        assert abs(m.loc[c.code, "mean_diff"] - (s[g == "A"].mean() - s[g == "B"].mean())) < 1e-10
        lv = np.log(s[g == "A"].var(ddof=1)) - np.log(s[g == "B"].var(ddof=1))
        assert abs(m.loc[c.code, "logvar_diff"] - lv) < 1e-10
    assert m.loc["CUSCO", "c"] == pytest.approx(1.0, abs=1e-12)  # a single item is invariant by construction


def test_micom_flags_non_invariant_composite():
    """Opposite loading patterns for IMAG in the two groups: compositional invariance fails
    (a warning names IMAG); a latent mean shift of CUSA leaves only partial invariance."""
    base = {i: 0.8 for i in SPEC.items}
    a = simulate_survey(SPEC, 250, seed=13, loading={**base, "IMAG1": 0.3, "IMAG2": 0.3, "IMAG3": 0.9, "IMAG4": 0.9, "IMAG5": 0.9})
    b = simulate_survey(SPEC, 250, seed=12, loading={**base, "IMAG1": 0.9, "IMAG2": 0.9, "IMAG3": 0.3, "IMAG4": 0.3, "IMAG5": 0.3},
                        shift={"CUSA": 0.5})
    gc = _compare(_survey({"A": a, "B": b}), permutations=299, seed=2)
    m = gc.micom.set_index("construct")
    assert m.loc["IMAG", "invariance"] == "none" and m.loc["IMAG", "p_c_adj"] < 0.05
    assert m.loc["CUSA", "invariance"] == "partial" and m.loc["CUSA", "p_mean_adj"] < 0.05
    assert m.loc["PERQ", "invariance"] == "full"
    assert any("not comparable on IMAG" in w for w in gc.warnings)


# --- reproducibility, sizes, several groups, weights ------------------------------------------------
def test_permutations_reproducible_and_independent_of_chunking(planted):
    sv, gc = planted
    again = _compare(sv, permutations=499, seed=7, chunk=37)
    pd.testing.assert_frame_equal(gc.differences, again.differences)
    pd.testing.assert_frame_equal(gc.micom, again.micom)
    other = _compare(sv, permutations=499, seed=8)
    assert not np.array_equal(gc.differences.p_permutation.to_numpy(), other.differences.p_permutation.to_numpy())
    assert gc.settings["seed"] == 7 and gc.settings["permutations"] == 499


def test_too_small_groups_are_reported_not_fitted():
    a, b = simulate_survey(SPEC, 120, seed=1), simulate_survey(SPEC, 120, seed=2)
    tiny = simulate_survey(SPEC, 25, seed=3)
    gc = _compare(_survey({"A": a, "B": b, "C": tiny}), permutations=49, seed=1)
    sizes = gc.sizes.set_index("level")
    assert not sizes.loc["C", "fitted"] and "n = 25 < 40" in sizes.loc["C", "reason"]
    assert sizes.loc["A", "fitted"] and sizes.loc["B", "fitted"]
    assert set(zip(gc.differences.group_a, gc.differences.group_b, strict=True)) == {("A", "B")}
    assert any("C was not fitted" in w for w in gc.warnings)
    alone = _compare(_survey({"A": a, "C": tiny}), permutations=49, seed=1)
    assert alone.differences.empty and any("a comparison needs two" in w for w in alone.warnings)


def test_three_groups_maxt_over_all_pairs():
    frames = {k: simulate_survey(SPEC, 80, seed=s) for k, s in (("x", 1), ("y", 2), ("z", 3))}
    gc = _compare(_survey(frames), permutations=99, seed=3)
    d = gc.differences
    assert set(zip(d.group_a, d.group_b, strict=True)) == {("x", "y"), ("x", "z"), ("y", "z")}
    paths = d[d.kind == "path"]
    assert len(paths) == 3 * len(SPEC.paths)
    # step-down maxT: never below the marginal p, monotone in it within a family of equal scales,
    # and at least as powerful as Holm would be on the same marginal p-values
    assert (paths.p_permutation_adj >= paths.p_permutation - 1e-15).all()
    holm_adj = multipletests(paths.p_permutation.to_numpy(), method="holm")[1]
    assert (paths.p_permutation_adj.to_numpy() <= holm_adj + 0.25).all()
    assert gc.settings["joint_permutations_used"] == 99 and gc.settings["adjustment"].startswith("maxT")
    assert d.p_mga.isna().all()  # PLS-MGA is for two groups


def test_four_groups_maxt_finds_a_planted_difference_holm_could_not():
    """4 groups, 72 path tests, 199 permutations: Holm's smallest attainable p is 72/200 = 0.36,
    so Holm can find nothing; maxT (smallest 1/200) finds the planted CUSA → CUSL difference of
    group d (−0.3 there, 0.49 elsewhere) in the three pairs with d, and nothing else.  (maxT
    itself is checked against a literal implementation in tests/stats/test_maxt.py.)"""
    low = dict(ECSI_PATHS)
    low[PLANTED] = -0.3
    frames = {k: simulate_survey(SPEC, 400, seed=s) for k, s in (("a", 61), ("b", 62), ("c", 63))}
    frames["d"] = simulate_survey(SPEC, 400, seed=64, paths=low)
    gc = _compare(_survey(frames), permutations=199, seed=4)
    d = gc.differences
    paths = d[d.kind == "path"]
    assert len(paths) == 6 * len(SPEC.paths)
    hit = paths[paths.significant]
    assert set(zip(hit.group_a, hit.group_b, strict=True)) == {("a", "d"), ("b", "d"), ("c", "d")}
    assert set(hit.name) == {"CUSA -> CUSL"}
    assert (hit.p_permutation_adj == 1 / 200).all()
    assert (multipletests(paths.p_permutation.to_numpy(), method="holm")[1] >= 72 / 200 - 1e-12).all()
    assert not any("no difference can" in w for w in gc.warnings)


def test_too_few_permutations_are_said_not_none_significant():
    frames = {k: simulate_survey(SPEC, 80, seed=s) for k, s in (("x", 1), ("y", 2))}
    gc = _compare(_survey(frames), permutations=9, seed=3)
    assert gc.settings["min_attainable_p"] == pytest.approx(0.1)
    assert not gc.differences.significant.any()
    assert any("no difference can reach 0.05" in w and "use at least 20 permutations" in w for w in gc.warnings)


def test_weighted_groups_use_the_weights():
    sv = _survey({"A": simulate_survey(SPEC, 150, seed=1), "B": simulate_survey(SPEC, 150, seed=2)}, weights=True)
    gc = _compare(sv, permutations=49, seed=1)
    g = sv.segments.g.to_numpy()
    ref = PLS(SPEC).fit(sv.items[g == "A"].reset_index(drop=True), weights=sv.weights[g == "A"])
    got = gc.paths[gc.paths.level == "A"].set_index(["from", "to"]).estimate
    assert max(abs(got[k] - ref.paths[k]) for k in ref.paths.index) < 1e-12
    ne = sv.weights[g == "A"].sum() ** 2 / (sv.weights[g == "A"] ** 2).sum()
    assert abs(gc.sizes.set_index("level").loc["A", "n_effective"] - ne) < 1e-9
    d = gc.difference("path", "IMAG -> CUEX")
    assert abs(d.estimate_a - ref.paths[("IMAG", "CUEX")]) < 1e-12


def test_bad_options():
    sv = _planted(11, n=60)
    with pytest.raises(CsiError, match="--permutations should be a whole number of at least 1; got 0"):
        compare_groups(SPEC, sv, "g", permutations=0)
    with pytest.raises(CsiError, match="--group region: not among the segment columns"):
        compare_groups(SPEC, sv, "region")


# --- bootstrap intervals and PLS-MGA ----------------------------------------------------------------
def test_bootstrap_intervals_and_pls_mga(planted):
    sv, _ = planted
    gc = _compare(sv, permutations=99, seed=7, boot=300)
    p = gc.paths.set_index(["level", "from", "to"])
    assert {"std_error", "ci_lo", "ci_hi"} <= set(p.columns)
    row = p.loc[("A", "CUSA", "CUSL")]
    assert row.ci_lo < row.estimate < row.ci_hi
    assert gc.indices.ci_lo.notna().all()
    # MGA p-values are the formula applied to the groups' own bootstrap draws
    key = [PLANTED]
    da = gc.fits["A"].bootstrap.draws("paths")[key].to_numpy()
    db = gc.fits["B"].bootstrap.draws("paths")[key].to_numpy()
    g1, two = pls_mga(da, db)
    r = gc.difference("path", "CUSA -> CUSL")
    assert r.p_mga_greater == pytest.approx(g1[0], abs=1e-15) and r.p_mga == pytest.approx(two[0], abs=1e-15)
    assert r.p_mga < 0.05 and r.p_mga_greater < 0.05


# --- API and reports (the CLI: tests/cli/test_groups_cli.py) ------------------------------------
@pytest.fixture(scope="module")
def survey_file(tmp_path_factory):
    sv = _planted(11, n=150)
    df = sv.items.assign(g=sv.segments.g.to_numpy())
    path = tmp_path_factory.mktemp("groups") / "survey.csv"
    df.to_csv(path, index=False)
    return path


def test_api_and_reports(survey_file, tmp_path):
    from csi.report import excel
    from csi.results.contract import to_dict

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(survey_file, "ecsi", groups=("g",), permutations=99, seed=3, boot=0)
    gc = res.groups["g"]
    assert res.settings["permutations"] == 99
    d = to_dict(res)
    assert d["groups"][0]["column"] == "g"
    assert {"sizes", "paths", "indices", "differences", "micom", "settings"} <= set(d["groups"][0])
    json.dumps(d, allow_nan=False)
    # tiers are computed per segment of the group column too
    assert {"g=A", "g=B"} <= set(res.tiers.groups.segment)
    excel.write_fit(res, tmp_path / "r.xlsx")
    book = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None, engine="openpyxl", header=1)  # row 2: the results.json codes
    assert {"group_sizes", "group_paths", "group_indices", "group_differences", "micom"} <= set(book)
    assert len(book["group_differences"]) == len(gc.differences)
    assert "Groups by g" in res.summary()
