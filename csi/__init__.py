"""csi: customer-satisfaction-index models (SCSB, ACSI, ECSI) by PLS path modelling and CB-SEM.

Public API::

    import csi
    res = csi.fit("survey.xlsx", model="ecsi")           # or options=csi.FitOptions(...)
    print(res.summary())
    res.save("out")                                      # results.json + results.xlsx

Everything else is reached through its layer (``csi.derive.indices.INDEXERS``,
``csi.derive.base.DERIVATIONS``, …; see docs/plugins.md).

The names below are imported on first use (PEP 562 ``__getattr__``), so ``import csi`` — and
every ``import csi.<sub>`` such as the CLI's ``csi --help`` — costs no pandas or scipy import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from csi._version import __version__

if TYPE_CHECKING:
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

# public name → the module that defines it
_LAZY = {
    "SurveyData": "csi.data.survey", "read_survey": "csi.data.survey",
    "ConvergenceWarning": "csi.errors", "CsiError": "csi.errors", "CsiWarning": "csi.errors",
    "DataError": "csi.errors", "EstimationError": "csi.errors", "ImproperSolutionWarning": "csi.errors",
    "Issue": "csi.errors", "QualityWarning": "csi.errors", "SpecError": "csi.errors",
    "ModelSpec": "csi.model.spec", "load_model": "csi.model.spec",
    "BootOptions": "csi.options", "FitOptions": "csi.options", "GroupOptions": "csi.options",
    "PLSOptions": "csi.options", "ScoreOptions": "csi.options", "SurveyOptions": "csi.options",
    "ScoreResults": "csi.results.scores", "FitResults": "csi.results.types",
    "fit": "csi.workflows.fit", "score_waves": "csi.workflows.waves", "aggregate": "csi.workflows.programme",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'csi' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    # ``csi.fit`` names the function, not the submodule csi.workflows.fit (whose import binds
    # nothing here, but keep the public name stable once resolved).
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
