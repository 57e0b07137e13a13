"""Missing answers: one vocabulary for every entry point, and the checks of missing-data patterns.

**Vocabulary** (the ``missing=`` argument of ``fit``, ``measurement``, ``fit_pls``,
``csi_index``, ``compare``, the report and ``paper.toml``, and ``--missing`` of every CLI
subcommand):

``"listwise"``
    Respondents with a missing answer to the model's items are dropped (and counted in
    every output). Everywhere; the default of the functions (lavaan's default).
``"fiml"``
    CB-SEM: full-information maximum likelihood, every respondent's answered items
    (lavaan's ``missing = "ml"``).
``"em"``
    PLS and the measurement model: the item means and covariance matrix estimated by EM,
    the maximum-likelihood estimate of the saturated model under MAR (= FIML of the
    unrestricted model, lavaan's h1 with ``missing = "ml"``).
``"mean"``
    PLS only: mean replacement (SmartPLS's and seminr's default).
``"ml"``
    lavaan's name, accepted everywhere as an alias of "maximum likelihood with missing
    answers": ``"fiml"`` for CB-SEM, ``"em"`` for PLS and the measurement model. The
    report and ``paper.toml`` use it for the whole analysis.
``"pairwise"``
    CB-SEM with ordered items only (``fit(..., ordered=True)``, kind ``"ordinal"``), where
    FIML is not available (nor in lavaan): lavaan's ``missing = "pairwise"``, thresholds
    from each item's answers, polychoric correlations from the respondents answering both
    items. Refused everywhere else: a pairwise covariance matrix of continuous items need
    not be positive definite and has no single n.

**Patterns** (:func:`check_patterns`): a respondent who answered none of the model's items
is dropped with a warning naming the rows; an item nobody answered is an error naming the
column; a missing-data pattern shown by one respondent only and respondents with more than
half of the answers missing are warned about (naming rows and columns), since their answers
carry little information and often are a data-entry problem.
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd

# MISSING_METHODS (the methods of each entry point, the first the default) lives in a module of
# plain Python, which the command line's parsers import without numpy or pandas
from .._missing_methods import MISSING_METHODS

__all__ = ["MISSING_METHODS", "resolve_missing", "check_patterns", "missing_label",
           "missing_text"]

_ML = {"cbsem": "fiml", "pls": "em", "measurement": "em", "analysis": "ml"}
_LABELS = {"listwise": "listwise deletion", "fiml": "FIML (lavaan missing='ml')",
           "em": "EM covariance matrix (saturated ML, lavaan missing='ml')",
           "mean": "mean replacement", "ml": "maximum likelihood (FIML / EM)",
           "pairwise": "pairwise deletion (ordered items, lavaan missing='pairwise')"}


def missing_label(method: str) -> str:
    """A readable name of a missing-data method, for headers and reports.

    Examples
    --------
    >>> missing_label("em")
    "EM covariance matrix (saturated ML, lavaan missing='ml')"
    """
    return _LABELS.get(method, method)


def missing_text(method: str) -> str:
    """The missing-data method for a summary header, said once: its readable name when that
    starts with the method ("listwise deletion", not "listwise (listwise deletion)"), else
    ``"method: name"``.

    Examples
    --------
    >>> missing_text("listwise"), missing_text("mean")
    ('listwise deletion', 'mean replacement')
    >>> missing_text("em")
    "EM covariance matrix (saturated ML, lavaan missing='ml')"
    >>> missing_text("ml"), missing_text("other")
    ('ml: maximum likelihood (FIML / EM)', 'other')
    """
    label = missing_label(method)
    if label == method or label.lower().startswith(method.lower()):
        return label
    return f"{method}: {label}"


def resolve_missing(value, kind: str, func: str, name: str = "missing") -> str:
    """The canonical missing-data method for an entry point, or a clear ValueError.

    Parameters
    ----------
    value : str
        As given by the user (any case). ``"ml"`` is lavaan's alias of the entry point's
        maximum-likelihood method; ``"fiml"`` and ``"em"`` are accepted by compare/report
        (``kind="analysis"``) as ``"ml"``.
    kind : {"cbsem", "pls", "measurement", "analysis", "ordinal"}
    func : str
        The function (or CLI option) named in the error.

    Examples
    --------
    >>> resolve_missing("ML", "pls", "fit_pls"), resolve_missing("ml", "cbsem", "fit")
    ('em', 'fiml')
    >>> resolve_missing("Pairwise", "ordinal", "fit")
    'pairwise'
    >>> resolve_missing("mean", "cbsem", "fit")
    Traceback (most recent call last):
    ...
    ValueError: The 'missing' parameter of fit must be one of {'listwise', 'fiml', 'ml'}. Got 'mean' instead. Mean replacement is a PLS option (fit_pls(missing='mean')); CB-SEM keeps incomplete respondents with missing='fiml'.
    """
    allowed = MISSING_METHODS[kind]
    if isinstance(value, str):
        v = value.strip().lower()
        if kind in _ML and (v == "ml" or (kind == "analysis" and v in ("fiml", "em"))):
            return _ML[kind]
        if v in allowed:
            return v
    shown = allowed + ({"analysis": ("fiml", "em"), "ordinal": ()}.get(kind, ("ml",)))
    hint = ""
    if isinstance(value, str):
        v = value.strip().lower()
        if kind == "ordinal" and v in ("ml", "fiml", "em"):
            hint = (" With ordered items there is no FIML (lavaan 0.6-14: 'missing = \"ml\" not "
                    "available in the categorical setting'); missing='pairwise' keeps the "
                    "respondents with missing answers (lavaan's missing = \"pairwise\"), or "
                    "treat the items as continuous (no ordered=) for FIML.")
        elif v == "mean":
            hint = (" Mean replacement is a PLS option (fit_pls(missing='mean')); "
                    + ("CB-SEM keeps incomplete respondents with missing='fiml'."
                       if kind == "cbsem" else
                       "with ordered items missing='pairwise' keeps every respondent."
                       if kind == "ordinal" else
                       "use missing='em' (or 'ml') to keep every respondent."))
        elif kind == "ordinal" and v in ("available", "available.cases"):
            hint = " lavaan's available-cases analysis of ordered items is missing='pairwise'."
        elif v == "em" and kind == "cbsem":
            hint = " CB-SEM's maximum-likelihood method with missing answers is 'fiml' (or 'ml')."
        elif v == "fiml" and kind in ("pls", "measurement"):
            hint = (" FIML is CB-SEM's; here the maximum-likelihood method is 'em' (the EM "
                    "covariance matrix, or its alias 'ml').")
        elif v in ("pairwise", "available", "available.cases"):
            hint = (" Pairwise deletion is not offered here: a pairwise covariance matrix need "
                    "not be positive definite and has no single n; use 'em' / 'fiml' (or 'ml'). "
                    "It is offered for ordered items only (fit(..., ordered=True, "
                    "missing='pairwise'), lavaan's WLSMV with missing = \"pairwise\").")
    raise ValueError(f"The '{name}' parameter of {func} must be one of "
                     f"{{{', '.join(repr(a) for a in shown)}}}. Got {value!r} instead.{hint}")


def _rows_text(labels, limit: int = 8) -> str:
    labels = list(labels)
    return ", ".join(str(r) for r in labels[:limit]) + (", ..." if len(labels) > limit else "")


def check_patterns(survey, items: Sequence[str], method: str, func: str,
                   category=None) -> tuple[pd.Index, list[str]]:
    """Check the missing-data patterns of a survey's items before an estimator uses them.

    Parameters
    ----------
    survey : Survey
    items : list of str
        The model's items.
    method : str
        The resolved method (``"listwise"``, ``"fiml"``, ``"em"``, ``"mean"``).
    func : str
        The entry point, for the messages.
    category : Warning subclass, optional
        Default :class:`~csi_model.exceptions.DataQualityWarning`.

    Returns
    -------
    keep : Index
        The rows of ``survey.data`` to use: all but those with no answer to any item
        (dropped with a warning naming them).
    notes : list of str
        The warnings issued (for the result's ``warnings``).

    Raises
    ------
    SurveyDataError
        An item with no answer from any respondent (naming the column).

    Examples
    --------
    >>> import csi_model as cm
    >>> s = cm.read_survey(pd.DataFrame({"a": [1, 2, None, 4], "b": [2, None, 3, 5],
    ...                                  "c": [1.0, 2, 3, 1]}))
    >>> keep, notes = check_patterns(s, ["a", "b"], "fiml", "fit")
    >>> len(keep), notes[0][:44]
    (4, 'Note: 2 missing-data pattern(s) occur in one')
    """
    from ..exceptions import DataQualityWarning, SurveyDataError
    category = DataQualityWarning if category is None else category
    frame = survey.data[list(items)]
    miss = frame.isna().to_numpy()
    notes: list[str] = []
    if not miss.any():
        return frame.index, notes
    src = survey.source
    empty_cols = [c for c, m in zip(items, miss.all(axis=0)) if m]
    if empty_cols:
        raise SurveyDataError(
            f"{src}: the item(s) {', '.join(repr(c) for c in empty_cols)} have no answer from "
            f"any respondent; {func} cannot estimate anything about them (with any missing-data "
            "method). Check the column (an empty export, or every answer declared missing?) or "
            "leave it out of the model.")

    def warn(msg):
        notes.append(msg)
        warnings.warn(msg, category, stacklevel=4)

    blank = miss.all(axis=1)
    if blank.any():
        rows = survey.rows(frame.index[blank])
        warn(f"{src}: {int(blank.sum())} respondent(s) answered none of the model's "
             f"{len(items)} items (rows {_rows_text(rows)}) and were dropped: they carry no "
             "information for the model.")
    if method == "listwise":
        return frame.index[~blank], notes
    m = miss[~blank]
    idx = frame.index[~blank]
    share = m.mean(axis=1)
    half = share > 0.5
    if half.any():
        rows = survey.rows(idx[half])
        warn(f"{src}: {int(half.sum())} respondent(s) left more than half of the model's items "
             f"unanswered (rows {_rows_text(rows)}); they are kept ({method}), but their "
             "answers say little. Check them (break-offs?) or drop them.")
    col_share = m.mean(axis=0)
    bad_cols = [f"{c} ({s:.0%})" for c, s in zip(items, col_share) if s > 0.5]
    if bad_cols:
        warn(f"{src}: more than half of the answers to {', '.join(bad_cols)} are missing; "
             f"their estimates under '{method}' rest on few respondents. Check the routing of "
             "the questionnaire (asked only of some?) or leave them out of the model.")
    if method == "fiml" or method == "em":
        pats, inverse, counts = np.unique(m, axis=0, return_inverse=True, return_counts=True)
        inverse = np.ravel(inverse)
        single = [k for k in np.flatnonzero(counts == 1) if pats[k].any()]
        if single:
            rows = survey.rows(idx[np.isin(inverse, single)])
            texts = ["missing " + ", ".join(c for c, x in zip(items, pats[k]) if x)
                     for k in single[:3]]
            # a note in the result, not a warning: with a few scattered gaps most patterns
            # are unique, and that is fine for maximum likelihood
            notes.append(f"Note: {len(single)} missing-data pattern(s) occur in one respondent "
                         f"only (rows {_rows_text(rows)}: {'; '.join(texts)}"
                         f"{'; ...' if len(single) > 3 else ''}). That is fine for "
                         f"{method.upper()} (each respondent adds the likelihood of the answers "
                         "given); unique patterns are listed because they can be entry errors.")
    return idx, notes
