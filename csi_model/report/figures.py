"""Paper figures with matplotlib (the only module of csi_model that draws).

Every function takes ``ax=None`` (a new figure is made) and returns the Axes. Numbers on
figures are formatted by :mod:`csi_model.report.tables` (the only place that rounds);
Chinese labels (``lang="zh"``) use the CJK fallback fonts of :mod:`csi_model.report.fonts`.

- :func:`path_diagram` - the structural model with coefficients, stars and R², laid out
  by the layers of the structural DAG (longest path from a source, layers ordered by the
  barycenter heuristic) as the ACSI/ECSI figures: the constructs in layer order cut into
  columns of one or two, in two rows (sources left, outcomes right); where that does not
  fit the width, left to right or top to bottom by layer (long paths through dummy
  positions); ``full=True`` draws the items and loadings too, above the top row and below
  the others; no graphviz needed;
- :func:`scree` - eigenvalues with parallel analysis;
- :func:`ipma_map` - importance-performance map;
- :func:`index_trends` - the index by operator and wave;
- :func:`priority_map` - score against importance of one driver's items (the study's chart);
- :func:`bootstrap_distributions` - bootstrap distributions of the structural paths;
- :func:`save` - PNG (300 dpi)/SVG/PDF/EPS without timestamps (byte-stable rebuilds).

Figures are drawn at their print size (``size="column"``: 3.5 in, ``"page"``: 7 in, or
inches): every text is at least :data:`MIN_FONT_PT` (8 pt) at that size.
"""
from __future__ import annotations

import itertools
import math
import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .fonts import font_families
from .labels import Labels
from .tables import TableStyle, format_number, stars

__all__ = ["path_diagram", "layout", "scree", "ipma_map", "index_trends", "priority_map",
           "bootstrap_distributions", "save", "SIZES", "MIN_FONT_PT", "simple_slope_plot"]

_PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a50021")


def _axes(ax, figsize, print_size: bool = False):
    """A new Axes of ``figsize`` when ``ax`` is None; at a print size the figure keeps its
    size when saved (constrained layout instead of a tight crop)."""
    import matplotlib.pyplot as plt
    if ax is None:
        fig = plt.figure(figsize=figsize, layout="constrained" if print_size else None)
        fig._csi_print_size = print_size
        ax = fig.add_subplot(111)
    return ax


def _sized(size, default: tuple) -> tuple:
    """The figure size: ``default`` (inches), or scaled to the print width of ``size``
    (``"column"``, ``"page"`` or inches; see :data:`SIZES`)."""
    if size is None:
        return default
    w = _print_width(size)
    return (w, default[1] * w / default[0])


def _finish(ax):
    """Give every text of the figure the fallback font list (Latin, then CJK) and at least
    :data:`MIN_FONT_PT` points (the figure is drawn at its print size)."""
    from matplotlib.text import Text
    fams = list(font_families())
    for t in ax.figure.findobj(Text):
        t.set_fontfamily(fams)
        if t.get_text() and t.get_fontsize() < MIN_FONT_PT:
            t.set_fontsize(MIN_FONT_PT)
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

    Examples
    --------
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


#: Print widths in inches: one journal column (89 mm) and the full text width (180 mm).
SIZES = {"column": 3.5, "page": 7.0}
#: The smallest text on a figure, in points at its declared size (journals ask for 7-8 pt).
MIN_FONT_PT = 8.0


def _print_width(size) -> float:
    if isinstance(size, str) and size in SIZES:
        return SIZES[size]
    if isinstance(size, (int, float)) and not isinstance(size, bool) and 1.5 <= size <= 20:
        return float(size)
    raise ValueError(f"The 'size' parameter must be one of {list(SIZES)} or a width in inches "
                     f"(1.5 to 20). Got {size!r} instead.")


class _Canvas:
    """Inch coordinates on a figure of a given width: 1 data unit = 1 inch, so that a font
    size in points is the printed size."""

    def __init__(self, width: float, ax=None):
        import matplotlib.pyplot as plt
        if ax is None:
            self.fig = plt.figure(figsize=(width, 3.0))
            self.fig._csi_print_size = True
            self.ax = self.fig.add_axes((0, 0, 1, 1))
        else:
            self.ax, self.fig = ax, ax.figure
        self.own = ax is None
        self._extents: dict[tuple, tuple[float, float]] = {}
        self.width = width
        self.renderer = self.fig.canvas.get_renderer()
        self.placed: list[tuple[float, float, float, float]] = []   # boxes (x0, y0, x1, y1)
        self.curves: list[np.ndarray] = []       # points along each arrow drawn, <= 0.02 in apart

    def extent(self, text: str, size: float = MIN_FONT_PT, rotation: float = 0) -> tuple:
        """Width and height in inches of ``text`` at ``size`` points."""
        key = (text, size, rotation)
        if key not in self._extents:
            t = self.fig.text(0, 0, text, fontsize=size, rotation=rotation,
                              fontfamily=list(font_families()))
            bb = t.get_window_extent(self.renderer)
            t.remove()
            self._extents[key] = (bb.width / self.fig.dpi, bb.height / self.fig.dpi)
        return self._extents[key]

    def free(self, box, pad: float = 0.03) -> bool:
        x0, y0, x1, y1 = box
        return all(x1 + pad <= a0 or x0 - pad >= a1 or y1 + pad <= b0 or y0 - pad >= b1
                   for a0, b0, a1, b1 in self.placed)

    def reserve(self, box) -> None:
        self.placed.append(box)

    def clear_of_curves(self, box, own: int | None = None, pad: float = 0.02) -> bool:
        """No arrow but ``own`` (an index of :attr:`curves`) passes through ``box``."""
        x0, y0, x1, y1 = box
        for k, pts in enumerate(self.curves):
            if k == own:
                continue
            if ((pts[:, 0] > x0 - pad) & (pts[:, 0] < x1 + pad) &
                    (pts[:, 1] > y0 - pad) & (pts[:, 1] < y1 + pad)).any():
                return False
        return True

    def curves_under(self, box, own: int | None = None, pad: float = 0.04) -> int:
        """How many arrows but ``own`` pass through ``box`` (grown by ``pad``)."""
        x0, y0, x1, y1 = box
        return sum(1 for k, pts in enumerate(self.curves) if k != own and
                   ((pts[:, 0] > x0 - pad) & (pts[:, 0] < x1 + pad) &
                    (pts[:, 1] > y0 - pad) & (pts[:, 1] < y1 + pad)).any())

    def finish(self, height: float):
        if self.own:
            self.fig.set_size_inches(self.width, height)
        self.ax.set_xlim(0, self.width)
        self.ax.set_ylim(0, height)
        self.ax.set_aspect("equal")
        self.ax.axis("off")


