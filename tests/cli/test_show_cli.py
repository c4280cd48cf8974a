"""``csi fit --show``: selected sections only; an unknown key is one clear error (exit 2)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from csi.cli.app import app
from tests.conftest import REFERENCE

MOBI = REFERENCE / "mobi.csv"


def test_show_measurement_and_mediation(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["fit", str(MOBI), "--boot", "0", "--tiers", "none", "--show", "measurement,mediation",
                                 "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert "Measurement model: loadings and weights" in r.output and "Mediation: specific indirect effects" in r.output
    assert "Paths" not in r.output and "CUSL2" in r.output


def test_unknown_show_key(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["fit", str(MOBI), "--boot", "0", "--show", "loadings", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--show should be a comma-separated list of measurement" in r.output and "'loadings'" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "o").exists()


def test_predict_flag_runs_plspredict_with_its_settings(tmp_path: Path) -> None:
    import json

    out = tmp_path / "o"
    r = CliRunner().invoke(app, ["fit", str(MOBI), "--boot", "0", "--tiers", "none", "--predict", "--folds", "5", "--repeats", "2",
                                 "--seed", "4", "--show", "predict", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "predict: PLSpredict" in r.output and "predict: CVPAT" in r.output
    d = json.loads((out / "results.json").read_text())
    assert d["predict"]["settings"]["folds"] == 5 and d["predict"]["settings"]["repeats"] == 2 and d["predict"]["settings"]["seed"] == 4
    assert d["settings"]["derivations"][-1] == "predict"
    bad = CliRunner().invoke(app, ["fit", str(MOBI), "--boot", "0", "--predict", "--folds", "1", "--out", str(tmp_path / "b")])
    assert bad.exit_code == 2 and "--folds should be a whole number of at least 2" in bad.output
