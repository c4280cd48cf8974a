"""The hostile corpus (tests/hostile/corpus.py), in-process: the cases where no resource bound is at stake.

Each case: the exit code (2 refused, 0 legitimately loadable), one ``error:`` message naming the
problem, no traceback, no files left behind in --out, the input files unchanged.  The cases
whose point is a bound on time or memory run in subprocesses (tests/hostile/test_isolated.py).
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from csi.cli import app
from tests.hostile.corpus import CASES
from tests.hostile.runner import check, prepare

runner = CliRunner()
IN_PROCESS = sorted(k for k, c in CASES.items() if not c.isolate)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize("name", IN_PROCESS)
def test_hostile_case(name, tmp_path):
    c = CASES[name]
    args, expect, out, before = prepare(c, tmp_path)
    result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: the bug shows itself
    check(c, expect, tmp_path, out, before, result.exit_code, result.stdout, result.stderr)
