"""Consistent PLS (PLSc; Dijkstra & Henseler 2015, *MIS Quarterly* 39(2)).

PLS composites of reflective items contain measurement error, so PLS loadings are too
large and construct correlations and paths too small. PLSc corrects them for the blocks
that are common factors (``=~`` blocks estimated in mode A when ``consistent=True``):

* rho_A of block j from its converged weights ``w`` (normalized to a composite of
  variance 1 on the item correlations ``S``)::

      c² = w'(S_jj - diag S_jj) w / w'(w w' - diag(w w')) w ,    rho_A = (w'w)² c²

  (1 for a single item and for composites: ``<~`` / mode B blocks);
* loadings ``lambda = c w``;
* construct correlations ``R_ij = corr(composite_i, composite_j) / sqrt(rho_A_i rho_A_j)``
  (diagonal 1);
* paths, R² and total effects by OLS on the corrected correlations.

The outer weights, composite scores and cross-loadings stay those of PLS. This is
cSEM's ``csem(.disattenuate = TRUE)`` with PLS-PM weights, ADANCO's PLSc and seminr's
``PLSc`` (reflective blocks), and the correction is computed in the same batched way as
the PLS algorithm, so bootstrap resamples (:func:`~csi_model.bootstrap_pls`) are
corrected too.
"""
from __future__ import annotations

import numpy as np

from .fit import _PLSProblem

__all__ = ["PLScProblem", "rho_a_batch"]


def rho_a_batch(w: np.ndarray, S: np.ndarray, slices) -> np.ndarray:
    """Dijkstra-Henseler's rho_A of every block (b, L) from weights (b, m) and S (b, m, m).

    ``w`` must give composites of variance 1 under ``S`` (correlation metric). Single-item
    blocks get 1. A block whose c² is negative gets NaN (no consistent solution).
    """
    out = np.ones((w.shape[0], len(slices)))
    for j, sl in enumerate(slices):
        if sl.stop - sl.start < 2:
            continue
        wj = w[:, sl]
        Sj = S[:, sl, sl]
        off = Sj - np.einsum("bii->bi", Sj)[:, :, None] * np.eye(Sj.shape[1])
        num = np.einsum("bi,bij,bj->b", wj, off, wj)
        ww = np.einsum("bi,bi->b", wj, wj)
        den = ww ** 2 - np.einsum("bi->b", wj ** 4)
        with np.errstate(invalid="ignore", divide="ignore"):
            c2 = num / den
        out[:, j] = np.where(c2 > 0, ww ** 2 * c2, np.nan)
    return out


class PLScProblem(_PLSProblem):
    """A PLS problem whose estimates are corrected for the common-factor blocks (PLSc).

    ``factors`` names the latents treated as common factors (the others, mode B or named
    composites, are left as composites).
    """

    consistent = True

    def __init__(self, spec, scheme, modes, scaled, max_iter, tol, factors):
        super().__init__(spec, scheme, modes, scaled, max_iter, tol)
        self.factors = np.array([lv in factors and self.modes[k] == "A"
                                 for k, lv in enumerate(self.latents)])

    def estimate(self, S, sd=None):
        est = super().estimate(S, sd)
        w = est["w"]
        rho = rho_a_batch(w, S, self.slices)
        est["rho_a"] = rho
        q = np.where(self.factors[None, :], np.sqrt(rho), 1.0)      # sqrt(rho_A) or 1
        load = est["loadings"].copy()
        for j, sl in enumerate(self.slices):
            if self.factors[j]:
                ww = np.einsum("bi,bi->b", w[:, sl], w[:, sl])
                load[:, sl] = w[:, sl] * (q[:, j] / ww)[:, None]
        est["loadings"] = load
        est["C_proxy"] = est["C"]
        C = est["C"] / (q[:, :, None] * q[:, None, :])
        idx = np.arange(self.L)
        C[:, idx, idx] = 1.0
        est["C"] = C
        Bm = np.zeros_like(C)
        r2 = np.zeros((len(w), self.L))
        for k in self.endo:
            P = self.preds[k]
            with np.errstate(invalid="ignore"):
                try:
                    beta = np.linalg.solve(C[:, P[:, None], P[None, :]], C[:, P, k][..., None])[..., 0]
                except np.linalg.LinAlgError:
                    beta = np.full((len(w), P.size), np.nan)
            Bm[:, P, k] = beta
            r2[:, k] = np.einsum("bp,bp->b", beta, C[:, P, k])
        est["B"] = Bm
        est["r2"] = r2
        eye = np.eye(self.L)
        with np.errstate(invalid="ignore"):
            try:
                est["total"] = np.linalg.inv(eye - Bm) - eye
            except np.linalg.LinAlgError:
                est["total"] = np.full_like(Bm, np.nan)
        # a block without a consistent solution (rho_A NaN) makes the corrected estimates NaN,
        # so a bootstrap resample with one counts as failed; "converged" stays the PLS
        # algorithm's own
        return est


def plsc_warnings(problem: PLScProblem, core: dict) -> list[str]:
    """Improper-solution messages of a PLSc fit (rho_A, construct correlations, R²)."""
    out = []
    lat = problem.latents
    rho = core["rho_a"]
    for k, lv in enumerate(lat):
        if problem.factors[k] and not np.isfinite(rho[k]):
            out.append(f"PLSc: rho_A of {lv} cannot be computed (its items' correlations "
                       "contradict a common factor); estimate it as a composite (<~ or "
                       "consistent=False).")
        elif problem.factors[k] and rho[k] > 1:
            out.append(f"PLSc: rho_A of {lv} is {rho[k]:.3f} (above 1): an improper "
                       "solution; its corrected loadings and correlations are not trustworthy.")
    C = core["C"]
    iu = np.triu_indices(problem.L, 1)
    over = [(lat[i], lat[j]) for i, j in zip(*iu) if abs(C[i, j]) > 1]
    if over:
        out.append(f"PLSc: the corrected construct correlation(s) {over} exceed 1 in absolute "
                   "value (an improper solution): the constructs are not distinct or a block "
                   "is not a common factor.")
    elif np.isfinite(C).all() and np.linalg.eigvalsh(C).min() < 0:
        out.append("PLSc: the corrected construct correlation matrix is not positive definite "
                   "(an improper solution).")
    for k in problem.endo:
        if not (0 <= core["r2"][k] <= 1):
            out.append(f"PLSc: the R² of {lat[k]} is {core['r2'][k]:.3f}, outside [0, 1] (an "
                       "improper solution).")
    return out
