"""`csi score` names the option the user typed when a segment column is missing."""

from __future__ import annotations

from typer.testing import CliRunner

from csi.cli import app
from tests.conftest import ROOT


def test_missing_segment_column_names_segments_option(tmp_path):
    wave = ROOT / "data" / "waves" / "wave_2026Q1.csv"
    result = CliRunner().invoke(app, ["score", str(wave), "--model", "ecsi", "--segments", "regio", "--boot", "0", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "--segments regio: no such column" in result.output
    assert "--group" not in result.output
    assert "Traceback" not in result.output
