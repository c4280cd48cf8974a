"""Generate the sample survey of the ``ecsi-hoc`` model (reproducible: fixed seed).

    python data/make_hoc_sample.py

writes ``data/sample_hoc_survey.csv``: 500 respondents of an ECSI population (paths
``csi.model.simulate.ECSI_PATHS``) in which perceived quality is a higher-order construct: product
quality ``PQP = 0.85·PERQ + e`` (items PERQ1, PERQ2, PERQ6) and service quality
``PQS = 0.75·PERQ + e`` (items PERQ3–5, PERQ7), unit variances; item loadings 0.8 on their
construct, 1–10 scale; a survey weight, a region segment and a few blank answers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csi.model.simulate import ECSI_PATHS, implied_latent_cov
from csi.model.spec import load_model

HERE = Path(__file__).parent
DIMENSIONS = {"PQP": 0.85, "PQS": 0.75}


def make_hoc_sample(n: int = 500, seed: int = 20261130) -> pd.DataFrame:
    ecsi = load_model("ecsi")
    hoc = load_model("ecsi-hoc")
    rng = np.random.default_rng(seed)
    eta = rng.multivariate_normal(np.zeros(len(ecsi.codes)), implied_latent_cov(ecsi, ECSI_PATHS), size=n, method="cholesky")
    latent = {c: eta[:, k] for k, c in enumerate(ecsi.codes)}
    for d, g in DIMENSIONS.items():
        latent[d] = g * latent["PERQ"] + np.sqrt(1 - g * g) * rng.standard_normal(n)
    cols: dict[str, np.ndarray] = {}
    for c in hoc.constructs:
        for item in c.items:
            x = 0.8 * latent[c.code] + 0.6 * rng.standard_normal(n)
            cols[item] = np.clip(np.round(7.5 + 1.6 * x), 1, 10)
    items = pd.DataFrame(cols).astype("Int64")
    for _ in range(10):  # a few item non-responses
        items.iat[int(rng.integers(n)), int(rng.integers(items.shape[1]))] = pd.NA
    front = pd.DataFrame({
        "respondent": [f"H{i:04d}" for i in range(1, n + 1)],
        "region": rng.choice(["North", "South"], size=n),
        "weight": np.round(rng.uniform(0.5, 1.5, size=n), 3),
    })
    return pd.concat([front, items], axis=1)


def main() -> None:
    make_hoc_sample().to_csv(HERE / "sample_hoc_survey.csv", index=False)


if __name__ == "__main__":
    main()
