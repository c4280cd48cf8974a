"""results.json and scores.json: the contract other tools read (``schema_version`` 2).

This module is the one place that builds both files (:func:`to_dict` for ``csi fit``,
:func:`scores_to_dict` for ``csi score``), the one place that reads them back
(:func:`read_results`, used by ``csi report``), and the one place that knows version 1
(:func:`upgrade`).  JSON Schemas (draft 2020-12) ship beside it in ``csi/results/schema/``;
:func:`read_results` checks every file against them after upgrading, so a reader meets one
layout whatever csi wrote the file.  NaN and infinities are ``null``; numbers are in full
precision.

Conventions, the same in every section of both files:

* an edge is ``from`` → ``to`` (paths, effects, bootstrap rows, group paths, wave changes);
* an interval is an array ``[lo, hi]`` (either end ``null`` when undefined; the whole
  interval ``null`` without a bootstrap): ``ci`` belongs to the row's own estimate, and
  ``<statistic>_ci`` to another statistic of the same row (``r2_ci``, ``total_ci``,
  ``weight_ci``, ``mean_ci``, ``rmsea_ci``);
* a pair of constructs (or of groups) is an object ``{a, b, value}`` (``ci`` where there is
  one), listed once: the lower triangle in model order (``a`` after ``b``);
* an issue is ``{category, message, gate}`` (:class:`csi.errors.Issue`); ``gate`` is true for
  the categories ``--strict`` fails on (quality, convergence, admissibility).

results.json (``csi fit``), top level:

``schema_version`` (2), ``csi_version``, ``model`` (name, label, constructs, paths, scale,
roles), ``method``, ``settings`` (every knob, seeds, resamples, missing policy, versions;
``settings.bootstrap`` with a bootstrap), ``n_obs``, ``issues``, then the sections:

* ``constructs``: name, label, index, std_error, ci, r2, r2_adj, r2_ci, alpha, rho_a, rho_c, ave;
* ``paths``: from, to, estimate, std_estimate (CB-SEM), std_error, t, p_value, ci, f2, vif;
* ``indicators``: name, construct, weight, loading, normalized_weight, mean, sd, vif,
  weight_ci, loading_ci, weight_p_value, loading_p_value;
* ``effects``: from, to, direct, indirect, total, total_ci, indirect_ci, total_p_value;
* ``htmt``: pairs ``{a, b, value, ci}``; ``fornell_larcker``: pairs ``{a, b, value}`` with
  ``a == b`` for √AVE on the diagonal; ``cross_loadings``: ``{item: {construct: loading}}``
  (an item × construct matrix, not pairs); ``gof``; ``it_criteria``: ``{construct: {aic, bic}}``;
* ``bootstrap`` (``--boot``): ``{kind: [rows]}``, a row being its key (``from``/``to``,
  ``a``/``b`` for HTMT, ``construct``/``item``, or ``construct``) and estimate, mean,
  std_error, t, p_value, ci;
* ``scoring_model``: what ``csi score --weights-from`` reads (its own ``version``, 1);
* ``ipma``, ``tiers``, ``groups`` (``--group``; ``settings.permutations_used`` as pairs of
  groups, MICOM ``mean_ci`` and ``logvar_ci``), ``fit`` and ``cbsem`` (``--method cbsem``;
  ``latent_correlations`` as pairs) when they were computed;
* one more top-level key per plug-in derivation (``res.derived``): its ``to_contract()``.

scores.json (``csi score``), top level: ``schema_version``, ``kind`` ("scores"),
``csi_version``, ``model`` (name, label, constructs), ``mode``, ``settings``, ``waves``
(label, source, fields, segment, n, constructs ``[{name, index, ci, std_error}]``,
weight_drift, normalized_weights, settings, issues), ``changes`` (fields, segment, construct,
from, to, consecutive, vs_first, delta, ci, std_error, p_value, significant, resamples),
``failed`` and ``issues``.

What changed from version 1 is listed in :func:`upgrade` (and in the README).
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from csi.errors import DataError, Issue
from csi.model.spec import ModelSpec, parse_yaml

if TYPE_CHECKING:  # annotations only: the results types call these builders (to_json, to_dict)
    from csi.results.scores import ScoreResults
    from csi.results.types import FitResults

SCHEMA_VERSION = 2
#: versions :func:`read_results` reads (older ones through :func:`upgrade`)
READABLE_VERSIONS = (1, 2)
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"
SCHEMA_FILES = {"fit": "results.schema.json", "scores": "scores.schema.json"}


def clean(value: Any) -> Any:
    """JSON-safe plain Python: NaN/inf → None, numpy scalars → Python numbers."""
    kind = type(value)  # the common exact types first: a results.json has thousands of values
    if kind is str or kind is int or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
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


# --------------------------------------------------------------------------------------
# results.json
# --------------------------------------------------------------------------------------
def rows_by_key(table: pd.DataFrame | None) -> dict[Any, dict[str, Any]]:
    """``{row key: {column: value}}`` of a keyed table (a bootstrap ``stats`` table, reliability…).

    Read in one ``to_numpy().tolist()`` (each value as ``.loc`` gives it, or its Python twin,
    which :func:`clean` makes the same): a ``.loc`` per cell, or a Series per column, costs tens
    of microseconds under pandas 3, and results.json asks for hundreds of cells.
    """
    if table is None:
        return {}
    cols = [str(c) for c in table.columns]
    return {key: dict(zip(cols, row, strict=True)) for key, row in zip(table.index.tolist(), table.to_numpy().tolist(), strict=True)}


def _stat(rows: Mapping[Any, Mapping[str, Any]], key: Any, col: str) -> Any:
    row = rows.get(key)
    return None if row is None else row[col]


def _ci(rows: Mapping[Any, Mapping[str, Any]], key: Any) -> list[Any] | None:
    row = rows.get(key)
    return None if row is None else [row["ci_lo"], row["ci_hi"]]


def records(table: pd.DataFrame, index: bool = True) -> list[dict[Any, Any]]:
    """``table.reset_index().to_dict(orient="records")`` (``index=False``: without the index
    columns): the same keys in the same order, the values as :func:`rows_by_key` reads them."""
    names = list(table.index.names) if index else []
    if any(n is None for n in names) or any(n in table.columns for n in names):
        return table.reset_index().to_dict(orient="records")
    keys = [*names, *table.columns]
    values = table.to_numpy().tolist()
    if not names:
        return [dict(zip(keys, row, strict=True)) for row in values]
    index_rows = table.index.tolist() if len(names) > 1 else [(k,) for k in table.index.tolist()]
    return [dict(zip(keys, (*key, *row), strict=True)) for key, row in zip(index_rows, values, strict=True)]


def to_dict(res: FitResults) -> dict[str, Any]:
    """results.json of a fit (schema_version 2), as plain JSON-able Python."""
    out = _header(res)
    out.update(_estimates(res))
    out.update(_quality(res))
    if res.bootstrap is not None:
        from csi.inference.bootstrap import KINDS

        out["bootstrap"] = _bootstrap_v2({kind: records(res.bootstrap.stats(kind)) for kind in KINDS})
    out["scoring_model"] = scoring_model_dict(res)
    out.update(_analyses(res))
    for key, value in res.derived.items():
        if key in out:
            raise ValueError(f"derivation {key!r} would overwrite the results.json section of the same name")
        out[key] = _contract_of(value)
    return clean(out)


def _contract_of(value: Any) -> Any:
    """A result's section: its ``to_contract()`` (``to_json()`` for older objects), or itself."""
    for name in ("to_contract", "to_json"):
        fn = getattr(value, name, None)
        if callable(fn):
            return fn()
    return value


