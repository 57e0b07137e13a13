"""Stage 3b, the measurement model: EFA, reliability, validity, CFA diagnostics.

:mod:`.efa` wraps factor_analyzer (KMO, Bartlett, eigenvalues, parallel analysis, EFA);
:mod:`.quality` is :func:`measurement` -> :class:`MeasurementResult` (alpha, rho_c, omega,
rho_A, AVE, Fornell-Larcker, HTMT, cross-loadings, the CFA's fit, modification indices
and residuals, verdicts against :class:`Thresholds`); :mod:`.ordinal` ordinal alpha and
omega of Likert items (:func:`ordinal_reliability`).

Imports: :mod:`csi_model.model`, :mod:`csi_model.survey`, :mod:`csi_model.sem` (the CFA),
:mod:`csi_model.bootstrap`; never pls, compare, report or cli.
"""
from .ordinal import ordinal_reliability
from .quality import MeasurementResult, Thresholds, measurement

__all__ = ["measurement", "MeasurementResult", "Thresholds", "ordinal_reliability"]
