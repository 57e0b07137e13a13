"""PLS conventions where the peers agree (issue 11, point 9), against seminr's fixtures.

Reference values: tests/reference/seminr_mobi/README.md (seminr's test fixtures, quoted with
their source). Tolerance 1e-5, seminr's own.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.measurement.quality import rho_a

HERE = Path(__file__).parent
REF = HERE / "reference" / "seminr_mobi"
DATA = HERE / "data" / "ecsi_mobi.csv"
TOL = 1e-5
LATENTS = ["Image", "Expectation", "Value", "Satisfaction"]

# seminr inner_weights_constructscores.csv, respondents 1-3 (path weighting)
SEMINR_SCORES = np.array([
    [-1.95464215999423, -0.624195876064712, -2.1965732691362, -1.36611659079341],
    [1.59473524123123, 1.76815178127577, 1.85458569451064, 1.41191671085348],
    [-0.947217626243071, -0.416817607941532, 0.211971493444955, -0.102773567980557]])
# seminr reliability.csv (path weighting): alpha and rhoA
SEMINR_ALPHA = [0.722834595427083, 0.451902555978063, 0.823631979352573, 0.779195021918597]
SEMINR_RHOA_PATH = [0.745291554480322, 0.461657986928213, 0.857527048393235, 0.784023593590752]
# seminr rho1.csv (factorial scheme)
SEMINR_RHOA_FACTORIAL = [0.745259028158099, 0.461548791591939, 0.857578544960532,
                         0.782558691647281]


@pytest.fixture(scope="module")
def spec():
    return cm.load_model(REF / "mobi4.lav")


def test_scores_standardized_with_n_minus_1_as_seminr(spec):
    res = cm.fit_pls(spec, DATA, scheme="path")
    np.testing.assert_allclose(res.scores[LATENTS].to_numpy()[:3], SEMINR_SCORES, rtol=0, atol=TOL)
    np.testing.assert_allclose(res.scores.var(ddof=1).to_numpy(), 1.0, rtol=1e-12, atol=0)
    # the raw weights give those scores from the raw items; the item SDs have divisor n - 1
    X = pd.read_csv(DATA)
    out = res.outer[res.outer.latent == "Satisfaction"]
    y = (X[list(out.item)] - out["mean"].to_numpy()).to_numpy() @ out["weight.raw"].to_numpy()
    np.testing.assert_allclose(y, res.scores["Satisfaction"].to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["sd"].to_numpy(), X[list(out.item)].std(ddof=1).to_numpy(),
                               rtol=1e-12)


def test_rho_a_from_converged_weights_and_alpha_names(spec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = cm.measurement(spec, DATA, n_boot=0)
        rel = m.reliability.set_index("latent").loc[LATENTS]
        np.testing.assert_allclose(rel["rho_a"], SEMINR_RHOA_PATH, rtol=0, atol=TOL)
        assert m.options["rho_a_weights"].startswith("converged mode-A PLS weights (path")
        # seminr's alpha is the standardized one
        np.testing.assert_allclose(rel["alpha_std"], SEMINR_ALPHA, rtol=0, atol=TOL)
        assert "alpha" not in m.reliability.columns
        assert (rel["alpha_raw"] < rel["alpha_std"]).all()     # differs on these data
        fact = cm.fit_pls(spec, DATA, scheme="factorial")
        mf = cm.measurement(spec, DATA, n_boot=0, pls_weights=fact)
    np.testing.assert_allclose(mf.reliability.set_index("latent").loc[LATENTS, "rho_a"],
                               SEMINR_RHOA_FACTORIAL, rtol=0, atol=TOL)
    assert mf.options["rho_a_weights"] == "pls_weights (given)"
    # before: first-iteration weights gave Image 0.7325 (seminr 0.7453)
    R = pd.read_csv(DATA)[[f"IMAG{i}" for i in range(1, 6)]].corr().to_numpy()
    assert rho_a(R) == pytest.approx(0.7325, abs=1e-4)


def test_rho_a_without_a_structural_model_uses_every_pair(spec):
    """A CFA-only model: factorial scheme with every pair of constructs adjacent."""
    cfa = cm.ModelSpec.from_syntax("\n".join(
        line for line in spec.to_syntax().splitlines() if "=~" in line))
    full = cm.ModelSpec.from_syntax(cfa.to_syntax() + "\nExpectation ~ Image\n"
                                    "Value ~ Image + Expectation\n"
                                    "Satisfaction ~ Image + Expectation + Value")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = cm.measurement(cfa, DATA, n_boot=0)
        ref = cm.fit_pls(full, DATA, scheme="factorial")
        mr = cm.measurement(cfa, DATA, n_boot=0, pls_weights=ref)
    assert "factorial scheme, every pair" in m.options["rho_a_weights"]
    np.testing.assert_allclose(m.reliability["rho_a"], mr.reliability["rho_a"], rtol=1e-10)
