import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory.core.errors import InputError
from theory.core.parsing import parse_expression
from theory.core.symbols import t

T = {"t": t}


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hacked')",
    "().__class__.__bases__[0].__subclasses__()",
    "t.__class__",
    "(lambda: 1)()",
    "[t for t in range(3)]",
    "exec('1')",
    "open('/etc/passwd')",
    "t if t else 1",
    "{'a': 1}",
    "'text'",
])
def test_anything_but_arithmetic_and_named_functions_is_refused(text):
    with pytest.raises(InputError):
        parse_expression(text, T)


def test_refusal_happens_before_anything_runs(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(InputError):
        parse_expression(f"__import__('pathlib').Path('{marker}').touch()", T)
    assert not marker.exists()


def test_decimals_become_exact_and_caret_is_power():
    assert parse_expression("0.1*t^2", T) == sp.Rational(1, 10) * t**2
    assert parse_expression("2^3^2", T) == 2**9  # right-associative like **


@pytest.mark.parametrize("text,problem", [
    ("t**100000", "exponent"), ("x + t", "unknown symbol"), ("", "empty"), ("1/0", "undefined"),
    ("foo(t)", "not allowed"), ("t +", "not a formula"), ("9" * 500, "digits"),
    ("1e99999999999*t", "out of range"), ("1e-401", "out of range"), ("((9^200)^200)^200", "digits"),
    ("gamma(gamma(gamma(5)))", "too large")])
def test_bad_formulas_name_the_problem(text, problem):
    with pytest.raises(InputError, match=problem):
        parse_expression(text, T)


@given(st.integers(-10**6, 10**6), st.integers(1, 10**6))
def test_rationals_round_trip(p, q):
    assert parse_expression(f"{p}/{q}*t", T) == sp.Rational(p, q) * t
