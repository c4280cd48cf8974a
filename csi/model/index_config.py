"""The ``index:`` section of a model file: importance/factor weights and fuzzy grades for the index methods.

```yaml
index:
  weights: {CUSA1: 2, CUSA2: 1, CUSA3: 1}     # mean: importance weights; fuzzy: factor weights A
  grades:                                     # fuzzy grades (default: the scale points)
    - {name: poor, min: 1, max: 4, value: 20}
    - {name: fair, min: 5, max: 7, value: 60}
    - {name: good, min: 8, max: 10, value: 90}
```

Weights are normalized within each construct by the index method; a construct with no weights
given weighs its items equally, and within a construct that has some, an item without one counts 0.  Grades are closed ranges of answers, in increasing order, not overlapping, each with a value on
0–100.  Every error names the file and line.  (The located nodes are ``csi.model.spec``'s: any object
with ``value`` and ``line``.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from csi.errors import SpecError


@dataclass(frozen=True)
class IndexConfig:
    weights: tuple[tuple[str, float], ...] = ()
    grades: tuple[tuple[str, float, float, float], ...] = ()  # (name, min, max, value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.weights:
            out["weights"] = dict(self.weights)
        if self.grades:
            out["grades"] = [{"name": n, "min": a, "max": b, "value": v} for n, a, b, v in self.grades]
        return out


def _number(loc: Any, what: str, where: str) -> float:
    v = loc.value
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise SpecError(f"{where} line {loc.line}: {what} should be a number; got {v!r}")
    return float(v)


def parse_index_section(loc: Any, items: set[str], where: str) -> IndexConfig:
    """``index:`` → :class:`IndexConfig` (``items``: the model's items, for the weights' keys)."""
    if not isinstance(loc.value, dict):
        raise SpecError(f"{where} line {loc.line}: 'index' should be a mapping with 'weights' and/or 'grades'")
    unknown = [k for k in loc.value if k not in ("weights", "grades")]
    if unknown:
        raise SpecError(f"{where} line {loc.value[unknown[0]].line}: unknown key {unknown[0]!r} in 'index'; expected weights, grades")
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
    return IndexConfig(tuple(weights), tuple(grades))
