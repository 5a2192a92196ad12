"""The numeric route and the quadrature reference deliver every digit they print, or refuse.

References are independent of :mod:`theory.potentials.quadrature`: closed forms (the
engine's, and E[e^{−U²/2 − V²/2}] = 1/√det(I + Σ)), exact values, and the
Mehler series Σ_k c_k(a) c_k(b) ρ^k with c_k = E[σ(aX) h_k(X)] summed from
mpmath's tanh–sinh nodes (:func:`mehler`), which checks its own digits (two
tanh–sinh levels and two precisions agree) and bounds its tail.
"""

import itertools
import math

import mpmath
import pytest
import sympy as sp
from mpmath.calculus.quadrature import TanhSinh

from theory import potential
from theory.core.errors import InputError, PrecisionError
from theory.core.numeric import context, mpmath_function
from theory.core.symbols import t
from theory.potentials.quadrature import agreeing_digits, bivariate, gaussian_mean

R = sp.Rational
POINT = (R(3, 2), R(2, 3), R(1, 3))            # (‖θ‖, ‖w‖, θᵀw) of the issue, ρ = 1/3
SPHERE = (1, 1, R(-1, 4))                     # ρ = −1/4

FORMULAS = {"tanh": sp.tanh(t), "sigmoid": 1 / (1 + sp.exp(-t)), "softplus": sp.log(1 + sp.exp(t)),
            "swish": t / (1 + sp.exp(-t)), "elu": sp.Piecewise((t, t > 0), (sp.exp(t) - 1, True))}

#: E[σ(U)σ(V)] by :func:`mehler` (28 and 36 digits, tanh–sinh levels 6 and 7, agreeing to ≥ 27; tails below
#: 10⁻³⁸; tanh at the issue's point at 32 and 42 digits, agreeing to 33); regenerate with
#: ``python tests/test_quadrature.py``.
MEHLER = {
    ("tanh", POINT): "0.114777712464265596649236725288461495",
    ("tanh", SPHERE): "-0.09206794812110233703792140906",
    ("sigmoid", POINT): "0.2633917152409805214911668407",
    ("sigmoid", SPHERE): "0.2393167715233379652796425712",
    ("softplus", POINT): "0.7756437128605029000110000004",
    ("softplus", SPHERE): "0.5885661741116899772453881362",
    ("swish", POINT): "0.1296900178292880951641096335",
    ("swish", SPHERE): "-0.01595552913139743031635973504",
    ("elu", POINT): "0.2202615475863395602755259493",
    ("elu", SPHERE): "-0.1171419051776538872682601344",
}


