"""Bad values never pass silently, and an interrupted build never leaves a mixed one (issue 12).

Each case gives csi_model one hostile but realistic input (a file, a model, an option or a
fault) and asserts the exact outcome: an error naming the place (file, row, column, option,
template line), or a warning naming it that the summary, the JSON and the report show; and
that the user's file and DataFrame are unchanged. The data are the lavaan
Holzinger-Swineford file (tests/data/holzinger_swineford.csv) and the embedded demo survey,
edited cell by cell in each test.
"""
from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.cli import main
from csi_model.exceptions import DataQualityWarning, SurveyDataError

DATA = Path(__file__).parent / "data"
HOLZINGER = DATA / "holzinger_swineford.csv"
DEMO = Path(cm.__file__).parent / "data" / "telecom_demo.csv"
HS_MODEL = "visual =~ x1+x2+x3\ntextual =~ x4+x5+x6\nspeed =~ x7+x8+x9\n"
HS_ITEMS = [f"x{i}" for i in range(1, 10)]


# ============================================================================ helpers
def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def hs(tmp_path):
    """(the HS data as a DataFrame on a 1-10 integer scale, a writer of edited copies, the model)."""
    frame = pd.read_csv(HOLZINGER)
    items = frame[HS_ITEMS]
    frame[HS_ITEMS] = np.clip(np.round(1 + 9 * (items - items.min()) / (items.max() - items.min())),
                              1, 10).astype(int)
    model = tmp_path / "hs.lav"
    model.write_text(HS_MODEL, encoding="utf-8")

    def write(edit=None, name="survey.csv", **to_csv):
        df = frame.copy()
        df[HS_ITEMS] = df[HS_ITEMS].astype(object)
        if edit is not None:
            edit(df)
        path = tmp_path / name
        df.to_csv(path, index=False, **to_csv)
        return path
    return frame, write, model


class Run:
    """One csi-model command run in this process: exit status, stdout, stderr; the inputs'
    digests before and after."""

    def __init__(self, capsys, args, inputs=()):
        self.inputs = {Path(p): digest(p) for p in inputs}
        self.code = main([str(a) for a in args])
        self.out, self.err = capsys.readouterr()
        assert "Traceback" not in self.err + self.out
        assert {p: digest(p) for p in self.inputs} == self.inputs, "an input file was modified"

    def user_error(self, *fragments):
        assert self.code == 2, (self.code, self.err)
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("csi-model: error: "), self.err
        for f in fragments:
            assert f in lines[0], (f, lines[0])
        return lines[0]


def run(capsys, *args, inputs=()):
    return Run(capsys, args, inputs)


def read_error(source, *fragments, **kwargs) -> str:
    """read_survey(source) raises a SurveyDataError containing every fragment; the source
    (file or DataFrame) is unchanged."""
    before = digest(source) if isinstance(source, Path) else source.copy(deep=True)
    with pytest.raises(SurveyDataError) as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cm.read_survey(source, **kwargs)
    msg = str(info.value)
    for f in fragments:
        assert f in msg, (f, msg)
    if isinstance(source, Path):
        assert digest(source) == before
    else:
        pd.testing.assert_frame_equal(source, before)
    return msg


