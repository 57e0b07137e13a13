"""Ordinal invariance ladder (issue 14): csi_model vs lavaan + semTools in the same run.

Run from the repository root:  python benchmarks/ordinal_groups.py [--repeat 3]

The four Wu & Estabrook (2016) steps (configural, thresholds, loadings, intercepts) and the three
scaled-shifted difference tests, WLSMV, on the data of tests/test_ordinal_groups.py: bfi by
gender (10 items, 6 categories, n = 2,632) and the simulated telecom survey by operator
(10 items, 4 categories after collapsing, 3 x 400). csi_model: cm.invariance(..., ordered=True)
in-process, best of --repeat; lavaan: the four cfa() fits and three lavTestLRT() calls
(measEq.syntax generated before the clock starts), best of --repeat, system.time in Rscript.
The machine is shared (2 cores): compare the ratios.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "reference" / "lavaan_ordinal_groups"

R_SCRIPT = r"""
suppressMessages({library(lavaan); library(semTools)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); m <- paste(readLines(args[2]), collapse = "\n"); group <- args[3]
items <- setdiff(names(d), group)
eq <- list(character(0), "thresholds", c("thresholds", "loadings"),
           c("thresholds", "loadings", "intercepts"))
syn <- lapply(eq, function(e) as.character(measEq.syntax(m, data = d, ordered = items,
  parameterization = "delta", ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = group,
  group.equal = e)))
run <- function() {
  fits <- lapply(syn, function(s) cfa(s, data = d, ordered = items, group = group,
                                      estimator = "WLSMV", parameterization = "delta"))
  for (k in 2:4) lavTestLRT(fits[[k - 1]], fits[[k]])
}
reps <- as.integer(args[4]); t <- numeric(reps)
for (i in seq_len(reps)) t[i] <- system.time(run())[["elapsed"]]
cat(min(t), "\n")
"""


def _case(name, ref):
    r = ref[name]
    if name == "bfi":
        data = pd.read_csv(REF / "bfi_gender.csv")
    else:
        data = pd.read_csv(REF / "telecom5_operators.csv")
        data[r["items"]] = data[r["items"]].clip(lower=2)
    return r, data[[*r["items"], r["group"]]]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    import csi_model as cm

    ref = json.loads((REF / "ordinal_groups.json").read_text())
    print(f"{'ladder (4 steps + 3 difference tests)':40s} {'csi_model':>10s} {'lavaan':>10s} "
          f"{'ratio':>7s}")
    for name in ("bfi", "telecom"):
        r, data = _case(name, ref)
        spec = cm.ModelSpec.from_syntax(r["model"])
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cm.invariance(spec, data, by=r["group"], ordered=True)
            times.append(time.perf_counter() - t0)
        ours, theirs = min(times), float("nan")
        if shutil.which("Rscript"):
            with tempfile.TemporaryDirectory() as tmp:
                csv, lav, script = Path(tmp) / "d.csv", Path(tmp) / "m.lav", Path(tmp) / "b.R"
                data.to_csv(csv, index=False)
                lav.write_text(r["model"])
                script.write_text(R_SCRIPT)
                out = subprocess.run(["Rscript", str(script), str(csv), str(lav), r["group"],
                                      str(args.repeat)], check=True, capture_output=True,
                                     text=True)
                theirs = float(out.stdout.split()[-1])
        print(f"{name:40s} {ours:10.2f} {theirs:10.2f} {theirs / ours:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
