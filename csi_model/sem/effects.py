"""Direct, indirect and total effects of a CB-SEM fit, and the hypothesis table.

For the structural variables (the latents, plus any observed variable in a ``~``
regression) with regression matrix ``B`` (``B[i, j]`` = effect of j on i):

* direct effects ``B``;
* total effects ``T = (I - B)^-1 - I`` (sum over all directed paths);
* indirect effects ``T - B``;
* each specific indirect path (e.g. IMAG -> EXPE -> QUAL -> VAL -> SAT) is the
  product of the coefficients along it; they sum to the indirect effect.

Standardized effects (lavaan's ``std.all``) multiply by ``sd(from) / sd(to)`` of the
model-implied variances. Standard errors come from the delta method (a central-difference
Jacobian with respect to the free parameters times ``result.acov``), as lavaan's ``:=``
defined parameters do; when the result carries a bootstrap
(``fit(..., bootstrap=B, seed=S)``) they come from the bootstrap replicates instead and the
intervals are bootstrap percentile (or BCa) intervals.

In R/lavaan: label the paths and write ``ind := a*b``, ``tot := c + a*b``.
"""
from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._ram import RAMModel

__all__ = ["effects", "specific_indirect_effects", "hypotheses"]

EFFECT_KINDS = ("direct", "indirect", "total")
_STAT_COLUMNS = ["se", "z", "pvalue", "ci.lower", "ci.upper"]


# ----------------------------------------------------------------------- structure
def _model_of(result) -> RAMModel:
    return RAMModel.from_partable(result.spec.partable(meanstructure=result.missing == "fiml"),
                                  result.spec.observed, result.spec.latents)


def _structural_variables(result, model: RAMModel) -> list[str]:
    names = list(model.observed) + list(model.latents)
    in_regressions = set()
    for st in result.spec.statements:
        if st.op == "~":
            in_regressions.add(st.lhs)
            in_regressions.update(st.rhs_names)
    obs = [v for v in model.observed if v in in_regressions]
    return [v for v in names if v in model.latents or v in obs]


def _regression_block(model: RAMModel, theta: np.ndarray, idx: np.ndarray) -> np.ndarray:
    A, _, _ = model.matrices(theta)
    return A[np.ix_(idx, idx)]


def _pattern(model: RAMModel, idx: np.ndarray) -> np.ndarray:
    """Which structural effects are in the model (free or fixed non-zero)."""
    A = model.A0.copy()
    ai, aj, _ = model.a_entries
    A[ai, aj] = 1.0
    return A[np.ix_(idx, idx)] != 0


def _paths_between(pattern: np.ndarray) -> list[list[int]]:
    """Every directed path with at least two edges (as lists of structural positions)."""
    n = pattern.shape[0]
    children = {j: [i for i in range(n) if pattern[i, j]] for j in range(n)}
    out: list[list[int]] = []

    def walk(path):
        for nxt in children[path[-1]]:
            if nxt in path:
                continue
            new = path + [nxt]
            if len(new) >= 3:
                out.append(new)
            walk(new)

    for start in range(n):
        walk([start])
    return out


