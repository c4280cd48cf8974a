"""A national index programme: company → industry → sector → national roll-ups (``csi aggregate``).

``aggregate(manifest)`` scores every unit (one company's survey in one wave) exactly as
``csi score`` scores a wave (refit, or fixed weights with ``weights_from``; same jobs, same
content-derived seeds, so a company's index and draws equal ``csi score``'s bit for bit), then rolls
the units up the hierarchy declared in the manifest.

Aggregates.  For a level's group ``G`` (an industry, a sector, the nation) in wave ``t`` let ``P``
be its members that were scored (units that failed or have fewer than ``min_respondents``
respondents are excluded and reported).  With manifest weights ``w_c`` (revenue, market share)
renormalized over ``P``, ``w̃_c = w_c / Σ_{d∈P} w_d``, the group's index of every construct is

    ``A_G,t = Σ_{c∈P} w̃_c I_c,t``

and its coverage is ``Σ_{c∈P} w_c / Σ_{c∈L} w_c`` over the members ``L`` listed for that wave.
Members are independent samples resampled independently (each with its own seed stream), so
the draws ``(I*_c,b)_c`` taken by position ``b`` are draws of the joint bootstrap distribution, and
the aggregate's draw is the weighted sum ``A*_b = Σ w̃_c I*_c,b`` (a member with fewer usable
resamples truncates the group to its count).  Interval: percentile of ``A*`` (numpy linear
quantiles); SE: ``sd(A*)``.

Changes.  For every compared pair of waves (consecutive by default) and every level and group
present in both: ``Δ = A_to − A_from`` with draws ``A*_to,b − A*_from,b`` (the waves are independent
samples), percentile interval and the two-sided p-value of ``csi score``
(:func:`csi.workflows.waves.change_p_value`).

Cache (resumable, incremental).  Every scored unit is stored in ``cache_dir`` as one ``.npz``
under a blake2b key of the survey file's bytes and every setting that changes its numbers
(model, mode and scoring model, resamples, seed, level, reader and PLS options, csi version).  It
is written as soon as the unit finishes, so an interrupted run resumes where it stopped and a
re-run after adding a company or a wave computes only the new units (``computed`` and ``hits``
are reported).  The draws are stored as float64: a cached unit must give the same aggregates
bit for bit as a recomputed one (float32 would halve the ~8·B·K bytes a unit takes but change
the intervals in the 7th digit).

Distribution.  Units are tasks on any ``concurrent.futures`` executor: csi's local process pool,
or Dask (``scheduler``: ``processes``/``threads`` start a LocalCluster, ``tcp://HOST:PORT``
connects to a cluster; :func:`csi.inference.runners.scheduler_executor`).  Inside a unit the
bootstrap draws resample ``b`` from the stream ``SeedSequence(unit_seed, spawn_key=(b // 250,))``
(blocks of 250, :mod:`csi.stats.resample`) and the unit seed comes from its content, so results
are bit-identical on any scheduler and worker count.  Survey files may be fsspec URLs
(``s3://``, ``gs://``, ``https://``, ``file://``): each worker reads its own unit.

Validated in ``tests/workflows/test_programme.py`` on a recorded generator (60 companies, 12
industries, 3 sectors, 2 waves, a planted rise in one industry): aggregates equal hand-weighted
means of the unit indices (and their draws) to 1e-12, the planted rise is significant and a null
industry's change is not; ``tests/workflows/test_programme_dask.py`` (LocalCluster vs local
pool, bit-identical) and ``test_programme_resume.py`` (a run killed halfway, then resumed).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csi.errors import CsiError, DataError, Issue
from csi.model.spec import ModelSpec, load_model
from csi.options import (
    DEFAULT_SEED,
    DEFAULT_WAVE_RESAMPLES,
    DEFAULT_WORKERS,
    PLSOptions,
    SurveyOptions,
    check_level,
)
from csi.results.contract import ScoringModel, load_scoring_model
from csi.results.programme import LEVELS, NATIONAL, ProgrammeResults, ProgrammeUnit, UnitOutcome
from csi.results.scores import UnitResult
from csi.workflows.waves import (
    INTERVAL_RULE,
    P_VALUE_RULE,
    JobResult,
    WaveInput,
    WaveJob,
    _read_kwargs,
    change_p_value,
    run_jobs,
)

CACHE_FORMAT = 1
AGGREGATE_RULE = ("index(group, wave) = sum of w_c * index_c over the scored members, w_c the manifest weights "
                  "renormalized over them; its bootstrap draws are the same weighted sums of the members' draws "
                  "(independent samples, paired by resample number)")
COVERAGE_RULE = "coverage = weight of the scored members / weight of the members listed for that wave"
CACHE_RULE = ("one .npz per unit (float64 draws, so cached and recomputed units agree bit for bit), keyed by a "
              "blake2b hash of the survey file's bytes and every setting that changes its numbers")
_TOP_KEYS = {"name", "model", "weights_from", "construct", "resamples", "seed", "level", "min_respondents",
             "waves", "compare", "sectors", "companies", "units", "survey", "scheme"}
_SURVEY_KEYS = {"sheet", "missing", "missing_codes", "reverse", "scale", "weights"}


# ---------------------------------------------------------------------------------------
# The manifest
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Programme:
    """A validated programme manifest."""

    source: str
    name: str
    spec: ModelSpec
    scoring: ScoringModel | None
    construct: str
    units: tuple[ProgrammeUnit, ...]
    waves: tuple[str, ...]
    compare: tuple[tuple[str, str], ...]
    sectors: Mapping[str, tuple[str, ...]]
    resamples: int
    seed: int
    level: float
    min_respondents: int
    survey: SurveyOptions
    pls: PLSOptions


def _load_yaml(p: Path) -> dict[str, Any]:
    from csi.data.yamlfile import read_yaml_file

    where = f"manifest {p}"
    data = read_yaml_file(p, where)  # regular file, bounded, no aliases or duplicate keys
    if not isinstance(data, dict):
        raise DataError(f"{where}: expected a mapping with sectors, companies and units; found {type(data).__name__}")
    unknown = sorted(str(k) for k in data if k not in _TOP_KEYS)
    if unknown:
        raise DataError(f"{where}: unknown key {unknown[0]!r}; expected some of {', '.join(sorted(_TOP_KEYS))}")
    for key in ("sectors", "companies", "units"):
        if key not in data:
            raise DataError(f"{where}: missing '{key}' (see docs/programme.md for a worked example)")
    return data


def _sectors(data: Mapping[str, Any], where: str, problems: list[str]) -> dict[str, tuple[str, ...]]:
    sectors: dict[str, tuple[str, ...]] = {}
    raw = data["sectors"]
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: 'sectors' should map each sector to its industries, e.g. Finance: [Banks, Insurance]")
        return sectors
    seen: dict[str, str] = {}
    for sector, inds in raw.items():
        if not isinstance(inds, list) or not inds or not all(isinstance(i, (str, int)) for i in inds):
            problems.append(f"{where}: sector {sector!r} should list its industries, e.g. [Banks, Insurance]; found {inds!r}")
            continue
        for ind in map(str, inds):
            if ind in seen:
                problems.append(f"{where}: industry {ind!r} is listed under sectors {seen[ind]!r} and {sector!r}")
            seen[ind] = str(sector)
        sectors[str(sector)] = tuple(map(str, inds))
    return sectors


def _weight(value: Any, what: str, problems: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
        problems.append(f"{what}: weight should be a positive number (revenue, market share); got {value!r}")
        return None
    return float(value)


def _companies(data: Mapping[str, Any], industries: Mapping[str, str], where: str,
               problems: list[str]) -> dict[str, tuple[str, float | None]]:
    out: dict[str, tuple[str, float | None]] = {}
    raw = data["companies"]
    if not isinstance(raw, dict) or not raw:
        problems.append(f"{where}: 'companies' should map each company to its industry and weight, e.g. Acme: {{industry: Banks, weight: 120}}")
        return out
    for comp, entry in raw.items():
        what = f"{where}: company {comp!r}"
        if not isinstance(entry, dict) or "industry" not in entry:
            problems.append(f"{what} should be a mapping with an 'industry' (and a 'weight'); found {entry!r}")
            continue
        extra = sorted(str(k) for k in entry if k not in ("industry", "weight"))
        if extra:
            problems.append(f"{what}: unknown key {extra[0]!r}; expected industry and weight")
        ind = str(entry["industry"])
        if ind not in industries:
            problems.append(f"{what}: unknown industry {ind!r}; the sectors list {', '.join(sorted(industries)) or 'none'}")
        out[str(comp)] = (ind, _weight(entry.get("weight"), what, problems))
    return out


def _units(data: Mapping[str, Any], companies: Mapping[str, tuple[str, float | None]], industries: Mapping[str, str],
           base: Path, where: str, problems: list[str]) -> list[ProgrammeUnit]:
    raw = data["units"]
    if not isinstance(raw, list) or not raw:
        problems.append(f"{where}: 'units' should list company × wave surveys, e.g. - {{company: Acme, wave: '2026', file: acme_2026.csv}}")
        return []
    units: list[ProgrammeUnit] = []
    seen: set[tuple[str, str]] = set()
    for k, entry in enumerate(raw, start=1):
        what = f"{where}: unit {k}"
        if not isinstance(entry, dict) or not all(key in entry for key in ("company", "wave", "file")):
            problems.append(f"{what} should be a mapping with company, wave and file; found {entry!r}")
            continue
        extra = sorted(str(x) for x in entry if x not in ("company", "wave", "file", "weight", "sheet"))
        if extra:
            problems.append(f"{what}: unknown key {extra[0]!r}; expected company, wave, file, weight, sheet")
        comp, wave = str(entry["company"]), str(entry["wave"])
        what = f"{what} ({comp} × {wave})"
        if comp not in companies:
            problems.append(f"{what}: unknown company {comp!r}; add it under 'companies' with its industry and weight")
            continue
        if (comp, wave) in seen:
            problems.append(f"{what}: {comp} already has a unit in wave {wave}")
        seen.add((comp, wave))
        ind, cw = companies[comp]
        w = _weight(entry.get("weight"), what, problems) if entry.get("weight") is not None else cw
        if w is None and entry.get("weight") is None:
            problems.append(f"{what}: missing weight; give the company a weight (or the unit one)")
        units.append(ProgrammeUnit(comp, ind, industries.get(ind, ""), wave, _resolve(str(entry["file"]), base),
                                   w if w is not None else float("nan"), None if entry.get("sheet") is None else str(entry["sheet"])))
    return units


def _resolve(file: str, base: Path) -> str:
    if "://" in file or Path(file).is_absolute():
        return file
    return str(base / file)


def _waves_and_pairs(data: Mapping[str, Any], units: Sequence[ProgrammeUnit], where: str,
                     problems: list[str]) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    found = list(dict.fromkeys(u.wave for u in units))
    waves = [str(w) for w in data["waves"]] if isinstance(data.get("waves"), list) else found
    for w in found:
        if w not in waves:
            problems.append(f"{where}: units use wave {w!r}, which 'waves' does not list ({', '.join(waves)})")
    comp = data.get("compare", "consecutive")
    if comp == "consecutive":
        return tuple(waves), tuple(zip(waves[:-1], waves[1:], strict=True))
    pairs: list[tuple[str, str]] = []
    if not isinstance(comp, list):
        problems.append(f"{where}: 'compare' should be 'consecutive' or a list of [from, to] wave pairs; found {comp!r}")
        return tuple(waves), ()
    for pair in comp:
        if not isinstance(pair, list) or len(pair) != 2 or any(str(x) not in waves for x in pair):
            problems.append(f"{where}: compare entry {pair!r} should be [from, to] with waves from {', '.join(waves)}")
            continue
        pairs.append((str(pair[0]), str(pair[1])))
    return tuple(waves), tuple(pairs)


def read_programme(path: str | Path) -> Programme:
    """Read and validate a programme manifest (see docs/programme.md); every problem named at once."""
    p = Path(path)
    where = f"manifest {p}"
    data = _load_yaml(p)
    problems: list[str] = []
    sectors = _sectors(data, where, problems)
    industries = {ind: s for s, inds in sectors.items() for ind in inds}
    companies = _companies(data, industries, where, problems)
    units = _units(data, companies, industries, p.parent, where, problems)
    waves, pairs = _waves_and_pairs(data, units, where, problems)
    if problems:
        raise DataError("\n".join(problems))
    try:
        settings = _settings(data, p)
    except CsiError as exc:
        raise type(exc)(f"{where}: {exc}") from None
    return Programme(source=str(p), name=str(data.get("name") or p.stem), units=tuple(units), waves=waves,
                     compare=pairs, sectors=sectors, **settings)


def _settings(data: Mapping[str, Any], p: Path) -> dict[str, Any]:
    scoring = None
    if data.get("weights_from") is not None:
        scoring = load_scoring_model(_resolve(str(data["weights_from"]), p.parent))
        spec = scoring.spec
    else:
        model = str(data.get("model", "ecsi"))
        spec = load_model(_resolve(model, p.parent) if model.endswith((".yaml", ".yml")) else model)
    construct = str(data.get("construct") or dict(spec.roles).get("satisfaction") or spec.codes[-1])
    if construct not in spec.codes:
        raise CsiError(f"construct {construct!r} is not in model {spec.name} ({', '.join(spec.codes)})")
    survey_raw = data.get("survey") or {}
    if not isinstance(survey_raw, dict) or any(k not in _SURVEY_KEYS for k in survey_raw):
        raise CsiError(f"'survey' should be a mapping of reader options ({', '.join(sorted(_SURVEY_KEYS))}); found {survey_raw!r}")
    survey_kw: dict[str, Any] = {str(k): tuple(v) if isinstance(v, list) else v for k, v in survey_raw.items()}
    survey = SurveyOptions(**survey_kw)
    resamples = data.get("resamples", DEFAULT_WAVE_RESAMPLES)
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 0 or resamples == 1:
        raise CsiError(f"resamples should be 0 or at least 2; got {resamples!r}")
    minimum = data.get("min_respondents", 30)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
        raise CsiError(f"min_respondents should be a positive whole number; got {minimum!r}")
    return {"spec": spec, "scoring": scoring, "construct": construct, "resamples": resamples,
            "seed": int(data.get("seed", DEFAULT_SEED)), "level": check_level(data.get("level", 0.95)),
            "min_respondents": minimum, "survey": survey,
            "pls": PLSOptions(scheme=str(data.get("scheme", "path")))}


# ---------------------------------------------------------------------------------------
# Cache of unit results
# ---------------------------------------------------------------------------------------
def _is_url(path: str) -> bool:
    return "://" in path


def content_hash(path: str) -> str | None:
    """blake2b of a survey file's bytes (local path or fsspec URL); None when it cannot be read."""
    h = hashlib.blake2b(digest_size=16)
    try:
        if _is_url(path):
            import fsspec

            with fsspec.open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        else:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
    except (OSError, ValueError, ImportError):
        return None
    return h.hexdigest()


