"""Terminal summary of a fit (rich tables; plain text when not on a terminal)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console
from rich.table import Table

from csi.quality import THRESHOLDS

if TYPE_CHECKING:
    from csi.api import FitResults


def _f(v: float, nd: int = 3) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{v:.{nd}f}"


def _flag(v: float, thr: float) -> str:
    return "" if not np.isfinite(v) or v >= thr else " !"


def render(res: FitResults, console: Console) -> None:
    spec, pls, q, idx = res.spec, res.pls, res.quality, res.indices
    s = res.settings
    console.print(
        f"[bold]{spec.label}[/bold] ({spec.name}) · {res.method.upper()} · {s['scheme']} scheme · "
        f"n = {pls.n_obs} of {s['n_read']} read ({s['missing']})"
        + (f" · effective n {s['n_effective']:.1f}" if s.get("weighted") else "")
    )
    boot = res.bootstrap
    bi = boot.stats("index") if boot is not None else None
    bp = boot.stats("paths") if boot is not None else None
    t = Table(title="Constructs (0–100 index; quality flagged '!' below alpha/rho 0.7, AVE 0.5)")
    for col in ("construct", "label", "index", "95% CI" if bi is not None else None, "R²", "R² adj", "alpha", "rho_A", "rho_C", "AVE"):
        if col is not None:
            t.add_column(col, justify="left" if col in ("construct", "label") else "right")
    for c in spec.constructs:
        r = q.reliability.loc[c.code]
        row = [c.code, c.label, _f(idx.index[c.code], 1)]
        if bi is not None:
            row.append(f"[{_f(bi.loc[c.code, 'ci_lo'], 1)}, {_f(bi.loc[c.code, 'ci_hi'], 1)}]")
        row += [_f(pls.r2[c.code]), _f(pls.r2_adj[c.code])]
        row += [_f(r[k]) + _flag(r[k], THRESHOLDS[k]) for k in ("alpha", "rho_a", "rho_c", "ave")]
        t.add_row(*row)
    console.print(t)
    t = Table(title="Paths")
    cols = ["path", "estimate"] + (["SE", "t", "p", "95% CI"] if bp is not None else []) + ["f²"]
    for col in cols:
        t.add_column(col, justify="left" if col == "path" else "right")
    for (a, b), v in pls.paths.items():
        row = [f"{a} → {b}", _f(v)]
        if bp is not None:
            r = bp.loc[(a, b)]
            row += [_f(r.std_error), _f(r.t, 2), _f(r.p_value), f"[{_f(r.ci_lo)}, {_f(r.ci_hi)}]"]
        row.append(_f(q.f2.get((a, b), np.nan)))
        t.add_row(*row)
    console.print(t)
    high = [(a, b, q.htmt.loc[a, b]) for a in q.htmt.index for b in q.htmt.columns
            if np.isfinite(q.htmt.loc[a, b]) and q.htmt.loc[a, b] >= THRESHOLDS["htmt"]]
    console.print(f"GoF {_f(q.gof)} · HTMT pairs ≥ 0.85: " + (", ".join(f"{a}–{b} {v:.3f}" for a, b, v in high) or "none"))
    if boot is not None:
        bs = boot.settings
        console.print(
            f"Bootstrap: {bs.get('resamples_used')} of {bs.get('resamples')} resamples used "
            f"({bs.get('resamples_failed')} failed), {bs.get('ci')} {bs.get('level')} intervals, seed {bs.get('seed')}"
        )
    for note in res.survey.notes:
        console.print(f"[dim]note: {note}[/dim]")
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")


def render_text(res: FitResults, width: int = 110) -> str:
    buf = io.StringIO()
    render(res, Console(file=buf, width=width, force_terminal=False, color_system=None))
    return buf.getvalue()
