"""Canaries for the third-party behaviour csi_model relies on (see README, "Dependency decisions").

Each test calls a function we depend on, the way we call it, so that a dependency
release that breaks it (as numpy 2.4, pandas 3 and scikit-learn 1.8 did) fails here
with a clear name instead of deep inside a fit.
"""
from __future__ import annotations

import warnings
from importlib.metadata import version

import numpy as np
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
    data = cm.simulate_survey("acsi", n=300, seed=2)
    spec = cm.load_model("acsi")
    cov = data[list(spec.observed)].cov()
    est = cbsem._semopy_estimates(spec.partable(), None, cov, 300)
    assert ("QUAL2", "~", "QUAL") in est


def test_semopy_engine_is_polished_to_the_same_estimates_as_ours():
    """fit(engine="semopy"): semopy estimates, Fisher scoring polishes to our ML optimum."""
    data = cm.simulate_survey("acsi", n=300, seed=3)
    ours = cm.fit("acsi", data)
    semo = cm.fit("acsi", data, engine="semopy")
    assert ours.converged and semo.converged and semo.iterations < 20
    np.testing.assert_allclose(semo.estimates["est"], ours.estimates["est"], atol=1e-5)
    np.testing.assert_allclose(semo.estimates["se"], ours.estimates["se"], atol=1e-5)
    assert semo.fit_measures["chisq"] == pytest.approx(ours.fit_measures["chisq"], abs=1e-7)


def test_semopy_engine_with_fiml():
    data = cm.simulate_survey("acsi", n=300, seed=5, missing_rate=0.05)
    ours = cm.fit("acsi", data, missing="fiml")
    semo = cm.fit("acsi", data, missing="fiml", engine="semopy")
    assert ours.converged and semo.converged
    np.testing.assert_allclose(semo.estimates["est"], ours.estimates["est"], atol=1e-5)


def test_semopy_is_the_fallback_when_fisher_scoring_fails_from_our_starts(monkeypatch):
    from csi_model.sem import _estimation as est
    data = cm.simulate_survey("acsi", n=300, seed=3)
    reference = cm.fit("acsi", data)
    real_fit_ml = est.fit_ml
    calls = []

    def fails_first(model, theta0, mom, **kw):   # our starts: stop after 2 iterations
        calls.append(1)
        return real_fit_ml(model, theta0, mom, max_iter=2) if len(calls) == 1 else \
            real_fit_ml(model, theta0, mom, **kw)

    monkeypatch.setattr(est, "fit_ml", fails_first)
    res = cm.fit("acsi", data)
    assert res.converged and len(calls) == 2
    assert any("restarted from semopy's estimates and converged" in w for w in res.warnings)
    np.testing.assert_allclose(res.estimates["est"], reference.estimates["est"], atol=1e-5)


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="engine"):
        cm.fit("acsi", cm.simulate_survey("acsi", n=300, seed=3), engine="lavaan")


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
