"""Shared test helpers: the independent high-precision reference for potentials."""

import mpmath
import sympy as sp

from theory.numeric import context

#: A point (‖θ‖, ‖w‖, θᵀw) away from every special value.
POINT = (sp.Rational(3, 2), sp.Rational(2, 3), sp.Rational(1, 3))


def agree(a, b, digits: int) -> bool:
    """|a − b| ≤ 10^{−digits}·max(1, |b|), computed with guard digits."""
    ctx = context(digits + 10)
    a, b = ctx.mpf(str(a) if isinstance(a, sp.Basic) else a), ctx.mpf(str(b) if isinstance(b, sp.Basic) else b)
    return abs(a - b) <= ctx.mpf(10) ** (-digits) * max(1, abs(b))


def mp(value, dps=60):
    return mpmath.mpf(sp.N(value, dps))
