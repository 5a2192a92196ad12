"""Theorem 3.11 / Corollary 3.12: the sign activation on S¹ (and k ≤ 2 on S^{d−1}).

On S¹ the sign potential is 1 − 2α/π in the angle α between θ and w: linear in
α, hence harmonic on the circle away from θ = ±w. It is checked exactly that the
derived potential is harmonic for d = 2 and not for d ≥ 3, where
Δf = −(2/π)(d − 2)ρ/√(1 − ρ²). Numerically, projected gradient descent of a
single electron with its optimal output weight (the loss (11)) against three
protons ends on a proton from every seeded start. A quick run (``settings.quick``)
takes a fifth of the steps. Figures: the sign potential and its Laplacian on S²,
and the angles of the descending electron against the step.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from theory.conditions.classify import EarnshawClass, classify
from theory.conditions.laplacian import zonal_laplacian
from theory.core.symbols import d, rho
from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim, Figure, Settings
from theory.paper.plots import line_trajectories, potential_and_laplacian
from theory.potentials.potential import potential

STARTS = 20


def _harmonic_on_the_circle() -> list[Check]:
    f = potential("sign").sphere().expr
    on_circle = classify(potential("sign").sphere(), d=2)[EarnshawClass.HARMONIC]
    on_sphere = classify(potential("sign").sphere(), d=3)[EarnshawClass.HARMONIC]
    general = sp.simplify(zonal_laplacian(f, d) + 2 * (d - 2) * rho / (sp.pi * sp.sqrt(1 - rho**2)))
    figure = Figure("thm3.11-laplacian", "Theorem 3.11: the sign potential f(ρ) = (2/π) arcsin ρ and its "
                    "Laplacian on S² (d = 3); on S¹ the Laplacian vanishes, on S² it is negative for ρ > 0.",
                    lambda: potential_and_laplacian(potential("sign").sphere(), d=3))
    return [
        Check("the sign potential is harmonic on S¹ (d = 2)", on_circle.verdict, on_circle.evidence[0]),
        Check("…and not on S² (d = 3): the argument needs d = 2", ~on_sphere.verdict, on_sphere.evidence[0],
              "corrected", figures=(figure,)),
        Check("Δf = −(2/π)(d − 2)ρ/√(1 − ρ²) for every d", Verdict.from_bool(general == 0),
              Evidence(Method.EXACT, "zonal Laplace–Beltrami operator applied to (2/π) asin ρ")),
    ]


def _single_node_descent(settings: Settings) -> Check:
    """min over θ ∈ S¹ of min_a [a² f(1) + 2aΣ b_j f(θᵀw_j)] = −(Σ b_j f(θᵀw_j))²/f(1), by projected GD."""
    rng = np.random.default_rng(11)
    angles = np.array([0.3, 2.4, 4.4])
    protons = np.c_[np.cos(angles), np.sin(angles)]
    b = np.array([1.0, 0.7, 1.3])
    phase = rng.uniform(0, 2 * np.pi, STARTS)                      # all starts at once
    coarse = settings.choose(20000, 4000)
    path, recorded = [], []                                          # for the figure
    for number, step in enumerate([1e-2] * coarse + [1e-4] * (coarse // 5)):  # fine steps: no chattering
        if number < 100 or number % 100 == 0:
            path.append(phase.copy())
            recorded.append(number)
        along = np.outer(np.cos(phase), protons[:, 0]) + np.outer(np.sin(phase), protons[:, 1])
        cosines = np.clip(along, -1, 1)
        value = (1 - 2 * np.arccos(cosines) / np.pi) @ b             # Σ b_j f(θᵀw_j), per start
        # dα_j/dφ = sign sin(φ − φ_j), so d(−value²)/dφ = −2·value·Σ b_j (−2/π) sign sin(φ − φ_j)
        turning = np.sign(np.sin(phase[:, None] - angles[None, :])) @ b
        phase -= step * (-2 * value * (-2 / np.pi) * turning)
    distances = np.abs(np.angle(np.exp(1j * (phase[:, None] - angles[None, :]))))
    matched = int(np.sum((distances.min(axis=1) < 1e-2) | (np.abs(np.pi - distances).min(axis=1) < 1e-2)))
    path, recorded = np.array([*path, phase]), [*recorded, coarse + coarse // 5]
    targets = (angles[:, None] + np.pi * np.arange(-4, 5)).ravel()      # the angles of ±w_j, unwrapped
    targets = targets[(targets > path.min() - 0.3) & (targets < path.max() + 0.3)]
    figure = Figure("thm3.11-descent",
                    f"Theorem 3.11: the angle of a single electron on S¹ against the step, "
                    f"{STARTS} seeded starts; dashed: the angles of ±w_j.",
                    lambda: line_trajectories([path], targets, steps=recorded,
                                              titles=["single-node descent on S¹ (loss 11)"],
                                              ylabel="angle of θ"))
    return Check(f"single-node descent (loss 11) on S¹ ends at ±w_j from {STARTS} seeded starts",
                 Verdict.from_bool(matched == STARTS),
                 Evidence(Method.EXPERIMENT, f"{matched}/{STARTS} starts ended within 0.01 rad of ±w_j"),
                 figures=(figure,))


CLAIMS = [Claim("thm3.11", "Theorem 3.11 and Corollary 3.12 (sign activation)",
                r"\sigma = \operatorname{sgn},\ M = S^1 \;\Rightarrow\; \text{gradient descent on (11) "
                r"converges to some } w_j",
                check=lambda settings: [*_harmonic_on_the_circle(), _single_node_descent(settings)],
                hypotheses=("M = S¹ (or k ≤ 2 on S^{d−1})", "single node, loss (11)"))]
