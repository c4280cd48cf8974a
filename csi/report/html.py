"""``csi report --format html``: one self-contained HTML page.

Everything is inside the file — charts as inline SVG images (``data:`` URIs, text kept as
text), tables as HTML with a few lines of inline JavaScript that sort them by a click on a
header — so it opens offline and can be mailed as is.  Sections: the model, indices with
intervals, structural model, measurement model, IPMA, tiers, groups and waves (whichever the
results hold), then every chart, then the warnings.  Every text from the results (labels,
question texts, file names) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from csi._io import atomic_write
from csi.report.i18n import current, tr

if TYPE_CHECKING:
    from csi.report.charts.base import Chart

# (sheet of csi.report.excel.tables_from_dict / pack.score_tables, section heading)
FIT_SECTIONS = (
    ("model", "Model"),
    ("constructs", "Indices and quality by construct"),
    ("paths", "Structural model: paths"),
    ("cbsem_fit", "CB-SEM fit"),
    ("cbsem_paths", "CB-SEM paths"),
    ("indicators", "Measurement model: items"),
    ("ipma", "Importance–performance (IPMA)"),
    ("tiers", "Loyalty tiers"),
    ("nps", "Net Promoter Score"),
    ("group_indices", "Groups: indices by segment"),
    ("group_differences", "Groups: differences"),
    ("waves_trend", "Waves: index per wave"),
    ("waves_changes", "Waves: changes"),
)

_CSS = """
body{font-family:"DejaVu Sans","Noto Sans CJK SC","Noto Sans",Arial,sans-serif;margin:2em auto;max-width:1200px;color:#1f1f1f;padding:0 1em}
h1{font-size:1.8em;margin-bottom:.2em} h2{margin-top:1.6em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
.sub{color:#5f5f5f} table{border-collapse:collapse;margin:.6em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#1F4E79;color:#fff;cursor:pointer;user-select:none} th:after{content:" \\2195";opacity:.5}
tr:nth-child(even){background:#f5f8fb} figure{margin:1.2em 0} figure img{width:100%;border:1px solid #eee}
figcaption{color:#5f5f5f;font-size:.85em;white-space:pre-line} nav a{margin-right:1em}
"""
_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th){th.addEventListener('click',function(){
 var table=th.closest('table'),body=table.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th);
 var asc=th.getAttribute('data-dir')!=='asc';th.setAttribute('data-dir',asc?'asc':'desc');
 var rows=Array.prototype.slice.call(body.rows);
 rows.sort(function(a,b){var x=a.cells[i].getAttribute('data-v')||a.cells[i].textContent,y=b.cells[i].getAttribute('data-v')||b.cells[i].textContent;
  var nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?c:-c;});
 rows.forEach(function(r){body.appendChild(r);});});});
"""


def _cell(v: Any, col: str) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "<td></td>"
    if isinstance(v, bool):
        return f"<td>{html.escape(str(v))}</td>"
    if isinstance(v, (int, float)):
        x = float(v)
        digits = 1 if any(k in col for k in ("index", "performance", "mean", "ci_lo", "ci_hi")) and abs(x) > 1.5 else 4 if "p_value" in col else 3
        text = f"{int(v):,}" if isinstance(v, int) else f"{x:.{digits}f}"
        return f'<td class="n" data-v="{x!r}">{text}</td>'
    if isinstance(v, (list, tuple, dict)):
        v = ", ".join(map(str, v)) if not isinstance(v, dict) else str(v)
    return f"<td>{html.escape(str(v))}</td>"


def table_html(df: pd.DataFrame, table_id: str) -> str:
    """A sortable HTML table of ``df`` (index reset when it is named), text escaped."""
    frame = df.reset_index() if any(n is not None for n in df.index.names) else df
    cols = [str(c) for c in frame.columns]
    from csi.report.excel import header_text

    head = "".join(f'<th title="{html.escape(c)}">{html.escape(header_text(c))}</th>' for c in cols)  # the code on hover
    rows = []
    for rec in frame.itertuples(index=False):
        rows.append("<tr>" + "".join(_cell(_plain(v), c) for v, c in zip(rec, cols, strict=True)) + "</tr>")
    return f'<table class="sortable" id="{html.escape(table_id)}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _plain(v: Any) -> Any:
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict, str)):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def write_html(blocks: Sequence[tuple[str, Mapping[str, pd.DataFrame], Sequence[Mapping[str, Any]]]],
               charts: Sequence[tuple[str, Chart, bytes]], path: str | Path, title: str, lines: Sequence[str] = ()) -> Path:
    """Write report.html atomically.

    ``blocks``: per results file (name, its tables as csi.report.pack.report_tables gives them,
    its issues); ``charts``: (file key, chart, SVG bytes).
    """
    parts = [f"<h1>{html.escape(title)}</h1>", *[f'<p class="sub">{html.escape(x)}</p>' for x in lines]]
    nav = []
    for name, tables, _ in blocks:
        for key, heading in FIT_SECTIONS:
            df = tables.get(key)
            if df is None or df.empty:
                continue
            anchor = f"{name}-{key}"
            heading = tr(f"html.{key}")
            nav.append(f'<a href="#{html.escape(anchor)}">{html.escape(heading)}</a>')
            head = f"{heading} ({name})" if len(blocks) > 1 else heading
            parts.append(f'<h2 id="{html.escape(anchor)}">{html.escape(head)}</h2>{table_html(df, anchor + "-table")}')
    parts.append(f'<h2 id="charts">{html.escape(tr("html.charts"))}</h2>')
    for key, c, svg in charts:
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        parts.append(f'<figure id="chart-{html.escape(key)}"><img src="{uri}" alt="{html.escape(c.description)}">'
                     f"<figcaption>{html.escape(c.description)}</figcaption></figure>")
    issues = [(name, i) for name, _, iss in blocks for i in iss]
    if issues:
        parts.append(f'<h2 id="warnings">{html.escape(tr("html.warnings"))}</h2><ul>' + "".join(
            f"<li>{html.escape(str(i.get('category')))}: {html.escape(str(i.get('message')))}</li>" for _, i in issues) + "</ul>")
    charts_link = f'<a href="#charts">{html.escape(tr("html.charts"))}</a>'
    page = (f'<!DOCTYPE html><html lang="{html.escape(_html_lang())}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><nav>{''.join(nav)}{charts_link}</nav>{''.join(parts)}"
            f"<script>{_JS}</script></body></html>")

    def _w(tmp: Path) -> None:
        tmp.write_text(page, encoding="utf-8")

    return atomic_write(path, _w)


def _html_lang() -> str:
    return {"zh": "zh-Hans", "de": "de"}.get(current(), "en")


