"""Ordinal (Likert) indicators in CB-SEM: lavaan's DWLS/ULS estimators with the WLSMV/ULSMV test.

``fit(spec, data, ordered=True)`` lands here. What lavaan 0.6-14 does for ``cfa(...,
ordered = TRUE)`` in one group with the default delta parameterization, and what we do:

1. thresholds and polychoric correlations (:func:`~csi_model.sem.polychoric.polychoric`)
   and their asymptotic covariance Gamma (Muthén 1984;
   :mod:`~csi_model.sem._ordinal_moments`); with listwise deletion (lavaan's default) or, with
   ``missing="pairwise"`` (lavaan's), each threshold from its item's answers, each correlation
   from the respondents answering both items and Gamma from the casewise scores of the
   answers given (N = every respondent with an answer); with sampling weights, weighted
   proportions, tables and scores (lavaan's ``sampling.weights``);
2. the model-implied correlation matrix of the latent responses is ``Sigma* = Lambda Psi
   Lambda' + Theta`` with ``diag(Sigma*) = 1``: the items' residual variances are not free but
   ``1 - diag(Lambda Psi Lambda')`` (reported with SE 0, as lavaan); thresholds are free (the
   model is saturated in them);
3. estimates minimize ``(s - sigma)' W (s - sigma)`` with ``W = diag(Gamma)^-1`` (DWLS) or
   ``W = I`` (ULS), by Gauss-Newton;
4. robust SEs from the sandwich ``(D'WD)^-1 D'W Gamma W D (D'WD)^-1 / (N - 1)`` (lavaan's
   denominator for the WLS family);
5. the test ``T = (N - 1) F`` (lavaan's) and its mean-and-variance adjusted ("scaled-shifted", Asparouhov &
   Muthén 2010) version ``a T + (df - a tr(U Gamma))`` with ``a = sqrt(df / tr((U Gamma)^2))``,
   ``U = W - W D (D'WD)^-1 D'W``; the baseline model has all correlations 0; CFI, TLI and RMSEA
   from the standard and the scaled statistics; lavaan 0.6-14's "robust" CFI/TLI/RMSEA for
   categorical data (Savalei 2021, :mod:`~csi_model.sem._ordinal_robust`) with the
   scaled-shifted test.

``:=`` defined parameters get delta-method SEs from the robust covariance of the estimates
(as lavaan). Multi-group models: :mod:`~csi_model.sem.ordinal_groups`.

Ordinal and continuous items together (``ordered=`` naming some items, lavaan's ``ordered =
c(...)``): :mod:`~csi_model.sem._ordinal_mixed`, with listwise deletion (pairwise is
refused), sampling weights allowed. Not supported yet, each refused with a message: observed exogenous
predictors, the theta parameterization. FIML (lavaan's ``missing = "ml"``)
is not available with ordered items, in lavaan neither.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from .._distributions import chdtrc  # scipy.special, imported on first call

from ..exceptions import DataQualityWarning, ModelSpecError
from . import fit_indices as fi
from ._ordinal_moments import OrdinalMoments, ordinal_moments, pair_order
from ._ordinal_robust import RobustGroup, robust_measures
from ._ram import RAMModel
from .polychoric import polychoric

__all__ = ["ORDINAL_ESTIMATORS", "fit_ordinal"]

#: estimator -> (weight of the fit function, test)
ORDINAL_ESTIMATORS = {"WLSMV": ("diagonal", "scaled.shifted"), "DWLS": ("diagonal", "standard"),
                      "ULSMV": ("identity", "scaled.shifted"), "ULS": ("identity", "standard")}


def ordered_items(spec, ordered) -> list[str]:
    """The model's items declared ordered; refuses what is not supported yet."""
    observed = list(spec.observed)
    if ordered is True:
        chosen = observed
    else:
        chosen = [ordered] if isinstance(ordered, str) else list(ordered)
        unknown = [v for v in chosen if v not in observed]
        if unknown:
            raise ModelSpecError(f"The 'ordered' parameter of fit names {unknown}, which are not "
                                 f"observed variables of the model '{spec.name}'.")
    if spec.defined_parameters:
        pt = spec.partable()
        resid = set(pt.loc[(pt.op == "~~") & (pt.lhs == pt.rhs) & pt.lhs.isin(chosen)
                           & (pt.label != ""), "label"])
        for d in spec.defined_parameters:
            used = sorted(resid & set(d.uses))
            if used:
                raise ModelSpecError(
                    f"Line {d.line}: '{d.name} := {d.expression}' uses {used}, the residual "
                    "variance of an ordered item; with ordered items (delta parameterization) "
                    "it is 1 minus the explained variance, not a parameter. Write the "
                    "expression with the loadings and latent variances instead.")
    single = [lv for lv, its in spec.indicators.items() if len(its) == 1 and its[0] in chosen]
    if single:
        raise ModelSpecError(
            f"Latents measured by a single ordered item are not identified ({single}: the "
            "item's residual variance and the latent's variance cannot both be recovered; "
            "lavaan gives no standard errors for it). Give each such latent two or more items, "
            "or fit the answers as continuous (ML: leave out ordered= / --ordered).")
    if spec.exogenous_observed:
        raise ModelSpecError("Observed exogenous predictors with ordered items are not supported "
                             f"yet ({list(spec.exogenous_observed)}); model them as "
                             "single-indicator latents or fit with estimator='ML'.")
    return chosen


