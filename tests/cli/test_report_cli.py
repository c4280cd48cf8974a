"""`csi report` and `csi fit --report` from the command line (tests/report/test_outputs.py)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from csi.cli import app
from csi.report import charts as ch
from tests.report.test_charts import SAMPLE
from tests.report.test_outputs import _pdf_pages
from tests.report.test_outputs import folders as folders

runner = CliRunner()


def test_cli_report_writes_everything(folders, tmp_path):
    r = runner.invoke(app, ["report", str(folders["scsb"]), "--out", str(tmp_path / "rep"), "--dpi", "20"])
    assert r.exit_code == 0, r.output
    names = {p.name for p in (tmp_path / "rep").iterdir()}
    assert {"charts.pdf", "report.pptx", "report.xlsx", "path-diagram.png", "index-bars.png", "htmt.png"} <= names
    assert "wrote" in r.output


@pytest.mark.parametrize(("args", "needle"), [
    (["report", "{empty}"], "no results.json (written by csi fit) or scores.json"),
    (["report", "{missing}"], "no such folder or file"),
    (["report", "{bad}"], "not a csi results file (invalid JSON"),
    (["report", "{scsb}", "--format", "png,gif"], "--format should be a comma-separated list of png, svg, pdf, pptx, xlsx, html; got 'gif'"),
    (["report", "{scsb}", "--charts", "pie"], "--charts should name charts of these results"),
    (["report", "{scsb}", "--dpi", "5"], "--dpi should be between 20 and 600; got 5"),
])
def test_cli_report_user_errors_exit_2_with_one_message(folders, tmp_path, args, needle):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "results.json").write_text("{not json", encoding="utf-8")
    paths = {"empty": tmp_path / "empty", "missing": tmp_path / "nope", "bad": tmp_path / "bad", "scsb": folders["scsb"]}
    argv = [a.format(**{k: str(v) for k, v in paths.items()}) for a in args] + ["--out", str(tmp_path / "rep")]
    r = runner.invoke(app, argv)
    assert r.exit_code == 2, r.output
    text = re.sub(r"\s+", " ", r.output)
    assert needle in text
    assert "Traceback" not in r.output
    assert not (tmp_path / "rep").exists() or not any((tmp_path / "rep").iterdir())


def test_cli_fit_report_renders_into_the_out_folder(tmp_path):
    out = tmp_path / "fit"
    r = runner.invoke(app, ["fit", str(SAMPLE), "--model", "scsb", "--boot", "0", "--out", str(out), "--report"])
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {"results.json", "results.xlsx", "charts.pdf", "report.pptx", "path-diagram.png"} <= names
    assert "report.xlsx" not in names  # results.xlsx is the workbook of a fit
    d = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert len(_pdf_pages(out / "charts.pdf")) == 1 + len(ch.fit_charts(d))  # a cover page, then the charts
