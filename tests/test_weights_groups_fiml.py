"""Sampling weights with missing answers in multi-group CB-SEM: fit_multigroup / invariance
with weights= and missing="fiml" against lavaan 0.6-14's group= with sampling.weights= and
missing = "ml" (weighted FIML, MLR: Huber-White SEs with the observed information, the
Yuan-Bentler Mplus scaled test, the FIML-corrected robust CFI/TLI/RMSEA, lavTestLRT's
Satorra-Bentler 2001 scaled differences).

References: tests/reference/lavaan_weights_groups_fiml/make_reference.R (reference.json and
the two data files with missing answers it writes).
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from _lavaan_compare import WEIGHTED_GROUP_MEASURES as MEASURES
from _lavaan_compare import WEIGHTED_GROUP_STEPS as STEPS

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_weights_groups_fiml"
R = json.loads((REF / "reference.json").read_text())
HS_MODEL = HERE / "reference" / "lavaan" / "holzinger.lav"
TEL_MODEL = HERE / "reference" / "lavaan" / "telecom.lav"


def _hs():
    return pd.read_csv(REF / "hs_weighted_missing.csv")


def _telecom():
    tel = pd.read_csv(REF / "telecom_weighted_missing.csv")
    tel["op"] = np.where(np.arange(len(tel)) % 2 == 0, "A", "B")      # as make_reference.R
    return tel


CASES = {"holzinger": (HS_MODEL, _hs, "school"), "telecom": (TEL_MODEL, _telecom, "op")}


def _quiet(f, *a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **kw)


def _check_fit(res, ref, measures=MEASURES):
    """The issue's tolerances: estimates 1e-3, SEs 1 % relative, fit measures 1e-3 relative."""
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
    for k in measures:
        np.testing.assert_allclose(res.fit_measures[k], ref["fit"][k], err_msg=k, rtol=1e-3,
                                   atol=1e-10)


@pytest.mark.parametrize("case, step", [("holzinger", s) for s in STEPS]
                         + [("telecom", s) for s in list(STEPS)[:2]])
def test_weighted_fiml_multigroup_fit_matches_lavaan(case, step):
    model, data, by = CASES[case]
    ref = R[case]["fits"][step]
    assert ref["options"]["missing"] == "ml" and ref["options"]["se"] == "robust.huber.white"
    res = _quiet(cm.fit_multigroup, model, data(), by=by, equal=STEPS[step], weights="w",
                 missing="fiml")
    _check_fit(res, ref)
    assert res.weights == "w" and res.missing == "fiml"
    note = next(w for w in res.warnings if "Sampling weights from column 'w'" in w)
    assert "weighted FIML" in note
    # lavaan's "total" normalization: a group's N is the sum of its weights
    for g, n_w in zip(res.groups, ref["weighted_nobs"]):
        assert f"{g}: {n_w:.1f}" in note


def test_the_weights_change_the_fiml_fit():
    plain = R["holzinger_unweighted"]
    unweighted = _quiet(cm.fit_multigroup, HS_MODEL, _hs(), by="school", missing="fiml")
    _check_fit(unweighted, plain, ["chisq", "df", "cfi", "tli", "rmsea", "logl", "srmr"])
    weighted = _quiet(cm.fit_multigroup, HS_MODEL, _hs(), by="school", missing="fiml",
                      weights="w")
    assert abs(weighted.fit_measures["chisq"] - plain["fit"]["chisq"]) > 1.0
    # and the weighted FIML fit is not the weighted listwise one
    listwise = _quiet(cm.fit_multigroup, HS_MODEL, _hs(), by="school", weights="w")
    assert sum(listwise.n) < sum(weighted.n) == 301


