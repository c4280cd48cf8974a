"""Seeded resample streams shared by every bootstrap (PLS and CB-SEM).

Resample ``b`` belongs to block ``b // RNG_BLOCK``; each block has its own numpy PCG64 stream
``SeedSequence(seed, spawn_key=(block,))``, so a resample's rows depend only on the seed and its
number — never on how many workers or which chunk size computed it.  ``tests/inference/test_bootstrap.py``
checks that the bootstrap's draws are the resamples of these rows.
"""

from __future__ import annotations

import numpy as np

RNG_BLOCK = 250  # resamples per random stream and per batched fit; chunks are whole blocks
#: a resample's item is constant below this share of its full-sample variance (failure FAIL_CONSTANT)
CONST_REL_VAR = 1e-10
#: why a resample's moments are unusable: an item constant in it, or no positive case weight
FAIL_CONSTANT, FAIL_NO_WEIGHT = 1, 2


def block_generator(seed: int, block: int) -> np.random.Generator:
    """The random stream of one block of ``RNG_BLOCK`` resamples."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))


def resample_indices(seed: int, block: int, n: int) -> np.ndarray:
    """Row indices (RNG_BLOCK, n) of the resamples of one block: resample b is in block b // RNG_BLOCK."""
    return block_generator(seed, block).integers(0, n, size=(RNG_BLOCK, n))
