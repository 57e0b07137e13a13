"""PLS path modelling and the index from :class:`~csi_model.SurveyMoments`: no rows needed.

The PLS algorithm works on the item covariance matrix (:mod:`csi_model.pls.fit`), and the
0-100 index on the item means and the scale (:mod:`csi_model.pls.index`), so a survey reduced
partition by partition to moments (:func:`~csi_model.survey_moments`, Dask, a cluster) is
fitted exactly as the same survey in memory. Everything here turns moments into the covariance
matrix and means the in-memory fit would compute from the rows, for each missing-data method:

- ``"listwise"``: the moments of the rows complete on the model's items;
- ``"mean"`` (mean replacement): every missing answer replaced by its item's mean over the
  respondents who answered; the filled data's means and covariances follow from the
  missing-data pattern moments (``survey_moments(..., patterns=True)``) exactly: per pattern
  the answers' mean and cross-products, the replaced answers constant;
- ``"em"``: the EM of the saturated normal model, run on the pattern moments. Its E-step fills
  pattern k's missing answers with ``E[x_m | x_o] = mu_m + B_k (x_o - mu_o)`` - linear in the
  answers - so the filled pattern's mean and centred cross-products are ``T_k`` times the
  answers' (``T_k`` = identity on the answered items, ``B_k`` on the missing ones) plus the
  conditional covariance; the M-step merges the patterns (Chan's update). The iterates are
  those of :func:`csi_model.sem._fiml.em_saturated_batch` on the rows (same start, same stop
  rule).

Groups (``by=``) give the index per group from each group's (filled) item means. What needs
the rows - bootstrap, construct scores, PLSpredict, FIMIX, permutation tests - is refused with
an error saying to pass the DataFrame instead.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..exceptions import DataQualityWarning, EstimationError, SurveyDataError
from ..survey.moments import SurveyMoments, merge_cells

__all__ = ["MomentData", "moment_data", "rows_needed", "RowsNeeded", "check_moment_options",
           "check_scale", "check_scale_from_data", "index_groups"]

ROW_METHODS = ("the bootstrap, construct scores, PLSpredict, FIMIX-PLS, permutation and "
               "cross-validation methods")


def rows_needed(what: str, source: str) -> EstimationError:
    """The error of a method that needs the respondents' rows on a fit from moments."""
    return EstimationError(
        f"{what} needs the respondents' rows, but the data here are SurveyMoments ({source}: "
        "counts, means and covariances only). Pass the DataFrame (or the survey file) to "
        "fit_pls / csi_index instead, e.g. a sample that fits in memory "
        "(ddf.sample(frac=...).compute()).")


class RowsNeeded:
    """Stands for a table that needs the rows (the index scores of a fit from moments): any
    use raises the clear error instead of an AttributeError."""

    def __init__(self, what: str, source: str):
        self._what, self._source = what, source

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise rows_needed(self._what, self._source)

    def __getitem__(self, key):
        raise rows_needed(self._what, self._source)

    def __len__(self):
        raise rows_needed(self._what, self._source)

    def __repr__(self) -> str:
        return f"<{self._what}: not available from moments ({self._source}); pass the rows>"


class MomentData:
    """What :func:`~csi_model.pls.fit._fit_data` needs of a data set, from moments.

    ``mean``, ``S`` (divisor n) and ``sd`` are the in-memory fit's; ``group_means`` maps a
    group label to (rows used, item means) for the index by group.
    """

    X_obs = None
    weights = None
    rows_free = True

    def __init__(self, *, items, mean, S, n, method, source, minimum, maximum, by=None,
                 group_means=None, n_unlabelled=0):
        self.items = list(items)
        self.mean = np.asarray(mean, float)
        self.S = np.asarray(S, float)
        self.sd = np.sqrt(np.diag(self.S))
        self.n = int(n)
        self.method = method
        self.source = source
        self.minimum, self.maximum = minimum, maximum
        self.by = by
        self.group_means = group_means or {}
        self.n_unlabelled = int(n_unlabelled)

    def cov(self) -> np.ndarray:
        return self.S

    @property
    def X(self):
        raise rows_needed(ROW_METHODS, self.source)

    @property
    def rows(self):
        raise rows_needed(ROW_METHODS, self.source)


def check_moment_options(m: SurveyMoments, *, bootstrap, weights, missing_codes) -> None:
    """Refuse the fit_pls options that need the rows, or were applied when the moments were made."""
    if bootstrap:
        raise rows_needed("fit_pls(bootstrap=...)", m.source)
    if weights is not None:
        raise rows_needed("fit_pls(weights=...) (sampling weights)", m.source)
    if missing_codes:
        raise ValueError("The 'missing_codes' parameter of fit_pls applies when data are read; "
                         "these SurveyMoments were computed already. Pass missing_codes to "
                         "survey_moments().")


