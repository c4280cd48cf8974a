"""PLS estimates against other software: SEMinR 2.3.1 (ECSI on mobi), SmartPLS 2 (published
figures quoted in the reference README) and R plspm 0.4 (satisfaction, scaled = FALSE).

One quantity per test; tolerances are explicit.  SEMinR and plspm values are exact to
double precision on both sides, so 1e-6 is the bar (csi reaches ~1e-14).  SmartPLS figures
are published to 4 decimals, so they are checked to half a unit of the last digit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csi.derive.indices import compute as compute_indices
from csi.derive.quality import assess
from csi.estimators.pls import PLS
from csi.model.spec import load_model
from tests.conftest import REFERENCE, SEMINR

TOL = 1e-6


@pytest.fixture(scope="module")
def ecsi_fit(mobi):
    return PLS(load_model("ecsi"), scheme="path").fit(mobi)


@pytest.fixture(scope="module")
def ecsi_quality(ecsi_fit):
    return assess(ecsi_fit)


def _matrix(name: str) -> pd.DataFrame:
    return pd.read_csv(SEMINR / name, index_col=0)


# -- SEMinR: ECSI on mobi, path scheme ----------------------------------------------------
def test_paths_match_seminr(ecsi_fit):
    ref = _matrix("ecsi_mobi_paths.csv")
    ours = ecsi_fit.path_matrix.loc[ref.index, ref.columns]
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), atol=TOL, rtol=0)


def test_outer_weights_match_seminr(ecsi_fit):
    ref = pd.read_csv(SEMINR / "ecsi_mobi_outer.csv")
    ours = ecsi_fit.weights.droplevel("construct")[ref.indicator]
    np.testing.assert_allclose(ours.to_numpy(), ref.weight.to_numpy(), atol=TOL, rtol=0)


def test_loadings_match_seminr(ecsi_fit):
    ref = pd.read_csv(SEMINR / "ecsi_mobi_outer.csv")
    ours = ecsi_fit.loadings.droplevel("construct")[ref.indicator]
    np.testing.assert_allclose(ours.to_numpy(), ref.loading.to_numpy(), atol=TOL, rtol=0)


def test_r2_match_seminr(ecsi_fit):
    ref = _matrix("ecsi_mobi_paths_r2.csv")
    np.testing.assert_allclose(ecsi_fit.r2[ref.columns].to_numpy(), ref.loc["R^2"].to_numpy(float), atol=TOL, rtol=0)


def test_adjusted_r2_match_seminr(ecsi_fit):
    ref = _matrix("ecsi_mobi_paths_r2.csv")
    np.testing.assert_allclose(ecsi_fit.r2_adj[ref.columns].to_numpy(), ref.loc["AdjR^2"].to_numpy(float), atol=TOL, rtol=0)


@pytest.mark.parametrize(("ours_col", "ref_col"), [("alpha", "alpha"), ("rho_c", "rhoC"), ("ave", "AVE"), ("rho_a", "rhoA")])
def test_reliability_matches_seminr(ecsi_quality, ours_col, ref_col):
    ref = _matrix("ecsi_mobi_reliability.csv")
    ours = ecsi_quality.reliability.loc[ref.index, ours_col]
    np.testing.assert_allclose(ours.to_numpy(), ref[ref_col].to_numpy(), atol=TOL, rtol=0)


def test_htmt_matches_seminr(ecsi_quality):
    ref = _matrix("ecsi_mobi_htmt.csv")
    ours = ecsi_quality.htmt.loc[ref.index, ref.columns].to_numpy()
    mask = ~np.isnan(ref.to_numpy())
    assert mask.sum() == 21
    np.testing.assert_allclose(ours[mask], ref.to_numpy()[mask], atol=TOL, rtol=0)


def test_total_effects_match_seminr(ecsi_fit):
    ref = _matrix("ecsi_mobi_total_effects.csv")
    ours = ecsi_fit.total_effects.loc[ref.index, ref.columns]
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), atol=TOL, rtol=0)


def test_it_criteria_match_seminr(ecsi_quality):
    ref = _matrix("ecsi_mobi_it_criteria.csv")
    np.testing.assert_allclose(ecsi_quality.aic[ref.columns].to_numpy(), ref.loc["AIC"].to_numpy(float), atol=1e-6, rtol=0)
    np.testing.assert_allclose(ecsi_quality.bic[ref.columns].to_numpy(), ref.loc["BIC"].to_numpy(float), atol=1e-6, rtol=0)


def test_indices_match_acsi_formula_reference(ecsi_fit, mobi):
    ref = pd.read_csv(SEMINR / "ecsi_mobi_index_acsi_formula.csv", index_col=0)["index"]
    idx = compute_indices(ecsi_fit, mobi)
    np.testing.assert_allclose(idx.index[ref.index].to_numpy(), ref.to_numpy(), atol=TOL, rtol=0)


# -- SmartPLS 2 published figures (4 decimals) ----------------------------------------------
SMARTPLS = {
    "path": {("IMAG", "CUEX"): 0.5049, ("PERQ", "CUSA"): 0.5120, ("CUSA", "CUSL"): 0.4855},
    "factorial": {("CUEX", "CUSA"): 0.0649, ("CUSA", "CUSL"): 0.4831, ("CUSCO", "CUSL"): 0.0703},
    "centroid": {("CUEX", "CUSA"): 0.0644, ("CUSA", "CUSL"): 0.4835, ("CUSCO", "CUSL"): 0.0712},
}


@pytest.mark.parametrize("scheme", sorted(SMARTPLS))
def test_schemes_reproduce_smartpls(mobi, scheme):
    res = PLS(load_model("ecsi"), scheme=scheme).fit(mobi)
    for (s, t), v in SMARTPLS[scheme].items():
        assert abs(res.paths[(s, t)] - v) <= 0.5e-4, (scheme, s, t, res.paths[(s, t)], v)


def test_path_scheme_r2_reproduces_smartpls(ecsi_fit):
    assert abs(ecsi_fit.r2["CUSA"] - 0.6811) <= 0.5e-4
    assert abs(ecsi_fit.r2["CUSL"] - 0.4569) <= 0.5e-4


# -- R plspm 0.4: satisfaction, scaled = FALSE ------------------------------------------------
def _plspm_fit(satisfaction, satisfaction_spec, scheme="centroid"):
    # plspm's own stopping rule and limits, so that both sides stop at the same iterate
    return PLS(satisfaction_spec, scheme=scheme, standardize=False, tol=1e-6, max_iter=100, criterion="plspm").fit(satisfaction)


@pytest.mark.parametrize(
    ("scheme", "file"),
    [("centroid", "satisfaction.outer-model.csv"), ("path", "satisfaction.outer-model-path.csv"), ("factorial", "satisfaction.outer-model-factorial.csv")],
)
def test_plspm_outer_model(satisfaction, satisfaction_spec, scheme, file):
    res = _plspm_fit(satisfaction, satisfaction_spec, scheme)
    ref = pd.read_csv(REFERENCE / file)
    w = res.weights.droplevel("construct")[ref.name].to_numpy()
    lam = res.loadings.droplevel("construct")[ref.name].to_numpy()
    np.testing.assert_allclose(w, ref.weight.to_numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(lam, ref.loading.to_numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(lam**2, ref.communality.to_numpy(), atol=TOL, rtol=0)


def test_plspm_redundancy(satisfaction, satisfaction_spec):
    res = _plspm_fit(satisfaction, satisfaction_spec)
    ref = pd.read_csv(REFERENCE / "satisfaction.outer-model.csv")
    r2 = res.r2.fillna(0.0)
    ours = [res.loadings[(b, n)] ** 2 * r2[b] for n, b in zip(ref.name, ref.block, strict=True)]
    np.testing.assert_allclose(ours, ref.redundancy.to_numpy(), atol=TOL, rtol=0)


def test_plspm_scores(satisfaction, satisfaction_spec):
    res = _plspm_fit(satisfaction, satisfaction_spec)
    ref = pd.read_csv(REFERENCE / "satisfaction.scores.csv")
    np.testing.assert_allclose(res.scores[ref.columns].to_numpy(), ref.to_numpy(), atol=TOL, rtol=0)


def test_plspm_crossloadings(satisfaction, satisfaction_spec):
    res = _plspm_fit(satisfaction, satisfaction_spec)
    ref = pd.read_csv(REFERENCE / "satisfaction.crossloadings.csv", index_col=0).drop(columns="block")
    np.testing.assert_allclose(res.cross_loadings.loc[ref.index, ref.columns].to_numpy(), ref.to_numpy(), atol=TOL, rtol=0)


def test_plspm_inner_model_sat(satisfaction, satisfaction_spec):
    """Coefficients and OLS standard errors of the SAT regression (plspm's inner_model)."""
    res = _plspm_fit(satisfaction, satisfaction_spec)
    ref = pd.read_csv(REFERENCE / "satisfaction.inner-model.csv", index_col=0)
    preds = list(ref.index)
    np.testing.assert_allclose([res.paths[(p, "SAT")] for p in preds], ref["Estimate"].to_numpy(), atol=TOL, rtol=0)
    # OLS on the scores, as plspm does, for the standard errors (independent of csi's path code)
    Y = res.scores
    X = np.column_stack([np.ones(len(Y)), Y[preds].to_numpy()])
    beta, *_ = np.linalg.lstsq(X, Y["SAT"].to_numpy(), rcond=None)
    resid = Y["SAT"].to_numpy() - X @ beta
    sigma2 = resid @ resid / (len(Y) - X.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(X.T @ X)))[1:]
    np.testing.assert_allclose(se, ref["Std. Error"].to_numpy(), atol=TOL, rtol=0)


