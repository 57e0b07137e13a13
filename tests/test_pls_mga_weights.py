"""Sampling weights in the PLS group comparisons and resampling criteria (issue 14):
pls_mga (bootstrap), pls_permutation_test / MICOM, pls_htmt and pls_model_fit(bootstrap=),
and compare(..., weights=).

The independent computation: with integer frequency weights every point estimate is the
unweighted one on the data with each row repeated that many times (tests/data/
telecom_weighted.csv, first 300 rows; the weights 1, 2, 3 are made up here). Weights 1
reproduce the unweighted analysis (same seed: the same p-values), and a constructed case
checks that the weights move the estimates the way the heavy rows pull them.
"""
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.survey.simulate import Population

HERE = Path(__file__).parent


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _replicated(n=300):
    """Weights 1-3, two groups of unequal size (so the n/(n-1) factors differ)."""
    tel = pd.read_csv(HERE / "data" / "telecom_weighted.csv").head(n).drop(columns="w")
    tel["k"] = (np.arange(n) * 7) % 3 + 1
    tel["g"] = np.where(np.arange(n) % 3 == 0, "A", "B")
    rep = tel.loc[tel.index.repeat(tel["k"])].reset_index(drop=True).drop(columns="k")
    return tel, rep


@pytest.fixture(scope="module")
def replicated_fits():
    tel, rep = _replicated()
    return tel, rep, _quiet(cm.fit_pls, "telecom", tel, weights="k"), \
        _quiet(cm.fit_pls, "telecom", rep)


# ------------------------------------------------------------------- (a) frequency weights
def test_htmt_with_frequency_weights_is_the_replicated_rows_htmt(replicated_fits):
    _, _, wfit, rfit = replicated_fits
    hw, hr = cm.pls_htmt(wfit), cm.pls_htmt(rfit)
    assert list(zip(hw.lhs, hw.rhs)) == list(zip(hr.lhs, hr.rhs))
    np.testing.assert_allclose(hw["htmt"], hr["htmt"], rtol=0, atol=1e-10)
    # and it is not the unweighted HTMT of the 300 rows
    tel = replicated_fits[0]
    h0 = cm.pls_htmt(_quiet(cm.fit_pls, "telecom", tel.drop(columns="k")))
    assert np.max(np.abs(h0["htmt"] - hw["htmt"])) > 1e-3


def test_htmt_by_definition_from_weighted_correlations(replicated_fits):
    """HTMT from the weighted item correlation matrix, computed here from the formula."""
    tel, _, wfit, _ = replicated_fits
    spec = cm.load_model("telecom")
    w = tel["k"].to_numpy(float)
    w = w / w.sum()
    items = [c for c in tel.columns if c not in ("k", "g")]
    X = tel[items].to_numpy(float)
    Xc = X - w @ X
    C = (Xc * w[:, None]).T @ Xc
    R = pd.DataFrame(C / np.outer(np.sqrt(np.diag(C)), np.sqrt(np.diag(C))), items, items)
    h = cm.pls_htmt(wfit).set_index(["lhs", "rhs"])["htmt"]
    for (a, b), got in h.items():
        ia, ib = spec.indicators[a], spec.indicators[b]
        het = R.loc[ia, ib].abs().to_numpy().mean()

        def mono(its):
            block = R.loc[its, its].abs().to_numpy()
            return (block.sum() - len(its)) / (len(its) * (len(its) - 1))
        np.testing.assert_allclose(got, het / np.sqrt(mono(ia) * mono(ib)), rtol=0, atol=1e-12)


