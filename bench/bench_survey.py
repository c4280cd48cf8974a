"""National-scale survey: 1,000,000 respondents × the 24 ECSI items as one CSV.

Prints, in one run:

* the time pandas takes just to read the file (``pd.read_csv`` with its defaults, best of 3);
* ``csi fit`` on it without bootstrap in a fresh interpreter (``csi fit … --boot 0``): wall
  time and peak memory of that process (its ``VmHWM``), and the start-up cost of the
  interpreter and imports alone for comparison;
* in-process stage times (read + validate, PLS fit, the rest of ``csi.fit``, writing the
  outputs) so a regression can be located.

Targets (issue 4): ``csi fit`` ≤ 4× the read time and < 3 GB peak.  Nothing is asserted.
The CSV is generated once (``csi.simulate.simulate_survey``, seed 2026) and cached in
``bench/.cache/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from bench.common import CACHE, ROOT, best_of

N = 1_000_000
SEED = 2026


def survey_csv() -> Path:
    path = CACHE / f"ecsi_{N // 1000}k.csv"
    if not path.exists():
        from csi.model.simulate import simulate_survey
        from csi.model.spec import load_model

        CACHE.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        df = simulate_survey(load_model("ecsi"), N, seed=SEED).astype("int8")
        tmp = path.with_suffix(".tmp")
        df.to_csv(tmp, index=False)
        tmp.replace(path)
        print(f"   generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f} s")
    return path


# The child reports its own peak RSS (VmHWM of its address space since exec): ru_maxrss of a
# child started by vfork/posix_spawn inherits the *parent's* high-water mark on Linux.
LAUNCHER = """
import atexit, os, sys
def _hwm():
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    with open(os.environ["CSI_BENCH_HWM"], "w") as f:
        f.write(str(kb))
atexit.register(_hwm)
sys.argv = ["csi", *sys.argv[1:]]
if sys.argv[1:] == ["--import-only"]:
    import csi.cli, csi.workflows.fit
else:
    from csi.cli import main
    main()
"""


def _child(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) and exit code of ``csi ARGS`` in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as d:
        hwm = Path(d) / "hwm"
        env = {**os.environ, "CSI_BENCH_HWM": str(hwm)}
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", LAUNCHER, *args], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print("   child failed:", proc.stderr.decode(errors="replace")[-2000:])
        peak = int(hwm.read_text()) / 1024 if hwm.exists() else float("nan")
    return wall, peak, proc.returncode


def run() -> None:
    import pandas as pd

    warnings.simplefilter("ignore")
    path = survey_csv()
    size = path.stat().st_size / 1e6
    t_read = best_of(lambda: pd.read_csv(path), repeat=3)
    print(f"   pandas read_csv (defaults), {N:,} × 24 ({size:.0f} MB): {t_read:.2f} s (best of 3)")

    t_start, rss_start, _ = min(_child(["--import-only"]) for _ in range(3))
    print(f"   python start-up + import csi (no work): {t_start:.2f} s, {rss_start:.0f} MB")

    with tempfile.TemporaryDirectory() as out:
        runs = [_child(["fit", str(path), "--model", "ecsi", "--boot", "0", "--out", out]) for _ in range(2)]
        wall, rss, code = min(runs)
        print(f"   csi fit --boot 0 (subprocess, best of 2): {wall:.2f} s = {wall / t_read:.1f}× the read time; "
              f"peak memory {rss:.0f} MB (exit {code})")
        print(f"   targets: ≤ 4× the read time ({4 * t_read:.2f} s) → {'met' if wall <= 4 * t_read else 'NOT met'}; "
              f"< 3 GB → {'met' if rss < 3072 else 'NOT met'}")

    # in-process stages
    import csi
    from csi.data.survey import read_survey
    from csi.estimators.pls import PLS
    from csi.model.spec import load_model
    from csi.report import excel
    from csi.report import json as jsonw

    spec = load_model("ecsi")
    t0 = time.perf_counter()
    survey = read_survey(path, spec)
    t1 = time.perf_counter()
    PLS(spec).fit(survey.items)
    t2 = time.perf_counter()
    res = csi.fit(survey, spec, boot=0)
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        jsonw.write_json(res, Path(out) / "results.json")
        excel.write_fit(res, Path(out) / "results.xlsx")
    t4 = time.perf_counter()
    print(f"   in-process: read + validate {t1 - t0:.2f} s ({(t1 - t0) / t_read:.1f}× read) · PLS fit {t2 - t1:.2f} s · "
          f"csi.fit on the read survey {t3 - t2:.2f} s · results.json + results.xlsx {t4 - t3:.2f} s · "
          f"total {t1 - t0 + t3 - t2 + t4 - t3:.2f} s ({(t1 - t0 + t3 - t2 + t4 - t3) / t_read:.1f}× read)")
