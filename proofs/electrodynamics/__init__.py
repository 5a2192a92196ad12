"""The claims of Panigrahy, Rahimi, Sachdeva & Zhang (arXiv 1702.00458), one module per claim.

Each claim module (:data:`MODULES`) defines ``CLAIMS``, a list of :class:`theory.paper.claims.Claim`.
:func:`all_claims` collects them in the paper's order. :mod:`.predictions` is the paper's table of
predictions by Earnshaw class, which ``theory verify`` checks.
"""

from __future__ import annotations

from theory.paper.claims import Claim, collect

#: Modules in the order of the paper.
MODULES = ("table1", "theorem_2_2", "theorem_2_4", "theorem_2_5", "theorem_3_3", "theorem_3_6", "lemma_3_8",
           "theorem_3_9", "theorem_3_10", "theorem_3_11", "conjecture_3_13", "conjecture_3_14", "theorem_4_2",
           "corollary_4_3", "theorem_4_4", "theorem_5_1", "section_5")


def all_claims() -> list[Claim]:
    return collect(__name__, MODULES)
