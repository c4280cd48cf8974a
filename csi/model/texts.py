"""Question texts and the report language of a model file.

Two optional top-level keys of the model YAML::

    lang: zh                      # default language of charts and tables (en, zh, de)
    items:                        # question text of each item, shown on charts and in Excel
      PERQ1: "Overall quality"
      PERQ2: "Reliability of the service"

Construct texts are the constructs' ``label``.  Every item named must belong to a construct
of the model, and every text must be a non-empty string; problems are SpecErrors naming the
file and line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from csi.errors import SpecError

TEXT_KEYS = frozenset({"items", "lang"})
LANG_CODES = ("en", "zh", "de")


def parse_item_texts(loc: Any, items: Sequence[str], where: str) -> tuple[tuple[str, str], ...]:
    """``items:`` → ((item, text), …) in the order written; unknown items and empty texts are errors."""
    if not isinstance(loc.value, Mapping):
        raise SpecError(f"{where} line {loc.line}: 'items' should map item codes to question texts (PERQ1: \"Overall quality\")")
    known = set(items)
    out = []
    for item, text in loc.value.items():
        if str(item) not in known:
            raise SpecError(f"{where} line {text.line}: items: {item!r} is not an item of any construct; items are {', '.join(items)}")
        if not isinstance(text.value, (str, int, float)) or not str(text.value).strip():
            raise SpecError(f"{where} line {text.line}: items: the text of {item} should be a non-empty string")
        out.append((str(item), str(text.value).strip()))
    return tuple(out)


def parse_lang(loc: Any, where: str) -> str:
    """``lang:`` — one of the report languages."""
    code = str(loc.value).strip().lower()
    if code not in LANG_CODES:
        raise SpecError(f"{where} line {loc.line}: lang should be one of {', '.join(LANG_CODES)}; got {loc.value!r}")
    return code


def texts_to_dict(item_texts: Sequence[tuple[str, str]], lang: str) -> dict[str, Any]:
    """The YAML keys for ``ModelSpec.to_dict`` (nothing when the model has none)."""
    out: dict[str, Any] = {}
    if lang:
        out["lang"] = lang
    if item_texts:
        out["items"] = dict(item_texts)
    return out
