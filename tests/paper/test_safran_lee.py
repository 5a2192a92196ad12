"""Safran & Lee (COLT 2022) in `theory prove`: Proposition 21, derived by the engine and checked twice."""

import mpmath
import pytest
import sympy as sp

from theory.core.verdict import Method, Verdict
from theory.paper.claims import Settings
from theory.paper.prove import claims
from theory.proofs.safran_lee import proposition_21 as p21


@pytest.fixture(scope="module")
def result():
    [claim] = claims("sl-prop21", papers="safran-lee")
    return claim.run(Settings(quick=True))


def test_proposition_21_is_proven_by_exact_algebra_alone(result):
    assert result.claim.key == "sl-prop21" and result.claim.paper.key == "safran-lee"
    assert result.verdict is Verdict.PROVEN
    assert [c.evidence.method for c in result.deciding] == [Method.EXACT] * 2


def test_the_independent_checks_agree_and_say_how_strong_they_are(result):
    evidence = [c for c in result.checks if c.subject == "evidence"]
    assert [c.verdict for c in evidence] == [Verdict.PROVEN] * 4
    quadrature = [c for c in evidence if c.evidence.method is Method.NUMERIC]
    assert len(quadrature) == 2 and all(max(c.evidence.data["gaps"]) < 1e-12 for c in quadrature)
    assert all("1-D quadrature" in c.name for c in quadrature)           # the quick run's cheaper check
    for c in (c for c in evidence if c.evidence.method is Method.EXPERIMENT):
        data = c.evidence.data
        assert abs(data["mean"] - data["stated"]) < 4 * data["standard_error"] < 0.01


@pytest.mark.parametrize("truncation,wrong", [
    (sp.Integer(0), p21.stated_form(sp.Integer(0)) / 2),                   # 1/π instead of 2/π
    (1 / sp.sqrt(2), 4 / (1 + sp.erf(1)) * p21.OwenT(sp.sqrt(2), 1 / sp.sqrt(2 + p21.r**2))),  # 1 + erf 1
])
def test_the_exact_comparison_refutes_a_wrong_form(truncation, wrong):
    assert p21._exact_check(truncation, wrong).verdict is Verdict.REFUTED


@pytest.mark.parametrize("truncation", p21.TRUNCATIONS)
def test_quadrature_agrees_with_the_smoothed_one_and_the_stated_form_at_an_exact_radius(truncation):
    with mpmath.workdps(20):
        expectation = p21.expectation(truncation, 2)                 # the slow one: computed once
        assert abs(p21.smoothed_expectation(truncation, 2) - expectation) < 1e-17
        assert abs(expectation - p21.stated(truncation, 2)) < 1e-17
