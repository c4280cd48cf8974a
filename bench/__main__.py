"""Run every bench/bench_*.py module's ``run()`` in name order (or those named on the command line).

    python -m bench            # all
    python -m bench pls boot   # bench_pls.py and bench_boot*.py only
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> None:
    here = Path(__file__).parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    if argv:
        names = [n for n in names if any(n.startswith(f"bench_{a}") for a in argv)]
    for name in names:
        mod = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        t0 = time.perf_counter()
        mod.run()
        print(f"   ({name} took {time.perf_counter() - t0:.1f} s)\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
