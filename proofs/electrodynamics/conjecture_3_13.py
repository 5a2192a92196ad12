"""Conjecture 3.13: sign activation on S^{d−1}, all nodes moving, free output weights — no spurious minimum.

Evidence, not proof: :func:`theory.verify` with free output weights — projected
gradient descent on θ with a = a*(θ) throughout, each end point refined and
classified on the reduced loss min_a L(a, θ) — from seeded random starts,
d = k = 3, orthonormal protons. Sign is odd, so −w with the opposite charge is
the same node: electrons are reported in the form with a_i* < 0. Any start that
does not end on a permutation of the protons is kept as a counter-example
candidate. With *fixed* charges (Assumption 1) the same dynamics has a trap: two
antipodal electrons cancel (see examples/watch_electrons.py).
"""

from __future__ import annotations

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim
from theory.verification.verify import verify

D = K = 3
STARTS = 6


def _evidence(starts: int = STARTS) -> Check:
    v = verify("sign", manifold="sphere", d=D, k=K, charges="optimal", starts=starts, dps=20,
               progress=False)
    failures = [{"seed": r["seed"], "kind": r["kind"], "positions": r.get("positions")}
                for r in v.runs if not r["matched"]]
    return Check(f"d = k = {D}: every seeded start learns the network ({starts} starts)",
                 Verdict.from_bool(not failures), Evidence(
                     Method.EXPERIMENT, f"{v.matched}/{starts} starts ended at ±w_π(i) ({v.kinds})",
                     {"failures": failures}), "evidence")


CLAIMS = [Claim("conj3.13", "Conjecture 3.13 (sign activation, all nodes, free output weights)",
                r"\sigma = \operatorname{sgn},\ M = S^{d-1}:\ "
                r"\text{no spurious local minimum of (5) with } a \ne 0",
                check=lambda settings: [_evidence(settings.choose(STARTS, 3))], conjecture=True,
                hypotheses=("M = S^{d−1}", "k = poly(d)", "output weights optimised"))]
