"""Multi-group CB-SEM with ordered items and the invariance ladder of Wu & Estabrook (2016).

``fit_multigroup(spec, data, by=..., ordered=True)`` and ``invariance(..., ordered=True)`` land
here. The models are the ones semTools' ``measEq.syntax(..., ID.fac = "std.lv", ID.cat =
"Wu.Estabrook.2016", parameterization = "delta", group.equal = ...)`` writes, fitted by lavaan
0.6-14's ``cfa(..., ordered =, group =, estimator = "WLSMV")``. In every group ``g`` the
latent responses have ``mu*_g = nu_g + Lambda_g alpha_g`` and ``Sigma*_g = Lambda_g Psi_g
Lambda_g' + Theta_g``; with the scaling factors ``delta_g`` (lavaan's ``~*~`` rows) the
statistics (thresholds, then polychoric correlations) are implied as
``(tau_g - mu*_g) delta_g`` and ``delta_i delta_j Sigma*_ij``; the residual variances are not
parameters but ``1 / delta^2 - diag(Lambda Psi Lambda')`` (reported with SE 0, as lavaan).

The steps (``equal=``), with the first group as the reference:

============  ==================================================================================
configural    nothing equal; in every group thresholds and loadings free, item intercepts 0,
              scaling factors 1, latent means 0, latent variances 1
thresholds    thresholds equal; intercepts and scaling factors free in groups 2..G
loadings      thresholds and loadings equal; latent variances free in groups 2..G
intercepts    thresholds, loadings and intercepts equal (0); latent means free in groups 2..G
============  ==================================================================================

Estimation is lavaan's: minimize ``sum_g (N_g - 1) (s_g - sigma_g)' W_g (s_g - sigma_g)`` with
``W_g = diag(Gamma_g)^-1``; robust SEs ``E^-1 (sum_g f_g D_g' W_g Gamma_g W_g D_g) E^-1 / (N - G)``
with ``E = sum_g f_g D_g' W_g D_g``, ``f_g = N_g / N``; the standard statistic is
``sum_g (N_g - 1) F_g`` and the scaled-shifted one uses ``U = V - V D E^-1 D' V`` over all
groups (``V = diag(f_g W_g)``, ``Gamma_g / f_g``). Robust CFI/TLI/RMSEA as lavaan 0.6-14:
computed for the configural model; NaN for the constrained steps, where lavaan 0.6-14
reports NA (its catML refit of a model with threshold labels fails). Differences between
nested steps: lavaan's ``lavTestLRT`` for WLSMV, Satorra's (2000) scaled-shifted difference
(:func:`difference_test`).

Refused, each with a message: structural paths and observed predictors (the ladder is a
measurement-model question), fixed loadings, labels, lines other than ``=~`` (``~~``, ``~ 1``,
``:=``), binary items, a category missing in a group (collapse it with a neighbour),
estimators other than WLSMV, partial invariance. Missing answers: listwise deletion within
groups (lavaan's default) or ``missing="pairwise"`` (lavaan's: each group's thresholds from
its answers to each item, polychorics from its respondents answering both items, Gamma from
their casewise scores; see :mod:`csi_model.sem.ordinal`). Sampling weights (``weights=``,
lavaan's ``sampling.weights``): rescaled over all groups together to sum to the rows used
(``"total"``), each group's thresholds, polychorics and Gamma from its weighted answers, and
its N in all of the above the sum of its weights (Gamma = muthen1984's WLS.W times that N).

Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of
different levels of invariance for ordered categorical outcomes. Psychometrika, 81(4),
1014-1045.
Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample analysis of moment
structures. In Heijmans et al. (eds.), Innovations in multivariate statistical analysis.
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from .._threads import threadpool_limits

from .. import _distributions as stats
from ..exceptions import (ConvergenceWarning, EstimationError, ModelSpecError,
                          SurveyDataError)
from ..model.spec import ModelSpec, load_model
from . import fit_indices as fi
from ._ordinal_moments import ordinal_moments, pair_order
from ._ordinal_robust import NAN_ROBUST, RobustGroup, robust_measures
from .groups import DELTA_CFI, DELTA_RMSEA, MultiGroupResult
from .ordinal import _codes
from .polychoric import polychoric
from .results import Summary

__all__ = ["ORDINAL_STEPS", "fit_multigroup_ordered", "invariance_ordered",
           "difference_test", "OrdinalMultiGroupResult", "OrdinalInvarianceResult"]

#: The invariance ladder for ordered items (Wu & Estabrook 2016) -> ``equal=`` of each step.
ORDINAL_STEPS = {"configural": (), "thresholds": ("thresholds",),
                 "loadings": ("thresholds", "loadings"),
                 "intercepts": ("thresholds", "loadings", "intercepts")}
_H = 1e-20          # complex-step size


# ------------------------------------------------------------------ checks and data
def _check_spec(spec: ModelSpec, ordered) -> list[str]:
    items = list(spec.observed)
    if ordered is not True:
        chosen = [ordered] if isinstance(ordered, str) else list(ordered)
        if set(chosen) != set(items):
            raise ModelSpecError(
                "Multi-group fits with ordered items need every item ordered (ordered=True); "
                f"continuous: {[v for v in items if v not in chosen]}.")
    if spec.structural_paths or spec.exogenous_observed:
        raise ModelSpecError(
            "The invariance ladder for ordered items is fitted to the measurement model "
            f"(CFA) of '{spec.name}': it has structural paths or observed predictors. Fit "
            "the measurement part (cm.ModelSpec.from_syntax with only '=~' lines); test paths "
            "afterwards on the model with the invariance you established.")
    if spec.defined:
        raise ModelSpecError("Defined parameters (':=') in a multi-group fit with ordered "
                             "items are not supported; compute them from result.estimates.")
    for st in spec.statements:
        for t in st.terms:
            if st.op == "=~" and (t.fixed is not None or t.label):
                raise ModelSpecError(
                    f"Line {st.line}: fixed values or labels on loadings ({st.lhs} =~ "
                    f"{t.name}) are not supported with ordered items in groups; the ladder "
                    "sets the identification (latent variances 1 in the first group).")
        if st.op != "=~":
            raise ModelSpecError(
                f"Line {st.line}: only '=~' lines are supported with ordered items in groups "
                f"(this is '{st.op}'); the ladder frees every latent covariance, has no "
                "residual covariances and sets the intercepts and means itself. Remove the "
                "line.")
    single = [lv for lv, its in spec.indicators.items() if len(its) < 2]
    if single:
        raise ModelSpecError(f"Single-indicator latents ({single}) are not identified with "
                             "ordered items. Give each latent two or more items.")
    return items


def _group_moments(spec, data, by, items, missing: str = "listwise", weights=None):
    """(survey, groups, moments, dropped rows, notes). ``weights``: a sampling-weight column
    (lavaan's ``sampling.weights``): the weights of the rows used are rescaled over all groups
    together to sum to their number (``"total"``), each group's thresholds, polychorics and
    Gamma are the weighted ones, and its N (``moments.n``) is the sum of its weights."""
    from ..survey.read import Survey, read_survey
    survey = data if isinstance(data, Survey) else read_survey(data, items=items)
    frame = survey.data
    if by not in frame.columns:
        raise SurveyDataError(f"{survey.source}: the grouping column '{by}' is not in the data. "
                              f"Columns: {', '.join(map(str, frame.columns))}.")
    spec.check_against(frame.columns, data_source=survey.source)
    labels = frame[by]
    if labels.isna().any():
        raise SurveyDataError(f"{survey.source}, column '{by}': {int(labels.isna().sum())} rows "
                              "have no group. Fill them in or drop those rows.")
    groups = [str(g) for g in pd.unique(labels.astype(str))]
    if len(groups) < 2:
        raise SurveyDataError(f"{survey.source}, column '{by}': only one group; a comparison "
                              "needs at least two.")
    pooled = {c: np.sort(frame[c].dropna().unique()) for c in items}
    few = [c for c in items if len(pooled[c]) < 3]
    if few:
        raise SurveyDataError(
            f"{survey.source}: {few} have fewer than 3 categories; binary items need another "
            "identification than Wu & Estabrook's for polytomous items (not supported).")
    moments, dropped, notes = [], 0, []
    sw = None
    if weights is not None:
        from ._wgroups import _note, group_weights
        sw = group_weights(survey, spec, by, groups, weights,
                           "listwise" if missing == "listwise" else "pairwise")
        notes.append(_note(weights, sw, groups, by, how="weighted thresholds, polychoric "
                           "correlations and Gamma (WLSMV)"))
    for k, gname in enumerate(groups):
        sub = frame.loc[labels.astype(str) == gname, items]
        # listwise: the complete rows; pairwise: the rows with an answer (lavaan drops the
        # empty ones)
        complete = sub.dropna() if missing == "listwise" else sub.dropna(how="all")
        dropped += len(sub) - len(complete)
        for c in items:
            seen = np.sort(complete[c].dropna().unique())
            if len(seen) != len(pooled[c]):
                missing_cats = [v for v in pooled[c] if v not in set(seen)]
                counts = complete[c].value_counts().reindex(pooled[c], fill_value=0)
                raise SurveyDataError(
                    f"{survey.source}, item '{c}': categories {missing_cats} have no answers in "
                    f"group {by} = {gname} (counts {dict(zip(pooled[c].tolist(), counts.tolist()))}"
                    "); thresholds cannot be compared. Collapse the empty category with its "
                    f"neighbour in every group (e.g. data['{c}'].clip(lower=...)) and refit.")
        w = None if sw is None else sw[k]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            poly = polychoric(complete, missing=missing, weights=w)
        codes = np.column_stack([_codes(poly.categories[c], complete[c].to_numpy(float))
                                 for c in items])
        mom = ordinal_moments(poly, codes, w)
        if w is not None:
            # lavaan: the group's N is the sum of its weights, and Gamma (NACOV) is
            # muthen1984's WLS.W (free of the weights' scale) times that N
            n_w = float(w.sum())
            mom = dataclasses.replace(mom, n=n_w, gamma=mom.gamma * (n_w / len(complete)))
        moments.append(mom)
    return survey, groups, moments, dropped, notes


# ------------------------------------------------------------------ the model
@dataclass(frozen=True, eq=False)
class _Model:
    table: pd.DataFrame         # group, g, lhs, op, rhs, kind, free (0-based, -1 fixed), value
    n_params: int
    items: tuple[str, ...]
    latents: tuple[str, ...]
    n_thresholds: tuple[int, ...]   # per item
    index: tuple                # per group: dict of (rows, positions) for each matrix


def _build(spec: ModelSpec, groups, equal, n_th) -> _Model:
    items, latents = list(spec.observed), list(spec.latents)
    pt = spec.partable()
    lv_cov = [(r.lhs, r.rhs) for r in pt.itertuples()
              if r.op == "~~" and r.lhs != r.rhs and r.lhs in latents]
    eq_th, eq_l, eq_i = ("thresholds" in equal), ("loadings" in equal), ("intercepts" in equal)
    shared: dict[tuple, int] = {}
    rows = []

    def add(g, lhs, op, rhs, kind, free, value, same=False):
        if free:
            key = ("eq", lhs, op, rhs) if same else (g, lhs, op, rhs)
            if key not in shared:
                shared[key] = len(shared)
            idx = shared[key]
        else:
            idx = -1
        rows.append(dict(group=groups[g], g=g, lhs=lhs, op=op, rhs=rhs, kind=kind, free=idx,
                         value=float(value)))

    for g in range(len(groups)):
        for lv, its in spec.indicators.items():
            for it in its:
                add(g, lv, "=~", it, "loadings", True, np.nan, eq_l)
        for j, it in enumerate(items):
            for k in range(n_th[j]):
                add(g, it, "|", f"t{k + 1}", "thresholds", True, np.nan, eq_th)
        for it in items:
            add(g, it, "~1", "", "intercepts", eq_th and not eq_i and g > 0, 0.0)
        for it in items:
            add(g, it, "~*~", it, "scales", eq_th and g > 0, 1.0)
        for lv in latents:
            add(g, lv, "~1", "", "means", eq_i and g > 0, 0.0)
        for lv in latents:
            add(g, lv, "~~", lv, "lv.variances", eq_l and g > 0, 1.0)
        for a, b in lv_cov:
            add(g, a, "~~", b, "lv.covariances", True, np.nan)
        for it in items:
            add(g, it, "~~", it, "residuals", False, np.nan)      # computed
    table = pd.DataFrame(rows)
    iv = {v: i for i, v in enumerate(items)}
    lvi = {v: i for i, v in enumerate(latents)}
    index = []
    for g in range(len(groups)):
        t = table[table.g == g]
        rid = t.index.to_numpy()

        def pick(op, kind=None, t=t):
            m = (t.op == op) if kind is None else (t.op == op) & (t.kind == kind)
            return t[m]
        lam = pick("=~")
        th = pick("|")
        nu = pick("~1", "intercepts")
        dl = pick("~*~")
        al = pick("~1", "means")
        ps = t[t.kind.isin(["lv.variances", "lv.covariances"])]
        index.append(dict(
            rows=rid,
            lam=(lam.index.to_numpy(), lam.rhs.map(iv).to_numpy(), lam.lhs.map(lvi).to_numpy()),
            th=(th.index.to_numpy(), th.lhs.map(iv).to_numpy()),
            nu=(nu.index.to_numpy(), nu.lhs.map(iv).to_numpy()),
            delta=(dl.index.to_numpy(), dl.lhs.map(iv).to_numpy()),
            alpha=(al.index.to_numpy(), al.lhs.map(lvi).to_numpy()),
            psi=(ps.index.to_numpy(), ps.lhs.map(lvi).to_numpy(), ps.rhs.map(lvi).to_numpy())))
    return _Model(table, len(shared), tuple(items), tuple(latents), tuple(n_th), tuple(index))


def _values(model: _Model, theta):
    """Row values of the table for a batch of parameter vectors (B, q) -> (B, rows)."""
    free = model.table["free"].to_numpy()
    fixed = model.table["value"].to_numpy()
    theta = np.atleast_2d(theta)
    out = np.broadcast_to(fixed, (theta.shape[0], len(fixed))).astype(theta.dtype)
    m = free >= 0
    out[:, m] = theta[:, free[m]]
    return out


def _matrices(model: _Model, vals, g):
    """Lambda, Psi, alpha, nu, delta and tau of group g (batched)."""
    ix = model.index[g]
    B, p, m = vals.shape[0], len(model.items), len(model.latents)
    dt = vals.dtype
    L = np.zeros((B, p, m), dt)
    r, i, f = ix["lam"]
    L[:, i, f] = vals[:, r]
    P = np.zeros((B, m, m), dt)
    r, a, b = ix["psi"]
    P[:, a, b] = vals[:, r]
    P[:, b, a] = vals[:, r]
    alpha = np.zeros((B, m), dt)
    r, a = ix["alpha"]
    alpha[:, a] = vals[:, r]
    nu = np.zeros((B, p), dt)
    r, a = ix["nu"]
    nu[:, a] = vals[:, r]
    delta = np.ones((B, p), dt)
    r, a = ix["delta"]
    delta[:, a] = vals[:, r]
    r, th_item = ix["th"]
    tau = vals[:, r]
    return L, P, alpha, nu, delta, tau, th_item


def _implied(model: _Model, theta, g):
    """Implied statistics of group g (thresholds, then correlations in pair order), batched."""
    vals = _values(model, theta)
    L, P, alpha, nu, delta, tau, th_item = _matrices(model, vals, g)
    mu = nu + np.einsum("bpm,bm->bp", L, alpha)
    S = L @ P @ np.swapaxes(L, 1, 2)
    thr = (tau - mu[:, th_item]) * delta[:, th_item]
    pairs = pair_order(len(model.items))
    a = np.array([i for i, _ in pairs])
    b = np.array([j for _, j in pairs])
    cor = delta[:, a] * delta[:, b] * S[:, a, b]
    return np.concatenate([thr, cor], axis=1)


def _jacobian(model: _Model, theta, g):
    q = len(theta)
    batch = theta[None, :] + 1j * _H * np.eye(q)
    return (_implied(model, batch, g).imag / _H).T


def _residual_variances(model: _Model, theta, g):
    vals = _values(model, theta)
    L, P, _, _, delta, _, _ = _matrices(model, vals, g)
    expl = np.einsum("pm,mn,pn->p", L[0], P[0], L[0])
    return 1.0 / delta[0] ** 2 - expl


# ------------------------------------------------------------------ start values
def _start(model: _Model, moments, warm=None) -> np.ndarray:
    theta = np.zeros(model.n_params)
    counts = np.zeros(model.n_params)
    t = model.table
    items = list(model.items)
    for g, mom in enumerate(moments):
        p = len(items)
        R = np.eye(p)
        for k, (i, j) in enumerate(pair_order(p)):
            R[i, j] = R[j, i] = mom.correlations[k]
        load = {}
        for lv in model.latents:
            its = [r.rhs for r in t[(t.g == g) & (t.op == "=~") & (t.lhs == lv)].itertuples()]
            idx = [items.index(i) for i in its]
            vals, vecs = np.linalg.eigh(R[np.ix_(idx, idx)])
            v = vecs[:, -1] * np.sqrt(max(vals[-1], 1e-6))
            v = v if v[0] > 0 else -v              # first item positive, as lavaan's start
            load.update({(lv, it): x for it, x in zip(its, v)})
        th = dict(zip(mom.threshold_names, mom.thresholds))
        for r in t[(t.g == g) & (t.free >= 0)].itertuples():
            if r.op == "=~":
                val = load[(r.lhs, r.rhs)]
            elif r.op == "|":
                val = th[f"{r.lhs}|{r.rhs}"]
            elif r.op == "~*~" or (r.op == "~~" and r.lhs == r.rhs):
                val = 1.0
            elif r.kind == "lv.covariances":
                ia = [items.index(i) for i in t[(t.g == g) & (t.op == "=~") & (t.lhs == r.lhs)].rhs]
                ib = [items.index(i) for i in t[(t.g == g) & (t.op == "=~") & (t.lhs == r.rhs)].rhs]
                la = np.array([load[(r.lhs, items[i])] for i in ia])
                lb = np.array([load[(r.rhs, items[i])] for i in ib])
                val = float(np.clip(np.mean(R[np.ix_(ia, ib)] / np.outer(la, lb)), -0.9, 0.9))
            else:
                val = 0.0
            theta[r.free] += val
            counts[r.free] += 1
    theta = theta / np.maximum(counts, 1)
    if warm is not None:
        values = {(r.group, r.lhs, r.op, r.rhs): r.est for r in warm.estimates.itertuples()}
        for r in t[t.free >= 0].itertuples():
            key = (r.group, r.lhs, r.op, r.rhs)
            if key in values and np.isfinite(values[key]):
                theta[r.free] = values[key]
    return theta


# ------------------------------------------------------------------ estimation
@dataclass(frozen=True, eq=False)
class _Fit:
    model: _Model
    theta: np.ndarray
    acov: np.ndarray
    e_inv: np.ndarray
    jac: tuple            # per group
    moments: tuple
    weights: tuple        # per group, the DWLS weights (diagonal)
    chisq: float
    df: int
    iterations: int
    converged: bool


def _estimate(model: _Model, moments, theta0, *, tol=1e-9, max_iter=300) -> _Fit:
    ns = np.array([m.n for m in moments])
    N = ns.sum()
    s = [m.statistics for m in moments]
    w = [1.0 / np.diag(m.gamma) for m in moments]
    wt = np.concatenate([(n - 1) * wg for n, wg in zip(ns, w)])
    s_all = np.concatenate(s)

    def resid(th):
        return s_all - np.concatenate([_implied(model, th, g)[0] for g in range(len(moments))])

    def f(th):
        e = resid(th)
        return float(e @ (wt * e))

    theta, fx, ok, it = theta0.copy(), f(theta0), False, 0
    for it in range(1, max_iter + 1):
        J = np.vstack([_jacobian(model, theta, g) for g in range(len(moments))])
        e = resid(theta)
        H = J.T @ (wt[:, None] * J)
        grad = J.T @ (wt * e)
        try:
            step = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, grad, rcond=None)[0]
        new, f_new = theta + step, f(theta + step)
        for _ in range(40):
            if np.isfinite(f_new) and f_new <= fx + 1e-12 * max(1.0, fx):
                break
            step /= 2
            new, f_new = theta + step, f(theta + step)
        theta, fx = new, f_new
        if np.max(np.abs(step)) < tol:
            ok = True
            break
    jac = tuple(_jacobian(model, theta, g) for g in range(len(moments)))
    fg = ns / N
    E = sum(f_ * J.T @ (wg[:, None] * J) for f_, J, wg in zip(fg, jac, w))
    e_inv = np.linalg.inv(E)
    B = sum(f_ * (J.T * wg) @ m.gamma @ (wg[:, None] * J)
            for f_, J, wg, m in zip(fg, jac, w, moments))
    acov = e_inv @ B @ e_inv / (N - len(moments))
    n_stat = sum(len(x) for x in s)
    return _Fit(model, theta, acov, e_inv, jac, tuple(moments), tuple(w), fx,
                int(n_stat - model.n_params), it, ok)


def _scaled_shifted(jac, weights, moments, e_inv, df):
    """(a, shift) of lavaan's scaled-shifted statistic over all groups."""
    from scipy.linalg import block_diag
    ns = np.array([m.n for m in moments])
    fg = ns / ns.sum()
    V = block_diag(*[f_ * np.diag(w) for f_, w in zip(fg, weights)])
    Gam = block_diag(*[m.gamma / f_ for f_, m in zip(fg, moments)])
    D = np.vstack(jac)
    U = V - V @ D @ e_inv @ D.T @ V
    UG = U @ Gam
    tr1, tr2 = float(np.trace(UG)), float(np.sum(UG * UG.T))
    a = np.sqrt(df / tr2)
    return a, df - a * tr1


def _fit_measures(fit: _Fit, equal) -> pd.Series:
    moms = fit.moments
    G = len(moms)
    ns = np.array([m.n for m in moms], dtype=float)
    N = float(ns.sum())          # the sum of the weights with sampling weights
    chisq, df = fit.chisq, fit.df
    p = len(fit.model.items)
    chisq0 = float(sum((m.n - 1) * m.correlations @ (w[m.n_thresholds:] * m.correlations)
                       for m, w in zip(moms, fit.weights)))
    df0 = G * p * (p - 1) // 2
    # a saturated model (df 0) has no scaled statistic (the single-group fit omits it)
    a, shift = (_scaled_shifted(fit.jac, fit.weights, moms, fit.e_inv, df) if df > 0
                else (np.nan, np.nan))
    scaled = a * chisq + shift
    # the baseline: thresholds free in every group, correlations 0
    nts = [m.n_thresholds for m in moms]
    jac0, ofs = [], 0
    for m in moms:
        J0 = np.zeros((len(m.statistics), sum(nts)))
        J0[:m.n_thresholds, ofs:ofs + m.n_thresholds] = np.eye(m.n_thresholds)
        ofs += m.n_thresholds
        jac0.append(J0)
    fg = ns / N
    E0 = sum(f_ * J.T @ (w[:, None] * J) for f_, J, w in zip(fg, jac0, fit.weights))
    a0, shift0 = _scaled_shifted(jac0, fit.weights, moms, np.linalg.inv(E0), df0)
    scaled0 = a0 * chisq0 + shift0
    n_eff = N - G
    lo, hi = fi.rmsea_ci(chisq, df, n_eff, n_groups=G)
    los, his = fi.rmsea_ci(scaled, df, n_eff, n_groups=G)
    srmr = 0.0
    for g, m in enumerate(moms):
        r = m.correlations - _implied(fit.model, fit.theta, g)[0][m.n_thresholds:]
        srmr += m.n / N * float(np.sqrt(np.sum(r ** 2) / (p * (p + 1) / 2)))
    out = {"npar": fit.model.n_params, "nobs": sum(_rows(m) for m in moms), "chisq": chisq,
           "df": df,
           "pvalue": fi.chisq_pvalue(chisq, df),
           "chisq.scaled": scaled, "df.scaled": df, "pvalue.scaled": fi.chisq_pvalue(scaled, df),
           "chisq.scaling.factor": 1 / a, "chisq.shift.parameters": shift,
           "baseline.chisq": chisq0, "baseline.df": df0,
           "baseline.pvalue": fi.chisq_pvalue(chisq0, df0),
           "baseline.chisq.scaled": scaled0, "baseline.df.scaled": df0,
           "baseline.pvalue.scaled": fi.chisq_pvalue(scaled0, df0),
           "baseline.chisq.scaling.factor": 1 / a0, "baseline.chisq.shift.parameters": shift0,
           "cfi": fi.cfi(chisq, df, chisq0, df0), "tli": fi.tli(chisq, df, chisq0, df0),
           "cfi.scaled": fi.cfi(scaled, df, scaled0, df0),
           "tli.scaled": fi.tli(scaled, df, scaled0, df0),
           "rmsea": fi.rmsea(chisq, df, n_eff, n_groups=G),
           "rmsea.ci.lower": lo, "rmsea.ci.upper": hi,
           "rmsea.scaled": fi.rmsea(scaled, df, n_eff, n_groups=G),
           "rmsea.ci.lower.scaled": los, "rmsea.ci.upper.scaled": his, "srmr": srmr}
    if equal:
        out.update(NAN_ROBUST)
    else:
        groups = []
        for g, m in enumerate(moms):
            nt = m.n_thresholds
            groups.append(RobustGroup(n=m.n, p=p, r=m.correlations,
                                      sigma=_implied(fit.model, fit.theta, g)[0][nt:],
                                      gamma=m.gamma[nt:, nt:], w=fit.weights[g][nt:],
                                      delta=fit.jac[g][nt:]))
        out.update(robust_measures(groups, fit.e_inv, df, df0))
    return pd.Series(out, name="value", dtype=float)


def _estimates(fit: _Fit, level: float) -> pd.DataFrame:
    t = fit.model.table
    free = t["free"].to_numpy()
    est = t["value"].to_numpy().copy()
    est[free >= 0] = fit.theta[free[free >= 0]]
    se = np.zeros(len(t))
    se[free >= 0] = np.sqrt(np.clip(np.diag(fit.acov)[free[free >= 0]], 0, None))
    for g in range(len(fit.moments)):
        rows = t.index[(t.g == g) & (t.kind == "residuals")]
        est[rows] = _residual_variances(fit.model, fit.theta, g)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free >= 0, est / se, np.nan)
    zc = stats.norm.ppf(0.5 + level / 2)
    return pd.DataFrame({"group": t["group"], "lhs": t["lhs"], "op": t["op"], "rhs": t["rhs"],
                         "free": free + 1, "est": est, "se": se, "z": z,
                         "pvalue": 2 * stats.norm.sf(np.abs(z)),
                         "ci.lower": est - zc * se, "ci.upper": est + zc * se})


