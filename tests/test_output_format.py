"""Every summary prints in a console and follows one formatting path (issue 18, points 1-2).

The rules (csi_model/_format.py): no "NaN" text, one p-value style ("< .001" / ".031"), no
scientific notation in a table, counts and df as integers, fixed parameters and undefined
statistics blank (lavaan leaves them blank).
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model._format import format_frame, format_p, is_pvalue_column, p_text
from csi_model.compare import compare
from csi_model.sem.results import Summary

HERE = Path(__file__).parent
WAVES = HERE / "data" / "telecom_two_waves.csv"
P_CELL = re.compile(r"^(< \.001|\.\d{3}|1\.000|)$")
SCIENTIFIC = re.compile(r"\d[eE][+-]?\d")


@pytest.fixture(scope="module")
def summaries():
    spec = cm.load_model("telecom")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = cm.read_survey(WAVES, items=list(spec.observed))
        sem = cm.fit(spec, survey)
        pls = cm.fit_pls(spec, survey, bootstrap=30, seed=1)
        index = cm.csi_index(pls, by="wave", scale=(1, 10))
        meas = cm.measurement(spec, survey, n_boot=20, seed=1, n_iter_parallel=5)
        comp = compare(spec, survey, by="wave", bootstrap=20, n_permutations=20, seed=1,
                       scale=(1, 10))
        mg = cm.fit_multigroup(spec, survey, by="wave", equal=("loadings",))
    return {"sem": sem.summary(), "pls": pls.summary(), "index": index.summary(),
            "measurement": meas.summary(), "compare": comp.summary(), "multigroup": mg.summary(),
            "invariance": comp.invariance.summary()}


def test_a_summary_prints_as_text_in_a_console(summaries):
    s = summaries["sem"]
    assert repr(s) == str(s) == s.as_text()
    assert repr(s).startswith("csi_model CB-SEM: telecom\n")
    pretty = pytest.importorskip("IPython.lib.pretty")
    assert pretty.pretty(s) == s.as_text()


@pytest.mark.parametrize("name", ["sem", "pls", "index", "measurement", "compare",
                                  "multigroup", "invariance"])
def test_every_summary_follows_the_formatting_rules(summaries, name):
    s = summaries[name]
    text, page = s.as_text(), s.as_html()
    for out in (text, page):
        assert not re.search(r"\b(NaN|nan|None|inf)\b", out), name
    for title, cells in s.formatted_tables():
        for col in cells.columns:
            values = cells[col].astype(str)
            assert not values.str.contains(SCIENTIFIC).any(), (name, title, col)
            if is_pvalue_column(col):
                bad = values[~values.str.match(P_CELL)]
                assert bad.empty, (name, title, col, bad.tolist())
            if col in ("df", "df.diff"):
                assert values.str.match(r"^(\d+|)$").all(), (name, title, col)
    for key, value in s.header:
        assert not SCIENTIFIC.search(value) or key == "Converged", (key, value)
        for p in re.findall(r"\bp (?:=|<) \S+", value):
            assert re.match(r"p (< \.001|= \.\d{3}|= 1\.000)", p), (key, value)
        assert not re.search(r"\d+\.0+ df\b", value), (key, value)


def test_fixed_parameters_show_their_estimate_only(summaries):
    cells = dict(summaries["sem"].formatted_tables())["Measurement model"]
    first = cells.loc[("IMAG", "=~", "IMAG1")]
    assert first["est"] == "1.000" and first["std.all"] != ""
    assert first[["se", "z", "pvalue"]].tolist() == ["", "", ""]


def test_an_undefined_statistic_is_blank_not_scientific(summaries):
    # the single-item weight has se ~ 1e-17 and z ~ 1e16: undefined, blank
    cells = dict(summaries["pls"].formatted_tables())["Outer weights"]
    comp = cells.loc[("COMP", "<~", "COMP1")]
    assert comp["est"] == "1.000" and comp[["se", "z", "pvalue"]].tolist() == ["", "", ""]


def test_header_numbers_use_the_shared_rules(summaries):
    head = dict(summaries["sem"].header)
    assert re.fullmatch(r"\d+\.\d{3} on \d+ df, p (< \.001|= \.\d{3})", head["Chi-square"])
    meas = dict(summaries["measurement"].header)
    assert re.search(r"on \d+ df, p < \.001$", meas["Bartlett's test"])


def test_format_frame_rules():
    df = pd.DataFrame({"est": [1.0, 0.25, -0.00001], "se": [0.0, 0.05, 1e-18],
                       "z": [np.nan, 5.0, 1e16], "pvalue": [np.nan, 1e-9, 0.5],
                       "total.pvalue": [0.0312, 1.0, np.nan], "df": [232.0, 3.0, np.nan],
                       "label": ["a", None, "c"]})
    got = format_frame(df).to_numpy().tolist()
    assert got == [["1.000", "", "", "", ".031", "232", "a"],
                   ["0.250", "0.050", "5.000", "< .001", "1.000", "3", ""],
                   ["0.000", "", "", "", "", "", "c"]]
    assert [format_p(x) for x in (0.0, 0.0004, 0.001, 0.0312, 1.0)] == \
        ["< .001", "< .001", ".001", ".031", "1.000"]
    assert p_text(0.0) == "p < .001" and p_text(0.05) == "p = .050"


def test_summary_html_uses_the_same_cells():
    s = Summary("T", [], [("x", pd.DataFrame({"pvalue": [0.0], "z": [8.9e15]}))], ())
    page = s.as_html()
    assert "&lt; .001" in page and "e+15" not in page and "8900" not in page
