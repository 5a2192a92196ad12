"""Closed forms of the biased potential for erf, Gaussian exponentials, polynomials and ReLU powers.

:mod:`theory.potentials.biased` recognises the activation and calls these. With u = θᵀx + β,
v = wᵀx + γ bivariate normal (means β, γ; variances a² = ‖θ‖², b² = ‖w‖²; covariance c = θᵀw;
Δ = a²b² − c² ≥ 0):

* **erf(s t)**: erf(su) = 2Φ(√2 s u) − 1, and E[Φ(U)Φ(V)] = P(Z₁ ≤ U, Z₂ ≤ V) with Z₁, Z₂
  independent standard normals is the orthant probability of (U − Z₁, V − Z₂), so
  Φ = 4L(h, k; ϱ) − 2Φ(h) − 2Φ(k) + 1 with h = √2 sβ/√(1 + 2s²a²), k = √2 sγ/√(1 + 2s²b²),
  ϱ = 2s²c/√((1 + 2s²a²)(1 + 2s²b²)) (ϱ² < 1 always); E[erf(su)] = erf(sβ/√(1 + 2s²a²)).
* **Gaussian exponentials** σ(t) = Σ_j α_j e^{−p_j t² + λ_j t}, p_j ≥ 0, λ_j complex (exp, cos,
  sin, cosh, sinh, e^{−t²/2}, their products and sums): each pair of terms is the Gaussian integral
  E[e^{−pu² + λu − qv² + μv}] = D^{−1/2} exp(−pβ² − qγ² + λβ + μγ + Q/(2D)) with
  D = 1 + 2pa² + 2qb² + 4pqΔ, Q = (a² + 2qΔ)j₁² + 2c j₁j₂ + (b² + 2pΔ)j₂², j = (λ − 2pβ, μ − 2qγ)
  (completing the square with (I + ΣA)⁻¹Σ, so a singular covariance needs no special case).
* **polynomials**: E[p(u)q(v)] = Σ_k c^k/k! · E[p^{(k)}(u)] E[q^{(k)}(v)] (Mehler's formula in the
  standardised variables and E[f(X)He_k(X)] = E[f^{(k)}(X)]), with
  E[f(β + aX)] = Σ_i f^{(2i)}(β) a^{2i}/(2^i i!): exact, a polynomial in (a², b², c, β, γ).
* **ReLU powers** t₊ⁿ: J(i, j) = E[u^i v^j; u > 0, v > 0] from J(0, 0) = L(β/a, γ/b; ρ) by Stein's
  identity E[(u − β)g] = a²E[∂_u g] + cE[∂_v g]:
  J(i, j) = βJ(i−1, j) + a²((i−1)J(i−2, j) + [i = 1]B_j) + c(jJ(i−1, j−1) + [j = 0]B'_{i−1}) and the
  mirror for J(0, j); B_j = E[v^j; v > 0 given u = 0]·p_u(0), B'_i likewise, from the one-dimensional
  moments G_j(μ, s) = E[W^j; W > 0], W ~ N(μ, s²): G_j = μG_{j−1} + (j−1)s²G_{j−2},
  G_0 = Φ(μ/s), G_1 = μG_0 + sφ(μ/s). Parallel θ, w (ρ = ±1) and zero norms use one-dimensional
  truncated moments instead.

>>> coefficients = polynomial_coefficients(sp.Symbol("t", real=True) ** 2)
>>> polynomial_moment(coefficients, 1, 1, 1, 0, 0)            # E[X²Y²] at ρ = 1: E[X⁴] = 3
3
"""

from __future__ import annotations

from math import comb, factorial

import sympy as sp

from .orthant import orthant

T = sp.Symbol("t", real=True)


# ---------------------------------------------------------------------- recognising σ

def erf_scale(expr: sp.Expr) -> sp.Expr | None:
    """s when σ(t) = erf(s·t) with a positive number s, else None."""
    if isinstance(expr, sp.erf):
        scale = sp.simplify(expr.args[0] / T)
        if scale.is_number and scale.is_positive:
            return scale
    return None


def relu_power_exponent(expr: sp.Expr) -> int | None:
    """n ≥ 2 when σ(t) = max(t, 0)ⁿ, else None (n = 1 is ReLU's own closed form)."""
    if isinstance(expr, sp.Pow) and expr.base == sp.Max(0, T) and expr.exp.is_Integer and expr.exp >= 2:
        return int(expr.exp)
    return None


