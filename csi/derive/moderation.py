"""Moderation: the interaction coefficient, simple slopes and the Johnson–Neyman interval.

For an interaction ``I = X × M`` with a path ``I → Y`` the fitted structural equation is
``Y = b₁ X + b₂ M + β_I I + …`` on standardized construct scores.  The coefficient per unit of
the product ``X·M`` is ``b₃ = β_I / a`` with SEMinR's variance adjustment (Henseler & Chin 2010,
seminr ``adjust_interaction``) ``a = Σⱼ sd(xⱼ)|λⱼ| / Σⱼ |λⱼ|`` over the interaction's item columns
(for a two-stage term, one column: ``a = sd(X·M)`` exactly).  ``b₃`` equals SEMinR's reported
interaction path to 1e-6 (``tests/workflows/test_transforms_seminr.py``).

Simple slopes of ``X`` on ``Y`` at ``M = m`` SD: ``b₁ + b₃ m`` for ``m = −1, 0, +1`` (seminr
``slope_analysis``); checked against a hand OLS of the scores (``tests/derive/test_moderation.py``).
Intervals: percentile bootstrap of the same formula, every resample refitted by the batched PLS
core (up to 1,000 of the ``--boot`` resamples, ``--seed``, ``--level``), with the stage-1 fit, the
derived columns and EM re-run in every resample (:class:`csi.estimators.staged.Rebuild`).
Johnson–Neyman: the moderator values where the slope's ``level`` interval excludes 0, from the
normal approximation with the bootstrap (co)variances of ``(b₁, b₃)``:
``(b₁ + b₃ m)² ≥ z² (v₁₁ + 2 m v₁₃ + m² v₃₃)``, a quadratic inequality in ``m``.
A quadratic term ``X²`` (``M = X``) gets its coefficient only (slope of ``X`` at ``X = m`` is
``b₁ + 2 b₃ m``, reported the same way).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csi.derive.base import JSON, Context, Outcome
from csi.estimators.pls import PLS, PLSResults
from csi.estimators.staged import Rebuild, rebuild_for

LEVELS = (-1.0, 0.0, 1.0)


def adjustment(items_sd: np.ndarray, loadings: np.ndarray) -> np.ndarray:
    """SEMinR's interaction variance adjustment ``Σ sd|λ| / Σ|λ|`` (last axis: the items)."""
    lam = np.abs(loadings)
    return (items_sd * lam).sum(axis=-1) / lam.sum(axis=-1)


@dataclass(frozen=True)
class Slopes:
    """Simple slopes, interaction coefficients and Johnson–Neyman bounds of every interaction."""

    table: pd.DataFrame  # one row per (interaction, outcome, moderator level)
    jn: pd.DataFrame  # one row per (interaction, outcome)
    settings: Mapping[str, Any]

    def to_contract(self) -> JSON:
        rows = [{k: _j(v) for k, v in r.items()} for r in self.table.to_dict("records")]
        jn = [{k: _j(v) for k, v in r.items()} for r in self.jn.to_dict("records")]
        return {"slopes": rows, "johnson_neyman": jn, "settings": {k: _j(v) for k, v in self.settings.items()}}  # type: ignore[dict-item]

    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"simple slopes": self.table, "Johnson-Neyman": self.jn}


def _j(v: object) -> JSON:
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    return None if v is None else str(v)


def coefficients(pls: PLSResults, code: str, iv: str, dv: str, quadratic: bool = False) -> tuple[float, float]:
    """``(b₁, b₃)`` of one fit: the iv's path and the per-unit interaction coefficient."""
    items = [i for i in pls.spec.construct(code).items]
    a = adjustment(pls.item_sds[items].to_numpy(), pls.loadings.loc[code][items].to_numpy())
    b3 = float(pls.paths[(code, dv)]) / float(a)
    return float(pls.paths[(iv, dv)]), b3 * (2.0 if quadratic else 1.0)


def _boot(pls: PLSResults, X: np.ndarray, weights: np.ndarray | None, targets: list[tuple[str, str, str]],
          resamples: int, seed: int, rebuild: Rebuild | None = None) -> np.ndarray:
    """(resamples, len(targets), 2) draws of ``(b₁, b₃)`` from the batched core (``rebuild``: the
    derived columns and EM re-run per resample, as the bootstrap of the path table does)."""
    est = PLS.of(pls)
    L = est.layout
    S, sd = _resample_moments(X, weights, resamples, seed, pls.standardized, rebuild)
    B = est.fit_moments(S)
    codes = list(L.codes)
    out = np.full((resamples, len(targets), 2), np.nan)
    for t, (code, iv, dv) in enumerate(targets):
        k = codes.index(code)
        cols = np.flatnonzero(L.block == k)
        a = adjustment(sd[:, cols], B.loadings[:, cols])
        out[:, t, 0] = B.paths[:, codes.index(iv), codes.index(dv)]
        out[:, t, 1] = B.paths[:, k, codes.index(dv)] / a
    return out


