"""Model specifications: frozen, validated, loaded from YAML and written back.

A specification is data: constructs (code, label, items, measurement mode), directed paths,
the response scale and optional item roles.  Built-in models live in ``csi/models/*.yaml``
(``models/`` at the top of the repository links there).

YAML layout (paths may fan out, SEMinR style: ``IMAG -> CUEX, CUSA``)::

    name: ecsi
    label: European Customer Satisfaction Index
    scale: {min: 1, max: 10}
    constructs:
      IMAG: {label: Image, items: [IMAG1, IMAG2], mode: A}
    paths:
      - IMAG -> CUEX, CUSA
    roles: {recommend: CUSL3, satisfaction: CUSA, loyalty: CUSL}
    tiers: [nps, "quadrants:80", bands]   # optional default tier schemes (csi.model.tiers syntax)

YAML is read with ``yaml.SafeLoader`` only (no arbitrary objects), and every error names the
file and line.  Each top-level section has its own parser (``_parse_constructs``,
``_parse_paths``, ``_parse_scale``, ``_parse_roles``, ``_parse_missing_codes``, ``_tiers``);
``ModelSpec.to_lavaan`` is written by ``csi.model.lavaan``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path as FsPath
from typing import Any

import yaml

from csi.errors import SpecError
from csi.model.index_config import IndexConfig, parse_index_section
from csi.model.lavaan import describe
from csi.model.texts import TEXT_KEYS, parse_item_texts, parse_lang, texts_to_dict
from csi.model.transforms import Transform, plain, transform_sections

MODES = {"A": "reflective composite (correlation weights)", "B": "formative composite (regression weights)"}
BUILTIN_DIR = FsPath(__file__).parent / "models"
_CODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
ROLE_KEYS = ("recommend", "satisfaction", "loyalty", "complaints")


@dataclass(frozen=True)
class Construct:
    """One construct: a code (``CUSA``), a display label, its items and mode ``A`` or ``B``."""

    code: str
    label: str
    items: tuple[str, ...]
    mode: str = "A"
    #: ``composite: true`` in the YAML: under ``--method plsc`` a mode-A construct kept as a
    #: composite (not corrected for attenuation); ignored by plain PLS.
    composite: bool = False


@dataclass(frozen=True)
class Path:
    """A directed structural path ``source -> target``."""

    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}"


@dataclass(frozen=True)
class ModelSpec:
    """A validated model: constructs in a topological order, paths, scale and roles."""

    name: str
    constructs: tuple[Construct, ...]
    paths: tuple[Path, ...]
    label: str = ""
    scale_min: float = 1.0
    scale_max: float = 10.0
    roles: tuple[tuple[str, str], ...] = ()
    missing_codes: tuple[float, ...] = ()
    reference: str = ""
    source: str = field(default="", compare=False)
    tiers: tuple[str, ...] = ()  # default loyalty-tier schemes (csi.model.tiers syntax)
    item_texts: tuple[tuple[str, str], ...] = ()  # question text per item (csi.model.texts)
    lang: str = ""  # default report language (csi.model.texts)
    #: higher-order constructs and interaction terms (csi.model.transforms); their codes are
    #: constructs with no items until csi.model.expand flattens the model
    transforms: tuple[Transform, ...] = ()
    index: IndexConfig | None = None  # weights and grades of the index methods (csi.model.index_config)

    # -- convenient views -------------------------------------------------------------
    # the views are computed once per (immutable) spec: a fit reads them thousands of times
    @functools.cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.constructs)

    @functools.cached_property
    def items(self) -> tuple[str, ...]:
        return tuple(i for c in self.constructs for i in c.items)

    def construct(self, code: str) -> Construct:
        for c in self.constructs:
            if c.code == code:
                return c
        raise SpecError(f"model {self.name}: no construct {code!r}; constructs are {', '.join(self.codes)}")

    def item_construct(self) -> dict[str, str]:
        return dict(self._item_construct)

    @functools.cached_property
    def _item_construct(self) -> dict[str, str]:
        return {i: c.code for c in self.constructs for i in c.items}

    def predecessors(self, code: str) -> tuple[str, ...]:
        return tuple(p.source for p in self.paths if p.target == code)

    def successors(self, code: str) -> tuple[str, ...]:
        return tuple(p.target for p in self.paths if p.source == code)

    @property
    def endogenous(self) -> tuple[str, ...]:
        return tuple(c for c in self.codes if self.predecessors(c))

    def role(self, key: str) -> str | None:
        return dict(self.roles).get(key)

    def restricted(self, codes: Iterable[str], name: str | None = None) -> ModelSpec:
        """The sub-model on ``codes``: their constructs and the paths among them."""
        keep = set(codes)
        return replace(
            self,
            name=name or self.name,
            constructs=tuple(c for c in self.constructs if c.code in keep),
            paths=tuple(p for p in self.paths if p.source in keep and p.target in keep),
            roles=tuple((k, v) for k, v in self.roles if v in keep or v in {i for c in self.constructs if c.code in keep for i in c.items}),
        )

    def with_items(self, mapping: Mapping[str, str]) -> ModelSpec:
        """Rename items (``old -> new``), e.g. after a column map."""
        cons = tuple(replace(c, items=tuple(mapping.get(i, i) for i in c.items)) for c in self.constructs)
        roles = tuple((k, mapping.get(v, v)) for k, v in self.roles)
        index = None if self.index is None else replace(
            self.index, weights=tuple((mapping.get(i, i), w) for i, w in self.index.weights),
            importance=tuple((mapping.get(i, i), c) for i, c in self.index.importance),
            importance_weights=tuple((mapping.get(i, i), w) for i, w in self.index.importance_weights))
        return replace(self, constructs=cons, roles=roles, index=index)

    # -- serialisation ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.label:
            out["label"] = self.label
        if self.reference:
            out["reference"] = self.reference
        out["scale"] = {"min": _num(self.scale_min), "max": _num(self.scale_max)}
        made = {t.code for t in self.transforms}
        out["constructs"] = {
            c.code: {"label": c.label, "items": list(c.items), "mode": c.mode, **({"composite": True} if c.composite else {})}
            for c in self.constructs if c.code not in made
        }
        out.update(transform_sections(self.transforms))
        out["paths"] = [f"{p.source} -> {p.target}" for p in self.paths]
        if self.roles:
            out["roles"] = dict(self.roles)
        if self.missing_codes:
            out["missing_codes"] = [_num(v) for v in self.missing_codes]
        if self.tiers:
            out["tiers"] = list(self.tiers)
        out.update(texts_to_dict(self.item_texts, self.lang))
        if self.index is not None:
            out["index"] = self.index.to_dict()
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def to_lavaan(self) -> str:
        """lavaan/semopy syntax: ``=~`` measurement lines, ``~`` structural lines (no identification constraints)."""
        return describe(self, identify=False)


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else float(v)


# ---------------------------------------------------------------------------------------
# YAML with line numbers
# ---------------------------------------------------------------------------------------
class _Located:
    """A plain Python value with the 1-based line it came from."""

    __slots__ = ("value", "line")

    def __init__(self, value: Any, line: int) -> None:
        self.value = value
        self.line = line


_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + t for t in ("map", "seq", "str", "int", "float", "bool", "null")
}


def _walk(node: yaml.Node) -> _Located:
    line = node.start_mark.line + 1
    if node.tag not in _STANDARD_TAGS:
        raise SpecError(f"line {line}: YAML tag {node.tag!r} is not allowed in a model file (plain data only)")
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Located] = {}
        for k, v in node.value:
            out[str(k.value)] = _walk(v)
            out[str(k.value)].line = min(out[str(k.value)].line, k.start_mark.line + 1)
        return _Located(out, line)
    if isinstance(node, yaml.SequenceNode):
        return _Located([_walk(v) for v in node.value], line)
    # Scalars: the safe constructor resolves 1 to int, 1.5 to float, yes to bool, ~ to None
    value = yaml.SafeLoader("").construct_object(node, deep=True)
    return _Located(value, line)


def parse_yaml(text: str, where: str) -> ModelSpec:
    """Parse a model from YAML text; ``where`` names the source in messages."""
    from csi.model.yamlsafe import compose_safe

    node = compose_safe(text, where)  # bounded: no aliases, no duplicate keys, finite numbers
    if node is None or not isinstance(node, yaml.MappingNode):
        raise SpecError(f"{where}: expected a mapping with 'constructs' and 'paths'; found {'nothing' if node is None else 'a ' + type(node).__name__.replace('Node', '').lower()}")
    try:
        root = _walk(node)
    except SpecError as exc:
        raise SpecError(f"{where} {exc}") from None
    return _build(root, where)


def _err(where: str, loc: _Located | None, msg: str) -> SpecError:
    at = f" line {loc.line}" if loc is not None else ""
    return SpecError(f"{where}{at}: {msg}")


_TOP_KEYS = frozenset({"name", "label", "reference", "scale", "constructs", "paths", "roles", "missing_codes", "tiers",
                       "higher_order", "interactions", "index"}) | TEXT_KEYS
_CONSTRUCT_KEYS = ("label", "items", "mode", "composite")
_SCALE_TEXT = re.compile(r"^\s*-?\d+(\.\d+)?\s*-\s*-?\d+(\.\d+)?\s*$")


def _build(root: _Located, where: str) -> ModelSpec:
    """The ModelSpec of a parsed file, each section checked by its own parser.

    The sections are checked in a fixed order (keys, constructs, paths, cycles, scale, roles,
    missing_codes, tiers), whatever their order in the file: it decides which error a file with
    several problems reports.
    """
    top: dict[str, _Located] = root.value
    _check_top_keys(top, where)
    name = str(top["name"].value) if "name" in top else FsPath(where).stem
    constructs = _parse_constructs(top.get("constructs"), root, where)
    transforms, constructs = _with_transforms(top, constructs, where)
    paths, path_lines = _parse_paths(top.get("paths"), constructs, root, where)
    order = _topological(constructs, paths, where, path_lines)
    scale_min, scale_max = _parse_scale(top["scale"], where) if "scale" in top else (1.0, 10.0)
    roles = _parse_roles(top["roles"], constructs, where) if "roles" in top else ()
    missing = _parse_missing_codes(top["missing_codes"], where) if "missing_codes" in top else ()
    tiers = _tiers(top["tiers"], where) if "tiers" in top else ()
    by_code = {c.code: c for c in constructs}
    return ModelSpec(
        name=name,
        label=str(top["label"].value) if "label" in top else name.upper(),
        reference=str(top["reference"].value) if "reference" in top else "",
        constructs=tuple(by_code[c] for c in order),
        paths=tuple(paths),
        scale_min=scale_min,
        scale_max=scale_max,
        roles=roles,
        missing_codes=missing,
        source=where,
        tiers=tiers,
        item_texts=parse_item_texts(top["items"], [i for c in constructs for i in c.items], where) if "items" in top else (),
        lang=parse_lang(top["lang"], where) if "lang" in top else "",
        transforms=transforms,
        index=parse_index_section(top["index"], {i for c in constructs for i in c.items}, where,
                                  {c.code: c.items for c in constructs}) if "index" in top else None,
    )


def _with_transforms(top: dict[str, _Located], constructs: list[Construct], where: str) -> tuple[tuple[Transform, ...], list[Construct]]:
    """``higher_order:`` and ``interactions:`` (csi.model.transforms); their codes join the constructs, with no items."""
    from csi.model.transforms import check_transforms, parse_higher_order, parse_interactions

    found: list[Transform] = []
    lines: dict[str, int] = {}
    for key, parse in (("higher_order", parse_higher_order), ("interactions", parse_interactions)):
        if key in top:
            for t in parse(top[key], where):  # type: ignore[operator]
                if t.code in lines:
                    raise _err(where, top[key], f"{t.code} is defined twice (first on line {lines[t.code]})")
                lines[t.code] = top[key].value[t.code].line
                found.append(t)
    check_transforms(found, {c.code: c.mode for c in constructs}, lines, where)
    extra = [Construct(t.code, t.label or t.code, (), getattr(t, "mode", "A")) for t in found]
    return tuple(found), constructs + extra


def _check_top_keys(top: dict[str, _Located], where: str) -> None:
    """Every top-level key is one of ``_TOP_KEYS``."""
    for k, v in top.items():
        if k not in _TOP_KEYS:
            raise _err(where, v, f"unknown key {k!r}; expected one of {', '.join(sorted(_TOP_KEYS))}")


def _parse_constructs(cons_loc: _Located | None, root: _Located, where: str) -> list[Construct]:
    """``constructs:`` — code → {label, items, mode} (or code → [items]); an item in one construct only."""
    if cons_loc is None:
        raise _err(where, root, "no 'constructs' section")
    if not isinstance(cons_loc.value, dict) or not cons_loc.value:
        raise _err(where, cons_loc, "'constructs' should map construct codes to {label, items, mode}")
    seen_items: dict[str, tuple[str, int]] = {}
    return [_parse_construct(code, cl, seen_items, where) for code, cl in cons_loc.value.items()]


def _parse_construct(code: str, cl: _Located, seen_items: dict[str, tuple[str, int]], where: str) -> Construct:
    """One construct entry; ``seen_items`` (item → construct, line) is updated with its items."""
    if not _CODE.match(code):
        raise _err(where, cl, f"construct code {code!r} should be letters, digits or _ (starting with a letter)")
    if isinstance(cl.value, list):  # shorthand: CODE: [items]
        body: dict[str, _Located] = {"items": cl}
    elif isinstance(cl.value, dict):
        body = cl.value
    else:
        raise _err(where, cl, f"construct {code}: expected {{label, items, mode}}; found {cl.value!r}")
    for k, v in body.items():
        if k not in _CONSTRUCT_KEYS:
            raise _err(where, v, f"construct {code}: unknown key {k!r}; expected label, items, mode, composite")
    items = _parse_items(code, body.get("items"), cl, seen_items, where)
    mode_loc = body.get("mode")
    mode = str(mode_loc.value).upper() if mode_loc is not None else "A"
    if mode not in MODES:
        raise _err(where, mode_loc, f"construct {code}: mode should be one of {', '.join(MODES)}; got {mode_loc.value!r}")  # type: ignore[union-attr]
    label = str(body["label"].value) if "label" in body else code
    comp_loc = body.get("composite")
    if comp_loc is not None and not isinstance(comp_loc.value, bool):
        raise _err(where, comp_loc, f"construct {code}: composite should be true or false; got {comp_loc.value!r}")
    return Construct(code, label, items, mode, bool(comp_loc.value) if comp_loc is not None else False)


def _parse_items(
    code: str, items_loc: _Located | None, cl: _Located, seen_items: dict[str, tuple[str, int]], where: str
) -> tuple[str, ...]:
    """A construct's ``items:`` list: non-empty, no item already in another construct."""
    if items_loc is None or not isinstance(items_loc.value, list) or not items_loc.value:
        raise _err(where, items_loc or cl, f"construct {code} has no items")
    items: list[str] = []
    for il in items_loc.value:
        item = str(il.value)
        if item in seen_items:
            other, line = seen_items[item]
            raise _err(where, il, f"item {item} is in two constructs: {other} (line {line}) and {code}")
        seen_items[item] = (code, il.line)
        items.append(item)
    return tuple(items)


