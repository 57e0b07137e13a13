"""FIML (missing = "fiml") with ML, MLR and the bootstrap against lavaan 0.6-14 (missing = "ml").

References: tests/reference/lavaan_fiml/make_reference.R (see the README there), fitted by lavaan
from the CSV files in tests/data/: psych's bfi and sat.act (real missing answers) and the
simulated telecom survey with 5 % of the answers missing. Tolerances: estimates
|diff| <= 1e-3 + 1e-5 |est| (sat.act's SAT variances are ~5000), SEs relative 1 %, fit measures
|diff| <= 1e-3 + 1e-5 |value|; bootstrap replicates refitted on lavaan's own resample indices
within the same tolerance as estimates, and their SEs within 1 %.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.cli import main
from csi_model.sem import _fiml
from csi_model.sem._fastboot import FIMLRefit
from csi_model.sem._ram import RAMModel

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_fiml"
DATA = HERE / "data"

CASES = ["telecom_ml", "telecom_mlr", "bfi_five_ml", "bfi_five_mlr", "bfi_predictors_ml",
         "bfi_predictors_mlr", "sat_act_ml", "sat_act_mlr"]
MEASURES = ["chisq", "df", "pvalue", "npar", "cfi", "tli", "nfi", "rmsea", "rmsea.ci.lower",
            "rmsea.ci.upper", "srmr", "logl", "unrestricted.logl", "aic", "bic",
            "baseline.chisq", "baseline.df"]
ROBUST = ["cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust",
          "rmsea.ci.upper.robust"]   # lavaan's FIML-corrected ones, ML too
MLR_MEASURES = ["chisq.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled",
                "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled",
                *ROBUST]


def load(case: str) -> dict:
    return json.loads((REF / f"{case}.json").read_text(encoding="utf-8"))


def _fixed_x(ref: dict) -> bool:
    """lavaan's fixed.x of the reference (the predictor cases use fixed.x = FALSE)."""
    return bool(ref["options"].get("fixed.x", True))


