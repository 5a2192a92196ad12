r"""The radial laws in ball arithmetic (python-flint ``arb``): enclosures proven to contain the value.

For a law of :mod:`theory.separation.laws`, :func:`survival` encloses P[‖x‖ ≥ x] at a point and
:func:`density_bound` an upper bound of the radius density γ on an interval. The formulas:

==================  ===========================================================================
 law                 P[R ≥ x]
==================  ===========================================================================
 ``Gaussian``        Q(d/2, x²/(2σ²)), the regularised upper incomplete gamma function
 ``RadialCauchy``    I_{s²/(s² + x²)}(1/2, d/2) (R²/(d s²) ~ F(d, 1), a beta integral)
 ``SphereSum``       1 − I_{x²/4}(a, a), a = (d − 1)/2, for x < 2; 0 beyond
 ``BesselMixture``   ½ (J₀² + 2 Σ_{k<ν} J_k² + J_ν²)(kx) + ½ Q(d/2, d x²/2), ν = d/2 an integer (even d)
==================  ===========================================================================

Density bounds split the interval into cells [a, b] and bound γ on each by monotone factors
(γ = u·v with u increasing and v decreasing gives γ ≤ u(b)·v(a)), and for the Bessel part
d·J_ν(kr)²/r by J_ν at the cell's midpoint and the derivative bound abs(J_ν′) ≤ 1: every step is an
enclosure, so the maximum over the cells is a proven upper bound.
"""

from __future__ import annotations

import functools
import itertools

from flint import arb

from theory.core.balls import digits
from theory.core.errors import InputError

from .laws import BesselMixture, Gaussian, RadialCauchy, RadialLaw, SphereSum

#: Decimal digits of the ball arithmetic.
DIGITS = 30


def _ball(value) -> arb:
    return value if isinstance(value, arb) else arb(str(value))


def survival(law: RadialLaw, x) -> arb:
    """P[‖x‖ ≥ x] enclosed in a ball."""
    with _precision():
        return _survival(law, x)


def mass(law: RadialLaw, x) -> arb:
    """P[‖x‖ ≤ x] = 1 − P[‖x‖ ≥ x] (the radius has a density)."""
    with _precision():
        return 1 - _survival(law, x)


@functools.singledispatch
def _survival(law: RadialLaw, x) -> arb:
    raise InputError(f"{law!r}: no ball-arithmetic form of its radius law")


@_survival.register
def _(law: Gaussian, x) -> arb:
    x = _ball(x)
    return (x * x / (2 * _ball(law.variance))).gamma_upper(arb(law.d) / 2, regularized=1)


@_survival.register
def _(law: RadialCauchy, x) -> arb:
    x, s2 = _ball(x), _ball(law.scale) ** 2
    return (s2 / (s2 + x * x)).beta_lower(arb(1) / 2, arb(law.d) / 2, regularized=1)


@_survival.register
def _(law: SphereSum, x) -> arb:
    x = _ball(x)
    if x >= 2:
        return arb(0)
    a = arb(law.d - 1) / 2
    return 1 - (x * x / 4).beta_lower(a, a, regularized=1)


def bessel_rate(law: BesselMixture) -> arb:
    """k = 2πα√d R_d, R_d = Γ(d/2 + 1)^{1/d}/√π, in ball arithmetic."""
    d = arb(law.d)
    return 2 * arb.pi() * _ball(law.alpha) * d.sqrt() * (d / 2 + 1).gamma() ** (1 / d) / arb.pi().sqrt()


@_survival.register
def _(law: BesselMixture, x) -> arb:
    if law.d % 2:
        raise InputError(f"{law!r}: the Bessel tail has a closed form for even d only")
    x, nu = _ball(x), law.d // 2
    s = bessel_rate(law) * x
    inner = sum((s.bessel_j(j) ** 2 for j in range(1, nu)), arb(0))
    bessel = s.bessel_j(0) ** 2 + 2 * inner + s.bessel_j(nu) ** 2
    gauss = (arb(law.d) * x * x / 2).gamma_upper(arb(law.d) / 2, regularized=1)
    return (bessel + gauss) / 2


