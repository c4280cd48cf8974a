"""`csi score`: 100 waves of 500 respondents, 1,000 resamples each, on a local process pool."""

from __future__ import annotations

import os
import time
import warnings

from bench.common import CACHE
from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

N_WAVES, N_RESP, RESAMPLES = 100, 500, 1000


def _waves() -> list[str]:
    """Synthetic waves (cached): one ECSI population, satisfaction up 0.3 SD from wave 51."""
    spec = load_model("ecsi")
    folder = CACHE / "waves"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for k in range(N_WAVES):
        year, q = 2001 + k // 4, k % 4 + 1
        path = folder / f"wave_{year}Q{q}.csv"
        if not path.exists():
            shift = {"CUSA": 0.3} if k >= N_WAVES // 2 else None
            simulate_survey(spec, N_RESP, seed=7000 + k, shift=shift).astype(int).to_csv(path, index=False)
        files.append(str(path))
    return files


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the pool's workers)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def run() -> None:
    warnings.simplefilter("ignore")
    from csi.report.scores import write_scores
    from csi.workflows.waves import score_waves

    files = _waves()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for mode, kw in (("refit", {}), ("fixed", {})):
        if mode == "fixed":
            import csi
            from csi.report.json import write_json

            cal = CACHE / "waves_calibration.json"
            write_json(csi.fit(files[0], "ecsi", tiers=()), cal)
            kw = {"weights_from": cal}
        c0 = _cpu()
        t0 = time.perf_counter()
        res = score_waves(files, "ecsi" if mode == "refit" else None, resamples=RESAMPLES, seed=1, workers=2, **kw)
        t1 = time.perf_counter()
        cpu = _cpu() - c0
        write_scores(res, CACHE / f"waves_out_{mode}")
        t2 = time.perf_counter()
        sig = int(res.changes.query("consecutive and significant").shape[0])
        print(f"   {mode:5s}: {N_WAVES} waves x {N_RESP} respondents x {RESAMPLES} resamples, 2 workers ({cores} cores): "
              f"{t1 - t0:.1f} s scoring ({(t1 - t0) / N_WAVES * 1e3:.0f} ms per wave; {cpu:.1f} CPU-s incl. workers), "
              f"{t2 - t1:.1f} s writing "
              f"scores.json + scores.xlsx; {len(res.changes)} changes, {sig} consecutive ones significant")
