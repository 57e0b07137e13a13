"""PLS path modelling (PLS-PM): :func:`fit_pls` -> :class:`PLSResult`.

The algorithm is Wold's, in Lohmöller's formulation, as SmartPLS 2, R's plspm and
semPLS run it:

1. the items are standardized (mean 0, variance 1; ``scaled=False``: only centred, plspm's
   ``scaled = FALSE``), the outer weights start at 1;
2. outer estimation: each latent score is the weighted sum of its items, normalized to
   variance 1;
3. inner weights ``e_jk`` between adjacent latents: ``"centroid"`` the sign of their
   correlation, ``"factorial"`` the correlation, ``"path"`` (path weighting) the
   coefficients of the regression of a latent on its predecessors and the correlations
   with its successors; the inner proxy of latent k is ``z_k = sum_j e_jk y_j``;
4. new outer weights: mode A the covariances of the items with ``z_k``, mode B the
   coefficients of the regression of ``z_k`` on the items; back to 2 until the largest
   change of an outer weight (standardized metric, after normalization) is below ``tol``
   (1e-7, SmartPLS's stop criterion), at most ``max_iter`` times;
5. path coefficients by OLS of each endogenous latent on its predecessors; loadings and
   cross-loadings are correlations of items with latent scores.

Everything from step 2 on is computed from the p x p covariance matrix of the working
data, never from the n x p data, so a fit costs microseconds per iteration whatever the
sample size, and bootstrap resamples are fitted many at a time (their covariance
matrices are stacked and iterated together, see :func:`bootstrap_pls`).

**Sign (orientation) convention.** A PLS solution is determined up to the sign of each
latent. After convergence every latent is oriented so that the sum of its item loadings
is positive (so a single item always has weight > 0 and loading +1, and a block whose
items all correlate positively is never flipped; with initial weights 1 this equals
the orientation SmartPLS and plspm produce). The same rule is applied inside every
bootstrap resample, and nothing else: resample estimates are then used as they are
(SmartPLS's "no sign changes" option, on top of this construct-level orientation).

References: Lohmöller (1989) *Latent Variable Path Modeling with Partial Least Squares*;
Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), *Computational Statistics & Data
Analysis* 48; Monecke & Leisch (2012), *Journal of Statistical Software* 48(3).
In R: ``plspm::plspm(data, path_matrix, blocks, modes, scheme)``; ``semPLS::sempls``.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal, Mapping

import numpy as np
import pandas as pd
from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)

from .._inputs import as_spec, as_survey, check_choice, listwise_message
from ..exceptions import (CSIModelWarning, ConvergenceWarning, DataQualityWarning,
                          EstimationError, ModelSpecError)
from ..sem.results import Summary, _fmt
from ..model.spec import ModelSpec
from ..survey.weights import check_weight_column, survey_weights
from ..survey.missing import missing_text

__all__ = ["fit_pls", "PLSResult", "bootstrap_pls", "compare_estimators", "DEFAULT_PLS_BOOTSTRAP"]

_SCHEMES = ("path", "centroid", "factorial")
DEFAULT_PLS_BOOTSTRAP = 5000
_CI_METHODS = ("percentile", "bca")


# ============================================================================ the problem
class _PLSProblem:
    """The structure of a PLS path model, and the batched algorithm on covariance matrices.

    Items are expanded per block ("manifest in block" pairs), so blocks are contiguous
    even when an item measures two latents.
    """

    def __init__(self, spec: ModelSpec, scheme: str, modes: dict[str, str], scaled: bool,
                 max_iter: int, tol: float):
        self.latents = list(spec.latents)
        self.L = len(self.latents)
        pos = {lv: j for j, lv in enumerate(self.latents)}
        self.blocks = [list(spec.indicators[lv]) for lv in self.latents]
        self.items = list(dict.fromkeys(i for b in self.blocks for i in b))   # unique items
        item_pos = {it: i for i, it in enumerate(self.items)}
        self.pairs = [(lv, it) for lv, b in zip(self.latents, self.blocks) for it in b]
        self.col = np.array([item_pos[it] for _, it in self.pairs])          # expanded -> item
        self.owner = np.array([pos[lv] for lv, _ in self.pairs])              # expanded -> latent
        self.m = len(self.pairs)
        self.slices = []
        start = 0
        for b in self.blocks:
            self.slices.append(slice(start, start + len(b)))
            start += len(b)
        self.D = np.zeros((self.m, self.L))
        self.D[np.arange(self.m), self.owner] = 1.0
        A = np.zeros((self.L, self.L))                                       # A[from, to]
        self.paths = [(f, t) for f, t in spec.structural_paths]
        for f, t in self.paths:
            A[pos[f], pos[t]] = 1.0
        self.A = A
        self.adj = A + A.T
        self.preds = [np.flatnonzero(A[:, k]) for k in range(self.L)]
        self.succs = [np.flatnonzero(A[k, :]) for k in range(self.L)]
        self.endo = [k for k in range(self.L) if self.preds[k].size]
        self.scheme = scheme
        self.modes = [modes[lv] for lv in self.latents]
        self.scaled = scaled
        self.max_iter = max_iter
        self.tol = tol
        # pairs (from, to) with a directed route: the total effects reported
        reach = np.linalg.matrix_power(np.eye(self.L) + A, self.L) - np.eye(self.L)
        self.effect_pairs = [(i, j) for i in range(self.L) for j in range(self.L)
                             if i != j and reach[i, j] > 0]

    # -------------------------------------------------------------- the iteration
    def _normalized(self, u, S):
        """Scale each block of u (b, m) so that its latent has variance 1 under S (b, m, m).

        Returns the weights and cov(items, latents) = S W for them.
        """
        W = u[:, :, None] * self.D
        SW = S @ W
        var = np.einsum("bpl,bpl->bl", W, SW)
        scale = 1.0 / np.sqrt(np.where(var > 0, var, np.nan))
        return u * scale[:, self.owner], SW * scale[:, None, :]

    def _inner(self, C):
        """Inner weights E[b, j, k] (proxy z_k = sum_j E_jk y_j) from latent correlations C."""
        if self.scheme == "centroid":
            return np.sign(C) * self.adj
        if self.scheme == "factorial":
            return C * self.adj
        E = np.zeros_like(C)
        for k in range(self.L):
            P = self.preds[k]
            if P.size:
                E[:, P, k] = np.linalg.solve(C[:, P[:, None], P[None, :]], C[:, P, k][..., None])[..., 0]
            Q = self.succs[k]
            if Q.size:
                E[:, Q, k] = C[:, Q, k]
        return E

    def iterate(self, S):
        """Outer weights (b, m) at convergence, iterations (b,), converged (b,) for covariances S."""
        b = S.shape[0]
        binv = []
        for j, sl in enumerate(self.slices):
            if self.modes[j] == "B":
                Sjj = S[:, sl, sl]
                try:
                    binv.append(np.linalg.inv(Sjj))
                except np.linalg.LinAlgError:
                    raise EstimationError(f"The items of the mode B latent {self.latents[j]} are "
                                          "collinear (singular covariance matrix); use mode A "
                                          "or drop an item.") from None
            else:
                binv.append(None)
        w, SW = self._normalized(np.ones((b, self.m)), S)
        iters = np.zeros(b, dtype=int)
        done = np.zeros(b, dtype=bool)
        D = self.D
        for it in range(1, self.max_iter + 1):
            C = np.swapaxes(w[:, :, None] * D, 1, 2) @ SW     # latent correlations (b, L, L)
            E = self._inner(C)
            u = np.einsum("bpl,pl->bp", SW @ E, D)           # cov(items, own inner proxy)
            for j, sl in enumerate(self.slices):
                if binv[j] is not None:
                    u[:, sl] = (binv[j] @ u[:, sl, None])[..., 0]
            w_new, SW_new = self._normalized(u, S)
            change = np.max(np.abs(w_new - w), axis=1)
            change[~np.all(np.isfinite(w_new), axis=1)] = np.inf
            newly = ~done & (change < self.tol)
            iters[~done] = it
            # the converged ones stay where they converged (their iteration count is final)
            if done.any():
                w = np.where(done[:, None], w, w_new)
                SW = np.where(done[:, None, None], SW, SW_new)
            else:
                w, SW = w_new, SW_new
            done |= newly
            if done.all():
                break
        return w, iters, done

    # -------------------------------------------------------------- the estimates
    def estimate(self, S, sd=None):
        """All S-based estimates of the batch (dict of arrays).

        ``S`` is the covariance matrix of the working data (expanded, b x m x m); ``sd``
        the standard deviation of each expanded item in the working metric (for loadings).
        """
        w, iters, conv = self.iterate(S)
        if sd is None:
            sd = np.sqrt(np.einsum("bii->bi", S))
        W = w[:, :, None] * self.D
        SW = S @ W
        cross = SW / sd[:, :, None]                              # corr(item, latent)
        load = np.take_along_axis(cross, self.owner[None, :, None].repeat(len(w), 0), 2)[..., 0]
        # orientation: the sum of a block's loadings is positive
        flip = np.ones((len(w), self.L))
        for j, sl in enumerate(self.slices):
            flip[:, j] = np.where(load[:, sl].sum(axis=1) < 0, -1.0, 1.0)
        w = w * flip[:, self.owner]
        load = load * flip[:, self.owner]
        cross = cross * flip[:, None, :]
        W = W * flip[:, None, :]
        C = np.swapaxes(W, 1, 2) @ (S @ W)
        Bm = np.zeros_like(C)                                    # B[from, to]
        r2 = np.zeros((len(w), self.L))
        for k in self.endo:
            P = self.preds[k]
            beta = np.linalg.solve(C[:, P[:, None], P[None, :]], C[:, P, k][..., None])[..., 0]
            Bm[:, P, k] = beta
            r2[:, k] = np.einsum("bp,bp->b", beta, C[:, P, k])
        eye = np.eye(self.L)
        total = np.linalg.inv(eye - Bm) - eye
        return {"w": w, "loadings": load, "cross": cross, "C": C, "B": Bm, "r2": r2,
                "total": total, "iterations": iters, "converged": conv}

    def f2(self, C):
        """Cohen's f² of every path (one covariance matrix)."""
        out = {}
        for k in self.endo:
            P = self.preds[k]
            full = _r2(C, P, k)
            for j in P:
                rest = P[P != j]
                excl = _r2(C, rest, k) if rest.size else 0.0
                out[(j, k)] = (full - excl) / (1 - full) if full < 1 else np.inf
        return out


