"""Stage 2, the survey: read, validate and describe respondents' answers.

:mod:`.read` reads a DataFrame or a CSV/TSV, Excel or SPSS file into a validated copy
(:class:`Survey`) with a :class:`DataReport`, never changing the input; :mod:`.codebook`
maps item codes to wording (English, Chinese), scale, reverse coding and missing codes;
:mod:`.simulate` draws surveys from a population model (the embedded demo survey);
:mod:`.moments` reduces surveys of any size (Dask partitions, Parquet/CSV globs) to moments.

Imports: :mod:`csi_model.model` and :mod:`csi_model.exceptions`; no estimator.
"""
from .codebook import Codebook, CodebookError, bundled_codebooks, load_codebook
from .moments import SurveyMoments, survey_moments
from .read import DataReport, Survey, codebook_from_sav, read_survey
from .simulate import Population, make_demo_survey, simulate_survey, telecom_population

__all__ = ["read_survey", "Survey", "DataReport", "Codebook", "CodebookError", "load_codebook",
           "bundled_codebooks", "Population", "telecom_population", "simulate_survey",
           "make_demo_survey", "survey_moments", "SurveyMoments", "codebook_from_sav"]
