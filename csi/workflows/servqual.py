"""``csi servqual SURVEY``: read a survey of expectation/perception pairs and compute the gaps.

Rows missing any used column are dropped (counted in the settings); answers outside the gap model's
scale, non-numeric answers and missing columns are one DataError naming file, column and row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csi.derive.servqual import GapResults, analyse
from csi.errors import DataError
from csi.model.gaps import GapModel, load_gap_model


def read_table(path: str | Path) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file")
    try:
        return pd.read_excel(p) if p.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(p)
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{p}: cannot read the survey ({exc})") from None


def check_survey(raw: pd.DataFrame, model: GapModel, where: str, segment: str | None) -> tuple[pd.DataFrame, int]:
    """The used columns as numbers, rows with a missing value dropped; every problem in one DataError."""
    need = model.columns + (model.importance or []) + ([segment] if segment else [])
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(f"{where}: missing column(s) {', '.join(missing)} required by gap model {model.name}")
    df = raw[need].copy()
    problems = []
    for c in model.columns + (model.importance or []):
        vals = pd.to_numeric(df[c], errors="coerce")
        bad = vals.isna() & df[c].notna()
        if c in model.columns:
            bad |= (vals < model.scale_min) | (vals > model.scale_max)
        else:
            bad |= vals < 0
        if bad.any():
            r = int(np.flatnonzero(bad.to_numpy())[0])
            problems.append(f"column {c} row {r + 2}: {str(df[c].iloc[r])!r} is not "
                            + (f"on the scale {model.scale_min:g}-{model.scale_max:g}" if c in model.columns else "a number of points >= 0"))
        df[c] = vals
    if problems:
        raise DataError(f"{where}: " + "; ".join(problems))
    keep = df.notna().all(axis=1)
    if not keep.any():
        raise DataError(f"{where}: no complete row")
    return df[keep].reset_index(drop=True), int((~keep).sum())


def run_servqual(survey: str | Path | pd.DataFrame, model: str | Path | GapModel = "servqual", resamples: int = 1000,
                 seed: int = 1, level: float = 0.95, segment: str | None = None) -> GapResults:
    gm = model if isinstance(model, GapModel) else load_gap_model(model)
    raw = survey if isinstance(survey, pd.DataFrame) else read_table(survey)
    where = "<data frame>" if isinstance(survey, pd.DataFrame) else str(survey)
    data, dropped = check_survey(raw, gm, where, segment)
    res = analyse(gm, data, resamples, seed, level, segment)
    res.settings.update({"source": where, "n_read": len(raw), "n_used": len(data), "dropped_incomplete": dropped})
    return res
