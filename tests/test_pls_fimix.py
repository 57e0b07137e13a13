"""FIMIX-PLS against a simulation with a known truth: two planted segments.

No R peer has FIMIX-PLS; the truth is the simulation's: 60% of respondents with
X -> Y = 0.8 and Z -> Y = 0.1, 40% with X -> Y = -0.1 and Z -> Y = 0.7 (residual SD 0.2).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csi_model as cm

MODEL = cm.ModelSpec.from_syntax("""
X =~ x1 + x2 + x3
Z =~ z1 + z2 + z3
Y =~ y1 + y2 + y3
Y ~ X + Z
""")


def _planted(n=800, seed=5):
    rng = np.random.default_rng(seed)
    seg = (rng.random(n) < 0.4).astype(int)                 # 1 for the 40% segment
    X, Z = rng.normal(size=n), rng.normal(size=n)
    bx = np.where(seg == 0, 0.8, -0.1)
    bz = np.where(seg == 0, 0.1, 0.7)
    Y = bx * X + bz * Z + rng.normal(scale=0.2, size=n)
    items = {}
    for name, f in (("x", X), ("z", Z), ("y", Y)):
        for i in range(1, 4):
            items[f"{name}{i}"] = 0.9 * f / f.std() + rng.normal(scale=0.2, size=n)
    # the Bayes classifier with the true parameters and the true (error-free) scores: the
    # best any segmentation can do
    dens = [np.log(p) - 0.5 * ((Y - a * X - b * Z) / 0.2) ** 2
            for p, a, b in ((0.6, 0.8, 0.1), (0.4, -0.1, 0.7))]
    oracle = ((dens[1] > dens[0]).astype(int) == seg).mean()
    return pd.DataFrame(items), seg, oracle


@pytest.fixture(scope="module")
def planted():
    df, seg, oracle = _planted()
    return cm.fit_pls(MODEL, df), seg, oracle


def test_fimix_recovers_two_planted_segments(planted):
    res, seg, oracle = planted
    fx = cm.fimix_pls(res, K=2, starts=5, seed=1)
    assert fx.converged
    # segment 1 is the larger: the 60% segment
    assert fx.sizes["seg1"] == pytest.approx(0.6, abs=0.05)
    agreement = (fx.segment.to_numpy() == np.where(seg == 0, 1, 2)).mean()
    # within a few points of the oracle, although FIMIX sees scores with measurement error
    assert agreement > oracle - 0.06 and agreement > 0.85
    paths = fx.paths.set_index("rhs")
    assert paths.loc["X", "seg1"] > 0.6 and paths.loc["X", "seg2"] < 0.1
    assert paths.loc["Z", "seg1"] < 0.3 and paths.loc["Z", "seg2"] > 0.5
    assert fx.criteria["EN"] > 0.5


def test_fimix_criteria_choose_two_and_are_reproducible(planted):
    res = planted[0]
    fits, table = cm.fimix_pls(res, K=[1, 2, 3], starts=3, seed=2, max_iter=300)
    assert table["BIC"].idxmin() == 2 and table["CAIC"].idxmin() == 2
    assert table.loc[2, "AIC3"] < table.loc[1, "AIC3"]
    # N = (K-1) + K (2 paths + 1 endogenous variance)
    assert table["N"].tolist() == [3, 7, 11]
    again = cm.fimix_pls(res, K=2, starts=3, seed=2, max_iter=300)
    pd.testing.assert_frame_equal(again.membership, fits[2].membership)
    # K = 1 is the pooled OLS of the standardized scores
    pooled = res.path_matrix()["Y"]
    one = fits[1].paths.set_index("rhs")["seg1"]
    np.testing.assert_allclose(one[["X", "Z"]], pooled[["X", "Z"]], rtol=0, atol=1e-10)


def test_fimix_needs_seed(planted):
    with pytest.raises(ValueError, match="seed"):
        cm.fimix_pls(planted[0], K=2, seed=None)
