"""Biased potentials of erf, Gaussian exponentials, polynomials and ReLU powers against independent integrals.

The default suite checks each family against a 2-D Gauss–Hermite rule in float64 (smooth σ), exact
Isserlis moments (polynomials) or 1-D quadrature (ReLU powers at ρ = ±1 and zero norms); ``-m slow``
checks 25 digits against the nested 2-D quadrature of :func:`bivariate_quadrature`, confirmed at two
precisions.
"""

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory.cli import main
from theory.core.errors import InputError
from theory.core.numeric import context, numpy_function
from theory.potentials import biased_forms as forms
from theory.potentials.biased import Family, biased, bivariate_quadrature
from theory.potentials.potential import potential

from tests.helpers import relu_power_pair

SMOOTH = {"erf": Family.ERF, "erf(1/2)": Family.ERF, "cos": Family.EXP, "sin": Family.EXP, "exp": Family.EXP,
          "gaussian": Family.GAUSSIAN, "exp(-t**2)*cos(t)": Family.GAUSSIAN, "hermite(3)": Family.POLYNOMIAL,
          "t**3 - 2*t + 1": Family.POLYNOMIAL}
#: generic, ρ = 1, ρ = −1, θ = 0 (β ≠ 0), both norms zero
CASES = [(1.5, 0.7, 0.3, 0.4, -0.9), (1, 0.5, 0.5, 0.5, -0.2), (1, 0.8, -0.8, 0.5, 0.3),
         (0, 1, 0, 2, 0.5), (0, 0, 0, -0.3, 1.2)]


def gauss_hermite(name: str, case: tuple) -> float:
    """E[σ(β + aX)σ(γ + b(ρX + rZ))] by a 100 × 100 probabilists' Gauss–Hermite rule (float64)."""
    na, nb, dot, bt, gm = case
    sigma = numpy_function(biased(name).activation.expr, (sp.Symbol("t", real=True),))
    nodes, weights = np.polynomial.hermite_e.hermegauss(100)
    weights = weights / weights.sum()
    rho = dot / (na * nb) if na and nb else 0.0
    X, Z = np.meshgrid(nodes, nodes, indexing="ij")
    values = sigma(bt + na * X + 0 * Z) * sigma(gm + nb * (rho * X + np.sqrt(1 - rho**2) * Z))
    return float(weights @ values @ weights)


@pytest.mark.parametrize("name", SMOOTH)
@pytest.mark.parametrize("case", CASES)
def test_smooth_families_agree_with_gauss_hermite(name, case):
    phi = biased(name)
    assert phi.family is SMOOTH[name] and phi.exact
    value = float(phi.at(*case, dps=20))
    assert abs(value - gauss_hermite(name, case)) <= 1e-12 * max(1.0, abs(value))


@pytest.mark.parametrize("name", ["erf", "erf(3/2)", "cos", "sin", "gaussian", "hermite(3)", "t**2 + t",
                                  "relu_power(2)", "relu_power(3)"])
def test_zero_biases_give_the_unbiased_potential(name):
    for values in [(1.5, 0.7, 0.3), (1, 1, 1), (1, 2, -2)]:
        difference = biased(name).at(*values, 0, 0, dps=25) - potential(name).at(*values, dps=25)
        assert abs(difference) <= mpmath.mpf(10) ** -24


def test_erf_mean_and_reduction_to_one_variable():
    """w = 0, γ = 1/2: Φ = erf(1/2)·E[erf(β + aX)] = erf(1/2)·erf(β/√(1 + 2a²))."""
    with mpmath.workdps(40):
        widened = mpmath.sqrt(1 + 2 * mpmath.mpf("1.3") ** 2)
        expected = mpmath.erf(0.5) * mpmath.erf(mpmath.mpf("0.7") / widened)
    assert abs(biased("erf").at("1.3", 0, 0, "0.7", "0.5", dps=30) - expected) < mpmath.mpf(10) ** -29


def isserlis(expr: sp.Expr, case: tuple) -> sp.Expr:
    """E[σ(u)σ(v)] with u = β + aX, v = γ + b(ρX + rZ), X, Z independent: E[X^k] = (k − 1)!! for even k."""
    X, Z = sp.symbols("X Z")
    na, nb, dot, bt, gm = case
    rho = dot / (na * nb)
    t = sp.Symbol("t", real=True)
    v = gm + nb * (rho * X + sp.sqrt(1 - rho**2) * Z)
    product = sp.Poly(sp.expand(expr.subs(t, bt + na * X) * expr.subs(t, v)), X, Z)

    def moment(k):
        return sp.factorial2(k - 1) if k % 2 == 0 else 0

    return sp.nsimplify(sp.expand(sum(coeff * moment(i) * moment(j) for (i, j), coeff in product.terms())))


