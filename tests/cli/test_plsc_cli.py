"""`csi fit --method plsc` end to end: results.json (schema-valid), the workbook, the terminal;
`csi models show` writes the `composite` key back."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import openpyxl
import pandas as pd
from typer.testing import CliRunner

from csi.cli import app
from csi.estimators.plsc import PLSc, rho_a_of
from csi.model.spec import load_model
from csi.results.contract import load_schema
from tests.conftest import REFERENCE

MOBI = REFERENCE / "mobi.csv"


def test_fit_method_plsc_reaches_results_workbook_and_terminal(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["fit", str(MOBI), "--model", "ecsi", "--method", "plsc", "--boot", "100",
                                 "--seed", "3", "--out", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads((out / "results.json").read_text())
    jsonschema.Draft202012Validator(load_schema("fit")).validate(d)
    assert d["method"] == "plsc" and d["settings"]["method"] == "plsc"
    # the figures are PLSc's (checked against seminr in tests/estimators/test_plsc.py)
    ref = PLSc(load_model("ecsi")).fit(pd.read_csv(MOBI, index_col=0))
    assert abs(d["settings"]["plsc"]["rho_a"]["CUEX"] - rho_a_of(ref)["CUEX"]) < 1e-12
    path = next(p for p in d["paths"] if p["from"] == "CUSA" and p["to"] == "CUSL")
    assert abs(path["estimate"] - ref.paths[("CUSA", "CUSL")]) < 1e-12
    reasons = d["bootstrap"]["settings"]["failed_reasons"] if "settings" in d["bootstrap"] else d["settings"]["bootstrap"]["failed_reasons"]
    assert any(k.startswith("PLSc:") for k in reasons)
    assert any(i["category"] == "admissibility" and "PLSc solution is inadmissible" in i["message"] for i in d["issues"])
    mf = d["model_fit"]
    assert mf["estimated"]["srmr"] > mf["saturated"]["srmr"] > 0
    # like cSEM's testOMF, no exact-fit test of an inadmissible solution
    assert not mf["exact_fit_test"]["performed"] and "inadmissible" in mf["exact_fit_test"]["reason"]
    wb = openpyxl.load_workbook(out / "results.xlsx", read_only=True)
    assert "model_fit fit" in wb.sheetnames
    assert "PLSC" in r.output and "model_fit: fit" in r.output and "HI95" in r.output


def test_models_show_writes_composite_back(tmp_path: Path) -> None:
    text = load_model("ecsi").to_yaml().replace("mode: A\n  CUSA", "mode: A\n    composite: true\n  CUSA", 1)
    f = tmp_path / "m.yaml"
    f.write_text(text)
    r = CliRunner().invoke(app, ["models", "show", str(f)])
    assert r.exit_code == 0, r.output
    assert "composite: true" in r.output and load_model(f).construct("PERV").composite


def test_composite_with_a_bad_value_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(load_model("ecsi").to_yaml().replace("mode: A\n  CUSA", "mode: A\n    composite: sometimes\n  CUSA", 1))
    r = CliRunner().invoke(app, ["fit", str(MOBI), "--model", str(f), "--method", "plsc", "--boot", "0", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "construct PERV: composite should be true or false" in r.output and "Traceback" not in r.output
