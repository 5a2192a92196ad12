"""Certified unbiased Φ where it is a line integral (ρ = ±1, a zero norm), and line means with kinks anywhere.

At ρ = ±1, Φ = E[σ(aX) σ(±bX)]; at θ = 0, Φ = σ(0)·E[σ(bX)]. The references are mpmath quadratures
of σ itself on the line, split at the kinks: Gauss–Legendre and tanh–sinh, at two precisions on two
grids, which must agree.
"""

import functools
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from flint import arb

from theory import potential
from theory.core.balls import digits as flint_digits
from theory.core.errors import InputError, PrecisionError
from theory.core.symbols import t
from theory.potentials.line_mean import line_mean

DPS = 30

#: σ in mpmath, written from its definition (not from the library's expressions).
LINE_SIGMAS = {"tanh": mpmath.tanh, "softplus": lambda u: mpmath.log(1 + mpmath.exp(u)),
               "elu": lambda u: u if u > 0 else mpmath.expm1(u)}

#: (‖θ‖, ‖w‖, θᵀw): ρ = ±1 with norms (2, 3), θ = 0 and Fractions at ρ = −1 (norms (1, 1): on the sphere).
LINE_VALUES = [(2, 3, 6), (2, 3, -6), (0, 3, 0), (Fraction(1, 2), Fraction(3, 2), Fraction(-3, 4))]
#: Norms (1, 1), w = 0, both norms 0, exact irrational norms at ρ = 1 (slow tier).
MORE_LINE_VALUES = [(1, 1, 1), (1, 1, -1), (2, 0, 0), (0, 0, 0), (sp.sqrt(2), sp.sqrt(3), sp.sqrt(6))]


#: The quadrature's interval [−L, L]: the products here stay below 10(1 + x²), and
#: ∫_{``|x|`` > 14} (1 + x²)φ < 10⁻⁴¹.
REACH = 14


def line_reference(f, pieces, kinks=(), dps: int = 34, offset=0, method="gauss-legendre"):
    """E[∏ f(β + aX)] over ``pieces`` = ((β, a), …) by mpmath.quad on [−L, L], split at every
    x = (κ − β)/a and on a grid of pieces of width 2 shifted by ``offset`` (one tanh–sinh rule over
    [−16, 16] is off by 10⁻³⁰ for softplus(3x), its levels agreeing all the same)."""
    with mpmath.workdps(dps):
        pieces = [tuple(mpmath.mpf(sp.N(v, dps + 10)) for v in piece) for piece in pieces]
        cuts = {(kink - beta) / a for beta, a in pieces if a for kink in kinks}
        grid = {mpmath.mpf(k) + offset for k in range(-REACH, REACH, 2)}

        def integrand(x):
            value = mpmath.npdf(x)
            for beta, a in pieces:
                value *= f(beta + a * x)
            return value
        points = sorted({-REACH, REACH} | {c for c in cuts | grid if abs(c) < REACH})
        return +mpmath.quad(integrand, points, method=method)


def two_precision_reference(f, pieces, kinks=()):
    """The reference by Gauss–Legendre at 34 digits and by tanh–sinh at 40 on a grid offset by one,
    which must agree to 33."""
    low, high = (line_reference(f, pieces, kinks, *rule) for rule in ((34, 0, "gauss-legendre"),
                                                                       (40, 1, "tanh-sinh")))
    assert abs(low - high) <= mpmath.mpf(10) ** -33 * max(1, abs(high))
    return high


@functools.lru_cache
def unbiased_line(name: str, na, nb, dot):
    """Φ = E[σ(‖θ‖X) σ(cX)], c = sign(θᵀw)‖w‖ (‖w‖ at a zero norm), by :func:`two_precision_reference`."""
    slope = nb if dot >= 0 else -nb
    return two_precision_reference(LINE_SIGMAS[name], [(0, na), (0, slope)], kinks=(0,))


def assert_certified(ball, reference, dps: int = DPS):
    with flint_digits(60):
        assert ball.rad() < arb(10) ** (2 - dps)
        assert ball.overlaps(arb(mpmath.nstr(reference, 38), f"1e-{dps + 3}")), (ball, reference)


