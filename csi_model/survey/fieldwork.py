"""Questionnaire bookkeeping: distributed, returned and valid questionnaires, and why.

A survey paper reports its fieldwork as "320 questionnaires distributed, 290 returned
(90.6 %), 286 valid (98.6 % of those returned)" and says why questionnaires were
discarded. :func:`screen_questionnaires` (or ``read_survey(..., screening=FieldworkRules())``)
reads the survey, applies the rules below to every returned questionnaire, keeps the
valid ones in the :class:`~csi_model.survey.read.Survey` and puts a :class:`FieldworkReport`
in ``survey.report.fieldwork``.

Rules (:class:`FieldworkRules`; each questionnaire is counted under the first rule it
breaks, in this order, and all the rules it breaks are listed in ``FieldworkReport.rows``):

1. ``blank`` - every item missing (these rows are dropped by :func:`read_survey` anyway);
2. ``out_of_range`` - more than ``max_out_of_range`` answers (default 0) outside the item's
   scale and not a declared missing code: a miscoded or mistyped form;
3. ``unanswered`` - more than ``max_unanswered`` (default 0.2, i.e. 20 %) of the items are
   "cannot answer" (a declared missing code such as 6 = 无法回答) or blank;
4. ``straightlining`` - the same answer to every answered item, when at least
   ``straightline_min_items`` items (default 10) are answered;
5. ``duplicate`` - the same answers to every item as an earlier questionnaire (or the same
   ``id_column`` value); the first one is kept;
6. ``speeder`` - only with a duration column (``duration_column``, default: a column named
   ``duration``, ``duration_s``, ``duration_sec``, ``seconds``, ``time_s``, ``用时`` or
   ``答题时间``): completed in less than ``min_duration`` seconds, or, by default, in less
   than ``speeder_fraction`` (1/3) of the median duration of the returned questionnaires.

The raw answers are judged as written on the form (before reverse coding). String missing
codes of text columns (``"don't know"``) count as blank.
"""
from __future__ import annotations

import dataclasses
import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .read import DataReport, Survey, _jsonable, read_survey

__all__ = ["FieldworkRules", "FieldworkReport", "screen_questionnaires", "REASONS"]

#: The reasons, in the order the rules are applied, with their English and Chinese names.
REASONS: dict[str, tuple[str, str]] = {
    "blank": ("blank questionnaire (every item missing)", "空白问卷（全部题目未作答）"),
    "out_of_range": ("answers outside the scale", "答案超出量表范围"),
    "unanswered": ("too many \"cannot answer\" or blank items", "“无法回答”或未答题目过多"),
    "straightlining": ("same answer to every item (straight-lining)", "所有题目答案相同（直线作答）"),
    "duplicate": ("duplicate questionnaire", "重复问卷"),
    "speeder": ("completed too fast", "答题时间过短"),
}
DURATION_COLUMNS = ("duration", "duration_s", "duration_sec", "seconds", "time_s", "用时", "答题时间")


