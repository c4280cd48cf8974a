"""Measurement and structural quality from a PLS fit (pure functions of the results).

Formulas (λ loadings, w weights scaled so the score has unit variance, R the block's item
correlation matrix, k items):

* Cronbach's alpha on standardized items: ``k r̄ / (1 + (k − 1) r̄)`` ≡ ``k/(k−1)(1 − k/ΣR)``;
* rho_C (composite reliability, Dillon–Goldstein): ``(Σλ)² / ((Σλ)² + Σ(1 − λ²))``;
* AVE: ``mean(λ²)``;
* rho_A (Dijkstra & Henseler 2015): ``(w'w)² · w'(R − diag R)w / w'(ww' − diag ww')w``;
* HTMT (Henseler et al. 2015): mean |heterotrait correlation| / √(product of the mean
  |monotrait correlations|), 1 for a single-item block; absolute values as in SEMinR and
  SmartPLS, so a negatively correlated item pair cannot pull the ratio down (one definition,
  :mod:`csi.stats.htmt`, shared with the bootstrap);
* Fornell–Larcker: √AVE on the diagonal, construct correlations below it;
* VIF: item VIF within a block ``diag(R⁻¹)``; construct VIF among each endogenous construct's
  predecessors;
* f²: ``(R²_incl − R²_excl) / (1 − R²_incl)``;
* AIC/BIC of each structural regression (SEMinR's ``it_criteria``), with ``SSE = (1 − R²)(n − 1)``
  on standardized scores: ``AIC = n ln(SSE/n) + 2(k + 1)``, ``BIC = n ln(SSE/n) + (k + 1) ln n``,
  k predecessors.  With survey weights R² is weighted and ``n`` is Kish's effective sample size
  ``(Σv)²/Σv²`` — the same n as the adjusted R² — so weights that only rescale (all equal) change
  nothing, and n is the plain respondent count without weights (SEMinR's figures);
* GoF (Tenenhaus et al. 2005, as in plspm): ``√(mean communality of items in multi-item
  blocks × mean R² of endogenous constructs)``.

Formative (mode B) composites of two or more items: alpha, rho_A, rho_C and AVE are reported as
not applicable (NaN, ``null`` in results.json, "–" on screen) and never warned about: they measure
the internal consistency of reflective items, which a formative block need not have (Hair et al.
2022, ch. 5).  SEMinR reports rho_A = 1 for mode B and still prints alpha, rho_C and AVE from
the items and loadings; csi reported rho_A from the mode-B weights (1.547 on one survey, 0.633
with a "weak quality" warning on another).  Checked in ``tests/derive/test_quality_corrections.py``.

Validated against SEMinR 2.3.1 (alpha, rho_C, AVE, rho_A, HTMT on ECSI/mobi) to 1e-6 and
R plspm 0.4 (GoF on ``satisfaction``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csi.estimators.pls import PLSResults, spec_labels
from csi.stats.htmt import htmt as htmt_kernel
from csi.stats.htmt import lower_pairs

RELIABILITY_COLUMNS = pd.Index(["alpha", "rho_a", "rho_c", "ave"])
THRESHOLDS = {"alpha": 0.7, "rho_a": 0.7, "rho_c": 0.7, "ave": 0.5, "htmt": 0.85, "htmt_liberal": 0.90, "vif": 5.0}


@dataclass(frozen=True)
class Quality:
    reliability: pd.DataFrame  # construct × (alpha, rho_a, rho_c, ave)
    htmt: pd.DataFrame  # construct × construct, NaN on and above the diagonal
    fornell_larcker: pd.DataFrame
    item_vif: pd.Series  # by (construct, item)
    construct_vif: pd.Series  # by (predictor, target)
    f2: pd.Series  # by (source, target)
    gof: float
    aic: pd.Series  # by endogenous construct (SEMinR's it_criteria)
    bic: pd.Series


def formative(mode: str, k: int) -> bool:
    """A mode-B composite of two or more items: reliability and AVE are not applicable."""
    return mode == "B" and k > 1


def block_corr(res: PLSResults, code: str) -> np.ndarray:
    items = list(res.spec.construct(code).items)
    return res.item_corr.loc[items, items].to_numpy()


def cronbach_alpha(R: np.ndarray) -> float:
    k = R.shape[0]
    if k == 1:
        return 1.0
    return float(k / (k - 1) * (1 - k / R.sum()))


def rho_c(lam: np.ndarray) -> float:
    s = lam.sum() ** 2
    return float(s / (s + np.sum(1 - lam**2)))


def rho_a(w: np.ndarray, R: np.ndarray) -> float:
    if len(w) == 1:
        return 1.0
    ww = np.outer(w, w)
    num = w @ (R - np.diag(np.diag(R))) @ w
    den = w @ (ww - np.diag(np.diag(ww))) @ w
    return float((w @ w) ** 2 * num / den)


def htmt(item_corr: pd.DataFrame, blocks: dict[str, list[str]], labels: pd.Index | None = None) -> pd.DataFrame:
    """HTMT of every construct pair below the diagonal (NaN on and above it): :func:`csi.stats.htmt.htmt` with B = 1.

    ``labels``: the constructs' index, if the caller has it (else built from ``blocks``)."""
    codes = list(blocks)
    pos = {name: k for k, name in enumerate(item_corr.index)}
    member = np.zeros((len(pos), len(codes)))
    for k, c in enumerate(codes):
        member[[pos[i] for i in blocks[c]], k] = 1.0
    a, b = lower_pairs(len(codes))
    out = np.full((len(codes), len(codes)), np.nan)
    out[a, b] = htmt_kernel(item_corr.to_numpy()[None], member, a, b)[0]
    names = pd.Index(codes) if labels is None else labels
    return pd.DataFrame(out, index=names, columns=names)


