"""Certified signs of a function of one real variable on an open set.

:func:`sign_chart` splits a domain into where ``expr`` is certainly positive,
certainly negative, identically zero, and not decided:

1. **exact algebra** (under a time bound) — factor, then sign each factor by a
   rigorous rule: SymPy's assumptions (``None`` leaves the sign unknown), the
   exact real roots of a polynomial, or monotonicity for a·g(v) + b with g one
   of acos, asin, atan, exp, log; any other factor is left unknown;
2. **ball arithmetic** — python-flint ``arb`` enclosures on boxes, bisected
   until each box has a certified sign or is narrower than the tolerance
   (the undecided boxes are where the sign changes: their union isolates the
   boundary of each region).

Nothing is decided by sampling: a sign is claimed on a set only when the
algebra or an enclosure proves it there.

>>> from theory.core.symbols import rho
>>> chart = sign_chart(rho**2 - sp.Rational(1, 4), rho, sp.Interval.open(-1, 1))
>>> chart.positive
Union(Interval.open(-1, -1/2), Interval.open(1/2, 1))
>>> chart.method
<Method.EXACT: 'exact algebra'>
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass

import flint
import sympy as sp

from ..core.balls import NoEnclosure, ball, ball_function, precision
from ..core.errors import Timeout
from ..core.parsing import as_number
from ..core.timebound import bounded
from ..core.verdict import Evidence, Method


def certified_sign(expr: sp.Expr, variable: sp.Symbol, point: sp.Rational, *,
                   bits: int = 128) -> tuple[int, flint.arb] | None:
    """(sign, enclosure) of ``expr`` at an exact rational point, or None if 0 ∈ enclosure.

    >>> from theory.core.symbols import rho
    >>> certified_sign(rho - sp.Rational(1, 3), rho, sp.Rational(1, 2))[0]
    1
    """
    point = as_number(point, what="the point of a certified sign")
    return certified_sign_at(expr, {variable: point}, bits=bits)


def certified_sign_at(expr: sp.Expr, point: dict, *, bits: int = 128) -> tuple[int, flint.arb] | None:
    """(sign, enclosure) of ``expr`` with its symbols set to exact numbers, or None when the
    ``arb`` enclosure contains 0 at every precision tried (or a function has no enclosure here).

    >>> from theory.core.symbols import rho, r
    >>> certified_sign_at(sp.exp(rho) - r, {rho: 1, r: sp.Rational(27, 10)})[0]
    1
    """
    try:
        numbers = [as_number(v, what=f"the value of {symbol}") for symbol, v in point.items()]
        function = ball_function(expr, tuple(point))
    except (NoEnclosure, ValueError):
        return None
    for extra in (0, 256, 1024):
        with precision(bits + extra):
            try:
                value = function(*map(ball, numbers))
            except (NoEnclosure, ValueError, ZeroDivisionError):
                return None
            if value > 0:
                return 1, value
            if value < 0:
                return -1, value
    return None


@dataclass(frozen=True)
class SignChart:
    """Where a function is certainly > 0, < 0, ≡ 0, and where it is not decided."""

    domain: sp.Set
    positive: sp.Set
    negative: sp.Set
    zero: sp.Set
    method: Method
    detail: str

    @property
    def unknown(self) -> sp.Set:
        return sp.Complement(self.domain, sp.Union(self.positive, self.negative, self.zero))

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.method, self.detail)


def sign_chart(expr: sp.Expr, variable: sp.Symbol, domain: sp.Set, *, seconds: float = 3.0,
               tolerance: float = 2.0**-40, boxes: int = 4000) -> SignChart:
    """The sign of ``expr`` on ``domain``: exact algebra first, then ball arithmetic.

    Returns the exact chart when it leaves nothing undecided (or when ``expr``
    has parameters other than ``variable``, which ball arithmetic cannot bound).
    """
    try:
        exact = bounded(_exact_chart, expr, variable, domain, seconds=seconds, what="exact sign chart")
    except Timeout as why:
        exact = SignChart(domain, sp.EmptySet, sp.EmptySet, sp.EmptySet, Method.TIMEOUT, str(why))
    if exact.unknown.is_empty or expr.free_symbols - {variable}:
        return exact
    return _interval_chart(expr, variable, domain, seconds, tolerance, boxes, exact.detail)


def _exact_chart(expr: sp.Expr, variable: sp.Symbol, domain: sp.Set) -> SignChart:
    if sp.simplify(expr) == 0:
        return SignChart(domain, sp.EmptySet, sp.EmptySet, domain, Method.EXACT, "Δ simplifies to 0")
    positive, negative, zero = domain, sp.EmptySet, sp.EmptySet
    reasons, factored = [], sp.factor(expr)
    for factor in sp.Mul.make_args(factored):
        p, n, z, why = _factor_signs(factor, variable, domain)
        if why:
            reasons.append(why)
        positive, negative = (sp.Union(sp.Intersection(positive, p), sp.Intersection(negative, n)),
                              sp.Union(sp.Intersection(positive, n), sp.Intersection(negative, p)))
        zero = sp.Union(zero, z)
    positive, negative = sp.Complement(positive, zero), sp.Complement(negative, zero)
    detail = "; ".join(reasons) if reasons else f"signs of the factors of {factored}"
    return SignChart(domain, positive, negative, zero, Method.EXACT, detail)


def _factor_signs(factor: sp.Expr, variable: sp.Symbol, domain: sp.Set):
    """(where > 0, where < 0, where = 0, reason if unknown) for one factor.

    Only two kinds of factor are signed exactly: those SymPy's assumptions sign
    outright (constants, e^{real}), and powers pⁿ or p^{a/b} of a polynomial p,
    whose sign comes from the exact real roots of p. SymPy's
    ``solve_univariate_inequality`` is not used on transcendental factors: it
    tests signs between the roots ``solveset`` finds and so can miss a change of
    sign (it claimed a positive Laplacian for max(t, 0)² on S²).
    """
    unknown = sp.EmptySet, sp.EmptySet, sp.EmptySet
    if factor.free_symbols - {variable}:
        return (*unknown, f"the factor {factor} depends on {factor.free_symbols - {variable}}")
    if factor.is_positive:
        return domain, sp.EmptySet, sp.EmptySet, ""
    if factor.is_negative:
        return sp.EmptySet, domain, sp.EmptySet, ""
    if not factor.has(variable):
        return (*unknown, f"the sign of {factor} is not decided by its assumptions")
    base, exponent = factor.as_base_exp()
    sides = _base_signs(base, variable, domain) if exponent.is_Rational else None
    if sides is None:
        return (*unknown, f"no exact sign rule for the factor {factor}")
    above, below = sides
    roots = sp.Complement(domain, sp.Union(above, below))
    zero = roots if exponent > 0 else sp.EmptySet
    if exponent.q != 1:          # a real root p^{a/b} is defined (and > 0) where p > 0 only
        return above, sp.EmptySet, zero, "" if below.is_empty else f"{factor} is not real on {below}"
    if exponent.p % 2 == 0:
        return sp.Union(above, below), sp.EmptySet, zero, ""
    return above, below, zero, ""


#: Monotone functions g with their direction, inverse and open range.
_MONOTONE = {sp.acos: (-1, sp.cos, sp.Interval(0, sp.pi)),
             sp.asin: (1, sp.sin, sp.Interval(-sp.pi / 2, sp.pi / 2)),
             sp.atan: (1, sp.tan, sp.Interval.open(-sp.pi / 2, sp.pi / 2)),
             sp.exp: (1, sp.log, sp.Interval.open(0, sp.oo)), sp.log: (1, sp.exp, sp.Reals)}


def _base_signs(base: sp.Expr, variable: sp.Symbol, domain: sp.Set):
    """(where base > 0, where base < 0) for a polynomial base, or for a·g(v) + b with g
    monotone (acos, asin, atan, exp, log of the variable itself); None otherwise."""
    if base.is_polynomial(variable):
        poly = sp.Poly(base, variable)
        return tuple(sp.Intersection(domain, sp.Union(*sp.solve_poly_inequality(poly, op)))
                     for op in (">", "<"))
    calls = [g for g in base.atoms(sp.Function) if type(g) in _MONOTONE and g.args == (variable,)]
    if len(calls) != 1:
        return None
    g = calls[0]
    linear = sp.Poly(base.subs(g, _G), _G) if not base.subs(g, _G).has(variable) else None
    if linear is None or linear.degree() != 1 or not linear.LC().is_comparable:
        return None
    slope, value = linear.LC(), -linear.coeff_monomial(1) / linear.LC()
    direction, inverse, image = _MONOTONE[type(g)]
    rising = (slope > 0) == (direction > 0)
    if image.contains(value) != sp.true:   # no root: one sign on the whole domain
        sign = (1 if slope > 0 else -1) * (1 if value <= image.inf else -1)   # g − value has one sign
        return (domain, sp.EmptySet) if sign > 0 else (sp.EmptySet, domain)
    root = inverse(value)
    left, right = sp.Interval.open(-sp.oo, root), sp.Interval.open(root, sp.oo)
    upper, lower = (right, left) if rising else (left, right)
    return sp.Intersection(domain, upper), sp.Intersection(domain, lower)


_G = sp.Dummy("g")


def _interval_chart(expr, variable, domain, seconds, tolerance, boxes, exact_detail) -> SignChart:
    start = time.monotonic()
    low, high = _window(domain)
    queue, positive, negative = collections.deque([(low, high)]), [], []  # breadth first
    count = 0
    try:
        function = ball_function(expr, (variable,))
    except NoEnclosure as why:
        return SignChart(domain, sp.EmptySet, sp.EmptySet, sp.EmptySet, Method.INTERVAL,
                         f"exact route: {exact_detail}; no arb bisection: {why}")
    with precision(96):
        while queue and count < boxes and time.monotonic() - start < seconds:
            a, b = queue.popleft()
            count += 1
            sign = _box_sign(function, a, b)
            if sign > 0:
                positive.append((a, b))
            elif sign < 0:
                negative.append((a, b))
            elif b - a > tolerance * max(1, abs(a), abs(b)):
                m = (a + b) / 2
                queue += [(a, m), (m, b)]
    positive = sp.Intersection(domain, _merged(positive))
    negative = sp.Intersection(domain, _merged(negative))
    detail = (f"exact route: {exact_detail}; arb bisection of [{low}, {high}] into {count} boxes, "
              "regions are certified inner approximations "
              f"(tolerance {tolerance:g}{', stopped early' if queue else ''})")
    return SignChart(domain, positive, negative, sp.EmptySet, Method.INTERVAL, detail)


def _merged(boxes: list) -> sp.Set:
    """The union of closed boxes [a, b], adjacent ones merged."""
    runs: list[list] = []
    for a, b in sorted(boxes):
        if runs and runs[-1][1] >= a:
            runs[-1][1] = max(runs[-1][1], b)
        else:
            runs.append([a, b])
    return sp.Union(*[sp.Interval(a, b) for a, b in runs])


def _window(domain: sp.Set) -> tuple[sp.Rational, sp.Rational]:
    """A compact dyadic window of the domain's hull (unbounded ends cut at ±64)."""
    low = domain.inf if domain.inf.is_finite else sp.Integer(-64)
    high = domain.sup if domain.sup.is_finite else sp.Integer(64)
    return sp.Rational(sp.floor(low * 2**20), 2**20), sp.Rational(sp.ceiling(high * 2**20), 2**20)


