"""`csi score` from the command line (tests/workflows/test_waves.py): bad waves, bad options, the
outputs, and the option the user typed named when a segment column is missing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from csi.cli import app
from tests.conftest import ROOT
from tests.workflows.test_waves import SPEC
from tests.workflows.test_waves import waves as waves

runner = CliRunner()


def test_missing_segment_column_names_segments_option(tmp_path):
    wave = ROOT / "data" / "waves" / "wave_2026Q1.csv"
    result = CliRunner().invoke(app, ["score", str(wave), "--model", "ecsi", "--segments", "regio", "--boot", "0", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "--segments regio: no such column" in result.output
    assert "--group" not in result.output
    assert "Traceback" not in result.output


def test_one_bad_wave_is_reported_and_the_others_complete(waves, tmp_path):
    bad = tmp_path / "wave_2026Q4.csv"
    bad.write_text("IMAG1,IMAG2\n1,2\n", encoding="utf-8")
    missing = tmp_path / "wave_2027Q1.csv"
    out = tmp_path / "out"
    result = runner.invoke(app, ["score", *map(str, waves), str(bad), str(missing), "--boot", "50", "--workers", "1", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    d = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert [w["label"] for w in d["waves"]] == ["2026Q1", "2026Q2", "2026Q3"]
    failed = {f["label"]: f for f in d["failed"]}
    assert set(failed) == {"2026Q4", "2027Q1"}
    assert str(bad) in failed["2026Q4"]["error"] and "CUSA1" in failed["2026Q4"]["error"]
    assert str(missing) in failed["2027Q1"]["error"]
    assert "failed:" in result.output


def test_all_waves_bad_is_one_user_error(tmp_path):
    result = runner.invoke(app, ["score", str(tmp_path / "nope_2026Q1.csv"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "no wave could be scored" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o" / "scores.json").exists()


def test_refit_and_weights_from_exclude_each_other(waves, tmp_path):
    result = runner.invoke(app, ["score", str(waves[0]), "--refit", "--weights-from", str(tmp_path / "r.json")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # no traceback
    assert result.output.startswith("error: --refit and --weights-from exclude each other") and result.output.count("\n") == 1


def test_cli_outputs_json_xlsx_and_marked_trend(waves, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "out"
    result = runner.invoke(app, ["score", *map(str, waves), "--boot", "300", "--seed", "4", "--workers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    d = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    assert d["mode"] == "refit" and d["settings"]["seed"] == 4 and d["settings"]["resamples"] == 300
    w = d["waves"][2]
    assert w["label"] == "2026Q3" and w["n"] == 500
    cusa = next(c for c in w["constructs"] if c["name"] == "CUSA")
    assert cusa["ci"][0] < cusa["index"] < cusa["ci"][1]
    assert w["weight_drift"]["CUSA"]["baseline"] == "2026Q1"
    rise = next(c for c in d["changes"] if c["construct"] == "CUSA" and c["from"] == "2026Q2" and c["to"] == "2026Q3")
    for key in ("delta", "ci", "p_value", "significant"):
        assert key in rise
    assert rise["significant"] and rise["ci"][0] > 0
    line = next(ln for ln in result.output.splitlines() if "CUSA" in ln)
    assert "▲" in line  # the rise is marked in the trend table
    wb = load_workbook(out / "scores.xlsx")
    assert wb.sheetnames == ["trend", "long", "changes", "weight_drift", "warnings", "settings"]
    trend = wb["trend"]
    header = [c.value for c in trend[2]]  # row 1: readable headers, row 2: the codes
    assert header == ["construct", "2026Q1", "2026Q2", "2026Q3"]
    row = next(r for r in trend.iter_rows(min_row=3, values_only=True) if r[0] == "CUSA")
    assert abs(row[3] - cusa["index"]) < 1e-12
    assert wb["long"].max_row == 2 + 3 * len(SPEC.codes)


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["--seed", "-1"], "--seed should be"), (["--level", "1.5"], "--level should be"),
     (["--boot", "1"], "--boot should be"), (["--workers", "0"], "--workers should be"),
     (["--scheme", "magic"], "scheme should be one of")],
)
def test_bad_options_are_one_line_user_errors(waves, tmp_path, args, needle):
    result = runner.invoke(app, ["score", str(waves[0]), "--out", str(tmp_path), *args])
    assert result.exit_code == 2 and needle in result.output and "Traceback" not in result.output


def _indices(out):
    """scores.json and its index and interval per (wave, segment value, construct)."""
    d = json.loads((out / "scores.json").read_text(encoding="utf-8"))
    return d, {(w["label"], (w["segment"] or {}).get("value"), c["name"]): (c["index"], *(c.get("ci") or ()))
               for w in d["waves"] for c in w["constructs"]}


def test_score_encoding_and_header_row_reach_the_reader(tmp_path):
    """Issue 12: a GBK wave (Chinese segment names) read with --encoding gbk and a wave under a
    title row read with --header-row 2 give the clean files' scores (1e-12), the options are
    recorded in scores.json, and a wrong value reaches the reader (so the flags are not ignored)."""
    import pandas as pd

    src = pd.read_csv(ROOT / "data" / "waves" / "wave_2026Q1.csv")
    src["region"] = src["region"].map({"North": "北部", "South": "南部"})
    clean = tmp_path / "clean" / "wave_2026Q1.csv"
    clean.parent.mkdir()
    src.to_csv(clean, index=False, encoding="utf-8")
    gbk = tmp_path / "gbk" / "wave_2026Q1.csv"
    gbk.parent.mkdir()
    src.to_csv(gbk, index=False, encoding="gbk")
    titled = tmp_path / "titled" / "wave_2026Q1.csv"
    titled.parent.mkdir()
    titled.write_text("客户满意度调查 2026Q1\n" + clean.read_text(encoding="utf-8"), encoding="utf-8")

    def run(wave, name, *extra):
        out = tmp_path / name
        result = runner.invoke(app, ["score", str(wave), "--segments", "region", "--boot", "20", "--workers", "1",
                                     "--out", str(out), *extra])
        return result, out

    r, out = run(clean, "o-clean")
    assert r.exit_code == 0, r.output
    d0, ref = _indices(out)
    assert d0["settings"]["encoding"] is None and d0["settings"]["header_row"] is None
    assert len(ref) == 3 * len(SPEC.codes)  # the wave and its two segments
    for wave, name, extra, key, value in [(gbk, "o-gbk", ("--encoding", "gbk"), "encoding", "gbk"),
                                          (titled, "o-title", ("--header-row", "2"), "header_row", 2)]:
        r, out = run(wave, name, *extra)
        assert r.exit_code == 0, r.output
        d, got = _indices(out)
        assert d["settings"][key] == value
        assert got.keys() == ref.keys()  # segments 北部 / 南部 decoded as in the clean file
        for k, v in ref.items():
            assert got[k] == pytest.approx(v, abs=1e-12, rel=0), k
    # the flags reach the reader: values that cannot work are that reader's errors, naming the file
    r, _ = run(gbk, "o-bad-enc", "--encoding", "utf-8")
    assert r.exit_code == 2 and "cannot decode" in r.output and "Traceback" not in r.output
    r, _ = run(titled, "o-bad-row", "--header-row", "1")
    assert r.exit_code == 2 and str(titled) in r.output and "Traceback" not in r.output
