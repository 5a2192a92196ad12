import math

import numpy as np
import pytest
import sympy as sp

from theory.core import validators as valid
from theory.core.errors import InputError
from theory.core.exitcodes import ExitCode


@pytest.mark.parametrize("value", [0, 14, 1001, 10**6, -1, 20.0, True, "30", None])
def test_digits_outside_15_to_1000_are_refused(value):
    with pytest.raises(InputError, match="dps must be an integer from 15 to 1000"):
        valid.digits(value)


def test_digits_accept_the_ends_and_numpy_integers():
    assert [valid.digits(15), valid.digits(1000), valid.digits(np.int64(30))] == [15, 1000, 30]


@pytest.mark.parametrize("value", [0, -1, math.nan, math.inf, -math.inf, 86401, "1", True, None])
def test_seconds_must_be_finite_positive_and_at_most_a_day(value):
    with pytest.raises(InputError, match="--seconds must be a finite number"):
        valid.seconds(value, "--seconds")


def test_seconds_none_only_where_optional():
    assert valid.seconds(None, optional=True) is None and valid.seconds(86400) == 86400.0


@pytest.mark.parametrize("value", [-1, 2**63, 1.0, "0"])
def test_seed_is_a_non_negative_63_bit_integer(value):
    with pytest.raises(InputError, match="seed must be an integer"):
        valid.seed(value)


def test_seed_edges():
    assert valid.seed(0) == 0 and valid.seed(2**63 - 1) == 2**63 - 1


def test_hessian_memory_names_the_figure():
    with pytest.raises(InputError, match=r"d = 1000000000, k = 3 needs a \(k·d\)² Hessian of [0-9.e+]+ PiB"):
        valid.hessian_memory(10**9, 3, "simulate")
    valid.hessian_memory(100, 100, "simulate")  # 800 MB ≤ half of any test machine: accepted


def test_values_by_position_and_by_name_agree():
    names = ("na", "nb", "dot")
    assert valid.values_of("3/2,0.7,0.2", names) == valid.values_of("dot=0.2, nb=0.7, na=3/2", names) \
        == [sp.Rational(3, 2), sp.Rational(7, 10), sp.Rational(1, 5)]


@pytest.mark.parametrize("text,problem", [
    ("", "no values"), ("   ", "no values"), ("0.3,", "item 2 is empty"), (",", "item 1 is empty"),
    ("0.3,0.4", "2 value"), ("rho=0.3,0.4", "not both"), ("x=0.3", "unknown variable 'x'"),
    ("rho=0.1,rho=0.2", "twice"), ("nan", "rho"), ("inf", "rho"), ("abc", "rho"), ("0x1p-2", "rho"),
    ("0.3;0.4", "rho"), ("1/0", "rho"), ("rho=", "empty"), ("=0.3", "unknown variable ''"),
])
def test_malformed_values_name_the_expected_variables(text, problem):
    with pytest.raises(InputError, match="--at") as caught:
        valid.values_of(text, ("rho",))
    assert problem in str(caught.value)


def test_values_of_reports_missing_names():
    with pytest.raises(InputError, match="no value for dot"):
        valid.values_of("na=1,nb=1", ("na", "nb", "dot"))


def test_exit_code_precedence_internal_input_refuted_undecided_ok():
    order = [ExitCode.OK, ExitCode.UNDECIDED, ExitCode.REFUTED, ExitCode.BAD_INPUT, ExitCode.INTERNAL]
    for i, code in enumerate(order):
        assert ExitCode.worst(order[: i + 1]) is code
        assert ExitCode.worst(reversed(order[: i + 1])) is code
