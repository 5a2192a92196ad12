"""Numbers for the loss: float64 or mpmath at a given number of digits, on numpy arrays."""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable

import numpy as np
import sympy as sp

from ..core.numeric import context, mpmath_function, numpy_function


class Arithmetic(abc.ABC):
    """Numbers on numpy arrays: :class:`Float64` (``dps`` None) or :class:`MPMath` (``dps`` digits).

    Both have one interface: ``dps``, ``ctx`` (the mpmath context, None in float64), and
    the methods below; :func:`arithmetic` chooses one.
    """

    dps: int | None
    ctx: object | None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'' if self.dps is None else self.dps})"

    @abc.abstractmethod
    def array(self, values) -> np.ndarray:
        """``values`` as an array of this arithmetic's numbers."""

    @abc.abstractmethod
    def sqrt(self, values: np.ndarray) -> np.ndarray:
        """Elementwise √."""

    @abc.abstractmethod
    def function(self, expr: sp.Expr, args: tuple) -> Callable:
        """``expr`` compiled for this arithmetic, elementwise with broadcasting (a constant
        expression gives a scalar in float64)."""

    @abc.abstractmethod
    def functions(self, exprs: tuple, args: tuple) -> Callable:
        """Several expressions compiled together (float64: common subexpressions shared);
        the result returns a list of values."""

    @abc.abstractmethod
    def constant(self, value: sp.Expr):
        """A SymPy number in this arithmetic: a float, or an mpf from 5 guard digits."""

    @abc.abstractmethod
    def finite(self, values: np.ndarray) -> bool:
        """Whether every entry is finite."""


class Float64(Arithmetic):
    """IEEE double precision: float arrays, numpy functions."""

    def __init__(self, dps: None = None):
        self.dps, self.ctx = None, None

    def array(self, values) -> np.ndarray:
        return np.asarray(values, dtype=float)

    def sqrt(self, values: np.ndarray) -> np.ndarray:
        return np.sqrt(values)

    def function(self, expr: sp.Expr, args: tuple) -> Callable:
        return _numpy(expr, args)

    def functions(self, exprs: tuple, args: tuple) -> Callable:
        return _numpy_list(exprs, args)

    def constant(self, value: sp.Expr):
        return float(value)

    def finite(self, values: np.ndarray) -> bool:
        return bool(np.isfinite(values).all())


class MPMath(Arithmetic):
    """mpmath at ``dps`` digits on a local context: object arrays holding its ``mpf``."""

    def __init__(self, dps: int):
        self.dps, self.ctx = dps, context(dps)

    def array(self, values) -> np.ndarray:
        values = np.asarray(values, dtype=object)
        return np.frompyfunc(self.ctx.mpf, 1, 1)(values).astype(object).reshape(values.shape)

    def sqrt(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(np.frompyfunc(self.ctx.sqrt, 1, 1)(values), dtype=object)

    def function(self, expr: sp.Expr, args: tuple) -> Callable:
        ufunc = np.frompyfunc(_mpmath(expr, args, self.dps), len(args), 1)
        return lambda *a: np.asarray(ufunc(*a), dtype=object)

    def functions(self, exprs: tuple, args: tuple) -> Callable:
        compiled = [self.function(e, args) for e in exprs]
        return lambda *a: [f(*a) for f in compiled]

    def constant(self, value: sp.Expr):
        return self.ctx.mpf(str(sp.N(value, self.dps + 5)))

    def finite(self, values: np.ndarray) -> bool:
        return all(self.ctx.isfinite(v) for v in np.ravel(values))


def arithmetic(dps: int | None = None) -> Arithmetic:
    """:class:`Float64` for ``dps`` None, else :class:`MPMath` at ``dps`` digits.

    >>> arithmetic(), arithmetic(30).dps
    (Float64(), 30)
    """
    return Float64() if dps is None else MPMath(dps)


@functools.lru_cache(maxsize=512)
def _numpy(expr: sp.Expr, args: tuple) -> Callable:
    return numpy_function(expr, args)


@functools.lru_cache(maxsize=128)
def _numpy_list(exprs: tuple, args: tuple) -> Callable:
    return numpy_function(list(exprs), args, cse=True)


@functools.lru_cache(maxsize=512)
def _mpmath(expr: sp.Expr, args: tuple, dps: int) -> Callable:
    return mpmath_function(expr, args, context(dps))
