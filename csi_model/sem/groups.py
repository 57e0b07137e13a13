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
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import pandas as pd
from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)
from .._threads import threadpool_limits

from . import _estimation as est
from . import _fiml as fiml
from . import fit_indices as fi
from ._ram import RAMModel
from .constraints import multigroup_equalities, refuse_constraints
from ..exceptions import (ConvergenceWarning, CSIModelWarning, DataQualityWarning, EstimationError,
                          SurveyDataError)
from .results import Summary
from ..model.spec import ModelSpec, load_model
from ..model.syntax import format_statement
from .defined import DefinedValues, _se_from_cov, _wald
from .results import STD_TYPES, _std_plan, _std_values, standardize

__all__ = ["fit_multigroup", "MultiGroupResult", "invariance", "InvarianceResult",
           "path_differences", "latent_means", "EQUALITY_TYPES"]

#: What ``equal=`` may constrain across groups (lavaan's ``group.equal`` names).
EQUALITY_TYPES = ("loadings", "intercepts", "residuals", "regressions", "lv.variances",
                  "lv.covariances", "means")
STEPS = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts"),
         "strict": ("loadings", "intercepts", "residuals")}
#: The ladder's extra columns with sampling weights (lavaan's MLR measures).
WEIGHTED_LADDER_KEYS = ("chisq.scaled", "pvalue.scaled", "chisq.scaling.factor", "cfi.scaled",
                        "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust",
                        "rmsea.robust")
#: Cut-offs of the invariance decisions: Cheung & Rensvold (2002) for CFI, Chen (2007) for RMSEA.
DELTA_CFI = -0.010
DELTA_RMSEA = 0.015


def _kind(row, latents) -> str | None:
    return _kind_of(row.lhs, row.op, row.rhs, latents)


def _kind_of(lhs, op, rhs, latents) -> str | None:
    """The ``group.equal`` type of a parameter-table row (lavaan's names)."""
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
    """One parameter vector for all groups, resolved as lavaan's ``lavaanify``.

    Every row gets lavaan's label: its user label (a ``c(...)`` entry, or a single label,
    which holds in every group) or else ``lhs op rhs`` (with the group number after the
    first group); a type in ``equal`` (not in ``partial``) gives the rows of the later groups
    the first group's default label. Rows with one label are one parameter; if one of them
    is fixed, all are fixed at the first fixed value (lavaan: a fixed marker or a
    ``c(0.5, NA)`` value with ``group.equal`` fixes the parameter in every group).
    """
    # Column lists rather than DataFrame rows: the release tests of invariance() build
    # one joint model per candidate constraint, and row access in pandas dominated that.
    G = len(groups)
    latents = set(spec.latents)
    partial = set(partial)
    tables, cols = [], []
    for g in range(G):
        pt = spec.partable(meanstructure=True, group=g, n_groups=G).copy()
        c = {k: pt[k].tolist() for k in ("lhs", "op", "rhs", "label", "user", "exo")}
        c["kind"] = [_kind_of(lhs, op, rhs, latents)
                     for lhs, op, rhs in zip(c["lhs"], c["op"], c["rhs"])]
        c["free"] = pt["free"].tolist()
        c["ustart"] = pt["ustart"].to_numpy(dtype=float).copy()
        if "intercepts" in equal and g > 0 and "means" not in equal:
            for r, (kind, user) in enumerate(zip(c["kind"], c["user"])):
                if kind == "means" and not user:        # lavaan: a user's '~1' row stays
                    c["free"][r] = 1                    # identified by equal intercepts
                    c["ustart"][r] = np.nan
        c["key"] = [
            "label:" + label if label
            else "default:" + name if kind in equal and not exo and name not in partial
            else "default:" + name + (f".g{g + 1}" if g else "")
            for label, kind, exo, name in zip(
                c["label"], c["kind"], c["exo"],
                (_param_name(lhs, op, rhs) for lhs, op, rhs in zip(c["lhs"], c["op"], c["rhs"])))]
        tables.append(pt)
        cols.append(c)
    fixed_at: dict[str, float] = {}
    for c in cols:
        for k, free, ustart in zip(c["key"], c["free"], c["ustart"]):
            if free == 0 and k not in fixed_at:
                fixed_at[k] = float(ustart)
    shared: dict[str, int] = {}
    counter = 0
    for pt, c in zip(tables, cols):
        free = np.zeros(len(pt), dtype=int)
        ustart = c["ustart"]
        for r, k in enumerate(c["key"]):
            if k in fixed_at:
                ustart[r] = fixed_at[k]
                continue
            if k not in shared:
                counter += 1
                shared[k] = counter
            free[r] = shared[k]
        pt["free"] = free
        pt["ustart"] = ustart
    table = pd.DataFrame({
        "group": [groups[g] for g, pt in enumerate(tables) for _ in range(len(pt))],
        **{k: [v for c in cols for v in c[k]] for k in ("lhs", "op", "rhs")},
        "free": np.concatenate([pt["free"].to_numpy() for pt in tables]),
        "ustart": np.concatenate([pt["ustart"].to_numpy(dtype=float) for pt in tables]),
        "label": [v for c in cols for v in c["label"]],
        "exo": np.concatenate([pt["exo"].to_numpy() for pt in tables]),
        "kind": [v for c in cols for v in c["kind"]]})
    rams = tuple(RAMModel.from_partable(pt, spec.observed, spec.latents, n_params=counter)
                 for pt in tables)
    return _JointModel(rams, table, counter)


def _objective(jm, moments, weights, theta):
    return sum(w * est.ml_objective(m, theta, mom) for m, mom, w in zip(jm.models, moments, weights))


def _gradient(jm, moments, weights, theta, derivatives=None):
    derivatives = derivatives or [None] * len(jm.models)
    return sum(w * est.ml_gradient(m, theta, mom, d)
               for m, mom, w, d in zip(jm.models, moments, weights, derivatives))


def _information(jm, weights, theta, derivatives=None):
    derivatives = derivatives or [None] * len(jm.models)
    return sum(w * est.expected_information(m, theta, d)
               for m, w, d in zip(jm.models, weights, derivatives))


class _SharedDerivatives:
    """Each group's Jacobian at the last theta asked for: Fisher scoring asks for the gradient
    and the information at the same theta, which then share one Jacobian per group (the same
    numbers as computing it twice, at half the cost)."""

    def __init__(self, jm):
        self.jm, self.theta, self.value = jm, None, None

    def __call__(self, theta):
        if self.theta is None or not np.array_equal(self.theta, theta):
            self.theta = np.array(theta, dtype=float)
            self.value = [est._derivatives(m, theta) for m in self.jm.models]
        return self.value


