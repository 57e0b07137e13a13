"""Start values for ML estimation, computed from the sample moments (no optimiser).

The scheme follows lavaan's ``start = "default"`` (lav_start.R), with one change that
suits Fisher scoring (lavaan's quasi-Newton optimiser starts latent variances at 0.05
and paths at 0):

* **loadings**: the FABIN 3 instrumental-variable estimator (Hagglund, 1982), one
  factor at a time on the covariance matrix of its indicators, relative to the marker
  item, with lavaan's bounds (the marker's reliability assumed >= 0.1); the closed form
  for three indicators, a regression on the mean variance for two, 1 for one;
* **observed residual variances**: half the item's variance (lavaan);
* **latent (co)variances and paths** (the change): each latent's covariances are taken
  from its items' covariances with everything else, divided by its loadings
  (``cov(f, v) = w' S e_v`` with ``w = lambda / lambda'lambda``), its variance from the
  covariances among its own items only (free of their measurement error); each
  structural equation ``y ~ x1 + ...`` then starts at its least-squares solution on
  those moments, its residual variance at what the predictors leave (at least 5 % of
  the variance), and the exogenous variables' (co)variances at their moments -
  lavaan does the same for models of observed variables only (its step 7g);
* **intercepts**: the sample means, less what the structural paths imply (lavaan
  takes the means alone); free latent means (growth models) by least squares on the
  means of the items whose intercepts are fixed;
* a user's start value (``start(0.8)*x``) overrides everything.

Second-order factors are measured by first-order latents: their loadings are
computed in the same way from the first-order latents' moments.

References
----------
Hagglund, G. (1982). Factor analysis by instrumental variables methods.
Psychometrika 47(2), 209-222.
"""
from __future__ import annotations

import numpy as np

from ._ram import RAMModel

__all__ = ["start_values", "fabin3_loadings"]

#: lavaan's bound on the marker's reliability when it clips loadings (lav_cfa_1fac.R)
_MIN_MARKER_RELIABILITY = 0.1
#: smallest start of a (residual) variance, as a share of the variable's variance
_MIN_VARIANCE_SHARE = 0.05


def fabin3_loadings(S: np.ndarray) -> np.ndarray:
    """One-factor loadings of the variables of ``S`` relative to the first (marker = 1).

    FABIN 3: for item i, the other items except the marker are the instruments,
    ``lambda_i = (s_i3' S33^-1 s_31) / (s_13' S33^-1 s_31)``. With three items the
    exact solution ``lambda_2 = s_32 / s_31``; with two, ``s_21`` over the mean
    variance. Loadings are clipped as lavaan does, and set to 1 when the three
    covariances of a triad have a negative product (no valid one-factor solution).

    Examples
    --------
    >>> S = np.outer([1.0, 0.8, 1.2, 0.5], [1.0, 0.8, 1.2, 0.5]) + np.eye(4)
    >>> np.round(fabin3_loadings(S), 6).tolist()
    [1.0, 0.8, 1.2, 0.5]
    """
    S = np.asarray(S, dtype=float)
    k = S.shape[0]
    lam = np.ones(k)
    if k == 1:
        return lam
    if k == 2:
        lam[1] = S[1, 0] / np.mean(np.diag(S))
    elif k == 3:
        if S[1, 0] * S[2, 0] * S[2, 1] < 0:
            return lam
        lam[1], lam[2] = S[2, 1] / S[2, 0], S[2, 1] / S[1, 0]
    else:
        for i in range(1, k):
            inst = [j for j in range(1, k) if j != i]
            s31 = S[inst, 0]
            try:
                tmp = np.linalg.solve(S[np.ix_(inst, inst)], s31)
            except np.linalg.LinAlgError:
                tmp = s31
            lam[i] = (S[i, inst] @ tmp) / (s31 @ tmp)
    lam[~np.isfinite(lam)] = 1.0
    lower_psi = _MIN_MARKER_RELIABILITY * S[0, 0]
    if lower_psi > 0:
        bound = np.sqrt(np.diag(S) / lower_psi)
        lam[1:] = np.clip(lam[1:], -bound[1:], bound[1:])
    return lam


def _factor_variance(S_items: np.ndarray, lam: np.ndarray) -> float:
    """Least-squares factor variance from the items' covariances (not their variances)."""
    off = ~np.eye(len(lam), dtype=bool)
    ll = np.outer(lam, lam)
    denom = np.sum(ll[off] ** 2)
    return float(np.sum(ll[off] * S_items[off]) / denom) if denom > 0 else np.nan


