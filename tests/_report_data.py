"""Shared, cached analyses of the embedded demo survey for the report tests."""
from __future__ import annotations

import functools
import warnings
from importlib import resources


@functools.lru_cache(maxsize=None)
def demo_analyses(bootstrap: int = 100, missing: str = "ml"):
    import csi_model as cm
    from csi_model.report.analysis import analyze

    spec = cm.load_model("telecom")
    path = resources.files("csi_model.data").joinpath("telecom_demo.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        survey = cm.read_survey(str(path), items=spec.observed, missing_codes=[99])
        return analyze(spec, survey, codebook=cm.load_codebook("telecom"), seed=7,
                       bootstrap=bootstrap, htmt_bootstrap=50, missing=missing)
