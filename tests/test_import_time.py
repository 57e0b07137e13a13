"""``import csi_model`` stays light: heavy libraries are imported where they are used.

Each check runs in a fresh interpreter (this test session has imported everything
already) and looks at ``sys.modules``, so it does not depend on the machine's speed.
Measured on the team's 2-core machine: scipy.stats alone takes ~1.5 s to import,
semopy ~2-4 s, matplotlib ~0.5 s (see benchmarks/README.md).
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

#: Imported by the functions that need them, never by ``import csi_model``.
HEAVY = ("scipy.stats", "scipy.optimize", "scipy.sparse", "scipy.spatial", "scipy.integrate",
         "matplotlib", "semopy", "joblib", "docx", "openpyxl", "pyreadstat",
         "factor_analyzer", "sklearn", "tqdm", "dask", "distributed")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(h for h in HEAVY if h in modules)


@pytest.mark.parametrize("code", ["import csi_model", "import csi_model.cli"])
def test_package_import_loads_no_heavy_module(code):
    assert _heavy(_modules_after(code)) == []


def test_import_loads_no_scipy_special_until_a_pvalue_is_needed():
    """Even scipy.special (~0.1 s) waits for the first distribution function call."""
    assert "scipy.special" not in _modules_after("import csi_model")
    loaded = _modules_after("from csi_model._distributions import norm\nnorm.sf(1.0)")
    assert "scipy.special" in loaded and "scipy.stats" not in loaded


def test_default_fit_imports_neither_semopy_nor_scipy_stats():
    """The default fit starts from our own start values (csi_model/sem/start.py)."""
    code = ("import warnings\nimport csi_model as cm\nwarnings.simplefilter('ignore')\n"
            "spec = cm.load_model('telecom')\n"
            "data = cm.simulate_survey(spec, n=250, seed=1)\n"
            "res = cm.fit(spec, data)\nassert res.converged")
    loaded = _modules_after(code)
    assert "semopy" not in loaded
    assert "scipy.stats" not in loaded


def test_package_import_loads_neither_numpy_nor_pandas():
    """The public names are imported at first use (PEP 562): ``csi-model --help`` and a bare
    ``import csi_model`` start without the numerical stack."""
    loaded = _modules_after("import csi_model")
    assert "numpy" not in loaded and "pandas" not in loaded
    assert {"numpy", "pandas"} <= _modules_after("import csi_model\ncsi_model.fit")


def test_public_names_resolve_to_their_definitions_whatever_is_imported_first():
    """``compare`` and ``measurement`` are also submodule names: importing the submodule first
    must not replace the public function on the package."""
    code = ("import csi_model.compare, csi_model.measurement, csi_model as cm\n"
            "from csi_model.compare import compare\n"
            "from csi_model.measurement.quality import measurement\n"
            "assert cm.compare is compare and cm.measurement is measurement\n"
            "for name in cm.__all__:\n"
            "    assert getattr(cm, name) is not None and name in dir(cm), name\n"
            "from csi_model import *\n"
            "assert callable(fimix_pls) and plot_ipma.__name__ == 'ipma_map'")
    _modules_after(code)
    out = subprocess.run([sys.executable, "-c", "import csi_model\ncsi_model.no_such_name"],
                         capture_output=True, text=True)
    assert out.returncode == 1 and "has no attribute 'no_such_name'" in out.stderr


@pytest.mark.parametrize("argv", [["--help"], ["fit", "--help"], ["compare", "--help"],
                                  ["pls", "--help"], ["measure", "--help"]])
def test_cli_help_imports_neither_numpy_nor_pandas(argv):
    """``csi-model --help`` and every subcommand's ``--help`` print before the numerical
    stack is loaded (the --missing choices come from csi_model._missing_methods)."""
    code = ("import sys\nfrom csi_model.cli._main import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n")
    loaded = _modules_after(code)
    assert "numpy" not in loaded and "pandas" not in loaded


def test_missing_methods_are_one_vocabulary():
    from csi_model._missing_methods import MISSING_METHODS as light
    from csi_model.survey.missing import MISSING_METHODS
    assert MISSING_METHODS is light
