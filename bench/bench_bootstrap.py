"""Bootstrap of the ECSI model on mobi: csi against the seminr package (PyPI), 5,000 resamples.

* csi in-process: ``bootstrap_fit`` alone (best of 3), 1 and 2 worker threads, and BCa;
* csi whole process: ``python -c "import csi; csi.fit('mobi.csv', 'ecsi', boot=5000)"``
  (interpreter start, imports, reading the file, fit, quality, indices, IPMA, tiers, bootstrap),
  and the same with ``boot=0`` to show the fixed cost;
* seminr (Python port of SEMinR, installed by this bench into bench/.cache/seminr-venv):
  ``bootstrap_model(model, 5000, cores=2)`` as a whole process, plus its own in-process time;
* draw-by-draw agreement of csi and seminr on identical resample indices.

Prints figures; never asserts times.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import CACHE, REFERENCE, best_of

N_BOOT = 5000
MOBI = REFERENCE / "mobi.csv"
SEMINR_VENV = CACHE / "seminr-venv"
SEMINR_PY = SEMINR_VENV / "bin" / "python"

# The ECSI model in seminr's syntax (Tenenhaus et al. 2005; same model as models/ecsi.yaml).
SEMINR_SCRIPT = r'''
import csv, json, sys, time
t0 = time.perf_counter()
import numpy as np
from seminr import bootstrap_model, composite, constructs, estimate_pls, multi_items, paths, relationships, single_item
from seminr.estimate.data import Dataset


def main():
    path, nboot, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    data = Dataset(columns=tuple(rows[0][1:]), values=np.array([[float(v) for v in r[1:]] for r in rows[1:]]))
    mm = constructs(
        composite("IMAG", multi_items("IMAG", range(1, 6))),
        composite("CUEX", multi_items("CUEX", range(1, 4))),
        composite("PERQ", multi_items("PERQ", range(1, 8))),
        composite("PERV", multi_items("PERV", range(1, 3))),
        composite("CUSA", multi_items("CUSA", range(1, 4))),
        composite("CUSCO", single_item("CUSCO")),
        composite("CUSL", multi_items("CUSL", range(1, 4))),
    )
    sm = relationships(
        paths("IMAG", ["CUEX", "CUSA", "CUSL"]),
        paths("CUEX", ["PERQ", "PERV", "CUSA"]),
        paths("PERQ", ["PERV", "CUSA"]),
        paths("PERV", "CUSA"),
        paths("CUSA", ["CUSCO", "CUSL"]),
        paths("CUSCO", "CUSL"),
    )
    model = estimate_pls(data, mm, sm)
    t1 = time.perf_counter()
    if len(sys.argv) > 4:  # explicit resample indices (.npy): dump every draw
        idx = np.load(sys.argv[4])
        boot = bootstrap_model(model, len(idx), indices=idx, cores=cores)
        p, w = boot.boot_paths[0], boot.boot_weights[0]
        out = {
            "paths": {f"{s}|{t}": [float(b.values[i, j]) for b in boot.boot_paths]
                      for i, s in enumerate(p.rows) for j, t in enumerate(p.cols) if p.values[i, j] != 0},
            "weights": {f"{c}|{it}": [float(b.values[i, j]) for b in boot.boot_weights]
                        for i, it in enumerate(w.rows) for j, c in enumerate(w.cols) if w.values[i, j] != 0},
        }
        with open(sys.argv[5], "w") as f:
            json.dump(out, f)
    else:
        boot = bootstrap_model(model, nboot, seed=1, cores=cores)
    t2 = time.perf_counter()
    print(json.dumps({"boots": boot.boots, "fails": boot.fails, "import_and_fit": t1 - t0, "bootstrap": t2 - t1}))


if __name__ == "__main__":  # cores >= 2 uses a spawn-based process pool
    main()
'''


def ensure_seminr() -> str | None:
    """Create bench/.cache/seminr-venv with seminr from PyPI; return why not, or None."""
    if SEMINR_PY.exists():
        ok = subprocess.run([str(SEMINR_PY), "-c", "import seminr"], capture_output=True, text=True)
        if ok.returncode == 0:
            return None
    CACHE.mkdir(parents=True, exist_ok=True)
    steps = [[sys.executable, "-m", "venv", str(SEMINR_VENV)], [str(SEMINR_PY), "-m", "pip", "install", "-q", "seminr"]]
    for cmd in steps:
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return f"`{' '.join(cmd)}` failed: {(r.stderr or r.stdout).strip().splitlines()[-1:]}"
    return None


def _script() -> Path:
    path = CACHE / "seminr_boot.py"
    CACHE.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != SEMINR_SCRIPT:
        path.write_text(SEMINR_SCRIPT)
    return path


def _timed(cmd: list[str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall time and CPU time (user + system, the process and its children) of a command."""
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime), r


def run_seminr(nboot: int, cores: int) -> tuple[float, float, dict[str, Any]]:
    """Whole-process wall and CPU time, and seminr's own timings."""
    wall, cpu, r = _timed([str(SEMINR_PY), str(_script()), str(MOBI), str(nboot), str(cores)])
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "seminr failed")
    return wall, cpu, json.loads(r.stdout.strip().splitlines()[-1])


