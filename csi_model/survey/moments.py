"""Survey moments partition by partition: surveys larger than memory, on one machine or a cluster.

Every estimator of csi_model works on moments (counts, means, cross-products), so a survey need
never be in memory at once. :func:`survey_moments` reduces a pandas DataFrame, a Dask DataFrame
or Parquet/CSV partitions (a path or glob, read with Dask) to a :class:`SurveyMoments`: each
partition gives its count, mean and centred cross-products, and partitions are merged pairwise
with the update of Chan, Golub & LeVeque (1979), which is exact and does not lose precision the
way raw sums of squares do. On a dask.distributed cluster (``Client(LocalCluster())`` or a real
cluster's address) the partitions are reduced where they are; only p x p matrices travel.

Listwise deletion (a row with a missing item is left out, and counted), missing codes turned
into missing values, and non-finite answers refused (naming the partition and row) are done per
partition, as :func:`~csi_model.read_survey` does in memory.

Chan, T. F., Golub, G. H., & LeVeque, R. J. (1979). Updating formulae and a pairwise algorithm
for computing sample variances. Stanford CS report STAN-CS-79-773.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..exceptions import SurveyDataError

__all__ = ["SurveyMoments", "survey_moments"]


@dataclass(frozen=True, eq=False)
class SurveyMoments:
    """Moments of the complete rows of a survey (listwise).

    Attributes
    ----------
    items : tuple of str
    n : int
        Rows used (complete on the items).
    n_read : int
        Rows read.
    mean : ndarray
    cov : ndarray
        Covariance with divisor ``n`` (lavaan's ML convention; ``cov_unbiased`` divides by
        ``n - 1``).
    partitions : int
    source : str

    Examples
    --------
    >>> import csi_model as cm
    >>> df = cm.simulate_survey("acsi", n=500, seed=1)
    >>> m = cm.survey_moments(df, ["SAT1", "SAT2", "SAT3"])
    >>> m
    <SurveyMoments 3 items: 500 of 500 rows used, 1 partition(s), <DataFrame>>
    >>> m.mean.round(3)
    array([6.894, 6.834, 6.992])
    >>> m.n, m.n_read
    (500, 500)
    """

    items: tuple[str, ...]
    n: int
    n_read: int
    mean: np.ndarray
    cov: np.ndarray
    partitions: int
    source: str

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

    def __repr__(self) -> str:
        return (f"<SurveyMoments {len(self.items)} items: {self.n:,} of {self.n_read:,} rows "
                f"used, {self.partitions} partition(s), {self.source}>")


def survey_moments(data, items: Sequence[str], *, missing_codes: Sequence = (),
                   engine: str | None = None) -> SurveyMoments:
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
    if isinstance(data, pd.DataFrame) and engine != "dask":
        _check_columns(data.columns, items, "the DataFrame")
        part = _partition_moments(data, items, codes, 0)
        return _finish([part], items, "<DataFrame>")
    import dask
    import dask.dataframe as dd

    source = data if isinstance(data, str) else "<dask DataFrame>"
    if isinstance(data, str):
        ddf = (dd.read_parquet(data, columns=list(items)) if ".parquet" in data or
               not data.lower().endswith((".csv", ".txt", ".tsv")) else
               dd.read_csv(data, usecols=list(items), sep="\t" if data.endswith(".tsv") else ","))
    elif isinstance(data, pd.DataFrame):
        ddf = dd.from_pandas(data, npartitions=1)
    else:
        ddf = data
    _check_columns(ddf.columns, items, source)
    parts = ddf[list(items)].to_delayed()
    stats = [dask.delayed(_partition_moments)(p, items, codes, k) for k, p in enumerate(parts)]
    while len(stats) > 1:       # a tree of pairwise merges: only p x p matrices move
        stats = [dask.delayed(_merge)(stats[i], stats[i + 1]) if i + 1 < len(stats)
                 else stats[i] for i in range(0, len(stats), 2)]
    (total,) = dask.compute(stats[0])
    return _finish([total], items, source, partitions=len(parts))


def _check_columns(columns, items, source) -> None:
    absent = [c for c in items if c not in set(map(str, columns))]
    if absent:
        raise SurveyDataError(f"The items {absent} are not columns of {source} (its columns: "
                              f"{', '.join(map(str, columns))}).")


def _partition_moments(frame: pd.DataFrame, items, codes, index: int):
    """(rows read, rows used, mean, centred cross-products) of one partition."""
    x = frame[list(items)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    raw = frame[list(items)]
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
    complete = x[~np.isnan(x).any(axis=1)]
    n = complete.shape[0]
    mean = complete.mean(axis=0) if n else np.zeros(len(items))
    centred = complete - mean
    return len(x), n, mean, centred.T @ centred


def _merge(a, b):
    read_a, n_a, mean_a, m2_a = a
    read_b, n_b, mean_b, m2_b = b
    n = n_a + n_b
    if n == 0:
        return read_a + read_b, 0, mean_a, m2_a
    delta = mean_b - mean_a
    mean = mean_a + delta * (n_b / n)
    m2 = m2_a + m2_b + np.outer(delta, delta) * (n_a * n_b / n)
    return read_a + read_b, n, mean, m2


def _finish(stats, items, source, partitions: int = 1) -> SurveyMoments:
    total = stats[0]
    for s in stats[1:]:
        total = _merge(total, s)
    n_read, n, mean, m2 = total
    if n < 2:
        raise SurveyDataError(f"{source}: {n} complete row(s) of {n_read} read; at least two are "
                              "needed for a covariance matrix.")
    return SurveyMoments(items=tuple(items), n=int(n), n_read=int(n_read), mean=mean,
                         cov=m2 / n, partitions=partitions, source=str(source))
