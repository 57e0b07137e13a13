"""Fit indices as small pure functions, with lavaan's conventions.

Each function takes plain numbers (chi-squares, degrees of freedom, N) and
returns a float, so it can be checked by hand against a textbook or lavaan's
``fitMeasures()``. Conventions (lavaan 0.6, ``likelihood = "normal"``): the
chi-square is N times the ML discrepancy, RMSEA uses N (not N - 1), the RMSEA
interval inverts the non-central chi-square distribution at 90 %.

References
----------
Bentler, P. M. (1990). Comparative fit indexes in structural models. Psychological Bulletin 107(2).
Browne, M. W., & Cudeck, R. (1993). Alternative ways of assessing model fit.
Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes. Structural Equation Modeling 6(1).
"""
from __future__ import annotations

import math

import numpy as np
from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)

__all__ = ["chisq_pvalue", "cfi", "tli", "nfi", "rmsea", "rmsea_ci", "rmsea_pclose", "srmr",
           "gfi", "gfi_missing", "agfi", "aic", "bic", "bic_adjusted", "baseline_chisq_complete", "robust_indices"]


def chisq_pvalue(chisq: float, df: float) -> float:
    """Upper-tail p-value of the chi-square test (NaN when df = 0... lavaan reports NA).

    Examples
    --------
    >>> round(chisq_pvalue(85.306, 24), 6)
    0.0
    """
    if df <= 0:
        return float("nan")
    return float(stats.chi2.sf(chisq, df))


def cfi(chisq: float, df: float, chisq_null: float, df_null: float) -> float:
    """Comparative fit index (Bentler 1990), clipped to [0, 1] like lavaan.

    Examples
    --------
    >>> round(cfi(85.306, 24, 918.852, 36), 3)
    0.931
    """
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, chisq_null - df_null, 0.0)
    if t2 == 0:
        return 1.0
    return float(1.0 - t1 / t2)


def tli(chisq: float, df: float, chisq_null: float, df_null: float) -> float:
    """Tucker-Lewis index (non-normed fit index); not clipped.

    As lavaan 0.6-14 (``lav_fit_tli``): 1 for a saturated model (df = 0) and when the
    baseline fits perfectly (chisq_null = df_null).

    Examples
    --------
    >>> round(tli(85.306, 24, 918.852, 36), 3)
    0.896
    >>> tli(0.0, 0, 918.852, 36)
    1.0
    """
    values = (chisq, df, chisq_null, df_null)
    if any(v is None or math.isnan(v) for v in values):
        return float("nan")
    t1 = (chisq - df) * df_null
    t2 = (chisq_null - df_null) * df
    if df > 0 and abs(t2) > 0:
        return float(1.0 - t1 / t2)
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return float("nan")
    return 1.0


def nfi(chisq: float, chisq_null: float, df: float | None = None,
        df_null: float | None = None) -> float:
    """Normed fit index (Bentler & Bonett 1980).

    With the degrees of freedom, lavaan's conventions: 1 for a saturated model, NaN when
    df > df_null or the baseline chi-square is 0.

    Examples
    --------
    >>> round(nfi(85.306, 918.852), 3)
    0.907
    >>> nfi(0.0, 918.852, 0, 36)
    1.0
    """
    if df is not None and df_null is not None:
        if df > df_null or abs(chisq_null) < 1.5e-8:
            return float("nan")
        if df <= 0:
            return 1.0
    return float((chisq_null - chisq) / chisq_null)


def rmsea(chisq: float, df: float, n: int, n_groups: int = 1) -> float:
    """Root mean square error of approximation with N (lavaan), times sqrt(G) for G groups.

    Examples
    --------
    >>> round(rmsea(85.306, 24, 301), 3)
    0.092
    """
    if df <= 0:
        return 0.0      # lavaan: 0 for a saturated model
    return float(math.sqrt(max(chisq / (n * df) - 1.0 / n, 0.0)) * math.sqrt(n_groups))


def _ncp_for(chisq: float, df: float, prob: float) -> float:
    """The noncentrality lambda with P(X <= chisq | df, lambda) = prob (0 if none)."""
    return stats.ncx2.noncentrality(chisq, df, prob)


