"""The CB-SEM fit chart: global fit indices against their cut-offs and the admissibility checks.

Reads ``results.json`` of ``csi fit --method cbsem`` (``fit``, ``cbsem.thresholds``,
``cbsem.admissibility``); the numbers are drawn as they are in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from csi.report.charts.base import INK, MUTED, OKABE_ITO, Chart, _chart, _slide, footnote, wrap
from csi.report.i18n import tr

_ROWS = (("chi2", "χ²"), ("cfi", "CFI"), ("tli", "TLI"), ("rmsea", "RMSEA"), ("srmr", "SRMR"), ("aic", "AIC"), ("bic", "BIC"))


def fit_rows(d: Mapping[str, Any]) -> list[tuple[str, str, str, str | None]]:
    """(code, value text, cut-off, met) per fit measure, as the chart prints them."""
    fit = d.get("fit") or {}
    thr = (d.get("cbsem") or {}).get("thresholds") or {}
    rows: list[tuple[str, str, str, str | None]] = []
    for key, name in _ROWS:
        v = fit.get(key)
        if v is None:
            continue
        if key == "chi2":
            text = f"{float(v):.2f} (df = {fit.get('df')}, p = {float(fit.get('p_value') or 0):.3g})"
        elif key == "rmsea" and fit.get("rmsea_ci"):
            lo, hi = fit["rmsea_ci"]
            text = f"{float(v):.3f} [{float(lo):.3f}, {float(hi):.3f}]"
        elif key in ("aic", "bic"):
            text = f"{float(v):.1f}"
        else:
            text = f"{float(v):.3f}"
        t = thr.get(key) or {}
        met = None if "met" not in t else (tr("cbfit.yes") if t["met"] else tr("cbfit.no"))
        rows.append((name, text, str(t.get("cutoff") or "–"), met))
    return rows


def cbsem_fit(d: Mapping[str, Any]) -> Chart | None:
    """A table of the CB-SEM fit measures (value, cut-off, met) and the admissibility problems."""
    cb = d.get("cbsem") or {}
    if not d.get("fit") or not cb:
        return None
    rows = fit_rows(d)
    judged = [r for r in rows if r[3] is not None]
    title = tr("cbfit.title_ok", met=sum(r[3] == tr("cbfit.yes") for r in judged), n=len(judged))
    subtitle = tr("cbfit.subtitle", est=str(cb.get("estimator") or (d.get("fit") or {}).get("estimator") or "ML"))
    foot = footnote(d, tr("cbfit.foot"), cbsem=True)
    fig = _slide(title, subtitle, foot)
    ax = fig.add_axes((0.035, 0.14, 0.93, 0.68))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    xs = (0.0, 0.14, 0.44, 0.58)
    step = 0.065
    for x, head in zip(xs, (tr("cbfit.measure"), tr("cbfit.value"), tr("cbfit.cutoff"), tr("cbfit.met")), strict=True):
        ax.text(x, 0.97, head, fontweight="bold", fontsize=13, va="top", color=INK)
    for i, (name, value, cut, met) in enumerate(rows):
        y = 0.97 - (i + 1) * step
        colour = OKABE_ITO["green"] if met == tr("cbfit.yes") else OKABE_ITO["vermillion"] if met == tr("cbfit.no") else INK
        for x, text in zip(xs, (name, value, cut, met or "–"), strict=True):
            ax.text(x, y, text, fontsize=12.5, va="top", color=colour if x == xs[3] else INK, gid=f"cbfit:{name}" if x == xs[1] else None)
    problems = list(cb.get("admissibility") or [])
    y = 0.97 - (len(rows) + 1.5) * step
    if not problems:
        ax.text(0, y, tr("cbfit.admissible"), fontsize=12.5, va="top", color=OKABE_ITO["green"], gid="cbfit:admissible")
    else:
        ax.text(0, y, tr("cbfit.inadmissible", n=len(problems)), fontsize=12.5, va="top", color=OKABE_ITO["vermillion"], fontweight="bold",
                gid="cbfit:inadmissible")
        for k, p in enumerate(problems[:6]):
            ax.text(0.02, y - (k + 1) * 0.048, "• " + wrap(str(p.get("message") or ""), 150).split("\n")[0], fontsize=10.5, va="top", color=MUTED,
                    gid=f"cbfit:problem:{k}")
    return _chart("cbsem-fit", title, subtitle, foot, fig)
