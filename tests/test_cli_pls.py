"""csi-model pls and csi-model index."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from csi_model.cli import main

HERE = Path(__file__).parent
DATA = str(HERE / "data" / "ecsi_mobi.csv")
MODEL = str(HERE.parent / "models" / "ecsi_mobi.lav")
SMARTPLS = HERE / "reference" / "smartpls_ecsi_mobi"


def test_pls_json_matches_smartpls(tmp_path, capsys):
    out = tmp_path / "pls.json"
    assert main(["pls", DATA, "--model", MODEL, "--scheme", "centroid", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "PLS-PM" in printed and "centroid" in printed
    d = json.loads(out.read_text())
    est = pd.DataFrame(d["estimates"])
    sat_qual = est.query("lhs == 'SAT' and op == '~' and rhs == 'QUAL'")["est"].iloc[0]
    assert sat_qual == pytest.approx(0.51254524, abs=1e-7)      # SmartPLS 2.0, centroid
    assert d["scheme"] == "centroid" and d["converged"] is True and d["bootstrap"] is None


def test_pls_bootstrap_json(tmp_path):
    out = tmp_path / "pls.json"
    assert main(["pls", DATA, "--model", MODEL, "--bootstrap", "50", "--seed", "1", "--json",
                 str(out), "--quiet"]) == 0
    d = json.loads(out.read_text())
    assert d["bootstrap"]["B"] == 50
    assert all(r["se"] is not None and r["se"] > 0 for r in d["estimates"])


def test_index_json(tmp_path, capsys):
    csv = tmp_path / "survey.csv"
    df = pd.read_csv(DATA)
    df["operator"] = ["A", "B"] * 125
    df.to_csv(csv, index=False)
    out = tmp_path / "index.json"
    assert main(["index", str(csv), "--model", MODEL, "--by", "operator", "--scale", "1,10",
                 "--json", str(out)]) == 0
    assert "Index (0-100)" in capsys.readouterr().out
    d = json.loads(out.read_text())
    tab = pd.DataFrame(d["index"])
    assert set(tab.group) == {"(all)", "A", "B"}
    assert d["target"] == "SAT" and len(d["impacts"]) == 4 and d["n"] == 250


@pytest.mark.parametrize("argv,message", [
    (["pls", DATA, "--model", MODEL, "--bootstrap", "10"], "--seed"),
    (["index", DATA, "--model", MODEL, "--scale", "10,1"], "--scale"),
    (["index", DATA, "--model", MODEL, "--by", "operator"], "not a column"),
    (["pls", DATA, "--model", MODEL, "--scheme", "pathweighting"], "invalid choice"),
])
def test_user_errors(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("csi-model: error:") and message in err and len(err.strip().splitlines()) == 1
