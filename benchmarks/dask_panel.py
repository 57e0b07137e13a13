"""Surveys beyond one machine (issue 19, goal 5): a simulated telecom panel on a Dask cluster.

Run from the repository root:
    python benchmarks/dask_panel.py                          # 100,000,000 rows (the goal)
    python benchmarks/dask_panel.py --rows 1_000_000 --rows 10_000_000
    python benchmarks/dask_panel.py --scheduler tcp://host:8786   # a real cluster instead

The panel is generated partition by partition on the workers (never in memory at once): the
telecom model's 24 items drawn from its population correlation matrix and cut to 1-10, an
``operator`` column (three operators of different sizes and levels) and "don't know" answers
(missing, ``--missing`` of the answers to six items). ``cm.survey_moments(..., by="operator",
patterns=True)`` reduces it on a dask.distributed LocalCluster (``--workers`` processes, one
thread each); then, from the moments alone: CB-SEM (``cm.fit``, ML, listwise), PLS
(``cm.fit_pls(..., missing="em")``) and the 0-100 index by operator (``cm.csi_index``).

Printed per size: rows, partitions, seconds for the moments and for the three fits, seconds
per million rows, and the peak resident memory of the cluster's worker processes (and of this
process, which holds the client and the scheduler). Goals: memory flat (<= 2 GB), time linear
in rows. Then, unless ``--no-in-memory``: 1,000,000 rows read from a CSV in a fresh
interpreter with ``cm.read_survey`` and fitted (``cm.fit``) - goal <= 5 s.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

OPERATORS = ("China Mobile", "China Telecom", "China Unicom")
SHARES = (0.55, 0.25, 0.20)
SHIFTS = (0.5, 0.60, 0.42)              # operator level on the latent-normal scale
MISSING_ITEMS = ("QUAL4", "QUAL5", "QUAL7", "VAL1", "VAL2", "COMP1")   # "don't know" allowed
CUTS = np.array([-1.8, -1.2, -0.7, -0.25, 0.2, 0.6, 1.0, 1.4, 1.9])


def population():
    """The telecom items' population correlation matrix (a DataFrame)."""
    import csi_model as cm
    from csi_model.survey.simulate import telecom_population
    spec = cm.load_model("telecom")
    items = list(spec.observed)
    return telecom_population().implied_correlation(spec).loc[items, items]


def make_partition(args) -> pd.DataFrame:
    """Partition ``k`` of the panel: ``rows`` respondents (seed ``k``), answers 1-10."""
    k, rows, corr, missing = args
    rng = np.random.default_rng(1000 + k)
    chol = np.linalg.cholesky(corr.to_numpy()).astype(np.float32)
    op = rng.choice(len(OPERATORS), size=rows, p=SHARES)
    z = rng.standard_normal((rows, len(corr)), dtype=np.float32) @ chol.T
    z += np.asarray(SHIFTS, dtype=np.float32)[op][:, None]
    answers = np.searchsorted(CUTS.astype(np.float32), z).astype(np.float64) + 1.0
    del z
    if missing:
        cols = [corr.columns.get_loc(c) for c in MISSING_ITEMS]
        gaps = rng.random((rows, len(cols))) < missing
        sub = answers[:, cols]
        sub[gaps] = np.nan
        answers[:, cols] = sub
    out = pd.DataFrame(answers, columns=corr.columns)
    out["operator"] = pd.Categorical.from_codes(op, OPERATORS)
    return out


