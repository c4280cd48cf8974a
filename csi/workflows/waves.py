"""Quarterly waves: score many survey waves, follow the indices and test their changes.

``score_waves(files, model=..., ...)`` scores every wave (and optionally every segment of
every wave) in one of two modes:

* ``refit`` (default, the ACSI practice): PLS is fitted to each wave; the 0–100 index of
  construct ``k`` is ``I_k = Σᵢ w̃ᵢ (x̄ᵢ − min)/(max − min) × 100`` with that wave's normalized
  unstandardized weights ``w̃`` (:mod:`csi.derive.indices`).  Intervals come from
  :func:`csi.inference.bootstrap.bootstrap_fit` (respondents resampled, weights re-estimated in every
  resample).  Weight drift against the first wave of the series is reported per construct:
  the largest ``|w̃_b,i − w̃_a,i|`` and the compositional-invariance correlation
  ``c = corr(X u_a, X u_b)`` over the pooled respondents of both waves (MICOM step 2,
  Henseler, Ringle & Sarstedt 2016, measured on the index's own raw-item scale), computed
  from the waves' item means and covariances:
  ``c = u_a'S u_b / √(u_a'S u_a · u_b'S u_b)`` with ``S`` the pooled covariance.
* ``fixed`` (``weights_from=results.json``): every wave is scored with the normalized weights
  and scale limits saved by ``csi fit`` in the ``scoring_model`` block, without re-estimation,
  so indices are comparable across waves by construction.  The index is then a (weighted)
  mean of respondent scores ``s_r = Σᵢ w̃ᵢ (x_ri − min)/(max − min) × 100``; its bootstrap
  resamples respondents with the weights held fixed, vectorized as
  ``I* = Σ_r c_r v_r s_r / Σ_r c_r v_r`` for resampling counts ``c`` and survey weights ``v``.

Changes.  For every series (waves sharing the same manifest fields and segment) and every
construct: the change between consecutive waves and against the first wave,
``Δ = I_to − I_from``.  The waves are independent samples and are resampled independently
(each with its own seed stream), so the pairs ``(I*_from,b, I*_to,b)`` taken by position ``b``
are draws from the product of the two bootstrap distributions — exactly the bootstrap
distribution of a difference of independent estimators — and ``Δ*_b = I*_to,b − I*_from,b``
needs no joint resampling.  Interval: percentile of ``Δ*``.  Two-sided p-value:
``p = min(1, 2 · min(1 + #{Δ* ≤ 0}, 1 + #{Δ* ≥ 0}) / (B + 1))`` — the smallest ``α`` at which
the percentile interval excludes 0 (so ``p < 1 − level`` agrees with the reported interval),
with the usual +1 correction so that ``p`` is never 0 from a finite bootstrap.  Its size under
no change was checked by simulation (``tests/workflows/test_waves.py``).

Seeds.  Each scored unit (wave or wave × segment) draws from
``SeedSequence([seed, h])`` where ``h`` is a hash of its content (the item matrix as fitted and
its survey weights; :func:`unit_seed`), so a wave's intervals depend only on the run seed and the
wave's data: not on its file name, label or manifest fields, the worker count, the order of the
jobs, or which other waves are in the run.

Runner.  The work is a plain list of picklable :class:`WaveJob` objects and one pure function
:func:`run_job` (job → :class:`JobResult`; user errors become a failed result, not an
exception), mapped over a ``concurrent.futures`` executor: a local process pool by default,
or any compatible executor (e.g. ``dask.distributed.Client.get_executor()``, ``--scheduler``); see
``docs/waves.md``.  A wave that kills its worker process is retried alone in a fresh process and,
if it crashes again, reported by name while the other waves complete (``run_jobs``; validated in
``tests/workflows/test_waves_isolation.py`` with a reader that calls ``os.abort()``).  Wave files
may be fsspec URLs, read by the worker itself.

Validated by simulation (planted rise found with its true size inside the interval and
p < 0.05; size of the test under no change) and, for fixed weights, by reproducing the
calibration fit's own indices to 1e-12 (``tests/workflows/test_waves.py``).
"""

from __future__ import annotations

import concurrent.futures as cf
import glob
import hashlib
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from csi.data.survey import SurveyData, read_survey
from csi.derive.indices import INDEXERS, configure
from csi.derive.indices import compute as compute_indices
from csi.derive.indices import score as score_items
from csi.errors import CsiError, DataError, SpecError
from csi.estimators.pls import PLS
from csi.model.spec import ModelSpec, load_model
from csi.options import DEFAULT_WORKERS, PLSOptions, ScoreOptions, SurveyOptions
from csi.results.contract import ScoringModel, load_scoring_model
from csi.results.scores import FailedWave, ScoreResults, UnitResult, _series_groups

if TYPE_CHECKING:
    pass