@dataclass(frozen=True)
class FieldworkRules:
    """When a returned questionnaire is valid (see the module docstring for the rules).

    Parameters
    ----------
    distributed : int, optional
        Questionnaires handed out (not in the data; shown in the fieldwork table).
    max_unanswered : float
        Largest share of items that may be "cannot answer" or blank (default 0.2).
    max_out_of_range : int
        Largest number of out-of-range answers a valid questionnaire may have (default 0).
    straightlining : bool
        Apply the straight-lining rule.
    straightline_min_items : int
        Answered items needed before identical answers count as straight-lining.
    duplicates : bool
        Apply the duplicate rule.
    id_column : str, optional
        A respondent-id column: duplicates are repeated ids (default: repeated answers).
    duration_column : str, optional
        The completion-time column in seconds (default: found by name, see
        :data:`DURATION_COLUMNS`; no speeder rule without one).
    min_duration : float, optional
        Seconds below which a questionnaire is a speeder (overrides ``speeder_fraction``).
    speeder_fraction : float
        Speeders take less than this fraction of the median duration (default 1/3).

    Examples
    --------
    >>> FieldworkRules(distributed=320).max_unanswered
    0.2
    >>> FieldworkRules(max_unanswered=2)
    Traceback (most recent call last):
    ...
    ValueError: The 'max_unanswered' parameter of FieldworkRules must be a share in [0, 1]. Got 2 instead.
    """

    distributed: int | None = None
    max_unanswered: float = 0.2
    max_out_of_range: int = 0
    straightlining: bool = True
    straightline_min_items: int = 10
    duplicates: bool = True
    id_column: str | None = None
    duration_column: str | None = None
    min_duration: float | None = None
    speeder_fraction: float = 1 / 3

    def __post_init__(self):
        def fail(name, allowed):
            raise ValueError(f"The '{name}' parameter of FieldworkRules must be {allowed}. "
                             f"Got {getattr(self, name)!r} instead.")
        if self.distributed is not None and (isinstance(self.distributed, bool) or not isinstance(
                self.distributed, (int, np.integer)) or self.distributed < 0):
            fail("distributed", "a non-negative integer or None")
        if not isinstance(self.max_unanswered, (int, float)) or not 0 <= self.max_unanswered <= 1:
            fail("max_unanswered", "a share in [0, 1]")
        if not isinstance(self.max_out_of_range, (int, np.integer)) or self.max_out_of_range < 0:
            fail("max_out_of_range", "a non-negative integer")
        if not isinstance(self.straightline_min_items, (int, np.integer)) \
                or self.straightline_min_items < 2:
            fail("straightline_min_items", "an integer >= 2")
        if self.min_duration is not None and not (isinstance(self.min_duration, (int, float))
                                                  and self.min_duration >= 0):
            fail("min_duration", "a non-negative number of seconds or None")
        if not isinstance(self.speeder_fraction, (int, float)) or not 0 < self.speeder_fraction < 1:
            fail("speeder_fraction", "a number in (0, 1)")


