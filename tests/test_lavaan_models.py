"""A suite of lavaan models: each agrees with lavaan 0.6-14 or is refused with a clear error.

The cases (model syntax, data file, lavaan options and what csi_model must do) and
lavaan's results are in tests/reference/lavaan_models/<case>.json, written by
make_reference.R there from the data in tests/data/. Per case, exactly one of:

* ``agree``: same parameters as lavaan; estimates within 1e-3 (relative 1e-3 where
  |est| > 1), standard errors within 1 % (fixed parameters: both 0), fit measures
  within relative 1e-3 (absolute 1e-6 near 0; NaN where lavaan reports NA);
* ``refuse``: a csi_model error (a ValueError subclass from csi_model.exceptions) whose
  message matches the case's ``message``;
* ``unidentified``: lavaan cannot invert the information matrix; csi_model warns
  (naming the parameters, matched by ``message``), reports NaN standard errors and
  lavaan's chi-square and degrees of freedom.
"""
from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import CSIModelError

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_models"
CASES = sorted(p.stem for p in REF.glob("*.json"))

FIT_MEASURES = ["npar", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli",
                "nfi", "logl", "unrestricted.logl", "aic", "bic", "bic2", "rmsea",
                "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "srmr", "gfi", "agfi"]
ROBUST_MEASURES = ["chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor",
                   "baseline.chisq.scaled", "baseline.chisq.scaling.factor", "cfi.scaled",
                   "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust", "rmsea.robust"]


def _reference(case: str) -> dict:
    return json.loads((REF / f"{case}.json").read_text())


def _fit_options(options: dict | list) -> dict:
    """lavaan's sem() options as fit() arguments (jsonlite writes no options as [])."""
    names = {"estimator": "estimator", "missing": "missing", "fixed.x": "fixed_x",
             "auto.cov.y": "auto_cov_y"}
    out = {}
    for key, value in dict(options or {}).items():
        if key == "missing":
            value = {"ml": "fiml", "listwise": "listwise"}[value]
        out[names[key]] = value
    return out


def _fit(ref: dict):
    # lavaan allows cross-loadings (growth models load every item on i and s)
    spec = cm.ModelSpec.from_syntax(ref["model"], name=ref["case"], allow_cross_loadings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CSIModelWarning)
        return cm.fit(spec, HERE.parent / ref["data_file"], **_fit_options(ref["options"]))


def _key(frame: pd.DataFrame) -> pd.Series:
    # lavaan may write a covariance as b ~~ a where we write a ~~ b
    return frame.apply(lambda r: (r.lhs, r.op, r.rhs) if r.op != "~~"
                       else (min(r.lhs, r.rhs), r.op, max(r.lhs, r.rhs)), axis=1)


def _merged(result, ref) -> pd.DataFrame:
    theirs = pd.DataFrame(ref["estimates"])
    ours = result.estimates.copy()
    ours["key"], theirs["key"] = _key(ours), _key(theirs)
    return ours.merge(theirs, on="key", suffixes=("", "_lav"), how="outer", indicator=True)


@pytest.fixture(scope="module")
def fitted():
    cache: dict = {}

    def get(case):
        if case not in cache:
            cache[case] = _fit(_reference(case))
        return cache[case]
    return get


def test_the_suite_has_at_least_30_models():
    refs = [_reference(c) for c in CASES]
    assert len(refs) >= 30
    assert sum(r["expect"] == "agree" for r in refs) >= 30
    assert all(r["lavaan_version"] == "0.6.14" for r in refs)


@pytest.mark.parametrize("case", CASES)
def test_agrees_with_lavaan_or_refuses_clearly(case, fitted):
    ref = _reference(case)
    if ref["expect"] == "refuse":
        with pytest.raises(CSIModelError, match=ref["message"]):
            _fit(ref)
        return
    res = fitted(case)
    theirs = ref["fit_measures"]
    if ref["expect"] == "unidentified":
        assert any(re.search(ref["message"], w) for w in res.warnings), res.warnings
        free = res.estimates[~((res.estimates.se == 0) & res.estimates.z.isna())]
        assert free["se"].isna().all()
        for name in ("chisq", "df", "npar"):
            np.testing.assert_allclose(res.fit_measures[name], theirs[name], rtol=1e-3,
                                       err_msg=name)
        return
    assert ref["expect"] == "agree"
    assert res.n == ref["n"]
    m = _merged(res, ref)
    assert (m["_merge"] == "both").all(), m.loc[m["_merge"] != "both", ["key", "_merge"]]

    est, est_lav = m["est"].to_numpy(float), m["est_lav"].to_numpy(float)
    tol = np.where(np.abs(est_lav) > 1, 1e-3 * np.abs(est_lav), 1e-3)
    bad = np.abs(est - est_lav) > tol
    assert not bad.any(), m.loc[bad, ["key", "est", "est_lav"]]

    se, se_lav = m["se"].to_numpy(float), m["se_lav"].to_numpy(float)
    np.testing.assert_allclose(se, se_lav, rtol=1e-2, atol=1e-8, err_msg="standard errors")
    fixed = se_lav == 0      # fixed parameters, the fixed.x rows included: no z, as lavaan
    assert m.loc[fixed, "z"].isna().all()

    ok = m["std.all_lav"].notna()
    np.testing.assert_allclose(m.loc[ok, "std.all"].to_numpy(float),
                               m.loc[ok, "std.all_lav"].to_numpy(float), rtol=1e-3, atol=1e-3,
                               err_msg="std.all")

    names = list(FIT_MEASURES)
    if dict(ref["options"] or {}).get("estimator") == "MLR":
        names += ROBUST_MEASURES
    ours = res.fit_measures
    for name in names:
        if theirs.get(name) is None:
            assert np.isnan(ours[name]), f"{name}: lavaan NA, ours {ours[name]}"
            continue
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-3, atol=1e-6, err_msg=name)


