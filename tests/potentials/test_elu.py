"""ELU's Φ: the float64 orthant form and the certified Hermite series, against independent references.

References: the tanh–sinh Mehler values of tests/potentials/test_quadrature.py, the kink-split
nested quadrature :func:`theory.potentials.quadrature.bivariate` (no Φ₂, no tilt shared) and
:func:`enclosure`, an arb ball of the conditional integral (no orthant terms, no Gauss–Legendre rule).
"""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.core.errors import InputError, PrecisionError
from theory.core.symbols import t
from theory.potentials import elu, hermite_series
from theory.potentials.quadrature import bivariate

from tests.potentials.test_quadrature import FORMULAS, MEHLER, POINT, SPHERE, assert_every_digit

ELU = FORMULAS["elu"]
R = sp.Rational


def enclosure(a, b, rho, digits: int = 30):
    """Φ(a, b, ρ) for exact (or arb) a, b > 0, ρ ∈ [−1, 1] as an arb ball: Φ = ∫ φ(x) ELU(ax) m(x) dx with
    m(x) = E[ELU(V) | X = x], V ~ N(μ, τ²), μ = bρx, τ = b√(1 − ρ²), in closed form
    (μΦ(μ/τ) + τφ(μ/τ) + e^{μ+τ²/2}Φ(−(μ + τ²)/τ) − Φ(−μ/τ); at ρ = ±1, ELU(μ)), by
    ``acb.integral`` on [−L, 0] and [0, L] (each side's integrand entire), plus the tail beyond
    L = 16, at most 8(a + 1)(b + 1)(L + 1)φ(L) (``|ELU(ax)m(x)| ≤ (a + 1)(b + 1)(x + 1)²``)."""
    from flint import acb, arb, ctx

    def ball(x):
        if isinstance(x, arb):
            return x
        x = Fraction(x)
        return arb(x.numerator) / x.denominator

    saved, ctx.prec = ctx.prec, math.ceil(digits * math.log2(10)) + 30
    try:
        a, b, rho = ball(a), ball(b), ball(rho)
        tau, root2, root2pi = b * ((1 - rho) * (1 + rho)).sqrt(), arb(2).sqrt(), (2 * arb.pi()).sqrt()

        def conditional(x, negative: bool):
            mu = b * rho * x
            if rho * rho == 1:
                return mu.expm1() if negative == (rho > 0) else mu
            z, tilt = mu / (tau * root2), (mu + tau * tau) / (tau * root2)
            return (mu * (-z).erfc() / 2 + tau * (-z * z).exp() / root2pi
                    + (mu + tau * tau / 2).exp() * tilt.erfc() / 2 - z.erfc() / 2)

        def side(negative: bool):
            return lambda x, _: (-x * x / 2).exp() * ((a * x).expm1() if negative else a * x) \
                * conditional(x, negative)

        reach = 16
        tail = 8 * (a + 1) * (b + 1) * (reach + 1) * arb(-reach * reach / 2).exp() / root2pi
        total = (acb.integral(side(True), -reach, 0) + acb.integral(side(False), 0, reach)).real / root2pi
        return total + arb(0, tail.upper())
    finally:
        ctx.prec = saved


def exact_rho(a: float, b: float, c: float) -> Fraction:
    """ρ = c/(ab) of the float64 inputs, exactly, clipped to [−1, 1] as the evaluator clips it."""
    return max(Fraction(-1), min(Fraction(1), Fraction(c) / (Fraction(a) * Fraction(b))))


def nested(a, b, rho) -> float:
    a_, b_ = sp.nsimplify(a), sp.nsimplify(b)
    return float(bivariate(ELU, None, a_, b_, a_ * b_ * sp.nsimplify(rho), dps=18))


@pytest.mark.parametrize("a, b, rho", [(1, 1, R(99999, 100000)), (2, R(1, 2), R(-999, 1000)), (2, 2, 1),
                                       (R(1, 4), 3, -1), (R(3, 2), R(2, 3), R(-7, 10)), (1, 1, R(7, 10)),
                                       (R(1, 10), 5, R(1, 3)), (5, 5, R(-999, 1000)), (4, 3, R(9999, 10000))])
def test_float64_orthant_form_meets_its_validated_bound(a, b, rho):
    got = float(elu.value(float(a), float(b), float(a * b * rho)))
    assert abs(got - nested(a, b, rho)) <= float(elu.Float64Elu.bound(float(a), float(b)))


def test_float64_agrees_with_the_mehler_references():
    for (a, b, c), key in ((POINT, ("elu", POINT)), (SPHERE, ("elu", SPHERE))):
        got = float(elu.value(float(a), float(b), float(c)))
        assert abs(got - float(MEHLER[key])) <= 1e-15


def test_the_potential_s_float64_paths_use_it_on_the_sphere_and_in_r_d():
    phi = potential(ELU)
    zonal, ridge = phi.sphere().numpy(), phi.numpy()
    rho = np.array([-1.0, -0.25, 0.0, 0.5, 1.0])
    assert np.array_equal(zonal(rho), ridge(np.ones(5), np.ones(5), rho))
    assert abs(zonal(np.array([0.0]))[0] - float(phi.sphere().at(0, dps=20))) <= 1e-15   # (E ELU(X))²
    assert ridge(0.0, 2.0, 0.0) == 0.0                                          # ELU(0) = 0
    gram = phi.matrix(np.array([[1.5, 0.0], [0.0, 0.5]]), np.array([[0.0, 2.0], [1.5, 0.0]]))
    assert abs(gram[0, 1] - nested(R(3, 2), R(3, 2), 1)) <= 1e-14
    with pytest.raises(InputError, match="Cauchy–Schwarz"):
        ridge(1.0, 1.0, 1.5)
    with pytest.raises(InputError, match="ρ must lie"):
        zonal(np.array([1.5]))


