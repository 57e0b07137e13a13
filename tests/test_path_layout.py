"""The full path diagram's layered layout: constructs placed by the layers of the structural
model (sources left, outcomes right), coefficients on their arrows without overlapping each
other or a construct, no construct or item box on another, byte-stable PNGs; for every
bundled model, CB-SEM and PLS, English and Chinese, one latent, a formative block, a
second-order factor and a nonrecursive model."""
from __future__ import annotations

import itertools
import warnings
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle  # noqa: E402

import csi_model as cm  # noqa: E402
from csi_model.report import figures as F  # noqa: E402
from _report_data import demo_analyses  # noqa: E402


def _boxes(ax):
    """Window extents of the constructs, item boxes, labels (texts with a white box) and the
    construct of each ellipse (its text's first line)."""
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ellipses = [p for p in ax.patches if isinstance(p, Ellipse)]
    items = [p.get_window_extent(r) for p in ax.patches if isinstance(p, Rectangle)]
    labels = [(t.get_text(), t.get_window_extent(r)) for t in ax.texts
              if t.get_bbox_patch() is not None and t.get_text()]
    names = {}
    for e in ellipses:
        for t in ax.texts:
            if np.allclose(t.get_position(), e.center):
                names[t.get_text().split("\n")[0]] = e
    return ellipses, items, labels, names, r


def _overlap(a, b, tol=0.5) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > tol and min(a.y1, b.y1) - max(a.y0, b.y0) > tol


def _check_clean(ax):
    ellipses, items, labels, _, r = _boxes(ax)
    ell = [e.get_window_extent(r) for e in ellipses]
    bad = [(a, b) for (a, ba), (b, bb) in itertools.combinations(labels, 2) if _overlap(ba, bb)]
    assert bad == [], f"labels overlap: {bad}"
    bad = [t for t, bb in labels for e in ell if _overlap(bb, e)]
    assert bad == [], f"labels on a construct: {bad}"
    nodes = ell + items
    bad = [(i, j) for (i, a), (j, b) in itertools.combinations(enumerate(nodes), 2)
           if _overlap(a, b)]
    assert bad == [], f"constructs or items overlap: {bad}"
    W, H = ax.figure.bbox.width, ax.figure.bbox.height
    for t, bb in labels:
        assert bb.x0 >= -1 and bb.x1 <= W + 1 and bb.y0 >= -1 and bb.y1 <= H + 1, t


