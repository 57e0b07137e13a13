"""The 0-100 index, ACSI impacts and IPMA (csi_model.pls.index)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model import plot_ipma
from csi_model.pls.index import NegativeWeightWarning, csi_index
from csi_model.pls.fit import fit_pls

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def mobi_fit():
    spec = cm.load_model(HERE.parent / "models" / "ecsi_mobi.lav")
    df = pd.read_csv(HERE / "data" / "ecsi_mobi.csv")
    df["operator"] = np.where(np.arange(len(df)) % 3 == 0, "A", "B")
    return fit_pls(spec, cm.read_survey(df, items=list(spec.observed)))


def test_hand_computed_index_on_a_tiny_example():
    """A2 = 2 * A1 on a 2-10 scale, A1 on 1-5: both items carry the same information,
    their index weights are 1/2 each and the index is 100 (mean(A1) - 1) / 4 by hand."""
    a1 = np.array([1, 2, 3, 4, 5, 5, 4, 2.0])
    b1 = np.array([2, 1, 3, 5, 4, 5, 3, 3.0])
    df = pd.DataFrame({"A1": a1, "A2": 2 * a1, "B1": b1})
    spec = cm.ModelSpec.from_syntax("A =~ A1 + A2\nB =~ B1\nB ~ A")
    res = fit_pls(spec, df)
    ix = csi_index(res, scale={"A1": (1, 5), "A2": (2, 10), "B1": (1, 5)})
    expected_a = 100 * (a1.mean() - 1) / 4            # = 100 * (3.25 - 1) / 4 = 56.25
    assert expected_a == 56.25
    expected_b = 100 * (b1.mean() - 1) / 4            # = 100 * (3.25 - 1) / 4
    ov = ix.overall()
    assert ov["A"] == pytest.approx(expected_a, abs=1e-10)
    assert ov["B"] == pytest.approx(expected_b, abs=1e-10)
    np.testing.assert_allclose(ix.weights["weight.index"], [0.5, 0.5, 1.0], rtol=0, atol=1e-12)
    # respondent-level index scores average to the index
    np.testing.assert_allclose(ix.scores.mean().to_numpy(), [expected_a, expected_b], rtol=0,
                               atol=1e-10)
    np.testing.assert_allclose(ix.scores["A"].to_numpy(), 100 * (a1 - 1) / 4, rtol=0, atol=1e-10)


def test_index_matches_the_reference_formula(mobi_fit):
    """README formula: 100 (sum w xbar - sum w min) / (sum w max - sum w min), w unstandardized."""
    ix = csi_index(mobi_fit, scale=(1, 10))
    out = mobi_fit.outer
    for lv, block in out.groupby("latent", sort=False):
        w, xbar = block["weight.raw"].to_numpy(), block["mean"].to_numpy()
        ref = 100 * (w @ xbar - w.sum() * 1) / (w.sum() * 10 - w.sum() * 1)
        assert ix.overall()[lv] == pytest.approx(ref, abs=1e-10), lv
        # the normalized form of the README: sum w~ (xbar - 1) / 9 * 100
        wn = w / w.sum()
        assert ix.overall()[lv] == pytest.approx(100 * wn @ (xbar - 1) / 9, abs=1e-10)
    # unstandardized weights give the (variance-1) latent scores from raw items
    X = mobi_fit._data.X
    items = list(mobi_fit.cross_loadings.index)
    sat = out[out.latent == "SAT"]
    y = (X[:, [items.index(i) for i in sat.item]] - sat["mean"].to_numpy()) @ sat["weight.raw"].to_numpy()
    np.testing.assert_allclose(y, mobi_fit.scores["SAT"].to_numpy(), rtol=0, atol=1e-10)


def test_groups_pooled_weights(mobi_fit):
    ix = csi_index(mobi_fit, scale=(1, 10), by="operator")
    tab = ix.table
    assert set(tab.group) == {"(all)", "A", "B"}
    wide = ix.by_group()
    n = tab[tab.latent == "SAT"].set_index("group")["n"]
    assert n["A"] + n["B"] == mobi_fit.n == n["(all)"]
    # the index is linear in item means with pooled weights: the n-weighted group mean is the overall
    for lv in mobi_fit.spec.latents:
        pooled = (wide.loc["A", lv] * n["A"] + wide.loc["B", lv] * n["B"]) / mobi_fit.n
        assert pooled == pytest.approx(ix.overall()[lv], abs=1e-10)
    # group A by hand
    df = mobi_fit.survey.data
    w = ix.weights[ix.weights.latent == "SAT"]
    means = df.loc[df.operator == "A", list(w.item)].mean().to_numpy()
    assert wide.loc["A", "SAT"] == pytest.approx(
        100 * (w["weight.raw"].to_numpy() @ (means - 1)) / (9 * w["weight.raw"].sum()), abs=1e-10)
    with pytest.raises(cm.SurveyDataError, match="not in the survey"):
        csi_index(mobi_fit, scale=(1, 10), by="wave")


def test_impacts_and_ipma_equal_total_effects_of_index_scores(mobi_fit):
    """Importance = total effect in a path model estimated by OLS on the index scores."""
    ix = csi_index(mobi_fit, scale=(1, 10), target="SAT")
    I = ix.scores
    lat = list(mobi_fit.spec.latents)
    B = pd.DataFrame(0.0, index=lat, columns=lat)
    for to in ["EXPE", "QUAL", "VAL", "SAT"]:
        preds = [f for f, t in mobi_fit.spec.structural_paths if t == to]
        X = np.column_stack([np.ones(len(I)), I[preds].to_numpy()])
        beta, *_ = np.linalg.lstsq(X, I[to].to_numpy(), rcond=None)
        B.loc[preds, to] = beta[1:]
    T = np.linalg.inv(np.eye(len(lat)) - B.to_numpy()) - np.eye(len(lat))
    T = pd.DataFrame(T, index=lat, columns=lat)
    imp = ix.impacts.set_index("driver")
    assert list(imp.index) == ["IMAG", "EXPE", "QUAL", "VAL"]
    for d in imp.index:
        assert imp.loc[d, "importance"] == pytest.approx(T.loc[d, "SAT"], abs=1e-10), d
    np.testing.assert_allclose(imp["impact"], 5 * imp["importance"], rtol=1e-15, atol=0)
    ipma = ix.ipma
    latent = ipma[ipma.level == "latent"].set_index("name")
    np.testing.assert_allclose(latent["importance"], imp["importance"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(latent["performance"], ix.overall()[latent.index], rtol=0, atol=1e-12)
    items = ipma[ipma.level == "item"]
    np.testing.assert_allclose(items.groupby("construct", sort=False)["importance"].sum()
                               .loc[latent.index], latent["importance"], rtol=1e-12, atol=0)
    perf = items.set_index("name")["performance"]
    df = mobi_fit.survey.data
    assert perf["PERQ1"] == pytest.approx(100 * (df["PERQ1"].mean() - 1) / 9, abs=1e-10)


def test_bootstrap_intervals(mobi_fit):
    ix = csi_index(mobi_fit, scale=(1, 10), by="operator", bootstrap=300, seed=11)
    tab = ix.table
    assert tab["se"].notna().all() and (tab["se"] > 0).all()
    assert ((tab["ci.lower"] < tab["index"]) & (tab["index"] < tab["ci.upper"])).all()
    # the engine's full-sample statistic reproduces the point estimates
    est = pd.Series(ix.bootstrap.estimate, index=ix.bootstrap.names)
    assert est["index SAT"] == pytest.approx(ix.overall()["SAT"], abs=1e-10)
    assert est["index SAT [A]"] == pytest.approx(ix.by_group().loc["A", "SAT"], abs=1e-10)
    assert est["impact QUAL -> SAT"] == pytest.approx(
        ix.impacts.set_index("driver").loc["QUAL", "impact"], abs=1e-10)
    # the SE of a mean index is close to the SE of the mean of the index scores
    naive = ix.scores["SAT"].std(ddof=0) / np.sqrt(mobi_fit.n)
    assert tab.query("group == '(all)' and latent == 'SAT'")["se"].iloc[0] == pytest.approx(
        naive, rel=0.25)
    assert ix.impacts["se"].notna().all()


def test_negative_weight_warning():
    rng = np.random.default_rng(3)
    n = 300
    f = rng.normal(size=n)
    g = 0.6 * f + 0.8 * rng.normal(size=n)
    df = pd.DataFrame({
        "A1": f + 0.5 * rng.normal(size=n), "A2": f + 0.5 * rng.normal(size=n),
        # a weakly negative item in a block that is otherwise positive
        "A3": -0.3 * f + rng.normal(size=n),
        "B1": g + 0.5 * rng.normal(size=n), "B2": g + 0.5 * rng.normal(size=n)})
    df = (df.clip(-3, 3) + 3) * 1.5 + 1            # 1-10 scale
    spec = cm.ModelSpec.from_syntax("A =~ A1 + A2 + A3\nB =~ B1 + B2\nB ~ A")
    res = fit_pls(spec, df)
    assert res.outer.set_index("item").loc["A3", "weight"] < 0
    with pytest.warns(NegativeWeightWarning, match="A3 on A is negative"):
        ix = csi_index(res, scale=(1, 10))
    assert any("assumes positive weights" in w for w in ix.warnings)
    assert "assumes positive weights" in ix.summary().as_text()


def test_scale_sources_and_errors(mobi_fit):
    # no scale, no codebook: refused (it used to fall back to the observed range, warned)
    with pytest.raises(cm.SurveyDataError, match=r"scale=\(1, 10\).*--scale 1,10.*codebook"):
        csi_index(mobi_fit)
    with pytest.raises(ValueError, match="min < max"):
        csi_index(mobi_fit, scale=(10, 1))
    with pytest.raises(ValueError, match="no range for"):
        csi_index(mobi_fit, scale={"CUSA1": (1, 10)})
    with pytest.raises(ValueError, match="'target' parameter"):
        csi_index(mobi_fit, scale=(1, 10), target="NPS")
    with pytest.raises(ValueError, match="seed"):
        csi_index(mobi_fit, scale=(1, 10), bootstrap=10)
    # from a codebook: the telecom demo survey (1-10, code 99)
    spec = cm.load_model("telecom")
    survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom")
    ixc = csi_index(spec, survey)
    assert ixc.weights["min"].eq(1).all() and ixc.weights["max"].eq(10).all()


def test_reports_and_plot(mobi_fit):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ix = csi_index(mobi_fit, scale=(1, 10), by="operator")
    text = ix.summary().as_text()
    assert "Index (0-100)" in text and "IPMA for SAT" in text
    assert "<h3>" in ix._repr_html_()
    d = json.loads(json.dumps(ix.to_dict(), allow_nan=False))
    assert {"group", "latent", "n", "index", "se", "ci.lower", "ci.upper"} == set(d["index"][0])
    ax = plot_ipma(ix, level="item")
    assert len(ax.collections[0].get_offsets()) == len(ix.ipma[ix.ipma.level == "item"])
    fig, ax2 = plt.subplots()
    assert ix.plot_ipma(ax=ax2) is ax2
    plt.close("all")
    with pytest.raises(ValueError, match="'level' parameter"):
        plot_ipma(ix, level="block")


def _smartpls_sat_index(lo: np.ndarray, hi: np.ndarray) -> float:
    """The ACSI formula computed from SmartPLS 2's own outer weights (path scheme)."""
    lines = [ln.split("\t") for ln in (HERE / "reference" / "smartpls_ecsi_mobi" /
             "pathWeighting_outerWeights.txt").read_text(encoding="latin-1").splitlines()
             if ln.strip()]
    col = [c.strip() for c in lines[0]].index("Satisfaction")
    w = {ln[0].strip(): float(ln[col].replace(",", ".")) for ln in lines[1:]}
    items = ["CUSA1", "CUSA2", "CUSA3"]
    X = pd.read_csv(HERE / "data" / "ecsi_mobi.csv")[items]
    w_raw = np.array([w[i] for i in items]) / X.std(ddof=1).to_numpy()
    return float(100 * (w_raw @ X.mean().to_numpy() - w_raw @ lo) / (w_raw @ hi - w_raw @ lo))