def rmsea_ci(chisq: float, df: float, n: int, level: float = 0.90, n_groups: int = 1):
    """Confidence interval of RMSEA by inverting the non-central chi-square.

    Examples
    --------
    >>> lo, hi = rmsea_ci(85.306, 24, 301)
    >>> round(lo, 3), round(hi, 3)
    (0.071, 0.114)
    >>> rmsea_ci(0.0, 0, 301)            # saturated: lavaan reports [0, 0]
    (0.0, 0.0)
    """
    if df < 1:
        return 0.0, 0.0
    a = (1 - level) / 2
    lam_lo = _ncp_for(chisq, df, 1 - a)
    lam_hi = _ncp_for(chisq, df, a)
    g = math.sqrt(n_groups)
    return (float(math.sqrt(lam_lo / (n * df)) * g), float(math.sqrt(lam_hi / (n * df)) * g))


def rmsea_pclose(chisq: float, df: float, n: int, close: float = 0.05, n_groups: int = 1) -> float:
    """P(RMSEA <= close): the test of close fit (lavaan's ``rmsea.pvalue``).

    Examples
    --------
    >>> round(rmsea_pclose(85.306, 24, 301), 4)
    0.0007
    """
    if df <= 0:
        return float("nan")
    lam = close ** 2 * n * df / n_groups
    return float(stats.ncx2.sf(chisq, df, lam)) if lam > 0 else float(stats.chi2.sf(chisq, df))


def srmr(S: np.ndarray, Sigma: np.ndarray, mean: np.ndarray | None = None,
         mu: np.ndarray | None = None) -> float:
    """Standardized root mean square residual, lavaan's default (Bentler's) version.

    Residual covariances are divided by the observed standard deviations; the
    diagonal is included. With means, the standardized mean residuals are included too.

    Examples
    --------
    >>> S = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> Sigma = np.array([[1.0, 0.4], [0.4, 1.0]])
    >>> round(srmr(S, Sigma), 4)                    # sqrt(0.1**2 / 3)
    0.0577
    """
    sd = np.sqrt(np.diag(S))
    R = (S - Sigma) / np.outer(sd, sd)
    iu = np.triu_indices(S.shape[0])
    res = list(R[iu])
    if mean is not None and mu is not None:
        res.extend((mean - mu) / sd)
    res = np.asarray(res)
    return float(np.sqrt(np.mean(res ** 2)))


def gfi(S: np.ndarray, Sigma: np.ndarray, mean: np.ndarray | None = None,
        mu: np.ndarray | None = None, fixed=()) -> float:
    """Goodness-of-fit index for ML: 1 - tr[(W(S - Sigma))^2] / tr[(W S)^2], W = Sigma^-1.

    ``fixed``: indices of the fixed.x predictors. As lavaan, their moments get weight 0
    (in the denominator; in the numerator their residuals are 0 anyway).

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.3], [0.3, 1.0]])
    >>> gfi(S, S)
    1.0
    """
    V = np.linalg.inv(Sigma)
    R = V @ (S - Sigma)
    x = list(fixed)
    S_model = S.copy()
    if x:
        S_model[np.ix_(x, x)] = 0.0
    VS = V @ S_model
    # the normal-theory weight of vech(S) is 0.5 D'(W kron W)D, that of the means W
    num = 0.5 * np.trace(R @ R)
    den = 0.5 * np.trace(VS @ VS)
    if mean is not None and mu is not None:
        d = mean - mu
        m = np.array(mean, dtype=float)
        if x:
            d = d.copy()
            d[x] = 0.0
            m[x] = 0.0
        num += d @ V @ d
        den += m @ V @ m
    return float(1.0 - num / den)


def gfi_missing(S: np.ndarray, Sigma: np.ndarray, mean: np.ndarray, mu: np.ndarray,
                patterns, fixed=()) -> float:
    """GFI for FIML, weighted as lavaan by the expected information of the missing-data
    patterns: ``patterns`` is a sequence of (indices of the observed variables, cases).

    ``S`` and ``mean`` are the observed moments (lavaan 0.6-14 uses the available-case
    means and the pairwise covariances with divisor N), ``Sigma`` and ``mu`` the model's.
    With complete data this is :func:`gfi`.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.3], [0.3, 1.0]]); m = np.zeros(2)
    >>> Sigma = S * 0.9 + 0.1 * np.eye(2)
    >>> bool(np.isclose(gfi_missing(S, Sigma, m, m, [(np.arange(2), 10)]), gfi(S, Sigma, m, m)))
    True
    """
    p = S.shape[0]
    x = list(fixed)
    D = S - Sigma
    S_model = S.copy()
    d = mean - mu
    m = np.array(mean, dtype=float)
    if x:
        S_model[np.ix_(x, x)] = 0.0
        d = d.copy()
        d[x] = 0.0
        m[x] = 0.0
    total = sum(n for _, n in patterns)
    num = den = 0.0
    for obs, n in patterns:
        obs = np.asarray(obs)
        V = np.zeros((p, p))
        V[np.ix_(obs, obs)] = np.linalg.inv(Sigma[np.ix_(obs, obs)])
        w = n / total
        VD, VS = V @ D, V @ S_model
        num += w * (0.5 * np.trace(VD @ VD) + d @ V @ d)
        den += w * (0.5 * np.trace(VS @ VS) + m @ V @ m)
    return float(1.0 - num / den)


