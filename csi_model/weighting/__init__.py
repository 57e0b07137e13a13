"""Index weightings other than PLS: AHP, entropy, principal components, stated importance.

Why a stage folder of its own (and not ``pls/weights.py``): these are estimators of item
weights in their own right, none of them a PLS computation - AHP weights come from
experts' pairwise judgements, not from the survey; entropy and PCA weights from the answers'
dispersion and correlation; stated weights from importance questions. What they share with
PLS is only the last step, the 0-100 index as a weighted mean of rescaled items, and the
comparison with the PLS index. So the folder sits at the estimator level beside ``sem/``,
``measurement/`` and ``pls/``, importing only ``model/``, ``survey/`` and ``pls/`` (the PLS
index it is compared with), and nothing imports it but ``csi_model/__init__.py``.

- :mod:`.ahp` - :func:`ahp`: Saaty's principal-eigenvector weights, consistency ratio,
  geometric-mean aggregation of several experts;
- :mod:`.composite` - :func:`entropy_weights`, :func:`pca_weights`, :func:`stated_weights`,
  :func:`weighted_index` and :func:`compare_weightings` (every index beside the PLS index).
"""
from .ahp import AHPResult, SAATY_RI, ahp
from .composite import (WeightingComparison, compare_weightings, entropy_weights, pca_weights,
                        stated_weights, weighted_index)

__all__ = ["ahp", "AHPResult", "SAATY_RI", "entropy_weights", "pca_weights", "stated_weights",
           "weighted_index", "compare_weightings", "WeightingComparison"]
