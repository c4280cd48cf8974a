"""PLSpredict and CVPAT (csi.derive.predict) against seminr 0.2.1 and the published formulas.

* seminr ``predict_pls`` with the SAME row ordering (``ordering=``; both cut it into folds as R's
  ``cut``): out-of-sample PLS and LM predictions of every endogenous indicator, DA and EA, and
  seminr's RMSE/MAE, to 1e-8;
* Q²predict (Shmueli et al. 2019) and CVPAT (Liengaard et al. 2021) recomputed here from the data,
  the folds and the predictions with the formulas of the papers (1e-12), on a generated case with
  a planted predictive advantage (PLS beats IA and LM) and a null case (PLS does not beat IA).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from scipy import stats

import csi
from csi.derive.predict import (
    cross_validate,
    cvpat,
    fold_assignment,
    folds_of_orders,
    item_metrics,
    plspredict,
)
from csi.errors import CsiError
from csi.estimators.base import Layout
from csi.model.spec import load_model, parse_yaml
from csi.options import PredictOptions
from csi.results.contract import to_dict
from tests.seminr_ecsi import ecsi_seminr

TOY = """\
name: toy
scale: {min: 1, max: 7}
constructs:
  A: [a1, a2, a3, a4]
  B: [b1, b2, b3, b4]
  C: [c1, c2, c3]
paths:
  - A -> C
  - B -> C
"""


def _toy(n: int, beta: float, seed: int) -> np.ndarray:
    """Two exogenous factors, C = beta·(A + B)/√2 + noise; four noisy items each (LM over-fits)."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    c = beta * (a + b) / np.sqrt(2) + np.sqrt(1 - beta**2) * rng.standard_normal(n)
    return np.column_stack([f + 0.6 * rng.standard_normal(n) for f in (a, a, a, a, b, b, b, b, c, c, c)])


@pytest.fixture(scope="module")
def seminr_model(mobi):
    from seminr import estimate_pls

    return estimate_pls(*ecsi_seminr(mobi))


@pytest.mark.parametrize("technique", ["DA", "EA"])
def test_predictions_equal_seminr_predict_pls_on_the_same_folds(mobi, seminr_model, technique):
    from seminr.predict.metrics import item_metrics as seminr_metrics
    from seminr.predict.predict_pls import predict_pls, resolve_predict_plan
    from seminr.predict.techniques import predict_DA, predict_EA

    L = Layout.from_spec(load_model("ecsi"))
    X = mobi[list(L.items)].to_numpy(dtype=float)
    order = np.random.default_rng(3).permutation(len(X))
    folds = folds_of_orders(order[None], 10)
    # the same fold membership as seminr's plan for that ordering
    plan = resolve_predict_plan(seminr_model, no_folds=10, ordering=list(order))
    for f, spec in enumerate(plan.fold_specs):
        assert sorted(spec.test_rows) == sorted(np.flatnonzero(folds[0] == f).tolist())
    ref = predict_pls(seminr_model, technique=predict_DA if technique == "DA" else predict_EA, no_folds=10, ordering=list(order))
    cv = cross_validate(X, L, folds, technique)
    cols = list(ref.items.pls_out_of_sample.cols)
    j = [cv.items.index(c) for c in cols]
    assert sorted(cols) == sorted(cv.items) and len(cols) == 19
    np.testing.assert_allclose(cv.pls[0][:, j], ref.items.pls_out_of_sample.values, rtol=0, atol=1e-8)
    np.testing.assert_allclose(cv.lm[0][:, j], ref.items.lm_out_of_sample.values, rtol=0, atol=1e-8)
    ours = item_metrics(cv).droplevel("construct").loc[cols]
    m = seminr_metrics(ref)
    np.testing.assert_allclose(ours["pls_rmse"], m.pls_out_of_sample.values[0], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours["pls_mae"], m.pls_out_of_sample.values[1], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours["lm_rmse"], m.lm_out_of_sample.values[0], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours["lm_mae"], m.lm_out_of_sample.values[1], rtol=0, atol=1e-8)


