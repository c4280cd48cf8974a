"""csi: customer-satisfaction-index models (SCSB, ACSI, ECSI) by PLS path modelling and CB-SEM.

Public API::

    import csi
    res = csi.fit("survey.xlsx", model="ecsi")
    print(res.summary())
"""

from __future__ import annotations

__version__ = "0.1.0"

from csi.api import FitResults, fit  # noqa: E402
from csi.errors import (  # noqa: E402
    ConvergenceWarning,
    CsiError,
    CsiWarning,
    DataError,
    EstimationError,
    ImproperSolutionWarning,
    QualityWarning,
    SpecError,
)
from csi.spec import ModelSpec, load_model  # noqa: E402
from csi.survey import SurveyData, read_survey  # noqa: E402
from csi.waves import ScoreResults, score_waves  # noqa: E402

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
