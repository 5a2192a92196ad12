"""Theorem 4.4's construction: the truncated series f_N and its residual, exactly and numerically."""

import pytest
import sympy as sp

from theory.conditions.laplacian import zonal_laplacian
from theory.core.errors import InputError
from theory.core.symbols import d, rho
from theory.proofs.electrodynamics.theorem_4_4 import (
    almost_harmonic,
    almost_harmonic_coefficients,
    almost_harmonic_growth,
)


def test_the_first_coefficients_and_residual_at_d_3():
    assert almost_harmonic_coefficients(3, 4) == [1, 0, sp.Rational(1, 2), 0, sp.Rational(7, 24)]
    assert almost_harmonic(3, 4)[1] == -sp.Rational(49, 8) * rho**4
    assert almost_harmonic_growth(3) == -1


@pytest.mark.parametrize("dim,degree", [(3, 6), (5, 8), (d, 4)])
def test_theorem_4_4_residual_is_minus_c_n_k_n_rho_n(dim, degree):
    f, residual = almost_harmonic(dim, degree)
    c_n = almost_harmonic_coefficients(dim, degree)[degree]
    k_n = degree**2 + (dim - 2) * degree + 1
    assert sp.simplify(residual + c_n * k_n * rho**degree) == 0
    paper = k_n * rho**degree                                         # the paper: Δf = f + k_N x^N
    assert sp.simplify(residual - paper) != 0
    if dim != d:   # independent numeric check of Δf − f at ρ = 0.4
        value = sp.N(zonal_laplacian(f, dim).subs(rho, sp.Rational(2, 5)) - f.subs(rho, sp.Rational(2, 5)),
                     30)
        assert abs(value + sp.N(c_n * k_n * sp.Rational(2, 5) ** degree, 30)) < 1e-25


def test_theorem_4_4_series_diverges_at_rho_one_for_d_at_least_three():
    assert almost_harmonic_growth(d) == (d - 5) / 2
    assert almost_harmonic_growth(2) < -1 <= almost_harmonic_growth(3)
    for dim, exponent in ((3, -1), (4, -sp.Rational(1, 2))):   # m^{-β}·c_{2m} levels off
        c = almost_harmonic_coefficients(dim, 4000)
        ratios = [float(c[2 * m] / sp.Integer(m) ** exponent) for m in (500, 1000, 2000)]
        assert abs(ratios[2] - ratios[1]) < abs(ratios[1] - ratios[0])
        assert abs(ratios[2] / ratios[1] - 1) < 2e-3
    partial = [float(sum(almost_harmonic_coefficients(3, 2 * m))) for m in (100, 1000)]
    assert partial[1] - partial[0] > 0.2 * (sp.log(1000) - sp.log(100))   # ~ C log m: unbounded


def test_theorem_4_4_bad_degree():
    with pytest.raises(InputError):
        almost_harmonic(3, 5)
