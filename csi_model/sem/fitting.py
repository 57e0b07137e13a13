"""Covariance-based SEM: :func:`fit` -> :class:`~csi_model.sem.results.SEMResult`.

Estimation starts from start values computed from the sample moments the way
lavaan computes them (:mod:`csi_model.sem.start`: FABIN 3 loadings) and converges
by Fisher scoring. semopy is the second engine: ``fit(..., engine="semopy")`` starts
from semopy's estimates instead, and it is the fallback when Fisher scoring does not
converge from our start values (said in ``result.warnings``). This is the only module
that imports semopy, and only then (it takes 2-4 s to import). What a researcher
needs beyond the estimates, and everything semopy 2.3.11 gets wrong, is done here
the way lavaan 0.6 does it (see DEPENDENCIES.md):

* the model semopy sees is written out from our parameter table, so defaults are
  lavaan's - in particular the item of a single-indicator latent has its residual
  variance fixed at 0 (semopy leaves it free: unidentified, with no warning);
* semopy's solution is polished by Fisher scoring on lavaan's ML discrepancy
  (covariance divided by N), so estimates agree with lavaan to ~1e-6;
* standard errors come from the expected information (ML), the observed
  information (FIML) or the Huber-White sandwich (MLR), not from semopy;
* fit measures (chi-square, CFI, TLI, RMSEA with its interval, SRMR, GFI, AIC,
  BIC, log-likelihood) use lavaan's definitions (semopy's "LogLik" is its objective
  value and it has no SRMR or RMSEA interval);
* data with missing values are never silently pairwise-deleted (semopy's default):
  ``missing="listwise"`` drops and reports incomplete rows, ``missing="fiml"`` uses
  full-information ML with a mean structure. semopy's own FIML ignores the means
  (wrong on uncentred data) and took 31-54 s at n=250; ours starts from the ML fit
  of the EM covariance matrix and converges by Fisher scoring.
"""
from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)
from .._threads import threadpool_limits

from . import _estimation as est
from . import _fiml as fiml
from . import fit_indices as fi
from .._inputs import as_spec, as_survey, check_choice, sample_size_notes
from ._ram import RAMModel
from ._robust import fiml_robust_measures, scaled_test
from ..exceptions import (ConvergenceWarning, CSIModelWarning, DataQualityWarning,
                          EstimationError, ImproperSolutionWarning, ModelSpecError,
                          SurveyDataError)
from .constraints import ModelConstraints, refuse_constraints
from .defined import DefinedValues, defined_rows
from .results import SEMResult, _std_plan, _std_values, admissibility_warnings, standardize
from .start import start_values
from ..model.spec import ModelSpec
from ..survey.weights import check_weight_column, survey_weights

__all__ = ["fit"]

_ESTIMATORS = ("ML", "MLR")
_MISSING = ("listwise", "fiml")
_ENGINES = ("csi_model", "semopy")


# ----------------------------------------------------------------------- semopy bridge
def semopy_description(pt: pd.DataFrame) -> str:
    """semopy syntax for every row of a parameter table (fixed values written out)."""
    lines = []
    for row in pt.itertuples(index=False):
        if row.op == "~1" or row.op == ":=":
            continue
        if row.free == 0:
            mod = f"{row.ustart:.17g}*"
        elif row.label:
            mod = f"{row.label}*"
        else:
            mod = ""
        op = "~" if row.op == "<~" else row.op      # a composite: regressed on its items
        lines.append(f"{row.lhs} {op} {mod}{row.rhs}")
    return "\n".join(lines)


def _semopy_estimates(pt: pd.DataFrame, data: pd.DataFrame | None, cov: pd.DataFrame | None,
                      n: int | None = None):
    """Fit with semopy; return {(lhs, op, rhs): estimate} in our orientation."""
    unscaled = _latents_without_fixed_loading(pt)
    if unscaled:
        # semopy 2.3.11's start_lambda loops forever on such a latent (first_manifs -> None)
        raise ValueError("semopy cannot start a model whose latent(s) "
                         + ", ".join(unscaled) + " have no fixed loading")
    import semopy  # imported here: ~2 s, and only this module may do it

    model = semopy.Model(semopy_description(pt))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if cov is not None:
            model.fit(cov=cov, obj="MLW", solver="SLSQP", n_samples=n)
        else:
            model.fit(data, obj="MLW", solver="SLSQP")
        tab = model.inspect()
    out = {}
    for r in tab.itertuples(index=False):
        lhs, op, rhs, value = r[0], r[1], r[2], float(r[3])
        out[(lhs, op, rhs)] = value
        if op == "~~":
            out[(rhs, op, lhs)] = value
    return out


def _latents_without_fixed_loading(pt: pd.DataFrame) -> list[str]:
    """Latents measured by '=~' none of whose loadings is fixed (scaled by a constraint or
    by a fixed variance instead)."""
    loadings = pt[pt["op"] == "=~"]
    fixed = loadings["free"] == 0
    return [lv for lv, f in fixed.groupby(loadings["lhs"], sort=False) if not f.any()]


def _start_values(model: RAMModel, semopy_est: dict, mom: est.Moments) -> np.ndarray:
    """semopy's estimates where it has them, our start values elsewhere."""
    theta = start_values(model, mom.cov, mom.mean)
    pt = model.partable
    for k, r in enumerate(model.free_rows):
        row = pt.iloc[r]
        key = (row.rhs, "~", row.lhs) if row.op == "=~" else (row.lhs, row.op, row.rhs)
        if key in semopy_est:
            theta[k] = semopy_est[key]
        elif row.op == "~1" and row.lhs in model.observed:
            theta[k] = mom.mean[model.observed.index(row.lhs)]
    return theta


