"""PLS path modelling benchmarks (issue 5): prints a table; not part of the test suite.

Run from the repository root:  python benchmarks/pls.py [--quick]

Goals on the team's 2-core machines:
  - one PLS fit of the telecom model at n = 250           <= 10 ms
  - 5000 bootstrap resamples (telecom model, n = 250)     <= 5 s
  - a 1,000,000-respondent survey (read from CSV + fit)   <= 10 s
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import csi_model as cm
from csi_model.pls.index import csi_index
from csi_model.pls.fit import bootstrap_pls, fit_pls


def best_of(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), float(np.median(times)), out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip the 1,000,000-respondent case")
    args = ap.parse_args(argv)
    spec = cm.load_model("telecom")
    rows = []

    survey = cm.read_survey(cm.simulate_survey(spec, n=250, seed=1), scale=(1, 10))
    fit_pls(spec, survey)                                   # warm up imports
    best, med, res = best_of(lambda: fit_pls(spec, survey), 50)
    rows.append(("fit_pls, telecom, n=250 (path scheme)", best, med, 0.010,
                 f"{res.iterations} iterations"))
    for scheme in ("centroid", "factorial"):
        best, med, res = best_of(lambda: fit_pls(spec, survey, scheme=scheme), 20)
        rows.append((f"fit_pls, telecom, n=250 ({scheme})", best, med, 0.010,
                     f"{res.iterations} iterations"))
    res0 = fit_pls(spec, survey)
    best, med, boot = best_of(lambda: bootstrap_pls(res0, B=5000, seed=1), 3)
    rows.append(("bootstrap_pls, 5000 resamples, n=250, 1 job", best, med, 5.0,
                 f"{boot.bootstrap.n_failed} failed"))
    best, med, _ = best_of(lambda: bootstrap_pls(res0, B=5000, seed=1, n_jobs=2), 2)
    rows.append(("bootstrap_pls, 5000 resamples, n=250, 2 jobs", best, med, 5.0,
                 "joblib loky (includes worker start-up)"))
    best, med, ix = best_of(lambda: csi_index(res0, scale=(1, 10), bootstrap=5000, seed=1), 2)
    rows.append(("csi_index + 5000-resample CIs, n=250", best, med, None, ""))

    if not args.quick:
        n = 1_000_000
        big = cm.simulate_survey(spec, n=n, seed=2)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "big.csv"
            big.to_csv(path, index=False)
            size = path.stat().st_size / 1e6

            def read_and_fit():
                sv = cm.read_survey(str(path), items=list(spec.observed))
                return sv, fit_pls(spec, sv)
            best, med, (sv_big, res_big) = best_of(read_and_fit, 2)
            rows.append((f"read_survey (CSV {size:.0f} MB) + fit_pls, n=1,000,000", best, med,
                         10.0, f"{res_big.iterations} iterations"))
        best, med, _ = best_of(lambda: fit_pls(spec, sv_big), 3)
        rows.append(("fit_pls only, n=1,000,000", best, med, 10.0, ""))
        best, med, _ = best_of(lambda: csi_index(fit_pls(spec, sv_big), scale=(1, 10)), 2)
        rows.append(("fit_pls + csi_index, n=1,000,000", best, med, None, ""))

    print(f"csi_model PLS benchmarks - Python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}")
    w = max(len(r[0]) for r in rows)
    print(f"{'case':<{w}}  {'best':>9}  {'median':>9}  {'goal':>7}  ok   note")
    for name, best, med, goal, note in rows:
        ok = "" if goal is None else ("yes" if best <= goal else "NO")
        g = "" if goal is None else f"{goal:g} s"
        print(f"{name:<{w}}  {best:>8.4f}s  {med:>8.4f}s  {g:>7}  {ok:<4} {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
