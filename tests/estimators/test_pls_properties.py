"""Properties every PLS fit must satisfy, checked independently of csi's covariance-based code:
OLS on the construct scores, correlations computed with numpy, the fixed-point condition of
Lohmöller's algorithm, and invariances (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from csi.derive.indices import compute as compute_indices
from csi.estimators.pls import PLS
from csi.model.spec import load_model

TOL = 1e-8


def _ols(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, float]:
    X1 = np.column_stack([np.ones(len(y)), X])
    beta, *_ = np.linalg.lstsq(X1, y, rcond=None)
    resid = y - X1 @ beta
    return beta[1:], 1 - resid @ resid / np.sum((y - y.mean()) ** 2)


@pytest.fixture(scope="module", params=["scsb", "acsi", "ecsi"])
def fitted(request, mobi):
    spec = load_model(request.param)
    data = mobi[list(spec.items)]  # each model sees only its own items
    return spec, data, PLS(spec).fit(data)


def test_converged_and_only_model_paths(fitted):
    spec, _, res = fitted
    assert res.converged and res.iterations < 50
    assert set(res.paths.index) == {(p.source, p.target) for p in spec.paths}
    off = res.path_matrix.to_numpy().copy()
    for p in spec.paths:
        off[spec.codes.index(p.source), spec.codes.index(p.target)] = 0
    assert np.all(off == 0)


def test_scores_standardized(fitted):
    _, _, res = fitted
    np.testing.assert_allclose(res.scores.mean(), 0, atol=1e-10)
    np.testing.assert_allclose(res.scores.std(ddof=1), 1, atol=1e-10)


def test_paths_and_r2_are_ols_on_scores(fitted):
    spec, _, res = fitted
    for code in spec.endogenous:
        preds = list(spec.predecessors(code))
        beta, r2 = _ols(res.scores[code].to_numpy(), res.scores[preds].to_numpy())
        np.testing.assert_allclose([res.paths[(p, code)] for p in preds], beta, atol=TOL)
        assert abs(res.r2[code] - r2) < TOL


def test_loadings_are_item_score_correlations(fitted):
    spec, data, res = fitted
    for c in spec.constructs:
        for item in c.items:
            r = np.corrcoef(data[item], res.scores[c.code])[0, 1]
            assert abs(res.loadings[(c.code, item)] - r) < TOL


def test_weights_satisfy_the_fixed_point(fitted):
    """Mode A at convergence: w_k ∝ cov(x_k, z_k), z_k the path-scheme inner proxy of k."""
    spec, data, res = fitted
    Y = res.scores
    Xs = (data - data.mean()) / data.std(ddof=1)
    for c in spec.constructs:
        z = np.zeros(len(Y))
        preds = list(spec.predecessors(c.code))
        if preds:
            beta, _ = _ols(Y[c.code].to_numpy(), Y[preds].to_numpy())
            z += Y[preds].to_numpy() @ beta
        for s in spec.successors(c.code):
            z += np.corrcoef(Y[c.code], Y[s])[0, 1] * Y[s].to_numpy()
        cov = Xs[list(c.items)].T.to_numpy() @ (z - z.mean()) / (len(z) - 1)
        w = res.weights.loc[c.code].to_numpy()
        direction = cov / np.linalg.norm(cov)
        np.testing.assert_allclose(w / np.linalg.norm(w), direction, atol=1e-6)


def test_sign_rule_loadings_sum_positive(fitted):
    _, _, res = fitted
    assert (res.loadings.groupby(level="construct").sum() > 0).all()


def test_acsi_and_scsb_on_the_shared_constructs_agree_in_sign(mobi):
    """The three models share constructs; the CUSA -> CUSL path is positive in all."""
    for name in ("scsb", "acsi", "ecsi"):
        spec = load_model(name)
        res = PLS(spec).fit(mobi[list(spec.items)])
        assert 0.3 < res.paths[("CUSA", "CUSL")] < 0.7


# -- invariances (hypothesis) -------------------------------------------------------------
SPEC = load_model("ecsi")


@pytest.fixture(scope="module")
def base(mobi):
    data = mobi[list(SPEC.items)].astype(float)
    return data, PLS(SPEC).fit(data)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    scales=st.lists(st.floats(0.01, 100), min_size=24, max_size=24),
    shifts=st.lists(st.floats(-1000, 1000), min_size=24, max_size=24),
)
def test_rescaling_and_shifting_items_leaves_standardized_results(base, scales, shifts):
    data, ref = base
    moved = data * np.array(scales) + np.array(shifts)
    res = PLS(SPEC).fit(moved)
    np.testing.assert_allclose(res.paths.to_numpy(), ref.paths.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(res.weights.to_numpy(), ref.weights.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(res.loadings.to_numpy(), ref.loadings.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(res.r2.dropna().to_numpy(), ref.r2.dropna().to_numpy(), atol=1e-9)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_permuting_respondents_changes_nothing(base, seed):
    data, ref = base
    perm = np.random.default_rng(seed).permutation(len(data))
    shuffled = data.iloc[perm]
    res = PLS(SPEC).fit(shuffled)
    np.testing.assert_allclose(res.paths.to_numpy(), ref.paths.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(res.weights.to_numpy(), ref.weights.to_numpy(), atol=1e-12)
    idx_a = compute_indices(res, shuffled).index
    idx_b = compute_indices(ref, data).index
    np.testing.assert_allclose(idx_a.to_numpy(), idx_b.to_numpy(), atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(30, 200))
def test_mean_respondent_score_is_the_index(seed, n):
    from csi.model.simulate import simulate_survey

    data = simulate_survey(SPEC, n, seed=seed)
    assume(not (data.std() == 0).any())  # a constant item cannot be fitted: not a counterexample
    res = PLS(SPEC).fit(data)
    idx = compute_indices(res, data)
    np.testing.assert_allclose(idx.respondent.mean().to_numpy(), idx.index.to_numpy(), atol=1e-9)
    # with non-negative normalized weights (summing to 1) a score is a convex mix of 0–100 items
    for code in SPEC.codes:
        if (idx.normalized_weights.loc[code] >= 0).all():
            assert idx.respondent[code].between(-1e-9, 100 + 1e-9).all(), code


def test_index_by_hand(mobi):
    """The ACSI formula computed directly from the standardized weights (independent code)."""
    res = PLS(SPEC).fit(mobi)
    idx = compute_indices(res, mobi)
    for c in SPEC.constructs:
        items = list(c.items)
        u = res.weights.loc[c.code].to_numpy() / mobi[items].std(ddof=1).to_numpy()
        u = u / u.sum()
        expected = float(u @ ((mobi[items].mean().to_numpy() - 1) / 9 * 100))
        assert abs(idx.index[c.code] - expected) < 1e-10


def test_negative_weight_warns_by_name():
    from csi.derive.indices import score

    nw = pd.Series([1.2, -0.2], index=pd.MultiIndex.from_tuples([("A", "a1"), ("A", "a2")], names=["construct", "item"]))
    out = score(nw, pd.DataFrame({"a1": [5.0, 6.0], "a2": [3.0, 4.0]}), 1, 10)
    assert len(out.warnings) == 1 and "construct A" in out.warnings[0] and "a2" in out.warnings[0]
