"""The csi command line: each command parses, calls the library API, renders and exits.

Exit codes: 0 ok; 1 a quality gate failed under --strict; 2 a user error (one message,
no traceback).  Any other exception keeps its traceback: it is a bug.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from csi.errors import CsiError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Customer-satisfaction-index models (SCSB, ACSI, ECSI) by PLS and CB-SEM.")
models_app = typer.Typer(add_completion=False, invoke_without_command=True, help="List the built-in models, or show one.")
app.add_typer(models_app, name="models")
out = Console()
err = Console(stderr=True)


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
    sheet: Annotated[Optional[str], typer.Option(help="Sheet name or 0-based index (xlsx)")] = None,
    map_file: Annotated[Optional[Path], typer.Option("--map", help="Column map file: survey column → item code (YAML or CSV)")] = None,
    scheme: Annotated[str, typer.Option(help="Inner weighting scheme: path, factorial or centroid")] = "path",
    standardize: Annotated[bool, typer.Option("--standardize/--no-standardize", help="Standardize items (default) or only centre them")] = True,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output folder for results.json and results.xlsx")] = Path("out"),
    method: Annotated[str, typer.Option(help="pls (default), cbsem or both")] = "pls",
    estimator: Annotated[str, typer.Option(help="CB-SEM estimator: ML, ULS, GLS or DWLS")] = "ML",
    boot: Annotated[int, typer.Option(help="Bootstrap resamples (0 switches the bootstrap off)")] = 0,
    seed: Annotated[int, typer.Option(help="Random seed for resampling")] = 1,
    ci: Annotated[str, typer.Option(help="Interval type: percentile or bca")] = "percentile",
    level: Annotated[float, typer.Option(help="Confidence level")] = 0.95,
    missing: Annotated[str, typer.Option(help="Missing-data policy")] = "casewise",
    missing_codes: Annotated[Optional[str], typer.Option(help="Codes meaning 'no answer', e.g. 98,99")] = None,
    reverse: Annotated[Optional[str], typer.Option(help="Reverse-coded items, e.g. CUSL2,PERQ3")] = None,
    scale: Annotated[Optional[str], typer.Option(help="Response scale override, e.g. 1-10")] = None,
    weights: Annotated[Optional[str], typer.Option(help="Column of survey weights")] = None,
    group: Annotated[Optional[list[str]], typer.Option("--group", help="Segment column(s) for tiers and group comparison")] = None,
    tiers: Annotated[Optional[str], typer.Option(help="Tier schemes, e.g. nps,quadrants,bands (none to switch off)")] = None,
    ipma_target: Annotated[Optional[str], typer.Option(help="Target construct of the importance-performance map")] = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when a quality check fails")] = False,
) -> None:
    """Fit a CSI model to a survey file and write results.json and results.xlsx."""
    from csi import api
    from csi.report import excel, json as jsonw
    from csi.report.terminal import render
    from csi.survey import read_column_map

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
                ipma_target=ipma_target, progress=out.is_terminal,
            )
        jsonw.write_json(res, out_dir / "results.json")
        excel.write_fit(res, out_dir / "results.xlsx")
    except CsiError as exc:
        raise fail(exc) from None
    render(res, out)
    out.print(f"wrote {out_dir / 'results.json'} and {out_dir / 'results.xlsx'}")
    if strict and res.warnings:
        raise typer.Exit(1)


@models_app.callback()
def models(ctx: typer.Context) -> None:
    """List the built-in models."""
    if ctx.invoked_subcommand is not None:
        return
    from csi.spec import builtin_models, load_model

    for name in builtin_models():
        spec = load_model(name)
        out.print(f"{name:6s} {spec.label} — {len(spec.constructs)} constructs, {len(spec.paths)} paths, {len(spec.items)} items ({spec.reference})")


@models_app.command("show")
def models_show(name: Annotated[str, typer.Argument(help="scsb, acsi, ecsi or a YAML file")]) -> None:
    """Print one model as YAML."""
    from csi.spec import load_model

    try:
        spec = load_model(name)
    except CsiError as exc:
        raise fail(exc) from None
    out.print(spec.to_yaml(), highlight=False, markup=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
