"""`csi-model fit --ordered [--missing pairwise]` against lavaan 0.6-14's WLSMV with
missing = "pairwise" (tests/reference/lavaan_ordinal_missing: the 5-category telecom survey
with 3 % missing answers)."""
import json
from pathlib import Path

import numpy as np
import pandas as pd

from csi_model.cli import main

HERE = Path(__file__).parent
REF_DIR = HERE / "reference" / "lavaan_ordinal_missing"
REF = json.loads((REF_DIR / "reference.json").read_text())["telecom_pairwise"]
DATA = str(REF_DIR / "telecom5_missing.csv")


def test_cli_fit_ordered_pairwise_matches_lavaan(tmp_path):
    model = tmp_path / "t5.lav"
    model.write_text(REF["model"])
    out = tmp_path / "fit.json"
    assert main(["fit", DATA, "--model", str(model), "--ordered", "--missing", "pairwise",
                 "--json", str(out), "-q"]) == 0
    payload = json.loads(out.read_text())
    assert payload["missing"] == "pairwise" and payload["estimator"] == "WLSMV"
    assert payload["n"] == REF["n"]
    for k in ("chisq", "chisq.scaled", "df", "cfi.scaled", "rmsea.scaled", "srmr"):
        np.testing.assert_allclose(payload["fit_measures"][k], REF["fit"][k], rtol=1e-5,
                                   err_msg=k)
    ours = pd.DataFrame(payload["estimates"])
    m = ours.merge(pd.DataFrame(REF["estimates"]), on=["lhs", "op", "rhs"],
                   suffixes=("", "_lav"))
    assert len(m) == len(ours)
    np.testing.assert_allclose(m["est"], m["est_lav"], rtol=0, atol=1e-5)
    assert any("Pairwise deletion" in w for w in payload["warnings"])


def test_cli_fit_ordered_listwise_and_pairwise_without_ordered(tmp_path, capsys):
    model = tmp_path / "t5.lav"
    model.write_text(REF["model"])
    out = tmp_path / "fit.json"
    assert main(["fit", DATA, "--model", str(model), "--ordered", "--estimator", "ULSMV",
                 "--json", str(out), "-q"]) == 0
    payload = json.loads(out.read_text())
    assert payload["missing"] == "listwise" and payload["estimator"] == "ULSMV"
    assert payload["n"] < REF["n"]                       # incomplete rows dropped
    capsys.readouterr()
    assert main(["fit", DATA, "--model", str(model), "--missing", "pairwise", "-q"]) != 0
    err = capsys.readouterr().err
    assert "csi-model: error:" in err and "ordered items only" in err
    assert "Traceback" not in err
