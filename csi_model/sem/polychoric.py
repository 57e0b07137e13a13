"""Polychoric correlations of ordinal (Likert) items: :func:`polychoric`.

The two-step estimator of Olsson (1979), as lavaan's ``lavCor(..., ordered=...)`` computes it:

1. each item's thresholds from its own marginal proportions, ``tau_k = qnorm(P(X <= k))``;
2. with the thresholds fixed, each pair's correlation maximizes the bivariate-normal
   likelihood of its contingency table, ``sum n_ab log P_ab(rho)``.

Step 2 runs for every pair at once (tables padded to the largest number of categories) by
Fisher scoring with step halving; ``dP_ab / drho`` is a difference of bivariate normal
densities at the cell corners. Empty cells follow lavaan's ``zero.add = c(0.5, 0)`` with
``zero.keep.margins = TRUE``: in a 2 x 2 table with one empty cell, 0.5 moves into it (and into
the opposite cell) from the other two, so the margins stay; larger tables are left as they are.

semopy's ``polycorr`` is not used: it fails on current scipy (DEPENDENCIES.md).

Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
Psychometrika, 44, 443-460.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from .._distributions import ndtri  # scipy.special, imported on first call

from ..exceptions import DataQualityWarning, SurveyDataError
from ._bivnorm import rectangle_probabilities

__all__ = ["polychoric", "PolychoricResult"]

#: More categories than this and an item is probably not ordinal (a warning says so).
MAX_CATEGORIES = 10
_RHO_MAX = 0.9999
_MISSING = ("listwise", "pairwise")


@dataclass(frozen=True, eq=False)
class PolychoricResult:
    """Result of :func:`polychoric`.

    Attributes
    ----------
    correlation : DataFrame
        The polychoric correlation matrix (items x items).
    thresholds : DataFrame
        ``item, threshold, category, tau``: lavaan's ``item|t1``, ``item|t2``, ... with the
        category each threshold closes.
    categories : dict
        item -> the sorted answer values (the categories).
    n : int or DataFrame
        Respondents used (``missing="listwise"``), or a pairwise count matrix.
    iterations : int
        Fisher-scoring iterations of the slowest pair.
    warnings : tuple of str
    means, variances : Series or None
        With ``ordered=`` naming some of the items: the continuous items' means and
        variances (divisor N, lavaan's); None when every item is ordinal.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> z = rng.multivariate_normal([0, 0], [[1, .6], [.6, 1]], size=2000)
    >>> likert = pd.DataFrame(np.digitize(z, [-1.5, -.5, .5, 1.5]) + 1, columns=["a", "b"])
    >>> res = polychoric(likert)
    >>> res.correlation.round(3)
           a      b
    a  1.000  0.605
    b  0.605  1.000
    >>> [float(c) for c in res.categories["a"]], res.n, res.missing
    ([1.0, 2.0, 3.0, 4.0, 5.0], 2000, 'listwise')
    """

    correlation: pd.DataFrame
    thresholds: pd.DataFrame
    categories: dict
    n: int | pd.DataFrame
    missing: str
    iterations: int
    warnings: tuple[str, ...] = field(default=())
    means: pd.Series | None = None
    variances: pd.Series | None = None

    def __repr__(self) -> str:
        k = self.correlation.shape[0]
        return (f"<PolychoricResult: {k} items, n = {self.n if isinstance(self.n, int) else 'pairwise'}, "
                f"{len(self.warnings)} warning(s)>")


def polychoric(data, items=None, *, ordered=None, missing: str = "listwise", weights=None,
               max_iter: int = 100, tol: float = 1e-10) -> PolychoricResult:
    """Polychoric correlations and thresholds of ordinal items (lavaan's two-step estimator),
    with polyserial and Pearson correlations for continuous items among them.

    Parameters
    ----------
    data : DataFrame or Survey
        Answers coded as ordered values (1-5, 1-7, ...); every distinct value of an item is a
        category. NaN is a missing answer.
    items : list of str, optional
        The columns to use (default: every column of ``data``).
    ordered : list of str, optional
        The ordinal items (lavaan's ``ordered=``); the other items are continuous. Default:
        every item is ordinal. A continuous and an ordinal item get the polyserial
        correlation (Olsson, Drasgow & Dorans 1982: the continuous item's mean and variance
        and the ordinal item's thresholds first, then the correlation by maximum
        likelihood), two continuous items the Pearson correlation. With continuous items,
        only ``missing="listwise"`` and no ``weights`` (not available yet).
    missing : {"listwise", "pairwise"}
        ``"listwise"`` (lavaan's default) drops respondents with any missing item;
        ``"pairwise"`` uses each item's and each pair's available answers.
    weights : array-like, optional
        Sampling weights, one per row of ``data`` (non-negative; their scale does not
        matter): weighted proportions give the thresholds and weighted contingency tables the
        correlations, as lavaan's ``sampling.weights`` do.
    max_iter, tol
        Fisher-scoring limits per pair (|step| < ``tol``).

    Returns
    -------
    PolychoricResult

    Notes
    -----
    In R: ``lavaan::lavCor(data, ordered = names(data))`` (and ``psych::polychoric(data,
    correct = 0)``, which estimates the same thresholds and correlations); with continuous
    items ``lavCor(data, ordered = c(...))``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> z = rng.multivariate_normal([0, 0], [[1, .6], [.6, 1]], size=2000)
    >>> likert = pd.DataFrame(np.digitize(z, [-1.5, -.5, .5, 1.5]) + 1, columns=["a", "b"])
    >>> res = polychoric(likert)
    >>> round(float(res.correlation.loc["a", "b"]), 2)
    0.6
    >>> res.thresholds.head(2)
      item threshold  category       tau
    0    a      a|t1         1 -1.550590
    1    a      a|t2         2 -0.524401

    A continuous item among them (polyserial correlation):

    >>> mixed = likert.assign(b=z[:, 1])
    >>> res = polychoric(mixed, ordered=["a"])
    >>> round(float(res.correlation.loc["a", "b"]), 2), list(res.means.index)
    (0.61, ['b'])
    """
    frame = _as_frame(data, items)
    if missing not in _MISSING:
        raise ValueError(f"The 'missing' parameter of polychoric must be one of {list(_MISSING)}. "
                         f"Got {missing!r} instead.")
    if ordered is not None:
        chosen = [ordered] if isinstance(ordered, str) else [str(c) for c in ordered]
        names = [str(c) for c in frame.columns]
        unknown = [c for c in chosen if c not in names]
        if unknown or not chosen:
            raise SurveyDataError(f"The 'ordered' parameter of polychoric must name one or more "
                                  f"of the items {names}. Got {chosen} instead.")
        if set(chosen) != set(names):
            return _mixed(frame, [c in chosen for c in names], missing, weights, max_iter, tol)
    values = frame.to_numpy(dtype=float)
    w = _weights(weights, len(values))
    notes: list[str] = []
    if missing == "listwise":
        keep = ~np.isnan(values).any(axis=1)
        if (~keep).any():
            notes.append(f"{int((~keep).sum())} of {len(values)} respondents have a missing "
                         "answer and were dropped (missing='listwise').")
        values = values[keep]
        w = None if w is None else w[keep]
    names = [str(c) for c in frame.columns]
    codes, cats = _categorize(values, names, notes)
    tau = _thresholds(codes, cats, w, names)
    k_max = max(len(c) for c in cats)
    pairs = list(combinations(range(len(names)), 2))
    rho, _, iterations, zero_2x2, boundary = _fit_pairs(codes, tau, k_max, pairs, max_iter, tol,
                                                        w)
    corr = np.eye(len(names))
    seen = (codes >= 0).astype(float)
    n_mat = seen.T @ seen                    # respondents answering both (not weighted)
    for (i, j), r in zip(pairs, rho):
        corr[i, j] = corr[j, i] = r
    for (i, j) in zero_2x2:
        notes.append(f"The 2 x 2 table of {names[i]} and {names[j]} has an empty cell: 0.5 was "
                     "added to it (lavaan's zero.add).")
    for (i, j) in boundary:
        notes.append(f"The polychoric correlation of {names[i]} and {names[j]} is at the "
                     f"boundary (|rho| = {_RHO_MAX}): their table has empty cells that only a "
                     "perfect correlation explains; check the two items or merge categories.")
    if len(codes) and np.linalg.eigvalsh(corr)[0] < -1e-10:
        notes.append("The polychoric correlation matrix is not positive definite (pairs were "
                     "estimated one at a time); a model fitted to it may not converge.")
    for msg in notes:
        warnings.warn(msg, DataQualityWarning, stacklevel=2)
    thresholds = _threshold_table(names, cats, tau)
    n_out: int | pd.DataFrame = (int(len(codes)) if missing == "listwise"
                                 else pd.DataFrame(n_mat.astype(int), index=names, columns=names))
    return PolychoricResult(correlation=pd.DataFrame(corr, index=names, columns=names),
                            thresholds=thresholds,
                            categories={n: list(c) for n, c in zip(names, cats)}, n=n_out,
                            missing=missing, iterations=iterations, warnings=tuple(notes))


def _mixed(frame, is_ord, missing, weights, max_iter, tol) -> PolychoricResult:
    """Ordinal and continuous items together (lavaan's lav_samplestats_step1/step2)."""
    from ._polyserial import fit_polyserial
    if missing != "listwise":
        raise SurveyDataError(
            "polychoric with continuous items (ordered= naming only some items) is available "
            f"with missing='listwise' only; got missing={missing!r}. Drop the incomplete rows, "
            "or declare every item ordered.")
    values = frame.to_numpy(dtype=float)
    w = _weights(weights, len(values))
    notes: list[str] = []
    keep = ~np.isnan(values).any(axis=1)
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} of {len(values)} respondents have a missing "
                     "answer and were dropped (missing='listwise').")
    values = values[keep]
    if w is not None:
        w = w[keep] * (keep.sum() / w[keep].sum())      # lavaan: weights sum to N
    names = [str(c) for c in frame.columns]
    o_idx = [v for v, o in enumerate(is_ord) if o]
    c_idx = [v for v, o in enumerate(is_ord) if not o]
    o_names = [names[v] for v in o_idx]
    codes, cats = _categorize(values[:, o_idx], o_names, notes)
    tau = _thresholds(codes, cats, w, o_names)
    corr = np.eye(len(names))
    iterations = 0
    if len(o_idx) > 1:
        pairs = list(combinations(range(len(o_idx)), 2))
        k_max = max(len(c) for c in cats)
        rho, _, iterations, zero_2x2, boundary = _fit_pairs(codes, tau, k_max, pairs, max_iter,
                                                            tol, w)
        for (i, j), r in zip(pairs, rho):
            corr[o_idx[i], o_idx[j]] = corr[o_idx[j], o_idx[i]] = r
        for (i, j) in zero_2x2:
            notes.append(f"The 2 x 2 table of {o_names[i]} and {o_names[j]} has an empty cell: "
                         "0.5 was added to it (lavaan's zero.add).")
        for (i, j) in boundary:
            notes.append(f"The polychoric correlation of {o_names[i]} and {o_names[j]} is at "
                         f"the boundary (|rho| = {_RHO_MAX}): their table has empty cells that "
                         "only a perfect correlation explains; check the two items or merge "
                         "categories.")
    cont = values[:, c_idx]
    wt = np.ones(len(cont)) if w is None else w
    means = wt @ cont / wt.sum()
    variances = wt @ (cont - means) ** 2 / wt.sum()  # divisor N, as lavaan's lav_uvreg_fit
    flat = [names[c] for c, v in zip(c_idx, variances) if not v > 0]
    if flat:
        raise SurveyDataError(f"polychoric: the continuous items {flat} have no variance; "
                              "drop them.")
    if len(c_idx) > 1:
        cov = ((cont - means) * wt[:, None]).T @ (cont - means) / wt.sum()
        corr[np.ix_(c_idx, c_idx)] = cov / np.sqrt(np.outer(variances, variances))
    for a, v in enumerate(o_idx):
        for b, c in enumerate(c_idx):
            r, at_bound = fit_polyserial(cont[:, b], means[b], variances[b], codes[:, a], tau[a],
                                         w, max_iter=max_iter * 2)
            corr[v, c] = corr[c, v] = r
            if at_bound:
                notes.append(f"The polyserial correlation of {names[v]} and {names[c]} is at "
                             "lavaan's bound (|rho| = 0.995); check the two items.")
    if len(values) and np.linalg.eigvalsh(corr)[0] < -1e-10:
        notes.append("The correlation matrix is not positive definite (pairs were estimated "
                     "one at a time); a model fitted to it may not converge.")
    for msg in notes:
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
    thresholds = _threshold_table(o_names, cats, tau)
    c_names = [names[c] for c in c_idx]
    return PolychoricResult(correlation=pd.DataFrame(corr, index=names, columns=names),
                            thresholds=thresholds,
                            categories={n: list(c) for n, c in zip(o_names, cats)},
                            n=int(len(values)), missing=missing, iterations=iterations,
                            warnings=tuple(notes), means=pd.Series(means, index=c_names),
                            variances=pd.Series(variances, index=c_names))


# ----------------------------------------------------------------------- the data
def _as_frame(data, items) -> pd.DataFrame:
    frame = getattr(data, "data", data)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"The 'data' parameter of polychoric must be a DataFrame or a Survey. "
                        f"Got {type(data).__name__} instead.")
    if items is not None:
        items = list(items)
        absent = [c for c in items if c not in frame.columns]
        if absent:
            raise SurveyDataError(f"polychoric: {absent} are not columns of the data (its "
                                  f"columns: {', '.join(map(str, frame.columns))}).")
        frame = frame[items]
    if frame.shape[1] < 2:
        raise SurveyDataError("polychoric needs at least two items; got "
                              f"{frame.shape[1]} column(s).")
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise SurveyDataError(f"polychoric: the items {bad} are not numeric; code the answers "
                              "as ordered numbers (1-5, ...) and missing answers as NaN.")
    values = frame.to_numpy(dtype=float)
    if np.isinf(values).any():
        r, c = np.argwhere(np.isinf(values))[0]
        raise SurveyDataError(f"polychoric: the answer in row {frame.index[r]!r}, column "
                              f"{frame.columns[c]!r} is {values[r, c]}; answers must be finite.")
    return frame


def _weights(weights, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float).ravel()
    if len(w) != n:
        raise ValueError(f"The 'weights' parameter of polychoric must have one weight per row "
                         f"of the data ({n}). Got {len(w)} instead.")
    if not np.all(np.isfinite(w)) or (w < 0).any() or not (w > 0).any():
        raise ValueError("The 'weights' parameter of polychoric must be finite, non-negative "
                         "and not all zero.")
    return w


def _categorize(values: np.ndarray, names, notes) -> tuple[np.ndarray, list[np.ndarray]]:
    """Category codes 0..K-1 (-1 for missing) and each item's sorted categories."""
    codes = np.full(values.shape, -1, dtype=np.int64)
    cats = []
    for v, name in enumerate(names):
        col = values[:, v]
        ok = ~np.isnan(col)
        levels = np.unique(col[ok])
        if len(levels) < 2:
            raise SurveyDataError(f"polychoric: the item {name!r} has "
                                  f"{'no answers' if len(levels) == 0 else 'one category only'}"
                                  "; a polychoric correlation needs at least two. Drop it.")
        if len(levels) > MAX_CATEGORIES:
            notes.append(f"The item {name} has {len(levels)} distinct values; is it ordinal? "
                         "Items with many categories are better treated as continuous.")
        codes[ok, v] = np.searchsorted(levels, col[ok])
        cats.append(levels)
    return codes, cats


def _thresholds(codes: np.ndarray, cats, w=None, names=None) -> list[np.ndarray]:
    """Per item: (-inf, tau_1, ..., tau_{K-1}, +inf) from its available (weighted) answers."""
    out = []
    for v, levels in enumerate(cats):
        col = codes[:, v]
        ok = col >= 0
        counts = np.bincount(col[ok], weights=None if w is None else w[ok],
                             minlength=len(levels))
        if w is not None and (counts <= 0).any():
            empty = [float(levels[k]) for k in np.flatnonzero(counts <= 0)]
            raise SurveyDataError(f"polychoric: the answers {empty} to item {names[v]!r} come only "
                                  "from respondents with weight 0, so their weighted share is "
                                  "0 and the threshold is infinite. Merge the category with a "
                                  "neighbour or check the weights.")
        cum = np.cumsum(counts)[:-1] / counts.sum()
        out.append(np.concatenate([[-np.inf], ndtri(cum), [np.inf]]))
    return out


# ----------------------------------------------------------------------- step 2
def _fit_pairs(codes, tau, k_max, pairs, max_iter, tol, w=None):
    n_pairs = len(pairs)
    tables = np.zeros((n_pairs, k_max, k_max))
    ta = np.full((n_pairs, k_max + 1), np.inf)
    tb = np.full((n_pairs, k_max + 1), np.inf)
    start = np.zeros(n_pairs)
    zero_2x2 = []
    for p, (i, j) in enumerate(pairs):
        ok = (codes[:, i] >= 0) & (codes[:, j] >= 0)
        a, b = codes[ok, i], codes[ok, j]
        ki, kj = len(tau[i]) - 1, len(tau[j]) - 1
        tab = np.bincount(a * kj + b, weights=None if w is None else w[ok],
                          minlength=ki * kj).reshape(ki, kj).astype(float)
        if ki == 2 and kj == 2 and (tab == 0).sum() == 1:
            _add_keeping_margins(tab)
            zero_2x2.append((i, j))
        tables[p, :ki, :kj] = tab
        ta[p, :ki + 1] = tau[i]
        tb[p, :kj + 1] = tau[j]
        if a.size > 2 and a.std() > 0 and b.std() > 0:
            start[p] = np.clip(np.corrcoef(a, b)[0, 1], -0.9, 0.9)
    n_pair = tables.sum(axis=(1, 2))
    rho = start
    loglik = _loglik(tables, ta, tb, rho)
    active = np.ones(n_pairs, dtype=bool)
    iterations = 0
    for iterations in range(1, max_iter + 1):
        p, dp = rectangle_probabilities(ta[active], tb[active], rho[active])
        t = tables[active]
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(t > 0, t * dp / p, 0.0).sum(axis=(1, 2))
            info = n_pair[active] * np.where(p > 0, dp * dp / p, 0.0).sum(axis=(1, 2))
        step = np.where(info > 0, score / info, 0.0)
        idx = np.flatnonzero(active)
        new = np.clip(rho[idx] + step, -_RHO_MAX, _RHO_MAX)
        new_ll = _loglik(tables[idx], ta[idx], tb[idx], new)
        for _ in range(30):                      # step halving where the likelihood fell
            worse = new_ll < loglik[idx] - 1e-12
            if not worse.any():
                break
            new[worse] = (rho[idx][worse] + new[worse]) / 2
            new_ll[worse] = _loglik(tables[idx][worse], ta[idx][worse], tb[idx][worse],
                                    new[worse])
        moved = np.abs(new - rho[idx])
        rho[idx], loglik[idx] = new, new_ll
        active[idx[moved < tol]] = False
        if not active.any():
            break
    boundary = [pairs[p] for p in np.flatnonzero(np.abs(rho) >= _RHO_MAX)]
    return rho, n_pair, iterations, zero_2x2, boundary


def _add_keeping_margins(tab: np.ndarray, value: float = 0.5) -> None:
    """lavaan's zero.add with zero.keep.margins for a 2 x 2 table with one empty cell: +value
    to it and to the cell diagonally opposite, -value from the other two (margins unchanged)."""
    z = int(np.flatnonzero(tab.ravel() == 0)[0])
    flat = tab.reshape(-1)
    flat[z] += value
    flat[3 - z] += value
    flat[[k for k in range(4) if k not in (z, 3 - z)]] -= value


def _loglik(tables, ta, tb, rho):
    p, _ = rectangle_probabilities(ta, tb, rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(tables > 0, tables * np.log(np.maximum(p, 1e-300)), 0.0).sum(axis=(1, 2))


def _threshold_table(names, cats, tau) -> pd.DataFrame:
    """The thresholds as a table: item, threshold (``item|t1``...), category, tau."""
    rows = [{"item": names[v], "threshold": f"{names[v]}|t{k + 1}", "category": cats[v][k],
             "tau": tau[v][k + 1]} for v in range(len(names)) for k in range(len(cats[v]) - 1)]
    thresholds = pd.DataFrame(rows, columns=["item", "threshold", "category", "tau"])
    if len(thresholds) and np.all(np.mod(thresholds["category"], 1) == 0):
        thresholds["category"] = thresholds["category"].astype(int)
    return thresholds
