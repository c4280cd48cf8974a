"""Which file column is which: the column map (``--map``), item, group and weights columns.

The column map renames survey columns to item codes (``--map FILE``; see :mod:`csi.data.column_map`).
Group (``--group``) and weights (``--weights``) columns may be named by their file name or their
mapped name.  Problems found here (each collected, none raised):

* a ``--map`` key that is not a column of the file;
* a needed column (item, group, weights; after the map) that appears more than once;
* item columns that are absent (with a close name, or, when none is found, the file's columns
  and a hint to pass ``--map``);
* a ``--group`` or ``--weights`` column, or an importance column of the model's
  ``index: importance``, that does not exist.

The selectors tell a reader which columns to parse at all (:func:`selector`) and which of them
hold item answers (:func:`answer_selector`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from csi.data.messages import close
from csi.data.table import RawTable, Select
from csi.model.spec import ModelSpec


@dataclass(frozen=True)
class Columns:
    """The columns of a table after the column map."""

    #: survey column → item code (keys and values stripped)
    cmap: dict[str, str]
    #: the file's header
    header: list[str]
    #: the header after the map
    mapped: list[str]
    #: first position in the table of each (mapped) name
    first: dict[str, int]
    #: the group columns (mapped names), in the order given
    groups: list[str]
    #: the weights column (mapped name)
    weights: str | None
    #: the importance columns of the model's ``index: importance`` (mapped names), in its order
    importance: list[str]
    #: item columns not found
    absent: list[str]
    #: value labels and SPSS user-missing ranges by mapped name
    labels: dict[str, Mapping[Any, str]]
    user_missing: dict[str, tuple[tuple[float, float], ...]]


def clean_map(column_map: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k).strip(): str(v).strip() for k, v in (column_map or {}).items()}


def resolve_columns(raw: RawTable, spec: ModelSpec, column_map: Mapping[str, str] | None,
                    groups: Sequence[str], weights: str | None, problems: list[str]) -> Columns:
    """The item, group and weights columns of ``raw``; every problem with them is appended."""
    items = list(spec.items)
    cmap = clean_map(column_map)
    header = list(raw.columns)
    for key in cmap:
        if key not in header:
            problems.append(f"--map: the file has no column {key!r}{close(key, header)}")
    mapped = [cmap.get(h, h) for h in header]
    wanted_groups = [_resolve(g, cmap, mapped) for g in groups]
    weights_col = _resolve(weights, cmap, mapped) if weights is not None else None
    imp = [_resolve(c, cmap, mapped) for c in importance_columns(spec)]
    needed = set(items) | set(wanted_groups) | ({weights_col} if weights_col else set()) | set(imp)
    _duplicates(needed, items, mapped, problems)
    absent = [i for i in items if i not in mapped]
    if absent:
        problems.append(_absent_message(spec, absent, header, mapped))
    for g, orig in zip(wanted_groups, groups, strict=True):
        if g not in mapped:
            problems.append(f"--group {orig}: no such column{close(orig, header)}")
    if weights is not None and weights_col not in mapped:
        problems.append(f"--weights {weights}: no such column{close(weights, header)}")
    assert spec.index is not None or not imp
    for c, orig in zip(imp, importance_columns(spec), strict=True):
        if c not in mapped:
            of = ", ".join(i for i, col in spec.index.importance if col == orig)  # type: ignore[union-attr]
            problems.append(f"importance column {orig} (the model's index: importance of {of}): no such column{close(orig, header)}")
    first: dict[str, int] = {}
    for j, c in enumerate(raw.frame_names):
        first.setdefault(cmap.get(c, c), j)
    return Columns(
        cmap=cmap, header=header, mapped=mapped, first=first, groups=wanted_groups, weights=weights_col, importance=imp,
        absent=absent, labels={cmap.get(k, k): v for k, v in raw.value_labels.items()},
        user_missing={cmap.get(k, k): v for k, v in raw.user_missing.items()},
    )


def _duplicates(needed: set[str], items: Sequence[str], mapped: Sequence[str], problems: list[str]) -> None:
    """A needed column that appears more than once (items first, in model order)."""
    for name in sorted(needed, key=lambda n: (items.index(n) if n in items else len(items), n)):
        where = [j + 1 for j, h in enumerate(mapped) if h == name]
        if len(where) > 1:
            problems.append(
                f"column {name} appears {len(where)} times (columns {', '.join(map(str, where))}); "
                "keep one or rename the others"
            )


def _absent_message(spec: ModelSpec, absent: Sequence[str], header: Sequence[str], mapped: Sequence[str]) -> str:
    items = list(spec.items)
    found = len(items) - len(absent)
    listed = ", ".join(f"{i}{close(i, [h for h in mapped if h not in items])}" for i in absent)
    if found:
        return f"missing item column(s) {listed}"
    shown = ", ".join(header[:12]) + (", …" if len(header) > 12 else "")
    return (f"none of the {len(items)} item columns of model {spec.name} were found ({', '.join(items[:6])}, …); "
            f"the file's columns are {shown}; pass --map FILE to map survey columns to item codes")


def _resolve(name: str | None, cmap: Mapping[str, str], mapped: Sequence[str]) -> str:
    """A group/weights column given by its file name or its mapped name."""
    name = str(name)
    if name in mapped:
        return name
    return cmap.get(name, name)


def importance_columns(spec: ModelSpec) -> tuple[str, ...]:
    """The survey columns holding importance ratings that the model's ``index: importance`` names."""
    return tuple(dict.fromkeys(c for _, c in spec.index.importance)) if spec.index is not None else ()


def selector(spec: ModelSpec, column_map: Mapping[str, str] | None, groups: Sequence[str], weights: str | None) -> Select:
    """The columns a reader must parse: items, group, weights and importance columns (by file or mapped name)."""
    cmap = clean_map(column_map)
    want = (set(spec.items) | {str(g) for g in groups} | ({str(weights)} if weights is not None else set())
            | set(importance_columns(spec)))

    def select(header: Sequence[str]) -> list[int]:
        return [j for j, h in enumerate(header) if h in want or cmap.get(h, h) in want]

    return select


def answer_selector(spec: ModelSpec, column_map: Mapping[str, str] | None) -> Select:
    """Positions of the columns that hold model items (after the column map)."""
    cmap = clean_map(column_map)
    items = set(spec.items)

    def select(header: Sequence[str]) -> list[int]:
        return [j for j, h in enumerate(header) if cmap.get(h, h) in items]

    return select
