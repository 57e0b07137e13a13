"""Bootstrap tables of csi_model itself, written by the code before the batched refit was
made cheaper (issue 19, commit 9c94be8), so that tests/test_bootstrap_regression.py can
check that later speed-ups give the same numbers (to 1e-10).

Run from a checkout of the code to freeze (it writes next to this file)::

    PYTHONPATH=<checkout> python tests/reference/bootstrap_regression/make_reference.py
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np

import csi_model as cm

HERE = Path(__file__).resolve().parent
TELECOM = (HERE.parents[0] / "lavaan" / "telecom.lav").read_text()
COLUMNS = ["est", "se", "z", "pvalue", "ci.lower", "ci.upper"]


def cases():
    """(name, model syntax, data, fit keyword arguments); shared with the test."""
    df = cm.simulate_survey("telecom", n=250, seed=1)
    with_age = df.copy()
    with_age["age"] = np.random.default_rng(5).normal(40, 12, len(df)).round()
    missing = cm.simulate_survey("telecom", n=300, seed=2, missing_rate=0.03)
    equal = TELECOM.replace("SAT  ~ IMAG + EXPE + QUAL + VAL", "SAT  ~ IMAG + EXPE + a*QUAL + a*VAL")
    predictor = TELECOM.replace("LOY  ~ SAT + COMP + IMAG", "LOY  ~ SAT + COMP + IMAG + age")
    return [
        ("ml", TELECOM, df, {"bootstrap": 200, "seed": 11}),
        ("mlr", TELECOM, df, {"bootstrap": 100, "seed": 12, "estimator": "MLR"}),
        ("equality_labels", equal, df, {"bootstrap": 100, "seed": 13}),
        ("observed_predictor", predictor, with_age, {"bootstrap": 100, "seed": 14}),
        ("fiml", TELECOM, missing, {"bootstrap": 40, "seed": 15, "missing": "fiml"}),
    ]


def table(res) -> dict:
    est = res.estimates
    out = {"keys": [f"{a}{b}{c}" for a, b, c in zip(est["lhs"], est["op"], est["rhs"])]}
    for col in COLUMNS:
        out[col] = [None if not np.isfinite(v) else float(v) for v in est[col].to_numpy(float)]
    reps = res.bootstrap.replicates
    out["n_failed"] = int(res.bootstrap.n_failed)
    out["replicate_sum"] = np.nansum(reps, axis=0).tolist()
    out["replicate_sumsq"] = np.nansum(reps ** 2, axis=0).tolist()
    return out


def main():
    ref = {}
    for name, text, data, kwargs in cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = cm.fit(cm.ModelSpec.from_syntax(text), data, **kwargs)
        ref[name] = table(res)
        print(name, res.bootstrap.n_failed)
    (HERE / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")


if __name__ == "__main__":
    main()
