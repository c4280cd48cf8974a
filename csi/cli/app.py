"""The csi command line: each command parses, calls the library API, renders and exits.

Exit codes: 0 ok; 1 a quality gate failed under --strict; 2 a user error (one message,
no traceback).  Any other exception keeps its traceback: it is a bug.
"""

from __future__ import annotations

import gc
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from csi.errors import CsiError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Customer-satisfaction-index models (SCSB, ACSI, ECSI) by PLS and CB-SEM.")
models_app = typer.Typer(add_completion=False, invoke_without_command=True, help="List the built-in models, or show one.")
app.add_typer(models_app, name="models")
# Not on a terminal (logs, pipes) rich would wrap tables at 80 columns; give them room.
out = Console() if sys.stdout.isatty() else Console(width=120)
err = Console(stderr=True) if sys.stderr.isatty() else Console(stderr=True, width=120)


def parse_list(text: str | None, none_word: str | None = None) -> tuple[str, ...]:
    if text is None or (none_word is not None and text.strip().lower() == none_word):
        return ()
    return tuple(t.strip() for t in text.split(",") if t.strip())


def parse_codes(text: str | None, option: str) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        return tuple(float(t) for t in parse_list(text))
    except ValueError:
        raise CsiError(f"{option} should be numbers separated by commas, e.g. 98,99; got {text!r}") from None


def parse_scale(text: str | None) -> tuple[float, float] | None:
    import re

    if text is None:
        return None
    m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*[-–:]\s*(-?\d+(?:\.\d+)?)\s*", text)
    if not m or float(m.group(1)) >= float(m.group(2)):
        raise CsiError(f"--scale should be MIN-MAX with MIN below MAX, e.g. 1-10; got {text!r}")
    return float(m.group(1)), float(m.group(2))


def fail(exc: CsiError) -> typer.Exit:
    err.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(2)


