"""Terminal tables of a fit that stay readable at 80 columns: measurement model, effects, sections.

Tables wrap *by columns*, never inside a number: :func:`print_wrapped` measures every column
(header and cells, all ``no_wrap``) and, when the table is wider than the console, prints it as
several tables, each repeating the key columns (construct, item, path) and taking as many of the
following columns as fit.  Every cell is a :class:`rich.text.Text`, so item names and labels from
the user's files never become console markup.

Sections of ``csi fit``'s terminal output (``--show``, :data:`SECTIONS`): measurement, structural,
quality, indices, effects, mediation, predict, fit, cbsem, ipma, tiers, groups; a plug-in
derivation's tables are shown under its own key.  Default: every section with a result except
those in :data:`HIDDEN_BY_DEFAULT` (long tables: every total effect, every mediation chain).

Measurement-model flags (Hair et al. 2022, ch. 4; SEMinR and SmartPLS readers expect them): a
loading of a reflective (mode A) item below 0.708 (item reliability λ² < 0.5) is marked ``!``,
below 0.4 ``!!`` (a candidate for removal).  Mode-B (formative) constructs are judged by their
weights, so their loadings are not flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console
from rich.text import Text

from csi.errors import CsiError

if TYPE_CHECKING:
    from csi.results.types import FitResults

SECTIONS: tuple[str, ...] = ("measurement", "structural", "quality", "indices", "effects", "mediation", "predict", "fit",
                             "cbsem", "ipma", "tiers", "groups")
HIDDEN_BY_DEFAULT: tuple[str, ...] = ("effects", "mediation")
LOADING_LOW, LOADING_VERY_LOW = 0.708, 0.4


def check_show(keys: Sequence[str], extra: Sequence[str] = ()) -> tuple[str, ...]:
    """``--show`` keys, checked against the sections and any plug-in derivation keys ``extra``."""
    allowed = (*SECTIONS, *[k for k in extra if k not in SECTIONS])
    bad = [k for k in keys if k not in allowed]
    if bad:
        raise CsiError(f"--show should be a comma-separated list of {', '.join(allowed)}; got {', '.join(map(repr, bad))}")
    return tuple(dict.fromkeys(keys))


def shown(show: Sequence[str] | None, key: str) -> bool:
    """Whether section ``key`` is printed (``show=None``: the default set).  A derivation key
    also belongs to a section it names as a ``_``-separated part (``model_fit`` → ``fit``)."""
    if show is None:
        return key not in HIDDEN_BY_DEFAULT
    return key in show or any(s in SECTIONS and s in key.split("_") for s in show)


def num(v: object, nd: int = 3) -> str:
    if v is None or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
        return "–"
    return f"{float(v):.{nd}f}"


def interval(lo: object, hi: object, nd: int = 3) -> str:
    return f"[{num(lo, nd)}, {num(hi, nd)}]"


def print_wrapped(console: Console, title: str, header: Sequence[str], rows: Sequence[Sequence[str]], keys: int = 1,
                  left: int | None = None, sections: Sequence[int] = (), first_width: int | None = None) -> None:
    """Print a table that wraps by columns at the console width (see the module docstring).

    ``keys``: leading columns repeated in every part; ``left``: columns left-aligned (default
    ``keys``); ``sections``: row numbers before which a separator line goes; ``first_width``: the
    first column (text, e.g. a mediation chain) wraps by words within this width instead.
    Without colour (a file, a pipe) each part is laid out as text (:func:`plain_table`), the
    characters rich would print; otherwise, or when a cell needs rich's measuring or wrapping,
    a :class:`rich.table.Table` draws it.
    """
    left = keys if left is None else left
    widths = [max([len(h), *(len(r[j]) for r in rows)]) for j, h in enumerate(header)]
    wraps_first = first_width is not None and widths[0] > first_width  # a cell rich must wrap by words
    if first_width is not None:
        widths[0] = min(widths[0], first_width)
    cost = [w + 3 for w in widths]  # padding 1 each side and a separator
    budget = max(console.width - 1, 20)
    groups: list[list[int]] = []
    cur = list(range(keys))
    used = sum(cost[:keys])
    for j in range(keys, len(header)):
        if len(cur) > keys and used + cost[j] > budget:
            groups.append(cur)
            cur, used = list(range(keys)), sum(cost[:keys])
        cur.append(j)
        used += cost[j]
    groups.append(cur)
    plain = not wraps_first and _plain_console(console) and all(_plain_cell(c) for c in (*header, *(c for r in rows for c in r)))
    for part, cols in enumerate(groups):
        suffix = f" ({part + 1}/{len(groups)})" if len(groups) > 1 else ""
        console.print(Text(title + suffix, style="bold"))  # above the table: it wraps at the console width
        text = plain_table(header, rows, cols, widths, left, sections, console.width) if plain else None
        if text is not None:
            console.out(text, highlight=False)
            continue
        from rich import box  # rich.table only when drawn: not imported by a plain-text run
        from rich.table import Table

        t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        for j in cols:
            wraps = j == 0 and first_width is not None
            t.add_column(Text(header[j]), justify="left" if j < left else "right", no_wrap=not wraps,
                         min_width=None if wraps else widths[j], max_width=widths[j] if wraps else None)
        for i, r in enumerate(rows):
            if i in sections and i:
                t.add_section()
            t.add_row(*[Text(r[j]) for j in cols])
        console.print(t)


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]], cols: Sequence[int], widths: Sequence[int], left: int,
                sections: Sequence[int], width: int) -> str | None:
    """The columns ``cols`` of a table as the text rich prints for it without colour, or None when it would not fit.

    Rich's ``Table(box=SIMPLE_HEAD, pad_edge=False)`` with every column ``no_wrap`` at its content
    width ``widths[j]``: a blank top edge, the header, a rule of ``─``, the rows (a blank line
    before each of ``sections``), a blank bottom edge; each line starts and ends with a space,
    columns are padded one space each side but at the table's outer edges and separated by a
    space; left-aligned columns (``j < left``) are padded on the right, the others on the left
    (trailing spaces stripped first, as rich does).  None when the table is wider than ``width``:
    rich would then shrink columns.  Checked against rich in ``tests/report/test_screen_plain.py``.
    """
    n = len(cols)
    pads = [(0 if k == 0 else 1, 0 if k == n - 1 else 1) for k in range(n)]
    outer = [widths[j] + a + b for j, (a, b) in zip(cols, pads, strict=True)]
    if sum(outer) > width - (n + 1):
        return None

    def line(cells: Sequence[str]) -> str:
        parts = []
        for j, (a, b), cell in zip(cols, pads, cells, strict=True):
            body = cell.ljust(widths[j]) if j < left else cell.rstrip().rjust(widths[j])
            parts.append(" " * a + body + " " * b)
        return " " + " ".join(parts) + " "

    blank = " " * (sum(outer) + n + 1)
    lines = [blank, line([header[j] for j in cols]), " " + "─" * (sum(outer) + n - 1) + " "]
    for i, r in enumerate(rows):
        if i in sections and i:
            lines.append(blank)
        lines.append(line([r[j] for j in cols]))
    lines.append(blank)
    return "\n".join(lines)


def _plain_console(console: Console) -> bool:
    """Whether the console prints text as it is: no colour or styles, no recording, a UTF-8 box (:func:`plain_table`)."""
    return console.color_system is None and not console.record and not console.legacy_windows and not console.options.ascii_only


def _plain_cell(text: str) -> bool:
    """A cell one terminal column per character, on one line (else rich measures and wraps it)."""
    from rich.cells import cell_len

    return text.isprintable() and (text.isascii() or cell_len(text) == len(text))


def _flag(loading: float, mode: str) -> str:
    if mode != "A" or not np.isfinite(loading):
        return ""
    return "!!" if loading < LOADING_VERY_LOW else "!" if loading < LOADING_LOW else ""


def render_measurement(res: FitResults, console: Console) -> None:
    """Loadings and weights per construct, with bootstrap intervals, low loadings flagged."""
    from csi.results.contract import rows_by_key

    pls, boot = res.pls, res.bootstrap
    bl = boot.stats("loadings") if boot is not None else None
    bw = boot.stats("weights") if boot is not None else None
    loadings, weights, bl_rows, bw_rows = pls.loadings.to_dict(), pls.weights.to_dict(), rows_by_key(bl), rows_by_key(bw)
    level = f"{100 * float(boot.settings.get('level', 0.95)):g}% CI" if boot is not None else ""
    header = ["item", "loading"] + ([level] if bl is not None else []) + ["weight"] + ([level] if bw is not None else []) + ["flag"]
    rows: list[list[str]] = []
    sections: list[int] = []
    flagged: list[str] = []
    for c in res.spec.constructs:
        sections.append(len(rows))
        kind = "mode B, formative" if c.mode == "B" and len(c.items) > 1 else f"mode {c.mode}"
        rows.append([f"{c.code} ({kind})"] + [""] * (len(header) - 1))
        for item in c.items:
            lam, w = float(loadings[(c.code, item)]), float(weights[(c.code, item)])
            row = [f"  {item}", num(lam)]
            if bl is not None:
                row.append(interval(bl_rows[(c.code, item)]["ci_lo"], bl_rows[(c.code, item)]["ci_hi"]))
            row.append(num(w))
            if bw is not None:
                row.append(interval(bw_rows[(c.code, item)]["ci_lo"], bw_rows[(c.code, item)]["ci_hi"]))
            flag = _flag(lam, c.mode) if len(c.items) > 1 else ""
            if flag:
                flagged.append(f"{item} {lam:.2f}")
            row.append(flag)
            rows.append(row)
    print_wrapped(console, "Measurement model: loadings and weights", header, rows, keys=1, sections=sections)
    note = (f"! loading below {LOADING_LOW} (item reliability below 0.5), !! below {LOADING_VERY_LOW} "
            "(candidate for removal); reflective (mode A) items only")
    console.print(Text(note + (f": {', '.join(flagged)}" if flagged else ": none flagged"), style="dim"))


def render_effects(res: FitResults, console: Console) -> None:
    """Direct, indirect and total effects of every connected pair, with total-effect intervals."""
    from csi.results.contract import rows_by_key

    eff = res.pls.effects
    boot = res.bootstrap
    bt = boot.stats("total_effects") if boot is not None else None
    bt_rows = rows_by_key(bt)
    header = ["effect", "direct", "indirect", "total"] + (["SE", "p", "total CI"] if bt is not None else [])
    rows = []
    for r in eff.to_dict(orient="records"):
        row = [f"{r['from']} → {r['to']}", num(r["direct"]), num(r["indirect"]), num(r["total"])]
        if bt is not None:
            key = (r["from"], r["to"])
            if key in bt_rows:
                b = bt_rows[key]
                row += [num(b["std_error"]), num(b["p_value"]), interval(b["ci_lo"], b["ci_hi"])]
            else:
                row += ["–", "–", "–"]
        rows.append(row)
    print_wrapped(console, "Effects (total = direct + indirect)", header, rows)


def render_mediation(res: FitResults, console: Console) -> None:
    """Every specific indirect effect with its interval, p-value and Zhao–Lynch–Chen type."""
    med = res.derived.get("mediation")
    if med is None:
        return
    if not len(med.table):  # type: ignore[attr-defined]
        console.print(Text("Mediation: the model has no chain with a mediator (no indirect effects)"))
        return
    t = med.table  # type: ignore[attr-defined]
    boot = getattr(med, "level", None) is not None
    # SEs are in results.json and the workbook; on screen the interval carries the uncertainty
    header = ["chain", "estimate"] + ([f"{100 * med.level:g}% CI", "p", "type"] if boot else [])  # type: ignore[attr-defined]
    rows = []
    for r in t.to_dict(orient="records"):
        row = [" → ".join((r["from"], *r["via"], r["to"])), num(r["estimate"])]
        if boot:
            row += [interval(r["ci_lo"], r["ci_hi"]), num(r["p_value"]), str(r["type"])]
        rows.append(row)
    print_wrapped(console, "Mediation: specific indirect effects", header, rows, first_width=22)
    if boot:
        console.print(Text("type (Zhao, Lynch & Chen 2010): complementary/competitive = partial mediation, indirect-only = "
                           "full, direct-only/no effect = none; significant = interval excludes 0 (percentile, also under --ci bca); p = bootstrap "
                           "2 min(P*, 1 − P*)", style="dim"))
    else:
        console.print(Text("mediation: estimates only (no bootstrap)", style="dim"))
