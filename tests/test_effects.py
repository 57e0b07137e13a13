"""Effects, the CB-SEM bootstrap and the hypothesis table against lavaan 0.6-14.

Reference: tests/reference/lavaan_effects/telecom_effects.json, made by make_reference.R
in the same folder (':=' indirect and total effects of each latent on SAT and LOY,
se = "bootstrap" with 1000 resamples, and 20 resamples fitted one by one).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import csi_model as cm
from csi_model.sem._fastboot import SEMRefit
from csi_model.sem._ram import RAMModel
from csi_model.sem.effects import effects, hypotheses, specific_indirect_effects

HERE = Path(__file__).parent
REF = json.loads((HERE / "reference" / "lavaan_effects" / "telecom_effects.json").read_text())
DATA = pd.read_csv(HERE / "data" / "telecom_sim.csv")
SPEC = cm.load_model(HERE / "reference" / "lavaan" / "telecom.lav")
STANDARD = pd.DataFrame(REF["standard"])
BOOT = pd.DataFrame(REF["bootstrap"]["table"])
KIND = {"ind": "indirect", "tot": "total"}


@pytest.fixture(scope="module")
def result():
    return cm.fit(SPEC, DATA)


@pytest.fixture(scope="module")
def boot_result():
    return cm.fit(SPEC, DATA, bootstrap=1000, seed=20261101)


def _defined(table: pd.DataFrame):
    for _, r in table[table["op"] == ":="].iterrows():
        kind, frm, to = r["lhs"].split("_")
        yield r, KIND[kind], frm, to


def _pick(tab, frm, to, kind):
    hit = tab[(tab["from"] == frm) & (tab["to"] == to) & (tab["effect"] == kind)]
    assert len(hit) == 1, (frm, to, kind)
    return hit.iloc[0]


def test_reference_file_is_complete():
    assert REF["lavaan_version"].startswith("0.6")
    assert REF["n"] == len(DATA) == 500
    assert sum(STANDARD["op"] == ":=") == 15
    assert REF["bootstrap"]["R"] == 1000 and REF["bootstrap"]["n_failed"] == 0


def test_effects_and_delta_se_agree_with_lavaan(result):
    tab = effects(result)
    std = effects(result, standardized=True)
    for r, kind, frm, to in _defined(STANDARD):
        ours = _pick(tab, frm, to, kind)
        assert abs(ours["est"] - r.est) <= 1e-3, r["lhs"]
        assert_allclose(ours["se"], r.se, rtol=0.01, err_msg=r["lhs"])
        assert abs(ours["std.all"] - r["std.all"]) <= 1e-3, r["lhs"]
        ours_std = _pick(std, frm, to, kind)
        assert_allclose(ours_std["se"], r["std.se"], rtol=0.01, err_msg=r["lhs"])
        assert_allclose(ours["pvalue"], r.pvalue, atol=1e-3, err_msg=r["lhs"])


def test_direct_effects_are_the_paths(result):
    tab = effects(result)
    paths = result.paths
    for r in paths.itertuples(index=False):
        ours = _pick(tab, r.rhs, r.lhs, "direct")
        assert ours["est"] == pytest.approx(r.est, abs=1e-12)
        assert ours["se"] == pytest.approx(r.se, rel=1e-5)


def test_decomposition_and_structure(result):
    tab = effects(result)
    wide = effects(result, shape="wide")
    assert_allclose(wide["direct"] + wide["indirect"], wide["total"], rtol=0, atol=1e-12)
    # an effect that is not in the model is 0 with se 0 (as lavaan shows fixed values)
    none = _pick(tab, "IMAG", "VAL", "direct")
    assert none["est"] == 0 and none["se"] == 0 and np.isnan(none["z"])
    # LOY depends on everything; nothing depends on LOY
    assert set(wide.loc[wide["to"] == "LOY", "from"]) == {"IMAG", "EXPE", "QUAL", "VAL", "SAT",
                                                          "COMP"}
    assert not (wide["from"] == "LOY").any()
    assert list(tab.columns) == ["from", "to", "effect", "est", "se", "z", "pvalue", "ci.lower",
                                 "ci.upper", "std.all"]
    assert {"direct.se", "indirect.pvalue", "total.ci.upper", "total.std.all"} <= set(wide.columns)


def test_specific_indirect_paths_sum_to_the_indirect_effect(result):
    paths = specific_indirect_effects(result)
    assert "IMAG -> EXPE -> QUAL -> VAL -> SAT" in set(paths["path"])
    tab = effects(result)
    for (frm, to), group in paths.groupby(["from", "to"]):
        ind = _pick(tab, frm, to, "indirect")
        assert group["est"].sum() == pytest.approx(ind["est"], abs=1e-12)
        assert group["std.all"].sum() == pytest.approx(ind["std.all"], abs=1e-12)
    # the single path QUAL -> VAL -> SAT is lavaan's ind_QUAL_SAT := a4*b4
    ref = STANDARD.set_index("lhs").loc["ind_QUAL_SAT"]
    row = paths[paths["path"] == "QUAL -> VAL -> SAT"].iloc[0]
    assert_allclose([row["est"], row["se"]], [ref["est"], ref["se"]], rtol=0.01)
    assert (paths["length"] >= 2).all()


def test_batched_refit_equals_lavaan_on_the_same_resamples(result):
    model = RAMModel.from_partable(SPEC.partable(), SPEC.observed, SPEC.latents)
    X = DATA[list(SPEC.observed)].to_numpy(float)
    stat = SEMRefit(model, X, np.asarray(result.theta))
    resamples = REF["resamples"]
    idx = [np.asarray(i, dtype=int) for i in resamples["indices"]]
    ours = stat.batch(idx)
    pt = model.partable
    keys = []
    for r in model.free_rows:
        row = pt.iloc[r]
        keys.append((row.lhs, row.op, row.rhs))
    for b, fit in enumerate(resamples["fits"]):
        assert fit["converged"]
        lav = {(l, o, r): e for l, o, r, e in zip(fit["lhs"], fit["op"], fit["rhs"], fit["est"])}
        assert_allclose(ours[b], [lav[k] for k in keys], rtol=0, atol=1e-4, err_msg=f"resample {b}")


def test_bootstrap_ses_agree_with_lavaan(boot_result):
    boot = boot_result.bootstrap
    assert boot.B == 1000 and boot.n_failed == 0
    est = boot_result.estimates.merge(BOOT, on=["lhs", "op", "rhs"], suffixes=("", "_lav"))
    est = est[est["se_lav"] > 0]
    ratio = est["se"].to_numpy() / est["se_lav"].to_numpy()
    # independent resamples: the Monte-Carlo SD of a ratio of two B=1000 bootstrap SEs is
    # about sqrt(2 / (2 * 1000)) = 3.2 %; on average they must agree within 5 %
    assert np.sqrt(np.mean((ratio - 1) ** 2)) < 0.05
    assert abs(np.mean(ratio) - 1) < 0.02
    assert np.all(np.abs(ratio - 1) < 0.15)
    # percentile intervals within Monte-Carlo error (in units of the SE)
    for col in ("ci.lower", "ci.upper"):
        gap = np.abs(est[col] - est[f"{col}_lav"]) / est["se_lav"]
        assert gap.mean() < 0.15 and gap.max() < 0.6, col
    # the point estimates are not touched by the bootstrap
    assert_allclose(est["est"], est["est_lav"], atol=1e-4)


def test_bootstrap_effects_agree_with_lavaan(boot_result):
    tab = effects(boot_result)
    ratios = []
    for r, kind, frm, to in _defined(BOOT):
        ours = _pick(tab, frm, to, kind)
        ratios.append(ours["se"] / r.se)
        assert abs(ours["ci.lower"] - r["ci.lower"]) < 0.6 * r.se
        assert abs(ours["ci.upper"] - r["ci.upper"]) < 0.6 * r.se
    ratios = np.array(ratios)
    assert np.sqrt(np.mean((ratios - 1) ** 2)) < 0.05 and np.all(np.abs(ratios - 1) < 0.15)


def test_bootstrap_is_deterministic_and_independent_of_workers():
    digest = lambda res: hashlib.sha256(  # noqa: E731
        effects(res).to_csv().encode() + res.table().to_csv().encode()).hexdigest()
    first = cm.fit(SPEC, DATA, bootstrap=200, seed=20261101)
    again = cm.fit(SPEC, DATA, bootstrap=200, seed=20261101)
    assert digest(again) == digest(first)
    small = cm.fit(SPEC, DATA, bootstrap=40, seed=3)
    threads = cm.fit(SPEC, DATA, bootstrap=40, seed=3, n_jobs=2, backend="threading")
    np.testing.assert_array_equal(small.bootstrap.replicates, threads.bootstrap.replicates)


def test_bootstrap_in_estimates_json_and_warnings(boot_result):
    d = boot_result.to_dict()
    assert d["bootstrap"]["B"] == 1000 and d["bootstrap"]["n_failed"] == 0
    rec = next(e for e in d["effects"] if e["from"] == "IMAG" and e["to"] == "LOY")
    assert {"from", "to", "direct", "indirect", "total", "total.se", "total.ci.lower"} <= set(rec)
    assert any("Bootstrap: 1000 resamples" in w for w in boot_result.warnings)
    json.dumps(d, allow_nan=False)


def test_failed_resamples_are_counted(result):
    from csi_model.sem.fitting import _bootstrap
    model = RAMModel.from_partable(SPEC.partable(), SPEC.observed, SPEC.latents)
    X = DATA[list(SPEC.observed)].to_numpy(float)[:30]    # 30 rows for 24 items
    boot = _bootstrap(model, np.asarray(result.theta), X, 20, 1, 1, "loky", False)
    assert boot.n_failed > 0          # singular resample covariances cannot be fitted
    assert np.isnan(boot.replicates[~boot.ok]).all()


def test_hypotheses_in_model_order(result, boot_result):
    h = hypotheses(result)
    assert list(h["hypothesis"]) == [f"H{k}" for k in range(1, 13)]
    assert list(zip(h["from"], h["to"])) == list(SPEC.structural_paths)
    wald = h["ci.type"].iloc[0] == "Wald"
    assert wald and (h["supported"] == (h["pvalue"] < 0.05)).all()
    hb = hypotheses(boot_result)
    assert hb["ci.type"].iloc[0].startswith("bootstrap percentile")
    row = hb.set_index("path").loc["QUAL -> SAT"]
    lav = BOOT[(BOOT.lhs == "SAT") & (BOOT.op == "~") & (BOOT.rhs == "QUAL")].iloc[0]
    assert row["supported"] and abs(row["ci.lower"] - lav["ci.lower"]) < 0.6 * lav["se"]


def test_bad_arguments(result):
    with pytest.raises(ValueError, match="'seed'"):
        cm.fit(SPEC, DATA, bootstrap=10)
    with pytest.raises(ValueError, match="'bootstrap'"):
        cm.fit(SPEC, DATA, bootstrap=0, seed=1)
    with pytest.raises(ValueError, match="'shape'"):
        effects(result, shape="tall")
    with pytest.raises(ValueError, match="'alpha'"):
        hypotheses(result, alpha=2)


def test_cli_fit_with_bootstrap(tmp_path, capsys):
    from csi_model.cli import main
    model = HERE / "reference" / "lavaan" / "telecom.lav"
    out = tmp_path / "fit.json"
    code = main(["fit", str(HERE / "data" / "telecom_sim.csv"), "--model", str(model),
                 "--bootstrap", "100", "--seed", "7", "--json", str(out), "--out",
                 str(tmp_path / "tables")])
    assert code == 0
    text = capsys.readouterr().out
    assert "Bootstrap" in text and "Effects (direct / indirect / total)" in text
    payload = json.loads(out.read_text())
    assert payload["bootstrap"]["B"] == 100
    assert {"from", "to", "direct", "indirect", "total", "total.se"} <= set(payload["effects"][0])
    ours = cm.fit(SPEC, DATA, bootstrap=100, seed=7)
    se = {(r["lhs"], r["op"], r["rhs"]): r["se"] for r in payload["estimates"]}
    for r in ours.estimates.itertuples(index=False):
        assert se[(r.lhs, r.op, r.rhs)] == pytest.approx(r.se, rel=1e-12)
    hyp = pd.read_csv(tmp_path / "tables" / "hypotheses.csv")
    assert list(hyp["hypothesis"])[:2] == ["H1", "H2"]
    assert main(["fit", str(HERE / "data" / "telecom_sim.csv"), "--model", str(model),
                 "--bootstrap", "100"]) == 2
    assert "--seed" in capsys.readouterr().err
