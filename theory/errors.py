"""Errors the toolkit raises. Each names the problem in words a user can act on.

``InputError`` is bad input (the command line exits with 2); ``DerivationError``
means no route could produce a result; ``Timeout`` means a bounded step ran out
of time.
"""

from __future__ import annotations


class TheoryError(Exception):
    """Base class of every error raised on purpose by ``theory``."""


class InputError(TheoryError, ValueError):
    """The input is malformed or out of range (command-line exit code 2)."""


class DerivationError(TheoryError):
    """No derivation route could produce the requested result."""


class Timeout(TheoryError):
    """A time-bounded step did not finish within its budget."""
