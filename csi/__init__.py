"""csi: customer-satisfaction-index models (SCSB, ACSI, ECSI) by PLS path modelling and CB-SEM.

Public API::

    import csi
    res = csi.fit("survey.xlsx", model="ecsi")           # or options=csi.FitOptions(...)
    print(res.summary())
    res.save("out")                                      # results.json + results.xlsx

Everything else is reached through its layer (``csi.derive.indices.INDEXERS``,
``csi.derive.base.DERIVATIONS``, …; see docs/plugins.md).
"""

from __future__ import annotations

from csi._version import __version__
from csi.data.survey import SurveyData, read_survey
from csi.errors import (
    ConvergenceWarning,
    CsiError,
    CsiWarning,
    DataError,
    EstimationError,
    ImproperSolutionWarning,
    Issue,
    QualityWarning,
    SpecError,
)
from csi.model.spec import ModelSpec, load_model
from csi.options import (
    BootOptions,
    FitOptions,
    GroupOptions,
    PLSOptions,
    ScoreOptions,
    SurveyOptions,
)
from csi.results.scores import ScoreResults
from csi.results.types import FitResults
from csi.workflows.fit import fit
from csi.workflows.programme import aggregate
from csi.workflows.waves import score_waves

__all__ = [
    "__version__",
    "fit",
    "FitResults",
    "score_waves",
    "aggregate",
    "ScoreResults",
    "load_model",
    "ModelSpec",
    "read_survey",
    "SurveyData",
    "CsiError",
    "SpecError",
    "DataError",
    "EstimationError",
    "CsiWarning",
    "ConvergenceWarning",
    "QualityWarning",
    "ImproperSolutionWarning",
    "Issue",
    "FitOptions",
    "ScoreOptions",
    "SurveyOptions",
    "PLSOptions",
    "BootOptions",
    "GroupOptions",
]
