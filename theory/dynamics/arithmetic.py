"""Numbers for the loss: float64 or mpmath at a given number of digits, on numpy arrays."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import sympy as sp

from ..core.numeric import context, mpmath_function, numpy_function


class Arithmetic:
    """float64 (``dps=None``) or mpmath at ``dps`` digits, on numpy arrays.

    In mpmath mode arrays have dtype ``object`` holding the context's ``mpf``.
    """

    def __init__(self, dps: int | None = None):
        self.dps = dps
        self.ctx = None if dps is None else context(dps)

    def array(self, values) -> np.ndarray:
        values = np.asarray(values, dtype=object if self.ctx else float)
        if self.ctx is None:
            return values
        return np.frompyfunc(self.ctx.mpf, 1, 1)(values).astype(object).reshape(values.shape)

    def sqrt(self, values: np.ndarray) -> np.ndarray:
        if self.ctx is None:
            return np.sqrt(values)
        return np.asarray(np.frompyfunc(self.ctx.sqrt, 1, 1)(values), dtype=object)

    def function(self, expr: sp.Expr, args: tuple) -> Callable:
        """``expr`` compiled for this arithmetic, elementwise with broadcasting (a constant
        expression gives a scalar in float64)."""
        if self.ctx is None:
            return _numpy(expr, args)
        f = _mpmath(expr, args, self.dps)
        ufunc = np.frompyfunc(f, len(args), 1)
        return lambda *a: np.asarray(ufunc(*a), dtype=object)

    def functions(self, exprs: tuple, args: tuple) -> Callable:
        """Several expressions compiled together (float64: common subexpressions shared);
        the result returns a list of values."""
        if self.ctx is None:
            return _numpy_list(exprs, args)
        compiled = [self.function(e, args) for e in exprs]
        return lambda *a: [f(*a) for f in compiled]

    def constant(self, value: sp.Expr):
        """A SymPy number in this arithmetic: a float, or an mpf from 5 guard digits."""
        return float(value) if self.ctx is None else self.ctx.mpf(str(sp.N(value, self.dps + 5)))

    def finite(self, values: np.ndarray) -> bool:
        if self.ctx is None:
            return bool(np.isfinite(values).all())
        return all(self.ctx.isfinite(v) for v in np.ravel(values))


@functools.lru_cache(maxsize=512)
def _numpy(expr: sp.Expr, args: tuple) -> Callable:
    return numpy_function(expr, args)


@functools.lru_cache(maxsize=128)
def _numpy_list(exprs: tuple, args: tuple) -> Callable:
    return numpy_function(list(exprs), args, cse=True)


@functools.lru_cache(maxsize=512)
def _mpmath(expr: sp.Expr, args: tuple, dps: int) -> Callable:
    return mpmath_function(expr, args, context(dps))