def unit_key(job: WaveJob, file_hash: str) -> str:
    """The cache key of a unit: its file's content hash and every setting that changes its numbers."""
    from csi._version import __version__

    scoring = None
    if job.scoring is not None:
        sm = job.scoring
        scoring = [list(map(list, sm.normalized_weights.index)), sm.normalized_weights.to_numpy().tolist(), sm.scale_min, sm.scale_max]
    settings = {"format": CACHE_FORMAT, "csi": __version__, "file": file_hash, "spec": job.spec.to_yaml(), "mode": job.mode,
                "resamples": job.resamples, "seed": job.seed, "level": job.level, "sheet": job.wave.sheet,
                "read": {k: v for k, v in sorted(job.read.items())}, "pls": asdict(job.pls), "scoring": scoring}
    text = json.dumps(settings, sort_keys=True, default=lambda v: list(v) if isinstance(v, tuple) else str(v))
    return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()


class UnitCache:
    """Unit results in a folder, one ``<key>.npz`` each, written atomically as units finish."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def load(self, key: str, job: WaveJob) -> JobResult | None:
        p = self.path(key)
        if not p.exists():
            return None
        try:
            with np.load(p, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                arrays = {k: z[k] for k in z.files if k != "meta"}
        except (OSError, ValueError, KeyError):
            return None  # a damaged entry is recomputed
        return _unit_from_cache(job, meta, arrays)

    def store(self, key: str, r: JobResult) -> None:
        from csi._io import atomic_write

        if r.error is not None or len(r.units) != 1:
            return
        u = r.units[0]
        meta = {"n": u.n, "n_read": u.n_read, "seed": u.seed, "resamples": u.resamples, "resamples_used": u.resamples_used,
                "sheet": u.sheet, "warnings": list(u.warnings), "job_warnings": list(r.warnings), "draws": u.draws is not None,
                "codes": list(u.index.index), "nw_index": [list(map(str, i)) for i in u.normalized_weights.index],
                "nw_names": list(u.normalized_weights.index.names), "nw_name": u.normalized_weights.name}
        arrays: dict[str, Any] = {"meta": np.array(json.dumps(meta)), "index": u.index.to_numpy(float), "std_error": u.std_error.to_numpy(float), "ci_lo": u.ci_lo.to_numpy(float),
                  "ci_hi": u.ci_hi.to_numpy(float), "nw": u.normalized_weights.to_numpy(float),
                  "draws": u.draws if u.draws is not None else np.empty((0, len(u.index))),
                  "item_mean": u.item_mean, "item_cov": u.item_cov}

        def _w(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)

        atomic_write(self.path(key), _w)


def _unit_from_cache(job: WaveJob, meta: Mapping[str, Any], a: Mapping[str, np.ndarray]) -> JobResult:
    codes = list(meta["codes"])
    nw_index = pd.MultiIndex.from_tuples([tuple(i) for i in meta["nw_index"]], names=meta["nw_names"])
    unit = UnitResult(
        label=job.wave.label, source=job.wave.path, position=job.position, fields=job.wave.fields, segment=None,
        n=int(meta["n"]), n_read=int(meta["n_read"]), seed=int(meta["seed"]),
        index=pd.Series(a["index"], index=codes, name="index"),
        std_error=pd.Series(a["std_error"], index=codes, name="std_error"),
        ci_lo=pd.Series(a["ci_lo"], index=codes, name="ci_lo"), ci_hi=pd.Series(a["ci_hi"], index=codes, name="ci_hi"),
        draws=a["draws"] if meta["draws"] else None,
        normalized_weights=pd.Series(a["nw"], index=nw_index, name=meta["nw_name"]),
        item_mean=a["item_mean"], item_cov=a["item_cov"], resamples=int(meta["resamples"]),
        resamples_used=int(meta["resamples_used"]), sheet=meta["sheet"], warnings=tuple(meta["warnings"]))
    return JobResult(job.position, job.wave, (unit,), None, tuple(meta["job_warnings"]))


# ---------------------------------------------------------------------------------------
# Scoring the units
# ---------------------------------------------------------------------------------------
def programme_jobs(prog: Programme) -> list[WaveJob]:
    """One :class:`WaveJob` per unit, as ``csi score`` builds them (a company is a series)."""
    mode = "refit" if prog.scoring is None else "fixed"
    read = _read_kwargs(prog.survey)
    return [WaveJob(position=i, wave=WaveInput(u.path, u.wave, (("company", u.company),), u.sheet), spec=prog.spec, mode=mode,
                    resamples=prog.resamples, seed=prog.seed, level=prog.level, read=read, pls=prog.pls, scoring=prog.scoring)
            for i, u in enumerate(prog.units)]


def score_units(jobs: Sequence[WaveJob], cache: UnitCache | None, workers: int, executor: cf.Executor | None,
                progress: bool = False) -> tuple[list[JobResult], list[bool]]:
    """Every unit from the cache when it is there, else computed (and cached as it finishes)."""
    keys: dict[int, str] = {}
    found: dict[int, JobResult] = {}
    if cache is not None:
        for job in jobs:
            h = content_hash(job.wave.path)
            if h is None:
                continue  # unreadable: the job fails with the reader's own message
            keys[job.position] = unit_key(job, h)
            hit = cache.load(keys[job.position], job)
            if hit is not None:
                found[job.position] = hit
    todo = [j for j in jobs if j.position not in found]

    def _store(r: JobResult) -> None:
        if cache is not None and r.position in keys:
            cache.store(keys[r.position], r)

    done = {r.position: r for r in run_jobs(todo, workers=workers, executor=executor, progress=progress, on_result=_store)} if todo else {}
    return [found.get(j.position) or done[j.position] for j in jobs], [j.position in found for j in jobs]


def _outcomes(prog: Programme, results: Sequence[JobResult], cached: Sequence[bool]) -> tuple[list[UnitOutcome], list[Issue]]:
    outcomes: list[UnitOutcome] = []
    issues: list[Issue] = []
    for u, r, hit in zip(prog.units, results, cached, strict=True):
        name = f"unit {u.company} × {u.wave}"
        if r.error is not None or not r.units:
            issues.append(Issue.of("data", f"{name} not scored: {r.error}"))
            outcomes.append(UnitOutcome(u, "failed", None, r.error, hit))
            continue
        res = r.units[0]
        issues.extend(Issue.of("data", f"{name}: {w}") for w in (*r.warnings, *res.warnings))
        if res.n < prog.min_respondents:
            why = f"{res.n} respondents, fewer than min_respondents = {prog.min_respondents}"
            issues.append(Issue.of("data", f"{name} excluded from the aggregates: {why}"))
            outcomes.append(UnitOutcome(u, "excluded", res, why, hit))
        else:
            outcomes.append(UnitOutcome(u, "scored", res, None, hit))
    return outcomes, issues


# ---------------------------------------------------------------------------------------
# Roll-ups and changes
# ---------------------------------------------------------------------------------------
def _groups(prog: Programme) -> list[tuple[str, str, str, Callable[[ProgrammeUnit], bool]]]:
    """(level, name, parent, membership) for every company, industry, sector and the nation."""
    out: list[tuple[str, str, str, Callable[[ProgrammeUnit], bool]]] = []
    companies = dict.fromkeys((u.company, u.industry) for u in prog.units)
    for comp, ind in companies:
        out.append(("company", comp, ind, _member("company", comp)))
    for sector, inds in prog.sectors.items():
        for ind in inds:
            out.append(("industry", ind, sector, _member("industry", ind)))
    for sector in prog.sectors:
        out.append(("sector", sector, NATIONAL, _member("sector", sector)))
    out.append(("national", NATIONAL, "", _member(None, None)))
    return out


def _member(attr: str | None, value: str | None) -> Callable[[ProgrammeUnit], bool]:
    """Membership of a unit in a group (every unit when ``attr`` is None: the nation)."""
    def inside(u: ProgrammeUnit) -> bool:
        return attr is None or getattr(u, attr) == value

    return inside


def weighted_draws(draws: Sequence[np.ndarray | None], weights: np.ndarray) -> np.ndarray | None:
    """``A*_b = Σ_c w̃_c I*_c,b`` over the first ``min_c B_c`` resamples (None if a member has no draws)."""
    if not draws or any(d is None for d in draws):
        return None
    ds = [d for d in draws if d is not None]
    m = min(d.shape[0] for d in ds)
    out = np.zeros((m, ds[0].shape[1]))
    for w, d in zip(weights, ds, strict=True):
        out += w * d[:m]
    return out


def _summary(draws: np.ndarray | None, level: float, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    if draws is None or draws.shape[0] < 2:
        nan = np.full(k, np.nan)
        return nan, nan, nan, 0 if draws is None else int(draws.shape[0])
    a = (1 - level) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.quantile(draws, [a, 1 - a], axis=0)
        se = draws.std(axis=0, ddof=1)
    return se, lo, hi, int(draws.shape[0])


def roll_up(prog: Programme, outcomes: Sequence[UnitOutcome]) -> tuple[pd.DataFrame, dict[tuple[str, str, str], np.ndarray]]:
    """Every level's index of every construct and wave: weighted means, intervals from weighted draws."""
    codes = list(prog.spec.codes)
    rows: list[dict[str, Any]] = []
    all_draws: dict[tuple[str, str, str], np.ndarray] = {}
    for level, name, parent, member in _groups(prog):
        for wave in prog.waves:
            listed = [o for o in outcomes if o.unit.wave == wave and member(o.unit)]
            present = [o for o in listed if o.status == "scored" and o.result is not None]
            if not present:
                continue
            w = np.array([o.unit.weight for o in present], dtype=float)
            w_all = float(sum(o.unit.weight for o in listed))
            wn = w / w.sum()
            idx = np.zeros(len(codes))
            for wc, o in zip(wn, present, strict=True):
                assert o.result is not None
                idx += wc * o.result.index.reindex(codes).to_numpy(dtype=float)
            d = weighted_draws([o.result.draws if o.result is not None else None for o in present], wn)
            if d is not None:
                all_draws[(level, name, wave)] = d
            se, lo, hi, used = _summary(d, prog.level, len(codes))
            n = sum(o.result.n for o in present if o.result is not None)
            coverage = 1.0 if len(present) == len(listed) else float(w.sum()) / w_all
            for k, code in enumerate(codes):
                rows.append({"level": level, "name": name, "parent": parent, "wave": wave, "construct": code,
                             "index": float(idx[k]), "std_error": float(se[k]), "ci_lo": float(lo[k]), "ci_hi": float(hi[k]),
                             "members": len(present), "listed": len(listed), "coverage": coverage,
                             "n": n, "resamples": used})
    cols = ["level", "name", "parent", "wave", "construct", "index", "std_error", "ci_lo", "ci_hi", "members", "listed",
            "coverage", "n", "resamples"]
    return pd.DataFrame(rows, columns=cols), all_draws


