"""Φ(a, b, ρ) = E[σ(aU)σ(bV)] by tensor Gauss–Legendre in ball arithmetic: a reference route.

For (U, V) standard normal with correlation ρ, V = ρU + sW (s = √(1 − ρ²), W independent),

.. math::

    \\Phi(a, b, \\rho) = \\int φ(u)\\, σ(au) \\int φ(w)\\, σ\\big(b(ρu + sw)\\big)\\, dw\\, du ,

and for ρ = ±1 the line integral ∫φ(u)σ(au)σ(±bu)du. Each line integral is cut to [−L, L]
(the Gaussian tail beyond L, times a σ of at most linear growth, is below the target) and
covered by pieces of width one, split at the kinks of σ (in the inner integral at
w = (kink/b − ρu)/s, which moves with u); a piece carries n Gauss–Legendre nodes
(python-flint's ``legendre_p_root``, with weights) from the bound ρ_E^{−2n},
ρ_E = e^{asinh(δ/h)}, of a function analytic within δ of a piece of half-width h, asking of each
piece only the digits its Gaussian weight leaves significant. δ is an *assumption*:
``distance`` in σ's own variable, π/2 by default (tanh has poles at ±iπ/2; sigmoid, softplus,
swish, mish and ELU's pieces are analytic farther out), divided by the scale (max(a, b|ρ|) outside,
b·s inside), and at most
:data:`GAUSSIAN` (where the density's growth e^{δ²/2} off the line is charged to the digits).

**The digits are confirmed, not proven**: two rules, at two working precisions and with
different numbers of nodes, must agree to ``10^−digits·max(1, |Φ|)``, else
:class:`~theory.core.errors.PrecisionError`. The route shares nothing with the Hermite series of
:mod:`~theory.potentials.hermite_series` and :mod:`~theory.potentials.hermite_norms` (it is
what their tests and benchmark check them against).

>>> value = pair_mean(lambda x: x.tanh(), 1, 1, 0.5, 20)
>>> print(value.str(18, radius=False))
0.186324413203448086
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from fractions import Fraction

from ..core.errors import InputError, PrecisionError

DISTANCE = math.pi / 2    # assumed distance of σ's singularities from the real line, in its variable
WIDTH = 1                 # width of a piece of [−L, L]
GAUSSIAN = 2.0            # the distance used at most (φ's own growth off the line limits it)
EXTRA = (8, 20)           # the two rules: working precision (digits) beyond the target, and…
MORE_NODES = (4, 10)      # …nodes per piece beyond the bound's


def pair_mean(sigma: Callable, a, b, rho, digits: int, *, kinks: tuple = (), distance: float = DISTANCE):
    """E[σ(aU)σ(bV)] for standard normal U, V of correlation ρ, to ``digits`` confirmed digits.

    ``sigma`` maps a python-flint ``arb`` to an ``arb``; a, b ≥ 0 and ρ ∈ [−1, 1] are ints, floats
    or :class:`fractions.Fraction` (exact); ``kinks`` are the points where σ is not analytic.
    Returns the second rule's ``arb`` (its radius covers rounding only, not the quadrature)."""
    from flint import ctx

    if not (digits >= 1 and a >= 0 and b >= 0 and -1 <= rho <= 1):
        raise InputError(f"need digits ≥ 1, a, b ≥ 0 and |ρ| ≤ 1, got {digits}, {a}, {b}, {rho}")
    values = []
    saved = ctx.prec
    try:
        for extra, more in zip(EXTRA, MORE_NODES, strict=True):
            ctx.prec = math.ceil((digits + extra) * math.log2(10))
            values.append(_mean(sigma, _exact(a), _exact(b), _exact(rho), digits + 3, more, kinks, distance))
        difference, scale = abs(values[0] - values[1]), max(1.0, abs(float(values[1].mid())))
        if not float(difference.mid()) <= 10.0 ** -digits * scale:
            raise PrecisionError(f"the two Gauss–Legendre rules differ by {float(difference.mid()):.1e} "
                                 f"> 10^-{digits} (σ not analytic within {distance} of the line?)")
        return values[1]
    finally:
        ctx.prec = saved


def _exact(x):
    from flint import arb

    x = Fraction(x)
    return arb(x.numerator) / x.denominator


def _mean(sigma, a, b, rho, digits, more, kinks, distance):
    from flint import arb

    reach = _reach(digits)
    scale = max(float(a.mid()), float(abs(b * rho).mid()), 1e-300)       # the inner mean moves with b·ρ·u
    outer = _rule(reach, digits, more, _breaks(kinks, a, arb(0)), distance / scale)
    if abs(float(rho.mid())) == 1:
        return sum(w * sigma(a * u) * sigma(rho * b * u) for u, w in outer)
    s = (1 - rho * rho).sqrt()
    inner_distance = distance / max(float((b * s).mid()), 1e-300)
    fixed = None if kinks else _rule(reach, digits, more, (), inner_distance)
    total = arb(0)
    for u, w in outer:
        inner = fixed or _rule(reach, digits, more, _breaks(kinks, b * s, b * rho * u), inner_distance)
        shift = b * rho * u
        total += w * sigma(a * u) * sum(v * sigma(shift + b * s * x) for x, v in inner)
    return total


def _reach(digits: int) -> int:
    """L with e^{−L²/2}·L² below 10^−digits (the tail of φ times a σ of linear growth, squared)."""
    return math.ceil(math.sqrt(2 * digits * math.log(10)) + 2)


def _breaks(kinks: tuple, scale, shift) -> tuple:
    """The points x where σ(shift + scale·x) has a kink (balls: a node never lands on the wrong side)."""
    if float(scale.mid()) == 0:
        return ()
    return tuple((k - shift) / scale for k in kinks)


def _rule(reach: int, digits: int, more: int, breaks: tuple, distance: float) -> list:
    """[(node, weight·φ(node))] on [−L, L]: pieces of width WIDTH, cut at the breaks."""
    from flint import arb

    grid = {x: arb(x) for x in range(-reach, reach + 1, WIDTH)}
    grid.update({float(x.mid()): x for x in breaks if abs(float(x.mid())) < reach})
    cuts = sorted(grid)
    out = []
    for left, right in itertools.pairwise(cuts):
        half = (right - left) / 2
        weight = math.exp(-min(left * left, right * right) / 2) if left * right > 0 else 1.0
        needed = digits + math.log10(max(weight, 1e-300))
        if needed <= 0:
            continue
        reach_out = min(distance, GAUSSIAN)                # φ grows like e^{δ²/2} at distance δ
        needed += reach_out ** 2 / 2 / math.log(10)
        nodes = math.ceil(needed * math.log(10) / (2 * math.asinh(reach_out / half))) + 1 + more
        centre, width = (grid[left] + grid[right]) / 2, (grid[right] - grid[left]) / 2
        for x, w in _legendre(nodes, _precision()):
            u = centre + width * x
            out.append((u, w * width * (-u * u / 2).exp() / (2 * arb.pi()).sqrt()))
    return out


def _precision() -> int:
    from flint import ctx

    return ctx.prec


@functools.cache
def _legendre(nodes: int, precision: int) -> list:
    """Gauss–Legendre nodes and weights on [−1, 1] (balls, at the working precision)."""
    from flint import arb

    return [arb.legendre_p_root(nodes, k, weight=True) for k in range(nodes)]