def _header(res: FitResults) -> dict[str, Any]:
    spec = res.spec
    settings: dict[str, Any] = dict(res.settings)
    if res.bootstrap is not None:
        settings["bootstrap"] = dict(res.bootstrap.settings)
    return {
        "schema_version": SCHEMA_VERSION,
        "csi_version": _csi_version(settings),
        "model": {
            "name": spec.name,
            "label": spec.label,
            "constructs": [{"code": c.code, "label": c.label, "items": list(c.items), "mode": c.mode} for c in spec.constructs],
            "paths": [{"from": p.source, "to": p.target} for p in spec.paths],
            "scale": {"min": spec.scale_min, "max": spec.scale_max},
            "roles": dict(spec.roles),
            **({"item_texts": dict(spec.item_texts)} if getattr(spec, "item_texts", ()) else {}),
            **({"lang": spec.lang} if getattr(spec, "lang", "") else {}),
        },
        "method": res.method,
        "settings": settings,
        "n_obs": res.pls.n_obs,
        "issues": [i.to_dict() for i in res.issues],
    }


def _csi_version(settings: Mapping[str, Any]) -> Any:
    versions = settings.get("versions")
    return versions.get("csi") if isinstance(versions, Mapping) else None


def _estimates(res: FitResults) -> dict[str, Any]:
    """constructs, paths, indicators, effects: the estimates with their bootstrap inference."""
    spec, pls, q, idx, boot = res.spec, res.pls, res.quality, res.indices, res.bootstrap

    def bt(kind: str) -> dict[Any, dict[str, Any]]:
        return rows_by_key(boot.stats(kind) if boot is not None else None)

    b_index, b_paths, b_w, b_l, b_r2 = bt("index"), bt("paths"), bt("weights"), bt("loadings"), bt("r2")
    b_total, b_ind = bt("total_effects"), bt("indirect_effects")
    rel = rows_by_key(q.reliability)
    index, r2, r2_adj = idx.index.to_dict(), pls.r2.to_dict(), pls.r2_adj.to_dict()
    constructs = [
        {
            "name": c.code, "label": c.label,
            "index": index[c.code], "std_error": _stat(b_index, c.code, "std_error"), "ci": _ci(b_index, c.code),
            "r2": r2[c.code], "r2_adj": r2_adj[c.code], "r2_ci": _ci(b_r2, c.code),
            "alpha": rel[c.code]["alpha"], "rho_a": rel[c.code]["rho_a"], "rho_c": rel[c.code]["rho_c"], "ave": rel[c.code]["ave"],
        }
        for c in spec.constructs
    ]
    std = getattr(res.cbsem, "std_paths", None) if res.cbsem is not None else None
    f2, cvif = q.f2.to_dict(), q.construct_vif.to_dict()
    paths = [
        {
            "from": s, "to": t, "estimate": est, "std_estimate": None if std is None else std.get((s, t)),
            "std_error": _stat(b_paths, (s, t), "std_error"), "t": _stat(b_paths, (s, t), "t"),
            "p_value": _stat(b_paths, (s, t), "p_value"), "ci": _ci(b_paths, (s, t)),
            "f2": f2.get((s, t)), "vif": cvif.get((s, t)),
        }
        for s, t, est in pls.path_list()
    ]
    weights, loadings, nw, ivif = pls.weights.to_dict(), pls.loadings.to_dict(), idx.normalized_weights.to_dict(), q.item_vif.to_dict()
    means, sds = pls.item_means.to_dict(), pls.item_sds.to_dict()
    indicators = [
        {
            "name": item, "construct": code,
            "weight": weights[(code, item)], "loading": loadings[(code, item)],
            "normalized_weight": nw[(code, item)],
            "mean": means[item], "sd": sds[item], "vif": ivif[(code, item)],
            "weight_ci": _ci(b_w, (code, item)), "loading_ci": _ci(b_l, (code, item)),
            "weight_p_value": _stat(b_w, (code, item), "p_value"), "loading_p_value": _stat(b_l, (code, item), "p_value"),
        }
        for code, item in pls.weights.index
    ]
    effects = [
        {
            "from": r["from"], "to": r["to"], "direct": r["direct"], "indirect": r["indirect"], "total": r["total"],
            "total_ci": _ci(b_total, (r["from"], r["to"])), "indirect_ci": _ci(b_ind, (r["from"], r["to"])),
            "total_p_value": _stat(b_total, (r["from"], r["to"]), "p_value"),
        }
        for r in records(pls.effects, index=False)
    ]
    return {"constructs": constructs, "paths": paths, "indicators": indicators, "effects": effects}


