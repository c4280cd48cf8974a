"""Speed at every scale (issue 18): every "Must show" figure side by side in one run.

* start-up: ``csi --help`` and ``csi models`` whole process (best of 5), which heavy packages a
  bare ``import csi.cli`` loads, and the largest entries of ``python -X importtime``;
* ``csi fit mobi.csv --boot 5000`` whole process (the CLI, writing results.json/.xlsx) against
  seminr's whole process with 5,000 resamples on 2 cores, per resample (target ≥ 50×);
* ``csi.fit(boot=0)`` on mobi against seminr's ``estimate_pls`` in-process (target: no slower);
* 1,000,000 × 24 CSV: ``csi fit --boot 0`` and the default ``csi fit`` (5,000 resamples, blocks
  of sufficient statistics) against pandas reading the file, with peak memory (targets ≤ 4×,
  ≤ 20×, ≤ 3 GB);
* ``--group`` with 4 groups, 30,000 respondents, 2,000 permutations (target ≤ 10 s);
* block against row bootstrap at n = 100,000: interval agreement and times;
* CB-SEM ML per fit and per bootstrap resample on mobi and on the n = 2,000 synthetic set, and
  lavaan's (Rscript, if installed: ``apt-get install r-cran-lavaan``; skipped otherwise).

Prints figures; never asserts times.  Timings are noisy on a shared machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from bench.common import REFERENCE, ROOT, best_of
from tests.seminr_ecsi import ecsi_seminr

MOBI = REFERENCE / "mobi.csv"
SYNTHETIC = ROOT / "tests" / "reference_lavaan" / "ecsi_synthetic.csv"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _wall(cmd: list[str], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True)
        best = min(best, time.perf_counter() - t0)
        if r.returncode not in (0, 1):
            raise RuntimeError(r.stderr[-2000:])
    return best


def startup() -> None:
    py = sys.executable
    t_help = _wall([py, "-m", "csi", "--help"], 5)
    t_models = _wall([py, "-m", "csi", "models"], 5)
    t_python = _wall([py, "-c", "pass"], 5)
    print(f"   csi --help whole process: {t_help:.3f} s (target ≤ 0.25 s: {'met' if t_help <= 0.25 else 'NOT met'}); "
          f"csi models {t_models:.3f} s; bare python {t_python:.3f} s")
    probe = "import sys, csi.cli; print(','.join(m for m in ('pandas','scipy','pydantic','numpy') if m in sys.modules))"
    loaded = subprocess.run([py, "-c", probe], env=ENV, capture_output=True, text=True).stdout.strip()
    r = subprocess.run([py, "-X", "importtime", "-c", "import csi.cli"], env=ENV, capture_output=True, text=True)
    rows = []
    for line in r.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), len(m.group(3)), m.group(4)))
    top = sorted((x for x in rows if x[1] <= 3), reverse=True)[:5]
    total = max((c for c, _, _ in rows), default=0)
    print(f"   python -X importtime -c 'import csi.cli': {total / 1e6:.3f} s cumulative; heavy modules loaded: "
          f"{loaded or 'none'}; largest: " + ", ".join(f"{n} {c / 1e3:.0f} ms" for c, _, n in top))


def mobi_boot_vs_seminr() -> None:
    from bench.bench_bootstrap import N_BOOT, ensure_seminr, run_seminr

    with tempfile.TemporaryDirectory() as out:
        t = _wall([sys.executable, "-m", "csi", "fit", str(MOBI), "--model", "ecsi", "--boot", str(N_BOOT), "--out", out], 3)
    print(f"   csi fit mobi.csv --boot {N_BOOT} (CLI, whole process incl. results.json + results.xlsx): {t:.2f} s "
          f"= {t / N_BOOT * 1e6:.0f} us per resample")
    why = ensure_seminr()
    if why is not None:
        print(f"   seminr whole process: not measured ({why})")
        return
    wall, _, inner = run_seminr(N_BOOT, 2)
    print(f"   seminr whole process, bootstrap_model(nboot={N_BOOT}, cores=2): {wall:.2f} s = {wall / N_BOOT * 1e3:.2f} ms per "
          f"resample → seminr / csi = {wall / t:.1f}x (target ≥ 50x: {'met' if wall / t >= 50 else 'NOT met'})")


def single_fit_vs_seminr() -> None:
    import numpy as np
    import pandas as pd

    import csi

    data = pd.read_csv(MOBI, index_col=0)
    warnings.simplefilter("ignore")
    t_csi = best_of(lambda: csi.fit(data, "ecsi", boot=0), repeat=7)
    from csi.estimators.pls import PLS
    from csi.model.spec import load_model

    spec = load_model("ecsi")
    t_pls = best_of(lambda: PLS(spec).fit(data), repeat=7)
    try:
        from seminr import estimate_pls
    except ImportError as exc:
        print(f"   csi.fit(boot=0) on mobi {t_csi * 1e3:.1f} ms (PLS.fit alone {t_pls * 1e3:.1f} ms); seminr not importable ({exc})")
        return
    ds, mm, sm = ecsi_seminr(data)
    t_sem = best_of(lambda: estimate_pls(ds, mm, sm), repeat=7)
    ref = estimate_pls(ds, mm, sm).path_coef
    mine = csi.fit(data, "ecsi", boot=0).pls.paths
    diff = max(abs(float(ref.values[ref.rows.index(s), ref.cols.index(t)]) - v) for (s, t), v in mine.items())
    print(f"   csi.fit(boot=0) on mobi (fit + quality + indices + IPMA + tiers): {t_csi * 1e3:.1f} ms; PLS.fit alone "
          f"{t_pls * 1e3:.1f} ms; seminr estimate_pls {t_sem * 1e3:.1f} ms → csi.fit / seminr = {t_csi / t_sem:.2f} "
          f"(target ≤ 1: {'met' if t_csi <= t_sem else 'NOT met'}); max |path diff| {diff:.1e}")
    del np


def national() -> None:
    import pandas as pd

    from bench.bench_survey import _child, survey_csv

    path = survey_csv()
    t_read = best_of(lambda: pd.read_csv(path), repeat=2)
    with tempfile.TemporaryDirectory() as out:
        w0, rss0, c0 = _child(["fit", str(path), "--model", "ecsi", "--boot", "0", "--out", out])
        w5, rss5, c5 = _child(["fit", str(path), "--model", "ecsi", "--out", out])
    print(f"   1,000,000 x 24 CSV: pandas read {t_read:.2f} s; csi fit --boot 0 {w0:.2f} s = {w0 / t_read:.1f}x "
          f"(target ≤ 4x), peak {rss0:.0f} MB (exit {c0}); csi fit (5,000 resamples) {w5:.2f} s = {w5 / t_read:.1f}x "
          f"(target ≤ 20x), peak {rss5:.0f} MB (exit {c5}; target ≤ 3 GB)")


def groups_30k() -> None:
    import pandas as pd

    from csi.data.survey import from_frame
    from csi.inference.groups import compare_groups
    from csi.model.simulate import simulate_survey
    from csi.model.spec import load_model

    spec = load_model("ecsi")
    df = pd.concat([simulate_survey(spec, 7500, seed=s).assign(region=r) for s, r in enumerate("NESW")], ignore_index=True)
    sv = from_frame(df, spec, groups=("region",))
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    gc = compare_groups(spec, sv, "region", permutations=2000, seed=1)
    t = time.perf_counter() - t0
    print(f"   --group region: 4 groups x 7,500, 2,000 permutations (6 pairs + joint maxT, MICOM): {t:.1f} s "
          f"(target ≤ 10 s: {'met' if t <= 10 else 'NOT met'}); min adjusted p {gc.differences.p_permutation_adj.min():.4f}")


def blocks_100k() -> None:
    import numpy as np

    from csi.data.survey import from_frame
    from csi.estimators.pls import PLS
    from csi.inference.bootstrap import bootstrap_fit
    from csi.model.simulate import simulate_survey
    from csi.model.spec import load_model

    spec = load_model("ecsi")
    sv = from_frame(simulate_survey(spec, 100_000, seed=8), spec)
    res = PLS(spec).fit(sv.items)
    B = 1000
    t0 = time.perf_counter()
    rows = bootstrap_fit(res, sv, resamples=B, seed=2, blocks=0)
    t1 = time.perf_counter()
    blk = bootstrap_fit(res, sv, resamples=B, seed=3)
    t2 = time.perf_counter()
    worst_se = worst_ci = 0.0
    for kind in ("paths", "index", "r2"):
        r, b = rows.stats(kind), blk.stats(kind)
        worst_se = max(worst_se, float(np.max(np.abs(b.std_error / r.std_error - 1))))
        worst_ci = max(worst_ci, float(max(np.max(np.abs((b[e] - r[e]) / r.std_error)) for e in ("ci_lo", "ci_hi"))))
    print(f"   n = 100,000, {B} resamples: rows {t1 - t0:.1f} s, blocks (automatic, G = {blk.settings['blocks']}) {t2 - t1:.1f} s; "
          f"max |SE ratio - 1| {worst_se:.3f} (MC sd ≈ {1 / np.sqrt(B):.3f}), max |CI end diff| {worst_ci:.2f} SE (MC sd ≈ 0.12)")


LAVAAN_R = r"""
# the model of tests/reference_lavaan/ecsi_synthetic.R (the one csi's CB-SEM is checked against)
suppressMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); if (names(d)[1] %in% c("X", "")) d <- d[, -1]
model <- '
IMAG =~ 1*IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
CUEX =~ 1*CUEX1 + CUEX2 + CUEX3
PERQ =~ 1*PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
PERV =~ 1*PERV1 + PERV2
CUSA =~ 1*CUSA1 + CUSA2 + CUSA3
CUSCO_lv =~ 1*CUSCO
CUSCO ~~ 0*CUSCO
CUSL =~ 1*CUSL1 + CUSL2 + CUSL3
CUEX ~ IMAG
PERQ ~ CUEX
PERV ~ CUEX + PERQ
CUSA ~ IMAG + CUEX + PERQ + PERV
CUSCO_lv ~ CUSA
CUSL ~ IMAG + CUSA + CUSCO_lv
'
fit <- sem(model, data = d)
t <- system.time(for (i in 1:10) sem(model, data = d))[["elapsed"]] / 10
set.seed(1)
tb <- system.time(b <- bootstrapLavaan(fit, R = 50, FUN = coef))[["elapsed"]] / 50
cat(sprintf("%.5f %.5f\n", t, tb))
"""


def cbsem_vs_lavaan() -> None:
    import pandas as pd

    from csi.estimators.cbsem import CBSEM, bootstrap_paths
    from csi.model.spec import load_model

    warnings.simplefilter("ignore")
    spec = load_model("ecsi")
    rscript = shutil.which("Rscript")
    script = None
    if rscript:
        script = Path(tempfile.mkdtemp()) / "lavaan_speed.R"
        script.write_text(LAVAAN_R)
    for name, path, kw in (("mobi (n = 250)", MOBI, {"index_col": 0}), ("synthetic (n = 2,000)", SYNTHETIC, {})):
        data = pd.read_csv(path, **kw)
        est = CBSEM(spec)
        res = est.fit(data)
        t_fit = best_of(lambda est=est, data=data: est.fit(data), repeat=3)
        X = data[list(spec.items)].to_numpy(dtype=float)
        t0 = time.perf_counter()
        bootstrap_paths(est, res, X, 20, seed=1, workers=1)
        t_res = (time.perf_counter() - t0) / 20
        lav = "lavaan: not measured (Rscript not installed; apt-get install r-cran-lavaan)"
        if rscript and script is not None:
            r = subprocess.run([rscript, str(script), str(path)], capture_output=True, text=True)
            if r.returncode == 0 and r.stdout.split():
                lf, lb = (float(x) for x in r.stdout.split()[-2:])
                lav = (f"lavaan {lf * 1e3:.0f} ms per fit, {lb * 1e3:.0f} ms per resample → csi / lavaan "
                       f"{t_fit / lf:.2f} and {t_res / lb:.2f} (target ≤ 1)")
            else:
                lav = f"lavaan failed: {(r.stderr or r.stdout).strip()[-300:]}"
        print(f"   CB-SEM ML on {name}: csi {t_fit * 1e3:.0f} ms per fit, {t_res * 1e3:.0f} ms per resample (serial); {lav}")


def run() -> None:
    for step in (startup, single_fit_vs_seminr, mobi_boot_vs_seminr, groups_30k, blocks_100k, cbsem_vs_lavaan, national):
        try:
            step()
        except Exception as exc:  # a bench step that fails is reported, the others still run
            print(f"   {step.__name__}: failed ({type(exc).__name__}: {exc})")
