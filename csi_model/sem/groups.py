"""Multi-group CB-SEM in one likelihood: measurement invariance and path differences.

semopy's ``multigroup`` fits each group on its own; comparing operators or waves needs
one likelihood with equality constraints across groups. Here each group has its own
RAM model (with a mean structure, as lavaan does for groups) and all groups share one
parameter vector: a parameter constrained equal has one index in every group.

Conventions are lavaan's ``sem(..., group = by, group.equal = ...)``: the chi-square is
the sum of the groups' N_g * F_g; latent means are fixed at 0 unless the intercepts are
equal, in which case they are free in every group but the first; RMSEA is multiplied by
sqrt(G); SRMR is the N-weighted mean of the groups' SRMR (means included).

References
----------
Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
measurement invariance. Structural Equation Modeling 9(2), 233-255.
Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
invariance. Structural Equation Modeling 14(3), 464-504.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)
from threadpoolctl import threadpool_limits

from . import _estimation as est
from . import _fiml as fiml
from . import fit_indices as fi
from ._ram import RAMModel
from ..exceptions import ConvergenceWarning, CSIModelWarning, EstimationError, SurveyDataError
from .results import Summary
from ..model.spec import ModelSpec, load_model
from .defined import multigroup_note

__all__ = ["fit_multigroup", "MultiGroupResult", "invariance", "InvarianceResult",
           "path_differences", "EQUALITY_TYPES"]

#: What ``equal=`` may constrain across groups (lavaan's ``group.equal`` names).
EQUALITY_TYPES = ("loadings", "intercepts", "residuals", "regressions", "lv.variances",
                  "lv.covariances", "means")
STEPS = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts"),
         "strict": ("loadings", "intercepts", "residuals")}
#: Cut-offs of the invariance decisions: Cheung & Rensvold (2002) for CFI, Chen (2007) for RMSEA.
DELTA_CFI = -0.010
DELTA_RMSEA = 0.015


def _kind(row, latents) -> str | None:
    op, lhs, rhs = row.op, row.lhs, row.rhs
    if op == "=~":
        return "loadings"
    if op == "~":
        return "regressions"
    if op == "~1":
        return "means" if lhs in latents else "intercepts"
    if op == "~~":
        if lhs in latents:
            return "lv.variances" if lhs == rhs else "lv.covariances"
        return "residuals" if lhs == rhs else "residual.covariances"
    return None


def _param_name(lhs, op, rhs) -> str:
    return f"{lhs}{op}{rhs}" if op != "~1" else f"{lhs}~1"


# ------------------------------------------------------------------ the joint model
@dataclass(frozen=True, eq=False)
class _JointModel:
    models: tuple[RAMModel, ...]
    table: pd.DataFrame           # group, lhs, op, rhs, free (global, 1-based), ustart, kind
    n_params: int


def _joint_model(spec: ModelSpec, groups: Sequence[str], equal: Sequence[str],
                 partial: Sequence[str]) -> _JointModel:
    base = spec.partable(meanstructure=True)
    latents = set(spec.latents)
    partial = set(partial)
    shared: dict[tuple, int] = {}
    counter = 0
    rows, models = [], []
    for g, label in enumerate(groups):
        pt = base.copy()
        free = np.zeros(len(pt), dtype=int)
        ustart = pt["ustart"].to_numpy(dtype=float).copy()
        for r, row in enumerate(pt.itertuples(index=False)):
            kind = _kind(row, latents)
            name = _param_name(row.lhs, row.op, row.rhs)
            is_free = row.free > 0
            if kind == "means" and "intercepts" in equal and g > 0 and "means" not in equal:
                is_free, ustart[r] = True, np.nan        # latent means identified by equal intercepts
            if not is_free:
                continue
            if row.label:
                key = ("label", row.label)               # a user label holds in every group
            elif kind in equal and name not in partial:
                key = ("equal", name)
            else:
                key = ("group", g, name)
            if key not in shared:
                counter += 1
                shared[key] = counter
            free[r] = shared[key]
        pt["free"] = free
        pt["ustart"] = ustart
        for r, row in enumerate(pt.itertuples(index=False)):
            rows.append(dict(group=label, lhs=row.lhs, op=row.op, rhs=row.rhs, free=row.free,
                             ustart=row.ustart, label=row.label,
                             kind=_kind(row, latents)))
        models.append(pt)
    rams = tuple(RAMModel.from_partable(pt, spec.observed, spec.latents, n_params=counter)
                 for pt in models)
    return _JointModel(rams, pd.DataFrame(rows), counter)


def _objective(jm, moments, weights, theta):
    return sum(w * est.ml_objective(m, theta, mom) for m, mom, w in zip(jm.models, moments, weights))


def _gradient(jm, moments, weights, theta):
    return sum(w * est.ml_gradient(m, theta, mom) for m, mom, w in zip(jm.models, moments, weights))


def _information(jm, weights, theta):
    return sum(w * est.expected_information(m, theta) for m, w in zip(jm.models, weights))


def _start(jm: _JointModel, spec: ModelSpec, moments, pooled: est.Moments,
           notes: list[str] | None = None) -> np.ndarray:
    """Start from the single-group ML solution on the pooled covariance (see fitting._converge).

    ``notes`` receives the note if that start needed semopy's estimates (the fallback)."""
    from .fitting import _converge
    notes = [] if notes is None else notes
    pt = spec.partable()
    single = RAMModel.from_partable(pt, spec.observed, spec.latents)
    theta1, _, _ = _converge(lambda t0: est.fit_ml(single, t0, pooled), single, pt, pooled,
                             notes, "csi_model")
    values = {}
    for k, r in enumerate(single.free_rows):
        row = single.partable.iloc[r]
        values[(row.lhs, row.op, row.rhs)] = theta1[k]
    theta = np.zeros(jm.n_params)
    for g, (m, mom) in enumerate(zip(jm.models, moments)):
        for k, r in enumerate(m.free_rows):
            if r < 0:
                continue
            row = m.partable.iloc[r]
            if row.op == "~1":
                theta[k] = mom.mean[m.observed.index(row.lhs)] if row.lhs in m.observed else 0.0
            else:
                theta[k] = values.get((row.lhs, row.op, row.rhs), 0.0)
    return theta


