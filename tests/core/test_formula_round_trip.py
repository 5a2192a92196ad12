"""Guard for the formula grammar: random expression trees, printed, parsed back, compared.

Each tree over the allowed grammar (numbers, t, pi, E, + - * / ** and unary -,
the calls of parsing.FUNCTIONS and every registered ridge activation used as a
function) is built twice: once directly with SymPy (the meaning), once by
printing it as text and parsing the text (the parser). The two must be the
same SymPy expression; and SymPy's own printing of it must parse back to an
equal expression (structurally, else after expand/simplify: SymPy's printer
loses the grouping of 2*(t + 1)).
"""

import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from theory.core.errors import InputError
from theory.core.parsing import _MAX_EXPONENT, parse_expression
from theory.core.symbols import t
from theory.potentials.activations import FORMULA_FUNCTIONS, REGISTRY

T = {"t": t}
H = sp.S.Half

#: (text form, SymPy meaning) of the leaves.
_LEAVES = st.one_of(
    st.integers(0, 12).map(lambda n: (str(n), sp.Integer(n))),
    st.tuples(st.integers(1, 9), st.integers(2, 7)).map(lambda pq: (f"{pq[0]}/{pq[1]}", sp.Rational(*pq))),
    st.sampled_from([("t", t), ("t", t), ("pi", sp.pi), ("E", sp.E)]),
    st.sampled_from([("0.25", sp.Rational(1, 4)), ("1.5", sp.Rational(3, 2))]),
)

_BINARY = {"+": sp.Add, "-": lambda a, b: a - b, "*": sp.Mul, "/": lambda a, b: a / b}
_UNARY = {
    "exp": sp.exp, "sin": sp.sin, "cos": sp.cos, "tanh": sp.tanh, "atan": sp.atan, "erf": sp.erf,
    "abs": sp.Abs, "sign": sp.sign, "step": lambda u: sp.Heaviside(u, H), "sqrt": sp.sqrt,
    "log": sp.log, "cosh": sp.cosh, "erfc": sp.erfc, "Abs": sp.Abs,
}


def _registered(name: str, params: tuple = ()):
    return lambda u: REGISTRY[name].factory(*params).subs(t, u)


def _meaning(build, *args) -> sp.Expr:
    """SymPy's value of a node, NaN where SymPy refuses it (``Max(zoo, 0)`` raises ValueError)."""
    if any(a.has(sp.nan, sp.zoo, sp.oo, -sp.oo) for a in args):  # 0/(t/0) is 0 to SymPy, undefined here
        return sp.nan
    try:
        return build(*args)
    except (ValueError, TypeError):
        return sp.nan


#: Registered activations as functions: (text of the call's head arguments, meaning).
_ACTIVATIONS = st.one_of(
    st.sampled_from(["relu", "sigmoid", "softplus", "gelu", "gaussian", "linear", "tanh", "abs"])
    .map(lambda n: (f"{n}(", _registered(n))),
    st.integers(0, 5).map(lambda m: (f"hermite({m}, ", _registered("hermite", (sp.Integer(m),)))),
    st.integers(1, 3).map(lambda n: (f"relu_power({n}, ", _registered("relu_power", (sp.Integer(n),)))),
    st.integers(1, 4).map(lambda k: (f"leaky_relu(1/{k}, ", _registered("leaky_relu", (sp.Rational(1, k),)))),
    st.integers(1, 3).map(lambda s: (f"erf({s}, ", _registered("erf", (sp.Integer(s),)))),
)


def _branches(children):
    binary = st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children).map(
        lambda o: (f"({o[1][0]}) {o[0]} ({o[2][0]})",
                   _meaning(_BINARY[o[0]], o[1][1], o[2][1])))
    exponents = st.sampled_from([("2", 2), ("3", 3), ("-1", -1), ("(1/2)", H), ("0", 0)])
    power = st.tuples(children, exponents).map(
        lambda o: (f"({o[0][0]})^{o[1][0]}", _meaning(lambda a: a ** sp.S(o[1][1]), o[0][1])))
    negative = children.map(lambda c: (f"-({c[0]})", _meaning(lambda a: -a, c[1])))
    unary = st.tuples(st.sampled_from(sorted(_UNARY)), children).map(
        lambda o: (f"{o[0]}({o[1][0]})", _meaning(_UNARY[o[0]], o[1][1])))
    extremum = st.tuples(st.sampled_from(["max", "Min"]), children, children).map(
        lambda o: (f"{o[0]}({o[1][0]}, {o[2][0]})",
                   _meaning(sp.Max if o[0] == "max" else sp.Min, o[1][1], o[2][1])))
    activation = st.tuples(_ACTIVATIONS, children).map(
        lambda o: (f"{o[0][0]}{o[1][0]})", _meaning(o[0][1], o[1][1])))
    return st.one_of(binary, power, negative, unary, extremum, activation)


TREES = st.recursive(_LEAVES, _branches, max_leaves=8)


def _well_defined(expr: sp.Expr) -> bool:
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return False
    return not any(p.exp.is_number and abs(p.exp) > _MAX_EXPONENT for p in expr.atoms(sp.Pow))


def _round_trip(tree) -> None:
    text, meaning = tree
    if not _well_defined(meaning):  # 1/0, log(0), max(1/0, t), a merged power beyond the limit
        with pytest.raises(InputError):
            parse_expression(text, T, FORMULA_FUNCTIONS)
        return
    parsed = parse_expression(text, T, FORMULA_FUNCTIONS)
    assert parsed == meaning, text
    printed = sp.sstr(meaning)
    assume(len(printed) <= 2000 and not meaning.has(sp.I))  # sqrt(-1) is I, a name outside the grammar
    back = parse_expression(printed, T, FORMULA_FUNCTIONS)
    # SymPy's printer is not structurally faithful (-1/(2*(t + 1)) reads back as -1/(2*t + 2))
    assert back == meaning or sp.expand(back - meaning) == 0 or sp.simplify(back - meaning) == 0, printed


_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
                 "derandomize": True}


@settings(max_examples=300, **_SETTINGS)
@given(TREES)
def test_printed_trees_parse_back_to_what_they_mean(tree):
    _round_trip(tree)


@pytest.mark.slow
@settings(max_examples=3000, **_SETTINGS)
@given(TREES)
def test_printed_trees_parse_back_to_what_they_mean_many(tree):
    _round_trip(tree)


def test_the_round_trip_sees_a_parser_that_misreads():
    """The comparison is sharp: a grammar that read ``^`` as ``*`` would fail it."""
    text, meaning = "(t)^3", t**3
    assert parse_expression(text.replace("^", "*"), T) != meaning


@given(st.integers(1, 990))
@settings(max_examples=25, deadline=None, derandomize=True)
def test_long_chains_parse_without_recursion(n):
    assert parse_expression("+".join(["t"] * n), T) == n * t
    assert parse_expression("*".join(["2"] * min(n, 300)) + "*t", T) == 2 ** min(n, 300) * t


@pytest.mark.parametrize("text,problem", [
    ("-" * 100 + "t", "more than 60 deep"), ("sin(" * 70 + "t" + ")" * 70, "more than 60 deep"),
    ("(t**200)**200", "beyond the limit 200"), ("t**150*t**150", "beyond the limit 200"),
    ("exp(t)**300", "exponent 300 exceeds"),
])
def test_nesting_and_merged_powers_are_bounded(text, problem):
    with pytest.raises(InputError, match=problem):
        parse_expression(text, T)
