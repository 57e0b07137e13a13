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
    """Base class of the errors raised for bad user input."""


class ModelSyntaxError(CSIModelError):
    """A model file or string that cannot be parsed.

    The message names the source, the line and the column and shows the line
    with a caret under the offending position.
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
    """A model that parses but is not a valid CSI/SEM specification."""


class SurveyDataError(CSIModelError):
    """Survey data that cannot be used as given (non-numeric answers, missing columns...)."""


class EstimationError(CSIModelError):
    """A model that cannot be estimated on the given data (too few cases, singular covariance...)."""


class CSIModelWarning(UserWarning):
    """Base class of csi_model's warnings."""


class ImproperSolutionWarning(CSIModelWarning):
    """Heywood cases, standardized values above 1, latent correlations or R² near 1."""


class ConvergenceWarning(CSIModelWarning):
    """The optimizer stopped before convergence."""


class DataQualityWarning(CSIModelWarning):
    """Survey data that are legal but suspicious (constant items, codes turned to missing...)."""
