"""PLSpredict and CVPAT of fits with sampling weights (fit_pls(..., weights=)), and folds given
per respondent.

Independent computations: integer weights against the unweighted PLSpredict of the data with
each row repeated (the copies of a row in one fold); one fold's predictions against fit_pls on
the training rows plus hand-written EA/DA prediction and weighted least squares; the
weighted metrics and the CVPAT statistic recomputed from the per-respondent predictions.
Data: tests/data/telecom_weighted.csv (its column ``w``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import EstimationError

HERE = Path(__file__).parent
METRICS = ["pls.rmse", "pls.mae", "lm.rmse", "lm.mae", "q2_predict", "pls.rmse.in",
           "pls.mae.in", "lm.rmse.in", "lm.mae.in"]
CVPAT = ["loss.pls", "loss.benchmark", "diff", "t", "df", "pvalue"]


def _telecom(n=None):
    tel = pd.read_csv(HERE / "data" / "telecom_weighted.csv")
    return tel if n is None else tel.head(n).copy()


def _random_folds(n, folds, repetitions, seed):
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) % folds for _ in range(repetitions)])


@pytest.fixture(scope="module")
def replicated():
    tel = _telecom(240)
    tel["k"] = np.arange(len(tel)) % 3 + 1
    rep = tel.loc[tel.index.repeat(tel["k"])].reset_index(drop=True)
    ids = _random_folds(len(tel), 8, 2, seed=3)
    rep_ids = np.repeat(ids, tel["k"].to_numpy(), axis=1)     # each row's copies in one fold
    a = cm.fit_pls("telecom", tel.drop(columns="w"), weights="k")
    b = cm.fit_pls("telecom", rep.drop(columns=["w", "k"]))
    first = np.r_[0, np.cumsum(tel["k"].to_numpy())[:-1]]     # position of each row's 1st copy
    return a, b, ids, rep_ids, first


@pytest.mark.parametrize("technique", ["EA", "DA"])
def test_integer_weights_equal_replicated_rows(replicated, technique):
    a, b, ids, rep_ids, first = replicated
    pa = cm.pls_predict(a, folds=ids, technique=technique)
    pb = cm.pls_predict(b, folds=rep_ids, technique=technique)
    assert pa.weighted and not pb.weighted and pa.repetitions == 2 and pa.folds == 8
    np.testing.assert_allclose(pa.metrics[METRICS].to_numpy(), pb.metrics[METRICS].to_numpy(),
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(pa.predictions.to_numpy(), pb.predictions.to_numpy()[first],
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(pa.lm_predictions.to_numpy(),
                               pb.lm_predictions.to_numpy()[first], rtol=0, atol=1e-10)


@pytest.mark.parametrize("benchmark", ["IA", "LM"])
def test_integer_weights_cvpat_losses_equal_replicated_rows(replicated, benchmark):
    a, b, ids, rep_ids, _ = replicated
    ca = cm.pls_cvpat(a, benchmark=benchmark, folds=ids)
    cb = cm.pls_cvpat(b, benchmark=benchmark, folds=rep_ids)
    cols = ["loss.pls", "loss.benchmark", "diff"]
    np.testing.assert_allclose(ca[cols].to_numpy(), cb[cols].to_numpy(), rtol=0, atol=1e-10)
    # sampling weights are not frequencies: the test counts respondents, not copies
    assert (ca["df"] == a.n - 1).all() and (cb["df"] == b.n - 1).all()


def test_all_ones_weights_equal_unweighted():
    tel = _telecom(300).drop(columns="w")
    tel["one"] = 1.0
    a = cm.fit_pls("telecom", tel, weights="one")
    b = cm.fit_pls("telecom", tel.drop(columns="one"))
    for kw in ({"folds": 10, "repetitions": 2, "seed": 4}, {"folds": 300}):
        for technique in ("EA", "DA"):
            pa = cm.pls_predict(a, technique=technique, **kw)
            pb = cm.pls_predict(b, technique=technique, **kw)
            np.testing.assert_allclose(pa.metrics[METRICS].to_numpy(),
                                       pb.metrics[METRICS].to_numpy(), rtol=0, atol=1e-12)
            np.testing.assert_allclose(pa.predictions.to_numpy(), pb.predictions.to_numpy(),
                                       rtol=0, atol=1e-12)
        for benchmark in ("IA", "LM"):
            ca = cm.pls_cvpat(a, benchmark=benchmark, **kw)
            cb = cm.pls_cvpat(b, benchmark=benchmark, **kw)
            np.testing.assert_allclose(ca[CVPAT].to_numpy(), cb[CVPAT].to_numpy(),
                                       rtol=1e-12, atol=1e-12)


def test_weights_change_the_results():
    tel = _telecom()
    a = cm.pls_predict(cm.fit_pls("telecom", tel, weights="w"), folds=10, repetitions=2, seed=1)
    b = cm.pls_predict(cm.fit_pls("telecom", tel.drop(columns="w")), folds=10, repetitions=2,
                       seed=1)
    np.testing.assert_array_equal(a.fold_ids, b.fold_ids)
    diff = np.abs(a.metrics[METRICS].to_numpy() - b.metrics[METRICS].to_numpy())
    assert diff.max() > 1e-2
    assert np.abs(a.predictions.to_numpy() - b.predictions.to_numpy()).max() > 1e-2


def test_same_seed_same_tables_weighted():
    res = cm.fit_pls("telecom", _telecom(), weights="w")
    a = cm.pls_predict(res, folds=5, repetitions=3, seed=11)
    b = cm.pls_predict(res, folds=5, repetitions=3, seed=11)
    c = cm.pls_predict(res, folds=5, repetitions=3, seed=12)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    pd.testing.assert_frame_equal(a.predictions, b.predictions)
    assert not a.metrics["pls.rmse"].equals(c.metrics["pls.rmse"])
    pd.testing.assert_frame_equal(cm.pls_cvpat(res, folds=5, repetitions=3, seed=11),
                                  cm.pls_cvpat(res, folds=5, repetitions=3, seed=11))
    # the recorded folds reproduce the run
    again = cm.pls_predict(res, folds=a.fold_ids)
    pd.testing.assert_frame_equal(a.metrics, again.metrics)


def _wmean_sd(X, w):
    m = w @ X / w.sum()
    return m, np.sqrt(w @ (X - m) ** 2 / w.sum())


@pytest.mark.parametrize("technique", ["EA", "DA"])
def test_one_fold_equals_fit_pls_on_the_training_rows(technique):
    """Hold-out predictions of one fold from fit_pls(weights=) on its training rows, the
    EA/DA prediction written out by hand, and the LM benchmark by weighted least squares."""
    tel = _telecom(400)
    res = cm.fit_pls("telecom", tel, weights="w")
    ids = (np.arange(len(tel)) % 4 == 0).astype(int)           # fold 1: every 4th row
    pred = cm.pls_predict(res, folds=ids, technique=technique)
    train, test = tel[ids == 0], tel[ids == 1]
    fit = cm.fit_pls("telecom", train, weights="w")
    items = list(fit.weight_matrix().index)
    w = train["w"].to_numpy()
    mean, sd = _wmean_sd(train[items].to_numpy(), w)
    Z = (test[items].to_numpy() - mean) / sd
    scores = pd.DataFrame(Z @ fit.weight_matrix().to_numpy(), columns=fit.weight_matrix().columns)
    B, T = fit.path_matrix(), fit.total_effect_matrix()
    exo = [lv for lv in B.columns if not B[lv].any()]
    lo = fit.loadings.set_index("rhs")
    lm_pred = {}
    for item in pred.predictions.columns:
        lv = lo.loc[item, "lhs"]
        src = [p for p in B.index if B.loc[p, lv] != 0] if technique == "DA" else exo
        coef = B.loc[src, lv] if technique == "DA" else T.loc[src, lv]
        eta = scores[src].to_numpy() @ coef.to_numpy()
        j = items.index(item)
        mine = eta * lo.loc[item, "est"] * sd[j] + mean[j]
        np.testing.assert_allclose(pred.predictions.to_numpy()[ids == 1, list(
            pred.predictions.columns).index(item)], mine, rtol=0, atol=1e-8)
        # weighted least squares of the item on the items of `src` (intercept included)
        xs = [it for it in items if lo.loc[it, "lhs"] in set(src)]
        A = np.column_stack([np.ones(len(train)), train[xs].to_numpy()])
        sw = np.sqrt(w)[:, None]
        beta = np.linalg.lstsq(A * sw, train[item].to_numpy() * sw[:, 0], rcond=None)[0]
        lm_pred[item] = np.column_stack([np.ones(len(test)), test[xs].to_numpy()]) @ beta
    lm = pd.DataFrame(lm_pred)
    np.testing.assert_allclose(pred.lm_predictions.to_numpy()[ids == 1],
                               lm[pred.lm_predictions.columns].to_numpy(), rtol=0, atol=1e-8)


def test_weighted_metrics_and_cvpat_from_the_predictions():
    tel = _telecom()
    res = cm.fit_pls("telecom", tel, weights="w")
    ids = _random_folds(res.n, 5, 1, seed=2)
    pred = cm.pls_predict(res, folds=ids)
    cv = cm.pls_cvpat(res, benchmark="IA", folds=ids)
    w = res._data.weights                                       # rescaled to sum to n
    np.testing.assert_allclose(w, tel["w"] * len(tel) / tel["w"].sum(), rtol=1e-12)
    Y = tel[pred.predictions.columns].to_numpy(dtype=float)
    E = Y - pred.predictions.to_numpy()
    naive = np.empty_like(Y)
    for k in range(5):
        tr = ids[0] != k
        naive[~tr] = w[tr] @ Y[tr] / w[tr].sum()               # weighted training mean
    np.testing.assert_allclose(pred.metrics["pls.rmse"], np.sqrt(w @ E ** 2 / w.sum()),
                               rtol=1e-12)
    np.testing.assert_allclose(pred.metrics["pls.mae"], w @ np.abs(E) / w.sum(), rtol=1e-12)
    np.testing.assert_allclose(pred.metrics["q2_predict"],
                               1 - (w @ E ** 2) / (w @ (Y - naive) ** 2), rtol=1e-12)
    # CVPAT, Overall: D_i, its weighted mean and the linearization variance
    d = ((Y - naive) ** 2).mean(axis=1) - (E ** 2).mean(axis=1)
    n = len(d)
    dbar = w @ d / w.sum()
    se = np.sqrt(n / (n - 1) * (w ** 2 @ (d - dbar) ** 2) / w.sum() ** 2)
    np.testing.assert_allclose(cv.loc["Overall", ["diff", "t"]].to_numpy(float),
                               [dbar, dbar / se], rtol=1e-10)


def test_folds_per_respondent_unweighted():
    tel = _telecom(200).drop(columns="w")
    res = cm.fit_pls("telecom", tel)
    pred = cm.pls_predict(res, folds=10, repetitions=2, seed=7)
    assert pred.fold_ids.shape == (2, 200) and not pred.weighted
    again = cm.pls_predict(res, folds=pred.fold_ids, repetitions=2)
    pd.testing.assert_frame_equal(pred.metrics, again.metrics)
    # a Series of labels (any integers) indexed by the survey rows, in any order
    lab = pd.Series(pred.fold_ids[0] * 7 + 3, index=res.scores.index).iloc[::-1]
    one = cm.pls_predict(res, folds=lab)
    ref = cm.pls_predict(res, folds=pred.fold_ids[0])
    pd.testing.assert_frame_equal(one.metrics, ref.metrics)
    assert one.repetitions == 1 and one.folds == 10


def test_bad_folds_and_weights_are_refused():
    tel = _telecom(200)
    res = cm.fit_pls("telecom", tel, weights="w")
    with pytest.raises(ValueError, match="must have 200 labels"):
        cm.pls_predict(res, folds=np.zeros(150, dtype=int))
    with pytest.raises(ValueError, match="at least 2 folds"):
        cm.pls_predict(res, folds=np.zeros(200, dtype=int))
    with pytest.raises(ValueError, match="integer fold labels"):
        cm.pls_predict(res, folds=np.linspace(0, 1, 200))
    with pytest.raises(ValueError, match="'repetitions' parameter of pls_predict must match"):
        cm.pls_predict(res, folds=np.arange(200) % 5, repetitions=3)
    with pytest.raises(ValueError, match="rows .* are missing"):
        cm.pls_cvpat(res, folds=pd.Series(np.arange(100) % 2, index=range(100)))
    with pytest.raises(ValueError, match="'seed' parameter of pls_predict is required"):
        cm.pls_predict(res, folds=10)
    # a training fold whose rows all have weight 0
    tel0 = tel.copy()
    tel0.loc[100:, "w"] = 0.0
    res0 = cm.fit_pls("telecom", tel0, weights="w")
    ids = (np.arange(200) < 100).astype(int)                  # fold 1 trains on rows 100..199
    with pytest.raises(EstimationError, match="fold 1 .* all have sampling weight 0"):
        cm.pls_predict(res0, folds=ids)
    # bad weights never reach PLSpredict: fit_pls refuses them
    bad = tel.copy()
    bad.loc[3, "w"] = -1.0
    with pytest.raises(Exception, match="negative weight"):
        cm.fit_pls("telecom", bad, weights="w")


def test_weighted_em_fit_is_refused_as_unweighted():
    tel = _telecom(200)
    tel.loc[[1, 5, 9], "SAT1"] = np.nan
    with pytest.warns(cm.DataQualityWarning, match="EM"):
        res = cm.fit_pls("telecom", tel, weights="w", missing="em")
    with pytest.raises(EstimationError, match="missing='em'"):
        cm.pls_predict(res, folds=5, seed=1)
    with pytest.raises(EstimationError, match="missing='em'"):
        cm.pls_cvpat(res, folds=5, seed=1)


def test_a_degenerate_training_fold_is_a_clear_error():
    tel = _telecom(200)
    tel.loc[10:, "w"] = 0.0                                   # positive weight on rows 0..9 only
    res = cm.fit_pls("telecom", tel, weights="w")
    ids = np.r_[np.zeros(5, int), np.ones(195, int)]          # fold 0 trains on 5 weighted rows
    with pytest.raises(EstimationError, match="fold 0 .* hold 5 respondent.s. with positive wei"):
        cm.pls_predict(res, folds=ids)
    with pytest.raises(ValueError, match="'folds' parameter of pls_predict must be an integer"):
        cm.pls_predict(res, folds=None)
