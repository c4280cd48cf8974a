"""TODO docstring."""

from __future__ import annotations

import numpy as np

RNG_BLOCK = 250  # resamples per random stream and per batched fit; chunks are whole blocks


def resample_indices(seed: int, block: int, n: int) -> np.ndarray:
    """Row indices (RNG_BLOCK, n) of the resamples of one block: resample b is in block b // RNG_BLOCK."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))
    return rng.integers(0, n, size=(RNG_BLOCK, n))
