"""Shared test data: a generic point and a high-precision conversion (import as tests.helpers)."""

import mpmath
import sympy as sp

#: A point (‖θ‖, ‖w‖, θᵀw) away from every special value.
POINT = (sp.Rational(3, 2), sp.Rational(2, 3), sp.Rational(1, 3))


def mp(value, dps=60):
    return mpmath.mpf(sp.N(value, dps))


def read_back(text: str, *symbols: sp.Symbol) -> sp.Basic:
    """A SymPy-printed string (JSON, reports) read back with the library's symbols, so tests
    compare the mathematics (``sp.simplify(a - b) == 0``) instead of one SymPy's print order.
    Parses only the library's own output, never user input."""
    return sp.parse_expr(text, local_dict={symbol.name: symbol for symbol in symbols})


def same(a: sp.Expr, b: sp.Expr) -> bool:
    """a and b are the same function: their difference simplifies to 0 (acos is also rewritten
    through asin, which simplify does not relate on its own)."""
    difference = a - b
    return sp.simplify(difference) == 0 or sp.simplify(difference.rewrite(sp.asin)) == 0


def relu_power_pair(ctx, n: int, na, nb, dot, bt, gm):
    """E[(β + aX)₊ⁿ (γ + bY)₊ⁿ], Y = ρX + rZ, as one quadrature over X of a closed inner mean.

    E[(m + sZ)₊ⁿ] = Σ_j C(n, j) m^{n−j} s^j M_j(−m/s), with the partial moments
    M_j(h) = E[Z^j; Z > h]: M₀ = 1 − Φ(h), M₁ = φ(h), M_j = h^{j−1}φ(h) + (j − 1)M_{j−2}.
    Needs a, b > 0 and |ρ| < 1; independent of the library's Owen's T and Stein recurrences."""
    na, nb, dot, bt, gm = (ctx.mpf(v) for v in (na, nb, dot, bt, gm))
    rho = dot / (na * nb)
    s = nb * ctx.sqrt(1 - rho**2)

    def inner(X):
        m = gm + nb * rho * X
        h = -m / s
        moments = [1 - ctx.ncdf(h), ctx.npdf(h)]
        for j in range(2, n + 1):
            moments.append(h ** (j - 1) * ctx.npdf(h) + (j - 1) * moments[j - 2])
        return ctx.fsum(ctx.binomial(n, j) * m ** (n - j) * s**j * moments[j] for j in range(n + 1))

    return ctx.quad(lambda X: (bt + na * X) ** n * inner(X) * ctx.npdf(X), [-bt / na, ctx.inf])
