"""YAML syntax of higher-order constructs and interactions: parsing, line-numbered errors, write-back, lavaan."""

from __future__ import annotations

import pytest

from csi.errors import SpecError
from csi.model.expand import first_stage, flat
from csi.model.spec import load_model, parse_yaml

BASE = """\
name: t
constructs:
  X: [x1, x2]
  M: [m1, m2]
  A: [a1, a2]
  B: [b1, b2]
  Y: [y1, y2]
{extra}
paths:
  - {paths}
"""


def _spec(extra: str, paths: str = "X, M -> Y"):
    return parse_yaml(BASE.format(extra=extra, paths=paths), "t.yaml")


def test_interaction_parses_and_writes_back() -> None:
    s = _spec("interactions:\n  XM: {iv: X, moderator: M, method: orthogonal}\n  XX: {quadratic: X}", "X, M, XM, XX -> Y")
    again = parse_yaml(s.to_yaml(), "again.yaml")
    assert again.transforms == s.transforms
    t = {t.code: t for t in s.transforms}
    assert t["XX"].quadratic and t["XX"].method == "two_stage"
    flat_spec, cols = flat(s)
    assert flat_spec.construct("XM").items == ("XM:x1*m1", "XM:x1*m2", "XM:x2*m1", "XM:x2*m2")
    assert flat_spec.construct("XX").items == ("XX_intxn",)
    stage1, _ = first_stage(s)
    assert "XM" not in stage1.codes and all("XM" not in (p.source, p.target) for p in stage1.paths)


def test_hoc_expansions() -> None:
    s = _spec("higher_order:\n  H: {dimensions: [A, B], method: repeated, mode: B}", "X, H -> Y")
    f, cols = flat(s)
    assert f.construct("H").items == ("a1@H", "a2@H", "b1@H", "b2@H") and f.construct("H").mode == "B"
    assert {(p.source, p.target) for p in f.paths} >= {("A", "H"), ("B", "H")}
    s2 = _spec("higher_order:\n  H: {dimensions: [A, B]}", "X -> H\n  - H -> Y")
    st1, _ = first_stage(s2)
    assert {(p.source, p.target) for p in st1.paths} == {("X", "A"), ("X", "B"), ("A", "Y"), ("B", "Y")}
    f2, _ = flat(s2)
    assert f2.construct("H").items == ("A", "B") and "A" not in f2.codes


@pytest.mark.parametrize(("extra", "paths", "message"), [
    ("interactions:\n  XM: {iv: X, moderator: Q}", "X, M -> Y", "line 9: XM: unknown construct 'Q'"),
    ("interactions:\n  XM: {iv: X}", "X, M -> Y", "line 9: interaction XM: needs 'iv' and 'moderator'"),
    ("interactions:\n  XM: {iv: X, moderator: M, method: cubic}", "X, M -> Y", "line 9: interaction XM: method should be one of product_indicator, orthogonal, two_stage; got 'cubic'"),
    ("interactions:\n  XM: {iv: X, moderator: M, weight: 2}", "X, M -> Y", "line 9: interaction XM: unknown key 'weight'"),
    ("interactions:\n  X: {iv: X, moderator: M}", "X, M -> Y", "line 9: X is already a construct with items"),
    ("higher_order:\n  H: {dimensions: [A]}", "X -> Y", "line 9: higher-order construct H: 'dimensions' should list at least two"),
    ("higher_order:\n  H: {dimensions: [A, B], mode: C}", "X -> Y", "line 9: higher-order construct H: mode should be A"),
    ("higher_order:\n  H: {dimensions: [A, B]}\n  G: {dimensions: [B, Y]}", "X -> Y", "line 10: B is a dimension of two higher-order constructs (H and G)"),
    ("interactions:\n  XM: {iv: X, moderator: M}", "X, M, XQ -> Y", "line 11: path XQ -> Y: unknown construct 'XQ'"),
])
def test_errors_name_file_and_line(extra: str, paths: str, message: str) -> None:
    with pytest.raises(SpecError) as e:
        _spec(extra, paths)
    assert str(e.value).startswith("t.yaml ")
    assert message in str(e.value)


def test_dimension_with_own_paths_is_an_error() -> None:
    s = _spec("higher_order:\n  H: {dimensions: [A, B]}", "X -> H\n  - A -> Y")
    with pytest.raises(SpecError, match="A is a dimension of higher-order construct H; give its paths to H"):
        flat(s)


def test_lavaan_second_order_factor_and_clear_errors() -> None:
    spec = load_model("ecsi-hoc")
    text = spec.to_lavaan()
    assert "PERQ =~ PQP + PQS" in text and text.index("PQS =~") < text.index("PERQ =~")
    with pytest.raises(SpecError, match="CB-SEM cannot express the interaction term XM"):
        _spec("interactions:\n  XM: {iv: X, moderator: M}", "X, M, XM -> Y").to_lavaan()
    with pytest.raises(SpecError, match="reflective–formative higher-order construct H"):
        _spec("higher_order:\n  H: {dimensions: [A, B], mode: B}", "X, H -> Y").to_lavaan()
