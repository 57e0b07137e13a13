"""PLS multi-group analysis: permutation tests of path differences and MICOM.

Both procedures refit the PLS model on groups whose labels are randomly permuted,
many permutations at a time (the batched PLS statistic of :mod:`csi_model.pls.fit`).
Permutations are drawn from ``numpy.random.SeedSequence(seed)``, so the same seed
gives the same table.

**Sampling weights** (``fit_pls(..., weights=)``): a permutation relabels respondents,
and each respondent keeps its weight; every (observed or permuted) group is a weighted
PLS fit (Becker & Ismail's WPLS, SmartPLS's weighting vector) whose weights are rescaled
to sum to the group's respondents, and MICOM's step 2 and 3 use weighted correlations,
means and variances. This is the design-based analogue of the unweighted tests. The
permutation null distribution assumes that respondents are exchangeable between the
groups; with very unequal weights (or a weighting that differs systematically between
the groups) that holds only approximately, and the p-values are then approximate too
(Toth 2017 proposes a pseudo-permutation test for complex samples).

References
----------
Chin, W. W., & Dibbern, J. (2010). An introduction to a permutation based procedure for
multi-group PLS analysis. In Handbook of Partial Least Squares, 171-193. Springer.
Henseler, J., Ringle, C. M., & Sarstedt, M. (2016). Testing measurement invariance of
composites using partial least squares. International Marketing Review 33(3), 405-431.
Becker, J.-M., & Ismail, I. R. (2016). Accounting for sampling weights in PLS path
modeling: Simulations and empirical examples. European Management Journal 34(6), 606-617.
Toth, D. (2017). A permutation test on complex sample data. Bureau of Labor Statistics,
arXiv preprint (December 2017).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..exceptions import SurveyDataError
from .fit import PLSResult, _statistic

__all__ = ["pls_permutation_test", "micom", "PermutationResult"]


@dataclass(frozen=True, eq=False)
class PermutationResult:
    """Path differences and MICOM steps 1-3 between two groups.

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> test = cm.pls_permutation_test(cm.fit_pls("acsi", survey), by="wave", n_permutations=50,
    ...                                seed=1)
    >>> test.groups, test.n_permutations, test.seed
    (('2025', '2026'), 50, 1)
    >>> test.micom[["latent", "verdict"]].head(2)
      latent verdict
    0   EXPE    full
    1   QUAL    full
    """

    paths: pd.DataFrame
    micom: pd.DataFrame
    groups: tuple[str, str]
    n_permutations: int
    seed: int


def _two_groups(result: PLSResult, by: str, groups=None):
    survey = result.survey
    if survey is None or by not in survey.data.columns:
        raise SurveyDataError(f"The grouping column '{by}' is not in the survey of this PLS fit.")
    labels = survey.data.loc[result._data.rows, by].astype(str).to_numpy()
    present = list(dict.fromkeys(labels))
    if groups is None:
        if len(present) != 2:
            raise SurveyDataError(f"The column '{by}' has {len(present)} groups "
                                  f"({', '.join(present)}); name the two to compare with groups=(a, b).")
        groups = tuple(present)
    for g in groups:
        if g not in present:
            raise SurveyDataError(f"The group '{g}' is not a value of '{by}' "
                                  f"(values: {', '.join(present)}).")
    mask = np.isin(labels, groups)
    rows = np.flatnonzero(mask)
    in_a = labels[rows] == groups[0]
    return tuple(groups), rows, in_a


def _row_weights(result: PLSResult):
    """The sampling weights of the fit's rows (None without weights). With missing='em'
    the groups' and resamples' EM moments are weighted EM moments (each row's case weight
    its count times its weight)."""
    w = getattr(result._data, "weights", None)
    return None if w is None else np.asarray(w, dtype=float)


def _check_group_weights(w, by: str, group: str, func: str, minimum: int = 1) -> None:
    """A weighted group needs respondents with positive weight (at least ``minimum``)."""
    positive = int((w > 0).sum())
    if positive == 0:
        raise SurveyDataError(f"{func}: every weight in group {by} = {group} is zero, so its "
                              "weighted PLS fit would be empty. Leave the group out "
                              "(groups=...) or check the weight column.")
    if positive < minimum:
        raise SurveyDataError(f"{func}: only {positive} respondent(s) in group {by} = {group} "
                              f"have a positive weight; a weighted group fit needs at least "
                              f"{minimum}. Leave the group out (groups=...) or check the "
                              "weight column.")


def _weighted_cor(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Correlation matrix of the columns of X with row weights w (any scale)."""
    p = w / w.sum()
    Xc = X - p @ X
    C = (Xc * p[:, None]).T @ Xc
    d = np.sqrt(np.diag(C))
    return C / np.outer(d, d)


