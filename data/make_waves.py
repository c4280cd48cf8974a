"""Generate the bundled synthetic quarterly waves (reproducible: fixed seeds).

    python data/make_waves.py

writes ``data/waves/wave_2026Q1.csv`` … ``wave_2026Q4.csv`` and the manifest
``data/waves/waves.yaml``: four independent samples of 400 respondents from one ECSI-shaped
population (``csi.simulate.simulate_survey``, 1–10 scale) with a ``region`` segment column.
From 2026Q3 on, satisfaction (CUSA) rises by 0.3 latent standard deviations (the shift is
applied to CUSA alone, so the other constructs keep their population values): a planted
change for ``csi score`` to find.

    csi score data/waves/waves.yaml --model ecsi --out out/waves
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

HERE = Path(__file__).parent / "waves"
QUARTERS = ("2026Q1", "2026Q2", "2026Q3", "2026Q4")
RISE = {"2026Q3": 0.3, "2026Q4": 0.3}  # latent SD units added to CUSA
N = 400
SEED = 20260101


def make_wave(k: int, label: str, n: int = N) -> pd.DataFrame:
    spec = load_model("ecsi")
    shift = {"CUSA": RISE[label]} if label in RISE else None
    items = simulate_survey(spec, n, seed=SEED + k, shift=shift).astype(int)
    rng = np.random.default_rng(SEED + 100 + k)
    front = pd.DataFrame({
        "respondent": [f"{label}-{i:04d}" for i in range(1, n + 1)],
        "region": rng.choice(["North", "South"], size=n, p=[0.5, 0.5]),
    })
    return pd.concat([front, items], axis=1)


MANIFEST = """\
# Quarterly waves of the synthetic sample (data/make_waves.py); paths are relative to this file.
# Every key other than file, label and sheet is a segment field recorded with the wave.
waves:
{rows}
"""


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    for k, label in enumerate(QUARTERS):
        make_wave(k, label).to_csv(HERE / f"wave_{label}.csv", index=False)
    rows = "\n".join(f"  - {{file: wave_{q}.csv, label: {q}, brand: Acme}}" for q in QUARTERS)
    (HERE / "waves.yaml").write_text(MANIFEST.format(rows=rows), encoding="utf-8")
    print(f"wrote {len(QUARTERS)} waves of {N} respondents and waves.yaml to {HERE}")


if __name__ == "__main__":
    main()
