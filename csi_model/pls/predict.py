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
takes well under a second. ``folds=`` also takes the fold of every respondent (an array, or
one row per repetition), for grouped or externally reproducible cross-validation.

Sampling weights (``fit_pls(..., weights="w")``): every training fit is the weighted PLS fit
of its training rows (weighted means, SDs and covariances of the training rows, i.e. the
weights rescaled within them, as :func:`fit_pls` does), the LM benchmark is weighted least
squares on the training rows, the training mean of ``Q²predict`` is the weighted training
mean, and every metric is a weighted mean over the held-out respondents:
``RMSE = sqrt(sum w e² / sum w)``, ``MAE = sum w |e| / sum w``,
``Q²predict = 1 - sum w e² / sum w (y - ybar_train,w)²``. With integer weights this is
PLSpredict on the data with each row repeated that many times, the copies of a row in one
fold.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..exceptions import EstimationError
from .fit import PLSResult, _moments_from_counts, _working_cov, _require_rows

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
        The settings (``folds``: the number of folds; of the first repetition when the
        folds were given per respondent).
    fold_ids : ndarray
        The fold of every respondent used, one row per repetition (``repetitions x n``):
        ``pls_predict(res, folds=pred.fold_ids)`` repeats the cross-validation.
    weighted : bool
        Whether the fit had sampling weights (then every metric is a weighted mean).
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
    fold_ids: np.ndarray | None = field(default=None, repr=False)
    weighted: bool = False

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


def _lm_items(problem, technique, j):
    """Columns of the LM benchmark's predictors of the endogenous item (pair) ``j``."""
    lv = problem.owner[j]
    if technique == "DA":
        sources = set(problem.preds[lv])
    else:
        sources = {k for k in range(problem.L) if not problem.preds[k].size}
    return sorted({int(problem.col[i]) for i in range(problem.m) if problem.owner[i] in sources})


def _lm_predictions(problem, X, mean, S_raw, technique, endo_pairs):
    """OLS predictions (k, n, q) of each endogenous item from its benchmark predictors."""
    out = []
    for j in endo_pairs:
        xs = _lm_items(problem, technique, j)
        y = int(problem.col[j])
        Sxx = S_raw[:, xs][:, :, xs]
        Sxy = S_raw[:, xs, y]
        try:
            beta = np.linalg.solve(Sxx, Sxy[..., None])[..., 0]       # (k, r)
        except np.linalg.LinAlgError:
            raise EstimationError(
                "PLSpredict: the covariance matrix of the LM benchmark's items is singular in "
                "a training fold (too few respondents, or with positive weight, in it, or an "
                "item constant there). Use fewer, larger folds.") from None
        Xc = X[None, :, xs] - mean[:, None, xs]
        out.append(mean[:, y][:, None] + np.einsum("knr,kr->kn", Xc, beta))
    return np.stack(out, axis=2)


def _fold_ids(folds, rows, n, func):
    """Checked fold labels (r, n) of ``folds`` given per respondent (relabelled 0..k-1)."""
    if isinstance(folds, pd.Series):
        missing = rows.difference(folds.index)
        if len(missing):
            raise ValueError(f"The 'folds' parameter of {func}, a Series, must give the fold of "
                             f"every respondent used (indexed by the survey rows); rows "
                             f"{list(missing[:5])} are missing.")
        raw = folds.loc[rows].to_numpy()[None, :]
    elif isinstance(folds, pd.DataFrame):
        raise ValueError(f"The 'folds' parameter of {func} must be an integer, an array of "
                         "fold labels (one per respondent used) or a 2-D array with one row of "
                         "labels per repetition. Got a DataFrame instead (pass .to_numpy().T "
                         "for one column per repetition).")
    else:
        raw = np.asarray(folds)
        if raw.ndim == 1:
            raw = raw[None, :]
    if raw.ndim != 2 or raw.shape[1] != n:
        raise ValueError(f"The 'folds' parameter of {func}, given per respondent, must have "
                         f"{n} labels (the respondents used, in the order of the fit's rows) "
                         f"per repetition. Got an array of shape {np.shape(folds)} instead.")
    if raw.dtype.kind not in "iub" and not (raw.dtype.kind == "f" and np.all(
            np.isfinite(raw)) and np.all(raw == np.round(raw))):
        raise ValueError(f"The 'folds' parameter of {func}, given per respondent, must hold "
                         f"integer fold labels (for group ids, pass pd.factorize(ids)[0]). Got "
                         f"dtype {raw.dtype} instead.")
    labels = np.empty(raw.shape, dtype=int)
    for r, row in enumerate(raw):
        uniq, labels[r] = np.unique(row, return_inverse=True)
        if uniq.size < 2:
            raise ValueError(f"The 'folds' parameter of {func}: repetition {r} puts every "
                             "respondent in one fold; cross-validation needs at least 2 folds.")
    return labels


