"""The curriculum's other ways of measuring satisfaction: ``mean``, ``fuzzy``, ``fuzzy-maxmin``, ``pca``, ``pca-85``.

Each is an index method in ``INDEXERS`` (``csi fit --index METHOD``).  Like ``acsi`` it has ONE
definition of the index, :meth:`MomentIndexer.batch_moments`, a function of the moments of a
(re)weighted sample — item means ``x̄`` (B, p), SDs ``s`` (B, p), item correlations ``C``
(B, p, p) and the means ``f̄`` (B, q) of per-respondent *features* (:meth:`features`, e.g.
grade indicators) — so the full sample (B = 1, :meth:`fit`) and every bootstrap resample and
jackknife fit (B > 1, :mod:`csi.inference.bootstrap`) use the same code.  ``lo``/``hi`` are
the scale's theoretical limits.

``mean`` (questionnaire scoring)
    ``I_k = Σ_{i∈k} aᵢ (x̄ᵢ − lo)/(hi − lo) · 100`` with ``aᵢ`` equal (``1/|k|``) or importance
    weights given per item (normalized to sum 1 within the construct): numbers in the model's
    ``index: weights``, or the mean rating of an importance item of the survey named in its
    ``index: importance`` (:func:`importance_weights`; fixed from the full sample).

``fuzzy`` / ``fuzzy-maxmin`` (fuzzy comprehensive evaluation)
    Grades ``g = 1..m`` with values ``v_g`` on 0–100: by default the scale points ``lo..hi``
    (a response belongs to its nearest point), ``v_g = (g − lo)/(hi − lo) · 100``; or given as
    ``(name, lower, upper, value)`` ranges.  Membership ``r_ig`` = share of respondents whose
    answer to item ``i`` lies in grade ``g`` (the case-weighted mean of the indicator).  Factor
    weights ``A``: given per item, or *entropy weights of the membership rows*:
    ``eᵢ = −Σ_g r_ig ln r_ig / ln m`` (``0 ln 0 = 0``), ``aᵢ = (1 − eᵢ)/Σ_{j∈k}(1 − eⱼ)``.
    ``B = A ∘ R`` per construct, by the weighted-average operator M(·,+):
    ``b_g = Σᵢ aᵢ r_ig`` (``fuzzy``), or the max–min operator M(∧,∨):
    ``b_g = maxᵢ min(aᵢ, r_ig)``, normalized to ``b_g / Σ_h b_h`` (``fuzzy-maxmin``).
    Graded verdict = the grade of maximum membership; crisp index ``I_k = B · v``.
    A respondent's score is the same evaluation of their own answers (``r_ig ∈ {0, 1}``).

``pca`` / ``pca-85`` (principal-component index)
    Per construct, the eigen-decomposition of its items' correlation matrix, ``λ₁ ≥ … ≥ λ_q``
    with eigenvectors ``u_j`` oriented so that ``Σᵢ u_ij ≥ 0`` (higher answers, higher
    component score).  Kept: ``λ_j > 1`` (Kaiser; ``pca``, at least the first) or the fewest
    components with ``Σ_{j≤J} λ_j / q ≥ 0.85`` (``pca-85``).  The composite
    ``F = Σ_{kept} (λ_j / Σ_kept λ) F_j`` with ``F_j = Σᵢ u_ij (xᵢ − x̄ᵢ)/sᵢ`` is
    ``Σᵢ cᵢ (xᵢ − x̄ᵢ)/sᵢ``; rescaled with its values at the scale's limits (every item at
    ``lo`` → 0, at ``hi`` → 100) it is ``Σ w̃ᵢ (xᵢ − lo)/(hi − lo) · 100`` with
    ``w̃ᵢ = (cᵢ/sᵢ) / Σⱼ (cⱼ/sⱼ)``, and the index is its mean ``Σ w̃ᵢ (x̄ᵢ − lo)/(hi − lo) · 100``.

Validated (``tests/derive/test_index_methods.py``) against independent computations written in
the test — per-respondent loops for mean and fuzzy (1e-12), ``sklearn.decomposition.PCA``
component scores rescaled at the limits for PCA (1e-10) — on ``mobi`` and on the hand-worked
example of ``docs/index-methods.md``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from csi.data.survey import SurveyData
from csi.derive.base import JSON, Context, Outcome
from csi.derive.indices import Indices, score
from csi.errors import CsiError, DataError
from csi.estimators.base import Layout
from csi.estimators.pls import PLSResults
from csi.model.spec import ModelSpec
from csi.stats.index import linear_index


@dataclass(frozen=True)
class Grade:
    """A fuzzy grade: answers in ``[lower, upper]`` belong to it; ``value`` its 0–100 score."""

    name: str
    lower: float
    upper: float
    value: float


def scale_grades(lo: float, hi: float) -> tuple[Grade, ...]:
    """The scale points ``lo..hi`` as grades (each ±0.5 around its point), value ``(g − lo)/(hi − lo)·100``."""
    if hi - lo < 1 or lo != int(lo) or hi != int(hi):
        raise CsiError(f"fuzzy grades from the scale need integer limits at least 1 apart; got {lo:g}..{hi:g} "
                       "(give the grades explicitly)")
    pts = np.arange(int(lo), int(hi) + 1, dtype=float)
    return tuple(Grade(f"{g:g}", g - 0.5, g + 0.5 - 1e-9, (g - lo) / (hi - lo) * 100.0) for g in pts)


def _moments(items: np.ndarray, v: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Case-weighted means, divisor-n SDs and correlations (B = 1) as the bootstrap forms them."""
    vn = np.full(items.shape[0], 1.0 / items.shape[0]) if v is None else v / v.sum()
    mean = vn @ items
    X0 = items - mean
    cov = (X0 * vn[:, None]).T @ X0
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    return mean[None], sd[None], corr[None]


