"""Direct, indirect and total effects of a CB-SEM or PLS fit, and the hypothesis table.

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

A PLS fit (:func:`csi_model.fit_pls`) gets the same algebra on its path coefficients among
the standardized latent scores; its SEs and intervals come from the PLS bootstrap only (the
effects of each resample's coefficients, as SmartPLS and seminr's
``specific_effect_significance``). :func:`hypotheses` tests each path against its expected
sign (:func:`expected_signs`: ``# expect: -`` comments in the model file, or ``expected=``).
"""
from __future__ import annotations

import re
import warnings
from typing import Literal, Mapping

import numpy as np
import pandas as pd
from .. import _distributions as stats  # scipy.special, not scipy.stats (import time)

from ..exceptions import ImproperSolutionWarning, ModelSpecError
from ._ram import RAMModel

__all__ = ["effects", "specific_indirect_effects", "hypotheses", "expected_signs"]

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
        self.theta = np.asarray(result.theta)
        self._setup(result, _pattern(self.model, self.idx))

    def _setup(self, result, pat: np.ndarray) -> None:
        """Pairs and specific paths from the pattern (``pat[i, j]``: j has a path to i)."""
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
    def regression(self, theta) -> np.ndarray:
        """The regression matrix among the structural variables (``B[to, from]``)."""
        return _regression_block(self.model, np.asarray(theta, float), self.idx)

    def matrices(self, theta):
        Bm = self.regression(theta)
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
        Bm = self.regression(theta)
        vals = np.array([np.prod([Bm[b, a] for a, b in zip(p[:-1], p[1:])]) for p in self.paths])
        if standardized and len(self.paths):
            sd = self.sd(theta)
            vals = vals * np.array([sd[p[0]] / sd[p[-1]] for p in self.paths])
        return vals


class _PLSEffects(_Effects):
    """The same algebra on a PLS fit: the latents' path coefficients are the parameters.

    ``theta`` is the vector of path coefficients in the model's order; the latent scores are
    standardized, so every effect is already standardized (``std.all`` equals ``est``).
    With a bootstrap, ``stat_index`` picks those coefficients out of each replicate of the
    PLS statistic (the rows ``"SAT ~ QUAL"`` of :meth:`PLSResult.bootstrap_table`).
    """

    def __init__(self, result):
        self.names = list(result.spec.latents)
        pos = {v: k for k, v in enumerate(self.names)}
        self.path_list = list(result.spec.structural_paths)          # (from, to)
        self.rows = np.array([pos[t] for _, t in self.path_list], dtype=int)
        self.cols = np.array([pos[f] for f, _ in self.path_list], dtype=int)
        pat = np.zeros((len(self.names), len(self.names)), dtype=bool)
        pat[self.rows, self.cols] = True
        pm = result.path_matrix()                                      # rows from, columns to
        self.theta = np.array([pm.loc[f, t] for f, t in self.path_list], dtype=float)
        boot = getattr(result, "bootstrap", None)
        self.stat_index = None
        if boot is not None:
            names = list(boot.names)
            self.stat_index = np.array([names.index(f"{t} ~ {f}") for f, t in self.path_list],
                                       dtype=int)
        self._setup(result, pat)

    def regression(self, theta) -> np.ndarray:
        B = np.zeros((len(self.names), len(self.names)))
        B[self.rows, self.cols] = np.asarray(theta, float)
        return B

    def sd(self, theta):
        return np.ones(len(self.names))


def _is_pls(result) -> bool:
    return getattr(result, "estimator", None) == "PLS"


def _effects_of(result) -> _Effects:
    return _PLSEffects(result) if _is_pls(result) else _Effects(result)


