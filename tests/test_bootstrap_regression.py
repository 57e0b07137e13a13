"""The CB-SEM bootstrap gives the numbers it gave before the issue-19 speed-ups.

tests/reference/bootstrap_regression/reference.json was written by the code of commit 9c94be8
(see its README); every speed-up of the batched refits must reproduce it to 1e-10, and the
replicates must not depend on n_jobs or the joblib backend.
"""
from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import csi_model as cm

HERE = Path(__file__).resolve().parent / "reference" / "bootstrap_regression"
REF = json.loads((HERE / "reference.json").read_text())


def _make_reference():
    spec = importlib.util.spec_from_file_location("make_bootstrap_reference",
                                                  HERE / "make_reference.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MAKE = _make_reference()
CASES = {name: (text, data, kwargs) for name, text, data, kwargs in MAKE.cases()}


def _fit(name, **extra):
    text, data, kwargs = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cm.fit(cm.ModelSpec.from_syntax(text), data, **kwargs, **extra)


@pytest.mark.parametrize("name", list(REF))
def test_bootstrap_table_is_unchanged(name):
    got, ref = MAKE.table(_fit(name)), REF[name]
    assert got["keys"] == ref["keys"]
    assert got["n_failed"] == ref["n_failed"]
    for col in MAKE.COLUMNS:
        a = np.array([np.nan if v is None else v for v in got[col]], float)
        b = np.array([np.nan if v is None else v for v in ref[col]], float)
        assert_allclose(a, b, rtol=0, atol=1e-10, equal_nan=True, err_msg=f"{name}: {col}")
    assert_allclose(got["replicate_sum"], ref["replicate_sum"], rtol=1e-12, atol=1e-10)
    assert_allclose(got["replicate_sumsq"], ref["replicate_sumsq"], rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_bootstrap_replicates_do_not_depend_on_n_jobs(backend):
    one = _fit("ml")
    two = _fit("ml", n_jobs=2, backend=backend)
    assert_array_equal(one.bootstrap.replicates, two.bootstrap.replicates)
    assert_array_equal(one.estimates["se"].to_numpy(), two.estimates["se"].to_numpy())