def check_scale(m: SurveyMoments, items, scale, func: str) -> None:
    """Answers outside ``scale`` (from the moments' per-item min and max): a SurveyDataError."""
    if scale is None or m.minimum is None:
        return
    if isinstance(scale, dict):
        ranges = {it: tuple(float(v) for v in scale[it]) for it in items if it in scale}
    else:
        try:
            lo, hi = (float(v) for v in scale)
        except (TypeError, ValueError):
            raise ValueError(f"The 'scale' parameter of {func} must be a pair (min, max) such "
                             f"as (1, 10). Got {scale!r} instead.") from None
        ranges = {it: (lo, hi) for it in items}
    parts = []
    for it, (lo, hi) in ranges.items():
        j = m.items.index(it)
        a, b = m.minimum[j], m.maximum[j]
        if (np.isfinite(a) and a < lo) or (np.isfinite(b) and b > hi):
            parts.append(f"'{it}' ranges over {a:g}-{b:g}")
    if parts:
        raise SurveyDataError(f"{m.source}: answers outside the scale given to {func}: "
                              + "; ".join(parts) + ". Compute the moments with "
                              "survey_moments(..., missing_codes=[...]) for codes such as 99, or "
                              "correct the scale.")


def check_scale_from_data(dat: MomentData, lo, hi, func: str) -> None:
    """Answers (the moments' per-item min and max) outside the scale ``lo``-``hi`` of the
    index: a SurveyDataError, as reading the rows with that scale would give."""
    if dat.minimum is None:
        return
    with np.errstate(invalid="ignore"):
        bad = (dat.minimum < lo) | (dat.maximum > hi)
    if bad.any():
        parts = [f"'{it}' ranges over {a:g}-{b:g} (scale {l:g}-{h:g})" for it, a, b, l, h, x
                 in zip(dat.items, dat.minimum, dat.maximum, lo, hi, bad) if x]
        raise SurveyDataError(f"{dat.source}: answers outside the scale given to {func}: "
                              + "; ".join(parts) + ". Compute the moments with "
                              "survey_moments(..., missing_codes=[...]) for codes such as 99, or "
                              "correct the scale.")


# ============================================================================ the moments
def _mask(key) -> np.ndarray:
    return np.frombuffer(key, dtype=bool)


def _merge_all(stats):
    total = None
    for s in stats:
        total = s if total is None else merge_cells(total, s)
    return total


def _filled_stats(mask, cell, fill_mean, T=None, mu=None):
    """(n, mean, centred cross-products) of a cell's rows with the gaps filled.

    Mean replacement (``T`` None): the gaps hold ``fill_mean``. EM: the filled rows are
    ``mu + T (x - mu)`` on the answered items (``T`` zero on the missing columns)."""
    n, mean_o, m2_o = cell
    p = mask.size
    m2 = np.zeros((p, p))
    m2[np.ix_(mask, mask)] = m2_o
    if T is None:
        f = np.array(fill_mean, float, copy=True)
        f[mask] = mean_o
        return n, f, m2
    d = np.zeros(p)
    d[mask] = mean_o - mu[mask]
    return n, mu + T @ d, T @ m2 @ T.T


def _available(pooled: dict, p: int):
    """Each item's mean and variance (divisor its count) over the rows answering it."""
    mean = np.full(p, np.nan)
    var = np.full(p, np.nan)
    for j in range(p):
        parts = []
        for key, (n, mo, m2o) in pooled.items():
            mask = _mask(key)
            if mask[j]:
                pos = int(mask[:j].sum())
                parts.append((n, mo[pos:pos + 1], m2o[pos:pos + 1, pos:pos + 1]))
        if parts:
            n, mj, m2j = _merge_all(parts)
            mean[j], var[j] = mj[0], m2j[0, 0] / n
    return mean, var


def _em_maps(masks, mu, Sigma):
    """The E-step's linear maps: T (K, p, p) with filled row = mu + T (x - mu) on the answered
    items (identity there, ``-inv(P_mm) P_mo`` on the missing rows, zero missing columns), and
    per number of missing answers j the patterns, their missing items and ``inv(P_mm)``
    (the conditional covariance of the missing answers), P = inv(Sigma)."""
    p = mu.size
    P = np.linalg.inv(Sigma)
    K = len(masks)
    T = np.broadcast_to(np.eye(p), (K, p, p)).copy()
    blocks = []
    nmiss = (~masks).sum(axis=1)
    for j in sorted(set(nmiss.tolist()) - {0}):
        ks = np.flatnonzero(nmiss == j)
        midx = np.stack([np.flatnonzero(~masks[k]) for k in ks])           # (K_j, j)
        Pmm_inv = np.linalg.inv(P[midx[:, :, None], midx[:, None, :]])     # (K_j, j, j)
        T[ks[:, None], midx] -= Pmm_inv @ P[midx]                          # rows m
        T[ks[:, None, None], np.arange(p)[None, :, None], midx[:, None, :]] = 0.0
        blocks.append((ks, midx, Pmm_inv))
    return T, blocks


