"""Sampling weights in multi-group CB-SEM: fit_multigroup / invariance / compare with
weights= against lavaan 0.6-14's group= with sampling.weights= (MLR: Huber-White SEs, the
Yuan-Bentler Mplus scaled test, lavTestLRT's Satorra-Bentler 2001 scaled differences), and
the refusals of what is not matched.

References: tests/reference/lavaan_weights_groups/make_reference.R (reference.json; the
weighted HolzingerSwineford1939 in hs_weighted.csv); tests/data/telecom_weighted.csv.
"""
import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from _lavaan_compare import WEIGHTED_GROUP_MEASURES as MEASURES
from _lavaan_compare import WEIGHTED_GROUP_STEPS as STEPS
from csi_model.exceptions import CSIModelError, SurveyDataError

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_weights_groups"
R = json.loads((REF / "reference.json").read_text())
HS_MODEL = HERE / "reference" / "lavaan" / "holzinger.lav"
TEL_MODEL = HERE / "reference" / "lavaan" / "telecom.lav"


def _hs():
    return pd.read_csv(REF / "hs_weighted.csv").drop(columns=["sex", "grade", "ageyr"])


def _telecom():
    tel = pd.read_csv(HERE / "data" / "telecom_weighted.csv")
    tel["op"] = np.where(np.arange(len(tel)) % 2 == 0, "A", "B")      # as make_reference.R
    return tel


CASES = {"holzinger": (HS_MODEL, _hs, "school"), "telecom": (TEL_MODEL, _telecom, "op")}


def _quiet(f, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **kw)


