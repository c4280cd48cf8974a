"""CB-SEM (csi.cbsem) against an independent scipy ML fit and the population; its comparisons
with R lavaan 0.6.14 are in tests/reference/test_cbsem_lavaan.py, its CLI in tests/cli/test_cbsem_cli.py.

References (tests/reference_lavaan/): ``ecsi_synthetic.R`` is the lavaan script, ``make_data.py``
writes the data it reads, ``output/`` holds what lavaan 0.6.14 (R 4.2.2, Debian r-cran-lavaan)
printed.  ``ecsi_synthetic.csv``: n = 2000 from a known ECSI population (``csi.simulate``);
``ecsi_inadmissible.csv``: n = 250 with CUSA and CUSL correlating 0.99 in the population.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

import csi
from csi.data.survey import from_frame
from csi.errors import DataError, EstimationError, ImproperSolutionWarning
from csi.estimators import cbsem, cbsem_ml
from csi.estimators.cbsem import CBSEM, fit_cbsem
from csi.model.simulate import ECSI_PATHS
from csi.model.spec import load_model
from tests.conftest import REFERENCE, ROOT

LAV = ROOT / "tests" / "reference_lavaan"
OUT = LAV / "output"


# ---------------------------------------------------------------------------------------
# fixtures and reference readers
# ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def spec():
    return load_model("ecsi")


@pytest.fixture(scope="module")
def wide(spec):
    """ECSI on a −10…10 scale: the synthetic items are continuous and centred on 0."""
    return replace(spec, scale_min=-10.0, scale_max=10.0)


@pytest.fixture(scope="module")
def synthetic():
    return pd.read_csv(LAV / "ecsi_synthetic.csv")


@pytest.fixture(scope="module")
def inadmissible_data():
    return pd.read_csv(LAV / "ecsi_inadmissible.csv")


@pytest.fixture(scope="module")
def mobi():
    return pd.read_csv(REFERENCE / "mobi.csv", index_col=0)


@pytest.fixture(scope="module")
def syn(spec, synthetic):
    return CBSEM(spec).fit(synthetic)


@pytest.fixture(scope="module")
def inad(spec, inadmissible_data):
    return CBSEM(spec).fit(inadmissible_data)


@pytest.fixture(scope="module")
def mobi_fit(spec, mobi):
    return CBSEM(spec).fit(mobi)


def lavaan_fit(name: str) -> pd.Series:
    return pd.read_csv(OUT / f"{name}_fit.csv").set_index("measure")["value"]


def lavaan_est(name: str) -> pd.DataFrame:
    """lavaan's parameter table keyed like csi's (lhs, op, rhs); covariances in either order."""
    d = pd.read_csv(OUT / f"{name}_estimates.csv")
    return d.set_index(["lhs", "op", "rhs"])


def lav_row(ref: pd.DataFrame, key: tuple[str, str, str]) -> pd.Series:
    if key in ref.index:
        return ref.loc[key]
    return ref.loc[(key[2], key[1], key[0])]


# ---------------------------------------------------------------------------------------
# the model description
# ---------------------------------------------------------------------------------------
def test_semopy_is_imported_only_by_cbsem():
    users = [p.relative_to(ROOT).as_posix() for p in (ROOT / "csi").rglob("*.py")
             if re.search(r"^\s*(import semopy|from semopy)", p.read_text(encoding="utf-8"), re.M)]
    assert users == ["csi/estimators/cbsem.py"]


# ---------------------------------------------------------------------------------------
# synthetic ECSI data (n = 2000); its comparisons with lavaan: tests/reference/test_cbsem_lavaan.py
# ---------------------------------------------------------------------------------------
def test_synthetic_fit_is_admissible_and_silent(syn):
    assert syn.converged and syn.admissible and syn.warning_items == []
    assert all(syn.thresholds.values())


# ---------------------------------------------------------------------------------------
# an independent ML fit (scipy, LISREL parameterisation) — no semopy, no csi.cbsem
# ---------------------------------------------------------------------------------------
class IndependentML:
    """Minimize F = log|Σ(θ)| + tr(SΣ(θ)⁻¹) − log|S| − p with an analytic gradient."""

    def __init__(self, spec, X: np.ndarray):
        self.codes, self.items = list(spec.codes), list(spec.items)
        self.n, self.p = X.shape
        self.K = len(self.codes)
        Xc = X - X.mean(axis=0)
        self.S = Xc.T @ Xc / self.n
        self.lam = [(self.items.index(i), k) for k, c in enumerate(spec.constructs) for i in c.items[1:]]
        self.marker = [(self.items.index(c.items[0]), k) for k, c in enumerate(spec.constructs)]
        self.theta = [self.items.index(i) for c in spec.constructs if len(c.items) > 1 for i in c.items]
        self.beta = [(self.codes.index(p.target), self.codes.index(p.source)) for p in spec.paths]
        self.q = len(self.lam) + len(self.theta) + len(self.beta) + self.K

    def unpack(self, x):
        L = np.zeros((self.p, self.K))
        for i, k in self.marker:
            L[i, k] = 1.0
        a = len(self.lam)
        for (i, k), v in zip(self.lam, x[:a], strict=True):
            L[i, k] = v
        T = np.zeros((self.p, self.p))
        b = a + len(self.theta)
        T[self.theta, self.theta] = x[a:b]
        B = np.zeros((self.K, self.K))
        c = b + len(self.beta)
        for (t, s), v in zip(self.beta, x[b:c], strict=True):
            B[t, s] = v
        P = np.diag(x[c:])
        return L, T, B, P

    def sigma(self, x):
        L, T, B, P = self.unpack(x)
        C = np.linalg.inv(np.eye(self.K) - B)
        Phi = C @ P @ C.T
        return L @ Phi @ L.T + T, (L, T, B, P, C, Phi)

    def f(self, x):
        Sig, _ = self.sigma(x)
        sign, logdet = np.linalg.slogdet(Sig)
        if sign <= 0:
            return 1e10
        return logdet + np.trace(self.S @ np.linalg.inv(Sig)) - np.linalg.slogdet(self.S)[1] - self.p

    def grad(self, x):
        Sig, (L, T, B, P, C, Phi) = self.sigma(x)
        Si = np.linalg.inv(Sig)
        W = Si - Si @ self.S @ Si  # dF = tr(W dΣ)
        gL = 2 * W @ L @ Phi
        gB = 2 * C.T @ L.T @ W @ L @ Phi
        gP = C.T @ L.T @ W @ L @ C
        return np.concatenate([[gL[i, k] for i, k in self.lam], np.diag(W)[self.theta],
                               [gB[t, s] for t, s in self.beta], np.diag(gP)])

    def fit(self):
        x0 = np.concatenate([np.ones(len(self.lam)), 0.5 * np.diag(self.S)[self.theta], np.full(len(self.beta), 0.1),
                             np.full(self.K, 0.3)])
        r = optimize.minimize(self.f, x0, jac=self.grad, method="BFGS", options={"gtol": 1e-11, "maxiter": 20000})
        self.x = r.x
        return r

    def std_paths(self):
        _, (_, _, B, _, _, Phi) = self.sigma(self.x)
        sd = np.sqrt(np.diag(Phi))
        return {(self.codes[s], self.codes[t]): B[t, s] * sd[s] / sd[t] for t, s in self.beta}


@pytest.fixture(scope="module")
def independent(spec, synthetic):
    m = IndependentML(spec, synthetic[list(spec.items)].to_numpy(dtype=float))
    r = m.fit()
    # BFGS ends on "precision loss" at |∇F| ~ 1e-8 (F ~ 0.13): the optimum to ~1e-9 in χ²/N
    assert r.success or np.max(np.abs(m.grad(m.x))) < 1e-6, r.message
    return m


def test_independent_ml_standardized_paths(syn, independent):
    ind = independent.std_paths()
    for key, v in syn.std_paths.items():
        assert v == pytest.approx(ind[key], abs=1e-5), key


def test_independent_ml_fit_measures(syn, independent):
    """χ², CFI, TLI, RMSEA, logL, AIC, BIC written out here from the scipy optimum."""
    m = independent
    n, p, q = m.n, m.p, m.q
    F = m.f(m.x)
    chi2 = n * F
    df = p * (p + 1) // 2 - q
    chi2_b = n * (np.sum(np.log(np.diag(m.S))) - np.linalg.slogdet(m.S)[1])
    df_b = p * (p - 1) // 2
    Sig, _ = m.sigma(m.x)
    logl = -n / 2 * (p * np.log(2 * np.pi) + np.linalg.slogdet(Sig)[1] + np.trace(m.S @ np.linalg.inv(Sig)))
    want = {
        "chi2": chi2, "df": df, "p_value": stats.chi2.sf(chi2, df),
        "cfi": 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_b - df_b),
        "tli": (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1),
        "rmsea": np.sqrt(max(chi2 - df, 0) / (df * n)),
        "loglik": logl, "aic": -2 * logl + 2 * q, "bic": -2 * logl + q * np.log(n),
    }
    for k, v in want.items():
        assert syn.fit[k] == pytest.approx(v, rel=1e-7, abs=1e-9), k


# ---------------------------------------------------------------------------------------
# the known population
# ---------------------------------------------------------------------------------------
def test_standardized_paths_near_population(syn, spec):
    """Sampling error only: |estimate − population| < 4 lavaan standard errors (of std.all)."""
    ref = lavaan_est("synthetic_ml")
    lvn = cbsem.latent_names(spec)
    for (s, t), v in syn.std_paths.items():
        se = ref.loc[(lvn[t], "~", lvn[s]), "std.se"]
        assert abs(v - ECSI_PATHS[(s, t)]) < 4 * se, (s, t, v, ECSI_PATHS[(s, t)], se)


def test_loadings_and_r2_near_population(syn, spec):
    """Loadings are 0.8 (CUSCO 1): within 4 lavaan SEs.  R² from the population paths, computed here;
    tolerance 0.09 = 4 × 0.022, the largest delta-method SE of these R² at n = 2000 (CUSL's sample R²
    is 2.9 SE below its population value with this seed)."""
    ref = lavaan_est("synthetic_ml")
    lvn = cbsem.latent_names(spec)
    for (code, item), r in syn.loadings.iterrows():
        se = ref.loc[(lvn[code], "=~", item), "std.se"]
        true = 1.0 if item == "CUSCO" else 0.8
        assert abs(r["std_estimate"] - true) < max(4 * se, 1e-9), (code, item)
    codes = list(spec.codes)
    B = np.zeros((len(codes), len(codes)))
    for (s, t), v in ECSI_PATHS.items():
        B[codes.index(t), codes.index(s)] = v
    R = np.eye(len(codes))  # population correlations of the unit-variance constructs, in topological order
    for j in range(len(codes)):
        for i in range(j):
            R[i, j] = R[j, i] = B[j, :j] @ R[:j, i]
    for code, v in syn.r2.items():
        j = codes.index(code)
        assert v == pytest.approx(B[j, :j] @ R[:j, :j] @ B[j, :j], abs=0.09), code


# ---------------------------------------------------------------------------------------
# inadmissible solutions
# ---------------------------------------------------------------------------------------
def test_inadmissible_warnings_name_parameter_value_and_advice(inad):
    msgs = dict((p.check, p.message) for p in inad.problems)
    psi = inad.estimates.loc[("CUSL", "~~", "CUSL"), "estimate"]
    assert f"disturbance variance of CUSL is negative ({psi:.4g})" in msgs["heywood"]
    assert f"CUSA → CUSL is {inad.std_paths[('CUSA', 'CUSL')]:.4f}" in msgs["std_beyond_1"]
    assert f"R² of CUSL: {inad.r2['CUSL']:.4f}" in msgs["implausible_r2"]
    warned = [(cat, m) for cat, m in inad.warning_items if m in msgs.values()]
    assert len(warned) == len(msgs) == 4  # every admissibility problem reaches the warnings
    for cat, m in warned:
        assert cat is ImproperSolutionWarning and "PLS is the usual estimator for index models" in m


# ---------------------------------------------------------------------------------------
# the API and the outputs (the CLI: tests/cli/test_cbsem_cli.py)
# ---------------------------------------------------------------------------------------
def test_results_json_fit_block_and_settings(tmp_path, wide, synthetic):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(synthetic, wide, method="cbsem", boot=0, tiers=())
    from csi.results.contract import to_dict

    d = to_dict(res)
    for key in ("chi2", "df", "p_value", "cfi", "tli", "rmsea", "rmsea_ci", "srmr", "loglik", "aic", "bic", "n_obs", "estimator"):
        assert key in d["fit"], key
    assert d["fit"]["chi2"] == pytest.approx(lavaan_fit("synthetic_ml")["chisq"], abs=1e-5)
    std = {(p["from"], p["to"]): p["std_estimate"] for p in d["paths"]}
    assert std == pytest.approx(res.cbsem.std_paths, abs=0)
    ref, lvn = lavaan_est("synthetic_ml"), cbsem.latent_names(wide)
    for (s, t), v in std.items():  # the JSON carries lavaan's std.all
        assert v == pytest.approx(ref.loc[(lvn[t], "~", lvn[s]), "est.std"], abs=2e-6), (s, t)
    cb = d["settings"]["cbsem"]
    assert "PLS fit" in cb["indices"] and "no pairwise deletion" in cb["missing"] and cb["estimator"] == "ML"
    assert d["cbsem"]["indices"] == cb["indices"]
    json.dumps(d, allow_nan=False)


def test_api_warns_with_the_right_category(wide, inadmissible_data):
    with pytest.warns(ImproperSolutionWarning, match="Heywood case"):
        csi.fit(inadmissible_data, wide, method="cbsem", boot=0, tiers=())


def test_estimator_names_are_case_insensitive(spec, synthetic, syn):
    assert CBSEM(spec, "ml").fit(synthetic).fit["chi2"] == pytest.approx(syn.fit["chi2"], abs=1e-9)


# ---------------------------------------------------------------------------------------
# data problems and missing data
# ---------------------------------------------------------------------------------------
def test_constant_item_names_the_item(spec, synthetic):
    bad = synthetic.copy()
    bad["PERV2"] = 3.0
    with pytest.raises(EstimationError, match=r"item\(s\) PERV2 have the same answer from every respondent"):
        CBSEM(spec).fit(bad, source="s.csv")


def test_collinear_items_are_named(spec, synthetic):
    bad = synthetic.copy()
    bad["CUSA3"] = bad["CUSA1"] + bad["CUSA2"]
    with pytest.raises(EstimationError, match="singular") as e:
        CBSEM(spec).fit(bad, source="s.csv")
    assert all(i in str(e.value) for i in ("CUSA1", "CUSA2", "CUSA3"))


def test_too_few_respondents(spec, synthetic):
    with pytest.raises(EstimationError, match="found 20 respondents for 24 items"):
        CBSEM(spec).fit(synthetic.iloc[:20], source="s.csv")


def test_missing_values_are_never_passed_to_semopy(spec, synthetic):
    holes = synthetic.copy()
    holes.loc[3, "PERQ2"] = np.nan
    with pytest.raises(DataError, match=r"missing values remain in PERQ2 \(1\)"):
        CBSEM(spec).fit(holes, source="s.csv")


def test_casewise_policy_is_followed_and_reported(wide, synthetic):
    holes = synthetic.iloc[:600].copy()
    holes.loc[[3, 10, 11], "PERQ2"] = np.nan
    holes.loc[50, "CUSL1"] = np.nan
    survey = from_frame(holes, wide, missing="casewise")
    res = fit_cbsem(wide, survey)
    complete = CBSEM(wide).fit(holes.dropna())
    assert res.n_obs == 596
    assert res.fit["chi2"] == pytest.approx(complete.fit["chi2"], rel=1e-12)
    assert "casewise" in res.settings["missing"] and "596 of 600" in res.settings["missing"]


def test_survey_weights_all_equal_give_the_unweighted_fit(spec, synthetic, syn):
    res = CBSEM(spec).fit(synthetic, weights=np.full(len(synthetic), 2.5))
    assert res.fit["chi2"] == pytest.approx(syn.fit["chi2"], rel=1e-7)
    assert any("survey weights" in m for _, m in res.warning_items)


def test_rescaling_items_leaves_standardized_solution_unchanged(spec, synthetic, syn):
    """ML is scale invariant: a·x + b per item changes neither χ² nor standardized estimates."""
    rng = np.random.default_rng(3)
    scaled = synthetic * rng.uniform(0.3, 4.0, synthetic.shape[1]) + rng.uniform(-5, 5, synthetic.shape[1])
    res = CBSEM(spec).fit(scaled)
    assert res.fit["chi2"] == pytest.approx(syn.fit["chi2"], abs=1e-5)
    for k, v in syn.std_paths.items():
        assert res.std_paths[k] == pytest.approx(v, abs=1e-5), k


def test_semopy_logging_does_not_leak(spec, synthetic):
    root = logging.getLogger()
    before = list(root.handlers)
    CBSEM(spec).fit(synthetic.iloc[:300])
    assert root.handlers == before


# ---------------------------------------------------------------------------------------
# bootstrap of the standardized paths
# ---------------------------------------------------------------------------------------
def test_bootstrap_is_reproducible_for_any_workers_and_chunks(spec, synthetic):
    est = CBSEM(spec)
    data = synthetic.iloc[:500]
    res = est.fit(data)
    X = data[list(spec.items)].to_numpy(dtype=float)
    _, s1, d1 = cbsem.bootstrap_paths(est, res, X, 12, seed=7, workers=1, chunk=5)
    _, s2, d2 = cbsem.bootstrap_paths(est, res, X, 12, seed=7, workers=2, chunk=3)
    assert s1["resamples_used"] == s2["resamples_used"] == 12
    np.testing.assert_array_equal(d1.to_numpy(), d2.to_numpy())
    _, _, d3 = cbsem.bootstrap_paths(est, res, X, 12, seed=8, workers=1)
    assert not np.allclose(d1.to_numpy(), d3.to_numpy())


def test_bootstrap_draws_are_refits_of_the_resampled_rows(spec, synthetic):
    """Resample 3's draw equals a direct fit of the rows its seed picks."""
    est = CBSEM(spec)
    data = synthetic.iloc[:400].reset_index(drop=True)
    res = est.fit(data)
    X = data[list(spec.items)].to_numpy(dtype=float)
    _, _, draws = cbsem.bootstrap_paths(est, res, X, 4, seed=11, workers=1)
    rows = cbsem._resample_rows(11, 3, len(data))
    direct = CBSEM(spec).fit(data.iloc[rows].reset_index(drop=True)).std_paths
    for k in res.std_paths:
        assert draws.loc[3, k] == pytest.approx(direct[k], abs=1e-9), k


