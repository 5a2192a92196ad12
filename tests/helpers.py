"""Shared test data: a generic point and a high-precision conversion (import as tests.helpers)."""

import mpmath
import sympy as sp

#: A point (‖θ‖, ‖w‖, θᵀw) away from every special value.
POINT = (sp.Rational(3, 2), sp.Rational(2, 3), sp.Rational(1, 3))


def mp(value, dps=60):
    return mpmath.mpf(sp.N(value, dps))


def read_back(text: str, *symbols: sp.Symbol) -> sp.Basic:
    """A SymPy-printed string (JSON, reports) read back with the library's symbols, so tests
    compare the mathematics (``sp.simplify(a - b) == 0``) instead of one SymPy's print order.
    Parses only the library's own output, never user input."""
    return sp.parse_expr(text, local_dict={symbol.name: symbol for symbol in symbols})


def same(a: sp.Expr, b: sp.Expr) -> bool:
    """a and b are the same function: their difference simplifies to 0 (acos is also rewritten
    through asin, which simplify does not relate on its own)."""
    difference = a - b
    return sp.simplify(difference) == 0 or sp.simplify(difference.rewrite(sp.asin)) == 0
