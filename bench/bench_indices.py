"""Index methods on mobi (ECSI): each method's 5,000-resample bootstrap against the ``acsi`` one.

The bootstrap fits PLS to every resample whatever the index method; a method adds its own
per-resample index (``mean`` a product with the means, ``fuzzy`` the grade shares — one more
matrix product with the resample counts — ``pca`` a batched eigen-decomposition per construct).
The target (issue 16): each method within 3× the ``acsi`` time.  Prints figures; never asserts.
"""

from __future__ import annotations

import warnings

from bench.common import REFERENCE, best_of

N_BOOT = 5000
METHODS = ("acsi", "mean", "fuzzy", "fuzzy-maxmin", "pca", "pca-85")


def run() -> None:
    import pandas as pd

    from csi.data.survey import from_frame
    from csi.derive.indices import INDEXERS
    from csi.estimators.pls import PLS
    from csi.inference.bootstrap import bootstrap_fit
    from csi.model.spec import load_model

    spec = load_model("ecsi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sv = from_frame(pd.read_csv(REFERENCE / "mobi.csv", index_col=0), spec)
        res = PLS(spec).fit(sv.items)
    times = {}
    for key in METHODS:
        indexer = INDEXERS.get(key)
        times[key] = best_of(lambda indexer=indexer: bootstrap_fit(res, sv, N_BOOT, seed=1, indexer=indexer), repeat=3)
    print(f"   bootstrap of mobi/ECSI, {N_BOOT} resamples, best of 3 (default workers)")
    print(f"   {'method':<14}{'seconds':>10}{'x acsi':>10}   target <= 3x")
    for key, t in times.items():
        ratio = t / times["acsi"]
        print(f"   {key:<14}{t:>10.3f}{ratio:>10.2f}   {'ok' if ratio <= 3 else 'SLOWER'}")


if __name__ == "__main__":
    run()
