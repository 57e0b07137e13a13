"""csi_model: customer satisfaction index research with structural equation models.

ACSI / ECSI / telecom CSI models in lavaan syntax, validated survey data,
covariance-based SEM with lavaan's conventions (ML, MLR, FIML, ordinal WLSMV), PLS path
modelling and the 0-100 index, and results as pandas objects.

>>> import csi_model as cm
>>> spec = cm.load_model("telecom")
>>> survey = cm.read_survey(cm.simulate_survey(spec, n=300, seed=1))
>>> result = cm.fit(spec, survey)
>>> result.converged
True
"""
from .bootstrap import BootstrapResult
from .sem.fitting import fit
from .survey.codebook import Codebook, load_codebook
from .compare import ComparisonResult, compare, index_differences
from .sem.effects import effects, hypotheses, specific_indirect_effects
from .pls.index import IndexResult, NegativeWeightWarning, csi_index
from .sem.groups import InvarianceResult, MultiGroupResult, fit_multigroup, invariance, path_differences
from .exceptions import (CSIModelError, CSIModelWarning, ConvergenceWarning, DataQualityWarning,
                         EstimationError, ImproperSolutionWarning, ModelSpecError,
                         ModelSyntaxError, SurveyDataError)
from .pls.fit import PLSResult, bootstrap_pls, compare_estimators, fit_pls
from .pls.mga import micom, pls_permutation_test
from .measurement.ordinal import ordinal_reliability
from .measurement.quality import MeasurementResult, Thresholds, measurement
from .sem.polychoric import PolychoricResult, polychoric
from .sem.results import SEMResult
from .survey.simulate import Population, make_demo_survey, simulate_survey, telecom_population
from .model.spec import ModelSpec, bundled_models, items, load_model, paths, reflective, specify
from .survey.moments import SurveyMoments, survey_moments
from .survey.read import DataReport, Survey, codebook_from_sav, read_survey
from .report.figures import ipma_map as plot_ipma

from .pls.priorities import PriorityResult, priorities
from .weighting import (AHPResult, WeightingComparison, ahp, compare_weightings, entropy_weights,
                        pca_weights, stated_weights, weighted_index)
from .survey.fieldwork import FieldworkReport, FieldworkRules, screen_questionnaires
from .survey.cmcc import cmcc_population, simulate_cmcc_fieldwork
from .pls.assess import (pls_htmt, pls_information_criteria, pls_model_fit, pls_reliability,
                         pls_vif)
from .pls.predict import PredictResult, pls_cvpat, pls_predict
from .pls.higher_order import HOCResult, fit_pls_hoc
from .pls.moderation import ModerationResult, fit_pls_moderated, simple_slopes
from .pls.mga_bootstrap import micom_all_pairs, pls_mga
from .pls.fimix import FimixResult, fimix_pls

__version__ = "0.1.0"

__all__ = [
    "fit", "SEMResult", "polychoric", "PolychoricResult",
    "measurement", "MeasurementResult", "Thresholds", "ordinal_reliability",
    "effects", "specific_indirect_effects", "hypotheses", "BootstrapResult",
    "fit_pls", "PLSResult", "bootstrap_pls", "compare_estimators",
    "csi_index", "IndexResult", "plot_ipma", "NegativeWeightWarning",
    "compare", "ComparisonResult", "index_differences", "fit_multigroup", "MultiGroupResult",
    "invariance", "InvarianceResult", "path_differences", "pls_permutation_test", "micom",
    "ModelSpec", "load_model", "bundled_models", "specify", "reflective", "paths", "items",
    "read_survey", "Survey", "DataReport", "survey_moments", "SurveyMoments", "Codebook", "load_codebook",
    "codebook_from_sav",
    "simulate_survey", "Population", "telecom_population", "make_demo_survey",
    "CSIModelError", "ModelSyntaxError", "ModelSpecError", "SurveyDataError", "EstimationError",
    "CSIModelWarning", "ImproperSolutionWarning", "ConvergenceWarning", "DataQualityWarning",
    "priorities", "PriorityResult",
    "ahp", "AHPResult", "entropy_weights", "pca_weights", "stated_weights", "weighted_index",
    "compare_weightings", "WeightingComparison",
    "FieldworkRules", "FieldworkReport", "screen_questionnaires",
    "cmcc_population", "simulate_cmcc_fieldwork",
    "pls_vif", "pls_reliability", "pls_model_fit", "pls_information_criteria", "pls_htmt",
    "pls_predict", "PredictResult", "pls_cvpat", "fit_pls_hoc", "HOCResult",
    "fit_pls_moderated", "ModerationResult", "simple_slopes",
    "pls_mga", "micom_all_pairs", "fimix_pls", "FimixResult",
]
