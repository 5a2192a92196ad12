"""The SymPy → python-flint walker: enclosures of mpmath's independent 50-digit values, refusals."""

import mpmath
import pytest
import sympy as sp
from flint import acb, arb

from theory.core.balls import NoEnclosure, ball, ball_function, digits, integer_power, precision
from theory.core.errors import PrecisionError
from theory.core.numeric import context, mpmath_function

X, Y = sp.symbols("x y")

#: Expressions of every supported kind, with an exact point where each is finite.
CASES = [
    (sp.exp(X) * sp.log(Y) + sp.sin(X) * sp.cos(Y) - sp.tan(X)),
    (sp.sinh(X) + sp.cosh(Y) * sp.tanh(X) + sp.erf(X) - sp.erfc(Y)),
    (sp.asin(X) + sp.acos(X) * sp.atan(Y) + sp.atan2(Y, X) + sp.Abs(X - Y)),
    (X ** sp.Rational(3, 2) + Y ** -3 + X ** Y + sp.pi * sp.E + sp.Float(0.375)),
]


@pytest.mark.parametrize("expr", CASES)
def test_a_ball_contains_the_independent_50_digit_value(expr):
    x, y = sp.Rational(1, 3), sp.Rational(7, 5)
    reference = context(60)
    exact = mpmath_function(expr, (X, Y), reference)(reference.mpf(1) / 3, reference.mpf(7) / 5)
    with digits(50):
        value = ball_function(expr, (X, Y))(ball(x), ball(y))
        assert value.overlaps(arb(reference.nstr(exact, 58), "1e-56")) and value.rad() < 1e-45


def test_powers_of_a_ball_around_zero_stay_finite():
    value = ball_function(X**2 + X**3 + sp.sqrt(Y), (X, Y))(arb(0, 1e-3), arb(4))
    assert value.is_finite() and value.contains(2) and value.rad() < 1e-5
    assert integer_power(arb(0, 1), 4).is_finite() and not (arb(0, 1) ** arb(4)).is_finite()


def test_an_unsupported_function_or_a_free_symbol_raises_a_precision_error():
    for expr in (sp.Max(X, 0), sp.besselk(0, X), sp.Piecewise((X, X > 0), (0, True)), X + Y):
        with pytest.raises(NoEnclosure):
            ball_function(expr, (X,))
    assert issubclass(NoEnclosure, PrecisionError)
    with pytest.raises(NoEnclosure, match="complex balls"):
        ball_function(sp.Abs(X), (X,))(acb(1, 1))


def test_complex_balls_forward_the_branch_cut():
    f = ball_function(sp.log(X) + sp.sqrt(X), (X,))
    assert f(acb(-1, 0)).is_finite() and not f(acb(-1, 0), analytic=True).is_finite()


def test_numbers_are_balls_and_evalf_is_an_explicit_fallback():
    with precision(200):
        third = ball(sp.Rational(1, 3))
        assert (3 * third).contains(1) and not third.contains(ball(1 / 3))   # the double 1/3 is not 1/3
        assert ball(mpmath.mpf(0.1)) == ball(0.1) and ball(sp.Float(0.5)) == arb(0.5)
        with pytest.raises(NoEnclosure):
            ball(sp.besselk(0, 1))
        k0 = ball(sp.besselk(0, 1), evalf=50)
        assert k0.overlaps(arb(mpmath.nstr(mpmath.besselk(0, 1), 15), "1e-14")) and k0.rad() < 1e-60


def test_mpmath_infinities_and_nan_are_nan_balls_not_zero():
    for special in (mpmath.inf, -mpmath.inf, mpmath.nan):
        assert not ball(mpmath.mpf(special)).is_finite()
    with digits(30):
        assert ball(mpmath.mpf(-3) / 8) == ball(sp.Rational(-3, 8)) and ball(mpmath.mpf(0)) == 0
