"""`csi validate` and the missing-data policy of `csi fit` from the command line
(tests/data/test_survey_policy.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from csi.cli import app
from csi.model.simulate import simulate_survey
from tests.conftest import ROOT
from tests.data.test_survey_policy import ITEMS, SPEC
from tests.data.test_survey_policy import holes as holes

runner = CliRunner()


def test_cli_validate_exit_codes_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ok = runner.invoke(app, ["validate", str(ROOT / "data" / "sample_survey.xlsx"), "--model", "ecsi"])
    assert ok.exit_code == 0, ok.output
    assert "24 of 24 model items found" in ok.stdout and "OK: the survey can be fitted with model ecsi." in ok.stdout
    bad = tmp_path / "bad.csv"
    df = simulate_survey(SPEC, 40, seed=1)
    df.loc[0, "CUSL3"] = 99
    df.to_csv(bad, index=False)
    res = runner.invoke(app, ["validate", str(bad), "--model", "ecsi"])
    assert res.exit_code == 2
    assert "2 problem(s); csi fit would stop with:" in res.stdout
    assert "column CUSL3: 1 value(s) outside the 1–10 scale in row(s) 2 (seen: 99)" in res.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_results_json_reports_policy_and_counts(tmp_path, holes):
    p = tmp_path / "holes.csv"
    holes.to_csv(p, index=False)
    out = tmp_path / "out"
    r = runner.invoke(app, ["fit", str(p), "--model", "ecsi", "--out", str(out), "--missing", "mean", "--weights", "wt", "--tiers", "none", "--boot", "0"])
    assert r.exit_code == 0, r.output
    assert "mean imputation:" in r.stdout.replace("\n", " ")
    d = json.loads((out / "results.json").read_text(encoding="utf-8"))
    # the counts by pandas: respondents with at least one answer, imputed cells per construct
    keep = holes[ITEMS].notna().any(axis=1)
    body = holes.loc[keep, ITEMS]
    md = d["settings"]["missing_data"]
    assert md["imputed_by_construct"] == {c.code: int(body[list(c.items)].isna().any(axis=1).sum()) for c in SPEC.constructs}
    assert md["cells_imputed"] == int(body.isna().sum().sum())
    assert md["rows_empty"] == 2 and d["settings"]["missing"] == "mean" and d["n_obs"] == int(keep.sum())
    w = holes.loc[keep, "wt"].to_numpy()
    assert d["settings"]["n_effective"] == pytest.approx(w.sum() ** 2 / np.sum(w**2), rel=1e-12)
    assert d["settings"]["file_format"] == "csv" and d["settings"]["delimiter"] == ","


def test_survey_text_never_becomes_a_formula(tmp_path, monkeypatch):
    """Segment labels and a file name that look like formulas reach results.xlsx as text."""
    from openpyxl import load_workbook

    df = simulate_survey(SPEC, 120, seed=12)
    labels = ["=HYPERLINK(\"http://x\")", "@SUM(A1)", "+1+1", "-2+3"]
    df.insert(0, "region", [labels[i % 4] for i in range(120)])
    monkeypatch.chdir(tmp_path)
    df.to_csv("=cmd.csv", index=False)
    r = runner.invoke(app, ["fit", "=cmd.csv", "--model", "ecsi", "--out", "out", "--boot", "0",
                            "--group", "region", "--permutations", "20"])
    assert r.exit_code == 0, r.output
    wb = load_workbook(tmp_path / "out" / "results.xlsx")
    seen = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    assert cell.data_type == "s"
                    seen.add(cell.value)
    assert "=cmd.csv" in seen and set(labels) <= seen
