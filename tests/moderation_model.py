"""The model of :func:`csi.model.simulate.simulate_moderation`'s data: ``X, M, X×M → Y``.

One definition for the moderation tests (tests/derive/test_moderation.py) and the per-resample
rebuild tests (tests/inference/test_rebuild.py).
"""

from __future__ import annotations

from csi.model.spec import ModelSpec, parse_yaml

YAML = """\
name: mod
constructs:
  X: [X1, X2, X3]
  M: [M1, M2, M3]
  Y: [Y1, Y2, Y3]
interactions:
  XM: {iv: X, moderator: M, method: METHOD}
paths:
  - X, M, XM -> Y
"""


def moderation_spec(method: str = "two_stage") -> ModelSpec:
    """The model with the interaction ``XM`` built by ``method`` (two_stage, product_indicator, orthogonal)."""
    return parse_yaml(YAML.replace("METHOD", method), "mod.yaml")
