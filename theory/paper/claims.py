"""Claims of a paper as objects: statement, hypotheses, checks, verdict.

A :class:`Claim` is checked by its ``check`` function, which returns
:class:`Check` results. A check function that takes a ``settings`` argument
receives the run's :class:`Settings` (quick mode, working precision); one that
takes no argument runs the same way every time. A check may carry
:class:`Figure` specs, which the report renders, and ``facts`` for machines
(e.g. a derived potential). Checks are about the statement *as stated* or about a
*corrected* statement; the claim's verdict is the conjunction of the checks
as stated, so a statement that holds only after a correction is REFUTED, and the
corrected statement is reported with its own verdict.

>>> claim = Claim("demo", "Example", r"1 + 1 = 2", check=lambda: [
...     Check("arithmetic", Verdict.from_bool(1 + 1 == 2), Evidence(Method.EXACT, "1 + 1 = 2"))])
>>> claim.run().verdict
<Verdict.PROVEN: 'proven'>
"""

from __future__ import annotations

import importlib
import inspect
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.choices import Choice
from ..core.latex import Typeset
from ..core.verdict import Evidence, Method, Verdict


class Subject(Choice):
    """What a check is about: the statement as stated, a corrected statement, or numerical
    evidence for a conjecture (never proof)."""

    AS_STATED = "as stated"
    CORRECTED = "corrected"
    EVIDENCE = "evidence"


@dataclass(frozen=True)
class Settings:
    """How hard a run works: ``quick`` asks for fewer starts, steps and digits; ``dps`` is the working
    precision for claims that compute with mpmath (``None``: each claim's own default)."""

    quick: bool = False
    dps: int | None = None

    def choose(self, full, quick):
        """``quick`` in a quick run, else ``full``."""
        return quick if self.quick else full

    def digits(self, default: int) -> int:
        """The working precision: ``--dps`` when given, else ``default`` (halved, at least 15, when quick)."""
        if self.dps is not None:
            return self.dps
        return max(15, default // 2) if self.quick else default


@dataclass(frozen=True)
class Figure:
    """A picture of a check: ``draw()`` returns a matplotlib figure; the report saves it as ``name``.png."""

    name: str
    caption: str
    draw: Callable[[], Any]


@dataclass(frozen=True)
class Check:
    """One symbolic or numeric check.

    ``subject`` (a :class:`Subject`, or its name) says what it is about.
    """

    name: str
    verdict: Verdict
    evidence: Evidence
    subject: Subject = Subject.AS_STATED
    latex: str = ""
    figures: tuple[Figure, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "subject", Subject(self.subject))

    def to_json(self) -> dict:
        return {"name": self.name, "verdict": self.verdict.value, "subject": self.subject.value,
                "evidence": self.evidence.to_json(), "latex": self.latex}


#: The name of the check that stands for a check function that raised.
CRASHED = "check raised"


@dataclass(frozen=True)
class Paper:
    """A paper whose claims `theory prove` checks: ``key`` names it on the command line (``--paper``)."""

    key: str
    authors: str
    title: str
    venue: str

    def __str__(self) -> str:
        return f"{self.authors}, {self.title} ({self.venue})"


@dataclass(frozen=True)
class Claim:
    """A statement of a paper with the function that checks it (``paper`` is set by the paper's package)."""

    key: str
    source: str
    statement: str
    check: Callable[..., list[Check]]   # check() or check(settings)
    hypotheses: tuple[str, ...] = ()
    correction: str = ""
    conjecture: bool = False
    experiment: bool = False
    paper: Paper | None = None

    def run(self, settings: Settings = Settings()) -> Result:
        """Run the checks (``check(settings=…)`` when it has a ``settings`` parameter, else ``check()``);
        an exception becomes an UNDECIDED check named :data:`CRASHED`: a defect, see
        :attr:`Result.crashed`."""
        start = time.perf_counter()
        try:
            takes_settings = "settings" in inspect.signature(self.check).parameters
            checks = tuple(self.check(settings=settings) if takes_settings else self.check())
        except Exception as why:  # a broken check must not look like a verdict
            detail = f"{type(why).__name__}: {why}"
            checks = (Check(CRASHED, Verdict.UNDECIDED, Evidence(
                Method.INCONCLUSIVE, detail, {"traceback": traceback.format_exc(limit=3)})),)
        return Result(self, checks, time.perf_counter() - start)


@dataclass(frozen=True)
class Result(Typeset):
    """A claim with the outcome of its checks."""

    delimiter = "$$"  # a statement is displayed math

    claim: Claim
    checks: tuple[Check, ...]
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> Verdict:
        """Conjunction of the checks as stated (of the evidence, for a conjecture)."""
        relevant = [c.verdict for c in self.deciding]
        return Verdict.all(relevant) if relevant else Verdict.UNDECIDED

    @property
    def crashed(self) -> str | None:
        """The exception that stopped the check (a defect of the toolkit, not a verdict), or ``None``."""
        return next((c.evidence.detail for c in self.checks if c.name == CRASHED), None)

    @property
    def corrected_verdict(self) -> Verdict | None:
        corrected = [c.verdict for c in self.checks if c.subject is Subject.CORRECTED]
        return Verdict.all(corrected) if corrected else None

    def latex(self) -> str:
        """The statement with the verdict as a tag."""
        return rf"{self.claim.statement} \quad \text{{[{self.verdict.value}]}}"

    def __str__(self) -> str:
        corrected = f" (corrected: {self.corrected_verdict.value})" if self.corrected_verdict else ""
        lines = [f"{self.claim.source}: {self.verdict.value}{corrected}"]
        return "\n".join(lines + [f"    {c.verdict.value:9} {c.subject}: {c.name}" for c in self.checks])

    def __repr__(self) -> str:
        n = len(self.checks)
        checks = f"{n} check{'s' * (n != 1)}"
        return f"<Result {self.claim.key}: {self.verdict.value} ({self.claim.source}; {checks})>"
    @property
    def deciding(self) -> list[Check]:
        """The checks the verdict is the conjunction of."""
        subject = Subject.EVIDENCE if self.claim.conjecture else Subject.AS_STATED
        return [c for c in self.checks if c.subject is subject]

    @property
    def figures(self) -> list[Figure]:
        return [figure for check in self.checks for figure in check.figures]

    @property
    def facts(self) -> dict[str, Any]:
        return {key: value for check in self.checks for key, value in check.facts.items()}

    def to_json(self) -> dict:
        corrected = self.corrected_verdict
        paper = self.claim.paper.key if self.claim.paper else None
        return {"id": self.claim.key, "paper": paper, "source": self.claim.source,
                "statement": self.claim.statement,
                "hypotheses": list(self.claim.hypotheses), "conjecture": self.claim.conjecture,
                "verdict": self.verdict.value, "evidence": [str(c.evidence) for c in self.deciding],
                "correction": self.claim.correction,
                "corrected_verdict": corrected.value if corrected else None,
                "facts": self.facts, "seconds": round(self.seconds, 3),
                "checks": [c.to_json() for c in self.checks]}


def collect(package: str, modules: tuple[str, ...]) -> list[Claim]:
    """The ``CLAIMS`` of ``package``'s ``modules``, in that order (a paper's claims, one module a claim)."""
    claims = []
    for name in modules:
        claims += importlib.import_module(f"{package}.{name}").CLAIMS
    return claims
