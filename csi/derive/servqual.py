"""SERVQUAL gap analysis: perception − expectation per item, dimension and overall, with intervals.

For respondent ``r`` (case weight ``v_r``), item pair ``i`` (perception ``P``, expectation ``E``) and
dimension ``d`` with ``m_d`` pairs:

* item gap ``g_ri = P_ri − E_ri``; dimension gap ``G_rd = (1/m_d) Σ_{i∈d} g_ri``;
* overall unweighted gap ``G_r = (1/D) Σ_d G_rd`` (the mean of the dimension gaps, Parasuraman et al. 1988);
* overall weighted gap ``G^w_r = Σ_d (w_rd / Σ_e w_re) G_rd`` with ``w_rd`` the respondent's
  100-point importance allocation (normalized to its sum, which is 100 when the allocation is complete;
  Parasuraman, Berry & Zeithaml 1991);
* every reported value is the case-weighted mean over respondents of these per-respondent values
  (and of ``P`` and ``E``), so it is ``v'F / Σv`` for one feature matrix ``F`` (n, q).

Intervals: percentile bootstrap over respondents — resample ``b`` is ``(c_b v)'F / Σ c_b v`` with
the seeded counts of :mod:`csi.stats.rowboot` (the same matrix product as the full sample).  Segments:
the same computation on each segment's respondents (its own resamples, same seed).

Validated (``tests/derive/test_servqual.py``): gaps on a generated survey with planted gaps (the
recorded generator :func:`csi.model.gaps.simulate`) have the planted sign and size; the weighted
overall gap equals the hand formula to 1e-12; item gaps equal pandas means of ``P − E`` to 1e-12.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csi.errors import DataError
from csi.model.gaps import GapModel
from csi.stats.intervals import percentile_interval
from csi.stats.rowboot import count_blocks

COLUMNS = ["segment", "level", "dimension", "name", "perception", "expectation", "gap", "ci_lo", "ci_hi", "n"]


def features(model: GapModel, data: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
    """Per-respondent values (n, q) and their labels (level, dimension, name) in ``F``'s column order.

    Per item 3 columns (P, E, gap), per dimension 3, overall 3 (P, E, unweighted gap), and the weighted
    overall gap when importance columns are declared.
    """
    cols, labels = [], []
    dimP, dimE = [], []
    for d in model.dimensions:
        P = data[[p for p, _ in d.pairs]].to_numpy(dtype=float)
        E = data[[e for _, e in d.pairs]].to_numpy(dtype=float)
        for j, (p, _) in enumerate(d.pairs):
            cols += [P[:, j], E[:, j], P[:, j] - E[:, j]]
            labels += [("item", d.code, p)] * 3
        dimP.append(P.mean(axis=1))
        dimE.append(E.mean(axis=1))
        cols += [dimP[-1], dimE[-1], dimP[-1] - dimE[-1]]
        labels += [("dimension", d.code, d.label)] * 3
    Pm, Em = np.column_stack(dimP), np.column_stack(dimE)
    cols += [Pm.mean(axis=1), Em.mean(axis=1), (Pm - Em).mean(axis=1)]
    labels += [("overall", "", "unweighted")] * 3
    imp = model.importance
    if imp:
        W = data[imp].to_numpy(dtype=float)
        tot = W.sum(axis=1)
        bad = np.flatnonzero(~(tot > 0))
        if len(bad):
            raise DataError(f"importance allocations ({', '.join(imp)}): row {int(bad[0]) + 2} allocates no points")
        Wn = W / tot[:, None]
        cols += [(Wn * Pm).sum(axis=1), (Wn * Em).sum(axis=1), (Wn * (Pm - Em)).sum(axis=1)]
        labels += [("overall", "", "weighted by importance")] * 3
    return np.column_stack(cols), labels


def _table(F: np.ndarray, labels: list[tuple[str, str, str]], v: np.ndarray, resamples: int, seed: int, level: float,
           segment: str | None) -> pd.DataFrame:
    est = v @ F / v.sum()
    if resamples:
        draws = np.concatenate([(C * v) @ F / (C * v).sum(axis=1)[:, None] for C in count_blocks(seed, resamples, len(F))])
        lo, hi = percentile_interval(draws, level)
    else:
        lo = hi = np.full(F.shape[1], np.nan)
    rows = []
    for k in range(0, F.shape[1], 3):
        lvl, dim, name = labels[k]
        rows.append({"segment": segment, "level": lvl, "dimension": dim, "name": name, "perception": est[k],
                     "expectation": est[k + 1], "gap": est[k + 2], "ci_lo": lo[k + 2], "ci_hi": hi[k + 2], "n": len(F)})
    return pd.DataFrame(rows, columns=COLUMNS)


@dataclass(frozen=True)
class GapResults:
    table: pd.DataFrame  # COLUMNS; segment None for the whole sample
    model: GapModel
    settings: dict[str, Any] = field(default_factory=dict)

    def to_contract(self) -> dict[str, Any]:
        rows = []
        for r in self.table.to_dict("records"):
            rows.append({"segment": r["segment"], "level": r["level"], "dimension": r["dimension"] or None, "name": r["name"],
                         "perception": float(r["perception"]), "expectation": float(r["expectation"]), "gap": float(r["gap"]),
                         "ci": [float(r["ci_lo"]), float(r["ci_hi"])], "n": int(r["n"])})
        return {"model": {"name": self.model.name, "label": self.model.label, "source": self.model.source},
                "gaps": rows, "settings": self.settings}


def analyse(model: GapModel, data: pd.DataFrame, resamples: int = 1000, seed: int = 1, level: float = 0.95,
            segment: str | None = None, weights: np.ndarray | None = None) -> GapResults:
    """Gaps of every item, dimension and overall (unweighted and importance-weighted), whole sample and by segment."""
    F, labels = features(model, data)
    v = np.ones(len(F)) if weights is None else np.asarray(weights, dtype=float)
    parts = [_table(F, labels, v, resamples, seed, level, None)]
    if segment is not None:
        seg = data[segment].astype(str).to_numpy()
        for s in sorted(set(seg)):
            m = seg == s
            parts.append(_table(F[m], labels, v[m], resamples, seed, level, s))
    settings = {"resamples": resamples, "seed": seed, "level": level, "segment": segment,
                "interval": "percentile, respondent bootstrap (seeded blocks)",
                "overall": "unweighted: mean of the dimension gaps; weighted: sum of dimension gaps x importance points / total points",
                "scale": {"min": model.scale_min, "max": model.scale_max}}
    return GapResults(pd.concat(parts, ignore_index=True), model, settings)
