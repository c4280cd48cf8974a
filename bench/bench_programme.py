"""`csi aggregate`: 1,000 units × 500 respondents × 1,000 resamples, local process pool vs Dask.

Units per second on 2 local workers (csi's spawned process pool) and on a 2-worker
``dask.distributed.LocalCluster`` (worker processes, one thread each), side by side, with the
peak memory of a worker, whether both give bit-identical aggregates, and the projected time of
12,000 units on 64 cores from the measured cost per unit (core-seconds = wall × workers / units;
assumes the cluster's cores are as fast as these and the units spread evenly, which they do when
units ≫ cores).

Size by environment variables (a quick run: ``CSI_BENCH_PROGRAMME_UNITS=40 python -m bench programme``):
``CSI_BENCH_PROGRAMME_UNITS`` (1000), ``CSI_BENCH_PROGRAMME_N`` (500), ``CSI_BENCH_PROGRAMME_RESAMPLES``
(1000), ``CSI_BENCH_PROGRAMME_MODEL`` (ecsi).  Survey files are generated once into bench/.cache.
"""

from __future__ import annotations

import logging
import os
import resource
import time
import warnings
from pathlib import Path

import yaml

from bench.common import CACHE
from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

WORKERS = 2
TARGET_UNITS, TARGET_CORES = 12_000, 64


def _size() -> tuple[int, int, int, str]:
    env = os.environ.get
    return (int(env("CSI_BENCH_PROGRAMME_UNITS", "1000")), int(env("CSI_BENCH_PROGRAMME_N", "500")),
            int(env("CSI_BENCH_PROGRAMME_RESAMPLES", "1000")), env("CSI_BENCH_PROGRAMME_MODEL", "ecsi"))


def _programme(units: int, n: int, resamples: int, model: str) -> Path:
    """A manifest of ``units`` company × wave surveys (10 industries, 2 sectors, 2 waves), files cached."""
    folder = CACHE / "programme" / f"{model}_n{n}"
    folder.mkdir(parents=True, exist_ok=True)
    spec = load_model(model)
    companies: dict[str, dict[str, object]] = {}
    rows = []
    for k in range(units):
        comp, wave = f"C{k // 2:04d}", ("2025", "2026")[k % 2]
        companies[comp] = {"industry": f"I{(k // 2) % 10}", "weight": float(1 + (k // 2) % 17)}
        file = folder / f"{comp}_{wave}.csv"
        if not file.exists():
            simulate_survey(spec, n, seed=50_000 + k).astype(int).to_csv(file, index=False)
        rows.append({"company": comp, "wave": wave, "file": str(file)})
    manifest = {"name": "bench", "model": model, "resamples": resamples, "seed": 1,
                "sectors": {"S0": [f"I{i}" for i in range(5)], "S1": [f"I{i}" for i in range(5, 10)]},
                "companies": companies, "units": rows}
    path = CACHE / "programme" / f"bench_{units}_{n}_{resamples}_{model}.yaml"
    path.write_text(yaml.safe_dump(manifest), encoding="utf-8")
    return path


def _peak_rss_mb() -> float:  # runs in a Dask worker: its own peak resident memory
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:  # runs in a Dask worker: its CPU seconds so far
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _children_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run() -> None:
    from csi.workflows.programme import aggregate

    units, n, resamples, model = _size()
    t0 = time.perf_counter()
    path = _programme(units, n, resamples, model)
    print(f"   {units} units × {n} respondents × {resamples} resamples ({model}); inputs ready in {time.perf_counter() - t0:.1f} s")
    warnings.simplefilter("ignore")
    t0, c0 = time.perf_counter(), _children_cpu_s()
    local = aggregate(path, workers=WORKERS)
    wall_local = time.perf_counter() - t0
    cpu_local = _children_cpu_s() - c0  # the pool's processes (reaped when the pool shut down)
    mem_local = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest pool worker
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("   dask.distributed not installed (pip install 'csi[dask]'): LocalCluster column skipped")
        wall_dask, mem_dask, cpu_dask, same = float("nan"), float("nan"), float("nan"), None
    else:
        import dask

        with dask.config.set({"distributed.worker.profile.enabled": False}):  # as csi's --scheduler processes
            cluster = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   silence_logs=logging.ERROR)
        with cluster, Client(cluster) as client:
            c0 = sum(client.run(_cpu_s).values())
            t0 = time.perf_counter()
            dask = aggregate(path, executor=client.get_executor())
            wall_dask = time.perf_counter() - t0
            cpu_dask = sum(client.run(_cpu_s).values()) - c0
            mem_dask = max(client.run(_peak_rss_mb).values())
        same = local.levels.equals(dask.levels) and local.changes.equals(dask.changes)
    print(f"   {'':34s} {'local pool':>14s} {'LocalCluster':>14s}")
    print(f"   {'workers':34s} {WORKERS:>14d} {WORKERS:>14d}")
    print(f"   {'wall time (s)':34s} {wall_local:>14.1f} {wall_dask:>14.1f}")
    print(f"   {'units per second':34s} {units / wall_local:>14.2f} {units / wall_dask:>14.2f}")
    print(f"   {'peak memory per worker (MB)':34s} {mem_local:>14.0f} {mem_dask:>14.0f}")
    print(f"   {'worker CPU seconds per unit':34s} {cpu_local / units:>14.2f} {cpu_dask / units:>14.2f}")
    print(f"   aggregates bit-identical on both: {same}")
    for name, wall, cpu in (("local pool", wall_local, cpu_local), ("LocalCluster", wall_dask, cpu_dask)):
        per_unit = wall * WORKERS / units  # core-seconds per unit (wall), scheduling overhead included
        print(f"   {name}: {per_unit:.2f} core-s (wall) / {cpu / units:.2f} CPU-s per unit → {TARGET_UNITS:,} units on "
              f"{TARGET_CORES} cores ≈ {TARGET_UNITS * per_unit / TARGET_CORES / 60:.1f} min from wall, "
              f"{TARGET_UNITS * cpu / units / TARGET_CORES / 60:.1f} min from CPU (a loaded machine inflates the wall figure)")