@pytest.mark.parametrize("name", list(LINE_SIGMAS))
@pytest.mark.parametrize("values", [pytest.param(v, id=str(v)) for v in LINE_VALUES]
                         + [pytest.param(v, id=str(v), marks=pytest.mark.slow) for v in MORE_LINE_VALUES])
def test_certified_line_values_on_r_d_contain_the_quadrature_of_sigma(name, values):
    assert_certified(potential(name).at(*values, dps=DPS, certified=True), unbiased_line(name, *values))


@pytest.mark.parametrize("name", list(LINE_SIGMAS))
def test_certified_values_at_rho_one_on_the_sphere_and_from_coordinates(name):
    """ρ = ±1 as an int, a Fraction, a string, and from exact unit vectors θ = ±w (3/5, 4/5)."""
    sphere = potential(name).sphere()
    for sign in (1, -1):
        reference = unbiased_line(name, 1, 1, sign)
        for rho in (sign, Fraction(sign), str(sign)):
            assert_certified(sphere.at(rho, dps=DPS, certified=True), reference)
        unit = [Fraction(3, 5), Fraction(4, 5)]
        assert_certified(sphere.evaluate(unit, [sign * u for u in unit], dps=DPS, certified=True), reference)


def test_certified_values_from_exact_coordinates_on_r_d():
    """θ = −w/2 with irrational norms √5, 2√5, and θ = 0 with w = (3/2, 2) given as a string and an int."""
    elu = potential("elu")
    reference = unbiased_line("elu", sp.sqrt(5), 2 * sp.sqrt(5), -10)
    assert_certified(elu.evaluate([1, 2], [-2, -4], dps=DPS, certified=True), reference)
    assert_certified(elu.evaluate([0, 0], ["3/2", 2], dps=DPS, certified=True),
                     unbiased_line("elu", 0, sp.Rational(5, 2), 0))


def test_the_sign_of_theta_w_matters():
    """E[tanh(aX) tanh(−bX)] = −E[tanh(aX) tanh(bX)] ≠ 0; softplus at ρ = −1 is another number:
    softplus(u) − softplus(−u) = u, so the two differ by E[softplus(aX)·bX] = ab·E[sigmoid(aX)] = ab/2
    (Stein's lemma, then sigmoid(u) + sigmoid(−u) = 1)."""
    tanh, softplus = potential("tanh"), potential("softplus")
    plus, minus = (tanh.at(2, 3, c, dps=DPS, certified=True) for c in (6, -6))
    assert not plus.overlaps(minus) and (plus + minus).contains(0) and plus > 0.6
    plus, minus = (softplus.at(2, 3, c, dps=DPS, certified=True) for c in (6, -6))
    assert minus < 0.32 and plus > 3.3                                   # 3.3156…, 0.3156…
    with flint_digits(DPS):
        assert (plus - minus - 3).rad() < 1e-28 and abs(plus - minus - 3) < 1e-28


def test_a_zero_norm_is_sigma_of_zero_times_a_mean():
    """θ = 0: softplus(0)·E[softplus(3X)] = log 2 · E[softplus(3X)], for every w of norm 3."""
    ball = potential("softplus").at(0, 3, 0, dps=DPS, certified=True)
    mean = two_precision_reference(LINE_SIGMAS["softplus"], [(0, 3)])
    with mpmath.workdps(40):
        assert_certified(ball, mpmath.log(2) * mean)
    assert potential("tanh").at(0, 3, 0, dps=DPS, certified=True).contains(0)


def test_balls_that_merely_contain_rho_one_or_a_zero_norm_are_refused():
    tanh = potential("tanh")
    with pytest.raises(PrecisionError, match="merely contains ρ = ±1"):
        tanh.sphere().at(arb(1, 1e-40), dps=DPS, certified=True)
    with pytest.raises(PrecisionError, match="merely contains ρ = ±1"):
        tanh.at(2, 3, arb(6, 1e-40), dps=DPS, certified=True)
    with pytest.raises(PrecisionError, match="zero norm is certified at exact inputs only"):
        tanh.at(arb(0, 1e-40), 3, 0, dps=DPS, certified=True)
    exact_balls = tanh.at(arb(2), arb(3), arb(-6), dps=DPS, certified=True)
    assert_certified(exact_balls, unbiased_line("tanh", 2, 3, -6))


