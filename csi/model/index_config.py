"""The ``index:`` section of a model file: importance/factor weights and fuzzy grades for the index methods.

```yaml
index:
  weights: {CUSA1: 2, CUSA2: 1, CUSA3: 1}     # mean: importance weights; fuzzy: factor weights A
  importance:                                 # or: weights from importance items of the survey
    PERQ1: IMP_Q1                             #   per item: the column rating its importance
    CUEX: [IMP_X1, IMP_X2, IMP_X3]            #   per construct: one column per item, in item order
  grades:                                     # fuzzy grades (default: the scale points)
    - {name: poor, min: 1, max: 4, value: 20}
    - {name: fair, min: 5, max: 7, value: 60}
    - {name: good, min: 8, max: 10, value: 90}
```

Importance columns: the weight of an item is the mean importance rating in its column
(:func:`csi.derive.index_methods.importance_weights`; the survey reader keeps these columns).  A
construct takes its weights from ``weights`` or from ``importance``, not both.
Weights are normalized within each construct by the index method; a construct with no weights
given weighs its items equally, and within a construct that has some, an item without one counts 0.  Grades are closed ranges of answers, in increasing order, not overlapping, each with a value on
0–100.  Every error names the file and line.  (The located nodes are ``csi.model.spec``'s: any object
with ``value`` and ``line``.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from csi.errors import SpecError


@dataclass(frozen=True)
class IndexConfig:
    weights: tuple[tuple[str, float], ...] = ()
    grades: tuple[tuple[str, float, float, float], ...] = ()  # (name, min, max, value)
    #: (item, survey column) of the items weighed by an importance rating in the survey
    importance: tuple[tuple[str, str], ...] = ()
    #: the mean importance rating of each of those items, once a survey has been read
    #: (:func:`csi.derive.index_methods.with_importance`; not part of the model file)
    importance_weights: tuple[tuple[str, float], ...] = ()

    @property
    def item_weights(self) -> tuple[tuple[str, float], ...]:
        """The given weights and the importance weights of a survey (one construct has one kind)."""
        return self.weights + self.importance_weights

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.weights:
            out["weights"] = dict(self.weights)
        if self.importance:
            out["importance"] = dict(self.importance)
        if self.grades:
            out["grades"] = [{"name": n, "min": a, "max": b, "value": v} for n, a, b, v in self.grades]
        return out


def _number(loc: Any, what: str, where: str) -> float:
    v = loc.value
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise SpecError(f"{where} line {loc.line}: {what} should be a number; got {v!r}")
    return float(v)


def parse_index_section(loc: Any, items: set[str], where: str, blocks: Mapping[str, Sequence[str]] | None = None) -> IndexConfig:
    """``index:`` → :class:`IndexConfig` (``items``: the model's items, for the weights' keys;
    ``blocks``: construct → its items, for ``importance`` given per construct)."""
    if not isinstance(loc.value, dict):
        raise SpecError(f"{where} line {loc.line}: 'index' should be a mapping with 'weights', 'importance' and/or 'grades'")
    unknown = [k for k in loc.value if k not in ("weights", "importance", "grades")]
    if unknown:
        raise SpecError(f"{where} line {loc.value[unknown[0]].line}: unknown key {unknown[0]!r} in 'index'; "
                        "expected weights, importance, grades")
    weights: list[tuple[str, float]] = []
    if "weights" in loc.value:
        wl = loc.value["weights"]
        if not isinstance(wl.value, dict):
            raise SpecError(f"{where} line {wl.line}: index weights should be a mapping of item to weight")
        for item, v in wl.value.items():
            if item not in items:
                raise SpecError(f"{where} line {v.line}: index weight for {item!r}, which is not an item of the model")
            w = _number(v, f"the index weight of {item}", where)
            if w < 0:
                raise SpecError(f"{where} line {v.line}: the index weight of {item} is negative ({w:g}); weights should be 0 or more")
            weights.append((str(item), w))
    grades: list[tuple[str, float, float, float]] = []
    if "grades" in loc.value:
        gl = loc.value["grades"]
        if not isinstance(gl.value, list) or len(gl.value) < 2:
            raise SpecError(f"{where} line {gl.line}: index grades should be a list of at least two {{name, min, max, value}}")
        for g in gl.value:
            if not isinstance(g.value, dict) or set(g.value) != {"name", "min", "max", "value"}:
                raise SpecError(f"{where} line {g.line}: a grade should be {{name: ..., min: ..., max: ..., value: ...}}")
            lo, hi, val = (_number(g.value[k], f"grade {k}", where) for k in ("min", "max", "value"))
            if hi < lo or not 0 <= val <= 100:
                raise SpecError(f"{where} line {g.line}: grade {g.value['name'].value!r} needs min <= max and a value on 0-100")
            if grades and lo <= grades[-1][2]:
                raise SpecError(f"{where} line {g.line}: grade {g.value['name'].value!r} overlaps or precedes the grade before it")
            grades.append((str(g.value["name"].value), lo, hi, val))
    importance = _importance(loc.value["importance"], items, blocks or {}, where) if "importance" in loc.value else []
    of = {i: c for c, its in (blocks or {}).items() for i in its}
    both = sorted({of.get(i, i) for i, _ in weights} & {of.get(i, i) for i, _ in importance})
    if both:
        raise SpecError(f"{where} line {loc.value['importance'].line}: {', '.join(both)} given both index weights and "
                        "importance columns; give each construct one or the other")
    return IndexConfig(tuple(weights), tuple(grades), tuple(importance))


def _importance(il: Any, items: set[str], blocks: Mapping[str, Sequence[str]], where: str) -> list[tuple[str, str]]:
    """``importance:`` → (item, column) pairs: ``ITEM: COLUMN`` or ``CONSTRUCT: [COLUMN per item]``."""
    if not isinstance(il.value, dict):
        raise SpecError(f"{where} line {il.line}: index importance should map an item to its importance column, "
                        "or a construct to a list of columns (one per item)")
    out: list[tuple[str, str]] = []
    for key, v in il.value.items():
        if key in blocks and key not in items:
            its = list(blocks[key])
            if not isinstance(v.value, list) or len(v.value) != len(its) or not all(isinstance(c.value, str) for c in v.value):
                raise SpecError(f"{where} line {v.line}: the importance columns of construct {key} should be a list of "
                                f"{len(its)} column names, one per item ({', '.join(its)})")
            out += [(i, str(c.value)) for i, c in zip(its, v.value, strict=True)]
        elif key in items:
            if not isinstance(v.value, str) or not v.value.strip():
                raise SpecError(f"{where} line {v.line}: the importance column of {key} should be a column name; got {v.value!r}")
            out.append((str(key), v.value.strip()))
        else:
            raise SpecError(f"{where} line {v.line}: index importance for {key!r}, which is neither an item nor a construct of the model")
    dup = sorted({i for i, _ in out if sum(j == i for j, _ in out) > 1})
    if dup:
        raise SpecError(f"{where} line {il.line}: index importance names {', '.join(dup)} more than once")
    return out
