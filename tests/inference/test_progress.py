"""The progress reporter: silent for short steps, a line per 10 % when stderr is not a terminal."""

from __future__ import annotations

import re

from csi._progress import Reporter


def test_short_steps_are_silent(capsys):
    r = Reporter("bootstrap", 100, True, delay=60.0)
    for _ in range(100):
        r.advance(1)
    r.close()
    assert capsys.readouterr().err == ""


def test_log_lines_every_ten_percent(capsys):
    r = Reporter("bootstrap", 1000, True, delay=0.0)  # pytest's stderr is not a terminal
    for _ in range(40):
        r.advance(25)
    r.close()
    lines = capsys.readouterr().err.splitlines()
    pct = [int(re.match(r"csi: bootstrap (\d+)% \((\d+)/1000\), [\d.]+ s$", ln).group(1)) for ln in lines]
    assert pct == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]


def test_disabled_prints_nothing(capsys):
    r = Reporter("x", 10, False, delay=0.0)
    r.advance(5)
    r.close()
    assert capsys.readouterr().err == ""