def read_warning(source, *fragments, **kwargs):
    """read_survey(source) warns (DataQualityWarning) with every fragment, and the report's
    summary and JSON carry the warning."""
    before = digest(source) if isinstance(source, Path) else source.copy(deep=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        survey = cm.read_survey(source, **kwargs)
    msgs = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    hit = [m for m in msgs if all(f in m for f in fragments)]
    assert hit, (fragments, msgs)
    assert hit[0] in survey.report.warnings
    assert hit[0] in survey.report.summary()
    assert hit[0] in survey.report.to_dict()["warnings"]
    if isinstance(source, Path):
        assert digest(source) == before
    else:
        pd.testing.assert_frame_equal(source, before)
    return survey, hit[0]


def set_cell(row, col, value):
    def edit(df):
        df.loc[row, col] = value
    return edit


# ============================================================================ values: non-finite
@pytest.mark.parametrize("text, shown", [("inf", "inf"), ("-Infinity", "-inf"),
                                         ("nan", "'nan'"), ("1e300", "1e+300"),
                                         ("1e400", "'1e400'")])
def test_non_finite_answer_is_an_error_naming_the_cell(hs, text, shown):
    _, write, _ = hs
    path = write(set_cell(4, "x3", text))
    msg = read_error(path, "survey.csv", "not finite numbers", "row 6, column 'x3'")
    assert shown in msg
    assert "constant" not in msg


def test_non_finite_in_a_numeric_dataframe_names_the_index_label():
    df = pd.DataFrame({"Q1": [1.0, 2.0, np.inf, 4.0], "Q2": [3.0, 4.0, 5.0, 6.0]},
                      index=["a", "b", "c", "d"])
    read_error(df, "<DataFrame>", "row 'c', column 'Q1'", "not finite")


def test_non_finite_in_excel_names_the_cell(tmp_path):
    path = tmp_path / "wave.xlsx"
    pd.DataFrame({"Q1": [1, 2, 3, 4], "Q2": [5, "inf", 6, 7]}).to_excel(path, index=False,
                                                                         sheet_name="Data")
    read_error(path, "wave.xlsx, sheet 'Data'", "row 3 (cell B3), column 'Q2'", "not finite")


def test_cli_inf_is_an_error_not_a_constant_item(hs, capsys):
    _, write, model = hs
    path = write(lambda df: df.__setitem__("x5", ["inf"] + list(df["x5"].iloc[1:])))
    r = run(capsys, "fit", path, "--model", model, inputs=[path, model])
    r.user_error("row 2, column 'x5'", "not finite")
    assert "constant" not in r.err


# ============================================================================ values: declared scale
def test_declared_scale_makes_out_of_range_an_error(hs):
    frame, _, _ = hs
    df = frame[HS_ITEMS].copy()
    msg = read_error(df, "outside the declared item scale", "'x1' (scale 1-5", "rows",
                     "out_of_range='missing'", scale=(1, 5))
    assert "scale=(MIN, MAX)" in msg


def test_out_of_range_missing_sets_missing_with_a_warning(hs):
    frame, _, _ = hs
    df = frame[HS_ITEMS].copy()
    df.loc[3, "x2"] = 0
    survey, msg = read_warning(df, "'x2' (scale 1-10)", "0 x1", "out_of_range='missing'",
                               scale=(1, 10), out_of_range="missing")
    assert np.isnan(survey.data.loc[3, "x2"])
    assert survey.report.out_of_range.to_dict("records") == [{"item": "x2", "value": 0.0,
                                                              "count": 1}]


def test_codebook_scale_makes_out_of_range_an_error(tmp_path):
    df = pd.read_csv(DEMO)
    df.loc[10, "SAT1"] = 11                     # the codebook's scale is 1-10; 99 is its code
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    read_error(path, "'SAT1' (scale 1-10 from the codebook telecom_codebook.csv): 11 x1",
               "row 12", codebook="telecom")


def test_out_of_range_option_is_checked():
    with pytest.raises(ValueError, match="'out_of_range' parameter of read_survey must be one of"):
        cm.read_survey(pd.DataFrame({"Q1": [1, 2, 3]}), scale=(1, 5), out_of_range="drop")


def test_every_entry_point_accepts_scale(hs):
    frame, _, _ = hs
    df = frame.copy()
    spec = cm.ModelSpec.from_syntax(HS_MODEL + "speed ~ visual + textual\n", name="hs")
    for func in (cm.fit, cm.fit_pls, cm.measurement):
        with pytest.raises(SurveyDataError, match=r"'x1' \(scale 1-5"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                func(spec, df, scale=(1, 5))
    pd.testing.assert_frame_equal(df, frame)


def test_cli_index_scale_smaller_than_the_answers_is_an_error(capsys):
    r = run(capsys, "index", DEMO, "--model", "telecom", "--missing-codes", "99",
            "--scale", "1,5", inputs=[DEMO])
    r.user_error("outside the declared item scale", "from --scale", "--out-of-range missing")
    assert "156" not in r.out


def test_cli_index_out_of_range_missing_warns_in_summary_and_json(tmp_path, capsys):
    df = pd.read_csv(DEMO)
    df.loc[5, "LOY1"] = 0
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "index.json"
    r = run(capsys, "index", path, "--model", "telecom", "--missing-codes", "99", "--scale", "1,10",
            "--out-of-range", "missing", "--json", out, inputs=[path])
    assert r.code == 0, r.err
    assert "'LOY1' (scale 1-10): 0 x1" in r.out
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert any("'LOY1' (scale 1-10): 0 x1" in w for w in payload["warnings"])
    assert all(0 <= row["index"] <= 100 for row in payload["index"])


def test_an_index_outside_0_100_is_never_printed():
    from csi_model.exceptions import EstimationError
    from csi_model.pls.index import _check_range
    table = pd.DataFrame({"group": ["(all)", "(all)"], "latent": ["SAT", "LOY"],
                          "index": [72.5, 156.8]})
    with pytest.raises(EstimationError, match=r"LOY = 156\.8 lies outside 0-100.*--scale"):
        _check_range(table, [])


# ============================================================================ values: inferred scale
def test_negative_answers_among_positive_ones_are_warned_by_rows(hs):
    frame, _, _ = hs
    df = frame[HS_ITEMS].copy()
    df.loc[[7, 20], "x4"] = -3
    read_warning(df, "column 'x4'", "2 negative answer(s) (-3)", "rows 7, 20",
                 "missing_codes=[-3]", "scale=(MIN, MAX)")


def test_value_orders_of_magnitude_above_the_rest_is_warned(hs):
    frame, _, _ = hs
    df = frame[HS_ITEMS].copy()
    df.loc[33, "x6"] = 1e12
    read_warning(df, "column 'x6'", "1e+12", "orders of magnitude above", "row 33")


@pytest.mark.parametrize("code, top", [(99, 10), (98, 10), (9, 5), (0, 5), (0, 10)])
def test_no_answer_code_at_the_edge_of_the_scale_is_warned(code, top):
    rng = np.random.default_rng(code + top)
    df = pd.DataFrame({"Q1": rng.integers(1, top + 1, 80), "Q2": rng.integers(1, top + 1, 80)})
    df.loc[[5, 17], "Q2"] = code
    read_warning(df, f"the answer {code} looks like a 'no answer' code",
                 f"outside the scale 1-{top}", "'Q2' 2 (rows 5, 17)",
                 f"missing_codes=[{code}]")


def test_declared_codes_and_scales_silence_the_inference():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"Q1": rng.integers(1, 11, 80), "Q2": rng.integers(1, 11, 80)})
    df.loc[[5, 17], "Q2"] = 99
    df.loc[[8], "Q1"] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        s = cm.read_survey(df, missing_codes=[99, 0])
        assert s.report.warnings == ()
        cm.read_survey(df.replace(99, 5), scale=(0, 10))


