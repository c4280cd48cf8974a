"""Consistent PLS (csi.estimators.plsc) against seminr 0.2.1 and an independent implementation.

Oracles and tolerances:
* seminr (PyPI 0.2.1) with ``reflective()`` constructs (its PLSc): paths, R², rho_A and
  consistent loadings on ECSI/mobi to 1e-10 (both sides are exact in double precision);
* an independent implementation of Dijkstra & Henseler (2015) written here (scores from the
  data, explicit loops) for a model with a ``composite: true`` construct, which seminr cannot
  express (it disattenuates every mode-A construct): 1e-10;
* consistency on a large simulated population (PLSc recovers the paths, PLS does not);
* bootstrap: draw by draw against seminr on identical resamples (1e-10), and the SEs of csi's
  own seeded bootstrap within Monte Carlo error of seminr's seeded bootstrap.
R cSEM's (``.disattenuate = TRUE``) figures are checked in ``tests/reference/test_csem_reference.py``.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import csi
from csi.errors import SpecError
from csi.estimators.base import ESTIMATORS
from csi.estimators.pls import PLS
from csi.estimators.plsc import PLSc, admissibility, rho_a_of
from csi.inference.bootstrap import bootstrap_fit
from csi.model.simulate import ECSI_PATHS, simulate_survey
from csi.model.spec import load_model, parse_yaml

seminr = pytest.importorskip("seminr")

TOL = 1e-10
BLOCKS = [("IMAG", 5), ("CUEX", 3), ("PERQ", 7), ("PERV", 2), ("CUSA", 3), ("CUSL", 3)]


def _seminr_model(frame):
    from seminr.estimate.data import Dataset

    data = Dataset(columns=tuple(frame.columns), values=frame.to_numpy(float))
    mm = seminr.constructs(*[seminr.reflective(c, seminr.multi_items(c, range(1, k + 1))) for c, k in BLOCKS],
                           seminr.composite("CUSCO", seminr.single_item("CUSCO")))
    sm = seminr.relationships(
        seminr.paths("IMAG", ["CUEX", "CUSA", "CUSL"]), seminr.paths("CUEX", ["PERQ", "PERV", "CUSA"]),
        seminr.paths("PERQ", ["PERV", "CUSA"]), seminr.paths("PERV", "CUSA"),
        seminr.paths("CUSA", ["CUSCO", "CUSL"]), seminr.paths("CUSCO", "CUSL"))
    return seminr.estimate_pls(data, mm, sm)


@pytest.fixture(scope="module")
def mobi_pair(mobi):
    return PLSc(load_model("ecsi")).fit(mobi), _seminr_model(mobi)


def test_registered_as_estimator():
    assert ESTIMATORS.get("plsc") is PLSc


def test_paths_match_seminr(mobi_pair):
    ours, ref = mobi_pair
    diff = [abs(v - ref.path_coef.get(s, t)) for (s, t), v in ours.paths.items()]
    assert max(diff) < TOL


def test_r2_match_seminr(mobi_pair):
    ours, ref = mobi_pair
    for c in ours.spec.endogenous:
        assert abs(ours.r2[c] - ref.r_squared.get("Rsq", c)) < TOL, c


def test_rho_a_match_seminr(mobi_pair):
    from seminr.estimate.consistent import rho_a

    ours, ref = mobi_pair
    rho = rho_a(ref, ref.constructs)
    for c, v in rho_a_of(ours).items():
        assert abs(v - rho.get(c, "rhoA")) < TOL, c


def test_consistent_loadings_match_seminr(mobi_pair):
    ours, ref = mobi_pair
    diff = [abs(v - ref.outer_loadings.get(i, c)) for (c, i), v in ours.loadings.items()]
    assert max(diff) < TOL


def _independent_plsc(frame, spec, reflective):
    """Dijkstra & Henseler (2015) from the published formulas, on the PLS weights."""
    pls = PLS(spec).fit(frame)
    Z = (frame - frame.mean()) / frame.std(ddof=1)
    codes = list(spec.codes)
    scores = np.column_stack([Z[list(c.items)].to_numpy() @ pls.weights.loc[c.code].to_numpy() for c in spec.constructs])
    R = np.corrcoef(scores, rowvar=False)
    rho = {}
    for c in spec.constructs:
        w = pls.weights.loc[c.code].to_numpy()
        S = np.corrcoef(Z[list(c.items)].to_numpy(), rowvar=False)
        num = sum(w[i] * S[i, j] * w[j] for i in range(len(w)) for j in range(len(w)) if i != j)
        den = sum(w[i] ** 2 * w[j] ** 2 for i in range(len(w)) for j in range(len(w)) if i != j)
        rho[c.code] = (w @ w) ** 2 * num / den if c.code in reflective else 1.0
    Rc = np.array([[R[i, j] if i == j else R[i, j] / np.sqrt(rho[a] * rho[b]) for j, b in enumerate(codes)]
                   for i, a in enumerate(codes)])
    paths = {}
    for t in spec.endogenous:
        pr = [codes.index(p) for p in spec.predecessors(t)]
        beta = np.linalg.lstsq(Rc[np.ix_(pr, pr)], Rc[pr, codes.index(t)], rcond=None)[0]
        paths.update({(codes[i], t): b for i, b in zip(pr, beta, strict=True)})
    loadings = {}
    for c in spec.constructs:
        w = pls.weights.loc[c.code].to_numpy()
        lam = w * np.sqrt(rho[c.code]) / (w @ w) if c.code in reflective else pls.loadings.loc[c.code].to_numpy()
        loadings.update({(c.code, i): v for i, v in zip(c.items, lam, strict=True)})
    return paths, loadings, rho


def test_composite_key_keeps_a_construct_uncorrected(mobi):
    base = load_model("ecsi")
    spec = replace(base, constructs=tuple(replace(c, composite=True) if c.code in ("CUEX", "CUSL") else c
                                          for c in base.constructs))
    refl = {"IMAG", "PERQ", "PERV", "CUSA"}
    ours = PLSc(spec).fit(mobi)
    paths, loadings, rho = _independent_plsc(mobi, spec, refl)
    assert max(abs(ours.paths[k] - v) for k, v in paths.items()) < TOL
    assert max(abs(ours.loadings[k] - v) for k, v in loadings.items()) < TOL
    assert rho_a_of(ours)["CUEX"] == 1.0 and abs(rho_a_of(ours)["PERQ"] - rho["PERQ"]) < TOL
    # and the marking matters: all-reflective gives different CUEX paths
    assert abs(ours.paths[("CUEX", "PERQ")] - PLSc(base).fit(mobi).paths[("CUEX", "PERQ")]) > 0.05


def test_composite_key_parsed_and_written_back():
    text = """name: t
