"""The claims of the papers `theory prove` checks, one subpackage a paper, one module a claim.

- :mod:`theory.proofs.electrodynamics` — Panigrahy, Rahimi, Sachdeva & Zhang,
  *Convergence Results for Neural Networks via Electrodynamics* (arXiv 1702.00458, ITCS 2018).
- :mod:`theory.proofs.safran_lee` — Safran & Lee, *Optimization-Based Separations for Neural
  Networks* (COLT 2022, arXiv 2112.02393).
- :mod:`theory.proofs.zhang` — Zhang, Yu, Wang & Gu, *Learning One-hidden-layer ReLU Networks via
  Gradient Descent* (AISTATS 2019).

:func:`all_claims` collects them, paper by paper, each in its paper's order, each claim carrying
its :class:`~theory.paper.claims.Paper`.
"""

from __future__ import annotations

import dataclasses
import importlib

from theory.core.errors import InputError
from theory.paper.claims import Claim, Paper

#: The papers, in the order the report presents them; the key is the subpackage's name with - for _.
PAPERS = (
    Paper("electrodynamics", "Panigrahy, Rahimi, Sachdeva & Zhang",
          "Convergence Results for Neural Networks via Electrodynamics", "ITCS 2018, arXiv 1702.00458"),
    Paper("safran-lee", "Safran & Lee", "Optimization-Based Separations for Neural Networks",
          "COLT 2022, arXiv 2112.02393"),
    Paper("zhang", "Zhang, Yu, Wang & Gu", "Learning One-hidden-layer ReLU Networks via Gradient Descent",
          "AISTATS 2019, arXiv 1806.07808"),
)


def paper(key: str) -> Paper:
    """The paper named ``key`` (an InputError naming the choices otherwise)."""
    for candidate in PAPERS:
        if candidate.key == key:
            return candidate
    raise InputError(f"no paper {key!r}; choose one of {', '.join(p.key for p in PAPERS)}")


def all_claims(papers: tuple[str, ...] | None = None) -> list[Claim]:
    """The claims of ``papers`` (keys; all papers by default), paper by paper."""
    chosen = PAPERS if papers is None else tuple(paper(key) for key in papers)
    return [dataclasses.replace(claim, paper=p)
            for p in chosen
            for claim in importlib.import_module(f"{__name__}.{p.key.replace('-', '_')}").all_claims()]