def _point_along(pts, t: float):
    """The point at fraction ``t`` of the length of the polyline ``pts``."""
    P = np.asarray(pts, float)
    seg = np.hypot(*np.diff(P, axis=0).T)
    if seg.sum() == 0:
        return tuple(P[0])
    target, acc = t * seg.sum(), 0.0
    for k, L in enumerate(seg):
        if acc + L >= target:
            f = (target - acc) / L if L else 0
            return tuple(P[k] + f * (P[k + 1] - P[k]))
        acc += L
    return tuple(P[-1])


# spaces are " \t\n" only: the no-break spaces that keep "p < .05" together are not
_TOKENS = re.compile(r"[\u2e80-\u9fff]|[\uff00-\uffef\u3000-\u303f]|[^ \t\n\u2e80-\u9fff"
                     r"\uff00-\uffef\u3000-\u303f]+|[ \t\n]+")
_NO_LINE_START = set("，。；：、）)」』!?！？.,;:")


def _wrap_to(text: str, width_in: float, cv: _Canvas, size: float = MIN_FONT_PT) -> str:
    """Wrap ``text`` greedily into measured lines of at most ``width_in`` inches: breaks at
    spaces and between Chinese characters, never before punctuation or inside "p < .05"."""
    text = text.replace("p < ", "p\u00a0<\u00a0").replace("p = ", "p\u00a0=\u00a0")
    lines, cur = [], ""
    for tok in _TOKENS.findall(text):
        trial = cur + tok
        if cur.strip() and not tok.isspace() and tok[0] not in _NO_LINE_START and \
                cv.extent(trial.replace("\u00a0", " "), size)[0] > width_in:
            lines.append(cur.rstrip())
            cur = tok
        else:
            cur = trial
    lines.append(cur.rstrip())
    return "\n".join(line.replace("\u00a0", " ") for line in lines if line)


def _has_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text)


def _diagram_note(lang: str, style: TableStyle, full: bool) -> str:
    lab = Labels(lang)
    key = "diagram_note_full" if full else "diagram_note"
    return lab.report(key) + " " + style.legend()


def path_diagram(result, *, ax=None, lang: str = "en", labels: Labels | None = None,
                 show_r2: bool = True, style: TableStyle | None = None, title: bool = False,
                 size="page", full: bool = False, names: str = "auto"):
    """The structural model: constructs as ellipses, paths with their standardized
    coefficients and stars, R² of each endogenous construct; with ``full=True`` the whole
    model, items as boxes with their standardized loadings (as semPlot and SmartPLS draw it).

    ``result`` is an SEMResult or a PLSResult (any object with lavaan-style
    ``estimates`` and ``r2``). Non-significant paths are drawn dashed.

    The figure is drawn at its print size: ``size`` is ``"page"`` (7 in, 180 mm, the
    default), ``"column"`` (3.5 in, 89 mm) or a width in inches; every text is at least
    8 pt at that size and no two labels overlap. Constructs are named in full when that
    fits, else by their codes (``names="codes"``/``"full"`` to choose), with the codes
    explained in the note.

    Both drawings are laid out as the ACSI/ECSI figures: the constructs in the order of
    their structural layer (the longest path from a source; a path closing a cycle is left
    out of the layering and drawn right to left or upward), cut into columns of one or
    two, a pair one above the other and a lone construct on the centre line; of the splits
    that fit the width, and the rows of each column, the one with the fewest arrows through
    a construct or its items, then the fewest crossings, then the shortest arrows. Arrows
    are straight, or gently curved where a straight line would run through a construct or
    items (the two arrows of a feedback loop side by side); each coefficient sits on its
    arrow in a white box, where it overlaps no other label, construct or item.

    The structural model has each R² over a top-row construct and under the others, and a
    layer of three or more constructs with no path between them (six drivers of
    satisfaction) may stand in one column, stacked; where
    no split fits the width (at ``size="column"``) it is drawn left to right by layer, or
    top to bottom when the layers do not fit either. The full model (``full=True``) has
    the R² inside the constructs and the items in a row above a top-row construct and
    below the others, and is refused where it does not fit; a construct measured by
    constructs (a second-order factor) is joined to them by arrows with its loadings, and
    a formative block's arrows point from the items, with their weights. Save with
    :func:`save` (300 dpi, or SVG/PDF).

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit("acsi", cm.simulate_survey("acsi", n=300, seed=2))
    >>> ax = path_diagram(res, size="column")
    >>> float(ax.figure.get_figwidth())
    3.5
    >>> full = path_diagram(res, full=True, names="codes")      # items and loadings too
    >>> from matplotlib.patches import Ellipse
    >>> x = {t.get_text().split()[0]: t.get_position()[0] for t in full.texts
    ...      for e in full.patches if isinstance(e, Ellipse) and e.center == t.get_position()}
    >>> bool(x["EXPE"] < x["SAT"] < x["LOY"])
    True
    """
    if names not in ("auto", "full", "codes"):
        raise ValueError("The 'names' parameter of path_diagram must be one of "
                         f"['auto', 'full', 'codes']. Got {names!r} instead.")
    labels = labels or Labels(lang)
    style = style or TableStyle(lang=lang)
    # in a given Axes the diagram is laid out for at least a page width, then scaled into it
    width = _print_width(size) if ax is None else max(
        SIZES["page"], ax.figure.get_figwidth() * ax.get_position().width)
    cv = _Canvas(width, ax)
    if full:
        _draw_full(cv, result, labels, style, lang, show_r2, names)
    elif not _draw_full(cv, result, labels, style, lang, show_r2, names, items=False):
        _draw_structural(cv, result, labels, style, lang, show_r2, names)
    if title:
        cv.ax.set_title(labels.title("path_diagram"), fontsize=10)
    return _finish(cv.ax)


def _node_text(n, labels, lang, use_codes, r2, show_r2, style, inside_r2=False):
    name = n if use_codes else _wrap(labels.construct(n), lang)
    if inside_r2 and show_r2 and n in r2.index and np.isfinite(r2[n]):
        name += f"\nR² = {format_number(r2[n], style.digits, bounded=True, style=style)}"
    return name


def _codes_note(nodes, labels, lang) -> str:
    sep = "；" if lang == "zh" else "; "
    eq = "：" if lang == "zh" else " = "
    return sep.join(f"{n}{eq}{labels.construct(n)}" for n in nodes
                    if labels.construct(n) != n) + ("。" if lang == "zh" else ".")


