"""The command line's surface is pinned: every command, argument and flag of csi 0.1 keeps working.

New flags may be added; none of these may disappear or change meaning (the exit-code tests of
each command live beside the command's own tests).
"""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from csi.cli import app

PINNED: dict[str, tuple[list[str], list[str]]] = {
    "fit": (["survey"], ["--boot", "--ci", "--estimator", "--group", "--ipma-target", "--level", "--map", "--method",
                         "--min-group-size", "--missing", "--missing-codes", "--model", "--no-standardize", "--no-strict", "--out",
                         "--permutations", "--report", "--reverse", "--scale", "--scheme", "--seed", "--sheet", "--standardize",
                         "--strict", "--tiers", "--weights", "-m", "-o"]),
    "models": ([], []),
    "models show": (["name"], []),
    "report": (["results"], ["--charts", "--dpi", "--format", "--out", "-f", "-o"]),
    "score": (["files"], ["--boot", "--level", "--map", "--missing", "--missing-codes", "--model", "--out", "--refit", "--reverse",
                          "--scale", "--scheme", "--seed", "--segments", "--sheet", "--weights", "--weights-from", "--workers",
                          "-m", "-o"]),
    "validate": (["survey"], ["--group", "--map", "--missing", "--missing-codes", "--model", "--reverse", "--scale", "--sheet",
                              "--weights", "-m"]),
}


def surface() -> dict[str, tuple[list[str], list[str]]]:
    out: dict[str, tuple[list[str], list[str]]] = {}

    def walk(cmd: object, prefix: str) -> None:
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            args = [p.name for p in sub.params if p.param_type_name == "argument"]
            opts = sorted(o for p in sub.params if p.param_type_name == "option" for o in [*p.opts, *p.secondary_opts])
            out[prefix + name] = (args, opts)
            walk(sub, prefix + name + " ")

    walk(typer.main.get_command(app), "")
    return out


def test_every_pinned_command_argument_and_flag_is_there() -> None:
    got = surface()
    for name, (args, opts) in PINNED.items():
        assert name in got, f"command {name!r} is gone"
        assert got[name][0] == args, f"{name}: arguments {got[name][0]} != {args}"
        missing = sorted(set(opts) - set(got[name][1]))
        assert not missing, f"{name}: flags gone: {missing}"


def test_surface_check_can_fail() -> None:
    got = surface()
    assert "--no-such-flag" not in got["fit"][1]


def test_help_and_unknown_command_exit_codes() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["--help"]).exit_code == 0
    assert runner.invoke(app, ["fit", "--help"]).exit_code == 0
    assert runner.invoke(app, ["no-such-command"]).exit_code == 2
    assert runner.invoke(app, ["fit", "no-such-file.csv", "--boot", "0"]).exit_code == 2
