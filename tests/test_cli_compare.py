"""csi-model compare: tables, JSON and user errors."""
from __future__ import annotations

import json
from pathlib import Path


from csi_model.cli import main

WAVES = Path(__file__).parent / "data" / "telecom_two_waves.csv"


def test_compare_writes_json_and_tables(tmp_path, capsys):
    out_json = tmp_path / "compare.json"
    code = main(["compare", str(WAVES), "--model", "telecom", "--by", "wave", "--scale", "1,10",
                 "--bootstrap", "100", "--permutations", "100", "--seed", "3",
                 "--json", str(out_json), "--out", str(tmp_path / "tables")])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Measurement invariance" in printed and "QUAL=~QUAL3" in printed
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["groups"] == ["2025", "2026"]
    assert [r["step"] for r in data["invariance"]] == ["configural", "metric", "scalar", "strict"]
    assert abs(data["invariance"][0]["chisq"] - 466.6997) < 1e-3          # lavaan: 466.6997
    flagged = {(r["lhs"], r["rhs"]) for r in data["cbsem_paths"] if r["pvalue"] < 0.001}
    assert flagged == {("SAT", "QUAL"), ("SAT", "VAL")}
    names = {p.name for p in (tmp_path / "tables").iterdir()}
    assert {"invariance.csv", "cbsem_paths.csv", "pls_paths.csv", "micom.csv", "index.csv",
            "index_differences.csv", "warnings.txt"} <= names


def test_compare_user_errors(tmp_path, capsys):
    assert main(["compare", str(WAVES), "--model", "telecom", "--by", "region"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("csi-model: error:") and "'region'" in err and "Traceback" not in err
    assert main(["compare", str(WAVES), "--model", "telecom", "--by", "wave",
                 "--scale", "10,1"]) == 2
    assert "--scale" in capsys.readouterr().err
