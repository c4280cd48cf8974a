"""``csi aggregate`` end to end: outputs (programme.json valid against its schema, workbook, charts),
the Dask scheduler giving the same programme.json as the local pool, exit codes, all-or-nothing
writing and user text that stays text (no spreadsheet formula, rich markup or mathtext)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from csi.cli import app
from csi.results.contract import SCHEMA_DIR
from tests.workflows._programme_data import tiny

runner = CliRunner()
ODD = "=1+1 $x^2$ [bold]Co[/bold]"  # a formula, mathtext and rich markup in one company name


def _odd(path: Path) -> None:
    """Rename industry Ind0 to ODD."""
    m = yaml.safe_load(path.read_text())
    m["sectors"]["S0"] = [ODD]
    for c in m["companies"].values():
        if c["industry"] == "Ind0":
            c["industry"] = ODD
    path.write_text(yaml.safe_dump(m, allow_unicode=True))


def test_aggregate_writes_valid_outputs_and_keeps_user_text_literal(tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=1, resamples=20)
    _odd(path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["aggregate", str(path), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "4 computed, 0 from the cache" in result.output
    assert "[bold]Co[/bold]" in result.output  # printed as text, not as markup
    names = {p.name for p in out.iterdir()}
    assert {"programme.json", "programme.xlsx", "programme_trend.png", "programme_league.png", "programme_changes.png"} <= names
    doc = json.loads((out / "programme.json").read_text())
    schema = json.loads((SCHEMA_DIR / "programme.schema.json").read_text())
    jsonschema.validate(doc, schema)
    assert {r["level"] for r in doc["levels"]} == {"company", "industry", "sector", "national"}
    wb = load_workbook(out / "programme.xlsx")
    assert {"company", "industry", "sector", "national", "trend", "changes", "units"} <= set(wb.sheetnames)
    cells = [c for row in wb["industry"].iter_rows() for c in row if c.value == ODD]
    assert cells and all(c.data_type == "s" for c in cells)
    from csi.report.charts.programme import industry_league

    chart = industry_league(doc)
    assert chart is not None
    ticks = [t for t in chart.figure.axes[0].get_yticklabels() if t.get_text() == ODD]
    assert ticks and not ticks[0].get_parse_math()  # drawn as typed, not as mathtext

    again = runner.invoke(app, ["aggregate", str(path), "--out", str(out), "--workers", "1"])
    assert again.exit_code == 0 and "0 computed, 4 from the cache" in again.output


def test_scheduler_threads_gives_the_same_programme_json(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    path = tiny(tmp_path, companies=1, resamples=20)
    docs = []
    for sched in ("local", "threads"):
        res = runner.invoke(app, ["aggregate", str(path), "--out", str(tmp_path / sched), "--scheduler", sched,
                                  "--workers", "2", "--no-cache", "--no-charts"])
        assert res.exit_code == 0, res.output
        d = json.loads((tmp_path / sched / "programme.json").read_text())
        assert d["settings"].pop("scheduler") == sched
        d["settings"].pop("versions")
        docs.append(d)
    assert docs[0] == docs[1]


def test_manifest_error_exits_2_with_one_message(tmp_path: Path) -> None:
    path = tiny(tmp_path, resamples=0)
    m = yaml.safe_load(path.read_text())
    m["companies"]["Ind0 A"]["industry"] = "Mining"
    path.write_text(yaml.safe_dump(m))
    res = runner.invoke(app, ["aggregate", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "unknown industry 'Mining'" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o" / "programme.json").exists()
    bad = runner.invoke(app, ["aggregate", str(path), "--scheduler", "yarn"])
    assert bad.exit_code == 2 and "--scheduler should be one of" in bad.output


def test_failed_unit_is_reported_exit_2_and_the_rest_written(tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=1, resamples=0)
    (tmp_path / "s" / "Ind1_A_2026.csv").write_text("not,a,survey\n1,2,3\n")
    res = runner.invoke(app, ["aggregate", str(path), "--out", str(tmp_path / "o"), "--no-charts", "--workers", "1"])
    assert res.exit_code == 2, res.output
    doc = json.loads((tmp_path / "o" / "programme.json").read_text())
    failed = [u for u in doc["units"] if u["status"] == "failed"]
    assert [(u["company"], u["wave"]) for u in failed] == [("Ind1 A", "2026")]
    assert "Ind1_A_2026.csv" in failed[0]["reason"]


def test_outputs_are_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csi.report.charts.programme as charts

    def boom(d: object) -> None:
        raise RuntimeError("chart failed")

    monkeypatch.setattr(charts, "change_heatmap", boom)
    path = tiny(tmp_path, companies=1, resamples=0)
    out = tmp_path / "o"
    res = runner.invoke(app, ["aggregate", str(path), "--out", str(out), "--no-cache", "--workers", "1"])
    assert isinstance(res.exception, RuntimeError)
    assert not out.exists() or not [p for p in out.iterdir()]  # nothing written, no staging folder left


def test_score_takes_the_same_scheduler_option(tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=1, resamples=0)
    wave = str(next((tmp_path / "s").glob("*.csv")))
    bad = runner.invoke(app, ["score", wave, "--model", "scsb", "--boot", "0", "--scheduler", "mpi", "--out", str(tmp_path / "o")])
    assert bad.exit_code == 2 and "--scheduler should be one of local" in bad.output
    assert path.exists() and not (tmp_path / "o").exists()
