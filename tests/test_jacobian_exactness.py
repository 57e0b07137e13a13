"""The Jacobian of Sigma written row by row equals the 0/1 incidence products bit for bit.

csi_model.sem._ram.RAMModel.jacobian copies each parameter's block directly when every
parameter has one matrix entry (issue 19, speed); with equality labels it sums the entries by
the 0/1 products. Both must give the same numbers, so that fits, ladders and their JSON
outputs are unchanged.
"""
from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import csi_model as cm
from csi_model.sem import groups as grp


def _general(model, theta):
    """The incidence-product form, forced on a copy of the cached flag."""
    saved = model.__dict__.get("_one_entry_each")
    model.__dict__["_one_entry_each"] = False
    try:
        return model.jacobian(theta)
    finally:
        if saved is None:
            model.__dict__.pop("_one_entry_each")
        else:
            model.__dict__["_one_entry_each"] = saved


@pytest.mark.parametrize("equal", [(), ("loadings",), ("loadings", "intercepts")])
def test_multigroup_jacobians_identical(equal):
    spec = cm.load_model("telecom")
    jm = grp._joint_model(spec, ["1", "2"], equal, ())
    rng = np.random.default_rng(3)
    for m in jm.models:
        assert m._one_entry_each
        for _ in range(3):
            theta = rng.normal(0.3, 0.2, m.n_free)
            fast, slow = m.jacobian(theta), _general(m, theta)
            assert_array_equal(fast[0], slow[0])
            assert_array_equal(fast[1], slow[1])


def test_single_group_and_equality_labels():
    from csi_model.sem._ram import RAMModel
    text = cm.load_model("telecom").to_syntax().replace("SAT ~ IMAG + EXPE + QUAL + VAL",
                                                        "SAT ~ IMAG + EXPE + a*QUAL + a*VAL")
    plain = cm.load_model("telecom")
    labelled = cm.ModelSpec.from_syntax(text)
    rng = np.random.default_rng(4)
    for spec, one_each in [(plain, True), (labelled, False)]:
        m = RAMModel.from_partable(spec.partable(), spec.observed, spec.latents)
        assert m._one_entry_each is one_each
        theta = rng.normal(0.3, 0.2, m.n_free)
        fast, slow = m.jacobian(theta), _general(m, theta)
        assert_array_equal(fast[0], slow[0])
        assert_array_equal(fast[1], slow[1])