def level_changes(prog: Programme, levels: pd.DataFrame, draws: Mapping[tuple[str, str, str], np.ndarray]) -> pd.DataFrame:
    """Wave-on-wave changes of every level and group with paired-draw intervals and p-values."""
    codes = list(prog.spec.codes)
    alpha = 1 - prog.level
    keyed = {(r["level"], r["name"], r["wave"], r["construct"]): r for r in levels.to_dict("records")}
    groups = list(dict.fromkeys(zip(levels["level"], levels["name"], strict=True)))
    rows: list[dict[str, Any]] = []
    for level, name in groups:
        for frm, to in prog.compare:
            if (level, name, frm, codes[0]) not in keyed or (level, name, to, codes[0]) not in keyed:
                continue
            da, db = draws.get((level, name, frm)), draws.get((level, name, to))
            for k, code in enumerate(codes):
                ra, rb = keyed[(level, name, frm, code)], keyed[(level, name, to, code)]
                lo = hi = se = p = float("nan")
                used = 0
                if da is not None and db is not None:
                    m = min(da.shape[0], db.shape[0])
                    d = db[:m, k] - da[:m, k]
                    d = d[np.isfinite(d)]
                    used = int(d.size)
                    if used >= 2:
                        lo, hi = (float(x) for x in np.quantile(d, [alpha / 2, 1 - alpha / 2]))
                        se, p = float(d.std(ddof=1)), change_p_value(d)
                rows.append({"level": level, "name": name, "construct": code, "from": frm, "to": to,
                             "delta": float(rb["index"] - ra["index"]), "ci_lo": lo, "ci_hi": hi, "std_error": se,
                             "p_value": p, "significant": bool(np.isfinite(p) and p < alpha), "resamples": used,
                             "coverage_from": ra["coverage"], "coverage_to": rb["coverage"]})
    cols = ["level", "name", "construct", "from", "to", "delta", "ci_lo", "ci_hi", "std_error", "p_value", "significant",
            "resamples", "coverage_from", "coverage_to"]
    return pd.DataFrame(rows, columns=cols)


