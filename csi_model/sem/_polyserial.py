"""Polyserial correlations (Olsson, Drasgow & Dorans 1982) and the casewise scores of the
bivariate likelihoods that mix continuous and ordinal items, as lavaan's ``lav_bvmix`` and
``lav_bvreg`` (two-step: the continuous item's mean and variance, with divisor N, and the
ordinal item's thresholds are fixed at their univariate estimates; the correlation maximizes
the bivariate likelihood).

For a continuous item ``y`` (mean ``mu``, variance ``v``, ``z = (y - mu) / sqrt(v)``) and an
ordinal item in category ``k`` (thresholds ``tau``), with ``r = sqrt(1 - rho^2)`` and
``u_k = (tau_k - rho z) / r``, a respondent's log-likelihood is
``log phi(z) - log sqrt(v) + log(Phi(u_k) - Phi(u_{k-1}))``. Two continuous items: the
bivariate normal log-density; with fixed means and variances and no missing answers lavaan
takes the Pearson correlation (its starting value, which it does not refine).

Olsson, U., Drasgow, F., & Dorans, N. J. (1982). The polyserial correlation coefficient.
Psychometrika, 47, 337-347.
"""
from __future__ import annotations

import numpy as np

from .._distributions import ndtr  # scipy.special, imported on first call

__all__ = ["polyserial_scores", "fit_polyserial", "pearson_scores", "RHO_MAX_POLYSERIAL"]

#: lavaan's bounds for the polyserial correlation (nlminb lower/upper).
RHO_MAX_POLYSERIAL = 0.995
_SQRT_2PI = np.sqrt(2 * np.pi)


def _phi(x):
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(np.isfinite(x), np.exp(-0.5 * x * x) / _SQRT_2PI, 0.0)


def _pieces(z, codes, tau, rho):
    r = np.sqrt(1.0 - rho * rho)
    up, lo = tau[codes + 1], tau[codes]
    u_up, u_lo = (up - rho * z) / r, (lo - rho * z) / r
    prob = ndtr(u_up) - ndtr(u_lo)
    return r, up, lo, u_up, u_lo, np.maximum(prob, 1e-300)


def _loglik(z, codes, tau, rho, w):
    prob = _pieces(z, codes, tau, rho)[-1]
    return float(np.sum(w * np.log(prob)))


def polyserial_scores(y, mean: float, var: float, codes, tau, rho: float) -> dict:
    """Casewise derivatives of the polyserial log-likelihood.

    ``codes``: categories 0..K-1; ``tau``: (-inf, tau_1, ..., tau_{K-1}, inf). Returns
    ``rho`` (n), ``mean`` (n), ``var`` (n) and ``th`` (n x K-1).
    """
    sd = np.sqrt(var)
    z = (np.asarray(y, dtype=float) - mean) / sd
    r, up, lo, u_up, u_lo, prob = _pieces(z, codes, tau, rho)
    f_up, f_lo = _phi(u_up), _phi(u_lo)
    # d u / d rho = (rho tau - z) / r^3 (0 at an infinite threshold, where phi is 0)
    with np.errstate(invalid="ignore"):
        g_up = np.where(np.isfinite(up), f_up * (rho * up - z), 0.0)
        g_lo = np.where(np.isfinite(lo), f_lo * (rho * lo - z), 0.0)
    d_rho = (g_up - g_lo) / (r ** 3 * prob)
    dens = (f_up - f_lo) / prob
    d_mean = z / sd + dens * rho / (sd * r)
    d_var = (z * z - 1.0) / (2.0 * var) + dens * rho * z / (2.0 * var * r)
    k = len(tau) - 2
    th = np.zeros((len(z), k))
    rows = np.arange(len(z))
    upper = codes < k                       # the threshold closing the category from above
    th[rows[upper], codes[upper]] += f_up[upper] / (r * prob[upper])
    lower = codes > 0
    th[rows[lower], codes[lower] - 1] -= f_lo[lower] / (r * prob[lower])
    return {"rho": d_rho, "mean": d_mean, "var": d_var, "th": th}


def fit_polyserial(y, mean: float, var: float, codes, tau, weights=None, *,
                   max_iter: int = 200, tol: float = 1e-12) -> tuple[float, bool]:
    """The ML polyserial correlation with the univariate statistics fixed: (rho, at_bound).

    Fisher scoring with the outer product of the scores as information (BHHH), step halving,
    within lavaan's bounds +-0.995.
    """
    w = np.ones(len(codes)) if weights is None else np.asarray(weights, dtype=float)
    z = (np.asarray(y, dtype=float) - mean) / np.sqrt(var)
    lim = RHO_MAX_POLYSERIAL
    # Olsson et al.'s ad hoc start: r(y, codes) sd(codes) / sum phi(tau)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.corrcoef(z, codes)[0, 1] * np.std(codes) / np.sum(_phi(tau[1:-1]))
    rho = float(np.clip(c if np.isfinite(c) else 0.0, -0.9, 0.9))
    ll = _loglik(z, codes, tau, rho, w)
    for _ in range(max_iter):
        s = polyserial_scores(y, mean, var, codes, tau, rho)["rho"]
        info = float(np.sum(w * s * s))
        if info <= 0:
            break
        step = float(np.sum(w * s)) / info
        new = float(np.clip(rho + step, -lim, lim))
        new_ll = _loglik(z, codes, tau, new, w)
        for _ in range(40):
            if new_ll >= ll - 1e-12:
                break
            new = (rho + new) / 2
            new_ll = _loglik(z, codes, tau, new, w)
        moved = abs(new - rho)
        rho, ll = new, new_ll
        if moved < tol:
            break
    return rho, abs(rho) >= lim


def pearson_scores(y1, y2, m1: float, v1: float, m2: float, v2: float, rho: float) -> dict:
    """Casewise derivatives of the bivariate normal log-density (means, variances fixed):
    ``rho``, ``mean1``, ``var1``, ``mean2``, ``var2``."""
    z1 = (np.asarray(y1, dtype=float) - m1) / np.sqrt(v1)
    z2 = (np.asarray(y2, dtype=float) - m2) / np.sqrt(v2)
    r2 = 1.0 - rho * rho
    q = z1 * z1 - 2 * rho * z1 * z2 + z2 * z2
    out = {"rho": rho / r2 + z1 * z2 / r2 - rho * q / (r2 * r2)}
    for a, b, m, v in ((z1, z2, "mean1", v1), (z2, z1, "mean2", v2)):
        e = (a - rho * b) / r2
        out[m] = e / np.sqrt(v)
        out[m.replace("mean", "var")] = -1.0 / (2 * v) + a * e / (2 * v)
    return out
