"""`csi fit`, `csi models` and the Python API end to end."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import csi
import csi.data.survey
import csi.model.spec
from csi.cli import app
from tests.conftest import REFERENCE, ROOT, SEMINR

runner = CliRunner()


@pytest.fixture(scope="module")
def mobi_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("mobi")
    result = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--model", "ecsi", "--out", str(out), "--boot", "0"])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_results_json_contract(mobi_out):
    out, _ = mobi_out
    d = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for key in ("csi_version", "model", "method", "settings", "n_obs", "issues", "constructs", "paths", "indicators", "effects", "htmt", "ipma"):
        assert key in d, key
    assert d["method"] == "pls" and d["n_obs"] == 250
    assert d["csi_version"] == csi.__version__
    s = d["settings"]
    for key in ("scheme", "seed", "missing", "standardized", "tolerance", "max_iterations", "versions", "iterations", "converged"):
        assert key in s, key
    c = {row["name"]: row for row in d["constructs"]}
    for key in ("label", "index", "std_error", "ci", "r2", "r2_adj", "alpha", "rho_a", "rho_c", "ave"):
        assert key in c["CUSA"], key
    p = d["paths"][0]
    for key in ("from", "to", "estimate", "std_error", "t", "p_value", "ci"):
        assert key in p, key
    i = d["indicators"][0]
    for key in ("name", "construct", "weight", "loading", "mean", "sd"):
        assert key in i, key


def test_results_json_numbers_match_seminr(mobi_out):
    out, _ = mobi_out
    d = json.loads((out / "results.json").read_text(encoding="utf-8"))
    ref_idx = pd.read_csv(SEMINR / "ecsi_mobi_index_acsi_formula.csv", index_col=0)["index"]
    got = {row["name"]: row["index"] for row in d["constructs"]}
    for code, v in ref_idx.items():
        assert abs(got[code] - v) < 1e-6
    ref_paths = pd.read_csv(SEMINR / "ecsi_mobi_paths.csv", index_col=0)
    for row in d["paths"]:
        assert abs(row["estimate"] - ref_paths.loc[row["from"], row["to"]]) < 1e-6
    ref_htmt = pd.read_csv(SEMINR / "ecsi_mobi_htmt.csv", index_col=0)
    assert len(d["htmt"]) == 21  # every pair of the 7 constructs, once
    for pair in d["htmt"]:
        assert abs(pair["value"] - ref_htmt.loc[pair["a"], pair["b"]]) < 1e-6


def test_results_xlsx_has_tables_and_settings(mobi_out):
    from openpyxl import load_workbook

    out, _ = mobi_out
    wb = load_workbook(out / "results.xlsx")
    for sheet in ("constructs", "paths", "indicators", "effects", "htmt", "settings"):
        assert sheet in wb.sheetnames
    settings = {r[0]: r[1] for r in wb["settings"].iter_rows(min_row=3, values_only=True)}  # rows 1–2: readable and code headers
    assert settings["Scheme"] == "path" and settings["Missing"] == "casewise"
    assert not any(c.data_type == "f" for ws in wb for row in ws.iter_rows() for c in row)


def test_results_xlsx_numbers_match_seminr(mobi_out, mobi):
    """The workbook's numbers are SEMinR's (estimates) and pandas' (item means and SDs)."""
    out, _ = mobi_out
    book = pd.read_excel(out / "results.xlsx", sheet_name=None, engine="openpyxl", header=1)  # row 2: the results.json codes
    con = book["constructs"].set_index("name")
    ref_idx = pd.read_csv(SEMINR / "ecsi_mobi_index_acsi_formula.csv", index_col=0)["index"]
    np.testing.assert_allclose(con.loc[ref_idx.index, "index"], ref_idx, rtol=0, atol=1e-6)
    rel = pd.read_csv(SEMINR / "ecsi_mobi_reliability.csv", index_col=0)
    for ours, theirs in (("alpha", "alpha"), ("rho_a", "rhoA"), ("rho_c", "rhoC"), ("ave", "AVE")):
        np.testing.assert_allclose(con.loc[rel.index, ours], rel[theirs], rtol=0, atol=1e-6, err_msg=ours)
    r2 = pd.read_csv(SEMINR / "ecsi_mobi_paths_r2.csv", index_col=0)
    np.testing.assert_allclose(con.loc[r2.columns, "r2"], r2.loc["R^2"].astype(float), rtol=0, atol=1e-6)
    ref_paths = pd.read_csv(SEMINR / "ecsi_mobi_paths.csv", index_col=0)
    paths = book["paths"]
    assert len(paths) == 12
    np.testing.assert_allclose(paths.estimate, [ref_paths.loc[a, b] for a, b in zip(paths["from"], paths["to"], strict=True)],
                               rtol=0, atol=1e-6)
    outer = pd.read_csv(SEMINR / "ecsi_mobi_outer.csv").set_index("indicator")
    ind = book["indicators"].set_index("name").loc[outer.index]
    np.testing.assert_allclose(ind.weight, outer.weight, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ind.loading, outer.loading, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ind["mean"], mobi[outer.index].mean(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ind.sd, mobi[outer.index].std(ddof=1), rtol=0, atol=1e-12)
    ref_htmt = pd.read_csv(SEMINR / "ecsi_mobi_htmt.csv", index_col=0)
    ht = book["htmt"].set_index("construct")
    pairs = [(a, b) for a in ref_htmt.index for b in ref_htmt.columns if not np.isnan(ref_htmt.loc[a, b])]
    assert len(pairs) == 21
    np.testing.assert_allclose([ht.loc[a, b] for a, b in pairs], [ref_htmt.loc[a, b] for a, b in pairs], rtol=0, atol=1e-6)


def test_terminal_summary_mentions_quality_flags(mobi_out):
    """The printed index, HTMT warnings and reliability flag are SEMinR's numbers as displayed."""
    _, output = mobi_out
    lines = output.splitlines()
    ref_idx = pd.read_csv(SEMINR / "ecsi_mobi_index_acsi_formula.csv", index_col=0)["index"]
    cusa = next(x for x in lines if x.split()[:1] == ["CUSA"] and "Customer satisfaction" in x)
    assert cusa.split("Customer satisfaction")[1].split()[0] == f"{ref_idx['CUSA']:.1f}", cusa
    # every SEMinR HTMT pair at or above 0.90 (and only those) is warned about, with its value
    ref_htmt = pd.read_csv(SEMINR / "ecsi_mobi_htmt.csv", index_col=0)
    high = [(a, b, v) for a in ref_htmt.index for b, v in ref_htmt.loc[a].items() if v >= 0.90]
    assert len(high) == 4  # mobi: PERQ–IMAG, CUSA–IMAG, CUSA–PERQ, CUSL–CUSA
    htmt_warnings = [x for x in lines if x.startswith("warning: HTMT")]
    assert sorted(htmt_warnings) == sorted(f"warning: HTMT {a}–{b} = {v:.3f} ≥ 0.90: discriminant validity not established"
                                           for a, b, v in high)
    alpha = float(pd.read_csv(SEMINR / "ecsi_mobi_reliability.csv", index_col=0)["alpha"]["CUEX"])
    cuex = next(x for x in lines if x.startswith("warning: construct CUEX:"))
    assert f"alpha {alpha:.3f} < 0.7" in cuex, cuex


def test_quality_warnings_reach_results(mobi_out):
    out, _ = mobi_out
    d = json.loads((out / "results.json").read_text(encoding="utf-8"))
    quality = [i["message"] for i in d["issues"] if i["category"] == "quality" and i["gate"]]
    assert any("CUEX" in w and "alpha" in w for w in quality)
    assert any("HTMT" in w for w in quality)


@pytest.mark.parametrize("name", ["scsb", "acsi", "ecsi"])
def test_fit_bundled_sample(tmp_path, name):
    result = runner.invoke(app, ["fit", str(ROOT / "data" / "sample_survey.xlsx"), "--model", name, "--out", str(tmp_path), "--boot", "0"])
    assert result.exit_code == 0, result.output
    d = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in d["constructs"]] == list(csi.load_model(name).codes)
    assert all(0 <= c["index"] <= 100 for c in d["constructs"])


