"""Frozen option objects: every knob of a run, declared once with its range check.

The CLI, :func:`csi.fit`, :func:`csi.score_waves` and the readers all take these objects, so a
setting has one default, one check and one spelling in error messages (the CLI flag).  Keyword
arguments keep working: ``FitOptions.from_kwargs(scheme="factorial", missing="mean")`` sorts
them into the nested objects, and an unknown keyword is a ``CsiError`` naming the known ones.

The keys of registries (estimators, index methods, runners) are checked where the registry
lives, when the options are used; here only the ranges that need no registry are checked.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from csi.errors import CsiError, check_choice

# --- PLS engine -----------------------------------------------------------------------
SCHEMES: dict[str, str] = {
    "path": "path weighting (Lohmöller): regression weights for predecessors, correlations for successors",
    "factorial": "factorial: correlations with adjacent constructs",
    "centroid": "centroid: signs of correlations with adjacent constructs",
}
CRITERIA: dict[str, str] = {
    "abs": "sum of absolute changes of the scaled outer weights (SEMinR; default tol 1e-7)",
    "plspm": "sum of squared changes of the absolute unscaled outer weights (R plspm; its tol 1e-6)",
}
DEFAULT_TOL = 1e-7
DEFAULT_MAX_ITER = 300

# --- survey ---------------------------------------------------------------------------
DEFAULT_MISSING = "casewise"

# --- resampling -----------------------------------------------------------------------
CI_METHODS: dict[str, str] = {
    "percentile": "percentile interval (quantiles of the bootstrap draws, linear interpolation)",
    "bca": "bias-corrected and accelerated interval (jackknife acceleration)",
}
DEFAULT_RESAMPLES = 5000  # PLS bootstrap of csi fit (~0.3 s for ECSI on mobi)
DEFAULT_WAVE_RESAMPLES = 1000  # per wave in csi score
DEFAULT_WORKERS = 2  # wave processes in csi score
DEFAULT_SEED = 1
DEFAULT_PERMUTATIONS = 1000
METHODS = ("pls", "cbsem", "both", "plsc")


def check_seed(seed: object, option: str = "--seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
        raise CsiError(f"{option} should be a whole number of at least 0; got {seed!r}")
    return int(seed)


def check_level(level: object, option: str = "--level") -> float:
    try:
        v = float(level)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    if not 0 < v < 1:
        raise CsiError(f"{option} should be a confidence level between 0 and 1 (exclusive), e.g. 0.95; got {level!r}")
    return v


def check_count(value: object, option: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise CsiError(f"{option} should be a whole number of at least {minimum}; got {value!r}")
    return int(value)


@dataclass(frozen=True)
class SurveyOptions:
    """How a survey file is read and cleaned (``--sheet``, ``--map``, ``--missing``, …)."""

    sheet: str | int | None = None
    column_map: Mapping[str, str] | None = None
    missing: str = DEFAULT_MISSING
    missing_codes: tuple[float | str, ...] | None = None
    reverse: tuple[str, ...] = ()
    scale: tuple[float, float] | None = None
    weights: str | None = None
    groups: tuple[str, ...] = ()
    #: ``--encoding`` (text files; None: detected) and ``--header-row`` (1-based; None: detected)
    encoding: str | None = None
    header_row: int | None = None

    def __post_init__(self) -> None:
        # ``missing`` (a key of the data layer's policy registry) and ``scale`` are checked by the
        # data layer, which names the file and collects them with the survey's other problems.
        object.__setattr__(self, "reverse", tuple(self.reverse))
        object.__setattr__(self, "groups", tuple(self.groups))
        if self.missing_codes is not None:
            object.__setattr__(self, "missing_codes", tuple(self.missing_codes))
        if self.scale is not None:
            try:
                lo, hi = (float(v) for v in self.scale)
            except (TypeError, ValueError):
                raise CsiError(f"--scale should be MIN-MAX with MIN below MAX, e.g. 1-10; got {self.scale!r}") from None
            object.__setattr__(self, "scale", (lo, hi))

    def reader_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`csi.data.survey.read_survey` / ``from_frame``."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "sheet"}


@dataclass(frozen=True)
class PLSOptions:
    """The PLS engine (``--scheme``, ``--standardize``; tolerance, iterations, stopping rule)."""

    scheme: str = "path"
    standardize: bool = True
    tol: float = DEFAULT_TOL
    max_iter: int = DEFAULT_MAX_ITER
    criterion: str = "abs"

    def __post_init__(self) -> None:
        object.__setattr__(self, "scheme", check_choice(self.scheme, sorted(SCHEMES), "scheme"))
        object.__setattr__(self, "criterion", check_choice(self.criterion, sorted(CRITERIA), "convergence criterion"))
        object.__setattr__(self, "standardize", bool(self.standardize))
        if not (isinstance(self.tol, (int, float)) and self.tol > 0 and math.isfinite(self.tol)):
            raise CsiError(f"tolerance should be a positive number; got {self.tol}")
        if int(self.max_iter) < 1:
            raise CsiError(f"max_iter should be at least 1; got {self.max_iter}")
        object.__setattr__(self, "tol", float(self.tol))
        object.__setattr__(self, "max_iter", int(self.max_iter))


@dataclass(frozen=True)
class BootOptions:
    """Bootstrap (``--boot``, ``--seed``, ``--ci``, ``--level``).  ``resamples=None``: the default."""

    resamples: int | None = None
    seed: int = DEFAULT_SEED
    ci: str = "percentile"
    level: float = 0.95

    def __post_init__(self) -> None:
        if self.resamples is not None and not (isinstance(self.resamples, (int, np.integer)) and self.resamples == 0):
            object.__setattr__(self, "resamples", check_count(self.resamples, "--boot", 1))  # 0 switches it off
        object.__setattr__(self, "seed", check_seed(self.seed))
        object.__setattr__(self, "ci", check_choice(self.ci, CI_METHODS, "--ci"))
        object.__setattr__(self, "level", check_level(self.level))

    @property
    def pls_resamples(self) -> int:
        """Resamples of the PLS bootstrap: the default 5,000 unless given."""
        return DEFAULT_RESAMPLES if self.resamples is None else self.resamples

    @property
    def cbsem_resamples(self) -> int:
        """CB-SEM is bootstrapped only when ``--boot`` is given (each resample is a full ML refit)."""
        return 0 if self.resamples is None else self.resamples


@dataclass(frozen=True)
class GroupOptions:
    """Group comparison of ``--group`` columns (permutations, smallest group fitted)."""

    permutations: int = DEFAULT_PERMUTATIONS
    min_group_size: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "permutations", check_count(self.permutations, "--permutations", 0))
        if self.min_group_size is not None:
            object.__setattr__(self, "min_group_size", check_count(self.min_group_size, "--min-group-size", 3))




PREDICT_TECHNIQUES: tuple[str, ...] = ("DA", "EA")


@dataclass(frozen=True)
class PredictOptions:
    """PLSpredict (``--predict``): k-fold cross-validation repeated; direct (DA) or earliest (EA) antecedents."""

    folds: int = 10
    repeats: int = 10
    technique: str = "DA"

    def __post_init__(self) -> None:
        object.__setattr__(self, "folds", check_count(self.folds, "--folds", 2))
        object.__setattr__(self, "repeats", check_count(self.repeats, "--repeats", 1))
        object.__setattr__(self, "technique", check_choice(self.technique, PREDICT_TECHNIQUES, "--predict-technique", upper=True))


@dataclass(frozen=True)
class FitOptions:
    """Everything ``csi fit`` / :func:`csi.fit` takes besides the data and the model."""

    survey: SurveyOptions = field(default_factory=SurveyOptions)
    pls: PLSOptions = field(default_factory=PLSOptions)
    boot: BootOptions = field(default_factory=BootOptions)
    comparison: GroupOptions = field(default_factory=GroupOptions)
    method: str = "pls"
    estimator: str = "ML"  # CB-SEM estimator (ML, GLS, ULS, DWLS)
    index: str = "acsi"
    derive: tuple[str, ...] | None = None  # None: every registered derivation marked default
    tiers: tuple[str, ...] | None = None  # None: the model's tiers or all its roles allow; (): none
    ipma_target: str | None = None
    runner: str = "threads"
    progress: bool = False
    predict: PredictOptions = field(default_factory=PredictOptions)  # used when the "predict" derivation runs

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", check_choice(self.method, METHODS, "--method"))
        if self.derive is not None:
            object.__setattr__(self, "derive", tuple(dict.fromkeys(self.derive)))
        if self.tiers is not None:
            object.__setattr__(self, "tiers", tuple(self.tiers))

    @classmethod
    def from_kwargs(cls, **kw: Any) -> FitOptions:
        """Sort flat keywords (``csi.fit(..., scheme=..., missing_codes=..., boot=...)``) into the objects."""
        return cls(**_sort_kwargs(kw, cls, {
            "survey": SurveyOptions, "pls": PLSOptions, "comparison": GroupOptions, "predict": PredictOptions,
        }, boot_aliases={"boot": "resamples", "seed": "seed", "ci": "ci", "level": "level"}))


@dataclass(frozen=True)
class ScoreOptions:
    """Everything ``csi score`` / :func:`csi.score_waves` takes besides the inputs and the model."""

    survey: SurveyOptions = field(default_factory=SurveyOptions)
    pls: PLSOptions = field(default_factory=PLSOptions)
    resamples: int = DEFAULT_WAVE_RESAMPLES
    seed: int = DEFAULT_SEED
    level: float = 0.95
    segments: str | None = None
    workers: int = DEFAULT_WORKERS
    progress: bool = False
    index: str = "acsi"  # index method of refit waves (a key of csi.derive.indices.INDEXERS)

    def __post_init__(self) -> None:
        r = self.resamples
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or r < 0 or r == 1:
            raise CsiError(f"--boot should be 0 (no intervals) or at least 2 resamples per wave; got {r}")
        object.__setattr__(self, "resamples", int(r))
        object.__setattr__(self, "seed", check_seed(self.seed))
        object.__setattr__(self, "level", check_level(self.level))
        if isinstance(self.workers, bool) or not isinstance(self.workers, (int, np.integer)) or self.workers < 1:
            raise CsiError(f"--workers should be at least 1; got {self.workers}")

    @classmethod
    def from_kwargs(cls, **kw: Any) -> ScoreOptions:
        return cls(**_sort_kwargs(kw, cls, {"survey": SurveyOptions, "pls": PLSOptions}))


def _sort_kwargs(kw: Mapping[str, Any], cls: type, nested: Mapping[str, type], boot_aliases: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flat keywords → the nested option objects of ``cls`` (unknown keywords are an error)."""
    top = {f.name for f in fields(cls)}
    out: dict[str, Any] = {}
    parts: dict[str, dict[str, Any]] = {name: {} for name in nested}
    boot: dict[str, Any] = {}
    known = set(top) | {f.name for t in nested.values() for f in fields(t)} | set(boot_aliases or {})
    for key, value in kw.items():
        if boot_aliases and key in boot_aliases:
            boot[boot_aliases[key]] = value
        elif any(key in {f.name for f in fields(t)} for t in nested.values()):
            owner = next(name for name, t in nested.items() if key in {f.name for f in fields(t)})
            parts[owner][key] = tuple(value) if isinstance(value, (list, tuple)) and not isinstance(value, str) else value
        elif key in top:
            out[key] = value
        else:
            raise CsiError(f"unknown option {key!r}; options are {', '.join(sorted(known))}")
    for name, t in nested.items():
        if parts[name]:
            if isinstance(out.get(name), t):
                out[name] = replace(out[name], **parts[name])
            else:
                out[name] = t(**parts[name])
    if boot:
        out["boot"] = BootOptions(**boot)
    return out
