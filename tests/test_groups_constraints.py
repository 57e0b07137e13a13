"""'==' constraints across groups (labels from c() modifiers) against lavaan 0.6-14
(tests/reference/lavaan_groups_constraints/): FacialBurns by sex (groups of 60 and 17) and
HolzingerSwineford1939 by school, with ':=' differences.

Tolerances (issue 15): estimates 1e-3 absolute, SEs 1 % relative, fit measures 1e-3 relative;
df and npar exactly. Nonlinear and inequality constraints across groups are refused.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import CSIModelError
from _lavaan_compare import ROOT

CASES = json.loads((ROOT / "tests" / "reference" / "lavaan_groups_constraints" /
                    "groups_constraints.json").read_text())["cases"]
FB = ROOT / "tests" / "data" / "facial_burns.csv"
FB_MODEL = "Selfesteem ~ Age + c(b1, b2)*TBSA + c(h1, h2)*HADS + RUM"


def _fit(case, model=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CSIModelWarning)
        return cm.fit_multigroup(cm.ModelSpec.from_syntax(model or case["model"]),
                                 pd.read_csv(ROOT / case["data_file"]), by=case["by"],
                                 equal=list(case["equal"]))


@pytest.fixture(scope="module")
def fits():
    return {name: _fit(case) for name, case in CASES.items()}


def _merged(res, case):
    theirs = pd.DataFrame(case["estimates"])
    labels = {i + 1: g for i, g in enumerate(case["groups"])}
    theirs["group"] = [labels.get(g, "") if g == g else "" for g in theirs["group"]]

    def key(f):
        return [("", a, o, "") if o == ":=" else (str(g), min(a, b), o, max(a, b)) if o == "~~"
                else (str(g), a, o, b) for g, a, o, b in zip(f.group, f.lhs, f.op, f.rhs)]
    ours = res.estimates.copy()
    ours["key"], theirs["key"] = key(ours), key(theirs)
    return ours.merge(theirs, on="key", suffixes=("", "_lav"), how="outer", indicator=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_lavaan(name, fits):
    res, case = fits[name], CASES[name]
    assert res.converged and list(res.groups) == case["groups"]
    assert list(res.n) == case["nobs"]
    m = _merged(res, case)
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", "key"].tolist()
    np.testing.assert_allclose(m["est"], m["est_lav"], rtol=0, atol=1e-3, err_msg="est")
    se_lav = m["se_lav"].astype(float).fillna(0.0)      # lavaan: NA for the fixed.x rows
    np.testing.assert_allclose(m["se"], se_lav, rtol=1e-2, atol=1e-8, err_msg="se")
    fm = case["fit_measures"]
    assert res.fit_measures["df"] == fm["df"] and res.fit_measures["npar"] == fm["npar"]
    for name_ in ("chisq", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic",
                  "baseline.chisq", "baseline.df"):
        np.testing.assert_allclose(res.fit_measures[name_], fm[name_], rtol=1e-3, atol=1e-6,
                                   err_msg=name_)


def test_constraints_hold_and_add_one_df_each(fits):
    est = fits["fb_sex_equal"].estimates.set_index("label")["est"]
    assert est["b1"] == pytest.approx(est["b2"], abs=1e-10)
    assert est["diff"] == pytest.approx(est["h1"] - est["h2"], abs=1e-12)
    est = fits["fb_sex_linear"].estimates.set_index("label")["est"]
    assert est["h1"] == pytest.approx(2 * est["h2"], abs=1e-10)
    est = fits["hs_school_equal"].estimates.set_index("label")["est"]
    assert est["c1"] + est["c2"] == pytest.approx(1.5, abs=1e-10)
    free = _fit(CASES["fb_sex_equal"], FB_MODEL)
    assert fits["fb_sex_equal"].fit_measures["df"] == free.fit_measures["df"] + 1
    assert fits["fb_sex_equal"].fit_measures["npar"] == free.fit_measures["npar"] - 1


def test_equality_is_the_shared_label():
    """'c(b1, b2)*x' with 'b1 == b2' is 'c(b, b)*x' (lavaan: the same fit)."""
    case = CASES["fb_sex_equal"]
    a = _fit(case, FB_MODEL + "\nb1 == b2")
    b = _fit(case, FB_MODEL.replace("c(b1, b2)", "c(b, b)"))
    np.testing.assert_allclose(a.estimates["est"], b.estimates["est"], atol=1e-7)
    np.testing.assert_allclose(a.estimates["se"], b.estimates["se"], rtol=1e-6, atol=1e-9)
    assert a.fit_measures["df"] == b.fit_measures["df"]


@pytest.mark.parametrize("extra, message", [
    ("b1 < b2", "'b1 < b2' is an inequality.*linear equality constraints \('=='\) only"),
    ("b1*b2 == 0.01", "linear equality constraints only.*nonlinear"),
])
def test_nonlinear_and_inequality_across_groups_are_refused(extra, message):
    with pytest.raises(CSIModelError, match=message):
        _fit(CASES["fb_sex_equal"], FB_MODEL + "\n" + extra)


def test_fiml_refuses_constraints_across_groups():
    spec = cm.ModelSpec.from_syntax(FB_MODEL + "\nb1 == b2")
    with pytest.raises(CSIModelError, match="missing='listwise'.*'fiml' is not available"):
        cm.fit_multigroup(spec, pd.read_csv(FB), by="Sex", missing="fiml")


def test_diagnostics_that_would_ignore_the_constraints_are_refused(fits):
    for method in ("modification_indices", "equality_score_tests"):
        with pytest.raises(ValueError, match="with '==' constraints.*shared label"):
            getattr(fits["fb_sex_equal"], method)()


def test_summary_lists_the_constraints(fits):
    text = fits["hs_school_equal"].summary().as_text()
    assert "Constraints" in text and "a1 == a2; c1 + c2 == 1.5" in text


def test_invariance_ladder_keeps_the_constraints(fits):
    case = CASES["hs_school_equal"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CSIModelWarning)
        inv = cm.invariance(cm.ModelSpec.from_syntax(case["model"]),
                            pd.read_csv(ROOT / case["data_file"]), by=case["by"],
                            steps=("configural", "metric"))
    configural = inv.ladder.loc["configural"]
    assert configural["df"] == case["fit_measures"]["df"]
    assert configural["chisq"] == pytest.approx(case["fit_measures"]["chisq"], rel=1e-6)
    est = inv.fits["metric"].estimates.set_index("label")["est"]
    assert est["c1"] + est["c2"] == pytest.approx(1.5, abs=1e-10)