@pytest.mark.parametrize("name", ["hermite(4)", "t**3 - 2*t + 1", "linear"])
def test_polynomials_are_exact_rationals(name):
    # r = 3/5
    case = (sp.Integer(2), sp.Rational(5, 3), sp.Rational(8, 5), sp.Rational(1, 3), sp.Rational(-2, 7))
    phi = biased(name)
    value = phi.exact_value(*case)
    assert value.is_Rational and value == isserlis(phi.activation.expr, case)
    unbiased = potential(name)
    at_one = dict(zip(unbiased.variables, (1, 1, 1), strict=True))
    assert phi.exact_value(1, 1, 1, 0, 0) == unbiased.expr.subs(at_one)
    assert phi.exact_value(0, 0, 0, 3, 3) == phi.activation(3) ** 2


def test_relu_power_at_parallel_and_zero_norms_against_1d_quadrature():
    ctx = context(30)
    phi = biased("relu_power(2)")
    for na, nb, sign, bt, gm in [(1, 0.5, 1, 0.5, -0.2), (1, 0.8, -1, 0.5, 0.3), (0.7, 1.2, 1, -0.4, 0.9)]:
        def integrand(x, na=na, nb=nb, sign=sign, bt=bt, gm=gm):
            return max(bt + na * x, 0) ** 2 * max(gm + sign * nb * x, 0) ** 2 * ctx.npdf(x)

        kinks = sorted({-bt / na, -sign * gm / nb})
        reference = ctx.quad(integrand, [-ctx.inf, *kinks, ctx.inf])
        assert abs(phi.at(na, nb, sign * na * nb, bt, gm, dps=25) - reference) < mpmath.mpf(10) ** -24
    mean = ctx.quad(lambda x: max(ctx.mpf("0.5") + 1.5 * x, 0) ** 2 * ctx.npdf(x),
                    [-ctx.inf, -1 / ctx.mpf(3), ctx.inf])
    assert abs(phi.at(0, 1.5, 0, 2, 0.5, dps=25) - 4 * mean) < mpmath.mpf(10) ** -24
    assert phi.at(0, 1.5, 0, -2, 0.5, dps=25) == 0


def test_relu_power_recurrence_at_n_1_is_relus_closed_form():
    ctx = context(30)
    for case in [(1.5, 0.7, 0.3, 0.4, -0.9), (1.2, 0.8, 0, -0.3, 0.6)]:
        recurrence = forms.relu_power_moment(ctx, 1, *map(ctx.mpf, case))
        assert abs(recurrence - biased("relu").at(*case, dps=28)) < mpmath.mpf(10) ** -27


def test_relu_power_agrees_with_quadrature_at_15_digits():
    phi = biased("relu_power(2)")
    assert phi.family is Family.RELU_POWER and "Stein" in phi.method
    case = (1.5, 0.7, 0.3, 0.4, -0.9)
    low, high = (relu_power_pair(context(d), 2, *case) for d in (17, 20))
    assert abs(low - high) <= abs(high) * mpmath.mpf(10) ** -15
    assert abs(phi.at(*case, dps=15) - high) <= abs(high) * mpmath.mpf(10) ** -14


@pytest.mark.slow
@pytest.mark.parametrize("name", ["erf", "erf(2)", "cos", "gaussian", "hermite(3)", "relu_power(2)",
                                  "relu_power(3)"])
@pytest.mark.parametrize("case", [(1.5, 0.7, 0.3, 0.4, -0.9), (1, 2, -2, 0.5, 0.3), (0, 1, 0, 2, 0.5)])
def test_new_families_match_quadrature_at_25_digits(name, case):
    phi = biased(name)
    act = phi.activation
    low, high = (bivariate_quadrature(context(d), act.expr, act.kinks, *map(mpmath.mpf, case))
                 for d in (27, 32))
    assert abs(low - high) <= abs(high) * mpmath.mpf(10) ** -25   # the check confirms its own digits
    assert abs(phi.at(*case, dps=25) - high) <= abs(high) * mpmath.mpf(10) ** -24


def test_methods_and_latex_say_what_is_used():
    assert "Gaussian integral" in biased("gaussian").method and "exact" in biased("gaussian").method
    assert "generating function" in biased("cos").method
    assert r"\cos" in biased("cos").latex() and r"\varphi" in biased("relu_power(2)").latex()
    assert "Stein" in biased("relu_power(5)").latex()
    assert biased("sigmoid").family is None and "numeric" in biased("sigmoid").latex()
    with pytest.raises(InputError, match="no exact value"):
        biased("erf").exact_value(1, 1, 0, 0, 0)


