import pytest
import sympy as sp

from theory.cli.derive import EXAMPLE_PARAMETERS
from theory.core.errors import InputError
from theory.core.symbols import t, theta, x
from theory.potentials.activations import REGISTRY, Activation, activation
from theory.potentials.forms import PRODUCT, RIDGE


@pytest.mark.parametrize("name,kinks,parity,degree", [
    ("relu", (0,), None, 1), ("abs", (0,), "even", 1), ("sign", (0,), "odd", 0),
    ("relu_power(3)", (0,), None, 3), ("tanh", (), "odd", None), ("gaussian", (), "even", None),
    ("t**3 - 3*t", (), "odd", None), ("leaky_relu(1/10)", (0,), None, 1), ("max(t - 1, 0)", (1,), None, None),
])
def test_metadata(name, kinks, parity, degree):
    act = activation(name)
    assert act.kinks == tuple(sp.S(k) for k in kinks)
    assert act.parity == parity and act.degree == degree


def test_every_registered_name_builds_with_its_metadata():
    for name in REGISTRY:
        act = activation(EXAMPLE_PARAMETERS.get(name, name))
        assert act.expr.free_symbols, name
        assert act.kind is REGISTRY[name].kind


def test_formula_and_call_forms():
    assert activation("erf(2)").expr == sp.erf(2 * t)          # scale parameter
    assert activation("erf(2*t)").expr == sp.erf(2 * t)        # formula
    assert activation("hermite", 2).expr == activation("hermite(2)").expr
    assert activation(sp.Max(t, 0)).expr == activation("relu").expr


@pytest.mark.parametrize("formula,expected", [
    ("sin(t) + cos(t)", sp.sin(t) + sp.cos(t)), ("exp(t)*exp(-t**2)", sp.exp(t - t**2)),
    ("erf(t)/2 + tanh(t)", sp.erf(t) / 2 + sp.tanh(t)), ("exp(-t^2/2)*(1 + t)", sp.exp(-t**2 / 2) * (1 + t)),
])
def test_a_formula_that_starts_with_a_registered_name_is_a_formula(formula, expected):
    assert sp.simplify(activation(formula).expr - expected) == 0


@pytest.mark.parametrize("spec,problem", [
    ("exp(t**2)", "diverges"), ("exp(t**2/4)", "diverges"), ("hermite(1/2)", "integer"),
    ("relu_power(0)", "integer"), ("leaky_relu(1, 2)", "takes"), ("1/t", "singular at t = 0"),
    ("log(t)", "real"),
])
def test_bad_activations_are_refused(spec, problem):
    with pytest.raises(InputError, match=problem):
        activation(spec)


def test_growth_just_below_the_divergence_threshold_is_accepted():
    assert activation("exp(t**2/5)").growth == sp.Rational(1, 5)


def test_the_kind_of_an_activation_is_the_form_of_its_potential():
    assert activation("relu").kind is RIDGE and activation("gaussian_bump").kind is PRODUCT
    assert Activation("g", sp.exp(-(x - theta) ** 2), "product").kind is PRODUCT   # a name is read
    with pytest.raises(InputError, match="kind must be one of ridge, product, got 'zonal'"):
        Activation("f", t, "zonal")


def test_silu_is_another_spelling_of_swish():
    assert activation("silu") == activation("swish") and activation("silu").name == "swish"
    assert activation("2*silu(t)").expr == 2 * activation("swish").expr
    with pytest.raises(InputError, match=r"silu = swish"):
        activation("silux")
