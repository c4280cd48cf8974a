"""Model specifications: built-ins, validation messages with line numbers, YAML round trip."""

from __future__ import annotations

import pytest

from csi.errors import SpecError
from csi.model.spec import builtin_models, load_model, parse_yaml


def test_builtins_listed():
    assert set(builtin_models()) == {"scsb", "acsi", "ecsi", "ecsi-hoc"}


def test_ecsi_structure():
    spec = load_model("ecsi")
    assert spec.codes == ("IMAG", "CUEX", "PERQ", "PERV", "CUSA", "CUSCO", "CUSL")
    assert [len(c.items) for c in spec.constructs] == [5, 3, 7, 2, 3, 1, 3]
    assert {(p.source, p.target) for p in spec.paths} == {
        ("IMAG", "CUEX"), ("IMAG", "CUSA"), ("IMAG", "CUSL"), ("CUEX", "PERQ"), ("CUEX", "PERV"),
        ("CUEX", "CUSA"), ("PERQ", "PERV"), ("PERQ", "CUSA"), ("PERV", "CUSA"), ("CUSA", "CUSCO"),
        ("CUSA", "CUSL"), ("CUSCO", "CUSL"),
    }
    assert (spec.scale_min, spec.scale_max) == (1, 10)
    assert spec.role("recommend") == "CUSL3"


def test_acsi_structure():
    spec = load_model("acsi")
    assert set(spec.codes) == {"CUEX", "PERQ", "PERV", "CUSA", "CUSCO", "CUSL"}
    assert {(p.source, p.target) for p in spec.paths} == {
        ("CUEX", "PERQ"), ("CUEX", "PERV"), ("CUEX", "CUSA"), ("PERQ", "PERV"), ("PERQ", "CUSA"),
        ("PERV", "CUSA"), ("CUSA", "CUSCO"), ("CUSA", "CUSL"), ("CUSCO", "CUSL"),
    }


def test_scsb_structure():
    spec = load_model("scsb")
    assert set(spec.codes) == {"CUEX", "PERV", "CUSA", "CUSCO", "CUSL"}
    assert {(p.source, p.target) for p in spec.paths} == {
        ("CUEX", "PERV"), ("CUEX", "CUSA"), ("PERV", "CUSA"), ("CUSA", "CUSCO"), ("CUSA", "CUSL"), ("CUSCO", "CUSL"),
    }


def test_shared_item_codes_across_models():
    ecsi = load_model("ecsi")
    for name in ("acsi", "scsb"):
        spec = load_model(name)
        for c in spec.constructs:
            assert c.items == ecsi.construct(c.code).items


@pytest.mark.parametrize("name", ["scsb", "acsi", "ecsi"])
def test_yaml_round_trip(name):
    spec = load_model(name)
    again = parse_yaml(spec.to_yaml(), "round trip")
    assert again == spec


def test_user_yaml_round_trip(tmp_path):
    text = """
name: mine
label: Mon modèle
scale: {min: 0, max: 10}
constructs:
  Q: {label: Qualité, items: [q1, q2], mode: B}
  S: {label: 満足度, items: [s1, s2, s3]}
paths:
  - Q -> S
missing_codes: [98, 99]
"""
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    spec = load_model(path)
    assert spec.construct("Q").mode == "B" and spec.construct("S").label == "満足度"
    assert spec.missing_codes == (98.0, 99.0) and spec.scale_min == 0
    assert parse_yaml(spec.to_yaml(), "again") == spec


BAD = [
    ("constructs:\n  A: [a1]\n  B: [b1]\npaths:\n  - A -> C\n", "line 5: path A -> C: unknown construct 'C'"),
    ("constructs:\n  A: [a1]\n  B: [b1]\n  C: [c1]\npaths:\n  - A -> B\n  - B -> C\n  - C -> A\n", "line 6: the paths form a cycle among A, B, C"),
    ("constructs:\n  A: [a1, x]\n  B: [b1, x]\npaths:\n  - A -> B\n", "line 3: item x is in two constructs: A (line 2) and B"),
    ("constructs:\n  A: {label: a, items: []}\n  B: [b1]\npaths:\n  - A -> B\n", "line 2: construct A has no items"),
    ("constructs:\n  A: {items: [a1], mode: C}\n  B: [b1]\npaths:\n  - A -> B\n", "line 2: construct A: mode should be one of A, B; got 'C'"),
    ("constructs:\n  A: [a1]\n  B: [b1]\npaths:\n  - A -> B\n  - A -> B\n", "line 6: path A -> B is given twice (first on line 5)"),
    ("constructs:\n  A: [a1]\n  B: [b1]\npaths:\n  - A => B\n", "line 5: path 'A => B' should look like"),
    ("constructs:\n  A: [a1]\n  B: [b1]\npaths:\n  - A -> B\nscale: {min: 10, max: 1}\n", "line 6: scale min (10) should be below max (1)"),
    ("constructs:\n  A: [a1]\n  B: [b1]\npaths:\n  - A -> B\ncolour: red\n", "line 6: unknown key 'colour'"),
    ("constructs:\n  A: [a1\n", "not valid YAML"),
    ("- just\n- a list\n", "expected a mapping"),
    ("constructs:\n  A: [a1]\n  B: [b1]\npaths:\n  - A -> A\n", "line 5: path A -> A points a construct at itself"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_specs_name_the_line(text, message):
    with pytest.raises(SpecError) as exc:
        parse_yaml(text, "m.yaml")
    assert str(exc.value).startswith("m.yaml")
    assert message in str(exc.value)


def test_unknown_model_name():
    with pytest.raises(SpecError, match="--model should be one of .*ecsi.*got 'ecsy'"):
        load_model("ecsy")


def test_missing_model_file(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        load_model(tmp_path / "nope.yaml")


def test_yaml_is_loaded_safely(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo pwned']\nconstructs:\n  A: [a]\n", encoding="utf-8")
    with pytest.raises(SpecError, match="line 1: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed"):
        load_model(path)


def test_lavaan_syntax():
    text = load_model("scsb").to_lavaan()
    assert "CUEX =~ CUEX1 + CUEX2 + CUEX3" in text
    assert "CUSA ~ CUEX + PERV" in text
