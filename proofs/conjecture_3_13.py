"""Conjecture 3.13: sign activation on S^{d−1}, all nodes moving, free output weights — no spurious minimum.

Evidence, not proof: projected gradient descent on θ with the output weights
kept at their optimum a*(θ) (the loss (5) minimised over a), from seeded random
starts, d = k = 3, orthonormal protons. A start counts as learned when every
electron ends at ±w_{π(i)} for a permutation π (sign is odd, so −w with the
opposite charge is the same node). Any start that does not is kept as a
counter-example candidate. With *fixed* charges (Assumption 1) the same
dynamics has a trap: two antipodal electrons cancel (see examples/watch_electrons.py).
"""

from __future__ import annotations

import numpy as np

from theory.claims import Check, Claim
from theory.loss import Loss
from theory.potential import potential
from theory.verdict import Evidence, Method, Verdict

D = K = 3
STARTS = 6


def _descend(loss: Loss, X: np.ndarray) -> np.ndarray:
    """Projected gradient steps at the optimal charges; a smaller step at the end to stop chattering."""
    for step in [0.05] * 1200 + [0.005] * 300:
        X = X - step * loss.gradient(X, loss.optimal_charges(X))
        X /= np.linalg.norm(X, axis=1)[:, None]
    return X


def _evidence() -> Check:
    protons = np.eye(D)[:K]
    loss = Loss(potential("sign").sphere(), protons, manifold="sphere")
    failures = []
    for seed in range(STARTS):
        start = np.random.default_rng(seed).normal(size=(K, D))
        end = _descend(loss, start / np.linalg.norm(start, axis=1)[:, None])
        overlap = np.abs(end @ protons.T)
        nearest = overlap.argmax(axis=1)
        if not (overlap.max(axis=1).min() > 0.99 and len(set(nearest)) == K):
            failures.append({"seed": seed, "positions": end.round(4).tolist()})
    return Check(f"d = k = {D}: every seeded start learns the network ({STARTS} starts)",
                 Verdict.from_bool(not failures), Evidence(
                     Method.EXPERIMENT, f"{STARTS - len(failures)}/{STARTS} starts ended at ±w_π(i)",
                     {"failures": failures}), "evidence")


CLAIMS = [Claim("conj3.13", "Conjecture 3.13 (sign activation, all nodes, free output weights)",
                r"\sigma = \operatorname{sgn},\ M = S^{d-1}:\ \text{no spurious local minimum of (5) with } a \ne 0",
                check=lambda: [_evidence()], conjecture=True,
                hypotheses=("M = S^{d−1}", "k = poly(d)", "output weights optimised"))]