def _check(result, folds, repetitions, seed, technique, func):
    """Checked (technique, fold labels (r, n), repetitions, leave-one-out)."""
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
    if repetitions is not None and (isinstance(repetitions, bool) or not isinstance(
            repetitions, (int, np.integer)) or repetitions < 1):
        raise ValueError(f"The 'repetitions' parameter of {func} must be a positive "
                         f"integer. Got {repetitions!r} instead.")
    if len(problem.items) != problem.m:
        raise ValueError(f"{func}: an item measures two constructs in this model; "
                         "PLSpredict of repeated indicators is not defined.")
    if not np.isscalar(folds) or isinstance(folds, str):
        if isinstance(folds, str) or np.ndim(folds) == 0:
            raise ValueError(f"The 'folds' parameter of {func} must be an integer or fold "
                             f"labels per respondent. Got {folds!r} instead.")
        labels = _fold_ids(folds, result._data.rows, n, func)
        if repetitions is not None and repetitions != len(labels):
            raise ValueError(f"The 'repetitions' parameter of {func} must match the {len(labels)} "
                             f"row(s) of fold labels given in folds= (or be left out). Got "
                             f"{repetitions!r} instead.")
        _check_training_rows(result, labels, technique, func)
        return technique, labels, len(labels), False
    repetitions = 10 if repetitions is None else repetitions
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or not 2 <= folds <= n:
        raise ValueError(f"The 'folds' parameter of {func} must be an integer from 2 to "
                         f"the {n} respondents used. Got {folds!r} instead.")
    loo = folds == n
    if loo:
        repetitions = 1
    elif seed is None:
        raise ValueError(f"The 'seed' parameter of {func} is required (an integer) so "
                         "that the folds can be reproduced (leave-one-out, folds = n, needs none).")
    rng = None if loo else np.random.default_rng(seed)
    labels = np.stack([_fold_labels(n, folds, rng) for _ in range(repetitions)])
    _check_training_rows(result, labels, technique, func)
    return technique, labels, repetitions, loo


def _check_training_rows(result, labels, technique, func):
    """Every training fold needs positive total sampling weight, and more respondents with
    positive weight than the largest LM benchmark has coefficients (else its least squares,
    and the training covariance matrices, are degenerate)."""
    problem = result._problem
    w = result._data.weights
    pos = np.ones(len(labels[0]), bool) if w is None else w > 0
    endo = set(problem.endo)
    need = 1 + max(len(_lm_items(problem, technique, j)) for j in range(problem.m)
                   if problem.owner[j] in endo)
    for r, lab in enumerate(labels):
        for k in range(lab.max() + 1):
            have = int((pos & (lab != k)).sum())
            if w is not None and have == 0:
                raise EstimationError(
                    f"{func}: the training rows of fold {k} (repetition {r}) all have sampling "
                    "weight 0, so the weighted training fit is not defined. Use other folds "
                    "(folds= takes the fold of every respondent) or check the weights.")
            if have < need:
                raise EstimationError(
                    f"{func}: the training rows of fold {k} (repetition {r}) hold {have} "
                    f"respondent(s){' with positive weight' if w is not None else ''}; the LM "
                    f"benchmark ({technique}) needs at least {need}. Use fewer, larger folds.")


