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
