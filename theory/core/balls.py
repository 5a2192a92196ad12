"""SymPy to python-flint ball arithmetic: enclosures proven to contain the exact value.

* :func:`ball_function` compiles a SymPy expression, by a walk of its tree (nothing is
  eval'd), to a function on ``arb`` (real) or ``acb`` (complex) balls;
* :func:`ball` is a number as an ``arb`` ball containing it (or :class:`NoEnclosure`);
* :func:`precision` (bits) and :func:`digits` (decimal digits) set python-flint's global
  working precision, restored afterwards.

**What is rigorous.** The walker knows integers, rationals, Floats (their binary value,
exactly), π, e, sums, products, powers, and exp, log, sin, cos, tan, sinh, cosh, tanh, asin,
acos, atan, erf, erfc, and — on real balls only — Abs and atan2. Each is arb's own
enclosure, so a value contains the exact one at every point of the input balls (it is not
finite where a ball meets a pole or a branch point: test ``is_finite()``). Integer powers go
by squaring (arb's ``**`` of a ball containing 0 is NaN), x^{k/2} through √x, other powers
by arb's ``**`` (e^{p log z} on complex balls). On complex balls log, √ and non-integer
powers forward ``analytic`` (their branch cut), as ``acb.integral`` needs.

Any other function (Max, Piecewise, besselk, …), a symbol without a value, or Abs/atan2 of
a complex ball raises :class:`NoEnclosure`, a
:class:`~theory.core.errors.PrecisionError`: no certified value exists there.

>>> import sympy as sp
>>> from flint import arb
>>> x = sp.Symbol("x")
>>> f = ball_function(sp.sqrt(x) * x**2 + sp.pi, (x,))
>>> with digits(30):
...     f(arb(4)).contains(32 + arb.pi())
True
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from .errors import InputError, PrecisionError


class NoEnclosure(PrecisionError):
    """The expression has a function (or a symbol) with no ball evaluation here."""


@contextlib.contextmanager
def precision(bits: int) -> Iterator[None]:
    """python-flint's (global) working precision set to ``bits`` bits, restored afterwards."""
    from flint import ctx  # flint only when ball arithmetic is asked for

    saved = ctx.prec
    ctx.prec = bits
    try:
        yield
    finally:
        ctx.prec = saved


def digits(dps: int) -> contextlib.AbstractContextManager[None]:
    """:func:`precision` at ``dps`` decimal digits (the bits ``flint.ctx.dps = dps`` would set)."""
    return precision(mpmath.libmp.dps_to_prec(dps))


# ---------------------------------------------------------------------- numbers

def ball(value, evalf: int | None = None):
    """A number (int, Fraction, float, Rational, mpf of any context, SymPy number, arb) as an arb ball
    containing it, at the working precision.

    A SymPy number the walker cannot enclose (besselk(0, 1), …) raises :class:`NoEnclosure`,
    or with ``evalf`` digits given is evalf'd to ``evalf`` + 20 digits and widened by
    10^{−evalf−18} relative: that ball trusts evalf's digits and is not a proof.

    >>> with digits(30):
    ...     root = ball(sp.sqrt(2))
    ...     (root * root).contains(2), root.rad() < 1e-29, ball(sp.Rational(1, 3)).contains(ball(0.3))
    (True, True, False)
    """
    from flint import arb

    if isinstance(value, arb):
        return value
    if isinstance(value, (int, np.integer, sp.Integer)):
        return arb(int(value))
    if isinstance(value, sp.Rational):
        return arb(int(value.p)) / int(value.q)
    if isinstance(value, Fraction):
        return arb(value.numerator) / value.denominator
    if isinstance(value, (float, np.floating)):
        return arb(float(value))                                    # a double is an exact binary number
    if isinstance(value, (mpmath.mpf, sp.Float)) or type(value).__name__ == "mpf":   # any context's mpf
        sign, man, exp, _ = value._mpf_
        if not man:                                    # 0, or mpmath's ±inf and nan: a NaN ball
            return arb(0) if not exp else arb("nan")
        return arb((-int(man) if sign else int(man), int(exp)))
    if isinstance(value, sp.Basic) and value.is_number:
        try:
            return ball_function(value, ())()
        except NoEnclosure:
            if evalf is None:
                raise
        mid = arb(str(sp.N(value, evalf + 20)))
        return mid + arb(0, abs(mid).upper() * arb(10) ** -(evalf + 18))
    raise InputError(f"cannot read {value!r} as a real number for a certified value")


# ---------------------------------------------------------------------- expressions

#: SymPy functions and the name of their ball method (on arb and on acb).
UNARY = {sp.exp: "exp", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.sinh: "sinh",
         sp.cosh: "cosh", sp.tanh: "tanh", sp.asin: "asin", sp.acos: "acos", sp.atan: "atan",
         sp.erf: "erf", sp.erfc: "erfc"}

