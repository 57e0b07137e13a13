"""PLSpredict against seminr's leave-one-out fixtures (predict_DA, predict_EA).

Reference files: tests/reference/plspredict/ (see its README.md).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm

HERE = Path(__file__).parent
REF = HERE / "reference" / "plspredict"
CORP_REP = """
QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
ATTR <~ attr_1 + attr_2 + attr_3
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP ~ QUAL + PERF + CSOR + ATTR
LIKE ~ QUAL + PERF + CSOR + ATTR
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
COLUMNS = {"pls_out_rmse": "pls.rmse", "pls_out_mae": "pls.mae", "lm_out_rmse": "lm.rmse",
           "lm_out_mae": "lm.mae", "pls_in_rmse": "pls.rmse.in", "pls_in_mae": "pls.mae.in",
           "lm_in_rmse": "lm.rmse.in", "lm_in_mae": "lm.mae.in"}


@pytest.fixture(scope="module")
def corp_rep():
    df = pd.read_csv(HERE / "data" / "corp_rep_imputed.csv")
    return cm.fit_pls(CORP_REP, df), df


@pytest.mark.parametrize("technique", ["DA", "EA"])
def test_loocv_matches_seminr(corp_rep, technique):
    ref = json.loads((REF / "seminr_predict.json").read_text())[technique]
    res, df = corp_rep
    pred = cm.pls_predict(res, folds=len(df), technique=technique)
    assert pred.repetitions == 1 and pred.folds == 344
    for key, col in COLUMNS.items():
        items = list(ref[key])
        # the fixtures carry 10 significant digits
        np.testing.assert_allclose(pred.metrics.loc[items, col], list(ref[key].values()),
                                   rtol=0, atol=5e-9, err_msg=key)


def test_q2_predict_against_training_mean(corp_rep):
    res, df = corp_rep
    pred = cm.pls_predict(res, folds=len(df), technique="EA")
    y = df["cusl_1"].to_numpy()
    n = len(y)
    loo_mean = (y.sum() - y) / (n - 1)            # the training mean of each left-out case
    sse = ((y - pred.predictions["cusl_1"].to_numpy()) ** 2).sum()
    expect = 1 - sse / ((y - loo_mean) ** 2).sum()
    assert pred.metrics.loc["cusl_1", "q2_predict"] == pytest.approx(expect, abs=1e-12)
    rmse = np.sqrt(((y - pred.predictions["cusl_1"]) ** 2).mean())
    assert pred.metrics.loc["cusl_1", "pls.rmse"] == pytest.approx(rmse, abs=1e-12)


def test_kfold_seeded_and_repetitions(corp_rep):
    res, _ = corp_rep
    a = cm.pls_predict(res, folds=10, repetitions=3, seed=5)
    b = cm.pls_predict(res, folds=10, repetitions=3, seed=5)
    c = cm.pls_predict(res, folds=10, repetitions=3, seed=6)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)
    assert not np.allclose(a.metrics["pls.rmse"], c.metrics["pls.rmse"])
    # 10-fold errors are close to leave-one-out's (same model, 90% vs 99.7% training data)
    loo = cm.pls_predict(res, folds=res.n)
    np.testing.assert_allclose(a.metrics["pls.rmse"], loo.metrics["pls.rmse"], rtol=0.03)
    assert (a.metrics["q2_predict"] > 0).all()


def test_predict_argument_errors(corp_rep):
    res, _ = corp_rep
    with pytest.raises(ValueError, match="seed"):
        cm.pls_predict(res, folds=10)
    with pytest.raises(ValueError, match="folds"):
        cm.pls_predict(res, folds=1, seed=1)
    with pytest.raises(ValueError, match="technique"):
        cm.pls_predict(res, folds=5, seed=1, technique="XX")


def test_cvpat_statistic_and_power(corp_rep):
    from scipy import stats
    res, df = corp_rep
    cv = cm.pls_cvpat(res, benchmark="IA", folds=len(df))
    # leave-one-out: the IA benchmark is each item's mean without the respondent
    pred = cm.pls_predict(res, folds=len(df))
    items = [i for i, lv in pred.metrics.latent.items() if lv == "CUSL"]
    y = df[items].to_numpy()
    ia = (y.sum(axis=0) - y) / (len(y) - 1)
    d = ((y - ia) ** 2).mean(axis=1) - ((y - pred.predictions[items].to_numpy()) ** 2).mean(axis=1)
    t = stats.ttest_1samp(d, 0.0, alternative="greater")
    assert cv.loc["CUSL", "t"] == pytest.approx(t.statistic, rel=1e-10)
    assert cv.loc["CUSL", "pvalue"] == pytest.approx(t.pvalue, rel=1e-8)
    # the model predicts far better than item means; against the LM benchmark it does not
    assert cv.loc["Overall", "pvalue"] < 1e-6
    lm = cm.pls_cvpat(res, benchmark="LM", folds=10, repetitions=2, seed=1)
    assert list(lm.index) == ["COMP", "LIKE", "CUSA", "CUSL", "Overall"]
    assert np.isfinite(lm["t"]).all()
    with pytest.raises(ValueError, match="benchmark"):
        cm.pls_cvpat(res, benchmark="naive", folds=5, seed=1)
