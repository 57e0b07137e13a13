"""Argument and input checks shared by the estimators (fit, fit_pls, measurement).

Messages follow scikit-learn's pattern: the parameter, the function, what is allowed
and what was received.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from .exceptions import SurveyDataError
from .model.spec import ModelSpec, load_model


def check_choice(value, allowed: Sequence[str], name: str, func: str) -> str:
    """The entry of ``allowed`` equal to ``value`` ignoring case, or a clear ValueError."""
    if isinstance(value, str):
        for a in allowed:
            if a.lower() == value.lower():
                return a
    raise ValueError(f"The '{name}' parameter of {func} must be one of "
                     f"{{{', '.join(repr(a) for a in allowed)}}}. Got {value!r} instead.")


def as_spec(model, func: str) -> ModelSpec:
    """A ModelSpec from a ModelSpec, a bundled model's name or a ``.lav`` path."""
    if isinstance(model, ModelSpec):
        return model
    if isinstance(model, (str, Path)):
        return load_model(model)
    raise TypeError(f"The 'spec' parameter of {func} must be a ModelSpec, a bundled model name "
                    f"or a path. Got {type(model).__name__} instead.")


def as_survey(data, spec: ModelSpec, missing_codes, func: str, items=None):
    """A validated Survey of the model's items (``items`` to read fewer).

    A Survey passes through; a DataFrame or file is read with read_survey. A model
    variable absent from the data is reported with the model line that uses it.
    """
    from .survey.read import Survey, read_survey
    if isinstance(data, Survey):
        if missing_codes:
            raise ValueError(f"The 'missing_codes' parameter of {func} applies when data are "
                             "read; this Survey was read already. Pass missing_codes to "
                             "read_survey().")
        return data
    items = list(spec.observed if items is None else items)
    if isinstance(data, pd.DataFrame):
        spec.check_against(data.columns, data_source="DataFrame")
    try:
        return read_survey(data, items=items, missing_codes=missing_codes or ())
    except SurveyDataError as exc:
        if hasattr(exc, "columns"):  # model variables absent: say which model line needs them
            spec.check_against(exc.columns, data_source=exc.source)
        raise


def listwise_message(survey, dropped: pd.DataFrame) -> str:
    """The warning of a listwise deletion: how many rows, of how many, which ones."""
    k, n = len(dropped), survey.n
    rows = ", ".join(str(r) for r in dropped["row"].head(5)) if "row" in dropped else ""
    more = f" (rows {rows}{', ...' if k > 5 else ''})" if rows else ""
    return (f"Listwise deletion: {k} of {n} respondents read from {survey.source} have a missing "
            f"answer to the model's items{more} and were dropped; the results use {n - k} of "
            f"{n}. Check the missing codes, or use an estimator that keeps incomplete rows.")
