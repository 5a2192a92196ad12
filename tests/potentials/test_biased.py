"""Biased potentials Φ(θ, β; w, γ): closed forms against independent 2-D quadrature."""

import mpmath
import pytest
import sympy as sp
from flint import arb

from theory.core.balls import digits as flint_digits
from theory.core.errors import InputError, PrecisionError
from theory.core.numeric import context
from theory.potentials.biased import BiasedPotential, Family, biased, bivariate_quadrature
from theory.potentials.potential import potential
from theory.potentials.routes import Route

from tests.helpers import relu_power_pair

CASES = [(1.5, 0.7, 0.3, 0.4, -0.9), (1, 1, 1, 0.5, -0.2), (1, 2, -2, 0.5, 0.3),
         (0, 1, 0, 2, 0.5), (1.2, 0.8, 0, -0.3, 0.6)]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["relu", "step"])
@pytest.mark.parametrize("case", CASES)
def test_closed_form_matches_quadrature_at_25_digits(name, case):
    phi = biased(name)
    value = phi.at(*case, dps=25)
    act = phi.activation
    low, high = (bivariate_quadrature(context(d), act.expr, act.kinks, *map(mpmath.mpf, case))
                 for d in (25, 35))
    assert abs(low - high) <= abs(high) * mpmath.mpf(10) ** -24   # the check confirms its own digits
    assert abs(value - high) <= abs(high) * mpmath.mpf(10) ** -24


def _erf_reference(ctx, na, nb, dot, bt, gm):
    """E[erf(β + aX) erf(γ + bY)] by 1-D quadrature over X: given X, γ + bY ~ N(γ + bρX, b²r²) and
    E[erf(μ + sZ)] = erf(μ/√(1 + 2s²)). Independent of the orthant form; nb > 0, na > 0."""
    rho = dot / (na * nb)
    s2 = nb**2 * (1 - rho**2)
    return ctx.quad(lambda x: ctx.erf(bt + na * x) * ctx.erf((gm + nb * rho * x) / ctx.sqrt(1 + 2 * s2))
                    * ctx.npdf(x), [-ctx.inf, ctx.inf])


@pytest.mark.parametrize("case", [(1.5, 0.7, 0.3, 0.4, -0.9), (1, 1, 1, 0.5, -0.2), (1, 2, -2, 0.5, 0.3),
                                  (1.2, 0.8, 0, -0.3, 0.6), (3, 0.5, 1.2, 0, 0)])
def test_erf_closed_form_matches_quadrature_at_25_digits(case):
    """erf(u) = 2P(Z ≤ √2u) − 1 makes Φ an orthant probability; the reference integrates erf itself."""
    phi = biased("erf")
    low, high = (_erf_reference(context(d), *(context(d).mpf(v) for v in case)) for d in (30, 40))
    assert abs(low - high) <= abs(high) * mpmath.mpf(10) ** -28     # the reference confirms its own digits
    assert abs(phi.at(*case, dps=25) - high) <= abs(high) * mpmath.mpf(10) ** -24
    assert abs(phi.at(0, 1, 0, 0.5, -0.2, dps=25)                    # θ = 0: erf(β)·erf(γ/√(1 + 2b²))
               - mpmath.erf(0.5) * mpmath.erf(-0.2 / mpmath.sqrt(3))) < mpmath.mpf(10) ** -14


def test_zero_bias_agrees_with_unbiased_relu():
    unbiased = potential("relu").at(1.5, 0.7, 0.3, dps=25)
    assert abs(biased("relu").at(1.5, 0.7, 0.3, 0, 0, dps=25) - unbiased) < mpmath.mpf(10) ** -24


def test_symmetry_and_zero_norm():
    phi = biased("relu")
    assert abs(phi.at(1.5, 0.7, 0.3, 0.4, -0.9, dps=20) - phi.at(0.7, 1.5, 0.3, -0.9, 0.4, dps=20)) < 1e-19
    assert phi.at(0, 1, 0, -1, 0.5, dps=20) == 0            # relu(β) = 0
    assert phi.at(0, 0, 0, 2, 3, dps=20) == 6


