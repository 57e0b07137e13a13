"""Every result object renders as HTML; the report is one self-contained file.

(Headless Chromium rendering of the report is in test_paper_report.py.)"""
from __future__ import annotations

import re

import pytest

from csi_model.report.html import report_html

from _report_data import demo_analyses


@pytest.fixture(scope="module")
def analyses():
    return demo_analyses()


def test_every_result_object_renders_as_html(analyses):
    a = analyses
    objs = {"SEMResult": a.sem, "MeasurementResult": a.measurement, "PLSResult": a.pls,
            "IndexResult": a.index, "InvarianceResult": a.invariance,
            "MultiGroupResult": a.multigroup, "BootstrapResult": a.sem.bootstrap,
            "Survey": a.survey, "DataReport": a.survey.report, "Codebook": a.codebook}
    from csi_model.report.tables import hypotheses
    objs["Table"] = hypotheses(a.sem)
    for name, obj in objs.items():
        html = obj._repr_html_()
        assert isinstance(html, str) and "<" in html and len(html) > 40, name


def test_report_is_self_contained(analyses):
    html = report_html(analyses)
    assert html.startswith("<!DOCTYPE html>")
    assert html.count('src="data:image/png;base64,') == 5
    assert not re.search(r'(src|href)="(https?:|//|file:)', html)      # nothing external
    for name in ("hypotheses", "measurement_model", "fit_measures", "invariance", "ipma"):
        assert f'id="tab-{name}"' in html
    assert "every respondent is kept" in html                           # warnings are shown
    assert "Listwise deletion" not in html          # the report keeps every respondent (ml)