MODES: dict[str, str] = {
    "refit": "each wave fitted by PLS; indices from its own weights; bootstrap re-estimates the weights",
    "fixed": "each wave scored with the normalized weights and scale of a calibration fit (no re-estimation)",
}
P_VALUE_RULE = (
    "two-sided bootstrap p = min(1, 2*min(1 + #(delta* <= 0), 1 + #(delta* >= 0)) / (B + 1)): "
    "the smallest alpha at which the percentile interval of the change excludes 0"
)
CHANGE_RULE = (
    "delta = index(to) - index(from); its bootstrap draws are draw(to) - draw(from) paired by "
    "position, valid because the two waves are resampled independently"
)
SEED_RULE = (
    "each wave/segment resamples with SeedSequence([seed, h]), h = blake2b hash of its content (the item "
    "matrix as fitted and the survey weights): the same data give the same draws however the waves are "
    "passed (files, globs or a manifest), on any worker count and job order"
)
INTERVAL_RULE = "percentile of the bootstrap draws (numpy linear quantiles)"
_MANIFEST_KEYS = ("file", "label", "sheet")
_PERIOD = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_ ]?(Q[1-4]|H[12]|W\d{1,2}|M\d{1,2}|\d{2})?(?!\d)", re.IGNORECASE)


# ---------------------------------------------------------------------------------------
# Inputs: files, globs and manifests
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WaveInput:
    """One wave file with its label (e.g. ``2026Q1``) and optional fields (brand, region…)."""

    path: str
    label: str
    fields: tuple[tuple[str, str], ...] = ()
    sheet: str | None = None

    @property
    def name(self) -> str:
        extra = ", ".join(f"{k}={v}" for k, v in self.fields)
        return f"{self.label} ({extra})" if extra else self.label


def period_label(stem: str) -> str | None:
    """The period in a file name (``wave_2026Q1`` → ``2026Q1``, ``s-2026-03`` → ``2026-03``)."""
    m = _PERIOD.search(stem)
    if m is None:
        return None
    year, part = m.group(1), m.group(2)
    if not part:
        return year
    return f"{year}-{part}" if part.isdigit() else f"{year}{part.upper()}"


def _trim_common(stems: Sequence[str]) -> list[str]:
    """Drop the leading and trailing name tokens (split on _ - . space) all stems share."""
    toks = [re.split(r"[_\-. ]+", s) for s in stems]
    lead = 0
    while all(len(t) > lead + 1 for t in toks) and len({t[lead] for t in toks}) == 1:
        lead += 1
    trail = 0
    while all(len(t) > lead + trail + 1 for t in toks) and len({t[-1 - trail] for t in toks}) == 1:
        trail += 1
    return ["_".join(t[lead: len(t) - trail]) for t in toks]


def default_labels(paths: Sequence[str | Path]) -> list[str]:
    """Readable wave labels from file names.

    The period in the name when every file has a distinct one (``wave_2026Q1.csv`` →
    ``2026Q1``); otherwise the names without the tokens they all share; otherwise the stems.
    """
    stems = [Path(p).stem for p in paths]
    periods = [period_label(s) for s in stems]
    if all(periods) and len(set(periods)) == len(periods):
        return [str(p) for p in periods]
    if len(stems) > 1:
        trimmed = _trim_common(stems)
        if all(trimmed) and len(set(trimmed)) == len(trimmed):
            return trimmed
    if len(set(stems)) == len(stems):
        return stems
    return [str(p) for p in paths]


def read_manifest(path: str | Path) -> list[WaveInput]:
    """Waves listed in a YAML manifest (files relative to the manifest's folder)::

        waves:
          - {file: acme_2026Q1.csv, label: 2026Q1, brand: Acme, region: North}
          - {file: acme_2026Q2.csv, label: 2026Q2, brand: Acme, region: North}

    ``file`` is required; ``label`` defaults to the period in the file name (or its stem);
    ``sheet`` picks an xlsx sheet; every other key is a segment field of the wave.
    """
    from csi.data.yamlfile import read_yaml_file

    p = Path(path)
    where = f"manifest {p}"
    data = read_yaml_file(p, where)  # regular file, bounded, no aliases or duplicate keys
    if isinstance(data, dict):
        unknown = [k for k in data if k != "waves"]
        if unknown:
            raise DataError(f"{where}: unknown key {unknown[0]!r}; expected 'waves' (a list of {{file, label, ...}})")
        data = data.get("waves")
    if not isinstance(data, list) or not data:
        raise DataError(f"{where}: expected a list of waves like '- {{file: wave_2026Q1.csv, label: 2026Q1}}'; found {type(data).__name__}")
    out: list[WaveInput] = []
    for k, entry in enumerate(data, start=1):
        if isinstance(entry, str):
            entry = {"file": entry}
        if not isinstance(entry, dict) or "file" not in entry:
            raise DataError(f"{where}: wave {k} should be a mapping with a 'file' key; found {entry!r}")
        file = Path(str(entry["file"]))
        if not file.is_absolute():
            file = p.parent / file
        fields: list[tuple[str, str]] = []
        for key, value in entry.items():
            if key in _MANIFEST_KEYS:
                continue
            if isinstance(value, (dict, list)) or value is None:
                raise DataError(f"{where}: wave {k} field {key!r} should be a single value (e.g. brand: Acme); found {value!r}")
            fields.append((str(key), str(value)))
        label = entry.get("label")
        lab = str(label) if label is not None else (period_label(file.stem) or file.stem)
        sheet = entry.get("sheet")
        out.append(WaveInput(str(file), lab, tuple(fields), None if sheet is None else str(sheet)))
    return out


