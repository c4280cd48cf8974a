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
            res = api.fit(survey, model, scheme=scheme, standardize=standardize, sheet=sheet, column_map=column_map)
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
