"""0–100 indices of weighted item means, batched: the one definition of the ACSI-type index.

For a batch of ``B`` fits with item weights ``w`` (B, p), item SDs ``s`` (B, p) and item means
``x̄`` (B, p), and the membership matrix ``M`` (p, K) (``M[i, k] = 1`` when item ``i`` measures
construct ``k``; ``block[i]`` its construct):

* unstandardized weight ``uᵢ = wᵢ / sᵢ`` (standardized outer weights on items in their own
  units), or ``uᵢ = wᵢ`` when PLS ran on unstandardized items;
* normalized weight ``ũᵢ = uᵢ / Σ_{j ∈ block(i)} uⱼ`` (sums to 1 within a construct; a constant
  factor common to all ``s`` — the divisor n or n − 1 — cancels);
* index ``I_k = Σ_{i ∈ k} ũᵢ (x̄ᵢ − lo)/(hi − lo) · 100`` with the scale's theoretical limits.

The full sample is B = 1 (:mod:`csi.derive.indices`); bootstrap resamples and permutation
groups are B > 1 (:mod:`csi.inference`).  Validated against SEMinR 2.3.1's ACSI-formula indices
on ECSI/mobi to 1e-6 (``tests/reference/test_pls_reference.py``) and, resample by resample, against plain
refits of the resampled rows to 1e-10 (``tests/inference/test_bootstrap.py``).
"""

from __future__ import annotations

import numpy as np


def normalized_weights(w: np.ndarray, sd: np.ndarray, member: np.ndarray, block: np.ndarray, standardized: bool) -> np.ndarray:
    """``ũ = u / Σ_block u`` with ``u = w / sd`` (standardized) or ``u = w``: (B, p) → (B, p)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        u = w / sd if standardized else w
        return np.asarray(u / (u @ member)[:, block])


def linear_index(nw: np.ndarray, mean: np.ndarray, member: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``I = Σ ũ (x̄ − lo)/(hi − lo) · 100`` per construct: (B, p) normalized weights and means → (B, K)."""
    return np.asarray(((mean - lo) / (hi - lo) * 100.0 * nw) @ member)
