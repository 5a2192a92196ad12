"""Theorem 4.4: the synthetic almost-1-harmonic potential on S^{d−1}.

The construction truncates the Taylor series of the solution of
(1 − ρ²)f'' − (d − 1)ρf' = f at even degree N. The paper states the residual
Δf − f = +k_N ρ^N with k_N = N² + (d − 2)N + 1; exactly it is −c_N k_N ρ^N
(opposite sign, and the last coefficient c_N is missing). The proof's next line
uses ΔΦ = −Φ + …, inconsistent with both; with the exact residual the argument
goes through (ΔL ≈ −2a_i²Φ(1) < 0). The untruncated series diverges at ρ = 1
for d ≥ 3 (c_{2m} ≍ m^{(d−5)/2}), so only truncations are realizable, and their
residual at ρ = 1 grows with N.
"""

from __future__ import annotations

import sympy as sp

from theory.conditions.laplacian import zonal_laplacian
from theory.core.errors import InputError
from theory.core.symbols import d, rho
from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim
from theory.paper.compare import identity

# ---------------------------------------------------------------- the construction

def almost_harmonic_coefficients(d, degree: int) -> list[sp.Expr]:
    """The coefficients of f_N: c_0 = 1, c_1 = 0,
    c_{n+2} = c_n (n(n − 1) + (d − 1)n + 1)/((n + 2)(n + 1)), n ≤ degree − 2.

    The Taylor recurrence of (1 − ρ²)f'' − (d − 1)ρf' = f (the paper's Theorem 4.4).

    For d = 3, N = 4: [1, 0, 1/2, 0, 7/24].
    """
    if not (isinstance(degree, int) and degree >= 2 and degree % 2 == 0):
        raise InputError(f"the truncation degree N must be an even integer ≥ 2, got {degree!r}")
    c = [sp.S.One, sp.S.Zero]
    for n in range(degree - 1):
        c.append(sp.factor(c[n] * (n * (n - 1) + (d - 1) * n + 1) / ((n + 2) * (n + 1))))
    return c[:degree + 1]


def almost_harmonic(d=d, degree: int = 6) -> tuple[sp.Expr, sp.Expr]:
    """(f_N, Δf_N − f_N) for the truncated series: the residual is exactly
    −c_N (N² + (d − 2)N + 1) ρ^N.

    For d = 3, N = 4 the residual is −49ρ⁴/8.
    """
    c = almost_harmonic_coefficients(d, degree)
    f = sp.Add(*[cn * rho**n for n, cn in enumerate(c)])
    return f, sp.factor(sp.expand(zonal_laplacian(f, d) - f))


def almost_harmonic_growth(d=d) -> sp.Expr:
    """The exponent β with c_{2m} ≍ m^β: c_{n+2}/c_n = 1 + (d − 5)/n + O(n⁻²), so β = (d − 5)/2
    and Σ c_n = f(1) diverges (Gauss's test) exactly when β ≥ −1, i.e. d ≥ 3.

    For d = 3, β = −1.
    """
    n = sp.Symbol("n", positive=True)
    ratio = (n * (n - 1) + (d - 1) * n + 1) / ((n + 2) * (n + 1))
    first_order = sp.limit(n * (ratio - 1), n, sp.oo)
    return sp.simplify(first_order / 2)


CASES = ((3, 4), (3, 8), (5, 6), (10, 6))


def _residual_checks() -> list[Check]:
    checks = []
    for dim, degree in CASES:
        _, residual = almost_harmonic(dim, degree)
        k_n = degree**2 + (dim - 2) * degree + 1
        c_n = almost_harmonic_coefficients(dim, degree)[-1]
        points = {rho: [sp.Rational(1, 2)]}
        checks.append(identity(residual, k_n * rho**degree, points,
                               name=f"d = {dim}, N = {degree}: Δf − f = +k_N ρ^N as stated"))
        checks.append(identity(residual, -c_n * k_n * rho**degree, points, subject="corrected",
                               name=f"d = {dim}, N = {degree}: Δf − f = −c_N k_N ρ^N"))
    return checks


def _divergence() -> Check:
    exponent = almost_harmonic_growth(d)
    diverges = all(sp.simplify(exponent.subs(d, dim)) >= -1 for dim in range(3, 12))
    values = [sp.N(sum(almost_harmonic_coefficients(3, degree)), 6) for degree in (10, 40, 160)]
    return Check("f(1) = Σ c_n diverges for d ≥ 3, so Φ(θ, θ) = ∞ for the untruncated series",
                 Verdict.from_bool(diverges), Evidence(
                     Method.EXACT, f"c_(2m) ≍ m^β with β = {exponent} ≥ −1 for d ≥ 3 (Gauss's test); "
                     f"d = 3: f_N(1) = {', '.join(map(str, values))} at N = 10, 40, 160"), "corrected")


def _realizable() -> Check:
    coefficients = almost_harmonic_coefficients(d, 8)
    nonnegative = all(sp.simplify(c.subs(d, dim)) >= 0 for c in coefficients for dim in range(2, 12))
    return Check("the truncation has non-negative Taylor coefficients (realizable by Theorem 2.5)",
                 Verdict.from_bool(nonnegative), Evidence(Method.EXACT, "c_n ≥ 0 for d = 2…11, N = 8"))


CLAIMS = [Claim("thm4.4", "Theorem 4.4 (synthetic almost λ-harmonic potential)",
                r"f_N = \sum_{n \le N} c_n\rho^n:\ \Delta f_N = f_N + k_N\rho^N,\ k_N = N^2 + (d-2)N + 1",
                check=lambda: [*_residual_checks(), _divergence(), _realizable()],
                hypotheses=("M = S^{d−1}", "N even", "optimised output weights (Algorithm 3)"),
                correction=r"\Delta f_N - f_N = -c_N k_N \rho^N")]