def test_ecsi_satisfaction_on_the_questionnaire_scale(mobi_fit):
    """ECSI mobile data, 1-10 scale: Satisfaction 72.45 (SmartPLS's weights, computed here),
    not the 68.42 that the observed ranges (no one answered CUSA1 below 4)
    give; the index now refuses to run without the scale instead of using them."""
    X = pd.read_csv(HERE / "data" / "ecsi_mobi.csv")[["CUSA1", "CUSA2", "CUSA3"]]
    ref = _smartpls_sat_index(np.ones(3), np.full(3, 10.0))
    observed = _smartpls_sat_index(X.min().to_numpy(float), X.max().to_numpy(float))
    assert round(ref, 2) == 72.45 and round(observed, 2) == 68.42
    ix = csi_index(mobi_fit, scale=(1, 10))
    assert ix.overall()["SAT"] == pytest.approx(ref, abs=1e-3)
    assert not ix.warnings
    with pytest.raises(cm.SurveyDataError, match="observed range is not used"):
        csi_index(mobi_fit)
    # a codebook that gives the scale of only some items is refused too, naming the others
    cb = cm.load_codebook(pd.DataFrame({"item": ["CUSA1", "CUSA2", "CUSA3"], "latent": "SAT",
                                        "scale_min": 1, "scale_max": 10}))
    survey = cm.read_survey(HERE / "data" / "ecsi_mobi.csv", codebook=cb,
                            items=list(mobi_fit.spec.observed))
    with pytest.raises(cm.SurveyDataError, match="codebook has no scale for .*CUEX1"):
        csi_index(fit_pls(mobi_fit.spec, survey))


def test_an_index_outside_0_100_is_never_returned(mobi_fit):
    from csi_model.exceptions import EstimationError
    # the ECSI answers are on 1-10: a 1-5 scale puts the index above 100
    with pytest.raises(EstimationError, match=r"lies outside 0-100, which is impossible"):
        csi_index(mobi_fit, scale=(1, 5))
