"""Nonrecursive models (reciprocal paths, feedback loops) against lavaan 0.6-14
(tests/reference/lavaan_nonrecursive/, simulated CSI data with SAT <-> LOY and instruments).

Estimates rtol 1e-4, SEs rtol 1e-3, std.all, R-square, fit measures, and the total effects
(I - B)^-1 - I computed in R from lavaan's beta matrix.
"""
from __future__ import annotations

import warnings

import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import CSIModelError
from _lavaan_compare import ROOT, assert_agrees, fit_case, load_cases

CASES = load_cases("lavaan_nonrecursive", "nonrecursive.json")


@pytest.fixture(scope="module")
def fits():
    return {name: fit_case(case) for name, case in CASES.items()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_lavaan(name, fits):
    assert fits[name].converged
    assert_agrees(fits[name], CASES[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_total_effects_include_the_feedback(name, fits):
    tab = cm.effects(fits[name]).query("effect == 'total'").set_index(["from", "to"])["est"]
    theirs = pd.DataFrame(CASES[name]["total_effects"])
    theirs = theirs[theirs["from"] != theirs["to"]]
    for r in theirs.itertuples():
        assert tab[(r[2], r[1])] == pytest.approx(r.total, rel=1e-4, abs=1e-6), (r[2], r[1])
    # the indirect effect of SAT on LOY is the feedback: total - direct, not 0
    eff = cm.effects(fits[name], shape="wide").set_index(["from", "to"])
    loop = fits[name].spec.feedback_loops[0]
    row = eff.loc[(loop[1], loop[0])]
    assert abs(row["indirect"]) > 1e-3
    assert row["direct"] + row["indirect"] == pytest.approx(row["total"], abs=1e-12)


def test_specific_indirect_effects_are_refused_clearly(fits):
    with pytest.raises(CSIModelError, match="feedback loop.*infinitely many paths"):
        cm.specific_indirect_effects(fits["csi_reciprocal"])


def test_unstable_loop_warns():
    """A loop whose regression matrix has an eigenvalue of modulus >= 1 gets a warning from
    effects(): its (I - B)^-1 - I is not a sum of effects along paths."""
    spec = cm.ModelSpec.from_syntax("SAT1 ~ QUAL1 + 1.2*LOY1\nLOY1 ~ EXPE1 + 1.1*SAT1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CSIModelWarning)
        res = cm.fit(spec, ROOT / "tests" / "data" / "nonrecursive_sim.csv")
    with pytest.warns(cm.ImproperSolutionWarning, match="not stable"):
        cm.effects(res)


def test_pls_refuses_a_feedback_loop():
    with pytest.raises(CSIModelError, match="feedback loop.*recursive models only"):
        cm.fit_pls(cm.ModelSpec.from_syntax(CASES["csi_reciprocal"]["model"]),
                   ROOT / CASES["csi_reciprocal"]["data_file"])


@pytest.mark.parametrize("model, equation, condition", [
    # SAT <-> LOY with correlated disturbances and no instrument: order condition
    ("SAT1 ~ LOY1\nLOY1 ~ SAT1\nSAT1 ~~ LOY1", "'SAT1'", "order"),
    ("SAT1 ~ QUAL1 + LOY1\nLOY1 ~ QUAL1 + SAT1\nSAT1 ~~ LOY1", "'SAT1'", "order"),
    # y1 excludes x1 and x2 (order holds) but only y3's equation has them: rank 1 < 2
    ("y1 ~ y2 + y3\ny2 ~ y1\ny3 ~ y1 + x1 + x2\ny1 ~~ y2\ny2 ~~ y3", "'y1'", "rank"),
])
def test_unidentified_loop_is_refused_naming_the_equation(model, equation, condition):
    with pytest.raises(CSIModelError, match=f"line 1: The equation of {equation} in the "
                                            f"feedback loop .* \\({condition} condition\\)"):
        cm.ModelSpec.from_syntax(model)


def test_loop_with_an_instrument_each_passes_the_check_and_agrees_with_lavaan(fits):
    """The rank and order conditions hold with one instrument per equation (QUAL for SAT,
    EXPE for LOY) even with correlated disturbances; lavaan's estimates, above."""
    spec = cm.ModelSpec.from_syntax(CASES["csi_reciprocal_cov"]["model"])
    assert spec.feedback_loops == (("SAT", "LOY"),)
    assert_agrees(fits["csi_reciprocal_cov"], CASES["csi_reciprocal_cov"])


def test_loop_without_instruments_and_uncorrelated_disturbances_warns():
    """Not identified (4 structural parameters for 3 moments of SAT and LOY): the empirical
    check names the loop's parameters and the SEs are NaN, as lavaan."""
    spec = cm.ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + SAT3\nLOY =~ LOY1 + LOY2 + LOY3\n"
                                    "SAT ~ LOY\nLOY ~ SAT")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CSIModelWarning)
        res = cm.fit(spec, ROOT / "tests" / "data" / "nonrecursive_sim.csv")
    assert any("not identified" in w and "SAT ~ LOY, LOY ~ SAT" in w for w in res.warnings)
    assert res.estimates.query("op == '~'")["se"].isna().all()
    with pytest.raises(CSIModelError, match="not identified: it has 4 free parameters"):
        cm.fit(cm.ModelSpec.from_syntax("SAT1 ~ LOY1\nLOY1 ~ SAT1"),
               ROOT / "tests" / "data" / "nonrecursive_sim.csv")