def run_seminr_indices(indices: np.ndarray, workdir: Path) -> dict[str, dict[tuple[str, str], np.ndarray]]:
    """seminr's draws of paths {(source, target)} and weights {(construct, item)} on given resamples."""
    workdir = Path(workdir)
    np.save(workdir / "idx.npy", np.asarray(indices, dtype=np.intp))
    out = workdir / "seminr_draws.json"
    r = subprocess.run([str(SEMINR_PY), str(_script()), str(MOBI), "0", "1", str(workdir / "idx.npy"), str(out)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    raw = json.loads(out.read_text())
    return {kind: {tuple(k.split("|")): np.array(v) for k, v in d.items()} for kind, d in raw.items()}  # type: ignore[misc]


CSI_WHOLE = (
    "import warnings, csi; warnings.simplefilter('ignore'); "
    "r = csi.fit({path!r}, 'ecsi', boot={boot}{extra}); "
    "print(r.bootstrap.settings['resamples_used'] if r.bootstrap is not None else 0)"
)


def csi_whole_process(boot: int, repeat: int = 3, extra: str = "") -> tuple[float, float]:
    """Best wall time and best CPU time of ``repeat`` whole csi processes."""
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeat):
        wall, cpu, r = _timed([sys.executable, "-c", CSI_WHOLE.format(path=str(MOBI), boot=boot, extra=extra)])
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        best, best_cpu = min(best, wall), min(best_cpu, cpu)
    return best, best_cpu


def run() -> None:
    warnings.simplefilter("ignore")
    import pandas as pd

    import csi
    from csi.inference.bootstrap import bootstrap_fit
    from csi.stats.resample import resample_indices

    data = pd.read_csv(MOBI, index_col=0)
    fit = csi.fit(data, "ecsi", tiers=())
    res, survey = fit.pls, fit.survey
    print(f"   ECSI on mobi (n = {res.n_obs}, 24 items, path scheme), {N_BOOT} resamples")
    t = {}
    for w in (1, 2):
        t[w] = best_of(lambda w=w: bootstrap_fit(res, survey, N_BOOT, seed=1, workers=w), repeat=3)
        print(f"   csi bootstrap_fit, {w} worker thread(s): {t[w]:.3f} s = {t[w] / N_BOOT * 1e6:.1f} us per resample")
    tb = best_of(lambda: bootstrap_fit(res, survey, N_BOOT, seed=1, ci="bca"), repeat=3)
    print(f"   csi bootstrap_fit with BCa (+ {res.n_obs} jackknife fits), 2 workers: {tb:.3f} s")
    b = bootstrap_fit(res, survey, N_BOOT, seed=1)
    st = b.stats("paths")
    for path in (("IMAG", "CUEX"), ("CUSA", "CUSL")):
        r = st.loc[path]
        print(f"   {path[0]} -> {path[1]}: SE {r.std_error:.4f}, 95% percentile CI [{r.ci_lo:.3f}, {r.ci_hi:.3f}]")

    whole0, cpu0 = csi_whole_process(0)
    whole, cpu = csi_whole_process(N_BOOT)
    csi_per = whole / N_BOOT
    print(f"   csi whole process, csi.fit(mobi.csv, 'ecsi', boot={N_BOOT}): {whole:.2f} s wall, {cpu:.2f} s CPU "
          f"= {csi_per * 1e6:.0f} us per resample (boot=0: {whole0:.2f} s wall, {cpu0:.2f} s CPU)")
    # the fixed cost is mostly imports; loyalty tiers import scipy.stats (~0.5 s) — shown without them
    whole_nt, _ = csi_whole_process(N_BOOT, extra=", tiers=()")
    print(f"   csi whole process without loyalty tiers (tiers=(), no scipy.stats import): {whole_nt:.2f} s wall "
          f"= {whole_nt / N_BOOT * 1e6:.0f} us per resample")

    why = ensure_seminr()
    if why is not None:
        print(f"   seminr: not measured ({why})")
        return
    ver = subprocess.run([str(SEMINR_PY), "-c", "import importlib.metadata as m; print(m.version('seminr'))"],
                         capture_output=True, text=True).stdout.strip()
    try:
        wall, sem_cpu, inner = run_seminr(N_BOOT, 2)
    except RuntimeError as exc:
        print(f"   seminr {ver}: failed to run ({exc})")
        return
    sem_per = wall / N_BOOT
    print(f"   seminr {ver} whole process, bootstrap_model(nboot={N_BOOT}, cores=2): {wall:.2f} s wall, "
          f"{sem_cpu:.2f} s CPU = {sem_per * 1e3:.2f} ms per resample (its bootstrap alone {inner['bootstrap']:.2f} s, "
          f"{inner['boots']} used, {inner['fails']} failed)")
    print(f"   ratio per resample, whole process: seminr / csi = {sem_per / csi_per:.1f}x wall, {sem_cpu / cpu:.1f}x CPU "
          f"({wall / whole_nt:.1f}x wall without loyalty tiers)")
    print(f"   ratio per resample, bootstrap alone: seminr / csi (2 workers) = {inner['bootstrap'] / t[2]:.1f}x")

    import tempfile

    idx = np.vstack([resample_indices(1, k, res.n_obs) for k in range(5)])
    with tempfile.TemporaryDirectory() as tmp:
        ref = run_seminr_indices(idx, Path(tmp))
    mine = bootstrap_fit(res, survey, indices=idx)
    dp = max(np.abs(mine.draws("paths")[k].to_numpy() - v).max() for k, v in ref["paths"].items())
    dw = max(np.abs(mine.draws("weights")[k].to_numpy() - v).max() for k, v in ref["weights"].items())
    print(f"   same {len(idx)} resamples in both: max |csi - seminr| paths {dp:.1e}, weights {dw:.1e}")
