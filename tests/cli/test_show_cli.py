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
