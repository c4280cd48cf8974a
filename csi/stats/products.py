"""Cross-products of tall item matrices: in chunks, on one BLAS thread (the data checks and the fit's moments).

One definition for both readers of an n × p item matrix that sum its centred cross-products
(:func:`csi.data.checks.centred_products`, :func:`csi.estimators.base.moments`), and of the rule
that runs such tall, thin products on one BLAS thread.
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

#: rows per chunk of :func:`cross_products` (a chunk of 24 items is 3 MB, in cache; no n × p centred copy)
CHUNK_ROWS = 1 << 14
#: from this many rows the products run on one BLAS thread (:func:`one_blas_thread`)
ONE_THREAD_ROWS = 50_000


def one_blas_thread(n: int) -> Any:
    """Run the n-row products (n × p by p × K) on one BLAS thread when ``n`` is large.

    OpenBLAS splits such a tall, thin product over its threads, which helps little and, when
    the cores are busy, made ``X @ W`` on 10⁶ respondents 7× slower (0.37 s against 0.05 s) and
    the checks' cross-products 5–10× slower (0.5 s against 0.07 s on 10⁶ × 24).  The split is over
    rows, so every element is computed the same way: the result is identical.  Below
    ``ONE_THREAD_ROWS`` rows the products take microseconds and threadpoolctl's own cost (a few
    ms per call, it inspects the loaded libraries) would dominate, so nothing is changed.
    """
    if n < ONE_THREAD_ROWS:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def cross_products(X: np.ndarray, centre: np.ndarray, v: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(Σᵢ vᵢ dᵢdᵢ', Σᵢ vᵢ dᵢ)`` with ``dᵢ = xᵢ − centre`` (``v`` None: all 1), :data:`CHUNK_ROWS` rows at a time."""
    n, p = X.shape
    S, s = np.zeros((p, p)), np.zeros(p)
    with one_blas_thread(n):
        for a in range(0, n, CHUNK_ROWS):
            d = X[a:a + CHUNK_ROWS] - centre
            dv = d if v is None else d * v[a:a + CHUNK_ROWS, None]
            S += dv.T @ d
            s += dv.sum(axis=0)
    return S, s