# ------------------------------------------------------------------------------ fit
def fit(spec: ModelSpec | str | Path, data, *, estimator: str | None = None,
        missing: Literal["listwise", "fiml", "pairwise"] = "listwise", missing_codes=None,
        level: float = 0.95, bootstrap: int | None = None, seed: int | None = None,
        n_jobs: int = 1, backend: str = "loky", progress: bool | None = None,
        ordered=None, auto_cov_y: bool | None = None,
        fixed_x: bool | None = None, scale=None, weights: str | None = None,
        engine: Literal["csi_model", "semopy"] = "csi_model",
        meanstructure: bool | None = None) -> SEMResult:
    """Fit a covariance-based SEM by maximum likelihood (or, with ordered items, by DWLS).

    Parameters
    ----------
    spec : ModelSpec, str or Path
        The model: a :class:`ModelSpec`, a bundled model name (``"telecom"``) or a ``.lav`` path.
    data : Survey, DataFrame, path or SurveyMoments
        The survey. A DataFrame or file is read with :func:`~csi_model.read_survey` first
        (validated; the caller's object is never modified). A
        :class:`~csi_model.SurveyMoments` (:func:`~csi_model.survey_moments`: Dask partitions,
        Parquet/CSV globs, a cluster) is fitted by ML from its moments, listwise on the
        model's items (exact from ``patterns=True`` moments for a model using some of their
        items; otherwise refused when rows with a missing answer would differ); the same
        estimates as from the rows.
    estimator : {"ML", "MLR"}, or with ``ordered``: {"WLSMV", "DWLS", "ULSMV", "ULS"}
        Default ``"ML"``, or ``"WLSMV"`` when items are ordered (lavaan's defaults).
        ``"ML"``: normal-theory ML, SEs from the expected information (lavaan's default).
        ``"MLR"``: ML estimates with Huber-White robust SEs (observed information) and the
        Yuan-Bentler (Mplus variant) scaled chi-square with robust CFI/TLI/RMSEA, as
        lavaan's ``estimator = "MLR"``; with complete data only.
    missing : {"listwise", "fiml", "pairwise"}
        ``"listwise"`` drops incomplete rows (reported in the result's warnings);
        ``"fiml"`` uses every observed answer (full-information ML, SEs from the
        observed information), as lavaan's ``missing = "ml"``; lavaan's name ``"ml"`` is
        accepted as an alias (the result says ``"fiml"``). ``"pairwise"``, with ``ordered``
        items only (where FIML is not available, as in lavaan): lavaan's ``missing =
        "pairwise"``, the thresholds from each item's answers, the polychoric correlations
        from the respondents answering both items, Gamma from their casewise scores.
        Respondents who answered none of the model's variables are dropped with a warning
        naming the rows; an item nobody answered is an error (see
        :func:`csi_model.survey.missing.check_patterns`).
    missing_codes : sequence of numbers, optional
        Answer codes that mean "missing" (e.g. ``(99, 0)``) when ``data`` is read here.
    scale : (min, max), optional
        The answer scale of every item: answers outside it are an error (see
        :func:`csi_model.survey.read.read_survey`).
    level : float
        Confidence level of the intervals.
    bootstrap : int, optional
        Number of nonparametric bootstrap resamples of respondents (lavaan's
        ``se = "bootstrap", bootstrap = B``). The standard errors, z, p-values and
        intervals of the estimates (and of :func:`~csi_model.sem.effects.effects`) then come from the
        resamples: SD with divisor B and percentile intervals, as lavaan. Each resample is
        refitted from its covariance matrix, warm-started at the estimate, by batched
        Fisher scoring (about 2 ms per resample for the telecom model on one core); with a
        mean structure or ``missing="fiml"`` from its rows, with the means.
        Non-converged resamples are counted, excluded and reported in the warnings;
        improper ones (negative variances) are counted and kept, as lavaan does.
    seed : int
        Required with ``bootstrap``: the same seed gives the same resamples whatever
        ``n_jobs``.
    n_jobs, backend, progress
        Passed to :func:`csi_model.bootstrap.bootstrap` (workers, joblib backend
        ``"loky"``/``"dask"``/..., tqdm progress bar).
    ordered : True or list of str, optional
        Treat the items as ordinal (lavaan's ``ordered=``): thresholds and polychoric
        correlations, DWLS estimates with robust SEs and the mean-and-variance adjusted
        (scaled-shifted) test for ``"WLSMV"`` (lavaan's delta parameterization; see
        :mod:`csi_model.sem.ordinal`). Listwise or pairwise deletion (``missing``), sampling
        ``weights`` allowed, one group, no bootstrap yet. A list may name some of the items:
        the others are continuous (polyserial correlations, their means and variances in
        the statistics, their residual variances free; lavaan's ``ordered = c(...)``), then
        with listwise deletion only.
    auto_cov_y : bool, optional
        lavaan's ``auto.cov.y``: free residual covariances among the endogenous variables
        that predict nothing else (e.g. COMP and LOY when both are outcomes of SAT only).
        True by default, as lavaan's ``sem()``; ``auto_cov_y=False`` fixes them at 0
        unless the model writes them. None keeps the model's setting
        (:meth:`~csi_model.model.spec.ModelSpec.from_syntax`).
    fixed_x : bool, optional
        lavaan's ``fixed.x`` (True by default): the (co)variances of observed exogenous
        predictors are fixed at their sample values, so they are not parameters (se 0,
        not in ``npar``; the log-likelihood, AIC and BIC are lavaan's). With
        ``missing="fiml"`` rows with a missing predictor are dropped, as lavaan does.
        None keeps the model's setting.
    weights : str, optional
        The column of sampling weights (lavaan's ``sampling.weights``; not a model
        variable). The weights of the rows used are rescaled to sum to their number N, the
        estimates are ML on the weighted means and covariances, and - as lavaan 0.6-14
        does for ``estimator = "ML"`` and ``"MLR"`` alike - the standard errors are the
        robust (Huber-White) ones from the weighted casewise scores and the test is the
        Yuan-Bentler scaled one, with robust CFI/TLI/RMSEA. Negative, missing,
        non-numeric or all-zero weights are an error naming the rows. With
        ``missing="fiml"`` the likelihood of each row is weighted (lavaan's weighted FIML,
        also robust). With ``ordered`` items the thresholds, polychoric correlations and
        Gamma are weighted (lavaan's weighted WLSMV; listwise or pairwise). The bootstrap
        is refused with weights.

    engine : {"csi_model", "semopy"}
        Where the estimation starts; both converge to the same ML solution by Fisher
        scoring on lavaan's discrepancy. ``"csi_model"``: start values from the sample
        moments, as lavaan's (FABIN 3 loadings, see :mod:`csi_model.sem.start`); if
        Fisher scoring does not converge from them, it is restarted from semopy's
        estimates and ``result.warnings`` says so. ``"semopy"``: semopy 2.3.11 estimates
        the model first (its import alone takes 2-4 s) and Fisher scoring polishes its
        solution - a cross-check of the default. Not used with ``ordered`` items.
    meanstructure : bool, optional
        lavaan's ``meanstructure``: True adds the intercepts of the items (free) and the
        means of the latents (fixed at 0) to the model, fitted by ML from the rows with the
        means in the likelihood (the df, chi-square and fit measures are then lavaan's with
        a mean structure: the saturated model includes the means). A model that writes an
        intercept or mean (``x1 ~ 1``, ``f ~ NA*1``, ``x1 ~ a*1``) has a mean structure
        anyway, and ``missing="fiml"`` always has one (as lavaan). None (default) keeps the
        model's setting (:meth:`~csi_model.model.spec.ModelSpec.with_defaults`); see also
        :func:`csi_model.growth`. The intercepts are the ``~1`` rows of the estimates
        (std.all: the intercept divided by the variable's model-implied SD, as lavaan).

    Raises
    ------
    ModelSpecError
        When the model has more free parameters than the data have moments (negative
        degrees of freedom, counted as lavaan counts them).
    EstimationError
        When the model-implied covariance matrix is singular (e.g. residual variances
        fixed at 0 that make items exact copies of a latent).

    Warns
    -----
    ImproperSolutionWarning
        When the information matrix cannot be inverted (an empirically unidentified
        model): the standard errors are NaN, as lavaan's, and the warning names the
        parameters involved. Also for Heywood cases and other improper solutions.

    Returns
    -------
    SEMResult
        The defined parameters of the model (``ind := a*b``) are rows with op ``:=`` of its
        estimates, with delta-method SEs or, with ``bootstrap``, the SD of their values on
        the same resamples (divisor B - 1, as lavaan 0.6-14) and percentile intervals
        (:mod:`csi_model.sem.defined`).

    Examples
    --------
    >>> from csi_model import fit, simulate_survey
    >>> survey = simulate_survey("telecom", n=300, seed=1)
    >>> res = fit("telecom", survey)
    >>> bool(res.converged), int(res.fit_measures["df"])
    (True, 241)
    >>> res.paths[["lhs", "op", "rhs"]].head(2).to_numpy().tolist()
    [['EXPE', '~', 'IMAG'], ['QUAL', '~', 'EXPE']]
    """
    t0 = time.perf_counter()
    spec = as_spec(spec, "fit").with_defaults(auto_cov_y=auto_cov_y, fixed_x=fixed_x)
    meanstructure_note = None
    if meanstructure is False and missing == "fiml":
        meanstructure_note = ("missing='fiml' needs the means in the likelihood: the model was "
                              "fitted with a mean structure although meanstructure=False was "
                              "passed (as lavaan: 'missing argument forces meanstructure = TRUE').")
        warnings.warn(meanstructure_note, CSIModelWarning, stacklevel=2)
    elif meanstructure is not None:
        spec = spec.with_defaults(meanstructure=_flag_arg(meanstructure, "meanstructure"))
    weights = _check_weights_use(weights, spec, ordered, missing, bootstrap, data)
    if ordered is not None and ordered is not False:
        if spec.has_meanstructure:
            raise EstimationError(
                "A mean structure (intercepts '~ 1', meanstructure=True or growth()) is not "
                "available with ordered items: their means are fixed by the thresholds "
                "(lavaan's delta parameterization), and csi_model's ordinal estimator fits the "
                "polychoric correlations only. Remove the '~ 1' lines / meanstructure=True, or "
                "treat the items as continuous (no ordered=).")
        return _fit_ordered(spec, data, ordered, estimator, missing, missing_codes, level,
                            bootstrap, t0, scale, weights)
    if isinstance(estimator, str) and estimator.upper() in ("WLSMV", "DWLS", "ULSMV", "ULS"):
        raise ValueError(f"The estimator {estimator!r} is for ordered items: pass ordered=True "
                         "(or the list of ordinal items) to fit.")
    estimator = check_choice("ML" if estimator is None else estimator, _ESTIMATORS,
                             "estimator", "fit")
    from ..survey.missing import resolve_missing
    missing = resolve_missing(missing, "cbsem", "fit")
    engine = check_choice(engine, _ENGINES, "engine", "fit")
    if not 0 < level < 1:
        raise ValueError(f"The 'level' parameter of fit must be in (0, 1). Got {level!r} instead.")
    if bootstrap is not None:
        if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) \
                or bootstrap < 1:
            raise ValueError(f"The 'bootstrap' parameter of fit must be a positive number of "
                             f"resamples (e.g. 1000). Got {bootstrap!r} instead.")
        if seed is None:
            raise ValueError("The 'seed' parameter of fit is required with bootstrap: pass "
                             "e.g. seed=1 so that the resamples can be reproduced.")
    if spec.constraints and (estimator != "ML" or missing != "listwise" or bootstrap
                             or weights is not None):
        refuse_constraints(spec, "estimator='MLR'" if estimator != "ML" else
                           "missing='fiml'" if missing != "listwise" else
                           "the bootstrap" if bootstrap else "sampling weights")
    from ..survey.moments import SurveyMoments
    if isinstance(data, SurveyMoments):
        refuse_constraints(spec, "fitting from survey moments")
        return _fit_moments(spec, data, estimator, missing, bootstrap, level, engine, t0)
    survey = as_survey(data, spec, missing_codes, "fit", scale=scale)
    spec.check_against(survey.data.columns, data_source=survey.source)
    cols = list(spec.observed)
    notes: list[str] = []

    if missing == "listwise":
        frame, dropped = survey._complete(cols, copy=False)     # only read here
        if len(dropped):
            notes.append(f"Listwise deletion: {len(dropped)} of {survey.n} rows with missing "
                         "answers were dropped (use missing='fiml' to keep them).")
        X = frame[cols].to_numpy(dtype=float)
        w = None if weights is None else survey_weights(survey, weights, frame.index)
        if w is not None:
            notes.append(_weights_note(weights, w))
    else:
        from ..survey.missing import check_patterns
        keep, pnotes = check_patterns(survey, cols, "fiml", "fit")
        notes.extend(pnotes)
        X = survey.data.loc[keep, cols].to_numpy(dtype=float)
        w = None
        if weights is not None:
            rows = np.ones(len(X), dtype=bool)
            if spec.fixed_x and spec.exogenous_observed:   # the rows _drop_missing_predictors keeps
                exo = [cols.index(v) for v in spec.exogenous_observed]
                rows = ~np.isnan(X[:, exo]).any(axis=1)
            w = survey_weights(survey, weights, keep[rows])
            notes.append(_weights_note(weights, w))
        X = _drop_missing_predictors(X, cols, spec, notes)
    notes.extend(_random_predictor_notes(spec))
    _check_data(X, cols, survey.source, spec)
    # complete data: the moments the fit uses, computed once (also for the copied-items screen),
    # with BLAS on one thread as in the estimation itself (the same numbers as before)
    mom0 = None
    if missing == "listwise":
        with threadpool_limits(limits=1, user_api="blas"):
            mom0 = est.Moments.from_data(X, w)
    copies = _copied_items(X, cols, mom0.cov if mom0 is not None and w is None else None)
    if copies:
        # a copied item makes the sample covariance singular: ML is undefined (lavaan stops too),
        # and whether the optimizer fails or stalls depends on the BLAS, so say it before fitting
        raise EstimationError(
            f"{survey.source or '<data>'}: the items " + "; ".join(f"'{a}' and '{b}'" for a, b in copies)
            + " are (almost) copies of each other (correlation above 0.9999), so the sample "
            "covariance matrix is singular and the model cannot be estimated by maximum "
            "likelihood: drop one of each pair or check the data.")

    # lavaan adds a mean structure for FIML; with complete data the means are saturated
    # unless the model has a mean structure (x ~ 1, meanstructure=True, growth())
    if meanstructure_note:
        notes.append(meanstructure_note)
    pt = spec.partable(meanstructure=missing == "fiml")
    check_identification(spec, pt)
    if spec.defined_parameters:
        DefinedValues(spec, pt)        # a label of a fixed parameter in ':=' fails here, early
    model = RAMModel.from_partable(pt, spec.observed, spec.latents)
    n = X.shape[0]
    notes += sample_size_notes(n, int((pt["free"] > 0).sum()), survey.source)
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            theta, iters, converged, mom, patterns, h1 = _estimate(model, pt, X, missing, notes,
                                                                    engine, w, mom0)
            _check_implied_cov(model, theta)
            cons = ModelConstraints(spec, model) if spec.constraints else None
            if cons is not None:       # from the unconstrained ML estimate, as lavaan
                theta, more, ok = cons.fit(model, theta, mom)
                converged = ok if more else converged   # 0: the free estimate satisfies them
                iters += more
                notes.extend(cons.notes(theta))
                _check_implied_cov(model, theta)
        except np.linalg.LinAlgError:
            raise _singular_sigma_error(spec, pt, X, cols) from None
        if not converged:
            notes.append(f"The estimation did not converge in {iters} iterations: the estimates "
                         "are not a maximum-likelihood solution. Simplify the model or check the data.")
            warnings.warn(notes[-1], ConvergenceWarning, stacklevel=2)

        exo_idx = [cols.index(v) for v in spec.exogenous_observed]
        if cons is not None:
            acov, sandwich = _constrained_acov(model, cons, theta, n, notes), None
        elif missing == "fiml":
            acov, info = _fiml_acov(model, theta, "MLR" if w is not None else estimator,
                                    patterns)
            sandwich = None
        else:
            # lavaan 0.6-14: with sampling weights ML has the robust SEs and test of MLR
            acov, sandwich = _acov(model, theta, "MLR" if w is not None else estimator,
                                   missing, mom, X, patterns, n, w)
        if cons is None:
            acov = _identified_acov(model, theta, acov, patterns, n, notes)
        measures = _fit_measures(model, theta, mom, n, patterns, h1, X, exo_idx, w,
                                 n_eq=cons.n_eq if cons is not None else 0)
        if missing == "fiml":
            measures = _with_fiml_robust(measures, model, theta, patterns, h1, info, exo_idx)
        if sandwich is not None and exo_idx and not spec.fixed_x:
            notes.append("MLR with observed exogenous predictors and fixed_x=False: robust SEs "
                         "only; the scaled test is not computed for this model yet.")
        elif sandwich is not None:
            bread, scores = sandwich
            keep = _estimated_params(model)      # fixed.x: the predictors' moments drop out
            m = measures
            robust = scaled_test(X, mom.cov, mom.mean, bread[np.ix_(keep, keep)], scores[:, keep],
                                 m["chisq"], int(m["df"]), m["baseline.chisq"],
                                 int(m["baseline.df"]), n, fixed=exo_idx,
                                 means=model.meanstructure, weights=w)
            measures = pd.concat([measures, pd.Series(robust, dtype=float)]).rename("value")

    estimates = _estimate_table(model, theta, acov, level)
    if cons is not None:
        estimates = cons.table_fixes(estimates, model, acov)
    boot = None
    if bootstrap is not None:
        stat = None
        if missing == "fiml":
            from ._fastboot import FIMLRefit
            stat = FIMLRefit(model, patterns, np.asarray(theta, float), info["hessian"])
        elif model.meanstructure:   # complete data with means: the ML refit of rows and means
            from ._fastboot import FIMLRefit
            rows = fiml.MissingData(X)          # one pattern: FIML is ML with a mean structure
            theta_ = np.asarray(theta, float)
            stat = FIMLRefit(model, rows, theta_, fiml.observed_information(model, theta_, rows))
        boot = _bootstrap(model, theta, X, int(bootstrap), seed, n_jobs, backend, progress, stat)
        estimates = _bootstrap_table(estimates, model, boot, level)
        exo_rows = model.partable["exo"].to_numpy() == 1
        estimates.loc[exo_rows, ["se"]] = 0.0
        estimates.loc[exo_rows, ["z", "pvalue"]] = np.nan
        estimates.loc[exo_rows, "ci.lower"] = estimates.loc[exo_rows, "est"]
        estimates.loc[exo_rows, "ci.upper"] = estimates.loc[exo_rows, "est"]
        notes.extend(_bootstrap_notes(boot))
    return _assemble(spec, model, theta, acov, estimates, measures, notes, level, boot,
                     moments=mom if missing == "listwise" else None,
                     estimator=estimator, missing=missing, n=n, n_total=survey.n,
                     source=survey.source, report=survey.report, converged=converged,
                     iters=iters, t0=t0)