# ------------------------------------------------------------------ public entry points
def _check_equal(equal) -> tuple[str, ...]:
    equal = tuple(equal)
    for step, eq in ORDINAL_STEPS.items():
        if set(equal) == set(eq):
            return eq
    raise ValueError(
        "With ordered items, the 'equal' parameter of fit_multigroup must be one of the steps "
        "of the Wu & Estabrook (2016) ladder: " + "; ".join(
            f"{list(v)} ({k})" for k, v in ORDINAL_STEPS.items()) + f". Got {list(equal)!r}.")


def _check_estimator(estimator):
    if estimator not in (None, "WLSMV"):
        raise ValueError("Multi-group fits with ordered items use estimator='WLSMV' (lavaan's "
                         f"default for ordered items); got {estimator!r}.")


def _rows(m) -> int:
    """The respondents of a group's moments (``m.n`` is the sum of the weights when weighted)."""
    return int(m.scores.shape[0])


def _fit_step(spec, by, groups, moments, dropped, equal, level, warm=None,
              missing: str = "listwise", notes=(), weights: str | None = None):
    model = _build(spec, groups, equal, [int(np.sum(moments[0].threshold_item == j))
                                         for j in range(len(spec.observed))])
    for gname, m in zip(groups, moments):
        if _rows(m) <= len(spec.observed):
            raise EstimationError(f"Group {by} = {gname} has {_rows(m)} respondents for "
                                  f"{len(spec.observed)} ordered items: too few. Merge it with "
                                  "another group or drop it.")
    fit = _estimate(model, moments, _start(model, moments, warm))
    notes = list(notes)
    if dropped and missing == "listwise":
        notes.append(f"Listwise deletion within groups: {dropped} incomplete rows were dropped "
                     "(missing='pairwise' keeps them, as lavaan's missing = \"pairwise\").")
    elif missing == "pairwise":
        notes.append("Pairwise deletion within groups (lavaan's missing = \"pairwise\"): each "
                     "threshold from the group's answers to its item, each polychoric "
                     "correlation from the group's respondents answering both items"
                     + (f"; {dropped} rows without any answer were dropped." if dropped
                        else "."))
    if not fit.converged:
        notes.append(f"The multi-group WLSMV estimation did not converge in {fit.iterations} "
                     "iterations: the estimates are not a solution.")
        warnings.warn(notes[-1], ConvergenceWarning, stacklevel=3)
    if equal:
        notes.append("cfi.robust, tli.robust and rmsea.robust are NaN: lavaan 0.6-14 reports NA "
                     "for them when thresholds are held equal; compare cfi.scaled/rmsea.scaled "
                     "between steps.")
    estimates = _estimates(fit, level)
    measures = _fit_measures(fit, equal)
    table = model.table.assign(free=model.table["free"] + 1)
    return OrdinalMultiGroupResult(spec=spec, by=by, groups=tuple(groups), equal=tuple(equal),
                                   partial=(), n=tuple(_rows(m) for m in moments),
                                   estimates=estimates, fit_measures=measures,
                                   warnings=tuple(notes), converged=bool(fit.converged),
                                   theta=fit.theta, acov=fit.acov, table=table, detail=fit,
                                   weights=weights)


