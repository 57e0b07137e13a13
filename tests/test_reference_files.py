"""Sanity checks of the committed lavaan reference files (not of csi_model).

The references in tests/reference/lavaan/ are produced by make_reference.R; these tests
only check that every file is complete and that well-known published numbers come out,
so that a broken regeneration is caught before any estimator test uses it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

REF = Path(__file__).parent / "reference" / "lavaan"
DATA = Path(__file__).parent / "data"
CASES = ["political_democracy", "political_democracy_mlr", "holzinger", "holzinger_mlr",
         "telecom_sim", "ecsi_mobi", "telecom_missing_fiml", "telecom_missing_listwise"]
REQUIRED = ["lavaan_version", "case", "options", "n", "estimates", "fit_measures", "r2",
            "implied_cov", "partable", "warnings"]
EST_COLUMNS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"]


def load(case: str) -> dict:
    return json.loads((REF / f"{case}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES)
def test_reference_file_is_complete(case):
    ref = load(case)
    for key in REQUIRED:
        assert key in ref, key
    assert ref["case"] == case
    assert ref["converged"] is True
    est = pd.DataFrame(ref["estimates"])
    assert list(est.columns) == EST_COLUMNS
    for key in ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
                "srmr", "gfi", "agfi", "nfi", "aic", "bic", "logl"]:
        assert key in ref["fit_measures"], key
    pt = pd.DataFrame(ref["partable"])
    assert {"lhs", "op", "rhs", "free", "ustart", "label"} <= set(pt.columns)
    assert pt.free.max() == ref["fit_measures"]["npar"]
    cov = pd.DataFrame(ref["implied_cov"])
    assert cov.shape[0] == cov.shape[1] and (cov.index == cov.columns).all()
    assert (DATA / Path(ref["data_file"]).name).is_file()
    assert (REF / ref["model_file"]).is_file()


def test_published_numbers():
    # lavaan tutorial: HolzingerSwineford1939 CFA, chi-square 85.306 on 24 df
    fm = load("holzinger")["fit_measures"]
    assert fm["chisq"] == pytest.approx(85.306, abs=0.001)
    assert fm["df"] == 24
    # lavaan tutorial: Bollen's political democracy model, chi-square 38.125 on 35 df
    fm = load("political_democracy")["fit_measures"]
    assert fm["chisq"] == pytest.approx(38.125, abs=0.001)
    assert fm["df"] == 35
    assert load("political_democracy")["n"] == 75


def test_mlr_cases_have_scaled_statistics():
    for case in ["political_democracy_mlr", "holzinger_mlr"]:
        ref = load(case)
        assert ref["options"]["estimator"] == "MLR"
        assert ref["fit_measures"]["chisq.scaled"] is not None
        # same ML point estimates as the ML case
        ml = pd.DataFrame(load(case.removesuffix("_mlr"))["estimates"])
        mlr = pd.DataFrame(ref["estimates"])
        pd.testing.assert_series_equal(ml.est, mlr.est, rtol=1e-6, atol=1e-8)


def test_single_indicator_residual_fixed_at_zero():
    for case, item in [("telecom_sim", "COMP1"), ("ecsi_mobi", "CUSCO"),
                       ("telecom_missing_fiml", "COMP1")]:
        pt = pd.DataFrame(load(case)["partable"])
        row = pt[(pt.lhs == item) & (pt.op == "~~") & (pt.rhs == item)].iloc[0]
        assert row.free == 0 and row.ustart == 0


def test_missing_cases():
    fiml, lw = load("telecom_missing_fiml"), load("telecom_missing_listwise")
    data = pd.read_csv(DATA / "telecom_sim_missing.csv")
    assert fiml["n"] == len(data) == 400
    assert lw["n"] == len(data.dropna()) < 400
    assert fiml["options"]["missing"] == "ml" and "implied_mean" in fiml
    assert lw["options"]["missing"] == "listwise"


def test_ecsi_mobi_is_improper():
    adm = load("ecsi_mobi")["admissibility"]
    assert len(adm["std_above_1"]) > 0
    assert set(adm["latent_r2_above_0.95"]) >= {"EXPE", "QUAL"}
