"""Recorded generator of a demonstration national CSI programme (``csi aggregate`` example and tests).

60 companies in 12 industries (5 each) in 3 sectors (4 industries each), 2 waves (2025, 2026),
``n`` respondents per company and wave simulated from the SCSB population of
:func:`csi.model.simulate.simulate_survey`.  Company weights (revenue) are drawn once from a
lognormal.  Every company of industry ``Telecom`` gets a planted latent rise of satisfaction of
``RISE`` SD units in 2026; every other company's population is the same in both waves (so e.g.
``Banks`` has no true change).  Seeds: company ``c`` in wave ``t`` uses seed ``1000 · (t + 1) + c``.

    python data/make_programme.py OUT_DIR [N]    # writes OUT_DIR/programme.yaml and OUT_DIR/surveys/*.csv
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


def make(out_dir: str | Path, n: int = 150, model: str = "scsb", resamples: int = 200) -> Path:
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
    manifest = {
        "name": "Demo national CSI",
        "model": model,
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
    print(make(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 150))