def resolve_waves(inputs: Sequence[str | Path | WaveInput]) -> list[WaveInput]:
    """Files, glob patterns and manifests (``.yaml``/``.yml``) → the list of waves, in order.

    Globs expand in sorted order.  A file that does not exist is kept: it fails as its own
    wave (reported by name) while the others are scored.
    """
    waves: list[WaveInput | None] = []
    plain: list[tuple[int, str]] = []
    for arg in inputs:
        if isinstance(arg, WaveInput):
            waves.append(arg)
            continue
        s = str(arg)
        if Path(s).suffix.lower() in {".yaml", ".yml"}:
            waves.extend(read_manifest(s))
        elif any(ch in s for ch in "*?[") and not Path(s).exists():
            matches = sorted(glob.glob(s))
            if not matches:
                raise DataError(f"{s}: no file matches this pattern")
            for m in matches:
                plain.append((len(waves), m))
                waves.append(None)
        else:
            plain.append((len(waves), s))
            waves.append(None)
    labels = default_labels([s for _, s in plain])
    for (pos, s), lab in zip(plain, labels, strict=True):
        waves[pos] = WaveInput(s, lab)
    result = [w for w in waves if w is not None]
    if not result:
        raise DataError("no wave files given; pass survey files, glob patterns or a manifest YAML")
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], WaveInput] = {}
    for w in result:
        key = (w.label, w.fields)
        if key in seen:
            raise DataError(
                f"waves {seen[key].path} and {w.path} share the label {w.label}"
                + (f" and fields {dict(w.fields)}" if w.fields else "")
                + "; give them distinct labels (or brand/region fields) in a manifest"
            )
        seen[key] = w
    return result


# ---------------------------------------------------------------------------------------
# Scoring model (saved by csi fit in results.json)
# ---------------------------------------------------------------------------------------






# ---------------------------------------------------------------------------------------
# Jobs
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WaveJob:
    """Everything one worker needs to score one wave file (picklable, no open handles)."""

    position: int
    wave: WaveInput
    spec: ModelSpec
    mode: str
    resamples: int
    seed: int
    level: float
    read: Mapping[str, Any]  # keyword arguments of csi.data.survey.read_survey
    segments: str | None = None
    pls: PLSOptions = field(default_factory=PLSOptions)
    scoring: ScoringModel | None = None
    boot_workers: int | None = None  # threads inside one bootstrap; 1 when jobs run in parallel
    index: str = "acsi"  # index method of refit waves (INDEXERS key)




@dataclass(frozen=True)
class JobResult:
    """What :func:`run_job` returns: the wave's units, or the one error that stopped it."""

    position: int
    wave: WaveInput
    units: tuple[UnitResult, ...] = ()
    error: str | None = None
    warnings: tuple[str, ...] = ()


def unit_seed(seed: int, survey: SurveyData, items: Sequence[str]) -> int:
    """The seed of one unit (a wave, or a segment of it): ``SeedSequence([seed, h])``.

    ``h`` is a blake2b hash of the unit's content — the validated item matrix as fitted (float64,
    model item order, with its shape) and its survey weights — so the seed depends on the data and
    the run seed only: not on the file name, label, manifest fields, job order or worker count.  The
    same data passed as a glob or through a manifest give the same draws and the same p-values.
    """
    h = hashlib.blake2b(digest_size=8)
    X = np.ascontiguousarray(survey.items.loc[:, list(items)].to_numpy(dtype=np.float64))
    h.update(np.asarray(X.shape, dtype=np.int64).tobytes())
    h.update(X.tobytes())
    if survey.weights is not None:
        h.update(b"weights")
        h.update(np.ascontiguousarray(np.asarray(survey.weights, dtype=np.float64)).tobytes())
    return int(np.random.SeedSequence([int(seed), int.from_bytes(h.digest(), "little")]).generate_state(1)[0])


def fixed_weight_draws(
    scores: np.ndarray, weights: np.ndarray | None, resamples: int, rng: np.random.Generator, chunk: int = 250
) -> np.ndarray:
    """Bootstrap indices with fixed weights: ``I*_b = Σ_r c_br v_r s_r / Σ_r c_br v_r``.

    ``scores`` are respondent scores (n × K), ``c_b`` the counts of a with-replacement resample
    of the n respondents, ``v`` survey weights (1 when absent).  Chunked by a fixed size so the
    draws depend only on the generator.
    """
    n, _ = scores.shape
    v = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    sv = scores * v[:, None]
    out = np.empty((resamples, scores.shape[1]))
    for start in range(0, resamples, chunk):
        b = min(chunk, resamples - start)
        rows = rng.integers(0, n, size=(b, n))
        counts = np.bincount((rows + (np.arange(b) * n)[:, None]).ravel(), minlength=b * n).reshape(b, n).astype(float)
        out[start: start + b] = (counts @ sv) / (counts @ v)[:, None]
    return out


def _interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.quantile(draws, [a, 1 - a], axis=0)
        se = draws.std(axis=0, ddof=1)
    return se, lo, hi


