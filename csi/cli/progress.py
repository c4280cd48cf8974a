"""The one progress reporter of the CLI: whether the library may draw its progress bars.

The library takes progress as a bool (``csi.fit(..., progress=...)``,
``csi.score_waves(..., progress=...)``) and draws rich bars itself, only once a run has taken
about a second and only where they land on a terminal.  The commands ask here, so the decision
"is the stream the bars are drawn on a terminal" is made in one place:

- the PLS bootstrap (``csi fit``) and the wave bar of ``csi score`` draw on stderr;
- the CB-SEM bootstrap (``csi fit --method cbsem|both``) draws on stdout, next to the tables.

Bars are never drawn into a redirected file or pipe, so logs stay free of control codes.
"""

from __future__ import annotations

from csi.cli.console import err, out


def enabled(method: str = "pls") -> bool:
    """True when every bar a run of ``method`` may draw lands on a terminal.

    ``method`` is the fit method (``pls``, ``cbsem``, ``both``); ``csi score`` uses the default.
    """
    return err.is_terminal and (method in ("pls", "plsc") or out.is_terminal)


def fit_progress(method: str = "pls") -> bool:
    """``csi fit`` always reports progress: every step over a second shows it (:mod:`csi._progress`),
    as a transient bar on stderr when stderr is a terminal, otherwise as a plain line per 10 %
    (logs, pipes, CI) — never control codes in a file.  ``method`` no longer matters: the CB-SEM
    bootstrap reports on stderr too.  (``csi score`` keeps :func:`enabled`: its wave bar is
    drawn only on a terminal.)
    """
    return True
