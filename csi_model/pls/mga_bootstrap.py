"""PLS multi-group analysis by bootstrap, for every pair of groups.

:func:`pls_mga` fits the PLS model in each group, bootstraps each group ``B`` times (the
package's engine, seeded) and compares every path between every pair of groups (a, b) with

* Henseler's PLS-MGA (Henseler, Ringle & Sinkovics 2009): with the bootstrap replicates
  ``x`` of a and ``y`` of b and their means, ``p = 1 - #{(2 mean_a - x_i) - (2 mean_b - y_j) > 0}
  / J²`` over all J x J pairs, the one-sided p value of H1: path(a) > path(b) (seminr's
  ``pls_mga_p``); ``pvalue.henseler`` is the two-sided ``2 min(p, 1 - p)`` (SmartPLS 4);
* the parametric test (Keil et al. 2000; equal variances)::

      t = (b_a - b_b) / ( sqrt( (n_a-1)²/(n_a+n_b-2) se_a² + (n_b-1)²/(n_a+n_b-2) se_b² )
                          * sqrt(1/n_a + 1/n_b) ),   df = n_a + n_b - 2

* the Welch-Satterthwaite test (unequal variances; Sarstedt, Henseler & Ringle 2011)::

      t = (b_a - b_b) / sqrt( (n_a-1)/n_a se_a² + (n_b-1)/n_b se_b² )
      df = ((n_a-1)/n_a se_a² + (n_b-1)/n_b se_b²)²
           / ((n_a-1)/n_a² se_a⁴ + (n_b-1)/n_b² se_b⁴) - 2

  (``se`` the bootstrap SDs). With more than two groups the two-sided p values of each path
  are adjusted over the pairs (``correction``: Holm, Bonferroni or Benjamini-Hochberg).

:func:`micom_all_pairs` runs MICOM (steps 1-3, :func:`csi_model.micom`) for every pair.

With sampling weights (``fit_pls(..., weights=)``) every group fit and every bootstrap
resample is a weighted PLS fit, each respondent keeping its weight (see :func:`pls_mga`).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from ..exceptions import SurveyDataError
from .fit import PLSResult, _statistic

__all__ = ["pls_mga", "micom_all_pairs"]

_CORRECTIONS = ("holm", "bonferroni", "fdr_bh", "none")


def _labels(result, by):
    survey = result.survey
    if survey is None or by not in survey.data.columns:
        raise SurveyDataError(f"The grouping column '{by}' is not in the survey of this PLS fit.")
    return survey.data.loc[result._data.rows, by].astype(str).to_numpy()


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p values (the same as statsmodels' multipletests, which is slow per call)."""
    k = len(p)
    if method == "bonferroni":
        return np.minimum(1.0, p * k)
    if method == "fdr_bh":
        from scipy import stats   # here: scipy.stats takes 1-2 s to import
        return stats.false_discovery_control(p, method="bh")
    order = np.argsort(p)                                   # Holm's step-down
    stepped = np.maximum.accumulate(np.minimum(1.0, (k - np.arange(k)) * p[order]))
    out = np.empty(k)
    out[order] = stepped
    return out


def _henseler_p(x, y):
    """One-sided PLS-MGA p of H1: a > b from replicates x (J,) and y (J,)."""
    u = 2 * x.mean() - x
    v = np.sort(2 * y.mean() - y)
    greater = np.searchsorted(v, u, side="left").sum()     # pairs with u_i > v_j
    return 1 - greater / (len(x) * len(y))


