"""Chart pack of an ECSI fit (bundled sample, bootstrap, region segments): build and write times."""

from __future__ import annotations

import tempfile
import time
import warnings
from pathlib import Path

from bench.common import ROOT, best_of


def run() -> None:
    warnings.simplefilter("ignore")
    import csi
    from csi.report import charts as ch
    from csi.report import pack
    from csi.report.json import write_json
    from csi.results.contract import to_dict

    res = csi.fit(ROOT / "data" / "sample_survey.xlsx", "ecsi", boot=1000, groups=("region",), permutations=200,
                  tiers=("nps", "quadrants", "bands"))
    d = to_dict(res)
    n = len(ch.fit_charts(d))
    t = best_of(lambda: ch.fit_charts(d), repeat=3)
    print(f"   build {n} charts (ECSI, n = {d['n_obs']}, bootstrap, 4 regions, 3 tier schemes): {t:.2f} s")
    charts = ch.fit_charts(d)
    for fmt, dpi in (("png", 150), ("svg", 150), ("pdf", 150)):
        t0 = time.perf_counter()
        size = sum(len(ch.render_bytes(c, fmt, dpi)) for c in charts)
        print(f"   encode all as {fmt} ({dpi} dpi): {time.perf_counter() - t0:.2f} s, {size / 1e6:.1f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        write_json(res, Path(tmp) / "fit" / "results.json")
        for fmts in ("png", "pdf", "pptx", "xlsx", "png,pdf,pptx,xlsx"):
            t0 = time.perf_counter()
            rep = pack.build_report([Path(tmp) / "fit"], Path(tmp) / f"rep-{fmts}", formats=fmts)
            size = sum(f.stat().st_size for f in rep.files)
            print(f"   csi report --format {fmts:18s}: {time.perf_counter() - t0:.2f} s, {len(rep.files)} files, {size / 1e6:.1f} MB")
