"""The package version and the versions of what it runs on (recorded in every output)."""

from __future__ import annotations

import platform

__version__ = "0.1.0"


def versions() -> dict[str, str]:
    import numpy as np
    import pandas as pd
    import scipy

    return {
        "csi": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
    }
