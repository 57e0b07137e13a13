"""Paper figures with matplotlib (the only module of csi_model that draws).

Every function takes ``ax=None`` (a new figure is made) and returns the Axes. Numbers on
figures are formatted by :mod:`csi_model.report.tables` (the only place that rounds);
Chinese labels (``lang="zh"``) use the CJK fallback fonts of :mod:`csi_model.report.fonts`.

- :func:`path_diagram` - the structural model with coefficients, stars and R², laid out
  left to right by the topological depth of the structural DAG (layered drawing: long
  paths pass through dummy positions, layers are ordered by the barycenter heuristic to
  reduce crossings); no graphviz needed;
- :func:`scree` - eigenvalues with parallel analysis;
- :func:`ipma_map` - importance-performance map;
- :func:`index_trends` - the index by operator and wave;
- :func:`priority_map` - score against importance of one driver's items (the study's chart);
- :func:`bootstrap_distributions` - bootstrap distributions of the structural paths;
- :func:`save` - PNG/SVG/PDF without timestamps (byte-stable rebuilds).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .fonts import font_families
from .labels import Labels
from .tables import TableStyle, format_number, stars

__all__ = ["path_diagram", "layout", "scree", "ipma_map", "index_trends", "priority_map",
           "bootstrap_distributions", "save", "simple_slope_plot"]

_PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a50021")


def _axes(ax, figsize):
    import matplotlib.pyplot as plt
    if ax is None:
        fig = plt.figure(figsize=figsize)
        ax = fig.add_subplot(111)
    return ax


def _finish(ax):
    """Give every text of the figure the fallback font list (Latin, then CJK)."""
    from matplotlib.text import Text
    fams = list(font_families())
    for t in ax.figure.findobj(Text):
        t.set_fontfamily(fams)
    return ax


def _wrap(name: str, lang: str, width: int = 12) -> str:
    if lang == "zh" or len(name) <= width:
        return name
    words, lines, cur = name.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "\n".join(lines)


# ============================================================================ layout
def layout(edges: Sequence[tuple[str, str]], nodes: Sequence[str] | None = None, *,
           sweeps: int = 8) -> tuple[dict[str, tuple[float, float]], dict[tuple[str, str], list]]:
    """Layered left-to-right layout of a directed graph.

    Depth = longest path from a source (edges closing a cycle are ignored for the depth);
    an edge spanning several layers gets a dummy point in each layer it crosses; each
    layer is ordered by the barycenter of its neighbours (alternating sweeps), and the
    positions are stacked and centred (nodes 1.0 apart, dummies 0.45).

    Returns
    -------
    positions : dict node -> (x, y)
    routes : dict edge -> list of (x, y) points between its ends (dummy positions)

    >>> pos, routes = layout([("A", "B"), ("B", "C"), ("A", "C")])
    >>> [pos[n][0] for n in "ABC"], len(routes[("A", "C")])
    ([0.0, 1.0, 2.0], 1)
    """
    nodes = list(dict.fromkeys([*(nodes or []), *(n for e in edges for n in e)]))
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
    # drop back edges (DFS) so that depth is defined
    state, back = {n: 0 for n in nodes}, set()

    def dfs(u):
        state[u] = 1
        for v in succ[u]:
            if state[v] == 1:
                back.add((u, v))
            elif state[v] == 0:
                dfs(v)
        state[u] = 2
    for n in nodes:
        if state[n] == 0:
            dfs(n)
    dag = [(a, b) for a, b in edges if (a, b) not in back and a != b]
    depth = {n: 0 for n in nodes}
    for _ in range(len(nodes)):
        changed = False
        for a, b in dag:
            if depth[b] < depth[a] + 1:
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    n_layers = max(depth.values(), default=0) + 1
    layers: list[list[Any]] = [[] for _ in range(n_layers)]
    for n in nodes:
        layers[depth[n]].append(n)
    chains: dict[tuple[str, str], list[Any]] = {}
    adj_up: dict[Any, list[Any]] = {}
    adj_down: dict[Any, list[Any]] = {}

    def link(u, v):
        adj_down.setdefault(u, []).append(v)
        adj_up.setdefault(v, []).append(u)
    for a, b in edges:
        lo, hi = (a, b) if depth[a] <= depth[b] else (b, a)
        prev, chain = lo, []
        for k in range(depth[lo] + 1, depth[hi]):
            d = ("dummy", a, b, k)
            layers[k].append(d)
            chain.append(d)
            link(prev, d)
            prev = d
        if depth[lo] != depth[hi]:
            link(prev, hi)
        chains[(a, b)] = chain if lo == a else chain[::-1]
    order = {v: i for layer in layers for i, v in enumerate(layer)}
    for s in range(sweeps):
        down = s % 2 == 0
        rng = range(1, n_layers) if down else range(n_layers - 2, -1, -1)
        for k in rng:
            nb = adj_up if down else adj_down

            def key(v, nb=nb):
                ns = nb.get(v, [])
                return (np.mean([order[u] for u in ns]) if ns else order[v], order[v])
            layers[k].sort(key=key)
            for i, v in enumerate(layers[k]):
                order[v] = i
    pos: dict[Any, tuple[float, float]] = {}
    for k, layer in enumerate(layers):
        sizes = [0.45 if isinstance(v, tuple) else 1.0 for v in layer]
        total = sum(sizes)
        y = total / 2
        for v, s in zip(layer, sizes):
            pos[v] = (float(k), y - s / 2)
            y -= s
    positions = {n: pos[n] for n in nodes}
    routes = {e: [pos[d] for d in chain] for e, chain in chains.items()}
    return positions, routes


def _catmull_rom(points: list[tuple[float, float]]):
    """Cubic Bezier path codes/vertices through ``points`` (Catmull-Rom, tension 0.5)."""
    from matplotlib.path import Path as MPath
    P = [np.asarray(p, float) for p in points]
    verts, codes = [P[0]], [MPath.MOVETO]
    for i in range(len(P) - 1):
        p0 = P[i - 1] if i > 0 else P[i]
        p3 = P[i + 2] if i + 2 < len(P) else P[i + 1]
        c1 = P[i] + (P[i + 1] - p0) / 6
        c2 = P[i + 1] - (p3 - P[i]) / 6
        verts += [c1, c2, P[i + 1]]
        codes += [MPath.CURVE4] * 3
    return MPath(np.array(verts), codes)


def _boundary(center, toward, w, h):
    """The point where the ray from ``center`` to ``toward`` leaves an ellipse w x h."""
    cx, cy = center
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == dy == 0:
        return center
    t = 1.0 / math.sqrt((dx / (w / 2)) ** 2 + (dy / (h / 2)) ** 2)
    return (cx + dx * t, cy + dy * t)


def _structural(result) -> pd.DataFrame:
    """from, to, value (standardized when available), pvalue of the structural paths."""
    est = result.estimates if hasattr(result, "estimates") else result
    paths = est[est["op"] == "~"]
    value = paths["std.all"] if "std.all" in paths else paths["est"]
    return pd.DataFrame({"from": paths["rhs"].to_numpy(), "to": paths["lhs"].to_numpy(),
                         "value": value.to_numpy(dtype=float),
                         "pvalue": paths["pvalue"].to_numpy(dtype=float)})


def path_diagram(result, *, ax=None, lang: str = "en", labels: Labels | None = None,
                 show_r2: bool = True, style: TableStyle | None = None, title: bool = False):
    """The structural model: constructs as ellipses, paths with their standardized
    coefficients and stars, R² under each endogenous construct.

    ``result`` is an SEMResult or a PLSResult (any object with lavaan-style
    ``estimates`` and ``r2``). Non-significant paths are drawn dashed.
    """
    from matplotlib.patches import Ellipse, FancyArrowPatch

    labels = labels or Labels(lang)
    style = style or TableStyle(lang=lang)
    paths = _structural(result)
    spec = getattr(result, "spec", None)
    nodes = [lv for lv in (spec.latents if spec is not None else []) if
             lv in set(paths["from"]) | set(paths["to"])]
    edges = list(zip(paths["from"], paths["to"]))
    pos, routes = layout(edges, nodes)
    n_layers = int(max(x for x, _ in pos.values())) + 1
    ys = [y for _, y in pos.values()] + [y for r in routes.values() for _, y in r]
    height = max(ys) - min(ys) + 1.4
    ax = _axes(ax, (max(6.0, 2.1 * n_layers), max(3.2, 1.1 * height)))
    sx, w, h = 2.3, 1.05, 0.62
    P = {n: (x * sx, y) for n, (x, y) in pos.items()}
    r2 = getattr(result, "r2", pd.Series(dtype=float))
    for k, n in enumerate(P):
        ax.add_patch(Ellipse(P[n], w, h, facecolor="#eaf1fb", edgecolor="#1f4e79", lw=1.2,
                             zorder=3))
        ax.text(*P[n], _wrap(labels.construct(n), lang), ha="center", va="center", fontsize=8.5,
                zorder=4)
        if show_r2 and n in r2.index and np.isfinite(r2[n]):
            ax.text(P[n][0], P[n][1] - h / 2 - 0.08,
                    f"R² = {format_number(r2[n], style.digits, bounded=True, style=style)}",
                    ha="center", va="top", fontsize=7.5, color="#404040", zorder=4)
    for (a, b), row in zip(edges, paths.itertuples(index=False)):
        mids = [(x * sx, y) for x, y in routes[(a, b)]]
        first = mids[0] if mids else P[b]
        last = mids[-1] if mids else P[a]
        start = _boundary(P[a], first, w, h)
        end = _boundary(P[b], last, w, h)
        pts = [start, *mids, end]
        sig = np.isfinite(row.pvalue) and row.pvalue < (style.stars[0] if style.stars else 0.05)
        arrow = FancyArrowPatch(path=_catmull_rom(pts), arrowstyle="-|>", mutation_scale=11,
                                lw=1.1, color="#333333" if sig or not np.isfinite(row.pvalue)
                                else "#8c8c8c", linestyle="-" if sig or not np.isfinite(row.pvalue)
                                else (0, (4, 3)), zorder=2)
        ax.add_patch(arrow)
        if mids:
            lx, ly = mids[len(mids) // 2]
        else:
            lx, ly = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        text = format_number(row.value, style.digits, style=style).replace("-", "\u2212")
        text += stars(row.pvalue, style)
        ax.text(lx, ly, text, ha="center", va="center", fontsize=7.5, zorder=5,
                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9))
    xs = [p[0] for p in P.values()]
    ax.set_xlim(min(xs) - w * 0.7, max(xs) + w * 0.7)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    legend = style.legend()
    note = ("Standardized coefficients; dashed: not significant. " if lang == "en" else
            "标准化路径系数；虚线：不显著。") + legend
    ax.text(0.0, 0.0, note, transform=ax.transAxes, fontsize=7, color="#404040", va="bottom")
    if title:
        ax.set_title(labels.title("path_diagram"))
    return _finish(ax)


# ============================================================================ other figures
def scree(m, *, ax=None, lang: str = "en", labels: Labels | None = None, title: bool = False):
    """Eigenvalues of the item correlations with the parallel analysis (mean simulated
    eigenvalues), for a :class:`~csi_model.measurement.quality.MeasurementResult` or a DataFrame
    with ``factor, eigenvalue, simulated``."""
    labels = labels or Labels(lang)
    ev = m.eigenvalues if hasattr(m, "eigenvalues") else m
    if ev is None:
        raise ValueError("No eigenvalues to plot (the measurement result has no EFA).")
    ax = _axes(ax, (5.5, 3.6))
    zh = lang == "zh"
    ax.plot(ev["factor"], ev["eigenvalue"], "o-", color=_PALETTE[0], ms=4,
            label="观测特征值" if zh else "Observed")
    if "simulated" in ev:
        ax.plot(ev["factor"], ev["simulated"], "s--", color=_PALETTE[1], ms=3,
                label="平行分析（模拟均值）" if zh else "Parallel analysis (simulated)")
    ax.axhline(1.0, color="#999999", lw=0.8, ls=":")
    n = getattr(getattr(m, "parallel", None), "n_components", None)
    if n:
        ax.axvline(n + 0.5, color="#999999", lw=0.8)
        ax.text(n + 0.6, ax.get_ylim()[1] * 0.9, (f"保留 {n} 个" if zh else f"retain {n}"),
                fontsize=8, color="#404040")
    ax.set_xlabel("因子" if zh else "Factor")
    ax.set_ylabel(labels.header("eigenvalue"))
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(labels.title("scree"))
    return _finish(ax)


def ipma_map(index_result, *, ax=None, level: str = "latent", lang: str = "en",
             labels: Labels | None = None, title: bool = False, annotate: bool = True,
             **scatter_kwargs):
    """Importance-performance map: importance (x, the unstandardized total effect on the
    target) against performance (y, 0-100), with dashed lines at the means (the four IPMA
    quadrants).

    Parameters
    ----------
    index_result : IndexResult or DataFrame
        A result of :func:`csi_model.csi_index`, or its ``ipma`` table.
    ax : matplotlib Axes, optional
        Drawn into; a new figure otherwise.
    level : {"latent", "item"}
    lang : {"en", "zh"}
        Language of the axis labels and construct names (``labels`` overrides).
    title, annotate : bool
        Draw a title; label the points.
    **scatter_kwargs
        Passed to ``Axes.scatter``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import csi_model as cm
    >>> spec = cm.load_model("ecsi")
    >>> ix = cm.csi_index(cm.fit_pls(spec, cm.simulate_survey(spec, n=200, seed=1)), scale=(1, 10))
    >>> ax = ipma_map(ix, level="item", lang="zh")
    >>> len(ax.collections[0].get_offsets()) == int((ix.ipma.level == "item").sum())
    True
    """
    if level not in ("latent", "item"):
        raise ValueError(f"The 'level' parameter of ipma_map (plot_ipma) must be 'latent' or "
                         f"'item'. Got {level!r} instead.")
    labels = labels or Labels(lang)
    table = index_result if isinstance(index_result, pd.DataFrame) else index_result.ipma
    d = table[table["level"] == level]
    ax = _axes(ax, (5.5, 4.2))
    style = {"s": 46, "color": _PALETTE[0], "zorder": 3, **scatter_kwargs}
    ax.scatter(d["importance"], d["performance"], **style)
    if annotate:
        for r in d.itertuples(index=False):
            name = labels.construct(r.name) if level == "latent" else r.name
            ax.annotate(name, (r.importance, r.performance), xytext=(5, 4),
                        textcoords="offset points", fontsize=8.5)
    if len(d):
        ax.axvline(d["importance"].mean(), color="#999999", lw=0.8, ls="--")
        ax.axhline(d["performance"].mean(), color="#999999", lw=0.8, ls="--")
        lo, hi = d["performance"].min(), d["performance"].max()
        pad = max(2.0, (hi - lo) * 0.25)
        ax.set_ylim(lo - pad, hi + pad)
        xmax = d["importance"].max()
        ax.set_xlim(min(0, d["importance"].min()) - 0.02, xmax * 1.25 + 0.02)
    target_code = getattr(index_result, "target", None)
    zh = lang == "zh"
    if target_code is not None:
        target = labels.construct(target_code)
        ax.set_xlabel(f"重要性（对{target}的总效应）" if zh else f"Importance (total effect on {target})")
    else:
        ax.set_xlabel("重要性（总效应）" if zh else "Importance (total effect)")
    ax.set_ylabel("表现（0-100）" if zh else "Performance (0-100)")
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(labels.title("ipma_map"))
    return _finish(ax)


def priority_map(priorities, latent: str, *, ax=None, lang: str = "en", title: bool = True,
                 wording: bool = True):
    """Score (y, 0-100) against importance (x) of the items of one driver, with dashed lines
    at the driver's means (the four quadrants) and each item's priority rank.

    Parameters
    ----------
    priorities : PriorityResult
        From :func:`csi_model.priorities`.
    latent : str
        The driver (e.g. ``"BILL"``).
    ax : matplotlib Axes, optional
    lang : {"en", "zh"}
        Language of the labels (item wording from the codebook when ``wording``).
    title : bool
        Name the driver above the chart.
    wording : bool
        Label the points with the item wording (else the item codes).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import csi_model as cm
    >>> pls = cm.fit_pls("telecom", cm.simulate_survey("telecom", n=200, seed=1))
    >>> ax = priority_map(cm.priorities(pls, scale=(1, 10)), "QUAL", lang="zh")
    >>> len(ax.collections[0].get_offsets()), ax.get_title()
    (7, '感知质量')
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"The 'lang' parameter of priority_map must be 'en' or 'zh'. "
                         f"Got {lang!r} instead.")
    d = priorities.items[priorities.items["latent"] == latent]
    if d.empty:
        known = ", ".join(dict.fromkeys(priorities.items["latent"]))
        raise ValueError(f"The 'latent' parameter of priority_map must be a driver of "
                         f"{priorities.target} ({known}). Got {latent!r} instead.")
    zh = lang == "zh"
    ax = _axes(ax, (5.5, 4.2))
    ax.scatter(d["importance"], d["score"], s=46, color=_PALETTE[0], zorder=3)
    for r in d.itertuples(index=False):
        name = getattr(r, f"label_{lang}") if wording else r.item
        ax.annotate(f"{r.rank}. {_wrap(str(name), lang, 22)}", (r.importance, r.score),
                    xytext=(5, 4), textcoords="offset points", fontsize=8.5)
    ax.axvline(d["importance"].mean(), color="#999999", lw=0.8, ls="--")
    ax.axhline(d["score"].mean(), color="#999999", lw=0.8, ls="--")
    lo, hi = d["score"].min(), d["score"].max()
    pad = max(2.0, (hi - lo) * 0.25)
    ax.set_ylim(lo - pad, hi + pad)
    xlo, xhi = d["importance"].min(), d["importance"].max()
    xpad = max((xhi - xlo) * 0.3, abs(xhi) * 0.05, 1e-3)
    ax.set_xlim(xlo - xpad, xhi + 2 * xpad)
    target = priorities.name(priorities.target, lang)
    ax.set_xlabel(f"影响力（{target}每分提升）" if zh else f"Importance ({target} points per point)")
    ax.set_ylabel("得分（0-100）" if zh else "Score (0-100)")
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(priorities.name(latent, lang))
    return _finish(ax)


