"""Recorded generator of a demonstration national CSI programme (``csi aggregate`` example and tests).

60 companies in 12 industries (5 each) in 3 sectors (4 industries each), 2 waves (2025, 2026),
``n`` respondents per company and wave simulated from the SCSB population of
:func:`csi.model.simulate.simulate_survey`.  Company weights (revenue) are drawn once from a
lognormal.  Every company of industry ``Telecom`` gets a planted latent rise of satisfaction of
``RISE`` SD units in 2026; every other company's population is the same in both waves (so e.g.
``Banks`` has no true change).  Seeds: company ``c`` in wave ``t`` uses seed ``1000 · (t + 1) + c``.

    python data/make_programme.py OUT_DIR [N] [--fixed]   # OUT_DIR/programme.yaml, OUT_DIR/surveys/*.csv

``--fixed`` (``make(..., fixed=True)``): every unit is scored with fixed weights from one calibration
fit (``csi fit`` of the pooled 2025 surveys, written to OUT_DIR/calibration/results.json) instead of
being refitted — the programme's indices are then comparable across companies and waves by
construction, and scoring is fast (no PLS per resample).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

SECTORS = {
    "Finance": ["Banks", "Insurance", "Pensions", "Payments"],
    "Retail": ["Grocery", "Fashion", "Electronics", "Furniture"],
    "Services": ["Telecom", "Energy", "Travel", "Healthcare"],
}
PLANTED = "Telecom"
NULL_INDUSTRY = "Banks"
RISE = 0.5  # SD units of latent satisfaction (CUSA)
WAVES = ("2025", "2026")
PER_INDUSTRY = 5


def companies() -> list[tuple[str, str, float]]:
    """(company, industry, weight) of the 60 companies, in a fixed order."""
    rng = np.random.default_rng(20261130)
    out = []
    for inds in SECTORS.values():
        for ind in inds:
            for k in range(PER_INDUSTRY):
                out.append((f"{ind} {chr(65 + k)}", ind, round(float(rng.lognormal(4.0, 0.8)), 3)))
    return out


def calibrate(out: Path, files: list[Path], model: str) -> Path:
    """``csi fit`` of the pooled surveys → ``out/calibration/results.json`` (its scoring_model block)."""
    import pandas as pd

    from csi.report.outputs import write_fit_outputs
    from csi.workflows.fit import fit

    pooled = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    return write_fit_outputs(fit(pooled, model), out / "calibration").results_json


def make(out_dir: str | Path, n: int = 150, model: str = "scsb", resamples: int = 200, fixed: bool = False) -> Path:
    """Write the surveys and the manifest; returns the manifest's path."""
    out = Path(out_dir)
    (out / "surveys").mkdir(parents=True, exist_ok=True)
    spec = load_model(model)
    units = []
    for c, (comp, ind, _w) in enumerate(companies()):
        for t, wave in enumerate(WAVES):
            shift = {"CUSA": RISE} if ind == PLANTED and t == 1 else None
            df = simulate_survey(spec, n, seed=1000 * (t + 1) + c, shift=shift).astype(int)
            file = f"surveys/{comp.replace(' ', '_').lower()}_{wave}.csv"
            df.to_csv(out / file, index=False)
            units.append({"company": comp, "wave": wave, "file": file})
    calibration = {}
    if fixed:
        first = [out / u["file"] for u in units if u["wave"] == WAVES[0]]
        calibration = {"weights_from": str(calibrate(out, first, model).relative_to(out))}
    manifest = {
        "name": "Demo national CSI",
        **({"model": model} if not fixed else calibration),
        "construct": "CUSA",
        "resamples": resamples,
        "seed": 1,
        "level": 0.95,
        "min_respondents": 30,
        "waves": list(WAVES),
        "compare": "consecutive",
        "sectors": SECTORS,
        "companies": {comp: {"industry": ind, "weight": w} for comp, ind, w in companies()},
        "units": units,
    }
    path = out / "programme.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--fixed"]
    print(make(args[0], int(args[1]) if len(args) > 1 else 150, fixed="--fixed" in sys.argv))
