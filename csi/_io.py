"""Atomic output: write to a temporary name in the target folder, then rename."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` and move ``tmp`` onto ``path`` only if it succeeded.

    A failure leaves no partial file behind; the rename is atomic on one filesystem.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        # mkstemp creates 0600 files; give the result the permissions a plain open() would
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


#: Largest model or column-map file read (bytes); a model YAML is a few KB.
SMALL_FILE_LIMIT = 1 << 20


def read_limited(path: str | Path, what: str, limit: int = SMALL_FILE_LIMIT) -> bytes:
    """The bytes of a small regular file, or ``OSError``-free refusal as ``ValueError(message)``.

    Refused before reading: anything that is not a regular file (a folder, a FIFO that would
    block, ``/dev/zero`` that never ends) and a file larger than ``limit`` bytes.  At most
    ``limit + 1`` bytes are read, so a file that grows while read cannot exhaust memory either.
    The message names ``what`` (e.g. ``--model x.yaml``) and the limit.
    """
    import stat

    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise ValueError(f"{what}: no such file") from None
    except OSError as exc:
        raise ValueError(f"{what}: cannot be read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise ValueError(f"{what}: is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{what}: is not a regular file (a device, pipe or socket); give a file")
    if st.st_size > limit:
        raise ValueError(f"{what}: is {st.st_size} bytes, over the limit of {limit} bytes for this kind of file")
    try:
        with open(p, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise ValueError(f"{what}: cannot be read ({exc.strerror})") from None
    if len(data) > limit:
        raise ValueError(f"{what}: is over the limit of {limit} bytes for this kind of file")
    return data


# Control characters: XML 1.0 (so .xlsx, and openpyxl) cannot hold C0 controls but tab, LF, CR.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_C0_NAMES = ("NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK SYN ETB "
             "CAN EM SUB ESC FS GS RS US").split()


def strip_controls(text: str) -> str:
    """``text`` without the control characters an .xlsx cell cannot hold (tab, LF, CR stay)."""
    return _ILLEGAL.sub("", text) if _ILLEGAL.search(text) else text


def control_names(text: str) -> list[str]:
    """The control characters :func:`strip_controls` removes, by code point and name (``U+0007 BEL``)."""
    return [f"U+{ord(c):04X} {_C0_NAMES[ord(c)]}" for c in dict.fromkeys(_ILLEGAL.findall(text))]
