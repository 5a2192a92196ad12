"""Hermite coefficients of an activation and the dual-activation series.

With normalised Hermite polynomials h_k = He_k/√(k!) (orthonormal for N(0, 1)),
σ = Σ_k c_k h_k with c_k = E[σ(X) h_k(X)], and on the sphere (Mehler)

.. math::

    \\Phi(\\rho) = \\mathbb{E}[\\sigma(X)\\sigma(\\rho X + \\sqrt{1-\\rho^2}\\,Y)]
                 = \\sum_{k\\ge 0} c_k^2 \\rho^k .

>>> from theory.potentials.activations import activation
>>> hermite_coefficients(activation("relu"), 4)
[sqrt(2)/(2*sqrt(pi)), 1/2, 1/(2*sqrt(pi)), 0]
"""

from __future__ import annotations

import sympy as sp

from ..core.errors import InputError
from ..core.symbols import rho, t
from ..core.timebound import BUDGET, bounded, budgeted, check_budget
from . import gaussian, quadrature
from .activations import activation
from .forms import RIDGE


def normalised_hermite(k: int) -> sp.Expr:
    """h_k(t) = He_k(t)/√(k!), the probabilists' Hermite polynomial, normalised."""
    if not isinstance(k, int) or k < 0:
        raise InputError(f"Hermite degree must be a non-negative integer, got {k!r}")
    return sp.expand(sp.hermite_prob(k, t) / sp.sqrt(sp.factorial(k)))


def hermite_coefficients(act, n: int, *, dps: int | None = None, budget: float = BUDGET) -> list:
    """c_0 … c_{n−1} of a ridge activation: exact when its terms allow, else to ``dps`` digits.

    The exact route has ``budget`` seconds (default 60), else :class:`~theory.core.errors.Timeout`."""
    act = activation(act)
    if act.kind is not RIDGE:
        raise InputError(f"{act.name} is not a ridge activation σ(t)")
    if dps is None:
        try:
            return bounded(_exact_coefficients, act.expr, n, seconds=check_budget(budget),
                           what=f"the Hermite coefficients of {act.name}")
        except gaussian.Unsupported:
            dps = 30
    return [quadrature.gaussian_mean(act.expr * normalised_hermite(k), dps=dps, kinks=act.kinks)
            for k in range(n)]


def _exact_coefficients(sigma: sp.Expr, n: int) -> list:
    return [sp.simplify(gaussian.mean(sp.expand(sigma * normalised_hermite(k)), 1)) for k in range(n)]


@budgeted()
def dual_series(act, n: int) -> sp.Expr:
    """Σ_{k<n} c_k² ρᵏ, the dual activation truncated after n terms (exact coefficients)."""
    return sp.Add(*[sp.simplify(c**2) * rho**k for k, c in enumerate(hermite_coefficients(act, n))])
