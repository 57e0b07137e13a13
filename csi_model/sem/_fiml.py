"""Full-information maximum likelihood (FIML) with missing answers, as lavaan's ``missing = "ml"``.

Every case contributes the normal log-likelihood of the answers it gave. Cases are grouped by
their pattern of missing answers, and everything is computed from the inverse ``P = Sigma^-1``
of the full covariance matrix: for a pattern that misses the variables ``m``

    inv(Sigma_oo), embedded in p x p with zero rows/columns m  =  P - P[:, m] inv(P_mm) P[m, :]
    log|Sigma_oo|                                              =  log|Sigma| + log|P_mm|

so only the small ``|m| x |m|`` blocks are inverted per pattern (a survey pattern misses one or
two answers) and a case costs O(p^2), however many patterns there are. The functions take
stacks of moments ``(R, p, p)`` and case weights ``(R, N)``, so that the bootstrap evaluates
many resamples (and the numerical Hessian many parameter vectors) at once.

Moments are ordered ``(mu, vech Sigma)`` with vech over ``np.triu_indices(p)``; the vech element
(k, l) moves both ``Sigma[k, l]`` and ``Sigma[l, k]``. Information matrices are per case (divided
by N), as lavaan's.

This module holds the mathematics only: it never sees semopy, data frames or user input.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._ram import RAMModel

LOG2PI = np.log(2 * np.pi)


@dataclass(frozen=True)
class _Group:
    """The patterns that miss the same number j >= 1 of variables, and their cases."""

    midx: np.ndarray      # (P_j, j) missing variables of each pattern
    patterns: np.ndarray  # (P_j,) pattern numbers
    cases: np.ndarray     # (n_j,) rows of the data in these patterns
    pos: np.ndarray       # (n_j,) position of each case's pattern within the group
    onehot: np.ndarray    # (n_j, P_j) case -> pattern indicator


@dataclass(frozen=True, eq=False)
class MissingData:
    """A data matrix with NaN for missing answers, grouped by missing-data pattern.

    Rows without any answer must have been removed (they carry no information).
    ``weights``: sampling weights of the rows (summing to N), or None; ``counts`` are then the
    patterns' weighted counts and every sum over cases is weighted (lavaan's weighted FIML).
    """

    X: np.ndarray
    weights: np.ndarray | None = None
    Y0: np.ndarray = field(init=False, repr=False)        # NaN -> 0
    observed: np.ndarray = field(init=False, repr=False)  # (N, p) bool
    observed_f: np.ndarray = field(init=False, repr=False)  # the same as 0/1 floats
    pattern: np.ndarray = field(init=False, repr=False)   # (N,) pattern of each case
    masks: np.ndarray = field(init=False, repr=False)     # (P, p) observed variables
    counts: np.ndarray = field(init=False, repr=False)    # (P,) cases per pattern
    groups: tuple = field(init=False, repr=False)

    def __post_init__(self):
        X = np.asarray(self.X, dtype=float)
        obs = ~np.isnan(X)
        if not obs.any(axis=1).all():
            raise ValueError("MissingData: remove the rows without any answer first.")
        masks, pattern = np.unique(obs, axis=0, return_inverse=True)
        pattern = np.asarray(pattern).ravel()
        nmiss = (~masks).sum(axis=1)
        groups = []
        for j in sorted(set(nmiss.tolist()) - {0}):
            pats = np.flatnonzero(nmiss == j)
            midx = np.stack([np.flatnonzero(~masks[g]) for g in pats])
            where = np.full(masks.shape[0], -1)
            where[pats] = np.arange(pats.size)
            cases = np.flatnonzero(where[pattern] >= 0)
            pos = where[pattern[cases]]
            onehot = np.zeros((cases.size, pats.size))
            onehot[np.arange(cases.size), pos] = 1.0
            groups.append(_Group(midx, pats, cases, pos, onehot))
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "Y0", np.where(obs, X, 0.0))
        object.__setattr__(self, "observed", obs)
        object.__setattr__(self, "observed_f", obs.astype(float))
        object.__setattr__(self, "pattern", pattern)
        object.__setattr__(self, "masks", masks)
        w = None if self.weights is None else np.asarray(self.weights, float)
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "counts", np.bincount(pattern, weights=w,
                                                       minlength=masks.shape[0]).astype(float))
        object.__setattr__(self, "groups", tuple(groups))

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def w(self) -> np.ndarray:
        """The case weights (ones without sampling weights)."""
        return np.ones(self.n) if self.weights is None else self.weights

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @property
    def n_patterns(self) -> int:
        return self.masks.shape[0]


# ----------------------------------------------------------------------------- core
def _small_matmul(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """A @ B for stacks of tiny matrices (the inner dimension is a pattern's 1-5 missing
    answers), as broadcast products: numpy's batched matmul is slow on thousands of 2 x 2s."""
    out = A[..., :, 0, None] * B[..., 0, None, :]
    for b in range(1, A.shape[-1]):
        out = out + A[..., :, b, None] * B[..., b, None, :]
    return out


