"""Loyalty-tier scheme syntax (``--tiers`` and a model's ``tiers:``), parsed into :class:`TierScheme`.

Syntax: ``nps[:rescale]``, ``quadrants[:CUT|:median][:terrorists[=T]]``,
``bands[:NAME>=BOUND/.../NAME]``; cut-offs and bounds are numbers from 0 to 100.  The model layer
parses it so that a model file's ``tiers:`` is checked with line numbers; the tiers themselves are
computed in :mod:`csi.derive.tiers`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from csi.errors import CsiError

TIER_SCHEMES: dict[str, str] = {
    "nps": "Net Promoter on the 'recommend' item: promoters 9–10, passives 7–8, detractors ≤ 6 (option: rescale)",
    "quadrants": "Jones & Sasser satisfaction × loyalty quadrants at a cut-off (75, a number or median; option: terrorists[=T])",
    "bands": "loyalty-score bands, default committed>=80/vulnerable>=60/at risk",
}


SYNTAX = "nps[:rescale], quadrants[:CUT|:median][:terrorists[=T]], bands[:NAME>=BOUND/.../NAME]"


DEFAULT_CUT = 75.0


DEFAULT_TERRORIST_CUT = 25.0


DEFAULT_BANDS: tuple[tuple[str, float | None], ...] = (("committed", 80.0), ("vulnerable", 60.0), ("at risk", None))


QUADRANTS = ("loyalists", "mercenaries", "hostages", "defectors")


NPS_TIERS = ("promoter", "passive", "detractor")


@dataclass(frozen=True)
class TierScheme:
    """A parsed tier scheme; ``text`` is its canonical string (the key in every output)."""

    kind: str
    text: str
    rescale: bool = False  # nps
    cut: float | None = DEFAULT_CUT  # quadrants; None = median
    terrorists: float | None = None  # quadrants: terrorist corner below this on both scores
    bands: tuple[tuple[str, float | None], ...] = DEFAULT_BANDS  # bands: (name, lower bound)

    @property
    def tiers(self) -> tuple[str, ...]:
        if self.kind == "nps":
            return NPS_TIERS
        if self.kind == "quadrants":
            return QUADRANTS + (("terrorists",) if self.terrorists is not None else ())
        return tuple(b[0] for b in self.bands)


def _num(text: str, what: str, scheme: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise CsiError(f"tier scheme {scheme!r}: {what} should be a number from 0 to 100; got {text!r}") from None
    if not 0 <= v <= 100 or not np.isfinite(v):
        raise CsiError(f"tier scheme {scheme!r}: {what} should be a number from 0 to 100; got {text!r}")
    return v


def _g(v: float) -> str:
    return f"{v:g}"


def parse_scheme(text: str) -> TierScheme:
    """Parse one scheme string (see the module docstring for the syntax)."""
    raw = str(text).strip()
    name, _, rest = raw.partition(":")
    kind = name.strip().lower()
    opts = [o.strip() for o in rest.split(":")] if rest.strip() else []
    if kind not in TIER_SCHEMES:
        raise CsiError(f"--tiers: scheme should be one of {', '.join(TIER_SCHEMES)} (or none); got {raw!r}; syntax: {SYNTAX}")
    if kind == "nps":
        if len(opts) > 1 or (opts and opts[0].lower() not in {"rescale", "raw"}):
            raise CsiError(f"tier scheme {raw!r}: nps takes one option, rescale or raw; got {rest!r}")
        rescale = bool(opts) and opts[0].lower() == "rescale"
        return TierScheme("nps", "nps:rescale" if rescale else "nps", rescale=rescale)
    if kind == "quadrants":
        cut: float | None = DEFAULT_CUT
        terror: float | None = None
        seen_cut = False
        for o in opts:
            low = o.lower()
            if low.startswith("terrorists"):
                _, eq, val = o.partition("=")
                terror = _num(val, "the terrorist cut-off", raw) if eq else DEFAULT_TERRORIST_CUT
            elif not seen_cut and low == "median":
                cut, seen_cut = None, True
            elif not seen_cut:
                cut, seen_cut = _num(o, "the cut-off", raw), True
            else:
                raise CsiError(f"tier scheme {raw!r}: unexpected option {o!r}; syntax: quadrants[:CUT|:median][:terrorists[=T]]")
        if terror is not None and cut is not None and terror > cut:
            raise CsiError(f"tier scheme {raw!r}: the terrorist cut-off ({_g(terror)}) should not exceed the cut-off ({_g(cut)})")
        canon = f"quadrants:{'median' if cut is None else _g(cut)}"
        if terror is not None:
            canon += f":terrorists={_g(terror)}"
        return TierScheme("quadrants", canon, cut=cut, terrorists=terror)
    # bands
    if not opts:
        bands = DEFAULT_BANDS
    elif len(opts) > 1:
        raise CsiError(f"tier scheme {raw!r}: separate bands with '/', e.g. bands:committed>=80/vulnerable>=60/at risk")
    else:
        bands = _parse_bands(opts[0], raw)
    canon = "bands:" + "/".join(f"{n}>={_g(b)}" if b is not None else n for n, b in bands)
    return TierScheme("bands", "bands" if bands == DEFAULT_BANDS else canon, bands=bands)


def _parse_bands(text: str, raw: str) -> tuple[tuple[str, float | None], ...]:
    parts = [p.strip() for p in text.split("/")]
    if any(not p for p in parts):
        raise CsiError(f"tier scheme {raw!r}: an empty band; expected e.g. bands:committed>=80/vulnerable>=60/at risk")
    out: list[tuple[str | None, float | None]] = []
    for i, p in enumerate(parts):
        m = re.fullmatch(r"(.*?)\s*>=\s*(\S+)", p)
        if m:
            out.append((m.group(1).strip() or None, _num(m.group(2), f"band bound of {p!r}", raw)))
        elif re.fullmatch(r"-?\d+(\.\d+)?", p):
            out.append((None, _num(p, "a band bound", raw)))
        elif i == len(parts) - 1:
            out.append((p, None))
        else:
            raise CsiError(f"tier scheme {raw!r}: band {p!r} should be NAME>=BOUND (only the last band may be a bare name)")
    bounds = [b for _, b in out if b is not None]
    if not bounds:
        raise CsiError(f"tier scheme {raw!r}: bands need at least one bound, e.g. bands:committed>=80/at risk")
    if any(a <= b for a, b in zip(bounds, bounds[1:], strict=False)):
        raise CsiError(f"tier scheme {raw!r}: band bounds should decrease from the first band to the last; got {', '.join(map(_g, bounds))}")
    if out[-1][1] is not None:
        out.append((None, None))  # the rest, below the last bound
    if all(n is None for n, _ in out) and len(bounds) == 2:
        names: list[str] = [n for n, _ in DEFAULT_BANDS]
    else:
        names = []
        for i, (n, b) in enumerate(out):
            if n is not None:
                names.append(n)
            elif b is None:
                names.append(f"<{_g(bounds[-1])}")
            elif i == 0:
                names.append(f">={_g(b)}")
            else:
                prev = out[i - 1][1]
                names.append(f"{_g(b)}-{_g(prev)}" if prev is not None else f">={_g(b)}")
    if len(set(names)) != len(names):
        raise CsiError(f"tier scheme {raw!r}: band names should differ; got {', '.join(names)}")
    return tuple((nm, b) for nm, (_, b) in zip(names, out, strict=True))


def parse_schemes(texts: Sequence[str]) -> tuple[TierScheme, ...]:
    out: list[TierScheme] = []
    for t in texts:
        s = parse_scheme(t)
        if s.text not in {o.text for o in out}:
            out.append(s)
    return tuple(out)