@pytest.mark.parametrize("name", ["cosh(t**2/8)", "exp(t**2/16) + t"])
def test_growing_activations_are_refused_with_a_bias(name, capsys):
    with pytest.raises(InputError, match=r"diverges.*‖θ‖²"):
        biased(name)
    assert main(["derive", name, "--bias", "--at", "1,1,0,0,0"]) == 2
    assert "diverges" in capsys.readouterr().err


def test_a_cancelling_polynomial_sum_keeps_its_digits():
    """h₆₀ at β = γ = 0, ρ = 0.3: Φ = ρ⁶⁰ ≈ 4·10⁻³² from terms of order one (in floating point the
    two precisions agreed only on 'below 10⁻²⁵', and 0 came back); exact Fractions keep every digit."""
    phi = biased("hermite(60)")
    value = phi.at(1, 1, "0.3", 0, 0, dps=20)
    exact = phi.exact_value("3/2", "7/10", "3/10", "2/5", "-9/10")
    with mpmath.workdps(40):
        assert abs(value - mpmath.mpf("0.3") ** 60) <= value * mpmath.mpf(10) ** -19
        generic = phi.at("1.5", "0.7", "0.3", "0.4", "-0.9", dps=20)   # strings: 0.7 is not a float
        assert abs(generic - mpmath.mpf(exact.p) / exact.q) <= generic * mpmath.mpf(10) ** -19


def test_the_printed_relu_power_formula_is_the_value():
    """The L, Φ, φ expression behind .latex() for n = 2, evaluated, is Φ (h = β/‖θ‖, k = γ/‖w‖)."""
    from theory.potentials import biased as module
    from theory.potentials.orthant import orthant

    ctx = context(30)
    na, nb, dot, bt, gm = map(ctx.mpf, ("1.5", "0.7", "0.3", "0.4", "-0.9"))
    formula = module._formula(Family.RELU_POWER, (2,))
    names = {"L": lambda h, k, r: orthant(ctx, h, k, r), "Phi": ctx.ncdf, "varphi": ctx.npdf}
    f = sp.lambdify((module.a, module.b, module._h, module._k, module._rho), formula, modules=[names, ctx])
    value = f(na, nb, bt / na, gm / nb, dot / (na * nb))
    assert abs(value - biased("relu_power(2)").at(na, nb, dot, bt, gm, dps=25)) < mpmath.mpf(10) ** -24


#: generic, ρ = 1, ρ = −1, θ = 0, both norms zero (strings: exact decimal inputs)
TWO_SLOPE_CASES = [("1.5", "0.7", "0.3", "0.4", "-0.9"), (1, "0.5", "0.5", "0.5", "-0.2"),
                   (1, 2, -2, "0.5", "0.3"), (0, 1, 0, 2, "0.5"), (0, 0, 0, "-0.3", "1.2")]


def _relu_sum(case: tuple, left: tuple, right: tuple):
    """Σ l_s r_t E[relu(s·u) relu(t·v)] over s, t = ±1 (σ = l₊relu(t) + l₋relu(−t)), from the biased ReLU
    form alone: relu(−u) has (−β, −θ), so E[relu(su) relu(tv)] = R(a, b, s·t·c, s·β, t·γ)."""
    relu = biased("relu")
    na, nb, dot, bt, gm = (mpmath.mpf(v) for v in case)
    total = []
    for s, ls in zip((1, -1), left, strict=True):
        for t, rt in zip((1, -1), right, strict=True):
            total.append(ls * rt * relu.at(na, nb, s * t * dot, s * bt, t * gm, dps=28))
    return mpmath.fsum(total)


@pytest.mark.parametrize("name,slopes", [("abs", (1, 1)), ("leaky_relu(1/10)", (1, "-0.1")),
                                         ("leaky_relu(-1/2)", (1, "0.5")), ("leaky_relu(3)", (1, -3))])
@pytest.mark.parametrize("case", TWO_SLOPE_CASES)
def test_two_slopes_are_four_relu_terms(name, slopes, case):
    """|t| = relu(t) + relu(−t), leaky_relu_α(t) = relu(t) − α relu(−t): the cross-term form against the
    sum of four biased ReLU potentials (a different decomposition), 27 digits."""
    phi = biased(name)
    assert phi.family is Family.TWO_SLOPE and phi.exact and "Stein" in phi.method
    with mpmath.workdps(40):
        slopes = tuple(mpmath.mpf(v) for v in slopes)
        expected = _relu_sum(case, slopes, slopes)
        assert abs(phi.at(*case, dps=28) - expected) <= mpmath.mpf(10) ** -27 * max(1, abs(expected))


