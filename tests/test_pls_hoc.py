"""Higher-order constructs against seminr's fixtures (disjoint two-stage), and the telecom
second-order "quality" use case.

Reference file: tests/reference/hoc/seminr_hoc.json (see make_reference.R there).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import ModelSpecError

HERE = Path(__file__).parent
MOBI_HOC = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ Image + Value
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Expectation + Quality
Complaints ~ Satisfaction
Loyalty ~ Satisfaction
"""
TELECOM_QUALITY = """
IMAG =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
EXPE =~ EXPE1 + EXPE2 + EXPE3
NETW =~ QUAL1 + QUAL2 + QUAL3
TARIFF =~ QUAL4
HALL =~ QUAL5
BILL =~ QUAL6
QUAL =~ NETW + TARIFF + HALL + BILL
SAT  =~ SAT1 + SAT2 + SAT3
QUAL ~ EXPE
SAT ~ IMAG + EXPE + QUAL
"""


def test_two_stage_matches_seminr():
    ref = json.loads((HERE / "reference" / "hoc" / "seminr_hoc.json").read_text())
    df = pd.read_csv(HERE / "data" / "ecsi_mobi.csv")
    hoc = cm.fit_pls_hoc(cm.ModelSpec.from_syntax(MOBI_HOC), df, method="two_stage")
    pm = hoc.result.path_matrix()
    pairs = [(f, t, v) for t, col in ref["paths"].items() for f, v in col.items()]
    assert len(pairs) == len(hoc.paths) == 4
    # seminr stops at 1e-7 as we do: agreement to 1e-8
    np.testing.assert_allclose([pm.loc[f, t] for f, t, _ in pairs], [v for *_, v in pairs],
                               rtol=0, atol=1e-8)
    ld = hoc.loadings().set_index(["lhs", "rhs"])
    for key, col in (("loadings", "loading"), ("weights", "weight")):
        cells = [(lv, it, v) for lv, c in ref[key].items() for it, v in c.items()]
        assert len(cells) == len(ld) == 23
        np.testing.assert_allclose([ld.loc[(lv, it), col] for lv, it, _ in cells],
                                   [v for *_, v in cells], rtol=0, atol=1e-8)


@pytest.fixture(scope="module")
def telecom():
    return cm.simulate_survey("telecom", n=400, seed=21)


def test_telecom_quality_second_order_three_methods(telecom):
    spec = cm.ModelSpec.from_syntax(TELECOM_QUALITY)
    fits = {m: cm.fit_pls_hoc(spec, telecom, method=m)
            for m in ("two_stage", "embedded_two_stage", "repeated_indicators")}
    ri = fits["repeated_indicators"].result
    # repeated indicators: QUAL is measured by the six items of its LOCs and explains them
    assert set(ri.outer[ri.outer.latent == "QUAL"].item) == {f"QUAL{i}" for i in range(1, 7)}
    assert {("NETW", "QUAL"), ("BILL", "QUAL")} <= set(zip(ri.paths.lhs, ri.paths.rhs))
    # embedded two-stage: stage 2's QUAL "items" are the LOC scores of the repeated-indicator fit
    emb = fits["embedded_two_stage"]
    scores = emb.first_stage.scores
    s2 = emb.result
    assert set(s2.outer[s2.outer.latent == "QUAL"].item) == {"NETW", "TARIFF", "HALL", "BILL"}
    np.testing.assert_allclose(scores["NETW"].to_numpy(),
                               ri.scores["NETW"].to_numpy(), rtol=0, atol=1e-12)
    # the three methods agree on the QUAL -> SAT effect to within a few hundredths
    effect = [f.result.path_matrix().loc["QUAL", "SAT"] for f in fits.values()]
    assert max(effect) - min(effect) < 0.05 and min(effect) > 0


def test_hoc_errors(telecom):
    with pytest.raises(ModelSpecError, match="no latent is measured by latents"):
        cm.fit_pls_hoc("telecom", telecom)
    bad = TELECOM_QUALITY.replace("QUAL =~ NETW + TARIFF + HALL + BILL",
                                  "QUAL =~ NETW + TARIFF + HALL + QUAL7")
    with pytest.raises(ModelSpecError, match="mixes latents and items"):
        cm.fit_pls_hoc(cm.ModelSpec.from_syntax(bad), telecom)
    with pytest.raises(ValueError, match="method"):
        cm.fit_pls_hoc(cm.ModelSpec.from_syntax(TELECOM_QUALITY), telecom, method="nope")
