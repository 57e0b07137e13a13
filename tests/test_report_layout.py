"""The HTML report's tables fit the page and its warnings are listed once (issue 18, point 8).

The English report's EFA table was 1224 px wide in a 1100 px page (the factor headers
"F5 (Customer expectation)" could not wrap); measured here in headless Chromium as
test_paper_report.py renders the report. At a 720 px window (an A4 page's width at
96 dpi) the EFA loadings, hypotheses, index scores and invariance tables were 17-118 px
wider than their box, and printed to PDF (US Letter, Chromium's default) the hypotheses
table lost its "Supported" column to the scroll box's clipping: the report now has
narrow-screen and print rules (A4), checked here in the printed PDF with poppler."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from csi_model.report import labels as L
from csi_model.report import tables as T
from csi_model.report.html import report_html
from csi_model.report.paper import _warnings_markdown

from _report_data import demo_analyses

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")
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
@pytest.mark.parametrize("width", [1200, 1000, 720])
def test_every_report_table_fits_the_page(lang, width, tmp_path):
    page = report_html(demo_analyses(), lang=lang)
    widths = _table_widths(page, tmp_path, width)
    assert "tab-efa_loadings" in widths and len(widths) >= 10
    too_wide = {k: v for k, v in widths.items() if v[0] > v[1] or v[0] > v[2]}
    assert too_wide == {}, too_wide


A4_PT = (595.28, 841.89)
MARGIN_PT = 12 / 25.4 * 72          # @page margin 14mm 12mm: 12 mm left and right


def _print_pdf(page: str, tmp_path: Path) -> Path:
    html, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    html.write_text(page, encoding="utf-8")
    subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                    "--no-pdf-header-footer", "--virtual-time-budget=10000",
                    f"--print-to-pdf={pdf}", html.as_uri()],
                   capture_output=True, timeout=180)
    assert pdf.is_file() and pdf.stat().st_size > 10_000
    return pdf


def _pdf_words(pdf: Path) -> list[tuple[int, float, float, float, float, float, float, str]]:
    """(page, width, height, xMin, xMax, yMin, yMax, text) of every word pdftotext finds."""
    xml = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, timeout=60).stdout
    out = []
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S)
    for k, (w, h, body) in enumerate(pages):
        for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                r"([^<]*)</word>", body):
            out.append((k, float(w), float(h), float(x0), float(x1), float(y0), float(y1),
                        html.unescape(word)))
    return out


def _same_line(words, first: str, last: str) -> bool:
    """A word starting ``first`` and, to its right on the same line and page, one ending
    ``last`` (the cells are top-aligned, so a row's first lines overlap vertically; CJK
    glyph boxes are taller than Latin ones, so overlap and not equal tops)."""
    starts = [w for w in words if first.startswith(w[7]) and len(w[7]) >= min(2, len(first))]
    ends = [w for w in words if last.endswith(w[7]) and len(w[7]) >= min(2, len(last))]
    return any(a[0] == b[0] and max(a[5], b[5]) < min(a[6], b[6]) - 2 and b[3] > a[4]
               for a in starts for b in ends)


@pytest.mark.skipif(CHROMIUM is None or PDFTOTEXT is None,
                    reason="Debian's chromium and poppler-utils are not installed (.ci/run does)")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_printed_report_is_a4_and_keeps_every_table_column(lang, tmp_path):
    a = demo_analyses()
    words = _pdf_words(_print_pdf(report_html(a, lang=lang), tmp_path))
    assert len(words) > 500
    sizes = {(round(w), round(h)) for _, w, h, *_ in words}
    assert sizes == {(round(A4_PT[0]), round(A4_PT[1]))}, sizes          # A4, not US Letter
    outside = [(k + 1, x0, x1, t) for k, w, _, x0, x1, _, _, t in words
               if x0 < MARGIN_PT - 2 or x1 > w - MARGIN_PT + 2]
    assert outside == [], outside[:10]                                  # nothing in the margins
    tabs = {t.name: t for t in T.all_tables(a, lang=lang)}
    for name in ("efa_loadings", "hypotheses", "index_scores", "invariance"):
        t = tabs[name]
        last_row = t._cells(t.style.minus)[-1]
        first, last = last_row[0].split()[0], last_row[-1].split()[-1]
        assert last, name
        # the last row's first and last cells print side by side: no column was clipped
        assert _same_line(words, first, last), (name, first, last)
        header = t.headers[-1].split()[-1]
        assert any(header.endswith(w[7]) and len(w[7]) >= min(2, len(header))
                   for w in words), (name, header)


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
