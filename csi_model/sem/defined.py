"""Defined parameters (``name := expression``) of a CB-SEM fit, as lavaan computes them.

The expressions are parsed and checked with the model (:mod:`csi_model.model.expression`);
here they are evaluated on the estimates and given standard errors:

* **estimate**: the expression at the free-parameter estimates (a label shared by
  several parameters - an equality constraint - is their one common value);
* **delta method** (ML, MLR, FIML): ``se = sqrt(diag(J V J'))`` with J the exact
  Jacobian of the expressions with respect to the free parameters (forward-mode
  differentiation of the expression) and V the parameter covariance matrix of the
  fit (expected information for ML, observed for FIML, the sandwich for MLR), as
  lavaan's ``lav_model_vcov_se``;
* **bootstrap** (``fit(..., bootstrap=B, seed=S)``): the expressions evaluated on every
  successful resample's parameters; the SE is the standard deviation of those values
  with divisor B - 1 (lavaan 0.6-14 uses ``cov()`` for the defined parameters, while
  the free parameters' bootstrap SEs have divisor B), and the intervals are
  percentile intervals (or BCa, :meth:`SEMResult.defined_parameters`) of the same values;
* **std.all**: the expression evaluated at the completely standardized values of the
  parameters it uses (for a shared label: of the first parameter carrying it), as
  lavaan's ``standardizedSolution()``, with a delta-method SE.

A label used in ``:=`` must belong to a free parameter (lavaan: "non-free parameter(s)
in variable definition(s)"). In R: ``parameterEstimates(fit)[fit_pe$op == ":=", ]``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)

from ..exceptions import ModelSpecError
from ..model.spec import ModelSpec
from ._ram import RAMModel
from .effects import _jacobian  # the numeric Jacobian the effects use

__all__ = ["DefinedValues", "defined_rows", "defined_hypotheses", "multigroup_note"]


class DefinedValues:
    """``theta -> values of the defined parameters`` (picklable, for the bootstrap).

    Parameters
    ----------
    spec : ModelSpec
        The model (its :attr:`~csi_model.ModelSpec.defined_parameters`).
    partable : DataFrame
        The parameter table the free parameters ``theta`` belong to.

    Raises
    ------
    ModelSpecError
        A label used in ``:=`` belongs to a fixed parameter.

    Examples
    --------
    >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\nr := a/b\\ns := r^2")
    >>> values = DefinedValues(spec, spec.partable())
    >>> theta = np.array([0.5, 0.25, 1, 1, 1, 1])     # a, b, then the variances
    >>> values(theta).tolist(), values.names
    ([2.0, 4.0], ['r', 's'])
    >>> values.jacobian(theta)[:, :2].tolist()          # d/da, d/db of a/b and (a/b)^2
    [[4.0, -8.0], [16.0, -32.0]]
    """

    def __init__(self, spec: ModelSpec, partable: pd.DataFrame):
        self.params = spec.defined_parameters
        labels = partable["label"].to_numpy()
        free = partable["free"].to_numpy()
        self.free_index: dict[str, int] = {}
        self.first_row: dict[str, int] = {}
        defined_names = {d.name for d in self.params}
        for d in self.params:
            for name in d.uses:
                if name in defined_names or name in self.free_index:
                    continue
                rows = np.flatnonzero(labels == name)
                row = int(rows[0])
                if free[row] == 0:
                    r = partable.iloc[row]
                    raise ModelSpecError(
                        f"{spec.source or '<model>'}, line {d.line}: the label '{name}' in "
                        f"'{d.name} := {d.expression}' belongs to a fixed parameter "
                        f"({r['lhs']} {r['op']} {r['rhs']} = {r['ustart']:g}); a defined "
                        "parameter can use free parameters only (as lavaan). Write the "
                        "number instead of the label, or free the parameter.")
                self.free_index[name] = int(free[row]) - 1
                self.first_row[name] = row
        self.names = [d.name for d in self.params]

    def _evaluate(self, env: dict) -> list:
        out = []
        for d in self.params:
            env[d.name] = d.evaluate(env)
            out.append(env[d.name])
        return out

    def __call__(self, theta) -> np.ndarray:
        theta = np.asarray(theta, float)
        env = {name: theta[k] for name, k in self.free_index.items()}
        return np.array(self._evaluate(env), dtype=float)

    def from_rows(self, row_values) -> np.ndarray:
        """The expressions at per-row values of the parameter table (e.g. std.all)."""
        env = {name: row_values[r] for name, r in self.first_row.items()}
        return np.array(self._evaluate(env), dtype=float)

    def jacobian(self, theta) -> np.ndarray:
        """Exact Jacobian (k defined parameters x q free parameters)."""
        theta = np.asarray(theta, float)
        q = theta.size
        env = {}
        for name, k in self.free_index.items():
            g = np.zeros(q)
            g[k] = 1.0
            env[name] = (theta[k], g)
        jac = np.zeros((len(self.params), q))
        for i, d in enumerate(self.params):
            value, grad = d.gradient(env)
            env[d.name] = (value, np.broadcast_to(np.asarray(grad, float), (q,)))
            jac[i] = env[d.name][1]
        return jac


def _wald(est, se, level):
    zc = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    return z, 2 * stats.norm.sf(np.abs(z)), est - zc * se, est + zc * se


def _se_from_cov(jac: np.ndarray, acov: np.ndarray) -> np.ndarray:
    var = np.einsum("rk,kl,rl->r", jac, np.asarray(acov), jac)
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.where(var >= 0, var, np.nan))   # lavaan: a negative variance -> NA


def bootstrap_inference(values: DefinedValues, boot, level: float, method: str = "percentile"):
    """(se, ci.lower, ci.upper) of the defined parameters from a bootstrap of theta.

    The SE has divisor B - 1 (lavaan 0.6-14's ``cov()`` of the bootstrap values of ``:=``
    parameters); the interval is ``boot.transform(values).ci(level, method)``.

    >>> from csi_model.bootstrap import BootstrapResult
    >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + x3\\nd := 2*a")
    >>> reps = np.column_stack([np.arange(1.0, 6.0), np.ones((5, 5))])
    >>> boot = BootstrapResult(estimate=np.ones(6), replicates=reps, n_failed=0,
    ...                        names=tuple("abcdef"), n_cases=5)
    >>> se, lo, hi = bootstrap_inference(DefinedValues(spec, spec.partable()), boot, 0.95)
    >>> round(float(se[0]), 6) == round(2 * float(np.std(np.arange(1.0, 6.0), ddof=1)), 6)
    True
    """
    tb = boot.transform(values, names=values.names)
    good = tb.replicates[tb.ok]
    se = good.std(axis=0, ddof=1) if good.shape[0] > 1 else np.full(len(values.names), np.nan)
    ci = tb.ci(level, method)
    return se, ci["ci.lower"].to_numpy(), ci["ci.upper"].to_numpy()


def defined_rows(spec: ModelSpec, model: RAMModel, theta, acov, level: float, std_values,
                 boot=None, ci_method: str = "percentile") -> tuple[pd.DataFrame, pd.DataFrame,
                                                                     list[str]]:
    """The ``:=`` rows of the estimates and of the standardized solution, and warnings.

    ``std_values(theta)`` gives the std.all value of every parameter-table row; ``boot``
    (a bootstrap of theta) replaces the delta method. :func:`csi_model.fit` calls this;
    :meth:`~csi_model.SEMResult.defined_parameters` is the public way to get the rows.
    """
    values = DefinedValues(spec, model.partable)
    theta = np.asarray(theta, float)
    est = values(theta)
    extra_note = None
    if boot is None:
        se = _se_from_cov(values.jacobian(theta), acov)
        z, p, lo, hi = _wald(est, se, level)
    else:
        se, lo, hi = bootstrap_inference(values, boot, level, ci_method)
        z, p, _, _ = _wald(est, se, level)
        used = boot.replicates[boot.ok]
        bad = int(sum(not np.all(np.isfinite(values(t))) for t in used))
        if bad:
            extra_note = (f"Bootstrap: {bad} of {len(used)} resamples give a defined parameter "
                          "that is not a finite number (a log or sqrt of a negative value, a "
                          "division by zero); they are left out of the SEs and intervals of "
                          "the defined parameters.")
    std_est = values.from_rows(std_values(theta))
    std_jac = np.nan_to_num(_jacobian(lambda t: values.from_rows(std_values(t)), theta))
    std_se = _se_from_cov(std_jac, acov)
    sz, sp, slo, shi = _wald(std_est, std_se, level)
    base = {"lhs": values.names, "op": ":=", "rhs": [d.rhs for d in values.params]}
    rows = pd.DataFrame({**base, "label": values.names, "est": est, "se": se, "z": z,
                         "pvalue": p, "ci.lower": lo, "ci.upper": hi, "std.all": std_est})
    std = pd.DataFrame({**base, "est.std": std_est, "se": std_se, "z": sz, "pvalue": sp,
                        "ci.lower": slo, "ci.upper": shi})
    notes = [f"The defined parameter {d.name} := {d.expression} (model line {d.line}) is not a "
             f"finite number ({v}) at the estimates: check the expression (a log or sqrt of a "
             "negative value, a division by zero)." for d, v in zip(values.params, est)
             if not np.isfinite(v)]
    return rows, std, notes + ([extra_note] if extra_note else [])


def multigroup_note(spec: ModelSpec) -> str | None:
    """The warning of a multi-group fit of a model with ``:=`` lines (None without them).

    Multi-group fits do not compute defined parameters yet; their paths, fit measures and
    invariance tests do not depend on them, so the fit goes ahead and says so.

    Examples
    --------
    >>> multigroup_note(ModelSpec.from_syntax("f =~ x1 + a*x2 + x3")) is None
    True
    >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + x3\\nd := 2*a")
    >>> print(multigroup_note(spec))  # doctest: +ELLIPSIS
    <model>, line 2: the defined parameters (':=', here 'd := 2*a') are not computed in multi-group fits yet...
    """
    if not spec.defined:
        return None
    d = spec.defined[0]
    return (f"{spec.source or '<model>'}, line {d.line}: the defined parameters (':=', here "
            f"'{d.lhs} := {d.expression}') are not computed in multi-group fits yet; the "
            "paths, fit measures and invariance tests do not use them. Fit each group with "
            "csi_model.fit() on its own rows to get them per group.")


def defined_hypotheses(result, first: int, alpha: float, ci_method: str) -> pd.DataFrame:
    """The defined parameters as hypotheses H<first>, ... in the columns of ``hypotheses()``.

    Supported, as for a path, when the ``1 - alpha`` interval excludes 0 (bootstrap
    ``ci_method`` interval with a bootstrapped fit, Wald otherwise). Reached through
    ``csi_model.hypotheses(result, defined=True)``.
    """
    table = result.defined_parameters(level=1 - alpha, ci_method=ci_method)
    boot = result.bootstrap
    ci_type = "Wald" if boot is None else \
        f"bootstrap {ci_method} ({boot.B - boot.n_failed} resamples)"
    # a defined parameter states no direction: non-directional, two-sided
    rows = [{"hypothesis": f"H{first + k}", "path": f"{r['lhs']} := {r['rhs']}", "from": "",
             "to": "", "expected": "any", "est": r["est"], "std.all": r["std.all"],
             "se": r["se"], "z": r["z"], "pvalue": r["pvalue"], "ci.lower": r["ci.lower"],
             "ci.upper": r["ci.upper"], "std.ci.lower": np.nan, "std.ci.upper": np.nan,
             "ci.type": ci_type, "test": "two-sided",
             "significant": bool(r["ci.lower"] > 0 or r["ci.upper"] < 0),
             "supported": bool(r["ci.lower"] > 0 or r["ci.upper"] < 0)}
            for k, (_, r) in enumerate(table.iterrows())]
    return pd.DataFrame(rows)
