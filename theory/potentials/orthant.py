"""The bivariate normal orthant probability L(h, k; ρ) = P(X > −h, Y > −k).

(X, Y) is standard bivariate normal with correlation ρ. Sheppard's formula

.. math::

    L(h, k; \\rho) = \\Phi(h)\\Phi(k)
        + \\frac{1}{2\\pi}\\int_0^{\\arcsin \\rho} e^{-\\frac{h^2 + k^2 - 2hk\\sin t}{2\\cos^2 t}}\\,dt

holds on the whole of [−1, 1]; at ρ = ±1 the one-dimensional values are used directly.
Every closed form of :mod:`theory.potentials.biased` with a kink or a normal CDF in σ
reduces to it.

>>> from theory.core.numeric import context
>>> ctx = context(20)
>>> ctx.nstr(orthant(ctx, 0, 0, ctx.mpf(1) / 2), 18)     # 1/4 + arcsin(1/2)/(2π) = 1/3
'0.333333333333333333'
"""

from __future__ import annotations


def orthant(ctx, h, k, rho):
    """L(h, k; ρ) = P(X > −h, Y > −k)
    = Φ(h)Φ(k) + (1/2π)∫_0^{asin ρ} exp(−(h² + k² − 2hk sin t)/(2cos² t)) dt.

    At ρ = ±1 directly: Φ(min(h, k)) and max(0, Φ(h) + Φ(k) − 1)."""
    if rho == 1:
        return ctx.ncdf(min(h, k))
    if rho == -1:
        return max(ctx.zero, ctx.ncdf(h) + ctx.ncdf(k) - 1)
    def integrand(s):
        return ctx.exp(-(h**2 + k**2 - 2 * h * k * ctx.sin(s)) / (2 * ctx.cos(s) ** 2))

    return ctx.ncdf(h) * ctx.ncdf(k) + ctx.quad(integrand, [0, ctx.asin(rho)]) / (2 * ctx.pi)


def sign_product(ctx, h, k, rho):
    """E[sgn(X + h) sgn(Y + k)] = 4L(h, k; ρ) − 2Φ(h) − 2Φ(k) + 1."""
    return 4 * orthant(ctx, h, k, rho) - 2 * ctx.ncdf(h) - 2 * ctx.ncdf(k) + 1
