"""Multi-group CB-SEM and measurement invariance against lavaan 0.6-14.

References: tests/reference/lavaan_groups/make_reference.R (group = "school" on
HolzingerSwineford1939; group = "wave" on tests/data/telecom_two_waves.csv, where the
2026 wave has a weaker QUAL=~QUAL3 loading and different SAT~QUAL and SAT~VAL paths by
construction: tests/data/make_telecom_two_waves.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import EstimationError, SurveyDataError
from csi_model.sem.groups import fit_multigroup, invariance, path_differences

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_groups"
MEASURES = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
            "srmr", "aic", "bic", "logl", "npar", "baseline.chisq", "baseline.df"]


def _ref(name):
    return json.loads((REF / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def hs_ladder():
    spec = cm.load_model(HERE / "reference/lavaan/holzinger.lav")
    return invariance(spec, HERE / "data/holzinger_swineford.csv", by="school")


@pytest.fixture(scope="module")
def waves_ladder():
    return invariance("telecom", HERE / "data/telecom_two_waves.csv", by="wave")


@pytest.mark.parametrize("case", ["hs_ladder", "waves_ladder"])
def test_ladder_fit_measures_agree_with_lavaan(case, request):
    inv = request.getfixturevalue(case)
    ref = _ref("holzinger_school" if case == "hs_ladder" else "telecom_two_waves")
    for step, fm in ref["fit_measures"].items():
        ours = inv.fits[step].fit_measures
        for name in MEASURES:
            atol = 1e-12 if name == "pvalue" else 0
            np.testing.assert_allclose(ours[name], fm[name], rtol=1e-3, atol=atol,
                                       err_msg=f"{step} {name}")


def test_holzinger_ladder_numbers_from_the_issue(hs_ladder):
    chisq = hs_ladder.ladder["chisq"]
    np.testing.assert_allclose(chisq[["configural", "metric", "scalar"]],
                               [115.851, 124.044, 164.103], rtol=0, atol=1e-3)


@pytest.mark.parametrize("case", ["hs_ladder", "waves_ladder"])
def test_lrt_agrees_with_lavaan(case, request):
    inv = request.getfixturevalue(case)
    ref = _ref("holzinger_school" if case == "hs_ladder" else "telecom_two_waves")
    for t in ref["lrt"]:
        row = inv.ladder.loc[t["to"]]
        np.testing.assert_allclose(row["chisq.diff"], t["chisq_diff"], rtol=1e-3, atol=1e-6)
        assert row["df.diff"] == t["df_diff"]
        np.testing.assert_allclose(row["pvalue.diff"], t["pvalue"], rtol=1e-2, atol=1e-12)


@pytest.mark.parametrize("case", ["hs_ladder", "waves_ladder"])
def test_estimates_and_se_agree_with_lavaan(case, request):
    inv = request.getfixturevalue(case)
    ref = _ref("holzinger_school" if case == "hs_ladder" else "telecom_two_waves")
    for step, rows in ref["estimates"].items():
        theirs = pd.DataFrame(rows)
        labels = list(ref["groups"])
        assert labels == list(inv.fits[step].groups)
        theirs["group"] = [labels[g - 1] for g in theirs["group"]]
        theirs = theirs[theirs.op.isin(["=~", "~", "~~", "~1"])]
        ours = inv.fits[step].estimates
        m = ours.merge(theirs, on=["group", "lhs", "op", "rhs"], suffixes=("", "_lav"))
        assert len(m) == len(theirs)
        ref_est = m["est_lav"].to_numpy()
        tol = np.where(np.abs(ref_est) > 1, 1e-3 * np.abs(ref_est), 1e-3)
        assert (np.abs(m["est"].to_numpy() - ref_est) <= tol).all(), step
        free = m["se_lav"] > 0
        np.testing.assert_allclose(m.loc[free, "se"], m.loc[free, "se_lav"], rtol=1e-2, atol=0)


def test_decisions_and_partial_invariance_suggestions(hs_ladder, waves_ladder):
    # HolzingerSwineford: scalar invariance fails; the intercepts of x3 and x7 are the culprits
    assert hs_ladder.ladder.loc["metric", "decision"] == "holds"
    assert hs_ladder.ladder.loc["scalar", "decision"] == "rejected"
    assert list(hs_ladder.suggestions["parameter"][:2]) == ["x3~1", "x7~1"]
    # telecom waves: the loading changed by construction is the one flagged
    assert waves_ladder.ladder.loc["metric", "lrt.rejects"]
    assert waves_ladder.suggestions["parameter"].iloc[0] == "QUAL=~QUAL3"
    assert waves_ladder.suggestions["pvalue"].iloc[1] > 1e-3


def test_path_wald_tests_agree_with_lavaan_and_flag_the_changed_paths(waves_ladder):
    table = path_differences(waves_ladder.fits["metric"])
    ref = pd.DataFrame(_ref("telecom_two_waves")["path_wald"])
    m = table.merge(ref, on=["lhs", "rhs"], suffixes=("", "_lav"))
    assert len(m) == 12
    np.testing.assert_allclose(m["wald"], m["wald_lav"], rtol=1e-3, atol=1e-6)
    flagged = set(zip(table.loc[table.pvalue < 0.01, "lhs"], table.loc[table.pvalue < 0.01, "rhs"]))
    assert flagged == {("SAT", "QUAL"), ("SAT", "VAL")}


def test_partial_invariance_frees_the_named_parameter():
    res = fit_multigroup("telecom", HERE / "data/telecom_two_waves.csv", by="wave",
                         equal=["loadings"], partial=["QUAL=~QUAL3"])
    est = res.estimates.query("lhs == 'QUAL' and rhs == 'QUAL3'")
    assert est.free.nunique() == 2
    assert est.query("group == '2026'").est.iloc[0] < est.query("group == '2025'").est.iloc[0]
    other = res.estimates.query("lhs == 'QUAL' and rhs == 'QUAL4'")
    assert other.free.nunique() == 1


def test_bad_group_inputs_have_clear_errors():
    data = pd.read_csv(HERE / "data/telecom_two_waves.csv", dtype={"wave": str})
    with pytest.raises(SurveyDataError, match="column 'wave': only one group"):
        fit_multigroup("telecom", data[data.wave == "2025"], by="wave")
    with pytest.raises(SurveyDataError, match="grouping column 'operator' is not in the data"):
        fit_multigroup("telecom", data, by="operator")
    small = pd.concat([data[data.wave == "2025"], data[data.wave == "2026"].head(20)])
    with pytest.raises(EstimationError, match="wave = 2026: the sample covariance matrix .* "
                                              "singular: it has 20 complete respondents"):
        fit_multigroup("telecom", small, by="wave")
    copy = data.copy()
    copy.loc[copy.wave == "2026", "VAL2"] = copy.loc[copy.wave == "2026", "VAL1"]
    with pytest.raises(EstimationError, match="wave = 2026: .*singular: some model variables "
                                              "are exact linear combinations"):
        fit_multigroup("telecom", copy, by="wave")
    gap = data.copy()
    gap.loc[gap.wave == "2026", "VAL2"] = np.nan
    with pytest.raises(SurveyDataError, match="'VAL2' has no answers in group wave = 2026"):
        fit_multigroup("telecom", gap, by="wave")
    with pytest.raises(ValueError, match="'equal' parameter.*Got \\['loading'\\]"):
        fit_multigroup("telecom", data, by="wave", equal=["loading"])
    with pytest.raises(ValueError, match="'partial' parameter.*QUAL=~QUAL9"):
        fit_multigroup("telecom", data, by="wave", equal=["loadings"], partial=["QUAL=~QUAL9"])
