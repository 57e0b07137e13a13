"""Modification indices and score tests of the equality constraints of a sampling-weighted
multi-group CB-SEM (fit_multigroup(..., weights=), listwise and FIML) against lavaan 0.6-14's modindices() and
lavTestScore() of cfa(..., group =, group.equal =, sampling.weights =).

lavaan's are the ordinary (naive) score tests with the expected information, on each group's
weighted moments with the group's N the sum of its weights; lavTestScore() of the weighted
(robust.huber.white) fit says so ("falling back to ordinary score test").

References: tests/reference/lavaan_weights_groups_mi/make.R (reference.json), with the data
of tests/reference/lavaan_weights_groups/ (the weighted HolzingerSwineford1939 by school)
and tests/data/telecom_weighted.csv (two groups by row parity); with missing="fiml"
(lavaan's missing = "ml": the gradient and the expected information of the weighted
missing-data likelihood) the data of tests/reference/lavaan_weights_groups_fiml/, weighted
and unweighted.
"""
import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm

HERE = Path(__file__).parent
R = json.loads((HERE / "reference" / "lavaan_weights_groups_mi" / "reference.json").read_text())
HS = HERE / "reference" / "lavaan_weights_groups" / "hs_weighted.csv"
HS_MODEL = HERE / "reference" / "lavaan" / "holzinger.lav"
TEL_MODEL = HERE / "reference" / "lavaan" / "telecom.lav"
HS_X = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual + ageyr"


FIML = HERE / "reference" / "lavaan_weights_groups_fiml"


def _hs(keep_age=False):
    return pd.read_csv(HS).drop(columns=["sex", "grade"] + ([] if keep_age else ["ageyr"]))


def _telecom(path=HERE / "data" / "telecom_weighted.csv"):
    tel = pd.read_csv(path)
    tel["op"] = np.where(np.arange(len(tel)) % 2 == 0, "A", "B")      # as make.R
    return tel


def _hs_missing():
    return pd.read_csv(FIML / "hs_weighted_missing.csv")


LISTWISE = {"holzinger_configural": (HS_MODEL, _hs, "school", []),
            "holzinger_metric": (HS_MODEL, _hs, "school", ["loadings"]),
            "holzinger_scalar": (HS_MODEL, _hs, "school", ["loadings", "intercepts"]),
            "holzinger_fixedx_metric": (HS_X, lambda: _hs(True), "school", ["loadings"]),
            "telecom_metric": (TEL_MODEL, _telecom, "op", ["loadings"]),
            "telecom_scalar": (TEL_MODEL, _telecom, "op", ["loadings", "intercepts"])}
# missing="fiml" (lavaan's missing = "ml"): the data of tests/test_weights_groups_fiml.py
FIML_CASES = {
    "fiml_holzinger_configural": (HS_MODEL, _hs_missing, "school", []),
    "fiml_holzinger_metric": (HS_MODEL, _hs_missing, "school", ["loadings"]),
    "fiml_holzinger_scalar": (HS_MODEL, _hs_missing, "school", ["loadings", "intercepts"]),
    "fiml_telecom_metric": (TEL_MODEL, lambda: _telecom(FIML / "telecom_weighted_missing.csv"),
                            "op", ["loadings"]),
    "fiml_holzinger_metric_unweighted": (HS_MODEL, _hs_missing, "school", ["loadings"])}
CASES = {**LISTWISE, **FIML_CASES}
SCORED = [c for c in CASES if "score" in R[c]]


def _fit(case, data=None):
    model, make, by, equal = CASES[case]
    spec = cm.ModelSpec.from_syntax(model) if isinstance(model, str) else model
    weights = None if case.endswith("_unweighted") else "w"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cm.fit_multigroup(spec, make() if data is None else data, by=by, equal=equal,
                                 weights=weights,
                                 missing="fiml" if case in FIML_CASES else "listwise")


@pytest.fixture(scope="module")
def fits():
    return {c: _fit(c) for c in CASES}


def _key(d):
    return [("~~".join(sorted([lhs, rhs])) if op == "~~" else f"{lhs}{op}{rhs}")
            for lhs, op, rhs in zip(d["lhs"], d["op"], d["rhs"])]


def _merge_mi(res, ref):
    labels = list(res.groups)
    theirs = pd.DataFrame(ref["modindices"])
    theirs["group"] = [labels[g - 1] for g in theirs["group"]]
    theirs["key"] = _key(theirs)
    ours = res.modification_indices()
    ours = ours.assign(key=_key(ours))
    m = theirs.merge(ours, on=["key", "group"], how="outer", suffixes=("_lavaan", ""),
                     indicator=True)
    assert len(ours) == len(theirs)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"][["key", "group"]]
    return m


def _merge_scores(res, ref):
    labels = list(res.groups)
    uni, total = res.equality_score_tests()
    theirs = pd.DataFrame([{"group": labels[u["b"]["group"] - 1], "lhs": u["b"]["lhs"],
                            "op": u["b"]["op"], "rhs": u["b"]["rhs"],
                            "ref.group": labels[u["a"]["group"] - 1], "X2_lavaan": u["X2"],
                            "p_lavaan": u["pvalue"]} for u in ref["score"]["uni"]])
    m = theirs.merge(uni, on=["group", "lhs", "op", "rhs", "ref.group"], how="outer")
    assert len(m) == len(theirs) == len(uni)
    return m, total


