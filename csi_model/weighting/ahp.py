"""The analytic hierarchy process (AHP): weights from pairwise-comparison matrices.

For a positive reciprocal matrix ``A`` (``a_ij`` = how many times more important i is
than j on Saaty's 1-9 scale, ``a_ji = 1 / a_ij``, ``a_ii = 1``), the weights are the
principal right eigenvector of ``A`` normalized to sum 1, and the consistency of the
judgements is measured by (Saaty 1980, *The Analytic Hierarchy Process*, McGraw-Hill;
Saaty 1990, *European Journal of Operational Research* 48, 9-26)::

    CI = (lambda_max - n) / (n - 1),     CR = CI / RI(n)

with ``RI(n)`` Saaty's random index, the mean CI of random reciprocal matrices
(:data:`SAATY_RI`, n = 1..10: 0, 0, .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49).
``CR <= 0.10`` is Saaty's threshold for acceptable consistency; n <= 2 is always
consistent (CR = 0). Saaty's table stops at 10, so for n > 10 ``cr`` is NaN (with a
warning); split such a level into sub-criteria (Saaty recommends 7 +/- 2 elements).

Several experts' matrices are aggregated element by element with the geometric mean
(the aggregation of individual judgements, AIJ: Aczél & Saaty 1983, *Journal of
Mathematical Psychology* 27, 93-102; Forman & Peniwati 1998, *EJOR* 108, 165-169), which
keeps the matrix reciprocal; the weights and CR are those of the aggregated matrix, and
each expert's own CR is reported too.

In R: ``ahpsurvey::ahp.indpref(..., method = "eigen")`` and ``ahp.cr``.
"""
from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ..exceptions import CSIModelError, CSIModelWarning

__all__ = ["ahp", "AHPResult", "SAATY_RI", "AHPInputError", "InconsistentJudgementWarning"]

#: Saaty's random index RI(n), n = 1..10, as tabulated by Saaty (1980; 1990).
SAATY_RI = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
            10: 1.49}


class AHPInputError(CSIModelError, ValueError):
    """A pairwise-comparison matrix that is not square, positive or reciprocal.

    Examples
    --------
    >>> try:
    ...     ahp([[1, 3], [3, 1]])
    ... except AHPInputError as exc:
    ...     print(exc)
    Matrix 1: a[1, 2] = 3 and a[2, 1] = 3 are not reciprocal (their product is 9, not 1). Enter a[2, 1] = 1/a[1, 2] = 0.3333, or correct a[1, 2].
    """


class InconsistentJudgementWarning(CSIModelWarning):
    """CR above 0.10, or a CR that cannot be computed (n > 10).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = ahp([[1, 9, 1/9], [1/9, 1, 9], [9, 1/9, 1]])
    >>> round(res.cr, 2), [w.category.__name__ for w in caught]
    (6.13, ['InconsistentJudgementWarning'])
    """


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Result of :func:`ahp`.

    Attributes
    ----------
    weights : pandas.Series
        The priority (eigenvector) weights, summing to 1, indexed by the labels.
    lambda_max : float
        The principal eigenvalue.
    ci, ri, cr : float
        Consistency index, Saaty's random index for n, consistency ratio (NaN for n > 10).
    matrix : pandas.DataFrame
        The matrix the weights come from (the geometric mean for several experts).
    n_experts : int
    expert_cr : tuple of float
        Each expert's CR (one value for a single matrix).
    warnings : tuple of str

    Examples
    --------
    >>> res = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], labels=["net", "bill", "hall"])
    >>> res.weights.round(4)
    net     0.6370
    bill    0.2583
    hall    0.1047
    Name: weight, dtype: float64
    >>> round(res.cr, 4), res.consistent
    (0.0332, True)
    """

    weights: pd.Series
    lambda_max: float
    ci: float
    ri: float
    cr: float
    matrix: pd.DataFrame = field(repr=False)
    n_experts: int = 1
    expert_cr: tuple[float, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def consistent(self) -> bool:
        """CR <= 0.10 (Saaty's threshold)."""
        return bool(self.cr <= 0.10)

    def table(self) -> pd.DataFrame:
        """The matrix with a ``weight`` column (unrounded).

        Examples
        --------
        >>> res = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], labels=["net", "bill", "hall"])
        >>> res.table().round(4)
                 net    bill  hall  weight
        net   1.0000  3.0000   5.0  0.6370
        bill  0.3333  1.0000   3.0  0.2583
        hall  0.2000  0.3333   1.0  0.1047
        """
        return self.matrix.assign(weight=self.weights)

    def summary(self) -> str:
        """One paragraph for the methods section: the weights and the consistency ratio.

        Examples
        --------
        >>> res = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], labels=["net", "bill", "hall"])
        >>> print(res.summary())
        AHP: 3 elements, 1 expert(s)
        lambda_max = 3.0385, CI = 0.0193, RI = 0.58, CR = 0.0332 (acceptable)
          net: 0.6370
          bill: 0.2583
          hall: 0.1047
        """
        lines = [f"AHP: {self.n} elements, {self.n_experts} expert(s)"
                 + (" (geometric mean of the judgements)" if self.n_experts > 1 else ""),
                 f"lambda_max = {self.lambda_max:.4f}, CI = {self.ci:.4f}, RI = {self.ri:.2f}, "
                 f"CR = {self.cr:.4f}" + ("" if math.isnan(self.cr) else
                                          " (acceptable)" if self.consistent else
                                          " (above 0.10: revise the judgements)")]
        lines += [f"  {k}: {v:.4f}" for k, v in self.weights.items()]
        lines += [f"! {w}" for w in self.warnings]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<AHPResult: {self.n} elements, CR = {self.cr:.4f}; weights "
                + ", ".join(f"{k} {v:.3f}" for k, v in self.weights.items()) + ">")

    def _repr_html_(self) -> str:
        return (f"<pre>{html.escape(self.summary())}</pre>"
                + self.table().to_html(float_format=lambda x: f"{x:.4f}"))

    def to_dict(self) -> dict:
        """JSON-ready dict of the weights, consistency figures and the judgements.

        Examples
        --------
        >>> res = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], labels=["net", "bill", "hall"])
        >>> d = res.to_dict()
        >>> sorted(d)
        ['ci', 'cr', 'expert_cr', 'lambda_max', 'n_experts', 'ri', 'warnings', 'weights']
        """
        return {"weights": {str(k): float(v) for k, v in self.weights.items()},
                "lambda_max": self.lambda_max, "ci": self.ci, "ri": self.ri,
                "cr": None if math.isnan(self.cr) else self.cr, "n_experts": self.n_experts,
                "expert_cr": [None if math.isnan(c) else c for c in self.expert_cr],
                "warnings": list(self.warnings)}


