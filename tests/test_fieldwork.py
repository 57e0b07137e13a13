"""Questionnaire bookkeeping (csi_model/survey/fieldwork.py) and the cmcc/ccsi models."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.cli import main
from csi_model.survey.fieldwork import REASONS

ITEMS = [f"Q{i}" for i in range(1, 11)]


def _frame():
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.integers(1, 6, size=(12, 10)), columns=ITEMS)
    df.insert(0, "id", np.arange(1, 13))
    df.insert(1, "duration", 600.0)
    df.loc[1, ITEMS[:3]] = 6                # 3 of 10 "cannot answer": > 20 %
    df.loc[2, ITEMS] = 3                    # straight-lining
    df.loc[3, "Q4"] = 8                     # out of range
    df.loc[4, ITEMS] = df.loc[0, ITEMS]     # duplicate of row 0
    df.loc[5, "duration"] = 100.0           # speeder (< 600 / 3)
    df.loc[6, ITEMS] = np.nan               # blank
    df.loc[7, ITEMS[:2]] = 6                # 2 of 10: allowed
    return df


def _screen(df, **rules):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cm.read_survey(df, items=ITEMS, missing_codes=[6], scale=(1, 5),
                              screening=cm.FieldworkRules(**rules))


def test_every_rule_and_the_counts():
    s = _screen(_frame(), distributed=15)
    fw = s.report.fieldwork
    assert (fw.distributed, fw.returned, fw.valid, fw.invalid) == (15, 12, 6, 6)
    assert fw.counts.to_dict() == {"blank": 1, "out_of_range": 1, "unanswered": 1,
                                   "straightlining": 1, "duplicate": 1, "speeder": 1}
    assert dict(zip(fw.rows.row, fw.rows.reason)) == {6: "blank", 3: "out_of_range",
                                                     1: "unanswered", 2: "straightlining",
                                                     4: "duplicate", 5: "speeder"}
    assert s.n == 6 and 7 in s.data.index and s.report.n == 6
    assert fw.rows.set_index("row").loc[1, "unanswered"] == 3
    assert fw.duration_column == "duration" and fw.speeder_threshold == pytest.approx(200)
    assert len(s.report.rows_dropped) == 6
    assert "Fieldwork: 15 questionnaires distributed, 12 returned (80.0%), 6 valid" in \
        s.report.summary()
    json.dumps(s.report.to_dict())


def test_rules_are_configurable():
    df = _frame()
    fw = _screen(df, max_unanswered=0.5, straightlining=False, duplicates=False,
                 max_out_of_range=1, min_duration=50).report.fieldwork
    assert fw.valid == 11 and fw.counts.sum() == 1            # only the blank one
    fw = _screen(df, id_column="id").report.fieldwork
    assert fw.counts["duplicate"] == 0                          # the ids are all different
    df2 = df.drop(columns="duration")
    fw = _screen(df2).report.fieldwork
    assert fw.duration_column is None and fw.counts["speeder"] == 0
    with pytest.raises(ValueError, match="'duration_column'"):
        _screen(df, duration_column="time")
    with pytest.raises(ValueError, match="'max_unanswered' parameter"):
        cm.FieldworkRules(max_unanswered=-1)


def test_the_fieldwork_table_in_both_languages():
    fw = _screen(_frame(), distributed=15).report.fieldwork
    en, zh = fw.table("en"), fw.table("zh")
    assert en.loc["returned", "% of distributed"] == pytest.approx(80.0)
    assert en.loc["valid", "% of returned"] == pytest.approx(50.0)
    assert zh.loc["有效问卷", "份数"] == 6
    assert "  其中：" + REASONS["speeder"][1] in zh.index
    assert np.isnan(en.loc["distributed", "% of returned"])


def test_file_rows_and_the_plain_reader_is_unchanged(tmp_path):
    path = tmp_path / "s.csv"
    _frame().to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = cm.screen_questionnaires(path, items=ITEMS, missing_codes=[6], scale=(1, 5))
        plain = cm.read_survey(path, items=ITEMS, missing_codes=[6], scale=(1, 5))
    fw = s.report.fieldwork
    assert set(fw.rows.row) == {3, 4, 5, 6, 7, 8}               # header = row 1
    assert plain.n == 11 and not hasattr(plain.report, "fieldwork")


def test_the_simulated_china_mobile_fieldwork():
    df = cm.simulate_cmcc_fieldwork()
    s = cm.read_survey(df, "cmcc", screening=cm.FieldworkRules(distributed=320))
    fw = s.report.fieldwork
    assert (fw.distributed, fw.returned, fw.valid) == (320, 290, 286)
    assert fw.counts[fw.counts > 0].to_dict() == {"unanswered": 1, "straightlining": 1,
                                                 "duplicate": 1, "speeder": 1}
    assert fw.table("en").loc["returned", "% of distributed"] == pytest.approx(90.625)


# ------------------------------------------------------------------ the models
@pytest.mark.parametrize("name, scale, code", [("cmcc", (1.0, 5.0), (6.0,)),
                                               ("ccsi", (1.0, 10.0), (99.0,))])
def test_bundled_study_models_and_codebooks(name, scale, code):
    spec = cm.load_model(name)
    cb = cm.load_codebook(name)
    cb.check_spec(spec)
    assert all(cb.scale(it) == scale and cb.missing_codes(it) == code for it in spec.observed)
    assert all(cb.label(it, "zh") != cb.label(it, "en") for it in spec.observed)


def test_cmcc_structure_is_the_studys():
    spec = cm.load_model("cmcc")
    assert set(spec.structural_paths) == {(d, "SAT") for d in
                                          ("IMAG", "NETQ", "BILL", "HALL", "NSRV", "COMP")} | \
        {("SAT", "LOY")}
    cb = cm.load_codebook("cmcc")
    assert [cb.label(i, "zh") for i in spec.indicators["BILL"]] == \
        ["欠费停机提早通知", "话费的明细度", "收费情况", "缴费方式方便性"]
    assert cm.load_model("ccsi").latents == ("BRAND", "EXPE", "QUAL", "VAL", "SAT", "LOY")


def test_models_listing_shows_sources(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "source" in out.splitlines()[0]
    assert "China Mobile (Chongqing branch)" in out and "Tsinghua" in out
