"""Model transforms: higher-order constructs and interaction (moderation, quadratic) terms.

A transform is part of a :class:`~csi.model.spec.ModelSpec` (``spec.transforms``) and is written
in the model YAML in its own section; the construct it defines is a code that paths may use like
any other.  Before estimation the workflow expands the transforms into a *flat* model plus
derived columns (:mod:`csi.model.expand` for the model part, :mod:`csi.data.derived` for the
columns, :mod:`csi.workflows.staged` for two-stage approaches), so the estimator, bootstrap,
groups, waves and reports see an ordinary model.

YAML (both sections optional)::

    higher_order:
      PERQ: {label: Perceived quality, dimensions: [PQP, PQS], method: two_stage, mode: A}
    interactions:
      SWB_CUSA: {iv: CUSA, moderator: SWB, method: product_indicator}
      CUSA_SQ: {quadratic: CUSA, method: two_stage}

Higher-order ``method``: ``repeated`` (repeated indicators: the HOC is measured by copies of
all its dimensions' items), ``two_stage`` (disjoint two-stage, as SEMinR's
``higher_composite``: stage 1 rewires the HOC's paths to its dimensions, stage 2 measures the
HOC by the stage-1 dimension scores) or ``embedded`` (embedded two-stage: stage 1 is the
repeated-indicators model, stage 2 as ``two_stage``).  ``mode: A`` is reflective–reflective,
``mode: B`` reflective–formative (Sarstedt et al. 2019).

Interaction ``method``: ``product_indicator`` (all products of the z-scored items, Henseler &
Chin 2010), ``orthogonal`` (those products residualised on the main-effect items, Little et al.
2006) or ``two_stage`` (the product of first-stage construct scores); ``quadratic: X`` is the
interaction of ``X`` with itself (default method ``two_stage``, as SEMinR's
``quadratic_term``).  Every method matches SEMinR (``interaction_term``); see
``tests/model/test_transforms_seminr.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from csi.errors import SpecError

HOC_METHODS = ("repeated", "two_stage", "embedded")
INTERACTION_METHODS = ("product_indicator", "orthogonal", "two_stage")
_HOC_KEYS = ("label", "dimensions", "method", "mode")
_INT_KEYS = ("label", "iv", "moderator", "quadratic", "method")


@dataclass(frozen=True)
class HigherOrder:
    """A higher-order construct ``code`` over first-order ``dimensions``."""

    code: str
    dimensions: tuple[str, ...]
    method: str = "two_stage"
    mode: str = "A"
    label: str = ""

    kind = "higher_order"

    @property
    def two_stage(self) -> bool:
        return self.method in ("two_stage", "embedded")

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label or self.code, "dimensions": list(self.dimensions), "method": self.method, "mode": self.mode}


@dataclass(frozen=True)
class Interaction:
    """An interaction term ``iv × moderator`` (``iv == moderator``: a quadratic term)."""

    code: str
    iv: str
    moderator: str
    method: str = "product_indicator"
    label: str = ""

    kind = "interaction"

    @property
    def quadratic(self) -> bool:
        return self.iv == self.moderator

    @property
    def two_stage(self) -> bool:
        return self.method == "two_stage"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label or self.code}
        if self.quadratic:
            out["quadratic"] = self.iv
        else:
            out.update(iv=self.iv, moderator=self.moderator)
        out["method"] = self.method
        return out


Transform = HigherOrder | Interaction


class _Loc(Protocol):
    """A parsed YAML value with its line (``csi.model.spec._Located``)."""

    value: Any
    line: int


def _err(where: str, loc: _Loc, msg: str) -> SpecError:
    return SpecError(f"{where} line {loc.line}: {msg}")


def _body(code: str, loc: _Loc, keys: tuple[str, ...], what: str, where: str) -> dict[str, _Loc]:
    if not isinstance(loc.value, dict):
        raise _err(where, loc, f"{what} {code}: expected {{{', '.join(keys)}}}; found {plain(loc)!r}")
    for k, v in loc.value.items():
        if k not in keys:
            raise _err(where, v, f"{what} {code}: unknown key {k!r}; expected {', '.join(keys)}")
    return dict(loc.value)


def plain(loc: _Loc) -> Any:
    """The plain Python value of a parsed YAML value (lines dropped), for messages and scalar sections."""
    v = loc.value
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def _choice(code: str, loc: _Loc | None, choices: tuple[str, ...], default: str, what: str, where: str) -> str:
    if loc is None:
        return default
    val = str(loc.value)
    if val not in choices:
        raise _err(where, loc, f"{what} {code}: method should be one of {', '.join(choices)}; got {loc.value!r}")
    return val


def parse_higher_order(loc: _Loc, where: str) -> list[HigherOrder]:
    """``higher_order:`` — code → {label, dimensions (≥ 2 construct codes), method, mode}."""
    if not isinstance(loc.value, dict) or not loc.value:
        raise _err(where, loc, "'higher_order' should map a construct code to {label, dimensions, method, mode}")
    out = []
    for code, cl in loc.value.items():
        body = _body(code, cl, _HOC_KEYS, "higher-order construct", where)
        dl = body.get("dimensions")
        if dl is None or not isinstance(dl.value, list) or len(dl.value) < 2:
            raise _err(where, dl or cl, f"higher-order construct {code}: 'dimensions' should list at least two constructs")
        dims = tuple(str(d.value) for d in dl.value)
        method = _choice(code, body.get("method"), HOC_METHODS, "two_stage", "higher-order construct", where)
        ml = body.get("mode")
        mode = str(ml.value).upper() if ml is not None else "A"
        if ml is not None and mode not in ("A", "B"):
            raise _err(where, ml, f"higher-order construct {code}: mode should be A (reflective–reflective) or B (reflective–formative); got {ml.value!r}")
        label = str(body["label"].value) if "label" in body else code
        out.append(HigherOrder(code, dims, method, mode, label))
    return out


def parse_interactions(loc: _Loc, where: str) -> list[Interaction]:
    """``interactions:`` — code → {iv, moderator, method} or {quadratic, method}."""
    if not isinstance(loc.value, dict) or not loc.value:
        raise _err(where, loc, "'interactions' should map a code to {iv, moderator, method} or {quadratic, method}")
    out = []
    for code, cl in loc.value.items():
        body = _body(code, cl, _INT_KEYS, "interaction", where)
        if "quadratic" in body:
            if "iv" in body or "moderator" in body:
                raise _err(where, cl, f"interaction {code}: give either 'quadratic' or 'iv' and 'moderator', not both")
            iv = mod = str(body["quadratic"].value)
            default = "two_stage"
        elif "iv" in body and "moderator" in body:
            iv, mod = str(body["iv"].value), str(body["moderator"].value)
            default = "product_indicator"
        else:
            raise _err(where, cl, f"interaction {code}: needs 'iv' and 'moderator' (or 'quadratic')")
        method = _choice(code, body.get("method"), INTERACTION_METHODS, default, "interaction", where)
        label = str(body["label"].value) if "label" in body else code
        out.append(Interaction(code, iv, mod, method, label))
    return out


def check_transforms(transforms: list[Transform], measured: dict[str, str], lines: dict[str, int], where: str) -> None:  # noqa: C901
    """Every referenced construct exists; a dimension belongs to one HOC; codes are unique.

    ``measured`` maps each measured construct's code to its mode; ``lines`` gives each
    transform's line for messages.
    """
    seen_dim: dict[str, str] = {}
    for t in transforms:
        at = f"{where} line {lines[t.code]}"
        if t.code in measured:
            raise SpecError(f"{at}: {t.code} is already a construct with items; a {t.kind.replace('_', '-')} code must be new")
        refs = t.dimensions if isinstance(t, HigherOrder) else (t.iv, t.moderator)
        for r in refs:
            if r not in measured:
                raise SpecError(f"{at}: {t.code}: unknown construct {r!r}; constructs with items are {', '.join(sorted(measured))}")
        if isinstance(t, HigherOrder):
            for d in t.dimensions:
                if d in seen_dim:
                    raise SpecError(f"{at}: {d} is a dimension of two higher-order constructs ({seen_dim[d]} and {t.code})")
                seen_dim[d] = t.code
                if measured[d] != "A":
                    raise SpecError(f"{at}: {t.code}: dimension {d} is mode {measured[d]}; lower-order constructs must be reflective (mode A)")


def transform_sections(transforms: tuple[Transform, ...]) -> dict[str, Any]:
    """The ``higher_order:`` and ``interactions:`` YAML sections of ``transforms`` (empty ones left out)."""
    out: dict[str, Any] = {}
    hoc = {t.code: t.to_dict() for t in transforms if isinstance(t, HigherOrder)}
    ints = {t.code: t.to_dict() for t in transforms if isinstance(t, Interaction)}
    if hoc:
        out["higher_order"] = hoc
    if ints:
        out["interactions"] = ints
    return out
