"""Decide whether two SymPy expressions are identical: exact algebra, or a counter-example.

PROVEN needs an exact argument (the difference simplifies to 0, in bounded
time). REFUTED needs a point where the difference is non-zero: *certified*
(:attr:`~theory.core.verdict.Method.COUNTEREXAMPLE`) when a python-flint ``arb``
enclosure of the difference excludes 0, and labelled numeric evidence
(:attr:`~theory.core.verdict.Method.NUMERIC`) when only SymPy's ``evalf`` at
30 digits puts it above 10^{-20} (a function with no ball enclosure here, such
as K₀, or an enclosure too wide to exclude 0). Agreement at sample points alone
is UNDECIDED.

>>> from theory.core.symbols import rho
>>> identity(sp.asin(rho), sp.pi/2 - sp.acos(rho), {rho: [sp.Rational(1, 3)]}).verdict
<Verdict.PROVEN: 'proven'>
>>> check = identity(sp.exp(rho - 3), sp.exp(rho - 1), {rho: [sp.Rational(1, 3)]})
>>> check.verdict, check.evidence.method
(<Verdict.REFUTED: 'refuted'>, <Method.COUNTEREXAMPLE: 'counter-example with certified sign'>)
"""

from __future__ import annotations

import itertools

import sympy as sp

from ..conditions.signs import certified_sign_at
from ..core.errors import Timeout
from ..core.latex import latex as house_latex
from ..core.timebound import bounded
from ..core.verdict import Evidence, Method, Verdict
from .claims import Check, Subject

DIGITS = 30
THRESHOLD = sp.Float("1e-20")


def identity(lhs: sp.Expr, rhs: sp.Expr, points: dict, *, name: str = "identity",
             subject: Subject = Subject.AS_STATED, seconds: float = 10.0) -> Check:
    """Check lhs ≡ rhs. ``points`` maps each free symbol to values tried for a counter-example."""
    latex = f"{house_latex(lhs)} = {house_latex(rhs)}"
    for point in _grid(points):
        evidence = _counterexample(lhs, rhs, point)
        if evidence is not None:
            return Check(name, Verdict.REFUTED, evidence, subject, latex)
    try:
        zero, why = bounded(_is_zero, lhs - rhs, seconds=seconds, what="simplification"), ""
    except Timeout as timeout:
        zero, why = None, f" ({timeout})"
    if zero:
        return Check(name, Verdict.PROVEN, Evidence(Method.EXACT, "the difference simplifies to 0"),
                     subject, latex)
    return Check(name, Verdict.UNDECIDED, Evidence(
        Method.NUMERIC, f"equal to {DIGITS} digits at the sample points, but not shown identical{why}"),
        subject, latex)


def _counterexample(lhs: sp.Expr, rhs: sp.Expr, point: dict) -> Evidence | None:
    """Evidence that lhs ≠ rhs at ``point`` when evalf finds them apart: certified by an arb
    enclosure of the difference if one excludes 0, else labelled numeric."""
    difference = sp.N((lhs - rhs).subs(point), DIGITS)
    if not (difference.is_number and abs(difference) > THRESHOLD):
        return None
    where = ", ".join(f"{k} = {v}" for k, v in point.items())
    data = {"point": {str(k): str(v) for k, v in point.items()}, "difference": str(difference)}
    values = (sp.N(lhs.subs(point), 20), sp.N(rhs.subs(point), 20))
    certified = certified_sign_at(lhs - rhs, point)
    if certified is not None:
        return Evidence(Method.COUNTEREXAMPLE, f"at {where}: {values[0]} ≠ {values[1]}; "
                        f"lhs − rhs ∈ {certified[1]} (arb enclosure)", {**data, "sign": certified[0]})
    return Evidence(Method.NUMERIC, f"at {where}: {values[0]} ≠ {values[1]} ({DIGITS}-digit evalf; "
                    "no arb enclosure of the difference excludes 0)", data)


def _is_zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0 or sp.simplify(expr.rewrite(sp.asin)) == 0


def _grid(points: dict):
    keys = list(points)
    for values in itertools.product(*(points[k] for k in keys)):
        yield dict(zip(keys, values, strict=True))
