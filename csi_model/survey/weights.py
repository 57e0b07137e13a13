"""Survey sampling weights: the checked weight column of a survey.

A weighted survey (quotas, post-stratification, raking) carries one weight per respondent
in a column of its own. :func:`survey_weights` reads that column for the rows an analysis
uses and refuses what cannot be a sampling weight - a column that is absent, non-numeric,
negative, missing or infinite values, or weights that are all zero - with an error naming
the column and the first offending rows. The weights are returned rescaled to sum to the
number of rows used, as lavaan's ``sampling.weights.normalization = "total"`` (one group);
a weight of 0 keeps a row out of every weighted sum.

The weight column is never a model variable: estimators take its values, never the column.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import SurveyDataError

__all__ = ["survey_weights", "check_weight_column"]


def _row_labels(survey, index: pd.Index, positions: np.ndarray) -> str:
    """The source row labels (spreadsheet rows for files) of the first five positions."""
    first = index[positions[:5]]
    labels = list(survey.rows(first)) if hasattr(survey, "rows") else list(first)
    shown = ", ".join(str(r) for r in labels)
    more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
    return f"{shown}{more}"


def check_weight_column(column, items=(), *, func: str = "fit") -> str | None:
    """The weight column's name, checked to be one string and not a model item.

    Examples
    --------
    >>> check_weight_column("w", ["SAT1", "SAT2"])
    'w'
    >>> check_weight_column(None) is None
    True
    """
    if column is None:
        return None
    if not isinstance(column, str) or not column:
        raise ValueError(f"The 'weights' parameter of {func} is the name of the weight column "
                         f"(e.g. weights='w'). Got {column!r} instead.")
    if column in set(items):
        raise SurveyDataError(f"The weight column '{column}' is also an item of the model: a "
                              "sampling weight is not a model variable. Remove it from the model "
                              "or pass the right weight column.")
    return column


def survey_weights(survey, column: str, index=None, *, normalize: bool = True) -> np.ndarray:
    """The checked sampling weights of ``survey`` for the rows ``index``.

    Parameters
    ----------
    survey : Survey or pandas.DataFrame
        The survey (its ``data`` and source row labels are used in the messages).
    column : str
        The weight column.
    index : pandas.Index, optional
        The rows used (e.g. those left by listwise deletion); default every row.
    normalize : bool
        Rescale to sum to the number of rows (lavaan's ``"total"`` normalization).

    Returns
    -------
    numpy.ndarray
        One non-negative weight per row of ``index``.

    Raises
    ------
    SurveyDataError
        The column is absent or not numeric, or has negative, missing or infinite values
        (the first rows are named), or every weight is zero.

    Examples
    --------
    >>> import pandas as pd
    >>> from csi_model import read_survey
    >>> s = read_survey(pd.DataFrame({"x": [1, 2, 3, 4], "y": [2, 1, 4, 3],
    ...                               "w": [1.0, 3.0, 2.0, 2.0]}), items=["x", "y"])
    >>> survey_weights(s, "w").tolist()
    [0.5, 1.5, 1.0, 1.0]
    """
    data = survey.data if hasattr(survey, "data") else survey
    source = getattr(survey, "source", "DataFrame")
    if column not in data.columns:
        raise SurveyDataError(f"{source}: the weight column '{column}' is not in the data "
                              f"(columns: {', '.join(map(str, list(data.columns)[:12]))}"
                              f"{', ...' if data.shape[1] > 12 else ''}). Pass the name of the "
                              "column that holds the sampling weights.")
    raw = data[column] if index is None else data.loc[index, column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    text = raw.notna().to_numpy() & np.isnan(values)
    if text.any():
        pos = np.flatnonzero(text)
        shown = ", ".join(repr(v) for v in raw.iloc[pos[:3]])
        raise SurveyDataError(f"{source}, weight column '{column}': non-numeric weights "
                              f"({shown}) in rows {_row_labels(survey, raw.index, pos)}. A "
                              "sampling weight is a number >= 0: correct these rows.")
    for bad, what in ((np.isnan(values), "missing"), (np.isinf(values), "infinite"),
                      (values < 0, "negative")):
        if bad.any():
            pos = np.flatnonzero(bad)
            raise SurveyDataError(f"{source}, weight column '{column}': {int(bad.sum())} "
                                  f"{what} weight(s), in rows {_row_labels(survey, raw.index, pos)}. "
                                  "A sampling weight is a number >= 0 for every respondent used: "
                                  "give these rows their weight (0 leaves a respondent out), or "
                                  "drop them from the data.")
    if len(values) == 0 or not (values > 0).any():
        raise SurveyDataError(f"{source}, weight column '{column}': every weight of the "
                              f"{len(values)} rows used is zero; the weighted sample is empty. "
                              "Check the weight column.")
    return values / values.sum() * len(values) if normalize else values
