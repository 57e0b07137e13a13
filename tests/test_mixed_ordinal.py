"""Ordinal and continuous items together: polyserial correlations and the mixed WLS statistics.

Reference values: tests/reference/lavaan_mixed/make.R (lavaan 0.6-14, lavCor and cfa with
ordered = c("x1", "x2", "x3") on HolzingerSwineford1939, x4-x9 continuous).
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import SurveyDataError

REF = Path(__file__).parent / "reference" / "lavaan_mixed"
ORD = ["x1", "x2", "x3"]


@pytest.fixture(scope="module")
def ref():
    return json.loads((REF / "hs_mixed.json").read_text())


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(REF / "hs_mixed.csv")


def test_polyserial_matches_lavcor(ref, data):
    res = cm.polychoric(data, ordered=ORD)
    C = np.array(ref["lavcor"])
    sd = np.sqrt(np.diag(C))
    np.testing.assert_allclose(res.correlation.to_numpy(), C / np.outer(sd, sd), rtol=0, atol=1e-5)
    np.testing.assert_allclose(res.thresholds.tau, ref["lavcor_th"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(res.means, ref["sampstat_mean"][3:], rtol=1e-10)
    np.testing.assert_allclose(res.variances, np.diag(C)[3:], rtol=1e-10)
    assert list(res.thresholds["item"].unique()) == ORD and set(res.categories) == set(ORD)


def test_polyserial_leaves_all_ordinal_unchanged(data):
    a = cm.polychoric(data[ORD])
    b = cm.polychoric(data[ORD], ordered=ORD)
    pd.testing.assert_frame_equal(a.correlation, b.correlation)
    assert b.means is None


def test_polyserial_refusals(data):
    with pytest.raises(SurveyDataError, match="'ordered' parameter of polychoric"):
        cm.polychoric(data, ordered=["nope"])
    with pytest.raises(SurveyDataError, match="missing='listwise'"):
        cm.polychoric(data, ordered=ORD, missing="pairwise")


def test_polyserial_recovers_simulated_correlation():
    rng = np.random.default_rng(7)
    z = rng.multivariate_normal([0, 0], [[1, -.45], [-.45, 1]], size=20000)
    df = pd.DataFrame({"o": np.digitize(z[:, 0], [-1, 0, .8]), "c": 3 + 2 * z[:, 1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cm.polychoric(df, ordered=["o"])
    assert abs(res.correlation.loc["o", "c"] + 0.45) < 0.02


TELECOM5 = REF.parent / "lavaan_ordinal" / "telecom5.csv"
CASES = {"hs_mixed": REF / "hs_mixed.csv", "hs_mixed_ulsmv": REF / "hs_mixed.csv",
         "bfi_mixed": REF.parent / "polychoric" / "bfi_items.csv",
         "telecom_mixed": TELECOM5, "telecom_comp": TELECOM5,
         "hs_mixed_weights": REF / "hs_mixed_weights.csv"}


def _case(name):
    """(reference, data with the items (and the weight column w), weights summing to n)."""
    ref = json.loads((REF / f"{name}.json").read_text())
    df = pd.read_csv(CASES[name])
    if "w" not in df:
        return ref, df[ref["items"]], None
    w = df["w"].to_numpy()
    return ref, df[ref["items"] + ["w"]], w * len(w) / w.sum()


@pytest.mark.parametrize("name", sorted(CASES))
def test_mixed_statistics_and_gamma_match_lavaan(name):
    from csi_model.sem._ordinal_moments import mixed_moments
    ref, df, w = _case(name)
    df = df[ref["items"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poly = cm.polychoric(df, ordered=ref["ordered"], weights=w)
    mom = mixed_moments(poly, df.dropna(), w)   # listwise, as lavaan and polychoric
    if w is not None:                           # lavaan's (weighted) sample statistics
        C = np.array(ref["lavcor"])
        sd = np.sqrt(np.diag(C))
        np.testing.assert_allclose(poly.correlation, C / np.outer(sd, sd), rtol=0, atol=1e-5)
    # wls.obs: thresholds / minus means, variances, then correlations and covariances
    np.testing.assert_allclose(mom.statistics, ref["wls_obs"], rtol=0, atol=1e-6)
    assert list(mom.threshold_names) == ref["wls_names"][:len(mom.thresholds)]
    G = np.array(ref["gamma"])
    mine = mom.gamma[np.array(ref["gamma_rows"]) - 1]
    np.testing.assert_allclose(mine, G, rtol=1e-5, atol=1e-5 * np.abs(G).max())
    if ref["estimator"] == "WLSMV":           # DWLS weights; ULS's are 1
        np.testing.assert_allclose(1 / np.diag(mom.gamma), ref["wls_v"], rtol=1e-5)
    else:
        np.testing.assert_allclose(ref["wls_v"], 1.0)


FIT_KEYS = ["npar", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
            "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
            "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled", "rmsea",
            "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.scaled", "srmr"]


@pytest.fixture(scope="module")
def fits():
    out = {}
    for name in CASES:
        ref, df, w = _case(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[name] = (ref, cm.fit(cm.ModelSpec.from_syntax(ref["model"]), df,
                                     ordered=ref["ordered"], estimator=ref["estimator"],
                                     weights=None if w is None else "w"))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_mixed_fit_estimates_match_lavaan(fits, name):
    ref, res = fits[name]
    assert res.converged and res.estimator == ref["estimator"]
    r = pd.DataFrame(ref["estimates"])
    r["rhs"] = r["rhs"].fillna("")
    # lavaan's fixed rows without a counterpart here: scales (~*~), the ordinal items' and
    # the latents' intercepts (0)
    r = r[(r.op != "~*~") & ~((r.op == "~1") & (r.se == 0) & (r.est == 0))]
    m = r.merge(res.estimates, on=["lhs", "op", "rhs"], how="left", suffixes=("_lav", ""))
    assert m["est"].notna().all(), m.loc[m["est"].isna(), ["lhs", "op", "rhs"]]
    np.testing.assert_allclose(m["est"], m["est_lav"], rtol=0, atol=1e-4)
    free = m["se_lav"] > 0
    np.testing.assert_allclose(m.loc[free, "se"], m.loc[free, "se_lav"], rtol=0.01)
    np.testing.assert_allclose(m.loc[~free, "se"], 0, atol=1e-12)
    np.testing.assert_allclose(m["std.all"], m["std.all_lav"], rtol=0, atol=1e-4)
    for item, value in ref["r2"].items():
        assert res.r2[item] == pytest.approx(value, abs=1e-4)
    s = pd.DataFrame(ref["std_se"])
    s["rhs"] = s["rhs"].fillna("")
    ms = s.merge(res.standardized, on=["lhs", "op", "rhs"], suffixes=("_lav", ""))
    assert len(ms) == len(res.standardized)
    np.testing.assert_allclose(ms["est.std"], ms["est.std_lav"], rtol=0, atol=1e-4)
    free = ms["se_lav"] > 1e-8
    np.testing.assert_allclose(ms.loc[free, "se"], ms.loc[free, "se_lav"], rtol=0.01)


@pytest.mark.parametrize("name", sorted(CASES))
def test_mixed_fit_measures_match_lavaan(fits, name):
    ref, res = fits[name]
    fm, lav = res.fit_measures, ref["fit_measures"]
    for key in FIT_KEYS:
        if lav[key] is None:            # lavaan: no p-value for the unscaled ULS statistic
            assert key == "pvalue" and ref["estimator"] == "ULSMV" and np.isnan(fm[key])
            continue
        assert fm[key] == pytest.approx(lav[key], rel=1e-3, abs=1e-9), key
    assert fm["chisq.shift.parameters"] == pytest.approx(ref["shift"], rel=1e-3)
    # lavaan 0.6-14 has no catML "robust" indices with continuous items
    assert lav["cfi.robust"] is None and np.isnan(fm["cfi.robust"])
    assert np.isnan(fm["rmsea.robust"])


def test_mixed_fit_refuses_what_is_not_there_yet(data):
    spec = cm.ModelSpec.from_syntax("f =~ x1 + x2 + x4 + x5")
    with pytest.raises(cm.exceptions.ModelSpecError,
                       match="Ordinal and continuous items together.*missing='pairwise'"):
        cm.fit(spec, data, ordered=["x1", "x2"], missing="pairwise")


def test_mixed_fit_summary_and_defined_parameters(fits, data):
    ref, res = fits["hs_mixed"]
    text = res.summary().as_text()
    assert "robust CFI / RMSEA not available (lavaan: NA)" in text and "x4  ~1" in text
    spec = cm.ModelSpec.from_syntax("visual =~ x1 + a*x2 + x3\ntextual =~ x4 + b*x5 + x6\n"
                                    "speed =~ x7 + x8 + x9\nab := a*b")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        withdef = cm.fit(spec, data, ordered=ORD)
    e = pd.DataFrame(ref["estimates"]).set_index(["lhs", "op", "rhs"])
    a, b = e.loc[("visual", "=~", "x2")], e.loc[("textual", "=~", "x5")]
    row = withdef.estimates.query("op == ':='").iloc[0]
    assert row["est"] == pytest.approx(a["est"] * b["est"], abs=1e-5)
    # the continuous x5's residual variance is a parameter: std.all from the fitted variances
    assert row["std.all"] == pytest.approx(a["std.all"] * b["std.all"], abs=1e-5)
    again = withdef.defined_parameters()
    assert again["std.all"].iloc[0] == pytest.approx(row["std.all"], abs=1e-8)
