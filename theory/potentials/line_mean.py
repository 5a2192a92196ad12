"""Certified Gaussian means of a product of two affine activations on one line.

At ρ = ±1 (θ, w parallel) and at a zero norm the potential is a one-dimensional integral,

.. math::

    \\Phi = E[\\sigma(\\beta + aX)\\,\\sigma(\\gamma + cX)]
        = \\int_{\\mathbb{R}} \\sigma(\\beta + ax)\\,\\sigma(\\gamma + cx)\\,\\varphi(x)\\,dx ,
    \\qquad X \\sim N(0, 1),

with a = ‖θ‖ and c = ±‖w‖ (the sign of θᵀw); a factor of slope 0 is the constant σ(β), so at
θ = 0 the mean is σ(β)·E[σ(γ + ‖w‖X)]. The unbiased potential is the case β = γ = 0
(:meth:`theory.potentials.potential.Potential.at`, ``certified=True``). :func:`line_mean` encloses
it in an ``arb`` ball; the proof rests on

* ``acb.integral`` on [−L, L] (its ball bounds its own error), cut at every x = (κ − β)/a and
  (κ − γ)/c, κ a kink of σ, so that each piece integrates one analytic branch of each factor
  (:func:`~theory.potentials.hermite_series.analytic_branches`: the piece of σ's Piecewise form whose
  condition holds between two consecutive kinks, decided by SymPy's exact sets); the branch of a
  factor on a piece is the one containing its argument at the piece's midpoint, decided exactly
  (SymPy) or by a ball that excludes 0, never by a float (a condition that changes inside a piece,
  a kink σ's metadata missed, is refused);
* the tails ``|x| > L`` bounded by an envelope ``|σ(t)| ≤ A + B|t|^p``: ``|σ(β + ax)|`` ≤ A +
  B(``|β|`` + ``|a|``·x)^p for x = ``|x|``, so the product is below a polynomial Σ_m P_m x^m with
  non-negative coefficients, and ∫_{``|x|`` > L} x^m φ = 2^{m/2} Γ((m + 1)/2, L²/2)/√π (arb's
  rigorous upper incomplete gamma function). The envelope itself is a hypothesis, proven by hand
  for each activation that has one (:data:`~theory.potentials.hermite_series.ENVELOPES`, the
  biased families), not by the machine.

:func:`on_a_line` decides, in exact arithmetic, that inputs are such a line; :func:`certified_line`
computes the mean there to a radius of 10^{−dps}.

>>> import sympy as sp
>>> from theory.core.symbols import t
>>> ball = line_mean(sp.Max(t, 0), (0,), (0, 1, 1), (0, 1), (0, 1), dps=20)   # E[X₊²] = 1/2
>>> ball.str(20, radius=False), float(ball.rad()) < 1e-20
('0.50000000000000000000', True)
>>> clip = sp.Min(sp.Max(t, -1), 1)        # kinks at ±1: E[clip(X)²] = 1 − 2φ(1)
>>> line_mean(clip, (-1, 1), (1, 0, 0), (0, 1), (0, 1), dps=20).str(20, radius=False)
'0.51605855096171330040'
>>> str(sp.N(1 - 2 * sp.exp(-sp.Rational(1, 2)) / sp.sqrt(2 * sp.pi), 20))
'0.51605855096171330040'
"""

from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction

import sympy as sp

from ..core.balls import ball, integer_power
from ..core.balls import digits as flint_digits
from ..core.errors import PrecisionError
from ..core.symbols import t
from . import evaluation
from .hermite_series import analytic_branches

GUARD = 15  # working digits beyond the target


def line_mean(sigma: sp.Expr, kinks: tuple, envelope: tuple, first: tuple, second: tuple, *, dps: int):
    """A ball containing E[σ(β + aX) σ(γ + cX)], ``first`` = (β, a), ``second`` = (γ, c) exact SymPy
    numbers (or ints), ``envelope`` = (A, B, p) with ``|σ(t)| ≤ A + B|t|^p`` proven, ``kinks`` those
    of σ (anywhere). Computed at dps + :data:`GUARD` digits; the caller checks the radius."""
    from flint import acb, arb

    factors = tuple(tuple(sp.sympify(v, strict=True) for v in pair) for pair in (first, second))
    with flint_digits(dps + GUARD):
        cuts = _cuts(factors, kinks)
        reach = _reach(cuts, dps)
        total = arb(0)
        for lo, hi in itertools.pairwise([-reach, *cuts, reach]):
            middle = sp.Rational(1, 2) * (lo + hi)
            parts = [_factor(sigma, kinks, shift, slope, shift + slope * middle) for shift, slope in factors]

            def integrand(x, analytic, parts=parts):
                value = (-x * x / 2).exp()
                for part in parts:
                    value *= part(x, analytic)
                return value

            total += acb.integral(integrand, acb(ball(lo)), acb(ball(hi))).real
        return total / (2 * arb.pi()).sqrt() + arb(0, _tail(envelope, factors, reach).upper())