Compiled = Callable[[Sequence, bool], Any]


def ball_function(expr: sp.Basic, symbols: Sequence[sp.Symbol]) -> Callable[..., Any]:
    """``expr`` as ``f(*balls, analytic=False)``, one ball (arb or acb) per symbol.

    Raises :class:`NoEnclosure` when a part of ``expr`` has no ball evaluation.

    >>> from flint import arb
    >>> x = sp.Symbol("x")
    >>> ball_function(x**2 + x**3, (x,))(arb(0, 1e-3)).contains(0)
    True
    >>> ball_function(sp.Max(x, 0), (x,))
    Traceback (most recent call last):
    ...
    theory.core.balls.NoEnclosure: no ball-arithmetic evaluation of Max (in Max(0, x)): no certified value
    """
    symbols = tuple(symbols)
    body = _compile(expr, symbols, expr)
    return lambda *balls, analytic=False: body(balls, analytic)


def _compile(node: sp.Basic, symbols: tuple, whole: sp.Basic) -> Compiled:
    from flint import arb

    if node in symbols:
        i = symbols.index(node)
        return lambda args, analytic: args[i]
    if node.is_Integer:
        integer = arb(int(node))                       # exact at any precision: built once
        return lambda args, analytic: integer
    if node.is_Rational:
        p, q = int(node.p), int(node.q)
        return lambda args, analytic: arb(p) / q
    if node.is_Float:
        value = ball(node)                             # exact: the Float's own binary digits
        return lambda args, analytic: value
    if node is sp.pi:
        return lambda args, analytic: arb.pi()
    if node is sp.E:
        return lambda args, analytic: arb.const_e()
    if node.is_Symbol:
        raise NoEnclosure(f"no value for {node} in the ball evaluation of {whole}")
    parts = [_compile(a, symbols, whole) for a in node.args]
    if node.is_Add:
        return _fold(parts, operator.add)
    if node.is_Mul:
        return _fold(parts, operator.mul)
    if node.is_Pow:
        return _power(node.exp, *parts)
    if node.func is sp.log:
        return _unary(parts[0], _log)
    if node.func in UNARY:
        name = UNARY[node.func]
        return _unary(parts[0], lambda z, analytic: getattr(z, name)())
    if node.func is sp.Abs:
        return _unary(parts[0], lambda z, analytic: abs(_real(z, node)))
    if node.func is sp.atan2:
        y, x = parts
        return lambda args, analytic: arb.atan2(*(_real(f(args, analytic), node) for f in (y, x)))
    raise NoEnclosure(f"no ball-arithmetic evaluation of {node.func} (in {whole}): no certified value")


def _fold(parts: list, op) -> Compiled:
    """A sum or product of the parts (two terms: one call)."""
    first, *rest = parts
    if len(rest) == 1:
        second = rest[0]
        return lambda args, analytic: op(first(args, analytic), second(args, analytic))

    def folded(args, analytic):
        value = first(args, analytic)
        for part in rest:
            value = op(value, part(args, analytic))
        return value
    return folded


def _unary(inner: Compiled, apply) -> Compiled:
    return lambda args, analytic: apply(inner(args, analytic), analytic)


def _power(exponent: sp.Expr, base: Compiled, power: Compiled) -> Compiled:
    if exponent.is_Integer:
        n = int(exponent)
        return lambda args, analytic: integer_power(base(args, analytic), n)
    if exponent.is_Rational and exponent.q == 2:
        k = int(exponent.p)
        return lambda args, analytic: integer_power(_sqrt(base(args, analytic), analytic), k)
    return lambda args, analytic: _general_power(base(args, analytic), power(args, analytic), analytic)


def integer_power(z, n: int):
    """zⁿ by squaring (python-flint's ``**`` gives NaN for a ball that contains 0).

    >>> from flint import arb
    >>> integer_power(arb(0, 1), 2).is_finite(), integer_power(arb(2), -2)
    (True, 0.250000000000000)
    """
    if n < 0:
        return 1 / integer_power(z, -n)
    if n == 0:
        return z * 0 + 1
    result, square = None, z
    while True:
        if n & 1:
            result = square if result is None else result * square
        n >>= 1
        if not n:
            return result
        square = square * square


def _is_complex(z) -> bool:
    from flint import acb

    return isinstance(z, acb)


def _real(z, node: sp.Basic):
    if _is_complex(z):
        raise NoEnclosure(f"{node.func} has no ball evaluation on complex balls (not analytic)")
    return z


def _log(z, analytic: bool):
    return z.log(analytic=analytic) if _is_complex(z) else z.log()


def _sqrt(z, analytic: bool):
    return z.sqrt(analytic=analytic) if _is_complex(z) else z.sqrt()


def _general_power(z, p, analytic: bool):
    return (p * z.log(analytic=analytic)).exp() if _is_complex(z) else z ** p
