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


def test_certified_elu_refuses_a_ball_around_rho_one_and_a_missing_kink():
    from flint import arb

    with pytest.raises(PrecisionError, match="merely contains ρ = ±1"):
        potential(ELU).sphere().at(arb(-1, 1e-40), certified=True)
    with pytest.raises(PrecisionError, match="a kink is missing"):
        hermite_series.analytic_branches(sp.Max(t, 1) + sp.exp(sp.Min(t, 1)) - 1, (0,))


def test_analytic_branches_of_a_kink_away_from_zero():
    """ELU shifted to a kink at 1: e^t below it, t − 1 + e above (exact ends 1 and ±∞)."""
    from flint import arb

    (below, lo, kink), (above, kink_, hi) = hermite_series.analytic_branches(
        sp.Max(t, 1) + sp.exp(sp.Min(t, 1)) - 1, (1,))
    assert (lo, kink, kink_, hi) == (-sp.oo, 1, 1, sp.oo)
    assert below(arb(-2)).overlaps(arb(-2).exp()) and above(arb(3)).overlaps(arb(2) + arb(1).exp())


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


JET = ((), (0,), (1,), (2,), (0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))


def price_jet(a, b, rho, keys=JET, digits: int = 20) -> dict:
    """Φ and its derivatives in (a, b, ρ) (ρ a float or Fraction, taken exactly) by mpmath: for standard
    (X, Y) with correlation ρ,
    Φ_aa = E[X²σ″(aX)σ(bY)], Φ_ab = E[XYσ′(aX)σ′(bY)], Φ_aρ = bE[(σ′(aX) + aXσ″(aX))σ′(bY)] (Price),
    Φ_ρρ = a²b²E[σ″(aX)σ″(bY)], …, each an integral over x (split at 0) of σ^{(k)}(ax) times the mean
    over V = bY | X = x ~ N(μ, τ²), μ = bρx, τ = b√(1 − ρ²), in closed form: E[σ(V)] = μΦ(μ/τ) + τφ(μ/τ)
    + e_t − Φ(−μ/τ), E[σ′(V)] = Φ(μ/τ) + e_t, E[σ″(V)] = e_t, E[Vσ′(V)] = μΦ(μ/τ) + (μ + τ²)e_t with
    e_t = e^{μ+τ²/2}Φ(−(μ + τ²)/τ) (at τ = 0 the σ^{(k)}(μ) themselves). ``keys``: as in
    ``second_derivatives``."""
    import mpmath

    ctx = mpmath.MPContext()
    ctx.dps = digits

    def jet(a, b):
        a, b, r = ctx.mpf(a), ctx.mpf(b), ctx.mpf(Fraction(rho).numerator) / Fraction(rho).denominator
        tau = b * ctx.sqrt((1 - r) * (1 + r))

        def sigma(x, k):
            return (x, ctx.one, ctx.zero)[k] if x > 0 else (ctx.expm1(x), ctx.exp(x), ctx.exp(x))[k]

        def given(x):
            mu = b * r * x
            if tau == 0:
                return sigma(mu, 0), sigma(mu, 1), sigma(mu, 2), mu * sigma(mu, 1)
            up, tilt = ctx.ncdf(mu / tau), ctx.exp(mu + tau * tau / 2) * ctx.ncdf(-(mu + tau * tau) / tau)
            return (mu * up + tau * ctx.npdf(mu / tau) + tilt - ctx.ncdf(-mu / tau), up + tilt, tilt,
                    mu * up + (mu + tau * tau) * tilt)

        def mean(f):
            return ctx.quad(lambda x: ctx.npdf(x) * f(x, given(x)), [-ctx.inf, 0, ctx.inf])

        return {(): lambda: mean(lambda x, m: sigma(a * x, 0) * m[0]),
                (0,): lambda: mean(lambda x, m: x * sigma(a * x, 1) * m[0]),
                (2,): lambda: a * b * mean(lambda x, m: sigma(a * x, 1) * m[1]),
                (0, 0): lambda: mean(lambda x, m: x * x * sigma(a * x, 2) * m[0]),
                (0, 1): lambda: mean(lambda x, m: x * sigma(a * x, 1) * m[3]) / b,
                (0, 2): lambda: b * mean(lambda x, m: (sigma(a * x, 1) + a * x * sigma(a * x, 2)) * m[1]),
                (2, 2): lambda: (a * b) ** 2 * mean(lambda x, m: sigma(a * x, 2) * m[2])}

    sides, mirrored = (jet(a, b), jet(b, a)), {(1,): (0,), (1, 1): (0, 0), (1, 2): (0, 2)}
    return {key: float(sides[key in mirrored][mirrored.get(key, key)]()) for key in keys}


