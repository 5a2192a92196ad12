"""Forms and manifolds as objects: looked up by name, equal to it, and their hooks agree with each other."""

from __future__ import annotations

import pickle

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb

from theory.core.errors import InputError, PrecisionError
from theory.potentials.forms import FORMS, PRODUCT, RADIAL, RIDGE, ZONAL, form
from theory.potentials.manifolds import EUCLIDEAN, SPHERE, manifold
from theory.potentials.potential import given, potential

#: One exact potential of each form, with two points where it is evaluated three ways.
CASES = {
    "ridge": (potential("relu"), [3, 0, 4], [1, 2, 2]),
    "zonal": (given("exp(rho)/2 + rho^3", "zonal"), [0, 1, 0], [sp.Rational(3, 5), sp.Rational(4, 5), 0]),
    "radial": (given("exp(-r^2/2)", "radial"), [1, 2, 2], [0, 0, 0]),
    "product": (given("exp(-Abs(s))", "product"), [1, -1, 0], [0, 1, 2]),
}


@pytest.mark.parametrize("name", FORMS)
def test_a_form_is_found_by_its_name_and_stands_for_it(name):
    found = form(name)
    assert found is form(name.upper()) is FORMS[name]
    assert str(found) == name and found == name and {name: 1}[found] == 1
    assert pickle.loads(pickle.dumps(found)) is found
    assert found != next(f for f in FORMS.values() if f is not found)


def test_an_unknown_form_names_the_choices():
    with pytest.raises(InputError, match="ridge, zonal, radial, product, got 'spherical'"):
        form("spherical")
    with pytest.raises(InputError, match="form must be one of"):
        given("r", 3)


def test_potentials_accept_a_form_or_its_name():
    assert given("r", "radial") == given("r", RADIAL)
    assert given("r", "radial").form is RADIAL and potential("relu").sphere().form is ZONAL
    assert potential("gaussian_bump").form is PRODUCT and potential("relu").form is RIDGE


@pytest.mark.parametrize("name", CASES)
def test_the_three_routes_from_two_points_agree(name):
    """Φ from the form's mpmath variables, its float64 matrix and its coordinate formula."""
    phi, a, b = CASES[name]
    exact, th, wv = phi.in_coordinates(len(a))
    symbolic = sp.N(exact.subs({**dict(zip(th, a, strict=True)), **dict(zip(wv, b, strict=True))}), 40)
    value = phi.evaluate(a, b, dps=30)
    assert abs(value - symbolic) < 1e-28 * max(1, abs(symbolic))
    matrix = phi.matrix(np.array([a], dtype=float), np.array([b], dtype=float))
    assert abs(matrix[0, 0] - float(symbolic)) <= 1e-14 * max(1.0, abs(float(symbolic)))


def test_certified_values_exist_for_angle_forms_only():
    phi, a, b = CASES["ridge"]
    ball = phi.evaluate(a, b, dps=20, certified=True)
    assert ball.overlaps(arb(str(phi.evaluate(a, b, dps=30)), "1e-29")) and float(ball.rad()) < 1e-19
    with pytest.raises(PrecisionError, match="no certified value for a radial potential"):
        CASES["radial"][0].evaluate([0, 0], [1, 1], dps=20, certified=True)


def test_a_certified_product_value_multiplies_over_the_coordinates():
    """Φ = ∏ᵢ e^{−sᵢ²/2} at s = (1, 2): e^{−5/2} (once only the first coordinate was read)."""
    ball = potential("gaussian_bump").at(1, 2, dps=20, certified=True)
    with mpmath.workdps(30):
        assert ball.overlaps(arb(mpmath.nstr(mpmath.exp(mpmath.mpf(-5) / 2), 28), "1e-27"))
    assert ball.rad() < 1e-20
    assert not ball.overlaps(potential("gaussian_bump").at(1, dps=20, certified=True))


def test_each_form_checks_its_own_values():
    with pytest.raises(InputError, match="Cauchy"):
        RIDGE.check((1, 1, 2))
    with pytest.raises(InputError, match="outside"):
        ZONAL.check((sp.Rational(3, 2),))
    with pytest.raises(InputError, match="non-negative"):
        RADIAL.check((-1,))
    with pytest.raises(InputError, match="takes 1 value"):
        RADIAL.check((1, 2))
    PRODUCT.check((1, 2, 3))  # one value a coordinate, any number of them


def test_the_sphere_projects_onto_tangent_spaces_and_retracts_onto_itself():
    rng = np.random.default_rng(3)
    X = SPHERE.retract(rng.normal(size=(5, 4)))
    assert np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-15)
    G = rng.normal(size=(5, 4))
    P = SPHERE.project(X, G)
    assert np.abs((X * P).sum(axis=1)).max() < 1e-14           # tangent at each point
    assert np.allclose(SPHERE.project(X, P), P, atol=1e-15)     # a projection
    assert EUCLIDEAN.project(X, G) is G and EUCLIDEAN.retract(G) is G
    with pytest.raises(InputError, match="unit vectors"):
        SPHERE.check(2 * X, "electrons")


def test_a_manifold_is_its_name():
    assert manifold("sphere") is SPHERE == "sphere" and str(EUCLIDEAN) == "euclidean"
    assert pickle.loads(pickle.dumps(SPHERE)) is SPHERE
    assert given("rho", "zonal").manifold is SPHERE
    with pytest.raises(InputError, match="'euclidean' or 'sphere', got 'torus'"):
        manifold("torus")
