"""Robust (MLR) test statistic: the Yuan-Bentler scaled chi-square, Mplus variant.

As lavaan's ``test = "yuan.bentler.mplus"`` (the default of ``estimator = "MLR"``)::

    c = [tr(A1^-1 B1) - tr(E^-1 B0)] / df

with A1 and B1 the (expected) information and first-order information of the
unrestricted model at the sample moments ("unstructured"), E the observed
information of the model (the sandwich's bread) and B0 the first-order
information of the model from its casewise scores (the sandwich's meat).
The same is done for the independence (baseline) model, which gives the robust
CFI and TLI of Brosseau-Liard & Savalei (2014).
"""
from __future__ import annotations

import numpy as np

from . import fit_indices as fi


def _h1_parts(S: np.ndarray, mean: np.ndarray, X: np.ndarray, fixed=()):
    """Expected h1 information of vech(Sigma) at S and the casewise h1 scores (no means).

    ``fixed``: the fixed.x predictors; as lavaan, the vech elements among them are
    dropped (their rows of the information are zero).
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
    return A1, scores


def _baseline_parts(S: np.ndarray, mean: np.ndarray, X: np.ndarray, fixed=()):
    """Observed information and casewise scores of the independence model's variances
    (of the variables other than the fixed.x predictors)."""
    rest = [k for k in range(S.shape[0]) if k not in set(fixed)]
    v = np.diag(S)[rest]
    R = (X - mean)[:, rest]
    scores = 0.5 * (R ** 2 / v ** 2 - 1.0 / v)
    # observed information per case at v = diag(S): 1/v^3 * s_jj - 0.5/v^2 = 0.5/v^2
    E = np.diag(0.5 / v ** 2)
    return E, scores


def scaled_test(X: np.ndarray, S: np.ndarray, mean: np.ndarray, bread: np.ndarray,
                model_scores: np.ndarray, chisq: float, df: int, chisq0: float, df0: int,
                n: int, fixed=()) -> dict[str, float]:
    """lavaan's MLR fit measures (``.scaled`` and ``.robust``) for complete data.

    Parameters
    ----------
    X : (n, p) complete data; S, mean : sample moments (N denominator).
    bread : observed information of the model per case (q x q).
    model_scores : (n, q) casewise scores of the model at the estimate.
    fixed : indices of the fixed.x predictors (lavaan's ``fixed.x = TRUE``): ``bread`` and
        ``model_scores`` are then those of the other parameters only.
    """
    A1, h1_scores = _h1_parts(S, mean, X, fixed)
    B1 = h1_scores.T @ h1_scores / n
    trace_h1 = np.sum(B1 * np.linalg.inv(A1).T)
    B0 = model_scores.T @ model_scores / n
    c = (trace_h1 - np.sum(B0 * np.linalg.inv(bread).T)) / df if df > 0 else float("nan")
    E_base, base_scores = _baseline_parts(S, mean, X, fixed)
    B0_base = base_scores.T @ base_scores / n
    c0 = (trace_h1 - np.sum(B0_base * np.linalg.inv(E_base).T)) / df0
    # a saturated model (df = 0) has no scaling factor: lavaan keeps the unscaled statistic
    chisq_s, chisq0_s = (chisq / c if df > 0 else chisq), chisq0 / c0
    out = {"chisq.scaled": chisq_s, "df.scaled": float(df),
           "pvalue.scaled": fi.chisq_pvalue(chisq_s, df), "chisq.scaling.factor": c,
           "baseline.chisq.scaled": chisq0_s, "baseline.df.scaled": float(df0),
           "baseline.pvalue.scaled": fi.chisq_pvalue(chisq0_s, df0),
           "baseline.chisq.scaling.factor": c0,
           "cfi.scaled": fi.cfi(chisq_s, df, chisq0_s, df0),
           "tli.scaled": fi.tli(chisq_s, df, chisq0_s, df0),
           "rmsea.scaled": fi.rmsea(chisq_s, df, n)}
    out.update(fi.robust_indices(chisq, df, c, chisq0, df0, c0, n))
    if df == 0:      # lavaan 0.6-14's values for a saturated model
        out.update({"rmsea.scaled": float("nan"), "cfi.robust": float("nan"),
                    "tli.robust": float("nan"), "rmsea.robust": 0.0})
    return out