def test_the_suite_covers_each_lavaan_default():
    """Each default csi_model follows has at least one case that depends on it."""
    refs = {c: _reference(c) for c in CASES}
    fm = {c: r.get("fit_measures") or {} for c, r in refs.items()}
    # auto.cov.y: the same model with and without it differs by 3 df (issue 11: 105.3/36, 183.4/39)
    assert (fm["hs_mimic"]["df"], round(fm["hs_mimic"]["chisq"], 1)) == (36, 105.3)
    assert (fm["hs_mimic_no_cov_y"]["df"], round(fm["hs_mimic_no_cov_y"]["chisq"], 1)) == (39, 183.4)
    # auto.fix.first with a label: 107.4 on 30 df
    assert (fm["hs_label_first_loading"]["df"],
            round(fm["hs_label_first_loading"]["chisq"], 1)) == (30, 107.4)
    # fixed.x: fewer parameters, the same chi-square
    assert fm["hs_mimic_fixed_x_false"]["npar"] - fm["hs_mimic"]["npar"] == 3
    # saturated: TLI 1, not NaN
    assert fm["hs_saturated_factor"]["tli"] == 1 and fm["pd_observed_outcomes"]["tli"] == 1


@pytest.mark.parametrize("case", [c for c in CASES if _reference(c).get("partable")
                                  and _reference(c)["expect"] != "refuse"])
def test_parameter_table_follows_lavaans_defaults(case):
    """Which parameters are free, fixed, equal or fixed.x is lavaan's, row by row.

    This checks every default of sem() on its own: auto.fix.first (with labels),
    auto.fix.single, auto.var, auto.cov.lv.x, auto.cov.y, fixed.x and the mean structure.
    """
    ref = _reference(case)
    opts = _fit_options(ref["options"])
    spec = cm.ModelSpec.from_syntax(ref["model"], allow_cross_loadings=True).with_defaults(
        auto_cov_y=opts.get("auto_cov_y"), fixed_x=opts.get("fixed_x"))
    ours = spec.partable(meanstructure=opts.get("missing") == "fiml")
    theirs = pd.DataFrame(ref["partable"])
    ours["key"], theirs["key"] = _key(ours), _key(theirs)
    assert sorted(ours["key"]) == sorted(theirs["key"])
    m = ours.merge(theirs, on="key", suffixes=("", "_lav"))
    # fixed.x rows: lavaan fixes them (free 0, exo 1); we estimate and report them as fixed
    assert (m["exo"] == m["exo_lav"]).all(), m.loc[m["exo"] != m["exo_lav"], "key"]
    estimated = (m["free"] > 0) & (m["exo"] == 0)
    assert (estimated == (m["free_lav"] > 0)).all(), m.loc[estimated != (m["free_lav"] > 0), "key"]
    fixed = (m["free"] == 0) & (m["exo"] == 0)
    np.testing.assert_allclose(m.loc[fixed, "ustart"].to_numpy(float),
                               m.loc[fixed, "ustart_lav"].to_numpy(float))
    # equal labels (lavaan 0.6-14: equality constraints): those rows share one parameter
    est = m[estimated]
    for label, rows in est[est["label_lav"] != ""].groupby("label_lav"):
        assert rows["free"].nunique() == 1, (label, rows["key"].tolist())
    unlabelled = est[est["label_lav"] == ""]
    assert unlabelled["free"].is_unique
    assert not set(unlabelled["free"]) & set(est.loc[est["label_lav"] != "", "free"])