def _arrow(cv, pts, sig, zorder=2) -> int:
    """Draw the arrow through ``pts``; returns its index in ``cv.curves``."""
    from matplotlib.patches import FancyArrowPatch
    path = _catmull_rom(pts)
    cv.ax.add_patch(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=9,
                                    lw=0.9, color="#333333" if sig else "#8c8c8c",
                                    linestyle="-" if sig else (0, (4, 3)), zorder=zorder))
    dense = []
    for poly in path.to_polygons(closed_only=False):
        for a, b in zip(poly[:-1], poly[1:]):
            n = max(2, int(math.ceil(math.hypot(*(b - a)) / 0.02)) + 1)
            dense.append(np.linspace(a, b, n))
    cv.curves.append(np.vstack(dense) if dense else np.asarray(pts, float))
    return len(cv.curves) - 1


def _coef_text(value, pvalue, style):
    text = format_number(value, style.digits, style=style).replace("-", "\u2212")
    return text + stars(pvalue, style)


def _is_sig(pvalue, style):
    return (not np.isfinite(pvalue)) or pvalue < (style.stars[0] if style.stars else 0.05)


def _label(cv, candidates, text, rotation=0, zorder=5, own: int | None = None):
    """Put ``text`` at the first candidate point where it overlaps nothing placed and no
    arrow but its own (``own``, an index of ``cv.curves``) runs under it; failing that, at
    the first where it overlaps no other label or node."""
    w, h = cv.extent(text, MIN_FONT_PT, rotation)
    box_at = lambda x, y: (x - w / 2, y - h / 2, x + w / 2, y + h / 2)  # noqa: E731
    inside = lambda b: b[0] >= 0.02 and b[2] <= cv.width - 0.02 and b[1] >= 0  # noqa: E731
    ok = [c for c in candidates if inside(box_at(*c)) and cv.free(box_at(*c))]
    spot = next((c for c in ok if cv.clear_of_curves(box_at(*c), own)), ok[0] if ok else None)
    if spot is None:
        return False
    cv.reserve(box_at(*spot))
    cv.ax.text(*spot, text, ha="center", va="center", fontsize=MIN_FONT_PT, rotation=rotation,
               zorder=zorder, bbox=dict(boxstyle="square,pad=0.05", fc="white", ec="none"))
    return True


def _draw_structural(cv, result, labels, style, lang, show_r2, names):
    paths = _structural(result)
    spec = getattr(result, "spec", None)
    nodes = [lv for lv in (spec.latents if spec is not None else []) if
             lv in set(paths["from"]) | set(paths["to"])]
    nodes += [n for n in dict.fromkeys([*paths["from"], *paths["to"]]) if n not in nodes]
    edges = list(zip(paths["from"], paths["to"]))
    pos, routes = layout(edges, nodes)
    n_layers = int(max(x for x, _ in pos.values())) + 1
    r2 = getattr(result, "r2", pd.Series(dtype=float))
    coef_w = cv.extent("\u22120.000***")[0] + 0.1
    margin = 0.08

    def plan(use_codes, vertical):
        texts = {n: _node_text(n, labels, lang, use_codes, r2, show_r2, style) for n in nodes}
        ext = [cv.extent(t) for t in texts.values()]
        ew = max(w for w, _ in ext) * 1.3 + 0.14
        eh = max(h for _, h in ext) * 1.35 + 0.1
        r2h = cv.extent("R² = .000")[1] + 0.04 if show_r2 else 0
        ys = [y for _, y in pos.values()] + [y for r in routes.values() for _, y in r]
        span = max(ys) - min(ys)
        if not vertical:
            dx = (cv.width - 2 * margin - ew) / max(n_layers - 1, 1)
            ok = dx >= ew + coef_w
            sy = eh + r2h + 0.3
            return ok, texts, ew, eh, r2h, (lambda x, y: (margin + ew / 2 + x * dx,
                                                          (y - min(ys)) * sy)), span * sy
        sx = ew + coef_w * 0.6
        ok = span * sx + ew + 2 * margin <= cv.width
        dy = eh + 0.5
        x0 = (cv.width - span * sx) / 2
        return ok, texts, ew, eh, r2h, (lambda x, y: (x0 + (y - min(ys)) * sx,
                                                      (n_layers - 1 - x) * dy)), (n_layers - 1) * dy

    tries = [(names == "codes", False), (names == "codes", True)]
    if names == "auto":
        tries = [(False, False), (True, False), (False, True), (True, True)]
    fitting = [t for t in tries if plan(*t)[0]] or tries[-1:]
    for k, (use_codes, vertical) in enumerate(fitting):
        try:
            return _draw_plan(cv, plan(use_codes, vertical), use_codes, vertical, nodes, edges,
                              paths, pos, routes, labels, style, lang, show_r2, r2, margin)
        except _NoRoom:
            if k == len(fitting) - 1:
                raise ValueError(f"The path diagram does not fit a width of {cv.width:g} in "
                                 "with 8 pt labels that do not overlap: use a larger size "
                                 "(size='page' or a width in inches).") from None
            cv.ax.cla()
            cv.placed.clear()
            cv.curves.clear()


class _NoRoom(Exception):
    """A label found no free place: the caller tries the next layout."""


def _draw_plan(cv, planned, use_codes, vertical, nodes, edges, paths, pos, routes, labels,
               style, lang, show_r2, r2, margin):
    from matplotlib.patches import Ellipse

    _, texts, ew, eh, r2h, to_in, extent_y = planned
    note = _diagram_note(lang, style, False)
    if use_codes:
        note = _codes_note(nodes, labels, lang) + " " + note
    note = _wrap_to(note, cv.width - 2 * margin, cv)
    note_h = cv.extent(note)[1] + 0.1
    base = note_h + r2h + eh / 2 + 0.1
    P = {n: (to_in(*pos[n])[0], to_in(*pos[n])[1] + base) for n in nodes}
    R = {e: [(to_in(x, y)[0], to_in(x, y)[1] + base) for x, y in r] for e, r in routes.items()}
    height = base + extent_y + eh / 2 + 0.12
    for n in nodes:
        cv.ax.add_patch(Ellipse(P[n], ew, eh, facecolor="#eaf1fb", edgecolor="#1f4e79",
                                lw=1.0, zorder=3))
        cv.ax.text(*P[n], texts[n], ha="center", va="center", fontsize=MIN_FONT_PT, zorder=4)
        cv.reserve((P[n][0] - ew / 2, P[n][1] - eh / 2, P[n][0] + ew / 2, P[n][1] + eh / 2))
    arrows = []
    for (a, b), row in zip(edges, paths.itertuples(index=False)):
        mids = R[(a, b)]
        start = _boundary(P[a], mids[0] if mids else P[b], ew, eh)
        end = _boundary(P[b], mids[-1] if mids else P[a], ew, eh)
        pts = [start, *mids, end]
        k = _arrow(cv, pts, _is_sig(row.pvalue, style))
        arrows.append((pts, _coef_text(row.value, row.pvalue, style), k))
    # the R² first, beside (top-to-bottom) or under (left-to-right) its construct where no
    # arrow runs, then the coefficients along their arrows around them
    if show_r2:
        for n in nodes:
            if n in r2.index and np.isfinite(r2[n]):
                t = f"R² = {format_number(r2[n], style.digits, bounded=True, style=style)}"
                x, y = P[n]
                w2, h2 = cv.extent(t)
                below = (x, y - eh / 2 - h2 / 2 - 0.06)
                right, left = (x + ew / 2 + w2 / 2 + 0.06, y), (x - ew / 2 - w2 / 2 - 0.06, y)
                cands = [right, left, below] if vertical else [below, right, left]
                cands += [(cx, cy + d) for cx, cy in cands for d in (0.1, -0.1, 0.2, -0.2)]
                dx, dy = ew / 2 + w2 / 2 - 0.12, eh / 2 + h2 / 2 + 0.03     # at the corners
                cands += [(x + sx * dx, y + sy * dy) for sy in (-1, 1) for sx in (1, -1)]
                if not _label(cv, cands, t, zorder=4):
                    raise _NoRoom(t)
    ts = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.2, 0.8)
    for pts, text, k in sorted(arrows, key=lambda a: len(a[0])):
        cands = [_point_along(pts, t) for t in ts]
        cands += [(x, y + dy) for x, y in cands for dy in (0.12, -0.12, 0.24, -0.24)]
        if not _label(cv, cands, text, own=k):
            raise _NoRoom(text)
    cv.ax.text(margin, 0.05, note, fontsize=MIN_FONT_PT, color="#404040", va="bottom", ha="left")
    cv.finish(max(height, note_h + 0.5))