# ------------------------------------------------------------------ data
def _group_data(spec: ModelSpec, data, by: str, source: str, missing: str = "listwise"):
    from ..survey.read import Survey, read_survey
    if isinstance(data, Survey):
        survey = data
    else:
        if isinstance(data, pd.DataFrame) and by not in data.columns:
            raise SurveyDataError(f"The grouping column '{by}' is not in the data. "
                                  f"Columns: {', '.join(map(str, data.columns))}.")
        survey = read_survey(data, items=list(spec.observed))
    frame = survey.data
    if by not in frame.columns:
        raise SurveyDataError(f"{survey.source}: the grouping column '{by}' is not in the data. "
                              f"Columns: {', '.join(map(str, frame.columns))}.")
    spec.check_against(frame.columns, data_source=survey.source)
    cols = list(spec.observed)
    labels = frame[by]
    if labels.isna().any():
        raise SurveyDataError(f"{survey.source}, column '{by}': {int(labels.isna().sum())} rows "
                              "have no group. Fill them in or drop those rows.")
    groups = [str(g) for g in pd.unique(labels.astype(str))]   # order of appearance, as lavaan
    if len(groups) < 2:
        raise SurveyDataError(f"{survey.source}, column '{by}': only one group "
                              f"({groups[0] if groups else 'none'}); a comparison needs at least two.")
    out, dropped = [], 0
    for gname in groups:
        sub = frame.loc[labels.astype(str) == gname, cols]
        for c in cols:
            if sub[c].isna().all():
                raise SurveyDataError(f"{survey.source}: the item '{c}' has no answers in group "
                                      f"{by} = {gname}. Drop the item or the group.")
        complete = sub.dropna() if missing == "listwise" else sub.dropna(how="all")
        dropped += len(sub) - len(complete)
        X = complete.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            sd = np.nanstd(X, axis=0) if len(X) else np.zeros(len(cols))
        if len(X) and (sd == 0).any():
            c = cols[int(np.flatnonzero(sd == 0)[0])]
            raise SurveyDataError(f"{survey.source}: the item '{c}' is constant in group "
                                  f"{by} = {gname}; it has no variance there.")
        out.append(X)
    return survey, groups, out, dropped