def _prepare(Sigma, data: MissingData):
    """P = Sigma^-1, log|Sigma| and, per group, inv(P_mm), log|P_mm| and the rows P[m, :]."""
    sign, logdet = np.linalg.slogdet(Sigma)
    ok = sign > 0
    if not ok.all():
        Sigma = np.where(ok[:, None, None], Sigma, np.eye(Sigma.shape[-1]))
    P = np.linalg.inv(Sigma)
    P = 0.5 * (P + P.transpose(0, 2, 1))
    parts = []
    for grp in data.groups:
        m = grp.midx
        Pmm = P[:, m[:, :, None], m[:, None, :]]                    # (R, P_j, j, j)
        s, ld = np.linalg.slogdet(Pmm)
        ok &= (s > 0).all(axis=1)
        Pmm_inv = np.linalg.inv(np.where((s > 0)[..., None, None], Pmm,
                                         np.eye(m.shape[1])))
        parts.append((Pmm_inv, ld, P[:, m, :]))                    # rows P[m, :]: (R, P_j, j, p)
    return ok, P, logdet, parts


def case_terms(Sigma: np.ndarray, mu: np.ndarray, data: MissingData, weights=None,
               *, need_gradient: bool = True):
    """Log-likelihood and its gradient with respect to the moments, for stacks of moments.

    Parameters
    ----------
    Sigma : (R, p, p); mu : (R, p)
    weights : (R, N) case weights (bootstrap counts), or None for the data's own (its
        sampling weights, or one each).

    Returns
    -------
    ll : (R,) log-likelihood (-inf where Sigma or a pattern's block is not positive definite)
    GS : (R, p, p) d ll / d Sigma for symmetric perturbations (``dll = sum(GS * dSigma)``)
    gm : (R, p) d ll / d mu
    """
    R, p = mu.shape
    ok, P, logdet, parts = _prepare(Sigma, data)
    W = np.broadcast_to(data.w, (R, data.n)) if weights is None else np.asarray(weights, float)
    res = data.Y0[None] - mu[:, None, :]                            # (R, N, p), 0 where missing
    res *= data.observed_f
    U = res @ P                                                     # u_i = P r_i
    Z = U.copy()                                                    # z_i = inv(Sigma_oo) r_o, embedded
    logdet_case = np.broadcast_to(logdet[:, None], (R, data.n)).copy()
    sumQ = np.zeros((R, p, p)) if need_gradient else None
    for grp, (Pmm_inv, ld, Prow) in zip(data.groups, parts):
        c, pos = grp.cases, grp.pos
        mcase = grp.midx[pos]                                       # (n_j, j)
        um = np.take_along_axis(U[:, c, :], np.broadcast_to(mcase, (R,) + mcase.shape), axis=2)
        w = _small_matmul(Pmm_inv[:, pos], um[..., None])[..., 0]   # (R, n_j, j)
        Z[:, c, :] -= np.einsum("rca,rcap->rcp", w, Prow[:, pos])
        logdet_case[:, c] += ld[:, pos]
        if need_gradient:
            npat = W[:, c] @ grp.onehot                             # (R, P_j) weighted counts
            Y = _small_matmul(Pmm_inv * npat[:, :, None, None], Prow)   # (R, P_j, j, p)
            flat = Prow.reshape(R, -1, p)
            sumQ += flat.transpose(0, 2, 1) @ Y.reshape(R, -1, p)
    k = data.observed.sum(axis=1)                                   # answers per case
    quad = np.einsum("rnp,rnp->rn", res, Z)
    ll = -0.5 * np.einsum("rn,rn->r", W, k * LOG2PI + logdet_case + quad)
    ll = np.where(ok, ll, -np.inf)
    if not need_gradient:
        return ll, None, None
    sumV = W.sum(axis=1)[:, None, None] * P - sumQ                  # sum_i w_i inv(Sigma_oo(i))
    WZ = Z if weights is None and data.weights is None else Z * W[:, :, None]
    GS = -0.5 * (sumV - WZ.transpose(0, 2, 1) @ Z)
    gm = WZ.sum(axis=1)
    return ll, GS, gm