def ahp(matrices, labels: Sequence[str] | None = None, *, tol: float = 0.02) -> AHPResult:
    """AHP weights and consistency ratio of one or several pairwise-comparison matrices.

    Parameters
    ----------
    matrices : array-like, DataFrame, or a list of them
        One n x n positive reciprocal matrix (nested lists, numpy array or DataFrame whose
        index and columns are the labels), or a list of such matrices, one per expert
        (aggregated by the element-wise geometric mean).
    labels : list of str, optional
        The element names (default: the DataFrame's labels, else ``"1", "2", ...``).
    tol : float
        Allowed rounding in the reciprocals: ``|a_ij * a_ji - 1| <= tol`` (0.02 accepts
        0.33 for 1/3). Within it the matrix is made exactly reciprocal with
        ``sqrt(a_ij / a_ji)`` before the eigenvector is computed.

    Returns
    -------
    AHPResult

    Raises
    ------
    AHPInputError
        A matrix that is not square, has a non-positive or non-finite entry, a diagonal
        entry other than 1, or a pair ``a_ij, a_ji`` that are not reciprocal (named by its
        labels, expert and values); experts' matrices of different sizes.

    Warns
    -----
    InconsistentJudgementWarning
        CR above 0.10, or n > 10 (no random index).

    Examples
    --------
    >>> res = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]], labels=["net", "bill", "hall"])
    >>> res.weights.round(4).to_dict()
    {'net': 0.637, 'bill': 0.2583, 'hall': 0.1047}
    >>> round(res.cr, 4)
    0.0332
    >>> ahp([[1, 3], [3, 1]])
    Traceback (most recent call last):
    ...
    csi_model.weighting.ahp.AHPInputError: Matrix 1: a[1, 2] = 3 and a[2, 1] = 3 are not reciprocal (their product is 9, not 1). Enter a[2, 1] = 1/a[1, 2] = 0.3333, or correct a[1, 2].
    """
    mats, labels = _as_matrices(matrices, labels)
    n = mats[0].shape[0]
    notes: list[str] = []
    fixed = []
    for e, a in enumerate(mats):
        fixed.append(_check(a, labels, e, len(mats), tol, notes))
    if len(fixed) == 1:
        agg = fixed[0]
    else:
        agg = np.exp(np.mean([np.log(a) for a in fixed], axis=0))
    w, lam = _principal(agg)
    ri = SAATY_RI.get(n, math.nan)
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    cr = _cr(ci, n)
    expert_cr = tuple(_cr((_principal(a)[1] - n) / (n - 1), n) if n > 1 else 0.0 for a in fixed)
    consistency = []
    if n > 10:
        consistency.append(f"Saaty's random index is tabulated for n <= 10; with {n} elements "
                           "the CR cannot be computed. Split the level into groups of at most 9 "
                           "(7 +/- 2).")
    elif cr > 0.10:
        consistency.append(f"CR = {cr:.4f} is above 0.10: the judgements are not consistent "
                           "enough (Saaty); revise the most inconsistent comparisons.")
    for msg in consistency:
        warnings.warn(msg, InconsistentJudgementWarning, stacklevel=2)
    notes += consistency
    return AHPResult(weights=pd.Series(w, index=labels, name="weight"), lambda_max=float(lam),
                     ci=float(ci), ri=float(ri), cr=float(cr),
                     matrix=pd.DataFrame(agg, index=labels, columns=labels),
                     n_experts=len(fixed), expert_cr=expert_cr, warnings=tuple(notes))


