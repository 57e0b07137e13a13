"""Normal-theory maximum likelihood for a :class:`~csi_model.sem._ram.RAMModel`.

Conventions are lavaan's (``likelihood = "normal"``): the sample covariance
divides by N, the ML discrepancy is
``F = log|Sigma| + tr(S Sigma^-1) - log|S| - p (+ (xbar - mu)' Sigma^-1 (xbar - mu))``
and the test statistic is ``N * F``. Information matrices are per observation,
so ``acov = inv(N * J) / ...`` as in :func:`standard_errors`.

Full-information ML with missing answers is in :mod:`csi_model.sem._fiml`.
This module holds the mathematics only: it never sees semopy, data frames or
user input.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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

    @cached_property
    def logdet(self) -> float:
        """log |S|, a constant of the ML discrepancy."""
        return float(np.linalg.slogdet(self.cov)[1])

    @classmethod
    def from_data(cls, X: np.ndarray, weights: np.ndarray | None = None) -> "Moments":
        """The moments of the rows of ``X``; with ``weights`` (summing to N) the weighted
        mean and covariance (divisor N, R's ``cov.wt(method = "ML")``, as lavaan)."""
        n = X.shape[0]
        if weights is None:
            mean = X.mean(axis=0)
            Xc = X - mean
            return cls(n, Xc.T @ Xc / n, mean)
        w = np.asarray(weights, float) / np.sum(weights)
        mean = w @ X
        Xc = X - mean
        return cls(n, (Xc * w[:, None]).T @ Xc, mean)


def ml_objective(model: RAMModel, theta: np.ndarray, mom: Moments) -> float:
    """The ML discrepancy F (lavaan's 2 * fmin)."""
    Sigma, mu = model.implied(theta)
    sign, logdet = np.linalg.slogdet(Sigma)
    if sign <= 0:
        return np.inf
    V = np.linalg.inv(Sigma)
    p = model.p
    f = logdet + np.sum(V * mom.cov) - mom.logdet - p
    if model.meanstructure:
        d = mom.mean - mu
        f += d @ V @ d
    # F >= 0 always; a negative value means Sigma is numerically singular
    return float(f) if np.isfinite(f) and f > -1e-8 else np.inf


def _derivatives(model: RAMModel, theta: np.ndarray):
    """(Sigma^-1, mu, dSigma, dmu) at theta: what the gradient and the information share."""
    parts = model.parts(theta)
    p = model.p
    dS, dm = model.jacobian(theta, parts)
    return np.linalg.inv(parts[1][:p, :p]), parts[2][:p], dS, dm


def ml_gradient(model: RAMModel, theta: np.ndarray, mom: Moments, derivatives=None) -> np.ndarray:
    """dF/dtheta (``derivatives``: :func:`_derivatives` at theta, if already computed)."""
    V, mu, dS, dm = _derivatives(model, theta) if derivatives is None else derivatives
    W = V - V @ mom.cov @ V
    if model.meanstructure:
        d = mom.mean - mu
        Vd = V @ d
        W = W - np.outer(Vd, Vd)
        return dS.reshape(dS.shape[0], -1) @ W.ravel() - 2 * dm @ Vd
    return dS.reshape(dS.shape[0], -1) @ W.ravel()


def expected_information(model: RAMModel, theta: np.ndarray, derivatives=None) -> np.ndarray:
    """Expected (structured) information per observation, J, with E[d2F] = 2 J."""
    V, _, dS, dm = _derivatives(model, theta) if derivatives is None else derivatives
    q = dS.shape[0]
    active = model.active_params    # a group's own parameters in a multi-group vector
    if len(active) < q:
        J = np.zeros((q, q))
        J[np.ix_(active, active)] = expected_information(
            model, theta, (V, None, dS[active], dm[active]))
        return J
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


def polish(objective, gradient, information, theta: np.ndarray, *, gtol: float = 1e-11,
           max_iter: int = 200) -> np.ndarray:
    """Further Fisher-scoring steps from a converged ``theta``, while they shrink the gradient.

    Fisher scoring converges linearly when the model does not fit exactly (the expected
    information is not the Hessian), and its stop on the Newton decrement leaves estimates
    ~1e-6 from the optimum; modification indices (a squared gradient) need them closer.
    A step is kept only if it does not raise the objective beyond rounding and lowers the
    largest absolute gradient; it stops below ``gtol`` or when a step gains nothing. The
    information is taken once, at ``theta`` (it hardly changes over these last steps).
    """
    theta = np.asarray(theta, dtype=float)
    f, g = objective(theta), gradient(theta)
    if not g.size or np.abs(g).max() < gtol:
        return theta
    try:
        H_inv = np.linalg.inv(information(theta))
    except np.linalg.LinAlgError:
        return theta
    for _ in range(max_iter):
        gmax = np.abs(g).max()
        if gmax < gtol:
            break
        cand = theta - H_inv @ g
        fc, gc = objective(cand), gradient(cand)
        if not (np.isfinite(fc) and fc <= f + 1e-13 * max(1.0, abs(f))
                and np.abs(gc).max() < gmax):
            break
        theta, f, g = cand, fc, gc
    return theta


def fit_ml(model: RAMModel, theta0: np.ndarray, mom: Moments, *, tol: float = 1e-12,
           max_iter: int = 500) -> tuple[np.ndarray, int, bool]:
    """ML estimate by Fisher scoring from ``theta0`` (see :func:`fisher_scoring`)."""
    last: dict[bytes, tuple] = {}

    def derivatives(theta):   # the gradient and the information share one Jacobian
        key = theta.tobytes()
        if key not in last:
            last.clear()
            last[key] = _derivatives(model, theta)
        return last[key]

    return fisher_scoring(lambda t: ml_objective(model, t, mom),
                          lambda t: ml_gradient(model, t, mom, derivatives(t)),
                          lambda t: 2 * expected_information(model, t, derivatives(t)),
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


def casewise_scores(model: RAMModel, theta: np.ndarray, X: np.ndarray,
                    mean: np.ndarray | None = None) -> np.ndarray:
    """Scores d loglik_i / d theta for every complete case (N x q).

    Without a mean structure the means are saturated at the sample means (``mean``: the
    weighted ones of a weighted sample).
    """
    Sigma, mu = model.implied(theta)
    if not model.meanstructure:
        mu = X.mean(axis=0) if mean is None else mean
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
