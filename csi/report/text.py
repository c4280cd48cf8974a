"""User text on its way out: to the terminal (rich markup), to charts (matplotlib) and to Excel.

Survey answers, labels, segment values and file names are data, never markup:

* :func:`terminal` escapes rich console markup (``[red]``, ``[/i]``, ``[link=…]``), so an answer
  ``[/i]`` cannot raise a ``MarkupError`` and a ``[link=http://…]`` cannot turn into a hyperlink
  hiding the cell's real content; every line of user text the CLI prints goes through it;
* :func:`chart_label` caps a label at :data:`LABEL_CAP` characters (a 240 KB label would make
  the text-fitting loops of the charts run for minutes); charts are drawn with
  ``text.parse_math = False`` and ``text.usetex = False`` (:data:`PLAIN_TEXT_RC`), so a label
  with two ``$`` is drawn as typed, not parsed as mathtext;
* :func:`excel_text` removes the control characters Excel's file format cannot hold (openpyxl
  raises ``IllegalCharacterError`` for them); tab, line feed and carriage return stay.  Each one
  removed is named (``U+0007 BEL``) by :func:`control_names`, for a warning.
"""

from __future__ import annotations

from csi._io import control_names, strip_controls

#: longest label drawn on a chart (characters); longer ones end in "…"
LABEL_CAP = 60
#: matplotlib settings under which every text is plain text
PLAIN_TEXT_RC = {"text.parse_math": False, "text.usetex": False}


def terminal(text: object) -> str:
    """``text`` with rich console markup escaped: printed exactly as it is."""
    from rich.markup import escape

    return escape(str(text))


def cap(text: object, limit: int = LABEL_CAP) -> str:
    """``text`` cut to ``limit`` characters (the last one ``…``)."""
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def chart_label(text: object, limit: int = LABEL_CAP) -> str:
    """A label for a chart: capped, control characters removed (drawn as plain text, see the module docs)."""
    return cap(strip_controls(str(text)), limit)


def excel_text(text: str) -> str:
    """``text`` without the control characters an .xlsx cell cannot hold (:func:`csi._io.strip_controls`)."""
    return strip_controls(text)


__all__ = ["LABEL_CAP", "PLAIN_TEXT_RC", "cap", "chart_label", "control_names", "excel_text", "terminal"]
