"""`csi report` deliverable options (--lang, --template, --study, --client, --date, --format html) and
`csi models show` writing question texts back."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from csi.cli import app
from tests.conftest import REFERENCE

runner = CliRunner()


def test_report_options_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "fit"
    r = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--model", "scsb", "--boot", "0", "--out", str(out)])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "rep"), "-f", "html", "--lang", "de", "--study", "Studie X",
                            "--client", "ACME", "--date", "2026-11-30"])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "Studie X" in page and 'lang="de"' in page and "ACME" in page
    r = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "rep2"), "--lang", "xx"])
    assert r.exit_code == 2 and "--lang should be one of en, zh, de" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["report", str(out), "-o", str(tmp_path / "rep3"), "-f", "pptx", "--template", str(tmp_path / "no.pptx")])
    assert r.exit_code == 2 and "--template" in r.output and "no such file" in r.output


def test_models_show_writes_question_texts_back(tmp_path: Path) -> None:
    from csi.model.spec import load_model

    path = tmp_path / "m.yaml"
    path.write_text(load_model("scsb").to_yaml() + "lang: zh\nitems:\n  CUSA1: 总体满意度\n", encoding="utf-8")
    r = runner.invoke(app, ["models", "show", str(path)])
    assert r.exit_code == 0, r.output
    assert "lang: zh" in r.output and "CUSA1: 总体满意度" in r.output
