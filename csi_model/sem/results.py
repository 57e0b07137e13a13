"""The result of a CB-SEM fit: tables, fit measures, warnings and a summary.

:class:`SEMResult` is immutable; its tables are pandas objects with lavaan's
column names (``lhs, op, rhs, est, se, z, pvalue, ci.lower, ci.upper, std.all``)
and numbers stay numbers (NaN, never '-'); rounding happens only in
:meth:`SEMResult.summary`.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)

from .._format import format_frame, format_int, format_number, p_text
from ._ram import RAMModel
from ..model.spec import ModelSpec

__all__ = ["SEMResult", "Summary", "standardize", "admissibility_warnings"]

DEFINED_SE_NOTE = ("sd of the successful resamples of each ':=' parameter, divisor B - 1 "
                   "(lavaan 0.6-14's cov())")

ESTIMATE_COLUMNS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"]
MAIN_FIT_MEASURES = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
                     "rmsea.ci.upper", "srmr", "gfi", "agfi", "nfi", "aic", "bic", "logl"]
ROBUST_FIT_MEASURES = ["chisq.scaled", "chisq.scaling.factor", "pvalue.scaled", "cfi.robust",
                       "tli.robust", "rmsea.robust"]


# ----------------------------------------------------------------- standardization
STD_TYPES = ("std.all", "std.lv", "std.nox")


def _std_plan(model: RAMModel, type: str = "std.all", ov_x=()):
    """Per parameter-table row: (kind, index of lhs, index of rhs) for :func:`_std_values`,
    and per variable whether ``type`` standardizes it.

    kind: 0 loading, 1 regression, 2 variance, 3 covariance, 4 intercept, -1 other.
    ``std.all`` standardizes every variable, ``std.lv`` the latents only and ``std.nox``
    every variable but the observed exogenous predictors ``ov_x`` (lavaan's ``ov.x``).
    """
    names = list(model.observed) + list(model.latents)
    pos = {v: i for i, v in enumerate(names)}
    pt = model.partable
    kinds, li, ri = [], [], []
    for lhs, op, rhs in zip(pt["lhs"], pt["op"], pt["rhs"]):
        kind = {"=~": 0, "~": 1, "<~": 1, "~1": 4}.get(op, -1)
        if op == "~~":
            kind = 2 if lhs == rhs else 3
        kinds.append(kind)
        li.append(pos.get(lhs, 0))
        ri.append(pos.get(rhs, 0) if kind != 4 else 0)
    scaled = np.ones(len(names), dtype=bool)
    if type == "std.lv":
        scaled[:model.p] = False
    elif type == "std.nox":
        scaled[[pos[v] for v in ov_x if v in pos]] = False
    elif type != "std.all":
        raise ValueError(f"The standardization type must be one of {{{', '.join(STD_TYPES)}}}. "
                         f"Got {type!r} instead.")
    return np.array(kinds), np.array(li), np.array(ri), scaled


def _std_formula(plan, v, var, res_var):
    """The standardized value of every row from the rows' values, the variances and residual
    variances (lavaan's ``lav_standardize_*`` with ``cov.std = TRUE``)."""
    kind, li, ri, scaled = plan
    sd = np.where(scaled, np.sqrt(np.where(var > 0, var, np.nan)), 1.0)
    res_sd = np.where(scaled, np.sqrt(np.where(res_var > 0, res_var, np.nan)), 1.0)
    var = np.where(scaled, var, 1.0)
    out = np.full(v.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, value in ((0, v * sd[..., li] / sd[..., ri]), (1, v * sd[..., ri] / sd[..., li]),
                         (2, v / var[..., li]), (3, v / (res_sd[..., li] * res_sd[..., ri])),
                         (4, v / sd[..., li])):
            out[..., kind == k] = value[..., kind == k]
    return out


def _std_values(model: RAMModel, thetas: np.ndarray, plan=None) -> np.ndarray:
    """lavaan's std.all for every parameter-table row (cov.std = TRUE).

    ``thetas`` is one parameter vector or a stack of them (m, q): the rows' values are then
    (m, rows), computed for all vectors at once.
    """
    plan = _std_plan(model) if plan is None else plan
    T = np.atleast_2d(thetas)
    m, nv = T.shape[0], model.A0.shape[0]
    A = np.broadcast_to(model.A0, (m, nv, nv)).copy()
    S = np.broadcast_to(model.S0, (m, nv, nv)).copy()
    ai, aj, ak = model.a_entries
    A[:, ai, aj] = T[:, ak]
    si, sj, sk = model.s_entries
    S[:, si, sj] = T[:, sk]
    S[:, sj, si] = T[:, sk]
    B = np.linalg.inv(np.eye(nv) - A)
    var = np.sum((B @ S) * B, axis=2)                      # diag(B S B')
    free = model.partable["free"].to_numpy()
    v = np.broadcast_to(model.partable["ustart"].to_numpy(dtype=float), (m, len(free))).copy()
    v[:, free > 0] = T[:, free[free > 0] - 1]
    out = _std_formula(plan, v, var, np.diagonal(S, axis1=1, axis2=2))
    return out[0] if np.ndim(thetas) == 1 else out


def _std_perturbed(model: RAMModel, theta: np.ndarray, h: np.ndarray, plan) -> np.ndarray:
    """std.all at theta + h_k e_k and theta - h_k e_k for every k: (2q, rows).

    The variances of the perturbed models come from the rank-one change of B = (I - A)^-1
    (Sherman-Morrison) or the linear change of C = B S B', with no matrix inverse; a
    parameter with several A entries (an equality label) is recomputed in full.
    """
    q = theta.size
    A, S, _ = model.matrices(theta)
    nv = A.shape[0]
    B = np.linalg.inv(np.eye(nv) - A)
    C = B @ S @ B.T
    var0, res0 = np.diag(C), np.diag(S)
    v0 = model.theta_to_rows(theta)
    free = model.partable["free"].to_numpy()
    ai, aj, ak = model.a_entries
    si, sj, sk = model.s_entries
    V = np.tile(v0, (2 * q, 1))
    VAR = np.tile(var0, (2 * q, 1))
    RES = np.tile(res0, (2 * q, 1))
    full = []
    for k in range(q):
        a_idx, s_idx = np.flatnonzero(ak == k), np.flatnonzero(sk == k)
        for row, delta in ((k, h[k]), (q + k, -h[k])):
            V[row, free == k + 1] += delta
            if len(a_idx) == 1 and not len(s_idx):
                i, j = ai[a_idx[0]], aj[a_idx[0]]
                c = delta / (1.0 - delta * B[j, i])
                u = B[:, i]
                VAR[row] = var0 + 2 * c * u * C[:, j] + c * c * C[j, j] * u * u
            elif len(a_idx):
                full.append(row)
            elif len(s_idx):
                for e in s_idx:
                    twice = 2.0 if si[e] != sj[e] else 1.0
                    VAR[row] += delta * twice * B[:, si[e]] * B[:, sj[e]]
                    if si[e] == sj[e]:
                        RES[row, si[e]] += delta
    out = _std_formula(plan, V, VAR, RES)
    if full:
        E = np.zeros((len(full), q))
        for n, row in enumerate(full):
            k = row % q
            E[n, k] = h[k] if row < q else -h[k]
        out[full] = _std_values(model, theta + E, plan)
    return out


def standardize(model: RAMModel, theta: np.ndarray, acov: np.ndarray,
                level: float = 0.95, *, expand=None, type: str = "std.all",
                ov_x=()) -> pd.DataFrame:
    """Standardized solution with delta-method standard errors.

    Like lavaan's ``standardizedSolution(fit, type = type)``: ``"std.all"`` (completely
    standardized, the default), ``"std.lv"`` (latents only) or ``"std.nox"`` (all but the
    observed exogenous predictors ``ov_x``). ``expand``, if given, maps
    ``theta`` (the vector ``acov`` belongs to) onto the model's parameters: with ordered items
    the residual variances are functions of the other parameters, not parameters. The
    Jacobian of the standardized values is taken by central differences, all 2q at once.
    """
    plan = _std_plan(model, type, ov_x)
    q = theta.size
    h = 1e-6 * np.maximum(1.0, np.abs(theta))
    if expand is None:
        est = _std_values(model, theta, plan)
        vals = _std_perturbed(model, theta, h, plan)
    else:   # a nonlinear map onto the model's parameters: every perturbation in full
        E = np.diag(h)
        est = _std_values(model, expand(theta), plan)
        vals = _std_values(model, np.vstack([expand(t) for t in np.vstack([theta + E, theta - E])]),
                           plan)
    jac = ((vals[:q] - vals[q:]) / (2 * h)[:, None]).T
    var = np.einsum("rk,kl,rl->r", np.nan_to_num(jac), acov, np.nan_to_num(jac))
    se = np.sqrt(np.clip(var, 0, None))
    se[~np.isfinite(est)] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 1e-12, est / se, np.nan)
    zcrit = stats.norm.ppf(0.5 + level / 2)
    pt = model.partable
    return pd.DataFrame({"lhs": pt["lhs"], "op": pt["op"], "rhs": pt["rhs"], "est.std": est,
                         "se": se, "z": z, "pvalue": 2 * stats.norm.sf(np.abs(z)),
                         "ci.lower": est - zcrit * se, "ci.upper": est + zcrit * se})


# ----------------------------------------------------------------- admissibility
def admissibility_warnings(spec: ModelSpec, estimates: pd.DataFrame, std: pd.DataFrame,
                           model: RAMModel, theta: np.ndarray, r2: pd.Series, *,
                           corr_limit: float = 0.95, r2_limit: float = 0.95) -> list[str]:
    """Messages for improper solutions: Heywood cases, |std| > 1, latent r or R² near 1."""
    msgs: list[str] = []

    def at(lhs, op, rhs):
        line = spec.statement_line(lhs, op, rhs)
        if line is None and op == "~~":  # a default variance: point at where the variable is
            line = next((st.line for st in spec.statements
                         if st.op != ":=" and (st.lhs == lhs or lhs in st.rhs_names)), None)
        return f" (model line {line})" if line else ""

    var_rows = estimates[(estimates.op == "~~") & (estimates.lhs == estimates.rhs)]
    for r in var_rows.itertuples(index=False):
        if r.est < 0:
            kind = "latent" if r.lhs in spec.latents else "residual"
            msgs.append(f"Heywood case: the {kind} variance of {r.lhs} is negative "
                        f"({r.est:.3f}){at(r.lhs, '~~', r.rhs)}. The solution is improper.")
    for r, s in zip(estimates.itertuples(index=False), std["est.std"]):
        if r.op in ("=~", "~") and np.isfinite(s) and abs(s) > 1:
            what = "loading" if r.op == "=~" else "path"
            arrow = f"{r.lhs} =~ {r.rhs}" if r.op == "=~" else f"{r.lhs} ~ {r.rhs}"
            msgs.append(f"Standardized {what} above 1 in absolute value: {arrow} = {s:.3f}"
                        f"{at(r.lhs, r.op, r.rhs)}. The solution is improper.")
    _, C, _ = model.parts(theta)
    p = model.p
    lat = list(model.latents)
    CL = C[p:, p:]
    d = np.sqrt(np.clip(np.diag(CL), 1e-300, None))
    R = CL / np.outer(d, d)
    for i in range(len(lat)):
        for j in range(i + 1, len(lat)):
            if abs(R[i, j]) > corr_limit:
                msgs.append(f"The latents {lat[i]} and {lat[j]} correlate {R[i, j]:.3f} "
                            f"(above {corr_limit}): they may not be empirically distinct "
                            "(poor discriminant validity).")
    if len(lat) and np.any(np.linalg.eigvalsh(CL) < -1e-10):
        msgs.append("The model-implied covariance matrix of the latents is not positive "
                    "definite. The solution is improper.")
    for lv in spec.latents:
        if lv in r2.index and r2[lv] > r2_limit:
            msgs.append(f"The R² of the latent {lv} is {r2[lv]:.3f} (above {r2_limit}): its "
                        "predictors explain almost all of it, a sign of an improper solution "
                        "or of constructs that are not distinct.")
    return msgs


# ----------------------------------------------------------------------- summary
@dataclass(frozen=True)
class Summary:
    """A printable summary: it prints as text in a console (``repr``/``str``/``as_text()``)
    and as HTML in Jupyter (``as_html()``).

    The tables keep their numbers; :func:`csi_model._format.format_frame` prints them (the
    one formatting path of every output: fixed decimals, blanks for undefined statistics
    and fixed parameters, one p-value style, integer counts).

    Examples
    --------
    >>> import pandas as pd
    >>> s = Summary("Demo", [("Data", "x")], [("T", pd.DataFrame({"est": [0.5],
    ...             "pvalue": [0.0]}))], ())
    >>> s  # doctest: +NORMALIZE_WHITESPACE
    Demo
    ====
    Data  x
    <BLANKLINE>
    T
    -
         est  pvalue
    0  0.500  < .001
    """

    title: str
    header: list[tuple[str, str]]
    tables: list[tuple[str, pd.DataFrame]]
    warnings: tuple[str, ...]
    digits: int = 3
    column_digits: dict = field(default_factory=dict)

    def formatted_tables(self) -> list[tuple[str, pd.DataFrame]]:
        """The tables as printed: every cell a string.

        Examples
        --------
        >>> import pandas as pd
        >>> s = Summary("Demo", [], [("T", pd.DataFrame({"est": [0.5, 1.0], "se": [0.1, float("nan")],
        ...             "pvalue": [0.0, float("nan")]}))], ())
        >>> s.formatted_tables()[0][1]                  # doctest: +NORMALIZE_WHITESPACE
             est     se  pvalue
        0  0.500  0.100  < .001
        1  1.000
        """
        return [(name, format_frame(table, self.digits, self.column_digits))
                for name, table in self.tables]

    def as_text(self) -> str:
        """The summary as plain text (what ``print`` and the console show).

        Examples
        --------
        >>> import pandas as pd
        >>> s = Summary("Demo", [("Data", "x")], [], ("Something to check.",))
        >>> print(s.as_text())
        Demo
        ====
        Data  x
        <BLANKLINE>
        WARNINGS
          ! Something to check.
        """
        lines = [self.title, "=" * len(self.title)]
        width = max((len(k) for k, _ in self.header), default=0)
        lines += [f"{k:<{width}}  {v}" for k, v in self.header]
        if self.warnings:
            lines += ["", "WARNINGS"]
            lines += [f"  ! {w}" for w in self.warnings]
        for name, table in self.formatted_tables():
            lines += ["", name, "-" * len(name), table.to_string()]
        return "\n".join(lines)

    def as_html(self) -> str:
        """The summary as HTML (what Jupyter shows).

        Examples
        --------
        >>> import pandas as pd
        >>> s = Summary("Demo", [("Data", "x")], [("T", pd.DataFrame({"est": [0.5]}))], ())
        >>> s.as_html()[:61]
        "<h3>Demo</h3><table><tr><th style='text-align:left'>Data</th>"
        """
        parts = [f"<h3>{html.escape(self.title)}</h3><table>"]
        parts += [f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                  for k, v in self.header]
        parts.append("</table>")
        if self.warnings:
            parts.append("<div style='border-left:4px solid #c00;padding-left:8px'>"
                         "<b>Warnings</b><ul>")
            parts += [f"<li>{html.escape(w)}</li>" for w in self.warnings]
            parts.append("</ul></div>")
        for name, table in self.formatted_tables():
            parts.append(f"<h4>{html.escape(name)}</h4>{table.to_html()}")
        return "".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's console
        p.text(self.as_text())

    def _repr_html_(self) -> str:
        return self.as_html()


def _fmt(x: float, digits: int = 3) -> str:
    """A number in a summary's header (blank when undefined); see :mod:`csi_model._format`."""
    return format_number(x, digits)


@dataclass(frozen=True, eq=False)
class SEMResult:
    """Result of :func:`csi_model.fit` (covariance-based SEM).

    Attributes
    ----------
    estimates : DataFrame
        One row per parameter: ``lhs, op, rhs, label, est, se, z, pvalue, ci.lower,
        ci.upper, std.all`` (fixed parameters have se 0 and z NaN, as in lavaan).
        Defined parameters (``name := expression``) follow as rows with op ``:=``, lhs the
        name and rhs the expression as lavaan prints it (see :mod:`csi_model.sem.defined`).
    standardized : DataFrame
        ``lhs, op, rhs, est.std, se, z, pvalue, ci.lower, ci.upper``: the completely
        standardized solution with delta-method SEs (lavaan's ``standardizedSolution``),
        defined parameters included.
    fit_measures : Series
        lavaan's names: ``chisq, df, pvalue, cfi, tli, rmsea, rmsea.ci.lower, rmsea.ci.upper,
        srmr, gfi, agfi, nfi, aic, bic, logl`` and more (``.scaled``/``.robust`` for MLR).
    r2 : Series
        R² of every endogenous variable (items and latents).
    bootstrap : BootstrapResult or None
        The bootstrap of the free parameters when fitted with ``bootstrap=B``
        (:class:`csi_model.bootstrap.BootstrapResult`); the SEs and intervals of
        :attr:`estimates` and of :func:`csi_model.sem.effects.effects` then come from it.
    warnings : tuple of str
        Improper-solution, convergence and data-handling warnings. Shown in every report.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit("acsi", cm.simulate_survey("acsi", n=200, seed=1))
    >>> res
    <SEMResult acsi: n=200, chisq=121.16 (df=144), CFI=1.000, RMSEA=0.000, 0 warning(s)>
    >>> res.fit_measures[["chisq", "df", "cfi", "srmr"]].round(3)
    chisq    121.155
    df       144.000
    cfi        1.000
    srmr       0.037
    Name: value, dtype: float64
    >>> res.paths[["lhs", "op", "rhs"]].head(2)
        lhs op   rhs
    0  QUAL  ~  EXPE
    1   VAL  ~  EXPE
    """

    spec: ModelSpec
    estimator: str
    missing: str
    n: int
    n_total: int
    estimates: pd.DataFrame
    standardized: pd.DataFrame
    fit_measures: pd.Series
    r2: pd.Series
    warnings: tuple[str, ...]
    converged: bool
    iterations: int
    implied_cov: pd.DataFrame
    theta: np.ndarray = field(repr=False)
    acov: np.ndarray = field(repr=False)
    data_source: str = ""
    elapsed: float = 0.0
    data_report: Any = field(default=None, repr=False)
    bootstrap: Any = field(default=None, repr=False)
    sample_moments: Any = field(default=None, repr=False)

    def __post_init__(self):
        for frame in (self.estimates, self.standardized, self.implied_cov):
            for col in frame.columns:
                arr = frame[col].to_numpy()
                if arr.dtype.kind == "f":
                    arr.setflags(write=False)
        self.theta.setflags(write=False)
        self.acov.setflags(write=False)

    # --------------------------------------------------------------- accessors
    @property
    def paths(self) -> pd.DataFrame:
        """The structural paths (``~`` rows) of :attr:`estimates`."""
        return self.estimates[self.estimates.op == "~"].reset_index(drop=True)

    @property
    def loadings(self) -> pd.DataFrame:
        """The measurement rows (``=~``) of :attr:`estimates`."""
        return self.estimates[self.estimates.op == "=~"].reset_index(drop=True)

    def table(self) -> pd.DataFrame:
        """The estimates with exactly the DESIGN.md columns.

        Examples
        --------
        >>> import csi_model as cm
        >>> res = cm.fit("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> list(res.table().columns)
        ['lhs', 'op', 'rhs', 'est', 'se', 'z', 'pvalue', 'ci.lower', 'ci.upper', 'std.all']
        >>> res.table().loc[[1], ["lhs", "op", "rhs", "est", "se"]].round(3)
            lhs  op    rhs    est     se
        1  EXPE  =~  EXPE2  0.993  0.105
        """
        return self.estimates[ESTIMATE_COLUMNS].copy()

    def modification_indices(self) -> pd.DataFrame:
        """lavaan's ``modindices(fit)``: the score test of freeing each fixed parameter.

        Every parameter lavaan considers (loadings, residual covariances, latent covariances,
        regressions among the variables of the regressions, and the model's fixed parameters),
        each freed alone: ``mi`` (the chi-square drop to expect, 1 df), ``epc`` (the expected
        value) and its standardized ``sepc.lv``, ``sepc.all``, ``sepc.nox``. Complete-data ML
        and MLR fits (expected information, as lavaan's default).

        Returns
        -------
        DataFrame
            ``lhs, op, rhs, mi, epc, sepc.lv, sepc.all, sepc.nox``, largest ``mi`` first.

        Examples
        --------
        >>> import csi_model as cm
        >>> res = cm.fit("telecom", cm.simulate_survey("telecom", n=300, seed=1))
        >>> list(res.modification_indices().columns)
        ['lhs', 'op', 'rhs', 'mi', 'epc', 'sepc.lv', 'sepc.all', 'sepc.nox']
        """
        from .diagnostics import modification_indices

        if self.sample_moments is None or self.estimator not in ("ML", "MLR"):
            raise ValueError("Modification indices are computed for complete-data ML and MLR "
                             f"fits; this fit uses {self.estimator} with missing = "
                             f"'{self.missing}'. Refit with missing='listwise' to get them.")
        model = RAMModel.from_partable(self.spec.partable(), self.spec.observed,
                                       self.spec.latents)
        return modification_indices(model, np.asarray(self.theta), self.sample_moments,
                                    ov_x=self.spec.exogenous_observed)

    def standardized_solution(self, type: str = "std.all", *, level: float = 0.95) -> pd.DataFrame:
        """A standardized solution with delta-method SEs (lavaan's ``standardizedSolution``).

        Parameters
        ----------
        type : {"std.all", "std.lv", "std.nox"}
            ``"std.all"``: every variable standardized (:attr:`standardized`); ``"std.lv"``:
            the latents only; ``"std.nox"``: all but the observed exogenous predictors.
        level : float
            Confidence level of the intervals.

        Returns
        -------
        DataFrame
            ``lhs, op, rhs, est.std, se, z, pvalue, ci.lower, ci.upper``, defined parameters
            (``:=``) included.

        Examples
        --------
        >>> import csi_model as cm
        >>> res = cm.fit("telecom", cm.simulate_survey("telecom", n=300, seed=1))
        >>> lv = res.standardized_solution("std.lv")
        >>> bool((lv.query("op == '=~'")["est.std"] > 0).all())
        True
        """
        from .defined import defined_rows

        if type not in STD_TYPES:
            raise ValueError(f"The 'type' parameter of standardized_solution must be one of "
                             f"{{{', '.join(STD_TYPES)}}}. Got {type!r} instead.")
        if not 0 < level < 1:
            raise ValueError(f"The 'level' parameter of standardized_solution must be in (0, 1). "
                             f"Got {level!r} instead.")
        if self.estimator not in ("ML", "MLR"):
            if type == "std.all" and level == 0.95:
                return self.standardized.copy()
            raise ValueError(f"standardized_solution(type={type!r}) is available for ML and MLR "
                             f"fits; this fit uses {self.estimator} with ordered items. Use "
                             "result.standardized (std.all).")
        model = RAMModel.from_partable(self.spec.partable(meanstructure=self.missing == "fiml"),
                                       self.spec.observed, self.spec.latents)
        theta, acov = np.asarray(self.theta), np.asarray(self.acov)
        ov_x = self.spec.exogenous_observed
        std = standardize(model, theta, acov, level, type=type, ov_x=ov_x)
        if self.spec.defined_parameters:
            plan = _std_plan(model, type, ov_x)
            _, rows, _ = defined_rows(self.spec, model, theta, acov, level,
                                      lambda t: _std_values(model, t, plan))
            std = pd.concat([std, rows], ignore_index=True)
        return std

    def defined_parameters(self, *, level: float = 0.95,
                           ci_method: str = "percentile") -> pd.DataFrame:
        """The defined parameters (``name := expression``) with intervals at ``level``.

        Parameters
        ----------
        level : float
            Confidence level.
        ci_method : {"percentile", "bca", "normal"}
            With a bootstrapped fit: the interval of the bootstrap values of each defined
            parameter (``"bca"`` refits the model on jackknife samples, once, at first
            use). Without a bootstrap: Wald intervals ``est +- z * se`` (delta method).

        Returns
        -------
        DataFrame
            ``lhs, op, rhs, label, est, se, z, pvalue, ci.lower, ci.upper, std.all``,
            one row per ``:=`` line (see :mod:`csi_model.sem.defined`).

        Examples
        --------
        >>> import csi_model as cm
        >>> spec = cm.ModelSpec.from_syntax(
        ...     "QUAL =~ QUAL1 + QUAL2 + QUAL3\\nSAT =~ SAT1 + SAT2 + SAT3\\n"
        ...     "LOY =~ LOY1 + LOY2 + LOY3\\nSAT ~ a*QUAL\\nLOY ~ b*SAT + QUAL\\nind := a*b")
        >>> res = cm.fit(spec, cm.simulate_survey("telecom", n=300, seed=1))
        >>> res.defined_parameters()[["lhs", "op", "rhs"]].to_numpy().tolist()
        [['ind', ':=', 'a*b']]
        """
        from .defined import defined_rows

        if not 0 < level < 1:
            raise ValueError(f"The 'level' parameter of defined_parameters must be in (0, 1). "
                             f"Got {level!r} instead.")
        if ci_method not in ("percentile", "bca", "normal"):
            raise ValueError("The 'ci_method' parameter of defined_parameters must be one of "
                             f"{{'percentile', 'bca', 'normal'}}. Got {ci_method!r} instead.")
        if not self.spec.defined_parameters:
            return self.estimates.iloc[:0].reset_index(drop=True)
        model = RAMModel.from_partable(self.spec.partable(meanstructure=self.missing == "fiml"),
                                       self.spec.observed, self.spec.latents)
        def std_fn(t):
            return _std_values(model, t)
        if (self.estimates.op == "|").any():         # ordered items: residual variances computed
            from .ordinal import std_values
            std_fn = std_values(model, list(self.estimates.loc[self.estimates.op == "|",
                                                               "lhs"].unique()))
        rows, _, _ = defined_rows(self.spec, model, np.asarray(self.theta), np.asarray(self.acov),
                                  level, std_fn, self.bootstrap, ci_method)
        return rows

    # --------------------------------------------------------------- reporting
    def summary(self, digits: int = 3) -> Summary:
        """A readable summary: header, warnings, fit measures, loadings, paths, intercepts and
        means (with a mean structure), defined parameters (``:=``), R² and effects.

        Examples
        --------
        >>> import csi_model as cm
        >>> res = cm.fit("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> res.summary()                       # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        csi_model CB-SEM: acsi
        ======================
        Model           acsi (6 latents, 19 items, 9 paths)
        Data            <DataFrame>: 200 of 200 respondents used
        Estimator       ML, missing = listwise
        Converged       yes (11 iterations)
        Chi-square      121.155 on 144 df, p = .917
        CFI / TLI       1.000 / 1.015
        RMSEA [90% CI]  0.000 [0.000, 0.013]
        SRMR            0.037
        <BLANKLINE>
        Measurement model
        -----------------
                         est     se       z  pvalue std.all
        lhs  op rhs
        EXPE =~ EXPE1  1.000                          0.758
                EXPE2  0.993  0.105   9.418  < .001   0.775
        ...
        """
        fm = self.fit_measures
        header = [
            ("Model", f"{self.spec.name} ({len(self.spec.latents)} latents, "
                      f"{len(self.spec.observed)} items, {len(self.spec.structural_paths)} paths)"),
            ("Data", f"{self.data_source}: {self.n} of {self.n_total} respondents used"),
            ("Estimator", f"{self.estimator}, missing = {self.missing}"),
            ("Converged", f"yes ({self.iterations} iterations)" if self.converged else
             f"NO ({self.iterations} iterations): the numbers below are not estimates; "
             "do not report them"),
            ("Chi-square", f"{_fmt(fm['chisq'], digits)} on {format_int(fm['df'])} df, "
                           f"{p_text(fm['pvalue'])}"),
            ("CFI / TLI", f"{_fmt(fm['cfi'], digits)} / {_fmt(fm['tli'], digits)}"),
            ("RMSEA [90% CI]", f"{_fmt(fm['rmsea'], digits)} [{_fmt(fm['rmsea.ci.lower'], digits)}, "
                               f"{_fmt(fm['rmsea.ci.upper'], digits)}]"),
            ("SRMR", _fmt(fm["srmr"], digits)),
        ]
        if "chisq.scaled" in fm:
            # ordered items: scaled and robust (Savalei 2021) indices, as lavaan prints them
            kinds = ["robust"] if "cfi.robust" in fm else ["scaled"]
            if self.estimator in ("WLSMV", "ULSMV"):
                kinds = ["scaled", "robust"]
            indices = "; ".join(
                f"{kind} CFI {_fmt(fm['cfi.' + kind], digits)}, RMSEA "
                f"{_fmt(fm['rmsea.' + kind], digits)}" if np.isfinite(fm['cfi.' + kind])
                else f"{kind} CFI / RMSEA not available (lavaan: NA)" for kind in kinds)
            header.append(("Scaled chi-square", f"{_fmt(fm['chisq.scaled'], digits)} (scaling "
                                                f"factor {_fmt(fm['chisq.scaling.factor'], digits)}"
                                                f", {p_text(fm.get('pvalue.scaled'))}); {indices}"))
        if self.bootstrap is not None:
            b = self.bootstrap
            header.append(("Bootstrap", f"{b.B} resamples (seed {b.seed}), {b.n_failed} failed, "
                                        f"{b.info.get('n_improper', 0)} improper; SEs and "
                                        "percentile CIs from the resamples"))
        cols = ["est", "se", "z", "pvalue", "std.all"]

        def block(frame):
            return frame.set_index(["lhs", "op", "rhs"])[cols]

        tables = [("Measurement model", block(self.loadings)),
                  ("Structural model", block(self.paths))]
        means = self.estimates[self.estimates.op == "~1"]
        if len(means):                 # a mean structure (x ~ 1, meanstructure=True, growth, FIML)
            tables.append(("Intercepts and means", block(means)))
        composites = self.estimates[self.estimates.op == "<~"]
        if len(composites):            # formative blocks: the weights
            tables.insert(1, ("Composite weights", block(composites)))
        if getattr(self.spec, "constraints", ()):
            from .constraints import constraint_table
            pt = self.spec.partable(meanstructure=bool((self.estimates.op == "~1").any()))
            model = RAMModel.from_partable(pt, self.spec.observed, self.spec.latents)
            tables.append(("Constraints", constraint_table(self.spec, model, self.theta)))
        thresholds = self.estimates[self.estimates.op == "|"]
        if len(thresholds):            # ordered items
            tables.append(("Thresholds", block(thresholds)))
        defined = self.estimates[self.estimates.op == ":="]
        if len(defined):
            cols_def = ["est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"]
            tables.append(("Defined parameters", defined.set_index(["lhs", "op", "rhs"])[cols_def]))
        tables.append(("R²", self.r2.to_frame()))
        try:
            from .effects import effects
            wide = effects(self, shape="wide").set_index(["from", "to"])
            tables.append(("Effects (direct / indirect / total)",
                           wide[["direct", "indirect", "total", "total.se", "total.pvalue",
                                 "total.std.all"]]))
        except Exception:  # noqa: BLE001 - the summary must not fail on a broken solution
            pass
        title = f"csi_model CB-SEM: {self.spec.name}"
        if not self.converged:
            title += " -- DID NOT CONVERGE"
        return Summary(title, header, tables, self.warnings, digits=digits)

    def __repr__(self) -> str:
        fm = self.fit_measures
        return (f"<SEMResult {self.spec.name}: n={self.n}, chisq={fm['chisq']:.2f} "
                f"(df={int(fm['df'])}), CFI={fm['cfi']:.3f}, RMSEA={fm['rmsea']:.3f}, "
                f"{len(self.warnings)} warning(s)>")

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_dict(self) -> dict:
        """JSON-ready dict with DESIGN.md's names (NaN -> None).

        Examples
        --------
        >>> import csi_model as cm
        >>> res = cm.fit("acsi", cm.simulate_survey("acsi", n=200, seed=1))
        >>> import json
        >>> d = res.to_dict()
        >>> list(d)
        ['n', 'n_total', 'estimator', 'missing', 'converged', 'estimates', 'fit_measures', 'r2', 'effects', 'warnings']
        >>> d["n"], d["n_total"]                  # respondents used, respondents read
        (200, 200)
        >>> d["estimates"][0]["pvalue"] is None                 # NaN -> None: valid JSON
        True
        >>> len(json.dumps(d)) > 1000
        True
        """
        def clean(v):
            if isinstance(v, (float, np.floating)):
                return None if not np.isfinite(v) else float(v)
            if isinstance(v, (np.integer,)):
                return int(v)
            return v
        rows = [{k: clean(v) for k, v in r.items()} for r in self.table().to_dict("records")]
        return {
            "n": int(self.n),
            "n_total": int(self.n_total),
            "estimator": self.estimator,
            "missing": self.missing,
            "converged": self.converged,
            "estimates": rows,
            "fit_measures": {k: clean(v) for k, v in self.fit_measures.items()},
            "r2": {k: clean(v) for k, v in self.r2.items()},
            "effects": self._effects_records(clean),
            **({"bootstrap": self._bootstrap_dict()} if self.bootstrap is not None else {}),
            "warnings": list(self.warnings),
        }

    def _effects_records(self, clean) -> list[dict]:
        from .effects import effects
        try:
            wide = effects(self, shape="wide")
        except Exception as exc:  # noqa: BLE001 - a broken solution must not lose the rest
            return [{"error": f"effects could not be computed: {exc}"}]
        return [{k: clean(v) for k, v in r.items()} for r in wide.to_dict("records")]

    def _bootstrap_dict(self) -> dict:
        b = self.bootstrap
        return {"B": b.B, "seed": int(b.seed) if isinstance(b.seed, (int, np.integer)) else None,
                "n_failed": int(b.n_failed), "n_improper": int(b.info.get("n_improper", 0)),
                "se": "sd of the successful resamples, divisor B (lavaan)",
                **({"se_defined": DEFINED_SE_NOTE} if self.spec.defined_parameters else {}),
                "ci": "percentile (interpolated as R's boot / lavaan)"}
