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
import sys as _sys
import types as _types

from .exceptions import (CSIModelError, CSIModelWarning, ConvergenceWarning, DataQualityWarning,
                         EstimationError, ImproperSolutionWarning, ModelSpecError,
                         ModelSyntaxError, SurveyDataError)

#: Every public name and the module that defines it, imported at first use (PEP 562), so that
#: ``import csi_model`` loads neither numpy nor pandas until a function is needed (issue 19:
#: the command line starts faster). ``name: (module, name in that module)``.
_LAZY = {
    "BootstrapResult": ("bootstrap", "BootstrapResult"),
    "fit": ("sem.fitting", "fit"),
    "growth": ("sem.growth", "growth"),
    "Codebook": ("survey.codebook", "Codebook"),
    "load_codebook": ("survey.codebook", "load_codebook"),
    "ComparisonResult": ("compare", "ComparisonResult"),
    "compare": ("compare", "compare"),
    "index_differences": ("compare", "index_differences"),
    "effects": ("sem.effects", "effects"),
    "hypotheses": ("sem.effects", "hypotheses"),
    "specific_indirect_effects": ("sem.effects", "specific_indirect_effects"),
    "IndexResult": ("pls.index", "IndexResult"),
    "NegativeWeightWarning": ("pls.index", "NegativeWeightWarning"),
    "csi_index": ("pls.index", "csi_index"),
    "InvarianceResult": ("sem.groups", "InvarianceResult"),
    "MultiGroupResult": ("sem.groups", "MultiGroupResult"),
    "fit_multigroup": ("sem.groups", "fit_multigroup"),
    "invariance": ("sem.groups", "invariance"),
    "path_differences": ("sem.groups", "path_differences"),
    "PLSResult": ("pls.fit", "PLSResult"),
    "bootstrap_pls": ("pls.fit", "bootstrap_pls"),
    "compare_estimators": ("pls.fit", "compare_estimators"),
    "fit_pls": ("pls.fit", "fit_pls"),
    "micom": ("pls.mga", "micom"),
    "pls_permutation_test": ("pls.mga", "pls_permutation_test"),
    "ordinal_reliability": ("measurement.ordinal", "ordinal_reliability"),
    "MeasurementResult": ("measurement.quality", "MeasurementResult"),
    "Thresholds": ("measurement.quality", "Thresholds"),
    "measurement": ("measurement.quality", "measurement"),
    "PolychoricResult": ("sem.polychoric", "PolychoricResult"),
    "polychoric": ("sem.polychoric", "polychoric"),
    "SEMResult": ("sem.results", "SEMResult"),
    "Population": ("survey.simulate", "Population"),
    "make_demo_survey": ("survey.simulate", "make_demo_survey"),
    "simulate_survey": ("survey.simulate", "simulate_survey"),
    "telecom_population": ("survey.simulate", "telecom_population"),
    "ModelSpec": ("model.spec", "ModelSpec"),
    "bundled_models": ("model.spec", "bundled_models"),
    "items": ("model.spec", "items"),
    "load_model": ("model.spec", "load_model"),
    "paths": ("model.spec", "paths"),
    "reflective": ("model.spec", "reflective"),
    "specify": ("model.spec", "specify"),
    "SurveyMoments": ("survey.moments", "SurveyMoments"),
    "survey_moments": ("survey.moments", "survey_moments"),
    "DataReport": ("survey.read", "DataReport"),
    "Survey": ("survey.read", "Survey"),
    "read_survey": ("survey.read", "read_survey"),
    "codebook_from_sav": ("survey.read", "codebook_from_sav"),
    "plot_ipma": ("report.figures", "ipma_map"),
    "PriorityResult": ("pls.priorities", "PriorityResult"),
    "priorities": ("pls.priorities", "priorities"),
    "AHPResult": ("weighting", "AHPResult"),
    "WeightingComparison": ("weighting", "WeightingComparison"),
    "ahp": ("weighting", "ahp"),
    "compare_weightings": ("weighting", "compare_weightings"),
    "entropy_weights": ("weighting", "entropy_weights"),
    "pca_weights": ("weighting", "pca_weights"),
    "stated_weights": ("weighting", "stated_weights"),
    "weighted_index": ("weighting", "weighted_index"),
    "FieldworkReport": ("survey.fieldwork", "FieldworkReport"),
    "FieldworkRules": ("survey.fieldwork", "FieldworkRules"),
    "screen_questionnaires": ("survey.fieldwork", "screen_questionnaires"),
    "cmcc_population": ("survey.cmcc", "cmcc_population"),
    "simulate_cmcc_fieldwork": ("survey.cmcc", "simulate_cmcc_fieldwork"),
    "pls_htmt": ("pls.assess", "pls_htmt"),
    "pls_information_criteria": ("pls.assess", "pls_information_criteria"),
    "pls_model_fit": ("pls.assess", "pls_model_fit"),
    "pls_reliability": ("pls.assess", "pls_reliability"),
    "pls_vif": ("pls.assess", "pls_vif"),
    "PredictResult": ("pls.predict", "PredictResult"),
    "pls_cvpat": ("pls.predict", "pls_cvpat"),
    "pls_predict": ("pls.predict", "pls_predict"),
    "HOCResult": ("pls.higher_order", "HOCResult"),
    "fit_pls_hoc": ("pls.higher_order", "fit_pls_hoc"),
    "ModerationResult": ("pls.moderation", "ModerationResult"),
    "fit_pls_moderated": ("pls.moderation", "fit_pls_moderated"),
    "simple_slopes": ("pls.moderation", "simple_slopes"),
    "micom_all_pairs": ("pls.mga_bootstrap", "micom_all_pairs"),
    "pls_mga": ("pls.mga_bootstrap", "pls_mga"),
    "FimixResult": ("pls.fimix", "FimixResult"),
    "fimix_pls": ("pls.fimix", "fimix_pls"),
}

__version__ = "0.1.0"

__all__ = [
    "fit", "growth", "SEMResult", "polychoric", "PolychoricResult",
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


def __getattr__(name: str):
    """Import a public name from its module at first use (PEP 562) and keep it."""
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'csi_model' has no attribute {name!r}") from None
    from importlib import import_module
    value = getattr(import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(_types.ModuleType):
    """``csi_model`` itself: ``compare`` and ``measurement`` stay the public functions.

    Importing a submodule binds it as an attribute of its package. Two public functions
    share a submodule's name (the function ``compare`` in the module ``csi_model.compare``,
    the function ``measurement`` in the package ``csi_model.measurement``); with the names
    imported lazily, a submodule imported first (by the CLI, say) would take the function's
    place, so such bindings are skipped. The submodules stay importable by name.
    """

    def __setattr__(self, name: str, value) -> None:
        if name in _LAZY and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package
