"""Charts of the service-quality toolkit read their numbers from the JSON they are given (read back off the figures)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import csi
from csi.report.charts import fit_charts
from csi.report.charts.service import attainment, ipma_drivers, servqual_gaps, sqi_trend
from csi.results.contract import dumps
from tests.conftest import REFERENCE


def _offsets(fig, gid):
    for ax in fig.axes:
        for coll in ax.collections:
            if coll.get_gid() == gid:
                return np.asarray(coll.get_offsets())
    raise AssertionError(gid)


@pytest.fixture(scope="module")
def results():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(REFERENCE / "mobi.csv", "ecsi", boot=100, derive=["quality", "indices", "ipma", "tiers", "drivers"])
    return json.loads(dumps(res))


def test_ipma_drivers_chart_from_results(results):
    ch = ipma_drivers(results)
    assert ch is not None
    rows = [r for r in results["drivers"]["drivers"] if r["to"] == results["ipma"][0]["target"]]
    xy = _offsets(ch.figure, "shapley")
    assert np.abs(xy[:, 0] - [r["shapley"] for r in rows]).max() < 1e-12
    assert np.abs(_offsets(ch.figure, "johnson")[:, 0] - [r["johnson"] for r in rows]).max() < 1e-12
    assert "ipma_drivers" in [c.key for c in fit_charts(results)]


def test_no_driver_section_no_chart(results):
    d = {k: v for k, v in results.items() if k != "drivers"}
    assert ipma_drivers(d) is None


def test_sqi_and_servqual_charts_plot_the_file_numbers():
    sqi = {"sqi": [{"period": "2026-01-0$1$", "sqi": 5.0, "c_centre": 4.0, "c_ucl": 9.0, "c_lcl": 0.0},
                   {"period": "2026-01-02", "sqi": 11.0, "c_centre": 4.0, "c_ucl": 9.0, "c_lcl": 0.0}],
           "attainment": [{"period": "a", "share": 0.9, "p_centre": 0.8, "p_ucl": 1.0, "p_lcl": 0.5}],
           "weights": {"lost": 50.0}, "settings": {"period": "day", "target": 30}}
    ch = sqi_trend(sqi)
    assert "1 of 2 periods outside" in ch.title
    line = next(ln for ln in ch.figure.axes[0].lines if ln.get_gid() == "sqi")
    assert list(line.get_ydata()) == [5.0, 11.0]
    ch.figure.canvas.draw()  # a '$' in user text must not be parsed as mathtext
    assert attainment(sqi).title.startswith("Hard standard (measure <= 30)")
    sq = {"gaps": [{"level": "dimension", "segment": None, "name": "Reli$ability", "gap": -1.2, "ci": [-1.4, -1.0]},
                   {"level": "dimension", "segment": None, "name": "Empathy", "gap": 0.3, "ci": [0.1, 0.5]},
                   {"level": "overall", "segment": None, "name": "unweighted", "gap": -0.45, "ci": [-0.6, -0.3]}]}
    ch = servqual_gaps(sq)
    assert "Reli$ability" in ch.title and "-0.45" in ch.title
    bars = [p.get_width() for p in ch.figure.axes[0].patches]
    assert bars == [-1.2, 0.3]
    ch.figure.canvas.draw()
