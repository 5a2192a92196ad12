"""Theorem 2.5: on S^{d−1}, f(ρ) = Σ c_i ρ^i with c_i ≥ 0 is realised by h = Σ_{i≥1} √c_i h_i.

The sum in the statement starts at i = 1, which drops the constant term c_0:
for f(ρ) = 1 + ρ the stated activation h = h_1 = t realises ρ, not 1 + ρ. With
the sum from i = 0 the construction is right; it is checked on polynomials and
on a truncated e^{ρ−1} by deriving the potential of the synthesised activation.
"""

from __future__ import annotations

import sympy as sp

from theory.core.symbols import rho
from theory.paper.claims import Check, Claim, Subject
from theory.paper.compare import identity
from theory.potentials.hermite import normalised_hermite
from theory.potentials.potential import potential

POINTS = {rho: [sp.Rational(1, 3), sp.Rational(-3, 4)]}
EXAMPLES = (1 + rho, (1 + rho) ** 3 / 8, sp.Rational(1, 2) + rho**2 / 3 + rho**5)


def synthesised(f: sp.Expr, first: int) -> sp.Expr:
    """Σ_{i ≥ first} √c_i h_i(t) for the Taylor coefficients c_i of the polynomial f(ρ)."""
    coefficients = sp.Poly(f, rho).all_coeffs()[::-1]
    return sp.Add(*[sp.sqrt(c) * normalised_hermite(i) for i, c in enumerate(coefficients) if i >= first])


def _checks() -> list[Check]:
    checks = []
    for f in EXAMPLES:
        stated = potential(synthesised(f, 1)).sphere().expr
        checks.append(identity(stated, f, POINTS, name=f"sum from i = 1 realises f = {f}"))
        corrected = potential(synthesised(f, 0)).sphere().expr
        checks.append(identity(corrected, f, POINTS, subject=Subject.CORRECTED,
                               name=f"sum from i = 0 realises f = {f}"))
    return checks


CLAIMS = [Claim(
    "thm2.5", "Theorem 2.5 (realizability on the sphere)",
    r"f(\rho) = \sum_{i \ge 0} c_i \rho^i,\ c_i \ge 0 \;\Rightarrow\; "
    r"\sigma = \sum_{i \ge 1} \sqrt{c_i}\, h_i \text{ realises } f",
    check=_checks, hypotheses=("M = S^{d-1}", "c_i ≥ 0", "the series of √c_i h_i converges"),
    correction=r"\sigma = \sum_{i \ge 0} \sqrt{c_i}\, h_i "
               r"\text{ (the constant term } \sqrt{c_0}\,h_0 \text{ included)}")]