def _em(pooled: dict, p: int, mu0, var0, *, tol=1e-12, max_iter=20000):
    """The saturated EM from pattern moments (pooled over groups, no blank pattern):
    (Sigma, mu, iterations, converged) - the same iterates as em_saturated_batch on the rows."""
    keys = list(pooled)
    masks = np.array([_mask(k) for k in keys]).reshape(-1, p)
    counts = np.array([pooled[k][0] for k in keys], dtype=float)
    N = counts.sum()
    D = np.zeros((len(keys), p))                 # answers' means, 0 in the gaps
    M2 = np.zeros((len(keys), p, p))
    for k, key in enumerate(keys):
        D[k, masks[k]] = pooled[key][1]
        M2[k][np.ix_(masks[k], masks[k])] = pooled[key][2]
    mu = np.array(mu0, float)
    Sigma = np.diag(np.asarray(var0, float))
    it, conv = 0, False
    for it in range(1, max_iter + 1):
        T, blocks = _em_maps(masks, mu, Sigma)
        d = np.where(masks, D - mu, 0.0)
        F = mu + np.einsum("kpq,kq->kp", T, d)
        mu_new = counts @ F / N
        Fc = F - mu_new
        S = (T @ M2 @ T.transpose(0, 2, 1)).sum(axis=0) + (Fc * counts[:, None]).T @ Fc
        for ks, midx, Pmm_inv in blocks:
            np.add.at(S, (midx[:, :, None], midx[:, None, :]),
                      counts[ks][:, None, None] * Pmm_inv)
        Sigma_new = S / N
        change = max(np.abs(mu_new - mu).max() / np.sqrt(np.diag(Sigma)).max(),
                     np.abs(Sigma_new - Sigma).max() / np.abs(Sigma).max())
        mu, Sigma = mu_new, Sigma_new
        if change < tol:
            conv = True
            break
    return Sigma, mu, it, conv


