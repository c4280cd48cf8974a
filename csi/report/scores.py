"""scores.json and scores.xlsx of ``csi score`` (through the only JSON and .xlsx writers)."""

from __future__ import annotations

from pathlib import Path

from csi.results.scores import ScoreResults


def write_scores(res: ScoreResults, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``scores.json`` and ``scores.xlsx`` (through the project's only writers)."""
    from csi.report.excel import INDEX_FORMAT, write_workbook
    from csi.report.json import write_json

    out = Path(out_dir)
    j = write_json(res.to_dict(), out / "scores.json")
    idx_cols = {lab: INDEX_FORMAT for lab in res.labels}
    one = {c: INDEX_FORMAT for c in ("index", "ci_lo", "ci_hi", "delta")}
    x = write_workbook(res.tables(), out / "scores.xlsx", settings=res.settings,
                       formats={"trend": idx_cols, "long": one, "changes": one})
    return j, x
