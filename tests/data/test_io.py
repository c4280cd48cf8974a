"""Atomic writes: nothing half-written, ordinary permissions."""

from __future__ import annotations

import os
import stat

import pytest

from csi._io import atomic_write


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "results.json"

    def boom(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "results.json"
    target.write_text("old")

    def boom(tmp):
        raise RuntimeError("x")

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_text() == "old" and len(list(tmp_path.iterdir())) == 1


def test_permissions_follow_umask(tmp_path):
    target = tmp_path / "out.txt"
    atomic_write(target, lambda p: p.write_text("x"))
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
