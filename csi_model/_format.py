"""Number formatting shared by every text, HTML and table output of csi_model.

One set of rules, used by the console summaries (:class:`csi_model.sem.results.Summary`)
and by the paper tables (:mod:`csi_model.report.tables`):

- fixed decimals, never scientific notation; NaN, None and undefined statistics print
  blank (never ``NaN``);
- p-values in one style: ``< .001`` below the last decimal, else ``.031`` (APA 7th ed.);
  in running text ``p < .001`` / ``p = .031``, never ``p = 0``;
- counts and degrees of freedom as integers (``232``, not ``232.000``);
- no ``-0.000``.

>>> format_number(0.12345), format_number(-0.0001), format_number(float("nan"))
('0.123', '0.000', '')
>>> format_p(0.0004), format_p(0.0312), p_text(0.0)
('< .001', '.031', 'p < .001')
"""
from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["format_number", "format_p", "p_text", "format_int", "format_frame",
           "format_fit_measures",
           "is_pvalue_column", "is_count_column", "UNDEFINED_STATISTIC"]

#: A test statistic (z, t) larger than this in absolute value comes from a standard error
#: that is numerically zero (a single-item weight, a fixed parameter): it is undefined.
UNDEFINED_STATISTIC = 1e6

_P_COLUMNS = re.compile(r"(^|[._])(p|pvalue|p_value|pval)([._]|$)", re.IGNORECASE)
_COUNT_COLUMNS = {"df", "df.diff", "df_diff", "n", "npar", "nobs", "count", "iterations",
                  "n_failed", "n_improper", "b", "factors", "components", "pa_factors",
                  "pa_components", "n.items", "n_items", "items", "ntotal", "n_total",
                  "rank", "factor"}
_STATISTIC_COLUMNS = {"z", "t", "t.value", "z.value", "t_value", "z_value"}


def strip_leading_zero(s: str) -> str:
    """``0.123`` -> ``.123`` and ``-0.123`` -> ``-.123``."""
    return re.sub(r"^(-?)0\.", r"\1.", s)


def _as_float(x: Any) -> float | None:
    if x is None or isinstance(x, (str, bool, np.bool_)):
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


#: Numbers at least this large print with 3 significant digits, never with all their digits
#: (chi-squares of a few million respondents stay below it).
PRINT_CAP = 1e10


def format_number(x: Any, digits: int = 3, *, bounded: bool = False,
                  leading_zero: Any = True) -> str:
    """A number with fixed decimals: NaN as ``""``, no ``-0.000``, never scientific.

    ``leading_zero``: ``True`` always ``0.123``; ``False`` never; ``"bounded"`` drops it only
    when ``bounded`` (the quantity cannot exceed 1 in absolute value, APA 7th ed. 6.36).

    Numbers of at least ``PRINT_CAP`` in absolute value (only a broken solution has them:
    a correlation of 1e150 after a non-converged fit) get 3 significant digits instead of
    all their digits.

    >>> format_number(0.5, bounded=True, leading_zero="bounded"), format_number(1.234e150)
    ('.500', '1.23e+150')
    """
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    v = _as_float(x)
    if v is None:
        return str(x)
    if not math.isfinite(v):
        return "" if math.isnan(v) else ("∞" if v > 0 else "-∞")
    if abs(v) >= PRINT_CAP:
        return f"{v:.3g}"
    s = f"{v:.{digits}f}"
    if float(s) == 0:
        s = s.lstrip("-")
    if leading_zero is False or (leading_zero == "bounded" and bounded):
        s = strip_leading_zero(s)
    return s


def format_p(p: Any, digits: int = 3, *, leading_zero: Any = "bounded") -> str:
    """A p-value: ``< .001`` below 10^-digits, else ``digits`` decimals (``""`` for NaN).

    >>> format_p(1.0), format_p(0.0), format_p(None)
    ('1.000', '< .001', '')
    """
    v = _as_float(p)
    if v is None or math.isnan(v):
        return ""
    floor = 10.0 ** -digits
    if v < floor:
        return "< " + format_number(floor, digits, bounded=True, leading_zero=leading_zero)
    return format_number(v, digits, bounded=True, leading_zero=leading_zero)


def p_text(p: Any, digits: int = 3) -> str:
    """A p-value in running text: ``p < .001`` or ``p = .031`` (``p = NA`` if undefined).

    >>> p_text(0.0312), p_text(float("nan"))
    ('p = .031', 'p undefined')
    """
    s = format_p(p, digits)
    if not s:
        return "p undefined"
    return f"p {s}" if s.startswith("<") else f"p = {s}"


