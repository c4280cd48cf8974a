"""Driver analysis: relative importance of each driver of a target construct (Shapley/LMG, Johnson).

For drivers ``x₁..x_p`` (the target's predecessors' construct scores) and target ``y``, with
correlations ``R_xx`` and ``r_xy``:

* ``R²(S) = r_S' R_SS⁻¹ r_S`` for every subset ``S`` of drivers (all ``2^p`` of them);
* **Shapley / LMG** share of driver ``j`` (Lindeman, Merenda & Gold 1980; Grömping 2007):
  ``φⱼ = Σ_{S ⊆ P∖{j}} |S|! (p − |S| − 1)! / p! · [R²(S ∪ {j}) − R²(S)]``; the shares sum to the
  full-model ``R²`` (the sum telescopes);
* **Johnson's relative weights** (Johnson 2000): ``R_xx = Q Λ Q'``, ``Λ* = Q Λ^{1/2} Q'`` (the
  correlations of the drivers with their orthogonal counterparts ``Z``), ``β = Λ*⁻¹ r_xy``
  (regression of ``y`` on ``Z``), ``εⱼ = Σ_k Λ*_jk² β_k²``; they sum to ``R²`` too.

Both are functions of the correlation matrix only, so they are batched over ``B`` matrices: the full
sample is ``B = 1`` and the bootstrap (resampled rows of the construct scores, the PLS weights held
at the full-sample fit; seeded blocks of :mod:`csi.stats.resample`) uses the same code.

Validated (``tests/derive/test_drivers.py``): Shapley shares against an all-subsets computation with
``numpy.linalg.lstsq`` regressions written in the test, summing to R² to 1e-12; Johnson's weights
against a hand implementation from the SVD of the standardized data (Johnson's original route) to 1e-10.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from csi.derive.base import JSON, Context, Outcome
from csi.errors import CsiError, Issue
from csi.stats.intervals import percentile_interval
from csi.stats.rowboot import corr_of, count_blocks, weighted_moments


def subset_r2(R: np.ndarray) -> dict[tuple[int, ...], np.ndarray]:
    """R² (B,) of every subset of drivers; ``R`` (B, p+1, p+1) correlations with the target last."""
    p = R.shape[1] - 1
    out: dict[tuple[int, ...], np.ndarray] = {(): np.zeros(R.shape[0])}
    for size in range(1, p + 1):
        for S in combinations(range(p), size):
            idx = np.array(S)
            r = R[:, idx, p]
            beta = np.linalg.solve(R[:, idx[:, None], idx[None, :]], r[:, :, None])[:, :, 0]
            out[S] = np.einsum("bi,bi->b", r, beta)
    return out


def shapley(R: np.ndarray) -> np.ndarray:
    """Shapley/LMG shares (B, p) of R² from correlations ``R`` (B, p+1, p+1), target last."""
    p = R.shape[1] - 1
    r2 = subset_r2(R)
    phi = np.zeros((R.shape[0], p))
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for size in range(p):
            wt = factorial(size) * factorial(p - size - 1) / factorial(p)
            for S in combinations(others, size):
                phi[:, j] += wt * (r2[tuple(sorted((*S, j)))] - r2[S])
    return phi


def johnson(R: np.ndarray) -> np.ndarray:
    """Johnson's relative weights (B, p) from correlations ``R`` (B, p+1, p+1), target last."""
    p = R.shape[1] - 1
    lam, Q = np.linalg.eigh(R[:, :p, :p])
    L = np.einsum("bij,bj,bkj->bik", Q, np.sqrt(np.clip(lam, 0.0, None)), Q)
    beta = np.linalg.solve(L, R[:, :p, p][:, :, None])[:, :, 0]
    return np.asarray(np.einsum("bjk,bk->bj", L**2, beta**2))


