"""Constraints '==', '<', '>' against lavaan 0.6-14 (tests/reference/lavaan_constraints/).

Estimates rtol 1e-4, SEs rtol 1e-3, chi-square to 1e-6, df and npar exactly: linear and
nonlinear equalities, an inequality that binds (se 0, as lavaan) and one that does not,
effect coding with two modifiers on one term, and equalities written as '==' that give
the same fit as shared labels.
"""
from __future__ import annotations

import numpy as np
import pytest

import csi_model as cm
from csi_model.exceptions import CSIModelError
from _lavaan_compare import ROOT, aligned, assert_agrees, fit_case, load_cases

CASES = load_cases("lavaan_constraints", "constraints.json")


@pytest.fixture(scope="module")
def fits():
    return {name: fit_case(case) for name, case in CASES.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_lavaan(name, fits):
    res = fits[name]
    assert res.converged
    assert_agrees(res, CASES[name])


def test_constraints_hold_at_the_estimates(fits):
    est = fits["hs_equal"].estimates.set_index("label")["est"]
    assert est["a"] == pytest.approx(est["b"], abs=1e-9)
    est = fits["hs_nonlinear"].estimates.set_index("label")["est"]
    assert est["a"] * est["b"] == pytest.approx(1.0, abs=1e-9)
    est = fits["hs_effect_coding"].estimates.set_index("label")["est"]
    assert est["l1"] + est["l2"] + est["l3"] == pytest.approx(3.0, abs=1e-9)


def test_binding_inequality_fixes_the_parameter(fits):
    """lavaan: a parameter at its bound has se 0 and no z; df does not change."""
    res = fits["hs_inequality_active"]
    row = res.estimates.set_index("label").loc["a"]
    assert row["est"] == pytest.approx(0.7, abs=1e-9)
    assert row["se"] == 0 and np.isnan(row["z"]) and np.isnan(row["pvalue"])
    assert res.fit_measures["df"] == fits["hs_inequality_inactive"].fit_measures["df"] == 24
    assert any("'a > 0.7' (line 4) binds" in w for w in res.warnings)
    assert not any("binds" in w for w in fits["hs_inequality_inactive"].warnings)
    text = str(res.summary())
    assert "Constraints" in text and "a > 0.7" in text and "yes" in text


def test_inactive_inequality_is_the_unconstrained_fit(fits):
    free = fit_case({**CASES["hs_inequality_inactive"],
                     "model": CASES["hs_inequality_inactive"]["model"].rsplit("\n", 1)[0]})
    np.testing.assert_allclose(fits["hs_inequality_inactive"].theta, free.theta, atol=1e-12)
    np.testing.assert_allclose(fits["hs_inequality_inactive"].acov, free.acov, atol=1e-12)


def test_equalities_equal_shared_labels(fits):
    """'a1 == a2' ... gives the fit with shared labels (lavaan's tutorial), to 1e-5."""
    a, b = fits["pd_equal_loadings"], fits["pd_shared_labels"]
    ours, _ = aligned(a, CASES["pd_equal_loadings"])
    theirs, _ = aligned(b, CASES["pd_shared_labels"])
    np.testing.assert_allclose(ours["est"], theirs["est"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours["se"], theirs["se"], rtol=1e-5, atol=1e-5)
    assert a.fit_measures["df"] == b.fit_measures["df"] == 38


def test_two_modifiers_on_one_term():
    spec = cm.ModelSpec.from_syntax("f =~ NA*x1 + l1*x1 + x2 + x3")
    row = spec.partable().iloc[0]
    assert (row.rhs, row.label, row.free) == ("x1", "l1", 1)
    chained = cm.ModelSpec.from_syntax("f =~ NA*l1*x1 + x2 + x3")
    assert chained == spec
    assert "NA*l1*x1" in spec.to_syntax()
    same = cm.ModelSpec.from_syntax('f =~ x1 + a*x2 + equal("a")*x3')
    pt = same.partable()
    assert pt.free.iloc[1] == pt.free.iloc[2] > 0
    start = cm.ModelSpec.from_syntax("f =~ x1 + start(0.5)*x2 + b*x2")
    assert (start.partable().ustart.iloc[1], start.partable().label.iloc[1]) == (0.5, "b")


@pytest.mark.parametrize("model, message", [
    ("f =~ x1 + 1*x2 + 2*x2", "two different fixed values"),
    ("f =~ x1 + a*x2 + b*x2", "two different labels"),
    ("f =~ x1 + NA*x2 + 1*x2", "both free"),
    ("f =~ x1 + x2 + x2", "written twice"),
    ("f =~ x1 + a*x2\na == zz", "'zz' in the constraint is not a parameter label"),
    ("f =~ x1 + a*x2\na <= 1", "Write '<'"),
    ("f =~ x1 + a*x2\na ==", "both sides"),
    ('f =~ x1 + equal("f=~x1")*x2', "must name a parameter label"),
])
def test_bad_constraints_and_modifiers_are_refused(model, message):
    with pytest.raises(CSIModelError, match=message):
        cm.ModelSpec.from_syntax(model)


def test_constraint_on_a_fixed_parameter_is_refused():
    with pytest.raises(CSIModelError, match="belongs to a fixed parameter"):
        cm.fit(cm.ModelSpec.from_syntax(
            "visual =~ a*x1 + b*x2 + x3\ntextual =~ x4 + x5 + x6\na == b"),
            ROOT / "tests" / "data" / "hs1939.csv")


@pytest.mark.parametrize("options, what", [({"estimator": "MLR"}, "MLR"),
                                           ({"missing": "fiml"}, "fiml"),
                                           ({"bootstrap": 10, "seed": 1}, "bootstrap")])
def test_other_estimators_are_refused_clearly(options, what):
    with pytest.raises(CSIModelError, match=f"estimator='ML' and complete data.*{what}"):
        fit_case(CASES["hs_equal"], **options)


def test_constraint_makes_a_model_identified():
    """A two-indicator factor on its own is identified by an equality of its loadings; the
    df counts the constraint (lavaan: df = moments - free + equalities)."""
    spec = cm.ModelSpec.from_syntax("f =~ NA*x1 + a*x1 + b*x2\nf ~~ 1*f\na == b")
    res = cm.fit(spec, ROOT / "tests" / "data" / "hs1939.csv")
    assert res.fit_measures["df"] == 0 and res.fit_measures["npar"] == 3
    assert np.isfinite(res.estimates["se"]).all()


def test_semopy_engine_refuses_a_latent_without_fixed_loading_instead_of_hanging():
    # semopy 2.3.11 loops forever in start_lambda on a latent with no fixed loading; run in
    # a subprocess so that a regression fails on the timeout instead of hanging the suite
    import subprocess
    import sys
    code = (
        "import warnings, csi_model as cm\n"
        "spec = cm.ModelSpec.from_syntax('visual =~ NA*x1 + l1*x1 + l2*x2 + l3*x3\\n"
        "textual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9\\nl1 + l2 + l3 == 3')\n"
        f"r = cm.fit(spec, {str(ROOT / CASES['hs_effect_coding']['data_file'])!r}, engine='semopy')\n"
        "print(r.converged, any('no fixed loading' in w for w in r.warnings))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.split() == ["True", "True"]
