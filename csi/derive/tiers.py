"""Loyalty tiers: per-respondent tier and tier shares, overall and by segment.

Three tier schemes, written as short strings on the command line (``--tiers``) and in a
model's YAML (``tiers: [nps, "quadrants:80", bands]``); options follow the name after ``:``.

``nps`` — Net Promoter on the model's "would recommend" item (role ``recommend``, ECSI
CUSL3): promoters answer 9–10, passives 7–8, detractors 6 or less (on non-integer answers:
promoter ≥ 9, passive ≥ 7, detractor below 7); NPS = 100 × (share of promoters − share of
detractors).  On a 0–10 or 1–10 item the cut-offs apply to the answers as given; a 1–10 item is
flagged as such in the notes.  ``nps:rescale`` first maps the answer onto 0–10 by
``x' = (x − min)/(max − min) · 10`` *without rounding*, so on a 1–10 item only 10 is a
promoter answer (9 → 8.89), 8 and 9 are passive, 7 or less (7 → 6.67) detractor.  (Rounding
x' to the nearest integer would reproduce the raw cut-offs exactly on 1–10, so it would not be
an option.)  Any other scale (1–5, 1–7, …) is always rescaled, and the notes say so.
The NPS interval is the Wald interval ``NPS ± z·100·√((p₊ + p₋ − (p₊ − p₋)²)/n)``.

``quadrants[:CUT|:median][:terrorists[=T]]`` — Jones & Sasser (1995) satisfaction × loyalty
quadrants on the respondent-level 0–100 scores of the ``satisfaction`` and ``loyalty`` roles
(CUSA, CUSL): *loyalists* (the apostles/loyalists: high satisfaction, high loyalty),
*mercenaries* (high satisfaction, low loyalty), *hostages* (low satisfaction, high loyalty)
and *defectors* (both low).  "High" means a score ≥ the cut-off: 75 by default, any number in
0–100, or ``median`` (each score's own median in the whole sample — the weighted lower median
with survey weights — so segments are cut at the same values).  ``terrorists`` carves the
corner of the defectors with both scores below ``T`` (default 25) out as its own tier.

``bands[:B₁/B₂/…]`` — bands of the respondent loyalty score, highest first: by default
``committed>=80/vulnerable>=60/at risk`` (≥ 80 committed, 60–80 vulnerable, < 60 at risk).
Each part is ``NAME>=BOUND``; the last may be a bare ``NAME`` for the rest.  Bare numbers
(``bands:85/70``) keep the default names when there are two of them and are labelled by their
range otherwise.

For every scheme, segment (overall, then every level of every ``--group`` column) and tier:
``count`` (respondents), ``share`` with a 95% Wilson interval, and the mean 0–100 score of every
construct among the tier's respondents (``mean_<CODE>``).  With survey weights ``v`` the share
is ``Σ_tier v / Σ v``, means are weighted, and the Wilson interval uses Kish's effective sample
size of the segment, ``n_e = (Σv)² / Σv²`` (the usual design-effect correction; it equals n for
equal weights).

Bounds are compared with a stated tolerance, :data:`BOUND_TOL` = 1e-9 points: a score is "at
least" a bound ``b`` when ``score ≥ b − 1e-9``.  A respondent whose items all sit at 6 on a 0–10
scale has a loyalty score of exactly 60, but the weighted sum can compute it as 59.99999999999999,
which a plain ``≥ 60`` put in the band below (``tests/derive/test_tier_bounds.py``).  Rational
arithmetic cannot help (the PLS weights are not rational); 1e-9 of a 0–100 point is far below any
difference two real answers can make (about 1e-2) and far above the rounding error (about 1e-13).

Validated in ``tests/derive/test_loyalty.py`` against plain numpy/pandas computations on mobi
(SEMinR's weights), statsmodels' Wilson interval, and replicated rows for integer weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csi.data.survey import SurveyData
from csi.derive.indices import Indices
from csi.errors import SpecError
from csi.model.spec import ModelSpec
from csi.model.tiers import NPS_TIERS, TierScheme, parse_schemes
from csi.stats.intervals import wilson

BOUND_TOL = 1e-9
"""Tolerance (0–100 points; 0–10 answer units for NPS) of every tier bound: ``x ≥ b − BOUND_TOL``."""


def at_least(x: np.ndarray, bound: float) -> np.ndarray:
    """``x ≥ bound`` up to the rounding of the score arithmetic (:data:`BOUND_TOL`)."""
    return np.asarray(x >= bound - BOUND_TOL)


@dataclass(frozen=True)
class TierResults:
    """Tier shares by scheme, segment and tier; per-respondent tiers; NPS statistics.

    ``groups`` has one row per (scheme, segment, tier): scheme, segment, group, level, tier,
    count, share, ci_lo, ci_hi, n (segment size), n_effective, weighted_count (survey weights
    only) and ``mean_<CODE>`` for every construct.  ``statistics`` holds the NPS with its interval
    per segment; ``summary`` the overall NPS by scheme; ``settings`` what each scheme used.
    """

    schemes: tuple[str, ...]
    groups: pd.DataFrame
    respondent: pd.DataFrame  # one column per scheme, rows aligned with survey.items
    summary: dict[str, Any] = field(default_factory=dict)
    statistics: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def share(self, scheme: str, tier: str, segment: str = "all") -> float:
        g = self.groups
        row = g[(g.scheme == scheme) & (g.tier == tier) & (g.segment == segment)]
        if row.empty:
            raise KeyError((scheme, tier, segment))
        return float(row.share.iloc[0])

    def to_json(self) -> dict[str, Any]:
        mean_cols = [c for c in self.groups.columns if c.startswith("mean_")]
        rows = []
        for rec in self.groups.to_dict(orient="records"):
            means = {c[5:]: rec.pop(c) for c in mean_cols}
            rec["ci"] = [rec["ci_lo"], rec["ci_hi"]]
            rec["mean_index"] = means
            rows.append(rec)
        return {
            "scheme": ", ".join(self.schemes),
            "schemes": list(self.schemes),
            "settings": self.settings,
            "summary": self.summary,
            "statistics": self.statistics.to_dict(orient="records"),
            "notes": list(self.notes),
            "groups": rows,
        }




def segment_label(level: Any) -> str:
    """A segment level as text: 2.0 → '2', missing → '(missing)'."""
    if level is None or (not isinstance(level, str) and pd.isna(level)):
        return "(missing)"
    if isinstance(level, (float, np.floating)) and float(level).is_integer():
        return str(int(level))
    return str(level)


def segments(survey: SurveyData) -> list[tuple[str, str | None, str | None, np.ndarray]]:
    """(segment, group column, level, row mask): 'all' first, then each column's levels in order."""
    n = survey.n_used
    out: list[tuple[str, str | None, str | None, np.ndarray]] = [("all", None, None, np.ones(n, dtype=bool))]
    for col in survey.segments.columns:
        s = survey.segments[col].reset_index(drop=True)
        levels = list(pd.unique(s.dropna()))
        try:
            levels = sorted(levels)
        except TypeError:
            levels = sorted(levels, key=str)
        labelled = [(segment_label(v), (s == v).to_numpy()) for v in levels]
        if s.isna().any():
            labelled.append(("(missing)", s.isna().to_numpy()))
        for lab, mask in labelled:
            out.append((f"{col}={lab}", str(col), lab, mask))
    return out


