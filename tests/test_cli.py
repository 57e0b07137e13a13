"""The csi-model command line: outputs, exit codes and error messages.

The Holzinger-Swineford chi-square is lavaan 0.6-14's value (tests/reference/lavaan/holzinger.json).
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from csi_model.cli import main

DATA = Path(__file__).parent / "data"
HOLZINGER = DATA / "holzinger_swineford.csv"
DEMO_CSV = Path(__file__).parents[1] / "csi_model" / "data" / "telecom_demo.csv"
HS_MODEL = "visual =~ x1+x2+x3\ntextual =~ x4+x5+x6\nspeed =~ x7+x8+x9\n"
ESTIMATE_COLUMNS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper",
                    "std.all"]
TABLES = ["estimates.csv", "standardized.csv", "fit_measures.csv", "r2.csv", "effects.csv",
          "hypotheses.csv", "warnings.txt",
          "data_report.txt"]


@pytest.fixture
def hs_model(tmp_path):
    path = tmp_path / "hs.lav"
    path.write_text(HS_MODEL, encoding="utf-8")
    return path


def _assert_user_error(capsys, code, *fragments):
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("csi-model: error: ")
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])
    return lines[0]


def _walk_numbers(obj):
    if isinstance(obj, dict):
        for v in obj.values():
            yield from _walk_numbers(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk_numbers(v)
    else:
        yield obj


# ------------------------------------------------------------------ fit
def test_fit_json_matches_lavaan(tmp_path, hs_model, capsys):
    out_json = tmp_path / "result.json"
    before = HOLZINGER.read_bytes()
    code = main(["fit", str(HOLZINGER), "--model", str(hs_model), "--json", str(out_json)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Chi-square" in out and "Measurement model" in out
    assert HOLZINGER.read_bytes() == before                     # input untouched

    text = out_json.read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    res = json.loads(text)
    assert {"n", "estimator", "missing", "converged", "estimates", "fit_measures", "r2",
            "warnings"} <= set(res)
    assert res["n"] == 301 and res["estimator"] == "ML" and res["converged"] is True
    assert math.isclose(res["fit_measures"]["chisq"], 85.3055, rel_tol=1e-4)
    assert res["fit_measures"]["df"] == 24
    assert len(res["estimates"]) == 24          # lavaan: 9 + 9 + 3 + 3 rows
    assert all(list(row) == ESTIMATE_COLUMNS for row in res["estimates"])
    for v in _walk_numbers({k: res[k] for k in ("estimates", "fit_measures", "r2")}):
        assert v is None or isinstance(v, (int, float, str)), v
    for row in res["estimates"]:
        for col in ESTIMATE_COLUMNS[3:]:
            assert row[col] is None or isinstance(row[col], (int, float)), (row, col)
    assert all(isinstance(w, str) for w in res["warnings"])


def test_fit_out_writes_tables(tmp_path, hs_model, capsys):
    out_dir = tmp_path / "tables" / "hs"
    code = main(["fit", str(HOLZINGER), "--model", str(hs_model), "--estimator", "MLR",
                 "--out", str(out_dir), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out == ""
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(TABLES)   # no temp files left
    est = pd.read_csv(out_dir / "estimates.csv")
    assert list(est.columns) == ESTIMATE_COLUMNS
    assert est["est"].dtype.kind == "f" and len(est) == 24
    fm = pd.read_csv(out_dir / "fit_measures.csv").set_index("measure")["value"]
    assert math.isclose(fm["chisq"], 85.3055, rel_tol=1e-4)
    r2 = pd.read_csv(out_dir / "r2.csv")
    assert list(r2.columns) == ["variable", "r2"] and set(r2["variable"]) >= {"x1", "x9"}
    assert "301" in (out_dir / "data_report.txt").read_text(encoding="utf-8")


def test_fit_missing_codes_and_fiml(tmp_path, capsys):
    survey = tmp_path / "survey.csv"
    df = pd.read_csv(HOLZINGER)
    df.loc[[0, 5], "x1"] = 99
    df.to_csv(survey, index=False)
    model = tmp_path / "m.lav"
    model.write_text(HS_MODEL, encoding="utf-8")
    out_json = tmp_path / "r.json"
    code = main(["fit", str(survey), "-m", str(model), "--missing-codes", "99",
                 "--json", str(out_json), "-q"])
    assert code == 0, capsys.readouterr().err
    res = json.loads(out_json.read_text(encoding="utf-8"))
    assert res["n"] == 299
    assert any("Listwise" in w for w in res["warnings"])


# ------------------------------------------------------------------ demo and models
def test_demo_writes_tables(tmp_path, capsys):
    out_dir = tmp_path / "demo"
    code = main(["demo", "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Survey data" in out and "csi_model CB-SEM: telecom" in out
    assert str(out_dir.resolve()) in out
    for name in TABLES:
        assert (out_dir / name).is_file(), name
    est = pd.read_csv(out_dir / "estimates.csv")
    assert {("SAT", "~", "QUAL"), ("LOY", "~", "SAT")} <= set(zip(est.lhs, est.op, est.rhs))


def test_models_list_and_show(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("telecom", "acsi", "ecsi"):
        assert name in out
    assert main(["models", "acsi"]) == 0
    assert "EXPE =~ EXPE1" in capsys.readouterr().out


# ------------------------------------------------------------------ errors
def test_error_missing_survey_file(tmp_path, hs_model, capsys):
    code = main(["fit", str(tmp_path / "nope.csv"), "--model", str(hs_model)])
    _assert_user_error(capsys, code, "nope.csv")


def test_error_unknown_model(capsys):
    code = main(["fit", str(HOLZINGER), "--model", "no_such_model"])
    _assert_user_error(capsys, code, "no_such_model", "telecom")


def test_error_model_syntax(tmp_path, capsys):
    bad = tmp_path / "bad.lav"
    bad.write_text("visual =~ x1+x2+x3\ntextual =~ x4+ +x6\n", encoding="utf-8")
    code = main(["fit", str(HOLZINGER), "--model", str(bad)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert first.startswith("csi-model: error: ")
    assert "bad.lav" in first and "line 2" in first
    # the only multi-line error: the offending line and a caret under the position
    assert all(line.startswith("csi-model: error: ") or line.startswith("    ")
               for line in err.rstrip("\n").splitlines())


def test_error_model_variable_not_in_data(tmp_path, capsys):
    model = tmp_path / "m.lav"
    model.write_text(HS_MODEL.replace("x9", "x10"), encoding="utf-8")
    code = main(["fit", str(HOLZINGER), "--model", str(model)])
    _assert_user_error(capsys, code, "x10", "m.lav")


def test_error_bad_estimator(hs_model, capsys):
    code = main(["fit", str(HOLZINGER), "--model", str(hs_model), "--estimator", "ml2"])
    _assert_user_error(capsys, code, "--estimator")


def test_error_json_would_overwrite_input(hs_model, capsys):
    code = main(["fit", str(HOLZINGER), "--model", str(hs_model), "--json", str(hs_model)])
    _assert_user_error(capsys, code, "overwrite")
    assert hs_model.read_text(encoding="utf-8") == HS_MODEL


def test_error_no_command(capsys):
    _assert_user_error(capsys, main([]), "COMMAND")


def test_debug_shows_traceback(tmp_path, hs_model):
    with pytest.raises(ValueError):
        main(["--debug", "fit", str(tmp_path / "nope.csv"), "--model", str(hs_model)])


# ------------------------------------------------------------------ the installed script
def test_console_script_help():
    exe = shutil.which("csi-model") or str(Path(sys.executable).with_name("csi-model"))
    proc = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    for cmd in ("fit", "demo", "models"):
        assert cmd in proc.stdout
    assert proc.stderr == ""


def test_fit_expected_signs_and_one_sided_tests_reach_hypotheses_csv(tmp_path, capsys):
    out = tmp_path / "o"
    code = main(["fit", str(DEMO_CSV), "--model", "telecom", "--missing-codes", "99", "--out",
                 str(out), "-q", "--expected", "LOY ~ COMP=-", "--one-sided"])
    assert code == 0, capsys.readouterr().err
    h = pd.read_csv(out / "hypotheses.csv").set_index("path")
    assert h.loc["COMP -> LOY", "expected"] == "-" and h.loc["SAT -> LOY", "expected"] == "+"
    assert set(h["test"]) == {"one-sided"}
    assert main(["fit", str(DEMO_CSV), "--model", "telecom", "--out", str(tmp_path / "p"),
                 "--expected", "LOY ~ COMP"]) == 2
    assert "--expected takes 'OUTCOME ~ PREDICTOR=SIGN'" in capsys.readouterr().err
