"""Compile SymPy expressions to numeric functions, with precision kept local.

A function made by ``lambdify(..., "mpmath")`` looks up ``mpmath.pi``,
``mpmath.sqrt`` … in the *global* mpmath context and so silently runs at 15
digits. Here every mpmath function is bound to a private
:class:`mpmath.MPContext`, so constants and elementary functions are computed
at that context's precision.

>>> import sympy as sp
>>> from theory.core.symbols import t
>>> ctx = context(40)
>>> f = mpmath_function(sp.pi * t, (t,), ctx)
>>> str(f(ctx.mpf(1)))
'3.141592653589793238462643383279502884197'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import mpmath
import numpy as np
import sympy as sp
from sympy.printing.pycode import MpmathPrinter

from .errors import InputError


def check_dps(dps) -> int:
    """``dps`` as an int, or an InputError naming the problem."""
    if not isinstance(dps, (int, np.integer)) or isinstance(dps, bool) or dps < 1:
        raise InputError(f"dps (decimal digits) must be an integer ≥ 1, got {dps!r}")
    return int(dps)


def context(dps: int) -> mpmath.MPContext:
    """A fresh mpmath context working with ``dps`` decimal digits."""
    dps = check_dps(dps)
    ctx = mpmath.MPContext()
    ctx.dps = int(dps)
    return ctx


@functools.lru_cache(maxsize=64)
def output_context(dps: int) -> mpmath.MPContext:
    """A shared context at exactly ``dps`` digits, where returned numbers live (read-only: never mutate)."""
    return context(dps)


def mpmath_function(expr: sp.Expr, args: Sequence[sp.Symbol], ctx: mpmath.MPContext, *,
                    cse: bool = False) -> Callable:
    """``expr`` as a Python function of ``args`` evaluated in ``ctx`` (``cse=True``: common
    subexpressions computed once)."""
    return sp.lambdify(tuple(args), expr, modules=[{"mpmath": ctx}, "mpmath"],
                       printer=MpmathPrinter, cse=cse)


def numpy_function(expr, args: Sequence[sp.Symbol], *, cse: bool = False) -> Callable:
    """``expr`` as a vectorised float64 function of ``args`` (NumPy and SciPy special).

    ``expr`` may be a list of expressions (the function returns a list); with
    ``cse=True`` their common subexpressions are computed once.
    """
    return sp.lambdify(tuple(args), expr, modules=["scipy", "numpy"], cse=cse)


@functools.cache
def _thread_pools():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread():
    """A context in which BLAS runs on one thread: for products too small to share (measured 2–5×
    slower with a second thread on a loaded 2-core machine, and up to 100× for a thin product)."""
    return _thread_pools().limit(limits=1, user_api="blas")