class MomentIndexer:
    """Base of index methods defined on sample moments (see the module docstring)."""

    key = "moments"
    description = "index from sample moments"

    # -- the one definition --------------------------------------------------------------
    def features(self, X: np.ndarray, layout: Layout, lo: float, hi: float) -> np.ndarray | None:
        """Per-respondent columns (n, q) whose case-weighted means :meth:`batch_moments` needs (None: none)."""
        return None

    def batch_moments(self, mean: np.ndarray, sd: np.ndarray, corr: np.ndarray, fmean: np.ndarray | None,
                      layout: Layout, lo: float, hi: float) -> np.ndarray:
        """(B, K) indices of B samples from their moments."""
        raise NotImplementedError

    def batch(self, w: np.ndarray, sd: np.ndarray, mean: np.ndarray, layout: Layout, lo: float, hi: float,
              standardized: bool) -> np.ndarray:
        """The Indexer protocol's batch: only for methods that need no correlations or features."""
        raise CsiError(f"index method {self.key} needs item correlations or grade shares of each resample; "
                       "it is available for the bootstrap, not for this analysis (use --index acsi or mean)")

    # -- the full sample ------------------------------------------------------------------
    def respondent(self, items: np.ndarray, mean: np.ndarray, sd: np.ndarray, corr: np.ndarray,
                   fmean: np.ndarray | None, layout: Layout, lo: float, hi: float) -> tuple[np.ndarray, pd.Series]:
        """Respondent scores (n, K) and the item weights reported as normalized weights."""
        raise NotImplementedError

    def fit(self, res: PLSResults, items: pd.DataFrame, lo: float, hi: float) -> Indices:
        layout = Layout.from_spec(res.spec)
        X = items.loc[:, list(layout.items)].to_numpy(dtype=float)
        v = None if res.case_weights is None else np.asarray(res.case_weights, dtype=float)
        mean, sd, corr = _moments(X, v)
        F = self.features(X, layout, lo, hi)
        fmean = None if F is None else _moments(F, v)[0]
        index = self.batch_moments(mean, sd, corr, fmean, layout, lo, hi)[0]
        R, nw = self.respondent(X, mean, sd, corr, fmean, layout, lo, hi)
        warns = tuple(f"construct {layout.codes[k]}: {self.key} index undefined (constant items or no information)"
                      for k in range(len(layout.codes)) if not np.isfinite(index[k]))
        neg = nw[nw < 0]
        warns += tuple(f"construct {c}: negative {self.key} weight for {i}; its 0–100 index is not a weighted average "
                       "of its items and should be read with care" for c, i in neg.index)
        resp = pd.DataFrame(R, index=items.index, columns=list(layout.codes))
        return Indices(pd.Series(index, index=list(layout.codes), name="index"), nw, resp, lo, hi, warns)

    def __repr__(self) -> str:
        return f"<index method {self.key}: {self.description}>"