def _resample_moments(X: np.ndarray, weights: np.ndarray | None, resamples: int, seed: int,
                      standardized: bool, rebuild: Rebuild | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(S, sd) of ``resamples`` row resamples at once, equal to :func:`csi.estimators.base.moments`
    of ``X[idx]`` (and ``weights[idx]``): each resample as case weights ``cᵢwᵢ`` (counts × weights)."""
    n = X.shape[0]
    idx = np.random.default_rng(seed).integers(0, n, size=(resamples, n))
    C = np.zeros((resamples, n))
    np.add.at(C, (np.repeat(np.arange(resamples), n), idx.ravel()), 1.0)
    cw = C if weights is None else C * weights
    ne = float(n) if weights is None else cw.sum(axis=1) ** 2 / (C * weights**2).sum(axis=1)
    if rebuild is not None:
        r = rebuild(cw)
        return r.S, np.sqrt(r.var * (np.asarray(ne) / (np.asarray(ne) - 1)).reshape(-1, 1))
    v = cw / cw.sum(axis=1, keepdims=True)
    mean = v @ X
    cov = np.einsum("bn,ni,nj->bij", v, X, X) - mean[:, :, None] * mean[:, None, :]
    var = np.diagonal(cov, axis1=1, axis2=2)
    sd = np.sqrt(var * (np.asarray(ne) / (np.asarray(ne) - 1)).reshape(-1, 1))
    if not standardized:
        return cov, sd
    d = np.sqrt(var)
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / (d[:, :, None] * d[:, None, :]), sd


def jn_bounds(b1: float, b3: float, cov: np.ndarray, z: float) -> tuple[float, float, str]:
    """Roots of ``(b₁ + b₃m)² − z²(v₁₁ + 2m v₁₃ + m² v₃₃) = 0`` and where the slope is significant."""
    a = b3**2 - z**2 * cov[1, 1]
    b = 2 * (b1 * b3 - z**2 * cov[0, 1])
    c = b1**2 - z**2 * cov[0, 0]
    disc = b * b - 4 * a * c
    if not np.isfinite(disc) or disc < 0 or a == 0:
        return np.nan, np.nan, "significant everywhere" if c > 0 else "nowhere significant"
    r = sorted(((-b - np.sqrt(disc)) / (2 * a), (-b + np.sqrt(disc)) / (2 * a)))
    return r[0], r[1], "outside the bounds" if a > 0 else "between the bounds"


def _rebuild(ctx: Context) -> Rebuild | None:
    """The per-resample preparation of this fit (its transforms, EM), as the bootstrap uses."""
    written = getattr(ctx.results.get("prepared"), "written", None)
    if written is None:
        return None
    mask = ctx.survey.missing_mask
    cols = tuple(ctx.survey.items.columns[: mask.shape[1]]) if mask is not None else tuple(
        c for c in ctx.survey.items.columns if c in written.items)
    return rebuild_for(ctx.survey.items, cols, mask, written, tuple(ctx.spec.items), ctx.options.pls, ctx.survey.weights)


class ModerationDerivation:
    key = "moderation"
    requires: tuple[str, ...] = ()
    default = True

    def __call__(self, ctx: Context) -> Outcome:
        ints = [t for t in ctx.survey.settings.get("transforms", []) if t.get("kind") == "interaction"]
        if not ints:
            return Outcome(None)
        targets = [(t["code"], t.get("iv", t.get("quadratic")), p.target, "quadratic" in t)
                   for t in ints for p in ctx.spec.paths if p.source == t["code"]]
        opts = ctx.options.boot
        B = min(opts.pls_resamples, 1000)
        level = opts.level
        X = ctx.survey.items.loc[:, list(ctx.spec.items)].to_numpy(dtype=float)
        draws = _boot(ctx.pls, X, ctx.survey.weights, [t[:3] for t in targets], B, opts.seed, _rebuild(ctx)) if B else None
        from statistics import NormalDist

        z = NormalDist().inv_cdf(0.5 + level / 2)
        rows, jn = [], []
        for t, (code, iv, dv, quad) in enumerate(targets):
            b1, b3 = coefficients(ctx.pls, code, iv, dv, quad)
            d = None if draws is None else draws[:, t, :] * np.array([1.0, 2.0 if quad else 1.0])
            for m in LEVELS:
                s = b1 + b3 * m
                lo = hi = np.nan
                if d is not None:
                    sd_ = d[:, 0] + d[:, 1] * m
                    sd_ = sd_[np.isfinite(sd_)]
                    lo, hi = np.quantile(sd_, [(1 - level) / 2, (1 + level) / 2])
                rows.append({"interaction": code, "from": iv, "to": dv, "moderator_sd": m, "slope": s, "ci_lo": lo, "ci_hi": hi})
            lo_b, hi_b, where = (np.nan, np.nan, "no bootstrap") if d is None else jn_bounds(b1, b3, np.cov(d[np.isfinite(d).all(axis=1)].T), z)
            mod_code = next((t["moderator"] for t in ints if t["code"] == code and "moderator" in t), None)
            b2 = float(ctx.pls.paths.get((mod_code, dv), np.nan)) if mod_code else np.nan
            jn.append({"interaction": code, "from": iv, "to": dv, "b_iv": b1, "b_moderator": b2, "b_interaction": b3, "jn_lower": lo_b, "jn_upper": hi_b, "significant": where})
        settings = {"resamples": B, "seed": opts.seed, "level": level, "interval": "percentile bootstrap",
                    "johnson_neyman": "normal approximation with bootstrap covariance of (b_iv, b_interaction)"}
        return Outcome(Slopes(pd.DataFrame(rows), pd.DataFrame(jn), settings))


derivation = ModerationDerivation()
