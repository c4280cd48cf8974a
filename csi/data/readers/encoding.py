"""The text encoding of a survey file: a byte-order mark, UTF-16 without one, UTF-8, else a detector.

:func:`detect` looks at the first bytes of the file (64 KB), in this order:

1. a byte-order mark: UTF-8 (``utf-8-sig``), UTF-16 (``utf-16``);
2. UTF-16 without a BOM, little or big endian: in text of ASCII-range characters every other
   byte is NUL; over a third of the odd (even) bytes NUL and almost none of the even (odd) ones
   → ``utf-16-le`` (``utf-16-be``);
3. UTF-8, when the bytes decode (a character cut at the end of the sample still counts);
4. charset-normalizer's best guess, when it is an East Asian code page (readings
   the detector finds equally plausible, as EUC-KR and GB2312 often are on short text, go to the
   more common source: GB18030, then Shift-JIS, Big5, EUC-JP, EUC-KR) (files saved by Excel on a
   Chinese, Japanese, Taiwanese or Korean Windows): read as the Windows superset of that code
   page (GB2312/GBK → ``gb18030``, Shift-JIS → ``cp932``, Big5 → ``cp950``, EUC-KR → ``cp949``),
   since Windows writes the superset;
5. else Windows-1252 if the bytes decode, else Latin-1 (which decodes any byte).

Step 4 is restricted to East Asian code pages because a detector's guess among the single-byte
Western code pages (1252, 1250, Mac Roman…) is unreliable on short survey files, and 1252 is what
Western Excel writes.  ``--encoding NAME`` overrides all of this; a name Python does not know is
refused.  Validated by decoding the bundled sample re-encoded in each of these (tests/data/test_real_files.py).
"""

from __future__ import annotations

import codecs

from csi.errors import DataError

#: detector names → the codec read (the Windows superset of the code page)
EAST_ASIAN = {
    "gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "hz": "gb18030",
    "shift_jis": "cp932", "cp932": "cp932", "shift_jis_2004": "cp932", "shift_jisx0213": "cp932",
    "euc_jp": "euc_jp", "big5": "cp950", "cp950": "cp950", "big5hkscs": "big5hkscs",
    "euc_kr": "cp949", "cp949": "cp949", "johab": "cp949",
}


def check_name(name: str) -> str:
    """``--encoding NAME`` as Python's codec name; an unknown name is a DataError."""
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        raise DataError(f"--encoding {name!r} is not a text encoding Python knows; e.g. utf-8, cp1252, gb18030, cp932 (Shift-JIS), cp950 (Big5), utf-16-le") from None


def detect(head: bytes, truncated: bool) -> str:
    """The encoding of a file that starts with ``head`` (see the module docs)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still UTF-8
        if truncated and exc.start >= len(head) - 3:
            return "utf-8"
    guess = _east_asian(head, truncated)
    if guess:
        return guess
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _utf16_without_bom(head: bytes) -> str | None:
    pairs = len(head) // 2
    if pairs < 4:
        return None
    even = head[0:2 * pairs:2].count(0) / pairs
    odd = head[1:2 * pairs:2].count(0) / pairs
    if odd > 1 / 3 and even < 0.02:
        return "utf-16-le"
    if even > 1 / 3 and odd < 0.02:
        return "utf-16-be"
    return None


def _east_asian(head: bytes, truncated: bool) -> str | None:
    from charset_normalizer import from_bytes

    # only the lines with non-ASCII bytes: on a file of numbers with a Chinese header the digits
    # would otherwise outvote the few characters that tell the code pages apart
    lines = head.splitlines()
    if truncated and len(lines) > 1:
        lines = lines[:-1]
    sample = b"\n".join(ln for ln in lines if max(ln, default=0) >= 0x80)
    tied: list[tuple[float, str]] = []
    for match in from_bytes(sample or head):  # best (least chaos) first
        name = str(match.encoding).lower().replace("-", "_")
        if name.startswith(("utf_16", "utf_32", "utf_7")):
            continue  # no NUL bytes (step 2), so not UTF-16/32; a guess on a short sample
        enc = EAST_ASIAN.get(name)
        if enc is None:
            if not tied:
                return None  # a single-byte code page ranks first: Western text
            break
        if tied and match.chaos > tied[0][0] + 1e-9:
            break
        if _decodes(head, enc, truncated):
            tied.append((float(match.chaos), enc))
    if not tied:
        return None
    # equally plausible readings (short, repetitive text): the more common source first
    return min(tied, key=lambda t: _PRIORITY.index(t[1]) if t[1] in _PRIORITY else len(_PRIORITY))[1]


def _decodes(head: bytes, enc: str, truncated: bool) -> bool:
    try:
        head.decode(enc)
    except UnicodeDecodeError as exc:
        return truncated and exc.start >= len(head) - 3
    return True


#: ties between East Asian readings go to the first of these (EUC-KR and GB2312 share byte ranges)
_PRIORITY = ("gb18030", "cp932", "cp950", "euc_jp", "big5hkscs", "cp949")