@dataclass(frozen=True, eq=False)
class OrdinalMultiGroupResult(MultiGroupResult):
    """A multi-group fit with ordered items (WLSMV): :class:`MultiGroupResult` plus the
    Jacobians, weights and moments :func:`difference_test` needs (``detail``).

    Examples
    --------
    >>> import csi_model as cm
    >>> d = cm.simulate_survey("telecom", n=400, seed=3, scale=(1, 5)).clip(lower=2)
    >>> d["op"] = ["A", "B"] * 200
    >>> spec = cm.ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 + QUAL3\\nSAT =~ SAT1 + SAT2 + SAT3")
    >>> res = cm.fit_multigroup(spec, d, by="op", ordered=True)
    >>> type(res).__name__, res.estimator, int((res.estimates.op == "|").sum())
    ('OrdinalMultiGroupResult', 'WLSMV', 36)
    """

    estimator: str = "WLSMV"
    detail: _Fit = field(default=None, repr=False)

    def summary(self) -> Summary:
        fm = self.fit_measures
        header = [("Model", self.spec.name), ("Groups", ", ".join(
            f"{g} (n={n})" for g, n in zip(self.groups, self.n))),
            ("Estimator", "WLSMV, ordered items (Wu & Estabrook 2016 identification)"
             + (f"; sampling weights, column '{self.weights}'" if self.weights else "")),
            ("Equal across groups", ", ".join(self.equal) or "nothing (configural)"),
            ("Chi-square", f"{fm['chisq']:.3f} on {int(fm['df'])} df; scaled-shifted "
                           f"{fm['chisq.scaled']:.3f}"),
            ("Scaled CFI / RMSEA / SRMR", f"{fm['cfi.scaled']:.3f} / {fm['rmsea.scaled']:.3f} "
                                          f"/ {fm['srmr']:.3f}"),
            ("Robust CFI / RMSEA", f"{fm['cfi.robust']:.3f} / {fm['rmsea.robust']:.3f}"
             if np.isfinite(fm["cfi.robust"]) else "not available (lavaan 0.6-14: NA)")]
        e = self.estimates
        cols = ["est", "se", "z", "pvalue"]
        tables = [(title, e[mask].set_index(["group", "lhs", "op", "rhs"])[cols].round(3))
                  for title, mask in (("Loadings", e.op == "=~"),
                                      ("Intercepts and scaling factors of the items",
                                       e.op.isin(["~1", "~*~"]) & (e.free > 0)
                                       & e.lhs.isin(self.spec.observed)),
                                      ("Latent (co)variances and means",
                                       e.lhs.isin(self.spec.latents) & e.op.isin(["~~", "~1"])))]
        return Summary(f"csi_model multi-group CB-SEM by {self.by} (ordered items)", header,
                       tables, self.warnings)


