"""cm.priorities: structural scores, impacts, loyalty gain per point, item priorities.

The priority table is recomputed here by hand from the PLS fit's own outputs (outer
weights, item means, standardized total effects) with the formulas of
csi_model/pls/priorities.py, on a small model.
"""
from __future__ import annotations

import json
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import csi_model as cm
from csi_model.cli import main
from csi_model.report.figures import priority_map

matplotlib.use("Agg")

SMALL = """
A   =~ a1 + a2
B   =~ b1 + b2 + b3
SAT =~ s1 + s2
LOY =~ l1 + l2
SAT ~ A + B
LOY ~ SAT
"""


@pytest.fixture(scope="module")
def small():
    spec = cm.ModelSpec.from_syntax(SMALL)
    pop = cm.Population(loadings={"a1": .8, "a2": .7, "b1": .85, "b2": .6, "b3": .75, "s1": .8,
                                  "s2": .8, "l1": .8, "l2": .7},
                        paths={("A", "SAT"): .3, ("B", "SAT"): .4, ("SAT", "LOY"): .5},
                        exogenous_corr={("A", "B"): .3},
                        item_means={"a1": 3.2, "a2": 3.9, "b1": 3.0, "b2": 4.1, "b3": 3.5,
                                    "s1": 3.7, "s2": 3.6, "l1": 3.5, "l2": 3.4},
                        item_sd={it: 0.9 for it in ("a1", "a2", "b1", "b2", "b3", "s1", "s2",
                                                    "l1", "l2")},
                        mean_scale=(1, 5))
    df = cm.simulate_survey(spec, n=160, seed=11, population=pop, scale=(1, 5))
    return spec, cm.fit_pls(spec, df)


def test_priority_table_by_hand(small):
    spec, pls = small
    pr = cm.priorities(pls, scale=(1, 5))
    out = pls.outer.set_index("item")
    eff = pls.effects.set_index(["from", "to"])["total"]
    sd_index = {lv: 100 / (4 * out[out.latent == lv]["weight.raw"].sum())
                for lv in ("A", "B", "SAT", "LOY")}
    rows = []
    for d, items in (("A", ["a1", "a2"]), ("B", ["b1", "b2", "b3"])):
        importance_d = eff[(d, "SAT")] * sd_index["SAT"] / sd_index[d]
        w = out.loc[items, "weight.raw"]
        v = w / w.sum()
        score = 100 * (out.loc[items, "mean"] - 1) / 4
        imp = v * importance_d
        pot = imp * (100 - score)
        rank = pot.rank(ascending=False).astype(int)
        for it in items:
            q = ("strength" if score[it] > score.mean() else "fix first") if imp[it] > imp.mean() \
                else ("maintain" if score[it] > score.mean() else "opportunity")
            rows.append((d, it, score[it], imp[it], pot[it], rank[it], q))
    hand = pd.DataFrame(rows, columns=["latent", "item", "score", "importance", "potential",
                                       "rank", "quadrant"]).sort_values(["latent", "rank"])
    got = pr.items
    assert list(got.item) == list(hand.item)
    for c in ("score", "importance", "potential"):
        assert_allclose(got[c].to_numpy(), hand[c].to_numpy(), rtol=1e-10)
    assert list(got["rank"]) == list(hand["rank"])
    assert list(got.quadrant) == list(hand.quadrant)
    # the structural table and the loyalty gain
    st = pr.structural.set_index("latent")
    assert st.loc["B", "importance"] == pytest.approx(
        eff[("B", "SAT")] * sd_index["SAT"] / sd_index["B"], rel=1e-10)
    assert st.loc["B", "impact"] == pytest.approx(5 * st.loc["B", "importance"], rel=1e-12)
    assert np.isnan(st.loc["SAT", "importance"])
    gain = eff[("SAT", "LOY")] * sd_index["LOY"] / sd_index["SAT"]
    assert pr.loyalty.iloc[0]["gain"] == pytest.approx(gain, rel=1e-10)
    assert (pr.loyalty.iloc[0]["from"], pr.loyalty.iloc[0]["to"]) == ("SAT", "LOY")
    json.dumps(pr.to_dict())


