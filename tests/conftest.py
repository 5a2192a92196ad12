"""Shared test data: a generic point and a high-precision conversion."""

import mpmath
import sympy as sp

#: A point (‖θ‖, ‖w‖, θᵀw) away from every special value.
POINT = (sp.Rational(3, 2), sp.Rational(2, 3), sp.Rational(1, 3))


def mp(value, dps=60):
    return mpmath.mpf(sp.N(value, dps))
