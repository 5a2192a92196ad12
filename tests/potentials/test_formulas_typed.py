"""Formulas users type: calls at both ends, registered names as functions, Piecewise input."""

import mpmath
import pytest
import sympy as sp

from theory.core.errors import InputError
from theory.core.symbols import dot, na, nb, t
from theory.potentials import gaussian
from theory.potentials.activations import REGISTRY, activation
from theory.potentials.routes import Route

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
    ("leaky_relu(1/5, t) + leaky_relu(t)",
     2 * sp.Max(t, 0) + sp.Min(t, 0) * (sp.Rational(1, 5) + sp.Rational(1, 100))),
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
        spelled = {"hermite": "hermite(4)", "relu_power": "relu_power(3)"}.get(name, name)
        named = activation(spelled)
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
    pieces = sp.Piecewise((t**2, t > 0), (t, t > 0), (1, t > 0), (-t, True), evaluate=False)
    terms = {(term.family, term.power, term.side, term.coeff) for term in gaussian.decompose(pieces)}
    assert terms == {("half", 2, 1, 1), ("half", 1, -1, -1)}


def _half_square_moment(a, b, c) -> mpmath.mpf:
    """E[U²1{U>0}·V²1{V>0}] by 1-D quadrature over U = aX, with E[W²1{W>0}] for W ~ N(μ, s²)
    in closed form."""
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
    assert result.method is Route.ORTHANT
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


# ---------------------------------------------------------------- sizes: ranges, poles, work bounds

from theory.core.symbols import rho  # noqa: E402
from theory.potentials.activations import HERMITE_MAX, RELU_POWER_MAX  # noqa: E402
from theory.potentials.potential import potential  # noqa: E402


@pytest.mark.parametrize("spec,problem", [
    ("hermite(10**6)", f"hermite degree m must be an integer in \\[0, {HERMITE_MAX}\\], got 1000000"),
    (f"hermite({HERMITE_MAX + 1})", "hermite degree m"), ("hermite(-1)", "hermite degree m"),
    ("relu_power(10**5)",
     f"relu_power exponent n must be an integer in \\[1, {RELU_POWER_MAX}\\], got 100000"),
    ("erf(0)", "erf scale s must be a positive"),
    ("(t**200)**200", "t\\*\\*40000 has an exponent beyond the limit"),
    ("gamma(10**8)", "too large"), ("gamma(gamma(gamma(5)))", "too large"),
    ("1/(t**7-t-1)", "singular at t = 1.1127757"), ("exp(t)/(t**2 - 2)", "singular at t = -1.4142136"),
    ("(t - 1)/(t**2 - 1)", "singular at t = -1"),
])
def test_a_parameter_or_formula_out_of_range_is_refused_naming_it(spec, problem):
    with pytest.raises(InputError, match=problem):
        activation(spec)


@pytest.mark.parametrize("spec", ["sin(t)/t", "(1 - cos(t))/t**2", "t/(t**2 + 1)", f"hermite({HERMITE_MAX})",
                                  f"relu_power({RELU_POWER_MAX})", "+".join(["t"] * 990)])
def test_the_edges_of_the_ranges_are_accepted(spec):
    assert activation(spec).expr.has(t)


def test_a_long_polynomial_gets_the_factored_taylor_series_equal_to_the_moments():
    terms = gaussian.decompose(activation("hermite(26)").expr)
    factored = gaussian.taylor_in_covariance(terms, terms, na, nb, dot)
    moments = sp.Add(*[u.coeff * v.coeff * gaussian.centred_moment(u.power, v.power, na**2, dot, nb**2)
                       for u in terms for v in terms])
    for point in ({na: sp.Rational(3, 2), nb: sp.Rational(2, 3), dot: sp.Rational(1, 5)},
                  {na: 2, nb: sp.Rational(1, 3), dot: -sp.Rational(1, 2)}):
        assert factored.subs(point) == moments.subs(point)            # exact rationals
    assert len(sp.Add.make_args(factored)) == 14                       # ⌊26/2⌋ + 1 terms in (a² − 1)(b² − 1)


def test_hermite_of_high_degree_is_exact_and_short():
    phi = gaussian.expectation(activation("hermite(60)").expr)
    assert len(sp.Add.make_args(phi.expr)) == 31
    assert sp.expand(phi.expr.subs({na: 1, nb: 1})) == dot**60


@pytest.mark.slow
def test_hermite_300_on_the_sphere_is_rho_to_the_300():
    assert potential("hermite(300)").sphere().expr == rho**300


def test_a_huge_expansion_is_refused_by_the_exact_routes_before_it_is_built():
    assert gaussian.expanded_size(sp.sin(t)**200 * sp.cos(t)**200) == 201**2
    with pytest.raises(gaussian.Unsupported, match="40401 terms"):
        gaussian.decompose(sp.sin(t)**200 * sp.cos(t)**200)
    with pytest.raises(gaussian.Unsupported, match="pairs of terms"):
        gaussian.expectation(sp.sin(t)**30 * sp.cos(t)**30)


def test_the_size_estimate_bounds_the_true_expansion():
    for expr in (sp.sin(t)**7 * sp.cos(t)**5, (t + 1)**9 * (t**2 - t + 3)**4, sp.cosh(t)**3 + t**4):
        actual = len(sp.Add.make_args(sp.expand(expr.rewrite(sp.exp))))
        assert actual <= gaussian.expanded_size(expr)


@pytest.mark.parametrize("pieces,problem", [
    (sp.Piecewise((t, t > 0)), "undefined where none of the conditions t > 0 holds"),
    (sp.Piecewise((t, t > 0), (sp.nan, True)), "undefined somewhere"),
])
def test_a_piecewise_activation_must_be_defined_everywhere(pieces, problem):
    with pytest.raises(InputError, match=problem):
        activation(pieces)


def test_a_three_piece_activation_is_accepted_with_its_kinks():
    assert activation(sp.Piecewise((t, t > 1), (0, t > 0), (-t, True))).kinks == (0, 1)
