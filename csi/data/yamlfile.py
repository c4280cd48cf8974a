"""A YAML file a user names (a wave or programme manifest), read defensively.

One reader for every manifest: the file must be a regular file under a size limit
(:func:`csi._io.read_limited`: a FIFO, a folder or ``/dev/zero`` is refused, not read), UTF-8
text, and YAML without anchors, aliases or duplicate keys (:func:`csi.model.yamlsafe.load_safe`,
the model files' checks), so a 600-byte alias bomb or a repeated key is a named error, not a hang
or a silently replaced block.
"""

from __future__ import annotations

from pathlib import Path

from csi.errors import DataError, SpecError

#: a manifest may list many thousands of units; still bounded before it is read
MANIFEST_LIMIT = 64 * 1024 * 1024


def read_yaml_file(path: str | Path, where: str, limit: int = MANIFEST_LIMIT) -> object:
    """The plain data of the YAML file ``path``; every problem a :class:`DataError` naming ``where``."""
    from csi._io import read_limited
    from csi.model.yamlsafe import load_safe

    try:
        raw = read_limited(path, where, limit)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError(f"{where}: not UTF-8 text") from None
    try:
        return load_safe(text, where)
    except SpecError as exc:
        raise DataError(str(exc)) from None
