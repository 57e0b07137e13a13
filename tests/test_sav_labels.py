"""SPSS variable and value labels become codebook wording and scale (issue 18, point 7)."""
from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pyreadstat
import pytest

import csi_model as cm
from csi_model.exceptions import SurveyDataError
from csi_model.report import tables as T
from csi_model.survey.read import codebook_from_sav


@pytest.fixture(scope="module")
def sav(tmp_path_factory):
    """The demo survey as SPSS users write it: Chinese variable labels for QUAL, English
    for the rest, 1-10 value labels with 99 "don't know" declared user-missing."""
    spec = cm.load_model("telecom")
    cb = cm.load_codebook("telecom")
    path = resources.files("csi_model.data").joinpath("telecom_demo.csv")
    df = pd.read_csv(str(path)).head(200)
    items = list(spec.observed)
    df[items] = df[items].astype(float)
    labels = {i: cb.label(i, "zh" if i.startswith("QUAL") else "en") for i in items}
    values = {i: {1: "Not at all", 10: "Completely", 99: "Don't know"} for i in items}
    values["SAT1"] = {1: "非常不满意", 5: "一般", 10: "非常满意", 99: "不知道"}
    p = tmp_path_factory.mktemp("sav") / "survey.sav"
    pyreadstat.write_sav(df, str(p), column_labels=labels, variable_value_labels=values,
                         missing_ranges={i: [99] for i in items})
    return p, spec, cb, df


def test_labels_become_wording_scale_and_missing_codes(sav):
    path, spec, cb, _ = sav
    got = codebook_from_sav(path, spec=spec)
    assert set(got.item_codes) == set(spec.observed)
    assert got.label("QUAL1", "zh") == cb.label("QUAL1", "zh")       # Chinese label
    assert got.items.at["QUAL1", "wording_en"] == ""
    assert got.label("SAT2", "en") == cb.label("SAT2", "en")
    assert got.scale("SAT1") == (1.0, 10.0) and got.missing_codes("SAT1") == (99.0,)
    assert got.latent("QUAL3") == "QUAL" and got.latent("LOY1") == "LOY"
    got.check_spec(spec)                       # a codebook the model accepts


def test_the_sav_codebook_reads_and_reports_the_survey(sav):
    path, spec, _, df = sav
    cbk = codebook_from_sav(path, spec=spec)
    s = cm.read_survey(path, codebook=cbk)
    assert np.isnan(s.data.loc[(df["SAT1"] == 99).to_numpy(), "SAT1"]).all()
    t = T.item_descriptives(s, spec, lang="zh")
    wording = dict(zip(t.data["item"], t.data["wording"]))
    assert wording["QUAL1"].startswith("您如何评价")


def test_an_item_without_value_labels_needs_a_scale(tmp_path):
    p = tmp_path / "bare.sav"
    pyreadstat.write_sav(pd.DataFrame({"Q1": [1.0, 5.0, 3.0]}), str(p),
                         column_labels={"Q1": "How satisfied are you?"})
    with pytest.raises(SurveyDataError, match="no value labels.*pass scale=\\(min, max\\)"):
        codebook_from_sav(p, items=["Q1"])
    cb = codebook_from_sav(p, items=["Q1"], scale=(1, 5))
    assert cb.scale("Q1") == (1.0, 5.0) and cb.label("Q1") == "How satisfied are you?"
    with pytest.raises(SurveyDataError, match="no variable 'Q9'"):
        codebook_from_sav(p, items=["Q9"])