def _r2(C, P, k):
    beta = np.linalg.solve(C[np.ix_(P, P)], C[P, k])
    return float(beta @ C[P, k])


# ============================================================================ data
def _moments_from_counts(Xc: np.ndarray, counts: np.ndarray, XX: np.ndarray | None):
    """Means (b, p) and covariances (b, p, p; divisor n) of resamples given by case counts.

    ``Xc`` is the centred data (n, p); ``counts`` (b, n) how often each case is drawn.
    """
    n, p = Xc.shape
    tot = counts.sum(axis=1, keepdims=True)
    m = counts @ Xc / tot
    if XX is not None:
        M2 = (counts @ XX / tot).reshape(-1, p, p)
    else:
        M2 = np.stack([(Xc * c[:, None]).T @ Xc for c in counts]) / tot[:, :, None]
    S = M2 - m[:, :, None] * m[:, None, :]
    return m, S


def _counts(index_list, n):
    idx = np.asarray(np.stack([np.asarray(i) for i in index_list]), dtype=np.int64)
    b = idx.shape[0]
    flat = (idx + (np.arange(b) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)


@dataclass(frozen=True)
class _Data:
    X: np.ndarray                 # raw complete data (n, p unique items); missing="em": the
    #                               answers with E[x_m | x_o] at the EM moments in the gaps
    mean: np.ndarray
    sd: np.ndarray                # population SD (divisor n)
    rows: pd.Index                # survey rows used
    method: str = "listwise"      # the missing-data method ("listwise", "mean", "em")
    S: np.ndarray | None = None   # missing="em": the EM covariance matrix (divisor n)
    X_obs: np.ndarray | None = None   # missing="em": the answers with NaN in the gaps
    weights: np.ndarray | None = None   # sampling weights of the rows, summing to n

    @property
    def n(self) -> int:
        return self.X.shape[0]

    def cov(self) -> np.ndarray:
        """The item covariance matrix, divisor n: the EM estimate (missing='em'), or that of
        the rows, weighted with sampling weights (they sum to n)."""
        if self.S is not None:
            return self.S
        Xc = self.X - self.mean
        n = self.X.shape[0]
        return (Xc.T @ Xc if self.weights is None else (Xc * self.weights[:, None]).T @ Xc) / n


def _require_rows(result, func: str) -> None:
    """Refuse a method that refits on the rows (cross-validation, segments, two stages)
    for a fit with missing='em' (the filled-in values are expectations, not answers), or for
    a fit from SurveyMoments (no rows at all)."""
    if getattr(result._data, "rows_free", False):
        from ._moments import rows_needed
        raise rows_needed(func, result._data.source)
    if getattr(result._data, "X_obs", None) is not None:
        raise EstimationError(
            f"{func} refits PLS on respondents' answers, and this fit used missing='em' (the "
            "EM covariance matrix; the gaps hold conditional expectations, not answers), so it "
            "would not be the same method. Refit with fit_pls(..., missing='mean') or "
            "missing='listwise' for this step.")


def _refuse_em(missing, func: str) -> None:
    """Two-stage PLS methods fit stage 2 on stage-1 scores: not with missing='em'."""
    from ..survey.missing import resolve_missing
    if resolve_missing(missing, "pls", func) == "em":
        raise ValueError(f"{func} does not offer missing='em': its second stage is fitted on "
                         "the first stage's construct scores, which for incomplete respondents "
                         "would be expectations, not answers. Use missing='mean' or "
                         "'listwise'.")


def _statistic(result, rows=None, extra=None):
    """The bootstrap/permutation statistic of a fit (optionally on a subset of its rows):
    refits on resampled covariance matrices; with missing='em' the EM is re-run on every
    resample (weighted by the case counts, warm-started from the full-sample EM)."""
    dat = result._data
    if getattr(dat, "rows_free", False):
        from ._moments import rows_needed
        raise rows_needed("Resampling (bootstrap, permutation)", dat.source)
    sub = slice(None) if rows is None else rows
    if dat.X_obs is not None:
        return _EMStatistic(result._problem, dat.X_obs[sub], dat.S, dat.mean, extra=extra,
                            weights=None if dat.weights is None else dat.weights[sub])
    return _PLSStatistic(result._problem, dat.X[sub], extra=extra,
                         weights=None if dat.weights is None else dat.weights[sub])


def _working_cov(problem: _PLSProblem, S_raw: np.ndarray):
    """Expanded working covariance (b, m, m) and working SD (b, m) from raw covariances."""
    col = problem.col
    Se = S_raw[:, col[:, None], col[None, :]]
    sd = np.sqrt(np.einsum("bii->bi", Se))
    if problem.scaled:
        Se = Se / (sd[:, :, None] * sd[:, None, :])
        return Se, sd, np.ones_like(sd)
    return Se, sd, sd


class _PLSStatistic:
    """Bootstrap statistic of a PLS fit: vector of weights, loadings, paths, total effects, R².

    Has a ``batch`` attribute so that the engine fits a whole chunk of resamples at once.
    Extra ``extras(m_raw, out)`` hooks let the index add its own statistics.
    """

    def __init__(self, problem: _PLSProblem, X: np.ndarray, extra=None, weights=None):
        self.problem = problem
        # sampling weights: a resample draws rows, each keeping its weight (its count
        # is multiplied by the weight in the resample's moments and in ``extra``)
        self.weights = None if weights is None else np.asarray(weights, float)
        self.mean = X.mean(axis=0) if weights is None else self.weights @ X / self.weights.sum()
        self.Xc = X - self.mean
        n, p = X.shape
        self.XX = (self.Xc[:, :, None] * self.Xc[:, None, :]).reshape(n, p * p) \
            if n * p * p <= 5e6 else None          # at most 40 MB of cross-products
        self.extra = extra
        self.batch = self._batch

    def _batch(self, index_list):
        n = self.Xc.shape[0]
        counts = _counts(index_list, n)
        return self.from_counts(counts)

    def from_counts(self, counts):
        if self.weights is not None:
            counts = counts * self.weights
        m, S_raw = _moments_from_counts(self.Xc, counts, self.XX)
        return self.from_moments(self.mean + m, S_raw, counts)

    def from_moments(self, mean, S_raw, counts=None, filled=None):
        pr = self.problem
        Se, sd_e, sd_w = _working_cov(pr, S_raw)
        with np.errstate(invalid="ignore", divide="ignore"):
            est = pr.estimate(Se, sd_w if not pr.scaled else None)
        parts = [est["w"], est["loadings"],
                 np.stack([est["B"][:, pr.latents.index(f), pr.latents.index(t)]
                           for f, t in pr.paths], axis=1) if pr.paths else np.zeros((len(Se), 0)),
                 np.stack([est["total"][:, i, j] for i, j in pr.effect_pairs], axis=1)
                 if pr.effect_pairs else np.zeros((len(Se), 0)),
                 est["r2"][:, pr.endo]]
        if self.extra is not None:
            parts.append(self.extra(est, mean, sd_e, counts, filled))
        out = np.concatenate(parts, axis=1)
        out[~est["converged"]] = np.nan
        return out

    def __call__(self, indices):
        return self._batch([indices])[0]

    def names(self):
        pr = self.problem
        out = [f"{lv} <~ {it}" for lv, it in pr.pairs]
        out += [f"{lv} =~ {it}" for lv, it in pr.pairs]
        out += [f"{t} ~ {f}" for f, t in pr.paths]
        out += [f"{pr.latents[i]} -> {pr.latents[j]}" for i, j in pr.effect_pairs]
        out += [f"r2 {pr.latents[k]}" for k in pr.endo]
        return out


class _EMStatistic(_PLSStatistic):
    """The statistic of a missing='em' fit: per resample, the weighted EM of the item moments
    (warm-started from the full-sample EM), then PLS on them. A resample whose EM does not
    converge, or whose covariance matrix is not positive definite, counts as failed.
    With sampling ``weights`` a resampled row keeps its weight: its case weight in the EM
    (and in ``extra``) is its count times its weight."""

    def __init__(self, problem, X_obs, S, mean, extra=None, weights=None):
        from ..sem._fiml import MissingData
        keep = ~np.isnan(X_obs).all(axis=1)
        self.problem = problem
        self.weights = None if weights is None else np.asarray(weights, float)
        self.data = MissingData(X_obs[keep])
        self.keep = keep
        self.S0, self.mu0 = S, mean
        self.extra = extra
        self.batch = self._batch

    def _batch(self, index_list):
        from ..sem._fiml import em_saturated_batch
        n = self.keep.size
        counts = _counts(index_list, n)
        if self.weights is not None:
            counts = counts * self.weights
        W = counts[:, self.keep]
        R = len(W)
        with np.errstate(invalid="ignore", divide="ignore"):
            try:
                S, mu, filled, _, conv = em_saturated_batch(
                    self.data, W, np.repeat(self.S0[None], R, 0), np.repeat(self.mu0[None], R, 0),
                    tol=1e-9, max_iter=2000)
            except np.linalg.LinAlgError:
                out = np.full((R, len(self.names())), np.nan)
                return out
            full = np.zeros((R, n, S.shape[1]))
            full[:, self.keep] = filled
            out = self.from_moments(mu, S, counts, full)
        out[~conv] = np.nan
        return out


# ============================================================================ result
ESTIMATE_COLUMNS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"]


@dataclass(frozen=True, eq=False)
class PLSResult:
    """Result of :func:`fit_pls` (PLS path modelling).

    Immutable; its tables are built on first access (and then cached), so a fit that is
    only asked for its paths does not pay for the rest.

    Attributes
    ----------
    estimates : DataFrame
        One row per parameter, lavaan's columns ``lhs, op, rhs, est, se, z, pvalue,
        ci.lower, ci.upper, std.all``: outer weights (``op = "<~"``, ``IMAG <~ IMAG1``),
        loadings (``"=~"``) and path coefficients (``"~"``, ``SAT ~ QUAL``). Without a
        bootstrap ``se``, ``z``, ``pvalue`` and the interval are NaN; with one, ``se`` is the
        bootstrap SD, ``z`` the "t value" est/se (SmartPLS's T statistic), ``pvalue`` its
        two-sided normal p value, and the interval is ``ci_method`` at ``level``.
        ``std.all`` is the estimate for standardized items (equal to ``est`` unless
        ``scaled=False``).
    outer : DataFrame
        Per (latent, item): ``latent, item, mode, weight, loading, communality, redundancy,
        weight.raw, mean, sd`` - ``weight.raw`` is the unstandardized weight (latent score =
        sum of ``weight.raw * (x - mean)``, x on its raw scale), ``mean`` and ``sd``
        (divisor n - 1) the item's raw mean and standard deviation.
    cross_loadings : DataFrame
        Items x latents: correlations of every item with every latent score.
    quality : DataFrame
        Per latent: ``type, mode, items, r2, r2.adj, communality, redundancy, ave`` (plspm's
        ``inner_summary``; AVE is NaN for mode B).
    effects : DataFrame
        ``from, to, direct, indirect, total`` for every pair joined by a directed route,
        plus ``se, ci.lower, ci.upper`` of the total effect after a bootstrap.
    f2 : DataFrame
        ``from, to, f2``: Cohen's effect size of each path.
    r2 : Series
        R² of the endogenous latents.
    gof : float
        Goodness of fit as plspm: sqrt(mean communality of the items of blocks with more than
        one item x mean R² of the endogenous latents).
    scores : DataFrame
        Latent scores (mean 0, variance 1 with divisor n - 1, as seminr, cSEM, ADANCO and
        SmartPLS standardize them), one row per respondent used.
    latent_cor : DataFrame
        Correlations of the latent scores.
    iterations, converged :
        Iterations of the algorithm; ``converged`` False adds a warning.
    bootstrap : BootstrapResult or None
        The replicates (see :func:`bootstrap_pls`).
    warnings : tuple of str

    Examples
    --------
    >>> import csi_model as cm
    >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
    >>> pls
    <PLSResult acsi: n=200, scheme=path, converged in 5 iterations, R² QUAL=0.018, VAL=0.143, SAT=0.383, COMP=0.116, LOY=0.179, GoF=0.350, 0 warning(s)>
    >>> pls.r2.round(3)
    QUAL    0.018
    VAL     0.143
    SAT     0.383
    COMP    0.116
    LOY     0.179
    Name: r2, dtype: float64
    """

    estimator: ClassVar[str] = "PLS"
    spec: ModelSpec
    scheme: str
    modes: dict
    scaled: bool
    n: int            # respondents used
    n_total: int      # respondents read
    iterations: int
    converged: bool
    warnings: tuple[str, ...] = ()
    bootstrap: Any = field(default=None, repr=False)
    level: float = 0.95
    ci_method: str = "percentile"
    max_iter: int = 300
    tol: float = 1e-7
    data_source: str = ""
    elapsed: float = 0.0
    survey: Any = field(default=None, repr=False)
    _data: Any = field(default=None, repr=False)
    _problem: Any = field(default=None, repr=False)
    _core: Any = field(default=None, repr=False)

    # --------------------------------------------------------------- tables
    @property
    def missing(self) -> str:
        """The missing-data method used: ``"listwise"``, ``"mean"`` or ``"em"``."""
        return getattr(self._data, "method", "listwise")

    @cached_property
    def outer(self) -> pd.DataFrame:
        pr, c = self._problem, self._core
        return pd.DataFrame({"latent": [p[0] for p in pr.pairs], "item": [p[1] for p in pr.pairs],
                             "mode": [pr.modes[k] for k in pr.owner], "weight": c["w"],
                             "loading": c["loadings"], "communality": c["comm"],
                             "redundancy": c["redundancy"], "weight.raw": c["w_raw"],
                             "mean": self._data.mean[pr.col],
                             "sd": (self._data.sd * math.sqrt(self.n / (self.n - 1)))[pr.col]})

    @cached_property
    def estimates(self) -> pd.DataFrame:
        pr, c = self._problem, self._core
        lat = pr.latents
        pos = {lv: j for j, lv in enumerate(lat)}
        pb = [c["B"][pos[f], pos[t]] for f, t in pr.paths]
        est = np.concatenate([c["w"], c["loadings"], pb])
        std = np.concatenate([c["w_std"], c["loadings"], pb])
        out = pd.DataFrame({
            "lhs": [lv for lv, _ in pr.pairs] * 2 + [t for _, t in pr.paths],
            "op": ["<~"] * pr.m + ["=~"] * pr.m + ["~"] * len(pr.paths),
            "rhs": [it for _, it in pr.pairs] * 2 + [f for f, _ in pr.paths],
            "est": est})
        nan = np.full(len(est), np.nan)
        se, z, p, lo, hi = nan, nan, nan, nan, nan
        if self.bootstrap is not None:
            bt = self.bootstrap_table().reindex(
                [f"{l} {o} {r}" for l, o, r in zip(out.lhs, out.op, out.rhs)])
            se, z, p = bt["se"].to_numpy(), bt["t"].to_numpy(), bt["pvalue"].to_numpy()
            lo, hi = bt["ci.lower"].to_numpy(), bt["ci.upper"].to_numpy()
        out["se"], out["z"], out["pvalue"], out["ci.lower"], out["ci.upper"] = se, z, p, lo, hi
        out["std.all"] = std
        for col in ESTIMATE_COLUMNS[3:]:
            out[col].to_numpy().setflags(write=False)
        return out

    @cached_property
    def cross_loadings(self) -> pd.DataFrame:
        pr = self._problem
        cross = np.zeros((len(pr.items), pr.L))
        cross[pr.col] = self._core["cross"]
        return pd.DataFrame(cross, index=pd.Index(pr.items, name="item"), columns=pr.latents)

    @cached_property
    def quality(self) -> pd.DataFrame:
        pr, c = self._problem, self._core
        endo = set(pr.endo)
        rows = []
        n = self.n
        for k, lv in enumerate(pr.latents):
            sl = pr.slices[k]
            npred = pr.preds[k].size
            r2k = c["r2"][k] if k in endo else np.nan
            adj = 1 - (1 - r2k) * (n - 1) / (n - npred - 1) if k in endo and n - npred - 1 > 0 \
                else np.nan
            comm_k = float(c["comm"][sl].mean())
            rows.append({"type": "Endogenous" if k in endo else "Exogenous",
                         "mode": pr.modes[k], "items": sl.stop - sl.start, "r2": r2k,
                         "r2.adj": adj, "communality": comm_k,
                         "redundancy": comm_k * r2k if k in endo else np.nan,
                         "ave": comm_k if pr.modes[k] == "A" else np.nan})
        return pd.DataFrame(rows, index=pd.Index(pr.latents, name="latent"))

    @cached_property
    def effects(self) -> pd.DataFrame:
        pr, c = self._problem, self._core
        lat = pr.latents
        ii = [i for i, _ in pr.effect_pairs]
        jj = [j for _, j in pr.effect_pairs]
        direct, total = c["B"][ii, jj], c["total"][ii, jj]
        out = pd.DataFrame({"from": [lat[i] for i in ii], "to": [lat[j] for j in jj],
                            "direct": direct, "indirect": total - direct, "total": total})
        if self.bootstrap is not None:
            bt = self.bootstrap_table().reindex([f"{f} -> {t}" for f, t in zip(out["from"], out["to"])])
            out["se"] = bt["se"].to_numpy()
            out["ci.lower"] = bt["ci.lower"].to_numpy()
            out["ci.upper"] = bt["ci.upper"].to_numpy()
        return out

    @cached_property
    def f2(self) -> pd.DataFrame:
        pr = self._problem
        f2 = pr.f2(self._core["C"])
        return pd.DataFrame([{"from": pr.latents[j], "to": pr.latents[k], "f2": v}
                             for (j, k), v in f2.items()], columns=["from", "to", "f2"])

    @cached_property
    def r2(self) -> pd.Series:
        pr = self._problem
        return pd.Series(self._core["r2"][pr.endo], index=[pr.latents[k] for k in pr.endo],
                         name="r2")

    @property
    def consistent(self) -> bool:
        """True for a consistent PLS (PLSc) fit."""
        return bool(getattr(self._problem, "consistent", False))

    @property
    def gof(self) -> float:
        return self._core["gof"]

    @cached_property
    def scores(self) -> pd.DataFrame:
        if getattr(self._data, "rows_free", False):
            from ._moments import rows_needed
            raise rows_needed("PLSResult.scores (construct scores)", self._data.source)
        Xc = self._data.X - self._data.mean
        return pd.DataFrame(Xc @ self._core["Wraw"], index=self._data.rows,
                            columns=self._problem.latents)

    @cached_property
    def latent_cor(self) -> pd.DataFrame:
        lat = self._problem.latents
        return pd.DataFrame(self._core["C"], index=lat, columns=lat)

    # --------------------------------------------------------------- accessors
    @property
    def weights(self) -> pd.DataFrame:
        """The outer-weight rows (``<~``) of :attr:`estimates`."""
        return self.estimates[self.estimates.op == "<~"].reset_index(drop=True)

    @property
    def loadings(self) -> pd.DataFrame:
        """The loading rows (``=~``) of :attr:`estimates`."""
        return self.estimates[self.estimates.op == "=~"].reset_index(drop=True)

    @property
    def paths(self) -> pd.DataFrame:
        """The structural paths (``~`` rows) of :attr:`estimates`."""
        return self.estimates[self.estimates.op == "~"].reset_index(drop=True)

    def path_matrix(self) -> pd.DataFrame:
        """Path coefficients as a latents x latents matrix (rows: from, columns: to; SmartPLS's layout).

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> pls.path_matrix().loc[["EXPE", "QUAL"], ["QUAL", "VAL", "SAT"]].round(3)
               QUAL    VAL    SAT
        EXPE  0.134  0.223  0.231
        QUAL  0.000  0.277  0.434
        """
        lat = self._problem.latents
        return pd.DataFrame(self._core["B"], index=lat, columns=lat)

    def total_effect_matrix(self) -> pd.DataFrame:
        """Total effects as a latents x latents matrix (rows: from, columns: to).

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> pls.total_effect_matrix().loc[["EXPE", "QUAL"], ["SAT", "LOY"]].round(3)
                SAT    LOY
        EXPE  0.340  0.125
        QUAL  0.488  0.179
        """
        lat = self._problem.latents
        return pd.DataFrame(self._core["total"], index=lat, columns=lat)

    def weight_matrix(self) -> pd.DataFrame:
        """Outer weights as an items x latents matrix (0 outside a block; SmartPLS's layout).

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> pls.weight_matrix().loc[["SAT1", "SAT2", "LOY1"], ["SAT", "LOY"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
                SAT    LOY
        item
        SAT1  0.361  0.000
        SAT2  0.396  0.000
        LOY1  0.000  0.362
        """
        pr = self._problem
        W = np.zeros((len(pr.items), pr.L))
        W[pr.col, pr.owner] = self._core["w"]
        return pd.DataFrame(W, index=pd.Index(pr.items, name="item"), columns=pr.latents)

    def table(self) -> pd.DataFrame:
        """The estimates with exactly the DESIGN.md columns.

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> t = pls.table()
        >>> t[t.op == "~"].head(3).round(3)
             lhs op   rhs    est  se   z  pvalue  ci.lower  ci.upper  std.all
        38  QUAL  ~  EXPE  0.134 NaN NaN     NaN       NaN       NaN    0.134
        39   VAL  ~  EXPE  0.223 NaN NaN     NaN       NaN       NaN    0.223
        40   VAL  ~  QUAL  0.277 NaN NaN     NaN       NaN       NaN    0.277
        """
        return self.estimates[ESTIMATE_COLUMNS].copy()

    def bootstrap_table(self, *, level: float | None = None,
                        method: str | None = None) -> pd.DataFrame:
        """Every bootstrapped statistic: ``est, mean, se, t, pvalue, ci.lower, ci.upper``.

        Rows are named ``IMAG <~ IMAG1`` (weights), ``IMAG =~ IMAG1`` (loadings),
        ``SAT ~ QUAL`` (paths), ``QUAL -> LOY`` (total effects) and ``r2 SAT``.

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> boot = cm.bootstrap_pls(pls, B=100, seed=1)
        >>> boot.bootstrap_table().loc[["SAT ~ QUAL", "LOY ~ SAT"]].round(3)
                      est   mean     se      t  pvalue  ci.lower  ci.upper
        SAT ~ QUAL  0.434  0.431  0.054  8.004     0.0     0.320     0.543
        LOY ~ SAT   0.289  0.297  0.065  4.476     0.0     0.151     0.414
        """
        if self.bootstrap is None:
            raise ValueError("This result has no bootstrap; use fit_pls(..., bootstrap=5000, "
                             "seed=1) or bootstrap_pls(result, seed=1).")
        level = self.level if level is None else level
        method = self.ci_method if method is None else method
        key = ("bootstrap_table", level, method)
        cache = self.__dict__.setdefault("_tables", {})
        if key in cache:
            return cache[key].copy()
        bt = self.bootstrap
        ci = bt.ci(level, method)
        se = bt.se
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(se > 0, bt.estimate / se, np.nan)
        good = bt.replicates[bt.ok]
        out = pd.DataFrame({"est": bt.estimate,
                            "mean": good.mean(axis=0) if len(good) else np.nan,
                            "se": se, "t": t, "pvalue": 2 * stats.norm.sf(np.abs(t)),
                            "ci.lower": ci["ci.lower"].to_numpy(),
                            "ci.upper": ci["ci.upper"].to_numpy()}, index=pd.Index(bt.names))
        cache[key] = out
        return out.copy()

    # --------------------------------------------------------------- reporting
    def summary(self, digits: int = 3) -> Summary:
        """A readable summary: header, warnings, outer model, paths, quality, total effects.

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> pls.summary()                      # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        csi_model PLS-PM: acsi
        ======================
        Model         acsi (6 latents, 19 items, 9 paths)
        Data          <DataFrame>: 200 of 200 respondents used
        Missing data  listwise deletion
        Estimator     PLS-PM, path weighting scheme, mode A, standardized items
        Converged     yes (5 iterations, tol 1e-07)
        GoF           0.350
        <BLANKLINE>
        Outer weights
        -------------
                         est
        lhs  op rhs
        EXPE <~ EXPE1  0.415
                EXPE2  0.352
        ...
        """
        modes = sorted(set(self.modes.values()))
        mode_txt = (modes[0] if len(modes) == 1 else
                    ", ".join(f"{k}: {v}" for k, v in self.modes.items()))
        header = [
            ("Model", f"{self.spec.name} ({len(self.spec.latents)} latents, "
                      f"{len(self._problem.items)} items, {len(self.spec.structural_paths)} paths)"),
            ("Data", f"{self.data_source}: {self.n} of {self.n_total} respondents used"),
            ("Missing data", missing_text(self.missing)),
            ("Estimator", f"{'PLSc (consistent PLS)' if self.consistent else 'PLS-PM'}, {self.scheme} weighting scheme, mode {mode_txt}, "
                          f"{'standardized' if self.scaled else 'centred (unscaled)'} items"),
            ("Converged", f"{'yes' if self.converged else 'NO'} ({self.iterations} iterations, "
                          f"tol {self.tol:g})"),
            ("GoF", _fmt(self.gof, digits)),
        ]
        if self.bootstrap is not None:
            header.append(("Bootstrap", f"{self.bootstrap.summary_line()}; {self.ci_method} "
                                        f"{self.level:.0%} intervals"))
        cols = ["est", "se", "z", "pvalue", "ci.lower", "ci.upper"]

        def block(frame):
            out = frame.set_index(["lhs", "op", "rhs"])[cols]
            if self.bootstrap is None:
                out = out[["est"]]
            return out

        eff = self.effects.set_index(["from", "to"])
        tables = [("Outer weights", block(self.weights)),
                  ("Loadings", block(self.loadings)),
                  ("Structural model", block(self.paths)),
                  ("Quality (R², communality, redundancy, AVE)", self.quality),
                  ("Effects", eff)]
        return Summary(f"csi_model PLS-PM: {self.spec.name}", header, tables, self.warnings,
                       digits=digits)

    def __repr__(self) -> str:
        r2 = ", ".join(f"{k}={v:.3f}" for k, v in self.r2.items())
        return (f"<PLSResult {self.spec.name}: n={self.n}, scheme={self.scheme}, "
                f"{'converged' if self.converged else 'NOT converged'} in {self.iterations} "
                f"iterations, R² {r2}, GoF={self.gof:.3f}, {len(self.warnings)} warning(s)>")

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN -> None): ``n`` (respondents used), ``n_total`` (read),
        ``estimator, scheme, modes, scaled, converged, iterations, estimates, outer, quality,
        effects, f2, r2, gof, bootstrap, warnings``.

        Examples
        --------
        >>> import csi_model as cm
        >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> import json
        >>> d = pls.to_dict()
        >>> d["n"], d["converged"], round(d["r2"]["SAT"], 3)
        (200, True, 0.383)
        >>> len(json.dumps(d)) > 1000
        True
        """
        rows = [{k: _clean(v) for k, v in r.items()} for r in self.table().to_dict("records")]
        out = {
            "n": int(self.n),
            "n_total": int(self.n_total),
            "missing": self.missing,
            "estimator": "PLSc" if self.consistent else self.estimator,
            "scheme": self.scheme,
            "modes": dict(self.modes),
            "scaled": self.scaled,
            "converged": self.converged,
            "iterations": int(self.iterations),
            "estimates": rows,
            "outer": _records(self.outer),
            "quality": _records(self.quality.rename_axis("latent").reset_index()),
            "effects": _records(self.effects),
            "f2": _records(self.f2),
            "r2": {k: _clean(v) for k, v in self.r2.items()},
            "gof": _clean(self.gof),
            "bootstrap": None,
            "warnings": list(self.warnings),
        }
        if self.bootstrap is not None:
            bt = self.bootstrap_table()
            out["bootstrap"] = {"B": self.bootstrap.B, "n_failed": self.bootstrap.n_failed,
                                "level": self.level, "ci_method": self.ci_method,
                                "statistics": _records(bt.rename_axis("name").reset_index())}
        return out


def _clean(v):
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


# ============================================================================ fitting
def _modes(mode, spec: ModelSpec) -> dict[str, str]:
    if isinstance(mode, str):
        m = mode.upper()
        if m not in ("A", "B"):
            raise ValueError(f"The 'mode' parameter of fit_pls must be 'A', 'B' or a dict "
                             f"{{latent: 'A' | 'B'}}. Got {mode!r} instead.")
        return {lv: m for lv in spec.latents}
    if isinstance(mode, Mapping):
        unknown = [k for k in mode if k not in spec.latents]
        if unknown:
            raise ValueError(f"The 'mode' parameter of fit_pls names {unknown}, which are not "
                             f"latents of the model ({', '.join(spec.latents)}).")
        out = {}
        for lv in spec.latents:
            m = str(mode.get(lv, "A")).upper()
            if m not in ("A", "B"):
                raise ValueError(f"The mode of latent {lv} must be 'A' or 'B'. Got "
                                 f"{mode.get(lv)!r} instead.")
            out[lv] = m
        return out
    raise ValueError(f"The 'mode' parameter of fit_pls must be 'A', 'B' or a dict "
                     f"{{latent: 'A' | 'B'}}. Got {mode!r} instead.")


def _check_structure(spec: ModelSpec) -> None:
    lat = set(spec.latents)
    where = spec.source or "<model>"
    means = [st for st in spec.statements if st.op == "~1"]
    if means:
        raise ModelSpecError(
            f"{where}, line {means[0].line}: PLS path modelling has no mean structure, so the "
            f"intercept or mean '{means[0].text}' cannot be estimated. Remove the '~ 1' lines "
            "for fit_pls (csi_model.fit estimates intercepts and latent means by ML).")
    for f, t in spec.structural_paths:
        for v in (f, t):
            if v not in lat:
                line = spec.statement_line(t, "~", f)
                raise ModelSpecError(
                    f"{where}, line {line}: PLS path modelling relates latents only, and "
                    f"'{v}' in '{t} ~ {f}' is an observed variable. Define it as a "
                    f"single-item latent ('{v}_LV =~ {v}') and use that in the path.")
    for lv in spec.latents:
        inner = [i for i in spec.indicators[lv] if i in lat]
        if inner:
            raise ModelSpecError(f"{where}: the latent '{lv}' is measured by the latent(s) "
                                 f"{inner}; higher-order constructs are not supported by fit_pls "
                                 "(use the repeated-indicators approach: list the items).")
    if spec.feedback_loops:
        loop = spec.feedback_loops[0]
        raise ModelSpecError(f"{where}: the structural model has a feedback loop "
                             f"({' <-> '.join(loop)}); PLS path modelling estimates recursive "
                             "models only (as plspm, seminr and SmartPLS). Fit the nonrecursive "
                             "model by CB-SEM (csi_model.fit), or remove one of the paths.")
    connected = {v for p in spec.structural_paths for v in p}
    alone = [lv for lv in spec.latents if lv not in connected]
    if alone:
        raise ModelSpecError(f"{where}: the latent(s) {alone} take part in no structural path; "
                             "PLS path modelling needs every latent connected to another "
                             "(add its paths, or remove it from the model).")


def _prepare_data(spec: ModelSpec, survey, notes: list[str], missing: str = "listwise",
                  weights: str | None = None) -> _Data:
    items = list(dict.fromkeys(i for lv in spec.latents for i in spec.indicators[lv]))
    X = survey.data[items].to_numpy(dtype=float)
    rows = survey.data.index
    if np.isnan(X).any() and missing in ("mean", "em"):
        from ..survey.missing import check_patterns
        keep, pnotes = check_patterns(survey, items, missing, "fit_pls")
        notes.extend(pnotes)
        rows = keep
        X = survey.data.loc[keep, items].to_numpy(dtype=float)
    if np.isnan(X).any() and missing == "em":
        w = None if weights is None else survey_weights(survey, weights, rows)
        return _em_data(X, rows, items, survey, notes, w, weights)
    w = None
    if np.isnan(X).any() and missing == "mean":
        holes = np.isnan(X)
        empty = [it for it, h in zip(items, holes.all(axis=0)) if h]
        if empty:
            raise EstimationError(f"{survey.source}: the item(s) {empty} have no answer at all; "
                                  "mean replacement needs some. Drop them from the model.")
        if weights is None:
            fill = np.nanmean(X, axis=0)
        else:
            # the weighted mean of each item over the respondents who answered it
            w = survey_weights(survey, weights, rows)
            wo = (~holes) * w[:, None]
            tot = wo.sum(axis=0)
            zero = [it for it, t in zip(items, tot) if not t > 0]
            if zero:
                raise EstimationError(f"{survey.source}: every respondent who answered the "
                                      f"item(s) {zero} has sampling weight 0 (column "
                                      f"'{weights}'); the weighted mean replacement needs a "
                                      "weighted answer. Drop the item(s) or check the weights.")
            fill = (wo * np.where(holes, 0.0, X)).sum(axis=0) / tot
        X = np.where(holes, fill, X)
        per_item = ", ".join(f"{it} {int(k)}" for it, k in zip(items, holes.sum(axis=0)) if k)
        msg = (f"Mean replacement: {int(holes.sum())} missing answers of "
               f"{int(holes.any(axis=1).sum())} of {len(X)} respondents were replaced by their "
               f"item's {'weighted ' if weights is not None else ''}mean ({per_item}); every "
               "respondent is kept.")
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=4)
    if np.isnan(X).any():
        frame, dropped = survey.complete_cases(items)
        msg = listwise_message(survey, dropped)
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=4)
        X = frame[items].to_numpy(dtype=float)
        rows = frame.index
    n = X.shape[0]
    if n < 3:
        raise EstimationError(f"{survey.source}: only {n} complete respondents; PLS path "
                              "modelling needs more than that.")
    if weights is None:
        mean = X.mean(axis=0)
        sd = X.std(axis=0)
    else:
        w = survey_weights(survey, weights, rows) if w is None else w
        mean = w @ X / n
        sd = np.sqrt(w @ (X - mean) ** 2 / n)
        notes.append(_weights_note(weights, w))
    const = [it for it, s in zip(items, sd) if not s > 0]
    if const:
        raise EstimationError(f"{survey.source}: the item(s) {const} have the same answer from "
                              "every respondent used (variance 0); drop them from the model.")
    return _Data(X=X, mean=mean, sd=sd, rows=rows,  # sd: divisor n, the algorithm's metric
                 method=missing, weights=w)


def _weights_note(column: str, w: np.ndarray, em: bool = False) -> str:
    """What a weighted PLS fit did, for result.warnings (and so every output)."""
    n = len(w)
    what = ("weighted EM means and covariance matrix of the items (each respondent's "
            "contribution to the E- and M-steps multiplied by the weight)" if em else
            "weighted item means, SDs and covariances")
    return (f"Sampling weights from column '{column}', rescaled to sum to the {n} "
            f"respondents used (Kish effective sample size {n ** 2 / np.sum(w ** 2):.0f}): "
            f"{what} (weighted PLS, as SmartPLS's weighting vector); a bootstrap resample "
            "draws respondents with their weights.")


def _em_data(X, rows, items, survey, notes, w=None, column=None) -> _Data:
    """missing='em': the EM (saturated ML) means and covariance matrix of the items; the gaps
    of the data filled with their conditional expectations at those moments (for scores).
    ``w``: sampling weights of the rows (summing to n), the case weights of the EM."""
    from ..sem._fiml import MissingData, em_saturated_batch
    data = MissingData(X)
    n = data.n
    if n < 3:
        raise EstimationError(f"{survey.source}: only {n} respondents; PLS path modelling needs "
                              "more than that.")
    if w is None:
        sd0 = np.nanstd(X, axis=0)
        mu0 = np.nanmean(X, axis=0)
    else:
        wo = (~np.isnan(X)) * w[:, None]
        tot = wo.sum(axis=0)
        zero = [it for it, t in zip(items, tot) if not t > 0]
        if zero:
            raise EstimationError(f"{survey.source}: every respondent who answered the item(s) "
                                  f"{zero} has sampling weight 0 (column '{column}'); the "
                                  "weighted EM needs a weighted answer. Drop the item(s) or "
                                  "check the weights.")
        X0 = np.where(np.isnan(X), 0.0, X)
        mu0 = (wo * X0).sum(axis=0) / tot
        sd0 = np.sqrt((wo * (X0 - mu0) ** 2).sum(axis=0) / tot)
    const = [it for it, v in zip(items, sd0) if not v > 0]
    if const:
        raise EstimationError(f"{survey.source}: the item(s) {const} have the same answer from "
                              "every respondent who answered them (variance 0); drop them from "
                              "the model.")
    S, mu, filled, iters, conv = em_saturated_batch(
        data, np.ones((1, n)) if w is None else w[None], np.diag(sd0 ** 2)[None], mu0[None],
        tol=1e-12, max_iter=20000)
    S, mu, filled = S[0], mu[0], filled[0]
    if not conv[0]:
        raise EstimationError(f"{survey.source}: the EM estimate of the item covariance matrix "
                              f"did not converge in {iters} iterations (too little overlap "
                              "between the answered items?). Use missing='mean' or 'listwise'.")
    holes = np.isnan(X)
    if np.linalg.eigvalsh(S).min() <= 1e-10 * np.trace(S):
        raise EstimationError(f"{survey.source}: the EM covariance matrix of the items is "
                              "singular (an item is a linear combination of others, or too few "
                              "answers overlap). Remove the redundant item.")
    msg = (f"EM: {int(holes.sum())} missing answers of {int(holes.any(axis=1).sum())} of {n} "
           f"respondents; the PLS estimates use the EM (saturated maximum-likelihood) means and "
           f"covariance matrix of the items ({iters} EM iterations), every respondent is kept; "
           "construct scores of incomplete respondents use the conditional expectations of "
           "their missing answers given the answers they gave.")
    notes.append(msg)
    warnings.warn(msg, DataQualityWarning, stacklevel=4)
    if w is not None:
        notes.append(_weights_note(column, w, em=True))
    return _Data(X=filled, mean=mu, sd=np.sqrt(np.diag(S)), rows=rows, method="em", S=S,
                 X_obs=X, weights=w)


def fit_pls(spec: ModelSpec | str | Path, data, *,
            scheme: Literal["path", "centroid", "factorial"] = "path",
            mode: str | Mapping[str, str] = "A", max_iter: int = 300, tol: float = 1e-7,
            scaled: bool = True, bootstrap: int | bool | None = None, seed=None,
            n_jobs: int = 1, level: float = 0.95,
            ci_method: Literal["percentile", "bca"] = "percentile",
            missing_codes=None, scale=None, consistent: bool = False,
            missing: Literal["listwise", "mean", "em"] = "listwise",
            weights: str | None = None) -> PLSResult:
    """Fit a PLS path model (Wold / Lohmöller algorithm, as SmartPLS and R plspm).

    Parameters
    ----------
    spec : ModelSpec, str or Path
        The model (``=~`` lines are the blocks, ``~`` lines the inner model; ``~~`` lines
        are ignored by PLS). A bundled model name or a ``.lav`` path is loaded.
    data : Survey, DataFrame, path or SurveyMoments
        The survey (read with :func:`~csi_model.read_survey` if not a Survey). Incomplete
        rows are dropped (listwise): the result says ``n`` used of ``n_total`` read and
        carries a warning (a :class:`~csi_model.DataQualityWarning` is also issued).
        :class:`~csi_model.SurveyMoments` (:func:`~csi_model.survey_moments`: Dask
        partitions, Parquet/CSV globs, a cluster) give the same fit from moments
        (:mod:`csi_model.pls._moments`): listwise, and with ``patterns=True`` moments
        ``missing="mean"`` and ``"em"`` too. What needs the rows (bootstrap, scores,
        PLSpredict, FIMIX, sampling weights) is then refused with a clear error.
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme (SmartPLS's default is ``"path"``, plspm's ``"centroid"``).
    mode : "A", "B" or dict
        Outer mode for every block, or ``{latent: "A" | "B"}`` (others A). Mode A
        (reflective: correlation weights), mode B (formative: regression weights).
    max_iter : int
        Maximum iterations; without convergence the result carries a warning.
    tol : float
        Stop when no outer weight changes by more than ``tol`` (standardized metric).
    scaled : bool
        Standardize the items (default; SmartPLS's "Mean 0, Var 1"). ``False`` only
        centres them, as plspm's ``scaled = FALSE``: mode A then weights by covariances
        and the reported weights are on the raw item scale.
    bootstrap : int or bool, optional
        Number of bootstrap resamples (``True``: 5000, the field's default); see
        :func:`bootstrap_pls`. ``seed`` is then required.
    seed : int, optional
        Seed of the bootstrap.
    n_jobs : int
        Worker processes of the bootstrap.
    level : float
        Confidence level of the bootstrap intervals.
    ci_method : {"percentile", "bca"}
        The interval shown in :attr:`PLSResult.estimates`.
    missing_codes : sequence, optional
        Codes meaning "no answer", when ``data`` is read here.
    missing : {"listwise", "mean", "em"}
        ``"listwise"`` (default) drops respondents with a missing answer (with a warning);
        ``"mean"`` replaces each missing answer by its item's mean over the respondents who
        answered (SmartPLS's and seminr's "mean replacement"; the bootstrap resamples the
        replaced data, as they do). ``"em"`` (alias ``"ml"``): PLS runs on the EM estimate of
        the item means and covariance matrix (the maximum-likelihood estimate under MAR,
        lavaan's h1 with ``missing = "ml"``); the bootstrap re-runs the EM on every resample
        (warm-started from the full-sample EM). Construct scores (and the index scores of
        :func:`~csi_model.csi_index`) of an incomplete respondent apply the weights to the
        answers given and, for the missing ones, to their conditional expectations
        ``E[x_m | x_o]`` under the EM moments (regression imputation at the EM fixed point:
        the mean of the scores is then exactly the index computed from the EM means).
        ``"mean"`` and ``"em"`` keep every respondent (with a warning saying how many answers
        were missing); a respondent with no answer to the model's items is dropped (named).
    weights : str, optional
        The column of sampling weights (not a model variable): weighted PLS, as SmartPLS's
        weighting vector. The weights of the respondents used are rescaled to sum to their
        number n; item means, SDs and covariances are weighted (divisor n), so the outer
        weights, loadings, paths and R² are those of the weighted population - with integer
        weights the same as the fit on the data with each row repeated that many times. A
        bootstrap resample draws respondents, each keeping its weight. The index
        (:func:`~csi_model.pls.index.csi_index`) then uses the weighted item means;
        :func:`~csi_model.pls_predict` and :func:`~csi_model.pls_cvpat` fit every training
        fold weighted and report weighted prediction metrics.
        With ``missing="mean"`` a missing answer is replaced by the weighted mean of its
        item over the respondents who answered it; with ``missing="em"`` the EM is the
        weighted one (each respondent's E-step contribution multiplied by its weight in the
        M-step: the weighted ML means and covariance matrix under MAR, lavaan's weighted h1),
        and the bootstrap re-runs it per resample with the rows' weights. Either way, integer
        weights give the fit on the data with each row repeated that many times.
        Negative, missing, non-numeric or all-zero weights are an error naming the rows.
    scale : (min, max), optional
        The answer scale of every item: answers outside it are an error (see
        :func:`csi_model.survey.read.read_survey`).
    consistent : bool
        Consistent PLS (PLSc, Dijkstra & Henseler 2015; see :mod:`csi_model.pls.consistent`):
        ``=~`` blocks in mode A are common factors and their loadings, the construct
        correlations (:attr:`PLSResult.latent_cor`), paths, R² and effects are corrected
        for attenuation (also in every bootstrap resample). ``<~`` blocks (the lavaan/cSEM
        composite operator, always mode B) and mode B blocks stay composites. With
        ``False`` (default) every block is a composite, as SmartPLS's "PLS-SEM algorithm".
        Requires ``scaled=True``.

    Returns
    -------
    PLSResult

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.simulate_survey("telecom", n=250, seed=1)
    >>> res = cm.fit_pls("telecom", survey, scheme="path")
    >>> res.converged, round(float(res.r2["SAT"]), 2) > 0
    (True, True)
    >>> res.paths[["lhs", "op", "rhs"]].head(2).to_dict("records")
    [{'lhs': 'EXPE', 'op': '~', 'rhs': 'IMAG'}, {'lhs': 'QUAL', 'op': '~', 'rhs': 'EXPE'}]
    """
    t0 = time.perf_counter()
    from .composite_syntax import split_composites
    spec, composites = split_composites(spec)
    spec = as_spec(spec, "fit_pls")
    scheme = check_choice(scheme, _SCHEMES, "scheme", "fit_pls")
    ci_method = check_choice(ci_method, _CI_METHODS, "ci_method", "fit_pls")
    modes = _modes(mode, spec)
    for lv in composites:
        if isinstance(mode, Mapping) and str(mode.get(lv, "B")).upper() != "B":
            raise ValueError(f"The 'mode' parameter of fit_pls sets {lv} to mode "
                             f"{mode[lv]!r}, but the model writes it as a composite "
                             f"('{lv} <~ ...', mode B). Write '{lv} =~ ...' for mode A.")
        modes[lv] = "B"
    if consistent and not scaled:
        raise ValueError("fit_pls(consistent=True) needs scaled=True: PLSc corrects "
                         "correlations of standardized items.")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"The 'max_iter' parameter of fit_pls must be a positive integer. "
                         f"Got {max_iter!r} instead.")
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ValueError(f"The 'tol' parameter of fit_pls must be a positive number. "
                         f"Got {tol!r} instead.")
    if not 0 < level < 1:
        raise ValueError(f"The 'level' parameter of fit_pls must be in (0, 1). Got {level!r} instead.")
    _check_structure(spec)
    from ..survey.moments import SurveyMoments
    if isinstance(data, SurveyMoments):       # no rows: csi_model/pls/_moments.py
        from ._moments import check_moment_options, check_scale
        check_moment_options(data, bootstrap=bootstrap, weights=weights,
                             missing_codes=missing_codes)
        check_scale(data, [i for i in spec.observed if i in data.items], scale, "fit_pls")
        survey = None
    else:
        survey = as_survey(data, spec, missing_codes, "fit_pls", scale=scale)
        spec.check_against(survey.data.columns, data_source=survey.source)
    notes: list[str] = []
    if any(st.op == "~~" for st in spec.statements):
        notes.append("The model's '~~' (covariance) lines are ignored by PLS path modelling.")
    if getattr(spec, "defined_parameters", None):
        names = ", ".join(d.name for d in spec.defined_parameters)
        notes.append(f"The model's defined parameters ({names}) are computed for CB-SEM fits "
                     "only: PLS ignores them. Use cm.effects / cm.specific_indirect_effects on "
                     "the bootstrapped PLS result for indirect and total effects.")
        warnings.warn(notes[-1], CSIModelWarning, stacklevel=2)
    from ..survey.missing import resolve_missing
    missing = resolve_missing(missing, "pls", "fit_pls")
    weights = check_weight_column(weights, spec.observed, func="fit_pls")
    if survey is None:
        from ._moments import moment_data
        dat = moment_data(spec, data, notes, missing)
    else:
        dat = _prepare_data(spec, survey, notes, missing, weights)
    if consistent:
        from .consistent import PLScProblem
        problem = PLScProblem(spec, scheme, modes, bool(scaled), int(max_iter), float(tol),
                              factors=[lv for lv in spec.latents if lv not in composites])
    else:
        problem = _PLSProblem(spec, scheme, modes, bool(scaled), int(max_iter), float(tol))
    result = _fit_data(problem, spec, dat, notes, survey=survey, level=level,
                       ci_method=ci_method, t0=t0,
                       n_total=None if survey is not None else data.n_read,
                       source=None if survey is not None else data.source)
    if bootstrap:
        B = DEFAULT_PLS_BOOTSTRAP if bootstrap is True else int(bootstrap)
        result = bootstrap_pls(result, B=B, seed=seed, n_jobs=n_jobs, level=level,
                               ci_method=ci_method)
    return result


def _fit_data(problem: _PLSProblem, spec: ModelSpec, dat: _Data, notes: list[str], *,
              survey=None, level=0.95, ci_method="percentile", t0=None, n_total=None,
              source=None) -> PLSResult:
    t0 = time.perf_counter() if t0 is None else t0
    n = dat.n
    S_raw = dat.cov()[None]
    Se, sd_e, sd_w = _working_cov(problem, S_raw)
    est = problem.estimate(Se, sd_w if not problem.scaled else None)
    core = {k: v[0] for k, v in est.items()}
    w = core["w"]
    conv = bool(core["converged"])
    iters = int(core["iterations"])
    if not np.all(np.isfinite(w)):
        raise EstimationError("The PLS algorithm broke down (a latent score has variance 0). "
                              "Check for items with no variance or blocks with no structural path.")
    if not conv:
        msg = (f"The PLS algorithm did not converge in {iters} iterations (tol {problem.tol:g}): "
               "the estimates are not a fixed point. Increase max_iter, or try the path or "
               "factorial scheme.")
        notes.append(msg)
        warnings.warn(msg, ConvergenceWarning, stacklevel=3)
    lat = problem.latents
    r2 = core["r2"]
    sd_item = dat.sd[problem.col]
    # The algorithm normalizes each score to variance 1 with divisor n (it works on S with
    # divisor n); the scores reported, and the raw weights giving them, are standardized
    # with divisor n - 1 as seminr, cSEM, ADANCO and SmartPLS report them. Weights on
    # standardized items, loadings and paths do not depend on the divisor.
    to_sample = math.sqrt((n - 1) / n)
    core["w_raw"] = (w / sd_item if problem.scaled else w.copy()) * to_sample
    core["w_std"] = w if problem.scaled else w * sd_item
    Wraw = np.zeros((len(dat.mean), problem.L))
    np.add.at(Wraw, (problem.col, problem.owner), core["w_raw"])
    core["Wraw"] = Wraw
    comm = core["loadings"] ** 2
    core["comm"] = comm
    endo_mask = np.zeros(problem.L, dtype=bool)
    endo_mask[problem.endo] = True
    core["redundancy"] = np.where(endo_mask[problem.owner], comm * r2[problem.owner], 0.0)
    multi = [comm[sl] for sl in problem.slices if sl.stop - sl.start > 1]
    core["gof"] = (float(math.sqrt(np.concatenate(multi).mean() * r2[problem.endo].mean()))
                   if multi and problem.endo else float("nan"))
    improper = []
    for k in problem.endo:
        if r2[k] > 0.95:
            improper.append(f"The R² of {lat[k]} is {r2[k]:.3f} (above 0.95): its predictors "
                            "explain almost all of it; check that the constructs are distinct.")
    if getattr(problem, "consistent", False):
        from .consistent import plsc_warnings
        improper += plsc_warnings(problem, core)
    for (lv, it), wi in zip(problem.pairs, w):
        if wi < 0:
            improper.append(f"The outer weight of {it} on {lv} is negative ({wi:.3f}): the item "
                            "works against its construct (a reverse-coded item, or collinear "
                            "items in a mode B block). The 0-100 index assumes positive weights.")
    return PLSResult(
        spec=spec, scheme=problem.scheme, modes=dict(zip(lat, problem.modes)),
        scaled=problem.scaled, n=n,
        n_total=n_total if n_total is not None else survey.n if survey is not None else n,
        iterations=iters, converged=conv, warnings=tuple(notes + improper), level=level,
        ci_method=ci_method, max_iter=problem.max_iter, tol=problem.tol,
        data_source=source if source is not None else survey.source if survey is not None else "",
        elapsed=time.perf_counter() - t0, survey=survey, _data=dat, _problem=problem, _core=core)


# ============================================================================ bootstrap
def bootstrap_pls(result: PLSResult, *, B: int = DEFAULT_PLS_BOOTSTRAP, seed, n_jobs: int = 1,
                  level: float | None = None, ci_method: str | None = None,
                  strata=None, **engine_options) -> PLSResult:
    """Bootstrap a PLS fit; returns a new :class:`PLSResult` with SEs and intervals.

    Resamples of respondents are drawn by the shared engine
    (:func:`csi_model.bootstrap.bootstrap`) and refitted in chunks: the covariance
    matrices of a chunk are computed at once from case counts and the PLS algorithm
    iterates on all of them together, from initial weights 1 as the full-sample fit
    (no warm start, so every resample is the solution SmartPLS would report for it).

    Statistics: outer weights, loadings, path coefficients, total effects and R². The
    standard error is the SD of the replicates (divisor B, as lavaan); ``z`` is the t
    value est/se; intervals are percentile (R boot's interpolation) or BCa (jackknife
    acceleration). A resample whose algorithm does not converge counts as failed.

    Sign changes: every resample applies the full-sample orientation rule (each latent
    oriented so that the sum of its loadings is positive), then replicates are taken as
    they are - no further individual or construct-level sign changes (SmartPLS's "no sign
    changes" option). With items that correlate positively within a block, which the
    0-100 index requires anyway, the two SmartPLS options agree.

    Parameters
    ----------
    result : PLSResult
    B : int
        Resamples (default 5000).
    seed : int
        Required; the same seed gives the same replicates whatever ``n_jobs``.
    n_jobs : int
        Worker processes.
    level, ci_method :
        Interval level and method shown in the estimates (default: the result's).
    strata : array-like, optional
        Group label per respondent used, to resample within groups.
    **engine_options :
        Passed to :func:`csi_model.bootstrap.bootstrap` (``backend``, ``progress``, ``chunk_size``).

    Examples
    --------
    >>> import csi_model as cm
    >>> pls = cm.fit_pls("acsi", cm.simulate_survey("acsi", n=200, seed=1))
    >>> boot = cm.bootstrap_pls(pls, B=100, seed=1)
    >>> boot.bootstrap.summary_line()
    '100 resamples, 100 used'
    >>> boot.paths[["lhs", "op", "rhs", "est", "se", "ci.lower", "ci.upper"]].head(3).round(3)
        lhs op   rhs    est     se  ci.lower  ci.upper
    0  QUAL  ~  EXPE  0.134  0.063    -0.014     0.239
    1   VAL  ~  EXPE  0.223  0.066     0.084     0.371
    2   VAL  ~  QUAL  0.277  0.053     0.170     0.363
    """
    from ..bootstrap import bootstrap as engine
    if seed is None:
        raise ValueError("The 'seed' parameter of bootstrap_pls is required (an integer), so "
                         "that the bootstrap can be reproduced.")
    level = result.level if level is None else level
    ci_method = result.ci_method if ci_method is None else check_choice(
        ci_method, _CI_METHODS, "ci_method", "bootstrap_pls")
    stat = _statistic(result)
    bt = engine(stat, result.n, B=int(B), seed=seed, n_jobs=n_jobs, names=stat.names(),
                strata=strata, **engine_options)
    notes = list(result.warnings)
    if bt.n_failed:
        notes.append(f"Bootstrap: {bt.n_failed} of {bt.B} resamples failed (the algorithm did "
                     "not converge or broke down) and were left out of the SEs and intervals.")
    return replace(result, bootstrap=bt, level=level, ci_method=ci_method, warnings=tuple(notes))


# ============================================================================ comparison
def compare_estimators(spec: ModelSpec | str | Path, data, *, scheme: str = "path",
                       mode="A", missing_codes=None) -> pd.DataFrame:
    """CB-SEM and PLS estimates of the same model side by side.

    CB-SEM (:func:`csi_model.fit`, ML, listwise) gives the completely standardized
    solution (lavaan's ``std.all``); PLS the estimates for standardized items. Both are
    fitted on the same complete cases.

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, cbsem, pls, diff`` (``diff = pls - cbsem``) for loadings
        (``=~``) and paths (``~``), then ``r2`` rows (``lhs`` the latent, ``op = "r2"``).
        PLS typically gives larger loadings and smaller paths than CB-SEM (its composites
        contain measurement error), the classic PLS consistency-at-large pattern.

    Examples
    --------
    >>> import csi_model as cm
    >>> both = cm.compare_estimators("acsi", cm.simulate_survey("acsi", n=200, seed=1))
    >>> both.head(3).round(3)
        lhs  op    rhs  cbsem    pls   diff
    0  EXPE  =~  EXPE1  0.758  0.859  0.101
    1  EXPE  =~  EXPE2  0.775  0.840  0.065
    2  EXPE  =~  EXPE3  0.769  0.856  0.087
    """
    from ..sem.fitting import fit
    spec = as_spec(spec, "compare_estimators")
    survey = as_survey(data, spec, missing_codes, "compare_estimators")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pls = fit_pls(spec, survey, scheme=scheme, mode=mode)
        cb = fit(spec, survey)
    cbe = cb.estimates
    cb_std = {(l, o, r): s for l, o, r, s in zip(cbe.lhs, cbe.op, cbe.rhs, cbe["std.all"])}
    rows = []
    for r in pls.estimates.itertuples(index=False):
        if r.op in ("=~", "~"):
            c = cb_std.get((r.lhs, r.op, r.rhs), np.nan)
            rows.append({"lhs": r.lhs, "op": r.op, "rhs": r.rhs, "cbsem": c, "pls": r.est})
    for lv, v in pls.r2.items():
        rows.append({"lhs": lv, "op": "r2", "rhs": "", "cbsem": cb.r2.get(lv, np.nan), "pls": v})
    out = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "cbsem", "pls"])
    out["diff"] = out["pls"] - out["cbsem"]
    return out
