"""Batched ML refits for the CB-SEM bootstrap.

Each bootstrap resample is refitted from its covariance matrix (N in the
denominator), warm-started at the full-sample estimate, by Fisher scoring on
lavaan's ML discrepancy - the same iteration as :func:`csi_model.sem._estimation.fit_ml`,
but for a whole chunk of resamples at once, so numpy works on stacks of small
matrices instead of Python looping over them.

The gradient and the expected information are not built from the (q, p, p)
Jacobian of Sigma. Every free entry e of the RAM matrices changes Sigma by a
symmetric rank-2 term ``s_e (a b' + b a')`` whose vectors a, b are columns of
``U = [F B, F B S B']`` (p x 2m). With ``M = U' V U`` and ``N = U' (V - V S V) U``
(V = Sigma^-1)

    dF/dtheta_e = 2 s_e N[a_e, b_e]
    J_ee'       = s_e s_e' (M[b_e, a_e'] M[a_e, b_e'] + M[b_e, b_e'] M[a_e, a_e'])

(J per observation, E[d2F] = 2J), which costs two (2m x p x p) products per
resample and iteration instead of q^2 p^2. Only the k columns of U that some entry
uses enter M (in the CSI models the items' and latents' columns of F B and the
latents' of F B S B', 37 of 62 for the telecom model), the items' columns of F B are
unit vectors (V e_i is a column of V), J's upper triangle is looked up in M in one
gather and mirrored, and only the diagonal pairs N[a_e, b_e] of N are formed. Each
resample's iterates are the same as with the full products, to rounding
(tests/test_bootstrap_regression.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._fiml import BatchFIML, MissingData
from ._ram import RAMModel

__all__ = ["BatchML", "SEMRefit", "FIMLRefit"]


@dataclass(frozen=True, eq=False)
class BatchML:
    """Index arrays for batched evaluation of one model (complete data, no mean structure)."""

    model: RAMModel
    alpha: np.ndarray = field(init=False)     # column of U for vector a of each entry
    beta: np.ndarray = field(init=False)      # column of U for vector b
    scale: np.ndarray = field(init=False)     # s_e
    root_scale: np.ndarray = field(init=False)
    E: np.ndarray | None = field(init=False)  # (q, n_entries) entry -> parameter sum
    blocked: bool = field(init=False)
    g_cols: np.ndarray = field(init=False)    # columns of F B that the entries use
    h_cols: np.ndarray = field(init=False)    # columns of F B S B' that the entries use
    idx_J: np.ndarray = field(init=False)     # flat positions in M of J's four factors
    upper_flat: np.ndarray = field(init=False)  # flat positions of J's upper triangle
    lower_flat: np.ndarray = field(init=False)  # and of their mirror images
    idx_g: np.ndarray = field(init=False)     # flat positions in M of the gradient's terms
    a_local: np.ndarray = field(init=False)   # column of the used U for vector a of each entry
    b_local: np.ndarray = field(init=False)
    n_unit: int = field(init=False)           # leading used columns that are unit vectors
    _no_units: np.ndarray = field(init=False)
    scale2: np.ndarray = field(init=False)    # 2 s_e s_e' over the upper triangle

    def __post_init__(self):
        m = self.model
        if m.meanstructure:
            raise ValueError("The batched ML refit handles models without a mean structure only.")
        nv, p = m.A0.shape[0], m.p
        ai, aj, ak = m.a_entries
        si, sj, sk = m.s_entries
        alpha = np.concatenate([ai, si])
        beta = np.concatenate([nv + aj, sj])
        scale = np.concatenate([np.ones(ai.size), np.where(si == sj, 0.5, 1.0)])
        keys = np.concatenate([ak, sk])
        order = np.argsort(keys, kind="stable")
        alpha, beta, scale, keys = alpha[order], beta[order], scale[order], keys[order]
        if np.array_equal(keys, np.arange(m.n_free)):
            E = None                      # one entry per parameter (no equality constraints)
        else:
            E = np.zeros((m.n_free, keys.size))
            E[keys, np.arange(keys.size)] = 1.0
        # the usual CSI model: observed variables only load on latents (no effects on or
        # from observed variables), so (I - A)^-1 needs only the latent block inverted
        rows_cols = [(i, j) for i, j in zip(ai, aj)] + \
            [tuple(x) for x in np.argwhere(m.A0 != 0)]
        blocked = all(i < p <= j or (i >= p and j >= p) for i, j in rows_cols)
        object.__setattr__(self, "alpha", alpha)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "root_scale", np.sqrt(scale))
        object.__setattr__(self, "E", E)
        object.__setattr__(self, "blocked", blocked)
        # only the columns of U that some entry uses enter M and N (for the CSI models: the
        # items' and latents' columns of F B and the latents' of F B S B', about 40 of 2m = 62)
        cols, inv = np.unique(np.concatenate([alpha, beta]), return_inverse=True)
        k, ne = cols.size, alpha.size
        a, b = inv[:ne], inv[ne:]
        object.__setattr__(self, "g_cols", cols[cols < nv])
        object.__setattr__(self, "h_cols", cols[cols >= nv] - nv)
        # flat positions in the (k, k) matrices: M[a_e, b_e'], M[b_e, b_e'], M[a_e, a_e'] and
        # the diagonal pairs N[a_e, b_e]
        iu, ju = np.triu_indices(ne)                 # J's upper triangle, e <= e'
        object.__setattr__(self, "idx_J", np.concatenate([
            k * b[iu] + b[ju], k * a[iu] + a[ju], k * a[iu] + b[ju], k * b[iu] + a[ju]]))
        object.__setattr__(self, "upper_flat", iu * ne + ju)
        object.__setattr__(self, "lower_flat", ju * ne + iu)
        object.__setattr__(self, "idx_g", k * a + b)
        object.__setattr__(self, "a_local", a)
        object.__setattr__(self, "b_local", b)
        # in a blocked model an item's column of F B is the unit vector e_i
        n_unit = int(np.sum(cols < p)) if blocked else 0
        object.__setattr__(self, "n_unit", n_unit)
        object.__setattr__(self, "_no_units", np.zeros(0, int))
        object.__setattr__(self, "scale2", 2.0 * scale[iu] * scale[ju])

    # -------------------------------------------------------------- evaluation
    def _matrices(self, theta: np.ndarray):
        """The RAM matrices A and S (R, nv, nv) of each row of theta."""
        m = self.model
        R, nv = theta.shape[0], m.A0.shape[0]
        A = np.broadcast_to(m.A0, (R, nv, nv)).copy()
        S = np.broadcast_to(m.S0, (R, nv, nv)).copy()
        ai, aj, ak = m.a_entries
        A[:, ai, aj] = theta[:, ak]
        si, sj, sk = m.s_entries
        S[:, si, sj] = theta[:, sk]
        S[:, sj, si] = theta[:, sk]
        return A, S

    def implied(self, theta: np.ndarray):
        """Batched (R, q) -> G = F B, H = F B S B', Sigma (R, p, p)."""
        m = self.model
        R = theta.shape[0]
        nv = m.A0.shape[0]
        A, S = self._matrices(theta)
        p = m.p
        if self.blocked:
            # B = [[I, L Bl], [0, Bl]] with Bl = (I - A_ll)^-1 and L the loadings
            Bl = np.linalg.inv(np.eye(nv - p) - A[:, p:, p:])
            B = np.zeros((R, nv, nv))
            B[:, :p, :p] = np.eye(p)
            B[:, :p, p:] = A[:, :p, p:] @ Bl
            B[:, p:, p:] = Bl
        else:
            B = np.linalg.inv(np.eye(nv) - A)
        G = B[:, :p, :]
        H = (G @ S) @ B.transpose(0, 2, 1)
        Sigma = H[:, :, :p]
        return G, H, Sigma

    def _columns(self, theta: np.ndarray):
        """Sigma (R, p, p) and the used columns of U = [F B, F B S B'] for each row of theta:
        (unit, Urest) with ``unit`` the indices of the columns that are unit vectors e_i
        (an item's own column of F B in a blocked model) and Urest (R, p, k - len(unit))
        the others, in the order of ``g_cols, h_cols``."""
        if not self.blocked:
            G, H, Sigma = self.implied(theta)
            return Sigma, self._no_units, np.concatenate(
                [G[:, :, self.g_cols], H[:, :, self.h_cols]], axis=2)
        m = self.model
        p, nv = m.p, m.A0.shape[0]
        A, S = self._matrices(theta)
        # B = [[I, Lam], [0, Bl]] with Bl = (I - A_ll)^-1 and Lam = A_ol Bl, so that
        # F B S = [S_oo + Lam S_lo, S_ol + Lam S_ll] and H = F B S B' = [.. + GS_l Lam', GS_l Bl']
        Bl = np.linalg.inv(np.eye(nv - p) - A[:, p:, p:])
        Lam = A[:, :p, p:] @ Bl
        GS_l = S[:, :p, p:] + Lam @ S[:, p:, p:]
        Sigma = S[:, :p, :p] + Lam @ S[:, p:, :p]
        Sigma += GS_l @ Lam.transpose(0, 2, 1)
        H_l = GS_l @ Bl.transpose(0, 2, 1)
        Urest = np.concatenate([Lam[:, :, self.g_cols[self.n_unit:] - p],
                                H_l[:, :, self.h_cols - p]], axis=2)
        return Sigma, self.g_cols[:self.n_unit], Urest

    def evaluate(self, theta: np.ndarray, cov: np.ndarray, logdet_cov: np.ndarray):
        """F, gradient and 2J for each row of theta (R, q); F = inf where Sigma is not PD."""
        p = self.model.p
        Sigma, unit, Urest = self._columns(theta)
        sign, logdet = np.linalg.slogdet(Sigma)
        ok = sign > 0
        F = np.full(theta.shape[0], np.inf)
        if not ok.all():
            Sigma = np.where(ok[:, None, None], Sigma, np.eye(p))
        V = np.linalg.inv(Sigma)
        trSV = np.einsum("rij,rji->r", cov, V)
        F[ok] = (logdet + trSV - logdet_cov - p)[ok]
        # M = U' V U over the used columns of U only; every entry's terms are then looked up
        # in it (about 10x fewer products than per entry). V e_i is V's column i.
        R = theta.shape[0]
        VUrest = V @ Urest
        VU = np.concatenate([V[:, :, unit], VUrest], axis=2)          # (R, p, k)
        M = np.concatenate([VU[:, unit, :], Urest.transpose(0, 2, 1) @ VU], axis=1)
        Mf = M.reshape(R, -1)
        ne = self.idx_g.size
        # one look-up of M[b_e, b_e'], M[a_e, a_e'], M[a_e, b_e'] and M[b_e, a_e'] for the
        # upper triangle e <= e' of J, which is symmetric; mirrored into the lower one
        X = Mf[:, self.idx_J].reshape(R, 4, -1)
        upper = X[:, 0] * X[:, 1]
        upper += X[:, 2] * X[:, 3]
        upper *= self.scale2
        J_e = np.empty((R, ne * ne))
        J_e[:, self.lower_flat] = upper
        J_e[:, self.upper_flat] = upper
        J_e = J_e.reshape(R, ne, ne)
        # gradient: 2 s_e a_e' (V - V S V) b_e = 2 s_e (M[a_e, b_e] - (V a_e)' S (V b_e))
        SVU = cov @ VU                                                 # (R, p, k)
        quad = np.einsum("rpe,rpe->re", VU[:, :, self.a_local], SVU[:, :, self.b_local])
        g_e = 2 * self.scale * (Mf[:, self.idx_g] - quad)
        if self.E is None:
            return F, g_e, J_e
        g = g_e @ self.E.T
        ne = J_e.shape[1]
        q = self.E.shape[0]
        # E J_e E' as two plain matrix products (a broadcast 2-D @ 3-D matmul is slow)
        JE = (J_e.reshape(R * ne, ne) @ self.E.T).reshape(R, ne, q)
        J2 = (JE.transpose(0, 2, 1).reshape(R * q, ne) @ self.E.T).reshape(R, q, q)
        return F, g, J2

    def objective(self, theta: np.ndarray, cov: np.ndarray, logdet_cov: np.ndarray):
        p = self.model.p
        Sigma = self._columns(theta)[0]         # as evaluate's, to the last bit
        sign, logdet = np.linalg.slogdet(Sigma)
        F = np.full(theta.shape[0], np.inf)
        ok = sign > 0
        if ok.any():
            V = np.linalg.inv(Sigma[ok])
            F[ok] = logdet[ok] + np.einsum("rij,rji->r", cov[ok], V) - logdet_cov[ok] - p
        return F

    # -------------------------------------------------------------- fitting
    def fit(self, theta0: np.ndarray, cov: np.ndarray, *, tol: float = 1e-9,
            max_iter: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fisher scoring with step halving for a stack of covariance matrices.

        Returns (theta (R, q), converged (R,), iterations (R,)); the stopping rule is
        fit_ml's: ``|g' step| < tol``.
        """
        R = cov.shape[0]
        theta = np.broadcast_to(np.asarray(theta0, float), (R, theta0.shape[-1])).copy()
        sign, logdet_cov = np.linalg.slogdet(cov)
        converged = np.zeros(R, bool)
        iters = np.zeros(R, int)
        active = np.flatnonzero(sign > 0)                 # a singular resample cannot be fitted
        if active.size == 0:
            return theta, converged, iters
        F, g, J2 = self.evaluate(theta[active], cov[active], logdet_cov[active])
        for it in range(1, max_iter + 1):
            iters[active] = it
            step = _solve(J2, g)
            dec = np.abs(np.einsum("rq,rq->r", g, step))
            done = (dec < tol) & np.isfinite(F)
            converged[active[done]] = True
            keep = ~done & np.all(np.isfinite(step), axis=1) & np.isfinite(F)
            active, F, step = active[keep], F[keep], step[keep]
            if active.size == 0:
                break
            cand = theta[active] - step
            Fc, gc, J2c = self.evaluate(cand, cov[active], logdet_cov[active])
            bad = ~(np.isfinite(Fc) & (Fc <= F + 1e-12))
            t = 1.0
            while bad.any() and t > 1e-8:
                t *= 0.5
                rows = np.flatnonzero(bad)
                trial = theta[active[rows]] - t * step[rows]
                Ft = self.objective(trial, cov[active[rows]], logdet_cov[active[rows]])
                good = np.isfinite(Ft) & (Ft <= F[rows] + 1e-12)
                if good.any():
                    gr = rows[good]
                    cand[gr] = trial[good]
                    Fc[gr], gc[gr], J2c[gr] = self.evaluate(trial[good], cov[active[gr]],
                                                            logdet_cov[active[gr]])
                    bad[gr] = False
            # resamples whose line search failed stop here, not converged
            alive = ~bad
            theta[active[alive]] = cand[alive]
            active, F, g, J2 = active[alive], Fc[alive], gc[alive], J2c[alive]
            if active.size == 0:
                break
        return theta, converged, iters


def _solve(J2: np.ndarray, g: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(J2, g[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        out = np.full_like(g, np.nan)
        for r in range(g.shape[0]):
            try:
                out[r] = np.linalg.solve(J2[r], g[r])
            except np.linalg.LinAlgError:
                out[r] = np.linalg.lstsq(J2[r], g[r], rcond=None)[0]
        return out


@dataclass(frozen=True, eq=False)
class SEMRefit:
    """A bootstrap statistic: the ML estimate theta on the rows ``indices`` of X.

    Non-converged resamples give NaN (counted as failed by the bootstrap engine).
    Has a ``batch`` method, so :func:`csi_model.bootstrap.bootstrap` refits a whole
    chunk of resamples at once.
    """

    model: RAMModel
    X: np.ndarray
    theta0: np.ndarray
    tol: float = 1e-9
    max_iter: int = 200
    engine: BatchML = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "engine", BatchML(self.model))

    def covariances(self, list_of_indices) -> np.ndarray:
        X = self.X
        p = X.shape[1]
        out = np.empty((len(list_of_indices), p, p))
        for r, idx in enumerate(list_of_indices):
            Xi = X[idx]
            Xc = Xi - Xi.mean(axis=0)
            out[r] = Xc.T @ Xc / Xi.shape[0]
        return out

    #: resamples refitted together: the (block, q, q) stacks of one Fisher-scoring step stay
    #: in a core's cache (at q = 59, 50 resamples take ~1.4 MB; 250 were ~35 % slower)
    block: int = 50

    def batch(self, list_of_indices) -> np.ndarray:
        cov = self.covariances(list_of_indices)
        theta = np.empty((cov.shape[0], self.theta0.shape[-1]))
        for start in range(0, cov.shape[0], self.block):
            rows = slice(start, start + self.block)
            theta[rows], converged, _ = self.engine.fit(self.theta0, cov[rows], tol=self.tol,
                                                        max_iter=self.max_iter)
            theta[rows][~converged] = np.nan
        return theta

    def __call__(self, indices) -> np.ndarray:
        return self.batch([np.asarray(indices)])[0]


# ----------------------------------------------------------------------------- FIML
@dataclass(frozen=True, eq=False)
class FIMLRefit:
    """A bootstrap statistic: the FIML estimate on the rows ``indices`` of X (with their
    missing answers), warm-started at the full-sample estimate.

    A resample is the full data with case weights (how often each row was drawn), so the
    missing-data patterns are set up once; its refit uses the full-sample observed
    information as a fixed metric. Non-converged resamples give NaN.
    """

    model: RAMModel
    data: MissingData
    theta0: np.ndarray
    information: np.ndarray           # observed information per case at theta0
    tol: float = 1e-12                # fit()'s: |g' step| of -loglik/N, tight for large variances
    max_iter: int = 200
    engine: BatchFIML = field(init=False, repr=False)
    metric_inv: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "engine", BatchFIML(self.model, self.data))
        object.__setattr__(self, "metric_inv", np.linalg.pinv(self.information))

    def batch(self, list_of_indices) -> np.ndarray:
        n = self.data.n
        weights = np.stack([np.bincount(np.asarray(ix), minlength=n) for ix in list_of_indices])
        theta, converged, _ = self.engine.fit(self.theta0, weights.astype(float), self.metric_inv,
                                              tol=self.tol, max_iter=self.max_iter)
        theta[~converged] = np.nan
        return theta

    def __call__(self, indices) -> np.ndarray:
        return self.batch([np.asarray(indices)])[0]
