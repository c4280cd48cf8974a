"""Every CLI option declared once (an ``Annotated`` alias) and the helpers that turn their strings
into the library's frozen option objects (:mod:`csi.options`).

A command's signature lists the aliases it takes (``sheet: Sheet = None``); its body hands the
values to :func:`survey_options`, :func:`fit_options` or :func:`score_options` and calls the
workflow with the object, so a flag has one spelling, one help text and one check everywhere.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from csi.cli.progress import enabled as show_progress
from csi.cli.progress import fit_progress
from csi.errors import CsiError

if TYPE_CHECKING:
    from csi.options import FitOptions, ScoreOptions, SurveyOptions

DEFAULT_INDEX = "acsi"

# --- inputs and outputs ----------------------------------------------------------------
SurveyFile = Annotated[Path, typer.Argument(help="Survey file (.csv, .xlsx, .sav, .dta, .parquet, …)")]
WaveFiles = Annotated[list[str], typer.Argument(help="Wave files, glob patterns or a manifest YAML listing waves")]
ResultsDirs = Annotated[list[Path], typer.Argument(help="Output folders of csi fit (results.json) or csi score (scores.json)")]
Model = Annotated[str, typer.Option("--model", "-m", help="scsb, acsi, ecsi or a YAML file")]
WaveModel = Annotated[str | None, typer.Option("--model", "-m", help="scsb, acsi, ecsi or a YAML file (refit mode; default ecsi)")]
FitOut = Annotated[Path, typer.Option("--out", "-o", help="Output folder for results.json and results.xlsx")]
ScoreOut = Annotated[Path, typer.Option("--out", "-o", help="Output folder for scores.json and scores.xlsx")]
ReportOut = Annotated[Path, typer.Option("--out", "-o", help="Folder for the charts, charts.pdf, report.pptx and report.xlsx")]

# --- the survey (fit, validate, score) -------------------------------------------------
Sheet = Annotated[str | None, typer.Option(help="Sheet name or 0-based index (xlsx)")]
ColumnMap = Annotated[Path | None, typer.Option("--map", help="Column map file: survey column → item code (YAML or CSV)")]
Missing = Annotated[str, typer.Option(help="Missing-data policy: casewise (drop respondents with a missing item) or mean (item-mean imputation)")]
MissingCodes = Annotated[str | None, typer.Option(help="Codes meaning 'no answer', e.g. 98,99")]
Reverse = Annotated[str | None, typer.Option(help="Reverse-coded items, e.g. CUSL2,PERQ3")]
Scale = Annotated[str | None, typer.Option(help="Response scale override, e.g. 1-10")]
Weights = Annotated[str | None, typer.Option(help="Column of survey weights")]
Encoding = Annotated[str | None, typer.Option(help="Text encoding of a CSV file, e.g. gb18030, cp932, cp950, utf-16-le (default: detected)")]
HeaderRow = Annotated[int | None, typer.Option("--header-row", help="Line or spreadsheet row (from 1) holding the column names (default: the first row holding most item columns)")]
Group = Annotated[list[str] | None, typer.Option("--group", help="Segment column(s) for tiers and group comparison")]

# --- the PLS engine and resampling -----------------------------------------------------
Scheme = Annotated[str, typer.Option(help="Inner weighting scheme: path, factorial or centroid (csi score: refit mode)")]
Standardize = Annotated[bool, typer.Option("--standardize/--no-standardize", help="Standardize items (default) or only centre them")]
FitBoot = Annotated[int | None, typer.Option(help="Bootstrap resamples (default 5000 for PLS; --method cbsem bootstraps CB-SEM only when --boot is given; 0 switches it off)")]
WaveBoot = Annotated[int, typer.Option(help="Bootstrap resamples per wave (0: no intervals or p-values)")]
Seed = Annotated[int, typer.Option(help="Random seed for resampling (the run's seed)")]
Ci = Annotated[str, typer.Option(help="Interval type: percentile or bca")]
Level = Annotated[float, typer.Option(help="Confidence level")]

# --- csi fit ---------------------------------------------------------------------------
Method = Annotated[str, typer.Option(help="pls (default), cbsem, both, or plsc (consistent PLS: mode-A constructs of 2+ items reflective unless the YAML says composite: true)")]
Estimator = Annotated[str, typer.Option(help="CB-SEM estimator: ML, ULS, GLS or DWLS")]
Index = Annotated[str, typer.Option(help="Index method (a registered key, e.g. acsi: weights/SD normalized to sum 1, rescaled to 0-100)")]
Derive = Annotated[str | None, typer.Option(help="Derivations to run, comma-separated, e.g. quality,indices,ipma,tiers (default: the library's default set)")]
Predict = Annotated[bool, typer.Option("--predict", help="Run PLSpredict and CVPAT (k-fold cross-validation, seeded by --seed; costly, so off by default)")]
Folds = Annotated[int, typer.Option(help="PLSpredict: number of folds k")]
Repeats = Annotated[int, typer.Option(help="PLSpredict: repetitions r of the k-fold cross-validation")]
PredictTechnique = Annotated[str, typer.Option("--predict-technique", help="PLSpredict: DA (direct antecedents) or EA (earliest antecedents)")]
Show = Annotated[str | None, typer.Option(help="Tables to print, comma-separated: measurement, structural, quality, indices, effects, mediation, predict, fit, cbsem, ipma, tiers, groups or a derivation's key (default: all but effects and mediation)")]
Tiers = Annotated[str | None, typer.Option(help="Tier schemes, comma-separated: nps[:rescale], quadrants[:CUT|:median][:terrorists[=T]], bands[:NAME>=BOUND/.../NAME]; e.g. nps,quadrants:80,bands ('none' switches tiers off; default: the model's tiers or all its roles allow)")]
IpmaTarget = Annotated[str | None, typer.Option(help="Target construct of the importance-performance map")]
Permutations = Annotated[int, typer.Option(help="Permutations for the group comparison (--group)")]
MinGroupSize = Annotated[int | None, typer.Option(help="Smallest group fitted by --group (default max(30, 10 x most arrows at a construct))")]
Strict = Annotated[bool, typer.Option(help="Exit 1 when a quality gate fails (quality thresholds, non-convergence, inadmissible CB-SEM); other warnings do not")]
WithReport = Annotated[bool, typer.Option("--report", help="Also write the chart pack into --out (PNG charts, charts.pdf, report.pptx), as csi report does")]

# --- csi score -------------------------------------------------------------------------
Refit = Annotated[bool, typer.Option("--refit", help="Fit each wave (the default)")]
WeightsFrom = Annotated[Path | None, typer.Option("--weights-from", help="results.json of a calibration fit: score with its fixed weights")]
Segments = Annotated[str | None, typer.Option(help="Column whose values are scored as separate series")]
Workers = Annotated[int, typer.Option(help="Waves scored in parallel (processes)")]

# --- csi report ------------------------------------------------------------------------
Formats = Annotated[str, typer.Option("--format", "-f", help="Comma-separated: png, svg, pdf (chart pack), pptx (deck), xlsx (tables), html (one page)")]
Charts = Annotated[str | None, typer.Option("--charts", help="Only these charts, e.g. path-diagram,ipma,tiers (default: all)")]
Dpi = Annotated[int, typer.Option(help="Resolution of PNG charts and slides (dots per inch of a 13.33 x 7.5 in slide)")]
Lang = Annotated[str | None, typer.Option("--lang", help="Wording of charts and tables: en, zh, de (default: the model's lang, else en)")]
Template = Annotated[Path | None, typer.Option("--template", help="A client's PowerPoint file (.pptx/.potx) whose masters the deck uses")]
Study = Annotated[str | None, typer.Option("--study", help="Study name: title of the deck, PDF cover and HTML page")]
Client = Annotated[str | None, typer.Option("--client", help="Client name for the title slide and cover")]
Date = Annotated[str | None, typer.Option("--date", help="Date on the title slide and cover (default: today)")]


# --- strings → values ------------------------------------------------------------------
def parse_list(text: str | None, none_word: str | None = None) -> tuple[str, ...]:
    """``"a, b"`` → ``("a", "b")``; ``None`` (or ``none_word``, e.g. ``--tiers none``) → ``()``."""
    if text is None or (none_word is not None and text.strip().lower() == none_word):
        return ()
    return tuple(t.strip() for t in text.split(",") if t.strip())


def parse_codes(text: str | None, option: str) -> tuple[float | str, ...] | None:
    """``"98,99"`` → ``(98.0, 99.0)``; a code that is not a number stays text (``"99,weiß nicht"``)."""
    if text is None:
        return None
    out: list[float | str] = []
    for t in parse_list(text):
        try:
            out.append(float(t))
        except ValueError:
            out.append(t)  # a text code such as 'weiß nicht': cells holding it are missing
    return tuple(out)


def parse_scale(text: str | None) -> tuple[float, float] | None:
    """``"1-10"`` (or ``1–10``, ``1:10``) → ``(1.0, 10.0)``."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[-–:]\s*(-?\d+(?:\.\d+)?)\s*", text)
    if not m or float(m.group(1)) >= float(m.group(2)):
        raise CsiError(f"--scale should be MIN-MAX with MIN below MAX, e.g. 1-10; got {text!r}")
    return float(m.group(1)), float(m.group(2))