def loglik(Sigma: np.ndarray, mu: np.ndarray, data: MissingData) -> float:
    """The FIML log-likelihood of one pair of moments."""
    return float(case_terms(Sigma[None], mu[None], data, need_gradient=False)[0][0])


def observed_moments(data: MissingData) -> tuple[np.ndarray, np.ndarray]:
    """Each variable's (weighted) mean and variance (divisor: its weights' sum) over the
    cases that answered it."""
    w = data.w[:, None] * data.observed_f
    tot = w.sum(axis=0)
    mean = (w * data.Y0).sum(axis=0) / tot
    var = (w * np.where(data.observed, data.X - mean, 0.0) ** 2).sum(axis=0) / tot
    return mean, var


# ------------------------------------------------------------------ saturated model (h1)
def em_saturated(data: MissingData, *, tol: float = 1e-9, max_iter: int = 10000):
    """ML mean and covariance of the unrestricted model by EM (lavaan's h1 with missing data).

    The E-step uses ``E[y_m | y_o] = mu_m - inv(P_mm) (P r)_m`` and
    ``Cov[y_m | y_o] = inv(P_mm)``; the rows' sampling weights (``data.w``) weight the
    M-step. It is :func:`em_saturated_batch` with the one set of case weights, started from
    the answers' means and variances. Returns (Sigma, mu, loglik, iterations).
    """
    mu, var = observed_moments(data)
    Sigma, mu, _, it, conv = em_saturated_batch(data, data.w[None], np.diag(var)[None],
                                                mu[None], tol=tol, max_iter=max_iter)
    return Sigma[0], mu[0], loglik(Sigma[0], mu[0], data), it


# ------------------------------------------------------------- information in moment space
def _vech_index(p: int):
    i, j = np.triu_indices(p)
    half = np.where(i == j, 0.5, 1.0)
    return i, j, half


def _pattern_inverses(Sigma: np.ndarray, data: MissingData) -> np.ndarray:
    """inv(Sigma_oo) of every pattern, embedded in p x p with zeros elsewhere: (P, p, p)."""
    _, P, _, parts = _prepare(Sigma[None], data)
    P = P[0]
    out = np.broadcast_to(P, (data.n_patterns,) + P.shape).copy()
    for grp, (Pmm_inv, _, Prow) in zip(data.groups, parts):
        out[grp.patterns] -= Prow[0].transpose(0, 2, 1) @ Pmm_inv[0] @ Prow[0]
    return out


def _kron_trace(M: np.ndarray, p: int) -> np.ndarray:
    """K[a, b] = sum_g tr(X_g E_a Y_g E_b) over vech elements a, b from
    ``M[r*p + s, t*p + u] = sum_g X_g[r, s] Y_g[t, u]``."""
    i, j, half = _vech_index(p)
    I, J = i[:, None], j[:, None]
    K, L = i[None, :], j[None, :]
    out = (M[L * p + I, J * p + K] + M[K * p + I, J * p + L]
           + M[L * p + J, I * p + K] + M[K * p + J, I * p + L])
    return out * half[:, None] * half[None, :]


def _case_z(Sigma, mu, data: MissingData):
    """z_i = inv(Sigma_oo) (y - mu)_o embedded (N, p), and the pattern inverses (P, p, p)."""
    Vg = _pattern_inverses(Sigma, data)
    res = np.where(data.observed, data.X - mu, 0.0)
    Z = np.einsum("npq,nq->np", Vg[data.pattern], res)
    return Z, Vg


