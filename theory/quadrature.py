"""Gaussian expectations by high-precision quadrature, split at the kinks.

This is the toolkit's independent numeric route: it shares nothing with the
symbolic engine but the activation's expression, so it is what every closed
form is checked against, and what a potential falls back on when no exact
route applies.

For (U, V) centred normal with Var U = a², Var V = b², Cov = c, write
U = aX, V = (c/a)X + sY with s = √(b² − c²/a²) and X, Y independent standard
normal; then

.. math::

    E[f(U)g(V)] = \\int φ(x) f(ax) \\int φ(y)\\, g\\big(\\tfrac{c}{a}x + s y\\big)\\,dy\\,dx .

Each one-dimensional integral is split at the points where its integrand has a
kink (mpmath's tanh–sinh rule converges fast only on smooth pieces).

>>> import sympy as sp
>>> from theory.symbols import t
>>> relu = sp.Max(t, 0)
>>> str(gaussian_mean(relu, dps=30))      # E[max(X, 0)] = 1/√(2π)
'0.398942280401432677939946059934'
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
import sympy as sp

from .errors import InputError
from .numeric import context, mpmath_function, output_context
from .symbols import t

GUARD = 10  # extra working digits


def gaussian_mean(f: sp.Expr, scale=1, *, dps: int = 30, kinks: Sequence = ()) -> mpmath.mpf:
    """E[f(aX)] for X ~ N(0, 1) and a = ``scale``, to ``dps`` digits."""
    ctx = context(dps + GUARD)
    fn = mpmath_function(f, (t,), ctx)
    a = ctx.mpf(sp.N(scale, dps + GUARD)) if not isinstance(scale, mpmath.mpf) else ctx.mpf(scale)
    points = [ctx.mpf(sp.N(k, dps + GUARD)) / a for k in _kinks(f, kinks)]
    ctx.cutoff = _cutoff(ctx, a, _growth(f), a)
    value = _normal_integral(ctx, lambda x: fn(a * x), points)
    return output_context(dps).mpf(value)


def bivariate(f: sp.Expr, g: sp.Expr | None = None, a=1, b=1, c=0, *, dps: int = 30,
              kinks: Sequence = ()) -> mpmath.mpf:
    """E[f(U)g(V)] with Var U = a², Var V = b², Cov(U, V) = c, to about ``dps`` digits.

    ``f`` and ``g`` are expressions in ``t``; their kinks are found from Max,
    Min, Abs, sign, Heaviside (or passed as ``kinks``).
    """
    g = f if g is None else g
    ctx = context(dps + GUARD)
    a, b, c = (ctx.mpf(sp.N(v, dps + GUARD)) for v in (a, b, c))
    if a <= 0 or b <= 0:
        raise InputError(f"standard deviations must be positive, got a={a}, b={b}")
    s2 = b**2 - c**2 / a**2
    if s2 < -ctx.mpf(10) ** (-(dps + GUARD) // 2):
        raise InputError(f"covariance {c} exceeds a·b = {a * b}: not a valid covariance")
    fn, gn = mpmath_function(f, (t,), ctx), mpmath_function(g, (t,), ctx)
    ctx.cutoff = _cutoff(ctx, a + b, _growth(f) + _growth(g), max(a, b))
    kf, kg = _kinks(f, kinks), _kinks(g, kinks)
    if c == 0:  # independent: the double integral factorises
        return output_context(dps).mpf(gaussian_mean(f, a, dps=dps + GUARD) * gaussian_mean(g, b, dps=dps + GUARD))
    slope, s = c / a, ctx.sqrt(max(s2, 0))
    if s == 0:  # V is a multiple of U
        points = [ctx.mpf(k) / a for k in kf] + ([ctx.mpf(k) / slope for k in kg] if slope else [])
        return output_context(dps).mpf(_normal_integral(ctx, lambda x: fn(a * x) * gn(slope * x), points))

    def inner(x):
        points = [(ctx.mpf(k) - slope * x) / s for k in kg]
        return _normal_integral(ctx, lambda y: gn(slope * x + s * y), points)

    def integrand(x):
        outer = fn(a * x)
        return outer * inner(x) if outer else outer  # skip the inner integral where f vanishes

    outer_points = [ctx.mpf(k) / a for k in kf]
    return output_context(dps).mpf(_normal_integral(ctx, integrand, outer_points))


def _kinks(expr: sp.Expr, extra: Sequence) -> list:
    from .activations import activation  # local: activations imports nothing numeric

    found = set(activation(expr).kinks) if expr.has(t) else set()
    return sorted(found | {sp.S(k) for k in extra})


def _growth(expr: sp.Expr) -> sp.Expr:
    from .activations import activation

    return activation(expr).growth if expr.has(t) else sp.S.Zero


def _cutoff(ctx: mpmath.MPContext, slope, beta, scale) -> mpmath.mpf:
    """L with ∫_{|x|>L} φ(x)|f g| dx below 10^{−ctx.dps}, for |f g| ≤ C e^{slope·|x| + β·scale²x²}.

    Truncating the line to [−L, L] lets tanh–sinh work on finite pieces, which
    converges far faster than its infinite-interval variant.
    """
    decay = ctx.mpf(1) / 2 - ctx.mpf(sp.N(beta, 20)) * scale**2
    if decay <= 0:
        raise InputError("the Gaussian expectation diverges: activation grows like e^{t²/4} or faster")
    digits = (ctx.dps + 5) * ctx.ln(10)
    return (slope + ctx.sqrt(slope**2 + 4 * decay * digits)) / (2 * decay) + 1


def _normal_integral(ctx: mpmath.MPContext, fn, points: Sequence) -> mpmath.mpf:
    """∫ φ(x) fn(x) dx over [−L, L] (L = ``ctx.cutoff``), split at ``points``."""
    density = 1 / ctx.sqrt(2 * ctx.pi)
    cut = ctx.cutoff
    nodes = [-cut] + sorted({p for p in points if -cut < p < cut}) + [cut]
    return density * ctx.quad(lambda x: ctx.exp(-x**2 / 2) * fn(x), nodes)
