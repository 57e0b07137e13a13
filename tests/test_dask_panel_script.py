"""benchmarks/dask_panel.py runs (at 20,000 rows, workers as threads), and what it fits from the
cluster's moments equals the fits from the same rows in memory."""
from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm

pytest.importorskip("distributed")
pytest.importorskip("psutil")
SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "dask_panel.py"


def _load():
    spec = importlib.util.spec_from_file_location("dask_panel", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow          # 5-12 s: a LocalCluster (threads) is started
def test_the_panel_benchmark_runs_and_agrees_with_the_rows(capsys):
    bench = _load()
    (res,) = bench.main(["--rows", "20_000", "--partition-rows", "6_000", "--threads",
                         "--no-in-memory"])
    out = capsys.readouterr().out
    assert "20,000" in out and "SAT index by operator" in out
    assert res["rows"] == 20_000 and res["partitions"] == 4
    corr = bench.population()
    rows = pd.concat([bench.make_partition((k, n, corr, 0.02))
                      for k, n in enumerate([6000, 6000, 6000, 2000])], ignore_index=True)
    assert rows[list(bench.MISSING_ITEMS)].isna().any().all()
    spec = cm.load_model("telecom")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cb = cm.fit(spec, rows[list(spec.observed)])
        index = cm.csi_index(spec, rows, scale=(1, 10), by="operator", missing="em")
    assert res["moments"].n == cb.n and res["moments"].n_read == 20_000
    np.testing.assert_allclose(res["cbsem"].estimates["est"], cb.estimates["est"],
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(res["index"].table["index"], index.table["index"],
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(res["pls"].estimates["est"], index.pls.estimates["est"],
                               rtol=0, atol=1e-10)
