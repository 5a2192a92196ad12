"""Certified Gaussian means of a product of two affine activations on one line.

At ρ = ±1 (θ, w parallel) and at a zero norm the biased potential is a one-dimensional integral,

.. math::

    \\Phi = E[\\sigma(\\beta + aX)\\,\\sigma(\\gamma + cX)]
        = \\int_{\\mathbb{R}} \\sigma(\\beta + ax)\\,\\sigma(\\gamma + cx)\\,\\varphi(x)\\,dx ,
    \\qquad X \\sim N(0, 1),

with a = ‖θ‖ and c = ±‖w‖ (the sign of θᵀw); a factor of slope 0 is the constant σ(β), so at
θ = 0 the mean is σ(β)·E[σ(γ + ‖w‖X)]. :func:`line_mean` encloses it in an ``arb`` ball; the proof
rests on

* ``acb.integral`` on [−L, L] (its ball bounds its own error), cut at the kinks x = −β/a, −γ/c of
  the two factors, each piece integrating the analytic branch of σ on its side
  (:func:`~theory.potentials.hermite_series.analytic_branches`); the side of a factor on a piece is
  the sign of its argument at the piece's midpoint, decided exactly (SymPy) or by a ball that
  excludes 0, never by a float;
* the tails ``|x| > L`` bounded by an envelope ``|σ(t)| ≤ A + B|t|^p``: ``|σ(β + ax)|`` ≤ A +
  B(``|β|`` + ``|a|``·x)^p for x = ``|x|``, so the product is below a polynomial Σ_m P_m x^m with
  non-negative coefficients, and ∫_{``|x|`` > L} x^m φ = 2^{m/2} Γ((m + 1)/2, L²/2)/√π (arb's
  rigorous upper incomplete gamma function).

>>> import sympy as sp
>>> from theory.core.symbols import t
>>> ball = line_mean(sp.Max(t, 0), (0,), (0, 1, 1), (0, 1), (0, 1), dps=20)   # E[X₊²] = 1/2
>>> ball.str(20, radius=False), float(ball.rad()) < 1e-20
('0.50000000000000000000', True)
"""

from __future__ import annotations

import itertools
import math

import sympy as sp

from ..core.balls import ball, integer_power
from ..core.balls import digits as flint_digits
from ..core.errors import PrecisionError
from ..core.symbols import t
from .hermite_series import analytic_branches

GUARD = 15  # working digits beyond the target


def line_mean(sigma: sp.Expr, kinks: tuple, envelope: tuple, first: tuple, second: tuple, *, dps: int):
    """A ball containing E[σ(β + aX) σ(γ + cX)], ``first`` = (β, a), ``second`` = (γ, c) exact SymPy
    numbers (or ints), ``envelope`` = (A, B, p) with ``|σ(t)| ≤ A + B|t|^p`` proven, ``kinks`` those
    of σ (at most one, at 0). Computed at dps + :data:`GUARD` digits; the caller checks the radius."""
    from flint import acb, arb

    factors = tuple(tuple(sp.sympify(v, strict=True) for v in pair) for pair in (first, second))
    with flint_digits(dps + GUARD):
        reach = _reach(factors, dps)
        cuts = _cuts(factors, kinks)
        total = arb(0)
        for lo, hi in itertools.pairwise([-reach, *cuts, reach]):
            middle = sp.Rational(1, 2) * (lo + hi)
            parts = [_factor(sigma, kinks, shift, slope, _sign(shift + slope * middle))
                     for shift, slope in factors]

            def integrand(x, analytic, parts=parts):
                value = (-x * x / 2).exp()
                for part in parts:
                    value *= part(x, analytic)
                return value

            total += acb.integral(integrand, acb(ball(lo)), acb(ball(hi))).real
        return total / (2 * arb.pi()).sqrt() + arb(0, _tail(envelope, factors, reach).upper())


def _reach(factors: tuple, dps: int) -> int:
    """L (an integer) with e^{−L²/2} ≤ 10^{−2(dps + 6)}, and beyond every kink by 1."""
    kink = max((abs(float(ball(-shift / slope).mid())) for shift, slope in factors if slope != 0), default=0)
    return math.ceil(max(2 * math.sqrt((dps + 6) * math.log(10)) + 2, kink + 1))


def _cuts(factors: tuple, kinks: tuple) -> list:
    """The kinks x = −β/a of the factors with a slope, sorted and distinct (exact SymPy numbers)."""
    if not kinks:
        return []
    if tuple(kinks) != (0,):
        raise PrecisionError(f"no certified line integral for kinks at {kinks}: only a kink at 0 is split")
    cuts = [-shift / slope for shift, slope in factors if slope != 0]
    if len(cuts) == 2:
        order = _sign(cuts[1] - cuts[0])
        cuts = cuts[:1] if order == 0 else cuts if order > 0 else cuts[::-1]
    return cuts


def _factor(sigma: sp.Expr, kinks: tuple, shift, slope, side: int):
    """x ↦ σ(β + ax) on a piece where β + ax has the sign ``side`` (a = 0: the constant σ(β))."""
    if slope == 0:
        constant = ball(_point(sigma, shift))
        return lambda x, analytic: constant
    branch = {s: f for f, s in analytic_branches(sigma, kinks)}
    f = branch[0] if 0 in branch else branch[side]
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
