"""`csi --version` prints ``csi <version>`` and exits 0."""

from __future__ import annotations

from typer.testing import CliRunner

from csi._version import __version__
from csi.cli import app


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"csi {__version__}"


def test_version_wins_over_a_command():
    # eager: printed before any command runs or checks its arguments
    result = CliRunner().invoke(app, ["--version", "fit"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"csi {__version__}"
