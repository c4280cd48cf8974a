"""Simple-slope charts of moderation (``results.json`` → ``moderation``).

One chart per interaction and outcome: the fitted outcome ``ŷ = (b₁ + b₃m)·x + b₂m`` (standardized
construct scores) against the independent construct ``x`` from −2 to +2 SD, one line per moderator
level ``m = −1, 0, +1`` SD, each labelled with its slope and bootstrap interval; the
Johnson–Neyman bounds in the footnote.  Reads the results dictionary only (:mod:`csi.derive.moderation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from csi.report.charts.base import (
    INK,
    MUTED,
    SERIES,
    Chart,
    _chart,
    _level,
    _slide,
    footnote,
    labels_of,
)


def _plain(text: str) -> str:
    """User text as literal matplotlib text (no mathtext)."""
    return text.replace("$", r"\$")


def _fmt(v: object) -> str:
    return "–" if v is None else f"{float(v):.3f}"  # type: ignore[arg-type]


def slope_charts(d: Mapping[str, Any]) -> list[Chart]:
    """The simple-slope charts of every moderation in ``d`` (none without interactions)."""
    mod = d.get("moderation") or {}
    slopes, jn = mod.get("slopes") or [], mod.get("johnson_neyman") or []
    labels = labels_of(d)
    charts = []
    for j in jn:
        rows = [r for r in slopes if r["interaction"] == j["interaction"] and r["to"] == j["to"]]
        if rows:
            charts.append(_one(d, j, rows, labels))
    return charts


def _one(d: Mapping[str, Any], j: Mapping[str, Any], rows: list[Mapping[str, Any]], labels: Mapping[str, str]) -> Chart:
    iv, dv, code = str(j["from"]), str(j["to"]), str(j["interaction"])
    name = lambda c: _plain(labels.get(c, c))  # noqa: E731
    title = f"Simple slopes: {name(iv)} → {name(dv)} by moderator level ({_plain(code)})"
    subtitle = f"Fitted {name(dv)} (SD units) at the moderator's mean and ±1 SD; slope [{_level(d)} bootstrap interval]"
    lo, hi = j.get("jn_lower"), j.get("jn_upper")
    jn_text = f"Johnson–Neyman: {j.get('significant')}" + (f" [{_fmt(lo)}, {_fmt(hi)}] SD" if lo is not None and hi is not None else "")
    fig = _slide(title, subtitle, footnote(d, jn_text))
    ax = fig.add_axes((0.09, 0.14, 0.62, 0.66))
    x = np.linspace(-2, 2, 9)
    b2 = float(j.get("b_moderator") or 0.0)
    for k, r in enumerate(sorted(rows, key=lambda r: float(r["moderator_sd"]))):
        m, s = float(r["moderator_sd"]), float(r["slope"])
        colour = SERIES[k % len(SERIES)]
        ax.plot(x, s * x + b2 * m, color=colour, lw=2.5)
        ax.text(2.08, s * 2 + b2 * m, f"moderator {m:+g} SD: {s:.3f} [{_fmt(r.get('ci_lo'))}, {_fmt(r.get('ci_hi'))}]",
                color=colour, va="center", ha="left", fontsize=11, clip_on=False)
    ax.axhline(0, color=MUTED, lw=0.8, ls=":")
    ax.set_xlabel(f"{name(iv)} (SD from the mean)", color=INK)
    ax.set_ylabel(f"fitted {name(dv)} (SD)", color=INK)
    return _chart(f"slopes_{code}_{dv}".lower(), title, subtitle, jn_text, fig)