def _flag_arg(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"The '{name}' parameter of fit must be True, False or None. "
                        f"Got {value!r} instead.")
    return bool(value)


def _check_weights_use(weights, spec: ModelSpec, ordered, missing, bootstrap, data) -> str | None:
    """The weight column, or a clear refusal of what is not done with weights yet."""
    from ..survey.moments import SurveyMoments
    weights = check_weight_column(weights, spec.observed, func="fit")
    if weights is None:
        return None
    refused = [what for what, on in (
        ("bootstrap", bootstrap is not None),
        ("survey moments (the weights need the rows)", isinstance(data, SurveyMoments)))
        if on]
    if refused:
        raise EstimationError(f"Sampling weights ('{weights}') are not available with "
                              f"{' and '.join(refused)} (lavaan 0.6-14 refuses the bootstrap "
                              "with sampling weights too). Fit the weighted survey from its "
                              "rows without bootstrap=: its standard errors are the robust "
                              "(Huber-White) ones and its test the scaled one, as lavaan's; "
                              "or leave out weights=.")
    return weights


def _weights_note(column: str, w: np.ndarray) -> str:
    """What a weighted fit did, for result.warnings (and so every output)."""
    n_eff = w.sum() ** 2 / np.sum(w ** 2)
    return (f"Sampling weights from column '{column}', rescaled to sum to the {len(w)} rows "
            f"used (Kish effective sample size {n_eff:.0f}): estimates from the weighted "
            "moments, robust (Huber-White) standard errors and the Yuan-Bentler scaled test, "
            "as lavaan's sampling.weights.")