def _parse_paths(
    paths_loc: _Located | None, constructs: list[Construct], root: _Located, where: str
) -> tuple[list[Path], dict[tuple[str, str], int]]:
    """``paths:`` — lines ``SOURCE[, SOURCE…] -> TARGET[, TARGET…]``; the paths and each one's line."""
    codes = {c.code for c in constructs}
    paths: list[Path] = []
    path_lines: dict[tuple[str, str], int] = {}
    if paths_loc is not None and paths_loc.value is not None:
        if not isinstance(paths_loc.value, list):
            raise _err(where, paths_loc, "'paths' should be a list like '- IMAG -> CUEX, CUSA'")
        for pl in paths_loc.value:
            paths += _parse_path_line(pl, codes, path_lines, where)
    if not paths and len(constructs) > 1:
        raise _err(where, paths_loc or root, "no paths: a structural model needs at least one 'SOURCE -> TARGET'")
    return paths, path_lines


def _parse_path_line(pl: _Located, codes: set[str], path_lines: dict[tuple[str, str], int], where: str) -> list[Path]:
    """The paths of one (possibly fanned-out) line; ``path_lines`` records each one's line."""
    text = str(pl.value)
    if "->" not in text:
        raise _err(where, pl, f"path {text!r} should look like 'SOURCE -> TARGET[, TARGET...]'")
    left, right = (s.strip() for s in text.split("->", 1))
    sources = [s.strip() for s in left.split(",") if s.strip()]
    targets = [t.strip() for t in right.split(",") if t.strip()]
    if not sources or not targets:
        raise _err(where, pl, f"path {text!r} needs a source and a target")
    out: list[Path] = []
    for s in sources:
        for t in targets:
            for end in (s, t):
                if end not in codes:
                    raise _err(where, pl, f"path {s} -> {t}: unknown construct {end!r}; constructs are {', '.join(sorted(codes))}")
            if s == t:
                raise _err(where, pl, f"path {s} -> {t} points a construct at itself")
            if (s, t) in path_lines:
                raise _err(where, pl, f"path {s} -> {t} is given twice (first on line {path_lines[(s, t)]})")
            path_lines[(s, t)] = pl.line
            out.append(Path(s, t))
    return out


