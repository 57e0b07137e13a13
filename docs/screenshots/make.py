"""Regenerate the screenshots in this folder (linked from the README).

    python docs/screenshots/make.py

Needs Debian's chromium, libreoffice-writer and poppler-utils (as the rendering tests).
Everything comes from the embedded demo survey with the defaults of ``csi-model report``
(bootstrap 200, seed 1), so the pictures show what a user gets:

- ``report_en.png``, ``report_zh.png``: the top of the HTML report in Chromium;
- ``report_en_print.png``: the structural-model page of the English report printed to an
  A4 PDF by Chromium (the hypothesis table keeps every column);
- ``word_table.png``: the first page of the Word tables, rendered by LibreOffice;
- ``path_diagram.png``: the full model (items, loadings, paths) at page width;
- ``index_trends.png``: the satisfaction index by operator and wave, with intervals.

The PNGs are palette images (< 300 KB each).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars"]
MAX_BYTES = 300_000
DEMO = "csi_model/data/telecom_demo.csv"


def _tool(*names: str) -> str:
    for n in names:
        path = shutil.which(n)
        if path:
            return path
    sys.exit(f"make.py needs {names[0]} (Debian: apt-get install {names[0]}).")


def _small_png(src: Path, dst: Path, *, box=None, width: int | None = None,
               colors: int = 64) -> None:
    """Crop to ``box`` (left, top, right, bottom), scale to ``width`` and save as a palette PNG."""
    from PIL import Image
    im = Image.open(src).convert("RGB")
    if box is not None:
        im = im.crop(box)
    if width is not None and im.width > width:
        im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
    im = im.quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    im.save(dst, optimize=True)
    size = dst.stat().st_size
    if size > MAX_BYTES:
        sys.exit(f"{dst.name} is {size} bytes, more than {MAX_BYTES}: crop or scale it down.")
    print(f"{dst.relative_to(ROOT)}: {im.width} x {im.height} px, {size // 1000} KB")


def _chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([_tool("chromium", "chromium-browser"), *CHROMIUM_FLAGS,
                           f"--user-data-dir={tmp / 'chromium-profile'}", *args],
                          capture_output=True, text=True, timeout=180)


def write_reports(tmp: Path) -> dict[str, Path]:
    """``csi-model report`` on the demo survey, in English and Chinese."""
    import os
    from csi_model.cli import main
    out = {}
    cwd = os.getcwd()
    os.chdir(ROOT)                 # the report names the survey as given: a relative path
    try:
        for lang in ("en", "zh"):
            out[lang] = tmp / f"report_{lang}.html"
            assert main(["report", DEMO, "--model", "telecom", "--lang", lang,
                         "--out", str(out[lang]), "--quiet"]) == 0
    finally:
        os.chdir(cwd)
    return out


def report_screenshots(reports: dict[str, Path], tmp: Path) -> None:
    probe = ("<script>window.addEventListener('load', () => {"
             "const r = {}; for (const id of ['sec-data', 'sec-measurement']) {"
             "const e = document.getElementById(id); if (e) r[id] = e.getBoundingClientRect().top; }"
             "document.title = 'BOXES ' + JSON.stringify(r); });</script>")
    for lang, path in reports.items():
        page = path.read_text(encoding="utf-8")
        html = tmp / f"probe_{lang}.html"
        html.write_text(page.replace("</body>", probe + "</body>"), encoding="utf-8")
        dom = _chromium(["--window-size=1000,1600", "--virtual-time-budget=10000",
                         "--dump-dom", html.as_uri()], tmp).stdout
        boxes = json.loads(re.search(r"<title>BOXES (.*?)</title>", dom).group(1)
                           .replace("&quot;", '"'))
        shot = tmp / f"shot_{lang}.png"
        _chromium(["--window-size=1000,1600", "--virtual-time-budget=10000",
                   f"--screenshot={shot}", path.as_uri()], tmp)
        # the header, the warnings, the contents and the first table's beginning
        bottom = min(1600, round(boxes.get("sec-measurement", 1600)), round(boxes["sec-data"]) + 520)
        _small_png(shot, HERE / f"report_{lang}.png", box=(0, 0, 1000, bottom))


def print_screenshot(html: Path, tmp: Path) -> None:
    """The page of the printed (A4) English report with the hypothesis table."""
    pdf = tmp / "print_en.pdf"
    _chromium(["--no-pdf-header-footer", "--virtual-time-budget=10000",
               f"--print-to-pdf={pdf}", html.as_uri()], tmp)
    text = subprocess.run([_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout.split("\f")
    page = next(k for k, t in enumerate(text, 1) if "hypothesis tests" in t)
    subprocess.run([_tool("pdftoppm"), "-r", "100", "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(tmp / "print")], check=True)
    _small_png(tmp / "print.png", HERE / "report_en_print.png")


def word_screenshot(a, tmp: Path) -> None:
    from csi_model.report import tables as T
    tabs = {t.name: t for t in T.all_tables(a, lang="en")}
    doc = None
    for name in ("measurement_model", "hypotheses"):
        doc = tabs[name].to_docx(document=doc)
    docx = tmp / "tables.docx"
    T.write_docx(doc, docx)
    subprocess.run([_tool("soffice", "libreoffice"), f"-env:UserInstallation=file://{tmp / 'lo'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(tmp), str(docx)],
                   check=True, capture_output=True, timeout=240)
    subprocess.run([_tool("pdftoppm"), "-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp / "tables.pdf"), str(tmp / "word")], check=True)
    _small_png(tmp / "word.png", HERE / "word_table.png")


def figure_screenshots(a, tmp: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from csi_model.report import figures as F
    ax = F.path_diagram(a.sem, full=True, size="page")
    F.save(ax, tmp / "path.png", dpi=150)
    plt.close(ax.figure)
    _small_png(tmp / "path.png", HERE / "path_diagram.png", colors=96)
    ax = F.index_trends(a.trends, latent=a.index.target, size="column")
    F.save(ax, tmp / "trends.png", dpi=200)
    plt.close(ax.figure)
    _small_png(tmp / "trends.png", HERE / "index_trends.png", colors=96)


def main() -> None:
    import csi_model as cm
    from csi_model.report.analysis import analyze
    spec = cm.load_model("telecom")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = cm.read_survey(str(ROOT / DEMO), items=spec.observed, missing_codes=[99])
        # as csi-model report runs it
        a = analyze(spec, survey, codebook=cm.load_codebook("telecom"), seed=1, bootstrap=200,
                    htmt_bootstrap=200)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        reports = write_reports(tmp)
        report_screenshots(reports, tmp)
        print_screenshot(reports["en"], tmp)
        word_screenshot(a, tmp)
        figure_screenshots(a, tmp)


if __name__ == "__main__":
    main()
