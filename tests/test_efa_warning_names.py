"""The EFA's 'loads most on' warning names a factor by what loads on it (issue 18, point 8).

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
    assert f"loads most on {qual7['primary_factor']}, a factor on which no other item loads most" in msg


def test_a_factor_keeps_its_latent_name_when_that_latents_items_load_on_it(result):
    tab = result.efa_loadings.set_index("item")
    msg = _efa_warning(result, "COMP1")
    f = tab.loc["COMP1", "primary_factor"]
    lv = tab.loc["COMP1", "primary_latent"]
    assert (tab.loc[tab["primary_factor"] == f, "latent"] == lv).any()
    assert f"loads most on {f}, the factor of {lv} (" in msg


def test_the_new_wording_is_translated():
    from csi_model.report.labels import translate_warning
    en = ("EFA: QUAL7 (an item of QUAL) loads most on F7, a factor on which no other item loads "
          "most (0.60 vs 0.27 on its own factor).")
    zh = translate_warning(en, "zh")
    assert zh is not None and "QUAL7" in zh and "F7" in zh and "loads" not in zh
    en2 = ("EFA: QUAL7 (an item of QUAL) loads most on F7, the factor on which QUAL6, QUAL7 "
           "load most (0.60 vs 0.27 on its own factor).")
    zh2 = translate_warning(en2, "zh")
    assert zh2 is not None and "QUAL6, QUAL7" in zh2 and "load" not in zh2