@dataclass(frozen=True)
class Drivers:
    """Relative importance of the drivers of each target: one row per (target, driver)."""

    table: pd.DataFrame  # index (target, driver); r2, shapley, shapley_lo/hi, johnson, johnson_lo/hi, shares
    settings: Mapping[str, object]

    def to_contract(self) -> JSON:
        rows: list[JSON] = []
        for (tgt, drv), (_, r) in zip(self.table.index.tolist(), self.table.iterrows(), strict=True):
            rows.append({"to": str(tgt), "from": str(drv), "r2": float(r["r2"]),
                         "shapley": float(r["shapley"]), "shapley_ci": [float(r["shapley_lo"]), float(r["shapley_hi"])],
                         "johnson": float(r["johnson"]), "johnson_ci": [float(r["johnson_lo"]), float(r["johnson_hi"])]})
        return {"drivers": rows, "settings": {k: v if isinstance(v, int | float) else str(v) for k, v in self.settings.items()}}

    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"driver importance": self.table}


def analyse(scores: pd.DataFrame, target: str, drivers: list[str], resamples: int = 0, seed: int = 1,
            level: float = 0.95, weights: np.ndarray | None = None) -> pd.DataFrame:
    """Shapley and Johnson shares of ``target``'s R² by ``drivers`` (columns of ``scores``), with intervals."""
    missing = [c for c in (target, *drivers) if c not in scores.columns]
    if missing:
        raise CsiError(f"driver analysis: no column {', '.join(missing)} in the scores")
    if not drivers:
        raise CsiError(f"driver analysis: construct {target} has no drivers (no path into it)")
    X = scores.loc[:, [*drivers, target]].to_numpy(dtype=float)
    v = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=float)
    R = corr_of(weighted_moments(X, v[None])[1])
    sh, jo = shapley(R)[0], johnson(R)[0]
    r2 = subset_r2(R)[tuple(range(len(drivers)))][0]
    out = pd.DataFrame({"r2": r2, "shapley": sh, "shapley_share": sh / r2, "johnson": jo, "johnson_share": jo / r2},
                       index=pd.MultiIndex.from_product([[target], drivers], names=["target", "driver"]))
    if resamples:
        dsh, djo = [], []
        for C in count_blocks(seed, resamples, len(X)):
            Rb = corr_of(weighted_moments(X, C * v)[1])
            dsh.append(shapley(Rb))
            djo.append(johnson(Rb))
        for name, d in (("shapley", np.concatenate(dsh)), ("johnson", np.concatenate(djo))):
            lo, hi = percentile_interval(d, level)
            out[f"{name}_lo"], out[f"{name}_hi"] = lo, hi
    else:
        for name in ("shapley", "johnson"):
            out[f"{name}_lo"] = out[f"{name}_hi"] = np.nan
    return out[["r2", "shapley", "shapley_lo", "shapley_hi", "shapley_share", "johnson", "johnson_lo", "johnson_hi", "johnson_share"]]


class DriverDerivation:
    """``--derive drivers``: Shapley/LMG and Johnson importance for every endogenous construct with 2+ drivers."""

    key = "drivers"
    requires: tuple[str, ...] = ()
    default = False

    def __call__(self, ctx: Context) -> Outcome:
        boot = ctx.options.boot
        resamples = min(boot.pls_resamples, 1000)
        frames = []
        for tgt in ctx.spec.endogenous:
            preds = list(ctx.spec.predecessors(tgt))
            if preds:
                frames.append(analyse(ctx.pls.scores, tgt, preds, resamples, boot.seed, boot.level, ctx.pls.case_weights))
        settings = {"method": "Shapley/LMG decomposition of R2 over all subsets; Johnson (2000) relative weights",
                    "scores": "PLS construct scores of the full-sample fit",
                    "resamples": resamples, "seed": boot.seed, "level": boot.level,
                    "interval": "percentile, respondent bootstrap of the construct scores (weights held fixed)"}
        issues = () if frames else (Issue.of("drivers", "driver analysis: the model has no endogenous construct"),)
        table = pd.concat(frames) if frames else pd.DataFrame()
        return Outcome(Drivers(table, settings), issues)


DRIVERS = DriverDerivation()
