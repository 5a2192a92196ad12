"""The float64 evaluator of Φ(‖θ‖, ‖w‖, θᵀw) for smooth σ, against the high-precision series.

References: :func:`theory.potentials.hermite_series.value` at 20 digits (two rules confirmed) and,
at ρ = ±1, the 1-D Gaussian mean E[σ(aX)σ(±bX)] (Gauss–Legendre, no Hermite coefficient shared);
on random and exact triples, :func:`theory.potentials.ball_quadrature.pair_mean` (tensor
Gauss–Legendre in balls, two precisions agreeing to 20 digits: nothing shared with the series).
"""

import functools
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.core.errors import InputError, PrecisionError
from theory.core.symbols import t
from theory.potentials import ball_quadrature, hermite_norms, hermite_series, pair_panels
from theory.potentials.activations import Parity
from theory.potentials.quadrature import gaussian_mean

TANH = sp.tanh(t)
NORMS = (0.5, 1.0)


@pytest.fixture(scope="module")
def tanh64():
    return hermite_norms.float64_ridge(TANH, (), Parity.ODD, norms=NORMS)


def reference(sigma, a, b, rho) -> float:
    if abs(rho) == 1:
        return float(gaussian_mean(sigma.subs(t, a * t) * sigma.subs(t, rho * b * t), dps=25))
    a_, b_ = sp.Float(a, 30), sp.Float(b, 30)
    return float(hermite_series.value(sigma, (), a_, b_, a_ * b_ * sp.Float(rho, 30), dps=20))


CASES = [(1.0, 1.0, 0.5), (0.5, 1.0, 0.999), (0.5, 0.5, -1.0), (1.0, 0.5, 1.0), (0.7, 0.9, -0.3),
         (0.6180339887, 0.5, 1 - 1e-12), (1.0, 1.0, 0.0), (0.75, 0.8, -0.97)]


@pytest.mark.parametrize("a, b, rho", CASES)
def test_meets_its_bound_at_the_ends_of_the_norms_and_at_rho_one(tanh64, a, b, rho):
    got = float(tanh64(a, b, rho * a * b))
    assert abs(got - reference(TANH, a, b, rho)) <= float(tanh64.bound(a, b)), (a, b, rho)


def test_the_bound_is_below_1e_14_and_says_what_it_adds(tanh64):
    assert tanh64.relative_bound < 1e-14 and tanh64.error_bound < 1e-14
    assert tanh64.band_terms == tuple(sorted(tanh64.band_terms))       # more terms as |ρ| grows
    assert tanh64.terms <= hermite_series.MAX_TERMS


def test_zero_norms_give_sigma_at_zero_times_a_mean():
    f = hermite_norms.float64_ridge(1 / (1 + sp.exp(-t)), (), None, norms=NORMS)
    mean = float(gaussian_mean(1 / (1 + sp.exp(-0.75 * t)), dps=25))        # E[sigmoid(0.75 X)] = 1/2
    assert abs(float(f(0.0, 0.75, 0.0)) - 0.5 * mean) <= 1e-15
    assert float(f(0.0, 0.0, 0.0)) == 0.25
    tanh = hermite_norms.float64_ridge(TANH, (), Parity.ODD, norms=NORMS)
    assert float(tanh(0.0, 0.8, 0.0)) == 0.0


def test_broadcasting_a_matrix_agrees_with_elementwise_calls(tanh64):
    rng = np.random.default_rng(0)
    a = rng.uniform(*NORMS, (40, 1))
    b = rng.uniform(*NORMS, (1, 30))
    c = rng.uniform(-1, 1, (40, 30)) * a * b
    matrix = tanh64(a, b, c)
    flat = tanh64(np.broadcast_to(a, c.shape).ravel(), np.broadcast_to(b, c.shape).ravel(), c.ravel())
    assert matrix.shape == (40, 30)
    assert np.max(np.abs(matrix.ravel() - flat)) <= 2 * tanh64.error_bound