@dataclass(frozen=True, eq=False)
class FieldworkReport:
    """Distributed, returned and valid questionnaires, and the reasons for the invalid ones.

    Attributes
    ----------
    distributed : int or None
    returned : int
        Questionnaires in the file (data rows).
    valid : int
    counts : pandas.Series
        Reason -> invalid questionnaires counted under it (first rule broken), every reason
        of :data:`REASONS` (0 when none).
    rows : pandas.DataFrame
        One row per invalid questionnaire: ``row`` (file row, header = 1; or the DataFrame
        label), ``reason`` (the first rule broken), ``reasons`` (all, ``;``-separated),
        ``unanswered``, ``out_of_range`` (counts of items) and ``duration``.
    rules : FieldworkRules
    duration_column : str or None
        The column the speeder rule used.
    speeder_threshold : float
        Seconds (NaN without a duration column).

    Examples
    --------
    >>> import pandas as pd
    >>> rep = FieldworkReport(320, 290, 286, pd.Series({"unanswered": 3, "duplicate": 1}),
    ...                       pd.DataFrame(), FieldworkRules(distributed=320))
    >>> rep.invalid
    4
    >>> rep
    <FieldworkReport: Fieldwork: 320 questionnaires distributed, 290 returned (90.6%), 286 valid (98.6% of those returned, 89.4% of those distributed); 4 invalid: too many "cannot answer" or blank items 3, duplicate questionnaire 1.>
    """

    distributed: int | None
    returned: int
    valid: int
    counts: pd.Series
    rows: pd.DataFrame
    rules: FieldworkRules
    duration_column: str | None = None
    speeder_threshold: float = math.nan

    @property
    def invalid(self) -> int:
        return self.returned - self.valid

    def table(self, lang: str = "en") -> pd.DataFrame:
        """The fieldwork table of a paper: counts and shares of distributed and returned.

        Parameters
        ----------
        lang : {"en", "zh"}

        Returns
        -------
        pandas.DataFrame
            Index: the stage (distributed, returned, invalid and each reason, valid);
            columns ``n``, ``% of distributed``, ``% of returned`` (NaN where it does not
            apply; numbers unrounded).

        Examples
        --------
        >>> import pandas as pd
        >>> rep = FieldworkReport(320, 290, 286, pd.Series({"unanswered": 3, "duplicate": 1}),
        ...                       pd.DataFrame(), FieldworkRules(distributed=320))
        >>> rep.table().round(1)  # doctest: +NORMALIZE_WHITESPACE
                                                                n  ...  % of returned
        questionnaires                                             ...
        distributed                                         320.0  ...            NaN
        returned                                            290.0  ...          100.0
        invalid                                               4.0  ...            1.4
          of which: too many "cannot answer" or blank i...    3.0  ...            1.0
          of which: duplicate questionnaire                   1.0  ...            0.3
        valid                                               286.0  ...           98.6
        <BLANKLINE>
        [6 rows x 3 columns]
        """
        if lang not in ("en", "zh"):
            raise ValueError(f"The 'lang' parameter of FieldworkReport.table must be 'en' or "
                             f"'zh'. Got {lang!r} instead.")
        zh = lang == "zh"
        d = np.nan if self.distributed is None else float(self.distributed)
        r = float(self.returned)
        names = (("发放问卷", "回收问卷", "无效问卷", "有效问卷") if zh else
                 ("distributed", "returned", "invalid", "valid"))
        rows = [(names[0], d, np.nan if math.isnan(d) else 100.0, np.nan),
                (names[1], r, 100 * r / d if d else np.nan, 100.0),
                (names[2], float(self.invalid), 100 * self.invalid / d if d else np.nan,
                 100 * self.invalid / r if r else np.nan)]
        for key, count in self.counts.items():
            if count:
                label = REASONS[key][1 if zh else 0]
                rows.append((("  其中：" if zh else "  of which: ") + label, float(count),
                             100 * count / d if d else np.nan, 100 * count / r if r else np.nan))
        rows.append((names[3], float(self.valid), 100 * self.valid / d if d else np.nan,
                     100 * self.valid / r if r else np.nan))
        cols = ["份数", "占发放比例(%)", "占回收比例(%)"] if zh else \
            ["n", "% of distributed", "% of returned"]
        out = pd.DataFrame([x[1:] for x in rows], index=[x[0] for x in rows], columns=cols)
        out.index.name = "问卷" if zh else "questionnaires"
        return out

    def summary(self) -> str:
        """One paragraph for the methods section.

        Examples
        --------
        >>> rep = FieldworkReport(320, 290, 286, pd.Series({"unanswered": 3, "duplicate": 1}),
        ...                       pd.DataFrame(), FieldworkRules(distributed=320))
        >>> print(rep.summary())
        Fieldwork: 320 questionnaires distributed, 290 returned (90.6%), 286 valid (98.6% of those returned, 89.4% of those distributed); 4 invalid: too many "cannot answer" or blank items 3, duplicate questionnaire 1.
        """
        parts = []
        if self.distributed is not None:
            parts.append(f"{self.distributed} questionnaires distributed, {self.returned} returned"
                         + (f" ({100 * self.returned / self.distributed:.1f}%)"
                            if self.distributed else ""))
        else:
            parts.append(f"{self.returned} questionnaires returned")
        share = (f"{100 * self.valid / self.returned:.1f}% of those returned"
                 if self.returned else "")
        if self.distributed:
            share += f", {100 * self.valid / self.distributed:.1f}% of those distributed"
        parts.append(f"{self.valid} valid" + (f" ({share})" if share else ""))
        text = "Fieldwork: " + ", ".join(parts)
        reasons = [f"{REASONS[k][0]} {int(v)}" for k, v in self.counts.items() if v]
        if reasons:
            text += f"; {self.invalid} invalid: " + ", ".join(reasons)
        return text + "."

    def to_dict(self) -> dict:
        """JSON-ready dict: ``distributed, returned, valid, counts, rows, rules``.

        Examples
        --------
        >>> import pandas as pd
        >>> rep = FieldworkReport(320, 290, 286, pd.Series({"unanswered": 3, "duplicate": 1}),
        ...                       pd.DataFrame(), FieldworkRules(distributed=320))
        >>> d = rep.to_dict()
        >>> d["valid"], d["counts"]
        (286, {'unanswered': 3, 'duplicate': 1})
        """
        return _jsonable({"distributed": self.distributed, "returned": self.returned,
                          "valid": self.valid, "counts": self.counts.to_dict(),
                          "rows": self.rows.to_dict(orient="records"),
                          "rules": dataclasses.asdict(self.rules),
                          "duration_column": self.duration_column,
                          "speeder_threshold": self.speeder_threshold})

    def __repr__(self) -> str:
        return f"<FieldworkReport: {self.summary()}>"

    def _repr_html_(self) -> str:
        return (f"<p>{html.escape(self.summary())}</p>"
                + self.table().to_html(float_format=lambda x: f"{x:.1f}", na_rep=""))