def test_micom_step3_and_path_differences_are_the_replicated_ones(replicated_fits):
    tel, rep, wfit, rfit = replicated_fits
    tw = cm.pls_permutation_test(wfit, by="g", n_permutations=30, seed=1)
    tr = cm.pls_permutation_test(rfit, by="g", n_permutations=30, seed=1)
    assert tw.groups == tr.groups
    for col in [c for c in tw.paths.columns if c.startswith("est.")] + ["diff"]:
        np.testing.assert_allclose(tw.paths[col], tr.paths[col], rtol=0, atol=1e-10, err_msg=col)
    mw, mr = tw.micom.set_index("latent"), tr.micom.set_index("latent")
    for col in ("step2.c", "step3.mean_diff"):
        np.testing.assert_allclose(mw[col], mr[col], rtol=0, atol=1e-10, err_msg=col)
    # the log-variance difference: the same up to the n/(n-1) factors, which count rows
    # (n_g respondents with weights) here and replicated rows (N_g) there
    a, b = tw.groups

    def factor(g):
        n, N = int((tel.g == g).sum()), int((rep.g == g).sum())
        return np.log(n / (n - 1)) - np.log(N / (N - 1))
    shift = factor(a) - factor(b)
    assert abs(shift) > 1e-4          # the groups differ in size: the check has teeth
    np.testing.assert_allclose(mw["step3.logvar_diff"], mr["step3.logvar_diff"] + shift,
                               rtol=0, atol=1e-10)


def test_pls_mga_group_estimates_are_the_replicated_ones(replicated_fits):
    _, _, wfit, rfit = replicated_fits
    mw = cm.pls_mga(wfit, by="g", B=20, seed=3)
    mr = cm.pls_mga(rfit, by="g", B=20, seed=3)
    for col in ("est.a", "est.b", "diff"):
        np.testing.assert_allclose(mw[col], mr[col], rtol=0, atol=1e-10, err_msg=col)
    # each group's weighted estimate is the weighted PLS fit of that group alone
    tel = replicated_fits[0]
    for g, col in ((mw["group.a"].iloc[0], "est.a"), (mw["group.b"].iloc[0], "est.b")):
        alone = _quiet(cm.fit_pls, "telecom", tel[tel.g == g].drop(columns="g"), weights="k")
        np.testing.assert_allclose(mw[col], alone.paths["est"], rtol=0, atol=1e-10)


