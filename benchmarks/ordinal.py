"""Ordinal CB-SEM (WLSMV) benchmark (issue 14): csi_model vs lavaan in the same run.

Run from the repository root:  python benchmarks/ordinal.py [--repeat 3]

The telecom model without its single-item block (22 indicators... see
tests/reference/lavaan_ordinal/make_reference.R) on the simulated 5-category survey of the
tests (n = 1,000): one fit in-process (best of --repeat), and the whole command as a user runs
it (Python starting, importing csi_model, reading the CSV, fitting), against Rscript running
lavaan's sem(..., ordered = TRUE) on the same file: in-process (system.time) and whole command.
Goal: faster than lavaan. The machine is shared (2 cores): compare the ratios.
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
REF = ROOT / "tests" / "reference" / "lavaan_ordinal"

R_SCRIPT = r"""
suppressMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); m <- paste(readLines(args[2]), collapse = "\n")
fit <- sem(m, data = d, ordered = TRUE)
reps <- as.integer(args[3]); t <- numeric(reps)
for (i in seq_len(reps)) t[i] <- system.time(sem(m, data = d, ordered = TRUE))[["elapsed"]]
cat(min(t), "\n")
"""

PY_COMMAND = """
import sys, warnings, pandas as pd, csi_model as cm
warnings.simplefilter("ignore")
spec = cm.ModelSpec.from_syntax(open(sys.argv[2]).read())
res = cm.fit(spec, pd.read_csv(sys.argv[1]), ordered=True)
print(res.fit_measures["chisq.scaled"])
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    import csi_model as cm

    ref = json.loads((REF / "wlsmv.json").read_text())["telecom5"]
    data = pd.read_csv(REF / "telecom5.csv")[ref["items"]]
    spec = cm.ModelSpec.from_syntax(ref["model"])
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cm.fit(spec, data, ordered=True)
        times.append(time.perf_counter() - t0)
    ours = min(times)
    with tempfile.TemporaryDirectory() as tmp:
        csv, lav = Path(tmp) / "d.csv", Path(tmp) / "m.lav"
        data.to_csv(csv, index=False)
        lav.write_text(ref["model"])
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", PY_COMMAND, str(csv), str(lav)], check=True,
                       capture_output=True)
        ours_cmd = time.perf_counter() - t0
        rows = [("csi_model WLSMV fit (in-process)", ours),
                ("csi_model whole command (python + import + read + fit)", ours_cmd)]
        if shutil.which("Rscript"):
            script = Path(tmp) / "b.R"
            script.write_text(R_SCRIPT)
            t0 = time.perf_counter()
            out = subprocess.run(["Rscript", str(script), str(csv), str(lav), str(args.repeat)],
                                 check=True, capture_output=True, text=True)
            lav_cmd = time.perf_counter() - t0
            lav_fit = float(out.stdout.split()[-1])
            # the Rscript ran 1 + repeat fits; one whole command is startup + one fit
            lav_one = lav_cmd - args.repeat * lav_fit
            rows += [("lavaan sem(ordered = TRUE) (in-process, system.time)", lav_fit),
                     ("lavaan whole command (Rscript + library + read + fit)", lav_one)]
            ratio_fit, ratio_cmd = lav_fit / ours, lav_one / ours_cmd
        else:
            ratio_fit = ratio_cmd = float("nan")
    print(f"{'case (n = 1000, 22 items, 5 categories)':58s} {'seconds':>8s}")
    for name, t in rows:
        print(f"{name:58s} {t:8.3f}")
    print(f"lavaan / csi_model: in-process {ratio_fit:.2f}x, whole command {ratio_cmd:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
