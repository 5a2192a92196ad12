"""The claims of the papers `theory prove` checks, one subpackage a paper, one module a claim.

- :mod:`theory.proofs.electrodynamics` — Panigrahy, Rahimi, Sachdeva & Zhang,
  *Convergence Results for Neural Networks via Electrodynamics* (arXiv 1702.00458, ITCS 2018).

:func:`all_claims` collects them, paper by paper, each in its paper's order.
"""

from __future__ import annotations

from theory.paper.claims import Claim

from . import electrodynamics


def all_claims() -> list[Claim]:
    return electrodynamics.all_claims()
