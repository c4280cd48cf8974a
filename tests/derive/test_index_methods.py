"""The index methods mean, fuzzy, fuzzy-maxmin, pca, pca-85 against independent computations.

Every expected number is computed here without csi: per-construct pandas/numpy loops for mean and
fuzzy evaluation (scipy's entropy for the entropy weights), scikit-learn's PCA on z-scores for
the principal-component index, and the hand-worked example of docs/index-methods.md with its
numbers written out.  Bootstrap draws are checked against a direct evaluation on the same rows.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy
from sklearn.decomposition import PCA

from csi.data.survey import from_frame
from csi.derive.index_methods import FuzzyIndexer, MeanIndexer, scale_grades
from csi.derive.indices import INDEXERS
from csi.errors import CsiError
from csi.estimators.pls import PLS
from csi.inference.bootstrap import bootstrap_fit
from csi.model.spec import load_model, parse_yaml

SPEC = load_model("ecsi")
LO, HI = 1.0, 10.0


@pytest.fixture(scope="module")
def fitted(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sv = from_frame(mobi, SPEC)
        return sv, PLS(SPEC).fit(sv.items)


# ---------------------------------------------------------------------------------------
# independent computations (no csi code)
# ---------------------------------------------------------------------------------------
def plain_mean(items: pd.DataFrame, spec, lo, hi, weights=None) -> dict[str, float]:
    out = {}
    for c in spec.constructs:
        a = np.array([1.0 if weights is None else weights[i] for i in c.items])
        m = np.array([(items[i].mean() - lo) / (hi - lo) * 100 for i in c.items])
        out[c.code] = float(a @ m / a.sum())
    return out


def plain_fuzzy(items: pd.DataFrame, spec, lo, hi, operator, weights=None) -> dict[str, tuple[np.ndarray, float]]:
    grades = np.arange(lo, hi + 1)
    vals = (grades - lo) / (hi - lo) * 100
    out = {}
    for c in spec.constructs:
        R = np.array([[np.mean(items[i].to_numpy() == g) for g in grades] for i in c.items])
        if weights is None:
            e = np.array([entropy(r[r > 0], base=len(grades)) for r in R])
            a = (1 - e) / (1 - e).sum()
        else:
            a = np.array([weights[i] for i in c.items], dtype=float)
            a = a / a.sum()
        if operator == "weighted":
            b = a @ R
        else:
            b = np.array([max(min(a[i], R[i, g]) for i in range(len(a))) for g in range(len(grades))])
            b = b / b.sum()
        out[c.code] = (b, float(b @ vals))
    return out


def plain_pca(items: pd.DataFrame, spec, lo, hi, rule) -> dict[str, float]:
    out = {}
    for c in spec.constructs:
        X = items[list(c.items)].to_numpy(dtype=float)
        q = X.shape[1]
        mu, sd = X.mean(axis=0), X.std(axis=0)
        if q == 1:
            out[c.code] = float((mu[0] - lo) / (hi - lo) * 100)
            continue
        pca = PCA().fit((X - mu) / sd)
        lam = pca.explained_variance_ratio_ * q  # eigenvalues of the correlation matrix
        comp = pca.components_ * np.sign(pca.components_.sum(axis=1))[:, None]
        if rule == "kaiser":
            kept = max(1, int((lam > 1).sum()))
        else:
            kept = int(np.argmax(np.cumsum(lam) / q >= 0.85)) + 1
        coef = lam[:kept] / lam[:kept].sum()

        def composite(Y, mu=mu, sd=sd, load=comp[:kept].T @ coef):
            return ((Y - mu) / sd) @ load

        fmin, fmax = composite(np.full((1, q), lo))[0], composite(np.full((1, q), hi))[0]
        out[c.code] = float(np.mean((composite(X) - fmin) / (fmax - fmin) * 100))
    return out


# ---------------------------------------------------------------------------------------
# mobi
# ---------------------------------------------------------------------------------------
def test_mean_index_on_mobi(fitted, mobi):
    sv, res = fitted
    got = INDEXERS.get("mean").fit(res, sv.items, LO, HI)
    exp = plain_mean(mobi, SPEC, LO, HI)
    assert max(abs(got.index[k] - v) for k, v in exp.items()) < 1e-12
    # respondent scores average to the index
    assert np.abs(got.respondent.mean().to_numpy() - got.index.to_numpy()).max() < 1e-12


def test_mean_index_importance_weights(fitted, mobi):
    sv, res = fitted
    rng = np.random.default_rng(4)
    w = {i: float(rng.uniform(1, 10)) for i in SPEC.items}
    got = MeanIndexer(w).fit(res, sv.items, LO, HI)
    exp = plain_mean(mobi, SPEC, LO, HI, w)
    assert max(abs(got.index[k] - v) for k, v in exp.items()) < 1e-12
    with pytest.raises(CsiError, match="non-negative"):
        MeanIndexer({**w, "IMAG1": -1.0}).fit(res, sv.items, LO, HI)


@pytest.mark.parametrize("key,operator", [("fuzzy", "weighted"), ("fuzzy-maxmin", "maxmin")])
def test_fuzzy_index_on_mobi(fitted, mobi, key, operator):
    sv, res = fitted
    indexer = INDEXERS.get(key)
    got = indexer.fit(res, sv.items, LO, HI)
    exp = plain_fuzzy(mobi, SPEC, LO, HI, operator)
    assert max(abs(got.index[k] - v[1]) for k, v in exp.items()) < 1e-12
    ev = indexer.evaluation(res, sv.items, LO, HI)
    for code, (b, crisp) in exp.items():
        row = ev.loc[code]
        assert np.abs(row.iloc[:10].to_numpy(dtype=float) - b).max() < 1e-12
        assert row["verdict"] == f"{int(LO + np.argmax(b))}"
        assert abs(row["score"] - crisp) < 1e-12


def test_fuzzy_given_weights(fitted, mobi):
    sv, res = fitted
    w = {i: float(k + 1) for k, i in enumerate(SPEC.items)}
    for op in ("weighted", "maxmin"):
        got = FuzzyIndexer(op, weights=w).fit(res, sv.items, LO, HI)
        exp = plain_fuzzy(mobi, SPEC, LO, HI, op, w)
        assert max(abs(got.index[k] - v[1]) for k, v in exp.items()) < 1e-12


@pytest.mark.parametrize("key,rule", [("pca", "kaiser"), ("pca-85", "cum85")])
def test_pca_index_on_mobi(fitted, mobi, key, rule):
    sv, res = fitted
    got = INDEXERS.get(key).fit(res, sv.items, LO, HI)
    exp = plain_pca(mobi, SPEC, LO, HI, rule)
    assert max(abs(got.index[k] - v) for k, v in exp.items()) < 1e-10
    assert np.abs(got.respondent.mean().to_numpy() - got.index.to_numpy()).max() < 1e-10


@pytest.mark.parametrize("key", ["mean", "fuzzy", "fuzzy-maxmin", "pca", "pca-85"])
def test_bootstrap_draws_equal_direct_evaluation_on_same_rows(fitted, mobi, key):
    sv, res = fitted
    idx = np.random.default_rng(3).integers(0, len(mobi), (4, len(mobi)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = bootstrap_fit(res, sv, indices=idx, indexer=INDEXERS.get(key), workers=1)
    draws = boot.draws("index")
    for b in range(idx.shape[0]):
        rows = mobi.iloc[idx[b]].reset_index(drop=True)
        if key == "mean":
            exp = plain_mean(rows, SPEC, LO, HI)
        elif key.startswith("fuzzy"):
            exp = {k: v[1] for k, v in plain_fuzzy(rows, SPEC, LO, HI, "weighted" if key == "fuzzy" else "maxmin").items()}
        else:
            exp = plain_pca(rows, SPEC, LO, HI, "kaiser" if key == "pca" else "cum85")
        assert max(abs(draws.loc[b, k] - v) for k, v in exp.items()) < 1e-10
    assert boot.stats("index")["estimate"].to_dict() == pytest.approx(INDEXERS.get(key).fit(res, sv.items, LO, HI).index.to_dict(), abs=1e-12)


# ---------------------------------------------------------------------------------------
# the hand-worked example of docs/index-methods.md
# ---------------------------------------------------------------------------------------
HAND_YAML = """\
name: hand
scale: {min: 1, max: 5}
constructs:
  SAT: [q1, q2]
  LOY: [l1]
