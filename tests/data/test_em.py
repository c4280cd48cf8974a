"""``--missing em``: EM moments against an independent per-row numpy EM, and an MSE simulation.

The oracle EM below is written from Little & Rubin (2002, §11.2) one respondent at a time, with
no pattern grouping and its own start (complete-case moments), so agreement is not by
construction.  Both run to a 1e-13 change; covariances agree to 1e-8.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csi.data.missing import MISSING, Answers
from csi.data.survey import from_frame
from csi.estimators.base import moments
from csi.estimators.pls import PLS
from csi.model.spec import parse_yaml
from csi.stats.em import em_normal
from csi.workflows.em_fit import em_moments, refit_em

SPEC = parse_yaml("""\
name: three
constructs:
  IMAG: [i1, i2, i3]
  CUSA: [s1, s2, s3]
  CUSL: [l1, l2, l3]
paths:
  - IMAG -> CUSA, CUSL
  - CUSA -> CUSL
""", "three.yaml")
TRUE = {("IMAG", "CUSA"): 0.5, ("IMAG", "CUSL"): 0.2, ("CUSA", "CUSL"): 0.5}


def oracle_em(X: np.ndarray, w: np.ndarray | None = None, tol: float = 1e-13) -> tuple[np.ndarray, np.ndarray]:
    n, p = X.shape
    v = np.ones(n) / n if w is None else w / w.sum()
    cc = ~np.isnan(X).any(axis=1)
    mu = np.average(X[cc], axis=0, weights=v[cc])
    S = np.cov(X[cc].T, aweights=v[cc], bias=True)
    for _ in range(10000):
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for i in range(n):
            x = X[i].copy()
            m = np.isnan(x)
            o = ~m
            C = np.zeros((p, p))
            if m.any():
                K = S[np.ix_(m, o)] @ np.linalg.inv(S[np.ix_(o, o)])
                x[m] = mu[m] + K @ (x[o] - mu[o])
                C[np.ix_(m, m)] = S[np.ix_(m, m)] - K @ S[np.ix_(o, m)]
            T1 += v[i] * x
            T2 += v[i] * (np.outer(x, x) + C)
        mu_new = T1
        S_new = T2 - np.outer(mu_new, mu_new)
        done = max(abs(mu_new - mu).max(), abs(S_new - S).max()) < tol
        mu, S = mu_new, S_new
        if done:
            break
    return mu, S


def simulate(n: int, seed: int) -> pd.DataFrame:
    """The three-construct population of TRUE (loadings 0.8, continuous items)."""
    rng = np.random.default_rng(seed)
    imag = rng.standard_normal(n)
    cusa = 0.5 * imag + np.sqrt(1 - 0.25) * rng.standard_normal(n)
    r = 0.5 * 0.5 + 0.2  # var(CUSL) = 1 with cov(IMAG, CUSA) = 0.5
    cusl = 0.2 * imag + 0.5 * cusa + np.sqrt(1 - (0.04 + 0.25 + 2 * 0.1 * 0.5)) * rng.standard_normal(n)
    del r
    cols = {}
    for code, eta in (("i", imag), ("s", cusa), ("l", cusl)):
        for k in (1, 2, 3):
            cols[f"{code}{k}"] = np.clip(5.5 + 1.2 * (0.8 * eta + 0.6 * rng.standard_normal(n)), 1, 10)
    return pd.DataFrame(cols)


def mar(df: pd.DataFrame, seed: int, share: float = 0.10, blocks: bool = False) -> pd.DataFrame:
    """MAR: s* and i2, i3 go missing more often when the (always observed) l1 is low; ``blocks``:
    the CUSA items (and i2, i3) go missing together ("don't know" to a whole question block)."""
    rng = np.random.default_rng(seed)
    out = df.copy()
    z = (df["l1"] - df["l1"].mean()) / df["l1"].std()
    p = 1 / (1 + np.exp(2.0 * z))  # low loyalty → more missing
    p = p * share * len(df) / p.sum() * 9 / 5  # ~share of all cells overall (5 of 9 items can go missing)
    groups = [["s1", "s2", "s3"], ["i2", "i3"]] if blocks else [[c] for c in ("s1", "s2", "s3", "i2", "i3")]
    for g in groups:
        out.loc[rng.random(len(df)) < np.clip(p, 0, 1), g] = np.nan
    return out


def test_em_covariance_equals_independent_em_10pct_mar() -> None:
    df = mar(simulate(300, 1), 2)
    X = df.to_numpy()
    assert 0.07 < np.isnan(X).mean() < 0.13
    r = em_normal(X)
    mu, S = oracle_em(X)
    assert r.converged
    assert np.abs(r.cov - S).max() < 1e-8
    assert np.abs(r.mean - mu).max() < 1e-8


def test_weighted_em_equals_independent_weighted_em() -> None:
    df = mar(simulate(200, 3), 4)
    w = np.random.default_rng(5).uniform(0.3, 2.0, len(df))
    r = em_normal(df.to_numpy(), w)
    mu, S = oracle_em(df.to_numpy(), w)
    assert np.abs(r.cov - S).max() < 1e-8
    assert np.abs(r.mean - mu).max() < 1e-8


def test_em_policy_reports_shares_and_pls_runs_on_em_moments() -> None:
    df = mar(simulate(200, 6), 7)
    survey = from_frame(df, SPEC, missing="em")
    assert survey.n_used == 200 and survey.policy == "em"
    note = next(n for n in survey.notes if n.startswith("EM"))
    share = df["s1"].isna().mean()
    assert f"s1 {share:.1%}" in note
    res = refit_em(PLS(SPEC).fit(survey.items), survey)
    # independent: PLS on the oracle EM correlation matrix
    _, S = oracle_em(df.to_numpy())
    d = np.sqrt(np.diag(S))
    est = PLS(SPEC).fit_moments(S / np.outer(d, d))
    assert np.abs(res.paths.to_numpy() - est.paths[0][[0, 0, 1], [1, 2, 2]]).max() < 1e-7


def _paths(S: np.ndarray) -> np.ndarray:
    """IMAG→CUSA, IMAG→CUSL, CUSA→CUSL of PLS on the correlation matrix S (the batched core)."""
    return PLS(SPEC).fit_moments(S).paths[0][[0, 0, 1], [1, 2, 2]]


@pytest.mark.parametrize("reps", [100])
def test_em_paths_beat_casewise_and_mean_in_mse(reps: int) -> None:
    """100 replications, n = 200, ~15% of cells MAR by block (missingness of the CUSA and two IMAG items depends on the
    observed loyalty item l1).  Measured: MSE casewise 0.0030, mean 0.0066, em 0.0012.  Truth: each replication's complete-data PLS estimate (so the MSE
    measures what the missing-data handling adds).  EM's MSE is below casewise's and mean's."""
    err = {"casewise": [], "mean": [], "em": []}
    for rep in range(reps):
        full = simulate(200, 100 + rep)
        truth = _paths(moments(full.to_numpy(), True).S)
        df = mar(full, 1000 + rep, share=0.15, blocks=True)
        X = df.to_numpy()
        nan = np.isnan(X)
        a = Answers(X, nan, np.ones(len(X), bool), ~nan.any(axis=1), None, SPEC)
        for pol in err:
            if pol == "em":  # PLS on the EM moments (em_moments: what the fit workflow's refit_em runs)
                got = _paths(em_moments(X, None, True)[0].S)
            else:
                applied = MISSING.get(pol)(a)
                got = _paths(moments(applied.X, True).S)
            err[pol].append(((got - truth) ** 2).mean())
    mse = {k: float(np.mean(v)) for k, v in err.items()}
    print(mse)
    assert mse["em"] < mse["casewise"] and mse["em"] < mse["mean"], mse
