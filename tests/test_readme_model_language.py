"""The README's "Model language" section is true: its example block parses, each line is read
as its comment says, and the refusals it lists are the parser's (the estimator-side refusals
are tested where they live: test_constraints.py, test_groups_constraints.py,
test_nonrecursive.py, test_formative.py, test_groups_language.py)."""
from __future__ import annotations

import re

import pytest

import csi_model as cm
from csi_model.exceptions import CSIModelError
from _lavaan_compare import ROOT

README = (ROOT / "README.md").read_text()
SECTION = README.split("### Model language: every operator and modifier", 1)[1]
BLOCK = re.search(r"```lavaan\n(.*?)```", SECTION, re.S).group(1)


@pytest.fixture(scope="module")
def spec():
    return cm.ModelSpec.from_syntax(BLOCK, allow_cross_loadings=True)


def _row(pt, lhs, op, rhs):
    rows = pt[(pt.lhs == lhs) & (pt.op == op) & (pt.rhs == rhs)]
    assert len(rows) == 1, (lhs, op, rhs)
    return rows.iloc[0]


def test_every_operator_is_in_the_block_and_every_table_example_parses():
    ops = {"=~", "<~", "~", "~~", "~ 1", ":=", "==", "<", "NA*", "start(", "equal(", "c("}
    assert all(op in BLOCK for op in ops), [op for op in ops if op not in BLOCK]
    table = SECTION.split("Refused,", 1)[0]
    context = "F1 =~ y1 + y2 + y3\nF2 =~ y4 + y5 + y6\nF2 ~ a*F1\ny7 ~ b*F1\n"  # labels a, b
    examples = [ex for row in re.findall(r"^\| .* \| (.*) \| .* \|$", table, re.M)
                for ex in re.findall(r"`([^`]*)`", row)]
    assert len(examples) >= 10
    for example in examples:     # a two-group parameter table: c(b1, b2) is allowed
        cm.ModelSpec.from_syntax(context + example).partable(group=1, n_groups=2)


def test_each_line_is_read_as_its_comment_says(spec):
    pt = spec.partable(group=1, n_groups=2)            # the c() line: the second group
    assert _row(pt, "IMAG", "=~", "IMAG1").free > 0                      # NA* frees it
    assert _row(pt, "LOY", "=~", "LOY1").free == 0 and _row(pt, "LOY", "=~", "LOY1").ustart == 1
    row = _row(pt, "SAT", "=~", "SAT1")
    assert row.free > 0 and row.label == "l1"                            # two modifiers
    assert _row(pt, "QUAL", "=~", "QUAL2").ustart == 0.8 and _row(pt, "QUAL", "=~", "QUAL2").free == 0
    assert _row(pt, "QUAL", "=~", "QUAL3").ustart == 0.5 and _row(pt, "QUAL", "=~", "QUAL3").free > 0
    assert _row(pt, "VAL", "=~", "VAL2").free == _row(pt, "VAL", "=~", "VAL3").free > 0
    assert spec.composites == {"EXPE": ("EXPE1", "EXPE2")}
    assert _row(pt, "SAT", "~", "IMAG").label == "a" and _row(pt, "LOY", "~", "SAT").label == "b"
    assert _row(pt, "SAT1", "~~", "SAT2").free > 0
    assert _row(pt, "IMAG", "~~", "IMAG").ustart == 1 and _row(pt, "IMAG", "~~", "IMAG").free == 0
    assert _row(pt, "QUAL1", "~1", "").free > 0
    assert _row(pt, "LOY", "~", "VAL").label == "g2"
    assert [d.name for d in spec.defined_parameters] == ["ind"]
    assert [k for k, _ in spec.constraint_functions] == ["eq", "ineq"]


def test_the_refusals_the_parser_owns():
    for text, message in [("f =~ x1 + x2 + x3\nx1 | t1", "'|'.*not supported"),
                          ("f =~ x1 + x2 + x3\nx1 ~*~ x1", "'~\\*~'.*not supported")]:
        with pytest.raises(CSIModelError, match=message):
            cm.ModelSpec.from_syntax(text)
    with pytest.raises(CSIModelError, match="c\\(g1, g2\\).*one group"):
        cm.ModelSpec.from_syntax(BLOCK, allow_cross_loadings=True).partable()
