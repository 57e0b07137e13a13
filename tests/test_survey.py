"""Tests of csi_model.survey.read: reading, validation, the data report, and input immutability.

Every bad input is checked for a message that says what is wrong and where (file, row,
column). Fixtures are written into tmp_path.
"""
from __future__ import annotations

import hashlib
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from csi_model.survey.codebook import Codebook, load_codebook
from csi_model.exceptions import DataQualityWarning, SurveyDataError
from csi_model.survey.read import DataReport, Survey, read_survey


def write(tmp_path, text, name="survey.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_codebook(reverse=("Q3",)):
    return Codebook.from_frame(pd.DataFrame({
        "item": ["Q1", "Q2", "Q3"], "latent": ["SAT", "SAT", "SAT"],
        "scale_min": [1, 1, 1], "scale_max": [5, 5, 5],
        "reverse": [q in reverse for q in ("Q1", "Q2", "Q3")],
        "missing_codes": ["9", "9", "8;9"]}), source="small.csv")


@pytest.fixture
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        yield


# ------------------------------------------------------------------ basic reading
def test_csv_basic_types_and_metadata(tmp_path):
    path = write(tmp_path, "operator,wave,Q1,Q2\nChina Mobile,2024a,1,2\nChina Unicom,2024b,3,4\n"
                           "China Telecom,2024a,5,\n")
    s = read_survey(path)
    assert isinstance(s, Survey) and isinstance(s.report, DataReport)
    assert s.items == ("Q1", "Q2")
    assert s.metadata == ("operator", "wave")
    assert s.n == 3 and s.source == str(path)
    assert s.data["Q1"].dtype == np.float64 and s.data["Q2"].dtype == np.float64
    assert s.data["operator"].tolist() == ["China Mobile", "China Unicom", "China Telecom"]
    assert s.report.missing.to_dict() == {"Q1": 0, "Q2": 1}
    assert "3 rows read, 3 kept, 2 items" in s.report.summary()
    assert "Survey(source=" in repr(s) and "<table" in s._repr_html_()


def test_semicolon_delimiter_and_tsv(tmp_path):
    s = read_survey(write(tmp_path, "Q1;Q2;city\n1;2;Xi'an\n3;4;Wuhan\n"))
    assert s.items == ("Q1", "Q2") and s.data["Q2"].tolist() == [2.0, 4.0]
    t = read_survey(write(tmp_path, "Q1\tQ2\n1\t2\n3\t4\n", name="survey.tsv"))
    assert t.data.shape == (2, 2)


def test_na_tokens_are_missing(tmp_path, quiet):
    path = write(tmp_path, "Q1,Q2\n1,NA\n2,N/A\n3,.\n4,-\n5,\n6, na \n7,8\n")
    s = read_survey(path)
    assert s.data["Q2"].isna().sum() == 6
    assert s.data["Q2"].iloc[-1] == 8.0


# ------------------------------------------------------------------ non-numeric answers
def test_non_numeric_answer_csv_names_file_row_column_value(tmp_path):
    path = write(tmp_path, "id_city,Q1,Q2,Q3\nBeijing,1,2,3\nShanghai,4,don't know,5\n"
                           "Xi'an,2,3,4\n")
    with pytest.raises(SurveyDataError) as err:
        read_survey(path, items=["Q1", "Q2", "Q3"])
    msg = str(err.value)
    assert str(path) in msg
    assert "row 3, column 'Q2': \"don't know\"" in msg
    assert "header as row 1" in msg
    assert "missing_codes=" in msg and "Recode" in msg


def test_non_numeric_answer_inferred_item_column_csv(tmp_path):
    # mostly numeric with a few bad cells: an item with bad answers, not metadata
    rows = "\n".join(f"{i % 5 + 1},{i % 4 + 1}" for i in range(20))
    path = write(tmp_path, "Q1,Q2\n" + rows + "\n3,seven\n")
    with pytest.raises(SurveyDataError, match=r"survey\.csv.*row 22, column 'Q2': 'seven'"):
        read_survey(path)


def test_many_non_numeric_answers_listed_with_count(tmp_path):
    body = "\n".join(f"{v},1" for v in ["1", "x", "2", "y", "z", "w", "v", "u", "3"])
    path = write(tmp_path, "Q1,Q2\n" + body + "\n")
    with pytest.raises(SurveyDataError) as err:
        read_survey(path, items=["Q1", "Q2"])
    msg = str(err.value)
    assert "6 answer(s) in item columns are not numbers" in msg
    assert "row 3, column 'Q1': 'x'" in msg and "and 1 more" in msg
    assert "'u'" not in msg                               # only the first five are named


def test_non_numeric_answer_excel_names_sheet_row_cell(tmp_path):
    path = tmp_path / "wave3.xlsx"
    pd.DataFrame({"city": ["Beijing", "Wuhan", "Chengdu"], "Q1": [1, 2, 3],
                  "Q2": [4, "n.a.", 5]}).to_excel(path, index=False, sheet_name="Mobile")
    with pytest.raises(SurveyDataError) as err:
        read_survey(path, items=["Q1", "Q2"])
    msg = str(err.value)
    assert "wave3.xlsx, sheet 'Mobile'" in msg
    assert "row 3 (cell C3), column 'Q2': 'n.a.'" in msg


def test_non_numeric_answer_dataframe_names_index_label():
    df = pd.DataFrame({"Q1": [1, 2, 3], "Q2": ["4", "5", "refused"]}, index=["r1", "r2", "r3"])
    with pytest.raises(SurveyDataError) as err:
        read_survey(df, items=["Q1", "Q2"])
    msg = str(err.value)
    assert "<DataFrame>" in msg and "row 'r3', column 'Q2': 'refused'" in msg
    assert "index labels" in msg


def test_string_missing_code_declared(tmp_path, quiet):
    path = write(tmp_path, "Q1,Q2\n1,2\n3,don't know\n4, don't know \n")
    s = read_survey(path, missing_codes=["don't know", 99])
    assert s.data["Q2"].isna().sum() == 2
    found = s.report.missing_codes_found
    assert found.to_dict("records") == [{"item": "Q2", "code": "don't know", "count": 2}]


# ------------------------------------------------------------------ columns
def test_missing_item_column_suggests_close_match(tmp_path):
    path = write(tmp_path, "QUAL1,QUAL_2,SAT1\n1,2,3\n")
    with pytest.raises(SurveyDataError) as err:
        read_survey(path, items=["QUAL1", "QUAL2", "LOY9"])
    msg = str(err.value)
    assert "survey.csv" in msg and "2 column(s)" in msg
    assert "'QUAL2' (did you mean 'QUAL_2'" in msg and "'LOY9'" in msg


def test_codebook_items_absent_from_data():
    df = pd.DataFrame({"Q1": [1, 2], "Q2": [2, 3]})
    with pytest.raises(SurveyDataError, match=r"'Q3'.*items=\[\.\.\.\]"):
        read_survey(df, small_codebook())
    s = read_survey(df, small_codebook(), items=["Q1", "Q2"])
    assert s.items == ("Q1", "Q2")


def test_text_columns_are_metadata_and_unchanged(tmp_path):
    path = write(tmp_path, "operator,city,Q1\nCMCC, Beijing ,1\nCUCC,Wuhan,2\n")
    s = read_survey(path)
    assert s.items == ("Q1",)
    assert s.data["city"].tolist() == [" Beijing ", "Wuhan"]


def test_unknown_extension(tmp_path):
    path = write(tmp_path, "Q1\n1\n", name="survey.json")
    with pytest.raises(SurveyDataError, match=r"survey\.json.*unknown file extension '\.json'"
                                              r".*\.csv.*\.xlsx.*\.sav"):
        read_survey(path)


def test_file_not_found(tmp_path):
    with pytest.raises(SurveyDataError, match=r"not found.*nope\.csv"):
        read_survey(tmp_path / "nope.csv")


def test_bad_arguments():
    df = pd.DataFrame({"Q1": [1, 2]})
    with pytest.raises(ValueError, match=r"'scale'.*min < max\. Got \(10, 1\)"):
        read_survey(df, scale=(10, 1))
    with pytest.raises(TypeError, match=r"'source'.*DataFrame.*Got list"):
        read_survey([1, 2])


# ------------------------------------------------------------------ codes and ranges
def test_out_of_range_zero_becomes_missing_with_warning(tmp_path):
    path = write(tmp_path, "Q1,Q2\n0,5\n3,0\n10,11\n0,7\n")
    with pytest.warns(DataQualityWarning, match=r"survey\.csv.*'Q1' \(scale 1-10\): 0 x2.*"
                                                r"'Q2' \(scale 1-10\): 0 x1, 11 x1"):
        s = read_survey(path, scale=(1, 10), out_of_range="missing")
    assert s.data["Q1"].tolist()[:2] == [3.0, 10.0] or np.isnan(s.data["Q1"].iloc[0])
    assert s.data["Q1"].isna().sum() == 2 and s.data["Q2"].isna().sum() == 2
    oor = s.report.out_of_range
    assert oor.to_dict("records") == [{"item": "Q1", "value": 0.0, "count": 2},
                                      {"item": "Q2", "value": 0.0, "count": 1},
                                      {"item": "Q2", "value": 11.0, "count": 1}]
    assert any("outside the item scale" in w for w in s.report.warnings)


def test_missing_code_99(tmp_path):
    path = write(tmp_path, "Q1,Q2\n99,5\n3,99\n99,7\n4,8\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)    # declared codes: no warning
        s = read_survey(path, missing_codes=[99], scale=(1, 10))
    assert s.data["Q1"].isna().sum() == 2
    assert s.report.missing_codes_found.to_dict("records") == [
        {"item": "Q1", "code": 99.0, "count": 2}, {"item": "Q2", "code": 99.0, "count": 1}]
    assert "Q1 = 99 (2)" in s.report.summary()


def test_codebook_missing_codes_and_scale(quiet):
    df = pd.DataFrame({"Q1": [1, 9, 6], "Q2": [2, 3, 4], "Q3": [8, 1, 5]})
    s = read_survey(df, small_codebook(reverse=()), out_of_range="missing")
    assert np.isnan(s.data.loc[1, "Q1"]) and np.isnan(s.data.loc[0, "Q3"])
    assert np.isnan(s.data.loc[2, "Q1"])                   # 6 is outside 1-5
    assert s.report.out_of_range.to_dict("records") == [{"item": "Q1", "value": 6.0, "count": 1}]


def test_reverse_coding():
    df = pd.DataFrame({"Q1": [1, 2, 5], "Q2": [2, 3, 4], "Q3": [1, 4, 5]})
    s = read_survey(df, small_codebook(reverse=("Q3",)))
    assert s.data["Q3"].tolist() == [5.0, 2.0, 1.0]        # 1 + 5 - x
    assert s.data["Q1"].tolist() == [1.0, 2.0, 5.0]
    assert s.report.reversed_items == ("Q3",)
    assert "Reverse-coded items flipped" in s.report.summary()
    assert df["Q3"].tolist() == [1, 4, 5]


def test_whitespace_padded_numbers_csv(tmp_path):
    path = write(tmp_path, 'city,Q1,Q2,Q3\nBeijing, 7 ,8\t,3\nWuhan,5,6,"4 "\nXi\'an,1,2,3\n')
    s = read_survey(path)
    assert s.data["Q1"].tolist() == [7.0, 5.0, 1.0]
    assert s.data["Q2"].tolist() == [8.0, 6.0, 2.0]
    assert s.report.whitespace_parsed.to_dict() == {"Q1": 1, "Q2": 1, "Q3": 1}
    assert "Whitespace-padded numbers read as numbers: Q1 1, Q2 1, Q3 1" in s.report.summary()


def test_whitespace_padded_numbers_text_column(tmp_path):
    # a text column (because of a declared code) with padded numbers: the slow path
    path = write(tmp_path, "Q1,Q2\n 7 ,x\n8\t,2\n 9,3\n")
    s = read_survey(path, missing_codes=["x"])
    assert s.data["Q1"].tolist() == [7.0, 8.0, 9.0]
    assert s.report.whitespace_parsed.to_dict() == {"Q1": 3}


def test_full_width_digits_are_numbers():
    s = read_survey(pd.DataFrame({"Q1": ["７", "8", "\u30009"]}))
    assert s.data["Q1"].tolist() == [7.0, 8.0, 9.0]


def test_constant_item_warns(tmp_path):
    path = write(tmp_path, "Q1,Q2,Q3\n1,5,\n2,5,\n3,5,\n")
    with pytest.warns(DataQualityWarning, match=r"survey\.csv: 1 constant item\(s\): 'Q2' is "
                                                r"always 5"):
        s = read_survey(path, items=["Q1", "Q2"])
    assert s.report.constant_items == ("Q2",)
    with pytest.warns(DataQualityWarning, match=r"'Q3' has no answers"):
        s = read_survey(path, items=["Q1", "Q3"])
    assert "Q3" in s.report.constant_items


def test_all_missing_rows_dropped_with_row_numbers(tmp_path):
    path = write(tmp_path, "city,Q1,Q2\nBeijing,1,2\nWuhan,,\n\nXi'an,99,NA\nChengdu,4,5\n")
    s = read_survey(path, missing_codes=[99])
    assert s.report.n_rows_read == 5 and s.n == 2
    assert s.report.rows_dropped.to_dict("records") == [
        {"row": 3, "reason": "all 2 items missing"}, {"row": 4, "reason": "all 2 items missing"},
        {"row": 5, "reason": "all 2 items missing"}]
    assert s.data["city"].tolist() == ["Beijing", "Chengdu"]
    assert list(s.rows()) == [2, 6]


def test_complete_cases_reports_rows_and_columns():
    df = pd.DataFrame({"g": ["a", "b", "c", "d"], "Q1": [1, None, 3, None],
                       "Q2": [1, 2, None, None], "Q3": [1, 2, 3, 4]}, index=[10, 11, 12, 13])
    s = read_survey(df)
    complete, dropped = s.complete_cases(["Q1", "Q2", "Q3"])
    assert list(complete.index) == [10] and list(complete.columns) == ["g", "Q1", "Q2", "Q3"]
    assert dropped.to_dict("records") == [{"row": 11, "reason": "missing Q1"},
                                          {"row": 12, "reason": "missing Q2"},
                                          {"row": 13, "reason": "missing Q1, Q2"}]
    complete, dropped = s.complete_cases(["Q3"])
    assert len(complete) == 4 and len(dropped) == 0
    with pytest.raises(SurveyDataError, match=r"'Q4' \(did you mean .*'Q1'"):
        s.complete_cases(["Q4"])


def test_complete_cases_file_rows(tmp_path):
    s = read_survey(write(tmp_path, "Q1,Q2\n1,2\n,3\n4,5\n"))
    complete, dropped = s.complete_cases()
    assert dropped.to_dict("records") == [{"row": 3, "reason": "missing Q1"}]


# ------------------------------------------------------------------ encodings and formats
def test_gbk_encoded_chinese_csv(tmp_path):
    text = "城市,运营商,SAT1,SAT2\n北京,中国移动,8,9\n武汉,中国联通,7,6\n"
    path = write(tmp_path, text, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    s = read_survey(path)
    assert s.items == ("SAT1", "SAT2")
    assert s.data["城市"].tolist() == ["北京", "武汉"]
    assert s.data["运营商"].tolist() == ["中国移动", "中国联通"]


def test_utf8_bom_csv(tmp_path):
    path = write(tmp_path, "城市,SAT1\n北京,8\n上海,7\n", encoding="utf-8-sig")
    s = read_survey(path)
    assert list(s.data.columns) == ["城市", "SAT1"]


def test_xlsx_round_trip(tmp_path, quiet):
    df = pd.DataFrame({"operator": ["CMCC", "CUCC", "CTCC"], "wave": [1, 1, 2],
                       "Q1": [1, 2, 99], "Q2": [" 3 ", 4, 5]})
    path = tmp_path / "survey.xlsx"
    df.to_excel(path, index=False)
    s = read_survey(path, items=["Q1", "Q2"], missing_codes=[99])
    assert s.data["Q1"].tolist()[:2] == [1.0, 2.0] and np.isnan(s.data["Q1"].iloc[2])
    assert s.data["Q2"].tolist() == [3.0, 4.0, 5.0]
    assert s.data["wave"].tolist() == [1, 1, 2] and s.data["wave"].dtype == np.int64
    assert s.report.whitespace_parsed.to_dict() == {"Q2": 1}
    assert s.data["operator"].tolist() == ["CMCC", "CUCC", "CTCC"]


def test_xlsx_sheet_by_name_and_bad_sheet(tmp_path):
    path = tmp_path / "survey.xlsx"
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"Q1": [1]}).to_excel(xw, sheet_name="first", index=False)
        pd.DataFrame({"Q1": [5, 6]}).to_excel(xw, sheet_name="Mobile", index=False)
    assert read_survey(path, sheet="Mobile").n == 2
    with pytest.raises(SurveyDataError, match=r"no sheet named 'Mobil'.*Did you mean 'Mobile'"):
        read_survey(path, sheet="Mobil")


def test_sav_round_trip(tmp_path, quiet):
    pyreadstat = pytest.importorskip("pyreadstat")
    df = pd.DataFrame({"city": ["Beijing", "Wuhan", "Xi'an"], "Q1": [1.0, 2.0, 99.0],
                       "Q2": [3.0, 98.0, 5.0]})
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(df, str(path), missing_ranges={"Q2": [98]})
    s = read_survey(path, missing_codes=[99])
    assert s.items == ("Q1", "Q2") and s.metadata == ("city",)
    assert s.data["city"].tolist() == ["Beijing", "Wuhan", "Xi'an"]
    assert np.isnan(s.data["Q1"].iloc[2]) and np.isnan(s.data["Q2"].iloc[1])
    codes = s.report.missing_codes_found.to_dict("records")
    assert {"item": "Q2", "code": 98.0, "count": 1} in codes        # SPSS user-missing value
    assert {"item": "Q1", "code": 99.0, "count": 1} in codes


def test_bundled_codebook_with_csv(tmp_path, quiet):
    cb = load_codebook("telecom")
    cols = list(cb.item_codes)
    rng = np.random.default_rng(0)
    data = rng.integers(1, 11, size=(30, len(cols)))
    df = pd.DataFrame(data, columns=cols)
    df.insert(0, "operator", ["CMCC", "CUCC", "CTCC"] * 10)
    df.loc[3, "SAT1"] = 99
    df.loc[4, "LOY2"] = 0
    path = tmp_path / "telecom.csv"
    df.to_csv(path, index=False)
    with pytest.warns(DataQualityWarning, match="'LOY2'"):
        s = read_survey(path, "telecom", out_of_range="missing")
    assert s.items == tuple(cols) and s.metadata == ("operator",)
    assert s.codebook is cb or s.codebook.source == "telecom_codebook.csv"
    assert s.report.missing["SAT1"] == 1 and s.report.missing["LOY2"] == 1


# ------------------------------------------------------------------ immutability
def test_input_dataframe_untouched(quiet):
    df = pd.DataFrame({"city": ["Beijing", " Wuhan", "Xi'an", "Chengdu"],
                       "Q1": [1, 99, 0, 5], "Q2": [" 2", "3 ", "NA", "4"],
                       "Q3": [1.0, 2.0, np.nan, 4.0]})
    before = df.copy(deep=True)
    dtypes = df.dtypes.copy()
    s = read_survey(df, small_codebook(), missing_codes=[99], out_of_range="missing")
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_series_equal(df.dtypes, dtypes)
    s.data.loc[s.data.index[0], "city"] = "changed"         # the copy is independent
    s.data.loc[s.data.index[0], "Q1"] = -1.0
    pd.testing.assert_frame_equal(df, before)


def test_input_files_untouched(tmp_path, quiet):
    csv_path = write(tmp_path, "city,Q1,Q2\nBeijing, 7 ,99\nWuhan,0,\n,,\n")
    xlsx_path = tmp_path / "s.xlsx"
    pd.DataFrame({"Q1": [1, " 2", 0], "Q2": [3, 99, 4]}).to_excel(xlsx_path, index=False)
    hashes = {p: digest(p) for p in (csv_path, xlsx_path)}
    mtimes = {p: p.stat().st_mtime_ns for p in (csv_path, xlsx_path)}
    for p in (csv_path, xlsx_path):
        read_survey(p, missing_codes=[99], scale=(1, 10), out_of_range="missing")
    assert {p: digest(p) for p in hashes} == hashes
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes


# ------------------------------------------------------------------ report
def test_report_to_dict_is_json_safe(tmp_path, quiet):
    path = write(tmp_path, "Q1,Q2,Q3\n 1,99,5\n0,2,5\n,,\n2,3,5\n3,4,5\n")
    s = read_survey(path, missing_codes=[99], scale=(1, 10), out_of_range="missing")
    d = s.report.to_dict()
    json.dumps(d)
    assert d["n_rows_read"] == 5 and d["n"] == 4
    assert d["missing_codes_found"] == [{"item": "Q2", "code": 99, "count": 1}]
    assert d["out_of_range"] == [{"item": "Q1", "value": 0, "count": 1}]
    assert d["whitespace_parsed"] == {"Q1": 1}
    assert d["constant_items"] == ["Q3"]
    assert d["rows_dropped"] == [{"row": 4, "reason": "all 3 items missing"}]
    assert len(d["warnings"]) == 2
    html = s.report._repr_html_()
    assert "Out of range" in html and "Warning" in html


def test_excel_blank_row_keeps_row_numbers(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S1"
    for row in (["city", "Q1", "Q2"], ["a", 1, 2], [None, None, None], ["b", 3, "bad"],
                ["c", 5, 6]):
        ws.append(row)
    path = tmp_path / "blank.xlsx"
    wb.save(path)
    with pytest.raises(SurveyDataError, match=r"blank\.xlsx, sheet 'S1'.*row 4 \(cell C4\), "
                                              r"column 'Q2': 'bad'"):
        read_survey(path)


def test_mostly_text_column_is_metadata(tmp_path):
    path = write(tmp_path, "city,Q1\nBeijing,1\nWuhan,2\n021,3\nXi'an,4\n")
    s = read_survey(path)
    assert s.items == ("Q1",) and s.data["city"].tolist() == ["Beijing", "Wuhan", "021", "Xi'an"]


def test_empty_file(tmp_path):
    with pytest.raises(SurveyDataError, match=r"survey\.csv: cannot read the file as a table"):
        read_survey(write(tmp_path, ""))


def test_report_str_is_summary(tmp_path):
    s = read_survey(write(tmp_path, "Q1,Q2\n1,2\n3,4\n"))
    assert str(s.report) == s.report.summary()
    assert str(s.report).startswith("Survey data ")
