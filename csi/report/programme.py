"""programme.json, programme.xlsx and the programme charts of ``csi aggregate``, written all or nothing.

Every file is first written into a staging folder inside the output folder (through the project's
only JSON, workbook and chart writers); only when all of them exist are they moved into place, so a
failure part-way (a chart that cannot be drawn, a full disk) leaves the output folder as it was.
The charts are drawn from the programme.json just written, read back (renderers never re-estimate).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from csi.results.programme import ProgrammeResults

CHART_FORMAT = "png"


def write_programme(res: ProgrammeResults, out_dir: str | Path, charts: bool = True) -> list[Path]:
    """Write ``programme.json``, ``programme.xlsx`` and (``charts``) the chart PNGs; the paths written."""
    from csi.report.charts.base import save
    from csi.report.charts.programme import programme_charts
    from csi.report.excel import INDEX_FORMAT, write_workbook
    from csi.report.json import write_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".programme-", dir=out))
    try:
        staged = [write_json(res.to_dict(), stage / "programme.json")]
        one = {c: INDEX_FORMAT for c in ("index", "ci_lo", "ci_hi", "delta")}
        formats = {**{lev: one for lev in ("company", "industry", "sector", "national")}, "changes": one,
                   "trend": {w: INDEX_FORMAT for w in res.waves}}
        staged.append(write_workbook(res.tables(), stage / "programme.xlsx", settings=res.settings, formats=formats))
        if charts:
            data = json.loads((stage / "programme.json").read_text(encoding="utf-8"))
            for chart in programme_charts(data):
                staged.append(save(chart, stage / f"{chart.key}.{CHART_FORMAT}"))
        written = []
        for p in staged:
            target = out / p.name
            os.replace(p, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(stage, ignore_errors=True)