@dataclass(frozen=True, eq=False)
class ScreenedDataReport(DataReport):
    """A :class:`~csi_model.survey.read.DataReport` with the fieldwork screening."""

    fieldwork: FieldworkReport | None = field(default=None)

    def summary(self) -> str:
        text = super().summary()
        return text if self.fieldwork is None else text + "\n" + self.fieldwork.summary()

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["fieldwork"] = None if self.fieldwork is None else self.fieldwork.to_dict()
        return out

    def _repr_html_(self) -> str:
        extra = "" if self.fieldwork is None else self.fieldwork._repr_html_()
        return super()._repr_html_() + extra


# ============================================================================ screening
def screen_questionnaires(source, codebook=None, *, rules: FieldworkRules | None = None,
                          **read_options) -> Survey:
    """Read a survey and keep the valid questionnaires; the bookkeeping is in the report.

    The same as ``read_survey(source, codebook, screening=rules, **read_options)``.

    Parameters
    ----------
    source, codebook, read_options :
        As for :func:`~csi_model.survey.read.read_survey`.
    rules : FieldworkRules, optional
        Default: ``FieldworkRules()`` (the defaults of the module docstring).

    Returns
    -------
    Survey
        The valid questionnaires; ``survey.report.fieldwork`` is a :class:`FieldworkReport`
        and ``survey.report.rows_dropped`` lists the invalid ones with their reason.

    Examples
    --------
    >>> import warnings
    >>> df = pd.DataFrame({"Q1": [4, 2, 3, 3, 6, 5], "Q2": [4, 4, 2, 2, 6, 9],
    ...                    "Q3": [4, 5, 1, 1, 6, 3], "duration": [300, 280, 310, 290, 305, 60]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")      # the out-of-range 9 is also warned about
    ...     s = screen_questionnaires(df, items=["Q1", "Q2", "Q3"], missing_codes=[6],
    ...                               scale=(1, 5), rules=FieldworkRules(
    ...                                   distributed=8, straightline_min_items=3))
    >>> fw = s.report.fieldwork
    >>> fw.returned, fw.valid, fw.counts[fw.counts > 0].to_dict()
    (6, 2, {'blank': 1, 'out_of_range': 1, 'straightlining': 1, 'duplicate': 1})
    >>> fw.rows[["row", "reason", "reasons"]].to_dict("records")[-1]
    {'row': 5, 'reason': 'out_of_range', 'reasons': 'out_of_range;speeder'}
    """
    if rules is None:
        rules = FieldworkRules()
    return read_survey(source, codebook, screening=rules, **read_options)


