"""Every public function and class has a numpydoc Examples section that runs (issue 18,
point 8).

The public API is what ``csi_model``, its stage packages and every public module (no
leading underscore) export in ``__all__``, and the public methods of those classes
(including those inherited from csi_model base classes), less the few engine pieces of
``ENGINE`` that take the estimator's internal objects (users reach them through ``fit``).
The examples run as doctests (``--doctest-modules`` on ``csi_model/``, pyproject.toml); this
test makes sure there is one to run: an "Examples" section with at least one ``>>>`` line
that is not skipped.
"""
from __future__ import annotations

import importlib
import inspect
import re


PACKAGES = ["csi_model", "csi_model.model", "csi_model.survey", "csi_model.sem",
            "csi_model.measurement", "csi_model.pls", "csi_model.weighting", "csi_model.report",
            "csi_model.cli"]
# internal engine steps (RAM matrices, moments, the PLSc problem) exported for the modules
# that use them, not for users: they are exercised through fit(), fit_pls() and measurement()
ENGINE = {"csi_model.pls.consistent.PLScProblem", "csi_model.pls.consistent.rho_a_batch",
          "csi_model.sem.defined.defined_rows", "csi_model.sem.defined.defined_hypotheses",
          "csi_model.sem.defined.DefinedValues",
          "csi_model.sem.diagnostics.modification_indices", "csi_model.sem.diagnostics.residuals",
          # the multi-group RAM models and moments: MultiGroupResult.modification_indices()
          # and .equality_score_tests() are the users' route (with examples)
          "csi_model.sem.diagnostics.modification_indices_groups",
          "csi_model.sem.diagnostics.equality_score_tests",
          "csi_model.sem.ordinal.fit_ordinal", "csi_model.sem.results.standardize",
          "csi_model.sem.results.admissibility_warnings"}


def _modules() -> list[str]:
    import pkgutil

    import csi_model
    mods = [m.name for m in pkgutil.walk_packages(csi_model.__path__, "csi_model.")
            if not any(part.startswith("_") for part in m.name.split(".")[1:])]
    return PACKAGES + sorted(set(mods) - set(PACKAGES))
SECTION = re.compile(r"^Examples\n-{8,}\n(?P<body>.*?)(?=^\S[^\n]*\n-{3,}\n|\Z)", re.S | re.M)


def _own(obj) -> bool:
    return (getattr(obj, "__module__", "") or "").startswith("csi_model")


def public_api() -> dict[str, object]:
    """Qualified name -> object, every public callable once."""
    found: dict[str, object] = {}
    seen: set[int] = set()

    def add(name, obj):
        if id(obj) not in seen:
            seen.add(id(obj))
            found[name] = obj

    for pkg in _modules():
        mod = importlib.import_module(pkg)
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if not callable(obj) or not _own(obj) or f"{pkg}.{name}" in ENGINE:
                continue
            add(f"{pkg}.{name}", obj)
            if not inspect.isclass(obj):
                continue
            for klass in obj.__mro__:
                if not _own(klass):
                    continue
                for attr, raw in vars(klass).items():
                    if attr.startswith("_") or isinstance(raw, property):
                        continue
                    fn = getattr(raw, "__func__", raw)
                    if inspect.isfunction(fn) and _own(fn) and attr not in getattr(
                            obj, "__dataclass_fields__", {}):
                        add(f"{pkg}.{name}.{attr}", fn)
    return found


def _examples(obj) -> str | None:
    m = SECTION.search(inspect.getdoc(obj) or "")
    return m.group("body") if m else None


def _runs(body: str) -> bool:
    lines = [ln for ln in body.splitlines() if ln.lstrip().startswith(">>>")]
    return any("+SKIP" not in ln for ln in lines)


API = public_api()


def test_the_public_api_is_found():
    assert len(API) > 250
    for name in ("csi_model.fit", "csi_model.SEMResult.summary", "csi_model.codebook_from_sav",
                 "csi_model.report.Table.to_docx", "csi_model.cli.main",
                 "csi_model.report.tables.hypotheses", "csi_model.report.figures.path_diagram",
                 "csi_model.sem.fit_indices.cfi"):
        assert name in API, name


def test_every_public_callable_has_a_running_example():
    missing = sorted(n for n, obj in API.items() if _examples(obj) is None)
    assert missing == [], (f"{len(missing)} of {len(API)} public callables have no numpydoc "
                           f"'Examples' section: " + ", ".join(missing))
    skipped = sorted(n for n, obj in API.items() if not _runs(_examples(obj)))
    assert skipped == [], "Examples without a running '>>>' line: " + ", ".join(skipped)
    twice = sorted(n for n, obj in API.items()
                   if (inspect.getdoc(obj) or "").count("Examples\n--------") > 1)
    assert twice == [], "Two Examples sections: " + ", ".join(twice)


def test_the_check_finds_a_missing_section():
    def documented():
        """Something.

        Examples
        --------
        >>> 1 + 1
        2
        """

    def skipped():
        """Something.

        Examples
        --------
        >>> 1 + 1  # doctest: +SKIP
        2
        """

    def bare():
        """Something.

        >>> 1 + 1
        2
        """
    assert _runs(_examples(documented)) and not _runs(_examples(skipped))
    assert _examples(bare) is None
