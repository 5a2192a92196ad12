"""Claims of a paper as objects: statement, hypotheses, checks, verdict.

A :class:`Claim` is checked by its ``check`` function, which returns
:class:`Check` results. Checks are about the statement *as stated* or about a
*corrected* statement; the claim's verdict is the conjunction of the checks
as stated, so a statement that holds only after a correction is REFUTED, and the
corrected statement is reported with its own verdict.

>>> claim = Claim("demo", "Example", r"1 + 1 = 2", check=lambda: [
...     Check("arithmetic", Verdict.from_bool(1 + 1 == 2), Evidence(Method.EXACT, "1 + 1 = 2"))])
>>> claim.run().verdict
<Verdict.PROVEN: 'proven'>
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .verdict import Evidence, Method, Verdict

Subject = Literal["as stated", "corrected", "evidence"]


@dataclass(frozen=True)
class Check:
    """One symbolic or numeric check.

    ``subject`` says what it is about: the statement as stated, a corrected
    statement, or numerical evidence for a conjecture (never proof).
    """

    name: str
    verdict: Verdict
    evidence: Evidence
    subject: Subject = "as stated"
    latex: str = ""

    def to_json(self) -> dict:
        return {"name": self.name, "verdict": self.verdict.value, "subject": self.subject,
                "evidence": self.evidence.to_json(), "latex": self.latex}


@dataclass(frozen=True)
class Claim:
    """A statement of the paper with the function that checks it."""

    key: str
    source: str
    statement: str
    check: Callable[[], list[Check]]
    hypotheses: tuple[str, ...] = ()
    correction: str = ""
    conjecture: bool = False
    experiment: bool = False

    def run(self) -> Result:
        """Run the checks; an exception becomes an UNDECIDED check that names it."""
        start = time.perf_counter()
        try:
            checks = tuple(self.check())
        except Exception as why:  # noqa: BLE001 — a broken check must not look like a verdict
            detail = f"{type(why).__name__}: {why}"
            checks = (Check("check raised", Verdict.UNDECIDED, Evidence(
                Method.NUMERIC, detail, {"traceback": traceback.format_exc(limit=3)})),)
        return Result(self, checks, time.perf_counter() - start)


@dataclass(frozen=True)
class Result:
    """A claim with the outcome of its checks."""

    claim: Claim
    checks: tuple[Check, ...]
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> Verdict:
        """Conjunction of the checks as stated (of the evidence, for a conjecture)."""
        subject = "evidence" if self.claim.conjecture else "as stated"
        relevant = [c.verdict for c in self.checks if c.subject == subject]
        return Verdict.all(relevant) if relevant else Verdict.UNDECIDED

    @property
    def corrected_verdict(self) -> Verdict | None:
        corrected = [c.verdict for c in self.checks if c.subject == "corrected"]
        return Verdict.all(corrected) if corrected else None

    def latex(self) -> str:
        """The statement with the verdict as a tag."""
        return rf"{self.claim.statement} \quad \text{{[{self.verdict.value}]}}"

    def _latex(self, printer) -> str:
        return self.latex()

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def __str__(self) -> str:
        corrected = f" (corrected: {self.corrected_verdict.value})" if self.corrected_verdict else ""
        lines = [f"{self.claim.source}: {self.verdict.value}{corrected}"]
        return "\n".join(lines + [f"    {c.verdict.value:9} {c.subject}: {c.name}" for c in self.checks])

    def __repr__(self) -> str:
        n = len(self.checks)
        return f"<Result {self.claim.key}: {self.verdict.value} ({self.claim.source}; {n} check{'s' * (n != 1)})>"

    def to_json(self) -> dict:
        corrected = self.corrected_verdict
        return {"key": self.claim.key, "source": self.claim.source, "statement": self.claim.statement,
                "hypotheses": list(self.claim.hypotheses), "conjecture": self.claim.conjecture,
                "verdict": self.verdict.value, "correction": self.claim.correction,
                "corrected_verdict": corrected.value if corrected else None,
                "seconds": round(self.seconds, 3), "checks": [c.to_json() for c in self.checks]}