def test_cli_undeclared_99_names_the_option_in_the_summary_and_json(tmp_path, capsys):
    out = tmp_path / "pls.json"
    r = run(capsys, "pls", DEMO, "--model", "telecom", "--json", out, inputs=[DEMO])
    assert r.code == 0, r.err
    assert "the answer 99 looks like a 'no answer' code" in r.out
    assert "--missing-codes 99" in r.out and "missing_codes=" not in r.out
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert any("--missing-codes 99" in w for w in payload["warnings"])


def test_codebook_scale_in_the_report_error_then_warning_in_the_html(tmp_path, capsys):
    df = pd.read_csv(DEMO)
    df.loc[40, "QUAL2"] = -4
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    html = tmp_path / "report.html"
    run(capsys, "report", path, "--model", "telecom", "--bootstrap", "0", "--out", html,
        inputs=[path]).user_error("'QUAL2' (scale 1-10 from the codebook telecom_codebook.csv)",
                                  "-4 x1 in row 42", "--out-of-range missing")
    assert not html.exists()
    r = run(capsys, "report", path, "--model", "telecom", "--bootstrap", "0", "--out", html,
            "--out-of-range", "missing", inputs=[path])
    assert r.code == 0, r.err
    assert "&#x27;QUAL2&#x27; (scale 1-10): -4 x1" in html.read_text(encoding="utf-8")