def _arrows(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


@pytest.fixture(scope="module")
def analyses():
    return demo_analyses()


# ----------------------------------------------------------------------------- layering
@pytest.mark.parametrize("model", ["telecom", "acsi", "ecsi", "ecsi_mobi", "ccsi", "cmcc"])
def test_layers_follow_the_structural_model(model):
    spec = cm.load_model(model)
    pos, _ = F.layout(spec.structural_paths, spec.latents)
    depth = {n: x for n, (x, _) in pos.items()}
    assert all(depth[a] < depth[b] for a, b in spec.structural_paths)
    if "IMAG" in depth:
        assert depth["IMAG"] < depth["SAT"] < depth["LOY"]
    assert depth["SAT"] < depth["LOY"]


def test_a_cycle_keeps_the_other_paths_left_to_right():
    edges = [("IMAG", "SAT"), ("SAT", "LOY"), ("LOY", "SAT"), ("LOY", "REC")]
    pos, _ = F.layout(edges)
    depth = {n: x for n, (x, _) in pos.items()}
    assert depth["IMAG"] < depth["SAT"] < depth["LOY"] < depth["REC"]
    assert depth["LOY"] > depth["SAT"]        # the feedback LOY -> SAT alone runs back


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_full_diagram_places_sources_left_and_outcomes_right(analyses, lang):
    ax = F.path_diagram(analyses.sem, full=True, lang=lang, names="codes")
    _, _, _, names, _ = _boxes(ax)
    assert set(names) == set(analyses.spec.latents)
    x = {n: e.center[0] for n, e in names.items()}
    for a, b in analyses.spec.structural_paths:     # recursive: no arrow runs right to left
        assert x[a] <= x[b] + 1e-9, (a, b)
    assert x["IMAG"] < x["SAT"] < x["LOY"]
    assert x["EXPE"] < x["SAT"] and x["QUAL"] < x["SAT"]
    # the textbook arrangement: constructs in two rows (at most three heights), not in a line
    assert len({round(e.center[1], 6) for e in names.values()}) >= 2
    assert len(_arrows(ax)) == 12 + len(analyses.spec.observed)
    plt.close(ax.figure)


# ----------------------------------------------------------------------------- overlaps
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("which", ["sem", "pls"])
def test_demo_full_diagram_has_no_overlaps(analyses, lang, which):
    ax = F.path_diagram(getattr(analyses, which), full=True, lang=lang)
    _check_clean(ax)
    labels = [t for t, _ in _boxes(ax)[2]]
    assert len(labels) == 12 + len(analyses.spec.observed)
    plt.close(ax.figure)


@pytest.fixture(scope="module")
def bundled():
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in cm.bundled_models():
            spec = cm.load_model(name)
            pop = cm.Population(loadings={i: 0.8 for i in spec.observed},
                                paths={p: 0.25 for p in spec.structural_paths})
            data = cm.simulate_survey(spec, n=200, seed=3, population=pop)
            out[name] = cm.fit_pls(spec, data, bootstrap=30, seed=1)
    return out


@pytest.mark.parametrize("name", cm.bundled_models())
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_bundled_model_draws_cleanly(bundled, name, lang):
    res = bundled[name]
    ax = F.path_diagram(res, full=True, lang=lang)
    _check_clean(ax)
    n_items = int((res.estimates["op"] == "=~").sum())
    assert len(_arrows(ax)) == len(res.spec.structural_paths) + n_items
    plt.close(ax.figure)


@pytest.mark.parametrize("name", cm.bundled_models())
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_structural_diagram_is_layered_in_rows_at_page_width(bundled, name, lang):
    res = bundled[name]
    ax = F.path_diagram(res, lang=lang, names="codes")
    _check_clean(ax)
    ellipses, _, labels, names, r = _boxes(ax)
    x = {n: e.center[0] for n, e in names.items()}
    assert all(x[a] <= x[b] + 1e-9 for a, b in res.spec.structural_paths)
    # two rows (and the centre line), or a stack of the constructs of one layer
    pos, _ = F.layout(res.spec.structural_paths, res.spec.latents)
    widest = max(list(x for x, _ in pos.values()).count(v) for v, _ in pos.values())
    assert len({round(e.center[1], 6) for e in ellipses}) <= max(3, widest)
    # the R² over or under its construct, on no ellipse or coefficient
    r2 = [t.get_window_extent(r) for t in ax.texts if t.get_text().startswith("R²")]
    assert len(r2) == len(res.r2.dropna())
    assert not any(_overlap(a, e.get_window_extent(r)) for a in r2 for e in ellipses)
    assert not any(_overlap(a, bb) for a in r2 for _, bb in labels)
    assert len(_arrows(ax)) == len(res.spec.structural_paths)
    plt.close(ax.figure)


def _fake(rows, latents=(), composites=None, r2=None):
    """A result-like object: lavaan-style estimates and R² (what path_diagram reads)."""
    est = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "std.all", "pvalue"])
    est["est"] = est["std.all"]
    spec = SimpleNamespace(latents=tuple(latents), composites=composites or {})
    return SimpleNamespace(estimates=est, r2=pd.Series(r2 or {}, dtype=float), spec=spec)


def test_one_latent():
    res = _fake([("SAT", "=~", f"SAT{k}", 0.8, 0.0) for k in (1, 2, 3)], ["SAT"])
    ax = F.path_diagram(res, full=True)
    _check_clean(ax)
    assert len([p for p in ax.patches if isinstance(p, Ellipse)]) == 1
    assert len([p for p in ax.patches if isinstance(p, Rectangle)]) == 3
    plt.close(ax.figure)


