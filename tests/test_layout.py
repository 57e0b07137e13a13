"""The package layout (issue 10): the public API, one folder per stage, imports only downwards.

The stages, bottom to top: model -> survey -> sem -> measurement, pls -> compare -> report -> cli
(DESIGN.md). The checks read the source with :mod:`ast`, so they see imports inside functions too.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import csi_model as cm

PACKAGE = Path(cm.__file__).parent

#: Every name ``import csi_model as cm`` offered when the layout changed (issue 10).
PUBLIC_NAMES = [
    "fit", "SEMResult", "measurement", "MeasurementResult", "Thresholds", "effects",
    "specific_indirect_effects", "hypotheses", "BootstrapResult", "fit_pls", "PLSResult",
    "bootstrap_pls", "compare_estimators", "csi_index", "IndexResult", "plot_ipma",
    "NegativeWeightWarning", "compare", "ComparisonResult", "index_differences", "fit_multigroup",
    "MultiGroupResult", "invariance", "InvarianceResult", "path_differences",
    "pls_permutation_test", "micom", "ModelSpec", "load_model", "bundled_models", "specify",
    "reflective", "paths", "items", "read_survey", "Survey", "DataReport", "Codebook",
    "load_codebook", "simulate_survey", "Population", "telecom_population", "make_demo_survey",
    "CSIModelError", "ModelSyntaxError", "ModelSpecError", "SurveyDataError", "EstimationError",
    "CSIModelWarning", "ImproperSolutionWarning", "ConvergenceWarning", "DataQualityWarning",
]

#: Submodules the README and notebooks import by name.
DOCUMENTED_MODULES = ["csi_model.report.tables", "csi_model.report.figures", "csi_model.bootstrap",
                      "csi_model.report", "csi_model.cli"]

#: Rank of each stage: a module may import modules of its own stage or of a lower rank.
#: measurement and pls are siblings (rank 4) and may not import each other; _inputs (the
#: argument checks every estimator shares) sits on model and survey; weighting (AHP, entropy,
#: PCA beside the PLS index) uses pls; _distributions (scipy.special's normal and chi-square
#: functions, for every stage), _threads (threadpoolctl's limits, scanned once) and
#: _missing_methods (the --missing vocabulary in plain Python, for the CLI's parsers) sit below all.
STAGE_RANK = {"_distributions": -1, "_threads": -1, "_missing_methods": -1, "exceptions": 0, "_format": 0, "bootstrap": 0, "_atomic": 0,
              "data": 0, "models": 0, "model": 1, "survey": 2,
              "_inputs": 2.5, "sem": 3, "measurement": 4, "pls": 4, "weighting": 4.5, "compare": 5, "report": 6,
              "cli": 7}

#: Deliberate imports across stages, each inside a function: results' plotting conveniences
#: (as statsmodels' results reach statsmodels.graphics) and one sibling use.
ALLOWED_UPWARD = {("csi_model.pls.index", "csi_model.report.figures"),
                  # rho_A from the converged PLS weights (Dijkstra & Henseler 2015), inside
                  # one function of the measurement model
                  ("csi_model.measurement.quality", "csi_model.pls.fit")}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = ["csi_model", *rel.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, *, top_level_only: bool = False) -> set[str]:
    """The csi_model modules ``name`` imports (resolved; ``from x import y`` gives x.y if it is one)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    modules = _modules()
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("csi_model")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("csi_model"):
                target = node.module
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
    return found


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "csi_model"


def test_every_public_name_still_imports():
    missing = [n for n in PUBLIC_NAMES if not hasattr(cm, n)]
    assert not missing, f"csi_model lost public names: {missing}"
    assert set(PUBLIC_NAMES) <= set(cm.__all__)
    for name in cm.__all__:
        assert getattr(cm, name) is not None


@pytest.mark.parametrize("module", DOCUMENTED_MODULES)
def test_documented_submodules_import(module):
    importlib.import_module(module)


def test_one_folder_per_stage():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert {"model", "survey", "sem", "measurement", "pls", "report", "cli"} <= folders
    for folder in ("model", "survey", "sem", "measurement", "pls", "report", "cli"):
        doc = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text()))
        assert doc and len(doc) > 80, f"{folder}/__init__.py must say what the stage does"


def test_stages_import_only_stages_below():
    bad = []
    for name, path in _modules().items():
        src = _stage(name)
        if src == "csi_model":          # the package __init__ exposes everything
            continue
        for target in _imports(name, path):
            dst = _stage(target)
            if dst == "csi_model" or (name, target) in ALLOWED_UPWARD:
                continue
            if STAGE_RANK[dst] > STAGE_RANK[src] or (
                    STAGE_RANK[dst] == STAGE_RANK[src] and dst != src):
                bad.append(f"{name} imports {target}")
    assert not bad, "imports that go up the pipeline:\n" + "\n".join(bad)


def test_no_import_cycles_at_module_level():
    modules = _modules()
    graph = {n: {t for t in _imports(n, p, top_level_only=True) if t in modules and t != n}
             for n, p in modules.items()}
    # a package's __init__ importing its own submodules is not a cycle of interest
    state: dict[str, int] = {}
    cycles = []

    def visit(n, stack):
        state[n] = 1
        for t in graph[n]:
            if n.startswith(t + ".") or t.startswith(n + "."):
                continue
            if state.get(t) == 1:
                cycles.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t, stack + [t])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [n])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_only_report_imports_matplotlib():
    offenders = []
    for name, path in _modules().items():
        if _stage(name) == "report":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            mods = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(m.split(".")[0] == "matplotlib" for m in mods):
                offenders.append(name)
    assert not offenders, f"matplotlib imported outside report/: {offenders}"


def test_cli_modules_are_small():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines())
             for p in (PACKAGE / "cli").glob("*.py")}
    assert max(sizes.values()) < 300, sizes
