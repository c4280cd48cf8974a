"""Corrections of issue 14: reliability of formative composites, AIC/BIC with survey weights.

* A mode-B composite of two or more items gets alpha, rho_A, rho_C and AVE "not applicable"
  (NaN / null), and no "weak measurement quality" warning; the other constructs' rho_A still
  equal seminr 0.2.1's (which reports 1 for mode B) on the same model to 1e-10.
* AIC/BIC: unweighted equal seminr's ``it_criteria`` (1e-8); with survey weights n is Kish's
  effective n (the n of the adjusted R²), computed here independently.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import csi
from csi.model.spec import parse_yaml
from csi.results.contract import to_dict
from tests.seminr_ecsi import ecsi_seminr

FORMATIVE_YAML = """\
name: ecsi_formative
scale: {min: 1, max: 10}
constructs:
  IMAG: {items: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5], mode: B}
  CUEX: [CUEX1, CUEX2, CUEX3]
  PERQ: [PERQ1, PERQ2, PERQ3, PERQ4, PERQ5, PERQ6, PERQ7]
  PERV: [PERV1, PERV2]
  CUSA: [CUSA1, CUSA2, CUSA3]
  CUSCO: [CUSCO]
  CUSL: [CUSL1, CUSL2, CUSL3]
paths:
  - IMAG -> CUEX, CUSA, CUSL
  - CUEX -> PERQ, PERV, CUSA
  - PERQ -> PERV, CUSA
  - PERV -> CUSA
  - CUSA -> CUSCO, CUSL
  - CUSCO -> CUSL
"""


def _fit(data, model, **kw):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        res = csi.fit(data, model, boot=0, tiers=(), **kw)
    return res, [str(x.message) for x in w]


@pytest.fixture(scope="module")
def formative(mobi):
    return _fit(mobi, parse_yaml(FORMATIVE_YAML, "ecsi_formative.yaml"))


def _seminr(mobi, imag_mode_b: bool):
    from seminr import estimate_pls

    return estimate_pls(*ecsi_seminr(mobi, imag_mode_b))


def test_formative_reliability_is_not_applicable_and_not_warned(formative, mobi):
    res, warns = formative
    rel = res.quality.reliability
    assert rel.loc["IMAG"].isna().all()
    assert not any("IMAG" in w and "weak measurement quality" in w for w in warns)
    row = next(c for c in to_dict(res)["constructs"] if c["name"] == "IMAG")
    assert row["alpha"] is None and row["rho_a"] is None and row["rho_c"] is None and row["ave"] is None
    # the reflective constructs are unaffected: rho_A as seminr (which reports 1 for the mode-B IMAG)
    from seminr.evaluate.reliability import rho_A

    ref = rho_A(_seminr(mobi, imag_mode_b=True))
    assert ref.get("IMAG", "rhoA") == 1.0
    for code in ("CUEX", "PERQ", "PERV", "CUSA", "CUSL"):
        assert abs(rel.loc[code, "rho_a"] - ref.get(code, "rhoA")) < 1e-10


def test_single_item_and_mode_a_keep_their_reliability(formative):
    res, _ = formative
    assert res.quality.reliability.loc["CUSCO", "rho_a"] == 1.0
    assert np.isfinite(res.quality.reliability.loc["CUSA"]).all()


def test_aic_bic_unweighted_equal_seminr(mobi):
    from seminr.evaluate.effects import it_criteria

    res, _ = _fit(mobi, "ecsi")
    ref = it_criteria(_seminr(mobi, imag_mode_b=False))
    for code in res.quality.aic.index:
        assert abs(res.quality.aic[code] - ref.get("AIC", code)) < 1e-8
        assert abs(res.quality.bic[code] - ref.get("BIC", code)) < 1e-8


def test_aic_bic_with_weights_use_kish_effective_n(mobi):
    v = np.random.default_rng(4).uniform(0.2, 3.0, len(mobi))
    data = mobi.assign(wt=v)
    res, _ = _fit(data, "ecsi", weights="wt")
    ne = v.sum() ** 2 / (v**2).sum()
    assert ne < len(mobi) - 20  # the convention matters here
    for code in res.quality.aic.index:
        k = len(res.spec.predecessors(code))
        r2 = res.pls.r2[code]
        # adjusted R² uses the same n
        assert abs(res.pls.r2_adj[code] - (1 - (1 - r2) * (ne - 1) / (ne - k - 1))) < 1e-12
        sse = (1 - r2) * (ne - 1)
        assert abs(res.quality.aic[code] - (ne * np.log(sse / ne) + 2 * (k + 1))) < 1e-9
        assert abs(res.quality.bic[code] - (ne * np.log(sse / ne) + (k + 1) * np.log(ne))) < 1e-9
    # weights that only rescale (all equal) change nothing
    same, _ = _fit(mobi.assign(wt=2.5), "ecsi", weights="wt")
    plain, _ = _fit(mobi, "ecsi")
    np.testing.assert_allclose(same.quality.aic.to_numpy(), plain.quality.aic.to_numpy(), rtol=0, atol=1e-9)