@app.command()
def fit(
    survey: Annotated[Path, typer.Argument(help="Survey file (.csv, .xlsx, …)")],
    model: Annotated[str, typer.Option("--model", "-m", help="scsb, acsi, ecsi or a YAML file")] = "ecsi",
    sheet: Annotated[str | None, typer.Option(help="Sheet name or 0-based index (xlsx)")] = None,
    map_file: Annotated[Path | None, typer.Option("--map", help="Column map file: survey column → item code (YAML or CSV)")] = None,
    scheme: Annotated[str, typer.Option(help="Inner weighting scheme: path, factorial or centroid")] = "path",
    standardize: Annotated[bool, typer.Option("--standardize/--no-standardize", help="Standardize items (default) or only centre them")] = True,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder for results.json and results.xlsx")] = Path("out"),
    method: Annotated[str, typer.Option(help="pls (default), cbsem or both")] = "pls",
    estimator: Annotated[str, typer.Option(help="CB-SEM estimator: ML, ULS, GLS or DWLS")] = "ML",
    boot: Annotated[int | None, typer.Option(help="Bootstrap resamples (default 5000 for PLS; --method cbsem bootstraps CB-SEM only when --boot is given; 0 switches it off)")] = None,
    seed: Annotated[int, typer.Option(help="Random seed for resampling")] = 1,
    ci: Annotated[str, typer.Option(help="Interval type: percentile or bca")] = "percentile",
    level: Annotated[float, typer.Option(help="Confidence level")] = 0.95,
    missing: Annotated[str, typer.Option(help="Missing-data policy: casewise (drop respondents with a missing item) or mean (item-mean imputation)")] = "casewise",
    missing_codes: Annotated[str | None, typer.Option(help="Codes meaning 'no answer', e.g. 98,99")] = None,
    reverse: Annotated[str | None, typer.Option(help="Reverse-coded items, e.g. CUSL2,PERQ3")] = None,
    scale: Annotated[str | None, typer.Option(help="Response scale override, e.g. 1-10")] = None,
    weights: Annotated[str | None, typer.Option(help="Column of survey weights")] = None,
    group: Annotated[list[str] | None, typer.Option("--group", help="Segment column(s) for tiers and group comparison")] = None,
    tiers: Annotated[str | None, typer.Option(help="Tier schemes, comma-separated: nps[:rescale], quadrants[:CUT|:median][:terrorists[=T]], bands[:NAME>=BOUND/.../NAME]; e.g. nps,quadrants:80,bands ('none' switches tiers off; default: the model's tiers or all its roles allow)")] = None,
    ipma_target: Annotated[str | None, typer.Option(help="Target construct of the importance-performance map")] = None,
    permutations: Annotated[int, typer.Option(help="Permutations for the group comparison (--group)")] = 1000,
    min_group_size: Annotated[int | None, typer.Option(help="Smallest group fitted by --group (default max(30, 10 x most arrows at a construct))")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when a quality check fails")] = False,
    report: Annotated[bool, typer.Option("--report", help="Also write the chart pack into --out (PNG charts, charts.pdf, report.pptx), as csi report does")] = False,
) -> None:
    """Fit a CSI model to a survey file and write results.json and results.xlsx."""
    from csi.data.survey import read_column_map
    from csi.report import excel
    from csi.report import json as jsonw
    from csi.report.terminal import render
    from csi.results import contract
    from csi.workflows import fit as api

    try:
        column_map = read_column_map(map_file) if map_file is not None else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # collected in res.warnings and rendered below
            res = api.fit(
                survey, model, scheme=scheme, standardize=standardize, sheet=sheet, column_map=column_map,
                method=method, estimator=estimator, boot=boot, seed=seed, ci=ci, level=level,
                missing=missing, missing_codes=parse_codes(missing_codes, "--missing-codes"),
                reverse=parse_list(reverse), scale=parse_scale(scale), weights=weights,
                groups=tuple(group or ()), tiers=None if tiers is None else parse_list(tiers, none_word="none"),
                ipma_target=ipma_target, permutations=permutations, min_group_size=min_group_size, progress=out.is_terminal,
            )
        data = contract.to_dict(res)  # built once for both files
        jsonw.write_json(data, out_dir / "results.json")
        excel.write_fit(res, out_dir / "results.xlsx", data=data)
        if report:  # drawn from the results.json just written: renderers read results only
            from csi.report.pack import build_report

            rep = build_report([out_dir], out_dir, formats=("png", "pdf", "pptx"))
    except CsiError as exc:
        raise fail(exc) from None
    render(res, out)
    out.print(f"wrote {out_dir / 'results.json'} and {out_dir / 'results.xlsx'}")
    if report:
        render_report(rep)
    if strict and res.warnings:
        raise typer.Exit(1)


@app.command()
def validate(
    survey: Annotated[Path, typer.Argument(help="Survey file (.csv, .xlsx, .sav, .dta, .parquet, …)")],
    model: Annotated[str, typer.Option("--model", "-m", help="scsb, acsi, ecsi or a YAML file")] = "ecsi",
    sheet: Annotated[str | None, typer.Option(help="Sheet name or 0-based index (xlsx)")] = None,
    map_file: Annotated[Path | None, typer.Option("--map", help="Column map file: survey column → item code (YAML or CSV)")] = None,
    missing: Annotated[str, typer.Option(help="Missing-data policy: casewise or mean")] = "casewise",
    missing_codes: Annotated[str | None, typer.Option(help="Codes meaning 'no answer', e.g. 98,99")] = None,
    reverse: Annotated[str | None, typer.Option(help="Reverse-coded items, e.g. CUSL2,PERQ3")] = None,
    scale: Annotated[str | None, typer.Option(help="Response scale override, e.g. 1-10")] = None,
    weights: Annotated[str | None, typer.Option(help="Column of survey weights")] = None,
    group: Annotated[list[str] | None, typer.Option("--group", help="Segment column(s)")] = None,
) -> None:
    """Check a survey file against a model without fitting (exit 0 if it can be fitted, 2 if not)."""
    from csi.data.survey import read_column_map, validate_survey
    from csi.report.terminal import render_validation

    try:
        report = validate_survey(
            survey, model, sheet=sheet, column_map=read_column_map(map_file) if map_file is not None else None,
            missing=missing, missing_codes=parse_codes(missing_codes, "--missing-codes"), reverse=parse_list(reverse),
            scale=parse_scale(scale), weights=weights, groups=tuple(group or ()),
        )
    except CsiError as exc:
        raise fail(exc) from None
    render_validation(report, out)
    if not report.ok:
        raise typer.Exit(2)


@app.command()
def score(
    files: Annotated[list[str], typer.Argument(help="Wave files, glob patterns or a manifest YAML listing waves")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="scsb, acsi, ecsi or a YAML file (refit mode; default ecsi)")] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder for scores.json and scores.xlsx")] = Path("out"),
    refit: Annotated[bool, typer.Option("--refit", help="Fit each wave (the default)")] = False,
    weights_from: Annotated[Path | None, typer.Option("--weights-from", help="results.json of a calibration fit: score with its fixed weights")] = None,
    boot: Annotated[int, typer.Option(help="Bootstrap resamples per wave (0: no intervals or p-values)")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed of the run")] = 1,
    level: Annotated[float, typer.Option(help="Confidence level")] = 0.95,
    segments: Annotated[str | None, typer.Option(help="Column whose values are scored as separate series")] = None,
    workers: Annotated[int, typer.Option(help="Waves scored in parallel (processes)")] = 2,
    scheme: Annotated[str, typer.Option(help="Inner weighting scheme (refit): path, factorial or centroid")] = "path",
    sheet: Annotated[str | None, typer.Option(help="Sheet name or 0-based index (xlsx)")] = None,
    map_file: Annotated[Path | None, typer.Option("--map", help="Column map file: survey column → item code")] = None,
    missing: Annotated[str, typer.Option(help="Missing-data policy")] = "casewise",
    missing_codes: Annotated[str | None, typer.Option(help="Codes meaning 'no answer', e.g. 98,99")] = None,
    reverse: Annotated[str | None, typer.Option(help="Reverse-coded items, e.g. CUSL2,PERQ3")] = None,
    scale: Annotated[str | None, typer.Option(help="Response scale override, e.g. 1-10")] = None,
    weights: Annotated[str | None, typer.Option(help="Column of survey weights")] = None,
) -> None:
    """Score many survey waves (refit or fixed weights), with trends and tested changes.

    Exit code 2 when a wave failed (the others are still scored and written).
    """
    from csi.data.survey import read_column_map
    from csi.report.scores import write_scores
    from csi.report.terminal import render_scores
    from csi.workflows.waves import score_waves

    try:
        if refit and weights_from is not None:
            raise CsiError("--refit and --weights-from exclude each other: refit fits every wave, --weights-from scores with fixed weights")
        res = score_waves(
            files, model, weights_from=weights_from, resamples=boot, seed=seed, level=level, segments=segments,
            workers=workers, scheme=scheme, sheet=sheet, column_map=read_column_map(map_file) if map_file else None,
            missing=missing, missing_codes=parse_codes(missing_codes, "--missing-codes"), reverse=parse_list(reverse),
            scale=parse_scale(scale), weights=weights, progress=err.is_terminal,
        )
        json_path, xlsx_path = write_scores(res, out_dir)
    except CsiError as exc:
        raise fail(exc) from None
    render_scores(res, out)
    out.print(f"wrote {json_path} and {xlsx_path}")
    if res.failed:
        raise typer.Exit(2)


@app.command("report")
def report_cmd(
    results: Annotated[list[Path], typer.Argument(help="Output folders of csi fit (results.json) or csi score (scores.json)")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for the charts, charts.pdf, report.pptx and report.xlsx")] = Path("report"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="Comma-separated: png, svg, pdf (chart pack), pptx (deck), xlsx (tables)")] = "png,pdf,pptx,xlsx",
    charts: Annotated[str | None, typer.Option("--charts", help="Only these charts, e.g. path-diagram,ipma,tiers (default: all)")] = None,
    dpi: Annotated[int, typer.Option(help="Resolution of PNG charts and slides (dots per inch of a 13.33 x 7.5 in slide)")] = 150,
) -> None:
    """Render charts, a PDF chart pack, a PowerPoint deck and a workbook from results folders."""
    from csi.report.pack import build_report

    try:
        rep = build_report(results, out_dir, formats=fmt, dpi=dpi, only=parse_list(charts) or None)
    except CsiError as exc:
        raise fail(exc) from None
    render_report(rep)


def render_report(rep: object) -> None:
    """Print what csi report wrote, and its warnings."""
    files = getattr(rep, "files", ())
    for w in getattr(rep, "warnings", ()):
        err.print(f"[yellow]warning:[/yellow] {w}", highlight=False, soft_wrap=True)
    images = [f for f in files if f.suffix in (".png", ".svg")]
    others = [str(f) for f in files if f.suffix not in (".png", ".svg")]
    parts = ([f"{len(images)} chart images"] if images else []) + others
    out.print(f"wrote {', '.join(parts)} to {getattr(rep, 'out_dir', '')}", highlight=False, soft_wrap=True)


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

    try:
        spec = load_model(name)
    except CsiError as exc:
        raise fail(exc) from None
    out.print(spec.to_yaml(), highlight=False, markup=False)


def main() -> None:
    # The modules imported so far (pandas, numpy, typer, …) live until the process exits: moving
    # their objects out of the collector's reach spares every full collection and the final one
    # at exit from walking them again (about 0.1 s of a `csi fit`).
    gc.freeze()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