# ------------------------------------------------------------------ result
@dataclass(frozen=True, eq=False)
class MultiGroupResult:
    """A multi-group CB-SEM fit (see :func:`fit_multigroup`).

    ``estimates`` has lavaan's columns plus ``group``; ``fit_measures`` lavaan's names.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.load_model("acsi")
    >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
    >>> mg = cm.fit_multigroup(spec, survey, by="wave", equal=["loadings"])
    >>> mg.groups, mg.n, mg.equal
    (('2025', '2026'), (250, 246), ('loadings',))
    >>> mg.estimates.query("op == '~'")[["group", "lhs", "rhs", "est"]].head(2).round(3)
       group   lhs   rhs    est
    19  2025  QUAL  EXPE  0.456
    20  2025   VAL  EXPE  0.313
    """

    spec: ModelSpec
    by: str
    groups: tuple[str, ...]
    equal: tuple[str, ...]
    partial: tuple[str, ...]
    n: tuple[int, ...]
    estimates: pd.DataFrame
    fit_measures: pd.Series
    warnings: tuple[str, ...]
    converged: bool
    theta: np.ndarray = field(repr=False)
    acov: np.ndarray = field(repr=False)
    table: pd.DataFrame = field(repr=False)

    def summary(self) -> Summary:
        """The groups, the constraints, the fit and the structural paths per group (prints as
        text in a console, HTML in Jupyter).

        Examples
        --------
        >>> import csi_model as cm
        >>> spec = cm.load_model("acsi")
        >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
        >>> mg = cm.fit_multigroup(spec, survey, by="wave")
        >>> mg.summary()                       # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        csi_model multi-group CB-SEM by wave
        ====================================
        Model                acsi
        Groups               2025 (n=250), 2026 (n=246)
        Equal across groups  nothing (configural)
        Chi-square           324.675 on 288 df
        CFI / RMSEA / SRMR   0.992 / 0.023 / 0.036
        <BLANKLINE>
        WARNINGS
          ! Listwise deletion within groups: 104 incomplete rows were dropped.
        <BLANKLINE>
        Structural paths
        ----------------
                              est     se      z  pvalue
        group lhs  op rhs
        2025  QUAL ~  EXPE  0.433  0.074  5.844  < .001
        ...
        """
        fm = self.fit_measures
        header = [("Model", self.spec.name), ("Groups", ", ".join(
            f"{g} (n={n})" for g, n in zip(self.groups, self.n))),
            ("Equal across groups", ", ".join(self.equal) or "nothing (configural)"),
            ("Chi-square", f"{fm['chisq']:.3f} on {int(fm['df'])} df"),
            ("CFI / RMSEA / SRMR", f"{fm['cfi']:.3f} / {fm['rmsea']:.3f} / {fm['srmr']:.3f}")]
        paths = self.estimates[self.estimates.op == "~"].set_index(["group", "lhs", "op", "rhs"])
        return Summary(f"csi_model multi-group CB-SEM by {self.by}", header,
                       [("Structural paths", paths[["est", "se", "z", "pvalue"]].round(3))],
                       self.warnings)

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def fit_multigroup(spec: ModelSpec | str, data, *, by: str, equal: Sequence[str] = (),
                   partial: Sequence[str] = (), level: float = 0.95,
                   missing: str = "listwise") -> MultiGroupResult:
    """Fit one CB-SEM to several groups in one likelihood.

    Parameters
    ----------
    spec : ModelSpec or str
    data : Survey, DataFrame or path
        Must contain the grouping column ``by`` (e.g. ``"operator"`` or ``"wave"``).
    by : str
        The grouping column.
    equal : sequence of str
        Parameter kinds held equal across groups, lavaan's ``group.equal`` names:
        ``loadings, intercepts, residuals, regressions, lv.variances, lv.covariances, means``.
    partial : sequence of str
        Parameters freed from those constraints (partial invariance), written like
        ``"QUAL=~QUAL3"`` or ``"QUAL3~1"`` (lavaan's ``group.partial``).
    missing : {"listwise", "fiml"}
        ``"listwise"`` drops incomplete rows within each group; ``"fiml"`` keeps every answer
        (full-information ML per group, SEs from the observed information, chi-square against
        each group's EM-estimated unrestricted model), as lavaan's ``missing = "ml"`` with
        ``group =``. Rows without any answer are dropped either way.

    Returns
    -------
    MultiGroupResult

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.load_model("acsi")
    >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
    >>> res = cm.fit_multigroup(spec, survey, by="wave", equal=["loadings"])
    >>> res.groups, int(res.fit_measures["df"])
    (('2025', '2026'), 301)
    """
    spec = spec if isinstance(spec, ModelSpec) else load_model(spec)
    if multigroup_note(spec):
        warnings.warn(multigroup_note(spec), CSIModelWarning, stacklevel=2)
    bad = [e for e in equal if e not in EQUALITY_TYPES]
    if bad:
        raise ValueError(f"The 'equal' parameter of fit_multigroup must contain only "
                         f"{{{', '.join(EQUALITY_TYPES)}}}. Got {bad!r} instead.")
    missing = _check_missing(missing, "fit_multigroup")
    survey, groups, Xs, dropped = _group_data(spec, data, by, "data", missing)
    return _fit_joint(spec, by, groups, Xs, dropped, tuple(equal), tuple(partial), level,
                      missing=missing)


