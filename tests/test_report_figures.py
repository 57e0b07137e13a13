"""Figures: every function takes ax=None and returns the Axes; Chinese labels render with no
missing glyph; the path diagram is laid out by the structural DAG's depth."""
from __future__ import annotations

import logging
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from csi_model.report import figures as F  # noqa: E402
from csi_model.report.fonts import cjk_font_available, font_families  # noqa: E402

from _report_data import demo_analyses  # noqa: E402


@pytest.fixture(scope="module")
def analyses():
    return demo_analyses()


def _all_figures(a, lang, ax_factory=lambda: None):
    return {
        "path_diagram": F.path_diagram(a.sem, lang=lang, ax=ax_factory(), title=True),
        "path_diagram_pls": F.path_diagram(a.pls, lang=lang, ax=ax_factory()),
        "scree": F.scree(a.measurement, lang=lang, ax=ax_factory(), title=True),
        "ipma_map": F.ipma_map(a.index, lang=lang, ax=ax_factory(), title=True),
        "index_trends": F.index_trends(a.trends, lang=lang, ax=ax_factory(), title=True),
        "bootstrap": F.bootstrap_distributions(a.sem, lang=lang, ax=ax_factory(), title=True),
    }


def test_functions_take_ax_and_return_it(analyses):
    fig, axes = plt.subplots(2, 3)
    it = iter(axes.ravel())
    out = _all_figures(analyses, "en", ax_factory=lambda: next(it))
    assert list(out.values()) == list(axes.ravel())
    plt.close("all")


def test_chinese_labels_render_without_missing_glyphs(analyses, tmp_path, caplog):
    assert cjk_font_available(), ("No CJK font found; install fonts-noto-cjk "
                                  f"(families found: {font_families()})")
    with warnings.catch_warnings(record=True) as rec, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        figs = _all_figures(analyses, "zh")
        for name, ax in figs.items():
            F.save(ax, tmp_path / f"{name}.png")
            F.save(ax, tmp_path / f"{name}.svg")
    missing = [str(w.message) for w in rec if "missing from" in str(w.message)]
    missing += [r.getMessage() for r in caplog.records if "missing from" in r.getMessage()]
    assert not missing, missing[:3]
    texts = [t.get_text() for t in figs["path_diagram"].texts]
    assert "顾客满意度" in texts and "企业形象" in texts
    plt.close("all")


def test_missing_glyph_check_would_catch_a_latin_only_font(tmp_path):
    """The check above is not vacuous: a font without CJK glyphs does warn."""
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "顾客满意度", fontfamily="DejaVu Sans")
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fig.savefig(tmp_path / "x.png")
    assert any("missing from" in str(w.message) for w in rec)
    plt.close(fig)


def test_layout_is_layered_by_topological_depth(analyses):
    spec = analyses.spec
    pos, routes = F.layout(spec.structural_paths, spec.latents)
    depth = {n: x for n, (x, _) in pos.items()}
    assert depth == {"IMAG": 0, "EXPE": 1, "QUAL": 2, "VAL": 3, "SAT": 4, "COMP": 5, "LOY": 6}
    assert all(depth[a] < depth[b] for a, b in spec.structural_paths)
    # a long path passes one dummy point per layer it crosses, never through a construct
    assert len(routes[("IMAG", "LOY")]) == 5
    node_points = set(pos.values())
    assert not any(p in node_points for r in routes.values() for p in r)
    # a cycle does not break the layout
    pos2, _ = F.layout([("A", "B"), ("B", "C"), ("C", "A")])
    assert sorted(x for x, _ in pos2.values()) == [0.0, 1.0, 2.0]


def test_path_diagram_prints_coefficients_with_stars(analyses):
    from csi_model.report.tables import format_number, stars
    ax = F.path_diagram(analyses.sem)
    texts = {t.get_text() for t in ax.texts}
    row = analyses.sem.estimates.query("lhs == 'SAT' and op == '~' and rhs == 'QUAL'").iloc[0]
    assert format_number(row["std.all"]) + stars(row["pvalue"]) in texts
    assert any(t.startswith("R² = .") for t in texts)
    plt.close("all")


def test_saved_figures_are_byte_stable(analyses, tmp_path):
    for k in (1, 2):
        F.save(F.scree(analyses.measurement), tmp_path / f"s{k}.png")
        F.save(F.scree(analyses.measurement), tmp_path / f"s{k}.svg")
    assert (tmp_path / "s1.png").read_bytes() == (tmp_path / "s2.png").read_bytes()
    assert (tmp_path / "s1.svg").read_bytes() == (tmp_path / "s2.svg").read_bytes()
    plt.close("all")
