"""``<~`` (composite, mode B) blocks in PLS model syntax.

lavaan and cSEM write a formative (composite) block as ``X <~ x1 + x2``. In CB-SEM the
package reads it as lavaan does (:attr:`csi_model.ModelSpec.composites`); for PLS the
block is read as a ``=~`` block whose latent is estimated in mode B. :func:`split_composites` rewrites the
operator (same lines and columns, so error positions stay right) and returns the names
of those latents.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..model.spec import ModelSpec, bundled_models

__all__ = ["split_composites"]

_COMPOSITE = re.compile(r"^(\s*[^\W\d][\w.]*\s*)<~", re.UNICODE)


def _rewrite(text: str) -> tuple[str, list[str]]:
    lines, names = [], []
    for line in text.splitlines():
        code = line.split("#", 1)[0]
        m = _COMPOSITE.match(code)
        if m:
            names.append(m.group(1).strip())
            line = line[:m.end(1)] + "=~" + line[m.end():]
        lines.append(line)
    return "\n".join(lines), names


def split_composites(model) -> tuple[object, frozenset[str]]:
    """The model with ``<~`` read as ``=~``, and the latents that had ``<~``.

    ``model`` may be a ModelSpec (returned as it is), a bundled model's name, a ``.lav``
    path, or lavaan syntax text with at least one ``<~`` line.

    Examples
    --------
    >>> spec, composites = split_composites("IMAG <~ IMAG1 + IMAG2\\nSAT =~ CUSA1 + CUSA2\\n"
    ...                                     "SAT ~ IMAG")
    >>> sorted(composites), spec.indicators["IMAG"]
    (['IMAG'], ('IMAG1', 'IMAG2'))
    """
    if isinstance(model, ModelSpec):
        if not model.composites:
            return model, frozenset()
        text, names = _rewrite(model.to_syntax())   # '<~' blocks parsed by the CB-SEM grammar
        return (ModelSpec.from_syntax(text, name=model.name, source=model.source,
                                      allow_cross_loadings=model.allow_cross_loadings),
                frozenset(names))
    if isinstance(model, str) and "<~" in model and "\n" in model or (
            isinstance(model, str) and _COMPOSITE.match(model)):
        text, names = _rewrite(model)
        return ModelSpec.from_syntax(text, name="model", source="<model>"), frozenset(names)
    if isinstance(model, (str, Path)) and str(model) not in bundled_models():
        path = Path(model)
        if path.suffix == ".lav" and path.is_file():
            raw = path.read_text(encoding="utf-8")
            if "<~" in raw:
                text, names = _rewrite(raw)
                return (ModelSpec.from_syntax(text, name=path.stem, source=str(path)),
                        frozenset(names))
    return model, frozenset()