def fit_multigroup_ordered(spec, data, *, by: str, equal: Sequence[str] = (), ordered=True,
                           estimator: str | None = None, level: float = 0.95,
                           missing: str = "listwise", weights: str | None = None):
    """``fit_multigroup(..., ordered=...)``: one step of the ordinal invariance ladder.

    Parameters are those of :func:`csi_model.sem.groups.fit_multigroup`; ``equal`` is one of
    ``()``, ``("thresholds",)``, ``("thresholds", "loadings")``, ``("thresholds", "loadings",
    "intercepts")`` (see the module docstring for what each frees and fixes); ``missing``
    is ``"listwise"`` or ``"pairwise"`` (lavaan's); ``weights`` a sampling-weight column
    (lavaan's ``sampling.weights`` with ``group``: rescaled over all groups together to sum to
    the rows used, each group's thresholds, polychorics and Gamma weighted, its N the sum of
    its weights).

    Returns
    -------
    MultiGroupResult
        ``estimates`` with lavaan's rows (``|`` thresholds, ``~*~`` scaling factors, item and
        latent ``~1``); ``fit_measures`` with the scaled and robust measures.

    Examples
    --------
    >>> import csi_model as cm
    >>> from csi_model.sem.ordinal_groups import fit_multigroup_ordered
    >>> d = cm.simulate_survey("telecom", n=600, seed=3, scale=(1, 5)).clip(lower=2)
    >>> d["op"] = ["A", "B"] * 300
    >>> spec = cm.ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 + QUAL3\\nSAT =~ SAT1 + SAT2 + SAT3")
    >>> res = fit_multigroup_ordered(spec, d, by="op", equal=["thresholds"])
    >>> int(res.fit_measures["df"]), res.converged
    (22, True)
    """
    spec = spec if isinstance(spec, ModelSpec) else load_model(spec)
    _check_estimator(estimator)
    equal = _check_equal(equal)
    items = _check_spec(spec, ordered)
    missing = _check_missing(missing, "fit_multigroup")
    with threadpool_limits(limits=1, user_api="blas"):   # small matrices: threads only cost
        _, groups, moments, dropped, notes = _group_moments(spec, data, by, items, missing,
                                                            weights)
        return _fit_step(spec, by, groups, moments, dropped, equal, level, missing=missing,
                         notes=notes, weights=weights)