def fit_ordinal(spec, frame: pd.DataFrame, items: list[str], estimator: str, notes: list[str],
                missing: str = "listwise", weights: np.ndarray | None = None):
    """Estimate; returns a dict of the pieces of an SEMResult (see sem/fitting.py).

    ``frame``: the respondents used (complete rows for ``"listwise"``; for ``"pairwise"``
    every row with an answer); ``weights``: their sampling weights, summing to their number.
    """
    weight, test = ORDINAL_ESTIMATORS[estimator]
    poly = polychoric(frame[items], missing=missing, weights=weights)
    codes = np.column_stack([_codes(poly.categories[c], frame[c].to_numpy(dtype=float))
                             for c in items])
    mom = ordinal_moments(poly, codes, weights)
    n = mom.n
    pt = spec.partable()
    model = RAMModel.from_partable(pt, spec.observed, spec.latents)
    residual = _residual_parameters(model, items)
    reduced = np.array([k for k in range(model.n_free) if k not in set(residual.values())])
    p = len(items)
    pairs = pair_order(p)
    rows_i = np.array([i for i, _ in pairs])
    rows_j = np.array([j for _, j in pairs])
    nt = mom.n_thresholds
    if len(pairs) < len(reduced):
        raise ModelSpecError(
            f"The model has {len(reduced)} free parameters besides the thresholds but the "
            f"{p} ordered items give only {len(pairs)} polychoric correlations (negative "
            "degrees of freedom): it is not identified. Add items or fix parameters.")
    w_full = (1.0 / np.diag(mom.gamma)) if weight == "diagonal" else np.ones(nt + len(pairs))
    w_cor = w_full[nt:]

    def expand(theta_s):
        """The full parameter vector: residual variances of the items make diag(Sigma*) = 1."""
        theta = np.zeros(model.n_free)
        theta[reduced] = theta_s
        sigma0, _ = model.implied(theta)
        for item, k in residual.items():
            i = model.observed.index(item)
            theta[k] = 1.0 - sigma0[i, i]
        return theta

    def sigma(theta_s):
        theta = np.zeros(model.n_free)
        theta[reduced] = theta_s
        sigma0, _ = model.implied(theta)
        return sigma0[rows_i, rows_j]

    def jac(theta_s):
        theta = np.zeros(model.n_free)
        theta[reduced] = theta_s
        dS, _ = model.jacobian(theta)
        return dS[reduced][:, rows_i, rows_j].T

    theta_s, iters, converged = _gauss_newton(mom.correlations, w_cor, sigma, jac,
                                              _start(model, spec, poly.correlation.to_numpy(), reduced))
    if not converged:
        notes.append(f"The {estimator} estimation did not converge in {iters} iterations: the "
                     "estimates are not a solution. Simplify the model or check the data.")
    theta = expand(theta_s)
    # full statistics: thresholds then correlations; parameters: thresholds then theta_s
    q = len(reduced)
    D = np.zeros((nt + len(pairs), nt + q))
    D[:nt, :nt] = np.eye(nt)
    D[nt:, nt:] = jac(theta_s)
    W = np.diag(w_full)
    bread = np.linalg.inv(D.T @ W @ D)
    acov_full = bread @ D.T @ W @ mom.gamma @ W @ D @ bread / (n - 1)   # lavaan: N - G
    residuals = mom.correlations - sigma(theta_s)
    measures = _fit_measures(mom, D, w_full, residuals, q + nt, n, test, weight)
    if test == "scaled.shifted":
        grp = RobustGroup(n=n, p=p, r=mom.correlations, sigma=sigma(theta_s),
                          gamma=mom.gamma[nt:, nt:], w=w_cor, delta=D[nt:])
        robust = robust_measures([grp], bread, measures["df"], measures["baseline.df"])
        measures = pd.concat([measures, pd.Series(robust, dtype=float)]).rename("value")
    # acov in the full parameter space of the model (residual variances: 0, as lavaan's SE 0)
    acov = np.zeros((model.n_free, model.n_free))
    acov[np.ix_(reduced, reduced)] = acov_full[nt:, nt:]
    th_se = np.sqrt(np.diag(acov_full)[:nt])
    return {"model": model, "theta": theta, "theta_reduced": theta_s, "reduced": reduced,
            "expand": expand, "acov": acov, "acov_reduced": acov_full[nt:, nt:],
            "moments": mom, "thresholds": (mom.threshold_names, mom.thresholds, th_se),
            "measures": measures, "iterations": iters, "converged": converged, "n": n,
            "polychoric": poly, "residual_parameters": residual}