def test_implausible_value_is_shown_in_the_summary_and_the_tables(tmp_path, capsys):
    df = pd.read_csv(DEMO)
    df.loc[40, "QUAL2"] = -4
    path = tmp_path / "survey.csv"
    df.to_csv(path, index=False)
    msg = "column 'QUAL2': 1 negative answer(s) (-4) among positive ones, in row 42"
    out = tmp_path / "tables"
    r = run(capsys, "fit", path, "--model", "telecom", "--missing-codes", "99", "--out", out,
            inputs=[path])
    assert r.code == 0 and msg in r.out
    assert msg in (out / "data_report.txt").read_text(encoding="utf-8")
    assert msg in (out / "warnings.txt").read_text(encoding="utf-8")


# ============================================================================ files
def test_duplicate_column_names_in_csv_name_the_positions(hs):
    _, write, _ = hs
    path = write()
    text = path.read_text(encoding="utf-8").splitlines()
    text[0] = text[0].replace("x7", "x3")
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    read_error(path, "duplicate column name(s): 'x3' in columns 3 and 7")


def test_duplicate_column_names_in_excel_name_the_positions(tmp_path):
    path = tmp_path / "wave.xlsx"
    pd.DataFrame([[1, 2, 3], [2, 3, 4], [3, 4, 5]], columns=["SAT1", "SAT2", "SAT1"]).to_excel(
        path, index=False)
    read_error(path, "duplicate column name(s): 'SAT1' in columns 1 (A) and 3 (C)")


def test_cli_duplicate_columns_are_an_error(hs, capsys):
    _, write, model = hs
    path = write()
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("x9", "x1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run(capsys, "fit", path, "--model", model, inputs=[path]).user_error(
        "duplicate column name(s): 'x1' in columns 1 and 9")


