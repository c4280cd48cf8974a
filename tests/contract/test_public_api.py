"""The public library API of csi 0.1 keeps working (issue 11): keywords, attributes, exports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csi
from tests.conftest import ROOT

FIT_KEYWORDS = {
    "scheme": "factorial", "standardize": True, "tol": 1e-7, "max_iter": 300, "criterion": "abs", "sheet": None,
    "column_map": None, "missing": "mean", "missing_codes": (99,), "reverse": (), "scale": (1, 10), "weights": None,
    "groups": (), "method": "pls", "estimator": "ML", "boot": 20, "seed": 5, "ci": "percentile", "level": 0.9,
    "tiers": ("nps",), "ipma_target": "CUSA", "permutations": 100, "min_group_size": None, "progress": False,
}
SCORE_KEYWORDS = {
    "resamples": 20, "seed": 9, "level": 0.9, "segments": None, "scheme": "centroid", "standardize": True, "tol": 1e-6,
    "max_iter": 200, "sheet": None, "column_map": None, "missing": "mean", "missing_codes": (99,), "reverse": ("CUSL2",),
    "scale": (1, 10), "weights": None, "workers": 1, "executor": None, "progress": False, "weights_from": None,
}
EXPORTS = ["__version__", "fit", "FitResults", "score_waves", "ScoreResults", "load_model", "ModelSpec", "read_survey",
           "SurveyData", "CsiError", "SpecError", "DataError", "EstimationError", "CsiWarning", "ConvergenceWarning",
           "QualityWarning", "ImproperSolutionWarning"]


@pytest.fixture(scope="module")
def res(mobi: pd.DataFrame) -> csi.FitResults:
    return csi.fit(mobi, "ecsi", **FIT_KEYWORDS)


def test_every_v01_keyword_of_fit_is_accepted_and_used(res: csi.FitResults) -> None:
    s = res.settings
    assert (s["scheme"], s["missing"], s["seed"], s["resamples"]) == ("factorial", "mean", 5, 20)
    assert res.bootstrap is not None and res.bootstrap.settings["level"] == 0.9
    assert res.ipma is not None and set(res.ipma["target"]) == {"CUSA"}
    assert res.tiers is not None and res.tiers.schemes == ("nps",)


def test_unknown_keyword_is_a_clear_error(mobi: pd.DataFrame) -> None:
    with pytest.raises(csi.CsiError, match="unknown option 'schema'"):
        csi.fit(mobi, "ecsi", schema="path", boot=0)


def test_readme_attributes(res: csi.FitResults) -> None:
    assert res.indices.index.between(0, 100).all()
    assert ("IMAG", "CUEX") in res.pls.paths.index
    assert list(res.quality.reliability.columns) == ["alpha", "rho_a", "rho_c", "ave"]
    assert "Paths" in res.summary()
    assert isinstance(res.warnings, tuple) and all(isinstance(w, str) for w in res.warnings)
    assert res.n_obs == 250
    assert np.isfinite(res.bootstrap.stats("paths")["std_error"]).all()  # type: ignore[union-attr]


def test_short_repr_and_notebook_html(res: csi.FitResults) -> None:
    r = repr(res)
    assert len(r) < 400 and r.startswith("<FitResults ecsi") and "n = 250" in r
    h = res._repr_html_()
    assert "<table>" in h and all(c in h for c in res.spec.codes)


def test_every_v01_keyword_of_score_waves_is_accepted_and_used() -> None:
    waves = sorted(str(p) for p in (ROOT / "data" / "waves").glob("*.csv"))[:2]
    sc = csi.score_waves(waves, "ecsi", **SCORE_KEYWORDS)
    s = sc.settings
    assert (s["resamples"], s["seed"], s["level"], s["scheme"], s["tolerance"], s["max_iterations"]) == (20, 9, 0.9, "centroid", 1e-6, 200)
    assert (s["missing"], s["missing_codes"], s["reverse"], s["workers"]) == ("mean", [99.0], ["CUSL2"], 1)
    assert len(sc.units) == 2 and all(u.resamples_used == 20 for u in sc.units)


def test_exports() -> None:
    assert [n for n in EXPORTS if not hasattr(csi, n)] == []
    assert set(EXPORTS) <= set(csi.__all__)


def test_save_and_to_json(res: csi.FitResults, tmp_path) -> None:
    import json

    files = res.save(tmp_path / "out")
    assert [f.name for f in files] == ["results.json", "results.xlsx"] and all(f.is_file() for f in files)
    on_disk = json.loads(files[0].read_text(encoding="utf-8"))
    doc = res.to_json()
    assert on_disk["schema_version"] == doc["schema_version"] == 2
    assert [c["index"] for c in on_disk["constructs"]] == [c["index"] for c in doc["constructs"]]
    assert [c["index"] for c in doc["constructs"]] == list(res.indices.index.to_numpy())


def test_derive_subset_keeps_quality_and_indices(mobi: pd.DataFrame) -> None:
    r = csi.fit(mobi, "ecsi", boot=0, derive=("tiers",))
    assert r.settings["derivations"] == ["quality", "indices", "tiers"]
    assert r.ipma is None and r.tiers is not None and r.quality.gof > 0
    doc = r.to_json()
    assert doc["settings"]["derivations"] == ["quality", "indices", "tiers"] and not doc.get("ipma")


def test_options_object_gives_the_same_fit_as_keywords(mobi: pd.DataFrame) -> None:
    opts = csi.FitOptions(pls=csi.PLSOptions(scheme="centroid"), boot=csi.BootOptions(resamples=0), tiers=())
    a = csi.fit(mobi, "ecsi", options=opts)
    b = csi.fit(mobi, "ecsi", scheme="centroid", boot=0, tiers=())
    assert a.settings["scheme"] == "centroid"
    np.testing.assert_array_equal(a.pls.paths.to_numpy(), b.pls.paths.to_numpy())
    with pytest.raises(csi.CsiError, match="not both"):
        csi.fit(mobi, "ecsi", options=opts, scheme="path")
