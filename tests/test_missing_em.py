"""missing='em' (PLS and the measurement model) and the shared missing-data vocabulary.

References: tests/reference/lavaan_em/ (lavaan 0.6-14's EM of the saturated model, psych::alpha
and semTools::compRelSEM / AVE on it; make_reference.R there).
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import DataQualityWarning, EstimationError, SurveyDataError
from csi_model.sem._fiml import MissingData, em_saturated, em_saturated_batch
from csi_model.survey.missing import check_patterns, resolve_missing

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_em"
DATA = HERE / "data"
CASES = {"telecom": "telecom_sim_missing.csv", "bfi_five": "bfi.csv"}


def _ref(case):
    return json.loads((REF / f"{case}.json").read_text())


def _items(case):
    ref = _ref(case)
    return pd.read_csv(DATA / CASES[case])[ref["items"]], ref


def quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


# ------------------------------------------------------------------ the EM itself
@pytest.mark.parametrize("case", list(CASES))
def test_em_moments_equal_lavaan(case):
    X, ref = _items(case)
    X = X.to_numpy(float)
    X = X[~np.isnan(X).all(axis=1)]
    d = MissingData(X)
    S, mu, _, _, conv = em_saturated_batch(d, np.ones((1, d.n)), np.diag(np.nanvar(X, 0))[None],
                                           np.nanmean(X, 0)[None], tol=1e-12, max_iter=20000)
    assert conv[0]
    np.testing.assert_allclose(S[0], np.array(ref["em_cov"]), rtol=0, atol=1e-9)
    np.testing.assert_allclose(mu[0], np.array(ref["em_mean"]), rtol=0, atol=1e-9)
    # lavCor's nlminb fit of the unrestricted model: the same maximum, to its tolerance
    np.testing.assert_allclose(S[0], np.array(ref["lavcor_cov"]), rtol=0, atol=1e-5)


def test_weighted_em_of_a_resample_equals_em_of_the_resampled_rows():
    X, _ = _items("telecom")
    X = X.to_numpy(float)
    d = MissingData(X)
    S0, mu0, _, _ = em_saturated(d, tol=1e-12)
    rng = np.random.default_rng(3)
    idx = [rng.integers(0, d.n, d.n) for _ in range(3)]
    W = np.stack([np.bincount(i, minlength=d.n) for i in idx]).astype(float)
    S, mu, filled, _, conv = em_saturated_batch(d, W, np.repeat(S0[None], 3, 0),
                                                np.repeat(mu0[None], 3, 0), tol=1e-12)
    assert conv.all()
    for r, i in enumerate(idx):     # cold start on the resampled rows themselves
        Sr, mur, _, _ = em_saturated(MissingData(X[i]), tol=1e-12)
        np.testing.assert_allclose(S[r], Sr, atol=1e-9)
        np.testing.assert_allclose(mu[r], mur, atol=1e-9)
    # filled: answers kept, gaps hold E[x_m | x_o]; their mean is the EM mean (fixed point)
    obs = ~np.isnan(X)
    assert np.array_equal(filled[0][obs], X[obs])


# ------------------------------------------------------------------ PLS on the EM moments
def _data_with_moments(S, mu, n, seed=0):
    """Complete data whose mean and covariance (divisor n) are exactly mu and S."""
    Z = np.random.default_rng(seed).standard_normal((n, len(mu)))
    Z -= Z.mean(axis=0)
    L = np.linalg.cholesky(Z.T @ Z / n)
    Z = Z @ np.linalg.inv(L).T
    return Z @ np.linalg.cholesky(S).T + mu


def test_pls_em_equals_pls_on_lavaans_em_matrix():
    X, ref = _items("telecom")
    res = quiet(cm.fit_pls, "telecom", X, missing="em")
    assert res.missing == "em" and res.n == res.n_total == 400
    # independent: complete data with exactly lavaan's EM moments, the ordinary PLS fit
    Y = pd.DataFrame(_data_with_moments(np.array(ref["em_cov"]), np.array(ref["em_mean"]), 400),
                     columns=ref["items"])
    ind = quiet(cm.fit_pls, "telecom", Y)
    np.testing.assert_allclose(res.estimates["est"], ind.estimates["est"], atol=1e-8)
    np.testing.assert_allclose(res.outer["weight.raw"], ind.outer["weight.raw"], atol=1e-8)
    np.testing.assert_allclose(res.outer["mean"], ind.outer["mean"], atol=1e-9)
    np.testing.assert_allclose(res.r2, ind.r2, atol=1e-8)
    assert any(w.startswith("EM: 480 missing answers of 296 of 400") for w in res.warnings)
    assert "Missing data" in str(res.summary()) and res.to_dict()["missing"] == "em"


def test_pls_em_scores_and_index():
    X, _ = _items("telecom")
    res = quiet(cm.fit_pls, "telecom", X, missing="em")
    # scores: weights on the answers given and the conditional expectations of the gaps
    d = MissingData(X.to_numpy(float))
    S, mu, filled, _, _ = em_saturated_batch(d, np.ones((1, d.n)), res._data.S[None],
                                             res._data.mean[None], tol=1e-12)
    W = res._core["Wraw"]
    np.testing.assert_allclose(res.scores.to_numpy(), (filled[0] - mu[0]) @ W, atol=1e-8)
    ix = quiet(cm.csi_index, res, scale=(1, 10))
    overall = ix.table.set_index("latent")["index"]
    np.testing.assert_allclose(ix.scores.mean().to_numpy(), overall[ix.scores.columns], atol=1e-9)
    # the index from the EM means, computed by hand
    o = res.outer
    sat = o[o.latent == "SAT"]
    v = sat["weight.raw"] * 9 / (sat["weight.raw"] * 9).sum()
    assert overall["SAT"] == pytest.approx(float((v * (sat["mean"] - 1) / 9 * 100).sum()), abs=1e-9)


def test_pls_em_bootstrap_and_groups():
    X, _ = _items("telecom")
    X = X.assign(region=np.repeat(["N", "S"], 200))
    s = cm.read_survey(X, items=[c for c in X.columns if c != "region"])
    res = quiet(cm.fit_pls, "telecom", s, missing="em")
    b1 = quiet(cm.bootstrap_pls, res, B=40, seed=5)
    b2 = quiet(cm.bootstrap_pls, res, B=40, seed=5, n_jobs=2)
    assert b1.bootstrap.n_failed == 0
    np.testing.assert_array_equal(b1.bootstrap.replicates, b2.bootstrap.replicates)
    se = b1.estimates.set_index(["lhs", "op", "rhs"])["se"]
    assert (se.dropna() > 0).all() and se.notna().sum() > 20
    ix = quiet(cm.csi_index, res, scale=(1, 10), by="region", bootstrap=30, seed=2)
    t = ix.table
    assert t["se"].notna().all() and set(t.group) == {"(all)", "N", "S"}
    # group index = weighted mean of the group's (filled) item means = mean of its index scores
    g = ix.scores.groupby(s.data.loc[ix.scores.index, "region"]).mean()
    for grp in ("N", "S"):
        tg = t[t.group == grp].set_index("latent")["index"]
        np.testing.assert_allclose(g.loc[grp, tg.index], tg, atol=1e-9)


def test_pls_em_multigroup_estimates_are_the_groups_em_fits():
    X, _ = _items("telecom")
    X = X.assign(region=np.repeat(["N", "S"], 200))
    s = cm.read_survey(X, items=[c for c in X.columns if c != "region"])
    res = quiet(cm.fit_pls, "telecom", s, missing="em")
    perm = quiet(cm.pls_permutation_test, res, by="region", n_permutations=20, seed=1)
    north = quiet(cm.fit_pls, "telecom", X[X.region == "N"].drop(columns="region"), missing="em")
    got = perm.paths.set_index(["lhs", "rhs"])["est.N"]
    want = north.paths.set_index(["lhs", "rhs"])["est"]
    np.testing.assert_allclose(got[want.index], want, atol=1e-6)
    mga = quiet(cm.pls_mga, res, by="region", B=20, seed=1)
    np.testing.assert_allclose(mga.set_index(["lhs", "rhs"])["est.a"][want.index], want, atol=1e-6)


def test_pls_em_refuses_row_refits():
    X, _ = _items("telecom")
    res = quiet(cm.fit_pls, "telecom", X, missing="em")
    with pytest.raises(EstimationError, match="missing='em'"):
        cm.pls_predict(res, seed=1)


# ------------------------------------------------------------------ measurement on the EM matrix
@pytest.mark.parametrize("case", list(CASES))
def test_measurement_em_reliability_equals_psych_and_semtools(case):
    X, ref = _items(case)
    spec = cm.load_model(REF / f"{case}.lav")
    m = quiet(cm.measurement, spec, X, missing="em", n_boot=0, n_iter_parallel=2)
    assert m.n == ref["n"] and m.options["missing"] == "em"
    rel = m.reliability.set_index("latent")
    for r in ref["reliability"]:
        lv = r["latent"]
        np.testing.assert_allclose(rel.loc[lv, "alpha_raw"], r["alpha_raw"], rtol=0, atol=1e-10)
        np.testing.assert_allclose(rel.loc[lv, "alpha_std"], r["alpha_std"], rtol=0, atol=1e-10)
        # omega / AVE: our FIML CFA vs lavaan's (both converged to their tolerances)
        np.testing.assert_allclose(rel.loc[lv, "omega"], r["omega"], rtol=0, atol=1e-5)
        if r["ave"] != "NA":
            np.testing.assert_allclose(rel.loc[lv, "ave"], r["ave"], rtol=0, atol=1e-5)
    assert m.cfa.missing == "fiml" and m.cfa.n == ref["n"]


def test_measurement_em_equals_listwise_tables_on_data_with_the_em_moments():
    """Every covariance-based table of missing='em' equals the listwise computation on complete
    data whose moments are the EM moments (an independent route through the listwise code)."""
    X, ref = _items("telecom")
    spec = cm.load_model(REF / "telecom.lav")
    m = quiet(cm.measurement, spec, X, missing="em", n_boot=0, n_iter_parallel=2, seed=1)
    Y = pd.DataFrame(_data_with_moments(np.array(ref["em_cov"]), np.array(ref["em_mean"]), 400),
                     columns=ref["items"])
    c = quiet(cm.measurement, spec, Y, n_boot=0, n_iter_parallel=2, seed=1)
    for col in ("alpha_raw", "alpha_std", "rho_a"):
        np.testing.assert_allclose(m.reliability[col], c.reliability[col], atol=1e-7)
    np.testing.assert_allclose(m.items["r_drop"], c.items["r_drop"], atol=1e-9)
    np.testing.assert_allclose(m.htmt.to_numpy(), c.htmt.to_numpy(), atol=1e-9)
    np.testing.assert_allclose(m.cross_loadings.to_numpy(), c.cross_loadings.to_numpy(), atol=1e-6)
    assert m.kmo == pytest.approx(c.kmo, abs=1e-9)
    # factor_analyzer's minres stops at its optimizer's tolerance: 1.6e-6 apart with scipy 1.17
    np.testing.assert_allclose(m.efa.loadings.to_numpy(), c.efa.loadings.to_numpy(), atol=1e-5)
    assert m.bartlett["chisq"] == pytest.approx(c.bartlett["chisq"], rel=1e-9)


def test_measurement_em_htmt_bootstrap():
    X, _ = _items("telecom")
    m = quiet(cm.measurement, cm.load_model(REF / "telecom.lav"), X, missing="em", n_boot=30,
              n_iter_parallel=2)
    ok = m.htmt_table.dropna(subset=["htmt"])
    assert ok["ci.lower"].notna().all() and (ok["ci.lower"] <= ok["htmt"] + 0.05).all()


# ------------------------------------------------------------------ vocabulary, patterns
def test_resolve_missing_vocabulary():
    assert resolve_missing("ML", "cbsem", "fit") == "fiml"
    assert resolve_missing("ml", "measurement", "measurement") == "em"
    assert resolve_missing("fiml", "analysis", "compare") == "ml"
    with pytest.raises(ValueError, match=r"'missing' parameter of fit_pls .*'listwise', 'mean', "
                                          r"'em', 'ml'.*Got 'fiml'.*CB-SEM's"):
        resolve_missing("fiml", "pls", "fit_pls")
    with pytest.raises(ValueError, match="Got 'mean' instead. Mean replacement is a PLS option"):
        cm.fit("telecom", pd.read_csv(DATA / "telecom_sim_missing.csv"), missing="mean")
    with pytest.raises(ValueError, match="Pairwise deletion is not offered"):
        resolve_missing("pairwise", "measurement", "measurement")


def test_pattern_checks_name_rows_and_columns():
    X, _ = _items("telecom")
    X = X.copy()
    X.loc[[3, 7], :] = np.nan                    # answered nothing of the model
    X.loc[10, X.columns[:15]] = np.nan           # more than half missing
    s = cm.read_survey(X.assign(extra=1.0), items=list(X.columns) + ["extra"])
    with pytest.warns(DataQualityWarning) as rec:
        keep, notes = check_patterns(s, list(X.columns), "em", "fit_pls")
    text = " ".join(str(w.message) for w in rec)
    assert "2 respondent(s) answered none" in text and "rows 3, 7" in text
    assert "more than half" in text and "rows 10" in text
    assert len(keep) == 398 and any(n.startswith("Note:") for n in notes)
    with pytest.warns(DataQualityWarning, match="rows 3, 7"):
        r = cm.fit_pls("telecom", s, missing="em")
    assert r.n == 398 and r.n_total == 400
    Z = X.copy()
    Z["SAT2"] = np.nan
    s2 = cm.read_survey(Z.assign(extra=1.0), items=list(Z.columns) + ["extra"])
    with pytest.raises(SurveyDataError, match="'SAT2' have no answer from any respondent"):
        quiet(cm.fit_pls, "telecom", s2, missing="em")
    Z = X.drop(index=[3, 7])
    Z.loc[Z.index[:250], "SAT2"] = np.nan
    with pytest.warns(DataQualityWarning, match=r"more than half of the answers to SAT2 \(6"):
        cm.fit_pls("telecom", Z, missing="em")


# ------------------------------------------------------------------ every entry point
def test_cli_missing_on_every_subcommand(tmp_path, capsys):
    from csi_model.cli import main
    path = str(DATA / "telecom_sim_missing.csv")
    for cmd, value, want, key in (("fit", "ml", "fiml", None), ("pls", "em", "em", None),
                                  ("index", "em", "em", None), ("measure", "em", "em", "options")):
        out = tmp_path / f"{cmd}.json"
        extra = ["--scale", "1,10"] if cmd == "index" else []
        extra += ["--bootstrap", "0"] if cmd == "measure" else []
        assert main([cmd, path, "--model", "telecom", "--missing", value, "--json", str(out),
                     "--quiet", *extra]) == 0
        d = json.loads(out.read_text())
        got = d[key]["missing"] if key else d["missing"]
        assert got == want, cmd
        assert d["n"] == 400 and d["n_total"] == 400, cmd
    assert main(["fit", path, "--model", "telecom", "--missing", "mean"]) == 2
    err = capsys.readouterr().err
    assert "--missing" in err and "'mean'" in err and "'fiml'" in err


def test_compare_passes_missing_through():
    X, _ = _items("telecom")
    X = X.assign(wave=np.repeat(["w1", "w2"], 200))
    s = cm.read_survey(X, items=[c for c in X.columns if c != "wave"])
    res = quiet(cm.compare, "telecom", s, by="wave", bootstrap=20, n_permutations=10, seed=1,
                scale=(1, 10), invariance_steps=("configural", "metric"), missing="ml")
    assert res.options["missing"] == "ml" and res.index.pls.missing == "em"
    assert res.index.pls.n == 400
    assert all(f.missing == "fiml" for f in res.invariance.fits.values())
    assert sum(res.invariance.fits["metric"].n) == 400
    assert "Missing data" in str(res.summary())
    with pytest.raises(ValueError, match="'missing' parameter of compare .*Got 'mean'"):
        cm.compare("telecom", s, by="wave", missing="mean", scale=(1, 10))


def test_paper_toml_missing_key(tmp_path):
    from csi_model.report.paper import PaperConfigError, load_config
    (tmp_path / "paper.toml").write_text('[options]\nmissing = "fiml"\n')
    assert load_config(tmp_path).missing == "ml"
    (tmp_path / "paper.toml").write_text('[options]\nmissing = "mean"\n')
    with pytest.raises(PaperConfigError, match="'missing' key of .*Got 'mean'"):
        load_config(tmp_path)
    (tmp_path / "paper.toml").write_text('[options]\nseed = 1\n')
    assert load_config(tmp_path).missing == "ml"


def test_csi_index_missing_argument():
    X, _ = _items("telecom")
    ix = quiet(cm.csi_index, "telecom", X, scale=(1, 10), missing="em")
    assert ix.pls.missing == "em" and ix.to_dict()["missing"] == "em"
    with pytest.raises(ValueError, match="fitted with missing='em'"):
        cm.csi_index(ix.pls, scale=(1, 10), missing="listwise")
