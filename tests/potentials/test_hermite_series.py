"""The Hermite-series route for activations without a closed form, against independent references.

The references are the tanh–sinh Mehler values of tests/potentials/test_quadrature.py (no
node, rule or recurrence shared with the route) and 1-D Gauss–Legendre means.
"""


import mpmath
import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.core.balls import digits as flint_digits
from theory.core.errors import InputError, PrecisionError
from theory.core.symbols import t
from theory.potentials import hermite_series
from theory.potentials.potential import Potential, given
from theory.potentials.quadrature import gaussian_mean
from theory.potentials.routes import Route

from tests.potentials.test_quadrature import FORMULAS, MEHLER, POINT, SPHERE, assert_every_digit

MISH = t * sp.tanh(sp.log(1 + sp.exp(t)))
SMOOTH = {**{k: v for k, v in FORMULAS.items() if k != "elu"}, "mish": MISH}


@pytest.mark.parametrize("name", sorted(FORMULAS))
@pytest.mark.parametrize("point", [POINT, SPHERE], ids=["norms", "sphere"])
def test_series_gives_every_digit_against_the_tanh_sinh_reference(name, point):
    phi = potential(FORMULAS[name])
    assert phi.method is Route.NUMERIC
    assert_every_digit(phi.at(*point, dps=25), MEHLER[(name, point)], 25)


def test_the_value_at_rho_one_is_the_second_moment():
    phi = potential("tanh").sphere()
    assert_every_digit(phi.at(1, dps=25), gaussian_mean(sp.tanh(t) ** 2, dps=28), 25)
    assert_every_digit(phi.at(-1, dps=25), -gaussian_mean(sp.tanh(t) ** 2, dps=28), 25)


def test_an_odd_activation_vanishes_at_zero_correlation_and_is_odd():
    phi = potential("tanh").sphere()
    assert phi.at(0, dps=20) == 0
    assert phi.at(sp.Rational(-3, 5), dps=30) == -phi.at(sp.Rational(3, 5), dps=30)


def test_unequal_norms_use_one_coefficient_set_per_norm():
    # E[σ(aX)σ(bY)] is symmetric in (a, b): two different coefficient sets, one answer
    sigma = FORMULAS["softplus"]
    first = hermite_series.value(sigma, (), sp.Rational(1, 2), 3, sp.Rational(3, 5), dps=30)
    second = hermite_series.value(sigma, (), 3, sp.Rational(1, 2), sp.Rational(3, 5), dps=30)
    assert first == second


def test_coefficients_match_integration_by_parts():
    # c_1 = E[σ(X)X] = E[σ'(X)], c_2 = E[σ''(X)]/√2 (Gaussian integration by parts)
    values, second = hermite_series.coefficients(sp.tanh(t), (), 1, 8, 40)
    assert_every_digit(values[1], gaussian_mean(sp.diff(sp.tanh(t), t), dps=38), 36)
    sigma = FORMULAS["softplus"]
    values, second = hermite_series.coefficients(sigma, (), 1, 8, 40)
    with mpmath.workdps(50):
        expected = gaussian_mean(sp.diff(sigma, t, 2), dps=38) / mpmath.sqrt(2)
    assert_every_digit(values[2], expected, 36)
    assert_every_digit(second, gaussian_mean(sigma**2, dps=38), 36)


def test_a_kinked_activation_falls_back_to_quadrature_near_rho_one():
    elu = FORMULAS["elu"]
    with pytest.raises(hermite_series.SlowConvergence, match="more than 1024 terms"):
        hermite_series.value(elu, (0,), 1, 1, sp.Rational(999, 1000), dps=12)


def test_beyond_the_route_s_digits_is_a_clear_error():
    with pytest.raises(InputError, match="at most 100 digits"):
        potential("tanh").sphere().at(sp.Rational(1, 2), dps=101)


def test_an_infinite_second_moment_is_refused():
    with pytest.raises(InputError, match="second moment"):
        potential("exp(t**2)")


# ------------------------------------------------------------------ float64

ADVERSARIAL = [-1.0, -1 + 1e-12, -0.999, -0.5, -1e-9, 0.0, 1e-9, 0.3, 0.9, 0.999, 1 - 1e-12, 1.0]


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_float64_evaluator_meets_its_bound_on_adversarial_points(name):
    sigma = SMOOTH[name]
    act = potential(sigma).activation
    f = potential(sigma).sphere().numpy()
    assert f.error_bound <= 1e-15
    values = f(np.array(ADVERSARIAL))
    for rho_, got in zip(ADVERSARIAL, values, strict=True):
        if abs(rho_) == 1:
            other = sigma if rho_ == 1 else sigma.subs(t, -t)
            exact = gaussian_mean(sigma * other, dps=30)
        else:
            exact = hermite_series.value(sigma, act.kinks, 1, 1, mpmath.mpf(rho_), dps=18)
        assert abs(got - float(exact)) <= f.error_bound, (rho_, got, exact)


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_float64_derivatives_meet_their_bounds(name):
    """Φ^{(m)}(ρ) = E[σ^{(m)}(X)σ^{(m)}(Y)] (Price), m = 1, 2: at ρ = ±1 a Gaussian mean of σ^{(m)}
    itself (tanh–sinh), inside the 18-digit Mehler series of σ^{(m)} (its own coefficients)."""
    sigma = SMOOTH[name]
    f = potential(sigma).sphere().numpy()
    assert max(f.derivative_bounds) <= 3e-14
    points = [-1.0, -0.999, 1e-9, 0.9, 1.0]
    for order in (1, 2):
        slope = sp.diff(sigma, t, order)
        got = f.derivative(np.array(points), order)
        for rho_, value in zip(points, got, strict=True):
            if abs(rho_) == 1:
                exact = gaussian_mean(slope * slope.subs(t, rho_ * t), dps=30)
            else:
                exact = hermite_series.value(slope, (), 1, 1, mpmath.mpf(rho_), dps=18)
            assert abs(value - float(exact)) <= f.derivative_bounds[order - 1], (order, rho_, value, exact)