scale: {min: 1, max: 10}
constructs:
  A: {items: [a1, a2], composite: true}
  B: [b1, b2]
paths:
  - A -> B
"""
    spec = parse_yaml(text, "t.yaml")
    assert spec.construct("A").composite and not spec.construct("B").composite
    again = parse_yaml(spec.to_yaml(), "again.yaml")
    assert again.construct("A").composite and "composite" not in spec.to_dict()["constructs"]["B"]
    with pytest.raises(SpecError, match=r"t.yaml.*line 4.*composite should be true or false"):
        parse_yaml(text.replace("composite: true", "composite: maybe"), "t.yaml")


def test_plsc_is_consistent_where_pls_is_not():
    """Continuous items with loadings 0.7 on a large sample: PLSc recovers the population paths."""
    spec = load_model("ecsi")
    d = simulate_survey(spec, 8000, seed=11, loading=0.7, spread=0)
    plsc, pls = PLSc(spec).fit(d), PLS(spec).fit(d)
    key = ("CUSA", "CUSL")
    assert abs(plsc.paths[key] - ECSI_PATHS[key]) < 0.03
    assert abs(pls.paths[key] - ECSI_PATHS[key]) > 0.05  # PLS is attenuated: the check can fail
    assert np.allclose(plsc.loadings.to_numpy()[plsc.loadings.index.get_level_values(0) != "CUSCO"], 0.7, atol=0.03)


@pytest.fixture(scope="module")
def simulated():
    return simulate_survey(load_model("ecsi"), 300, seed=3)


@pytest.fixture(scope="module")
def seminr_boot(simulated):
    from seminr.bootstrap.rng import default_resampler

    model = _seminr_model(simulated)
    draw = default_resampler(7)
    idx = np.array([draw(len(simulated), r) for r in range(100)])
    return idx, seminr.bootstrap_model(model, len(idx), indices=idx)


def test_bootstrap_draws_equal_seminr_on_identical_resamples(simulated, seminr_boot):
    idx, ref = seminr_boot
    fit = csi.fit(simulated, "ecsi", method="plsc", boot=0, derive=())
    b = bootstrap_fit(fit.pls, fit.survey, indices=idx, estimator=PLSc.of(fit.pls))
    assert ref.fails == 0 and len(b.draws("paths")) == len(idx)  # every resample admissible here
    for (s, t) in fit.pls.paths.index:
        theirs = np.array([m.get(s, t) for m in ref.boot_paths])
        np.testing.assert_allclose(b.draws("paths")[(s, t)].to_numpy(), theirs, rtol=0, atol=TOL)
    for (c, i) in fit.pls.loadings.index:
        theirs = np.array([m.get(i, c) for m in ref.boot_loadings])
        np.testing.assert_allclose(b.draws("loadings")[(c, i)].to_numpy(), theirs, rtol=0, atol=TOL)


def test_bootstrap_se_within_monte_carlo_error_of_seminr(simulated, seminr_boot):
    """SE of an SE from B draws ≈ SE/√(2(B−1)); the two runs are independent, so 3.5 combined SDs."""
    _, ref = seminr_boot
    res = csi.fit(simulated, "ecsi", method="plsc", boot=2000, seed=5, derive=())
    stats = res.bootstrap.stats("paths")
    for (s, t) in res.pls.paths.index:
        theirs = np.array([m.get(s, t) for m in ref.boot_paths]).std(ddof=1)
        ours = stats.loc[(s, t), "std_error"]
        tol = 3.5 * np.hypot(theirs / np.sqrt(2 * (len(ref.boot_paths) - 1)), ours / np.sqrt(2 * 1999))
        assert abs(ours - theirs) < tol, ((s, t), ours, theirs, tol)


def test_inadmissible_resamples_counted_by_reason_not_fatal(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(mobi, "ecsi", method="plsc", boot=250, seed=2, derive=())
    s = res.bootstrap.settings
    reasons = s["failed_reasons"]
    assert sum(reasons.values()) == s["resamples_failed"] > 0
    assert set(reasons) <= {"PLSc: a disattenuated construct correlation above 1 in absolute value",
                            "PLSc: the disattenuated construct correlation matrix is not positive definite"}
    # the full-sample ECSI/mobi PLSc solution (rho_A of CUEX 0.46) is inadmissible: an issue, not an error
    assert admissibility(res.pls) is not None
    assert any(i.category == "admissibility" and "PLSc solution is inadmissible" in i.message for i in res.issues)
    assert res.settings["plsc"]["reflective"] == ["IMAG", "CUEX", "PERQ", "PERV", "CUSA", "CUSL"]
    assert res.settings["plsc"]["admissible"] is False
    assert any(i.category == "estimation" and "PLSc" in i.message and "indices" in i.message for i in res.issues)


def test_indices_use_the_pls_weights(mobi):
    """PLSc leaves the weights alone, so the ACSI-formula indices equal those of PLS."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = csi.fit(mobi, "ecsi", method="plsc", boot=0, derive=())
        b = csi.fit(mobi, "ecsi", boot=0, derive=())
    np.testing.assert_allclose(a.indices.index.to_numpy(), b.indices.index.to_numpy(), rtol=0, atol=1e-12)
    assert a.settings["method"] == "plsc"