def _at_lavaan(res, ref):
    """The fit with lavaan's estimates in place of csi_model's (the same model otherwise)."""
    labels = list(res.groups)
    e = pd.DataFrame(ref["estimates"])
    values = {(labels[g - 1], lhs, op, rhs or ""): v
              for g, lhs, op, rhs, v in zip(e.group, e.lhs, e.op, e.rhs, e.est)}
    t = res.table
    theta = np.full(len(res.theta), np.nan)
    for g, lhs, op, rhs, k in zip(t.group, t.lhs, t.op, t.rhs, t.free):
        if k > 0:
            theta[k - 1] = values[(g, lhs, op, rhs)]
    assert np.isfinite(theta).all()
    return dataclasses.replace(res, theta=theta)


@pytest.mark.parametrize("case", list(CASES))
def test_weighted_modification_indices_match_lavaan(fits, case):
    res = fits[case]
    assert res.weights == (None if case.endswith("_unweighted") else "w")
    assert res.missing == ("fiml" if case in FIML_CASES else "listwise")
    m = _merge_mi(res, R[case])
    # lavaan's optimizer stops ~1e-5 from the optimum csi_model polishes to: the MIs agree
    # to 1e-3 relative (max |diff| 1.7e-3 in mi, 2.4e-4 in epc; small ones absolutely)
    np.testing.assert_allclose(m["mi"], m["mi_lavaan"], rtol=1e-3, atol=5e-4, err_msg="mi")
    for col in ("epc", "sepc.lv", "sepc.all", "sepc.nox"):
        np.testing.assert_allclose(m[col], m[col + "_lavaan"], rtol=1e-3, atol=1e-4,
                                   err_msg=col)


@pytest.mark.parametrize("case", list(CASES))
def test_at_lavaans_estimates_the_modification_indices_are_lavaans(fits, case):
    # the same formula: at lavaan's estimates the numbers agree to rounding
    m = _merge_mi(_at_lavaan(fits[case], R[case]), R[case])
    for col in ("mi", "epc", "sepc.lv", "sepc.all", "sepc.nox"):
        np.testing.assert_allclose(m[col], m[col + "_lavaan"], rtol=1e-8, atol=1e-10,
                                   err_msg=col)


@pytest.mark.parametrize("case", SCORED)
def test_weighted_score_tests_match_lavtestscore(fits, case):
    ref = R[case]
    # lavaan 0.6-14 has no robust score test: lavTestScore() of the weighted fit is the
    # ordinary one, and it says so
    if not case.endswith("_unweighted"):
        assert "falling back to ordinary score test" in ref["score"]["warning"]
    m, total = _merge_scores(fits[case], ref)
    np.testing.assert_allclose(m["X2"], m["X2_lavaan"], rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(m["pvalue"], m["p_lavaan"], rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(total["X2"], ref["score"]["total"]["X2"], rtol=1e-4)
    assert total["df"] == ref["score"]["total"]["df"] == len(m)
    np.testing.assert_allclose(total["pvalue"], ref["score"]["total"]["p.value"], rtol=1e-3)


@pytest.mark.parametrize("case", SCORED)
def test_at_lavaans_estimates_the_score_tests_are_lavaans(fits, case):
    m, total = _merge_scores(_at_lavaan(fits[case], R[case]), R[case])
    np.testing.assert_allclose(m["X2"], m["X2_lavaan"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(total["X2"], R[case]["score"]["total"]["X2"], rtol=1e-8)


def test_a_release_equivalent_to_a_free_parameter_scores_zero(fits):
    # the single indicator COMP1 beside COMP's free latent mean: releasing its intercept
    # changes nothing, lavaan (MASS::ginv) gives ~3e-7, csi_model ~0 rather than 0 / 0
    uni, _ = fits["telecom_scalar"].equality_score_tests()
    x2 = uni.query("lhs == 'COMP1' and op == '~1'")["X2"]
    assert len(x2) == 1 and abs(float(x2.iloc[0])) < 1e-5


def test_the_groups_are_weighted_by_the_sum_of_their_weights(fits):
    res = fits["holzinger_metric"]
    np.testing.assert_allclose([m.n for m in res.moments], R["holzinger_metric"]["weighted_nobs"],
                               rtol=1e-12)
    assert list(res.n) == list(R["holzinger_metric"]["nobs"])        # rows, as lavaan's nobs
    # unit weights: the unweighted modification indices and score tests
    unit = _fit("holzinger_metric", _hs().assign(w=1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = cm.fit_multigroup(HS_MODEL, _hs(), by="school", equal=["loadings"])
    a, b = unit.modification_indices(), plain.modification_indices()
    np.testing.assert_allclose(a["mi"], b["mi"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(unit.equality_score_tests()[0]["X2"],
                               plain.equality_score_tests()[0]["X2"], rtol=1e-6)
    # and the weights change them
    assert not np.allclose(fits["holzinger_metric"].equality_score_tests()[1]["X2"],
                           plain.equality_score_tests()[1]["X2"], rtol=1e-3)


def test_ordered_fits_refuse_them_clearly():
    d = cm.simulate_survey("telecom", n=400, seed=3, scale=(1, 5)).clip(lower=2)
    d["op"] = ["A", "B"] * 200
    d["w"] = np.random.default_rng(4).uniform(0.5, 2.0, len(d))
    spec = cm.ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 + QUAL3\nSAT =~ SAT1 + SAT2 + SAT3")
    for weights in ("w", None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = cm.fit_multigroup(spec, d, by="op", ordered=True, equal=["thresholds"],
                                    weights=weights)
        for call in (res.modification_indices, res.equality_score_tests):
            with pytest.raises(ValueError, match="ordered items \\(WLSMV\\).*without ordered="):
                call()
