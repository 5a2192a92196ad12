"""Evaluating a closed form Φ quickly: N digits at one point, arb balls at many, float64 arrays.

Three compilations of one SymPy expression, each cached per expression:

* :func:`ball_values` — python-flint ``arb`` balls, at one point or many. A ball's radius
  bounds the error of the whole evaluation, so one pass at ``dps + GUARD`` digits confirms
  the digits it returns: cheaper than two mpmath precisions, and a proof rather than agreement.
* :func:`working_function` — mpmath at a working precision, with every numeric constant
  (1/2, 1/π, π/4, …) computed once per precision rather than at each call;
  :func:`stable_value` evaluates it at two precisions and keeps the digits they share: the
  route where a ball is not finite or too wide (:func:`confirmed_value` chooses).
* :class:`BallContext` — the mpmath functions that hand-written closed forms (the biased
  potentials) call, on balls; :func:`ball_value` keeps the digits one pass proves.
* :func:`float64_function` — NumPy, with the numeric constants folded into one factor
  per term, so the array passes are those a hand-written formula makes.

>>> import sympy as sp
>>> from theory.core.symbols import rho
>>> [str(v) for v in ball_values(sp.asin(rho) * 2 / sp.pi, (rho,), [(0,), (sp.Rational(1, 2),)], 20)[0]]
['0.0', '0.33333333333333333333']
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence

import mpmath
import numpy as np
import sympy as sp
from mpmath.libmp import from_man_exp, from_rational

from ..core.balls import ball, ball_function
from ..core.balls import digits as flint_digits
from ..core.errors import DerivationError, InputError, PrecisionError
from ..core.numeric import context, mpmath_function, numpy_function, output_context
from ..core.parsing import as_number
from .quadrature import GUARD

#: Digits by which the second precision of :func:`stable_value` exceeds the first.
SECOND = 20


def lift_constants(expr: sp.Expr) -> tuple[sp.Expr, tuple[sp.Dummy, ...], tuple[sp.Expr, ...]]:
    """``expr`` with each numeric factor or summand other than an integer replaced by a symbol.

    Returns (body, symbols, values): ``body.subs(zip(symbols, values)) == expr``. The
    numeric arguments of one product (or sum) are merged first, so −π/2·x costs one
    multiplication at run time, by a number computed once.
    """
    table: dict[sp.Expr, sp.Dummy] = {}

    def constant(number: sp.Expr) -> sp.Expr:
        if number.is_Integer:
            return number
        return table.setdefault(number, sp.Dummy(f"c{len(table)}"))

    def walk(node: sp.Expr) -> sp.Expr:
        if node.is_number:
            return constant(node)
        if not node.args:
            return node
        if node.is_Mul or node.is_Add:
            numeric = [a for a in node.args if a.is_number]
            rest = [walk(a) for a in node.args if not a.is_number]
            lifted = [constant(node.func(*numeric))] if numeric else []
            return node.func(*rest, *lifted, evaluate=False)
        if node.is_Pow:  # the exponent stays: x**(1/2) is a square root, x**2 a product
            return sp.Pow(walk(node.base), node.exp, evaluate=False)
        return node.func(*map(walk, node.args), evaluate=False)

    body = walk(expr)
    return body, tuple(table.values()), tuple(table)


# ---------------------------------------------------------------------- the zero rule

#: Working precisions tried by :func:`stable_value` and :func:`ball_values`: dps + GUARD digits,
#: doubled up to TRIES − 1 times.
TRIES = 6


def precisions(dps: int, tries: int = TRIES) -> tuple[int, ...]:
    """The working digits tried for ``dps`` digits: (dps + GUARD)·2^i, i = 0 … tries − 1."""
    return tuple((dps + GUARD) << i for i in range(tries))


def zero_digits(dps: int, tries: int = TRIES) -> int:
    """cap of the zero rule: half the last working precision, so a value reported as 0 lies in
    [−10^{−cap}, 10^{−cap}] (for dps = 15 and six tries, cap = 400)."""
    return precisions(dps, tries)[-1] // 2


def exact_point(values: Sequence) -> tuple | None:
    """``values`` as exact SymPy numbers (an int, float, mpf or SymPy number is one), None for a ball."""
    point = []
    for v in values:
        if isinstance(v, sp.Basic):
            point.append(v)
        elif isinstance(v, (int, np.integer)):
            point.append(sp.Integer(int(v)))
        elif isinstance(v, (float, np.floating)):
            numerator, denominator = float(v).as_integer_ratio()   # a double is an exact binary number
            point.append(sp.Rational(numerator, denominator))
        elif type(v).__name__ == "mpf":               # any context's mpf: (−1)^s·m·2^e
            sign, man, exp, _ = v._mpf_
            point.append((-1) ** sign * sp.Integer(int(man)) * sp.Integer(2) ** int(exp))
        else:
            return None
    return tuple(point)


def rational_value(expr: sp.Expr, variables: tuple, values: Sequence, *,
                   product: bool = False) -> sp.Rational | None:
    """``expr`` at the exact ``values`` when SymPy's automatic evaluation decides it is a rational
    (0 included: ρ = ±1 of ReLU, ρ = 0 of an odd σ, a polynomial at rational inputs), else None.

    With ``product=True`` the values are s₁…s_d and the value ∏ᵢ expr(sᵢ)."""
    point = exact_point(values)
    if point is None:
        return None
    if product:
        value = sp.Mul(*(expr.subs(variables[0], v) for v in point))
    else:
        value = expr.subs(dict(zip(variables, point, strict=True)))
    if value.is_Rational:
        return value
    return sp.Integer(0) if value.is_zero else None


def rounded(value: sp.Rational, dps: int) -> mpmath.mpf:
    """A rational correctly rounded to ``dps`` digits."""
    out = output_context(dps)
    return out.make_mpf(from_rational(int(value.p), int(value.q), out.prec, "n"))


# ---------------------------------------------------------------------- N digits, one point

@functools.lru_cache(maxsize=256)
def working_function(expr: sp.Expr, variables: tuple, dps: int) -> tuple[mpmath.MPContext, Callable]:
    """A private context at ``dps`` digits and ``expr`` compiled in it (read-only: never mutate).

    The constants of :func:`lift_constants` are evaluated once, at ``dps + 5`` digits;
    common subexpressions are computed once per call."""
    ctx = context(dps)
    body, symbols, numbers = lift_constants(expr)
    compiled = mpmath_function(body, (*variables, *symbols), ctx, cse=True)
    constants = tuple(ctx.mpf(sp.N(c, dps + 5)) for c in numbers)
    return ctx, lambda *args: compiled(*args, *constants)


def stable_value(evaluate: Callable, values: Sequence, dps: int, what: str = "the potential", *,
                 tries: int = TRIES, exact: Callable | None = None) -> mpmath.mpf:
    """``evaluate(values, work)`` at work and work + SECOND digits, returned to ``dps`` significant
    digits once the two agree to dps + 2 (relative), for work in :func:`precisions` (doubling).

    The zero rule: a value is never 0 because it is small. When the first two disagree,
    ``exact(values)`` (if given) may decide Φ at the exact inputs: a rational (0 included), returned
    correctly rounded. A value that never separates from 0 is 0 only if both evaluations at the
    last precision lie in ±10^{−cap}, cap = :func:`zero_digits` (absolute accuracy 10^{−cap});
    else :class:`~theory.core.errors.PrecisionError`. A value that is not finite:
    :class:`~theory.core.errors.DerivationError`.
    """
    agreement = mpmath.mpf(10) ** (-dps - 2)
    for i, work in enumerate(precisions(dps, tries)):
        low, high = evaluate(values, work), evaluate(values, work + SECOND)
        if not (mpmath.isfinite(low) and mpmath.isfinite(high)):
            raise DerivationError(f"{what} is not finite at {tuple(map(str, values))}")
        if high and abs(high - low) <= abs(high) * agreement:
            return output_context(dps).mpf(high)
        known = exact(values) if i == 0 and exact is not None else None
        if known is not None:
            return rounded(known, dps)
    if max(abs(low), abs(high)) <= mpmath.mpf(10) ** -zero_digits(dps, tries):
        return output_context(dps).mpf(0)
    raise PrecisionError(f"could not reach {dps} stable digits of {what} at {tuple(map(str, values))}")


# ---------------------------------------------------------------------- N digits, many points

@functools.lru_cache(maxsize=256)
def _ball_function(expr: sp.Expr, variables: tuple, work: int) -> tuple[Callable, tuple]:
    """``expr`` on balls and its lifted constants as balls at ``work`` digits."""
    body, symbols, numbers = lift_constants(expr)
    with flint_digits(work):
        constants = tuple(ball(c, evalf=work) for c in numbers)
    return ball_function(body, (*variables, *symbols)), constants


def _ball(function: Callable, constants: tuple, point: Sequence, work: int, product: bool):
    """``function`` (of :func:`_ball_function`) at ``point`` as one arb ball at ``work`` digits
    (flint's precision set by the caller)."""
    balls = [ball(v, evalf=work) for v in point]
    if product:
        return functools.reduce(lambda u, v: u * v, (function(b, *constants) for b in balls))
    return function(*balls, *constants)


def _point_value(expr: sp.Expr, variables: tuple, point: Sequence, dps: int,
                 product: bool) -> mpmath.mpf | None:
    """One point under the rule of :func:`ball_values` (None: no ball functions, not finite, too wide)."""
    work = dps + GUARD
    try:
        function, constants = _ball_function(expr, variables, work)
    except PrecisionError:
        return None
    with flint_digits(work):
        value = _ball(function, constants, point, work, product)
    if value.rel_accuracy_bits() >= mpmath.libmp.dps_to_prec(dps + 3):
        return _midpoint(value, dps)
    return _refined(expr, variables, point, dps, product) if value.is_finite() else None


def _midpoint(value, dps: int) -> mpmath.mpf:
    out = output_context(dps)
    man, exp = value.mid().man_exp()
    return out.make_mpf(from_man_exp(int(man), int(exp), out.prec, "n"))


def ball_values(expr: sp.Expr, variables: tuple, points: Sequence[Sequence], dps: int,
                *, product: bool = False) -> tuple[np.ndarray, list[int]]:
    """``expr`` at each point (a tuple of exact numbers, one per variable) to ``dps`` digits, by arb balls.

    Each value is evaluated in ball arithmetic at dps + GUARD digits and kept when the ball's
    relative radius is below 2^{−p}, p the binary precision of dps + 3 digits, so that its
    midpoint rounded to ``dps`` digits is correct. A finite ball too wide for that (cancellation)
    is evaluated again at the doubled working precisions of :func:`precisions`, under the zero
    rule of :func:`stable_value`: a ball that contains 0 is first decided exactly
    (:func:`rational_value`), and a ball still not accurate at the last precision is 0 only
    when it lies inside ±10^{−cap}, cap = :func:`zero_digits` — a proof that Φ lies there.
    With ``product=True`` a point holds the coordinates s₁…s_d and the value is ∏ᵢ expr(sᵢ).

    Returns (values, failed): an object array of mpf (``None`` where the ball is not finite
    or stays too wide — a branch point, an input off the domain) and those indices.
    """
    values = np.empty(len(points), dtype=object)
    work = dps + GUARD
    try:
        function, constants = _ball_function(expr, variables, work)
    except PrecisionError:  # a function without a ball evaluation (Max, K₀, …)
        return values, list(range(len(points)))
    failed, wide = [], []
    accuracy = mpmath.libmp.dps_to_prec(dps + 3)
    with flint_digits(work):
        for i, point in enumerate(points):
            value = _ball(function, constants, point, work, product)
            if value.rel_accuracy_bits() >= accuracy:
                values[i] = _midpoint(value, dps)
            else:
                (wide if value.is_finite() else failed).append(i)
    for i in wide:
        values[i] = _refined(expr, variables, points[i], dps, product)
        if values[i] is None:
            failed.append(i)
    return values, sorted(failed)


def _refined(expr: sp.Expr, variables: tuple, point: Sequence, dps: int, product: bool) -> mpmath.mpf | None:
    """A point whose first ball was finite but too wide: its exact rational value if SymPy finds
    one, else balls at the higher :func:`precisions` under the zero rule (None: no digits)."""
    known = rational_value(expr, variables, point, product=product)
    if known is not None:
        return rounded(known, dps)
    accuracy = mpmath.libmp.dps_to_prec(dps + 3)
    for work in precisions(dps)[1:]:
        function, constants = _ball_function(expr, variables, work)
        with flint_digits(work):
            value = _ball(function, constants, point, work, product)
            if value.rel_accuracy_bits() >= accuracy:
                return _midpoint(value, dps)
            if not value.is_finite():
                return None
            small = abs(value) < ball(sp.Rational(1, 10) ** zero_digits(dps))
    return output_context(dps).mpf(0) if small else None


class BallContext:
    """The part of an mpmath context that the closed forms of :mod:`theory.potentials.biased` use, on
    python-flint ``arb`` balls at ``dps`` digits (flint's precision set by the caller): numbers,
    √, exp, sin, cos, asin, π, the normal density φ(x) = e^{−x²/2}/√(2π) and CDF
    Φ(x) = erfc(−x/√2)/2, and ``quad`` — ``acb.integral``, whose ball bounds its own error.
    Comparisons of balls hold only when certain, so callers keep exact cases (a zero norm,
    ρ = ±1) away from it. With ``proof``, a number without a ball evaluation raises
    :class:`~theory.core.balls.NoEnclosure` instead of being evalf'd (see :func:`~theory.core.balls.ball`)."""

    def __init__(self, dps: int, *, proof: bool = False):
        from flint import acb, arb

        self.dps, self._acb, self._evalf = dps, acb, None if proof else dps
        self.one, self.zero, self.pi = arb(1), arb(0), arb.pi()
        self._root_two, self._root_two_pi = arb(2).sqrt(), (2 * self.pi).sqrt()

    def mpf(self, value):
        return ball(value, evalf=self._evalf)

    #: √, exp, sin, cos, asin: the ball's own (arb or acb) methods.
    sqrt, exp, sin, cos, asin = map(operator.methodcaller, ("sqrt", "exp", "sin", "cos", "asin"))

    def npdf(self, x):
        return (-x * x / 2).exp() / self._root_two_pi

    def ncdf(self, x):
        return (-x / self._root_two).erfc() / 2

    def quad(self, f: Callable, interval: Sequence):
        """∫ f over [a, b] (a real integrand): the real part of ``acb.integral``."""
        a, b = interval
        return self._acb.integral(lambda z, _analytic: f(z), self._acb(a), self._acb(b)).real


def ball_value(evaluate: Callable[[BallContext], object], dps: int, *,
               exact: Callable[[], sp.Rational | None] | None = None) -> mpmath.mpf | None:
    """``evaluate(ctx)`` for a :class:`BallContext` at the working digits of :func:`precisions`,
    rounded to ``dps`` digits once the ball's relative radius proves them (as in :func:`ball_values`).

    A first ball that contains 0 is decided by ``exact()`` when that gives a rational; a ball that is
    not finite, or still too wide at the last precision, gives None (the caller's two precisions)."""
    accuracy = mpmath.libmp.dps_to_prec(dps + 3)
    for i, work in enumerate(precisions(dps)):
        with flint_digits(work):
            value = evaluate(BallContext(work))
        if value.rel_accuracy_bits() >= accuracy:
            return _midpoint(value, dps)
        if not value.is_finite():
            return None
        known = exact() if i == 0 and exact is not None and value.contains(0) else None
        if known is not None:
            return rounded(known, dps)
    return None


def rows(points, width: int | None) -> list[tuple]:
    """``points`` as a list of tuples of ``width`` numbers (any width ≥ 1 if None); a
    one-dimensional input is one number per point; strings are read by
    :func:`~theory.core.parsing.as_number`."""
    try:
        array = np.asarray(points, dtype=float if _numeric(points) else object)
    except ValueError as why:
        raise InputError(f"points must be an (n, {width or 'd'}) array: {why}") from None
    if array.ndim == 1 and width in (1, None):
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0 or width not in (None, array.shape[1]):
        raise InputError(f"points must be a non-empty (n, {width or 'd'}) array, got shape {array.shape}")
    if array.dtype == object:
        return [tuple(as_number(v, what="a point of Φ") if isinstance(v, str) else v for v in row)
                for row in array.tolist()]
    return list(map(tuple, array.tolist()))


def _numeric(points) -> bool:
    return isinstance(points, np.ndarray) and points.dtype.kind in "fiu"


def confirmed_value(expr: sp.Expr, variables: tuple, values: tuple, dps: int, evaluate: Callable,
                    *, product: bool = False) -> mpmath.mpf:
    """``expr`` at one point to ``dps`` digits: ball evaluations (:func:`ball_values`) when their
    radius proves them, else :func:`stable_value` of ``evaluate`` (two mpmath precisions, the
    exact value by :func:`rational_value` deciding a value that does not separate from 0)."""
    found = _point_value(expr, variables, values, dps, product)
    if found is not None:
        return found
    return stable_value(evaluate, values, dps,
                        exact=lambda point: rational_value(expr, variables, point, product=product))


# ---------------------------------------------------------------------- float64 arrays

#: Elements per block of :func:`float64_function`: its temporaries stay in cache.
BLOCK = 1 << 14
#: Operations up to which :func:`float64_function` pulls common factors out (``factor_terms``).
TIDY = 200


@functools.lru_cache(maxsize=256)
def float64_function(expr: sp.Expr, variables: tuple) -> Callable[..., np.ndarray]:
    """``expr`` as a vectorised float64 function: common factors pulled out, constants folded
    (:func:`lift_constants`),
    radicands factored (√((2‖θ‖² + 1)(2‖w‖² + 1)) = √(2‖θ‖² + 1)·√(2‖w‖² + 1): one root per row
    and per column, not per entry of a matrix), common subexpressions computed once, and arrays of
    more than 2·BLOCK elements evaluated BLOCK elements at a time along their first axis, so that no
    temporary leaves the cache.

    Raises :class:`~theory.core.errors.DerivationError` if a constant has no real value.
    """
    body, symbols, numbers = lift_constants(_separated(sp.factor_terms(expr) if sp.count_ops(expr) <= TIDY
                                                       else expr))
    constants = []
    for c in numbers:
        value = complex(sp.N(c, 20))
        if value.imag:
            raise DerivationError(f"the constant {c} of {expr} is not real")
        constants.append(value.real)
    compiled = numpy_function(body, (*variables, *symbols), cse=True)
    if body.is_Symbol:  # Φ is one of its variables: nothing to evaluate
        return compiled
    return lambda *args: _blockwise(compiled, args, constants)


def _blockwise(f: Callable, args: tuple, constants: list) -> np.ndarray:
    """f(*args, *constants) over the broadcast shape of ``args``, in blocks of rows."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    size = math.prod(shape)
    if size <= 2 * BLOCK:
        return f(*args, *constants)
    rows = max(1, BLOCK * shape[0] // size)
    spans = [np.ndim(a) == len(shape) and np.shape(a)[0] == shape[0] for a in args]
    out = None
    for start in range(0, shape[0], rows):
        block = (a[start:start + rows] if span else a for a, span in zip(args, spans, strict=True))
        part = f(*block, *constants)
        if out is None:
            out = np.empty(shape, dtype=np.result_type(part))
        out[start:start + rows] = part
    return out


def _separated(expr: sp.Expr) -> sp.Expr:
    """``expr`` with each small radicand factored, so that positive factors get their own roots."""
    def factored(power: sp.Pow) -> sp.Expr:
        return sp.factor(power.base) ** power.exp

    return expr.replace(lambda e: e.is_Pow and e.exp.is_Rational and not e.exp.is_Integer
                        and e.base.is_polynomial() and e.base.count_ops() <= SMALL, factored)


#: Operations in a radicand that :func:`_separated` still factors.
SMALL = 40


# ---------------------------------------------------------------------- Gram matrices

#: Where the absolute cosine of ∠(θ, w) exceeds this, the angle comes from Kahan's formula, not arccos.
NEARLY_PARALLEL = 0.99


def _row_blocks(n: int, m: int) -> range:
    return range(0, n, max(1, BLOCK // max(m, 1)))


def inner_matrix(f: Callable, thetas: np.ndarray, ws: np.ndarray, *, zonal: bool) -> np.ndarray:
    """[Φ(θᵢ, w_j)] = f(ρᵢⱼ) (zonal) or f(‖θᵢ‖, ‖w_j‖, θᵢᵀw_j) (ridge), BLOCK entries at a time,
    θᵀw clipped to [−‖θ‖‖w‖, ‖θ‖‖w‖] (ρ to [−1, 1]) against rounding."""
    n, m = len(thetas), len(ws)
    a, b = np.linalg.norm(thetas, axis=1)[:, None], np.linalg.norm(ws, axis=1)[None, :]
    out = np.empty((n, m))
    step = _row_blocks(n, m).step
    for start in _row_blocks(n, m):
        rows = slice(start, start + step)
        inner = thetas[rows] @ ws.T
        if zonal:
            out[rows] = f(np.clip(inner, -1.0, 1.0, out=inner))
        else:
            bound = a[rows] * b
            out[rows] = f(a[rows], b, np.clip(inner, -bound, bound, out=inner))
    return out


def angle_matrix(f: Callable, thetas: np.ndarray, ws: np.ndarray, *, zonal: bool) -> np.ndarray:
    """[Φ(θᵢ, w_j)] = f(ϑᵢⱼ, cos ϑᵢⱼ) (zonal) or f(‖θᵢ‖, ‖w_j‖, ϑᵢⱼ, cos ϑᵢⱼ) from the angle
    ϑᵢⱼ = ∠(θᵢ, w_j) and its cosine uᵢᵀv_j, BLOCK entries at a time; accurate to a few ulps also for
    nearly parallel pairs: there ϑ = 2·atan2(‖u − v‖, ‖u + v‖) (u, v the unit directions; Kahan).
    A zero row has ϑ = π/2."""
    a, b = np.linalg.norm(thetas, axis=1), np.linalg.norm(ws, axis=1)
    u = np.divide(thetas, a[:, None], out=np.zeros_like(thetas), where=a[:, None] > 0)
    v = np.divide(ws, b[:, None], out=np.zeros_like(ws), where=b[:, None] > 0)
    n, m = len(u), len(v)
    out = np.empty((n, m))
    step = _row_blocks(n, m).step
    for start in _row_blocks(n, m):
        rows = slice(start, start + step)
        cos = np.clip(u[rows] @ v.T, -1.0, 1.0)
        i, j = np.nonzero(np.abs(cos) > NEARLY_PARALLEL)
        angle = np.arccos(cos)
        if i.size:
            ui, vj = u[rows][i], v[j]
            angle[i, j] = 2 * np.arctan2(np.linalg.norm(ui - vj, axis=1), np.linalg.norm(ui + vj, axis=1))
        if zonal:
            out[rows] = f(angle, cos)
            continue
        zero = (a[rows] == 0)[:, None] | (b == 0)[None, :] if not (a[rows].all() and b.all()) else None
        if zero is not None:
            angle[zero] = np.pi / 2
        out[rows] = f(a[rows, None], b[None, :], angle, cos)
    return out