def test_loyalty_gain_interval_uses_the_same_resamples(small):
    spec, pls = small
    idx = cm.csi_index(pls, scale=(1, 5), bootstrap=300, seed=4)
    pr = cm.priorities(idx)
    ref = cm.csi_index(pls, scale=(1, 5), target="LOY", gain=1, bootstrap=300, seed=4)
    row = ref.impacts.set_index("driver").loc["SAT"]
    got = pr.loyalty.iloc[0]
    assert got["ci.lower"] == pytest.approx(row["ci.lower"], rel=1e-12)
    assert got["ci.upper"] == pytest.approx(row["ci.upper"], rel=1e-12)
    assert got["ci.lower"] < got["gain"] < got["ci.upper"]
    assert pr.structural["ci.lower"].notna().all()
    assert pr.structural.dropna(subset=["importance"])["impact.ci.lower"].notna().all()


def test_tables_in_both_languages_and_errors(small):
    spec, pls = small
    pr = cm.priorities(pls, scale=(1, 5))
    zh = pr.table("items", "zh")
    assert {"得分(0-100)", "改进优先序", "提升潜力", "象限"} <= set(zh.columns)
    assert "Loyalty gain" in pr.summary().as_text()
    assert "满意度每提高1分" in pr.summary(lang="zh").as_text()
    with pytest.raises(ValueError, match="'lang' parameter"):
        pr.table("items", "fr")
    with pytest.raises(ValueError, match="'outcome' parameter"):
        cm.priorities(pls, scale=(1, 5), outcome="NOPE")
    with pytest.raises(ValueError, match="no effect on A"):
        cm.priorities(pls, scale=(1, 5), outcome="A")
    idx = cm.csi_index(pls, scale=(1, 5))
    with pytest.raises(ValueError, match="IndexResult's own"):
        cm.priorities(idx, seed=1)


def test_cmcc_study_uses_the_codebook_wording():
    survey = cm.read_survey(cm.simulate_cmcc_fieldwork(), "cmcc",
                            screening=cm.FieldworkRules(distributed=320))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr = cm.priorities(cm.fit_pls("cmcc", survey))
    bill = pr.items[pr.items.latent == "BILL"]
    assert "欠费停机提早通知" in set(bill.label_zh)
    assert set(pr.items.latent) == {"IMAG", "NETQ", "BILL", "HALL", "NSRV", "COMP"}
    assert pr.items[pr.items.latent == "COMP"].quadrant.tolist() == ["single item"]
    ax = priority_map(pr, "BILL", lang="zh")
    assert len(ax.collections[0].get_offsets()) == 4
    assert ax.get_title() == "缴费及话费"
    assert any("欠费停机提早通知" in t.get_text() for t in ax.texts)
    with pytest.raises(ValueError, match="must be a driver of SAT"):
        priority_map(pr, "SAT")


def test_cli_index_priorities(tmp_path, capsys):
    path = tmp_path / "cmcc.csv"
    cm.simulate_cmcc_fieldwork().to_csv(path, index=False)
    out = tmp_path / "index.json"
    assert main(["index", str(path), "--model", "cmcc", "--missing-codes", "6", "--scale", "1,5",
                 "--priorities", "zh", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "指标改进优先序" in text and "欠费停机提早通知" in text
    d = json.loads(out.read_text())
    assert d["priorities"]["loyalty"][0]["from"] == "SAT"
    assert {r["latent"] for r in d["priorities"]["items"]} >= {"BILL", "NETQ"}


def test_an_index_result_is_recomputed_for_another_gain(small):
    spec, pls = small
    pr = cm.priorities(cm.csi_index(pls, scale=(1, 5)), gain=1)
    st = pr.structural.dropna(subset=["importance"])
    assert pr.gain == 1
    assert_allclose(st["impact"], st["importance"], rtol=1e-12)
