"""The normal and chi-square distribution functions csi_model uses, from scipy.special.

``scipy.stats`` takes 1-2 s to import (it builds every distribution class at import
time); the functions below are the ``scipy.special`` ufuncs that ``scipy.stats`` itself
evaluates for these distributions (``ndtr``, ``ndtri``, ``chdtr``, ``chdtrc``,
``chndtr``, ``chndtrinc``), and ``scipy.special`` is imported on first use only, so that
``import csi_model`` stays fast. The names mirror ``scipy.stats`` (``norm.sf(x)``,
``chi2.sf(x, df)``, ``ncx2.cdf(x, df, nc)``), outside their support too (``x < 0``,
``df <= 0``), so a module can write ``from .. import _distributions as stats``;
:func:`ndtr`, :func:`ndtri`, :func:`chdtrc`, :func:`expit`, :func:`logit` and
:func:`logsumexp` are ``scipy.special``'s, imported on first call.

>>> from csi_model._distributions import chi2, norm
>>> round(float(norm.ppf(0.975)), 6), round(float(2 * norm.sf(1.959964)), 6)
(1.959964, 0.05)
>>> round(float(chi2.sf(3.841459, 1)), 6)
0.05
"""
from __future__ import annotations

import numpy as np

__all__ = ["norm", "chi2", "ncx2", "ndtr", "ndtri", "chdtrc", "expit", "logit", "logsumexp"]


def _special():
    from scipy import special
    return special


def ndtr(x):
    """``scipy.special.ndtr``: the standard normal CDF."""
    return _special().ndtr(x)


def ndtri(q):
    """``scipy.special.ndtri``: the standard normal quantile function."""
    return _special().ndtri(q)


def chdtrc(df, x):
    """``scipy.special.chdtrc``: the chi-square survival function (df first)."""
    return _special().chdtrc(df, x)


def expit(x):
    """``scipy.special.expit``: the logistic function."""
    return _special().expit(x)


def logit(p):
    """``scipy.special.logit``: the log-odds."""
    return _special().logit(p)


def logsumexp(a, **kwargs):
    """``scipy.special.logsumexp``."""
    return _special().logsumexp(a, **kwargs)


class _Norm:
    """The standard normal distribution (``scipy.stats.norm`` with loc 0, scale 1)."""

    @staticmethod
    def pdf(x):
        x = np.asarray(x, dtype=float)
        return np.exp(-x * x / 2.0) / np.sqrt(2 * np.pi)    # as scipy.stats.norm._pdf

    @staticmethod
    def cdf(x):
        return _special().ndtr(x)

    @staticmethod
    def sf(x):
        return _special().ndtr(np.negative(x))

    @staticmethod
    def ppf(q):
        return _special().ndtri(q)


def _chi2_support(x, df, value_below_zero, fun):
    x, df = np.asarray(x, dtype=float), np.asarray(df, dtype=float)
    out = np.where(x < 0, value_below_zero, fun(df, np.maximum(x, 0.0)))
    out = np.where(df > 0, out, np.nan)
    return out[()] if out.ndim == 0 else out


class _Chi2:
    """The (central) chi-square distribution with ``df`` degrees of freedom."""

    @staticmethod
    def cdf(x, df):
        return _chi2_support(x, df, 0.0, _special().chdtr)

    @staticmethod
    def sf(x, df):
        return _chi2_support(x, df, 1.0, _special().chdtrc)


class _NonCentralChi2:
    """The non-central chi-square distribution (df degrees of freedom, noncentrality nc)."""

    @staticmethod
    def cdf(x, df, nc):
        return _chi2_support(x, df, 0.0, lambda d, v: _special().chndtr(v, d, nc))

    @staticmethod
    def sf(x, df, nc):
        return _chi2_support(x, df, 1.0, lambda d, v: 1.0 - _special().chndtr(v, d, nc))

    @staticmethod
    def noncentrality(x, df, prob) -> float:
        """The noncentrality with ``cdf(x, df, nc) = prob``, or 0 if even nc = 0 gives less."""
        if _Chi2.cdf(x, df) < prob:
            return 0.0
        return float(_special().chndtrinc(x, df, prob))


norm = _Norm()
chi2 = _Chi2()
ncx2 = _NonCentralChi2()
