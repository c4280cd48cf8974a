"""Pure batched kernels on arrays with a leading B axis (numpy only: no pandas, no spec objects).

The full sample is the batch B = 1; bootstrap resamples and permutations are B > 1 batches of
the same functions, so every statistic has one definition: :mod:`~csi.stats.index` (0–100
indices), :mod:`~csi.stats.htmt`, :mod:`~csi.stats.effects` (total and indirect effects),
:mod:`~csi.stats.intervals` (percentile, BCa, Holm, Wilson, permutation p-values) and
:mod:`~csi.stats.resample` (seeded resample streams).
"""