def _compositions(n: int, cap: int = 2):
    """Every split of a sequence of ``n`` into contiguous runs of 1..``cap`` (fixed order)."""
    if n == 0:
        yield ()
        return
    for k in range(1, min(cap, n) + 1):
        for rest in _compositions(n - k, cap):
            yield (k, *rest)


def _bezier(s, c, e, n: int = 41) -> np.ndarray:
    t = np.linspace(0, 1, n)[:, None]
    s, c, e = (np.asarray(p, float) for p in (s, c, e))
    return (1 - t) ** 2 * s + 2 * t * (1 - t) * c + t ** 2 * e


def _leave(A, B, c, w, h):
    """Where the segment from ``A`` (inside the ellipse w x h at ``c``) to ``B`` leaves it."""
    d, f = B - A, A - np.asarray(c, float)
    a2, b2 = (w / 2) ** 2, (h / 2) ** 2
    qa = d[0] ** 2 / a2 + d[1] ** 2 / b2
    qb = 2 * (f[0] * d[0] / a2 + f[1] * d[1] / b2)
    qc = f[0] ** 2 / a2 + f[1] ** 2 / b2 - 1
    disc = max(qb * qb - 4 * qa * qc, 0.0)
    t = (-qb + math.sqrt(disc)) / (2 * qa) if qa else 0.0
    return A + min(max(t, 0.0), 1.0) * d


