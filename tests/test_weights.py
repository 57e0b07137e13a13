"""Survey sampling weights: fit(weights=) against lavaan 0.6-14's sampling.weights, weighted
PLS against the fit on replicated rows, and the errors for bad weights.

References: tests/reference/lavaan_weights/make_reference.R (reference.json; the
post-stratification weight of psych's bfi in bfi_weights.csv); tests/data/telecom_weighted.csv.
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import EstimationError, SurveyDataError

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_weights"
R = json.loads((REF / "reference.json").read_text())["fits"]
FIVE = """Agree =~ A1 + A2 + A3 + A4 + A5
Consc =~ C1 + C2 + C3 + C4 + C5
Extra =~ E1 + E2 + E3 + E4 + E5
Neuro =~ N1 + N2 + N3 + N4 + N5
Open  =~ O1 + O2 + O3 + O4 + O5"""
MEASURES = ["npar", "chisq", "df", "pvalue", "chisq.scaled", "pvalue.scaled",
            "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled",
            "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
            "cfi.robust", "tli.robust", "rmsea", "rmsea.scaled", "rmsea.robust", "srmr", "logl",
            "unrestricted.logl", "aic", "bic"]


def _bfi():
    bfi = pd.read_csv(HERE / "data" / "bfi.csv")
    bfi["w"] = pd.read_csv(REF / "bfi_weights.csv")["w"]
    return bfi


def _telecom():
    return pd.read_csv(HERE / "data" / "telecom_weighted.csv")


def _fit(spec, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cm.fit(spec, data, **kw)


CASES = {  # key: (model, data, estimator, rtol of the estimates)
    # lavaan's nlminb stops ~3e-5 (relative) short of the optimum of the 5-factor bfi model,
    # weighted or not (its chi-square agrees to 1e-7): estimates to 1e-4 there
    "bfi_ML": (lambda: cm.ModelSpec.from_syntax(FIVE), _bfi, "ML", 1e-4),
    "bfi_MLR": (lambda: cm.ModelSpec.from_syntax(FIVE), _bfi, "MLR", 1e-4),
    "telecom_ML": (lambda: HERE / "reference" / "lavaan" / "telecom.lav", _telecom, "ML", 1e-5),
    "telecom_MLR": (lambda: HERE / "reference" / "lavaan" / "telecom.lav", _telecom, "MLR", 1e-5),
}


@pytest.mark.parametrize("key", list(CASES))
def test_weighted_fit_matches_lavaan(key):
    spec, data, estimator, rtol = CASES[key]
    res = _fit(spec(), data(), estimator=estimator, weights="w")
    ref = pd.DataFrame(R[key]["estimates"])
    m = res.estimates.merge(ref, on=["lhs", "op", "rhs"], suffixes=("", "_r"))
    assert len(m) == len(ref) == len(res.estimates)
    np.testing.assert_allclose(m["est"], m["est_r"], rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(m["se"], m["se_r"], rtol=1e-4, atol=1e-7)
    assert res.n == R[key]["nobs"]
    for k in MEASURES:
        np.testing.assert_allclose(res.fit_measures[k], R[key]["fit"][k], rtol=1e-4, err_msg=k)
    assert any("Sampling weights from column 'w'" in w for w in res.warnings)


def test_weights_change_the_fit_and_are_not_a_model_variable():
    bfi = _bfi()
    before = bfi.copy()
    weighted = _fit(cm.ModelSpec.from_syntax(FIVE), bfi, weights="w")
    plain = _fit(cm.ModelSpec.from_syntax(FIVE), bfi, estimator="MLR")
    pd.testing.assert_frame_equal(bfi, before)               # the caller's frame untouched
    ref = R["bfi_unweighted_MLR"]["fit"]
    np.testing.assert_allclose(plain.fit_measures["chisq.scaled"], ref["chisq.scaled"], rtol=1e-4)
    assert abs(weighted.fit_measures["chisq"] - plain.fit_measures["chisq"]) > 100
    assert "w" not in weighted.implied_cov.columns
    with pytest.raises(SurveyDataError, match="weight column 'A1' is also an item"):
        cm.fit(cm.ModelSpec.from_syntax(FIVE), bfi, weights="A1")


def test_integer_weights_equal_replicated_rows_for_the_estimates():
    tel = _telecom().head(300).copy()
    tel["k"] = np.arange(300) % 3 + 1
    rep = tel.loc[tel.index.repeat(tel["k"])].reset_index(drop=True)
    spec = HERE / "reference" / "lavaan" / "telecom.lav"
    a = _fit(spec, tel, weights="k")
    b = _fit(spec, rep.drop(columns="k"))
    np.testing.assert_allclose(a.estimates["est"], b.estimates["est"], rtol=1e-8, atol=1e-10)
    # the weights are rescaled to sum to the 300 rows: chi-square scales with N
    np.testing.assert_allclose(a.fit_measures["chisq"] * len(rep) / 300, b.fit_measures["chisq"],
                               rtol=1e-8)


@pytest.mark.parametrize("values, match", [
    ([1.0, -2.0, 1.0, 1.0, -1.0, 1.0], r"2 negative weight\(s\), in rows 1, 4"),
    ([1.0, np.nan, 1.0, 1.0, 1.0, 1.0], r"1 missing weight\(s\), in rows 1"),
    ([0.0] * 6, "every weight of the 6 rows used is zero"),
    (["1", "x", "1", "2", "1", "1"], r"non-numeric weights \('x'\) in rows 1"),
    ([1.0, np.inf, 1.0, 1.0, 1.0, 1.0], r"1 infinite weight"),
])
def test_bad_weights_are_refused_naming_rows(values, match):
    df = pd.DataFrame({"x": [1, 2, 3, 4, 5, 6], "y": [2, 1, 4, 3, 6, 5], "w": values})
    s = cm.read_survey(df, items=["x", "y"])
    with pytest.raises(SurveyDataError, match=match) as exc:
        cm.survey.weights.survey_weights(s, "w")
    assert "column 'w'" in str(exc.value)


def test_bad_weights_in_a_file_name_spreadsheet_rows(tmp_path):
    tel = _telecom().head(50).copy()
    tel.loc[[3, 7], "w"] = -1.0
    path = tmp_path / "survey.csv"
    tel.to_csv(path, index=False)
    with pytest.raises(SurveyDataError, match=r"survey.csv, weight column 'w': 2 negative "
                                              r"weight\(s\), in rows 5, 9"):
        cm.fit(HERE / "reference" / "lavaan" / "telecom.lav", path, weights="w")
    with pytest.raises(SurveyDataError, match="the weight column 'wt' is not in the data"):
        cm.fit(HERE / "reference" / "lavaan" / "telecom.lav", path, weights="wt")


@pytest.mark.parametrize("kw, match", [
    (dict(missing="fiml"), "missing='fiml'"),
    (dict(ordered=True), "ordered items"),
    (dict(bootstrap=10, seed=1), "bootstrap"),
])
def test_weights_refused_where_not_available(kw, match):
    with pytest.raises(EstimationError, match=match):
        cm.fit(HERE / "reference" / "lavaan" / "telecom.lav", _telecom(), weights="w", **kw)
