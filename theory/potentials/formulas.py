"""Known closed forms of Gaussian dual activations, kept as data.

Each :class:`Formula` is an activation, its potential as a SymPy expression,
and the literature it comes from. The table is *not* how :mod:`theory.potentials.gaussian`
derives potentials; it is an independent statement of the known results,
against which the engine is checked (and each entry is itself checked by
quadrature in the tests). The product rows realise translation-invariant
potentials and are what :func:`theory.potentials.potential.potential` uses for them.

Ridge rows are in ``na = ‖θ‖``, ``nb = ‖w‖``, ``dot = θᵀw``; product rows in
``s = θᵢ − wᵢ`` (one coordinate).

>>> arc_cosine(0)
pi - acos(rho)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..core.latex import latex as house_latex
from ..core.symbols import dot, na, nb, rho, s
from .activations import Activation

_angle = sp.Symbol("vartheta", positive=True)
_cos = dot / (na * nb)


@dataclass(frozen=True)
class Formula:
    """Φ for one activation, with its source."""

    activation: str
    result: sp.Expr
    reference: str

    def latex(self) -> str:
        return house_latex(self.result)


def arc_cosine(n: int) -> sp.Expr:
    """Cho & Saul's J_n(ϑ) = (−1)ⁿ sin^{2n+1}ϑ · (sin⁻¹ϑ ∂_ϑ)ⁿ ((π − ϑ)/sin ϑ), in ρ = cos ϑ.

    E[max(U,0)ⁿ max(V,0)ⁿ] = ‖θ‖ⁿ‖w‖ⁿ J_n(ϑ)/(2π) with cos ϑ = θᵀw/(‖θ‖‖w‖).
    """
    g = (sp.pi - _angle) / sp.sin(_angle)
    for _ in range(n):
        g = sp.diff(g, _angle) / sp.sin(_angle)
    value = sp.simplify((-1) ** n * sp.sin(_angle) ** (2 * n + 1) * g)
    value = value.subs(sp.sin(_angle), sp.sqrt(1 - rho**2))
    value = sp.expand_trig(value).subs(sp.cos(_angle), rho).subs(sp.sin(_angle), sp.sqrt(1 - rho**2))
    value = sp.expand(value)
    return value.subs(_angle, sp.acos(rho))


def _relu_power(n: int) -> sp.Expr:
    return (na * nb) ** n * arc_cosine(n).subs(rho, _cos) / (2 * sp.pi)


def _relu_kernel(c: sp.Expr) -> sp.Expr:
    """E[max(U,0)max(V,0)] with Cov(U,V) = c."""
    return _relu_power(1).subs(dot, c)


_alpha, _scale = sp.Rational(1, 100), sp.S.One
_EXPONENTIAL_DECAY = sp.exp(-(na**2 + nb**2) / 2)

#: Ridge activations: (registry name, Φ(‖θ‖, ‖w‖, θᵀw), source).
RIDGE: tuple[Formula, ...] = (
    Formula("linear", dot, "E[UV] = Cov(U, V)"),
    Formula("relu", _relu_power(1), "Cho & Saul 2009, arc-cosine kernel J_1"),
    Formula("relu_power(2)", _relu_power(2), "Cho & Saul 2009, arc-cosine kernel J_2"),
    Formula("relu_power(3)", _relu_power(3), "Cho & Saul 2009, arc-cosine kernel J_3"),
    Formula("step", 1 - sp.acos(_cos) / (2 * sp.pi) - sp.S.Half, "Cho & Saul 2009, J_0/(2π)"),
    Formula("sign", 2 * sp.asin(_cos) / sp.pi, "Sheppard 1899: E[sgn U sgn V] = (2/π) arcsin ρ"),
    Formula("abs", 2 * na * nb / sp.pi * (sp.sqrt(1 - _cos**2) + _cos * sp.asin(_cos)),
            "E|U||V| = (2/π)‖θ‖‖w‖(√(1−ρ²) + ρ arcsin ρ)"),
    Formula("leaky_relu", (1 + _alpha**2) * _relu_kernel(dot) - 2 * _alpha * _relu_kernel(-dot),
            "max(t,0) + α min(t,0) = relu(t) − α relu(−t), α = 1/100"),
    Formula("erf", 2 / sp.pi * sp.asin(2 * _scale**2 * dot / sp.sqrt(
        (1 + 2 * _scale**2 * na**2) * (1 + 2 * _scale**2 * nb**2))), "Williams 1997"),
    Formula("exp", sp.exp((na**2 + nb**2) / 2 + dot), "Gaussian moment generating function"),
    Formula("cos", _EXPONENTIAL_DECAY * sp.cosh(dot), "characteristic function: e^{−(a²+b²)/2} cosh c"),
    Formula("sin", _EXPONENTIAL_DECAY * sp.sinh(dot), "characteristic function: e^{−(a²+b²)/2} sinh c"),
    Formula("gaussian", 1 / sp.sqrt((1 + na**2) * (1 + nb**2) - dot**2), "Gaussian integral"),
)

#: Product activations: Φ = ∏ᵢ h(θᵢ − wᵢ), h in ``s``.
PRODUCT: tuple[Formula, ...] = (
    Formula("gaussian_bump", sp.exp(-s**2 / 2),
            "convolution of Gaussians: ∫e^{−(x−θ)²−(x−w)²}dx = √(π/2)e^{−(θ−w)²/2}"),
    Formula("bessel_k0", sp.exp(-sp.Abs(s)),
            "∫K₀(|x−θ|)K₀(|x−w|)dx = (π²/2)e^{−|θ−w|}, from the Fourier pair K₀(|x|) ↔ π/√(1+k²)"),
)


def product_entry(act: Activation) -> Formula | None:
    """The table row of a product activation with the same factor g(x, θ), if any."""
    from .activations import activation

    return next((f for f in PRODUCT if sp.simplify(activation(f.activation).expr - act.expr) == 0), None)