def test_exp_and_families():
    phi = biased("exp")
    assert phi.family is Family.EXP
    with mpmath.workdps(30):
        assert abs(phi.at(1, 1, 1, 0, 0, dps=20) - mpmath.exp(2)) < mpmath.mpf(10) ** -18
    assert biased("erf").family is Family.ERF and biased("sigmoid").family is None


def test_methods_are_routes_that_print_as_before():
    assert biased("relu").method is Route.SHEPPARD and biased("step").method is Route.SHEPPARD
    assert biased("sigmoid").method is Route.BIASED_NUMERIC and biased("t**2").method is Route.BIASED_MOMENTS
    assert biased("erf").method is Route.ERF_ORTHANT and biased("relu_power(2)").method is Route.STEIN
    assert str(biased("cos").method).startswith("closed form: the bivariate normal moment generating")
    assert repr(biased("relu")).endswith("(derived, checked by 2-D quadrature))>")
    assert BiasedPotential(biased("relu").activation, Family.RELU, "sheppard").method is Route.SHEPPARD


def test_bad_input():
    with pytest.raises(PrecisionError, match=r"no certified value of Φ\[exp"):
        biased("exp").at(1, 1, 0, 0, 0, certified=True)
    with pytest.raises(InputError, match="Cauchy"):
        biased("relu").at(1, 1, 2, 0, 0)


def test_potential_with_bias_is_the_biased_potential():
    phi = potential("relu", bias=True)
    assert isinstance(phi, BiasedPotential) and phi == biased("relu")
    assert str(phi.at(1, 1, 0, 0, 0, dps=20)) == "0.15915494309189533577"     # 1/(2π)
    assert potential("relu") == potential("relu", bias=False)        # the default is unchanged
    with pytest.raises(InputError, match="ridge activations"):
        potential("gaussian_bump", bias=True)
    with pytest.raises(InputError, match="diverges"):
        potential("exp(t**2/8)", bias=True)


def test_exact_inputs_keep_their_digits_whatever_mpmaths_global_precision():
    """1/5 and "-0.3" are read to far more digits than the answer needs: the value does not move with mp.dps
    (it did: at the default 15 digits the inputs were rounded to 53 bits), and it is the quadrature's."""
    phi = biased("relu")
    values = []
    for dps in (5, 15, 40):
        with mpmath.workdps(dps):
            values.append(phi.at(1, 1, sp.Rational(1, 2), sp.Rational(1, 5), "-0.3", dps=30))
    assert values[0] == values[1] == values[2]
    low, high = (relu_power_pair(ctx, 1, 1, 1, ctx.mpf(1) / 2, ctx.mpf(1) / 5, -ctx.mpf(3) / 10)
                 for ctx in (context(35), context(45)))
    assert abs(low - high) < mpmath.mpf(10) ** -33                  # the reference confirms its digits
    assert abs(values[0] - high) < mpmath.mpf(10) ** -29


@pytest.mark.parametrize("h", [-6, -8])
def test_a_tiny_orthant_probability_keeps_its_digits(h):
    """P(X > 8, Y > 8) at ρ = −1/2 ≈ 1.8·10⁻⁵⁹: Sheppard's Φ(h)Φ(k) + ∫… cancels 28 digits. It was 0 (both
    precisions below 10^{5−work}); the reference integrates over X the conditional tail of Y."""
    ctx = context(80)
    rho, r = ctx.mpf(-1) / 2, ctx.sqrt(ctx.mpf(3)) / 2
    reference = ctx.quad(lambda x: ctx.npdf(x) * ctx.ncdf((rho * x + h) / r),
                         [-h, 1 - h, 2 - h, 4 - h, ctx.inf])
    value = biased("step").at(1, 1, -0.5, h, h, dps=15)
    assert 0 < reference < 1e-30 and abs(value - reference) <= reference * mpmath.mpf(10) ** -14


def test_exact_zeros_are_decided_not_searched_for():
    """θ = 0 with relu(β) = 0, and θ ⊥ w with an odd σ and β = 0: Φ = 0 exactly, by :meth:`decided`."""
    relu, tanh = biased("relu"), biased("tanh")
    assert relu.decided(tuple(map(mpmath.mpf, (0, 1, 0, -1, 0.5)))) == 0
    assert relu.decided(tuple(map(mpmath.mpf, (1, 1, 0, -1, 0.5)))) is None
    assert tanh.decided(tuple(map(mpmath.mpf, (1.5, 1, 0, 0, 0.3)))) == 0
    assert tanh.at(1.5, 1, 0, 0, 0.3, dps=15) == 0                  # the numeric route: no quadrature at all
    cubic = biased("t**3 - t")
    assert cubic.decided(tuple(map(mpmath.mpf, (1, 1, 0.5, 0.25, 0)))) == sp.Rational(47, 16)   # by Isserlis


