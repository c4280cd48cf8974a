"""Derivations: pure functions of (estimate, survey) → typed results, run in dependency order.

A derivation is one module plus one registration::

    class Toy:
        key = "toy"
        requires = ("indices",)          # keys whose results it reads from ``ctx.results``
        default = True                   # run by ``csi fit`` unless ``--derive`` names others
        def __call__(self, ctx: Context) -> Outcome: ...   # Outcome(value: Derived, issues)

    DERIVATIONS.register("toy", Toy())

Its result reaches ``results.json`` under its key (``to_contract()``), the terminal and the
Excel workbook (``tables()``) with no edit elsewhere.  The built-in derivations (``quality``,
``indices``, ``ipma``, ``tiers``) are registered in :mod:`csi.derive.builtin` the same way; their
results are also exposed as typed attributes of :class:`csi.results.types.FitResults`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pandas as pd

from csi.data.survey import SurveyData
from csi.errors import CsiError, Issue
from csi.estimators.pls import PLSResults
from csi.model.spec import ModelSpec
from csi.options import FitOptions
from csi.registry import Registry

#: JSON-able data (what ``to_contract`` returns).
JSON = str | int | float | bool | None | list["JSON"] | dict[str, "JSON"]


@runtime_checkable
class Derived(Protocol):
    """A derivation's result as renderers see it."""

    def to_contract(self) -> JSON:
        """Its section of ``results.json`` (plain JSON data)."""
        ...

    def tables(self) -> Mapping[str, pd.DataFrame]:
        """Named tables for the terminal and the Excel workbook (sheet name → table)."""
        ...


@dataclass(frozen=True)
class Context:
    """What a derivation sees: the model, the data, the PLS fit, the options, earlier results."""

    spec: ModelSpec
    survey: SurveyData
    pls: PLSResults
    options: FitOptions
    results: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """A derivation's return value: its result (any type) and the issues it found."""

    value: object
    issues: tuple[Issue, ...] = ()


class Derivation(Protocol):
    key: str
    requires: tuple[str, ...]
    default: bool

    def __call__(self, ctx: Context) -> Outcome: ...


DERIVATIONS: Registry[Derivation] = Registry("derivation")


def resolve(keys: Sequence[str] | None) -> list[str]:
    """The derivations to run, each after what it requires (the registry's order otherwise).

    ``keys=None`` runs every registered derivation whose ``default`` is true; a key that another
    requires is added in front of it.  Unknown keys are a CsiError listing the registered ones.
    """
    wanted = [k for k in DERIVATIONS if DERIVATIONS.get(k).default] if keys is None else [DERIVATIONS.check(k) for k in keys]
    order: list[str] = []

    def visit(key: str, chain: tuple[str, ...]) -> None:
        if key in order:
            return
        if key in chain:
            raise CsiError(f"derivations require each other in a cycle: {' -> '.join((*chain, key))}")
        for dep in DERIVATIONS.get(key).requires:
            visit(DERIVATIONS.check(dep), (*chain, key))
        order.append(key)

    for k in wanted:
        visit(k, ())
    return order


def run(ctx: Context, keys: Sequence[str] | None) -> tuple[dict[str, object], tuple[Issue, ...]]:
    """Run the derivations in dependency order; each sees the results of those before it."""
    results: dict[str, object] = dict(ctx.results)
    issues: list[Issue] = []
    for key in resolve(keys):
        out = DERIVATIONS.get(key)(Context(ctx.spec, ctx.survey, ctx.pls, ctx.options, results))
        results[key] = out.value
        issues.extend(out.issues)
    return results, tuple(issues)


# The built-ins, by name: csi.derive.builtin imports this module, so it cannot be imported here.
for _key, _attr in (("quality", "quality"), ("indices", "indices"), ("ipma", "ipma_map"), ("tiers", "tiers")):
    DERIVATIONS.register_lazy(_key, f"csi.derive.builtin:{_attr}")
BUILTIN = ("quality", "indices", "ipma", "tiers")
DERIVATIONS.register_lazy("model_fit", "csi.derive.modelfit:model_fit")  # PLS model fit (SRMR, d_ULS, d_G, HTMT2)
DERIVATIONS.register_lazy("mediation", "csi.derive.mediation:mediation")  # specific indirect effects
DERIVATIONS.register_lazy("predict", "csi.derive.predict:predict")  # PLSpredict and CVPAT (--predict)
# Plug-ins of the richer models (issue 15): None (not reported) unless the model has the transforms.
DERIVATIONS.register_lazy("moderation", "csi.derive.moderation:derivation")
DERIVATIONS.register_lazy("higher_order", "csi.derive.higher_order:derivation")
# the service-quality toolkit (issue 16): run when named in --derive
for _key, _attr in (("drivers", "csi.derive.drivers:DRIVERS"), ("penalty_reward", "csi.derive.penalty_reward:PENALTY_REWARD"),
                    ("fuzzy", "csi.derive.index_methods:FUZZY_EVALUATION")):
    DERIVATIONS.register_lazy(_key, _attr)
