"""csi aggregate on the recorded generator (data/make_programme.py): 60 companies, 12 industries,
3 sectors, 2 waves, a planted rise of satisfaction (CUSA) in Telecom.  Units are scored with fixed
weights from one calibration fit (fast: 120 units in a few seconds); refit units are covered by the
tiny programmes below and in test_programme_dask.py / test_programme_resume.py.

Oracles written here, independently of csi.workflows.programme: hand-weighted means of the unit
indices with the manifest's weights (read from the YAML), hand-weighted sums of the unit draws and
their numpy quantiles, and ``csi score`` of one company's files (the company level must equal it
bit for bit).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from csi.errors import DataError
from csi.workflows.programme import aggregate, read_programme
from csi.workflows.waves import score_waves
from tests.workflows._programme_data import generator, tiny

N, RESAMPLES = 150, 400


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory):
    gen = generator()
    path = gen.make(tmp_path_factory.mktemp("programme"), n=N, resamples=RESAMPLES, fixed=True)
    res = aggregate(path, workers=2)
    return gen, path, yaml.safe_load(path.read_text()), res


def _members(manifest, level: str, name: str, wave: str) -> list[str]:
    sector_of = {ind: s for s, inds in manifest["sectors"].items() for ind in inds}
    out = []
    for u in manifest["units"]:
        if u["wave"] != wave:
            continue
        ind = manifest["companies"][u["company"]]["industry"]
        if level == "national" or (level == "industry" and ind == name) or (level == "sector" and sector_of[ind] == name):
            out.append(u["company"])
    return out


def test_shape_of_the_generated_programme(programme) -> None:
    gen, _path, manifest, res = programme
    assert len(manifest["companies"]) == 60 and len(manifest["units"]) == 120
    assert len({c["industry"] for c in manifest["companies"].values()}) == 12 and len(manifest["sectors"]) == 3
    assert all(o.status == "scored" for o in res.outcomes)
    assert res.computed == 120 and res.cache_hits == 0


def test_aggregates_equal_hand_weighted_means_and_draws(programme) -> None:
    _gen, _path, manifest, res = programme
    by_unit = {(o.unit.company, o.unit.wave): o.result for o in res.outcomes}
    codes = list(res.spec.codes)
    worst_index = worst_ci = 0.0
    rows = res.levels[res.levels["level"] != "company"]
    checked = 0
    for (level, name, wave), g in rows.groupby(["level", "name", "wave"]):
        comps = _members(manifest, level, name, wave)
        w = np.array([manifest["companies"][c]["weight"] for c in comps], dtype=float)
        w = w / w.sum()
        idx = sum(wc * by_unit[(c, wave)].index[codes].to_numpy() for wc, c in zip(w, comps, strict=True))
        m = min(by_unit[(c, wave)].draws.shape[0] for c in comps)
        draws = sum(wc * by_unit[(c, wave)].draws[:m] for wc, c in zip(w, comps, strict=True))
        lo, hi = np.quantile(draws, [0.025, 0.975], axis=0)
        g = g.set_index("construct").loc[codes]
        worst_index = max(worst_index, float(np.max(np.abs(g["index"].to_numpy() - idx))))
        worst_ci = max(worst_ci, float(np.max(np.abs(g["ci_lo"].to_numpy() - lo))), float(np.max(np.abs(g["ci_hi"].to_numpy() - hi))))
        assert (g["members"] == len(comps)).all() and (g["coverage"] == 1.0).all()
        checked += 1
    assert checked == 2 * (12 + 3 + 1)
    assert worst_index <= 1e-12, worst_index
    assert worst_ci <= 1e-12, worst_ci


def test_planted_rise_is_significant_and_a_null_industry_is_not(programme) -> None:
    gen, _path, _manifest, res = programme
    rise = res.change_of("industry", gen.PLANTED, "2025", "2026", "CUSA")
    assert rise["significant"] and rise["p_value"] < 0.05 and rise["ci_lo"] > 0
    assert rise["delta"] == pytest.approx(res.index_of("industry", gen.PLANTED, "2026") - res.index_of("industry", gen.PLANTED, "2025"), abs=1e-12)
    null = res.change_of("industry", gen.NULL_INDUSTRY, "2025", "2026", "CUSA")
    assert not null["significant"] and null["p_value"] > 0.05 and null["ci_lo"] < 0 < null["ci_hi"]


def test_company_level_is_csi_score_of_its_files(programme) -> None:
    _gen, _path, manifest, res = programme
    comp = "Telecom A"
    files = [str(Path(_path).parent / u["file"]) for u in manifest["units"] if u["company"] == comp]
    ref = score_waves(files, resamples=RESAMPLES, seed=1, workers=1, weights_from=Path(_path).parent / manifest["weights_from"])
    mine = {o.unit.wave: o.result for o in res.outcomes if o.unit.company == comp}
    for u in ref.units:
        got = mine[u.label]
        assert got.seed == u.seed
        assert np.array_equal(got.index.to_numpy(), u.index.to_numpy())
        assert np.array_equal(got.draws, u.draws)
    ch = ref.changes[ref.changes["construct"] == "CUSA"].iloc[0]
    mine_ch = res.change_of("company", comp, "2025", "2026", "CUSA")
    assert (mine_ch["delta"], mine_ch["ci_lo"], mine_ch["ci_hi"], mine_ch["p_value"]) == (ch["delta"], ch["ci_lo"], ch["ci_hi"], ch["p_value"])


def test_refit_company_level_is_csi_score_of_its_files(tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=1, resamples=30)
    res = aggregate(path, workers=1)
    manifest = yaml.safe_load(path.read_text())
    files = [str(tmp_path / u["file"]) for u in manifest["units"] if u["company"] == "Ind1 A"]
    ref = score_waves(files, "scsb", resamples=30, seed=3, workers=1)
    mine = {o.unit.wave: o.result for o in res.outcomes if o.unit.company == "Ind1 A"}
    assert res.settings["mode"] == "refit"
    for u in ref.units:
        assert np.array_equal(mine[u.label].draws, u.draws) and np.array_equal(mine[u.label].index.to_numpy(), u.index.to_numpy())


def test_missing_unit_renormalizes_and_reports_coverage_small_unit_excluded(tmp_path: Path) -> None:
    path = tiny(tmp_path, companies=3, resamples=20, drop=(("Ind0 B", "2026"),), small={"Ind1 C|2026": 20})
    res = aggregate(path, workers=1)
    manifest = yaml.safe_load(path.read_text())
    status = {(o.unit.company, o.unit.wave): o.status for o in res.outcomes}
    assert status[("Ind1 C", "2026")] == "excluded"
    assert any("Ind1 C × 2026 excluded" in i.message and "20 respondents" in i.message for i in res.issues)
    wt = {c: v["weight"] for c, v in manifest["companies"].items()}
    # Ind0 in 2026: B has no unit (not listed), so A and C share the weight; coverage 1 of what is listed
    a, c = (res.outcomes[[(o.unit.company, o.unit.wave) for o in res.outcomes].index((k, "2026"))].result for k in ("Ind0 A", "Ind0 C"))
    hand = (wt["Ind0 A"] * a.index["CUSA"] + wt["Ind0 C"] * c.index["CUSA"]) / (wt["Ind0 A"] + wt["Ind0 C"])
    assert res.index_of("industry", "Ind0", "2026") == pytest.approx(hand, abs=1e-12)
    # Ind1 in 2026: C is listed but excluded → coverage = (w_A + w_B) / (w_A + w_B + w_C)
    row = res.levels[(res.levels["level"] == "industry") & (res.levels["name"] == "Ind1") & (res.levels["wave"] == "2026")].iloc[0]
    assert row["coverage"] == pytest.approx((wt["Ind1 A"] + wt["Ind1 B"]) / (wt["Ind1 A"] + wt["Ind1 B"] + wt["Ind1 C"]), abs=1e-15)
    assert (row["members"], row["listed"]) == (2, 3)
    assert any(i.category == "coverage" and "Ind1" in i.message for i in res.issues)


def test_manifest_errors_are_named_together(tmp_path: Path) -> None:
    path = tiny(tmp_path, resamples=0)
    m = yaml.safe_load(path.read_text())
    m["companies"]["Ind0 A"]["industry"] = "Mining"
    del m["companies"]["Ind1 B"]["weight"]
    m["units"].append({"company": "Nobody", "wave": "2026", "file": "x.csv"})
    path.write_text(yaml.safe_dump(m))
    with pytest.raises(DataError) as exc:
        read_programme(path)
    msg = str(exc.value)
    assert "company 'Ind0 A': unknown industry 'Mining'" in msg
    assert "(Ind1 B × 2025): missing weight" in msg
    assert "unknown company 'Nobody'" in msg
    assert str(path) in msg


def test_manifest_unknown_key_and_bad_weight(tmp_path: Path) -> None:
    path = tiny(tmp_path, resamples=0, extra={"colour": "red"})
    with pytest.raises(DataError, match="unknown key 'colour'"):
        read_programme(path)
    path = tiny(tmp_path, resamples=0)
    m = yaml.safe_load(path.read_text())
    m["companies"]["Ind0 A"]["weight"] = -3
    path.write_text(yaml.safe_dump(m))
    with pytest.raises(DataError, match="company 'Ind0 A': weight should be a positive number"):
        read_programme(path)


def test_units_read_from_fsspec_urls_equal_local_files(tmp_path: Path) -> None:
    fsspec = pytest.importorskip("fsspec")
    path = tiny(tmp_path, companies=1, resamples=0)
    local = aggregate(path, workers=1)
    m = yaml.safe_load(path.read_text())
    mem = fsspec.filesystem("memory")
    for k, u in enumerate(m["units"]):
        data = (tmp_path / u["file"]).read_bytes()
        if k % 2:  # half from an in-memory filesystem, half through file:// URLs
            mem.pipe(f"/csi-test/{Path(u['file']).name}", data)
            u["file"] = f"memory:///csi-test/{Path(u['file']).name}"
        else:
            u["file"] = (tmp_path / u["file"]).resolve().as_uri()
    path.write_text(yaml.safe_dump(m))
    remote = aggregate(path, workers=1, cache_dir=tmp_path / "cache")  # in-process: memory:// is this process's
    assert remote.levels.equals(local.levels)
    assert all(o.status == "scored" for o in remote.outcomes)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 4  # content hashes read through fsspec too
