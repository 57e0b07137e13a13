"""The multi-group model language against lavaan 0.6-14: c() modifiers, ':=' across groups,
small groups, standardized solutions (std.all, std.lv, std.nox) and R² per group.

References: tests/reference/lavaan_groups_language/make_reference.R (HolzingerSwineford1939 by
school, FacialBurns by Sex, PoliticalDemocracy). Tolerances: estimates rtol 1e-5 (atol 1e-5
for values near 0), SEs rtol 1e-4.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import ModelSyntaxError
from csi_model.model.syntax import parse_syntax

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_groups_language"
HS = HERE / "data" / "holzinger_swineford.csv"
FB = HERE / "data" / "facial_burns.csv"
FB_MEDIATION = """
Selfesteem ~ Age + c(m1, f1)*TBSA + c(m3, f3)*HADS
HADS ~ Age + c(m2, f2)*TBSA + RUM
ind_m := m2 * m3
ind_f := f2 * f3
ind_diff := ind_m - ind_f
tbsa_diff := m1 - f1
"""
CASES = {  # name: (data, by, equal, partial, model)
    "hs_c_configural": (HS, "school", (), (), None),
    "hs_c_metric": (HS, "school", ("loadings",), (), None),
    "hs_c_scalar_partial": (HS, "school", ("loadings", "intercepts"), ("x3~1",), None),
    "hs_free_marker": (HS, "school", (), (), None),
    "hs_school": (HS, "school", (), (), None),
    "hs_school_metric": (HS, "school", ("loadings",), (), None),
    "fb_sex": (FB, "Sex", (), (), None),
    "fb_sex_c": (FB, "Sex", (), (), FB_MEDIATION),
}
FIT_MEASURES = ["chisq", "df", "cfi", "tli", "rmsea", "srmr", "aic", "bic", "logl", "npar",
                "baseline.chisq", "baseline.df"]


def _ref(name):
    return json.loads((REF / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def fits():
    out = {}
    for name, (data, by, equal, partial, model) in CASES.items():
        ref = _ref(name)
        spec = cm.ModelSpec.from_syntax(model or ref["model"])
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # none of these fits warns
            out[name] = (cm.fit_multigroup(spec, pd.read_csv(data), by=by, equal=list(equal),
                                           partial=list(partial)), ref)
    return out


def _merge(ours: pd.DataFrame, theirs: list, labels) -> pd.DataFrame:
    t = pd.DataFrame(theirs)
    t["group"] = [labels[g - 1] if g > 0 else "" for g in t["group"]]
    o = ours.copy()
    o["group"] = o["group"].astype(str)
    m = t.merge(o, on=["group", "lhs", "op", "rhs"], how="left", suffixes=("_lavaan", ""))
    assert len(m) == len(t)
    return m


@pytest.mark.parametrize("name", list(CASES))
def test_estimates_ses_and_fit_agree_with_lavaan(fits, name):
    res, ref = fits[name]
    assert list(res.groups) == [str(g) for g in ref["groups"]]
    assert list(res.n) == ref["nobs"]
    m = _merge(res.estimates, ref["estimates"], list(res.groups))
    assert m["est"].notna().all(), m[m["est"].isna()][["group", "lhs", "op", "rhs"]]
    np.testing.assert_allclose(m["est"], m["est_lavaan"], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m["se"], m["se_lavaan"], rtol=1e-4, atol=1e-6)
    lab = m["label_lavaan"] if "label_lavaan" in m else pd.Series("", index=m.index)
    lab = lab.fillna("").where(~lab.fillna("").str.startswith(".p"), "")
    assert (m["label"].fillna("") == lab).all()        # lavaan's own '.pN.' labels aside
    for k in FIT_MEASURES:
        np.testing.assert_allclose(res.fit_measures[k], ref["fit_measures"][k], rtol=1e-5,
                                   atol=1e-9, err_msg=k)


def test_defined_parameters_compare_groups_with_delta_method_ses(fits):
    for name, which in (("hs_c_metric", ["d2", "d3", "r2"]),
                        ("fb_sex_c", ["ind_m", "ind_f", "ind_diff", "tbsa_diff"])):
        res, ref = fits[name]
        theirs = pd.DataFrame(ref["estimates"]).query("op == ':='").set_index("lhs")
        ours = res.estimates.query("op == ':='").set_index("lhs")
        assert list(ours.index) == which
        np.testing.assert_allclose(ours["est"], theirs.loc[which, "est"], rtol=1e-5)
        np.testing.assert_allclose(ours["se"], theirs.loc[which, "se"], rtol=1e-4)


def test_group_equal_fixes_a_parameter_fixed_in_the_first_group(fits):
    # lavaan: c(0.5, NA)*x9 with group.equal = "loadings" fixes x9 at 0.5 in both schools,
    # while c(v2a, v2b) keeps the x2 loadings apart and c(t5, t5) holds x5's equal
    est = fits["hs_c_metric"][0].estimates.set_index(["group", "lhs", "op", "rhs"])
    for g in ("Pasteur", "Grant-White"):
        assert est.loc[(g, "speed", "=~", "x9"), "est"] == 0.5
        assert est.loc[(g, "speed", "=~", "x9"), "se"] == 0
    a, b = (est.loc[(g, "visual", "=~", "x2"), "est"] for g in ("Pasteur", "Grant-White"))
    assert abs(a - b) > 0.1
    t = [est.loc[(g, "textual", "=~", "x5"), "est"] for g in ("Pasteur", "Grant-White")]
    assert t[0] == t[1]


@pytest.mark.parametrize("name", ["hs_c_metric", "hs_free_marker", "fb_sex", "fb_sex_c"])
@pytest.mark.parametrize("kind", ["std.all", "std.lv", "std.nox"])
def test_standardized_solutions_per_group_agree_with_lavaan(fits, name, kind):
    res, ref = fits[name]
    m = _merge(res.standardized_solution(kind), ref[kind], list(res.groups))
    np.testing.assert_allclose(m["est.std"], m["est.std_lavaan"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m["se"], m["se_lavaan"], rtol=1e-4, atol=1e-6)
    col = _merge(res.estimates, ref[kind], list(res.groups))
    np.testing.assert_allclose(col[kind], col["est.std"], rtol=1e-5, atol=1e-6)
    if kind == "std.all":
        s = _merge(res.standardized, ref[kind], list(res.groups))
        np.testing.assert_allclose(s["est.std"], s["est.std_lavaan"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["hs_c_metric", "fb_sex", "fb_sex_c"])
def test_r2_per_group_agrees_with_lavaan(fits, name):
    res, ref = fits[name]
    r2 = ref["r2"]
    for k, g in enumerate(res.groups):
        theirs = pd.Series(r2[k] if isinstance(r2, list) else r2[g])
        np.testing.assert_allclose(res.r2.loc[g][theirs.index], theirs, rtol=1e-5)


@pytest.mark.parametrize("name,data", [("hs_single", HS), ("pd_single", "political_democracy"),
                                       ("fb_single", FB)])
@pytest.mark.parametrize("kind", ["std.all", "std.lv", "std.nox"])
def test_single_group_std_lv_and_std_nox_agree_with_lavaan(name, data, kind):
    ref = _ref(name)
    path = data if isinstance(data, Path) else HERE / "data" / f"{data}.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # PoliticalDemocracy: latent r near 1
        res = cm.fit(cm.ModelSpec.from_syntax(ref["model"]), pd.read_csv(path))
    t = pd.DataFrame(ref[kind])
    m = t.merge(res.standardized_solution(kind), on=["lhs", "op", "rhs"], suffixes=("_l", ""))
    assert len(m) == len(t)
    np.testing.assert_allclose(m["est.std"], m["est.std_l"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m["se"], m["se_l"], rtol=1e-4, atol=1e-6)
    col = res.estimates.merge(t, on=["lhs", "op", "rhs"])
    assert len(col) == len(t)
    np.testing.assert_allclose(col[kind], col["est.std"], rtol=1e-5, atol=1e-6)


def test_small_group_is_fitted_with_a_caution_where_lavaan_fits_it():
    # FacialBurns: 60 men, 17 women; 6 free parameters per group (lavaan fits it, above)
    data = pd.read_csv(FB)
    spec = cm.ModelSpec.from_syntax("Selfesteem ~ HADS + Age + TBSA + RUM")
    few = pd.concat([data[data.Sex == 1], data[data.Sex == 2].head(7)])
    wide = cm.ModelSpec.from_syntax("Selfesteem ~ HADS + Age + TBSA + RUM\n"
                                    "HADS ~ Age + TBSA + RUM\nRUM ~ Age + TBSA")
    with pytest.warns(cm.CSIModelWarning, match="Sex = 2 has 7 respondents, fewer than the 15 "
                                                "free parameters"):
        res = cm.fit_multigroup(wide, few, by="Sex")
    assert any("fewer than the 15" in w for w in res.warnings)
    assert "fewer than the 15" in res.summary().as_text()
    with pytest.raises(cm.EstimationError, match="Sex = 2: the sample covariance matrix"):
        cm.fit_multigroup(spec, pd.concat([data[data.Sex == 1], data[data.Sex == 2].head(5)]),
                          by="Sex")


def test_c_modifiers_parse_print_and_refuse_bad_lengths():
    st = parse_syntax("f =~ x1 + c(a1, a2)*x2 + c(NA, 1)*x3 + c(0.5, NA)*x4")[0]
    assert [t.groups for t in st.terms[1:]] == [((None, "a1", False), (None, "a2", False)),
                                                 ((None, None, True), (1.0, None, False)),
                                                 ((0.5, None, False), (None, None, True))]
    spec = cm.ModelSpec.from_syntax("f =~ x1 + c(a1, a2)*x2 + c(NA, 1)*x3\nd := a1 - a2")
    assert spec.to_syntax().splitlines()[0] == "f =~ x1 + c(a1, a2)*x2 + c(NA, 1)*x3"
    assert spec == cm.ModelSpec.from_syntax(spec.to_syntax())
    data = pd.read_csv(HS)
    bad = cm.ModelSpec.from_syntax("visual =~ x1 + c(a, b, c)*x2 + x3", source="m.lav")
    with pytest.raises(ModelSyntaxError, match=r"m.lav, line 1, column 27: The modifier "
                                               r"c\(a, b, c\) of 'x2' has 3 values but the fit "
                                               "has 2 groups"):
        cm.fit_multigroup(bad, data, by="school")
    two = cm.ModelSpec.from_syntax("visual =~ x1 + c(a, b)*x2 + x3", source="m.lav")
    with pytest.raises(ModelSyntaxError, match=r"line 1, column 24: .*has 2 values but the fit "
                                               r"has one group.*fit_multigroup"):
        cm.fit(two, data)
    with pytest.raises(ModelSyntaxError, match=r"'c\(a, 1\)' mixes labels with numbers"):
        cm.ModelSpec.from_syntax("f =~ x1 + c(a, 1)*x2")
    with pytest.raises(ModelSyntaxError, match="empty entry"):
        cm.ModelSpec.from_syntax("f =~ x1 + c(a, )*x2")
    assert "wrong number of arguments in modifier" in _ref("errors")["wrong_length"]


def _mi_key(frame: pd.DataFrame) -> list:
    # lavaan writes a new covariance with the earlier variable first; compare unordered
    return [(r.lhs, r.op, r.rhs) if r.op != "~~" else (*sorted((r.lhs, r.rhs)), "~~")
            for r in frame.itertuples()]


def _compare_mi(ours: pd.DataFrame, ref: dict, labels=None):
    theirs = pd.DataFrame(ref["modindices"])
    assert len(ours) == len(theirs)
    if not len(theirs):
        return
    theirs["key"], ours = _mi_key(theirs), ours.assign(key=_mi_key(ours))
    on = ["key"]
    if labels is not None:
        theirs["group"] = [labels[g - 1] for g in theirs["group"]]
        on.append("group")
    m = theirs.merge(ours, on=on, how="outer", suffixes=("_lavaan", ""), indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"][on]
    for col in ("mi", "epc", "sepc.lv", "sepc.all", "sepc.nox"):
        np.testing.assert_allclose(m[col], m[col + "_lavaan"], rtol=1e-4, atol=1e-8, err_msg=col)


@pytest.mark.parametrize("name,data", [("hs_single", HS), ("pd_single", "political_democracy"),
                                       ("pd_reduced", "political_democracy"), ("fb_single", FB)])
def test_single_group_modification_indices_agree_with_lavaan(name, data):
    ref = _ref(name)
    path = data if isinstance(data, Path) else HERE / "data" / f"{data}.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.fit(cm.ModelSpec.from_syntax(ref["model"]), pd.read_csv(path))
    mi = res.modification_indices()
    _compare_mi(mi, ref)
    assert mi["mi"].is_monotonic_decreasing
    if name == "pd_single":
        # every regression among the latents is equivalent to one in the model: lavaan and
        # csi_model drop them (restricted information ~0), keeping the residual covariances
        assert not (mi.op == "~").any() and (mi.op == "~~").sum() == 49
    if name == "pd_reduced":     # without dem65 ~ ind60: regressions among the latents
        regressions = set(zip(mi[mi.op == "~"].lhs, mi[mi.op == "~"].rhs))
        assert regressions == {("dem60", "dem65"), ("dem65", "ind60"), ("ind60", "dem65")}


@pytest.mark.parametrize("name", ["hs_school", "hs_school_metric", "hs_c_metric", "fb_sex"])
def test_multigroup_modification_indices_agree_with_lavaan(fits, name):
    res, ref = fits[name]
    mi = res.modification_indices()
    _compare_mi(mi, ref, list(res.groups))
    if name == "hs_school_metric":
        # equal loadings make each school's marker loading free-able: listed per group
        markers = mi[(mi.op == "=~") & (mi.rhs == "x1") & (mi.lhs == "visual")]
        assert sorted(markers.group) == ["Grant-White", "Pasteur"]


def test_modification_indices_need_complete_data():
    data = pd.read_csv(HERE / "data" / "holzinger_missing.csv")
    spec = cm.load_model(HERE / "reference" / "lavaan" / "holzinger.lav")
    res = cm.fit(spec, data, missing="fiml")
    with pytest.raises(ValueError, match="complete-data ML and MLR fits.*missing='listwise'"):
        res.modification_indices()


@pytest.mark.parametrize("name,model,equal", [
    ("score_hs_metric", "hs_school", ["loadings"]),
    ("score_hs_scalar", "hs_school", ["loadings", "intercepts"]),
    ("score_hs_c_metric", "hs_c_metric", ["loadings"])])
def test_equality_score_tests_agree_with_lavtestscore(name, model, equal):
    ref = _ref(name)
    spec = cm.ModelSpec.from_syntax(_ref(model)["model"])
    res = cm.fit_multigroup(spec, pd.read_csv(HS), by="school", equal=equal)
    uni, total = res.equality_score_tests()
    labels = list(res.groups)
    theirs = pd.DataFrame([{"group": labels[u["b"]["group"] - 1], "lhs": u["b"]["lhs"],
                            "op": u["b"]["op"], "rhs": u["b"]["rhs"],
                            "ref.group": labels[u["a"]["group"] - 1], "X2_lavaan": u["X2"],
                            "p_lavaan": u["pvalue"]} for u in ref["uni"]])
    m = theirs.merge(uni, on=["group", "lhs", "op", "rhs", "ref.group"], how="outer")
    assert len(m) == len(theirs) == len(uni)
    np.testing.assert_allclose(m["X2"], m["X2_lavaan"], rtol=1e-4)
    np.testing.assert_allclose(m["pvalue"], m["p_lavaan"], rtol=1e-4)
    np.testing.assert_allclose(total["X2"], ref["total"]["X2"], rtol=1e-4)
    assert total["df"] == ref["total"]["df"]
    if name == "score_hs_c_metric":     # c(t5, t5) and the group.equal loadings x6, x8
        assert sorted(uni.rhs) == ["x5", "x6", "x8"]


def test_a_single_label_holds_across_groups_with_lavaans_warning():
    spec = cm.ModelSpec.from_syntax("visual =~ x1 + a*x2 + x3\ntextual =~ x4 + x5 + x6")
    with pytest.warns(cm.CSIModelWarning,
                      match="single labels in a multi-group fit.*c\\(b1, b2\\)"):
        res = cm.fit_multigroup(spec, pd.read_csv(HS), by="school")
    est = res.estimates.query("lhs == 'visual' and rhs == 'x2'")
    assert est["est"].nunique() == 1 and est["free"].nunique() == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # with group.equal lavaan does not warn
        cm.fit_multigroup(spec, pd.read_csv(HS), by="school", equal=["loadings"])
