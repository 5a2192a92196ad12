"""The public API: what `import theory` offers and how its objects print (its reference: tests/docs)."""

from __future__ import annotations

import inspect

import pytest
import sympy as sp

import theory
import theory.testing
from theory.core.errors import InputError
from theory.core.symbols import rho
from theory.potentials.potential import given

PUBLIC = [(f"theory.{n}", getattr(theory, n)) for n in theory.__all__] + [
    (f"theory.testing.{n}", getattr(theory.testing, n)) for n in theory.testing.__all__]


@pytest.mark.parametrize("qualified,obj", [pytest.param(q, obj, id=q) for q, obj in PUBLIC])
def test_public_name_has_a_docstring_with_an_example(qualified, obj):
    doc = inspect.getdoc(obj) or ""
    assert doc.strip() and ">>>" in doc, f"{qualified} needs a docstring with a runnable example"


def test_all_names_exist_and_nothing_private_is_exported():
    for name in theory.__all__ + [f"testing.{n}" for n in theory.testing.__all__]:
        assert not name.rsplit(".", 1)[-1].startswith("_")
    assert all(hasattr(theory, n) for n in theory.__all__)
    assert all(callable(getattr(theory.testing, n)) for n in theory.testing.__all__)
    assert theory.testing is __import__("theory.testing").testing  # reachable after a bare `import theory`


def test_prove_runs_a_chosen_subset_and_reports_progress():
    seen = []
    [result] = theory.prove("table1-relu", progress=lambda n, total, claim, res: seen.append((n, total, res)))
    assert result.claim.key == "table1-relu" and result.verdict is theory.Verdict.PROVEN
    assert seen == [(1, 1, None), (1, 1, result)]
    assert repr(result).startswith("<Result table1-relu: proven") and "\n" not in repr(result)
    assert str(result).splitlines()[0] == "Table 1, row ReLU: proven"
    assert sp.latex(result) == result.latex() and result._repr_latex_() == f"$${result.latex()}$$"


def test_prove_rejects_an_unknown_claim():
    with pytest.raises(InputError, match="no claim key starts with nosuch"):
        theory.prove(["nosuch"])


def test_potential_and_classification_print_in_one_line_and_render_in_jupyter():
    phi = theory.potential("sign").sphere()
    assert sp.simplify(phi.expr - (1 - 2 * sp.acos(rho) / sp.pi)) == 0
    method = "piecewise reduction: orthant integrals (exact)"
    assert repr(phi) == f"<Potential Φ[sign, zonal] = {phi.expr} ({method})>"
    c = theory.classify(phi, d=3)
    assert repr(c).startswith("<Classification of Φ[sign, zonal]") and "\n" not in repr(c)
    assert repr(c["harmonic"]) == "<Condition harmonic: refuted, region {0}>"
    assert c.latex().startswith(r"\Delta_{S^{2}} \Phi = ")  # Laplace–Beltrami on S^{d−1}, d = 3
    for obj in (phi, c):
        assert sp.latex(obj) == obj.latex() and obj._repr_latex_() == f"${obj.latex()}$"


def test_house_notation_for_the_expectation():
    assert r"\mathbb{E}_{x \sim N(0, I_d)}" in theory.potential("relu").latex(definition=True)
    assert r"\mathbb{E}" not in given("exp(-r^2/2)", "radial").latex(definition=True)
