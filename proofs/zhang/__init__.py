"""The claims of Zhang, Yu, Wang & Gu, *Learning One-hidden-layer ReLU Networks via Gradient Descent*
(AISTATS 2019), one module per claim.

The setting: x ~ N(0, I_d), y = Σ_j σ(w*_jᵀx) + ε with σ = ReLU, ε ~ N(0, ν²), unit output
weights, n samples, GD on the empirical risk (1/2n) Σ_i (Σ_j σ(w_jᵀx_i) − y_i)² started from a tensor
(moment) initialisation. The main result: the iterates converge linearly to W* up to a statistical
error of order √(d log n / n), with constants polynomial in K, κ = cond(W*) and λ. Its constants are not
computable from the statement, so every check here is an experiment (evidence, never proof), run with
:mod:`theory.teacher_student.relu_samples`.
"""

from __future__ import annotations

from theory.paper.claims import Claim, collect

#: Modules in the order of the paper's argument: initialisation, local linear rate, statistical error.
MODULES = ("tensor_initialisation", "linear_convergence", "statistical_error")


def all_claims() -> list[Claim]:
    return collect(__name__, MODULES)