def test_two_slopes_reduce_to_known_values():
    """Zero biases: the unbiased potential; θ = 0: σ(β)·E[σ(γ + bY)]; abs on itself: E[u²] = β² + a²."""
    for name in ["abs", "leaky_relu(1/5)"]:
        for values in [("1.5", "0.7", "0.3"), (1, 1, 1), (1, 2, -2)]:
            difference = biased(name).at(*values, 0, 0, dps=25) - potential(name).at(*values, dps=25)
            assert abs(difference) <= mpmath.mpf(10) ** -24
    abs_ = biased("abs")
    assert abs(abs_.at(2, 2, 4, "0.5", "0.5", dps=30) - mpmath.mpf("4.25")) < mpmath.mpf(10) ** -29
    with mpmath.workdps(40):   # θ = 0, β = −2: |−2|·E[|γ + Y|] = 2(γ(2Φ(γ) − 1) + 2φ(γ))
        g = mpmath.mpf("0.5")
        expected = 2 * (g * (2 * mpmath.ncdf(g) - 1) + 2 * mpmath.npdf(g))
    assert abs(abs_.at(0, 1, 0, -2, "0.5", dps=30) - expected) < mpmath.mpf(10) ** -29
    leaky = biased("leaky_relu(1/10)")   # both norms zero: σ(β)σ(γ) = (−0.03)(1.2)
    with mpmath.workdps(40):
        assert abs(leaky.at(0, 0, 0, "-0.3", "1.2", dps=30) + mpmath.mpf("0.036")) < mpmath.mpf(10) ** -29


def test_two_slope_recognition_and_latex():
    assert forms.two_slopes(sp.Abs(forms.T)) == (-1, 2)
    assert forms.two_slopes(sp.Heaviside(forms.T)) is None and forms.two_slopes(forms.T) == (1, 0)
    assert biased("relu").family is Family.RELU and biased("leaky_relu(1)").parameters == (1, 0)
    latex = biased("abs").latex()
    assert r"\varphi" in latex and r"\Phi{\left(h \right)}" in latex


def test_the_printed_two_slope_formula_is_the_value():
    from theory.potentials import biased as module
    from theory.potentials.orthant import orthant

    ctx = context(30)
    na, nb, dot, bt, gm = map(ctx.mpf, ("1.5", "0.7", "0.3", "0.4", "-0.9"))
    names = {"L": lambda h, k, r: orthant(ctx, h, k, r), "Phi": ctx.ncdf, "varphi": ctx.npdf}
    for name in ["abs", "leaky_relu(1/10)"]:
        phi = biased(name)
        formula = module._formula(Family.TWO_SLOPE, phi.parameters)
        f = sp.lambdify((module.a, module.b, module.c, module.beta, module.gamma, module._h, module._k,
                         module._rho), formula,
                        modules=[names, "mpmath"])      # the mpmath printer keeps 1/10 a ratio of mpf
        with mpmath.workdps(30):
            value = f(na, nb, dot, bt, gm, bt / na, gm / nb, dot / (na * nb))
        assert abs(value - phi.at(na, nb, dot, bt, gm, dps=25)) < mpmath.mpf(10) ** -24


#: generic ρ (the nested quadrature takes ~280 s: very slow), ρ = 1, ρ = −1, θ = 0 (1-D quadrature: slow)
QUADRATURE_CASES = [pytest.param((1.5, 0.7, 0.3, 0.4, -0.9), marks=pytest.mark.very_slow),
                    *(pytest.param(case, marks=pytest.mark.slow)
                      for case in [(1, "0.5", "0.5", 0.5, -0.2), (1, 2, -2, 0.5, 0.3), (0, 1, 0, 2, 0.5)])]


@pytest.mark.parametrize("name", ["abs", "leaky_relu(1/10)", "leaky_relu(-1/2)"])
@pytest.mark.parametrize("case", QUADRATURE_CASES)
def test_two_slopes_match_quadrature_at_25_digits(name, case):
    """Measured: the quadrature's two precisions agree to ≥ 27.6 digits, the closed form to ≥ 30.8."""
    phi = biased(name)
    act = phi.activation
    low, high = (bivariate_quadrature(context(d), act.expr, act.kinks, *map(mpmath.mpf, case))
                 for d in (27, 32))
    assert abs(low - high) <= abs(high) * mpmath.mpf(10) ** -25
    assert abs(phi.at(*case, dps=25) - high) <= abs(high) * mpmath.mpf(10) ** -24
