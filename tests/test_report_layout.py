"""The HTML report's tables fit the page and its warnings are listed once (issue 18, point 8).

The English report's EFA table was 1224 px wide in a 1100 px page (the factor headers
"F5 (Customer expectation)" could not wrap); measured here in headless Chromium as
test_paper_report.py renders the report."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from csi_model.report import labels as L
from csi_model.report.html import report_html
from csi_model.report.paper import _warnings_markdown

from _report_data import demo_analyses

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PROBE = ("<script>window.addEventListener('load', () => {"
         "const r = [...document.querySelectorAll('table.csi-table')].map(t => t.id + ':' + "
         "t.scrollWidth + ':' + t.parentElement.clientWidth + ':' + document.body.clientWidth);"
         "document.title = 'TABLES ' + r.join(' '); });</script>")


def _table_widths(page: str, tmp_path, width: int) -> dict[str, tuple[int, int, int]]:
    probe = tmp_path / f"probe{width}.html"
    probe.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                          f"--window-size={width},2000", "--virtual-time-budget=10000",
                          "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"<title>TABLES ([^<]*)</title>", dom)
    assert m, dom[:500]
    out = {}
    for part in m.group(1).split():
        name, table, box, body = part.rsplit(":", 3)
        out[name] = (int(table), int(box), int(body))
    return out


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [1200, 1000])
def test_every_report_table_fits_the_page(lang, width, tmp_path):
    page = report_html(demo_analyses(), lang=lang)
    widths = _table_widths(page, tmp_path, width)
    assert "tab-efa_loadings" in widths and len(widths) >= 10
    too_wide = {k: v for k, v in widths.items() if v[0] > v[1] or v[0] > v[2]}
    assert too_wide == {}, too_wide


def test_efa_headers_wrap_between_words_only():
    page = report_html(demo_analyses(), lang="en")
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    rule = re.search(r"table\.csi-table th\.num\{([^}]*)\}", css).group(1)
    assert "white-space:normal" in rule and "hyphens:none" in rule
    assert "overflow-wrap:normal" in rule and "word-break" not in rule


def _report_warnings(page: str) -> list[str]:
    block = re.search(r'<div class="warnings" id="warnings">(.*?)</div>', page, re.S).group(1)
    return re.findall(r"<li>(.*?)</li>", block, re.S)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_warning_is_listed_once_with_the_ml_default(lang):
    # EM (PLS, measurement) and FIML (CB-SEM) each note the same unique missing-data
    # patterns: one note naming both methods, in the analyses, the report and the paper
    a = demo_analyses()
    assert len(a.warnings) == len(set(a.warnings))
    notes = [w for w in a.warnings if "missing-data pattern(s) occur in one respondent" in w]
    assert len(notes) == 1, notes
    assert "That is fine for EM and FIML (each respondent" in notes[0]
    items = _report_warnings(report_html(a, lang=lang))
    assert len(items) == len(set(items)) == len(a.warnings)
    assert sum(("缺失模式" if lang == "zh" else "missing-data pattern") in i for i in items) == 1
    if lang == "zh":
        assert any("这对 EM 和 FIML 没有问题" in i for i in items)
    md = _warnings_markdown(a, lang).splitlines()
    assert len(md) == len(set(md)) == len(a.warnings)


def test_each_warning_is_listed_once():
    a = demo_analyses(missing="listwise")
    assert len(a.warnings) == len(set(a.warnings))
    # the measurement model, the CB-SEM, the PLS fit and the multi-group fits each report
    # the same listwise deletion: one line in the analyses, the report and the paper
    listwise = [w for w in a.warnings if w.startswith("Listwise deletion")]
    assert len(listwise) == 1, listwise
    assert re.match(r"Listwise deletion: \d+ of \d+ respondents read from .*telecom_demo\.csv",
                    listwise[0])
    items = _report_warnings(report_html(a, lang="en"))
    assert len(items) == len(set(items)) and sum("Listwise deletion" in i for i in items) == 1
    md = _warnings_markdown(a, "en").splitlines()
    assert len(md) == len(set(md)) == len(a.warnings)


def test_same_warnings_keeps_the_first_order_and_the_longest_wording():
    msgs = ["B.", "Listwise deletion: 4 of 90 rows with missing answers were dropped.", "A.",
            "Listwise deletion within groups: 4 incomplete rows were dropped.", "B.",
            "Listwise deletion: 4 of 90 respondents read from x.csv have a missing answer to "
            "the model's items and were dropped; the results use 86 of 90.",
            "Listwise deletion within groups: 5 incomplete rows were dropped."]
    assert L.same_warnings(msgs) == ["B.", msgs[5], "A.", msgs[6]]