def test_bad_input_is_refused(tanh64):
    with pytest.raises(InputError, match="outside the evaluator's norms"):
        tanh64(2.0, 1.0, 0.0)
    with pytest.raises(InputError, match="Cauchy–Schwarz"):
        tanh64(1.0, 0.5, 0.6)
    with pytest.raises(InputError, match="interval"):
        hermite_norms.float64_ridge(TANH, (), Parity.ODD, norms=(1.0, 0.5))
    with pytest.raises(PrecisionError, match="not smooth"):
        hermite_norms.float64_ridge(sp.Max(t, 0) + sp.tanh(sp.Min(t, 0)), (0,), None, norms=NORMS)


def test_a_numeric_ridge_potential_has_a_float64_matrix():
    phi = potential("sigmoid")
    routes = phi.numpy()
    assert isinstance(routes, pair_panels.Float64RidgeRoutes)
    f = routes.table
    assert isinstance(f, hermite_norms.Float64Ridge) and f.error_bound < 1e-14
    thetas = np.array([[0.6, 0.0, 0.0], [0.3, 1.2, -0.4]])
    ws = np.array([[0.0, 1.0, 0.0], [0.6, 0.0, 0.0]])
    gram = phi.matrix(thetas, ws)
    exact = phi.evaluate([sp.Rational(3, 10), sp.Rational(6, 5), sp.Rational(-2, 5)], [0, 1, 0], dps=20)
    assert abs(gram[1, 0] - float(exact)) <= f.error_bound
    second = float(gaussian_mean((1 / (1 + sp.exp(-sp.Rational(3, 5) * t))) ** 2, dps=25))
    assert abs(gram[0, 1] - second) <= f.error_bound                  # θ = w: ρ = 1
    assert mpmath.almosteq(gram[0, 1], phi.evaluate([0.6, 0, 0], [0.6, 0, 0], dps=20), 1e-14)


# ------------------------------------------------------------------ against tensor Gauss–Legendre in balls

def _exact_triples(low: float, high: float) -> list:
    """(a, b, c) in float64: random norms and ρ, and the exact cases: ρ = ±1, equal rows (c = a·a rounded),
    zero norms, integer vectors θ = (1, 1, 0)/2, w = (1, 0, 1)/2, θ = w = (1, 0)·a₁, and ρ = 1 − 2⁻⁴⁰."""
    rng = np.random.default_rng(19)
    a, b = rng.uniform(low, high, (2, 4))
    rho = rng.uniform(-1, 1, 4)
    triples = [(x, y, r * x * y) for x, y, r in zip(a, b, rho, strict=True)]
    half = math.sqrt(0.5)
    return [*triples, (low, high, low * high), (high, low, -low * high), (a[0], a[0], a[0] * a[0]),
            (0.0, b[1], 0.0), (0.0, 0.0, 0.0), (half, half, 0.25), (high, high, high * high),
            (high, high, (1 - 2.0 ** -40) * high * high)]


@pytest.mark.parametrize("name, sigma, arb_sigma, parity, norms", [
    ("tanh", TANH, lambda x: x.tanh(), Parity.ODD, NORMS),
    ("sigmoid", 1 / (1 + sp.exp(-t)), lambda x: 1 / (1 + (-x).exp()), None, hermite_norms.NORMS),
])
def test_random_and_exact_triples_meet_the_bound_against_an_independent_quadrature(name, sigma, arb_sigma,
                                                                                   parity, norms):
    f = hermite_norms.float64_ridge(sigma, (), parity, norms=norms)
    for a, b, c in _exact_triples(*norms):
        got = float(f(a, b, c))
        rho = 0 if a * b == 0 else min(Fraction(1), Fraction(c) / (Fraction(a) * Fraction(b)))   # as f clips
        exact = ball_quadrature.pair_mean(arb_sigma, a, b, rho, 20)       # two rules agree to 1e-20
        assert abs(got - float(exact.mid())) <= float(f.bound(a, b)), (name, a, b, c)