def _weighted_median(x: np.ndarray, w: np.ndarray | None) -> float:
    if w is None:
        return float(np.median(x))
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order]) / w.sum()
    return float(x[order][np.searchsorted(cw, 0.5 - 1e-12)])


def _role_score(spec: ModelSpec, survey: SurveyData, idx: Indices, role: str, scheme: str) -> tuple[np.ndarray, str]:
    target = spec.role(role)
    if target is None:
        raise SpecError(
            f"tier scheme {scheme} needs a '{role}' construct in the model's roles; model {spec.name} has roles "
            f"{', '.join(k for k, _ in spec.roles) or 'none'} (add roles: {{{role}: CODE}} to its YAML)"
        )
    if target in idx.respondent.columns:
        return idx.respondent[target].to_numpy(dtype=float), target
    # a single item as the role: its answers on 0–100
    x = survey.items[target].to_numpy(dtype=float)
    return (x - idx.scale_min) / (idx.scale_max - idx.scale_min) * 100.0, target


def _assign(
    s: TierScheme, spec: ModelSpec, survey: SurveyData, idx: Indices, w: np.ndarray | None
) -> tuple[np.ndarray, dict[str, Any], list[str]]:
    """Per-respondent tier codes (positions in ``s.tiers``), the settings used and notes.

    Integer codes rather than labels: on a national sample (10⁶ respondents) comparing
    strings per tier and segment dominated the whole fit.
    """
    notes: list[str] = []
    if s.kind == "nps":
        item = spec.role("recommend")
        if item is None or item not in survey.items.columns:
            raise SpecError(
                f"tier scheme {s.text} needs a 'recommend' item in the model's roles; model {spec.name} has "
                f"{'none' if item is None else repr(item) + ', which is not an item'} (add roles: {{recommend: ITEM}} to its YAML)"
            )
        lo, hi = idx.scale_min, idx.scale_max
        x = survey.items[item].to_numpy(dtype=float)
        standard = hi == 10 and lo in (0, 1)
        rescale = s.rescale or not standard
        if rescale:
            x = (x - lo) / (hi - lo) * 10.0
            how = f"answers mapped onto 0–10 by (x − {lo:g})/({hi:g} − {lo:g})·10 without rounding"
            if not s.rescale:
                notes.append(f"NPS on {item}: the scale is {lo:g}–{hi:g}, not 0–10, so answers were mapped onto 0–10 first (no rounding)")
        else:
            how = "cut-offs applied to the answers as given"
            if lo == 1:
                notes.append(
                    f"NPS on {item}: a 1–10 item, not the standard 0–10 (11-point) scale; the standard cut-offs are applied to the "
                    "answers as given (promoters 9–10, passives 7–8, detractors 1–6); use nps:rescale to map onto 0–10 first"
                )
        tier = np.where(at_least(x, 9), NPS_TIERS.index("promoter"), np.where(at_least(x, 7), NPS_TIERS.index("passive"), NPS_TIERS.index("detractor")))
        return tier.astype(np.int8), {"item": item, "scale": [lo, hi], "rescaled": rescale, "cutoffs": how}, notes
    if s.kind == "quadrants":
        sat, sat_code = _role_score(spec, survey, idx, "satisfaction", s.text)
        loy, loy_code = _role_score(spec, survey, idx, "loyalty", s.text)
        if s.cut is None:
            cs, cl = _weighted_median(sat, w), _weighted_median(loy, w)
        else:
            cs = cl = s.cut
        hs, hl = at_least(sat, cs), at_least(loy, cl)
        q = s.tiers.index
        tier = np.select([hs & hl, hs & ~hl, ~hs & hl], [q("loyalists"), q("mercenaries"), q("hostages")], q("defectors")).astype(np.int8)
        if s.terrorists is not None:
            tier[(~hs & ~hl) & ~at_least(sat, s.terrorists) & ~at_least(loy, s.terrorists)] = q("terrorists")
        settings = {"satisfaction": sat_code, "loyalty": loy_code, "satisfaction_cut": cs, "loyalty_cut": cl,
                    "cut": "median" if s.cut is None else s.cut, "high_means": "score >= cut-off", "terrorists_below": s.terrorists}
        return tier, settings, notes
    loy, loy_code = _role_score(spec, survey, idx, "loyalty", s.text)
    tier = np.full(loy.shape, len(s.bands) - 1, dtype=np.int8)
    for k in range(len(s.bands) - 2, -1, -1):
        bound = s.bands[k][1]
        assert bound is not None
        tier[at_least(loy, bound)] = k
    bands = [{"tier": n, "from": b, "to": (s.bands[i - 1][1] if i else None)} for i, (n, b) in enumerate(s.bands)]
    return tier, {"loyalty": loy_code, "bands": bands, "bounds": "lower bound included"}, notes


