"""Theorems 3.10 / 4.5: Φ = (θᵀw)^l, l ≥ 3, orthonormal protons: the single-node loss (11) has no
spurious local minimum; l = 1, 2 fail.

The proof's key step is re-derived: at a critical point with θ_i, θ_j ≠ 0, the
manifold Hessian's diagonal entries are 2ab_i l(l−1)θ_i^{l−2} − 2λ with the
Lagrange multiplier λ = −la² and b_iθ_i^{l−2} = λ/(al), i.e. −2(l − 2)la²,
negative for l ≥ 3 and zero for l = 2 (no strictness). Numerically, the
critical point θ = (e₁ + e₂)/√2 of the single-node loss is a saddle for l = 3
(a negative Riemannian Hessian eigenvalue), while for l = 2 it is degenerate.
The figure draws the single-node loss along the great circle through e₁ and e₂.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import sympy as sp

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim, Figure
from theory.paper.plots import profiles


def _diagonal_entry() -> Check:
    a, lam, l = sp.symbols("a lambda l", real=True)
    b_theta = lam / (a * l)                                # b_i θ_i^{l−2} at a critical point
    entry = 2 * a * l * (l - 1) * b_theta - 2 * lam
    value = sp.factor(entry.subs(lam, -l * a**2))
    holds = sp.simplify(value - (-2 * (l - 2) * l * a**2)) == 0
    return Check("(∇²L)_ii = −2(l − 2)la² at a critical point with two non-zero coordinates",
                 Verdict.from_bool(holds), Evidence(Method.EXACT, f"entry = {value}"))


def _single_node_hessian(l: int) -> tuple[list, sp.Matrix]:
    """Riemannian Hessian eigenvalues and tangential gradient on S², at θ = (e₁ + e₂)/√2, of
    min_a [a² + 2aΣ_j θ_j^l] = −(Σ_j θ_j^l)² (b_j = 1, a optimised)."""
    x = sp.symbols("x1:4", real=True)
    g = -sum(xi**l for xi in x) ** 2
    point = {x[0]: 1 / sp.sqrt(2), x[1]: 1 / sp.sqrt(2), x[2]: 0}
    normal = sp.Matrix([point[xi] for xi in x])
    grad = sp.Matrix([sp.diff(g, xi) for xi in x]).subs(point)
    radial = (normal.T * grad)[0, 0]
    tangent = sp.Matrix([[1, 0], [-1, 0], [0, sp.sqrt(2)]]) / sp.sqrt(2)   # orthonormal, ⊥ θ
    riemannian = tangent.T * (sp.hessian(g, x).subs(point) - radial * sp.eye(3)) * tangent
    return sorted(sp.simplify(v) for v in riemannian.eigenvals()), grad - radial * normal


def _along_the_circle():
    """−(Σ_j θ_j^l)² at θ = (cos t, sin t, 0), for l = 2, 3, 4."""
    t = np.linspace(0, np.pi / 2, 400)
    curves = {f"l = {l}": -(np.cos(t) ** l + np.sin(t) ** l) ** 2 for l in (2, 3, 4)}
    return profiles(t, curves, xlabel="t, θ = (cos t, sin t, 0)", ylabel="min over a of the loss (11)",
                    marks={"θ = (e₁+e₂)/√2": np.pi / 4}, title="single-node loss between two protons")


def _saddle(l: int) -> Check:
    eigenvalues, tangential_gradient = _single_node_hessian(l)
    critical = all(sp.simplify(v) == 0 for v in tangential_gradient)
    if l >= 3:
        verdict = Verdict.from_bool(critical and eigenvalues[0] < 0)
        text = f"θ = (e₁+e₂)/√2 is critical, Riemannian Hessian eigenvalues {eigenvalues}: a saddle"
    else:
        verdict = Verdict.from_bool(critical and eigenvalues[0] == 0)
        text = f"θ = (e₁+e₂)/√2 is critical, Riemannian Hessian eigenvalues {eigenvalues}: not strict"
    return Check(f"l = {l}, d = 3, optimised a", verdict, Evidence(Method.EXACT, text))


CLAIMS = [Claim("thm3.10", "Theorems 3.10 and 4.5 (polynomial potentials ρ^l)",
                r"\Phi = (\theta^{\top}w)^l,\ l \ge 3,\ w_j \text{ orthonormal} \;\Rightarrow\; "
                r"\text{every local minimum of (11) is global}",
                check=lambda: [replace(_diagonal_entry(), figures=(Figure(
                    "thm3.10-circle",
                    "Theorems 3.10/4.5: the single-node loss −(Σ_j θ_j^l)² (b_j = 1, a optimised) "
                    "along the great circle from e₁ to e₂; for l ≥ 3 the midpoint is a maximum along the "
                    "circle (a saddle), for l = 2 the loss is flat.", _along_the_circle),)),
                               _saddle(3), _saddle(4), _saddle(2)],
                hypotheses=("M = S^{d-1}", "orthonormal protons", "single node, optimised a (eq. 11)"))]
