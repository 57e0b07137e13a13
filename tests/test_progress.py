"""Progress of the report builds (issue 18, point 6): tqdm.auto bars named by the running
step, on stderr in the CLI and in a notebook's output, nothing with --quiet."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

from csi_model.cli import main

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "csi_model" / "data" / "telecom_demo.csv"


def test_cli_report_shows_each_step_and_quiet_shows_nothing(tmp_path, capsys):
    out = tmp_path / "r.html"
    args = ["report", str(SURVEY), "--model", "telecom", "--out", str(out), "--bootstrap", "20"]
    assert main(args) == 0
    err = capsys.readouterr().err
    for step in ("analyses: measurement model", "analyses: CB-SEM (bootstrap B = 20)",
                 "analyses: PLS index", "analyses: index trends", "report: tables",
                 "report: figure path_diagram"):
        assert step in err, (step, err[-500:])
    # the demo survey has a wave column: the group comparison runs too
    assert "analyses: group comparison: 5/5 steps" in err and "6/6 steps" in err   # all ran
    out.unlink()
    assert main(args + ["--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_progress_is_captured_in_a_notebook_run(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import warnings; warnings.simplefilter('ignore')\n"
        "import csi_model as cm\n"
        "from csi_model.report.analysis import analyze\n"
        "from importlib import resources\n"
        "spec = cm.load_model('telecom')\n"
        "s = cm.read_survey(str(resources.files('csi_model.data').joinpath('telecom_demo.csv')),"
        " items=spec.observed, missing_codes=[99])\n"
        "a = analyze(spec, s, codebook=cm.load_codebook('telecom'), bootstrap=0, htmt_bootstrap=0,"
        " compare_by=None, progress=True)")]
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    shown = " ".join(o.get("text", "") for o in outputs if o.output_type == "stream") + " ".join(
        str(o.get("data", {})) for o in outputs if o.output_type == "display_data")
    assert "analyses" in shown and "index trends" in shown, outputs


PAPER_TOML = """[data]
survey = "demo"
codebook = "telecom"
missing_codes = [99]
[model]
model = "telecom"
[options]
bootstrap = 0
htmt_bootstrap = 0
languages = ["en", "zh"]
group_by = "operator"
[output]
table_formats = ["md"]
figure_formats = ["png"]
pdf = false
"""


def test_cli_paper_build_shows_each_step_and_quiet_shows_nothing(tmp_path, capsys):
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "paper.toml").write_text(PAPER_TOML, encoding="utf-8")
    (tmp_path / "paper" / "paper.md").write_text("# Paper\n\n{{table:hypotheses}}\n",
                                                 encoding="utf-8")
    args = ["paper", "build", str(tmp_path / "paper"), "--out", str(tmp_path / "out")]
    assert main(args) == 0
    captured = capsys.readouterr()
    err = captured.err
    for step in ("analyses: measurement model", "analyses: CB-SEM", "analyses: PLS index",
                 "paper: tables (en)", "paper: figures (en)", "paper: tables (zh)",
                 "paper: figures (zh)", "paper: paper.md: 5/5 steps"):
        assert step in err, (step, err[-800:])
    assert "Built " in captured.out and "paper:" not in captured.out
    assert main(args + ["--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_build_paper_in_python_shows_progress_only_when_asked(tmp_path, capsys):
    from csi_model.report.paper import build_paper
    (tmp_path / "paper.toml").write_text(PAPER_TOML.replace('"en", "zh"', '"en"'),
                                         encoding="utf-8")
    build_paper(tmp_path, out=tmp_path / "a")
    assert capsys.readouterr().err == ""
    build_paper(tmp_path, out=tmp_path / "b", progress=True)
    err = capsys.readouterr().err
    assert "analyses: PLS index" in err and "paper: figures (en): 2/2 steps" in err
