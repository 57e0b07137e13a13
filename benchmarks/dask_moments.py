"""Surveys beyond one machine (issue 19): moments of a simulated panel on a Dask LocalCluster.

Run from the repository root:
    python benchmarks/dask_moments.py                 # 100,000,000 rows (the goal), ~minutes
    python benchmarks/dask_moments.py --rows 10_000_000 --rows 1_000_000

The rows are generated partition by partition on the workers (never in memory at once): the
telecom model's 24 items drawn from its population correlation matrix and cut to a 1-10 scale.
Each size prints the wall time, rows per second and the peak resident memory of the workers
and this process together; goals: memory flat (<= 2 GB), time linear in rows. The moments
are then fitted (CB-SEM by ML, :func:`csi_model.fit` on the moments) to show the whole path.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time

import numpy as np
import pandas as pd


def make_partition(args):
    """``rows`` respondents of the telecom population (seed ``k``), answers 1..10."""
    import csi_model as cm

    k, rows, corr = args
    rng = np.random.default_rng(k)
    chol = np.linalg.cholesky(corr.to_numpy())
    z = rng.standard_normal((rows, len(corr))) @ chol.T
    cuts = np.array([-1.8, -1.2, -0.7, -0.25, 0.2, 0.6, 1.0, 1.4, 1.9])
    answers = (np.searchsorted(cuts, z) + 1).astype(np.float64)
    del z
    return pd.DataFrame(answers, columns=corr.columns)


class PeakMemory:
    """Samples the resident memory of this process and the cluster's workers every 0.2 s."""

    def __init__(self, pids):
        import psutil
        self.procs = [psutil.Process(p) for p in {os.getpid(), *pids}]
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            total = 0
            for p in self.procs:
                try:
                    total += p.memory_info().rss
                except Exception:  # noqa: BLE001 - a worker restarting
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=lambda s: int(s.replace("_", "")), action="append",
                    help="rows of the panel (repeatable; default 100_000_000)")
    ap.add_argument("--partition-rows", type=int, default=250_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    sizes = args.rows or [100_000_000]

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import csi_model as cm
    from csi_model.survey.simulate import telecom_population

    spec = cm.load_model("telecom")
    corr = telecom_population().implied_correlation(spec).loc[list(spec.observed),
                                                              list(spec.observed)]
    meta = pd.DataFrame({c: pd.Series(dtype=float) for c in corr.columns})
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      memory_limit="1.5GB", dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        print(f"{'rows':>13s} {'partitions':>10s} {'moments s':>10s} {'rows/s':>12s} "
              f"{'fit s':>7s} {'peak GB':>8s}  chisq/df")
        for rows in sizes:
            parts = [(k, min(args.partition_rows, rows - k * args.partition_rows), corr)
                     for k in range(-(-rows // args.partition_rows))]
            ddf = dd.from_map(make_partition, parts, meta=meta)
            with PeakMemory(pids) as mem:
                t0 = time.perf_counter()
                m = cm.survey_moments(ddf, list(spec.observed))
                t_mom = time.perf_counter() - t0
                t0 = time.perf_counter()
                res = cm.fit(spec, m)
                t_fit = time.perf_counter() - t0
            fm = res.fit_measures
            print(f"{rows:13,d} {len(parts):10d} {t_mom:10.1f} {rows / t_mom:12,.0f} "
                  f"{t_fit:7.2f} {mem.peak / 1e9:8.2f}  {fm['chisq']:.1f}/{int(fm['df'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
