"""``csi sqi EVENTS``: the failure-weighted service-quality index of an event log."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from csi.cli.console import out, user_errors


def sqi(
    events: Annotated[Path, typer.Argument(help="Event log (csv/xlsx): date, type, optional count, volume, measure")],
    weights: Annotated[Path | None, typer.Option("--weights", help="YAML of failure type: weight (default: the curriculum's table)")] = None,
    period: Annotated[str, typer.Option("--period", help="day, week or month")] = "day",
    target: Annotated[float | None, typer.Option("--target", help="Hard standard: an event meets it when measure <= TARGET")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder for sqi.json and the charts")] = Path("out"),
) -> None:
    """Failure-weighted SQI per day/week/month and per 1,000 units, with c/u-chart and p-chart limits."""
    from csi.report.charts import service
    from csi.report.excel import write_workbook
    from csi.report.service import print_table, write_charts, write_json
    from csi.workflows.sqi import run_sqi

    with user_errors():
        res = run_sqi(events, weights, period, target)
    data = res.to_contract()
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [write_json(data, out_dir / "sqi.json")]
    makers = {"sqi_trend": service.sqi_trend, **({"sqi_attainment": service.attainment} if res.attainment is not None else {})}
    files += write_charts(data, out_dir, makers)
    sheets = {"sqi": res.table, **({"hard standard": res.attainment} if res.attainment is not None else {})}
    files.append(write_workbook(sheets, out_dir / "sqi.xlsx", settings=res.settings))
    cols = [c for c in ("sqi", "c_ucl", "volume", "per_1000", "u_ucl") if c in res.table.columns]
    print_table(out, f"Service quality index by {period}", res.table[cols])
    if res.attainment is not None:
        print_table(out, f"Hard standard: measure <= {target:g}", res.attainment[["events", "met", "share", "p_lcl", "p_ucl"]])
    out.print("wrote " + ", ".join(str(f) for f in files), highlight=False, markup=False)