def test_plspm_inner_summary(satisfaction, satisfaction_spec):
    res = _plspm_fit(satisfaction, satisfaction_spec)
    q = assess(res)
    ref = pd.read_csv(REFERENCE / "satisfaction.inner-summary.csv", index_col=0)
    np.testing.assert_allclose(res.r2.fillna(0)[ref.index].to_numpy(), ref.r_squared.to_numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(q.reliability.ave[ref.index].to_numpy(), ref.ave.to_numpy(), atol=TOL, rtol=0)


def test_plspm_effects(satisfaction, satisfaction_spec):
    res = _plspm_fit(satisfaction, satisfaction_spec)
    ref = pd.read_csv(REFERENCE / "satisfaction.effects.csv", index_col=0)
    ours = res.effects.set_index(["from", "to"])
    for _, r in ref.iterrows():
        row = ours.loc[(r["from"], r["to"])]
        for col in ("direct", "indirect", "total"):
            assert abs(row[col] - r[col]) <= TOL, (r["from"], r["to"], col)


def test_plspm_gof(satisfaction, satisfaction_spec):
    q = assess(_plspm_fit(satisfaction, satisfaction_spec))
    assert abs(q.gof - 0.609741624338411) <= TOL


def test_plspm_cronbach_alpha(satisfaction, satisfaction_spec):
    q = assess(_plspm_fit(satisfaction, satisfaction_spec))
    ref = pd.read_csv(REFERENCE / "satisfaction_unidim.csv", index_col=0)
    np.testing.assert_allclose(q.reliability.alpha[ref.index].to_numpy(), ref.cronbach_alpha.to_numpy(), atol=TOL, rtol=0)


def test_plspm_mode_b_r2(satisfaction, satisfaction_spec):
    from dataclasses import replace

    spec = replace(satisfaction_spec, constructs=tuple(replace(c, mode="B") for c in satisfaction_spec.constructs))
    res = PLS(spec, scheme="centroid", standardize=False, tol=1e-6, max_iter=100, criterion="plspm").fit(satisfaction)
    ref = pd.read_csv(REFERENCE / "satisfaction.modeb.inner-summary.csv", index_col=0)
    np.testing.assert_allclose(res.r2.fillna(0)[ref.index].to_numpy(), ref.r_squared.to_numpy(), atol=TOL, rtol=0)
    comm = [np.mean(res.loadings.loc[c] ** 2) for c in ref.index]
    np.testing.assert_allclose(comm, ref.block_communality.to_numpy(), atol=TOL, rtol=0)


def test_tight_convergence_agrees_with_plspm_to_its_precision(satisfaction, satisfaction_spec):
    """csi's default criterion converges further than plspm; both land on the same fixed point."""
    res = PLS(satisfaction_spec, scheme="centroid", standardize=False, tol=1e-12).fit(satisfaction)
    ref = pd.read_csv(REFERENCE / "satisfaction.outer-model.csv")
    w = res.weights.droplevel("construct")[ref.name].to_numpy()
    np.testing.assert_allclose(w, ref.weight.to_numpy(), atol=1e-5, rtol=0)