def _make_positive_definite(C: np.ndarray) -> np.ndarray:
    """Shrink the off-diagonal of a covariance matrix towards 0 until it is positive definite."""
    d = np.diag(C).copy()
    off = C - np.diag(d)
    for t in (1.0, 0.9, 0.75, 0.5, 0.25, 0.0):
        M = np.diag(d) + t * off
        try:
            np.linalg.cholesky(M)
            return M
        except np.linalg.LinAlgError:
            continue
    return np.diag(d)


def start_values(model: RAMModel, cov: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Start values of the free parameters of ``model`` from sample moments.

    Parameters
    ----------
    model : RAMModel
        The model (its parameter table gives the fixed values and the user's starts).
    cov : ndarray
        The observed variables' covariance matrix (N denominator; the EM estimate with
        missing data), in ``model.observed`` order.
    mean : ndarray, optional
        Their means, for the intercepts of a mean structure (0 if not given).

    Returns
    -------
    ndarray
        One value per free parameter, ``model.n_free`` long.

    Examples
    --------
    >>> import csi_model as cm
    >>> from csi_model.sem._ram import RAMModel
    >>> from csi_model.sem import _estimation as est
    >>> spec = cm.load_model("telecom")
    >>> model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
    >>> X = cm.simulate_survey(spec, n=250, seed=1)[list(spec.observed)].to_numpy(float)
    >>> mom = est.Moments.from_data(X)
    >>> theta, iterations, converged = est.fit_ml(model, start_values(model, mom.cov), mom)
    >>> converged
    True
    """
    pt = model.partable
    S = np.asarray(cov, dtype=float)
    p = model.p
    names = list(model.observed) + list(model.latents)
    pos = {v: i for i, v in enumerate(names)}
    nv = len(names)
    mean = np.zeros(p) if mean is None else np.asarray(mean, dtype=float)
    ops, lhs, rhs = pt["op"].to_numpy(), pt["lhs"].to_numpy(), pt["rhs"].to_numpy()
    free = pt["free"].to_numpy()
    ustart = pt["ustart"].to_numpy(dtype=float)
    value = np.full(len(pt), np.nan)           # the start of every row
    variance_row = {lhs[r]: r for r in np.flatnonzero((ops == "~~") & (lhs == rhs))}

    def _fixed_variance(var):
        r = variance_row.get(var)
        return float(ustart[r]) if r is not None and free[r] == 0 else None

    # C: the covariances of all variables, observed first (the sample) then latent
    C = np.zeros((nv, nv))
    C[:p, :p] = S
    W = np.zeros((nv, nv))                     # W[:, f]: the weights giving latent f's moments
    known = np.zeros(nv, dtype=bool)
    known[:p] = True
    weight_rows = np.flatnonzero(ops == "<~")      # composites: start as the items' sum
    for f in dict.fromkeys(lhs[weight_rows]):
        rows = [r for r in weight_rows if lhs[r] == f]
        items = [pos[rhs[r]] for r in rows]
        w = np.array([ustart[r] if free[r] == 0 else 1.0 for r in rows])
        value[rows] = w
        j = pos[f]
        C[j, :] = C[:, j] = w @ C[items, :]
        C[j, j] = w @ C[np.ix_(items, items)] @ w
        known[j] = True
    loading_rows = np.flatnonzero(ops == "=~")
    measured = {f: [r for r in loading_rows if lhs[r] == f] for f in model.latents}
    endogenous = {pos[v] for v in lhs[ops == "~"]}
    pending = [f for f in model.latents if measured[f]]
    while pending:
        ready = [f for f in pending if all(known[pos[rhs[r]]] for r in measured[f])]
        if not ready:                           # indicators that are never measured: give up
            break
        for f in ready:
            pending.remove(f)
            rows = measured[f]
            items = [pos[rhs[r]] for r in rows]
            lam, var_f = _loadings(C[np.ix_(items, items)], rows, free, ustart,
                                   _fixed_variance(rhs[rows[0]]) if len(rows) == 1 else None,
                                   _fixed_variance(f))
            value[rows] = lam
            j = pos[f]
            w = lam / (lam @ lam)
            W[items, j] = w
            C[j, :] = C[:, j] = W[:, j] @ C
            for i, item in enumerate(items):   # own items: lambda var(f), without their error
                C[j, item] = C[item, j] = lam[i] * var_f
            C[j, j] = var_f
            known[j] = True
            for item in items:
                if item >= p:                   # a first-order latent of a second-order factor
                    endogenous.add(item)
    for j in range(p, nv):
        if not known[j]:
            C[j, j] = 0.05                      # lavaan's start for a latent without indicators
    lat = np.arange(p, nv)
    C[np.ix_(lat, lat)] = _make_positive_definite(C[np.ix_(lat, lat)])

    # structural equations: least squares on C; residual variance what is left
    A = np.zeros((nv, nv))
    for r in np.flatnonzero(ops == "=~"):
        A[pos[rhs[r]], pos[lhs[r]]] = value[r] if free[r] > 0 else ustart[r]
    residual = {}
    for y in dict.fromkeys(lhs[ops == "~"]):
        rows = [r for r in np.flatnonzero(ops == "~") if lhs[r] == y]
        x = [pos[rhs[r]] for r in rows]
        iy = pos[y]
        try:
            beta = np.linalg.solve(C[np.ix_(x, x)], C[x, iy])
        except np.linalg.LinAlgError:
            beta = np.zeros(len(x))
        value[rows] = beta
        A[iy, x] = [b if free[r] > 0 else ustart[r] for b, r in zip(beta, rows)]
        residual[iy] = C[iy, iy] - beta @ C[x, iy]
    for r in np.flatnonzero(ops == "=~"):    # first-order latents under a second-order one
        item, f = pos[rhs[r]], pos[lhs[r]]
        if item >= p:
            residual[item] = residual.get(item, C[item, item]) - A[item, f] ** 2 * C[f, f]

    # variances and covariances
    for r in np.flatnonzero(ops == "~~"):
        i, j = pos[lhs[r]], pos[rhs[r]]
        if i == j:
            if i in residual:
                value[r] = min(max(residual[i], _MIN_VARIANCE_SHARE * C[i, i]), C[i, i])
            elif i < p and A[i].any():          # an item: half its variance (lavaan)
                value[r] = 0.5 * C[i, i]
            else:                               # exogenous: its variance
                value[r] = C[i, i]
        elif i not in endogenous and j not in endogenous and not (i < p and A[i].any()) \
                and not (j < p and A[j].any()):
            value[r] = C[i, j]                  # between exogenous variables: their covariance
        else:
            value[r] = 0.0                      # residual covariances

    # intercepts: the means, less what the paths carry from other variables' means; free
    # latent means (growth models, 'f ~ NA*1') by least squares on the items whose
    # intercepts are fixed
    if (ops == "~1").any():
        m = np.zeros(nv)
        mrows = np.flatnonzero(ops == "~1")
        for r in mrows:
            i = pos[lhs[r]]
            m[i] = (mean[i] if i < p else 0.0) if free[r] > 0 else ustart[r]
        try:
            G = np.linalg.inv(np.eye(nv) - A)
        except np.linalg.LinAlgError:
            G = np.eye(nv)
        latent_free = [pos[lhs[r]] for r in mrows if free[r] > 0 and pos[lhs[r]] >= p]
        anchored = [pos[lhs[r]] for r in mrows if free[r] == 0 and pos[lhs[r]] < p]
        if latent_free and anchored:
            resid = mean[anchored] - G[anchored] @ m
            m[latent_free] = np.linalg.lstsq(G[np.ix_(anchored, latent_free)], resid,
                                             rcond=None)[0]
        mu = G @ m
        for r in mrows:
            i = pos[lhs[r]]
            value[r] = mean[i] - A[i] @ mu if i < p else m[i]

    theta = np.zeros(model.n_free)
    for k, r in enumerate(model.free_rows):
        if r < 0:                               # a parameter of another group's model
            continue
        if np.isfinite(ustart[r]):
            theta[k] = ustart[r]                # the user's start value
        elif np.isfinite(value[r]):
            theta[k] = value[r]
    return theta


def _loadings(S_items, rows, free, ustart, item_residual, latent_variance):
    """(loadings of a latent's rows, its variance) from its items' covariance matrix.

    ``item_residual``: the fixed residual variance of a single indicator (None if free);
    ``latent_variance``: the latent's fixed variance (None if free).
    """
    k = len(rows)
    fixed = [i for i, r in enumerate(rows) if free[r] == 0 and ustart[r] != 0]
    marker = fixed[0] if fixed else 0
    order = [marker] + [i for i in range(k) if i != marker]
    lam = np.empty(k)
    lam[order] = fabin3_loadings(S_items[np.ix_(order, order)])
    lam *= ustart[rows[marker]] if fixed else 1.0
    for i, r in enumerate(rows):                # fixed loadings keep their values
        if free[r] == 0:
            lam[i] = ustart[r]
    if k == 1:
        resid = 0.5 * S_items[0, 0] if item_residual is None else item_residual
        var_f = (S_items[0, 0] - resid) / lam[0] ** 2
    else:
        var_f = _factor_variance(S_items, lam)
    if not np.isfinite(var_f) or var_f <= 0:
        var_f = _MIN_VARIANCE_SHARE * S_items[marker, marker] / max(lam[marker] ** 2, 1e-12)
    if not fixed and latent_variance is not None and latent_variance > 0:
        lam = lam * np.sqrt(var_f / latent_variance)    # no marker: the variance is fixed
        var_f = latent_variance
    return lam, var_f