@pytest.mark.parametrize("name", ["step", "sign", "relu", "erf", "relu_power(2)"])
def test_the_ball_route_agrees_with_two_precisions(name):
    """Sheppard's families take one arb ball pass; it must agree with the two mpmath precisions."""
    from theory.potentials import evaluation
    from theory.potentials.biased import _checked

    phi = biased(name)
    for case in [(1.5, 0.7, 0.3, 0.4, -0.9), (1, 2, -1.9, 0.5, 0.3), (1.2, 0.8, 0, -3, 2.5)]:
        values = _checked(*case)
        ball = phi._ball_value(values, 30)
        mpmath_only = evaluation.stable_value(phi.working_value, values, 30)
        assert ball is not None and abs(ball - mpmath_only) <= abs(mpmath_only) * mpmath.mpf(10) ** -29
    parallel, zero_norm = _checked(1, 2, 2, 0.5, 0.3), _checked(0, 1, 0, 0.5, 0.3)
    assert phi._ball_value(parallel, 30) is None and phi._ball_value(zero_norm, 30) is None   # exact cases


@pytest.mark.parametrize("name", ["step", "sign", "relu", "erf", "relu_power(2)"])
def test_certified_balls_contain_the_mpmath_value(name):
    """The arb enclosure contains the value of the same formula in mpmath (tanh–sinh, not acb.integral)
    at two precisions, and its radius proves the digits asked for."""
    from theory.potentials import evaluation
    from theory.potentials.biased import _checked

    phi = biased(name)
    for case in [(1.5, 0.7, 0.3, 0.4, -0.9), ("1", "2", "-1.9", "1/2", "3/10"), (1.2, 0.8, 0, -3, 2.5)]:
        ball = phi.at(*case, dps=30, certified=True)
        with mpmath.workdps(40):
            value = evaluation.stable_value(phi.working_value, _checked(*case), 35)
            middle = mpmath.mpf(ball.mid().str(45, radius=False))
            assert abs(middle - value) <= mpmath.mpf(ball.rad().str(5, radius=False)) + mpmath.mpf(10) ** -34
        assert ball.rad() <= 1e-30 * max(1, abs(float(ball.mid())))


def test_certified_relu_against_quadrature_and_at_irrational_norms():
    """Independent: the 2-D quadrature of relu itself; exact coordinates give ‖θ‖ = √5, ‖w‖ = √2."""
    phi = biased("relu")
    ball = phi.at(1.5, 0.7, 0.3, 0.4, -0.9, dps=20, certified=True)
    quadrature = bivariate_quadrature(context(15), phi.activation.expr, (0,), 1.5, 0.7, 0.3, 0.4, -0.9)
    assert abs(float(ball.mid()) - float(quadrature)) < 1e-15
    exact = phi.evaluate([1, 2, 0], "1/2", [0, 1, -1], -0.3, dps=30, certified=True)
    numeric = phi.evaluate([1, 2, 0], "1/2", [0, 1, -1], -0.3, dps=30)
    assert abs(float(exact.mid()) - float(numeric)) < 1e-16 and exact.rad() < 1e-30


def test_certified_refuses_what_it_cannot_prove():
    relu = biased("relu")
    with pytest.raises(PrecisionError, match="provably below"):        # a ball that contains ρ = 1
        relu.at(arb(1, 1e-20), 1, 1, 0, 1, certified=True)
    with pytest.raises(PrecisionError, match="provably below"):        # …and ρ = −1
        relu.at(1, 1, arb(-1, 1e-20), 0, 1, certified=True)
    with pytest.raises(PrecisionError, match="provably positive"):     # a ball that contains ‖θ‖ = 0
        relu.at(arb(0, 1e-20), 1, 0, 0.5, 0.3, certified=True)
    with pytest.raises(PrecisionError, match="closed form: the bivariate normal moment"):
        biased("exp").at(1, 1, 0.5, 0, 0, certified=True)
    with pytest.raises(InputError, match="exact coordinates"):
        relu.evaluate([object()], 0, [1], 0, certified=True)


