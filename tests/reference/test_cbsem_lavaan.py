"""CB-SEM (csi.estimators.cbsem) against R lavaan 0.6.14 (tests/reference_lavaan/).

The fixtures and lavaan readers are those of tests/estimators/test_cbsem.py, which holds the
independent scipy ML fit, the population checks and the rest of the CB-SEM tests.
"""

from __future__ import annotations

import pandas as pd
import pytest

from csi.estimators import cbsem
from csi.estimators.cbsem import CBSEM
from tests.estimators.test_cbsem import LAV, OUT, lav_row, lavaan_est, lavaan_fit
from tests.estimators.test_cbsem import inad as inad
from tests.estimators.test_cbsem import inadmissible_data as inadmissible_data
from tests.estimators.test_cbsem import mobi as mobi
from tests.estimators.test_cbsem import mobi_fit as mobi_fit
from tests.estimators.test_cbsem import spec as spec
from tests.estimators.test_cbsem import syn as syn
from tests.estimators.test_cbsem import synthetic as synthetic


# ---------------------------------------------------------------------------------------
# the model description
# ---------------------------------------------------------------------------------------
def test_lavaan_script_fits_the_model_csi_fits(spec):
    """The R reference's model block is exactly csi's lavaan syntax (single item: loading 1, error 0)."""
    script = (LAV / "ecsi_synthetic.R").read_text(encoding="utf-8")
    block = script.split("model <- '")[1].split("'")[0]
    r_lines = sorted(" ".join(line.split()) for line in block.strip().splitlines())
    ours = cbsem.lavaan_syntax(spec)
    assert sorted(" ".join(line.split()) for line in ours.splitlines()) == r_lines
    assert "CUSCO_lv =~ 1*CUSCO" in ours and "CUSCO ~~ 0*CUSCO" in ours


# ---------------------------------------------------------------------------------------
# lavaan 0.6.14, ML, synthetic ECSI data (n = 2000)
# ---------------------------------------------------------------------------------------
# Both sides optimize to ~1e-10 in F; estimates then agree to ~1e-6 and standard errors to ~2e-6
# relative (the issue asks for 2e-3); SE tolerances are 2e-5 relative, z 1e-4 (a small z amplifies).
FIT_TOL = {  # absolute tolerances per measure
    "chi2": ("chisq", 1e-5), "df": ("df", 0), "p_value": ("pvalue", 1e-8), "cfi": ("cfi", 1e-8),
    "tli": ("tli", 1e-8), "rmsea": ("rmsea", 1e-8), "srmr": ("srmr", 1e-6), "loglik": ("logl", 1e-5),
    "loglik_saturated": ("unrestricted.logl", 1e-6), "aic": ("aic", 1e-5), "bic": ("bic", 1e-5),
    "baseline_chi2": ("baseline.chisq", 1e-6), "baseline_df": ("baseline.df", 0), "npar": ("npar", 0),
}


@pytest.mark.parametrize("measure", sorted(FIT_TOL))
def test_synthetic_fit_measures_match_lavaan(syn, measure):
    key, tol = FIT_TOL[measure]
    assert syn.fit[measure] == pytest.approx(lavaan_fit("synthetic_ml")[key], abs=tol)


def test_synthetic_rmsea_interval_matches_lavaan(syn):
    ref = lavaan_fit("synthetic_ml")
    lo, hi = syn.fit["rmsea_ci"]
    assert lo == pytest.approx(ref["rmsea.ci.lower"], abs=1e-8)
    assert hi == pytest.approx(ref["rmsea.ci.upper"], abs=1e-8)


def test_synthetic_standardized_paths_match_lavaan(syn, spec):
    ref = lavaan_est("synthetic_ml")
    lvn = cbsem.latent_names(spec)
    for (s, t), v in syn.std_paths.items():
        assert v == pytest.approx(ref.loc[(lvn[t], "~", lvn[s]), "est.std"], abs=2e-6), (s, t)


def test_synthetic_every_estimate_and_se_matches_lavaan(syn):
    ref = lavaan_est("synthetic_ml")
    for key, row in syn.estimates.iterrows():
        lav = lav_row(ref, key)
        assert row["estimate"] == pytest.approx(lav["est"], abs=5e-6), key
        if row["free"]:
            assert row["std_error"] == pytest.approx(lav["se"], rel=2e-5), key
            assert row["z"] == pytest.approx(lav["z"], rel=1e-4), key


def test_synthetic_standardized_estimates_and_delta_ses_match_lavaan(syn):
    ref = lavaan_est("synthetic_ml")
    for key, row in syn.standardized.iterrows():
        lav = lav_row(ref, key)
        assert row["estimate"] == pytest.approx(lav["est.std"], abs=2e-6), key
        if lav["std.se"] > 0:
            assert row["std_error"] == pytest.approx(lav["std.se"], rel=2e-5), key


