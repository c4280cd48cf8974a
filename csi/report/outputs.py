"""The files a run leaves in its output folder, written through the project's only writers.

``csi fit`` → ``results.json`` and ``results.xlsx`` (and, with ``--report``, the chart pack drawn
from the results.json just written); ``csi score`` → ``scores.json`` and ``scores.xlsx``.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csi.errors import CsiError

if TYPE_CHECKING:  # the writers pull in openpyxl and matplotlib: imported when called
    from csi.report.pack import Report
    from csi.results.programme import ProgrammeResults
    from csi.results.scores import ScoreResults
    from csi.results.types import FitResults

#: What ``csi fit --report`` adds to the output folder.
FIT_REPORT_FORMATS = ("png", "pdf", "pptx")


@dataclass(frozen=True)
class FitOutputs:
    """What :func:`write_fit_outputs` wrote."""

    results_json: Path
    results_xlsx: Path
    report: Report | None = None


def write_fit_outputs(res: FitResults, out_dir: str | Path, *, report: bool = False) -> FitOutputs:
    """Write ``results.json`` and ``results.xlsx`` into ``out_dir`` (the contract dict built once for both).

    ``report``: also draw the chart pack into ``out_dir``, from the results.json just written
    (renderers read results only, as ``csi report`` does).
    """
    from csi.report import excel
    from csi.report.json import write_json
    from csi.results import contract

    out = Path(out_dir)
    data = contract.to_dict(res)
    json_path = write_json(data, out / "results.json")
    xlsx_path = excel.write_fit(res, out / "results.xlsx", data=data)
    pack = None
    if report:
        from csi.report.pack import build_report

        pack = build_report([out], out, formats=FIT_REPORT_FORMATS)
    return FitOutputs(json_path, xlsx_path, pack)


def write_score_outputs(res: ScoreResults, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``scores.json`` and ``scores.xlsx`` into ``out_dir``."""
    from csi.report.scores import write_scores

    return write_scores(res, out_dir)


# ---------------------------------------------------------------------------------------
# Run-level atomicity: all of a run's files, or none of them
# ---------------------------------------------------------------------------------------
#: prefix of a run's temporary folder inside ``--out`` (removed on success, failure or signal)
TMP_PREFIX = ".csi-run-"
_WRITE_ERRORS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
                 errno.EROFS: "the filesystem is read-only", errno.EACCES: "permission denied",
                 errno.EPERM: "permission denied", errno.EFBIG: "the file is too large for the filesystem"}


