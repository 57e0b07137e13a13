"""Stage 3a, covariance-based SEM with lavaan's conventions.

:mod:`.fitting` is :func:`fit` (ML, MLR, FIML; the only module that imports semopy, for
``engine="semopy"`` and as the fallback); :mod:`.start` computes lavaan-style start values
from the sample moments; :mod:`._ram` builds the RAM matrices from the parameter table,
:mod:`._estimation` is the likelihood, Fisher scoring and information matrices,
:mod:`._robust` the MLR sandwich and scaled test, :mod:`._fastboot` the batched bootstrap
refits; :mod:`.fit_indices` holds each fit index as a small pure function;
:mod:`.results` the :class:`SEMResult` and the :class:`Summary` every result prints with;
:mod:`.diagnostics` modification indices and residuals; :mod:`.effects` direct, indirect
and total effects and hypotheses; :mod:`.defined` the defined parameters (``:=``) with
delta-method and bootstrap standard errors; :mod:`.groups` multi-group fits, invariance and
latent mean differences; :mod:`.growth` latent growth curve models (lavaan's ``growth()``).

Imports: :mod:`csi_model.model`, :mod:`csi_model.survey` (through ``_inputs``),
:mod:`csi_model.bootstrap` and :mod:`csi_model.exceptions`; never measurement, pls,
compare, report or cli.

The effects function is ``csi_model.effects`` (``csi_model.sem.effects`` is its module).
"""
from .effects import hypotheses, specific_indirect_effects
from .fitting import fit
from .growth import growth
from .groups import InvarianceResult, MultiGroupResult, fit_multigroup, invariance, path_differences
from .results import SEMResult, Summary

__all__ = ["fit", "growth", "SEMResult", "Summary", "specific_indirect_effects", "hypotheses",
           "fit_multigroup", "MultiGroupResult", "invariance", "InvarianceResult",
           "path_differences"]
