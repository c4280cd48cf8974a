"""Group comparisons of the ECSI model: small (rows) and large (blocks of respondents).

* two groups of 250, 1,000 permutations: both group fits, the pooled fit, 1,000 label
  permutations each refitting both groups through the batched core (2,000 PLS fits), MICOM
  steps 2 and 3 on the same permutations, maxT (Westfall–Young) and the result tables;
* four groups of 7,500 (issue 18: target ≤ 10 s), 2,000 permutations: 6 pairs and the joint
  shuffles for maxT, all above the 10,000-respondent threshold, so permuted by blocks;
* block against row permutations at 2 × 7,500 (the big check of
  ``tests/inference/test_group_blocks.py``): the p-values of both, against their Monte Carlo error;
* ``csi fit --group`` also bootstraps every group (5,000 resamples by default): the four groups'
  bootstraps beside the permutations.

Prints figures; never asserts times.  Wall times are best-of-N and noisy on a shared machine;
CPU times (``time.process_time``) are shown beside them.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd

from bench.common import best_of
from csi.data.survey import SurveyData, from_frame
from csi.inference.groups import compare_groups
from csi.model.simulate import ECSI_PATHS, simulate_survey
from csi.model.spec import ModelSpec, load_model

T = TypeVar("T")


def _timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """fn's result, its wall time and its CPU time (this process)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def small() -> None:
    spec = load_model("ecsi")
    low = dict(ECSI_PATHS)
    low[("CUSA", "CUSL")] = 0.15
    df = pd.concat([simulate_survey(spec, 250, seed=1).assign(g="A"),
                    simulate_survey(spec, 250, seed=2, paths=low).assign(g="B")], ignore_index=True)
    sv = from_frame(df, spec, groups=("g",))
    t = best_of(lambda: compare_groups(spec, sv, "g", permutations=1000, seed=1), repeat=3)
    gc = compare_groups(spec, sv, "g", permutations=1000, seed=1)
    r = gc.difference("path", "CUSA -> CUSL")
    print(f"   two-group comparison, ECSI, 2 x 250 respondents, 1,000 permutations (+ MICOM): {t:.2f} s "
          f"({1e3 * t / 2000:.3f} ms per group fit)")
    print(f"   planted CUSA -> CUSL difference {r.difference:.3f}: permutation p = {r.p_permutation:.4f}, "
          f"maxT-adjusted {r.p_permutation_adj:.4f}")
    gb, tb, _ = _timed(lambda: compare_groups(spec, sv, "g", permutations=1000, seed=1, boot=1000))
    rb = gb.difference("path", "CUSA -> CUSL")
    print(f"   same with 1,000 bootstrap resamples per group and PLS-MGA: {tb:.2f} s (PLS-MGA p = {rb.p_mga:.4f})")
    used = np.array(list(gc.settings["permutations_used"].values()))
    print(f"   permutations used: {int(used.sum())} of 1000")


def _regions(spec: ModelSpec, n: int, regions: str = "NESW") -> SurveyData:
    low = dict(ECSI_PATHS)
    low[("CUSA", "CUSL")] = 0.45  # region W differs a little: p-values spread over (0, 1)
    df = pd.concat([simulate_survey(spec, n, seed=s, paths=low if r == "W" else None).assign(region=r)
                    for s, r in enumerate(regions)], ignore_index=True)
    return from_frame(df, spec, groups=("region",))


def large() -> None:
    spec = load_model("ecsi")
    sv = _regions(spec, 7500)
    best = (float("inf"), 0.0)
    for _ in range(3):
        gc, wall, cpu = _timed(lambda: compare_groups(spec, sv, "region", permutations=2000, seed=1))
        best = min(best, (wall, cpu))
    print(f"   --group region: 4 groups x 7,500, 2,000 permutations (6 pairs + joint maxT, MICOM), {gc.settings['resampling'][:40]}…, "
          f"G = {gc.settings['blocks']}: {best[0]:.1f} s wall, {best[1]:.1f} s CPU (best of 3; target ≤ 10 s: "
          f"{'met' if best[0] <= 10 else 'NOT met'})")


def blocks_vs_rows() -> None:
    spec = load_model("ecsi")
    sv = _regions(spec, 7500, "NW")
    B = 2000
    rows, t_rows, c_rows = _timed(lambda: compare_groups(spec, sv, "region", permutations=B, seed=1, blocks=0))
    blk, t_blk, c_blk = _timed(lambda: compare_groups(spec, sv, "region", permutations=B, seed=2))
    from tests.inference.test_group_blocks import p_value_z

    zz = p_value_z(rows, blk, B)
    dp = np.abs(rows.differences.p_permutation - blk.differences.p_permutation).max()
    print(f"   2 x 7,500, {B:,} permutations: rows {t_rows:.1f} s ({c_rows:.1f} s CPU), blocks {t_blk:.1f} s ({c_blk:.1f} s CPU); "
          f"{zz.size} p-values: mean z^2 {np.mean(zz**2):.2f} (1 expected), max |z| {np.abs(zz).max():.2f}, "
          f"max |p diff| of the differences {dp:.3f} (z = (p_blocks - p_rows) / MC sd)")


def with_bootstraps() -> None:
    spec = load_model("ecsi")
    sv = _regions(spec, 7500)
    _, wall, cpu = _timed(lambda: compare_groups(spec, sv, "region", permutations=1000, seed=1, boot=5000))
    _, wall0, cpu0 = _timed(lambda: compare_groups(spec, sv, "region", permutations=1000, seed=1))
    print(f"   csi fit --group region (defaults: 1,000 permutations, 5,000 resamples per group), 4 x 7,500: "
          f"{wall:.1f} s ({cpu:.1f} s CPU), of which the four group bootstraps {wall - wall0:.1f} s ({cpu - cpu0:.1f} s CPU)")


def run() -> None:
    warnings.simplefilter("ignore")
    for step in (small, large, blocks_vs_rows, with_bootstraps):
        step()