def test_decimal_commas_are_recognised_and_named(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("Q1;Q2\n7,5;3\n6;4,5\n8;5\n9;6\n", encoding="utf-8")
    msg = read_error(path, "decimal comma", "row 2, column 'Q1': '7,5'", "decimal=','")
    assert "missing_codes" not in msg
    s = cm.read_survey(path, decimal=",")
    assert s.data["Q1"].tolist() == [7.5, 6.0, 8.0, 9.0]
    assert s.data["Q2"].tolist() == [3.0, 4.5, 5.0, 6.0]


def test_cli_decimal_option(hs, capsys):
    _, write, model = hs
    frame = pd.read_csv(HOLZINGER)
    path = write(lambda df: df.__setitem__(HS_ITEMS, frame[HS_ITEMS].round(3)), sep=";",
                 decimal=",")
    run(capsys, "fit", path, "--model", model, "-q", inputs=[path]).user_error(
        "decimal comma", "--decimal ,")
    r = run(capsys, "fit", path, "--model", model, "--decimal", ",", inputs=[path])
    assert r.code == 0 and "Converged       yes" in r.out


def test_multi_sheet_workbook_with_items_in_two_sheets_lists_the_sheets(tmp_path, capsys):
    path = tmp_path / "waves.xlsx"
    rng = np.random.default_rng(0)
    with pd.ExcelWriter(path) as xw:
        for sheet in ("2025", "2026"):
            pd.DataFrame(rng.integers(1, 11, (40, 3)), columns=["Q1", "Q2", "Q3"]).to_excel(
                xw, sheet_name=sheet, index=False)
    read_error(path, "has 2 sheets ('2025', '2026')", "2 of them hold the items",
               "sheet='NAME'", items=["Q1", "Q2", "Q3"])
    assert cm.read_survey(path, items=["Q1", "Q2"], sheet="2026").n == 40


def test_readme_first_sheet_error_says_which_sheets_exist(tmp_path, capsys):
    path = tmp_path / "survey.xlsx"
    hs_frame = pd.read_csv(HOLZINGER)
    with pd.ExcelWriter(path) as xw:
        pd.DataFrame({"About": ["Survey of 2025", "Scale 1-10"]}).to_excel(xw, sheet_name="README",
                                                                           index=False)
        pd.DataFrame({"notes": ["x"]}).to_excel(xw, sheet_name="Notes", index=False)
    model = tmp_path / "hs.lav"
    model.write_text(HS_MODEL, encoding="utf-8")
    run(capsys, "fit", path, "--model", model, inputs=[path]).user_error(
        "no sheet holds all the items", "'README', 'Notes'", "--sheet NAME")
    with pd.ExcelWriter(path, mode="a") as xw:
        hs_frame.to_excel(xw, sheet_name="Data", index=False)
    r = run(capsys, "fit", path, "--model", model, "--sheet", "Data", "-q", inputs=[path])
    assert r.code == 0, r.err


def test_column_missing_for_everyone_is_named_in_the_listwise_error(hs):
    frame, _, _ = hs
    df = frame.copy()
    df["x8"] = np.nan
    before = df.copy()
    with pytest.raises(SurveyDataError, match=r"have no answer in any row: 'x8'.*Listwise"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cm.fit(cm.ModelSpec.from_syntax(HS_MODEL), df)
    pd.testing.assert_frame_equal(df, before)


def test_sample_smaller_than_the_free_parameters_is_warned(hs, tmp_path, capsys):
    _, write, model = hs
    path = write(lambda df: df.drop(df.index[20:], inplace=True))     # 20 rows, 21 parameters
    out = tmp_path / "fit.json"
    r = run(capsys, "fit", path, "--model", model, "--json", out, inputs=[path])
    msg = "the sample (20 respondents used) is smaller than the number of free parameters (21)"
    assert msg in r.out
    assert any(msg in w for w in json.loads(out.read_text(encoding="utf-8"))["warnings"])


# ============================================================================ convergence
def test_fit_that_did_not_converge_is_not_printed_as_a_result(tmp_path, capsys):
    out = tmp_path / "fit.json"
    r = run(capsys, "fit", DEMO, "--model", "telecom", "--json", out, inputs=[DEMO])
    assert r.code == 3
    assert "DID NOT CONVERGE" in r.out
    assert "the numbers below are not estimates" in r.out
    err = r.err.strip().splitlines()
    assert len(err) == 1 and "the estimation did not converge" in err[0]
    assert "the answer 99 looks like a 'no answer' code" in err[0]
    assert "--missing-codes 99" in err[0]
    payload = json.loads(out.read_text(encoding="utf-8"))
    assert payload["converged"] is False
    assert any("did not converge" in w for w in payload["warnings"])


def test_quiet_fit_that_did_not_converge_still_says_so(capsys):
    r = run(capsys, "fit", DEMO, "--model", "telecom", "-q", inputs=[DEMO])
    assert r.code == 3 and r.out == ""
    assert "did not converge" in r.err and "Exit status 3" in r.err


def test_copied_item_is_named_as_the_likely_cause(hs, capsys):
    _, write, model = hs
    path = write(lambda df: df.__setitem__("x3", df["x2"]))
    r = run(capsys, "fit", path, "--model", model, "-q", inputs=[path])
    # the sample covariance is singular: a user error naming the copies, before any fitting
    assert r.code == 2
    assert "the items 'x2' and 'x3' are (almost) copies of each other" in r.err
    assert "sample covariance matrix is singular" in r.err


def test_exit_statuses_are_documented(capsys):
    r = run(capsys, "--help")
    assert r.code == 0
    for line in ("exit status:", "  0    success", "  2    bad input",
                 "  3    the estimation did not converge"):
        assert line in r.out


def test_printed_numbers_are_capped():
    from csi_model.sem.results import Summary
    table = pd.DataFrame({"est": [0.5, 1.234e150], "se": [0.1, np.nan]},
                         index=pd.Index(["IMAG ~~ SAT", "IMAG ~~ LOY"]))
    text = Summary("t", [("Chi-square", "x")], [("Latent covariances", table)], ()).as_text()
    assert "1.23e+150" in text
    assert max(len(line) for line in text.splitlines()) < 80


def test_no_third_party_log_line_reaches_the_user(hs):
    _, write, model = hs
    path = write(lambda df: df.__setitem__("x3", df["x2"]))   # singular: semopy logs a WARNING
    proc = subprocess.run([sys.executable, "-m", "csi_model.cli", "fit", str(path), "--model",
                           str(model), "-q"], capture_output=True, text=True, timeout=300)
    assert "WARNING:root" not in proc.stderr
    assert proc.stderr.startswith("csi-model: error: ")


# ============================================================================ options
@pytest.mark.parametrize("command", [
    ["fit", "{hs}", "--model", "{model}", "--bootstrap", "1", "--seed", "1"],
    ["pls", "{hs}", "--model", "{model}", "--bootstrap", "1", "--seed", "1"],
    ["measure", "{hs}", "--model", "{model}", "--bootstrap", "1"],
    ["compare", "{hs}", "--model", "{model}", "--by", "school", "--bootstrap", "1"],
    ["report", "{hs}", "--model", "{model}", "--bootstrap", "1", "--out", "{tmp}/r.html"],
])
def test_one_bootstrap_resample_is_refused(hs, tmp_path, capsys, command):
    _, write, model = hs
    path = write()
    args = [a.format(hs=path, model=model, tmp=tmp_path) for a in command]
    t0 = time.perf_counter()
    run(capsys, *args, inputs=[path]).user_error("--bootstrap must be", "at least 2", "Got 1")
    assert time.perf_counter() - t0 < 20


def test_few_bootstrap_resamples_are_warned_in_summary_and_json(hs, tmp_path, capsys):
    _, write, model = hs
    path = write()
    out = tmp_path / "fit.json"
    r = run(capsys, "fit", path, "--model", model, "--bootstrap", "20", "--seed", "1",
            "--json", out, inputs=[path])
    assert r.code == 0, r.err
    msg = "--bootstrap 20: fewer than 200 resamples"
    assert msg in r.out
    assert any(msg in w for w in json.loads(out.read_text(encoding="utf-8"))["warnings"])


def test_index_by_naming_no_column_gives_the_closest_names(capsys):
    run(capsys, "index", DEMO, "--model", "telecom", "--missing-codes", "99", "--by", "operatr",
        inputs=[DEMO]).user_error("--by 'operatr' is not a column of", "Closest: 'operator'")


def test_compare_by_naming_no_column_gives_the_closest_names(capsys):
    run(capsys, "compare", DEMO, "--model", "telecom", "--missing-codes", "99", "--by", "wav",
        inputs=[DEMO]).user_error("--by 'wav' is not a column of", "'wave'")


@pytest.mark.parametrize("flag, value, close", [("--wave", "wavee", "'wave'"),
                                                ("--compare", "Operator", "'operator'"),
                                                ("--by", "carrier", None)])
def test_report_column_options_naming_no_column_are_errors(tmp_path, capsys, flag, value, close):
    line = run(capsys, "report", DEMO, "--model", "telecom", flag, value, "--out",
               tmp_path / "r.html", inputs=[DEMO]).user_error(f"{flag} '{value}' is not a column")
    if close:
        assert close in line
    else:
        assert "operator" in line               # the columns are listed
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("k", ["0", "9"])
def test_n_factors_beyond_what_the_data_allow_is_an_error(hs, capsys, k):
    _, write, model = hs
    path = write()
    run(capsys, "measure", path, "--model", model, "--n-factors", k, "--bootstrap", "0",
        inputs=[path]).user_error("--n-factors must be between 1 and 5", f"Got {k}")


def test_unknown_placeholder_kind_in_a_paper_template_names_the_line(tmp_path, capsys):
    (tmp_path / "paper.toml").write_text('[output]\ntemplate = "paper.md"\n', encoding="utf-8")
    (tmp_path / "paper.md").write_text("# Results\n\nCFI = {{fit:cfi}}\n\n{{tabel:htmt}}\n",
                                       encoding="utf-8")
    t0 = time.perf_counter()
    run(capsys, "paper", "build", tmp_path).user_error("paper.md, line 5",
                                                       "unknown placeholder '{{tabel:htmt}}'")
    assert time.perf_counter() - t0 < 10          # found before any analysis runs
    assert not (tmp_path / "_build").exists()


def test_unknown_fit_measure_in_a_paper_template_names_the_line():
    from types import SimpleNamespace
    from csi_model.report.paper import PaperConfigError, check_template_names
    a = SimpleNamespace(sem=SimpleNamespace(fit_measures=pd.Series({"cfi": 0.95, "tli": 0.94})))
    with pytest.raises(PaperConfigError, match=r"paper\.md, line 3: unknown fit name 'cfii'.*"
                                               r"Did you mean 'cfi'"):
        check_template_names("a\nb\nCFI = {{fit:cfii}}\n", "paper.md", {}, {}, a)


def test_json_in_a_directory_that_does_not_exist_fails_before_the_fit(hs, capsys):
    _, write, model = hs
    path = write()
    t0 = time.perf_counter()
    run(capsys, "fit", path, "--model", model, "--json", "no/such/dir/fit.json",
        inputs=[path]).user_error("--json 'no/such/dir/fit.json'", "does not exist")
    assert time.perf_counter() - t0 < 5


def test_report_out_names_the_out_option_and_the_users_path(hs, capsys):
    _, write, model = hs
    path = write()
    run(capsys, "report", path, "--model", model, "--out", "missing_dir/report.html",
        inputs=[path]).user_error("--out 'missing_dir/report.html'", "does not exist")


def test_out_under_a_file_is_refused_before_the_fit(hs, tmp_path, capsys):
    _, write, model = hs
    path = write()
    blocker = tmp_path / "results"
    blocker.write_text("a file", encoding="utf-8")
    run(capsys, "fit", path, "--model", model, "--out", blocker / "tables",
        inputs=[path, blocker]).user_error(f"--out '{blocker / 'tables'}'", "is not a directory")


def test_write_error_names_the_users_path_not_the_temporary_file(tmp_path, monkeypatch):
    import tempfile
    from csi_model.cli import _io

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".fit.json.abc123.tmp"))
    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(PermissionError) as info:
        _io.write_text(tmp_path / "fit.json", "{}")
    assert info.value.filename == str(tmp_path / "fit.json")