# --- values → option objects -----------------------------------------------------------
def parse_show(text: str | None) -> tuple[str, ...] | None:
    """``--show`` keys checked against the terminal sections and the registered derivations (None: default)."""
    from csi.derive.base import DERIVATIONS
    from csi.report.screen import check_show

    return None if text is None else check_show(parse_list(text), tuple(DERIVATIONS))


def survey_options(
    sheet: str | None, map_file: Path | None, missing: str, missing_codes: str | None,
    reverse: str | None, scale: str | None, weights: str | None, group: list[str] | None = None,
    encoding: str | None = None, header_row: int | None = None,
) -> SurveyOptions:
    """The survey flags (``--sheet``, ``--map``, ``--missing``, …) as one :class:`SurveyOptions`."""
    from csi.data.survey import read_column_map
    from csi.options import SurveyOptions

    return SurveyOptions(
        sheet=sheet, column_map=read_column_map(map_file) if map_file is not None else None,
        missing=missing, missing_codes=parse_codes(missing_codes, "--missing-codes"),
        reverse=parse_list(reverse), scale=parse_scale(scale), weights=weights, groups=tuple(group or ()),
        encoding=encoding, header_row=header_row,
    )


def fit_options(
    survey: SurveyOptions, *, scheme: str, standardize: bool, boot: int | None, seed: int, ci: str, level: float,
    method: str, estimator: str, tiers: str | None, ipma_target: str | None, permutations: int,
    min_group_size: int | None, index: str = DEFAULT_INDEX, derive: str | None = None,
    predict: bool = False, folds: int = 10, repeats: int = 10, predict_technique: str = "DA",
) -> FitOptions:
    """The flags of ``csi fit`` as one :class:`FitOptions` (``derive=None``: the library decides;
    ``--predict`` adds the ``predict`` derivation to them)."""
    from csi.derive.base import DERIVATIONS
    from csi.options import BootOptions, FitOptions, GroupOptions, PLSOptions, PredictOptions

    keys = None if derive is None else parse_list(derive)
    if predict:
        keys = (*(keys if keys is not None else [k for k in DERIVATIONS if DERIVATIONS.get(k).default]), "predict")

    o = FitOptions(
        survey=survey, pls=PLSOptions(scheme=scheme, standardize=standardize),
        boot=BootOptions(resamples=boot, seed=seed, ci=ci, level=level),
        comparison=GroupOptions(permutations=permutations, min_group_size=min_group_size),
        method=method, estimator=estimator, index=index, derive=keys,
        predict=PredictOptions(folds=folds, repeats=repeats, technique=predict_technique),
        tiers=None if tiers is None else parse_list(tiers, none_word="none"), ipma_target=ipma_target,
    )
    return dataclasses.replace(o, progress=fit_progress(o.method))


def score_options(
    survey: SurveyOptions, *, scheme: str, boot: int, seed: int, level: float, segments: str | None, workers: int,
    index: str = DEFAULT_INDEX,
) -> ScoreOptions:
    """The flags of ``csi score`` as one :class:`ScoreOptions`."""
    from csi.options import PLSOptions, ScoreOptions

    return ScoreOptions(survey=survey, pls=PLSOptions(scheme=scheme), resamples=boot, seed=seed, level=level,
                        segments=segments, workers=workers, progress=show_progress(), index=index)


# --- option objects → keyword calls ----------------------------------------------------
def survey_kwargs(s: SurveyOptions) -> dict[str, Any]:
    """The reader keywords of ``csi.fit`` and ``validate_survey`` (``sheet`` included)."""
    return {"sheet": s.sheet, **s.reader_kwargs()}

Scheduler = Annotated[str, typer.Option(help="Where units run: local (csi's process pool), processes or threads (a Dask LocalCluster of --workers workers) or tcp://HOST:PORT (a Dask scheduler); needs csi[dask] except local")]
