"""Nonparametric bootstrap of respondents, shared by every estimator.

:func:`bootstrap` resamples the rows (respondents) of a data set ``B`` times and
evaluates a statistic on each resample; :class:`BootstrapResult` holds the
replicates and gives standard errors and percentile, BCa and normal intervals
with lavaan's conventions.

The statistic is any function of an integer index array::

    def statistic(indices: np.ndarray) -> np.ndarray:   # 1-D, always the same length k
        return estimate_something(data[indices])

A failed resample is signalled by raising an exception or by returning a vector
with NaN entries; it is counted (:attr:`BootstrapResult.n_failed`) and kept as a
row of NaN in :attr:`BootstrapResult.replicates`, never silently dropped. A
statistic may also carry a batched form as an attribute ``batch`` (a callable
taking a list of index arrays and returning a ``(len(list), k)`` array): the
engine then calls it once per chunk of resamples, which lets an estimator
vectorise or warm-start across resamples.

Reproducibility: resample ``b`` draws its indices from its own generator,
``np.random.default_rng(np.random.SeedSequence(seed).spawn(B)[b])``, so the same
seed gives identical replicates whatever ``n_jobs``, ``backend`` or ``chunk_size``.

Conventions (lavaan 0.6, ``se = "bootstrap"``): the bootstrap standard error is
the standard deviation of the successful replicates with divisor B (not B - 1);
percentile intervals interpolate between order statistics on the normal scale
as R's ``boot`` package does (``norm.inter``), not as numpy's default quantile.
"""
from __future__ import annotations

import html
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from . import _distributions as stats  # scipy.special, not scipy.stats (import time)

__all__ = ["bootstrap", "BootstrapResult", "resample_indices", "percentile_interval"]

_BACKENDS = ("loky", "threading", "multiprocessing", "dask", "sequential")
_METHODS = ("percentile", "bca", "normal")