def _quality(res: FitResults) -> dict[str, Any]:
    """htmt and fornell_larcker as construct pairs; cross-loadings, GoF, information criteria."""
    q, pls = res.quality, res.pls
    aic, bic = q.aic.to_dict(), q.bic.to_dict()
    b_htmt = res.bootstrap.stats("htmt") if res.bootstrap is not None else None
    cis: dict[Any, list[Any]] = {}
    if b_htmt is not None:
        cis = {key: [lo, hi] for key, lo, hi in zip(b_htmt.index, b_htmt["ci_lo"], b_htmt["ci_hi"], strict=True)}
    htmt = [
        {"a": a, "b": b, "value": v, "ci": cis.get((a, b), cis.get((b, a)))}
        for a, b, v in _lower(q.htmt)
    ]
    return {
        "htmt": htmt,
        "fornell_larcker": [{"a": a, "b": b, "value": v} for a, b, v in _lower(q.fornell_larcker)],
        "cross_loadings": rows_by_key(pls.cross_loadings),
        "gof": q.gof,
        "it_criteria": {c: {"aic": v, "bic": bic[c]} for c, v in aic.items()},
    }


def _lower(matrix: pd.DataFrame) -> Iterator[tuple[str, str, Any]]:
    """The filled cells of a triangular construct × construct table, row by row."""
    cols = [str(b) for b in matrix.columns]
    for a, row in zip(matrix.index.tolist(), matrix.to_numpy().tolist(), strict=True):  # not a .loc per cell
        for b, v in zip(cols, row, strict=True):
            if pd.notna(v):
                yield str(a), b, v


