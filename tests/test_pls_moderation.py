"""Moderation against seminr's interaction fixtures (orthogonal, product indicator, PLSc).

Reference file: tests/reference/moderation/seminr_interactions.json (make_reference.R there).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm

HERE = Path(__file__).parent
REF = json.loads((HERE / "reference" / "moderation" / "seminr_interactions.json").read_text())
BASE = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""
TERMS = [("Image", "Expectation", "Satisfaction"), ("Image", "Value", "Satisfaction")]


@pytest.fixture(scope="module")
def mobi():
    return pd.read_csv(HERE / "data" / "ecsi_mobi.csv")


@pytest.mark.parametrize("method", ["orthogonal", "product_indicator"])
def test_interactions_match_seminr(mobi, method):
    ref = REF[method]
    mod = cm.fit_pls_moderated(cm.ModelSpec.from_syntax(BASE), mobi, TERMS, method=method,
                               scheme="factorial")
    B = mod.result.path_matrix()["Satisfaction"]
    np.testing.assert_allclose([B[k] for k in ("Image", "Expectation", "Value")],
                               [ref[k] for k in ("Image", "Expectation", "Value")], rtol=0, atol=1e-8)
    eff = mod.interaction_effects().set_index("rhs")
    np.testing.assert_allclose(eff.loc[["Image_x_Expectation", "Image_x_Value"], "est.product"],
                               [ref["Image*Expectation"], ref["Image*Value"]], rtol=0, atol=1e-8)
    # the standardized path is est.product * scale
    np.testing.assert_allclose(eff["est"], eff["est.product"] * eff["scale"], rtol=1e-12)


def test_plsc_interaction_matches_seminr(mobi):
    ref = REF["plsc_orthogonal"]
    spec = cm.ModelSpec.from_syntax(BASE.replace("CUEX1 + CUEX2 + CUEX3", "CUEX3"))
    mod = cm.fit_pls_moderated(spec, mobi, TERMS[:1], method="orthogonal", consistent=True)
    res = mod.result
    B = res.path_matrix()["Satisfaction"]
    # seminr prints 3 decimals
    for key, ours in [("Image", B["Image"]), ("Expectation", B["Expectation"]),
                      ("Value", B["Value"]), ("Image*Expectation", B["Image_x_Expectation"]),
                      ("R^2", res.r2["Satisfaction"]),
                      ("AdjR^2", res.quality.loc["Satisfaction", "r2.adj"])]:
        assert ours == pytest.approx(ref[key], abs=5e-4), key
    assert any("interaction constructs are composites" in w for w in res.warnings)


def test_two_stage_item_is_product_of_stage1_scores(mobi):
    mod = cm.fit_pls_moderated(cm.ModelSpec.from_syntax(BASE), mobi, TERMS[:1],
                               method="two_stage")
    s1 = mod.first_stage.scores
    X = pd.DataFrame(mod.result._data.X, columns=mod.result._problem.items)
    np.testing.assert_allclose(X["Image_x_Expectation_score"], s1["Image"] * s1["Expectation"],
                               rtol=0, atol=1e-12)
    # single item: the scale is its SD, so est.product is the OLS coefficient of the raw product
    eff = mod.interaction_effects().iloc[0]
    assert eff["scale"] == pytest.approx(X["Image_x_Expectation_score"].std(ddof=1), rel=1e-12)
    slopes = cm.simple_slopes(mod, "Image", "Expectation", levels=(-1, 1))
    b = mod.result.path_matrix()["Satisfaction"]
    assert slopes.slope.tolist() == pytest.approx(
        [b["Image"] - eff["est.product"], b["Image"] + eff["est.product"]], abs=1e-12)


def test_simple_slope_plot_returns_axes(mobi):
    import matplotlib
    matplotlib.use("Agg")
    from csi_model.report.figures import simple_slope_plot
    mod = cm.fit_pls_moderated(cm.ModelSpec.from_syntax(BASE), mobi, TERMS[:1],
                               method="product_indicator", bootstrap=50, seed=1)
    ax = simple_slope_plot(mod, "Image", "Expectation", levels=(-1, 0, 1))
    assert len(ax.get_legend().get_texts()) == 3
    assert mod.result.bootstrap is not None and np.isfinite(mod.paths["se"]).all()
    with pytest.raises(ValueError, match="no interaction"):
        cm.simple_slopes(mod, "Value", "Image")