def moment_data(spec, m: SurveyMoments, notes: list[str], missing: str) -> MomentData:
    """The PLS data of ``spec``'s items from moments, as :func:`_prepare_data` from rows."""
    items = list(dict.fromkeys(i for lv in spec.latents for i in spec.indicators[lv]))
    absent = [i for i in items if i not in m.items]
    if absent:
        raise SurveyDataError(f"{m.source}: the moments have no items {absent}; compute them "
                              "with survey_moments(data, items=spec.observed).")
    cells = m.cells(items, missing, "fit_pls")
    p = len(items)
    full, blank = np.ones(p, bool).tobytes(), np.zeros(p, bool).tobytes()
    src = m.source
    n_blank = sum(c[0] for (g, k), c in cells.items() if k == blank)
    incomplete = any(k != full for (g, k) in cells)
    method = missing

    def warn(msg):
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=5)

    if missing in ("mean", "em") and incomplete:
        cells = {key: c for key, c in cells.items() if key[1] != blank}
        pooled = _pooled_masks(cells)
        a_mean, a_var = _available(pooled, p)
        empty = [it for it, v in zip(items, a_mean) if np.isnan(v)]
        if empty:
            raise SurveyDataError(
                f"{src}: the item(s) {', '.join(repr(c) for c in empty)} have no answer from any "
                "respondent; fit_pls cannot estimate anything about them (with any missing-data "
                "method). Check the column or leave it out of the model.")
        if n_blank:
            warn(f"{src}: {n_blank} respondent(s) answered none of the model's {p} items and "
                 "were dropped: they carry no information for the model.")
        n = int(sum(c[0] for c in pooled.values()))
        holes = int(sum(c[0] * int((~_mask(k)).sum()) for k, c in pooled.items()))
        n_inc = int(sum(c[0] for k, c in pooled.items() if k != full))
        if n < 3:
            raise EstimationError(f"{src}: only {n} respondents; PLS path modelling needs more "
                                  "than that.")
        if missing == "mean":
            total = _merge_all(_filled_stats(_mask(k), c, a_mean) for k, c in pooled.items())
            mean, S = total[1], total[2] / total[0]
            per_item = ", ".join(f"{it} {int(k)}" for it, k in zip(
                items, sum(c[0] * (~_mask(key)) for key, c in pooled.items())) if k)
            warn(f"Mean replacement: {holes} missing answers of {n_inc} of {n} respondents were "
                 f"replaced by their item's mean ({per_item}); every respondent is kept.")
            fill = lambda key, c: _filled_stats(_mask(key), c, a_mean)  # noqa: E731
        else:
            if not np.all(a_var > 0):
                const = [it for it, v in zip(items, a_var) if not v > 0]
                raise EstimationError(f"{src}: the item(s) {const} have the same answer from "
                                      "every respondent who answered them (variance 0); drop "
                                      "them from the model.")
            with np.errstate(invalid="ignore", divide="ignore"):
                S, mean, iters, conv = _em(pooled, p, a_mean, a_var)
            if not conv:
                raise EstimationError(f"{src}: the EM estimate of the item covariance matrix did "
                                      f"not converge in {iters} iterations (too little overlap "
                                      "between the answered items?). Use missing='mean' or "
                                      "'listwise'.")
            if np.linalg.eigvalsh(S).min() <= 1e-10 * np.trace(S):
                raise EstimationError(f"{src}: the EM covariance matrix of the items is singular "
                                      "(an item is a linear combination of others, or too few "
                                      "answers overlap). Remove the redundant item.")
            warn(f"EM: {holes} missing answers of {n_inc} of {n} respondents; the PLS estimates "
                 "use the EM (saturated maximum-likelihood) means and covariance matrix of the "
                 f"items ({iters} EM iterations, from the missing-data pattern moments), every "
                 "respondent is kept.")
            keys = list(pooled)
            T, _ = _em_maps(np.array([_mask(k) for k in keys]).reshape(-1, p), mean, S)
            T_of = dict(zip(keys, T))
            fill = lambda key, c: _filled_stats(_mask(key), c, None, T_of[key], mean)  # noqa: E731
    else:
        used = {key: c for key, c in cells.items() if key[1] == full}
        total = _merge_all(used.values())
        n = 0 if total is None else int(total[0])
        if m.n_read - n:
            warn(f"Listwise deletion: {m.n_read - n} of {m.n_read} respondents read from {src} "
                 "have a missing answer to the model's items (counted in the moments) and were "
                 f"dropped; the results use {n} of {m.n_read}. Check the missing codes, or use "
                 "missing='em' (survey_moments(..., patterns=True)).")
        if n < 3:
            raise EstimationError(f"{src}: only {n} complete respondents; PLS path modelling "
                                  "needs more than that.")
        mean, S = total[1], total[2] / n
        cells = used
        fill = lambda key, c: c  # noqa: E731
    sd = np.sqrt(np.diag(S))
    const = [it for it, s in zip(items, sd) if not s > 0]
    if const:
        raise EstimationError(f"{src}: the item(s) {const} have the same answer from every "
                              "respondent used (variance 0); drop them from the model.")
    group_means, n_unlabelled = {}, 0
    if m.by is not None:
        per_group: dict = {}
        for (g, key), c in cells.items():
            per_group.setdefault(g, []).append(fill(key, c))
        for g, stats in per_group.items():
            tot = _merge_all(stats)
            if g is None:
                n_unlabelled = int(tot[0])
            else:
                group_means[g] = (int(tot[0]), tot[1])
    idx = [m.items.index(i) for i in items]
    return MomentData(items=items, mean=mean, S=S, n=n, method=method, source=src,
                      minimum=None if m.minimum is None else m.minimum[idx],
                      maximum=None if m.maximum is None else m.maximum[idx], by=m.by,
                      group_means=dict(sorted(group_means.items())), n_unlabelled=n_unlabelled)


def _pooled_masks(cells: dict) -> dict:
    out: dict = {}
    for (g, key), c in sorted(cells.items(), key=lambda kv: (kv[0][1], str(kv[0][0]))):
        out[key] = merge_cells(out[key], c) if key in out else c
    return out


def index_groups(result, by: str):
    """[(label, rows used, item means)] of the groups of a fit from moments, for csi_index."""
    dat = result._data
    if dat.by != by:
        have = f"by={dat.by!r}" if dat.by else "no by="
        raise SurveyDataError(f"csi_index(by={by!r}) needs the moments per group, and these "
                              f"SurveyMoments were computed with {have}. Compute them with "
                              f"survey_moments(..., by={by!r}).")
    if dat.n_unlabelled:
        raise SurveyDataError(f"The 'by' column {by!r} is empty for {dat.n_unlabelled} "
                              "respondents used; fill it in or drop those rows.")
    return [(g, n, mean) for g, (n, mean) in dat.group_means.items()]
