"""The Laplacian shortcuts against the full coordinate Laplacian at random points."""

import random

import pytest
import sympy as sp

from theory.conditions.laplacian import (
    coordinate_laplacian,
    laplacian,
    product_laplacian,
    product_ratio,
    radial_laplacian,
    ridge_laplacian,
    zonal_laplacian,
)
from theory.core.errors import DerivationError, InputError
from theory.core.symbols import coordinates, d, dot, na, nb, r, rho, s
from theory.potentials.potential import Potential, given, potential

RNG = random.Random(2024)


def _point(dim):
    return [sp.Rational(RNG.randint(-900, 900), 401) for _ in range(dim)]


def _close(a, b, digits=30):
    a, b = sp.N(a, digits + 10), sp.N(b, digits + 10)
    return abs(a - b) <= sp.Float(10) ** (-digits) * max(1, abs(b))


@pytest.mark.parametrize("h", ["exp(-r^2/2)", "r", "log(r)", "1/(1 + r^2)", "r^3*exp(-r)"])
@pytest.mark.parametrize("dim", [2, 3])
def test_radial_shortcut_matches_coordinates(h, dim):
    phi = given(h, "radial")
    full, th, wv = phi.in_coordinates(dim)
    box = coordinate_laplacian(full, th)
    short = laplacian(phi, dim)
    for _ in range(2):
        a, b = _point(dim), _point(dim)
        at = dict(zip(th + wv, a + b, strict=True))
        dist = sp.sqrt(sum((u - v) ** 2 for u, v in zip(a, b, strict=True)))
        assert _close(box.subs(at), short.subs(r, dist))


def test_coulomb_is_harmonic_for_symbolic_d():
    assert sp.simplify(radial_laplacian(r ** (2 - d))) == 0
    assert radial_laplacian(sp.log(r), 2) == 0
    assert radial_laplacian(r ** -1, 3) == 0
    assert radial_laplacian(r ** -1, 4) != 0


def test_distance_potential():
    assert sp.simplify(radial_laplacian(r) - (d - 1) / r) == 0


@pytest.mark.parametrize("f", ["rho^3", "asin(rho)", "exp(2*(rho - 1))", "sqrt(1 - rho^2) + rho*acos(rho)"])
@pytest.mark.parametrize("dim", [2, 3])
def test_zonal_shortcut_is_the_restricted_ambient_laplacian(f, dim):
    """For the 0-homogeneous extension F(θ) = f(θᵀw/‖θ‖) (‖w‖ = 1), Δ_{R^d} F = Δ_S f on ‖θ‖ = 1."""
    phi = given(f, "zonal")
    th, wv = coordinates("theta", dim), coordinates("w", dim)
    norm = sp.sqrt(sum(u**2 for u in th))
    extension = phi.expr.subs(rho, sum(u * v for u, v in zip(th, wv, strict=True)) / norm)
    box = coordinate_laplacian(extension, th)
    short = zonal_laplacian(phi.expr, dim)
    a, b = _point(dim), _point(dim)
    a = [u / sp.sqrt(sum(v**2 for v in a)) for u in a]
    b = [u / sp.sqrt(sum(v**2 for v in b)) for u in b]
    at = dict(zip(th + wv, a + b, strict=True))
    assert _close(box.subs(at), short.subs(rho, sum(u * v for u, v in zip(a, b, strict=True))))


def test_sign_potential_laplacian_on_the_sphere():
    f = 2 * sp.asin(rho) / sp.pi
    expected = -2 * (d - 2) * rho / (sp.pi * sp.sqrt(1 - rho**2))
    assert sp.simplify(zonal_laplacian(f) - expected) == 0
    assert zonal_laplacian(f, 2) == 0


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_product_shortcut_matches_coordinates_off_the_kinks(dim):
    phi = potential("bessel_k0")  # e^{-|s|} per coordinate
    full, th, wv = phi.in_coordinates(dim)
    a, b = _point(dim), _point(dim)
    at = dict(zip(th + wv, a + b, strict=True))
    box = coordinate_laplacian(full, th).subs(at)   # sign' = 2δ vanishes off the kinks
    box = box.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: 0)
    differences = [u - v for u, v in zip(a, b, strict=True)]
    short = product_laplacian(phi.expr, dim).subs(dict(zip(coordinates("s", dim), differences, strict=True)))
    assert _close(box, short)
    assert _close(short, dim * phi.in_coordinates(dim)[0].subs(at))  # Δ = dΦ off the hyperplanes


def test_product_ratio_of_the_gaussian_and_kinked_pieces():
    assert product_ratio(sp.exp(-s**2 / 2)) == s**2 - 1
    assert product_ratio(sp.exp(-sp.Abs(s))) == 1
    q = product_ratio(sp.exp(-sp.Abs(s - 1)) * (1 + s**2))
    assert isinstance(q, sp.Piecewise)
    assert q.subs(s, 2) != q.subs(s, 0)


def test_product_laplacian_with_symbolic_d_has_the_sum_form():
    expr = product_laplacian(sp.exp(-s**2 / 2))
    assert expr.has(sp.Sum) and expr.has(sp.Product)


@pytest.mark.parametrize("dim", [2, pytest.param(3, marks=pytest.mark.slow)])
def test_ridge_shortcut_matches_coordinates(dim):
    phi = potential("relu_power(2)")
    full, th, wv = phi.in_coordinates(dim)
    a, b = _point(dim), _point(dim)
    at = dict(zip(th + wv, a + b, strict=True))
    box = coordinate_laplacian(full, th).subs(at)
    values = {na: sp.sqrt(sum(u**2 for u in a)), nb: sp.sqrt(sum(u**2 for u in b)),
              dot: sum(u * v for u, v in zip(a, b, strict=True))}
    assert _close(box, ridge_laplacian(phi.expr, dim).subs(values))


@pytest.mark.parametrize("bad", [0, -2, 1.5, "3", True, sp.Symbol("k")])
def test_bad_dimension(bad):
    with pytest.raises(InputError):
        laplacian(given("r", "radial"), bad)


def test_sphere_needs_d_at_least_two_and_the_right_variable():
    with pytest.raises(InputError):
        zonal_laplacian(rho**2, 1)
    with pytest.raises(InputError):
        zonal_laplacian(r**2, 3)


def test_numeric_potential_has_no_symbolic_laplacian():
    with pytest.raises(DerivationError):
        laplacian(Potential(None, "zonal", "numeric"), 3)
