"""Higher-order constructs and interaction terms against SEMinR 0.2.1 (PyPI ``seminr``) on mobi.

Every estimate equal to 1e-6 (observed ≤ 3e-15): paths, outer weights, and for two-stage HOCs the
first-stage weights.  The embedded two-stage approach, which SEMinR does not offer, is checked
against a hand two-step written with SEMinR (repeated-indicators stage 1, scores as items).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

seminr = pytest.importorskip("seminr")
from seminr.specify.constructs import composite, constructs, higher_composite, regression_weights  # noqa: E402
from seminr.specify.interactions import interaction_term, orthogonal, product_indicator, two_stage  # noqa: E402
from seminr.specify.relationships import paths, relationships  # noqa: E402

from csi.derive.moderation import coefficients  # noqa: E402
from csi.estimators.pls import PLS  # noqa: E402
from csi.model.spec import parse_yaml  # noqa: E402
from csi.workflows.staged import prepare  # noqa: E402

TOL = 1e-6
ITEMS = {"IMAG": [f"IMAG{i}" for i in range(1, 6)], "CUEX": ["CUEX1", "CUEX2", "CUEX3"],
         "PQA": ["PERQ1", "PERQ2", "PERQ3", "PERQ4"], "PQB": ["PERQ5", "PERQ6", "PERQ7"],
         "CUSA": ["CUSA1", "CUSA2", "CUSA3"], "CUSL": ["CUSL1", "CUSL2", "CUSL3"]}


def _csi(df: pd.DataFrame, yaml_text: str):
    from csi.data.survey import from_frame

    spec = parse_yaml(yaml_text, "test.yaml")
    survey = from_frame(df, spec)
    prep = prepare(spec, survey)
    return prep, PLS(prep.spec).fit(prep.survey.items)


def _paths_equal(res, sem) -> float:
    pc = sem.path_coef
    diffs = [abs(res.paths[(s, t)] - pc.get(s, t)) for s, t in res.paths.index]
    return max(diffs)


def _weights_equal(res, sem, codes) -> float:
    ow = sem.outer_weights
    return max(abs(res.weights[(c, i)] - ow.get(i, c)) for c, i in res.weights.index if c in codes)


HOC_YAML = """\
name: hoc
constructs:
  IMAG: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5]
  CUEX: [CUEX1, CUEX2, CUEX3]
  PQA: [PERQ1, PERQ2, PERQ3, PERQ4]
  PQB: [PERQ5, PERQ6, PERQ7]
  CUSA: [CUSA1, CUSA2, CUSA3]
higher_order:
  PERQ: {dimensions: [PQA, PQB], method: METHOD, mode: MODE}
paths:
  - IMAG -> CUEX, CUSA
  - CUEX -> PERQ, CUSA
  - PERQ -> CUSA