def _screen_survey(survey: Survey, raw_items: pd.DataFrame,
                   rules: FieldworkRules | bool) -> Survey:
    """Apply the rules to a freshly read survey (``read_survey``'s ``screening`` hook).

    ``raw_items`` holds the item answers of the rows ``read_survey`` kept, as numbers
    before missing codes, range checks and reverse coding were applied.
    """
    if rules is True:
        rules = FieldworkRules()
    if not isinstance(rules, FieldworkRules):
        raise TypeError("The 'screening' parameter of read_survey must be a FieldworkRules, "
                        f"True or None. Got {type(rules).__name__} instead.")
    rep = survey.report
    items = list(survey.items)
    data = survey.data
    raw = raw_items[items].to_numpy(dtype=float)
    final = data[items].to_numpy(dtype=float)
    n, k = raw.shape
    codes: dict[str, set] = {}
    for r in rep.missing_codes_found.itertuples(index=False):
        codes.setdefault(r.item, set()).add(float(r.code))
    set_missing = np.isfinite(raw) & np.isnan(final)
    is_code = np.zeros_like(set_missing)
    for j, it in enumerate(items):
        if it in codes:
            is_code[:, j] = set_missing[:, j] & np.isin(raw[:, j], list(codes[it]))
    out_of_range = set_missing & ~is_code
    unanswered = np.isnan(final) & ~out_of_range
    answered = ~np.isnan(final)

    flags: dict[str, np.ndarray] = {}
    flags["out_of_range"] = out_of_range.sum(axis=1) > rules.max_out_of_range
    flags["unanswered"] = unanswered.sum(axis=1) > rules.max_unanswered * k
    if rules.straightlining:
        vals = np.where(answered, raw, np.nan)
        with np.errstate(invalid="ignore"):
            same = np.nanmax(vals, axis=1) == np.nanmin(vals, axis=1)
        flags["straightlining"] = same & (answered.sum(axis=1) >= rules.straightline_min_items)
    if rules.duplicates:
        if rules.id_column is not None:
            if rules.id_column not in data.columns:
                raise ValueError(f"The 'id_column' {rules.id_column!r} of FieldworkRules is not a "
                                 f"column of {survey.source} (its columns: "
                                 f"{', '.join(map(str, survey.metadata)) or 'none'}).")
            ids = data[rules.id_column]
            flags["duplicate"] = (ids.duplicated(keep="first") & ids.notna()).to_numpy()
        else:
            flags["duplicate"] = pd.DataFrame(raw).duplicated(keep="first").to_numpy()
    duration_col = rules.duration_column
    if duration_col is None:
        lower = {str(c).strip().lower(): c for c in survey.metadata}
        duration_col = next((lower[c] for c in DURATION_COLUMNS if c in lower), None)
    elif duration_col not in data.columns:
        raise ValueError(f"The 'duration_column' {duration_col!r} of FieldworkRules is not a "
                         f"column of {survey.source} (its columns: "
                         f"{', '.join(map(str, survey.metadata)) or 'none'}).")
    duration = np.full(n, np.nan)
    threshold = math.nan
    if duration_col is not None:
        duration = pd.to_numeric(data[duration_col], errors="coerce").to_numpy(dtype=float)
        threshold = (float(rules.min_duration) if rules.min_duration is not None
                     else rules.speeder_fraction * float(np.nanmedian(duration))
                     if np.isfinite(duration).any() else math.nan)
        with np.errstate(invalid="ignore"):
            flags["speeder"] = duration < threshold

    order = [r for r in REASONS if r in flags]
    any_flag = np.zeros(n, dtype=bool)
    first = np.full(n, "", dtype=object)
    every = [[] for _ in range(n)]
    for reason in order:
        f = flags[reason]
        first[f & ~any_flag] = reason
        for i in np.flatnonzero(f):
            every[i].append(reason)
        any_flag |= f
    counts = pd.Series(0, index=list(REASONS), dtype="int64", name="invalid")
    n_blank = rep.n_rows_read - rep.n
    counts["blank"] = n_blank
    for reason in order:
        counts[reason] = int((first == reason).sum())
    bad = np.flatnonzero(any_flag)
    labels = list(survey.rows(data.index[bad]))
    blank_rows = rep.rows_dropped["row"].tolist()[:n_blank] if n_blank else []
    rows = pd.DataFrame({
        "row": blank_rows + labels,
        "reason": ["blank"] * len(blank_rows) + [first[i] for i in bad],
        "reasons": ["blank"] * len(blank_rows) + [";".join(every[i]) for i in bad],
        "unanswered": [k] * len(blank_rows) + [int(unanswered[i].sum()) for i in bad],
        "out_of_range": [0] * len(blank_rows) + [int(out_of_range[i].sum()) for i in bad],
        "duration": [np.nan] * len(blank_rows) + [float(duration[i]) for i in bad]})
    fw = FieldworkReport(distributed=rules.distributed, returned=rep.n_rows_read,
                         valid=int(n - len(bad)), counts=counts, rows=rows, rules=rules,
                         duration_column=duration_col, speeder_threshold=threshold)
    messages = tuple(rep.warnings)
    if rules.distributed is not None and rules.distributed < rep.n_rows_read:
        messages += (f"{survey.source}: {rep.n_rows_read} questionnaires returned but only "
                     f"{rules.distributed} distributed; check FieldworkRules(distributed=...).",)
    dropped = pd.concat([rep.rows_dropped, pd.DataFrame({
        "row": pd.Series(labels, dtype=object),
        "reason": pd.Series([REASONS[first[i]][0] for i in bad], dtype=object)})],
        ignore_index=True)
    keep = ~any_flag
    kept = data.loc[keep].copy()
    base = {f.name: getattr(rep, f.name) for f in dataclasses.fields(DataReport)}
    base.update(n=int(keep.sum()), rows_dropped=dropped, warnings=messages,
                missing=pd.Series({c: int(kept[c].isna().sum()) for c in items},
                                  dtype="int64", name="missing"))
    report = ScreenedDataReport(**base, fieldwork=fw)
    return dataclasses.replace(survey, data=kept, report=report)
