"""Sample statistics of ordinal items for WLS estimation: thresholds, polychoric correlations
and their asymptotic covariance matrix (Muthén 1984), as lavaan's ``muthen1984`` builds them.

The statistics vector is lavaan's ``wls.obs`` for ordered items: every item's thresholds (item
by item), then the correlations below the diagonal, column by column. Its asymptotic
covariance ``Gamma`` (lavaan's ``NACOV``, scaled to sqrt(N)) is the sandwich
``B^-1 (sum of score cross-products) B^-T`` of the stage-wise estimating equations:
univariate threshold scores (stage 1) and bivariate correlation scores (stage 2), with
``B = [[A11, 0], [A21, A22]]``, A11 the per-item blocks of the threshold score cross-products,
A22 the diagonal of the correlation score cross-products and A21 the cross-products of each
correlation score with the pair likelihood's threshold scores.

Muthén, B. (1984). A general structural equation model with dichotomous, ordered categorical,
and continuous latent variable indicators. Psychometrika, 49, 115-132.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from .._distributions import ndtr  # scipy.special, imported on first call

from ._bivnorm import rectangle_probabilities
from .polychoric import PolychoricResult

__all__ = ["OrdinalMoments", "ordinal_moments", "mixed_moments", "pair_order"]

_SQRT_2PI = np.sqrt(2 * np.pi)


def _phi(x):
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(np.isfinite(x), np.exp(-0.5 * x * x) / _SQRT_2PI, 0.0)


def pair_order(p: int) -> list[tuple[int, int]]:
    """(i, j), i > j, in lavaan's order: below the diagonal, column by column."""
    return [(i, j) for j in range(p) for i in range(j + 1, p)]


@dataclass(frozen=True)
class OrdinalMoments:
    """Thresholds and correlations (the WLS statistics) with their asymptotic covariance."""

    items: tuple[str, ...]
    n: int
    thresholds: np.ndarray          # all thresholds, item by item
    threshold_item: np.ndarray      # the item (0-based) of each threshold
    threshold_names: tuple[str, ...]
    correlations: np.ndarray        # below the diagonal, column by column (pair_order)
    gamma: np.ndarray               # asymptotic covariance of sqrt(N) * statistics (NACOV)
    scores: np.ndarray = None       # casewise scores (n x statistics), for robust variants
    # with continuous items (mixed_moments): their variances (in item order) follow the
    # thresholds, and "thresholds" holds minus each continuous item's mean at its place
    # (lavaan's wls.obs); "correlations" are covariances for pairs with a continuous item
    variances: np.ndarray = None
    numeric: tuple[bool, ...] = ()

    @property
    def statistics(self) -> np.ndarray:
        parts = [self.thresholds]
        if self.variances is not None:
            parts.append(self.variances)
        return np.concatenate(parts + [self.correlations])

    @property
    def n_variances(self) -> int:
        return 0 if self.variances is None else len(self.variances)

    @property
    def n_thresholds(self) -> int:
        return len(self.thresholds)


def ordinal_moments(poly: PolychoricResult, codes: np.ndarray,
                    weights: np.ndarray | None = None) -> OrdinalMoments:
    """The WLS statistics and Gamma from a :func:`polychoric` fit, as lavaan's ``muthen1984``.

    ``codes``: (n, p) category codes 0..K-1 of the respondents ``poly`` was fitted to, -1 for
    a missing answer (``missing="pairwise"``: each score is 0 where its item or pair is not
    answered, so every sum runs over the available answers, as lavaan's ``na.rm``).
    ``weights``: sampling weights summing to n (lavaan's ``sampling.weights``): the bread
    sums ``w s s'``, the meat ``w^2 s s'``. Gamma is scaled by n, the number of respondents
    (lavaan's ``nobs``, the sum of the weights).
    """
    items = tuple(poly.correlation.columns)
    p, n = len(items), codes.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    th = poly.thresholds
    tau = [np.concatenate([[-np.inf], th.loc[th.item == it, "tau"].to_numpy(), [np.inf]])
           for it in items]
    nth = [len(t) - 2 for t in tau]
    start = np.concatenate([[0], np.cumsum(nth)])
    R = poly.correlation.to_numpy()
    pairs = pair_order(p)
    seen = codes >= 0

    # stage 1: threshold scores d log P(X_v = c) / d tau_v,m (0 where X_v is missing)
    sc_th = np.zeros((n, start[-1]))
    for v in range(p):
        t, ok = tau[v], seen[:, v]
        c = codes[ok, v]
        prob = ndtr(t[c + 1]) - ndtr(t[c])
        for m in range(1, nth[v] + 1):
            col = start[v] + m - 1
            sc_th[ok, col] = _phi(t[m]) * ((c + 1 == m).astype(float) - (c == m)) / prob

    # stage 2: correlation scores, and A21 from the (weighted) cell tables: the cross-product
    # of each correlation score with the pair likelihood's threshold scores, summed over cells
    sc_cor = np.zeros((n, len(pairs)))
    a21 = np.zeros((len(pairs), start[-1]))
    for k, (i, j) in enumerate(pairs):
        ti, tj, rho = tau[i], tau[j], R[i, j]
        ok = seen[:, i] & seen[:, j]
        sc_cor[ok, k], a_i, a_j = _pair_scores(ti, tj, rho, codes[ok, i], codes[ok, j], w[ok])
        a21[k, start[i]:start[i + 1]] = a_i
        a21[k, start[j]:start[j + 1]] = a_j

    sc = np.hstack([sc_th, sc_cor])
    sw = sc * w[:, None]
    inner = sw.T @ sw
    # B^-1 for the block-triangular bread
    a11_inv = np.zeros((start[-1], start[-1]))
    for v in range(p):
        sl = slice(start[v], start[v + 1])
        a11_inv[sl, sl] = np.linalg.inv(sw[:, sl].T @ sc[:, sl])
    a22_inv = 1.0 / np.einsum("ij,ij->j", sw[:, start[-1]:], sc_cor)
    b_inv = np.zeros(inner.shape)
    nt = start[-1]
    b_inv[:nt, :nt] = a11_inv
    b_inv[nt:, nt:] = np.diag(a22_inv)
    b_inv[nt:, :nt] = -(a22_inv[:, None] * a21) @ a11_inv
    gamma = n * (b_inv @ inner @ b_inv.T)
    names = tuple(th["threshold"])
    owner = np.repeat(np.arange(p), nth)
    return OrdinalMoments(items=items, n=n, thresholds=np.concatenate([t[1:-1] for t in tau]),
                          threshold_item=owner, threshold_names=names,
                          correlations=np.array([R[i, j] for i, j in pairs]), gamma=gamma,
                          scores=sc)


