"""Column maps (``--map FILE``): survey column → item code, from YAML or CSV.

* YAML (``.yaml``/``.yml``): a mapping ``survey column: ITEM``; each value one item code.
* Anything else: delimited text with two columns (survey column, item code) and a header line;
  the delimiter (``,`` ``;`` tab ``|``) is sniffed from the first 4 KB, blank lines are skipped.

Text is read as UTF-8 (with or without BOM), else Windows-1252.  Keys and values are stripped;
two survey columns mapped to the same item code is an error.  Every error names ``--map`` and
the file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from csi.errors import DataError


def read_column_map(path: str | Path) -> dict[str, str]:
    """A column map (survey column → item code) from YAML (a mapping) or CSV (two columns)."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"--map {p}: no such file")
    from csi._io import read_limited

    try:
        raw = read_limited(p, f"--map {p}")  # a FIFO or /dev/zero is refused, not read
    except ValueError as exc:
        raise DataError(str(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    out = _from_yaml(p, text) if p.suffix.lower() in {".yaml", ".yml"} else _from_csv(p, text)
    targets: dict[str, str] = {}
    for k, v in out.items():
        if v in targets:
            raise DataError(f"--map {p}: columns {targets[v]!r} and {k!r} both map to {v}")
        targets[v] = k
    return out


def _from_yaml(p: Path, text: str) -> dict[str, str]:
    from csi.errors import SpecError
    from csi.model.yamlsafe import load_safe

    try:
        data = load_safe(text, f"--map {p}")  # no aliases, no duplicate keys
    except SpecError as exc:
        raise DataError(str(exc)) from None
    if not isinstance(data, dict) or not data:
        raise DataError(f"--map {p}: expected a mapping 'survey column: ITEM'; found {type(data).__name__}")
    bad = [k for k, v in data.items() if isinstance(v, (dict, list)) or v is None]
    if bad:
        raise DataError(f"--map {p}: each survey column should map to one item code; {bad[0]!r} does not")
    return {str(k).strip(): str(v).strip() for k, v in data.items()}


def _from_csv(p: Path, text: str) -> dict[str, str]:
    if not text.strip():
        raise DataError(f"--map {p}: the file is empty")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delim) if any(c.strip() for c in r)]
    if not rows or min(len(r) for r in rows) < 2:
        raise DataError(f"--map {p}: expected two columns (survey column, item code) on every line")
    out = {r[0].strip(): r[1].strip() for r in rows[1:]}
    if not out:
        raise DataError(f"--map {p}: no mappings below the header line")
    return out
