"""Start values (csi_model/sem/start.py) against lavaan's, and the fits that start from them.

Reference: tests/reference/lavaan_start/<case>.json, lavaan 0.6-14's ``parTable(fit)$start``
after ``sem(model, data, do.fit = FALSE)`` (make_reference.R there). Loadings (FABIN 3) and
the items' residual variances (half the variance) are lavaan's scheme and agree to 1e-8;
latent (co)variances and paths start from the moments instead of lavaan's 0.05 and 0
(see the module docstring), so they are checked through the fit they lead to.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.sem import _estimation as est
from csi_model.sem._ram import RAMModel
from csi_model.sem.start import fabin3_loadings, start_values

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_start"
CASES = {"holzinger": ("holzinger.lav", "holzinger_swineford.csv"),
         "political_democracy": ("political_democracy.lav", "political_democracy.csv"),
         "telecom_sim": ("telecom.lav", "telecom_sim.csv"),
         "ecsi_mobi": ("ecsi_mobi.lav", "ecsi_mobi.csv")}


def _setup(case):
    model_file, data_file = CASES[case]
    spec = cm.load_model(HERE / "reference" / "lavaan" / model_file)
    X = pd.read_csv(HERE / "data" / data_file)[list(spec.observed)].dropna().to_numpy(float)
    model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
    return spec, model, est.Moments.from_data(X)


def _lavaan_starts(case) -> dict:
    ref = json.loads((REF / f"{case}.json").read_text())
    return {(r["lhs"], r["op"], r["rhs"]): r["start"] for r in ref["start"]}


def _ours(model, theta) -> dict:
    pt = model.partable
    values = model.theta_to_rows(theta)
    return {(r.lhs, r.op, r.rhs): v for r, v in zip(pt.itertuples(), values) if r.free > 0}


@pytest.mark.parametrize("case", list(CASES))
def test_loadings_and_item_residual_variances_are_lavaans(case):
    spec, model, mom = _setup(case)
    ours = _ours(model, start_values(model, mom.cov))
    lav = _lavaan_starts(case)
    keys = [k for k in ours if k[1] == "=~" or (k[1] == "~~" and k[0] == k[2]
                                                and k[0] in spec.observed)]
    assert len(keys) > 5
    for k in keys:
        assert ours[k] == pytest.approx(lav[k], rel=1e-8, abs=1e-10), k


@pytest.mark.parametrize("case", list(CASES))
def test_fisher_scoring_converges_from_our_starts(case):
    _, model, mom = _setup(case)
    theta, iters, ok = est.fit_ml(model, start_values(model, mom.cov), mom)
    assert ok and iters < 60


def test_fabin3_is_exact_on_a_one_factor_covariance():
    lam = np.array([1.0, 0.7, 1.3, 0.9, 1.1])
    S = 0.8 * np.outer(lam, lam) + np.diag([0.5, 0.4, 0.6, 0.3, 0.5])
    assert fabin3_loadings(S) == pytest.approx(lam, rel=1e-12)
    assert fabin3_loadings(S[:3, :3]) == pytest.approx(lam[:3], rel=1e-12)


def test_fabin3_negative_triad_falls_back_to_ones_like_lavaan():
    S = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, -0.1], [0.3, -0.1, 1.0]])
    assert fabin3_loadings(S).tolist() == [1.0, 1.0, 1.0]


def test_latent_moments_start_near_the_estimate():
    """Latent variances and paths from the moments are close to the ML solution."""
    spec, model, mom = _setup("telecom_sim")
    theta0 = start_values(model, mom.cov)
    theta, _, ok = est.fit_ml(model, theta0, mom)
    assert ok
    pt = model.partable
    paths = [k for k, r in enumerate(model.free_rows) if pt.op.iat[r] == "~"]
    assert np.max(np.abs(theta0[paths] - theta[paths])) < 0.15


def test_std_lv_model_starts_and_converges():
    """No marker (latent variances fixed at 1): the loadings are rescaled to that metric."""
    syntax = ("visual =~ NA*x1 + x2 + x3\ntextual =~ NA*x4 + x5 + x6\nspeed =~ NA*x7 + x8 + x9\n"
              "visual ~~ 1*visual\ntextual ~~ 1*textual\nspeed ~~ 1*speed")
    spec = cm.ModelSpec.from_syntax(syntax)
    data = pd.read_csv(HERE / "data" / "holzinger_swineford.csv")
    marker = cm.fit(HERE / "reference" / "lavaan" / "holzinger.lav", data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.fit(spec, data)
    assert res.converged
    assert res.fit_measures["chisq"] == pytest.approx(marker.fit_measures["chisq"], rel=1e-8)


def test_user_start_values_win():
    spec = cm.ModelSpec.from_syntax("f =~ x1 + start(0.42)*x2 + x3 + x4")
    pt = spec.partable()
    model = RAMModel.from_partable(pt, spec.observed, spec.latents)
    S = np.eye(4) + 0.5
    theta = start_values(model, S)
    row = int(np.flatnonzero((pt.rhs == "x2").to_numpy())[0])
    assert theta[pt.free.iat[row] - 1] == 0.42


def test_fiml_and_multigroup_fits_need_no_semopy():
    """Both start from our values; semopy is never imported (checked in a fresh process)."""
    import subprocess
    import sys
    code = (
        "import sys, warnings\nimport csi_model as cm\nwarnings.simplefilter('ignore')\n"
        f"d = {str(HERE / 'data')!r}\n"
        "r = cm.fit('telecom', d + '/telecom_sim_missing.csv', missing='fiml')\n"
        "assert r.converged\n"
        "g = cm.fit_multigroup('telecom', d + '/telecom_two_waves.csv', by='wave')\n"
        "assert g.converged\n"
        "print('semopy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "False"
