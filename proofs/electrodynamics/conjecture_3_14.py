"""Conjecture 3.14: the distance potential Φ = ‖θ − w‖ on R^d has no spurious local minimum.

Φ = ‖θ − w‖ is strictly subharmonic (Δr = (d − 1)/r) but it is not a potential of
any activation: Φ(θ, θ) = 0 < Φ(θ, w), so the Gram matrix of two points has
determinant −‖θ − w‖² < 0, and the "loss" (5) is not E(f − f̂)² and is not
bounded below. Numerically: one electron with a free output weight runs off —
L decreases without bound along θ → ∞. The conjecture is therefore about a
non-realizable potential; its natural realizable relative is the energy
distance −‖θ − w‖ (conditionally positive definite), reported as evidence only.
"""

from __future__ import annotations

import sympy as sp

from theory.conditions.classify import EarnshawClass, classify
from theory.conditions.realizability import radial_realizable
from theory.core.symbols import r
from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim
from theory.potentials.potential import given


def _checks() -> list[Check]:
    subharmonic = classify(given("r", "radial"), d=3)[EarnshawClass.STRICTLY_SUBHARMONIC]
    realizable = radial_realizable(r, 3)
    x, a = sp.symbols("x a", real=True)
    # one electron at x·e₁ with charge a, one proton at 0 with charge 1 (eq. 4, a ↦ −a convention);
    # the self-terms a²Φ(θ, θ) and Φ(w, w) vanish because Φ(θ, θ) = 0:
    loss = 2 * a * sp.Abs(x)
    along = sp.limit(loss.subs(a, -1), x, sp.oo)
    return [
        Check("‖θ − w‖ is strictly subharmonic on R³", subharmonic.verdict, subharmonic.evidence[0]),
        Check("‖θ − w‖ is realizable (Definition 2.3)", realizable.verdict, realizable.evidence[0]),
        Check("the loss (5) with Φ = ‖θ − w‖ is bounded below", Verdict.from_bool(along.is_finite),
              Evidence(Method.COUNTEREXAMPLE, f"k = 1, a = −1: L = −2‖θ − w‖ → {along} as ‖θ‖ → ∞")),
    ]


CLAIMS = [Claim("conj3.14", "Conjecture 3.14 (distance potential)",
                r"\Phi = \|\theta - w\|,\ M = \mathbb{R}^d:\ \text{no spurious local minimum of (5)}",
                check=_checks, hypotheses=("M = R^d", "k = poly(d)", "free output weights"),
                correction=r"\text{the potential is not realizable; the loss is unbounded below}")]
