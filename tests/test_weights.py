"""Survey sampling weights: fit(weights=) against lavaan 0.6-14's sampling.weights, weighted
PLS against the fit on replicated rows, and the errors for bad weights.

References: tests/reference/lavaan_weights/make_reference.R (reference.json; the
post-stratification weight of psych's bfi in bfi_weights.csv); tests/data/telecom_weighted.csv.
"""
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.exceptions import EstimationError, SurveyDataError

HERE = Path(__file__).parent
REF = HERE / "reference" / "lavaan_weights"
R = json.loads((REF / "reference.json").read_text())["fits"]
FIVE = """Agree =~ A1 + A2 + A3 + A4 + A5
Consc =~ C1 + C2 + C3 + C4 + C5
Extra =~ E1 + E2 + E3 + E4 + E5
Neuro =~ N1 + N2 + N3 + N4 + N5
Open  =~ O1 + O2 + O3 + O4 + O5"""
MEASURES = ["npar", "chisq", "df", "pvalue", "chisq.scaled", "pvalue.scaled",
            "chisq.scaling.factor", "baseline.chisq", "baseline.chisq.scaled",
            "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled",
            "cfi.robust", "tli.robust", "rmsea", "rmsea.scaled", "rmsea.robust", "srmr", "logl",
            "unrestricted.logl", "aic", "bic"]


def _bfi():
    bfi = pd.read_csv(HERE / "data" / "bfi.csv")
    bfi["w"] = pd.read_csv(REF / "bfi_weights.csv")["w"]
    return bfi


def _telecom():
    return pd.read_csv(HERE / "data" / "telecom_weighted.csv")