def mehler(f: sp.Expr, kinks, a, b, c, dps: int, degree: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(series, tail bound) for E[f(aX)f(bY)], corr(X, Y) = ρ = c/(ab), at ``dps`` digits.

    c_k(s) = E[f(sX)h_k(X)] for all k at once from mpmath's tanh–sinh nodes of
    levels ≤ ``degree`` on unit pieces of [−14, 14] (cut at the kinks too); the
    tail Σ_{k>K}|c_k d_k ρ^k| ≤ |ρ|^{K+1} √(E f(aX)² E f(bX)²) (Cauchy–Schwarz).
    Returns the series at levels degree − 1 and degree, to be compared.
    """
    ctx = context(dps)
    fn = mpmath_function(f, (t,), ctx)
    a, b, c = (ctx.mpf(sp.N(v, dps + 5)) for v in (a, b, c))
    rho = c / (a * b)
    cuts = sorted({ctx.mpf(k) for k in range(-14, 15)}
                  | {ctx.mpf(sp.N(k, dps + 5)) / s for k in kinks for s in (a, b) if abs(k) < 14 * s})
    terms = math.ceil((dps + 2) / -math.log10(abs(float(rho))))
    rule = TanhSinh(ctx)
    sums = [[[ctx.zero] * (terms + 2) for _ in range(2)] for _ in range(degree + 1)]
    for u, v in itertools.pairwise(cuts):
        for level in range(1, degree + 1):
            row = sums[level]
            for x, w in rule.get_nodes(u, v, level, ctx.prec):
                weight = w * ctx.exp(-x * x / 2)
                values = (weight * fn(a * x), weight * fn(b * x))
                h_prev, h = ctx.one, x
                row[0][terms + 1] += values[0] ** 2 / weight   # E f(aX)², E f(bX)²
                row[1][terms + 1] += values[1] ** 2 / weight
                for k in range(terms + 1):
                    row[0][k] += values[0] * h_prev
                    row[1][k] += values[1] * h_prev
                    h_prev, h = h, (x * h - ctx.sqrt(k + 1) * h_prev) / ctx.sqrt(k + 2)
    results = []
    for top in (degree - 1, degree):
        scale = ctx.mpf(2) ** -top / ctx.sqrt(2 * ctx.pi)
        coefficients = [[scale * ctx.fsum(sums[level][i][k] for level in range(1, top + 1))
                         for k in range(terms + 2)] for i in (0, 1)]
        series = ctx.fsum(coefficients[0][k] * coefficients[1][k] * rho**k for k in range(terms + 1))
        tail = abs(rho) ** (terms + 1) * ctx.sqrt(coefficients[0][-1] * coefficients[1][-1])
        results.append((series, tail))
    return results


def mehler_reference(f, kinks, a, b, c, digits: int) -> mpmath.mpf:
    """E[f(U)f(V)] to ``digits`` digits, or AssertionError if the reference cannot confirm them."""
    (low_1, _), (low_2, _) = mehler(f, kinks, a, b, c, digits + 4, 6)
    (high_1, _), (high_2, tail) = mehler(f, kinks, a, b, c, digits + 12, 7)
    for other in (low_1, low_2, high_1):
        assert agreeing_digits(other, high_2) >= digits + 1, (other, high_2)
    assert tail <= abs(high_2) * mpmath.mpf(10) ** (-digits - 2)
    return high_2


def digits_delivered(value, reference) -> float:
    """−log₁₀ of the relative error: ≥ dps − 0.7 for every correctly rounded dps-digit value."""
    with mpmath.workdps(60):
        value, reference = mpmath.mpf(value), mpmath.mpf(sp.N(reference, 60) if isinstance(
            reference, sp.Basic) else reference)
        return agreeing_digits(value, reference)


def assert_every_digit(value, reference, dps: int) -> None:
    """``value`` printed with ``dps`` significant digits is within one unit of its last digit."""
    with mpmath.workdps(60):
        if isinstance(reference, sp.Basic):
            reference = sp.N(reference, 60)
        reference = mpmath.mpf(reference)
        unit = mpmath.mpf(10) ** (mpmath.floor(mpmath.log10(abs(reference))) + 1 - dps)
        error = abs(mpmath.mpf(value) - reference)
        assert error <= unit, (f"{mpmath.nstr(value, dps)} vs {mpmath.nstr(reference, dps + 5)}: "
                               f"{digits_delivered(value, reference):.1f} digits of {dps}")


def gaussian_exact(a, b, c):
    """E[e^{−U²/2 − V²/2}] = det(I + Σ)^{−1/2}: 6/√165 at the issue's point."""
    return 1 / sp.sqrt((1 + a**2) * (1 + b**2) - c**2)


# ------------------------------------------------------------------ the issue's regressions

def test_numeric_route_gives_every_digit_of_tanh_at_the_issue_point():
    phi = potential("tanh")
    assert not phi.exact
    value = phi.at(*POINT, dps=20)        # used to print 0.11477771246426228317 (13.5 digits)
    assert_every_digit(value, MEHLER[("tanh", POINT)], 20)


def test_reference_gives_every_digit_of_the_gaussian_activation():
    assert gaussian_exact(*POINT) == 6 / sp.sqrt(165)
    assert_every_digit(bivariate(sp.exp(-t**2 / 2), None, *POINT, dps=16), 6 / sp.sqrt(165), 16)


@pytest.mark.slow
@pytest.mark.parametrize("dps", [20, 28, 30])   # at 28 it used to give …378136307… (18 digits)
def test_reference_gives_every_digit_of_the_gaussian_activation_at_high_precision(dps):
    assert_every_digit(bivariate(sp.exp(-t**2 / 2), None, *POINT, dps=dps), 6 / sp.sqrt(165), dps)


@pytest.mark.slow
def test_numeric_route_gives_30_digits_of_tanh():
    assert_every_digit(potential("tanh").at(*POINT, dps=30), MEHLER[("tanh", POINT)], 30)


@pytest.mark.very_slow
def test_the_mehler_reference_confirms_its_own_digits():
    value = mehler_reference(sp.tanh(t), (), *POINT, digits=20)
    assert_every_digit(value, MEHLER[("tanh", POINT)], 20)


# ------------------------------------------------------------------ kinks at c = 0

FLOOR_KINKS = range(-24, 25)   # floor(t) jumps at every integer; nothing finds these kinks by itself


def test_the_independent_case_keeps_the_callers_kinks():
    # E[floor(X)] = −1/2 (floor(−x) = −floor(x) − 1 off the integers), so E[floor(U)floor(V)] = 1/4
    assert_every_digit(gaussian_mean(sp.floor(t), dps=15, kinks=FLOOR_KINKS), R(-1, 2), 15)
    assert_every_digit(bivariate(sp.floor(t), None, 2, 1, 0, dps=15, kinks=FLOOR_KINKS), R(1, 4), 15)


def test_the_correlated_case_keeps_the_callers_kinks():
    # ρ = 1: E[floor(X)²] = Σ_k k²·P(k ≤ X < k + 1)
    expected = sum(k**2 * (sp.erf(sp.S(k + 1) / sp.sqrt(2)) - sp.erf(sp.S(k) / sp.sqrt(2))) / 2
                   for k in range(-12, 12))
    assert_every_digit(bivariate(sp.floor(t), None, 1, 1, 1, dps=15, kinks=FLOOR_KINKS), expected, 15)


# ------------------------------------------------------------------ refusals

def test_unseen_kinks_are_refused_not_returned():
    with pytest.raises(PrecisionError, match=r"could not confirm 12 digits.*agree to"):
        gaussian_mean(sp.floor(t), dps=12)
    with pytest.raises(PrecisionError, match=r"could not confirm 12 digits of E\[floor\(t\)\(U\)"):
        bivariate(sp.floor(t), None, 1, 1, 0, dps=12)


def test_a_budget_too_small_is_refused_before_any_work():
    with pytest.raises(PrecisionError, match="beyond the budget of 1000"):
        bivariate(sp.tanh(t), None, *POINT, dps=20, budget=1000)


def test_an_absurd_precision_is_refused():
    with pytest.raises(PrecisionError, match="digits need more than 384 Gauss–Legendre nodes"):
        gaussian_mean(sp.tanh(t), dps=5000)
    with pytest.raises(PrecisionError, match="beyond the budget"):
        bivariate(sp.tanh(t), None, *POINT, dps=400)


def test_bad_moments_and_divergence_are_input_errors():
    with pytest.raises(InputError, match="positive"):
        bivariate(sp.tanh(t), None, 0, 1, 0)
    with pytest.raises(InputError, match="not a valid covariance"):
        bivariate(sp.tanh(t), None, 1, 1, R(11, 10))
    with pytest.raises(InputError, match="diverges"):
        gaussian_mean(sp.exp(t**2 / 4), 2)


def test_a_vanishing_expectation_is_zero_not_noise():
    assert gaussian_mean(sp.tanh(t), 3, dps=25) == 0                     # odd integrand
    assert bivariate(sp.tanh(t), None, 1, 1, 0, dps=25) == 0


# ------------------------------------------------------------------ the class: every digit, or a refusal

EXACT = ["linear", "relu", "leaky_relu(1/5)", "abs", "step", "sign", "relu_power(2)", "erf(1/2)",
         "exp(t/2)", "cos", "sin", "gaussian", "gelu", "hermite(3)", "t**3 - 2*t + 1", "exp(-t**2)"]
POINTS = [POINT, (1, 1, R(-9, 10)), (R(1, 5), 3, R(1, 2))]
QUICK = [("relu", POINT), ("exp(-t**2)", (1, 1, R(-9, 10)))]


def _reference_against_closed_form(name, point, dps):
    phi = potential(name)
    assert phi.exact, phi.method
    expected = phi.at(*point, dps=dps + 10)
    assert_every_digit(bivariate(phi.activation.expr, None, *point, dps=dps), expected, dps)


@pytest.mark.parametrize("name, point", QUICK)
def test_reference_delivers_every_digit_of_a_closed_form(name, point):
    _reference_against_closed_form(name, point, 12)


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS, ids=["issue", "rho-0.9", "small-large"])
@pytest.mark.parametrize("name", EXACT)
def test_reference_delivers_every_digit_of_every_closed_form(name, point):
    _reference_against_closed_form(name, point, 15)


def test_numeric_route_delivers_every_digit_of_sigmoid():
    phi = potential(FORMULAS["sigmoid"])
    assert_every_digit(phi.at(*SPHERE, dps=12), MEHLER[("sigmoid", SPHERE)], 12)


@pytest.mark.slow
@pytest.mark.parametrize("point", [POINT, SPHERE], ids=["issue", "sphere"])
@pytest.mark.parametrize("name", list(FORMULAS))
def test_numeric_route_delivers_every_digit_of_the_custom_formulas(name, point):
    phi = potential(FORMULAS[name])
    assert not phi.exact, phi.method
    assert_every_digit(phi.at(*point, dps=20), MEHLER[(name, point)], 20)


if __name__ == "__main__":  # regenerate MEHLER
    for name, formula in FORMULAS.items():
        for point in (POINT, SPHERE):
            value = mehler_reference(formula, (0,) if name == "elu" else (), *point, digits=27)
            print(f'    ("{name}", {"POINT" if point == POINT else "SPHERE"}): "{mpmath.nstr(value, 36)}",')
