"""TODO docstring."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from csi.data.survey import SurveyData
from csi.derive.indices import Indices
from csi.derive.quality import Quality
from csi.errors import Issue
from csi.estimators.pls import PLSResults
from csi.model.spec import ModelSpec


@dataclass(frozen=True)
class FitResults:
    """Everything one ``csi fit`` produced; renderers read it and never re-estimate."""

    spec: ModelSpec
    method: str
    settings: Mapping[str, Any]
    survey: SurveyData
    pls: PLSResults
    quality: Quality
    indices: Indices
    bootstrap: Any | None = None  # csi.bootstrap.BootstrapResults
    cbsem: Any | None = None  # csi.cbsem.CBSEMResults
    tiers: Any | None = None  # csi.loyalty.TierResults
    ipma: Any | None = None  # pd.DataFrame from csi.ipma.ipma (construct level)
    ipma_items: Any | None = None  # pd.DataFrame from csi.ipma.ipma_items (item level)
    groups: Any | None = None  # csi.groups.GroupResults (one comparison per --group column)
    issues: tuple[Issue, ...] = ()
    derived: Mapping[str, Any] = field(default_factory=dict)  # results of plug-in derivations, by key

    @property
    def warnings(self) -> tuple[str, ...]:
        """The issues' messages (version-1 API)."""
        return tuple(i.message for i in self.issues)

    @property
    def gate_issues(self) -> tuple[Issue, ...]:
        """Issues that fail ``--strict``: quality thresholds, non-convergence, inadmissible CB-SEM."""
        return tuple(i for i in self.issues if i.gate)

    @property
    def n_obs(self) -> int:
        return self.pls.n_obs

    def summary(self) -> str:
        from csi.report.terminal import render_text

        return render_text(self)
