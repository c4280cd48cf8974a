"""Bootstrap draws that re-run EM and the two-stage preparation per resample equal plain refits.

Oracle: ``csi.fit`` (no bootstrap) on the resampled rows themselves — the stage-1 fit, the
derived columns and EM all recomputed from scratch — for explicit resample indices.  This is what
SEMinR's ``bootstrap_model`` does per resample (it re-runs ``estimate_pls``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csi
from csi.estimators.staged import rebuild_for
from csi.inference.bootstrap import bootstrap_fit
from csi.model.simulate import simulate_moderation
from csi.model.spec import parse_yaml
from tests.moderation_model import moderation_spec


def _draws_vs_refits(df: pd.DataFrame, spec, missing: str = "casewise") -> float:
    res = csi.fit(df, model=spec, boot=0, missing=missing)
    sv = res.survey
    cols = tuple(sv.items.columns[: sv.missing_mask.shape[1]]) if sv.missing_mask is not None else tuple(spec.items)
    rb = rebuild_for(sv.items, cols, sv.missing_mask, spec, tuple(res.pls.spec.items), csi.options.PLSOptions(), sv.weights)
    idx = np.random.default_rng(4).integers(0, sv.n_used, size=(3, sv.n_used))
    boot = bootstrap_fit(res.pls, sv, indices=idx, rebuild=rb)
    draws = boot.draws("paths").to_numpy()
    worst = 0.0
    for b in range(3):
        again = csi.fit(df.iloc[idx[b]].reset_index(drop=True), model=spec, boot=0, missing=missing)
        # the bootstrap's construct-level sign correction: each construct oriented like the full sample
        sign = {c: np.sign(float((again.pls.weights.loc[c] * res.pls.weights.loc[c]).sum())) or 1.0 for c in res.pls.spec.codes}
        want = [v * sign[s] * sign[t] for (s, t), v in again.pls.paths.items()]
        worst = max(worst, float(np.abs(draws[b] - want).max()))
    return worst


@pytest.mark.parametrize("method", ["two_stage", "product_indicator", "orthogonal"])
def test_interaction_draws_equal_refits_of_resampled_rows(method: str) -> None:
    spec = moderation_spec(method)
    assert _draws_vs_refits(simulate_moderation(150, 3, discrete=False), spec) < 1e-8


def test_two_stage_hoc_draws_equal_refits(mobi: pd.DataFrame) -> None:
    spec = parse_yaml("""\
name: hoc
constructs:
  IMAG: [IMAG1, IMAG2, IMAG3, IMAG4, IMAG5]
  PQA: [PERQ1, PERQ2, PERQ3, PERQ4]
  PQB: [PERQ5, PERQ6, PERQ7]
  CUSA: [CUSA1, CUSA2, CUSA3]
higher_order:
  PERQ: {dimensions: [PQA, PQB], method: embedded}
paths:
  - IMAG -> PERQ, CUSA
  - PERQ -> CUSA
""", "hoc.yaml")
    assert _draws_vs_refits(mobi, spec) < 1e-8


def test_em_draws_equal_em_refits() -> None:
    df = simulate_moderation(150, 5, interaction=0.0, discrete=False)
    rng = np.random.default_rng(6)
    for c in ("X2", "M3", "Y1"):
        df.loc[rng.random(len(df)) < 0.1, c] = np.nan
    spec = parse_yaml("name: t\nconstructs:\n  X: [X1, X2, X3]\n  M: [M1, M2, M3]\n  Y: [Y1, Y2, Y3]\npaths:\n  - X, M -> Y\n", "t.yaml")
    assert _draws_vs_refits(df, spec, missing="em") < 1e-7
