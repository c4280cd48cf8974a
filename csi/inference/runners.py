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
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Protocol, TypeVar, runtime_checkable

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
