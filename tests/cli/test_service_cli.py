"""`csi servqual` and `csi sqi` from the command line: outputs, numbers read back, user errors → exit 2."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from csi.cli import app
from csi.model.gaps import load_gap_model, simulate
from tests.workflows.test_sqi import event_log

runner = CliRunner()


def test_servqual_command(tmp_path):
    sq = load_gap_model("servqual")
    data = simulate(sq, 300, {"REL": -1.0, "EMP": 0.5}, seed=4, segments={"a": 0.0, "b": -0.5})
    data.loc[0, "segment"] = "=HYPERLINK(\"x\")[bold]$x$"
    f = tmp_path / "sq.csv"
    data.to_csv(f, index=False)
    r = runner.invoke(app, ["servqual", str(f), "--segment", "segment", "--boot", "50", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert "Reliability" in r.output and "weighted by importance" in r.output
    d = json.loads((tmp_path / "o" / "servqual.json").read_text())
    rel = next(g for g in d["gaps"] if g["level"] == "dimension" and g["dimension"] == "REL" and g["segment"] is None)
    hand = sum((data[f"P{i}"] - data[f"E{i}"]).mean() for i in range(5, 10)) / 5
    assert rel["gap"] == pytest.approx(hand, abs=1e-12)
    assert (tmp_path / "o" / "servqual_gaps.png").stat().st_size > 1000
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "o" / "servqual.xlsx")["servqual gaps"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)  # user text never becomes a formula


def test_servqual_bad_input_exit_2(tmp_path):
    f = tmp_path / "sq.csv"
    f.write_text("P1,E1\n1,2\n")
    r = runner.invoke(app, ["servqual", str(f), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "missing column(s)" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["servqual", str(f), "--boot", "-1"])
    assert r.exit_code == 2 and "--boot" in r.output


def test_sqi_command(tmp_path):
    raw = event_log(seed=3, days=20)
    f = tmp_path / "ev.csv"
    raw.to_csv(f, index=False)
    r = runner.invoke(app, ["sqi", str(f), "--period", "week", "--target", "30", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    d = json.loads((tmp_path / "o" / "sqi.json").read_text())
    assert sum(x["sqi"] for x in d["sqi"]) == pytest.approx(
        sum({"lost": 50, "damaged": 30, "late beyond a day": 10, "complaint reopened": 10, "invoice adjustment": 3,
             "aircraft delay": 3, "trace not answered": 3, "late within a day": 1}[t.lower().replace("_", " ")] * c
            for t, c in zip(raw["type"], raw["count"], strict=True)), abs=1e-9)
    assert d["attainment"] is not None
    assert (tmp_path / "o" / "sqi_trend.png").exists() and (tmp_path / "o" / "sqi_attainment.png").exists()
    assert (tmp_path / "o" / "sqi.xlsx").exists()


def test_sqi_errors_exit_2(tmp_path):
    f = tmp_path / "ev.csv"
    f.write_text("date,type\n2026-01-01,lost\n2026-01-02,stolen\n")
    r = runner.invoke(app, ["sqi", str(f), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "unknown failure type 'stolen' (row 3)" in r.output and "Traceback" not in r.output
    w = tmp_path / "w.yaml"
    w.write_text("lost: -5\n")
    r = runner.invoke(app, ["sqi", str(f), "--weights", str(w)])
    assert r.exit_code == 2 and "negative" in r.output
    r = runner.invoke(app, ["sqi", str(f), "--period", "year"])
    assert r.exit_code == 2 and "--period should be one of day, week, month" in r.output
