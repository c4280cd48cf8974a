"""What every hostile case must show, whichever way it is run (in-process or in a subprocess)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from tests.hostile.corpus import Case

#: the output folder's temporary run folders (csi.report.outputs.TMP_PREFIX)
TMP_PREFIX = ".csi-run-"


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every regular file under ``folder`` (FIFOs and devices are not opened)."""
    out = {}
    for root, _dirs, files in os.walk(folder):
        for f in files:
            p = Path(root) / f
            if stat.S_ISREG(os.lstat(p).st_mode):
                out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def prepare(c: Case, tmp: Path) -> tuple[list[str], str, Path | None, dict[str, str]]:
    """The command line (with ``--out`` where the command writes), the expected text, --out and the inputs' hashes."""
    inputs = tmp / "in"
    inputs.mkdir()
    args, expect = c.build(inputs)
    out: Path | None = None
    if args[0] in ("fit", "score", "report"):
        if "--out" in args:
            out = Path(args[args.index("--out") + 1])
        else:
            out = tmp / "out"
            args = [*args, "--out", str(out)]
    return args, expect, out, snapshot(inputs)


def norm(text: str) -> str:
    return " ".join(text.split())


def check(c: Case, expect: str, tmp: Path, out: Path | None, before: dict[str, str], code: int,
          stdout: str, stderr: str) -> None:
    """Exit code, one message naming the problem, no traceback, no files left behind, inputs unchanged."""
    both = stdout + stderr
    assert code == c.code, f"exit {code}, expected {c.code}\n{both[-3000:]}"
    assert "Traceback" not in both, both[-3000:]
    if c.code == 2:
        assert stderr.startswith("error: "), stderr[:2000]
        assert stderr.count("error:") == 1, stderr[:2000]  # one message
    assert norm(expect) in norm(both), f"{expect!r} not in\n{both[:3000]}"
    leftovers = [str(p) for p in tmp.rglob(f"{TMP_PREFIX}*")] + [str(p) for p in tmp.rglob("*.tmp")]
    assert not leftovers, leftovers
    if out is not None and out.parent == tmp:
        if c.code == 2:  # nothing written: the folder was not even made
            assert not out.exists(), list(out.iterdir())
        else:
            names = {p.name for p in out.iterdir()}
            assert {"results.json", "results.xlsx"} <= names, names
    assert snapshot(tmp / "in") == before, "an input file was changed"
