"""Canaries for the third-party behaviour csi_model relies on (see README, "Dependency decisions").

Each test calls a function we depend on, the way we call it, so that a dependency
release that breaks it (as numpy 2.4, pandas 3 and scikit-learn 1.8 did) fails here
with a clear name instead of deep inside a fit.
"""
from __future__ import annotations

import warnings
from importlib.metadata import version

import numpy as np
import pandas as pd
import pytest
from packaging.version import Version

import csi_model as cm
from csi_model.sem import fitting as cbsem


def test_installed_versions_respect_the_bounds():
    assert Version(version("numpy")) < Version("2.4")
    assert Version(version("pandas")) < Version("3")
    assert Version(version("scikit-learn")) < Version("1.8")
    assert version("semopy") == "2.3.11"
    assert version("factor_analyzer") == "0.5.1"


def test_semopy_fit_and_inspect_layout():
    """cbsem reads semopy's inspect() as (lval, op, rval, Estimate); loadings as item ~ latent."""
    import semopy
    data = cm.simulate_survey("acsi", n=300, seed=1)
    spec = cm.load_model("acsi")
    model = semopy.Model(cbsem.semopy_description(spec.partable()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(data[list(spec.observed)].astype(float), obj="MLW", solver="SLSQP")
    tab = model.inspect()
    assert list(tab.columns[:4]) == ["lval", "op", "rval", "Estimate"]
    row = tab[(tab.lval == "QUAL2") & (tab.rval == "QUAL")]
    assert row.op.iloc[0] == "~" and 0.3 < float(row.Estimate.iloc[0]) < 3


def test_semopy_fit_from_covariance_needs_n_samples():
    """The FIML start fits semopy to the EM covariance; semopy needs n_samples for that."""
    import semopy
    data = cm.simulate_survey("acsi", n=300, seed=2)
    spec = cm.load_model("acsi")
    cov = data[list(spec.observed)].cov()
    est = cbsem._semopy_estimates(spec.partable(), None, cov, 300)
    assert ("QUAL2", "~", "QUAL") in est


def test_semopy_start_values_are_polished_to_lavaan_precision():
    """Our estimate is the ML optimum even where semopy's optimizer stops early."""
    res = cm.fit("acsi", cm.simulate_survey("acsi", n=300, seed=3))
    assert res.converged and res.iterations < 20


def test_factor_analyzer_efa_and_kmo():
    from factor_analyzer import FactorAnalyzer, calculate_bartlett_sphericity, calculate_kmo
    data = cm.simulate_survey("acsi", n=300, seed=4).astype(float)
    kmo_items, kmo_total = calculate_kmo(data)
    assert 0 < kmo_total < 1 and len(kmo_items) == data.shape[1]
    chi2, p = calculate_bartlett_sphericity(data)
    assert chi2 > 0
    fa = FactorAnalyzer(n_factors=3, rotation="oblimin", method="minres")
    fa.fit(data)                       # fails with TypeError on scikit-learn >= 1.8
    assert fa.loadings_.shape == (data.shape[1], 3)


def test_threadpoolctl_limits_blas():
    from threadpoolctl import threadpool_info, threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        assert all(i["num_threads"] == 1 for i in threadpool_info() if i["user_api"] == "blas")


@pytest.mark.parametrize("module", ["openpyxl", "pyreadstat"])
def test_file_readers_import(module):
    __import__(module)