def default_schemes(spec: ModelSpec) -> tuple[str, ...]:
    """The model's ``tiers:`` if given, else every scheme its roles support."""
    if spec.tiers:
        return tuple(spec.tiers)
    out = []
    if spec.role("recommend") in spec.items:
        out.append("nps")
    if spec.role("satisfaction") and spec.role("loyalty"):
        out.append("quadrants")
    if spec.role("loyalty"):
        out.append("bands")
    return tuple(out)


def compute_tiers(
    spec: ModelSpec,
    survey: SurveyData,
    idx: Indices,
    schemes: Sequence[str] | None = None,
    level: float = 0.95,
) -> TierResults:
    """Tier shares overall and per segment for each scheme.

    ``schemes=None`` uses the model's ``tiers:`` or, failing that, every scheme its roles
    support; ``()`` computes none.  ``idx.respondent`` (0–100 scores) must be row-aligned with
    ``survey.items``.
    """
    from statistics import NormalDist

    parsed = parse_schemes(default_schemes(spec) if schemes is None else schemes)
    w = None if survey.weights is None else np.asarray(survey.weights, dtype=float)
    resp = pd.DataFrame(index=survey.items.index)
    scores = _Scores(idx.respondent.to_numpy(dtype=float), list(idx.respondent.columns))
    segs = segments(survey)
    rows: list[dict[str, Any]] = []
    stats: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    notes: list[str] = []
    z = NormalDist().inv_cdf(0.5 + level / 2)
    for s in parsed:
        tier, sset, snotes = _assign(s, spec, survey, idx, w)
        resp[s.text] = pd.Categorical.from_codes(tier, categories=pd.Index(list(s.tiers)))
        settings[s.text] = {"kind": s.kind, "tiers": list(s.tiers), **sset}
        notes += snotes
        for seg, col, lev, mask in segs:
            seg_rows = _segment_rows(s, tier, (seg, col, lev, mask), w, scores, level)
            rows += seg_rows
            if s.kind == "nps" and seg_rows[0]["n_effective"] > 0:
                stats.append(_nps_row(seg_rows, z))
                if seg == "all":
                    summary[s.text] = stats[-1]["value"]
    return TierResults(
        schemes=tuple(s.text for s in parsed),
        groups=pd.DataFrame(rows),
        respondent=resp,
        summary=summary,
        statistics=pd.DataFrame(stats, columns=["scheme", "segment", "statistic", "value", "ci_lo", "ci_hi", "n", "n_effective"]),
        settings={"level": level, "weighted": w is not None, "interval": "Wilson (Kish effective n when weighted)",
                  "schemes": settings},
        notes=tuple(dict.fromkeys(notes)),
        warnings=_small_segment_warnings(segs) if parsed else (),
    )


