"""Worker isolation: a wave whose reader aborts its worker process (SIGABRT) is reported by name,
and the other waves of the run are scored and equal a run without it.

The crash is real: a spawned pool worker calls ``os.abort()`` (see ``_abort_plugin.py``), which
breaks the local process pool; ``run_jobs`` retries the unfinished waves one by one in fresh
processes.  Runs in a subprocess so the test process's own state plays no part.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from csi.model.simulate import simulate_survey
from csi.model.spec import load_model

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def test_aborting_wave_is_reported_and_the_others_complete(tmp_path: Path) -> None:
    spec = load_model("scsb")
    files = []
    for k in range(3):
        p = tmp_path / f"wave_202{k}.csv"
        simulate_survey(spec, 80, seed=k).astype(int).to_csv(p, index=False)
        files.append(str(p))
    bad = tmp_path / "wave_2029.boom"
    bad.write_text("x")
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(HERE)!r})
        import _abort_plugin  # registers the aborting reader (re-imported by spawned workers)
        from csi.workflows.waves import score_waves

        if __name__ == "__main__":
            files = {files!r}
            res = score_waves(files[:2] + [{str(bad)!r}] + files[2:], "scsb", resamples=20, workers=2)
            ref = score_waves(files, "scsb", resamples=20, workers=1)
            same = all(u.index.equals(r.index) and (u.draws == r.draws).all() for u, r in zip(res.units, ref.units))
            print(json.dumps({{"labels": [u.label for u in res.units], "failed": [[f.label, f.error] for f in res.failed],
                               "same": bool(same)}}))
    """))
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["labels"] == ["2020", "2021", "2022"]
    assert len(out["failed"]) == 1
    label, error = out["failed"][0]
    assert label == "2029"
    assert "wave_2029.boom" in error and "stopped abruptly" in error
    assert out["same"] is True
