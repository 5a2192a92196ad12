"""Assertions for your own pytest suites, failing with the verdict and the evidence.

>>> import sympy as sp
>>> from theory.symbols import rho
>>> assert_identical(sp.asin(rho), sp.pi/2 - sp.acos(rho), rho)
>>> assert_agree(sp.pi, sp.Rational(355, 113), digits=6)
>>> assert_agree(sp.pi, sp.Rational(355, 113), digits=8)
Traceback (most recent call last):
...
AssertionError: 3.1415926536 and 3.1415929204 differ by 2.67e-7, more than the 3.14e-8 allowed for 8 digits
"""

from __future__ import annotations

import mpmath
import sympy as sp

from .compare import identity
from .verdict import Verdict


def assert_agree(actual, expected, *, digits: int) -> None:
    """Assert |actual − expected| ≤ 10^{−digits}·max(1, |expected|) (numbers, SymPy or mpmath values)."""
    with mpmath.workdps(digits + 20):
        a, b = (mpmath.mpf(sp.N(v, digits + 20)) if isinstance(v, sp.Basic) else mpmath.mpf(v)
                for v in (actual, expected))
        error, allowed = abs(a - b), mpmath.mpf(10) ** (-digits) * max(1, abs(b))
        if error > allowed:
            raise AssertionError(f"{mpmath.nstr(a, digits + 3)} and {mpmath.nstr(b, digits + 3)} differ by "
                                 f"{mpmath.nstr(error, 3)}, more than the {mpmath.nstr(allowed, 3)} "
                                 f"allowed for {digits} digits")


def assert_identical(lhs: sp.Expr, rhs: sp.Expr, *symbols: sp.Symbol, points=None) -> None:
    """Assert lhs ≡ rhs as proven by exact algebra; a counter-example or an undecided check fails."""
    points = points or {s: [sp.Rational(1, 3), sp.Rational(-2, 7)] for s in symbols}
    check = identity(lhs, rhs, points)
    if check.verdict is not Verdict.PROVEN:
        raise AssertionError(f"{check.verdict.value}: {check.evidence}")
