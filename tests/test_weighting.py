"""AHP, entropy, PCA and stated-importance weights (csi_model/weighting/).

References:
- Saaty (2008), "Decision making with the analytic hierarchy process", Int. J. Services
  Sciences 1(1), 83-98: the drink-consumption example (which drink is consumed more in the
  U.S.), whose eigenvector the paper prints to three decimals;
- base R (eigen, cor, stats::varimax) on the same matrices and on psych's bfi items:
  tests/reference/weighting/make_reference.R -> reference.json, data tests/data/bfi_ac.csv;
- independent computations in this file (scipy.stats.entropy, scikit-learn's PCA).
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

import csi_model as cm
from csi_model.weighting import SAATY_RI, entropy_weights, pca_weights, stated_weights
from csi_model.weighting.ahp import AHPInputError, InconsistentJudgementWarning

HERE = Path(__file__).resolve().parent
REF = json.loads((HERE / "reference" / "weighting" / "reference.json").read_text())
BFI = pd.read_csv(HERE / "data" / "bfi_ac.csv")
A_ITEMS = [f"A{i}" for i in range(1, 6)]

DRINKS = [[1, 9, 5, 2, 1, 1, 1 / 2],
          [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
          [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
          [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
          [1, 9, 4, 2, 1, 2, 1 / 2],
          [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
          [2, 9, 9, 3, 2, 3, 1]]
DRINK_NAMES = ["coffee", "wine", "tea", "beer", "sodas", "milk", "water"]
#: The eigenvector Saaty (2008) prints for the drink matrix (three decimals).
SAATY_2008_DRINKS = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]


# ------------------------------------------------------------------ AHP
def test_saaty_random_index_is_his_table():
    assert [SAATY_RI[n] for n in range(1, 11)] == [0, 0, .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45,
                                                   1.49]


def test_ahp_reproduces_saatys_drink_example():
    res = cm.ahp(DRINKS, labels=DRINK_NAMES)
    # the published three decimals: agreement to their rounding (half a unit of the last digit)
    assert_allclose(res.weights.to_numpy(), SAATY_2008_DRINKS, rtol=0, atol=5e-4 + 1e-12)
    # the full computation, against R's eigen() on the same matrix
    ref = REF["ahp"]["drinks"]
    assert_allclose(res.weights.to_numpy(), ref["weights"], rtol=0, atol=1e-10)
    assert res.lambda_max == pytest.approx(ref["lambda_max"], abs=1e-10)
    assert res.ci == pytest.approx(ref["ci"], abs=1e-10)
    assert res.cr == pytest.approx(ref["cr"], abs=1e-10)
    assert res.cr == pytest.approx(0.0223, abs=1e-4) and res.consistent     # R: 0.022302
    assert list(res.weights.index) == DRINK_NAMES and res.weights.sum() == pytest.approx(1)


def test_ahp_consistent_matrix_recovers_the_ratios_exactly():
    w = np.array([0.5, 0.25, 0.15, 0.1])
    res = cm.ahp(w[:, None] / w[None, :])
    assert_allclose(res.weights.to_numpy(), w, rtol=0, atol=1e-12)
    assert res.lambda_max == pytest.approx(4, abs=1e-10)
    assert abs(res.cr) < 1e-10


def test_ahp_geometric_mean_of_experts_against_r():
    ref = REF["ahp"]["experts"]
    mats = [np.array(m) for m in ref["matrices"]]
    exact = []                                   # rebuild exact reciprocals from the upper triangle
    for m in mats:
        up = np.triu(m, 1)
        exact.append(up + np.divide(1, up.T, out=np.zeros_like(up), where=up.T > 0) + np.eye(4))
    res = cm.ahp(exact, labels=["IMAG", "NETQ", "BILL", "HALL"])
    assert res.n_experts == 3
    assert_allclose(res.matrix.to_numpy(), np.array(ref["geometric_mean"]), rtol=1e-12)
    gm = np.exp(np.mean(np.log(np.stack(exact)), axis=0))
    assert_allclose(res.matrix.to_numpy(), gm, rtol=1e-13)
    assert_allclose(res.weights.to_numpy(), ref["aggregated"]["weights"], rtol=0, atol=1e-10)
    assert res.cr == pytest.approx(ref["aggregated"]["cr"], abs=1e-10)
    assert_allclose(res.expert_cr, ref["expert_cr"], rtol=0, atol=1e-10)


def test_ahp_accepts_dataframes_and_rounded_reciprocals():
    m = pd.DataFrame([[1, 3, 5], [0.33, 1, 3], [0.2, 0.33, 1]], index=list("abc"),
                     columns=list("abc"))
    res = cm.ahp(m)
    exact = cm.ahp([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    assert list(res.weights.index) == ["a", "b", "c"]
    assert_allclose(res.weights.to_numpy(), exact.weights.to_numpy(), atol=5e-3)
    assert any("rounded reciprocals" in w for w in res.warnings)


@pytest.mark.parametrize("matrix, message", [
    ([[1, 3], [3, 1]], "a[1, 2] = 3 and a[2, 1] = 3 are not reciprocal"),
    ([[1, 2, 3], [0.5, 1, 2]], "must be square"),
    ([[1, -2], [-0.5, 1]], "every entry must be a positive number"),
    ([[2, 2], [0.5, 1]], "diagonal entry"),
])
def test_ahp_input_errors_are_clear(matrix, message):
    with pytest.raises(AHPInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        cm.ahp(matrix)


def test_ahp_names_the_expert_and_labels():
    good = [[1, 2], [0.5, 1]]
    with pytest.raises(AHPInputError, match=r"Matrix 2 \(expert 2 of 2\): a\[net, bill\] = 2 and "
                                            r"a\[bill, net\] = 2"):
        cm.ahp([good, [[1, 2], [2, 1]]], labels=["net", "bill"])
    with pytest.raises(AHPInputError, match="same size"):
        cm.ahp([good, np.eye(3)])


def test_ahp_inconsistent_judgements_warn_and_large_n_has_no_cr():
    bad = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.warns(InconsistentJudgementWarning, match="above 0.10"):
        res = cm.ahp(bad)
    assert res.cr > 0.1 and not res.consistent and res.warnings
    with pytest.warns(InconsistentJudgementWarning, match="n <= 10"):
        big = cm.ahp(np.ones((11, 11)))
    assert np.isnan(big.cr)


# ------------------------------------------------------------------ entropy
def _entropy_by_scipy(X: pd.DataFrame) -> np.ndarray:
    Z = (X - X.min()) / (X.max() - X.min())
    e = np.array([stats.entropy(Z[c]) for c in X]) / np.log(len(X))   # normalizes p itself
    d = 1 - e
    return d / d.sum()


@pytest.mark.parametrize("items", [A_ITEMS, list(BFI.columns)], ids=["A", "all"])
def test_entropy_weights_agree_with_scipy_and_r(items):
    w = entropy_weights(BFI, items)
    assert_allclose(w.to_numpy(), _entropy_by_scipy(BFI[items]), rtol=1e-12)
    ref = REF["entropy"]["A" if len(items) == 5 else "all"]
    assert_allclose(w.to_numpy(), [ref[c] for c in items], rtol=1e-10)


def test_entropy_refuses_a_constant_item():
    with pytest.raises(cm.SurveyDataError, match="same answer from every respondent"):
        entropy_weights(pd.DataFrame({"a": [1, 2, 3], "b": [4, 4, 4]}))


# ------------------------------------------------------------------ PCA
def test_pca_one_component_agrees_with_sklearn_and_r():
    from sklearn.decomposition import PCA
    X = BFI[A_ITEMS]
    w = pca_weights(X)
    assert w.attrs["components"] == 1
    Z = (X - X.mean()) / X.std(ddof=0)
    p = PCA(n_components=1).fit(Z)
    loading2 = p.components_[0] ** 2 * p.explained_variance_[0]
    assert_allclose(w.to_numpy(), loading2 / loading2.sum(), rtol=1e-10)
    ref = REF["pca"]["A"]
    assert_allclose(w.to_numpy(), [ref["weights"][c] for c in A_ITEMS], rtol=1e-10)
    assert w.attrs["explained"] == pytest.approx(ref["explained"], rel=1e-12)


def test_pca_rotated_components_agree_with_r_varimax():
    w = pca_weights(BFI)
    ref = REF["pca"]["all"]
    assert w.attrs["components"] == ref["components"] == 2
    assert_allclose(w.to_numpy(), [ref["weights"][c] for c in BFI.columns], rtol=1e-6)
    assert w.attrs["explained"] == pytest.approx(ref["explained"], rel=1e-12)
    assert "60%" in w.attrs["note"]                     # 48.6 % < the handbook's 60 %


# ------------------------------------------------------------------ stated, comparison
def test_stated_weights_are_normalized_mean_ratings():
    df = pd.DataFrame({"i1": [5, 4, np.nan], "i2": [3, 3, 3]})
    assert_allclose(stated_weights(df, {"Q1": "i1", "Q2": "i2"}).to_numpy(), [4.5 / 7.5, 3 / 7.5])
    with pytest.raises(cm.SurveyDataError, match="not in the data"):
        stated_weights(df, {"Q1": "nope"})


@pytest.fixture(scope="module")
def cmcc_index():
    survey = cm.read_survey(cm.simulate_cmcc_fieldwork(), "cmcc",
                            screening=cm.FieldworkRules(distributed=320))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cm.csi_index(cm.fit_pls("cmcc", survey))


def test_compare_weightings_table_by_hand(cmcc_index):
    res = cmcc_index
    data = res.pls.survey.data.copy()
    rng = np.random.default_rng(5)
    items = list(res.weights["item"])
    for it in items:
        data[f"IMP_{it}"] = rng.integers(2, 6, len(data))
    import dataclasses
    survey = dataclasses.replace(res.pls.survey, data=data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.csi_index(cm.fit_pls("cmcc", survey))
    net = [[1, 2, 3, 2], [1 / 2, 1, 2, 1], [1 / 3, 1 / 2, 1, 1 / 2], [1 / 2, 1, 2, 1]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = cm.compare_weightings(res, ahp={"NETQ": net},
                                    stated={it: f"IMP_{it}" for it in items})
    t = cmp.table
    assert list(t.columns[:5]) == ["PLS", "AHP", "entropy", "PCA", "stated"]
    assert_allclose(t["PLS"].drop("composite"), res.overall().reindex(t.index.drop("composite")),
                    rtol=1e-12)
    perf = res.weights.set_index("item")["performance"]
    netq = ["NETQ1", "NETQ2", "NETQ3", "NETQ4"]
    w_ahp = cm.ahp(net).weights.to_numpy()
    assert t.loc["NETQ", "AHP"] == pytest.approx(float(w_ahp @ perf[netq].to_numpy()), abs=1e-10)
    X = res.pls.survey.data.loc[res.pls._data.rows, netq]
    w_ent = _entropy_by_scipy(X)
    assert t.loc["NETQ", "entropy"] == pytest.approx(float(w_ent @ perf[netq]), abs=1e-10)
    m = data.loc[res.pls._data.rows, [f"IMP_{i}" for i in netq]].mean().to_numpy()
    assert t.loc["NETQ", "stated"] == pytest.approx(float(m / m.sum() @ perf[netq]), abs=1e-10)
    assert t.loc["COMP", "AHP"] == pytest.approx(perf["COMP1"])      # a single item: weight 1
    assert np.isnan(t.loc["BILL", "AHP"]) and np.isnan(t.loc["composite", "AHP"])
    assert_allclose(t["entropy - PLS"], t["entropy"] - t["PLS"])
    # the PLS composite: the drivers weighted by their importance
    imp = res.impacts.set_index("driver")["importance"]
    drivers = list(imp.index)
    pls_drv = res.overall()[drivers].to_numpy()
    assert t.loc["composite", "PLS"] == pytest.approx(float(imp.to_numpy() @ pls_drv / imp.sum()),
                                                      abs=1e-10)
    assert set(cmp.weights.method) == {"PLS", "AHP", "entropy", "PCA", "stated"}
    json.dumps(cmp.to_dict())


def test_compare_weightings_ahp_composite_is_hierarchical(cmcc_index):
    res = cmcc_index
    blocks = {lv: list(g["item"]) for lv, g in res.weights.groupby("latent", sort=False)}
    drivers = list(res.impacts.driver)
    item_m = {lv: np.ones((len(its), len(its))) for lv, its in blocks.items() if lv in drivers}
    drv = np.ones((len(drivers), len(drivers)))
    drv[1, 0], drv[0, 1] = 3, 1 / 3                    # NETQ 3x IMAG
    cmp = cm.compare_weightings(res, ahp=item_m, ahp_drivers=drv, entropy=False, pca=False)
    W = cm.ahp(drv, labels=drivers).weights
    idx = res.weights.groupby("latent", sort=False)["performance"].mean()   # equal item weights
    assert cmp.table.loc["composite", "AHP"] == pytest.approx(float(W @ idx[drivers]), abs=1e-10)
    with pytest.raises(ValueError, match="not latents of the model"):
        cm.compare_weightings(res, ahp={"NOPE": [[1]]})