def _fit_moments(spec, m, estimator, missing, bootstrap, level, engine, t0):
    """fit(spec, survey_moments(...)): ML from the moments of a survey of any size."""
    from ..survey.moments import SurveyMoments  # noqa: F401 - the type of m
    needs_rows = [what for what, on in (("estimator='MLR'", estimator == "MLR"),
                                        ("missing='fiml'", missing == "fiml"),
                                        ("bootstrap", bootstrap is not None)) if on]
    if needs_rows:
        raise EstimationError(f"fit from survey moments ({m.source}) is ML with listwise "
                              f"deletion: {', '.join(needs_rows)} needs the respondents' rows. "
                              "Pass the survey itself, or fit by ML from the moments.")
    cols = list(spec.observed)
    absent = [c for c in cols if c not in m.items]
    if absent:
        raise SurveyDataError(f"{m.source}: the moments have no items {absent}; compute them "
                              "with survey_moments(data, items=spec.observed).")
    m = m.listwise(cols, "fit")      # the rows complete on the model's items, exactly
    if m.n < 2:
        raise SurveyDataError(f"{m.source}: {m.n} row(s) complete on the model's items; the "
                              "fit needs at least two.")
    mom = est.Moments(m.n, m.cov, m.mean)
    notes: list[str] = []
    if m.n_dropped:
        notes.append(f"Listwise deletion: {m.n_dropped} of {m.n_read} rows with missing answers "
                     "were left out of the moments.")
    notes.extend(_random_predictor_notes(spec))
    pt = spec.partable()                     # the means are in the moments too
    check_identification(spec, pt)
    if spec.defined_parameters:
        DefinedValues(spec, pt)
    model = RAMModel.from_partable(pt, spec.observed, spec.latents)
    n = m.n
    notes += sample_size_notes(n, int((pt["free"] > 0).sum()), m.source)
    with threadpool_limits(limits=1, user_api="blas"):
        try:
            theta, iters, converged = _converge(lambda t: est.fit_ml(model, t, mom), model, pt,
                                                mom, notes, engine)
            if converged:
                theta = _polish(model, theta, mom)
            _check_implied_cov(model, theta)
        except np.linalg.LinAlgError:
            raise _singular_sigma_error(spec, pt) from None
        if not converged:
            notes.append(f"The estimation did not converge in {iters} iterations: the estimates "
                         "are not a maximum-likelihood solution. Simplify the model or check the data.")
            warnings.warn(notes[-1], ConvergenceWarning, stacklevel=3)
        acov, _ = _acov(model, theta, "ML", "listwise", mom, None, None, n)
        acov = _identified_acov(model, theta, acov, None, n, notes)
        exo_idx = [cols.index(v) for v in spec.exogenous_observed]
        measures = _fit_measures(model, theta, mom, n, None, None, None, exo_idx)
    estimates = _estimate_table(model, theta, acov, level)
    return _assemble(spec, model, theta, acov, estimates, measures, notes, level, None,
                     moments=mom,
                     estimator="ML", missing="listwise", n=n, n_total=m.n_read,
                     source=m.source, report=None, converged=converged, iters=iters, t0=t0)


def _identified_acov(model: RAMModel, theta, acov, patterns, n, notes: list[str]):
    """``acov``, NaN when the information is singular (with the warning naming the
    parameters, as lavaan), the fixed.x rows zeroed."""
    unidentified = empirical_identification_notes(model, _expected_information(
        model, theta, patterns, n))
    if unidentified:
        notes.extend(unidentified)
        warnings.warn(unidentified[0], ImproperSolutionWarning, stacklevel=4)
        acov = np.full_like(acov, np.nan)
    return _fix_exogenous(model, acov)


def _constrained_acov(model: RAMModel, cons: ModelConstraints, theta, n, notes: list[str]):
    """The parameter covariance of a constrained ML fit (lavaan's augmented information),
    NaN with a warning when the information of the directions the constraints leave free is
    singular; the fixed.x rows zeroed."""
    J = n * est.expected_information(model, theta)
    reduced, K = cons.reduced_information(theta, J)
    d = np.sqrt(np.clip(np.diag(reduced), 0, None))
    ok = np.all(np.isfinite(reduced)) and np.all(d > 0)
    null = np.zeros(0, dtype=bool)
    if ok:
        vals, vecs = np.linalg.eigh(reduced / np.outer(d, d))
        null = vals < 1e-11 * max(vals.max(), 1.0)
    if not ok or null.any():
        names = _param_names(model, np.ones(model.n_free, dtype=bool))
        moving = np.linalg.norm(K, axis=1) > 1e-8
        if ok:      # the parameters with weight in the directions without information
            w = np.abs(K @ (vecs[:, null] / d[:, None]))
            moving = (w > 0.05 * w.max(axis=0)).any(axis=1)
        keep = _estimated_params(model)
        notes.append(_unidentified_message([nm for nm, b, k in zip(names, moving, keep)
                                            if b and k]))
        warnings.warn(notes[-1], ImproperSolutionWarning, stacklevel=4)
        return _fix_exogenous(model, np.full((model.n_free, model.n_free), np.nan))
    return _fix_exogenous(model, cons.acov(theta, J))


