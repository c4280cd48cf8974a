"""csi.cli.options: each flag declared once, and grouped into the library's option objects."""

from __future__ import annotations

import pytest
import typer

from csi.cli import options as o
from csi.cli.app import app
from csi.errors import CsiError
from csi.options import FitOptions, SurveyOptions

SURVEY_FLAGS = ["--sheet", "--map", "--missing", "--missing-codes", "--reverse", "--scale", "--weights"]


def _params(command: str) -> dict[str, object]:
    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    return {opt: p for p in cmd.params for opt in p.opts}


@pytest.mark.parametrize("flag", SURVEY_FLAGS + ["--group", "--seed", "--level", "--scheme", "--model"])
def test_shared_flags_read_the_same_in_every_command(flag):
    seen = [_params(c)[flag] for c in ("fit", "validate", "score") if flag in _params(c)]
    assert len(seen) >= 2
    if flag != "--model":  # csi score's model is optional (refit mode, default ecsi); its help says so
        assert len({p.help for p in seen}) == 1, [p.help for p in seen]  # type: ignore[attr-defined]
        assert len({repr(p.default) for p in seen}) == 1  # type: ignore[attr-defined]


def test_survey_options_parse_the_strings():
    s = o.survey_options("0", None, "mean", "98, 99", "CUSL2,PERQ3", "1-10", "w", ["region"])
    assert s == SurveyOptions(sheet="0", missing="mean", missing_codes=(98.0, 99.0), reverse=("CUSL2", "PERQ3"),
                              scale=(1.0, 10.0), weights="w", groups=("region",))
    assert o.survey_kwargs(s) == {"sheet": "0", **s.reader_kwargs()}


def test_missing_codes_may_be_text():
    # issue 12: "don't know" written in words is a missing code too (checked by the data layer)
    assert o.parse_codes("99, weiß nicht", "--missing-codes") == (99.0, "weiß nicht")


@pytest.mark.parametrize(("args", "message"), [
    ((None, "10-1"), "--scale should be MIN-MAX"),
])
def test_survey_option_errors_name_the_flag(args, message):
    with pytest.raises(CsiError, match=message):
        o.survey_options(None, None, "casewise", args[0], None, args[1], None)


def _fit_options(**kw: object) -> FitOptions:
    base: dict[str, object] = dict(scheme="path", standardize=True, boot=0, seed=1, ci="percentile", level=0.95,
                                   method="pls", estimator="ML", tiers=None, ipma_target=None, permutations=1000,
                                   min_group_size=None)
    return o.fit_options(SurveyOptions(), **{**base, **kw})  # type: ignore[arg-type]


def test_index_and_derive_reach_the_fit_options():
    opts = _fit_options()
    assert opts.index == "acsi" and opts.derive is None  # None: the library runs its default derivations
    opts = _fit_options(index="mean", derive="quality, indices")
    assert opts.index == "mean" and opts.derive == ("quality", "indices")


def test_fit_options_keep_todays_meanings():
    opts = _fit_options(tiers="none", boot=None, method="BOTH")
    assert opts.tiers == () and opts.boot.resamples is None and opts.boot.pls_resamples == 5000 and opts.method == "both"
    assert opts.progress is True  # issue 18: csi fit always reports progress (a line per 10 % off a terminal)
    assert _fit_options(tiers="nps,bands").tiers == ("nps", "bands")
