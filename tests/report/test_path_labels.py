"""Path-diagram coefficient labels never collide (csi.report.charts.path.place_path_labels).

Checked geometrically on the rendered figure, independently of the placement code: every
label's text extent (pixels) must overlap no other label, no construct box and no arrow other
than its own (an arrow is the straight segment between its boxes' centres, clipped here with a
sampled point test, not the Liang–Barsky routine the placement uses).
"""

from __future__ import annotations

import numpy as np
import pytest

from csi.report import charts as ch


def _model_dict(model: str) -> dict:
    from csi.model.spec import load_model

    spec = load_model(model)
    return _synthetic(spec.codes, [(p.source, p.target) for p in spec.paths], name=model)


def _synthetic(codes, edges, name="m15") -> dict:
    """A results dictionary with only what the path diagram reads (coefficients vary per edge)."""
    rng = np.random.default_rng(7)
    return {
        "model": {"name": name, "label": name, "constructs": [{"code": c, "label": f"Construct {c}"} for c in codes],
                  "paths": [{"from": a, "to": b} for a, b in edges], "roles": {}},
        "constructs": [{"name": c, "label": f"Construct {c}", "index": 70.0 + i, "r2": 0.5} for i, c in enumerate(codes)],
        "paths": [{"from": a, "to": b, "estimate": float(rng.uniform(-0.3, 0.9))} for a, b in edges],
        "settings": {}, "n_obs": 100, "method": "pls",
    }


def _fifteen() -> dict:
    codes = [f"C{i:02d}" for i in range(15)]
    edges = []
    for i in range(5):  # 5 drivers → 5 mediators → 5 outcomes, densely connected
        for j in range(5, 10):
            if (i + j) % 2 == 0 or j == i + 5:
                edges.append((codes[i], codes[j]))
    for j in range(5, 10):
        for k in range(10, 15):
            if (j + k) % 3 != 0 or k == j + 5:
                edges.append((codes[j], codes[k]))
    edges += [(codes[0], codes[14]), (codes[10], codes[11]), (codes[12], codes[13])]
    return _synthetic(codes, edges)


def _seg_meets(p0, p1, r, n=400) -> bool:
    ts = np.linspace(0, 1, n)
    xs = p0[0] + ts * (p1[0] - p0[0])
    ys = p0[1] + ts * (p1[1] - p0[1])
    return bool(((xs > r.x0) & (xs < r.x1) & (ys > r.y0) & (ys < r.y1)).any())


def _check(d: dict) -> int:
    chart = ch.path_diagram(d)
    fig = chart.figure
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = {t.get_gid(): t.get_window_extent(renderer) for t in ax.texts if str(t.get_gid()).startswith("path:")}
    assert len(labels) == len(d["paths"])
    boxes = [p.get_window_extent(renderer) for p in ax.patches if type(p).__name__ == "FancyBboxPatch"]
    assert len(boxes) == len(d["model"]["constructs"])
    centres = {c: ax.transData.transform(pos) for c, pos in _positions(ax, d).items()}
    keys = list(labels)
    for i, k in enumerate(keys):
        r = labels[k]
        for k2 in keys[i + 1:]:
            assert not r.overlaps(labels[k2]), f"labels {k} and {k2} overlap"
        for b in boxes:
            assert not r.overlaps(b), f"label {k} overlaps a construct box"
        for p in d["paths"]:
            gid = f"path:{p['from']}->{p['to']}"
            if gid != k:
                assert not _seg_meets(centres[p["from"]], centres[p["to"]], r), f"label {k} lies on the arrow {gid}"
    return len(keys)


def _positions(ax, d):
    """Box centres read off the drawn boxes."""
    out = {}
    for t in ax.texts:
        gid = str(t.get_gid())
        if gid.startswith("node:"):
            code = gid[5:]
            for p in ax.patches:
                if type(p).__name__ == "FancyBboxPatch":
                    x, y, w, h = p.get_x(), p.get_y(), p.get_width(), p.get_height()
                    if x <= t.get_position()[0] <= x + w:
                        cx, cy = x + w / 2, y + h / 2
                        if abs(t.get_position()[1] - cy) < h / 2:
                            out[code] = (cx, cy)
    return out


@pytest.mark.parametrize("model", ["scsb", "acsi", "ecsi"])
def test_path_labels_clear_on_builtin_models(model):
    assert _check(_model_dict(model)) > 0


def test_path_labels_clear_on_a_fifteen_construct_model():
    d = _fifteen()
    assert len(d["model"]["constructs"]) == 15
    assert _check(d) == len(d["paths"]) > 30
