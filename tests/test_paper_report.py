"""The paper build (one command, byte-identical tables), the HTML report in headless
Chromium, and figures with Chinese labels (no missing glyphs)."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest

import csi_model as cm
from csi_model.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    outs = []
    for k in range(2):
        out = tmp_path_factory.mktemp(f"build{k}")
        assert main(["paper", "build", str(ROOT / "paper"), "--out", str(out), "--no-pdf",
                     "--quiet"]) == 0
        outs.append(out)
    return outs


def test_paper_build_writes_every_table_format_and_figure(two_builds):
    out = two_builds[0]
    tables = {p.name for p in (out / "tables").iterdir()}
    stems = {n.rsplit(".", 1)[0] for n in tables if "." in n}
    assert stems >= {"item_descriptives", "sampling_adequacy", "efa_loadings", "measurement_model",
                     "fornell_larcker", "htmt", "fit_measures", "hypotheses", "effects",
                     "index_scores", "ipma", "invariance", "group_paths"}
    for ext in ("tex", "md", "html", "csv", "docx"):
        assert any(n.endswith("." + ext) for n in tables), ext
    figures = {str(p.relative_to(out / "figures")) for p in (out / "figures").rglob("*.*")}
    for name in ("path_diagram", "scree", "ipma_map", "index_trends", "bootstrap"):
        assert {f"{name}.png", f"{name}.svg", f"zh/{name}.png"} <= figures, name
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    data_sha = hashlib.sha256((ROOT / "csi_model" / "data" / "telecom_demo.csv").read_bytes()).hexdigest()
    assert data_sha in json.dumps(manifest)
    assert "csi_model" in json.dumps(manifest) and "seed" in json.dumps(manifest)
    tex = next((out / "tables").glob("hypotheses*.tex")).read_text(encoding="utf-8")
    assert "\\toprule" in tex and "\\bottomrule" in tex


def test_second_build_gives_byte_identical_tables(two_builds):
    a, b = (_digests(o / "tables") for o in two_builds)
    assert a == b and len(a) > 50


def test_paper_markdown_includes_the_tables_and_figures(two_builds):
    text = (two_builds[0] / "paper.md").read_text(encoding="utf-8")
    assert re.search(r"!\[.*\]\(figures/.*path_diagram.*\.png\)", text)
    assert "|" in text and "{{" not in text


def _render(html: Path, tmp_path: Path) -> tuple[str, Path]:
    """Load the page in headless Chromium: the DOM after load (with a probe that counts
    decoded images and their widths) and a screenshot."""
    probe = tmp_path / "probe.html"
    page = html.read_text(encoding="utf-8")
    script = ("<script>window.addEventListener('load', () => { const imgs = [...document.images];"
              "document.title = 'IMAGES ' + imgs.length + ' LOADED ' + "
              "imgs.filter(i => i.complete && i.naturalWidth > 0).length; });</script>")
    probe.write_text(page.replace("</body>", script + "</body>"), encoding="utf-8")
    base = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(base + ["--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    shot = tmp_path / "shot.png"
    subprocess.run(base + ["--window-size=1200,2400", f"--screenshot={shot}", html.as_uri()],
                   capture_output=True, timeout=120)
    return dom, shot


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_report_renders_in_headless_chromium(lang, tmp_path):
    html = tmp_path / f"report_{lang}.html"
    survey = ROOT / "csi_model" / "data" / "telecom_demo.csv"
    assert main(["report", str(survey), "--model", "telecom", "--out", str(html), "--lang", lang,
                 "--bootstrap", "50", "--quiet"]) == 0
    page = html.read_text(encoding="utf-8")
    assert "src=\"http" not in page and "<link " not in page      # self-contained
    n_inline = len(re.findall(r"<img[^>]+src=\"data:image/png;base64,", page))
    assert n_inline >= 4
    if lang == "zh":
        assert "顾客满意度" in page
    dom, shot = _render(html, tmp_path)
    m = re.search(r"IMAGES (\d+) LOADED (\d+)", dom)
    assert m, dom[:500]
    assert int(m.group(1)) == n_inline and int(m.group(2)) == n_inline   # every figure decodes
    from matplotlib.image import imread
    pixels = imread(shot)
    non_white = (pixels[..., :3] < 0.9).any(axis=2).mean()
    assert 0.02 < non_white < 0.9


def test_figures_with_chinese_labels_have_no_missing_glyphs(tmp_path):
    from csi_model.report import figures
    from csi_model.report.fonts import cjk_font_available
    if not cjk_font_available():
        pytest.fail("No CJK font found: install Debian's fonts-noto-cjk (.ci/run does).")
    res = cm.fit("telecom", cm.simulate_survey("telecom", n=300, seed=1))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = figures.path_diagram(res, lang="zh")
        figures.save(ax, tmp_path / "path_zh.png")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert not missing, missing
    labels = [t.get_text() for t in ax.texts]
    assert any("满意" in t for t in labels)


def test_figure_functions_take_ax_and_return_it():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from csi_model.report import figures
    res = cm.fit("acsi", cm.simulate_survey("acsi", n=300, seed=2))
    fig, ax = plt.subplots()
    assert figures.path_diagram(res, ax=ax) is ax
    plt.close(fig)