paths:
  - SAT -> LOY
"""
HAND = pd.DataFrame({"q1": [5, 4, 4, 3, 5], "q2": [4, 3, 3, 1, 4], "l1": [5, 4, 3, 2, 4]})


def _hand_fit():
    spec = parse_yaml(HAND_YAML, "hand.yaml")
    sv = from_frame(HAND, spec)
    return sv, PLS(spec).fit(sv.items)


def test_hand_worked_example():
    sv, res = _hand_fit()
    # mean: q1 mean 4.2 -> 80, q2 mean 3.0 -> 50; SAT = (80 + 50)/2
    assert INDEXERS.get("mean").fit(res, sv.items, 1, 5).index["SAT"] == pytest.approx(65.0, abs=1e-12)
    # fuzzy, A = (0.6, 0.4): B = (0.08, 0, 0.28, 0.40, 0.24), B.v = 68, verdict grade 4
    w = {"q1": 0.6, "q2": 0.4, "l1": 1.0}
    fz = FuzzyIndexer("weighted", weights=w)
    ev = fz.evaluation(res, sv.items, 1, 5).loc["SAT"]
    assert ev.iloc[:5].to_numpy(dtype=float) == pytest.approx([0.08, 0, 0.28, 0.40, 0.24], abs=1e-12)
    assert ev["verdict"] == "4" and ev["score"] == pytest.approx(68.0, abs=1e-12)
    # max-min: b = (0.2, 0, 0.4, 0.4, 0.4) normalized by 1.4; B.v = 450/7; verdict: first maximum, grade 3
    ev = FuzzyIndexer("maxmin", weights=w).evaluation(res, sv.items, 1, 5).loc["SAT"]
    assert ev.iloc[:5].to_numpy(dtype=float) == pytest.approx(np.array([0.2, 0, 0.4, 0.4, 0.4]) / 1.4, abs=1e-12)
    assert ev["verdict"] == "3" and ev["score"] == pytest.approx(450 / 7, abs=1e-12)
    # entropy weights: e = H(membership row) / ln 5
    e1 = -(0.2 * np.log(0.2) + 2 * 0.4 * np.log(0.4)) / np.log(5)
    e2 = -(0.2 * np.log(0.2) + 2 * 0.4 * np.log(0.4)) / np.log(5)  # q2 row (0.2, 0, 0.4, 0.4, 0): same shape
    a1 = (1 - e1) / ((1 - e1) + (1 - e2))
    assert INDEXERS.get("fuzzy").fit(res, sv.items, 1, 5).index["SAT"] == pytest.approx(a1 * 80 + (1 - a1) * 50, abs=1e-12)
    # pca: two positively correlated items keep one component, u = (1, 1)/sqrt 2, weights ∝ 1/s
    s1, s2 = np.sqrt(0.56), np.sqrt(1.2)
    w1 = (1 / s1) / (1 / s1 + 1 / s2)
    pca = INDEXERS.get("pca").fit(res, sv.items, 1, 5)
    assert pca.index["SAT"] == pytest.approx(w1 * 80 + (1 - w1) * 50, abs=1e-10)
    assert pca.index["SAT"] == pytest.approx(67.8239, abs=5e-5)  # the figure printed in the docs


def test_grades_errors():
    with pytest.raises(CsiError, match="integer limits"):
        scale_grades(0.0, 0.5)
    assert [g.value for g in scale_grades(1, 5)] == [0, 25, 50, 75, 100]


# ---------------------------------------------------------------------------------------
# weights and grades from the model file's `index:` section
# ---------------------------------------------------------------------------------------
# the hand-worked model of HAND_YAML with an index section
CONFIG_YAML = HAND_YAML.replace("name: hand\n", "name: hand-config\n") + """\
index:
  weights: {q1: 3, q2: 1, l1: 1}
  grades:
    - {name: poor, min: 1, max: 2, value: 10}
    - {name: fair, min: 3, max: 3, value: 50}
    - {name: good, min: 4, max: 5, value: 90}
