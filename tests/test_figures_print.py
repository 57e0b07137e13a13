"""Figures for print (issue 18, point 4): drawn at a journal column or page width with every
text >= 8 pt at that size, no overlapping labels, the full model with items and loadings,
300 dpi by default, vector formats, and the index trends with intervals on an honest axis."""
from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from csi_model.report import figures as F  # noqa: E402
from _report_data import demo_analyses  # noqa: E402


@pytest.fixture(scope="module")
def analyses():
    return demo_analyses()


def _texts(fig):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    return [(t, t.get_window_extent(r)) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.figure is fig]


def _overlaps(fig):
    out = []
    for (a, ba), (b, bb) in itertools.combinations(_texts(fig), 2):
        if (min(ba.x1, bb.x1) - max(ba.x0, bb.x0) > 1 and
                min(ba.y1, bb.y1) - max(ba.y0, bb.y0) > 1):
            out.append((a.get_text(), b.get_text()))
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size,full", [("page", False), ("column", False), ("page", True)])
def test_path_diagram_at_print_size(analyses, lang, size, full):
    ax = F.path_diagram(analyses.sem, lang=lang, size=size, full=full)
    fig = ax.figure
    assert fig.get_figwidth() == pytest.approx(F.SIZES[size])
    texts = _texts(fig)
    assert min(t.get_fontsize() for t, _ in texts) >= F.MIN_FONT_PT
    assert _overlaps(fig) == []
    # every text inside the figure
    W, H = fig.get_figwidth() * fig.dpi, fig.get_figheight() * fig.dpi
    for t, bb in texts:
        assert bb.x0 >= -1 and bb.x1 <= W + 1 and bb.y0 >= -1 and bb.y1 <= H + 1, t.get_text()
    shown = " ".join(t.get_text() for t, _ in texts)
    if full:   # every item and its loading
        for item in analyses.spec.observed:
            assert item in shown
        load = analyses.sem.loadings.set_index("rhs")["std.all"]
        assert F.format_number(load["QUAL1"], 2) in shown
    plt.close(fig)


def test_the_full_model_is_refused_where_it_cannot_be_read(analyses):
    with pytest.raises(ValueError, match="does not fit a width of 3.5 in with 8 pt labels"):
        F.path_diagram(analyses.sem, size="column", full=True)
    with pytest.raises(ValueError, match="'size' parameter must be one of"):
        F.path_diagram(analyses.sem, size="a4")
    plt.close("all")


@pytest.mark.parametrize("size", ["column", "page"])
def test_every_figure_has_8pt_text_at_its_declared_width(analyses, size):
    figs = [F.scree(analyses.measurement, size=size), F.ipma_map(analyses.index, size=size),
            F.index_trends(analyses.trends, size=size),
            F.bootstrap_distributions(analyses.sem, size=size)]
    for ax in figs:
        assert ax.figure.get_figwidth() == pytest.approx(F.SIZES[size])
        assert min(t.get_fontsize() for t, _ in _texts(ax.figure)) >= F.MIN_FONT_PT
    plt.close("all")


def test_index_trends_show_intervals_on_the_whole_scale(analyses):
    tr = analyses.trends
    assert {"ci.lower", "ci.upper", "n"} <= set(tr.columns)
    ax = F.index_trends(tr)
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == tr["operator"].nunique()
    assert ax.get_ylim() == (0, 100)
    sat = tr[tr.latent == "SAT"].sort_values(["operator", "wave"])
    zoom = F.index_trends(tr, ylim=None)
    lo, hi = zoom.get_ylim()
    assert hi - lo >= 20 and lo <= sat["ci.lower"].min() and hi >= sat["ci.upper"].max()
    # the bars are the bootstrap intervals of the table
    segs = np.concatenate([b.lines[2][0].get_segments() for b in bars])
    got = np.sort(np.array([[s[0][1], s[1][1]] for s in segs]), axis=0)
    want = np.sort(sat[["ci.lower", "ci.upper"]].to_numpy(), axis=0)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    plt.close("all")


def test_save_defaults_to_300_dpi_and_writes_vectors(analyses, tmp_path):
    from PIL import Image
    ax = F.path_diagram(analyses.sem, size="column")
    png = F.save(ax, tmp_path / "p.png")
    with Image.open(png) as im:
        assert round(im.info["dpi"][0]) == 300
        assert im.size[0] == 300 * 3.5      # exactly the declared width
    for ext in ("svg", "pdf", "eps"):
        p = F.save(ax, tmp_path / f"p.{ext}")
        assert p.stat().st_size > 1000
    assert (tmp_path / "p.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    plt.close("all")