def polynomial_coefficients(expr: sp.Expr) -> tuple | None:
    """(κ², (p₀, …, p_n)) when σ = κ·Σ p_j t^j, p_n = 1 (so hermite(m) has rational p_j), else None."""
    if not expr.is_polynomial(T):
        return None
    coeffs = sp.Poly(expr, T).all_coeffs()[::-1]
    kappa = coeffs[-1]
    return kappa**2, tuple(sp.radsimp(q / kappa) for q in coeffs)


def exponential_terms(expr: sp.Expr) -> tuple | None:
    """((α_j, p_j, λ_j), …) when σ(t) = Σ_j α_j e^{−p_j t² + λ_j t} with real p_j ≥ 0, else None."""
    collected: dict[tuple, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(expr.rewrite(sp.exp))):
        alpha, rest = term.as_independent(T, as_Add=False)
        exponent = sp.S.Zero
        for factor in sp.Mul.make_args(rest):
            if not isinstance(factor, sp.exp):
                return None
            exponent += factor.args[0]
        exponent = sp.expand(exponent)
        if not exponent.is_polynomial(T) or sp.degree(exponent, T) > 2:
            return None
        p, lam, constant = (-exponent.coeff(T, 2), exponent.coeff(T, 1), exponent.coeff(T, 0))
        if not (p.is_real and p.is_nonnegative):
            return None
        collected[(p, lam)] = collected.get((p, lam), sp.S.Zero) + alpha * sp.exp(constant)
    terms = tuple((sp.simplify(alpha), p, lam) for (p, lam), alpha in collected.items())
    return tuple(term for term in terms if term[0] != 0) or None


# ---------------------------------------------------------------------- erf

def erf_arguments(ctx, s, na, nb, dot, bt, gm) -> tuple:
    """(h, k, ϱ) with E[erf(su)erf(sv)] = 4L(h, k; ϱ) − 2Φ(h) − 2Φ(k) + 1."""
    s2 = 2 * s**2
    wide_u, wide_v = ctx.sqrt(1 + s2 * na**2), ctx.sqrt(1 + s2 * nb**2)
    return ctx.sqrt(s2) * bt / wide_u, ctx.sqrt(s2) * gm / wide_v, s2 * dot / (wide_u * wide_v)


# ---------------------------------------------------------------------- Gaussian exponentials

def exponential_formula(terms: tuple, a, b, c, beta, gamma) -> sp.Expr:
    """Σ_{j,l} α_jα_l E[e^{−p_j u² + λ_j u} e^{−p_l v² + λ_l v}] as a SymPy expression (see the module)."""
    delta = a**2 * b**2 - c**2
    total = sp.S.Zero
    for alpha, p, lam in terms:
        for alpha_, q, mu in terms:
            d = 1 + 2 * p * a**2 + 2 * q * b**2 + 4 * p * q * delta
            j1, j2 = lam - 2 * p * beta, mu - 2 * q * gamma
            quadratic = (a**2 + 2 * q * delta) * j1**2 + 2 * c * j1 * j2 + (b**2 + 2 * p * delta) * j2**2
            exponent = -p * beta**2 - q * gamma**2 + lam * beta + mu * gamma + quadratic / (2 * d)
            total += alpha * alpha_ * sp.exp(exponent) / sp.sqrt(d)
    return total


# ---------------------------------------------------------------------- polynomials

def polynomial_moment(coefficients: tuple, a2, b2, c, beta, gamma):
    """E[σ(u)σ(v)] = κ² Σ_k c^k/k! M_k(β, a²) M_k(γ, b²), M_k(μ, s²) = E[p^{(k)}(μ + sX)].

    Exact in the arithmetic of its arguments (Rationals in, a Rational out; mpf in, mpf out)."""
    kappa2, p = coefficients
    left, right = derivative_means(p, beta, a2), derivative_means(p, gamma, b2)
    total, power = 0 * c, 1 + 0 * c
    for k, (m_left, m_right) in enumerate(zip(left, right, strict=True)):
        total += power * m_left * m_right / factorial(k)
        power *= c
    return kappa2 * total