def assert_curvatures_within_bound(a, b, r):
    """At the evaluator's ρ = fl(c/(ab)): near ρ = −1, Φ_ρρ moves by about 1e-4 of itself per ulp of
    ρ = −1 + 1e-12 at norms 12, an error of the input, not of the evaluator."""
    c = a * b * r
    got = elu.Float64Elu(on_sphere=False).second_derivatives(a, b, c)
    expected = price_jet(a, b, float(np.clip(c / (a * b), -1.0, 1.0)))
    assert set(got) == set(expected)
    bounds = (elu.Float64Elu.bound, elu.Float64Elu.derivative_bound, elu.Float64Elu.curvature_bound)
    for key in expected:
        assert abs(float(got[key]) - expected[key]) <= float(bounds[len(key)](a, b)), key


@pytest.mark.parametrize("a, b, r", [(1.5, 2 / 3, 1 / 3), (16.0, 8.0, -1.0), (1e-3, 1e-3, 0.5),
                                     (1.0, 1.0, -1 + 1e-12), (32.0, 32.0, -0.999)])
def test_second_derivatives_agree_with_price_s_quadratures(a, b, r):
    assert_curvatures_within_bound(a, b, r)


@pytest.mark.slow
@pytest.mark.parametrize("check", [assert_within_bound, assert_curvatures_within_bound], ids=["value", "jet"])
@pytest.mark.parametrize("norms, r", list(itertools.product(NORMS, RHOS)))
def test_float64_meets_its_bounds_on_the_grid_of_norms_to_32(check, norms, r):
    check(*norms, r)


@pytest.mark.parametrize("a, b, r", [(1.5, 2 / 3, 1 / 3), (0.3, 4.0, -0.8), (2.0, 3.0, 1.0), (5.0, 0.5, -1)])
def test_second_derivatives_are_differences_of_the_analytic_first(a, b, r):
    jet, h = elu.second_derivatives(a, b, a * b * r), 1e-6

    def slopes(x, y, z):
        return np.array(elu.derivatives(x, y, x * y * z)[1:], dtype=float)

    steps = [(h, 0, 0), (0, h, 0)] + ([(0, 0, h)] if abs(r) < 1 else [])
    for i, (da, db, dr) in enumerate(steps):
        difference = (slopes(a + da, b + db, r + dr) - slopes(a - da, b - db, r - dr)) / (2 * h)
        got = [jet[tuple(sorted((i, j)))] for j in range(3)]
        assert np.abs(np.array(got, dtype=float) - difference).max() <= 1e-8 * (1 + a * b)


def test_second_derivatives_refuse_a_zero_norm():
    with pytest.raises(InputError, match="zero norm"):
        elu.second_derivatives(1.0, 0.0, 0.0)


def test_on_the_sphere_the_derivatives_are_price_s_means_within_their_bounds():
    """Φ′(ρ) = E[σ′(X)σ′(Y)] and Φ″(ρ) = E[σ″(X)σ″(Y)] at ρ = ±1 (where Φ″ is largest) and inside."""
    zonal, rho = elu.Float64Elu(on_sphere=True), np.array([-1.0, 0.5, 1.0])
    first, second = zonal.derivative(rho, 1), zonal.derivative(rho, 2)
    assert zonal.derivative_bounds[0] < 3e-13 and zonal.derivative_bounds[1] < 3e-13
    for k, r in enumerate(rho):
        expected = price_jet(1, 1, r, keys=((2,), (2, 2)))
        assert abs(first[k] - expected[(2,)]) <= zonal.derivative_bounds[0]
        assert abs(second[k] - expected[(2, 2)]) <= zonal.derivative_bounds[1]
    assert zonal.derivative(np.array([[0.25]]), 2).shape == (1, 1)


def test_the_zonal_derivatives_refuse_bad_input():
    zonal = elu.Float64Elu(on_sphere=True)
    with pytest.raises(InputError, match="ρ must lie"):
        zonal.derivative(np.array([1.5]), 1)
    with pytest.raises(InputError, match="order 1 or 2"):
        zonal.derivative(np.array([0.5]), 3)
    with pytest.raises(InputError, match="on the sphere"):
        elu.Float64Elu(on_sphere=False).derivative(np.array([0.5]), 1)