def test_weighted_resamples_draw_rows_with_their_weights(replicated_fits):
    """The bootstrap of pls_mga in a group is bootstrap_pls of the weighted group fit."""
    tel, _, wfit, _ = replicated_fits
    mw = cm.pls_mga(wfit, by="g", B=40, seed=5)
    groups = list(dict.fromkeys(tel.g))
    k = 0 if mw["group.a"].iloc[0] == groups[0] else 1
    g = mw["group.a"].iloc[0]
    alone = _quiet(cm.fit_pls, "telecom", tel[tel.g == g].drop(columns="g"), weights="k")
    bt = cm.bootstrap_pls(alone, B=40, seed=np.random.SeedSequence([5, k]))
    se = bt.paths["se"].to_numpy()
    np.testing.assert_allclose(mw["se.a"], se, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------- (b) weights all 1
def test_weights_one_reproduce_the_unweighted_tests():
    tel, _ = _replicated()
    tel = tel.drop(columns="k").assign(one=1.0)
    w1 = _quiet(cm.fit_pls, "telecom", tel, weights="one")
    w0 = _quiet(cm.fit_pls, "telecom", tel.drop(columns="one"))
    p1 = cm.pls_permutation_test(w1, by="g", n_permutations=100, seed=4)
    p0 = cm.pls_permutation_test(w0, by="g", n_permutations=100, seed=4)
    pd.testing.assert_series_equal(p1.paths["pvalue"], p0.paths["pvalue"], check_exact=True)
    np.testing.assert_allclose(p1.paths["diff"], p0.paths["diff"], rtol=0, atol=1e-12)
    num = p1.micom.select_dtypes("number").columns
    np.testing.assert_allclose(p1.micom[num], p0.micom[num], rtol=0, atol=1e-12)
    for col in ("step2.pvalue", "step2.invariant", "step3.mean_equal", "step3.var_equal",
                "verdict"):
        assert p1.micom[col].tolist() == p0.micom[col].tolist(), col
    m1 = cm.pls_mga(w1, by="g", B=100, seed=4)
    m0 = cm.pls_mga(w0, by="g", B=100, seed=4)
    for col in ("pvalue.henseler", "pvalue.henseler.one_sided"):
        assert m1[col].tolist() == m0[col].tolist(), col
    num = m1.select_dtypes("number").columns
    np.testing.assert_allclose(m1[num], m0[num], rtol=1e-12, atol=1e-12)
    h1, h0 = cm.pls_htmt(w1, bootstrap=50, seed=4), cm.pls_htmt(w0, bootstrap=50, seed=4)
    np.testing.assert_allclose(h1.select_dtypes("number"), h0.select_dtypes("number"),
                               rtol=0, atol=1e-12)
    f1 = cm.pls_model_fit(w1, bootstrap=30, seed=4)
    f0 = cm.pls_model_fit(w0, bootstrap=30, seed=4)
    np.testing.assert_allclose(f1.to_numpy(), f0.to_numpy(), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------- (c) weights matter
@pytest.fixture(scope="module")
def heavy_rows():
    """Group b: 200 ordinary respondents and 100 'heavy' ones with a strong SAT ~ QUAL path
    and satisfaction answers 2 points lower. Weight 6 on the heavy rows, 1 elsewhere."""
    spec = cm.load_model("acsi")
    base = Population.default_for(spec)
    strong = Population(loadings=dict(base.loadings),
                        paths={**dict(base.paths), ("QUAL", "SAT"): 0.8, ("EXPE", "SAT"): 0.05,
                               ("VAL", "SAT"): 0.05})
    a = cm.simulate_survey(spec, n=300, seed=11)
    b = cm.simulate_survey(spec, n=200, seed=12)
    h = cm.simulate_survey(spec, n=100, seed=13, population=strong)
    sat = ["SAT1", "SAT2", "SAT3"]
    h[sat] = np.clip(h[sat] - 2, 1, 10)
    data = pd.concat([a.assign(g="a", w=1.0), b.assign(g="b", w=1.0),
                      h.assign(g="b", w=6.0)], ignore_index=True)
    return (_quiet(cm.fit_pls, spec, data, weights="w"),
            _quiet(cm.fit_pls, spec, data.drop(columns="w")))


def test_heavy_rows_pull_the_weighted_group_comparison_their_way(heavy_rows):
    wfit, ufit = heavy_rows
    tw = cm.pls_permutation_test(wfit, by="g", n_permutations=200, seed=2)
    tu = cm.pls_permutation_test(ufit, by="g", n_permutations=200, seed=2)
    pw, pu = tw.paths.set_index(["lhs", "rhs"]), tu.paths.set_index(["lhs", "rhs"])
    # SAT ~ QUAL in group b moves toward the heavy rows' strong path: larger difference b - a
    assert pw.loc[("SAT", "QUAL"), "est.b"] > pu.loc[("SAT", "QUAL"), "est.b"] + 0.1
    assert pw.loc[("SAT", "QUAL"), "est.a"] == pytest.approx(pu.loc[("SAT", "QUAL"), "est.a"],
                                                             abs=0.05)
    assert pw.loc[("SAT", "QUAL"), "diff"] > pu.loc[("SAT", "QUAL"), "diff"] + 0.1
    assert pw.loc[("SAT", "QUAL"), "pvalue"] < 0.05
    # MICOM step 3: group b's weighted satisfaction is lower still (mean_diff = a - b)
    mw, mu = tw.micom.set_index("latent"), tu.micom.set_index("latent")
    assert mw.loc["SAT", "step3.mean_diff"] > mu.loc["SAT", "step3.mean_diff"] + 0.1
    assert not mw.loc["SAT", "step3.mean_equal"]
    # bootstrap MGA: the same direction
    gw = cm.pls_mga(wfit, by="g", B=100, seed=2).set_index(["lhs", "rhs"])
    gu = cm.pls_mga(ufit, by="g", B=100, seed=2).set_index(["lhs", "rhs"])
    assert gw.loc[("SAT", "QUAL"), "est.b"] > gu.loc[("SAT", "QUAL"), "est.b"] + 0.1
    assert gw.loc[("SAT", "QUAL"), "pvalue.henseler"] < 0.05
    # and the weights change the HTMT and the model-fit quantiles
    hw, hu = cm.pls_htmt(wfit), cm.pls_htmt(ufit)
    assert np.max(np.abs(hw["htmt"] - hu["htmt"])) > 1e-3


def test_weighted_tables_are_reproducible(heavy_rows):
    wfit, _ = heavy_rows
    a = cm.pls_permutation_test(wfit, by="g", n_permutations=50, seed=8)
    b = cm.pls_permutation_test(wfit, by="g", n_permutations=50, seed=8)
    assert a.paths.to_csv() == b.paths.to_csv() and a.micom.to_csv() == b.micom.to_csv()
    assert cm.pls_mga(wfit, by="g", B=30, seed=8).to_csv() == \
        cm.pls_mga(wfit, by="g", B=30, seed=8).to_csv()
    assert cm.pls_htmt(wfit, bootstrap=30, seed=8).to_csv() == \
        cm.pls_htmt(wfit, bootstrap=30, seed=8).to_csv()
    f1 = cm.pls_model_fit(wfit, bootstrap=20, seed=8)
    assert f1.to_csv() == cm.pls_model_fit(wfit, bootstrap=20, seed=8).to_csv()
    assert f1.to_csv() != cm.pls_model_fit(heavy_rows[1], bootstrap=20, seed=8).to_csv()


def test_weighted_model_fit_bootstrap_transforms_to_the_implied_weighted_correlations(
        heavy_rows):
    """Bollen-Stine with weights: after the weighted standardization the transformed data's
    weighted correlations are the model-implied ones (exact fit in the weighted metric)."""
    from csi_model.pls.assess import _implied, _item_cor, _sqrtm
    wfit, _ = heavy_rows
    fit = cm.pls_model_fit(wfit, bootstrap=20, seed=1)
    assert list(fit.columns)[2:] == ["saturated.q95", "saturated.q99", "estimated.q95",
                                     "estimated.q99"]
    assert (fit["estimated.q99"] >= fit["estimated.q95"]).all()
    X, w = wfit._data.X, wfit._data.weights
    p = w / w.sum()
    Z = (X - p @ X) / np.sqrt(p @ (X - p @ X) ** 2)
    S = _item_cor(wfit)
    est = {k: np.asarray(v)[None] for k, v in wfit._core.items()
           if k in ("loadings", "C", "B", "r2")}
    Sigma = _implied(wfit._problem, est, S[None], False)[0]
    Xt = Z @ _sqrtm(S, inverse=True) @ _sqrtm(Sigma)
    Xc = Xt - p @ Xt
    C = (Xc * p[:, None]).T @ Xc
    np.testing.assert_allclose(C, Sigma, rtol=0, atol=1e-10)
    assert np.max(np.abs(np.corrcoef(Xt, rowvar=False) - Sigma)) > 1e-3


def test_weighted_em_groups_are_the_replicated_rows_em_groups():
    """missing='em' with weights: each group's (and permuted group's) EM is the weighted EM,
    so integer weights give the replicated rows' group estimates, MICOM and PLS-MGA."""
    tel, _ = _replicated()
    items = [c for c in tel.columns if c not in ("k", "g")]
    holes = np.random.default_rng(7).random((len(tel), len(items))) < 0.04
    tel[items] = tel[items].mask(holes)
    rep = tel.loc[tel.index.repeat(tel["k"])].reset_index(drop=True).drop(columns="k")
    wfit = _quiet(cm.fit_pls, "telecom", tel, weights="k", missing="em")
    rfit = _quiet(cm.fit_pls, "telecom", rep, missing="em")
    tw = _quiet(cm.pls_permutation_test, wfit, by="g", n_permutations=20, seed=1)
    tr = _quiet(cm.pls_permutation_test, rfit, by="g", n_permutations=20, seed=1)
    for col in [c for c in tw.paths.columns if c.startswith("est.")] + ["diff"]:
        np.testing.assert_allclose(tw.paths[col], tr.paths[col], rtol=0, atol=1e-8, err_msg=col)
    mw, mr = tw.micom.set_index("latent"), tr.micom.set_index("latent")
    for col in ("step2.c", "step3.mean_diff"):
        np.testing.assert_allclose(mw[col], mr[col], rtol=0, atol=1e-8, err_msg=col)
    gw = _quiet(cm.pls_mga, wfit, by="g", B=10, seed=3)
    gr = _quiet(cm.pls_mga, rfit, by="g", B=10, seed=3)
    for col in ("est.a", "est.b", "diff"):
        np.testing.assert_allclose(gw[col], gr[col], rtol=0, atol=1e-8, err_msg=col)
    # and not the unweighted EM of the 300 rows
    ufit = _quiet(cm.fit_pls, "telecom", tel.drop(columns="k"), missing="em")
    tu = _quiet(cm.pls_permutation_test, ufit, by="g", n_permutations=20, seed=1)
    assert np.max(np.abs(tu.paths["diff"] - tw.paths["diff"])) > 1e-3


# ------------------------------------------------------------------- (d) compare
def test_compare_with_weights_runs_weighted_pls_mga_and_micom():
    tel, rep = _replicated()
    res = _quiet(cm.compare, "telecom", tel, by="g", weights="k", bootstrap=20,
                 n_permutations=30, scale=(1, 10), seed=2,
                 invariance_steps=("configural", "metric"))
    assert len(res.pls_paths) and len(res.micom)
    ref = _quiet(cm.compare, "telecom", rep, by="g", bootstrap=20, n_permutations=30,
                 scale=(1, 10), seed=2, invariance_steps=("configural",))
    for col in ("est.a", "est.b", "diff"):
        np.testing.assert_allclose(res.pls_paths[col], ref.pls_paths[col], rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.micom["step3.mean_diff"], ref.micom["step3.mean_diff"],
                               rtol=0, atol=1e-10)
    # the same as the weighted permutation test called directly
    pls = _quiet(cm.fit_pls, "telecom", tel, weights="k")
    g = res.groups
    direct = cm.pls_permutation_test(pls, by="g", groups=(g[0], g[1]), n_permutations=30,
                                     seed=2)
    np.testing.assert_array_equal(res.pls_paths["pvalue"], direct.paths["pvalue"])
    assert any("PLS-MGA permutation tests and MICOM are weighted" in w for w in res.warnings)
    assert not any("were skipped" in w and "PLS-MGA" in w for w in res.warnings)
    text = res.summary().as_text()
    assert "PLS-MGA permutation tests (weighted)" in text
    assert "MICOM (PLS measurement invariance of composites) (weighted)" in text
    assert "approximate" in text
    again = _quiet(cm.compare, "telecom", tel, by="g", weights="k", bootstrap=20,
                   n_permutations=30, scale=(1, 10), seed=2,
                   invariance_steps=("configural", "metric"))
    assert again.pls_paths.to_csv() == res.pls_paths.to_csv()
    assert again.micom.to_csv() == res.micom.to_csv()
    unweighted = _quiet(cm.compare, "telecom", tel.drop(columns="k"), by="g", bootstrap=20,
                        n_permutations=30, scale=(1, 10), seed=2,
                        invariance_steps=("configural",)).summary().as_text()
    assert "(weighted)" not in unweighted


def test_a_group_without_positive_weights_is_refused_naming_it():
    tel, _ = _replicated()
    tel["k"] = np.where(tel.g == "A", 0.0, tel.k)
    fit = _quiet(cm.fit_pls, "telecom", tel, weights="k")
    with pytest.raises(cm.SurveyDataError, match="every weight in group g = A is zero"):
        cm.pls_permutation_test(fit, by="g", n_permutations=10, seed=1)
    with pytest.raises(cm.SurveyDataError, match="every weight in group g = A is zero"):
        cm.pls_mga(fit, by="g", B=10, seed=1)
    tel["k"] = np.where(tel.g == "A", 0.0, 1.0)
    tel.loc[tel.index[tel.g == "A"][:4], "k"] = 1.0
    fit = _quiet(cm.fit_pls, "telecom", tel, weights="k")
    with pytest.raises(cm.SurveyDataError, match="only 4 respondent.s. in group g = A"):
        cm.pls_mga(fit, by="g", B=10, seed=1)


def test_micom_all_pairs_with_weights_is_micom_of_each_pair():
    tel, _ = _replicated()
    tel["g"] = np.array(["A", "B", "C"])[np.arange(len(tel)) % 3]
    fit = _quiet(cm.fit_pls, "telecom", tel, weights="k")
    allp = cm.micom_all_pairs(fit, by="g", n_permutations=20, seed=3)
    one = cm.micom(fit, by="g", groups=("B", "C"), n_permutations=20, seed=3)
    part = allp[(allp["group.a"] == "B") & (allp["group.b"] == "C")].drop(
        columns=["group.a", "group.b"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(part, one)
