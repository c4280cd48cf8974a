"""Heterotrait–monotrait ratio of correlations (Henseler, Ringle & Sarstedt 2015), batched.

For item correlation matrices ``R`` (B, p, p) and the membership matrix ``M`` (p, K), with
``A = |R|`` (absolute values, as SEMinR and SmartPLS: a negatively correlated item pair cannot
pull the ratio down):

* heterotrait mean ``h_ab`` = mean of ``A[i, j]`` over items ``i`` of ``a`` and ``j`` of ``b``;
* monotrait mean ``m_a`` = mean of ``A[i, j]`` over pairs ``i ≠ j`` within ``a`` (1 for a
  single-item construct);
* ``HTMT_ab = h_ab / √(m_a m_b)``.

Block sums come from ``Mᵀ A M``, so a whole batch costs two matrix products.  The full sample
is B = 1 (:mod:`csi.derive.quality`), bootstrap resamples B > 1.  Validated against SEMinR
2.3.1 (ECSI on mobi) to 1e-6 (``tests/reference/test_pls_reference.py``) and against plain refits of
resampled rows (``tests/inference/test_bootstrap.py``).
"""

from __future__ import annotations

import numpy as np


def lower_pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Construct pairs (a, b) with b < a, row by row: (1, 0), (2, 0), (2, 1), …"""
    a = np.array([i for i in range(k) for _ in range(i)], dtype=int)
    b = np.array([j for i in range(k) for j in range(i)], dtype=int)
    return a, b


def htmt(corr: np.ndarray, member: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """HTMT of the construct pairs ``(a[m], b[m])``: (B, p, p) correlations → (B, len(a))."""
    A = np.abs(corr)
    M = member
    sums = M.T @ (A @ M)
    size = M.sum(axis=0)
    diag = np.diagonal(A, axis1=1, axis2=2) @ M
    with np.errstate(invalid="ignore", divide="ignore"):
        mono = np.where(size > 1, (np.diagonal(sums, axis1=1, axis2=2) - diag) / (size * (size - 1)), 1.0)
        hetero = sums[:, a, b] / (size[a] * size[b])
        return np.asarray(hetero / np.sqrt(mono[:, a] * mono[:, b]))


def htmt2(corr: np.ndarray, member: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """HTMT2 (Roemer, Schuberth & Henseler 2021) of the pairs ``(a[m], b[m])``: (B, p, p) → (B, len(a)).

    The geometric-mean version of :func:`htmt`: ``exp(mean log|r|)`` over the heterotrait pairs,
    divided by the square root of the product of the two monotrait geometric means (pairs
    ``i ≠ j`` within a construct; 1 for a single item).  Absolute values, as in :func:`htmt`.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        G = np.log(np.abs(corr))
        M = member
        sums = M.T @ (G @ M)
        size = M.sum(axis=0)
        diag = np.diagonal(G, axis1=1, axis2=2) @ M
        mono = np.where(size > 1, (np.diagonal(sums, axis1=1, axis2=2) - diag) / (size * (size - 1)), 0.0)
        hetero = sums[:, a, b] / (size[a] * size[b])
        return np.asarray(np.exp(hetero - 0.5 * (mono[:, a] + mono[:, b])))
