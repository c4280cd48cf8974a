"""Single PLS fit of the ECSI model on mobi (250 × 24), in-process."""

from __future__ import annotations

import warnings

import pandas as pd

from bench.common import REFERENCE, best_of
from csi.estimators.pls import PLS
from csi.model.spec import load_model


def run() -> None:
    warnings.simplefilter("ignore")
    data = pd.read_csv(REFERENCE / "mobi.csv", index_col=0)
    spec = load_model("ecsi")
    est = PLS(spec)
    X = data[list(spec.items)]
    t = best_of(lambda: est.fit(X), repeat=7, number=20)
    res = est.fit(X)
    print(f"   PLS fit, ECSI on mobi (n=250, 24 items, path scheme, {res.iterations} iterations): {t * 1e3:.2f} ms per fit")
    import csi

    t2 = best_of(lambda: csi.fit(data, "ecsi", tiers=(), boot=0), repeat=5, number=5)
    print(f"   csi.fit (fit + quality + indices + IPMA), same data: {t2 * 1e3:.2f} ms")