def h1_information(Sigma: np.ndarray, mu: np.ndarray, data: MissingData, *,
                   observed: bool = True) -> np.ndarray:
    """Information of the unrestricted moments (mu, vech Sigma) per case, (p + p*) square.

    ``observed=True``: minus the Hessian of the FIML log-likelihood at (Sigma, mu) (lavaan's
    observed h1 information); ``False``: its expectation (Fisher information under MAR).
    """
    p = data.p
    Z, Vg = _case_z(Sigma, mu, data)
    n_g = data.counts
    Vflat = Vg.reshape(Vg.shape[0], -1)
    KVV = _kron_trace(Vflat.T @ (n_g[:, None] * Vflat), p)
    mumu = np.einsum("g,gpq->pq", n_g, Vg)
    pstar = p * (p + 1) // 2
    A = np.zeros((p + pstar, p + pstar))
    A[:p, :p] = mumu
    if not observed:
        A[p:, p:] = 0.5 * KVV
        return A / data.n
    # sum over the cases of a pattern of z z' (= n_g W_g, W_g = V_g T_g V_g) and of z (= n_g V_g d_g)
    onehot = np.zeros((data.n, data.n_patterns))
    onehot[np.arange(data.n), data.pattern] = 1.0
    Zw = Z if data.weights is None else Z * data.weights[:, None]
    ZZ = onehot.T @ (Zw[:, :, None] * Z[:, None, :]).reshape(data.n, -1)
    KVW = _kron_trace(Vflat.T @ ZZ, p)
    A[p:, p:] = -0.5 * KVV + 0.5 * (KVW + KVW.T)
    Zsum = onehot.T @ Zw                                                  # (P, p)
    M2 = Vflat.T @ Zsum                                                   # [(a, k), l]
    i, j, half = _vech_index(p)
    a = np.arange(p)[:, None]
    cross = (M2[a * p + i[None, :], j[None, :]] + M2[a * p + j[None, :], i[None, :]]) * half[None, :]
    A[:p, p:] = cross
    A[p:, :p] = cross.T
    return A / data.n


def h1_scores(Sigma: np.ndarray, mu: np.ndarray, data: MissingData) -> np.ndarray:
    """Casewise scores d ll_i / d (mu, vech Sigma) at (Sigma, mu): (N, p + p*); with sampling
    weights each case's score times its weight (lavaan's weighted scores)."""
    p = data.p
    Z, Vg = _case_z(Sigma, mu, data)
    i, j, half = _vech_index(p)
    Vcase = Vg[data.pattern][:, i, j]
    out = np.hstack([Z, (Z[:, i] * Z[:, j] - Vcase) * half])
    return out if data.weights is None else out * data.weights[:, None]


def complete_h1_information(Sigma: np.ndarray) -> np.ndarray:
    """Information of (mu, vech Sigma) per case for complete data at the moments (Sigma)."""
    p = Sigma.shape[0]
    V = np.linalg.inv(Sigma)
    v = V.ravel()
    K = _kron_trace(np.outer(v, v), p)
    pstar = p * (p + 1) // 2
    A = np.zeros((p + pstar, p + pstar))
    A[:p, :p] = V
    A[p:, p:] = 0.5 * K
    return A


def moment_jacobian(dS: np.ndarray, dm: np.ndarray) -> np.ndarray:
    """Delta = d (mu, vech Sigma) / d theta from the RAM Jacobians: (p + p*, q)."""
    p = dm.shape[1]
    i, j = np.triu_indices(p)
    return np.vstack([dm.T, dS[:, i, j].T])


