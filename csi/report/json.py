"""results.json: the stable contract other tools read (see ARCHITECTURE.md).

The only JSON writer.  NaN and infinities become ``null``; numbers are written in full
precision (no rounding: downstream tools compare them).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from csi._io import atomic_write

if TYPE_CHECKING:
    from csi.api import FitResults

SCHEMA_VERSION = 1


def clean(value: Any) -> Any:
    """JSON-safe plain Python: NaN/inf → None, numpy scalars → Python numbers."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [clean(v) for v in value.tolist()]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, Path):
        return str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _stat(table: pd.DataFrame | None, key: Any, col: str) -> Any:
    if table is None or key not in table.index:
        return None
    return table.loc[key, col]


def _ci(table: pd.DataFrame | None, key: Any) -> list[Any] | None:
    if table is None or key not in table.index:
        return None
    return [table.loc[key, "ci_lo"], table.loc[key, "ci_hi"]]


def to_dict(res: FitResults) -> dict[str, Any]:
    spec, pls, q, idx = res.spec, res.pls, res.quality, res.indices
    boot = res.bootstrap
    bt = (lambda kind: boot.stats(kind)) if boot is not None else (lambda kind: None)
    b_index, b_paths, b_w, b_l, b_r2 = bt("index"), bt("paths"), bt("weights"), bt("loadings"), bt("r2")
    b_total, b_ind, b_htmt = bt("total_effects"), bt("indirect_effects"), bt("htmt")
    settings = dict(res.settings)
    if boot is not None:
        settings["bootstrap"] = dict(boot.settings)
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "csi_version": settings.get("versions", {}).get("csi"),
        "model": {
            "name": spec.name,
            "label": spec.label,
            "constructs": [{"code": c.code, "label": c.label, "items": list(c.items), "mode": c.mode} for c in spec.constructs],
            "paths": [{"from": p.source, "to": p.target} for p in spec.paths],
            "scale": {"min": spec.scale_min, "max": spec.scale_max},
            "roles": dict(spec.roles),
        },
        "method": res.method,
        "settings": settings,
        "n_obs": pls.n_obs,
        "warnings": list(res.warnings),
    }
    rel = q.reliability
    out["constructs"] = [
        {
            "name": c.code,
            "label": c.label,
            "index": idx.index[c.code],
            "index_ci": _ci(b_index, c.code),
            "index_se": _stat(b_index, c.code, "std_error"),
            "r2": pls.r2[c.code],
            "r2_adj": pls.r2_adj[c.code],
            "r2_ci": _ci(b_r2, c.code),
            "alpha": rel.loc[c.code, "alpha"],
            "rho_a": rel.loc[c.code, "rho_a"],
            "rho_c": rel.loc[c.code, "rho_c"],
            "ave": rel.loc[c.code, "ave"],
        }
        for c in spec.constructs
    ]
    cbsem_std = None
    if res.cbsem is not None and hasattr(res.cbsem, "std_paths"):
        cbsem_std = res.cbsem.std_paths
    out["paths"] = [
        {
            "from": s,
            "to": t,
            "estimate": est,
            "std_estimate": None if cbsem_std is None else cbsem_std.get((s, t)),
            "std_error": _stat(b_paths, (s, t), "std_error"),
            "t": _stat(b_paths, (s, t), "t"),
            "p_value": _stat(b_paths, (s, t), "p_value"),
            "ci": _ci(b_paths, (s, t)),
            "f2": q.f2.get((s, t)),
            "vif": q.construct_vif.get((s, t)),
        }
        for s, t, est in pls.path_list()
    ]
    out["indicators"] = [
        {
            "name": item,
            "construct": code,
            "weight": pls.weights[(code, item)],
            "loading": pls.loadings[(code, item)],
            "normalized_weight": idx.normalized_weights[(code, item)],
            "mean": pls.item_means[item],
            "sd": pls.item_sds[item],
            "vif": q.item_vif[(code, item)],
            "weight_ci": _ci(b_w, (code, item)),
            "loading_ci": _ci(b_l, (code, item)),
            "weight_p_value": _stat(b_w, (code, item), "p_value"),
            "loading_p_value": _stat(b_l, (code, item), "p_value"),
        }
        for code, item in pls.weights.index
    ]
    out["effects"] = [
        {
            "from": r["from"],
            "to": r["to"],
            "direct": r["direct"],
            "indirect": r["indirect"],
            "total": r["total"],
            "total_ci": _ci(b_total, (r["from"], r["to"])),
            "indirect_ci": _ci(b_ind, (r["from"], r["to"])),
            "total_p_value": _stat(b_total, (r["from"], r["to"]), "p_value"),
        }
        for _, r in pls.effects.iterrows()
    ]
    htmt: dict[str, dict[str, Any]] = {}
    for a in q.htmt.index:
        for b in q.htmt.columns:
            v = q.htmt.loc[a, b]
            if pd.notna(v):
                htmt.setdefault(a, {})[b] = v
    out["htmt"] = htmt
    if b_htmt is not None:
        out["htmt_ci"] = {f"{a}|{b}": [r.ci_lo, r.ci_hi] for (a, b), r in b_htmt.iterrows()}
    if boot is not None:
        # every bootstrapped statistic in full: {kind: [{key columns..., estimate, mean, std_error, t, p_value, ci_lo, ci_hi}]}
        from csi.bootstrap import KINDS

        out["bootstrap"] = {kind: boot.stats(kind).reset_index().to_dict(orient="records") for kind in KINDS}
    out["fornell_larcker"] = {a: {b: q.fornell_larcker.loc[a, b] for b in q.fornell_larcker.columns if pd.notna(q.fornell_larcker.loc[a, b])} for a in q.fornell_larcker.index}
    out["cross_loadings"] = {item: pls.cross_loadings.loc[item].to_dict() for item in pls.cross_loadings.index}
    out["gof"] = q.gof
    out["it_criteria"] = {c: {"aic": q.aic[c], "bic": q.bic[c]} for c in q.aic.index}
    from csi.waves import scoring_model_dict  # issue 7: what `csi score --weights-from` needs

    out["scoring_model"] = scoring_model_dict(res)
    if res.ipma is not None:
        from csi.ipma import to_json as ipma_json  # construct rows, each with its item-level rows

        out["ipma"] = ipma_json(res.ipma, getattr(res, "ipma_items", None)) if isinstance(res.ipma, pd.DataFrame) else res.ipma
    if res.groups is not None:
        out["groups"] = res.groups.to_json()
    if res.tiers is not None:
        out["tiers"] = res.tiers.to_json() if hasattr(res.tiers, "to_json") else res.tiers
    if res.cbsem is not None and hasattr(res.cbsem, "to_json"):
        cb = res.cbsem.to_json()
        out["fit"] = cb.get("fit")
        out["cbsem"] = cb
    for k, v in res.extras.items():
        out[k] = v.to_json() if hasattr(v, "to_json") else v
    return clean(out)


def dumps(res: FitResults) -> str:
    return json.dumps(to_dict(res), indent=2, ensure_ascii=False, allow_nan=False)


def write_json(data: dict[str, Any] | FitResults, path: str | Path) -> Path:
    """Write results (or any JSON-able dict) atomically."""
    text = json.dumps(clean(data), indent=2, ensure_ascii=False, allow_nan=False) if isinstance(data, dict) else dumps(data)

    def _w(tmp: Path) -> None:
        tmp.write_text(text + "\n", encoding="utf-8")

    return atomic_write(path, _w)
