"""`csi fit --method cbsem|both`: exit codes, the side-by-side table, the bootstrap and the fit flags
on the terminal (tests/estimators/test_cbsem.py)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from csi.cli import app
from csi.errors import CsiError
from csi.estimators import cbsem
from csi.estimators.cbsem import CBSEM
from csi.model.spec import load_model
from tests.conftest import REFERENCE
from tests.estimators.test_cbsem import LAV, lavaan_est, lavaan_fit
from tests.estimators.test_cbsem import inadmissible_data as inadmissible_data
from tests.estimators.test_cbsem import spec as spec
from tests.estimators.test_cbsem import wide as wide

runner = CliRunner()


def test_cli_strict_exits_1_on_inadmissible_and_reports(tmp_path, wide, inadmissible_data):
    model = tmp_path / "ecsi_wide.yaml"
    model.write_text(wide.to_yaml(), encoding="utf-8")
    args = ["fit", str(LAV / "ecsi_inadmissible.csv"), "--model", str(model), "--method", "cbsem", "--boot", "0", "--tiers", "none"]
    r = runner.invoke(app, [*args, "--out", str(tmp_path / "a"), "--strict"])
    assert r.exit_code == 1, r.output
    out = " ".join(r.output.split())
    assert "CB-SEM Heywood case: the disturbance variance of CUSL is negative" in out
    assert "NOT admissible" in out
    d = json.loads((tmp_path / "a" / "results.json").read_text(encoding="utf-8"))
    assert d["method"] == "cbsem" and d["cbsem"]["admissible"] is False
    assert any("Heywood case" in i["message"] and i["category"] == "admissibility" and i["gate"] for i in d["issues"])
    assert {a["check"] for a in d["cbsem"]["admissibility"]} >= {"heywood", "std_beyond_1", "latent_cov_not_pd", "implausible_r2"}
    r2 = runner.invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert r2.exit_code == 0, r2.output


def test_method_both_prints_side_by_side_table(tmp_path, wide):
    model = tmp_path / "ecsi_wide.yaml"
    model.write_text(wide.to_yaml(), encoding="utf-8")
    r = runner.invoke(app, ["fit", str(LAV / "ecsi_synthetic.csv"), "--model", str(model), "--method", "both",
                            "--boot", "0", "--tiers", "none", "--out", str(tmp_path)], terminal_width=160)
    assert r.exit_code == 0, r.output
    assert "PLS vs CB-SEM: standardized paths and R²" in r.output
    d = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    row = next(p for p in d["paths"] if (p["from"], p["to"]) == ("CUSA", "CUSL"))
    line = next(x for x in r.output.splitlines() if "CUSA → CUSL" in x and "│" in x and x.count(".") >= 3)
    assert f"{row['estimate']:.3f}" in line and f"{row['std_estimate']:.3f}" in line
    assert "R² CUSA" in r.output and "CFI" in r.output and "≥ 0.95" in r.output
    assert "indices come from the PLS fit" in " ".join(r.output.split())


def test_bad_estimator_is_a_user_error(tmp_path):
    with pytest.raises(CsiError, match="--estimator should be one of ML, GLS, ULS, DWLS; got 'WLSMV'"):
        CBSEM(load_model("ecsi"), "WLSMV")
    r = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--method", "cbsem", "--estimator", "WLSMV",
                            "--boot", "0", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "--estimator should be one of" in r.output and "Traceback" not in r.output


def test_cli_boot_with_cbsem(tmp_path, wide):
    model = tmp_path / "ecsi_wide.yaml"
    model.write_text(wide.to_yaml(), encoding="utf-8")
    data = pd.read_csv(LAV / "ecsi_synthetic.csv").iloc[:400]
    data.to_csv(tmp_path / "s.csv", index=False)
    r = runner.invoke(app, ["fit", str(tmp_path / "s.csv"), "--model", str(model), "--method", "cbsem", "--boot", "10",
                            "--seed", "4", "--tiers", "none", "--out", str(tmp_path / "o")], terminal_width=160)
    assert r.exit_code == 0, r.output
    assert "CB-SEM bootstrap: 10 of 10 resamples used" in r.output
    d = json.loads((tmp_path / "o" / "results.json").read_text(encoding="utf-8"))
    assert d["cbsem"]["bootstrap"]["seed"] == 4 and d["settings"]["cbsem"]["bootstrap"]["resamples"] == 10
    assert all(len(p["ci"]) == 2 for p in d["cbsem"]["paths"])


def test_terminal_flags_hu_bentler_failures_on_mobi(tmp_path, spec):
    """The printed fit measures are lavaan's (to the 3 decimals shown) and the '!' flags follow
    from lavaan's values and the Hu & Bentler cut-offs; the flagged standardized path is lavaan's
    within the flat-likelihood tolerance of test_mobi_matches_lavaan_but_is_not_admissible."""
    fm = lavaan_fit("mobi_ml")
    assert fm["cfi"] < 0.95 and fm["tli"] < 0.95 and fm["rmsea"] > 0.06 and fm["srmr"] <= 0.08
    r = runner.invoke(app, ["fit", str(REFERENCE / "mobi.csv"), "--method", "cbsem", "--boot", "0", "--tiers", "none",
                            "--out", str(tmp_path)], terminal_width=160)
    assert r.exit_code == 0, r.output
    lines = {x.split("│")[1].strip(): x for x in r.output.splitlines() if x.count("│") >= 3}
    assert f"{fm['cfi']:.3f} !" in lines["CFI"] and f"{fm['tli']:.3f} !" in lines["TLI"]
    rmsea = f"{fm['rmsea']:.3f} [{fm['rmsea.ci.lower']:.3f}, {fm['rmsea.ci.upper']:.3f}] !"
    assert rmsea in lines["RMSEA [90% CI]"], lines["RMSEA [90% CI]"]
    srmr = lines["SRMR"].split("│")[2]
    assert f"{fm['srmr']:.3f}" in srmr and "!" not in srmr  # meets ≤ 0.08
    m = re.search(r"CB-SEM standardized path CUSA → CUSL is (-?\d+\.\d{4}), beyond ±1", " ".join(r.output.split()))
    assert m, r.output
    lav = float(lavaan_est("mobi_ml")["est.std"][(cbsem.latent_names(spec)["CUSL"], "~", cbsem.latent_names(spec)["CUSA"])])
    assert abs(lav) > 1 and float(m.group(1)) == pytest.approx(lav, abs=5e-3)
