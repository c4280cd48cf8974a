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


# --- faults that need a patched writer or a held lock (the subprocess versions: tests/hostile/test_faults.py)
def _previous(survey, out):
    import csi

    csi.fit(survey, "ecsi", boot=0, seed=5).save(out)
    return {p.name: p.read_bytes() for p in out.iterdir()}


def test_disk_full_while_writing_keeps_the_previous_run(tmp_path, monkeypatch):
    import errno

    from csi.report import excel
    from tests.hostile.corpus import clean, csv

    survey = csv(tmp_path, clean(200))
    out = tmp_path / "out"
    before = _previous(survey, out)

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(excel, "write_fit", full)  # results.json is written first, then the workbook fails
    result = runner.invoke(app, ["fit", str(survey), "--boot", "0", "--seed", "6", "--out", str(out)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert result.stderr.startswith(f"error: --out {out}: could not write the outputs (the disk is full)"), result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the new results.json never landed


def test_a_second_run_on_a_locked_out_is_refused_at_once(tmp_path):
    import fcntl
    import os

    from tests.hostile.corpus import clean, csv

    survey = csv(tmp_path, clean(200))
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a running csi holds it
        result = runner.invoke(app, ["fit", str(survey), "--boot", "100000", "--out", str(out)])
    finally:
        os.close(fd)
    assert result.exit_code == 2
    assert result.stderr == f"error: --out {out}: another csi run is writing to this folder; wait for it to finish or choose another --out\n"
    assert list(out.iterdir()) == []


def test_not_writable_out_is_refused_before_any_work(tmp_path):
    import os

    from tests.hostile.corpus import clean, csv

    if os.geteuid() == 0:
        pytest.skip("root writes through 0555; tests/hostile/test_faults.py uses a read-only mount instead")
    survey = csv(tmp_path, clean(200))
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    result = runner.invoke(app, ["fit", str(survey), "--boot", "100000", "--out", str(ro / "out")])
    assert result.exit_code == 2 and "is not writable" in result.stderr


def test_labels_with_dollars_and_a_huge_label_are_drawn_as_plain_text(tmp_path):
    import csi
    from tests.hostile.corpus import ECSI_YAML, clean

    m = tmp_path / "m.yaml"
    m.write_text(ECSI_YAML.replace("label: Image", "label: 'Image $x$ costs $5 and $y$'")
                 .replace("label: Customer loyalty", "label: '" + "L" * 240_000 + "'"), encoding="utf-8")
    res_dir = tmp_path / "res"
    csi.fit(clean(200), m, boot=0).save(res_dir)
    out = tmp_path / "rep"
    result = runner.invoke(app, ["report", str(res_dir), "--out", str(out), "--format", "png,xlsx", "--charts", "path-diagram,index-bars"])
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert (out / "report.xlsx").exists() and any(p.suffix == ".png" for p in out.iterdir())
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_a_temporary_folder_left_by_a_killed_run_is_removed(tmp_path):
    from tests.hostile.corpus import clean, csv

    survey = csv(tmp_path, clean(200))
    out = tmp_path / "out"
    (out / ".csi-run-killed").mkdir(parents=True)
    (out / ".csi-run-killed" / "results.json").write_text("{half", encoding="utf-8")
    result = runner.invoke(app, ["fit", str(survey), "--boot", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["results.json", "results.xlsx"]
