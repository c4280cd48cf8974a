"""PLSpredict (Shmueli et al. 2016, 2019) and CVPAT (Liengaard et al. 2021): out-of-sample prediction.

k-fold cross-validation repeated r times (defaults 10 × 10).  Repetition ``ρ`` shuffles the rows
with the numpy PCG64 stream ``SeedSequence(seed, spawn_key=(PREDICT_STREAM, ρ))`` (``seed`` is
``--seed``) and cuts the shuffled order into k contiguous folds exactly as R's
``cut(seq_len(n), breaks = k)`` (as SEMinR's ``predict_pls``).  For every fold the model is
re-estimated on the other folds — all ``r·k`` training sets in ONE batched call of the PLS core
(:func:`csi.estimators.pls.estimate` on their correlation matrices) — and the held-out rows are
predicted:

* items standardized with the training means and SDs (divisor ``n − 1``), construct scores
  ``Z W`` with the training weights;
* **DA** (direct antecedents): every endogenous construct predicted from the scores of its
  predecessors, ``Ŷ = Y B``; **EA** (earliest antecedents): only the purely exogenous scores are
  used and the predictions propagate through the structural model in dependency order;
* indicator predictions ``x̂_i = ŷ_{c(i)} λ_i s_i + x̄_i`` (training loadings, SD and mean);
* **LM** benchmark: each indicator of an endogenous construct regressed by OLS (with intercept)
  on the indicators of its construct's predecessors (DA) or of the purely exogenous constructs
  (EA), on the training rows;
* **IA** benchmark: the training mean of the indicator.

Per indicator of every endogenous construct, for each repetition, over all n held-out
predictions: ``RMSE = √(mean e²)``, ``MAE = mean |e|`` and
``Q²predict = 1 − Σ e²_PLS / Σ e²_IA`` (Shmueli et al. 2019: against the training-sample mean);
the tables report their means over the repetitions.

CVPAT (Liengaard et al. 2021): the loss of case ``i`` is the mean squared prediction error over
the indicators considered (all endogenous indicators, and each endogenous construct's),
averaged over the repetitions; ``D_i = L_i(benchmark) − L_i(PLS)``,
``T = D̄ / (s_D / √n)`` with ``n − 1`` degrees of freedom, and the one-sided p-value
``P(T_{n−1} ≥ T)`` tests H1: PLS predicts better than the benchmark (LM or IA).

Survey weights are not used (unweighted cross-validation, stated as an issue); the fits are on
standardized items whatever ``--standardize`` says (as SEMinR).

Validated (``tests/derive/test_predict.py``): against seminr 0.2.1 ``predict_pls`` with the same
row ordering (DA and EA: PLS and LM out-of-sample predictions, RMSE and MAE to 1e-8); Q²predict
and CVPAT against the published formulas written in the test on a generated case with a planted
predictive advantage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csi.derive.base import JSON, Context, Outcome
from csi.errors import CsiError, Issue
from csi.estimators.base import Layout
from csi.estimators.pls import estimate
from csi.options import PredictOptions
from csi.stats.tdist import t_cdf

PREDICT_STREAM = 0x5052  # spawn-key prefix of the fold shuffles (apart from the bootstrap's streams)


def cut_folds(n: int, k: int) -> np.ndarray:
    """0-based fold of each position 1..n, as R's ``cut(seq_len(n), breaks = k)`` (equal-width
    intervals on [1, n], the outer breaks moved out by (n − 1)/1000, right-closed)."""
    fuzz = (n - 1) / 1000
    breaks = 1 + np.arange(k + 1) * (n - 1) / k
    breaks[0], breaks[-1] = 1 - fuzz, n + fuzz
    return np.searchsorted(breaks, np.arange(1, n + 1), side="left") - 1


def fold_assignment(n: int, folds: int, repeats: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row orders (repeats, n) and the fold of every row (repeats, n) for each repetition."""
    if folds > n:
        raise CsiError(f"--folds should be at most the number of respondents ({n}); got {folds}")
    orders = np.stack([np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(PREDICT_STREAM, r))))
                       .permutation(n) for r in range(repeats)])
    return orders, folds_of_orders(orders, folds)


