"""A weighted paper: paper.toml ``[data] weights = "w"`` (and ``analyze(weights=)``,
``csi-model report --weights``) weights every table, and every output says so.

Reference: the independent weighted estimators - the paper's CB-SEM tables are those of
``fit(..., weights="w", missing="fiml")``, its index those of ``csi_index(fit_pls(...,
weights="w", missing="em"))``, its descriptives ``item_descriptives(..., weights="w")`` and its
measurement tables ``measurement(..., weights="w", missing="em")`` (each checked against lavaan
or replicated rows in tests/test_weights.py, tests/test_pls_weights_missing.py).
"""
from __future__ import annotations

import html
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import csi_model as cm
from csi_model.report import tables as T
from csi_model.report.analysis import analyze
from csi_model.report.paper import PaperConfigError, build_paper, load_config

MODEL = "SAT =~ SAT1 + SAT2 + SAT3\nLOY =~ LOY1 + LOY2 + LOY3\nLOY ~ SAT\n"
SEED, B = 11, 20
NOTE = "Weighted by the sampling weights in column 'w' (Kish effective sample size"
HTML_NOTE = html.escape(NOTE)


def _weighted_demo() -> pd.DataFrame:
    """The demo survey (600 respondents, three operators, two waves, code 99 = don't know)
    with a post-stratification-like weight: operators and waves weighted unequally."""
    d = cm.make_demo_survey()
    rng = np.random.default_rng(14)
    base = d["operator"].map({"China Mobile": 1.6, "China Telecom": 0.7, "China Unicom": 0.9})
    d["w"] = (base * np.where(d["wave"].astype(str) == "2025", 1.2, 0.8)
              * rng.uniform(0.7, 1.3, len(d))).round(4)
    return d


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    d = tmp_path_factory.mktemp("wpaper")
    _weighted_demo().to_csv(d / "survey.csv", index=False)
    (d / "sat_loy.lav").write_text(MODEL, encoding="utf-8")
    (d / "paper.toml").write_text(
        '[data]\nsurvey = "survey.csv"\ncodebook = "telecom"\nmissing_codes = [99]\n'
        'weights = "w"\n[model]\nmodel = "sat_loy.lav"\n'
        f'[options]\nseed = {SEED}\nbootstrap = {B}\nhtmt_bootstrap = 0\nlanguages = ["en", "zh"]\n'
        'group_by = "operator"\nwave_by = "wave"\ncompare_by = "wave"\n'
        '[output]\ntable_formats = ["csv", "md", "html", "docx"]\nfigure_formats = ["png"]\n'
        'pdf = false\n', encoding="utf-8")
    (d / "paper.md").write_text("# Weighted\n\n{{table:fit_measures}}\n\n"
                                "n = {{n}} of {{n_total}}\n\n{{warnings}}\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = build_paper(d)
    survey = cm.read_survey(str(d / "survey.csv"), "telecom", missing_codes=[99])
    return d, res, survey


def _quiet(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kw)


def _csv(build, name, lang=""):
    return (build / "tables" / lang / f"{name}.csv").read_text(encoding="utf-8")


def test_the_weighted_paper_tables_are_the_weighted_estimators(paper):
    d, res, survey = paper
    build = res.directory
    spec = cm.ModelSpec.from_syntax(MODEL, name="sat_loy")
    # CB-SEM: weighted FIML (robust SEs; no bootstrap with weights)
    sem = _quiet(cm.fit, spec, survey, weights="w", missing="fiml")
    assert _csv(build, "hypotheses") == T.hypotheses(sem).to_csv()
    assert _csv(build, "effects") == T.effects(sem).to_csv()
    fm = _csv(build, "fit_measures").splitlines()
    assert fm[-1] == T.fit_measures(sem, robust=True).to_csv().splitlines()[-1]
    assert f"{sem.fit_measures['chisq.scaled']:.2f}" in fm[-1]      # the scaled test
    # the index: weighted PLS on the weighted EM moments, weighted bootstrap
    scale = {i: survey.codebook.scale(i) for i in spec.observed}
    pls = _quiet(cm.fit_pls, spec, survey, weights="w", missing="em")
    index = _quiet(cm.csi_index, pls, scale=scale, by="operator", bootstrap=B, seed=SEED)
    assert _csv(build, "index_scores") == T.index_scores(index).to_csv()
    assert _csv(build, "ipma") == T.ipma(index).to_csv()
    unweighted = _quiet(cm.csi_index, _quiet(cm.fit_pls, spec, survey, missing="em"),
                        scale=scale, by="operator")
    assert _csv(build, "index_scores") != T.index_scores(unweighted).to_csv()
    # descriptives: weighted means and SDs
    assert _csv(build, "item_descriptives") == T.item_descriptives(
        survey, spec, codebook=survey.codebook, weights="w").to_csv()
    # the measurement model: weighted EM / weighted FIML CFA
    m = _quiet(cm.measurement, spec, survey, seed=SEED, n_boot=0, missing="em", weights="w")
    assert _csv(build, "measurement_model") == T.measurement_model(m).to_csv()
    assert _csv(build, "htmt") == T.htmt(m).to_csv()
    assert fm[1] == T.fit_measures({"cfa": m.cfa}, robust=True).to_csv().splitlines()[1]
    # the group comparison: weighted, every respondent (weighted FIML ladder, weighted EM PLS)
    cmp = _quiet(cm.compare, spec, survey, by="wave", weights="w", missing="ml",
                 bootstrap=B, n_permutations=B, seed=SEED, scale=scale)
    assert _csv(build, "invariance") == T.invariance(cmp.invariance).to_csv()
    assert cmp.invariance.fits["configural"].weights == "w"


def test_every_output_of_the_weighted_paper_says_it_is_weighted(paper):
    d, res, survey = paper
    build = res.directory
    md = (build / "tables" / "fit_measures.md").read_text(encoding="utf-8")
    assert NOTE in md and "Yuan-Bentler scaled" in md
    for name in ("item_descriptives", "measurement_model", "hypotheses", "index_scores"):
        page = (build / "tables" / f"{name}.html").read_text(encoding="utf-8")
        assert HTML_NOTE in page, name
    assert "Mean, SD, skewness and kurtosis are weighted" in (
        build / "tables" / "item_descriptives.md").read_text(encoding="utf-8")
    zh = (build / "tables" / "zh" / "index_scores.md").read_text(encoding="utf-8")
    assert "按“w”列的抽样权重加权" in zh and "Kish 有效样本量" in zh
    from docx import Document
    doc = Document(str(build / "tables" / "all_tables.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert text.count(NOTE) >= 10
    paper_md = (build / "paper.md").read_text(encoding="utf-8")
    assert "n = 600 of 600" in paper_md and "{{" not in paper_md
    assert "Weighted analyses: sampling weights from column 'w' (Kish effective sample size" \
        in paper_md
    assert "the CB-SEM bootstrap is not available with weights" in paper_md
    # what the weighted group comparison did differently is in the paper too
    assert "the PLS-MGA permutation tests and MICOM are weighted" in paper_md
    assert "the CB-SEM invariance ladder is" in paper_md
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data"]["weights"] == "w"
    w = _weighted_demo()["w"].to_numpy()
    assert manifest["data"]["kish_effective_n"] == pytest.approx(w.sum() ** 2 / (w ** 2).sum(),
                                                                 abs=0.01)
    assert any(n.startswith("Weighted analyses") for n in manifest["warnings"])
    assert res.notes[0].startswith("Weighted analyses: sampling weights from column 'w' (Kish")


def test_analyze_and_the_html_report_with_weights():
    from csi_model.report.html import report_html
    survey = cm.read_survey(_weighted_demo(), codebook="telecom", missing_codes=[99])
    spec = cm.ModelSpec.from_syntax(MODEL, name="sat_loy")
    a = _quiet(analyze, spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None,
               weights="w")
    assert a.weights == "w" and a.weighting.startswith("Weighted analyses")
    ref = _quiet(cm.fit, spec, survey, weights="w", missing="fiml")
    pd.testing.assert_frame_equal(a.sem.estimates, ref.estimates)
    page = report_html(a)
    assert "<td>Sampling weights</td><td>column &#x27;w&#x27;, Kish effective sample size" in page
    assert page.count(HTML_NOTE) >= 8
    assert "抽样权重" in report_html(a, lang="zh")
    # listwise: weighted ML on the complete respondents
    lw = _quiet(analyze, spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None,
                weights="w", missing="listwise")
    ref = _quiet(cm.fit, spec, survey, weights="w")
    pd.testing.assert_frame_equal(lw.sem.estimates, ref.estimates)
    # the weights change the numbers
    plain = _quiet(analyze, spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None)
    assert plain.weighting == "" and not plain.sem.estimates["est"].equals(a.sem.estimates["est"])


def test_bad_weights_in_paper_toml_and_analyze_are_clear_errors(tmp_path):
    (tmp_path / "paper.toml").write_text('[data]\nsurvey = "demo"\nweights = 3\n')
    with pytest.raises(PaperConfigError, match="weights must be the name of the column"):
        load_config(tmp_path)
    (tmp_path / "paper.toml").write_text('[data]\nsurvey = "demo"\nweights = "wt"\n'
                                         '[options]\nbootstrap = 0\nhtmt_bootstrap = 0\n')
    assert load_config(tmp_path).weights == "wt"
    with pytest.raises(PaperConfigError, match="weights = 'wt' is not a column"):
        build_paper(tmp_path)
    survey = cm.read_survey(_weighted_demo().assign(w=lambda x: -x["w"]), codebook="telecom",
                            missing_codes=[99])
    spec = cm.ModelSpec.from_syntax(MODEL, name="sat_loy")
    with pytest.raises(cm.SurveyDataError, match="negative weight"):
        analyze(spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None, weights="w")
    with pytest.raises(cm.SurveyDataError, match="also a grouping column"):
        analyze(spec, survey, bootstrap=0, htmt_bootstrap=0, compare_by=None,
                weights="operator")


def test_cli_paper_build_reads_the_weights_from_paper_toml(paper, tmp_path, capsys):
    from csi_model.cli import main
    d, _, _ = paper
    assert main(["paper", "build", str(d), "--out", str(tmp_path / "b"), "--no-pdf"]) == 0
    out = capsys.readouterr().out
    assert "note: Weighted analyses: sampling weights from column 'w' (Kish" in out
    assert (tmp_path / "b" / "tables" / "fit_measures.csv").read_text(encoding="utf-8") == \
        (d / "_build" / "tables" / "fit_measures.csv").read_text(encoding="utf-8")


def test_cli_report_takes_weights(tmp_path, capsys):
    from csi_model.cli import main
    data = tmp_path / "survey.csv"
    _weighted_demo().to_csv(data, index=False)
    model = tmp_path / "sat_loy.lav"
    model.write_text(MODEL, encoding="utf-8")
    out = tmp_path / "report.html"
    assert main(["report", str(data), "--model", str(model), "--weights", "w", "--bootstrap",
                 "0", "--compare", "wave", "-q", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Sampling weights" in page and HTML_NOTE in page
    assert main(["report", str(data), "--model", str(model), "--weights", "wt", "-q",
                 "--out", str(tmp_path / "x.html")]) == 2
    assert "--weights 'wt' is not a column" in capsys.readouterr().err