def _analyses(res: FitResults) -> dict[str, Any]:
    """ipma, groups, tiers, fit and cbsem: the sections other layers compute, in v2 naming."""
    out: dict[str, Any] = {}
    if res.ipma is not None:
        if isinstance(res.ipma, pd.DataFrame):
            from csi.derive.ipma import (
                to_json as ipma_json,  # construct rows, each with its item rows
            )

            out["ipma"] = ipma_json(res.ipma, getattr(res, "ipma_items", None))
        else:
            out["ipma"] = _contract_of(res.ipma)
    if res.groups is not None:
        out["groups"] = _groups_v2(clean(_contract_of(res.groups)))
    if res.tiers is not None:
        out["tiers"] = _tiers_v2(clean(_contract_of(res.tiers)))
    if res.cbsem is not None and (hasattr(res.cbsem, "to_contract") or hasattr(res.cbsem, "to_json")):
        cb = _cbsem_v2(clean(_contract_of(res.cbsem)))
        out["fit"] = cb.get("fit")
        out["cbsem"] = cb
    return out


def dumps(res: FitResults) -> str:
    """results.json text of a fit."""
    return json.dumps(to_dict(res), indent=2, ensure_ascii=False, allow_nan=False)


# --------------------------------------------------------------------------------------
# section normalizers: v2 naming for rows built elsewhere (idempotent; also used by upgrade)
# --------------------------------------------------------------------------------------
def _merge_interval(row: Any, lo: str, hi: str, name: str) -> Any:
    """``{…, lo: x, hi: y, …}`` → ``{…, name: [x, y], …}`` in lo's place (other rows unchanged)."""
    if not isinstance(row, dict) or lo not in row or hi not in row:
        return row
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k == lo:
            out[name] = [row[lo], row[hi]]
        elif k not in (hi, name):
            out[k] = v
    return out


def _rename(row: Any, names: Mapping[str, str]) -> Any:
    """Keys renamed in place (order kept); a row that is not an object is returned as it is."""
    if not isinstance(row, dict):
        return row
    return {names.get(k, k): v for k, v in row.items()}


def _rows(rows: Any, fn: Callable[[Any], Any]) -> Any:
    return [fn(r) for r in rows] if isinstance(rows, list) else rows


def _pairs_of_keys(mapping: Any) -> Any:
    """``{"A|B": v}`` → ``[{a: "A", b: "B", value: v}]``; anything else unchanged."""
    if not isinstance(mapping, dict):
        return mapping
    out = []
    for k, v in mapping.items():
        a, _, b = str(k).partition("|")
        out.append({"a": a, "b": b, "value": v})
    return out


def _pairs_of_matrix(matrix: Any, full: bool = False) -> Any:
    """``{a: {b: v}}`` → ``[{a, b, value}]``, row by row; anything else unchanged.

    A triangular matrix (``full=False``: HTMT, Fornell–Larcker) gives every cell it holds; a
    full symmetric one (``full=True``: correlations) its strict lower triangle, in row order.
    """
    if not isinstance(matrix, dict) or not all(isinstance(r, dict) for r in matrix.values()):
        return matrix
    pos = {c: i for i, c in enumerate(matrix)}
    return [
        {"a": a, "b": b, "value": v}
        for a, row in matrix.items()
        for b, v in row.items()
        if not full or pos.get(b, len(pos)) < pos[a]
    ]


def _bootstrap_v2(boot: Any) -> Any:
    if not isinstance(boot, dict):
        return boot
    return {
        kind: _rows(rows, lambda r: _merge_interval(_rename(r, {"source": "from", "target": "to"}), "ci_lo", "ci_hi", "ci"))
        for kind, rows in boot.items()
    }


