"""The Mehler–Hermite route at large norms and with biases, against independent values.

The series Σ c_k(a, β) c_k(b, γ) ρ^k of :func:`theory.potentials.hermite_series.value` is
checked against python-flint's rigorous enclosure (``acb.integral`` coefficients and a
proven tail), against the biased closed forms (themselves checked against 2-D quadrature
in ``test_biased_forms.py``), and, in the slow suite, against the nested 2-D quadrature.
"""

import mpmath
import pytest
import sympy as sp

from theory.core.errors import InputError
from theory.core.numeric import context
from theory.core.symbols import t
from theory.potentials import hermite_series
from theory.potentials.biased import biased, bivariate_quadrature
from theory.potentials.potential import potential

R = sp.Rational


def test_a_norm_of_two_refines_the_rule_until_the_ball_agrees():
    """tanh(2·) has poles 0.79 from the real axis: the first rule gives ~29.5 digits, the halved one 30+."""
    value = potential("tanh").at(2, 2, 2, dps=30)
    enclosure = hermite_series.certified_value(sp.tanh(t), 2, 2, 2, dps=30)
    assert abs(mpmath.mpf(value) - mpmath.mpf(enclosure.mid().str(40, radius=False))) <= (
        mpmath.mpf(10) ** -30 * abs(value) + mpmath.mpf(enclosure.rad().str(5, radius=False)))


POINTS = [(1, 1, R(1, 2), R(1, 5), R(3, 10)), (R(3, 2), R(1, 2), R(-1, 5), -1, R(1, 2)),
          (2, R(1, 3), R(1, 2), R(1, 2), -2)]


@pytest.mark.parametrize("name, sigma, kinks", [("erf", sp.erf(t), ()), ("relu", sp.Max(t, 0), (0,))])
@pytest.mark.parametrize("point", POINTS)
def test_biased_series_agrees_with_the_closed_forms(name, sigma, kinks, point):
    """Every digit of 30, a kink moved to (0 − β)/a, a value of 5e-10 relative."""
    series = hermite_series.value(sigma, kinks, *point[:3], dps=30, biases=point[3:])
    closed = biased(name).at(*point, dps=30)
    assert abs(series - closed) <= mpmath.mpf(10) ** -30 * abs(closed)


def test_biased_tanh_takes_the_series_route():
    phi = biased("tanh")
    assert "Mehler–Hermite series" in phi.method
    point = (1, 1, R(1, 2), R(1, 5), R(3, 10))
    assert phi.at(*point, dps=30) == hermite_series.value(sp.tanh(t), (), *point[:3], dps=30,
                                                          biases=point[3:])
    # ρ = 1 and a zero norm are the quadrature's (one line integral) cases
    assert mpmath.almosteq(phi.at(1, 1, 1, R(1, 5), R(1, 5), dps=15),
                           phi.at(1, 1, 1, R(1, 5), R(1, 5), dps=20), 1e-15)
    assert phi.at(0, 1, 0, R(1, 2), 0, dps=15) == 0  # tanh(0 + γ) with γ = 0: E[tanh(Y)] = 0


@pytest.mark.slow
def test_biased_tanh_series_against_nested_quadrature():
    """The nested tanh–sinh quadrature (about 90 s at 20 digits) against the series."""
    ctx = context(20)
    point = (1, 1, R(1, 2), R(1, 5), R(3, 10))
    reference = bivariate_quadrature(ctx, sp.tanh(t), (), *(ctx.mpf(sp.N(v, 40)) for v in point))
    assert abs(biased("tanh").at(*point, dps=20) - reference) <= 1e-19 * abs(reference)


def test_biased_series_reaches_the_series_digits_and_the_fallback_keeps_its_limit():
    phi, point = biased("tanh"), (1, 1, R(1, 2), R(1, 5), R(3, 10))
    eighty = phi.at(*point, dps=80)
    assert abs(eighty - phi.at(*point, dps=50)) <= mpmath.mpf(10) ** -50 * abs(eighty)
    with pytest.raises(InputError, match=r"nested quadrature .* at most 60 digits, 80 were asked"):
        phi.at(1, 1, 1, R(1, 5), R(3, 10), dps=80)  # ρ = 1: the quadrature's case
    with pytest.raises(InputError, match="at most 100 digits, 120 were asked"):
        phi.at(*point, dps=120)