def mixed_moments(poly: PolychoricResult, frame, weights=None) -> OrdinalMoments:
    """The WLS statistics and Gamma of ordinal and continuous items, as lavaan's ``muthen1984``
    (complete data).

    ``poly``: :func:`~csi_model.sem.polychoric.polychoric` with ``ordered=`` naming some of
    the items; ``frame``: the respondents it was fitted to (the items as columns). The
    statistics, in lavaan's ``wls.obs`` order: per item, in item order, an ordinal item's
    thresholds or minus a continuous item's mean; the continuous items' variances (divisor
    N); then below the diagonal, column by column, the polychoric correlations, the
    polyserial correlations times the continuous item's standard deviation and the
    covariances of continuous items. Gamma is the stage-wise sandwich in the correlation
    metric (univariate scores for the thresholds, means and variances; bivariate scores for
    the correlations, with their cross-products with the univariate parameters' bivariate
    scores in A21), carried to the covariances by the Jacobian ``H`` (lavaan's) and to the
    minus-means by a change of sign. ``weights``: sampling weights summing to n (the ones
    ``poly`` was fitted with): the bread sums ``w s s'``, the meat ``w^2 s s'`` (lavaan's).
    """
    from ._polyserial import pearson_scores, polyserial_scores
    items = tuple(poly.correlation.columns)
    p = len(items)
    numeric = tuple(it in poly.means.index for it in items)
    values = frame[list(items)].to_numpy(dtype=float)
    n = values.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    th = poly.thresholds
    R = poly.correlation.to_numpy()
    tau, codes, nth = {}, {}, []
    for v, it in enumerate(items):
        if numeric[v]:
            nth.append(1)
            continue
        t = np.concatenate([[-np.inf], th.loc[th.item == it, "tau"].to_numpy(), [np.inf]])
        tau[v] = t
        codes[v] = np.searchsorted(poly.categories[it], values[:, v])
        nth.append(len(t) - 2)
    start = np.concatenate([[0], np.cumsum(nth)]).astype(int)
    nt = int(start[-1])
    num_idx = [v for v in range(p) if numeric[v]]
    var_col = {v: nt + k for k, v in enumerate(num_idx)}
    nu = nt + len(num_idx)
    mean = {v: float(poly.means[items[v]]) for v in num_idx}
    var = {v: float(poly.variances[items[v]]) for v in num_idx}
    sd = {v: np.sqrt(var[v]) for v in num_idx}

    sc_uni = np.zeros((n, nu))
    for v in range(p):
        if numeric[v]:
            e = values[:, v] - mean[v]
            sc_uni[:, start[v]] = e / var[v]
            sc_uni[:, var_col[v]] = -1.0 / (2 * var[v]) + e * e / (2 * var[v] ** 2)
        else:
            t, c = tau[v], codes[v]
            prob = ndtr(t[c + 1]) - ndtr(t[c])
            for m in range(1, nth[v] + 1):
                sc_uni[:, start[v] + m - 1] = (_phi(t[m]) * ((c + 1 == m).astype(float)
                                                             - (c == m)) / prob)

    pairs = pair_order(p)
    sc_cor = np.zeros((n, len(pairs)))
    a21 = np.zeros((len(pairs), nu))
    H21 = np.zeros((len(pairs), nu))
    h22 = np.ones(len(pairs))
    stat_cor = np.zeros(len(pairs))

    def th_cols(v):
        return slice(start[v], start[v + 1])

    for k, (i, j) in enumerate(pairs):
        rho = R[i, j]
        stat_cor[k] = rho
        if numeric[i] and numeric[j]:
            s = pearson_scores(values[:, i], values[:, j], mean[i], var[i], mean[j], var[j], rho)
            sc_cor[:, k] = s["rho"]
            for v, m_, v_ in ((i, "mean1", "var1"), (j, "mean2", "var2")):
                a21[k, start[v]] = (w * s["rho"]) @ s[m_]
                a21[k, var_col[v]] = (w * s["rho"]) @ s[v_]
            H21[k, var_col[i]] = sd[j] * rho / (2 * sd[i])
            H21[k, var_col[j]] = sd[i] * rho / (2 * sd[j])
            h22[k] = sd[i] * sd[j]
        elif numeric[i] or numeric[j]:
            y, o = (i, j) if numeric[i] else (j, i)
            s = polyserial_scores(values[:, y], mean[y], var[y], codes[o], tau[o], rho)
            sc_cor[:, k] = s["rho"]
            a21[k, start[y]] = (w * s["rho"]) @ s["mean"]
            a21[k, var_col[y]] = (w * s["rho"]) @ s["var"]
            a21[k, th_cols(o)] = (w * s["rho"]) @ s["th"]
            H21[k, var_col[y]] = rho / (2 * sd[y])
            h22[k] = sd[y]
        else:
            ti, tj = tau[i], tau[j]
            sc_cor[:, k], a_i, a_j = _pair_scores(ti, tj, rho, codes[i], codes[j], w)
            a21[k, th_cols(i)] = a_i
            a21[k, th_cols(j)] = a_j

    sc = np.hstack([sc_uni, sc_cor])
    sw = sc * w[:, None]
    inner = sw.T @ sw
    bread = sw.T @ sc
    a11_inv = np.zeros((nu, nu))
    for v in range(p):
        idx = list(range(start[v], start[v + 1])) + ([var_col[v]] if numeric[v] else [])
        a11_inv[np.ix_(idx, idx)] = np.linalg.inv(bread[np.ix_(idx, idx)])
    a22_inv = 1.0 / np.einsum("ij,ij->j", sw[:, nu:], sc_cor)
    b_inv = np.zeros(inner.shape)
    b_inv[:nu, :nu] = a11_inv
    b_inv[nu:, nu:] = np.diag(a22_inv)
    b_inv[nu:, :nu] = -(a22_inv[:, None] * a21) @ a11_inv
    wls = b_inv @ inner @ b_inv.T
    H = np.eye(len(wls))
    H[nu:, :nu] = H21
    H[nu:, nu:] = np.diag(h22)
    wls = H @ wls @ H.T
    flip = np.ones(len(wls))
    flip[[start[v] for v in num_idx]] = -1.0
    gamma = n * (flip[:, None] * wls * flip[None, :])
    thresholds = np.concatenate([[-mean[v]] if numeric[v] else tau[v][1:-1] for v in range(p)])
    names = []
    it_th = iter(th["threshold"])
    for v in range(p):
        names += [f"{items[v]}~1"] if numeric[v] else [next(it_th) for _ in range(nth[v])]
    return OrdinalMoments(items=items, n=n, thresholds=thresholds,
                          threshold_item=np.repeat(np.arange(p), nth),
                          threshold_names=tuple(names), correlations=stat_cor * h22,
                          gamma=gamma, scores=sc,   # the estimating equations' (as above)
                          variances=np.array([var[v] for v in num_idx]), numeric=numeric)