def _read(job: WaveJob) -> SurveyData:
    """The wave's survey; an fsspec URL (``s3://``, ``https://``, ``file://``…) is read by the worker itself."""
    if "://" in job.wave.path:
        return _read_url(job)
    return _read_local(job)


def _read_url(job: WaveJob) -> SurveyData:
    import tempfile

    url = job.wave.path
    try:
        import fsspec
    except ImportError:
        raise DataError(f"{url}: reading URLs needs fsspec (pip install 'csi[dask]')") from None
    name = Path(url.split("?", 1)[0].rstrip("/")).name or "survey"
    with tempfile.TemporaryDirectory(prefix="csi-url-") as tmp:
        local = Path(tmp) / name
        try:
            with fsspec.open(url, "rb") as src, open(local, "wb") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    dst.write(chunk)
        except (OSError, ValueError, ImportError) as exc:
            raise DataError(f"{url}: could not be read ({type(exc).__name__}: {exc})") from None
        try:
            return _read_local(replace(job, wave=replace(job.wave, path=str(local))))
        except DataError as exc:
            raise DataError(str(exc).replace(str(local), url)) from None


def _read_local(job: WaveJob) -> SurveyData:
    opts = dict(job.read)
    if job.wave.sheet is not None:
        opts["sheet"] = job.wave.sheet
    groups = (job.segments,) if job.segments else ()
    try:
        return read_survey(job.wave.path, job.spec, groups=groups, **opts)
    except DataError as exc:
        # the survey reader knows the segment column as a group; name the option the user typed
        if job.segments and f"--group {job.segments}:" in str(exc):
            raise DataError(str(exc).replace(f"--group {job.segments}:", f"--segments {job.segments}:")) from None
        raise


def _units(job: WaveJob, survey: SurveyData) -> list[tuple[tuple[str, str] | None, SurveyData]]:
    """The whole wave, then each segment of it (sorted by value; blank segments left out)."""
    out: list[tuple[tuple[str, str] | None, SurveyData]] = [(None, survey)]
    if not job.segments:
        return out
    col = survey.segments[job.segments]
    values = sorted({str(v) for v in col.dropna().tolist()})
    text = col.map(lambda v: None if pd.isna(v) else str(v))
    for value in values:
        mask = (text == value).to_numpy()
        sub = replace(
            survey,
            items=survey.items.loc[mask].reset_index(drop=True),
            weights=None if survey.weights is None else np.asarray(survey.weights)[mask],
            segments=survey.segments.loc[mask].reset_index(drop=True),
            importance=survey.importance.loc[mask].reset_index(drop=True) if survey.importance.shape[1] else survey.importance,
            n_read=int(mask.sum()),
        )
        out.append(((job.segments, value), sub))
    return out


def _score_unit(job: WaveJob, segment: tuple[str, str] | None, survey: SurveyData) -> UnitResult:
    spec = job.spec
    codes = list(spec.codes)
    seed = unit_seed(job.seed, survey, spec.items)
    warns: list[str] = []
    draws: np.ndarray | None = None
    if job.mode == "refit":
        if spec.index is not None and spec.index.importance:
            from csi.derive.index_methods import with_importance

            spec = with_importance(spec, survey)  # this unit's mean importance ratings, as csi fit does
        res = PLS(spec, **asdict(job.pls)).fit(survey.items, weights=survey.weights)
        if not res.converged:
            warns.append(f"PLS did not converge in {job.pls.max_iter} iterations")
        indexer = configure(INDEXERS.get(job.index), spec)
        idx = compute_indices(res, survey.items) if job.index == "acsi" else indexer.fit(res, survey.items, spec.scale_min, spec.scale_max)
        if job.resamples:
            from csi.inference.bootstrap import bootstrap_fit

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # bootstrap warnings are collected below
                boot = bootstrap_fit(res, survey, resamples=job.resamples, seed=seed, ci="percentile", level=job.level,
                                     progress=False, workers=job.boot_workers, indexer=indexer)
            draws = boot.draws("index").loc[:, codes].to_numpy(dtype=float)
            warns += list(getattr(boot, "warnings", ()))
    else:
        sm = job.scoring
        assert sm is not None
        idx = score_items(sm.normalized_weights, survey.items, sm.scale_min, sm.scale_max, survey.weights, spec.codes)
        if job.resamples:
            rng = np.random.default_rng(seed)
            w = None if survey.weights is None else np.asarray(survey.weights, dtype=float)
            draws = fixed_weight_draws(idx.respondent.loc[:, codes].to_numpy(dtype=float), w, job.resamples, rng)
    warns += list(idx.warnings)
    index = idx.index.reindex(codes)
    if draws is not None and draws.shape[0] >= 2:
        se, lo, hi = _interval(draws, job.level)
    else:
        se = lo = hi = np.full(len(codes), np.nan)
    X = survey.items.loc[:, list(spec.items)].to_numpy(dtype=float)
    return UnitResult(
        label=job.wave.label,
        source=job.wave.path,
        position=job.position,
        fields=job.wave.fields,
        segment=segment,
        n=int(X.shape[0]),
        n_read=int(survey.n_read),
        seed=seed,
        index=index.astype(float),
        std_error=pd.Series(se, index=codes, name="std_error"),
        ci_lo=pd.Series(lo, index=codes, name="ci_lo"),
        ci_hi=pd.Series(hi, index=codes, name="ci_hi"),
        draws=draws,
        normalized_weights=idx.normalized_weights,
        item_mean=X.mean(axis=0),
        item_cov=np.atleast_2d(np.cov(X, rowvar=False, ddof=1)),
        resamples=job.resamples,
        resamples_used=0 if draws is None else int(draws.shape[0]),
        sheet=survey.sheet,
        warnings=tuple(warns),
    )


