"""The EFA's 'loads most on' warning names a factor by what loads on it (issue 18, point 8):
"F3, the factor of SAT" when items of SAT load most on F3, else "an unmatched factor (F7)".

The factor matching (Hungarian assignment of latents to factors) can give COMP's single item
a factor on which COMP1 itself barely loads; an item of another latent loading most there was
then said to load on "the factor of COMP". Telecom model, simulated survey n=300, seed 5:
COMP1 loads -0.01 on F7 (its matched factor) and QUAL7 loads most on F7.
"""
import warnings

import pytest

import csi_model as cm


@pytest.fixture(scope="module")
def result():
    spec = cm.load_model("telecom")
    survey = cm.read_survey(cm.simulate_survey(spec, n=300, seed=5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cm.measurement(spec, survey, n_iter_parallel=5)


def _efa_warning(result, item):
    hits = [w for w in result.warnings if w.startswith(f"EFA: {item} ")]
    assert len(hits) == 1, result.warnings
    return hits[0]


def test_a_factor_is_not_named_after_a_latent_whose_items_do_not_load_on_it(result):
    tab = result.efa_loadings
    qual7 = tab.set_index("item").loc["QUAL7"]
    comp1 = tab.set_index("item").loc["COMP1"]
    # the situation of the issue: QUAL7's primary factor is the one matched to COMP ...
    assert qual7["primary_latent"] == "COMP"
    # ... but COMP1 does not load most there
    assert comp1["primary_factor"] != qual7["primary_factor"]
    msg = _efa_warning(result, "QUAL7")
    assert "the factor of COMP" not in msg
    loading_there = tab.loc[tab["primary_factor"] == qual7["primary_factor"], "item"].tolist()
    assert loading_there == ["QUAL7"]
    f = qual7["primary_factor"]
    assert msg == (f"EFA: QUAL7 (an item of QUAL) loads most on an unmatched factor ({f}): "
                   f"{qual7['primary_loading']:.2f} vs {qual7['loading']:.2f} on its own factor.")


def test_a_factor_keeps_its_latent_name_when_that_latents_items_load_on_it(result):
    tab = result.efa_loadings.set_index("item")
    msg = _efa_warning(result, "COMP1")
    f = tab.loc["COMP1", "primary_factor"]
    lv = tab.loc["COMP1", "primary_latent"]
    assert (tab.loc[tab["primary_factor"] == f, "latent"] == lv).any()
    assert f"loads most on {f}, the factor of {lv} (" in msg


def test_the_new_wording_is_translated():
    from csi_model.report.labels import translate_warning
    cases = {
        "EFA: QUAL7 (an item of QUAL) loads most on an unmatched factor (F7): 0.60 vs 0.27 on "
        "its own factor.": "EFA：QUAL 的题项 QUAL7 在未匹配的因子（F7）上载荷最高（0.60，在本因子上为 0.27）。",
        "EFA: QUAL7 (an item of QUAL) loads most on an unmatched factor (F7): 0.60; no factor "
        "is matched to QUAL.": "EFA：QUAL 的题项 QUAL7 在未匹配的因子（F7）上载荷最高（0.60；没有因子与 QUAL 匹配）。",
        "EFA: COMP1 (an item of COMP) loads most on F3, the factor of SAT (0.32 vs 0.21 on its "
        "own factor).": "EFA：COMP 的题项 COMP1 在因子 F3（对应 SAT）上的载荷最高（0.32，在本因子上为 0.21）。",
        "EFA: COMP1 (an item of COMP) loads most on F3, the factor of SAT (0.32; no factor is "
        "matched to COMP).": "EFA：COMP 的题项 COMP1 在因子 F3（对应 SAT）上的载荷最高（0.32；没有因子与 COMP 匹配）。",
    }
    for en, zh in cases.items():
        assert translate_warning(en, "zh") == zh, en


def test_more_factors_than_latents_leave_a_factor_unmatched():
    # with 8 factors for 7 latents one factor is matched to no latent; an item loading most
    # there is said to load on "an unmatched factor (Fk)", never on a latent's factor
    spec = cm.load_model("telecom")
    survey = cm.read_survey(cm.simulate_survey(spec, n=300, seed=5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.measurement(spec, survey, n_iter_parallel=5, n_factors=8)
    tab = res.efa_loadings
    assert len(set(res.factor_map.values())) == 7            # F1-F8: one factor unmatched
    unmatched_items = tab[tab["primary_latent"].isna()]
    assert len(unmatched_items) >= 1                       # here EXPE3 on F7 (0.46 vs 0.29)
    for r in unmatched_items.itertuples(index=False):
        msg = _efa_warning(res, r.item)
        assert f"loads most on an unmatched factor ({r.primary_factor}): " in msg, msg
        assert "the factor of" not in msg
    for w in res.warnings:
        if " loads most on " in w and "the factor of " in w:
            item = w.split()[1]
            row = tab.set_index("item").loc[item]
            lv = w.split("the factor of ")[1].split()[0]
            # named after a latent only when that latent's items load most on the factor
            assert (tab.loc[tab["primary_factor"] == row["primary_factor"], "latent"] == lv).any()
