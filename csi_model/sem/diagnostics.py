"""CFA diagnostics on a fitted :class:`~csi_model.sem._ram.RAMModel`: modification indices and residuals.

Mathematics only (no semopy, no user input), with lavaan 0.6's conventions:

* :func:`modification_indices` is the score test of ``lavaan::modindices()``: the model is
  extended by lavaan's candidate parameters (``lav_partable_full``: loadings ``lv =~ ov``,
  covariances among the indicators and among the latents, regressions among the variables
  of the regressions, intercepts with a mean structure) that are not in it, at 0, and by its
  own fixed parameters, freed at their values; with ``g`` the gradient of lavaan's
  ``fmin = F / 2`` and ``J`` the expected information per case of the extended model,
  ``V = J_ee - J_em J_mm^-1 J_me``, ``MI = N g_e^2 / diag(V)`` and ``EPC = -g_e / diag(V)``;
  ``sepc.lv/all/nox`` standardize ``|EPC|`` with the fitted variances. Rows with ``V`` ~ 0
  (a parameter equivalent to one in the model) are dropped, as lavaan's ``na.remove``.
  :func:`modification_indices_groups` does the same per group in the joint likelihood of a
  multi-group fit (gradients and information weighted by ``N_g / N``; with sampling weights
  on the weighted moments, N_g the sum of the weights; with FIML the missing-data
  likelihood's gradient and expected information) and :func:`equality_score_tests` releases
  its equality constraints (``lavTestScore``).
* :func:`residuals` gives the raw covariance residuals ``S - Sigma`` and lavaan's
  ``type = "normalized"`` residuals: divided by the standard error of the sample covariance
  under the unrestricted normal model, ``sqrt((s_ii s_jj + s_ij^2) / N)`` (they agree with
  lavaan 0.6-14 to about 5e-4). lavaan's ``type = "standardized"`` residuals (divided by
  the standard error of the residual itself) are not computed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import _estimation as est
from ._ram import RAMModel

__all__ = ["modification_indices", "modification_indices_groups", "equality_score_tests",
           "residuals"]


def _lavaan_full(model: RAMModel, ov_x) -> list[tuple[str, str, str]]:
    """lavaan's ``lav_partable_full`` for one group: every parameter modindices() considers.

    Loadings of every latent on every observed variable not in a regression; (residual)
    covariances and variances among the indicators; covariances and variances among the
    latents; regressions among the variables of the regressions (not an indicator on a
    latent); intercepts when the model has a mean structure.
    """
    pt = model.partable
    ov, lv = list(model.observed), list(model.latents)
    ov_x = set(ov_x)
    ov_nox = [v for v in ov if v not in ov_x]
    ov_ind = set(pt.loc[pt.op == "=~", "rhs"]) - set(lv)
    reg = pt[pt.op == "~"]
    eqs = list(dict.fromkeys([*reg["lhs"], *reg["rhs"]]))
    out: list[tuple[str, str, str]] = []
    out += [(f, "=~", x) for f in lv for x in ov_nox if x not in eqs]
    for names in ([v for v in ov_nox if v in ov_ind], lv):
        out += [(a, "~~", b) for i, a in enumerate(names) for b in names[i:]]
    out += [(y, "~", x) for y in eqs for x in eqs
            if y != x and not (y in ov_ind and x in lv)]
    if model.meanstructure:
        out += [(v, "~1", "") for v in ov + lv]
    return out


def _extension(model: RAMModel, ov_x, first: int):
    """The candidate rows of one group and the group's table extended by them.

    As lavaan's ``lav_object_extended(all.free = TRUE)``: the candidates not in the model, and
    the model's fixed parameters (markers, fixed values) freed, at their current values. The
    candidates take the parameter numbers ``first + 1, ...`` (1-based). The predictors'
    fixed.x rows are parameters here already (estimated at their sample moments).
    """
    pt = model.partable
    present = set(zip(pt["lhs"], pt["op"], pt["rhs"]))
    present |= {(r, "~~", l) for l, o, r in zip(pt["lhs"], pt["op"], pt["rhs"]) if o == "~~"}
    new = [c for c in _lavaan_full(model, ov_x) if c not in present]
    ext = pt[["lhs", "op", "rhs", "free", "ustart", "label"]].copy()
    ext["ustart"] = ext["ustart"].astype(float)
    fixed = np.flatnonzero((ext["free"].to_numpy() == 0) & ext["op"].isin(["=~", "~", "~~", "~1"])
                           .to_numpy())
    extra = pd.DataFrame({"lhs": [c[0] for c in new], "op": [c[1] for c in new],
                          "rhs": [c[2] for c in new], "free": 0, "ustart": 0.0, "label": ""})
    ext = pd.concat([ext, extra], ignore_index=True)
    rows = np.concatenate([fixed, len(pt) + np.arange(len(new))]).astype(int)
    start = ext["ustart"].to_numpy()[rows].copy()
    ext.loc[rows, "free"] = first + 1 + np.arange(len(rows))
    return ext, rows, start


def _mi_table(models, theta, moments, ns, ov_x=(), groups=None) -> pd.DataFrame:
    """Modification indices of one or several groups sharing the parameter vector ``theta``."""
    q = len(theta)
    N = sum(ns)
    exts, first = [], q
    for m in models:
        ext, rows, start = _extension(m, ov_x, first)
        exts.append((ext, rows, start, first))
        first += len(rows)
    cols = ["lhs", "op", "rhs", "mi", "epc", "sepc.lv", "sepc.all", "sepc.nox"]
    if groups is not None:
        cols.insert(3, "group")
    if first == q:
        return pd.DataFrame(columns=cols)
    theta_ext = np.concatenate([theta] + [e[2] for e in exts])
    g = np.zeros(first)
    J = np.zeros((first, first))
    rams = []
    for m, (ext, rows, start, _), mom, n in zip(models, exts, moments, ns):
        ram = RAMModel.from_partable(ext, m.observed, m.latents, n_params=first)
        rams.append(ram)
        g_k, J_k = _group_terms(ram, theta_ext, mom, n, N)
        g += g_k
        J += J_k
    m_idx, e_idx = np.arange(q), np.arange(q, first)
    Jmm = J[np.ix_(m_idx, m_idx)]
    Jem = J[np.ix_(e_idx, m_idx)]
    try:
        Jmm_inv = np.linalg.inv(Jmm)
    except np.linalg.LinAlgError:
        Jmm_inv = np.linalg.pinv(Jmm)
    V = np.diag(J)[e_idx] - np.einsum("ij,jk,ik->i", Jem, Jmm_inv, Jem)
    V = np.where(V < np.finfo(float).eps ** (1 / 3), np.nan, V)
    ge = g[e_idx]
    mi = N * ge ** 2 / V
    epc = -ge / V
    parts = []
    for k, (m, ram, (ext, rows, start, off)) in enumerate(zip(models, rams, exts)):
        sl = slice(off - q, off - q + len(rows))
        part = ext.iloc[rows][["lhs", "op", "rhs"]].reset_index(drop=True)
        if groups is not None:
            part.insert(3, "group", groups[k])
        part["mi"], part["epc"] = mi[sl], epc[sl]
        part = pd.concat([part, _sepc(m, ram, theta, rows, epc[sl], start, ov_x)], axis=1)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out = out[np.isfinite(out["mi"].to_numpy(dtype=float))]
    return out[cols].sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)


def _group_terms(ram: RAMModel, theta, source, n, N) -> tuple[np.ndarray, np.ndarray]:
    """One group's share of the gradient of lavaan's ``fmin`` and of the expected information
    per case of the whole sample (``n`` the group's N, ``N`` the total).

    ``source`` is the group's :class:`~csi_model.sem._estimation.Moments` (complete data:
    ``fmin = F / 2``) or its :class:`~csi_model.sem._fiml.MissingData` (FIML, lavaan's
    ``missing = "ml"``: ``fmin = -loglik / N``, and the expected information of the
    missing-data likelihood, ``lav_mvnorm_missing_information_expected``: per pattern of
    answers the complete-data information of the answered moments at the implied moments,
    times the pattern's (weighted) count).
    """
    from . import _fiml as fiml
    if not isinstance(source, fiml.MissingData):
        return (n / N * 0.5 * est.ml_gradient(ram, theta, source),
                n / N * est.expected_information(ram, theta))
    Sigma, mu = ram.implied(theta)
    _, GS, gm = fiml.case_terms(Sigma[None], mu[None], source)
    dS, dm = ram.jacobian(theta)
    dll = np.einsum("kpq,pq->k", dS, GS[0]) + dm @ gm[0]
    Delta = fiml.moment_jacobian(dS, dm)
    A = fiml.h1_information(Sigma, mu, source, observed=False) * source.n   # a sum over cases
    return -dll / N, Delta.T @ A @ Delta / N


def _sepc(model: RAMModel, ram: RAMModel, theta, rows, epc, start, ov_x) -> pd.DataFrame:
    """lavaan's sepc.lv, sepc.all and sepc.nox: sign(epc) times the standardized |epc|, with the
    variances of the fitted model (for a freed variance: its current value, 0 if ~0)."""
    from .results import _std_formula, _std_plan
    A, S, _ = model.matrices(theta)
    _, C, _ = model.parts(theta)
    var, res_var = np.diag(C), np.diag(S)
    kinds = _std_plan(ram)[0][rows]
    value = np.where(kinds == 2, np.abs(start), np.abs(epc))
    small = (kinds == 2) & (value < np.sqrt(np.finfo(float).eps))
    out = {}
    for kind in ("std.lv", "std.all", "std.nox"):
        k, li, ri, scaled = _std_plan(ram, kind, ov_x)
        plan = (k[rows], li[rows], ri[rows], scaled)
        std = np.sign(epc) * _std_formula(plan, value, var, res_var)
        if kind == "std.nox":
            # a candidate regression of a predictor (lavaan's ov.x) on another variable:
            # lavaan's std.nox divides by the sd of its lhs all the same
            x_lhs = (plan[0] == 1) & ~scaled[plan[1]]
            with np.errstate(divide="ignore", invalid="ignore"):
                std = np.where(x_lhs, std / np.sqrt(var[plan[1]]), std)
        out["sepc." + kind[4:]] = np.where(small, 0.0, std)
    return pd.DataFrame(out)


def modification_indices(model: RAMModel, theta: np.ndarray, mom: est.Moments, *,
                         ov_x=()) -> pd.DataFrame:
    """Modification indices and expected parameter changes (lavaan's ``modindices()``).

    Parameters
    ----------
    model : RAMModel
        The fitted model.
    theta : ndarray
        Its estimates.
    mom : Moments
        The sample moments it was fitted to (complete data, ML).
    ov_x : sequence of str
        The observed exogenous predictors (lavaan's ``ov.x``), left unstandardized by
        ``sepc.nox``.

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, mi, epc, sepc.lv, sepc.all, sepc.nox``, sorted by ``mi`` (largest
        first); rows whose restricted information is (near) zero have ``mi`` NaN and are
        dropped, as lavaan's ``na.remove = TRUE``.

    Examples
    --------
    >>> from csi_model.model.spec import ModelSpec
    >>> spec = ModelSpec.from_syntax("f =~ x1 + x2 + x3 + x4")
    >>> model = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
    >>> rng = np.random.default_rng(1)
    >>> X = rng.normal(size=(200, 1)) + rng.normal(size=(200, 4))
    >>> mom = est.Moments.from_data(X)
    >>> theta, _, _ = est.fit_ml(model, model.start_values(mom.cov), mom)
    >>> mi = modification_indices(model, theta, mom)
    >>> list(mi.columns), sorted(set(mi.op))
    (['lhs', 'op', 'rhs', 'mi', 'epc', 'sepc.lv', 'sepc.all', 'sepc.nox'], ['~~'])
    """
    return _mi_table([model], np.asarray(theta, float), [mom], [mom.n], ov_x)


def modification_indices_groups(models, theta: np.ndarray, moments, groups, *,
                                ov_x=()) -> pd.DataFrame:
    """Modification indices of a multi-group fit (lavaan's ``modindices()`` with groups).

    Every parameter that could be freed in each group, one at a time, scored in the joint
    likelihood (the groups' gradients and expected information weighted by ``N_g / N``).
    Equality constraints across groups are not released here (lavaan: ``lavTestScore``; see
    :func:`csi_model.invariance`'s suggestions); a fixed parameter that equal loadings make
    free-able (e.g. one group's marker) is listed per group, as lavaan lists it.
    ``moments`` holds each group's complete-data :class:`~csi_model.sem._estimation.Moments`
    (weighted ones with sampling weights, their ``n`` the group's N) or its FIML
    :class:`~csi_model.sem._fiml.MissingData` (see :func:`_group_terms`).

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, group, mi, epc, sepc.lv, sepc.all, sepc.nox``, largest ``mi`` first.
    """
    return _mi_table(list(models), np.asarray(theta, float), list(moments),
                     [_group_n(m) for m in moments], ov_x, list(groups))


def _group_n(source) -> float:
    """A group's N: its moments' n, or the sum of its (FIML) data's weights."""
    from . import _fiml as fiml
    return float(source.w.sum()) if isinstance(source, fiml.MissingData) else source.n


def equality_score_tests(models, theta: np.ndarray, moments, groups) -> tuple[pd.DataFrame, dict]:
    """Score tests of releasing each equality constraint (lavaan's ``lavTestScore(fit)``).

    A parameter held equal in several rows (``group.equal`` or a shared label) is one entry of
    ``theta``; each row after the first carrying it is released alone (``uni``: 1 df each) and
    all at once (``total``), in the joint likelihood of the groups: with the released row's
    value ``theta_k + delta``, ``X2 = N g' J^+ g`` at ``delta = 0`` over the model's
    parameters and the released deltas (lavaan's form: ``g`` the gradient of ``fmin``, whose
    model part is 0 at the optimum, so that this is ``N g_delta^2 / V`` with ``V`` the
    information of ``delta`` given the model's parameters, as the modification indices;
    ``J^+`` the pseudo-inverse of the expected information per case, as ``MASS::ginv``).
    With sampling weights ``moments`` carry each group's weighted moments and N (the sum of
    its weights), as lavaan's naive ``lavTestScore`` of a weighted fit; for FIML they are the
    groups' :class:`~csi_model.sem._fiml.MissingData` (see :func:`_group_terms`).

    Returns
    -------
    (DataFrame, dict)
        ``group, lhs, op, rhs, ref.group, X2, df, pvalue`` per released row (``ref.group``: the
        group of the row it was equal to), and the joint test ``{"X2", "df", "pvalue"}``.
    """
    from .. import _distributions as stats

    theta = np.asarray(theta, float)
    q = len(theta)
    ns = [_group_n(m) for m in moments]
    N = sum(ns)
    seen: dict[int, str] = {}
    released = []              # (group index, row, parameter index 0-based)
    for gi, m in enumerate(models):
        for r, k in enumerate(m.partable["free"].to_numpy()):
            if k <= 0:
                continue
            if k in seen:
                released.append((gi, r, int(k) - 1, seen[k]))
            else:
                seen[k] = groups[gi]
    cols = ["group", "lhs", "op", "rhs", "ref.group", "X2", "df", "pvalue"]
    if not released:
        return pd.DataFrame(columns=cols), {"X2": 0.0, "df": 0, "pvalue": np.nan}
    E = len(released)
    tables = [m.partable[["lhs", "op", "rhs", "free", "ustart", "label"]].copy() for m in models]
    for e, (gi, r, k, _) in enumerate(released):
        tables[gi].iat[r, tables[gi].columns.get_loc("free")] = q + 1 + e
    theta_full = np.concatenate([theta, theta[[k for _, _, k, _ in released]]])
    g = np.zeros(q + E)
    J = np.zeros((q + E, q + E))
    for m, pt, mom, n in zip(models, tables, moments, ns):
        ram = RAMModel.from_partable(pt, m.observed, m.latents, n_params=q + E)
        g_k, J_k = _group_terms(ram, theta_full, mom, n, N)
        g += g_k
        J += J_k
    T = np.eye(q + E)                   # (theta, delta) -> the split parameters
    for e, (_, _, k, _) in enumerate(released):
        T[q + e, k] = 1.0
    g, J = T.T @ g, T.T @ J @ T
    # lavaan's form: N g' J^+ g over the model's parameters and the released ones, with the
    # model's own gradient (0 at an exact optimum) and a pseudo-inverse (MASS::ginv), so that
    # a release equivalent to a free parameter (e.g. the intercept of a single indicator
    # beside a free latent mean) gives ~0 rather than 0 / 0
    m_idx = np.arange(q)

    def stat(idx):
        return float(N * g[idx] @ _ginv(J[np.ix_(idx, idx)]) @ g[idx])

    X2 = np.array([stat(np.append(m_idx, q + e)) for e in range(E)])
    rows = []
    for (gi, r, k, ref), x2 in zip(released, X2):
        row = models[gi].partable.iloc[r]
        rows.append({"group": groups[gi], "lhs": row.lhs, "op": row.op, "rhs": row.rhs,
                     "ref.group": ref, "X2": x2, "df": 1, "pvalue": float(stats.chi2.sf(x2, 1))})
    total = stat(np.arange(q + E))
    return pd.DataFrame(rows, columns=cols), {"X2": total, "df": E,
                                              "pvalue": float(stats.chi2.sf(total, E))}


def _ginv(A: np.ndarray) -> np.ndarray:
    """The Moore-Penrose inverse with MASS::ginv's tolerance (sqrt(eps) times the largest
    singular value)."""
    return np.linalg.pinv(A, rcond=np.sqrt(np.finfo(float).eps), hermitian=True)


def residuals(model: RAMModel, theta: np.ndarray, mom: est.Moments) -> dict[str, pd.DataFrame]:
    """Covariance residuals: ``raw`` (S - Sigma) and ``normalized`` (lavaan's type="normalized")."""
    Sigma, _ = model.implied(theta)
    S = mom.cov
    names = list(model.observed)
    raw = S - Sigma
    var_h1 = (np.outer(np.diag(S), np.diag(S)) + S ** 2) / mom.n
    with np.errstate(divide="ignore", invalid="ignore"):
        normalized = raw / np.sqrt(var_h1)
    return {"raw": pd.DataFrame(raw, index=names, columns=names),
            "normalized": pd.DataFrame(normalized, index=names, columns=names)}
