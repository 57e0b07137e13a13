"""Stage 1, the model: lavaan syntax -> one parameter table.

:mod:`.syntax` parses lavaan/semopy model syntax (errors with line and caret) and
:mod:`.spec` turns it, or the seminr-style builder (:func:`specify`, :func:`reflective`,
:func:`paths`), into an immutable :class:`ModelSpec` holding one lavaan-style parameter
table with lavaan's defaults; :mod:`.expression` parses and checks the defined parameters
(``name := expression``) without ``eval``. The bundled model files live in :mod:`csi_model.models`.

Imports: only :mod:`csi_model.exceptions`; nothing of data or estimation.
"""
from .spec import ModelSpec, bundled_models, items, load_model, paths, reflective, specify
from .syntax import Statement, Term, format_statement, parse_syntax

__all__ = ["ModelSpec", "load_model", "bundled_models", "specify", "reflective", "paths", "items",
           "parse_syntax", "format_statement", "Statement", "Term"]