def test_telecom_codebook_on_a_model_it_does_not_fit_is_one_clear_line(hs, tmp_path, capsys):
    _, write, model = hs
    path = write()
    run(capsys, "report", path, "--model", model, "--codebook", "telecom", "--out",
        tmp_path / "r.html", inputs=[path]).user_error(
        "--codebook 'telecom' does not describe 9 of the model's items (x1, x2")


# ============================================================================ faults: atomic outputs
def test_failed_out_write_leaves_the_old_directory_complete(hs, tmp_path, capsys, monkeypatch):
    _, write, model = hs
    path = write()
    out = tmp_path / "results"
    assert run(capsys, "fit", path, "--model", model, "--out", out, "-q").code == 0
    (out / "my_notes.txt").write_text("kept", encoding="utf-8")
    old = tree_digests(out)
    from csi_model.cli import _io, fit as fit_cli
    calls = []
    real = _io.write_text

    def failing(p, text):
        calls.append(p)
        if len(calls) == 4:
            raise OSError(28, "No space left on device", str(p))
        real(p, text)
    monkeypatch.setattr(fit_cli, "write_text", failing)
    r = run(capsys, "fit", path, "--model", model, "--out", out, "-q")
    assert r.code == 2 and "No space left on device" in r.err
    assert tree_digests(out) == old
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".results")] == []


