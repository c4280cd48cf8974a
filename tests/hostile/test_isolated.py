"""The hostile cases whose point is a bound on time or memory, each in a subprocess under
``prlimit --as`` (address space) and a timeout: allocation bombs in workbooks, YAML alias bombs,
FIFOs and ``/dev/zero`` as inputs.  The same checks as the in-process cases (tests/hostile/runner.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hostile.corpus import CASES
from tests.hostile.runner import check, prepare

ROOT = Path(__file__).resolve().parents[2]
#: address space of one run (bytes): imports need about 1 GB; the bombs ask for hundreds of GB
MEMORY = 2 << 30
TIMEOUT = 60
ISOLATED = sorted(k for k, c in CASES.items() if c.isolate)


def run_csi(args: list[str], env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> tuple[subprocess.CompletedProcess, float]:
    """``python -m csi ARGS`` under prlimit; (the completed process, seconds taken)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1", "COLUMNS": "200", **(env or {})}
    cmd = [sys.executable, "-m", "csi", *args]
    if shutil.which("prlimit"):
        cmd = ["prlimit", f"--as={MEMORY}", "--", *cmd]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc, time.monotonic() - t0


@pytest.mark.parametrize("name", ISOLATED)
def test_isolated_hostile_case(name, tmp_path):
    c = CASES[name]
    args, expect, out, before = prepare(c, tmp_path)
    proc, seconds = run_csi(args, c.env)
    assert seconds < TIMEOUT
    check(c, expect, tmp_path, out, before, proc.returncode, proc.stdout, proc.stderr)