class _Effects:
    """The pieces needed to evaluate effects for any theta (picklable, no result)."""

    def __init__(self, result):
        self.model = _model_of(result)
        names = list(self.model.observed) + list(self.model.latents)
        self.names = _structural_variables(result, self.model)
        self.idx = np.array([names.index(v) for v in self.names], dtype=int)
        pat = _pattern(self.model, self.idx)
        self.direct_exists = pat
        self.indirect_exists = self._indirect_pattern(pat)
        self.total_exists = pat | self.indirect_exists
        order = self._pair_order(result)
        self.pairs = [(i, j) for (i, j) in order if self.total_exists[j, i]]
        self.paths = [p for p in _paths_between(pat)]
        # model-file order: by outcome, then predictor, as the paths are written
        rank = {(a, b): k for k, (a, b) in enumerate(order)}
        self.paths.sort(key=lambda p: (rank[(p[0], p[-1])], len(p), p))

    @staticmethod
    def _indirect_pattern(pat: np.ndarray) -> np.ndarray:
        n = pat.shape[0]
        P = pat.astype(int)
        power = P @ P
        out = np.zeros_like(pat)
        for _ in range(n):
            out |= power > 0
            power = (power @ P > 0).astype(int)
        return out

    def _pair_order(self, result):
        """(from, to) pairs ordered by the outcome's first regression line, then predictor."""
        pos = {v: k for k, v in enumerate(self.names)}
        outcome_order: list[str] = []
        for st in result.spec.statements:
            if st.op == "~" and st.lhs in pos and st.lhs not in outcome_order:
                outcome_order.append(st.lhs)
        outcome_order += [v for v in self.names if v not in outcome_order]
        return [(pos[f], pos[t]) for t in outcome_order for f in self.names if f != t]

    # ----------------------------------------------------------- evaluation
    def matrices(self, theta):
        Bm = _regression_block(self.model, theta, self.idx)
        n = Bm.shape[0]
        T = np.linalg.inv(np.eye(n) - Bm) - np.eye(n)
        return Bm, T - Bm, T

    def sd(self, theta):
        _, C, _ = self.model.parts(theta)
        var = np.diag(C)[self.idx]
        return np.sqrt(np.where(var > 0, var, np.nan))

    def values(self, theta, standardized: bool = False) -> np.ndarray:
        """direct, indirect, total of every pair (concatenated in that order)."""
        D, Ind, T = self.matrices(np.asarray(theta, float))
        rows, cols = (np.array([j for _, j in self.pairs], int),
                      np.array([i for i, _ in self.pairs], int))
        out = np.concatenate([D[rows, cols], Ind[rows, cols], T[rows, cols]])
        if standardized:
            sd = self.sd(theta)
            factor = np.tile(sd[cols] / sd[rows], 3)
            out = out * factor
        return out

    def path_values(self, theta, standardized: bool = False) -> np.ndarray:
        Bm = _regression_block(self.model, np.asarray(theta, float), self.idx)
        vals = np.array([np.prod([Bm[b, a] for a, b in zip(p[:-1], p[1:])]) for p in self.paths])
        if standardized and len(self.paths):
            sd = self.sd(theta)
            vals = vals * np.array([sd[p[0]] / sd[p[-1]] for p in self.paths])
        return vals


class _ValuesOf:
    """Picklable ``theta -> effects`` map for BootstrapResult.transform."""

    def __init__(self, eff: _Effects, kind: str, standardized: bool):
        self.eff, self.kind, self.standardized = eff, kind, standardized

    def __call__(self, theta):
        if self.kind == "paths":
            return self.eff.path_values(theta, self.standardized)
        return self.eff.values(theta, self.standardized)


def _jacobian(fun, theta: np.ndarray) -> np.ndarray:
    theta = np.asarray(theta, float)
    base = fun(theta)
    jac = np.zeros((base.size, theta.size))
    for k in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[k]))
        e = np.zeros(theta.size)
        e[k] = h
        jac[:, k] = (fun(theta + e) - fun(theta - e)) / (2 * h)
    return jac


def _inference(result, fun, est: np.ndarray, exists: np.ndarray, level: float,
               ci_method: str, names: list[str]) -> pd.DataFrame:
    """se, z, pvalue and CI for values ``fun(theta)`` (delta method or bootstrap)."""
    boot = getattr(result, "bootstrap", None)
    if boot is not None:
        tb = boot.transform(fun, names=names)
        se = tb.se
        ci = tb.ci(level, ci_method)
        lo, hi = ci["ci.lower"].to_numpy(), ci["ci.upper"].to_numpy()
    else:
        jac = np.nan_to_num(_jacobian(fun, result.theta))
        var = np.einsum("rk,kl,rl->r", jac, np.asarray(result.acov), jac)
        se = np.sqrt(np.clip(var, 0, None))
        zc = stats.norm.ppf(0.5 + level / 2)
        lo, hi = est - zc * se, est + zc * se
    se = np.where(exists, se, 0.0)
    lo = np.where(exists, lo, est)
    hi = np.where(exists, hi, est)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(exists & (se > 1e-12), est / se, np.nan)
    return pd.DataFrame({"se": se, "z": z, "pvalue": 2 * stats.norm.sf(np.abs(z)),
                         "ci.lower": lo, "ci.upper": hi})


def _check(level, ci_method, shape=None):
    if not 0 < level < 1:
        raise ValueError(f"The 'level' parameter must be in (0, 1). Got {level!r} instead.")
    if ci_method not in ("percentile", "bca", "normal"):
        raise ValueError("The 'ci_method' parameter must be one of {'percentile', 'bca', "
                         f"'normal'}}. Got {ci_method!r} instead.")
    if shape is not None and shape not in ("long", "wide"):
        raise ValueError(f"The 'shape' parameter must be 'long' or 'wide'. Got {shape!r} instead.")