def _parse_scale(sl: _Located, where: str) -> tuple[float, float]:
    """``scale:`` — ``{min: 1, max: 10}`` or the text ``"1-10"``; min below max."""
    sv = plain(sl)
    if isinstance(sv, str) and _SCALE_TEXT.match(sv):
        lo, hi = re.findall(r"-?\d+(?:\.\d+)?", sv)[:2]
        sv = {"min": float(lo), "max": float(hi)}
    if not isinstance(sv, dict) or "min" not in sv or "max" not in sv:
        raise _err(where, sl, f"scale should be {{min: 1, max: 10}}; got {sv!r}")
    try:
        scale_min, scale_max = float(sv["min"]), float(sv["max"])
    except (TypeError, ValueError):
        raise _err(where, sl, f"scale min and max should be numbers; got {sv!r}") from None
    if not scale_min < scale_max:
        raise _err(where, sl, f"scale min ({_num(scale_min)}) should be below max ({_num(scale_max)})")
    return scale_min, scale_max


def _parse_roles(rl: _Located, constructs: list[Construct], where: str) -> tuple[tuple[str, str], ...]:
    """``roles:`` — role → an item or a construct of this model."""
    if not isinstance(rl.value, dict):
        raise _err(where, rl, "roles should map a role (recommend, satisfaction, loyalty) to an item or construct")
    codes = {c.code for c in constructs}
    all_items = {i for c in constructs for i in c.items}
    roles: list[tuple[str, str]] = []
    for k, v in rl.value.items():
        target = str(v.value)
        if target not in all_items and target not in codes:
            raise _err(where, v, f"role {k}: {target!r} is neither an item nor a construct of this model")
        roles.append((k, target))
    return tuple(roles)


