"""PLSpredict: out-of-sample prediction of the endogenous items (Shmueli et al. 2016, 2019).

:func:`pls_predict` splits the respondents into ``folds`` folds (``repetitions`` times, each
a seeded random split), fits the model on the other folds and predicts the held-out fold:

1. the held-out items are standardized with the training means and SDs, and the
   construct scores computed with the training outer weights;
2. the endogenous scores are predicted from the path coefficients: ``"DA"`` (direct
   antecedents; seminr's ``predict_DA``) from the scores of each construct's direct
   predictors, ``"EA"`` (earliest antecedents; ``predict_EA``, SmartPLS's PLSpredict) from
   the exogenous scores only, through the structural model in causal order;
3. each endogenous item is predicted as its construct's predicted score times its
   training loading, back on the item's scale.

The benchmark is the linear model (LM) of each endogenous item on the items of its
construct's direct antecedents (``"DA"``) or of the exogenous constructs (``"EA"``), fitted by
OLS on the same training folds. Reported per item: RMSE and MAE of PLS and LM out of sample
and in sample, and ``Q²predict = 1 - SSE(PLS) / SSE(training mean)``. With repetitions, each
respondent's prediction is the mean over the repetitions (seminr's convention), in-sample
predictions the mean over the folds that trained on the respondent. Leave-one-out
(``folds = n``) is deterministic and equals seminr's ``predict_pls(noFolds = n)``.

All training fits of a repetition are computed at once from their covariance matrices
(the batched algorithm of :func:`fit_pls`), so leave-one-out on a few hundred respondents
takes well under a second.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .fit import PLSResult, _moments_from_counts, _working_cov, _require_rows, refuse_weighted

__all__ = ["pls_predict", "PredictResult", "pls_cvpat"]

_TECHNIQUES = ("DA", "EA")


@dataclass(frozen=True)
class PredictResult:
    """Result of :func:`pls_predict`.

    Attributes
    ----------
    metrics : DataFrame
        Per endogenous item (index): ``latent, pls.rmse, pls.mae, lm.rmse, lm.mae,
        q2_predict, pls.rmse.in, pls.mae.in, lm.rmse.in, lm.mae.in`` (``.in``: in sample).
        PLS predicts an item better than the benchmark when its ``pls.rmse`` (or MAE) is
        below ``lm.rmse``; ``q2_predict > 0`` means it beats the training mean.
    predictions, lm_predictions : DataFrame
        Out-of-sample predictions of the endogenous items (rows: respondents used).
    folds, repetitions, technique, seed :
        The settings.
    warnings : tuple of str

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
    >>> pred = cm.pls_predict(res, folds=10, repetitions=2, seed=1)
    >>> pred.metrics[["latent", "pls.rmse", "lm.rmse"]].head(3).round(3)  # doctest: +NORMALIZE_WHITESPACE
          latent  pls.rmse  lm.rmse
    item
    EXPE1   EXPE      1.61    1.610
    EXPE2   EXPE      1.72    1.745
    EXPE3   EXPE      1.61    1.643
    """

    metrics: pd.DataFrame
    predictions: pd.DataFrame = field(repr=False)
    lm_predictions: pd.DataFrame = field(repr=False)
    folds: int = 10
    repetitions: int = 1
    technique: str = "DA"
    seed: object = None
    warnings: tuple = ()

    def summary(self) -> pd.DataFrame:
        """The metrics rounded to 3 decimals (a rendering copy).

        Examples
        --------
        >>> import csi_model as cm
        >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
        >>> pred = cm.pls_predict(res, folds=10, repetitions=2, seed=1)
        >>> pred.summary().head(3).round(3)  # doctest: +NORMALIZE_WHITESPACE
              latent  pls.rmse  pls.mae  ...  pls.mae.in  lm.rmse.in  lm.mae.in
        item                             ...
        EXPE1   EXPE      1.61    1.331  ...       1.316       1.559      1.287
        EXPE2   EXPE      1.72    1.425  ...       1.406       1.682      1.387
        EXPE3   EXPE      1.61    1.290  ...       1.272       1.573      1.270
        <BLANKLINE>
        [3 rows x 10 columns]
        """
        return self.metrics.round(3)


def _fold_labels(n, folds, rng):
    order = rng.permutation(n) if rng is not None else np.arange(n)
    labels = np.empty(n, dtype=int)
    # equal-sized contiguous folds of the shuffled order (R's cut(seq_len(n), folds))
    labels[order] = np.minimum((np.arange(n) * folds) // n, folds - 1)
    return labels


def _topological(problem):
    order, done = [], {k for k in range(problem.L) if not problem.preds[k].size}
    while len(done) < problem.L:
        for k in range(problem.L):
            if k not in done and all(p in done for p in problem.preds[k]):
                order.append(k)
                done.add(k)
    return order


def _pls_predictions(problem, est, X, mean, sd, technique, endo_pairs):
    """Predicted endogenous items (k, n, q) for all n rows from the k training fits."""
    Z = (X[None, :, :] - mean[:, None, :]) / sd[:, None, :]          # (k, n, p)
    Ze = Z[:, :, problem.col]                                          # expanded items
    W = est["w"][:, :, None] * problem.D                               # (k, m, L)
    scores = Ze @ W                                                    # (k, n, L)
    B = est["B"]
    if technique == "DA":
        Y = scores @ B
        exo = [k for k in range(problem.L) if not problem.preds[k].size]
        Y[:, :, exo] = scores[:, :, exo]
    else:
        Y = scores.copy()
        order = _topological(problem)
        Y[:, :, order] = 0.0
        for k in order:
            Y[:, :, k] = np.einsum("knl,kl->kn", Y, B[:, :, k])
    out = []
    for j in endo_pairs:
        owner, item = problem.owner[j], problem.col[j]
        out.append(Y[:, :, owner] * est["loadings"][:, j][:, None] * sd[:, item][:, None]
                   + mean[:, item][:, None])
    return np.stack(out, axis=2)


def _lm_predictions(problem, X, mean, S_raw, technique, endo_pairs):
    """OLS predictions (k, n, q) of each endogenous item from its benchmark predictors."""
    exo = [k for k in range(problem.L) if not problem.preds[k].size]
    out = []
    for j in endo_pairs:
        lv = problem.owner[j]
        sources = problem.preds[lv] if technique == "DA" else exo
        xs = sorted({int(problem.col[i]) for i in range(problem.m) if problem.owner[i] in set(sources)})
        y = int(problem.col[j])
        Sxx = S_raw[:, xs][:, :, xs]
        Sxy = S_raw[:, xs, y]
        beta = np.linalg.solve(Sxx, Sxy[..., None])[..., 0]           # (k, r)
        Xc = X[None, :, xs] - mean[:, None, xs]
        out.append(mean[:, y][:, None] + np.einsum("knr,kr->kn", Xc, beta))
    return np.stack(out, axis=2)


def _check(result, folds, repetitions, seed, technique, func):
    """Checked (technique, repetitions, leave-one-out) of pls_predict / pls_cvpat."""
    if isinstance(result, PLSResult):
        refuse_weighted(result, func)
    if not isinstance(result, PLSResult):
        raise TypeError(f"The 'result' parameter of {func} must be a PLSResult (from "
                        f"fit_pls). Got {type(result).__name__} instead.")
    if not result.scaled:
        raise ValueError(f"{func} needs a fit with standardized items (fit_pls(..., "
                         "scaled=True), the default).")
    technique = str(technique).upper()
    if technique not in _TECHNIQUES:
        raise ValueError(f"The 'technique' parameter of {func} must be 'EA' or 'DA'. "
                         f"Got {technique!r} instead.")
    _require_rows(result, func)
    problem = result._problem
    X = result._data.X
    n = X.shape[0]
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or not 2 <= folds <= n:
        raise ValueError(f"The 'folds' parameter of {func} must be an integer from 2 to "
                         f"the {n} respondents used. Got {folds!r} instead.")
    if isinstance(repetitions, bool) or not isinstance(repetitions, (int, np.integer)) \
            or repetitions < 1:
        raise ValueError(f"The 'repetitions' parameter of {func} must be a positive "
                         f"integer. Got {repetitions!r} instead.")
    loo = folds == n
    if loo:
        repetitions = 1
    elif seed is None:
        raise ValueError(f"The 'seed' parameter of {func} is required (an integer) so "
                         "that the folds can be reproduced (leave-one-out, folds = n, needs none).")
    if len(problem.items) != problem.m:
        raise ValueError(f"{func}: an item measures two constructs in this model; "
                         "PLSpredict of repeated indicators is not defined.")
    return technique, repetitions, loo


def _cross_validate(result, folds, repetitions, rng, technique):
    """Per-repetition (r, n, q) out-of-sample and in-sample predictions of PLS and LM."""
    problem = result._problem
    X = result._data.X
    n = X.shape[0]
    endo = set(problem.endo)
    endo_pairs = [j for j in range(problem.m) if problem.owner[j] in endo]
    names = [problem.pairs[j][1] for j in endo_pairs]
    ycols = problem.col[endo_pairs]
    q = len(endo_pairs)
    oos = np.zeros((repetitions, n, q))
    lm_oos = np.zeros((repetitions, n, q))
    ins = np.zeros((repetitions, n, q))
    lm_ins = np.zeros((repetitions, n, q))
    naive = np.zeros((repetitions, n, q))
    failed = 0
    for r in range(repetitions):
        labels = _fold_labels(n, folds, rng)
        train = (labels[None, :] != np.arange(folds)[:, None]).astype(float)   # (k, n)
        Xc = X - X.mean(axis=0)
        m, S_raw = _moments_from_counts(Xc, train, None)
        mean = X.mean(axis=0) + m
        Se, _, _ = _working_cov(problem, S_raw)
        sd = np.sqrt(np.einsum("kii->ki", S_raw))
        with np.errstate(invalid="ignore", divide="ignore"):
            est = problem.estimate(Se)
        failed += int((~est["converged"]).sum())
        P = _pls_predictions(problem, est, X, mean, sd, technique, endo_pairs)   # (k, n, q)
        L = _lm_predictions(problem, X, mean, S_raw, technique, endo_pairs)
        oos[r] = P[labels, np.arange(n)]
        lm_oos[r] = L[labels, np.arange(n)]
        naive[r] = mean[labels][:, ycols]
        w = train / train.sum(axis=0, keepdims=True)                             # in-sample mean
        ins[r] = np.einsum("kn,knq->nq", w, P)
        lm_ins[r] = np.einsum("kn,knq->nq", w, L)
    return endo_pairs, names, ycols, oos, lm_oos, ins, lm_ins, naive, failed


def pls_predict(result: PLSResult, *, folds: int = 10, repetitions: int = 10, seed=None,
                technique: str = "EA") -> PredictResult:
    """PLSpredict: k-fold cross-validated predictions of the endogenous items.

    Parameters
    ----------
    result : PLSResult
        A fit of :func:`fit_pls` (``scaled=True``; PLS or PLSc). Its settings (scheme,
        modes, tolerance) are used for every training fit.
    folds : int
        Number of folds (SmartPLS's default 10); ``folds = n`` is leave-one-out.
    repetitions : int
        Random splits into folds (SmartPLS's default 10); predictions are averaged over
        them. Leave-one-out needs a single repetition.
    seed : int
        Required unless leave-one-out; the same seed gives the same folds.
    technique : {"EA", "DA"}
        Earliest antecedents (SmartPLS's PLSpredict; default) or direct antecedents
        (seminr's ``predict_DA``); see the module docstring.

    Returns
    -------
    PredictResult

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
    >>> pred = cm.pls_predict(res, folds=10, repetitions=2, seed=1)
    >>> list(pred.metrics.columns[:5])
    ['latent', 'pls.rmse', 'pls.mae', 'lm.rmse', 'lm.mae']
    """
    technique, repetitions, loo = _check(result, folds, repetitions, seed, technique,
                                         "pls_predict")
    problem = result._problem
    X = result._data.X
    endo_pairs, names, ycols, oos, lm_oos, ins, lm_ins, naive, failed = _cross_validate(
        result, folds, repetitions, None if loo else np.random.default_rng(seed), technique)
    Y = X[:, ycols]
    oos, lm_oos, ins, lm_ins, naive = (a.mean(axis=0) for a in (oos, lm_oos, ins, lm_ins, naive))

    def rmse(pred):
        return np.sqrt(((Y - pred) ** 2).mean(axis=0))

    def mae(pred):
        return np.abs(Y - pred).mean(axis=0)

    metrics = pd.DataFrame({
        "latent": [problem.latents[problem.owner[j]] for j in endo_pairs],
        "pls.rmse": rmse(oos), "pls.mae": mae(oos), "lm.rmse": rmse(lm_oos), "lm.mae": mae(lm_oos),
        "q2_predict": 1 - ((Y - oos) ** 2).sum(axis=0) / ((Y - naive) ** 2).sum(axis=0),
        "pls.rmse.in": rmse(ins), "pls.mae.in": mae(ins), "lm.rmse.in": rmse(lm_ins),
        "lm.mae.in": mae(lm_ins)}, index=pd.Index(names, name="item"))
    notes = list(result.warnings)
    if failed:
        notes.append(f"pls_predict: {failed} training fit(s) did not converge; their "
                     "predictions are NaN.")
    rows = result._data.rows
    return PredictResult(metrics=metrics,
                         predictions=pd.DataFrame(oos, index=rows, columns=names),
                         lm_predictions=pd.DataFrame(lm_oos, index=rows, columns=names),
                         folds=int(folds), repetitions=int(repetitions), technique=technique,
                         seed=seed, warnings=tuple(notes))


def pls_cvpat(result: PLSResult, *, benchmark: str = "IA", folds: int = 10,
              repetitions: int = 10, seed=None, technique: str = "EA") -> pd.DataFrame:
    """CVPAT: the cross-validated predictive ability test (Liengaard et al. 2021, *Decision
    Sciences* 52(2)).

    The out-of-sample loss of respondent i is the mean squared prediction error of the
    endogenous items of a construct (and, in the row ``"Overall"``, of all endogenous items),
    averaged over the ``repetitions`` (k-fold cross-validation as :func:`pls_predict`). With
    ``D_i = loss_i(benchmark) - loss_i(PLS)`` the test statistic is
    ``t = mean(D) / (sd(D) / sqrt(n))`` on ``n - 1`` degrees of freedom, one-sided: a small
    p value says that the PLS model predicts better than the benchmark. Benchmarks:
    ``"IA"`` (indicator averages: each item's training mean) and ``"LM"`` (the linear models
    of :func:`pls_predict`).

    Returns
    -------
    DataFrame
        Indexed by endogenous latent and ``"Overall"``: ``loss.pls, loss.benchmark,
        diff, t, df, pvalue``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=300, seed=1))
    >>> cv = cm.pls_cvpat(res, benchmark="IA", folds=10, repetitions=2, seed=1)
    >>> bool(cv.loc["Overall", "pvalue"] < 0.05)
    True
    """
    from scipy import stats
    benchmark = str(benchmark).upper()
    if benchmark not in ("IA", "LM"):
        raise ValueError(f"The 'benchmark' parameter of pls_cvpat must be 'IA' or 'LM'. "
                         f"Got {benchmark!r} instead.")
    technique, repetitions, loo = _check(result, folds, repetitions, seed, technique,
                                         "pls_cvpat")
    problem = result._problem
    endo_pairs, names, ycols, oos, lm_oos, _, _, naive, _ = _cross_validate(
        result, folds, repetitions, None if loo else np.random.default_rng(seed), technique)
    Y = result._data.X[:, ycols][None]
    bench = naive if benchmark == "IA" else lm_oos
    se_pls = ((Y - oos) ** 2).mean(axis=0)                 # (n, q), averaged over repetitions
    se_bench = ((Y - bench) ** 2).mean(axis=0)
    owner = np.array([problem.owner[j] for j in endo_pairs])
    groups = [(problem.latents[k], owner == k) for k in problem.endo]
    groups.append(("Overall", np.ones(len(endo_pairs), dtype=bool)))
    rows = []
    n = Y.shape[1]
    for name, cols in groups:
        lp, lb = se_pls[:, cols].mean(axis=1), se_bench[:, cols].mean(axis=1)
        d = lb - lp
        t = d.mean() / (d.std(ddof=1) / np.sqrt(n))
        rows.append({"latent": name, "loss.pls": lp.mean(), "loss.benchmark": lb.mean(),
                     "diff": d.mean(), "t": t, "df": n - 1, "pvalue": stats.t.sf(t, n - 1)})
    return pd.DataFrame(rows).set_index("latent")
