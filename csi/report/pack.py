"""``csi report``: chart pack, PDF, PowerPoint deck and workbook from results folders.

``build_report(["out/ecsi"], "report", formats=("png", "pdf", "pptx", "xlsx"))`` reads each
folder's ``results.json`` (``csi fit``) or ``scores.json`` (``csi score``) — never the survey,
never re-estimating — draws its charts (:mod:`csi.report.charts`) and writes:

* ``<chart>.png`` / ``<chart>.svg``: one file per chart (prefixed with the folder name when
  several folders are reported together);
* ``charts.pdf``: the chart pack, one page per chart;
* ``report.pptx``: a title slide (model, sample, date) and one chart per slide;
* ``report.xlsx``: the formatted tables (via :mod:`csi.report.excel`, the only .xlsx writer),
  stacked over the folders with a ``results`` column, plus a settings sheet.

Every file is written atomically.  Output is reproducible: the same results give the same
PNG/SVG/PDF bytes (no dates in their metadata); only the deck's title slide carries a date.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from csi._io import atomic_write
from csi.errors import CsiError, DataError
from csi.report import charts as ch
from csi.results.contract import read_results

REPORT_FORMATS: dict[str, str] = {
    "png": "one PNG image per chart",
    "svg": "one SVG image per chart",
    "pdf": "charts.pdf: the chart pack, one page per chart",
    "pptx": "report.pptx: title slide and one chart per slide",
    "xlsx": "report.xlsx: formatted tables and a settings sheet",
    "html": "report.html: one self-contained page (charts inline, sortable tables)",
}
DEFAULT_FORMATS = ("png", "pdf", "pptx", "xlsx")
RESULT_FILES = {"results.json": "fit", "scores.json": "scores"}


@dataclass(frozen=True)
class Results:
    """One results file as read back: its kind (``fit`` or ``scores``), a display name and the data."""

    path: Path
    kind: str
    name: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Report:
    """What ``build_report`` wrote."""

    out_dir: Path
    files: tuple[Path, ...]
    charts: tuple[str, ...]
    warnings: tuple[str, ...]


def parse_formats(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"png,pdf"`` → ``("png", "pdf")``; unknown names raise one CsiError naming them."""
    if text is None:
        return DEFAULT_FORMATS
    parts = [t.strip().lower().lstrip(".") for t in (text.split(",") if isinstance(text, str) else text) if t.strip()]
    bad = [p for p in parts if p not in REPORT_FORMATS]
    if bad or not parts:
        got = ", ".join(repr(b) for b in bad) if bad else repr(text)
        raise CsiError(f"--format should be a comma-separated list of {', '.join(REPORT_FORMATS)}; got {got}")
    return tuple(dict.fromkeys(parts))


def load_results(path: str | Path) -> Results:
    """Read a results folder (or a results.json / scores.json file) written by csi fit or csi score.

    Files of schema_version 1 are read through :func:`csi.results.contract.upgrade`; every file
    is checked against its JSON Schema, so a missing key or a value of the wrong type is one
    DataError naming the file and the key (:func:`csi.results.contract.read_results`).
    """
    p = Path(path)
    if p.is_dir():
        found = [p / f for f in RESULT_FILES if (p / f).is_file()]
        if not found:
            raise DataError(
                f"{p}: no results.json (written by csi fit) or scores.json (written by csi score) in this folder; "
                "pass the --out folder of csi fit or csi score"
            )
        file = found[0]
    elif p.is_file():
        file = p
    else:
        raise DataError(f"{p}: no such folder or file; pass the --out folder of csi fit or csi score")
    kind, data = read_results(file)
    name = (file.parent if file.name in RESULT_FILES else file.with_suffix("")).name or "results"
    return Results(path=file, kind=kind, name=name, data=data)


def charts_for(res: Results) -> list[ch.Chart]:
    """The charts of one results file, in presentation order."""
    return ch.score_charts(res.data) if res.kind == "scores" else ch.fit_charts(res.data)


def _unique_names(results: Sequence[Results]) -> list[str]:
    names: list[str] = []
    for r in results:
        base = re.sub(r"[^\w.-]+", "-", r.name).strip("-") or "results"
        n, k = base, 2
        while n in names:
            n, k = f"{base}-{k}", k + 1
        names.append(n)
    return names


