"""Effects, specific indirect effects and hypotheses of PLS fits; the expected sign
(issue 11, points 5 and 6).

Independent checks: the PLS bootstrap statistic holds, per resample, the total effects the
algorithm computed itself ((I - B)^-1 - I inside the resample); the products of path
replicates along a route are computed here; and hypotheses' intervals are looked up by name
in the bootstrap table. Tolerances are explicit.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csi_model as cm
from csi_model.bootstrap import percentile_interval
from csi_model.report import tables as T

HERE = Path(__file__).parent
DATA = HERE / "data" / "ecsi_mobi.csv"
MODEL = HERE.parent / "models" / "ecsi_mobi.lav"
B = 300


@pytest.fixture(scope="module")
def pls():
    return cm.fit_pls(MODEL, DATA, bootstrap=B, seed=11)


@pytest.fixture(scope="module")
def reversed_complaints():
    """CUSCO reverse-coded (11 - x): COMP then falls with SAT, significantly."""
    df = pd.read_csv(DATA)
    df["CUSCO"] = 11 - df["CUSCO"]
    return df


def _reps(res, name):
    bt = res.bootstrap
    return bt.replicates[bt.ok, list(bt.names).index(name)]


def test_effects_of_pls_match_the_resamples_own_total_effects(pls):
    eff = cm.effects(pls)
    assert list(eff.columns) == ["from", "to", "effect", "est", "se", "z", "pvalue",
                                 "ci.lower", "ci.upper", "std.all"]
    bt = pls.bootstrap_table()
    tot = eff[eff.effect == "total"]
    assert len(tot) == len(pls.effects)
    for r in tot.itertuples(index=False):
        row = bt.loc[f"{r._0} -> {r.to}"]
        assert r.est == pytest.approx(row["est"], abs=1e-12)
        assert r.se == pytest.approx(row["se"], rel=1e-9)
        assert r._7 == pytest.approx(row["ci.lower"], abs=1e-9)
        assert r._8 == pytest.approx(row["ci.upper"], abs=1e-9)
    # PLS effects are standardized already
    np.testing.assert_allclose(eff["std.all"], eff["est"], rtol=0, atol=0)
    wide = cm.effects(pls, shape="wide").set_index(["from", "to"])
    mine = pls.effects.set_index(["from", "to"])
    np.testing.assert_allclose(wide.loc[mine.index, "indirect"], mine["indirect"], atol=1e-12)


def test_specific_indirect_effects_are_products_of_path_replicates(pls):
    sie = cm.specific_indirect_effects(pls)
    row = sie[sie.path == "IMAG -> EXPE -> QUAL -> VAL -> SAT"].iloc[0]
    prod = (_reps(pls, "EXPE ~ IMAG") * _reps(pls, "QUAL ~ EXPE") * _reps(pls, "VAL ~ QUAL")
            * _reps(pls, "SAT ~ VAL"))
    paths = pls.paths.set_index(["lhs", "rhs"])["est"]
    est = (paths["EXPE", "IMAG"] * paths["QUAL", "EXPE"] * paths["VAL", "QUAL"]
           * paths["SAT", "VAL"])
    assert row["est"] == pytest.approx(est, abs=1e-12)
    assert row["se"] == pytest.approx(prod.std(ddof=0), rel=1e-9)
    lo, hi = percentile_interval(prod, np.array([0.025, 0.975]))
    assert (row["ci.lower"], row["ci.upper"]) == pytest.approx((lo, hi), abs=1e-9)
    assert np.quantile(prod, 0.025) == pytest.approx(lo, abs=0.01)
    assert row["z"] == pytest.approx(est / prod.std(ddof=0), rel=1e-9)
    assert row["pvalue"] == pytest.approx(2 * stats.norm.sf(abs(row["z"])), rel=1e-9)
    # the specific paths from IMAG to SAT add up to its indirect effect, in every resample
    eff = cm.effects(pls).set_index(["from", "to", "effect"])
    from_imag = sie[(sie["from"] == "IMAG") & (sie["to"] == "SAT")]
    assert from_imag["est"].sum() == pytest.approx(eff.loc[("IMAG", "SAT", "indirect"), "est"],
                                                   abs=1e-12)
    total = _reps(pls, "IMAG -> SAT") - _reps(pls, "SAT ~ IMAG")
    routes = {"EXPE -> SAT": ["EXPE ~ IMAG", "SAT ~ EXPE"],
              "EXPE -> QUAL -> SAT": ["EXPE ~ IMAG", "QUAL ~ EXPE", "SAT ~ QUAL"],
              "EXPE -> VAL -> SAT": ["EXPE ~ IMAG", "VAL ~ EXPE", "SAT ~ VAL"],
              "EXPE -> QUAL -> VAL -> SAT": ["EXPE ~ IMAG", "QUAL ~ EXPE", "VAL ~ QUAL",
                                             "SAT ~ VAL"]}
    summed = sum(np.prod([_reps(pls, n) for n in names], axis=0) for names in routes.values())
    np.testing.assert_allclose(summed, total, rtol=0, atol=1e-10)


def test_hypotheses_of_pls_take_each_paths_own_interval(pls):
    h = cm.hypotheses(pls)
    bt = pls.bootstrap_table()
    assert len(h) == 12
    for r in h.itertuples(index=False):
        row = bt.loc[f"{r.to} ~ {r._2}"]
        assert r.est == pytest.approx(row["est"], abs=1e-12)
        assert (r._10, r._11) == pytest.approx((row["ci.lower"], row["ci.upper"]), abs=1e-9)
        assert r.est == r._6                        # beta = B for PLS
        assert (r._12, r._13) == (r._10, r._11)     # beta's interval is B's
        assert r.supported == bool(row["ci.lower"] > 0)
    # EXPE -> VAL, EXPE -> SAT and COMP -> LOY are not significant on these data
    assert set(h.loc[~h.supported, "path"]) == {"EXPE -> VAL", "EXPE -> SAT", "COMP -> LOY"}
    assert h["ci.type"].iloc[0] == f"bootstrap percentile ({B} resamples)"
    with pytest.raises(ValueError, match="bootstrap"):
        cm.hypotheses(cm.fit_pls(MODEL, DATA))


def test_supported_means_significant_in_the_expected_direction(reversed_complaints, tmp_path):
    res = cm.fit_pls(MODEL, reversed_complaints, bootstrap=B, seed=3)
    h = cm.hypotheses(res).set_index("path")
    assert h.loc["SAT -> COMP", "ci.upper"] < 0            # significantly negative
    assert h.loc["SAT -> COMP", "significant"] and not h.loc["SAT -> COMP", "supported"]
    h2 = cm.hypotheses(res, expected={"COMP ~ SAT": "-"}).set_index("path")
    assert h2.loc["SAT -> COMP", "expected"] == "-" and h2.loc["SAT -> COMP", "supported"]
    h3 = cm.hypotheses(res, expected={"SAT -> COMP": "any"}).set_index("path")
    assert h3.loc["SAT -> COMP", "supported"]
    # the same from the model file, with a comment lavaan ignores
    text = MODEL.read_text().replace("COMP ~ SAT", "COMP ~ SAT   # expect: -")
    text = text.replace("LOY  ~ SAT + COMP + IMAG", "LOY  ~ SAT + COMP + IMAG  # expect: COMP -")
    lav = tmp_path / "ecsi_expect.lav"
    lav.write_text(text)
    spec = cm.load_model(lav)
    assert cm.sem.effects.expected_signs(spec) == {("SAT", "COMP"): "-", ("COMP", "LOY"): "-"}
    res2 = cm.fit_pls(spec, reversed_complaints, bootstrap=B, seed=3)
    h4 = cm.hypotheses(res2).set_index("path")
    assert h4.loc["SAT -> COMP", "supported"] and h4.loc["COMP -> LOY", "expected"] == "-"
    assert h4.loc["SAT -> LOY", "expected"] == "+"
    # errors name what is allowed
    with pytest.raises(ValueError, match="not a structural path"):
        cm.hypotheses(res, expected={"LOY ~ VAL": "-"})
    with pytest.raises(ValueError, match="'\\+', '-' or 'any'"):
        cm.hypotheses(res, expected={"LOY ~ COMP": "negative-ish"})
    bad = tmp_path / "bad.lav"
    bad.write_text(MODEL.read_text().replace("COMP ~ SAT", "COMP ~ SAT  # expect: LOY -"))
    with pytest.raises(cm.ModelSpecError, match="line .*expect"):
        cm.hypotheses(cm.fit_pls(cm.load_model(bad), DATA, bootstrap=20, seed=1))


def test_one_sided_test(pls):
    h1 = cm.hypotheses(pls, test="one-sided", alpha=0.05)
    ci90 = pls.bootstrap.ci(0.90, "percentile")
    for r in h1.itertuples(index=False):
        lo = ci90.loc[f"{r.to} ~ {r._2}", "ci.lower"]
        assert r._10 == pytest.approx(lo, abs=1e-9)
        assert r.test == "one-sided"
        assert r.pvalue == pytest.approx(stats.norm.sf(r.z), rel=1e-9)
        assert r.supported == bool(lo > 0)
    h2 = cm.hypotheses(pls)
    assert (h2["test"] == "two-sided").all()
    # one-sided rejects at least as often as two-sided at the same alpha
    assert h1["supported"].sum() >= h2["supported"].sum()
    with pytest.raises(ValueError, match="'test' parameter"):
        cm.hypotheses(pls, test="left")


def test_cbsem_beta_gets_its_own_interval():
    survey = cm.simulate_survey("telecom", n=300, seed=1)
    res = cm.fit("telecom", survey)
    h = cm.hypotheses(res).set_index("path")
    std = cm.effects(res, standardized=True)
    std = std[std.effect == "direct"].set_index(["from", "to"])
    for path, r in h.iterrows():
        s = std.loc[(r["from"], r["to"])]
        assert r["std.all"] == pytest.approx(s["est.std"], abs=1e-10)
        assert (r["std.ci.lower"], r["std.ci.upper"]) == pytest.approx(
            (s["ci.lower"], s["ci.upper"]), abs=1e-10)
        # B's Wald interval from its own SE
        assert r["ci.lower"] == pytest.approx(r["est"] - stats.norm.ppf(0.975) * r["se"], abs=1e-12)
    # beta's interval is not B's (the interval printed beside beta used to be B's)
    assert not np.allclose(h["std.ci.lower"], h["ci.lower"])


def test_tables_latex_and_word_print_the_right_numbers(pls):
    h = cm.hypotheses(pls)
    tab = T.hypotheses(pls)
    md = tab.render("md")
    tex = tab.render("tex")
    for r in h.itertuples(index=False):
        ci_b = f"[{r._10:.3f}, {r._11:.3f}]".replace("-", "−")
        assert ci_b in md
        assert f"{r.est:.3f}" in tex
    assert "two-sided test" in md and "Supported: significant in the expected direction" in md
    # H3 (EXPE -> VAL) is not supported, in Word too
    doc = tab.to_docx()
    rows = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    h3 = next(row for row in rows if row[0] == "H3")
    assert h3[-1] == "No"
    assert f"{h.iloc[2]['ci.lower']:.3f}".replace("-", "−") in " ".join(h3)


def test_bca_intervals_of_pls_hypotheses_are_the_paths_own(pls):
    h = cm.hypotheses(pls, ci_method="bca").set_index("path")
    bt = pls.bootstrap_table(method="bca")
    for path, r in h.iterrows():
        row = bt.loc[f"{r['to']} ~ {r['from']}"]
        assert (r["ci.lower"], r["ci.upper"]) == pytest.approx(
            (row["ci.lower"], row["ci.upper"]), abs=1e-9)
    assert h["ci.type"].iloc[0] == f"bootstrap bca ({B} resamples)"


def test_only_comments_starting_with_expect_are_read():
    spec = cm.ModelSpec.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nC =~ c1 + c2\n"
                                    "B ~ A    # we expected: a strong effect\n"
                                    "C ~ A + B  #expect: any\n")
    assert cm.sem.effects.expected_signs(spec) == {("A", "C"): "any", ("B", "C"): "any"}
