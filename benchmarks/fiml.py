"""FIML benchmarks (issue 13): csi_model against lavaan 0.6-14 in the same run.

Usage (from the repository root)::

    python benchmarks/fiml.py                      # n = 400, lavaan bootstrap timed on 100 resamples
    python benchmarks/fiml.py --lavaan-resamples 1000   # lavaan's full 1000 (about half an hour)
    python benchmarks/fiml.py --no-lavaan

Data: the telecom model's simulated survey, ``simulate_survey("telecom", n=400, seed=1,
missing_rate=0.03)`` (3 % of the answers missing completely at random, a seeded mask), written
as CSV to a temporary directory; both programs fit the same file.

Tasks (wall-clock seconds; csi_model's after imports, lavaan's inside R with ``system.time``):

fit ML              ``fit(missing="fiml")`` / ``sem(missing = "ml")``, best of 3
fit MLR             the same with ``estimator="MLR"`` (robust SEs, scaled test, robust CFI/RMSEA)
bootstrap 1000      ``fit(missing="fiml", bootstrap=1000, seed=1)``, one process / lavaan's
                    ``se = "bootstrap"`` with ``missing = "ml"``; lavaan is timed on
                    ``--lavaan-resamples`` resamples and scaled to 1000 when fewer.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from run import fmt, machine, timed  # noqa: E402

MODEL = ROOT / "tests" / "reference" / "lavaan" / "telecom.lav"


def ours(path: Path, B: int, repeat: int) -> dict:
    import pandas as pd
    import csi_model as cm
    spec = cm.load_model(MODEL)
    frame = pd.read_csv(path)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cm.fit(spec, frame, missing="fiml")                     # imports semopy once
        out["fit_ml"] = timed(lambda: cm.fit(spec, frame, missing="fiml"), repeat=repeat)
        out["fit_mlr"] = timed(lambda: cm.fit(spec, frame, missing="fiml", estimator="MLR"),
                               repeat=repeat)
        t0 = time.perf_counter()
        res = cm.fit(spec, frame, missing="fiml", bootstrap=B, seed=1)
        out["bootstrap"] = time.perf_counter() - t0
    out["failed"] = res.bootstrap.n_failed
    out["chisq"] = float(res.fit_measures["chisq"])
    out["n"], out["complete"] = res.n, int(frame[list(spec.observed)].notna().all(axis=1).sum())
    return out


def lavaan(path: Path, folder: Path, B: int, repeat: int) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    out_file = folder / "lavaan_fiml.json"
    cmd = ["Rscript", str(ROOT / "benchmarks" / "lavaan_fiml_bench.R"), str(MODEL), str(path),
           str(out_file), str(repeat), str(B)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"lavaan failed: {proc.stderr.strip()[-500:]}", file=sys.stderr)
        return None
    return json.loads(out_file.read_text())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=400, help="respondents (default 400)")
    ap.add_argument("--B", type=int, default=1000, help="bootstrap resamples (default 1000)")
    ap.add_argument("--lavaan-resamples", type=int, default=100,
                    help="resamples lavaan's bootstrap is timed on (scaled to B; default 100)")
    ap.add_argument("--repeat", type=int, default=3, help="best of REPEAT single fits (default 3)")
    ap.add_argument("--no-lavaan", action="store_true", help="do not run lavaan")
    args = ap.parse_args(argv)
    import csi_model as cm
    folder = Path(tempfile.mkdtemp(prefix="csi_fiml_bench_"))
    path = folder / f"telecom_missing_{args.n}.csv"
    cm.simulate_survey("telecom", n=args.n, seed=1, missing_rate=0.03).to_csv(path, index=False)
    print(f"# csi_model FIML benchmarks, {time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    print(f"# machine: {machine()}", flush=True)
    lav = None if args.no_lavaan else lavaan(path, folder, args.lavaan_resamples, args.repeat)
    us = ours(path, args.B, args.repeat)
    lav_boot = lav and lav["bootstrap"] * args.B / lav["boot_B"]
    rows = [(f"FIML fit ML (n={args.n})", us["fit_ml"], lav and lav["fit_ml"]),
            (f"FIML fit MLR (n={args.n})", us["fit_mlr"], lav and lav["fit_mlr"]),
            (f"FIML bootstrap {args.B} (n={args.n}, 1 process)", us["bootstrap"], lav_boot)]
    print()
    print("| task | csi_model (s) | lavaan (s) | lavaan / csi_model |")
    print("|---|---:|---:|---:|")
    for name, a, b in rows:
        print(f"| {name} | {fmt(a)} | {fmt(b)} | {f'{b / a:.1f}x' if b else '-'} |")
    print()
    print(f"Data: {us['n']} respondents, {us['complete']} of them complete (3 % of answers "
          f"missing); chi-square csi_model {us['chisq']:.4f}"
          + (f", lavaan {lav['chisq']:.4f}." if lav else "."))
    print(f"csi_model bootstrap: {us['failed']} of {args.B} resamples failed.")
    if lav:
        scaled = "" if lav["boot_B"] == args.B else f", timed on {lav['boot_B']} and scaled to {args.B}"
        print(f"lavaan {lav['version']} timed inside R (system.time); its bootstrap{scaled}.")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
