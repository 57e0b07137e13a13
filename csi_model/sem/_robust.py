"""Robust (MLR) test statistic: the Yuan-Bentler scaled chi-square, Mplus variant.

As lavaan's ``test = "yuan.bentler.mplus"`` (the default of ``estimator = "MLR"``)::

    c = [tr(A1^-1 B1) - tr(E^-1 B0)] / df

with A1 and B1 the (expected) information and first-order information of the
unrestricted model at the sample moments ("unstructured"), E the observed
information of the model (the sandwich's bread) and B0 the first-order
information of the model from its casewise scores (the sandwich's meat).
The same is done for the independence (baseline) model, which gives the robust
CFI and TLI of Brosseau-Liard & Savalei (2014).

With missing answers (FIML) :func:`fiml_robust_measures` does what lavaan 0.6-14 does for
``missing = "ml"``: the h1 informations come from the missing-data likelihood at the EM moments,
and the robust CFI/TLI/RMSEA are the FIML-corrected ones of Zhang & Savalei.
"""
from __future__ import annotations

import numpy as np

from . import fit_indices as fi


def _h1_parts(S: np.ndarray, mean: np.ndarray, X: np.ndarray, fixed=(), means: bool = False):
    """Expected h1 information of vech(Sigma) (and, with ``means``, of the means first) at
    the sample moments and the casewise h1 scores.

    ``fixed``: the fixed.x predictors; as lavaan, the vech elements among them (and their
    means) are dropped (their rows of the information are zero).
    """
    p = S.shape[0]
    V = np.linalg.inv(S)
    i, j = np.triu_indices(p)
    keep = ~(np.isin(i, list(fixed)) & np.isin(j, list(fixed)))
    i, j = i[keep], j[keep]
    w = np.where(i == j, 1.0, 2.0)   # an off-diagonal vech element moves (i, j) and (j, i)
    A1 = 0.25 * np.outer(w, w) * (V[np.ix_(i, i)] * V[np.ix_(j, j)] + V[np.ix_(i, j)] * V[np.ix_(j, i)])
    Z = (X - mean) @ V
    scores = 0.5 * w * (Z[:, i] * Z[:, j] - V[i, j])
    if means:     # the mean block: information V, scores V (x - mean), no cross terms at h1
        free = [k for k in range(p) if k not in set(fixed)]
        A1 = _block_diag(V[np.ix_(free, free)], A1)
        scores = np.hstack([Z[:, free], scores])
    return A1, scores


