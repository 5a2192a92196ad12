"""Errors the toolkit raises. Each names the problem in words a user can act on.

``InputError`` is bad input (the command line exits with 2); ``DerivationError``
means no route could produce a result (``PrecisionError``: not to the digits
asked); ``Timeout`` means a bounded step ran out of time; ``WorkerLost`` that a
parallel worker died.
"""

from __future__ import annotations


class TheoryError(Exception):
    """Base class of every error raised on purpose by ``theory``.

    >>> issubclass(InputError, TheoryError) and issubclass(Timeout, TheoryError)
    True
    """


class InputError(TheoryError, ValueError):
    """The input is malformed or out of range (command-line exit code 2).

    >>> from theory.potentials.potential import given
    >>> given("rho", "conical")
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: form must be one of ridge, zonal, radial, product, got 'conical'
    """


class DerivationError(TheoryError):
    """No derivation route could produce the requested result.

    >>> from theory.potentials.potential import potential
    >>> potential("tanh").in_coordinates(2)
    Traceback (most recent call last):
    ...
    theory.core.errors.DerivationError: potential of tanh is numeric; coordinates needs an exact one
    """


class PrecisionError(DerivationError):
    """The requested digits could not be confirmed: no two computations agreed to them.

    >>> import sympy as sp
    >>> from theory.potentials.quadrature import gaussian_mean
    >>> gaussian_mean(sp.Symbol("t", real=True), dps=10**4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    theory.core.errors.PrecisionError: ... digits need more than 384 Gauss–Legendre nodes per piece
    """


class Timeout(TheoryError):
    """A time-bounded step did not finish within its budget.

    >>> import time
    >>> from theory.core.timebound import bounded
    >>> bounded(time.sleep, 5, seconds=0.2, what="a nap")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    theory.core.errors.Timeout: a nap ...
    """


class WorkerLost(TheoryError):
    """A worker process died (killed, out of memory) before its task finished; finished work is kept."""
