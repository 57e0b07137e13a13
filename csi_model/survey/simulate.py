"""Synthetic CSI surveys drawn from a population structural equation model.

A :class:`Population` holds the true standardized parameters of a model (item
loadings, structural paths, correlations of the exogenous latents) and the
shape of the answers (item means and standard deviations on the Likert scale).
:func:`simulate_survey` draws respondents from it; :func:`telecom_population`
is a realistic population for the bundled ``telecom`` model and
:meth:`Population.default_for` a generic one for any model.

The data-generating process is the standardized LISREL model: exogenous
latents are standard normal, each endogenous latent is
``eta_j = sum_k b_jk eta_k + zeta_j`` with the residual variance chosen so
that ``Var(eta_j) = 1``, and each item is ``x = lambda * eta + sqrt(1 - lambda**2) * eps``.
The continuous items therefore have the correlation matrix
``Lambda (I - B)^-1 Psi (I - B)^-T Lambda' + Theta``
(:meth:`Population.implied_correlation`). Likert answers are a monotone
discretization of each continuous item.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from .._distributions import norm

from ..exceptions import ModelSpecError
from ..model.spec import ModelSpec, load_model

__all__ = ["Population", "telecom_population", "simulate_survey", "make_demo_survey",
           "DEMO_SEED", "DEMO_OPERATORS"]

#: The seed of the bundled demo survey ``csi_model/data/telecom_demo.csv``.
DEMO_SEED = 20261122
#: The operators of the demo survey, 200 respondents each.
DEMO_OPERATORS = ("China Mobile", "China Unicom", "China Telecom")

_DEFAULT_MEAN = 7.0  # on the 1-10 reference scale
_DEFAULT_SD = 2.0    # on the 1-10 reference scale


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, eq=False)
class Population:
    """True (population) values of a standardized CSI model.

    Parameters
    ----------
    loadings : mapping of str to float
        Standardized loading of each item, ``|loading| <= 1``. The item's error
        variance is ``1 - loading**2``. Items not in the model are ignored.
    paths : mapping of (str, str) to float
        Standardized structural coefficient of each ``(from, to)`` path of the model.
    exogenous_corr : mapping of (str, str) to float, optional
        Correlations among the exogenous latents (0 when not given).
    item_means : mapping of str to float, optional
        Mean answer of each item on ``mean_scale`` (default 7 on 1-10). For
        another ``scale`` in :func:`simulate_survey` the means and SDs are
        rescaled linearly.
    item_sd : mapping of str to float, optional
        Standard deviation of the answers (before clipping at the ends of the
        scale) on ``mean_scale``; default 2 on 1-10.
    mean_scale : (int, int)
        The scale on which ``item_means`` and ``item_sd`` are given.

    Examples
    --------
    >>> pop = Population(loadings={"SAT1": .8, "SAT2": .8, "LOY1": .9, "LOY2": .7},
    ...                  paths={("SAT", "LOY"): .5})
    >>> spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2\\nLOY =~ LOY1 + LOY2\\nLOY ~ SAT")
    >>> round(float(pop.implied_correlation(spec).loc["SAT1", "LOY1"]), 3)  # .8 * .5 * .9
    0.36
    """

    loadings: Mapping[str, float]
    paths: Mapping[tuple[str, str], float]
    exogenous_corr: Mapping[tuple[str, str], float] = field(default_factory=dict)
    item_means: Mapping[str, float] = field(default_factory=dict)
    item_sd: Mapping[str, float] | None = None
    mean_scale: tuple[int, int] = (1, 10)

    def __post_init__(self):
        object.__setattr__(self, "loadings", _frozen(self.loadings))
        object.__setattr__(self, "paths", _frozen({tuple(k): v for k, v in self.paths.items()}))
        object.__setattr__(self, "exogenous_corr",
                           _frozen({tuple(k): v for k, v in (self.exogenous_corr or {}).items()}))
        object.__setattr__(self, "item_means", _frozen(self.item_means))
        if self.item_sd is not None:
            object.__setattr__(self, "item_sd", _frozen(self.item_sd))
        for item, lam in self.loadings.items():
            if not isinstance(lam, numbers.Real) or not -1 <= lam <= 1 or lam == 0:
                raise ValueError(f"The loading of '{item}' must be a number in [-1, 1] other "
                                 f"than 0. Got {lam!r} instead.")
        for (a, b), r in self.exogenous_corr.items():
            if not isinstance(r, numbers.Real) or not -1 < r < 1:
                raise ValueError(f"The correlation of '{a}' and '{b}' must be a number in "
                                 f"(-1, 1). Got {r!r} instead.")
        for (a, b), v in self.paths.items():
            if not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ValueError(f"The path '{b} ~ {a}' must be a finite number. Got {v!r} instead.")
        lo, hi = _check_scale(self.mean_scale, "mean_scale", "Population")
        for item, m in self.item_means.items():
            if not isinstance(m, numbers.Real) or not lo < m < hi:
                raise ValueError(f"The mean of '{item}' must lie strictly inside the scale "
                                 f"{self.mean_scale}. Got {m!r} instead.")
        for item, s in (self.item_sd or {}).items():
            if not isinstance(s, numbers.Real) or not s > 0:
                raise ValueError(f"The SD of '{item}' must be a positive number. Got {s!r} instead.")

    # ------------------------------------------------------------------ builders
    @classmethod
    def default_for(cls, spec: ModelSpec | str, *, loading: float = 0.8, path: float = 0.3,
                    exogenous_corr: float = 0.3) -> "Population":
        """A generic population for any model: equal loadings, equal paths.

        A single-indicator latent gets loading 1 (its item *is* the latent, as in
        lavaan, which fixes that item's residual variance to 0), so that an
        estimator can recover the population values exactly.

        Parameters
        ----------
        spec : ModelSpec or str
            The model (or the name of a bundled model).
        loading, path : float
            The standardized loading of every item and coefficient of every path.
        exogenous_corr : float
            The correlation of every pair of exogenous latents.

        Examples
        --------
        >>> pop = Population.default_for("acsi")
        >>> pop.paths[("SAT", "LOY")], pop.loadings["QUAL1"], pop.loadings["COMP1"]
        (0.3, 0.8, 1.0)
        """
        spec = load_model(spec)
        _check_supported(spec)
        loadings = {}
        for lv, inds in spec.indicators.items():
            for item in inds:
                loadings[item] = 1.0 if len(inds) == 1 else loading
        exo = spec.exogenous_latents
        corr = {(a, b): exogenous_corr for i, a in enumerate(exo) for b in exo[i + 1:]}
        return cls(loadings=loadings, paths={p: path for p in spec.structural_paths},
                   exogenous_corr=corr)

    # --------------------------------------------------------------- population moments
    def latent_correlation(self, spec: ModelSpec | str) -> pd.DataFrame:
        """The population correlation matrix of the latents (all variances are 1).

        Raises
        ------
        ModelSpecError
            If the population does not fit the model, or if the paths into a
            latent explain more than all of its variance.

        Examples
        --------
        >>> from csi_model import ModelSpec, Population
        >>> pop = Population(loadings={"SAT1": .8, "SAT2": .8, "LOY1": .9, "LOY2": .7},
        ...                  paths={("SAT", "LOY"): .5})
        >>> spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2\\nLOY =~ LOY1 + LOY2\\nLOY ~ SAT")
        >>> pop.latent_correlation(spec)
             SAT  LOY
        SAT  1.0  0.5
        LOY  0.5  1.0
        """
        spec = load_model(spec)
        order, phi, _ = _latent_structure(spec, self)
        return pd.DataFrame(phi, index=order, columns=order).loc[list(spec.latents),
                                                                 list(spec.latents)]

    def residual_variances(self, spec: ModelSpec | str) -> dict[str, float]:
        """Residual variance of each endogenous latent (``1 - R^2``).

        Examples
        --------
        >>> from csi_model import ModelSpec, Population
        >>> pop = Population(loadings={"SAT1": .8, "SAT2": .8, "LOY1": .9, "LOY2": .7},
        ...                  paths={("SAT", "LOY"): .5})
        >>> spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2\\nLOY =~ LOY1 + LOY2\\nLOY ~ SAT")
        >>> pop.residual_variances(spec)                   # 1 - .5**2
        {'LOY': 0.75}
        """
        spec = load_model(spec)
        order, _, psi = _latent_structure(spec, self)
        return {lv: float(psi[i]) for i, lv in enumerate(order) if lv in spec.endogenous_latents}

    def implied_correlation(self, spec: ModelSpec | str) -> pd.DataFrame:
        """The population correlation matrix of the continuous items.

        Computed as ``Lambda (I - B)^-1 Psi (I - B)^-T Lambda' + Theta`` with the
        residual variances of :meth:`residual_variances`.

        Examples
        --------
        >>> from csi_model import ModelSpec, Population
        >>> pop = Population(loadings={"SAT1": .8, "SAT2": .8, "LOY1": .9, "LOY2": .7},
        ...                  paths={("SAT", "LOY"): .5})
        >>> spec = ModelSpec.from_syntax("SAT =~ SAT1 + SAT2\\nLOY =~ LOY1 + LOY2\\nLOY ~ SAT")
        >>> pop.implied_correlation(spec).round(3)
              SAT1  SAT2  LOY1  LOY2
        SAT1  1.00  0.64  0.36  0.28
        SAT2  0.64  1.00  0.36  0.28
        LOY1  0.36  0.36  1.00  0.63
        LOY2  0.28  0.28  0.63  1.00
        """
        spec = load_model(spec)
        order, _, psi_diag = _latent_structure(spec, self)
        m = len(order)
        pos = {lv: i for i, lv in enumerate(order)}
        beta = np.zeros((m, m))
        for (a, b), v in self.paths.items():
            beta[pos[b], pos[a]] = v
        psi = np.diag(psi_diag)
        for (a, b), r in self.exogenous_corr.items():
            psi[pos[a], pos[b]] = psi[pos[b], pos[a]] = r
        inv = np.linalg.inv(np.eye(m) - beta)
        items = list(spec.observed)
        lam = np.zeros((len(items), m))
        for lv, inds in spec.indicators.items():
            for item in inds:
                lam[items.index(item), pos[lv]] = self.loadings[item]
        theta = np.diag([1 - self.loadings[i] ** 2 for i in items])
        sigma = lam @ inv @ psi @ inv.T @ lam.T + theta
        return pd.DataFrame(sigma, index=items, columns=items)


def telecom_population() -> Population:
    """A realistic population for the bundled ``telecom`` model.

    Standardized loadings .70-.90, paths as typically reported for mobile
    operators (quality drives satisfaction, value is mostly quality for
    money, loyalty follows satisfaction and image), item means near 7 on 1-10
    with value and price tolerance lower. ``COMP1``, the single complaints
    item, has loading 1 because the model (like lavaan) fixes its residual
    variance to 0.

    Examples
    --------
    >>> pop = telecom_population()
    >>> pop.paths[("QUAL", "SAT")]
    0.5
    >>> {k: round(v, 3) for k, v in pop.residual_variances("telecom").items()}["SAT"]
    0.418
    """
    loadings = {
        "IMAG1": .80, "IMAG2": .75, "IMAG3": .72, "IMAG4": .78, "IMAG5": .70,
        "EXPE1": .80, "EXPE2": .75, "EXPE3": .70,
        "QUAL1": .82, "QUAL2": .78, "QUAL3": .80, "QUAL4": .75, "QUAL5": .72,
        "QUAL6": .76, "QUAL7": .74,
        "VAL1": .88, "VAL2": .85,
        "SAT1": .90, "SAT2": .85, "SAT3": .80,
        "COMP1": 1.0,
        "LOY1": .88, "LOY2": .70, "LOY3": .85,
    }
    paths = {
        ("IMAG", "EXPE"): .50,
        ("EXPE", "QUAL"): .55,
        ("EXPE", "VAL"): .10, ("QUAL", "VAL"): .60,
        ("IMAG", "SAT"): .20, ("EXPE", "SAT"): .05, ("QUAL", "SAT"): .50, ("VAL", "SAT"): .20,
        ("SAT", "COMP"): .45,
        ("SAT", "LOY"): .50, ("COMP", "LOY"): .10, ("IMAG", "LOY"): .20,
    }
    means = {
        "IMAG1": 7.6, "IMAG2": 7.0, "IMAG3": 7.2, "IMAG4": 7.4, "IMAG5": 6.9,
        "EXPE1": 7.8, "EXPE2": 7.5, "EXPE3": 7.6,
        "QUAL1": 7.3, "QUAL2": 7.6, "QUAL3": 7.0, "QUAL4": 7.2, "QUAL5": 7.4,
        "QUAL6": 6.8, "QUAL7": 7.1,
        "VAL1": 6.3, "VAL2": 6.5,
        "SAT1": 7.3, "SAT2": 6.9, "SAT3": 6.6,
        "COMP1": 6.8,
        "LOY1": 7.4, "LOY2": 5.9, "LOY3": 7.0,
    }
    sds = {item: 1.9 for item in loadings} | {"VAL1": 2.1, "VAL2": 2.1, "COMP1": 2.4,
                                              "LOY2": 2.4}
    return Population(loadings=loadings, paths=paths, item_means=means, item_sd=sds)


# ---------------------------------------------------------------------- validation
def _fail(arg: str, func: str, what: str, value) -> ValueError:
    return ValueError(f"The '{arg}' argument of {func} must be {what}. Got {value!r} instead.")


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _check_scale(scale, arg: str, func: str) -> tuple[int, int]:
    ok = (isinstance(scale, (tuple, list)) and len(scale) == 2 and all(_is_int(s) for s in scale)
          and scale[0] < scale[1])
    if not ok:
        raise _fail(arg, func, "a pair of integers (low, high) with low < high", scale)
    return int(scale[0]), int(scale[1])


def _check_supported(spec: ModelSpec) -> None:
    lat = set(spec.latents)
    higher = [(lv, i) for lv, inds in spec.indicators.items() for i in inds if i in lat]
    if higher:
        raise ModelSpecError(
            f"simulate_survey does not support higher-order latents ('{higher[0][0]} =~ "
            f"{higher[0][1]}' in model '{spec.name}'). Specify first-order latents only.")
    observed = sorted({v for p in spec.structural_paths for v in p if v not in lat})
    if observed:
        raise ModelSpecError(
            f"simulate_survey supports regressions among latents only; the model '{spec.name}' "
            f"regresses on or predicts the observed variable(s) {', '.join(map(repr, observed))}. "
            "Define each as a single-indicator latent (e.g. 'X =~ x') instead.")


def _latent_structure(spec: ModelSpec, pop: Population):
    """Topological order of the latents, their correlation matrix, residual variances."""
    _check_supported(spec)
    spec_paths = set(spec.structural_paths)
    extra = [p for p in pop.paths if p not in spec_paths]
    if extra:
        names = ", ".join(f"'{b} ~ {a}'" for a, b in extra)
        raise ModelSpecError(f"The population has path(s) {names} that are not in the model "
                             f"'{spec.name}'. Remove them from Population.paths or use "
                             "Population.default_for(spec).")
    missing = [p for p in spec.structural_paths if p not in pop.paths]
    if missing:
        names = ", ".join(f"'{b} ~ {a}'" for a, b in missing)
        raise ModelSpecError(f"The population gives no value for the path(s) {names} of the "
                             f"model '{spec.name}'. Add them to Population.paths (0 is allowed).")
    items = [i for inds in spec.indicators.values() for i in inds]
    no_load = [i for i in items if i not in pop.loadings]
    if no_load:
        raise ModelSpecError(f"The population gives no loading for the item(s) "
                             f"{', '.join(map(repr, no_load))} of the model '{spec.name}'. "
                             "Add them to Population.loadings.")
    exo = set(spec.exogenous_latents)
    bad = [k for k in pop.exogenous_corr if not set(k) <= exo or k[0] == k[1]]
    if bad:
        raise ModelSpecError(f"Population.exogenous_corr names {bad[0]}, which is not a pair of "
                             f"distinct exogenous latents of the model '{spec.name}' "
                             f"({', '.join(spec.exogenous_latents)}).")
    # topological order: exogenous first (in model order), then endogenous as they become ready
    parents: dict[str, list[str]] = {lv: [] for lv in spec.latents}
    for a, b in spec.structural_paths:
        parents[b].append(a)
    order = [lv for lv in spec.latents if not parents[lv]]
    remaining = [lv for lv in spec.latents if parents[lv]]
    while remaining:
        ready = [lv for lv in remaining if all(p in order for p in parents[lv])]
        order.extend(ready)
        remaining = [lv for lv in remaining if lv not in ready]
    pos = {lv: i for i, lv in enumerate(order)}
    m = len(order)
    phi = np.eye(m)
    psi = np.ones(m)
    n_exo = sum(1 for lv in order if not parents[lv])
    for (a, b), r in pop.exogenous_corr.items():
        phi[pos[a], pos[b]] = phi[pos[b], pos[a]] = r
    if n_exo and np.linalg.eigvalsh(phi[:n_exo, :n_exo]).min() <= 1e-10:
        raise ModelSpecError("Population.exogenous_corr is not a valid correlation matrix "
                             "(not positive definite). Reduce the correlations.")
    for j in range(n_exo, m):
        lv = order[j]
        idx = [pos[p] for p in parents[lv]]
        b = np.array([pop.paths[(p, lv)] for p in parents[lv]])
        explained = float(b @ phi[np.ix_(idx, idx)] @ b)
        if explained >= 1 - 1e-9:
            raise ModelSpecError(
                f"The population paths into '{lv}' ({', '.join(f'{p}: {v:g}' for p, v in zip(parents[lv], b))}) "
                f"explain {explained:.3f} of its variance (the sum of squared effects, with the "
                "predictors' correlations); a standardized latent needs less than 1. "
                f"Make the paths into '{lv}' smaller.")
        psi[j] = 1 - explained
        # covariances with the latents already generated
        cov = b @ phi[idx, :j]
        phi[j, :j] = phi[:j, j] = cov
    return order, phi, psi


# ---------------------------------------------------------------------- Likert mapping
def _expected_answer(center: float, sd: float, lo: int, hi: int) -> float:
    cuts = np.arange(lo, hi) + 0.5
    return lo + float(norm.cdf((center - cuts) / sd).sum())


def _likert_cuts(mean: float, sd: float, lo: int, hi: int) -> np.ndarray:
    """Thresholds on the standardized item giving answers lo..hi with the wanted mean.

    The answer is ``clip(round(c + sd * z), lo, hi)`` for the centre ``c`` that makes the
    expected answer equal ``mean`` (the clipping at ``hi`` makes it top-heavy).
    """
    from scipy.optimize import brentq   # here: scipy.optimize is slow to import
    center = brentq(lambda c: _expected_answer(c, sd, lo, hi) - mean,
                    lo - 10 * sd - 10, hi + 10 * sd + 10, xtol=1e-12)
    return (np.arange(lo, hi) + 0.5 - center) / sd


# ---------------------------------------------------------------------- simulation
def simulate_survey(spec: ModelSpec | str | None = None, n: int = 500, *, seed,
                    population: Population | None = None, scale: tuple[int, int] = (1, 10),
                    continuous: bool = False, missing_rate: float = 0.0,
                    missing_codes: int | Sequence[int] | None = None) -> pd.DataFrame:
    """Draw a synthetic survey from a population structural equation model.

    Parameters
    ----------
    spec : ModelSpec or str, optional
        The model; a bundled model's name or a path is loaded with
        :func:`~csi_model.model.spec.load_model`. Default: the ``telecom`` model.
    n : int
        Number of respondents (at least 2).
    seed : int or numpy.random.Generator
        Required. The same seed gives the same data frame
        (``numpy.random.default_rng(seed)``).
    population : Population, optional
        True parameter values. Default: :func:`telecom_population` when it fits the
        model (the ``telecom`` model), else ``Population.default_for(spec)``.
    scale : (int, int)
        The answer scale, e.g. ``(1, 10)`` as in the ACSI.
    continuous : bool
        Return the continuous standardized items (mean 0, variance 1) instead of
        Likert answers, e.g. to check that an estimator recovers the population.
    missing_rate : float
        Fraction of item cells, in [0, 1), set missing completely at random (MCAR).
        Exactly ``round(missing_rate * n * n_items)`` cells are chosen.
    missing_codes : int or sequence of int, optional
        Write a code such as 99 ("don't know") in the missing cells instead of NaN;
        with several codes each cell gets one of them at random.

    Returns
    -------
    pandas.DataFrame
        One column per observed variable of the model (in ``spec.observed`` order).
        Likert answers are ``int64`` (``float64`` when there are NaN cells).

    Raises
    ------
    ValueError
        For an invalid argument.
    ModelSpecError
        If ``population`` does not fit the model (paths not in the model, missing
        loadings) or its paths into a latent explain more than all its variance.

    Notes
    -----
    Exogenous latents are standard normal with correlations
    ``population.exogenous_corr``; endogenous latents follow the standardized
    structural equations with residual variance ``1 - R^2``; each item is
    ``lambda * eta + sqrt(1 - lambda^2) * eps``. A Likert answer is
    ``clip(round(c + s * x), low, high)``, with ``s`` the item's SD and ``c`` chosen
    so that the expected answer is the item's mean (:attr:`Population.item_means`).

    In R, ``lavaan::simulateData(model, sample.nobs = n)`` draws continuous data
    in the same way from a fully specified model.

    Examples
    --------
    >>> df = simulate_survey(n=300, seed=1)
    >>> df.shape
    (300, 24)
    >>> int(df.values.min()) >= 1 and int(df.values.max()) <= 10
    True
    >>> df.equals(simulate_survey(n=300, seed=1))
    True
    >>> x = simulate_survey("acsi", n=100, seed=2, continuous=True, missing_rate=0.1)
    >>> round(float(x.isna().mean().mean()), 2)
    0.1
    """
    func = "simulate_survey"
    if spec is None:
        spec = load_model("telecom")
    elif isinstance(spec, (str,)) or hasattr(spec, "__fspath__"):
        spec = load_model(spec)
    elif not isinstance(spec, ModelSpec):
        raise _fail("spec", func, "a ModelSpec, a bundled model's name or a .lav path", spec)
    if not _is_int(n) or n < 2:
        raise _fail("n", func, "an integer >= 2", n)
    if not (_is_int(seed) and seed >= 0) and not isinstance(seed, np.random.Generator):
        raise _fail("seed", func, "a non-negative integer or a numpy.random.Generator", seed)
    if population is None:
        population = telecom_population()
        if set(population.paths) != set(spec.structural_paths) or \
                not set(spec.observed) <= set(population.loadings):
            population = Population.default_for(spec)
    elif not isinstance(population, Population):
        raise _fail("population", func, "a Population or None", population)
    lo, hi = _check_scale(scale, "scale", func)
    if not isinstance(continuous, (bool, np.bool_)):
        raise _fail("continuous", func, "True or False", continuous)
    if not isinstance(missing_rate, numbers.Real) or isinstance(missing_rate, bool) \
            or not 0 <= missing_rate < 1:
        raise _fail("missing_rate", func, "a number in [0, 1)", missing_rate)
    codes: list[int] | None = None
    if missing_codes is not None:
        raw = [missing_codes] if _is_int(missing_codes) else missing_codes
        try:
            codes = [int(c) for c in raw if _is_int(c)]
            ok = len(codes) == len(raw) and len(codes) > 0
        except TypeError:
            ok = False
        if not ok:
            raise _fail("missing_codes", func, "an integer, a non-empty list of integers or None",
                        missing_codes)
        inside = [c for c in codes if lo <= c <= hi]
        if inside:
            raise _fail("missing_codes", func, f"outside the answer scale {(lo, hi)}",
                        missing_codes)
        if continuous:
            raise ValueError("The 'missing_codes' argument of simulate_survey applies to Likert "
                             "answers only. Use continuous=False or missing_codes=None.")

    order, phi, psi = _latent_structure(spec, population)
    rng = np.random.default_rng(seed)
    pos = {lv: i for i, lv in enumerate(order)}
    m = len(order)
    n_exo = len(spec.exogenous_latents)
    eta = np.empty((n, m))
    if n_exo:
        chol = np.linalg.cholesky(phi[:n_exo, :n_exo])
        eta[:, :n_exo] = rng.standard_normal((n, n_exo)) @ chol.T
    zeta = rng.standard_normal((n, m - n_exo))
    parents: dict[str, list[str]] = {lv: [] for lv in order}
    for a, b in spec.structural_paths:
        parents[b].append(a)
    for j in range(n_exo, m):
        lv = order[j]
        eta[:, j] = math.sqrt(psi[j]) * zeta[:, j - n_exo]
        for p in parents[lv]:
            eta[:, j] += population.paths[(p, lv)] * eta[:, pos[p]]

    items = list(spec.observed)
    owner = {i: lv for lv, inds in spec.indicators.items() for i in inds}
    lam = np.array([population.loadings[i] for i in items])
    eps = rng.standard_normal((n, len(items)))
    x = eta[:, [pos[owner[i]] for i in items]] * lam + eps * np.sqrt(1 - lam ** 2)

    if continuous:
        out = pd.DataFrame(x, columns=items)
    else:
        a, b = _check_scale(population.mean_scale, "mean_scale", "Population")
        stretch = (hi - lo) / (b - a)
        data = {}
        for k, item in enumerate(items):
            mean = lo + (population.item_means.get(item, _DEFAULT_MEAN) - a) * stretch
            sd = (population.item_sd or {}).get(item, _DEFAULT_SD) * stretch
            cuts = _likert_cuts(mean, sd, lo, hi)
            data[item] = (lo + np.searchsorted(cuts, x[:, k], side="right")).astype(np.int64)
        out = pd.DataFrame(data, columns=items)

    n_missing = int(round(missing_rate * out.size))
    if n_missing:
        cells = rng.choice(out.size, size=n_missing, replace=False)
        rows, cols = np.divmod(cells, out.shape[1])
        values = out.to_numpy(dtype=np.int64 if codes else np.float64, copy=True)
        if codes:
            values[rows, cols] = (codes[0] if len(codes) == 1
                                  else rng.choice(np.array(codes), size=n_missing))
        else:
            values[rows, cols] = np.nan
        out = pd.DataFrame(values, columns=items)
    return out


def make_demo_survey(seed: int = DEMO_SEED) -> pd.DataFrame:
    """The example survey bundled as ``csi_model/data/telecom_demo.csv``.

    600 respondents drawn from :func:`telecom_population` (answers 1-10), about 1 %
    of the answers coded 99 ("don't know"), with the metadata columns
    ``respondent_id`` (1-600), ``operator`` (:data:`DEMO_OPERATORS`, 200 each) and
    ``wave`` ("2025" or "2026", 100 per operator each). The operators and waves
    are labels only: all respondents come from the same population.

    To regenerate the bundled file::

        make_demo_survey().to_csv("csi_model/data/telecom_demo.csv", index=False,
                                  lineterminator="\\n")

    Examples
    --------
    >>> demo = make_demo_survey()
    >>> demo.shape
    (600, 27)
    >>> demo.operator.value_counts().to_dict()
    {'China Mobile': 200, 'China Unicom': 200, 'China Telecom': 200}
    >>> int((demo.iloc[:, 3:] == 99).sum().sum())  # 1 % of 600 x 24 answers
    144
    """
    answers = simulate_survey(load_model("telecom"), n=600, seed=seed,
                              population=telecom_population(), scale=(1, 10),
                              missing_rate=0.01, missing_codes=99)
    meta = pd.DataFrame({
        "respondent_id": np.arange(1, 601, dtype=np.int64),
        "operator": np.repeat(DEMO_OPERATORS, 200),
        "wave": np.tile(np.repeat(["2025", "2026"], 100), 3),
    })
    return pd.concat([meta, answers], axis=1)
