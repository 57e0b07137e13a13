"""DWLS/ULS with ordinal and continuous items together, as lavaan 0.6-14's ``cfa(...,
ordered = c(...))`` with the other items continuous (one group, complete data, optionally
sampling weights: weighted thresholds, means, variances, correlations and Gamma).

The statistics (:func:`~csi_model.sem._ordinal_moments.mixed_moments`) are lavaan's
``wls.obs``: the ordinal items' thresholds and minus the continuous items' means (both
saturated: the thresholds and the continuous items' intercepts are free parameters), the
continuous items' variances, then the off-diagonal elements of ``Sigma*`` (polychoric
correlations, polyserial correlations times the continuous item's SD, covariances). The model:
``Sigma* = Lambda Psi Lambda' + Theta``, an ordinal item's residual variance ``1 -
diag(Lambda Psi Lambda')`` (delta parameterization), a continuous item's free. The test, its
scaled-shifted version and the baseline (all covariances 0, the variances, means and
thresholds free) as in :mod:`~csi_model.sem.ordinal`; SRMR is lavaan's (Bentler's,
without the means: residuals divided by the sample SDs, the diagonal included). lavaan 0.6-14
gives no "robust" CFI/TLI/RMSEA with continuous items (its catML needs every item ordered):
NaN here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


from ..exceptions import ModelSpecError
from ._ordinal_moments import mixed_moments, pair_order
from ._ordinal_robust import NAN_ROBUST
from ._ram import RAMModel
from .polychoric import polychoric

__all__ = ["fit_mixed"]


def fit_mixed(spec, frame: pd.DataFrame, items: list[str], estimator: str, notes: list[str],
              weights: np.ndarray | None = None):
    """Estimate; the same pieces as :func:`~csi_model.sem.ordinal.fit_ordinal` plus the
    continuous items' intercepts. ``items``: the ordered ones; ``frame``: complete rows;
    ``weights``: their sampling weights, summing to their number."""
    from .ordinal import ORDINAL_ESTIMATORS, _gauss_newton, _residual_parameters, _start
    weight, test = ORDINAL_ESTIMATORS[estimator]
    observed = list(spec.observed)
    poly = polychoric(frame[observed], ordered=items, weights=weights)
    mom = mixed_moments(poly, frame[observed], weights)
    n = mom.n
    pt = spec.partable()
    model = RAMModel.from_partable(pt, spec.observed, spec.latents)
    residual = _residual_parameters(model, items)
    reduced = np.array([k for k in range(model.n_free) if k not in set(residual.values())])
    obs = list(model.observed)
    # the statistics' variables in the model's order (mom.items is the frame's = observed)
    order = [obs.index(v) for v in mom.items]
    p = len(order)
    num = [order[v] for v in range(p) if mom.numeric[v]]
    pairs = pair_order(p)
    rows_i = np.array([order[v] for v in num] + [order[i] for i, _ in pairs], dtype=int)
    rows_j = np.array([order[v] for v in num] + [order[j] for _, j in pairs], dtype=int)
    nt = mom.n_thresholds
    s_cov = mom.statistics[nt:]
    if len(s_cov) < len(reduced):
        raise ModelSpecError(
            f"The model has {len(reduced)} free parameters besides the thresholds and means "
            f"but the items give only {len(s_cov)} variances and covariances (negative degrees "
            "of freedom): it is not identified. Add items or fix parameters.")
    w_full = (1.0 / np.diag(mom.gamma)) if weight == "diagonal" else np.ones(len(mom.statistics))
    w_cov = w_full[nt:]

    def full(theta_s):
        theta = np.zeros(model.n_free)
        theta[reduced] = theta_s
        return theta

    def expand(theta_s):
        theta = full(theta_s)
        sigma0, _ = model.implied(theta)
        for item, k in residual.items():
            i = obs.index(item)
            theta[k] = 1.0 - sigma0[i, i]
        return theta

    def _implied(theta_s):
        S, _ = model.implied(expand(theta_s))
        return S[rows_i, rows_j]

    def jac(theta_s):
        # an ordinal item's residual variance moves only its own Sigma_ii, which is not
        # fitted (it is 1): the fitted elements' derivatives are the direct ones
        dS, _ = model.jacobian(expand(theta_s))
        return dS[reduced][:, rows_i, rows_j].T

    S_start = np.array(poly.correlation.to_numpy(), dtype=float)
    sd = np.ones(p)
    sd[[v for v in range(p) if mom.numeric[v]]] = np.sqrt(mom.variances)
    S_start = S_start * np.outer(sd, sd)
    S_model = S_start[np.ix_(np.argsort(order), np.argsort(order))]
    theta_s, iters, converged = _gauss_newton(s_cov, w_cov, _implied, jac,
                                              _start(model, spec, S_model, reduced))
    if not converged:
        notes.append(f"The {estimator} estimation did not converge in {iters} iterations: the "
                     "estimates are not a solution. Simplify the model or check the data.")
    theta = expand(theta_s)
    q = len(reduced)
    m = len(mom.statistics)
    D = np.zeros((m, nt + q))
    D[:nt, :nt] = np.eye(nt)
    D[nt:, nt:] = jac(theta_s)
    W = np.diag(w_full)
    bread = np.linalg.inv(D.T @ W @ D)
    acov_full = bread @ D.T @ W @ mom.gamma @ W @ D @ bread / (n - 1)   # lavaan: N - G
    residuals = s_cov - _implied(theta_s)
    nv = mom.n_variances
    measures = _fit_measures(n, residuals, s_cov, w_full, nt, nv, len(s_cov) - q, q + nt, D,
                             mom.gamma, test, weight, _srmr(mom, residuals, nv, pairs))
    if test == "scaled.shifted":
        measures = pd.concat([measures, pd.Series(NAN_ROBUST, dtype=float)]).rename("value")
    acov = np.zeros((model.n_free, model.n_free))
    acov[np.ix_(reduced, reduced)] = acov_full[nt:, nt:]
    se_all = np.sqrt(np.diag(acov_full)[:nt])
    is_mean = np.array([mom.numeric[v] for v in mom.threshold_item])
    th_names = np.array(mom.threshold_names)
    # std.all of an intercept, nu / sqrt(Sigma_vv(theta)), and its delta-method SE
    nu = -mom.thresholds[is_mean]
    var_fit = _implied(theta_s)[:nv]
    std_nu = nu / np.sqrt(var_fit)
    std_se = np.empty(nv)
    for k, t in enumerate(np.flatnonzero(is_mean)):
        J = np.zeros(nt + q)
        J[t] = -1.0 / np.sqrt(var_fit[k])                 # the statistic is minus the mean
        J[nt:] = -0.5 * nu[k] * var_fit[k] ** -1.5 * D[nt + k, nt:]
        std_se[k] = np.sqrt(max(float(J @ acov_full @ J), 0.0))
    return {"model": model, "theta": theta, "theta_reduced": theta_s, "reduced": reduced,
            "expand": expand, "acov": acov, "acov_reduced": acov_full[nt:, nt:],
            "moments": mom,
            "thresholds": (tuple(th_names[~is_mean]), mom.thresholds[~is_mean],
                           se_all[~is_mean]),
            "intercepts": (tuple(n.split("~")[0] for n in th_names[is_mean]), nu,
                           se_all[is_mean], std_nu, std_se),
            "measures": measures, "iterations": iters, "converged": converged, "n": n,
            "polychoric": poly, "residual_parameters": residual}


def _fit_measures(n, residuals, s_cov, w, nt, nv, df, npar, D, gamma, test, weight,
                  srmr) -> pd.Series:
    """As :func:`~csi_model.sem.ordinal._fit_measures`, the baseline fitting the variances
    (and thresholds, means) exactly and every covariance 0."""
    from .ordinal import wls_measures
    w_cov = w[nt:]
    chisq = (n - 1) * float(residuals @ (w_cov * residuals))
    base = s_cov.copy()
    base[:nv] = 0.0
    chisq0, df0 = (n - 1) * float(base @ (w_cov * base)), len(s_cov) - nv
    return wls_measures(chisq, df, chisq0, df0, n, npar, srmr, weight, test, D,
                        np.eye(len(w))[:, :nt + nv], w, gamma)


def _srmr(mom, residuals, nv, pairs) -> float:
    """lavaan's srmr for this case (``srmr_bentler_nomean``): residuals over sqrt(s_ii s_jj)."""
    p = len(mom.items)
    s_var = np.ones(p)
    s_var[[v for v in range(p) if mom.numeric[v]]] = mom.variances
    num = [v for v in range(p) if mom.numeric[v]]
    total = float(np.sum((residuals[:nv] / s_var[num]) ** 2))
    for k, (i, j) in enumerate(pairs):
        total += (residuals[nv + k] / np.sqrt(s_var[i] * s_var[j])) ** 2
    return float(np.sqrt(total / (p * (p + 1) / 2)))

