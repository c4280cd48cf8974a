"""Derived item columns of a flattened model (:class:`csi.model.expand.Column` rules).

* ``copy``: the source item unchanged (repeated indicators);
* ``product``: ``z(x)·z(m)`` with ``z(v) = (v − v̄)/s_v`` (sample SD, ``n − 1``), SEMinR's
  ``product_indicator`` (Henseler & Chin 2010);
* ``orthogonal``: that product minus its OLS fit on an intercept and the *unscaled* main-effect
  items (SEMinR's ``orthogonal``; least squares by ``lstsq`` so that a quadratic term's repeated
  basis is not singular — the residuals are unique either way);
* ``score``: a stage-1 construct score (on the item scale, see
  :func:`csi.workflows.staged.item_scale_scores`); ``score_product``: the product of two stage-1 scores
  (SEMinR's ``two_stage``; the scores are standardized, as SEMinR's).

Unweighted, as SEMinR: survey weights enter the PLS moments later, not the column rules.
Validated against SEMinR 0.2.1 (``tests/model/test_transforms_seminr.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from csi.model.expand import Column


def _z(v: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    if w is None:
        return (v - v.mean()) / v.std(ddof=1)
    m = w @ v  # weighted: the column's scale does not matter (PLS standardizes), its centre does
    return (v - m) / np.sqrt(w @ (v - m) ** 2)


def add_columns(items: pd.DataFrame, rules: Sequence[Column], scores: pd.DataFrame | None = None,
                level: pd.DataFrame | None = None, weights: np.ndarray | None = None) -> pd.DataFrame:
    """``items`` plus one column per rule (in order); ``scores`` are the stage-1 standardized construct
    scores (for products), ``level`` the stage-1 scores on the item scale (for ``score`` columns).
    ``weights`` (summing to 1): case weights of a bootstrap resample (its counts), so that centring
    and the orthogonalizing regression equal those on the repeated rows."""
    def cols(df: pd.DataFrame | None) -> Mapping[str, np.ndarray] | None:
        return None if df is None else {str(c): df[c].to_numpy(dtype=float) for c in df.columns}

    new = derived_arrays(cols(items) or {}, rules, cols(scores), cols(level), weights)
    keep = items.drop(columns=[c for c in new if c in items.columns])
    return pd.concat([keep, pd.DataFrame(new, index=items.index)], axis=1)


def derived_arrays(items: Mapping[str, np.ndarray], rules: Sequence[Column], scores: Mapping[str, np.ndarray] | None = None,
                   level: Mapping[str, np.ndarray] | None = None, weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The derived columns of :func:`add_columns` from columns given by name (no pandas: the bootstrap's path)."""
    new: dict[str, np.ndarray] = {}
    for r in rules:
        if r.kind == "copy":
            new[r.name] = items[r.sources[0]]
        elif r.kind in ("product", "orthogonal"):
            a, b = (items[s] for s in r.sources)
            y = _z(a, weights) * _z(b, weights)
            if r.kind == "orthogonal":
                X = np.column_stack([np.ones(len(y)), *(items[c] for c in r.basis)])
                sw = np.ones(len(y)) if weights is None else np.sqrt(weights)
                beta = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
                y = y - X @ beta
            new[r.name] = y
        elif r.kind in ("score", "score_product"):
            src = level if r.kind == "score" and level is not None else scores
            if src is None:
                raise ValueError(f"column {r.name} needs stage-1 scores")
            new[r.name] = np.prod([src[s] for s in r.sources], axis=0)
        else:  # pragma: no cover - the rules come from csi.model.expand only
            raise ValueError(f"unknown derived-column kind {r.kind!r}")
    return new