def _box_sign(function, a, b) -> int:
    try:
        value = function(ball(a).union(ball(b)))
    except (ValueError, ZeroDivisionError):
        return 0
    return 1 if value > 0 else -1 if value < 0 else 0


def witness(expr: sp.Expr, variable: sp.Symbol, region: sp.Set) -> tuple[sp.Rational, int, str] | None:
    """A rational point of ``region`` with a certified sign of ``expr`` there:
    (point, sign, enclosure). An exact zero is reported with sign 0."""
    for point in sample_points(region):
        if sp.simplify(expr.subs(variable, point)) == 0:
            return point, 0, "0 (exact)"
        found = certified_sign(expr, variable, point)
        if found:
            return point, found[0], str(found[1])
    return None


def sample_points(region: sp.Set, limit: int = 6) -> list[sp.Rational]:
    """A few rational points inside ``region`` (for witnesses, never for proofs).

    >>> sample_points(sp.Interval.open(0, 1), 3)
    [2/7, 3/7, 5/7]
    """
    parts = region.args if isinstance(region, sp.Union) else (region,)
    points = []
    for part in parts:
        if isinstance(part, sp.FiniteSet):
            points += [p for p in part if p.is_real]
        elif isinstance(part, sp.Interval):
            a, b = part.inf, part.sup
            if a.is_infinite:
                a = b - 4 if b.is_finite else sp.Integer(-2)
            if b.is_infinite:
                b = a + 4
            for k in (2, 3, 5):
                guess = sp.nsimplify(sp.N(a + (b - a) * k / 7, 30), rational=True, tolerance=1e-25)
                if region.contains(guess) == sp.true:
                    points.append(guess)
    return points[:limit]
