"""``csi models show`` writes higher-order and interaction sections back; ``--missing em`` and the HOC model from the CLI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

import csi
from csi.cli.app import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


def test_models_show_ecsi_hoc_round_trips() -> None:
    result = runner.invoke(app, ["models", "show", "ecsi-hoc"])
    assert result.exit_code == 0
    assert "higher_order:" in result.output and "dimensions:" in result.output
    assert csi.model.spec.parse_yaml(result.output, "shown").transforms == csi.load_model("ecsi-hoc").transforms


def test_fit_ecsi_hoc_with_em(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = runner.invoke(app, ["fit", str(ROOT / "data" / "sample_hoc_survey.csv"), "--model", "ecsi-hoc",
                                 "--missing", "em", "--boot", "20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "EM (" in result.output and "higher-order constructs" in result.output
    import json

    res = json.loads((out / "results.json").read_text())
    assert res["settings"]["missing"] == "em"
    assert res["higher_order"][0]["construct"] == "PERQ"


def test_cbsem_interaction_is_a_clear_error(tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    model.write_text("name: m\nconstructs:\n  X: [IMAG1, IMAG2]\n  M: [CUEX1, CUEX2]\n  Y: [CUSA1, CUSA2]\n"
                     "interactions:\n  XM: {iv: X, moderator: M}\npaths:\n  - X, M, XM -> Y\n")
    result = runner.invoke(app, ["fit", str(ROOT / "data" / "sample_hoc_survey.csv"), "--model", str(model),
                                 "--method", "cbsem", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "CB-SEM cannot express the interaction term XM" in result.output