def _check_fit(res, ref):
    groups = {g: i + 1 for i, g in enumerate(res.groups)}
    assert list(res.groups) == list(ref["groups"])
    assert list(res.n) == list(ref["nobs"])
    e = res.estimates[res.estimates.op != ":="].assign(gnum=lambda d: d.group.map(groups))
    r = pd.DataFrame(ref["estimates"])
    m = e.merge(r, left_on=["lhs", "op", "rhs", "gnum"], right_on=["lhs", "op", "rhs", "group"],
                suffixes=("", "_r"))
    assert len(m) == len(r) == len(e)
    np.testing.assert_allclose(m["est"], m["est_r"], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(m["se"], m["se_r"], rtol=1e-2, atol=1e-6)
    for k in MEASURES:
        tol = dict(rtol=1e-3, atol=1e-9) if k == "srmr" else dict(rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(res.fit_measures[k], ref["fit"][k], err_msg=k, **tol)


@pytest.mark.parametrize("case, step", [("holzinger", s) for s in STEPS]
                         + [("telecom", s) for s in list(STEPS)[:3]])
def test_weighted_multigroup_fit_matches_lavaan(case, step):
    model, data, by = CASES[case]
    res = _quiet(cm.fit_multigroup, model, data(), by=by, equal=STEPS[step], weights="w")
    _check_fit(res, R[case]["fits"][step])
    assert res.weights == "w"
    note = next(w for w in res.warnings if "Sampling weights from column 'w'" in w)
    # lavaan's "total" normalization: a group's N is the sum of its weights
    for g, n_w in zip(res.groups, R[case]["fits"][step]["weighted_nobs"]):
        assert f"{g}: {n_w:.1f}" in note


def test_ml_and_mlr_are_the_same_with_weights():
    ref = R["holzinger_configural_ML"]
    a = _quiet(cm.fit_multigroup, HS_MODEL, _hs(), by="school", weights="w")
    b = _quiet(cm.fit_multigroup, HS_MODEL, _hs(), by="school", weights="w", estimator="MLR")
    _check_fit(a, ref)
    pd.testing.assert_series_equal(a.fit_measures, b.fit_measures)
    # the weights change the fit: lavaan's unweighted MLR fit differs
    plain = R["holzinger_unweighted_MLR"]["fit"]
    assert abs(a.fit_measures["chisq"] - plain["chisq"]) > 1.0
    unweighted = _quiet(cm.fit_multigroup, HS_MODEL, _hs(), by="school")
    np.testing.assert_allclose(unweighted.fit_measures["chisq"], plain["chisq"], rtol=1e-6)


@pytest.mark.parametrize("case", list(CASES))
def test_weighted_ladder_scaled_differences_match_lavtestlrt(case):
    model, data, by = CASES[case]
    steps = list(STEPS) if case == "holzinger" else list(STEPS)[:3]
    inv = _quiet(cm.invariance, model, data(), by=by, steps=steps, weights="w",
                 suggest=False)
    for lrt in R[case]["lrt"]:
        row = inv.ladder.loc[lrt["to"]]
        np.testing.assert_allclose(row["chisq.diff"], lrt["chisq_diff"], rtol=1e-4)
        assert row["df.diff"] == lrt["df_diff"]
        np.testing.assert_allclose(row["pvalue.diff"], lrt["pvalue"], rtol=1e-3, atol=1e-10)
        fits = R[case]["fits"]
        np.testing.assert_allclose(
            row["cfi.diff"], fits[lrt["to"]]["fit"]["cfi.robust"]
            - fits[lrt["from"]]["fit"]["cfi.robust"], atol=1e-6)
    for s in steps:
        np.testing.assert_allclose(inv.ladder.loc[s, "chisq.scaled"],
                                   R[case]["fits"][s]["fit"]["chisq.scaled"], rtol=1e-4)
    # the scaled difference is not the plain one
    plain = inv.ladder.loc["metric", "chisq"] - inv.ladder.loc["configural", "chisq"]
    assert abs(inv.ladder.loc["metric", "chisq.diff"] - plain) > 1e-3
    text = inv.summary().as_text()
    assert "Satorra & Bentler 2001" in text and "robust CFI" in text


def test_weighted_release_tests_use_the_scaled_difference():
    inv = _quiet(cm.invariance, HS_MODEL, _hs(), by="school", weights="w")
    assert inv.ladder.loc["scalar", "lrt.rejects"]
    sug = inv.suggestions
    assert set(sug.step) == {"scalar"} and len(sug) == 9
    # the top candidate's entry is the SB2001 difference of the refit with it freed
    from csi_model.sem._wgroups import sb2001_difference
    freed = _quiet(cm.fit_multigroup, HS_MODEL, _hs(), by="school",
                   equal=STEPS["scalar"], partial=[sug.parameter[0]], weights="w")
    d = sb2001_difference(freed, inv.fits["scalar"])
    np.testing.assert_allclose(sug["chisq.diff"][0], d["chisq.diff"], rtol=1e-6)


def test_weights_with_the_group_column_or_zero_group_are_refused():
    hs = _hs()
    with pytest.raises(SurveyDataError, match="also the grouping column"):
        cm.fit_multigroup(HS_MODEL, hs.assign(w=hs.school), by="school", weights="school")
    with pytest.raises(SurveyDataError, match="weight column 'x1' is also an item"):
        cm.fit_multigroup(HS_MODEL, hs, by="school", weights="x1")
    zero = hs.assign(w=np.where(hs.school == "Pasteur", 0.0, hs.w))
    with pytest.raises(SurveyDataError, match="every weight in group school = Pasteur is zero"):
        cm.fit_multigroup(HS_MODEL, zero, by="school", weights="w")
    bad = hs.assign(w=np.where(np.arange(len(hs)) == 4, -1.0, hs.w))
    with pytest.raises(SurveyDataError, match=r"1 negative weight\(s\), in rows 4"):
        cm.invariance(HS_MODEL, bad, by="school", weights="w")


def test_weighted_fit_gives_modification_indices_and_score_tests():
    # against lavaan's modindices() / lavTestScore(): tests/test_weights_groups_mi.py
    res = _quiet(cm.fit_multigroup, HS_MODEL, _hs(), by="school", equal=["loadings"],
                 weights="w")
    assert len(res.modification_indices()) and len(res.equality_score_tests()[0])
    text = res.summary().as_text()
    assert "Sampling weights" in text and "Scaled chi-square" in text


@pytest.mark.parametrize("step", ["configural", "metric"])
def test_observed_predictor_with_fixed_x_matches_lavaan(step):
    hs = pd.read_csv(REF / "hs_weighted.csv").drop(columns=["sex", "grade"])
    spec = cm.ModelSpec.from_syntax("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n"
                                    "textual ~ visual + ageyr")
    res = _quiet(cm.fit_multigroup, spec, hs, by="school", equal=STEPS[step], weights="w")
    _check_fit(res, R["holzinger_fixedx"]["fits"][step])
    if step == "metric":
        inv = _quiet(cm.invariance, spec, hs, by="school", steps=["configural", "metric"],
                     weights="w", suggest=False)
        lrt = R["holzinger_fixedx"]["lrt"][0]
        np.testing.assert_allclose(inv.ladder.loc["metric", "chisq.diff"], lrt["chisq_diff"],
                                   rtol=1e-4)


def test_observed_predictor_with_fixed_x_false_matches_lavaan():
    hs = pd.read_csv(REF / "hs_weighted.csv").drop(columns=["sex", "grade"])
    spec = cm.ModelSpec.from_syntax("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\n"
                                    "textual ~ visual + ageyr").with_defaults(fixed_x=False)
    res = _quiet(cm.fit_multigroup, spec, hs, by="school", weights="w")
    _check_fit(res, R["holzinger_randomx"])


def test_compare_runs_the_weighted_ladder():
    tel = _telecom()
    res = _quiet(cm.compare, TEL_MODEL, tel, by="op", weights="w", bootstrap=20,
                 scale=(1, 10), invariance_steps=("configural", "metric"))
    lrt = R["telecom"]["lrt"][0]
    np.testing.assert_allclose(res.invariance.ladder.loc["metric", "chisq.diff"],
                               lrt["chisq_diff"], rtol=1e-4)
    assert len(res.cbsem_paths) and len(res.pls_paths)      # PLS-MGA weighted too
    # the path tests use the robust covariance of the weighted metric fit
    metric = res.invariance.fits["metric"]
    assert metric.weights == "w"
    np.testing.assert_allclose(res.cbsem_paths["se.diff"].iloc[0],
                               cm.path_differences(metric)["se.diff"].iloc[0], rtol=1e-12)
    assert any("PLS-MGA permutation tests and MICOM are weighted" in w for w in res.warnings)
    assert any("Satorra-Bentler (2001)" in w for w in res.warnings)
    text = res.summary().as_text()
    assert "robust CFI/RMSEA, Satorra-Bentler (2001)" in text and "cfi.robust" in text
    # missing='ml' with weights: weighted EM for PLS (fit_pls) and weighted FIML for the ladder
    ml = _quiet(cm.compare, TEL_MODEL, tel, by="op", weights="w", bootstrap=20,
                scale=(1, 10), missing="ml", invariance_steps=("configural",))
    assert ml.invariance.fits["configural"].weights == "w"
    assert ml.invariance.fits["configural"].missing == "fiml"


def test_weighted_path_wald_test_matches_lavtestwald():
    ref = R["telecom_wald_sat_qual"]
    mg = _quiet(cm.fit_multigroup, TEL_MODEL, _telecom(), by="op", equal=["loadings"],
                weights="w")
    row = cm.path_differences(mg).query("lhs == 'SAT' and rhs == 'QUAL'").iloc[0]
    np.testing.assert_allclose([row["est.A"], row["est.B"]], ref["est"], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(row["wald"], ref["wald"], rtol=0, atol=1e-4)
    np.testing.assert_allclose(row["pvalue"], ref["pvalue"], rtol=0, atol=1e-3)
    se = mg.estimates.query("lhs == 'SAT' and op == '~' and rhs == 'QUAL'")["se"]
    np.testing.assert_allclose(se, ref["se"], rtol=1e-2)


def test_cli_compare_with_weights(tmp_path):
    from csi_model.cli import main
    tel = _telecom()
    path = tmp_path / "tel.csv"
    tel.to_csv(path, index=False)
    out = tmp_path / "cmp.json"
    assert main(["compare", str(path), "--model", str(TEL_MODEL), "--by", "op", "--weights",
                 "w", "--bootstrap", "20", "--permutations", "10", "--scale", "1,10",
                 "--json", str(out), "-q"]) == 0
    payload = json.loads(out.read_text())
    rows = {r["step"]: r for r in payload["invariance"]} if isinstance(
        payload["invariance"], list) else None
    assert rows is not None, payload["invariance"]
    np.testing.assert_allclose(rows["metric"]["chisq.diff"], R["telecom"]["lrt"][0]["chisq_diff"],
                               rtol=1e-4)


def test_weights_with_equality_constraints_across_groups_are_refused():
    d = cm.simulate_survey("telecom", n=400, seed=1)
    d["op"] = ["A", "B"] * 200
    d["w"] = np.linspace(0.5, 1.5, 400)
    spec = cm.ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 + QUAL3\nSAT =~ SAT1 + SAT2 + SAT3\n"
                                    "SAT ~ c(b1, b2)*QUAL\nb1 == b2")
    with pytest.raises(CSIModelError, match="line 4: 'b1 == b2'.*shared label"):
        cm.fit_multigroup(spec, d, by="op", weights="w")


def test_an_undefined_scaled_difference_is_said_not_left_blank():
    from csi_model.sem._wgroups import sb2001_difference
    inv = _quiet(cm.invariance, HS_MODEL, _hs(), by="school", weights="w",
                 steps=("configural", "metric"), suggest=False)
    conf, metric = inv.fits["configural"], inv.fits["metric"]
    # a scaling factor that makes cd negative: the difference is undefined, as in lavaan
    fake = dataclasses.replace(metric, fit_measures=metric.fit_measures.copy())
    fake.fit_measures["chisq.scaling.factor"] = 0.01
    assert np.isnan(sb2001_difference(conf, fake)["chisq.diff"])
    ladder = inv.ladder.copy()
    ladder.loc["metric", "chisq.diff"] = np.nan
    text = str(dataclasses.replace(inv, ladder=ladder).summary())
    assert "scaled difference of 'metric' against 'configural' is undefined" in text
    assert "is undefined" not in str(inv.summary())
