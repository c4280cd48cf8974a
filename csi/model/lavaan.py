"""The model as lavaan / semopy syntax: the one writer of CB-SEM model text.

lavaan model syntax, which semopy parses as well: one measurement line per construct,
``CODE =~ 1*ITEM1 + ITEM2 + …`` (every construct a reflective common factor, identified by its
first item's loading fixed to 1 — the marker variable); for a single-item construct also
``ITEM ~~ 0*ITEM`` (the construct is its item: error variance fixed to 0); then one structural
line per endogenous construct, ``CODE ~ SOURCE1 + SOURCE2 + …``, in the model's topological
order.  Exogenous constructs covary freely and nothing else is written: lavaan's and semopy's
defaults (free disturbance and error variances, uncorrelated errors) complete the model.

Two namings of the same text:

* :func:`lavaan_syntax` — csi's own names, for people and for R: a construct named like an
  item (ECSI's single-item ``CUSCO``) becomes ``CUSCO_lv`` (:func:`latent_names`), as lavaan
  requires distinct names for latent and observed variables.
* :func:`describe` with :class:`SafeNames` — ``x1…xp`` for items and ``L1…LK`` for
  constructs, the text ``csi.estimators.cbsem`` hands to semopy, so that any item column name
  (spaces, dots, a clash with a construct) survives semopy's parser.

Higher-order constructs (``spec.transforms``, reflective–reflective) are written as second-order
factors, ``PERQ =~ 1*PQP + PQS`` after their dimensions' lines, whatever their PLS method
(repeated indicators and two-stage are PLS devices for the same model); interactions and
reflective–formative HOCs raise a SpecError naming them (:func:`cbsem_transforms`).

Validated against the lavaan references in ``tests/reference_lavaan/``: the model block of
``ecsi_synthetic.R`` (fitted by R lavaan 0.6.14, results in ``output/``) is exactly
:func:`lavaan_syntax` of the ECSI model (``tests/reference/test_cbsem_lavaan.py``), and the semopy fits of
:func:`describe`'s text reproduce lavaan's estimates to ~1e-6.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from csi.errors import SpecError
from csi.model.transforms import HigherOrder, Interaction


class _Block(Protocol):
    """What the writer reads of a construct (``csi.model.spec.Construct``)."""

    @property
    def code(self) -> str: ...

    @property
    def items(self) -> tuple[str, ...]: ...


class ModelLike(Protocol):
    """What the writer reads of a model: a :class:`csi.model.spec.ModelSpec`.

    A protocol rather than an import, so that ``ModelSpec.to_lavaan`` can call this module
    without an import cycle.
    """

    @property
    def constructs(self) -> tuple[_Block, ...]: ...

    @property
    def codes(self) -> tuple[str, ...]: ...

    @property
    def items(self) -> tuple[str, ...]: ...

    def predecessors(self, code: str) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class SafeNames:
    """csi names ⇄ the safe names semopy sees (x1…xp items, L1…LK constructs)."""

    codes: tuple[str, ...]
    items: tuple[str, ...]

    def lat(self, code: str) -> str:
        return f"L{self.codes.index(code) + 1}"

    def obs(self, item: str) -> str:
        return f"x{self.items.index(item) + 1}"

    @property
    def obs_names(self) -> list[str]:
        return [f"x{i + 1}" for i in range(len(self.items))]

    @property
    def lat_names(self) -> list[str]:
        return [f"L{k + 1}" for k in range(len(self.codes))]


def describe(
    spec: ModelLike,
    names: Callable[[str], str] | None = None,
    lat: Callable[[str], str] | None = None,
    identify: bool = True,
) -> str:
    """lavaan/semopy syntax of the CB-SEM model (marker loadings, single items without error).

    ``names`` renames items and ``lat`` constructs (default: unchanged).  ``identify=False``
    leaves out the identification constraints (``1*`` markers, ``~~ 0*`` lines): the bare
    measurement and structural relations of ``ModelSpec.to_lavaan``.
    """
    obs = names or (lambda s: s)
    lv = lat or (lambda s: s)
    marker = "1*" if identify else ""
    lines = []
    made = {t.code: t for t in cbsem_transforms(spec)}
    for c in spec.constructs:
        if c.code in made:  # a second-order factor over its dimensions (after them: topological order)
            dims = made[c.code].dimensions  # type: ignore[union-attr]
            lines.append(f"{lv(c.code)} =~ {marker}{lv(dims[0])}" + "".join(f" + {lv(d)}" for d in dims[1:]))
            continue
        lines.append(f"{lv(c.code)} =~ {marker}{obs(c.items[0])}" + "".join(f" + {obs(i)}" for i in c.items[1:]))
        if identify and len(c.items) == 1:
            lines.append(f"{obs(c.items[0])} ~~ 0*{obs(c.items[0])}")
    for code in spec.codes:
        preds = spec.predecessors(code)
        if preds:
            lines.append(f"{lv(code)} ~ {' + '.join(lv(s) for s in preds)}")
    return "\n".join(lines)


def cbsem_transforms(spec: object) -> tuple[HigherOrder, ...]:
    """The model's transforms CB-SEM can express (reflective–reflective HOCs: second-order factors).

    Interaction and quadratic terms (latent products need product-indicator or moment constraints
    lavaan's syntax does not carry) and reflective–formative HOCs (composites) are a SpecError.
    """
    out = []
    for t in getattr(spec, "transforms", ()):
        if isinstance(t, Interaction):
            raise SpecError(f"CB-SEM cannot express the interaction term {t.code} ({t.iv} × {t.moderator}) in lavaan "
                            "syntax; fit it with --method pls")
        if t.mode != "A":
            raise SpecError(f"CB-SEM cannot express the reflective–formative higher-order construct {t.code} (mode B, a "
                            "composite); use mode A (a second-order factor) or --method pls")
        out.append(t)
    return tuple(out)


def latent_names(spec: ModelLike) -> dict[str, str]:
    """Construct code → its name in lavaan syntax and estimate tables (``_lv`` added on a clash with an item)."""
    taken = set(spec.items)
    out = {}
    for code in spec.codes:
        name = code
        while name in taken:
            name += "_lv"
        out[code] = name
    return out


def lavaan_syntax(spec: ModelLike) -> str:
    """The model in lavaan syntax with csi's names (a construct named like an item gets ``_lv``)."""
    return describe(spec, lat=latent_names(spec).__getitem__)