def folds_of_orders(orders: np.ndarray, folds: int) -> np.ndarray:
    """The fold of every row when the shuffled order ``orders[r]`` is cut into ``folds`` blocks."""
    orders = np.atleast_2d(np.asarray(orders, dtype=np.intp))
    pos_fold = cut_folds(orders.shape[1], folds)
    out = np.empty_like(orders)
    for r in range(orders.shape[0]):
        out[r, orders[r]] = pos_fold
    return out


def _topological(L: Layout) -> list[int]:
    """Endogenous constructs in dependency order (each after all its predecessors)."""
    order: list[int] = []
    done = {k for k in range(L.k) if not len(L.preds[k])}
    while True:
        step = [k for k in range(L.k) if k not in done and all(int(p) in done for p in L.preds[k])]
        if not step:
            return order
        order += step
        done.update(step)


@dataclass(frozen=True)
class CVResult:
    """Out-of-sample predictions (repeats, n, m) of the m endogenous indicators by PLS, LM and IA."""

    items: tuple[str, ...]
    constructs: tuple[str, ...]  # construct of each indicator
    actual: np.ndarray
    pls: np.ndarray
    lm: np.ndarray
    ia: np.ndarray
    folds: np.ndarray  # (repeats, n)
    failed: int


def cross_validate(X: np.ndarray, L: Layout, fold_of_row: np.ndarray, technique: str = "DA", scheme: str = "path",
                   tol: float = 1e-7, max_iter: int = 300, criterion: str = "abs") -> CVResult:
    """PLS, LM and IA out-of-sample predictions for the given folds (see the module docstring)."""
    X = np.asarray(X, dtype=float)
    fold_of_row = np.atleast_2d(fold_of_row)
    R, n = fold_of_row.shape
    k = int(fold_of_row.max()) + 1
    endo = [c for c in range(L.k) if len(L.preds[c])]
    exo = [c for c in range(L.k) if not len(L.preds[c])]
    eitems = np.concatenate([L.blocks[c] for c in endo])
    train = np.stack([fold_of_row[r] != f for r in range(R) for f in range(k)]).astype(float)  # (B, n)
    nb = train.sum(axis=1)
    centre = X.mean(axis=0)
    Xc = X - centre
    mean_c = train @ Xc / nb[:, None]
    Q = np.einsum("bn,ni,nj->bij", train, Xc, Xc, optimize=True)
    cov = (Q - nb[:, None, None] * mean_c[:, :, None] * mean_c[:, None, :]) / (nb - 1)[:, None, None]
    sd = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    S = cov / (sd[:, :, None] * sd[:, None, :])
    mean = mean_c + centre
    est = estimate(S, L, scheme, tol, max_iter, criterion)
    # every fold predicts every row (B, n, ·), then each row keeps its own fold's prediction:
    # batched over the r·k fits instead of a Python loop over folds
    Z = (X[None] - mean[:, None, :]) / sd[:, None, :]
    Y = Z @ (est.weights[:, :, None] * L.member)  # (B, n, K) scores with the training weights
    P = est.paths
    if technique == "DA":
        Yh = Y @ P
    else:
        Yh = Y.copy()
        Yh[:, :, endo] = 0.0
        for c in _topological(L):
            Yh[:, :, c] = np.einsum("bnk,bk->bn", Yh, P[:, :, c])
    pls_all = Yh[:, :, L.block[eitems]] * (est.loadings[:, eitems] * sd[:, eitems])[:, None, :] + mean[:, None, eitems]
    lm_all = np.empty_like(pls_all)
    col = {int(i): j for j, i in enumerate(eitems)}
    for c in endo:
        # OLS with intercept on the training rows from the training moments: slopes
        # Σ_xx⁻¹ Σ_xy, intercept ȳ − x̄'β (the normal equations, centred)
        pr, ys = np.concatenate([L.blocks[q] for q in (L.preds[c] if technique == "DA" else exo)]), L.blocks[c]
        beta = np.linalg.solve(cov[:, pr[:, None], pr], cov[:, pr[:, None], ys])  # (B, |pr|, |ys|)
        lm_all[:, :, [col[int(i)] for i in ys]] = mean[:, None, ys] + (X[None, :, pr] - mean[:, None, pr]) @ beta
    onehot = (fold_of_row[:, None, :] == np.arange(k)[None, :, None]).astype(float)  # (R, k, n)

    def held_out(a: np.ndarray) -> np.ndarray:
        return np.einsum("rkn,rknm->rnm", onehot, a.reshape(R, k, n, -1))

    pls, lm = held_out(pls_all), held_out(lm_all)
    ia = np.einsum("rkn,rkm->rnm", onehot, mean[:, eitems].reshape(R, k, -1))
    failed = int((~(est.ok & est.converged)).sum())
    return CVResult(tuple(L.items[i] for i in eitems), tuple(L.codes[L.block[i]] for i in eitems), X[:, eitems],
                    pls, lm, ia, fold_of_row, failed)


