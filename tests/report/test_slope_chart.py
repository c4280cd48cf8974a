"""The simple-slope chart reads results.json's moderation section (no re-estimation)."""

from __future__ import annotations

import json

import csi
from csi.model.simulate import simulate_moderation
from csi.model.spec import parse_yaml
from csi.report.charts import fit_charts, render_bytes
from csi.report.charts.slopes import slope_charts

SPEC = parse_yaml("""\
name: mod
constructs:
  X: {label: "Price $ level", items: [X1, X2, X3]}
  M: [M1, M2, M3]
  Y: [Y1, Y2, Y3]
interactions:
  XM: {iv: X, moderator: M, method: two_stage}
paths:
  - X, M, XM -> Y
""", "mod.yaml")


def test_slope_chart_from_results_json(tmp_path) -> None:
    res = csi.fit(simulate_moderation(300, 2), model=SPEC, boot=60, seed=1)
    res.save(tmp_path)
    d = json.loads((tmp_path / "results.json").read_text())
    charts = slope_charts(d)
    assert len(charts) == 1
    c = charts[0]
    texts = [t.get_text() for t in c.figure.findobj(lambda o: hasattr(o, "get_text"))]
    slopes = {r["moderator_sd"]: r["slope"] for r in d["moderation"]["slopes"]}
    assert any(f"{slopes[1.0]:.3f}" in t for t in texts) and any(f"{slopes[-1.0]:.3f}" in t for t in texts)
    assert "Price \\$ level" in c.title  # user text is never mathtext
    assert render_bytes(c, "png")[:4] == b"\x89PNG"
    assert any(ch.key == c.key for ch in fit_charts(d))
