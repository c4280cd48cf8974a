"""The ECSI model of ``csi/model/models/ecsi.yaml`` in seminr's syntax (Tenenhaus et al. 2005).

One definition for the oracle tests and the benches that compare csi with seminr 0.2.1 in-process
(bench/bench_bootstrap.py runs seminr in its own venv from a script of its own).
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def ecsi_seminr(data: pd.DataFrame, imag_mode_b: bool = False) -> tuple[Any, Any, Any]:
    """seminr's (dataset, measurement model, structural model) of ECSI on ``data`` (IMAG in mode B if asked)."""
    from seminr import composite, constructs, mode_B, multi_items, paths, relationships, single_item
    from seminr.estimate.data import Dataset

    ds = Dataset(columns=tuple(data.columns), values=data.to_numpy(dtype=float))
    imag = composite("IMAG", multi_items("IMAG", range(1, 6)), **({"weights": mode_B} if imag_mode_b else {}))
    mm = constructs(
        imag, composite("CUEX", multi_items("CUEX", range(1, 4))),
        composite("PERQ", multi_items("PERQ", range(1, 8))), composite("PERV", multi_items("PERV", range(1, 3))),
        composite("CUSA", multi_items("CUSA", range(1, 4))), composite("CUSCO", single_item("CUSCO")),
        composite("CUSL", multi_items("CUSL", range(1, 4))),
    )
    sm = relationships(
        paths("IMAG", ["CUEX", "CUSA", "CUSL"]), paths("CUEX", ["PERQ", "PERV", "CUSA"]), paths("PERQ", ["PERV", "CUSA"]),
        paths("PERV", "CUSA"), paths("CUSA", ["CUSCO", "CUSL"]), paths("CUSCO", "CUSL"),
    )
    return ds, mm, sm