# ------------------------------------------------------------------ batched in theta
@dataclass(frozen=True, eq=False)
class BatchRAM:
    """Batched implied moments (with means) and the chain rule from moments to parameters."""

    model: RAMModel
    E: np.ndarray = field(init=False, repr=False)   # (q, n_entries): entry -> parameter sum

    def __post_init__(self):
        m = self.model
        keys = np.concatenate([m.a_entries[2], m.s_entries[2], m.m_entries[1]])
        E = np.zeros((m.n_free, keys.size))
        E[keys, np.arange(keys.size)] = 1.0
        object.__setattr__(self, "E", E)

    def implied(self, theta: np.ndarray):
        """(R, q) -> G = F B (R, p, nv), H = F B S B' (R, p, nv), total means B m (R, nv)."""
        m = self.model
        R = theta.shape[0]
        nv, p = m.A0.shape[0], m.p
        A = np.broadcast_to(m.A0, (R, nv, nv)).copy()
        S = np.broadcast_to(m.S0, (R, nv, nv)).copy()
        mv = np.broadcast_to(m.m0, (R, nv)).copy()
        ai, aj, ak = m.a_entries
        A[:, ai, aj] = theta[:, ak]
        si, sj, sk = m.s_entries
        S[:, si, sj] = theta[:, sk]
        S[:, sj, si] = theta[:, sk]
        mi, mk = m.m_entries
        mv[:, mi] = theta[:, mk]
        B = np.linalg.inv(np.eye(nv) - A)
        G = B[:, :p, :]
        H = (G @ S) @ B.transpose(0, 2, 1)
        bm = np.einsum("rij,rj->ri", B, mv)
        return G, H, bm

    def gradient(self, G, H, bm, GS, gm) -> np.ndarray:
        """d/dtheta of f(Sigma, mu) from df/dSigma (GS, symmetric) and df/dmu (gm): (R, q)."""
        m = self.model
        ai, aj, _ = m.a_entries
        si, sj, _ = m.s_entries
        mi, _ = m.m_entries
        WG = GS @ G                                              # (R, p, nv)
        gG = np.einsum("rp,rpv->rv", gm, G)                      # (R, nv)
        ga = 2 * np.einsum("rpe,rpe->re", WG[:, :, ai], H[:, :, aj]) + gG[:, ai] * bm[:, aj]
        gs = np.einsum("rpe,rpe->re", WG[:, :, si], G[:, :, sj]) * np.where(si == sj, 1.0, 2.0)
        return np.concatenate([ga, gs, gG[:, mi]], axis=1) @ self.E.T


@dataclass(frozen=True, eq=False)
class BatchFIML:
    """FIML objective -loglik / N and its gradient for stacks of parameters and case weights."""

    model: RAMModel
    data: MissingData
    ram: BatchRAM = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "ram", BatchRAM(self.model))

    def evaluate(self, theta: np.ndarray, weights=None, *, need_gradient: bool = True):
        p = self.model.p
        G, H, bm = self.ram.implied(theta)
        Sigma, mu = H[:, :, :p], bm[:, :p]
        ll, GS, gm = case_terms(Sigma, mu, self.data, weights, need_gradient=need_gradient)
        n = self.data.n
        F = -ll / n
        if not need_gradient:
            return F, None
        g = -self.ram.gradient(G, H, bm, GS, gm) / n
        g[~np.isfinite(F)] = 0.0
        return F, g

    def hessian(self, theta: np.ndarray, *, rel_step: float = 1e-6, chunk: int = 32) -> np.ndarray:
        """Observed information per case: the central-difference Jacobian of the analytic
        gradient (lavaan's ``observed.information = "hessian"``), all 2q points batched."""
        q = theta.size
        h = rel_step * np.maximum(1.0, np.abs(theta))
        pts = np.concatenate([theta + np.diag(h), theta - np.diag(h)])
        grads = np.concatenate([self.evaluate(pts[s:s + chunk])[1]
                                for s in range(0, 2 * q, chunk)])
        Hm = ((grads[:q] - grads[q:]) / (2 * h[:, None])).T
        return 0.5 * (Hm + Hm.T)

    def fit(self, theta0: np.ndarray, weights: np.ndarray, metric_inv: np.ndarray, *,
            tol: float = 1e-9, max_iter: int = 200):
        """Quasi-Newton (BFGS) with step halving for each row of ``weights``.

        Every row starts from ``theta0`` with ``metric_inv`` as its inverse Hessian (the
        inverse of the full-sample information per case: resamples are close to the full
        sample), updated by BFGS from its own steps, so that a resample whose curvature differs
        still converges in a few steps. Stops when ``|g' step| < tol``.
        Returns (theta (R, q), converged (R,), iterations (R,)).
        """
        R = weights.shape[0]
        q = theta0.shape[-1]
        theta = np.broadcast_to(np.asarray(theta0, float), (R, q)).copy()
        Hinv = np.broadcast_to(np.asarray(metric_inv, float), (R, q, q)).copy()
        converged = np.zeros(R, bool)
        iters = np.zeros(R, int)
        active = np.arange(R)
        F, g = self.evaluate(theta, weights)
        for it in range(1, max_iter + 1):
            iters[active] = it
            step = np.einsum("rij,rj->ri", Hinv, g)
            dec = np.abs(np.einsum("rq,rq->r", g, step))
            done = (dec < tol) & np.isfinite(F)
            converged[active[done]] = True
            keep = ~done & np.isfinite(F)
            active, F, g, step, Hinv = active[keep], F[keep], g[keep], step[keep], Hinv[keep]
            if active.size == 0:
                break
            t = np.ones(active.size)
            cand = theta[active] - step
            Fc, gc = self.evaluate(cand, weights[active])
            bad = ~(np.isfinite(Fc) & (Fc <= F + 1e-12))
            while bad.any() and t.min() > 1e-8:
                rows = np.flatnonzero(bad)
                t[rows] *= 0.5
                trial = theta[active[rows]] - t[rows, None] * step[rows]
                Ft, gt = self.evaluate(trial, weights[active[rows]])
                cand[rows], Fc[rows], gc[rows] = trial, Ft, gt
                bad[rows] = ~(np.isfinite(Ft) & (Ft <= F[rows] + 1e-12))
            alive = ~bad
            Hinv = _bfgs_update(Hinv, cand - theta[active], gc - g)
            theta[active[alive]] = cand[alive]
            active, F, g, Hinv = active[alive], Fc[alive], gc[alive], Hinv[alive]
            if active.size == 0:
                break
        return theta, converged, iters


