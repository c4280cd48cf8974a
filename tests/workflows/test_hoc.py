"""The ecsi-hoc built-in on its sample survey: HOC index from the dimensions' indices, both quality levels."""

from __future__ import annotations

import numpy as np
import pytest

import csi
from csi.model.spec import load_model, parse_yaml

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample_hoc_survey.csv"


@pytest.fixture(scope="module")
def fit():
    return csi.fit(SAMPLE, model="ecsi-hoc", boot=50, weights="weight", seed=5)


def test_hoc_index_is_weighted_mean_of_dimension_indices(fit) -> None:
    table = fit.derived["higher_order"].table.set_index("construct")
    # hand: the HOC's ACSI weights over its dimension columns (w/sd, normalized to 1)
    w = fit.pls.weights.loc["PERQ"][["PQP", "PQS"]].to_numpy()
    sd = fit.pls.item_sds[["PQP", "PQS"]].to_numpy()
    v = (w / sd) / (w / sd).sum()
    want = v @ table.loc[["PQP", "PQS"], "index"].to_numpy()
    assert abs(fit.indices.index["PERQ"] - want) < 1e-10
    assert abs(table.loc["PERQ", "index"] - want) < 1e-10
    # the dimensions' indices by hand from stage-1 scores: (mean of Σ w̃x − 1)/9 × 100, weighted
    items = fit.survey.items
    wt = fit.survey.weights
    for d in ("PQP", "PQS"):
        s = items[d].to_numpy()
        assert abs(table.loc[d, "index"] - (np.average(s, weights=wt) - 1) / 9 * 100) < 1e-10
    assert 0 < want < 100


def test_quality_reported_at_both_levels(fit) -> None:
    t = fit.derived["higher_order"].table
    assert list(t["level"]) == ["higher", "lower", "lower"]
    assert t[["alpha", "rho_c", "ave"]].notna().all().all()
    # HOC level: rho_c from its loadings on the dimensions (stage 2)
    lam = t.loc[t["level"] == "lower", "hoc_loading"].to_numpy()
    rho_c = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert abs(t.loc[t["level"] == "higher", "rho_c"].iloc[0] - rho_c) < 1e-10
    contract = fit.derived["higher_order"].to_contract()
    assert contract[0]["construct"] == "PERQ" and contract[0]["level"] == "higher"


def test_builtin_round_trips_through_yaml() -> None:
    spec = load_model("ecsi-hoc")
    again = parse_yaml(spec.to_yaml(), "again.yaml")
    assert again.transforms == spec.transforms
    assert again.paths == spec.paths and [c.items for c in again.constructs] == [c.items for c in spec.constructs]


def test_score_waves_refuses_transform_models_clearly(tmp_path) -> None:
    from csi.errors import SpecError
    from csi.options import SurveyOptions
    from csi.workflows.waves import _refit_model

    with pytest.raises(SpecError, match="csi score does not handle higher_order or interactions yet \\(PERQ\\)"):
        _refit_model("ecsi-hoc", SurveyOptions())