def _groups_v2(groups: Any) -> Any:
    def one(g: Any) -> Any:
        if not isinstance(g, dict):
            return g
        g = dict(g)
        if isinstance(g.get("settings"), dict) and isinstance(g["settings"].get("permutations_used"), dict):
            g["settings"] = {**g["settings"], "permutations_used": _pairs_of_keys(g["settings"]["permutations_used"])}
        for key in ("paths", "indices"):
            if key in g:
                g[key] = _rows(g[key], lambda r: _merge_interval(r, "ci_lo", "ci_hi", "ci"))
        if "micom" in g:
            g["micom"] = _rows(g["micom"], lambda r: _merge_interval(
                _merge_interval(r, "mean_lo", "mean_hi", "mean_ci"), "logvar_lo", "logvar_hi", "logvar_ci"))
        return g

    return _rows(groups, one)


def _tiers_v2(tiers: Any) -> Any:
    if not isinstance(tiers, dict):
        return tiers
    t = dict(tiers)

    for key in ("statistics", "groups"):  # v1 groups carried both ci and ci_lo/ci_hi: one ci, in ci_lo's place
        if key in t:
            t[key] = _rows(t[key], lambda r: _merge_interval(r, "ci_lo", "ci_hi", "ci"))
    return t


def _cbsem_v2(cb: Any) -> Any:
    if not isinstance(cb, dict):
        return cb
    out = {k: v for k, v in cb.items() if k != "warnings"}  # the top-level issues carry them
    for key in ("paths", "loadings", "estimates", "standardized"):
        if key in out:
            out[key] = _rows(out[key], lambda r: _merge_interval(r, "ci_lo", "ci_hi", "ci"))
    if "latent_correlations" in out:
        out["latent_correlations"] = _pairs_of_matrix(out["latent_correlations"], full=True)
    return out


# --------------------------------------------------------------------------------------
# issues
# --------------------------------------------------------------------------------------
# Version 1 (and csi score, whose waves still report text) wrote issues as plain messages.
# Their category follows from the wording csi used; first match wins.
_MESSAGE_CATEGORIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("groups", re.compile(r"^(--group |group |groups )")),
    ("bootstrap", re.compile(r"^bootstrap: ")),
    ("convergence", re.compile(r"did not converge")),
    ("quality", re.compile(r"^(construct \S+: weak measurement quality|HTMT )")),
    ("index", re.compile(r"negative normalized weight")),
    ("tiers", re.compile(r"^tier shares ")),
    ("admissibility", re.compile(r"^CB-SEM bootstrap: .* inadmissible solution")),
    ("cbsem", re.compile(r"^CB-SEM")),
)


def issue_of_message(message: str, default: str = "data", admissibility: Iterable[str] = ()) -> dict[str, Any]:
    """``{category, message, gate}`` for a message written as plain text.

    ``admissibility`` lists the messages of CB-SEM admissibility problems (category
    ``admissibility``); otherwise the category follows from the wording (``--group …`` →
    groups, ``bootstrap: …`` → bootstrap, ``… did not converge …`` → convergence, weak
    measurement quality and HTMT → quality, inadmissible CB-SEM resamples → admissibility,
    other ``CB-SEM …`` → cbsem, …), ``default`` when nothing matches.
    """
    text = str(message)
    category = "admissibility" if text in set(admissibility) else next(
        (cat for cat, pattern in _MESSAGE_CATEGORIES if pattern.search(text)), default)
    return Issue.of(category, text).to_dict()


def _issues(items: Any, default: str, admissibility: Iterable[str] = ()) -> Any:
    """Issue objects as dicts and messages classified by :func:`issue_of_message`.

    Anything else (not a list; an entry neither an Issue nor text) is left as it is, for the
    schema check to name.
    """
    if not isinstance(items, (list, tuple)):
        return items
    adm = list(admissibility)
    return [i.to_dict() if isinstance(i, Issue) else issue_of_message(i, default, adm) if isinstance(i, str) else i for i in items]