def check_out(out_dir: str | Path, option: str = "--out") -> Path:
    """``--out`` checked before any work: a folder (or a name that can become one) that is writable.

    Refused: an existing file, a path under a file, a folder (or its nearest existing parent)
    that is not writable.  Nothing is created here.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CsiError(f"{option} {out}: is a file, not a folder; give a folder for the outputs")
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise CsiError(f"{option} {out}: {probe} is a file, so no folder can be made under it")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise CsiError(f"{option} {out}: the folder {probe} is not writable (permission denied or read-only)")
    return out


class OutputRun:
    """Write a run's files into a temporary folder inside ``--out``, then move them in together.

    ``with OutputRun(out) as run:`` checks ``--out`` (:func:`check_out`), creates it, takes an
    exclusive lock on it (``flock`` on the folder itself, so no lock file is left behind: a
    second run on the same ``--out`` is refused at once, naming the folder) and makes the
    temporary folder ``run.tmp``.  Writers write into ``run.tmp``; :meth:`commit` moves every
    file into ``--out`` with ``os.replace`` (atomic per file, one filesystem) while SIGTERM and
    SIGINT are blocked, so a signal cannot split the move: ``--out`` then holds the complete
    previous run or the complete new one.  On leaving the block the temporary folder is removed
    whatever happened; a SIGTERM/SIGINT during the run removes it the same way and exits at once
    (status 128 + signal, without waiting for a bootstrap's worker pool); a temporary folder left by a run killed with SIGKILL is removed by
    the next run (which holds the lock).  A full disk, a read-only or forbidden folder while writing
    become one :class:`CsiError` saying the previous run's files are unchanged.
    """

    def __init__(self, out_dir: str | Path, option: str = "--out") -> None:
        self.out = check_out(out_dir, option)
        self.option = option
        self.tmp = self.out
        self._fd: int | None = None
        self._created: Path | None = None
        self._handlers: dict[int, Any] = {}

    def __enter__(self) -> OutputRun:
        try:
            missing = [p for p in (self.out, *self.out.parents) if not p.exists()]
            self.out.mkdir(parents=True, exist_ok=True)
            self._created = missing[-1] if missing else None
            self._lock()
            for stale in self.out.glob(TMP_PREFIX + "*"):  # left by a run killed with SIGKILL; we hold the lock
                shutil.rmtree(stale, ignore_errors=True)
            self._install_handlers()
            self.tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=self.out))
        except OSError as exc:
            self._release()
            raise self._error(exc) from None
        except BaseException:
            self._release()
            raise
        return self

    def _lock(self) -> None:
        import fcntl

        self._fd = os.open(self.out, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise CsiError(f"{self.option} {self.out}: another csi run is writing to this folder; wait for it to finish or choose another --out") from None

    def _install_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set in the main thread

        owner = os.getpid()

        def stop(signum: int, frame: object) -> None:
            # Exit at once rather than unwind: an exception would wait in a thread or process
            # pool's shutdown until the whole bootstrap had run.  The files reach --out only in
            # commit(), with these signals held, so --out keeps the last complete run.  Forked
            # workers inherit this handler: only the process that owns the run cleans up.
            if os.getpid() == owner:
                self._release(failed=True)
                try:
                    sys.stderr.write(f"csi: stopped by {signal.Signals(signum).name}; {self.out} keeps its last complete run\n")
                    sys.stderr.flush()
                except (OSError, ValueError):
                    pass
            os._exit(128 + signum)

        for sig in (signal.SIGTERM, signal.SIGINT):
            self._handlers[sig] = signal.signal(sig, stop)

    def commit(self) -> list[Path]:
        """Move every file of the temporary folder into ``--out`` (signals held until done)."""
        files = sorted(p for p in self.tmp.rglob("*") if p.is_file())
        blocked = {signal.SIGTERM, signal.SIGINT}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        moved = []
        try:
            for f in files:
                dest = self.out / f.relative_to(self.tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(f, dest)
                moved.append(dest)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        return moved

    def final(self, path: Path) -> Path:
        """Where a file written at ``path`` inside the temporary folder lands in ``--out``."""
        try:
            return self.out / Path(path).relative_to(self.tmp)
        except ValueError:
            return Path(path)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        failed = exc is not None
        self._release(failed)
        if isinstance(exc, OSError) and exc.errno in _WRITE_ERRORS:
            raise self._error(exc) from None

    def _release(self, failed: bool = True) -> None:
        if self.tmp != self.out:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = self.out
        for sig, handler in self._handlers.items():
            signal.signal(sig, handler)
        self._handlers = {}
        if self._fd is not None:
            os.close(self._fd)  # releases the lock
            self._fd = None
        if failed and self._created is not None:
            # a folder this run made and left empty goes again (innermost first)
            for p in [self.out, *self.out.parents]:
                try:
                    p.rmdir()
                except OSError:
                    break
                if p == self._created:
                    break

    def _error(self, exc: OSError) -> CsiError:
        why = _WRITE_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))
        return CsiError(f"{self.option} {self.out}: could not write the outputs ({why}); "
                        "the files of any previous run there are unchanged")


def commit_fit(run: OutputRun, res: FitResults, *, report: bool = False) -> FitOutputs:
    """:func:`write_fit_outputs` into the run's temporary folder, then all files moved into ``--out``."""
    from dataclasses import replace

    w = write_fit_outputs(res, run.tmp, report=report)
    run.commit()
    pack = w.report
    if pack is not None:
        pack = replace(pack, out_dir=run.out, files=tuple(run.final(f) for f in pack.files))
    return FitOutputs(run.final(w.results_json), run.final(w.results_xlsx), pack)


def commit_scores(run: OutputRun, res: ScoreResults) -> tuple[Path, Path]:
    """:func:`write_score_outputs` into the run's temporary folder, then both files moved into ``--out``."""
    j, x = write_score_outputs(res, run.tmp)
    run.commit()
    return run.final(j), run.final(x)


def commit_report(run: OutputRun, build: Callable[[Path], Report]) -> Report:
    """``build(folder)`` (``csi report``'s pack) into the run's temporary folder, then moved into ``--out``."""
    from dataclasses import replace

    rep = build(run.tmp)
    run.commit()
    return replace(rep, out_dir=run.out, files=tuple(run.final(f) for f in rep.files))
def write_programme_outputs(res: ProgrammeResults, out_dir: str | Path, *, charts: bool = True) -> list[Path]:
    """Write ``programme.json``, ``programme.xlsx`` and the programme charts into ``out_dir`` (all or nothing)."""
    from csi.report.programme import write_programme

    return write_programme(res, out_dir, charts=charts)