def test_bootstrap_se_close_to_delta_method(spec, synthetic):
    """B = 80 on 1000 rows: an SD's Monte-Carlo relative error is ~1/√(2B) = 8%; tolerance 30%."""
    data = synthetic.iloc[:1000]
    survey = from_frame(data, replace(spec, scale_min=-10.0, scale_max=10.0))
    full = CBSEM(spec).fit(data)
    res = fit_cbsem(spec, survey, boot=80, seed=3)
    bs = res.bootstrap_settings
    assert bs["resamples_used"] + bs["resamples_failed"] == 80 and bs["seed"] == 3
    t = res.bootstrap
    for k, r in t.iterrows():
        assert r["boot_se"] == pytest.approx(full.paths.loc[k, "std_se"], rel=0.3), k
        assert r["ci_lo"] < full.std_paths[k] < r["ci_hi"], k
    assert list(res.paths.columns)[-2:] == ["ci_lo", "ci_hi"]
    assert res.to_json()["paths"][0]["ci"] == [t.iloc[0]["ci_lo"], t.iloc[0]["ci_hi"]]


def test_bootstrap_counts_failed_resamples(spec, synthetic):
    """An item that is constant except in one row: every resample without that row fails."""
    data = synthetic.iloc[:60].reset_index(drop=True).copy()
    data["PERV2"] = data["PERV1"] + 0.5 * np.where(np.arange(60) == 7, 1.0, 0.0) + 0.3 * data["PERV2"]
    data["CUSCO"] = np.where(np.arange(60) == 7, 1.0, 0.0)
    est = CBSEM(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = est.fit(data)
    X = data[list(spec.items)].to_numpy(dtype=float)
    _, s, draws = cbsem.bootstrap_paths(est, res, X, 20, seed=5, workers=1)
    lacking = {b for b in range(20) if 7 not in set(cbsem._resample_rows(5, b, 60))}
    assert lacking and lacking.isdisjoint(draws.index)
    assert s["resamples_failed"] == 20 - len(draws) >= len(lacking)


def test_non_convergence_is_a_named_convergence_warning(spec, synthetic, monkeypatch):
    from csi.errors import ConvergenceWarning

    monkeypatch.setattr(cbsem, "SOLVER_OPTIONS", {"ftol": 1e-14, "maxiter": 3})
    monkeypatch.setattr(cbsem, "fit_two_stage", lambda prob, S, start: cbsem_ml.MLFit(start, np.inf, False, 3, "Iteration limit reached"))
    res = CBSEM(spec).fit(synthetic.iloc[:500])
    assert not res.converged and not res.admissible
    (p,) = [p for p in res.problems if p.check == "non_convergence"]
    assert p.category is ConvergenceWarning and "without converging (Iteration limit reached)" in p.message
    assert PLS_ADVICE_TEXT in p.message


PLS_ADVICE_TEXT = "PLS is the usual estimator for index models"


def test_rmsea_interval_of_a_diverged_fit_is_missing_not_a_crash():
    # GLS on mobi diverges to chi2 ~ 2e30, where scipy's noncentral chi2 CDF is NaN (brentq raised)
    from csi.estimators.cbsem import rmsea_ci

    assert all(np.isnan(rmsea_ci(2e30, 10, 250)))
    lo, hi = rmsea_ci(25.0, 10, 250)
    assert 0 < lo < hi < 1


@pytest.mark.parametrize("estimator", ["ULS", "DWLS"])
def test_no_chi2_p_value_where_the_statistic_is_not_chi2(spec, synthetic, estimator):
    """ULS/DWLS: N'·F is not χ²-distributed; lavaan gives ULS p = NA, csi reports none and says why."""
    res = CBSEM(spec, estimator).fit(synthetic)
    assert res.fit["p_value"] is None
    assert res.fit["chi2"] > 0 and "not χ²-distributed" in res.fit["chi2_test"]
    assert "p = n/a" in res.summary()
    if estimator == "ULS":
        assert np.isnan(lavaan_fit("synthetic_uls")["pvalue"])


def test_ml_and_gls_keep_the_chi2_p_value(syn, spec, synthetic):
    gls = CBSEM(spec, "GLS").fit(synthetic)
    for res, name in ((syn, "synthetic_ml"), (gls, "synthetic_gls")):
        assert res.fit["p_value"] == pytest.approx(lavaan_fit(name)["pvalue"], abs=1e-8)
        assert res.fit["p_value"] == pytest.approx(stats.chi2.sf(res.fit["chi2"], res.fit["df"]), abs=1e-14)
        assert "χ²(df)" in res.fit["chi2_test"]


def test_own_ml_gradient_information_and_optimum_match_semopy(spec, synthetic):
    """csi's ML: analytic ∂F/∂θ and ∂Σ/∂θ vs central differences, its inverse information vs
    semopy's calc_fim, and Fisher scoring from a perturbed start back to semopy's SLSQP optimum."""
    est = CBSEM(spec)
    data = synthetic.iloc[:400]
    X = data[list(spec.items)].to_numpy(dtype=float)
    raw = cbsem._fit_semopy(est.description, est.names, X, "MLW")
    prob = cbsem.MLProblem.of(raw)
    theta = np.array([p.value for p in raw.params if p.free])
    start = theta * 1.05
    lds = float(np.linalg.slogdet(raw.S)[1])
    F, at = prob.objective(start, raw.S, lds)
    assert F == pytest.approx(cbsem.discrepancy("ML", raw.S, at.Sigma), abs=1e-12)
    g = prob.gradient(at, raw.S)
    h = 1e-6
    num = np.array([(prob.objective(start + h * e, raw.S, lds)[0] - prob.objective(start - h * e, raw.S, lds)[0]) / (2 * h)
                    for e in np.eye(prob.q)])
    np.testing.assert_allclose(g, num, atol=1e-6)
    D = prob.delta(at)
    np.testing.assert_allclose(D, cbsem._dsigma(raw, start), atol=1e-8)
    Si = np.linalg.inv(at.Sigma)
    A = Si @ D  # H_ij = tr(Σ⁻¹∂Σ_iΣ⁻¹∂Σ_j), written out
    np.testing.assert_allclose(prob.information(at), np.einsum("iab,jba->ij", A, A), rtol=1e-10, atol=1e-12)
    vcov, singular = prob.vcov(theta, raw.S, raw.n)
    assert not singular
    np.testing.assert_allclose(vcov, raw.vcov, rtol=1e-6, atol=1e-12)
    fitted, _, converged, _, _ = prob.fit(raw.S, start)
    assert converged
    np.testing.assert_allclose(fitted, theta, atol=1e-6)


@pytest.mark.parametrize("name", ["synthetic", "inadmissible", "mobi"])
def test_own_ml_reaches_semopys_optimum_from_its_own_starts(spec, synthetic, inadmissible_data, mobi, name):
    """The full-sample ML fit (csi's starting values, bounded then unbounded Fisher scoring) ends where
    semopy's two-stage SLSQP ends: F equal to 1e-12, estimates to 1e-6 (mobi: 5e-6, its flat likelihood)."""
    data = {"synthetic": synthetic, "inadmissible": inadmissible_data, "mobi": mobi}[name]
    est = CBSEM(spec)
    res = est.fit(data)
    assert est._raw.optimizer == cbsem.OWN_ML and "Fisher scoring" in res.settings["optimizer"]
    X = data[list(spec.items)].to_numpy(dtype=float)
    ref = cbsem._fit_semopy(est.description, est.names, X, "MLW")
    lds = float(np.linalg.slogdet(ref.S)[1])
    ours = np.array([p.value for p in est._raw.params if p.free])
    theirs = np.array([p.value for p in ref.params if p.free])
    F_ours, F_theirs = est._prob.objective(ours, ref.S, lds)[0], est._prob.objective(theirs, ref.S, lds)[0]
    assert F_ours <= F_theirs + 1e-12
    np.testing.assert_allclose(ours, theirs, atol=5e-6 if name == "mobi" else 1e-6)
    assert res.converged and res.iterations < 200


def test_ml_bootstrap_warm_starts_only_from_an_admissible_ml_fit(spec, synthetic, inadmissible_data):
    est = CBSEM(spec)
    data = synthetic.iloc[:400]
    res = est.fit(data)
    X = data[list(spec.items)].to_numpy(dtype=float)
    ml = cbsem._ml_refit(est, res, X)
    assert ml is not None and ml[1] is not None
    assert "warm-started" in cbsem.bootstrap_paths(est, res, X, 2, seed=1, workers=1)[1]["refit"]
    assert cbsem._ml_refit(est, res, X[:300]) is None  # not the data of the fit
    bad = CBSEM(spec)
    res_bad = bad.fit(inadmissible_data)
    Xb = inadmissible_data[list(spec.items)].to_numpy(dtype=float)
    assert not res_bad.admissible
    ml_bad = cbsem._ml_refit(bad, res_bad, Xb)
    assert ml_bad is not None and ml_bad[1] is None  # csi's own starting values, as a fresh fit
    assert "starting values" in cbsem.bootstrap_paths(bad, res_bad, Xb, 2, seed=1, workers=1)[1]["refit"]
    uls = CBSEM(spec, "ULS")
    assert cbsem._ml_refit(uls, uls.fit(data), X) is None


def test_inadmissible_bootstrap_draws_are_fresh_fits(spec, inadmissible_data):
    """From an inadmissible full-sample fit every resample runs the full-sample procedure: draw b is a fresh fit of
    its rows (to 1e-7: the data frame's column layout changes the rounding of S, and this nearly flat likelihood
    turns that 1e-16 into ~1e-8 in the optimum)."""
    est = CBSEM(spec)
    res = est.fit(inadmissible_data)
    X = inadmissible_data[list(spec.items)].to_numpy(dtype=float)
    _, _, draws = cbsem.bootstrap_paths(est, res, X, 3, seed=5, workers=1)
    rows = cbsem._resample_rows(5, 2, len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = CBSEM(spec).fit(inadmissible_data.iloc[rows].reset_index(drop=True)).std_paths
    for k in res.std_paths:
        assert draws.loc[2, k] == pytest.approx(direct[k], abs=1e-7), k


@pytest.mark.parametrize("which", ["synthetic", "mobi"])
def test_own_ml_exact_hessian_equals_differences_of_the_gradient(spec, synthetic, mobi, which):
    """The analytic observed information (Newton steps) against central differences of the analytic
    gradient, at the optimum and at a perturbed point, on a well-fitting and a misfitting survey."""
    data = synthetic if which == "synthetic" else mobi
    est = CBSEM(spec)
    X = data[list(spec.items)].to_numpy(dtype=float)
    raw = cbsem._fit_semopy(est.description, est.names, X, "MLW")
    prob = cbsem.MLProblem.of(raw)
    theta = np.array([p.value for p in raw.params if p.free])
    lds = float(np.linalg.slogdet(raw.S)[1])
    rng = np.random.default_rng(0)
    for point in (theta, theta * (1 + 0.05 * rng.standard_normal(theta.size))):
        _, at = prob.objective(point, raw.S, lds)
        H = prob.exact_hessian(at, raw.S)
        num = np.empty_like(H)
        for j in range(prob.q):
            step = np.zeros(prob.q)
            step[j] = 1e-6 * max(1.0, abs(point[j]))
            up = prob.gradient(prob.objective(point + step, raw.S, lds)[1], raw.S)
            down = prob.gradient(prob.objective(point - step, raw.S, lds)[1], raw.S)
            num[:, j] = (up - down) / (2 * step[j])
        np.testing.assert_allclose(H, H.T, atol=1e-10 * np.abs(H).max())
        np.testing.assert_allclose(H, (num + num.T) / 2, atol=1e-8 * np.abs(num).max())