def test_nonrecursive_model_draws_the_feedback():
    rows = [(lv, "=~", f"{lv}{k}", 0.8, 0.0) for lv in ("IMAG", "SAT", "LOY") for k in (1, 2)]
    rows += [("SAT", "~", "IMAG", 0.4, 0.001), ("LOY", "~", "SAT", 0.5, 0.0),
             ("SAT", "~", "LOY", 0.1, 0.3)]
    ax = F.path_diagram(_fake(rows, ["IMAG", "SAT", "LOY"], r2={"SAT": .3, "LOY": .4}),
                        full=True, names="codes")
    _check_clean(ax)
    x = {n: e.center[0] for n, e in _boxes(ax)[3].items()}
    assert x["IMAG"] < x["SAT"] <= x["LOY"]
    dashed = [p for p in _arrows(ax) if p.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == 1                  # SAT ~ LOY, p = .3
    # the two arrows of the feedback loop run side by side, not on top of each other
    solid = [p for p in _arrows(ax) if p.get_path().vertices.shape[0] > 2
             and p not in dashed and p._posA_posB is None]
    back = dashed[0].get_path().vertices
    assert min(np.abs(p.get_path().vertices[0, 0] - back[0, 0]) for p in solid) > 0.1
    plt.close(ax.figure)


def test_formative_block_and_second_order_factor():
    rows = [("IMAG", "<~", f"IMAG{k}", w, 0.0) for k, w in ((1, .5), (2, .4), (3, .3))]
    rows += [(lv, "=~", f"{lv}{k}", 0.8, 0.0) for lv in ("NET", "BILL", "SAT") for k in (1, 2)]
    rows += [("QUAL", "=~", "NET", 0.9, np.nan), ("QUAL", "=~", "BILL", 0.7, np.nan),
             ("SAT", "~", "QUAL", 0.5, 0.0), ("SAT", "~", "IMAG", 0.3, 0.01)]
    res = _fake(rows, ["IMAG", "NET", "BILL", "QUAL", "SAT"],
                composites={"IMAG": ("IMAG1", "IMAG2", "IMAG3")}, r2={"SAT": .4})
    ax = F.path_diagram(res, full=True, names="codes")
    _check_clean(ax)
    _, items, labels, names, _ = _boxes(ax)
    assert set(names) == {"IMAG", "NET", "BILL", "QUAL", "SAT"}
    assert len(items) == 3 + 6                 # NET and BILL are ellipses, not item boxes
    texts = [t for t, _ in labels]
    assert "0.90" in texts and "0.50" in texts  # second-order loading, formative weight
    # the formative arrows point at the construct: their heads end on IMAG's ellipse
    e = names["IMAG"]
    heads = [p._posA_posB[1] for p in _arrows(ax) if p._posA_posB is not None]
    on = [h for h in heads if (((h[0] - e.center[0]) / (e.width / 2)) ** 2 +
                               ((h[1] - e.center[1]) / (e.height / 2)) ** 2) < 1.05]
    assert len(on) >= 3
    plt.close(ax.figure)


# ----------------------------------------------------------------------------- stability
def test_same_input_gives_byte_identical_png(analyses, tmp_path):
    for k in (1, 2):
        ax = F.path_diagram(analyses.sem, full=True, size="page")
        F.save(ax, tmp_path / f"p{k}.png", dpi=150)
        plt.close(ax.figure)
    assert (tmp_path / "p1.png").read_bytes() == (tmp_path / "p2.png").read_bytes()


def test_full_diagram_into_a_given_axes(analyses):
    fig, ax = plt.subplots(figsize=(8, 6))
    assert F.path_diagram(analyses.sem, full=True, ax=ax) is ax
    plt.close(fig)


def test_coefficients_without_p_values_keep_their_digits():
    # a PLS fit without bootstrap has no p-values: the paths still print 3 decimals (only
    # loadings and weights print 2) and are drawn solid
    res = _fake([(lv, "=~", f"{lv}{k}", 0.8, 0.0) for lv in ("SAT", "LOY") for k in (1, 2)] +
                [("LOY", "~", "SAT", 0.4567, np.nan)], ["SAT", "LOY"], r2={"LOY": 0.2})
    ax = F.path_diagram(res, full=True)
    texts = [t for t, _ in _boxes(ax)[2]]
    assert "0.457" in texts and texts.count("0.80") == 4
    plt.close(ax.figure)


def test_many_drivers_of_one_layer_stand_in_one_column(bundled):
    # cmcc: six drivers of satisfaction, then loyalty, as the study's figure draws it
    ax = F.path_diagram(bundled["cmcc"], names="codes")
    _check_clean(ax)
    x = {n: e.center[0] for n, e in _boxes(ax)[3].items()}
    drivers = ["IMAG", "NETQ", "BILL", "HALL", "NSRV", "COMP"]
    assert len({round(x[n], 6) for n in drivers}) == 1
    assert x["IMAG"] < x["SAT"] < x["LOY"]
    plt.close(ax.figure)
