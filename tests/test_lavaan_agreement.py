"""CB-SEM estimates, standard errors and fit measures against lavaan 0.6-14.

The references were produced by tests/reference/lavaan/make_reference.R (see the
README there) from the data in tests/data/. Tolerances are the issue's: estimates
|diff| <= 1e-3 (relative 1e-3 where |est| > 1), SEs relative <= 1 %, fit measures
relative <= 1e-3.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan"
DATA = HERE / "data"

CASES = {
    # case: (model file, data file, fit options)
    "political_democracy": ("political_democracy.lav", "political_democracy.csv", {}),
    "political_democracy_mlr": ("political_democracy.lav", "political_democracy.csv",
                                {"estimator": "MLR"}),
    "holzinger": ("holzinger.lav", "holzinger_swineford.csv", {}),
    "holzinger_mlr": ("holzinger.lav", "holzinger_swineford.csv", {"estimator": "MLR"}),
    "telecom_sim": ("telecom.lav", "telecom_sim.csv", {}),
    "ecsi_mobi": ("ecsi_mobi.lav", "ecsi_mobi.csv", {}),
    "telecom_missing_listwise": ("telecom.lav", "telecom_sim_missing.csv", {}),
    "telecom_missing_fiml": ("telecom.lav", "telecom_sim_missing.csv", {"missing": "fiml"}),
    # observed predictors with free variances: lavaan's fixed.x = FALSE
    "observed_predictors": ("observed_predictors.lav", "political_democracy.csv",
                            {"fixed_x": False}),
}
FIT_MEASURES = ["chisq", "df", "pvalue", "cfi", "tli", "nfi", "rmsea", "rmsea.ci.lower",
                "rmsea.ci.upper", "srmr", "gfi", "agfi", "aic", "bic", "logl",
                "unrestricted.logl", "baseline.chisq", "baseline.df", "npar"]
MLR_MEASURES = FIT_MEASURES + [
    "chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled",
    "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust",
    "tli.robust", "rmsea.robust"]


def _reference(case: str) -> dict:
    return json.loads((REF / f"{case}.json").read_text())


@pytest.fixture(scope="module")
def results():
    cache = {}

    def get(case):
        if case not in cache:
            model, data, opts = CASES[case]
            spec = cm.load_model(REF / model)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", cm.CSIModelWarning)
                cache[case] = cm.fit(spec, DATA / data, **opts)
        return cache[case]
    return get


def _merged(result, ref) -> pd.DataFrame:
    theirs = pd.DataFrame(ref["estimates"])
    theirs = theirs[theirs.op.isin(["=~", "~", "~~", "~1"])]
    ours = result.estimates.copy()
    # lavaan may write a covariance as b ~~ a where we write a ~~ b
    key = lambda d: d.apply(lambda r: (r.lhs, r.op, r.rhs) if r.op != "~~"  # noqa: E731
                            else (min(r.lhs, r.rhs), r.op, max(r.lhs, r.rhs)), axis=1)
    ours["key"], theirs["key"] = key(ours), key(theirs)
    m = ours.merge(theirs, on="key", suffixes=("", "_lav"), how="outer", indicator=True)
    return m


@pytest.mark.parametrize("case", list(CASES))
def test_same_parameters_as_lavaan(case, results):
    m = _merged(results(case), _reference(case))
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", ["key", "_merge"]]


@pytest.mark.parametrize("case", list(CASES))
def test_estimates_agree_with_lavaan(case, results):
    m = _merged(results(case), _reference(case))
    ref = m["est_lav"].to_numpy(float)
    tol = np.where(np.abs(ref) > 1, 1e-3 * np.abs(ref), 1e-3)
    diff = np.abs(m["est"].to_numpy(float) - ref)
    assert (diff <= tol).all(), m.loc[diff > tol, ["key", "est", "est_lav"]]


@pytest.mark.parametrize("case", list(CASES))
def test_standard_errors_agree_with_lavaan(case, results):
    m = _merged(results(case), _reference(case))
    free = m["se_lav"].to_numpy(float) > 0
    np.testing.assert_allclose(m.loc[free, "se"].to_numpy(float),
                               m.loc[free, "se_lav"].to_numpy(float), rtol=1e-2, atol=0)


@pytest.mark.parametrize("case", list(CASES))
def test_standardized_solution_agrees_with_lavaan(case, results):
    m = _merged(results(case), _reference(case))
    ok = m["std.all_lav"].notna()
    np.testing.assert_allclose(m.loc[ok, "std.all"].to_numpy(float),
                               m.loc[ok, "std.all_lav"].to_numpy(float), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("case", list(CASES))
def test_fit_measures_agree_with_lavaan(case, results):
    ref = _reference(case)["fit_measures"]
    ours = results(case).fit_measures
    names = MLR_MEASURES if case.endswith("_mlr") else FIT_MEASURES
    for name in names:
        # p-values far below any decision threshold (1e-29) are compared absolutely
        atol = 1e-12 if name == "pvalue" else 0
        np.testing.assert_allclose(ours[name], ref[name], rtol=1e-3, atol=atol, err_msg=name)


@pytest.mark.parametrize("case", list(CASES))
def test_r2_agrees_with_lavaan(case, results):
    ref = pd.Series(_reference(case)["r2"], dtype=float)
    ours = results(case).r2
    assert set(ref.index) == set(ours.index)
    np.testing.assert_allclose(ours[ref.index].to_numpy(), ref.to_numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("case", ["telecom_missing_listwise", "telecom_missing_fiml"])
def test_sample_size_like_lavaan(case, results):
    assert results(case).n == _reference(case)["n"]
