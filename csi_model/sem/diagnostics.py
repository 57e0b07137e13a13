"""CFA diagnostics on a fitted :class:`~csi_model.sem._ram.RAMModel`: modification indices and residuals.

Mathematics only (no semopy, no user input), with lavaan 0.6's conventions:

* :func:`modification_indices` is the score test of ``lavaan::modindices()``: the model is
  extended by every candidate parameter fixed at 0 (cross-loadings ``lv =~ ov``, residual
  covariances ``ov ~~ ov``, latent covariances not yet free); with ``g`` the gradient of
  lavaan's ``fmin = F / 2`` and ``J`` the expected information per case of the extended
  model (both at the estimate, the candidates at 0),
  ``V = J_ee - J_em J_mm^-1 J_me``, ``MI = N g_e^2 / diag(V)`` and ``EPC = -g_e / diag(V)``.
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

__all__ = ["modification_indices", "residuals"]


def _candidates(model: RAMModel) -> list[tuple[str, str, str]]:
    pt = model.partable
    present = set(zip(pt["lhs"], pt["op"], pt["rhs"]))
    present |= {(r, "~~", l) for l, o, r in zip(pt["lhs"], pt["op"], pt["rhs"]) if o == "~~"}
    out: list[tuple[str, str, str]] = []
    for lv in model.latents:
        for ov in model.observed:
            if (lv, "=~", ov) not in present:
                out.append((lv, "=~", ov))
    for names in (model.observed, model.latents):
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                if (a, "~~", b) not in present:
                    out.append((a, "~~", b))
    return out


def modification_indices(model: RAMModel, theta: np.ndarray, mom: est.Moments) -> pd.DataFrame:
    """Modification indices and expected parameter changes (lavaan's ``modindices()``).

    Returns
    -------
    DataFrame
        ``lhs, op, rhs, mi, epc, sepc.all``, sorted by ``mi`` (largest first); rows whose
        restricted information is (near) zero have ``mi`` NaN and are dropped, as lavaan's
        ``na.remove = TRUE``.
    """
    cands = _candidates(model)
    cols = ["lhs", "op", "rhs", "mi", "epc", "sepc.all"]
    if not cands:
        return pd.DataFrame(columns=cols)
    q = model.n_free
    pt = model.partable
    extra = pd.DataFrame({"lhs": [c[0] for c in cands], "op": [c[1] for c in cands],
                          "rhs": [c[2] for c in cands],
                          "free": np.arange(q + 1, q + 1 + len(cands)),
                          "ustart": np.nan, "label": "", "user": 10})
    ext_pt = pd.concat([pt[extra.columns], extra], ignore_index=True)
    ext = RAMModel.from_partable(ext_pt, model.observed, model.latents)
    theta_ext = np.concatenate([theta, np.zeros(len(cands))])
    g = 0.5 * est.ml_gradient(ext, theta_ext, mom)          # gradient of lavaan's fmin
    J = est.expected_information(ext, theta_ext)
    m_idx, e_idx = np.arange(q), np.arange(q, q + len(cands))
    Jmm = J[np.ix_(m_idx, m_idx)]
    Jem = J[np.ix_(e_idx, m_idx)]
    try:
        Jmm_inv = np.linalg.inv(Jmm)
    except np.linalg.LinAlgError:
        Jmm_inv = np.linalg.pinv(Jmm)
    V = np.diag(J)[e_idx] - np.einsum("ij,jk,ik->i", Jem, Jmm_inv, Jem)
    V = np.where(V < np.finfo(float).eps ** (1 / 3), np.nan, V)
    ge = g[e_idx]
    mi = mom.n * ge ** 2 / V
    epc = -ge / V

    # completely standardized EPC (lavaan's sepc.all with cov.std = TRUE)
    names = list(model.observed) + list(model.latents)
    pos = {v: i for i, v in enumerate(names)}
    _, S, _ = model.matrices(theta)
    _, C, _ = model.parts(theta)
    sd = np.sqrt(np.clip(np.diag(C), 0, None))
    res_var = np.diag(S)
    sepc = np.full(len(cands), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k, (lhs, op, rhs) in enumerate(cands):
            if op == "=~":
                sepc[k] = epc[k] * sd[pos[lhs]] / sd[pos[rhs]]
            else:
                a, b = res_var[pos[lhs]], res_var[pos[rhs]]
                sepc[k] = epc[k] / np.sqrt(a * b) if a > 0 and b > 0 else np.nan
    out = pd.DataFrame({"lhs": [c[0] for c in cands], "op": [c[1] for c in cands],
                        "rhs": [c[2] for c in cands], "mi": mi, "epc": epc, "sepc.all": sepc})
    out = out[np.isfinite(out["mi"])]
    return out.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)


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
