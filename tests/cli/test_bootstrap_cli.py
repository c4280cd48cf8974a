"""`csi fit --boot`: the command line reports used and failed resamples (tests/inference/test_bootstrap.py)."""

from __future__ import annotations

import json

import numpy as np

from tests.inference.test_bootstrap import _rows
from tests.inference.test_bootstrap import degenerate as degenerate


def test_cli_reports_used_and_failed_resamples(degenerate, tmp_path):
    from typer.testing import CliRunner

    from csi.cli import app

    path = tmp_path / "degenerate.csv"
    degenerate.to_csv(path)
    result = CliRunner().invoke(app, ["fit", str(path), "--model", "ecsi", "--out", str(tmp_path / "out"),
                                      "--boot", "300", "--seed", "17", "--tiers", "none"])
    assert result.exit_code == 0, result.output
    failed = int((~np.isin(_rows(17, 300), [10, 200]).any(axis=1)).sum())
    assert f"Bootstrap: {300 - failed} of 300 resamples used ({failed} failed)" in " ".join(result.output.split())
    d = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert d["settings"]["bootstrap"]["resamples_failed"] == failed