# --------------------------------------------------------------------------------------
# scores.json
# --------------------------------------------------------------------------------------
def scores_to_dict(res: ScoreResults) -> dict[str, Any]:
    """scores.json of ``csi score`` (schema_version 2): ``waves`` and their ``changes``."""
    segments = res.settings.get("segments")

    def ci(lo: float, hi: float) -> list[float] | None:
        return [lo, hi] if np.isfinite(lo) and np.isfinite(hi) else None

    drift: dict[tuple[Any, str], dict[str, Any]] = {}
    for r in res.drift.to_dict(orient="records"):
        drift.setdefault((r["series"], r["wave"]), {})[r["construct"]] = {
            "baseline": r["baseline"], "max_weight_change": r["max_weight_change"], "item": r["item"],
            "compositional_c": r["compositional_c"],
        }
    waves = [
        {
            "label": u.label,
            "source": u.source,
            "fields": dict(u.fields),
            "segment": None if u.segment is None else {"column": u.segment[0], "value": u.segment[1]},
            "n": u.n,
            "constructs": [
                {"name": c, "index": u.index[c], "ci": ci(u.ci_lo[c], u.ci_hi[c]), "std_error": u.std_error[c]}
                for c in res.spec.codes
            ],
            "weight_drift": drift.get((u.series, u.label)),
            "normalized_weights": {c: u.normalized_weights.loc[c].to_dict() for c in res.spec.codes},
            "settings": {"seed": u.seed, "resamples": u.resamples, "resamples_used": u.resamples_used,
                         "n_read": u.n_read, "sheet": u.sheet},
            "issues": _issues(getattr(u, "issues", u.warnings), "wave"),
        }
        for u in res.units
    ]
    changes = [
        {
            "fields": {k: v for k, v in r["series"] if k != segments},
            "segment": next(({"column": k, "value": v} for k, v in r["series"] if k == segments), None),
            "construct": r["construct"], "from": r["from"], "to": r["to"],
            "consecutive": r["consecutive"], "vs_first": r["vs_first"],
            "delta": r["delta"], "ci": ci(r["ci_lo"], r["ci_hi"]), "std_error": r["std_error"],
            "p_value": r["p_value"], "significant": r["significant"], "resamples": r["resamples"],
        }
        for r in res.changes.to_dict(orient="records")
    ]
    out = {
        "schema_version": SCHEMA_VERSION,
        "kind": "scores",
        "csi_version": _csi_version(res.settings),
        "model": {"name": res.spec.name, "label": res.spec.label,
                  "constructs": [{"code": c.code, "label": c.label} for c in res.spec.constructs]},
        "mode": res.mode,
        "settings": dict(res.settings),
        "waves": waves,
        "changes": changes,
        "failed": [{"label": f.label, "source": f.source, "error": f.error} for f in res.failed],
        "issues": _issues(getattr(res, "issues", res.warnings), "wave"),
    }
    return clean(out)


# --------------------------------------------------------------------------------------
# version 1 → 2
# --------------------------------------------------------------------------------------
def kind_of(d: Mapping[str, Any]) -> str:
    """``"scores"`` for a scores.json (``kind`` or ``waves``), ``"fit"`` for a results.json."""
    return "scores" if d.get("kind") == "scores" or "waves" in d else "fit"


def upgrade(d: Mapping[str, Any]) -> dict[str, Any]:
    """A results.json or scores.json of version 1 in the layout of version 2 (a new dict).

    Pure: the argument is not changed, and a version-2 document comes back as an equal copy.
    Numbers are carried over untouched; only names and shapes change:

    results.json
      * ``warnings`` (messages) → ``issues`` (``{category, message, gate}``; the category from
        the wording, see :func:`issue_of_message`, CB-SEM admissibility problems by their
        message);
      * ``constructs[].index_ci`` → ``ci``, ``constructs[].index_se`` → ``std_error``;
      * ``htmt`` (``{a: {b: v}}``) and ``htmt_ci`` (``{"a|b": [lo, hi]}``) → one list ``htmt``
        of ``{a, b, value, ci}``; ``fornell_larcker`` (``{a: {b: v}}``) → ``{a, b, value}``;
      * ``bootstrap.<kind>[]``: ``source``/``target`` → ``from``/``to``, ``ci_lo``/``ci_hi`` → ``ci``;
      * ``groups[]``: ``settings.permutations_used`` (``{"A|B": n}``) → ``{a, b, value}``;
        ``paths[]``/``indices[]`` ``ci_lo``/``ci_hi`` → ``ci``; ``micom[]`` ``mean_lo``/``mean_hi``
        → ``mean_ci`` and ``logvar_lo``/``logvar_hi`` → ``logvar_ci``;
      * ``tiers``: ``statistics[]`` ``ci_lo``/``ci_hi`` → ``ci``; ``groups[]`` kept only ``ci``;
      * ``cbsem``: ``latent_correlations`` (matrix) → pairs; ``warnings`` dropped (the
        top-level ``issues`` carry them).

    scores.json
      * ``warnings`` → ``issues`` (default category ``wave``), also per wave;
      * ``waves[].constructs[].interval`` and ``changes[].interval`` → ``ci``.
    """
    out = copy.deepcopy(dict(d))
    if out.get("schema_version") != 1:
        return out
    out["schema_version"] = SCHEMA_VERSION
    if kind_of(out) == "scores":
        return _upgrade_scores(out)
    cb = out.get("cbsem")
    admissible = [str(p.get("message")) for p in (cb.get("admissibility") or []) if isinstance(p, dict)] if isinstance(cb, dict) else []
    out = _replace_key(out, "warnings", "issues", lambda ws: _issues(ws, "data", admissible))
    out["constructs"] = _rows(out.get("constructs"), lambda r: _rename(r, {"index_ci": "ci", "index_se": "std_error"}))
    if isinstance(r := out.get("constructs"), list):  # v2 order: index, std_error, ci
        out["constructs"] = [_move_after(c, "ci", "std_error") for c in r]
    ci = out.pop("htmt_ci", None) or {}
    if "htmt" in out:
        pairs = _pairs_of_matrix(out["htmt"])
        if isinstance(pairs, list) and isinstance(ci, dict):
            for p in pairs:
                p["ci"] = ci.get(f"{p['a']}|{p['b']}", ci.get(f"{p['b']}|{p['a']}"))
        out["htmt"] = pairs
    if "fornell_larcker" in out:
        out["fornell_larcker"] = _pairs_of_matrix(out["fornell_larcker"])
    for key, fn in (("bootstrap", _bootstrap_v2), ("groups", _groups_v2), ("tiers", _tiers_v2), ("cbsem", _cbsem_v2)):
        if key in out:
            out[key] = fn(out[key])
    return out


