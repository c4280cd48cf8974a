"""PLS model fit (csi.derive.modelfit) against an independent implementation written here.

R cSEM's own ``assess()`` figures are checked in ``tests/reference/test_csem_reference.py``.  Here the
oracle is cSEM's published algorithm written out below independently of csi's batched kernels:
cSEM's two-block formula for the implied construct correlations (exogenous Φ, Γ, B, ζ variances
1 − R²), item by item loops for the indicator matrix, ``scipy.linalg.eigvals`` of ``S⁻¹Σ̂`` for
d_G, plain refits of resampled rows for the exact-fit test, and loops over item pairs for HTMT2.
Tolerance 1e-10 (both sides exact in double precision).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.linalg

import csi
from csi.derive.modelfit import (
    FIT_TEST_RESAMPLES,
    bollen_stine,
    fit_measures,
    implied_construct_corr,
)
from csi.estimators.base import Layout
from csi.estimators.pls import PLS
from csi.estimators.plsc import PLSc, reflective_mask
from csi.model.simulate import simulate_survey
from csi.model.spec import load_model, parse_yaml
from csi.results.contract import to_dict
from csi.stats.resample import resample_indices

TOL = 1e-10


def _fit(data, model="ecsi", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(data, model, **kw)


def _cSEM_implied(res, reflective, saturated=False):
    """cSEM fit(): Σ̂ of the composite model, written out item by item."""
    spec = res.spec
    codes = list(spec.codes)
    P = res.construct_corr.loc[codes, codes].to_numpy()
    if saturated:
        phi = P
    else:
        endo = list(spec.endogenous)
        exo = [c for c in codes if c not in endo]
        e, x = [codes.index(c) for c in endo], [codes.index(c) for c in exo]
        pm = res.path_matrix.loc[codes, codes].to_numpy().T  # pm[j, i] = β_{i→j}
        B, G, Phi = pm[np.ix_(e, e)], pm[np.ix_(e, x)], P[np.ix_(x, x)]
        zeta = np.diag([1 - res.r2[c] for c in endo])
        inv = np.linalg.inv(np.eye(len(e)) - B)
        exo_endo = Phi @ G.T @ inv.T
        endo_endo = inv @ (G @ Phi @ G.T + zeta) @ inv.T
        np.fill_diagonal(endo_endo, 1.0)
        phi = np.zeros_like(P)
        phi[np.ix_(x, x)], phi[np.ix_(e, e)] = Phi, endo_endo
        phi[np.ix_(x, e)], phi[np.ix_(e, x)] = exo_endo, exo_endo.T
    items = list(spec.items)
    owner = spec.item_construct()
    S = res.item_corr.loc[items, items].to_numpy()
    lam = res.loadings.droplevel("construct")
    sig = np.eye(len(items))
    for i, j in itertools.product(range(len(items)), repeat=2):
        a, b = owner[items[i]], owner[items[j]]
        if i == j:
            continue
        if a == b and a not in reflective:
            sig[i, j] = S[i, j]
        else:
            sig[i, j] = lam[items[i]] * lam[items[j]] * phi[codes.index(a), codes.index(b)]
    return S, sig


def _cSEM_distances(S, sig):
    d = S - sig
    lo = np.tril_indices(len(S))
    ev = scipy.linalg.eigvals(np.linalg.inv(S) @ sig).real
    return np.sqrt(np.mean(d[lo] ** 2)), 0.5 * np.sum(d**2), 0.5 * np.sum(np.log10(ev) ** 2)  # cSEM: log base 10


@pytest.fixture(scope="module")
def mobi_fits(mobi):
    return {m: _fit(mobi, method=m, boot=0) for m in ("pls", "plsc")}


@pytest.mark.parametrize("method", ["pls", "plsc"])
@pytest.mark.parametrize("saturated", [False, True])
def test_distances_match_independent_cSEM_formulas(mobi_fits, method, saturated):
    res = mobi_fits[method]
    reflective = set(np.array(res.spec.codes)[reflective_mask(res.spec)]) if method == "plsc" else set()
    S, sig = _cSEM_implied(res.pls, reflective, saturated)
    ref = _cSEM_distances(S, sig)
    got = res.derived["model_fit"].measures["saturated" if saturated else "estimated"]
    np.testing.assert_allclose(got.to_numpy(), ref, rtol=0, atol=TOL)


def test_estimated_and_saturated_agree_for_a_saturated_structure(mobi):
    """Every pair of constructs connected: the implied construct correlations are the estimated ones."""
    spec = load_model("ecsi").restricted(["IMAG", "CUEX", "CUSA"])
    res = PLS(spec).fit(mobi)
    L = Layout.from_spec(spec)
    phi = implied_construct_corr(res.raw.R, res.raw.paths, res.raw.r2, L)
    np.testing.assert_allclose(phi, res.raw.R, rtol=0, atol=1e-12)


def test_htmt2_matches_geometric_mean_loops(mobi_fits):
    res = mobi_fits["pls"].pls
    C = res.item_corr
    blocks = {c.code: list(c.items) for c in res.spec.constructs}

    def gmean(vals):
        return float(np.exp(np.mean(np.log(np.abs(vals))))) if len(vals) else 1.0

    table = mobi_fits["pls"].derived["model_fit"].htmt
    for (a, b), row in table.iterrows():
        het = gmean([C.loc[i, j] for i in blocks[a] for j in blocks[b]])
        mono = [gmean([C.loc[i, j] for i, j in itertools.combinations(blocks[c], 2)]) for c in (a, b)]
        assert abs(row.htmt2 - het / np.sqrt(mono[0] * mono[1])) < TOL, (a, b)
    # the HTMT column is csi's validated HTMT
    ht = mobi_fits["pls"].quality.htmt
    assert all(abs(r.htmt - ht.loc[a, b]) < TOL for (a, b), r in table.iterrows())


def test_bollen_stine_draws_are_plain_refits_of_transformed_rows(mobi_fits, mobi):
    res = mobi_fits["pls"].pls
    spec = res.spec
    X = mobi[list(spec.items)].to_numpy(float)
    S, sig = _cSEM_implied(res, set())
    est = PLS.of(res)
    dist, failed = bollen_stine(X, sig, est, np.zeros(len(spec.codes), bool), 3, seed=4)
    assert failed == 0 and dist.shape == (3, 3)
    # independent transform: Z S^-1/2 Σ̂^1/2 with scipy's matrix square roots
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    Xt = Z @ np.linalg.inv(scipy.linalg.sqrtm(S).real) @ scipy.linalg.sqrtm(sig).real
    np.testing.assert_allclose(np.corrcoef(Xt, rowvar=False), sig, rtol=0, atol=1e-10)
    idx = resample_indices(4, 0, len(X))[:3]
    for b in range(3):
        refit = PLS(spec).fit(pd.DataFrame(Xt[idx[b]], columns=list(spec.items)))
        np.testing.assert_allclose(dist[b], _cSEM_distances(*_cSEM_implied(refit, set())), rtol=0, atol=1e-9)


def test_exact_fit_test_in_results_json(mobi):
    res = _fit(mobi, boot=50, seed=2)
    d = to_dict(res)["model_fit"]
    t = d["exact_fit_test"]
    assert t["performed"] and t["resamples"] == FIT_TEST_RESAMPLES and t["seed"] == 2
    assert t["resamples_used"] + t["resamples_failed"] == FIT_TEST_RESAMPLES
    q = t["quantiles"]["srmr"]
    assert 0 < q["95"] < q["99"]
    assert t["exact_fit_rejected_95"]["srmr"] == (d["estimated"]["srmr"] > q["95"])
    assert {"a", "b", "htmt", "htmt2"} <= set(d["htmt"][0])
    assert "fit" in res.derived["model_fit"].tables()
    assert not _fit(mobi, boot=0).derived["model_fit"].test["performed"]


SMALL = """name: small
scale: {min: 1, max: 10}
constructs:
  A: [a1, a2, a3]
  B: [b1, b2, b3]
  C: [c1, c2, c3]
