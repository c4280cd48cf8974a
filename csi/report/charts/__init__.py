"""Charts of csi results: one module per chart family, drawn from the results dictionaries.

Every chart reads ``results.json`` / ``scores.json`` as read back from disk (see :mod:`.base`),
never the estimation objects.  This package re-exports the public helpers of its modules.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from csi.report.charts.base import (  # noqa: F401
    _CJK_PACKAGE,
    _WIDE,
    DEFAULT_DPI,
    FORMATS,
    GRID,
    HTMT_THRESHOLDS,
    INK,
    LIGHT,
    LOADING_THRESHOLD,
    MUTED,
    OKABE_ITO,
    SERIES,
    SLIDE_SIZE,
    Chart,
    Native,
    _chart,
    _cjk_fonts,
    _fit_choice,
    _fit_text,
    _fit_width,
    _fmt_n,
    _level,
    _NoWeightFallbackNoise,
    _num,
    _place_labels,
    _script_family,
    _slide,
    _texts,
    _units,
    all_texts,
    cjk_bold_path,
    cjk_fonts,
    footnote,
    item_text,
    labels_of,
    render_bytes,
    save,
    significance,
    style,
    wrap,
)
from csi.report.charts.cbsem import (  # noqa: F401
    cbsem_fit,
    fit_rows,
)
from csi.report.charts.groups import (  # noqa: F401
    group_indices,
)
from csi.report.charts.indices import (  # noqa: F401
    _focus,
    index_bars,
    index_comparison,
)
from csi.report.charts.ipma import (  # noqa: F401
    _and,
    ipma_items_map,
    ipma_map,
)
from csi.report.charts.path import (  # noqa: F401
    Layout,
    _crossings,
    _exit_t,
    _seg_box_hits,
    layers,
    layout,
    path_diagram,
    place_path_labels,
)
from csi.report.charts.quality import (  # noqa: F401
    HTMT_BINS,
    HTMT_COLOURS,
    htmt_colour,
    htmt_heatmap,
    outer_model,
)
from csi.report.charts.slopes import slope_charts  # noqa: F401
from csi.report.charts.tiers import (  # noqa: F401
    _TIER_COLOURS,
    _TIER_ORDER,
    _scheme_note,
    _scheme_title,
    _segment_name,
    _slug,
    _tier_key,
    tier_bars,
)
from csi.report.charts.waves import (  # noqa: F401
    SeriesKey,
    _draw_series,
    _grid,
    _is_sig,
    _label_ends,
    _series_key,
    _series_name,
    _sig_changes,
    _signed,
    _trend_axis,
    _wave_focus,
    _wave_layout,
    score_charts,
    wave_constructs,
    wave_footnote,
    wave_segments,
    wave_trend,
    wave_values,
)


# --------------------------------------------------------------------------------------
# all charts of one results dictionary
# --------------------------------------------------------------------------------------
def fit_charts(d: Mapping[str, Any]) -> list[Chart]:
    """The chart pack of one ``csi fit`` results dictionary, in presentation order."""
    from csi.report.charts.service import ipma_drivers

    charts: list[Chart | None] = []
    with style(all_texts(d)), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="This figure includes Axes that are not compatible with tight_layout")
        charts.append(path_diagram(d))
        charts.append(cbsem_fit(d))
        charts.append(index_bars(d))
        charts.append(ipma_map(d))
        charts.append(ipma_items_map(d))
        charts.append(ipma_drivers(d))  # with --derive drivers (csi.report.charts.service)
        charts.extend(group_indices(d))
        charts.extend(tier_bars(d))
        charts.extend(slope_charts(d))
        charts.append(outer_model(d))
        charts.append(htmt_heatmap(d))
    return unique_keys([c for c in charts if c is not None])


def unique_keys(charts: list[Chart]) -> list[Chart]:
    """Charts with distinct keys (file names): a repeated key gets -2, -3… (two group columns whose names slug alike)."""
    import dataclasses

    seen: set[str] = set()
    out = []
    for c in charts:
        key, k = c.key, 2
        while key in seen:
            key, k = f"{c.key}-{k}", k + 1
        seen.add(key)
        out.append(c if key == c.key else dataclasses.replace(c, key=key))
    return out


