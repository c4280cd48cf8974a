"""Gap models: expectation/perception item pairs grouped in dimensions (SERVQUAL and any user model).

A gap model is a YAML file::

    name: my-gaps
    scale: {min: 1, max: 7}
    dimensions:
      REL:
        label: Reliability
        pairs: {P5: E5, P6: E6}      # perception item: expectation item
        importance: W_REL            # optional: the column of 100-point importance allocations

The built-in ``servqual`` (``csi/model/models/gaps/servqual.yaml``) is the 22-item, five-dimension
instrument (tangibles 4, reliability 5, responsiveness 4, assurance 4, empathy 5).  Errors name the
file and line.  :func:`simulate` is the recorded generator of surveys with planted gaps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from csi.errors import SpecError

GAPS_DIR = Path(__file__).parent / "models" / "gaps"


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    pairs: tuple[tuple[str, str], ...]  # (perception, expectation)
    importance: str | None = None


@dataclass(frozen=True)
class GapModel:
    name: str
    label: str
    scale_min: float
    scale_max: float
    dimensions: tuple[Dimension, ...]
    source: str = ""

    @property
    def columns(self) -> list[str]:
        return [c for d in self.dimensions for p in d.pairs for c in p]

    @property
    def importance(self) -> list[str] | None:
        cols = [d.importance for d in self.dimensions]
        return [c for c in cols if c is not None] if all(c is not None for c in cols) else None


def builtin_gap_models() -> dict[str, Path]:
    return {p.stem: p for p in sorted(GAPS_DIR.glob("*.yaml"))}


def load_gap_model(model: str | Path) -> GapModel:
    """The built-in ``servqual`` by name, or a gap-model YAML file."""
    key = str(model)
    builtins = builtin_gap_models()
    if key.lower() in builtins:
        return parse_gap_yaml(builtins[key.lower()].read_text(encoding="utf-8"), f"built-in gap model {key.lower()}")
    path = Path(key)
    if not path.exists():
        raise SpecError(f"--model should be one of {', '.join(builtins)} or a gap-model YAML file; got {key!r}")
    return parse_gap_yaml(path.read_text(encoding="utf-8"), str(path))


def _map(node: yaml.Node, where: str, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise SpecError(f"{where} line {node.start_mark.line + 1}: {what} should be a mapping")
    return list(node.value)


def parse_gap_yaml(text: str, where: str) -> GapModel:
    """Parse a gap model; every error names ``where`` and the line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise SpecError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if root is None:
        raise SpecError(f"{where}: empty gap model")
    top = {k.value: v for k, v in _map(root, where, "a gap model")}
    unknown = sorted(set(top) - {"name", "label", "reference", "scale", "dimensions"})
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r}; expected name, label, reference, scale, dimensions")
    if "dimensions" not in top:
        raise SpecError(f"{where}: no 'dimensions' section")
    lo, hi = 1.0, 7.0
    if "scale" in top:
        sc = {k.value: v.value for k, v in _map(top["scale"], where, "scale")}
        try:
            lo, hi = float(sc["min"]), float(sc["max"])
        except (KeyError, ValueError):
            raise SpecError(f"{where} line {top['scale'].start_mark.line + 1}: scale should be {{min: 1, max: 7}}") from None
        if hi <= lo:
            raise SpecError(f"{where} line {top['scale'].start_mark.line + 1}: scale max should exceed min")
    dims: list[Dimension] = []
    seen: dict[str, int] = {}
    for k, v in _map(top["dimensions"], where, "dimensions"):
        body = {a.value: b for a, b in _map(v, where, f"dimension {k.value}")}
        if "pairs" not in body:
            raise SpecError(f"{where} line {k.start_mark.line + 1}: dimension {k.value} has no 'pairs'")
        pairs = []
        for p, e in _map(body["pairs"], where, f"pairs of {k.value}"):
            for item in (p.value, e.value):
                if item in seen:
                    raise SpecError(f"{where} line {p.start_mark.line + 1}: item {item} is used twice (also line {seen[item]})")
                seen[item] = p.start_mark.line + 1
            pairs.append((str(p.value), str(e.value)))
        if not pairs:
            raise SpecError(f"{where} line {k.start_mark.line + 1}: dimension {k.value} has no pairs")
        imp = body.get("importance")
        dims.append(Dimension(str(k.value), str(body["label"].value) if "label" in body else str(k.value), tuple(pairs),
                              None if imp is None else str(imp.value)))
    if not dims:
        raise SpecError(f"{where}: no dimensions")
    name = str(top["name"].value) if "name" in top else Path(where).stem
    return GapModel(name, str(top["label"].value) if "label" in top else name, lo, hi, tuple(dims), where)


def simulate(model: GapModel, n: int, gaps: Mapping[str, float], seed: int = 1, expectation: float = 5.0,
             sd: float = 0.9, segments: Mapping[str, float] | None = None) -> pd.DataFrame:
    """A survey with planted gaps (the recorded generator of the tests and docs).

    Respondent ``r``: expectation ``E_ri = round(clip(e + a_r + ε))`` and perception
    ``P_ri = round(clip(e + a_r + gap_d + s_seg + δ))`` with ``a_r ~ N(0, 0.5²)`` (respondent
    level), ``ε, δ ~ N(0, sd²)``, ``gap_d`` the planted gap of the item's dimension and ``s_seg``
    an optional shift per segment (column ``segment``).  Importance: 100 points drawn from a
    Dirichlet(2, …) over the dimensions, rounded to whole points (the last takes the remainder).
    """
    rng = np.random.default_rng(seed)
    lo, hi = model.scale_min, model.scale_max
    a = rng.normal(0, 0.5, n)
    seg_names = list(segments or {})
    seg = rng.integers(0, len(seg_names), n) if seg_names else None
    shift = np.zeros(n) if seg is None else np.array([segments[s] for s in seg_names])[seg]  # type: ignore[index]
    cols: dict[str, np.ndarray] = {}
    for d in model.dimensions:
        for p, e in d.pairs:
            cols[e] = np.clip(np.round(expectation + a + rng.normal(0, sd, n)), lo, hi)
            cols[p] = np.clip(np.round(expectation + a + gaps.get(d.code, 0.0) + shift + rng.normal(0, sd, n)), lo, hi)
    imp = model.importance
    if imp:
        w = np.round(rng.dirichlet(np.full(len(imp), 2.0), n) * 100)
        w[:, -1] = np.maximum(0, 100 - w[:, :-1].sum(axis=1))
        for j, c in enumerate(imp):
            cols[c] = w[:, j]
    out = pd.DataFrame(cols)
    if seg is not None:
        out["segment"] = np.array(seg_names)[seg]
    return out
