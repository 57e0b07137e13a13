"""The missing-data methods of each entry point (see :mod:`csi_model.survey.missing`).

A module of plain Python so that the command line builds its ``--missing`` options (and
prints ``--help``) without importing numpy or pandas.
"""
from __future__ import annotations

#: The methods of each entry point (the first is the default).
MISSING_METHODS = {
    "cbsem": ("listwise", "fiml"),
    "pls": ("listwise", "mean", "em"),
    "measurement": ("listwise", "em"),
    "analysis": ("listwise", "ml"),      # compare(), the report and paper.toml: every stage
    "ordinal": ("listwise", "pairwise"),  # fit(..., ordered=...): lavaan's WLSMV routes
}
