"""Realizability and synthesis: round trips through the potential engine, and Theorem 4.4."""

import mpmath
import pytest
import sympy as sp

from theory.conditions.realizability import (
    fourier,
    fourier_realizable,
    inverse_fourier,
    k,
    product_potential_value,
    radial_realizable,
    taylor_realizable,
)
from theory.core.errors import InputError
from theory.core.symbols import r, rho, s, theta, x
from theory.core.verdict import Verdict
from theory.potentials.activations import Activation
from theory.potentials.potential import potential
from theory.testing import assert_agree

THETA, W = sp.Rational(1, 3), sp.Rational(-1, 2)


@pytest.fixture(scope="module")
def gaussian():
    return fourier_realizable(sp.exp(-s**2 / 2))


def test_fourier_convention_and_values():
    assert sp.simplify(fourier(sp.exp(-sp.Abs(s))) - 2 / (1 + k**2)) == 0
    assert sp.simplify(fourier(sp.exp(-s**2 / 2)) - sp.sqrt(2 * sp.pi) * sp.exp(-k**2 / 2)) == 0
    with mpmath.workdps(30):   # independent: ĥ(k) = ∫ e^{-|s|} cos(ks) ds at k = 3/2
        value = 2 * mpmath.quadosc(lambda u: mpmath.exp(-u) * mpmath.cos(1.5 * u), [0, mpmath.inf], omega=1.5)
        assert abs(value - 2 / (1 + mpmath.mpf(1.5) ** 2)) < mpmath.mpf(10) ** -25


@pytest.mark.slow
def test_fourier_of_the_cauchy_density_is_even():
    assert sp.simplify(fourier(1 / (1 + s**2)) - sp.pi * sp.exp(-k)) == 0   # not SymPy's π e^{-2πk}


def test_inverse_table_entry_numerically():
    g = inverse_fourier(sp.sqrt(2) / sp.sqrt(1 + k**2))
    with mpmath.workdps(30):   # (1/π)∫₀^∞ √2 cos(kx)/√(1+k²) dk at x = 0.7
        value = mpmath.quadosc(lambda q: mpmath.sqrt(2) * mpmath.cos(mpmath.mpf(7) / 10 * q)
                               / mpmath.sqrt(1 + q**2), [0, mpmath.inf], omega=0.7) / mpmath.pi
        assert abs(value - mpmath.mpf(sp.N(g.subs(x, sp.Rational(7, 10)), 40))) < mpmath.mpf(10) ** -20


def test_gaussian_synthesis_is_the_registered_activation(gaussian):
    res = gaussian
    assert res.verdict is Verdict.PROVEN
    registered = potential("gaussian_bump").activation.expr
    assert sp.simplify(res.activation.expr - registered) == 0
    assert_agree(product_potential_value(res.activation, THETA, W, dps=25),
                 sp.exp(-(THETA - W) ** 2 / 2), digits=25)


def test_laplace_synthesis_is_the_bessel_activation_and_round_trips():
    res = fourier_realizable(sp.exp(-sp.Abs(s)))
    assert res.verdict is Verdict.PROVEN
    expected = (2 / sp.pi) ** sp.Rational(3, 4) * sp.exp(x**2 / 4) * sp.besselk(0, sp.Abs(x - theta))
    assert sp.simplify(res.activation.expr - expected) == 0
    assert_agree(product_potential_value(res.activation, THETA, W, dps=25), sp.exp(-sp.Abs(THETA - W)),
                 digits=25)


def test_the_unitary_convention_gives_a_wrong_constant(gaussian):
    """With the unitary transform g is (2π)^{1/4} times larger and Φ comes out (2π)^{1/2}·h."""
    unitary = Activation("unitary", gaussian.activation.expr * (2 * sp.pi) ** sp.Rational(1, 4), "product")
    target = sp.sqrt(2 * sp.pi) * sp.exp(-(THETA - W) ** 2 / 2)
    assert_agree(product_potential_value(unitary, THETA, W, dps=25), target, digits=24)


@pytest.mark.slow
def test_gaussian_round_trip_exact_through_the_engine(gaussian):
    assert potential(gaussian.activation).expr == sp.exp(-s**2 / 2)


def test_not_positive_definite_is_refuted():
    res = fourier_realizable(sp.exp(-s**2 / 2) * (1 - 2 * s**2))   # ĥ ∝ (2k² − 1)e^{−k²/2}... sign change
    assert res.verdict is Verdict.REFUTED


def test_odd_or_foreign_h_is_rejected():
    with pytest.raises(InputError):
        fourier_realizable(s * sp.exp(-s**2))
    with pytest.raises(InputError):
        fourier_realizable(sp.exp(-r**2))


def test_radial_distance_and_coulomb_are_not_realizable():
    assert radial_realizable(r, 3).verdict is Verdict.REFUTED           # h(0) = 0 < h(r)
    assert radial_realizable(1 / r, 3).verdict is Verdict.REFUTED       # h(0) = ∞
    assert radial_realizable(-1 / sp.sqrt(1 + r**2), 3).verdict is Verdict.REFUTED  # h(0) = −1 < 0
    assert radial_realizable(sp.exp(-r**2 / 2), 3).verdict is Verdict.UNDECIDED


def test_polynomial_round_trip_exact():
    f = rho**3 / 2 + rho / 3 + sp.Rational(1, 6)
    res = taylor_realizable(f)
    assert res.verdict is Verdict.PROVEN
    assert sp.expand(potential(res.activation).sphere().expr - f) == 0


def test_negative_coefficient_is_refuted():
    assert taylor_realizable(rho**2 - rho / 5).verdict is Verdict.REFUTED
    assert taylor_realizable(sp.exp(-rho)).verdict is Verdict.REFUTED


def test_exponential_round_trip_with_tail_bound():
    f = sp.exp(2 * (rho - 1))
    res = taylor_realizable(f, terms=7)
    assert res.verdict is Verdict.PROVEN
    f_n = potential(res.activation).sphere().expr
    assert sp.expand(f_n - res.transform) == 0                    # exact round trip of the truncation
    tail = res.evidence[-1].data["tail"]
    assert float(tail) < 5e-3
    for point in (sp.Rational(-9, 10), sp.Rational(1, 2), sp.Integer(1)):
        assert abs(sp.N(f.subs(rho, point) - f_n.subs(rho, point), 30)) <= sp.N(tail, 30)


def test_series_only_partially_checked_is_undecided():
    res = taylor_realizable(1 / (1 - rho / 2), terms=6)   # all c_k = 2^{-k} > 0, but only 6 checked
    assert res.verdict is Verdict.UNDECIDED
