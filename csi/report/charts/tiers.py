"""Loyalty-tier bars (NPS, quadrants, bands)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from csi.report.charts.base import (
    INK,
    OKABE_ITO,
    SERIES,
    Chart,
    Native,
    _chart,
    _slide,
    footnote,
    wrap,
)
from csi.report.charts.waves import _signed
from csi.report.i18n import current, tier_word, tr

# --------------------------------------------------------------------------------------
# loyalty tiers
# --------------------------------------------------------------------------------------
_TIER_COLOURS = {
    "detractor": OKABE_ITO["vermillion"], "passive": "#BDBDBD", "promoter": OKABE_ITO["green"],
    "defector": OKABE_ITO["vermillion"], "terrorist": "#8B2C00", "hostage": OKABE_ITO["orange"], "mercenary": OKABE_ITO["sky"],
    "apostle": OKABE_ITO["green"], "loyalist": OKABE_ITO["green"],
    "at risk": OKABE_ITO["vermillion"], "vulnerable": OKABE_ITO["orange"], "committed": OKABE_ITO["green"],
}
_TIER_ORDER = ["terrorist", "defector", "detractor", "at risk", "hostage", "mercenary", "passive", "vulnerable", "loyalist", "apostle", "promoter", "committed"]


def _segment_name(r: Mapping[str, Any]) -> str:
    seg = r.get("segment")
    group = r.get("group") or r.get("column")
    if seg is None or str(seg) in ("all", ""):
        return tr("tiers.all")
    if group and r.get("level") is not None:
        return f"{group}: {r['level']}"
    if not group and "=" in str(seg):  # "region=East" (tier statistics rows)
        col, _, val = str(seg).partition("=")
        return f"{col}: {val}"
    return f"{group}: {seg}" if group and f"{group}" not in str(seg) else str(seg)


def _tier_key(t: str) -> str:
    """'Loyalists' → 'loyalist': colour and order look-ups take singular lower case."""
    t = t.lower().replace("_", " ")
    for cand in (t, t[:-3] + "y" if t.endswith("ies") else t, t[:-1] if t.endswith("s") else t):
        if cand in _TIER_ORDER:
            return cand
    return t


def _scheme_title(scheme: str) -> str:
    name, _, arg = scheme.partition(":")
    base = tr(f"scheme.{name}") if name in ("nps", "quadrants", "bands") else name.capitalize()
    return tr("scheme.cut", s=base, c=arg) if arg else base


def tier_bars(d: Mapping[str, Any]) -> list[Chart]:
    """Tier shares as 100% stacked bars, overall and by segment; one chart per tier scheme."""
    tiers = d.get("tiers") or {}
    groups = [g for g in (tiers.get("groups") or []) if g.get("share") is not None]
    if not groups:
        return []
    schemes = list(dict.fromkeys(str(g.get("scheme", "tiers")) for g in groups))
    summary = tiers.get("summary") or {}
    out = []
    for scheme in schemes:
        rows = [g for g in groups if str(g.get("scheme", "tiers")) == scheme]
        tier_names = list(dict.fromkeys(str(g["tier"]) for g in rows))
        tier_names.sort(key=lambda t: _TIER_ORDER.index(_tier_key(t)) if _tier_key(t) in _TIER_ORDER else len(_TIER_ORDER))
        segs = list(dict.fromkeys(_segment_name(g) for g in rows))
        share = {(_segment_name(g), str(g["tier"])): float(g["share"]) for g in rows}
        count: dict[str, int] = {}
        for g in rows:
            count[_segment_name(g)] = count.get(_segment_name(g), 0) + int(g.get("count") or 0)
        nps_like = {"promoter", "detractor"} <= {_tier_key(t) for t in tier_names}
        stats = {(_segment_name(r), str(r.get("statistic"))): r for r in (tiers.get("statistics") or []) if r.get("scheme") == scheme}
        if scheme == "nps" or nps_like:
            nps = summary.get(scheme) if isinstance(summary.get(scheme), (int, float)) else summary.get("nps")
            p, q = share.get((segs[0], "promoter"), 0.0), share.get((segs[0], "detractor"), 0.0)
            nps_all = float(nps) if isinstance(nps, (int, float)) else 100 * (p - q)
            title = tr("tiers.nps_title", v=_signed(nps_all, 0), p=f"{100 * p:.0f}", q=f"{100 * q:.0f}")
        else:
            top = max(tier_names, key=lambda t: share.get((segs[0], t), 0.0))
            title = tr("tiers.title", s=_scheme_title(scheme), t=tier_word(top), v=f"{100 * share.get((segs[0], top), 0.0):.0f}")
        has_ci = any((g.get("ci") or [None])[0] is not None for g in rows)
        subtitle = tr("tiers.subtitle") + (tr("tiers.by_segment") if len(segs) > 1 else "") + (tr("tiers.wilson") if has_ci else "")
        ci = {(_segment_name(g), str(g["tier"])): tuple(g.get("ci") or (None, None)) for g in rows}
        foot = footnote(d, "\n".join([_scheme_note(scheme, tiers), *_scheme_caveats(scheme, tiers)]))
        fig = _slide(title, subtitle, foot)
        height = min(0.62, 0.11 * len(segs) + 0.1)
        ax = fig.add_axes((0.25, 0.75 - height - max(0.0, (0.55 - height) / 2), 0.62, height))
        y = np.arange(len(segs))
        left = np.zeros(len(segs))
        for k, t in enumerate(tier_names):
            w = np.array([100 * share.get((s, t), 0.0) for s in segs])
            spare = [c for c in SERIES if c not in {_TIER_COLOURS.get(_tier_key(x)) for x in tier_names}]
            colour = _TIER_COLOURS.get(_tier_key(t), spare[k % len(spare)] if spare else SERIES[k % len(SERIES)])
            bars = ax.barh(y, w, left=left, color=colour, height=0.64, label=tier_word(t).capitalize(), edgecolor="white", linewidth=1.2, gid=f"tier:{t}")
            for b, s in zip(bars, segs, strict=True):
                b.set_gid(f"tier:{scheme}:{s}:{t}")
            for yi, l0, wi in zip(y, left, w, strict=True):
                if wi >= 5:
                    dark = colour in (OKABE_ITO["green"], OKABE_ITO["vermillion"], "#8B2C00", OKABE_ITO["blue"])
                    txt = f"{wi:.0f}%"
                    lo_hi = ci.get((segs[int(yi)], t), (None, None))
                    if has_ci and lo_hi[0] is not None and wi >= 9 and len(segs) <= 8:
                        txt += f"\n{100 * float(lo_hi[0]):.0f}–{100 * float(lo_hi[1]):.0f}%"
                    ax.text(float(l0 + wi / 2), float(yi), txt, ha="center", va="center", fontsize=12 if len(segs) <= 8 else 10, color="white" if dark else INK,
                            fontweight="bold", linespacing=1.5)
            left += w
        if scheme == "nps" or nps_like:
            for yi, sg in zip(y, segs, strict=True):
                st = stats.get((sg, "nps"))
                v = float(st["value"]) if st and st.get("value") is not None else 100 * (share.get((sg, "promoter"), 0.0) - share.get((sg, "detractor"), 0.0))
                txt = f"NPS {_signed(v, 0)}"
                lo_s, hi_s = (st.get("ci") or (None, None)) if st else (None, None)
                if lo_s is not None and hi_s is not None:
                    txt += f"\n[{_signed(float(lo_s), 0)}, {_signed(float(hi_s), 0)}]"
                ax.text(101.5, float(yi), txt, va="center", ha="left", fontsize=12 if len(segs) <= 8 else 10, fontweight="bold", color=INK, linespacing=1.4)
        nseg = {_segment_name(g): int(g["n"]) for g in rows if g.get("n") is not None}
        ax.set_yticks(y, [f"{wrap(sg, 30)}\n(n = {nseg.get(sg, count[sg]):,})" for sg in segs])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20), [f"{v}%" for v in range(0, 101, 20)])
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncol=len(tier_names), fontsize=12)
        native = Native("stacked", tuple(segs), tuple((tier_word(t).capitalize(), tuple(share.get((s, t), 0.0) for s in segs)) for t in tier_names),
                        number_format="0%")
        out.append(_chart(f"tiers-{_slug(scheme)}", title, subtitle, foot, fig, native))
    return out


def _scheme_note(scheme: str, tiers: Mapping[str, Any] | None = None) -> str:
    """How the scheme's tiers are defined (the cut-offs that were applied)."""
    kind, _, arg = scheme.partition(":")
    if kind == "nps":
        return tr("tiers.defined", d=tr("tiers.def.nps"))
    if kind == "quadrants":
        return tr("tiers.defined", d=tr("tiers.def.quadrants", cut=arg or "75"))
    if kind == "bands":
        bands = arg or "committed>=80/vulnerable>=60/at risk"
        return tr("tiers.defined", d=tr("tiers.def.bands", bands=" / ".join(tier_word(b) for b in bands.split("/"))))
    return ""


def _scheme_caveats(scheme: str, tiers: Mapping[str, Any] | None) -> list[str]:
    """The caveats the terminal prints for this scheme (results.json ``tiers.notes``), e.g. NPS on a 1–10 item."""
    kind = scheme.partition(":")[0]
    out = []
    for note in (tiers or {}).get("notes") or []:
        text = str(note)
        if not text.lower().startswith(kind.lower()):
            continue
        m = re.search(r"a (-?\d+)[–-](\d+) item", text)
        out.append(tr("tiers.nps_scale", lo=m.group(1), hi=m.group(2)) if kind == "nps" and m and current() != "en" else text)
    return out


def _slug(text: str) -> str:
    """A file-name part for any label: letters of any script kept, a short hash when nothing is left."""
    import hashlib

    s = re.sub(r"[^\w]+", "-", text).strip("-_").lower()
    return s or "x" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