def _crosses(p: np.ndarray, q: np.ndarray) -> bool:
    """Whether the segments p (2x2) and q (2x2) cross properly."""
    def orient(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    d1, d2 = orient(q[0], q[1], p[0]), orient(q[0], q[1], p[1])
    d3, d4 = orient(p[0], p[1], q[0]), orient(p[0], p[1], q[1])
    return d1 * d2 < 0 and d3 * d4 < 0


class _FullGeometry:
    """Where the constructs of the full model go: the constructs in the order of their
    structural layer (longest path from a source; edges closing a cycle ignored), cut into
    columns of one or two (left to right), a two-construct column one above the other, a
    lone construct on the centre line or in either row (with ``cap`` > 2, a column of three
    or more constructs with no arrow between them is a stack); the items of a construct in
    the top row above it, of the others below it. The arrows run in the channel between the
    rows."""

    def __init__(self, nodes, edges, blocks, ew, eh, pitch, box_h, width, margin=0.06,
                 gap=0.5, load_gap=0.55, channel=1.0, outer=None, cap=2):
        self.outer = outer or {}      # node -> (text, w, h) of a label over/under it
        self.cap = cap                # constructs in a column: more than 2 only unlinked
        self.nodes, self.edges, self.blocks = nodes, edges, blocks
        self.ew, self.eh, self.pitch, self.box_h = ew, eh, pitch, box_h
        self.width, self.margin, self.gap, self.load_gap = width, margin, gap, load_gap
        self.channel = channel
        pos, _ = layout(edges, nodes)
        self.rank = {n: int(pos[n][0]) for n in nodes}
        self.seq = sorted(nodes, key=lambda n: (pos[n][0], -pos[n][1], nodes.index(n)))
        self.cell = {n: max(ew[n], len(blocks.get(n, ())) * pitch,
                            self.outer[n][1] + 0.1 if n in self.outer else 0) for n in nodes}

    def columns(self, split):
        out, k = [], 0
        for size in split:
            out.append(self.seq[k:k + size])
            k += size
        return out

    def _centres(self, cols):
        """The smallest distances between neighbouring column centres: the cells (items
        included) 0.15 in apart, the ellipses far enough apart for a coefficient between."""
        cell = [max(self.cell[n] for n in c) for c in cols]
        ell = [max(self.ew[n] for n in c) for c in cols]
        d = [max((cell[k] + cell[k + 1]) / 2 + 0.15, (ell[k] + ell[k + 1]) / 2 + self.gap)
             for k in range(len(cols) - 1)]
        return cell, d

    def fits(self, split) -> bool:
        cols = self.columns(split)
        linked = set(self.edges)
        if any(len(c) > 2 and any((a, b) in linked for a in c for b in c) for c in cols):
            return False      # a column of three or more: no arrow between its constructs
        cell, d = self._centres(cols)
        return sum(d) + (cell[0] + cell[-1]) / 2 + 2 * self.margin <= self.width + 1e-9

    def place(self, split, rows):
        """Centres of the constructs (y from the bottom row's centre at 0) and the row of
        each ('top', 'mid' or 'bot'); ``rows[k]`` is 0/1 (a pair: in order or swapped) or
        0/1/2 (a lone construct: middle, bottom, top)."""
        cols = self.columns(split)
        cell, d = self._centres(cols)
        spare = self.width - 2 * self.margin - sum(d) - (cell[0] + cell[-1]) / 2
        extra = min(spare / len(d), 0.9) if d else 0.0
        x = (self.width - sum(d) - extra * len(d)) / 2 + (cell[0] - cell[-1]) / 4
        y_top = self.eh + self.channel
        tall = max(split)
        if tall > 2:      # a stack: one construct (and its label under it) per step
            step = self.eh + max((h for _, _, h in self.outer.values()), default=0) + 0.25
            y_top = max(y_top, (tall - 1) * step)
        self.y_top = y_top
        P, row = {}, {}
        for k, (c, r) in enumerate(zip(cols, rows)):
            cx = x
            if len(c) > 2:
                for j, n in enumerate(c if r == 0 else c[::-1]):
                    P[n], row[n] = (cx, y_top * (1 - j / (len(c) - 1))), "top" if j == 0 else "bot"
            elif len(c) == 2:
                top, bot = (c if r == 0 else c[::-1])
                P[top], row[top] = (cx, y_top), "top"
                P[bot], row[bot] = (cx, 0.0), "bot"
            else:
                P[c[0]], row[c[0]] = {0: ((cx, y_top / 2), "mid"), 1: ((cx, 0.0), "bot"),
                                      2: ((cx, y_top), "top")}[r]
            if k < len(d):
                x += d[k] + extra
        return P, row

    def item_region(self, n, P, row):
        """The box of the items and their loading arrows (x0, y0, x1, y1)."""
        k = len(self.blocks.get(n, ()))
        x, y = P[n]
        if not k and n in self.outer:
            _, w, h = self.outer[n]
            cy = y + (1 if row[n] == "top" else -1) * (self.eh / 2 + 0.05 + h / 2)
            return (x - w / 2 - 0.03, cy - h / 2 - 0.02, x + w / 2 + 0.03, cy + h / 2 + 0.02)
        if not k:
            return None
        half = k * self.pitch / 2
        if row[n] == "top":
            y0 = y + self.eh / 2 + 0.08
            return (x - half, y0, x + half, y0 - 0.08 + self.load_gap + self.box_h)
        y1 = y - self.eh / 2 - 0.08
        return (x - half, y1 + 0.08 - self.load_gap - self.box_h, x + half, y1)

    def _arrays(self, P, row):
        """The ellipses (centre, half axes padded 0.05 in) and the item regions as arrays,
        one row per construct (NaN where it has no items)."""
        key = tuple((n, P[n], row[n]) for n in self.nodes)
        if getattr(self, "_key", None) != key:
            ell = np.array([[*P[n], self.ew[n] / 2 + 0.05, self.eh / 2 + 0.05]
                            for n in self.nodes])
            box = np.array([self.item_region(n, P, row) or (np.nan,) * 4 for n in self.nodes],
                           dtype=float)
            self._key, self._ell, self._box = key, ell, box
        return self._ell, self._box

    def hits(self, pts, P, row, a, b) -> int:
        """How many of ``pts`` fall in another construct or in any construct's items."""
        ell, box = self._arrays(P, row)
        pts = np.asarray(pts, float)
        x, y = pts[:, :1], pts[:, 1:]
        keep = np.array([n not in (a, b) for n in self.nodes])
        inside = ((x - ell[:, 0]) / ell[:, 2]) ** 2 + ((y - ell[:, 1]) / ell[:, 3]) ** 2 < 1
        with np.errstate(invalid="ignore"):
            in_box = (x > box[:, 0]) & (x < box[:, 2]) & (y > box[:, 1]) & (y < box[:, 3])
        return int(inside[:, keep].sum() + in_box.sum())

    def straight(self, a, b, P):
        """The ends of the straight arrow a -> b on the two ellipses; of a reciprocal pair
        (a -> b and b -> a) each runs 0.07 in to its right of the centre line."""
        if (b, a) not in set(self.edges):
            return (_boundary(P[a], P[b], self.ew[a], self.eh),
                    _boundary(P[b], P[a], self.ew[b], self.eh))
        (xa, ya), (xb, yb) = P[a], P[b]
        L = math.hypot(xb - xa, yb - ya) or 1.0
        ox, oy = 0.07 * (yb - ya) / L, -0.07 * (xb - xa) / L
        A, B = np.array([xa + ox, ya + oy]), np.array([xb + ox, yb + oy])
        return (tuple(_leave(A, B, P[a], self.ew[a], self.eh)),
                tuple(_leave(B, A, P[b], self.ew[b], self.eh)))

    def score(self, split, rows) -> float:
        P, row = self.place(split, rows)
        segs, total = [], 0.0
        for a, b in self.edges:
            s, e = self.straight(a, b, P)
            pts = np.linspace(s, e, 30)
            total += 4.0 * (self.hits(pts, P, row, a, b) > 0)
            total += 0.1 * math.hypot(e[0] - s[0], e[1] - s[1])
            segs.append(((a, b), np.array([s, e])))
        for (ea, p), (eb, q) in itertools.combinations(segs, 2):
            if not set(ea) & set(eb) and _crosses(p, q):
                total += 1.0
        # a layer spread over several columns reads as a chain: keep each layer together
        col_of = {n: k for k, c in enumerate(self.columns(split)) for n in c}
        for r in set(self.rank.values()):
            total += len({col_of[n] for n in self.nodes if self.rank[n] == r}) - 1
        # a lone construct in a row of its own leaves the other row empty: slightly worse
        total += 0.05 * sum(1 for n in self.nodes if row[n] != "mid" and
                            sum(len(c) for c in self.columns(split) if n in c) == 1)
        return total

    def best(self):
        """The split into columns and the rows with the fewest arrows through a construct
        or its items, then the fewest crossings and the shortest arrows (deterministic:
        the first best in a fixed order; rows improved column by column, two passes)."""
        best = None
        for split in _compositions(len(self.seq), self.cap):
            if not self.fits(split):
                continue
            rows = [0] * len(split)
            cur = self.score(split, rows)
            for _ in range(2):
                for k, size in enumerate(split):
                    for r in range(3 if size == 1 else 2):
                        if r == rows[k]:
                            continue
                        trial = rows[:k] + [r] + rows[k + 1:]
                        s = self.score(split, trial)
                        if s < cur - 1e-12:
                            cur, rows = s, trial
            if best is None or cur < best[0] - 1e-12:
                best = (cur, split, rows)
        return best

    def route(self, a, b, P, row, y_mid):
        """The points of the arrow a -> b: straight between the ellipses, or a gentle
        quadratic curve (its control point moved off the line, toward the channel first)
        where the straight line would run through another construct or items."""
        s, e = self.straight(a, b, P)
        pts = np.linspace(s, e, 30)
        if self.hits(pts, P, row, a, b) == 0:
            return [s, e]
        mx, my = (P[a][0] + P[b][0]) / 2, (P[a][1] + P[b][1]) / 2
        dx, dy = P[b][0] - P[a][0], P[b][1] - P[a][1]
        L = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / L, dx / L
        sign = 1.0 if (y_mid - my) * ny + 0.0 * nx >= 0 else -1.0
        if abs(ny) < 1e-9:          # a vertical arrow: bow to the right first
            sign = 1.0 if nx > 0 else -1.0
        signs = (sign, -sign)
        if (b, a) in set(self.edges):   # a reciprocal pair bows to either side
            signs = (1.0,)
        best = None
        for d in (0.35, 0.6, 0.85, 1.1, 1.4, 1.8):
            for sg in signs:
                c = (mx + sg * d * nx, my + sg * d * ny)
                s2 = _boundary(P[a], c, self.ew[a], self.eh)
                e2 = _boundary(P[b], c, self.ew[b], self.eh)
                curve = _bezier(s2, c, e2)
                h = self.hits(curve, P, row, a, b)
                if best is None or h < best[0]:
                    best = (h, curve)
                if h == 0:
                    return [tuple(p) for p in curve[::5]] + [tuple(curve[-1])]
        curve = best[1]
        return [tuple(p) for p in curve[::5]] + [tuple(curve[-1])]


def _blocks_of(est, composites):
    """construct -> [(item, value, formative)] (standardized loadings, or the weights of
    a formative block)."""
    blocks: dict[str, list[tuple[str, float, bool]]] = {}
    for op, formative in (("=~", False), ("<~", True)):
        rows = est[est["op"] == op]
        value = rows["std.all"] if "std.all" in rows else rows["est"]
        for lv, it, v in zip(rows["lhs"], rows["rhs"], value.to_numpy(dtype=float)):
            if (lv in composites) != formative:
                continue
            blocks.setdefault(lv, []).append((it, v, formative))
    return blocks


def _draw_full(cv, result, labels, style, lang, show_r2, names, items: bool = True) -> bool:
    """The layered two-row drawing: the full model (``items``; raises where it does not
    fit) or the structural model alone (R² under or over each construct; returns False
    where it does not fit, for the caller's other layouts)."""
    from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle

    est = result.estimates if hasattr(result, "estimates") else result
    paths = _structural(result)
    spec = getattr(result, "spec", None)
    composites = set(getattr(spec, "composites", None) or {}) if spec is not None else set()
    blocks = _blocks_of(est, composites) if items else {}
    nodes = [lv for lv in (spec.latents if spec is not None else []) if
             lv in blocks or lv in set(paths["from"]) | set(paths["to"])]
    nodes += [n for n in dict.fromkeys([*blocks, *paths["from"], *paths["to"]])
              if n not in nodes]
    # a construct measured by constructs (a second-order factor): an arrow between ellipses
    # (from, to, value, p-value, is a loading or weight)
    arrows = [(a, b, v, p, False) for a, b, v, p in
              zip(paths["from"], paths["to"], paths["value"], paths["pvalue"])]
    for n in list(blocks):
        inner = [(it, v, f) for it, v, f in blocks[n] if it in nodes]
        for it, v, f in inner:
            arrows.append((it, n, v, np.nan, True) if f else (n, it, v, np.nan, True))
        blocks[n] = [b for b in blocks[n] if b[0] not in nodes]
    edges = [(a, b) for a, b, *_ in arrows]
    r2 = getattr(result, "r2", pd.Series(dtype=float))
    item_names = [i for b in blocks.values() for i, _, _ in b]
    item_w, item_h = cv.extent(max(item_names, key=len) if item_names else "X", rotation=90)
    pitch = item_w + 0.13
    box_h = item_h + 0.1
    margin = 0.06
    outer = {}     # the structural model's R² over or under its construct
    if not items and show_r2:
        for n in nodes:
            if n in r2.index and np.isfinite(r2[n]):
                outer[n] = (f"R² = {format_number(r2[n], style.digits, bounded=True, style=style)}")
        outer = {n: (t, *cv.extent(t)) for n, t in outer.items()}

    def sizes(use_codes):
        texts = {n: _node_text(n, labels, lang, use_codes, r2, show_r2, style,
                               inside_r2=items) for n in nodes}
        ext = {n: cv.extent(t) for n, t in texts.items()}
        ew = {n: ext[n][0] * 1.12 + 0.16 for n in nodes}
        eh = max(h for _, h in ext.values()) * 1.3 + 0.12
        return texts, ew, eh

    chosen = None
    # ellipses of one size where they fit, else each as wide as its name
    for use_codes, same in itertools.product(
            (False, True) if names == "auto" else (names == "codes",), (True, False)):
        texts, ew, eh = sizes(use_codes)
        if same:
            ew = dict.fromkeys(ew, max(ew.values()))
        geo = _FullGeometry(nodes, edges, blocks, ew, eh, pitch, box_h, cv.width, margin,
                            gap=cv.extent("0.000***")[0] + 0.22, outer=outer,
                            cap=2 if items else max(2, len(nodes)))
        best = geo.best()
        if best is not None:
            chosen = (use_codes, texts, ew, eh, geo, best)
            break
    if chosen is None:
        if not items:
            return False
        raise ValueError(f"The full model ({len(nodes)} constructs, {len(item_names)} items) "
                         f"does not fit a width of {cv.width:g} in with 8 pt labels: use "
                         "size='page' or a larger width in inches, or draw the structural "
                         "model (full=False).")
    use_codes, texts, ew, eh, geo, (_, split, rows) = chosen
    note = _diagram_note(lang, style, items)
    if use_codes:
        note = _codes_note(nodes, labels, lang) + " " + note
    note = _wrap_to(note, cv.width - 2 * margin, cv)
    note_h = cv.extent(note)[1] + 0.12
    steps = ((1.0, 0.55), (1.35, 0.7), (1.7, 0.85), (2.1, 1.0)) if items else \
        ((1.4, 0.55), (1.8, 0.55), (2.2, 0.55))
    for channel, load_gap in steps:
        geo.channel, geo.load_gap = channel, load_gap
        P, row = geo.place(split, rows)
        regions = {n: geo.item_region(n, P, row) for n in nodes}
        ys = [P[n][1] - eh / 2 for n in nodes] + [P[n][1] + eh / 2 for n in nodes]
        ys += [v for b in regions.values() if b for v in (b[1], b[3])]
        shift = note_h + 0.08 - min(ys)
        P = {n: (x, y + shift) for n, (x, y) in P.items()}
        y_mid = shift + geo.y_top / 2
        height = max(ys) + shift + 0.08
        cv.ax.cla()
        cv.placed.clear()
        cv.curves.clear()
        if _draw_full_at(cv, geo, P, row, y_mid, arrows, blocks, texts, ew, eh, pitch, box_h,
                         item_w, style, Ellipse, FancyArrowPatch, Rectangle):
            break
    else:
        if not items:
            cv.ax.cla()
            cv.placed.clear()
            cv.curves.clear()
            return False
        raise ValueError(f"The full model ({len(nodes)} constructs, {len(item_names)} items) "
                         f"does not fit a width of {cv.width:g} in with 8 pt labels that do "
                         "not overlap: use a larger width in inches, or draw the structural "
                         "model (full=False).")
    cv.ax.text(margin, 0.05, note, fontsize=MIN_FONT_PT, color="#404040", va="bottom", ha="left")
    cv.finish(height)
    return True


def _draw_full_at(cv, geo, P, row, y_mid, arrows, blocks, texts, ew, eh, pitch, box_h, item_w,
                  style, Ellipse, FancyArrowPatch, Rectangle) -> bool:
    """Draw the full model at the centres ``P``; False when a coefficient found no place."""
    for n in geo.nodes:
        cv.reserve((P[n][0] - ew[n] / 2, P[n][1] - eh / 2, P[n][0] + ew[n] / 2,
                    P[n][1] + eh / 2))
    loading_labels = []
    for n, block in blocks.items():
        x, y = P[n]
        up = row[n] == "top"
        edge_y = y + eh / 2 if up else y - eh / 2
        box_y0 = edge_y + geo.load_gap if up else edge_y - geo.load_gap - box_h
        x0 = x - len(block) * pitch / 2 + pitch / 2
        for k, (it, v, formative) in enumerate(block):
            ix = x0 + k * pitch
            cv.ax.add_patch(Rectangle((ix - item_w / 2 - 0.04, box_y0), item_w + 0.08, box_h,
                                      facecolor="white", edgecolor="#1f4e79", lw=0.8, zorder=3))
            cv.ax.text(ix, box_y0 + box_h / 2, it, rotation=90, ha="center", va="center",
                       fontsize=MIN_FONT_PT, zorder=4)
            cv.reserve((ix - item_w / 2 - 0.04, box_y0, ix + item_w / 2 + 0.04, box_y0 + box_h))
            near = (ix, box_y0 if up else box_y0 + box_h)
            start = _boundary(P[n], near, ew[n], eh)
            a, b = (near, start) if formative else (start, near)
            cv.ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=7,
                                            lw=0.7, color="#555555", zorder=2,
                                            shrinkA=0, shrinkB=0))
            loading_labels.append(((start, near), format_number(v, 2, style=style)
                                   .replace("-", "\u2212")))
    for k, ((start, near), text) in enumerate(loading_labels):
        # neighbours staggered along their arrows where the arrows converge
        ts = (0.72, 0.55, 0.85, 0.4) if k % 2 == 0 else (0.72, 0.85, 0.55, 0.4)
        if not _label(cv, [_point_along([start, near], t) for t in ts], text, rotation=90):
            return False
    for n in geo.nodes:
        cv.ax.add_patch(Ellipse(P[n], ew[n], eh, facecolor="#eaf1fb", edgecolor="#1f4e79",
                                lw=1.0, zorder=3))
        cv.ax.text(*P[n], texts[n], ha="center", va="center", fontsize=MIN_FONT_PT, zorder=4)
        if n in geo.outer and not blocks.get(n):
            x0, y0, x1, y1 = geo.item_region(n, P, row)
            cv.reserve((x0, y0, x1, y1))
            cv.ax.text((x0 + x1) / 2, (y0 + y1) / 2, geo.outer[n][0], ha="center",
                       va="center", fontsize=MIN_FONT_PT, zorder=4)
    drawn = []
    for a, b, v, p, loading in arrows:
        pts = geo.route(a, b, P, row, y_mid)
        k = _arrow(cv, pts, _is_sig(p, style))
        text = (format_number(v, 2, style=style).replace("-", "\u2212") if loading else
                _coef_text(v, p, style))
        drawn.append((pts, text, k))
    ts = (0.5, 0.44, 0.56, 0.38, 0.62, 0.32, 0.68, 0.26, 0.74, 0.2, 0.8)
    # the most constrained (shortest) arrows first
    for pts, text, k in sorted(drawn, key=lambda d: _length(d[0])):
        on = [_point_along(pts, t) for t in ts]
        off = [(x + dx, y + dy) for x, y in on for dx, dy in
               ((0, 0.1), (0, -0.1), (0.12, 0), (-0.12, 0), (0, 0.2), (0, -0.2))]
        # on the arrow where fewest other arrows run under the label (then nearest the
        # middle); off the arrow only where no place on it is free
        w, h = cv.extent(text)
        box = lambda c: (c[0] - w / 2, c[1] - h / 2, c[0] + w / 2, c[1] + h / 2)  # noqa: E731
        free = [c for c in on if cv.free(box(c)) and box(c)[0] >= 0.02 and
                box(c)[2] <= cv.width - 0.02 and box(c)[1] >= 0]
        if free:
            best = min(range(len(free)), key=lambda i: (cv.curves_under(box(free[i]), k), i))
            cands = [free[best]]
        else:
            cands = off
        if not _label(cv, cands, text, own=k):
            return False
    return True


