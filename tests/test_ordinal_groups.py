"""Multi-group ordinal CB-SEM and the Wu & Estabrook (2016) invariance ladder against lavaan 0.6-14.

References: tests/reference/lavaan_ordinal_groups/make_reference.R -- semTools' measEq.syntax
(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016") fitted by lavaan's cfa(..., estimator =
"WLSMV"), steps configural / thresholds / loadings / intercepts, lavTestLRT between them:
psych's bfi (A1-A5, C1-C5, 6 categories) by gender (867 / 1,765), and a simulated 5-category
telecom survey by operator (3 x 400; category 1 collapsed into 2). Also ':=' defined parameters
with ordered items and the robust CFI/RMSEA of a one-group fit.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import ModelSpecError, SurveyDataError
from csi_model.sem.ordinal_groups import ORDINAL_STEPS, difference_test

REF_DIR = Path(__file__).parent / "reference" / "lavaan_ordinal_groups"
STEPS = list(ORDINAL_STEPS)


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF_DIR / "ordinal_groups.json").read_text())


def _data(case):
    if case == "bfi":
        return pd.read_csv(REF_DIR / "bfi_gender.csv")
    data = pd.read_csv(REF_DIR / "telecom5_operators.csv")
    items = [c for c in data.columns if c != "operator"]
    data[items] = data[items].clip(lower=2)      # category 1 (0-5 answers) merged into 2
    return data


@pytest.fixture(scope="module")
def ladders(ref):
    out = {}
    for case in ("bfi", "telecom"):
        r = ref[case]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[case] = cm.invariance(cm.ModelSpec.from_syntax(r["model"]), _data(case),
                                      by=r["group"], ordered=True)
    return out


def _merged(res, rows):
    lav = pd.DataFrame(rows)
    lav["group"] = lav["group_label"].astype(str)
    return res.estimates.merge(lav, on=["group", "lhs", "op", "rhs"], suffixes=("", "_lav"))


@pytest.mark.parametrize("case", ["bfi", "telecom"])
@pytest.mark.parametrize("step", STEPS)
def test_estimates_and_robust_ses_agree_with_lavaan(ref, ladders, case, step):
    res, r = ladders[case].fits[step], ref[case][step]
    m = _merged(res, r["estimates"])
    assert len(m) == len(res.estimates) == len(r["estimates"]["lhs"])
    assert res.converged and list(res.n) == r["nobs"]
    # lavaan stops at its optimizer's tolerance (differences up to 1e-5)
    np.testing.assert_allclose(m["est"], m["est_lav"], rtol=1e-4, atol=2e-5)
    free = m["se_lav"].to_numpy() > 0
    np.testing.assert_allclose(m["se"].to_numpy()[free], m["se_lav"].to_numpy()[free], rtol=1e-4)
    assert (m.loc[~free, "se"] == 0).all()          # fixed and computed rows: SE 0, as lavaan


@pytest.mark.parametrize("case", ["bfi", "telecom"])
@pytest.mark.parametrize("step", STEPS)
def test_fit_measures_agree_with_lavaan(ref, ladders, case, step):
    fm, r = ladders[case].fits[step].fit_measures, ref[case][step]
    for name, value in r["fit"].items():
        if value == "NA":            # lavaan 0.6-14: robust indices NA with equal thresholds
            assert np.isnan(fm[name]), name
            continue
        assert fm[name] == pytest.approx(value, rel=1e-5, abs=1e-8), name
    assert fm["chisq.shift.parameters"] == pytest.approx(r["shift"], rel=1e-5)
    if step != "configural":
        assert any("lavaan 0.6-14 reports NA" in w for w in ladders[case].fits[step].warnings)


@pytest.mark.parametrize("case", ["bfi", "telecom"])
def test_difference_tests_are_lavTestLRT(ref, ladders, case):
    ladder = ladders[case].ladder
    for step, lrt in ref[case]["lrt"].items():
        assert "satorra.2000" in lrt["heading"]
        assert ladder.loc[step, "chisq.diff"] == pytest.approx(lrt["chisq_diff"], rel=1e-5)
        assert ladder.loc[step, "df.diff"] == lrt["df_diff"]
        assert ladder.loc[step, "pvalue.diff"] == pytest.approx(lrt["pvalue"], rel=1e-4)
        assert ladder.loc[step, "chisq"] == pytest.approx(lrt["chisq"][1], rel=1e-6)
    # the simulated threshold shift of SAT1 in operator C and the intercept step
    if case == "telecom":
        assert ladder.loc["intercepts", "lrt.rejects"]
        assert not ladder.loc["thresholds", "lrt.rejects"]


def test_public_entry_points_and_outputs(ref, ladders):
    r = ref["telecom"]
    spec = cm.ModelSpec.from_syntax(r["model"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = cm.fit_multigroup(spec, _data("telecom"), by="operator", ordered=True,
                                equal=["thresholds", "loadings"])
    same = ladders["telecom"].fits["loadings"]
    np.testing.assert_allclose(one.estimates["est"], same.estimates["est"], atol=1e-6)
    assert one.groups == ("A", "B", "C") and one.equal == ("thresholds", "loadings")
    fit_text = one.summary().as_text()
    assert "ordered items" in fit_text and "not available (lavaan 0.6-14: NA)" in fit_text
    assert "Loadings" in fit_text and "C" in fit_text
    text = ladders["telecom"].summary().as_text()
    assert "ordered items" in text and "Wu & Estabrook" in text and "thresholds" in text
    with pytest.raises(ValueError, match="less restricted fit first"):
        difference_test(same, ladders["telecom"].fits["configural"])


def test_what_is_not_supported_is_refused_clearly(ref):
    data = _data("telecom")
    spec = cm.ModelSpec.from_syntax(ref["telecom"]["model"])
    with pytest.raises(ValueError, match="Wu & Estabrook"):
        cm.fit_multigroup(spec, data, by="operator", ordered=True, equal=["loadings"])
    with pytest.raises(ValueError, match="WLSMV"):
        cm.fit_multigroup(spec, data, by="operator", ordered=True, estimator="ULSMV")
    with pytest.raises(ValueError, match="partial"):
        cm.invariance(spec, data, by="operator", ordered=True, partial=["QUAL=~QUAL1"])
    paths = cm.ModelSpec.from_syntax(ref["telecom"]["model"] + "\nLOY ~ SAT")
    with pytest.raises(ModelSpecError, match="measurement model"):
        cm.invariance(paths, data, by="operator", ordered=True)
    cov = cm.ModelSpec.from_syntax(ref["telecom"]["model"] + "\nQUAL1 ~~ QUAL2")
    with pytest.raises(ModelSpecError, match="only '=~' lines"):
        cm.fit_multigroup(cov, data, by="operator", ordered=True)
    raw = pd.read_csv(REF_DIR / "telecom5_operators.csv")     # category 1 empty in a group
    with pytest.raises(SurveyDataError, match="Collapse the empty category"):
        cm.fit_multigroup(spec, raw, by="operator", ordered=True)
    binary = data.assign(**{c: (data[c] > 3).astype(int) for c in ["QUAL1", "QUAL2"]})
    with pytest.raises(SurveyDataError, match="fewer than 3 categories"):
        cm.fit_multigroup(spec, binary, by="operator", ordered=True)
    with pytest.raises(ValueError, match="'ML' for continuous"):
        cm.fit_multigroup(spec, data, by="operator", estimator="WLSMV")


def test_defined_parameters_with_ordered_items(ref):
    r = ref["defined"]
    data = _data("bfi")[r["items"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.fit(cm.ModelSpec.from_syntax(r["model"]), data, ordered=True)
    lav = pd.DataFrame(r["estimates"])
    m = res.estimates.merge(lav, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    m = m[m.op == ":="]
    assert list(m.lhs) == ["ratio", "diff", "prod"]
    for col in ("est", "se", "z", "ci.lower", "ci.upper"):
        np.testing.assert_allclose(m[col], pd.to_numeric(m[col + "_lav"]), rtol=1e-5)
    again = res.defined_parameters()
    np.testing.assert_allclose(again["se"], m["se"], rtol=1e-10)
    np.testing.assert_allclose(again["std.all"], m["std.all"], rtol=1e-10)
    bad = cm.ModelSpec.from_syntax("f =~ A1 + A2 + A3\nA1 ~~ e*A1\nx := 2*e")
    with pytest.raises(ModelSpecError, match="residual variance of an ordered item"):
        cm.fit(bad, data, ordered=True)


def test_robust_indices_of_a_one_group_fit(ref):
    r = ref["robust_single"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.fit(cm.ModelSpec.from_syntax(ref["bfi"]["model"]),
                     _data("bfi")[ref["bfi"]["items"]], ordered=True)
    for name, value in r["fit"].items():
        assert res.fit_measures[name] == pytest.approx(value, rel=1e-5), name
    assert "robust CFI" in res.summary().as_text()


def test_compare_with_ordered_items_runs_the_ordinal_ladder(ref, ladders):
    spec = cm.ModelSpec.from_syntax(ref["telecom"]["model"] + "\nSAT ~ QUAL\nLOY ~ SAT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.compare(spec, _data("telecom"), by="operator", bootstrap=20,
                         n_permutations=20, scale=(1, 5), ordered=True)
    pd.testing.assert_frame_equal(res.invariance.ladder, ladders["telecom"].ladder)
    assert res.cbsem_paths.empty
    assert any("CB-SEM path tests are not done with ordered items" in w for w in res.warnings)
    assert "cfi.scaled" in res.summary().as_text()