def _codes(categories, values: np.ndarray) -> np.ndarray:
    """Category codes 0..K-1 of the answers, -1 for a missing answer."""
    out = np.full(len(values), -1, dtype=np.int64)
    ok = ~np.isnan(values)
    out[ok] = np.searchsorted(categories, values[ok])
    return out


def _residual_parameters(model: RAMModel, items) -> dict[str, int]:
    """item -> the 0-based free index of its residual variance (computed, not estimated)."""
    pt = model.partable
    out: dict[str, int] = {}
    for r, row in enumerate(pt.itertuples(index=False)):
        if row.op == "~~" and row.lhs == row.rhs and row.lhs in items:
            if int(row.free) == 0:
                raise ModelSpecError(
                    f"The residual variance of the ordered item {row.lhs} is fixed in the model; "
                    "with ordered items (delta parameterization) it is 1 minus the explained "
                    "variance, never a parameter. Remove the fixed value.")
            out[row.lhs] = int(row.free) - 1
    shared = [k for k in out.values() if (pt["free"] == k + 1).sum() > 1]
    if shared:
        raise ModelSpecError("A label makes the residual variance of an ordered item equal to "
                             "another parameter; with ordered items it is not a parameter. "
                             "Remove the label.")
    return out


def _start(model: RAMModel, spec, R: np.ndarray, reduced: np.ndarray) -> np.ndarray:
    """Start values from the polychoric matrix: each block's first principal component gives
    its loadings (scaled to the marker item) and its latent variance; everything else starts
    at the defaults (regressions and covariances 0)."""
    theta = model.start_values(R)
    obs = {v: i for i, v in enumerate(model.observed)}
    pt = model.partable
    for lv, its in spec.indicators.items():
        its = [i for i in its if i in obs]
        if not its:
            continue
        idx = [obs[i] for i in its]
        vals, vecs = np.linalg.eigh(R[np.ix_(idx, idx)])
        load = dict(zip(its, vecs[:, -1] * np.sqrt(max(vals[-1], 1e-6))))
        rows = pt[(pt.op == "=~") & (pt.lhs == lv) & pt.rhs.isin(its)]
        fixed = rows[rows.free == 0]
        marker, scale = (fixed.rhs.iloc[0], float(fixed.ustart.iloc[0])) if len(fixed) else (None, 1.0)
        ref = load[marker] / scale if marker is not None and abs(load[marker]) > 1e-3 else 1.0
        for row in rows[rows.free > 0].itertuples(index=False):
            theta[int(row.free) - 1] = load[row.rhs] / ref
        var = pt[(pt.op == "~~") & (pt.lhs == lv) & (pt.rhs == lv) & (pt.free > 0)]
        for row in var.itertuples(index=False):
            theta[int(row.free) - 1] = ref * ref
    return theta[reduced]