def certified_line(sigma: sp.Expr, kinks: tuple, envelope: tuple, values: tuple, *, dps: int, what: str):
    """:func:`line_mean` at exact (‖θ‖, ‖w‖, θᵀw, β, γ) with ρ = ±1 or a zero norm, to a radius at most
    10^{−dps}·max(1, ``|Φ|``): E[σ(β + ‖θ‖X) σ(γ + cX)], c = sign(θᵀw)·‖w‖, or ‖w‖ when θ = 0,
    at the working precisions of :func:`~theory.potentials.evaluation.precisions`."""
    na, nb, dot, beta, gamma = values
    slope = nb if na == 0 else nb * int(sp.sign(dot))
    for work in evaluation.precisions(dps):
        value = line_mean(sigma, kinks, envelope, (beta, na), (gamma, slope), dps=work)
        with flint_digits(work):
            if value.rad() <= 10 ** ball(-dps) * max(ball(1), abs(value).upper()):
                return value
    raise PrecisionError(f"no certified value of {what} at {values} to {dps} digits: the line "
                         f"integral's ball stayed wider than 10^-{dps}")


def on_a_line(values: tuple) -> tuple | None:
    """(‖θ‖, ‖w‖, θᵀw, β, γ) as exact SymPy numbers when all are exact and Φ is a line integral there
    (a zero norm, or θᵀw = ±‖θ‖‖w‖ decided in exact arithmetic), else None. Ints, Fractions, floats
    (their binary value), mpf, SymPy numbers and ``arb`` balls of radius 0 are exact."""
    point = exact_inputs(values)
    if point is None:
        return None
    na, nb, dot = point[:3]
    return point if na == 0 or nb == 0 or sp.simplify(dot**2 - na**2 * nb**2) == 0 else None


def exact_inputs(raw: tuple) -> tuple | None:
    """The inputs as exact SymPy numbers (an ``arb`` of radius 0 and a Fraction are exact, a Float is its
    binary value), None when one is a ball of positive radius."""
    values = []
    for v in raw:
        if type(v).__module__.startswith("flint"):
            if v.rad() != 0:
                return None
            man, exp = v.mid().man_exp()
            v = sp.Integer(int(man)) * sp.Integer(2) ** int(exp)
        elif isinstance(v, Fraction):
            v = sp.Rational(v.numerator, v.denominator)
        values.append(v)
    point = evaluation.exact_point(values)
    return None if point is None else tuple(sp.Rational(v) if isinstance(v, sp.Float) else v for v in point)


def _reach(cuts: list, dps: int) -> int:
    """L (an integer) with e^{−L²/2} ≤ 10^{−2(dps + 6)}, and beyond every cut by 1."""
    kink = max((abs(float(ball(cut).mid())) for cut in cuts), default=0)
    return math.ceil(max(2 * math.sqrt((dps + 6) * math.log(10)) + 2, kink + 1))


def _cuts(factors: tuple, kinks: tuple) -> list:
    """The points x = (κ − β)/a where a factor with a slope meets a kink κ of σ, sorted and distinct
    (exact SymPy numbers, compared by :func:`_sign`)."""
    points = [(kink - shift) / slope for shift, slope in factors if slope != 0 for kink in kinks]
    ordered = sorted(points, key=functools.cmp_to_key(lambda u, v: _sign(u - v)))
    return [p for i, p in enumerate(ordered) if i == 0 or _sign(p - ordered[i - 1]) != 0]


def _factor(sigma: sp.Expr, kinks: tuple, shift, slope, argument):
    """x ↦ σ(β + ax) on a piece where β + ax stays between two kinks and equals ``argument`` at the
    piece's midpoint (a = 0: the constant σ(β))."""
    if slope == 0:
        constant = ball(_point(sigma, shift))
        return lambda x, analytic: constant
    f = next(f for f, lo, hi in analytic_branches(sigma, kinks)
             if (lo == -sp.oo or _sign(argument - lo) > 0) and (hi == sp.oo or _sign(hi - argument) > 0))
    shift_, slope_ = ball(shift), ball(slope)
    return lambda x, analytic: f(shift_ + slope_ * x, analytic=analytic)


def _point(sigma: sp.Expr, value) -> sp.Expr:
    """σ(value) exactly, the step read as 1{t > 0} (SymPy's Heaviside(0) is 1/2)."""
    return sigma.replace(sp.Heaviside, lambda x, *_: sp.Heaviside(x, 0)).subs(t, value)


def _sign(value) -> int:
    """The sign of an exact SymPy number: 0 when it simplifies to 0, else a ball that excludes 0."""
    if sp.simplify(value) == 0:
        return 0
    enclosed = ball(value)
    if enclosed > 0:
        return 1
    if enclosed < 0:
        return -1
    raise PrecisionError(f"the sign of {value} is not decided: no certified line integral")


def _tail(envelope: tuple, factors: tuple, reach: int):
    """Σ_m P_m ∫_{``|x|`` > L} ``|x|``^m φ, P the product of A + B(``|β|`` + ``|a|``·x)^p over the factors."""
    from flint import arb

    big_a, big_b, p = envelope
    product = [arb(1)]
    for shift, slope in factors:
        beta, a = abs(ball(shift)), abs(ball(slope))
        bound = [math.comb(p, m) * ball(big_b) * integer_power(beta, p - m) * integer_power(a, m)
                 for m in range(p + 1)]
        bound[0] += ball(big_a)
        product = [sum((product[i] * bound[m - i] for i in range(len(product)) if 0 <= m - i < len(bound)),
                       arb(0)) for m in range(len(product) + len(bound) - 1)]
    z = arb(reach) ** 2 / 2
    return sum((q * arb(2) ** (arb(m) / 2) * z.gamma_upper(arb(m + 1) / 2) for m, q in enumerate(product)),
               arb(0)) / arb.pi().sqrt()