def _cr(ci: float, n: int) -> float:
    if n <= 2:
        return 0.0
    ri = SAATY_RI.get(n)
    return math.nan if ri is None else float(ci / ri)


def _principal(a: np.ndarray) -> tuple[np.ndarray, float]:
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)          # Perron vector: one sign, real for a positive matrix
    return v / v.sum(), float(vals[k].real)


def _as_matrices(matrices, labels) -> tuple[list[np.ndarray], list[str]]:
    if isinstance(matrices, pd.DataFrame):
        items = [matrices]
    elif isinstance(matrices, (list, tuple)) and matrices and all(
            isinstance(m, pd.DataFrame) or np.ndim(m) == 2 for m in matrices) \
            and not all(np.ndim(m) == 1 for m in matrices):
        items = list(matrices)
    else:
        try:
            arr = np.asarray(matrices, dtype=float)
        except (TypeError, ValueError):
            raise AHPInputError("The 'matrices' argument of ahp must be a square matrix of "
                                "positive numbers (nested lists, array or DataFrame) or a list "
                                f"of such matrices. Got {type(matrices).__name__}.") from None
        if arr.ndim == 3:
            items = list(arr)
        elif arr.ndim == 2:
            items = [arr]
        else:
            raise AHPInputError("The 'matrices' argument of ahp must be a square matrix or a "
                                f"list of square matrices. Got an array of shape {arr.shape}.")
    frame_labels = next((list(map(str, m.columns)) for m in items
                         if isinstance(m, pd.DataFrame)), None)
    mats = []
    for e, m in enumerate(items):
        if isinstance(m, pd.DataFrame):
            if list(map(str, m.index)) != list(map(str, m.columns)):
                raise AHPInputError(f"Matrix {e + 1}: its row labels {list(m.index)} and column "
                                    f"labels {list(m.columns)} differ; use the same order.")
            if frame_labels is not None and list(map(str, m.columns)) != frame_labels:
                raise AHPInputError(f"Matrix {e + 1}: its labels {list(m.columns)} differ from "
                                    f"those of the first labelled matrix {frame_labels}.")
        try:
            a = np.asarray(m, dtype=float)
        except (TypeError, ValueError):
            raise AHPInputError(f"Matrix {e + 1} has entries that are not numbers.") from None
        if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
            raise AHPInputError(f"Matrix {e + 1} must be square (n x n); got shape {a.shape}.")
        mats.append(a)
    sizes = {a.shape[0] for a in mats}
    if len(sizes) > 1:
        raise AHPInputError("The experts' matrices must all have the same size; got sizes "
                            f"{[a.shape[0] for a in mats]}.")
    n = mats[0].shape[0]
    if labels is None:
        labels = frame_labels or [str(i + 1) for i in range(n)]
    labels = [str(x) for x in labels]
    if len(labels) != n or len(set(labels)) != n:
        raise AHPInputError(f"The 'labels' argument of ahp must name the {n} elements once "
                            f"each. Got {labels}.")
    return mats, labels


def _check(a: np.ndarray, labels: list[str], e: int, n_experts: int, tol: float,
           notes: list[str]) -> np.ndarray:
    who = f"Matrix {e + 1}" + (f" (expert {e + 1} of {n_experts})" if n_experts > 1 else "")
    name = (lambda i: labels[i]) if not all(x == str(k + 1) for k, x in enumerate(labels)) \
        else (lambda i: str(i + 1))
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        i, j = np.argwhere(~np.isfinite(a) | (a <= 0))[0]
        raise AHPInputError(f"{who}: a[{name(i)}, {name(j)}] = {a[i, j]:g}; every entry must be "
                            "a positive number (Saaty's scale 1/9 ... 9).")
    diag = np.diag(a)
    if np.any(np.abs(diag - 1) > tol):
        i = int(np.argmax(np.abs(diag - 1)))
        raise AHPInputError(f"{who}: the diagonal entry a[{name(i)}, {name(i)}] = {diag[i]:g}; "
                            "an element compared with itself is 1.")
    prod = a * a.T
    bad = np.argwhere(np.abs(prod - 1) > tol)
    bad = bad[bad[:, 0] < bad[:, 1]]
    if len(bad):
        i, j = bad[0]
        raise AHPInputError(
            f"{who}: a[{name(i)}, {name(j)}] = {a[i, j]:g} and a[{name(j)}, {name(i)}] = "
            f"{a[j, i]:g} are not reciprocal (their product is {prod[i, j]:g}, not 1). Enter "
            f"a[{name(j)}, {name(i)}] = 1/a[{name(i)}, {name(j)}] = {1 / a[i, j]:.4g}, or "
            f"correct a[{name(i)}, {name(j)}].")
    out = np.sqrt(a / a.T)
    if np.max(np.abs(out - a)) > 1e-9:
        notes.append(f"{who}: rounded reciprocals (e.g. 0.33 for 1/3) were made exact with "
                     "sqrt(a_ij / a_ji) before the eigenvector was computed.")
    return out
