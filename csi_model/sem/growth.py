"""Latent growth curve models: :func:`growth`, lavaan's ``growth()``.

A growth model measures the repeated observations of one variable (``t1 .. t4``) by an
intercept factor ``i`` and a slope factor ``s`` with fixed loadings (1, and the times
0, 1, 2, 3); the mean trajectory is in the latent means. :func:`growth` fits it as
lavaan's ``growth()`` does: with a mean structure in which the intercepts of the observed
variables are fixed at 0 (``int.ov.free = FALSE``) and the means (intercepts) of the latent
variables are free (``int.lv.free = TRUE``); the means of observed predictors (``fixed.x``)
stay at their sample values. Everything else is :func:`csi_model.fit`.
"""
from __future__ import annotations

from pathlib import Path

from .._inputs import as_spec
from ..model.spec import ModelSpec
from .fitting import fit
from .results import SEMResult

__all__ = ["growth"]


def growth(spec: ModelSpec | str | Path, data, **options) -> SEMResult:
    """Fit a latent growth curve model as lavaan's ``growth()``.

    Parameters
    ----------
    spec : ModelSpec, str or Path
        The model: lavaan syntax (a string with ``=~``; every item may load on both the
        intercept and the slope factor, so cross-loadings are allowed), a
        :class:`~csi_model.model.spec.ModelSpec` (made with ``allow_cross_loadings=True``
        when items load on several factors, as in a growth model), a bundled model's name
        or a ``.lav`` path.
    data : Survey, DataFrame or path
        The repeated measures (and any covariates), one row per respondent.
    **options
        Passed to :func:`csi_model.fit` (``estimator="MLR"``, ``missing="fiml"``,
        ``fixed_x``, ...). ``meanstructure`` cannot be switched off: a growth model is a
        model of the means (and ``ordered=`` is refused by fit: no mean structure with
        ordered items yet).

    Returns
    -------
    SEMResult
        The latent means (``i ~1``, ``s ~1``) are rows of the estimates with op ``~1``;
        the observed intercepts are fixed at 0. Degrees of freedom and fit measures are
        lavaan's for a model with a mean structure.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import csi_model as cm
    >>> rng = np.random.default_rng(1)
    >>> i, s = rng.normal(5, 1, 300), rng.normal(1, 0.3, 300)
    >>> data = pd.DataFrame({f"t{k + 1}": i + k * s + rng.normal(0, 0.5, 300) for k in range(4)})
    >>> res = cm.growth("i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4\\ns =~ 0*t1 + 1*t2 + 2*t3 + 3*t4", data)
    >>> means = res.estimates.query("op == '~1' and lhs in ['i', 's']")
    >>> means[["lhs", "est"]].round(1).to_numpy().tolist()
    [['i', 4.9], ['s', 1.0]]
    >>> int(res.fit_measures["df"])
    5
    """
    if options.get("meanstructure", True) is not True:
        raise ValueError("growth() fits a model of the means: meanstructure cannot be False. "
                         "Use csi_model.fit for a covariance-only model.")
    options.pop("meanstructure", None)
    if isinstance(spec, str) and "=~" in spec:
        spec = ModelSpec.from_syntax(spec, name="growth", allow_cross_loadings=True)
    spec = as_spec(spec, "growth").with_defaults(meanstructure=True, int_ov_free=False,
                                                 int_lv_free=True)
    return fit(spec, data, **options)