def _matches(key: str, wanted: str, available: Sequence[str]) -> bool:
    """A chart name selects that chart; a stem (``tiers``) selects every chart it starts (``tiers-nps``…)."""
    return key == wanted if wanted in available else key.startswith(wanted + "-")


def _select(charts: list[ch.Chart], only: Sequence[str] | None, available: Sequence[str]) -> list[ch.Chart]:
    if not only:
        return charts
    return [c for c in charts if any(_matches(c.key, o, available) for o in only)]


def _check_only(only: Sequence[str] | None, available: Sequence[str]) -> None:
    if not only:
        return
    bad = [o for o in only if not any(_matches(a, o, available) for a in available)]
    if bad:
        raise CsiError(f"--charts should name charts of these results ({', '.join(dict.fromkeys(available))}); got {', '.join(repr(b) for b in bad)}")


@dataclass(frozen=True)
class Deliverable:
    """Options of the client deliverables: language, deck template and title-slide texts."""

    lang: str | None = None  # en, zh, de; None: the model's ``lang``, else English
    template: str | Path | None = None  # a client's .pptx/.potx
    study: str | None = None
    client: str | None = None
    date: str | None = None


def build_report(
    inputs: Sequence[str | Path],
    out_dir: str | Path,
    formats: Sequence[str] | str | None = DEFAULT_FORMATS,
    *,
    dpi: int = ch.DEFAULT_DPI,
    only: Sequence[str] | None = None,
    date: str | None = None,
    lang: str | None = None,
    template: str | Path | None = None,
    study: str | None = None,
    client: str | None = None,
) -> Report:
    """Render the charts of every results folder in ``inputs`` and write ``formats`` to ``out_dir``.

    ``only`` restricts the charts to these keys (``path-diagram``, ``ipma``, ``tiers`` for all
    tier charts…); ``date`` (ISO) is printed on the title slide, today by default; ``lang``
    chooses the wording (en, zh, de; default: the model's ``lang``, else English);
    ``template`` is a client's PowerPoint file; ``study`` and ``client`` go on the title slide
    and the PDF cover.
    """
    from csi.report.i18n import check_lang, language

    fmts = parse_formats(formats if formats is not None else None)
    if not inputs:
        raise CsiError("csi report needs at least one results folder (the --out folder of csi fit or csi score)")
    if dpi < 20 or dpi > 600:
        raise CsiError(f"--dpi should be between 20 and 600; got {dpi}")
    check_lang(lang)
    if template is not None and not Path(template).is_file():
        raise CsiError(f"--template {template}: no such file; pass a PowerPoint file (.pptx or .potx)")
    results = [load_results(p) for p in inputs]
    opts = Deliverable(lang=lang or _model_lang(results), template=template, study=study, client=client, date=date)
    with language(opts.lang):
        return _build(results, Path(out_dir), fmts, dpi, only, opts)


def _model_lang(results: Sequence[Results]) -> str | None:
    langs = [str((r.data.get("model") or {}).get("lang") or "") for r in results]
    return next((x for x in langs if x), None)


