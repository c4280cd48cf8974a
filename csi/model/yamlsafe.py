"""Model and column-map YAML read defensively: bounded, plain data, no aliases, no duplicate keys.

A model file is a few KB of plain data.  Before the file's nodes are turned into values
(:func:`compose_safe`):

* the text is at most :data:`csi._io.SMALL_FILE_LIMIT` bytes, from a regular file (checked by
  :func:`csi._io.read_limited`: a FIFO, a folder or ``/dev/zero`` is refused, not read);
* anchors and aliases (``&a`` / ``*a``) are refused with their line: they are never needed in a
  model, and shared or self-referencing nodes are how a 600-byte "alias bomb" expands into
  billions of values or recursion without end;
* a key repeated in one mapping is refused with both lines (YAML would silently keep the last);
* at most :data:`MAX_NODES` nodes and :data:`MAX_DEPTH` levels of nesting;
* texts hold no control characters (named: ``U+0007 BEL``), which Excel cannot store;
* numbers are finite and at most :data:`MAX_ABS` in size (``.inf``, ``.nan`` and 400-digit
  integers are refused with their line, instead of an ``OverflowError`` or an index of 0.0 later).
"""

from __future__ import annotations

import math

import yaml

from csi._io import control_names
from csi.errors import SpecError

MAX_NODES = 100_000
MAX_DEPTH = 50
#: the largest number accepted in a model or map file (scale bounds, codes, cut-offs)
MAX_ABS = 1e12



def _events_check(text: str, where: str) -> None:
    """Refuse anchors and aliases before anything is composed (an alias bomb never expands)."""
    for ev in yaml.parse(text, Loader=yaml.SafeLoader):
        anchor = getattr(ev, "anchor", None)
        if isinstance(ev, yaml.AliasEvent) or anchor is not None:
            kind = "alias *" if isinstance(ev, yaml.AliasEvent) else "anchor &"
            line = ev.start_mark.line + 1 if ev.start_mark is not None else 0
            raise SpecError(
                f"{where} line {line}: YAML {kind}{anchor} is not allowed in a model or map file "
                "(write the values out; anchors and aliases can expand a small file without bound)"
            )


def _tree_check(root: yaml.Node, where: str) -> None:
    """Node count, depth, duplicate keys and number ranges, iteratively (no recursion limit)."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        line = node.start_mark.line + 1
        if count > MAX_NODES:
            raise SpecError(f"{where}: more than {MAX_NODES} YAML values; a model file is far smaller")
        if depth > MAX_DEPTH:
            raise SpecError(f"{where} line {line}: nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for k, v in node.value:
                key = str(k.value)
                if key in seen:
                    raise SpecError(
                        f"{where} line {k.start_mark.line + 1}: duplicate key {key!r} (first at line {seen[key]}); "
                        "YAML would silently keep only the last one"
                    )
                seen[key] = k.start_mark.line + 1
                stack.append((k, depth + 1))
                stack.append((v, depth + 1))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((v, depth + 1) for v in node.value)
        elif isinstance(node, yaml.ScalarNode) and node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            _number_check(node, where, line)
        elif isinstance(node, yaml.ScalarNode) and control_names(str(node.value)):
            raise SpecError(
                f"{where} line {line}: the text {str(node.value)[:40]!r} holds control character(s) "
                f"{', '.join(control_names(str(node.value)))}, which cannot be shown or stored in Excel; remove them"
            )


def _number_check(node: yaml.ScalarNode, where: str, line: int) -> None:
    text = str(node.value)
    if len(text) > 40:
        raise SpecError(f"{where} line {line}: number {text[:20]}… has {len(text)} characters; numbers must be at most {MAX_ABS:g} in size")
    try:
        value = float(yaml.SafeLoader("").construct_object(node))
    except (OverflowError, ValueError):
        value = math.inf
    if not math.isfinite(value) or abs(value) > MAX_ABS:
        raise SpecError(f"{where} line {line}: number {text} is not allowed; numbers must be finite and at most {MAX_ABS:g} in size")


def compose_safe(text: str, where: str) -> yaml.Node | None:
    """The YAML node tree of ``text`` after the checks of the module docs (``None`` for an empty file)."""
    try:
        _events_check(text, where)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{where}{at}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except RecursionError:
        raise SpecError(f"{where}: nested too deeply to be a model file") from None
    if node is not None:
        _tree_check(node, where)
    return node


def load_safe(text: str, where: str) -> object:
    """Plain Python data from ``text`` (checked as by :func:`compose_safe`)."""
    node = compose_safe(text, where)
    if node is None:
        return None
    return yaml.SafeLoader("").construct_document(node)
