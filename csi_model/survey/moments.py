"""Survey moments partition by partition: surveys larger than memory, on one machine or a cluster.

Every estimator of csi_model works on moments (counts, means, cross-products), so a survey need
never be in memory at once. :func:`survey_moments` reduces a pandas DataFrame, a Dask DataFrame
or Parquet/CSV partitions (a path or glob, read with Dask) to a :class:`SurveyMoments`: each
partition gives, per *cell*, its count, mean and centred cross-products, and partitions are
merged pairwise with the update of Chan, Golub & LeVeque (1979), which is exact and does not lose
precision the way raw sums of squares do. On a dask.distributed cluster
(``Client(LocalCluster())`` or a real cluster's address) the partitions are reduced where they
are; only small matrices travel.

A cell is one group (``by=``, e.g. the operator) and one missing-data pattern. Without
``patterns=True`` only the complete rows are kept (listwise; the others are counted); with it,
every pattern keeps the count, mean and centred cross-products of the answers it has - the
sufficient statistics of the EM and of mean replacement, so :func:`~csi_model.fit_pls` with
``missing="em"`` or ``"mean"`` gives from them exactly what it gives from the rows. Each item's
smallest and largest answer (for scale checks) is kept too.

Missing codes turned into missing values and non-finite answers refused (naming the partition
and row) are done per partition, as :func:`~csi_model.read_survey` does in memory.

Chan, T. F., Golub, G. H., & LeVeque, R. J. (1979). Updating formulae and a pairwise algorithm
for computing sample variances. Stanford CS report STAN-CS-79-773.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..exceptions import SurveyDataError

__all__ = ["SurveyMoments", "PatternMoments", "survey_moments", "read_partitions"]

# A cell: (count, mean of the answered items, centred cross-products of the answered items);
# cells are keyed by (group label or None, observed-mask bytes over the moments' items).


@dataclass(frozen=True, eq=False)
class PatternMoments:
    """Per missing-data pattern: count, means and centred cross-products of the answers given.

    Attributes
    ----------
    items : tuple of str
    masks : ndarray of bool, (P, p)
        ``masks[k, j]``: item j is answered in pattern k. Patterns are ordered by the number of
        missing answers, the complete pattern first.
    counts : ndarray, (P,)
    means : ndarray, (P, p)
        NaN for the items a pattern misses.
    m2 : ndarray, (P, p, p)
        Centred cross-products ``sum (x - mean)(x - mean)'`` of the answered items (zero rows
        and columns for the missing ones).

    Examples
    --------
    >>> import csi_model as cm
    >>> df = cm.simulate_survey("acsi", n=400, seed=1, missing_rate=0.05)
    >>> pm = cm.survey_moments(df, ["SAT1", "SAT2", "SAT3"], patterns=True).patterns
    >>> pm.masks.shape, int(pm.counts.sum())
    ((5, 3), 400)
    >>> pm.masks[0].tolist(), int(pm.counts[0])
    ([True, True, True], 342)
    """

    items: tuple[str, ...]
    masks: np.ndarray
    counts: np.ndarray
    means: np.ndarray
    m2: np.ndarray

    def __repr__(self) -> str:
        return (f"<PatternMoments {len(self.items)} items: {len(self.counts)} pattern(s), "
                f"{int(self.counts.sum()):,} rows>")


@dataclass(frozen=True, eq=False)
class SurveyMoments:
    """Moments of a survey: the complete rows (listwise), and optionally groups and patterns.

    Attributes
    ----------
    items : tuple of str
    n : int
        Rows used by the listwise moments (complete on the items).
    n_read : int
        Rows read.
    mean : ndarray
    cov : ndarray
        Covariance of the complete rows with divisor ``n`` (lavaan's ML convention;
        ``cov_unbiased`` divides by ``n - 1``). NaN when fewer than two rows are complete.
    partitions : int
    source : str
    minimum, maximum : ndarray
        Each item's smallest and largest answer over all rows read (after the missing codes;
        NaN for an item nobody answered).
    by : str or None
        The grouping column.
    groups : dict of str to SurveyMoments
        The moments of every group (labels as text, sorted); empty without ``by``.
    n_unlabelled : int
        Rows read whose ``by`` value is empty (in the pooled moments, in no group).
    patterns : PatternMoments or None
        The pooled missing-data pattern moments (``patterns=True``).

    Examples
    --------
    >>> import csi_model as cm
    >>> df = cm.simulate_survey("acsi", n=500, seed=1)
    >>> m = cm.survey_moments(df, ["SAT1", "SAT2", "SAT3"])
    >>> m
    <SurveyMoments 3 items: 500 of 500 rows used, 1 partition(s), <DataFrame>>
    >>> m.mean.round(3)
    array([6.894, 6.834, 6.992])
    >>> m.n, m.n_read, m.minimum.tolist(), m.maximum.tolist()
    (500, 500, [1.0, 1.0, 2.0], [10.0, 10.0, 10.0])
    """

    items: tuple[str, ...]
    n: int
    n_read: int
    mean: np.ndarray
    cov: np.ndarray
    partitions: int
    source: str
    minimum: np.ndarray | None = None
    maximum: np.ndarray | None = None
    by: str | None = None
    groups: Mapping[str, "SurveyMoments"] = field(default_factory=dict, repr=False)
    n_unlabelled: int = 0
    patterns: PatternMoments | None = field(default=None, repr=False)
    _cells: Mapping = field(default_factory=dict, repr=False)

    @classmethod
    def from_matrix(cls, items: Sequence[str], n: int, mean, cov,
                    source: str = "<moments>") -> "SurveyMoments":
        """Complete-data moments from a mean vector and a covariance matrix (divisor ``n``).

        For moments computed elsewhere, e.g. a weighted or EM covariance matrix: the fits
        from them are those of a survey of ``n`` complete rows with these moments.

        Examples
        --------
        >>> import numpy as np
        >>> from csi_model.survey.moments import SurveyMoments
        >>> m = SurveyMoments.from_matrix(["a", "b"], 100, [3.0, 4.0], np.eye(2))
        >>> m
        <SurveyMoments 2 items: 100 of 100 rows used, 1 partition(s), <moments>>
        >>> m.listwise(["a", "b"]).cov
        array([[1., 0.],
               [0., 1.]])
        """
        items = tuple(str(i) for i in items)
        mean = np.asarray(mean, dtype=float)
        cov = np.asarray(cov, dtype=float)
        p = len(items)
        if mean.shape != (p,) or cov.shape != (p, p):
            raise ValueError(f"SurveyMoments.from_matrix: {p} items need a mean of shape ({p},) "
                             f"and a covariance of shape ({p}, {p}). Got {mean.shape} and "
                             f"{cov.shape}.")
        full = np.ones(p, dtype=bool).tobytes()
        return _build(items, {(None, full): (int(n), mean, cov * n)}, int(n), None, None, 1,
                      source, None, {}, False)

    @property
    def n_dropped(self) -> int:
        return self.n_read - self.n

    @property
    def cov_unbiased(self) -> np.ndarray:
        return self.cov * self.n / (self.n - 1)

    def covariance(self) -> pd.DataFrame:
        """The covariance matrix (divisor n) as a labelled DataFrame.

        Examples
        --------
        >>> import csi_model as cm
        >>> m = cm.survey_moments(cm.simulate_survey("acsi", n=500, seed=1), ["SAT1", "SAT2"])
        >>> m.covariance().round(3)
               SAT1   SAT2
        SAT1  3.655  2.028
        SAT2  2.028  3.514
        """
        return pd.DataFrame(self.cov, index=self.items, columns=self.items)

    def cells(self, items: Sequence[str], method: str = "listwise",
              func: str = "this estimator") -> dict:
        """The cells restricted to ``items``: {(group, observed mask over items): (n, mean, m2)}.

        Exact for any subset of the items when the patterns were kept; without them only the
        complete rows are known, which is exact for listwise deletion on all the moments' items,
        or for any subset and method when no row had a missing answer. Otherwise a
        SurveyDataError says how to compute the moments.

        Examples
        --------
        >>> import csi_model as cm
        >>> df = cm.simulate_survey("acsi", n=300, seed=1, missing_rate=0.05)
        >>> m = cm.survey_moments(df, ["SAT1", "SAT2", "SAT3"], patterns=True)
        >>> c = m.cells(["SAT1", "SAT2"])
        >>> sorted(int(v[0]) for v in c.values())
        [12, 12, 276]
        """
        items = [str(i) for i in items]
        absent = [i for i in items if i not in self.items]
        if absent:
            raise SurveyDataError(f"{self.source}: the moments have no items {absent}; compute "
                                  f"them with survey_moments(data, items=[...]) including them.")
        idx = np.array([self.items.index(i) for i in items], dtype=int)
        exact = (self.patterns is not None or self.n_dropped == 0
                 or (method == "listwise" and set(items) == set(self.items)))
        if not exact:
            extra = sorted(set(self.items) - set(items))
            why = (f"listwise deletion over the items {extra} too, which {func} does not use"
                   if method == "listwise" else
                   f"only the complete rows, and missing='{method}' needs the incomplete ones")
            raise SurveyDataError(
                f"{self.source}: these moments kept {why} ({self.n_dropped:,} of "
                f"{self.n_read:,} rows have a missing answer), so {func} cannot reproduce the "
                "fit from the rows. Compute them with survey_moments(..., patterns=True) (or "
                "with items= exactly the model's items for listwise deletion).")
        out: dict = {}
        for (group, mask_b), cell in self._cells.items():
            mask = np.frombuffer(mask_b, dtype=bool)
            sub = mask[idx]
            pos = np.cumsum(mask) - 1                 # position of an item among the answered
            keep = pos[idx[sub]]
            reduced = (cell[0], cell[1][keep], cell[2][np.ix_(keep, keep)])
            key = (group, sub.tobytes())
            out[key] = _chan(out[key], reduced) if key in out else reduced
        return out

    def listwise(self, items: Sequence[str], func: str = "this estimator") -> "SurveyMoments":
        """The listwise moments of ``items`` (the rows complete on them), exactly.

        Examples
        --------
        >>> import csi_model as cm
        >>> df = cm.simulate_survey("acsi", n=300, seed=1, missing_rate=0.05)
        >>> m = cm.survey_moments(df, ["SAT1", "SAT2", "SAT3"], patterns=True)
        >>> m.n, m.listwise(["SAT1", "SAT2"]).n
        (263, 276)
        """
        items = tuple(str(i) for i in items)
        if items == self.items:
            return self
        cells = self.cells(items, "listwise", func)
        return _build(items, cells, self.n_read, _pick(self.minimum, self, items),
                      _pick(self.maximum, self, items), self.partitions, self.source, self.by,
                      {g: m.n_read for g, m in self.groups.items()},
                      self.patterns is not None, self.n_unlabelled)

    def __repr__(self) -> str:
        extra = ""
        if self.by is not None:
            extra += f", by {self.by} ({len(self.groups)} groups)"
        if self.patterns is not None:
            extra += f", {len(self.patterns.counts)} missing-data pattern(s)"
        return (f"<SurveyMoments {len(self.items)} items: {self.n:,} of {self.n_read:,} rows "
                f"used, {self.partitions} partition(s), {self.source}{extra}>")


def _pick(values, m: SurveyMoments, items):
    if values is None:
        return None
    return np.array([values[m.items.index(i)] for i in items])


def survey_moments(data, items: Sequence[str], *, missing_codes: Sequence = (),
                   engine: str | None = None, by: str | None = None,
                   patterns: bool = False) -> SurveyMoments:
    """Counts, means and covariances of ``items`` over a survey of any size.

    Parameters
    ----------
    data : DataFrame, dask DataFrame, or str
        The survey; a string is a path or glob of Parquet (``.parquet``) or CSV files, read
        lazily with Dask.
    items : list of str
        The item columns.
    missing_codes : sequence
        Answer codes meaning "no answer" (e.g. ``[99]``), treated as missing.
    engine : {None, "pandas", "dask"}
        Force the engine; default: Dask for a dask DataFrame or a path, pandas otherwise.
    by : str, optional
        A grouping column (operator, wave): the moments of every group too
        (:attr:`SurveyMoments.groups`), for :func:`~csi_model.csi_index` by group.
    patterns : bool
        Keep the moments of every missing-data pattern (:attr:`SurveyMoments.patterns`):
        needed by ``fit_pls(..., missing="em" | "mean")`` and for listwise deletion on a subset
        of the items.

    Returns
    -------
    SurveyMoments

    Examples
    --------
    >>> import csi_model as cm
    >>> df = cm.simulate_survey("telecom", n=1000, seed=1)
    >>> m = cm.survey_moments(df, cm.load_model("telecom").observed)
    >>> m.n, m.cov.shape
    (1000, (24, 24))
    >>> import dask.dataframe as dd
    >>> m2 = cm.survey_moments(dd.from_pandas(df, npartitions=4), m.items)
    >>> m2.partitions, bool(abs(m2.cov - m.cov).max() < 1e-12)
    (4, True)
    """
    items = tuple(str(c) for c in items)
    if not items:
        raise SurveyDataError("survey_moments needs at least one item column.")
    codes = tuple(missing_codes or ())
    if engine not in (None, "pandas", "dask"):
        raise ValueError(f"The 'engine' parameter of survey_moments must be None, 'pandas' or "
                         f"'dask'. Got {engine!r} instead.")
    if by is not None and (not isinstance(by, str) or by in items):
        raise ValueError(f"The 'by' parameter of survey_moments must be the name of a column "
                         f"that is not an item. Got {by!r} instead.")
    if not isinstance(patterns, (bool, np.bool_)):
        raise ValueError(f"The 'patterns' parameter of survey_moments must be True or False. "
                         f"Got {patterns!r} instead.")
    cols = list(items) + ([by] if by is not None else [])
    if isinstance(data, pd.DataFrame) and engine != "dask":
        _check_columns(data.columns, cols, "the DataFrame")
        total = _partition_moments(data, items, codes, 0, by, bool(patterns))
        source, partitions = "<DataFrame>", 1
    else:
        import dask
        import dask.dataframe as dd

        source = data if isinstance(data, str) else "<dask DataFrame>"
        if isinstance(data, str):
            ddf = _read_lazy(data, cols)
        elif isinstance(data, pd.DataFrame):
            ddf = dd.from_pandas(data, npartitions=1)
        else:
            ddf = data
        _check_columns(ddf.columns, cols, source)
        parts = ddf[cols].to_delayed()
        stats = [dask.delayed(_partition_moments)(p, items, codes, k, by, bool(patterns))
                 for k, p in enumerate(parts)]
        while len(stats) > 1:       # a tree of pairwise merges: only small matrices move
            stats = [dask.delayed(_merge)(stats[i], stats[i + 1]) if i + 1 < len(stats)
                     else stats[i] for i in range(0, len(stats), 2)]
        (total,) = dask.compute(stats[0])
        partitions = len(parts)
    m = _build(items, total["cells"], total["n_read"], total["min"], total["max"], partitions,
               str(source), by, total["read_by"], bool(patterns), total["read_by"].get(None, 0))
    if not patterns and m.n < 2:
        raise SurveyDataError(f"{source}: {m.n} complete row(s) of {m.n_read} read; at least "
                              "two are needed for a covariance matrix (survey_moments(..., "
                              "patterns=True) keeps the incomplete rows for the EM).")
    return m


def _read_lazy(path: str, columns=None):
    """A lazy dask DataFrame of Parquet or CSV partitions (a path or glob)."""
    import dask.dataframe as dd
    if ".parquet" in path or not path.lower().endswith((".csv", ".txt", ".tsv")):
        return dd.read_parquet(path, columns=columns)
    return dd.read_csv(path, usecols=columns, sep="\t" if path.endswith(".tsv") else ",")


def read_partitions(source, *, items: Sequence[str] | None = None, missing_codes: Sequence = (),
                    scale=None):
    """A survey larger than memory, read lazily: ``read_survey(..., engine="dask")``.

    Parameters
    ----------
    source : str or dask DataFrame
        A path or glob of Parquet (``.parquet``) or CSV files, or a dask DataFrame.
    items : list of str, optional
        The item columns (default: every numeric column).
    missing_codes : sequence
        Codes meaning "no answer", set to NaN in the items.
    scale : (min, max), optional
        Answers outside it are an error (naming the partition, row and column) when the
        partitions are computed.

    Returns
    -------
    dask DataFrame
        The items as float (NaN for no answer) and the other columns unchanged; nothing is
        read until it is computed (e.g. by :func:`survey_moments`).

    Examples
    --------
    >>> import csi_model as cm, dask.dataframe as dd
    >>> df = cm.simulate_survey("acsi", n=300, seed=1, missing_rate=0.02, missing_codes=99)
    >>> ddf = cm.read_survey(dd.from_pandas(df, npartitions=3), engine="dask",
    ...                      items=["SAT1", "SAT2", "SAT3"], missing_codes=[99], scale=(1, 10))
    >>> m = cm.survey_moments(ddf, ["SAT1", "SAT2", "SAT3"], patterns=True)
    >>> m.partitions, m.maximum.tolist()
    (3, [10.0, 10.0, 10.0])
    """
    ddf = _read_lazy(source) if isinstance(source, str) else source
    if not hasattr(ddf, "map_partitions"):
        raise ValueError("read_survey(engine='dask') needs a path or glob of Parquet/CSV files "
                         f"or a dask DataFrame. Got {type(source).__name__} instead.")
    if items is None:
        items = [c for c, t in ddf.dtypes.items() if pd.api.types.is_numeric_dtype(t)]
    items = [str(i) for i in ([items] if isinstance(items, str) else items)]
    _check_columns(ddf.columns, items, source if isinstance(source, str) else "the DataFrame")
    if scale is not None:
        try:
            lo, hi = (float(v) for v in scale)
        except (TypeError, ValueError):
            raise ValueError(f"The 'scale' parameter of read_survey must be (min, max), e.g. "
                             f"(1, 10). Got {scale!r} instead.") from None
        scale = (lo, hi)
    meta = ddf._meta.copy()
    for c in items:
        meta[c] = meta[c].astype(float)
    return ddf.map_partitions(_clean_partition, items, tuple(missing_codes or ()), scale,
                              meta=meta)


def _clean_partition(frame: pd.DataFrame, items, codes, scale, partition_info=None):
    index = None if partition_info is None else partition_info.get("number")
    out = frame.copy()
    raw = frame[list(items)]
    x = raw.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(x) & raw.notna().to_numpy()
    where = f"Partition {index}" if index is not None else "A partition"
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise SurveyDataError(f"{where}, row {frame.index[r]!r}, column {items[c]!r}: "
                              f"{raw.iat[r, c]!r} is not a number.")
    for code in codes:
        x[x == float(code)] = np.nan
    if scale is not None:
        with np.errstate(invalid="ignore"):
            off = (x < scale[0]) | (x > scale[1])
        if off.any():
            r, c = np.argwhere(off)[0]
            raise SurveyDataError(f"{where}, row {frame.index[r]!r}, column {items[c]!r}: "
                                  f"{x[r, c]:g} is outside the scale {scale[0]:g}-"
                                  f"{scale[1]:g}; declare it as a missing code "
                                  "(missing_codes=[...]) or correct the scale.")
    for j, c in enumerate(items):
        out[c] = x[:, j]
    return out


def _check_columns(columns, items, source) -> None:
    absent = [c for c in items if c not in set(map(str, columns))]
    if absent:
        raise SurveyDataError(f"The items {absent} are not columns of {source} (its columns: "
                              f"{', '.join(map(str, columns))}).")


def _partition_moments(frame: pd.DataFrame, items, codes, index: int, by=None,
                       patterns: bool = False) -> dict:
    """The cells of one partition, its rows read (per group) and the items' min and max."""
    raw = frame[list(items)]
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
           for t in raw.dtypes):
        x = raw.to_numpy(dtype=float, na_value=np.nan)     # numbers already: no parsing
        bad = np.zeros(x.shape, dtype=bool)
    else:
        x = raw.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        bad = np.isnan(x) & raw.notna().to_numpy()
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise SurveyDataError(f"Partition {index}, row {frame.index[r]!r}, column {items[c]!r}: "
                              f"{raw.iat[r, c]!r} is not a number.")
    if np.isinf(x).any():
        r, c = np.argwhere(np.isinf(x))[0]
        raise SurveyDataError(f"Partition {index}, row {frame.index[r]!r}, column {items[c]!r}: "
                              f"the answer is {x[r, c]}; answers must be finite.")
    for code in codes:
        x[x == float(code)] = np.nan
    obs = ~np.isnan(x)
    n_rows, p = x.shape
    lo = np.where(obs, x, np.inf).min(axis=0, initial=np.inf)
    hi = np.where(obs, x, -np.inf).max(axis=0, initial=-np.inf)
    if by is None:
        gcode, names = np.zeros(n_rows, dtype=np.int64), [None]
    else:
        codes_g, uniques = pd.factorize(frame[by], use_na_sentinel=True)
        gcode = np.asarray(codes_g, dtype=np.int64) + 1          # 0: an empty label
        names = [None] + [str(u) for u in uniques]
    read_by = {names[g]: int(k) for g, k in enumerate(np.bincount(gcode, minlength=len(names)))
               if k}
    if patterns:
        pat = _pattern_ids(obs)
        cell = gcode * (int(pat.max()) + 1 if n_rows else 1) + pat
        use = None
    else:
        complete = obs.all(axis=1)
        use = None if complete.all() else np.flatnonzero(complete)
        cell = gcode if use is None else gcode[use]
    cells: dict = {}
    if cell.size and cell.min() == cell.max():           # one cell: no sorting, no copies
        rows = slice(None) if use is None else use
        first = 0 if use is None else use[0]
        mask = obs[first]
        xs = x[rows] if mask.all() else x[rows][:, mask]
        cells[(names[gcode[first]], mask.tobytes())] = _cell(xs)
    elif cell.size:
        order = np.argsort(cell, kind="stable")
        sorted_cell = cell[order]
        if use is not None:
            order = use[order]
        starts = np.r_[0, np.flatnonzero(np.diff(sorted_cell)) + 1]
        ends = np.r_[starts[1:], sorted_cell.size]
        for s, e in zip(starts, ends):
            rows = order[s:e]
            mask = obs[rows[0]]
            xs = x[rows][:, mask]
            cells[(names[gcode[rows[0]]], mask.tobytes())] = _cell(xs)
    return {"n_read": n_rows, "read_by": read_by, "cells": cells, "min": lo, "max": hi}