class PeakMemory:
    """Samples the resident memory of the workers and of this process every 0.1 s."""

    def __init__(self, worker_pids):
        import psutil
        self.workers = [psutil.Process(p) for p in worker_pids if p != os.getpid()]
        self.me = psutil.Process(os.getpid())
        self.peak_workers = self.peak_me = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            total = 0
            for p in self.workers:
                try:
                    total += p.memory_info().rss
                except Exception:  # noqa: BLE001 - a worker restarting
                    pass
            self.peak_workers = max(self.peak_workers, total)
            self.peak_me = max(self.peak_me, self.me.memory_info().rss)
            time.sleep(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def warm_up() -> None:
    """Import csi_model's moments on a worker (once, before the timings)."""
    import csi_model.survey.moments  # noqa: F401


def panel(rows: int, partition_rows: int, corr, missing: float):
    """The lazy Dask DataFrame of the panel (nothing is generated yet)."""
    import dask.dataframe as dd
    parts = [(k, min(partition_rows, rows - k * partition_rows), corr, missing)
             for k in range(-(-rows // partition_rows))]
    meta = make_partition((0, 0, corr, 0.0))
    return dd.from_map(make_partition, parts, meta=meta), len(parts)


def run_size(rows, partition_rows, corr, missing, worker_pids) -> dict:
    """Moments and fits of one panel size on the current cluster."""
    import warnings
    import csi_model as cm
    spec = cm.load_model("telecom")
    ddf, n_parts = panel(rows, partition_rows, corr, missing)
    with PeakMemory(worker_pids) as mem:
        t0 = time.perf_counter()
        m = cm.survey_moments(ddf, list(spec.observed), by="operator", patterns=True)
        t_mom = time.perf_counter() - t0
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cb = cm.fit(spec, m)
            pls = cm.fit_pls(spec, m, missing="em")
            index = cm.csi_index(pls, scale=(1, 10), by="operator")
        t_fit = time.perf_counter() - t0
    return {"rows": rows, "partitions": n_parts, "moments_s": t_mom, "fits_s": t_fit,
            "total_s": t_mom + t_fit, "s_per_1M": (t_mom + t_fit) / rows * 1e6,
            "peak_workers_gb": mem.peak_workers / 1e9, "peak_client_gb": mem.peak_me / 1e9,
            "complete": m.n, "patterns": len(m.patterns.counts),
            "chisq": cb.fit_measures["chisq"], "df": cb.fit_measures["df"],
            "sat_index": index.by_group()["SAT"].to_dict(), "moments": m, "cbsem": cb,
            "pls": pls, "index": index}


def in_memory_read_fit(rows: int, corr, tmp: Path) -> dict:
    """1M rows (by default) from a CSV: read_survey + fit in a fresh interpreter."""
    frame = pd.concat([make_partition((k, rows // 4, corr, 0.0)) for k in range(4)],
                      ignore_index=True)
    path = tmp / "panel_1m.csv"
    frame.to_csv(path, index=False)
    del frame
    code = textwrap.dedent(f"""
        import time, resource, json, warnings
        t0 = time.perf_counter()
        import csi_model as cm
        warnings.simplefilter("ignore")
        spec = cm.load_model("telecom")
        t1 = time.perf_counter()
        survey = cm.read_survey({str(path)!r}, items=spec.observed)
        t2 = time.perf_counter()
        res = cm.fit(spec, survey)
        t3 = time.perf_counter()
        pls = cm.fit_pls(spec, survey)
        index = cm.csi_index(pls, scale=(1, 10), by="operator")
        t4 = time.perf_counter()
        assert res.converged
        print(json.dumps({{"read_s": t2 - t1, "fit_s": t3 - t2, "read_fit_s": t3 - t1,
                          "pls_index_s": t4 - t3, "with_import_s": t3 - t0,
                          "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}}))
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).
                                                                       resolve().parents[1])})
    return {"rows": rows, **json.loads(out.stdout.strip().splitlines()[-1])}


def main(argv=None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=lambda s: int(s.replace("_", "")), action="append",
                    help="rows of the panel (repeatable; default 100_000_000)")
    ap.add_argument("--partition-rows", type=lambda s: int(s.replace("_", "")),
                    default=250_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--missing", type=float, default=0.02,
                    help="share of missing answers to the six 'don't know' items")
    ap.add_argument("--threads", action="store_true",
                    help="workers as threads of this process (quick runs and tests)")
    ap.add_argument("--scheduler", help="address of a running dask scheduler "
                                        "(default: a LocalCluster on this machine)")
    ap.add_argument("--no-in-memory", action="store_true",
                    help="skip the 1M-rows-in-memory read + fit row")
    ap.add_argument("--in-memory-rows", type=lambda s: int(s.replace("_", "")),
                    default=1_000_000)
    args = ap.parse_args(argv)
    sizes = args.rows or [100_000_000]

    from distributed import Client, LocalCluster

    corr = population()
    results = []
    if args.scheduler:
        cluster = None
        client = Client(args.scheduler)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                               processes=not args.threads, memory_limit="1.5GB",
                               dashboard_address=None)
        client = Client(cluster)
    try:
        pids = list(client.run(os.getpid).values())
        client.run(warm_up)                    # the workers' imports are not per-row costs
        print(f"dask.distributed: {len(pids)} worker(s), "
              f"{'threads' if args.threads else 'processes'}; "
              f"{args.partition_rows:,} rows a partition; {args.missing:.0%} missing on "
              f"{len(MISSING_ITEMS)} items", flush=True)
        print(f"{'rows':>13s} {'parts':>6s} {'moments s':>10s} {'fits s':>7s} {'total s':>8s} "
              f"{'s / 1M rows':>11s} {'workers GB':>10s} {'client GB':>9s}  SAT index by operator",
              flush=True)
        for rows in sizes:
            r = run_size(rows, args.partition_rows, corr, args.missing, pids)
            results.append(r)
            sat = ", ".join(f"{v:.2f}" for v in r["sat_index"].values())
            print(f"{rows:13,d} {r['partitions']:6d} {r['moments_s']:10.1f} {r['fits_s']:7.2f} "
                  f"{r['total_s']:8.1f} {r['s_per_1M']:11.2f} {r['peak_workers_gb']:10.2f} "
                  f"{r['peak_client_gb']:9.2f}  {sat}", flush=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    if not args.no_in_memory:
        with tempfile.TemporaryDirectory() as tmp:
            r = in_memory_read_fit(args.in_memory_rows, corr, Path(tmp))
        results.append(r)
        print(f"in memory, {r['rows']:,} rows from CSV: read {r['read_s']:.2f} s + fit "
              f"{r['fit_s']:.2f} s = {r['read_fit_s']:.2f} s (goal <= 5 s; with the import "
              f"{r['with_import_s']:.2f} s); PLS + index {r['pls_index_s']:.2f} s; peak "
              f"{r['peak_gb']:.2f} GB", flush=True)
    return results


if __name__ == "__main__":
    main()
    sys.exit(0)