def _bfgs_update(Hinv: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The BFGS update of stacked inverse Hessians; rows without positive curvature keep theirs."""
    sy = np.einsum("ri,ri->r", s, y)
    Hy = np.einsum("rij,rj->ri", Hinv, y)
    yHy = np.einsum("ri,ri->r", y, Hy)
    ok = sy > 1e-12 * np.sqrt(np.einsum("ri,ri->r", s, s) * np.einsum("ri,ri->r", y, y))
    rho = np.where(ok, 1.0 / np.where(ok, sy, 1.0), 0.0)
    outer = lambda a, b: a[:, :, None] * b[:, None, :]  # noqa: E731
    return (Hinv - rho[:, None, None] * (outer(s, Hy) + outer(Hy, s))
            + (rho ** 2 * yHy + rho)[:, None, None] * outer(s, s))

def fit_fiml(model: RAMModel, theta0: np.ndarray, data: MissingData, metric: np.ndarray, *,
             tol: float = 1e-12, max_iter: int = 1000) -> tuple[np.ndarray, int, bool]:
    """FIML estimate from ``theta0`` by quasi-Newton steps ``-inv(metric) g`` with step halving.

    ``metric`` is an information matrix per case (e.g. the complete-data expected information at
    the start, which bounds the FIML information from above, so the steps are short of Newton's
    and rarely need halving); convergence is linear at the rate of the fraction of missing
    information. The stopping rule is Fisher scoring's: ``|g' step| < tol``.
    """
    engine = BatchFIML(model, data)
    theta, converged, iters = engine.fit(theta0, data.w[None], np.linalg.pinv(metric),
                                         tol=tol, max_iter=max_iter)
    return theta[0], int(iters[0]), bool(converged[0])


def observed_information(model: RAMModel, theta: np.ndarray, data: MissingData, *,
                         rel_step: float = 1e-6) -> np.ndarray:
    """Observed information per case (minus the Hessian of loglik / N) at ``theta``.

    The chain rule splits it into ``Delta' W Delta`` (W: the observed h1 information at the
    implied moments, in closed form) minus the curvature of the moments themselves weighted by
    the moment gradient, ``d2/dtheta2 [sum(GS Sigma(theta)) + gm' mu(theta)]`` at fixed GS, gm;
    the latter needs no data and is differenced numerically in one batch. Equals lavaan's
    ``observed.information = "hessian"``.
    """
    theta = np.asarray(theta, float)
    ram = BatchRAM(model)
    p = model.p
    G, H, bm = ram.implied(theta[None])
    Sigma, mu = H[0, :, :p], bm[0, :p]
    _, GS, gm = case_terms(Sigma[None], mu[None], data)
    dS, dm = model.jacobian(theta)
    Delta = moment_jacobian(dS, dm)
    W = h1_information(Sigma, mu, data, observed=True)
    q = theta.size
    h = rel_step * np.maximum(1.0, np.abs(theta))
    pts = np.concatenate([theta + np.diag(h), theta - np.diag(h)])
    G2, H2, bm2 = ram.implied(pts)
    grads = ram.gradient(G2, H2, bm2, np.broadcast_to(GS, (2 * q, p, p)),
                         np.broadcast_to(gm, (2 * q, p))) / data.n
    curv = ((grads[:q] - grads[q:]) / (2 * h[:, None])).T
    out = Delta.T @ W @ Delta - 0.5 * (curv + curv.T)
    return out


def em_saturated_batch(data: MissingData, weights: np.ndarray, Sigma0: np.ndarray,
                       mu0: np.ndarray, *, tol: float = 1e-9, max_iter: int = 10000):
    """EM of the saturated model for stacks of case weights (bootstrap resamples), warm-started.

    ``weights`` (R, N) are case weights (bootstrap counts), ``Sigma0`` (R, p, p) / ``mu0`` (R, p)
    the starts (e.g. the full-sample EM estimate). Each resample's EM is the weighted EM of
    :func:`em_saturated` (same E-step, weighted M-step) and stops on the same relative change;
    a converged resample is not updated further, so its result is that of a batch of one.

    Returns (Sigma (R, p, p), mu (R, p), filled (R, N, p), iterations, converged (R,)): ``filled``
    holds the answers given and, for the missing ones, their conditional expectations
    ``E[y_m | y_o]`` under the final moments.
    """
    W = np.asarray(weights, float)
    R = W.shape[0]
    tot = W.sum(axis=1)
    Sigma = np.array(Sigma0, float, copy=True)
    mu = np.array(mu0, float, copy=True)
    obs = data.observed_f
    conv = np.zeros(R, dtype=bool)
    selectors = []                                               # (P_j * j, p) one-hot rows
    for grp in data.groups:
        sel = np.zeros((grp.midx.size, data.p))
        sel[np.arange(grp.midx.size), grp.midx.ravel()] = 1.0
        selectors.append(sel)

    def estep(Sigma, mu):
        P = np.linalg.inv(Sigma)
        res = (data.Y0[None] - mu[:, None, :]) * obs
        U = res @ P
        filled = np.broadcast_to(data.Y0, (R,) + data.Y0.shape).copy()
        extra = np.zeros((R, data.p, data.p))
        for grp, sel in zip(data.groups, selectors):
            c, pos, m = grp.cases, grp.pos, grp.midx
            mcase = m[pos]
            Pmm_inv = np.linalg.inv(P[:, m[:, :, None], m[:, None, :]])   # (R, P_j, j, j)
            um = np.take_along_axis(U[:, c, :], np.broadcast_to(mcase, (R,) + mcase.shape), axis=2)
            cond = mu[:, mcase] - _small_matmul(Pmm_inv[:, pos], um[..., None])[..., 0]
            filled[:, c[:, None], mcase] = cond
            npat = W[:, c] @ grp.onehot                          # (R, P_j) weighted counts
            C = Pmm_inv * npat[:, :, None, None]                 # embed at (m, m): S' C S
            extra += sel.T @ _small_matmul(C, sel.reshape(m.shape + (data.p,))).reshape(R, -1, data.p)
        return filled, extra

    it = 0
    for it in range(1, max_iter + 1):
        filled, extra = estep(Sigma, mu)
        mu_new = np.einsum("rn,rnp->rp", W, filled) / tot[:, None]
        Fc = filled - mu_new[:, None, :]
        Sigma_new = ((Fc * W[:, :, None]).transpose(0, 2, 1) @ Fc + extra) / tot[:, None, None]
        scale_mu = np.sqrt(np.einsum("rii->ri", Sigma)).max(axis=1)
        change = np.maximum(np.abs(mu_new - mu).max(axis=1) / scale_mu,
                            np.abs(Sigma_new - Sigma).max(axis=(1, 2))
                            / np.abs(Sigma).max(axis=(1, 2)))
        # a converged resample is frozen, so that its result does not depend on the other
        # resamples of its batch (the same replicates whatever the chunking / workers)
        act = ~conv
        mu = np.where(act[:, None], mu_new, mu)
        Sigma = np.where(act[:, None, None], Sigma_new, Sigma)
        conv = conv | (change < tol)
        if conv.all():
            break
    filled, _ = estep(Sigma, mu)
    return Sigma, mu, filled, it, conv
