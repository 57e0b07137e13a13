"""PLS-MGA permutation tests, MICOM and the one-call group comparison."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.compare import compare, index_differences
from csi_model.exceptions import SurveyDataError
from csi_model.pls.mga import pls_permutation_test

HERE = Path(__file__).parent
WAVES = HERE / "data" / "telecom_two_waves.csv"


@pytest.fixture(scope="module")
def waves_survey():
    return cm.read_survey(WAVES, items=list(cm.load_model("telecom").observed))


@pytest.fixture(scope="module")
def waves_pls(waves_survey):
    return cm.fit_pls("telecom", waves_survey)


def test_permutation_test_flags_the_paths_changed_by_construction(waves_pls):
    res = pls_permutation_test(waves_pls, by="wave", n_permutations=400, seed=3)
    flagged = res.paths.loc[res.paths.pvalue < 0.01, ["lhs", "rhs"]]
    assert set(map(tuple, flagged.to_numpy())) == {("SAT", "QUAL"), ("SAT", "VAL")}
    assert ((res.paths.pvalue > 0) & (res.paths.pvalue <= 1)).all()
    # the group estimates are the PLS fits of each wave alone
    data = waves_pls.survey.data
    alone = cm.fit_pls("telecom", data[data.wave.astype(str) == "2026"])
    got = res.paths.set_index(["lhs", "rhs"])["est.2026"]
    want = alone.paths.set_index(["lhs", "rhs"])["est"]
    np.testing.assert_allclose(got[want.index], want, rtol=0, atol=1e-10)


def test_permutations_are_reproducible(waves_pls):
    a = pls_permutation_test(waves_pls, by="wave", n_permutations=100, seed=5)
    b = pls_permutation_test(waves_pls, by="wave", n_permutations=100, seed=5)
    c = pls_permutation_test(waves_pls, by="wave", n_permutations=100, seed=6)
    assert a.paths.to_csv() == b.paths.to_csv() and a.micom.to_csv() == b.micom.to_csv()
    assert a.paths.to_csv() != c.paths.to_csv()


def test_micom_on_groups_from_one_population():
    """Both halves of the demo survey come from one population: full invariance expected."""
    data = cm.make_demo_survey().replace(99, np.nan)
    res = cm.fit_pls("telecom", data[data.notna().all(axis=1)])
    micom = pls_permutation_test(res, by="wave", n_permutations=300, seed=1).micom
    assert (micom["step1.configural"] == "established").all()
    # 21 tests at the 5 % level (7 latents x 3 steps) raise about one false alarm:
    # allow a few, not a pattern
    assert micom["step2.invariant"].sum() >= 6
    failures = (~micom["step2.invariant"]).sum() + (~micom["step3.mean_equal"]).sum() \
        + (~micom["step3.var_equal"]).sum()
    assert failures <= 3
    single = micom.set_index("latent").loc["COMP"]
    assert single["step2.c"] == pytest.approx(1.0)


def test_micom_step3_detects_a_mean_shift():
    a = cm.simulate_survey("acsi", n=300, seed=1)
    b = cm.simulate_survey("acsi", n=300, seed=2)
    b[["SAT1", "SAT2", "SAT3"]] = np.clip(b[["SAT1", "SAT2", "SAT3"]] - 2, 1, 10)
    data = pd.concat([a.assign(g="a"), b.assign(g="b")], ignore_index=True)
    res = cm.fit_pls("acsi", data)
    m = pls_permutation_test(res, by="g", n_permutations=300, seed=2).micom.set_index("latent")
    assert not m.loc["SAT", "step3.mean_equal"]
    assert m.loc["SAT", "step3.mean_diff"] > 0          # group a scores higher
    assert m.loc["QUAL", "step3.mean_equal"]


def test_permutation_test_input_errors(waves_pls):
    with pytest.raises(SurveyDataError, match="'operator' is not in the survey"):
        pls_permutation_test(waves_pls, by="operator", seed=1)
    with pytest.raises(SurveyDataError, match="'2027' is not a value of 'wave'"):
        pls_permutation_test(waves_pls, by="wave", groups=("2025", "2027"), seed=1)
    with pytest.raises(ValueError, match="'n_permutations'.*Got 3"):
        pls_permutation_test(waves_pls, by="wave", n_permutations=3, seed=1)


@pytest.fixture(scope="module")
def waves_comparison(waves_survey):
    return compare("telecom", waves_survey, by="wave", bootstrap=300, n_permutations=300,
                   seed=2, scale=(1, 10))


def test_compare_gathers_invariance_paths_and_index(waves_comparison):
    r = waves_comparison
    assert r.groups == ("2025", "2026")
    assert list(r.invariance.ladder.index) == ["configural", "metric", "scalar", "strict"]
    assert r.invariance.suggestions.parameter.iloc[0] == "QUAL=~QUAL3"
    cb = r.cbsem_paths.set_index(["lhs", "rhs"])
    assert cb.loc[("SAT", "QUAL"), "pvalue"] < 0.001 and cb.loc[("EXPE", "IMAG"), "pvalue"] > 0.05
    pls = r.pls_paths.set_index(["lhs", "rhs"])
    assert pls.loc[("SAT", "QUAL"), "pvalue"] < 0.01
    d = r.index_diff.set_index("latent")
    assert set(d.index) == set(cm.load_model("telecom").latents)
    assert (d["ci.lower"] <= d["diff"]).all() and (d["diff"] <= d["ci.upper"]).all()
    text = r.summary().as_text()
    assert "Measurement invariance" in text and "Index differences" in text
    json.dumps(r.to_dict(), allow_nan=True)


def test_index_differences_match_the_group_indices(waves_comparison):
    idx = waves_comparison.index
    d = index_differences(idx)
    by_group = idx.by_group()
    for r in d.itertuples():
        assert r.diff == pytest.approx(by_group.loc[r.group_b, r.latent] - by_group.loc[r.group_a, r.latent])


def test_compare_by_operator_and_wave_gives_trends():
    data = cm.read_survey(cm.make_demo_survey(), items=list(cm.load_model("telecom").observed),
                          missing_codes=[99])
    r = compare("telecom", data, by=["operator", "wave"], bootstrap=100, n_permutations=50,
                seed=1, scale=(1, 10))
    # 6 cells of ~100 respondents, fewer than the 83 parameters of a configural CB-SEM in
    # each: fitted (as lavaan fits them), with the caution in the warnings
    assert r.invariance is not None
    assert any("fewer than the 83 free parameters" in w for w in r.warnings)
    assert set(r.trends.columns) >= {"operator", "wave", "latent", "index", "ci.lower"}
    assert len(r.trends) == 3 * 2 * 7
    # wave-over-wave within each operator only
    assert (r.index_diff.group_a.str.split(" | ", regex=False).str[0]
            == r.index_diff.group_b.str.split(" | ", regex=False).str[0]).all()
    assert len(r.index_diff) == 3 * 7


def test_compare_errors():
    with pytest.raises(SurveyDataError, match="grouping column 'region'"):
        compare("telecom", WAVES, by="region")
    with pytest.raises(ValueError, match="'by' parameter of compare"):
        compare("telecom", WAVES, by=["a", "b", "c"])