def _cross_validate(result, labels, technique):
    """Per-repetition (r, n, q) out-of-sample and in-sample predictions of PLS and LM.

    ``labels`` (r, n): the fold of every row per repetition. With sampling weights each
    training fit uses the weighted moments of its training rows (weights times the 0/1
    training indicator; normalized within the training rows)."""
    problem = result._problem
    X = result._data.X
    wts = result._data.weights
    n = X.shape[0]
    endo = set(problem.endo)
    endo_pairs = [j for j in range(problem.m) if problem.owner[j] in endo]
    names = [problem.pairs[j][1] for j in endo_pairs]
    ycols = problem.col[endo_pairs]
    q = len(endo_pairs)
    repetitions = len(labels)
    oos = np.zeros((repetitions, n, q))
    lm_oos = np.zeros((repetitions, n, q))
    ins = np.zeros((repetitions, n, q))
    lm_ins = np.zeros((repetitions, n, q))
    naive = np.zeros((repetitions, n, q))
    failed = 0
    for r in range(repetitions):
        lab = labels[r]
        folds = int(lab.max()) + 1
        train = (lab[None, :] != np.arange(folds)[:, None]).astype(float)     # (k, n)
        counts = train if wts is None else train * wts[None, :]
        Xc = X - X.mean(axis=0)
        m, S_raw = _moments_from_counts(Xc, counts, None)
        mean = X.mean(axis=0) + m
        Se, _, _ = _working_cov(problem, S_raw)
        sd = np.sqrt(np.einsum("kii->ki", S_raw))
        with np.errstate(invalid="ignore", divide="ignore"):
            est = problem.estimate(Se)
        failed += int((~est["converged"]).sum())
        P = _pls_predictions(problem, est, X, mean, sd, technique, endo_pairs)   # (k, n, q)
        L = _lm_predictions(problem, X, mean, S_raw, technique, endo_pairs)
        oos[r] = P[lab, np.arange(n)]
        lm_oos[r] = L[lab, np.arange(n)]
        naive[r] = mean[lab][:, ycols]
        w = train / train.sum(axis=0, keepdims=True)                             # in-sample mean
        ins[r] = np.einsum("kn,knq->nq", w, P)
        lm_ins[r] = np.einsum("kn,knq->nq", w, L)
    return endo_pairs, names, ycols, oos, lm_oos, ins, lm_ins, naive, failed


def _wmean(a, w):
    """Mean over respondents (axis 0), weighted by the sampling weights ``w`` if any."""
    return a.mean(axis=0) if w is None else (w @ a) / w.sum()


