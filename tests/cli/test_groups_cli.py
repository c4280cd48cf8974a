"""`csi fit --group`: the multigroup comparison from the command line (tests/inference/test_groups.py)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from csi.cli import app
from tests.inference.test_groups import survey_file as survey_file


def test_cli_group_comparison(survey_file, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    r = runner.invoke(app, ["fit", str(survey_file), "--group", "g", "--permutations", "299", "--boot", "200", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "Groups by g" in r.output and "MICOM" in r.output
    d = json.loads((out / "results.json").read_text(encoding="utf-8"))
    g = d["groups"][0]
    assert g["settings"]["permutations"] == 299 and g["settings"]["bootstrap"] == 200
    planted = [x for x in g["differences"] if x["name"] == "CUSA -> CUSL"][0]
    assert planted["p_mga"] is not None and planted["p_permutation"] < 0.05
    assert all(x["ci"][0] is not None and x["ci"][1] is not None for x in g["paths"])  # per-group bootstrap intervals
    bad = runner.invoke(app, ["fit", str(survey_file), "--group", "g", "--permutations", "0", "--out", str(out)])
    assert bad.exit_code == 2 and "--permutations should be a whole number" in bad.output
