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


def as_survey(data, spec: ModelSpec, missing_codes, func: str, items=None, scale=None):
    """A validated Survey of the model's items (``items`` to read fewer).

    A Survey passes through (its items checked against ``scale``); a DataFrame or file is
    read with read_survey (with ``scale``). A model variable absent from the data is
    reported with the model line that uses it.
    """
    from .survey.moments import SurveyMoments
    from .survey.read import Survey, read_survey
    if isinstance(data, SurveyMoments):
        raise SurveyDataError(
            f"{func} needs the respondents' answers, but was given SurveyMoments ({data.n:,} "
            f"rows of {data.source} reduced to their means and covariances). Of the estimators "
            "cm.fit (CB-SEM), cm.fit_pls and cm.csi_index work from moments; pass the survey itself (a "
            f"DataFrame, a file or cm.read_survey(...)) to {func}.")
    if isinstance(data, Survey):
        if missing_codes:
            raise ValueError(f"The 'missing_codes' parameter of {func} applies when data are "
                             "read; this Survey was read already. Pass missing_codes to "
                             "read_survey().")
        if scale is not None:
            check_in_scale(data, list(spec.observed if items is None else items), scale, func)
        return data
    items = list(spec.observed if items is None else items)
    if isinstance(data, pd.DataFrame):
        spec.check_against(data.columns, data_source="DataFrame")
    try:
        return read_survey(data, items=items, missing_codes=missing_codes or (), scale=scale)
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


def check_in_scale(survey, items, scale, func: str) -> None:
    """Answers of an already-read Survey outside ``scale``: a SurveyDataError naming them."""
    import numpy as np
    try:
        lo, hi = (float(v) for v in scale)
    except (TypeError, ValueError):
        raise ValueError(f"The 'scale' parameter of {func} must be a pair (min, max) such as "
                         f"(1, 10). Got {scale!r} instead.") from None
    parts = []
    for item in items:
        if item not in survey.data:
            continue
        x = survey.data[item].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            bad = (x < lo) | (x > hi)
        if bad.any():
            rows = list(survey.rows(survey.data.index[bad]))
            shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more"
                                                       if len(rows) > 5 else "")
            vals = ", ".join(f"{v:g}" for v in np.unique(x[bad])[:5])
            parts.append(f"'{item}': {vals} in rows {shown}")
    if parts:
        raise SurveyDataError(f"{survey.source}: answers outside the scale {lo:g}-{hi:g} given "
                              f"to {func}: " + "; ".join(parts) + ". Read the data with "
                              "read_survey(..., missing_codes=[...]) or with "
                              "out_of_range='missing', or correct the scale.")


def sample_size_notes(n: int, n_free: int, source: str) -> list[str]:
    """A warning when fewer respondents than free parameters are used (lavaan warns when
    nobs < nvar; with n < npar the estimates and SEs are not trustworthy either)."""
    if n < n_free:
        import warnings
        from .exceptions import DataQualityWarning
        msg = (f"{source}: the sample ({n} respondents used) is smaller than the number of free "
               f"parameters ({n_free}): the estimates, standard errors and fit measures are "
               "not trustworthy. Collect more data or simplify the model.")
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
        return [msg]
    return []
