"""PLSpredict: 10 × 10 folds of ECSI on mobi in-process (target < 1 s), beside seminr's predict_pls.

seminr (PyPI 0.2.1, the Python port of SEMinR) re-estimates fold by fold; csi fits the r·k
training sets in one batched call of the PLS core.  Printed side by side; never asserted.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from bench.common import REFERENCE, best_of
from tests.seminr_ecsi import ecsi_seminr


def run() -> None:
    warnings.simplefilter("ignore")
    from csi.derive.predict import plspredict
    from csi.estimators.base import Layout
    from csi.model.spec import load_model
    from csi.options import PredictOptions

    data = pd.read_csv(REFERENCE / "mobi.csv", index_col=0)
    L = Layout.from_spec(load_model("ecsi"))
    X = data[list(L.items)].to_numpy(dtype=float)
    for tech in ("DA", "EA"):
        opts = PredictOptions(folds=10, repeats=10, technique=tech)
        t = best_of(lambda o=opts: plspredict(X, L, o, seed=1), repeat=3)
        print(f"   csi PLSpredict + CVPAT, 10 folds x 10 repeats ({tech}), ECSI on mobi: {t:.3f} s (target < 1 s)")
    try:
        from seminr import estimate_pls
        from seminr.predict.predict_pls import predict_pls
    except ImportError:
        print("   seminr not installed: no side-by-side figure")
        return
    model = estimate_pls(*ecsi_seminr(data))
    orders = [np.random.default_rng(r).permutation(len(data)) for r in range(10)]
    t_one = best_of(lambda: predict_pls(model, no_folds=10, ordering=list(orders[0])), repeat=1)
    print(f"   seminr 0.2.1 predict_pls, 10 folds x 1 repeat (DA): {t_one:.3f} s; x 10 repeats ~ {10 * t_one:.1f} s")