"""


def _mm(*extra):
    return [composite(c, ITEMS[c]) for c in ("IMAG", "CUEX", "PQA", "PQB", "CUSA")] + list(extra)


SM = [paths("IMAG", ["CUEX", "CUSA"]), paths("CUEX", ["PERQ", "CUSA"]), paths("PERQ", "CUSA")]


@pytest.mark.parametrize("mode", ["A", "B"])
def test_two_stage_hoc_equals_seminr_higher_composite(mobi: pd.DataFrame, mode: str) -> None:
    prep, res = _csi(mobi, HOC_YAML.replace("METHOD", "two_stage").replace("MODE", mode))
    w = {} if mode == "A" else {"weights": regression_weights}
    sem = seminr.estimate_pls(mobi, constructs(*_mm(higher_composite("PERQ", ["PQA", "PQB"], **w))), relationships(*SM))
    assert _paths_equal(res, sem) < TOL
    assert _weights_equal(res, sem, res.spec.codes) < TOL
    # stage 1: the lower-order constructs' weights and the rewired paths
    s1 = sem.first_stage_model
    assert _weights_equal(prep.stage1, s1, ("PQA", "PQB")) < TOL
    assert _paths_equal(prep.stage1, s1) < TOL


def test_repeated_indicators_equals_seminr_repeated_items(mobi: pd.DataFrame) -> None:
    _, res = _csi(mobi, HOC_YAML.replace("METHOD", "repeated").replace("MODE", "A"))
    perq = composite("PERQ", ITEMS["PQA"] + ITEMS["PQB"])
    sem = seminr.estimate_pls(mobi, constructs(*_mm(perq)), relationships(*SM, paths("PERQ", ["PQA", "PQB"])))
    assert _paths_equal(res, sem) < TOL
    ow = sem.outer_weights
    got = res.weights.loc["PERQ"]
    assert max(abs(got[f"{i}@PERQ"] - ow.get(i, "PERQ")) for i in ITEMS["PQA"] + ITEMS["PQB"]) < TOL


def test_embedded_two_stage_equals_hand_two_step_with_seminr(mobi: pd.DataFrame) -> None:
    prep, res = _csi(mobi, HOC_YAML.replace("METHOD", "embedded").replace("MODE", "A"))
    perq = composite("PERQ", ITEMS["PQA"] + ITEMS["PQB"])
    s1 = seminr.estimate_pls(mobi, constructs(*_mm(perq)), relationships(*SM, paths("PERQ", ["PQA", "PQB"])))
    sc = s1.construct_scores
    df2 = mobi.assign(PQA=sc.column("PQA"), PQB=sc.column("PQB"))
    mm2 = [composite(c, ITEMS[c]) for c in ("IMAG", "CUEX", "CUSA")] + [composite("PERQ", ["PQA", "PQB"])]
    s2 = seminr.estimate_pls(df2, constructs(*mm2), relationships(*SM))
    assert _paths_equal(res, s2) < TOL
    assert _weights_equal(res, s2, res.spec.codes) < TOL


INT_YAML = """\
name: moderation
constructs:
  IMAG: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5]
  CUSA: [CUSA1, CUSA2, CUSA3]
  CUSL: [CUSL1, CUSL2, CUSL3]
interactions:
  IxS: {iv: CUSA, moderator: IMAG, method: METHOD}
paths:
  - IMAG, CUSA, IxS -> CUSL
"""


@pytest.mark.parametrize("method", [product_indicator, orthogonal, two_stage])
def test_interaction_equals_seminr_interaction_term(mobi: pd.DataFrame, method) -> None:
    _, res = _csi(mobi, INT_YAML.replace("METHOD", method.__name__))
    mm = [composite(c, ITEMS[c]) for c in ("IMAG", "CUSA", "CUSL")]
    mm.append(interaction_term("CUSA", "IMAG", method=method))
    sem = seminr.estimate_pls(mobi, constructs(*mm), relationships(paths(["IMAG", "CUSA", "CUSA*IMAG"], "CUSL")))
    pc = sem.path_coef
    for src in ("IMAG", "CUSA"):
        assert abs(res.paths[(src, "CUSL")] - pc.get(src, "CUSL")) < TOL
    # SEMinR reports the interaction per unit of the product (its variance adjustment)
    assert abs(coefficients(res, "IxS", "CUSA", "CUSL")[1] - pc.get("CUSA*IMAG", "CUSL")) < TOL
    ow = sem.outer_weights
    for (c, item), w in res.weights.items():
        sem_item = item.split(":", 1)[1] if c == "IxS" and method is not two_stage else ("CUSA*IMAG_intxn" if c == "IxS" else item)
        assert abs(w - ow.get(sem_item, "CUSA*IMAG" if c == "IxS" else c)) < TOL
    assert np.isfinite(res.r2["CUSL"])


def test_quadratic_two_stage_equals_seminr(mobi: pd.DataFrame) -> None:
    from seminr.specify.interactions import quadratic_term

    _, res = _csi(mobi, INT_YAML.replace("IxS: {iv: CUSA, moderator: IMAG, method: METHOD}", "IxS: {quadratic: CUSA}"))
    mm = [composite(c, ITEMS[c]) for c in ("IMAG", "CUSA", "CUSL")] + [quadratic_term("CUSA")]
    sem = seminr.estimate_pls(mobi, constructs(*mm), relationships(paths(["IMAG", "CUSA", "CUSA*CUSA"], "CUSL")))
    assert abs(coefficients(res, "IxS", "CUSA", "CUSL")[1] - sem.path_coef.get("CUSA*CUSA", "CUSL")) < TOL
    assert abs(res.paths[("CUSA", "CUSL")] - sem.path_coef.get("CUSA", "CUSL")) < TOL