def test_another_kinked_activation_still_has_no_float64_evaluator():
    with pytest.raises(PrecisionError, match="decay algebraically"):
        potential("Max(t, 0) + tanh(Min(t, 0))").sphere().numpy()


@pytest.mark.parametrize("point", [POINT, SPHERE], ids=["norms", "sphere"])
def test_certified_elu_ball_contains_the_reference(point):
    from flint import arb

    ball = potential(ELU).at(*point, dps=20, certified=True)
    assert ball.rad() < 1e-20
    assert ball.overlaps(arb(MEHLER[("elu", point)], "1e-27"))
    assert_every_digit(potential(ELU).at(*point, dps=20), MEHLER[("elu", point)], 20)


def test_certified_elu_refuses_where_there_is_no_proof():
    with pytest.raises(PrecisionError, match="provably below 1"):
        potential(ELU).sphere().at(1, certified=True)
    with pytest.raises(PrecisionError, match="only a kink at 0"):
        hermite_series._branches(sp.Max(t, 1) + sp.exp(sp.Min(t, 1)) - 1, (1,))


LARGE = [(32.0, 32.0, -1.0), (32.0, 32.0, -1 + 1e-12), (24.0, 24.0, -0.999), (16.0, 16.0, 1.0),
         (8.0, 16.0, -1.0), (0.01, 20.0, 0.2), (1e-3, 1e-3, -1.0), (32.0, 0.5, 1 - 1e-6)]
NORMS = [(x, x) for x in (1e-3, 0.1, 1.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0)] \
    + [(1.0, 32.0), (32.0, 0.5), (8.0, 16.0), (0.01, 20.0), (3.0, 0.25)]
RHOS = [-1.0, -1 + 1e-12, -1 + 1e-6, -0.999, -0.5, 0.0, 0.5, 0.999, 1 - 1e-6, 1.0]


def assert_within_bound(a, b, r):
    c = a * b * r
    exact = enclosure(a, b, exact_rho(a, b, c))
    assert exact.rad() < 1e-25 * (1 + a * b)
    assert abs(float(elu.value(a, b, c)) - float(exact.mid())) <= float(elu.Float64Elu.bound(a, b))


@pytest.mark.parametrize("a, b, r", LARGE)
def test_float64_meets_its_bound_at_large_tiny_and_equal_norms(a, b, r):
    assert_within_bound(a, b, r)


@pytest.mark.slow
@pytest.mark.parametrize("norms, r", list(itertools.product(NORMS, RHOS)))
def test_float64_meets_its_bound_on_the_grid_of_norms_to_32(norms, r):
    assert_within_bound(*norms, r)


def central_differences(a, b, rho, h=Fraction(1, 10**12)):
    """(∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ) by central differences of :func:`enclosure` (error ~ h²Φ‴/6)."""
    a, b = Fraction(a), Fraction(b)
    steps = ((a + h, b, rho), (a - h, b, rho), (a, b + h, rho), (a, b - h, rho),
             (a, b, rho + h), (a, b, rho - h))
    values = [enclosure(*point) for point in steps]
    return [float(((values[2 * i] - values[2 * i + 1]) / (2 * float(h))).mid()) for i in range(3)]


def price_slope(a, b, sign):
    """∂Φ/∂ρ at ρ = ±1 by Price's theorem, abE[σ′(aX)σ′(±bX)] (σ′ = min(eᵗ, 1)), by mpmath at 30 digits."""
    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = 30

    def slope(t):
        return ctx.exp(t) if t < 0 else ctx.mpf(1)

    mean = ctx.quad(lambda x: ctx.npdf(x) * slope(a * x) * slope(sign * b * x), [-ctx.inf, 0, ctx.inf])
    return float(a * b * mean)


@pytest.mark.parametrize("a, b, r", [(1.5, 2 / 3, 1 / 3), (24.0, 24.0, -0.999), (0.01, 20.0, 1 - 1e-6)])
def test_derivatives_agree_with_central_differences_of_the_enclosure(a, b, r):
    c = a * b * r
    got = elu.Float64Elu(on_sphere=False).derivatives(a, b, c)
    exact = enclosure(a, b, exact_rho(a, b, c))
    assert abs(float(got[0]) - float(exact.mid())) <= float(elu.Float64Elu.bound(a, b))
    expected = central_differences(a, b, exact_rho(a, b, c))
    assert max(abs(float(g) - e) for g, e in zip(got[1:], expected, strict=True)) \
        <= float(elu.Float64Elu.derivative_bound(a, b))


@pytest.mark.parametrize("a, b, sign", [(2.0, 3.0, 1), (16.0, 8.0, -1)])
def test_the_slope_in_rho_at_rho_pm1_is_price_s(a, b, sign):
    _, by_a, by_b, by_rho = elu.derivatives(a, b, sign * a * b)
    assert abs(float(by_rho) - price_slope(a, b, sign)) <= float(elu.Float64Elu.derivative_bound(a, b))
    h = Fraction(1, 10**12)
    for got, step in ((by_a, (h, 0)), (by_b, (0, h))):
        ahead, behind = (enclosure(Fraction(a) + k * step[0], Fraction(b) + k * step[1], sign)
                         for k in (1, -1))
        assert abs(float(got) - float(((ahead - behind) / (2 * float(h))).mid())) \
            <= float(elu.Float64Elu.derivative_bound(a, b))


def test_derivatives_refuse_a_zero_norm():
    with pytest.raises(InputError, match="zero norm"):
        elu.derivatives(0.0, 1.0, 0.0)
