"""Inference through the batched core: bootstrap (:mod:`~csi.inference.bootstrap`), permutation
tests, PLS-MGA and MICOM (:mod:`~csi.inference.groups`), on reweighted-sample moments
(:mod:`~csi.inference.moments`), seeded streams (:mod:`~csi.inference.resample`) and a runner
(:mod:`~csi.inference.runners`)."""