def test_the_pieces_are_short_and_add_little(tanh64):
    assert 2 <= tanh64.degree <= 16
    assert tanh64.parts["pieces"] < 1e-15 and tanh64.parts["coefficients"] < 1e-15


@functools.cache
def exact_derivative_coefficients(sigma, x: float, digits: int, shifted: bool, terms: int = 200) -> tuple:
    """c_k(x), ∂_x c_k(x) = E[Xσ′(xX)h_k(X)] = c_k[tσ′(t)](x)/x and ∂_x² c_k(x) = c_k[t²σ″(t)](x)/x²
    (no differences, no interpolation)."""
    ctx = mpmath.MPContext()
    ctx.dps = digits
    x = ctx.mpf(x)
    c0, c1, c2 = (hermite_series.coefficients(g, (), x, terms, digits, shifted)[0]
                  for g in (sigma, t * sp.diff(sigma, t), t**2 * sp.diff(sigma, t, 2)))
    return c0, [v / x for v in c1], [v / x**2 for v in c2]


def jet_reference(sigma, a, b, rho, digits: int, shifted: bool, terms: int = 200) -> tuple[dict, dict]:
    """Φ and its derivatives of orders ≤ 2 in (a, b, ρ) as Mehler series of the exact derivatives of
    the coefficients, summed to ``terms`` and to ``terms`` − 40 (the truncation check)."""
    ctx = mpmath.MPContext()
    ctx.dps = digits
    A, B = (exact_derivative_coefficients(sigma, x, digits, shifted, terms) for x in (a, b))
    rho = ctx.mpf(rho)
    orders = {(): (0, 0, 0), (0,): (1, 0, 0), (1,): (0, 1, 0), (2,): (0, 0, 1), (0, 0): (2, 0, 0),
              (1, 1): (0, 2, 0), (0, 1): (1, 1, 0), (0, 2): (1, 0, 1), (1, 2): (0, 1, 1), (2, 2): (0, 0, 2)}

    def series(i, j, r, n):
        return ctx.fsum(ctx.ff(k, r) * A[i][k] * B[j][k] * rho ** (k - r) for k in range(r, n))

    return ({key: series(*o, terms) for key, o in orders.items()},
            {key: series(*o, terms - 40) for key, o in orders.items()})


@pytest.mark.parametrize("a, b, rho", [(0.7, 0.9, -0.3), (1.0, 1.0, 1.0), (0.5, 1.0, -1.0), (0.75, 0.75, 0.0),
                                       (0.6180339887, 0.5, 0.999)])
def test_second_derivatives_agree_with_series_of_exact_derivatives(tanh64, a, b, rho):
    """Generic triples and exact ones (equal norms, ρ = ±1, ρ = 0, the ends of the norms); the
    reference is confirmed by a second rule (shifted grid, 8 more digits) and by its truncation."""
    first, truncated = jet_reference(TANH, a, b, rho, 30, False)
    second, _ = jet_reference(TANH, a, b, rho, 38, True)
    got = tanh64.second_derivatives(a, b, rho * a * b)
    assert set(got) == set(first)
    for key, value in first.items():
        assert abs(value - second[key]) < 1e-25 and abs(value - truncated[key]) < 1e-11, key
        assert abs(float(got[key]) - float(value)) < 1e-10, (key, float(got[key]), float(value))
    value, by_a, by_b, by_rho = tanh64.derivatives(a, b, rho * a * b)
    assert (value, by_a, by_b, by_rho) == (got[()], got[(0,)], got[(1,)], got[(2,)])


