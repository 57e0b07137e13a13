"""Shared comparison of a csi_model fit with a lavaan 0.6-14 reference case (the JSON
written by tests/reference/lavaan_{constraints,formative,nonrecursive}/make_reference.R)."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import csi_model as cm

ROOT = Path(__file__).resolve().parent.parent

# the invariance steps and fit measures compared in the weighted multi-group references
WEIGHTED_GROUP_STEPS = {"configural": [], "metric": ["loadings"],
                        "scalar": ["loadings", "intercepts"],
                        "strict": ["loadings", "intercepts", "residuals"]}
WEIGHTED_GROUP_MEASURES = [
    "npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
    "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
    "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust",
    "tli.robust", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.scaled",
    "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "rmsea.robust", "rmsea.ci.lower.robust",
    "rmsea.ci.upper.robust", "srmr", "logl", "unrestricted.logl", "aic", "bic"]


def load_cases(topic: str, name: str) -> dict:
    return json.loads((ROOT / "tests" / "reference" / topic / name).read_text())["cases"]


def fit_case(case: dict, **options):
    spec = cm.ModelSpec.from_syntax(case["model"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CSIModelWarning)
        return cm.fit(spec, ROOT / case["data_file"], **options)


def _key(frame: pd.DataFrame) -> pd.Series:
    return frame.apply(lambda r: (r.lhs, r.op, r.rhs) if r.op != "~~"
                       else (min(r.lhs, r.rhs), r.op, max(r.lhs, r.rhs)), axis=1)


def aligned(res, case: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ours, lavaan's) estimate rows in lavaan's order; every lavaan row must be ours."""
    ours = res.estimates[res.estimates.op != ":="].copy()
    ours.index = _key(ours)
    theirs = pd.DataFrame(case["estimates"])
    theirs.index = _key(theirs)
    assert set(theirs.index) == set(ours.index), set(theirs.index) ^ set(ours.index)
    return ours.loc[theirs.index], theirs


def assert_agrees(res, case: dict, *, est_rtol=1e-4, se_rtol=1e-3, atol=1e-5) -> None:
    """Estimates (rtol 1e-4), SEs (rtol 1e-3), std.all, R-square, chi-square, df and npar."""
    ours, theirs = aligned(res, case)
    np.testing.assert_allclose(ours["est"], theirs["est"], rtol=est_rtol, atol=atol)
    se = theirs["se"].astype(float).fillna(0.0)      # lavaan: NA for the fixed.x rows' SE
    np.testing.assert_allclose(ours["se"], se, rtol=se_rtol, atol=atol)
    std = theirs["std.all"].astype(float)
    ok = std.notna().to_numpy()
    np.testing.assert_allclose(ours["std.all"].to_numpy()[ok], std.to_numpy()[ok],
                               rtol=est_rtol, atol=atol)
    for name, value in case["r2"].items():
        np.testing.assert_allclose(res.r2[name], value, rtol=est_rtol, atol=atol, err_msg=name)
    fm = case["fit_measures"]
    np.testing.assert_allclose(res.fit_measures["chisq"], fm["chisq"], rtol=1e-6, atol=1e-6)
    assert res.fit_measures["df"] == fm["df"]
    assert res.fit_measures["npar"] == fm["npar"]
    for name in ("cfi", "tli", "rmsea", "srmr", "aic", "bic", "logl"):
        np.testing.assert_allclose(res.fit_measures[name], fm[name], rtol=1e-5, atol=1e-6,
                                   err_msg=name)
