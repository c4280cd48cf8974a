"""The csi command line: each command reads its options, calls one workflow, renders and exits.

Options are declared once in :mod:`csi.cli.options` and grouped there into the library's option
objects; files are written by :mod:`csi.report.outputs`; whether progress bars are drawn is
decided in :mod:`csi.cli.progress`.

Exit codes: 0 ok; 1 a quality gate failed under --strict; 2 a user error (one message,
no traceback).  Any other exception keeps its traceback: it is a bug.
"""

from __future__ import annotations

import gc
import os
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from csi.cli import options as o
from csi.cli.console import err, esc, out, user_errors
from csi.errors import CsiError

if TYPE_CHECKING:
    from csi.options import FitOptions
    from csi.report.pack import Report
    from csi.results.types import FitResults

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Customer-satisfaction-index models (SCSB, ACSI, ECSI) by PLS and CB-SEM.")
models_app = typer.Typer(add_completion=False, invoke_without_command=True, help="List the built-in models, or show one.")
app.add_typer(models_app, name="models")


def _print_version(value: bool) -> None:
    if value:
        from csi._version import __version__

        out.print(f"csi {__version__}", highlight=False)
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit")] = False,
) -> None:
    """Customer-satisfaction-index models (SCSB, ACSI, ECSI) by PLS and CB-SEM."""


@app.command()
def fit(
    survey: o.SurveyFile, model: o.Model = "ecsi", sheet: o.Sheet = None, map_file: o.ColumnMap = None,
    scheme: o.Scheme = "path", standardize: o.Standardize = True, out_dir: o.FitOut = Path("out"),
    method: o.Method = "pls", estimator: o.Estimator = "ML", boot: o.FitBoot = None, seed: o.Seed = 1,
    ci: o.Ci = "percentile", level: o.Level = 0.95, missing: o.Missing = "casewise", missing_codes: o.MissingCodes = None,
    reverse: o.Reverse = None, scale: o.Scale = None, weights: o.Weights = None, group: o.Group = None,
    tiers: o.Tiers = None, ipma_target: o.IpmaTarget = None, permutations: o.Permutations = 1000,
    min_group_size: o.MinGroupSize = None, strict: o.Strict = False, report: o.WithReport = False,
    index: o.Index = o.DEFAULT_INDEX, derive: o.Derive = None, encoding: o.Encoding = None, header_row: o.HeaderRow = None,
    show: o.Show = None, predict: o.Predict = False, folds: o.Folds = 10, repeats: o.Repeats = 10,
    predict_technique: o.PredictTechnique = "DA",
) -> None:
    """Fit a CSI model to a survey file and write results.json and results.xlsx."""
    from csi.report.outputs import OutputRun, commit_fit
    from csi.report.terminal import render

    with user_errors():
        sections = o.parse_show(show)
        opts = o.fit_options(
            o.survey_options(sheet, map_file, missing, missing_codes, reverse, scale, weights, group, encoding, header_row),
            scheme=scheme, standardize=standardize, boot=boot, seed=seed, ci=ci, level=level, method=method,
            estimator=estimator, tiers=tiers, ipma_target=ipma_target, permutations=permutations,
            min_group_size=min_group_size, index=index, derive=derive,
            predict=predict, folds=folds, repeats=repeats, predict_technique=predict_technique,
        )
        with OutputRun(out_dir) as run:  # --out checked and locked before any work; all files or none
            res = run_fit(survey, model, opts)
            written = commit_fit(run, res, report=report)
    render(res, out, sections)
    out.print(esc(f"wrote {written.results_json} and {written.results_xlsx}"), highlight=False)
    if written.report is not None:
        render_report(written.report)
    raise typer.Exit(fit_exit_code(res, strict))


def run_fit(survey: Path, model: str, opts: FitOptions) -> FitResults:
    """``csi.fit`` with the options; its warnings are collected in ``res.issues`` (rendered by the CLI)."""
    from csi.workflows import fit as api

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return api.fit(survey, model, opts)


def fit_exit_code(res: FitResults, strict: bool) -> int:
    """1 under ``--strict`` when a gate issue was raised (quality, convergence, admissibility); else 0."""
    return 1 if strict and res.gate_issues else 0


@app.command()
def validate(
    survey: o.SurveyFile, model: o.Model = "ecsi", sheet: o.Sheet = None, map_file: o.ColumnMap = None,
    missing: o.Missing = "casewise", missing_codes: o.MissingCodes = None, reverse: o.Reverse = None,
    scale: o.Scale = None, weights: o.Weights = None, group: o.Group = None, encoding: o.Encoding = None,
    header_row: o.HeaderRow = None,
) -> None:
    """Check a survey file against a model without fitting (exit 0 if it can be fitted, 2 if not)."""
    from csi.data.survey import validate_survey
    from csi.report.terminal import render_validation

    with user_errors():
        opts = o.survey_options(sheet, map_file, missing, missing_codes, reverse, scale, weights, group, encoding, header_row)
        report = validate_survey(survey, model, **o.survey_kwargs(opts))
    render_validation(report, out)
    raise typer.Exit(0 if report.ok else 2)


