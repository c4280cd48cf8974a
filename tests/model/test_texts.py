"""Question texts and the report language in the model YAML (csi.model.texts)."""

from __future__ import annotations

import pytest

from csi.errors import SpecError
from csi.model.spec import load_model, parse_yaml

BASE = load_model("ecsi").to_yaml()


def test_item_texts_and_lang_round_trip():
    spec = parse_yaml(BASE + "lang: zh\nitems:\n  PERQ1: 总体质量\n  CUSL3: \"Would recommend\"\n", "m.yaml")
    assert spec.item_texts == (("PERQ1", "总体质量"), ("CUSL3", "Would recommend")) and spec.lang == "zh"
    again = parse_yaml(spec.to_yaml(), "again.yaml")  # written back as `csi models show` prints it
    assert again.item_texts == spec.item_texts and again.lang == "zh"
    assert "总体质量" in spec.to_yaml()  # not escaped: readable in the file


def test_models_without_texts_are_unchanged():
    spec = load_model("ecsi")
    assert spec.item_texts == () and spec.lang == ""
    assert "items:\n" not in spec.to_yaml().split("constructs:")[0] and "lang:" not in spec.to_yaml()


@pytest.mark.parametrize(("extra", "needle"), [
    ("items:\n  NOPE1: x\n", "items: 'NOPE1' is not an item of any construct"),
    ("items:\n  PERQ1: ''\n", "the text of PERQ1 should be a non-empty string"),
    ("items: [PERQ1]\n", "'items' should map item codes to question texts"),
    ("lang: fr\n", "lang should be one of en, zh, de; got 'fr'"),
])
def test_bad_texts_name_the_line(extra, needle):
    with pytest.raises(SpecError, match="m.yaml line \\d+: .*" + needle.replace("(", "\\(").replace("[", "\\[")):
        parse_yaml(BASE + extra, "m.yaml")