def _cvpat_by_hand(X: np.ndarray, folds: np.ndarray, pred: np.ndarray, cols: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per-case losses of the model (pred) and the IA benchmark, averaged over repetitions."""
    R, n = folds.shape
    lp, li = np.zeros(n), np.zeros(n)
    for r in range(R):
        for i in range(n):
            train = folds[r] != folds[r, i]
            ia = X[train][:, cols].mean(axis=0)
            lp[i] += np.mean((X[i, cols] - pred[r, i]) ** 2) / R
            li[i] += np.mean((X[i, cols] - ia) ** 2) / R
    return lp, li


def test_q2_predict_and_cvpat_follow_the_published_formulas_with_a_planted_advantage():
    L = Layout.from_spec(parse_yaml(TOY, "toy.yaml"))
    X = _toy(120, 0.6, 7)
    p = plspredict(X, L, PredictOptions(folds=10, repeats=3), seed=3)
    cv = p.cv
    assert cv is not None and cv.items == ("c1", "c2", "c3")
    cols = [8, 9, 10]
    # Q²predict: 1 − SSE(PLS) / SSE(training-fold mean), per repetition, then averaged
    q2 = np.zeros(3)
    for r in range(3):
        ia = np.stack([X[cv.folds[r] != cv.folds[r, i]][:, cols].mean(axis=0) for i in range(120)])
        q2 += (1 - ((X[:, cols] - cv.pls[r]) ** 2).sum(axis=0) / ((X[:, cols] - ia) ** 2).sum(axis=0)) / 3
    np.testing.assert_allclose(p.items["q2_predict"].to_numpy(), q2, rtol=0, atol=1e-12)
    # CVPAT (Liengaard et al. 2021): D_i = L_i(IA) − L_i(PLS), t = mean(D)/(sd(D)/√n), one-sided p
    lp, li = _cvpat_by_hand(X, cv.folds, cv.pls, cols)
    d = li - lp
    t = d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))
    row = p.cvpat.loc[("overall", "IA")]
    assert abs(row["t"] - t) < 1e-10 and abs(row["p_value"] - stats.t.sf(t, len(d) - 1)) < 1e-12
    assert abs(row["loss_pls"] - lp.mean()) < 1e-12 and abs(row["loss_benchmark"] - li.mean()) < 1e-12
    # the planted advantage is found: PLS beats the indicator averages and the over-fitting LM
    assert row["p_value"] < 0.01
    assert p.cvpat.loc[("overall", "LM"), "p_value"] < 0.001
    assert (p.items["q2_predict"] > 0.05).all()


def test_cvpat_finds_no_advantage_where_there_is_none():
    L = Layout.from_spec(parse_yaml(TOY, "toy.yaml"))
    p = plspredict(_toy(120, 0.0, 7), L, PredictOptions(folds=10, repeats=3), seed=3)
    assert p.cvpat.loc[("overall", "IA"), "p_value"] > 0.2
    assert (p.items["q2_predict"] < 0.05).all()


def test_folds_are_seeded_balanced_and_recorded(mobi):
    orders, folds = fold_assignment(250, 10, 3, seed=5)
    again, _ = fold_assignment(250, 10, 3, seed=5)
    assert (orders == again).all() and not (orders[0] == orders[1]).all()
    assert all(np.bincount(f).tolist() == [25] * 10 for f in folds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(mobi, "ecsi", boot=0, tiers=(), derive=("predict",), folds=5, repeats=2, seed=5)
    d = to_dict(res)
    s = d["predict"]["settings"]
    assert (s["folds"], s["repeats"], s["seed"], s["technique"]) == (5, 2, 5, "DA")
    assert len(d["predict"]["indicators"]) == 19 and {"construct", "item", "q2_predict", "pls_rmse", "lm_rmse"} <= set(d["predict"]["indicators"][0])
    assert {(r["construct"], r["benchmark"]) for r in d["predict"]["cvpat"]} >= {("overall", "LM"), ("overall", "IA")}
    from csi.results import contract

    assert list(contract.schema_errors(json.loads(contract.dumps(res)), contract.load_schema("fit"))) == []
    default = csi.fit(mobi, "ecsi", boot=0, tiers=())
    assert "predict" not in default.derived and "predict" not in default.settings["derivations"]


def test_bad_fold_settings_are_clear_errors():
    with pytest.raises(CsiError, match="--folds should be a whole number of at least 2"):
        PredictOptions(folds=1)
    with pytest.raises(CsiError, match="--predict-technique should be one of DA, EA"):
        PredictOptions(technique="xx")
    with pytest.raises(CsiError, match=r"--folds should be at most the number of respondents \(20\)"):
        fold_assignment(20, 30, 1, 1)


def test_cvpat_table_shape(mobi):
    L = Layout.from_spec(load_model("ecsi"))
    X = mobi[list(L.items)].to_numpy(dtype=float)
    cv = cross_validate(X, L, folds_of_orders(np.arange(250)[None], 5))
    t = cvpat(cv)
    assert list(t.index.get_level_values(0).unique()) == ["overall", "CUEX", "PERQ", "PERV", "CUSA", "CUSCO", "CUSL"]