def test_out_directory_keeps_the_users_other_files(hs, tmp_path, capsys):
    _, write, model = hs
    path = write()
    out = tmp_path / "results"
    out.mkdir()
    (out / "notes.md").write_text("mine", encoding="utf-8")
    assert run(capsys, "measure", path, "--model", model, "--bootstrap", "0", "--out", out,
               "-q").code == 0
    assert (out / "notes.md").read_text(encoding="utf-8") == "mine"
    assert (out / "reliability.csv").is_file()


def test_an_old_output_not_written_again_does_not_survive_beside_the_new_ones(tmp_path):
    from csi_model._atomic import atomic_directory
    out = tmp_path / "results"
    out.mkdir()
    for name in ("micom.csv", "index.csv", "notes.md"):
        (out / name).write_text("old", encoding="utf-8")
    with atomic_directory(out, owned=("micom.csv", "index.csv")) as tmp:
        (tmp / "index.csv").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["index.csv", "notes.md"]
    assert (out / "index.csv").read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_paper_build_over_a_foreign_directory_is_refused(tmp_path, capsys):
    (tmp_path / "paper.toml").write_text("", encoding="utf-8")
    target = tmp_path / "thesis"
    target.mkdir()
    (target / "chapter1.docx").write_bytes(b"mine")
    run(capsys, "paper", "build", tmp_path, "--out", target).user_error(
        "is not empty and holds no earlier build")
    assert (target / "chapter1.docx").read_bytes() == b"mine"


