"""Formulas users type: calls at both ends, registered names as functions, Piecewise input."""

import mpmath
import pytest
import sympy as sp

from theory.core.errors import InputError
from theory.core.symbols import dot, na, nb, t
from theory.potentials import gaussian
from theory.potentials.activations import REGISTRY, activation

H = sp.Heaviside


@pytest.mark.parametrize("formula,expected", [
    ("sin(t) + cos(t)", sp.sin(t) + sp.cos(t)),
    ("exp(t)*cos(t)", sp.exp(t) * sp.cos(t)),
    ("step(t)*t + step(-t)*(exp(t)-1)", t * H(t, sp.S.Half) + (sp.exp(t) - 1) * H(-t, sp.S.Half)),
    ("exp(t)*(1+t)", sp.exp(t) * (1 + t)),
    ("cos(t)*(t+1)", sp.cos(t) * (t + 1)),
    ("sin(t) + (t)", sp.sin(t) + t),
    ("tanh(t)*(t)", sp.tanh(t) * t),
])
def test_a_formula_whose_ends_are_parentheses_of_two_calls_is_a_formula(formula, expected):
    assert activation(formula).expr == expected


@pytest.mark.parametrize("formula,expected", [
    ("t*sigmoid(t)", t / (1 + sp.exp(-t))),                                      # swish
    ("relu(t-1)", sp.Max(t - 1, 0)),
    ("relu(t) - relu(-t)", t),
    ("gelu(2*t)", t * (1 + sp.erf(sp.sqrt(2) * t))),
    ("softplus(t) - softplus(-t)", sp.log(1 + sp.exp(t)) - sp.log(1 + sp.exp(-t))),
    ("leaky_relu(1/5, t) + leaky_relu(t)", 2 * sp.Max(t, 0) + sp.Min(t, 0) * (sp.Rational(1, 5) + sp.Rational(1, 100))),
    ("hermite(2, t/2)", ((t / 2) ** 2 - 1) / sp.sqrt(2)),
    ("hermite(3) + t", sp.sqrt(6) * (t**3 - 3 * t) / 6 + t),                    # parameters only: σ(t)
    ("relu_power(2, t - 1)", sp.Max(t - 1, 0) ** 2),
    ("erf(3, t) - erf(3*t)", sp.S.Zero),                                          # erf(s, u) = erf(s·u)
    ("gaussian(t)*linear(t)", t * sp.exp(-t**2 / 2)),
])
def test_registered_activations_are_functions_inside_formulas(formula, expected):
    assert _same_function(activation(formula).expr, expected)


def _same_function(f: sp.Expr, g: sp.Expr) -> bool:
    """f = g on t > 0 and on t < 0 (so that Max, Abs, Heaviside of ±s evaluate)."""
    s = sp.Symbol("s", positive=True)
    return all(sp.simplify((f - g).subs(t, side)) == 0 for side in (s, -s))


def test_every_ridge_entry_applied_to_t_is_the_entry():
    for name, entry in REGISTRY.items():
        if entry.kind != "ridge":
            continue
        params = {"hermite": "4, ", "relu_power": "3, "}.get(name, "")
        named = activation(f"hermite(4)" if name == "hermite" else "relu_power(3)" if name == "relu_power" else name)
        assert activation(f"{name}({params}t) + 0*t").expr == named.expr, name


def test_a_name_of_the_math_functions_keeps_its_meaning_in_a_formula():
    assert activation("t*erf(2)").expr == t * sp.erf(2)                            # the number erf(2)
    assert activation("exp(1)*t").expr == sp.E * t


@pytest.mark.parametrize("formula,problem", [
    ("t*hermite(t)", "hermite takes \\(m, u\\)"), ("relu(t, t)", "relu takes \\(u\\)"),
    ("t*hermite(10**6, t)", "hermite degree m must be an integer in \\[0, 400\\]"),
    ("gaussian_bump(t)", "product activation"), ("t*erf(-1, t)", "positive"),
])
def test_a_misused_registered_function_names_its_form(formula, problem):
    with pytest.raises(InputError, match=problem):
        activation(formula)


# ---------------------------------------------------------------- Piecewise given as SymPy input

def test_a_piecewise_with_three_pieces_is_refused_by_the_exact_routes_not_a_type_error():
    with pytest.raises(gaussian.Unsupported, match="does not switch at t = 0"):
        gaussian.decompose(sp.Piecewise((t, t > 1), (0, t > 0), (-t, True)))


def test_a_piecewise_reads_its_pieces_in_order():
    pieces = sp.Piecewise((t**2, t > 0), (t, t > 0), (1, 0 < t), (-t, True), evaluate=False)
    terms = {(term.family, term.power, term.side, term.coeff) for term in gaussian.decompose(pieces)}
    assert terms == {("half", 2, 1, 1), ("half", 1, -1, -1)}


def _half_square_moment(a, b, c) -> mpmath.mpf:
    """E[U²1{U>0}·V²1{V>0}] by 1-D quadrature over U = aX, with E[W²1{W>0}] for W ~ N(μ, s²) in closed form."""
    rho = c / (a * b)
    s = b * mpmath.sqrt(1 - rho**2)

    def inner(x):
        mu = b * rho * x
        z = mu / s
        return (mu**2 + s**2) * mpmath.ncdf(z) + mu * s * mpmath.npdf(z)

    return mpmath.quad(lambda x: mpmath.npdf(x) * (a * x) ** 2 * inner(x), [0, mpmath.inf])


def test_a_squared_relu_written_as_piecewise_gets_the_orthant_closed_form():
    spec = sp.Piecewise((t * sp.Abs(t), t > 0), (0, True))
    result = gaussian.expectation(spec)
    assert result.method == "orthant integrals (exact)"
    assert sp.simplify(result.expr - gaussian.expectation(sp.Max(t, 0) ** 2).expr) == 0
    point = {na: sp.Integer(1), nb: sp.Rational(3, 2), dot: sp.Rational(1, 2)}
    for dps in (30, 45):
        with mpmath.workdps(dps):
            closed = sp.N(result.expr.subs(point), dps)
            numeric = _half_square_moment(mpmath.mpf(1), mpmath.mpf(3) / 2, mpmath.mpf(1) / 2)
            assert abs(mpmath.mpf(str(closed)) - numeric) < mpmath.mpf(10) ** (5 - dps)


def test_a_piecewise_undefined_on_a_half_line_is_not_decomposed():
    with pytest.raises(gaussian.Unsupported, match="undefined"):
        gaussian.decompose(sp.Piecewise((t, t > 0), (t**2, t > 0), evaluate=False))
