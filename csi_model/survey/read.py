"""Reading and validating survey data.

:func:`read_survey` reads a survey (a DataFrame, or a .csv/.tsv/.txt, .xlsx/.xls or SPSS
.sav file) into a :class:`Survey`: a validated copy of the data with item columns as
float64, plus a :class:`DataReport` of everything that was done to it (missing codes,
out-of-range answers, whitespace-padded numbers, reverse-coded and constant items,
rows dropped). The caller's DataFrame and files are never modified.

Answers that cannot be read as numbers raise :class:`~csi_model.exceptions.SurveyDataError`
naming the file, the row (as a spreadsheet shows it: the header is row 1), the column
and the value. Legal but suspicious data (answers outside the scale, constant items)
give a :class:`~csi_model.exceptions.DataQualityWarning`.

In R the nearest equivalent is ``haven::read_sav()`` / ``readr::read_csv()`` followed by
``naniar::replace_with_na()`` and a hand-written range check.
"""
from __future__ import annotations

import codecs
import contextlib
import contextvars
import csv
import difflib
import html
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from .codebook import Codebook, load_codebook
from ..exceptions import DataQualityWarning, SurveyDataError

__all__ = ["read_survey", "Survey", "DataReport", "NA_TOKENS", "SURVEY_EXTENSIONS",
           "option_names", "codebook_from_sav"]

#: Text read as "no answer" in any column (compared after stripping whitespace, any case).
NA_TOKENS = ("", "NA", "N/A", ".", "-", "null", "NULL", "None", "#N/A", "<NA>")
#: Text that reads as a non-finite number (an error: a survey answer is a finite code).
NONFINITE_TOKENS = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity",
                              "nan", "+nan", "-nan"})
#: Answers this large in magnitude are not survey codes: their squares overflow or swamp
#: every covariance (an error naming the cell, like inf).
MAX_ABS_ANSWER = 1e100
#: Options accepted by ``out_of_range``.
OUT_OF_RANGE_CHOICES = ("error", "missing")
_NA_LOWER = frozenset(t.lower() for t in NA_TOKENS)
#: File extensions read_survey understands.
SURVEY_EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".sav")
_MAX_LISTED = 5
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
#: pandas' default NA strings without the NaN spellings (those are non-finite answers).
_PANDAS_NA = ["", "#N/A", "#N/A N/A", "#NA", "<NA>", "N/A", "NA", "NULL", "None", "n/a",
              "null", ".", "-"]
#: Answer codes that often mean "no answer" when they sit just outside a 1-5/1-7/1-10 scale.
_CODE_LIKE = (0.0, 9.0, 97.0, 98.0, 99.0, 999.0, -9.0, -99.0, -1.0)
_COMMON_TOPS = (5.0, 7.0, 10.0, 11.0)

# How messages name read_survey's options: as Python arguments (default) or as the
# command-line options of csi-model (see option_names()).
_OPTION_STYLE: contextvars.ContextVar[str] = contextvars.ContextVar("option_style",
                                                                      default="python")


@contextlib.contextmanager
def option_names(style: str):
    """Name read_survey's options in messages as ``"python"`` (``scale=(1, 10)``) or ``"cli"``
    (``--scale 1,10``) inside the ``with`` block.

    Examples
    --------
    >>> with option_names("cli"):
    ...     _opt("missing_codes", [99])
    '--missing-codes 99'
    >>> _opt("missing_codes", [99])
    'missing_codes=[99]'
    """
    token = _OPTION_STYLE.set(style)
    try:
        yield
    finally:
        _OPTION_STYLE.reset(token)


def _py_value(v: Any) -> str:
    """A value as Python source; an upper-case word (CODE, MIN) is a placeholder, unquoted."""
    if isinstance(v, str):
        return v if v.isupper() else repr(v)
    return _fmt_value(v)


def _opt(name: str, value: Any) -> str:
    """An option with a value, as the user would write it (see option_names)."""
    if _OPTION_STYLE.get() == "cli":
        if isinstance(value, (list, tuple)):
            text = ",".join(_fmt_value(v) for v in value)
        else:
            text = str(value)
        return f"--{name.replace('_', '-')} {text}"
    if name == "scale" and isinstance(value, (list, tuple)):
        return f"scale=({', '.join(_fmt_value(v) for v in value)})"
    if isinstance(value, (list, tuple)):
        return f"{name}=[{', '.join(_py_value(v) for v in value)}]"
    return f"{name}={value!r}"


