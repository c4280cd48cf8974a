"""`csi fit --strict`: exit 1 only on gate issues (quality, convergence, admissibility), not on notes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from csi.cli import app

runner = CliRunner()

TOY_YAML = """\
name: toy
label: Toy model
scale: {min: 1, max: 10}
constructs:
  QUAL: [Q1, Q2, Q3]
  SAT: [S1, S2, S3]
paths:
  - QUAL -> SAT
"""


def toy_survey(n: int = 200, *, weak: bool = False, missing_share: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """Two constructs of three 1-10 items; ``weak``: SAT's items are unrelated noise (alpha near 0)."""
    rng = np.random.default_rng(seed)
    qual = rng.normal(size=n)
    sat = 0.6 * qual + 0.8 * rng.normal(size=n)

    def items(latent: np.ndarray) -> np.ndarray:
        return latent[:, None] + 0.5 * rng.normal(size=(n, 3))

    sat_items = rng.normal(size=(n, 3)) if weak else items(sat)
    X = np.clip(np.round(5.5 + 1.5 * np.hstack([items(qual), sat_items])), 1, 10)
    df = pd.DataFrame(X, columns=["Q1", "Q2", "Q3", "S1", "S2", "S3"])
    k = int(round(missing_share * n))
    if k:
        df.loc[rng.choice(n, size=k, replace=False), "S2"] = np.nan
    return df


def fit(tmp_path: Path, df: pd.DataFrame, *flags: str) -> tuple[int, str, list[dict]]:
    """Exit code, output and the issues of results.json (``{message, gate}``; v1 files: gate unknown)."""
    (tmp_path / "toy.yaml").write_text(TOY_YAML, encoding="utf-8")
    df.to_csv(tmp_path / "toy.csv", index=False)
    out = tmp_path / "out"
    result = runner.invoke(app, ["fit", str(tmp_path / "toy.csv"), "--model", str(tmp_path / "toy.yaml"),
                                 "--out", str(out), *flags])
    issues: list[dict] = []
    if (out / "results.json").exists():
        data = json.loads((out / "results.json").read_text(encoding="utf-8"))
        raw = data.get("issues", data.get("warnings", []))
        issues = [i if isinstance(i, dict) else {"message": i, "gate": None} for i in raw]
    return result.exit_code, result.output, issues


def test_clean_fit_has_no_issues(tmp_path):
    code, output, issues = fit(tmp_path, toy_survey(), "--boot", "0", "--strict")
    assert code == 0, output
    assert issues == []


def test_only_non_gate_issues_exit_0_under_strict(tmp_path):
    # casewise deletion drops 30% of respondents: a data issue, not a quality gate
    code, output, issues = fit(tmp_path, toy_survey(missing_share=0.3), "--boot", "0", "--strict")
    assert code == 0, output
    assert "casewise deletion dropped 30% of respondents" in output
    assert issues and all(i["gate"] in (False, None) for i in issues)
    assert any("casewise deletion dropped" in i["message"] for i in issues)


def test_gate_issue_exits_1_under_strict(tmp_path):
    # SAT's items are unrelated: reliability and AVE below the thresholds (a quality gate)
    df = toy_survey(weak=True)
    code, output, issues = fit(tmp_path, df, "--boot", "0", "--strict")
    assert code == 1, output
    assert "construct SAT: weak measurement quality" in output
    assert any(i["gate"] in (True, None) and "construct SAT" in i["message"] for i in issues)
    # the outputs are still written, and without --strict the same fit exits 0
    assert (tmp_path / "out" / "results.xlsx").exists()
    code, output, _ = fit(tmp_path, df, "--boot", "0")
    assert code == 0, output


def test_gate_and_non_gate_issues_together_exit_1(tmp_path):
    code, output, _ = fit(tmp_path, toy_survey(weak=True, missing_share=0.3), "--boot", "0", "--strict")
    assert code == 1, output
    assert "casewise deletion dropped" in output