def _check_missing(missing, func: str) -> str:
    from ..survey.missing import resolve_missing
    return resolve_missing(missing, "ordinal", func)


# ------------------------------------------------------------------ difference test
def difference_test(less, more) -> dict:
    """lavaan's ``lavTestLRT(less, more)`` for WLSMV: Satorra's (2000) scaled-shifted test.

    ``less`` is the less restricted fit (e.g. configural), ``more`` the nested, more
    restricted one (both from :func:`fit_multigroup_ordered` on the same data). Returns
    ``chisq.diff`` (the scaled-shifted difference), ``df.diff``, ``pvalue`` and the
    constants ``a``, ``b``: ``T = a (T_more - T_less) + b`` with the standard statistics,
    ``a = sqrt(m / tr((U Gamma)^2))``, ``b = m - a tr(U Gamma)``, ``U = V D1 P^-1 A' (A P^-1 A')^+
    A P^-1 D1' V`` over the groups, ``A`` the restrictions (the orthogonal complement of
    ``pinv(D1) D0``, lavaan's ``A.method = "delta"``).

    Examples
    --------
    >>> import csi_model as cm
    >>> from csi_model.sem.ordinal_groups import fit_multigroup_ordered, difference_test
    >>> d = cm.simulate_survey("telecom", n=400, seed=3, scale=(1, 5)).clip(lower=2)
    >>> d["op"] = ["A", "B"] * 200
    >>> spec = cm.ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 + QUAL3\\nSAT =~ SAT1 + SAT2 + SAT3")
    >>> configural = fit_multigroup_ordered(spec, d, by="op")
    >>> thresholds = fit_multigroup_ordered(spec, d, by="op", equal=["thresholds"])
    >>> t = difference_test(configural, thresholds)
    >>> round(t["chisq.diff"], 3), t["df.diff"], round(t["pvalue"], 3)
    (4.043, 6, 0.671)
    """
    f1, f0 = less.detail, more.detail
    m = f0.df - f1.df
    if m <= 0:
        raise ValueError("difference_test needs the less restricted fit first and a nested, "
                         f"more restricted second one (df {f1.df} then {f0.df}).")
    from scipy.linalg import block_diag
    moms = f1.moments
    ns = np.array([x.n for x in moms])
    fg = ns / ns.sum()
    D1, D0 = np.vstack(f1.jac), np.vstack(f0.jac)
    H = np.linalg.pinv(D1) @ D0
    u, sv, _ = np.linalg.svd(H, full_matrices=True)
    rank = int(np.sum(sv > sv.max() * max(H.shape) * np.finfo(float).eps))
    A = u[:, rank:].T
    P_inv = f1.e_inv
    PA = P_inv @ A.T
    M = PA @ np.linalg.pinv(A @ PA) @ PA.T
    V = block_diag(*[np.diag(w) for w in f1.weights])
    Gam = block_diag(*[f_ * x.gamma for f_, x in zip(fg, moms)])
    U = V @ D1 @ M @ D1.T @ V
    UG = U @ Gam
    tr1, tr2 = float(np.trace(UG)), float(np.sum(UG * UG.T))
    a = np.sqrt(m / tr2)
    b = m - a * tr1
    T = (f0.chisq - f1.chisq) * a + b
    return {"chisq.diff": float(T), "df.diff": int(m), "pvalue": fi.chisq_pvalue(T, m),
            "a": float(a), "b": float(b)}


