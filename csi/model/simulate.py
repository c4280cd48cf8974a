"""Synthetic CSI surveys from a known population (for the sample data, tests and benchmarks).

The population is a recursive structural model on standardized latent constructs: each
endogenous construct is ``η_j = Σ β_ij η_i + ζ_j`` with ``var(ζ_j)`` chosen so ``var(η_j) = 1``.
Items are ``x = λ η + √(1 − λ²) ε``, then mapped onto the response scale by
``round(centre + spread · x)`` clipped to the scale limits (``spread = 0`` gives the
continuous items, useful when the population values must hold exactly).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from csi.model.spec import ModelSpec

# Standardized paths close to the ECSI mobi estimates (Tenenhaus et al. 2005).
ECSI_PATHS: dict[tuple[str, str], float] = {
    ("IMAG", "CUEX"): 0.50, ("IMAG", "CUSA"): 0.18, ("IMAG", "CUSL"): 0.20,
    ("CUEX", "PERQ"): 0.56, ("CUEX", "PERV"): 0.05, ("CUEX", "CUSA"): 0.06,
    ("PERQ", "PERV"): 0.56, ("PERQ", "CUSA"): 0.51, ("PERV", "CUSA"): 0.19,
    ("CUSA", "CUSCO"): 0.53, ("CUSA", "CUSL"): 0.49, ("CUSCO", "CUSL"): 0.07,
}


def implied_latent_cov(spec: ModelSpec, paths: Mapping[tuple[str, str], float]) -> np.ndarray:
    """Covariance of the standardized latent constructs implied by the paths."""
    codes = list(spec.codes)
    K = len(codes)
    B = np.zeros((K, K))
    for p in spec.paths:
        B[codes.index(p.target), codes.index(p.source)] = paths.get((p.source, p.target), 0.3)
    # solve for disturbance variances so that every construct has unit variance (topological order)
    psi = np.zeros(K)
    cov = np.zeros((K, K))
    for j in range(K):
        b = B[j, :j]
        if not b.any():
            psi[j] = 1.0
        else:
            explained = b @ cov[:j, :j] @ b
            if explained >= 1:
                raise ValueError(f"paths into {codes[j]} explain more than all its variance")
            psi[j] = 1.0 - explained
        # cov with earlier constructs
        cov[j, :j] = cov[:j, j] = cov[:j, :j] @ b if b.any() else 0.0
        cov[j, j] = 1.0
    return cov


def simulate_survey(
    spec: ModelSpec,
    n: int,
    seed: int = 1,
    paths: Mapping[tuple[str, str], float] | None = None,
    loading: float | Mapping[str, float] = 0.8,
    centre: float = 7.5,
    spread: float = 1.6,
    shift: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Simulate ``n`` respondents; ``shift`` adds to a construct's latent mean (in SD units)."""
    rng = np.random.default_rng(seed)
    paths = dict(ECSI_PATHS if paths is None else paths)
    codes = list(spec.codes)
    cov = implied_latent_cov(spec, paths)
    eta = rng.multivariate_normal(np.zeros(len(codes)), cov, size=n, method="cholesky")
    for code, delta in (shift or {}).items():
        eta[:, codes.index(code)] += delta
    cols = {}
    for k, c in enumerate(spec.constructs):
        for item in c.items:
            lam = loading if isinstance(loading, (int, float)) else loading.get(item, 0.8)
            x = lam * eta[:, k] + np.sqrt(1 - lam**2) * rng.standard_normal(n)
            if spread > 0:
                x = np.clip(np.round(centre + spread * x), spec.scale_min, spec.scale_max)
            cols[item] = x
    return pd.DataFrame(cols)


def simulate_moderation(n: int, seed: int = 1, interaction: float = 0.25, loading: float = 0.8,
                        centre: float = 5.5, spread: float = 1.5, discrete: bool = True) -> pd.DataFrame:
    """A survey with a planted moderation: ``Y = 0.4 X + 0.2 M + interaction · X·M + ζ``.

    ``X`` (items ``X1–X3``) and ``M`` (``M1–M3``) are independent standard normal latent
    constructs, ``ζ`` normal with ``var(ζ) = 1 − 0.4² − 0.2² − interaction²`` (so ``var(Y) = 1``);
    items ``Y1–Y3`` and the rest as :func:`simulate_survey`: ``centre + spread · x`` on the 1–10
    scale, rounded unless ``discrete`` is false (``spread = 0``: the standardized ``x``).  The generator of the moderation power/size tests
    (``tests/derive/test_moderation.py``).
    """
    rng = np.random.default_rng(seed)
    x, m = rng.standard_normal(n), rng.standard_normal(n)
    resid = 1 - 0.16 - 0.04 - interaction**2
    y = 0.4 * x + 0.2 * m + interaction * x * m + np.sqrt(resid) * rng.standard_normal(n)
    cols = {}
    for code, eta in (("X", x), ("M", m), ("Y", y)):
        for k in (1, 2, 3):
            v = loading * eta + np.sqrt(1 - loading**2) * rng.standard_normal(n)
            x = centre + spread * v
            cols[f"{code}{k}"] = v if spread <= 0 else np.clip(np.round(x) if discrete else x, 1, 10)
    return pd.DataFrame(cols)