def _replace_key(d: dict[str, Any], old: str, new: str, fn: Callable[[Any], Any]) -> dict[str, Any]:
    """``d`` with key ``old`` renamed ``new`` in place and its value mapped by ``fn``."""
    if old not in d:
        return d
    return {(new if k == old else k): (fn(v) if k == old else v) for k, v in d.items()}


def _move_after(row: Any, key: str, after: str) -> Any:
    if not isinstance(row, dict) or key not in row or after not in row:
        return row
    items = [(k, v) for k, v in row.items() if k != key]
    pos = [k for k, _ in items].index(after) + 1
    return dict(items[:pos] + [(key, row[key])] + items[pos:])


def _upgrade_scores(out: dict[str, Any]) -> dict[str, Any]:
    def wave(w: Any) -> Any:
        if not isinstance(w, dict):
            return w
        w = _replace_key(w, "warnings", "issues", lambda ws: _issues(ws, "wave"))
        if "constructs" in w:
            w["constructs"] = _rows(w["constructs"], lambda c: _rename(c, {"interval": "ci"}))
        return w

    out = _replace_key(out, "warnings", "issues", lambda ws: _issues(ws, "wave"))
    out["waves"] = _rows(out.get("waves"), wave)
    if "changes" in out:
        out["changes"] = _rows(out["changes"], lambda c: _rename(c, {"interval": "ci"}))
    return out


