"""csi: customer-satisfaction-index models (SCSB, ACSI, ECSI) by PLS path modelling and CB-SEM.

Public API::

    import csi
    res = csi.fit("survey.xlsx", model="ecsi")
    print(res.summary())
"""

from __future__ import annotations

from csi._version import __version__
from csi.data.survey import SurveyData, read_survey  # noqa: E402
from csi.errors import (
    ConvergenceWarning,
    CsiError,
    CsiWarning,
    DataError,
    EstimationError,
    ImproperSolutionWarning,
    QualityWarning,
    SpecError,
)
from csi.model.spec import ModelSpec, load_model  # noqa: E402
from csi.results.scores import ScoreResults  # noqa: E402
from csi.results.types import FitResults  # noqa: E402
from csi.workflows.fit import fit
from csi.workflows.waves import score_waves

__all__ = [
    "__version__",
    "fit",
    "FitResults",
    "score_waves",
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
]
