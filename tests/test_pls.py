"""PLS path modelling against SmartPLS 2.0 (ECSI mobile survey) and R plspm (bank data).

Reference files: tests/reference/smartpls_ecsi_mobi/ and tests/reference/plspm_satisfaction/
(see their README.md). Tolerances are explicit keywords; the issue asks for |diff| <= 1e-4.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import ConvergenceWarning, ModelSpecError
from csi_model.pls.fit import bootstrap_pls, compare_estimators, fit_pls

HERE = Path(__file__).parent
SMARTPLS = HERE / "reference" / "smartpls_ecsi_mobi"
PLSPM = HERE / "reference" / "plspm_satisfaction"
NAMES = {"Image": "IMAG", "Expectation": "EXPE", "Quality": "QUAL", "Value": "VAL",
         "Satisfaction": "SAT", "Complaints": "COMP", "Loyalty": "LOY"}
SCHEMES = {"centroid": "centroid", "factorial": "factorial", "path": "pathWeighting"}
ATOL = 1e-4          # the agreement criterion


def read_smartpls(name: str) -> pd.DataFrame:
    """A SmartPLS 2 matrix file: tab separated, decimal comma, trailing tab."""
    lines = [ln.rstrip("\n").split("\t") for ln in
             (SMARTPLS / name).read_text(encoding="latin-1").splitlines() if ln.strip()]
    cols = [NAMES.get(c.strip(), c.strip()) for c in lines[0][1:] if c.strip()]
    rows = {NAMES.get(ln[0].strip(), ln[0].strip()):
            [float(v.replace(",", ".")) for v in ln[1:1 + len(cols)]] for ln in lines[1:]}
    return pd.DataFrame(rows, index=cols).T


@pytest.fixture(scope="module")
def mobi():
    spec = cm.load_model(HERE.parent / "models" / "ecsi_mobi.lav")
    return spec, cm.read_survey(HERE / "data" / "ecsi_mobi.csv")


@pytest.fixture(scope="module")
def bank():
    spec = cm.load_model(PLSPM / "satisfaction.lav")
    return spec, cm.read_survey(PLSPM / "satisfaction.csv", items=list(spec.observed))


@pytest.fixture(scope="module")
def bank_fit(bank):
    return fit_pls(*bank, scheme="centroid", scaled=False)


# ------------------------------------------------------------------ SmartPLS
@pytest.mark.parametrize("scheme", ["centroid", "factorial", "path"])
def test_smartpls_paths_weights_effects_loadings(mobi, scheme):
    res = fit_pls(*mobi, scheme=scheme)
    assert res.converged
    prefix = SCHEMES[scheme]
    for fname, got in [("pathCoefficients", res.path_matrix()),
                       ("outerWeights", res.weight_matrix()),
                       ("totalEffects", res.total_effect_matrix()),
                       ("crossLoadings", res.cross_loadings)]:
        ref = read_smartpls(f"{prefix}_{fname}.txt")
        mine = got.loc[ref.index, ref.columns].to_numpy()
        np.testing.assert_allclose(mine, ref.to_numpy(), rtol=0, atol=ATOL, err_msg=fname)
    # in fact the agreement is ~1e-8 (SmartPLS prints 8 decimals)
    ref = read_smartpls(f"{prefix}_pathCoefficients.txt")
    np.testing.assert_allclose(res.path_matrix().loc[ref.index, ref.columns].to_numpy(),
                               ref.to_numpy(), rtol=0, atol=1e-7)


def test_semPLS_vignette_published_paths(mobi):
    """Monecke & Leisch (2012), centroid scheme, 3 decimals."""
    res = fit_pls(*mobi, scheme="centroid")
    B = res.path_matrix()
    published = {("IMAG", "EXPE"): .505, ("EXPE", "QUAL"): .557, ("EXPE", "VAL"): .051,
                 ("QUAL", "VAL"): .557, ("IMAG", "SAT"): .179, ("EXPE", "SAT"): .064,
                 ("QUAL", "SAT"): .513, ("VAL", "SAT"): .192, ("SAT", "COMP"): .526,
                 ("IMAG", "LOY"): .195, ("SAT", "LOY"): .483, ("COMP", "LOY"): .071}
    for (f, t), v in published.items():
        assert B.loc[f, t] == pytest.approx(v, abs=5e-4), (f, t)


# ------------------------------------------------------------------ plspm
@pytest.mark.parametrize("scheme,fname", [("centroid", "satisfaction.outer-model.csv"),
                                          ("factorial", "satisfaction.outer-model-factorial.csv"),
                                          ("path", "satisfaction.outer-model-path.csv")])
def test_plspm_outer_model(bank, scheme, fname):
    res = fit_pls(*bank, scheme=scheme, scaled=False)
    ref = pd.read_csv(PLSPM / fname)
    mine = res.outer.set_index("item").loc[ref["name"]]
    for col in ("weight", "loading", "communality", "redundancy"):
        np.testing.assert_allclose(mine[col].to_numpy(), ref[col].to_numpy(), rtol=0,
                                   atol=ATOL, err_msg=col)
    # plspm stops at sum of squared changes < 1e-6: agreement ~1e-6
    np.testing.assert_allclose(mine["weight"].to_numpy(), ref["weight"].to_numpy(), rtol=0,
                               atol=5e-6)


def test_plspm_inner_summary_gof_effects(bank_fit):
    res = bank_fit
    inner = pd.read_csv(PLSPM / "satisfaction.inner-summary.csv", index_col=0)
    q = res.quality.loc[inner.index]
    np.testing.assert_allclose(q["r2"].fillna(0).to_numpy(), inner["r_squared"].to_numpy(),
                               rtol=0, atol=ATOL)
    np.testing.assert_allclose(q["communality"].to_numpy(), inner["block_communality"].to_numpy(),
                               rtol=0, atol=ATOL)
    np.testing.assert_allclose(q["redundancy"].fillna(0).to_numpy(),
                               inner["mean_redundancy"].to_numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(q["ave"].to_numpy(), inner["ave"].to_numpy(), rtol=0, atol=ATOL)
    published = {"EXPE": 0.335194, "QUAL": 0.719688, "VAL": 0.590084, "SAT": 0.707321,
                 "LOY": 0.509923}
    for lv, v in published.items():
        assert res.r2[lv] == pytest.approx(v, abs=1e-6)
    assert res.gof == pytest.approx(0.609742, abs=1e-6)
    eff = pd.read_csv(PLSPM / "satisfaction.effects.csv")
    mine = res.effects.set_index(["from", "to"]).loc[list(zip(eff["from"], eff["to"]))]
    for col in ("direct", "indirect", "total"):
        np.testing.assert_allclose(mine[col].to_numpy(), eff[col].to_numpy(), rtol=0, atol=ATOL)
    assert len(res.effects) == len(eff)


def test_plspm_cross_loadings_scores_and_regression(bank_fit):
    res = bank_fit
    cl = pd.read_csv(PLSPM / "satisfaction.crossloadings.csv").set_index("name")
    lat = ["IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY"]
    np.testing.assert_allclose(res.cross_loadings.loc[cl.index, lat].to_numpy(),
                               cl[lat].to_numpy(), rtol=0, atol=ATOL)
    sc = pd.read_csv(PLSPM / "satisfaction.scores.csv")
    # plspm standardizes its scores with divisor n; ours (as seminr, cSEM, SmartPLS) with
    # divisor n - 1: the same scores times sqrt((n - 1) / n)
    n = res.n
    np.testing.assert_allclose(res.scores[lat].to_numpy(),
                               sc[lat].to_numpy() * np.sqrt((n - 1) / n), rtol=0, atol=ATOL)
    inner = pd.read_csv(PLSPM / "satisfaction.inner-model.csv", index_col=0)
    sat = res.paths[res.paths.lhs == "SAT"].set_index("rhs")["est"]
    np.testing.assert_allclose(sat.loc[inner.index].to_numpy(), inner["Estimate"].to_numpy(),
                               rtol=0, atol=ATOL)


def test_plspm_mode_b(bank):
    res = fit_pls(*bank, scheme="centroid", scaled=False, mode="B")
    ref = pd.read_csv(PLSPM / "satisfaction.modeb.inner-summary.csv", index_col=0)
    q = res.quality.loc[ref.index]
    np.testing.assert_allclose(q["r2"].fillna(0).to_numpy(), ref["r_squared"].to_numpy(),
                               rtol=0, atol=ATOL)
    np.testing.assert_allclose(q["communality"].to_numpy(), ref["block_communality"].to_numpy(),
                               rtol=0, atol=ATOL)
    assert q["ave"].isna().all()                       # AVE is for mode A blocks only
    assert set(res.modes.values()) == {"B"}


def test_plspm_bootstrap_within_monte_carlo_error(bank_fit):
    """plspm's bootstrap used 100 resamples (its default br); ours B = 2000.

    The SE estimated from B resamples has a relative sampling SD of about 1/sqrt(2B), so
    log(se_ours / se_plspm) has SD sqrt(1/200 + 1/4000) = 0.072. We allow 4 SD for each of
    the 84 statistics (|log ratio| <= 0.29) and 0.05 for the mean log ratio (its SD is
    at most 0.072 even if the statistics were perfectly correlated, far less in fact).
    A percentile bound from 100 resamples has an SD of about 0.27 SE (2.5 % quantile of a
    normal), so the bounds must agree within 4 x 0.27 = 1.1 SE.
    """
    res = bootstrap_pls(bank_fit, B=2000, seed=2024)
    assert res.bootstrap.n_failed == 0
    bt = res.bootstrap_table()
    logs = []
    for fname, keyf in [("satisfaction_boot_paths.csv",
                         lambda k: "{1} ~ {0}".format(*k.split(" -> "))),
                        ("satisfaction_boot_total_effects.csv", lambda k: k),
                        ("satisfaction_boot_rsquared.csv", lambda k: f"r2 {k}")]:
        ref = pd.read_csv(PLSPM / fname, index_col=0)
        mine = bt.loc[[keyf(k) for k in ref.index]]
        np.testing.assert_allclose(mine["est"].to_numpy(), ref["original"].to_numpy(), rtol=0,
                                   atol=ATOL)
        logs += list(np.log(mine["se"].to_numpy() / ref["std.error"].to_numpy()))
        for bound, col in (("ci.lower", "perc.025"), ("ci.upper", "perc.975")):
            np.testing.assert_array_less(np.abs(mine[bound].to_numpy() - ref[col].to_numpy()),
                                         1.1 * ref["std.error"].to_numpy())
    outer = res.outer
    for fname, op in [("satisfaction_boot_weights.csv", "<~"),
                      ("satisfaction_boot_loadings.csv", "=~")]:
        ref = pd.read_csv(PLSPM / fname, index_col=0)
        owner = dict(zip(outer["item"], outer["latent"]))
        mine = bt.loc[[f"{owner[i]} {op} {i}" for i in ref.index]]
        logs += list(np.log(mine["se"].to_numpy() / ref["std.error"].to_numpy()))
    logs = np.array(logs)
    assert len(logs) == 84
    assert np.max(np.abs(logs)) <= 0.29
    assert abs(np.mean(logs)) <= 0.05


# ------------------------------------------------------------------ bootstrap mechanics
def test_bootstrap_reproducible_and_consistent(mobi):
    res = fit_pls(*mobi)
    a = bootstrap_pls(res, B=200, seed=7)
    b = bootstrap_pls(res, B=200, seed=7, chunk_size=33)
    # same resamples whatever the chunking (batched BLAS may differ in the last bit)
    np.testing.assert_allclose(a.bootstrap.replicates, b.bootstrap.replicates, rtol=0, atol=1e-12)
    # the bootstrap's full-sample statistic is the fit
    bt = a.bootstrap_table()
    est = res.estimates
    keys = [f"{l} {o} {r}" for l, o, r in zip(est.lhs, est.op, est.rhs)]
    np.testing.assert_allclose(bt.loc[keys, "est"].to_numpy(), est["est"].to_numpy(), rtol=0,
                               atol=1e-12)
    # a single resample through the engine's one-at-a-time path equals the batched one
    from csi_model.bootstrap import resample_indices
    from csi_model.pls.fit import _PLSStatistic
    stat = _PLSStatistic(res._problem, res._data.X)
    idx = resample_indices(res.n, B=200, seed=7, which=[5])[0]
    np.testing.assert_allclose(stat(idx), a.bootstrap.replicates[5], rtol=0, atol=1e-12)
    # the estimates table now has SEs, t values and intervals
    e = a.estimates
    assert e["se"].notna().all() and (e["se"] > 0).all()
    np.testing.assert_allclose(e["z"], e["est"] / e["se"], rtol=1e-12, atol=0)
    assert (e["ci.lower"] <= e["est"]).all() and (e["est"] <= e["ci.upper"]).all()
    assert {"se", "ci.lower", "ci.upper"} <= set(a.effects.columns)
    bca = a.bootstrap_table(method="bca")
    assert np.isfinite(bca["ci.lower"]).all()
    # the original result is unchanged
    assert res.bootstrap is None and res.estimates["se"].isna().all()


def test_fit_pls_bootstrap_argument_needs_seed(mobi):
    with pytest.raises(ValueError, match="seed"):
        fit_pls(*mobi, bootstrap=10)
    res = fit_pls(*mobi, bootstrap=50, seed=1)
    assert res.bootstrap.B == 50


# ------------------------------------------------------------------ behaviour
def test_single_item_block_keeps_positive_weight_when_negatively_related(mobi):
    """The Python plspm flips such a block; we orient it so that its loading is +1."""
    spec, survey = mobi
    df = survey.data.copy()
    df["CUSCO"] = 11 - df["CUSCO"]
    res = fit_pls(spec, cm.read_survey(df))
    w = res.outer.set_index("item")
    assert w.loc["CUSCO", "weight"] == pytest.approx(1.0, abs=1e-12)
    assert w.loc["CUSCO", "loading"] == pytest.approx(1.0, abs=1e-12)
    ref = read_smartpls("pathWeighting_pathCoefficients.txt")
    assert res.path_matrix().loc["SAT", "COMP"] == pytest.approx(-ref.loc["SAT", "COMP"], abs=1e-7)


def test_non_convergence_is_reported(mobi):
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = fit_pls(*mobi, max_iter=2)
    assert not res.converged
    assert any("did not converge" in w for w in res.warnings)
    assert "NO" in res.summary().as_text()


def test_inputs_unchanged_and_result_frozen(mobi):
    spec, survey = mobi
    df = survey.data.copy()
    before = df.copy()
    res = fit_pls(spec, df)
    pd.testing.assert_frame_equal(df, before)
    with pytest.raises(Exception):
        res.scheme = "centroid"
    with pytest.raises(ValueError):
        res.estimates["est"].to_numpy()[0] = 9.0


def test_quality_f2_and_adjusted_r2(mobi):
    res = fit_pls(*mobi)
    q = res.quality
    n = res.n
    sat = q.loc["SAT"]
    assert sat["r2.adj"] == pytest.approx(1 - (1 - sat["r2"]) * (n - 1) / (n - 4 - 1), rel=1e-12)
    # f² of QUAL -> SAT by refitting the regression without QUAL on the latent scores
    Y = res.scores
    def r2(cols):
        X = np.column_stack([np.ones(n), Y[cols].to_numpy()])
        beta, *_ = np.linalg.lstsq(X, Y["SAT"].to_numpy(), rcond=None)
        resid = Y["SAT"].to_numpy() - X @ beta
        return 1 - resid.var() / Y["SAT"].var(ddof=0)
    full, excl = r2(["IMAG", "EXPE", "QUAL", "VAL"]), r2(["IMAG", "EXPE", "VAL"])
    f2 = res.f2.set_index(["from", "to"]).loc[("QUAL", "SAT"), "f2"]
    assert f2 == pytest.approx((full - excl) / (1 - full), rel=1e-8)
    assert full == pytest.approx(res.r2["SAT"], rel=1e-10)
    # scores: variance 1 (divisor n - 1, seminr's and SmartPLS's convention), mean 0
    np.testing.assert_allclose(Y.var(ddof=1).to_numpy(), 1.0, rtol=1e-10, atol=0)
    np.testing.assert_allclose(Y.mean().to_numpy(), 0.0, rtol=0, atol=1e-10)


def test_mixed_modes(mobi):
    res = fit_pls(*mobi, mode={"QUAL": "B"})
    assert res.modes["QUAL"] == "B" and res.modes["SAT"] == "A"
    # mode B weights are the regression of the inner proxy on the items: check the
    # fixed-point property with the path-scheme proxy of QUAL
    assert res.converged


def test_argument_errors(mobi):
    spec, survey = mobi
    with pytest.raises(ValueError, match="'scheme' parameter of fit_pls must be one of"):
        fit_pls(spec, survey, scheme="pathweighting")
    with pytest.raises(ValueError, match="'mode' parameter"):
        fit_pls(spec, survey, mode="C")
    with pytest.raises(ValueError, match="not latents"):
        fit_pls(spec, survey, mode={"SATX": "B"})
    bad = cm.ModelSpec.from_syntax("SAT =~ CUSA1 + CUSA2\nLOY =~ CUSL1 + CUSL2\nLOY ~ SAT + CUSCO")
    with pytest.raises(ModelSpecError, match="observed variable"):
        fit_pls(bad, survey)
    alone = cm.ModelSpec.from_syntax("SAT =~ CUSA1 + CUSA2\nLOY =~ CUSL1 + CUSL2\n"
                                     "IMAG =~ IMAG1 + IMAG2\nLOY ~ SAT")
    with pytest.raises(ModelSpecError, match="IMAG"):
        fit_pls(alone, survey)


def test_listwise_deletion_reported(mobi):
    spec, survey = mobi
    df = survey.data.copy()
    df.loc[df.index[:5], "CUSA1"] = np.nan
    res = fit_pls(spec, df)
    assert res.n == 245 and res.n_total == 250
    assert any("Listwise deletion: 5" in w for w in res.warnings)


def test_reports(mobi):
    res = fit_pls(*mobi, bootstrap=100, seed=3)
    text = res.summary().as_text()
    assert "PLS-PM" in text and "Structural model" in text and "GoF" in text
    assert "<h3>" in res._repr_html_()
    payload = json.dumps(res.to_dict(), allow_nan=False)
    d = json.loads(payload)
    assert d["estimator"] == "PLS" and d["bootstrap"]["B"] == 100
    assert {"lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper",
            "std.all"} == set(d["estimates"][0])
    assert "PLSResult" in repr(res)


def test_compare_estimators(mobi):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tab = compare_estimators(*mobi)
        cb = cm.fit(*mobi)
    assert list(tab.columns) == ["lhs", "op", "rhs", "cbsem", "pls", "diff"]
    paths = tab[tab.op == "~"].set_index(["lhs", "rhs"])
    ref = read_smartpls("pathWeighting_pathCoefficients.txt")
    assert paths.loc[("SAT", "QUAL"), "pls"] == pytest.approx(ref.loc["QUAL", "SAT"], abs=1e-7)
    std = cb.estimates.set_index(["lhs", "op", "rhs"])["std.all"]
    assert paths.loc[("SAT", "QUAL"), "cbsem"] == pytest.approx(std[("SAT", "~", "QUAL")],
                                                                 abs=1e-12)
    np.testing.assert_allclose(tab["diff"], tab["pls"] - tab["cbsem"], rtol=0, atol=1e-15)
    assert len(tab[tab.op == "=~"]) == 24 and len(tab[tab.op == "r2"]) == 6


def test_defined_parameters_are_not_silently_dropped_by_pls():
    from csi_model.exceptions import CSIModelWarning
    spec = cm.ModelSpec.from_syntax("A =~ IMAG1 + IMAG2 + IMAG3\nB =~ SAT1 + SAT2 + SAT3\n"
                                    "B ~ a*A\nd := 2*a")
    survey = cm.simulate_survey("telecom", n=200, seed=1)
    with pytest.warns(CSIModelWarning, match=r"defined parameters \(d\) are computed for CB-SEM"):
        res = fit_pls(spec, survey)
    assert any("PLS ignores them" in w for w in res.warnings)
    assert "PLS ignores them" in res.summary().as_text()


def test_mean_replacement_equals_the_fit_on_the_replaced_data():
    """seminr's / SmartPLS's mean replacement: the fit on data with holes equals the fit on the
    same data with each hole replaced by its item's mean (computed here independently)."""
    import warnings
    from csi_model.exceptions import DataQualityWarning
    spec = cm.load_model("telecom")
    survey = cm.simulate_survey(spec, n=300, seed=4, missing_rate=0.02)
    items = list(spec.observed)
    filled = survey.copy()
    filled[items] = filled[items].fillna(filled[items].mean())
    with pytest.warns(DataQualityWarning, match=r"Mean replacement: \d+ missing answers"):
        res = fit_pls(spec, survey, missing="mean")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = fit_pls(spec, filled)
    assert res.n == 300 == ref.n
    np.testing.assert_allclose(res.estimates["est"], ref.estimates["est"], rtol=0, atol=1e-12)
    ix = cm.csi_index(res, scale=(1, 10))
    assert ix.table["n"].max() == 300
    with pytest.raises(ValueError, match="'missing' parameter of fit_pls.*Got 'fiml'.*CB-SEM's"):
        fit_pls(spec, survey, missing="fiml")
