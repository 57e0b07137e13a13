"""Constraints ``==``, ``<`` and ``>`` between parameters, estimated as lavaan 0.6-14 does.

A constraint relates expressions of parameter labels (and defined parameters), e.g.
``b1 == b2``, ``a1 == 2*a2``, ``l1 + l2 + l3 == 3``, ``b < 1`` or ``a*b == c``
(:attr:`~csi_model.ModelSpec.constraint_functions` turns each into ``g(theta) == 0`` or
``g(theta) >= 0``).

* **Estimates**: the ML discrepancy is minimised subject to the constraints by SLSQP
  (:func:`scipy.optimize.minimize`), starting from the unconstrained ML solution, then
  polished by Fisher-scoring steps on the constrained (KKT) system, so that estimates
  agree with lavaan's to ~1e-6. When the unconstrained solution satisfies every
  constraint (inequalities only, none binding) it is the answer, as in lavaan.
* **Standard errors**: from lavaan's augmented information (``lav_model_vcov``): the
  inverse of ``[[I, A'], [A, 0]]``, whose upper-left block is ``K (K' I K)^-1 K'`` with
  ``A`` the Jacobian of the equality constraints and of the binding inequalities and
  ``K`` a basis of its null space. A parameter that a constraint fixes (``a > 0.7`` at
  ``a = 0.7``) has se 0 and no z, as in lavaan.
* **Degrees of freedom**: each equality constraint adds one (the rank of their Jacobian);
  inequality constraints change neither ``df`` nor ``npar``, bound or not (lavaan 0.6-14).

Linear equalities give the same estimates and SEs as a reparameterization (lavaan's
``ceq.simple``-like handling); the same label on several parameters
(``f =~ a*x1 + a*x2``) is another way to write an equality and needs none of this.
Constraints are available with ``estimator="ML"`` and complete data (listwise deletion).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import EstimationError, ModelSpecError
from ..model.spec import ModelSpec
from ..model.syntax import format_statement
from . import _estimation as est
from ._ram import RAMModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ModelConstraints", "refuse_constraints", "constraint_table", "LinearEqualities",
           "multigroup_equalities"]

_ACTIVE_TOL = 1e-6


def refuse_constraints(spec: ModelSpec, what: str) -> None:
    """Raise a clear error if ``spec`` has constraints that ``what`` cannot honour.

    Examples
    --------
    >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == b")
    >>> refuse_constraints(spec, "estimator='MLR'")
    Traceback (most recent call last):
    ...
    csi_model.exceptions.EstimationError: <model>, line 2: constraints ('a == b') are ...
    """
    if not spec.constraints:
        return
    st = spec.constraints[0]
    raise EstimationError(
        f"{spec.source or '<model>'}, line {st.line}: constraints ('{format_statement(st)}') are estimated "
        f"with estimator='ML' and complete data (listwise) only; {what} is not available with "
        "them yet. Use the ML estimator with listwise deletion, or write equality constraints "
        "as shared labels (e.g. 'f =~ x1 + a*x2 + a*x3'), which every estimator honours.")


def constraint_table(spec: ModelSpec, model: RAMModel, theta) -> "pd.DataFrame":
    """The constraints at ``theta``: ``slack`` (lhs - rhs for ``==``, the distance to the
    bound for ``<`` and ``>``, as lavaan's summary) and whether an inequality binds.

    Examples
    --------
    >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
    >>> model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
    >>> table = constraint_table(spec, model, np.array([1.0, 0.5, 1, 1, 1, 1]))
    >>> table.index.tolist(), table["slack"].tolist(), table["binds"].tolist()
    (['a == 2*b', 'b < 1'], [0.0, 0.5], [False, False])
    """
    import pandas as pd

    cons = ModelConstraints(spec, model)
    values = cons.all_values(np.asarray(theta, float))
    binds = [k == "ineq" and abs(v) <= _ACTIVE_TOL for k, v in zip(cons.kinds, values)]
    return pd.DataFrame({"slack": values, "binds": binds},
                        index=pd.Index([format_statement(st) for st in spec.constraints],
                                       name="constraint"))


class ModelConstraints:
    """The constraints of a model as functions of its free parameters.

    Parameters
    ----------
    spec : ModelSpec
        The model (its :attr:`~csi_model.ModelSpec.constraint_functions`).
    model : RAMModel
        The RAM form of its parameter table (free parameters ``theta``).

    Examples
    --------
    >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
    >>> pt = spec.partable()
    >>> cons = ModelConstraints(spec, RAMModel.from_partable(pt, spec.observed, spec.latents))
    >>> theta = np.array([1.0, 0.5, 1, 1, 1, 1])        # a, b, then the variances
    >>> cons.values(theta)
    (array([0.]), array([0.5]))
    >>> cons.n_eq, cons.linear
    (1, True)
    """

    def __init__(self, spec: ModelSpec, model: RAMModel):
        pt = model.partable
        self.spec = spec
        self.q = model.n_free
        self.kinds = [kind for kind, _ in spec.constraint_functions]
        self.functions = [g for _, g in spec.constraint_functions]
        self.lines = [st.line for st in spec.constraints]
        labels = pt["label"].to_numpy()
        free = pt["free"].to_numpy()
        self.index: dict[str, int] = {}
        used = {n for g in self.functions for n in g.uses}
        used |= {n for d in spec.defined_parameters for n in d.uses}
        defined = {d.name for d in spec.defined_parameters}
        for name in sorted(used - defined):
            rows = np.flatnonzero(labels == name)
            row = int(rows[0])
            if free[row] == 0:
                r = pt.iloc[row]
                line = next(ln for g, ln in zip(self.functions, self.lines) if name in g.uses) \
                    if any(name in g.uses for g in self.functions) else None
                raise ModelSpecError(
                    f"{spec.source or '<model>'}, line {line}: the label '{name}' in a "
                    f"constraint belongs to a fixed parameter ({r['lhs']} {r['op']} {r['rhs']} "
                    f"= {r['ustart']:g}); constraints relate free parameters only (as lavaan). "
                    "Free the parameter (e.g. 'NA*x1') or drop the constraint.")
            self.index[name] = int(free[row]) - 1
        self.eq = np.array([k == "eq" for k in self.kinds])
        generic = np.random.default_rng(2).uniform(0.2, 1.5, self.q)   # the generic rank
        self.n_eq = int(np.linalg.matrix_rank(self.jacobian(generic)[self.eq])) \
            if self.eq.any() else 0
        self.linear = self._is_linear()

    # ----------------------------------------------------------------- evaluation
    def _env(self, theta, with_gradient: bool):
        env = {}
        for name, k in self.index.items():
            if with_gradient:
                g = np.zeros(self.q)
                g[k] = 1.0
                env[name] = (float(theta[k]), g)
            else:
                env[name] = float(theta[k])
        for d in self.spec.defined_parameters:
            if with_gradient:
                v, g = d.gradient(env)
                env[d.name] = (float(v), np.broadcast_to(np.asarray(g, float), (self.q,)))
            else:
                env[d.name] = float(d.evaluate(env))
        return env

    def all_values(self, theta) -> np.ndarray:
        """g(theta) of every constraint, in model order.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
        >>> cons = ModelConstraints(spec, RAMModel.from_partable(spec.partable(), spec.observed,
        ...                                                      spec.latents))
        >>> cons.all_values(np.array([1.0, 0.5, 1, 1, 1, 1]))     # a - 2*b, 1 - b
        array([0. , 0.5])
        """
        env = self._env(np.asarray(theta, float), False)
        return np.array([float(g.evaluate(env)) for g in self.functions])

    def values(self, theta) -> tuple[np.ndarray, np.ndarray]:
        """(equality values, inequality values): feasible when ``eq == 0`` and ``ineq >= 0``.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
        >>> cons = ModelConstraints(spec, RAMModel.from_partable(spec.partable(), spec.observed,
        ...                                                      spec.latents))
        >>> cons.values(np.array([1.0, 1.5, 1, 1, 1, 1]))        # b = 1.5 breaks b < 1
        (array([-2.]), array([-0.5]))
        """
        v = self.all_values(theta)
        return v[self.eq], v[~self.eq]

    def jacobian(self, theta) -> np.ndarray:
        """The exact Jacobian of every constraint (constraints x free parameters).

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
        >>> cons = ModelConstraints(spec, RAMModel.from_partable(spec.partable(), spec.observed,
        ...                                                      spec.latents))
        >>> cons.jacobian(np.array([1.0, 0.5, 1, 1, 1, 1]))      # columns: a, b, variances
        array([[ 1., -2.,  0.,  0.,  0.,  0.],
               [ 0., -1.,  0.,  0.,  0.,  0.]])
        """
        env = self._env(np.asarray(theta, float), True)
        out = np.zeros((len(self.functions), self.q))
        for i, g in enumerate(self.functions):
            out[i] = np.broadcast_to(np.asarray(g.gradient(env)[1], float), (self.q,))
        return out

    def _is_linear(self) -> bool:
        rng = np.random.default_rng(1)
        a, b = rng.uniform(0.2, 1.5, self.q), rng.uniform(0.2, 1.5, self.q)
        return bool(np.allclose(self.jacobian(a), self.jacobian(b), rtol=1e-12, atol=1e-12))

    def active(self, theta, tol: float = _ACTIVE_TOL) -> np.ndarray:
        """Mask of the equalities and of the inequalities that bind at theta.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
        >>> cons = ModelConstraints(spec, RAMModel.from_partable(spec.partable(), spec.observed,
        ...                                                      spec.latents))
        >>> cons.active(np.array([1.0, 0.5, 1, 1, 1, 1])), cons.active(np.array([2.0, 1, 1, 1, 1, 1]))
        (array([ True, False]), array([ True,  True]))
        """
        v = self.all_values(theta)
        return self.eq | (np.abs(v) <= tol)

    # ----------------------------------------------------------------- estimation
    def fit(self, model: RAMModel, theta0, mom: est.Moments, *, tol: float = 1e-12,
            max_iter: int = 200) -> tuple[np.ndarray, int, bool]:
        """The constrained ML estimate from the unconstrained one ``theta0``.

        Returns ``(theta, iterations, converged)``.

        Examples
        --------
        >>> rng = np.random.default_rng(1)
        >>> X = rng.normal(size=(200, 1)) * [1, 0.8, 0.4] + rng.normal(size=(200, 3))
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == b")
        >>> model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
        >>> theta, _, ok = ModelConstraints(spec, model).fit(
        ...     model, np.array([0.8, 0.4, 1, 1, 1, 1.0]), est.Moments.from_data(X))
        >>> ok, theta[:2].round(3)                    # a == b, as fit(spec, X) estimates them
        (True, array([0.57, 0.57]))
        """
        theta0 = np.asarray(theta0, float)
        eq, ineq = self.values(theta0)
        if not self.eq.any() and np.all(ineq >= 0):
            return theta0, 0, True          # no equality, no violated inequality: lavaan's too
        theta, nit, ok = self._slsqp(model, theta0, mom)
        mask = self.active(theta)
        theta, more, polished = self._polish(model, theta, mom, mask, tol, max_iter)
        # an inequality whose multiplier says it should not bind is released once
        released = self._releasable(model, theta, mom, mask)
        if released.any():
            mask &= ~released
            theta, again, polished = self._polish(model, theta, mom, mask, tol, max_iter)
            more += again
        eq, ineq = self.values(theta)
        feasible = np.all(np.abs(eq) < 1e-8) and np.all(ineq > -1e-8)
        return theta, nit + more, bool((ok or polished) and polished and feasible)

    def _slsqp(self, model, theta0, mom):
        from scipy.optimize import minimize

        def objective(t):
            f = est.ml_objective(model, t, mom)
            return f if np.isfinite(f) else 1e10

        def gradient(t):
            return est.ml_gradient(model, t, mom)

        cons = []
        if self.eq.any():
            cons.append({"type": "eq", "fun": lambda t: self.values(t)[0],
                         "jac": lambda t: self.jacobian(t)[self.eq]})
        if (~self.eq).any():
            cons.append({"type": "ineq", "fun": lambda t: self.values(t)[1],
                         "jac": lambda t: self.jacobian(t)[~self.eq]})
        res = minimize(objective, theta0, jac=gradient, method="SLSQP", constraints=cons,
                       options={"ftol": 1e-14, "maxiter": 1000})
        return np.asarray(res.x, float), int(res.nit), bool(res.success)

    def _kkt_step(self, model, theta, mom, mask):
        g = est.ml_gradient(model, theta, mom)
        H = 2 * est.expected_information(model, theta)
        A = self.jacobian(theta)[mask]
        c = self.all_values(theta)[mask]
        k = A.shape[0]
        M = np.block([[H, A.T], [A, np.zeros((k, k))]])
        rhs = -np.concatenate([g, c])
        try:
            sol = np.linalg.solve(M, rhs)
        except np.linalg.LinAlgError:
            sol = np.linalg.lstsq(M, rhs, rcond=None)[0]
        return sol[:self.q], sol[self.q:], g

    def _polish(self, model, theta, mom, mask, tol, max_iter):
        """Fisher-scoring steps on the KKT system of the active constraints."""
        def merit(t):
            f = est.ml_objective(model, t, mom)
            return f + 100.0 * np.abs(self.all_values(t)[mask]).sum()

        m = merit(theta)
        for it in range(1, max_iter + 1):
            step, _, g = self._kkt_step(model, theta, mom, mask)
            c = np.abs(self.all_values(theta)[mask]).sum()
            if abs(g @ step) < tol and c < 1e-12:
                return theta, it, True
            t = 1.0
            while t > 1e-8:
                cand = theta + t * step
                mc = merit(cand)
                if np.isfinite(mc) and mc <= m + 1e-13:
                    break
                t *= 0.5
            else:
                return theta, it, c < 1e-10
            theta, m = cand, mc
        return theta, max_iter, False

    def _releasable(self, model, theta, mom, mask) -> np.ndarray:
        """Binding inequalities with a multiplier of the wrong sign (the optimum is inside)."""
        out = np.zeros(len(self.functions), dtype=bool)
        ineq_active = mask & ~self.eq
        if not ineq_active.any():
            return out
        _, lam, _ = self._kkt_step(model, theta, mom, mask)
        # stationarity: grad F + A' lam = 0; for g >= 0 binding, lam <= 0 (grad F = -A' lam)
        full = np.zeros(len(self.functions))
        full[mask] = lam
        out[ineq_active] = full[ineq_active] > 1e-8
        return out

    def notes(self, theta) -> list[str]:
        """A note per inequality that binds at theta (the estimate is on its bound).

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
        >>> cons = ModelConstraints(spec, RAMModel.from_partable(spec.partable(), spec.observed,
        ...                                                      spec.latents))
        >>> cons.notes(np.array([1.0, 0.5, 1, 1, 1, 1]))
        []
        >>> cons.notes(np.array([2.0, 1.0, 1, 1, 1, 1]))[0].split(":")[0]
        "The inequality constraint 'b < 1' (line 3) binds"
        """
        v = self.all_values(theta)
        out = []
        for st, kind, value in zip(self.spec.constraints, self.kinds, v):
            if kind == "ineq" and abs(value) <= _ACTIVE_TOL:
                out.append(f"The inequality constraint '{format_statement(st)}' (line {st.line}) binds: the "
                           "estimate is on its bound, and a parameter it holds there is reported "
                           "with se 0 (as lavaan); the unconstrained estimate lies outside it.")
        return out

    # ------------------------------------------------------------------ inference
    def null_space(self, theta) -> np.ndarray:
        """K: an orthonormal basis of the directions the active constraints allow.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
        >>> cons = ModelConstraints(spec, RAMModel.from_partable(spec.partable(), spec.observed,
        ...                                                      spec.latents))
        >>> theta = np.array([1.0, 0.5, 1, 1, 1, 1])
        >>> K = cons.null_space(theta)            # 6 parameters, 1 active constraint
        >>> K.shape, bool(np.allclose(cons.jacobian(theta)[0] @ K, 0))
        ((6, 5), True)
        """
        A = self.jacobian(theta)[self.active(theta)]
        if A.shape[0] == 0:
            return np.eye(self.q)
        _, s, vt = np.linalg.svd(A)
        rank = int(np.sum(s > 1e-10 * max(1.0, s.max())))
        return vt[rank:].T

    def acov(self, theta, information: np.ndarray) -> np.ndarray:
        """``K (K' I K)^-1 K'`` for the total information ``I`` (N times per observation),
        lavaan's augmented-information inverse; rows of parameters a constraint fixes are 0.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
        >>> cons = ModelConstraints(spec, RAMModel.from_partable(spec.partable(), spec.observed,
        ...                                                      spec.latents))
        >>> cons.acov(np.array([1.0, 0.5, 1, 1, 1, 1]), np.eye(6))[:2, :2].round(3)
        array([[0.8, 0.4],
               [0.4, 0.2]])
        """
        K = self.null_space(theta)
        inner = K.T @ information @ K
        try:
            inv = np.linalg.inv(inner)
        except np.linalg.LinAlgError:
            inv = np.linalg.pinv(inner)
        V = K @ inv @ K.T
        fixed = np.linalg.norm(K, axis=1) < 1e-8
        V[fixed, :] = 0.0
        V[:, fixed] = 0.0
        return 0.5 * (V + V.T)

    def reduced_information(self, theta, information: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(K' I K, K): the information of the free directions, for the identification check.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b\\nb < 1")
        >>> cons = ModelConstraints(spec, RAMModel.from_partable(spec.partable(), spec.observed,
        ...                                                      spec.latents))
        >>> reduced, K = cons.reduced_information(np.array([1.0, 0.5, 1, 1, 1, 1]), np.eye(6))
        >>> reduced.shape, bool(np.allclose(reduced, np.eye(5)))
        ((5, 5), True)
        """
        K = self.null_space(theta)
        return K.T @ information @ K, K

    def table_fixes(self, estimates, model: RAMModel, acov: np.ndarray):
        """lavaan's table: a parameter fixed by a binding constraint has se 0 and no z, p.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + x3\\na > 0.9")
        >>> model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
        >>> cons = ModelConstraints(spec, model)
        >>> theta = np.array([0.9, 0.5, 1, 1, 1, 1.0])          # a on its bound
        >>> acov = cons.acov(theta, 200 * est.expected_information(model, theta))
        >>> pt = model.partable                                  # z, p of the free rows
        >>> table = pt[["lhs", "op", "rhs"]].assign(z=np.where(pt["free"] > 0, 5.0, np.nan),
        ...                                         pvalue=np.where(pt["free"] > 0, 0.0, np.nan))
        >>> cons.table_fixes(table, model, acov).head(3)       # a: no z and no p
          lhs  op rhs    z  pvalue
        0   f  =~  x1  NaN     NaN
        1   f  =~  x2  NaN     NaN
        2   f  =~  x3  5.0     0.0
        """
        free = model.partable["free"].to_numpy()
        var = np.diag(acov)
        zero = np.zeros(len(free), dtype=bool)
        zero[free > 0] = var[free[free > 0] - 1] == 0
        out = estimates.copy()
        out.loc[zero, ["z", "pvalue"]] = np.nan
        return out


class LinearEqualities:
    """Linear equality constraints ``A theta = b`` as a reparameterization ``theta = t0 + K z``.

    ``K`` is an orthonormal basis of the null space of ``A`` and ``t0`` the solution of
    ``A theta = b`` of least norm, so every ``z`` gives a feasible ``theta``; estimation over
    ``z`` and ``acov = K (K' I K)^-1 K'`` give lavaan's estimates and SEs of linear
    equalities (its ``lav_constraints_R2K`` and augmented information).

    Parameters
    ----------
    cons : ModelConstraints
        Constraints that are all linear equalities.

    Examples
    --------
    >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b - 0.5")
    >>> model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
    >>> lin = LinearEqualities(ModelConstraints(spec, model))
    >>> lin.n_eq, lin.K.shape
    (1, (6, 5))
    >>> theta = lin.theta(np.zeros(5))                  # feasible: a - 2*b = -0.5
    >>> float(round(theta[0] - 2 * theta[1], 12))
    -0.5
    """

    def __init__(self, cons: ModelConstraints):
        if not (cons.eq.all() and cons.linear):
            raise ValueError("LinearEqualities takes linear equality constraints only.")
        zero = np.zeros(cons.q)
        A = cons.jacobian(zero)
        b = -cons.all_values(zero)                  # g(theta) = A theta - b
        _, sv, vt = np.linalg.svd(A)
        rank = int(np.sum(sv > 1e-10 * max(1.0, sv.max(initial=0.0))))
        self.A, self.b, self.n_eq = A, b, rank
        self.K = vt[rank:].T
        self.t0 = np.linalg.pinv(A) @ b
        if not np.allclose(A @ self.t0, b, atol=1e-8):
            st = cons.spec.constraints[0]
            raise ModelSpecError(
                f"{cons.spec.source or '<model>'}, line {st.line}: the equality constraints "
                "contradict each other (no parameter values satisfy them all). Remove or "
                "correct one of them.")

    def theta(self, z) -> np.ndarray:
        """The parameters of the free coordinates ``z`` (they satisfy every constraint).

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b - 0.5")
        >>> model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
        >>> lin = LinearEqualities(ModelConstraints(spec, model))
        >>> t = lin.theta(np.ones(5))
        >>> float(round(t[0] - 2 * t[1], 12))
        -0.5
        """
        return self.t0 + self.K @ np.asarray(z, float)

    def z(self, theta) -> np.ndarray:
        """The free coordinates of ``theta`` (of its projection onto the constraints).

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b - 0.5")
        >>> model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
        >>> lin = LinearEqualities(ModelConstraints(spec, model))
        >>> z = np.arange(5.0)
        >>> bool(np.allclose(lin.z(lin.theta(z)), z))
        True
        """
        return self.K.T @ (np.asarray(theta, float) - self.t0)

    def acov(self, information: np.ndarray) -> np.ndarray:
        """``K (K' I K)^-1 K'`` for the total information ``I``; rows a constraint fixes are 0.

        Examples
        --------
        >>> spec = ModelSpec.from_syntax("f =~ x1 + a*x2 + b*x3\\na == 2*b - 0.5")
        >>> model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
        >>> lin = LinearEqualities(ModelConstraints(spec, model))
        >>> lin.acov(np.eye(6))[:2, :2].round(3)       # a = 2*b - 0.5: var(a) = 4 var(b)
        array([[0.8, 0.4],
               [0.4, 0.2]])
        """
        inner = self.K.T @ information @ self.K
        try:
            inv = np.linalg.inv(inner)
        except np.linalg.LinAlgError:
            inv = np.linalg.pinv(inner)
        V = self.K @ inv @ self.K.T
        fixed = np.linalg.norm(self.K, axis=1) < 1e-8
        V[fixed, :] = 0.0
        V[:, fixed] = 0.0
        return 0.5 * (V + V.T)


class _JointTable:
    """The parameter table of a multi-group model seen as one model by ModelConstraints."""

    def __init__(self, table, n_params: int):
        self.partable = table
        self.n_free = n_params


def multigroup_equalities(spec: ModelSpec, table, n_params: int, *,
                          missing: str = "listwise") -> "LinearEqualities | None":
    """The ``==`` constraints of a multi-group model, or None when it has none.

    Labels name parameters across groups: ``c(b1, b2)*x`` labels the path in each group and
    ``b1 == b2`` holds them equal (as a shared label would), ``a1 == 2*a2`` or ``l1 + l2 ==
    1`` are linear equalities; lavaan's df convention (each adds one df and removes one
    parameter). Nonlinear equalities and inequalities across groups are refused with a
    message saying what to do instead, as are constraints with FIML.

    Parameters
    ----------
    spec : ModelSpec
    table : DataFrame
        The joint parameter table (``group, lhs, op, rhs, label, free, ustart``; ``free``
        numbers the shared parameter vector from 1).
    n_params : int
        The length of the shared parameter vector.
    missing : str
        ``"listwise"`` (constraints are estimated) or anything else (refused).

    Examples
    --------
    >>> import pandas as pd
    >>> spec = ModelSpec.from_syntax("y ~ c(b1, b2)*x\\nb1 == b2")
    >>> table = pd.DataFrame({"lhs": ["y", "y"], "op": ["~", "~"], "rhs": ["x", "x"],
    ...                       "label": ["b1", "b2"], "free": [1, 2], "ustart": [None, None]})
    >>> lin = multigroup_equalities(spec, table, 2)
    >>> lin.n_eq, lin.theta(lin.z([0.3, 0.5])).round(2).tolist()
    (1, [0.4, 0.4])
    >>> multigroup_equalities(ModelSpec.from_syntax("y ~ c(b1, b2)*x\\nb1 < b2"), table, 2)
    Traceback (most recent call last):
    ...
    csi_model.exceptions.EstimationError: <model>, line 2: the constraint 'b1 < b2' is an ...
    """
    if not spec.constraints:
        return None
    where = spec.source or "<model>"
    cons = ModelConstraints(spec, _JointTable(table, n_params))
    for st, kind in zip(spec.constraints, cons.kinds):
        if kind != "eq":
            raise EstimationError(
                f"{where}, line {st.line}: the constraint '{format_statement(st)}' is an "
                "inequality; a multi-group fit estimates linear equality constraints ('==') "
                "only. Fit each group on its own with fit(), where inequalities are estimated, "
                "or drop the constraint.")
    if not cons.linear:
        st = spec.constraints[0]
        raise EstimationError(
            f"{where}, line {st.line}: a multi-group fit estimates linear equality constraints "
            f"only (e.g. 'b1 == b2', 'a1 == 2*a2'), and '{format_statement(st)}' with the "
            "others is nonlinear. Write it as a linear equality or as a shared label, or fit "
            "each group on its own with fit(), where nonlinear constraints are estimated.")
    if missing != "listwise":
        st = spec.constraints[0]
        raise EstimationError(
            f"{where}, line {st.line}: constraints ('{format_statement(st)}') in a multi-group "
            f"fit are estimated with complete data (missing='listwise'); missing={missing!r} is "
            "not available with them yet. Use missing='listwise', or write the equality as a "
            "shared label (e.g. 'c(b, b)*x'), which FIML honours.")
    return LinearEqualities(cons)
