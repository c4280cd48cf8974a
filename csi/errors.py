"""csi's exceptions and warnings.

User errors (``CsiError`` and subclasses) end a command with one clear message and exit code 2.
Statistical trouble is a ``CsiWarning``: it reaches the terminal and ``results.json``.
Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class CsiError(Exception):
    """A problem with what the user gave us: one clear message, exit code 2."""


def check_choice(value: object, options: Iterable[str], what: str, upper: bool = False) -> str:
    """``value`` as a registry key (case-folded), or a CsiError listing the keys in the given order.

    ``check_choice("magic", sorted(SCHEMES), "scheme")`` →
    ``scheme should be one of centroid, factorial, path; got 'magic'``.
    """
    opts = list(options)
    key = str(value).upper() if upper else str(value).lower()
    if key not in opts:
        raise CsiError(f"{what} should be one of {', '.join(opts)}; got {value!r}")
    return key


class SpecError(CsiError):
    """A model specification is invalid (names the file and line where known)."""


class DataError(CsiError):
    """A survey file cannot be used as given (names the file, column and rows)."""


class EstimationError(CsiError):
    """The model cannot be estimated on these data (e.g. a singular block)."""


class CsiWarning(UserWarning):
    """Statistical trouble that does not stop the fit."""


class ConvergenceWarning(CsiWarning):
    """An iterative algorithm stopped at its iteration limit."""


class QualityWarning(CsiWarning):
    """A measurement-quality or data-quality criterion is not met."""


class ImproperSolutionWarning(CsiWarning):
    """A CB-SEM solution is inadmissible (Heywood case, |std| > 1, non-PD matrix)."""


#: Issue categories that are gates: ``--strict`` exits 1 when one of them is raised.
GATES: dict[str, type[CsiWarning]] = {
    "quality": QualityWarning,  # measurement quality below the usual thresholds (alpha, rho, AVE, HTMT)
    "convergence": ConvergenceWarning,  # an iterative algorithm stopped at its limit
    "admissibility": ImproperSolutionWarning,  # an inadmissible CB-SEM solution
}


@dataclass(frozen=True)
class Issue:
    """Statistical trouble found during a run: reaches the terminal and ``results.json``.

    ``category`` says where it comes from (``quality``, ``convergence``, ``admissibility``,
    ``data``, ``bootstrap``, ``index``, ``tiers``, ``groups``, ``cbsem``, …); ``gate`` is True for
    the categories in :data:`GATES`, the only ones that fail ``--strict``.
    """

    category: str
    message: str
    gate: bool = False

    @classmethod
    def of(cls, category: str, message: str) -> Issue:
        """An issue whose gate flag follows from its category."""
        return cls(category, message, category in GATES)

    @property
    def warning_class(self) -> type[CsiWarning]:
        return GATES.get(self.category, CsiWarning)

    def to_dict(self) -> dict[str, object]:
        return {"category": self.category, "message": self.message, "gate": self.gate}

    def __str__(self) -> str:
        return self.message