def agfi(gfi_value: float, df: float, n_moments: int) -> float:
    """Adjusted GFI: 1 - (n_moments / df) * (1 - GFI).

    Examples
    --------
    >>> round(agfi(0.95, 24, 45), 4)
    0.9062
    """
    if df <= 0:
        return 1.0      # lavaan: 1 for a saturated model
    return float(1.0 - n_moments / df * (1.0 - gfi_value))


def aic(logl: float, npar: int) -> float:
    """Akaike information criterion, -2 logL + 2 npar.

    Examples
    --------
    >>> round(aic(-3737.745, 21), 2)
    7517.49
    """
    return float(-2.0 * logl + 2.0 * npar)


def bic(logl: float, npar: int, n: int) -> float:
    """Bayesian information criterion, -2 logL + npar log N.

    Examples
    --------
    >>> round(bic(-3737.745, 21, 301), 2)
    7595.34
    """
    return float(-2.0 * logl + npar * math.log(n))


def bic_adjusted(logl: float, npar: int, n: int) -> float:
    """Sample-size adjusted BIC (Sclove 1987): N* = (N + 2) / 24.

    Examples
    --------
    >>> round(bic_adjusted(-3737.745, 21, 301), 2)
    7528.74
    """
    return float(-2.0 * logl + npar * math.log((n + 2) / 24))


def baseline_chisq_complete(S: np.ndarray, n: int, exogenous=()) -> tuple[float, int]:
    """Chi-square and df of the baseline (independence) model on complete data.

    Variances are free; as in lavaan, the covariances among the observed exogenous
    variables (indices ``exogenous``) stay free too.

    Examples
    --------
    >>> import numpy as np
    >>> S = np.array([[1.0, 0.5], [0.5, 1.0]])
    >>> chi, df = baseline_chisq_complete(S, 100)
    >>> round(chi, 4), df
    (28.7682, 1)
    """
    p = S.shape[0]
    x = list(exogenous)
    rest = [j for j in range(p) if j not in x]
    logdet0 = np.sum(np.log(np.diag(S)[rest]))
    if x:
        logdet0 += np.linalg.slogdet(S[np.ix_(x, x)])[1]
    chi = n * (logdet0 - np.linalg.slogdet(S)[1])
    k = len(x)
    return float(chi), p * (p - 1) // 2 - k * (k - 1) // 2


def robust_indices(chisq: float, df: float, c: float, chisq_null: float, df_null: float,
                   c_null: float, n: int, n_groups: int = 1) -> dict[str, float]:
    """Robust CFI, TLI and RMSEA from unscaled statistics and scaling factors.

    Brosseau-Liard, Savalei & Li (2012) for RMSEA; Brosseau-Liard & Savalei (2014)
    for CFI and TLI: the non-centrality is estimated as chisq - c * df. With ``n_groups``
    G > 1 the RMSEA is multiplied by sqrt(G), as lavaan's.

    Examples
    --------
    >>> r = robust_indices(85.3055, 24, 0.97904, 918.8516, 36, 1.04405, 301)
    >>> round(r["cfi.robust"], 4), round(r["rmsea.robust"], 4)
    (0.9299, 0.0925)
    """
    t1 = max(chisq - c * df, 0.0)
    t0 = max(chisq - c * df, chisq_null - c_null * df_null, 0.0)
    out = {"cfi.robust": 1.0 - t1 / t0 if t0 > 0 else 1.0, "tli.robust": float("nan"),
           "rmsea.robust": 0.0}
    if df > 0 and df_null > 0 and chisq_null / df_null != c_null:
        out["tli.robust"] = 1.0 - (chisq / df - c) / (chisq_null / df_null - c_null)
    if df > 0:
        out["rmsea.robust"] = float(math.sqrt(max((chisq / df - c) / n, 0.0) * n_groups))
    return out
