"""CB-SEM fit time for the ECSI model (ML: csi's Fisher scoring; DWLS: semopy): mobi (n = 250) and the synthetic set (n = 2000)."""

from __future__ import annotations

import time
import warnings
from functools import partial

import pandas as pd

from bench.common import REFERENCE, ROOT, best_of
from csi.estimators.cbsem import CBSEM, bootstrap_paths
from csi.model.spec import load_model


def run() -> None:
    warnings.simplefilter("ignore")
    spec = load_model("ecsi")
    sets = {
        "mobi (n=250, real data, inadmissible)": pd.read_csv(REFERENCE / "mobi.csv", index_col=0),
        "synthetic (n=2000, admissible)": pd.read_csv(ROOT / "tests" / "reference_lavaan" / "ecsi_synthetic.csv"),
    }
    for name, data in sets.items():
        for estimator in ("ML", "DWLS"):
            est = CBSEM(spec, estimator)
            res = est.fit(data)
            t = best_of(partial(est.fit, data), repeat=3, number=2)
            print(
                f"   CB-SEM {estimator:4s} ECSI on {name}: {t * 1e3:7.1f} ms per fit "
                f"({res.iterations} iterations of {'csi scoring' if est._raw.optimizer == 'Fisher scoring' else 'SLSQP'}, "
                f"chi2 {res.fit['chi2']:.3f}, admissible {res.admissible})"
            )
    data = sets["synthetic (n=2000, admissible)"]
    est = CBSEM(spec)
    res = est.fit(data)
    X = data[list(spec.items)].to_numpy(dtype=float)
    for workers in (1, 2):
        t0 = time.perf_counter()
        _, s, _ = bootstrap_paths(est, res, X, 40, seed=1, workers=workers)
        dt = time.perf_counter() - t0
        print(f"   CB-SEM bootstrap, synthetic, 40 resamples, {workers} worker(s): {dt:.2f} s ({dt / 40 * 1e3:.0f} ms per resample, {s['resamples_failed']} failed)")
    # ML resamples: csi's scoring (warm-started) vs a fresh semopy model per resample (est._raw = None), interleaved
    raw = est._raw
    for rep in range(2):
        t0 = time.perf_counter()
        _, _, warm = bootstrap_paths(est, res, X, 20, seed=1, workers=1)
        t1 = time.perf_counter()
        est._raw = None
        _, _, fresh = bootstrap_paths(est, res, X, 20, seed=1, workers=1)
        t2 = time.perf_counter()
        est._raw = raw
        diff = float(abs(warm - fresh).to_numpy().max())
        print(f"   CB-SEM ML resample, synthetic (run {rep + 1}): warm-started {(t1 - t0) / 20 * 1e3:.0f} ms, fresh semopy "
              f"{(t2 - t1) / 20 * 1e3:.0f} ms per resample (serial); max |draw difference| {diff:.1e}")