@pytest.mark.parametrize("case", list(CASES))
def test_weighted_fiml_ladder_scaled_differences_match_lavtestlrt(case):
    model, data, by = CASES[case]
    steps = list(R[case]["fits"])
    inv = _quiet(cm.invariance, model, data(), by=by, steps=steps, weights="w",
                 missing="fiml", suggest=False)
    fits = R[case]["fits"]
    for lrt in R[case]["lrt"]:
        assert "satorra.bentler.2001" in lrt["method"]
        row = inv.ladder.loc[lrt["to"]]
        np.testing.assert_allclose(row["chisq.diff"], lrt["chisq_diff"], rtol=1e-3)
        assert row["df.diff"] == lrt["df_diff"]
        np.testing.assert_allclose(row["pvalue.diff"], lrt["pvalue"], rtol=1e-3, atol=1e-10)
        np.testing.assert_allclose(
            row["cfi.diff"], fits[lrt["to"]]["fit"]["cfi.robust"]
            - fits[lrt["from"]]["fit"]["cfi.robust"], atol=1e-5)
    for s in steps:
        for k in ("chisq", "chisq.scaled", "cfi.robust", "rmsea.robust"):
            np.testing.assert_allclose(inv.ladder.loc[s, k], fits[s]["fit"][k], rtol=1e-3,
                                       err_msg=f"{s} {k}")
    text = inv.summary().as_text()
    assert "Satorra & Bentler 2001" in text and "robust CFI" in text


def test_weighted_fiml_release_tests_use_the_scaled_difference():
    inv = _quiet(cm.invariance, HS_MODEL, _hs(), by="school", weights="w", missing="fiml")
    assert inv.ladder.loc["scalar", "lrt.rejects"]
    sug = inv.suggestions
    assert set(sug.step) == {"scalar"} and len(sug) == 9
    from csi_model.sem._wgroups import sb2001_difference
    freed = _quiet(cm.fit_multigroup, HS_MODEL, _hs(), by="school", equal=STEPS["scalar"],
                   partial=[sug.parameter[0]], weights="w", missing="fiml")
    d = sb2001_difference(freed, inv.fits["scalar"])
    np.testing.assert_allclose(sug["chisq.diff"][0], d["chisq.diff"], rtol=1e-6)


def test_rows_without_answers_are_dropped_before_the_weights_are_rescaled():
    hs = _hs()
    blank = hs.iloc[[0]].copy()
    blank[[f"x{j}" for j in range(1, 10)]] = np.nan
    blank["w"] = 50.0                    # a heavy weight on a row that carries no answer
    more = pd.concat([hs, blank], ignore_index=True)
    res = _quiet(cm.fit_multigroup, HS_MODEL, more, by="school", weights="w", missing="fiml")
    assert sum(res.n) == len(hs)
    ref = _quiet(cm.fit_multigroup, HS_MODEL, hs, by="school", weights="w", missing="fiml")
    np.testing.assert_allclose(res.fit_measures["chisq"], ref.fit_measures["chisq"],
                               rtol=1e-8)


def test_the_users_frame_is_not_changed():
    hs = _hs()
    before = hs.copy()
    _quiet(cm.fit_multigroup, HS_MODEL, hs, by="school", weights="w", missing="fiml")
    pd.testing.assert_frame_equal(hs, before)


def test_complete_data_weighted_fiml_is_weighted_ml_but_for_the_fiml_corrected_indices():
    """With complete answers weighted FIML is the weighted ML fit (estimates, SEs, the scaled
    test); lavaan's missing = "ml" still reports the FIML-corrected robust CFI/TLI/RMSEA."""
    hs = pd.read_csv(HERE / "reference" / "lavaan_weights_groups" / "hs_weighted.csv")
    hs = hs.drop(columns=["sex", "grade", "ageyr"])
    ref = R["holzinger_complete_metric"]
    fiml = _quiet(cm.fit_multigroup, HS_MODEL, hs, by="school", equal=["loadings"],
                  weights="w", missing="fiml")
    _check_fit(fiml, ref)
    ml = _quiet(cm.fit_multigroup, HS_MODEL, hs, by="school", equal=["loadings"], weights="w")
    np.testing.assert_allclose(fiml.estimates["est"], ml.estimates["est"], atol=1e-5)
    np.testing.assert_allclose(fiml.estimates["se"], ml.estimates["se"], atol=1e-5)
    for k in ("chisq", "chisq.scaled", "cfi.scaled"):
        np.testing.assert_allclose(fiml.fit_measures[k], ml.fit_measures[k], rtol=1e-6)
    assert abs(fiml.fit_measures["cfi.robust"] - ml.fit_measures["cfi.robust"]) > 1e-3
