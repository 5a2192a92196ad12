"""The potential engine against independent references: quadrature, the formula table, Mehler."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.cli.derive import EXAMPLE_PARAMETERS
from theory.conditions.realizability import product_potential_value
from theory.core.errors import DerivationError, InputError, PrecisionError
from theory.core.latex import parse
from theory.core.symbols import dot, na, nb, rho, s
from theory.potentials.activations import REGISTRY
from theory.potentials.formulas import PRODUCT, RIDGE
from theory.potentials.hermite import dual_series, hermite_coefficients
from theory.potentials.potential import given
from theory.potentials.quadrature import bivariate
from theory.potentials.routes import Route
from theory.testing import assert_agree

from tests.helpers import POINT, mp

#: Registered activations without a closed-form Φ (smooth, or ELU's exponential branch).
NUMERIC = ["tanh", "sigmoid", "softplus", "swish", "elu", "mish"]
QUICK = ["relu", "sign", "step"]  # every closed form: tests/test_quadrature.py


@pytest.mark.parametrize("name", QUICK)
def test_exact_potential_agrees_with_quadrature(name):
    phi = potential(name)
    assert phi.exact, phi.method
    reference = bivariate(phi.activation.expr, None, *POINT, dps=10)
    assert_agree(phi.at(*POINT, dps=20), reference, digits=9)


@pytest.mark.parametrize("formula", RIDGE, ids=lambda f: f.activation)
def test_engine_reproduces_the_formula_table(formula):
    phi = potential(formula.activation if formula.activation not in ("leaky_relu", "erf")
                    else {"leaky_relu": "leaky_relu(1/100)", "erf": "erf(1)"}[formula.activation])
    f_table = sp.lambdify((na, nb, dot), formula.result, "mpmath")
    for point in (POINT, (sp.Rational(1, 3), 2, sp.Rational(-1, 2)), (1, 1, sp.Rational(99, 100))):
        with mpmath.workdps(50):
            table = f_table(*(mp(v) for v in point))
        assert_agree(phi.at(*point, dps=40), table, digits=35)


@pytest.mark.parametrize("formula", PRODUCT, ids=lambda f: f.activation)
def test_product_rows_agree_with_one_dimensional_quadrature(formula):
    u, v = sp.Rational(7, 10), sp.Rational(-1, 5)
    reference = product_potential_value(potential(formula.activation).activation, u, v, dps=25)
    assert_agree(formula.result.subs(s, u - v).evalf(30), reference, digits=15)


def test_registry_derives_exactly_except_the_numeric_ones():
    for name in REGISTRY:
        phi = potential(EXAMPLE_PARAMETERS.get(name, name))
        assert phi.exact == (name not in NUMERIC), (name, phi.method)


def test_numeric_potential_says_so_and_factorises_at_zero_correlation():
    phi = potential("sigmoid").sphere()
    assert phi.method is Route.NUMERIC and phi.expr is None
    assert_agree(phi.at(0, dps=20), sp.Rational(1, 4), digits=19)  # E[sigmoid(X)] = 1/2 by symmetry


@pytest.mark.slow
def test_numeric_potential_matches_its_hermite_series():
    phi = potential("tanh").sphere()
    coefficients = hermite_coefficients("tanh", 40, dps=15)
    series = sum(c**2 * mpmath.mpf("0.5") ** k for k, c in enumerate(coefficients))
    assert abs(phi.at(sp.Rational(1, 2), dps=10) - series) < 1e-9


@pytest.mark.parametrize("m", range(7))
def test_hermite_potential_on_the_sphere_is_rho_to_the_m(m):
    assert sp.simplify(potential(f"hermite({m})").sphere().expr - rho**m) == 0


@pytest.mark.parametrize("poly", ["t**3 - 2*t + 1", "t**4", "2*t**2 - t"])
def test_polynomial_potential_equals_its_mehler_series(poly):
    degree = sp.degree(sp.sympify(poly.replace("t", "T")), sp.Symbol("T"))
    assert sp.expand(potential(poly).sphere().expr - dual_series(poly, degree + 1)) == 0


def test_relu_dual_series_converges_to_the_closed_form():
    exact = potential("relu").sphere().at(sp.Rational(3, 10), dps=20)
    series = dual_series("relu", 12).subs(rho, sp.Rational(3, 10))
    assert abs(sp.N(series, 20) - sp.N(sp.Float(str(exact), 20), 20)) < 1e-7


def test_fifty_requested_digits_are_fifty_true_digits():
    value = potential("relu").evaluate([1, 2, 0], [0, 1, 1], dps=50)
    with mpmath.workdps(80):
        a, b, c = mpmath.sqrt(5), mpmath.sqrt(2), mpmath.mpf(2)
        cos = c / (a * b)
        exact = a * b * (mpmath.sqrt(1 - cos**2) + (mpmath.pi - mpmath.acos(cos)) * cos) / (2 * mpmath.pi)
        assert abs(value - exact) < mpmath.mpf(10) ** -49 * abs(exact)      # 50 significant digits
        assert mpmath.nstr(value, 50) == mpmath.nstr(exact, 50)


def test_numpy_evaluator_matches_mpmath():
    rng = np.random.default_rng(1)
    thetas, ws = rng.normal(size=(4, 3)), rng.normal(size=(5, 3))
    for name in ("relu", "erf", "gelu", "sign", "gaussian"):
        phi = potential(name)
        matrix = phi.matrix(thetas, ws)
        for i, j in [(0, 0), (3, 4), (2, 1)]:
            assert abs(matrix[i, j] - float(phi.evaluate(thetas[i], ws[j], dps=20))) < 1e-12


def test_self_interaction_and_zero_vectors():
    relu = potential("relu")
    assert_agree(relu.evaluate([3, 4], [3, 4], dps=25), sp.Rational(25, 2), digits=24)  # E[relu(U)²] = ‖θ‖²/2
    assert relu.evaluate([0, 0], [1, 0], dps=20) == 0
    step = potential("step")  # σ(0) = 1/2: Φ(0, w) = ½·P(wᵀx > 0) = 1/4
    assert_agree(step.evaluate([0, 0], [1, 0], dps=20), sp.Rational(1, 4), digits=19)


def test_latex_and_printing():
    phi = potential("erf").sphere()
    assert sp.latex(phi) == phi.latex() and phi.latex().startswith(r"\Phi(\rho) = ")
    assert sp.simplify(parse(phi.latex(), (rho,)) - phi.expr) == 0   # the printed Φ reads back
    assert phi._repr_latex_().startswith("$")
    assert r"\|\theta\|" in potential("relu").latex()
    assert r"\prod_{i=1}^{d}" in potential("bessel_k0").latex()


def test_given_potentials():
    coulomb = given("r^(-1)", "radial")
    assert coulomb.manifold == "euclidean"
    assert_agree(coulomb.evaluate([0, 0, 0], [0, 3, 4], dps=20), sp.Rational(1, 5), digits=19)
    with pytest.raises(InputError, match="unknown symbol 'r'"):
        given("rho + r", "zonal")
    with pytest.raises(InputError, match="form"):
        given("r", "spherical")


@pytest.mark.parametrize("call,problem", [
    (lambda: potential("relu").sphere().at(sp.Rational(3, 2)), "outside"),
    (lambda: potential("relu").at(-1, 1, 0), "non-negative"),
    (lambda: potential("relu").at(1, 1, 2), "Cauchy"),
    (lambda: potential("relu").evaluate([1, 0], [1, 0, 0]), "dimension"),
    (lambda: potential("relu").evaluate([], []), "empty"),
    (lambda: potential("relu").evaluate([1], [1], dps=0), "dps"),
    (lambda: potential("relu").sphere().evaluate([1, 1], [1, 0]), "unit"),
    (lambda: potential("exp(t**2)"), "diverges"),
    (lambda: potential("hermite(-1)"), "integer"),
    (lambda: potential("hermite(1/2)"), "integer"),
    (lambda: potential("sqrt(t)"), "real"),
    (lambda: potential("t*y"), "symbol"),
    (lambda: potential("nonsense"), "unknown activation"),
    (lambda: potential("bessel_k0").sphere(), "zonal"),
])
def test_bad_input_is_refused_with_a_reason(call, problem):
    with pytest.raises(InputError, match=problem):
        call()


def test_numeric_potential_has_no_coordinate_expression():
    with pytest.raises(DerivationError, match="numeric"):
        potential("tanh").in_coordinates(2)


def test_a_certified_value_never_trusts_evalf_for_its_inputs():
    """besselk(0, 1) has no ball evaluation: certified=True refuses it instead of evalf'ing it."""
    for phi, point in [(potential("relu").sphere(), (sp.besselk(0, 1) / 2,)),
                       (potential("tanh"), (1, 1, sp.besselk(0, 1) / 2))]:
        with pytest.raises(PrecisionError, match="besselk"):
            phi.at(*point, dps=20, certified=True)
        assert phi.at(*point, dps=20) > 0  # the uncertified value is still given
