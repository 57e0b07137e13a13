"""Sampling weights in the joint multi-group CB-SEM: lavaan 0.6-14's ``group =`` with
``sampling.weights =``.

As lavaan (``lav_data_full``, ``lav_samplestats_from_data``):

* the weights of the rows used are rescaled over all groups together to sum to the total
  number of rows N (``sampling.weights.normalization = "total"``, the default), and a
  group's N_g in the likelihood is the sum of its weights (not its number of rows);
* each group's moments are the weighted ones (divisor N_g), the estimates ML on them
  (chi-square = sum of N_g * F_g);
* ML becomes MLR: Huber-White SEs, bread the observed information sum_g (N_g/N) H_g, meat
  the cross-products of the weighted casewise scores over N; the Yuan-Bentler (Mplus) scaled
  test with the traces summed over groups (:mod:`csi_model.sem._robust`), and the robust
  CFI/TLI/RMSEA (RMSEA times sqrt(G));
* nested models are compared by the Satorra-Bentler (2001) scaled difference, the default
  of ``lavTestLRT`` for MLR;
* the modification indices and the score tests of the equality constraints are lavaan's
  ``modindices`` and ``lavTestScore`` of a weighted fit: the ordinary score tests (expected
  information) on the weighted moments, each group's N the sum of its weights (the stored
  moments carry it), or with FIML on the weighted missing-data likelihood (its expected
  information per pattern); lavaan has no robust version of either (``lavTestScore`` warns
  that it falls back to the ordinary test);
* with ``missing="fiml"`` (lavaan's ``missing = "ml"``) each row's log-likelihood of its
  answers is weighted (:func:`fit_joint_fiml_weighted`): the bread is the observed
  information of the weighted log-likelihood, the scaled test uses each group's
  missing-data h1 informations at its weighted EM moments, and the robust CFI/TLI/RMSEA are
  lavaan's FIML-corrected ones over the groups;
* ordered items (WLSMV) are weighted in :mod:`csi_model.sem.ordinal_groups` (each group's
  weighted thresholds, polychorics and Gamma), with the weights of :func:`group_weights`.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from .._threads import threadpool_limits

from . import _estimation as est
from . import _fiml as fiml
from . import fit_indices as fi
from ._robust import h1_traces, model_trace, scaled_measures
from ..exceptions import SurveyDataError

__all__ = ["group_weights", "fit_joint_weighted", "fit_joint_fiml_weighted", "sb2001_difference",
           "check_weights_groups"]


def check_weights_groups(weights, spec, by: str, *, ordered, missing: str, func: str):
    """The weight column of a multi-group fit, or a clear refusal of what is not done."""
    from ..survey.weights import check_weight_column
    weights = check_weight_column(weights, spec.observed, func=func)
    if weights is None:
        return None
    if weights == by:
        raise SurveyDataError(f"The weight column '{weights}' is also the grouping column "
                              f"(by='{by}'). Pass the column that holds the sampling weights.")
    from ..survey.missing import resolve_missing
    resolve_missing(missing, "ordinal" if ordered is not None and ordered is not False
                    else "cbsem", func)                          # a bad value: its own error
    return weights


def group_weights(survey, spec, by: str, groups, column: str,
                  missing: str = "listwise") -> list[np.ndarray]:
    """The checked weights of the rows each group uses (listwise: the complete rows; FIML:
    the rows with an answer), rescaled over all groups together to sum to the number of
    rows (lavaan's ``"total"`` normalization)."""
    from ..survey.weights import survey_weights
    frame = survey.data
    labels = frame[by].astype(str)
    cols = list(spec.observed)
    how = "any" if missing == "listwise" else "all"
    index = [frame.loc[labels == g, cols].dropna(how=how).index for g in groups]
    w = survey_weights(survey, column, index[0].append(index[1:]))
    out, start = [], 0
    for g, idx in zip(groups, index):
        part = w[start:start + len(idx)]
        start += len(idx)
        if not (part > 0).any():
            raise SurveyDataError(f"{getattr(survey, 'source', 'DataFrame')}, weight column "
                                  f"'{column}': every weight in group {by} = {g} is zero; "
                                  "that group has no weighted sample. Check the weights, or "
                                  "drop the group.")
        out.append(part)
    return out


def _note(column: str, ws, groups, by: str, fiml: bool = False, how: str | None = None) -> str:
    """What a weighted multi-group fit did (``how``: the ordered items' WLSMV wording)."""
    w = np.concatenate(ws)
    n_eff = w.sum() ** 2 / np.sum(w ** 2)
    sizes = ", ".join(f"{g}: {part.sum():.1f}" for g, part in zip(groups, ws))
    if how is not None:
        return (f"Sampling weights from column '{column}', rescaled over all groups to sum "
                f"to the {len(w)} rows used (Kish effective sample size {n_eff:.0f}); each "
                f"group's N is the sum of its weights ({by} = {sizes}): {how}, robust SEs "
                "and the scaled-shifted test from the weighted Gamma, as lavaan's "
                "sampling.weights with group= and ordered=.")
    how = ("estimates by weighted FIML (each row's log-likelihood of its answers times its "
           "weight)" if fiml else "estimates from the weighted moments")
    return (f"Sampling weights from column '{column}', rescaled over all groups to sum to the "
            f"{len(w)} rows used (Kish effective sample size {n_eff:.0f}); each group's N in "
            f"the likelihood is the sum of its weights ({by} = {sizes}): {how}, robust "
            "(Huber-White) standard errors and the Yuan-Bentler scaled test, as lavaan's "
            "sampling.weights with group=.")


def fit_joint_weighted(spec, by, groups, Xs, jm, equal, partial, level, warm, notes,
                       sampling_weights, screening: bool = False):
    """The joint model on the groups' weighted moments, with lavaan's MLR SEs and tests
    (see the module docstring). ``sampling_weights``: (column, one array per group)."""
    from .groups import _fit_measures, _fix_exogenous, _gradient, _ml_estimate, _result
    from ..exceptions import ConvergenceWarning
    import warnings

    column, ws = sampling_weights
    moments = [est.Moments.from_data(X, w) for X, w in zip(Xs, ws)]
    Ns = [float(w.sum()) for w in ws]
    N = sum(Ns)
    fg = [n / N for n in Ns]
    if not screening:
        notes.append(_note(column, ws, groups, by))
    with threadpool_limits(limits=1, user_api="blas"):
        # polished also when screening: the sandwich and the scaling factors want the optimum
        theta, iters, ok, _ = _ml_estimate(
            jm, spec, moments, fg,
            lambda: est.Moments.from_data(np.vstack(Xs), np.concatenate(ws)), warm, notes,
            polish=True)
        # observed information per case of the whole sample: sum_g (N_g / N) H_g
        bread = est.numeric_jacobian(lambda t: _gradient(jm, moments, fg, t) / 2, theta)
        scores = np.vstack([est.casewise_scores(m, theta, X) * w[:, None]
                            for m, X, w in zip(jm.models, Xs, ws)])
        acov = _sandwich(bread, scores, N)
    if not ok:
        notes.append(f"The multi-group estimation did not converge in {iters} iterations.")
        warnings.warn(notes[-1], ConvergenceWarning, stacklevel=4)
    acov = _fix_exogenous(jm, acov)
    measures = _fit_measures(jm, theta, moments, Ns, spec)
    t = jm.table   # fixed.x: the predictors' moments are not parameters of the test
    exo_free = np.unique(t[(t.free > 0) & (t.exo == 1)]["free"].to_numpy()) - 1
    keep = np.setdiff1d(np.arange(jm.n_params), exo_free)
    exo_idx = ([spec.observed.index(v) for v in spec.exogenous_observed] if spec.fixed_x
               else [])
    measures = pd.concat([measures, pd.Series(
        _robust_measures(measures, bread[np.ix_(keep, keep)], scores[:, keep], Xs, ws,
                         moments, Ns, len(groups), exo_idx),
        dtype=float)]).rename("value")
    # the stored moments carry each group's N in the likelihood (the sum of its weights):
    # the modification indices and score tests weight the groups by it, as lavaan
    kept = tuple(dataclasses.replace(mom, n=n) for mom, n in zip(moments, Ns))
    res = _result(spec, by, groups, equal, partial, [len(X) for X in Xs], jm, theta, acov,
                  level, measures, notes, ok, kept, screening)
    return dataclasses.replace(res, weights=column)


def _robust_measures(measures, bread, scores, Xs, ws, moments, Ns, G,
                     exo_idx=()) -> dict[str, float]:
    """lavaan's ``.scaled`` and ``.robust`` fit measures of a weighted multi-group fit
    (``exo_idx``: the fixed.x predictors; ``bread`` and ``scores`` without their moments)."""
    N = sum(Ns)
    trace_h1 = trace_base = 0.0
    for X, w, mom, n in zip(Xs, ws, moments, Ns):
        a, b = h1_traces(X, mom.cov, mom.mean, n, exo_idx, True, w)
        trace_h1, trace_base = trace_h1 + a, trace_base + b
    m = measures
    chisq, df = float(m["chisq"]), int(m["df"])
    p, k = moments[0].cov.shape[0], len(exo_idx)
    logl_h1 = 0.0
    for mom, n in zip(moments, Ns):
        logl_h1 += -0.5 * n * (p * est.LOG2PI + mom.logdet + p)
        if k:    # fixed.x: the outcomes' log-likelihood given the predictors, as lavaan's
            Sx = mom.cov[np.ix_(exo_idx, exo_idx)]
            logl_h1 -= -0.5 * n * (k * est.LOG2PI + np.linalg.slogdet(Sx)[1] + k)
    out = scaled_measures(chisq, df, float(m["baseline.chisq"]), int(m["baseline.df"]),
                          trace_h1, model_trace(bread, scores, N), trace_base, N, n_groups=G)
    out["unrestricted.logl"] = logl_h1
    if df > 0:
        c, chisq_s = out["chisq.scaling.factor"], out["chisq.scaled"]
        # lavaan: the scaled interval inverts the unscaled statistic on c * df degrees of
        # freedom; the robust one the scaled statistic, rescaled by sqrt(c)
        lo, hi = fi.rmsea_ci(chisq, c * df, N, n_groups=G)
        out["rmsea.ci.lower.scaled"], out["rmsea.ci.upper.scaled"] = lo, hi
        lo, hi = fi.rmsea_ci(chisq_s, df, N, n_groups=G)
        out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo * c ** 0.5, hi * c ** 0.5
    return out


def fit_joint_fiml_weighted(spec, by, groups, Xs, jm, equal, partial, level, warm, notes,
                            sampling_weights, screening: bool = False):
    """The joint model by weighted FIML (lavaan's ``missing = "ml"`` with
    ``sampling.weights``, which makes ML MLR): each row's log-likelihood of its answers times
    its weight, Huber-White SEs (bread: the observed information of the weighted
    log-likelihood over N; meat: the weighted casewise scores), the Yuan-Bentler (Mplus)
    scaled test with the h1 informations of each group's missing-data likelihood at its
    weighted EM moments, and the FIML-corrected robust CFI/TLI/RMSEA
    (``lav_fit_fiml_corrected``) over the groups."""
    import warnings

    from ..exceptions import ConvergenceWarning
    from .groups import _fiml_estimate, _fit_measures_fiml, _result

    column, ws = sampling_weights
    datas = [fiml.MissingData(X, w) for X, w in zip(Xs, ws)]
    h1 = [fiml.em_saturated(d) for d in datas]
    Ns = [float(w.sum()) for w in ws]
    N = sum(Ns)
    if not screening:
        notes.append(_note(column, ws, groups, by, fiml=True))
    with threadpool_limits(limits=1, user_api="blas"):
        theta, iters, ok = _fiml_estimate(jm, spec, datas, h1, warm, notes)
        # observed information per case of the whole sample: the weighted Hessian over N
        bread = sum(d.n * fiml.observed_information(m, theta, d)
                    for m, d in zip(jm.models, datas)) / N
        deltas = [fiml.moment_jacobian(*m.jacobian(theta)) for m in jm.models]
        scores = np.vstack([fiml.h1_scores(*m.implied(theta), d) @ D
                            for m, d, D in zip(jm.models, datas, deltas)])
        acov = _sandwich(bread, scores, N)
        measures = _fit_measures_fiml(jm, theta, datas, h1)
        robust = _fiml_robust_measures(measures, jm, theta, datas, h1, deltas, bread, scores)
    if not ok:
        notes.append(f"The multi-group estimation did not converge in {iters} iterations.")
        warnings.warn(notes[-1], ConvergenceWarning, stacklevel=4)
    measures = pd.concat([measures, pd.Series(robust, dtype=float)]).rename("value")
    res = _result(spec, by, groups, equal, partial, [len(X) for X in Xs], jm, theta, acov,
                  level, measures, notes, ok, None, screening)
    return dataclasses.replace(res, weights=column, fiml_data=tuple(datas))


def _bdiag(blocks) -> np.ndarray:
    size = sum(b.shape[0] for b in blocks)
    out = np.zeros((size, size))
    k = 0
    for b in blocks:
        out[k:k + b.shape[0], k:k + b.shape[0]] = b
        k += b.shape[0]
    return out


def _fiml_robust_measures(measures, jm, theta, datas, h1, deltas, bread,
                          scores) -> dict[str, float]:
    """lavaan's ``.scaled`` and ``.robust`` measures of a weighted multi-group FIML fit.

    The scaled test: ``c = [sum_g tr(Wm_g^-1 Jm_g) - tr(E^-1 B0)] / df`` with Wm_g, Jm_g the
    observed and first-order h1 informations of group g's missing-data likelihood at its EM
    moments (per unit of its N, the sum of its weights), E the bread and B0 the stacked
    weighted scores over N; the baseline's traces are the groups' own (its parameters are
    not shared). The robust CFI/TLI/RMSEA are lavaan's FIML-corrected ones (V3) with the
    groups' blocks weighted by N_g / N, as ``lav_fit_fiml_corrected``.
    """
    from ._robust import _fiml_corrected, _ml_discrepancy, _yb_trace_h0, fiml_baseline
    G = len(datas)
    Ns = [float(d.w.sum()) for d in datas]
    N = sum(Ns)
    m = measures
    chisq, df = float(m["chisq"]), int(m["df"])
    chisq0, df0 = float(m["baseline.chisq"]), int(m["baseline.df"])
    trace_h1 = trace_base = 0.0
    Wm, Wmi, Jm, Wc, D_base, xx3, xx3_null = [], [], [], [], [], 0.0, 0.0
    for model, d, n, (S_em, mu_em, _, _) in zip(jm.models, datas, Ns, h1):
        W = fiml.h1_information(S_em, mu_em, d, observed=True) * (d.n / n)
        Wi = np.linalg.inv(W)
        s = fiml.h1_scores(S_em, mu_em, d)
        J = s.T @ s / n
        trace_h1 += float(np.sum(J * Wi.T))
        Sigma_B, mu_B, Delta_B = fiml_baseline(d)
        b_scores = fiml.h1_scores(Sigma_B, mu_B, d) @ Delta_B
        E_B = Delta_B.T @ fiml.h1_information(Sigma_B, mu_B, d, observed=True) @ Delta_B
        trace_base += _yb_trace_h0(b_scores.T @ b_scores / n, E_B * (d.n / n))
        f = n / N
        Wm.append(f * W)
        Wmi.append(Wi / f)
        Jm.append(f * J)
        Wc.append(f * fiml.complete_h1_information(S_em))
        D_base.append(Delta_B)
        # lavaan refits at the EM moments with sample.nobs = the weighted N_g, which
        # lavaan's moments input truncates to an integer (as.integer)
        n_int = float(np.floor(n))
        Sigma, mu = model.implied(theta)
        xx3 += n_int * _ml_discrepancy(S_em, mu_em, Sigma, mu)
        xx3_null += n_int * _ml_discrepancy(S_em, mu_em, Sigma_B, mu_B)
    out = scaled_measures(chisq, df, chisq0, df0, trace_h1, model_trace(bread, scores, N),
                          trace_base, N, n_groups=G)
    if df > 0:
        c = out["chisq.scaling.factor"]
        lo, hi = fi.rmsea_ci(chisq, c * df, N, n_groups=G)
        out["rmsea.ci.lower.scaled"], out["rmsea.ci.upper.scaled"] = lo, hi
    # the FIML-corrected robust CFI, TLI and RMSEA (Zhang & Savalei), all groups together
    Wm_all, Wmi_all, Jm_all, Wc_all = (_bdiag(x) for x in (Wm, Wmi, Jm, Wc))
    k = _fiml_corrected(Wm_all, Wmi_all, Jm_all, Wc_all, np.vstack(deltas), "V3")
    k_null = _fiml_corrected(Wm_all, Wmi_all, Jm_all, Wc_all, _bdiag_cols(D_base), "V3")
    if df > 0:
        c3, c3_null = k / df, k_null / df0
        out.update(fi.robust_indices(xx3, df, c3, xx3_null, df0, c3_null, N, n_groups=G))
        lo, hi = fi.rmsea_ci(xx3 / c3, df, N, n_groups=G)
        out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo * c3 ** 0.5, hi * c3 ** 0.5
    return out


def _bdiag_cols(blocks) -> np.ndarray:
    """Stack Jacobians of separate parameter sets (rows and columns block-diagonal)."""
    rows, cols = sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)
    out = np.zeros((rows, cols))
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def sb2001_difference(less, more) -> dict[str, float]:
    """lavaan's ``lavTestLRT(less, more)`` for MLR: the Satorra-Bentler (2001) scaled
    difference ``(T_more - T_less) / cd``, ``cd = (df_more c_more - df_less c_less) / m``
    with m the difference in df (a saturated ``less`` has c = 1).

    Returns ``chisq.diff, df.diff, pvalue, scaling.factor`` (NaN for a negative cd, which
    lavaan warns about).
    """
    a, b = less.fit_measures, more.fit_measures
    r1, r0 = int(a["df"]), int(b["df"])
    c1 = 1.0 if r1 == 0 else float(a["chisq.scaling.factor"])
    c0 = float(b["chisq.scaling.factor"])
    m = r0 - r1
    d = float(b["chisq"] - a["chisq"])
    if m == 0:
        return {"chisq.diff": d, "df.diff": 0, "pvalue": float("nan"),
                "scaling.factor": float("nan")}
    cd = (r0 * c0 - r1 * c1) / m
    if cd < 0:
        return {"chisq.diff": float("nan"), "df.diff": m, "pvalue": float("nan"),
                "scaling.factor": float("nan")}
    T = d / cd
    return {"chisq.diff": T, "df.diff": m, "pvalue": fi.chisq_pvalue(T, m),
            "scaling.factor": cd}


def _sandwich(bread: np.ndarray, scores: np.ndarray, N: float) -> np.ndarray:
    """Huber-White covariance ``H^-1 (S'S / N) H^-1 / N`` of the estimates from the observed
    information per case ``bread`` and the weighted casewise ``scores`` (rows: respondents)."""
    try:
        H_inv = np.linalg.inv(bread)
    except np.linalg.LinAlgError:
        H_inv = np.linalg.pinv(bread)
    return H_inv @ (scores.T @ scores / N) @ H_inv / N