# ============================================================================ report
@dataclass(frozen=True, eq=False)
class DataReport:
    """What :func:`read_survey` found in the data and did to it.

    Attributes
    ----------
    source : str
        The file read, or ``"<DataFrame>"``.
    n_rows_read : int
        Data rows in the source.
    n : int
        Rows kept (all but the rows in which every item is missing).
    items : tuple of str
        The item columns.
    metadata_columns : tuple of str
        The other columns, kept unchanged.
    missing : pandas.Series
        Missing values per item in the rows kept, after missing codes and
        out-of-range answers were set to missing.
    missing_codes_found : pandas.DataFrame
        Columns ``item, code, count``: declared missing codes found and set to missing.
    out_of_range : pandas.DataFrame
        Columns ``item, value, count``: answers outside the item's scale, set to missing.
    whitespace_parsed : pandas.Series
        Item -> number of whitespace-padded numbers (``" 7 "``) read as numbers
        (only items where it happened).
    constant_items : tuple of str
        Items with a single value (or none) in the rows kept.
    reversed_items : tuple of str
        Items flipped as ``min + max - x`` because the codebook marks them reverse-coded.
    rows_dropped : pandas.DataFrame
        Columns ``row, reason``; ``row`` is the file's row number (header = row 1;
        case number for .sav) or the DataFrame's index label.
    warnings : tuple of str
        The messages of the warnings issued while reading.

    Examples
    --------
    >>> import pandas as pd
    >>> import csi_model as cm
    >>> df = pd.DataFrame({"SAT1": [7, 99, 9, 8], "SAT2": [6, 7, 99, 9]}, index=[10, 11, 12, 13])
    >>> survey = cm.read_survey(df, missing_codes=[99])
    >>> rep = survey.report
    >>> rep.n_rows_read, rep.n, rep.missing.to_dict()
    (4, 4, {'SAT1': 1, 'SAT2': 1})
    >>> print(rep.summary())
    Survey data <DataFrame>: 4 rows read, 4 kept, 2 items, 0 metadata columns.
    Missing values per item (rows kept): SAT1 1, SAT2 1.
    Missing codes set to missing: SAT1 = 99 (1), SAT2 = 99 (1).
    """

    source: str
    n_rows_read: int
    n: int
    items: tuple[str, ...]
    metadata_columns: tuple[str, ...]
    missing: pd.Series
    missing_codes_found: pd.DataFrame
    out_of_range: pd.DataFrame
    whitespace_parsed: pd.Series
    constant_items: tuple[str, ...]
    reversed_items: tuple[str, ...]
    rows_dropped: pd.DataFrame
    warnings: tuple[str, ...] = ()

    def summary(self) -> str:
        """A readable multi-line account of the data and of what was done to them.

        Examples
        --------
        >>> df = pd.DataFrame({"SAT1": [7, 99, 8], "SAT2": [6, 5, 0]})
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     s = read_survey(df, missing_codes=[99], scale=(1, 10), out_of_range="missing")
        >>> print(s.report.summary())
        Survey data <DataFrame>: 3 rows read, 3 kept, 2 items, 0 metadata columns.
        Missing values per item (rows kept): SAT1 1, SAT2 1.
        Missing codes set to missing: SAT1 = 99 (1).
        Out-of-range answers set to missing: SAT2 = 0 (1).
          ! <DataFrame>: 1 answer(s) outside the item scale were set to missing (out_of_range='missing') in 1 column(s): 'SAT2' (scale 1-10): 0 x1. If these are missing codes, pass missing_codes=[CODE]; if the scale is wrong, correct the codebook or pass scale=(MIN, MAX). See survey.report.out_of_range.
        """
        lines = [f"Survey data {self.source}: {self.n_rows_read} rows read, {self.n} kept, "
                 f"{len(self.items)} items, {len(self.metadata_columns)} metadata columns."]
        if self.metadata_columns:
            lines.append("Metadata columns (kept unchanged): "
                         + ", ".join(map(str, self.metadata_columns)) + ".")
        miss = self.missing[self.missing > 0]
        lines.append("Missing values per item (rows kept): "
                     + (", ".join(f"{k} {int(v)}" for k, v in miss.items()) if len(miss) else "none")
                     + ".")
        if len(self.missing_codes_found):
            lines.append("Missing codes set to missing: " + ", ".join(
                f"{r.item} = {_fmt_value(r.code)} ({int(r.count)})"
                for r in self.missing_codes_found.itertuples()) + ".")
        if len(self.out_of_range):
            lines.append("Out-of-range answers set to missing: " + ", ".join(
                f"{r.item} = {_fmt_value(r.value)} ({int(r.count)})"
                for r in self.out_of_range.itertuples()) + ".")
        if len(self.whitespace_parsed):
            lines.append("Whitespace-padded numbers read as numbers: " + ", ".join(
                f"{k} {int(v)}" for k, v in self.whitespace_parsed.items()) + ".")
        if self.reversed_items:
            lines.append("Reverse-coded items flipped (min + max - x): "
                         + ", ".join(self.reversed_items) + ".")
        if self.constant_items:
            lines.append("Constant items (no variance): " + ", ".join(self.constant_items) + ".")
        if len(self.rows_dropped):
            shown = ", ".join(str(r) for r in self.rows_dropped["row"].iloc[:10])
            more = f" and {len(self.rows_dropped) - 10} more" if len(self.rows_dropped) > 10 else ""
            lines.append(f"Rows dropped ({len(self.rows_dropped)}): {shown}{more} "
                         f"({self.rows_dropped['reason'].iloc[0]}).")
        lines += [f"  ! {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-safe types (int, float, str, list, dict, None).

        Examples
        --------
        >>> import json
        >>> s = read_survey(pd.DataFrame({"Q1": [1, 2, None], "Q2": [3, 4, None]}))
        >>> d = s.report.to_dict()
        >>> d["n_rows_read"], d["n"], d["rows_dropped"]
        (3, 2, [{'row': 2, 'reason': 'all 2 items missing'}])
        >>> _ = json.dumps(d)
        """
        return _jsonable({
            "source": self.source,
            "n_rows_read": self.n_rows_read,
            "n": self.n,
            "items": list(self.items),
            "metadata_columns": list(self.metadata_columns),
            "missing": {str(k): v for k, v in self.missing.items()},
            "missing_codes_found": self.missing_codes_found.to_dict(orient="records"),
            "out_of_range": self.out_of_range.to_dict(orient="records"),
            "whitespace_parsed": {str(k): v for k, v in self.whitespace_parsed.items()},
            "constant_items": list(self.constant_items),
            "reversed_items": list(self.reversed_items),
            "rows_dropped": self.rows_dropped.to_dict(orient="records"),
            "warnings": list(self.warnings),
        })

    def __repr__(self) -> str:
        return f"DataReport({self.summary()!r})"

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        parts = [f"<p><b>{html.escape(self.summary().splitlines()[0])}</b></p><ul>"]
        for line in self.summary().splitlines()[1:]:
            parts.append(f"<li>{html.escape(line)}</li>")
        parts.append("</ul>")
        for title, table in (("Missing codes", self.missing_codes_found),
                             ("Out of range", self.out_of_range)):
            if len(table):
                parts.append(f"<p>{title}</p>" + table.to_html(index=False))
        for w in self.warnings:
            parts.append(f"<p style='color:#a60'>Warning: {html.escape(w)}</p>")
        return "\n".join(parts)


# ============================================================================ survey
@dataclass(frozen=True, eq=False)
class Survey:
    """A validated copy of survey data with its :class:`DataReport`.

    Made by :func:`read_survey`.

    Attributes
    ----------
    data : pandas.DataFrame
        Item columns as float64 (missing codes and out-of-range answers as NaN,
        reverse-coded items flipped), metadata columns unchanged. Rows in which every
        item is missing are dropped; the index is that of the source (0-based record
        positions for files) and is not reset.
    items : tuple of str
        The item columns.
    report : DataReport
    source : str
        The file read, or ``"<DataFrame>"``.
    codebook : Codebook or None

    Examples
    --------
    >>> df = pd.DataFrame({"operator": ["A", "B", "A"], "SAT1": [7, 8, None],
    ...                    "SAT2": [6, 9, 4]})
    >>> s = read_survey(df)
    >>> s
    Survey(source='<DataFrame>', n=3 of 3 rows, items=('SAT1', 'SAT2'), metadata=('operator',))
    >>> s.data.dtypes.astype(str).to_dict()
    {'operator': 'object', 'SAT1': 'float64', 'SAT2': 'float64'}
    >>> complete, dropped = s.complete_cases(["SAT1", "SAT2"])
    >>> len(complete), dropped.to_dict(orient="records")
    (2, [{'row': 2, 'reason': 'missing SAT1'}])
    """

    data: pd.DataFrame
    items: tuple[str, ...]
    report: DataReport
    source: str = "<DataFrame>"
    codebook: Codebook | None = None
    row_offset: int | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of rows kept."""
        return len(self.data)

    @property
    def metadata(self) -> tuple[str, ...]:
        """The columns that are not items (operator, wave, city...), kept unchanged."""
        return tuple(c for c in self.data.columns if c not in set(self.items))

    def rows(self, index: Iterable | None = None) -> pd.Index:
        """Source row labels of ``index`` (default: every row kept).

        For files, the row number a spreadsheet shows (the header is row 1; the case
        number for .sav files); for a DataFrame, its index labels.

        Examples
        --------
        >>> import pandas as pd
        >>> import csi_model as cm
        >>> df = pd.DataFrame({"SAT1": [7, 99, 9, 8], "SAT2": [6, 7, 99, 9]}, index=[10, 11, 12, 13])
        >>> survey = cm.read_survey(df, missing_codes=[99])
        >>> survey.rows()                          # a DataFrame: its own index labels
        Index([10, 11, 12, 13], dtype='int64')
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "wave1.csv")
        >>> df.to_csv(path, index=False)
        >>> cm.read_survey(path, missing_codes=[99]).rows()    # a file: the rows a spreadsheet shows
        Index([2, 3, 4, 5], dtype='int64', name='row')
        """
        idx = self.data.index if index is None else pd.Index(index)
        if self.row_offset is None:
            return idx
        return pd.Index(np.asarray(idx, dtype=np.int64) + self.row_offset, name="row")

    def complete_cases(self, columns: Sequence[str] | None = None
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Rows with no missing value in ``columns`` (listwise deletion), and the rows dropped.

        Parameters
        ----------
        columns : list of str, optional
            The columns that must be complete (default: every item).

        Returns
        -------
        complete : pandas.DataFrame
            The rows of :attr:`data` (all columns) complete on ``columns``.
        dropped : pandas.DataFrame
            Columns ``row`` (source row label, see :meth:`rows`) and ``reason``
            (``"missing QUAL3, SAT1"``).

        Examples
        --------
        >>> import pandas as pd
        >>> import csi_model as cm
        >>> df = pd.DataFrame({"SAT1": [7, 99, 9, 8], "SAT2": [6, 7, 99, 9]}, index=[10, 11, 12, 13])
        >>> survey = cm.read_survey(df, missing_codes=[99])
        >>> complete, dropped = survey.complete_cases()
        >>> complete
            SAT1  SAT2
        10   7.0   6.0
        13   8.0   9.0
        >>> dropped
           row        reason
        0   11  missing SAT1
        1   12  missing SAT2
        """
        return self._complete(columns, copy=True)

    def _complete(self, columns, *, copy: bool):
        """:meth:`complete_cases`; ``copy=False`` returns :attr:`data` itself (not a copy)
        when no row is dropped, for callers that only read it (a 1M-row fit saves a copy)."""
        cols = list(self.items) if columns is None else (
            [columns] if isinstance(columns, str) else list(columns))
        unknown = [c for c in cols if c not in self.data.columns]
        if unknown:
            raise SurveyDataError(_absent_message(unknown, list(self.data.columns), self.source,
                                                  "complete_cases()"))
        # column by column: the same booleans as data[cols].isna(), without copying the columns
        miss = np.empty((len(self.data), len(cols)), dtype=bool)
        for j, c in enumerate(cols):
            miss[:, j] = self.data[c].isna().to_numpy()
        empty = [c for c, m in zip(cols, miss.all(axis=0)) if m] if len(miss) else []
        if empty:
            raise SurveyDataError(
                f"{self.source}: {len(empty)} column(s) have no answer in any row: "
                f"{', '.join(repr(c) for c in empty)}. Listwise deletion would drop every "
                "respondent. Check the column (an empty export, or every answer declared "
                "missing?) or leave it out of the model.")
        bad = miss.any(axis=1)
        if not bad.any():
            none = pd.DataFrame({"row": pd.Series([], dtype=object),
                                 "reason": pd.Series([], dtype=object)})
            return (self.data.copy() if copy else self.data), none
        patterns, inverse = np.unique(miss[bad], axis=0, return_inverse=True)
        texts = np.array(["missing " + ", ".join(str(c) for c, m in zip(cols, p) if m)
                          for p in patterns], dtype=object)
        dropped = pd.DataFrame({"row": list(self.rows(self.data.index[bad])),
                                "reason": texts[np.ravel(inverse)]})
        return self.data.loc[~bad].copy(), dropped

    def __repr__(self) -> str:
        return (f"Survey(source={self.source!r}, n={self.n} of {self.report.n_rows_read} rows, "
                f"items={self.items!r}, metadata={self.metadata!r})")

    def _repr_html_(self) -> str:
        return (f"<p><b>Survey</b> {html.escape(self.source)}</p>\n" + self.report._repr_html_()
                + "\n" + self.data.head(10).to_html())


# ============================================================================ reading
def read_survey(source: "pd.DataFrame | str | Path", codebook: "Codebook | str | Path | None" = None,
                *, items: Sequence[str] | None = None,
                missing_codes: Iterable[float | str] = (),
                scale: tuple[float, float] | None = None, out_of_range: str = "error",
                sheet: int | str | None = None, encoding: str | None = None,
                decimal: str = ".", screening: Any = None, engine: str = "pandas") -> Survey:
    """Read and validate a survey; return a :class:`Survey` (data copy + report).

    Parameters
    ----------
    source : DataFrame, str or Path
        A pandas DataFrame, or the path of a .csv/.tsv/.txt (delimiter sniffed; encoding
        UTF-8, UTF-8 with BOM or GB18030/GBK tried in turn), .xlsx/.xlsm/.xls or SPSS .sav
        file (numeric codes, not value labels; user-missing values declared in the .sav
        are treated as missing codes). Never modified.
    codebook : Codebook, str or Path, optional
        A codebook (see :func:`csi_model.survey.codebook.load_codebook`, e.g. ``"telecom"``): its
        items are the item columns, and its scales, missing codes and reverse flags apply.
    items : list of str, optional
        The item columns. Default: the codebook's items, or else every column whose
        non-missing values are (mostly) numbers. Other columns are metadata, kept unchanged.
    missing_codes : list of numbers or str
        Answer codes meaning "no answer" in every item (e.g. ``[99, "don't know"]``),
        added to the codebook's codes. Set to missing and counted in the report.
    scale : (min, max), optional
        Valid answer range of every item, e.g. ``(1, 10)``; overrides the codebook's.
        Answers outside a declared scale (this one or the codebook's) are an error naming
        the column, rows and values, unless ``out_of_range="missing"``. Without a declared
        scale the scale is inferred from the data, and implausible values (negative
        answers among positive ones, values orders of magnitude above the rest, codes such
        as 99, 98, 9 or 0 just outside a 1-5/1-10 scale) are warned about by column and
        rows, with the option that declares them.
    out_of_range : {"error", "missing"}
        What to do with answers outside a declared scale: an error (default), or set them
        missing, count them in ``report.out_of_range`` and warn.
    sheet : int or str, optional
        The sheet of an Excel file (name or 0-based number). Default: the only sheet, or
        the only sheet that holds the items; an error listing the sheets if that is
        ambiguous.
    encoding : str, optional
        The text file's encoding, if the automatic choice is wrong.
    decimal : {".", ","}
        The decimal mark of the answers (``","`` for ``7,5``; the delimiter is then
        usually ``;``).
    screening : FieldworkRules or True, optional
        Screen the returned questionnaires (see :mod:`csi_model.survey.fieldwork`): only
        the valid ones are kept and ``report.fieldwork`` holds the bookkeeping. Answers
        outside the declared scale are then a reason to reject the questionnaire (its
        out-of-range rule), not an error.
    engine : {"pandas", "dask"}
        ``"dask"``: a survey larger than memory. ``source`` is a path or glob of Parquet or
        CSV partitions (``"panel/*.parquet"``) or a dask DataFrame, and a lazy dask DataFrame
        of the items (numbers, missing codes turned into NaN, answers outside ``scale`` an
        error naming the partition, row and column when computed) and the other columns is
        returned, for :func:`~csi_model.survey_moments` (see
        :func:`csi_model.survey.moments.read_partitions`). Only ``items``,
        ``missing_codes`` and ``scale`` apply then.

    Returns
    -------
    Survey
        (a dask DataFrame with ``engine="dask"``)

    Raises
    ------
    SurveyDataError
        Unknown file type, file not found, requested items absent (with close matches),
        or answers that are not numbers (with file, row, column, value and the fix).

    Warns
    -----
    DataQualityWarning
        Answers outside the scale set to missing (``out_of_range="missing"``); implausible
        values without a declared scale; constant items.

    Notes
    -----
    Empty cells and ``NA``, ``N/A``, ``.``, ``-`` (see :data:`NA_TOKENS`) are missing.
    Rows where every item is missing are dropped and listed in ``report.rows_dropped``;
    other incomplete rows are kept (see :meth:`Survey.complete_cases`).

    Examples
    --------
    >>> df = pd.DataFrame({"city": ["Xi'an", "Wuhan", "Beijing"],
    ...                    "SAT1": [" 7", "99", "8 "], "SAT2": [6, 5, 9]})
    >>> s = read_survey(df, missing_codes=[99])
    >>> s.data["SAT1"].tolist()
    [7.0, nan, 8.0]
    >>> s.report.whitespace_parsed.to_dict(), s.report.missing_codes_found.to_dict("records")
    ({'SAT1': 2}, [{'item': 'SAT1', 'code': 99.0, 'count': 1}])
    >>> df["SAT1"].tolist()           # the caller's data are untouched
    [' 7', '99', '8 ']
    """
    if engine != "pandas":
        if engine != "dask":
            raise ValueError("The 'engine' parameter of read_survey must be 'pandas' or "
                             f"'dask'. Got {engine!r} instead.")
        given = [name for name, v, d in (("codebook", codebook, None), ("sheet", sheet, None),
                                         ("encoding", encoding, None), ("decimal", decimal, "."),
                                         ("screening", screening, None),
                                         ("out_of_range", out_of_range, "error")) if v != d]
        if given:
            raise ValueError(f"read_survey(engine='dask') reads partitions lazily and takes "
                             f"items, missing_codes and scale only; got {', '.join(given)}. "
                             "Pass them to read_survey on a sample in memory, or set the "
                             "codebook's missing codes and scale explicitly.")
        from .moments import read_partitions
        return read_partitions(source, items=items, missing_codes=missing_codes, scale=scale)
    cb = None if codebook is None else load_codebook(codebook)
    scale_arg = _check_scale(scale)
    codes_num, codes_str = _split_codes(missing_codes)
    if out_of_range not in OUT_OF_RANGE_CHOICES:
        raise ValueError("The 'out_of_range' parameter of read_survey must be one of "
                         f"{{'error', 'missing'}}. Got {out_of_range!r} instead.")
    if decimal not in (".", ","):
        raise ValueError("The 'decimal' parameter of read_survey must be '.' or ','. "
                         f"Got {decimal!r} instead.")
    wanted = ([items] if isinstance(items, str) else list(items)) if items is not None else (
        list(cb.item_codes) if cb is not None else None)
    raw = _load(source, sheet=sheet, encoding=encoding, decimal=decimal, items=wanted)
    frame = raw.frame
    columns = list(frame.columns)
    header = raw.header if raw.header is not None else columns
    if len(set(header)) != len(header):
        raise SurveyDataError(_duplicate_message(raw, header))

    # ---- which columns are items
    if items is not None:
        item_list = [items] if isinstance(items, str) else list(items)
        origin = "the 'items' argument"
    elif cb is not None:
        item_list = list(cb.item_codes)
        origin = f"the codebook {cb.source}"
    else:
        item_list = None
        origin = ""
    if item_list is not None:
        absent = [c for c in item_list if c not in frame.columns]
        if absent:
            hint = (" To read only some of the codebook's items, pass items=[...]."
                    if items is None and cb is not None else "")
            err = SurveyDataError(_absent_message(absent, columns, raw.name, origin) + hint)
            err.columns, err.source = columns, raw.name   # lets fit() name the model line
            raise err

    parsed: dict[Any, _Parsed] = {}
    if item_list is None:
        item_list = []
        for col in columns:
            s = frame[col]
            if _is_numeric(s):
                if s.notna().any():
                    item_list.append(col)
            elif s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)):
                p = _parse_object(s, codes_str, decimal)
                if p.n_numeric > 0 and p.n_numeric >= p.n_bad:
                    item_list.append(col)
                    parsed[col] = p
    if not item_list:
        raise SurveyDataError(f"{raw.name}: no item columns found (columns: "
                              f"{', '.join(map(str, columns[:20]))}). Pass items=[...] or a codebook.")
    item_set = set(item_list)

    # ---- parse every item to float64
    values: dict[Any, np.ndarray] = {}
    ws_counts: dict[Any, int] = {}
    bad_cells: list[tuple[int, Any, Any]] = []   # (position, column, value)
    n_bad = 0
    nonfinite_cells: list[tuple[int, Any, Any]] = []
    n_nonfinite = 0
    code_rows: list[dict] = []
    # the parsed items are written into one float block, in the file's column order: the
    # rows of the survey's data (assembled below without building and stacking columns)
    in_file = [c for c in columns if c in item_set]
    block = np.empty((len(in_file), len(frame)))
    row_of = {c: block[j] for j, c in enumerate(in_file)}
    for col in item_list:
        s = frame[col]
        plain = isinstance(s.dtype, np.dtype) and s.dtype.kind in "iuf"
        if plain or _is_numeric(s):
            if plain:
                x = row_of[col]
                np.copyto(x, s.to_numpy(copy=False), casting="unsafe")   # = astype(float64)
            else:
                x = s.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
            with np.errstate(invalid="ignore"):
                huge = np.isinf(x) | (np.abs(x) >= MAX_ABS_ANSWER)
            if huge.any():
                n_nonfinite += int(huge.sum())
                nonfinite_cells += [(int(pos), col, s.iloc[pos])
                                    for pos in np.flatnonzero(huge)[:_MAX_LISTED]]
        elif pd.api.types.is_bool_dtype(s.dtype):
            x = s.astype("float64").to_numpy(copy=True)
        elif s.dtype == object or isinstance(s.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            p = parsed.get(col) or _parse_object(s, codes_str, decimal)
            x = p.values
            if p.n_nonfinite:
                n_nonfinite += p.n_nonfinite
                nonfinite_cells += [(int(pos), col, s.iloc[pos]) for pos in p.nonfinite_positions]
            if p.n_whitespace:
                ws_counts[col] = p.n_whitespace
            for code, cnt in p.str_codes.items():
                code_rows.append(dict(item=col, code=code, count=cnt))
            if p.n_bad:
                n_bad += p.n_bad
                for pos in p.bad_positions[:_MAX_LISTED]:
                    bad_cells.append((int(pos), col, s.iloc[pos]))
        else:
            raise SurveyDataError(
                f"{raw.name}, column '{col}': the item has type {s.dtype}, not numbers. "
                "Recode it to numeric answer codes or leave it out of the items.")
        values[col] = x
    if n_nonfinite:
        raise SurveyDataError(_nonfinite_message(raw, nonfinite_cells, n_nonfinite, columns))
    if n_bad:
        raise SurveyDataError(_bad_message(raw, bad_cells, n_bad, columns, decimal))
    if raw.whitespace_cols is not None:
        ws_counts.update(raw.whitespace_cols(
            [c for c in item_list if _is_numeric(frame[c])]))

    raw_items = (pd.DataFrame({c: values[c].copy() for c in item_list}, index=frame.index)
                 if screening is not None else None)     # answers as written, for screening
    # ---- missing codes, range, reverse
    range_rows: list[dict] = []
    reversed_items: list[str] = []
    warn_parts: list[str] = []
    range_errors: list[tuple] = []
    implausible: list = []
    for col in item_list:
        x = values[col]
        in_cb = cb is not None and col in cb
        codes = list(codes_num)
        if in_cb:
            codes += [c for c in cb.missing_codes(col) if c not in codes]
        for (lo, hi) in raw.user_missing.get(col, ()):
            codes.append((lo, hi))
        for code in codes:
            if isinstance(code, tuple):
                mask = (x >= code[0]) & (x <= code[1])
            else:
                mask = x == code
            if mask.any():
                if isinstance(code, tuple):
                    vals, cnts = np.unique(x[mask], return_counts=True)
                    code_rows += [dict(item=col, code=float(v), count=int(c))
                                  for v, c in zip(vals, cnts)]
                else:
                    code_rows.append(dict(item=col, code=float(code), count=int(mask.sum())))
                x[mask] = np.nan
        bounds = scale_arg if scale_arg is not None else (cb.scale(col) if in_cb else None)
        if bounds is None:
            implausible += _implausible(raw, col, x)
        if bounds is not None:
            lo, hi = bounds
            with np.errstate(invalid="ignore"):
                mask = (x < lo) | (x > hi)
            # with screening=, an out-of-range answer rejects its questionnaire (fieldwork)
            if mask.any() and out_of_range == "error" and screening is None:
                range_errors.append((col, lo, hi, x, mask,
                                     "the 'scale' argument" if scale_arg is not None
                                     else f"the codebook {cb.source}"))
                continue
            if mask.any():
                vals, cnts = np.unique(x[mask], return_counts=True)
                range_rows += [dict(item=col, value=float(v), count=int(c))
                               for v, c in zip(vals, cnts)]
                warn_parts.append(f"'{col}' (scale {_fmt_value(lo)}-{_fmt_value(hi)}): " + ", ".join(
                    f"{_fmt_value(v)} x{int(c)}" for v, c in zip(vals, cnts)))
                x[mask] = np.nan
            if in_cb and bool(cb.items.at[col, "reverse"]):
                values[col] = lo + hi - x
                reversed_items.append(col)
    if range_errors:
        raise SurveyDataError(_range_message(raw, range_errors))
    messages: list[str] = []
    if warn_parts:
        total = sum(r["count"] for r in range_rows)
        msg = (f"{raw.name}: {total} answer(s) outside the item scale were set to missing "
               f"({_opt('out_of_range', 'missing')}) in "
               f"{len(warn_parts)} column(s): " + "; ".join(warn_parts)
               + f". If these are missing codes, pass {_opt('missing_codes', ['CODE'])}; if the "
                 f"scale is wrong, correct the codebook or pass {_opt('scale', ['MIN', 'MAX'])}. "
                 "See survey.report.out_of_range.")
        messages.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=2)
    for msg in _group_codes(raw, implausible):
        messages.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=2)

    # ---- rows where every item is missing
    n_read = len(frame)
    all_missing = np.ones(n_read, dtype=bool)
    for col in item_list:
        all_missing &= np.isnan(values[col])
    keep = ~all_missing
    reason = f"all {len(item_list)} items missing"
    if raw.row_offset is None:
        dropped_rows = list(frame.index[all_missing])
    else:
        dropped_rows = (np.flatnonzero(all_missing) + raw.row_offset).tolist()
    rows_dropped = pd.DataFrame({"row": pd.Series(dropped_rows, dtype=object),
                                 "reason": pd.Series([reason] * len(dropped_rows), dtype=object)})

    # ---- constant items (in the rows kept)
    constant: list[str] = []
    const_parts: list[str] = []
    for col in item_list:
        x = values[col][keep] if not keep.all() else values[col]
        finite = x[~np.isnan(x)]
        if finite.size == 0:
            constant.append(col)
            const_parts.append(f"'{col}' has no answers")
        elif finite.min() == finite.max():
            constant.append(col)
            const_parts.append(f"'{col}' is always {_fmt_value(finite[0])}")
    if const_parts:
        msg = (f"{raw.name}: {len(constant)} constant item(s): " + "; ".join(const_parts)
               + ". A constant item carries no information and makes the covariance matrix "
                 "singular; check the data or leave it out of the model.")
        messages.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=2)

    # ---- assemble the copy: the items as one float block (what pandas would consolidate
    # them into; most were parsed into it in place), the other columns inserted where they stand
    for col in in_file:
        if values[col] is not row_of[col]:       # parsed from text, or reverse-coded
            row_of[col][:] = values[col]
    data = pd.DataFrame(block.T, index=frame.index, columns=in_file, copy=False)
    for pos, col in enumerate(columns):
        if col not in item_set:
            data.insert(pos, col, raw.metadata(col).copy())
    if not keep.all():
        data = data.loc[keep].copy()
    missing = pd.Series({col: int(np.isnan(values[col][keep]).sum()) for col in item_list},
                        dtype="int64", name="missing")
    report = DataReport(
        source=raw.name, n_rows_read=n_read, n=int(keep.sum()), items=tuple(item_list),
        metadata_columns=tuple(c for c in columns if c not in item_set),
        missing=missing,
        missing_codes_found=pd.DataFrame(code_rows, columns=["item", "code", "count"]).astype(
            {"count": "int64"}),
        out_of_range=pd.DataFrame(range_rows, columns=["item", "value", "count"]).astype(
            {"value": "float64", "count": "int64"}),
        whitespace_parsed=pd.Series({c: ws_counts[c] for c in item_list if ws_counts.get(c)},
                                    dtype="int64", name="whitespace_parsed"),
        constant_items=tuple(constant), reversed_items=tuple(reversed_items),
        rows_dropped=rows_dropped, warnings=tuple(messages))
    survey = Survey(data=data, items=tuple(item_list), report=report, source=raw.name,
                    codebook=cb, row_offset=raw.row_offset)
    if screening is not None:      # questionnaire bookkeeping: csi_model/survey/fieldwork.py
        from .fieldwork import _screen_survey
        survey = _screen_survey(survey, raw_items.loc[keep], screening)
    return survey


# ============================================================================ loading
@dataclass
class _Raw:
    frame: pd.DataFrame
    name: str
    kind: str                         # "dataframe", "text", "excel", "sav"
    row_offset: int | None            # row label = position + offset (None: index label)
    sheet: str | None = None
    user_missing: dict = field(default_factory=dict)
    whitespace_cols: Any = None       # callable(columns) -> {col: count}, text files only
    header: list | None = None        # the column names as written (before pandas dedups them)

    def metadata(self, col):
        s = self.frame[col]
        if self.kind == "excel" and s.dtype == object:
            return s.infer_objects()
        return s


def _load(source, *, sheet=None, encoding=None, decimal=".", items=None) -> _Raw:
    if isinstance(source, pd.DataFrame):
        return _Raw(frame=source, name="<DataFrame>", kind="dataframe", row_offset=None)
    if not isinstance(source, (str, Path)):
        raise TypeError("The 'source' parameter of read_survey must be a pandas DataFrame or a "
                        f"file path (str or Path). Got {type(source).__name__} instead.")
    path = Path(source)
    name = str(source)
    suffix = path.suffix.lower()
    if suffix not in SURVEY_EXTENSIONS:
        raise SurveyDataError(
            f"Cannot read '{name}': unknown file extension '{path.suffix}'. Allowed: "
            f"{', '.join(SURVEY_EXTENSIONS)}; or pass a pandas DataFrame.")
    if not path.is_file():
        raise SurveyDataError(f"Survey file not found: '{name}'. Check the path "
                              f"(working directory: {Path.cwd()}).")
    if suffix in (".csv", ".tsv", ".txt"):
        return _load_text(path, name, suffix, encoding, decimal)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _load_excel(path, name, suffix, sheet, items)
    return _load_sav(path, name)


def _guess_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _sniff_delimiter(sample: str, decimal: str = ".") -> str:
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if len(lines) > 1 and not sample.endswith("\n"):
        lines = lines[:-1]                 # the last line may be cut
    best, best_score = ",", (0, 0)
    for delim in ((",", "\t", ";", "|") if decimal == "." else ("\t", ";", "|", ",")):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delim, score
    return best


def _load_text(path: Path, name: str, suffix: str, encoding: str | None,
               decimal: str = ".") -> _Raw:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    encs = [encoding] if encoding else (
        [_guess_encoding(head)] + (["gb18030"] if _guess_encoding(head) != "gb18030" else []))
    sep = "\t" if suffix == ".tsv" else _sniff_delimiter(head.decode(encs[0], errors="replace"),
                                                          decimal)
    if sep == decimal:
        raise SurveyDataError(f"{name}: the decimal mark {decimal!r} is also the delimiter of "
                              "the file; with decimal commas the columns must be separated by "
                              "';' or tabs.")
    frame = None
    last_exc: Exception | None = None
    for enc in encs:
        try:
            frame = pd.read_csv(path, sep=sep, encoding=enc, skip_blank_lines=False,
                                na_values=_PANDAS_NA, keep_default_na=False, low_memory=False,
                                skipinitialspace=False, decimal=decimal)
            used = enc
            break
        except UnicodeDecodeError as exc:
            last_exc = exc
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise SurveyDataError(f"{name}: cannot read the file as a table "
                                  f"(delimiter {sep!r}, encoding {enc}): {exc}") from exc
        except LookupError as exc:
            raise SurveyDataError(f"The 'encoding' argument {encoding!r} is not a known "
                                  "encoding. Use e.g. 'utf-8', 'gb18030' or 'latin-1'.") from exc
    if frame is None:
        raise SurveyDataError(f"{name}: cannot decode the file as {' or '.join(encs)} "
                              f"({last_exc}). Pass encoding='...' (e.g. 'big5', 'latin-1') "
                              "or save the file as UTF-8.")
    frame.columns = [c.strip() if isinstance(c, str) else c for c in frame.columns]
    first = head.decode(used, errors="replace").lstrip("\ufeff").splitlines()[:1]
    try:
        header = [c.strip() for c in next(csv.reader(first, delimiter=sep))] if first else None
    except (csv.Error, StopIteration):
        header = None
    if header is not None and len(header) != len(frame.columns):
        header = None

    def whitespace_cols(cols: list) -> dict:
        # The C parser reads " 7 " as 7 silently. To count padded numbers in the numeric
        # item columns, find the lines with padding next to a delimiter (bytes.find is
        # memchr-fast; usually there are none) and parse only those lines.
        if not cols:
            return {}
        positions = {c: j for j, c in enumerate(frame.columns)}
        wanted = {positions[c]: c for c in cols}
        out: dict = {}
        for line in _padded_lines(path.read_bytes(), sep):
            try:
                fields = next(csv.reader([line.decode(used, errors="replace")], delimiter=sep))
            except (csv.Error, StopIteration):
                continue
            for j, c in wanted.items():
                if j < len(fields):
                    v = fields[j]
                    if v != v.strip() and v.strip():
                        out[c] = out.get(c, 0) + 1
        return out

    return _Raw(frame=frame, name=name, kind="text", row_offset=2, whitespace_cols=whitespace_cols,
                header=header)


def _padded_lines(raw: bytes, sep: str) -> list[bytes]:
    """Data lines of a delimited file with a space or tab next to a delimiter or line end."""
    d = sep.encode()
    pads = [p for p in ([b" ", b"\t"] if sep != "\t" else [b" "]) if p in raw]
    spans: dict[int, int] = {}
    for p in pads:
        for needle, pad_at in ((p + d, 0), (d + p, 1), (p + b"\n", 0), (b"\n" + p, 1),
                               (p + b"\r", 0), (p + b'"', 0), (b'"' + p, 1)):
            i = raw.find(needle)
            while i >= 0:
                pos = i + pad_at
                start = raw.rfind(b"\n", 0, pos) + 1
                end = raw.find(b"\n", pos)
                end = len(raw) if end < 0 else end
                if start > 0 and start not in spans:      # start 0: the header line
                    spans[start] = end
                i = raw.find(needle, end)
    return [raw[a:spans[a]].rstrip(b"\r") for a in sorted(spans)]


def _load_excel(path: Path, name: str, suffix: str, sheet, items=None) -> _Raw:
    engine = "xlrd" if suffix == ".xls" else "openpyxl"
    try:
        book = pd.ExcelFile(path, engine=engine)
    except ImportError as exc:
        raise SurveyDataError(f"{name}: reading .xls files needs the 'xlrd' package "
                              "(pip install xlrd), or save the file as .xlsx.") from exc
    except Exception as exc:  # zip / xml errors from a damaged or mislabelled file
        raise SurveyDataError(f"{name}: cannot open the file as an Excel workbook ({exc}).") from exc
    with book:
        names = book.sheet_names
        if sheet is None:
            sheet = _choose_sheet(book, names, name, items)
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            if not 0 <= sheet < len(names):
                raise SurveyDataError(f"{name}: there is no sheet number {sheet} (0-based); "
                                      f"the workbook has {len(names)}: {names}.")
            sheet_name = names[sheet]
        elif sheet in names:
            sheet_name = sheet
        else:
            close = difflib.get_close_matches(str(sheet), names, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise SurveyDataError(f"{name}: no sheet named {sheet!r}; the workbook has "
                                  f"{names}.{hint}")
        frame = book.parse(sheet_name, dtype=object, na_values=_PANDAS_NA, keep_default_na=False)
        top = book.parse(sheet_name, header=None, nrows=1, dtype=object)
    frame.columns = [c.strip() if isinstance(c, str) else c for c in frame.columns]
    header = ([c.strip() if isinstance(c, str) else c for c in top.iloc[0].tolist()]
              if len(top) else None)
    if header is not None and len(header) != len(frame.columns):
        header = None
    return _Raw(frame=frame, name=name, kind="excel", row_offset=2, sheet=sheet_name,
                header=header)


def _choose_sheet(book, names: list, name: str, items) -> int | str:
    """The sheet to read when none was named: the only one, or the only one with the items."""
    if len(names) == 1:
        return 0
    holding = []
    for sheet_name in names:
        cols = [c.strip() if isinstance(c, str) else c
                for c in book.parse(sheet_name, nrows=0).columns]
        if items is not None:
            if set(items) <= set(cols):
                holding.append(sheet_name)
        else:
            frame = book.parse(sheet_name, nrows=50)
            if any(_is_numeric(frame[c]) and frame[c].notna().any() for c in frame.columns
                   if isinstance(frame[c], pd.Series)):
                holding.append(sheet_name)
    listed = ", ".join(f"'{n}'" for n in names)
    if len(holding) == 1:
        return holding[0]
    how = _opt("sheet", "NAME")
    if len(holding) > 1:
        what = "the items" if items is not None else "survey answers"
        raise SurveyDataError(f"{name}: the workbook has {len(names)} sheets ({listed}) and "
                              f"{len(holding)} of them hold {what} "
                              f"({', '.join(repr(h) for h in holding)}). Choose one with {how}.")
    if items is not None:
        raise SurveyDataError(f"{name}: no sheet holds all the items ({', '.join(map(str, items[:8]))}"
                              f"{' ...' if len(items) > 8 else ''}); the workbook's sheets are "
                              f"{listed}. Choose the data sheet with {how}, or check the "
                              "column names.")
    return 0


def _load_sav(path: Path, name: str) -> _Raw:
    try:
        import pyreadstat
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise SurveyDataError("Reading .sav files needs pyreadstat (pip install pyreadstat).") from exc
    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except Exception as exc:
        raise SurveyDataError(f"{name}: cannot read the file as SPSS .sav ({exc}).") from exc
    user_missing: dict = {}
    for col, spec in (getattr(meta, "missing_ranges", None) or {}).items():
        user_missing[col] = [(float(r["lo"]), float(r["hi"])) for r in spec
                             if isinstance(r.get("lo"), (int, float))]
    return _Raw(frame=frame, name=name, kind="sav", row_offset=1, user_missing=user_missing)


# ============================================================================ parsing
@dataclass
class _Parsed:
    values: np.ndarray
    n_numeric: int
    n_bad: int
    bad_positions: np.ndarray
    n_whitespace: int
    str_codes: dict
    n_nonfinite: int = 0
    nonfinite_positions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _parse_object(s: pd.Series, str_codes: frozenset[str], decimal: str = ".") -> _Parsed:
    """The slow path for columns of text or mixed Python objects.

    Works on the distinct values (``pandas.factorize``), so a column of a million cells
    with a few dozen distinct answers costs a hash pass, not a million Python calls.
    """
    codes, uniques = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
    m = len(uniques)
    uval = np.full(m + 1, np.nan)                 # last slot: the NA sentinel (-1)
    ubad = np.zeros(m + 1, dtype=bool)
    unonfinite = np.zeros(m + 1, dtype=bool)
    upad = np.zeros(m + 1, dtype=bool)
    ucode: dict[int, str] = {}
    for k, u in enumerate(uniques):
        if isinstance(u, str):
            t = u.strip()
            if t.lower() in _NA_LOWER:
                continue
            if t in str_codes:
                ucode[k] = t
                continue
            if t.lower() in NONFINITE_TOKENS:
                unonfinite[k] = True
                continue
            if decimal == "," and _DECIMAL_COMMA.match(t):
                t = t.replace(",", ".")
            value = _to_float(t) if _NUMBER.match(t) else float("nan")
            if value == value and abs(value) >= MAX_ABS_ANSWER:
                unonfinite[k] = True
            elif value == value:
                uval[k] = value
                upad[k] = u != u.strip()
            elif _NUMBER.match(t):
                unonfinite[k] = True          # 1e400: overflows to infinity
            else:
                ubad[k] = True
        elif isinstance(u, (bool, np.bool_)):
            ubad[k] = True
        else:
            try:
                value = float(u)
            except (TypeError, ValueError):
                ubad[k] = True
                continue
            if value != value:
                continue
            if value in (float("inf"), float("-inf")) or abs(value) >= MAX_ABS_ANSWER:
                unonfinite[k] = True
            else:
                uval[k] = value
    counts = np.bincount(codes[codes >= 0], minlength=m + 1) if m else np.zeros(1, np.int64)
    code_counts: dict[str, int] = {}
    for k, t in ucode.items():
        code_counts[t] = code_counts.get(t, 0) + int(counts[k])
    n_bad = int(counts[ubad].sum())
    bad_positions = (np.flatnonzero(ubad[codes])[:_MAX_LISTED] if n_bad
                     else np.zeros(0, dtype=np.int64))
    n_nonfinite = int(counts[unonfinite].sum())
    nonfinite_positions = (np.flatnonzero(unonfinite[codes])[:_MAX_LISTED] if n_nonfinite
                           else np.zeros(0, dtype=np.int64))
    ok = ~np.isnan(uval)
    return _Parsed(values=uval[codes], n_numeric=int(counts[ok].sum()), n_bad=n_bad,
                   bad_positions=bad_positions, n_whitespace=int(counts[upad].sum()),
                   str_codes=code_counts, n_nonfinite=n_nonfinite,
                   nonfinite_positions=nonfinite_positions)


def _to_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:                       # full-width digits (７) and the like
        try:
            value = float(unicodedata.normalize("NFKC", text))
        except ValueError:
            return float("nan")
    return value if value not in (float("inf"), float("-inf")) else float("nan")


# ============================================================================ messages
def _row_word(raw: _Raw, pos: int, col_pos: int | None) -> str:
    if raw.row_offset is None:
        return f"row {raw.frame.index[pos]!r}"
    row = pos + raw.row_offset
    if raw.kind == "excel" and col_pos is not None:
        from openpyxl.utils import get_column_letter
        return f"row {row} (cell {get_column_letter(col_pos + 1)}{row})"
    if raw.kind == "sav":
        return f"case {row}"
    return f"row {row}"


def _where(raw: _Raw) -> str:
    return raw.name + (f", sheet '{raw.sheet}'" if raw.sheet else "")


def _rows_note(raw: _Raw) -> str:
    if raw.kind == "dataframe":
        return "Rows are named by the DataFrame's index labels."
    if raw.kind == "sav":
        return "Cases are numbered from 1."
    return "Rows are numbered as in a spreadsheet, with the header as row 1."


def _rows_text(raw: _Raw, positions: np.ndarray, limit: int = _MAX_LISTED) -> str:
    """'rows 5, 9 and 12' (file rows, .sav cases or DataFrame labels) of 0-based positions."""
    positions = np.asarray(positions)
    if raw.row_offset is None:
        labels = [repr(v) for v in raw.frame.index[positions[:limit]]]
        word = "rows"
    else:
        labels = [str(int(v) + raw.row_offset) for v in positions[:limit]]
        word = "cases" if raw.kind == "sav" else "rows"
    if len(positions) == 1:
        word = word[:-1]
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return f"{word} {', '.join(labels)}{more}"


def _column_position(raw: _Raw, j: int) -> str:
    if raw.kind == "excel":
        from openpyxl.utils import get_column_letter
        return f"{j + 1} ({get_column_letter(j + 1)})"
    return str(j + 1)


def _duplicate_message(raw: _Raw, header: list) -> str:
    parts = []
    for name in dict.fromkeys(header):
        where = [j for j, c in enumerate(header) if c == name]
        if len(where) > 1:
            parts.append(f"'{name}' in columns "
                         + " and ".join(_column_position(raw, j) for j in where))
    return (f"{_where(raw)}: duplicate column name(s): {'; '.join(parts)} (columns counted "
            "from 1). Only one column of each name can be read; rename or delete the copies.")


def _nonfinite_message(raw: _Raw, cells: list, n: int, columns: list) -> str:
    cells = sorted(cells, key=lambda t: (t[0], columns.index(t[1])))[:_MAX_LISTED]
    listed = "; ".join(f"{_row_word(raw, pos, columns.index(col))}, column '{col}': "
                       f"{_fmt_cell(val)}" for pos, col, val in cells)
    more = f"; and {n - len(cells)} more" if n > len(cells) else ""
    return (f"{_where(raw)}: {n} answer(s) in item columns are not finite numbers "
            f"(infinite, NaN or beyond {MAX_ABS_ANSWER:.0e}): {listed}{more}. {_rows_note(raw)} "
            "A survey answer is a finite code; correct these cells, or leave them empty if "
            "the answer is missing.")


def _fmt_cell(val: Any) -> str:
    if isinstance(val, str):
        return repr(val)
    try:
        return repr(float(val))
    except (TypeError, ValueError):
        return repr(val)


def _range_message(raw: _Raw, errors: list) -> str:
    parts = []
    total = 0
    for col, lo, hi, x, mask, origin in errors:
        pos = np.flatnonzero(mask)
        vals, cnts = np.unique(x[mask], return_counts=True)
        total += int(mask.sum())
        if origin == "the 'scale' argument" and _OPTION_STYLE.get() == "cli":
            origin = "--scale"
        parts.append(f"'{col}' (scale {_fmt_value(lo)}-{_fmt_value(hi)} from {origin}): "
                     + ", ".join(f"{_fmt_value(v)} x{int(c)}" for v, c in zip(vals, cnts))
                     + f" in {_rows_text(raw, pos)}")
    codes = sorted({float(v) for _, _, _, x, mask, _ in errors for v in np.unique(x[mask])})
    code_hint = (f"If these are 'no answer' codes, declare them ({_opt('missing_codes', codes)}); "
                 if set(codes) <= set(_CODE_LIKE) else "")
    return (f"{_where(raw)}: {total} answer(s) outside the declared item scale in "
            f"{len(errors)} column(s): " + "; ".join(parts) + f". {_rows_note(raw)} {code_hint}"
            f"If the scale is wrong, declare the right one ({_opt('scale', ['MIN', 'MAX'])}); "
            f"to set these answers missing with a warning, pass {_opt('out_of_range', 'missing')}.")


def _group_codes(raw: _Raw, findings: list) -> list[str]:
    """One warning per 'no answer'-like code (over all its columns); other findings as they are."""
    out: list[str] = []
    codes: dict[float, list] = {}
    for f in findings:
        if isinstance(f, tuple):
            codes.setdefault(f[1], []).append(f)
        else:
            out.append(f)
    fix_scale = _opt("scale", ["MIN", "MAX"])
    for code, group in codes.items():
        scales = sorted({f"{_fmt_value(lo)}-{_fmt_value(hi)}" for _, _, lo, hi, _, _ in group})
        n = sum(len(pos) for *_, pos in group)
        listed = "; ".join(f"'{col}' {len(pos)} ({_rows_text(raw, pos, 3)})"
                           for _, _, _, _, col, pos in group[:6])
        more = f"; and {len(group) - 6} more column(s)" if len(group) > 6 else ""
        out.append((
            f"{_where(raw)}: the answer {_fmt_value(code)} looks like a 'no answer' code: it lies "
            f"outside the scale {'/'.join(scales)} of the other answers, {n} time(s) in "
            f"{len(group)} column(s): {listed}{more}. Declare it "
            f"({_opt('missing_codes', [code])}) or declare the scale ({fix_scale}); otherwise "
            "it is used as an answer."))
    return out


def _nothing_implausible(x: np.ndarray) -> bool:
    """True when :func:`_implausible` is sure to find nothing, decided from the counts of the
    distinct answers of an integer-coded column (one bincount instead of a dozen passes over
    the cells and a percentile); False means "look" (the full checks then run unchanged)."""
    finite = x[~np.isnan(x)]
    if finite.size < 3:
        return True
    lo_all, hi_all = finite.min(), finite.max()
    if lo_all < 0 or hi_all - lo_all > 100_000 or lo_all != np.floor(lo_all):
        return False                     # negative answers, a wide range or fractions: look
    shifted = finite - lo_all
    codes = shifted.astype(np.int64)
    if not np.array_equal(codes, shifted):
        return False
    counts = np.bincount(codes)
    present = np.flatnonzero(counts)
    values, counts = present + lo_all, counts[present]
    is_code = np.isin(values, _CODE_LIKE)
    if counts[~is_code].sum() >= 3:      # all integers: the 'no answer' code rule applies
        lo, hi = values[~is_code].min(), values[~is_code].max()
        if lo in (0.0, 1.0) and hi in _COMMON_TOPS and np.any(
                is_code & ((values < lo) | (values > hi))):
            return False
    # no cell flagged and none negative: only the "orders of magnitude" rule is left. Its 90th
    # percentile of |x| is a distinct answer itself when the sorted positions around it hold
    # one value (then numpy's interpolation returns it exactly); otherwise look
    n = int(counts.sum())
    ends = np.cumsum(counts)                      # the last position + 1 of each value
    k = int(np.floor(0.9 * (n - 1)))
    around = np.clip([k - 1, k, k + 1, k + 2], 0, n - 1)
    which = np.searchsorted(ends, around, side="right")
    if not np.all(which == which[0]):
        return False
    typical = float(values[which[0]])
    return not np.any(values > 100 * max(typical, 1.0))


def _implausible(raw: _Raw, col: Any, x: np.ndarray) -> list:
    """Warnings about values that do not fit the scale inferred from the column (none declared)."""
    if _nothing_implausible(x):
        return []
    finite = x[~np.isnan(x)]
    if finite.size < 3:
        return []
    out: list[str] = []
    flagged = np.zeros(x.shape, dtype=bool)
    fix_scale = _opt("scale", ["MIN", "MAX"])
    # codes that look like "no answer" just outside a common integer scale
    is_code = np.isin(x, _CODE_LIKE)
    bulk = x[~np.isnan(x) & ~is_code]
    if bulk.size >= 3 and np.all(bulk == np.round(bulk)):
        lo, hi = float(bulk.min()), float(bulk.max())
        if lo in (0.0, 1.0) and hi in _COMMON_TOPS:
            for code in _CODE_LIKE:
                mask = x == code
                if mask.any() and not lo <= code <= hi:
                    flagged |= mask
                    out.append(("code", code, lo, hi, col, np.flatnonzero(mask)))
    rest = x[~np.isnan(x) & ~flagged]
    if rest.size >= 3:
        pos_share = np.mean(rest > 0)
        neg = (x < 0) & ~flagged
        if neg.any() and pos_share >= 0.8:
            flagged |= neg
            vals = ", ".join(_fmt_value(v) for v in np.unique(x[neg])[:5])
            out.append(f"{_where(raw)}, column '{col}': {int(neg.sum())} negative answer(s) "
                       f"({vals}) among positive ones, in {_rows_text(raw, np.flatnonzero(neg))}. "
                       f"Declare them missing ({_opt('missing_codes', [float(np.unique(x[neg])[0])])}),"
                       f" correct them, or declare the scale ({fix_scale}).")
        typical = np.nanpercentile(np.abs(x[~np.isnan(x) & ~flagged]), 90) if (
            ~np.isnan(x) & ~flagged).any() else np.nan
        if typical == typical:
            with np.errstate(invalid="ignore"):
                big = (np.abs(x) > 100 * max(typical, 1.0)) & ~flagged
            if big.any() and big.sum() <= 0.05 * finite.size + 1:
                vals = ", ".join(f"{v:g}" for v in np.unique(x[big])[:5])
                out.append(f"{_where(raw)}, column '{col}': {int(big.sum())} value(s) ({vals}) "
                           f"are orders of magnitude above the other answers (90% are at most "
                           f"{typical:g}), in {_rows_text(raw, np.flatnonzero(big))}. Correct them, "
                           f"declare them missing ({_opt('missing_codes', [float(np.unique(x[big])[0])])})"
                           f" or declare the scale ({fix_scale}).")
    return out


def _bad_message(raw: _Raw, cells: list, n_bad: int, columns: list, decimal: str = ".") -> str:
    cells = sorted(cells, key=lambda t: (t[0], columns.index(t[1])))[:_MAX_LISTED]
    where = raw.name + (f", sheet '{raw.sheet}'" if raw.sheet else "")
    listed = "; ".join(f"{_row_word(raw, pos, columns.index(col))}, column '{col}': {val!r}"
                       for pos, col, val in cells)
    more = f"; and {n_bad - len(cells)} more" if n_bad > len(cells) else ""
    if raw.kind == "dataframe":
        rows_note = "Rows are named by the DataFrame's index labels."
    elif raw.kind == "sav":
        rows_note = "Cases are numbered from 1."
    else:
        rows_note = "Rows are numbered as in a spreadsheet, with the header as row 1."
    example = cells[0][2]
    example = example.strip() if isinstance(example, str) else example
    commas = [c for c in cells if isinstance(c[2], str) and _DECIMAL_COMMA.match(c[2].strip())]
    if commas and decimal == ".":
        return (f"{where}: {n_bad} answer(s) in item columns are numbers with a decimal comma: "
                f"{listed}{more}. {rows_note} Read the file with {_opt('decimal', ',')} "
                "(the columns must then be separated by ';' or tabs).")
    items_hint = ("leave it out of the model" if _OPTION_STYLE.get() == "cli"
                  else "pass items=[...] without it")
    return (f"{where}: {n_bad} answer(s) in item columns are not numbers: {listed}{more}. "
            f"{rows_note} Recode these answers to numeric codes, or, if they mean "
            f"'no answer', declare them missing: {_opt('missing_codes', [example])}. "
            f"If the column is not a survey item, {items_hint}.")


def _absent_message(absent: list, columns: list, name: str, origin: str) -> str:
    parts = []
    for a in absent:
        close = difflib.get_close_matches(str(a), [str(c) for c in columns], n=3, cutoff=0.5)
        if not close:
            close = [str(c) for c in columns if str(c).strip().lower() == str(a).strip().lower()]
        parts.append(f"'{a}'" + (f" (did you mean {', '.join(map(repr, close))}?)" if close else ""))
    shown = ", ".join(map(str, columns[:30])) + (" ..." if len(columns) > 30 else "")
    return (f"{name}: {len(absent)} column(s) named in {origin} are not in the data: "
            f"{', '.join(parts)}. The data's columns are: {shown}. Rename the columns or "
            "correct the item names.")


# ============================================================================ helpers
def _check_scale(scale) -> tuple[float, float] | None:
    if scale is None:
        return None
    try:
        lo, hi = (float(v) for v in scale)
    except (TypeError, ValueError):
        raise ValueError("The 'scale' parameter of read_survey must be a pair (min, max) of "
                         f"numbers such as (1, 10). Got {scale!r} instead.") from None
    if not lo < hi:
        raise ValueError(f"The 'scale' parameter of read_survey must have min < max. "
                         f"Got {scale!r} instead.")
    return lo, hi


def _split_codes(codes) -> tuple[list[float], frozenset[str]]:
    if codes is None:
        return [], frozenset()
    if isinstance(codes, (str, int, float)):
        codes = [codes]
    nums: list[float] = []
    strs: set[str] = set()
    for c in codes:
        if isinstance(c, str):
            t = c.strip()
            try:
                nums.append(float(t))
            except ValueError:
                strs.add(t)
        elif isinstance(c, (int, float, np.integer, np.floating)) and not isinstance(c, bool):
            nums.append(float(c))
        else:
            raise TypeError("The 'missing_codes' parameter of read_survey must be a list of "
                            f"numbers or strings such as [99, \"don't know\"]. Got {c!r} in it.")
    return list(dict.fromkeys(nums)), frozenset(strs)


def _fmt_value(x: Any) -> str:
    if isinstance(x, (float, np.floating)) and float(x).is_integer():
        return str(int(x))
    return str(x)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        if f != f or f in (float("inf"), float("-inf")):
            return None
        return int(f) if f.is_integer() and abs(f) < 2 ** 53 else f
    if obj is None or isinstance(obj, str):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


# ============================================================================ SPSS labels
def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)


def codebook_from_sav(path: "str | Path", *, items: Sequence[str] | None = None, spec=None,
                      scale: tuple[float, float] | None = None,
                      encoding: str | None = None) -> Codebook:
    """A codebook from what SPSS users wrote in a .sav: variable labels become the item
    wording, value labels the scale, user-missing values the missing codes.

    A label with Chinese characters is the Chinese wording (``wording_zh``), any other the
    English one. The scale of an item is the range of its labelled codes that are not
    user-missing (a 1-10 item labels 1 "very dissatisfied" and 10 "very satisfied"; 99
    "don't know", declared missing, is a missing code). In R: ``haven::read_sav()`` with
    ``labelled::var_label()`` and ``labelled::val_labels()``.

    Parameters
    ----------
    path : str or Path
        The .sav file.
    items : sequence of str, optional
        The item columns (default: the model's indicators with ``spec``, else every
        column with value labels).
    spec : ModelSpec, optional
        Fills each item's ``latent`` from the model (else empty).
    scale : (min, max), optional
        The scale of items that have no value labels (else they are an error).
    encoding : str, optional
        The encoding of an old .sav file's labels (e.g. ``"GBK"``); modern files are UTF-8.

    Raises
    ------
    SurveyDataError
        The file cannot be read, an item is not in it, or an item has no value labels and
        no ``scale`` was given.

    Examples
    --------
    >>> import pyreadstat, tempfile, os
    >>> df = pd.DataFrame({"SAT1": [7.0, 10.0, 99.0], "operator": ["A", "B", "A"]})
    >>> p = os.path.join(tempfile.mkdtemp(), "s.sav")
    >>> pyreadstat.write_sav(df, p, column_labels={"SAT1": "总体而言，您满意吗？"},
    ...     variable_value_labels={"SAT1": {1: "非常不满意", 10: "非常满意", 99: "不知道"}},
    ...     missing_ranges={"SAT1": [99]})
    >>> cb = codebook_from_sav(p)
    >>> cb.label("SAT1", "zh"), cb.scale("SAT1"), cb.missing_codes("SAT1")
    ('总体而言，您满意吗？', (1.0, 10.0), (99.0,))
    """
    import pyreadstat

    name = str(path)
    if not Path(path).is_file():
        raise SurveyDataError(f"SPSS file not found: '{name}'. Check the path "
                              f"(working directory: {Path.cwd()}).")
    try:
        _, meta = pyreadstat.read_sav(name, metadataonly=True, user_missing=True,
                                      **({"encoding": encoding} if encoding else {}))
    except Exception as exc:
        raise SurveyDataError(f"{name}: cannot read the file as SPSS .sav ({exc}).") from exc
    labels = dict(zip(meta.column_names, meta.column_labels or [None] * len(meta.column_names)))
    values = getattr(meta, "variable_value_labels", None) or {}
    missing = getattr(meta, "missing_ranges", None) or {}
    latent_of: dict[str, str] = {}
    if spec is not None:
        for lv, its in spec.indicators.items():
            for it in its:
                latent_of.setdefault(it, lv)
    if items is None:
        items = ([i for i in spec.observed if i in labels] if spec is not None
                 else [c for c in meta.column_names if c in values])
    items = list(items)
    absent = [i for i in items if i not in labels]
    if absent:
        raise SurveyDataError(f"{name}: no variable {', '.join(map(repr, absent))} in the file "
                              f"(its variables: {', '.join(meta.column_names[:20])}).")
    rows, unscaled = [], []
    for it in items:
        codes: list[float] = []
        for r in missing.get(it, []):
            lo, hi = r.get("lo"), r.get("hi")
            if isinstance(lo, (int, float)) and lo == hi:
                codes.append(float(lo))
        labelled = sorted(float(k) for k in values.get(it, {}) if isinstance(k, (int, float)))
        answers = [k for k in labelled if k not in codes]
        if len(answers) >= 2:
            lo, hi = answers[0], answers[-1]
        elif scale is not None:
            lo, hi = scale
        else:
            unscaled.append(it)
            continue
        text = str(labels.get(it) or "").strip()
        rows.append({"item": it, "latent": latent_of.get(it, ""),
                     "wording_en": "" if _is_chinese(text) else text,
                     "wording_zh": text if _is_chinese(text) else "",
                     "scale_min": lo, "scale_max": hi, "reverse": "false",
                     "missing_codes": ";".join(_fmt_value(c) for c in codes)})
    if unscaled:
        raise SurveyDataError(
            f"{name}: {', '.join(map(repr, unscaled))} ha{'s' if len(unscaled) == 1 else 've'} "
            "no value labels for at least two answers, so the scale is unknown. Label the "
            "lowest and highest answers in SPSS (VALUE LABELS), or pass scale=(min, max).")
    return Codebook.from_frame(pd.DataFrame(rows), source=name)