def _weighted_moments(scores: np.ndarray, w: np.ndarray):
    """Weighted means and variances (columns of scores) of one group.

    The weights are rescaled to sum to the group's n rows and the variance divides by
    n - 1, so that weights 1 give the usual ``var(ddof=1)``:
    ``var = n / (n - 1) * sum w (s - m)² / sum w``.
    """
    n = len(w)
    W = w.sum()
    m = w @ scores / W
    ss = w @ (scores - m) ** 2
    return m, ss / W * (n / (n - 1))


def _permutations(in_a: np.ndarray, n_perm: int, seed: int):
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return [rng.permutation(in_a) for _ in range(n_perm)]


def pls_permutation_test(result: PLSResult, *, by: str, groups=None, n_permutations: int = 1000,
                         seed: int, level: float = 0.95) -> PermutationResult:
    """PLS-MGA permutation test of every path and MICOM steps 1-3 between two groups.

    Parameters
    ----------
    result : PLSResult
        A PLS fit on the pooled data (its survey must hold the column ``by``).
    by : str
        The grouping column; ``groups=(a, b)`` picks two of its values.
    n_permutations : int
        Random relabellings of the respondents (Chin & Dibbern recommend >= 1000).
    seed : int
        Required: the permutations are reproducible.

    Returns
    -------
    PermutationResult
        ``paths``: ``lhs, op, rhs, est.<a>, est.<b>, diff, pvalue`` (two-sided permutation
        p-value, (1 + #|diff*| >= |diff|) / (1 + P)).
        ``micom``: per latent, step 1 (configural: same indicators, same algorithm, same
        data treatment - established by construction), step 2 (compositional invariance:
        the correlation c of the scores built with each group's weights, and its
        permutation 5 % quantile: invariant when c is above it) and step 3 (equal composite
        means and variances on pooled-weight scores: differences with permutation
        intervals at ``level``).

    Notes
    -----
    With sampling weights (``fit_pls(..., weights=)``) both groups of the observed split and
    of every permutation are weighted PLS fits: a permutation reassigns respondents to the
    groups and each takes its weight along, and a group's weights are rescaled to sum to its
    respondents (what :func:`~csi_model.fit_pls` does with the pooled sample). MICOM step 2
    correlates the two groups' composites under the weighted item correlations of the two
    groups' respondents; step 3 standardizes the items with their weighted pooled means and
    SDs and compares weighted composite means and variances (``var = n_g / (n_g - 1) * sum
    w (s - m)² / sum w`` in a group of ``n_g`` respondents, so weights 1 give the unweighted
    statistics). With integer frequency weights the group estimates and the step-3 mean
    differences are those of the unweighted test on the data with every row repeated that
    many times (the log-variance differences too, up to the ``n / (n - 1)`` factors, which
    count rows, not weights). The permutation distribution treats respondents as
    exchangeable between the groups; with very unequal weights, or weights that differ
    systematically between the groups, this holds only approximately (see the module notes).

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> pls = cm.fit_pls("acsi", survey)
    >>> test = cm.pls_permutation_test(pls, by="wave", n_permutations=50, seed=1)
    >>> test.groups
    ('2025', '2026')
    >>> test.paths.head(3).round(3)
        lhs op   rhs  est.2025  est.2026   diff  pvalue
    0  QUAL  ~  EXPE     0.396     0.459  0.063   0.451
    1   VAL  ~  EXPE     0.187     0.090 -0.097   0.196
    2   VAL  ~  QUAL     0.480     0.583  0.103   0.216
    """
    if not isinstance(n_permutations, (int, np.integer)) or n_permutations < 10:
        raise ValueError("The 'n_permutations' parameter of pls_permutation_test must be an "
                         f"integer >= 10. Got {n_permutations!r} instead.")
    groups, rows, in_a = _two_groups(result, by, groups)
    weights = _row_weights(result)
    w = None if weights is None else weights[rows]      # they travel with the rows
    if w is not None:
        for g, mask in zip(groups, (in_a, ~in_a)):
            _check_group_weights(w[mask], by, g, "pls_permutation_test")
    pr = result._problem
    X = result._data.X[rows]
    stat = _statistic(result, rows)     # weighted: a group's case counts times its weights
    names = stat.names()
    m = len(pr.pairs)
    path_idx = [names.index(f"{t} ~ {f}") for f, t in pr.paths]

    idx = np.arange(len(rows))
    # each batch needs index arrays of one length: group a and group b separately
    observed = np.vstack([stat.batch([idx[in_a]]), stat.batch([idx[~in_a]])])
    perms = _permutations(in_a, n_permutations, seed)
    chunk = 250
    perm_a, perm_b = [], []
    for start in range(0, n_permutations, chunk):
        part = perms[start:start + chunk]
        perm_a.append(stat.batch([idx[p] for p in part]))
        perm_b.append(stat.batch([idx[~p] for p in part]))
    perm_a, perm_b = np.vstack(perm_a), np.vstack(perm_b)

    # ---- path differences (Chin & Dibbern 2010)
    d_obs = observed[1, path_idx] - observed[0, path_idx]
    d_perm = perm_b[:, path_idx] - perm_a[:, path_idx]
    ok = np.isfinite(d_perm).all(axis=1)
    exceed = (np.abs(d_perm[ok]) >= np.abs(d_obs) - 1e-12).sum(axis=0)
    pval = (1 + exceed) / (1 + ok.sum())
    a, b = groups
    paths = pd.DataFrame({"lhs": [t for _, t in pr.paths], "op": "~",
                          "rhs": [f for f, _ in pr.paths], f"est.{a}": observed[0, path_idx],
                          f"est.{b}": observed[1, path_idx], "diff": d_obs, "pvalue": pval})

    # ---- MICOM step 2: compositional invariance
    Xe = X[:, pr.col]
    if result._data.X_obs is not None:      # missing='em': the EM correlations of these rows
        from ..sem._fiml import MissingData, em_saturated
        S_em = em_saturated(MissingData(result._data.X_obs[rows], w), tol=1e-10)[0]
        d = np.sqrt(np.diag(S_em))
        R = (S_em / np.outer(d, d))[np.ix_(pr.col, pr.col)]
    elif w is None:
        R = np.corrcoef(Xe, rowvar=False)
    else:
        R = _weighted_cor(Xe, w)
    same = pr.D @ pr.D.T                           # 1 where two expanded items share a block
    Rb = R * same

    def composite_corr(W1, W2):
        num = ((W1 @ Rb) * W2) @ pr.D
        n1 = ((W1 @ Rb) * W1) @ pr.D
        n2 = ((W2 @ Rb) * W2) @ pr.D
        return num / np.sqrt(n1 * n2)

    c_obs = composite_corr(observed[0:1, :m], observed[1:2, :m])[0]
    c_perm = composite_corr(perm_a[ok, :m], perm_b[ok, :m])
    c_q05 = np.quantile(c_perm, 0.05, axis=0)
    c_p = (1 + (c_perm <= c_obs + 1e-12).sum(axis=0)) / (1 + ok.sum())

    # ---- MICOM step 3: composite means and variances, pooled weights, pooled standardization
    w_pooled = result._core["w"]
    if w is None:
        Z = (Xe - Xe.mean(axis=0)) / Xe.std(axis=0)
        scores = (Z * w_pooled) @ pr.D                 # blocks' weighted sums
        scores = scores / scores.std(axis=0)

        def mean_var_diff(mask_a):
            sa, sb = scores[mask_a], scores[~mask_a]
            return (sa.mean(axis=0) - sb.mean(axis=0),
                    np.log(sa.var(axis=0, ddof=1)) - np.log(sb.var(axis=0, ddof=1)))
    else:   # the same with the respondents' sampling weights (pooled and within group)
        p_w = w / w.sum()
        mu = p_w @ Xe
        Z = (Xe - mu) / np.sqrt(p_w @ (Xe - mu) ** 2)
        scores = (Z * w_pooled) @ pr.D
        scores = scores / np.sqrt(p_w @ (scores - p_w @ scores) ** 2)

        def mean_var_diff(mask_a):
            ma, va = _weighted_moments(scores[mask_a], w[mask_a])
            mb, vb = _weighted_moments(scores[~mask_a], w[~mask_a])
            return ma - mb, np.log(va) - np.log(vb)

    dm_obs, dv_obs = mean_var_diff(in_a)
    dm_perm, dv_perm = map(np.array, zip(*(mean_var_diff(p) for p in perms)))
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    rows_out = []
    for k, lv in enumerate(pr.latents):
        single = pr.slices[k].stop - pr.slices[k].start == 1
        mq = np.quantile(dm_perm[:, k], [lo, hi])
        vq = np.quantile(dv_perm[:, k], [lo, hi])
        rows_out.append({
            "latent": lv, "step1.configural": "established",
            "step2.c": c_obs[k], "step2.c_q05": c_q05[k], "step2.pvalue": c_p[k],
            "step2.invariant": bool(single or c_obs[k] >= c_q05[k]),
            "step3.mean_diff": dm_obs[k], "step3.mean_ci.lower": mq[0],
            "step3.mean_ci.upper": mq[1],
            "step3.mean_equal": bool(mq[0] <= dm_obs[k] <= mq[1]),
            "step3.logvar_diff": dv_obs[k], "step3.logvar_ci.lower": vq[0],
            "step3.logvar_ci.upper": vq[1],
            "step3.var_equal": bool(vq[0] <= dv_obs[k] <= vq[1]),
        })
    micom_table = pd.DataFrame(rows_out)
    micom_table["verdict"] = np.where(
        ~micom_table["step2.invariant"], "no invariance",
        np.where(micom_table["step3.mean_equal"] & micom_table["step3.var_equal"], "full",
                 "partial"))
    return PermutationResult(paths, micom_table, groups, int(ok.sum()), int(seed))


def micom(result: PLSResult, *, by: str, groups=None, n_permutations: int = 1000,
          seed: int, level: float = 0.95) -> pd.DataFrame:
    """MICOM steps 1-3 (Henseler, Ringle & Sarstedt 2016); see :func:`pls_permutation_test`.

    Examples
    --------
    >>> import csi_model as cm
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> pls = cm.fit_pls("acsi", survey)
    >>> m = cm.micom(pls, by="wave", n_permutations=50, seed=1)
    >>> m[["latent", "step2.c", "step2.invariant", "step3.mean_equal", "verdict"]].round(3)
      latent  step2.c  step2.invariant  step3.mean_equal  verdict
    0   EXPE    0.999             True              True     full
    1   QUAL    0.999             True              True     full
    2    VAL    1.000             True             False  partial
    3    SAT    1.000             True              True     full
    4   COMP    1.000             True              True     full
    5    LOY    0.999             True              True     full
    """
    return pls_permutation_test(result, by=by, groups=groups, n_permutations=n_permutations,
                                seed=seed, level=level).micom
