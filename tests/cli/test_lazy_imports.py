"""Start-up is lazy: `csi --help` and `csi models` import neither pandas nor scipy.

A property of the import graph, not a timing: each command runs in a fresh interpreter that
reports, at exit, which heavy packages ended up in ``sys.modules``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import atexit, sys
HEAVY = ("pandas", "scipy", "semopy", "openpyxl", "matplotlib", "statsmodels")
atexit.register(lambda: print("LOADED=" + ",".join(m for m in HEAVY if m in sys.modules)))
sys.argv = ["csi", *sys.argv[1:]]
from csi.cli import main
main()
"""


def _loaded(*args: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("LOADED=")][-1]
    return {m for m in line.removeprefix("LOADED=").split(",") if m}


@pytest.mark.parametrize("args", [("--help",), ("models",), ("fit", "--help"), ("--version",)])
def test_light_commands_import_no_pandas_or_scipy(args: tuple[str, ...]) -> None:
    assert _loaded(*args) == set()


def test_probe_can_see_a_heavy_import() -> None:
    # The probe is honest: a command that needs pandas shows it.
    assert "pandas" in _loaded_after_import("csi.data.survey")


def _loaded_after_import(module: str) -> set[str]:
    code = f"import {module}, sys; print('LOADED=' + ','.join(m for m in ('pandas', 'scipy') if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return {m for m in proc.stdout.strip().removeprefix("LOADED=").split(",") if m}


def test_import_csi_is_lazy_but_complete() -> None:
    code = (
        "import sys, csi; assert 'pandas' not in sys.modules;"
        "names = [getattr(csi, n) for n in csi.__all__];"
        "assert csi.fit.__module__ == 'csi.workflows.fit'; print('ok')"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


FIT_PROBE = """
import atexit, sys
NEVER = ("pydantic", "scipy.special", "scipy.stats", "statsmodels", "semopy", "matplotlib", "openpyxl")
atexit.register(lambda: print("LOADED=" + ",".join(m for m in NEVER if m in sys.modules)))
sys.argv = ["csi", *sys.argv[1:]]
from csi.cli import main
main()
"""


def test_a_pls_fit_with_bootstrap_imports_only_what_it_uses(tmp_path: Path) -> None:
    # issue 18: option parsing without pydantic (typer < 0.29), p-values without scipy.special,
    # the workbook without openpyxl; CB-SEM, charts and statsmodels only in the commands that use them
    mobi = ROOT.parent / "shared" / "reference" / "mobi.csv"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ["fit", str(mobi), "--model", "ecsi", "--boot", "300", "--out", str(tmp_path / "out")]
    proc = subprocess.run([sys.executable, "-c", FIT_PROBE, *args], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "out" / "results.json").exists()
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("LOADED=")][-1]
    assert line == "LOADED=", line
