"""The Chinese report (issue 18, point 5): every word from report/labels.py, warnings in
Chinese, the operator's name in the item wording, tables translated by with_style."""
from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest

import csi_model as cm
from csi_model.report import labels as L
from csi_model.report import tables as T
from csi_model.report.html import report_html
from _report_data import demo_analyses

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# three English words in a row; references "(Hair et al., 2019)" and names are allowed
ENGLISH = re.compile(r"[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}")
REFERENCE = re.compile(r"[A-Z][A-Za-z-]+(?: (?:&|and) [A-Z][A-Za-z-]+| et al\.)?, (?:19|20)\d\d")


def _visible_text(page: str) -> list[str]:
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)
    page = re.sub(r'src="data:[^"]*"', "", page)
    return [t.strip() for t in html.unescape(re.sub(r"<[^>]+>", "\n", page)).splitlines()
            if t.strip()]


def _english_sentences(lines: list[str]) -> list[str]:
    return [t for t in lines if ENGLISH.search(REFERENCE.sub("", t))]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_chinese_report_has_no_english_sentence(tmp_path):
    page = tmp_path / "report_zh.html"
    page.write_text(report_html(demo_analyses(), lang="zh"), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                          "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    lines = _visible_text(dom)
    assert any("顾客满意度指数分析报告" in t for t in lines), dom[:300]
    assert _english_sentences(lines) == []
    assert not any("[运营商]" in t or "[Operator]" in t for t in lines)
    # and the English report does have its English header lines
    en = _visible_text(report_html(demo_analyses(), lang="en"))
    assert any("constructs" in t for t in en)
    # each warning once, translated; the report keeps every respondent (missing='ml'): no
    # listwise deletion, the EM notes of PLS and of the measurement model once each
    assert not any(t.startswith("Listwise deletion") for t in en)
    em_en = [t for t in en if re.match(r"EM: \d+ missing answers of", t)]
    assert len(em_en) == 2
    assert sum(t.startswith("EM：") for t in lines) == len(em_en)


def test_every_warning_of_the_demo_analyses_is_translated():
    a = demo_analyses()
    warns = {*a.warnings, *a.sem.warnings, *a.measurement.warnings, *a.notes,
             *a.pls.warnings, *a.index.warnings}
    assert warns
    for w in warns:
        zh = L.translate_warning(w, "zh")
        assert zh is not None, w
        assert not ENGLISH.search(REFERENCE.sub("", zh)), zh
    assert L.translate_warning("Something new happened here.", "zh") is None


def test_improper_solution_warnings_are_translated():
    msgs = ["Heywood case: the residual variance of x1 is negative (-0.120) (model line 2). "
            "The solution is improper.",
            "Standardized loading above 1 in absolute value: visual =~ x1 = 1.020. "
            "The solution is improper.",
            "The latents A and B correlate 0.970 (above 0.95): they may not be empirically "
            "distinct (poor discriminant validity).",
            "The estimation did not converge in 500 iterations: the estimates are not a "
            "maximum-likelihood solution. Simplify the model or check the data."]
    zh = [L.translate_warning(m, "zh") for m in msgs]
    assert zh[0] == "Heywood 现象：x1 的残差方差为负（-0.120）（模型第 2 行），解不合理（improper）。"
    assert "载荷" in zh[1] and "0.970" in zh[2] and "500" in zh[3]


def test_operator_is_filled_into_the_wording():
    cb = cm.load_codebook("telecom")
    assert L.Labels("zh", cb, operator="China Mobile").item("IMAG1").startswith("中国移动")
    assert L.Labels("en", cb, operator="China Mobile").item("IMAG1").startswith("China Mobile ")
    assert L.Labels("zh", cb).item("IMAG1").startswith("您的运营商")
    assert L.Labels("en", cb).item("IMAG1").startswith("Your operator is")
    a = demo_analyses()
    one = a.survey.data[a.survey.data.operator == "China Unicom"]
    t = T.item_descriptives(one, a.spec, codebook=a.codebook, lang="zh")
    assert all("中国联通" in w or "[运营商]" not in w for w in t.data["wording"])
    assert any("中国联通" in w for w in t.data["wording"])


def test_with_style_lang_translates_a_built_table():
    a = demo_analyses()
    en = T.hypotheses(a.sem)
    zh = en.with_style(lang="zh")
    assert zh.headers == T.hypotheses(a.sem, lang="zh").headers
    assert zh.title == T.hypotheses(a.sem, lang="zh").title
    assert zh.to_csv() == T.hypotheses(a.sem, lang="zh").to_csv()
    assert "假设" in zh.headers and "Hypothesis" not in zh.headers
    assert zh.with_style(lang="en").to_csv() == en.to_csv()
    # other style changes keep the language
    assert en.with_style(digits=2).headers == en.headers
