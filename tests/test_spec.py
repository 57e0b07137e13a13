"""Model syntax, validation errors (what and where) and the parameter table."""
from __future__ import annotations

import pandas as pd
import pytest

import csi_model as cm
from csi_model import ModelSpec, ModelSpecError, ModelSyntaxError


def test_bundled_models_have_the_documented_structure():
    telecom = cm.load_model("telecom")
    assert telecom.latents == ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "COMP", "LOY")
    assert set(telecom.structural_paths) == {
        ("IMAG", "EXPE"), ("EXPE", "QUAL"), ("EXPE", "VAL"), ("QUAL", "VAL"), ("IMAG", "SAT"),
        ("EXPE", "SAT"), ("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "COMP"), ("SAT", "LOY"),
        ("COMP", "LOY"), ("IMAG", "LOY")}
    assert "IMAG" not in cm.load_model("acsi").latents
    assert "COMP" not in cm.load_model("ecsi").latents


def test_partable_follows_lavaan_defaults():
    pt = cm.load_model("telecom").partable()
    first = pt[(pt.op == "=~") & (pt.rhs.isin(["IMAG1", "EXPE1", "COMP1"]))]
    assert (first.free == 0).all() and (first.ustart == 1).all()
    comp1 = pt.query("lhs == 'COMP1' and op == '~~'")
    assert comp1.free.iloc[0] == 0 and comp1.ustart.iloc[0] == 0   # single indicator: lavaan
    # IMAG is the only exogenous latent: no latent covariances
    lat_cov = pt[(pt.op == "~~") & (pt.lhs != pt.rhs)]
    assert lat_cov.empty
    assert pt.free.max() == 24 + 7 - 1 + 17 + 12  # residuals (minus COMP1), latent vars, loadings, paths


def test_partable_matches_lavaan_free_parameters():
    """The committed lavaan parTable of the telecom case has the same free parameters."""
    import json
    from pathlib import Path
    ref = json.loads((Path(__file__).parent / "reference/lavaan/telecom_sim.json").read_text())
    theirs = pd.DataFrame(ref["partable"])
    theirs = theirs[(theirs.free > 0)]
    ours = cm.load_model("telecom").partable()
    ours = ours[ours.free > 0]
    key = lambda d: set(zip(d.lhs, d.op, d.rhs))  # noqa: E731
    assert key(ours) == key(theirs)


def test_labels_make_equal_parameters():
    spec = ModelSpec.from_syntax("F =~ x1 + a*x2 + a*x3\nG =~ y1 + y2\nG ~ F")
    pt = spec.partable()
    assert pt.query("rhs == 'x2'").free.iloc[0] == pt.query("rhs == 'x3'").free.iloc[0]


def test_builder_gives_the_same_spec_as_syntax():
    built = cm.specify(
        cm.reflective("EXPE", cm.items("EXPE", 1, 3)),
        cm.reflective("QUAL", cm.items("QUAL", 1, 7)),
        cm.reflective("VAL", "VAL1", "VAL2"),
        cm.reflective("SAT", cm.items("SAT", 1, 3)),
        cm.reflective("COMP", "COMP1"),
        cm.reflective("LOY", cm.items("LOY", 1, 3)),
        cm.paths(from_="EXPE", to=["QUAL", "VAL", "SAT"]),
        cm.paths(from_="QUAL", to=["VAL", "SAT"]),
        cm.paths(from_="VAL", to="SAT"),
        cm.paths(from_="SAT", to=["COMP", "LOY"]),
        cm.paths(from_="COMP", to="LOY"),
    )
    assert built == cm.load_model("acsi")
    assert built != cm.load_model("ecsi")


def test_builder_rejects_unknown_construct():
    with pytest.raises(ModelSpecError, match="'SATT'.*Did you mean 'SAT'"):
        cm.specify(cm.reflective("SAT", "s1", "s2"), cm.reflective("LOY", "l1", "l2"),
                   cm.paths(from_="SATT", to="LOY"))


# ------------------------------------------------------------------ errors: what and where
def _error(text, **kw):
    with pytest.raises((ModelSyntaxError, ModelSpecError)) as info:
        ModelSpec.from_syntax(text, source="my_model.lav", **kw)
    return str(info.value)


def test_syntax_error_has_line_column_and_caret():
    msg = _error("SAT =~ CUSA1 + CUSA2\nLOY =~ CUSL1 + + CUSL2\n")
    assert msg.startswith("my_model.lav, line 2, column 16:")
    assert "Empty term" in msg
    lines = msg.splitlines()
    assert lines[1].strip() == "LOY =~ CUSL1 + + CUSL2"
    assert lines[2].index("^") - lines[1].index("L") == 15


def test_unknown_operator_is_named_with_the_allowed_ones():
    msg = _error("SAT =~ CUSA1 + CUSA2\nSAT -> LOY")
    assert "line 2, column 5" in msg and "Unknown operator '->'" in msg and "=~" in msg


def test_unsupported_lavaan_operator_says_so():
    msg = _error("SAT =~ CUSA1 + CUSA2\nCUSA1 | t1")
    assert "'|'" in msg and "not supported" in msg


def test_item_in_two_latents_is_an_error_unless_allowed():
    text = "SAT =~ CUSA1 + CUSA2\nLOY =~ CUSL1 + CUSA2"
    msg = _error(text)
    assert "line 2, column 16" in msg and "'CUSA2'" in msg and "'SAT' (line 1)" in msg
    assert "allow_cross_loadings=True" in msg
    spec = ModelSpec.from_syntax(text, allow_cross_loadings=True)
    assert spec.indicators["LOY"] == ("CUSL1", "CUSA2")


def test_latent_without_indicators_is_an_error():
    msg = _error("SAT =~ CUSA1 + CUSA2\nLOY =~\n")
    assert "line 2" in msg and "Missing indicators" in msg


def test_feedback_loops_are_found_and_checked():
    """Cycles are allowed (nonrecursive models, see test_nonrecursive.py); with correlated
    disturbances an equation of the loop without an instrument is refused (order condition)."""
    spec = cm.ModelSpec.from_syntax("A =~ a1 + a2\nB =~ b1 + b2\nC =~ c1 + c2\nB ~ A\nC ~ B\nA ~ C")
    assert spec.feedback_loops == (("B", "A", "C"),)
    msg = _error("y1 ~ x1 + y2\ny2 ~ x1 + y1\ny1 ~~ y2")
    assert "line 1" in msg and "feedback loop y1 <-> y2" in msg and "order condition" in msg
    msg = _error("y1 ~ x1 + x2 + y2\ny2 ~ x1 + y1\ny1 ~~ y2")       # y1 has no instrument
    assert "'y1'" in msg and "order condition" in msg


def test_duplicate_statement_is_an_error():
    msg = _error("SAT =~ CUSA1 + CUSA2\nLOY =~ CUSL1 + CUSL2\nLOY ~ SAT\nLOY ~ SAT")
    assert "line 4" in msg and "twice" in msg and "line 3" in msg


def test_defined_parameter_with_unknown_label():
    msg = _error("SAT =~ s1 + s2\nLOY =~ l1 + l2\nLOY ~ b*SAT\nind := bb*2")
    assert "line 4" in msg and "'bb'" in msg and "Did you mean 'b'" in msg


def test_model_variable_missing_from_data_names_line_and_close_match():
    spec = ModelSpec.from_syntax("SAT =~ CUSA1 + CUSA2 + CUSA3\nLOY =~ CUSL1 + CUSL2\nLOY ~ SAT",
                                 source="m.lav")
    with pytest.raises(ModelSpecError) as info:
        spec.check_against(["CUSA1", "CUSA2", "CUSA_3", "CUSL1", "CUSL2"], data_source="s.csv")
    msg = str(info.value)
    assert "m.lav, line 1" in msg and "'CUSA3'" in msg and "s.csv" in msg and "'CUSA_3'" in msg


def test_regression_on_undefined_latent_explains_how_to_define_it():
    spec = ModelSpec.from_syntax("SAT =~ s1 + s2\nSAT ~ QUAL", source="m.lav")
    with pytest.raises(ModelSpecError, match=r"m.lav, line 2.*'QUAL'.*QUAL =~ item1"):
        spec.check_against(["s1", "s2"])


def test_fit_reports_model_variable_missing_from_data(tmp_path):
    data = cm.simulate_survey("telecom", n=50, seed=3).drop(columns="QUAL4")
    with pytest.raises(ModelSpecError, match=r"telecom.lav, line 9.*'QUAL4'.*'QUAL7'"):
        cm.fit("telecom", data)
    data.to_csv(tmp_path / "survey.csv", index=False)
    with pytest.raises(ModelSpecError, match=r"telecom.lav, line 9.*'QUAL4'.*survey.csv"):
        cm.fit("telecom", tmp_path / "survey.csv")


def test_load_model_errors():
    with pytest.raises(ModelSpecError, match="Unknown model 'telcom'.*'telecom'"):
        cm.load_model("telcom")
    with pytest.raises(ModelSpecError, match="not found"):
        cm.load_model("no/such/file.lav")


def test_model_file_syntax_error_names_the_file(tmp_path):
    path = tmp_path / "bad.lav"
    path.write_text("SAT =~ CUSA1 + CUSA2\n\n# comment\nLOY =~ CUSL1 +* CUSL2\n", encoding="utf-8")
    with pytest.raises(ModelSyntaxError, match=r"bad.lav, line 4"):
        cm.load_model(path)


def test_continuation_lines_and_comments():
    spec = ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 +   # first two\n"
                                 "        QUAL3 + QUAL4\n! another comment\nSAT =~ SAT1 + SAT2; SAT ~ QUAL")
    assert spec.indicators["QUAL"] == ("QUAL1", "QUAL2", "QUAL3", "QUAL4")
    assert spec.structural_paths == (("QUAL", "SAT"),)


def test_spec_is_immutable():
    spec = cm.load_model("telecom")
    with pytest.raises(Exception):
        spec.name = "other"
    pt = spec.partable()
    pt.loc[0, "free"] = 99
    assert spec.partable().loc[0, "free"] != 99