def _length(pts) -> float:
    P = np.asarray(pts, float)
    return float(np.hypot(*np.diff(P, axis=0).T).sum())


# ============================================================================ other figures
def scree(m, *, ax=None, lang: str = "en", labels: Labels | None = None, title: bool = False,
          size=None):
    """Eigenvalues of the item correlations with the parallel analysis (mean simulated
    eigenvalues), for a :class:`~csi_model.measurement.quality.MeasurementResult` or a DataFrame
    with ``factor, eigenvalue, simulated``.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> m = cm.measurement(spec, cm.simulate_survey("telecom", n=200, seed=1), n_boot=0,
    ...                    n_iter_parallel=5)
    >>> ax = scree(m)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Factor', 'Eigenvalue')
    >>> [line.get_label() for line in ax.get_lines()][:2]
    ['Observed', 'Parallel analysis (simulated)']
    """
    labels = labels or Labels(lang)
    ev = m.eigenvalues if hasattr(m, "eigenvalues") else m
    if ev is None:
        raise ValueError("No eigenvalues to plot (the measurement result has no EFA).")
    ax = _axes(ax, _sized(size, (5.5, 3.6)), size is not None)
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
             size=None, **scatter_kwargs):
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
    size : {"column", "page"} or float, optional
        Print width (inches; see :data:`SIZES`); text stays at least 8 pt.
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
    ax = _axes(ax, _sized(size, (5.5, 4.2)), size is not None)
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
                 labels: Labels | None = None, title: bool = False, annotate: bool = False,
                 ylim=(0, 100), size=None):
    """The index of ``latent`` by wave, one line per operator, with its confidence interval.

    ``trends`` has columns ``operator, wave, latent, index`` and, when the index was
    bootstrapped, ``ci.lower, ci.upper`` (drawn as error bars;
    :attr:`csi_model.report.analysis.Analyses.trends`). The axis shows the whole 0-100
    scale by default (``ylim=None`` zooms to the data, but never to less than 20 points), so
    that a change within the intervals does not look like a reversal. The operators are
    set slightly apart on each wave so that their bars do not hide each other.

    Examples
    --------
    >>> import csi_model as cm
    >>> from csi_model.report.analysis import analyze
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> survey = cm.read_survey(cm.make_demo_survey(), codebook="telecom", missing_codes=[99])
    >>> a = analyze(spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None)
    >>> ax = index_trends(a.trends, latent="SAT")
    >>> tuple(map(float, ax.get_ylim())), [t.get_text() for t in ax.get_xticklabels()]
    ((0.0, 100.0), ['2025', '2026'])
    >>> sorted(t.get_text() for t in ax.get_legend().get_texts())
    ['China Mobile', 'China Telecom', 'China Unicom']
    """
    labels = labels or Labels(lang)
    d = trends[trends["latent"] == latent]
    waves = sorted(d["wave"].unique(), key=str)
    width = _print_width(size) if size is not None else 5.5
    ax = _axes(ax, (width, width * 0.66), size is not None)
    x = np.arange(len(waves))
    groups = list(d.groupby("operator", sort=True))
    has_ci = {"ci.lower", "ci.upper"} <= set(d.columns) and d["ci.lower"].notna().any()
    for k, (op, sub) in enumerate(groups):
        sub = sub.set_index("wave").reindex(waves)
        y = sub["index"].to_numpy(dtype=float)
        xk = x + (k - (len(groups) - 1) / 2) * 0.08
        color = _PALETTE[k % len(_PALETTE)]
        if has_ci:
            lo = y - sub["ci.lower"].to_numpy(dtype=float)
            hi = sub["ci.upper"].to_numpy(dtype=float) - y
            ax.errorbar(xk, y, yerr=[lo, hi], fmt="o-", color=color, capsize=3, lw=1.2, ms=4,
                        label=labels.header(str(op)))
        else:
            ax.plot(xk, y, "o-", color=color, ms=4, label=labels.header(str(op)))
        if annotate:
            for xi, yi in zip(xk, y):
                if np.isfinite(yi):
                    ax.annotate(format_number(yi, 1), (xi, yi), xytext=(6, 0),
                                textcoords="offset points", ha="left", va="center", fontsize=8)
    ax.set_xticks(x, [str(w) for w in waves])
    ax.set_xlim(-0.5, len(waves) - 0.5)
    if ylim is None:
        lo = np.nanmin(d["ci.lower"] if has_ci else d["index"])
        hi = np.nanmax(d["ci.upper"] if has_ci else d["index"])
        mid, half = (lo + hi) / 2, max(10.0, (hi - lo) / 2 + 2)
        ylim = (max(0.0, mid - half), min(100.0, mid + half))
    ax.set_ylim(*ylim)
    ax.set_xlabel(labels.header("wave"))
    name = labels.construct(latent)
    ylab = ax.set_ylabel(f"{name}（0-100）" if lang == "zh" else f"{name} (0-100)")
    ylab.set_fontfamily(list(font_families()))      # measured with the CJK fallback
    fig = ax.figure
    if ylab.get_window_extent(fig.canvas.get_renderer()).height > 0.8 * fig.bbox.height * \
            ax.get_position().height:        # longer than the axis (at a column width): 2 lines
        ylab.set_text(f"{name}\n（0-100）" if lang == "zh" else f"{name}\n(0-100)")
    ax.legend(frameon=False, fontsize=8, title=labels.header("operator"), title_fontsize=8,
              loc="lower right")
    if has_ci:
        ax.text(0.0, 1.01, labels.report("trend_ci"), transform=ax.transAxes, fontsize=8,
                color="#404040", va="bottom")
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(labels.title("index_trends", construct=name), pad=16)
    return _finish(ax)