# ----------------------------------------------------------------------- public API
def effects(result, *, standardized: bool = False, level: float = 0.95,
            ci_method: Literal["percentile", "bca", "normal"] = "percentile",
            shape: Literal["long", "wide"] = "long") -> pd.DataFrame:
    """Direct, indirect and total effects between the structural variables of a fit.

    Parameters
    ----------
    result : SEMResult
        A CB-SEM fit (:func:`csi_model.fit`).
    standardized : bool
        Report completely standardized effects (lavaan's ``std.all``) in ``est.std``,
        with their own SEs and intervals, like ``standardizedSolution()``.
    level : float
        Confidence level of the intervals.
    ci_method : {"percentile", "bca", "normal"}
        Bootstrap interval type when the result carries a bootstrap (ignored otherwise:
        Wald intervals ``est +- z * se``). BCa evaluates the model on jackknife samples
        (one refit per respondent, at most 1000) the first time it is asked for.
    shape : {"long", "wide"}
        ``"long"``: one row per (from, to, effect) with ``effect`` in direct / indirect /
        total and columns ``est, se, z, pvalue, ci.lower, ci.upper, std.all``.
        ``"wide"``: one row per (from, to) with ``direct, indirect, total`` and
        ``direct.se, ..., total.ci.upper, direct.std.all, ...``.

    Returns
    -------
    DataFrame
        Every pair (from, to) connected by at least one directed path, outcomes in the
        order of the model file. An effect that is not in the model (e.g. the direct
        effect of IMAG on VAL) is 0 with se 0 and z NaN, as lavaan shows fixed values.

    Notes
    -----
    T = (I - B)^-1 - I for the regression matrix B among the structural variables;
    indirect = T - B. SEs: delta method with the result's parameter covariance, or the
    bootstrap (SD with divisor B, lavaan's convention) when the fit was bootstrapped.
    In R: ``ind := a*b`` in the lavaan model, then ``parameterEstimates(fit)``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit("telecom", cm.simulate_survey("telecom", n=300, seed=1))
    >>> tab = effects(res)
    >>> list(tab.columns)
    ['from', 'to', 'effect', 'est', 'se', 'z', 'pvalue', 'ci.lower', 'ci.upper', 'std.all']
    >>> row = tab[(tab["from"] == "QUAL") & (tab["to"] == "SAT")].set_index("effect")["est"]
    >>> bool(abs(row["direct"] + row["indirect"] - row["total"]) < 1e-12)
    True
    """
    _check(level, ci_method, shape)
    eff = _Effects(result)
    theta = np.asarray(result.theta)
    values = eff.values(theta, standardized)
    std = eff.values(theta, True)
    npair = len(eff.pairs)
    kinds = np.repeat(EFFECT_KINDS, npair)
    rows = [j for _, j in eff.pairs] * 3
    cols = [i for i, _ in eff.pairs] * 3
    exists = np.concatenate([eff.direct_exists[[j for _, j in eff.pairs], [i for i, _ in eff.pairs]],
                             eff.indirect_exists[[j for _, j in eff.pairs], [i for i, _ in eff.pairs]],
                             eff.total_exists[[j for _, j in eff.pairs], [i for i, _ in eff.pairs]]]) \
        if npair else np.zeros(0, bool)
    names = [f"{eff.names[c]}->{eff.names[r]}:{k}" for r, c, k in zip(rows, cols, kinds)]
    inf = _inference(result, _ValuesOf(eff, "pairs", standardized), values, exists, level,
                     ci_method, names)
    est_col = "est.std" if standardized else "est"
    out = pd.DataFrame({"from": [eff.names[c] for c in cols], "to": [eff.names[r] for r in rows],
                        "effect": kinds, est_col: values})
    out = pd.concat([out, inf], axis=1)
    if not standardized:
        out["std.all"] = std
    # order rows: pair by pair, direct / indirect / total
    pair_rank = np.tile(np.arange(npair), 3)
    kind_rank = np.repeat(np.arange(3), npair)
    out = out.iloc[np.lexsort((kind_rank, pair_rank))].reset_index(drop=True)
    if shape == "wide":
        return _widen(out, est_col)
    return out


def _widen(long: pd.DataFrame, est_col: str) -> pd.DataFrame:
    value_cols = [c for c in long.columns if c not in ("from", "to", "effect")]
    pairs = long[["from", "to"]].drop_duplicates().reset_index(drop=True)
    out = pairs.copy()
    for kind in EFFECT_KINDS:
        part = long[long["effect"] == kind].reset_index(drop=True)
        out[kind] = part[est_col].to_numpy()
    for col in value_cols:
        if col == est_col:
            continue
        for kind in EFFECT_KINDS:
            part = long[long["effect"] == kind].reset_index(drop=True)
            out[f"{kind}.{col}"] = part[col].to_numpy()
    return out