class _OnStatistic:
    """Picklable ``PLS bootstrap statistic -> values``: the path coefficients, then ``fun``."""

    def __init__(self, fun, index: np.ndarray):
        self.fun, self.index = fun, index

    def __call__(self, statistic):
        return self.fun(np.asarray(statistic)[self.index])


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
               ci_method: str, names: list[str], eff: _Effects | None = None) -> pd.DataFrame:
    """se, z, pvalue and CI for values ``fun(theta)`` (delta method or bootstrap).

    A PLS fit has no sampling covariance of its estimates: without a bootstrap its SEs and
    intervals are NaN (never a normal-theory guess).
    """
    boot = getattr(result, "bootstrap", None)
    pls = isinstance(eff, _PLSEffects)
    if boot is not None:
        tb = boot.transform(_OnStatistic(fun, eff.stat_index) if pls else fun, names=names)
        se = tb.se
        ci = tb.ci(level, ci_method)
        lo, hi = ci["ci.lower"].to_numpy(), ci["ci.upper"].to_numpy()
    elif pls:
        se, lo, hi = (np.full(len(est), np.nan) for _ in range(3))
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
    result : SEMResult or PLSResult
        A CB-SEM fit (:func:`csi_model.fit`) or a PLS fit (:func:`csi_model.fit_pls`). A
        PLS fit's effects are those of its path coefficients among the (standardized)
        latent scores, so ``std.all`` equals ``est``; their SEs and intervals come from the
        PLS bootstrap (``fit_pls(..., bootstrap=B, seed=S)``: the effects of every
        resample's path coefficients, as SmartPLS's total and specific indirect effects and
        seminr's ``specific_effect_significance``), and are NaN without one.
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
    indirect = T - B. With a feedback loop (a nonrecursive model) T includes the effects
    that travel around the loop, and a warning says when the loop is not stable (largest
    eigenvalue of B of modulus >= 1). SEs: delta method with the result's parameter covariance, or the
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
    eff = _effects_of(result)
    theta = eff.theta
    _check_stable(result, eff)
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
                     ci_method, names, eff)
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


def _check_stable(result, eff: _Effects) -> None:
    """Warn when a feedback loop is not stable: (I - B)^-1 - I then is not the sum of the
    effects along the paths (the series diverges), as Bentler & Freeman (1983) note."""
    if not getattr(result.spec, "feedback_loops", ()):
        return
    radius = float(np.max(np.abs(np.linalg.eigvals(eff.regression(eff.theta)))))
    if radius >= 1:
        warnings.warn(f"The feedback loop of the model is not stable (the largest eigenvalue of "
                      f"the regression matrix has modulus {radius:.3f} >= 1): the total effects "
                      "(I - B)^-1 - I are not the sum of the effects along the paths and should "
                      "not be interpreted as such.", ImproperSolutionWarning, stacklevel=3)


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
    loops = getattr(result.spec, "feedback_loops", ())
    if loops:
        raise ModelSpecError(
            f"{result.spec.source or '<model>'}: the model has a feedback loop "
            f"({' <-> '.join(loops[0])}), so there are infinitely many paths between its "
            "variables and specific indirect effects are not defined. Use effects(result): its "
            "total effects (I - B)^-1 - I and indirect effects (total - direct) include the "
            "feedback.")
    eff = _effects_of(result)
    theta = eff.theta
    values = eff.path_values(theta, standardized)
    labels = [" -> ".join(eff.names[i] for i in p) for p in eff.paths]
    inf = _inference(result, _ValuesOf(eff, "paths", standardized), values,
                     np.ones(len(values), bool), level, ci_method, labels, eff)
    est_col = "est.std" if standardized else "est"
    out = pd.DataFrame({"from": [eff.names[p[0]] for p in eff.paths],
                        "to": [eff.names[p[-1]] for p in eff.paths],
                        "path": labels, "length": [len(p) - 1 for p in eff.paths],
                        est_col: values})
    out = pd.concat([out, inf], axis=1)
    if not standardized:
        out["std.all"] = eff.path_values(theta, True)
    return out


_SIGNS = {"+": "+", "positive": "+", "-": "-", "negative": "-", "any": "any",
          "two-sided": "any", "?": "any"}
_TESTS = ("two-sided", "one-sided")
_EXPECT = re.compile(r"[#!]\s*expect\s*:\s*(?P<body>[^#!]*)", re.IGNORECASE)


def _sign(value, where: str) -> str:
    sign = _SIGNS.get(str(value).strip().lower())
    if sign is None:
        raise ModelSpecError(f"{where}: the expected sign must be '+', '-' or 'any' "
                             f"(non-directional). Got {value!r} instead.")
    return sign


