"""Runners: where batched work (bootstrap chunks, …) runs — ``RUNNERS`` (``--runner``).

A runner maps a function over items and yields the results in the items' order::

    class Runner(Protocol):
        def map(self, fn, items) -> Iterator: ...

Built in: ``serial`` (this thread), ``threads`` (a thread pool; numpy releases the GIL in its
kernels) and ``processes`` (a process pool: ``fn`` and the items must pickle).  Any
``concurrent.futures.Executor`` — a Dask or Ray executor, an MPI pool — runs work through
:class:`ExecutorRunner`.  ``RUNNERS.get(key)(workers)`` builds one.

Results never depend on the runner: callers split the work into pieces whose numbers depend only
on their inputs (see :mod:`csi.inference.bootstrap`) and place them by position.  Pool workers
use one BLAS thread (the workers already use the cores; ``processes`` sets it in each child).
Validated in ``tests/inference/test_runners.py``: every runner keeps order, and bootstrap draws
are bit-identical on serial, threads, processes and a caller's executor.

Dask (``--scheduler``, the ``csi[dask]`` extra): :func:`scheduler_executor` turns
``local | processes | threads | tcp://HOST:PORT`` into a ``concurrent.futures`` executor —
``None`` for ``local`` (csi's own process pool), a ``dask.distributed.LocalCluster`` of
``workers`` one-thread workers (``processes``: worker processes; ``threads``: in-process
workers) or a client of a running scheduler.  Tasks carry their own seeds, so the scheduler
never changes a number (``tests/inference/test_runners_dask.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar, runtime_checkable

from csi.errors import CsiError
from csi.registry import Registry

T = TypeVar("T")
R = TypeVar("R")


@runtime_checkable
class Runner(Protocol):
    """Maps ``fn`` over ``items``, yielding results in order."""

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]: ...


RunnerFactory = Callable[[int | None], Runner]
RUNNERS = Registry[RunnerFactory]("runner")


class SerialRunner:
    """One item after another in the calling thread."""

    workers = 1

    def __init__(self, workers: int | None = None) -> None:
        pass

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return map(fn, items)


class ThreadRunner:
    """A pool of ``workers`` threads (default: Python's), shut down when the map is consumed."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            yield from pool.map(fn, items)


def _one_blas_thread() -> None:  # pragma: no cover - runs in the child processes
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1, user_api="blas")


class ProcessRunner:
    """A pool of ``workers`` processes, each on one BLAS thread; ``fn`` and the items must pickle."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        with ProcessPoolExecutor(max_workers=self.workers, initializer=_one_blas_thread) as pool:
            yield from pool.map(fn, items)


class ExecutorRunner:
    """Any ``concurrent.futures.Executor`` (owned by the caller, who shuts it down)."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        return iter(self.executor.map(fn, items))


RUNNERS.register("serial", SerialRunner)
RUNNERS.register("threads", ThreadRunner)
RUNNERS.register("processes", ProcessRunner)


def get_runner(runner: str | Runner | Executor | None, workers: int | None = None) -> Runner:
    """A runner from a registered key (built with ``workers``), an executor or a runner itself."""
    if runner is None:
        return ThreadRunner(workers)
    if isinstance(runner, str):
        return RUNNERS.get(runner)(workers)
    if isinstance(runner, Executor):
        return ExecutorRunner(runner)
    if isinstance(runner, Runner):
        return runner
    raise TypeError(f"a runner should be one of {', '.join(RUNNERS.keys())}, a concurrent.futures.Executor "
                    f"or an object with map(fn, items); got {runner!r}")


SCHEDULERS = ("local", "processes", "threads")
SCHEDULER_HELP = "local (csi's process pool), processes or threads (a Dask LocalCluster) or tcp://HOST:PORT (a Dask scheduler)"


def check_scheduler(scheduler: str) -> str:
    """``local``, ``processes``, ``threads`` or a Dask scheduler address (``tcp://``, ``tls://``, ``inproc://``)."""
    s = str(scheduler).strip()
    if s in SCHEDULERS or (("://" in s) and s.split("://", 1)[0] in ("tcp", "tls", "inproc", "ucx", "ws", "wss") and s.split("://", 1)[1]):
        return s
    raise CsiError(f"--scheduler should be one of {SCHEDULER_HELP}; got {scheduler!r}")


@contextmanager
def scheduler_executor(scheduler: str, workers: int = 2, timeout: float = 30.0) -> Iterator[Executor | None]:
    """The executor of ``--scheduler`` (``None`` for ``local``), closed on exit.

    ``processes``/``threads`` start a ``dask.distributed.LocalCluster`` of ``workers`` workers with
    one thread each (a unit's bootstrap already uses one BLAS thread; more threads per worker
    would only contend); an address connects to a running cluster (within ``timeout`` seconds) (``dask scheduler`` +
    ``dask worker``, dask-jobqueue or Kubernetes — see docs/programme.md).
    """
    s = check_scheduler(scheduler)
    if s == "local":
        yield None
        return
    try:
        import logging

        from distributed import Client, LocalCluster
    except ImportError:
        raise CsiError(f"--scheduler {s} needs Dask: pip install 'csi[dask]' (dask[distributed])") from None
    cluster = None
    try:
        if s in ("processes", "threads"):
            import dask

            # the workers' statistical profiler samples every 10 ms: diagnostics only, and measurable CPU
            with dask.config.set({"distributed.worker.profile.enabled": False}):
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=s == "processes",
                                       dashboard_address=":0", silence_logs=logging.ERROR)
            client = Client(cluster)
        else:
            client = Client(s, timeout=f"{timeout}s")
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise CsiError(f"--scheduler {s}: could not reach the Dask scheduler ({exc})") from None
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
