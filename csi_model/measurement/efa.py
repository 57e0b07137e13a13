"""Exploratory factor analysis: a thin, checked wrapper around factor_analyzer 0.5.1.

Functions take a DataFrame of item answers (complete rows; see
:func:`csi_model.measurement.quality.measurement` for listwise deletion) and return pandas
objects with psych's conventions:

* :func:`kmo` - Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item
  (In R: ``psych::KMO(x)``);
* :func:`bartlett_sphericity` - Bartlett's test that the correlation matrix is an identity
  (``psych::cortest.bartlett(cor(x), n = nrow(x))``);
* :func:`eigenvalues` - scree data: eigenvalues of the correlation matrix and of the reduced
  correlation matrix of a one-factor solution (``fa.parallel``'s ``pc.values``/``fa.values``);
* :func:`parallel_analysis` - Horn's parallel analysis (seeded), as ``psych::fa.parallel``;
* :func:`efa` - rotated loadings (minres or ML extraction; oblimin, promax, varimax,
  or none), communalities and factor correlations (``psych::fa``).

factor_analyzer's EFA agrees with psych 2.2.9 to about 1e-4 on the test data (see
``tests/test_measurement.py``); its KMO and Bartlett statistic to 1e-10.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)

__all__ = ["kmo", "bartlett_sphericity", "eigenvalues", "parallel_analysis", "efa",
           "EFAResult", "KMO", "Bartlett", "ParallelAnalysis", "CorrelationMatrix", "METHODS",
           "ROTATIONS"]

METHODS = ("minres", "ml")
ROTATIONS = ("oblimin", "promax", "varimax", None)
_OBLIQUE = ("oblimin", "promax")


class CorrelationMatrix(NamedTuple):
    """A correlation matrix and its sample size, accepted by every function here instead of
    data (e.g. the EM correlations of a survey with missing answers, ``measurement(...,
    missing="em")``).

    Examples
    --------
    >>> R = pd.DataFrame([[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], index=list("abc"),
    ...                  columns=list("abc"))
    >>> round(bartlett_sphericity(CorrelationMatrix(R, 100)).chisq, 2)
    46.45
    """

    R: pd.DataFrame
    n: int

    @property
    def shape(self):
        return (int(self.n), self.R.shape[1])

    @property
    def columns(self):
        return self.R.columns


def _corr(frame) -> np.ndarray:
    if isinstance(frame, CorrelationMatrix):
        return frame.R.to_numpy(dtype=float)
    return np.corrcoef(frame.to_numpy(), rowvar=False)


def _frame(data):
    if isinstance(data, CorrelationMatrix):
        if data.R.shape[1] < 2:
            raise ValueError(f"Factor analysis needs at least 2 items. Got {data.R.shape[1]}.")
        return data
    frame = pd.DataFrame(data).astype(float)
    if frame.isna().any().any():
        bad = [c for c in frame.columns if frame[c].isna().any()]
        raise ValueError(f"The data contain missing values (columns {bad[:5]}); pass complete "
                         "rows (e.g. Survey.complete_cases()).")
    if frame.shape[1] < 2:
        raise ValueError(f"Factor analysis needs at least 2 items. Got {frame.shape[1]}.")
    return frame


def _fa():
    """Import factor_analyzer with scikit-learn's renaming warning silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import factor_analyzer
    return factor_analyzer


# ------------------------------------------------------------------------ adequacy
class KMO(NamedTuple):
    """Kaiser-Meyer-Olkin measure of sampling adequacy.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> x = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)),
    ...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> k = kmo(x)
    >>> round(k.overall, 3), k.items.round(3).tolist()[:2]
    (0.66, [0.641, 0.633])
    """

    overall: float
    items: pd.Series


class Bartlett(NamedTuple):
    """Bartlett's test of sphericity: chi-square, degrees of freedom, p-value.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> x = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)),
    ...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> b = bartlett_sphericity(x)
    >>> round(b.chisq, 1), b.df, b.pvalue < 0.001
    (401.3, 15, True)
    """

    chisq: float
    df: int
    pvalue: float


def kmo(data) -> KMO:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item.

    ``MSA = sum r_ij^2 / (sum r_ij^2 + sum q_ij^2)`` over i != j, where ``q`` are the
    partial correlations (from the inverse correlation matrix). Kaiser (1974): .6
    "mediocre", .7 "middling", .8 "meritorious", .9 "marvelous". In R: ``psych::KMO(x)``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(200, 1))
    >>> x = pd.DataFrame(f + rng.normal(size=(200, 4)), columns=list("abcd"))
    >>> round(kmo(x).overall, 2)
    0.78
    """
    frame = _frame(data)
    if isinstance(frame, CorrelationMatrix):     # factor_analyzer's formula, from R
        R = frame.R.to_numpy(dtype=float)
        Q = np.linalg.inv(R)
        d = np.sqrt(np.diag(Q))
        A = -Q / np.outer(d, d)
        R2, A2 = R ** 2, A ** 2
        np.fill_diagonal(R2, 0.0)
        np.fill_diagonal(A2, 0.0)
        per_item = R2.sum(axis=0) / (R2.sum(axis=0) + A2.sum(axis=0))
        overall = R2.sum() / (R2.sum() + A2.sum())
        return KMO(float(overall), pd.Series(per_item, index=frame.columns, name="msa"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        per_item, overall = _fa().calculate_kmo(frame)
    return KMO(float(overall), pd.Series(per_item, index=frame.columns, name="msa"))


def bartlett_sphericity(data) -> Bartlett:
    """Bartlett's (1951) test that the items are uncorrelated.

    ``chisq = -(n - 1 - (2p + 5)/6) log|R|`` on ``p(p-1)/2`` df.
    In R: ``psych::cortest.bartlett(cor(x), n = nrow(x))``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> x = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)),
    ...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> b = bartlett_sphericity(x)
    >>> round(b.chisq, 2), b.df
    (401.28, 15)
    """
    frame = _frame(data)
    n, p = frame.shape
    sign, logdet = np.linalg.slogdet(_corr(frame))
    logdet = logdet if sign > 0 else -np.inf
    chisq = -(n - 1 - (2 * p + 5) / 6) * logdet
    df = p * (p - 1) // 2
    return Bartlett(float(chisq), int(df), float(stats.chi2.sf(chisq, df)))


# ------------------------------------------------------------------------ eigenvalues
def _one_factor_values(R: np.ndarray, n: int | None = None, *, tol: float = 1e-10,
                       max_iter: int = 5000) -> np.ndarray:
    """Eigenvalues of R with the communalities of a one-factor minres solution on the diagonal.

    For one factor, minres (unweighted least squares on the off-diagonal correlations) is
    the fixed point of iterated principal-axis factoring, which is computed here directly
    (communalities kept in [0, .995], as factor_analyzer's uniqueness bound .005). This is
    psych's ``fa(r, nfactors = 1, fm = "minres")$values``, used by ``fa.parallel``.
    """
    p = R.shape[0]
    try:
        h2 = 1 - 1 / np.diag(np.linalg.inv(R))           # squared multiple correlations
    except np.linalg.LinAlgError:
        h2 = np.full(p, 0.5)
    h2 = np.clip(h2, 0.0, 0.995)
    Rr = R.copy()
    for _ in range(max_iter):
        np.fill_diagonal(Rr, h2)
        vals, vecs = np.linalg.eigh(Rr)
        new = np.clip(max(vals[-1], 0.0) * vecs[:, -1] ** 2, 0.0, 0.995)
        if np.max(np.abs(new - h2)) < tol:
            h2 = new
            break
        h2 = new
    np.fill_diagonal(Rr, h2)
    return np.sort(np.linalg.eigvalsh(Rr))[::-1]


def eigenvalues(data) -> pd.DataFrame:
    """Scree data: one row per factor.

    Columns ``eigenvalue`` (of the correlation matrix, psych's ``pc.values``),
    ``proportion`` and ``cumulative`` (of the total variance), and ``reduced`` (of the
    correlation matrix with the communalities of a one-factor minres solution on its
    diagonal, psych's ``fa.values``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> x = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)),
    ...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> eigenvalues(x).round(3)
       factor  eigenvalue  proportion  cumulative  reduced
    0       1       2.040       0.340       0.340    1.537
    1       2       1.901       0.317       0.657    0.918
    2       3       0.635       0.106       0.763    0.019
    3       4       0.544       0.091       0.853   -0.001
    4       5       0.475       0.079       0.932   -0.432
    5       6       0.406       0.068       1.000   -0.503
    """
    frame = _frame(data)
    R = _corr(frame)
    ev = np.sort(np.linalg.eigvalsh(R))[::-1]
    out = pd.DataFrame({"factor": np.arange(1, len(ev) + 1), "eigenvalue": ev,
                        "proportion": ev / len(ev), "cumulative": np.cumsum(ev) / len(ev),
                        "reduced": _one_factor_values(R, frame.shape[0])})
    return out


@dataclass(frozen=True)
class ParallelAnalysis:
    """Result of :func:`parallel_analysis`.

    Attributes
    ----------
    table : DataFrame
        ``factor, eigenvalue, simulated, reduced, reduced_simulated``: observed and mean
        simulated eigenvalues of components and of the reduced (common factor) matrix.
    n_factors : int
        Suggested number of factors: the leading run of reduced eigenvalues above the
        simulated mean (psych's ``nfact``).
    n_components : int
        The same for components (psych's ``ncomp``).
    n_iter, seed : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> x = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)),
    ...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> pa = parallel_analysis(x, n_iter=5, seed=1)
    >>> pa.n_factors, pa.n_components
    (2, 2)
    """

    table: pd.DataFrame
    n_factors: int
    n_components: int
    n_iter: int
    seed: int | None


def _leading(observed: np.ndarray, simulated: np.ndarray) -> int:
    above = observed > simulated
    return int(np.argmin(above)) if not above.all() else int(above.size)


def parallel_analysis(data, *, n_iter: int = 20, seed: int | None = 0) -> ParallelAnalysis:
    """Horn's (1965) parallel analysis, as ``psych::fa.parallel(x, fm = "minres")``.

    The observed eigenvalues (see :func:`eigenvalues`) are compared with the means over
    ``n_iter`` data sets of independent normal variables of the same size. The number of
    factors (components) suggested is the number of leading observed eigenvalues above
    the simulated means. psych draws other random numbers, so its simulated values (and,
    rarely, its suggestion) differ slightly; the observed ones are identical.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> x = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)),
    ...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> pa = parallel_analysis(x, n_iter=5, seed=1)
    >>> pa.table.round(3).head(3)
       factor  eigenvalue  simulated  reduced  reduced_simulated
    0       1       2.040      1.200    1.537              0.436
    1       2       1.901      1.082    0.918              0.107
    2       3       0.635      1.011    0.019              0.042
    """
    frame = _frame(data)
    n, p = frame.shape
    if isinstance(n_iter, bool) or not isinstance(n_iter, (int, np.integer)) or n_iter < 1:
        raise ValueError(f"The 'n_iter' parameter of parallel_analysis must be a positive "
                         f"integer. Got {n_iter!r} instead.")
    obs = eigenvalues(frame)
    rng = np.random.default_rng(seed)
    sim_pc = np.zeros((n_iter, p))
    sim_fa = np.zeros((n_iter, p))
    for b in range(n_iter):
        R = np.corrcoef(rng.standard_normal((n, p)), rowvar=False)
        sim_pc[b] = np.sort(np.linalg.eigvalsh(R))[::-1]
        sim_fa[b] = _one_factor_values(R, n)
    table = pd.DataFrame({"factor": obs["factor"], "eigenvalue": obs["eigenvalue"],
                          "simulated": sim_pc.mean(axis=0), "reduced": obs["reduced"],
                          "reduced_simulated": sim_fa.mean(axis=0)})
    return ParallelAnalysis(table, _leading(table["reduced"].to_numpy(),
                                            table["reduced_simulated"].to_numpy()),
                            _leading(table["eigenvalue"].to_numpy(), table["simulated"].to_numpy()),
                            int(n_iter), seed)


# ------------------------------------------------------------------------ EFA
@dataclass(frozen=True)
class EFAResult:
    """Result of :func:`efa`.

    Attributes
    ----------
    loadings : DataFrame
        Items x factors (pattern loadings after rotation). Factors are named ``F1..Fk`` and
        ordered by the variance they explain; each factor's sign makes its loadings sum
        positive.
    communalities : Series
        Sum of squared loadings per item (for oblique rotations, psych's ``communality``:
        the diagonal of ``L Phi L'``).
    uniquenesses : Series
        ``1 - communality``.
    factor_correlations : DataFrame
        ``Phi`` (identity for orthogonal rotations or none).
    variance : DataFrame
        ``ss_loadings, proportion, cumulative`` per factor.
    method, rotation : str
    n : int
    heywood : tuple of str
        Items whose communality is at least .995 (a Heywood case).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> x = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)),
    ...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> res = efa(x, 2)
    >>> res.loadings.round(2)
          F1    F2
    a1 -0.01  0.64
    a2  0.00  0.74
    a3  0.01  0.66
    b1  0.72  0.01
    b2  0.69 -0.02
    b3  0.74  0.01
    >>> res.communalities.round(3).tolist()
    [0.405, 0.546, 0.433, 0.514, 0.476, 0.547]
    """

    loadings: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    factor_correlations: pd.DataFrame
    variance: pd.DataFrame
    method: str
    rotation: str | None
    n: int
    heywood: tuple[str, ...] = ()


def efa(data, n_factors: int, *, method: str = "minres",
        rotation: str | None = "oblimin", cor: str = "pearson") -> EFAResult:
    """Exploratory factor analysis with factor_analyzer (psych's ``fa``).

    Parameters
    ----------
    data : DataFrame
        Complete answers, one column per item.
    n_factors : int
        Number of factors to extract.
    method : {"minres", "ml"}
        Extraction: minimum residual (psych's default) or maximum likelihood.
    rotation : {"oblimin", "promax", "varimax", None}
        Oblique rotations estimate factor correlations.
    cor : {"pearson", "polychoric"}
        The correlations factored: Pearson's, or the polychoric correlations of ordinal
        answers (:func:`csi_model.polychoric`; psych's ``fa(x, cor = "poly", correct = 0)``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(300, 2))
    >>> x = pd.DataFrame(np.repeat(f, 3, axis=1) + rng.normal(size=(300, 6)),
    ...                  columns=["a1", "a2", "a3", "b1", "b2", "b3"])
    >>> res = efa(x, 2)
    >>> (res.loadings.abs() > 0.5).sum().tolist()
    [3, 3]

    In R: ``psych::fa(x, nfactors = 2, fm = "minres", rotate = "oblimin")``.
    """
    frame = _frame(data)
    n, p = frame.shape
    if method not in METHODS:
        raise ValueError(f"The 'method' parameter of efa must be one of {{'minres', 'ml'}}. "
                         f"Got {method!r} instead.")
    if rotation not in ROTATIONS:
        raise ValueError("The 'rotation' parameter of efa must be one of {'oblimin', 'promax', "
                         f"'varimax', None}}. Got {rotation!r} instead.")
    if isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer)) \
            or not 1 <= n_factors < p:
        raise ValueError(f"The 'n_factors' parameter of efa must be an integer from 1 to "
                         f"{p - 1} (the number of items minus one). Got {n_factors!r} instead.")
    if cor not in ("pearson", "polychoric"):
        raise ValueError("The 'cor' parameter of efa must be 'pearson' or 'polychoric'. "
                         f"Got {cor!r} instead.")
    rot = rotation if n_factors > 1 else None
    is_corr = cor == "polychoric" or isinstance(frame, CorrelationMatrix)
    if isinstance(frame, CorrelationMatrix):
        if cor == "polychoric":
            raise ValueError("efa(cor='polychoric') needs the answers, not a correlation matrix.")
        fitted = frame.R.to_numpy(dtype=float)
    elif cor == "polychoric":
        from ..sem.polychoric import polychoric
        fitted = polychoric(frame).correlation.to_numpy()
    else:
        fitted = frame.to_numpy()
    fa = _fa().FactorAnalyzer(n_factors=int(n_factors), rotation=rot, method=method,
                              is_corr_matrix=is_corr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fa.fit(fitted)
    L = np.asarray(fa.loadings_, dtype=float)
    k = L.shape[1]
    if rot in _OBLIQUE:
        # factor_analyzer's phi_ does not match its pattern loadings; recover Phi from the
        # unrotated solution, which an oblique rotation leaves invariant: L Phi L' = L0 L0'.
        fa0 = _fa().FactorAnalyzer(n_factors=int(n_factors), rotation=None, method=method,
                                   is_corr_matrix=is_corr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fa0.fit(fitted)
        L0 = np.asarray(fa0.loadings_, dtype=float)
        Linv = np.linalg.pinv(L)
        phi = Linv @ L0 @ L0.T @ Linv.T
        d = np.sqrt(np.clip(np.diag(phi), 1e-300, None))
        phi = phi / np.outer(d, d)
        L = L * d          # exact when the rotation is exact (d = 1 up to rounding)
    else:
        phi = np.eye(k)
    # psych: sign so that loadings sum positive, order by variance explained
    sign = np.where(L.sum(axis=0) < 0, -1.0, 1.0)
    L = L * sign
    phi = phi * np.outer(sign, sign)
    ss = np.diag(phi @ L.T @ L) if rot in _OBLIQUE else np.sum(L ** 2, axis=0)
    order = np.argsort(-ss, kind="stable")
    L, phi, ss = L[:, order], phi[np.ix_(order, order)], ss[order]
    names = [f"F{j + 1}" for j in range(k)]
    h2 = np.einsum("ij,jk,ik->i", L, phi, L)
    loadings = pd.DataFrame(L, index=frame.columns, columns=names)
    variance = pd.DataFrame({"ss_loadings": ss, "proportion": ss / p,
                             "cumulative": np.cumsum(ss) / p}, index=names)
    heywood = tuple(str(c) for c, h in zip(frame.columns, h2) if h >= 0.995)
    return EFAResult(loadings, pd.Series(h2, index=frame.columns, name="communality"),
                     pd.Series(1 - h2, index=frame.columns, name="uniqueness"),
                     pd.DataFrame(phi, index=names, columns=names), variance, method, rotation,
                     int(n), heywood)