def run_job(job: WaveJob) -> JobResult:
    """Score one wave file (and its segments).  Pure: same job → same result, on any machine.

    A user error (unreadable file, bad data, a model that cannot be estimated) becomes a
    failed :class:`JobResult` naming the wave and file, so one bad wave never stops the rest.
    """
    try:
        survey = _read(job)
    except CsiError as exc:
        return JobResult(job.position, job.wave, error=f"wave {job.wave.name}: {exc}")
    units: list[UnitResult] = []
    notes: list[str] = [f"wave {job.wave.name}: {w}" for w in survey.warnings]
    for segment, sub in _units(job, survey):
        try:
            units.append(_score_unit(job, segment, sub))
        except CsiError as exc:
            if segment is None:
                return JobResult(job.position, job.wave, error=f"wave {job.wave.name} ({job.wave.path}): {exc}")
            notes.append(f"wave {job.wave.name} segment {segment[0]}={segment[1]} (n = {sub.n_used}) not scored: {exc}")
    return JobResult(job.position, job.wave, tuple(units), None, tuple(notes))


def run_jobs(
    jobs: Sequence[WaveJob],
    workers: int = DEFAULT_WORKERS,
    executor: cf.Executor | None = None,
    progress: bool = False,
    on_result: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Map :func:`run_job` over the jobs; results in job order.

    ``executor`` is any ``concurrent.futures.Executor`` (a Dask cluster's
    ``client.get_executor()`` works the same way); without one, a local process pool of
    ``workers`` processes (spawned, so no thread state is forked), or in-process when
    ``workers`` is 1.  BLAS runs single-threaded here and in the pool's processes: a
    multithreaded BLAS sums in an order that depends on its thread count (differences of
    ~1e-14), so this is what makes results bitwise identical for any number of workers.
    Parallel jobs run their bootstrap in one thread each (no oversubscription).

    Worker isolation: a job whose worker process dies (a native crash such as SIGABRT in a file
    reader, the kernel's out-of-memory killer) breaks the whole local pool; the jobs it left
    unfinished are retried, each alone in a fresh one-process pool, so only the job that crashes
    again is reported as failed, by name, and the others complete.  On Dask a dying worker's task
    is retried by the scheduler on other workers (``distributed.scheduler.allowed-failures``);
    when it keeps killing workers (``KilledWorker``) that job alone is reported as failed.
    ``on_result`` is called in this process with each result as it arrives (the programme cache).
    """
    from threadpoolctl import threadpool_limits

    results: dict[int, JobResult] = {}
    bar = _progress_bar(len(jobs)) if progress else None

    def done(r: JobResult) -> None:
        results[r.position] = r
        if on_result is not None:
            on_result(r)
        if bar is not None:
            bar[0].advance(bar[1])

    try:
        with threadpool_limits(limits=1):
            if executor is None and (workers <= 1 or len(jobs) <= 1):
                for job in jobs:
                    done(run_job(job))
            else:
                broken = _run_pooled(jobs, workers, executor, done)
                if broken:
                    with cf.ThreadPoolExecutor(max_workers=max(1, min(workers, len(broken)))) as retry:
                        for r in retry.map(_run_isolated, broken):
                            done(r)
    finally:
        if bar is not None:
            bar[0].stop()
    return [results[j.position] for j in jobs]


def _run_pooled(jobs: Sequence[WaveJob], workers: int, executor: cf.Executor | None,
                done: Callable[[JobResult], None]) -> list[WaveJob]:
    """Run the jobs on ``executor`` (or a local spawned pool); return the jobs a broken pool left undone."""
    own = executor is None
    if executor is None:
        executor = _spawn_pool(min(workers, len(jobs)))
    broken: list[WaveJob] = []
    try:
        futures = {executor.submit(run_job_one_blas, replace(job, boot_workers=1)): job for job in jobs}
        for fut in cf.as_completed(futures):
            job = futures[fut]
            try:
                r = fut.result()
            except cf.process.BrokenProcessPool:
                broken.append(job)  # every job still pending fails with the pool: retried alone below
                continue
            except Exception as exc:
                if type(exc).__name__ != "KilledWorker":  # Dask gave up after retrying on other workers
                    raise
                r = _crashed(job, f"it stopped every Dask worker that ran it ({exc})")
            done(r)
    finally:
        if own:
            executor.shutdown(wait=True, cancel_futures=True)
    return sorted(broken, key=lambda j: j.position)


def _spawn_pool(workers: int) -> cf.ProcessPoolExecutor:
    import multiprocessing

    return cf.ProcessPoolExecutor(max_workers=workers, initializer=_single_thread_blas,
                                  mp_context=multiprocessing.get_context("spawn"))


def _run_isolated(job: WaveJob) -> JobResult:
    """Retry one job alone in a fresh one-process pool: a crash there is this job's own."""
    pool = _spawn_pool(1)
    try:
        return pool.submit(run_job_one_blas, replace(job, boot_workers=1)).result()
    except cf.process.BrokenProcessPool:
        return _crashed(job, "its worker process stopped abruptly, and again when retried alone")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _crashed(job: WaveJob, what: str) -> JobResult:
    return JobResult(job.position, job.wave, error=(
        f"wave {job.wave.name} ({job.wave.path}): not scored: {what} (a crash in a native library reading or "
        "fitting it, or out of memory); the other waves were scored. When csi.score_waves is called from a "
        "script, put the call under `if __name__ == '__main__':` (workers are spawned and re-import the script)"))


def run_job_one_blas(job: WaveJob) -> JobResult:
    """:func:`run_job` with one BLAS thread (in any worker: pool process, Dask worker or thread)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return run_job(job)


def _single_thread_blas() -> None:
    """Pool initializer: single-threaded BLAS for the worker's lifetime (see :func:`run_jobs`)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)


def _progress_bar(total: int) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    p = Progress(TextColumn("scoring waves"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                 console=Console(stderr=True), transient=True)
    p.start()
    return p, p.add_task("waves", total=total)


# ---------------------------------------------------------------------------------------
# Changes and weight drift
# ---------------------------------------------------------------------------------------
def change_p_value(delta_draws: np.ndarray) -> float:
    """Two-sided bootstrap p-value of a change: ``min(1, 2·min(1+#{Δ*≤0}, 1+#{Δ*≥0})/(B+1))``."""
    d = delta_draws[np.isfinite(delta_draws)]
    if d.size == 0:
        return float("nan")
    below = 1 + int(np.sum(d <= 0))
    above = 1 + int(np.sum(d >= 0))
    return float(min(1.0, 2 * min(below, above) / (d.size + 1)))




def compute_changes(units: Sequence[UnitResult], codes: Sequence[str], level: float) -> pd.DataFrame:
    """Changes between consecutive waves and against the first wave of every series."""
    alpha = 1 - level
    a = alpha / 2
    rows = []
    for series, us in _series_groups(units).items():
        pairs: dict[tuple[int, int], dict[str, bool]] = {}
        for j in range(1, len(us)):
            pairs.setdefault((j - 1, j), {"consecutive": False, "vs_first": False})["consecutive"] = True
            pairs.setdefault((0, j), {"consecutive": False, "vs_first": False})["vs_first"] = True
        for (i, j), kind in sorted(pairs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            ua, ub = us[i], us[j]
            for k, code in enumerate(codes):
                delta = float(ub.index[code] - ua.index[code])
                lo = hi = se = p = float("nan")
                used = 0
                if ua.draws is not None and ub.draws is not None:
                    m = min(ua.draws.shape[0], ub.draws.shape[0])
                    d = ub.draws[:m, k] - ua.draws[:m, k]
                    d = d[np.isfinite(d)]
                    used = int(d.size)
                    if used >= 2:
                        lo, hi = (float(x) for x in np.quantile(d, [a, 1 - a]))
                        se = float(d.std(ddof=1))
                        p = change_p_value(d)
                rows.append({
                    "series": series,
                    "construct": code,
                    "from": ua.label,
                    "to": ub.label,
                    "consecutive": kind["consecutive"],
                    "vs_first": kind["vs_first"],
                    "delta": delta,
                    "ci_lo": lo,
                    "ci_hi": hi,
                    "std_error": se,
                    "p_value": p,
                    "significant": bool(np.isfinite(p) and p < alpha),
                    "resamples": used,
                })
    cols = ["series", "construct", "from", "to", "consecutive", "vs_first", "delta", "ci_lo", "ci_hi",
            "std_error", "p_value", "significant", "resamples"]
    return pd.DataFrame(rows, columns=cols)


def pooled_cov(n_a: int, mean_a: np.ndarray, cov_a: np.ndarray, n_b: int, mean_b: np.ndarray, cov_b: np.ndarray) -> np.ndarray:
    """Covariance (n − 1) of two samples pooled, from their sizes, means and covariances."""
    n = n_a + n_b
    m = (n_a * mean_a + n_b * mean_b) / n
    da, db = mean_a - m, mean_b - m
    ss = (n_a - 1) * cov_a + (n_b - 1) * cov_b + n_a * np.outer(da, da) + n_b * np.outer(db, db)
    return ss / (n - 1)


def weight_drift(first: UnitResult, other: UnitResult, spec: ModelSpec) -> pd.DataFrame:
    """Per construct: the largest change of normalized weights and the compositional c."""
    S = pooled_cov(first.n, first.item_mean, first.item_cov, other.n, other.item_mean, other.item_cov)
    pos = {item: i for i, item in enumerate(spec.items)}
    rows = []
    for c in spec.constructs:
        wa = first.normalized_weights.loc[c.code].reindex(list(c.items)).to_numpy(dtype=float)
        wb = other.normalized_weights.loc[c.code].reindex(list(c.items)).to_numpy(dtype=float)
        diff = np.abs(wb - wa)
        # the first item among those within rounding of the largest change: in a two-item block the
        # two changes are equal (the weights sum to 1), and the last bits must not pick the item
        k = int(np.flatnonzero(diff >= diff.max() - 1e-12 * max(1.0, float(diff.max())))[0]) if np.isfinite(diff).all() else int(np.argmax(diff))
        b = [pos[i] for i in c.items]
        Sb = S[np.ix_(b, b)]
        with np.errstate(invalid="ignore", divide="ignore"):
            cval = float(wa @ Sb @ wb / np.sqrt((wa @ Sb @ wa) * (wb @ Sb @ wb)))
        rows.append({"construct": c.code, "max_weight_change": float(diff[k]), "item": c.items[k], "compositional_c": cval})
    return pd.DataFrame(rows)


def compute_drift(units: Sequence[UnitResult], spec: ModelSpec) -> pd.DataFrame:
    """Weight drift of every wave against the first wave of its series (refit mode)."""
    frames = []
    for series, us in _series_groups(units).items():
        for u in us[1:]:
            d = weight_drift(us[0], u, spec)
            d.insert(0, "wave", u.label)
            d.insert(0, "baseline", us[0].label)
            d.insert(0, "series", [series] * len(d))
            frames.append(d)
    cols = ["series", "baseline", "wave", "construct", "max_weight_change", "item", "compositional_c"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------




# ---------------------------------------------------------------------------------------
# The public entry point
# ---------------------------------------------------------------------------------------
def score_waves(
    inputs: Sequence[str | Path | WaveInput],
    model: str | Path | ModelSpec | None = None,
    options: ScoreOptions | None = None,
    *,
    weights_from: str | Path | ScoringModel | None = None,
    executor: cf.Executor | None = None,
    **kwargs: Any,
) -> ScoreResults:
    """Score survey waves and test their changes (see the module docstring for the formulas).

    ``inputs``: files, glob patterns or manifest YAMLs.  ``model`` (refit; default ``ecsi``).
    ``weights_from``: a results.json from ``csi fit`` (or a loaded :class:`ScoringModel`)
    switches to fixed-weight scoring.  Settings come as a :class:`~csi.options.ScoreOptions` or
    as its keywords: ``resamples`` per wave (0: no intervals or p-values), ``seed``, ``level``,
    ``segments`` (a column whose values are scored as separate series), ``workers`` (local
    processes), ``progress``; the PLS keywords ``scheme``, ``standardize``, ``tol``, ``max_iter``,
    ``criterion``; the survey keywords ``sheet``, ``column_map``, ``missing``, ``missing_codes``,
    ``reverse``, ``scale``, ``weights``, ``encoding``, ``header_row``.  ``executor`` (any ``concurrent.futures.Executor``) runs
    the jobs elsewhere.  Waves that fail are listed in ``failed``; if every wave fails a
    :class:`DataError` is raised.
    """
    if options is None:
        opts = ScoreOptions.from_kwargs(**kwargs)
    elif kwargs:
        raise CsiError(f"give csi.score_waves an options object or keywords, not both; got options and {', '.join(sorted(kwargs))}")
    else:
        opts = options
    waves = resolve_waves(inputs)
    scoring = None if weights_from is None else (
        weights_from if isinstance(weights_from, ScoringModel) else load_scoring_model(weights_from))
    spec, survey_opts = _fixed_model(scoring, model, opts.survey) if scoring is not None else _refit_model(model, opts.survey)
    mode = "refit" if scoring is None else "fixed"
    INDEXERS.check(opts.index)
    if opts.index != "acsi" and mode == "fixed":
        raise CsiError(f"--index {opts.index} applies to refit waves; with --weights-from the scoring model's weights are used")
    jobs = [WaveJob(position=i, wave=w, spec=spec, mode=mode, resamples=opts.resamples, seed=opts.seed, level=opts.level,
                    read=_read_kwargs(survey_opts), segments=opts.segments, pls=opts.pls, scoring=scoring, index=opts.index)
            for i, w in enumerate(waves)]
    results = run_jobs(jobs, workers=opts.workers, executor=executor, progress=opts.progress)
    units = tuple(u for r in results for u in r.units)
    failed = tuple(FailedWave(r.wave.label, r.wave.path, r.error) for r in results if r.error is not None)
    if not units:
        raise DataError("no wave could be scored: " + "; ".join(f.error for f in failed))
    warns = [w for r in results for w in r.warnings] + [f"wave {u.name}: {w}" for u in units for w in u.warnings]
    changes = compute_changes(units, spec.codes, opts.level)
    drift = compute_drift(units if mode == "refit" else [], spec)
    settings = _score_settings(mode, spec, scoring, opts, survey_opts, len(waves), len(failed), executor)
    return ScoreResults(spec, mode, settings, units, changes, drift, failed, tuple(warns))


def _refit_model(model: str | Path | ModelSpec | None, survey: SurveyOptions) -> tuple[ModelSpec, SurveyOptions]:
    spec = load_model("ecsi" if model is None else model)
    if spec.transforms:  # higher-order constructs and interactions: csi fit only (docs/models.md)
        raise SpecError(f"model {spec.name}: csi score does not handle higher_order or interactions yet "
                        f"({', '.join(t.code for t in spec.transforms)}); fit each wave with csi fit")
    if survey.scale is not None:
        # --scale overrides the model's scale everywhere downstream, as in csi fit
        spec = replace(spec, scale_min=float(survey.scale[0]), scale_max=float(survey.scale[1]))
    return spec, survey


def _fixed_model(scoring: ScoringModel, model: str | Path | ModelSpec | None, survey: SurveyOptions) -> tuple[ModelSpec, SurveyOptions]:
    """The scoring model's spec, checked against ``--model`` and ``--scale``; its item coding reused."""
    spec = scoring.spec
    if spec.index is not None and spec.index.importance:  # fixed weights: the waves need no importance columns
        spec = replace(spec, index=replace(spec.index, importance=(), importance_weights=()))
    if model is not None:
        given = load_model(model)
        if given.items != spec.items or given.codes != spec.codes:
            raise SpecError(
                f"--model {given.name} does not match the scoring model in {scoring.source} "
                f"(constructs {', '.join(spec.codes)}); leave --model out when scoring with --weights-from"
            )
    scale = survey.scale
    if scale is not None and (float(scale[0]), float(scale[1])) != (scoring.scale_min, scoring.scale_max):
        raise CsiError(
            f"--scale {scale[0]:g}-{scale[1]:g} differs from the {scoring.scale_min:g}-{scoring.scale_max:g} scale of the "
            f"scoring model in {scoring.source}; fixed weights are only comparable on the calibration's scale"
        )
    # the calibration's item coding defines what the weights mean: reuse it unless overridden
    if survey.missing_codes is None and scoring.survey.get("missing_codes"):
        survey = replace(survey, missing_codes=tuple(float(v) for v in scoring.survey["missing_codes"]))
    if not survey.reverse and scoring.survey.get("reversed_items"):
        survey = replace(survey, reverse=tuple(str(v) for v in scoring.survey["reversed_items"]))
    return spec, survey


def _read_kwargs(survey: SurveyOptions) -> dict[str, Any]:
    """The reader keywords a job passes on (picklable; empty options left out, as csi fit does)."""
    read: dict[str, Any] = {"sheet": survey.sheet, "column_map": dict(survey.column_map) if survey.column_map else None,
                            "missing": survey.missing}
    extra = {"missing_codes": survey.missing_codes, "reverse": survey.reverse, "scale": survey.scale, "weights": survey.weights,
             "encoding": survey.encoding, "header_row": survey.header_row}
    read.update({k: v for k, v in extra.items() if v not in (None, ())})
    return read


def _score_settings(mode: str, spec: ModelSpec, scoring: ScoringModel | None, opts: ScoreOptions, survey: SurveyOptions,
                    n_waves: int, n_failed: int, executor: cf.Executor | None) -> dict[str, Any]:
    """Every knob of the run, as scores.json records it."""
    from csi._version import versions

    settings: dict[str, Any] = {
        "mode": mode,
        "mode_description": MODES[mode],
        "model": spec.name,
        "resamples": opts.resamples,
        "seed": opts.seed,
        "seed_rule": SEED_RULE,
        "level": opts.level,
        "interval": INTERVAL_RULE,
        "change": CHANGE_RULE,
        "p_value": P_VALUE_RULE,
        "segments": opts.segments,
        "scale": {"min": scoring.scale_min if scoring else spec.scale_min, "max": scoring.scale_max if scoring else spec.scale_max},
        "missing": survey.missing,
        "missing_codes": None if survey.missing_codes is None else list(survey.missing_codes),
        "reverse": list(survey.reverse),
        "weights": survey.weights,
        "encoding": survey.encoding,
        "header_row": survey.header_row,
        "workers": opts.workers if executor is None else type(executor).__name__,
        "waves": n_waves,
        "waves_failed": n_failed,
        "versions": versions(),
    }
    if mode == "refit":
        settings.update({"scheme": opts.pls.scheme, "standardized": opts.pls.standardize, "tolerance": opts.pls.tol,
                         "max_iterations": opts.pls.max_iter})
        if opts.index != "acsi":  # recorded only when not the default, so earlier scores.json files stay as they were
            settings["index_method"] = opts.index
        if spec.index is not None and spec.index.importance:
            from csi.derive.index_methods import IMPORTANCE_RULE

            settings["index_importance"] = {"columns": dict(spec.index.importance),
                                            "rule": IMPORTANCE_RULE.replace("the full sample", "each wave (and segment)")}
        if opts.pls.criterion != "abs":  # waves ignored --criterion before the options objects
            settings["convergence_criterion"] = opts.pls.criterion
    else:
        assert scoring is not None
        settings["scoring_model"] = {"source": scoring.source, "version": scoring.version,
                                     "csi_version": scoring.csi_version, "calibration_n": scoring.n_obs}
    return settings


__all__ = [
    "MODES",
    "FailedWave",
    "JobResult",
    "ScoreResults",
    "ScoringModel",
    "UnitResult",
    "WaveInput",
    "WaveJob",
    "compute_changes",
    "default_labels",
    "fixed_weight_draws",
    "load_scoring_model",
    "read_manifest",
    "resolve_waves",
    "run_job",
    "run_jobs",
    "score_waves",
]
