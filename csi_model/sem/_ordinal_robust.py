"""lavaan 0.6-14's "robust" CFI, TLI and RMSEA for ordered items (Savalei 2021).

What ``lav_fit_catml_dwls`` does, for ordered items only: the model is evaluated (not refit)
at the DWLS/ULS estimates with the normal-theory ML discrepancy between each group's
polychoric matrix ``R_g`` and the implied correlation matrix ``Sigma_g`` ("catML"):
``X3 = sum_g N_g (log|Sigma_g| + tr(R_g Sigma_g^-1) - log|R_g| - p)``, and its baseline
``sum_g -N_g log|R_g|``. The scaling constant is ``c3 = tr(M' V M Gamma) / df`` with
``M = I - Delta E^-1 Delta' W`` (the correlation rows of the DWLS Jacobian ``Delta``, ``E`` the
DWLS information, ``W`` the DWLS weights), ``V`` the ML weight of correlations at ``Sigma_g``
(``V[ij, kl] = s_ik s_jl + s_il s_jk``, ``s = Sigma^-1``), each group's blocks weighted by
``N_g / N`` (``Gamma`` by ``N / N_g``); the baseline's constant is ``tr(Gamma) / df0``.
Then, with lavaan's ``N - G``: ``rmsea.robust = sqrt(G) sqrt(max(X3 / df - c3, 0) / (N - G))``,
``cfi.robust = 1 - max(X3 - c3 df, 0) / max(X3 - c3 df, X3_0 - c0 df0, 0)``, TLI likewise.

lavaan gives NA when a group's polychoric matrix is not positive definite (and, in 0.6-14,
for models whose thresholds carry equality labels, whose catML refit fails: see
:mod:`~csi_model.sem.ordinal_groups`); so do we (NaN).

Savalei, V. (2021). Improving fit indices in structural equation modeling with categorical
data. Multivariate Behavioral Research, 56(3), 390-407.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import fit_indices as fi

__all__ = ["RobustGroup", "robust_measures", "NAN_ROBUST"]

NAN_ROBUST = {k: float("nan") for k in ("cfi.robust", "tli.robust", "rmsea.robust",
                                         "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")}


@dataclass(frozen=True)
class RobustGroup:
    """One group's pieces: sample and implied correlations (pair order), Gamma's and the
    DWLS weights' correlation blocks, the correlation rows of the Jacobian (all parameters)."""

    n: int
    p: int
    r: np.ndarray          # sample correlations, below the diagonal column by column
    sigma: np.ndarray      # implied correlations, same order
    gamma: np.ndarray      # Gamma (NACOV), correlation block
    w: np.ndarray          # DWLS weights (diagonal), correlation block
    delta: np.ndarray      # d sigma / d theta (correlations x all free parameters)


def _full(vec: np.ndarray, p: int) -> np.ndarray:
    M = np.eye(p)
    k = 0
    for j in range(p):
        for i in range(j + 1, p):
            M[i, j] = M[j, i] = vec[k]
            k += 1
    return M


def _ml_weight(S: np.ndarray) -> np.ndarray:
    """0.5 D'(S^-1 x S^-1)D for the correlations (lavaan's duplication_cor_pre_post)."""
    Si = np.linalg.inv(S)
    p = len(S)
    pairs = [(i, j) for j in range(p) for i in range(j + 1, p)]
    a = np.array([i for i, _ in pairs])
    b = np.array([j for _, j in pairs])
    return Si[np.ix_(a, a)] * Si[np.ix_(b, b)] + Si[np.ix_(a, b)] * Si[np.ix_(b, a)]


def robust_measures(groups: list[RobustGroup], e_inv: np.ndarray, df: float,
                    df0: float) -> dict[str, float]:
    """lavaan's cfi/tli/rmsea(.ci).robust for ordered items; NaN where lavaan gives NA."""
    N = sum(g.n for g in groups)
    G = len(groups)
    X3 = X30 = 0.0
    blocks_w, blocks_v, blocks_g, deltas = [], [], [], []
    for g in groups:
        R, S = _full(g.r, g.p), _full(g.sigma, g.p)
        if np.linalg.eigvalsh(R).min() < np.sqrt(np.finfo(float).eps):
            return dict(NAN_ROBUST)
        ldS, ldR = np.linalg.slogdet(S)[1], np.linalg.slogdet(R)[1]
        X3 += g.n * (ldS + np.trace(R @ np.linalg.inv(S)) - ldR - g.p)
        X30 += -g.n * ldR
        fg = g.n / N
        blocks_w.append(fg * g.w)
        blocks_v.append(fg * _ml_weight(S))
        blocks_g.append(g.gamma / fg)
        deltas.append(g.delta)
    from scipy.linalg import block_diag
    W = np.concatenate(blocks_w)
    V = block_diag(*blocks_v)
    Gam = block_diag(*blocks_g)
    D = np.vstack(deltas)
    M = np.eye(len(W)) - D @ e_inv @ (D.T * W)
    c3 = float(np.trace(M.T @ V @ M @ Gam)) / df if df > 0 else float("nan")
    c0 = float(np.trace(Gam)) / df0
    t1 = max(X3 - c3 * df, 0.0)
    t2 = max(X3 - c3 * df, X30 - c0 * df0, 0.0)
    cfi = 1.0 if np.isclose(t1, 0) and np.isclose(t2, 0) else 1.0 - t1 / t2
    tt1, tt2 = (X3 - c3 * df) * df0, (X30 - c0 * df0) * df
    tli = 1.0 - tt1 / tt2 if df > 0 and abs(tt2) > 0 else 1.0
    n_eff = N - G
    rmsea = float(np.sqrt(max((X3 / n_eff) / df - c3 / n_eff, 0.0)) * np.sqrt(G)) if df > 0 else 0.0
    lo, hi = fi.rmsea_ci(X3 / c3, df, n_eff, n_groups=G) if df > 0 else (0.0, 0.0)
    return {"cfi.robust": float(cfi), "tli.robust": float(tli), "rmsea.robust": rmsea,
            "rmsea.ci.lower.robust": float(lo * np.sqrt(c3)),
            "rmsea.ci.upper.robust": float(hi * np.sqrt(c3))}