# --------------------------------------------------------------------------------------
# reading back: version check, upgrade, schema
# --------------------------------------------------------------------------------------
def load_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a results.json (``"fit"``) or scores.json (``"scores"``)."""
    return json.loads((SCHEMA_DIR / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))


def read_results(path: str | Path) -> tuple[str, dict[str, Any]]:
    """Read a results.json or scores.json of any readable version as version 2.

    Returns ``(kind, data)`` with kind ``"fit"`` or ``"scores"``.  Any problem is a
    :class:`~csi.errors.DataError` naming the file and, for a missing key or a value of the
    wrong type, where it is (``constructs[2].index``): invalid JSON, an unknown
    ``schema_version``, or a document that does not match the schema after :func:`upgrade`.
    """
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{file}: not a csi results file (invalid JSON: {exc})") from None
    except OSError as exc:
        raise DataError(f"{file}: cannot be read ({exc.strerror or exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{file}: not a csi results file (expected a JSON object, found {type(data).__name__})")
    kind = kind_of(data)
    what = f"csi {'score' if kind == 'scores' else 'fit'}"
    version = data.get("schema_version")
    if "schema_version" not in data:
        raise DataError(f"{file}: not a csi {kind} results file: missing key 'schema_version' (expected the output of {what})")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise DataError(f"{file}: schema_version {version!r} is not one this csi reads ({', '.join(map(str, READABLE_VERSIONS))}); "
                        "a newer csi wrote it, or it is not the output of csi")
    doc = upgrade(data)
    problem = next(schema_errors(doc, load_schema(kind)), None)
    if problem is not None:
        note = " (a version-1 file, read as version 2)" if version == 1 else ""
        raise DataError(f"{file}: not a valid csi {kind} results file{note}: {problem} (expected the output of {what})")
    return kind, doc


# A small validator for the keywords the bundled schemas use, so that reading results needs
# no extra dependency; the tests check the same files with the jsonschema package.
_KEYWORDS = frozenset({
    "$schema", "$id", "$defs", "$ref", "$comment", "title", "description", "type", "properties", "required",
    "additionalProperties", "items", "minItems", "maxItems", "enum", "const", "minimum",
})
_TYPES: dict[str, Callable[[Any], bool]] = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_NAMES = {"null": "null", "boolean": "true/false", "integer": "an integer", "number": "a number", "string": "a string",
          "array": "a list", "object": "an object"}


def schema_errors(doc: Any, schema: Mapping[str, Any]) -> Iterator[str]:
    """Where ``doc`` breaks ``schema``, as ``"constructs[2].index should be a number, found 'x'"``.

    Understands the keywords of the bundled schemas (type, properties, required,
    additionalProperties, items, minItems, maxItems, enum, const, minimum, local ``$ref``);
    an unknown keyword is a ValueError, so a schema cannot silently ask for more.
    """
    yield from _check(doc, schema, "", schema)


def _where(path: str) -> str:
    return path.lstrip(".") or "the document"


def _show(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "…"


def _check(v: Any, s: Mapping[str, Any], path: str, root: Mapping[str, Any]) -> Iterator[str]:
    unknown = set(s) - _KEYWORDS
    if unknown:
        raise ValueError(f"schema keyword(s) {sorted(unknown)} at {_where(path)} are not supported by csi.results.contract")
    if "$ref" in s:
        ref = str(s["$ref"])
        if not ref.startswith("#/$defs/"):
            raise ValueError(f"only local $ref '#/$defs/…' is supported; got {ref!r}")
        yield from _check(v, root["$defs"][ref[len("#/$defs/"):]], path, root)
    if "type" in s:
        types = [s["type"]] if isinstance(s["type"], str) else list(s["type"])
        if not any(_TYPES[t](v) for t in types):
            yield f"{_where(path)} should be {' or '.join(_NAMES[t] for t in types)}, found {_show(v)}"
            return
    if "const" in s and v != s["const"]:
        yield f"{_where(path)} should be {_show(s['const'])}, found {_show(v)}"
    if "enum" in s and v not in s["enum"]:
        yield f"{_where(path)} should be one of {', '.join(_show(e) for e in s['enum'])}, found {_show(v)}"
    if "minimum" in s and _TYPES["number"](v) and v < s["minimum"]:
        yield f"{_where(path)} should be at least {s['minimum']}, found {_show(v)}"
    if isinstance(v, dict):
        yield from _check_object(v, s, path, root)
    if isinstance(v, list):
        if "minItems" in s and len(v) < s["minItems"] or "maxItems" in s and len(v) > s["maxItems"]:
            n = s.get("minItems") if s.get("minItems") == s.get("maxItems") else f"{s.get('minItems', 0)}–{s.get('maxItems', '…')}"
            yield f"{_where(path)} should have {n} elements, found {len(v)}"
        if "items" in s:
            for i, x in enumerate(v):
                yield from _check(x, s["items"], f"{path}[{i}]", root)


def _check_object(v: Mapping[str, Any], s: Mapping[str, Any], path: str, root: Mapping[str, Any]) -> Iterator[str]:
    for key in s.get("required", ()):
        if key not in v:
            yield f"{_where(path)} has no key {key!r}" if path else f"missing key {key!r}"
    props = s.get("properties", {})
    extra = s.get("additionalProperties", True)
    for key, x in v.items():
        sub = f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][\w-]*", key) else f"{path}[{json.dumps(key, ensure_ascii=False)}]"
        if key in props:
            yield from _check(x, props[key], sub, root)
        elif extra is False:
            yield f"{_where(path)} has an unexpected key {key!r}"
        elif isinstance(extra, dict):
            yield from _check(x, extra, sub, root)


# --------------------------------------------------------------------------------------
# scoring model (``csi score --weights-from``)
# --------------------------------------------------------------------------------------
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
    nw, index = idx.normalized_weights.to_dict(), idx.index.to_dict()  # not a Series lookup per value
    # the item coding that gives the weights their meaning (csi.data.survey's settings keys)
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
        "indices": {c.code: float(index[c.code]) for c in spec.constructs},
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
