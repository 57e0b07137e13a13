"""Weighted PLS with missing answers: fit_pls(..., weights=, missing="mean" | "em"), the
index and the bootstrap.

References: integer frequency weights against the unweighted fit of the data with each row
repeated (an independent computation of the same estimator); weights all 1 against the
unweighted fit; the weighted EM covariance matrix against a textbook weighted EM written in R
and lavaan 0.6-14's case-weighted h1 EM (tests/reference/pls_weights_em/make.R, reference.json).
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import EstimationError
from csi_model.pls.fit import _statistic

HERE = Path(__file__).parent
REF = HERE / "reference" / "pls_weights_em"


def _quiet(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kw)


def _survey_with_gaps():
    """The weighted telecom survey with 8 % of the answers missing and integer weights k."""
    tel = pd.read_csv(HERE / "data" / "telecom_weighted.csv").iloc[:300].copy()
    items = [c for c in tel.columns if c != "w"]
    rng = np.random.default_rng(7)
    X = tel[items].to_numpy(float)
    X[rng.random(X.shape) < 0.08] = np.nan
    tel[items] = X
    tel["k"] = rng.integers(1, 4, len(tel))
    rep = tel.loc[tel.index.repeat(tel["k"])].reset_index(drop=True)
    return tel.drop(columns="w"), rep.drop(columns=["w", "k"])


def _estimates(res):
    e = res.estimates
    return e[e.op.isin(["<~", "=~", "~"])].set_index(["lhs", "op", "rhs"])["est"]


@pytest.mark.parametrize("missing", ["mean", "em"])
def test_integer_weights_equal_the_replicated_rows(missing):
    tel, rep = _survey_with_gaps()
    a = _quiet(cm.fit_pls, "telecom", tel, weights="k", missing=missing)
    b = _quiet(cm.fit_pls, "telecom", rep, missing=missing)
    assert a.n == len(tel) and b.n == len(rep)
    np.testing.assert_allclose(_estimates(a), _estimates(b).loc[_estimates(a).index],
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(a.r2.to_numpy(), b.r2.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(a._data.mean, b._data.mean, rtol=0, atol=1e-10)
    np.testing.assert_allclose(a._data.cov(), b._data.cov(), rtol=0, atol=1e-10)
    assert any("Sampling weights from column 'k'" in w for w in a.warnings)
    # the weights matter
    c = _quiet(cm.fit_pls, "telecom", tel.drop(columns="k"), missing=missing)
    assert np.abs(_estimates(c) - _estimates(a)).max() > 1e-3
    # the index (0-100, per group too) is the replicated one
    tel2 = tel.assign(op=np.where(np.arange(len(tel)) % 3, "A", "B"))
    rep2 = tel2.loc[tel2.index.repeat(tel2["k"])].reset_index(drop=True).drop(columns="k")
    ia = _quiet(cm.csi_index, "telecom", tel2, weights="k", missing=missing, by="op",
                scale=(1, 10))
    ib = _quiet(cm.csi_index, "telecom", rep2, missing=missing, by="op", scale=(1, 10))
    np.testing.assert_allclose(ia.table["index"], ib.table["index"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(ia.weights["weight.index"], ib.weights["weight.index"],
                               rtol=0, atol=1e-10)


def test_mean_replacement_uses_the_weighted_item_mean():
    tel, _ = _survey_with_gaps()
    res = _quiet(cm.fit_pls, "telecom", tel, weights="k", missing="mean")
    x, k = tel["SAT2"].to_numpy(float), tel["k"].to_numpy(float)
    answered = ~np.isnan(x)
    m = np.sum(k[answered] * x[answered]) / k[answered].sum()
    j = list(dict.fromkeys(i for lv in res.spec.latents for i in res.spec.indicators[lv])).index("SAT2")
    np.testing.assert_allclose(res._data.X[~answered, j], m, rtol=1e-14)
    assert abs(m - np.nanmean(x)) > 1e-3
    assert any("replaced by their item's weighted mean" in w for w in res.warnings)


@pytest.mark.parametrize("missing", ["mean", "em"])
def test_weights_all_one_are_the_unweighted_fit(missing):
    tel, _ = _survey_with_gaps()
    a = _quiet(cm.fit_pls, "telecom", tel.assign(k=1.0), weights="k", missing=missing)
    b = _quiet(cm.fit_pls, "telecom", tel.drop(columns="k"), missing=missing)
    # the same arithmetic but for the order of summation in the weighted means
    np.testing.assert_allclose(_estimates(a), _estimates(b), rtol=0, atol=1e-14)
    np.testing.assert_allclose(a._data.cov(), b._data.cov(), rtol=0, atol=1e-13)
    ia = _quiet(cm.csi_index, a, scale=(1, 10))
    ib = _quiet(cm.csi_index, b, scale=(1, 10))
    np.testing.assert_allclose(ia.table["index"], ib.table["index"], rtol=0, atol=1e-12)


def test_weighted_em_moments_match_a_textbook_em_and_lavaan():
    ref = json.loads((REF / "reference.json").read_text())
    data = pd.read_csv(REF / "data.csv")
    res = _quiet(cm.fit_pls, "telecom", data, weights="w", missing="em")
    items = list(dict.fromkeys(i for lv in res.spec.latents for i in res.spec.indicators[lv]))
    assert items == ref["items"] and res.n == ref["n"] == 240
    for key in ("textbook", "lavaan"):
        np.testing.assert_allclose(res._data.S, np.array(ref[key]["Sigma"]), rtol=1e-8, atol=1e-8,
                                   err_msg=key)
        np.testing.assert_allclose(res._data.mean, np.array(ref[key]["mu"]), rtol=1e-8,
                                   atol=1e-8, err_msg=key)
    # the unweighted EM is another matrix
    plain = _quiet(cm.fit_pls, "telecom", data.drop(columns="w"), missing="em")
    assert np.abs(plain._data.S - res._data.S).max() > 1e-3
    # at the weighted EM fixed point the weighted mean of the filled-in answers is the EM mean,
    # so the weighted mean of the index scores is the index
    w = res._data.weights
    np.testing.assert_allclose(w @ res._data.X / w.sum(), res._data.mean, rtol=0, atol=1e-9)
    idx = _quiet(cm.csi_index, res, scale=(1, 10))
    overall = idx.table[idx.table.group == "(all)"].set_index("latent")["index"]
    np.testing.assert_allclose(w @ idx.scores.to_numpy() / w.sum(),
                               overall.loc[list(idx.scores.columns)].to_numpy(), atol=1e-8)
    assert any("weighted EM means and covariance matrix" in m for m in res.warnings)


def test_weighted_em_bootstrap_resamples_rows_with_their_weights():
    tel, _ = _survey_with_gaps()
    res = _quiet(cm.fit_pls, "telecom", tel, weights="k", missing="em")
    stat = _statistic(res)
    names = stat.names()
    # a resample (rows drawn with repetition), each row keeping its weight, is the unweighted
    # fit of that resample with every row repeated k times
    idx = np.random.default_rng(3).integers(0, len(tel), len(tel))
    got = pd.Series(stat._batch([idx])[0], index=names)
    sub = tel.iloc[idx]
    rep = sub.iloc[np.repeat(np.arange(len(sub)), sub["k"])].drop(columns="k")
    rep = rep.reset_index(drop=True)
    ref = _estimates(_quiet(cm.fit_pls, "telecom", rep, missing="em"))
    for (lhs, op, rhs), v in ref.items():
        assert got[f"{lhs} {op} {rhs}"] == pytest.approx(v, abs=1e-7)
    # the identity resample gives the point estimates
    full = pd.Series(stat._batch([np.arange(len(tel))])[0], index=names)
    for (lhs, op, rhs), v in _estimates(res).items():
        assert full[f"{lhs} {op} {rhs}"] == pytest.approx(v, abs=1e-8)
    # the bootstrap: deterministic, weighted (differs from the unweighted one with the same
    # seed), and with weights all 1 the unweighted one
    b1 = _quiet(cm.fit_pls, "telecom", tel, weights="k", missing="em", bootstrap=20, seed=5)
    b2 = _quiet(cm.fit_pls, "telecom", tel, weights="k", missing="em", bootstrap=20, seed=5)
    b0 = _quiet(cm.fit_pls, "telecom", tel.drop(columns="k"), missing="em", bootstrap=20, seed=5)
    b1s = _quiet(cm.fit_pls, "telecom", tel.assign(k=1), weights="k", missing="em",
                 bootstrap=20, seed=5)
    pd.testing.assert_frame_equal(b1.bootstrap_table(), b2.bootstrap_table())
    assert b1.bootstrap.n_failed == 0
    assert np.abs(b1.paths["se"].to_numpy() - b0.paths["se"].to_numpy()).max() > 1e-4
    np.testing.assert_allclose(b1s.paths["se"], b0.paths["se"], rtol=0, atol=1e-8)
    # the index bootstrap by group runs on the weighted EM resamples
    ix = _quiet(cm.csi_index, b1, scale=(1, 10), bootstrap=20, seed=5)
    assert ix.table["ci.lower"].notna().all()


@pytest.mark.parametrize("missing", ["mean", "em"])
def test_weighted_bootstrap_with_mean_replacement_and_em_is_weighted(missing):
    tel, _ = _survey_with_gaps()
    res = _quiet(cm.fit_pls, "telecom", tel, weights="k", missing=missing, bootstrap=15, seed=2)
    assert res.bootstrap.B == 15 and res.paths["se"].notna().all()


@pytest.mark.parametrize("missing", ["mean", "em"])
def test_an_item_answered_only_with_weight_zero_is_refused(missing):
    tel, _ = _survey_with_gaps()
    tel = tel.copy()
    tel.loc[tel["SAT2"].notna(), "k"] = 0
    tel.loc[tel["SAT2"].isna(), "k"] = 1
    with pytest.raises(EstimationError, match=r"SAT2.*sampling weight 0 \(column 'k'\)"):
        _quiet(cm.fit_pls, "telecom", tel, weights="k", missing=missing)


@pytest.mark.parametrize("missing", ["listwise", "mean"])
def test_a_weighted_resample_is_the_replicated_resample(missing):
    """Listwise and mean replacement: a bootstrap resample of the weighted fit (rows drawn with
    repetition, each keeping its weight) has the estimates of the unweighted fit of those
    rows, each repeated k times (mean replacement: of the replaced data, as the bootstrap
    resamples it)."""
    tel, _ = _survey_with_gaps()
    if missing == "listwise":
        tel = tel.dropna().reset_index(drop=True)
    res = _quiet(cm.fit_pls, "telecom", tel, weights="k", missing=missing)
    stat = _statistic(res)
    idx = np.random.default_rng(4).integers(0, res.n, res.n)
    got = pd.Series(stat._batch([idx])[0], index=stat.names())
    items = list(dict.fromkeys(i for lv in res.spec.latents for i in res.spec.indicators[lv]))
    filled = pd.DataFrame(res._data.X, columns=items)     # the (replaced) data of the fit
    k = tel["k"].to_numpy()[idx]
    rep = filled.iloc[np.repeat(idx, k)].reset_index(drop=True)
    ref = _estimates(_quiet(cm.fit_pls, "telecom", rep))
    for (lhs, op, rhs), v in ref.items():
        assert got[f"{lhs} {op} {rhs}"] == pytest.approx(v, abs=1e-10)
