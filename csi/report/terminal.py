"""Terminal summary of a fit (rich tables; plain text when not on a terminal)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from rich.console import Console
from rich.text import Text

from csi.derive.quality import THRESHOLDS
from csi.report.screen import (
    HIDDEN_BY_DEFAULT,
    SECTIONS,
    print_wrapped,
    render_effects,
    render_measurement,
    render_mediation,
    shown,
)
from csi.report.text import terminal as esc  # the one escape of user text for the console
from csi.results.contract import records, rows_by_key

if TYPE_CHECKING:
    from rich.table import Table

    from csi.data.survey import ValidationReport
    from csi.derive.tiers import TierResults
    from csi.results.scores import ScoreResults
    from csi.results.types import FitResults


def _f(v: object, nd: int = 3) -> str:
    if v is None or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
        return "–"
    return f"{float(v):.{nd}f}"


def _flag(v: float, thr: float) -> str:
    return "" if not np.isfinite(v) or v >= thr else " !"


def render(res: FitResults, console: Console, show: Sequence[str] | None = None) -> None:
    """The fit on screen, section by section (``show``: the ``--show`` keys; None = the default set,
    :mod:`csi.report.screen`): measurement model first, then the structural model, indices and
    quality, effects and mediation, plug-in derivations, CB-SEM, IPMA, tiers and groups."""
    spec, pls = res.spec, res.pls
    s = res.settings
    console.print(
        Text(f"{spec.label}", style="bold") + Text(
            f" ({spec.name}) · {res.method.upper()} · {s['scheme']} scheme · n = {pls.n_obs} of {s['n_read']} read ({s['missing']})"
            + (f" · effective n {s['n_effective']:.1f}" if s.get("weighted") else ""))
    )
    sections = (("measurement", render_measurement), ("structural", _render_structural), ("indices", _render_indices),
                ("quality", _render_quality), ("effects", render_effects), ("mediation", render_mediation),
                ("cbsem", _render_cbsem))
    for key, draw in sections:
        if shown(show, key):
            draw(res, console)
    _render_maps_tiers_groups(res, console, show)
    for note in res.survey.notes:
        console.print(f"[dim]note: {esc(note)}[/dim]")
    _render_derived(res, console, show)
    hidden = [k for k in HIDDEN_BY_DEFAULT if show is None]
    if hidden:
        console.print(Text(f"more: --show {','.join(hidden)} (or any of {', '.join(SECTIONS)})", style="dim"))
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {esc(w)}")
    gates = sorted({i.category for i in res.gate_issues})
    if gates:
        console.print(f"{len(res.gate_issues)} of these are checks that fail --strict ({', '.join(gates)})")


def _ci_label(res: FitResults) -> str:
    boot = res.bootstrap
    if boot is None:
        return ""
    return f"{100 * float(boot.settings.get('level', 0.95)):g}% CI" + (" (BCa)" if boot.settings.get("ci") == "bca" else "")


def _render_structural(res: FitResults, console: Console) -> None:
    """Paths with bootstrap SE, t, p, interval and f²; R² of the endogenous constructs; bootstrap settings."""
    pls, q, boot = res.pls, res.quality, res.bootstrap
    bp = boot.stats("paths") if boot is not None else None
    header = ["path", "estimate"] + (["SE", "t", "p", _ci_label(res)] if bp is not None else []) + ["f²"]
    bp_rows, f2 = rows_by_key(bp), q.f2.to_dict()
    rows = []
    for a, b, v in pls.path_list():
        row = [f"{a} → {b}", _f(v)]
        if bp is not None:
            br = bp_rows[(a, b)]
            row += [_f(br["std_error"]), _f(br["t"], 2), _f(br["p_value"]), f"[{_f(br['ci_lo'])}, {_f(br['ci_hi'])}]"]
        row.append(_f(f2.get((a, b), np.nan)))
        rows.append(row)
    print_wrapped(console, "Paths" if res.cbsem is None else "Paths (PLS)", header, rows)
    r2, r2_adj = pls.r2.to_dict(), pls.r2_adj.to_dict()
    endo = [c for c in res.spec.codes if np.isfinite(r2[c])]
    console.print(Text("R²: " + ", ".join(f"{c} {_f(r2[c])} (adj. {_f(r2_adj[c])})" for c in endo)))
    if boot is not None:
        bs = boot.settings
        console.print(
            f"Bootstrap: {bs.get('resamples_used')} of {bs.get('resamples')} resamples used "
            f"({bs.get('resamples_failed')} failed), {float(bs.get('level', 0.95)):.0%} {bs.get('ci')} intervals, seed {bs.get('seed')}"
        )
    else:
        console.print("Bootstrap: off (--boot 0): no standard errors, p-values or intervals")


def _render_indices(res: FitResults, console: Console) -> None:
    """The 0–100 index of every construct with its interval, and R²."""
    pls, idx, boot = res.pls, res.indices, res.bootstrap
    bi = boot.stats("index") if boot is not None else None
    method = res.settings.get("index_method", "acsi")
    by = "" if method == "acsi" else f" by {method}"
    header = ["construct", "label", "index"] + ([_ci_label(res)] if bi is not None else []) + ["R²", "R² adj"]
    rows = []
    index, bi_rows, r2, r2_adj = idx.index.to_dict(), rows_by_key(bi), pls.r2.to_dict(), pls.r2_adj.to_dict()
    for c in res.spec.constructs:
        row = [c.code, c.label, _f(index[c.code], 1)]
        if bi is not None:
            row.append(f"[{_f(bi_rows[c.code]['ci_lo'], 1)}, {_f(bi_rows[c.code]['ci_hi'], 1)}]")
        row += [_f(r2[c.code]), _f(r2_adj[c.code])]
        rows.append(row)
    print_wrapped(console, f"Constructs (0–100 index{by})", header, rows, keys=1, left=2)


def _render_quality(res: FitResults, console: Console) -> None:
    """Reliability and convergent validity ('!' below the usual thresholds), GoF and high HTMT pairs."""
    q = res.quality
    keys = ("alpha", "rho_a", "rho_c", "ave")
    header = ["construct", "alpha", "rho_A", "rho_C", "AVE"]
    rows = []
    formative = []
    rel = rows_by_key(q.reliability)
    for c in res.spec.constructs:
        r = {k: float(rel[c.code][k]) for k in keys}
        if c.mode == "B" and len(c.items) > 1:
            formative.append(c.code)
        rows.append([c.code] + [_f(r[k]) + _flag(r[k], THRESHOLDS[k]) for k in keys])
    print_wrapped(console, "Measurement quality ('!' below alpha/rho 0.7, AVE 0.5)", header, rows)
    if formative:
        console.print(Text(f"– not applicable to formative (mode B) composites: {', '.join(formative)}", style="dim"))
    cols = q.htmt.columns.tolist()
    high = [(a, b, v) for a, row in zip(q.htmt.index.tolist(), q.htmt.to_numpy(dtype=float).tolist(), strict=True)
            for b, v in zip(cols, row, strict=True) if np.isfinite(v) and v >= THRESHOLDS["htmt"]]
    console.print(f"GoF {_f(q.gof)} · HTMT pairs ≥ 0.85: " + (", ".join(f"{a}–{b} {v:.3f}" for a, b, v in high) or "none"))


def _render_derived(res: FitResults, console: Console, show: Sequence[str] | None = None) -> None:
    """Every table of every plug-in derivation, under its key (no per-derivation code here);
    mediation has its own section (:func:`csi.report.screen.render_mediation`)."""
    for key, value in res.derived.items():
        if key == "mediation" or not shown(show, key):
            continue
        for name, df in value.tables().items():
            header, rows, keys = frame_rows(df)
            print_wrapped(console, f"{key}: {name}", header, rows, keys=max(keys, 1))  # Text cells: never markup


def frame_rows(df: pd.DataFrame) -> tuple[list[str], list[list[str]], int]:
    """A DataFrame as header, text rows (numbers to 3 decimals) and the number of index columns."""
    named = [str(n) for n in df.index.names if n is not None]
    rows = []
    for key, row in zip(df.index, df.itertuples(index=False), strict=True):
        keys = (key if isinstance(key, tuple) else (key,)) if named else ()
        rows.append([*map(str, keys), *[_f(v) if isinstance(v, (float, np.floating)) else str(v) for v in row]])
    return [*named, *map(str, df.columns)], rows, len(named)


def frame_table(df: pd.DataFrame) -> Table:
    """A rich table of a DataFrame: index levels then columns, numbers to 3 decimals."""
    from rich.table import Table

    t = Table()
    named = [n for n in df.index.names if n is not None]
    for col in [*map(str, named), *map(str, df.columns)]:
        t.add_column(col, justify="left" if col in map(str, named) else "right")
    for key, row in zip(df.index, df.itertuples(index=False), strict=True):
        keys = (key if isinstance(key, tuple) else (key,)) if named else ()
        cells = [_f(v) if isinstance(v, (float, np.floating)) else esc(v) for v in row]
        t.add_row(*map(esc, keys), *cells)
    return t


def _render_cbsem(res: FitResults, console: Console) -> None:
    """CB-SEM (issue 5): fit with Hu & Bentler cut-offs, paths or PLS vs CB-SEM side by side."""
    cb = res.cbsem
    if cb is None:
        return
    from rich.table import Table

    from csi.estimators.cbsem import HU_BENTLER, INDEX_SOURCE, STD_LIMIT

    f, met = cb.fit, cb.thresholds
    state = "admissible" if cb.admissible else f"NOT admissible ({len(cb.problems)} problem(s): see the warnings)"
    console.print(
        f"[bold]CB-SEM[/bold] · {cb.estimator} via {cb.settings.get('engine')} · n = {cb.n_obs} · "
        f"{'converged' if cb.converged else 'did NOT converge'} ({cb.iterations} iterations) · {state}"
    )
    t = Table(title="CB-SEM fit (Hu & Bentler 1999 cut-offs; '!' = not met)")
    for col in ("measure", "value", "cut-off"):
        t.add_column(col, justify="left" if col == "measure" else "right")
    p_txt = f"p {_f(f['p_value'])}" if f.get("p_value") is not None else "no p: not χ²-distributed"
    t.add_row("χ² (df, p)", f"{_f(f['chi2'], 2)} ({f['df']}, {p_txt})", "")
    for k, name in (("cfi", "CFI"), ("tli", "TLI"), ("rmsea", "RMSEA [90% CI]"), ("srmr", "SRMR")):
        op, cut = HU_BENTLER[k]
        v = _f(f[k])
        if k == "rmsea":
            v += f" [{_f(f['rmsea_ci'][0])}, {_f(f['rmsea_ci'][1])}]"
        t.add_row(name, v + ("" if met[k] is None or met[k] else " !"), f"{'≥' if op == '>=' else '≤'} {cut:g}")
    if f.get("loglik") is not None:
        t.add_row("log-likelihood · AIC · BIC", f"{_f(f['loglik'], 2)} · {_f(f['aic'], 2)} · {_f(f['bic'], 2)}", "")
    console.print(t)

    def std(v: float) -> str:
        return _f(v) + (" !" if np.isfinite(v) and abs(v) > STD_LIMIT else "")

    if res.method == "both":
        t = Table(title="PLS vs CB-SEM: standardized paths and R² ('!' beyond ±1 or R² ≥ 0.99)")
        for col in ("", "PLS", f"CB-SEM ({cb.estimator})", "difference"):
            t.add_column(col, justify="left" if col == "" else "right")
        for key, v in zip(res.pls.paths.index.tolist(), res.pls.paths.to_numpy(dtype=float), strict=True):
            w = cb.std_paths.get(tuple(key), np.nan)
            t.add_row(f"{key[0]} → {key[1]}", _f(v), std(w), _f(w - v))
        t.add_section()
        for c, r2_cb in zip(cb.r2.index, cb.r2.to_numpy(dtype=float), strict=True):
            r2_pls = float(res.pls.r2[c])
            t.add_row(f"R² {c}", _f(r2_pls), _f(r2_cb) + (" !" if np.isfinite(r2_cb) and r2_cb >= 0.99 else ""), _f(r2_cb - r2_pls))
        console.print(t)
    else:
        p = cb.paths
        boot = "ci_lo" in p.columns
        title = f"CB-SEM paths ({cb.estimator}; standardized = std.all" + ("; percentile bootstrap CI of the standardized path)" if boot else ")")
        header = ["path", "estimate", "SE", "z", "p", "standardized", "SE (std)"] + (["CI (std)"] if boot else [])
        rows = []
        for key, r in zip(p.index.tolist(), p.to_dict(orient="records"), strict=True):
            row = [f"{key[0]} → {key[1]}", _f(r["estimate"]), _f(r["std_error"]), _f(r["z"], 2), _f(r["p_value"]),
                   std(r["std_estimate"]), _f(r["std_se"])]
            if boot:
                row.append(f"[{_f(r['ci_lo'])}, {_f(r['ci_hi'])}]")
            rows.append(row)
        print_wrapped(console, title, header, rows)
        r2 = zip(cb.r2.index, cb.r2.to_numpy(dtype=float), strict=True)
        console.print("CB-SEM R²: " + ", ".join(f"{c} {_f(v)}" + (" !" if np.isfinite(v) and v >= 0.99 else "") for c, v in r2))
        bs = cb.bootstrap_settings
        if bs:
            console.print(
                f"CB-SEM bootstrap: {bs['resamples_used']} of {bs['resamples']} resamples used ({bs['resamples_failed']} failed, "
                f"{bs['resamples_inadmissible']} inadmissible), percentile {bs['level']} intervals, seed {bs['seed']}"
            )
    console.print(f"[dim]note: {INDEX_SOURCE}[/dim]")


def _render_maps_tiers_groups(res: FitResults, console: Console, show: Sequence[str] | None = None) -> None:
    """IPMA (with its priority quadrant), loyalty tiers and group comparisons (issue 6)."""
    import pandas as pd

    ip = res.ipma
    if isinstance(ip, pd.DataFrame) and len(ip) and shown(show, "ipma"):
        from csi.derive.ipma import priority_summary

        ip_rows = [[str(r["construct"]), _f(r["importance"]), _f(r["performance"], 1), "◆" if r["priority"] else ""]
                   for r in ip.sort_values("importance", ascending=False).to_dict(orient="records")]
        print_wrapped(console, f"Importance–performance map (target {ip.target.iloc[0]})",
                      ["construct", "importance", "performance", "priority"], ip_rows)
        console.print(priority_summary(ip))
    tr = res.tiers
    if tr is not None and len(getattr(tr, "groups", ())) and shown(show, "tiers"):
        _render_tiers(tr, console)
    gr = getattr(res, "groups", None)
    for c in getattr(gr, "comparisons", ()) if shown(show, "groups") else ():
        sizes = ", ".join(f"{r.level} n={r.n}{'' if r.fitted else ' (not fitted)'}" for r in c.sizes.itertuples())
        console.print(f"[bold]Groups by {esc(c.column)}[/bold]: {esc(sizes or 'none')}")
        d = c.differences
        if len(d):
            sig = d[d.significant]
            adj = c.settings.get('adjustment', 'Holm').split(':')[0]
            title = (f"Group differences by {esc(c.column)}: {adj}-adjusted p < {c.settings['alpha']:g} "
                     f"({c.settings['permutations']} permutations)")
            grows = []
            for r in sig.itertuples():
                nd = 1 if r.kind == "index" else 3
                grows.append([f"{r.group_a} vs {r.group_b}", str(r.kind), str(r.name), _f(r.estimate_a, nd), _f(r.estimate_b, nd),
                              _f(r.difference, nd), _f(r.p_permutation), _f(r.p_permutation_adj), _f(r.p_mga)])
            if len(sig):
                print_wrapped(console, title, ["groups", "kind", "name", "a", "b", "a − b", "p", "p adj", "p MGA"], grows, keys=3)
            elif c.settings.get("min_attainable_p", 0) >= c.settings["alpha"]:
                console.print(f"Group differences by {esc(c.column)}: not testable with {c.settings['permutations']} permutations (see the warning)")
            else:
                console.print(f"Group differences by {esc(c.column)}: none significant ({c.settings.get('adjustment', 'Holm').split(':')[0]}-adjusted p < {c.settings['alpha']:g})")
        m = c.micom
        if len(m):
            verdict = {k: sorted(set(m[m.invariance == k].construct)) for k in ("full", "partial", "none")}
            console.print("MICOM: " + " · ".join(f"{k} invariance: {', '.join(v)}" for k, v in verdict.items() if v))
        for note in c.notes:
            console.print(f"[dim]note: {esc(note)}[/dim]")


def _render_tiers(tr: TierResults, console: Console) -> None:
    """One table per tier scheme: segments by tiers (share % and Wilson interval), NPS for nps schemes.

    Read from the tables' records once (a boolean filter per cell costs milliseconds under
    pandas 3); segments in order of first appearance, a missing segment skipped, as ``groupby``.
    """
    groups, stats = records(tr.groups, index=False), records(tr.statistics, index=False)
    for scheme in tr.schemes:
        sub = [r for r in groups if r["scheme"] == scheme]
        tiers = list(dict.fromkeys(r["tier"] for r in sub))
        header = ["segment", "n", *tiers] + (["NPS"] if scheme.startswith("nps") else [])
        table_rows = []
        for seg in dict.fromkeys(r["segment"] for r in sub if not pd.isna(r["segment"])):
            rows = [r for r in sub if r["segment"] == seg]
            row = [esc(seg), str(int(rows[0]["n"]))]
            for tier in tiers:
                r = [x for x in rows if x["tier"] == tier][0]
                row.append(f"{_f(100 * r['share'], 1)} [{_f(100 * r['ci_lo'], 1)}, {_f(100 * r['ci_hi'], 1)}]")
            if scheme.startswith("nps"):
                st = [x for x in stats if x["scheme"] == scheme and x["segment"] == seg]
                row.append(f"{_f(st[0]['value'], 1)} [{_f(st[0]['ci_lo'], 1)}, {_f(st[0]['ci_hi'], 1)}]" if st else "–")
            table_rows.append(row)
        print_wrapped(console, f"Tiers: {scheme} (share %, 95% Wilson interval)", header, table_rows, keys=2, left=1)
    for note in getattr(tr, "notes", ()):
        console.print(f"[dim]note: {esc(note)}[/dim]")


def render_text(res: FitResults, width: int = 110, show: Sequence[str] | None = None) -> str:
    buf = io.StringIO()
    render(res, Console(file=buf, width=width, force_terminal=False, color_system=None), show)
    return buf.getvalue()


MAX_WAVES, MAX_SERIES = 8, 12  # terminal only; the files hold every wave and series


def render_scores(res: ScoreResults, console: Console) -> None:
    """Trend table per series (wave columns), significant changes marked; drift; failures."""
    from rich.table import Table

    s = res.settings
    alpha = 1 - res.level
    boot = f"{s['resamples']} resamples per wave, {res.level:.0%} percentile intervals" if s["resamples"] else "no bootstrap"
    console.print(
        f"[bold]{esc(res.spec.label)}[/bold] ({esc(res.spec.name)}) · {res.mode} mode · {len(res.labels)} wave(s)"
        + (f" · segments by {s['segments']}" if s.get("segments") else "") + f" · {boot} · seed {s['seed']}"
    )
    ch = res.changes
    all_series = _series_of(res)
    for series, whole in list(all_series.items())[:MAX_SERIES]:
        group = whole[-MAX_WAVES:]  # the latest waves fit a terminal; scores.xlsx has them all
        name = ", ".join(f"{k}={v}" for k, v in series) or "all respondents"
        more = f" (last {len(group)} of {len(whole)} waves)" if len(group) < len(whole) else ""
        t = Table(title=f"Index trend: {esc(name)}{more}")
        t.add_column("construct")
        for u in group:
            t.add_column(esc(u.label), justify="right")
        sub = ch[ch["series"].map(lambda x, key=series: x == key)] if len(ch) else ch
        for code in res.spec.codes:
            row = [code]
            for u in group:
                cell = _f(u.index[code], 1)
                if len(sub):
                    sig = sub[(sub["construct"] == code) & (sub["to"] == u.label) & sub["significant"]]
                    step = sig[sig["consecutive"]]
                    if len(step):
                        cell += " ▲" if step["delta"].iloc[0] > 0 else " ▼"
                    if sig["vs_first"].any():
                        cell += "*"
                row.append(cell)
            t.add_row(*row)
        t.add_row("n", *[str(u.n) for u in group], style="dim")
        console.print(t)
    if len(all_series) > MAX_SERIES:
        console.print(f"… {len(all_series) - MAX_SERIES} more series in scores.xlsx")
    if s["resamples"]:
        console.print(f"▲ ▼ significant change from the previous wave, * from the first wave (two-sided bootstrap p < {alpha:.2g})")
    if res.mode == "refit" and len(res.drift):
        d = res.drift
        big = d.iloc[int(np.nanargmax(d["max_weight_change"].to_numpy(dtype=float)))]
        low = d.iloc[int(np.nanargmin(d["compositional_c"].to_numpy(dtype=float)))]
        console.print(
            f"Weight drift vs first wave: largest normalized-weight change {big['max_weight_change']:.3f} "
            f"({big['item']}, {big['wave']}); lowest compositional c {low['compositional_c']:.4f} ({low['construct']}, {low['wave']})"
        )
    for f in res.failed:
        console.print(f"[bold red]failed:[/bold red] {esc(f.error)}", highlight=False, soft_wrap=True)
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {esc(w)}", highlight=False, soft_wrap=True)


def _series_of(res: ScoreResults) -> dict[tuple[tuple[str, str], ...], list]:
    out: dict[tuple[tuple[str, str], ...], list] = {}
    for u in sorted(res.units, key=lambda u: u.position):
        out.setdefault(u.series, []).append(u)
    return out


def render_scores_text(res: ScoreResults, width: int = 110) -> str:
    buf = io.StringIO()
    render_scores(res, Console(file=buf, width=width, force_terminal=False, color_system=None))
    return buf.getvalue()


def render_validation(rep: ValidationReport, console: Console) -> None:
    """``csi validate``: columns found, answers per item, respondents used, problems."""
    lo, hi = rep.scale
    console.print(
        f"[bold]Survey[/bold] {esc(rep.where)} · {rep.kind} · model {esc(rep.model)} "
        f"({len(rep.items)} items, {lo:g}–{hi:g} scale)", highlight=False, soft_wrap=True,
    )
    found = len(rep.items) - len(rep.items_missing)
    other = esc(", ".join(rep.other_columns) or "none")
    console.print(
        f"Columns: {len(rep.columns)} in the file · {found} of {len(rep.items)} model items found · other columns: {other}",
        highlight=False, soft_wrap=True,
    )
    if rep.items_missing:
        console.print(f"Missing item columns: {esc(', '.join(rep.items_missing))}", highlight=False, soft_wrap=True)
    from rich import box
    from rich.table import Table

    t = Table(title="Items", title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, collapse_padding=True)
    for col in ("item", "construct", "answers", "blank", "coded", "non-num.", "off-scale", "min", "max", "mean"):
        t.add_column(col, justify="left" if col in ("item", "construct") else "right", no_wrap=True)

    def _n(v: object) -> str:
        return "–" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{int(v)}"  # type: ignore[call-overload]

    for item, r in rep.items.iterrows():
        if not r["found"]:
            continue  # listed above
        t.add_row(str(item), str(r["construct"]), _n(r["answers"]), _n(r["blank"]), _n(r["coded_missing"]),
                  _n(r["non_numeric"]), _n(r["out_of_scale"]), _f(r["min"], 0), _f(r["max"], 0), _f(r["mean"], 2))
    if t.row_count:
        console.print(t)
        console.print("answers: valid cells · blank: empty or 'n/a'-like text · coded: missing codes or SPSS user-missing",
                      highlight=False, soft_wrap=True)
    if rep.n_used is not None:
        line = (f"Respondents: {rep.n_read} rows read · {rep.n_complete} complete · "
                f"{rep.n_used} used ({rep.policy})")
        if rep.n_empty:
            line += f" · {rep.n_empty} empty rows skipped"
        n_eff = rep.n_effective if rep.n_effective is not None else float(rep.n_used)
        line += f" · effective n {n_eff:.1f}" + (f" (weights {rep.weights_column})" if rep.weights_column else "")
        console.print(line, highlight=False, soft_wrap=True)
    else:
        console.print(f"Respondents: {rep.n_read} rows read", highlight=False)
    for note in rep.notes:
        console.print(f"note: {esc(note)}", highlight=False, soft_wrap=True)
    for w in rep.warnings:
        console.print(f"[yellow]warning:[/yellow] {esc(w)}", highlight=False, soft_wrap=True)
    if rep.ok:
        console.print(f"[bold green]OK[/bold green]: the survey can be fitted with model {rep.model}.", highlight=False)
    else:
        console.print(f"[bold red]{len(rep.problems)} problem(s)[/bold red]; csi fit would stop with:", highlight=False)
        for p in rep.problems:
            console.print(f"  - {p}", highlight=False, soft_wrap=True, markup=False)


def render_validation_text(rep: ValidationReport, width: int = 110) -> str:
    buf = io.StringIO()
    render_validation(rep, Console(file=buf, width=width, force_terminal=False, color_system=None))
    return buf.getvalue()
