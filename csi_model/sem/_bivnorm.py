"""The standard bivariate normal distribution, vectorized: CDF, rectangle probabilities, density.

scipy has no deterministic bivariate normal CDF fast enough for polychoric correlations
(``multivariate_normal.cdf`` runs Genz's randomized lattice rule point by point, to 1e-5).
This is Genz's (2004) method, the one R's mvtnorm, pbivnorm and lavaan use: Drezner &
Wesolowsky's (1990) integral of the density over the correlation, by Gauss-Legendre
quadrature with 6, 12 or 20 points as |rho| grows, and for |rho| >= 0.925 an integral over
sqrt(1 - rho^2) with the singular part taken out analytically. Accurate to about 1e-15.

Genz, A. (2004). Numerical computation of rectangular bivariate and trivariate normal and t
probabilities. Statistics and Computing, 14, 251-260.
"""
from __future__ import annotations

import numpy as np
from .._distributions import ndtr  # scipy.special, imported on first call

__all__ = ["bvn_upper", "bvn_cdf", "bvn_density", "rectangle_probabilities"]

_TWO_PI = 2.0 * np.pi
_RULES = {n: np.polynomial.legendre.leggauss(n) for n in (6, 12, 20)}


def _rule(absr: np.ndarray):
    """Per element: the Gauss-Legendre rule (points, weights) index by |rho| (Genz's choice)."""
    return np.where(absr < 0.3, 6, np.where(absr < 0.75, 12, 20))


def bvn_upper(h, k, rho) -> np.ndarray:
    """P(X > h, Y > k) for standard bivariate normal (X, Y) with correlation ``rho``.

    ``h`` and ``k`` may be infinite; arrays broadcast.

    >>> round(float(bvn_upper(0.0, 0.0, 0.5)), 12)     # 1/4 + asin(0.5) / (2 pi)
    0.333333333333
    """
    h, k, r = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (h, k, rho)))
    out = np.empty(h.shape)
    h, k, r, flat = h.ravel(), k.ravel(), r.ravel(), out.ravel()
    # Infinite limits: the probability is univariate or 0.
    neg_h, neg_k = np.isneginf(h), np.isneginf(k)
    pos = np.isposinf(h) | np.isposinf(k)
    flat[pos] = 0.0
    both = neg_h & neg_k & ~pos
    flat[both] = 1.0
    only_h = neg_h & ~neg_k & ~pos
    flat[only_h] = ndtr(-k[only_h])
    only_k = neg_k & ~neg_h & ~pos
    flat[only_k] = ndtr(-h[only_k])
    finite = ~(pos | neg_h | neg_k)
    if finite.any():
        flat[finite] = _bvn_finite(h[finite], k[finite], r[finite])
    return out