def _weight_index(layout: Layout) -> pd.MultiIndex:
    return pd.MultiIndex.from_tuples([(layout.codes[b], it) for b, it in zip(layout.block, layout.items, strict=True)],
                                     names=["construct", "item"])


def _fixed_weights(weights: Mapping[str, float] | None, layout: Layout) -> np.ndarray:
    """Given item weights normalized to sum 1 within each construct: (p,).

    A construct none of whose items has a given weight (or ``weights=None``) weighs its items
    equally; within a construct that has given weights, an item without one weighs 0.
    """
    if weights is None:
        a = np.ones(layout.p)
    else:
        bad = [k for k, x in weights.items() if not np.isfinite(x) or x < 0]
        if bad:
            raise CsiError(f"index weights should be non-negative numbers; got {', '.join(f'{k}: {weights[k]}' for k in bad)}")
        given = np.array([i in weights for i in layout.items], dtype=float)
        equal = ((given @ layout.member) == 0)[layout.block]
        a = np.where(equal, 1.0, [float(weights.get(i, 0.0)) for i in layout.items])
    tot = (a @ layout.member)[layout.block]
    empty = sorted({layout.codes[b] for b, t in zip(layout.block, tot, strict=True) if t <= 0})
    if empty:
        raise CsiError(f"index weights: construct(s) {', '.join(empty)} have no item with a positive weight")
    return np.asarray(a / tot)


IMPORTANCE_RULE = (
    "weight of an item named in the model's index: importance = the mean importance rating in its survey column "
    "(survey-weighted when --weights is given; blank cells and missing codes left out) over the respondents used, "
    "normalized within the construct; computed once from the full sample and held fixed in the bootstrap, "
    "the permutation tests and the group fits"
)


def importance_weights(spec: ModelSpec, survey: SurveyData) -> dict[str, float]:
    """Per item of the model's ``index: importance``: ``aᵢ = Σ_r v_r m_ri t_ri / Σ_r v_r m_ri``, the
    (survey-weighted, ``v``; else ``v = 1``) mean rating ``t_ri`` of its importance column over the
    respondents used who answered it (``m_ri = 1``).  Raises :class:`DataError` naming the file and
    column when the survey has no such column or nobody answered it."""
    if spec.index is None or not spec.index.importance:
        return {}
    v = np.ones(survey.n_used) if survey.weights is None else np.asarray(survey.weights, dtype=float)
    out: dict[str, float] = {}
    for item, col in spec.index.importance:
        if col not in survey.importance.columns:
            raise DataError(f"{survey.source}: importance column {col} (the model's index: importance of {item}) "
                            "was not read; read the survey with the model that names it")
        t = survey.importance[col].to_numpy(dtype=float)
        m = ~np.isnan(t)
        if not (v[m] > 0).any():
            raise DataError(f"{survey.source}: importance column {col} (of {item}) has no rating from the respondents used")
        out[item] = float(v[m] @ t[m] / v[m].sum())
    return out


def with_importance(spec: ModelSpec, survey: SurveyData) -> ModelSpec:
    """``spec`` with the mean importance ratings of ``survey`` as the index weights of the items its
    ``index: importance`` names (unchanged without one); see :func:`importance_weights`."""
    w = importance_weights(spec, survey)
    if not w:
        return spec
    assert spec.index is not None
    return replace(spec, index=replace(spec.index, importance_weights=tuple(w.items())))


def importance_settings(spec: ModelSpec) -> JSON:
    """``settings["index_importance"]``: the columns, the mean ratings used and the rule."""
    assert spec.index is not None
    return {"columns": dict(spec.index.importance), "mean_ratings": dict(spec.index.importance_weights),
            "rule": IMPORTANCE_RULE}


