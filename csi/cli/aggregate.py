"""``csi aggregate MANIFEST``: a national index programme (company → industry → sector → national).

Options → :func:`csi.workflows.programme.aggregate` → :func:`csi.report.outputs.write_programme_outputs`
→ terminal summary → exit code (0 ok; 2 a user error, or a unit that could not be scored — the
others are still aggregated and written).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csi.cli import options as o
from csi.cli.console import out, user_errors

if TYPE_CHECKING:
    from rich.console import Console

    from csi.results.programme import ProgrammeResults

MAX_ISSUES = 12  # the terminal shows the first ones; all are in programme.json and the workbook
Manifest = Annotated[Path, typer.Argument(help="Programme manifest (YAML): sectors, companies with industry and weight, units (company × wave files)")]
AggregateOut = Annotated[Path, typer.Option("--out", "-o", help="Output folder for programme.json, programme.xlsx and the charts")]
Cache = Annotated[Path | None, typer.Option(help="Folder of cached unit results (default: OUT/.csi-cache)")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Score every unit afresh and keep nothing")]
NoCharts = Annotated[bool, typer.Option("--no-charts", help="Write programme.json and programme.xlsx only")]


def aggregate(
    manifest: Manifest, out_dir: AggregateOut = Path("out"), scheduler: o.Scheduler = "local", workers: o.Workers = 2,
    cache: Cache = None, no_cache: NoCache = False, no_charts: NoCharts = False,
) -> None:
    """Score every company × wave of a programme and roll them up to industry, sector and national indices."""
    from csi.report.outputs import write_programme_outputs
    from csi.workflows.programme import aggregate as run

    with user_errors():
        cache_dir = None if no_cache else (cache or out_dir / ".csi-cache")
        res = run(manifest, scheduler=scheduler, workers=workers, cache_dir=cache_dir, progress=o.show_progress())
        written = write_programme_outputs(res, out_dir, charts=not no_charts)
    render_programme(res, out)
    out.print(f"wrote {', '.join(str(p) for p in written)}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(2 if any(x.status == "failed" for x in res.outcomes) else 0)


def render_programme(res: ProgrammeResults, console: Console) -> None:
    """Headline indices of every aggregate level and wave, their latest changes, coverage, cache and issues."""
    from rich.table import Table
    from rich.text import Text

    code = res.construct
    t = Table(title=Text(f"{res.name}: {code} index (0–100) with {res.level * 100:g}% intervals"))
    for col in ("level", "name", *res.waves):
        t.add_column(Text(col))
    last = res.compare[-1] if res.compare else None
    if last:
        t.add_column(Text(f"Δ {last[0]}→{last[1]}"))
    lv = res.levels[(res.levels["construct"] == code) & (res.levels["level"] != "company")]
    for (level, name), g in lv.groupby(["level", "name"], sort=False):
        cells = [Text(str(level)), Text(str(name))]
        for w in res.waves:
            r = g[g["wave"] == w]
            cells.append(Text("" if r.empty else f"{r['index'].iloc[0]:.1f} [{r['ci_lo'].iloc[0]:.1f}, {r['ci_hi'].iloc[0]:.1f}]"
                              + ("" if r.empty or r["coverage"].iloc[0] >= 1 else f" cov {r['coverage'].iloc[0]:.0%}")))
        if last:
            try:
                ch = res.change_of(str(level), str(name), last[0], last[1])
                cells.append(Text(f"{ch['delta']:+.1f} (p = {ch['p_value']:.3g})" + (" *" if ch["significant"] else "")))
            except KeyError:
                cells.append(Text(""))
        t.add_row(*cells)
    console.print(t)
    scored = sum(x.status == "scored" for x in res.outcomes)
    console.print(Text(f"{scored} of {len(res.outcomes)} units scored; {res.computed} computed, {res.cache_hits} from the cache"))
    for issue in res.issues[:MAX_ISSUES]:
        console.print(Text(f"{issue.category}: {issue.message}"), soft_wrap=True)
    if len(res.issues) > MAX_ISSUES:
        console.print(Text(f"… and {len(res.issues) - MAX_ISSUES} more issues in programme.json (issues) and programme.xlsx"))


def register(app: typer.Typer) -> None:
    """Add ``csi aggregate`` to the app."""
    app.command("aggregate")(aggregate)