def _parse_missing_codes(ml: _Located, where: str) -> tuple[float, ...]:
    """``missing_codes:`` — a list of numbers (booleans are not numbers here)."""
    vals = plain(ml)
    if not isinstance(vals, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vals):
        raise _err(where, ml, f"missing_codes should be a list of numbers; got {vals!r}")
    return tuple(float(x) for x in vals)


def _tiers(tl: _Located, where: str) -> tuple[str, ...]:
    """``tiers:`` — a list of scheme strings (or one comma-separated string), checked by csi.model.tiers."""
    from csi.errors import CsiError
    from csi.model.tiers import parse_scheme

    if isinstance(tl.value, str):
        locs = [_Located(t.strip(), tl.line) for t in tl.value.split(",") if t.strip()]
    elif isinstance(tl.value, list) and all(isinstance(x.value, str) for x in tl.value):
        locs = tl.value
    else:
        raise _err(where, tl, f"tiers should be a list of schemes like [nps, \"quadrants:80\", bands]; got {plain(tl)!r}")
    out: list[str] = []
    for loc in locs:
        try:
            out.append(parse_scheme(loc.value).text)
        except CsiError as exc:
            raise _err(where, loc, str(exc)) from None
    return tuple(out)


def kahn_order(codes: Sequence[str], paths: Sequence[Path]) -> list[str]:
    """Kahn's algorithm, stable in the given order: the codes a cycle does not hold up (all when acyclic)."""
    order: list[str] = []
    indeg = {c: 0 for c in codes}
    for p in paths:
        indeg[p.target] += 1
    ready = [c for c in codes if indeg[c] == 0]
    while ready:
        n = ready.pop(0)
        order.append(n)
        for p in paths:
            if p.source == n:
                indeg[p.target] -= 1
                if indeg[p.target] == 0:
                    ready.append(p.target)
    return order