@pytest.fixture(scope="module")
def fits():
    cache = {}

    def get(case):
        if case not in cache:
            ref = load(case)
            spec = cm.load_model(REF / ref["model_file"])
            frame = pd.read_csv(HERE.parent / ref["data_file"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[case] = (ref, cm.fit(spec, frame, missing="fiml",
                                           estimator=ref["options"]["estimator"],
                                           fixed_x=_fixed_x(ref)))
        return cache[case]
    return get


def _merged(ref, res) -> pd.DataFrame:
    theirs = pd.DataFrame(ref["estimates"])
    both = theirs.merge(res.estimates, on=["lhs", "op", "rhs"], how="outer",
                        suffixes=("_lavaan", ""), indicator=True)
    assert (both["_merge"] == "both").all(), both[both["_merge"] != "both"]
    return both


@pytest.mark.parametrize("case", CASES)
def test_estimates_and_standard_errors(fits, case):
    ref, res = fits(case)
    assert res.n == ref["n"] and res.converged
    both = _merged(ref, res)
    np.testing.assert_allclose(both["est"], both["est_lavaan"], rtol=1e-5, atol=1e-3)
    free = both["se_lavaan"] > 0
    np.testing.assert_allclose(both.loc[free, "se"], both.loc[free, "se_lavaan"], rtol=0.01)
    assert (both.loc[~free, "se"] == 0).all()


@pytest.mark.parametrize("case", CASES)
def test_fit_measures(fits, case):
    ref, res = fits(case)
    names = MEASURES + (MLR_MEASURES if ref["options"]["estimator"] == "MLR" else ROBUST)
    ours = res.fit_measures[names].to_numpy(dtype=float)
    theirs = np.array([ref["fit_measures"][k] for k in names], dtype=float)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-3, err_msg=str(names))


def test_mlr_changes_only_the_standard_errors(fits):
    (_, ml), (_, mlr) = fits("telecom_ml"), fits("telecom_mlr")
    np.testing.assert_allclose(ml.estimates["est"], mlr.estimates["est"], atol=1e-12)
    assert not np.allclose(ml.estimates["se"], mlr.estimates["se"])
    assert "chisq.scaled" in mlr.fit_measures and "chisq.scaled" not in ml.fit_measures
    assert ml.fit_measures["cfi.robust"] != mlr.fit_measures["cfi.robust"]   # V6 / V3


def test_predictor_with_missing_values_matches_ml_x(fits):
    """Observed predictors are random (fixed.x = FALSE), so a predictor's missing answers are
    in the likelihood: lavaan's missing = "ml.x" gives the same model estimates."""
    ref_x = load("bfi_predictors_mlx")
    _, res = fits("bfi_predictors_ml")
    frame = pd.read_csv(DATA / "bfi.csv")
    assert frame["education"].isna().sum() == 223
    assert res.n == ref_x["n"] == len(frame)
    theirs = pd.DataFrame(ref_x["estimates"])
    # ml.x leaves the predictors' own moments out of the model (fixed.x = TRUE)
    model_rows = ~(theirs["lhs"].isin(["age", "education"]) & theirs["op"].isin(["~~", "~1"]))
    both = theirs[model_rows].merge(res.estimates, on=["lhs", "op", "rhs"], suffixes=("_lavaan", ""))
    assert len(both) == model_rows.sum()
    np.testing.assert_allclose(both["est"], both["est_lavaan"], rtol=1e-5, atol=1e-3)


# ------------------------------------------------------------------------ bootstrap
def _refit_on_lavaan_indices(case: str):
    ref = load(case)
    spec = cm.load_model(REF / ref["model_file"])
    frame = pd.read_csv(HERE.parent / ref["data_file"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.fit(spec, frame, missing="fiml", fixed_x=_fixed_x(ref))
    X = frame[list(spec.observed)].to_numpy(dtype=float)
    assert not np.isnan(X).all(axis=1).any()
    model = RAMModel.from_partable(spec.partable(meanstructure=True), spec.observed, spec.latents)
    data = _fiml.MissingData(X)
    stat = FIMLRefit(model, data, res.theta, _fiml.observed_information(model, res.theta, data))
    boot = ref["bootstrap"]
    idx = np.asarray(boot["idx"], dtype=int) - 1
    ours = stat.batch(list(idx))
    # lavaan's replicates are in its coef() order: match them to ours by name
    position = {name: k for k, name in enumerate(boot["names"])}
    order = []
    for r in model.free_rows:
        row = model.partable.iloc[r]
        name = f"{row.lhs}{row.op}{row.rhs}"
        order.append(position.get(name, position.get(f"{row.rhs}{row.op}{row.lhs}")))
    assert None not in order and sorted(order) == list(range(len(order)))
    theirs = np.array([[np.nan if v is None else v for v in row] for row in boot["replicates"]])
    lavaan_se = np.array(list(boot["se"].values()), dtype=float)
    return ours, theirs[:, order], lavaan_se[order], np.asarray(boot["converged"], bool)


@pytest.mark.parametrize("case", ["sat_act_boot", "telecom_boot", "bfi_five_boot"])
def test_bootstrap_refits_lavaans_resamples(case):
    ours, theirs, lavaan_se, ok = _refit_on_lavaan_indices(case)
    assert ok.all() and np.isfinite(ours).all()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(ours.std(axis=0), lavaan_se, rtol=0.01)   # divisor B, as lavaan


def test_fit_bootstrap_with_fiml_public_api():
    frame = pd.read_csv(DATA / "sat_act.csv")
    spec = cm.load_model(REF / "sat_act.lav")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # lavaan's reference: fixed.x = FALSE
        res = cm.fit(spec, frame, missing="fiml", bootstrap=200, seed=3, fixed_x=False)
        again = cm.fit(spec, frame, missing="fiml", bootstrap=200, seed=3, fixed_x=False)
    assert res.n == 700 and res.bootstrap.B == 200 and res.bootstrap.n_failed == 0
    pd.testing.assert_frame_equal(res.estimates, again.estimates)
    lavaan_se = load("sat_act_boot")["bootstrap"]["se"]
    free = res.estimates[res.estimates["se"] > 0]
    ours = dict(zip([f"{r.lhs}{r.op}{r.rhs}" for r in free.itertuples()], free["se"]))
    # different resamples (B = 200 each): Monte-Carlo error of a SE ~ 1/sqrt(2B) = 5 % per side
    for name, se in lavaan_se.items():
        assert abs(ours[name] / se - 1) < 0.25, (name, ours[name], se)
    assert any("Bootstrap: 200 resamples" in w for w in res.warnings)


def test_cli_fit_fiml_mlr_and_bootstrap(tmp_path, capsys):
    model = REF / "sat_act.lav"
    out_json = tmp_path / "mlr.json"
    code = main(["fit", str(DATA / "sat_act.csv"), "-m", str(model), "--missing", "fiml",
                 "--estimator", "MLR", "--json", str(out_json), "-q"])
    assert code == 0, capsys.readouterr().err
    res = json.loads(out_json.read_text(encoding="utf-8"))
    ref = load("sat_act_mlr")
    assert res["n"] == 700 and res["missing"] == "fiml" and res["estimator"] == "MLR"
    assert res["fit_measures"]["chisq.scaled"] == pytest.approx(
        ref["fit_measures"]["chisq.scaled"], rel=1e-5)
    out_json = tmp_path / "boot.json"
    code = main(["fit", str(DATA / "sat_act.csv"), "-m", str(model), "--missing", "fiml",
                 "--bootstrap", "50", "--seed", "1", "--json", str(out_json), "-q"])
    assert code == 0, capsys.readouterr().err
    res = json.loads(out_json.read_text(encoding="utf-8"))
    assert any("Bootstrap: 50 resamples" in w for w in res["warnings"])


# ------------------------------------------------------------------------ the mathematics
def test_observed_information_is_the_hessian():
    ref = load("sat_act_ml")
    spec = cm.load_model(REF / ref["model_file"])
    X = pd.read_csv(DATA / "sat_act.csv")[list(spec.observed)].to_numpy(dtype=float)
    model = RAMModel.from_partable(spec.partable(meanstructure=True), spec.observed, spec.latents)
    data = _fiml.MissingData(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theta = cm.fit(spec, pd.DataFrame(X, columns=spec.observed), missing="fiml",
                       fixed_x=False).theta
    numeric = _fiml.BatchFIML(model, data).hessian(theta)
    closed = _fiml.observed_information(model, theta, data)
    np.testing.assert_allclose(closed, numeric, rtol=1e-5, atol=1e-8 * np.abs(numeric).max())


def test_case_terms_agree_with_a_per_case_loop():
    rng = np.random.default_rng(4)
    p = 5
    A = rng.normal(size=(p, p))
    Sigma = A @ A.T + p * np.eye(p)
    mu = rng.normal(size=p)
    X = rng.multivariate_normal(mu, Sigma, size=40)
    X[rng.random(X.shape) < 0.2] = np.nan
    X = X[~np.isnan(X).all(axis=1)]
    data = _fiml.MissingData(X)
    expected = 0.0
    for row in X:
        o = ~np.isnan(row)
        S, d = Sigma[np.ix_(o, o)], row[o] - mu[o]
        expected -= 0.5 * (o.sum() * np.log(2 * np.pi) + np.linalg.slogdet(S)[1]
                           + d @ np.linalg.solve(S, d))
    assert _fiml.loglik(Sigma, mu, data) == pytest.approx(expected, rel=1e-12)
    S_em, mu_em, ll, _ = _fiml.em_saturated(data)
    _, GS, gm = _fiml.case_terms(S_em[None], mu_em[None], data)
    assert np.abs(GS).max() < 1e-4 and np.abs(gm).max() < 1e-4   # the EM solution is the MLE


# ------------------------------------------------------------------------ multi-group
def test_invariance_ladder_with_fiml_matches_lavaan():
    ref = load("bfi_gender_ladder")
    spec = cm.load_model(REF / ref["model_file"])
    frame = pd.read_csv(HERE.parent / ref["data_file"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inv = cm.invariance(spec, frame, by="gender", steps=("configural", "metric", "scalar"),
                            missing="fiml", suggest=False)
    for step, theirs in ref["steps"].items():
        res = inv.fits[step]
        assert list(res.n) == theirs["n"] and sum(res.n) == len(frame) and res.converged
        names = ["chisq", "df", "npar", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
                 "srmr", "logl", "unrestricted.logl", "baseline.chisq", "baseline.df", "aic", "bic"]
        np.testing.assert_allclose(res.fit_measures[names].to_numpy(dtype=float),
                                   [theirs["fit_measures"][k] for k in names],
                                   rtol=1e-5, atol=1e-3, err_msg=f"{step}: {names}")
        est = pd.DataFrame(theirs["estimates"]).rename(columns={"group.label": "group"})
        est["group"] = est["group"].astype(str)
        both = est.merge(res.estimates, on=["group", "lhs", "op", "rhs"], suffixes=("_lavaan", ""))
        assert len(both) == len(est)
        np.testing.assert_allclose(both["est"], both["est_lavaan"], rtol=1e-5, atol=1e-3)
        free = both["se_lavaan"] > 0
        np.testing.assert_allclose(both.loc[free, "se"], both.loc[free, "se_lavaan"], rtol=0.01)
    ladder = inv.ladder
    assert ladder.loc["metric", "chisq.diff"] == pytest.approx(
        ref["steps"]["metric"]["fit_measures"]["chisq"]
        - ref["steps"]["configural"]["fit_measures"]["chisq"], abs=1e-3)


def test_multigroup_missing_argument_is_checked():
    with pytest.raises(ValueError, match=r"'missing' parameter of fit_multigroup must be one of"):
        cm.fit_multigroup(REF / "bfi_three.lav", DATA / "bfi.csv", by="gender", missing="mean")
