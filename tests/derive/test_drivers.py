"""Driver analysis: Shapley/LMG against an all-orderings computation with plain regressions; Johnson's
relative weights against a hand implementation from the SVD of the standardized data (Johnson 2000)."""

from __future__ import annotations

import warnings
from itertools import permutations

import numpy as np
import pytest

from csi.data.survey import from_frame
from csi.derive.drivers import analyse, johnson, shapley
from csi.errors import CsiError
from csi.estimators.pls import PLS
from csi.model.spec import load_model
from csi.stats.rowboot import count_blocks

SPEC = load_model("ecsi")


@pytest.fixture(scope="module")
def scores(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sv = from_frame(mobi, SPEC)
        return PLS(SPEC).fit(sv.items).scores


def _r2(X, y, cols):
    """R² of an OLS regression with intercept (numpy lstsq), no csi code."""
    A = np.column_stack([np.ones(len(y)), X[:, list(cols)]])
    beta = np.linalg.lstsq(A, y, rcond=None)[0]
    e = y - A @ beta
    return 1 - e @ e / ((y - y.mean()) @ (y - y.mean()))


def plain_shapley(X, y):
    """Average over all p! orderings of each driver's increment in R²."""
    p = X.shape[1]
    phi = np.zeros(p)
    orders = list(permutations(range(p)))
    for order in orders:
        have: list[int] = []
        for j in order:
            phi[j] += _r2(X, y, [*have, j]) - (_r2(X, y, have) if have else 0.0)
            have.append(j)
    return phi / len(orders)


def plain_johnson(X, y):
    """Johnson (2000): X = P D Q' (standardized), Z = P Q' √n; weights Σ_k λ*_jk² β_k²."""
    n = len(y)
    Xs = (X - X.mean(0)) / X.std(0)
    ys = (y - y.mean()) / y.std()
    P, _, Qt = np.linalg.svd(Xs, full_matrices=False)
    Z = P @ Qt * np.sqrt(n)
    lam = Xs.T @ Z / n  # correlations of X with Z
    beta = np.linalg.lstsq(Z, ys, rcond=None)[0]
    return (lam**2) @ (beta**2)


@pytest.mark.parametrize("target", ["CUSA", "PERV", "CUSL"])
def test_shapley_and_johnson_on_mobi_scores(scores, target):
    preds = list(SPEC.predecessors(target))
    X, y = scores[preds].to_numpy(), scores[target].to_numpy()
    out = analyse(scores, target, preds)
    r2 = _r2(X, y, range(len(preds)))
    assert out["r2"].iloc[0] == pytest.approx(r2, abs=1e-12)
    assert abs(out["shapley"].sum() - out["r2"].iloc[0]) < 1e-14  # the shares sum to R² (telescoping)
    assert np.abs(out["shapley"].to_numpy() - plain_shapley(X, y)).max() < 1e-12
    assert np.abs(out["johnson"].to_numpy() - plain_johnson(X, y)).max() < 1e-10
    assert out["johnson"].sum() == pytest.approx(r2, abs=1e-12)


def test_bootstrap_draw_equals_refit_on_the_same_rows(scores):
    preds = list(SPEC.predecessors("CUSA"))
    X = scores[[*preds, "CUSA"]].to_numpy()
    C = next(count_blocks(7, 3, len(X)))
    for c in C:
        rows = np.repeat(np.arange(len(X)), c.astype(int))
        Xb = X[rows]
        R = np.corrcoef(Xb, rowvar=False)[None]
        assert np.abs(shapley(R)[0] - plain_shapley(Xb[:, :-1], Xb[:, -1])).max() < 1e-12
        assert np.abs(johnson(R)[0] - plain_johnson(Xb[:, :-1], Xb[:, -1])).max() < 1e-10
    out = analyse(scores, "CUSA", preds, resamples=200, seed=7)
    assert (out["shapley_lo"] <= out["shapley"]).all() and (out["shapley"] <= out["shapley_hi"]).all()
    assert (out["johnson_lo"] < out["johnson_hi"]).all()


def test_errors(scores):
    with pytest.raises(CsiError, match="no column NOPE"):
        analyse(scores, "NOPE", ["IMAG"])
    with pytest.raises(CsiError, match="no drivers"):
        analyse(scores, "IMAG", [])
