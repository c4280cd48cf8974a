"""Bootstrap inference (csi.bootstrap): references, independent recomputation, BCa, failures.

Independent checks, one quantity per test:

* every draw equals a plain one-at-a-time refit (``PLS.fit`` on the resampled rows, then
  ``csi.quality.htmt`` and ``csi.indices.compute``) to 1e-10 — standardized, survey-weighted
  and plspm-style unstandardized fits;
* SEMinR 2.3.1 bootstrap figures on ECSI/mobi and R plspm 0.4 bootstrap summaries on
  ``satisfaction`` within Monte Carlo error (tolerances derived below);
* BCa against ``scipy.stats.bootstrap(method="BCa")`` on identical draws to 1e-12, BCa against
  a brute-force jackknife of plain refits, BCa = percentile on an exactly symmetric case;
* degenerate data: the failed-resample count equals the number of resamples that (by their
  row indices) miss every non-constant row.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csi
from csi.derive.indices import compute as compute_indices
from csi.derive.quality import htmt
from csi.errors import CsiError
from csi.estimators.pls import PLS
from csi.inference.bootstrap import KINDS, STAT_COLUMNS, _make_context, _statistics, bootstrap_fit
from csi.stats.intervals import bca_interval, percentile_interval
from csi.stats.resample import RNG_BLOCK, resample_indices
from tests.conftest import REFERENCE, ROOT


def _fit(data: pd.DataFrame, model="ecsi", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(data, model, tiers=(), **kw)


@pytest.fixture(scope="module")
def ecsi(mobi):
    return _fit(mobi)


@pytest.fixture(scope="module")
def ecsi_boot(ecsi):
    return bootstrap_fit(ecsi.pls, ecsi.survey, 5000, seed=20240601)


# -- structure -------------------------------------------------------------------------
def test_stats_tables_have_contract_columns_and_indexes(ecsi, ecsi_boot):
    res = ecsi.pls
    for kind in KINDS:
        assert list(ecsi_boot.stats(kind).columns) == list(STAT_COLUMNS), kind
        assert list(ecsi_boot.draws(kind).columns) == list(ecsi_boot.stats(kind).index), kind
    assert ecsi_boot.stats("paths").index.equals(res.paths.index)
    assert ecsi_boot.stats("weights").index.equals(res.weights.index)
    assert ecsi_boot.stats("loadings").index.equals(res.loadings.index)
    assert list(ecsi_boot.stats("r2").index) == list(res.spec.endogenous)
    assert list(ecsi_boot.stats("index").index) == list(res.spec.codes)
    assert ecsi_boot.stats("htmt").index.names == ["a", "b"]
    assert ecsi_boot.stats("total_effects").index.names == ["from", "to"]
    assert ecsi_boot.draws("paths").shape == (5000, 12)


def test_settings_record_counts_seed_and_rules(ecsi_boot):
    s = ecsi_boot.settings
    assert (s["resamples"], s["resamples_used"], s["resamples_failed"], s["seed"]) == (5000, 5000, 0, 20240601)
    assert s["ci"] == "percentile" and s["level"] == 0.95
    for key in ("sign_correction", "chunk_size", "workers", "rng"):
        assert s[key], key


def test_unknown_kind_is_a_clear_error(ecsi_boot):
    with pytest.raises(CsiError, match="kind should be one of paths"):
        ecsi_boot.stats("pathz")


def test_total_effect_pairs_are_the_reachable_pairs(ecsi, ecsi_boot):
    eff = ecsi.pls.effects
    reach = eff[eff.total.abs() > 0]
    assert set(ecsi_boot.stats("total_effects").index) == set(zip(reach["from"], reach["to"], strict=True))
    # indirect effects: only pairs joined by a route of two or more paths
    ind = set(ecsi_boot.stats("indirect_effects").index)
    assert ("IMAG", "PERQ") in ind and ("CUSA", "CUSCO") not in ind and ("CUSA", "CUSL") in ind


# -- the full-sample column is what csi reports elsewhere ------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_estimate_column_is_the_reported_value(ecsi, ecsi_boot, kind):
    res, q, idx = ecsi.pls, ecsi.quality, ecsi.indices
    st = ecsi_boot.stats(kind)["estimate"]
    tot = res.total_effects
    ref = {
        "paths": lambda: res.paths,
        "weights": lambda: res.weights,
        "loadings": lambda: res.loadings,
        "r2": lambda: res.r2[list(st.index)],
        "total_effects": lambda: pd.Series([tot.loc[a, b] for a, b in st.index], index=st.index),
        "indirect_effects": lambda: pd.Series([tot.loc[a, b] - res.path_matrix.loc[a, b] for a, b in st.index], index=st.index),
        "htmt": lambda: pd.Series([q.htmt.loc[a, b] for a, b in st.index], index=st.index),
        "index": lambda: idx.index,
    }[kind]()
    np.testing.assert_allclose(st.to_numpy(), ref.reindex(st.index).to_numpy(), rtol=0, atol=1e-12)


def test_t_is_estimate_over_se_and_p_two_sided(ecsi_boot):
    st = ecsi_boot.stats("paths")
    d = ecsi_boot.draws("paths")
    np.testing.assert_allclose(st["std_error"], d.std(ddof=1), rtol=1e-12)
    np.testing.assert_allclose(st["t"], st["estimate"] / st["std_error"], rtol=1e-12)
    np.testing.assert_allclose(st["p_value"], 2 * stats.t.sf(np.abs(st["t"]), df=249), rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(st["ci_lo"], d.quantile(0.025), rtol=0, atol=1e-14)
    np.testing.assert_allclose(st["ci_hi"], d.quantile(0.975), rtol=0, atol=1e-14)


def test_constant_statistic_has_zero_se_and_no_t(ecsi_boot):
    """The standardized weight of the single-item CUSCO is 1 in every resample."""
    row = ecsi_boot.stats("weights").loc[("CUSCO", "CUSCO")]
    assert row.std_error == 0 and np.isnan(row.t) and np.isnan(row.p_value)
    assert row.ci_lo == pytest.approx(1, abs=1e-12) and row.ci_hi == pytest.approx(1, abs=1e-12)


# -- every draw equals a plain refit on the resampled rows -----------------------------
def _plain_statistics(spec, items: pd.DataFrame, weights, standardize, scheme, criterion, tol, max_iter):
    """Statistics of one resample computed the slow, obvious way."""
    r = PLS(spec, scheme=scheme, standardize=standardize, tol=tol, max_iter=max_iter, criterion=criterion).fit(items, weights=weights)
    tot = r.total_effects
    blocks = {c.code: list(c.items) for c in spec.constructs}
    ht = htmt(r.item_corr, blocks)
    idx = compute_indices(r, items)
    return r, tot, ht, idx


def _check_draws_equal_refits(fit, indices, atol=1e-10):
    res, survey = fit.pls, fit.survey
    b = bootstrap_fit(res, survey, indices=indices)
    assert b.settings["resamples_used"] == len(indices)
    items = survey.items[list(res.spec.items)]
    for k, rows in enumerate(indices):
        w = None if survey.weights is None else survey.weights[rows]
        r, tot, ht, idx = _plain_statistics(res.spec, items.iloc[rows], w, res.standardized, res.scheme, res.criterion, res.tol, res.max_iter)
        expect = {
            "paths": r.paths.to_numpy(),
            "weights": r.weights.to_numpy(),
            "loadings": r.loadings.to_numpy(),
            "r2": r.r2[list(b.stats("r2").index)].to_numpy(),
            "total_effects": np.array([tot.loc[a, c] for a, c in b.stats("total_effects").index]),
            "indirect_effects": np.array([tot.loc[a, c] - r.path_matrix.loc[a, c] for a, c in b.stats("indirect_effects").index]),
            "htmt": np.array([ht.loc[a, c] for a, c in b.stats("htmt").index]),
            "index": idx.index[list(b.stats("index").index)].to_numpy(),
        }
        for kind in KINDS:
            np.testing.assert_allclose(b.draws(kind).iloc[k].to_numpy(), expect[kind], rtol=0, atol=atol, err_msg=f"{kind}, resample {k}")


def test_draws_equal_plain_refits_standardized(ecsi):
    idx = np.random.default_rng(7).integers(0, ecsi.n_obs, size=(12, ecsi.n_obs))
    _check_draws_equal_refits(ecsi, idx)


def test_draws_equal_plain_refits_with_survey_weights(mobi):
    data = mobi.copy()
    data["wt"] = np.random.default_rng(3).uniform(0.3, 3.0, len(data))
    fit = _fit(data, weights="wt")
    assert fit.survey.weights is not None
    idx = np.random.default_rng(8).integers(0, fit.n_obs, size=(8, fit.n_obs))
    _check_draws_equal_refits(fit, idx)


def test_draws_equal_plain_refits_plspm_unstandardized(satisfaction, satisfaction_spec):
    fit = _fit(satisfaction, satisfaction_spec, standardize=False, scheme="centroid", criterion="plspm", tol=1e-6, max_iter=100, scale=(0, 10))
    idx = np.random.default_rng(9).integers(0, fit.n_obs, size=(8, fit.n_obs))
    _check_draws_equal_refits(fit, idx)


def _rows(seed: int, resamples: int, n: int = 250) -> np.ndarray:
    """The documented draws: resample b comes from SeedSequence(seed, spawn_key=(b // RNG_BLOCK,))."""
    blocks = [np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(k,)))).integers(0, n, size=(RNG_BLOCK, n))
              for k in range(-(-resamples // RNG_BLOCK))]
    return np.vstack(blocks)[:resamples]


def test_seeded_draws_use_the_documented_streams(ecsi):
    b = bootstrap_fit(ecsi.pls, ecsi.survey, RNG_BLOCK + 60, seed=11)
    rows = _rows(11, RNG_BLOCK + 60)[RNG_BLOCK + 50]
    np.testing.assert_array_equal(rows, resample_indices(11, 1, 250)[50])
    r, *_ = _plain_statistics(ecsi.spec, ecsi.survey.items.iloc[rows], None, True, "path", "abs", 1e-7, 300)
    np.testing.assert_allclose(b.draws("paths").loc[RNG_BLOCK + 50].to_numpy(), r.paths.to_numpy(), rtol=0, atol=1e-10)


def test_large_sample_memory_bounded_path_equals_plain_refits(mobi):
    """n = 40,000 > Q_MAX_ROWS: counts built 100 resamples at a time and cross-products computed
    in slices; the draws are still the documented ones and equal plain refits."""
    from csi.inference import bootstrap as bs

    rng = np.random.default_rng(12)
    big = mobi.iloc[rng.integers(0, len(mobi), 40_000)].reset_index(drop=True)
    fit = _fit(big, boot=0)
    assert fit.n_obs > bs.Q_MAX_ROWS and bs.COUNTS_BUDGET // fit.n_obs < RNG_BLOCK
    b = bootstrap_fit(fit.pls, fit.survey, 3, seed=4)
    items = fit.survey.items[list(fit.spec.items)]
    for k, rows in enumerate(_rows(4, 3, fit.n_obs)):
        r, *_ = _plain_statistics(fit.spec, items.iloc[rows], None, True, "path", "abs", 1e-7, 300)
        np.testing.assert_allclose(b.draws("paths").iloc[k].to_numpy(), r.paths.to_numpy(), rtol=0, atol=1e-10)


# -- references ------------------------------------------------------------------------
# SEMinR 2.3.1 (R), 2,000 resamples, percentile 95 %, figures rounded to 3 decimals.  Both
# bootstraps carry Monte Carlo error; tolerances are 4σ of the difference, with the moments of
# the draws taken from csi's own draws (the left tail of CUSA -> CUSL is long, so normal theory
# would understate the error), plus half a unit of the reference's last digit:
# * SD of B draws: var(s) ≈ s²(κ − 1)/(4B), κ the kurtosis of the draws;
# * q-quantile of B draws: var ≈ q(1 − q)/(B f²), f the density at the quantile, estimated by
#   0.02 / (Q(q + 0.01) − Q(q − 0.01)).
SEMINR_BOOT = {("IMAG", "CUEX"): (0.057, 0.405, 0.621), ("CUSA", "CUSL"): (0.082, 0.317, 0.638)}
B_SEMINR = 2000


def _sd_tol(x: np.ndarray) -> float:
    c = x - x.mean()
    kappa = np.mean(c**4) / np.mean(c**2) ** 2
    return 4 * x.std(ddof=1) * np.sqrt((kappa - 1) / 4 * (1 / B_SEMINR + 1 / len(x))) + 0.0005


def _q_tol(x: np.ndarray, q: float) -> float:
    f = 0.02 / (np.quantile(x, q + 0.01) - np.quantile(x, q - 0.01))
    return 4 * np.sqrt(q * (1 - q) * (1 / B_SEMINR + 1 / len(x))) / f + 0.0005


@pytest.mark.parametrize("path", list(SEMINR_BOOT))
def test_se_matches_seminr(ecsi_boot, path):
    x = ecsi_boot.draws("paths")[path].to_numpy()
    se = ecsi_boot.stats("paths").loc[path, "std_error"]
    tol = _sd_tol(x)
    assert tol < 0.1 * se  # a meaningful check: within 10 % of the SE
    assert abs(se - SEMINR_BOOT[path][0]) < tol, (se, tol)


@pytest.mark.parametrize("path", list(SEMINR_BOOT))
def test_percentile_interval_matches_seminr(ecsi_boot, path):
    x = ecsi_boot.draws("paths")[path].to_numpy()
    row = ecsi_boot.stats("paths").loc[path]
    _, lo, hi = SEMINR_BOOT[path]
    tlo, thi = _q_tol(x, 0.025), _q_tol(x, 0.975)
    assert max(tlo, thi) < 0.1 * (hi - lo)  # a meaningful check: a tenth of the interval's width
    assert abs(row.ci_lo - lo) < tlo, (row.ci_lo, lo, tlo)
    assert abs(row.ci_hi - hi) < thi, (row.ci_hi, hi, thi)


SEMINR_PY = ROOT / "bench" / ".cache" / "seminr-venv" / "bin" / "python"


@pytest.mark.skipif(not SEMINR_PY.exists(), reason="the seminr venv is made by `make bench` (bench/bench_bootstrap.py)")
def test_draws_equal_seminr_python_on_identical_resamples(ecsi, tmp_path):
    """Draw by draw against the seminr package (Python port of SEMinR, 1e-5 to R seminr)."""
    from bench.bench_bootstrap import run_seminr_indices

    idx = _rows(5, 200)
    ref = run_seminr_indices(idx, tmp_path)
    b = bootstrap_fit(ecsi.pls, ecsi.survey, indices=idx)
    for (s, t) in ecsi.pls.paths.index:
        np.testing.assert_allclose(b.draws("paths")[(s, t)].to_numpy(), ref["paths"][(s, t)], rtol=0, atol=1e-10)
    for (c, i) in ecsi.pls.weights.index:
        np.testing.assert_allclose(b.draws("weights")[(c, i)].to_numpy(), ref["weights"][(c, i)], rtol=0, atol=1e-10)


@pytest.fixture(scope="module")
def plspm_boot(satisfaction, satisfaction_spec):
    fit = _fit(satisfaction, satisfaction_spec, standardize=False, scheme="centroid", criterion="plspm",
               tol=1e-6, max_iter=100, scale=(0, 10))
    return bootstrap_fit(fit.pls, fit.survey, 5000, seed=5)


PLSPM_FILES = {"paths": "paths", "weights": "weights", "loadings": "loadings", "r2": "rsquared", "total_effects": "total_effects"}


def _plspm_pair(plspm_boot, kind):
    ref = pd.read_csv(REFERENCE / f"satisfaction_boot_{PLSPM_FILES[kind]}.csv", index_col=0)
    st = plspm_boot.stats(kind).copy()
    if kind in ("weights", "loadings"):
        st.index = st.index.get_level_values("item")
    elif kind in ("paths", "total_effects"):
        st.index = pd.Index([f"{a} -> {b}" for a, b in st.index])
    return st.reindex(ref.index), ref


@pytest.mark.parametrize("kind", list(PLSPM_FILES))
def test_plspm_original_estimates_exact(plspm_boot, kind):
    st, ref = _plspm_pair(plspm_boot, kind)
    np.testing.assert_allclose(st["estimate"], ref["original"], rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", list(PLSPM_FILES))
def test_plspm_bootstrap_within_monte_carlo_error(plspm_boot, kind):
    """plspm's summaries come from its default of 100 resamples (R plspm 0.4, ``br = 100``).

    With B = 100 a bootstrap SD has relative error ≈ 1/√198 = 7 %, so each SE ratio must lie
    in 1 ± 0.30 (≈ 4σ); its bootstrap mean lies within 4·SE/√100 = 0.4 SE of ours; and a
    2.5 %/97.5 % quantile of 100 draws has SE √(.025·.975/100)/φ(1.96) = 0.27 SE, so the
    interval ends agree within 4 × 0.27 ≈ 1.1 SE.
    """
    st, ref = _plspm_pair(plspm_boot, kind)
    se = ref["std.error"]
    ratio = st["std_error"] / se
    assert ratio.between(0.70, 1.30).all(), ratio.round(3).to_dict()
    assert ((st["mean"] - ref["mean"]).abs() < 0.4 * se).all()
    assert ((st["ci_lo"] - ref["perc.025"]).abs() < 1.1 * se).all()
    assert ((st["ci_hi"] - ref["perc.975"]).abs() < 1.1 * se).all()


# -- BCa ---------------------------------------------------------------------------------
def test_bca_matches_scipy_for_the_mean():
    x = np.random.default_rng(1).lognormal(size=40)  # skewed: BCa differs from percentile
    B = 3000
    ref = stats.bootstrap((x,), np.mean, method="BCa", n_resamples=B, confidence_level=0.9, rng=np.random.default_rng(42))
    idx = np.random.default_rng(42).integers(0, len(x), (B, len(x)))  # scipy's draws
    draws = x[idx].mean(axis=1)[:, None]
    np.testing.assert_array_equal(draws[:, 0], ref.bootstrap_distribution)
    jack = ((x.sum() - x) / (len(x) - 1))[:, None]
    lo, hi = bca_interval(draws, np.array([x.mean()]), jack, 0.9)
    np.testing.assert_allclose([lo[0], hi[0]], [ref.confidence_interval.low, ref.confidence_interval.high], rtol=0, atol=1e-12)
    plo, phi = percentile_interval(draws, 0.9)
    assert abs(lo[0] - plo[0]) > 0.01  # the acceleration and bias correction matter here


def test_bca_matches_scipy_for_a_correlation():
    rng = np.random.default_rng(2)
    x = rng.normal(size=60)
    y = 0.8 * x + 0.5 * rng.standard_t(3, size=60)
    B = 2000

    def corr(i, axis=-1):
        return np.array([np.corrcoef(x[r], y[r])[0, 1] for r in np.atleast_2d(i)]).reshape(np.shape(i)[:-1])

    ref = stats.bootstrap((np.arange(60),), corr, method="BCa", n_resamples=B, rng=np.random.default_rng(3), vectorized=True)
    idx = np.random.default_rng(3).integers(0, 60, (B, 60))
    draws = corr(idx)[:, None]
    jack = np.array([np.corrcoef(np.delete(x, i), np.delete(y, i))[0, 1] for i in range(60)])[:, None]
    lo, hi = bca_interval(draws, np.array([np.corrcoef(x, y)[0, 1]]), jack, 0.95)
    np.testing.assert_allclose([lo[0], hi[0]], [ref.confidence_interval.low, ref.confidence_interval.high], rtol=0, atol=1e-12)


def test_bca_equals_percentile_on_a_symmetric_case():
    """Draws symmetric about the estimate (z₀ = 0) and a symmetric jackknife (a = 0)."""
    d = np.random.default_rng(4).normal(size=(999, 3))
    draws = np.vstack([d, -d, np.zeros((1, 3))]) + 2.0
    jack = np.vstack([d[:50], -d[:50]]) * 0.01 + 2.0
    lo, hi = bca_interval(draws, np.full(3, 2.0), jack, 0.95)
    plo, phi = percentile_interval(draws, 0.95)
    np.testing.assert_allclose(lo, plo, rtol=0, atol=1e-12)
    np.testing.assert_allclose(hi, phi, rtol=0, atol=1e-12)


def test_bca_of_pls_uses_the_leave_one_out_refits(ecsi):
    """End to end: BCa from the draws and a brute-force jackknife of 250 plain refits."""
    b = bootstrap_fit(ecsi.pls, ecsi.survey, 1000, seed=3, ci="bca")
    items = ecsi.survey.items[list(ecsi.spec.items)]
    est = PLS(ecsi.spec)
    jack = np.array([est.fit(items.drop(items.index[i])).paths.to_numpy() for i in range(ecsi.n_obs)])
    np.testing.assert_allclose(b.jackknife["paths"].to_numpy(), jack, rtol=0, atol=1e-10)
    lo, hi = bca_interval(b.draws("paths").to_numpy(), ecsi.pls.paths.to_numpy(), jack, 0.95)
    np.testing.assert_allclose(b.stats("paths")["ci_lo"], lo, rtol=0, atol=1e-12)
    np.testing.assert_allclose(b.stats("paths")["ci_hi"], hi, rtol=0, atol=1e-12)


def test_bca_close_to_percentile_for_the_mean_of_symmetric_data():
    """Bootstrap of the mean of an exactly symmetric sample: a = 0 exactly and z₀ is pure
    Monte Carlo noise (sd ≈ √(¼/B)/φ(0) = 0.009 for B = 20,000), which moves the interval
    ends by about 2·φ(1.96)·z₀/f ≈ 0.02 SE; so BCa and percentile agree within 0.1 SE (4σ)."""
    y = np.random.default_rng(6).gamma(2.0, size=30)
    x = np.concatenate([y, 2 * y.mean() - y])
    idx = np.random.default_rng(7).integers(0, len(x), (20000, len(x)))
    draws = x[idx].mean(axis=1)[:, None]
    jack = ((x.sum() - x) / (len(x) - 1))[:, None]
    lo, hi = bca_interval(draws, np.array([x.mean()]), jack, 0.95)
    plo, phi = percentile_interval(draws, 0.95)
    se = draws.std(ddof=1)
    assert abs(lo[0] - plo[0]) < 0.1 * se and abs(hi[0] - phi[0]) < 0.1 * se


# -- failures are skipped and counted ----------------------------------------------------
@pytest.fixture(scope="module")
def degenerate(mobi):
    """CUSCO constant (7) except in two respondents: resamples missing both cannot be fitted."""
    data = mobi.copy()
    data["CUSCO"] = 7
    data.iloc[[10, 200], data.columns.get_loc("CUSCO")] = [9, 4]
    return data


def test_degenerate_resamples_are_skipped_and_counted(degenerate):
    fit = _fit(degenerate, boot=500, seed=17)
    b = fit.bootstrap
    misses = ~np.isin(_rows(17, 500), [10, 200]).any(axis=1)  # independent: which resamples lack both rows
    assert misses.sum() > 25  # > 5 %: the case is really degenerate
    assert b.settings["resamples_failed"] == int(misses.sum())
    assert b.settings["resamples_used"] == int((~misses).sum())
    assert b.settings["failed_reasons"] == {"an item constant in the resample": int(misses.sum())}
    assert list(b.draws("paths").index) == list(np.flatnonzero(~misses))
    assert any("could not be estimated" in w for w in fit.warnings)
    assert np.isfinite(b.stats("paths")["std_error"]).all()


def test_non_converged_resamples_are_skipped_and_counted(mobi):
    fit = _fit(mobi, max_iter=8, boot=100, seed=2)
    b = fit.bootstrap
    items = fit.survey.items[list(fit.spec.items)]
    est = PLS(fit.spec, max_iter=8)
    idx = _rows(2, 100)
    conv = np.array([est.fit(items.iloc[r]).converged for r in idx])
    assert 0 < (~conv).sum() < 100
    assert b.settings["resamples_failed"] == int((~conv).sum())
    assert b.settings["failed_reasons"] == {"no convergence": int((~conv).sum())}


def test_all_resamples_failing_is_a_warning_not_a_crash(mobi):
    fit = _fit(mobi, max_iter=2, boot=20, seed=2)
    assert fit.bootstrap.settings["resamples_used"] == 0
    assert any("no standard errors" in w for w in fit.warnings)
    assert fit.bootstrap.stats("paths")["std_error"].isna().all()


# -- reproducibility ---------------------------------------------------------------------
def test_same_seed_identical_for_any_workers_and_chunk_size(ecsi):
    runs = [
        bootstrap_fit(ecsi.pls, ecsi.survey, 1100, seed=99, workers=1, chunk_size=2000),
        bootstrap_fit(ecsi.pls, ecsi.survey, 1100, seed=99, workers=2, chunk_size=500),
        bootstrap_fit(ecsi.pls, ecsi.survey, 1100, seed=99, workers=2, chunk_size=1),
        bootstrap_fit(ecsi.pls, ecsi.survey, 1100, seed=99, workers=1),
    ]
    for kind in KINDS:
        for r in runs[1:]:
            pd.testing.assert_frame_equal(r.draws(kind), runs[0].draws(kind), check_exact=True)
            pd.testing.assert_frame_equal(r.stats(kind), runs[0].stats(kind), check_exact=True)


def test_different_seeds_differ(ecsi):
    a = bootstrap_fit(ecsi.pls, ecsi.survey, 100, seed=1).draws("paths")
    b = bootstrap_fit(ecsi.pls, ecsi.survey, 100, seed=2).draws("paths")
    assert not np.allclose(a.to_numpy(), b.to_numpy())


def test_rescaling_items_leaves_standardized_draws_unchanged(ecsi, mobi):
    """Standardized PLS is invariant to positive affine item transformations, draw by draw."""
    items = list(ecsi.spec.items)
    scaled = mobi.copy()
    scaled[items] = mobi[items] * np.linspace(0.5, 3.0, len(items)) + np.linspace(-2.0, 5.0, len(items))
    fit = _fit(scaled, boot=0, scale=(-100, 100))
    a = bootstrap_fit(ecsi.pls, ecsi.survey, 300, seed=21)
    b = bootstrap_fit(fit.pls, fit.survey, 300, seed=21)
    for kind in ("paths", "loadings", "r2", "total_effects", "htmt"):
        np.testing.assert_allclose(b.draws(kind).to_numpy(), a.draws(kind).to_numpy(), rtol=0, atol=1e-9, err_msg=kind)


# -- sign correction ---------------------------------------------------------------------
def test_sign_correction_undoes_a_flipped_construct(ecsi, mobi):
    """A resample whose CUEX came out reversed is aligned back to the full-sample solution."""
    res = ecsi.pls
    ctx = _make_context(res, mobi[list(res.spec.items)].to_numpy(float), None, 1)
    raw = res.raw
    L = ctx.layout
    k = res.spec.codes.index("CUEX")
    s = np.ones(L.k)
    s[k] = -1
    mean = res.item_means.to_numpy()[None]
    var = (res.item_sds.to_numpy() ** 2)[None]
    corr = res.item_corr.to_numpy()[None]
    base = _statistics(ctx, raw.weights, raw.loadings, raw.paths, raw.r2, mean, var, corr)
    flipped = _statistics(ctx, raw.weights * s[L.block], raw.loadings * s[L.block], raw.paths * np.outer(s, s)[None],
                          raw.r2, mean, var, corr)
    for kind in base:
        np.testing.assert_allclose(flipped[kind], base[kind], rtol=0, atol=1e-14, err_msg=kind)
    np.testing.assert_allclose(base["paths"][0], res.paths.to_numpy(), rtol=0, atol=1e-14)


# -- options and API ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "message"),
    [({"ci": "magic"}, "--ci should be one of percentile, bca; got 'magic'"),
     ({"level": 1.5}, "--level should be a confidence level between 0 and 1"),
     ({"boot": -3}, "--boot should be a whole number of at least 1; got -3"),
     ({"seed": -1}, "--seed should be a whole number of at least 0; got -1")],
)
def test_bad_options_are_clear_errors(mobi, kw, message):
    kw = {"boot": 10, **kw}
    with pytest.raises(CsiError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _fit(mobi, **kw)


def test_results_json_and_terminal_carry_the_bootstrap(mobi, tmp_path):
    from csi.results import contract as jsonw

    fit = _fit(mobi, boot=300, seed=4, ci="bca")
    d = json.loads(jsonw.dumps(fit))
    b = d["settings"]["bootstrap"]
    assert (b["resamples"], b["resamples_used"], b["resamples_failed"], b["ci"]) == (300, 300, 0, "bca")
    p = {(r["from"], r["to"]): r for r in d["paths"]}[("IMAG", "CUEX")]
    st = fit.bootstrap.stats("paths").loc[("IMAG", "CUEX")]
    assert p["std_error"] == st.std_error and p["ci"] == [st.ci_lo, st.ci_hi]
    c = {r["name"]: r for r in d["constructs"]}["CUSA"]
    assert c["ci"] == list(fit.bootstrap.stats("index").loc["CUSA", ["ci_lo", "ci_hi"]])
    assert len(d["bootstrap"]["weights"]) == 24 and set(d["bootstrap"]) == set(KINDS)
    w = d["bootstrap"]["weights"][0]
    assert (w["construct"], w["item"], w["std_error"]) == ("IMAG", "IMAG1", fit.bootstrap.stats("weights").iloc[0].std_error)
    text = fit.summary()
    assert "Bootstrap: 300 of 300 resamples used (0 failed), 95% bca intervals, seed 4" in text
    assert "95% CI (BCa)" in text


def test_progress_off_a_terminal_is_plain_lines(ecsi, capsys, monkeypatch):
    """Off a terminal (logs): a plain line per 10 % once past the delay, no control codes (issue 18).
    (A short run stays silent: tests/inference/test_progress.py.)"""
    from csi.inference.bootstrap import _Progress

    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    bar = _Progress(1000, enabled=True, delay=0.0)
    bar.advance(250)
    bar.close()
    out = capsys.readouterr()
    assert out.out == "" and out.err == "csi: bootstrap 20% (250/1000), " + out.err.split(", ")[-1]
    assert "\x1b" not in out.err and out.err.endswith(" s\n")


def test_progress_bar_on_a_terminal_after_the_delay(capsys, monkeypatch):
    from csi.inference.bootstrap import _Progress

    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: treat stderr as a terminal
    bar = _Progress(1000, enabled=True, delay=0.0)
    bar.advance(250)
    bar.advance(250)
    bar.close()
    err = capsys.readouterr().err
    assert "bootstrap" in err and "/1000" in err
    quiet = _Progress(1000, enabled=True, delay=60.0)  # short runs never show a bar
    quiet.advance(999)
    quiet.close()
    assert capsys.readouterr().err == ""


def test_index_draws_for_other_modules(ecsi):
    """The waves and group helpers read draws("index"): one column per construct, 0–100."""
    d = bootstrap_fit(ecsi.pls, ecsi.survey, 200, seed=1).draws("index")
    assert list(d.columns) == list(ecsi.spec.codes) and d.shape == (200, 7)
    assert ((d > 0) & (d < 100)).all().all()