def expected_signs(spec) -> dict[tuple[str, str], str]:
    """Expected signs written in the model file: ``{(from, to): "+" | "-" | "any"}``.

    The convention is a comment starting with ``expect:`` on the regression line, which
    lavaan (and every other reader of the syntax) ignores::

        COMP ~ SAT                    # expect: -
        LOY  ~ SAT + COMP + IMAG      # expect: COMP -, IMAG +

    A lone sign applies to every predictor of the line; ``NAME SIGN`` pairs (comma
    separated) to the predictors named. Signs: ``+``, ``-`` or ``any`` (a non-directional
    hypothesis). Paths without a comment are expected positive.

    Examples
    --------
    >>> from csi_model import ModelSpec
    >>> spec = ModelSpec.from_syntax("A =~ a1 + a2\\nB =~ b1 + b2\\nC =~ c1 + c2\\n"
    ...                              "C ~ A + B   # expect: B -")
    >>> expected_signs(spec)
    {('B', 'C'): '-'}
    """
    out: dict[tuple[str, str], str] = {}
    where_file = getattr(spec, "source", None) or "<model>"
    for st in spec.statements:
        if st.op != "~":
            continue
        m = _EXPECT.search(st.text or "")
        if m is None:
            continue
        where = f"{where_file}, line {st.line}"
        parts = [p.strip() for p in m.group("body").split(",") if p.strip()]
        preds = list(st.rhs_names)
        if len(parts) == 1 and len(parts[0].split()) == 1:
            for f in preds:
                out[(f, st.lhs)] = _sign(parts[0], where)
            continue
        for part in parts:
            bits = part.split()
            if len(bits) != 2 or bits[0] not in preds:
                raise ModelSpecError(
                    f"{where}: cannot read the expected sign {part!r} in '{st.text.strip()}'. "
                    f"Write '# expect: -' (every predictor of the line) or '# expect: "
                    f"{preds[0]} -, ...' naming predictors of the line ({', '.join(preds)}).")
            out[(bits[0], st.lhs)] = _sign(bits[1], where)
    return out


def _expected(spec, expected) -> dict[tuple[str, str], str]:
    """Expected sign of every structural path: default '+', the model file, ``expected=``."""
    paths = list(spec.structural_paths)
    out = {p: "+" for p in paths}
    out.update({k: v for k, v in expected_signs(spec).items() if k in out})
    if expected is None:
        return out
    if not isinstance(expected, Mapping):
        raise ValueError("The 'expected' parameter of hypotheses must be a dict "
                         "{'LOY ~ COMP': '-'} (lavaan's 'outcome ~ predictor', or "
                         f"'predictor -> outcome'). Got {type(expected).__name__} instead.")
    for key, value in expected.items():
        text = str(key)
        if "->" in text:
            frm, to = (t.strip() for t in text.split("->", 1))
        elif "~" in text:
            to, frm = (t.strip() for t in text.split("~", 1))
        else:
            frm = to = None
        if (frm, to) not in out:
            known = ", ".join(f"'{t} ~ {f}'" for f, t in paths)
            raise ValueError(f"The 'expected' parameter of hypotheses names {key!r}, which is "
                             f"not a structural path of the model (its paths: {known}).")
        out[(frm, to)] = _sign(value, f"expected[{key!r}]")
    return out