def test_unstandardized_plsc_is_a_clear_error():
    from csi.errors import EstimationError

    with pytest.raises(EstimationError, match="plsc needs standardized"):
        PLSc(load_model("ecsi"), standardize=False)


def test_nonpositive_rho_a_is_an_error_naming_the_construct():
    """Two items that each predict B but correlate negatively with each other: w1 w2 r12 < 0."""
    from csi.errors import EstimationError

    rng = np.random.default_rng(1)
    n = 400
    a1 = rng.standard_normal(n)
    a2 = -0.3 * a1 + np.sqrt(1 - 0.09) * rng.standard_normal(n)
    b = a1 + a2 + 0.5 * rng.standard_normal(n)
    d = pd.DataFrame({"a1": a1, "a2": a2, "b1": b + 0.3 * rng.standard_normal(n), "b2": b + 0.3 * rng.standard_normal(n)})
    spec = parse_yaml("name: t\nscale: {min: -100, max: 100}\nconstructs:\n  A: [a1, a2]\n  B: [b1, b2]\npaths:\n  - A -> B\n", "t.yaml")
    with pytest.raises(EstimationError, match=r"PLSc cannot correct construct\(s\) A \(rho_A = -0\.\d+\).*composite: true"):
        PLSc(spec).fit(d)
    # marked composite, the same data fit
    ok = PLSc(replace(spec, constructs=tuple(replace(c, composite=c.code == "A") for c in spec.constructs))).fit(d)
    assert rho_a_of(ok)["A"] == 1.0


def test_docs_two_item_example():
    """docs/plsc.md: two items correlating 0.6 → rho_A 0.75 and consistent loadings √0.6."""
    from csi.estimators.plsc import correct, rho_a_batch

    spec = parse_yaml("name: t\nscale: {min: 1, max: 10}\nconstructs:\n  A: [a1, a2]\n  B: [b1, b2]\npaths:\n  - A -> B\n", "t.yaml")
    from csi.estimators.base import Layout

    L = Layout.from_spec(spec)
    S = np.eye(4)
    S[0, 1] = S[1, 0] = S[2, 3] = S[3, 2] = 0.6
    S[:2, 2:] = S[2:, :2] = 0.45 * 1.6 / 2  # score correlation 0.45 with equal weights 1/√3.2
    est = PLS(spec).fit_moments(S)
    np.testing.assert_allclose(est.weights[0], 1 / np.sqrt(3.2), rtol=0, atol=1e-12)
    rho = rho_a_batch(est.weights, S[None], L, np.array([True, True]))
    np.testing.assert_allclose(rho[0], 0.75, rtol=0, atol=1e-12)
    c = correct(est, S[None], L, np.array([True, True]))
    np.testing.assert_allclose(c.loadings[0], np.sqrt(0.6), rtol=0, atol=1e-12)
    np.testing.assert_allclose(est.R[0, 0, 1], 0.45, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.R[0, 0, 1], 0.60, rtol=0, atol=1e-12)
