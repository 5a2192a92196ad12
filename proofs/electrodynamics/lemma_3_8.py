"""Lemma 3.8: for a λ-harmonic Φ with Φ(θ, θ) = c, at the optimal a_i, Δ_{θ_i} L = −2cλa_i² < 0.

Checked symbolically with Φ-values as free symbols (the algebra of the proof),
and on the paper's λ-harmonic example e^{−|θ − w|} on R¹ (λ = 1, c = 1) at a
random configuration: a_i is set to its optimum and d²L/dθ_i² is computed exactly.
"""

from __future__ import annotations

import random

import sympy as sp

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim


def _algebra() -> Check:
    k = 3
    a = sp.symbols(f"a1:{k + 1}", real=True)
    b = sp.symbols(f"b1:{k + 1}", real=True)
    c, lam = sp.symbols("c lambda", positive=True)
    P = sp.symbols(f"P1:{k + 1}")          # Φ(θ₁, θ_j), j ≥ 2 (P1 unused: Φ(θ₁,θ₁) = c)
    Q = sp.symbols(f"Q1:{k + 1}")          # Φ(θ₁, w_j)
    # ∂L/∂a₁ = 2a₁c + 2Σ_{j≥2} a_j P_j + 2Σ b_j Q_j = 0 (eq. 10) fixes a₁
    optimal = sp.solve(2 * a[0] * c + 2 * sum(a[j] * P[j] for j in range(1, k))
                       + 2 * sum(b[j] * Q[j] for j in range(k)), a[0])[0]
    # ΔΦ = λΦ term by term: Δ_{θ₁} L = 2Σ a₁a_j λP_j + 2Σ a₁b_j λQ_j
    laplacian = 2 * sum(a[0] * a[j] * lam * P[j] for j in range(1, k)) \
        + 2 * sum(a[0] * b[j] * lam * Q[j] for j in range(k))
    holds = sp.simplify(laplacian.subs(a[0], optimal) + 2 * c * lam * optimal**2) == 0
    return Check("Δ_{θ_i} L = −2cλa_i² at the optimal a_i (eq. 10), k = 3", Verdict.from_bool(holds),
                 Evidence(Method.EXACT, "substituting a_i* into Σ a_i a_j λΦ + Σ a_i b_j λΦ gives −2cλa_i*²"))


def _example() -> Check:
    rng = random.Random(7)
    x = sp.Symbol("x", real=True)
    others = [sp.Rational(rng.randint(-20, 20), 7) for _ in range(2)]
    protons = [sp.Rational(rng.randint(-20, 20), 5) for _ in range(3)]
    a_others = [sp.Rational(rng.randint(-9, 9) or 1, 4) for _ in others]
    b = [sp.Rational(rng.randint(1, 9), 3) for _ in protons]

    def phi(u, v):
        return sp.exp(-sp.Abs(u - v))

    theta = sp.Rational(1, 3)
    a_opt = -(sum(aj * phi(theta, t) for aj, t in zip(a_others, others, strict=True))
              + sum(bj * phi(theta, w) for bj, w in zip(b, protons, strict=True)))  # c = 1
    loss = a_opt**2 + 2 * sum(a_opt * aj * phi(x, t) for aj, t in zip(a_others, others, strict=True)) \
        + 2 * sum(a_opt * bj * phi(x, w) for bj, w in zip(b, protons, strict=True))
    second = sp.diff(loss.rewrite(sp.Piecewise), x, 2).subs(x, theta)
    holds = sp.simplify(second + 2 * a_opt**2) == 0
    return Check("e^{−|θ−w|} on R¹ (λ = 1, c = 1): d²L/dθ_i² = −2a_i*² at a random configuration",
                 Verdict.from_bool(holds), Evidence(Method.EXACT, f"θ_i = {theta}, "
                                                                  f"a_i* = {sp.nsimplify(a_opt)}"))


CLAIMS = [Claim("lemma3.8", "Lemma 3.8 (λ-harmonic potentials)",
                r"\Delta\Phi = \lambda\Phi,\ \Phi(\theta,\theta) = c,\ a_i = a_i^* \ne 0 "
                r"\;\Rightarrow\; \Delta_{\theta_i} L = -2c\lambda a_i^2 < 0",
                check=lambda: [_algebra(), _example()],
                hypotheses=("Φ λ-harmonic off θ = w", "Φ(θ, θ) = c > 0",
                            "θ_i distinct from the other charges"))]
