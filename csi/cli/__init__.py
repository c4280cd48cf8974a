"""The csi command line (Typer): ``csi fit``, ``csi score``, ``csi report``, ``csi validate``, ``csi models``."""

from csi.cli.app import app, main

__all__ = ["app", "main"]