def _check_missing(missing, where: str) -> str:
    if missing not in ("listwise", "fiml"):
        raise ValueError(f"The 'missing' parameter of {where} must be one of "
                         f"{{listwise, fiml}}. Got {missing!r} instead.")
    return missing


def _fit_joint(spec, by, groups, Xs, dropped, equal, partial, level=0.95,
               warm: "MultiGroupResult | None" = None, missing: str = "listwise") -> MultiGroupResult:
    """Fit the joint model to grouped data (complete, or FIML); ``warm`` gives start values."""
    jm = _joint_model(spec, groups, equal, partial)
    known = {_param_name(*r) for r in zip(jm.table.lhs, jm.table.op, jm.table.rhs)}
    unknown = [p for p in partial if p not in known]
    if unknown:
        raise ValueError(f"The 'partial' parameter of fit_multigroup names unknown parameters "
                         f"{unknown!r}; write them like 'QUAL=~QUAL3' or 'QUAL3~1'.")
    ns = [len(X) for X in Xs]
    per_group_free = [int((m.free_rows >= 0).sum()) for m in jm.models]
    for gname, n_g, q_g in zip(groups, ns, per_group_free):
        if n_g <= len(spec.observed) and missing == "listwise":
            raise EstimationError(f"Group {by} = {gname} has {n_g} complete respondents for "
                                  f"{len(spec.observed)} items: too few to estimate its covariance "
                                  "matrix. Merge it with another group or drop it.")
        if n_g < q_g:
            raise EstimationError(f"Group {by} = {gname} has {n_g} complete respondents but the "
                                  f"model has {q_g} free parameters in it. Merge small groups or "
                                  "constrain more parameters (e.g. equal=['loadings']).")
    notes = [multigroup_note(spec)] if spec.defined else []
    if dropped and missing == "listwise":
        notes.append(f"Listwise deletion within groups: {dropped} incomplete rows were dropped.")
    elif dropped:
        notes.append(f"{dropped} rows with no answer to any model item were dropped.")
    if missing == "fiml":
        return _fit_joint_fiml(spec, by, groups, Xs, jm, equal, partial, level, warm, notes)
    moments = [est.Moments.from_data(X) for X in Xs]
    N = sum(ns)
    weights = [n / N for n in ns]
    with threadpool_limits(limits=1, user_api="blas"):
        if warm is None:
            theta0 = _start(jm, spec, moments, est.Moments.from_data(np.vstack(Xs)), notes)
        else:
            theta0 = _warm_start(jm, warm)
        theta, iters, ok = est.fisher_scoring(
            lambda t: _objective(jm, moments, weights, t),
            lambda t: _gradient(jm, moments, weights, t),
            lambda t: 2 * _information(jm, weights, t), theta0)
        acov = np.linalg.pinv(N * _information(jm, weights, theta))
    if not ok:
        notes.append(f"The multi-group estimation did not converge in {iters} iterations.")
        warnings.warn(notes[-1], ConvergenceWarning, stacklevel=3)
    estimates = _estimates(jm, theta, acov, level)
    measures = _fit_measures(jm, theta, moments, ns)
    return MultiGroupResult(spec, by, tuple(groups), tuple(equal), tuple(partial), tuple(ns),
                            estimates, measures, tuple(notes), bool(ok), theta, acov, jm.table)


