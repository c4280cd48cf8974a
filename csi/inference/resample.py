"""Seeded resample streams (defined in :mod:`csi.stats.resample`, which the CB-SEM estimator uses too)."""

from __future__ import annotations

from csi.stats.resample import RNG_BLOCK, block_generator, resample_indices

__all__ = ["RNG_BLOCK", "block_generator", "resample_indices"]