def test_no_standardize_and_scheme_recorded(tmp_path):
    result = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--scheme", "centroid", "--no-standardize", "--out", str(tmp_path), "--boot", "0"])
    assert result.exit_code == 0, result.output
    d = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert d["settings"]["scheme"] == "centroid" and d["settings"]["standardized"] is False


def test_bad_scheme_is_a_clear_error(tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--scheme", "magic", "--out", str(out)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # no traceback
    assert result.output == "error: scheme should be one of centroid, factorial, path; got 'magic'\n"
    assert "Traceback" not in result.output
    assert not (out / "results.json").exists()


def test_bad_model_is_a_clear_error(tmp_path):
    out = tmp_path / "o"
    result = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--model", "nope", "--out", str(out)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # no traceback
    assert result.output == "error: --model should be one of acsi, ecsi-hoc, ecsi, scsb or a path to a YAML file; got 'nope'\n"
    assert not out.exists() or not any(out.iterdir())


def test_missing_items_named(tmp_path):
    df = pd.read_csv(REFERENCE / "mobi.csv", index_col=0).drop(columns=["CUSA2", "PERQ7"])
    path = tmp_path / "s.csv"
    df.to_csv(path, index=False)
    result = runner.invoke(app, ["fit", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)  # no traceback
    assert result.output == f"error: {path}: missing item column(s) PERQ7, CUSA2\n"  # one message, model order
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_column_map(tmp_path):
    df = pd.read_csv(REFERENCE / "mobi.csv", index_col=0)
    renamed = df.rename(columns={c: f"q_{c.lower()}" for c in df.columns})
    path = tmp_path / "s.csv"
    renamed.to_csv(path, index=False)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("\n".join(f"q_{c.lower()}: {c}" for c in df.columns) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["fit", str(path), "--map", str(mapping), "--out", str(tmp_path / "o"), "--boot", "0"])
    assert result.exit_code == 0, result.output
    d = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    ref = pd.read_csv(SEMINR / "ecsi_mobi_index_acsi_formula.csv", index_col=0)["index"]
    assert abs({c["name"]: c["index"] for c in d["constructs"]}["CUSA"] - ref["CUSA"]) < 1e-6


def test_models_list_and_show():
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0
    for name in ("scsb", "acsi", "ecsi"):
        assert name in result.output
    result = runner.invoke(app, ["models", "show", "ecsi"])
    assert result.exit_code == 0
    assert "IMAG -> CUEX" in result.output
    assert csi.model.spec.parse_yaml(result.output, "shown") == csi.load_model("ecsi")


def test_python_m_csi_works():
    proc = subprocess.run([sys.executable, "-m", "csi", "models"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "ecsi" in proc.stdout


def test_api_fit_dataframe(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(mobi, model="ecsi")
    ref = pd.read_csv(SEMINR / "ecsi_mobi_paths.csv", index_col=0)
    assert abs(res.pls.paths[("IMAG", "CUEX")] - ref.loc["IMAG", "CUEX"]) < 1e-6
    assert "CUSA" in res.summary()


def test_api_warns_on_quality(mobi):
    with pytest.warns(csi.QualityWarning, match="CUEX"):
        csi.fit(mobi, model="ecsi")


def test_non_convergence_is_a_warning(mobi):
    with pytest.warns(csi.ConvergenceWarning, match="did not converge in 2 iterations"):
        res = csi.fit(mobi, model="ecsi", max_iter=2)
    assert res.settings["converged"] is False
    assert any("did not converge" in w for w in res.warnings)


def test_results_are_frozen(mobi):
    import dataclasses

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(mobi, model="ecsi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.method = "x"  # type: ignore[misc]
    assert np.isfinite(res.quality.gof)