def index_trends(trends: pd.DataFrame, *, latent: str = "SAT", ax=None, lang: str = "en",
                 labels: Labels | None = None, title: bool = False, annotate: bool = True):
    """The index of ``latent`` by wave, one line per operator.

    ``trends`` has columns ``operator, wave, latent, index``
    (:attr:`csi_model.report.analysis.Analyses.trends`).
    """
    labels = labels or Labels(lang)
    d = trends[trends["latent"] == latent]
    waves = sorted(d["wave"].unique(), key=str)
    ax = _axes(ax, (5.5, 3.8))
    x = np.arange(len(waves))
    for k, (op, sub) in enumerate(d.groupby("operator", sort=True)):
        y = sub.set_index("wave").reindex(waves)["index"].to_numpy(dtype=float)
        ax.plot(x, y, "o-", color=_PALETTE[k % len(_PALETTE)], label=labels.header(str(op)))
        if annotate:
            for xi, yi in zip(x, y):
                if np.isfinite(yi):
                    ax.annotate(format_number(yi, 1), (xi, yi), xytext=(0, 5),
                                textcoords="offset points", ha="center", fontsize=7.5)
    ax.set_xticks(x, [str(w) for w in waves])
    ax.set_xlim(-0.4, len(waves) - 0.6)
    ax.set_xlabel(labels.header("wave"))
    name = labels.construct(latent)
    ax.set_ylabel(f"{name}（0-100）" if lang == "zh" else f"{name} (0-100)")
    ax.legend(frameon=False, fontsize=8, title=labels.header("operator"), title_fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(labels.title("index_trends", construct=name))
    return _finish(ax)


def bootstrap_distributions(result, *, ax=None, lang: str = "en", labels: Labels | None = None,
                            level: float = 0.95, title: bool = False, bins: int = 30):
    """Bootstrap distributions of the (unstandardized) structural paths as stacked
    histograms: one row per path, the full-sample estimate (line) and the percentile
    interval (shaded). ``result`` is an SEMResult fitted with ``bootstrap=B`` (or a
    BootstrapResult)."""
    labels = labels or Labels(lang)
    boot = getattr(result, "bootstrap", result)
    if boot is None or not hasattr(boot, "replicates"):
        raise ValueError("The result has no bootstrap: fit with bootstrap=B and seed=S.")
    names = [n for n in boot.names if "~" in n and "~~" not in n and "=~" not in n]
    idx = [boot.names.index(n) for n in names]
    reps = boot.replicates[:, idx]
    reps = reps[np.all(np.isfinite(reps), axis=1)]
    ax = _axes(ax, (6.0, 0.42 * len(names) + 1.2))
    a = (1 - level) / 2
    lo, hi = np.quantile(reps, [a, 1 - a], axis=0)
    for k, n in enumerate(names):
        base = len(names) - 1 - k
        counts, edges = np.histogram(reps[:, k], bins=bins)
        hgt = counts / counts.max() * 0.85 if counts.max() else counts
        ax.fill_between(np.repeat(edges, 2)[1:-1], base, base + np.repeat(hgt, 2),
                        color=_PALETTE[0], alpha=0.35, lw=0)
        ax.plot([lo[k], hi[k]], [base, base], color=_PALETTE[1], lw=2.4, solid_capstyle="butt")
        est = boot.estimate[idx[k]]
        ax.plot([est, est], [base, base + 0.9], color="#222222", lw=1)
    ax.axvline(0, color="#999999", lw=0.8, ls=":")
    dst_src = [n.split("~") for n in names]
    ax.set_yticks([len(names) - 1 - k + 0.3 for k in range(len(names))],
                  [labels.arrow(s, d) for d, s in dst_src], fontsize=8)
    ax.set_ylim(-0.3, len(names) + 0.1)
    ax.set_xlabel(labels.header("bootstrap_estimate") + f" (B = {boot.B})")
    ax.spines[["top", "right", "left"]].set_visible(False)
    if title:
        ax.set_title(labels.title("bootstrap"))
    return _finish(ax)


# ============================================================================ saving
def simple_slope_plot(moderated, iv: str, moderator: str, *, levels=(-1.0, 0.0, 1.0), ax=None,
                      lang: str = "en", labels: Labels | None = None, title: bool = False):
    """Simple-slope plot of a PLS interaction: the outcome against ``iv`` (in SDs), one line
    per moderator level (in SDs), from :func:`csi_model.simple_slopes`. Returns the Axes.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> import csi_model as cm
    >>> mod = cm.fit_pls_moderated("telecom", cm.simulate_survey("telecom", n=300, seed=2),
    ...                            [("QUAL", "EXPE", "SAT")])
    >>> ax = simple_slope_plot(mod, "QUAL", "EXPE")
    >>> len(ax.get_legend().get_texts())
    3
    """
    from ..pls.moderation import simple_slopes
    labels = labels or Labels(lang)
    table = simple_slopes(moderated, iv, moderator, levels)
    outcome = [t[2] for t in moderated.interactions if t[0] == iv and t[1] == moderator][0]
    ax = _axes(ax, (5.0, 3.8))
    x = np.linspace(-2, 2, 41)
    mname = labels.construct(moderator)
    for k, r in enumerate(table.itertuples(index=False)):
        ax.plot(x, r.intercept + r.slope * x, color=_PALETTE[k % len(_PALETTE)],
                label=f"{mname} {r.level:+g} SD (slope {format_number(r.slope, 3)})")
    ax.axhline(0, color="0.8", lw=0.6, zorder=0)
    ax.axvline(0, color="0.8", lw=0.6, zorder=0)
    ax.set_xlabel(f"{labels.construct(iv)} (SD)")
    ax.set_ylabel(f"{labels.construct(outcome)} (SD)")
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(f"{labels.construct(iv)} x {mname} -> {labels.construct(outcome)}")
    return _finish(ax)


def save(ax_or_fig, path, *, dpi: int = 150) -> Path:
    """Save a figure without timestamps or version metadata (stable rebuilds); the format
    follows the suffix (.png, .svg, .pdf)."""
    import matplotlib as mpl
    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".").lower()
    meta = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
            "pdf": {"CreationDate": None, "Creator": None, "Producer": None}}.get(fmt)
    with mpl.rc_context({"svg.hashsalt": "csi_model", "svg.fonttype": "path"}):
        fig.savefig(path, dpi=dpi, bbox_inches="tight", metadata=meta)
    return path