def _fit(spec, data, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cm.fit(spec, data, **kw)


CASES = {  # key: (model, data, estimator, rtol of the estimates)
    # lavaan's nlminb stops ~3e-5 (relative) short of the optimum of the 5-factor bfi model,
    # weighted or not (its chi-square agrees to 1e-7): estimates to 1e-4 there
    "bfi_ML": (lambda: cm.ModelSpec.from_syntax(FIVE), _bfi, "ML", 1e-4),
    "bfi_MLR": (lambda: cm.ModelSpec.from_syntax(FIVE), _bfi, "MLR", 1e-4),
    "telecom_ML": (lambda: HERE / "reference" / "lavaan" / "telecom.lav", _telecom, "ML", 1e-5),
    "telecom_MLR": (lambda: HERE / "reference" / "lavaan" / "telecom.lav", _telecom, "MLR", 1e-5),
}


@pytest.mark.parametrize("key", list(CASES))
def test_weighted_fit_matches_lavaan(key):
    spec, data, estimator, rtol = CASES[key]
    res = _fit(spec(), data(), estimator=estimator, weights="w")
    ref = pd.DataFrame(R[key]["estimates"])
    m = res.estimates.merge(ref, on=["lhs", "op", "rhs"], suffixes=("", "_r"))
    assert len(m) == len(ref) == len(res.estimates)
    np.testing.assert_allclose(m["est"], m["est_r"], rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(m["se"], m["se_r"], rtol=1e-4, atol=1e-7)
    assert res.n == R[key]["nobs"]
    for k in MEASURES:
        np.testing.assert_allclose(res.fit_measures[k], R[key]["fit"][k], rtol=1e-4, err_msg=k)
    assert any("Sampling weights from column 'w'" in w for w in res.warnings)


def test_weights_change_the_fit_and_are_not_a_model_variable():
    bfi = _bfi()
    before = bfi.copy()
    weighted = _fit(cm.ModelSpec.from_syntax(FIVE), bfi, weights="w")
    plain = _fit(cm.ModelSpec.from_syntax(FIVE), bfi, estimator="MLR")
    pd.testing.assert_frame_equal(bfi, before)               # the caller's frame untouched
    ref = R["bfi_unweighted_MLR"]["fit"]
    np.testing.assert_allclose(plain.fit_measures["chisq.scaled"], ref["chisq.scaled"], rtol=1e-4)
    assert abs(weighted.fit_measures["chisq"] - plain.fit_measures["chisq"]) > 100
    assert "w" not in weighted.implied_cov.columns
    with pytest.raises(SurveyDataError, match="weight column 'A1' is also an item"):
        cm.fit(cm.ModelSpec.from_syntax(FIVE), bfi, weights="A1")


def test_integer_weights_equal_replicated_rows_for_the_estimates():
    tel = _telecom().head(300).copy()
    tel["k"] = np.arange(300) % 3 + 1
    rep = tel.loc[tel.index.repeat(tel["k"])].reset_index(drop=True)
    spec = HERE / "reference" / "lavaan" / "telecom.lav"
    a = _fit(spec, tel, weights="k")
    b = _fit(spec, rep.drop(columns="k"))
    np.testing.assert_allclose(a.estimates["est"], b.estimates["est"], rtol=1e-8, atol=1e-10)
    # the weights are rescaled to sum to the 300 rows: chi-square scales with N
    np.testing.assert_allclose(a.fit_measures["chisq"] * len(rep) / 300, b.fit_measures["chisq"],
                               rtol=1e-8)


@pytest.mark.parametrize("values, match", [
    ([1.0, -2.0, 1.0, 1.0, -1.0, 1.0], r"2 negative weight\(s\), in rows 1, 4"),
    ([1.0, np.nan, 1.0, 1.0, 1.0, 1.0], r"1 missing weight\(s\), in rows 1"),
    ([0.0] * 6, "every weight of the 6 rows used is zero"),
    (["1", "x", "1", "2", "1", "1"], r"non-numeric weights \('x'\) in rows 1"),
    ([1.0, np.inf, 1.0, 1.0, 1.0, 1.0], r"1 infinite weight"),
])
def test_bad_weights_are_refused_naming_rows(values, match):
    df = pd.DataFrame({"x": [1, 2, 3, 4, 5, 6], "y": [2, 1, 4, 3, 6, 5], "w": values})
    s = cm.read_survey(df, items=["x", "y"])
    with pytest.raises(SurveyDataError, match=match) as exc:
        cm.survey.weights.survey_weights(s, "w")
    assert "column 'w'" in str(exc.value)


def test_bad_weights_in_a_file_name_spreadsheet_rows(tmp_path):
    tel = _telecom().head(50).copy()
    tel.loc[[3, 7], "w"] = -1.0
    path = tmp_path / "survey.csv"
    tel.to_csv(path, index=False)
    with pytest.raises(SurveyDataError, match=r"survey.csv, weight column 'w': 2 negative "
                                              r"weight\(s\), in rows 5, 9"):
        cm.fit(HERE / "reference" / "lavaan" / "telecom.lav", path, weights="w")
    with pytest.raises(SurveyDataError, match="the weight column 'wt' is not in the data"):
        cm.fit(HERE / "reference" / "lavaan" / "telecom.lav", path, weights="wt")


def _telecom_missing():
    telm = pd.read_csv(HERE / "data" / "telecom_sim_missing.csv")
    telm["w"] = 0.5 + 0.3 * (np.arange(1, len(telm) + 1) % 5)     # as make_reference.R
    return telm


FIML_CASES = {  # lavaan's weighted FIML stops ~2e-4 (relative) short on the telecom model
    "bfi_fiml_ML": (lambda: cm.ModelSpec.from_syntax(FIVE), _bfi, "ML", 1e-4),
    "bfi_fiml_MLR": (lambda: cm.ModelSpec.from_syntax(FIVE), _bfi, "MLR", 1e-4),
    "telecom_fiml_ML": (lambda: HERE / "reference" / "lavaan" / "telecom.lav", _telecom_missing,
                        "ML", 1e-3),
    "telecom_fiml_MLR": (lambda: HERE / "reference" / "lavaan" / "telecom.lav", _telecom_missing,
                         "MLR", 1e-3),
}


@pytest.mark.slow
@pytest.mark.parametrize("key", list(FIML_CASES))
def test_weighted_fiml_matches_lavaan(key):
    spec, data, estimator, rtol = FIML_CASES[key]
    res = _fit(spec(), data(), estimator=estimator, weights="w", missing="fiml")
    ref = pd.DataFrame(R[key]["estimates"])
    m = res.estimates.merge(ref, on=["lhs", "op", "rhs"], suffixes=("", "_r"))
    assert len(m) == len(ref) == len(res.estimates)
    np.testing.assert_allclose(m["est"], m["est_r"], rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(m["se"], m["se_r"], rtol=1e-4, atol=1e-7)
    for k in MEASURES:
        np.testing.assert_allclose(res.fit_measures[k], R[key]["fit"][k], rtol=1e-4, err_msg=k)


@pytest.mark.parametrize("kw, match", [
    (dict(bootstrap=10, seed=1), "bootstrap"),
])
def test_weights_refused_where_not_available(kw, match):
    with pytest.raises(EstimationError, match=match):
        cm.fit(HERE / "reference" / "lavaan" / "telecom.lav", _telecom(), weights="w", **kw)


# ------------------------------------------------------------------------------ weighted PLS
def _replicated(k=3, n=300):
    tel = _telecom().head(n).copy()
    tel["k"] = np.arange(n) % k + 1
    rep = tel.loc[tel.index.repeat(tel["k"])].reset_index(drop=True).drop(columns="k")
    return tel, rep


def test_weighted_pls_equals_replicated_rows():
    tel, rep = _replicated()
    a = cm.fit_pls("telecom", tel, weights="k")
    b = cm.fit_pls("telecom", rep)
    for what in ("weights", "loadings", "paths"):
        ta, tb = getattr(a, what), getattr(b, what)
        np.testing.assert_allclose(ta["est"], tb["est"], rtol=0, atol=1e-10, err_msg=what)
    np.testing.assert_allclose(a.r2.to_numpy(), b.r2.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(a.quality["ave"], b.quality["ave"], atol=1e-10)
    assert any("Sampling weights from column 'k'" in w for w in a.warnings)
    # the weights matter: the unweighted fit of the 300 rows differs
    c = cm.fit_pls("telecom", tel.drop(columns="k"))
    assert np.max(np.abs(c.paths["est"].to_numpy() - a.paths["est"].to_numpy())) > 1e-3


def test_weighted_pls_by_definition():
    """Weighted PLS by its definition (SmartPLS's weighting vector; Becker & Ismail 2016):
    every moment is a weighted one. From the fitted outer weights, the latent scores' weighted
    correlations give the R² and the items' weighted correlations with them the loadings."""
    tel = _telecom()
    res = cm.fit_pls("telecom", tel, weights="w")
    w = tel["w"].to_numpy() / tel["w"].sum()
    X = tel[[c for c in tel.columns if c != "w"]].to_numpy(float)
    m = w @ X
    C = ((X - m) * w[:, None]).T @ (X - m)
    sd = np.sqrt(np.diag(C))
    Z = (X - m) / sd
    # the fitted latent scores' weighted correlations reproduce the fitted paths' R²
    W = res.weight_matrix().reindex(index=list(tel.columns[:-1])).fillna(0).to_numpy()
    scores = Z @ W
    scores /= np.sqrt(w @ scores ** 2)
    Rl = scores.T @ (scores * w[:, None])
    lat = list(res.weight_matrix().columns)
    sat, preds = lat.index("SAT"), [lat.index(v) for v in ("IMAG", "EXPE", "QUAL", "VAL")]
    beta = np.linalg.solve(Rl[np.ix_(preds, preds)], Rl[preds, sat])
    np.testing.assert_allclose(beta @ Rl[preds, sat], res.r2["SAT"], atol=1e-10)
    # mode A loadings are the weighted correlations of items with their latent's score
    load = res.loadings
    for it, lv, est in zip(load["rhs"], load["lhs"], load["est"]):
        j = list(tel.columns).index(it)
        np.testing.assert_allclose((Z[:, j] * w) @ scores[:, lat.index(lv)], est, atol=1e-10)


def test_weighted_pls_bootstrap_and_index_are_the_replicated_ones():
    tel, rep = _replicated()
    a = cm.csi_index("telecom", tel, weights="k", scale=(1, 10))
    b = cm.csi_index("telecom", rep, scale=(1, 10))
    np.testing.assert_allclose(a.table["index"], b.table["index"], atol=1e-10)
    # a resample keeps each row's weight: deterministic, and different from unweighted
    r1 = cm.fit_pls("telecom", tel, weights="k", bootstrap=50, seed=3)
    r2 = cm.fit_pls("telecom", tel, weights="k", bootstrap=50, seed=3)
    r0 = cm.fit_pls("telecom", tel.drop(columns="k"), bootstrap=50, seed=3)
    t1, t0 = r1.bootstrap_table(), r0.bootstrap_table()
    pd.testing.assert_frame_equal(t1, r2.bootstrap_table())
    assert not np.allclose(t1.iloc[:, -1].to_numpy(float), t0.iloc[:, -1].to_numpy(float))
    # with missing answers too (tests/test_pls_weights_missing.py): weighted mean replacement
    mean = cm.fit_pls("telecom", tel, weights="k", missing="mean")
    np.testing.assert_allclose(mean.paths["est"], cm.fit_pls("telecom", tel, weights="k")
                               .paths["est"], atol=1e-12)      # no gaps: the same fit


# ------------------------------------------------------------------------------- CLI
def test_cli_weights_on_fit_pls_and_index(tmp_path, capsys):
    from csi_model.cli import main
    data = str(HERE / "data" / "telecom_weighted.csv")
    model = str(HERE / "reference" / "lavaan" / "telecom.lav")
    out = tmp_path / "fit.json"
    assert main(["fit", data, "--model", model, "--weights", "w", "--json", str(out), "-q"]) == 0
    payload = json.loads(out.read_text())
    fm = payload["fit_measures"]
    np.testing.assert_allclose(fm["chisq.scaled"], R["telecom_ML"]["fit"]["chisq.scaled"],
                               rtol=1e-4)
    assert any("Sampling weights from column 'w'" in w for w in payload["warnings"])
    pls = tmp_path / "pls.json"
    assert main(["pls", data, "--model", "telecom", "--weights", "w", "--json", str(pls), "-q"]) == 0
    direct = cm.fit_pls("telecom", _telecom(), weights="w")
    got = {(r["lhs"], r["op"], r["rhs"]): r["est"] for r in json.loads(pls.read_text())["estimates"]}
    for r in direct.paths.itertuples():
        assert got[(r.lhs, r.op, r.rhs)] == pytest.approx(r.est, abs=1e-12)
    idx = tmp_path / "index.json"
    assert main(["index", data, "--model", "telecom", "--weights", "w", "--scale", "1,10",
                 "--json", str(idx), "-q"]) == 0
    bad = tmp_path / "bad.csv"
    tel = _telecom()
    tel.loc[2, "w"] = -3
    tel.to_csv(bad, index=False)
    capsys.readouterr()
    assert main(["fit", str(bad), "--model", model, "--weights", "w"]) != 0
    err = capsys.readouterr().err
    assert "csi-model: error: " in err and "negative weight(s), in rows 4" in err
    assert "Traceback" not in err


def test_pls_model_fit_uses_the_weights():
    tel = _telecom()
    res = cm.fit_pls("telecom", tel, weights="w")
    # (pls_htmt and pls_model_fit(bootstrap=) are weighted: tests/test_pls_mga_weights.py;
    # pls_predict and pls_cvpat: tests/test_pls_predict_weights.py)
    # the saturated SRMR uses the weighted item correlations
    fit_w = cm.pls_model_fit(res)
    fit_0 = cm.pls_model_fit(cm.fit_pls("telecom", tel.drop(columns="w")))
    assert fit_w.loc["SRMR", "saturated"] != pytest.approx(fit_0.loc["SRMR", "saturated"], abs=1e-6)


def test_compare_with_weights_gives_the_replicated_rows_indices():
    tel, rep = _replicated()
    tel["op"] = np.where(np.arange(len(tel)) % 2, "A", "B")
    rep = tel.loc[tel.index.repeat(tel["k"])].reset_index(drop=True).drop(columns="k")
    res = cm.compare("telecom", tel, by="op", weights="k", bootstrap=20, scale=(1, 10))
    ref = cm.csi_index("telecom", rep, by="op", scale=(1, 10))
    np.testing.assert_allclose(res.index.table["index"], ref.table["index"], atol=1e-10)
    # the CB-SEM ladder is weighted (tests/test_weights_groups.py); so are PLS-MGA and MICOM
    # (tests/test_pls_mga_weights.py)
    assert res.invariance is not None and res.invariance.fits["configural"].weights == "k"
    assert len(res.pls_paths) and len(res.micom)
    assert any("PLS-MGA permutation tests and MICOM are weighted" in w for w in res.warnings)
    assert any("Sampling weights from column 'k'" in w for w in res.warnings)
    text = res.summary().as_text()
    assert "PLS-MGA permutation tests (weighted)" in text
    assert "Empty DataFrame" not in text


# ------------------------------------------------------------------------- descriptives
def test_weighted_item_descriptives():
    from csi_model.report.tables import item_descriptives
    tel = _telecom()
    spec = cm.load_model("telecom")
    plain = item_descriptives(tel, spec).data
    equal = item_descriptives(tel.assign(w=2.5), spec, weights="w").data
    cols = ["n", "mean", "sd", "min", "max", "skew", "kurtosis"]
    np.testing.assert_allclose(equal[cols].to_numpy(float), plain[cols].to_numpy(float),
                               rtol=1e-12)
    weighted = item_descriptives(tel, spec, weights="w").data
    x, w = tel["SAT1"].to_numpy(float), tel["w"].to_numpy(float)
    row = weighted.set_index("item").loc["SAT1"]
    m = np.average(x, weights=w)
    assert row["mean"] == pytest.approx(m, rel=1e-12)
    wn = w / w.sum() * len(w)
    assert row["sd"] == pytest.approx(np.sqrt(wn @ (x - m) ** 2 / (len(x) - 1)), rel=1e-12)
    assert abs(row["mean"] - plain.set_index("item").loc["SAT1", "mean"]) > 0.05
    with pytest.raises(SurveyDataError, match="negative weight"):
        item_descriptives(tel.assign(w=-tel["w"]), spec, weights="w")


def test_paper_toml_weights_key_makes_a_weighted_paper(tmp_path):
    # the weighted paper itself: tests/test_paper_weights.py
    from csi_model.report.paper import load_config
    (tmp_path / "paper.toml").write_text('[data]\nsurvey = "demo"\nweights = "w"\n')
    assert load_config(tmp_path).weights == "w"
