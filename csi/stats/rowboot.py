"""Respondent bootstrap of small statistics: seeded count matrices and batched weighted moments.

Resample ``b`` draws the rows of :func:`csi.stats.resample.resample_indices` (the seeded blocks every
csi bootstrap uses); ``c_bi`` counts how often row ``i`` was drawn.  Weighted means and correlations of
``X`` (n, q) for a block of resamples are then matrix products with the counts::

    x̄_b = Σᵢ c_bi xᵢ / Σᵢ c_bi,     C_b = Σᵢ c_bi (xᵢ − x̄_b)(xᵢ − x̄_b)' / Σᵢ c_bi

(computed on ``X`` centred at its full-sample mean for accuracy).  Used by the derivations whose
statistic is a function of a few columns' moments (driver analysis, penalty–reward contrasts);
validated through them against plain refits of the resampled rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from csi.stats.resample import RNG_BLOCK, resample_indices


def count_blocks(seed: int, resamples: int, n: int) -> Iterator[np.ndarray]:
    """Count matrices (rows, n) of resamples ``0..resamples-1``, block by block."""
    for block in range(-(-resamples // RNG_BLOCK)):
        idx = resample_indices(seed, block, n)[: resamples - block * RNG_BLOCK]
        rows = idx.shape[0]
        flat = (idx + (np.arange(rows) * n)[:, None]).ravel()
        yield np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(float)


def weighted_moments(X: np.ndarray, V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means (B, q) and divisor-Σv covariances (B, q, q) of ``X`` (n, q) under case weights ``V`` (B, n)."""
    X0 = X - X.mean(axis=0)
    tot = V.sum(axis=1)
    m = V @ X0 / tot[:, None]
    q = X.shape[1]
    S = (V @ (X0[:, :, None] * X0[:, None, :]).reshape(len(X0), q * q)).reshape(-1, q, q) / tot[:, None, None]
    S -= m[:, :, None] * m[:, None, :]
    return m + X.mean(axis=0), S


def corr_of(S: np.ndarray) -> np.ndarray:
    """Correlation matrices of covariance matrices (B, q, q)."""
    d = np.sqrt(np.einsum("bii->bi", S))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(S / (d[:, :, None] * d[:, None, :]))
