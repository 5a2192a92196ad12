"""Closed forms evaluated by arb balls (one point, many points), compiled mpmath and blocked float64."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.core.errors import InputError, PrecisionError
from theory.core.symbols import rho
from theory.potentials import evaluation
from theory.potentials.potential import given


def _digits_agree(value, reference, dps):
    reference = mpmath.mpf(reference)
    return abs(mpmath.mpf(value) - reference) <= abs(reference) * mpmath.mpf(10) ** (1 - dps)


@pytest.mark.parametrize("name", ["relu", "erf", "step", "relu_power(2)", "gelu"])
def test_at_many_agrees_with_the_two_precision_route(name):
    phi = potential(name).sphere()
    points = [-1, 1, 0, sp.Rational(1, 3), -0.75, "2/3"]
    values = phi.at_many(points, dps=40)
    for point, value in zip(points, values, strict=True):
        reference = sp.N(phi.expr.subs(rho, sp.Rational(point)), 60)
        assert (value == 0 and abs(reference) < 1e-45) or _digits_agree(value, reference, 40)


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
    assert sp.simplify(body.subs(dict(zip(symbols, numbers, strict=True))) - expr) == 0
    assert not body.has(sp.pi)
    assert not any(a.is_Rational and not a.is_Integer for m in body.atoms(sp.Mul, sp.Add) for a in m.args)


def test_blocked_float64_equals_one_pass():
    phi = potential("relu").sphere()
    x = np.linspace(-1, 1, 5 * evaluation.BLOCK + 7)
    compiled = evaluation.float64_function(phi.expr, phi.variables)
    assert np.array_equal(compiled(x)[-50:], compiled(x[-50:]))
    assert np.max(np.abs(compiled(x[::997]) - [float(phi.at(float(v), dps=17)) for v in x[::997]])) < 1e-15


# ---------------------------------------------------------------------- the zero rule

def _cancelling():
    """exp(ρ) − 1 − ρ − ρ²/2 = ρ³/6 + …: at ρ = 10⁻¹² terms of size 1 cancel down to ≈ 1.7·10⁻³⁷."""
    return given(sp.exp(rho) - 1 - rho - rho**2 / 2, "zonal")


@pytest.mark.parametrize("point", [sp.Rational(1, 10**12), 1e-12, 1e-13])
def test_a_tiny_value_reached_by_cancellation_keeps_its_digits(point):
    """It was 0: below 10^{5−work} the two precisions' disagreement (and a wide ball) read as a zero."""
    phi = _cancelling()
    reference = sp.N(phi.expr.subs(rho, sp.Rational(point)), 40)
    assert 1e-41 < reference < 1e-36
    assert _digits_agree(phi.at(point, dps=15), reference, 15)
    assert _digits_agree(phi.at_many([point], dps=15)[0], reference, 15)
    assert _digits_agree(evaluation.stable_value(phi._mpmath_at, (point,), 15), reference, 15)


def test_hermite_60_at_rho_three_tenths():
    """Φ = ρ⁶⁰ for the normalised He₆₀: 0.3⁶⁰ ≈ 4.2·10⁻³², far below the old threshold 10^{5−work}."""
    reference = sp.Rational(3, 10) ** 60
    phi = potential("hermite(60)")
    assert _digits_agree(phi.sphere().at(sp.Rational(3, 10), dps=15), reference, 15)
    assert _digits_agree(phi.at(1, 1, 0.3, dps=15), sp.N(sp.Rational(0.3) ** 60, 40), 15)
    assert _digits_agree(phi.evaluate([1, 0], [sp.Rational(3, 10), sp.sqrt(sp.Rational(91, 100))], dps=15),
                         reference, 14)


def test_true_zeros_are_exactly_zero():
    relu, erf = potential("relu").sphere(), potential("erf").sphere()
    assert [relu.at(v, dps=20) for v in (-1, -1.0, "-1")] == [0, 0, 0]       # acos(−1) = π exactly
    assert list(relu.at_many([-1, -1.0], dps=40)) == [0, 0]
    assert erf.at(0, dps=30) == 0 and erf.at_many([0.0], dps=30)[0] == 0    # erf is odd
    assert potential("relu").at(0, 2, 0, dps=30) == 0                       # ‖θ‖ = 0, relu(0) = 0


def test_a_zero_sympy_cannot_decide_is_zero_to_the_documented_accuracy():
    """asin ρ − atan(ρ/√(1 − ρ²)) ≡ 0: no precision separates it from 0; inside ±10^{−cap} it is 0."""
    phi = given("asin(rho) - atan(rho/sqrt(1 - rho**2))", "zonal")
    assert evaluation.rational_value(phi.expr, phi.variables, (0.3,)) is None
    assert evaluation.zero_digits(15) == 400 == evaluation.precisions(15)[-1] // 2
    assert phi.at(0.3, dps=15) == 0 and phi.at_many([0.3], dps=15)[0] == 0
    assert evaluation.stable_value(phi._mpmath_at, (0.3,), 15) == 0


def test_a_value_that_never_separates_from_zero_is_an_error_not_a_zero():
    """Disagreeing values of size 10^{−work/4}: never stable, never inside ±10^{−cap}."""
    def evaluate(values, work):
        return mpmath.mpf(10) ** (-(work // 4)) * (1 if work % 2 else -1)

    with pytest.raises(PrecisionError, match="could not reach 15 stable digits"):
        evaluation.stable_value(evaluate, (0,), 15)


def test_an_exact_rational_decides_a_value_lost_to_cancellation():
    def evaluate(values, work):                                  # 1 + 10⁻⁹⁰⁰ − 1: 0 at every precision tried
        with mpmath.workdps(work):
            return (1 + mpmath.mpf(10) ** -900) - 1

    value = evaluation.stable_value(evaluate, (0,), 15, exact=lambda _: sp.Rational(1, 10**900))
    assert _digits_agree(value, sp.Rational(1, 10**900), 15)
    assert evaluation.stable_value(evaluate, (0,), 15) == 0       # |Φ| ≤ 10⁻⁴⁰⁰: the documented accuracy


def test_the_ball_context_matches_mpmath():
    from flint import arb

    from theory.core.balls import digits
    from theory.core.numeric import context
    from theory.potentials.orthant import orthant

    ctx = context(50)
    h, k, r = ctx.mpf(-1.25), ctx.mpf(0.5), ctx.mpf(-0.75)
    with digits(40):
        balls = evaluation.BallContext(40)
        pairs = [(balls.ncdf(arb(h)), ctx.ncdf(h)), (balls.npdf(arb(h)), ctx.npdf(h)),
                 (orthant(balls, arb(h), arb(k), arb(r)), orthant(ctx, h, k, r))]  # acb.integral, tanh–sinh
        for ball, plain in pairs:
            assert ball.rel_accuracy_bits() > 120
            assert abs(ctx.mpf(ball.mid().str(45, radius=False)) - plain) < abs(plain) * ctx.mpf(10) ** -36