def _assemble(spec, model: RAMModel, theta, acov, estimates, measures, notes: list[str], level,
              boot, *, moments=None, estimator, missing, n, n_total, source, report, converged,
              iters, t0):
    """The SEMResult of an estimate: std.all, R², admissibility, defined parameters."""
    std = standardize(model, theta, acov, level)
    estimates["std.all"] = std["est.std"].to_numpy()
    other_std = {t: _std_plan(model, t, spec.exogenous_observed) for t in ("std.lv", "std.nox")}
    for t, plan in other_std.items():
        estimates[t] = _std_values(model, theta, plan)
    r2 = _r_squared(model, theta, spec)
    Sigma, mu = model.implied(theta)
    implied = pd.DataFrame(Sigma, index=list(model.observed), columns=list(model.observed))
    improper = admissibility_warnings(spec, estimates, std, model, theta, r2)
    if improper:
        warnings.warn(f"Improper solution ({len(improper)} problem(s), see result.warnings): "
                      + " | ".join(improper), ImproperSolutionWarning, stacklevel=3)
    if spec.defined_parameters:
        rows, std_rows, defined_notes = defined_rows(spec, model, theta, acov, level,
                                                     lambda t: _std_values(model, t), boot)
        values = DefinedValues(spec, model.partable)
        for t, plan in other_std.items():
            rows[t] = values.from_rows(_std_values(model, theta, plan))
        estimates = pd.concat([estimates, rows], ignore_index=True)
        std = pd.concat([std, std_rows], ignore_index=True)
        for note in defined_notes:
            warnings.warn(note, ImproperSolutionWarning, stacklevel=3)
        improper += defined_notes
    all_warnings = tuple(notes + improper)
    return SEMResult(
        spec=spec, estimator=estimator, missing=missing, n=n, n_total=n_total,
        estimates=estimates, standardized=std, fit_measures=measures, r2=r2,
        warnings=all_warnings, converged=bool(converged), iterations=int(iters),
        implied_cov=implied, theta=theta, acov=acov, data_source=source,
        elapsed=time.perf_counter() - t0, data_report=report, bootstrap=boot,
        sample_moments=moments)


def _fit_ordered(spec, data, ordered, estimator, missing, missing_codes, level, bootstrap, t0,
                 scale, weights=None):
    from .ordinal import ORDINAL_ESTIMATORS, fit_ordered

    estimator = check_choice("WLSMV" if estimator is None else estimator,
                             tuple(ORDINAL_ESTIMATORS), "estimator", "fit")
    from ..survey.missing import resolve_missing
    missing = resolve_missing(missing, "ordinal", "fit")
    if bootstrap is not None:
        raise EstimationError("bootstrap with ordered items is not available yet; the "
                              f"{estimator} standard errors are robust (sandwich) already.")
    if not 0 < level < 1:
        raise ValueError(f"The 'level' parameter of fit must be in (0, 1). Got {level!r} instead.")
    refuse_constraints(spec, "ordered items")
    if spec.composites:
        raise ModelSpecError(f"{spec.source or '<model>'}: formative blocks ('<~') are fitted "
                             "with continuous items (ML) only; fit the model without "
                             "ordered=, or measure the construct reflectively with '=~'.")
    survey = as_survey(data, spec, missing_codes, "fit", scale=scale)
    spec.check_against(survey.data.columns, data_source=survey.source)
    with threadpool_limits(limits=1, user_api="blas"):
        return fit_ordered(spec, survey, ordered, estimator, level, t0, missing, weights)


def _semopy_start(pt: pd.DataFrame, mom: est.Moments, cols: list[str], notes: list[str]) -> dict:
    """semopy's estimates on the sample (or EM) covariance, or {} with a note if it fails.

    semopy gets the covariance, not the data: its data path copies X several times
    (+750 MB and 2 s at n = 1,000,000), and the polish after it makes the result
    independent of where semopy stopped.
    """
    try:
        return _semopy_estimates(pt, None, pd.DataFrame(mom.cov, index=cols, columns=cols), mom.n)
    except Exception as exc:  # semopy raises bare Exceptions; fall back to our starts
        notes.append(f"semopy could not fit the model ({exc}); estimation started from "
                     "csi_model's start values.")
        return {}


def _estimate(model: RAMModel, pt: pd.DataFrame, X: np.ndarray, missing: str, notes: list[str],
              engine: str = "csi_model", weights: np.ndarray | None = None,
              mom: est.Moments | None = None):
    """(theta, iterations, converged, moments, patterns, h1) for complete data or FIML
    (``weights``: sampling weights of complete data, summing to N; ``mom``: the moments of
    complete data ``Moments.from_data(X, weights)`` if computed already)."""
    n = X.shape[0]
    if missing == "listwise":
        mom = est.Moments.from_data(X, weights) if mom is None else mom
        theta, iters, converged = _converge(lambda t0: est.fit_ml(model, t0, mom),
                                            model, pt, mom, notes, engine)
        if converged:
            theta = _polish(model, theta, mom)
        return theta, iters, converged, mom, None, None
    data = fiml.MissingData(X, weights)
    S_em, mu_em, ll_h1, _ = fiml.em_saturated(data)
    mom = est.Moments(n, S_em, mu_em)

    def run_fiml(theta0):   # the ML solution on the EM moments is an excellent start for FIML
        theta1 = est.fit_ml(model, theta0, mom)[0]
        return fiml.fit_fiml(model, theta1, data, est.expected_information(model, theta1))

    theta, iters, converged = _converge(run_fiml, model, pt, mom, notes, engine)
    return theta, iters, converged, mom, data, (S_em, mu_em, ll_h1)


def _polish(model: RAMModel, theta, mom: est.Moments) -> np.ndarray:
    """The ML estimate taken to a 1e-11 gradient (see :func:`_estimation.polish`)."""
    return est.polish(lambda t: est.ml_objective(model, t, mom),
                      lambda t: est.ml_gradient(model, t, mom),
                      lambda t: 2 * est.expected_information(model, t), theta)


def _converge(run, model: RAMModel, pt: pd.DataFrame, mom: est.Moments, notes: list[str],
              engine: str):
    """``run(theta0)`` from the engine's start values, and from semopy's if ours fail."""
    cols = list(model.observed)
    if engine == "semopy":
        return run(_start_values(model, _semopy_start(pt, mom, cols, notes), mom))
    theta, iters, converged = run(start_values(model, mom.cov, mom.mean))
    if converged or _latents_without_fixed_loading(pt):
        # without a fixed loading (effect coding: the constraints scale the latent) the free
        # model is not identified, and semopy cannot start it; the constrained fit goes on
        return theta, iters, converged
    semopy_est = _semopy_start(pt, mom, cols, notes)
    if not semopy_est:
        return theta, iters, converged
    theta, more, converged = run(_start_values(model, semopy_est, mom))
    notes.append(f"Fisher scoring did not converge from csi_model's start values in {iters} "
                 "iterations; the estimation was restarted from semopy's estimates "
                 + ("and converged." if converged else "and did not converge either."))
    return theta, iters + more, converged


def _bootstrap(model: RAMModel, theta, X, B, seed, n_jobs, backend, progress, stat=None):
    """Bootstrap the free parameters by batched refits of each resample: of its covariance
    matrix (:class:`~csi_model.sem._fastboot.SEMRefit`), or ``stat`` (FIML: ``FIMLRefit``)."""
    from ._fastboot import SEMRefit
    from ..bootstrap import bootstrap as run_bootstrap

    pt = model.partable
    names = []
    for r in model.free_rows:
        row = pt.iloc[r]
        names.append(f"{row.lhs}{row.op}{row.rhs}")
    if stat is None:
        stat = SEMRefit(model, X, np.asarray(theta, float))
    boot = run_bootstrap(stat, X.shape[0], B=B, seed=seed, n_jobs=n_jobs, backend=backend,
                         progress=progress, names=names)
    # improper resamples (a negative variance) are kept, as lavaan keeps non-admissible ones
    si, sj, sk = model.s_entries
    var_params = np.unique(sk[si == sj])
    reps = boot.replicates[boot.ok]
    boot.info["n_improper"] = int(np.sum(np.any(reps[:, var_params] < 0, axis=1)))
    return boot


