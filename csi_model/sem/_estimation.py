"""Normal-theory maximum likelihood for a :class:`~csi_model.sem._ram.RAMModel`.

Conventions are lavaan's (``likelihood = "normal"``): the sample covariance
divides by N, the ML discrepancy is
``F = log|Sigma| + tr(S Sigma^-1) - log|S| - p (+ (xbar - mu)' Sigma^-1 (xbar - mu))``
and the test statistic is ``N * F``. Information matrices are per observation,
so ``acov = inv(N * J) / ...`` as in :func:`standard_errors`.

This module holds the mathematics only: it never sees semopy, data frames or
user input.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._ram import RAMModel

LOG2PI = np.log(2 * np.pi)


# --------------------------------------------------------------------- complete data
@dataclass(frozen=True)
class Moments:
    """Sample moments with N in the denominator."""

    n: int
    cov: np.ndarray
    mean: np.ndarray

    @classmethod
    def from_data(cls, X: np.ndarray) -> "Moments":
        n = X.shape[0]
        mean = X.mean(axis=0)
        Xc = X - mean
        return cls(n, Xc.T @ Xc / n, mean)


def ml_objective(model: RAMModel, theta: np.ndarray, mom: Moments) -> float:
    """The ML discrepancy F (lavaan's 2 * fmin)."""
    Sigma, mu = model.implied(theta)
    sign, logdet = np.linalg.slogdet(Sigma)
    if sign <= 0:
        return np.inf
    V = np.linalg.inv(Sigma)
    p = model.p
    f = logdet + np.sum(V * mom.cov) - np.linalg.slogdet(mom.cov)[1] - p
    if model.meanstructure:
        d = mom.mean - mu
        f += d @ V @ d
    # F >= 0 always; a negative value means Sigma is numerically singular
    return float(f) if np.isfinite(f) and f > -1e-8 else np.inf


def ml_gradient(model: RAMModel, theta: np.ndarray, mom: Moments) -> np.ndarray:
    """dF/dtheta."""
    Sigma, mu = model.implied(theta)
    dS, dm = model.jacobian(theta)
    V = np.linalg.inv(Sigma)
    W = V - V @ mom.cov @ V
    if model.meanstructure:
        d = mom.mean - mu
        Vd = V @ d
        W = W - np.outer(Vd, Vd)
        return dS.reshape(dS.shape[0], -1) @ W.ravel() - 2 * dm @ Vd
    return dS.reshape(dS.shape[0], -1) @ W.ravel()


def expected_information(model: RAMModel, theta: np.ndarray) -> np.ndarray:
    """Expected (structured) information per observation, J, with E[d2F] = 2 J."""
    Sigma, _ = model.implied(theta)
    dS, dm = model.jacobian(theta)
    V = np.linalg.inv(Sigma)
    q = dS.shape[0]
    VdS = V @ dS                                    # (q, p, p), batched matmul
    # tr(V dS_k V dS_l) = sum(VdS_k * VdS_l^T), as one BLAS product
    J = 0.5 * VdS.reshape(q, -1) @ VdS.transpose(0, 2, 1).reshape(q, -1).T
    if model.meanstructure:
        J += dm @ V @ dm.T
    return J


def fisher_scoring(objective, gradient, information, theta0: np.ndarray, *, tol: float = 1e-12,
                   max_iter: int = 500) -> tuple[np.ndarray, int, bool]:
    """Fisher scoring with step halving: theta <- theta - t * inv(E[d2F]) dF.

    ``objective(theta)``, ``gradient(theta)`` and ``information(theta)`` (the expected
    Hessian of the objective) are callables. Returns the estimate, the number of
    iterations and whether the Newton decrement g' step fell below ``tol``.

    The default ``tol`` is tight on purpose: improper solutions (e.g. the ECSI mobile data)
    have flat likelihoods where a looser stop leaves estimates 1e-3 apart depending on the
    start; at 1e-12 they agree to 1e-6 (a few more cheap iterations elsewhere).
    """
    theta = np.asarray(theta0, dtype=float).copy()
    f = objective(theta)
    for it in range(1, max_iter + 1):
        g = gradient(theta)
        H = information(theta)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        if abs(g @ step) < tol:
            return theta, it, True
        t = 1.0
        while t > 1e-8:
            cand = theta - t * step
            fc = objective(cand)
            if np.isfinite(fc) and fc <= f + 1e-12:
                break
            t *= 0.5
        else:
            return theta, it, False
        theta, f = cand, fc
    return theta, max_iter, False


def fit_ml(model: RAMModel, theta0: np.ndarray, mom: Moments, *, tol: float = 1e-12,
           max_iter: int = 500) -> tuple[np.ndarray, int, bool]:
    """ML estimate by Fisher scoring from ``theta0`` (see :func:`fisher_scoring`)."""
    return fisher_scoring(lambda t: ml_objective(model, t, mom),
                          lambda t: ml_gradient(model, t, mom),
                          lambda t: 2 * expected_information(model, t),
                          theta0, tol=tol, max_iter=max_iter)


def numeric_jacobian(fun, theta: np.ndarray, rel_step: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of a vector function (used for observed information)."""
    q = theta.size
    cols = []
    for k in range(q):
        h = rel_step * max(1.0, abs(theta[k]))
        e = np.zeros(q)
        e[k] = h
        cols.append((fun(theta + e) - fun(theta - e)) / (2 * h))
    H = np.column_stack(cols)
    return 0.5 * (H + H.T)


def casewise_scores(model: RAMModel, theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Scores d loglik_i / d theta for every complete case (N x q).

    Without a mean structure the means are saturated at the sample means.
    """
    Sigma, mu = model.implied(theta)
    if not model.meanstructure:
        mu = X.mean(axis=0)
    dS, dm = model.jacobian(theta)
    V = np.linalg.inv(Sigma)
    Z = (X - mu) @ V
    p = model.p
    iu = np.triu_indices(p)
    weight = np.where(iu[0] == iu[1], 1.0, 2.0)
    ZZ = Z[:, iu[0]] * Z[:, iu[1]] * weight          # vech of z z' (off-diagonals doubled)
    dS_vech = dS[:, iu[0], iu[1]]                       # q x p*
    VdS_trace = np.einsum("ij,kji->k", V, dS)
    return 0.5 * ZZ @ dS_vech.T - 0.5 * VdS_trace + Z @ dm.T


# --------------------------------------------------------------------- missing data
@dataclass(frozen=True)
class Pattern:
    observed: np.ndarray   # indices of observed variables
    n: int
    mean: np.ndarray
    cov: np.ndarray        # N-denominator within the pattern
    rows: np.ndarray       # case indices


@dataclass(frozen=True)
class PatternBatch:
    """All patterns with the same number k of observed variables, stacked for numpy."""

    idx: np.ndarray    # (P, k) observed variable indices
    n: np.ndarray      # (P,) cases per pattern
    mean: np.ndarray   # (P, k)
    cov: np.ndarray    # (P, k, k)


class Patterns(list):
    """The missing-data patterns of a data matrix, with size-batched views."""

    def __init__(self, patterns: list[Pattern]):
        super().__init__(patterns)
        sizes = sorted({pat.observed.size for pat in patterns})
        self.batches = []
        for k in sizes:
            group = [pat for pat in patterns if pat.observed.size == k]
            self.batches.append(PatternBatch(
                np.stack([g.observed for g in group]), np.array([g.n for g in group], float),
                np.stack([g.mean for g in group]), np.stack([g.cov for g in group])))


def missing_patterns(X: np.ndarray) -> Patterns:
    """Group cases by their pattern of observed variables."""
    mask = ~np.isnan(X)
    keys, inverse = np.unique(mask, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    out = []
    for g, key in enumerate(keys):
        if not key.any():
            continue
        rows = np.flatnonzero(inverse == g)
        obs = np.flatnonzero(key)
        Y = X[np.ix_(rows, obs)]
        mean = Y.mean(axis=0)
        Yc = Y - mean
        out.append(Pattern(obs, len(rows), mean, Yc.T @ Yc / len(rows), rows))
    return Patterns(out)


def _batch_parts(Sigma, mu, b: PatternBatch):
    So = Sigma[b.idx[:, :, None], b.idx[:, None, :]]
    sign, logdet = np.linalg.slogdet(So)
    V = np.linalg.inv(So)
    d = b.mean - mu[b.idx]
    Vd = np.einsum("pij,pj->pi", V, d)
    return sign, logdet, V, d, Vd


def fiml_loglik(Sigma: np.ndarray, mu: np.ndarray, patterns: Patterns) -> float:
    """The FIML log-likelihood of moments (Sigma, mu) over all cases."""
    ll = 0.0
    for b in patterns.batches:
        sign, logdet, V, d, Vd = _batch_parts(Sigma, mu, b)
        if np.any(sign <= 0):
            return -np.inf
        k = b.idx.shape[1]
        quad = np.einsum("pij,pji->p", V, b.cov) + np.einsum("pi,pi->p", d, Vd)
        ll -= 0.5 * np.sum(b.n * (k * LOG2PI + logdet + quad))
    return float(ll)


def fiml_moment_gradient(Sigma: np.ndarray, mu: np.ndarray, patterns: Patterns):
    """d loglik / d Sigma (as a p x p matrix for symmetric perturbations) and d loglik / d mu."""
    p = Sigma.shape[0]
    GS = np.zeros((p, p))
    gm = np.zeros(p)
    for b in patterns.batches:
        _, _, V, d, Vd = _batch_parts(Sigma, mu, b)
        M = V @ b.cov @ V + Vd[:, :, None] * Vd[:, None, :]
        G = -0.5 * b.n[:, None, None] * (V - M)
        np.add.at(GS, (b.idx[:, :, None], b.idx[:, None, :]), G)
        np.add.at(gm, b.idx, b.n[:, None] * Vd)
    return GS, gm


def fiml_objective_and_gradient(model: RAMModel, theta: np.ndarray, patterns: Patterns,
                                n: int):
    """-loglik/n and its gradient (for a minimiser)."""
    try:
        Sigma, mu = model.implied(theta)
    except np.linalg.LinAlgError:
        return np.inf, np.zeros_like(theta)
    ll = fiml_loglik(Sigma, mu, patterns)
    if not np.isfinite(ll):
        return np.inf, np.zeros_like(theta)
    GS, gm = fiml_moment_gradient(Sigma, mu, patterns)
    dS, dm = model.jacobian(theta)
    g = np.einsum("kij,ij->k", dS, GS) + dm @ gm
    return -ll / n, -g / n


def fiml_expected_information(model: RAMModel, theta: np.ndarray, patterns: Patterns,
                              n: int) -> np.ndarray:
    """Expected information per case under MAR (used for Fisher scoring steps)."""
    Sigma, mu = model.implied(theta)
    dS, dm = model.jacobian(theta)
    q = theta.size
    J = np.zeros((q, q))
    for b in patterns.batches:
        V = np.linalg.inv(Sigma[b.idx[:, :, None], b.idx[:, None, :]])
        dSo = dS[:, b.idx[:, :, None], b.idx[:, None, :]]          # (q, P, k, k)
        VdS = np.einsum("pij,qpjl->qpil", V, dSo)
        X = (VdS * b.n[None, :, None, None]).reshape(q, -1)
        Y = VdS.transpose(0, 1, 3, 2).reshape(q, -1)
        J += 0.5 * X @ Y.T
        dmo = dm[:, b.idx]                                          # (q, P, k)
        VdM = np.einsum("pij,qpj->qpi", V, dmo)
        J += (dmo * b.n[None, :, None]).reshape(q, -1) @ VdM.reshape(q, -1).T
    return J / n


def fit_fiml(model: RAMModel, theta0: np.ndarray, patterns: Patterns, n: int, *,
             tol: float = 1e-12, max_iter: int = 500) -> tuple[np.ndarray, int, bool]:
    """FIML estimate by Fisher scoring (expected information under MAR)."""
    last: dict[bytes, tuple] = {}

    def both(theta):   # the objective and its gradient come from one pass over the patterns
        key = theta.tobytes()
        if key not in last:
            last.clear()
            last[key] = fiml_objective_and_gradient(model, theta, patterns, n)
        return last[key]

    return fisher_scoring(lambda t: both(t)[0], lambda t: both(t)[1],
                          lambda t: fiml_expected_information(model, t, patterns, n),
                          theta0, tol=tol, max_iter=max_iter)


def em_saturated(X: np.ndarray, patterns: list[Pattern], *, tol: float = 1e-10,
                 max_iter: int = 10000) -> tuple[np.ndarray, np.ndarray, float, int]:
    """ML estimates of an unrestricted mean and covariance with missing data (EM).

    Returns (Sigma, mu, loglik, iterations).
    """
    n, p = X.shape
    mu = np.nanmean(X, axis=0)
    Sigma = np.diag(np.nanvar(X, axis=0))
    ll_old = -np.inf
    for it in range(1, max_iter + 1):
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for pat in patterns:
            o = pat.observed
            mset = np.setdiff1d(np.arange(p), o)
            Y = X[np.ix_(pat.rows, o)]
            if mset.size == 0:
                full = Y
                extra = 0.0
            else:
                Soo_inv = np.linalg.inv(Sigma[np.ix_(o, o)])
                Smo = Sigma[np.ix_(mset, o)]
                beta = Smo @ Soo_inv
                full = np.empty((pat.n, p))
                full[:, o] = Y
                full[:, mset] = mu[mset] + (Y - mu[o]) @ beta.T
                cond = Sigma[np.ix_(mset, mset)] - beta @ Smo.T
                extra = np.zeros((p, p))
                extra[np.ix_(mset, mset)] = pat.n * cond
            T1 += full.sum(axis=0)
            T2 += full.T @ full + extra
        mu = T1 / n
        Sigma = T2 / n - np.outer(mu, mu)
        ll = fiml_loglik(Sigma, mu, patterns)
        if abs(ll - ll_old) < tol * max(1.0, abs(ll)):
            return Sigma, mu, ll, it
        ll_old = ll
    return Sigma, mu, ll, max_iter
