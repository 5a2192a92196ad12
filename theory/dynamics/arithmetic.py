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

    Both have one interface: ``dps``, ``ctx`` (the mpmath context, None in float64),
    ``digits`` (the decimal digits carried: 16 in float64), ``dtype`` (of its arrays),
    ``fast_products`` (whether matrix products run in BLAS, which only pays in float64),
    and the methods below; :func:`arithmetic` chooses one.
    """

    dps: int | None
    ctx: object | None
    digits: int
    dtype: type
    fast_products: bool

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

    @abc.abstractmethod
    def exp10(self, n: int):
        """10ⁿ as this arithmetic's number."""

    @abc.abstractmethod
    def scalar(self, value):
        """A result as this arithmetic's number: a Python float, or the mpf itself."""

    @abc.abstractmethod
    def clamp_unit(self, values: np.ndarray) -> None:
        """Cosines clamped to [−1, 1] in place: float64 round-off can leave ρ outside;
        mpmath values are left as computed."""

    @abc.abstractmethod
    def angles(self, rho_: np.ndarray, c: np.ndarray, near) -> np.ndarray:
        """φ = acos ρ ∈ [0, π] given c = 1 − ρ²: arccos where ρ is not near ±1 (well
        conditioned), atan2(√c, ρ) at the entries ``near`` (and everywhere in mpmath)."""

    @abc.abstractmethod
    def squares(self, D: np.ndarray) -> np.ndarray:
        """Σ_k D_ijk², the squared lengths along the last axis of a (k, m, d) array."""

    @abc.abstractmethod
    def contract(self, weights: np.ndarray, D: np.ndarray) -> np.ndarray:
        """Σ_j C_ij D_ijk for (k, m) weights C and a (k, m, d) array D."""

    @abc.abstractmethod
    def solve(self, A: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        """A⁻¹ rhs for a square non-singular A."""


class Float64(Arithmetic):
    """IEEE double precision: float arrays, numpy functions."""

    digits, dtype, fast_products = 16, float, True

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

    def exp10(self, n: int):
        return 10.0**n

    def scalar(self, value):
        return float(value)

    def clamp_unit(self, values: np.ndarray) -> None:
        np.minimum(values, 1.0, out=values)
        np.maximum(values, -1.0, out=values)

    def angles(self, rho_: np.ndarray, c: np.ndarray, near) -> np.ndarray:
        phi = np.arccos(rho_)
        if near is not None:
            phi[near] = np.arctan2(np.sqrt(c[near]), rho_[near])
        return phi

    def squares(self, D: np.ndarray) -> np.ndarray:
        return np.einsum("ijk,ijk->ij", D, D)

    def contract(self, weights: np.ndarray, D: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ijk->ik", weights, D)

    def solve(self, A: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        return np.linalg.solve(A, rhs)


class MPMath(Arithmetic):
    """mpmath at ``dps`` digits on a local context: object arrays holding its ``mpf``."""

    dtype, fast_products = object, False

    def __init__(self, dps: int):
        self.dps, self.ctx, self.digits = dps, context(dps), dps

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

    def exp10(self, n: int):
        return self.ctx.mpf(10) ** n

    def scalar(self, value):
        return value

    def clamp_unit(self, values: np.ndarray) -> None:
        pass

    def angles(self, rho_: np.ndarray, c: np.ndarray, near) -> np.ndarray:
        return np.asarray(np.frompyfunc(self.ctx.atan2, 2, 1)(self.sqrt(c), rho_), dtype=object)

    def squares(self, D: np.ndarray) -> np.ndarray:
        return (D * D).sum(axis=2)

    def contract(self, weights: np.ndarray, D: np.ndarray) -> np.ndarray:
        return (weights[:, :, None] * D).sum(axis=1)

    def solve(self, A: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        inverse = self.ctx.inverse(self.ctx.matrix(A.tolist()))
        return np.array(inverse.tolist(), dtype=object) @ rhs


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