# ----------------------------------------------------------------------- resampling
def _strata_groups(strata, n_cases: int) -> list[np.ndarray] | None:
    if strata is None:
        return None
    labels = np.asarray(strata)
    if labels.ndim != 1 or labels.shape[0] != n_cases:
        raise ValueError(f"The 'strata' parameter of bootstrap must be a 1-D array of length "
                         f"n_cases={n_cases}. Got shape {labels.shape} instead.")
    if pd.isna(labels).any():
        raise ValueError("The 'strata' parameter of bootstrap contains missing labels; give "
                         "every respondent a group (or drop those rows first).")
    _, inverse = np.unique(labels, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    return [np.flatnonzero(inverse == g) for g in range(inverse.max() + 1)]


def _draw(seed_seq: np.random.SeedSequence, n_cases: int, groups) -> np.ndarray:
    rng = np.random.default_rng(seed_seq)
    if groups is None:
        return rng.integers(0, n_cases, size=n_cases)
    return np.concatenate([g[rng.integers(0, g.size, size=g.size)] for g in groups])


def _seed_sequence(seed) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError("The 'seed' parameter of bootstrap must be a non-negative integer "
                         f"(or a numpy SeedSequence). Got {seed!r} instead.")
    return np.random.SeedSequence(int(seed))


def resample_indices(n_cases: int, *, B: int, seed, strata=None,
                     which: Sequence[int] | None = None) -> list[np.ndarray]:
    """The index arrays of resamples ``which`` (default: all ``B``), as :func:`bootstrap` draws them.

    Examples
    --------
    >>> a = resample_indices(5, B=3, seed=1)
    >>> b = resample_indices(5, B=3, seed=1, which=[2])
    >>> bool(np.array_equal(a[2], b[0])), a[0].shape
    (True, (5,))
    """
    children = _seed_sequence(seed).spawn(B)
    groups = _strata_groups(strata, n_cases)
    which = range(B) if which is None else which
    return [_draw(children[b], n_cases, groups) for b in which]


# ----------------------------------------------------------------------- the engine
def _as_row(value, k: int | None) -> np.ndarray:
    row = np.asarray(value, dtype=float).ravel()
    if k is not None and row.shape[0] != k:
        raise ValueError(f"The statistic returned {row.shape[0]} values for a resample but "
                         f"{k} for the full sample; it must always return the same length.")
    return row


def _run_chunk(statistic, seeds: list, n_cases: int, groups, k: int, one_thread: bool):
    """Evaluate the statistic on the resamples of ``seeds``; returns (values, n_errors, message)."""
    from contextlib import nullcontext
    try:
        from ._threads import threadpool_limits
        ctx = threadpool_limits(limits=1, user_api="blas") if one_thread else nullcontext()
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        ctx = nullcontext()
    out = np.full((len(seeds), k), np.nan)
    first_error = None
    with ctx:
        idx = [_draw(s, n_cases, groups) for s in seeds]
        batch = getattr(statistic, "batch", None)
        if batch is not None:
            try:
                values = np.asarray(batch(idx), dtype=float)
                if values.shape != (len(idx), k):
                    raise ValueError(f"statistic.batch returned shape {values.shape}, expected "
                                     f"{(len(idx), k)}.")
                return values, first_error
            except Exception as exc:  # noqa: BLE001 - fall back to one resample at a time
                first_error = f"{type(exc).__name__}: {exc}"
        for i, ix in enumerate(idx):
            try:
                out[i] = _as_row(statistic(ix), k)
            except Exception as exc:  # noqa: BLE001 - a failed resample is counted, not fatal
                if first_error is None:
                    first_error = f"{type(exc).__name__}: {exc}"
    return out, first_error


def bootstrap(statistic: Callable[[np.ndarray], np.ndarray], n_cases: int, *, B: int = 1000,
              seed, n_jobs: int = 1, backend: str = "loky", progress: bool | None = None,
              strata=None, names=None, chunk_size: int | None = None) -> "BootstrapResult":
    """Nonparametric bootstrap of a statistic over ``n_cases`` respondents.

    Parameters
    ----------
    statistic : callable
        ``statistic(indices) -> 1-D array`` of fixed length k, evaluated on the rows
        ``indices`` (with repeats) of the data it closes over. It may raise, or return
        NaN entries, for a resample where it fails: such resamples are counted in
        ``n_failed`` and stored as NaN rows. If it has an attribute ``batch``
        (``batch(list_of_indices) -> (len, k) array``) the engine calls that once per
        chunk instead. With ``n_jobs != 1`` it must be picklable (closures are fine:
        joblib uses cloudpickle).
    n_cases : int
        Number of respondents; the full-sample estimate is ``statistic(np.arange(n_cases))``.
    B : int
        Number of resamples.
    seed : int or numpy.random.SeedSequence
        Required: resample b uses ``SeedSequence(seed).spawn(B)[b]``, so results do not
        depend on ``n_jobs``, ``backend`` or ``chunk_size``.
    n_jobs : int
        Worker processes (joblib; -1 = all cores). BLAS is pinned to one thread in each
        worker: on small SEM matrices several BLAS threads per process are much slower.
    backend : {"loky", "threading", "multiprocessing", "dask", "sequential"}
        joblib backend. ``"dask"`` runs the chunks on the current ``dask.distributed``
        Client (create one first, e.g. ``Client(LocalCluster())``).
    progress : bool, optional
        Show a tqdm progress bar. Default: only when stderr is a terminal and the run
        is expected to take more than about 10 s.
    strata : array-like, optional
        Group label per respondent; resampling is done within each group (the group
        sizes stay fixed), e.g. per operator or survey wave.
    names : sequence of str, optional
        Names of the k statistics (default ``"0", "1", ...``).
    chunk_size : int, optional
        Resamples per task (default: about four tasks per worker, at most 250).

    Returns
    -------
    BootstrapResult

    Notes
    -----
    In R: ``boot::boot(data, statistic, R = B, strata = strata)``.

    Examples
    --------
    >>> x = np.arange(20.0)
    >>> res = bootstrap(lambda i: np.array([x[i].mean()]), 20, B=200, seed=1, names=["mean"])
    >>> res.replicates.shape, res.n_failed
    ((200, 1), 0)
    >>> bool(abs(res.se[0] - x.std() / np.sqrt(20)) < 0.3)
    True
    """
    if not callable(statistic):
        raise TypeError(f"The 'statistic' parameter of bootstrap must be callable. "
                        f"Got {type(statistic).__name__} instead.")
    if isinstance(n_cases, bool) or not isinstance(n_cases, (int, np.integer)) or n_cases < 1:
        raise ValueError(f"The 'n_cases' parameter of bootstrap must be a positive integer. "
                         f"Got {n_cases!r} instead.")
    if isinstance(B, bool) or not isinstance(B, (int, np.integer)) or B < 1:
        raise ValueError(f"The 'B' parameter of bootstrap must be a positive integer. "
                         f"Got {B!r} instead.")
    if backend not in _BACKENDS:
        raise ValueError(f"The 'backend' parameter of bootstrap must be one of "
                         f"{{{', '.join(repr(b) for b in _BACKENDS)}}}. Got {backend!r} instead.")
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ValueError(f"The 'n_jobs' parameter of bootstrap must be a non-zero integer "
                         f"(-1 = all cores). Got {n_jobs!r} instead.")
    if chunk_size is not None and (not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1):
        raise ValueError(f"The 'chunk_size' parameter of bootstrap must be a positive integer. "
                         f"Got {chunk_size!r} instead.")
    n_cases, B = int(n_cases), int(B)
    root = _seed_sequence(seed)
    groups = _strata_groups(strata, n_cases)

    t0 = time.perf_counter()
    estimate = _as_row(statistic(np.arange(n_cases)), None)
    cost = time.perf_counter() - t0
    k = estimate.shape[0]
    if names is None:
        names = [str(i) for i in range(k)]
    names = [str(n) for n in names]
    if len(names) != k:
        raise ValueError(f"The 'names' parameter of bootstrap has {len(names)} names for a "
                         f"statistic of length {k}.")

    workers = n_jobs if n_jobs > 0 else max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    if backend == "sequential":
        workers = 1
    if chunk_size is None:
        chunk_size = max(1, min(250, math.ceil(B / (4 * workers))))
    children = root.spawn(B)
    bounds = [(s, min(B, s + chunk_size)) for s in range(0, B, chunk_size)]
    show = progress
    if show is None:
        show = bool(getattr(sys.stderr, "isatty", lambda: False)()) and cost * B / workers > 10
    bar = None
    if show:
        from tqdm.auto import tqdm
        bar = tqdm(total=B, desc="bootstrap", unit="resample", file=sys.stderr)

    replicates = np.full((B, k), np.nan)
    messages: list[str] = []

    def collect(bound, result):
        values, msg = result
        replicates[bound[0]:bound[1]] = values
        if msg:
            messages.append(msg)
        if bar is not None:
            bar.update(bound[1] - bound[0])

    try:
        if workers == 1 and backend in ("loky", "multiprocessing", "sequential"):
            # BLAS pinned to one thread once for all chunks (threadpoolctl's look-up of the
            # loaded libraries costs ~10 ms a time)
            from ._threads import threadpool_limits
            with threadpool_limits(limits=1, user_api="blas"):
                for bd in bounds:
                    collect(bd, _run_chunk(statistic, children[bd[0]:bd[1]], n_cases, groups, k,
                                           False))
        else:
            import joblib
            tasks = (joblib.delayed(_run_chunk)(statistic, children[bd[0]:bd[1]], n_cases, groups,
                                                k, True) for bd in bounds)
            if backend == "dask":
                _require_dask_client()
            with joblib.parallel_config(backend=backend, n_jobs=workers):
                runner = joblib.Parallel(return_as="generator")
                for bd, res in zip(bounds, runner(tasks)):
                    collect(bd, res)
    finally:
        if bar is not None:
            bar.close()

    failed = ~np.all(np.isfinite(replicates), axis=1)
    replicates[failed] = np.nan
    replicates.setflags(write=False)
    estimate.setflags(write=False)
    return BootstrapResult(estimate=estimate, replicates=replicates, n_failed=int(failed.sum()),
                           names=tuple(names), seed=root.entropy, n_cases=n_cases,
                           strata=None if strata is None else np.asarray(strata),
                           failure_message=messages[0] if messages else None,
                           _statistic=statistic)


@dataclass(frozen=True)
class _Composed:
    """``func(statistic(indices))`` (picklable, for BCa of a transformed bootstrap)."""

    statistic: Any
    func: Any

    def __call__(self, indices):
        return self.func(np.asarray(self.statistic(indices), dtype=float))


def _require_dask_client() -> None:
    try:
        from distributed import get_client
    except ImportError as exc:
        raise ImportError("backend='dask' needs dask.distributed: pip install 'dask[distributed]'."
                          ) from exc
    try:
        get_client()
    except ValueError as exc:
        raise ValueError("backend='dask' runs on the current dask.distributed Client, and there "
                         "is none: create one first, e.g. 'from distributed import Client, "
                         "LocalCluster; client = Client(LocalCluster())'.") from exc


# ----------------------------------------------------------------------- intervals
def percentile_interval(t: np.ndarray, alpha) -> np.ndarray:
    """Quantiles of the replicates ``t`` at probabilities ``alpha`` as R's ``boot`` (``norm.inter``).

    Order statistic ``(R + 1) * alpha``, interpolated on the normal-quantile scale between
    neighbours; this is what lavaan's ``parameterEstimates(boot.ci.type = "perc")`` uses.
    Non-finite replicates are ignored.

    Examples
    --------
    >>> float(percentile_interval(np.arange(1.0, 100.0), [0.5])[0])
    50.0
    """
    t = np.asarray(t, dtype=float)
    t = np.sort(t[np.isfinite(t)])
    alpha = np.atleast_1d(np.asarray(alpha, dtype=float))
    R = t.size
    if R == 0:
        return np.full(alpha.shape, np.nan)
    rk = (R + 1) * alpha
    k = np.trunc(rk).astype(int)
    out = np.empty(alpha.shape)
    for i, (ki, rki, a) in enumerate(zip(k, rk, alpha)):
        if ki <= 0:
            out[i] = t[0]
        elif ki >= R:
            out[i] = t[-1]
        elif ki == rki:
            out[i] = t[ki - 1]
        else:
            lo, hi = stats.norm.ppf(ki / (R + 1)), stats.norm.ppf((ki + 1) / (R + 1))
            tk, tk1 = t[ki - 1], t[ki]
            out[i] = tk + (stats.norm.ppf(a) - lo) / (hi - lo) * (tk1 - tk)
    return out


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Replicates of a bootstrap and what is computed from them.

    Attributes
    ----------
    estimate : ndarray (k,)
        The statistic on the full sample.
    replicates : ndarray (B, k)
        One row per resample; failed resamples are rows of NaN.
    n_failed : int
        Resamples where the statistic raised or returned NaN (excluded from SEs and intervals).
    names : tuple of str
        Names of the k statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from csi_model.bootstrap import bootstrap
    >>> x = np.random.default_rng(0).normal(5, 2, size=40)
    >>> bt = bootstrap(lambda i: np.array([x[i].mean(), x[i].std()]), 40, B=200, seed=1,
    ...                names=["mean", "sd"])
    >>> bt
    <BootstrapResult: 2 statistics, B=200, n_failed=0>
    >>> bt.se.round(3)
    array([0.254, 0.202])

    A CB-SEM fit with ``bootstrap=B`` keeps its own as ``result.bootstrap``:

    >>> import csi_model as cm
    >>> res = cm.fit("acsi", cm.simulate_survey("acsi", n=200, seed=1), bootstrap=50, seed=1)
    >>> res.bootstrap.summary_line()
    '50 resamples, 50 used'
    """

    estimate: np.ndarray
    replicates: np.ndarray = field(repr=False)
    n_failed: int
    names: tuple[str, ...]
    seed: Any = None
    n_cases: int = 0
    strata: np.ndarray | None = field(default=None, repr=False)
    failure_message: str | None = None
    info: dict = field(default_factory=dict, repr=False)
    _statistic: Any = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ basics
    @property
    def B(self) -> int:
        """Number of resamples drawn (including failed ones)."""
        return int(self.replicates.shape[0])

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of the successful resamples."""
        return np.all(np.isfinite(self.replicates), axis=1)

    @property
    def se(self) -> np.ndarray:
        """Bootstrap standard errors: SD of the successful replicates with divisor B (lavaan)."""
        good = self.replicates[self.ok]
        if good.shape[0] == 0:
            return np.full(self.estimate.shape, np.nan)
        return good.std(axis=0, ddof=0)

    @property
    def bias(self) -> np.ndarray:
        """Mean of the successful replicates minus the full-sample estimate."""
        good = self.replicates[self.ok]
        if good.shape[0] == 0:
            return np.full(self.estimate.shape, np.nan)
        return good.mean(axis=0) - self.estimate

    def cov(self) -> np.ndarray:
        """Covariance matrix of the successful replicates (divisor B, as lavaan).

        Examples
        --------
        >>> import numpy as np
        >>> from csi_model.bootstrap import bootstrap
        >>> x = np.random.default_rng(0).normal(5, 2, size=40)
        >>> bt = bootstrap(lambda i: np.array([x[i].mean(), x[i].std()]), 40, B=200, seed=1,
        ...                names=["mean", "sd"])
        >>> bt.cov().round(4)
        array([[ 0.0648, -0.0036],
               [-0.0036,  0.0407]])
        """
        good = self.replicates[self.ok]
        return np.cov(good, rowvar=False, ddof=0).reshape(self.estimate.size, self.estimate.size)

    # ------------------------------------------------------------------ intervals
    def ci(self, level: float = 0.95, method: str = "percentile") -> pd.DataFrame:
        """Confidence intervals, one row per statistic: ``ci.lower``, ``ci.upper``.

        Parameters
        ----------
        level : float
            Confidence level.
        method : {"percentile", "bca", "normal"}
            ``"percentile"``: lavaan's ``boot.ci.type = "perc"`` (R boot's interpolation).
            ``"bca"``: bias-corrected and accelerated (Efron 1987), as ``boot.ci(type = "bca")``;
            the acceleration comes from a jackknife, i.e. the statistic evaluated on
            ``n_cases`` leave-one-out samples (computed once, on first use; for more than
            1000 respondents a grouped jackknife over 1000 blocks is used instead, so the
            extra cost is at most 1000 evaluations of the statistic).
            ``"normal"``: bias-corrected normal interval, ``est - bias +- z * se`` (lavaan's "norm").

        Examples
        --------
        >>> import numpy as np
        >>> from csi_model.bootstrap import bootstrap
        >>> x = np.random.default_rng(0).normal(5, 2, size=40)
        >>> bt = bootstrap(lambda i: np.array([x[i].mean(), x[i].std()]), 40, B=200, seed=1,
        ...                names=["mean", "sd"])
        >>> bt.ci().round(3)
              ci.lower  ci.upper
        mean     4.339     5.350
        sd       1.115     1.917
        >>> bt.ci(method="bca").round(3)
              ci.lower  ci.upper
        mean     4.358     5.416
        sd       1.254     2.019
        """
        if not 0 < level < 1:
            raise ValueError(f"The 'level' parameter of ci must be in (0, 1). Got {level!r} instead.")
        if method not in _METHODS:
            raise ValueError(f"The 'method' parameter of ci must be one of "
                             f"{{{', '.join(repr(m) for m in _METHODS)}}}. Got {method!r} instead.")
        alpha = np.array([(1 - level) / 2, (1 + level) / 2])
        good = self.replicates[self.ok]
        k = self.estimate.size
        lo, hi = np.full(k, np.nan), np.full(k, np.nan)
        if method == "normal":
            z = stats.norm.ppf(alpha[1])
            centre = self.estimate - self.bias
            lo, hi = centre - z * self.se, centre + z * self.se
        elif method == "percentile":
            for j in range(k):
                lo[j], hi[j] = percentile_interval(good[:, j], alpha)
        else:
            accel = self.acceleration()
            zalpha = stats.norm.ppf(alpha)
            for j in range(k):
                t = good[:, j]
                if t.size == 0 or np.all(t == t[0]):
                    lo[j] = hi[j] = self.estimate[j]
                    continue
                prop = np.mean(t < self.estimate[j])
                if prop in (0.0, 1.0):
                    continue     # the estimate lies outside the replicates: BCa undefined
                z0 = stats.norm.ppf(prop)
                a = accel[j] if np.isfinite(accel[j]) else 0.0
                adj = stats.norm.cdf(z0 + (z0 + zalpha) / (1 - a * (z0 + zalpha)))
                lo[j], hi[j] = percentile_interval(t, adj)
        return pd.DataFrame({"ci.lower": lo, "ci.upper": hi}, index=pd.Index(self.names))

    def acceleration(self) -> np.ndarray:
        """The BCa acceleration of each statistic from a (grouped) jackknife; cached.

        Examples
        --------
        >>> import numpy as np
        >>> from csi_model.bootstrap import bootstrap
        >>> x = np.random.default_rng(0).normal(5, 2, size=40)
        >>> bt = bootstrap(lambda i: np.array([x[i].mean(), x[i].std()]), 40, B=200, seed=1,
        ...                names=["mean", "sd"])
        >>> bt.acceleration().round(4)
        array([-0.0058,  0.0828])
        """
        if "acceleration" in self._cache:
            return self._cache["acceleration"]
        if self._statistic is None:
            raise ValueError("BCa intervals need the statistic for the jackknife, and this "
                             "result has none; use method='percentile'.")
        n = self.n_cases
        blocks = np.array_split(np.arange(n), min(n, 1000))
        full = np.arange(n)
        rows = []
        for blk in blocks:
            keep = np.setdiff1d(full, blk, assume_unique=True) if blk.size > 1 else \
                np.delete(full, blk[0])
            try:
                rows.append(_as_row(self._statistic(keep), self.estimate.size))
            except Exception:  # noqa: BLE001 - a failed jackknife sample is skipped
                rows.append(np.full(self.estimate.size, np.nan))
        jack = np.array(rows)
        jack = jack[np.all(np.isfinite(jack), axis=1)]
        L = jack.mean(axis=0) - jack
        with np.errstate(invalid="ignore", divide="ignore"):
            a = np.sum(L ** 3, axis=0) / (6 * np.sum(L ** 2, axis=0) ** 1.5)
        a = np.where(np.isfinite(a), a, 0.0)
        self._cache["acceleration"] = a
        return a

    def transform(self, func: Callable[[np.ndarray], np.ndarray], names=None) -> "BootstrapResult":
        """The bootstrap of ``func(statistic)``, computed from the stored replicates.

        ``func`` maps the statistic's vector to another 1-D vector (e.g. SEM parameters to
        indirect effects). Failed resamples stay failed; BCa intervals of the result
        evaluate ``func(statistic(...))`` on the jackknife samples.

        Examples
        --------
        >>> import numpy as np
        >>> from csi_model.bootstrap import bootstrap
        >>> x = np.random.default_rng(0).normal(5, 2, size=40)
        >>> bt = bootstrap(lambda i: np.array([x[i].mean(), x[i].std()]), 40, B=200, seed=1,
        ...                names=["mean", "sd"])
        >>> cv = bt.transform(lambda v: v[1:] / v[:1], names=["cv"])    # coefficient of variation
        >>> cv.to_frame().round(3)
              est     se   bias  ci.lower  ci.upper
        cv  0.323  0.046 -0.005     0.221     0.417
        """
        estimate = _as_row(func(np.asarray(self.estimate)), None)
        k = estimate.size
        reps = np.full((self.B, k), np.nan)
        ok = self.ok
        for b in np.flatnonzero(ok):
            try:
                reps[b] = _as_row(func(self.replicates[b]), k)
            except Exception:  # noqa: BLE001 - counted as failed below
                pass
        failed = ~np.all(np.isfinite(reps), axis=1)
        reps[failed] = np.nan
        reps.setflags(write=False)
        estimate.setflags(write=False)
        stat = self._statistic
        composed = None if stat is None else _Composed(stat, func)
        names = [str(i) for i in range(k)] if names is None else [str(n) for n in names]
        if len(names) != k:
            raise ValueError(f"transform: {len(names)} names for {k} values.")
        return BootstrapResult(estimate=estimate, replicates=reps, n_failed=int(failed.sum()),
                               names=tuple(names), seed=self.seed, n_cases=self.n_cases,
                               strata=self.strata, failure_message=self.failure_message,
                               info=dict(self.info), _statistic=composed)

    # ------------------------------------------------------------------ tables
    def to_frame(self, level: float = 0.95, method: str = "percentile") -> pd.DataFrame:
        """``est, se, bias, ci.lower, ci.upper`` per statistic (index: names).

        Examples
        --------
        >>> import numpy as np
        >>> from csi_model.bootstrap import bootstrap
        >>> x = np.random.default_rng(0).normal(5, 2, size=40)
        >>> bt = bootstrap(lambda i: np.array([x[i].mean(), x[i].std()]), 40, B=200, seed=1,
        ...                names=["mean", "sd"])
        >>> bt.to_frame().round(3)
                est     se   bias  ci.lower  ci.upper
        mean  4.879  0.254 -0.018     4.339     5.350
        sd    1.574  0.202 -0.037     1.115     1.917
        """
        ci = self.ci(level, method)
        out = pd.DataFrame({"est": self.estimate, "se": self.se, "bias": self.bias},
                           index=pd.Index(self.names))
        return out.join(ci)

    def summary_line(self) -> str:
        """One line for summaries: resamples drawn, used and failed (with the first error).

        Examples
        --------
        >>> import numpy as np
        >>> from csi_model.bootstrap import bootstrap
        >>> x = np.random.default_rng(0).normal(5, 2, size=40)
        >>> bt = bootstrap(lambda i: np.array([x[i].mean(), x[i].std()]), 40, B=200, seed=1,
        ...                names=["mean", "sd"])
        >>> bt.summary_line()
        '200 resamples, 200 used'
        """
        line = f"{self.B} resamples, {self.B - self.n_failed} used"
        if self.n_failed:
            line += f", {self.n_failed} failed"
            if self.failure_message:
                line += f" (first error: {self.failure_message})"
        return line

    def __repr__(self) -> str:
        return (f"<BootstrapResult: {len(self.names)} statistics, B={self.B}, "
                f"n_failed={self.n_failed}>")

    def _repr_html_(self) -> str:
        head = f"<p><b>Bootstrap</b>: {html.escape(self.summary_line())}; 95% percentile intervals</p>"
        return head + self.to_frame().to_html(float_format=lambda v: f"{v:.4f}")
