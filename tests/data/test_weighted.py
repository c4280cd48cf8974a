"""Weighted PLS and weighted indices (survey weights).

Oracles, all independent of csi's weighted code path:
* equal weights must reproduce the unweighted fit;
* integer weights must reproduce the unweighted fit on the data with rows repeated (every
  standardized quantity: outer weights, loadings, paths, R², construct correlations, and the
  0–100 indices and item means); item SDs differ only by the documented divisor, checked
  against ``numpy.cov(aweights=...)``;
* weights of 0 and 1 must equal dropping the zero-weight rows (exactly, SDs included);
* weighted means/correlations against numpy's weighted estimators.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import csi
from csi.derive.indices import compute as compute_indices
from csi.estimators.pls import PLS
from csi.model.spec import load_model

TOL = 1e-10


@pytest.fixture(scope="module")
def spec():
    return load_model("ecsi")


@pytest.fixture(scope="module")
def X(mobi, spec):
    return mobi.loc[:, list(spec.items)].reset_index(drop=True).astype(float)


def _same_standardized(a, b, tol=TOL):
    """Every standardized quantity of two fits agrees."""
    np.testing.assert_allclose(a.weights.to_numpy(), b.weights.to_numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(a.loadings.to_numpy(), b.loadings.to_numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(a.paths.to_numpy(), b.paths.to_numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(a.r2.to_numpy(), b.r2.to_numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(a.construct_corr.to_numpy(), b.construct_corr.to_numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(a.cross_loadings.to_numpy(), b.cross_loadings.to_numpy(), rtol=0, atol=tol)
    np.testing.assert_allclose(a.item_means.to_numpy(), b.item_means.to_numpy(), rtol=0, atol=tol)


def test_equal_weights_reproduce_unweighted_fit(spec, X):
    plain = PLS(spec).fit(X)
    for c in (1.0, 2.5, 1e-3):
        w = np.full(len(X), c)
        weighted = PLS(spec).fit(X, weights=w)
        _same_standardized(weighted, plain)
        np.testing.assert_allclose(weighted.item_sds.to_numpy(), plain.item_sds.to_numpy(), rtol=0, atol=TOL)
        np.testing.assert_allclose(weighted.r2_adj.dropna().to_numpy(), plain.r2_adj.dropna().to_numpy(), rtol=0, atol=TOL)
        assert weighted.n_effective == pytest.approx(len(X), rel=1e-12)
        iw, ip = compute_indices(weighted, X), compute_indices(plain, X)
        np.testing.assert_allclose(iw.index.to_numpy(), ip.index.to_numpy(), rtol=0, atol=TOL)
        np.testing.assert_allclose(iw.respondent.to_numpy(), ip.respondent.to_numpy(), rtol=0, atol=TOL)


def _repeat_check(spec, X, counts):
    rep = X.loc[np.repeat(np.arange(len(X)), counts)].reset_index(drop=True)
    weighted = PLS(spec).fit(X, weights=counts.astype(float))
    repeated = PLS(spec).fit(rep)
    _same_standardized(weighted, repeated)
    iw, ir = compute_indices(weighted, X), compute_indices(repeated, rep)
    np.testing.assert_allclose(iw.index.to_numpy(), ir.index.to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(iw.normalized_weights.to_numpy(), ir.normalized_weights.to_numpy(), rtol=0, atol=TOL)
    return weighted, repeated


def test_integer_weights_equal_repeated_rows(spec, X):
    counts = np.random.default_rng(4).integers(1, 5, size=len(X))
    weighted, repeated = _repeat_check(spec, X, counts)
    # SDs: survey weights are not frequencies; csi uses the reliability-weight divisor
    # n_e/(n_e − 1) with Kish's n_e (numpy.cov aweights), repeated rows use N/(N − 1).
    N = counts.sum()
    ne = counts.sum() ** 2 / np.sum(counts**2)
    ratio = np.sqrt((ne / (ne - 1)) / (N / (N - 1)))
    np.testing.assert_allclose(weighted.item_sds.to_numpy(), repeated.item_sds.to_numpy() * ratio, rtol=1e-12)
    np_sd = np.sqrt(np.diag(np.cov(X.to_numpy().T, aweights=counts)))
    np.testing.assert_allclose(weighted.item_sds.to_numpy(), np_sd, rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=6), min_size=250, max_size=250))
def test_integer_weights_equal_repeated_rows_property(mobi, counts):
    spec = load_model("ecsi")
    X = mobi.loc[:, list(spec.items)].reset_index(drop=True).astype(float)
    _repeat_check(spec, X, np.array(counts))


def test_zero_one_weights_equal_dropping_rows(spec, X):
    keep = np.random.default_rng(9).random(len(X)) < 0.7
    weighted = PLS(spec).fit(X, weights=keep.astype(float))
    subset = PLS(spec).fit(X.loc[keep].reset_index(drop=True))
    _same_standardized(weighted, subset)
    np.testing.assert_allclose(weighted.item_sds.to_numpy(), subset.item_sds.to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(weighted.r2_adj.dropna().to_numpy(), subset.r2_adj.dropna().to_numpy(), rtol=0, atol=TOL)
    iw = compute_indices(weighted, X)
    isub = compute_indices(subset, X.loc[keep].reset_index(drop=True))
    np.testing.assert_allclose(iw.index.to_numpy(), isub.index.to_numpy(), rtol=0, atol=TOL)


def test_weighted_moments_against_numpy(spec, X):
    w = np.random.default_rng(2).uniform(0.2, 3.0, size=len(X))
    res = PLS(spec).fit(X, weights=w)
    Xa = X.to_numpy()
    np.testing.assert_allclose(res.item_means.to_numpy(), np.average(Xa, axis=0, weights=w), rtol=0, atol=1e-12)
    C = np.cov(Xa.T, aweights=w)
    d = np.sqrt(np.diag(C))
    np.testing.assert_allclose(res.item_corr.to_numpy(), C / np.outer(d, d), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.item_sds.to_numpy(), d, rtol=1e-12)
    assert res.n_effective == pytest.approx(w.sum() ** 2 / np.sum(w**2), rel=1e-12)


def test_rescaling_weights_changes_nothing(spec, X):
    w = np.random.default_rng(3).uniform(0.2, 3.0, size=len(X))
    a, b = PLS(spec).fit(X, weights=w), PLS(spec).fit(X, weights=1000 * w)
    _same_standardized(a, b)
    np.testing.assert_allclose(a.item_sds.to_numpy(), b.item_sds.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(compute_indices(a, X).index.to_numpy(), compute_indices(b, X).index.to_numpy(), rtol=0, atol=TOL)


def test_weighted_index_is_weighted_mean_of_respondent_scores(spec, X):
    """I_k = Σ v_r Σ_i w̃_i (x_ri − 1)/9 × 100 / Σ v_r, with w̃ from the weights by hand."""
    w = np.random.default_rng(5).uniform(0.2, 3.0, size=len(X))
    res = PLS(spec).fit(X, weights=w)
    idx = compute_indices(res, X)
    sd = np.sqrt(np.diag(np.cov(X.to_numpy().T, aweights=w)))
    sd = pd.Series(sd, index=X.columns)
    for c in spec.constructs:
        u = np.array([res.weights[(c.code, i)] / sd[i] for i in c.items])
        nw = u / u.sum()
        scores = ((X[list(c.items)].to_numpy() - 1) / 9 * 100) @ nw
        assert idx.index[c.code] == pytest.approx(np.sum(w * scores) / w.sum(), abs=1e-9)


def test_fit_with_weights_column_reports_effective_n(spec, mobi):
    df = mobi.loc[:, list(spec.items)].reset_index(drop=True)
    w = np.random.default_rng(6).uniform(0.5, 1.5, size=len(df))
    df["wt"] = w
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(df, "ecsi", weights="wt", tiers=(), boot=0)
        direct = PLS(spec).fit(df[list(spec.items)].astype(float), weights=w)
    _same_standardized(res.pls, direct, tol=0.0)
    assert res.settings["weighted"] is True and res.settings["weights_column"] == "wt"
    assert res.settings["n_effective"] == pytest.approx(w.sum() ** 2 / np.sum(w**2), rel=1e-12)
    assert any("effective n" in n for n in res.survey.notes)
