"""The Word tables rendered by LibreOffice (issue 18, point 3): APA layout, fitted columns.

The .docx of every paper table is converted to PDF by LibreOffice headless (Debian's
libreoffice-writer; .ci/run installs it) and read back with poppler's pdftotext/pdftoppm:

- no word is broken across lines (every word of every cell is a whole word in the PDF);
- a number never wraps (a CI "[0.259, 0.542]" and "< .001" stay on one line);
- no text runs into the right margin; A4 by default, US Letter on request;
- "Table N", its title and its note are there, the wide tables are on landscape pages.
"""
from __future__ import annotations

import collections
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from csi_model.report import tables as T
from _report_data import demo_analyses

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")
needs_tools = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None or PDFTOPPM is None,
    reason="LibreOffice and poppler are not installed (.ci/run installs libreoffice-writer "
           "and poppler-utils)")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WORD = re.compile(r"[A-Za-z][A-Za-z']*")


def _to_pdf(docx: Path) -> Path:
    profile = docx.parent / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(docx.parent), str(docx)],
                   check=True, capture_output=True, timeout=240)
    pdf = docx.with_suffix(".pdf")
    assert pdf.is_file(), "LibreOffice did not write the PDF"
    return pdf


def _pdf_words(pdf: Path):
    """(page, text, xMin, yMin, xMax, page width) of every word, in reading order."""
    out = subprocess.run([PDFTOTEXT, "-bbox", str(pdf), "-"], check=True,
                         capture_output=True, text=True).stdout
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", out).replace(
        'xmlns="http://www.w3.org/1999/xhtml"', ""))
    words = []
    for k, page in enumerate(root.iter("page")):
        pw = float(page.get("width"))
        for w in page.iter("word"):
            words.append((k, w.text or "", float(w.get("xMin")), float(w.get("yMin")),
                          float(w.get("xMax")), pw, float(page.get("height"))))
    return words


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = {}
    for lang in ("en", "zh"):
        d = tmp_path_factory.mktemp(f"docx_{lang}")
        built = T.all_tables(demo_analyses(), lang=lang)
        doc = None
        for tab in built:
            doc = tab.to_docx(document=doc)
        path = d / "all_tables.docx"
        T.write_docx(doc, path)
        pdf = _to_pdf(path)
        subprocess.run([PDFTOPPM, "-r", "50", "-png", str(pdf), str(d / "page")], check=True)
        out[lang] = (built, path, pdf, _pdf_words(pdf))
    return out


@needs_tools
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_word_is_broken_and_no_number_wraps(rendered, lang):
    built, _, _, words = rendered[lang]
    in_pdf = collections.Counter(w for _, text, *_ in words for w in WORD.findall(text))
    in_cells = collections.Counter()
    one_line = []
    for tab in built:
        in_cells.update(w for h in tab.headers for w in WORD.findall(h))
        for row in tab._cells(tab.style.minus):
            for v, col in zip(row, tab.columns):
                in_cells.update(WORD.findall(v))
                if col.numeric and " " in v.strip() and re.search(r"\d", v):
                    one_line.append(v.split())
    missing = {w: n - in_pdf[w] for w, n in in_cells.items() if in_pdf[w] < n}
    assert not missing, f"words broken across lines in the rendered tables: {missing}"
    texts = [w[1] for w in words]
    for tokens in set(map(tuple, one_line)):
        k = len(tokens)
        hits = [i for i in range(len(texts) - k + 1) if tuple(texts[i:i + k]) == tokens]
        assert hits, f"{' '.join(tokens)!r} not found on one line"
        for i in hits:
            ys = {round(words[j][3]) for j in range(i, i + k)}
            assert len(ys) == 1, f"the number {' '.join(tokens)!r} wraps"