def _build(results: list[Results], out: Path, fmts: tuple[str, ...], dpi: int, only: Sequence[str] | None, opts: Deliverable) -> Report:
    names = _unique_names(results)
    written: list[Path] = []
    keys: list[str] = []
    slides = []
    pack: list[tuple[ch.Chart, str]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        drawn = bool(set(fmts) & {"png", "svg", "pdf", "pptx", "html"})  # a workbook alone needs no charts
        per_result = [(name, r, charts_for(r) if drawn else []) for name, r in zip(names, results, strict=True)]
        fits = [(n, r.data) for n, r, _ in per_result if r.kind == "fit"]
        extra = ch.index_comparison(fits) if len(fits) > 1 and drawn else None
        available = [c.key for _, _, cs in per_result for c in cs] + ([extra.key] if extra else [])
        if drawn:
            _check_only(only, available)
        several = len(results) > 1
        todo = [(f"{name}-" if several else "", name if several else None, c) for name, _r, cs in per_result for c in _select(cs, only, available)]
        if extra is not None and _select([extra], only, available):
            todo.append(("", "Comparison", extra))
        svgs: dict[str, bytes] = {}
        for prefix, section, c in todo:
            keys.append(prefix + c.key)
            # each figure drawn once per output format, reused by every deliverable that needs it
            png = ch.render_bytes(c, "png", dpi) if {"png", "pptx"} & set(fmts) else None
            svg = ch.render_bytes(c, "svg", dpi) if {"svg", "html"} & set(fmts) else None
            if "png" in fmts and png is not None:
                written.append(_write_bytes(out / f"{prefix}{c.key}.png", png))
            if "svg" in fmts and svg is not None:
                written.append(_write_bytes(out / f"{prefix}{c.key}.svg", svg))
            if svg is not None:
                svgs[prefix + c.key] = svg
            if png is not None:
                slides.append(_slide(c, png, section))
            pack.append((c, prefix + c.key))
        title = opts.study or _deck_title(results)
        lines = _title_lines(results, names, opts.date, opts.client)
        if "pdf" in fmts:
            written.append(write_pdf([c for c, _ in pack], out / "charts.pdf", title=title, cover_lines=lines))
        if "pptx" in fmts:
            from csi.report.pptx import write_deck

            written.append(write_deck(slides, out / "report.pptx", title=title, subtitle_lines=lines, template=opts.template))
        if "xlsx" in fmts:
            written.append(write_report_workbook(results, names, out / "report.xlsx"))
        if "html" in fmts:
            from csi.report.html import write_html

            blocks = [(n, html_tables(r), list(r.data.get("issues") or [])) for n, r in zip(names, results, strict=True)]
            written.append(write_html(blocks, [(k, c, svgs[k]) for c, k in pack], out / "report.html", title=title, lines=lines))
    msgs = _render_warnings(caught)
    return Report(out_dir=out, files=tuple(written), charts=tuple(keys), warnings=tuple(msgs))


def _slide(c: ch.Chart, png: bytes, section: str | None) -> Any:
    from csi.report.pptx import Slide

    return Slide(image_png=png, title=c.title, description=c.description, section=section, subtitle=c.subtitle, footnote=c.footnote,
                 native=c.native)


def _write_bytes(path: Path, data: bytes) -> Path:
    def _w(tmp: Path) -> None:
        tmp.write_bytes(data)

    return atomic_write(path, _w)


def write_pdf(charts_: Sequence[ch.Chart], path: str | Path, title: str = "csi chart pack", cover_lines: Sequence[str] = ()) -> Path:
    """The chart pack: a cover page, then one PDF page per chart (13.33 × 7.5 in), with a bookmark per page.

    Fonts are embedded as TrueType (Type 42, ``pdf.fonttype`` in :func:`csi.report.charts.style`);
    bookmarks (the outline) are added with pypdf.  Written atomically.
    """
    from matplotlib.backends.backend_pdf import PdfPages
    from pypdf import PdfReader, PdfWriter

    from csi._version import __version__

    buf = io.BytesIO()
    cover = _cover(title, cover_lines)
    with ch.style(ch._texts(cover.figure)), PdfPages(buf, metadata={"Title": title, "Creator": f"csi {__version__}", "CreationDate": None}) as pdf:
        pdf.savefig(cover.figure, facecolor="white")
    pages = [buf.getvalue()]
    for c in charts_:
        one = io.BytesIO()
        with ch.style(ch._texts(c.figure)), PdfPages(one, metadata={"CreationDate": None}) as pdf:
            pdf.savefig(c.figure, facecolor="white")
        pages.append(one.getvalue())

    def _w(tmp: Path) -> None:
        writer = PdfWriter()
        for k, data in enumerate(pages):
            writer.append(PdfReader(io.BytesIO(data)))
            writer.add_outline_item(title=title if k == 0 else charts_[k - 1].title, page_number=k)
        writer.add_metadata({"/Title": title, "/Creator": f"csi {__version__}"})
        with open(tmp, "wb") as fh:
            writer.write(fh)

    return atomic_write(path, _w)


def _cover(title: str, lines: Sequence[str]) -> ch.Chart:
    """The PDF cover page: study title and the title-slide lines."""
    fig = ch._slide(title, "", "")
    y = 0.72
    for line in lines:
        fig.text(0.035, y, line, fontsize=14, color=ch.MUTED, va="top", ha="left")
        y -= 0.06
    return ch._chart("cover", title, "", "", fig)


def _render_warnings(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """Missing glyphs become one message naming the characters; other warnings pass through."""
    glyphs: list[str] = []
    out: list[str] = []
    for w in caught:
        msg = str(w.message)
        m = re.search(r"Glyph \d+ \((.+?)\) missing from font", msg)
        if m:
            g = m.group(1)
            g = g.encode("ascii").decode("unicode_escape") if g.startswith("\\N") else g
            if g not in glyphs:
                glyphs.append(g)
        elif msg not in out:
            out.append(msg)
    if glyphs:
        shown = ", ".join(glyphs[:8]) + (" …" if len(glyphs) > 8 else "")
        out.insert(0, f"chart labels contain characters no installed font can draw ({shown}); they appear as boxes. "
                      "CJK text needs the noto-cjk-sans-otc package (a csi dependency); other scripts need a font with those glyphs")
    return out


# --------------------------------------------------------------------------------------
# titles
# --------------------------------------------------------------------------------------
def _deck_title(results: Sequence[Results]) -> str:
    labels = list(dict.fromkeys(str((r.data.get("model") or {}).get("label") or (r.data.get("model") or {}).get("name") or "csi") for r in results))
    return labels[0] if len(labels) == 1 else "Customer satisfaction report"


def _title_lines(results: Sequence[Results], names: Sequence[str], date: str | None, client: str | None = None) -> list[str]:
    from csi.report.i18n import tr

    lines = [tr("title.client", c=client)] if client else []
    for name, r in zip(names, results, strict=True):
        d = r.data
        s = d.get("settings") or {}
        model = d.get("model") or {}
        head = f"{name}: " if len(results) > 1 else ""
        if r.kind == "fit":
            src = Path(str(s.get("source"))).name if s.get("source") else "survey"
            n = d.get("n_obs")
            nr = s.get("n_read")
            sample = f"Sample: {src}, n = {int(n):,}" + (f" of {int(nr):,} respondents" if nr else " respondents") if n is not None else f"Sample: {src}"
            method = str(d.get("method") or "pls").upper()
            how = f"{method} ({s.get('scheme', 'path')} scheme)" if method == "PLS" else method
            boot = int(s.get("resamples") or 0)
            how += f", bootstrap {boot:,} resamples" if boot else ", no bootstrap"
            lines.append(f"{head}{sample} · Model: {model.get('name', '')} · {how}")
        else:
            waves = [w for w in d.get("waves") or [] if not w.get("segment")]
            labels = list(dict.fromkeys(str(w["label"]) for w in waves))
            ns = [int(w["n"]) for w in waves if w.get("n") is not None]
            span = f"{labels[0]}–{labels[-1]}" if len(labels) > 1 else (labels[0] if labels else "")
            lines.append(f"{head}Waves: {len(labels)} ({span}), n = {sum(ns):,} respondents · Model: {model.get('name', '')} · {d.get('mode', 'refit')} mode")
    lines.append(tr("title.date", d=date or _dt.date.today().isoformat()))
    return lines


# --------------------------------------------------------------------------------------
# workbook
# --------------------------------------------------------------------------------------
def score_tables(d: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Tables of a scores.json: long (wave × construct), trend (construct × wave) and changes."""
    labels = ch.labels_of(d)
    long_rows = []
    for w in d.get("waves") or []:
        seg = w.get("segment") or {}
        base = {**{str(k): v for k, v in (w.get("fields") or {}).items()},
                "segment": f"{seg.get('column')}={seg.get('value')}" if seg else "all", "wave": w.get("label"), "n": w.get("n")}
        for c in labels:
            v, lo, hi = ch.wave_values(w, c)
            long_rows.append({**base, "construct": c, "label": labels[c], "index": v, "ci_lo": lo, "ci_hi": hi})
    long = pd.DataFrame(long_rows)
    tables = {"waves_long": long}
    if not long.empty:
        keys = [k for k in long.columns if k not in ("wave", "n", "index", "ci_lo", "ci_hi")]
        trend = long.pivot_table(index=keys, columns="wave", values="index", sort=False).reset_index()
        trend.columns.name = None
        tables["waves_trend"] = trend
    ch_rows = []
    for c in d.get("changes") or []:
        seg = c.get("segment") or {}
        iv = c.get("ci") or [None, None]
        ch_rows.append({**{str(k): v for k, v in (c.get("fields") or {}).items()},
                        "segment": f"{seg.get('column')}={seg.get('value')}" if seg else "all",
                        "construct": c.get("construct"), "label": labels.get(str(c.get("construct")), c.get("construct")),
                        "from": c.get("from"), "to": c.get("to"), "consecutive": c.get("consecutive"), "delta": c.get("delta"),
                        "ci_lo": iv[0], "ci_hi": iv[1], "p_value": c.get("p_value"), "significant": c.get("significant")})
    tables["waves_changes"] = pd.DataFrame(ch_rows)
    tables["waves_warnings"] = pd.DataFrame(list(d.get("issues") or []), columns=["category", "message", "gate"])
    return tables


def html_tables(r: Results) -> dict[str, pd.DataFrame]:
    """The tables of one results file for the HTML page (those of the workbook, plus the model)."""
    from csi.report.excel import tables_from_dict

    tables = tables_from_dict(r.data) if r.kind == "fit" else score_tables(r.data)
    return {"model": model_table(r.data), **tables}


def model_table(d: Mapping[str, Any]) -> pd.DataFrame:
    """The model as a table: its name and label, each construct (label, items, mode), each path."""
    model = d.get("model") or {}
    rows = [{"kind": "model", "code": model.get("name"), "label": model.get("label"), "items": None, "mode": None}]
    for c in model.get("constructs") or []:
        items = c.get("items")
        rows.append({"kind": "construct", "code": c.get("code"), "label": c.get("label"),
                     "items": ", ".join(map(str, items)) if items else None, "mode": c.get("mode")})
    for item, text in (model.get("item_texts") or {}).items():
        rows.append({"kind": "item", "code": item, "label": text, "items": None, "mode": None})
    for p in model.get("paths") or []:
        rows.append({"kind": "path", "code": f"{p.get('from')} -> {p.get('to')}", "label": None, "items": None, "mode": None})
    return pd.DataFrame(rows)


def report_tables(results: Sequence[Results], names: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Every results file's tables; with several files, same-named tables are stacked with a ``results`` column."""
    from csi.report.excel import tables_from_dict

    per = []
    for name, r in zip(names, results, strict=True):
        tables = tables_from_dict(r.data) if r.kind == "fit" else score_tables(r.data)
        per.append((name, {"model": model_table(r.data), **tables}))
    if len(per) == 1:
        return per[0][1]
    out: dict[str, pd.DataFrame] = {}
    fits = [(n, r.data) for n, r in zip(names, results, strict=True) if r.kind == "fit"]
    if len(fits) > 1:
        rows: dict[str, dict[str, Any]] = {}
        for n, d in fits:
            for c in d.get("constructs", []):
                rows.setdefault(str(c["name"]), {"construct": c["name"], "label": c.get("label")})[n] = c.get("index")
        out["index_comparison"] = pd.DataFrame(list(rows.values()))
    order = list(dict.fromkeys(k for _, t in per for k in t))
    for key in order:
        frames = []
        for name, t in per:
            if key in t:
                df = t[key]
                df = df.reset_index() if any(n is not None for n in df.index.names) else df.reset_index(drop=True)
                frames.append(df.assign(results=name)[["results", *[c for c in df.columns if c != "results"]]])
        out[key] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return out


def write_report_workbook(results: Sequence[Results], names: Sequence[str], path: str | Path) -> Path:
    """report.xlsx through csi.report.excel.write_workbook (strings stay text, never formulas)."""
    from csi.report.excel import FIT_FORMATS, model_order, write_workbook

    tables = report_tables(results, names)
    settings: dict[str, Any]
    if len(results) == 1:
        settings = dict(results[0].data.get("settings") or {})
    else:
        settings = {n: dict(r.data.get("settings") or {}) for n, r in zip(names, results, strict=True)}
    waves = [str(w.get("label")) for r in results if r.kind == "scores" for w in r.data.get("waves") or []]
    formats: dict[str, dict[str, str]] = {
        **{k: dict(v) for k, v in FIT_FORMATS.items()},
        "index_comparison": {n: "0.0" for n in names},
        "waves_trend": {w: "0.0" for w in waves},  # one column per wave label: index points
        "waves_long": {"ci_lo": "0.0", "ci_hi": "0.0"},
        "waves_changes": {"ci_lo": "+0.0;-0.0;0.0", "ci_hi": "+0.0;-0.0;0.0"},
    }
    order = (list(dict.fromkeys(c for r in results for c in model_order(r.data)[0])),
             list(dict.fromkeys(i for r in results for i in model_order(r.data)[1])))
    return write_workbook(tables, path, settings=settings, formats=formats, order=order)
