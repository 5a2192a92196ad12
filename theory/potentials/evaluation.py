"""Evaluating a closed form Φ quickly: N digits at one point, arb balls at many, float64 arrays.

Three compilations of one SymPy expression, each cached per expression:

* :func:`ball_values` — python-flint ``arb`` balls, at one point or many. A ball's radius
  bounds the error of the whole evaluation, so one pass at ``dps + GUARD`` digits confirms
  the digits it returns: cheaper than two mpmath precisions, and a proof rather than agreement.
* :func:`working_function` — mpmath at a working precision, with every numeric constant
  (1/2, 1/π, π/4, …) computed once per precision rather than at each call;
  :func:`stable_value` evaluates it at two precisions and keeps the digits they share: the
  route where a ball is not finite or too wide (:func:`confirmed_value` chooses).
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
from collections.abc import Callable, Sequence

import mpmath
import numpy as np
import sympy as sp
from mpmath.libmp import from_man_exp

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


@functools.lru_cache(maxsize=64)
def _resolution(dps: int) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(10^{−dps−2}, 10^{5−work}) at ``work = dps + GUARD``: the agreement asked, and 'zero'."""
    return mpmath.mpf(10) ** (-dps - 2), mpmath.mpf(10) ** (5 - dps - GUARD)


def stable_value(evaluate: Callable, values: Sequence, dps: int) -> mpmath.mpf:
    """``evaluate(values, work)`` at work = dps + GUARD and work + 20 digits, returned to ``dps``
    significant digits when the two agree to dps + 2 (relative); else the working precision doubles
    (six tries) and then :class:`~theory.core.errors.PrecisionError`.

    Both below the working precision's resolution 10^{5−work} (a zero of Φ that
    the formula reaches by cancellation) is 0.
    """
    work = dps + GUARD
    agreement, zero = _resolution(dps)
    for _ in range(6):
        low, high = evaluate(values, work), evaluate(values, work + SECOND)
        if not (mpmath.isfinite(low) and mpmath.isfinite(high)):
            raise DerivationError(f"potential is not finite at {tuple(map(str, values))}")
        if abs(high - low) <= abs(high) * agreement:
            return output_context(dps).mpf(high)
        if max(abs(low), abs(high)) <= zero:
            return output_context(dps).mpf(0)
        work *= 2
        zero = mpmath.mpf(10) ** (5 - work)
    raise PrecisionError(f"could not reach {dps} stable digits at {tuple(map(str, values))}")


# ---------------------------------------------------------------------- N digits, many points

@functools.lru_cache(maxsize=256)
def _ball_function(expr: sp.Expr, variables: tuple, work: int) -> tuple[Callable, tuple, object]:
    """``expr`` on balls, its lifted constants as balls at ``work`` digits, and the ball 10^{5−work}."""
    body, symbols, numbers = lift_constants(expr)
    with flint_digits(work):
        constants = tuple(ball(c, evalf=work) for c in numbers)
        zero = ball(sp.Rational(1, 10) ** (work - 5))
    return ball_function(body, (*variables, *symbols)), constants, zero


def ball_values(expr: sp.Expr, variables: tuple, points: Sequence[Sequence], dps: int,
                *, product: bool = False) -> tuple[np.ndarray, list[int]]:
    """``expr`` at each point (a tuple of exact numbers, one per variable) to ``dps`` digits, by arb balls.

    Each value is evaluated once in ball arithmetic at dps + GUARD digits and kept when the
    ball's relative radius is below 2^{−p}, p the binary precision of dps + 3 digits, so that
    its midpoint rounded to ``dps`` digits is correct (a ball inside ±10^{5−work}, a zero
    reached by cancellation, is 0). With ``product=True`` a point holds the coordinates
    s₁…s_d and the value is ∏ᵢ expr(sᵢ).

    Returns (values, failed): an object array of mpf (``None`` where the ball is not finite
    or too wide — a branch point, an input off the domain, cancellation) and those indices.
    """
    from flint import arb

    work = dps + GUARD
    out = output_context(dps)
    values = np.empty(len(points), dtype=object)
    try:
        function, constants, zero = _ball_function(expr, variables, work)
    except PrecisionError:  # a function without a ball evaluation (Max, K₀, …)
        return values, list(range(len(points)))
    failed = []
    accuracy = mpmath.libmp.dps_to_prec(dps + 3)
    with flint_digits(work):
        for i, point in enumerate(points):
            balls = [arb(v) if type(v) is float else ball(v, evalf=work) for v in point]
            if product:
                value = functools.reduce(lambda u, v: u * v, (function(b, *constants) for b in balls))
            else:
                value = function(*balls, *constants)
            if value.rel_accuracy_bits() >= accuracy:
                man, exp = value.mid().man_exp()
                values[i] = out.make_mpf(from_man_exp(int(man), int(exp), out.prec, "n"))
            elif value.is_finite() and abs(value) < zero:
                values[i] = out.mpf(0)
            else:
                failed.append(i)
    return values, failed


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
    """``expr`` at one point to ``dps`` digits: one ball evaluation (:func:`ball_values`) when its
    radius proves them, else :func:`stable_value` of ``evaluate`` (two mpmath precisions)."""
    found, failed = ball_values(expr, variables, [values], dps, product=product)
    return stable_value(evaluate, values, dps) if failed else found[0]


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
