"""`csi fit --index METHOD` and `csi score --index METHOD` with the curriculum's methods; `--derive` drivers,
penalty_reward and fuzzy reach results.json.  Numbers compared with the library's (itself checked against
independent computations in tests/derive/test_index_methods.py) and with plain pandas means."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from csi.cli import app
from tests.conftest import REFERENCE, ROOT

runner = CliRunner()


def test_fit_index_mean_with_intervals_and_derivations(tmp_path):
    out = tmp_path / "o"
    r = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--model", "ecsi", "--index", "mean", "--boot", "100",
                            "--derive", "quality,indices,ipma,tiers,drivers,penalty_reward,fuzzy", "--out", str(out)])
    assert r.exit_code in (0, 1), r.output
    d = json.loads((out / "results.json").read_text())
    assert d["settings"]["index_method"] == "mean"
    mobi = pd.read_csv(REFERENCE / "mobi.csv", index_col=0)
    hand = ((mobi[["CUSA1", "CUSA2", "CUSA3"]].mean() - 1) / 9 * 100).mean()
    cusa = next(c for c in d["constructs"] if c["name"] == "CUSA")
    assert cusa["index"] == pytest.approx(hand, abs=1e-12)
    assert cusa["ci"][0] < hand < cusa["ci"][1]
    assert {x["to"] for x in d["drivers"]["drivers"]} >= {"CUSA", "CUSL"}
    assert d["penalty_reward"]["settings"]["target"] == "CUSL"
    assert {x["operator"] for x in d["fuzzy"]["evaluation"]} == {"weighted", "maxmin"}
    from tests.contract.test_schema import _jsonschema_errors

    assert _jsonschema_errors(d, "fit") == []


@pytest.mark.parametrize("index", ["pca", "fuzzy"])
def test_score_waves_index(tmp_path, index):
    wave = ROOT / "data" / "waves" / "wave_2026Q1.csv"
    r = runner.invoke(app, ["score", str(wave), "--model", "ecsi", "--boot", "20", "--index", index, "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    d = json.loads((tmp_path / "o" / "scores.json").read_text())
    assert d["settings"]["index_method"] == index


def test_unknown_index_is_exit_2(tmp_path):
    r = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--index", "nope", "--boot", "0", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "pca" in r.output and "fuzzy" in r.output


def test_model_file_weights_recorded_in_settings(tmp_path):
    """A model file's index: weights reach the index and the recorded formula."""
    from csi.model.spec import load_model

    text = load_model("ecsi").to_yaml() + "index:\n  weights: {CUSA1: 2, CUSA2: 1, CUSA3: 1}\n"
    f = tmp_path / "m.yaml"
    f.write_text(text, encoding="utf-8")
    r = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--model", str(f), "--index", "mean", "--boot", "0", "--out", str(tmp_path / "o")])
    assert r.exit_code in (0, 1), r.output
    d = json.loads((tmp_path / "o" / "results.json").read_text())
    assert "importance weights" in d["settings"]["index_formula"]
    mobi = pd.read_csv(REFERENCE / "mobi.csv", index_col=0)
    m = (mobi[["CUSA1", "CUSA2", "CUSA3"]].mean() - 1) / 9 * 100
    cusa = next(c for c in d["constructs"] if c["name"] == "CUSA")
    assert cusa["index"] == pytest.approx((2 * m["CUSA1"] + m["CUSA2"] + m["CUSA3"]) / 4, abs=1e-12)
    imag = next(c for c in d["constructs"] if c["name"] == "IMAG")  # no weights listed: equal weights
    assert imag["index"] == pytest.approx(((mobi[[f"IMAG{i}" for i in range(1, 6)]].mean() - 1) / 9 * 100).mean(), abs=1e-12)
