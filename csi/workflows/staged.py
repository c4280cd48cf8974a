"""Apply a model's transforms before estimation: flat model + derived columns (+ a first stage).

``prepare(spec, survey, pls_options)`` returns the flat model to estimate and the survey with
the derived columns appended, so estimation, bootstrap, groups, waves and reports need no
special case.  When a transform is two-stage (a ``two_stage``/``embedded`` higher-order
construct or a ``two_stage`` interaction), the stage-1 model (:func:`csi.model.expand.first_stage`)
is fitted by PLS with the same settings and survey weights; its standardized scores feed the
interaction products and its item-scale scores (:func:`item_scale_scores`) the higher-order
constructs' columns (SEMinR ``estimate_pls``: higher-order prep → interactions → core).

The bootstrap resamples the prepared columns: the stage-1 scores are held fixed across
resamples (SEMinR re-runs the first stage in every resample; the difference is in the
intervals only, never in the point estimates).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from csi.data.derived import add_columns
from csi.data.survey import SurveyData
from csi.derive.indices import normalized_weights
from csi.estimators.pls import PLS, PLSResults
from csi.model.expand import first_stage, flat, needs_first_stage
from csi.model.spec import ModelSpec
from csi.options import PLSOptions


@dataclass(frozen=True)
class Prepared:
    """The flat model, the survey with its derived columns, and the stage-1 fit (if any)."""

    spec: ModelSpec
    survey: SurveyData
    stage1: PLSResults | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    #: the stage-1 item columns (with repeated-indicator copies), when there is a stage 1
    stage1_items: pd.DataFrame | None = None
    #: the model as written (with its transforms)
    written: ModelSpec | None = None


def prepare(spec: ModelSpec, survey: SurveyData, options: PLSOptions | None = None) -> Prepared:
    """Expand ``spec``'s transforms on ``survey`` (nothing to do: returned unchanged)."""
    if not spec.transforms:
        return Prepared(spec, survey)
    options = options or PLSOptions()
    stage1 = None
    scores = level = items1 = None
    if needs_first_stage(spec):
        spec1, cols1 = first_stage(spec)
        items1 = add_columns(survey.items, cols1)
        stage1 = PLS.from_options(spec1, options).fit(items1, weights=survey.weights)
        scores = stage1.scores.set_axis(survey.items.index)
        level = item_scale_scores(stage1, items1)
    spec2, cols2 = flat(spec)
    items = add_columns(survey.items, cols2, scores, level)
    settings = {
        "transforms": [{"code": t.code, "kind": t.kind, **t.to_dict()} for t in spec.transforms],
        "first_stage": None if stage1 is None else {"model": stage1.spec.name, "iterations": stage1.iterations,
                                                    "converged": stage1.converged},
    }
    new_survey = replace(survey, items=items, settings={**survey.settings, **settings})
    return Prepared(spec2, new_survey, stage1, settings, items1, spec)


def item_scale_scores(fit: PLSResults, items: pd.DataFrame) -> pd.DataFrame:
    """Construct scores on the item scale: ``Σ w̃ⱼ xⱼ`` with the ACSI weights ``w̃`` (sum 1).

    A positive affine map of the standardized score, so the stage-2 estimates are unchanged
    (PLS standardizes its columns) while the HOC's index from these columns is the w̃-weighted
    mean of its dimensions' indices.
    """
    nw = normalized_weights(fit)
    return pd.DataFrame({c: items.loc[:, list(nw.loc[c].index)].to_numpy(dtype=float) @ nw.loc[c].to_numpy()
                         for c in fit.spec.codes}, index=items.index)
