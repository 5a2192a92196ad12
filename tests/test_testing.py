import pytest
import sympy as sp

from theory.potentials.potential import given
from theory.testing import assert_agree, assert_condition, assert_identical, assert_strict_local_minimum

GAUSSIAN = given("exp(-r^2/2)", "radial")


def test_a_maximum_between_two_protons_is_not_a_strict_local_minimum():
    # one electron midway between protons at ±2 on the line: ∂²L/∂x² = −12e⁻² < 0
    with pytest.raises(AssertionError, match="not a strict local minimum"):
        assert_strict_local_minimum(GAUSSIAN, [[0.0]], [[2.0], [-2.0]], manifold="euclidean")


def test_a_region_outside_the_certified_one_fails_with_the_region_named():
    with pytest.raises(AssertionError, match=r"holds on Interval.open\(sqrt\(3\), oo\)"):
        assert_condition(GAUSSIAN, "strictly subharmonic", d=3, region=sp.Interval(1, 2))


def test_identity_and_agreement_failures_explain_themselves():
    rho = sp.Symbol("rho", real=True)
    with pytest.raises(AssertionError, match="refuted"):
        assert_identical(sp.asin(rho), sp.acos(rho), rho)
    with pytest.raises(AssertionError, match="allowed for 20 digits"):
        assert_agree(sp.E, sp.Float("2.718281828459045", 30), digits=20)
