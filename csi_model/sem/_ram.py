"""The RAM (reticular action model) form of a parameter table.

Every variable (observed first, then latent) is a row/column of

* ``A`` - directed effects: ``A[i, j]`` is the effect of variable j on variable i
  (loadings ``f =~ x`` and regressions ``y ~ x``);
* ``S`` - symmetric (residual) variances and covariances (``~~``);
* ``m`` - intercepts / means (``~1``).

The model-implied moments of the observed variables are
``Sigma = F B S B' F'`` and ``mu = F B m`` with ``B = (I - A)^-1`` and ``F`` the
rows of the observed variables. The Jacobians of ``Sigma`` and ``mu`` with respect
to the free parameters are computed in closed form, vectorised over parameters.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

__all__ = ["RAMModel"]


@dataclass(frozen=True, eq=False)
class RAMModel:
    """Matrices and index arrays built once from a parameter table."""

    observed: tuple[str, ...]
    latents: tuple[str, ...]
    partable: pd.DataFrame
    meanstructure: bool
    n_free: int
    A0: np.ndarray
    S0: np.ndarray
    m0: np.ndarray
    # entries of free parameters: (row, col, parameter index 0-based)
    a_entries: tuple[np.ndarray, np.ndarray, np.ndarray]
    s_entries: tuple[np.ndarray, np.ndarray, np.ndarray]
    m_entries: tuple[np.ndarray, np.ndarray]
    free_rows: np.ndarray = field(repr=False)   # partable row of each parameter's first occurrence

    @classmethod
    def from_partable(cls, pt: pd.DataFrame, observed: tuple[str, ...], latents: tuple[str, ...],
                      n_params: int | None = None):
        """Build the matrices; ``n_params`` sets the length of the parameter vector when it
        is shared with other models (multi-group), otherwise ``max(pt.free)``."""
        variables = list(observed) + list(latents)
        pos = {v: i for i, v in enumerate(variables)}
        nv = len(variables)
        A0, S0, m0 = np.zeros((nv, nv)), np.zeros((nv, nv)), np.zeros(nv)
        a, s, m = ([], [], []), ([], [], []), ([], [])
        n_free = n_params if n_params is not None else (int(pt["free"].max()) if len(pt) else 0)
        free_rows = np.full(n_free, -1)
        meanstructure = bool((pt["op"] == "~1").any())
        rows = zip(pt["free"].tolist(), pt["op"].tolist(), pt["lhs"].tolist(),
                   pt["rhs"].tolist(), pt["ustart"].tolist())   # columns: no pandas per row
        for r, (free, op, lhs, rhs, ustart) in enumerate(rows):
            k = int(free) - 1
            if k >= 0 and free_rows[k] < 0:
                free_rows[k] = r
            if op == "=~":
                i, j = pos[rhs], pos[lhs]
                target, entries = A0, a
            elif op in ("~", "<~"):          # '<~': the composite regressed on its items
                i, j = pos[lhs], pos[rhs]
                target, entries = A0, a
            elif op == "~~":
                i, j = pos[lhs], pos[rhs]
                target, entries = S0, s
            elif op == "~1":
                i = pos[lhs]
                if k >= 0:
                    m[0].append(i)
                    m[1].append(k)
                else:
                    m0[i] = ustart
                continue
            else:  # ':=' rows are not model parameters
                continue
            if k >= 0:
                entries[0].append(i)
                entries[1].append(j)
                entries[2].append(k)
            else:
                target[i, j] = ustart
                if target is S0:
                    S0[j, i] = ustart
        as_arrays = lambda t: tuple(np.asarray(x, dtype=int) for x in t)  # noqa: E731
        return cls(tuple(observed), tuple(latents), pt.reset_index(drop=True), meanstructure,
                   n_free, A0, S0, m0, as_arrays(a), as_arrays(s), as_arrays(m), free_rows)

    # ------------------------------------------------------------------ evaluation
    @property
    def p(self) -> int:
        return len(self.observed)

    def matrices(self, theta: np.ndarray):
        A, S, m = self.A0.copy(), self.S0.copy(), self.m0.copy()
        ai, aj, ak = self.a_entries
        A[ai, aj] = theta[ak]
        si, sj, sk = self.s_entries
        S[si, sj] = theta[sk]
        S[sj, si] = theta[sk]
        mi, mk = self.m_entries
        m[mi] = theta[mk]
        return A, S, m

    def parts(self, theta: np.ndarray):
        """B = (I-A)^-1, the total covariance C = B S B' and the total means B m."""
        A, S, m = self.matrices(theta)
        B = np.linalg.inv(np.eye(A.shape[0]) - A)
        C = B @ S @ B.T
        return B, C, B @ m

    def implied(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model-implied covariance matrix and mean vector of the observed variables."""
        B, C, bm = self.parts(theta)
        p = self.p
        return C[:p, :p], bm[:p]

    def jacobian(self, theta: np.ndarray, parts=None) -> tuple[np.ndarray, np.ndarray]:
        """dSigma/dtheta with shape (q, p, p) and dmu/dtheta with shape (q, p).

        ``parts``: :meth:`parts` at theta, if the caller has it already.
        """
        B, C, bm = self.parts(theta) if parts is None else parts
        p, q = self.p, self.n_free
        G = B[:p, :]            # F B
        H = C[:p, :]            # F B S B'
        dS = np.zeros((q, p * p))
        dm = np.zeros((q, p))
        ai, aj, ak = self.a_entries
        si, sj, sk = self.s_entries
        mi, mk = self.m_entries
        if self._one_entry_each:
            # every parameter has one entry: the 0/1 products below are plain row copies
            # (1 * x + 0 * y = x exactly), written directly
            if len(ak):
                blocks = np.einsum("pe,qe->epq", G[:, ai], H[:, aj])
                dS[ak] = (blocks + blocks.transpose(0, 2, 1)).reshape(len(ak), -1)
                dm[ak] = (G[:, ai] * bm[aj]).T
            if len(sk):
                blocks = np.einsum("pe,qe->epq", G[:, si], G[:, sj])
                off = (si != sj)[:, None, None]
                dS[sk] = (blocks + off * blocks.transpose(0, 2, 1)).reshape(len(sk), -1)
            if len(mk):
                dm[mk] = G[:, mi].T
            return dS.reshape(q, p, p), dm
        Pa, Ps, Pm = self._incidence
        if len(ak):             # the entries of one parameter are summed by a 0/1 matrix product
            blocks = np.einsum("pe,qe->epq", G[:, ai], H[:, aj])
            dS += Pa @ (blocks + blocks.transpose(0, 2, 1)).reshape(len(ak), -1)
            dm += Pa @ (G[:, ai] * bm[aj]).T
        if len(sk):
            blocks = np.einsum("pe,qe->epq", G[:, si], G[:, sj])
            off = (si != sj)[:, None, None]
            dS += Ps @ (blocks + off * blocks.transpose(0, 2, 1)).reshape(len(sk), -1)
        if len(mk):
            dm += Pm @ G[:, mi].T
        return dS.reshape(q, p, p), dm

    @cached_property
    def active_params(self) -> np.ndarray:
        """The parameters (0-based) with an entry in this model's matrices."""
        return np.unique(np.concatenate([self.a_entries[2], self.s_entries[2],
                                         self.m_entries[1]])).astype(int)

    @cached_property
    def _one_entry_each(self) -> bool:
        """No parameter has two entries (no equality labels within the model)."""
        k = np.concatenate([self.a_entries[2], self.s_entries[2], self.m_entries[1]])
        return np.unique(k).size == k.size

    @cached_property
    def _incidence(self):
        """0/1 matrices (parameters x matrix entries) of the A, S and m entries."""
        def incidence(k):
            P = np.zeros((self.n_free, len(k)))
            P[k, np.arange(len(k))] = 1.0
            return P
        return incidence(self.a_entries[2]), incidence(self.s_entries[2]), incidence(self.m_entries[1])

    # ------------------------------------------------------------------ helpers
    def start_values(self, S: np.ndarray) -> np.ndarray:
        """Simple start values: loadings 1, variances from the data, covariances 0."""
        theta = np.zeros(self.n_free)
        pt = self.partable
        obs = {v: i for i, v in enumerate(self.observed)}
        for k, r in enumerate(self.free_rows):
            if r < 0:      # a parameter of another group's model
                continue
            row = pt.iloc[r]
            if not np.isnan(row.ustart):
                theta[k] = row.ustart
            elif row.op == "=~":
                theta[k] = 1.0
            elif row.op == "~~" and row.lhs == row.rhs:
                theta[k] = 0.5 * S[obs[row.lhs], obs[row.lhs]] if row.lhs in obs else 0.05
        return theta

    def theta_to_rows(self, theta: np.ndarray) -> np.ndarray:
        """The value of every partable row (free rows take theta, fixed rows ustart)."""
        free = self.partable["free"].to_numpy()
        vals = self.partable["ustart"].to_numpy(dtype=float).copy()
        mask = free > 0
        vals[mask] = theta[free[mask] - 1]
        return vals