def format_int(x: Any) -> str:
    """A count or degrees of freedom: ``232`` (``""`` for NaN; non-integers keep 3 decimals).

    >>> format_int(232.0), format_int(2.5)
    ('232', '2.500')
    """
    v = _as_float(x)
    if v is None:
        return "" if x is None else str(x)
    if not math.isfinite(v):
        return format_number(v)
    if abs(v - round(v)) < 1e-9:
        return str(int(round(v)))
    return format_number(v, 3)


def is_pvalue_column(name: Any) -> bool:
    """``pvalue``, ``p``, ``total.pvalue``, ``pvalue.diff``, ``p_value`` ..."""
    return isinstance(name, str) and bool(_P_COLUMNS.search(name))


def is_count_column(name: Any) -> bool:
    return isinstance(name, str) and name.lower() in _COUNT_COLUMNS


def _cell(v: Any, digits: int) -> str:
    if v is None:
        return ""
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return format_number(v, digits)
    if v is pd.NA or v is pd.NaT:
        return ""
    return str(v)


def format_frame(frame: pd.DataFrame | pd.Series, digits: int = 3,
                 column_digits: dict | None = None) -> pd.DataFrame:
    """The printed cells of a results table (all strings), by the rules of this module.

    Columns are recognised by lavaan's names: p-value columns (``pvalue``, ``*.pvalue``)
    in the p style, counts (``df``, ``n``) as integers, test statistics (``z``, ``t``)
    blank when undefined. A row whose ``se`` is 0 (a fixed parameter) or undefined shows its
    estimate only, as lavaan prints it: ``se``, ``z``, ``pvalue`` and the interval blank.

    >>> df = pd.DataFrame({"est": [1.0, 0.8], "se": [0.0, 0.05], "z": [np.nan, 16.0],
    ...                    "pvalue": [np.nan, 0.0], "df": [232.0, 232.0]})
    >>> format_frame(df).values.tolist()
    [['1.000', '', '', '', '232'], ['0.800', '0.050', '16.000', '< .001', '232']]
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    column_digits = column_digits or {}
    out = pd.DataFrame(index=frame.index, dtype=object)
    for col in frame.columns:
        d = column_digits.get(col, digits)
        values = frame[col]
        if is_pvalue_column(col) and pd.api.types.is_numeric_dtype(values):
            out[col] = [format_p(v) for v in values]  # one p style, whatever the digits
        elif is_count_column(col) and pd.api.types.is_numeric_dtype(values):
            out[col] = [format_int(v) for v in values]
        elif isinstance(col, str) and col.lower() in _STATISTIC_COLUMNS:
            out[col] = [format_number(v, d) if (_as_float(v) is not None and
                                                abs(_as_float(v)) < UNDEFINED_STATISTIC)
                        else ("" if _as_float(v) is not None else _cell(v, d)) for v in values]
        else:
            out[col] = [_cell(v, d) for v in values]
    if "se" in frame.columns and pd.api.types.is_numeric_dtype(frame["se"]):
        se = pd.to_numeric(frame["se"], errors="coerce").to_numpy(dtype=float)
        degenerate = ~(se > 1e-10)
        dependent = [c for c in frame.columns if c in ("se", "pvalue", "ci.lower", "ci.upper")
                     or (isinstance(c, str) and c.lower() in _STATISTIC_COLUMNS)]
        for c in dependent:
            out.loc[degenerate, c] = ""
    out.columns = frame.columns
    return out


def format_fit_measures(fm: pd.Series, digits: int = 3) -> pd.DataFrame:
    """lavaan-named fit measures as a one-column table of printed values (``df`` an
    integer, p-values in the p style).

    >>> format_fit_measures(pd.Series({"chisq": 250.5, "df": 232.0, "pvalue": 0.0001})
    ...                     )["value"].tolist()
    ['250.500', '232', '< .001']
    """
    values = []
    for name, v in fm.items():
        if is_pvalue_column(name):
            values.append(format_p(v))
        elif is_count_column(name) or name in ("ntotal", "npar", "baseline.df"):
            values.append(format_int(v))
        else:
            values.append(format_number(v, digits))
    return pd.DataFrame({"value": values}, index=fm.index)
