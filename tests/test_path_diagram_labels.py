"""No arrow of the path diagram runs under an R² label (issue 18, point 4).

In the telecom demo the path from perceived quality to satisfaction ran through
"R² = .461" beside perceived value, which then touched "0.570***": the R² labels are now
placed first, where no arrow runs (beside, under or at a corner of their construct)."""
from __future__ import annotations

import numpy as np
import pytest

from _report_data import demo_analyses


def _arrow_points(ax) -> list[np.ndarray]:
    from matplotlib.patches import FancyArrowPatch
    out = []
    for patch in ax.patches:
        if isinstance(patch, FancyArrowPatch):
            polys = patch.get_path().to_polygons(closed_only=False)
            out.append(np.vstack([np.linspace(a, b, 20) for poly in polys
                                  for a, b in zip(poly[:-1], poly[1:])]))
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_arrow_runs_under_an_r2_label(lang):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from csi_model.report import figures as F
    ax = F.path_diagram(demo_analyses().sem, lang=lang)
    fig = ax.figure
    fig.canvas.draw()
    arrows = _arrow_points(ax)
    assert len(arrows) == 12
    inv = ax.transData.inverted()
    r2 = [t for t in ax.texts if t.get_text().startswith("R²")]
    assert len(r2) == 6
    crossed = []
    for t in r2:
        (x0, y0), (x1, y1) = inv.transform(t.get_window_extent(fig.canvas.get_renderer())
                                           .get_points())
        for pts in arrows:
            if ((pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)).any():
                crossed.append(t.get_text())
    plt.close(fig)
    assert crossed == [], crossed


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_note_never_breaks_inside_p_less_than(lang):
    # "\s" matched the no-break spaces meant to keep "p < .001" together: the full
    # diagram's note ended a line with "*** p" and began the next with "< .001."
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from csi_model.report import figures as F
    ax = F.path_diagram(demo_analyses().sem, lang=lang, full=True)
    notes = [t.get_text() for t in ax.texts if "< .05" in t.get_text().replace("\n", " ")]
    plt.close(ax.figure)
    assert len(notes) == 1
    lines = notes[0].split("\n")
    assert len(lines) >= 2 or lang == "zh"
    for a, b in zip(lines, lines[1:]):
        assert not a.rstrip().endswith(" p") and not b.lstrip().startswith("<"), (a, b)
    assert all(k in notes[0] for k in ("p < .05", "p < .01", "p < .001"))


def test_index_trend_axis_label_fits_a_column():
    # at size="column" (3.5 in) "Customer satisfaction (0-100)" was longer than the
    # axis and was cut off at the top of the saved figure
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from csi_model.report import figures as F
    a = demo_analyses()
    ax = F.index_trends(a.trends, latent="SAT", size="column")
    fig = ax.figure
    fig.canvas.draw()
    box = ax.yaxis.label.get_window_extent(fig.canvas.get_renderer())
    plt.close(fig)
    assert box.y0 >= 0 and box.y1 <= fig.bbox.height, (box, fig.bbox)
