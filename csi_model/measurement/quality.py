"""The measurement model: EFA, reliability, validity and CFA diagnostics.

:func:`measurement` runs everything a CSI paper reports about its questionnaire before
the structural model and returns one immutable :class:`MeasurementResult`:

* sampling adequacy and factorability: KMO overall and per item, Bartlett's test,
  eigenvalues (scree data) and parallel analysis (:mod:`csi_model.measurement.efa`);
* exploratory factor analysis (factor_analyzer; minres or ML, oblimin/promax/varimax), its
  factors matched to the model's latents by the Hungarian algorithm on the absolute
  loadings, with cross-loadings and items that load on the wrong factor flagged;
* reliability per latent: Cronbach's alpha (raw and standardized), alpha if item deleted,
  corrected item-total correlations, composite reliability rho_c, McDonald's omega and
  rho_A (from the converged PLS weights);
* convergent validity: standardized CFA loadings with confidence intervals, AVE;
* discriminant validity: Fornell-Larcker table, HTMT and HTMT2 with bootstrap intervals,
  cross-loadings;
* CFA diagnostics: fit of the measurement model alone (every latent covariance free),
  modification indices with expected parameter changes, normalized residuals;
* verdicts against the field's thresholds (:class:`Thresholds`, each with its source),
  and warnings (unflipped reverse-coded items, (near-)singular correlations, fewer
  respondents than items, single-item constructs, Heywood cases).

Definitions (and the R function each one agrees with, see ``tests/test_measurement.py``):

========================  ==================================================================
alpha_raw                 ``k/(k-1) (1 - sum var(x_i) / var(sum x_i))`` on the covariances
                          (``psych::alpha`` ``raw_alpha``; SPSS's alpha); the verdict
                          against ``Thresholds.alpha`` uses it
alpha_std                 the same on the correlations (``psych::alpha`` ``std.alpha``):
                          the alpha seminr, cSEM and SmartPLS report (they standardize the
                          items)
r_drop                    correlation of an item with the sum of the block's other items
rho_c                     ``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))`` with ``l`` the
                          standardized CFA loadings (Fornell & Larcker 1981; Hair et al.)
omega                     ``(sum lambda)^2 psi / 1'S1`` with the CFA's unstandardized
                          loadings, latent variance and the items' sample covariance matrix
                          (``semTools::compRelSEM(fit)``, ``obs.var = TRUE``)
ave                       ``sum(lambda^2) psi / sum(s_ii)`` (``semTools::AVE(fit)``; it is the
                          mean squared standardized loading when the model reproduces the
                          item variances)
rho_a                     Dijkstra & Henseler (2015): ``(w'w)^2 w'(S - diag S)w /
                          w'(ww' - diag ww')w`` on the block's correlation matrix ``S``
                          with the converged mode-A PLS weights ``w``, as seminr, cSEM and
                          ADANCO report it: by default a PLS fit of the model (path
                          scheme; factorial scheme over every pair of constructs when the
                          model has no structural model joining them all), or the weights
                          passed as ``pls_weights``
htmt, htmt2               Henseler, Ringle & Sarstedt (2015) and Roemer, Schuberth &
                          Henseler (2021), on the absolute item correlations
                          (``semTools::htmt(model, data, htmt2 = FALSE / TRUE)``)
sampling weights          ``weights="w"``: everything from the weighted covariance matrix
                          (divisor n) and a weighted CFA, as lavaan's ``sampling.weights``
                          (see :func:`measurement`)
modification indices      lavaan's ``modindices()`` (score test, expected information)
residuals                 lavaan's ``residuals(fit, type = "normalized")``
========================  ==================================================================
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .._inputs import as_spec, as_survey, listwise_message
from ..sem import diagnostics as _diagnostics
from ..sem import _estimation as est
from . import efa as _efa
from ..sem._ram import RAMModel
from .._format import format_fit_measures, format_int, format_p, p_text
from ..exceptions import (CSIModelWarning, DataQualityWarning, EstimationError, ModelSpecError,
                          SurveyDataError)
from ..sem.results import SEMResult, Summary, _fmt
from ..model.spec import ModelSpec, load_model  # noqa: F401 (load_model: the doctests)
from ..model.syntax import format_statement
from ..survey.moments import SurveyMoments

__all__ = ["measurement", "MeasurementResult", "Thresholds", "THRESHOLD_SOURCES", "cfa_spec",
           "cronbach_alpha", "htmt", "rho_a"]


# ============================================================================ thresholds
#: Where each default threshold comes from.
THRESHOLD_SOURCES = {
    "kmo": "Kaiser (1974), An index of factorial simplicity, Psychometrika 39: KMO >= .6 "
           "('mediocre'; .8 'meritorious')",
    "bartlett": "Bartlett (1951); Dziuban & Shirkey (1974): reject sphericity at p < .05",
    "alpha": "Nunnally (1978), Psychometric Theory, 2nd ed.: alpha >= .7",
    "rho_c": "Fornell & Larcker (1981), JMR 18(1); Hair, Risher, Sarstedt & Ringle (2019), "
             "EBR 31(1): rho_c >= .7",
    "rho_a": "Dijkstra & Henseler (2015), MISQ 39(2); Hair et al. (2019): rho_A >= .7",
    "ave": "Fornell & Larcker (1981), JMR 18(1): AVE >= .5",
    "loading": "Hair et al. (2019), EBR 31(1): standardized loadings >= .708 (~ .7)",
    "fornell_larcker": "Fornell & Larcker (1981): sqrt(AVE) above the latent's correlations",
    "htmt": "Henseler, Ringle & Sarstedt (2015), JAMS 43(1): HTMT < .85 (distinct concepts) "
            "or < .90 (similar concepts)",
    "cross_loading": "Hair et al. (2010), Multivariate Data Analysis: an EFA loading of |.3| "
                     "or more on a second factor is a cross-loading",
    "condition_index": "Belsley, Kuh & Welsch (1980), Regression Diagnostics: a condition "
                       "index sqrt(max/min eigenvalue) above 30 signals strong collinearity",
}


@dataclass(frozen=True)
class Thresholds:
    """The cut-offs of the verdicts (see :data:`THRESHOLD_SOURCES` for the sources).

    Examples
    --------
    >>> Thresholds(htmt=0.90).htmt
    0.9
    """

    kmo: float = 0.6
    alpha: float = 0.7          # applied to alpha_raw (the reliability table's raw alpha)
    rho_c: float = 0.7
    rho_a: float = 0.7
    ave: float = 0.5
    loading: float = 0.7
    htmt: float = 0.85
    cross_loading: float = 0.3
    bartlett_p: float = 0.05
    condition_index: float = 30.0

    def __post_init__(self):
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"The '{f.name}' threshold must be a number. Got {v!r} instead.")


# ============================================================================ pieces
def cfa_spec(spec: ModelSpec) -> ModelSpec:
    """The measurement model of ``spec`` as a CFA: its ``=~`` lines and item covariances.

    Regressions are dropped, so every latent is exogenous and all latent covariances
    are free (lavaan's ``cfa()`` of the ``=~`` lines).

    Examples
    --------
    >>> print(cfa_spec(load_model("acsi")).to_syntax().splitlines()[0])
    EXPE =~ EXPE1 + EXPE2 + EXPE3
    """
    lat = set(spec.latents)
    keep = []
    for st in spec.statements:
        if st.op == "=~":
            keep.append(format_statement(st))
        elif st.op == "~~" and (st.lhs not in lat or all(t.name == st.lhs for t in st.terms)) \
                and not any(t.name in lat and t.name != st.lhs for t in st.terms):
            keep.append(format_statement(st))
    return ModelSpec.from_syntax("\n".join(keep), name=f"{spec.name} (measurement model)",
                                 source=spec.source,
                                 allow_cross_loadings=spec.allow_cross_loadings)


def cronbach_alpha(data) -> float:
    """Cronbach's (1951) alpha of a block of items (``psych::alpha(x)$total$raw_alpha``).

    Examples
    --------
    >>> round(cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4],
    ...                                    "c": [1, 3, 3, 5]})), 4)
    0.9333
    """
    X = np.asarray(pd.DataFrame(data), dtype=float)
    k = X.shape[1]
    if k < 2:
        raise ValueError("Cronbach's alpha is undefined for a single item (it needs the "
                         "covariances between at least two items).")
    C = np.cov(X, rowvar=False)
    return float(k / (k - 1) * (1 - np.trace(C) / C.sum()))


def _alpha_from_cov(C: np.ndarray) -> float:
    k = C.shape[0]
    return float(k / (k - 1) * (1 - np.trace(C) / C.sum()))


def _mode_a_weights(R: np.ndarray) -> np.ndarray:
    """Weights of the first PLS mode-A iteration (covariances with the unit-weighted sum)."""
    w = R.sum(axis=1)
    return w / math.sqrt(w @ R @ w)


def rho_a(R, weights=None) -> float:
    """Dijkstra-Henseler rho_A of a block from its correlation matrix and outer weights.

    ``rho_A = (w'w)^2 w'(R - diag R)w / w'(ww' - diag ww')w`` with ``w`` scaled so that
    ``w'Rw = 1``. Without ``weights`` the first mode-A PLS iteration's weights are used
    (``w`` proportional to ``R 1``); for two items this is Spearman-Brown, ``2r / (1 + r)``.

    Examples
    --------
    >>> round(rho_a(np.array([[1, .5], [.5, 1]])), 4)
    0.6667
    """
    R = np.asarray(R, dtype=float)
    if R.shape[0] < 2:
        return float("nan")
    w = _mode_a_weights(R) if weights is None else np.asarray(weights, dtype=float)
    w = w / math.sqrt(w @ R @ w)
    ww = np.outer(w, w)
    num = (w @ w) ** 2 * (w @ (R - np.diag(np.diag(R))) @ w)
    den = w @ (ww - np.diag(np.diag(ww))) @ w
    return float(num / den)


def _htmt_matrix(absR: np.ndarray, blocks: list[np.ndarray], geometric: bool) -> np.ndarray:
    """HTMT (arithmetic means) or HTMT2 (geometric means) from absolute correlations."""
    p = absR.shape[0]
    k = len(blocks)
    G = np.zeros((p, k))
    for b, idx in enumerate(blocks):
        G[idx, b] = 1.0
    with np.errstate(divide="ignore"):
        A = np.log(absR) if geometric else absR.copy()
    np.fill_diagonal(A, 0.0)
    sizes = G.sum(axis=0)
    pairs = np.outer(sizes, sizes)
    np.fill_diagonal(pairs, sizes * (sizes - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        M = (G.T @ A @ G) / pairs
        if geometric:
            M = np.exp(M)
        mono = np.diag(M).copy()
        out = M / np.sqrt(np.outer(mono, mono))
    np.fill_diagonal(out, 1.0)
    return out


def htmt(data, blocks: Mapping[str, Any], *, htmt2: bool = False) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations (HTMT; HTMT2 with ``htmt2=True``).

    HTMT (Henseler et al. 2015) divides the mean absolute correlation between the items of
    two constructs by the geometric mean of their mean within-construct correlations;
    HTMT2 (Roemer et al. 2021) uses geometric means throughout. A construct with a single
    item has no within-construct correlation: its HTMT values are NaN (as semTools).
    In R: ``semTools::htmt(model, data, htmt2 = FALSE)``.

    Examples
    --------
    >>> x = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 4)), columns=list("abcd"))
    >>> htmt(x, {"A": ["a", "b"], "B": ["c", "d"]}).shape
    (2, 2)
    """
    frame = pd.DataFrame(data)
    names = list(blocks)
    items = [i for lv in names for i in blocks[lv]]
    absR = np.abs(np.corrcoef(frame[items].to_numpy(dtype=float), rowvar=False))
    idx, start = [], 0
    for lv in names:
        idx.append(np.arange(start, start + len(blocks[lv])))
        start += len(blocks[lv])
    return pd.DataFrame(_htmt_matrix(absR, idx, htmt2), index=names, columns=names)


def _match_factors(L: np.ndarray, item_block: np.ndarray, n_blocks: int) -> dict[int, int]:
    """Latent index -> factor index maximizing the summed |loading| of each latent's items."""
    from scipy.optimize import linear_sum_assignment   # here: scipy.optimize is slow to import
    k = L.shape[1]
    score = np.zeros((n_blocks, k))
    for b in range(n_blocks):
        score[b] = np.abs(L[item_block == b]).sum(axis=0)
    rows, cols = linear_sum_assignment(-score)
    return {int(r): int(c) for r, c in zip(rows, cols)}


# ============================================================================ result
def _clean(v):
    if isinstance(v, (float, np.floating)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if v is pd.NA:
        return None
    return v


def _records(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None:
        return []
    return [{str(k): _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


def _matrix(frame: pd.DataFrame | None) -> dict | None:
    if frame is None:
        return None
    return {str(i): {str(c): _clean(v) for c, v in row.items()} for i, row in frame.iterrows()}


@dataclass(frozen=True, eq=False)
class MeasurementResult:
    """Result of :func:`measurement`. Tables are pandas objects; nothing is rounded.

    Attributes
    ----------
    reliability : DataFrame
        One row per latent: ``latent, n_items, alpha_raw`` (Cronbach's alpha on the raw
        covariances), ``alpha_std`` (on the correlations, the one PLS software reports),
        ``rho_c, omega, rho_a, ave, sqrt_ave, note`` (``note`` says why a value is missing,
        e.g. a single item).
    items : DataFrame
        One row per item: ``latent, item, loading`` (standardized CFA loading) ``se,
        ci.lower, ci.upper, r_drop`` (corrected item-total correlation) ``alpha_if_deleted,
        msa`` (KMO of the item) ``communality`` (EFA).
    kmo : float or None
        Overall KMO (None when it cannot be computed: fewer respondents than items or a
        singular correlation matrix).
    bartlett : Series or None
        ``chisq, df, pvalue`` of Bartlett's test of sphericity.
    eigenvalues : DataFrame or None
        Scree and parallel-analysis data (``factor, eigenvalue, simulated, reduced,
        reduced_simulated``).
    parallel : ParallelAnalysis or None
        Includes the suggested numbers of factors and components.
    efa : EFAResult or None
        The EFA (loadings ``F1..Fk``, communalities, factor correlations).
    efa_loadings : DataFrame
        One row per item: ``latent, item, factor`` (the factor matched to its latent),
        ``loading`` (on that factor), ``primary_factor, primary_loading,
        primary_latent, wrong_factor, cross_loading, cross_factors``.
    factor_map : dict
        Latent -> EFA factor name (Hungarian matching on the absolute loadings).
    latent_correlations, fornell_larcker, htmt, htmt2 : DataFrame
        Latents x latents. ``fornell_larcker`` has sqrt(AVE) on its diagonal and the CFA's
        latent correlations elsewhere.
    htmt_table : DataFrame
        One row per pair: ``lhs, rhs, htmt, ci.lower, ci.upper, htmt2, htmt2.ci.lower,
        htmt2.ci.upper`` (percentile bootstrap intervals; NaN without bootstrap).
    cross_loadings : DataFrame
        Items x latents: correlations of each item with each latent's composite score
        (standardized items, mode-A weights as for ``rho_a``).
    cfa : SEMResult or None
        The CFA of the measurement model (lavaan's conventions).
    modindices : DataFrame
        ``lhs, op, rhs, mi, epc, sepc.lv, sepc.all, sepc.nox`` sorted by ``mi`` (lavaan's
        ``modindices()``).
    residuals : DataFrame
        Normalized covariance residuals (lavaan's ``type = "normalized"``).
    verdicts : DataFrame
        ``criterion, target, value, threshold, rule, passed, source``; ``passed`` is None
        when the statistic is undefined (the reason is in ``value``'s note in
        :attr:`reliability`).
    warnings : tuple of str
        Everything a reader must see; shown in every report.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax(
    ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
    >>> m = cm.measurement(spec, cm.simulate_survey("telecom", n=200, seed=1), n_boot=0,
    ...                    n_iter_parallel=5)
    >>> m
    <MeasurementResult sat_loy: n=200, 2 latents, 0 failed verdict(s), 0 warning(s)>
    >>> m.reliability[["latent", "alpha_raw", "rho_c", "ave"]].round(3)
      latent  alpha_raw  rho_c    ave
    0    SAT      0.880  0.882  0.715
    1    LOY      0.846  0.863  0.651
    >>> m.passed
    True
    """

    spec: ModelSpec
    n: int
    n_total: int
    data_source: str
    thresholds: Thresholds
    blocks: dict
    reliability: pd.DataFrame
    items: pd.DataFrame
    kmo: float | None
    kmo_items: pd.Series | None
    bartlett: pd.Series | None
    eigenvalues: pd.DataFrame | None
    parallel: Any
    efa: Any
    efa_loadings: pd.DataFrame | None
    factor_map: dict
    latent_correlations: pd.DataFrame | None
    fornell_larcker: pd.DataFrame | None
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    htmt_table: pd.DataFrame
    cross_loadings: pd.DataFrame
    cfa: SEMResult | None
    modindices: pd.DataFrame | None
    residuals: pd.DataFrame | None
    verdicts: pd.DataFrame
    warnings: tuple[str, ...]
    options: dict = field(default_factory=dict)

    # ----------------------------------------------------------------- accessors
    @property
    def fit_measures(self) -> pd.Series | None:
        """Fit measures of the measurement model (lavaan's names), or None without a CFA."""
        return None if self.cfa is None else self.cfa.fit_measures

    @property
    def passed(self) -> bool:
        """True when every defined verdict passes."""
        v = self.verdicts["passed"]
        return bool(all(x for x in v if x is not None))

    # ----------------------------------------------------------------- reporting
    def summary(self, digits: int = 3, max_modindices: int = 10) -> Summary:
        """A readable report: header, warnings, verdicts and every table.

        Examples
        --------
        >>> import csi_model as cm
        >>> spec = cm.ModelSpec.from_syntax(
        ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
        >>> m = cm.measurement(spec, cm.simulate_survey("telecom", n=200, seed=1), n_boot=0,
        ...                    n_iter_parallel=5)
        >>> m.summary()                        # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        csi_model measurement model: sat_loy
        ====================================
        Model              sat_loy (2 latents, 6 items)
        Data               <DataFrame>: 200 of 200 respondents used
        Missing data       listwise
        KMO                0.817
        Bartlett's test    chi-square 672.291 on 15 df, p < .001
        ...
        Reliability and convergent validity
        -----------------------------------
               n_items alpha_raw alpha_std  rho_c  omega  rho_a    ave sqrt_ave note
        latent
        SAT          3     0.880     0.880  0.882  0.882  0.890  0.715    0.845
        LOY          3     0.846     0.860  0.863  0.848  0.868  0.651    0.807
        ...
        """
        r = lambda frame: frame  # noqa: E731 - Summary formats (csi_model._format)
        fm = self.fit_measures
        header = [
            ("Model", f"{self.spec.name} ({len(self.blocks)} latents, "
                      f"{sum(len(v) for v in self.blocks.values())} items)"),
            ("Data", f"{self.data_source}: {self.n} of {self.n_total} respondents used"),
            ("Missing data", self.options.get("missing", "listwise")),
        ]
        if self.options.get("weights"):
            header.append(("Sampling weights",
                           f"column '{self.options['weights']}' (see the warnings)"))
        if self.kmo is not None:
            header.append(("KMO", _fmt(self.kmo, digits)))
        if self.bartlett is not None:
            b = self.bartlett
            header.append(("Bartlett's test", f"chi-square {_fmt(b['chisq'], digits)} on "
                                              f"{format_int(b['df'])} df, {p_text(b['pvalue'])}"))
        if self.parallel is not None:
            header.append(("Parallel analysis", f"{self.parallel.n_factors} factors, "
                                                f"{self.parallel.n_components} components "
                                                f"({self.parallel.n_iter} simulated data sets, "
                                                f"seed {self.parallel.seed})"))
        if self.efa is not None:
            header.append(("EFA", f"{self.efa.loadings.shape[1]} factors, {self.efa.method}, "
                                  f"rotation {self.efa.rotation}"))
        if fm is not None:
            header.append(("CFA fit", f"chi-square {_fmt(fm['chisq'], digits)} on "
                                      f"{format_int(fm['df'])} df, {p_text(fm['pvalue'])}, "
                                      f"CFI {_fmt(fm['cfi'], digits)}, TLI {_fmt(fm['tli'], digits)}, "
                                      f"RMSEA {_fmt(fm['rmsea'], digits)}, SRMR "
                                      f"{_fmt(fm['srmr'], digits)}"))
        failed = self.verdicts[self.verdicts["passed"].map(lambda x: x is False)]
        header.append(("Verdicts", f"{int(self.verdicts['passed'].map(lambda x: x is True).sum())} "
                                   f"passed, {len(failed)} failed, "
                                   f"{int(self.verdicts['passed'].map(lambda x: x is None).sum())} "
                                   "undefined"))
        tables: list[tuple[str, pd.DataFrame]] = [
            ("Reliability and convergent validity", r(self.reliability.set_index("latent"))),
            ("Items", r(self.items.set_index(["latent", "item"]))),
        ]
        if self.efa_loadings is not None:
            L = self.efa.loadings.copy()
            inv = {f: lv for lv, f in self.factor_map.items()}
            L.columns = [f"{c} ({inv[c]})" if c in inv else c for c in L.columns]
            tables.append(("EFA loadings (factors matched to latents)", r(L)))
            flagged = self.efa_loadings[self.efa_loadings["wrong_factor"]
                                        | self.efa_loadings["cross_loading"]]
            if len(flagged):
                tables.append(("EFA: items on the wrong factor or cross-loading",
                               r(flagged.set_index(["latent", "item"]))))
        if self.eigenvalues is not None:
            tables.append(("Eigenvalues and parallel analysis", r(self.eigenvalues.set_index("factor"))))
        if self.fornell_larcker is not None:
            tables.append(("Fornell-Larcker (diagonal: sqrt(AVE); below: latent correlations)",
                           r(self.fornell_larcker)))
        tables.append(("HTMT (with bootstrap CIs) and HTMT2",
                       r(self.htmt_table.set_index(["lhs", "rhs"]))))
        tables.append(("Cross-loadings (item-composite correlations)", r(self.cross_loadings)))
        if self.modindices is not None:
            tables.append((f"Modification indices (largest {max_modindices})",
                           r(self.modindices.head(max_modindices).set_index(["lhs", "op", "rhs"]))))
        if self.residuals is not None:
            tables.append(("Normalized residuals (lavaan type = 'normalized')", r(self.residuals)))
        if fm is not None:
            from ..sem.results import MAIN_FIT_MEASURES
            keys = [k for k in MAIN_FIT_MEASURES if k in fm.index]
            tables.append(("Fit of the measurement model", format_fit_measures(fm[keys], digits)))
        v = self.verdicts.copy()
        v["passed"] = v["passed"].map({True: "yes", False: "NO", None: "undefined"})
        v["value"] = [format_p(x) if t == "p-value" else x
                      for x, t in zip(v["value"], v["target"])]
        tables.append(("Verdicts", r(v.drop(columns=["source"]).set_index(["criterion", "target"]))))
        src = pd.DataFrame({"source": [THRESHOLD_SOURCES[k] for k in
                                       dict.fromkeys(self.verdicts["criterion"])
                                       if k in THRESHOLD_SOURCES]},
                           index=[k for k in dict.fromkeys(self.verdicts["criterion"])
                                  if k in THRESHOLD_SOURCES])
        tables.append(("Threshold sources", src))
        return Summary(f"csi_model measurement model: {self.spec.name}", header, tables,
                       self.warnings, digits=digits)

    def __repr__(self) -> str:
        failed = int(self.verdicts["passed"].map(lambda x: x is False).sum())
        return (f"<MeasurementResult {self.spec.name}: n={self.n}, {len(self.blocks)} latents, "
                f"{failed} failed verdict(s), {len(self.warnings)} warning(s)>")

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN -> None) with the same names as the Python tables.

        Examples
        --------
        >>> import csi_model as cm
        >>> spec = cm.ModelSpec.from_syntax(
        ...     "SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\nLOY ~ SAT", name="sat_loy")
        >>> m = cm.measurement(spec, cm.simulate_survey("telecom", n=200, seed=1), n_boot=0,
        ...                    n_iter_parallel=5)
        >>> import json
        >>> d = m.to_dict()
        >>> sorted(d)[:6]
        ['bartlett', 'blocks', 'cross_loadings', 'efa', 'eigenvalues', 'fit_measures']
        >>> d["reliability"][0]["latent"], round(d["reliability"][0]["alpha_raw"], 3)
        ('SAT', 0.88)
        >>> len(json.dumps(d)) > 1000
        True
        """
        efa = None
        if self.efa is not None:
            efa = {"method": self.efa.method, "rotation": self.efa.rotation,
                   "n_factors": int(self.efa.loadings.shape[1]),
                   "loadings": _matrix(self.efa.loadings),
                   "communalities": {k: _clean(v) for k, v in self.efa.communalities.items()},
                   "factor_correlations": _matrix(self.efa.factor_correlations),
                   "factor_map": dict(self.factor_map),
                   "items": _records(self.efa_loadings)}
        out = {
            "n": int(self.n), "n_total": int(self.n_total), "model": self.spec.name,
            "blocks": {k: list(v) for k, v in self.blocks.items()},
            "thresholds": {f.name: getattr(self.thresholds, f.name) for f in fields(Thresholds)},
            "kmo": {"overall": _clean(self.kmo),
                    "items": None if self.kmo_items is None else
                    {k: _clean(v) for k, v in self.kmo_items.items()}},
            "bartlett": None if self.bartlett is None else
            {k: _clean(v) for k, v in self.bartlett.items()},
            "eigenvalues": _records(self.eigenvalues),
            "parallel": None if self.parallel is None else
            {"n_factors": self.parallel.n_factors, "n_components": self.parallel.n_components,
             "n_iter": self.parallel.n_iter, "seed": self.parallel.seed},
            "efa": efa,
            "reliability": _records(self.reliability),
            "items": _records(self.items),
            "latent_correlations": _matrix(self.latent_correlations),
            "fornell_larcker": _matrix(self.fornell_larcker),
            "htmt": _records(self.htmt_table),
            "cross_loadings": _matrix(self.cross_loadings),
            "fit_measures": None if self.fit_measures is None else
            {k: _clean(v) for k, v in self.fit_measures.items()},
            "modindices": _records(self.modindices),
            "residuals": {"type": "normalized", "values": _matrix(self.residuals)},
            "verdicts": _records(self.verdicts),
            "warnings": list(self.warnings),
            "options": {k: _clean(v) for k, v in self.options.items()},
        }
        return out


# ============================================================================ main
def _pls_weight_map(pls_weights) -> dict[str, dict[str, float]] | None:
    if pls_weights is None:
        return None
    frame = getattr(pls_weights, "weights", pls_weights)
    if isinstance(frame, pd.DataFrame) and {"lhs", "rhs", "est"} <= set(frame.columns):
        out: dict[str, dict[str, float]] = {}
        for r in frame.itertuples(index=False):
            out.setdefault(r.lhs, {})[r.rhs] = float(r.est)
        return out
    if isinstance(pls_weights, Mapping):
        return {lv: dict(w) for lv, w in pls_weights.items()}
    raise TypeError("The 'pls_weights' parameter of measurement must be a PLSResult, its "
                    "'weights' table (lhs, rhs, est) or a mapping latent -> {item: weight}. "
                    f"Got {type(pls_weights).__name__} instead.")


def _em_moments(X: np.ndarray, source: str, weights: np.ndarray | None = None):
    """EM (saturated ML) covariance (divisor n) and means of items with missing answers;
    with sampling ``weights`` (summing to n) the weighted EM (lavaan's h1 of a fit with
    ``missing = "ml"`` and ``sampling.weights``)."""
    from ..sem._fiml import MissingData, em_saturated_batch
    data = MissingData(X)
    W = np.ones((1, data.n)) if weights is None else np.asarray(weights, float)[None]
    S, mu, _, iters, conv = em_saturated_batch(
        data, W, np.diag(np.nanvar(X, axis=0))[None],
        np.nanmean(X, axis=0)[None], tol=1e-12, max_iter=20000)
    if not conv[0]:
        raise EstimationError(f"{source}: the EM estimate of the item covariance matrix did not "
                              f"converge in {iters} iterations; use missing='listwise'.")
    return S[0], mu[0]


class _EMCorrelations:
    """HTMT bootstrap statistic with missing='em': the weighted EM per resample (batched,
    warm-started from the full-sample EM), then ``f`` of the correlation matrix. The case
    weights of a resample are its bootstrap counts, times the rows' sampling ``weights``
    when there are some (a row drawn carries its weight)."""

    def __init__(self, X, S, mu, f, weights=None):
        from ..sem._fiml import MissingData
        self.data, self.S, self.mu, self.f = MissingData(X), S, mu, f
        self.weights = None if weights is None else np.asarray(weights, float)
        self.batch = self._batch

    def _batch(self, index_list):
        from ..sem._fiml import em_saturated_batch
        n = self.data.n
        idx = np.stack([np.asarray(i) for i in index_list])
        W = np.stack([np.bincount(i, minlength=n) for i in idx]).astype(float)
        if self.weights is not None:
            W = W * self.weights
        R = len(W)
        S, _, _, _, conv = em_saturated_batch(self.data, W, np.repeat(self.S[None], R, 0),
                                              np.repeat(self.mu[None], R, 0), tol=1e-9,
                                              max_iter=2000)
        out = []
        for r in range(R):
            d = np.sqrt(np.diag(S[r]))
            out.append(self.f(S[r] / np.outer(d, d)) if conv[r] else None)
        k = len(next(o for o in out if o is not None)) if any(o is not None for o in out) else 0
        return np.array([o if o is not None else np.full(k, np.nan) for o in out])

    def __call__(self, indices):
        return self._batch([indices])[0]


def _converged_weights(spec: ModelSpec, blocks: dict, frame: pd.DataFrame, warn,
                       missing: str = "listwise"):
    """Converged mode-A PLS weights of every block for rho_A, and a note of how they came.

    The model's own inner model (path scheme, SmartPLS's and seminr's default) when its
    structural paths join every block's latent and nothing else; otherwise every pair of
    constructs is adjacent and the factorial scheme is used (the inner weights are then the
    construct correlations, whatever the direction). None when PLS cannot be fitted (then
    the first mode-A iteration's weights are used, with a warning).
    """
    # measurement/ and pls/ are siblings; the PLS algorithm is reached lazily, here only
    from ..pls.fit import fit_pls
    lat = list(blocks)
    paths = list(spec.structural_paths)
    own = (bool(paths) and all(f in blocks and t in blocks for f, t in paths)
           and {v for p in paths for v in p} == set(lat))
    lines = [f"{lv} =~ {' + '.join(its)}" for lv, its in blocks.items()]
    if own:
        lines += [f"{t} ~ {f}" for f, t in paths]
        scheme, how = "path", "converged mode-A PLS weights (path scheme, the model's paths)"
    else:
        lines += [f"{t} ~ {f}" for k, t in enumerate(lat) for f in lat[:k]]
        scheme, how = ("factorial", "converged mode-A PLS weights (factorial scheme, every "
                                    "pair of constructs adjacent)")
    if len(lat) < 2:
        return None, "first mode-A iteration (a single construct: no PLS inner model)"
    try:
        pspec = ModelSpec.from_syntax("\n".join(lines), name=spec.name,
                                      allow_cross_loadings=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = fit_pls(pspec, frame, scheme=scheme, mode="A", missing=missing)
        if not res.converged:
            raise EstimationError(f"PLS did not converge in {res.iterations} iterations")
    except (EstimationError, ModelSpecError, ValueError) as exc:
        warn(f"rho_A: the PLS weights could not be computed ({exc}); rho_A uses the weights "
             "of the first PLS iteration instead. Pass pls_weights=fit_pls(...) to use a "
             "converged solution.", CSIModelWarning)
        return None, "first mode-A iteration (PLS failed)"
    out: dict[str, dict[str, float]] = {}
    for r in res.weights.itertuples(index=False):
        out.setdefault(r.lhs, {})[r.rhs] = float(r.est)
    return out, how


def measurement(spec: ModelSpec | str | Path, data, *, missing_codes=None,
                n_factors: int | None = None, method: str = "minres",
                rotation: str | None = "oblimin", thresholds: Thresholds | None = None,
                n_boot: int = 1000, seed: int = 0, level: float = 0.95,
                n_iter_parallel: int = 20, pls_weights=None, scale=None,
                missing: str = "listwise", weights: str | None = None) -> MeasurementResult:
    """Assess the measurement model: EFA, reliability, validity and CFA diagnostics.

    Parameters
    ----------
    spec : ModelSpec, str or Path
        The model (only its measurement part, the ``=~`` lines, is used).
    data : Survey, DataFrame or path
        The survey; with ``missing="listwise"`` incomplete rows are dropped (reported in the
        warnings).
    missing : {"listwise", "em"}
        ``"listwise"`` (default): everything on the complete rows. ``"em"`` (alias ``"ml"``):
        every respondent is kept; alpha, the item-rest correlations, rho_A, KMO, Bartlett's
        test, the eigenvalues, the parallel analysis, the EFA, the cross-loadings and HTMT
        use the EM (saturated maximum-likelihood) covariance matrix of the items (``n`` =
        every respondent with an answer), the CFA is fitted by FIML (``fit(...,
        missing="fiml")``), omega and AVE use its loadings with the EM covariance matrix as
        the observed variances (semTools' ``compRelSEM`` / ``AVE`` of a lavaan fit with
        ``missing = "ml"``), and the HTMT bootstrap re-runs the EM on every resample.
        Modification indices and normalized residuals are listwise-only (None with
        ``"em"``).
    weights : str, optional
        The column of sampling weights (post-stratification, quotas; lavaan's
        ``sampling.weights``; not a model item). The weights of the respondents used are
        rescaled to sum to their number ``n``, and every statistic comes from the weighted
        covariance matrix of the items, divisor ``n`` (R's ``cov.wt(x, wt, method = "ML")``,
        lavaan's weighted moments; with ``missing="em"`` the weighted EM of the saturated
        model, lavaan's h1 of a fit with ``missing = "ml"`` and ``sampling.weights``):
        Cronbach's alpha raw (on that covariance matrix; alpha does not depend on the divisor)
        and standardized, the item-rest correlations, alpha if deleted, rho_A (PLS of the
        weighted correlation matrix), KMO, Bartlett's test, the eigenvalues, the parallel
        analysis, the EFA, the cross-loadings and HTMT - exactly the ``missing="em"`` path
        from a matrix (psych's ``alpha``, ``KMO``, ``cortest.bartlett(R, n)`` and ``fa(r = R,
        n.obs = n)`` of the weighted matrix). Bartlett's test and the parallel analysis use
        ``n`` = the number of respondents (the weights sum to it, as lavaan's rescaled
        weights), not Kish's effective sample size ``(sum w)^2 / sum w^2``, which the note in
        ``warnings`` reports. The CFA is ``fit(..., weights=)``: weighted ML (weighted FIML
        with ``"em"``) with robust (Huber-White) standard errors; omega and AVE use its
        loadings with the weighted covariance matrix as the observed variances (semTools'
        ``compRelSEM`` / ``AVE`` of a lavaan fit with ``sampling.weights``, whose observed
        variances are ``lavInspect(fit, "sampstat")``, the weighted moments). The HTMT
        bootstrap draws respondents with their weights (re-rescaled in each resample; with
        ``"em"`` the weighted EM of the counts times the weights). Modification indices are
        lavaan's ``modindices()`` of the weighted fit (score tests of the weighted moments,
        not robust ones); normalized residuals are not computed with weights (None, said in
        ``warnings``). Negative, missing, non-numeric or all-zero weights are an error naming
        the rows. ``options["weights"]`` holds the column.
    missing_codes : sequence, optional
        Answer codes meaning "no answer" when ``data`` is read here.
    scale : (min, max), optional
        The answer scale of every item: answers outside it are an error (see
        :func:`csi_model.survey.read.read_survey`).
    n_factors : int, optional
        Factors of the EFA (default: the number of latents).
    method : {"minres", "ml"}
        EFA extraction.
    rotation : {"oblimin", "promax", "varimax", None}
        EFA rotation.
    thresholds : Thresholds, optional
        Cut-offs of the verdicts (default :class:`Thresholds()`).
    n_boot : int
        Bootstrap resamples for the HTMT intervals (0: no intervals).
    seed : int
        Seed of the bootstrap and of the parallel analysis (results are reproducible).
    level : float
        Confidence level of the loading and HTMT intervals.
    n_iter_parallel : int
        Simulated data sets of the parallel analysis.
    pls_weights : PLSResult, DataFrame or mapping, optional
        Converged PLS outer weights for rho_A (default: those of a mode-A PLS fit of the
        model on the same rows; ``options["rho_a_weights"]`` says which were used).

    Returns
    -------
    MeasurementResult

    Examples
    --------
    >>> from csi_model import simulate_survey
    >>> res = measurement("telecom", simulate_survey("telecom", n=300, seed=1), n_boot=50)
    >>> res.reliability.set_index("latent").loc["SAT", "alpha_raw"] > 0.7
    np.True_
    >>> res.reliability.set_index("latent").loc["COMP", "note"]
    'single item: alpha, rho_c, omega, rho_A and AVE are undefined'

    With sampling weights (a column of the survey):

    >>> df = simulate_survey("telecom", n=300, seed=1)
    >>> df["w"] = np.where(df["SAT1"] > 6, 0.8, 1.3)
    >>> wres = measurement("telecom", df, weights="w", n_boot=0, n_iter_parallel=5)
    >>> wres.options["weights"], wres.warnings[0][:60]
    ('w', "Sampling weights from column 'w', rescaled to sum to the 300")
    """
    spec = as_spec(spec, "measurement")
    thr = Thresholds() if thresholds is None else thresholds
    if not isinstance(thr, Thresholds):
        raise TypeError("The 'thresholds' parameter of measurement must be a Thresholds "
                        f"object, e.g. Thresholds(htmt=0.90). Got {type(thr).__name__} instead.")
    if not 0 < level < 1:
        raise ValueError(f"The 'level' parameter of measurement must be in (0, 1). Got {level!r}.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ValueError(f"The 'n_boot' parameter of measurement must be a non-negative "
                         f"integer. Got {n_boot!r} instead.")
    obs = set(spec.observed)
    blocks = {lv: tuple(i for i in its if i in obs) for lv, its in spec.indicators.items()}
    blocks = {lv: its for lv, its in blocks.items() if its}
    if not blocks:
        raise EstimationError(f"The model {spec.name} has no latent measured by observed items "
                              "('LV =~ item1 + item2'); there is no measurement model to assess.")
    items = list(dict.fromkeys(i for its in blocks.values() for i in its))
    from ..survey.weights import check_weight_column, survey_weights
    wcol = check_weight_column(weights, items, func="measurement")
    survey = as_survey(data, spec, missing_codes, "measurement", items=items, scale=scale)
    spec.check_against(survey.data.columns, data_source=survey.source)
    msgs: list[str] = []

    def warn(msg: str, category=DataQualityWarning):
        msgs.append(msg)
        warnings.warn(msg, category, stacklevel=3)

    from ..survey.missing import check_patterns, resolve_missing
    missing = resolve_missing(missing, "measurement", "measurement")
    em = missing == "em" and bool(survey.data[items].isna().any().any())
    if em:
        keep, pnotes = check_patterns(survey, items, "em", "measurement")
        msgs.extend(pnotes)
        frame = survey.data.loc[keep]
        X = frame[items].to_numpy(dtype=float)
        sw = None if wcol is None else survey_weights(survey, wcol, keep)
        S_mat, mu_mat = _em_moments(X, survey.source, sw)
        msgs.append(f"EM: {int(np.isnan(X).sum())} missing answers of "
                    f"{int(np.isnan(X).any(axis=1).sum())} of {len(X)} respondents; reliability, "
                    "validity, EFA and HTMT use the EM covariance matrix of the items and the CFA "
                    "is fitted by FIML: every respondent is kept.")
    else:
        frame, dropped = survey.complete_cases(items)
        if len(dropped):
            warn(listwise_message(survey, dropped))
        X = frame[items].to_numpy(dtype=float)
        sw = None if wcol is None else survey_weights(survey, wcol, frame.index)
        if sw is not None:
            wmom = est.Moments.from_data(X, sw)
            S_mat, mu_mat = wmom.cov, wmom.mean
    # "matrix": every statistic from the (EM and/or weighted) covariance matrix of the items
    matrix = em or sw is not None
    n, p = X.shape
    if sw is not None:
        n_eff = float(sw.sum() ** 2 / np.sum(sw ** 2))
        msgs.append(
            f"Sampling weights from column '{wcol}', rescaled to sum to the {n} respondents "
            f"used (Kish effective sample size {n_eff:.0f}): alpha, the item-rest correlations, "
            "rho_A, KMO, Bartlett's test, the eigenvalues, the parallel analysis, the EFA, the "
            "cross-loadings and HTMT use the weighted " + ("EM " if em else "") +
            "covariance matrix of the items (divisor n, as lavaan's sampling.weights); "
            f"Bartlett's test and the parallel analysis take n = {n} rows (the weights sum to "
            f"it), not the effective {n_eff:.0f}, so their p-values and simulated eigenvalues "
            "are those of an unweighted sample of that size; the CFA is weighted " +
            ("FIML" if em else "ML") + " with robust (Huber-White) standard errors, and omega "
            "and AVE use the weighted covariance matrix as the observed variances" +
            ("; a bootstrap resample of the HTMT draws respondents with their weights."
             if n_boot > 0 else "."))
    if n < 3:
        raise EstimationError(f"{survey.source}: only {n} complete rows for {p} items; nothing "
                              "can be assessed. Check the missing codes and the data.")
    sd = np.sqrt(np.diag(S_mat)) if matrix else X.std(axis=0)
    const = [c for c, s in zip(items, sd) if not s > 1e-12 * max(1.0, float(sd.max()))]
    if const:
        raise SurveyDataError(f"{survey.source}: the item(s) {', '.join(const)} are constant in "
                              "the rows used; a constant item has no variance. Drop them from "
                              "the model or check the data.")
    if matrix:
        R = S_mat / np.outer(sd, sd)
        Xf = _efa.CorrelationMatrix(pd.DataFrame(R, index=items, columns=items), n)
    else:
        Xf = pd.DataFrame(X, columns=items)
        R = np.corrcoef(X, rowvar=False)
    few = n <= p
    if few:
        warn(f"Fewer respondents ({n}) than items ({p}): the correlation matrix is singular; "
             "KMO, Bartlett's test, the EFA and the CFA are not computed. Collect more data.")
    eig = np.linalg.eigvalsh(R)
    singular = bool(eig.min() < 1e-10 * max(eig.max(), 1.0))
    det = float(np.prod(eig)) if not singular else 0.0
    if singular and not few:
        warn("The item correlation matrix is singular (an item is an exact linear combination "
             "of others, e.g. a duplicated column or a sum score): KMO, Bartlett's test, the EFA "
             "and the CFA are not computed. Remove the redundant item.")
    elif not few and math.sqrt(eig.max() / eig.min()) > thr.condition_index:
        warn(f"The item correlation matrix is nearly singular (condition index "
             f"{math.sqrt(eig.max() / eig.min()):.1f} > {thr.condition_index:g}; smallest "
             f"eigenvalue {eig.min():.2e}, determinant {det:.2e}): strong collinearity; some "
             "items may be near-duplicates of others.")
    factorable = not (few or singular)

    # ---------------------------------------------------------------- adequacy, EFA
    kmo_val = kmo_items = bart = eigen = pa = efa_res = efa_tab = None
    factor_map: dict[str, str] = {}
    lat_names = list(blocks)
    item_block = np.array([next(b for b, lv in enumerate(lat_names) if i in blocks[lv])
                           for i in items])
    if factorable:
        k = _efa.kmo(Xf)
        kmo_val, kmo_items = k.overall, k.items
        b = _efa.bartlett_sphericity(Xf)
        bart = pd.Series({"chisq": b.chisq, "df": b.df, "pvalue": b.pvalue}, name="bartlett")
        pa = _efa.parallel_analysis(Xf, n_iter=n_iter_parallel, seed=seed)
        eigen = pa.table
        nf = len(blocks) if n_factors is None else n_factors
        nf = int(min(nf, p - 1))
        efa_res = _efa.efa(Xf, nf, method=method, rotation=rotation)
        for it in efa_res.heywood:
            warn(f"EFA: the communality of {it} is {efa_res.communalities[it]:.3f} (a Heywood "
                 "case, typical of a factor with one item); its loadings are unreliable.",
                 CSIModelWarning)
        L = efa_res.loadings.to_numpy()
        fnames = list(efa_res.loadings.columns)
        match = _match_factors(L, item_block, len(lat_names))
        factor_map = {lat_names[b]: fnames[f] for b, f in match.items()}
        inv = {f: lat_names[b] for b, f in match.items()}
        rows = []
        for i, it in enumerate(items):
            lv = lat_names[item_block[i]]
            f = match.get(int(item_block[i]))
            prim = int(np.argmax(np.abs(L[i])))
            own = L[i, f] if f is not None else np.nan
            others = [fnames[j] for j in range(L.shape[1])
                      if j != prim and abs(L[i, j]) >= thr.cross_loading]
            rows.append({"latent": lv, "item": it, "factor": fnames[f] if f is not None else None,
                         "loading": own, "primary_factor": fnames[prim],
                         "primary_loading": L[i, prim], "primary_latent": inv.get(prim),
                         "wrong_factor": bool(f is None or prim != f),
                         "cross_loading": bool(len(others) > 0),
                         "cross_factors": ", ".join(others)})
        efa_tab = pd.DataFrame(rows)
        for r in efa_tab[efa_tab["wrong_factor"]].itertuples(index=False):
            # Name the factor by the latent matched to it only when items of that latent load
            # most there: the matching gives every factor a latent, also one whose items
            # barely load on it (COMP1 at .05 on "the factor of COMP"); such a factor, and
            # one matched to no latent, is "an unmatched factor".
            on = efa_tab.loc[efa_tab["primary_factor"] == r.primary_factor]
            if r.primary_latent and (on["latent"] == r.primary_latent).any():
                where = f"{r.primary_factor}, the factor of {r.primary_latent} "
                tail = "({a} vs {b} on its own factor)." if r.factor is not None else \
                    "({a}; no factor is matched to {lv})."
            else:
                where = f"an unmatched factor ({r.primary_factor})"
                tail = ": {a} vs {b} on its own factor." if r.factor is not None else \
                    ": {a}; no factor is matched to {lv}."
            warn(f"EFA: {r.item} (an item of {r.latent}) loads most on {where}" +
                 tail.format(a=f"{r.primary_loading:.2f}", b=f"{r.loading:.2f}", lv=r.latent),
                 CSIModelWarning)

    # ---------------------------------------------------------------- reliability
    pls_w = _pls_weight_map(pls_weights)
    if pls_w is not None:
        rho_a_source = "pls_weights (given)"
    else:
        # weighted: PLS of the weighted (EM) correlation matrix (the weights' only input)
        pls_w, rho_a_source = _converged_weights(
            spec, blocks,
            frame[items] if sw is None else SurveyMoments.from_matrix(items, n, mu_mat, S_mat,
                                                                      survey.source),
            warn, "em" if em and sw is None else "listwise")
    cov = S_mat if matrix else np.cov(X, rowvar=False)
    pos = {it: j for j, it in enumerate(items)}
    rel_rows, item_rows = [], []
    weights = np.zeros((p, len(lat_names)))
    for b, lv in enumerate(lat_names):
        idx = [pos[i] for i in blocks[lv]]
        kb = len(idx)
        Rb = R[np.ix_(idx, idx)]
        if pls_w is not None and lv in pls_w:
            w = np.array([pls_w[lv].get(i, 0.0) for i in blocks[lv]])
            w = w / math.sqrt(w @ Rb @ w)
        else:
            w = _mode_a_weights(Rb)
        weights[idx, b] = w
        row = {"latent": lv, "n_items": kb}
        if kb == 1:
            row.update(alpha_raw=np.nan, alpha_std=np.nan, rho_a=np.nan,
                       note="single item: alpha, rho_c, omega, rho_A and AVE are undefined")
            msgs.append(f"{lv} is measured by a single item ({blocks[lv][0]}): Cronbach's alpha, "
                        "rho_c, omega, rho_A and AVE are undefined for it (its reliability is "
                        "assumed to be 1 in the CFA: residual variance fixed at 0), and its "
                        "HTMT values are undefined.")
            item_rows.append({"latent": lv, "item": blocks[lv][0], "r_drop": np.nan,
                              "alpha_if_deleted": np.nan})
        else:
            Cb = cov[np.ix_(idx, idx)]
            row.update(alpha_raw=_alpha_from_cov(Cb), alpha_std=_alpha_from_cov(Rb),
                       rho_a=rho_a(Rb, w), note="")
            for j, it in enumerate(blocks[lv]):
                # corrected item-total correlation from the covariances (= the correlation of
                # the item with the sum of the others in the rows, whatever the divisor)
                rest = [m for m in range(kb) if m != j]
                c_ir = Cb[j, rest].sum()
                r_drop = float(c_ir / math.sqrt(Cb[j, j] * Cb[np.ix_(rest, rest)].sum()))
                keep = [m for m in range(kb) if m != j]
                aid = _alpha_from_cov(Cb[np.ix_(keep, keep)]) if kb > 2 else np.nan
                item_rows.append({"latent": lv, "item": it, "r_drop": r_drop,
                                  "alpha_if_deleted": aid})
                if r_drop < 0:
                    warn(f"{it} correlates negatively with the other items of {lv} (corrected "
                         f"item-total correlation {r_drop:.3f}): it is probably reverse-coded "
                         "and not flipped. Mark it reverse-coded in the codebook (read_survey "
                         "flips it) or check its coding.")
        rel_rows.append(row)
    reliability = pd.DataFrame(rel_rows)
    items_tab = pd.DataFrame(item_rows)

    # composites, cross-loadings
    # correlations of items with the composites Z @ weights, from R
    RW = R @ weights
    cross = RW / np.sqrt(np.einsum("ib,ib->b", weights, RW))
    cross_loadings = pd.DataFrame(cross, index=items, columns=lat_names)

    # ---------------------------------------------------------------- CFA
    cfa = mi = resid = lat_corr = fl = None
    if factorable:
        from ..sem.fitting import fit
        cspec = cfa_spec(spec)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cols = list(cspec.observed) + ([wcol] if wcol is not None else [])
            cfa = fit(cspec, frame[cols], level=level, missing="fiml" if em else "listwise",
                      weights=wcol)
        for w_ in caught:
            if not issubclass(w_.category, CSIModelWarning):
                warnings.warn(w_.message, w_.category, stacklevel=2)
        for m in cfa.warnings:
            # listwise notes and the missing-data pattern checks are this function's own
            if not m.startswith(("Listwise", "Note: ", "Sampling weights from column")) \
                    and "answered none" not in m \
                    and "more than half" not in m:
                warn(f"CFA: {m}", CSIModelWarning)
        cpos0 = [items.index(v) for v in cspec.observed]
        if matrix:
            mom = est.Moments(n, S_mat[np.ix_(cpos0, cpos0)], mu_mat[cpos0])
        if em:
            msgs.append("Modification indices and normalized residuals are computed with "
                        "missing='listwise' only (FIML's need the missing-data information); "
                        "they are not shown.")
        else:
            # lavaan's modindices() of a weighted fit is that of the weighted moments (the
            # naive score test, expected information); its normalized residuals are not the
            # normal-theory ones of the weighted moments, so they are not shown
            model = RAMModel.from_partable(cspec.partable(), cspec.observed, cspec.latents)
            if sw is None:
                mom = est.Moments.from_data(frame[list(cspec.observed)].to_numpy(dtype=float))
            theta = np.asarray(cfa.theta)
            mi = _diagnostics.modification_indices(model, theta, mom)
            if sw is None:
                resid = _diagnostics.residuals(model, theta, mom)["normalized"]
            else:
                msgs.append("Normalized residuals are computed without sampling weights only "
                            "(the weighted ones need the sampling variances of the weighted "
                            "covariances); they are not shown. The modification indices are "
                            "the score tests of the weighted moments (lavaan's modindices() "
                            "of a fit with sampling.weights), not robust ones.")
        std = cfa.standardized
        lam = std[std.op == "=~"].set_index(["lhs", "rhs"])
        ests = cfa.estimates
        raw = ests[ests.op == "=~"].set_index(["lhs", "rhs"])["est"]
        var = ests[(ests.op == "~~") & (ests.lhs == ests.rhs)].set_index("lhs")["est"]
        lv_all = list(cspec.latents)
        lv_cov = ests[(ests.op == "~~") & ests.lhs.isin(lv_all) & ests.rhs.isin(lv_all)]
        CL = np.zeros((len(lv_all), len(lv_all)))
        for r in lv_cov.itertuples(index=False):
            a, b = lv_all.index(r.lhs), lv_all.index(r.rhs)
            CL[a, b] = CL[b, a] = r.est
        d = np.sqrt(np.clip(np.diag(CL), 1e-300, None))
        lat_corr = pd.DataFrame(CL / np.outer(d, d), index=lv_all, columns=lv_all)
        cpos = {v: j for j, v in enumerate(cspec.observed)}
        for row in rel_rows:
            lv = row["latent"]
            its = blocks[lv]
            if len(its) < 2:
                row.update(rho_c=np.nan, omega=np.nan, ave=np.nan)
                continue
            l = np.array([lam.loc[(lv, i), "est.std"] for i in its])
            lr = np.array([raw.loc[(lv, i)] for i in its])
            psi = float(var[lv])
            idx = [cpos[i] for i in its]
            Sb = mom.cov[np.ix_(idx, idx)]
            row["rho_c"] = float(l.sum() ** 2 / (l.sum() ** 2 + np.sum(1 - l ** 2)))
            row["omega"] = float(lr.sum() ** 2 * psi / Sb.sum())
            row["ave"] = float(np.sum(lr ** 2) * psi / np.trace(Sb))
        reliability = pd.DataFrame(rel_rows)
        load_cols = lam.reset_index()[["lhs", "rhs", "est.std", "se", "ci.lower", "ci.upper"]]
        load_cols.columns = ["latent", "item", "loading", "se", "ci.lower", "ci.upper"]
        items_tab = load_cols.merge(items_tab, on=["latent", "item"], how="right")
    else:
        reliability["rho_c"] = reliability["omega"] = reliability["ave"] = np.nan
        for c in ("loading", "se", "ci.lower", "ci.upper"):
            items_tab[c] = np.nan
    reliability["sqrt_ave"] = np.sqrt(reliability["ave"])
    reliability = reliability[["latent", "n_items", "alpha_raw", "alpha_std", "rho_c", "omega",
                               "rho_a", "ave", "sqrt_ave", "note"]]
    items_tab["msa"] = items_tab["item"].map(kmo_items) if kmo_items is not None else np.nan
    items_tab["communality"] = items_tab["item"].map(efa_res.communalities) \
        if efa_res is not None else np.nan
    items_tab = items_tab[["latent", "item", "loading", "se", "ci.lower", "ci.upper", "r_drop",
                           "alpha_if_deleted", "msa", "communality"]]
    if lat_corr is not None:
        fl = lat_corr.loc[lat_names, lat_names].copy()
        sa = reliability.set_index("latent")["sqrt_ave"]
        for lv in lat_names:
            fl.loc[lv, lv] = sa[lv]

    # ---------------------------------------------------------------- HTMT
    blk_idx = [np.array([pos[i] for i in blocks[lv]]) for lv in lat_names]
    H1 = _htmt_matrix(np.abs(R), blk_idx, False)
    H2 = _htmt_matrix(np.abs(R), blk_idx, True)
    iu = np.triu_indices(len(lat_names), 1)
    pairs = pd.DataFrame({"lhs": [lat_names[i] for i in iu[0]],
                          "rhs": [lat_names[j] for j in iu[1]],
                          "htmt": H1[iu], "ci.lower": np.nan, "ci.upper": np.nan,
                          "htmt2": H2[iu], "htmt2.ci.lower": np.nan, "htmt2.ci.upper": np.nan})
    defined = np.isfinite(pairs["htmt"].to_numpy())
    if n_boot > 0 and defined.any() and len(pairs):
        from ..bootstrap import bootstrap

        def from_corr(Rb):
            Ab = np.abs(Rb)
            return np.concatenate([_htmt_matrix(Ab, blk_idx, False)[iu][defined],
                                   _htmt_matrix(Ab, blk_idx, True)[iu][defined]])

        def statistic(indices):
            if sw is None:
                return from_corr(np.corrcoef(X[indices], rowvar=False))
            C = est.Moments.from_data(X[indices], sw[indices]).cov   # weights travel with rows
            d = np.sqrt(np.diag(C))
            return from_corr(C / np.outer(d, d))

        if em:
            statistic = _EMCorrelations(X, S_mat, mu_mat, from_corr, sw)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            boot = bootstrap(statistic, n, B=int(n_boot), seed=seed, progress=False)
        ci = boot.ci(level, "percentile")
        m = int(defined.sum())
        for col, part in (("", slice(0, m)), ("htmt2.", slice(m, 2 * m))):
            pairs.loc[defined, f"{col}ci.lower"] = ci["ci.lower"].to_numpy()[part]
            pairs.loc[defined, f"{col}ci.upper"] = ci["ci.upper"].to_numpy()[part]
        if boot.n_failed:
            msgs.append(f"HTMT bootstrap: {boot.n_failed} of {boot.B} resamples failed "
                        "(e.g. a constant item in the resample) and were left out.")

    # ---------------------------------------------------------------- verdicts
    verdicts: list[dict] = []

    def verdict(criterion, target, value, threshold, rule):
        if value is None or not np.isfinite(value):
            passed = None
        elif rule == ">=":
            passed = bool(value >= threshold)
        elif rule == "<":
            passed = bool(value < threshold)
        else:  # ">"
            passed = bool(value > threshold)
        verdicts.append({"criterion": criterion, "target": target,
                         "value": np.nan if value is None else float(value),
                         "threshold": float(threshold), "rule": rule, "passed": passed,
                         "source": THRESHOLD_SOURCES[criterion]})

    if kmo_val is not None:
        verdict("kmo", "overall", kmo_val, thr.kmo, ">=")
        verdict("bartlett", "p-value", bart["pvalue"], thr.bartlett_p, "<")
    for r in reliability.itertuples(index=False):
        verdict("alpha", r.latent, r.alpha_raw, thr.alpha, ">=")
        verdict("rho_c", r.latent, r.rho_c, thr.rho_c, ">=")
        verdict("rho_a", r.latent, r.rho_a, thr.rho_a, ">=")
        verdict("ave", r.latent, r.ave, thr.ave, ">=")
    for r in items_tab.itertuples(index=False):
        if len(blocks[r.latent]) > 1:
            verdict("loading", f"{r.latent} =~ {r.item}", r.loading, thr.loading, ">=")
    if fl is not None:
        for lv in lat_names:
            if len(blocks[lv]) < 2:
                continue
            others = fl.loc[lv].drop(lv).abs()
            # sqrt(AVE) minus the largest correlation must be positive
            verdict("fornell_larcker", lv, fl.loc[lv, lv] - others.max(), 0.0, ">")
    for r in pairs.itertuples(index=False):
        verdict("htmt", f"{r.lhs} ~~ {r.rhs}", r.htmt, thr.htmt, "<")
    verdicts_df = pd.DataFrame(verdicts, columns=["criterion", "target", "value", "threshold",
                                                  "rule", "passed", "source"])
    verdicts_df["passed"] = verdicts_df["passed"].astype(object)
    verdicts_df.loc[verdicts_df["passed"].isna(), "passed"] = None

    return MeasurementResult(
        spec=spec, n=n, n_total=survey.n, data_source=survey.source, thresholds=thr,
        blocks={k: list(v) for k, v in blocks.items()}, reliability=reliability,
        items=items_tab, kmo=kmo_val, kmo_items=kmo_items, bartlett=bart, eigenvalues=eigen,
        parallel=pa, efa=efa_res, efa_loadings=efa_tab, factor_map=factor_map,
        latent_correlations=lat_corr, fornell_larcker=fl,
        htmt=pd.DataFrame(H1, index=lat_names, columns=lat_names),
        htmt2=pd.DataFrame(H2, index=lat_names, columns=lat_names), htmt_table=pairs,
        cross_loadings=cross_loadings, cfa=cfa, modindices=mi, residuals=resid,
        verdicts=verdicts_df, warnings=tuple(dict.fromkeys(msgs)),
        options={"missing": "em" if missing == "em" else "listwise",
                 "method": method, "rotation": rotation, "n_boot": int(n_boot), "seed": seed,
                 "level": level, "n_iter_parallel": n_iter_parallel,
                 "rho_a_weights": rho_a_source, "weights": wcol})