@pytest.mark.parametrize("name", ["tanh", "elu", "swish"])
def test_certified_numeric_route_contains_independent_values(name):
    """At θ ⊥ w, Φ = E[σ(aX + β)]·E[σ(bY + γ)]: two 1-D quadratures of σ itself, independent of the
    series; at a generic ρ the ball contains the two-rule series value (mpmath Gauss–Legendre, not arb)."""
    phi = biased(name)
    sigma = phi.activation
    with mpmath.workdps(40):
        f = sp.lambdify(sp.Symbol("t"), sigma.expr, "mpmath")

        def mean(a, shift):
            kink = -shift / a
            return mpmath.quad(lambda x: f(a * x + shift) * mpmath.npdf(x), [-mpmath.inf, kink, mpmath.inf])

        product = mean(mpmath.mpf(1), mpmath.mpf(1) / 5) * mean(mpmath.mpf(3) / 2, mpmath.mpf(-1))
        ball = phi.at(1, sp.Rational(3, 2), 0, sp.Rational(1, 5), -1, dps=25, certified=True)
        assert abs(mpmath.mpf(ball.mid().str(40, radius=False)) - product) < 1e-25
        assert ball.rad() < 1e-25
        ball = phi.at(1, sp.Rational(3, 2), sp.Rational(1, 2), sp.Rational(1, 5), -1, dps=25, certified=True)
        value = phi.at(1, sp.Rational(3, 2), sp.Rational(1, 2), sp.Rational(1, 5), -1, dps=30)
        assert abs(mpmath.mpf(ball.mid().str(40, radius=False)) - value) <= 1e-25


def test_certified_numeric_route_refuses_without_an_envelope():
    with pytest.raises(PrecisionError, match="no certified value"):
        biased("t**2*tanh(t)").at(1, 1, 0.5, 0, 0, certified=True)
    with pytest.raises(PrecisionError, match="provably below"):
        biased("tanh").at(1, 2, arb(2, 1e-25), 0.1, 0.2, certified=True)
    with pytest.raises(PrecisionError, match="no certified value"):   # exact ρ = 1 needs an envelope too
        biased("t**2*tanh(t)").evaluate([1, 0], 0.1, [2, 0], 0.2, certified=True)


#: Independent activations for the line references (mpmath, the step as 1{t > 0}).
LINE_SIGMAS = {"relu": lambda u: max(u, 0), "step": lambda u: mpmath.mpf(u > 0), "sign": mpmath.sign,
               "erf": mpmath.erf, "relu_power(2)": lambda u: max(u, 0) ** 2, "tanh": mpmath.tanh}

#: (θ, β, w, γ) where Φ is a line integral: ρ = 1, ρ = −1 (θ = −2w), θ = −w, a node with itself
#: (float coordinates), θ = 0 with β ≠ 0, both norms 0, θ = w at zero biases (coinciding kinks).
ROW = [0.1257302210933933, -0.1321048632913019]
LINE_POINTS = [([1, 2], "1/5", [1, 2], "-3/10"), ([-2, -4], "1/5", [1, 2], "-3/10"),
               ([3, -1, 2], "1/2", [-3, 1, -2], "1/4"), (ROW, 0.45, ROW, 0.45),
               ([0, 0], "-7/10", [1, 1], "1/3"), ([0, 0], "6/5", [0, 0], "-1/3"), ([1, 2], 0, [1, 2], 0)]


def exact_number(v) -> sp.Expr:
    """A float as its binary value, a string or SymPy number as SymPy reads it."""
    return sp.Rational(v) if isinstance(v, float) else sp.sympify(v)


def line_reference(name: str, a, c, beta, gamma, dps: int):
    """E[σ(β + aX)σ(γ + cX)] by mpmath.quad split at the kinks −β/a, −γ/c, at ``dps`` digits."""
    f = LINE_SIGMAS[name]
    with mpmath.workdps(dps):
        a, c, beta, gamma = (mpmath.mpf(str(sp.N(exact_number(v), dps + 10))) for v in (a, c, beta, gamma))
        cuts = sorted({-shift / slope for shift, slope in ((beta, a), (gamma, c)) if slope})
        return mpmath.quad(lambda x: f(beta + a * x) * f(gamma + c * x) * mpmath.npdf(x),
                           [-mpmath.inf, *cuts, mpmath.inf])


