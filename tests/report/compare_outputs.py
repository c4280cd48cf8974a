"""Compare the outputs of two csi checkouts on the same fits: results.json, results.xlsx and the terminal text.

    python tests/report/compare_outputs.py --ref /work/main --new . [--work /tmp/csi-compare]

Each configuration below is fitted once through the CLI of ``--ref`` (its FitResults pickled), then
both checkouts write the outputs of every pickled fit (``write_fit_outputs``) and render its
terminal summary (no colour at 120 and 80 columns, truecolor at 100).  results.json and the
terminal texts must be byte-identical; the workbooks are compared with openpyxl cell by cell
(value, type, number format, font, fill, alignment), with column widths, frozen panes and filters.
Exit 1 on any difference.  Not a test (it needs two checkouts); pytest does not collect it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
MOBI = ROOT.parent / "shared" / "reference" / "mobi.csv"
SAMPLE = ROOT / "data" / "sample_survey.csv"
CONFIGS = {
    "boot5000": f"{MOBI} --model ecsi --boot 5000",
    "boot0": f"{MOBI} --model ecsi --boot 0",
    "groups_tiers_weights": f"{SAMPLE} --model ecsi --boot 300 --weights weight --group region --tiers nps,quadrants:80,bands "
                            "--show measurement,structural,quality,indices,effects,mediation,predict,fit,cbsem,ipma,tiers,groups "
                            "--permutations 200",
    "both": f"{MOBI} --model ecsi --method both --boot 100",
    "cbsem": f"{MOBI} --model ecsi --method cbsem --boot 30",
    "bca_predict": f"{MOBI} --model ecsi --ci bca --boot 500 --predict --folds 5 --repeats 2",
    "hoc": f"{ROOT / 'data' / 'sample_hoc_survey.csv'} --model ecsi-hoc --boot 200",
    "fuzzy_mean": f"{SAMPLE} --model acsi --boot 200 --index fuzzy --missing mean",
    "plsc_pca": f"{SAMPLE} --model scsb --boot 0 --method plsc --index pca --group channel",
}

FIT = """
import importlib, pickle, shlex, sys, warnings
warnings.simplefilter("ignore")
A = importlib.import_module("csi.cli.app")
run = A.run_fit
def keep(*a):
    res = run(*a)
    open(sys.argv[1], "wb").write(pickle.dumps(res))
    return res
A.run_fit = keep
try:
    A.app(["fit", *shlex.split(sys.argv[2]), "--out", sys.argv[3]], standalone_mode=False)
except SystemExit:
    pass
"""

WRITE = """
import io, pickle, sys, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from rich.console import Console
from csi.report.outputs import write_fit_outputs
from csi.report.terminal import render
res = pickle.loads(Path(sys.argv[1]).read_bytes())
out = Path(sys.argv[2])
write_fit_outputs(res, out)
for tag, kw in (("w120", dict(width=120)), ("w80", dict(width=80)), ("ansi", dict(width=100, force_terminal=True, color_system="truecolor"))):
    buf = io.StringIO()
    render(res, Console(file=buf, **kw), None)
    (out / f"terminal.{tag}.txt").write_text(buf.getvalue())
"""


def _run(code: str, root: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code, *args], env=env, check=True, capture_output=True, text=True)


def _cells(path: Path) -> dict[str, tuple]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = [(c.coordinate, c.value, c.data_type, c.number_format, c.font.b, c.font.i, c.font.sz, getattr(c.font.color, "rgb", None),
                  c.fill.fgColor.rgb if c.fill.fill_type else None, c.alignment.horizontal, c.alignment.vertical, c.alignment.wrap_text)
                 for row in ws.iter_rows() for c in row]
        widths = {k: (d.width, d.min, d.max) for k, d in ws.column_dimensions.items()}
        out[ws.title] = (cells, widths, ws.freeze_panes, ws.auto_filter.ref)
    return out


def compare(ref: Path, new: Path) -> list[str]:
    problems = []
    for name in ["results.json", *sorted(p.name for p in ref.glob("terminal.*.txt"))]:
        if (ref / name).read_bytes() != (new / name).read_bytes():
            problems.append(f"{name} differs")
    a, b = _cells(ref / "results.xlsx"), _cells(new / "results.xlsx")
    if list(a) != list(b):
        problems.append(f"sheets {list(a)} != {list(b)}")
    problems += [f"results.xlsx sheet {s!r} differs" for s in a if s in b and a[s] != b[s]]
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", type=Path, required=True)
    ap.add_argument("--new", type=Path, required=True)
    ap.add_argument("--work", type=Path, default=Path("/tmp/csi-compare"))
    args = ap.parse_args()
    bad = 0
    for name, cli in CONFIGS.items():
        work = args.work / name
        work.mkdir(parents=True, exist_ok=True)
        pickled = work / "fit.pkl"
        if not pickled.exists():
            _run(FIT, args.ref.resolve(), str(pickled), cli, str(work / "cli-out"))
        for side, root in (("ref", args.ref), ("new", args.new)):
            _run(WRITE, root.resolve(), str(pickled), str(work / side))
        problems = compare(work / "ref", work / "new")
        bad += bool(problems)
        print(f"{name}: " + ("identical (results.json, terminal texts, every workbook cell)" if not problems else "; ".join(problems)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
