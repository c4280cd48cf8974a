"""Flatten a model's transforms (:mod:`csi.model.transforms`) into an ordinary model.

Pure model code (no data): what the flat model is and which derived columns it needs, each
column described by a :class:`Column` rule that :mod:`csi.data.derived` evaluates.

* repeated indicators: the higher-order construct (HOC) ``H`` is measured by copies of its
  dimensions' items, named ``ITEM@H`` (a copy so that each item column belongs to one
  construct); paths ``H → D`` for each dimension ``D`` (mode A, reflective–reflective) or
  ``D → H`` (mode B, reflective–formative) are added.
* two-stage (disjoint, SEMinR's ``higher_composite``): stage 1 is the model with ``H``
  replaced by its dimensions (every path into ``H`` goes into each dimension, every path out of
  ``H`` leaves each dimension); stage 2 measures ``H`` by the stage-1 scores of its dimensions
  (columns named as the dimensions) and drops the dimensions.
* embedded two-stage: stage 1 is the repeated-indicators model; stage 2 as disjoint.
* interactions ``I = X × M``: product-indicator and orthogonal columns ``x*m`` for every item
  pair; two-stage: one column ``I_intxn`` = product of the stage-1 scores of ``X`` and ``M``.
  Stage 1 drops every interaction and its paths (SEMinR's first stage does the same).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from csi.errors import SpecError
from csi.model.spec import Construct, ModelSpec, Path, kahn_order
from csi.model.transforms import HigherOrder, Interaction


@dataclass(frozen=True)
class Column:
    """A derived column: ``kind`` is ``copy`` (of ``sources[0]``), ``product`` (of z-scored
    ``sources[0]`` and ``sources[1]``), ``orthogonal`` (that product residualised on ``basis``),
    ``score`` (stage-1 score of construct ``sources[0]``) or ``score_product`` (product of the
    stage-1 scores of ``sources``)."""

    name: str
    kind: str
    sources: tuple[str, ...]
    basis: tuple[str, ...] = ()


def is_flat(spec: ModelSpec) -> bool:
    """True when the model has no transforms left to expand."""
    return not spec.transforms


def check_dimensions(spec: ModelSpec) -> None:
    """A HOC's dimensions have no paths of their own (the HOC carries them)."""
    for t in spec.transforms:
        if isinstance(t, HigherOrder):
            for d in t.dimensions:
                own = [str(p) for p in spec.paths if d in (p.source, p.target)]
                if own:
                    raise SpecError(f"model {spec.name}: {d} is a dimension of higher-order construct {t.code}; "
                                    f"give its paths to {t.code} instead (found {', '.join(own)})")


def _hoc(spec: ModelSpec) -> list[HigherOrder]:
    return [t for t in spec.transforms if isinstance(t, HigherOrder)]


def _ints(spec: ModelSpec) -> list[Interaction]:
    return [t for t in spec.transforms if isinstance(t, Interaction)]


def needs_first_stage(spec: ModelSpec) -> bool:
    return any(t.two_stage for t in spec.transforms)


def _repeated(spec: ModelSpec, h: HigherOrder, cons: list[Construct], paths: list[Path], cols: list[Column]) -> None:
    items = [i for d in h.dimensions for i in spec.construct(d).items]
    copies = tuple(f"{i}@{h.code}" for i in items)
    cols += [Column(c, "copy", (i,)) for c, i in zip(copies, items, strict=True)]
    _set_items(cons, h.code, copies, h.mode)
    paths += [Path(h.code, d) if h.mode == "A" else Path(d, h.code) for d in h.dimensions]


def _set_items(cons: list[Construct], code: str, items: tuple[str, ...], mode: str) -> None:
    k = [c.code for c in cons].index(code)
    cons[k] = replace(cons[k], items=items, mode=mode)


def _rewired(paths: list[Path], h: HigherOrder) -> list[Path]:
    """Paths into/out of ``h`` moved to each of its dimensions."""
    out: list[Path] = []
    for p in paths:
        if p.target == h.code:
            out += [Path(p.source, d) for d in h.dimensions]
        elif p.source == h.code:
            out += [Path(d, p.target) for d in h.dimensions]
        else:
            out.append(p)
    return out


def first_stage(spec: ModelSpec) -> tuple[ModelSpec, list[Column]]:
    """The stage-1 model of a two-stage expansion and the derived columns it needs."""
    check_dimensions(spec)
    drop = {t.code for t in _ints(spec)}
    cons = [c for c in spec.constructs if c.code not in drop]
    paths = [p for p in spec.paths if p.source not in drop and p.target not in drop]
    cols: list[Column] = []
    for h in _hoc(spec):
        if h.method == "two_stage":
            cons = [c for c in cons if c.code != h.code]
            paths = _rewired(paths, h)
        else:
            _repeated(spec, h, cons, paths, cols)
    return _flat(spec, cons, paths, f"{spec.name} (stage 1)"), cols


def flat(spec: ModelSpec) -> tuple[ModelSpec, list[Column]]:
    """The model to estimate (stage 2 when there are two stages) and its derived columns."""
    check_dimensions(spec)
    cons = list(spec.constructs)
    paths = list(spec.paths)
    cols: list[Column] = []
    for h in _hoc(spec):
        if h.method == "repeated":
            _repeated(spec, h, cons, paths, cols)
        else:
            cons = [c for c in cons if c.code not in h.dimensions]
            cols += [Column(d, "score", (d,)) for d in h.dimensions]
            _set_items(cons, h.code, h.dimensions, h.mode)
    for t in _ints(spec):
        cols += _interaction_columns(spec, t)
        _set_items(cons, t.code, tuple(c.name for c in cols if c.name.startswith(f"{t.code}:")) or (f"{t.code}_intxn",), "A")
    return _flat(spec, cons, paths, spec.name), cols


def _interaction_columns(spec: ModelSpec, t: Interaction) -> list[Column]:
    if t.method == "two_stage":
        return [Column(f"{t.code}_intxn", "score_product", (t.iv, t.moderator))]
    xi, mi = spec.construct(t.iv).items, spec.construct(t.moderator).items
    basis = (*xi, *mi) if not t.quadratic else xi
    return [Column(f"{t.code}:{a}*{b}", t.method if t.method == "orthogonal" else "product", (a, b), basis)
            for a in xi for b in mi]


def _flat(spec: ModelSpec, cons: list[Construct], paths: list[Path], name: str) -> ModelSpec:
    """A transform-free ModelSpec in topological order."""
    order = _topo([c.code for c in cons], paths)
    by = {c.code: c for c in cons}
    keep = set(order)
    roles = tuple((k, v) for k, v in spec.roles if v in keep or any(v in c.items for c in cons))
    return replace(spec, name=name, constructs=tuple(by[c] for c in order), paths=tuple(paths), roles=roles, transforms=())


def _topo(codes: list[str], paths: list[Path]) -> list[str]:
    order = kahn_order(codes, paths)
    if len(order) < len(codes):
        raise SpecError(f"the expanded model has a cycle among {', '.join(c for c in codes if c not in order)}")
    return order