def _gauss_newton(s, w, sigma, jac, theta0, *, tol: float = 1e-10, max_iter: int = 500):
    """Minimize sum w (s - sigma(theta))^2 by Gauss-Newton with step halving."""
    theta = theta0.copy()

    def f(t):
        e = s - sigma(t)
        return float(e @ (w * e))

    fx = f(theta)
    for it in range(1, max_iter + 1):
        J = jac(theta)
        e = s - sigma(theta)
        H = J.T @ (w[:, None] * J)
        g = J.T @ (w * e)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        t_new, f_new = theta + step, f(theta + step)
        for _ in range(40):
            if np.isfinite(f_new) and f_new <= fx + 1e-15:
                break
            step /= 2
            t_new, f_new = theta + step, f(theta + step)
        theta, fx = t_new, f_new
        if np.max(np.abs(step)) < tol:
            return theta, it, True
    return theta, max_iter, False


def _scaled_shifted(D, w, gamma, df: int):
    """(a, shift, trace U Gamma) of the scaled-shifted test (lavaan's ``scaled.shifted``)."""
    W = np.diag(w)
    WD = W @ D
    U = W - WD @ np.linalg.solve(D.T @ WD, WD.T)
    UG = U @ gamma
    tr1, tr2 = float(np.trace(UG)), float(np.sum(UG * UG.T))
    a = np.sqrt(df / tr2) if tr2 > 0 else np.nan
    return a, df - a * tr1, tr1


def _fit_measures(mom: OrdinalMoments, D, w, residuals, npar: int, n: int, test: str,
                  weight: str) -> pd.Series:
    nt = mom.n_thresholds
    pstar = len(mom.correlations)
    df = pstar - (npar - nt)
    # lavaan's WLS-family objective carries (N - 1) / N: T = (N - 1) F
    chisq = (n - 1) * float(residuals @ (w[nt:] * residuals))
    chisq0, df0 = (n - 1) * float(mom.correlations @ (w[nt:] * mom.correlations)), pstar
    srmr = float(np.sqrt(np.mean(residuals ** 2) * pstar / (pstar + len(mom.items))))
    return wls_measures(chisq, df, chisq0, df0, n, npar, srmr, weight, test, D, D[:, :nt], w,
                        mom.gamma)


