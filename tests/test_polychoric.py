"""Polychoric correlations (csi_model.sem.polychoric) against lavaan 0.6-14 and psych 2.2.9.

Reference values: tests/reference/polychoric/make_reference.R (lavCor with ordered items;
psych::polychoric with correct = 0) on psych's bfi items (2,800 respondents, 1-6, with their
missing answers) and a binary table with an empty cell.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import csi_model as cm
from csi_model.exceptions import DataQualityWarning, SurveyDataError
from csi_model.sem._bivnorm import bvn_cdf, rectangle_probabilities

REF = Path(__file__).parent / "reference" / "polychoric"


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "polychoric.json").read_text())


@pytest.fixture(scope="module")
def bfi():
    return pd.read_csv(REF / "bfi_items.csv")


def _quiet(fn, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return fn(*a, **k)


@pytest.mark.parametrize("case, missing", [("listwise10", "listwise"), ("pairwise10", "pairwise"),
                                           ("listwise25", "listwise")])
def test_agrees_with_lavaan(ref, bfi, case, missing):
    r = ref[case]
    res = _quiet(cm.polychoric, bfi, r["items"], missing=missing)
    # lavaan's own optimizer stops at ~1e-8; thresholds are closed-form.
    np.testing.assert_allclose(res.correlation.to_numpy(), np.array(r["cor"]), rtol=0, atol=1e-6)
    np.testing.assert_allclose(res.thresholds["tau"].to_numpy(), np.array(r["th"]), rtol=0,
                               atol=1e-12)
    assert list(res.thresholds["threshold"]) == r["th_names"]
    if missing == "listwise":
        assert res.n == r["n"]
    else:
        assert res.n.loc["A1", "A1"] == int((bfi["A1"].notna()).sum())


def test_agrees_with_psych(ref, bfi):
    res = _quiet(cm.polychoric, bfi.dropna())
    np.testing.assert_allclose(res.correlation.to_numpy(), np.array(ref["psych25"]["cor"]),
                               rtol=0, atol=1e-4)      # psych's optimizer tolerance
    tau = np.array(ref["psych25"]["tau"])             # items x 5 thresholds
    ours = res.thresholds["tau"].to_numpy().reshape(tau.shape)   # items in order, 5 each
    np.testing.assert_allclose(ours, tau, rtol=0, atol=1e-12)


def test_empty_cell_of_a_binary_table_as_lavaan(ref):
    data = pd.read_csv(REF / "binary_items.csv")
    with pytest.warns(DataQualityWarning, match="y1 and y2 has an empty cell"):
        res = cm.polychoric(data)
    np.testing.assert_allclose(res.correlation.to_numpy(), np.array(ref["binary"]["cor"]),
                               rtol=0, atol=1e-6)


def test_bivariate_normal_cdf_against_quadrature():
    rng = np.random.default_rng(3)
    for r in (-0.9999, -0.95, -0.926, -0.6, -0.1, 0.0, 0.2, 0.31, 0.74, 0.8, 0.93, 0.99):
        for h, k in rng.normal(0, 1.5, (5, 2)):
            s = np.sqrt(1 - r * r)
            exact, _ = integrate.quad(lambda x: stats.norm.pdf(x) * stats.norm.cdf((k - r * x) / s),
                                      -np.inf, h, epsabs=1e-14, epsrel=1e-13, limit=200)
            assert abs(float(bvn_cdf(h, k, r)) - exact) < 1e-12, (h, k, r)
    # infinite limits are univariate probabilities
    np.testing.assert_allclose(bvn_cdf([np.inf, 0.3, -np.inf], [0.5, np.inf, 1.0], 0.7),
                               [stats.norm.cdf(0.5), stats.norm.cdf(0.3), 0.0], atol=1e-15)


def test_cell_probabilities_sum_to_one_and_derivative_is_numeric():
    ta = np.array([-np.inf, -1.0, 0.2, 1.1, np.inf])
    tb = np.array([-np.inf, -0.4, 0.6, np.inf])
    p, dp = rectangle_probabilities(ta, tb, 0.45)
    assert p.shape == (4, 3) and abs(p.sum() - 1) < 1e-14 and (p > 0).all()
    eps = 1e-6
    num = (rectangle_probabilities(ta, tb, 0.45 + eps)[0]
           - rectangle_probabilities(ta, tb, 0.45 - eps)[0]) / (2 * eps)
    np.testing.assert_allclose(dp, num, atol=1e-8)
    assert abs(dp.sum()) < 1e-14


def test_recovers_a_known_correlation_and_leaves_the_data_alone():
    rng = np.random.default_rng(7)
    z = rng.multivariate_normal([0, 0, 0], [[1, .7, .3], [.7, 1, .5], [.3, .5, 1]], size=20000)
    data = pd.DataFrame(np.digitize(z, [-1.0, 0.0, 0.8]) + 1, columns=list("abc"))
    before = data.copy()
    res = cm.polychoric(data)
    np.testing.assert_allclose(res.correlation.to_numpy()[np.triu_indices(3, 1)], [.7, .3, .5],
                               atol=0.02)
    np.testing.assert_allclose(res.thresholds.query("item == 'a'")["tau"], [-1.0, 0.0, 0.8],
                               atol=0.03)
    pd.testing.assert_frame_equal(data, before)


def test_listwise_drop_is_a_warning_naming_the_count(bfi):
    with pytest.warns(DataQualityWarning, match=r"364 of 2800 respondents have a missing"):
        res = cm.polychoric(bfi)
    assert res.n == 2436 and any("dropped" in w for w in res.warnings)


def test_bad_input_is_a_clear_error():
    good = pd.DataFrame({"a": [1, 2, 3, 2], "b": [2, 3, 1, 1]})
    with pytest.raises(SurveyDataError, match="one category only"):
        cm.polychoric(good.assign(c=1))
    with pytest.raises(SurveyDataError, match="not numeric"):
        cm.polychoric(good.assign(c=list("xyzx")))
    with pytest.raises(SurveyDataError, match="must be finite"):
        cm.polychoric(good.assign(c=[1, np.inf, 2, 1]))
    with pytest.raises(SurveyDataError, match="not columns"):
        cm.polychoric(good, ["a", "zz"])
    with pytest.raises(ValueError, match="'missing' parameter of polychoric"):
        cm.polychoric(good, missing="fiml")
    with pytest.raises(SurveyDataError, match="at least two items"):
        cm.polychoric(good[["a"]])