class MeanIndexer(MomentIndexer):
    """Questionnaire scoring: ``Σ aᵢ (x̄ᵢ − lo)/(hi − lo) · 100``, equal or given importance weights."""

    key = "mean"

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = None if weights is None else dict(weights)
        self.description = ("mean: item means as percent of the scale range, "
                            + ("equal weights" if weights is None else "importance weights normalized within each construct"))

    def configured(self, spec: ModelSpec) -> MeanIndexer:
        """With the model file's ``index: weights:`` (and the importance weights of
        :func:`with_importance`) when no weights were given here."""
        cfg = spec.index
        return MeanIndexer(dict(cfg.item_weights)) if self.weights is None and cfg is not None and cfg.item_weights else self

    def batch_moments(self, mean: np.ndarray, sd: np.ndarray, corr: np.ndarray, fmean: np.ndarray | None,
                      layout: Layout, lo: float, hi: float) -> np.ndarray:
        a = np.broadcast_to(_fixed_weights(self.weights, layout), mean.shape)
        return linear_index(a, mean, layout.member, lo, hi)

    def batch(self, w: np.ndarray, sd: np.ndarray, mean: np.ndarray, layout: Layout, lo: float, hi: float,
              standardized: bool) -> np.ndarray:
        return self.batch_moments(mean, sd, np.empty((0,)), None, layout, lo, hi)

    def respondent(self, items: np.ndarray, mean: np.ndarray, sd: np.ndarray, corr: np.ndarray,
                   fmean: np.ndarray | None, layout: Layout, lo: float, hi: float) -> tuple[np.ndarray, pd.Series]:
        nw = pd.Series(_fixed_weights(self.weights, layout), index=_weight_index(layout), name="normalized_weight")
        frame = pd.DataFrame(items, columns=list(layout.items))
        return score(nw, frame, lo, hi, None, layout.codes).respondent.to_numpy(), nw