def _fit_joint_fiml(spec, by, groups, Xs, jm, equal, partial, level, warm, notes):
    """The joint model by FIML: each group's missing-data likelihood, one parameter vector.

    Starts from the joint ML fit of the groups' EM moments, then takes Fisher-scoring steps
    with the complete-data expected information as the metric (it bounds the FIML
    information, so steps are conservative). SEs from the observed information of the sum
    of the groups' log-likelihoods, as lavaan's ``missing = "ml"``.
    """
    datas = [fiml.MissingData(X) for X in Xs]
    h1 = [fiml.em_saturated(d) for d in datas]
    ns = [d.n for d in datas]
    N = sum(ns)
    weights = [n / N for n in ns]
    moments = [est.Moments(d.n, S, mu) for d, (S, mu, _, _) in zip(datas, h1)]
    engines = [fiml.BatchFIML(m, d) for m, d in zip(jm.models, datas)]

    def both(theta):
        F, g = 0.0, np.zeros_like(theta)
        for w, e in zip(weights, engines):
            Fg, gg = e.evaluate(theta[None])
            F, g = F + 2 * w * Fg[0], g + 2 * w * gg[0]
        return F, g

    with threadpool_limits(limits=1, user_api="blas"):
        if warm is None:
            pooled = fiml.em_saturated(fiml.MissingData(np.vstack(Xs)))
            theta0 = _start(jm, spec, moments, est.Moments(N, pooled[0], pooled[1]), notes)
        else:
            theta0 = _warm_start(jm, warm)
        theta0, _, _ = est.fisher_scoring(
            lambda t: _objective(jm, moments, weights, t),
            lambda t: _gradient(jm, moments, weights, t),
            lambda t: 2 * _information(jm, weights, t), theta0)
        theta, iters, ok = est.fisher_scoring(
            lambda t: both(t)[0], lambda t: both(t)[1],
            lambda t: 2 * _information(jm, weights, t), theta0, max_iter=2000)
        hessian = sum(n * fiml.observed_information(m, theta, d)
                      for n, m, d in zip(ns, jm.models, datas))
        acov = np.linalg.pinv(hessian)
    if not ok:
        notes.append(f"The multi-group estimation did not converge in {iters} iterations.")
        warnings.warn(notes[-1], ConvergenceWarning, stacklevel=4)
    estimates = _estimates(jm, theta, acov, level)
    measures = _fit_measures_fiml(jm, theta, datas, h1)
    return MultiGroupResult(spec, by, tuple(groups), tuple(equal), tuple(partial), tuple(ns),
                            estimates, measures, tuple(notes), bool(ok), theta, acov, jm.table)


