"""FIMIX-PLS: finite-mixture segmentation of the structural model (Hahn, Johnson,
Herrmann & Huber 2002, *Schmalenbach Business Review* 54; Sarstedt, Becker, Ringle &
Schwaiger 2011; SmartPLS's FIMIX-PLS).

The latent scores of a pooled PLS fit are taken as given. In segment k (share ``rho_k``)
every endogenous construct j follows its own regression on its predictors,
``y_j = X_j b_jk + e_jk`` with ``e_jk ~ N(0, psi_jk)`` (no intercepts: the scores are
centred, as in Hahn et al. and SmartPLS), so that for a recursive model the density of a
respondent is the product of the normal densities of its endogenous scores. The EM
algorithm alternates the posterior segment probabilities (E step) with weighted least
squares, weighted residual variances and shares (M step) until the log-likelihood
improves by less than ``tol``; it is started ``starts`` times from random memberships
(seeded) and the best solution is kept.

Model-selection criteria (``N`` free parameters = ``(K-1) + K (paths + endogenous
constructs)``, ``n`` respondents): ``AIC = -2 lnL + 2N``, ``AIC3 = -2 lnL + 3N``,
``AIC4 = -2 lnL + 4N``, ``BIC = -2 lnL + N ln n``, ``CAIC = -2 lnL + N (ln n + 1)``,
``HQ = -2 lnL + 2N ln ln n``, ``MDL5 = -2 lnL + 5N ln n`` and the normed entropy
``EN = 1 - sum_ik -P_ik ln P_ik / (n ln K)`` (1: perfectly separated segments). Sarstedt
et al. recommend AIC3 and CAIC together, and EN above 0.5.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from .._distributions import logsumexp  # scipy.special, imported on first call

from .fit import PLSResult, _require_rows

__all__ = ["fimix_pls", "FimixResult"]


@dataclass(frozen=True)
class FimixResult:
    """Result of :func:`fimix_pls` for one number of segments.

    Attributes
    ----------
    K : int
    sizes : Series
        Segment shares ``rho_k``.
    paths : DataFrame
        ``lhs, op, rhs`` and one column per segment (``seg1, seg2, ...``): the path
        coefficients in each segment.
    r2 : DataFrame
        R² of each endogenous construct per segment (weighted).
    membership : DataFrame
        Posterior probabilities (respondents x segments), and :attr:`segment` the most
        likely segment (1-based) of each respondent.
    criteria : Series
        ``lnL, AIC, AIC3, AIC4, BIC, CAIC, HQ, MDL5, EN, N, iterations``.
    converged : bool
        False when the best start reached ``max_iter``; then :attr:`warnings` says so.
    warnings : tuple of str

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=300, seed=1))
    >>> fx = cm.fimix_pls(res, K=2, starts=2, seed=1, max_iter=200)
    >>> fx.sizes.round(3)
    seg1    0.723
    seg2    0.277
    Name: size, dtype: float64
    >>> fx.criteria[["lnL", "AIC", "BIC", "EN"]].round(2)
    lnL   -2247.06
    AIC    4568.12
    BIC    4705.16
    EN        0.42
    dtype: float64
    >>> fx.paths.head(3).round(3)
        lhs op   rhs   seg1   seg2
    0  EXPE  ~  IMAG  0.303  0.337
    1  QUAL  ~  EXPE  0.512  0.419
    2   VAL  ~  EXPE  0.200  0.309
    """

    K: int
    sizes: pd.Series
    paths: pd.DataFrame
    r2: pd.DataFrame
    membership: pd.DataFrame
    criteria: pd.Series
    converged: bool
    warnings: tuple = ()

    @property
    def segment(self) -> pd.Series:
        return pd.Series(self.membership.to_numpy().argmax(axis=1) + 1,
                         index=self.membership.index, name="segment")


def _regressions(problem):
    return [(k, problem.preds[k]) for k in problem.endo]


def _m_step(Y, P, regs):
    """Weighted LS per segment: coefficients {(j, s): beta}, variances (S, J), shares (S,)."""
    S = P.shape[1]
    betas, psi = {}, np.zeros((S, len(regs)))
    for s in range(S):
        w = P[:, s]
        for r, (j, preds) in enumerate(regs):
            X = Y[:, preds]
            XtW = X.T * w
            beta = np.linalg.solve(XtW @ X, XtW @ Y[:, j])
            e = Y[:, j] - X @ beta
            psi[s, r] = max((w * e ** 2).sum() / w.sum(), 1e-12)
            betas[(j, s)] = beta
    return betas, psi, P.mean(axis=0)


def _log_dens(Y, betas, psi, regs, S):
    out = np.zeros((Y.shape[0], S))
    for s in range(S):
        for r, (j, preds) in enumerate(regs):
            e = Y[:, j] - Y[:, preds] @ betas[(j, s)]
            out[:, s] += -0.5 * (np.log(2 * np.pi * psi[s, r]) + e ** 2 / psi[s, r])
    return out


def _em(Y, regs, K, rng, max_iter, tol):
    n = Y.shape[0]
    P = rng.dirichlet(np.ones(K), size=n)
    ll_old = -np.inf
    for it in range(1, max_iter + 1):
        betas, psi, rho = _m_step(Y, P, regs)
        if (rho < 1e-6).any():
            return None
        logf = _log_dens(Y, betas, psi, regs, K) + np.log(rho)
        ll = float(logsumexp(logf, axis=1).sum())
        P = np.exp(logf - logsumexp(logf, axis=1, keepdims=True))
        if ll - ll_old < tol:
            return ll, P, betas, psi, rho, it, True
        ll_old = ll
    return ll, P, betas, psi, rho, max_iter, False


def fimix_pls(result: PLSResult, *, K: int | list = 2, starts: int = 10, seed,
              max_iter: int = 1000, tol: float = 1e-8):
    """FIMIX-PLS segmentation of a PLS fit's structural model.

    Parameters
    ----------
    result : PLSResult
        The pooled PLS fit (its latent scores are segmented).
    K : int or list of int
        Number of segments; a list fits each and returns a table of the criteria too.
    starts : int
        Random starts of the EM (the best log-likelihood is kept).
    seed : int
        Required; the same seed gives the same segments.
    max_iter, tol :
        EM stopping rule (log-likelihood change below ``tol``).

    Returns
    -------
    FimixResult, or (dict {K: FimixResult}, DataFrame of criteria by K) for a list.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=300, seed=1))
    >>> fx = cm.fimix_pls(res, K=2, starts=2, seed=1, max_iter=200)
    >>> fx.K, len(fx.sizes), round(float(fx.sizes.sum()), 6)
    (2, 2, 1.0)
    """
    _require_rows(result, "fimix_pls")
    if seed is None:
        raise ValueError("The 'seed' parameter of fimix_pls is required (an integer).")
    if isinstance(K, (list, tuple)):
        fits = {int(k): fimix_pls(result, K=int(k), starts=starts, seed=seed,
                                  max_iter=max_iter, tol=tol) for k in K}
        table = pd.DataFrame({k: f.criteria for k, f in fits.items()}).T.rename_axis("K")
        return fits, table
    if isinstance(K, bool) or not isinstance(K, (int, np.integer)) or K < 1:
        raise ValueError(f"The 'K' parameter of fimix_pls must be a positive integer or a list "
                         f"of them. Got {K!r} instead.")
    pr = result._problem
    if not pr.endo:
        raise ValueError("fimix_pls: the model has no endogenous construct to segment.")
    Y = result.scores.to_numpy()
    Y = (Y - Y.mean(axis=0)) / Y.std(axis=0)
    n = Y.shape[0]
    regs = _regressions(pr)
    root = np.random.SeedSequence(int(seed))
    best = None
    for child in root.spawn(int(starts)):
        out = _em(Y, regs, int(K), np.random.default_rng(child), max_iter, tol)
        if out is not None and (best is None or out[0] > best[0]):
            best = out
    if best is None:
        raise ValueError(f"fimix_pls: every start of the EM emptied a segment for K={K}; "
                         "try fewer segments or more starts.")
    ll, P, betas, psi, rho, iters, conv = best
    if not conv:
        import warnings as _warnings
        from ..exceptions import ConvergenceWarning
        _warnings.warn(f"FIMIX-PLS (K={K}) did not converge in {max_iter} EM iterations.",
                       ConvergenceWarning, stacklevel=2)
    order = np.argsort(-rho, kind="stable")                       # largest segment first
    P, rho, psi = P[:, order], rho[order], psi[order]
    betas = {(j, s_new): betas[(j, s_old)] for s_new, s_old in enumerate(order)
             for j, _ in regs}
    lat = pr.latents
    segs = [f"seg{s + 1}" for s in range(K)]
    rows = []
    for j, preds in regs:
        for q, p in enumerate(preds):
            rows.append({"lhs": lat[j], "op": "~", "rhs": lat[p],
                         **{segs[s]: float(betas[(j, s)][q]) for s in range(K)}})
    r2 = pd.DataFrame({segs[s]: [1 - psi[s, r] / (P[:, s] * Y[:, j] ** 2).sum() * P[:, s].sum()
                                 for r, (j, _) in enumerate(regs)] for s in range(K)},
                      index=pd.Index([lat[j] for j, _ in regs], name="latent"))
    N = (K - 1) + K * (sum(len(p) for _, p in regs) + len(regs))
    ln_n = math.log(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -(P * np.log(np.where(P > 0, P, 1))).sum()
    criteria = pd.Series({"lnL": ll, "AIC": -2 * ll + 2 * N, "AIC3": -2 * ll + 3 * N,
                          "AIC4": -2 * ll + 4 * N, "BIC": -2 * ll + N * ln_n,
                          "CAIC": -2 * ll + N * (ln_n + 1), "HQ": -2 * ll + 2 * N * math.log(ln_n),
                          "MDL5": -2 * ll + 5 * N * ln_n,
                          "EN": 1 - ent / (n * math.log(K)) if K > 1 else np.nan,
                          "N": N, "iterations": iters})
    return FimixResult(K=int(K), sizes=pd.Series(rho, index=segs, name="size"),
                       paths=pd.DataFrame(rows), r2=r2,
                       membership=pd.DataFrame(P, index=result.scores.index, columns=segs),
                       criteria=criteria, converged=bool(conv),
                       warnings=() if conv else (
                           f"FIMIX-PLS (K={K}): the EM stopped at max_iter={max_iter} before the "
                           f"log-likelihood changed by less than {tol:g}; raise max_iter.",))
