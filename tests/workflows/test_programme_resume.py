"""Resume and incremental runs of csi aggregate.

A real interruption: a subprocess running ``aggregate`` (one worker, cache on) is killed with
SIGKILL once some units are cached; the re-run computes only the units that were not (counted in
``computed``/``cache_hits`` and in programme.json), and its results equal an uninterrupted run
without cache bit for bit.  Adding a company afterwards computes only its units.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from csi.model.simulate import simulate_survey
from csi.model.spec import load_model
from csi.workflows.programme import aggregate
from tests.workflows._programme_data import ROOT, tiny


def _cached(folder: Path) -> int:
    return len(list(folder.glob("*.npz"))) if folder.exists() else 0


def test_killed_run_resumes_computing_only_missing_units(tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=4, resamples=250, n=80)  # 16 units
    cache = tmp_path / "cache"
    code = f"from csi.workflows.programme import aggregate; aggregate({str(path)!r}, workers=1, cache_dir={str(cache)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while _cached(cache) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = _cached(cache)
    assert 3 <= done < 16, f"{done} units cached when the run was killed"
    assert not list(cache.glob(".*.tmp"))  # atomic writes: no half-written entry is ever visible as .npz

    resumed = aggregate(path, workers=1, cache_dir=cache)
    assert (resumed.cache_hits, resumed.computed) == (done, 16 - done)
    assert sum(o.cached for o in resumed.outcomes) == done
    fresh = aggregate(path, workers=1)
    assert fresh.computed == 16 and fresh.cache_hits == 0
    assert resumed.levels.equals(fresh.levels) and resumed.changes.equals(fresh.changes)
    assert all(np.array_equal(resumed.draws[k], fresh.draws[k]) for k in fresh.draws)
    d = resumed.to_dict()
    assert d["cache"] == {"computed": 16 - done, "hits": done}

    again = aggregate(path, workers=1, cache_dir=cache)
    assert (again.cache_hits, again.computed) == (16, 0)


def test_adding_a_company_computes_only_its_units(tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=1, resamples=30)
    cache = tmp_path / "cache"
    first = aggregate(path, workers=1, cache_dir=cache)
    assert (first.computed, first.cache_hits) == (4, 0)
    m = yaml.safe_load(path.read_text())
    m["companies"]["Newco"] = {"industry": "Ind0", "weight": 5.0}
    for t, wave in enumerate(("2025", "2026")):
        f = f"s/newco_{wave}.csv"
        simulate_survey(load_model("scsb"), 60, seed=900 + t).astype(int).to_csv(tmp_path / f, index=False)
        m["units"].append({"company": "Newco", "wave": wave, "file": f})
    path.write_text(yaml.safe_dump(m))
    second = aggregate(path, workers=1, cache_dir=cache)
    assert (second.computed, second.cache_hits) == (2, 4)
    # a changed setting (the seed) invalidates every entry
    m["seed"] = 4
    path.write_text(yaml.safe_dump(m))
    third = aggregate(path, workers=1, cache_dir=cache)
    assert (third.computed, third.cache_hits) == (6, 0)