def _start(jm: _JointModel, spec: ModelSpec, moments, pooled: est.Moments,
           notes: list[str] | None = None) -> np.ndarray:
    """Start from the single-group ML solution on the pooled covariance (see fitting._converge).

    ``notes`` receives the note if that start needed semopy's estimates (the fallback)."""
    from .fitting import _converge
    notes = [] if notes is None else notes
    # the c(...) modifiers left out; with the mean structure, so that a user's 'x ~ 1' row
    # does not leave the other intercepts at 0 (a distorted start that need not converge)
    pt = spec._partable(True, None, None).copy()
    single = RAMModel.from_partable(pt, spec.observed, spec.latents)
    theta1, _, _ = _converge(lambda t0: est.fit_ml(single, t0, pooled), single, pt, pooled,
                             notes, "csi_model")
    def rows(model):             # (lhs, op, rhs) of every row of a model's table
        t = model.partable
        return list(zip(t["lhs"].tolist(), t["op"].tolist(), t["rhs"].tolist()))

    one = rows(single)
    values = {one[r]: theta1[k] for k, r in enumerate(single.free_rows)}
    theta = np.zeros(jm.n_params)
    for g, (m, mom) in enumerate(zip(jm.models, moments)):
        table = rows(m)
        for k, r in enumerate(m.free_rows):
            if r < 0:
                continue
            lhs, op, rhs = table[r]
            if op == "~1":
                theta[k] = mom.mean[m.observed.index(lhs)] if lhs in m.observed else 0.0
            else:
                theta[k] = values.get((lhs, op, rhs), 0.0)
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
    notes_blank: list[str] = []
    for gname in groups:
        sub = frame.loc[labels.astype(str) == gname, cols]
        for c in cols:
            if sub[c].isna().all():
                raise SurveyDataError(f"{survey.source}: the item '{c}' has no answers in group "
                                      f"{by} = {gname}. Drop the item or the group.")
        complete = sub.dropna() if missing == "listwise" else sub.dropna(how="all")
        if missing != "listwise" and len(complete) < len(sub):
            blank = sub.index[sub.isna().all(axis=1)]
            notes_blank.append(f"{survey.source}: {len(blank)} respondent(s) of {by} = {gname} "
                               "answered none of the model's items (rows "
                               f"{', '.join(map(str, list(survey.rows(blank))[:8]))}"
                               f"{', ...' if len(blank) > 8 else ''}) and were dropped.")
        dropped += len(sub) - len(complete)
        X = complete.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            sd = np.nanstd(X, axis=0) if len(X) else np.zeros(len(cols))
        if len(X) and (sd == 0).any():
            c = cols[int(np.flatnonzero(sd == 0)[0])]
            raise SurveyDataError(f"{survey.source}: the item '{c}' is constant in group "
                                  f"{by} = {gname}; it has no variance there.")
        out.append(X)
    for msg in notes_blank:
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
    return survey, groups, out, dropped