def bootstrap_distributions(result, *, ax=None, lang: str = "en", labels: Labels | None = None,
                            level: float = 0.95, title: bool = False, bins: int = 30,
                            size=None):
    """Bootstrap distributions of the (unstandardized) structural paths as stacked
    histograms: one row per path, the full-sample estimate (line) and the percentile
    interval (shaded). ``result`` is an SEMResult fitted with ``bootstrap=B`` (or a
    BootstrapResult).

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> res = cm.fit(spec, cm.simulate_survey("telecom", n=200, seed=1), bootstrap=100, seed=1)
    >>> ax = bootstrap_distributions(res)
    >>> ax.get_xlabel(), [t.get_text() for t in ax.get_yticklabels()]
    ('Bootstrap estimate (B = 100)', ['Customer satisfaction → Customer loyalty'])
    """
    labels = labels or Labels(lang)
    boot = getattr(result, "bootstrap", result)
    if boot is None or not hasattr(boot, "replicates"):
        raise ValueError("The result has no bootstrap: fit with bootstrap=B and seed=S.")
    names = [n for n in boot.names if "~" in n and "~~" not in n and "=~" not in n]
    idx = [boot.names.index(n) for n in names]
    reps = boot.replicates[:, idx]
    reps = reps[np.all(np.isfinite(reps), axis=1)]
    ax = _axes(ax, _sized(size, (6.0, 0.42 * len(names) + 1.2)), size is not None)
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

    Examples
    --------
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


