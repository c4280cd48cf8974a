"""csi's own normal-theory ML fit of a CB-SEM model: F_ML on the covariance matrix, Fisher scoring.

Used by :mod:`csi.estimators.cbsem` for every ML fit (the full sample and each bootstrap
resample); semopy is not needed here (the model's pattern comes from semopy's parse of the
description, in :mod:`csi.estimators.cbsem`), so this module works on plain arrays.

Model (LISREL form): Σ(θ) = ΛΦΛ' + Θ, Φ = CΨC', C = (I − B)⁻¹; θ the free cells of B, Λ, Ψ, Θ
(a free parameter may own several cells; Ψ and Θ symmetric).

Objective  F(θ) = log|Σ(θ)| + tr(SΣ(θ)⁻¹) − log|S| − p  (S with divisor N; χ² = N·F).

Derivatives  ∂Σ/∂θ_cell = w(uv' + vu') with (e_i a unit vector, D = ΛC):
    Λ_ik: u = e_i, v = (ΛΦ)_·k;  Θ_ij: u = e_i, v = e_j;  Ψ_rs: u = D_·r, v = D_·s;
    B_rs: u = D_·r, v = (ΛΦ)_·s;  w = ½ on the diagonal of Ψ and Θ, else 1.
    Gradient  ∂F/∂θ = Σ_cells 2w u'Wv,  W = Σ⁻¹(Σ − S)Σ⁻¹.
    Expected information (per respondent, F scale) H = tr(Σ⁻¹∂Σ_iΣ⁻¹∂Σ_j), over cells
    a, b: 2 w_a w_b [(v_a'Σ⁻¹u_b)(v_b'Σ⁻¹u_a) + (u_a'Σ⁻¹u_b)(v_a'Σ⁻¹v_b)], summed into the
    parameters they belong to; the ML information is (N/2)H (semopy's ``calc_fim``, lavaan's
    expected information).

Optimizer  (:func:`fit_two_stage`) semopy's two stages, with csi's iterations: first the
    variances held ≥ 0 (keeps Σ positive definite on the way from the starting values; unbounded,
    scoring wanders onto ridges on collinear real data such as mobi), then unbounded from that
    optimum (skipped when no variance is at its bound; if it does not converge within
    ``MAXITER_UNBOUNDED`` iterations the likelihood falls along a ridge without an interior
    optimum and the bounded solution is kept, flagged ``bounded``).  Each iteration:
    θ ← θ − α(H + μI)⁻¹g (Fisher scoring), α halved until F does not increase beyond its own
    rounding, μ = 0 unless H is not positive definite or halving fails (then a Levenberg–Marquardt
    μ grows tenfold per retry).  Under bounds, Bertsekas' ε-active set: variances within ε of 0
    with the gradient pushing them there take a scaled gradient step and are projected.  Scoring
    converges only linearly when the model misfits (expected ≠ observed information: mobi), so
    after ``NEWTON_AFTER`` iterations a Newton step with the analytic Hessian (observed
    information, :meth:`MLProblem.exact_hessian`; equal to central differences of the analytic
    gradient to 1e-9 relative in the tests) is tried every ``NEWTON_EVERY`` iterations, and at
    every one once it descends.  Stops when max|g| < 1e-12 (off the active bounds) or the
    predicted decrease g'H⁻¹g < 1e-20, i.e. at the optimum to rounding (lavaan's nlminb stops
    near 1e-10 relative in F).

Starting values (:func:`start_values`, from S alone; the marker item m of construct k has its
    loading fixed): λ_i = λ_m Σ_j s_ij s_mj / Σ_j s_mj² over all other items j (the least-squares
    ratio of rows i and m of S, which are proportional under the model); φ_kl by least squares of
    s_ij ≈ λ_iλ_jφ_kl over i ∈ k, j ∈ l, i ≠ j (a single item: s_mm − θ_mm); the latent
    correlations' eigenvalues clipped at 0.02; θ_ii = max(s_ii − λ_i²φ_kk, s_ii/10); paths by
    regressing each endogenous construct on its predecessors within Φ, disturbance variances the
    residual variances (at least a tenth of φ).  These are the population values when S fits the
    model exactly, so scoring starts close to the optimum; lavaan's "simple" starts (λ = 1, β = 0,
    ψ = 0.05) and semopy's leave scoring in an ill-conditioned region on real data.

Validated: the optimum equals semopy's SLSQP fit and R lavaan 0.6.14's (tests/reference/
test_cbsem_lavaan.py, tests/estimators/test_cbsem.py: ∂F/∂θ and ∂Σ/∂θ against central
differences, the inverse information against semopy's ``calc_fim``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import solve_triangular

GTOL = 1e-12  # stop when max |∂F/∂θ| is below this
DECREMENT = 1e-20  # ... or when the scoring step's predicted decrease g'H⁻¹g of F is below this
MAXITER = 200
MAXITER_UNBOUNDED = 40  # from a bounded optimum, Newton reaches an interior one within ~20; longer is a ridge
NEWTON_AFTER = 8  # scoring iterations before Newton steps (analytic Hessian) are tried ...
NEWTON_EVERY = 4  # ... every this many iterations, and at every one once they succeed
START_FLOOR = 0.1  # starting error and disturbance variances at least this share of their variable's variance


class _At:
    """The model at one θ: Λ, C = (I − B)⁻¹, ΛΦ, Σ and Σ⁻¹ (the cells' u, v computed when first asked for)."""

    __slots__ = ("C", "L", "LPhi", "Phi", "Si", "Sigma", "_prob", "_uv")

    def __init__(self, prob: MLProblem, L: np.ndarray, C: np.ndarray, LPhi: np.ndarray, Sigma: np.ndarray, Si: np.ndarray,
                 Phi: np.ndarray) -> None:
        self._prob, self.L, self.C, self.LPhi, self.Sigma, self.Si, self.Phi = prob, L, C, LPhi, Sigma, Si, Phi
        self._uv: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def uv(self) -> tuple[np.ndarray, np.ndarray]:
        if self._uv is None:
            self._uv = self._prob.uv(self)
        return self._uv


@dataclass(frozen=True)
class MLFit:
    """One ML fit: estimates, F, converged, iterations, message, and whether the variances were kept ≥ 0."""

    theta: np.ndarray
    F: float
    success: bool
    iterations: int
    message: str
    bounded: bool = False


class MLProblem:
    """F_ML(θ; S) on fixed LISREL matrices with free cells ``free``: a list of (kind, cells) per parameter.

    ``kind`` is "B", "L", "P" (Ψ) or "T" (Θ); the fixed matrices hold the fixed values (markers,
    fixed error variances) and anything at the free cells (overwritten by θ).
    """

    def __init__(self, B: np.ndarray, L: np.ndarray, P: np.ndarray, T: np.ndarray,
                 free: Sequence[tuple[str, Sequence[tuple[int, int]]]]) -> None:
        self.B0, self.L0, self.P0, self.T0 = (np.array(m, dtype=float) for m in (B, L, P, T))
        self.q = len(free)
        cells = [(j, kind, r, c) for j, (kind, cs) in enumerate(free) for r, c in cs]
        self.idx = {k: tuple(np.array([x[i] for x in cells if x[1] == k], dtype=int) for i in (0, 2, 3)) for k in "BLPT"}
        kinds = np.array([x[1] for x in cells])
        rows = np.array([x[2] for x in cells], dtype=int)
        cols = np.array([x[3] for x in cells], dtype=int)
        self.cell_kind, self.cell_r, self.cell_c = kinds, rows, cols
        self.w = np.where(np.isin(kinds, ["P", "T"]) & (rows == cols), 0.5, 1.0)
        self.cell_param = np.array([x[0] for x in cells], dtype=int)
        self.incidence = np.zeros((self.q, len(cells)))
        self.incidence[self.cell_param, np.arange(len(cells))] = 1.0
        self.p, self.K = self.L0.shape
        self._masks = {k: self.cell_kind == k for k in "BLPT"}
        self.params: tuple[Any, ...] = ()  # the caller's labels of all parameters (csi.estimators.cbsem: its _Param)

    @classmethod
    def of(cls, raw: Any) -> MLProblem:
        """The problem of a fitted model's matrices and parameters (``raw.B, .L, .P, .T, .params``)."""
        return cls(raw.B, raw.L, raw.P, raw.T, [(p.kind, p.cells) for p in raw.params if p.free])

    def matrices(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        B, L, P, T = self.B0.copy(), self.L0.copy(), self.P0.copy(), self.T0.copy()
        for k, M in zip("BLPT", (B, L, P, T), strict=True):
            j, r, c = self.idx[k]
            M[r, c] = theta[j]
            if k in "PT":
                M[c, r] = theta[j]
        return B, L, P, T

    def objective(self, theta: np.ndarray, S: np.ndarray, logdet_s: float) -> tuple[float, _At | None]:
        """F_ML at θ (inf where Σ is not positive definite) and the model at θ for the derivatives."""
        B, L, P, T = self.matrices(theta)
        try:
            C = np.linalg.inv(np.eye(self.K) - B)
            Phi = C @ P @ C.T
            LPhi = L @ Phi
            Sigma = LPhi @ L.T + T
            Lc = np.linalg.cholesky(Sigma)
        except np.linalg.LinAlgError:
            return float("inf"), None
        Li = solve_triangular(Lc, np.eye(self.p), lower=True, check_finite=False)
        Si = Li.T @ Li
        F = 2.0 * float(np.sum(np.log(np.diag(Lc)))) + float(np.sum(S * Si)) - logdet_s - self.p
        if not np.isfinite(F):
            return float("inf"), None
        return F, _At(self, L, C, LPhi, Sigma, Si, Phi)

    def uv(self, at: _At) -> tuple[np.ndarray, np.ndarray]:
        """The u, v vectors of every free cell (rows): ∂Σ/∂θ_cell = w(uv' + vu')."""
        D, LPhi = at.L @ at.C, at.LPhi
        U = np.zeros((self.cell_r.size, self.p))
        V = np.zeros_like(U)
        r, c = self.cell_r, self.cell_c
        m = self._masks["L"]
        U[m, r[m]] = 1.0
        V[m] = LPhi[:, c[m]].T
        m = self._masks["T"]
        U[m, r[m]] = 1.0
        V[m, c[m]] = 1.0
        m = self._masks["P"]
        U[m], V[m] = D[:, r[m]].T, D[:, c[m]].T
        m = self._masks["B"]
        U[m], V[m] = D[:, r[m]].T, LPhi[:, c[m]].T
        return U, V

    def delta(self, at: _At) -> np.ndarray:
        """∂Σ/∂θ_j for every free parameter, (q, p, p)."""
        U, V = at.uv
        cell = self.w[:, None, None] * (U[:, :, None] * V[:, None, :] + V[:, :, None] * U[:, None, :])
        return np.tensordot(self.incidence, cell, axes=1)

    def gradient(self, at: _At, S: np.ndarray) -> np.ndarray:
        """∂F/∂θ = Σ_cells 2w u'Wv, W = Σ⁻¹(Σ − S)Σ⁻¹."""
        U, V = at.uv
        W = at.Si @ (at.Sigma - S) @ at.Si
        return self.incidence @ (2.0 * self.w * np.einsum("ci,ci->c", U @ W, V))

    def information(self, at: _At) -> np.ndarray:
        """H_ij = tr(Σ⁻¹∂Σ_iΣ⁻¹∂Σ_j) (expected information per respondent, F scale), from the cells' u, v."""
        U, V = at.uv
        USi, VSi = U @ at.Si, V @ at.Si
        VU = VSi @ U.T
        Hc = 2.0 * np.outer(self.w, self.w) * (VU * VU.T + (USi @ U.T) * (VSi @ V.T))
        return self.incidence @ Hc @ self.incidence.T

    def exact_hessian(self, at: _At, S: np.ndarray) -> np.ndarray:
        """∂²F/∂θ∂θ' analytically: over cells a, b, ``tr(Σ_ab W) + tr(Σ⁻¹Σ_aΣ⁻¹Σ_b) − T_ab − T_ba`` with
        ``T_ab = tr(Σ_a Σ⁻¹ Σ_b W)`` (from ∂W/∂θ_b = Σ⁻¹Σ_bΣ⁻¹ − Σ⁻¹Σ_bW − WΣ_bΣ⁻¹), summed into the
        parameters.  The second derivatives of Σ are non-zero only between Λ, Ψ and B cells
        (:meth:`_second`); checked against differences of the analytic gradient in the tests."""
        U, V = at.uv
        Si, W = at.Si, at.Si @ (at.Sigma - S) @ at.Si
        USi, VSi, UW, VW = U @ Si, V @ Si, U @ W, V @ W
        ww = np.outer(self.w, self.w)
        VU = VSi @ U.T
        expected = 2.0 * ww * (VU * VU.T + (USi @ U.T) * (VSi @ V.T))
        T = ww * ((VSi @ U.T) * (UW @ V.T) + (VSi @ V.T) * (UW @ U.T) + (USi @ U.T) * (VW @ V.T) + (USi @ V.T) * (VW @ U.T))
        Hc = self._second(at, W) + expected - T - T.T
        return self.incidence @ Hc @ self.incidence.T

    def _second(self, at: _At, W: np.ndarray) -> np.ndarray:
        """``tr(∂²Σ/∂a∂b · W)`` for every pair of cells (Σ = ΛCΨC'Λ' + Θ, C = (I − B)⁻¹, D = ΛC, Φ = CΨC'):
        Λ_ik,Λ_jl: 2Φ_kl W_ij;  Λ_ik,Ψ_rs: 2w[(WD)_ir C_ks + (WD)_is C_kr];  Λ_ik,B_rs: 2[(WD)_ir Φ_sk + (WΛΦ)_is C_kr];
        Ψ_rs,B_tu: 2w[C_ur (D'WD)_ts + C_us (D'WD)_rt];  B_rs,B_tu: 2[C_ur (Φ'Λ'WD)_st + Φ_us (D'WD)_tr + C_st (Φ'Λ'WD)_ur]."""
        C, Phi = at.C, at.Phi
        D = at.L @ C
        WD, WLP = W @ D, W @ at.LPhi
        A, Bm = D.T @ WD, at.LPhi.T @ WD
        H = np.zeros((self.cell_r.size, self.cell_r.size))
        k, r, c, w = self.cell_kind, self.cell_r, self.cell_c, self.w
        iL, iP, iB = (np.flatnonzero(k == x) for x in "LPB")
        i, kk = r[iL][:, None], c[iL][:, None]  # Λ_ik: item i, construct k
        H[np.ix_(iL, iL)] = 2.0 * Phi[kk, kk.T] * W[i, i.T]
        pr, ps, pw = r[iP][None, :], c[iP][None, :], w[iP][None, :]
        H[np.ix_(iL, iP)] = 2.0 * pw * (WD[i, pr] * C[kk, ps] + WD[i, ps] * C[kk, pr])
        br, bs = r[iB][None, :], c[iB][None, :]
        H[np.ix_(iL, iB)] = 2.0 * (WD[i, br] * Phi[bs, kk] + WLP[i, bs] * C[kk, br])
        t, u = br, bs  # B_tu as the column cell of Ψ–B
        H[np.ix_(iP, iB)] = 2.0 * pw.T * (C[u, pr.T] * A[t, ps.T] + C[u, ps.T] * A[pr.T, t])
        r1, s1 = r[iB][:, None], c[iB][:, None]
        H[np.ix_(iB, iB)] = 2.0 * (C[u, r1] * Bm[s1, t] + Phi[u, s1] * A[t, r1] + C[s1, t] * Bm[u, r1])
        for a, b in ((iL, iP), (iL, iB), (iP, iB)):
            H[np.ix_(b, a)] = H[np.ix_(a, b)].T
        return H

    def hessian(self, theta: np.ndarray, S: np.ndarray, logdet_s: float, skip: np.ndarray) -> np.ndarray:
        """∂²F/∂θ∂θ' (:meth:`exact_hessian`; columns in ``skip``: the expected information's)."""
        at0 = self.objective(theta, S, logdet_s)[1]
        if at0 is None:
            return np.full((self.q, self.q), np.nan)
        H = self.exact_hessian(at0, S)
        if np.any(skip):
            H[:, skip] = self.information(at0)[:, skip]
        return (H + H.T) / 2

    def lower_bounds(self) -> np.ndarray:
        """0 for the variances (diagonal cells of Ψ and Θ), −∞ for the other parameters."""
        lb = np.full(self.q, -np.inf)
        var = np.isin(self.cell_kind, ["P", "T"]) & (self.cell_r == self.cell_c)
        lb[self.cell_param[var]] = 0.0
        return lb

    def fit(self, S: np.ndarray, theta0: np.ndarray, maxiter: int = MAXITER,
            bounded: bool = False) -> tuple[np.ndarray, float, bool, int, str]:
        """Fisher scoring (damped where needed) from θ0: (θ̂, F, converged, iterations, message).

        ``bounded``: variances kept ≥ 0 (a projected scoring step on the parameters off their bound).
        """
        logdet_s = float(np.linalg.slogdet(S)[1])
        lb = self.lower_bounds() if bounded else None
        theta = np.asarray(theta0, dtype=float).copy()
        if lb is not None:
            theta = np.maximum(theta, lb)
        F, aux = self.objective(theta, S, logdet_s)
        if aux is None:
            return theta, F, False, 0, "Σ not positive definite at the starting values"
        mu = 0.0
        newton = False
        for it in range(1, maxiter + 1):
            g = self.gradient(aux, S)
            gmax = float(np.max(np.abs(g if lb is None else g[(theta > lb) | (g <= 0)])))
            if gmax < GTOL:
                return theta, F, True, it - 1, "Optimization terminated successfully"
            H = self.information(aux)
            act = _near_bound(theta, g, lb, H)
            step = _scoring_step(H, g, mu, act)
            if step is not None and -float(g @ step) < DECREMENT and mu == 0.0:
                return theta, F, True, it - 1, "Optimization terminated successfully"
            found = None
            if it > NEWTON_AFTER and (newton or it % NEWTON_EVERY == 0):
                # linear convergence (a misfitting model: expected ≠ observed information): try Newton
                nstep = _scoring_step(self.hessian(theta, S, logdet_s, act), g, 0.0, act)
                found = _line_search(self, theta, nstep, F, S, logdet_s, lb) if nstep is not None else None
                newton = found is not None
            if found is None and step is not None:
                found = _line_search(self, theta, step, F, S, logdet_s, lb)
            if found is None:
                mu = max(mu * 10.0, 1e-6 * float(np.mean(np.diag(H))))  # scoring failed: damp toward the gradient
                if mu > 1e6 * max(float(np.max(np.diag(H))), 1e-300):
                    ok = gmax < 1e-8  # no descent in any direction: at the optimum to rounding, or stuck
                    return theta, F, ok, it, "Optimization terminated successfully" if ok else "Line search failed"
                continue
            cand, Fc, auxc = found
            small = np.max(np.abs(cand - theta)) < 1e-15 * max(1.0, float(np.max(np.abs(theta))))
            theta, F, aux = cand, Fc, auxc
            mu = mu / 10.0 if mu > 1e-6 * float(np.mean(np.diag(H))) else 0.0
            if small:
                return theta, F, bool(gmax < 1e-8), it, "Optimization terminated successfully"
        return theta, F, False, maxiter, "Iteration limit reached"

    def vcov(self, theta: np.ndarray, S: np.ndarray, n: int) -> tuple[np.ndarray | None, bool]:
        """Inverse of the expected information (N/2)H; pseudo-inverse (and True) when not positive definite."""
        _, at = self.objective(theta, S, float(np.linalg.slogdet(S)[1]))
        if at is None:
            return None, True
        fim = 0.5 * n * self.information(at)
        try:
            Lc = np.linalg.cholesky(fim)
            Li = np.linalg.inv(Lc)
            return Li.T @ Li, False
        except np.linalg.LinAlgError:
            return np.linalg.pinv(fim), True


def _near_bound(theta: np.ndarray, g: np.ndarray, lb: np.ndarray | None, H: np.ndarray) -> np.ndarray:
    """Bertsekas' ε-active set: parameters within ε of their bound with the gradient pushing them onto it.

    ε = min(10⁻³, the projected gradient step's length), so the set shrinks to the truly active
    bounds near the optimum and scoring then runs on the others alone.
    """
    if lb is None:
        return np.zeros(theta.size, dtype=bool)
    d = np.maximum(np.diag(H), 1e-300)
    eps = min(1e-3, float(np.max(np.abs(theta - np.maximum(theta - g / d, lb)))))
    return (theta - lb <= eps) & (g > 0)


def _scoring_step(H: np.ndarray, g: np.ndarray, mu: float, act: np.ndarray) -> np.ndarray | None:
    """−(H + μI)⁻¹g on the parameters off their bound, a scaled gradient step −g/H_ii on those near it (``act``).

    By Cholesky; None when not positive definite.
    """
    fr = ~act
    A = H[np.ix_(fr, fr)]
    if not np.all(np.isfinite(A)):
        return None
    if mu:
        A = A + mu * np.eye(A.shape[0])
    try:
        Lc = np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        return None
    step = np.zeros_like(g)
    step[fr] = -np.linalg.solve(Lc.T, np.linalg.solve(Lc, g[fr]))
    step[act] = -g[act] / np.maximum(np.diag(H)[act], 1e-300)
    return step


def _line_search(prob: MLProblem, theta: np.ndarray, step: np.ndarray, F: float, S: np.ndarray,
                 logdet_s: float, lb: np.ndarray | None) -> tuple[np.ndarray, float, _At] | None:
    """θ + αΔ (projected on the bounds ``lb``) with α = 1, ½, ¼, … (down to 2⁻¹⁶) where F does not increase."""
    alpha = 1.0
    # F's own rounding (its log-determinant and trace sum p terms): a smaller "increase" is noise, and
    # refusing it would stall scoring short of the optimum, where the decrease per step falls below it
    tol = 8.0 * np.finfo(float).eps * (prob.p + abs(logdet_s) + abs(F))
    while alpha >= 2.0**-16:
        cand = theta + alpha * step if lb is None else np.maximum(theta + alpha * step, lb)
        Fc, auxc = prob.objective(cand, S, logdet_s)
        if auxc is not None and Fc <= F + tol and np.all(np.isfinite(cand)):
            return cand, Fc, auxc
        alpha /= 2
    return None


def start_values(prob: MLProblem, S: np.ndarray) -> np.ndarray | None:
    """Starting θ from S by least-squares one-factor moment identities (module docstring).

    None when a construct has no item of its own (a second-order factor) or an item loads on
    two constructs: the caller then starts elsewhere.
    """
    L0, T0 = prob.L0, prob.T0
    p, K = L0.shape
    freeL = np.zeros((p, K), dtype=bool)
    _, r, c = prob.idx["L"]
    freeL[r, c] = True
    pattern = freeL | (L0 != 0)
    if np.any(pattern.sum(axis=1) > 1):
        return None
    Lam = np.where(freeL, 0.0, L0)
    s = np.diag(S)
    Theta = s.copy()
    blocks = [np.flatnonzero(pattern[:, k]) for k in range(K)]
    for k, items in enumerate(blocks):
        fixed = [i for i in items if not freeL[i, k]]
        if not fixed:
            return None
        m = fixed[0]
        for i in items:
            if freeL[i, k]:  # λ_i/λ_m: least squares of row i of S on row m over the other items
                js = np.array([x for x in range(p) if x not in (i, m)])
                Lam[i, k] = Lam[m, k] * float(S[i, js] @ S[m, js]) / float(S[m, js] @ S[m, js])
    Phi = _latent_start(S, Lam, blocks, T0, prob)
    for k, items in enumerate(blocks):
        Theta[items] = np.maximum(s[items] - Lam[items, k] ** 2 * Phi[k, k], START_FLOOR * s[items])
    B, P = _structural_start(prob, Phi)
    theta = np.empty(prob.q)
    for kind, M in (("B", B), ("L", Lam), ("P", P), ("T", np.diag(Theta))):
        jj, rr, cc = prob.idx[kind]
        theta[jj] = M[rr, cc]
    return theta


def _is_free(prob: MLProblem, kind: str, r: int, c: int) -> bool:
    _, rr, cc = prob.idx[kind]
    return bool(np.any((rr == r) & (cc == c)) or np.any((rr == c) & (cc == r)))


def _latent_start(S: np.ndarray, Lam: np.ndarray, blocks: list[np.ndarray], T0: np.ndarray, prob: MLProblem) -> np.ndarray:
    """Φ_kl by least squares of s_ij ≈ λ_iλ_jφ_kl (i ≠ j); eigenvalues of the correlations clipped at 0.02."""
    K = len(blocks)
    Phi = np.zeros((K, K))
    for k, ik in enumerate(blocks):
        for j in range(k + 1):
            il = blocks[j]
            ll = np.outer(Lam[ik, k], Lam[il, j])
            ss = S[np.ix_(ik, il)]
            if k == j:
                if ik.size == 1:  # a single item: its variance less a fixed error variance
                    m = ik[0]
                    err = T0[m, m] if not _is_free(prob, "T", m, m) else 0.5 * S[m, m]
                    Phi[k, k] = (S[m, m] - err) / ll[0, 0]
                    continue
                off = ~np.eye(ik.size, dtype=bool)
                ll, ss = ll[off], ss[off]
            Phi[k, j] = Phi[j, k] = float(np.sum(ss * ll)) / float(np.sum(ll * ll))
    s = np.array([S[b[0], b[0]] / Lam[b[0], k] ** 2 for k, b in enumerate(blocks)])
    d = np.sqrt(np.clip(np.diag(Phi), START_FLOOR * s, None))
    R = Phi / np.outer(d, d)
    np.fill_diagonal(R, 1.0)
    ev, vec = np.linalg.eigh(R)
    R = (vec * np.maximum(ev, 0.02)) @ vec.T
    dr = np.sqrt(np.diag(R))
    return R / np.outer(dr, dr) * np.outer(d, d)


def _structural_start(prob: MLProblem, Phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Paths by regression within Φ on each construct's free predecessors; Ψ the residual (co)variances."""
    K = Phi.shape[0]
    B = prob.B0.copy()
    jb, rb, cb = prob.idx["B"]
    B[rb, cb] = 0.0
    P = prob.P0.copy()
    endo = set(rb.tolist())
    for t in sorted(endo):
        src = cb[rb == t]
        B[t, src] = np.linalg.lstsq(Phi[np.ix_(src, src)], Phi[src, t] - Phi[src] @ B[t], rcond=None)[0]
        resid = Phi[t, t] - 2 * float(B[t] @ Phi[:, t]) + float(B[t] @ Phi @ B[t])
        P[t, t] = max(resid, START_FLOOR * Phi[t, t])
    for k in range(K):
        if k not in endo:
            P[k, k] = Phi[k, k]
    jp, rp, cp = prob.idx["P"]
    for r, c in zip(rp, cp, strict=True):
        if r != c:
            P[r, c] = P[c, r] = Phi[r, c] if (r not in endo and c not in endo) else 0.0
    return B, P


def fit_two_stage(prob: MLProblem, S: np.ndarray, theta0: np.ndarray, maxiter: int = MAXITER) -> MLFit:
    """semopy's two stages with csi's scoring: variances ≥ 0 from θ0, then unbounded from there.

    The bounded stage keeps Σ positive definite on the way from the starting values (unbounded,
    scoring can wander onto a ridge on collinear real data); the unbounded stage lets a Heywood
    case show as a negative variance, as in lavaan.  If the unbounded stage does not converge
    (the likelihood falls along a ridge without an interior optimum), the converged bounded
    solution is kept (``bounded``: a zero variance is then flagged).
    """
    th1, F1, ok1, it1, msg1 = prob.fit(S, theta0, maxiter, bounded=True)
    if not ok1:
        return MLFit(th1, F1, False, it1, msg1)
    if np.all(th1 > prob.lower_bounds()):
        return MLFit(th1, F1, True, it1, msg1)  # no variance at its bound: already the unbounded optimum
    th2, F2, ok2, it2, msg2 = prob.fit(S, th1, min(maxiter, MAXITER_UNBOUNDED))
    if ok2 and np.isfinite(F2):
        return MLFit(th2, F2, True, it1 + it2, msg2)
    return MLFit(th1, F1, True, it1, msg1, bounded=True)