paths:
  - A -> B
  - B -> C
"""


def test_exact_fit_not_rejected_for_the_true_model_and_rejected_for_a_wrong_one():
    """PLSc of a three-construct chain on data from that common-factor population; then the
    same data with a strong A → C path the model leaves out (the test can fail)."""
    spec = parse_yaml(SMALL, "small.yaml")
    true = {("A", "B"): 0.5, ("B", "C"): 0.5}
    good = simulate_survey(spec, 600, seed=8, paths=true, loading=0.8)
    r = _fit(good, spec, method="plsc", boot=10, seed=1, derive=("model_fit",))
    assert not r.derived["model_fit"].test["exact_fit_rejected_95"]["srmr"]
    full = parse_yaml(SMALL.replace("  - B -> C", "  - B -> C\n  - A -> C"), "full.yaml")
    bad = simulate_survey(full, 600, seed=8, paths={**true, ("A", "C"): 0.6}, loading=0.8)
    r = _fit(bad, spec, method="plsc", boot=10, seed=1, derive=("model_fit",))
    assert r.derived["model_fit"].test["exact_fit_rejected_99"]["srmr"]


def test_fit_measures_batched_equals_one_by_one(mobi_fits):
    res = mobi_fits["plsc"].pls
    L = Layout.from_spec(res.spec)
    S = res.item_corr.to_numpy()
    Ss = np.stack([S, S * 0.9 + np.eye(len(S)) * 0.1])
    est = PLSc.of(res).fit_moments(Ss)
    refl = reflective_mask(res.spec)
    both = fit_measures(est, Ss, L, refl)[0]
    one = fit_measures(PLSc.of(res).fit_moments(Ss[1:]), Ss[1:], L, refl)[0]
    np.testing.assert_allclose(both[1], one[0], rtol=0, atol=1e-12)


def test_docs_hand_example():
    """docs/modelfit.md: observed 0.5, implied 0.4 → SRMR 0.0577, d_ULS 0.01, d_G 0.003584 (log10)."""
    from csi.derive.modelfit import distances

    S = np.array([[[1.0, 0.5], [0.5, 1.0]]])
    sig = np.array([[[1.0, 0.4], [0.4, 1.0]]])
    d = distances(S, sig)[0]
    np.testing.assert_allclose(d, [np.sqrt(0.01 / 3), 0.01, 0.5 * (np.log10(1.4 / 1.5) ** 2 + np.log10(1.2) ** 2)], rtol=0, atol=1e-14)
    assert abs(d[2] - 0.0035837) < 1e-7
