"""lavaan's rules that tests/test_lavaan_models.py does not reach: how the results say it.

The numbers themselves are compared with lavaan in test_lavaan_models.py; here: the
options, the errors' wording, and that warnings reach result.warnings and the summary.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import csi_model as cm
from csi_model.exceptions import (DataQualityWarning, EstimationError, ImproperSolutionWarning,
                                  ModelSpecError)

DATA = Path(__file__).parent / "data"
HS = DATA / "hs1939.csv"
PD = DATA / "political_democracy.csv"
MIMIC = ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
         "visual + textual + speed ~ sex + ageyr")


def _quiet_fit(spec, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CSIModelWarning)
        return cm.fit(spec, data, **kw)


def test_auto_cov_y_is_an_option_of_fit_and_of_the_model():
    spec = cm.ModelSpec.from_syntax(MIMIC)
    pairs = {("visual", "textual"), ("visual", "speed"), ("textual", "speed")}
    pt = spec.partable()
    assert pairs <= set(zip(pt.loc[pt.op == "~~", "lhs"], pt.loc[pt.op == "~~", "rhs"]))
    off = cm.ModelSpec.from_syntax(MIMIC, auto_cov_y=False)
    pt_off = off.partable()
    assert not pairs & set(zip(pt_off.loc[pt_off.op == "~~", "lhs"], pt_off.loc[pt_off.op == "~~", "rhs"]))
    a = _quiet_fit(spec, HS, auto_cov_y=False)
    b = _quiet_fit(off, HS)
    assert a.spec.auto_cov_y is False and int(a.fit_measures["df"]) == 39
    np.testing.assert_allclose(a.fit_measures["chisq"], b.fit_measures["chisq"], rtol=1e-10)
    assert spec.with_defaults() is spec and spec.with_defaults(auto_cov_y=True) is spec


def test_a_written_covariance_overrides_auto_cov_y():
    spec = cm.ModelSpec.from_syntax("y1 + y2 ~ x1\ny1 ~~ 0*y2")
    row = spec.partable().query("lhs == 'y1' and op == '~~' and rhs == 'y2'")
    assert len(row) == 1 and row.free.iloc[0] == 0 and row.ustart.iloc[0] == 0


def test_too_many_parameters_is_refused_before_fitting():
    with pytest.raises(ModelSpecError, match=r"4 free parameters.*only 3 sample moments.*-1 "
                                             r"degrees of freedom.*visual"):
        cm.fit(cm.ModelSpec.from_syntax("visual =~ x1 + x2"), HS)


def test_empirically_unidentified_model_warns_everywhere():
    spec = cm.ModelSpec.from_syntax("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5\n"
                                    "visual ~~ 0*textual")
    with pytest.warns(ImproperSolutionWarning, match="information matrix could not be inverted"):
        res = cm.fit(spec, HS)
    note = next(w for w in res.warnings if "information matrix" in w)
    for name in ("textual =~ x5", "x4 ~~ x4", "x5 ~~ x5", "textual ~~ textual"):
        assert name in note
    assert "visual =~ x2" not in note
    assert note in str(res.summary()) and note in res.to_dict()["warnings"]
    free = res.estimates[res.estimates.se != 0]
    assert free.se.isna().all() and len(free) == 10     # all 10 free parameters, as lavaan


def test_zero_residual_variances_give_a_clear_error_not_a_traceback():
    spec = cm.ModelSpec.from_syntax("visual =~ x1 + x2 + x3\nx1 ~~ 0*x1\nx2 ~~ 0*x2")
    with pytest.raises(EstimationError, match=r"singular.*x1 ~~ 0\*x1 \(line 2\); "
                                              r"x2 ~~ 0\*x2 \(line 3\)"):
        cm.fit(spec, HS)


def test_fixed_x_rows_are_reported_as_fixed_and_fixed_x_false_frees_them():
    spec = cm.ModelSpec.from_syntax("dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ x1 + x2")
    fixed = _quiet_fit(spec, PD)
    free = _quiet_fit(spec, PD, fixed_x=False)
    rows = fixed.estimates.lhs.isin(["x1", "x2"]) & (fixed.estimates.op == "~~")
    assert (fixed.estimates.loc[rows, "se"] == 0).all()
    assert fixed.estimates.loc[rows, "z"].isna().all()
    assert (free.estimates.loc[rows, "se"] > 0).all()
    assert fixed.fit_measures["npar"] == free.fit_measures["npar"] - 3
    # the other estimates and SEs do not depend on it
    other = ~rows
    np.testing.assert_allclose(fixed.estimates.loc[other, ["est", "se"]].to_numpy(float),
                               free.estimates.loc[other, ["est", "se"]].to_numpy(float),
                               rtol=1e-6, atol=1e-9)


def test_fiml_drops_rows_with_a_missing_predictor_and_says_so():
    spec = cm.ModelSpec.from_syntax("dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ x1 + x2")
    data = DATA / "political_democracy_missing.csv"
    with pytest.warns(DataQualityWarning, match="3 rows were dropped.*x1, x2"):
        res = cm.fit(spec, data, missing="fiml")
    assert res.n == 72 and any("fixed_x=False" in w for w in res.warnings)
    assert _quiet_fit(spec, data, missing="fiml", fixed_x=False).n == 75


def test_a_predictor_named_in_a_covariance_is_random_with_a_warning():
    spec = cm.ModelSpec.from_syntax("x1 ~ ageyr + sex + agemo\nageyr ~~ sex")
    assert spec.exogenous_observed == ("agemo",) and spec.random_predictors == ("ageyr", "sex")
    with pytest.warns(cm.CSIModelWarning, match="treated as random"):
        res = cm.fit(spec, HS)
    assert any("ageyr, sex" in w for w in res.warnings)


def test_bootstrap_keeps_fixed_x_rows_fixed():
    spec = cm.ModelSpec.from_syntax("dem60 =~ y1 + y2 + y3 + y4\ndem60 ~ x1 + x2")
    res = _quiet_fit(spec, PD, bootstrap=30, seed=3)
    rows = res.estimates.lhs.isin(["x1", "x2"]) & (res.estimates.op == "~~")
    assert (res.estimates.loc[rows, "se"] == 0).all()
    assert (res.estimates.loc[~rows & (res.estimates.op == "~"), "se"] > 0).all()


@pytest.mark.parametrize("text, match", [
    ("f =~ x1 + 1 + x3", r"'1' \(an intercept or mean\) can only stand right of '~'"),
    ("f =~ x1 + b*x2 + c*x3\nb <= c", "Write '<'"),
    ("f =~ x1 + x2 + x3\nx1 ~*~ x1", r"scaling factors.*Supported operators: =~ <~ ~ ~~ := == < >"),
])
def test_syntax_we_do_not_fit_is_refused_with_a_way_out(text, match):
    with pytest.raises(cm.ModelSyntaxError, match=match):
        cm.ModelSpec.from_syntax(text)


def test_the_options_take_booleans_only():
    spec = cm.ModelSpec.from_syntax(MIMIC)
    with pytest.raises(TypeError, match="'auto_cov_y' parameter must be True or False.*'no'"):
        cm.fit(spec, HS, auto_cov_y="no")
    with pytest.raises(TypeError, match="'fixed_x'"):
        cm.ModelSpec.from_syntax(MIMIC, fixed_x=1)
