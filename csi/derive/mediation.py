"""Mediation: every specific indirect effect of the structural model, with bootstrap inference.

A *chain* is a directed path ``X → M₁ → … → M_m → Y`` (m ≥ 1 mediators) of the structural model;
its specific indirect effect is the product of its path coefficients ``b_{X M₁} · … · b_{M_m Y}``.
With ``B`` the path matrix, ``Σ_{k≥2} Bᵏ = (I − B)⁻¹ − I − B`` is the sum over all chains, so the
specific indirect effects of one source–target pair add up to its total indirect effect
(:mod:`csi.stats.effects`).

One definition of the statistic (:func:`chain_products`) serves the full sample (``B = 1``) and
every bootstrap resample: the products are taken of the (sign-corrected) path draws of the one
batched bootstrap (``boot.draws("paths")``), never of a separate resampling.  Per chain:

* SE = sd of the draws (divisor ``B − 1``), ``t = estimate / SE``;
* percentile interval at the bootstrap's level (R type 7 quantiles);
* two-sided bootstrap p-value ``2 min(P*, 1 − P*)``, ``P* = #{θ*_b ≤ 0} / B`` (SEMinR's
  ``specific_effect_significance``), which agrees with the percentile interval's verdict.

Mediation type per chain, Zhao, Lynch & Chen (2010, J. Consumer Research 37, fig. 1), with
``a·b`` the chain's specific indirect effect and ``c`` the direct path ``X → Y`` (0 when the
model has none), each *significant* when its percentile interval excludes 0:

* ``a·b`` and ``c`` significant, ``a·b·c > 0``: **complementary** (partial mediation);
* ``a·b`` and ``c`` significant, ``a·b·c < 0``: **competitive** (partial mediation);
* ``a·b`` significant, ``c`` not: **indirect-only** (full mediation);
* ``a·b`` not significant, ``c`` significant: **direct-only** (no mediation);
* neither significant: **no effect** (no mediation).

Without a bootstrap (``--boot 0``) only the estimates are reported and the type is ``None``.

Validated (``tests/derive/test_mediation.py``): against the product of the path coefficients
(exact), the sum identity against ``(I − B)⁻¹ − I − B`` full sample and draw by draw (1e-12),
and seminr 0.2.1 ``specific_effect_significance`` on the same resample indices (1e-10).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from csi.derive.base import JSON, Context, Outcome
from csi.model.spec import ModelSpec
from csi.stats.intervals import percentile_interval

TYPES = ("complementary", "competitive", "indirect-only", "direct-only", "no effect")
PARTIAL_OR_FULL = {"complementary": "partial", "competitive": "partial", "indirect-only": "full",
                   "direct-only": "none", "no effect": "none"}
P_VALUE_RULE = "two-sided bootstrap p = 2 min(P*, 1 - P*), P* = share of draws <= 0 (as SEMinR)"
TYPE_RULE = ("Zhao, Lynch & Chen (2010): indirect a*b and direct c significant when their percentile "
             "interval excludes 0; both: complementary (a*b*c > 0) or competitive (< 0), partial "
             "mediation; a*b only: indirect-only (full); c only: direct-only; neither: no effect")


class PathDraws(Protocol):
    """What mediation needs of a bootstrap: the used path draws and the interval level."""

    settings: Mapping[str, object]

    def draws(self, kind: str) -> pd.DataFrame: ...


def chains(spec: ModelSpec) -> list[tuple[str, ...]]:
    """Every directed path of the structural model with one or more mediators, in model order:
    ``(source, mediator, …, target)``, sorted by source, target (model order), then length."""
    succ: dict[str, list[str]] = {c: [] for c in spec.codes}
    for p in spec.paths:
        succ[p.source].append(p.target)
    out: list[tuple[str, ...]] = []

    def walk(chain: tuple[str, ...]) -> None:
        for nxt in succ[chain[-1]]:
            if nxt in chain:  # a recursive model is rejected by the spec; guard anyway
                continue
            longer = (*chain, nxt)
            if len(longer) >= 3:
                out.append(longer)
            walk(longer)

    for c in spec.codes:
        walk((c,))
    order = {c: k for k, c in enumerate(spec.codes)}
    return sorted(out, key=lambda ch: (order[ch[0]], order[ch[-1]], len(ch), [order[c] for c in ch]))


def chain_products(P: np.ndarray, idx: list[list[int]]) -> np.ndarray:
    """Specific indirect effects ``Π b_{c_s c_{s+1}}`` of chains (construct positions) for path
    matrices ``P`` (B, K, K) (row: source, column: target) → (B, m)."""
    P = np.asarray(P, dtype=float)
    out = np.ones((P.shape[0], len(idx)))
    for j, ch in enumerate(idx):
        for a, b in zip(ch[:-1], ch[1:], strict=True):
            out[:, j] *= P[:, a, b]
    return out


def path_matrices(draws: pd.DataFrame, codes: tuple[str, ...] | list[str]) -> np.ndarray:
    """Bootstrap path draws (rows resamples, columns (source, target)) as (B, K, K) matrices."""
    pos = {c: k for k, c in enumerate(codes)}
    P = np.zeros((len(draws), len(codes), len(codes)))
    for col, key in enumerate(draws.columns):
        P[:, pos[key[0]], pos[key[1]]] = draws.iloc[:, col].to_numpy(dtype=float)
    return P


def bootstrap_p(draws: np.ndarray) -> np.ndarray:
    """``2 min(P*, 1 − P*)`` per column, ``P*`` the share of draws ≤ 0 (NaN with no draws)."""
    if draws.shape[0] == 0:
        return np.full(draws.shape[1], np.nan)
    low = (draws <= 0).mean(axis=0)
    return 2 * np.minimum(low, 1 - low)


def mediation_type(indirect_sig: bool, direct_sig: bool, abc: float) -> str:
    """The Zhao–Lynch–Chen (2010) type of one chain (see the module docstring)."""
    if indirect_sig and direct_sig:
        return "complementary" if abc > 0 else "competitive"
    if indirect_sig:
        return "indirect-only"
    return "direct-only" if direct_sig else "no effect"


def _excludes_zero(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.asarray((lo > 0) | (hi < 0))


@dataclass(frozen=True)
class Mediation:
    """Specific indirect effects, one row per chain (``table``), with bootstrap columns when any.

    ``table`` columns: from, to, via (tuple), estimate, and with a bootstrap mean, std_error, t,
    ci_lo, ci_hi, p_value, direct, direct_ci_lo, direct_ci_hi, type, mediation.
    """

    table: pd.DataFrame
    level: float | None = None
    resamples: int | None = None

    def to_contract(self) -> JSON:
        rows: list[JSON] = []
        for r in self.table.to_dict(orient="records"):
            d: dict[str, JSON] = {"from": r["from"], "to": r["to"], "via": list(r["via"]), "estimate": float(r["estimate"])}
            if self.level is not None:
                d.update({
                    "std_error": _num(r["std_error"]), "t": _num(r["t"]), "ci": [_num(r["ci_lo"]), _num(r["ci_hi"])],
                    "p_value": _num(r["p_value"]), "direct": float(r["direct"]),
                    "direct_ci": [_num(r["direct_ci_lo"]), _num(r["direct_ci_hi"])],
                    "type": r["type"], "mediation": r["mediation"], "level": self.level,
                })
            else:
                d.update({"ci": None, "p_value": None, "type": None})
            rows.append(d)
        return rows

    def tables(self) -> Mapping[str, pd.DataFrame]:
        t = self.table.copy()
        t.insert(0, "chain", [" → ".join((a, *v, b)) for a, v, b in zip(t["from"], t["via"], t["to"], strict=True)])
        keep = ["chain", "estimate"] + (["std_error", "ci_lo", "ci_hi", "p_value", "type"] if self.level is not None else [])
        return {"specific indirect effects": t[keep].set_index("chain")}

    def totals(self) -> pd.Series:
        """Sum of the specific indirect effects of each (from, to) pair: its total indirect effect."""
        return self.table.groupby(["from", "to"], sort=False)["estimate"].sum()

    def with_bootstrap(self, boot: PathDraws) -> Mediation:
        """The same chains with SEs, intervals, p-values and types from the bootstrap's path draws."""
        level = float(boot.settings.get("level", 0.95))  # type: ignore[arg-type]
        d = boot.draws("paths")
        codes = list(dict.fromkeys([c for key in d.columns for c in (key[0], key[1])]))
        P = path_matrices(d, codes)
        pos = {c: k for k, c in enumerate(codes)}
        idx = [[pos[c] for c in (a, *v, b)] for a, v, b in zip(self.table["from"], self.table["via"], self.table["to"], strict=True)]
        draws = chain_products(P, idx)
        t = self.table.copy()
        est = t["estimate"].to_numpy(dtype=float)
        n = draws.shape[0]
        se = draws.std(axis=0, ddof=1) if n > 1 else np.full(len(t), np.nan)
        lo, hi = percentile_interval(draws, level)
        direct_draws = P[:, [i[0] for i in idx], [i[-1] for i in idx]]
        dlo, dhi = percentile_interval(direct_draws, level)
        has_direct = (t["direct"].to_numpy() != 0)
        dsig = _excludes_zero(dlo, dhi) & has_direct
        isig = _excludes_zero(lo, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            tval = np.where(se > 0, est / se, np.nan)
        t = t.assign(mean=draws.mean(axis=0) if n else np.nan, std_error=se, t=tval, ci_lo=lo, ci_hi=hi,
                     p_value=bootstrap_p(draws), direct_ci_lo=np.where(has_direct, dlo, 0.0), direct_ci_hi=np.where(has_direct, dhi, 0.0))
        types = [mediation_type(bool(i), bool(c), e * dv) if n > 1 else None
                 for i, c, e, dv in zip(isig, dsig, est, t["direct"], strict=True)]
        t["type"] = types
        t["mediation"] = [PARTIAL_OR_FULL.get(x) if x else None for x in types]
        return Mediation(t, level=level, resamples=n)


def _num(v: object) -> float | None:
    x = float(v)  # type: ignore[arg-type]
    return x if np.isfinite(x) else None


def specific_indirect(spec: ModelSpec, path_matrix: pd.DataFrame) -> Mediation:
    """Every chain's specific indirect effect in the full sample (:func:`chain_products`, B = 1)."""
    codes = list(path_matrix.index)
    pos = {c: k for k, c in enumerate(codes)}
    found = chains(spec)
    P = path_matrix.to_numpy(dtype=float)[None]
    est = chain_products(P, [[pos[c] for c in ch] for ch in found])[0]
    table = pd.DataFrame({
        "from": [ch[0] for ch in found], "to": [ch[-1] for ch in found], "via": [tuple(ch[1:-1]) for ch in found],
        "estimate": est, "direct": [float(P[0, pos[ch[0]], pos[ch[-1]]]) for ch in found],
    })
    return Mediation(table)


class MediationDerivation:
    """Specific indirect effects of every chain (:mod:`csi.derive.mediation`); the fit workflow
    adds the bootstrap inference from the same path draws (``with_bootstrap``)."""

    key = "mediation"
    requires: tuple[str, ...] = ()
    default = True

    def __call__(self, ctx: Context) -> Outcome:
        return Outcome(specific_indirect(ctx.spec, ctx.pls.path_matrix))


mediation = MediationDerivation()