SMALL_PAPER = """
[data]
survey = "demo"
codebook = "telecom"
missing_codes = [99]
[model]
model = "telecom"
[options]
seed = {seed}
bootstrap = 0
htmt_bootstrap = 0
languages = ["en"]
[output]
table_formats = ["csv", "md"]
figure_formats = ["png"]
template = "paper.md"
pdf = false
"""


@pytest.fixture(scope="module")
def paper_dir(tmp_path_factory):
    """A paper directory with one complete build (seed 1) in _build/."""
    d = tmp_path_factory.mktemp("paper")
    (d / "paper.toml").write_text(SMALL_PAPER.format(seed=1), encoding="utf-8")
    (d / "paper.md").write_text("n = {{n}}, CFI = {{fit:cfi}}\n\n{{table:htmt}}\n",
                                encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "csi_model.cli", "paper", "build", str(d),
                           "--quiet"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return d


def _kill_mid_build(paper_dir: Path, sig: int) -> subprocess.CompletedProcess:
    """Start a build with another seed and send ``sig`` once it has written files of the
    new build (in its temporary directory): the moment an in-place build would be mixed."""
    (paper_dir / "paper.toml").write_text(SMALL_PAPER.format(seed=2), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "csi_model.cli", "paper", "build",
                             str(paper_dir), "--quiet"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            partial = [p for t in paper_dir.glob(f"._build.tmp-{proc.pid}-*")
                       for p in t.rglob("*.csv")]
            if len(partial) >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the build finished before it could be interrupted"
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        (paper_dir / "paper.toml").write_text(SMALL_PAPER.format(seed=1), encoding="utf-8")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT],
                         ids=["SIGKILL", "SIGTERM", "SIGINT"])
def test_interrupted_paper_build_leaves_the_old_build_complete(paper_dir, sig):
    build = paper_dir / "_build"
    old = tree_digests(build)
    assert json.loads((build / "manifest.json").read_text())["seeds"]["CB-SEM bootstrap"] == 1
    proc = _kill_mid_build(paper_dir, sig)
    assert tree_digests(build) == old
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["seeds"]["CB-SEM bootstrap"] == 1
    assert set(manifest["outputs"]) == {k for k in old if k != "manifest.json"}
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130 and "interrupted" in proc.stderr
        assert list(paper_dir.glob("._build.tmp-*")) == []     # cleaned up on the way out


def test_build_after_a_kill_is_complete_and_removes_the_leftovers(paper_dir):
    (paper_dir / "paper.toml").write_text(SMALL_PAPER.format(seed=3), encoding="utf-8")
    try:
        proc = subprocess.run([sys.executable, "-m", "csi_model.cli", "paper", "build",
                               str(paper_dir), "--quiet"], capture_output=True, text=True,
                              timeout=600)
    finally:
        (paper_dir / "paper.toml").write_text(SMALL_PAPER.format(seed=1), encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    build = paper_dir / "_build"
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["seeds"]["CB-SEM bootstrap"] == 3
    files = {k for k in tree_digests(build) if k != "manifest.json"}
    assert files == set(manifest["outputs"])
    assert list(paper_dir.glob("._build.tmp-*")) == []
