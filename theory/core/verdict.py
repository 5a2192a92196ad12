"""Three-valued verdicts with the evidence that decided them.

Only :attr:`Verdict.PROVEN` may make a check pass. ``None`` from SymPy's
assumption system is never read as ``False``: it becomes ``UNDECIDED``.

>>> Verdict.from_bool(None)
<Verdict.UNDECIDED: 'undecided'>
>>> Verdict.all([Verdict.PROVEN, Verdict.UNDECIDED])
<Verdict.UNDECIDED: 'undecided'>
>>> Verdict.all([Verdict.PROVEN, Verdict.REFUTED, Verdict.UNDECIDED])
<Verdict.REFUTED: 'refuted'>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .exitcodes import ExitCode


class Verdict(enum.Enum):
    """The outcome of a check: PROVEN, REFUTED or UNDECIDED (never a bare bool).

    >>> Verdict.from_bool(None), ~Verdict.PROVEN, Verdict.REFUTED.exit_code
    (<Verdict.UNDECIDED: 'undecided'>, <Verdict.REFUTED: 'refuted'>, <ExitCode.REFUTED: 1>)
    """

    PROVEN = "proven"
    REFUTED = "refuted"
    UNDECIDED = "undecided"

    @classmethod
    def from_bool(cls, value: bool | None) -> Verdict:
        """``True`` → PROVEN, ``False`` → REFUTED, ``None`` → UNDECIDED."""
        if value is None:
            return cls.UNDECIDED
        return cls.PROVEN if value else cls.REFUTED

    @classmethod
    def all(cls, verdicts: Iterable[Verdict]) -> Verdict:
        """Conjunction: REFUTED if any is, else UNDECIDED if any is, else PROVEN."""
        verdicts = list(verdicts)
        if cls.REFUTED in verdicts:
            return cls.REFUTED
        if cls.UNDECIDED in verdicts:
            return cls.UNDECIDED
        return cls.PROVEN

    def __invert__(self) -> Verdict:
        """Negation: PROVEN ↔ REFUTED, UNDECIDED stays."""
        return {Verdict.PROVEN: Verdict.REFUTED, Verdict.REFUTED: Verdict.PROVEN}.get(
            self, Verdict.UNDECIDED
        )

    @property
    def exit_code(self) -> ExitCode:
        """Command-line exit code: 0 proven, 1 refuted, 3 undecided."""
        return {Verdict.PROVEN: ExitCode.OK, Verdict.REFUTED: ExitCode.REFUTED,
                Verdict.UNDECIDED: ExitCode.UNDECIDED}[self]


class Method(enum.Enum):
    """How a piece of evidence was obtained.

    ``TIMEOUT`` marks evidence that decided nothing because a time budget ran out;
    ``INCONCLUSIVE`` any other evidence that decided nothing (a route with no answer, a check
    that raised). Neither ever backs PROVEN or REFUTED.

    >>> Method.INTERVAL.value
    'certified interval bound'
    >>> print(Evidence(Method.INCONCLUSIVE, "simplify did not finish within 10 s"))
    inconclusive (nothing decided): simplify did not finish within 10 s
    """

    EXACT = "exact algebra"
    INTERVAL = "certified interval bound"
    COUNTEREXAMPLE = "counter-example with certified sign"
    NUMERIC = "high-precision numerics"
    EXPERIMENT = "numerical experiment (evidence, not proof)"
    TIMEOUT = "time-out (decided nothing)"
    INCONCLUSIVE = "inconclusive (nothing decided)"


@dataclass(frozen=True)
class Evidence:
    """What decided a verdict: the method, a one-line account, and data.

    >>> print(Evidence(Method.EXACT, "ΔΦ simplifies to 0"))
    exact algebra: ΔΦ simplifies to 0
    """

    method: Method
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.method.value}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method.value, "detail": self.detail,
                "data": {k: _jsonable(v) for k, v in self.data.items()}}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)
