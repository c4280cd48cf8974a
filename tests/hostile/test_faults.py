"""Faults around a run's outputs: a full filesystem, a read-only --out, two runs on one --out,
SIGTERM and SIGINT mid-run.  After each, --out holds either the complete previous run or the
complete new one (results.json and results.xlsx of the same run, told apart by their seed), and
no temporary file.  Each run is a subprocess of ``python -m csi`` (tests/hostile/test_isolated.py).

The full and read-only filesystems are real tmpfs mounts when the tests run as root (as in CI's
container); otherwise those two tests are skipped here and the same logic is exercised in-process
by tests/cli/test_hostile_cli.py (ENOSPC raised by a patched writer, a 0555 folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.hostile.corpus import clean, csv
from tests.hostile.test_isolated import ROOT, run_csi


def fit_args(survey: Path, out: Path, seed: int, boot: int = 0) -> list[str]:
    return ["fit", str(survey), "--model", "ecsi", "--boot", str(boot), "--seed", str(seed), "--out", str(out)]


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def run_seed(out: Path) -> int:
    """The seed of the run whose results.json and results.xlsx are in ``out`` (they must agree)."""
    j = json.loads((out / "results.json").read_text(encoding="utf-8"))["settings"]["seed"]
    s = pd.read_excel(out / "results.xlsx", sheet_name="settings", engine="openpyxl", header=1)  # row 2: the codes
    x = s.loc[s["setting"].str.lower() == "seed", "value"].iloc[0]
    assert int(j) == int(x), (j, x)
    return int(j)


def previous_fit(survey: Path, out: Path, seed: int) -> None:
    """A complete previous run in ``out``, written in-process (as csi fit writes it) to save a subprocess."""
    import csi

    csi.fit(survey, "ecsi", boot=0, seed=seed).save(out)


def assert_clean(out: Path) -> None:
    names = sorted(p.name for p in out.iterdir())
    assert names == ["results.json", "results.xlsx"], names  # no temporary folder or file


@pytest.fixture()
def survey(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return csv(tmp_path / "in", clean(300))


def _mount(path: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    path.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True).returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_full_filesystem_keeps_the_previous_run(tmp_path, survey):
    fs = tmp_path / "fs"
    if not _mount(fs, "size=2m"):
        pytest.skip("mounting a tmpfs needs root; the in-process ENOSPC test covers the logic")
    try:
        out = fs / "out"
        previous_fit(survey, out, seed=11)
        before = hashes(out)
        with open(fs / "filler", "wb") as f:  # fill the disk to the last block
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass
        proc, _ = run_csi(fit_args(survey, out, seed=22))
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        assert proc.stderr.startswith("error: ") and proc.stderr.count("error:") == 1, proc.stderr
        assert "the disk is full" in proc.stderr and "previous run there are unchanged" in proc.stderr.replace("\n", " ")
        assert hashes(out) == before and run_seed(out) == 11
        assert_clean(out)
    finally:
        _umount(fs)


def test_read_only_out_is_refused_before_any_work(tmp_path, survey):
    fs = tmp_path / "ro"
    if not _mount(fs, "ro,size=1m"):
        pytest.skip("mounting a read-only tmpfs needs root; the in-process 0555 test covers the logic")
    try:
        proc, seconds = run_csi(fit_args(survey, fs / "out", seed=1, boot=100000))  # hours of bootstrap if it began
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert proc.stderr.startswith("error: --out") and "is not writable" in proc.stderr, proc.stderr
        assert seconds < 30
        assert not (fs / "out").exists()
    finally:
        _umount(fs)


def test_two_concurrent_runs_on_one_out(tmp_path, survey):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-m", "csi", *fit_args(survey, out, seed=s, boot=200)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for s in (31, 32)]  # 200 resamples each: the runs overlap
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes in ([0, 0], [0, 2]), results
    for code, err in results:
        if code == 2:
            assert "another csi run is writing to this folder" in err and err.count("error:") == 1, err
    assert run_seed(out) in (31, 32)  # json and xlsx of the same run
    assert_clean(out)


@pytest.mark.parametrize(("command", "sig"), [("fit", signal.SIGTERM), ("fit", signal.SIGINT), ("report", signal.SIGTERM)],
                         ids=["fit-SIGTERM", "fit-SIGINT", "report-SIGTERM"])
def test_signal_mid_run_leaves_the_previous_run(tmp_path, survey, sig, command):
    out = tmp_path / "out"
    previous_fit(survey, out, seed=41)
    args = fit_args(survey, out, seed=42, boot=20000)
    if command == "report":
        from csi.report.pack import build_report

        build_report([out], tmp_path / "rep", formats="xlsx")  # the previous report
        args, out = ["report", str(out), "--out", str(tmp_path / "rep"), "--format", "png,svg,pdf,pptx,xlsx"], tmp_path / "rep"
    before = hashes(out)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    p = subprocess.Popen([sys.executable, "-m", "csi", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    deadline = time.monotonic() + 120
    while not any(q.name.startswith(".csi-run-") for q in out.iterdir()):  # the run has begun writing
        assert p.poll() is None and time.monotonic() < deadline, p.communicate()
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(sig)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 128 + sig, (p.returncode, err[-2000:])
    assert "Traceback" not in err, err[-3000:]
    assert hashes(out) == before  # the complete previous run, untouched
    assert not [q.name for q in out.iterdir() if q.name.startswith(".") or q.suffix == ".tmp"]
    if command == "fit":
        assert run_seed(out) == 41
    else:
        assert sorted(before) == ["report.xlsx"]
