"""Dask: a real ``dask.distributed.LocalCluster`` (2 workers, in-process threads for CI speed) gives
results bit-identical to csi's local process pool, for ``csi score`` (score_waves) and
``csi aggregate`` (aggregate); and the ``--scheduler`` values are checked.

The oracle is the local pool's own output: the point is that the scheduler never changes a number
(every unit's draws come from its content-derived seed and blocks of 250 resamples).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from csi.errors import CsiError
from csi.inference.runners import check_scheduler, scheduler_executor
from csi.workflows.programme import aggregate
from csi.workflows.waves import score_waves
from tests.workflows._programme_data import tiny

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0",
                                       silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_score_waves_on_a_local_cluster_is_bit_identical_to_the_process_pool(client, tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=2, resamples=0)
    files = sorted(str(p) for p in (tmp_path / "s").glob("Ind0_A_*.csv"))
    local = score_waves(files, "scsb", resamples=260, seed=5, workers=2)  # 260: two blocks of resamples
    dask = score_waves(files, "scsb", resamples=260, seed=5, executor=client.get_executor())
    assert len(client.scheduler_info()["workers"]) == 2
    assert path.exists() and len(local.units) == len(dask.units) == 2
    for a, b in zip(local.units, dask.units, strict=True):
        assert a.seed == b.seed
        assert np.array_equal(a.draws, b.draws) and np.array_equal(a.index.to_numpy(), b.index.to_numpy())
    assert local.changes.equals(dask.changes)


def test_aggregate_on_a_local_cluster_is_bit_identical_to_the_process_pool(client, tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=1, resamples=40)
    local = aggregate(path, workers=2)
    dask = aggregate(path, executor=client.get_executor())
    assert local.levels.equals(dask.levels)
    assert local.changes.equals(dask.changes)
    assert local.draws.keys() == dask.draws.keys()
    assert all(np.array_equal(local.draws[k], dask.draws[k]) for k in local.draws)


def test_scheduler_threads_starts_a_local_cluster(tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=1, resamples=20)
    with scheduler_executor("threads", 2) as ex:
        assert ex is not None and type(ex).__name__ == "ClientExecutor"
    a = aggregate(path, workers=1)
    b = aggregate(path, scheduler="threads", workers=2)
    assert a.levels.equals(b.levels) and a.changes.equals(b.changes)
    assert b.settings["scheduler"] == "threads"


def test_scheduler_values_are_checked() -> None:
    assert check_scheduler("tcp://10.0.0.5:8786") == "tcp://10.0.0.5:8786"
    with pytest.raises(CsiError, match=r"--scheduler should be one of local.*tcp://HOST:PORT \(a Dask scheduler\); got 'dask'"):
        check_scheduler("dask")
    with pytest.raises(CsiError, match="could not reach the Dask scheduler"):
        with scheduler_executor("tcp://127.0.0.1:9", 1, timeout=1):
            pass