def wls_measures(chisq, df, chisq0, df0, n, npar, srmr, weight, test, D, D0, w,
                 gamma) -> pd.Series:
    """The fit measures of a WLS-family fit (lavaan's names) from its statistic ``chisq``
    and the baseline's ``chisq0``; with ``test="scaled.shifted"`` the scaled-shifted tests of
    both (``D``, ``D0``: the model's and the baseline's Jacobians, ``w`` the weight diagonal,
    ``gamma`` the asymptotic covariance of the sample statistics)."""
    out = {"npar": npar, "nobs": n, "chisq": chisq, "df": df,
           # lavaan 0.6-14 gives no p-value for the unscaled ULS statistic (no reference
           # distribution); DWLS's is printed
           "pvalue": float(chdtrc(df, chisq)) if df > 0 and weight == "diagonal" else np.nan,
           "baseline.chisq": chisq0, "baseline.df": df0,
           "baseline.pvalue": float(chdtrc(df0, chisq0))}
    out["cfi"] = fi.cfi(chisq, df, chisq0, df0)
    out["tli"] = fi.tli(chisq, df, chisq0, df0)
    out["rmsea"] = fi.rmsea(chisq, df, n - 1)          # lavaan: N - G for the WLS family
    lo, hi = fi.rmsea_ci(chisq, df, n - 1)
    out["rmsea.ci.lower"], out["rmsea.ci.upper"] = lo, hi
    out["srmr"] = srmr
    if test == "scaled.shifted" and df > 0:
        a, shift, _ = _scaled_shifted(D, w, gamma, df)
        scaled = a * chisq + shift
        a0, shift0, _ = _scaled_shifted(D0, w, gamma, df0)
        scaled0 = a0 * chisq0 + shift0
        out.update({"chisq.scaled": scaled, "df.scaled": df,
                    "pvalue.scaled": float(chdtrc(df, scaled)),
                    "chisq.scaling.factor": 1 / a, "chisq.shift.parameters": shift,
                    "baseline.chisq.scaled": scaled0, "baseline.df.scaled": df0,
                    "baseline.pvalue.scaled": float(chdtrc(df0, scaled0)),
                    "baseline.chisq.scaling.factor": 1 / a0,
                    "baseline.chisq.shift.parameters": shift0,
                    "cfi.scaled": fi.cfi(scaled, df, scaled0, df0),
                    "tli.scaled": fi.tli(scaled, df, scaled0, df0),
                    "rmsea.scaled": fi.rmsea(scaled, df, n - 1)})
    return pd.Series(out, name="value", dtype=float)


