"""Quality criteria of a PLS fit, as SmartPLS, ADANCO, cSEM and seminr report them.

* :func:`pls_vif` - collinearity: outer VIFs (each item on the other items of its block)
  and inner VIFs (each predictor of an endogenous construct on its other predictors,
  from the construct scores' correlations);
* :func:`pls_reliability` - Cronbach's alpha, rho_c (Jöreskog, from the PLS or PLSc
  loadings), rho_A (Dijkstra & Henseler) and AVE per construct; the CFA-based rho_c is
  :func:`csi_model.measurement`'s;
* :func:`pls_model_fit` - SRMR, d_ULS and d_G of the saturated and the estimated model
  (cSEM's ``assess()`` / ADANCO; model-implied correlations as cSEM's ``fit()``) and,
  with ``bootstrap``, their 95% and 99% quantiles under the null hypothesis of exact fit
  (Bollen-Stine / Beran-Srivastava transformed data, cSEM's ``testOMF``);
* :func:`pls_information_criteria` - AIC, AICu, AICc, BIC, HQ and HQc per endogenous
  construct (Sharma, Sarstedt, Shmueli, Kim & Thiele 2019, *JAIS* 20(4));
* :func:`pls_htmt` - HTMT with its bootstrap mean, SD and percentile interval.

All of them take a :class:`~csi_model.PLSResult` (PLS or PLSc, ``scaled=True``). On a fit
with sampling weights (``fit_pls(..., weights=)``) every criterion uses the weighted item
correlations, and a bootstrap resample draws respondents, each keeping its weight (its
case count times its weight in the resample's moments), as :func:`~csi_model.bootstrap_pls`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .fit import PLSResult, _moments_from_counts, _counts, _working_cov, _require_rows

__all__ = ["pls_vif", "pls_reliability", "pls_model_fit", "pls_information_criteria",
           "pls_htmt"]


def _check(result, func):
    if not isinstance(result, PLSResult):
        raise TypeError(f"The 'result' parameter of {func} must be a PLSResult (from fit_pls). "
                        f"Got {type(result).__name__} instead.")
    if not result.scaled:
        raise ValueError(f"{func} needs a fit with standardized items (fit_pls(..., "
                         "scaled=True), the default); this one has scaled=False.")


def _item_cor(result) -> np.ndarray:
    """Correlations of the expanded items (m x m), as the fit used them."""
    pr = result._problem
    C = result._data.cov()                  # weighted with sampling weights
    sd = np.sqrt(np.diag(C))
    R = C / np.outer(sd, sd)
    return R[np.ix_(pr.col, pr.col)]


def _proxy_cor(result) -> np.ndarray:
    core = result._core
    return core.get("C_proxy", core["C"])


# ----------------------------------------------------------------------------- VIF
def pls_vif(result: PLSResult) -> pd.DataFrame:
    """Variance inflation factors of the outer and inner model.

    Outer (``op = "=~"``): VIF of each item regressed on the other items of its block
    (ADANCO's "Indicator Multicollinearity", SmartPLS's outer VIF; most relevant for
    mode B). Inner (``op = "~"``): VIF of each predictor of an endogenous construct,
    regressed on its other predictors, from the correlations of the construct scores
    (SmartPLS's inner VIF, seminr's ``vif_antecedents``). A construct with one item or
    one predictor gets VIF 1.

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, vif``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
    >>> v = cm.pls_vif(res)
    >>> sorted(set(v.op)), bool((v.vif >= 1).all())
    (['=~', '~'], True)
    """
    _check(result, "pls_vif")
    pr = result._problem
    R = _item_cor(result)
    rows = []
    for j, sl in enumerate(pr.slices):
        block = R[sl, sl]
        vif = np.diag(np.linalg.inv(block)) if block.shape[0] > 1 else np.ones(1)
        for (lv, it), v in zip(pr.pairs[sl], vif):
            rows.append({"lhs": lv, "op": "=~", "rhs": it, "vif": float(v)})
    C = _proxy_cor(result)
    for k in pr.endo:
        P = pr.preds[k]
        vif = np.diag(np.linalg.inv(C[np.ix_(P, P)])) if P.size > 1 else np.ones(1)
        for j, v in zip(P, vif):
            rows.append({"lhs": pr.latents[k], "op": "~", "rhs": pr.latents[j], "vif": float(v)})
    return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "vif"])


# ----------------------------------------------------------------------------- reliability
def pls_reliability(result: PLSResult) -> pd.DataFrame:
    """Cronbach's alpha, rho_c, rho_A and AVE of every construct, from the PLS(c) fit.

    ``rho_c = (sum l)² / ((sum l)² + sum(1 - l²))`` and ``ave = mean(l²)`` use the fit's
    loadings ``l`` (PLS loadings, or PLSc's corrected ones for ``consistent=True``; ADANCO's
    and cSEM's "Jöreskog's rho"); ``alpha`` is Cronbach's alpha of the standardized items;
    ``rho_a`` is Dijkstra-Henseler's rho_A from the converged weights (1 for a single item).
    Mode B blocks get NaN for alpha, rho_c and AVE (they are composites) and rho_A 1.
    For rho_c from a CFA (lavaan's loadings) see :func:`csi_model.measurement`.

    Returns
    -------
    DataFrame
        Indexed by latent: ``mode, items, alpha, rho_c, rho_a, ave``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
    >>> list(cm.pls_reliability(res).columns)
    ['mode', 'items', 'alpha', 'rho_c', 'rho_a', 'ave']
    """
    _check(result, "pls_reliability")
    from .consistent import rho_a_batch
    pr, core = result._problem, result._core
    R = _item_cor(result)
    rho = rho_a_batch(core["w"][None], R[None], pr.slices)[0]
    rows = []
    for j, (lv, sl) in enumerate(zip(pr.latents, pr.slices)):
        k = sl.stop - sl.start
        lam = core["loadings"][sl]
        if pr.modes[j] == "B":
            rows.append({"mode": "B", "items": k, "alpha": np.nan, "rho_c": np.nan,
                         "rho_a": 1.0, "ave": np.nan})
            continue
        block = R[sl, sl]
        alpha = k / (k - 1) * (1 - k / block.sum()) if k > 1 else np.nan
        s = lam.sum() ** 2
        rows.append({"mode": "A", "items": k, "alpha": float(alpha),
                     "rho_c": float(s / (s + (1 - lam ** 2).sum())), "rho_a": float(rho[j]),
                     "ave": float((lam ** 2).mean())})
    return pd.DataFrame(rows, index=pd.Index(pr.latents, name="latent"))


# ----------------------------------------------------------------------------- model fit
def _implied(problem, est, S, saturated: bool):
    """Model-implied item correlations (b, m, m) of a batch of estimates (cSEM's fit())."""
    L = problem.L
    lam = est["loadings"][:, :, None] * problem.D                   # (b, m, L)
    V = est["C"].copy()
    if not saturated and problem.endo:
        endo = np.array(problem.endo)
        exo = np.array([k for k in range(L) if k not in set(problem.endo)])
        Bt = np.swapaxes(est["B"], 1, 2)                             # [to, from]
        Bee = Bt[:, endo[:, None], endo[None, :]]
        G = Bt[:, endo[:, None], exo[None, :]]
        Phi = est["C"][:, exo[:, None], exo[None, :]]
        inv = np.linalg.inv(np.eye(endo.size) - Bee)
        zeta = 1 - est["r2"][:, endo]
        Psi = zeta[:, :, None] * np.eye(endo.size)
        exo_endo = Phi @ np.swapaxes(G, 1, 2) @ np.swapaxes(inv, 1, 2)
        endo_endo = inv @ (G @ Phi @ np.swapaxes(G, 1, 2) + Psi) @ np.swapaxes(inv, 1, 2)
        endo_endo[:, np.arange(endo.size), np.arange(endo.size)] = 1.0
        V = np.empty_like(V)
        V[:, exo[:, None], exo[None, :]] = Phi
        V[:, exo[:, None], endo[None, :]] = exo_endo
        V[:, endo[:, None], exo[None, :]] = np.swapaxes(exo_endo, 1, 2)
        V[:, endo[:, None], endo[None, :]] = endo_endo
    Sigma = lam @ V @ np.swapaxes(lam, 1, 2)
    m = problem.m
    diag = np.einsum("bii->bi", S) - np.einsum("bil,bil->bi", lam, lam)
    Sigma[:, np.arange(m), np.arange(m)] += diag
    factors = getattr(problem, "factors", np.zeros(L, dtype=bool))
    for j, sl in enumerate(problem.slices):
        if not factors[j]:
            Sigma[:, sl, sl] = S[:, sl, sl]
    return Sigma


def _distances(S, Sigma):
    """SRMR, d_ULS, d_G (b, 3) between correlation matrices S and Sigma."""
    m = S.shape[1]
    il = np.tril_indices(m)
    sd_s = np.sqrt(np.einsum("bii->bi", S))
    sd_h = np.sqrt(np.einsum("bii->bi", Sigma))
    Rs = S / (sd_s[:, :, None] * sd_s[:, None, :])
    Rh = Sigma / (sd_h[:, :, None] * sd_h[:, None, :])
    diff = Rs - Rh
    srmr = np.sqrt((diff[:, il[0], il[1]] ** 2).mean(axis=1))
    duls = 0.5 * ((S - Sigma) ** 2).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        ev = np.linalg.eigvals(np.linalg.solve(S, Sigma)).real
        dg = 0.5 * (np.log10(ev) ** 2).sum(axis=1)
    return np.stack([srmr, duls, dg], axis=1)


def _sqrtm(A, inverse=False):
    vals, vecs = np.linalg.eigh(A)
    p = -0.5 if inverse else 0.5
    return (vecs * vals ** p) @ vecs.T


def pls_model_fit(result: PLSResult, *, bootstrap: int = 0, seed=None) -> pd.DataFrame:
    """SRMR, d_ULS and d_G of the saturated and the estimated model.

    The model-implied item correlations are cSEM's ``fit()``: ``Lambda V Lambda' + Theta``
    with the fit's loadings and, within a composite block, the observed correlations.
    ``V`` is the construct correlation matrix of the fit (saturated model: all constructs
    freely correlated) or the one implied by the path coefficients (estimated model:
    exogenous correlations, then the recursive structural equations with residual
    variances ``1 - R²``). For a PLSc fit ``V`` holds the corrected correlations and the
    common-factor blocks are implied by their loadings. SRMR is the root mean square of
    the correlation residuals (lower triangle with diagonal); ``d_ULS = ½ sum (s - sigma)²``;
    ``d_G = ½ sum log10(ev)²`` over the eigenvalues of ``S⁻¹ Sigma`` (base 10, as cSEM and
    ADANCO).

    With ``bootstrap = B`` the data are first transformed to fit the model exactly
    (``Z S^-½ Sigma^½``, Beran & Srivastava 1985, for each model), resampled B times,
    refitted and the distances recomputed; the columns ``q95`` and ``q99`` are their 95%
    and 99% quantiles (cSEM's ``testOMF``, SmartPLS's HI95/HI99): a distance above its
    quantile rejects exact fit. On a fit with sampling weights the distances use the weighted
    item correlations, the transformation standardizes with weighted means and SDs (so the
    transformed data's weighted correlation matrix is the implied one), and a resample
    draws respondents, each keeping its weight.

    Returns
    -------
    DataFrame
        Index ``SRMR, d_ULS, d_G``; columns ``saturated, estimated`` and, with a bootstrap,
        ``saturated.q95, saturated.q99, estimated.q95, estimated.q99``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
    >>> fit = cm.pls_model_fit(res)
    >>> list(fit.index), list(fit.columns)
    (['SRMR', 'd_ULS', 'd_G'], ['saturated', 'estimated'])
    """
    _check(result, "pls_model_fit")
    pr = result._problem
    if len(pr.items) != pr.m:
        raise ValueError("pls_model_fit: an item measures two constructs in this model; the "
                         "model-implied correlation matrix of repeated indicators is not "
                         "defined. Assess the first stage of a two-stage model instead.")
    S = _item_cor(result)[None]
    est = {k: np.asarray(v)[None] for k, v in result._core.items()
           if k in ("loadings", "C", "B", "r2")}
    out = {}
    implied = {}
    for name, sat in (("saturated", True), ("estimated", False)):
        implied[name] = _implied(pr, est, S, sat)
        out[name] = _distances(S, implied[name])[0]
    frame = pd.DataFrame(out, index=["SRMR", "d_ULS", "d_G"])
    if bootstrap:
        if seed is None:
            raise ValueError("The 'seed' parameter of pls_model_fit is required with "
                             "bootstrap (an integer), so that the test can be reproduced.")
        from ..bootstrap import bootstrap as engine
        _require_rows(result, "pls_model_fit(bootstrap=...)")
        X = result._data.X
        w = result._data.weights
        if w is None:
            Z = (X - X.mean(axis=0)) / X.std(axis=0)
        else:     # weighted standardization: the transformed data's weighted S is Sigma
            p_w = w / w.sum()
            mu = p_w @ X
            Z = (X - mu) / np.sqrt(p_w @ (X - mu) ** 2)
        for name, sat in (("saturated", True), ("estimated", False)):
            Xt = Z @ _sqrtm(S[0], inverse=True) @ _sqrtm(implied[name][0])
            stat = _FitStatistic(pr, Xt, sat, weights=w)
            bt = engine(stat, result.n, B=int(bootstrap), seed=seed,
                        names=["SRMR", "d_ULS", "d_G"])
            good = bt.replicates[bt.ok]
            frame[f"{name}.q95"] = np.quantile(good, 0.95, axis=0)
            frame[f"{name}.q99"] = np.quantile(good, 0.99, axis=0)
    return frame


class _FitStatistic:
    """Distances of a refit on resampled (transformed) data; batched like _PLSStatistic."""

    def __init__(self, problem, X, saturated, weights=None):
        self.problem = problem
        self.weights = None if weights is None else np.asarray(weights, dtype=float)
        self.Xc = X - (X.mean(axis=0) if weights is None
                       else self.weights @ X / self.weights.sum())
        self.saturated = saturated
        self.batch = self._batch

    def _batch(self, index_list):
        counts = _counts(index_list, self.Xc.shape[0])
        if self.weights is not None:      # each drawn row keeps its sampling weight
            counts = counts * self.weights
        _, S_raw = _moments_from_counts(self.Xc, counts, None)
        Se, _, _ = _working_cov(self.problem, S_raw)
        with np.errstate(invalid="ignore", divide="ignore"):
            est = self.problem.estimate(Se)
            out = _distances(Se, _implied(self.problem, est, Se, self.saturated))
        out[~est["converged"]] = np.nan
        return out

    def __call__(self, indices):
        return self._batch([indices])[0]


# ----------------------------------------------------------------------------- information criteria
def pls_information_criteria(result: PLSResult) -> pd.DataFrame:
    """Information criteria of each endogenous construct's regression (Sharma et al. 2019).

    With ``n`` respondents, ``k`` = predictors + 1 parameters and the sum of squared
    errors of the standardized construct scores ``SSE = (1 - R²)(n - 1)`` (R² of the fit,
    PLSc's for ``consistent=True``)::

        AIC  = n log(SSE/n) + 2k                  AICu = n log(SSE/(n-k)) + 2k
        AICc = n log(SSE/n) + n (n+k)/(n-k-2)     BIC  = n log(SSE/n) + k log(n)
        HQ   = n log(SSE/n) + 2k log(log n)       HQc  = n log(SSE/n) + 2k log(log n)/(n-k-2)

    Lower is better when comparing models for the same construct and data; Sharma et al.
    recommend BIC (or GM) for model selection. ``AIC`` and ``BIC`` are seminr's.

    Returns
    -------
    DataFrame
        Indexed by endogenous latent: ``n, k, r2, AIC, AICu, AICc, BIC, HQ, HQc``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
    >>> ic = cm.pls_information_criteria(res)
    >>> "SAT" in ic.index, list(ic.columns)[:3]
    (True, ['n', 'k', 'r2'])
    """
    _check(result, "pls_information_criteria")
    pr = result._problem
    n = result.n
    rows = []
    for k_ in pr.endo:
        r2 = float(result._core["r2"][k_])
        k = int(pr.preds[k_].size) + 1
        sse = (1 - r2) * (n - 1)
        base = n * math.log(sse / n) if sse > 0 else -np.inf
        rows.append({"n": n, "k": k, "r2": r2, "AIC": base + 2 * k,
                     "AICu": n * math.log(sse / (n - k)) + 2 * k if sse > 0 else -np.inf,
                     "AICc": base + n * (n + k) / (n - k - 2),
                     "BIC": base + k * math.log(n), "HQ": base + 2 * k * math.log(math.log(n)),
                     "HQc": base + 2 * k * math.log(math.log(n)) / (n - k - 2)})
    return pd.DataFrame(rows, index=pd.Index([pr.latents[k] for k in pr.endo], name="latent"))


# ----------------------------------------------------------------------------- HTMT
def _htmt_batch(R, slices, multi):
    """HTMT (b, L, L) from item correlations R (b, m, m); NaN for single-item blocks."""
    A = np.abs(R)
    L = len(slices)
    out = np.full((R.shape[0], L, L), np.nan)
    mono = np.full((R.shape[0], L), np.nan)
    for j, sl in enumerate(slices):
        k = sl.stop - sl.start
        if k > 1:
            block = A[:, sl, sl]
            mono[:, j] = (block.sum(axis=(1, 2)) - np.einsum("bii->b", block)) / (k * (k - 1))
    for i in range(L):
        for j in range(i + 1, L):
            if multi[i] and multi[j]:
                het = A[:, slices[i], slices[j]].mean(axis=(1, 2))
                out[:, i, j] = out[:, j, i] = het / np.sqrt(mono[:, i] * mono[:, j])
    return out


class _HTMTStatistic:
    def __init__(self, problem, X, weights=None):
        self.problem = problem
        self.weights = None if weights is None else np.asarray(weights, dtype=float)
        self.Xc = X - (X.mean(axis=0) if weights is None
                       else self.weights @ X / self.weights.sum())
        self.multi = [sl.stop - sl.start > 1 for sl in problem.slices]
        L = problem.L
        iu = np.triu_indices(L, 1)
        keep = [self.multi[i] and self.multi[j] for i, j in zip(*iu)]
        self.iu = (iu[0][keep], iu[1][keep])                 # pairs of multi-item blocks
        self.batch = self._batch

    def _batch(self, index_list):
        counts = _counts(index_list, self.Xc.shape[0])
        if self.weights is not None:      # each drawn row keeps its sampling weight
            counts = counts * self.weights
        _, S_raw = _moments_from_counts(self.Xc, counts, None)
        Se, _, _ = _working_cov(self.problem, S_raw)
        H = _htmt_batch(Se, self.problem.slices, self.multi)
        return H[:, self.iu[0], self.iu[1]]

    def __call__(self, indices):
        return self._batch([indices])[0]


def pls_htmt(result: PLSResult, *, bootstrap: int = 0, seed=None,
             level: float = 0.95) -> pd.DataFrame:
    """Heterotrait-monotrait ratio (HTMT; Henseler, Ringle & Sarstedt 2015) of every pair.

    The mean absolute correlation between the items of two constructs divided by the
    geometric mean of their mean within-construct correlations. Pairs with a single-item
    construct have no HTMT and are left out (semTools reports NaN for them). With ``bootstrap = B`` the respondents are resampled B times (the
    package's engine) and the HTMT's bootstrap mean, SD and percentile interval are added
    (SmartPLS's and seminr's bootstrapped HTMT; HTMT < 0.85 or 0.90 with the upper bound
    below 1 supports discriminant validity).

    On a fit with sampling weights the correlations are the weighted ones (the fit's weighted
    item covariance matrix), and a bootstrap resample draws respondents, each keeping its
    weight; with integer frequency weights the HTMT is that of the data with every row
    repeated that many times.

    Returns
    -------
    DataFrame
        ``lhs, rhs, htmt`` and, with a bootstrap, ``mean, sd, ci.lower, ci.upper``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
    >>> h = cm.pls_htmt(res, bootstrap=50, seed=1)
    >>> list(h.columns)
    ['lhs', 'rhs', 'htmt', 'mean', 'sd', 'ci.lower', 'ci.upper']
    """
    _check(result, "pls_htmt")
    if not 0 < level < 1:
        raise ValueError(f"The 'level' parameter of pls_htmt must be in (0, 1). Got {level!r}.")
    pr = result._problem
    _require_rows(result, "pls_htmt(bootstrap=...)")
    stat = _HTMTStatistic(pr, result._data.X, result._data.weights)
    lat = pr.latents
    iu = stat.iu
    out = pd.DataFrame({"lhs": [lat[j] for j in iu[1]], "rhs": [lat[i] for i in iu[0]],
                        "htmt": stat(np.arange(result.n))})
    if bootstrap:
        if seed is None:
            raise ValueError("The 'seed' parameter of pls_htmt is required with bootstrap "
                             "(an integer), so that it can be reproduced.")
        from ..bootstrap import bootstrap as engine
        names = [f"{a} ~ {b}" for a, b in zip(out.lhs, out.rhs)]
        bt = engine(stat, result.n, B=int(bootstrap), seed=seed, names=names)
        good = bt.replicates[bt.ok]
        ci = bt.ci(level, "percentile")
        out["mean"] = good.mean(axis=0)
        out["sd"] = good.std(axis=0)
        out["ci.lower"] = ci["ci.lower"].to_numpy()
        out["ci.upper"] = ci["ci.upper"].to_numpy()
    return out
