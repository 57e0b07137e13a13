"""Write data.csv: the first 240 rows of tests/data/telecom_weighted.csv (simulated telecom
survey with a post-stratification weight w) with missing answers put in (seed 14): 6 % of the
answers missing completely at random, and LOY1-LOY3 missing at random (more often when SAT1 is
low). Run from the repository root: python tests/reference/pls_weights_em/make_data.py
"""
import numpy as np
import pandas as pd

d = pd.read_csv("tests/data/telecom_weighted.csv").iloc[:240].copy()
items = [c for c in d.columns if c != "w"]
rng = np.random.default_rng(14)
X = d[items].to_numpy(float)
miss = rng.random(X.shape) < 0.06
low = d["SAT1"].to_numpy() <= 5
for it in ("LOY1", "LOY2", "LOY3"):
    j = items.index(it)
    miss[:, j] |= low & (rng.random(len(d)) < 0.25)
miss[:, items.index("SAT1")] = False            # the MAR predictor is always answered
X[miss] = np.nan
d[items] = pd.DataFrame(X, columns=items, index=d.index).astype("Int64")
d.to_csv("tests/reference/pls_weights_em/data.csv", index=False, na_rep="")
