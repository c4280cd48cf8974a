"""``csi servqual SURVEY``: SERVQUAL gaps (or any gap model's) with intervals, by segment, with a gap chart."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csi.cli.console import out, user_errors


def servqual(
    survey: Annotated[Path, typer.Argument(help="Survey (csv/xlsx) with the perception and expectation items")],
    model: Annotated[str, typer.Option("--model", help="Gap model: servqual (built in) or a YAML file of pairs")] = "servqual",
    segment: Annotated[str | None, typer.Option("--segment", help="Column whose values split the gaps by segment")] = None,
    boot: Annotated[int, typer.Option("--boot", help="Bootstrap resamples for the intervals (0: none)")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the bootstrap")] = 1,
    level: Annotated[float, typer.Option("--level", help="Confidence level")] = 0.95,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder for servqual.json and the gap chart")] = Path("out"),
) -> None:
    """Perception - expectation gaps per item, dimension and overall (unweighted and importance-weighted)."""
    from csi.options import check_count, check_level
    from csi.report.charts import service
    from csi.report.excel import write_workbook
    from csi.report.service import print_table, write_charts, write_json
    from csi.workflows.servqual import run_servqual

    with user_errors():
        boot = check_count(boot, "--boot", 0)
        res = run_servqual(survey, model, boot, check_count(seed, "--seed", 0), check_level(level), segment)
    data = res.to_contract()
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [write_json(data, out_dir / "servqual.json")]
    files += write_charts(data, out_dir, {"servqual_gaps": service.servqual_gaps})
    files.append(write_workbook({"servqual gaps": res.table}, out_dir / "servqual.xlsx", settings=res.settings))
    t = res.table
    for lvl in ("dimension", "overall"):
        sub = t[t["level"] == lvl].set_index("name")
        sub.index.name = lvl
        print_table(out, f"SERVQUAL gaps by {lvl} ({res.model.label})", sub[["segment", "perception", "expectation", "gap", "ci_lo", "ci_hi"]].fillna({"segment": "all"}))
    out.print("wrote " + ", ".join(str(f) for f in files), highlight=False, markup=False)