def save(ax_or_fig, path, *, dpi: int = 300) -> Path:
    """Save a figure without timestamps or version metadata (stable rebuilds); the format
    follows the suffix: .png/.tif(f)/.jpg at ``dpi`` (300, the journals' minimum for
    raster figures), .svg/.pdf/.eps as vectors.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> import os, tempfile
    >>> ax = path_diagram(cm.fit(spec, cm.simulate_survey("telecom", n=200, seed=1)), size="column")
    >>> d = tempfile.mkdtemp()
    >>> png = save(ax, os.path.join(d, "path.png"))           # 300 dpi
    >>> svg = save(ax, os.path.join(d, "path.svg"))           # vector
    >>> png.name, svg.name, open(svg, encoding="utf-8").read().count("<dc:date>")
    ('path.png', 'path.svg', 0)
    >>> from PIL import Image
    >>> tuple(round(v) for v in Image.open(png).info["dpi"])
    (300, 300)
    """
    import matplotlib as mpl
    fig = getattr(ax_or_fig, "figure", ax_or_fig)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = path.suffix.lstrip(".").lower()
    meta = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None},
            "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
            "eps": {"Creator": None}}.get(fmt)
    # a figure drawn at its print size is saved at exactly that size
    bbox = None if getattr(fig, "_csi_print_size", False) else "tight"
    with mpl.rc_context({"svg.hashsalt": "csi_model", "svg.fonttype": "path"}):
        fig.savefig(path, dpi=dpi, bbox_inches=bbox, metadata=meta)
    return path