def test_synthetic_r2_matches_lavaan(syn, spec):
    ref = pd.read_csv(OUT / "synthetic_ml_r2.csv").set_index("variable")["r2"]
    lvn = cbsem.latent_names(spec)
    for code, v in syn.r2.items():
        assert v == pytest.approx(ref[lvn[code]], abs=2e-6), code


@pytest.mark.parametrize("estimator, name", [("GLS", "synthetic_gls"), ("ULS", "synthetic_uls_robust"), ("DWLS", "synthetic_dwls_robust")])
def test_other_estimators_match_lavaan(spec, synthetic, estimator, name):
    """GLS (normal-theory SEs) and ULS/DWLS (sandwich SEs = lavaan se="robust.sem")."""
    res = CBSEM(spec, estimator).fit(synthetic)
    ref, fm = lavaan_est(name), lavaan_fit(name)
    for key, row in res.estimates.iterrows():
        lav = lav_row(ref, key)
        assert row["estimate"] == pytest.approx(lav["est"], abs=5e-6), key
        if row["free"]:
            assert row["std_error"] == pytest.approx(lav["se"], rel=2e-5), key
        assert res.standardized.loc[key, "estimate"] == pytest.approx(lav["est.std"], abs=2e-6), key
    for ours, theirs, tol in (("chi2", "chisq", 1e-5), ("baseline_chi2", "baseline.chisq", 1e-5), ("cfi", "cfi", 1e-8),
                              ("tli", "tli", 1e-8), ("rmsea", "rmsea", 1e-8), ("srmr", "srmr", 1e-6)):
        assert res.fit[ours] == pytest.approx(fm[theirs], abs=tol), ours
    assert res.fit["loglik"] is None  # a log-likelihood only exists for ML


# ---------------------------------------------------------------------------------------
# inadmissible solutions and mobi
# ---------------------------------------------------------------------------------------
def test_inadmissible_case_matches_lavaan_and_is_flagged(inad, spec):
    ref, fm = lavaan_est("inadmissible_ml"), lavaan_fit("inadmissible_ml")
    assert "some estimated lv variances are negative" in (OUT / "inadmissible_ml_log.txt").read_text()
    psi = inad.estimates.loc[("CUSL", "~~", "CUSL"), "estimate"]
    assert psi < 0 and psi == pytest.approx(ref.loc[("CUSL", "~~", "CUSL"), "est"], abs=5e-6)
    assert inad.std_paths[("CUSA", "CUSL")] == pytest.approx(ref.loc[("CUSL", "~", "CUSA"), "est.std"], abs=5e-6)
    for ours, theirs in (("chi2", "chisq"), ("loglik", "logl"), ("aic", "aic"), ("bic", "bic")):
        assert inad.fit[ours] == pytest.approx(fm[theirs], abs=1e-5), ours
    assert not inad.admissible
    checks = {(p.check, p.parameter) for p in inad.problems}
    assert ("heywood", "CUSL ~~ CUSL") in checks
    assert ("std_beyond_1", "CUSL ~ CUSA") in checks
    assert ("latent_cov_not_pd", "latent covariance matrix") in checks
    assert ("implausible_r2", "R² CUSL") in checks


def test_mobi_matches_lavaan_but_is_not_admissible(mobi_fit, spec):
    """Real CSI data: lavaan and semopy both report success; csi flags |std| > 1."""
    fm = lavaan_fit("mobi_ml")
    assert "warnings: none" in (OUT / "mobi_ml_log.txt").read_text()
    for ours, theirs, tol in (("chi2", "chisq", 1e-5), ("cfi", "cfi", 1e-8), ("rmsea", "rmsea", 1e-8),
                              ("srmr", "srmr", 1e-6), ("loglik", "logl", 1e-5), ("aic", "aic", 1e-5), ("bic", "bic", 1e-5)):
        assert mobi_fit.fit[ours] == pytest.approx(fm[theirs], abs=tol), ours
    ref = lavaan_est("mobi_ml")
    lvn = cbsem.latent_names(spec)
    for (s, t), v in mobi_fit.std_paths.items():
        # A nearly flat likelihood (SEs up to 10): lavaan stopped 8e-8 above csi's χ², and along the
        # flat direction that moves standardized paths by ~1.5e-3 here; 5e-3 leaves room for other BLAS.
        assert v == pytest.approx(ref.loc[(lvn[t], "~", lvn[s]), "est.std"], abs=5e-3), (s, t)
    assert mobi_fit.converged and not mobi_fit.admissible
    beyond = {p.parameter for p in mobi_fit.problems if p.check == "std_beyond_1"}
    assert "CUSL ~ CUSA" in beyond
    assert any("correlate" in m for _, m in mobi_fit.warning_items)
