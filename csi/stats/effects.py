"""Total and indirect effects of a recursive path model, batched.

For path matrices ``P`` (B, K, K) (``P[b, i, j]`` the coefficient of ``i → j``) the total
effects are ``T = (I − P)⁻¹ − I`` (the sum of ``Pᵏ`` over all route lengths k ≥ 1; ``I − P``
of a recursive model is unitriangular up to a permutation, so always invertible) and the
indirect effects ``T − P``.  The full sample is B = 1 (:class:`csi.estimators.pls.PLSResults`),
bootstrap resamples B > 1.  Validated against SEMinR 2.3.1's total effects on ECSI/mobi and R
plspm 0.4's direct, indirect and total effects on ``satisfaction`` to 1e-6
(``tests/reference/test_pls_reference.py``), and against plain refits resample by resample
(``tests/inference/test_bootstrap.py``).
"""

from __future__ import annotations

import numpy as np


def total_effects(P: np.ndarray) -> np.ndarray:
    """``(I − P)⁻¹ − I`` for (K, K) or (B, K, K) path matrices.

    A failed batch member's non-finite coefficients are read as 0 so that they never reach
    LAPACK (the member is discarded by its caller anyway).
    """
    P = np.asarray(P, dtype=float)
    eye = np.eye(P.shape[-1])
    return np.asarray(np.linalg.inv(eye - np.where(np.isfinite(P), P, 0.0)) - eye)


def indirect_effects(T: np.ndarray, P: np.ndarray) -> np.ndarray:
    """``T − P``: the part of each total effect carried by routes of length two or more."""
    return np.asarray(T - P)


def reach(adj: np.ndarray) -> np.ndarray:
    """Boolean transitive closure: ``reach[i, j]`` when a directed route i → … → j exists."""
    r = np.asarray(adj) > 0
    for k in range(r.shape[0]):
        r = r | (r[:, [k]] & r[[k], :])
    return r


def effect_pairs(adj: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """(from, to) index pairs with a total effect (a route) and with an indirect one (length ≥ 2)."""
    r = reach(adj)
    indirect = (np.asarray(adj, dtype=float) @ r.astype(float)) > 0
    ti, tj = np.nonzero(r)
    ii, ij = np.nonzero(indirect)
    return (ti, tj), (ii, ij)
