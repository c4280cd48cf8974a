"""The one progress reporter: a bar on a terminal, a line per 10 % in logs, nothing for short steps.

``Reporter(label, total, enabled)``; ``advance(k)`` after each piece of work; ``close()`` at the
end.  Nothing is shown until the step has run ``delay`` (1 s): a fast step stays silent.  Then,
when stderr is a terminal, a transient rich bar (label, bar, done/total, time left); otherwise
(a log file, a pipe, CI) one plain line each time another 10 % is done, e.g.
``csi: bootstrap 40% (2000/5000), 3.1 s`` — no control codes in logs.  The library passes
``enabled=False`` unless asked (``csi.fit(..., progress=True)``); the CLI always asks.
"""

from __future__ import annotations

import sys
import time
from typing import Any


class Reporter:
    """Progress of one step of ``total`` units on stderr (see the module notes)."""

    def __init__(self, label: str, total: int, enabled: bool, delay: float = 1.0) -> None:
        self.label, self.total, self.enabled, self.delay = label, max(int(total), 1), enabled, delay
        self.t0 = time.perf_counter()
        self.done = 0
        self.tenth = 0  # the last 10 % mark printed (log mode)
        self.mode: str | None = None  # None until the delay has passed; then "bar" or "lines"
        self.bar: Any = None
        self.task: Any = None

    def advance(self, k: int = 1) -> None:
        self.done += k
        if not self.enabled:
            return
        if self.mode is None:
            if time.perf_counter() - self.t0 <= self.delay or self.done >= self.total:
                return
            from rich.console import Console

            console = Console(stderr=True)  # rich's terminal test (honours FORCE_COLOR, TTY_COMPATIBLE)
            self.mode = "bar" if console.is_terminal else "lines"
            if self.mode == "bar":
                self._start_bar(console)
        if self.mode == "bar":
            self.bar.update(self.task, completed=self.done)
        else:
            self._line()

    def _start_bar(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=console, transient=True)
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=self.total, completed=self.done)

    def _line(self) -> None:
        tenth = min(10, self.done * 10 // self.total)
        if tenth > self.tenth:
            self.tenth = tenth
            secs = time.perf_counter() - self.t0
            print(f"csi: {self.label} {tenth * 10}% ({self.done}/{self.total}), {secs:.1f} s", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
