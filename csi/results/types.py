"""Typed results of a run: what renderers read (they never re-estimate).

:class:`FitResults` holds everything one ``csi fit`` produced: the model, the survey as used,
the PLS estimate, the built-in derivations as typed attributes (``quality``, ``indices``,
``ipma``/``ipma_items``, ``tiers``), inference (``bootstrap``, ``groups``), CB-SEM, the results
of plug-in derivations by key (``derived``) and the typed :class:`~csi.errors.Issue` list.

It renders itself through the renderer registry (:data:`RENDERERS`): ``res.summary()`` is the
terminal text, ``res.to_json()`` the ``results.json`` document, ``res.save(folder)`` writes
``results.json`` and ``results.xlsx``; ``repr(res)`` is one line and ``_repr_html_`` a
small table for notebooks.  The renderers live in the report layer, above this one, so they are
registered by name and imported on first use (see :mod:`csi.registry`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from csi.data.survey import SurveyData
from csi.derive.base import JSON, Derived
from csi.derive.indices import Indices
from csi.derive.quality import Quality
from csi.errors import Issue
from csi.estimators.pls import PLSResults
from csi.model.spec import ModelSpec
from csi.registry import Registry

if TYPE_CHECKING:  # pragma: no cover — annotations only: these modules (scipy.stats, semopy glue)
    # are imported when a run needs them, not by ``import csi`` (start-up time)
    from csi.derive.tiers import TierResults
    from csi.estimators.cbsem import CBSEMResults
    from csi.inference.bootstrap import BootstrapResults
    from csi.inference.groups import GroupResults
    from csi.results.scores import ScoreResults

#: Renderers by name: ``text`` (FitResults → str), ``scores-text`` (ScoreResults → str),
#: ``save`` (FitResults, folder → written paths).  Plug-ins may register more.
RENDERERS: Registry[Callable[..., object]] = Registry("renderer")
RENDERERS.register_lazy("text", "csi.report.terminal:render_text")
RENDERERS.register_lazy("scores-text", "csi.report.terminal:render_scores_text")
RENDERERS.register_lazy("save", "csi.report.outputs:write_fit_outputs")


@dataclass(frozen=True, repr=False)
class FitResults:
    """Everything one ``csi fit`` produced; renderers read it and never re-estimate."""

    spec: ModelSpec
    method: str
    settings: Mapping[str, JSON]
    survey: SurveyData
    pls: PLSResults
    quality: Quality
    indices: Indices
    bootstrap: BootstrapResults | None = None
    cbsem: CBSEMResults | None = None
    tiers: TierResults | None = None
    ipma: pd.DataFrame | None = None  # construct level (csi.derive.ipma.ipma)
    ipma_items: pd.DataFrame | None = None  # item level (csi.derive.ipma.ipma_items)
    groups: GroupResults | None = None  # one comparison per --group column
    issues: tuple[Issue, ...] = ()
    derived: Mapping[str, Derived] = field(default_factory=dict)  # plug-in derivations, by key

    @property
    def n_obs(self) -> int:
        return self.pls.n_obs

    @property
    def warnings(self) -> tuple[str, ...]:
        """The issues' messages (version-1 API)."""
        return tuple(i.message for i in self.issues)

    @property
    def gate_issues(self) -> tuple[Issue, ...]:
        """Issues that fail ``--strict``: quality thresholds, non-convergence, inadmissible CB-SEM."""
        return tuple(i for i in self.issues if i.gate)

    def summary(self) -> str:
        """The terminal report as plain text."""
        return str(RENDERERS.get("text")(self))

    def to_json(self) -> dict[str, JSON]:
        """The ``results.json`` document (schema_version 2)."""
        from csi.results.contract import to_dict

        return to_dict(self)

    def save(self, folder: str | Path) -> list[Path]:
        """Write ``results.json`` and ``results.xlsx`` into ``folder``, as ``csi fit`` does (each file atomically)."""
        written = RENDERERS.get("save")(self, Path(folder))
        return [Path(written.results_json), Path(written.results_xlsx)]  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        idx = ", ".join(f"{c} {v:.1f}" for c, v in self.indices.index.items())
        boot = f", {self.settings.get('resamples')} resamples" if self.bootstrap is not None else ""
        return (f"<FitResults {self.spec.name} by {self.method.upper()}: n = {self.n_obs}{boot}, "
                f"{len(self.issues)} issue(s); index {idx}>")

    def _repr_html_(self) -> str:
        r2 = {str(k): float(v) for k, v in self.pls.r2.items()}
        rows = "".join(
            f"<tr><td>{html.escape(str(c))}</td><td>{html.escape(self.spec.construct(str(c)).label)}</td>"
            f"<td>{v:.1f}</td><td>{'' if pd.isna(r2.get(str(c))) else f'{r2[str(c)]:.3f}'}</td></tr>"
            for c, v in self.indices.index.items()
        )
        issues = "".join(f"<li>{html.escape(i.category)}: {html.escape(i.message)}</li>" for i in self.issues)
        return (f"<div><b>{html.escape(self.spec.label)}</b> ({html.escape(self.spec.name)}) by {self.method.upper()}, "
                f"n = {self.n_obs}<table><tr><th>construct</th><th>label</th><th>index</th><th>R²</th></tr>{rows}</table>"
                + (f"<ul>{issues}</ul>" if issues else "") + "</div>")


def score_summary(res: ScoreResults) -> str:
    """The terminal report of a ``csi score`` run as plain text."""
    return str(RENDERERS.get("scores-text")(res))
