"""csi against R cSEM on ECSI/``mobi`` (issue 14 oracle): consistent PLS and PLS model fit.

The figures in ``tests/reference_csem/`` were produced by ``make_csem_reference.R`` (R and cSEM
versions in ``versions.txt`` and the folder's README) from ``../shared/reference/mobi.csv``; CI
needs no R.  Two cSEM fits of csi's built-in ``ecsi`` model, path weighting scheme, cSEM stop
tolerance 1e-12:

* ``plsc``: every block ``=~`` with ``.disattenuate = TRUE``  ↔  ``csi.fit(..., method="plsc")``;
* ``pls``: every block ``<~`` with Mode A weights, ``.disattenuate = FALSE``  ↔  ``method="pls"``.

Both sides are exact in double precision up to the iteration stop (csi's default 1e-7 on the
summed absolute weight change), so every quantity is compared with absolute tolerance 1e-6.
One quantity per test.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi
from csi.derive.modelfit import fit_measures
from csi.estimators.base import BatchEstimate, Layout
from csi.estimators.plsc import reflective_mask, rho_a_of
from csi.model.spec import load_model

CSEM = Path(__file__).resolve().parent.parent / "reference_csem"
TOL = 1e-6
METHODS = ("plsc", "pls")


def _ref(method: str, what: str, **kw) -> pd.DataFrame:
    return pd.read_csv(CSEM / f"ecsi_mobi_{method}_{what}.csv", index_col=0, **kw)


@pytest.fixture(scope="module")
def fits(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PLSc on ECSI/mobi is inadmissible (CUEX); see docs/plsc.md
        return {m: csi.fit(mobi, "ecsi", method=m, boot=0) for m in METHODS}


@pytest.mark.parametrize("method", METHODS)
def test_paths_match_csem(fits, method):
    ref = _ref(method, "paths")  # row = from, column = to
    ours = fits[method].pls.path_matrix.loc[ref.index, ref.columns]
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), atol=TOL, rtol=0)


@pytest.mark.parametrize("method", METHODS)
def test_r2_match_csem(fits, method):
    ref = _ref(method, "r2")
    np.testing.assert_allclose(fits[method].pls.r2[ref.index].to_numpy(), ref.r2.to_numpy(), atol=TOL, rtol=0)


@pytest.mark.parametrize("method", METHODS)
def test_weights_match_csem(fits, method):
    ref = _ref(method, "outer")
    ours = fits[method].pls.weights.droplevel("construct")[ref.indicator]
    np.testing.assert_allclose(ours.to_numpy(), ref.weight.to_numpy(), atol=TOL, rtol=0)


@pytest.mark.parametrize("method", METHODS)
def test_loadings_match_csem(fits, method):
    """PLSc: consistent loadings of the common factors; PLS: composite loadings."""
    ref = _ref(method, "outer")
    ours = fits[method].pls.loadings.droplevel("construct")[ref.indicator]
    np.testing.assert_allclose(ours.to_numpy(), ref.loading.to_numpy(), atol=TOL, rtol=0)


def test_rho_a_matches_csem(fits):
    """cSEM's ``Reliabilities`` under ``.disattenuate = TRUE`` (rho_A; 1 for the single item CUSCO)."""
    ref = _ref("plsc", "reliability")
    np.testing.assert_allclose(rho_a_of(fits["plsc"].pls)[ref.index].to_numpy(), ref.rho_A.to_numpy(),
                               atol=TOL, rtol=0)


@pytest.mark.parametrize("method", METHODS)
def test_construct_correlations_match_csem(fits, method):
    """PLSc: the disattenuated construct correlations cSEM's fit() starts from."""
    ref = _ref(method, "construct_vcv")
    ours = fits[method].pls.construct_corr.loc[ref.index, ref.columns]
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), atol=TOL, rtol=0)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("model", ["estimated", "saturated"])
@pytest.mark.parametrize("measure", ["srmr", "d_uls", "d_g"])
def test_model_fit_matches_csem_assess(fits, method, model, measure):
    """cSEM's assess() SRMR / d_ULS / d_G (calculateSRMR/DL/DG; estimated = assess's default)."""
    ref = _ref(method, "model_fit")
    got = fits[method].derived["model_fit"].measures.loc[measure, model]
    assert abs(got - ref.loc[measure, model]) <= TOL


@pytest.mark.parametrize("method", METHODS)
def test_implied_indicator_correlations_match_csem_fit(fits, method):
    """Σ̂ of the estimated model element by element against cSEM's fit() (and S against its
    Indicator_VCV): the matrix the three distances are taken between."""
    res = fits[method].pls
    L = Layout.from_spec(res.spec)
    items = list(L.items)
    S = res.item_corr.loc[items, items].to_numpy()
    np.testing.assert_allclose(S, _ref(method, "item_corr").loc[items, items].to_numpy(), atol=1e-12, rtol=0)
    reflective = reflective_mask(res.spec) if method == "plsc" else np.zeros(L.k, dtype=bool)
    est = BatchEstimate(*(getattr(res.raw, f)[:1] for f in ("weights", "loadings", "cross", "R", "paths", "r2",
                                                            "iterations", "converged", "ok")))
    sigma = fit_measures(est, S[None], L, reflective, saturated=False)[2][0]
    ref = _ref(method, "sigma_estimated").loc[items, items].to_numpy()
    np.testing.assert_allclose(sigma, ref, atol=TOL, rtol=0)


def test_same_model_as_csis_ecsi():
    spec = load_model("ecsi")
    ref = _ref("plsc", "paths")
    assert set(ref.index) == set(spec.codes)
    edges = {(a, b) for a in ref.index for b in ref.columns if ref.loc[a, b] != 0}
    assert edges == {(p.source, p.target) for p in spec.paths}