def hypotheses(result, *, alpha: float = 0.05,
               ci_method: Literal["percentile", "bca", "normal"] = "percentile",
               expected: Mapping[str, str] | None = None,
               test: Literal["two-sided", "one-sided"] = "two-sided",
               defined: bool = False) -> pd.DataFrame:
    """The structural paths as hypotheses H1..Hk, in the order of the model file.

    A hypothesis ``from -> to`` states a sign: positive unless the model file says
    otherwise (a comment ``# expect: -`` on the path's line, see :func:`expected_signs`)
    or ``expected`` does (``{"LOY ~ COMP": "-"}``; ``"any"`` for a non-directional one).
    It is **supported** when the path is significant *in the expected direction*: a
    significantly negative path does not support a positive hypothesis.

    ``test="two-sided"`` (default): significant when the ``1 - alpha`` interval excludes 0;
    supported when, moreover, the estimate has the expected sign (for "+": ci.lower > 0).
    ``test="one-sided"``: the directional test at level alpha, i.e. the bound of the
    ``1 - 2 alpha`` interval on the expected side excludes 0, and ``pvalue`` is one-sided
    (a non-directional hypothesis stays two-sided). The interval is the bootstrap interval
    (``ci_method``) when the fit was bootstrapped, the Wald interval otherwise (then
    equivalent to the p value).

    Parameters
    ----------
    result : SEMResult or PLSResult
        A CB-SEM fit, or a bootstrapped PLS fit (``fit_pls(..., bootstrap=B, seed=S)``;
        a PLS fit without a bootstrap has no standard errors and is refused).
    alpha : float
        Significance level.
    ci_method : {"percentile", "bca", "normal"}
        Bootstrap interval type.
    expected : dict, optional
        Expected signs by path, over those of the model file.
    test : {"two-sided", "one-sided"}
    defined : bool
        Add the model's defined parameters (e.g. ``ind := a*b``) as further hypotheses, with
        ``path`` the definition and empty ``from``/``to`` (see :mod:`csi_model.sem.defined`).

    Returns
    -------
    DataFrame
        ``hypothesis, path, from, to, expected, est`` (B), ``std.all`` (β), ``se, z,
        pvalue, ci.lower, ci.upper`` (the interval of B), ``std.ci.lower, std.ci.upper``
        (the interval of β itself), ``ci.type, test, significant, supported``.

    Examples
    --------
    >>> import csi_model as cm
    >>> res = cm.fit("telecom", cm.simulate_survey("telecom", n=300, seed=1))
    >>> hypotheses(res)[["hypothesis", "path"]].head(2).to_string(index=False)
    'hypothesis         path\\n        H1 IMAG -> EXPE\\n        H2 EXPE -> QUAL'
    >>> h = hypotheses(res, expected={"LOY ~ COMP": "-"})
    >>> h.loc[h["path"] == "COMP -> LOY", "expected"].item()
    '-'
    """
    if not 0 < alpha < 1:
        raise ValueError(f"The 'alpha' parameter of hypotheses must be in (0, 1). "
                         f"Got {alpha!r} instead.")
    if test not in _TESTS:
        raise ValueError(f"The 'test' parameter of hypotheses must be 'two-sided' or "
                         f"'one-sided'. Got {test!r} instead.")
    one_sided = test == "one-sided"
    if one_sided and not alpha < 0.5:
        raise ValueError(f"A one-sided test needs alpha < 0.5. Got {alpha!r} instead.")
    level = 1 - 2 * alpha if one_sided else 1 - alpha
    _check(level, ci_method)
    signs = _expected(result.spec, expected)
    pls = _is_pls(result)
    boot = getattr(result, "bootstrap", None)
    if pls and boot is None:
        raise ValueError("Hypothesis tests of a PLS fit need its bootstrap (PLS has no "
                         "standard errors without one): fit_pls(..., bootstrap=5000, seed=1), "
                         "or bootstrap_pls(result, seed=1).")
    if boot is not None:
        ci_type = f"bootstrap {ci_method} ({boot.B - boot.n_failed} resamples)"
    else:
        ci_type = "Wald"
    # the interval of beta (std.all) itself: the standardized direct effect's own interval
    direct = effects(result, standardized=not pls, level=level, ci_method=ci_method)
    direct = direct[direct["effect"] == "direct"].set_index(["from", "to"])
    est = result.estimates
    ci = boot.ci(level, ci_method) if boot is not None and not pls else None
    zc = stats.norm.ppf(0.5 + level / 2)
    pt = None if pls else result.spec.partable()
    rows = []
    for k, (frm, to) in enumerate(result.spec.structural_paths, start=1):
        r = est[(est["op"] == "~") & (est["lhs"] == to) & (est["rhs"] == frm)].iloc[0]
        d = direct.loc[(frm, to)]
        if pls:
            lo, hi = d["ci.lower"], d["ci.upper"]
        elif ci is not None:
            free = pt[(pt["op"] == "~") & (pt["lhs"] == to) & (pt["rhs"] == frm)]["free"].iloc[0]
            lo, hi = ((ci.iloc[free - 1]["ci.lower"], ci.iloc[free - 1]["ci.upper"])
                      if free > 0 else (r["est"], r["est"]))
        else:
            lo, hi = r["est"] - zc * r["se"], r["est"] + zc * r["se"]
        sign = signs[(frm, to)]
        directional = one_sided and sign != "any"
        z = r["z"]
        if directional:
            p = float(stats.norm.sf(z) if sign == "+" else stats.norm.cdf(z))
            significant = bool(lo > 0) if sign == "+" else bool(hi < 0)
        else:
            p = r["pvalue"]
            significant = bool(lo > 0 or hi < 0)
        in_direction = {"+": r["est"] > 0, "-": r["est"] < 0, "any": True}[sign]
        rows.append({"hypothesis": f"H{k}", "path": f"{frm} -> {to}", "from": frm, "to": to,
                     "expected": sign, "est": r["est"], "std.all": r["std.all"], "se": r["se"],
                     "z": z, "pvalue": p, "ci.lower": lo, "ci.upper": hi,
                     "std.ci.lower": d["ci.lower"], "std.ci.upper": d["ci.upper"],
                     "ci.type": ci_type, "test": "one-sided" if directional else "two-sided",
                     "significant": significant,
                     "supported": bool(significant and in_direction)})
    table = pd.DataFrame(rows)
    if defined and result.spec.defined_parameters:
        from .defined import defined_hypotheses
        table = pd.concat([table, defined_hypotheses(result, len(table) + 1, alpha, ci_method)],
                          ignore_index=True)
    return table
