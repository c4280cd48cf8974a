"""Shared fixtures: the reference data in ../shared/reference (CI has shared/ beside the checkout)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
SEMINR = REFERENCE / "seminr_ecsi_mobi"


@pytest.fixture(scope="session")
def mobi() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "mobi.csv", index_col=0)


@pytest.fixture(scope="session")
def satisfaction() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "satisfaction.csv", index_col=0)


SATISFACTION_YAML = """\
name: satisfaction
label: plspm satisfaction model
scale: {min: 1, max: 10}
constructs:
  IMAG: [imag1, imag2, imag3, imag4, imag5]
  EXPE: [expe1, expe2, expe3, expe4, expe5]
  QUAL: [qual1, qual2, qual3, qual4, qual5]
  VAL: [val1, val2, val3, val4]
  SAT: [sat1, sat2, sat3, sat4]
  LOY: [loy1, loy2, loy3, loy4]
paths:
  - IMAG -> EXPE, SAT, LOY
  - EXPE -> QUAL, VAL, SAT
  - QUAL -> VAL, SAT
  - VAL -> SAT
  - SAT -> LOY
"""


@pytest.fixture(scope="session")
def satisfaction_spec():
    from csi.model.spec import parse_yaml

    return parse_yaml(SATISFACTION_YAML, "satisfaction.yaml")
