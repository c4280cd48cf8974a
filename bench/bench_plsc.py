"""Consistent PLS: the 5,000-resample bootstrap of PLSc against PLS's (ECSI on mobi), in-process.

The issue's bar: the PLSc bootstrap takes no more than 2× the PLS one (both batched through
``fit_moments``; PLSc adds ρ_A, the disattenuation, an eigenvalue check and the OLS per
resample).  Also the model-fit derivation (SRMR, d_ULS, d_G and the 499-resample exact-fit test).
Times are printed, never asserted.
"""

from __future__ import annotations

import warnings

import pandas as pd

from bench.common import REFERENCE, best_of


def run() -> None:
    warnings.simplefilter("ignore")
    import csi
    from csi.derive.base import Context
    from csi.derive.modelfit import model_fit
    from csi.estimators.plsc import PLSc
    from csi.inference.bootstrap import bootstrap_fit
    from csi.options import FitOptions

    data = pd.read_csv(REFERENCE / "mobi.csv", index_col=0)
    fit = csi.fit(data, "ecsi", boot=0, derive=())
    res, survey = fit.pls, fit.survey
    pfit = csi.fit(data, "ecsi", method="plsc", boot=0, derive=())
    B = 5000
    t_pls = best_of(lambda: bootstrap_fit(res, survey, B, seed=1), repeat=3)
    t_plsc = best_of(lambda: bootstrap_fit(pfit.pls, survey, B, seed=1, estimator=PLSc.of(pfit.pls)), repeat=3)
    b = bootstrap_fit(pfit.pls, survey, B, seed=1, estimator=PLSc.of(pfit.pls))
    used = b.settings["resamples_used"]
    print(f"   bootstrap, {B} resamples, ECSI on mobi:  PLS {t_pls:.3f} s   PLSc {t_plsc:.3f} s   "
          f"ratio {t_plsc / t_pls:.2f}x (bar: <= 2x); PLSc resamples admissible: {used} of {B}")
    t_fit = best_of(lambda: PLSc(res.spec).fit(data[list(res.spec.items)]), repeat=5, number=10)
    print(f"   single PLSc fit: {t_fit * 1e3:.2f} ms")
    for method, r in (("pls", fit), ("plsc", pfit)):
        opts = FitOptions.from_kwargs(method=method, boot=1)
        ctx = Context(r.spec, survey, r.pls, opts)
        t = best_of(lambda ctx=ctx: model_fit(ctx), repeat=3)  # type: ignore[misc]
        print(f"   model fit ({method}): SRMR/d_ULS/d_G + 499-resample exact-fit test: {t:.3f} s")
