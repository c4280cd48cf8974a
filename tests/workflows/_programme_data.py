"""Programme fixtures for the tests: the recorded generator (data/make_programme.py) and a tiny programme."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

ROOT = Path(__file__).resolve().parents[2]


def generator() -> ModuleType:
    """data/make_programme.py (the recorded generator of the 60-company programme)."""
    spec = importlib.util.spec_from_file_location("make_programme", ROOT / "data" / "make_programme.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def tiny(folder: Path, *, companies: int = 2, resamples: int = 30, n: int = 60, small: dict[str, int] | None = None,
         drop: tuple[tuple[str, str], ...] = (), extra: dict[str, Any] | None = None) -> Path:
    """A small programme: 2 industries (one sector each) × ``companies`` companies × 2 waves (SCSB).

    ``small``: respondents of some units ("Ind0 A|2026": 20); ``drop``: (company, wave) left out of the units.
    """
    spec = load_model("scsb")
    (folder / "s").mkdir(parents=True, exist_ok=True)
    comps = {f"Ind{i} {chr(65 + k)}": {"industry": f"Ind{i}", "weight": float(10 + 7 * i + 3 * k)}
             for i in range(2) for k in range(companies)}
    units = []
    for c, comp in enumerate(comps):
        for t, wave in enumerate(("2025", "2026")):
            if (comp, wave) in drop:
                continue
            rows = (small or {}).get(f"{comp}|{wave}", n)
            file = f"s/{comp.replace(' ', '_')}_{wave}.csv"
            simulate_survey(spec, rows, seed=100 * t + c).astype(int).to_csv(folder / file, index=False)
            units.append({"company": comp, "wave": wave, "file": file})
    manifest = {"name": "tiny", "model": "scsb", "resamples": resamples, "seed": 3, "min_respondents": 30,
                "sectors": {"S0": ["Ind0"], "S1": ["Ind1"]}, "companies": comps, "units": units, **(extra or {})}
    path = folder / "programme.yaml"
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return path
