"""Summary headers and notes say things once and in the same place (issue 18, point 2)."""
from __future__ import annotations

import warnings

import pytest

import csi_model as cm
from csi_model.survey.missing import MISSING_METHODS, missing_label, missing_text


def test_missing_text_names_each_method_once():
    for methods in MISSING_METHODS.values():
        for m in methods:
            text = missing_text(m)
            assert text.lower().count(m.lower()) <= 2, text     # "em" in "EM ... lavaan missing='ml'"
            assert missing_label(m) in text
            assert not text.startswith(f"{m} ({m}"), text
    assert missing_text("listwise") == "listwise deletion"


@pytest.fixture(scope="module")
def ladders():
    d = cm.simulate_survey("telecom", n=400, seed=3, scale=(1, 5)).clip(lower=2)
    d["op"] = ["A", "B"] * 200
    spec = cm.ModelSpec.from_syntax("QUAL =~ QUAL1 + QUAL2 + QUAL3\nSAT =~ SAT1 + SAT2 + SAT3")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ordinal = cm.invariance(spec, d, by="op", ordered=True, steps=["configural", "thresholds"])
        continuous = cm.invariance(spec, d, by="op", steps=["configural", "metric"])
    return ordinal, continuous


def test_both_invariance_summaries_put_the_decision_rule_under_warnings(ladders):
    for inv in ladders:
        text = str(inv.summary())
        head, _, rest = text.partition("\nWARNINGS\n")
        assert rest, text[:400]
        rule = rest.split("\n\n")[0]
        assert "Decisions: the step holds when" in rule
        assert "Decisions:" not in head and text.count("Decisions:") == 1
        # the rule comes before the ladder, as in InvarianceResult
        assert text.index("WARNINGS") < text.index("Invariance ladder")