# ------------------------------------------------------------------ the ladder
@dataclass(frozen=True, eq=False)
class OrdinalInvarianceResult:
    """The invariance ladder for ordered items: one row per step (see :func:`invariance_ordered`).

    ``ladder`` has lavaan's fit measures of each step and, against the step before, the
    scaled-shifted difference test and the changes in the scaled CFI and RMSEA; ``fits`` the
    :class:`OrdinalMultiGroupResult` of each step; ``suggestions`` is empty (partial
    invariance is not offered with ordered items).

    Examples
    --------
    >>> import csi_model as cm
    >>> d = cm.simulate_survey("telecom", n=400, seed=3, scale=(1, 5)).clip(lower=2)
    >>> d["op"] = ["A", "B"] * 200
    >>> spec = cm.ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 + QUAL3\\nSAT =~ SAT1 + SAT2 + SAT3")
    >>> inv = cm.invariance(spec, d, by="op", ordered=True, steps=["configural", "thresholds"])
    >>> int(inv.ladder.loc["thresholds", "df.diff"])    # 18 thresholds - 6 intercepts - 6 scales
    6
    """

    ladder: pd.DataFrame
    fits: dict
    suggestions: pd.DataFrame
    by: str

    def summary(self) -> Summary:
        """The ladder as a printable table (text in a console, HTML in Jupyter), with the
        decision rule under WARNINGS (as :meth:`InvarianceResult.summary`).

        Examples
        --------
        >>> import csi_model as cm
        >>> d = cm.simulate_survey("telecom", n=400, seed=3, scale=(1, 5)).clip(lower=2)
        >>> d["op"] = ["A", "B"] * 200
        >>> spec = cm.ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 + QUAL3\\nSAT =~ SAT1 + SAT2 + SAT3")
        >>> inv = cm.invariance(spec, d, by="op", ordered=True, steps=["configural", "thresholds"])
        >>> s = inv.summary()
        >>> s.title
        'Measurement invariance across op (ordered items)'
        >>> print(str(s)[:170])          # the decision rule under WARNINGS, as InvarianceResult's
        Measurement invariance across op (ordered items)
        ================================================
        <BLANKLINE>
        WARNINGS
          ! Ordered items (WLSMV, Wu & Estabrook 2016 identification).
        >>> s.tables[0][1][["df", "chisq.diff", "df.diff", "decision"]]  # doctest: +NORMALIZE_WHITESPACE
                      df  chisq.diff  df.diff  decision
        step
        configural  16.0         NaN      NaN  baseline
        thresholds  22.0      4.0434      6.0     holds
        """
        cols = ["chisq.scaled", "df", "pvalue.scaled", "cfi.scaled", "tli.scaled",
                "rmsea.scaled", "cfi.robust", "rmsea.robust", "srmr", "chisq.diff", "df.diff",
                "pvalue.diff", "cfi.diff", "rmsea.diff", "decision"]
        notes = (f"Ordered items (WLSMV, Wu & Estabrook 2016 identification). Decisions: the "
                 f"step holds when the scaled CFI drops by less than {-DELTA_CFI:.3f} and the "
                 f"scaled RMSEA rises by less than {DELTA_RMSEA:.3f}; chisq.diff is lavaan's "
                 "scaled-shifted difference test (Satorra 2000). Robust CFI/RMSEA: NaN for "
                 "steps with equal thresholds, as lavaan 0.6-14.",)
        return Summary(f"Measurement invariance across {self.by} (ordered items)", [],
                       [("Invariance ladder", self.ladder[cols].round(4))], notes)

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def invariance_ordered(spec, data, *, by: str,
                       steps: Sequence[str] = ("configural", "thresholds", "loadings",
                                               "intercepts"),
                       ordered=True, estimator: str | None = None,
                       missing: str = "listwise",
                       weights: str | None = None) -> OrdinalInvarianceResult:
    """``invariance(..., ordered=...)``: the Wu & Estabrook (2016) ladder with WLSMV.

    Each step's fit measures (standard, scaled and robust, lavaan's names), and against the
    previous step lavaan's ``lavTestLRT`` (Satorra 2000 scaled-shifted difference) and the
    changes in the scaled CFI and RMSEA with the decision of
    :func:`csi_model.sem.groups.invariance`.

    Examples
    --------
    >>> import csi_model as cm
    >>> from csi_model.sem.ordinal_groups import invariance_ordered
    >>> d = cm.simulate_survey("telecom", n=600, seed=3, scale=(1, 5)).clip(lower=2)
    >>> d["op"] = ["A", "B"] * 300
    >>> spec = cm.ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 + QUAL3\\nSAT =~ SAT1 + SAT2 + SAT3")
    >>> inv = invariance_ordered(spec, d, by="op")
    >>> list(inv.ladder.index), list(inv.ladder.decision)[1:]
    (['configural', 'thresholds', 'loadings', 'intercepts'], ['holds', 'holds', 'holds'])
    """
    spec = spec if isinstance(spec, ModelSpec) else load_model(spec)
    _check_estimator(estimator)
    bad = [s for s in steps if s not in ORDINAL_STEPS]
    if bad:
        raise ValueError("With ordered items, the 'steps' parameter of invariance must contain "
                         f"only {{{', '.join(ORDINAL_STEPS)}}} (Wu & Estabrook 2016). Got "
                         f"{bad!r} instead.")
    items = _check_spec(spec, ordered)
    missing = _check_missing(missing, "invariance")
    with threadpool_limits(limits=1, user_api="blas"):   # small matrices: threads only cost
        return _ladder(spec, by, steps, items, data, missing, weights)


