"""Tests of csi_model.survey.codebook: the bundled telecom codebook and bad codebooks."""
from __future__ import annotations

import pandas as pd
import pytest

from csi_model.survey.codebook import Codebook, CodebookError, bundled_codebooks, load_codebook
from csi_model.exceptions import SurveyDataError
from csi_model.model.spec import ModelSpec, load_model

HEADER = "item,latent,wording_en,wording_zh,scale_min,scale_max,reverse,missing_codes\n"


def write(tmp_path, text, name="cb.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


# ------------------------------------------------------------------ bundled codebook
def test_bundled_telecom_codebook_matches_model():
    cb = load_codebook("telecom")
    spec = load_model("telecom")
    cb.check_spec(spec)                     # raises if anything disagrees
    assert set(cb.item_codes) == set(spec.observed)
    for lv, inds in spec.indicators.items():
        for item in inds:
            assert cb.latent(item) == lv


def test_bundled_telecom_codebook_content():
    cb = load_codebook("telecom")
    assert "telecom" in bundled_codebooks()
    assert len(cb) == 24
    assert cb.source == "telecom_codebook.csv"
    for item in cb:
        assert cb.scale(item) == (1.0, 10.0)
        assert cb.missing_codes(item) == (99.0,)
        assert cb.label(item, "en") and cb.label(item, "en") != item
        assert cb.label(item, "zh") and cb.label(item, "zh") != item
        assert any("\u4e00" <= ch <= "\u9fff" for ch in cb.label(item, "zh"))
    assert cb.reverse_items == ()
    assert "indoor" in cb.label("QUAL1").lower()
    assert "recommend" in cb.label("LOY3").lower()
    assert "complain" in cb.label("COMP1").lower()


def test_bundled_codebook_file_is_utf8_with_expected_columns():
    from importlib import resources
    text = (resources.files("csi_model.models") / "telecom_codebook.csv").read_text("utf-8")
    assert text.splitlines()[0] == HEADER.strip()


def test_codebook_displays():
    cb = load_codebook("telecom")
    assert "24 items" in repr(cb)
    html = cb._repr_html_()
    assert "<table" in html and "IMAG1" in html and "运营商" in html
    assert list(cb.to_frame().columns) == HEADER.strip().split(",")


def test_load_codebook_passes_codebook_through():
    cb = load_codebook("telecom")
    assert load_codebook(cb) is cb


def test_label_unknown_language_and_item():
    cb = load_codebook("telecom")
    with pytest.raises(ValueError, match=r"'lang'.*\['en', 'zh'\].*'fr'"):
        cb.label("SAT1", lang="fr")
    with pytest.raises(CodebookError, match=r"'SAT9' is not an item.*Did you mean .*'SAT1'"):
        cb.scale("SAT9")


# ------------------------------------------------------------------ files
def test_csv_and_xlsx_codebooks(tmp_path):
    text = HEADER + "Q1,SAT,How satisfied?,满意吗？,1,5,false,9\nQ2,SAT,Unhappy?,不满意？,1,5,true,8;9\n"
    cb = load_codebook(write(tmp_path, text))
    assert cb.reverse_items == ("Q2",)
    assert cb.missing_codes("Q2") == (8.0, 9.0)
    assert cb.label("Q1", "zh") == "满意吗？"
    xlsx = tmp_path / "cb.xlsx"
    cb.to_frame().to_excel(xlsx, index=False)
    cb2 = load_codebook(xlsx)
    pd.testing.assert_frame_equal(cb.items, cb2.items)


def test_gbk_codebook(tmp_path):
    text = HEADER + "Q1,SAT,How satisfied?,您满意吗？,1,5,false,9\n"
    path = write(tmp_path, text, encoding="gbk")
    assert load_codebook(path).label("Q1", "zh") == "您满意吗？"


def test_optional_columns_may_be_omitted(tmp_path):
    cb = load_codebook(write(tmp_path, "item,latent,scale_min,scale_max\nQ1,SAT,1,10\n"))
    assert cb.reverse_items == () and cb.missing_codes("Q1") == () and cb.label("Q1") == "Q1"


def test_unknown_codebook_name_and_missing_file(tmp_path):
    with pytest.raises(CodebookError, match=r"Unknown codebook 'telcom'.*telecom"):
        load_codebook("telcom")
    with pytest.raises(CodebookError, match=r"not found.*nope\.csv"):
        load_codebook(tmp_path / "nope.csv")
    path = write(tmp_path, "x", name="cb.json")
    with pytest.raises(CodebookError, match=r"unknown file extension '\.json'.*\.csv"):
        load_codebook(path)


# ------------------------------------------------------------------ bad codebooks
def test_missing_required_column(tmp_path):
    path = write(tmp_path, "item,latnt,scale_min,scale_max\nQ1,SAT,1,10\n")
    with pytest.raises(CodebookError, match=r"cb\.csv.*required column\(s\) 'latent'.*"
                                            r"Rename 'latnt' -> 'latent'"):
        load_codebook(path)


def test_scale_min_not_below_scale_max(tmp_path):
    path = write(tmp_path, HEADER + "Q1,SAT,,,1,10,false,99\nQ2,SAT,,,10,1,false,99\n")
    with pytest.raises(CodebookError, match=r"cb\.csv, row 3: item 'Q2' has scale_min = 10 "
                                            r">= scale_max = 1"):
        load_codebook(path)


def test_non_numeric_scale(tmp_path):
    path = write(tmp_path, HEADER + "Q1,SAT,,,one,10,false,99\n")
    with pytest.raises(CodebookError, match=r"row 2, column 'scale_min' \(item 'Q1'\): "
                                            r"cannot read 'one' as a number"):
        load_codebook(path)


def test_unknown_reverse_flag(tmp_path):
    path = write(tmp_path, HEADER + "Q1,SAT,,,1,10,false,99\nQ2,SAT,,,1,10,maybe,99\n")
    with pytest.raises(CodebookError, match=r"row 3, column 'reverse' \(item 'Q2'\): cannot "
                                            r"read 'maybe'.*true or false"):
        load_codebook(path)


def test_duplicate_item(tmp_path):
    path = write(tmp_path, HEADER + "Q1,SAT,,,1,10,,\nQ2,SAT,,,1,10,,\nQ1,LOY,,,1,10,,\n")
    with pytest.raises(CodebookError, match=r"cb\.csv, row 4, column 'item': the item code 'Q1' "
                                            r"is a duplicate of row 2"):
        load_codebook(path)


def test_bad_missing_code(tmp_path):
    path = write(tmp_path, HEADER + "Q1,SAT,,,1,10,false,99/98\n")
    with pytest.raises(CodebookError, match=r"row 2, column 'missing_codes'.*'99/98'.*semicolons"):
        load_codebook(path)


def test_empty_item_code(tmp_path):
    path = write(tmp_path, HEADER + "Q1,SAT,,,1,10,,\n,SAT,,,1,10,,\n")
    with pytest.raises(CodebookError, match=r"row 3, column 'item': the item code is empty"):
        load_codebook(path)


def test_codebook_error_is_a_survey_data_error():
    assert issubclass(CodebookError, SurveyDataError)
    assert issubclass(CodebookError, ValueError)


# ------------------------------------------------------------------ check_spec
def test_check_spec_lists_missing_indicators():
    cb = load_codebook("telecom")
    spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + SATT3 + CUSA1\nLOY =~ LOY1 + LOY2")
    with pytest.raises(CodebookError, match=r"no row for 2 indicator\(s\).*SATT3, CUSA1.*"
                                            r"'SATT3' \(codebook has 'SAT3'\)"):
        cb.check_spec(spec)


def test_check_spec_latent_disagreement_names_both():
    cb = load_codebook("telecom")
    spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + VAL1\nLOY =~ LOY1 + LOY2")
    with pytest.raises(CodebookError, match=r"telecom_codebook\.csv, row 17: the codebook says "
                                            r"item 'VAL1' measures 'VAL', but .* indicator of "
                                            r"'SAT'"):
        cb.check_spec(spec)


def test_check_spec_allows_extra_codebook_items():
    cb = load_codebook("telecom")
    cb.check_spec(ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + SAT3\nLOY =~ LOY1 + LOY2 + LOY3\n"
                                        "LOY ~ SAT"))


def test_from_frame_does_not_modify_input():
    df = pd.DataFrame({"Item": ["Q1"], "latent": ["SAT"], "scale_min": [1], "scale_max": [5]})
    before = df.copy()
    cb = Codebook.from_frame(df)
    pd.testing.assert_frame_equal(df, before)
    assert cb.scale("Q1") == (1.0, 5.0)
