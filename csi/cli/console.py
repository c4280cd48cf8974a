"""The two consoles of the CLI and its one way of turning a user error into exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from csi.errors import CsiError
from csi.report.text import terminal as esc

# Not on a terminal (logs, pipes) rich would wrap tables at 80 columns; give them room.
out = Console() if sys.stdout.isatty() else Console(width=120)
err = Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=120)


def fail(exc: CsiError) -> typer.Exit:
    """Print ``error: <message>`` on stderr; the caller raises the returned exit (code 2)."""
    err.print(f"[bold red]error:[/bold red] {esc(exc)}", highlight=False, soft_wrap=True)  # user text, never markup
    return typer.Exit(2)


@contextmanager
def user_errors() -> Iterator[None]:
    """A :class:`CsiError` inside the block is a user error: one message, exit code 2, no traceback.

    Any other exception keeps its traceback: it is a bug.
    """
    try:
        yield
    except CsiError as exc:
        raise fail(exc) from None
