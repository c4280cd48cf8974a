"""The only JSON writer: results.json, scores.json (and any JSON-able dict), written atomically.

The documents are built by :mod:`csi.results.contract` (schema_version 2; JSON Schemas in
``csi/results/schema/``); this module only writes them.  NaN and infinities become ``null``;
numbers are written in full precision (no rounding: downstream tools compare them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csi._io import atomic_write
from csi.results.contract import clean, dumps

if TYPE_CHECKING:
    from csi.results.types import FitResults


def write_json(data: dict[str, Any] | FitResults, path: str | Path) -> Path:
    """Write results (or any JSON-able dict) atomically."""
    text = json.dumps(clean(data), indent=2, ensure_ascii=False, allow_nan=False) if isinstance(data, dict) else dumps(data)

    def _w(tmp: Path) -> None:
        tmp.write_text(text + "\n", encoding="utf-8")

    return atomic_write(path, _w)