def pls_mga(result: PLSResult, *, by: str, B: int = 1000, seed, groups=None,
            correction: str = "holm") -> pd.DataFrame:
    """Bootstrap PLS multi-group analysis of every path for every pair of groups.

    Parameters
    ----------
    result : PLSResult
        A fit on the pooled data; its survey must hold the column ``by``.
    by : str
        The grouping column.
    B : int
        Bootstrap resamples per group.
    seed : int
        Required; group g is resampled with the seed sequence ``(seed, g)``.
    groups : sequence, optional
        The groups to compare (default: every value of ``by``; each needs >= 10 respondents).
    correction : {"holm", "bonferroni", "fdr_bh", "none"}
        Adjustment of each path's two-sided p values over the pairs of groups.

    Notes
    -----
    With sampling weights (``fit_pls(..., weights=)``) each group's estimate is the
    weighted PLS fit of its respondents (their weights rescaled to sum to the group's
    ``n``), and a bootstrap resample draws respondents within the group, each keeping its
    weight, and is refitted with the weights rescaled to sum to its rows - as
    :func:`~csi_model.bootstrap_pls` resamples a weighted fit. The SEs are then the SDs of
    these weighted replicates; ``n_a`` and ``n_b`` in the parametric and Welch tests are
    the groups' respondents (rows), as for the unweighted test. With integer frequency
    weights the group estimates and their differences equal those of the unweighted
    analysis of the data with every row repeated that many times.

    Returns
    -------
    DataFrame
        One row per (path, pair): ``lhs, op, rhs, group.a, group.b, est.a, est.b, diff,
        se.a, se.b, pvalue.henseler.one_sided, pvalue.henseler, t.parametric,
        pvalue.parametric, t.welch, df.welch, pvalue.welch`` and the adjusted
        ``padj.henseler, padj.parametric, padj.welch``.

    Examples
    --------
    >>> import csi_model as cm
    >>> s = cm.simulate_survey("telecom", n=300, seed=4)
    >>> s = cm.read_survey(s.assign(region=["N", "S", "W"] * 100))
    >>> mga = cm.pls_mga(cm.fit_pls("telecom", s), by="region", B=100, seed=1)
    >>> len(mga) == 3 * len(cm.fit_pls("telecom", s).paths)
    True
    """
    from .mga import _check_group_weights, _row_weights
    weights = _row_weights(result)
    from scipy import stats   # here: scipy.stats takes 1-2 s to import
    from ..bootstrap import bootstrap as engine
    if seed is None:
        raise ValueError("The 'seed' parameter of pls_mga is required (an integer).")
    if correction not in _CORRECTIONS:
        raise ValueError(f"The 'correction' parameter of pls_mga must be one of {_CORRECTIONS}. "
                         f"Got {correction!r} instead.")
    labels = _labels(result, by)
    present = list(dict.fromkeys(labels))
    groups = present if groups is None else [str(g) for g in groups]
    missing = [g for g in groups if g not in present]
    if missing or len(groups) < 2:
        raise SurveyDataError(f"pls_mga needs at least two groups of '{by}' that occur in the "
                              f"data (values: {', '.join(present)}); got {groups}.")
    pr = result._problem
    fits = {}
    for k, g in enumerate(groups):
        X = result._data.X[labels == g]
        rows_g = np.flatnonzero(labels == g)
        if X.shape[0] < 10:
            raise SurveyDataError(f"pls_mga: the group '{g}' of '{by}' has {X.shape[0]} "
                                  "respondents; PLS needs more (at least 10).")
        if weights is not None:
            _check_group_weights(weights[rows_g], by, g, "pls_mga", minimum=10)
        stat = _statistic(result, rows_g)
        names = stat.names()
        idx = [names.index(f"{t} ~ {f}") for f, t in pr.paths]
        bt = engine(stat, X.shape[0], B=int(B), seed=np.random.SeedSequence([int(seed), k]), names=names)
        reps = bt.replicates[bt.ok][:, idx]
        fits[g] = {"n": X.shape[0], "est": bt.estimate[idx], "reps": reps,
                   "se": reps.std(axis=0)}
    rows = []
    for a, b in combinations(groups, 2):
        fa, fb = fits[a], fits[b]
        na, nb = fa["n"], fb["n"]
        J = min(len(fa["reps"]), len(fb["reps"]))
        for p, (f, t) in enumerate(pr.paths):
            ea, eb, sa, sb = fa["est"][p], fb["est"][p], fa["se"][p], fb["se"][p]
            one = _henseler_p(fa["reps"][:J, p], fb["reps"][:J, p])
            diff = ea - eb
            sp = np.sqrt((na - 1) ** 2 / (na + nb - 2) * sa ** 2
                         + (nb - 1) ** 2 / (na + nb - 2) * sb ** 2) * np.sqrt(1 / na + 1 / nb)
            t_par = diff / sp
            va, vb = (na - 1) / na * sa ** 2, (nb - 1) / nb * sb ** 2
            t_w = diff / np.sqrt(va + vb)
            df_w = (va + vb) ** 2 / ((na - 1) / na ** 2 * sa ** 4 + (nb - 1) / nb ** 2 * sb ** 4) - 2
            rows.append({"lhs": t, "op": "~", "rhs": f, "group.a": a, "group.b": b,
                         "est.a": ea, "est.b": eb, "diff": diff, "se.a": sa, "se.b": sb,
                         "pvalue.henseler.one_sided": one,
                         "pvalue.henseler": min(1.0, 2 * min(one, 1 - one)),
                         "t.parametric": t_par,
                         "pvalue.parametric": 2 * stats.t.sf(abs(t_par), na + nb - 2),
                         "t.welch": t_w, "df.welch": df_w,
                         "pvalue.welch": 2 * stats.t.sf(abs(t_w), df_w)})
    out = pd.DataFrame(rows)
    for test in ("henseler", "parametric", "welch"):
        col = f"pvalue.{test}"
        if correction == "none" or len(groups) == 2:
            out[f"padj.{test}"] = out[col]
            continue
        adj = np.empty(len(out))
        for _, sub in out.groupby(["lhs", "rhs"], sort=False):
            adj[sub.index] = _adjust(sub[col].to_numpy(), correction)
        out[f"padj.{test}"] = adj
    return out


def micom_all_pairs(result: PLSResult, *, by: str, n_permutations: int = 1000, seed,
                    level: float = 0.95) -> pd.DataFrame:
    """MICOM (steps 1-3, :func:`csi_model.micom`) for every pair of groups of ``by``.

    Returns
    -------
    DataFrame
        :func:`csi_model.micom`'s table with ``group.a, group.b`` in front, one block per pair.

    Examples
    --------
    >>> import csi_model as cm
    >>> s = cm.simulate_survey("telecom", n=300, seed=4)
    >>> s = cm.read_survey(s.assign(region=["N", "S", "W"] * 100))
    >>> m = cm.micom_all_pairs(cm.fit_pls("telecom", s), by="region", n_permutations=50, seed=1)
    >>> sorted(set(zip(m["group.a"], m["group.b"])))
    [('N', 'S'), ('N', 'W'), ('S', 'W')]
    """
    from .mga import micom
    groups = list(dict.fromkeys(_labels(result, by)))
    parts = []
    for a, b in combinations(groups, 2):
        table = micom(result, by=by, groups=(a, b), n_permutations=n_permutations, seed=seed,
                      level=level)
        table.insert(0, "group.b", b)
        table.insert(0, "group.a", a)
        parts.append(table)
    return pd.concat(parts, ignore_index=True)
