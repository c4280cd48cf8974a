"""Runners: every registered runner (and any Executor) keeps order and gives bit-identical draws."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from csi.data.survey import from_frame
from csi.errors import CsiError
from csi.estimators.pls import PLS
from csi.inference.bootstrap import KINDS, bootstrap_fit
from csi.inference.runners import RUNNERS, ExecutorRunner, get_runner
from csi.model.spec import load_model


def _square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("key", ["serial", "threads", "processes"])
def test_runners_keep_order(key):
    assert list(RUNNERS.get(key)(2).map(_square, range(20))) == [x * x for x in range(20)]


def test_executor_runner_and_unknown_key():
    with ThreadPoolExecutor(3) as pool:
        assert list(get_runner(pool).map(_square, [3, 1, 2])) == [9, 1, 4]
    with pytest.raises(CsiError, match="runner should be one of serial, threads, processes; got 'cluster'"):
        get_runner("cluster")


@pytest.fixture(scope="module")
def fitted(mobi):
    spec = load_model("ecsi")
    sv = from_frame(mobi, spec)
    return PLS(spec).fit(sv.items), sv


def test_draws_bit_identical_on_every_runner(fitted):
    res, sv = fitted
    ref = bootstrap_fit(res, sv, 600, seed=8, workers=1)
    with ThreadPoolExecutor(2) as pool:
        others = [
            bootstrap_fit(res, sv, 600, seed=8, workers=2, runner="threads"),
            bootstrap_fit(res, sv, 600, seed=8, workers=2, runner="processes"),
            bootstrap_fit(res, sv, 600, seed=8, workers=3, chunk_size=500, runner="threads"),
            bootstrap_fit(res, sv, 600, seed=8, runner=ExecutorRunner(pool)),
            bootstrap_fit(res, sv, 600, seed=8, runner=pool),
        ]
    for other in others:
        for kind in KINDS:
            np.testing.assert_array_equal(other.draws(kind).to_numpy(), ref.draws(kind).to_numpy(), err_msg=kind)


def test_bootstrap_fits_resamples_with_the_estimator_it_is_given(mobi):
    # the BatchEstimator seam: a wrapper that counts fit_moments calls sees every resample batch
    import csi
    from csi.estimators.base import ESTIMATORS
    from csi.inference.bootstrap import bootstrap_fit

    fit = csi.fit(mobi, "ecsi", boot=0, tiers=())
    pls = ESTIMATORS.get("pls").of(fit.pls)
    seen: list[int] = []

    class Counting:
        key, layout = "counting", pls.layout

        def fit_moments(self, S):
            seen.append(S.shape[0])
            return pls.fit_moments(S)

    a = bootstrap_fit(fit.pls, fit.survey, 300, seed=2, workers=1, estimator=Counting())
    b = bootstrap_fit(fit.pls, fit.survey, 300, seed=2, workers=1)
    assert seen and sum(seen) >= 300  # every resample went through it (blocks of 250, the last padded)
    np.testing.assert_array_equal(a.draws("paths").to_numpy(), b.draws("paths").to_numpy())
