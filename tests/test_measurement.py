"""Measurement model vs psych 2.2.9, semTools 0.5-6 and lavaan 0.6-14.

The references are in tests/reference/psych/<case>.json, produced by
tests/reference/psych/make_reference.R (see its README); R is not needed here.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from csi_model.measurement import efa as E
from csi_model.cli import main
from csi_model.exceptions import CSIModelWarning, DataQualityWarning
from csi_model.measurement.quality import (MeasurementResult, Thresholds, cfa_spec, htmt, measurement,
                                   rho_a)
from csi_model.model.spec import ModelSpec, load_model

HERE = Path(__file__).parent
REF = HERE / "reference" / "psych"
DATA = HERE / "data"
CASES = {
    "holzinger": ("holzinger_swineford.csv", str(HERE / "reference" / "lavaan" / "holzinger.lav")),
    "telecom_sim": ("telecom_sim.csv", "telecom"),
}


def ref(case: str) -> dict:
    return json.loads((REF / f"{case}.json").read_text(encoding="utf-8"))


def frame_of(case: str) -> pd.DataFrame:
    r = ref(case)
    return pd.read_csv(DATA / CASES[case][0])[list(r["kmo"]["items"])]


@pytest.fixture(scope="module")
def results() -> dict[str, MeasurementResult]:
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CSIModelWarning)
        for case, (data, model) in CASES.items():
            out[case] = measurement(model, str(DATA / data), n_boot=200, seed=1)
    return out


# ------------------------------------------------------------------ psych: adequacy, alpha
@pytest.mark.parametrize("case", CASES)
def test_kmo_and_bartlett_match_psych(results, case):
    r, res = ref(case), results[case]
    assert_allclose(res.kmo, r["kmo"]["overall"], rtol=0, atol=1e-6)
    assert_allclose(res.kmo_items[list(r["kmo"]["items"])], list(r["kmo"]["items"].values()),
                    rtol=0, atol=1e-6)
    assert_allclose(res.bartlett["chisq"], r["bartlett"]["chisq"], rtol=0, atol=1e-6)
    assert res.bartlett["df"] == r["bartlett"]["df"]


@pytest.mark.parametrize("case", CASES)
def test_alpha_item_statistics_match_psych(results, case):
    r, res = ref(case), results[case]
    rel = res.reliability.set_index("latent")
    items = res.items.set_index("item")
    for lv, a in r["reliability"].items():
        assert_allclose(rel.loc[lv, "alpha_raw"], a["raw_alpha"], rtol=0, atol=1e-6)
        assert_allclose(rel.loc[lv, "alpha_std"], a["std_alpha"], rtol=0, atol=1e-6)
        assert_allclose(items.loc[list(a["r_drop"]), "r_drop"], list(a["r_drop"].values()),
                        rtol=0, atol=1e-6)
        if len(a["alpha_if_deleted"]) > 2:
            assert_allclose(items.loc[list(a["alpha_if_deleted"]), "alpha_if_deleted"],
                            list(a["alpha_if_deleted"].values()), rtol=0, atol=1e-6)


# ------------------------------------------------------------------ psych: EFA
def _match(L: np.ndarray, R: np.ndarray):
    from scipy.optimize import linear_sum_assignment
    rows, cols = linear_sum_assignment(-np.abs(L.T @ R))
    perm = np.empty(R.shape[1], dtype=int)
    perm[cols] = rows
    sign = np.sign(np.sum(L[:, perm] * R, axis=0))
    return perm, sign


@pytest.mark.parametrize("case, solutions", [("holzinger", [0, 1, 2, 3]), ("telecom_sim", [0])])
def test_efa_matches_psych_fa(case, solutions):
    r = ref(case)
    x = frame_of(case)
    for s in solutions:
        sol = r["efa"][s]
        res = E.efa(x, sol["nfactors"], method=sol["fm"], rotation=sol["rotate"])
        R = pd.DataFrame(sol["loadings"]).T.loc[x.columns].to_numpy(dtype=float)
        perm, sign = _match(res.loadings.to_numpy(), R)
        assert_allclose(res.loadings.to_numpy()[:, perm] * sign, R, rtol=0, atol=1e-3,
                        err_msg=f"{sol['fm']} {sol['rotate']}")
        assert_allclose(res.communalities[x.columns], list(sol["communalities"].values()),
                        rtol=0, atol=1e-3)
        if sol["phi"]:
            phi = res.factor_correlations.to_numpy()[np.ix_(perm, perm)] * np.outer(sign, sign)
            assert_allclose(phi, pd.DataFrame(sol["phi"]).to_numpy(dtype=float), rtol=0,
                            atol=1e-3)


@pytest.mark.parametrize("case", CASES)
def test_eigenvalues_and_parallel_analysis_match_fa_parallel(results, case):
    r, res = ref(case), results[case]
    assert_allclose(res.eigenvalues["eigenvalue"], r["parallel"]["pc_values"], rtol=0, atol=1e-8)
    assert_allclose(res.eigenvalues["reduced"], r["parallel"]["fa_values"], rtol=0, atol=1e-5)
    # simulated eigenvalues are random: close to psych's, and the same suggestion
    assert_allclose(res.eigenvalues["simulated"], r["parallel"]["pc_sim"], rtol=0, atol=0.05)
    assert res.parallel.n_factors == r["parallel"]["nfact"]


# ------------------------------------------------------------------ semTools / lavaan
@pytest.mark.parametrize("case", CASES)
def test_composite_reliability_omega_ave_match_semtools(results, case):
    r, res = ref(case), results[case]
    rel = res.reliability.set_index("latent")
    for key, col in (("rho_c", "rho_c"), ("omega", "omega"), ("ave_all", "ave")):
        values = {lv: v for lv, v in r["cfa"][key].items() if v is not None and lv in rel.index
                  and rel.loc[lv, "n_items"] > 1}
        assert values, key
        assert_allclose(rel.loc[list(values), col], list(values.values()), rtol=0, atol=1e-3,
                        err_msg=key)


@pytest.mark.parametrize("case", CASES)
def test_htmt_matches_semtools(results, case):
    r, res = ref(case), results[case]
    for key, ours in (("htmt", res.htmt), ("htmt2", res.htmt2)):
        theirs = pd.DataFrame(r[key]).T.astype(float)
        mine = ours.loc[theirs.index, theirs.columns].to_numpy()
        off = ~np.eye(len(theirs), dtype=bool)        # semTools: NaN on a single item's diagonal
        assert_allclose(mine[off], theirs.to_numpy()[off], rtol=0, atol=1e-3, equal_nan=True)
    tab = res.htmt_table.dropna(subset=["htmt"])
    assert (tab["ci.lower"] <= tab["htmt"]).all() and (tab["htmt"] <= tab["ci.upper"]).all()
    assert (tab["htmt2.ci.lower"] <= tab["htmt2"]).all()


@pytest.mark.parametrize("case", CASES)
def test_standardized_loadings_cfa_fit_and_residuals_match_lavaan(results, case):
    r, res = ref(case), results[case]
    lam = pd.DataFrame(r["cfa"]["std_loadings"]).set_index("rhs")
    items = res.items.set_index("item").loc[lam.index]
    for col, theirs in (("loading", "est.std"), ("ci.lower", "ci.lower"), ("ci.upper", "ci.upper")):
        assert_allclose(items[col], lam[theirs], rtol=0, atol=1e-3, err_msg=col)
    fm = r["cfa"]["fit_measures"]
    assert_allclose(res.fit_measures["chisq"], fm["chisq"], rtol=1e-5, atol=0)
    assert res.fit_measures["df"] == fm["df"]
    theirs = pd.DataFrame(r["cfa"]["residuals_normalized"]).T.astype(float)
    assert_allclose(res.residuals.loc[theirs.index, theirs.columns].to_numpy(),
                    theirs.to_numpy(), rtol=0, atol=1e-3)


def _key(lhs, op, rhs):
    return (op, lhs, rhs) if op == "=~" else (op, *sorted((lhs, rhs)))


@pytest.mark.parametrize("case", CASES)
def test_top5_modification_indices_match_lavaan(results, case):
    r, res = ref(case), results[case]
    theirs = pd.DataFrame(r["cfa"]["modindices"]).head(5)
    mine = {_key(a.lhs, a.op, a.rhs): a for a in res.modindices.itertuples(index=False)}
    assert [_key(*t) for t in theirs[["lhs", "op", "rhs"]].itertuples(index=False)] == \
        [_key(a.lhs, a.op, a.rhs) for a in res.modindices.head(5).itertuples(index=False)]
    for t in theirs.itertuples(index=False):
        m = mine[_key(t.lhs, t.op, t.rhs)]
        assert_allclose(m.mi, t.mi, rtol=1e-2, atol=0)
        assert_allclose(m.epc, t.epc, rtol=1e-2, atol=0)
    assert len(res.modindices) == len(r["cfa"]["modindices"])


def test_holzinger_largest_modification_index_is_visual_x9(results):
    top = results["holzinger"].modindices.iloc[0]
    assert (top["lhs"], top["op"], top["rhs"]) == ("visual", "=~", "x9")
    assert round(top["mi"], 1) == 36.4


# ------------------------------------------------------------------ behaviour
def test_single_item_block_is_explained_not_silent_nan(results):
    res = results["telecom_sim"]
    comp = res.reliability.set_index("latent").loc["COMP"]
    assert np.isnan(comp["alpha_raw"]) and "single item" in comp["note"]
    assert any("COMP is measured by a single item" in w for w in res.warnings)
    v = res.verdicts[(res.verdicts.criterion == "alpha") & (res.verdicts.target == "COMP")]
    assert v["passed"].iloc[0] is None


def test_efa_factors_matched_to_latents(results):
    res = results["holzinger"]
    assert set(res.factor_map) == {"visual", "textual", "speed"}
    assert len(set(res.factor_map.values())) == 3
    # x9 is the known visual/speed cross-loading item of this data set
    assert not res.efa_loadings.set_index("item").loc["x4", "wrong_factor"]


def test_reverse_coded_item_is_flagged():
    x = frame_of("holzinger")
    x["x2"] = x["x2"].max() + x["x2"].min() - x["x2"]
    spec = load_model(str(HERE / "reference" / "lavaan" / "holzinger.lav"))
    with pytest.warns(DataQualityWarning, match="x2 correlates negatively"):
        res = measurement(spec, x, n_boot=0, n_iter_parallel=2)
    assert res.items.set_index("item").loc["x2", "r_drop"] < 0


def test_fewer_respondents_than_items_and_singular_matrix():
    x = frame_of("holzinger")
    spec = load_model(str(HERE / "reference" / "lavaan" / "holzinger.lav"))
    with pytest.warns(DataQualityWarning, match="Fewer respondents"):
        res = measurement(spec, x.head(8), n_boot=0)
    assert res.cfa is None and res.kmo is None and res.efa is None
    assert np.isfinite(res.reliability["alpha_raw"]).all()
    x = x.assign(x10=x["x1"] + x["x2"])
    spec2 = ModelSpec.from_syntax("visual =~ x1 + x2 + x3 + x10\ntextual =~ x4 + x5 + x6")
    with pytest.warns(DataQualityWarning, match="singular"):
        res = measurement(spec2, x, n_boot=0)
    assert res.kmo is None


def test_thresholds_are_arguments_and_cited(results):
    res = results["holzinger"]
    assert set(res.verdicts["criterion"]) >= {"kmo", "alpha", "rho_c", "ave", "htmt", "loading"}
    assert res.verdicts["source"].str.len().min() > 10
    strict = Thresholds(htmt=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CSIModelWarning)
        res2 = measurement(str(HERE / "reference" / "lavaan" / "holzinger.lav"), frame_of("holzinger"),
                           thresholds=strict, n_boot=0, n_iter_parallel=2)
    assert not res2.verdicts[res2.verdicts.criterion == "htmt"]["passed"].any()
    with pytest.raises(ValueError, match="'htmt' threshold"):
        Thresholds(htmt="high")


def test_result_is_frozen_json_ready_and_reported(results):
    res = results["telecom_sim"]
    with pytest.raises(AttributeError):
        res.kmo = 1.0
    text = json.dumps(res.to_dict(), allow_nan=False)
    assert '"modindices"' in text and '"verdicts"' in text
    summary = res.summary()
    body = summary.as_text()
    for section in ("Reliability and convergent validity", "Fornell-Larcker", "HTMT",
                    "Modification indices", "Normalized residuals", "Verdicts", "WARNINGS"):
        assert section in body
    assert "<table" in res._repr_html_()


def test_helpers():
    assert_allclose(rho_a(np.array([[1, .5], [.5, 1]])), 2 * .5 / 1.5, rtol=1e-12, atol=0)
    x = frame_of("holzinger")
    r = ref("holzinger")
    blocks = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
    theirs = pd.DataFrame(r["htmt"]).T.astype(float)
    assert_allclose(htmt(x, blocks).to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-10)
    spec = cfa_spec(load_model("telecom"))
    assert spec.structural_paths == () and set(spec.latents) == set(load_model("telecom").latents)


def test_inputs_are_not_modified():
    x = frame_of("holzinger")
    before = x.copy()
    spec = load_model(str(HERE / "reference" / "lavaan" / "holzinger.lav"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CSIModelWarning)
        measurement(spec, x, n_boot=0, n_iter_parallel=2)
    pd.testing.assert_frame_equal(x, before)


# ------------------------------------------------------------------ CLI
def test_cli_measure_prints_report_and_writes_json(tmp_path, capsys):
    out = tmp_path / "m.json"
    code = main(["measure", str(DATA / "ecsi_mobi.csv"), "--model", "ecsi_mobi",
                 "--bootstrap", "100", "--json", str(out), "--out", str(tmp_path / "tables")])
    assert code == 0
    text = capsys.readouterr().out
    for section in ("Reliability and convergent validity", "EFA loadings", "HTMT",
                    "Modification indices", "Verdicts", "COMP is measured by a single item"):
        assert section in text
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["n"] == 250
    assert {"reliability", "items", "efa", "htmt", "modindices", "verdicts", "warnings",
            "fit_measures"} <= set(payload)
    assert (tmp_path / "tables" / "reliability.csv").is_file()


def test_cli_measure_user_error_is_one_line(capsys):
    code = main(["measure", str(DATA / "ecsi_mobi.csv"), "--model", "telecom"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("csi-model: error:") and "EXPE1" in err[0]