@app.command()
def score(
    files: o.WaveFiles, model: o.WaveModel = None, out_dir: o.ScoreOut = Path("out"), refit: o.Refit = False,
    weights_from: o.WeightsFrom = None, boot: o.WaveBoot = 1000, seed: o.Seed = 1, level: o.Level = 0.95,
    segments: o.Segments = None, workers: o.Workers = 2, scheme: o.Scheme = "path", sheet: o.Sheet = None,
    map_file: o.ColumnMap = None, missing: o.Missing = "casewise", missing_codes: o.MissingCodes = None,
    reverse: o.Reverse = None, scale: o.Scale = None, weights: o.Weights = None, scheduler: o.Scheduler = "local",
    index: o.Index = o.DEFAULT_INDEX, encoding: o.Encoding = None, header_row: o.HeaderRow = None,
) -> None:
    """Score many survey waves (refit or fixed weights), with trends and tested changes.

    Exit code 2 when a wave failed (the others are still scored and written).
    """
    from csi.report.outputs import OutputRun, commit_scores
    from csi.report.terminal import render_scores
    from csi.workflows.waves import score_waves

    with user_errors():
        if refit and weights_from is not None:
            raise CsiError("--refit and --weights-from exclude each other: refit fits every wave, --weights-from scores with fixed weights")
        opts = o.score_options(
            o.survey_options(sheet, map_file, missing, missing_codes, reverse, scale, weights, None, encoding, header_row),
            scheme=scheme, boot=boot, seed=seed, level=level, segments=segments, workers=workers, index=index,
        )
        from csi.inference.runners import scheduler_executor

        with OutputRun(out_dir) as run:  # --out checked and locked before any work; all files or none
            with scheduler_executor(scheduler, workers) as executor:
                res = score_waves(files, model, opts, weights_from=weights_from, executor=executor)
            json_path, xlsx_path = commit_scores(run, res)
    render_scores(res, out)
    out.print(esc(f"wrote {json_path} and {xlsx_path}"), highlight=False)
    raise typer.Exit(2 if res.failed else 0)


@app.command("report")
def report_cmd(
    results: o.ResultsDirs, out_dir: o.ReportOut = Path("report"), fmt: o.Formats = "png,pdf,pptx,xlsx",
    charts: o.Charts = None, dpi: o.Dpi = 150, lang: o.Lang = None, template: o.Template = None,
    study: o.Study = None, client: o.Client = None, date: o.Date = None,
) -> None:
    """Render charts, a PDF chart pack, a PowerPoint deck, a workbook and an HTML page from results folders."""
    from csi.report.outputs import OutputRun, commit_report
    from csi.report.pack import build_report

    with user_errors(), OutputRun(out_dir) as run:  # all files or none; temporary files removed on a signal
        rep = commit_report(run, lambda d: build_report(results, d, formats=fmt, dpi=dpi, only=o.parse_list(charts) or None,
                                                         lang=lang, template=template, study=study, client=client, date=date))
    render_report(rep)


def render_report(rep: Report) -> None:
    """Print what csi report wrote, and its warnings."""
    for w in rep.warnings:
        err.print(f"[yellow]warning:[/yellow] {esc(w)}", highlight=False, soft_wrap=True)
    images = [f for f in rep.files if f.suffix in (".png", ".svg")]
    others = [str(f) for f in rep.files if f.suffix not in (".png", ".svg")]
    parts = ([f"{len(images)} chart images"] if images else []) + others
    out.print(esc(f"wrote {', '.join(parts)} to {rep.out_dir}"), highlight=False, soft_wrap=True)


@models_app.callback()
def models(ctx: typer.Context) -> None:
    """List the built-in models."""
    if ctx.invoked_subcommand is not None:
        return
    from csi.model.spec import builtin_models, load_model

    for name in builtin_models():
        spec = load_model(name)
        out.print(f"{name:6s} {spec.label} — {len(spec.constructs)} constructs, {len(spec.paths)} paths, {len(spec.items)} items ({spec.reference})")


@models_app.command("show")
def models_show(name: Annotated[str, typer.Argument(help="scsb, acsi, ecsi or a YAML file")]) -> None:
    """Print one model as YAML."""
    from csi.model.spec import load_model

    with user_errors():
        spec = load_model(name)
    out.print(spec.to_yaml(), highlight=False, markup=False)


from csi.cli import aggregate as _aggregate  # noqa: E402  (csi aggregate lives in its own module)

_aggregate.register(app)
# the service-quality toolkit's commands (issue 16), each in its own module
from csi.cli.servqual import servqual as _servqual  # noqa: E402
from csi.cli.sqi import sqi as _sqi  # noqa: E402

app.command("sqi")(_sqi)
app.command("servqual")(_servqual)


def main() -> None:
    # The modules imported so far (pandas, numpy, typer, …) live until the process exits: moving
    # their objects out of the collector's reach spares every full collection and the final one
    # at exit from walking them again (about 0.1 s of a `csi fit`).
    gc.freeze()
    # csi parallelizes over resamples with its own workers; for a fit's small and tall-thin
    # matrices BLAS threads cost more than they give (a 6,000 × 24 by 24 × 7 product took 15 ms
    # on two threads against 0.9 ms on one, on a busy 2-core machine).  Set before numpy loads
    # (the CLI imports it lazily); a user's own setting is kept.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