def item_metrics(cv: CVResult) -> pd.DataFrame:
    """Per indicator: Q²predict, RMSE and MAE of PLS, LM and IA, means over the repetitions."""
    y = cv.actual[None]

    def rmse(p: np.ndarray) -> np.ndarray:
        return np.sqrt(np.mean((y - p) ** 2, axis=1)).mean(axis=0)

    def mae(p: np.ndarray) -> np.ndarray:
        return np.mean(np.abs(y - p), axis=1).mean(axis=0)

    sse_ia = np.sum((y - cv.ia) ** 2, axis=1)
    q2 = (1 - np.sum((y - cv.pls) ** 2, axis=1) / sse_ia).mean(axis=0)
    q2_lm = (1 - np.sum((y - cv.lm) ** 2, axis=1) / sse_ia).mean(axis=0)
    idx = pd.MultiIndex.from_arrays([list(cv.constructs), list(cv.items)], names=["construct", "item"])
    return pd.DataFrame({"q2_predict": q2, "pls_rmse": rmse(cv.pls), "pls_mae": mae(cv.pls), "lm_q2_predict": q2_lm,
                         "lm_rmse": rmse(cv.lm), "lm_mae": mae(cv.lm), "ia_rmse": rmse(cv.ia)}, index=idx)


def case_losses(cv: CVResult, which: str, columns: np.ndarray) -> np.ndarray:
    """Loss of each case: mean squared error over ``columns``, averaged over repetitions (n,)."""
    pred = {"pls": cv.pls, "lm": cv.lm, "ia": cv.ia}[which]
    return np.mean((cv.actual[None][:, :, columns] - pred[:, :, columns]) ** 2, axis=2).mean(axis=0)


def cvpat(cv: CVResult) -> pd.DataFrame:
    """CVPAT of PLS against LM and IA, overall and per endogenous construct (module docstring)."""
    rows = []
    groups = [("overall", np.arange(len(cv.items)))] + [
        (c, np.flatnonzero(np.array(cv.constructs) == c)) for c in dict.fromkeys(cv.constructs)]
    for name, cols in groups:
        lp = case_losses(cv, "pls", cols)
        n = len(lp)
        for bench in ("lm", "ia"):
            lb = case_losses(cv, bench, cols)
            d = lb - lp
            s = d.std(ddof=1)
            t = d.mean() / (s / np.sqrt(n)) if s > 0 else np.nan
            rows.append((name, bench.upper(), lp.mean(), lb.mean(), d.mean(), t, float(t_cdf(-t, n - 1)) if np.isfinite(t) else np.nan))
    return pd.DataFrame(rows, columns=["construct", "benchmark", "loss_pls", "loss_benchmark", "difference", "t", "p_value"]).set_index(["construct", "benchmark"])


