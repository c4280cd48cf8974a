"""The seams (issue 11): a toy index method and a toy derivation, each one module plus one
registration (tests/plugins), reach results.json and the terminal with no edit elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from csi.cli import app
from tests.conftest import REFERENCE
from tests.plugins import item_counts, unit_index

MOBI = REFERENCE / "mobi.csv"


@pytest.fixture
def plugins() -> Iterator[None]:
    unit_index.register()
    item_counts.register()
    yield
    unit_index.unregister()
    item_counts.unregister()


def _fit(tmp_path: Path, *extra: str) -> tuple[dict, str]:
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["fit", str(MOBI), "--model", "ecsi", "--boot", "200", "--seed", "3", "--out", str(out), *extra])
    assert r.exit_code == 0, r.output
    return json.loads((out / "results.json").read_text()), r.output


def test_unit_index_plugin_reaches_results_and_terminal(plugins: None, tmp_path: Path) -> None:
    d, text = _fit(tmp_path, "--index", "unit")
    mobi = pd.read_csv(MOBI, index_col=0)
    got = {c["name"]: c for c in d["constructs"]}
    for block in d["model"]["constructs"]:
        # independent: the plain mean of the items' 0–100 means (mobi has no missing answers)
        want = ((mobi[block["items"]].mean() - 1) / 9 * 100).mean()
        assert abs(got[block["code"]]["index"] - want) < 1e-10
        lo, hi = got[block["code"]]["ci"]
        assert lo < want < hi  # bootstrap intervals through the same plug-in
    assert d["settings"]["index_method"] == "unit"
    assert "by unit" in text


def test_derivation_plugin_reaches_results_and_terminal(plugins: None, tmp_path: Path) -> None:
    d, text = _fit(tmp_path)
    rows = {r["construct"]: r for r in d["item_counts"]}
    assert rows["PERQ"]["items"] == 7 and rows["CUSCO"]["items"] == 1
    assert abs(rows["CUSA"]["index"] - next(c["index"] for c in d["constructs"] if c["name"] == "CUSA")) < 1e-12
    assert "item_counts: items per construct" in text
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "out" / "results.xlsx", read_only=True)
    sheet = next(n for n in wb.sheetnames if n.startswith("item_counts"))
    assert wb.sheetnames.index(sheet) < wb.sheetnames.index("warnings")
    rows = list(wb[sheet].iter_rows(values_only=True))
    assert ("PERQ", 7) in {(r[0], r[1]) for r in rows[1:]}
    issues = d.get("issues") or []
    assert any(isinstance(i, dict) and i["category"] == "item_counts" and i["gate"] is False for i in issues)


def test_unknown_plugin_keys_are_clear_errors(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["fit", str(MOBI), "--boot", "0", "--index", "nope", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "index method should be one of acsi" in r.output
    assert not (tmp_path / "o").exists()