def test_second_derivatives_broadcast_and_refuse_zero_norms(tanh64):
    a, b = np.array([[0.6], [0.9]]), np.array([[0.5, 0.8, 1.0]])
    rho = np.array([[0.3, -1.0, 0.0], [1.0, 0.5, -0.2]])
    got = tanh64.second_derivatives(a, b, rho * a * b)
    for i, j in np.ndindex(rho.shape):
        one = tanh64.second_derivatives(a[i, 0], b[0, j], rho[i, j] * a[i, 0] * b[0, j])
        assert all(abs(got[key][i, j] - one[key]) <= 1e-15 for key in one)
    with pytest.raises(InputError, match="zero norm"):
        tanh64.second_derivatives(0.0, 0.7, 0.0)


# ------------------------------------------------------------------ the bound per piece, below 1e-14

def test_the_global_series_in_double_double_adds_nothing_and_the_bound_is_per_piece(tanh64):
    assert tanh64.parts["interpolation"] < 1e-18           # float64 storage alone gave ~6e-16
    assert tanh64.parts["tail"] <= hermite_norms.TAIL
    a = np.exp(np.linspace(*np.log(NORMS), 41))
    bounds = tanh64.bound(a[:, None], a[None, :])
    assert bounds.shape == (41, 41) and np.allclose(bounds, bounds.T, rtol=1e-15, atol=0)
    assert bounds.max() <= tanh64.error_bound < 1e-14
    assert bounds[0, 0] < bounds[-1, -1]                     # not one worst case everywhere


def _adversarial_triples(low: float, high: float) -> list:
    """(a, b, c) at the float64 evaluator's weak spots: equal norms (ρ = 1, c = a·a rounded) at both ends,
    ρ = −1 exact, ρ = 1 − 2⁻⁴⁰ and −1 + 10⁻⁹ at the largest norms, the smallest norm against the next
    float (ρ = 0.999), a zero norm, equal norms on a boundary of two pieces (ρ = 0.995), two random ones."""
    rng = np.random.default_rng(14)
    edge = math.exp(math.log(low) + (math.log(high) - math.log(low)) * 11 / hermite_norms.PIECES)
    near = math.nextafter(low, high)
    (a, b), rho = rng.uniform(low, high, (2, 2)), rng.uniform(-1, 1, 2)
    return [(low, low, low * low), (high, high, high * high), (low, high, -low * high),
            (high, high, (1 - 2.0 ** -40) * high * high), (high, high, (-1 + 1e-9) * high * high),
            (low, near, 0.999 * low * near), (0.0, high, 0.0), (edge, edge, 0.995 * edge * edge),
            *((x, y, r * x * y) for x, y, r in zip(a, b, rho, strict=True))]


ARB = {"tanh": lambda x: x.tanh(), "sigmoid": lambda x: 1 / (1 + (-x).exp()),
       "softplus": lambda x: x.exp().log1p(), "swish": lambda x: x / (1 + (-x).exp()),
       "mish": lambda x: x * x.exp().log1p().tanh()}


#: the cold builds of [1/4, 2]: sigmoid's is shared with the tests above, tanh's takes the longest
HEAVY = [*(pytest.param(n, marks=pytest.mark.slow) for n in ("sigmoid", "softplus")),
         *(pytest.param(n, marks=pytest.mark.very_slow) for n in ("swish", "mish", "tanh"))]


@pytest.mark.timeout(1200)                                  # tanh: 6–11 min cold on 2 loaded cores
@pytest.mark.parametrize("name", HEAVY)
def test_every_smooth_activation_meets_a_bound_below_1e_14_on_adversarial_triples(name):
    f = potential(name).numpy()                              # norms [1/4, 2]: minutes to build cold
    assert f.error_bound <= 1e-14
    for a, b, c in _adversarial_triples(*f.norms):
        rho = 0 if a * b == 0 else max(-1, min(1, Fraction(c) / (Fraction(a) * Fraction(b))))   # as f clips
        exact = ball_quadrature.pair_mean(ARB[name], a, b, rho, 18)      # two rules agree to 1e-18
        bound = float(f.bound(a, b))
        assert abs(float(f(a, b, c)) - float(exact.mid())) <= bound <= f.error_bound, (name, a, b, c)