def test_the_float64_series_is_truncated_by_its_own_tail_bound():
    f = potential("sigmoid").sphere().numpy()
    assert 0 < f.terms <= hermite_series.MAX_TERMS
    assert f.coefficients.min() >= 0              # c_k² ≥ 0
    assert f(np.zeros((2, 3))).shape == (2, 3)
    with pytest.raises(InputError, match="ρ must lie"):
        f(np.array([1.5]))


def test_float64_matrix_on_the_sphere_agrees_with_the_series():
    phi = potential("tanh").sphere()
    angles = np.array([0.0, 1e-8, 0.7, np.pi - 1e-8, np.pi])
    points = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    gram = phi.matrix(points, points)
    assert abs(gram[0, 0] - float(gaussian_mean(sp.tanh(t) ** 2, dps=20))) < 1e-15
    assert np.allclose(gram, gram.T, rtol=0, atol=1e-16)
    assert abs(gram[0, 2] - float(phi.at(sp.N(sp.cos(sp.Rational(7, 10)), 40), dps=20))) < 1e-15


def test_a_kinked_activation_has_no_guaranteed_float64_evaluator():
    kinked = "Max(t, 0) + tanh(Min(t, 0))"          # not ELU: no orthant form (tests/potentials/test_elu.py)
    with pytest.raises(PrecisionError, match="decay algebraically"):
        potential(kinked).sphere().numpy()
    with pytest.raises(PrecisionError, match="not smooth"):
        potential(kinked).numpy()


# ------------------------------------------------------------------ LaTeX

def test_latex_shows_the_series_and_its_first_coefficients():
    text = potential("tanh").sphere().latex()
    assert text.startswith(r"\Phi(\rho) = \sum_{k \ge 0} c_k^{2} \rho^{k}")
    assert r"c_{2j} \equiv 0" in text                 # tanh is odd
    c1 = gaussian_mean(sp.diff(sp.tanh(t), t), dps=20)
    assert f"c_{{1}} \\approx {mpmath.nstr(c1, 12)}" in text
    with pytest.raises(InputError, match="Hermite series"):
        Potential.from_latex(text, "zonal")
    assert r"c_k(\|\theta\|)" in potential("softplus").latex()


# ------------------------------------------------------------------ certified balls

def _contains(ball, reference: str, digits: int = 27) -> bool:
    """``ball`` meets the reference, itself known to within 10^{−digits} (its rounding)."""
    from flint import arb
    with flint_digits(60):
        return ball.overlaps(arb(reference, f"1e-{digits}"))


@pytest.mark.parametrize("name", ["tanh", "softplus"])
def test_certified_ball_contains_the_independent_reference_and_is_tight(name):
    ball = potential(FORMULAS[name]).at(*POINT, dps=20, certified=True)
    assert _contains(ball, MEHLER[(name, POINT)])
    assert ball.rad() < 1e-20


def test_certified_closed_forms_are_balls_around_the_exact_formula():
    ball = potential("relu").sphere().at(sp.Rational(1, 3), dps=30, certified=True)
    exact = sp.N((sp.sqrt(8) / 3 + (sp.pi - sp.acos(sp.Rational(1, 3))) / 3) / (2 * sp.pi), 50)
    assert _contains(ball, str(exact)) and ball.rad() < 1e-30
    at_points = potential("erf").evaluate([1, 0], [0.6, 0.8], dps=25, certified=True)
    assert _contains(at_points, str(potential("erf").evaluate([1, 0], [0.6, 0.8], dps=40)), 39)
    assert at_points.rad() < 1e-25


def test_certified_refuses_where_there_is_no_proof():
    from flint import arb

    with pytest.raises(PrecisionError, match="no proven envelope"):
        potential("exp(t)/(1 + t**2)").at(1, 1, sp.Rational(1, 2), certified=True)
    with pytest.raises(PrecisionError, match="merely contains ρ = ±1"):      # ρ = 1 exactly is certified
        potential("tanh").sphere().at(arb(1, 1e-40), certified=True)
    with pytest.raises(PrecisionError, match="more than 400"):
        potential("tanh").sphere().at(sp.Rational(99, 100), certified=True)
    with pytest.raises(PrecisionError, match="no proven envelope"):   # a kinked σ other than ELU
        potential("Max(t, 0) + tanh(Min(t, 0))").sphere().at(sp.Rational(1, 2), certified=True)
    with pytest.raises(PrecisionError, match="no ball-arithmetic evaluation"):   # exact inputs: exact algebra
        given("Max(rho, 0)", "zonal").at(arb(1) / 3, certified=True)
    assert given("Max(rho, 0)", "zonal").at(sp.Rational(-1, 2), certified=True) == 0
    assert given("Abs(rho)", "zonal").at(sp.Rational(-1, 2), certified=True).contains(0.5)
    with pytest.raises(InputError, match="outside"):
        potential("relu").sphere().at(sp.Rational(3, 2), certified=True)


def test_the_cli_refuses_too_many_digits_with_exit_code_2(capsys):
    from theory.cli import main

    assert main(["derive", "tanh", "--sphere", "--at", "0.5", "--dps", "150"]) == 2
    assert "at most 100 digits" in capsys.readouterr().err
