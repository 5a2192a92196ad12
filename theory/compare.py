"""Decide whether two SymPy expressions are identical: exact algebra, or a certified counter-example.

PROVEN needs an exact argument (the difference simplifies to 0, in bounded
time). REFUTED needs a point where the difference is certainly non-zero: it is
evaluated with SymPy's ``evalf``, which tracks precision and returns correct
digits, and must exceed 10^{-20} in absolute value. Agreement at sample points
alone is UNDECIDED.

>>> from theory.symbols import rho
>>> identity(sp.asin(rho), sp.pi/2 - sp.acos(rho), {rho: [sp.Rational(1, 3)]}).verdict
<Verdict.PROVEN: 'proven'>
>>> identity(sp.exp(rho - 3), sp.exp(rho - 1), {rho: [sp.Rational(1, 3)]}).verdict
<Verdict.REFUTED: 'refuted'>
"""

from __future__ import annotations

import itertools

import sympy as sp

from .claims import Check, Subject
from .errors import Timeout
from .timebound import bounded
from .verdict import Evidence, Method, Verdict

DIGITS = 30
THRESHOLD = sp.Float("1e-20")


def identity(lhs: sp.Expr, rhs: sp.Expr, points: dict, *, name: str = "identity",
             subject: Subject = "as stated", seconds: float = 10.0) -> Check:
    """Check lhs ≡ rhs. ``points`` maps each free symbol to values tried for a counter-example."""
    latex = f"{sp.latex(lhs)} = {sp.latex(rhs)}"
    for point in _grid(points):
        difference = sp.N((lhs - rhs).subs(point), DIGITS)
        if difference.is_number and abs(difference) > THRESHOLD:
            where = ", ".join(f"{k} = {v}" for k, v in point.items())
            values = (sp.N(lhs.subs(point), 20), sp.N(rhs.subs(point), 20))
            return Check(name, Verdict.REFUTED, Evidence(
                Method.COUNTEREXAMPLE, f"at {where}: {values[0]} ≠ {values[1]}",
                {"point": {str(k): str(v) for k, v in point.items()}, "difference": str(difference)}),
                subject, latex)
    try:
        zero = bounded(_is_zero, lhs - rhs, seconds=seconds, what="simplification")
    except Timeout:
        zero = None
    if zero:
        return Check(name, Verdict.PROVEN, Evidence(Method.EXACT, "the difference simplifies to 0"),
                     subject, latex)
    return Check(name, Verdict.UNDECIDED, Evidence(
        Method.NUMERIC, f"equal to {DIGITS} digits at the sample points, but not shown identical"),
        subject, latex)


def _is_zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0 or sp.simplify(expr.rewrite(sp.asin)) == 0


def _grid(points: dict):
    keys = list(points)
    for values in itertools.product(*(points[k] for k in keys)):
        yield dict(zip(keys, values))