def line_slopes(theta, w) -> tuple:
    """(‖θ‖, c): c = ±‖w‖ the sign of θᵀw (‖w‖ when θ = 0), exact (coordinates as SymPy numbers)."""
    th, wv = ([exact_number(v) for v in vec] for vec in (theta, w))
    na, nb = sp.sqrt(sum(x**2 for x in th)), sp.sqrt(sum(y**2 for y in wv))
    dot = sum(x * y for x, y in zip(th, wv, strict=True))
    return na, nb if na == 0 else nb * sp.sign(dot)


@pytest.mark.parametrize("name", list(LINE_SIGMAS))
def test_certified_line_integrals_contain_two_precision_quadrature(name):
    """At ρ = ±1 and zero norms the ball contains the 1-D quadrature of σ itself, confirmed at 60 and 70
    digits, and its radius is at most 10^−30·max(1, ``|Φ|``)."""
    phi = biased(name)
    for theta, beta, w, gamma in LINE_POINTS:
        ball = phi.evaluate(theta, beta, w, gamma, dps=30, certified=True)
        a, c = line_slopes(theta, w)
        low, high = (line_reference(name, a, c, beta, gamma, d) for d in (60, 70))
        with flint_digits(80):
            assert abs(low - high) <= mpmath.mpf(10) ** -55 * max(1, abs(high))
            assert ball.contains(arb(mpmath.nstr(high, 70))), (name, theta, w, ball)
            assert ball.rad() <= arb(10) ** -30 * max(1, abs(float(high)))


@pytest.mark.parametrize("name", ["relu", "step", "sign", "erf", "relu_power(2)", "tanh"])
def test_certified_line_at_integer_rational_and_exact_ball_invariants(name):
    """ρ = 1 from integer invariants, ρ = −1 from rational ones, ‖w‖ = 0 from exact arb balls: the ball
    agrees with the 40-digit value of ``at``."""
    phi = biased(name)
    half = sp.Rational(1, 2)
    for values in [(2, 3, 6, 1, -1), (half, sp.Rational(3, 2), -sp.Rational(3, 4), sp.Rational(1, 5), -half),
                   (arb(3) / 4, arb(0), arb(0), arb(-1) / 8, arb(1) / 2)]:
        ball = phi.at(*values, dps=30, certified=True)
        exact = [sp.Rational(v.mid().str(20, radius=False)) if isinstance(v, arb) else v for v in values]
        value = phi.at(*exact, dps=40)
        with flint_digits(60):
            assert abs(ball - arb(mpmath.nstr(value, 45))) < arb(10) ** -39 * max(1, abs(float(value)))
            assert ball.rad() <= arb(10) ** -30 * max(1, abs(float(value)))


def test_equal_float_rows_are_parallel_at_every_working_precision():
    """θ = w as floats: the invariants keep their digits (a SymPy sign rounded θᵀw = ±‖θ‖‖w‖ to 15 digits,
    and 30-digit norms left 1 − ρ ≈ 10⁻⁴² at 50: a nested quadrature of a near-delta, three minutes).
    The value is the 1-D mean E[tanh(‖θ‖X + β)²] (two precisions agree)."""
    row = [0.1257302210933933, -0.1321048632913019, 0.6404226504432804]
    value = biased("tanh").evaluate(row, 0.45, row, 0.45, dps=20)

    def mean(work):
        with mpmath.workdps(work):
            norm = mpmath.sqrt(mpmath.fsum(mpmath.mpf(v) ** 2 for v in row))
            return +mpmath.quad(lambda x: mpmath.tanh(norm * x + mpmath.mpf(0.45)) ** 2 * mpmath.npdf(x),
                               [-mpmath.inf, 0, mpmath.inf])
    low, high = mean(30), mean(40)
    assert abs(low - high) < mpmath.mpf(10) ** -28
    assert abs(value - high) < mpmath.mpf(10) ** -19
