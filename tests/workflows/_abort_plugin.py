"""A test plugin: a survey reader for ``.boom`` files that kills its process with SIGABRT.

It stands for a native library (an xlsx engine, a SAV reader) aborting inside a worker.  Imported
at the top of the script that calls ``score_waves``, so spawned pool workers (which re-import the
main script) register it too.
"""

from __future__ import annotations

import os

from csi.data.readers import READERS, Reader


def _abort(*args: object, **kwargs: object) -> None:
    os.abort()


if ".boom" not in READERS.keys():
    READERS.register(".boom", Reader(_abort))  # type: ignore[arg-type]
