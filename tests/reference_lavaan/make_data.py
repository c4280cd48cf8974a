"""Write the synthetic datasets that ecsi_synthetic.R fits with lavaan (reproducible).

    .venv/bin/python tests/reference_lavaan/make_data.py

* ``ecsi_synthetic.csv`` — 2000 respondents from the ECSI population of ``csi.simulate``
  (standardized paths ``ECSI_PATHS``, every loading 0.8, continuous items: ``spread=0``).
  The single item CUSCO is given loading 1 so that the model csi fits (CUSCO's loading fixed
  to 1 and its error variance to 0) is the true model and the population values hold exactly.
* ``ecsi_inadmissible.csv`` — 250 respondents from a population in which satisfaction and
  loyalty correlate 0.99 (CUSA → CUSL 0.99, the other paths into CUSL 0), loadings 0.7:
  sampling error then pushes ML to a negative disturbance variance of CUSL (a Heywood case)
  with a standardized path above 1.
"""

from __future__ import annotations

from pathlib import Path

from csi.model.simulate import ECSI_PATHS, simulate_survey
from csi.model.spec import load_model

HERE = Path(__file__).resolve().parent
SYNTHETIC = {"n": 2000, "seed": 5, "loading": 0.8}
INADMISSIBLE = {"n": 250, "seed": 12, "loading": 0.7}
INADMISSIBLE_PATHS = {**ECSI_PATHS, ("CUSA", "CUSL"): 0.99, ("IMAG", "CUSL"): 0.0, ("CUSCO", "CUSL"): 0.0}


def synthetic():
    spec = load_model("ecsi")
    lam = {**{i: SYNTHETIC["loading"] for i in spec.items}, "CUSCO": 1.0}
    return simulate_survey(spec, SYNTHETIC["n"], seed=SYNTHETIC["seed"], loading=lam, spread=0)


def inadmissible():
    spec = load_model("ecsi")
    lam = {**{i: INADMISSIBLE["loading"] for i in spec.items}, "CUSCO": 1.0}
    return simulate_survey(spec, INADMISSIBLE["n"], seed=INADMISSIBLE["seed"], paths=INADMISSIBLE_PATHS, loading=lam, spread=0)


if __name__ == "__main__":
    # R and the tests both read these files, so they fit exactly the same numbers
    synthetic().to_csv(HERE / "ecsi_synthetic.csv", index=False, float_format="%.10g")
    inadmissible().to_csv(HERE / "ecsi_inadmissible.csv", index=False, float_format="%.10g")