@dataclass(frozen=True)
class _Scores:
    """Respondent 0–100 scores (respondents × constructs) and their construct codes."""

    values: np.ndarray
    codes: list[str]


def _small_segment_warnings(segs: list[tuple[str, str | None, str | None, np.ndarray]]) -> tuple[str, ...]:
    """A warning naming the group segments with fewer than 30 (but some) respondents."""
    small = sorted({seg for seg, col, _, m in segs if col is not None and 0 < m.sum() < 30})
    if not small:
        return ()
    return (f"tier shares rest on fewer than 30 respondents in segment(s) {', '.join(small)}; read them with care",)


def _tier_sums(
    t_seg: np.ndarray, v: np.ndarray, sc_seg: np.ndarray, n_tiers: int, weighted: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-tier counts, weight sums and weighted score sums (tiers × constructs), one bincount pass each."""
    counts = np.bincount(t_seg, minlength=n_tiers)
    wsums = np.bincount(t_seg, weights=v, minlength=n_tiers)
    # unweighted, v is all ones and v·x is x exactly: skip the n-sized products
    ssums = np.stack([np.bincount(t_seg, weights=v * sc_seg[:, k] if weighted else sc_seg[:, k], minlength=n_tiers)
                      for k in range(sc_seg.shape[1])], axis=1)
    return counts, wsums, ssums


def _segment_rows(
    s: TierScheme,
    tier: np.ndarray,
    segment: tuple[str, str | None, str | None, np.ndarray],
    w: np.ndarray | None,
    scores: _Scores,
    level: float,
) -> list[dict[str, Any]]:
    """One row per tier of scheme ``s`` in one segment: count, share with its Wilson interval, mean scores."""
    seg, col, lev, mask = segment
    n = int(mask.sum())
    v = np.ones(n) if w is None else w[mask]
    tot = float(v.sum())
    ne = float(tot**2 / np.sum(v**2)) if n and tot > 0 else 0.0
    everyone = n == len(tier)
    # bincount converts its indices to intp on every call: once here, not 2 + K times
    t_seg = (tier if everyone else tier[mask]).astype(np.intp)
    sc_seg = scores.values if everyone else scores.values[mask]
    counts, wsums, ssums = _tier_sums(t_seg, v, sc_seg, len(s.tiers), w is not None)
    rows: list[dict[str, Any]] = []
    for k_t, t in enumerate(s.tiers):
        wc = float(wsums[k_t])
        share = wc / tot if tot > 0 else np.nan
        lo, hi = wilson(share * ne, ne, level) if ne > 0 else (np.nan, np.nan)
        row: dict[str, Any] = {"scheme": s.text, "segment": seg, "group": col, "level": lev, "tier": t,
                               "count": int(counts[k_t]), "share": share, "ci_lo": lo, "ci_hi": hi, "n": n, "n_effective": ne}
        if w is not None:
            row["weighted_count"] = wc
        means = ssums[k_t] / wc if wc > 0 else np.full(len(scores.codes), np.nan)
        row.update({f"mean_{code}": float(means[k]) for k, code in enumerate(scores.codes)})
        rows.append(row)
    return rows


def _nps_row(seg_rows: list[dict[str, Any]], z: float) -> dict[str, Any]:
    """NPS = 100 (p₊ − p₋) of one segment (its nps tier rows) with the Wald interval on its effective n."""
    shares = {r["tier"]: r["share"] for r in seg_rows}
    first = seg_rows[0]
    ne = first["n_effective"]
    pp, pd_ = shares["promoter"], shares["detractor"]
    nps = 100 * (pp - pd_)
    se = 100 * np.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0) / ne)
    return {"scheme": first["scheme"], "segment": first["segment"], "statistic": "nps", "value": nps,
            "ci_lo": nps - z * se, "ci_hi": nps + z * se, "n": first["n"], "n_effective": ne}