def pls_predict(result: PLSResult, *, folds=10, repetitions: int | None = None, seed=None,
                technique: str = "EA") -> PredictResult:
    """PLSpredict: k-fold cross-validated predictions of the endogenous items.

    Parameters
    ----------
    result : PLSResult
        A fit of :func:`fit_pls` (``scaled=True``; PLS or PLSc), with or without sampling
        weights (``weights=``). Its settings (scheme, modes, tolerance) are used for every
        training fit.
    folds : int or array-like
        Number of folds (SmartPLS's default 10); ``folds = n`` is leave-one-out. Or the fold
        of every respondent used: an array of ``n`` integer labels in the order of the
        fit's rows (``result.scores.index``), a Series of labels indexed by the survey rows,
        or a 2-D array with one row of ``n`` labels per repetition (``PredictResult.fold_ids``
        of an earlier run). Use it for grouped cross-validation (all rows of a household,
        panel member or store in one fold) or folds fixed outside csi_model; each fold's
        training set is every other respondent.
    repetitions : int, optional
        Random splits into folds (default 10, SmartPLS's); predictions are averaged over
        them. Leave-one-out needs a single repetition. With folds given per respondent it is
        their number of rows.
    seed : int
        Required for random folds (unless leave-one-out); the same seed gives the same folds.
    technique : {"EA", "DA"}
        Earliest antecedents (SmartPLS's PLSpredict; default) or direct antecedents
        (seminr's ``predict_DA``); see the module docstring.

    Returns
    -------
    PredictResult

    Notes
    -----
    With sampling weights every training fit is the weighted PLS fit of its training rows
    and the LM benchmark weighted least squares on them; the metrics are weighted means over
    the respondents (``RMSE = sqrt(sum w e² / sum w)``, ``MAE = sum w |e| / sum w``,
    ``Q²predict = 1 - sum w e² / sum w (y - ybar_train,w)²``, ``ybar_train,w`` the weighted
    mean of the training rows). Integer weights give PLSpredict on the data with each row
    repeated that many times, every copy of a row in the same fold. Fits with
    ``missing="em"`` are refused (weighted or not).

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
    >>> pred = cm.pls_predict(res, folds=10, repetitions=2, seed=1)
    >>> list(pred.metrics.columns[:5])
    ['latent', 'pls.rmse', 'pls.mae', 'lm.rmse', 'lm.mae']
    >>> again = cm.pls_predict(res, folds=pred.fold_ids)     # the same folds, given per row
    >>> bool((again.metrics["pls.rmse"] == pred.metrics["pls.rmse"]).all())
    True
    """
    technique, labels, repetitions, loo = _check(result, folds, repetitions, seed, technique,
                                                 "pls_predict")
    problem = result._problem
    X = result._data.X
    wts = result._data.weights
    endo_pairs, names, ycols, oos, lm_oos, ins, lm_ins, naive, failed = _cross_validate(
        result, labels, technique)
    Y = X[:, ycols]
    oos, lm_oos, ins, lm_ins, naive = (a.mean(axis=0) for a in (oos, lm_oos, ins, lm_ins, naive))

    def rmse(pred):
        return np.sqrt(_wmean((Y - pred) ** 2, wts))

    def mae(pred):
        return _wmean(np.abs(Y - pred), wts)

    wsum = np.ones(len(Y)) if wts is None else wts
    metrics = pd.DataFrame({
        "latent": [problem.latents[problem.owner[j]] for j in endo_pairs],
        "pls.rmse": rmse(oos), "pls.mae": mae(oos), "lm.rmse": rmse(lm_oos), "lm.mae": mae(lm_oos),
        "q2_predict": 1 - (wsum @ (Y - oos) ** 2) / (wsum @ (Y - naive) ** 2),
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
                         folds=int(labels[0].max()) + 1, repetitions=int(repetitions),
                         technique=technique, seed=seed, warnings=tuple(notes),
                         fold_ids=labels, weighted=wts is not None)


def pls_cvpat(result: PLSResult, *, benchmark: str = "IA", folds=10,
              repetitions: int | None = None, seed=None, technique: str = "EA") -> pd.DataFrame:
    """CVPAT: the cross-validated predictive ability test (Liengaard et al. 2021, *Decision
    Sciences* 52(2)).

    The out-of-sample loss of respondent i is the mean squared prediction error of the
    endogenous items of a construct (and, in the row ``"Overall"``, of all endogenous items),
    averaged over the ``repetitions`` (k-fold cross-validation as :func:`pls_predict`; the
    ``folds``, ``repetitions``, ``seed`` and ``technique`` arguments are those of
    :func:`pls_predict`). With ``D_i = loss_i(benchmark) - loss_i(PLS)`` the test statistic
    is ``t = mean(D) / (sd(D) / sqrt(n))`` on ``n - 1`` degrees of freedom, one-sided: a
    small p value says that the PLS model predicts better than the benchmark. Benchmarks:
    ``"IA"`` (indicator averages: each item's training mean) and ``"LM"`` (the linear models
    of :func:`pls_predict`).

    With sampling weights ``w_i`` (``fit_pls(..., weights=)``; the training fits, benchmarks
    and predictions weighted as in :func:`pls_predict`) the losses and ``diff`` are weighted
    means, ``Dbar = sum w D / sum w``, and the variance of ``Dbar`` is the linearization
    (sandwich) variance of a weighted mean under with-replacement sampling of the
    respondents (R's ``survey::svymean`` with ``svydesign(ids = ~1, weights = ~w)``)::

        var(Dbar) = n / (n - 1) * sum w_i² (D_i - Dbar)² / (sum w_i)²

    so ``t = Dbar / sqrt(var(Dbar))`` on ``n - 1`` degrees of freedom. It equals the
    unweighted ``sd(D)² / n`` for equal weights, and is about ``sd_w(D)² / n_eff`` with
    Kish's effective sample size ``n_eff = (sum w)² / sum w²``: unequal weights widen it.
    This is an approximation for design-weighted data: it treats the respondents as
    independent draws (no strata or clusters, the weights as fixed) and ignores that the
    cross-validated losses of different respondents share training folds, as the
    unweighted CVPAT does. Integer weights are treated as sampling weights, not as
    frequencies: the losses equal those of the row-replicated data, the test statistic
    does not (n counts respondents, not copies).

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
    technique, labels, repetitions, loo = _check(result, folds, repetitions, seed, technique,
                                                 "pls_cvpat")
    problem = result._problem
    wts = result._data.weights
    endo_pairs, names, ycols, oos, lm_oos, _, _, naive, _ = _cross_validate(
        result, labels, technique)
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
        if wts is None:
            dbar = d.mean()
            t = dbar / (d.std(ddof=1) / np.sqrt(n))
            loss_p, loss_b = lp.mean(), lb.mean()
        else:
            tot = wts.sum()
            dbar = wts @ d / tot
            var = n / (n - 1) * (wts ** 2 @ (d - dbar) ** 2) / tot ** 2
            t = dbar / np.sqrt(var)
            loss_p, loss_b = wts @ lp / tot, wts @ lb / tot
        rows.append({"latent": name, "loss.pls": loss_p, "loss.benchmark": loss_b,
                     "diff": dbar, "t": t, "df": n - 1, "pvalue": stats.t.sf(t, n - 1)})
    return pd.DataFrame(rows).set_index("latent")
