"""Ordered items with missing answers (missing="pairwise") and with sampling weights, against
lavaan 0.6-14.

References: tests/reference/lavaan_ordinal_missing/make_reference.R -- psych's bfi (A1-A5,
C1-C5, its real missing answers: 168 of 2,800 respondents) in a two-factor CFA with
``missing = "pairwise"`` (WLSMV, ULSMV), with 3 rows blanked (lavaan drops empty cases), with
the default listwise deletion, and with the post-stratification weight of
../lavaan_weights (listwise and pairwise); a simulated 5-category telecom survey (23 items, 7
latents, paths) with 3 % missing answers, pairwise; the Wu & Estabrook ladder by gender with
``missing = "pairwise"``.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import DataQualityWarning, SurveyDataError
from csi_model.sem._ordinal_moments import ordinal_moments
from csi_model.sem.polychoric import polychoric
from csi_model.survey.missing import resolve_missing

HERE = Path(__file__).parent
REF_DIR = HERE / "reference" / "lavaan_ordinal_missing"
CASES = {"bfi_pairwise": dict(missing="pairwise"),
         "bfi_pairwise_ulsmv": dict(missing="pairwise", estimator="ULSMV"),
         "bfi_pairwise_empty": dict(missing="pairwise"),
         "telecom_pairwise": dict(missing="pairwise"),
         "bfi_listwise": dict(),
         "bfi_weighted": dict(weights="w"),
         "bfi_weighted_pairwise": dict(weights="w", missing="pairwise")}
FIT_MEASURES = ["npar", "chisq", "df", "pvalue", "chisq.scaled", "pvalue.scaled",
                "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled",
                "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
                "cfi.robust", "tli.robust", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
                "rmsea.scaled", "rmsea.robust", "srmr"]
STEPS = ["configural", "thresholds", "loadings", "intercepts"]


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF_DIR / "reference.json").read_text())


def _bfi():
    bfi = pd.read_csv(HERE / "data" / "bfi.csv")
    bfi["w"] = pd.read_csv(HERE / "reference" / "lavaan_weights" / "bfi_weights.csv")["w"]
    return bfi


def _data(case, r):
    if case.startswith("telecom"):
        return pd.read_csv(REF_DIR / "telecom5_missing.csv")
    cols = r["items"] + (["w"] if "weights" in CASES[case] else [])
    data = _bfi()[cols]
    if case == "bfi_pairwise_empty":
        data = data.copy()
        data.iloc[:3] = np.nan
    return data


@pytest.fixture(scope="module")
def fits(ref):
    out = {}
    for case, kw in CASES.items():
        r = ref[case]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[case] = cm.fit(cm.ModelSpec.from_syntax(r["model"]), _data(case, r),
                               ordered=True, **kw)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_estimates_and_robust_ses_agree_with_lavaan(ref, fits, case):
    res, r = fits[case], ref[case]
    m = res.estimates.merge(pd.DataFrame(r["estimates"]), on=["lhs", "op", "rhs"],
                            suffixes=("", "_lav"))
    assert len(m) == len(res.estimates)       # every row of ours is one of lavaan's
    assert res.converged and res.n == r["n"]
    assert res.missing == r["options"]["missing"]
    np.testing.assert_allclose(m["est"], m["est_lav"], rtol=0, atol=1e-5)
    se_lav = pd.to_numeric(m["se_lav"], errors="coerce").to_numpy()
    free = se_lav > 0
    np.testing.assert_allclose(m["se"].to_numpy()[free], se_lav[free], rtol=1e-4)
    np.testing.assert_allclose(m["std.all"], m["std.all_lav"], rtol=0, atol=1e-5)
    assert (m.loc[~free, "se"].fillna(0) == 0).all()


@pytest.mark.parametrize("case", list(CASES))
def test_scaled_test_and_fit_measures_agree_with_lavaan(ref, fits, case):
    fm, theirs = fits[case].fit_measures, ref[case]["fit"]
    assert fm["nobs"] == ref[case]["n"]
    for name in FIT_MEASURES:
        if theirs[name] == "NA":       # ULS: lavaan gives no p-value for the unscaled test
            assert np.isnan(fm[name]), name
            continue
        assert fm[name] == pytest.approx(theirs[name], rel=1e-5, abs=1e-8), name
    assert fm["chisq.shift.parameters"] == pytest.approx(ref[case]["shift"], rel=1e-5)


def _moments(case, r, bfi):
    items = r["items"]
    frame = bfi[items]
    w = None
    if case == "bfi_weighted":           # listwise, the weights rescaled to the rows used
        keep = frame.notna().all(axis=1).to_numpy()
        frame, w = frame[keep], bfi["w"].to_numpy()[keep]
        w = w / w.sum() * len(w)
    poly = polychoric(frame, missing="pairwise" if w is None else "listwise", weights=w)
    codes = np.column_stack([
        np.where(frame[c].isna(), -1,
                 np.searchsorted(poly.categories[c], frame[c].fillna(0).to_numpy(float)))
        for c in items])
    return ordinal_moments(poly, codes, w)


@pytest.mark.parametrize("case", ["bfi_pairwise", "bfi_weighted"])
def test_thresholds_polychorics_and_gamma_are_lavaans(ref, case):
    """wls.obs and NACOV (lavInspect 'gamma'): pairwise scores and weighted scores."""
    r = ref[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mom = _moments(case, r, _bfi())
    assert mom.n == r["n"]
    np.testing.assert_allclose(mom.statistics, r["wls_obs"], rtol=0, atol=1e-7)
    gamma = np.array(r["gamma"])
    np.testing.assert_allclose(mom.gamma, gamma, rtol=0, atol=1e-6 * np.abs(gamma).max())


def test_listwise_default_reports_the_dropped_respondents(ref, fits):
    res = fits["bfi_listwise"]
    dropped = 2800 - ref["bfi_listwise"]["n"]
    assert res.missing == "listwise" and res.n_total == 2800
    note = [w for w in res.warnings if w.startswith("Listwise deletion")]
    assert note and f"{dropped} of 2800 rows" in note[0] and "missing='pairwise'" in note[0]
    assert f"Listwise deletion: {dropped} of 2800" in res.summary().as_text()
    assert any(f"{dropped} of 2800" in w for w in res.to_dict()["warnings"])


def test_pairwise_outputs_say_what_was_done(fits):
    res = fits["bfi_pairwise"]
    text = res.summary().as_text()
    assert "missing = pairwise" in text and "2800 of 2800 respondents" in text
    assert any("168 of 2800 respondents with missing answers are kept" in w
               for w in res.warnings)
    empty = fits["bfi_pairwise_empty"]
    assert empty.n == 2797                       # lavaan: the 3 empty cases are ignored
    assert any(w.startswith("3 of 2800 rows answered none of the items") for w in empty.warnings)
    weighted = fits["bfi_weighted_pairwise"]
    assert any("Sampling weights from column 'w'" in w and "2800 respondents" in w
               for w in weighted.warnings)
    # the weights change the fit (the test above would pass for unweighted numbers otherwise)
    assert abs(weighted.fit_measures["chisq"] - res.fit_measures["chisq"]) > 10


def test_listwise_that_empties_a_category_is_said(ref):
    """telecom5_missing.csv listwise leaves IMAG1 without its category 1 (lavaan stops)."""
    data = pd.read_csv(REF_DIR / "telecom5_missing.csv")
    spec = cm.ModelSpec.from_syntax(ref["telecom_pairwise"]["model"])
    with pytest.warns(DataQualityWarning, match=r"categories of IMAG1 \(1\); QUAL5 \(1\)"):
        res = cm.fit(spec, data, ordered=True)
    assert res.n == 455
    assert any("fewer thresholds than categories" in w for w in res.warnings)


def test_inputs_are_not_modified(ref):
    r = ref["bfi_weighted_pairwise"]
    data = _data("bfi_weighted_pairwise", r)
    before = data.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cm.fit(cm.ModelSpec.from_syntax(r["model"]), data, ordered=True, weights="w",
               missing="pairwise")
    pd.testing.assert_frame_equal(data, before)


def test_bad_weights_and_missing_choices_are_refused(ref):
    r = ref["bfi_weighted"]
    spec = cm.ModelSpec.from_syntax(r["model"])
    data = _data("bfi_weighted", r).copy()
    data.loc[5, "w"] = -1.0
    with pytest.raises(SurveyDataError, match="negative weight"):
        cm.fit(spec, data, ordered=True, weights="w")
    with pytest.raises(ValueError, match="With ordered items there is no FIML"):
        cm.fit(spec, data, ordered=True, missing="ml")
    with pytest.raises(ValueError, match=r"must be one of \{'listwise', 'pairwise'\}"):
        cm.fit(spec, data, ordered=True, missing="mean")
    # pairwise is for ordered items only: continuous CB-SEM, PLS, measurement, compare
    cont = data.drop(columns="w").dropna()
    with pytest.raises(ValueError, match="offered for ordered items only"):
        cm.fit(spec, cont, missing="pairwise")
    tel = cm.simulate_survey("telecom", n=200, seed=1)
    with pytest.raises(ValueError, match="offered for ordered items only"):
        cm.fit_pls("telecom", tel, missing="pairwise")
    for kind in ("measurement", "analysis", "cbsem", "pls"):
        with pytest.raises(ValueError, match="Pairwise deletion is not offered here"):
            resolve_missing("pairwise", kind, "x")
    assert resolve_missing("PAIRWISE", "ordinal", "fit") == "pairwise"
    # a category answered only by respondents of weight 0 has no weighted share
    small = pd.DataFrame({"a": [1, 2, 3, 1, 2, 2, 1], "b": [1, 2, 2, 1, 3, 3, 1]})
    with pytest.raises(SurveyDataError, match=r"answers \[3.0\] to item 'a' come only from "
                                              "respondents with weight 0"):
        polychoric(small, weights=[1, 1, 0, 1, 1, 1, 1])


# ------------------------------------------------------------------ several groups
@pytest.fixture(scope="module")
def ladder(ref):
    r = ref["groups_pairwise"]
    data = _bfi()[r["items"] + ["gender"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cm.invariance(cm.ModelSpec.from_syntax(r["model"]), data, by="gender",
                             ordered=True, missing="pairwise")


@pytest.mark.parametrize("step", STEPS)
def test_groups_pairwise_agree_with_lavaan(ref, ladder, step):
    res, r = ladder.fits[step], ref["groups_pairwise"][step]
    assert r["options"]["missing"] == "pairwise"
    lav = pd.DataFrame(r["estimates"])
    lav["group"] = lav["group_label"].astype(str)
    m = res.estimates.merge(lav, on=["group", "lhs", "op", "rhs"], suffixes=("", "_lav"))
    assert len(m) == len(res.estimates) == len(lav)
    assert res.converged and list(res.n) == r["nobs"]
    # lavaan stops at its optimizer's tolerance (differences up to 1e-5)
    np.testing.assert_allclose(m["est"], m["est_lav"], rtol=1e-4, atol=2e-5)
    se_lav = pd.to_numeric(m["se_lav"], errors="coerce").to_numpy()
    free = se_lav > 0
    np.testing.assert_allclose(m["se"].to_numpy()[free], se_lav[free], rtol=1e-4)
    fm = res.fit_measures
    for name, value in r["fit"].items():
        if value == "NA":
            assert np.isnan(fm[name]), name
            continue
        assert fm[name] == pytest.approx(value, rel=1e-5, abs=1e-8), name
    assert fm["chisq.shift.parameters"] == pytest.approx(r["shift"], rel=1e-5)
    assert any("Pairwise deletion within groups" in w for w in res.warnings)


def test_groups_pairwise_difference_tests(ref, ladder):
    for step, lrt in ref["groups_pairwise"]["lrt"].items():
        assert "satorra.2000" in lrt["heading"]
        row = ladder.ladder.loc[step]
        assert row["chisq.diff"] == pytest.approx(lrt["chisq_diff"], rel=1e-5)
        assert row["df.diff"] == lrt["df_diff"]
        assert row["pvalue.diff"] == pytest.approx(lrt["pvalue"], rel=1e-4)


def test_groups_refuse_other_missing_methods(ref):
    r = ref["groups_pairwise"]
    spec = cm.ModelSpec.from_syntax(r["model"])
    data = _bfi()[r["items"] + ["gender"]]
    with pytest.raises(ValueError, match="With ordered items there is no FIML"):
        cm.fit_multigroup(spec, data, by="gender", ordered=True, missing="fiml")
    with pytest.raises(ValueError, match="offered for ordered items only"):
        cm.fit_multigroup(spec, data.dropna(), by="gender", missing="pairwise")


def test_compare_with_ordered_items_and_ml_uses_the_pairwise_ladder(ref, ladder):
    r = ref["groups_pairwise"]
    spec = cm.ModelSpec.from_syntax(r["model"] + "\nconsc ~ agree")
    data = _bfi()[r["items"] + ["gender"]].copy()
    # the index needs positive outer weights: reverse the reverse-keyed items (7 - x), which
    # leaves every chi-square and fit measure of the ladder as it is
    data[["A1", "C4", "C5"]] = 7 - data[["A1", "C4", "C5"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.compare(spec, data, by="gender", bootstrap=10, n_permutations=10,
                         scale=(1, 6), ordered=True, missing="ml", seed=1)
    cols = ["chisq", "df", "chisq.scaled", "cfi.scaled", "rmsea.scaled", "chisq.diff"]
    np.testing.assert_allclose(res.invariance.ladder[cols].to_numpy(dtype=float),
                               ladder.ladder[cols].to_numpy(dtype=float), rtol=1e-6)
    assert res.invariance.ladder.loc["configural", "chisq"] == pytest.approx(
        r["configural"]["fit"]["chisq"], rel=1e-6)
    assert any("ladder uses pairwise deletion" in w for w in res.warnings)