def test_inexact_and_impossible_inputs_are_named():
    """Float or ball coordinates off the sphere (once a ball of Φ(θᵀw) was returned for any vectors)."""
    with pytest.raises(InputError, match="not exactly a unit vector"):
        potential("tanh").sphere().evaluate([0.6, 0.8], [0.6, 0.8], dps=DPS, certified=True)
    with pytest.raises(InputError, match="θ is not a unit vector"):
        potential("tanh").sphere().evaluate([arb(1) / 2], [arb(1)], dps=DPS, certified=True)
    with pytest.raises(InputError, match="outside"):
        potential("tanh").at(arb(2), arb(3), arb(7), dps=DPS, certified=True)
    with pytest.raises(InputError, match="non-negative"):
        potential("tanh").at(arb(-2), arb(3), arb(-6), dps=DPS, certified=True)


def test_closed_forms_still_certify_at_rho_one():
    """ReLU's formula at (2, 3, ±6) is NaN in balls (the ball of θᵀw/(‖θ‖‖w‖) reaches past 1, outside
    acos): exact inputs are substituted first, E[relu(2X) relu(3X)] = 3 and E[relu(2X) relu(−3X)] = 0
    exactly; erf in balls."""
    relu = potential("relu")
    assert relu.at(2, 3, 6, dps=DPS, certified=True) == 3 and relu.at(2, 3, -6, dps=DPS, certified=True) == 0
    assert relu.sphere().at(1, dps=DPS, certified=True) == arb(1) / 2
    erf = potential("erf")
    erf_mean = two_precision_reference(mpmath.erf, [(0, 2), (0, -3)])
    assert_certified(erf.at(2, 3, -6, dps=DPS, certified=True), erf_mean)
    with pytest.raises(PrecisionError, match="undefined there"):     # θ = 0 in the orthant formula: 0/0
        relu.at(0, 3, 0, dps=DPS, certified=True)


# ---------------------------------------------------------------------- kinks away from 0

HARD_TANH = sp.Min(sp.Max(t, -1), 1)                                   # kinks at ±1, |σ| ≤ 1
SHIFTED_RELU = sp.Max(t - 1, 0)                                        # kink at 1, |σ| ≤ |t|
LINE_KINKED = {"hard_tanh": (HARD_TANH, (-1, 1), (1, 0, 0), lambda u: max(min(u, 1), -1)),
               "shifted_relu": (SHIFTED_RELU, (1,), (0, 1, 1), lambda u: max(u - 1, 0))}

R = sp.Rational
#: (β, a), (γ, c): generic slopes and shifts, a negative slope, coincident cuts (x = ±1 for both
#: factors of hard tanh), equal factors, and a constant factor (a = 0).
KINKED_FACTORS = [((R(1, 5), 2), (R(-3, 10), R(-3, 2))), ((0, 1), (0, -1)), ((R(1, 2), 3), (R(1, 2), 3)),
                  ((R(7, 5), 0), (R(-1, 3), R(5, 2)))]


@pytest.mark.parametrize("name", list(LINE_KINKED))
def test_line_mean_cuts_at_every_kink_of_sigma(name):
    sigma, kinks, envelope, f = LINE_KINKED[name]
    for first, second in KINKED_FACTORS:
        ball = line_mean(sigma, kinks, envelope, first, second, dps=DPS)
        assert_certified(ball, two_precision_reference(f, [first, second], kinks))


def test_line_mean_refuses_a_kink_it_was_not_told_of():
    with pytest.raises(PrecisionError, match="a kink is missing"):
        line_mean(HARD_TANH, (1,), (1, 0, 0), (0, 1), (0, 1), dps=DPS)
