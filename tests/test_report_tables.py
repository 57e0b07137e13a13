"""Paper tables: journal number formatting, languages and the five output formats."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from csi_model.report import tables as T
from csi_model.report.labels import Labels

from _report_data import demo_analyses


@pytest.fixture(scope="module")
def analyses():
    return demo_analyses()


# ------------------------------------------------------------------ number formatting
def test_format_number_rounds_and_drops_leading_zero_only_when_bounded():
    assert T.format_number(0.12345) == "0.123"
    assert T.format_number(0.12345, bounded=True) == ".123"
    assert T.format_number(-0.4567, bounded=True) == "-.457"
    assert T.format_number(1.5, bounded=True) == "1.500"
    assert T.format_number(-0.0004) == "0.000"            # no negative zero
    assert T.format_number(np.nan) == ""
    assert T.format_number(2.0, 1) == "2.0"


@pytest.mark.parametrize("leading_zero, expected", [("bounded", ".123"), (True, "0.123"),
                                                    (False, ".123")])
def test_leading_zero_is_configurable(leading_zero, expected):
    st = T.TableStyle(leading_zero=leading_zero)
    assert T.format_number(0.1234, bounded=True, style=st) == expected
    assert T.format_number(0.1234, style=st) == ("0.123" if leading_zero is not False else ".123")


def test_p_values_and_stars():
    assert T.format_p(0.0004) == "< .001"
    assert T.format_p(0.05) == ".050"
    assert T.format_p(0.0004, style=T.TableStyle(leading_zero=True)) == "< 0.001"
    assert [T.stars(p) for p in (0.2, 0.049, 0.009, 0.0009, np.nan)] == ["", "*", "**", "***", ""]
    custom = T.TableStyle(stars=(0.10, 0.05, 0.01))
    assert T.stars(0.07, custom) == "*"
    assert custom.legend() == "* p < .1, ** p < .05, *** p < .01."
    with pytest.raises(ValueError, match="decreasing"):
        T.TableStyle(stars=(0.001, 0.05))
    with pytest.raises(ValueError, match="leading_zero"):
        T.TableStyle(leading_zero="apa")
    with pytest.raises(ValueError, match="lang"):
        T.TableStyle(lang="fr")


def test_table_keeps_numbers_unrounded_and_appends_legend():
    data = pd.DataFrame({"path": ["A → B", "B → C"], "b": [0.45678, -0.01234], "p": [0.0001, 0.5]})
    t = T.Table("x", data, (T.Column("path", "path", "text"), T.Column("b", "beta", stars="p"),
                            T.Column("p", "p", "p")), title="X")
    assert t.data["b"].iloc[0] == 0.45678                      # nothing rounded in the data
    assert t.formatted().to_numpy().tolist() == [["A → B", "0.457***", "< .001"],
                                                 ["B → C", "-0.012", ".500"]]
    assert t.all_notes[-1] == "* p < .05, ** p < .01, *** p < .001."
    assert "−0.012" in t.to_html()                              # a real minus sign
    assert "$-$0.012" in t.to_latex()
    assert "\\*\\*\\*" in t.to_markdown()                       # stars escaped for Markdown
    assert t.to_csv().splitlines()[2] == "B → C,-0.012,.500"
    t0 = t.with_style(stars=())
    assert t0.formatted().iloc[0, 1] == "0.457" and not t0.has_stars


# ------------------------------------------------------------------ the paper's tables
def test_every_table_renders_in_every_format(analyses, tmp_path):
    built = T.all_tables(analyses)
    names = [t.name for t in built]
    assert names == ["item_descriptives", "sampling_adequacy", "efa_loadings",
                     "measurement_model", "fornell_larcker", "htmt", "fit_measures",
                     "hypotheses", "effects", "index_scores", "ipma", "invariance",
                     "group_paths"]
    for t in built:
        paths = t.save(tmp_path)
        assert [p.suffix for p in paths] == [".tex", ".md", ".html", ".csv", ".docx"]
        tex = (tmp_path / f"{t.name}.tex").read_text(encoding="utf-8")
        assert "\\toprule" in tex and "\\midrule" in tex and "\\bottomrule" in tex
        assert (tmp_path / f"{t.name}.md").read_text(encoding="utf-8").startswith("| ")
        assert len(pd.read_csv(tmp_path / f"{t.name}.csv")) == len(t.data)
        with zipfile.ZipFile(tmp_path / f"{t.name}.docx") as z:
            assert "word/document.xml" in z.namelist()


def test_hypotheses_table_matches_the_library(analyses):
    import csi_model as cm
    t = T.hypotheses(analyses.sem)
    ref = cm.hypotheses(analyses.sem)
    f = t.formatted()
    assert list(f["Hypothesis"]) == list(ref["hypothesis"])
    assert f["β"].iloc[0] == f"{ref['std.all'].iloc[0]:.3f}" + T.stars(ref["pvalue"].iloc[0])
    assert set(f["Supported"]) <= {"Yes", "No"}
    assert "CI: bootstrap" in t.notes[0]


def test_measurement_table_puts_construct_values_on_first_row(analyses):
    t = T.measurement_model(analyses.measurement)
    f = t.formatted()
    rel = analyses.measurement.reliability.set_index("latent")
    first = f.iloc[0]
    assert first["Construct"] == "Corporate image"
    assert first["AVE"] == T.format_number(rel.loc["IMAG", "ave"], bounded=True)
    assert f.iloc[1]["AVE"] == "" and f.iloc[1]["Construct"] == ""
    comp = f[f["Item"] == "COMP1"].iloc[0]
    assert comp["Cronbach's α"] == "" and "Single-item" in " ".join(t.notes)


def test_chinese_headers_construct_names_and_item_wording(analyses):
    t = T.item_descriptives(analyses.survey, analyses.spec, codebook=analyses.codebook, lang="zh")
    f = t.formatted()
    assert list(f.columns[:4]) == ["潜变量", "题项", "题项内容", "样本量"]
    assert f["潜变量"].iloc[0] == "企业形象"
    # several operators in the survey: the wording says what each respondent read
    assert f["题项内容"].iloc[0] == analyses.codebook.label("IMAG1", "zh").replace(
        "[运营商]", "您的运营商")
    h = T.hypotheses(analyses.sem, lang="zh")
    assert h.formatted()["路径"].iloc[0] == "企业形象 → 顾客期望"
    assert set(h.formatted()["是否支持"]) <= {"支持", "不支持"}
    assert h.all_notes[-1].startswith("* p < .05，")
    assert Labels("zh").construct("LOY") == "顾客忠诚"
    inv = T.invariance(analyses.invariance, lang="zh").formatted()
    assert inv.iloc[0, 0] == "形态等同"


def test_rendering_is_deterministic(analyses):
    a = T.all_tables(analyses, lang="zh")
    b = T.all_tables(analyses, lang="zh")
    for x, y in zip(a, b):
        for fmt in T.FORMATS:
            assert x.render(fmt) == y.render(fmt), (x.name, fmt)
    with zipfile.ZipFile(io.BytesIO(a[0].render("docx"))) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_effects_table_blanks_missing_paths(analyses):
    f = T.effects(analyses.sem).formatted()
    row = f[(f["From"] == "Corporate image") & (f["To"] == "Perceived quality")].iloc[0]
    assert row["Direct"] == "" and row["Indirect"] != "" and row["Indirect 95% CI"].startswith("[")


def test_docx_is_a_three_line_table(analyses, tmp_path):
    import docx
    T.fit_measures({"cfa": analyses.measurement.cfa, "sem": analyses.sem}).to_docx(tmp_path / "f.docx")
    d = docx.Document(tmp_path / "f.docx")
    assert len(d.tables) == 1
    cells = d.tables[0].rows
    assert cells[0].cells[0].text == "Model" and cells[1].cells[0].text == "Measurement model (CFA)"
    assert "Hu & Bentler" in "\n".join(p.text for p in d.paragraphs)