# ----------------------------------------------------------------------- the result
def fit_ordered(spec, survey, ordered, estimator: str, level: float, t0: float,
                missing: str = "listwise", weights: str | None = None):
    """fit(..., ordered=...): the SEMResult of an ordinal CB-SEM (one group).

    ``missing``: ``"listwise"`` (lavaan's default) or ``"pairwise"`` (lavaan's
    ``missing = "pairwise"``: each item's thresholds from its answers, each polychoric
    correlation from the respondents answering both items, Gamma from the casewise scores
    of the answers given; respondents without any answer are dropped). ``weights``: the
    sampling-weight column (lavaan's ``sampling.weights``), rescaled to sum to the
    respondents used.
    """
    import time
    import warnings

    from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)

    from ..exceptions import ImproperSolutionWarning
    from ..survey.missing import check_patterns
    from ..survey.weights import survey_weights
    from .fitting import _estimate_table, _r_squared
    from .results import SEMResult, admissibility_warnings, standardize

    items = ordered_items(spec, ordered)
    mixed = set(items) != set(spec.observed)
    if mixed and missing != "listwise":
        rest = [v for v in spec.observed if v not in items]
        raise ModelSpecError(
            f"Ordinal and continuous items together (continuous: {rest}) are fitted with "
            f"complete cases only (missing='listwise'); got missing={missing!r}, which is not "
            "available yet for them. Use missing='listwise', or declare every item ordered.")
    notes: list[str] = []
    report = getattr(survey, "report", None)
    if report is not None and report.n_rows_read > survey.n:
        gone = report.rows_dropped["row"].tolist()
        notes.append(f"{report.n_rows_read - survey.n} of {report.n_rows_read} rows answered "
                     f"none of the items and were dropped when the data were read (rows "
                     f"{', '.join(map(str, gone[:8]))}{', ...' if len(gone) > 8 else ''}; "
                     "lavaan: 'some cases are empty and will be ignored').")
    if missing == "listwise":
        frame, dropped = survey.complete_cases(list(spec.observed) if mixed else items)
        if len(dropped):
            notes.append(f"Listwise deletion: {len(dropped)} of {survey.n} rows with missing "
                         "answers were dropped" + (
                             " (with continuous items among the ordered ones, pairwise "
                             "deletion is not available yet)." if mixed else
                             " (use missing='pairwise' to keep them, as lavaan's missing = "
                             "\"pairwise\")."))
        _check_categories(survey, frame, items, notes)
    else:
        keep, pattern_notes = check_patterns(survey, items, "pairwise", "fit")
        notes += pattern_notes
        frame = survey.data.loc[keep]
        n_miss = int(frame[items].isna().any(axis=1).sum())
        notes.append(f"Pairwise deletion (lavaan's missing = \"pairwise\"): {n_miss} of "
                     f"{len(frame)} respondents with missing answers are kept; each threshold "
                     "uses the answers to its item and each polychoric correlation the "
                     "respondents who answered both items.")
    w = None
    if weights is not None:
        w = survey_weights(survey, weights, frame.index)
        n_eff = w.sum() ** 2 / np.sum(w ** 2)
        notes.append(f"Sampling weights from column '{weights}', rescaled to sum to the "
                     f"{len(w)} respondents used (Kish effective sample size {n_eff:.0f}): "
                     "weighted thresholds, polychoric correlations and Gamma, as lavaan's "
                     "sampling.weights with ordered items.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if mixed:
            from ._ordinal_mixed import fit_mixed
            out = fit_mixed(spec, frame, items, estimator, notes, w)
        else:
            out = fit_ordinal(spec, frame, items, estimator, notes, missing, w)
    notes += [str(w.message) for w in caught if str(w.message) not in notes]
    model, theta = out["model"], out["theta"]
    estimates = _estimate_table(model, theta, out["acov"], level)
    computed = estimates.op.eq("~~") & estimates.lhs.eq(estimates.rhs) & estimates.lhs.isin(items)
    estimates.loc[computed, ["z", "pvalue"]] = np.nan
    estimates.loc[computed, "ci.lower"] = estimates.loc[computed, "est"]
    estimates.loc[computed, "ci.upper"] = estimates.loc[computed, "est"]
    std = standardize(model, out["theta_reduced"], out["acov_reduced"], level,
                      expand=_Expand(out["expand"], out["reduced"]))
    estimates["std.all"] = std["est.std"].to_numpy()
    names, tau, se = out["thresholds"]
    zcrit = stats.norm.ppf(0.5 + level / 2)
    z = tau / se
    th_rows = pd.DataFrame({"lhs": [n.split("|")[0] for n in names], "op": "|",
                            "rhs": [n.split("|")[1] for n in names], "label": "", "est": tau,
                            "se": se, "z": z, "pvalue": 2 * stats.norm.sf(np.abs(z)),
                            "ci.lower": tau - zcrit * se, "ci.upper": tau + zcrit * se,
                            "std.all": tau})
    at = int(np.flatnonzero(estimates.op.isin(["=~", "~"]).to_numpy())[-1]) + 1
    estimates = pd.concat([estimates.iloc[:at], th_rows, estimates.iloc[at:]],
                          ignore_index=True)
    std_th = th_rows[["lhs", "op", "rhs"]].assign(**{"est.std": tau, "se": se, "z": z,
                                                    "pvalue": th_rows["pvalue"],
                                                    "ci.lower": th_rows["ci.lower"],
                                                    "ci.upper": th_rows["ci.upper"]})
    std = pd.concat([std.iloc[:at], std_th, std.iloc[at:]], ignore_index=True)
    if "intercepts" in out:            # continuous items among ordered ones: their means
        estimates, std = _with_intercepts(estimates, std, out, zcrit)
    r2 = _r_squared(model, theta, spec)
    Sigma, _ = model.implied(theta)
    implied = pd.DataFrame(Sigma, index=list(model.observed), columns=list(model.observed))
    improper = admissibility_warnings(spec, estimates, std, model, theta, r2)
    if spec.defined_parameters:
        from .defined import defined_rows
        rows, std_rows, defined_notes = defined_rows(spec, model, theta, out["acov"], level,
                                                     std_values(model, items))
        rows["std.all"] = std_rows["est.std"].to_numpy()
        estimates = pd.concat([estimates, rows], ignore_index=True)
        std = pd.concat([std, std_rows], ignore_index=True)
        improper += defined_notes
    if improper:
        warnings.warn(f"Improper solution ({len(improper)} problem(s), see result.warnings): "
                      + " | ".join(improper), ImproperSolutionWarning, stacklevel=3)
    return SEMResult(
        spec=spec, estimator=estimator, missing=missing, n=out["n"], n_total=survey.n,
        estimates=estimates, standardized=std, fit_measures=out["measures"], r2=r2,
        warnings=tuple(notes + improper), converged=bool(out["converged"]),
        iterations=int(out["iterations"]), implied_cov=implied, theta=theta, acov=out["acov"],
        data_source=survey.source, elapsed=time.perf_counter() - t0, data_report=survey.report)


def _with_intercepts(estimates, std, out, zcrit):
    """Append the continuous items' intercepts (``item ~1``, lavaan's rows), std.all
    ``nu / sd`` with its delta-method SE."""
    from .. import _distributions as stats
    names, nu, se, std_nu, std_se = out["intercepts"]
    z = nu / se
    zs = std_nu / std_se
    rows = pd.DataFrame({"lhs": list(names), "op": "~1", "rhs": "", "label": "", "est": nu,
                         "se": se, "z": z, "pvalue": 2 * stats.norm.sf(np.abs(z)),
                         "ci.lower": nu - zcrit * se, "ci.upper": nu + zcrit * se,
                         "std.all": std_nu})
    std_rows = rows[["lhs", "op", "rhs"]].assign(**{
        "est.std": std_nu, "se": std_se, "z": zs, "pvalue": 2 * stats.norm.sf(np.abs(zs)),
        "ci.lower": std_nu - zcrit * std_se, "ci.upper": std_nu + zcrit * std_se})
    return (pd.concat([estimates, rows[estimates.columns.intersection(rows.columns)]],
                      ignore_index=True),
            pd.concat([std, std_rows], ignore_index=True))


def _check_categories(survey, frame: pd.DataFrame, items, notes: list[str]) -> None:
    """A category answered only by dropped respondents disappears from an item (lavaan stops
    there: 'some categories of variable ... are empty'); say so instead of fitting silently
    with fewer thresholds."""
    lost = []
    for c in items:
        before = set(survey.data[c].dropna().unique())
        after = set(frame[c].dropna().unique())
        if before - after:
            shown = [int(v) if float(v).is_integer() else v for v in sorted(before - after)]
            lost.append(f"{c} ({', '.join(str(v) for v in shown)})")
    if lost:
        msg = (f"Listwise deletion left no answer in some categories of {'; '.join(lost)}: "
               "these items have fewer thresholds than categories in the data (lavaan stops "
               "with 'some categories ... are empty'). Use missing='pairwise' or merge the "
               "rare categories with a neighbour.")
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=4)


def std_values(model: RAMModel, items):
    """theta (full) -> std.all of every row, the items' residual variances recomputed as
    ``1 - diag(Lambda Psi Lambda')`` (their acov rows are 0, so the delta method needs the
    map through the other parameters)."""
    from .results import _std_values
    idx = [(model.observed.index(it), k) for it, k in _residual_parameters(model, items).items()]

    def values(theta):
        t = np.array(theta, dtype=float)
        for _, k in idx:
            t[k] = 0.0
        sigma0, _ = model.implied(t)
        for i, k in idx:
            t[k] = 1.0 - sigma0[i, i]
        return _std_values(model, t)
    return values


class _Expand:
    """theta (free parameters but the items' residual variances) -> the model's full vector."""

    def __init__(self, expand, reduced):
        self.expand, self.size = expand, len(reduced)

    def __call__(self, theta_s):
        return self.expand(np.asarray(theta_s, dtype=float))