class FuzzyIndexer(MomentIndexer):
    """Fuzzy comprehensive evaluation ``B = A ∘ R`` (module docstring), crisp index ``B · v``."""

    def __init__(self, operator: str = "weighted", weights: Mapping[str, float] | None = None,
                 grades: Sequence[Grade] | None = None) -> None:
        if operator not in ("weighted", "maxmin"):
            raise CsiError(f"fuzzy operator should be one of weighted, maxmin; got {operator!r}")
        self.operator, self.weights, self.grades = operator, None if weights is None else dict(weights), grades
        self.key = "fuzzy" if operator == "weighted" else "fuzzy-maxmin"
        op = "M(.,+) weighted average b = A R" if operator == "weighted" else "M(min,max) b_g = max_i min(a_i, r_ig), normalized"
        wt = "entropy weights of the membership rows" if weights is None else "given factor weights"
        self.description = f"fuzzy: {op}; {wt}; grades {'from the scale' if grades is None else 'given'}; index = B . v"

    def configured(self, spec: ModelSpec) -> FuzzyIndexer:
        """With the model file's ``index:`` weights and grades where none were given here."""
        cfg = spec.index
        if cfg is None:
            return self
        weights = self.weights if self.weights is not None else (dict(cfg.item_weights) if cfg.item_weights else None)
        grades = self.grades if self.grades is not None else (tuple(Grade(*g) for g in cfg.grades) if cfg.grades else None)
        if weights is self.weights and grades is self.grades:
            return self
        return FuzzyIndexer(self.operator, weights, grades)

    def grade_set(self, lo: float, hi: float) -> tuple[Grade, ...]:
        return tuple(self.grades) if self.grades is not None else scale_grades(lo, hi)

    def features(self, X: np.ndarray, layout: Layout, lo: float, hi: float) -> np.ndarray:
        """Grade indicators (n, p·m), item-major: column ``i·m + g`` is 1 when item ``i`` is in grade ``g``."""
        gs = self.grade_set(lo, hi)
        ind = np.stack([(X >= g.lower) & (X <= g.upper) for g in gs], axis=2).astype(float)
        outside = ~ind.any(axis=2)
        if outside.any():
            r, c = np.argwhere(outside)[0]
            raise CsiError(f"fuzzy grades: the answer {X[r, c]:g} of item {layout.items[c]} (row {r + 1}) is in no grade")
        return ind.reshape(X.shape[0], -1)

    def membership(self, fmean: np.ndarray, layout: Layout, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
        """Factor weights A (B, p) and, per construct, the evaluation vector B (B, K, m)."""
        m = len(self.grade_set(lo, hi))
        R = fmean.reshape(fmean.shape[0], layout.p, m)
        if self.weights is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                plogp = np.where(R > 0, R * np.log(np.where(R > 0, R, 1.0)), 0.0)
                d = 1.0 + plogp.sum(axis=2) / np.log(m)
                A = d / (d @ layout.member)[:, layout.block]
        else:
            A = np.broadcast_to(_fixed_weights(self.weights, layout), R.shape[:2])
        if self.operator == "weighted":
            Bv = np.einsum("bi,big,ik->bkg", A, R, layout.member)
        else:
            Bv = np.stack([np.minimum(A[:, blk, None], R[:, blk]).max(axis=1) for blk in layout.blocks], axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                Bv = Bv / Bv.sum(axis=2, keepdims=True)
        return np.asarray(A), np.asarray(Bv)

    def batch_moments(self, mean: np.ndarray, sd: np.ndarray, corr: np.ndarray, fmean: np.ndarray | None,
                      layout: Layout, lo: float, hi: float) -> np.ndarray:
        assert fmean is not None
        _, Bv = self.membership(fmean, layout, lo, hi)
        return np.asarray(Bv @ np.array([g.value for g in self.grade_set(lo, hi)]))

    def respondent(self, items: np.ndarray, mean: np.ndarray, sd: np.ndarray, corr: np.ndarray,
                   fmean: np.ndarray | None, layout: Layout, lo: float, hi: float) -> tuple[np.ndarray, pd.Series]:
        assert fmean is not None
        A, _ = self.membership(fmean, layout, lo, hi)
        F = self.features(items, layout, lo, hi)
        m = len(self.grade_set(lo, hi))
        vals = np.array([g.value for g in self.grade_set(lo, hi)])
        Rr = F.reshape(items.shape[0], layout.p, m)
        if self.operator == "weighted":
            Bv = np.einsum("i,rig,ik->rkg", A[0], Rr, layout.member)
        else:
            Bv = np.stack([np.minimum(A[0, blk, None], Rr[:, blk]).max(axis=1) for blk in layout.blocks], axis=1)
            Bv = Bv / Bv.sum(axis=2, keepdims=True)
        return Bv @ vals, pd.Series(A[0], index=_weight_index(layout), name="normalized_weight")

    def evaluation(self, res: PLSResults, items: pd.DataFrame, lo: float, hi: float) -> pd.DataFrame:
        """Membership vector, graded verdict (maximum membership) and crisp score per construct."""
        layout = Layout.from_spec(res.spec)
        X = items.loc[:, list(layout.items)].to_numpy(dtype=float)
        v = None if res.case_weights is None else np.asarray(res.case_weights, dtype=float)
        fmean = _moments(self.features(X, layout, lo, hi), v)[0]
        _, Bv = self.membership(fmean, layout, lo, hi)
        gs = self.grade_set(lo, hi)
        out = pd.DataFrame(Bv[0], index=pd.Index(layout.codes, name="construct"), columns=[g.name for g in gs])
        out["verdict"] = [gs[int(np.argmax(b))].name for b in Bv[0]]
        out["score"] = Bv[0] @ np.array([g.value for g in gs])
        return out


class PCAIndexer(MomentIndexer):
    """Principal-component index (module docstring); ``rule`` ``kaiser`` (λ > 1) or ``cum85`` (≥ 85 %)."""

    def __init__(self, rule: str = "kaiser") -> None:
        if rule not in ("kaiser", "cum85"):
            raise CsiError(f"PCA component rule should be one of kaiser, cum85; got {rule!r}")
        self.rule = rule
        self.key = "pca" if rule == "kaiser" else "pca-85"
        kept = "eigenvalue > 1 (at least one)" if rule == "kaiser" else "fewest with cumulative variance >= 85%"
        self.description = (f"pca: per construct, components of the item correlations kept by {kept}, "
                            "composite sum(lambda_j / sum kept lambda) F_j, signs so loadings sum >= 0, "
                            "rescaled 0-100 at the scale limits")

    def item_weights(self, sd: np.ndarray, corr: np.ndarray, layout: Layout) -> np.ndarray:
        """(B, p) rescaled composite weights ``w̃ = (c/s) / Σ (c/s)`` within each construct."""
        B = sd.shape[0]
        nw = np.empty((B, layout.p))
        for blk in layout.blocks:
            q = len(blk)
            if q == 1:
                nw[:, blk] = 1.0
                continue
            C = corr[:, blk[:, None], blk[None, :]]
            ok = np.isfinite(C).all(axis=(1, 2))
            lam, U = np.linalg.eigh(np.where(ok[:, None, None], C, np.eye(q)))
            lam, U = lam[:, ::-1], U[:, :, ::-1]  # descending
            U = U * np.where(U.sum(axis=1) < 0, -1.0, 1.0)[:, None, :]
            if self.rule == "kaiser":
                keep = lam > 1.0
                keep[:, 0] = True
            else:
                cum = np.cumsum(lam, axis=1) / q
                keep = np.concatenate([np.ones((B, 1), bool), cum[:, :-1] < 0.85], axis=1)
            lk = np.where(keep, lam, 0.0)
            c = np.einsum("bij,bj->bi", U, lk / lk.sum(axis=1, keepdims=True))
            with np.errstate(divide="ignore", invalid="ignore"):
                u = c / sd[:, blk]
                nw[:, blk] = np.where(ok[:, None], u / u.sum(axis=1, keepdims=True), np.nan)
        return nw

    def batch_moments(self, mean: np.ndarray, sd: np.ndarray, corr: np.ndarray, fmean: np.ndarray | None,
                      layout: Layout, lo: float, hi: float) -> np.ndarray:
        return linear_index(self.item_weights(sd, corr, layout), mean, layout.member, lo, hi)

    def respondent(self, items: np.ndarray, mean: np.ndarray, sd: np.ndarray, corr: np.ndarray,
                   fmean: np.ndarray | None, layout: Layout, lo: float, hi: float) -> tuple[np.ndarray, pd.Series]:
        nw = pd.Series(self.item_weights(sd, corr, layout)[0], index=_weight_index(layout), name="normalized_weight")
        frame = pd.DataFrame(items, columns=list(layout.items))
        return score(nw, frame, lo, hi, None, layout.codes).respondent.to_numpy(), nw


@dataclass(frozen=True)
class FuzzyEvaluation:
    """Both operators' membership vectors, graded verdicts and crisp scores per construct."""

    weighted: pd.DataFrame  # construct × (grades…, verdict, score)
    maxmin: pd.DataFrame
    description: str

    def to_contract(self) -> JSON:
        out: list[JSON] = []
        for op, t in (("weighted", self.weighted), ("maxmin", self.maxmin)):
            grades = [c for c in t.columns if c not in ("verdict", "score")]
            for code, r in t.iterrows():
                out.append({"construct": str(code), "operator": op, "membership": {str(g): float(r[g]) for g in grades},
                            "verdict": str(r["verdict"]), "score": float(r["score"])})
        return {"evaluation": out, "method": self.description}

    def tables(self) -> Mapping[str, pd.DataFrame]:
        return {"fuzzy evaluation M(.,+)": self.weighted, "fuzzy evaluation M(min,max)": self.maxmin}


class FuzzyEvaluationDerivation:
    """``--derive fuzzy``: the fuzzy comprehensive evaluation by both operators (entropy weights, scale grades)."""

    key = "fuzzy"
    requires: tuple[str, ...] = ()
    default = False

    def __call__(self, ctx: Context) -> Outcome:
        lo, hi = ctx.spec.scale_min, ctx.spec.scale_max
        fw, fm = FUZZY.configured(ctx.spec), FUZZY_MAXMIN.configured(ctx.spec)
        w = fw.evaluation(ctx.pls, ctx.survey.items, lo, hi)
        m = fm.evaluation(ctx.pls, ctx.survey.items, lo, hi)
        return Outcome(FuzzyEvaluation(w, m, fw.description + " | " + fm.description))


MEAN = MeanIndexer()
FUZZY = FuzzyIndexer("weighted")
FUZZY_MAXMIN = FuzzyIndexer("maxmin")
PCA = PCAIndexer("kaiser")
PCA85 = PCAIndexer("cum85")
FUZZY_EVALUATION = FuzzyEvaluationDerivation()