def _r2_of(R: np.ndarray, preds: list[int], j: int) -> float:
    if not preds:
        return 0.0
    A = R[np.ix_(preds, preds)]
    b = R[preds, j]
    return float(b @ np.linalg.solve(A, b))


def assess(res: PLSResults) -> Quality:
    spec = res.spec
    # plain arrays once (no pandas label lookups per construct): the item correlations, and
    # each block's positions in them and in the loadings/weights (layout order)
    C = res.item_corr.to_numpy()
    pos = {name: k for k, name in enumerate(res.item_corr.index)}
    owner = res.loadings.index.get_level_values(0).to_numpy()
    lam_all, w_all = res.loadings.to_numpy(), res.weights.to_numpy()
    sds = res.item_sds.to_numpy()
    rel = []
    Rs: dict[str, np.ndarray] = {}
    for c in spec.constructs:
        ix = np.array([pos[i] for i in c.items])
        R = Rs[c.code] = C[np.ix_(ix, ix)]
        if formative(c.mode, len(c.items)):
            rel.append((np.nan,) * 4)  # reliability does not apply to a formative composite
            continue
        at = np.flatnonzero(owner == c.code)
        lam = lam_all[at]
        # rho_A needs weights on standardized items scaled so that w'Rw = 1
        w = w_all[at]
        if not res.standardized:
            w = w * sds[ix]
        w = w / np.sqrt(w @ R @ w)
        rel.append((cronbach_alpha(R), rho_a(w, R), rho_c(lam), float(np.mean(lam**2))))
    lab = spec_labels(spec)
    relv = np.array(rel, dtype=float)
    reliability = pd.DataFrame(relv, index=lab.codes, columns=RELIABILITY_COLUMNS)
    blocks = {c.code: list(c.items) for c in spec.constructs}
    ht = htmt(res.item_corr, blocks, lab.codes)
    flv = res.construct_corr.to_numpy(copy=True)
    np.fill_diagonal(flv, np.sqrt(relv[:, 3]))
    flv[np.triu_indices_from(flv, 1)] = np.nan
    fl = pd.DataFrame(flv, index=res.construct_corr.index, columns=res.construct_corr.columns)
    ivif = {}
    for c in spec.constructs:
        R = Rs[c.code]
        d = np.diag(np.linalg.inv(R)) if len(c.items) > 1 else np.ones(1)
        for item, v in zip(c.items, d, strict=True):
            ivif[(c.code, item)] = float(v)
    item_vif = _pair_series(ivif, "vif", ["construct", "item"])
    Rc = res.construct_corr.to_numpy()
    codes = list(spec.codes)
    cvif, f2 = {}, {}
    for j, code in enumerate(codes):
        preds = [codes.index(p) for p in spec.predecessors(code)]
        if not preds:
            continue
        full = _r2_of(Rc, preds, j)
        Rp = Rc[np.ix_(preds, preds)]
        inv = np.diag(np.linalg.inv(Rp)) if len(preds) > 1 else np.ones(1)
        for i, pi in enumerate(preds):
            cvif[(codes[pi], code)] = float(inv[i])
            rest = [q for q in preds if q != pi]
            f2[(codes[pi], code)] = (full - _r2_of(Rc, rest, j)) / (1 - full)
    construct_vif = _pair_series(cvif, "vif", ["source", "target"])
    f2s = _pair_series(f2, "f2", ["source", "target"])
    multi = [c for c in spec.constructs if len(c.items) > 1]
    comm = np.concatenate([lam_all[owner == c.code] ** 2 for c in multi]) if multi else np.array([1.0])
    endo = [j for j, code in enumerate(codes) if spec.predecessors(code)]
    r2 = res.r2.reindex(lab.codes).to_numpy(dtype=float)[endo]
    gof = float(np.sqrt(comm.mean() * r2.mean())) if endo else float("nan")
    # survey weights: Kish's effective n, the n of the adjusted R² (equals n_obs unweighted)
    n = res.n_effective
    k = np.array([len(spec.predecessors(codes[j])) for j in endo], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = n * np.log((1 - r2) * (n - 1) / n)
    names = lab.codes[endo]
    aic, bic = pd.Series(ll + 2 * (k + 1), index=names, dtype=float), pd.Series(ll + (k + 1) * np.log(n), index=names, dtype=float)
    return Quality(reliability, ht, fl, item_vif, construct_vif, f2s, gof, aic, bic)


def _pair_series(values: dict[tuple[str, str], float], name: str, names: list[str]) -> pd.Series:
    """``pd.Series(values)`` (keys ``(a, b)``, a two-level index with sorted levels, as pandas builds
    it from tuples) without pandas' per-call factorizing; empty: a float Series with a flat index."""
    if not values:
        return pd.Series(values, name=name, dtype=float)
    index = _pair_index(tuple(values), tuple(names))
    return pd.Series(np.fromiter(values.values(), dtype=float, count=len(values)), index=index, name=name)


@functools.lru_cache(maxsize=256)
def _pair_index(keys: tuple[tuple[str, str], ...], names: tuple[str, ...]) -> pd.MultiIndex:
    """The index of :func:`_pair_series`, built once per model (indexes are immutable)."""
    levels: list[list[str]] = []
    codes: list[list[int]] = []
    for part in zip(*keys, strict=True):
        lev, code = np.unique(np.array(part, dtype=object), return_inverse=True)
        levels.append(lev.tolist())
        codes.append(code.tolist())
    return pd.MultiIndex(levels=levels, codes=codes, names=list(names), verify_integrity=False)


def quality_warnings(q: Quality) -> list[str]:
    """Plain-language warnings against the usual thresholds (Hair et al. 2022)."""
    out = []
    keys = ("alpha", "rho_a", "rho_c", "ave")
    rel = {k: q.reliability[k].to_numpy(dtype=float) for k in keys}  # plain arrays: no label lookups
    for i, code in enumerate(q.reliability.index):
        weak = [f"{k} {rel[k][i]:.3f} < {THRESHOLDS[k]}" for k in keys if rel[k][i] < THRESHOLDS[k]]
        if weak:
            out.append(f"construct {code}: weak measurement quality ({'; '.join(weak)})")
    H = q.htmt.to_numpy(dtype=float)
    for i, a in enumerate(q.htmt.index):
        for j, b in enumerate(q.htmt.columns):
            v = H[i, j]
            if np.isfinite(v) and v >= THRESHOLDS["htmt_liberal"]:
                out.append(f"HTMT {a}–{b} = {v:.3f} ≥ 0.90: discriminant validity not established")
    return out
