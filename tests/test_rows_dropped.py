"""Rows dropped are never silent (issue 11, point 8): every result says n used of n read,
and a dropped row is a warning on the result, its summary, its JSON and its HTML, and in the
HTML report and the paper."""
from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi_model as cm

HERE = Path(__file__).parent
MISSING = HERE / "data" / "telecom_sim_missing.csv"     # 400 rows, 104 complete
N_READ, N_USED = 400, 104


def _check(result, *, n_key="n"):
    text = result.summary().as_text()
    html = result._repr_html_()
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    msg = [w for w in result.warnings if w.startswith("Listwise deletion")]
    assert msg, result.warnings
    assert f"{N_READ - N_USED} of {N_READ} respondents" in msg[0]
    assert f"use {N_USED} of {N_READ}" in msg[0]
    assert "Listwise deletion" in text and "Listwise deletion" in html
    assert any(w.startswith("Listwise deletion") for w in d["warnings"])
    assert d[n_key] == N_USED and d["n_total"] == N_READ
    assert f"{N_USED} of {N_READ} respondents used" in text
    return d


def test_fit_pls_and_csi_index():
    with pytest.warns(cm.DataQualityWarning, match="Listwise deletion: 296 of 400"):
        pls = cm.fit_pls("telecom", MISSING)
    assert (pls.n, pls.n_total) == (N_USED, N_READ)
    _check(pls)
    ix = cm.csi_index(pls, scale=(1, 10))
    _check(ix)
    # the listwise rows reported are the survey's own row numbers (the header is row 1)
    bad = np.flatnonzero(pd.read_csv(MISSING).isna().any(axis=1).to_numpy())[:5] + 2
    assert f"(rows {', '.join(map(str, bad))}, ...)" in pls.warnings[0]


def test_measurement():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = cm.measurement("telecom", MISSING, n_boot=0, n_iter_parallel=2)
    _check(m)


def test_compare():
    df = pd.read_csv(HERE / "data" / "telecom_two_waves.csv")
    rng = np.random.default_rng(1)
    df = df.mask(rng.random(df.shape) < 0.002).assign(wave=df["wave"])
    n_used = int(df.drop(columns="wave").notna().all(axis=1).sum())
    assert n_used < len(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cm.compare("telecom", df, by="wave", bootstrap=20, n_permutations=20, seed=1,
                         scale=(1, 10), invariance_steps=("configural", "metric"))
    assert any(w.startswith("Listwise deletion") and f"use {n_used} of {len(df)}" in w
               for w in res.warnings)
    d = json.loads(json.dumps(res.to_dict()))
    assert (d["n"], d["n_total"]) == (n_used, len(df))
    assert f"{n_used} of {len(df)} respondents used" in res.summary().as_text()
    with pytest.raises(cm.SurveyDataError, match="scale"):
        cm.compare("telecom", df, by="wave", bootstrap=20, n_permutations=20, seed=1)


def test_html_report_and_paper_show_the_dropped_rows():
    sys.path.insert(0, str(HERE))
    from _report_data import demo_analyses
    from csi_model.report.html import report_html
    from csi_model.report.paper import _fill_template
    a = demo_analyses(missing="listwise")      # the report's default 'ml' keeps all 600
    assert (a.pls.n, a.pls.n_total) == (472, 600) and (a.sem.n, a.sem.n_total) == (472, 600)
    dropped = [w for w in a.warnings if w.startswith("Listwise deletion: 128 of 600")]
    assert dropped and "csi_model/data/telecom_demo.csv" in dropped[0]
    assert any(w in a.index.warnings for w in dropped)
    html = report_html(a)
    assert "Listwise deletion: 128 of 600 respondents" in html
    md = _fill_template("We analysed {{n}} of {{n_total}} respondents.\n", Path("."), {}, {},
                        a, "en")
    assert md.startswith("We analysed 472 of 600 respondents.")
    assert "## Warnings" in md and "Listwise deletion: 128 of 600" in md
    md2 = _fill_template("{{warnings}}\nEnd.\n", Path("."), {}, {}, a, "en")
    assert "## Warnings" not in md2 and md2.count("Listwise deletion: 128 of 600") >= 1