@functools.singledispatch
def cell_bound(law: RadialLaw, a: arb, b: arb) -> arb:
    """An upper bound of the radius density on the cell [a, b] ⊂ (0, ∞)."""
    raise InputError(f"{law!r}: no ball-arithmetic bound of its radius density")


@cell_bound.register
def _(law: Gaussian, a: arb, b: arb) -> arb:
    """γ(r) = r^{d−1} e^{−r²/(2σ²)} / (2^{d/2−1} σ^d Γ(d/2))."""
    d, v = arb(law.d), _ball(law.variance)
    return b ** (law.d - 1) * (-a * a / (2 * v)).exp() / (2 ** (d / 2 - 1) * v ** (d / 2) * (d / 2).gamma())


@cell_bound.register
def _(law: RadialCauchy, a: arb, b: arb) -> arb:
    """γ(r) = 2 r^{d−1} s / (B(d/2, 1/2) (s² + r²)^{(d+1)/2}) (from R²/(d s²) ~ F(d, 1))."""
    d, s = arb(law.d), _ball(law.scale)
    beta = (d / 2).gamma() * arb.pi().sqrt() / ((d + 1) / 2).gamma()
    return 2 * b ** (law.d - 1) * s / (beta * (s * s + a * a) ** ((d + 1) / 2))


@cell_bound.register
def _(law: SphereSum, a: arb, b: arb) -> arb:
    """γ(r) = Γ(d/2)/(√π Γ((d−1)/2)) r^{d−2} (1 − r²/4)^{(d−3)/2} on (0, 2), 0 beyond; d ≥ 3."""
    if law.d < 3:
        raise InputError("D'_2: the radius density is unbounded at r = 2 (an arcsine law)")
    if a >= 2:
        return arb(0)
    d = arb(law.d)
    b = min(b, arb(2))
    constant = (d / 2).gamma() / (arb.pi().sqrt() * ((d - 1) / 2).gamma())
    return constant * b ** (law.d - 2) * (1 - a * a / 4) ** ((d - 3) / 2)


@cell_bound.register
def _(law: BesselMixture, a: arb, b: arb) -> arb:
    """½ d J_ν(kr)²/r + ½ (the radius density of N(0, I/d)), with abs(J_ν) ≤ abs(J_ν(km)) + k(b − a)/2 on the
    cell (m its midpoint): abs(J_ν′) = abs(J_{ν−1} − J_{ν+1})/2 ≤ 1 for ν ≥ 1 (DLMF 10.6.1, 10.14.1)."""
    if law.d < 2:
        raise InputError(f"{law!r}: the derivative bound needs ν = d/2 ≥ 1")
    k = bessel_rate(law)
    j = abs((k * (a + b) / 2).bessel_j(arb(law.d) / 2)) + k * (b - a) / 2
    bessel = arb(law.d) * arb(j.upper()) ** 2 / a
    return (bessel + cell_bound(Gaussian(law.d, 1.0 / law.d), a, b)) / 2


def density_bound(law: RadialLaw, low, high, cells: int = 2000) -> arb:
    """A proven upper bound of the radius density on [low, high], the maximum of the cell bounds."""
    with _precision():
        low, high = _ball(low), _ball(high)
        if not low > 0:
            raise InputError(f"density_bound: the interval must start above 0, got {low}")
        edges = [low + (high - low) * i / cells for i in range(cells + 1)]
        return max((arb(cell_bound(law, p, q).upper()) for p, q in itertools.pairwise(edges)),
                   key=lambda ball: ball.upper())


def tail_bound(law: RadialLaw, start, end, points: int = 200) -> arb:
    """A proven upper bound of x·P[‖x‖ ≥ x] over x ∈ [start, end]: on [x_i, x_{i+1}] of a geometric grid,
    x·P[‖x‖ ≥ x] ≤ x_{i+1}·P[‖x‖ ≥ x_i] since the survival function does not increase."""
    with _precision():
        start, end = _ball(start), _ball(end)
        ratio = (end / start) ** (arb(1) / points)
        grid = [start * ratio ** i for i in range(points + 1)]
        return max((arb((q * _survival(law, p)).upper()) for p, q in itertools.pairwise(grid)),
                   key=lambda ball: ball.upper())


def _precision():
    """Work at :data:`DIGITS` digits, restoring the caller's precision."""
    return digits(DIGITS)