def _topological(constructs: list[Construct], paths: list[Path], where: str, lines: dict[tuple[str, str], int]) -> list[str]:
    """The file's constructs in a topological order (:func:`kahn_order`); a cycle is an error naming it."""
    order = kahn_order([c.code for c in constructs], paths)
    if len(order) < len(constructs):
        left = [c.code for c in constructs if c.code not in order]
        cyc = [p for p in paths if p.source in left and p.target in left]
        first = min(cyc, key=lambda p: lines[(p.source, p.target)])
        raise SpecError(
            f"{where} line {lines[(first.source, first.target)]}: the paths form a cycle among "
            f"{', '.join(left)} (e.g. {first}); index models must be recursive"
        )
    return order


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------
def builtin_models() -> dict[str, FsPath]:
    return {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.yaml"))}


@functools.cache
def _builtin(path: FsPath, name: str) -> ModelSpec:
    """A built-in model, parsed once per process (ModelSpec is immutable all the way down)."""
    return parse_yaml(path.read_text(encoding="utf-8"), f"built-in model {name}")


def load_model(model: str | FsPath | ModelSpec) -> ModelSpec:
    """A built-in model by name (``scsb``, ``acsi``, ``ecsi``), or a YAML file path."""
    if isinstance(model, ModelSpec):
        return model
    builtins = builtin_models()
    key = str(model)
    if key.lower() in builtins:
        return _builtin(builtins[key.lower()], key.lower())
    path = FsPath(key)
    if path.suffix.lower() in {".yaml", ".yml"} or path.exists():
        if not path.exists():
            raise SpecError(f"model file {path} does not exist")
        from csi._io import read_limited

        try:
            raw = read_limited(path, f"--model {path}")  # a FIFO or /dev/zero is refused, not read
        except ValueError as exc:
            raise SpecError(str(exc)) from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SpecError(f"model file {path} is not UTF-8 text") from None
        return parse_yaml(text, str(path))
    raise SpecError(f"--model should be one of {', '.join(builtins)} or a path to a YAML file; got {key!r}")
