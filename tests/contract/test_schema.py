"""The results contract, schema_version 2: JSON Schemas, one naming, version 1 read back.

Real outputs of ``csi fit`` (PLS with bootstrap, groups and tiers; CB-SEM with a bootstrap) and
``csi score`` are checked against the shipped schemas twice: with the ``jsonschema`` package
(draft 2020-12) and with the small validator ``csi report`` uses at run time, which must agree.
Version 1 files (``tests/golden``) are read through :func:`csi.results.contract.upgrade`.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from csi.errors import DataError
from csi.results import contract
from csi.results.contract import load_schema, read_results, schema_errors, upgrade

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
SAMPLE = ROOT / "data" / "sample_survey.xlsx"
MOBI = ROOT.parent / "shared" / "reference" / "mobi.csv"
WAVES = [ROOT / "data" / "waves" / f"wave_2026Q{q}.csv" for q in (1, 2, 3)]
# names version 1 used that version 2 replaced (anywhere outside ``settings``)
V1_NAMES = {"ci_lo", "ci_hi", "interval", "index_ci", "index_se", "htmt_ci", "warnings", "mean_lo", "mean_hi", "logvar_lo", "logvar_hi"}


def _quiet(fn: Any, *args: Any, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


@functools.cache
def pls_doc() -> dict[str, Any]:
    import csi

    # 15 permutations: the smallest p (1/16) cannot reach 0.05, so the run carries a groups issue
    res = _quiet(csi.fit, SAMPLE, "ecsi", boot=40, seed=3, groups=("region",), permutations=15, tiers=("nps", "quadrants", "bands"))
    return json.loads(contract.dumps(res))


@functools.cache
def quality_doc() -> dict[str, Any]:
    """mobi: quality gates (CUEX alpha, HTMT) among its issues."""
    import pandas as pd

    import csi

    return json.loads(contract.dumps(_quiet(csi.fit, pd.read_csv(MOBI, index_col=0), "ecsi", boot=0)))


@functools.cache
def cbsem_doc() -> dict[str, Any]:
    """CB-SEM on mobi: inadmissible (a standardized path beyond 1), with a small bootstrap."""
    import pandas as pd

    import csi

    res = _quiet(csi.fit, pd.read_csv(MOBI, index_col=0), "ecsi", method="cbsem", boot=8, seed=2, tiers=())
    return json.loads(contract.dumps(res))


@functools.cache
def scores_doc() -> dict[str, Any]:
    from csi.workflows.waves import score_waves

    res = _quiet(score_waves, [str(w) for w in WAVES], "ecsi", resamples=20, seed=1, workers=1)
    return json.loads(json.dumps(res.to_dict()))


DOCS = {"pls": ("fit", pls_doc), "quality": ("fit", quality_doc), "cbsem": ("fit", cbsem_doc), "scores": ("scores", scores_doc)}


def _jsonschema_errors(doc: Any, kind: str) -> list[str]:
    validator = jsonschema.Draft202012Validator(load_schema(kind))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def _keys(x: Any, where: str = "$") -> list[tuple[str, str, Any]]:
    """(path, key, object) for every key of every object, outside settings blocks.

    Settings keep the names of the knobs (``ci: "percentile"`` is the interval method), as does
    ``cbsem.bootstrap``, the settings of the CB-SEM bootstrap.
    """
    out: list[tuple[str, str, Any]] = []
    if isinstance(x, dict):
        for k, v in x.items():
            out.append((where, k, x))
            if k != "settings" and not (where == "$.cbsem" and k == "bootstrap"):
                out += _keys(v, f"{where}.{k}")
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out += _keys(v, f"{where}[{i}]")
    return out


# --------------------------------------------------------------------------------------
# the schemas
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["fit", "scores"])
def test_schemas_are_valid_draft_2020_12_and_shipped(kind):
    schema = load_schema(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["schema_version"] == {"const": 2}
    assert "issues" in schema["required"]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"results/schema/*.json"' in pyproject  # package data of csi


@pytest.mark.parametrize("name", list(DOCS))
def test_real_outputs_match_their_schema(name):
    kind, make = DOCS[name]
    doc = make()
    assert doc["schema_version"] == 2
    assert _jsonschema_errors(doc, kind) == []
    assert list(schema_errors(doc, load_schema(kind))) == []


@pytest.mark.parametrize("name", list(DOCS))
def test_one_naming_everywhere(name):
    doc = DOCS[name][1]()
    for where, key, obj in _keys(doc):
        assert key not in V1_NAMES, f"{where}.{key}"
        assert "|" not in key, f"{where}.{key}: a pair as a key"
        assert not (key == "source" and "target" in obj), f"{where}: an edge as source/target"
    for where, key, obj in _keys(doc):  # every interval is [lo, hi] or null
        if key == "ci" or key.endswith("_ci"):
            v = obj[key]
            assert v is None or (isinstance(v, list) and len(v) == 2), f"{where}.{key} = {v!r}"


def test_sections_in_version_2_shape():
    d = pls_doc()
    n = len(d["model"]["constructs"])
    assert len(d["htmt"]) == n * (n - 1) // 2 and all(set(p) == {"a", "b", "value", "ci"} for p in d["htmt"])
    fl = d["fornell_larcker"]
    assert len(fl) == n * (n + 1) // 2 and sum(p["a"] == p["b"] for p in fl) == n
    assert {"name", "index", "std_error", "ci"} <= set(d["constructs"][0])
    assert {"from", "to", "ci"} <= set(d["bootstrap"]["paths"][0]) and {"a", "b", "ci"} <= set(d["bootstrap"]["htmt"][0])
    g = d["groups"][0]
    assert all({"a", "b", "value"} == set(p) for p in g["settings"]["permutations_used"])
    assert {"mean_ci", "logvar_ci"} <= set(g["micom"][0]) and "ci" in g["paths"][0]
    assert "ci" in d["tiers"]["groups"][0] and "ci" in d["tiers"]["statistics"][0]
    assert all(set(i) == {"category", "message", "gate"} for i in d["issues"])
    cb = cbsem_doc()["cbsem"]
    assert "warnings" not in cb and all(set(p) == {"a", "b", "value"} for p in cb["latent_correlations"])
    assert len(cb["latent_correlations"]) == n * (n - 1) // 2
    assert all(len(p["ci"]) == 2 for p in cb["paths"])


def test_issues_are_objects_with_their_gate():
    quality = [i for i in quality_doc()["issues"] if i["category"] == "quality"]
    assert quality and all(i["gate"] for i in quality)
    assert any("HTMT" in i["message"] for i in quality)
    cb = cbsem_doc()
    adm = [i for i in cb["issues"] if i["category"] == "admissibility"]
    assert adm and all(i["gate"] for i in adm)
    assert {p["message"] for p in cb["cbsem"]["admissibility"]} <= {i["message"] for i in adm}


# --------------------------------------------------------------------------------------
# broken documents fail
# --------------------------------------------------------------------------------------
def _broken(doc: dict[str, Any], edit: Any) -> dict[str, Any]:
    d = copy.deepcopy(doc)
    edit(d)
    return d


BREAKS = [
    ("missing paths", "fit", lambda d: d.pop("paths"), "paths"),
    ("index a string", "fit", lambda d: d["constructs"][2].update(index="high"), "constructs[2].index"),
    ("ci of one number", "fit", lambda d: d["paths"][0].update(ci=[0.1]), "paths[0].ci"),
    ("ci of text", "fit", lambda d: d["constructs"][0].update(ci=["a", "b"]), "constructs[0].ci[0]"),
    ("issue as text", "fit", lambda d: d["issues"].append("a plain warning"), "issues["),
    ("issue without gate", "fit", lambda d: d["issues"].append({"category": "data", "message": "m"}), "gate"),
    ("htmt as a v1 matrix", "fit", lambda d: d.update(htmt={"CUEX": {"IMAG": 0.4}}), "htmt"),
    ("version 1 number", "fit", lambda d: d.update(schema_version=1), "schema_version"),
    ("wave without ci", "scores", lambda d: d["waves"][0]["constructs"][0].pop("ci"), "waves[0].constructs[0]"),
    ("change with interval only", "scores", lambda d: d["changes"][0].update(ci="[1, 2]"), "changes[0].ci"),
]


@pytest.mark.parametrize(("what", "kind", "edit", "where"), BREAKS, ids=[b[0] for b in BREAKS])
def test_broken_documents_fail_validation(what, kind, edit, where):
    doc = _broken(pls_doc() if kind == "fit" else scores_doc(), edit)
    assert _jsonschema_errors(doc, kind), what
    found = list(schema_errors(doc, load_schema(kind)))
    assert found and where in found[0], found


def test_validator_refuses_keywords_it_does_not_know():
    with pytest.raises(ValueError, match="pattern"):
        list(schema_errors("x", {"type": "string", "pattern": "^a"}))


# --------------------------------------------------------------------------------------
# version 1: upgrade and read back
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "kind"), [("results", "fit"), ("scores", "scores")])
def test_upgrade_of_golden_v1_is_valid_v2_and_pure(name, kind):
    v1 = json.loads((GOLDEN / f"{name}.v1.json").read_text(encoding="utf-8"))
    before = copy.deepcopy(v1)
    v2 = upgrade(v1)
    assert v1 == before  # pure
    assert v2["schema_version"] == 2
    assert _jsonschema_errors(v2, kind) == [] and list(schema_errors(v2, load_schema(kind))) == []
    assert upgrade(v2) == v2  # version 2 comes back as it is
    for where, key, obj in _keys(v2):
        assert key not in V1_NAMES and "|" not in key, f"{where}.{key}"
        assert not (key == "source" and "target" in obj), where


def test_upgrade_moves_values_not_numbers():
    v1 = json.loads((GOLDEN / "results.v1.json").read_text(encoding="utf-8"))
    v2 = upgrade(v1)
    c = v2["constructs"][0]
    assert c["ci"] == v1["constructs"][0]["index_ci"] and c["std_error"] == v1["constructs"][0]["index_se"]
    htmt = {(p["a"], p["b"]): p for p in v2["htmt"]}
    assert htmt[("CUSA", "PERQ")]["value"] == v1["htmt"]["CUSA"]["PERQ"]
    assert htmt[("CUSA", "PERQ")]["ci"] == v1["htmt_ci"]["CUSA|PERQ"]
    b = v2["bootstrap"]["paths"][0]
    assert (b["from"], b["to"], b["ci"]) == (v1["bootstrap"]["paths"][0]["source"], v1["bootstrap"]["paths"][0]["target"],
                                             [v1["bootstrap"]["paths"][0]["ci_lo"], v1["bootstrap"]["paths"][0]["ci_hi"]])
    assert [i["message"] for i in v2["issues"]] == v1["warnings"]
    assert v2["issues"][0]["category"] == "groups" and v2["issues"][0]["gate"] is False


@pytest.mark.parametrize("name", ["pls", "quality", "cbsem"])
def test_messages_as_v1_wrote_them_get_back_their_categories(name):
    """upgrade classifies a v1 message as csi files it today (by its wording)."""
    doc = DOCS[name][1]()
    adm = [p["message"] for p in (doc.get("cbsem") or {}).get("admissibility", [])]
    assert doc["issues"]
    for issue in doc["issues"]:
        assert contract.issue_of_message(issue["message"], "data", adm) == issue


def _write(folder: Path, name: str, data: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder / name


def test_read_results_reads_version_1(tmp_path):
    for name, file in (("results.json", "results.v1.json"), ("scores.json", "scores.v1.json")):
        folder = tmp_path / file
        folder.mkdir()
        shutil.copy(GOLDEN / file, folder / name)
        kind, doc = read_results(folder / name)
        assert kind == ("scores" if name == "scores.json" else "fit")
        assert doc == upgrade(json.loads((GOLDEN / file).read_text(encoding="utf-8")))


@pytest.mark.parametrize(("edit", "needle"), [
    (lambda d: d.pop("indicators"), "missing key 'indicators'"),
    (lambda d: d["constructs"][1].pop("name"), "constructs[1] has no key 'name'"),
    (lambda d: d["paths"][3].update(estimate="0.5"), "paths[3].estimate should be a number or null, found \"0.5\""),
    (lambda d: d.update(schema_version=7), "schema_version 7 is not one this csi reads"),
    (lambda d: d["warnings"].append(3), "issues[1] should be an object, found 3"),
])
def test_read_results_names_the_file_and_the_key(tmp_path, edit, needle):
    v1 = json.loads((GOLDEN / "results.v1.json").read_text(encoding="utf-8"))
    edit(v1)
    file = _write(tmp_path / "r", "results.json", v1)
    with pytest.raises(DataError) as exc:
        read_results(file)
    assert str(file) in str(exc.value) and needle in str(exc.value), str(exc.value)


def test_csi_report_on_a_broken_file_exits_2_with_one_message(tmp_path):
    d = copy.deepcopy(pls_doc())
    d["constructs"][0]["index"] = "n/a"
    folder = tmp_path / "broken"
    _write(folder, "results.json", d)
    proc = subprocess.run([sys.executable, "-m", "csi", "report", str(folder), "--out", str(tmp_path / "rep"), "--format", "png"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    text = " ".join((proc.stdout + proc.stderr).split())
    assert "results.json" in text and "constructs[0].index" in text, text
    assert "Traceback" not in text


@pytest.mark.parametrize(("file", "name"), [("results.v1.json", "results.json"), ("scores.v1.json", "scores.json")])
def test_csi_report_draws_the_same_charts_from_a_version_1_file(tmp_path, file, name):
    from csi.report import pack

    v1 = tmp_path / "v1"
    v1.mkdir()
    shutil.copy(GOLDEN / file, v1 / name)
    v2 = tmp_path / "v2"
    _write(v2, name, upgrade(json.loads((GOLDEN / file).read_text(encoding="utf-8"))))
    a = _quiet(pack.build_report, [v1], tmp_path / "a", formats="png,xlsx", dpi=20)
    b = _quiet(pack.build_report, [v2], tmp_path / "b", formats="png,xlsx", dpi=20)
    assert a.charts == b.charts and len(a.charts) >= 2
    for fa, fb in zip(a.files, b.files, strict=True):
        assert fa.name == fb.name
        if fa.suffix == ".png":
            assert fa.read_bytes() == fb.read_bytes(), fa.name