def _pair_scores(ti, tj, rho, a, b, w):
    """A polychoric pair's casewise scores d log P(a, b) / d rho for the rows' categories
    ``a``, ``b`` (weights ``w``), and the two blocks of A21 (the expected cross-derivatives
    with the thresholds of item i and of item j)."""
    P, dP = rectangle_probabilities(ti, tj, rho)
    score = dP / P
    counts = np.bincount(a * P.shape[1] + b, weights=w, minlength=P.size).reshape(P.shape)
    Q = counts * score / P
    s = np.sqrt(1 - rho * rho)
    blocks = []
    for tv, tw, Qv in ((ti, tj, Q), (tj, ti, Q.T)):
        # dP(cell a, b)/d tau_v,m = phi(tau_m) [Phi((tw_b+1 - rho tau_m)/s) - Phi((tw_b - rho tau_m)/s)],
        # + for the cell below the threshold (a = m - 1), - for the cell above (a = m)
        cut = tv[1:-1, None]
        edge = _phi(cut) * (ndtr((tw[None, 1:] - rho * cut) / s)
                            - ndtr((tw[None, :-1] - rho * cut) / s))
        blocks.append(((Qv[:-1] - Qv[1:]) * edge).sum(axis=1))
    return score[a, b], blocks[0], blocks[1]