# ------------------------------------------------------------------ result
@dataclass(frozen=True, eq=False)
class MultiGroupResult:
    """A multi-group CB-SEM fit (see :func:`fit_multigroup`).

    ``estimates`` has lavaan's columns plus ``group`` and ``label`` and the standardized
    values ``std.all, std.lv, std.nox`` (``parameterEstimates(fit, standardized = TRUE)``);
    the defined parameters (``:=``) are its last rows, with an empty group.
    ``standardized`` is the std.all solution with SEs (:meth:`standardized_solution` gives the
    others), ``r2`` the R² of every endogenous variable indexed by (group, variable), and
    ``fit_measures`` has lavaan's names.

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
    standardized: pd.DataFrame = field(default=None, repr=False)
    r2: pd.Series = field(default=None, repr=False)
    level: float = 0.95
    moments: tuple = field(default=None, repr=False)
    missing: str = "listwise"
    weights: str | None = None
    #: FIML fits: each group's data (MissingData), for the modification indices and score tests
    fiml_data: tuple = field(default=None, repr=False)

    def modification_indices(self) -> pd.DataFrame:
        """lavaan's ``modindices(fit)`` of a multi-group fit, per group.

        Each parameter that could be freed in a group (loadings, residual covariances, latent
        covariances, regressions among the variables of the regressions, the group's fixed
        parameters) is scored in the joint likelihood. Equality constraints across groups
        are not released here (:meth:`equality_score_tests`, lavaan's ``lavTestScore``);
        :func:`invariance` ranks them by the likelihood-ratio test in its suggestions.
        ML fits, listwise or FIML (``missing="fiml"``: lavaan's ``missing = "ml"``, with the
        expected information of the missing-data likelihood); not with ordered items.

        With sampling weights (``weights=``) they are lavaan 0.6-14's ``modindices()`` of a
        ``sampling.weights`` fit: the ordinary score test (expected information) on each
        group's weighted moments (with FIML its weighted missing-data likelihood), the
        groups weighted by their N (the sum of their weights), not a robust score test.

        Returns
        -------
        DataFrame
            ``lhs, op, rhs, group, mi, epc, sepc.lv, sepc.all, sepc.nox``, largest ``mi`` first.

        Examples
        --------
        >>> import csi_model as cm
        >>> spec = cm.load_model("acsi")
        >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
        >>> mi = cm.fit_multigroup(spec, survey, by="wave").modification_indices()
        >>> sorted(mi.group.unique())
        ['2025', '2026']
        """
        from .diagnostics import modification_indices_groups

        self._refuse_constraints("Modification indices")
        self._refuse_uncomputed("Modification indices")
        return modification_indices_groups(self._joint().models, np.asarray(self.theta),
                                           self._sources(), self.groups,
                                           ov_x=self.spec.exogenous_observed)

    def equality_score_tests(self) -> tuple[pd.DataFrame, dict]:
        """Score tests of releasing the equality constraints (lavaan's ``lavTestScore(fit)``).

        Each row held equal to a row before it (by ``equal=`` or a shared label) is released
        alone (1 df) and all together. The modification indices of the parameters that
        could be freed are :meth:`modification_indices`.

        With sampling weights these are what lavaan 0.6-14's ``lavTestScore()`` gives for a
        ``sampling.weights`` fit: it warns "se is not `standard'; ... falling back to
        ordinary score test" and computes the naive score test (expected information) on
        the weighted moments (or FIML likelihood); there is no scaled (robust) version to
        match. ML fits,
        listwise or FIML (as :meth:`modification_indices`); not with ordered items.

        Returns
        -------
        (DataFrame, dict)
            ``group, lhs, op, rhs, ref.group, X2, df, pvalue`` per constraint, and the joint
            test ``{"X2", "df", "pvalue"}``.

        Examples
        --------
        >>> import csi_model as cm
        >>> spec = cm.load_model("acsi")
        >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
        >>> uni, total = cm.fit_multigroup(spec, survey, by="wave",
        ...                                equal=["loadings"]).equality_score_tests()
        >>> set(uni.op), total["df"] == len(uni)
        ({'=~'}, True)
        """
        from .diagnostics import equality_score_tests

        self._refuse_constraints("Score tests")
        self._refuse_uncomputed("Score tests of the equality constraints")
        return equality_score_tests(self._joint().models, np.asarray(self.theta),
                                    self._sources(), self.groups)

    def _refuse_constraints(self, what: str) -> None:
        if self.spec.constraints:
            st = self.spec.constraints[0]
            raise ValueError(f"{what} of a multi-group fit with '==' constraints (line {st.line}: "
                             f"'{st.text.strip()}') are not computed yet (they would ignore "
                             "the constraints). Write the equality as a shared label (e.g. "
                             "'c(b, b)*x') to get them.")

    def _refuse_uncomputed(self, what: str) -> None:
        """Refuse the fits whose modification indices and score tests are not computed:
        ordered items (WLSMV), and a fit that kept neither moments nor data."""
        if getattr(self, "estimator", "ML") != "ML":
            raise ValueError(f"{what} are computed for multi-group ML fits of continuous "
                             f"items; this fit has ordered items ({self.estimator}). Refit "
                             "without ordered= (ML) to get them, or compare the steps of "
                             "invariance(..., ordered=...) by their difference tests.")
        if self.moments is None and self.fiml_data is None:
            raise ValueError(f"{what} need the data of the fit, which this result does not "
                             "keep (a screening fit of invariance's release tests). Refit "
                             "it with fit_multigroup to get them.")

    def _sources(self) -> tuple:
        """Each group's moments (complete data) or FIML data, for the score tests."""
        return self.moments if self.moments is not None else self.fiml_data

    def _joint(self) -> _JointModel:
        return _joint_model(self.spec, self.groups, self.equal, self.partial)

    def standardized_solution(self, type: str = "std.all", *, level: float | None = None
                              ) -> pd.DataFrame:
        """lavaan's ``standardizedSolution(fit, type = type)`` per group, with delta-method SEs.

        Parameters
        ----------
        type : {"std.all", "std.lv", "std.nox"}
            Every variable standardized in its group (``"std.all"``, :attr:`standardized`),
            the latents only (``"std.lv"``) or all but the observed exogenous predictors
            (``"std.nox"``).
        level : float, optional
            Confidence level (default: the fit's).

        Returns
        -------
        DataFrame
            ``group, lhs, op, rhs, est.std, se, z, pvalue, ci.lower, ci.upper``; the defined
            parameters (``:=``) last, with an empty group.

        Examples
        --------
        >>> import csi_model as cm
        >>> spec = cm.load_model("acsi")
        >>> survey = cm.read_survey(cm.make_demo_survey(), items=spec.observed, missing_codes=[99])
        >>> res = cm.fit_multigroup(spec, survey, by="wave", equal=["loadings"])
        >>> sorted(res.standardized_solution("std.lv").group.unique())
        ['2025', '2026']
        """
        if type not in STD_TYPES:
            raise ValueError(f"The 'type' parameter of standardized_solution must be one of "
                             f"{{{', '.join(STD_TYPES)}}}. Got {type!r} instead.")
        level = self.level if level is None else level
        if not 0 < level < 1:
            raise ValueError(f"The 'level' parameter of standardized_solution must be in (0, 1). "
                             f"Got {level!r} instead.")
        return _standardized(self.spec, self._joint(), np.asarray(self.theta),
                             np.asarray(self.acov), level, type)

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
        Missing data         listwise
        Equal across groups  nothing (configural)
        Chi-square           324.675 on 288 df
        CFI / RMSEA / SRMR   0.992 / 0.023 / 0.036
        <BLANKLINE>
        WARNINGS
          ! Listwise deletion within groups: 104 incomplete rows were dropped.
        <BLANKLINE>
        Structural paths
        ----------------
                              est     se      z  pvalue std.all
        group lhs  op rhs
        2025  QUAL ~  EXPE  0.433  0.074  5.844  < .001   0.483
        ...
        """
        fm = self.fit_measures
        header = [("Model", self.spec.name), ("Groups", ", ".join(
            f"{g} (n={n})" for g, n in zip(self.groups, self.n))),
            ("Missing data", self.missing),
            ("Equal across groups", ", ".join(self.equal) or "nothing (configural)"),
            *([("Constraints", "; ".join(format_statement(st) for st in self.spec.constraints))]
              if self.spec.constraints else []),
            ("Chi-square", f"{fm['chisq']:.3f} on {int(fm['df'])} df"),
            ("CFI / RMSEA / SRMR", f"{fm['cfi']:.3f} / {fm['rmsea']:.3f} / {fm['srmr']:.3f}")]
        if self.weights is not None:
            header[2:2] = [("Sampling weights", f"column '{self.weights}' (robust SEs, MLR)")]
            header += [("Scaled chi-square", f"{fm['chisq.scaled']:.3f} (Yuan-Bentler, "
                                             f"scaling factor {fm['chisq.scaling.factor']:.3f})"),
                       ("Robust CFI / RMSEA", f"{fm['cfi.robust']:.3f} / "
                                              f"{fm['rmsea.robust']:.3f}")]
        paths = self.estimates[self.estimates.op == "~"].set_index(["group", "lhs", "op", "rhs"])
        cols = ["est", "se", "z", "pvalue"] + (["std.all"] if "std.all" in paths else [])
        tables = [("Structural paths", paths[cols].round(3))]
        defined = self.estimates[self.estimates.op == ":="]
        if len(defined):
            tables.append(("Defined parameters", defined.set_index(["lhs", "op", "rhs"])[
                ["est", "se", "z", "pvalue", "ci.lower", "ci.upper"]].round(3)))
        if self.r2 is not None and len(self.r2):
            tables.append(("R² by group", self.r2.unstack("group").round(3)))
        return Summary(f"csi_model multi-group CB-SEM by {self.by}", header, tables,
                       self.warnings)

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def fit_multigroup(spec: ModelSpec | str, data, *, by: str, equal: Sequence[str] = (),
                   partial: Sequence[str] = (), level: float = 0.95,
                   missing: str = "listwise", ordered=None,
                   estimator: str | None = None, weights: str | None = None) -> MultiGroupResult:
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

        The model may give a modifier per group, as lavaan: ``c(b1, b2)*x`` labels the
        parameter in each group (``d := b1 - b2`` then tests the difference, delta-method
        SE), ``c(0.5, NA)*x`` fixes it in the first group only; a single label holds in every
        group. User labels win over ``equal``, and a parameter fixed in the first group stays
        fixed in every group it is held equal in (lavaan's rules). A group with fewer
        respondents than free parameters is fitted with a caution in the warnings (as
        lavaan fits it); a group whose sample covariance matrix is singular is refused.
    missing : {"listwise", "fiml", "pairwise"}
        ``"listwise"`` drops incomplete rows within each group; ``"fiml"`` keeps every answer
        (full-information ML per group, SEs from the observed information, chi-square against
        each group's EM-estimated unrestricted model), as lavaan's ``missing = "ml"`` with
        ``group =``. With ``ordered`` items ``"listwise"`` or ``"pairwise"`` (lavaan's
        ``missing = "pairwise"``, see :mod:`csi_model.sem.ordinal_groups`). Rows without any
        answer are dropped either way.
    ordered : True or list of str, optional
        Ordered (Likert) items: WLSMV with thresholds, Wu & Estabrook's (2016)
        identification, ``equal`` one of ``()``, ``["thresholds"]``, ``["thresholds",
        "loadings"]``, ``["thresholds", "loadings", "intercepts"]`` (see
        :mod:`csi_model.sem.ordinal_groups`; measurement models only).
    estimator : str, optional
        ``"WLSMV"`` (the default and only choice with ordered items); ML otherwise
        (``"MLR"`` is accepted with ``weights``, which make ML robust anyway).
    weights : str, optional
        The column of sampling weights, as lavaan 0.6-14's ``sampling.weights`` with
        ``group``: the weights of the rows used are rescaled over all groups together to sum
        to their number (``sampling.weights.normalization = "total"``), a group's N in the
        likelihood is the sum of its weights, the estimates are ML on each group's weighted
        moments, the SEs robust (Huber-White) and the test the Yuan-Bentler (Mplus) scaled
        one with the ``.scaled`` and ``.robust`` CFI/TLI/RMSEA (see
        :mod:`csi_model.sem._wgroups`). With ``missing="fiml"`` each row's log-likelihood
        of its answers is weighted (lavaan's ``missing = "ml"`` with ``sampling.weights``),
        with the same robust SEs and scaled test and lavaan's FIML-corrected robust
        CFI/TLI/RMSEA. With ``ordered`` items weighted WLSMV: each group's thresholds,
        polychoric correlations and Gamma from its weighted answers (its N the sum of its
        weights; :mod:`csi_model.sem.ordinal_groups`), as lavaan's ``sampling.weights`` with
        ``ordered`` and ``group``. The modification indices and score tests of a weighted
        fit are lavaan's (the ordinary score tests on the weighted moments or the weighted
        FIML likelihood, see :meth:`MultiGroupResult.modification_indices`); they are
        refused for ordered items, weighted or not.

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
    spec = _multigroup_spec(spec)
    from ._wgroups import check_weights_groups
    weights = check_weights_groups(weights, spec, by, ordered=ordered, missing=missing,
                                   func="fit_multigroup")
    if weights is not None and estimator in ("MLR", "mlr") and ordered in (None, False):
        estimator = None                     # with sampling weights ML is MLR (lavaan)
    if ordered is not None and ordered is not False:
        from .ordinal_groups import fit_multigroup_ordered
        refuse_constraints(spec, "a multi-group fit with ordered items")
        if partial:
            raise ValueError("With ordered items, fit_multigroup does not support 'partial' "
                             "(partial invariance) yet.")
        return fit_multigroup_ordered(spec, data, by=by, equal=equal, ordered=ordered,
                                      estimator=estimator, level=level, missing=missing,
                                      weights=weights)
    if estimator not in (None, "ML"):
        raise ValueError(f"The 'estimator' parameter of fit_multigroup is 'ML' for continuous "
                         f"items (WLSMV with ordered=...). Got {estimator!r} instead.")
    bad = [e for e in equal if e not in EQUALITY_TYPES]
    if bad:
        raise ValueError(f"The 'equal' parameter of fit_multigroup must contain only "
                         f"{{{', '.join(EQUALITY_TYPES)}}}. Got {bad!r} instead.")
    missing = _check_missing(missing, "fit_multigroup")
    survey, groups, Xs, dropped = _group_data(spec, data, by, "data", missing)
    return _fit_joint(spec, by, groups, Xs, dropped, tuple(equal), tuple(partial), level,
                      missing=missing,
                      sampling_weights=_sampling_weights(survey, spec, by, groups, weights,
                                                         missing))


def _sampling_weights(survey, spec, by, groups, weights, missing: str = "listwise"):
    """(column, weights of each group's rows) for :func:`_fit_joint`, or None."""
    if weights is None:
        return None
    from ._wgroups import group_weights
    return weights, group_weights(survey, spec, by, groups, weights, missing)


def _multigroup_spec(spec: ModelSpec | str) -> ModelSpec:
    """The model of a multi-group fit, refused if it has what multi-group ML lacks."""
    spec = spec if isinstance(spec, ModelSpec) else load_model(spec)
    spec.check_composite_identification()     # '==' across groups: _fit_joint (linear only)
    return spec


def _check_missing(missing, where: str) -> str:
    from ..survey.missing import resolve_missing
    return resolve_missing(missing, "cbsem", where)


def _free_per_group(jm: _JointModel) -> list[int]:
    """Free parameters with an entry in each group (lavaan's count: fixed.x rows left out)."""
    t = jm.table
    group, free = t["group"].to_numpy(), t["free"].to_numpy()
    counted = (free > 0) & (t["exo"].to_numpy() == 0)
    return [len(np.unique(free[counted & (group == g)])) for g in pd.unique(group)]


def _check_group_covariance(spec: ModelSpec, by: str, gname: str, X: np.ndarray) -> None:
    """Refuse a group whose sample covariance matrix is singular (ML needs it invertible)."""
    n, p = X.shape
    if n > p:
        S = np.cov(X, rowvar=False, bias=True)
        ev = np.linalg.eigvalsh(S / np.sqrt(np.outer(np.diag(S), np.diag(S))))
        if ev[0] > 1e-10:
            return
        why = ("some model variables are exact linear combinations of others in this group "
               "(e.g. a total score next to its items, or items that are copies)")
    else:
        why = f"it has {n} complete respondents for {p} model variables (it needs more than {p})"
    raise EstimationError(f"Group {by} = {gname}: the sample covariance matrix of the model "
                          f"variables is singular: {why}, so the group cannot be fitted by "
                          "maximum likelihood. Merge the group with another, drop it, or drop "
                          "the redundant variables.")


def _fit_joint(spec, by, groups, Xs, dropped, equal, partial, level=0.95,
               warm: "MultiGroupResult | None" = None, missing: str = "listwise",
               screening: bool = False, sampling_weights=None) -> MultiGroupResult:
    """Fit the joint model to grouped data (complete, or FIML); ``warm`` gives start values.

    ``screening``: a fit whose chi-square only ranks candidates (the release tests of
    :func:`invariance`): no polishing, no standardized solutions, R² or ':=' rows."""
    jm = _joint_model(spec, groups, equal, partial)
    lin = multigroup_equalities(spec, jm.table, jm.n_params, missing=missing)
    known = {_param_name(*r) for r in zip(jm.table.lhs, jm.table.op, jm.table.rhs)}
    unknown = [p for p in partial if p not in known]
    if unknown:
        raise ValueError(f"The 'partial' parameter of fit_multigroup names unknown parameters "
                         f"{unknown!r}; write them like 'QUAL=~QUAL3' or 'QUAL3~1'.")
    ns = [len(X) for X in Xs]
    notes: list[str] = []
    if missing == "listwise":
        for gname, X in zip(groups, Xs):
            _check_group_covariance(spec, by, gname, X)
    for gname, n_g, q_g in zip(groups, ns, _free_per_group(jm)):
        if n_g < q_g:
            notes.append(f"Group {by} = {gname} has {n_g} respondents, fewer than the {q_g} free "
                         "parameters of the model in that group: its estimates rest on few "
                         "cases (lavaan fits them too); read them with caution, or hold more "
                         "parameters equal across groups.")
            warnings.warn(notes[-1], CSIModelWarning, stacklevel=3)
    single = sorted({t.label for st in spec.statements for t in st.terms
                     if t.label and t.groups is None})
    if single and not equal:
        notes.append(f"The label(s) {', '.join(single)} are single labels in a multi-group "
                     "fit: each holds its parameter equal across all the groups (as lavaan, "
                     "which warns the same). If that is not intended, give one label per group, "
                     "e.g. 'c(b1, b2)*x', or remove the label.")
        warnings.warn(notes[-1], CSIModelWarning, stacklevel=3)
    if dropped and missing == "listwise":
        notes.append(f"Listwise deletion within groups: {dropped} incomplete rows were dropped.")
    elif dropped:
        notes.append(f"{dropped} rows with no answer to any model item were dropped.")
    if missing == "fiml":
        if spec.fixed_x and spec.exogenous_observed:
            raise EstimationError(
                f"missing='fiml' in a multi-group fit of a model with observed predictors "
                f"({', '.join(spec.exogenous_observed)}) and fixed_x=True is not available "
                "yet. Use missing='listwise', or pass a model with fixed_x=False "
                "(spec.with_defaults(fixed_x=False)).")
        if sampling_weights is not None:  # weighted FIML with MLR: csi_model.sem._wgroups
            from ._wgroups import fit_joint_fiml_weighted
            return fit_joint_fiml_weighted(spec, by, groups, Xs, jm, equal, partial, level,
                                           warm, notes, sampling_weights, screening)
        return _fit_joint_fiml(spec, by, groups, Xs, jm, equal, partial, level, warm, notes)
    if sampling_weights is not None and lin is not None:
        st = spec.constraints[0]
        raise EstimationError(f"'==' constraints across groups (line {st.line}: "
                              f"'{st.text.strip()}') with sampling weights are not available "
                              "yet. Write the equality as a shared label (e.g. 'c(b, b)*x'), "
                              "which the weighted fit honours, or fit without weights=.")
    if sampling_weights is not None:      # (column, per-group weights): csi_model.sem._wgroups
        from ._wgroups import fit_joint_weighted
        return fit_joint_weighted(spec, by, groups, Xs, jm, equal, partial, level, warm, notes,
                                  sampling_weights, screening)
    moments = [est.Moments.from_data(X) for X in Xs]
    N = sum(ns)
    weights = [n / N for n in ns]
    if lin is not None:
        return _fit_joint_equalities(spec, by, groups, jm, lin, moments, ns, equal, partial,
                                     level, warm, notes, screening)
    with threadpool_limits(limits=1, user_api="blas"):
        theta, iters, ok, shared = _ml_estimate(
            jm, spec, moments, weights, lambda: est.Moments.from_data(np.vstack(Xs)), warm,
            notes, polish=not screening)
        acov = np.linalg.pinv(N * _information(jm, weights, theta, shared(theta)))
    if not ok:
        notes.append(f"The multi-group estimation did not converge in {iters} iterations.")
        warnings.warn(notes[-1], ConvergenceWarning, stacklevel=3)
    acov = _fix_exogenous(jm, acov)
    measures = _fit_measures(jm, theta, moments, ns, spec)
    return _result(spec, by, groups, equal, partial, ns, jm, theta, acov, level, measures,
                   notes, ok, tuple(moments), screening)


def _result(spec, by, groups, equal, partial, ns, jm, theta, acov, level, measures, notes,
            ok, moments=None, screening: bool = False) -> MultiGroupResult:
    """Estimates (with the standardized values and ':=' rows), std.all solution and R²."""
    if screening:
        return MultiGroupResult(spec, by, tuple(groups), tuple(equal), tuple(partial),
                                tuple(ns), _estimates(jm, theta, acov, level), measures,
                                tuple(notes), bool(ok), theta, acov, jm.table, None, None,
                                level, moments, "listwise" if moments is not None else "fiml")
    estimates = _estimates(jm, theta, acov, level, spec)
    defined = _defined(spec, jm, theta, acov, level)
    if len(defined):
        estimates = pd.concat([estimates, defined], ignore_index=True)
        bad = defined[~np.isfinite(defined["est"])]
        for r in bad.itertuples():
            notes.append(f"The defined parameter {r.lhs} := {r.rhs} is not a finite number at "
                         "the estimates: check the expression (a log or sqrt of a negative "
                         "value, a division by zero).")
    std = _standardized(spec, jm, theta, acov, level, "std.all")
    return MultiGroupResult(spec, by, tuple(groups), tuple(equal), tuple(partial), tuple(ns),
                            estimates, measures, tuple(notes), bool(ok), theta, acov, jm.table,
                            std, _r2(spec, jm, theta), level, moments,
                            "listwise" if moments is not None else "fiml")


def _ml_estimate(jm, spec, moments, weights, pooled, warm, notes, polish: bool):
    """The joint ML estimate on the groups' ``moments`` (``weights``: each group's share of
    N): Fisher scoring from the start values (of ``pooled()``, the pooled moments) or from
    ``warm``, polished if asked. Returns ``(theta, iterations, converged, shared)``."""
    theta0 = (_start(jm, spec, moments, pooled(), notes) if warm is None
              else _warm_start(jm, warm))
    shared = _SharedDerivatives(jm)
    f = lambda t: _objective(jm, moments, weights, t)                      # noqa: E731
    g = lambda t: _gradient(jm, moments, weights, t, shared(t))            # noqa: E731
    h = lambda t: 2 * _information(jm, weights, t, shared(t))              # noqa: E731
    theta, iters, ok = est.fisher_scoring(f, g, h, theta0)
    if ok and polish:
        theta = est.polish(f, g, h, theta)
    return theta, iters, ok, shared


def _fit_joint_equalities(spec, by, groups, jm, lin, moments, ns, equal, partial, level, warm,
                          notes, screening) -> MultiGroupResult:
    """The joint ML fit under linear '==' constraints: Fisher scoring on the free coordinates
    z of ``theta = t0 + K z`` (:class:`~csi_model.sem.constraints.LinearEqualities`), SEs
    ``K (K' N I K)^-1 K'``, each equality one more df and one parameter fewer (lavaan)."""
    N = sum(ns)
    weights = [n / N for n in ns]
    K = lin.K
    with threadpool_limits(limits=1, user_api="blas"):
        if warm is None:
            theta0 = _start(jm, spec, moments, _pooled_moments(moments), notes)
        else:
            theta0 = _warm_start(jm, warm)
        shared = _SharedDerivatives(jm)
        f = lambda z: _objective(jm, moments, weights, lin.theta(z))  # noqa: E731
        g = lambda z: K.T @ _gradient(jm, moments, weights, lin.theta(z),  # noqa: E731
                                      shared(lin.theta(z)))
        h = lambda z: K.T @ (2 * _information(jm, weights, lin.theta(z),  # noqa: E731
                                              shared(lin.theta(z)))) @ K
        z, iters, ok = est.fisher_scoring(f, g, h, lin.z(theta0))
        if ok and not screening:
            z = est.polish(f, g, h, z)
        theta = lin.theta(z)
        acov = lin.acov(N * _information(jm, weights, theta, shared(theta)))
    if not ok:
        notes.append(f"The multi-group estimation did not converge in {iters} iterations.")
        warnings.warn(notes[-1], ConvergenceWarning, stacklevel=4)
    acov = _fix_exogenous(jm, acov)
    measures = _fit_measures(jm, theta, moments, ns, spec, n_eq=lin.n_eq)
    return _result(spec, by, groups, equal, partial, ns, jm, theta, acov, level, measures,
                   notes, ok, tuple(moments), screening)


def _pooled_moments(moments) -> est.Moments:
    """The moments of the pooled groups (for the start values) from each group's moments."""
    n = sum(m.n for m in moments)
    mean = sum(m.n * m.mean for m in moments) / n
    cov = sum(m.n * (m.cov + np.outer(m.mean - mean, m.mean - mean)) for m in moments) / n
    return est.Moments(n, cov, mean)


def _fit_joint_fiml(spec, by, groups, Xs, jm, equal, partial, level, warm, notes):
    """The joint model by FIML: each group's missing-data likelihood, one parameter vector.

    SEs from the observed information of the sum of the groups' log-likelihoods, as
    lavaan's ``missing = "ml"`` (see :func:`_fiml_estimate`).
    """
    datas = [fiml.MissingData(X) for X in Xs]
    h1 = [fiml.em_saturated(d) for d in datas]
    ns = [d.n for d in datas]
    with threadpool_limits(limits=1, user_api="blas"):
        theta, iters, ok = _fiml_estimate(jm, spec, datas, h1, warm, notes)
        hessian = sum(n * fiml.observed_information(m, theta, d)
                      for n, m, d in zip(ns, jm.models, datas))
        acov = np.linalg.pinv(hessian)
    if not ok:
        notes.append(f"The multi-group estimation did not converge in {iters} iterations.")
        warnings.warn(notes[-1], ConvergenceWarning, stacklevel=4)
    measures = _fit_measures_fiml(jm, theta, datas, h1)
    return replace(_result(spec, by, groups, equal, partial, ns, jm, theta, acov, level,
                           measures, notes, ok), fiml_data=tuple(datas))


def _fiml_estimate(jm, spec, datas, h1, warm, notes):
    """The joint FIML estimate: ``(theta, iterations, converged)``.

    Starts from the joint ML fit of the groups' EM moments, then takes Fisher-scoring steps
    with the complete-data expected information as the metric (it bounds the FIML
    information, so steps are conservative). The objective is ``-2 sum_g loglik_g / N``;
    with sampling weights (``MissingData.weights``) the log-likelihoods are weighted and a
    group's N is the sum of its weights.
    """
    ns = [float(d.w.sum()) for d in datas]
    N = sum(ns)
    weights = [n / N for n in ns]
    rows = [d.n / N for d in datas]       # BatchFIML's objective is -loglik / (rows)
    moments = [est.Moments(n, S, mu) for n, (S, mu, _, _) in zip(ns, h1)]
    engines = [fiml.BatchFIML(m, d) for m, d in zip(jm.models, datas)]

    def both(theta):
        F, g = 0.0, np.zeros_like(theta)
        for r, e in zip(rows, engines):
            Fg, gg = e.evaluate(theta[None])
            F, g = F + 2 * r * Fg[0], g + 2 * r * gg[0]
        return F, g

    if warm is None:
        w_all = (None if datas[0].weights is None
                 else np.concatenate([d.weights for d in datas]))
        pooled = fiml.em_saturated(fiml.MissingData(np.vstack([d.X for d in datas]), w_all))
        theta0 = _start(jm, spec, moments, est.Moments(N, pooled[0], pooled[1]), notes)
    else:
        theta0 = _warm_start(jm, warm)
    shared = _SharedDerivatives(jm)
    theta0, _, _ = est.fisher_scoring(
        lambda t: _objective(jm, moments, weights, t),
        lambda t: _gradient(jm, moments, weights, t, shared(t)),
        lambda t: 2 * _information(jm, weights, t, shared(t)), theta0)
    last = {}

    def both_once(theta):        # the objective and then the gradient at one theta
        if "theta" not in last or not np.array_equal(last["theta"], theta):
            last.update(theta=np.array(theta, dtype=float), value=both(theta))
        return last["value"]

    return est.fisher_scoring(
        lambda t: both_once(t)[0], lambda t: both_once(t)[1],
        lambda t: 2 * _information(jm, weights, t, shared(t)), theta0, max_iter=2000)


def _fit_measures_fiml(jm: _JointModel, theta, datas, h1) -> pd.Series:
    """lavaan's fit measures of a multi-group FIML fit (chi-square against the groups' EM h1;
    with sampling weights the weighted log-likelihoods and a group's N the sum of its
    weights)."""
    G, p, q = len(datas), jm.models[0].p, jm.n_params
    ns = [float(d.w.sum()) for d in datas]
    N = sum(ns)
    logl = logl_h1 = logl0 = srmr = 0.0
    for m, d, n, (S_em, mu_em, ll_h1, _) in zip(jm.models, datas, ns, h1):
        Sigma, mu = m.implied(theta)
        logl += fiml.loglik(Sigma, mu, d)
        logl_h1 += ll_h1
        # independence model: each variable's own (weighted) mean and variance
        _, var = fiml.observed_moments(d)
        answered = d.w @ d.observed_f
        logl0 += float(np.sum(-0.5 * answered * (est.LOG2PI + np.log(var) + 1.0)))
        srmr += n / N * fi.srmr(S_em, Sigma, mu_em, mu)
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
    e, t = previous.estimates, jm.table
    key = ("group", "lhs", "op", "rhs")
    values = dict(zip(zip(*(e[k].tolist() for k in key)), e["est"].tolist()))
    theta = np.zeros(jm.n_params)
    for free, *row in zip(t["free"].tolist(), *(t[k].tolist() for k in key)):
        if free > 0:
            theta[free - 1] = values.get(tuple(row), 0.0)
    return theta


def _estimates(jm: _JointModel, theta, acov, level, spec: ModelSpec | None = None) -> pd.DataFrame:
    """lavaan's ``parameterEstimates`` with ``group``, ``label`` and the standardized values
    (``std.all, std.lv, std.nox``); fixed.x rows are reported as fixed (se 0), as lavaan."""
    t = jm.table
    free = t["free"].to_numpy()
    est_ = t["ustart"].to_numpy(dtype=float).copy()
    est_[free > 0] = theta[free[free > 0] - 1]
    se = np.zeros(len(t))
    se[free > 0] = np.sqrt(np.clip(np.diag(acov)[free[free > 0] - 1], 0, None))
    estimated = (free > 0) & (t["exo"].to_numpy() == 0)
    se[~estimated] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(estimated, est_ / se, np.nan)
    zc = stats.norm.ppf(0.5 + level / 2)
    out = pd.DataFrame({"group": t["group"], "lhs": t["lhs"], "op": t["op"], "rhs": t["rhs"],
                        "label": t["label"], "free": free, "est": est_, "se": se, "z": z,
                        "pvalue": 2 * stats.norm.sf(np.abs(z)),
                        "ci.lower": est_ - zc * se, "ci.upper": est_ + zc * se})
    if spec is not None:
        ov_x = spec.exogenous_observed
        for kind in STD_TYPES:
            out[kind] = np.concatenate([_std_values(m, theta, _std_plan(m, kind, ov_x))
                                        for m in jm.models])
    return out


def _std_rows(jm: _JointModel, theta, kind: str, ov_x) -> np.ndarray:
    """The standardized value of every row of the joint table (groups stacked)."""
    return np.concatenate([_std_values(m, theta, _std_plan(m, kind, ov_x)) for m in jm.models])


def _defined(spec: ModelSpec, jm: _JointModel, theta, acov, level) -> pd.DataFrame:
    """The ``:=`` rows of a multi-group fit (lavaan: group 0), delta-method SEs.

    A label names one parameter (a ``c(...)`` entry names it in its group; a single label
    holds in every group), so ``d := b1 - b2`` compares two groups' paths."""
    if not spec.defined_parameters:
        return pd.DataFrame()
    values = DefinedValues(spec, jm.table)
    est_ = values(theta)
    se = _se_from_cov(values.jacobian(theta), acov)
    z, p, lo, hi = _wald(est_, se, level)
    rows = pd.DataFrame({"group": "", "lhs": values.names, "op": ":=",
                         "rhs": [d.rhs for d in values.params], "label": values.names,
                         "free": 0, "est": est_, "se": se, "z": z, "pvalue": p,
                         "ci.lower": lo, "ci.upper": hi})
    ov_x = spec.exogenous_observed
    for kind in STD_TYPES:
        rows[kind] = values.from_rows(_std_rows(jm, theta, kind, ov_x))
    return rows


def _standardized(spec: ModelSpec, jm: _JointModel, theta, acov, level, kind: str) -> pd.DataFrame:
    """lavaan's ``standardizedSolution(fit, type = kind)`` of a multi-group fit."""
    ov_x = spec.exogenous_observed
    parts = []
    for g, m in zip(pd.unique(jm.table.group), jm.models):
        part = standardize(m, theta, acov, level, type=kind, ov_x=ov_x)
        part.insert(0, "group", g)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    if spec.defined_parameters:
        from .effects import _jacobian
        values = DefinedValues(spec, jm.table)
        f = lambda t: values.from_rows(_std_rows(jm, t, kind, ov_x))  # noqa: E731
        est_ = f(theta)
        se = _se_from_cov(np.nan_to_num(_jacobian(f, theta)), acov)
        z, p, lo, hi = _wald(est_, se, level)
        out = pd.concat([out, pd.DataFrame({
            "group": "", "lhs": values.names, "op": ":=", "rhs": [d.rhs for d in values.params],
            "est.std": est_, "se": se, "z": z, "pvalue": p, "ci.lower": lo, "ci.upper": hi})],
            ignore_index=True)
    return out


def _r2(spec: ModelSpec, jm: _JointModel, theta) -> pd.Series:
    """R² of every endogenous variable in every group: a Series indexed by (group, variable)."""
    from .fitting import _r_squared
    parts = {g: _r_squared(m, theta, spec) for g, m in zip(pd.unique(jm.table.group), jm.models)}
    out = pd.concat(parts, names=["group", "variable"])
    out.name = "r2"
    return out


def _fix_exogenous(jm: _JointModel, acov: np.ndarray) -> np.ndarray:
    """Zero the rows and columns of the fixed.x parameters (lavaan: fixed, se 0); the
    information is block diagonal in them, so no other SE changes."""
    t = jm.table
    idx = np.unique(t[(t.free > 0) & (t.exo == 1)]["free"].to_numpy()) - 1
    if not len(idx):
        return acov
    out = acov.copy()
    out[idx, :] = 0.0
    out[:, idx] = 0.0
    return out


def _n_exo_params(jm: _JointModel) -> int:
    """Free parameters of the fixed.x rows (the predictors' sample moments, not counted)."""
    t = jm.table
    return int(t[(t.free > 0) & (t.exo == 1)]["free"].nunique())


def _fit_measures(jm: _JointModel, theta, moments, ns, spec: ModelSpec,
                  n_eq: int = 0) -> pd.Series:
    """lavaan's fit measures of a multi-group ML fit; with observed predictors (fixed.x) the
    log-likelihood is the outcomes' given the predictors, and npar leaves their moments out.
    ``n_eq`` equality constraints ('==') add to df and are subtracted from npar (lavaan)."""
    G, p, q = len(ns), jm.models[0].p, jm.n_params - n_eq
    N = sum(ns)
    exo_idx = [spec.observed.index(v) for v in spec.exogenous_observed] if spec.fixed_x else []
    k = len(exo_idx)
    npar = q - _n_exo_params(jm)
    chisq = sum(n * est.ml_objective(m, theta, mom) for m, mom, n in zip(jm.models, moments, ns))
    df = G * (p * (p + 1) // 2 + p) - q
    chisq0 = sum(fi.baseline_chisq_complete(mom.cov, n, exo_idx)[0]
                 for mom, n in zip(moments, ns))
    df0 = G * (p * (p - 1) // 2 - k * (k - 1) // 2)
    logl = 0.0
    srmr = 0.0
    for m, mom, n in zip(jm.models, moments, ns):
        Sigma, mu = m.implied(theta)
        V = np.linalg.inv(Sigma)
        d = mom.mean - mu
        logl += -0.5 * n * (p * est.LOG2PI + np.linalg.slogdet(Sigma)[1] + np.sum(V * mom.cov) + d @ V @ d)
        if k:
            Sx = mom.cov[np.ix_(exo_idx, exo_idx)]
            logl -= -0.5 * n * (k * est.LOG2PI + np.linalg.slogdet(Sx)[1] + k)
        srmr += n / N * fi.srmr(mom.cov, Sigma, mom.mean, mu)
    lo, hi = fi.rmsea_ci(chisq, df, N, n_groups=G)
    out = {"npar": npar, "nobs": N, "chisq": chisq, "df": df,
           "pvalue": fi.chisq_pvalue(chisq, df) if df > 0 else np.nan,
           "baseline.chisq": chisq0, "baseline.df": df0,
           "cfi": fi.cfi(chisq, df, chisq0, df0), "tli": fi.tli(chisq, df, chisq0, df0),
           "nfi": fi.nfi(chisq, chisq0), "rmsea": fi.rmsea(chisq, df, N, n_groups=G),
           "rmsea.ci.lower": lo, "rmsea.ci.upper": hi, "srmr": srmr, "logl": logl,
           "aic": fi.aic(logl, npar), "bic": fi.bic(logl, npar, N)}
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
        weighted = "chisq.scaled" in self.ladder.columns
        if weighted:
            cols = ["chisq", "chisq.scaled", "df", "cfi.robust", "tli.robust", "rmsea.robust",
                    "srmr", *cols[6:]]
        tables = [("Invariance ladder", self.ladder[cols].round(4))]
        if len(self.suggestions):
            tables.append(("Parameters to free for partial invariance (largest LR first)",
                           self.suggestions.head(10).round(4)))
        notes = (f"Decisions: the step holds when CFI drops by less than {-DELTA_CFI:.3f} "
                 f"(Cheung & Rensvold 2002) and RMSEA rises by less than {DELTA_RMSEA:.3f} "
                 "(Chen 2007); the chi-square difference test is shown beside them.",)
        if weighted:
            notes = (f"Sampling weights: decisions by the robust CFI and RMSEA (the step "
                     f"holds when the robust CFI drops by less than {-DELTA_CFI:.3f} and the "
                     f"robust RMSEA rises by less than {DELTA_RMSEA:.3f}); chisq.diff is "
                     "lavaan's scaled difference test for MLR (Satorra & Bentler 2001).",)
            notes += tuple(_undefined_sb2001(self.ladder))
        return Summary(f"Measurement invariance across {self.by}", [], tables, notes)

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def _sb2001_message(step: str, previous: str) -> str:
    return (f"The Satorra-Bentler (2001) scaled difference of '{step}' against "
            f"'{previous}' is undefined (its scaling factor is negative; lavaan warns the "
            "same): judge that step by the robust CFI and RMSEA changes.")


def _undefined_sb2001(ladder: pd.DataFrame) -> list[str]:
    steps = list(ladder.index)
    return [_sb2001_message(s, steps[i - 1]) for i, s in enumerate(steps)
            if i and ladder.loc[s, "df.diff"] > 0 and np.isnan(ladder.loc[s, "chisq.diff"])]


def invariance(spec: ModelSpec | str, data, *, by: str,
               steps: Sequence[str] = ("configural", "metric", "scalar", "strict"),
               partial: Sequence[str] = (), suggest: bool = True,
               missing: str = "listwise", ordered=None,
               estimator: str | None = None, weights: str | None = None) -> InvarianceResult:
    """Fit the invariance ladder (configural, metric, scalar, strict) and test each step.

    Each step adds equality constraints to the one before. The table gives chisq, df,
    CFI, TLI, RMSEA, SRMR, the chi-square difference (likelihood-ratio) test against the
    previous step, the changes in CFI and RMSEA and a decision by the cut-offs of
    Cheung & Rensvold (2002) and Chen (2007). For the first step that fails, each of its
    new constraints is released in turn and ranked by the drop in chi-square (an LR test
    of that single constraint, asymptotically the score test lavaan's ``lavTestScore`` uses).
    ``missing="fiml"`` fits every step by FIML (see :func:`fit_multigroup`).
    ``ordered=True`` (ordered items): the Wu & Estabrook (2016) ladder ``configural,
    thresholds, loadings, intercepts`` by WLSMV with lavaan's scaled-shifted difference tests
    (:func:`csi_model.sem.ordinal_groups.invariance_ordered`).
    ``weights="COLUMN"`` (sampling weights, see :func:`fit_multigroup`): every step is
    weighted ML with robust SEs; the ladder adds the scaled and robust measures, ``chisq.diff``
    is lavaan's ``lavTestLRT`` for MLR, the Satorra-Bentler (2001) scaled difference, and
    the decisions use the robust CFI and RMSEA (Brosseau-Liard & Savalei); with
    ``missing="fiml"`` every step is weighted FIML, as lavaan's ``missing = "ml"``; with
    ``ordered`` items the Wu & Estabrook ladder by weighted WLSMV.

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
    spec = _multigroup_spec(spec)
    from ._wgroups import check_weights_groups
    weights = check_weights_groups(weights, spec, by, ordered=ordered, missing=missing,
                                   func="invariance")
    if weights is not None and estimator in ("MLR", "mlr") and ordered in (None, False):
        estimator = None                     # with sampling weights ML is MLR (lavaan)
    if ordered is not None and ordered is not False:
        from .ordinal_groups import ORDINAL_STEPS, invariance_ordered
        if partial:
            raise ValueError("With ordered items, invariance does not support 'partial' "
                             "(partial invariance) yet.")
        if tuple(steps) == ("configural", "metric", "scalar", "strict"):
            steps = tuple(ORDINAL_STEPS)                 # the default ladder, for ordered items
        return invariance_ordered(spec, data, by=by, steps=steps, ordered=ordered,
                                  estimator=estimator, missing=missing, weights=weights)
    bad = [s for s in steps if s not in STEPS]
    if bad:
        raise ValueError(f"The 'steps' parameter of invariance must contain only "
                         f"{{{', '.join(STEPS)}}}. Got {bad!r} instead.")
    missing = _check_missing(missing, "invariance")
    survey, groups, Xs, dropped = _group_data(spec, data, by, "data", missing)
    sw = _sampling_weights(survey, spec, by, groups, weights, missing)
    fits, warm = {}, None
    for s in steps:
        warm = fits[s] = _fit_joint(spec, by, groups, Xs, dropped, STEPS[s], tuple(partial),
                                    warm=warm, missing=missing, sampling_weights=sw)
    rows = []
    prev = None
    keys = ("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic", "npar")
    if sw is not None:
        keys += WEIGHTED_LADDER_KEYS
    cfi_key, rmsea_key = ("cfi.robust", "rmsea.robust") if sw is not None else ("cfi", "rmsea")
    for s in steps:
        fm = fits[s].fit_measures
        row = {"step": s, **{k: fm[k] for k in keys}}
        if prev is not None:
            pm = fits[prev].fit_measures
            dchi, ddf = fm["chisq"] - pm["chisq"], fm["df"] - pm["df"]
            pdiff = float(stats.chi2.sf(dchi, ddf)) if ddf > 0 else np.nan
            if sw is not None:                   # lavTestLRT for MLR: Satorra-Bentler 2001
                from ._wgroups import sb2001_difference
                d = sb2001_difference(fits[prev], fits[s])
                dchi, ddf, pdiff = d["chisq.diff"], d["df.diff"], d["pvalue"]
                if ddf > 0 and np.isnan(dchi):
                    warnings.warn(_sb2001_message(s, prev), CSIModelWarning, stacklevel=2)
            row.update({"chisq.diff": dchi, "df.diff": ddf, "pvalue.diff": pdiff,
                        "cfi.diff": fm[cfi_key] - pm[cfi_key],
                        "rmsea.diff": fm[rmsea_key] - pm[rmsea_key]})
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
                                         fits, partial, missing, sampling_weights=sw)
    return InvarianceResult(ladder, fits, suggestions, by)


def _release_tests(spec, grouped, by, steps, step, fits, partial,
                   missing: str = "listwise", sampling_weights=None) -> pd.DataFrame:
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
                               warm=constrained, missing=missing, screening=True,
                               sampling_weights=sampling_weights)
        d = base_chisq - freed.fit_measures["chisq"]
        ddf = constrained.fit_measures["df"] - freed.fit_measures["df"]
        if sampling_weights is not None:     # the scaled (Satorra-Bentler 2001) difference
            from ._wgroups import sb2001_difference
            d = sb2001_difference(freed, constrained)["chisq.diff"]
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


# ------------------------------------------------------------------ latent means
def latent_means(result: MultiGroupResult, *, reference: str | None = None,
                 level: float = 0.95) -> pd.DataFrame:
    """Latent mean differences between groups, from a scalar-invariance fit.

    With equal loadings and intercepts (``equal=["loadings", "intercepts"]``, lavaan's
    ``group.equal = c("loadings", "intercepts")``) the latent means are fixed at 0 in the
    first group and free in the others, so each is the difference from the first group.

    Parameters
    ----------
    result : MultiGroupResult
        A fit with ``"intercepts"`` (and not ``"means"``) in ``equal``.
    reference : str, optional
        The group the others are compared with (default: the first, lavaan's group 1).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        One row per latent and group other than the reference: ``latent, group, reference,
        kind, est, se, z, pvalue, ci.lower, ci.upper`` - the difference of lavaan's ``~1``
        parameter (``kind`` "mean" for an exogenous latent, "intercept" for an endogenous one,
        whose ``~1`` is the mean left after its predictors) - then ``implied, implied.se,
        implied.z, implied.pvalue``: the difference of the model-implied latent means (the
        same as ``est`` for exogenous latents), with delta-method standard errors.

    Examples
    --------
    >>> import csi_model as cm
    >>> spec = cm.ModelSpec.from_syntax("SAT =~ SAT1 + SAT2 + SAT3\\nLOY =~ LOY1 + LOY2 + LOY3\\n"
    ...                                 "LOY ~ SAT")
    >>> data = cm.make_demo_survey()
    >>> survey = cm.read_survey(data, items=spec.observed, missing_codes=[99])
    >>> res = cm.fit_multigroup(spec, survey, by="wave", equal=["loadings", "intercepts"])
    >>> lm = latent_means(res)
    >>> lm[["latent", "group", "reference", "kind"]].to_numpy().tolist()
    [['SAT', '2026', '2025', 'mean'], ['LOY', '2026', '2025', 'intercept']]
    """
    if "intercepts" not in result.equal or "means" in result.equal:
        raise ValueError(
            "Latent means can be compared only in a scalar-invariance model: fit with "
            "equal=['loadings', 'intercepts'] (and without 'means'); this fit has equal="
            f"{list(result.equal)!r}, where the latent means are "
            + ("held equal." if "means" in result.equal else "fixed at 0 in every group."))
    if not 0 < level < 1:
        raise ValueError(f"The 'level' parameter of latent_means must be in (0, 1). "
                         f"Got {level!r} instead.")
    groups = list(result.groups)
    reference = groups[0] if reference is None else reference
    if reference not in groups:
        raise ValueError(f"The 'reference' parameter of latent_means must be one of {groups}. "
                         f"Got {reference!r} instead.")
    spec = result.spec
    jm = _joint_model(spec, groups, result.equal, result.partial)
    latents = list(spec.latents)
    endogenous = set(spec.endogenous_latents)
    theta = np.asarray(result.theta, dtype=float)
    acov = np.asarray(result.acov, dtype=float)
    p = jm.models[0].p

    def implied(t):          # (groups, latents): the model-implied latent means
        return np.array([m.parts(t)[2][p:] for m in jm.models])

    base = implied(theta)
    h = 1e-6 * np.maximum(1.0, np.abs(theta))
    J = np.empty((len(groups), len(latents), theta.size))
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = h[k]
        J[:, :, k] = (implied(theta + e) - implied(theta - e)) / (2 * h[k])
    t = jm.table
    r = groups.index(reference)
    zc = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for g, gname in enumerate(groups):
        if g == r:
            continue
        for j, lv in enumerate(latents):
            def param(group):
                row = t[(t.group == group) & (t.lhs == lv) & (t.op == "~1")].iloc[0]
                return int(row.free), (theta[row.free - 1] if row.free > 0 else row.ustart)
            (fg, vg), (fr, vr) = param(gname), param(reference)
            a = np.zeros(theta.size)
            if fg > 0:
                a[fg - 1] += 1.0
            if fr > 0:
                a[fr - 1] -= 1.0
            var = float(a @ acov @ a)
            d = J[g, j] - J[r, j]
            ivar = float(d @ acov @ d)
            est_, imp = float(vg - vr), float(base[g, j] - base[r, j])
            # a difference fixed by the model (both means fixed): se 0, no test (as lavaan's
            # fixed parameters); a free one with no variance (unidentified): NaN
            se = np.sqrt(var) if var > 0 else (0.0 if not a.any() else np.nan)
            ise = np.sqrt(ivar) if ivar > 0 else (0.0 if not d.any() else np.nan)
            with np.errstate(divide="ignore", invalid="ignore"):
                z = est_ / se if se > 0 else np.nan
                iz = imp / ise if ise > 0 else np.nan
            rows.append({"latent": lv, "group": gname, "reference": reference,
                         "kind": "intercept" if lv in endogenous else "mean",
                         "est": est_, "se": se, "z": z, "pvalue": 2 * stats.norm.sf(abs(z)),
                         "ci.lower": est_ - zc * se, "ci.upper": est_ + zc * se,
                         "implied": imp, "implied.se": ise, "implied.z": iz,
                         "implied.pvalue": 2 * stats.norm.sf(abs(iz))})
    return pd.DataFrame(rows)
