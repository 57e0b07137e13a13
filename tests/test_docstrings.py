"""Every public function and class has a numpydoc Examples section that runs (issue 18,
point 8).

The public API is what ``csi_model`` and its stage packages export in ``__all__``, and the
public methods of those classes (including those inherited from csi_model base classes).
The examples run as doctests (``--doctest-modules`` on ``csi_model/``, pyproject.toml); this
test makes sure there is one to run: an "Examples" section with at least one ``>>>`` line
that is not skipped.
"""
from __future__ import annotations

import importlib
import inspect
import re

import pytest

PACKAGES = ["csi_model", "csi_model.model", "csi_model.survey", "csi_model.sem",
            "csi_model.measurement", "csi_model.pls", "csi_model.weighting", "csi_model.report",
            "csi_model.cli"]
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

    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not callable(obj) or not _own(obj):
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
    assert len(API) > 150
    for name in ("csi_model.fit", "csi_model.SEMResult.summary", "csi_model.codebook_from_sav",
                 "csi_model.report.Table.to_docx", "csi_model.cli.main"):
        assert name in API, name


def test_every_public_callable_has_a_running_example():
    missing = sorted(n for n, obj in API.items() if _examples(obj) is None)
    assert missing == [], (f"{len(missing)} of {len(API)} public callables have no numpydoc "
                           f"'Examples' section: " + ", ".join(missing))
    skipped = sorted(n for n, obj in API.items() if not _runs(_examples(obj)))
    assert skipped == [], "Examples without a running '>>>' line: " + ", ".join(skipped)


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
