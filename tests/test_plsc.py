"""Consistent PLS (PLSc) against ADANCO 2.1.1 (cSEM's comparison files) and seminr's fixtures.

Reference files: tests/reference/plsc/ (see its README.md).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.bootstrap import resample_indices

HERE = Path(__file__).parent
REF = HERE / "reference" / "plsc"
SATISFACTION_MODEL = """
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1  + val2  + val3  + val4
SAT  =~ sat1  + sat2  + sat3  + sat4
LOY  =~ loy1  + loy2  + loy3  + loy4
"""
MOBI_MODEL = """
Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
"""
# ADANCO stops at a change of 1e-6 (we at 1e-7): agreement to the 7th digit
ADANCO_ATOL = 1e-6


@pytest.fixture(scope="module")
def adanco():
    return json.loads((REF / "adanco_cf.json").read_text())


@pytest.fixture(scope="module")
def satisfaction_plsc():
    df = pd.read_csv(HERE / "data" / "satisfaction_csem.csv")
    return cm.fit_pls(cm.ModelSpec.from_syntax(SATISFACTION_MODEL), df, scheme="factorial",
                      consistent=True)


def _outer(ref_block, outer, column):
    ref = np.array([ref_block[lv][it] for lv, it in zip(outer.latent, outer.item)])
    return outer[column].to_numpy(), ref


def test_plsc_weights_loadings_match_adanco(satisfaction_plsc, adanco):
    res = satisfaction_plsc
    assert res.consistent and res.converged
    ours, ref = _outer(adanco["weights"], res.outer, "weight")
    np.testing.assert_allclose(ours, ref, rtol=0, atol=ADANCO_ATOL)
    ours, ref = _outer(adanco["loadings"], res.outer, "loading")
    np.testing.assert_allclose(ours, ref, rtol=0, atol=ADANCO_ATOL)


def test_plsc_paths_correlations_r2_match_adanco(satisfaction_plsc, adanco):
    res = satisfaction_plsc
    pm = res.path_matrix()
    pairs = [(f, t, v) for f, row in adanco["paths"].items() for t, v in row.items() if v is not None]
    assert len(pairs) == len(res.paths) == 10
    np.testing.assert_allclose([pm.loc[f, t] for f, t, _ in pairs], [v for *_, v in pairs],
                               rtol=0, atol=ADANCO_ATOL)
    cor = [(a, b, v) for a, row in adanco["construct_cor"].items() for b, v in row.items()
           if v is not None]
    np.testing.assert_allclose([res.latent_cor.loc[a, b] for a, b, _ in cor],
                               [v for *_, v in cor], rtol=0, atol=ADANCO_ATOL)
    np.testing.assert_allclose(res.r2[list(adanco["r2"])], list(adanco["r2"].values()),
                               rtol=0, atol=ADANCO_ATOL)
    np.testing.assert_allclose(res.quality.loc[list(adanco["r2_adj"]), "r2.adj"],
                               list(adanco["r2_adj"].values()), rtol=0, atol=ADANCO_ATOL)
    # the estimates table carries the corrected values
    paths = res.paths.set_index(["lhs", "rhs"])["est"]
    assert paths[("SAT", "VAL")] == pytest.approx(adanco["paths"]["VAL"]["SAT"], abs=ADANCO_ATOL)


def test_plsc_matches_seminr_mobi():
    ref = json.loads((REF / "seminr_plsc.json").read_text())
    df = pd.read_csv(HERE / "data" / "ecsi_mobi.csv")
    res = cm.fit_pls(cm.ModelSpec.from_syntax(MOBI_MODEL), df, scheme="factorial",
                     consistent=True)
    ours, r = _outer(ref["loadings"], res.outer, "loading")
    np.testing.assert_allclose(ours, r, rtol=0, atol=1e-10)
    pm = res.path_matrix()
    np.testing.assert_allclose([pm.loc[f, "Satisfaction"] for f in ref["paths"]["Satisfaction"]],
                               list(ref["paths"]["Satisfaction"].values()), rtol=0, atol=1e-10)
    assert res.r2["Satisfaction"] == pytest.approx(ref["r2"], abs=1e-10)
    assert res.quality.loc["Satisfaction", "r2.adj"] == pytest.approx(ref["r2_adj"], abs=1e-10)
    np.testing.assert_allclose(res._core["rho_a"], list(ref["rho_a"].values()), rtol=0, atol=1e-10)


def test_composite_operator_is_mode_b_and_not_corrected():
    df = pd.read_csv(HERE / "data" / "ecsi_mobi.csv")
    text = MOBI_MODEL.replace("Value =~", "Value <~")
    res = cm.fit_pls(text, df, scheme="factorial", consistent=True)
    assert res.modes["Value"] == "B" and res.modes["Image"] == "A"
    by_mode = cm.fit_pls(cm.ModelSpec.from_syntax(MOBI_MODEL), df, scheme="factorial",
                         mode={"Value": "B"})
    # the composite keeps its PLS loadings; the factors are corrected
    o, p = res.outer.set_index("item"), by_mode.outer.set_index("item")
    np.testing.assert_allclose(o.loc[["PERV1", "PERV2"], "loading"],
                               p.loc[["PERV1", "PERV2"], "loading"], rtol=0, atol=1e-12)
    assert (o.loc["IMAG1", "loading"] < p.loc["IMAG1", "loading"])
    # composite-factor correlation divided by sqrt(rho_A) of the factor only
    rho = dict(zip(res._problem.latents, res._core["rho_a"]))
    expect = by_mode.latent_cor.loc["Value", "Image"] / np.sqrt(rho["Image"])
    assert res.latent_cor.loc["Value", "Image"] == pytest.approx(expect, abs=1e-12)
    with pytest.raises(ValueError, match="composite"):
        cm.fit_pls(text, df, mode={"Value": "A"})


def test_plsc_refuses_unscaled():
    df = pd.read_csv(HERE / "data" / "ecsi_mobi.csv")
    with pytest.raises(ValueError, match="scaled=True"):
        cm.fit_pls(cm.ModelSpec.from_syntax(MOBI_MODEL), df, consistent=True, scaled=False)


def test_plsc_bootstrap_resamples_are_plsc_fits(satisfaction_plsc):
    res = satisfaction_plsc
    bt = cm.bootstrap_pls(res, B=100, seed=3)
    # one resample refitted on its own data with fit_pls equals the batched replicate
    idx = resample_indices(res.n, B=100, seed=3, which=[17])[0]
    df = pd.read_csv(HERE / "data" / "satisfaction_csem.csv").iloc[idx].reset_index(drop=True)
    one = cm.fit_pls(res.spec, df, scheme="factorial", consistent=True)
    table = bt.bootstrap.replicates[17]
    names = bt.bootstrap.names
    for key, value in [("SAT ~ VAL", one.path_matrix().loc["VAL", "SAT"]),
                       ("IMAG =~ imag1", one.outer.loading[0]), ("r2 LOY", one.r2["LOY"])]:
        assert table[names.index(key)] == pytest.approx(value, abs=1e-9)
    assert "PLSc" in str(bt.summary()) and bt.to_dict()["estimator"] == "PLSc"


@pytest.mark.slow
def test_plsc_5000_resamples_last_chunk_matches_own_fit():
    """5000 PLSc resamples (the timing is in benchmarks/, not here): none fails, and a
    resample of the last chunk equals fit_pls on its own rows; the SE is the SD (divisor B)."""
    df = pd.read_csv(HERE / "data" / "ecsi_mobi.csv")
    res = cm.fit_pls(HERE.parent / "models" / "ecsi_mobi.lav", df, consistent=True)
    bt = cm.bootstrap_pls(res, B=5000, seed=1)
    assert bt.bootstrap.n_failed == 0
    idx = resample_indices(res.n, B=5000, seed=1, which=[4999])[0]
    one = cm.fit_pls(res.spec, df.iloc[idx].reset_index(drop=True), consistent=True)
    row, names = bt.bootstrap.replicates[4999], bt.bootstrap.names
    assert row[names.index("r2 SAT")] == pytest.approx(one.r2["SAT"], abs=1e-9)
    reps = bt.bootstrap.replicates
    np.testing.assert_allclose(bt.bootstrap.se, reps.std(axis=0), rtol=1e-12, atol=1e-15)
