"""Formative '<~' blocks in CB-SEM against lavaan 0.6-14 (tests/reference/lavaan_formative/),
their identification rules, and '<~' as mode B in PLS.

lavaan reads ``f <~ x1 + x2`` as the regression of the latent f on the items (weights free
unless fixed, the items exogenous with fixed.x) with the disturbance variance of f fixed
at 0; the parameter table, estimates (rtol 1e-4), SEs (rtol 1e-3), std.all, R-square and
fit measures must be lavaan's.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import CSIModelError
from _lavaan_compare import ROOT, assert_agrees, fit_case, load_cases

CASES = load_cases("lavaan_formative", "formative.json")
MOBI = ROOT / "tests" / "data" / "ecsi_mobi.csv"


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_lavaan(name):
    res = fit_case(CASES[name])
    assert res.converged
    assert_agrees(res, CASES[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_parameter_table_is_lavaans(name):
    case = CASES[name]
    pt = cm.ModelSpec.from_syntax(case["model"]).partable()
    theirs = pd.DataFrame(case["partable"])
    key = lambda f: f.apply(lambda r: (r.lhs, r.op, r.rhs) if r.op != "~~"  # noqa: E731
                            else (min(r.lhs, r.rhs), r.op, max(r.lhs, r.rhs)), axis=1)
    pt.index, theirs.index = key(pt), key(theirs)
    assert set(pt.index) == set(theirs.index)
    pt = pt.loc[theirs.index]
    np.testing.assert_array_equal(pt["exo"], theirs["exo"])
    estimated = theirs["exo"] == 0       # fixed.x rows: estimated by us, reported as fixed
    np.testing.assert_array_equal(pt.loc[estimated, "free"] > 0, theirs.loc[estimated, "free"] > 0)
    fixed = (theirs["free"] == 0) & (theirs["exo"] == 0)
    np.testing.assert_array_equal(pt.loc[fixed, "ustart"], theirs.loc[fixed, "ustart"])


BASE = "CUSA =~ CUSA1 + CUSA2 + CUSA3\nCUSL =~ CUSL1 + CUSL2 + CUSL3\n"


@pytest.mark.parametrize("model, message", [
    (BASE + "IMAG <~ IMAG1 + IMAG2 + IMAG3\nCUSA ~ IMAG\nCUSL ~ CUSA",
     r"'IMAG' \('<~', a formative block\) has no fixed weight.*1\*IMAG1"),
    (BASE + "IMAG <~ 1*IMAG1 + IMAG2\nCUSL ~ CUSA",
     "emits 0 structural path"),
    (BASE + "IMAG <~ 1*IMAG1 + IMAG2\nIMAG ~~ IMAG\nCUSA ~ IMAG\nCUSL ~ CUSA",
     "at least two paths"),
    (BASE + "CUEX =~ CUEX1 + CUEX2 + CUEX3\nIMAG <~ 1*IMAG1 + IMAG2\nCUSA ~ IMAG + CUEX\n"
     "CUSL ~ CUSA", "exogenous together with 'CUEX'.*CUEX ~ IMAG"),
    (BASE + "IMAG <~ 1*IMAG1 + CUSA1\nCUSA ~ IMAG\nCUSL ~ CUSA",
     "item 'CUSA1' of the formative composite"),
    (BASE + "IMAG <~ 1*IMAG1 + IMAG2\nIMAG =~ IMAG3 + IMAG4\nCUSA ~ IMAG\nCUSL ~ CUSA",
     "also measured reflectively"),
])
def test_unidentified_composites_are_refused(model, message):
    """Refused when the model is read (structure) or before a CB-SEM fit (identification)."""
    with pytest.raises(CSIModelError, match=message):
        cm.ModelSpec.from_syntax(model).check_composite_identification()


def test_fit_refuses_an_unidentified_composite_before_estimating():
    spec = cm.ModelSpec.from_syntax(BASE + "IMAG <~ IMAG1 + IMAG2\nCUSA ~ IMAG\nCUSL ~ CUSA")
    with pytest.raises(CSIModelError, match="no fixed weight"):
        cm.fit(spec, MOBI)


def test_summary_shows_the_weights():
    text = str(fit_case(CASES["mobi_formative_image"]).summary())
    assert "Composite weights" in text and "IMAG5" in text


def test_one_path_with_a_fixed_weight_is_identified():
    """With its disturbance fixed at 0 (lavaan's '<~'), a composite emitting one path is
    identified: lavaan computes SEs for it (pd_composite_fixed_weight), while the same
    model with every weight free (tests/reference/lavaan_models/pd_composite.json) is not."""
    res = fit_case(CASES["pd_composite_fixed_weight"])
    assert np.isfinite(res.estimates["se"]).all()


def test_pls_reads_composites_as_mode_b():
    text = ("IMAG <~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\nCUEX =~ CUEX1 + CUEX2 + CUEX3\n"
            "CUSA =~ CUSA1 + CUSA2 + CUSA3\nCUEX ~ IMAG\nCUSA ~ IMAG + CUEX")
    reflective = cm.ModelSpec.from_syntax(text.replace("<~", "=~"))
    by_mode = cm.fit_pls(reflective, MOBI, mode={"IMAG": "B"})
    for model in (text, cm.ModelSpec.from_syntax(text.replace("<~ IMAG1", "<~ 1*IMAG1"))):
        res = cm.fit_pls(model, MOBI)
        np.testing.assert_allclose(res.estimates["est"], by_mode.estimates["est"], atol=1e-12)
    assert not np.allclose(cm.fit_pls(reflective, MOBI).estimates["est"],
                           by_mode.estimates["est"], atol=1e-3)