def _coverage_issues(prog: Programme, levels: pd.DataFrame) -> list[Issue]:
    head = levels[(levels["construct"] == prog.construct) & (levels["level"] != "company") & (levels["coverage"] < 1)]
    return [Issue.of("coverage", f"{r.level} {r.name} in wave {r.wave}: {r.members} of {r.listed} members scored, "
                                 f"covering {r.coverage:.1%} of its weight (weights renormalized over them)")
            for r in head.itertuples()]


# ---------------------------------------------------------------------------------------
# The public entry point
# ---------------------------------------------------------------------------------------
def aggregate(
    manifest: str | Path | Programme,
    *,
    scheduler: str = "local",
    workers: int = DEFAULT_WORKERS,
    executor: cf.Executor | None = None,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> ProgrammeResults:
    """Score every unit of a programme and roll them up (formulas in the module docstring).

    ``scheduler``: ``local`` (csi's process pool of ``workers``), ``processes``/``threads`` (a Dask
    LocalCluster of ``workers``) or ``tcp://HOST:PORT``; ``executor`` (any
    ``concurrent.futures.Executor``) overrides it.  ``cache_dir``: where unit results are kept
    between runs (None: no cache).  A :class:`DataError` if no unit could be scored.
    """
    from csi.inference.runners import check_scheduler, scheduler_executor

    scheduler = check_scheduler(scheduler)
    prog = manifest if isinstance(manifest, Programme) else read_programme(manifest)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise CsiError(f"--workers should be at least 1; got {workers}")
    jobs = programme_jobs(prog)
    cache = None if cache_dir is None else UnitCache(cache_dir)
    if executor is not None:
        results, cached = score_units(jobs, cache, workers, executor, progress)
    else:
        with scheduler_executor(scheduler, workers) as ex:
            results, cached = score_units(jobs, cache, workers, ex, progress)
    outcomes, issues = _outcomes(prog, results, cached)
    if not any(o.status == "scored" for o in outcomes):
        raise DataError("no unit of the programme could be scored: " + "; ".join(str(i) for i in issues[:5]))
    levels, draws = roll_up(prog, outcomes)
    changes = level_changes(prog, levels, draws)
    issues += _coverage_issues(prog, levels)
    settings = _settings_record(prog, scheduler if executor is None else type(executor).__name__, workers, cache_dir)
    hits = sum(cached)
    return ProgrammeResults(prog.name, prog.spec, prog.construct, prog.waves, prog.compare, prog.sectors, settings,
                            tuple(outcomes), levels, changes, draws, tuple(issues), computed=len(jobs) - hits, cache_hits=hits)


def _settings_record(prog: Programme, scheduler: str, workers: int, cache_dir: str | Path | None) -> dict[str, Any]:
    from csi._version import versions
    from csi.workflows.waves import CHANGE_RULE, SEED_RULE

    s: dict[str, Any] = {
        "manifest": prog.source, "mode": "refit" if prog.scoring is None else "fixed", "model": prog.spec.name,
        "construct": prog.construct, "resamples": prog.resamples, "seed": prog.seed, "seed_rule": SEED_RULE,
        "level": prog.level, "interval": INTERVAL_RULE, "change": CHANGE_RULE, "p_value": P_VALUE_RULE,
        "aggregate": AGGREGATE_RULE, "coverage": COVERAGE_RULE, "min_respondents": prog.min_respondents,
        "scheme": prog.pls.scheme, "missing": prog.survey.missing, "scheduler": scheduler, "workers": workers,
        "cache": None if cache_dir is None else str(cache_dir), "cache_rule": CACHE_RULE, "versions": versions(),
    }
    if prog.scoring is not None:
        s["scoring_model"] = {"source": prog.scoring.source, "version": prog.scoring.version}
    return s


__all__ = ["LEVELS", "Programme", "ProgrammeResults", "UnitCache", "aggregate", "content_hash", "level_changes",
           "programme_jobs", "read_programme", "roll_up", "score_units", "unit_key", "weighted_draws"]
