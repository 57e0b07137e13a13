"""Exceptions and warnings of csi_model.

Every problem with a user's data or model raises a subclass of
:class:`CSIModelError` (itself a :class:`ValueError`) whose message says what is
wrong, where (file, row, column, model line) and how to fix it. Suspicious but
legal results are reported with warnings of the classes below and stored on
the result objects, so that every report can show them.
"""
from __future__ import annotations

__all__ = [
    "CSIModelError",
    "ModelSyntaxError",
    "ModelSpecError",
    "SurveyDataError",
    "EstimationError",
    "CSIModelWarning",
    "ImproperSolutionWarning",
    "ConvergenceWarning",
    "DataQualityWarning",
]


class CSIModelError(ValueError):
    """Base class of the errors raised for bad user input.

    Examples
    --------
    Every error about a user's model or data is one (and a ``ValueError``):

    >>> import csi_model as cm
    >>> try:
    ...     cm.load_model("no_such_model")
    ... except cm.CSIModelError as exc:
    ...     print(type(exc).__name__, isinstance(exc, ValueError))
    ModelSpecError True
    """


class ModelSyntaxError(CSIModelError):
    """A model file or string that cannot be parsed.

    The message names the source, the line and the column and shows the line
    with a caret under the offending position.

    Examples
    --------
    >>> from csi_model import ModelSpec, ModelSyntaxError
    >>> try:
    ...     ModelSpec.from_syntax("SAT =~ SAT1 ++ SAT2")
    ... except ModelSyntaxError as exc:
    ...     print(exc)
    ...     print(exc.line, exc.col)
    <model>, line 1, column 14: Empty term: two '+' in a row or a trailing '+'.
        SAT =~ SAT1 ++ SAT2
                     ^
    1 14
    """

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 col: int | None = None, text: str | None = None, hint: str | None = None):
        self.source, self.line, self.col, self.text, self.hint = source, line, col, text, hint
        where = source or "<model>"
        if line is not None:
            where += f", line {line}"
            if col is not None:
                where += f", column {col}"
        full = f"{where}: {message}"
        if hint:
            full += f" {hint}"
        if text is not None:
            full += f"\n    {text}"
            if col is not None:
                full += "\n    " + " " * (col - 1) + "^"
        super().__init__(full)


class ModelSpecError(CSIModelError):
    """A model that parses but is not a valid CSI/SEM specification.

    Examples
    --------
    A model whose items are not all columns of the data (the closest column names are
    suggested):

    >>> from csi_model import ModelSpec, ModelSpecError
    >>> spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2\\nLOY ~ SAT")
    >>> try:
    ...     spec.check_against(["SAT1", "SAT2", "SAT3", "LOY1", "LOY_2"], data_source="survey.csv")
    ... except ModelSpecError as exc:
    ...     print(exc)
    <model>, line 2: the model variable 'LOY2' is not a column of the data (survey.csv). Did you mean 'LOY_2', 'LOY1'?
    """


class SurveyDataError(CSIModelError):
    """Survey data that cannot be used as given (non-numeric answers, missing columns...).

    Examples
    --------
    >>> import pandas as pd
    >>> import csi_model as cm
    >>> try:
    ...     cm.read_survey(pd.DataFrame({"SAT1": [7, 8, 9]}), items=["SAT2"])
    ... except cm.SurveyDataError as exc:
    ...     print(exc)                                     # doctest: +NORMALIZE_WHITESPACE
    <DataFrame>: 1 column(s) named in the 'items' argument are not in the data: 'SAT2' (did you
    mean 'SAT1'?). The data's columns are: SAT1. Rename the columns or correct the item names.
    """


class EstimationError(CSIModelError):
    """A model that cannot be estimated on the given data (too few cases, singular covariance...).

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.load_model("telecom")
    >>> few = cm.simulate_survey(spec, n=5, seed=1)
    >>> try:
    ...     cm.fit(spec, few)
    ... except cm.EstimationError as exc:
    ...     print(exc)                                     # doctest: +NORMALIZE_WHITESPACE
    <DataFrame>: 5 complete rows for 24 model items; ML needs more respondents than items (the
    sample covariance is singular).
    """


class CSIModelWarning(UserWarning):
    """Base class of csi_model's warnings.

    Examples
    --------
    Every warning of csi_model is one; turn them into errors, or silence them, by class:

    >>> import warnings
    >>> import csi_model as cm
    >>> issubclass(cm.ImproperSolutionWarning, cm.CSIModelWarning)
    True
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", cm.CSIModelWarning)    # stop at the first one
    ...     cm.fit("acsi", cm.simulate_survey("acsi", n=300, seed=1)).converged
    True
    """


class ImproperSolutionWarning(CSIModelWarning):
    """Heywood cases, standardized values above 1, latent correlations or R² near 1.

    Examples
    --------
    An improper solution is also listed in ``result.warnings`` (and every summary):

    >>> import warnings
    >>> import csi_model as cm
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = cm.fit("telecom", cm.simulate_survey("telecom", n=300, seed=1))
    >>> [w for w in caught if issubclass(w.category, cm.ImproperSolutionWarning)]
    []
    >>> res.warnings
    ()
    """


class ConvergenceWarning(CSIModelWarning):
    """The optimizer stopped before convergence.

    Examples
    --------
    >>> import warnings
    >>> import csi_model as cm
    >>> data = cm.simulate_survey("telecom", n=200, seed=1)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = cm.fit_pls("telecom", data, max_iter=1)
    >>> [str(w.message).split(":")[0] for w in caught if w.category is cm.ConvergenceWarning]
    ['The PLS algorithm did not converge in 1 iterations (tol 1e-07)']
    """


class DataQualityWarning(CSIModelWarning):
    """Survey data that are legal but suspicious (constant items, codes turned to missing...).

    Examples
    --------
    >>> import warnings
    >>> import pandas as pd
    >>> import csi_model as cm
    >>> df = pd.DataFrame({"SAT1": [7, 8, 12, 9], "SAT2": [6, 7, 8, 9]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     survey = cm.read_survey(df, scale=(1, 10), out_of_range="missing")
    >>> caught[0].category.__name__, str(caught[0].message).split(" (")[0]
    ('DataQualityWarning', '<DataFrame>: 1 answer(s) outside the item scale were set to missing')
    """