def specific_indirect_effects(result, *, standardized: bool = False, level: float = 0.95,
                              ci_method: Literal["percentile", "bca", "normal"] = "percentile"
                              ) -> pd.DataFrame:
    """Every specific indirect path, e.g. ``IMAG -> EXPE -> QUAL -> VAL -> SAT``, with its value.

    The value of a path is the product of the regression coefficients along it; the
    specific paths from X to Y sum to the indirect effect of X on Y.

    Returns
    -------
    DataFrame
        ``from, to, path, length`` (number of arrows), ``est`` (or ``est.std``), ``se, z,
        pvalue, ci.lower, ci.upper`` (delta method or bootstrap, as :func:`effects`) and
        ``std.all``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit("telecom", cm.simulate_survey("telecom", n=300, seed=1))
    >>> paths = specific_indirect_effects(res)
    >>> "IMAG -> EXPE -> QUAL -> VAL -> SAT" in set(paths["path"])
    True
    """
    _check(level, ci_method)
    eff = _Effects(result)
    theta = np.asarray(result.theta)
    values = eff.path_values(theta, standardized)
    labels = [" -> ".join(eff.names[i] for i in p) for p in eff.paths]
    inf = _inference(result, _ValuesOf(eff, "paths", standardized), values,
                     np.ones(len(values), bool), level, ci_method, labels)
    est_col = "est.std" if standardized else "est"
    out = pd.DataFrame({"from": [eff.names[p[0]] for p in eff.paths],
                        "to": [eff.names[p[-1]] for p in eff.paths],
                        "path": labels, "length": [len(p) - 1 for p in eff.paths],
                        est_col: values})
    out = pd.concat([out, inf], axis=1)
    if not standardized:
        out["std.all"] = eff.path_values(theta, True)
    return out


def hypotheses(result, *, alpha: float = 0.05,
               ci_method: Literal["percentile", "bca", "normal"] = "percentile",
               defined: bool = False) -> pd.DataFrame:
    """The structural paths as hypotheses H1..Hk, in the order of the model file.

    A hypothesis ``from -> to`` is supported when its ``1 - alpha`` confidence interval
    excludes 0: the bootstrap interval (``ci_method``) when the fit was bootstrapped, the
    Wald interval otherwise (then the same as ``pvalue < alpha``). With ``defined=True``
    the model's defined parameters (e.g. ``ind := a*b``) follow as further hypotheses, with
    ``path`` the definition and empty ``from``/``to`` (see :mod:`csi_model.sem.defined`).

    Returns
    -------
    DataFrame
        ``hypothesis, path, from, to, est, std.all, se, z, pvalue, ci.lower, ci.upper,
        ci.type, supported``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit("telecom", cm.simulate_survey("telecom", n=300, seed=1))
    >>> hypotheses(res)[["hypothesis", "path"]].head(2).to_string(index=False)
    'hypothesis         path\\n        H1 IMAG -> EXPE\\n        H2 EXPE -> QUAL'
    """
    if not 0 < alpha < 1:
        raise ValueError(f"The 'alpha' parameter of hypotheses must be in (0, 1). "
                         f"Got {alpha!r} instead.")
    _check(1 - alpha, ci_method)
    est = result.estimates
    rows = []
    boot = getattr(result, "bootstrap", None)
    if boot is not None:
        ci = boot.ci(1 - alpha, ci_method)
        ci_type = f"bootstrap {ci_method} ({boot.B - boot.n_failed} resamples)"
    else:
        ci_type = "Wald"
    zc = stats.norm.ppf(1 - alpha / 2)
    pt = result.spec.partable()
    for k, (frm, to) in enumerate(result.spec.structural_paths, start=1):
        hit = est[(est["op"] == "~") & (est["lhs"] == to) & (est["rhs"] == frm)]
        r = hit.iloc[0]
        lo, hi = r["est"] - zc * r["se"], r["est"] + zc * r["se"]
        if boot is not None:
            free = pt[(pt["op"] == "~") & (pt["lhs"] == to) & (pt["rhs"] == frm)]["free"].iloc[0]
            if free > 0:
                lo, hi = ci.iloc[free - 1]["ci.lower"], ci.iloc[free - 1]["ci.upper"]
            else:
                lo = hi = r["est"]
        rows.append({"hypothesis": f"H{k}", "path": f"{frm} -> {to}", "from": frm, "to": to,
                     "est": r["est"], "std.all": r["std.all"], "se": r["se"], "z": r["z"],
                     "pvalue": r["pvalue"], "ci.lower": lo, "ci.upper": hi,
                     "ci.type": ci_type, "supported": bool(lo > 0 or hi < 0)})
    table = pd.DataFrame(rows)
    if defined and result.spec.defined_parameters:
        from .defined import defined_hypotheses
        table = pd.concat([table, defined_hypotheses(result, len(table) + 1, alpha, ci_method)],
                          ignore_index=True)
    return table