def _bootstrap_table(estimates: pd.DataFrame, model: RAMModel, boot, level) -> pd.DataFrame:
    out = estimates.copy()
    free = model.partable["free"].to_numpy()
    mask = free > 0
    se = boot.se
    ci = boot.ci(level, "percentile")
    est_vals = out["est"].to_numpy()
    new_se = np.where(mask, 0.0, 0.0)
    new_se[mask] = se[free[mask] - 1]
    lo, hi = est_vals.copy(), est_vals.copy()
    lo[mask] = ci["ci.lower"].to_numpy()[free[mask] - 1]
    hi[mask] = ci["ci.upper"].to_numpy()[free[mask] - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(mask & (new_se > 0), est_vals / new_se, np.nan)
    out["se"], out["z"], out["pvalue"] = new_se, z, 2 * stats.norm.sf(np.abs(z))
    out["ci.lower"], out["ci.upper"] = lo, hi
    return out


def _bootstrap_notes(boot) -> list[str]:
    notes = [f"Bootstrap: {boot.B} resamples (seed {boot.seed}); standard errors and "
             "percentile intervals come from the resamples."]
    if boot.n_failed:
        notes.append(f"Bootstrap: {boot.n_failed} of {boot.B} resamples did not converge and "
                     "were excluded from the standard errors and intervals.")
        warnings.warn(notes[-1], ConvergenceWarning, stacklevel=3)
    if boot.info.get("n_improper"):
        notes.append(f"Bootstrap: {boot.info['n_improper']} of {boot.B - boot.n_failed} "
                     "resamples have an improper solution (a negative variance); they are "
                     "kept, as lavaan keeps them.")
    return notes


# --------------------------------------------------------- lavaan's rules: identification
def check_identification(spec: ModelSpec, pt: pd.DataFrame) -> None:
    """Refuse a model with more free parameters than sample moments (negative df).

    Counted as lavaan counts: p(p+1)/2 variances and covariances of the p observed
    variables (plus p means with a mean structure) against the free parameters; with
    ``fixed.x`` the predictors' moments and (co)variances drop out of both counts.
    """
    spec.check_composite_identification()
    p = len(spec.observed)
    meanstructure = bool((pt["op"] == "~1").any())
    moments = p * (p + 1) // 2 + (p if meanstructure else 0)
    free = pt.loc[pt["free"] > 0]
    npar = free["free"].nunique() - sum(st.op == "==" for st in spec.constraints)
    df = moments - npar
    if df >= 0:
        return
    exo = free[free["exo"] == 1]["free"].nunique()
    counts = (f"{npar - exo} free parameters but the {p} observed variables give only "
              f"{moments - exo} sample moments" if exo else
              f"{npar} free parameters but the {p} observed variables give only {moments} "
              "sample moments (variances and covariances)")
    small = [lv for lv, items in spec.indicators.items() if len(items) == 2
             and not any(st.op == "~" and (st.lhs == lv or lv in st.rhs_names)
                         for st in spec.statements)]
    hint = (f" A latent with two indicators ({', '.join(small)}) is identified only together "
            "with other latents it correlates with: add indicators or latents, or fix a "
            "loading (e.g. equal loadings 'f =~ a*x1 + a*x2')." if small else
            " Fix some parameters (e.g. equal loadings with a shared label) or add indicators.")
    raise ModelSpecError(f"{spec.source or '<model>'}: the model is not identified: it has "
                         f"{counts}, i.e. {df} degrees of freedom.{hint}")


def empirical_identification_notes(model: RAMModel, info: np.ndarray, *,
                                   tol: float = 1e-11) -> list[str]:
    """A message naming the parameters of a singular information matrix, or [].

    A model identified by the count of moments can still be unidentified by the data
    (e.g. a two-indicator latent fixed orthogonal to the others): its information
    matrix is singular. The test scales the information to unit diagonal, so that it
    does not depend on the units of the items, and names the parameters with weight in
    the directions without information.
    """
    keep = _estimated_params(model)
    J = info[np.ix_(keep, keep)]
    names = _param_names(model, keep)
    if not np.all(np.isfinite(J)):
        return [_unidentified_message(names)]
    d = np.sqrt(np.clip(np.diag(J), 0, None))
    if np.any(d == 0):
        return [_unidentified_message([n for n, x in zip(names, d) if x == 0])]
    R = J / np.outer(d, d)
    vals, vecs = np.linalg.eigh(0.5 * (R + R.T))
    null = vals < tol * max(vals.max(), 1.0)
    if not null.any():
        return []
    # The null space's basis is arbitrary (it depends on the BLAS): name the parameters
    # with weight in any of its directions, in parameter-table order.
    weight = np.abs(vecs[:, null])
    big = (weight > 0.05 * weight.max(axis=0)).any(axis=1)
    return [_unidentified_message([n for n, b in zip(names, big) if b])]


def _unidentified_message(involved: list[str]) -> str:
    means = (" Latent means ('f ~ 1') are identified only with fixed or equal item "
             "intercepts: fit a growth model with csi_model.growth() (item intercepts 0), or "
             "fix an intercept per latent ('x1 ~ 0*1')."
             if any(name.endswith(" ~1") for name in involved) else "")
    return ("The information matrix could not be inverted: the model is not identified by "
            "these data (empirically underidentified); the parameters involved are "
            f"{', '.join(involved)}. Their standard errors are not available (NaN), as in "
            "lavaan. Fix one of them (e.g. equal loadings with a shared label), add "
            f"indicators, or free a covariance fixed at 0.{means}")


def _expected_information(model: RAMModel, theta, patterns, n) -> np.ndarray:
    """The analytic expected information (complete data or FIML), for the identification
    check: the observed information of MLR and FIML is a numeric Jacobian, whose noise
    would hide an exactly singular direction."""
    if patterns is None:
        return est.expected_information(model, theta)
    Sigma, mu = model.implied(theta)
    dS, dm = model.jacobian(theta)
    delta = fiml.moment_jacobian(dS, dm)
    return delta.T @ fiml.h1_information(Sigma, mu, patterns, observed=False) @ delta


def _estimated_params(model: RAMModel) -> np.ndarray:
    """Mask of the parameters that are estimated (not fixed.x rows)."""
    pt = model.partable
    mask = np.ones(model.n_free, dtype=bool)
    for k, r in enumerate(model.free_rows):
        if r >= 0 and pt["exo"].iloc[r] == 1:
            mask[k] = False
    return mask


def _param_names(model: RAMModel, mask: np.ndarray) -> list[str]:
    pt = model.partable
    out = []
    for k, r in enumerate(model.free_rows):
        if mask[k]:
            row = pt.iloc[r]
            out.append(f"{row.lhs} {row.op} {row.rhs}".strip())
    return out


def _fix_exogenous(model: RAMModel, acov: np.ndarray) -> np.ndarray:
    """Zero the rows and columns of the fixed.x parameters (lavaan: fixed, se 0).

    The likelihood factors into the outcomes given the predictors and the predictors'
    own distribution, so the information is block diagonal and the other SEs are
    unchanged: this only reports the predictors' moments as the fixed numbers they are.
    """
    keep = _estimated_params(model)
    if keep.all():
        return acov
    out = acov.copy()
    out[~keep, :] = 0.0
    out[:, ~keep] = 0.0
    return out


def _check_implied_cov(model: RAMModel, theta: np.ndarray) -> None:
    """Raise LinAlgError (turned into a clear error by fit) if Sigma is singular."""
    Sigma, _ = model.implied(theta)
    sign, _ = np.linalg.slogdet(Sigma)
    if sign <= 0 or np.linalg.cond(Sigma) > 1e14:
        raise np.linalg.LinAlgError("singular implied covariance")


def _singular_sigma_error(spec: ModelSpec, pt: pd.DataFrame, X: np.ndarray | None = None,
                          cols: list[str] | None = None) -> EstimationError:
    zero = pt[(pt.op == "~~") & (pt.lhs == pt.rhs) & (pt.free == 0) & (pt.ustart == 0)
              & (pt.user == 1)]
    where = "; ".join(f"{r.lhs} ~~ 0*{r.rhs} (line {r.line})" for r in zero.itertuples())
    copies = _copied_items(X, cols) if X is not None else []
    if len(zero):
        cause = (f" The model fixes residual variances at 0 ({where}): with them the items are "
                 "exact linear functions of the latents, which the data contradict. Free them, or "
                 "fix them at a small positive value (e.g. 0.01*).")
    elif copies:
        cause = (" The items " + "; ".join(f"'{a}' and '{b}'" for a, b in copies) + " are "
                 "(almost) copies of each other (correlation above 0.9999): drop one of each "
                 "pair or check the data.")
    else:
        cause = " Check for variances fixed at 0 and for items that are copies of each other."
    return EstimationError(f"{spec.source or '<model>'}: the model-implied covariance matrix of "
                           "the items is singular, so the model cannot be estimated by maximum "
                           f"likelihood.{cause}")


def _copied_items(X: np.ndarray, cols: list[str], cov: np.ndarray | None = None
                  ) -> list[tuple[str, str]]:
    """Pairs of items whose complete answers correlate above 0.9999 (one is a copy).

    ``cov``: the covariance matrix of the rows of X (complete), if computed already: when no
    correlation from it comes within 1e-4 of the threshold (rounding moves them by ~1e-15)
    there is no pair, without a second pass over the data; otherwise the check runs as always.
    """
    if cov is not None and len(X) >= 3:
        d = np.sqrt(np.diag(cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            R = cov / np.outer(d, d)
        off = np.abs(R[np.triu_indices(len(d), 1)])
        if off.size and np.all(d > 0) and np.all(np.isfinite(off)) and off.max() < 0.9998:
            return []
    ok = ~np.isnan(X).any(axis=1)
    if ok.sum() < 3:
        return []
    with np.errstate(invalid="ignore", divide="ignore"):
        R = np.corrcoef(X[ok], rowvar=False)
    i, j = np.nonzero(np.triu(np.abs(np.nan_to_num(R)) > 0.9999, 1))
    return [(cols[a], cols[b]) for a, b in zip(i, j)]


def _drop_missing_predictors(X: np.ndarray, cols: list[str], spec: ModelSpec,
                             notes: list[str]) -> np.ndarray:
    """FIML with fixed.x: drop rows with a missing predictor, as lavaan does (with a note)."""
    if not spec.fixed_x or not spec.exogenous_observed:
        return X
    idx = [cols.index(v) for v in spec.exogenous_observed]
    bad = np.isnan(X[:, idx]).any(axis=1)
    if bad.any():
        msg = (f"{int(bad.sum())} rows were dropped because an observed predictor "
               f"({', '.join(spec.exogenous_observed)}) is missing, while fixed_x=True "
               "(as lavaan does). Pass fixed_x=False to keep them.")
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
        X = X[~bad]
    return X


def _random_predictor_notes(spec: ModelSpec) -> list[str]:
    """lavaan's warning for predictors named in ~~ statements (treated as random)."""
    if not spec.random_predictors or not spec.fixed_x:
        return []
    names = ", ".join(spec.random_predictors)
    msg = (f"The model writes a variance or covariance of the observed predictor(s) {names}: "
           "as lavaan, they are treated as random (free variances, no default covariances with "
           "the other predictors). Remove those lines to treat them as fixed, or pass "
           "fixed_x=False.")
    warnings.warn(msg, CSIModelWarning, stacklevel=3)
    return [msg]


def _check_data(X: np.ndarray, cols: list[str], source: str, spec: ModelSpec) -> None:
    n = X.shape[0]
    if n < 2:
        raise EstimationError(f"{source}: only {n} usable rows for the model's {len(cols)} items; "
                              "nothing can be estimated. Check the missing codes and the data.")
    if n and not np.isnan(X).any() and _all_vary(X):
        return _check_size(X, cols, source, n)
    with np.errstate(invalid="ignore"):
        # complete rows (listwise): np.std, the same numbers as np.nanstd at a third of the
        # passes over the data (tests/test_read_exactness.py)
        sd = np.nanstd(X, axis=0) if np.isnan(X).any() else np.std(X, axis=0)
    for j, c in enumerate(cols):
        if not np.isfinite(sd[j]) or sd[j] == 0:
            vals = X[:, j][~np.isnan(X[:, j])]
            what = f"all answers are {vals[0]:g}" if len(vals) else "it has no answers"
            raise SurveyDataError(f"{source}, column '{c}': the item is constant ({what} in the "
                                  "rows used); a constant item has no variance. Drop it from the "
                                  f"model (line {spec.statement_line(*_owner(spec, c))}) or check "
                                  "the data.")
    _check_size(X, cols, source, n)


def _all_vary(X: np.ndarray) -> bool:
    """True when every column of the complete, finite X has a standard deviation that is
    certainly positive and finite: its answers span more than 1e-150 (so the squared deviation
    of the farthest answer from the mean does not underflow) and stay below 1e100 (read_survey's
    bound; no overflow). Then the np.std check below would flag nothing; otherwise it runs."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    return bool(np.all(hi - lo > 1e-150) and np.all(np.abs(lo) < 1e100)
                and np.all(np.abs(hi) < 1e100))


def _check_size(X: np.ndarray, cols: list[str], source: str, n: int) -> None:
    if n <= len(cols) and not np.isnan(X).any():
        raise EstimationError(f"{source}: {n} complete rows for {len(cols)} model items; ML needs "
                              "more respondents than items (the sample covariance is singular).")


def _owner(spec: ModelSpec, item: str):
    for lv, items in spec.indicators.items():
        if item in items:
            return lv, "=~", item
    return item, "~", None


def _acov(model, theta, estimator, missing, mom, X, patterns, n, weights=None):
    """The parameter covariance matrix (expected, observed or sandwich, as lavaan).

    Also returns (bread, casewise scores) for MLR, which the scaled test reuses. With
    sampling ``weights`` (summing to n) each case's score is multiplied by its weight, as
    lavaan's weighted casewise scores, and the bread is at the weighted moments.
    """
    if missing == "listwise":
        if estimator == "ML":
            J = est.expected_information(model, theta)
            return _inv(n * J), None
        H = est.numeric_jacobian(lambda t: est.ml_gradient(model, t, mom) / 2, theta)
        scores = est.casewise_scores(model, theta, X, mom.mean)
        if weights is not None:
            scores = scores * weights[:, None]
        B = scores.T @ scores / n
        Hinv = _inv(H)
        return Hinv @ B @ Hinv / n, (H, scores)
    raise AssertionError("unreachable: FIML standard errors come from _fiml_acov")


def _fiml_acov(model, theta, estimator, data):
    """FIML parameter covariance as lavaan's missing = "ml": inverse observed information (ML),
    or the Huber-White sandwich with the observed information as bread and the casewise scores'
    cross-products as meat (MLR). Also returns the pieces the robust test and the bootstrap reuse.
    """
    n = data.n
    H = fiml.observed_information(model, np.asarray(theta, float), data)
    dS, dm = model.jacobian(theta)
    info = {"hessian": H, "delta": fiml.moment_jacobian(dS, dm), "scores": None}
    if estimator == "ML":
        return _inv(n * H), info
    Sigma, mu = model.implied(theta)
    scores = fiml.h1_scores(Sigma, mu, data) @ info["delta"]
    info["scores"] = scores
    Hinv = _inv(H)
    return Hinv @ (scores.T @ scores / n) @ Hinv / n, info


def _with_fiml_robust(measures, model, theta, data, h1, info, exo_idx):
    """Add lavaan's robust fit measures with missing data: the FIML-corrected robust CFI, TLI
    and RMSEA (ML and MLR) and, for MLR (which has casewise scores), the scaled test."""
    Sigma, mu = model.implied(theta)
    m = measures
    mlr = info["scores"] is not None
    robust = fiml_robust_measures(data, h1, Sigma, mu, info["delta"],
                                  info["hessian"] if mlr else None, info["scores"], m["chisq"],
                                  int(m["df"]), m["baseline.chisq"], int(m["baseline.df"]),
                                  exo_idx)
    return pd.concat([measures, pd.Series(robust, dtype=float)]).rename("value")


def _inv(M):
    try:
        return np.linalg.inv(M)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(M)


def _estimate_table(model: RAMModel, theta, acov, level) -> pd.DataFrame:
    pt = model.partable
    values = model.theta_to_rows(theta)
    free = pt["free"].to_numpy()
    se = np.zeros(len(pt))
    var = np.diag(acov)
    with np.errstate(invalid="ignore"):
        se[free > 0] = np.sqrt(np.where(var[free[free > 0] - 1] >= 0, var[free[free > 0] - 1], np.nan))
    estimated = (free > 0) & (pt["exo"].to_numpy() == 0)   # fixed.x rows are reported as fixed
    se[~estimated] = 0.0
    zcrit = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(estimated, values / se, np.nan)
    pval = 2 * stats.norm.sf(np.abs(z))
    out = pd.DataFrame({
        "lhs": pt["lhs"], "op": pt["op"], "rhs": pt["rhs"], "label": pt["label"],
        "est": values, "se": se, "z": z, "pvalue": pval,
        "ci.lower": values - zcrit * se, "ci.upper": values + zcrit * se,
    })
    return out


def _r_squared(model: RAMModel, theta, spec: ModelSpec) -> pd.Series:
    _, S, _ = model.matrices(theta)
    _, C, _ = model.parts(theta)
    names = list(model.observed) + list(model.latents)
    endo = [v for v in names if v in spec.endogenous_latents
            or any(v in items for items in spec.indicators.values())
            or v in {st.lhs for st in spec.statements if st.op == "~"}]
    vals = {}
    for v in endo:
        i = names.index(v)
        vals[v] = 1.0 - S[i, i] / C[i, i]
    return pd.Series(vals, name="r2", dtype=float)


def _fit_measures(model, theta, mom, n, patterns, h1, X, exo_idx=(), weights=None,
                  n_eq: int = 0) -> pd.Series:
    """lavaan's fit measures; ``n_eq`` equality constraints (``==``) add to df and are
    subtracted from npar, as lavaan 0.6-14 counts them."""
    p = model.p
    exo_idx = list(exo_idx)
    q = model.n_free - n_eq
    Sigma, mu = model.implied(theta)
    nmom = p * (p + 1) // 2 + (p if model.meanstructure else 0)
    df = nmom - q
    n_exo = int((~_estimated_params(model)).sum())
    out: dict[str, float] = {"npar": q - n_exo, "nobs": n}
    if patterns is None:
        F = est.ml_objective(model, theta, mom)
        chisq = n * F
        chisq0, df0 = fi.baseline_chisq_complete(mom.cov, n, exo_idx)
        V = np.linalg.inv(Sigma)
        logl = -0.5 * n * (p * est.LOG2PI + np.linalg.slogdet(Sigma)[1] + np.sum(V * mom.cov))
        if model.meanstructure:
            d = mom.mean - mu
            logl -= 0.5 * n * (d @ V @ d)
        logl_h1 = -0.5 * n * (p * est.LOG2PI + np.linalg.slogdet(mom.cov)[1] + p)
        S_ref, mean_ref = mom.cov, mom.mean
    else:
        S_em, mu_em, ll_h1 = h1
        logl = fiml.loglik(Sigma, mu, patterns)
        logl_h1 = ll_h1
        chisq = 2 * (logl_h1 - logl)
        # baseline: independent variables (exogenous observed ones keep their covariances)
        ll0 = 0.0
        _, var_obs = fiml.observed_moments(patterns)       # weighted with sampling weights
        for j in range(p):
            if j in exo_idx:
                continue
            n_obs = patterns.w[~np.isnan(X[:, j])].sum()
            ll0 += -0.5 * n_obs * (est.LOG2PI + np.log(var_obs[j]) + 1.0)
        if exo_idx:
            Xx = X[:, exo_idx]
            some = ~np.isnan(Xx).all(axis=1)
            ll0 += fiml.em_saturated(fiml.MissingData(
                Xx[some], None if weights is None else weights[some]))[2]
        chisq0 = 2 * (logl_h1 - ll0)
        k = len(exo_idx)
        df0 = p * (p - 1) // 2 - k * (k - 1) // 2
        S_ref, mean_ref = S_em, mu_em
    if n_exo and exo_idx:
        # fixed.x: lavaan's log-likelihoods are those of the outcomes given the predictors
        k = len(exo_idx)
        if X is None:         # fitted from survey moments
            Sx, n_x = mom.cov[np.ix_(exo_idx, exo_idx)], n
        else:
            Xx = X[:, exo_idx]
            Sx, n_x = est.Moments.from_data(Xx, weights).cov.reshape(k, k), Xx.shape[0]
        logl_x = -0.5 * n_x * (k * est.LOG2PI + np.linalg.slogdet(Sx)[1] + k)
        logl -= logl_x
        logl_h1 -= logl_x
    out.update(fmin=chisq / (2 * n), chisq=chisq, df=df, pvalue=fi.chisq_pvalue(chisq, df),
               **{"baseline.chisq": chisq0, "baseline.df": df0,
                  "baseline.pvalue": fi.chisq_pvalue(chisq0, df0)})
    out["cfi"] = fi.cfi(chisq, df, chisq0, df0)
    out["tli"] = fi.tli(chisq, df, chisq0, df0)
    out["nfi"] = fi.nfi(chisq, chisq0, df, df0)
    out["logl"] = logl
    out["unrestricted.logl"] = logl_h1
    out["aic"] = fi.aic(logl, q - n_exo)
    out["bic"] = fi.bic(logl, q - n_exo, n)
    out["bic2"] = fi.bic_adjusted(logl, q - n_exo, n)
    out["rmsea"] = fi.rmsea(chisq, df, n)
    lo, hi = fi.rmsea_ci(chisq, df, n)
    out["rmsea.ci.lower"], out["rmsea.ci.upper"] = lo, hi
    out["rmsea.pvalue"] = fi.rmsea_pclose(chisq, df, n)
    with_means = model.meanstructure
    out["srmr"] = fi.srmr(S_ref, Sigma, mean_ref if with_means else None, mu if with_means else None)
    if patterns is None:
        g = fi.gfi(S_ref, Sigma, mean_ref if with_means else None, mu if with_means else None,
                   exo_idx if n_exo else ())
    elif weights is not None:
        g = float("nan")     # the weighted pairwise moments of lavaan's GFI are not done yet
    else:
        # lavaan's "observed" moments here are the available-case means and pairwise
        # covariances (divisor N), weighted by the patterns' expected information
        S_pair = pd.DataFrame(X).cov(min_periods=1).to_numpy() * (n - 1) / n
        g = fi.gfi_missing(S_pair, Sigma, np.nanmean(X, axis=0), mu,
                           [(np.flatnonzero(mask), int(count))
                            for mask, count in zip(patterns.masks, patterns.counts)],
                           exo_idx if n_exo else ())
    out["gfi"] = g
    out["agfi"] = fi.agfi(g, df, nmom)
    return pd.Series(out, name="value", dtype=float)