def _block_diag(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros((a.shape[0] + b.shape[0],) * 2)
    out[:a.shape[0], :a.shape[0]] = a
    out[a.shape[0]:, a.shape[0]:] = b
    return out


def _baseline_parts(S: np.ndarray, mean: np.ndarray, X: np.ndarray, fixed=(),
                    means: bool = False):
    """Observed information and casewise scores of the independence model's variances
    (and, with ``means``, its means) of the variables other than the fixed.x predictors."""
    rest = [k for k in range(S.shape[0]) if k not in set(fixed)]
    v = np.diag(S)[rest]
    R = (X - mean)[:, rest]
    scores = 0.5 * (R ** 2 / v ** 2 - 1.0 / v)
    # observed information per case at v = diag(S): 1/v^3 * s_jj - 0.5/v^2 = 0.5/v^2
    E = np.diag(0.5 / v ** 2)
    if means:     # at the sample means: information 1/v, scores r/v, no cross terms
        E = _block_diag(np.diag(1.0 / v), E)
        scores = np.hstack([R / v, scores])
    return E, scores


def h1_traces(X: np.ndarray, S: np.ndarray, mean: np.ndarray, n: float, fixed=(),
              means: bool = False, weights: np.ndarray | None = None) -> tuple[float, float]:
    """The h1 and the baseline traces of one group's Yuan-Bentler (Mplus) scaling factors.

    Returns ``tr(A1^-1 B1)`` of the unrestricted model (unstructured, at the sample moments)
    and ``tr(E^-1 B0)`` of the independence model, with the first-order informations divided
    by ``n`` (the group's N: its number of rows, or the sum of its sampling weights, as
    lavaan's ``nobs`` with ``sampling.weights``); ``weights`` multiply each case's scores.
    """
    A1, h1_scores = _h1_parts(S, mean, X, fixed, means)
    E_base, base_scores = _baseline_parts(S, mean, X, fixed, means)
    if weights is not None:
        h1_scores = h1_scores * weights[:, None]
        base_scores = base_scores * weights[:, None]
    B1 = h1_scores.T @ h1_scores / n
    B0_base = base_scores.T @ base_scores / n
    return (float(np.sum(B1 * np.linalg.inv(A1).T)),
            float(np.sum(B0_base * np.linalg.inv(E_base).T)))


def model_trace(bread: np.ndarray, model_scores: np.ndarray, n: float) -> float:
    """``tr(E^-1 B0)`` of the model: ``bread`` its observed information per case, B0 the
    cross-products of the (weighted) casewise scores over ``n`` (all groups stacked)."""
    B0 = model_scores.T @ model_scores / n
    return float(np.sum(B0 * np.linalg.inv(bread).T))


def scaled_measures(chisq: float, df: int, chisq0: float, df0: int, trace_h1: float,
                    trace_h0: float, trace_base: float, n: float,
                    n_groups: int = 1) -> dict[str, float]:
    """lavaan's ``.scaled`` and ``.robust`` measures from the traces (summed over groups):
    ``c = (trace_h1 - trace_h0) / df``, ``c0 = (trace_h1 - trace_base) / df0``; RMSEA times
    sqrt(G) for G groups."""
    c = (trace_h1 - trace_h0) / df if df > 0 else float("nan")
    c0 = (trace_h1 - trace_base) / df0
    # a saturated model (df = 0) has no scaling factor: lavaan keeps the unscaled statistic
    chisq_s, chisq0_s = (chisq / c if df > 0 else chisq), chisq0 / c0
    out = {"chisq.scaled": chisq_s, "df.scaled": float(df),
           "pvalue.scaled": fi.chisq_pvalue(chisq_s, df), "chisq.scaling.factor": c,
           "baseline.chisq.scaled": chisq0_s, "baseline.df.scaled": float(df0),
           "baseline.pvalue.scaled": fi.chisq_pvalue(chisq0_s, df0),
           "baseline.chisq.scaling.factor": c0,
           "cfi.scaled": fi.cfi(chisq_s, df, chisq0_s, df0),
           "tli.scaled": fi.tli(chisq_s, df, chisq0_s, df0),
           "rmsea.scaled": fi.rmsea(chisq_s, df, n, n_groups=n_groups)}
    out.update(fi.robust_indices(chisq, df, c, chisq0, df0, c0, n, n_groups=n_groups))
    if df == 0:      # lavaan 0.6-14's values for a saturated model
        out.update({"rmsea.scaled": float("nan"), "cfi.robust": float("nan"),
                    "tli.robust": float("nan"), "rmsea.robust": 0.0})
    return out


def scaled_test(X: np.ndarray, S: np.ndarray, mean: np.ndarray, bread: np.ndarray,
                model_scores: np.ndarray, chisq: float, df: int, chisq0: float, df0: int,
                n: int, fixed=(), means: bool = False,
                weights: np.ndarray | None = None) -> dict[str, float]:
    """lavaan's MLR fit measures (``.scaled`` and ``.robust``) for complete data.

    Parameters
    ----------
    X : (n, p) complete data; S, mean : sample moments (N denominator).
    bread : observed information of the model per case (q x q).
    model_scores : (n, q) casewise scores of the model at the estimate.
    fixed : indices of the fixed.x predictors (lavaan's ``fixed.x = TRUE``): ``bread`` and
        ``model_scores`` are then those of the other parameters only.
    means : the model has a mean structure (its parameters include intercepts): the
        unrestricted and baseline models then include the means too, as lavaan's.
    weights : sampling weights summing to n (lavaan's ``sampling.weights``): S and mean are
        then the weighted moments, ``model_scores`` the weighted casewise scores, and the h1
        and baseline scores are weighted the same way (each case's score times its weight).
    """
    trace_h1, trace_base = h1_traces(X, S, mean, n, fixed, means, weights)
    return scaled_measures(chisq, df, chisq0, df0, trace_h1, model_trace(bread, model_scores, n),
                           trace_base, n)


# ----------------------------------------------------------------------------- FIML
def _ml_discrepancy(S: np.ndarray, mean: np.ndarray, Sigma: np.ndarray, mu: np.ndarray) -> float:
    """lavaan's ML discrepancy F of the moments (Sigma, mu) at the sample moments (S, mean)."""
    V = np.linalg.inv(Sigma)
    d = mean - mu
    return float(np.linalg.slogdet(Sigma)[1] + np.sum(V * S) - np.linalg.slogdet(S)[1]
                 - S.shape[0] + d @ V @ d)


def fiml_baseline(data, exo_idx=()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The FIML independence model: (Sigma_B, mu_B, Delta_B).

    Every variable has its own mean and variance (the ML estimates from its observed answers);
    observed exogenous predictors keep their joint (EM) means and covariances, as lavaan's
    baseline with ``fixed.x``'s predictors. Delta_B is the Jacobian of (mu, vech Sigma) with
    respect to the baseline's parameters (which enter linearly).
    """
    from . import _fiml

    X = data.X
    p = X.shape[1]
    exo = list(exo_idx)
    mu, var = _fiml.observed_moments(data)          # weighted with sampling weights
    Sigma = np.diag(var)
    if exo:
        Xx = X[:, exo]
        some = ~np.isnan(Xx).all(axis=1)
        S_x, mu_x, _, _ = _fiml.em_saturated(_fiml.MissingData(
            Xx[some], None if data.weights is None else data.weights[some]))
        Sigma[np.ix_(exo, exo)] = S_x
        mu[exo] = mu_x
    i, j = np.triu_indices(p)
    pstar = i.size
    cols = [np.eye(p + pstar)[:, k] for k in range(p)]                       # all means
    for b in range(pstar):
        if i[b] == j[b] or (i[b] in exo and j[b] in exo):
            cols.append(np.eye(p + pstar)[:, p + b])
    return Sigma, mu, np.column_stack(cols)


def _yb_trace_h0(B0: np.ndarray, E: np.ndarray) -> float:
    return float(np.sum(B0 * np.linalg.inv(E).T))


def _fiml_corrected(Wm, Wmi, Jm, Wc, Delta, version: str) -> float:
    """k of lavaan's FIML-corrected robust statistic (Zhang & Savalei), ``lav_fit_fiml_corrected``."""
    E_inv = np.linalg.inv(Delta.T @ Wm @ Delta)
    U = Wm - Wm @ Delta @ E_inv @ Delta.T @ Wm
    if version == "V3":
        Gamma = Wmi @ Jm @ Wmi
        return float(np.trace(U @ Wmi @ Wc @ Wmi @ U @ Gamma))
    return float(np.trace(Wc @ Wmi @ U @ Wmi))


def fiml_robust_measures(data, h1: tuple, Sigma: np.ndarray, mu: np.ndarray, Delta: np.ndarray,
                         bread: np.ndarray | None, model_scores: np.ndarray | None, chisq: float,
                         df: int, chisq0: float, df0: int, exo_idx=()) -> dict[str, float]:
    """lavaan's robust fit measures with missing = "ml" (one group).

    Always the FIML-corrected robust CFI, TLI and RMSEA of ``lav_fit_fiml_corrected``: the
    model and the baseline are evaluated at the EM moments as if they were complete data, and
    the scaling factor c.hat3 comes from the observed (Wm) and first-order (Jm) information of
    the unrestricted model under missing data and its complete-data information Wc ("V6" for
    ML; "V3" for MLR, which has ``bread`` and ``model_scores``). With MLR also the
    Yuan-Bentler (Mplus) scaled test ``.scaled`` of the model and the baseline: h1 information
    observed and unstructured (at the EM moments), the model's observed information as E.
    """
    from . import _fiml

    n = data.n
    S_em, mu_em = h1[0], h1[1]
    Wm = _fiml.h1_information(S_em, mu_em, data, observed=True)
    Wmi = np.linalg.inv(Wm)
    h1s = _fiml.h1_scores(S_em, mu_em, data)
    Jm = h1s.T @ h1s / n
    Wc = _fiml.complete_h1_information(S_em)
    exo = list(exo_idx)
    if exo:
        # lavaan refits at the EM moments with its default fixed.x = TRUE, whose h1 information
        # has zero rows and columns for the predictors' means and covariances
        p = S_em.shape[0]
        i, j = np.triu_indices(p)
        x_moments = np.concatenate([np.isin(np.arange(p), exo), np.isin(i, exo) & np.isin(j, exo)])
        Wc[x_moments, :] = 0.0
        Wc[:, x_moments] = 0.0
    Sigma_B, mu_B, Delta_B = fiml_baseline(data, exo_idx)
    robust_mlr = bread is not None
    version = "V3" if robust_mlr else "V6"
    xx3 = n * _ml_discrepancy(S_em, mu_em, Sigma, mu)
    xx3_null = n * _ml_discrepancy(S_em, mu_em, Sigma_B, mu_B)
    c3 = _fiml_corrected(Wm, Wmi, Jm, Wc, Delta, version) / df if df > 0 else float("nan")
    c3_null = _fiml_corrected(Wm, Wmi, Jm, Wc, Delta_B, version) / df0
    out = fi.robust_indices(xx3, df, c3, xx3_null, df0, c3_null, n) if df > 0 else \
        {"cfi.robust": float("nan"), "tli.robust": float("nan"), "rmsea.robust": float("nan")}
    if df > 0:   # lavaan: the interval of the scaled statistic, rescaled by sqrt(c.hat3)
        lo, hi = fi.rmsea_ci(xx3 / c3, df, n)
        out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo * c3 ** 0.5, hi * c3 ** 0.5
    if not robust_mlr:
        return out
    trace_h1 = float(np.sum(Jm * Wmi.T))
    B0 = model_scores.T @ model_scores / n
    c = (trace_h1 - _yb_trace_h0(B0, bread)) / df if df > 0 else float("nan")
    base_scores = _fiml.h1_scores(Sigma_B, mu_B, data) @ Delta_B
    E_B = Delta_B.T @ _fiml.h1_information(Sigma_B, mu_B, data, observed=True) @ Delta_B
    c0 = (trace_h1 - _yb_trace_h0(base_scores.T @ base_scores / n, E_B)) / df0
    chisq_s, chisq0_s = chisq / c, chisq0 / c0
    out.update({"chisq.scaled": chisq_s, "df.scaled": float(df),
                "pvalue.scaled": fi.chisq_pvalue(chisq_s, df), "chisq.scaling.factor": c,
                "baseline.chisq.scaled": chisq0_s, "baseline.df.scaled": float(df0),
                "baseline.pvalue.scaled": fi.chisq_pvalue(chisq0_s, df0),
                "baseline.chisq.scaling.factor": c0,
                "cfi.scaled": fi.cfi(chisq_s, df, chisq0_s, df0),
                "tli.scaled": fi.tli(chisq_s, df, chisq0_s, df0),
                "rmsea.scaled": fi.rmsea(chisq_s, df, n)})
    return out