"""


def test_model_file_index_section():
    spec = parse_yaml(CONFIG_YAML, "config.yaml")
    sv = from_frame(HAND, spec)
    res = PLS(spec).fit(sv.items)
    from csi.derive.indices import configure

    mean = configure(INDEXERS.get("mean"), spec).fit(res, sv.items, 1, 5)
    assert mean.index["SAT"] == pytest.approx(0.75 * 80 + 0.25 * 50, abs=1e-12)
    fz = configure(INDEXERS.get("fuzzy"), spec)
    # q1 in (poor, fair, good) = (0, 0.2, 0.8), q2 = (0.2, 0.4, 0.4); B = .75 R1 + .25 R2 = (0.05, 0.25, 0.7)
    ev = fz.evaluation(res, sv.items, 1, 5).loc["SAT"]
    assert ev[["poor", "fair", "good"]].to_numpy(dtype=float) == pytest.approx([0.05, 0.25, 0.70], abs=1e-12)
    assert ev["verdict"] == "good" and ev["score"] == pytest.approx(0.05 * 10 + 0.25 * 50 + 0.7 * 90, abs=1e-12)
    assert fz.fit(res, sv.items, 1, 5).index["SAT"] == pytest.approx(ev["score"], abs=1e-12)
    # the bootstrap applies the same configuration: draw 0 on explicit rows = the direct evaluation
    rows = np.array([[0, 0, 1, 3, 4]])
    boot = bootstrap_fit(res, sv, indices=rows, indexer=INDEXERS.get("fuzzy"), workers=1)
    sub = HAND.iloc[rows[0]]
    r1 = np.array([np.mean(sub["q1"] <= 2), np.mean(sub["q1"] == 3), np.mean(sub["q1"] >= 4)])
    r2 = np.array([np.mean(sub["q2"] <= 2), np.mean(sub["q2"] == 3), np.mean(sub["q2"] >= 4)])
    assert boot.draws("index").loc[0, "SAT"] == pytest.approx((0.75 * r1 + 0.25 * r2) @ [10, 50, 90], abs=1e-12)
    assert "index:" in spec.to_yaml() and parse_yaml(spec.to_yaml(), "again").index == spec.index
    assert dict(spec.with_items({"q1": "Q1"}).index.weights) == {"Q1": 3.0, "q2": 1.0, "l1": 1.0}  # a column map renames them


@pytest.mark.parametrize("section,message", [
    ("index:\n  weights: {q1: -1}\n", "line 9: the index weight of q1 is negative"),
    ("index:\n  weights: {qq: 1}\n", "line 9: index weight for 'qq', which is not an item"),
    ("index:\n  grades:\n    - {name: a, min: 1, max: 3, value: 0}\n    - {name: b, min: 3, max: 5, value: 100}\n",
     "line 11: grade 'b' overlaps"),
    ("index:\n  grade: []\n", "unknown key 'grade' in 'index'"),
])
def test_index_section_errors(section, message):
    from csi.errors import SpecError

    base = CONFIG_YAML[: CONFIG_YAML.index("index:")]
    with pytest.raises(SpecError, match=message):
        parse_yaml(base + section, "config.yaml")


@pytest.mark.parametrize("key", ["fuzzy", "pca"])
def test_group_permutation_index_difference_equals_direct_evaluation(mobi, key):
    """The permutation engine's observed index difference (true labels) = the independent computation on each group's rows."""
    from csi.inference.groups import compare_groups

    d = mobi.copy()
    d["grp"] = np.where(np.arange(len(d)) % 3 == 0, "a", "b")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sv = from_frame(d, SPEC, groups=("grp",))
        out = compare_groups(SPEC, sv, "grp", permutations=20, boot=0, indexer=INDEXERS.get(key))
    plain = {lab: ({k: v[1] for k, v in plain_fuzzy(d[d["grp"] == lab], SPEC, LO, HI, "weighted").items()} if key == "fuzzy"
                   else plain_pca(d[d["grp"] == lab], SPEC, LO, HI, "kaiser")) for lab in ("a", "b")}
    rows = out.differences[out.differences["kind"] == "index"].set_index("construct")
    for code in SPEC.codes:
        assert rows.loc[code, "difference"] == pytest.approx(plain["a"][code] - plain["b"][code], abs=1e-10)
        assert rows.loc[code, "estimate_a"] == pytest.approx(plain["a"][code], abs=1e-10)


@pytest.mark.parametrize("key", ["fuzzy", "pca"])
def test_bca_jackknife_values_equal_leave_one_out(fitted, mobi, key):
    """The BCa jackknife (downdated moments and grade shares) = the direct evaluation without respondent i."""
    sv, res = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = bootstrap_fit(res, sv, 250, seed=2, ci="bca", indexer=INDEXERS.get(key), workers=1)
    jack = boot.jackknife["index"]
    for i in (0, 117, 249):
        rows = mobi.drop(mobi.index[i])
        exp = ({k: v[1] for k, v in plain_fuzzy(rows, SPEC, LO, HI, "weighted").items()} if key == "fuzzy"
               else plain_pca(rows, SPEC, LO, HI, "kaiser"))
        assert max(abs(jack.iloc[i][k] - v) for k, v in exp.items()) < 1e-10
    assert np.isfinite(boot.stats("index")[["ci_lo", "ci_hi"]].to_numpy()).all()