def _pattern_ids(obs: np.ndarray) -> np.ndarray:
    """A number per row identifying its missing-data pattern (equal iff the same pattern)."""
    n, p = obs.shape
    if p <= 63:
        weights = (np.int64(1) << np.arange(p, dtype=np.int64))
        key = obs.astype(np.int64) @ weights
        _, ids = np.unique(key, return_inverse=True)
    else:
        _, ids = np.unique(np.packbits(obs, axis=1), axis=0, return_inverse=True)
    return np.asarray(ids, dtype=np.int64).ravel()


def _cell(xs: np.ndarray):
    """(count, mean, centred cross-products) of the rows ``xs`` (two passes: exact)."""
    mean = xs.mean(axis=0) if xs.shape[1] else np.zeros(0)
    c = xs - mean
    return len(xs), mean, c.T @ c


def _chan(a, b):
    """Merge two (count, mean, centred cross-products) exactly (Chan, Golub & LeVeque)."""
    n_a, mean_a, m2_a = a
    n_b, mean_b, m2_b = b
    n = n_a + n_b
    delta = mean_b - mean_a
    mean = mean_a + delta * (n_b / n)
    return n, mean, m2_a + m2_b + np.outer(delta, delta) * (n_a * n_b / n)


def _merge(a: dict, b: dict) -> dict:
    cells = dict(a["cells"])
    for key, s in b["cells"].items():
        cells[key] = _chan(cells[key], s) if key in cells else s
    read_by = dict(a["read_by"])
    for g, k in b["read_by"].items():
        read_by[g] = read_by.get(g, 0) + k
    return {"n_read": a["n_read"] + b["n_read"], "read_by": read_by, "cells": cells,
            "min": np.fmin(a["min"], b["min"]), "max": np.fmax(a["max"], b["max"])}