def derivative_means(p: tuple, mu, var) -> list:
    """M_k = E[p^{(k)}(μ + √var·X)], k = 0…n, for p = Σ p_j t^j.

    The Taylor coefficients d_j of p at μ (repeated synthetic division), then
    M_k = Σ_i (k + 2i)!/(2^i i!)·d_{k+2i}·var^i."""
    n = len(p) - 1
    d = [q + 0 * mu for q in p]
    for i in range(n):
        for j in range(n - 1, i - 1, -1):
            d[j] += mu * d[j + 1]
    means = []
    for k in range(n + 1):
        total, weight, power = 0 * mu, factorial(k), 1 + 0 * var
        for i in range((n - k) // 2 + 1):
            total += weight * d[k + 2 * i] * power
            weight = weight * (k + 2 * i + 1) * (k + 2 * i + 2) // (2 * (i + 1))
            power *= var
        means.append(total)
    return means


# ---------------------------------------------------------------------- ReLU powers

def relu_power_moment(ctx, n: int, na, nb, dot, bt, gm):
    """E[(β + aX)₊ⁿ (γ + bY)₊ⁿ] in ``ctx``: Stein's recurrence, or a one-dimensional route."""
    if na == 0 or nb == 0:
        return _power_mean(ctx, n, bt, na) * _power_mean(ctx, n, gm, nb)
    rho = max(min(dot / (na * nb), ctx.one), -ctx.one)
    if abs(rho) == 1:
        return parallel_moment(ctx, n, na, nb, bt, gm, int(rho))
    h, k, r = bt / na, gm / nb, ctx.sqrt(1 - rho**2)
    first = [ctx.npdf(h) / na * g for g in truncated_moments(ctx, n, nb * (k - rho * h), nb * r)]
    second = [ctx.npdf(k) / nb * g for g in truncated_moments(ctx, n, na * (h - rho * k), na * r)]
    return stein_recurrence(n, orthant(ctx, h, k, rho), first, second, na**2, nb**2, dot, bt, gm)


def stein_recurrence(n: int, corner, first: list, second: list, a2, b2, c, beta, gamma):
    """J(n, n) for J(i, j) = E[u^i v^j; u > 0, v > 0] from J(0, 0) = ``corner``.

    ``first[j]`` = E[v^j; v > 0 given u = 0]·p_u(0), ``second[i]`` = E[u^i; u > 0 given v = 0]·p_v(0)
    (the boundary terms of Stein's identity; the recurrence is in the module docstring)."""
    J = {(0, 0): corner}
    zero = 0 * corner

    def get(i, j):
        return J.get((i, j), zero)

    for j in range(1, n + 1):
        J[0, j] = (gamma * get(0, j - 1) + c * first[j - 1]
                   + b2 * ((j - 1) * get(0, j - 2) + (second[0] if j == 1 else 0)))
    for i in range(1, n + 1):
        for j in range(n + 1):
            J[i, j] = (beta * get(i - 1, j) + a2 * ((i - 1) * get(i - 2, j) + (first[j] if i == 1 else 0))
                       + c * (j * get(i - 1, j - 1) + (second[i - 1] if j == 0 else 0)))
    return J[n, n]


def truncated_moments(ctx, n: int, mu, s) -> list:
    """G_j = E[W^j; W > 0] for W ~ N(μ, s²), s > 0, j = 0…n: G_j = μG_{j−1} + (j−1)s²G_{j−2}."""
    z = mu / s
    g = [ctx.ncdf(z), mu * ctx.ncdf(z) + s * ctx.npdf(z)]
    for j in range(2, n + 1):
        g.append(mu * g[j - 1] + (j - 1) * s**2 * g[j - 2])
    return g[: n + 1]


def _power_mean(ctx, n: int, mu, s):
    """E[(μ + sX)₊ⁿ] (s = 0 allowed)."""
    return truncated_moments(ctx, n, mu, s)[n] if s else max(mu, ctx.zero) ** n


def parallel_moment(ctx, n: int, na, nb, bt, gm, sign: int):
    """E[(β + aX)₊ⁿ (γ + s·bX)₊ⁿ], s = ±1: the product polynomial against ∫ X^m φ over the
    interval where both factors are positive.

    ∫_lo^hi X^m φ = (m − 1)∫X^{m−2}φ + lo^{m−1}φ(lo) − hi^{m−1}φ(hi)."""
    lo, hi = -bt / na, ctx.inf
    if sign == 1:
        lo = max(lo, -gm / nb)
    else:
        hi = gm / nb
    if lo >= hi:
        return ctx.zero

    def edge(x, m):
        return 0 if x == ctx.inf else x**m * ctx.npdf(x)

    moments = [ctx.ncdf(hi) - ctx.ncdf(lo), edge(lo, 0) - edge(hi, 0)]
    for m in range(2, 2 * n + 1):
        moments.append((m - 1) * moments[m - 2] + edge(lo, m - 1) - edge(hi, m - 1))
    left = [comb(n, i) * bt ** (n - i) * na**i for i in range(n + 1)]
    right = [comb(n, j) * gm ** (n - j) * (sign * nb) ** j for j in range(n + 1)]
    return sum(left[i] * right[j] * moments[i + j] for i in range(n + 1) for j in range(n + 1))