def _ladder(spec, by, steps, items, data, missing="listwise",
            weights=None) -> OrdinalInvarianceResult:
    _, groups, moments, dropped, notes = _group_moments(spec, data, by, items, missing,
                                                        weights)
    fits, warm = {}, None
    for s in steps:
        warm = fits[s] = _fit_step(spec, by, groups, moments, dropped, ORDINAL_STEPS[s], 0.95,
                                   warm, missing, notes, weights)
    rows, prev = [], None
    keys = ("chisq", "df", "pvalue", "chisq.scaled", "pvalue.scaled", "cfi", "tli", "rmsea",
            "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust",
            "rmsea.robust", "srmr", "npar")
    for s in steps:
        fm = fits[s].fit_measures
        row = {"step": s, **{k: fm[k] for k in keys}}
        if prev is None:
            row.update({"chisq.diff": np.nan, "df.diff": np.nan, "pvalue.diff": np.nan,
                        "cfi.diff": np.nan, "rmsea.diff": np.nan, "decision": "baseline",
                        "lrt.rejects": False})
        else:
            pm = fits[prev].fit_measures
            d = difference_test(fits[prev], fits[s])
            row.update({"chisq.diff": d["chisq.diff"], "df.diff": d["df.diff"],
                        "pvalue.diff": d["pvalue"],
                        "cfi.diff": fm["cfi.scaled"] - pm["cfi.scaled"],
                        "rmsea.diff": fm["rmsea.scaled"] - pm["rmsea.scaled"]})
            holds = row["cfi.diff"] > DELTA_CFI and row["rmsea.diff"] < DELTA_RMSEA
            row["decision"] = "holds" if holds else "rejected"
            row["lrt.rejects"] = bool(d["pvalue"] < 0.05)
        rows.append(row)
        prev = s
    ladder = pd.DataFrame(rows).set_index("step")
    empty = pd.DataFrame(columns=["step", "parameter", "chisq.diff", "pvalue"])
    return OrdinalInvarianceResult(ladder, fits, empty, by)