def _bvn_finite(h: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
    out = np.empty(h.shape)
    absr = np.abs(r)
    n_rule = _rule(absr)
    low = absr < 0.925
    for n in (6, 12, 20):
        x, w = _RULES[n]
        sel = low & (n_rule == n)
        if sel.any():
            hh, kk, rr = h[sel], k[sel], r[sel]
            hk, hs = hh * kk, (hh * hh + kk * kk) / 2
            asr = np.arcsin(rr)
            sn = np.sin(asr[:, None] * (x[None, :] + 1) / 2)
            f = np.exp((sn * hk[:, None] - hs[:, None]) / (1 - sn * sn))
            out[sel] = (f @ w) * asr / (2 * _TWO_PI) + ndtr(-hh) * ndtr(-kk)
        sel = ~low & (n_rule == n)
        if sel.any():
            out[sel] = _bvn_high(h[sel], k[sel], r[sel], x, w)
    return out


def _bvn_high(h, k, r, x, w):
    """|rho| >= 0.925: Drezner-Wesolowsky's integral in sqrt(1 - rho^2) (Genz 2004, sec. 2.3)."""
    k = np.where(r < 0, -k, k)
    hk = h * k
    bvn = np.zeros(h.shape)
    inner = np.abs(r) < 1
    if inner.any():
        hi, ki, hki = h[inner], k[inner], hk[inner]
        ri = r[inner]
        as_ = (1 - ri) * (1 + ri)
        a = np.sqrt(as_)
        bs = (hi - ki) ** 2
        c = (4 - hki) / 8
        d = (12 - hki) / 16
        v = a * np.exp(-(bs / as_ + hki) / 2) * (1 - c * (bs - as_) * (1 - d * bs / 5) / 3
                                                  + c * d * as_ * as_ / 5)
        b = np.sqrt(bs)
        tail = hki > -160
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = np.exp(-hki / 2) * np.sqrt(_TWO_PI) * ndtr(-b / a) * b \
                * (1 - c * bs * (1 - d * bs / 5) / 3)
        v = v - np.where(tail, corr, 0.0)
        # The remaining integral over t in (0, a): substitute t = a (x + 1) / 2.
        t = a[:, None] * (x[None, :] + 1) / 2
        xs = t * t
        rs = np.sqrt(1 - xs)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            f = (np.exp(-bs[:, None] / (2 * xs) - hki[:, None] / (1 + rs)) / rs
                 - np.exp(-(bs[:, None] / xs + hki[:, None]) / 2)
                 * (1 + c[:, None] * xs * (1 + d[:, None] * xs)))
        f = np.where(np.isfinite(f), f, 0.0)
        v = v + (a / 2) * (f @ w)
        bvn[inner] = -v / _TWO_PI
    return np.where(r > 0, bvn + ndtr(-np.maximum(h, k)),
                    -bvn + np.maximum(0.0, ndtr(-h) - ndtr(-k)))


def bvn_cdf(h, k, rho) -> np.ndarray:
    """P(X <= h, Y <= k) for standard bivariate normal (X, Y) with correlation ``rho``.

    >>> round(float(bvn_cdf(1.0, -0.5, 0.0)), 12) == round(0.8413447460685429 * 0.3085375387259869, 12)
    True
    """
    return bvn_upper(-np.asarray(h, dtype=float), -np.asarray(k, dtype=float), rho)


def bvn_density(h, k, rho) -> np.ndarray:
    """The standard bivariate normal density at (h, k); 0 where h or k is infinite."""
    h, k, r = (np.asarray(a, dtype=float) for a in (h, k, rho))
    one_r2 = 1 - r * r
    with np.errstate(invalid="ignore", over="ignore"):
        q = (h * h - 2 * r * h * k + k * k) / one_r2
        dens = np.exp(-q / 2) / (_TWO_PI * np.sqrt(one_r2))
    return np.where(np.isfinite(h) & np.isfinite(k), dens, 0.0)


def rectangle_probabilities(tau_a: np.ndarray, tau_b: np.ndarray, rho) -> tuple[np.ndarray, np.ndarray]:
    """Cell probabilities of a discretized bivariate normal and their derivatives in rho.

    ``tau_a`` (..., I + 1) and ``tau_b`` (..., J + 1) are the cut points with -inf and +inf at
    the ends; ``rho`` (...). Returns ``(P, dP/drho)``, each (..., I, J). The derivative uses
    d Phi2(h, k; rho) / d rho = phi2(h, k; rho).
    """
    r = np.asarray(rho, dtype=float)[..., None, None]
    ha, kb = tau_a[..., :, None], tau_b[..., None, :]
    cdf = bvn_cdf(ha, kb, r)
    dens = bvn_density(ha, kb, r)
    p = cdf[..., 1:, 1:] - cdf[..., :-1, 1:] - cdf[..., 1:, :-1] + cdf[..., :-1, :-1]
    dp = dens[..., 1:, 1:] - dens[..., :-1, 1:] - dens[..., 1:, :-1] + dens[..., :-1, :-1]
    return p, dp
