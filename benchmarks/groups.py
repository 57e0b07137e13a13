"""Benchmark of the measurement-invariance ladder against lavaan (issue 6).

Usage (from the repository root)::

    python benchmarks/groups.py            # csi_model and, when Rscript is installed, lavaan

Task: the configural + metric + scalar ladder of the telecom model on two groups
(n = 1200: tests/data/telecom_two_waves.csv, 600 per wave), from the CSV file, in one run
on the same machine. csi_model: ``invariance(..., steps=("configural", "metric", "scalar"),
suggest=False)`` (reads the CSV once; timed after imports, best of 3). lavaan: three
``sem(..., group = "wave", group.equal = ...)`` fits after ``read.csv`` (best of 3, inside R).
Prints a Markdown table with the ratio lavaan / csi_model (above 1: csi_model is faster).
"""
from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "telecom_two_waves.csv"
MODEL = ROOT / "tests" / "reference" / "lavaan" / "telecom.lav"
STEPS = ("configural", "metric", "scalar")

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
model <- paste(readLines(args[1]), collapse = "\n")
best <- Inf
for (i in 1:3) {
  t0 <- Sys.time()
  d <- read.csv(args[2], colClasses = c(wave = "character"))
  f1 <- sem(model, d, group = "wave")
  f2 <- sem(model, d, group = "wave", group.equal = "loadings")
  f3 <- sem(model, d, group = "wave", group.equal = c("loadings", "intercepts"))
  best <- min(best, as.numeric(Sys.time() - t0, units = "secs"))
}
cat(best, fitMeasures(f3, "chisq"), "\n")
"""


def main() -> int:
    import csi_model as cm
    from csi_model.sem.groups import invariance

    spec = cm.load_model(MODEL)
    invariance(spec, DATA, by="wave", steps=STEPS, suggest=False)      # warm-up (imports)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inv = invariance(spec, DATA, by="wave", steps=STEPS, suggest=False)
        best = min(best, time.perf_counter() - t0)
    ours_chisq = inv.ladder.loc["scalar", "chisq"]
    lavaan = None
    if shutil.which("Rscript"):
        out = subprocess.run(["Rscript", "-e", R_SCRIPT, str(MODEL), str(DATA)],
                             capture_output=True, text=True, check=True).stdout.split()
        lavaan, lav_chisq = float(out[0]), float(out[1])
    print(f"Machine: {platform.platform()}, Python {sys.version.split()[0]}, "
          f"{time.strftime('%Y-%m-%d')}")
    print()
    print("| task | csi_model (s) | lavaan (s) | lavaan / csi_model |")
    print("|---|---|---|---|")
    if lavaan is None:
        print(f"| invariance ladder (3 steps), n=1200, 2 groups | {best:.2f} | skipped (no Rscript) | |")
    else:
        print(f"| invariance ladder (3 steps), n=1200, 2 groups | {best:.2f} | {lavaan:.2f} | "
              f"{lavaan / best:.1f} |")
        print()
        print(f"scalar chisq: csi_model {ours_chisq:.3f}, lavaan {lav_chisq:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
