"""measurement(..., weights=): sampling-weighted reliability, validity, EFA and CFA.

References: tests/reference/measurement_weights/ (make.R: psych on the weighted covariance
matrix, semTools compRelSEM / AVE and lavaan on cfa(..., sampling.weights = "w")).
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy.optimize import linear_sum_assignment

import csi_model as cm
from csi_model.cli import main
from csi_model.exceptions import SurveyDataError

HERE = Path(__file__).parent
DATA = HERE / "data"
REF = json.loads((HERE / "reference" / "measurement_weights" / "reference.json")
                 .read_text(encoding="utf-8"))["cases"]


def quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


def _data(case):
    if case == "bfi":
        df = pd.read_csv(DATA / "bfi.csv")
        df["w"] = pd.read_csv(HERE / "reference" / "lavaan_weights" / "bfi_weights.csv")["w"]
        return cm.load_model(HERE / "reference" / "lavaan_fiml" / "bfi_five.lav"), df, "listwise"
    if case == "telecom":
        return "telecom", pd.read_csv(DATA / "telecom_weighted.csv"), "listwise"
    df = pd.read_csv(DATA / "telecom_sim_missing.csv")
    df["w"] = 0.5 + 0.3 * (np.arange(1, len(df) + 1) % 5)        # as make.R
    return "telecom", df, "em"


@pytest.fixture(scope="module")
def results():
    out = {}
    for case in REF:
        model, df, missing = _data(case)
        out[case] = quiet(cm.measurement, model, df, weights="w", missing=missing, n_boot=0,
                          n_iter_parallel=5)
    return out


# Tolerances: the moments are the same formulas as R's (1e-6 relative); with missing="em"
# lavaan's EM stops earlier than ours (1e-5). The CFA point estimates agree to lavaan's
# optimizer tolerance (bfi: 2e-5 relative), their SEs to 1e-3; the EFA (factor_analyzer vs psych's
# optim) to 5e-4 absolute, as in tests/test_measurement.py.
def _tol(case):
    return {"rtol": 1e-5, "atol": 2e-6} if case == "telecom_em" else {"rtol": 1e-6, "atol": 1e-9}


@pytest.mark.parametrize("case", list(REF))
def test_weighted_moments_statistics_equal_psych(results, case):
    m, r, tol = results[case], REF[case], _tol(case)
    assert m.n == r["n"] and m.options["weights"] == "w"
    rel = m.reliability.set_index("latent")
    items = m.items.set_index("item")
    for lv, a in r["reliability"].items():
        assert_allclose(rel.loc[lv, "alpha_raw"], a["raw_alpha"], **tol, err_msg=lv)
        assert_allclose(rel.loc[lv, "alpha_std"], a["std_alpha"], **tol, err_msg=lv)
        assert_allclose(items.loc[list(a["r_drop"]), "r_drop"], list(a["r_drop"].values()),
                        **tol, err_msg=lv)
        if a["alpha_if_deleted"]:
            aid = a["alpha_if_deleted"]
            assert_allclose(items.loc[list(aid), "alpha_if_deleted"], list(aid.values()),
                            **tol, err_msg=lv)
    assert_allclose(m.kmo, r["kmo"]["overall"], **tol)
    assert_allclose(m.kmo_items[list(r["kmo"]["items"])], list(r["kmo"]["items"].values()),
                    **tol)
    assert_allclose(m.bartlett["chisq"], r["bartlett"]["chisq"], **tol)
    assert m.bartlett["df"] == r["bartlett"]["df"]
    assert_allclose(m.eigenvalues["eigenvalue"], r["eigenvalues"], **tol)
    for name in ("htmt", "htmt2"):
        theirs = pd.DataFrame(r[name]).T
        off = ~np.eye(len(theirs), dtype=bool)         # semTools: NaN on a single item's diagonal
        assert_allclose(getattr(m, name).loc[theirs.index, theirs.columns].to_numpy()[off],
                        theirs.to_numpy(dtype=float)[off], **tol, equal_nan=True, err_msg=name)


@pytest.mark.parametrize("case", list(REF))
def test_weighted_efa_equals_psych_fa_of_the_weighted_matrix(results, case):
    m, r = results[case], REF[case]
    L = m.efa.loadings
    theirs = pd.DataFrame(r["efa"]["loadings"]).T.loc[L.index].to_numpy(dtype=float)
    score = np.abs(L.to_numpy().T @ theirs)
    rows, cols = linear_sum_assignment(-score)
    A, B = L.to_numpy()[:, rows], theirs[:, cols]
    sign = np.sign((A * B).sum(axis=0))
    assert_allclose(A * sign, B, rtol=0, atol=5e-4)
    comm = pd.Series(r["efa"]["communalities"])[L.index]
    assert_allclose(m.efa.communalities[L.index], comm, rtol=0, atol=5e-4)


@pytest.mark.parametrize("case", list(REF))
def test_weighted_cfa_omega_ave_equal_semtools_and_lavaan(results, case):
    m, c = results[case], REF[case]["cfa"]
    assert c["options"]["se"] == "robust.huber.white"
    rel = m.reliability.set_index("latent")
    for key in ("omega", "rho_c"):
        assert_allclose(rel.loc[list(c[key]), key], list(c[key].values()), rtol=1e-5,
                        atol=1e-5, err_msg=key)
    ave = {lv: v for lv, v in c["ave"].items() if len(m.blocks[lv]) > 1}
    assert_allclose(rel.loc[list(ave), "ave"], list(ave.values()), rtol=1e-5, atol=0)
    lam = pd.DataFrame(c["std_loadings"]).set_index(["lhs", "rhs"])
    mine = m.items.set_index(["latent", "item"]).loc[lam.index]
    assert_allclose(mine["loading"], lam["est.std"], rtol=5e-5, atol=0)
    se = lam["se"] > 0
    assert_allclose(mine["se"][se], lam["se"][se], rtol=1e-3, atol=0)
    raw = pd.DataFrame(c["loadings"]).set_index(["lhs", "rhs"])
    est = m.cfa.estimates
    est = est[est.op == "=~"].set_index(["lhs", "rhs"]).loc[raw.index]
    assert_allclose(est["est"], raw["est"], rtol=1e-4, atol=0)
    free = raw["se"] > 0
    assert_allclose(est["se"][free], raw["se"][free], rtol=1e-3, atol=0)


@pytest.mark.parametrize("case", list(REF))
def test_weighted_modindices_and_residuals(results, case):
    m, c = results[case], REF[case]["cfa"]
    assert m.residuals is None
    if case == "telecom_em":
        assert m.modindices is None
        return
    assert any("Normalized residuals are computed without sampling weights" in w
               for w in m.warnings)
    theirs = pd.DataFrame(c["modindices"]).set_index(["lhs", "op", "rhs"]).head(10)
    mine = m.modindices.set_index(["lhs", "op", "rhs"]).loc[theirs.index]
    assert_allclose(mine["mi"], theirs["mi"], rtol=1e-4, atol=0)
    assert_allclose(mine["epc"], theirs["epc"], rtol=1e-4, atol=0)
    assert len(m.modindices) == c["n_modindices"]


@pytest.mark.parametrize("case", list(REF))
def test_weights_note_names_column_and_kish_n(results, case):
    m, r = results[case], REF[case]
    note = next(w for w in m.warnings if w.startswith("Sampling weights from column 'w'"))
    assert f"Kish effective sample size {r['kish_n_eff']:.0f}" in note
    assert f"sum to the {r['n']} respondents" in note
    assert ("weighted EM covariance" in note) == (case == "telecom_em")
    assert not any(w.startswith("CFA: Sampling weights") for w in m.warnings)
    assert "Sampling weights" in m.summary().as_text()


# ------------------------------------------------------------------ identities
def _telecom(n=300):
    return pd.read_csv(DATA / "telecom_weighted.csv").head(n)


@pytest.mark.parametrize("missing", ["listwise", "em"])
def test_unit_weights_give_the_unweighted_result(missing):
    df = (_telecom() if missing == "listwise" else
          pd.read_csv(DATA / "telecom_sim_missing.csv")).copy()
    df = df.drop(columns=["w"], errors="ignore")
    plain = quiet(cm.measurement, "telecom", df, missing=missing, n_boot=30, n_iter_parallel=5)
    df["one"] = 1.0
    unit = quiet(cm.measurement, "telecom", df, missing=missing, n_boot=30, n_iter_parallel=5,
                 weights="one")
    for name in ("reliability", "eigenvalues", "htmt_table", "cross_loadings"):
        a, b = getattr(plain, name), getattr(unit, name)
        num = a.select_dtypes("number").columns
        assert_allclose(b[num].to_numpy(float), a[num].to_numpy(float), rtol=1e-10,
                        atol=1e-12, equal_nan=True, err_msg=name)
    assert_allclose(unit.kmo, plain.kmo, rtol=1e-12)
    assert_allclose(unit.bartlett["chisq"], plain.bartlett["chisq"], rtol=1e-12)
    # the EFA from the matrix instead of the rows: factor_analyzer's optimizer path, 1e-6
    assert_allclose(unit.efa.loadings, plain.efa.loadings, rtol=0, atol=1e-6)
    cols = ["loading", "r_drop", "alpha_if_deleted", "msa"]
    assert_allclose(unit.items[cols].to_numpy(float), plain.items[cols].to_numpy(float),
                    rtol=1e-8, atol=1e-10, equal_nan=True)
    if missing == "listwise":
        assert_allclose(unit.modindices["mi"], plain.modindices["mi"], rtol=1e-8)
    # lavaan's sampling.weights always gives robust (Huber-White) SEs, also for weights of 1
    assert "robust" in next(w for w in unit.warnings if w.startswith("Sampling weights"))


def test_integer_weights_equal_replicated_rows():
    df = _telecom(200).drop(columns=["w"])
    df["f"] = 1 + np.arange(len(df)) % 3
    rep = df.loc[df.index.repeat(df["f"])].drop(columns=["f"]).reset_index(drop=True)
    wtd = quiet(cm.measurement, "telecom", df, weights="f", n_boot=0, n_iter_parallel=5)
    big = quiet(cm.measurement, "telecom", rep, n_boot=0, n_iter_parallel=5)
    a, b = wtd.reliability, big.reliability
    for col in ("alpha_raw", "alpha_std", "rho_c", "omega", "rho_a", "ave"):
        assert_allclose(a[col], b[col], rtol=1e-6, atol=1e-9, equal_nan=True, err_msg=col)
    cols = ["loading", "r_drop", "alpha_if_deleted", "msa"]
    assert_allclose(wtd.items[cols].to_numpy(float), big.items[cols].to_numpy(float),
                    rtol=1e-6, atol=1e-9, equal_nan=True)
    assert_allclose(wtd.kmo, big.kmo, rtol=1e-10)
    assert_allclose(wtd.efa.loadings, big.efa.loadings, rtol=0, atol=1e-5)
    assert_allclose(wtd.htmt.to_numpy(), big.htmt.to_numpy(), rtol=1e-10, equal_nan=True)
    # n is the rows of the weighted survey (the weights sum to it), not the replicated rows
    assert wtd.n == 200 and big.n == int(df["f"].sum())


def test_weighted_htmt_bootstrap_listwise_and_em():
    df = _telecom()
    m = quiet(cm.measurement, "telecom", df, weights="w", n_boot=40, seed=3, n_iter_parallel=5)
    t = m.htmt_table.dropna(subset=["htmt"])
    assert t["ci.lower"].notna().all()
    assert ((t["ci.lower"] <= t["htmt"]) & (t["htmt"] <= t["ci.upper"])).all()
    again = quiet(cm.measurement, "telecom", df, weights="w", n_boot=40, seed=3,
                  n_iter_parallel=5)
    assert_allclose(again.htmt_table["ci.lower"], m.htmt_table["ci.lower"], rtol=0, atol=0)
    plain = quiet(cm.measurement, "telecom", df.drop(columns=["w"]), n_boot=40, seed=3,
                  n_iter_parallel=5)
    assert not np.allclose(plain.htmt_table["ci.lower"].dropna(), t["ci.lower"])
    _, dfm, _ = _data("telecom_em")
    em = quiet(cm.measurement, "telecom", dfm, weights="w", missing="em", n_boot=20, seed=1,
               n_iter_parallel=5)
    te = em.htmt_table.dropna(subset=["htmt"])
    assert te["ci.lower"].notna().all() and (te["ci.lower"] <= te["ci.upper"]).all()


def test_weighted_measurement_leaves_the_data_alone():
    df = _telecom(150)
    before = df.copy()
    quiet(cm.measurement, "telecom", df, weights="w", n_boot=0, n_iter_parallel=5)
    pd.testing.assert_frame_equal(df, before)


# ------------------------------------------------------------------ refusals
@pytest.mark.parametrize("bad, match", [
    ("neg", r"weight column 'w': 2 negative weight\(s\), in rows 3, 7"),
    ("nan", r"weight column 'w': 1 missing weight\(s\), in rows 4"),
    ("text", r"weight column 'w': non-numeric weights \('x'\) in rows 5"),
    ("zero", "every weight of the 60 rows used is zero"),
])
def test_bad_weights_are_refused_naming_rows(bad, match):
    df = _telecom(60).copy()
    if bad == "neg":
        df.loc[[3, 7], "w"] = -1.0
    elif bad == "nan":
        df.loc[4, "w"] = np.nan
    elif bad == "text":
        df["w"] = df["w"].astype(object)
        df.loc[5, "w"] = "x"
    else:
        df["w"] = 0.0
    with pytest.raises(SurveyDataError, match=match):
        quiet(cm.measurement, "telecom", df, weights="w", n_boot=0)


def test_weight_column_checks():
    df = _telecom(60)
    with pytest.raises(SurveyDataError, match="the weight column 'wt' is not in the data"):
        quiet(cm.measurement, "telecom", df, weights="wt", n_boot=0)
    with pytest.raises(SurveyDataError, match="weight column 'SAT1' is also an item"):
        quiet(cm.measurement, "telecom", df, weights="SAT1", n_boot=0)
    with pytest.raises(ValueError, match="'weights' parameter of measurement is the name"):
        quiet(cm.measurement, "telecom", df, weights=df["w"], n_boot=0)


def test_ordinal_reliability_takes_weights():
    # weighted polychorics and the weighted WLSMV fit (issue 14; against lavaan, semTools and
    # psych in tests/test_ordinal_reliability_weights.py)
    df = _telecom(100)
    spec = cm.ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + SAT3")
    rel = quiet(cm.ordinal_reliability, spec, df, weights="w")
    assert any("Kish effective sample size" in w for w in rel.attrs["warnings"])


# ------------------------------------------------------------------ CLI
def test_cli_measure_weights(tmp_path, capsys):
    out = tmp_path / "m.json"
    code = main(["measure", str(DATA / "telecom_weighted.csv"), "--model", "telecom",
                 "--weights", "w", "--bootstrap", "0", "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "Sampling weights from column 'w'" in text and "Kish effective sample size" in text
    assert "Sampling weights   column 'w'" in text
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["options"]["weights"] == "w"
    assert any("Kish effective sample size 513" in w for w in payload["warnings"])
    rel = {r["latent"]: r for r in payload["reliability"]}
    ref = REF["telecom"]
    assert_allclose(rel["SAT"]["alpha_raw"], ref["reliability"]["SAT"]["raw_alpha"], rtol=1e-6)
    assert_allclose(rel["SAT"]["omega"], ref["cfa"]["omega"]["SAT"], rtol=1e-5)


def test_cli_measure_bad_weights_is_one_line(tmp_path, capsys):
    df = _telecom(60).copy()
    df.loc[[3, 7], "w"] = -1.0
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    code = main(["measure", str(path), "--model", "telecom", "--weights", "w",
                 "--bootstrap", "0"])
    assert code != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "negative weight(s), in rows 5, 9" in err[0]
