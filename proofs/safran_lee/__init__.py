"""The claims of Safran & Lee, *Optimization-Based Separations for Neural Networks* (COLT 2022,
PMLR 178; arXiv 2112.02393), one module per claim.

The setting (re-derived from the paper, checked here): a target 1{‖x‖ ≤ λ} on radial data; the strong
class x ↦ [Σ_j w_j erf(⟨u_j, x⟩ + b_j)] clipped to [0, 1], with the hidden layer frozen at its random
initialisation (Assumption 7: U_j ~ N(0, I_d/4), B_j ~ N(0, 1/4)). Checked: Theorems 2, 3 and 8 (experiments),
Assumption 6 for the paper's laws, and Proposition 21 (the mean of one random feature).
"""

from __future__ import annotations

from theory.paper.claims import Claim, collect

#: Modules in the order of the paper.
MODULES = ("theorem_2", "theorem_3", "assumption_6", "theorem_8", "theorem_10", "proposition_21")


def all_claims() -> list[Claim]:
    return collect(__name__, MODULES)
