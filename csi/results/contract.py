"""TODO docstring."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csi.errors import DataError
from csi.model.spec import ModelSpec, parse_yaml
from csi.results.types import FitResults

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
        from csi.inference.bootstrap import KINDS

        out["bootstrap"] = {kind: boot.stats(kind).reset_index().to_dict(orient="records") for kind in KINDS}
    out["fornell_larcker"] = {a: {b: q.fornell_larcker.loc[a, b] for b in q.fornell_larcker.columns if pd.notna(q.fornell_larcker.loc[a, b])} for a in q.fornell_larcker.index}
    out["cross_loadings"] = {item: pls.cross_loadings.loc[item].to_dict() for item in pls.cross_loadings.index}
    out["gof"] = q.gof
    out["it_criteria"] = {c: {"aic": q.aic[c], "bic": q.bic[c]} for c in q.aic.index}
    from csi.results.contract import (
        scoring_model_dict,  # issue 7: what `csi score --weights-from` needs
    )

    out["scoring_model"] = scoring_model_dict(res)
    if res.ipma is not None:
        from csi.derive.ipma import (
            to_json as ipma_json,  # construct rows, each with its item-level rows
        )

        out["ipma"] = ipma_json(res.ipma, getattr(res, "ipma_items", None)) if isinstance(res.ipma, pd.DataFrame) else res.ipma
    if res.groups is not None:
        out["groups"] = res.groups.to_json()
    if res.tiers is not None:
        out["tiers"] = res.tiers.to_json() if hasattr(res.tiers, "to_json") else res.tiers
    if res.cbsem is not None and hasattr(res.cbsem, "to_json"):
        cb = res.cbsem.to_json()
        out["fit"] = cb.get("fit")
        out["cbsem"] = cb
    for k, v in res.derived.items():
        out[k] = v.to_json() if hasattr(v, "to_json") else v
    return clean(out)


def dumps(res: FitResults) -> str:
    return json.dumps(to_dict(res), indent=2, ensure_ascii=False, allow_nan=False)


SCORING_MODEL_VERSION = 1


@dataclass(frozen=True)
class ScoringModel:
    """Everything needed to score a wave with fixed weights (``scoring_model`` in results.json)."""

    spec: ModelSpec
    normalized_weights: pd.Series  # by (construct, item), summing to 1 within a construct
    scale_min: float
    scale_max: float
    standardized: bool
    version: int
    csi_version: str | None
    source: str = ""
    calibration_indices: pd.Series | None = None
    n_obs: int | None = None
    survey: Mapping[str, Any] = field(default_factory=dict)


def scoring_model_dict(res: FitResults) -> dict[str, Any]:
    """The versioned ``scoring_model`` block ``csi fit`` writes to results.json."""
    from csi._version import __version__

    spec, idx = res.spec, res.indices
    nw = idx.normalized_weights
    # the item coding that gives the weights their meaning (csi.survey's settings keys)
    keep = ("missing", "missing_codes", "reversed_items", "weights_column", "scale_source")
    return {
        "version": SCORING_MODEL_VERSION,
        "csi_version": __version__,
        "formula": "index = sum_i w_i * (mean_i - min) / (max - min) * 100, w = normalized_weights",
        "model": spec.to_dict(),
        "scale": {"min": float(idx.scale_min), "max": float(idx.scale_max)},
        "standardized": bool(res.pls.standardized),
        "scheme": res.pls.scheme,
        "normalized_weights": {c.code: {i: float(nw[(c.code, i)]) for i in c.items} for c in spec.constructs},
        "indices": {c.code: float(idx.index[c.code]) for c in spec.constructs},
        "n_obs": int(res.pls.n_obs),
        "survey": {k: res.settings[k] for k in keep if res.settings.get(k) not in (None, (), [])},
    }


def load_scoring_model(path: str | Path) -> ScoringModel:
    """Read the ``scoring_model`` block of a results.json (or a file holding only that block)."""
    p = Path(path)
    where = f"--weights-from {p}"
    if not p.exists():
        raise DataError(f"{where}: no such file")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{where}: not a JSON file ({exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{where}: expected a results.json object; found {type(data).__name__}")
    block = data if "normalized_weights" in data else data.get("scoring_model")
    if not isinstance(block, dict):
        raise DataError(
            f"{where}: no 'scoring_model' block (written by csi {data.get('csi_version', '?')}); "
            "re-run `csi fit` on the calibration wave to save one"
        )
    version = block.get("version")
    if version != SCORING_MODEL_VERSION:
        raise DataError(f"{where}: scoring_model version {version!r} is not supported; this csi reads version {SCORING_MODEL_VERSION}")
    for key in ("model", "scale", "normalized_weights"):
        if key not in block:
            raise DataError(f"{where}: scoring_model has no {key!r}")
    import yaml

    spec = parse_yaml(yaml.safe_dump(block["model"], sort_keys=False), f"{where} scoring_model.model")
    try:
        lo, hi = float(block["scale"]["min"]), float(block["scale"]["max"])
    except (KeyError, TypeError, ValueError):
        raise DataError(f"{where}: scoring_model.scale should be {{min: .., max: ..}}; found {block['scale']!r}") from None
    nwd = block["normalized_weights"]
    rows: list[tuple[str, str]] = []
    vals: list[float] = []
    for c in spec.constructs:
        got = nwd.get(c.code) if isinstance(nwd, dict) else None
        if not isinstance(got, dict):
            raise DataError(f"{where}: scoring_model.normalized_weights has no weights for construct {c.code}")
        for item in c.items:
            v = got.get(item)
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
                raise DataError(f"{where}: scoring_model.normalized_weights.{c.code}.{item} should be a number; found {v!r}")
            rows.append((c.code, item))
            vals.append(float(v))
        total = sum(vals[-len(c.items):])
        if abs(total - 1.0) > 1e-9:
            raise DataError(f"{where}: the normalized weights of {c.code} sum to {total:.12g}, not 1")
    nw = pd.Series(vals, index=pd.MultiIndex.from_tuples(rows, names=["construct", "item"]), name="normalized_weight")
    ind = block.get("indices")
    cal = pd.Series({k: float(v) for k, v in ind.items()}, name="index") if isinstance(ind, dict) else None
    return ScoringModel(
        spec=spec,
        normalized_weights=nw,
        scale_min=lo,
        scale_max=hi,
        standardized=bool(block.get("standardized", True)),
        version=int(version),
        csi_version=block.get("csi_version"),
        source=str(p),
        calibration_indices=cal,
        n_obs=block.get("n_obs"),
        survey=dict(block.get("survey") or {}),
    )