def _fit_measures_fiml(jm: _JointModel, theta, datas, h1) -> pd.Series:
    """lavaan's fit measures of a multi-group FIML fit (chi-square against the groups' EM h1)."""
    G, p, q = len(datas), jm.models[0].p, jm.n_params
    ns = [d.n for d in datas]
    N = sum(ns)
    logl = logl_h1 = logl0 = srmr = 0.0
    for m, d, (S_em, mu_em, ll_h1, _) in zip(jm.models, datas, h1):
        Sigma, mu = m.implied(theta)
        logl += fiml.loglik(Sigma, mu, d)
        logl_h1 += ll_h1
        for j in range(p):                           # independence model: own mean and variance
            x = d.X[:, j][~np.isnan(d.X[:, j])]
            logl0 += -0.5 * len(x) * (est.LOG2PI + np.log(x.var()) + 1.0)
        srmr += d.n / N * fi.srmr(S_em, Sigma, mu_em, mu)
    chisq, chisq0 = 2 * (logl_h1 - logl), 2 * (logl_h1 - logl0)
    df = G * (p * (p + 1) // 2 + p) - q
    df0 = G * (p * (p - 1) // 2)
    lo, hi = fi.rmsea_ci(chisq, df, N, n_groups=G)
    out = {"npar": q, "nobs": N, "chisq": chisq, "df": df, "pvalue": fi.chisq_pvalue(chisq, df),
           "baseline.chisq": chisq0, "baseline.df": df0,
           "cfi": fi.cfi(chisq, df, chisq0, df0), "tli": fi.tli(chisq, df, chisq0, df0),
           "nfi": fi.nfi(chisq, chisq0), "rmsea": fi.rmsea(chisq, df, N, n_groups=G),
           "rmsea.ci.lower": lo, "rmsea.ci.upper": hi, "srmr": srmr, "logl": logl,
           "unrestricted.logl": logl_h1, "aic": fi.aic(logl, q), "bic": fi.bic(logl, q, N)}
    return pd.Series(out, name="value", dtype=float)


def _warm_start(jm: _JointModel, previous: "MultiGroupResult") -> np.ndarray:
    """Start values from another fit of the same groups (e.g. the previous ladder step)."""
    values = {(r.group, r.lhs, r.op, r.rhs): r.est for r in previous.estimates.itertuples()}
    theta = np.zeros(jm.n_params)
    for r in jm.table.itertuples():
        if r.free > 0:
            theta[r.free - 1] = values.get((r.group, r.lhs, r.op, r.rhs), 0.0)
    return theta


def _estimates(jm: _JointModel, theta, acov, level) -> pd.DataFrame:
    t = jm.table
    free = t["free"].to_numpy()
    est_ = t["ustart"].to_numpy(dtype=float).copy()
    est_[free > 0] = theta[free[free > 0] - 1]
    se = np.zeros(len(t))
    se[free > 0] = np.sqrt(np.clip(np.diag(acov)[free[free > 0] - 1], 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(free > 0, est_ / se, np.nan)
    zc = stats.norm.ppf(0.5 + level / 2)
    return pd.DataFrame({"group": t["group"], "lhs": t["lhs"], "op": t["op"], "rhs": t["rhs"],
                         "free": free, "est": est_, "se": se, "z": z,
                         "pvalue": 2 * stats.norm.sf(np.abs(z)),
                         "ci.lower": est_ - zc * se, "ci.upper": est_ + zc * se})


def _fit_measures(jm: _JointModel, theta, moments, ns) -> pd.Series:
    G, p, q = len(ns), jm.models[0].p, jm.n_params
    N = sum(ns)
    chisq = sum(n * est.ml_objective(m, theta, mom) for m, mom, n in zip(jm.models, moments, ns))
    df = G * (p * (p + 1) // 2 + p) - q
    chisq0 = sum(fi.baseline_chisq_complete(mom.cov, n)[0] for mom, n in zip(moments, ns))
    df0 = G * (p * (p - 1) // 2)
    logl = 0.0
    srmr = 0.0
    for m, mom, n in zip(jm.models, moments, ns):
        Sigma, mu = m.implied(theta)
        V = np.linalg.inv(Sigma)
        d = mom.mean - mu
        logl += -0.5 * n * (p * est.LOG2PI + np.linalg.slogdet(Sigma)[1] + np.sum(V * mom.cov) + d @ V @ d)
        srmr += n / N * fi.srmr(mom.cov, Sigma, mom.mean, mu)
    lo, hi = fi.rmsea_ci(chisq, df, N, n_groups=G)
    out = {"npar": q, "nobs": N, "chisq": chisq, "df": df, "pvalue": fi.chisq_pvalue(chisq, df),
           "baseline.chisq": chisq0, "baseline.df": df0,
           "cfi": fi.cfi(chisq, df, chisq0, df0), "tli": fi.tli(chisq, df, chisq0, df0),
           "nfi": fi.nfi(chisq, chisq0), "rmsea": fi.rmsea(chisq, df, N, n_groups=G),
           "rmsea.ci.lower": lo, "rmsea.ci.upper": hi, "srmr": srmr, "logl": logl,
           "aic": fi.aic(logl, q), "bic": fi.bic(logl, q, N)}
    return pd.Series(out, name="value", dtype=float)


# ------------------------------------------------------------------ invariance ladder
@dataclass(frozen=True, eq=False)
class InvarianceResult:
    """The invariance ladder: one row per step with fit, differences and a decision.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.load_model("acsi")
    >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
    >>> inv = cm.invariance(spec, survey, by="wave")
    >>> inv.ladder[["chisq", "df", "cfi", "decision"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
                  chisq     df    cfi  decision
    step
    configural  324.675  288.0  0.992  baseline
    metric      338.342  301.0  0.992     holds
    scalar      350.779  314.0  0.992     holds
    strict      359.330  332.0  0.994     holds
    >>> list(inv.fits)
    ['configural', 'metric', 'scalar', 'strict']
    """

    ladder: pd.DataFrame
    fits: dict
    suggestions: pd.DataFrame
    by: str

    def summary(self) -> Summary:
        """The ladder, the parameters to free for partial invariance and the decision rule.

        Examples
        --------
        >>> import csi_model as cm
        >>> spec = cm.load_model("acsi")
        >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
        >>> inv = cm.invariance(spec, survey, by="wave", steps=("configural", "metric"))
        >>> inv.summary()                      # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        Measurement invariance across wave
        ==================================
        <BLANKLINE>
        WARNINGS
          ! Decisions: the step holds when CFI drops by less than 0.010 (Cheung & Rensvold 2002) ...
        <BLANKLINE>
        Invariance ladder
        -----------------
         chisq df cfi tli rmsea srmr chisq.diff df.diff pvalue.diff cfi.diff rmsea.diff decision
        step
        configural 324.675 288 0.992 0.991 0.023 0.036 baseline
        metric 338.342 301 0.992 0.991 0.022 0.042 13.667 13 .398 0.000 0.000 holds
        """
        cols = ["chisq", "df", "cfi", "tli", "rmsea", "srmr", "chisq.diff", "df.diff",
                "pvalue.diff", "cfi.diff", "rmsea.diff", "decision"]
        tables = [("Invariance ladder", self.ladder[cols].round(4))]
        if len(self.suggestions):
            tables.append(("Parameters to free for partial invariance (largest LR first)",
                           self.suggestions.head(10).round(4)))
        notes = (f"Decisions: the step holds when CFI drops by less than {-DELTA_CFI:.3f} "
                 f"(Cheung & Rensvold 2002) and RMSEA rises by less than {DELTA_RMSEA:.3f} "
                 "(Chen 2007); the chi-square difference test is shown beside them.",)
        return Summary(f"Measurement invariance across {self.by}", [], tables, notes)

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def invariance(spec: ModelSpec | str, data, *, by: str,
               steps: Sequence[str] = ("configural", "metric", "scalar", "strict"),
               partial: Sequence[str] = (), suggest: bool = True,
               missing: str = "listwise") -> InvarianceResult:
    """Fit the invariance ladder (configural, metric, scalar, strict) and test each step.

    Each step adds equality constraints to the one before. The table gives chisq, df,
    CFI, TLI, RMSEA, SRMR, the chi-square difference (likelihood-ratio) test against the
    previous step, the changes in CFI and RMSEA and a decision by the cut-offs of
    Cheung & Rensvold (2002) and Chen (2007). For the first step that fails, each of its
    new constraints is released in turn and ranked by the drop in chi-square (an LR test
    of that single constraint, asymptotically the score test lavaan's ``lavTestScore`` uses).
    ``missing="fiml"`` fits every step by FIML (see :func:`fit_multigroup`).

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.load_model("acsi")
    >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
    >>> inv = cm.invariance(spec, survey, by="wave")
    >>> inv.ladder.loc[["metric"], ["chisq.diff", "df.diff", "pvalue.diff", "cfi.diff"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
            chisq.diff  df.diff  pvalue.diff  cfi.diff
    step
    metric      13.667     13.0        0.398      -0.0
    """
    spec = spec if isinstance(spec, ModelSpec) else load_model(spec)
    if multigroup_note(spec):
        warnings.warn(multigroup_note(spec), CSIModelWarning, stacklevel=2)
    bad = [s for s in steps if s not in STEPS]
    if bad:
        raise ValueError(f"The 'steps' parameter of invariance must contain only "
                         f"{{{', '.join(STEPS)}}}. Got {bad!r} instead.")
    missing = _check_missing(missing, "invariance")
    survey, groups, Xs, dropped = _group_data(spec, data, by, "data", missing)
    fits, warm = {}, None
    for s in steps:
        warm = fits[s] = _fit_joint(spec, by, groups, Xs, dropped, STEPS[s], tuple(partial),
                                    warm=warm, missing=missing)
    rows = []
    prev = None
    for s in steps:
        fm = fits[s].fit_measures
        row = {"step": s, **{k: fm[k] for k in ("chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                                                  "srmr", "aic", "bic", "npar")}}
        if prev is not None:
            pm = fits[prev].fit_measures
            dchi, ddf = fm["chisq"] - pm["chisq"], fm["df"] - pm["df"]
            row.update({"chisq.diff": dchi, "df.diff": ddf,
                        "pvalue.diff": float(stats.chi2.sf(dchi, ddf)) if ddf > 0 else np.nan,
                        "cfi.diff": fm["cfi"] - pm["cfi"], "rmsea.diff": fm["rmsea"] - pm["rmsea"]})
            holds = row["cfi.diff"] > DELTA_CFI and row["rmsea.diff"] < DELTA_RMSEA
            row["decision"] = "holds" if holds else "rejected"
            row["lrt.rejects"] = bool(row["pvalue.diff"] < 0.05)
        else:
            row.update({"chisq.diff": np.nan, "df.diff": np.nan, "pvalue.diff": np.nan,
                        "cfi.diff": np.nan, "rmsea.diff": np.nan, "decision": "baseline",
                        "lrt.rejects": False})
        rows.append(row)
        prev = s
    ladder = pd.DataFrame(rows).set_index("step")
    suggestions = pd.DataFrame(columns=["step", "parameter", "chisq.diff", "pvalue"])
    if suggest:
        failing = [s for s in steps[1:] if ladder.loc[s, "lrt.rejects"]]
        if failing:
            suggestions = _release_tests(spec, (groups, Xs, dropped), by, steps, failing[0],
                                         fits, partial, missing)
    return InvarianceResult(ladder, fits, suggestions, by)


def _release_tests(spec, grouped, by, steps, step, fits, partial,
                   missing: str = "listwise") -> pd.DataFrame:
    groups, Xs, dropped = grouped
    constrained = fits[step]
    new_kinds = set(STEPS[step]) - set(STEPS[steps[list(steps).index(step) - 1]])
    t = constrained.table
    cand = t[(t.group == constrained.groups[0]) & t.kind.isin(new_kinds) & (t.free > 0)]
    names = [_param_name(r.lhs, r.op, r.rhs) for r in cand.itertuples()]
    base_chisq = constrained.fit_measures["chisq"]
    rows = []
    for name in names:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            freed = _fit_joint(spec, by, groups, Xs, dropped, STEPS[step], (*partial, name),
                               warm=constrained, missing=missing)
        d = base_chisq - freed.fit_measures["chisq"]
        ddf = constrained.fit_measures["df"] - freed.fit_measures["df"]
        rows.append({"step": step, "parameter": name, "chisq.diff": d, "df.diff": ddf,
                     "pvalue": float(stats.chi2.sf(d, ddf)) if ddf > 0 else np.nan})
    return pd.DataFrame(rows).sort_values("chisq.diff", ascending=False).reset_index(drop=True)


# ------------------------------------------------------------------ path differences
def path_differences(result: MultiGroupResult, *, first: str | None = None,
                     second: str | None = None) -> pd.DataFrame:
    """Wald tests of equal structural paths between two groups of a multi-group fit.

    For each path: the two estimates, their difference, its SE from the joint
    covariance of the estimates, the Wald chi-square (1 df) and its p-value (lavaan:
    ``lavTestWald(fit, "a1 == a2")``). Use a fit with equal loadings (metric invariance)
    so that the paths are on a common scale.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.load_model("acsi")
    >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
    >>> mg = cm.fit_multigroup(spec, survey, by="wave", equal=["loadings"])
    >>> d = cm.path_differences(mg)
    >>> d.head(3).round(3)
        lhs op   rhs  est.2025  est.2026   diff  se.diff   wald  df  pvalue
    0  QUAL  ~  EXPE     0.456     0.527  0.070    0.097  0.530   1   0.467
    1   VAL  ~  EXPE     0.313     0.094 -0.218    0.140  2.446   1   0.118
    2   VAL  ~  QUAL     0.756     0.811  0.055    0.136  0.166   1   0.683
    """
    groups = result.groups
    first = first or groups[0]
    second = second or groups[1]
    for g, name in ((first, "first"), (second, "second")):
        if g not in groups:
            raise ValueError(f"The '{name}' parameter of path_differences must be one of "
                             f"{list(groups)}. Got {g!r} instead.")
    est_ = result.estimates
    rows = []
    for src, dst in result.spec.structural_paths:
        a = est_[(est_.group == first) & (est_.op == "~") & (est_.lhs == dst) & (est_.rhs == src)].iloc[0]
        b = est_[(est_.group == second) & (est_.op == "~") & (est_.lhs == dst) & (est_.rhs == src)].iloc[0]
        if a.free == 0 or b.free == 0 or a.free == b.free:
            var = np.nan
        else:
            i, j = a.free - 1, b.free - 1
            var = result.acov[i, i] + result.acov[j, j] - 2 * result.acov[i, j]
        diff = b.est - a.est
        wald = diff ** 2 / var if var and var > 0 else np.nan
        rows.append({"lhs": dst, "op": "~", "rhs": src, f"est.{first}": a.est,
                     f"est.{second}": b.est, "diff": diff, "se.diff": np.sqrt(var) if var > 0 else np.nan,
                     "wald": wald, "df": 1, "pvalue": float(stats.chi2.sf(wald, 1))
                     if np.isfinite(wald) else np.nan})
    return pd.DataFrame(rows)
