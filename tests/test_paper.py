"""paper.toml errors are one-line user errors (the build itself: test_paper_report.py)."""
from __future__ import annotations

import pytest

from csi_model.cli import main
from csi_model.report.paper import PaperConfigError, load_config


def test_bad_paper_toml_is_a_one_line_user_error(tmp_path, capsys):
    (tmp_path / "paper.toml").write_text("[options]\nbootstrapp = 10\n", encoding="utf-8")
    with pytest.raises(PaperConfigError, match="unknown key 'bootstrapp' in \\[options\\]"):
        load_config(tmp_path)
    assert main(["paper", "build", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("csi-model: error:") and len(err.strip().splitlines()) == 1
    assert main(["paper", "build", str(tmp_path / "nope")]) == 2
    (tmp_path / "paper.toml").write_text("[options]\nlanguages = ['fr']\n", encoding="utf-8")
    with pytest.raises(PaperConfigError, match="languages"):
        load_config(tmp_path)


def test_example_paper_config_is_the_documented_one():
    from pathlib import Path
    cfg = load_config(Path(__file__).resolve().parents[1] / "paper")
    assert cfg.survey == "demo" and cfg.model == "telecom" and cfg.missing_codes == (99,)
    assert cfg.bootstrap == 200 and cfg.languages[0] == "en" and "zh" in cfg.languages


def test_a_column_paper_toml_names_must_exist(tmp_path, capsys):
    (tmp_path / "paper.toml").write_text(
        '[data]\nsurvey = "demo"\ncodebook = "telecom"\nmissing_codes = [99]\n'
        '[options]\ncompare_by = "wav"\n', encoding="utf-8")
    assert main(["paper", "build", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "compare_by = 'wav' is not a column" in err and "did you mean 'wave'" in err
    assert len(err.strip().splitlines()) == 1
