"""Ordinal CB-SEM (fit(..., ordered=True): WLSMV, DWLS, ULSMV) against lavaan 0.6-14.

References: tests/reference/lavaan_ordinal/make_reference.R -- psych's bfi items (6 categories,
listwise: 2,632 of 2,800) in a one- and a two-factor CFA (WLSMV, ULSMV), and the telecom model
without its single-item block on a simulated survey recoded to 5 categories (n = 1,000).
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import EstimationError, ModelSpecError
from csi_model.sem._ordinal_moments import ordinal_moments

REF_DIR = Path(__file__).parent / "reference" / "lavaan_ordinal"
CASES = {"bfi_two": "WLSMV", "bfi_one": "WLSMV", "bfi_ulsmv": "ULSMV", "telecom5": "WLSMV"}
FIT_MEASURES = ["chisq", "df", "pvalue", "chisq.scaled", "pvalue.scaled", "chisq.scaling.factor",
                "baseline.chisq", "baseline.chisq.scaled", "cfi", "tli", "cfi.scaled",
                "tli.scaled", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.scaled", "srmr",
                "npar", "cfi.robust", "tli.robust", "rmsea.robust"]


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF_DIR / "wlsmv.json").read_text())


def _data(case):
    if case == "telecom5":
        return pd.read_csv(REF_DIR / "telecom5.csv")
    return pd.read_csv(REF_DIR.parent / "polychoric" / "bfi_items.csv")


@pytest.fixture(scope="module")
def fits(ref):
    out = {}
    for case, estimator in CASES.items():
        spec = cm.ModelSpec.from_syntax(ref[case]["model"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[case] = cm.fit(spec, _data(case)[ref[case]["items"]], ordered=True,
                               estimator=estimator)
    return out


def _merged(res, rows):
    theirs = pd.DataFrame(rows)
    m = res.estimates.merge(theirs, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    return m


@pytest.mark.parametrize("case", list(CASES))
def test_estimates_and_robust_ses_agree_with_lavaan(ref, fits, case):
    res, r = fits[case], ref[case]
    m = _merged(res, r["estimates"])
    assert len(m) == len(res.estimates)       # every row of ours is one of lavaan's
    assert res.converged and res.n == r["n"]
    np.testing.assert_allclose(m["est"], m["est_lav"], rtol=0, atol=1e-5)
    se_lav = pd.to_numeric(m["se_lav"], errors="coerce").to_numpy()
    free = se_lav > 0
    np.testing.assert_allclose(m["se"].to_numpy()[free], se_lav[free], rtol=1e-4)
    np.testing.assert_allclose(m["std.all"], m["std.all_lav"], rtol=0, atol=1e-5)
    assert (m.loc[~free, "se"].fillna(0) == 0).all()   # fixed and computed rows: SE 0, as lavaan


@pytest.mark.parametrize("case", list(CASES))
def test_fit_measures_agree_with_lavaan(ref, fits, case):
    fm, theirs = fits[case].fit_measures, ref[case]["fit"]
    for name in FIT_MEASURES:
        if theirs.get(name) == "NA":
            assert np.isnan(fm[name]), name
            continue
        assert fm[name] == pytest.approx(theirs[name], rel=1e-5, abs=1e-8), name
    assert fm["chisq.shift.parameters"] == pytest.approx(ref[case]["shift"], rel=1e-5)


def test_standardized_solution_ses_and_r2(ref, fits):
    res, r = fits["telecom5"], ref["telecom5"]
    theirs = pd.DataFrame(r["std_se"])
    m = res.standardized.merge(theirs, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    se_lav = pd.to_numeric(m["se_lav"], errors="coerce").to_numpy()
    ok = np.isfinite(se_lav) & (se_lav > 0)
    np.testing.assert_allclose(m["est.std"], m["est.std_lav"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(m["se"].to_numpy()[ok], se_lav[ok], rtol=1e-3)
    for name, value in r["r2"].items():
        assert res.r2[name] == pytest.approx(value, abs=1e-5)


def test_gamma_and_weights_agree_with_lavaan(ref):
    r = ref["bfi_two"]
    data = _data("bfi_two")[r["items"]].dropna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poly = cm.polychoric(data)
    codes = np.column_stack([np.searchsorted(poly.categories[c], data[c]) for c in data])
    mom = ordinal_moments(poly, codes)
    np.testing.assert_allclose(mom.statistics, r["wls_obs"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(mom.gamma, np.array(r["gamma"]), rtol=0, atol=1e-6)
    np.testing.assert_allclose(1 / np.diag(mom.gamma), r["wls_v"], rtol=1e-6)


def test_outputs_show_thresholds_and_the_scaled_test(fits):
    res = fits["bfi_two"]
    text = res.summary().as_text()
    assert "Thresholds" in text and "A1" in text and "WLSMV" in text and "scaled CFI" in text
    assert "Listwise deletion: 168 of 2800" in text
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert any(row["op"] == "|" for row in d["estimates"])
    assert d["estimator"] == "WLSMV"
    eff = cm.effects(fits["telecom5"])
    sat = eff[(eff["from"] == "QUAL") & (eff["to"] == "SAT") & (eff["effect"] == "direct")]
    path = fits["telecom5"].paths.query("lhs == 'SAT' and rhs == 'QUAL'")
    assert sat["est"].iloc[0] == pytest.approx(path["est"].iloc[0])
    assert sat["se"].iloc[0] == pytest.approx(path["se"].iloc[0], rel=1e-6)


def test_what_is_not_supported_is_refused_clearly():
    spec = cm.load_model("telecom")
    data = pd.read_csv(REF_DIR / "telecom5.csv")
    with pytest.raises(ModelSpecError, match="Latents measured by a single ordered item.*leave out ordered="):
        cm.fit(spec, data, ordered=True)
    two = cm.ModelSpec.from_syntax("f =~ IMAG1 + IMAG2 + IMAG3")
    with pytest.raises(ModelSpecError, match="Ordinal and continuous items together.*"
                                             "missing='pairwise'"):
        cm.fit(two, data, ordered=["IMAG1"], missing="pairwise")
    with pytest.raises(EstimationError, match="bootstrap with ordered items"):
        cm.fit(two, data, ordered=True, bootstrap=10, seed=1)
    with pytest.raises(ValueError, match="With ordered items there is no FIML"):
        cm.fit(two, data, ordered=True, missing="fiml")
    with pytest.raises(ValueError, match="is for ordered items"):
        cm.fit(two, data, estimator="WLSMV")
    with pytest.raises(ValueError, match="estimator"):
        cm.fit(two, data, ordered=True, estimator="MLR")
