"""Closed forms evaluated by arb balls (one point, many points), compiled mpmath and blocked float64."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.core.errors import InputError
from theory.core.symbols import rho
from theory.potentials import evaluation
from theory.potentials.potential import given


def _digits_agree(value, reference, dps):
    return abs(mpmath.mpf(value) - mpmath.mpf(reference)) <= abs(mpmath.mpf(reference)) * mpmath.mpf(10) ** (1 - dps)


@pytest.mark.parametrize("name", ["relu", "erf", "step", "relu_power(2)", "gelu"])
def test_at_many_agrees_with_the_two_precision_route(name):
    phi = potential(name).sphere()
    points = [-1, 1, 0, sp.Rational(1, 3), -0.75, "2/3"]
    values = phi.at_many(points, dps=40)
    for point, value in zip(points, values):
        expr = phi.expr.subs(rho, sp.Rational(point) if isinstance(point, (int, str)) else sp.Rational(point))
        reference = sp.N(expr, 60)
        assert value == 0 and abs(reference) < 1e-45 or _digits_agree(value, reference, 40)


def test_at_many_ridge_points_and_a_zero_norm():
    phi = potential("relu")
    points = [[1, 1, sp.Rational(1, 2)], [2, 3, -6], [0, 2, 0], [sp.Rational(3, 2), 1, 1.25]]
    values = phi.at_many(points, dps=30)
    assert [str(v) for v in values] == [str(phi.at(*p, dps=30)) for p in points]
    assert values[2] == 0                       # ‖θ‖ = 0: σ(0)·E[σ] = 0 for ReLU


def test_at_many_product_and_radial_forms():
    bump = potential("gaussian_bump")
    [value] = bump.at_many([[sp.Rational(1, 2), -1]], dps=25)
    assert _digits_agree(value, sp.N(sp.exp(-sp.Rational(1, 8) - sp.Rational(1, 2)), 40), 25)
    kernel = given("exp(-r^2/2)", "radial")
    assert kernel.at_many([0], dps=20)[0] == 1


def test_at_many_refuses_bad_points():
    phi = potential("erf").sphere()
    with pytest.raises(InputError, match="outside"):
        phi.at_many([0.5, 1.5], dps=20)                 # asin(2ρ/3) is finite there: the check must catch it
    with pytest.raises(InputError, match="points"):
        phi.at_many([[0.1, 0.2]], dps=20)
    with pytest.raises(InputError):
        potential("relu").at_many([[1, 1, 2]], dps=20)  # Cauchy–Schwarz


def test_at_many_of_a_numeric_potential_is_the_at_route():
    phi = potential("tanh").sphere()
    [value] = phi.at_many([sp.Rational(1, 2)], dps=15)
    assert value == phi.at(sp.Rational(1, 2), dps=15)


def test_a_formula_without_ball_functions_falls_back_to_two_precisions():
    phi = given("Max(rho, 0)", "zonal")
    assert [float(v) for v in phi.at_many([-0.5, 0.25], dps=20)] == [0.0, 0.25]


def test_lifted_constants_rebuild_the_expression():
    expr = potential("relu").expr
    body, symbols, numbers = evaluation.lift_constants(expr)
    assert sp.simplify(body.subs(dict(zip(symbols, numbers))) - expr) == 0
    assert not body.has(sp.pi)
    assert not any(a.is_Rational and not a.is_Integer for m in body.atoms(sp.Mul, sp.Add) for a in m.args)


def test_blocked_float64_equals_one_pass():
    phi = potential("relu").sphere()
    x = np.linspace(-1, 1, 5 * evaluation.BLOCK + 7)
    compiled = evaluation.float64_function(phi.expr, phi.variables)
    assert np.array_equal(compiled(x)[-50:], compiled(x[-50:]))
    assert np.max(np.abs(compiled(x[::997]) - [float(phi.at(float(v), dps=17)) for v in x[::997]])) < 1e-15