@dataclass(frozen=True)
class Prediction:
    """PLSpredict metrics per indicator (``items``), CVPAT tests (``cvpat``), the settings used."""

    items: pd.DataFrame
    cvpat: pd.DataFrame
    settings: Mapping[str, Any]
    cv: CVResult | None = field(default=None, repr=False)

    def to_contract(self) -> JSON:
        def rec(df: pd.DataFrame) -> list[JSON]:
            out: list[JSON] = []
            for r in df.reset_index().to_dict(orient="records"):
                out.append({str(k): (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()})
            return out

        return {"settings": dict(self.settings), "indicators": rec(self.items), "cvpat": rec(self.cvpat)}  # type: ignore[dict-item]

    def tables(self) -> Mapping[str, pd.DataFrame]:
        t = self.items[["q2_predict", "pls_rmse", "lm_rmse", "pls_mae", "lm_mae"]]
        return {"PLSpredict": t, "CVPAT": self.cvpat[["difference", "t", "p_value"]]}


def plspredict(X: np.ndarray, L: Layout, options: PredictOptions, seed: int, scheme: str = "path", tol: float = 1e-7,
               max_iter: int = 300, criterion: str = "abs") -> Prediction:
    """PLSpredict and CVPAT with ``options.folds`` × ``options.repeats`` seeded folds."""
    orders, fold_of_row = fold_assignment(X.shape[0], options.folds, options.repeats, seed)
    cv = cross_validate(X, L, fold_of_row, options.technique, scheme, tol, max_iter, criterion)
    settings = {
        "folds": options.folds, "repeats": options.repeats, "technique": options.technique, "seed": seed,
        "shuffle": f"numpy PCG64; repetition r shuffled by SeedSequence(seed, spawn_key=({PREDICT_STREAM}, r)); folds are "
                   "contiguous blocks of the shuffled order as R cut(seq_len(n), breaks = k)",
        "benchmarks": "LM: OLS of each indicator on the antecedent constructs' indicators (DA) or the exogenous ones (EA); "
                      "IA: training-fold indicator mean",
        "q2_predict": "1 - SSE(PLS) / SSE(training mean), mean over repetitions",
        "cvpat": "D_i = loss_benchmark - loss_PLS per case (mean squared error over the indicators, averaged over "
                 "repetitions); t = mean(D) / (sd(D) / sqrt(n)), one-sided p = P(T_{n-1} >= t), H1: PLS predicts better",
        "fits_failed": cv.failed,
    }
    return Prediction(item_metrics(cv), cvpat(cv), settings, cv)


class PredictDerivation:
    """PLSpredict and CVPAT (costly: r·k refits, so not run unless asked: ``--predict``)."""

    key = "predict"
    requires: tuple[str, ...] = ()
    default = False

    def __call__(self, ctx: Context) -> Outcome:
        res, opts = ctx.pls, ctx.options
        L = Layout.from_spec(ctx.spec)
        if not any(len(p) for p in L.preds):
            return Outcome(None, (Issue.of("predict", "PLSpredict: the model has no endogenous construct to predict"),))
        X = ctx.survey.items.loc[:, list(L.items)].to_numpy(dtype=float)
        pred = plspredict(X, L, opts.predict, opts.boot.seed, res.scheme, res.tol, res.max_iter, res.criterion)
        issues = []
        if ctx.survey.weights is not None:
            issues.append(Issue.of("predict", "PLSpredict: survey weights are not used (unweighted cross-validation)"))
        if pred.settings["fits_failed"]:
            issues.append(Issue.of("predict", f"PLSpredict: {pred.settings['fits_failed']} of "
                                              f"{opts.predict.folds * opts.predict.repeats} training fits did not converge or failed"))
        return Outcome(pred, tuple(issues))


predict = PredictDerivation()
