"""Stage 3c, PLS path modelling and the 0-100 index.

:mod:`.fit` is :func:`fit_pls` -> :class:`PLSResult` (Wold/Lohmöller on the covariance
matrix, bootstrap); :mod:`.index` the ACSI 0-100 index, impacts and IPMA
(:func:`csi_index`); :mod:`.mga` PLS-MGA permutation tests and MICOM. Beyond the core:
:mod:`.consistent` (PLSc, ``fit_pls(consistent=True)``), :mod:`.composite_syntax` (``<~``
blocks), :mod:`.assess` (VIF, reliability, SRMR/d_ULS/d_G, information criteria, HTMT),
:mod:`.predict` (PLSpredict, CVPAT), :mod:`.higher_order`, :mod:`.moderation`,
:mod:`.mga_bootstrap` (bootstrap PLS-MGA for all pairs) and :mod:`.fimix` (FIMIX-PLS).

Imports: :mod:`csi_model.model`, :mod:`csi_model.survey`, :mod:`csi_model.sem` (results'
Summary, CB-SEM beside PLS in :func:`compare_estimators`), :mod:`csi_model.bootstrap`;
never compare, report or cli.
"""
from .fit import PLSResult, bootstrap_pls, compare_estimators, fit_pls
from .index import IndexResult, NegativeWeightWarning, csi_index
from .mga import micom, pls_permutation_test

__all__ = ["fit_pls", "PLSResult", "bootstrap_pls", "compare_estimators", "csi_index",
           "IndexResult", "NegativeWeightWarning", "micom", "pls_permutation_test"]
