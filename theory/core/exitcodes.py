"""The exit codes of every ``theory`` subcommand, defined once.

======  ==========  ===========================================================
 code    name        meaning
======  ==========  ===========================================================
 0       OK          proven / confirmed / converged and matched / done
 1       REFUTED     something refuted, contradicted, or converged elsewhere
 2       BAD_INPUT   malformed or out-of-range input, unwritable output path
 3       UNDECIDED   nothing refuted, but something undecided / not converged
 4       INTERNAL    a defect of the toolkit (an unexpected exception, a crashed check)
======  ==========  ===========================================================

When one run has several outcomes the most severe wins:
INTERNAL > BAD_INPUT > REFUTED > UNDECIDED > OK (a refutation is a finding;
an undecided claim beside it does not hide it).

>>> ExitCode.worst([ExitCode.UNDECIDED, ExitCode.REFUTED, ExitCode.OK])
<ExitCode.REFUTED: 1>
>>> ExitCode.worst([])
<ExitCode.OK: 0>
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class ExitCode(enum.IntEnum):
    """Process exit status of a subcommand."""

    OK = 0
    REFUTED = 1
    BAD_INPUT = 2
    UNDECIDED = 3
    INTERNAL = 4

    @classmethod
    def worst(cls, codes: Iterable[int]) -> ExitCode:
        """The most severe of ``codes`` (see the module's precedence)."""
        return max((cls(c) for c in codes), key=_SEVERITY.__getitem__, default=cls.OK)


_SEVERITY = {ExitCode.OK: 0, ExitCode.UNDECIDED: 1, ExitCode.REFUTED: 2, ExitCode.BAD_INPUT: 3,
             ExitCode.INTERNAL: 4}