@needs_tools
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tables_stay_inside_the_margins_of_a4_pages(rendered, lang):
    _, path, _, words = rendered[lang]
    sizes = {(round(w[5]), round(w[6])) for w in words}
    assert sizes <= {(595, 842), (842, 595)}, sizes     # A4, portrait or landscape
    assert (842, 595) in sizes                          # the wide tables went landscape
    for page, text, x0, y0, x1, pw, ph in words:
        assert x1 <= pw - 72 + 3 and x0 >= 72 - 3, (page, text, x0, x1)
    # the layout the renderer kept: fixed widths, summing to at most the text width
    with zipfile.ZipFile(path) as z:
        body = ET.fromstring(z.read("word/document.xml"))
    for tbl in body.iter(f"{W}tbl"):
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        grid = [int(g.get(f"{W}w")) for g in tbl.iter(f"{W}gridCol")]
        assert sum(grid) <= (11.69 - 2) * 1440


@needs_tools
def test_apa_number_title_and_note(rendered):
    import docx

    built, path, pdf, words = rendered["en"]
    text = " ".join(w[1] for w in words)
    for k, tab in enumerate(built, start=1):
        assert f"Table {k} {tab.title.split()[0]}" in text
    d = docx.Document(str(path))
    paras = [p for p in d.paragraphs if p.text]
    first = paras.index(next(p for p in paras if p.text == "Table 1"))
    assert paras[first].runs[0].bold and paras[first + 1].runs[0].italic
    assert paras[first + 1].text == built[0].title
    notes = [p for p in paras if p.text.startswith("Note. ")]
    assert notes and all(p.runs[0].italic and p.runs[0].text == "Note. " for p in notes)
    pngs = sorted(path.parent.glob("page-*.png"))
    assert len(pngs) == len({w[0] for w in words}) and all(p.stat().st_size > 5000 for p in pngs)
    zh = " ".join(w[1] for w in rendered["zh"][3])
    assert "表 1" in zh and "Table" not in zh


def test_letter_paper_on_request_and_a4_by_default(tmp_path):
    import docx

    a = demo_analyses()
    fit = T.fit_measures({"sem": a.sem})
    for paper, want in (("a4", (8.27, 11.69)), ("letter", (8.5, 11.0))):
        p = tmp_path / f"{paper}.docx"
        (fit.to_docx(p) if paper == "a4" else fit.with_style(paper=paper).to_docx(p))
        sec = docx.Document(str(p)).sections[0]
        assert (round(sec.page_width.inches, 2), round(sec.page_height.inches, 2)) == want
    with pytest.raises(ValueError, match="'paper' parameter must be one of"):
        T.TableStyle(paper="A5")


def test_a_wide_table_goes_landscape_and_a_narrow_one_stays_portrait():
    a = demo_analyses()
    items = T.item_descriptives(a.survey, a.spec, codebook=a.codebook)
    fit = T.fit_measures({"sem": a.sem})
    wide, narrow = T._layout(items, "a4"), T._layout(fit, "a4")
    assert wide.landscape and not narrow.landscape
    assert sum(wide.widths) <= 11.69 - 2 and sum(narrow.widths) <= 8.27 - 2
    # the wording column gets the room: no item runs to more than 4 lines
    k = [c.kind for c in items.columns].index("longtext")
    assert wide.widths[k] == max(wide.widths)


@needs_tools
def test_rows_are_evenly_spaced_when_cells_are_empty(tmp_path):
    # the rows after a construct's first have empty construct and reliability cells; their
    # paragraph marks took the Normal style's 11 pt, so IMAG1-IMAG2 were 11 pt apart and
    # IMAG2-IMAG5 16 pt: every row of a single-line table now has the same pitch
    a = demo_analyses()
    path = tmp_path / "measurement.docx"
    tab = next(t for t in T.all_tables(a, lang="en") if t.name == "measurement_model")
    tab.to_docx(path)
    words = _pdf_words(_to_pdf(path))
    ys = {w[1]: w[3] for w in words if re.fullmatch(r"(IMAG|QUAL)\d", w[1])}
    assert len(ys) == 12, sorted(ys)
    for stem, k in (("IMAG", 5), ("QUAL", 7)):
        gaps = [ys[f"{stem}{i + 1}"] - ys[f"{stem}{i}"] for i in range(1, k)]
        assert max(gaps) - min(gaps) < 0.5, (stem, gaps)