def _sort_key(key):
    mask = np.frombuffer(key[1], dtype=bool)
    return (int((~mask).sum()), tuple(~mask))


def _pooled(cells: Mapping) -> dict:
    """The cells merged over groups: {mask bytes: (n, mean, m2)}, ordered by pattern."""
    out: dict = {}
    for key in sorted(cells, key=_sort_key):
        mask_b = key[1]
        out[mask_b] = _chan(out[mask_b], cells[key]) if mask_b in out else cells[key]
    return out


def _build(items, cells, n_read, lo, hi, partitions, source, by, read_by, patterns,
           n_unlabelled=0) -> SurveyMoments:
    items = tuple(items)
    p = len(items)
    full = np.ones(p, dtype=bool).tobytes()
    pooled = _pooled(cells)
    if full in pooled:
        n, mean, m2 = pooled[full]
        cov = m2 / n if n >= 2 else np.full((p, p), np.nan)
    else:
        n, mean, cov = 0, np.full(p, np.nan), np.full((p, p), np.nan)
    lo = None if lo is None else np.where(np.isfinite(lo), lo, np.nan)
    hi = None if hi is None else np.where(np.isfinite(hi), hi, np.nan)
    pm = None
    if patterns:
        masks = np.array([np.frombuffer(k, dtype=bool) for k in pooled]).reshape(-1, p)
        counts = np.array([v[0] for v in pooled.values()], dtype=float)
        means = np.full((len(pooled), p), np.nan)
        m2s = np.zeros((len(pooled), p, p))
        for k, (mask, v) in enumerate(zip(masks, pooled.values())):
            means[k, mask] = v[1]
            m2s[k][np.ix_(mask, mask)] = v[2]
        pm = PatternMoments(items, masks, counts, means, m2s)
    groups = {}
    if by is not None:
        for g in sorted(k for k in read_by if k is not None):
            gcells = {(None, m): v for (gg, m), v in cells.items() if gg == g}
            groups[g] = _build(items, gcells, read_by[g], None, None, partitions, source,
                               None, {}, patterns)
    return SurveyMoments(items=items, n=int(n), n_read=int(n_read), mean=mean, cov=cov,
                         partitions=partitions, source=str(source), minimum=lo, maximum=hi,
                         by=by, groups=groups, n_unlabelled=int(n_unlabelled), patterns=pm,
                         _cells=dict(cells))
