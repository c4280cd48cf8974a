"""The wording of data problems: numbers, row lists, values seen, "did you mean", one message.

Every check of the data layer phrases what it found with these helpers, so a problem reads the
same wherever it is raised:

* numbers as ``%g`` (``98``, ``2.5``);
* rows as the first five file rows, then ``…`` (``row(s) 4, 9, 12, …``), numbered from
  ``base`` (the file row of the table's first data row);
* values seen as the five most frequent, with ``×count`` and any value label
  (``99 ('refused') ×3, 'abc' and 2 other value(s)``);
* close names by :func:`difflib.get_close_matches` (cutoff 0.6), else a case-insensitive match;
* all problems as one message that starts with the file name (one line for one problem, a
  bulleted list for several).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def num(v: float) -> str:
    return f"{v:g}"


def rows(mask: np.ndarray, base: int, limit: int = 5) -> str:
    """The file rows of ``mask``'s True entries (the first ``limit``, then ``…``)."""
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(int(i) + base) for i in idx[:limit])
    return shown + (", …" if idx.size > limit else "")


def values_seen(values: Sequence[Any], labels: Mapping[Any, str] | None = None, limit: int = 5) -> str:
    """The most frequent values (with counts and value labels), for a problem message."""
    counts: dict[Any, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
    parts = []
    for v, c in top:
        shown = num(float(v)) if isinstance(v, (int, float, np.integer, np.floating)) else repr(str(v)[:30])
        if labels and v in labels:
            shown += f" ({labels[v]!r})"
        parts.append(shown if c == 1 else f"{shown} ×{c}")
    more = len(counts) - len(top)
    return ", ".join(parts) + (f" and {more} other value(s)" if more > 0 else "")


def close(name: str, options: Sequence[str]) -> str:
    """`` (did you mean X?)`` for a name close to one of ``options``, else ``""``."""
    found = difflib.get_close_matches(name, list(options), n=2, cutoff=0.6)
    if not found:
        low = {o.lower(): o for o in options}
        if name.lower() in low:
            found = [low[name.lower()]]
    return f" (did you mean {' or '.join(found)}?)" if found else ""


def problems_message(where: str, problems: Sequence[str]) -> str:
    """All problems as one message, ``where`` (the file) first."""
    if len(problems) == 1:
        return f"{where}: {problems[0]}"
    return f"{where}: {len(problems)} problems\n" + "\n".join(f"  - {p}" for p in problems)
