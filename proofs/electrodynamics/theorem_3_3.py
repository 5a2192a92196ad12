"""Theorem 3.3 (Earnshaw) and Corollary 3.4: a harmonic potential has no strict local minimum off the charges.

The proof rests on Tr ∇²_{θ_i} L = Δ_{θ_i} L = Σ_j (charges)·ΔΦ(θ_i, ·) = 0. It is
checked exactly: the Coulomb potential ‖θ − w‖^{2−d} is classified harmonic for
d = 3, 4, 5, and the trace of the θ₁-Hessian of the fixed-charge loss (eq. 6)
with two electrons and two protons in R³ simplifies to 0 at a generic point.
For d = 2 the corollary's potential ‖θ − w‖⁰ is constant, so the corollary is
empty there; the harmonic potential of the plane is −log‖θ − w‖.
"""

from __future__ import annotations

import sympy as sp

from theory.conditions.classify import EarnshawClass, classify
from theory.conditions.laplacian import coordinate_laplacian
from theory.core.symbols import coordinates
from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim, Subject
from theory.potentials.potential import given


def _harmonic(expr: str, d: int, subject: Subject = Subject.AS_STATED) -> Check:
    condition = classify(given(expr, "radial"), d=d)[EarnshawClass.HARMONIC]
    return Check(f"{expr} is harmonic on R^{d} off θ = w", condition.verdict,
                 condition.evidence[0] if condition.evidence else Evidence(Method.EXACT, "classified"),
                 subject)


def _trace_vanishes() -> Check:
    """Δ_{θ₁} L for L = 2a₁a₂Φ(θ₁,θ₂) + 2Σ a_i b_j Φ(θ_i, w_j), Φ = 1/‖θ − w‖ in R³."""
    t1, t2, w1, w2 = (coordinates(name, 3) for name in ("theta", "u", "p", "q"))
    a1, a2, b1, b2 = sp.symbols("a1 a2 b1 b2", real=True)

    def phi(x, y):
        return 1 / sp.sqrt(sum((u - v) ** 2 for u, v in zip(x, y, strict=True)))

    loss = 2 * a1 * a2 * phi(t1, t2) + 2 * sum(a * b * phi(x, y) for a, x in ((a1, t1), (a2, t2))
                                               for b, y in ((b1, w1), (b2, w2)))
    point = dict(zip(t2 + w1 + w2, [1, 2, -1, 0, 3, 1, -2, 1, 5], strict=True))
    # Δ is linear: each pair term's Laplacian is a rational function of θ₁ and the radical
    zero = all(sp.cancel(sp.together(coordinate_laplacian(term, t1))) == 0
               for term in sp.Add.make_args(sp.expand(loss.subs(point))))
    return Check("Tr ∇²_{θ₁} L = Δ_{θ₁} L = 0 for the Coulomb loss (eq. 6) in R³", Verdict.from_bool(zero),
                 Evidence(Method.EXACT, "the coordinate Laplacian of L in θ₁ simplifies to 0 "
                                        "(other charges at fixed rational points, θ₁ and charges symbolic)"))


def _checks() -> list[Check]:
    return [_trace_vanishes(), _harmonic("r^(2-3)", 3), _harmonic("r^(2-4)", 4), _harmonic("r^(2-5)", 5)]


def _corollary_checks() -> list[Check]:
    constant = Check("for d = 2, ‖θ − w‖^{2−d} = 1 is constant: L is constant, no strict minimum exists",
                     Verdict.PROVEN, Evidence(Method.EXACT, "r⁰ = 1"))
    return [_harmonic("r^(-1)", 3), constant, _harmonic("-log(r)", 2, "corrected")]


CLAIMS = [
    Claim("thm3.3", "Theorem 3.3 (Earnshaw)",
          r"\Phi \text{ harmonic},\ \theta_i \ne w_j, \theta_j \;\Rightarrow\; (a, \theta) "
          r"\text{ is not a strict local minimum of (6)}",
          check=_checks, hypotheses=("M ⊆ R^d", "Φ harmonic off θ = w")),
    Claim("cor3.4", "Corollary 3.4 (Coulomb potential)",
          r"\Phi = \|\theta - w\|^{2-d},\ \text{strict local minimum with distinct } \theta_i "
          r"\;\Rightarrow\; \theta_i = w_{\pi(i)}",
          check=_corollary_checks, hypotheses=("M = R^d", "θ_i distinct"),
          correction=r"d = 2:\ \Phi = -\log\|\theta - w\| \text{ (the stated potential is constant)}"),
]
