"""The files a run leaves in its output folder, written through the project's only writers.

``csi fit`` → ``results.json`` and ``results.xlsx`` (and, with ``--report``, the chart pack drawn
from the results.json just written); ``csi score`` → ``scores.json`` and ``scores.xlsx``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the writers pull in openpyxl and matplotlib: imported when called
    from csi.report.pack import Report
    from csi.results.programme import ProgrammeResults
    from csi.results.scores import ScoreResults
    from csi.results.types import FitResults

#: What ``csi fit --report`` adds to the output folder.
FIT_REPORT_FORMATS = ("png", "pdf", "pptx")


@dataclass(frozen=True)
class FitOutputs:
    """What :func:`write_fit_outputs` wrote."""

    results_json: Path
    results_xlsx: Path
    report: Report | None = None


def write_fit_outputs(res: FitResults, out_dir: str | Path, *, report: bool = False) -> FitOutputs:
    """Write ``results.json`` and ``results.xlsx`` into ``out_dir`` (the contract dict built once for both).

    ``report``: also draw the chart pack into ``out_dir``, from the results.json just written
    (renderers read results only, as ``csi report`` does).
    """
    from csi.report import excel
    from csi.report.json import write_json
    from csi.results import contract

    out = Path(out_dir)
    data = contract.to_dict(res)
    json_path = write_json(data, out / "results.json")
    xlsx_path = excel.write_fit(res, out / "results.xlsx", data=data)
    pack = None
    if report:
        from csi.report.pack import build_report

        pack = build_report([out], out, formats=FIT_REPORT_FORMATS)
    return FitOutputs(json_path, xlsx_path, pack)


def write_score_outputs(res: ScoreResults, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``scores.json`` and ``scores.xlsx`` into ``out_dir``."""
    from csi.report.scores import write_scores

    return write_scores(res, out_dir)


def write_programme_outputs(res: ProgrammeResults, out_dir: str | Path, *, charts: bool = True) -> list[Path]:
    """Write ``programme.json``, ``programme.xlsx`` and the programme charts into ``out_dir`` (all or nothing)."""
    from csi.report.programme import write_programme

    return write_programme(res, out_dir, charts=charts)
