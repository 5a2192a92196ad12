"""The population loss as the energy of electrons and protons, with exact derivatives.

With the paper's sign convention (arXiv 1702.00458, eq. 3 with a ↦ −a, eq. 4–5)
the learner's output weights are the electrons' charges a_i and the target's
are the protons' charges b_j, and

.. math::

    L(a, \\theta) = \\mathbb{E}_x\\Big(\\sum_i a_i\\sigma(x, \\theta_i)
                  + \\sum_j b_j\\sigma(x, w_j)\\Big)^2
      = \\sum_{ij} a_i a_j \\Phi(\\theta_i, \\theta_j)
      + 2\\sum_{ij} a_i b_j \\Phi(\\theta_i, w_j) + \\sum_{ij} b_i b_j \\Phi(w_i, w_j),

so L ≥ 0 and L = 0 at a perfect match a_i = −b_{π(i)}, θ_i = w_{π(i)}. The
fixed charges of eq. 6 / 9 are a_i = −1, b_j = +1 (the default). The constant
proton–proton term is kept, so the value is the loss itself, not the loss up
to a constant; single-node loss (eq. 11) is the case of one electron.

Derivatives are exact: Φ is written as F(u) in *invariants* u of the pair,

======  ============================  ===========================
form    invariants                    manifold
======  ============================  ===========================
ridge   n₁ = ‖θ‖, n₂ = ‖w‖, ρ = θ̂ᵀŵ   R^d
zonal   ρ = θ̂ᵀŵ                       S^{d−1}
radial  q = ‖θ − w‖²                  R^d
======  ============================  ===========================

and the partial derivatives of F are taken symbolically once, simplified, and
rewritten in c = 1 − ρ² (acos ρ = atan2(√c, ρ)), with c computed from
‖θ̂ ∓ ŵ‖² so that nothing cancels catastrophically when an electron sits on a
proton. They are compiled to numpy (float64) and to mpmath on a local context.
The self-interaction Φ(θ, θ) is differentiated as the function G(‖θ‖) it is
(e.g. ‖θ‖²/2 for ReLU), never through the off-diagonal formula.

>>> import numpy as np
>>> from theory.potential import potential
>>> loss = Loss(potential("relu").sphere(), np.eye(2))
>>> float(loss.value(np.eye(2)))            # electrons on the protons
0.0
>>> bool(loss.value(np.array([[0.6, 0.8], [0.8, -0.6]])) > 0)
True
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from .errors import DerivationError, InputError, Timeout
from .numeric import context, mpmath_function, numpy_function
from .potential import Potential
from .symbols import dot, na, nb, r, rho
from .timebound import bounded

N1, N2 = sp.Symbol("n1", positive=True), sp.Symbol("n2", positive=True)
Q = sp.Symbol("q", nonnegative=True)
C = sp.Symbol("c", nonnegative=True)
INVARIANTS = {"ridge": ("n1", "n2", "rho"), "zonal": ("rho",), "radial": ("q",)}
_SYMBOL = {"n1": N1, "n2": N2, "rho": rho, "q": Q}
#: |ρ| above which c = 1 − ρ² is recomputed from differences of unit vectors.
_NEAR = 0.99


# ---------------------------------------------------------------------- symbolic kernel

@dataclass(frozen=True)
class Kernel:
    """The partial derivatives of Φ = F(u) in its invariants, as SymPy expressions.

    ``derivatives[(a, b)]`` is ∂²F/∂u_a∂u_b (indices sorted), ``derivatives[(a,)]``
    the first and ``derivatives[()]`` F itself, each a function of the
    invariants and of c = 1 − ρ². ``self_terms`` is (G, G′, G″) in n₁ for a
    ridge potential (G(n) = Φ(θ, θ) with ‖θ‖ = n) and ``None`` when Φ(θ, θ)
    is constant.
    """

    form: str
    derivatives: dict
    self_terms: tuple | None
    cusp: sp.Expr = sp.S.Zero

    @property
    def names(self) -> tuple[str, ...]:
        return INVARIANTS[self.form]

    @property
    def arguments(self) -> tuple[sp.Symbol, ...]:
        return tuple(_SYMBOL[n] for n in self.names) + (C,)


def kernel(phi: Potential) -> Kernel:
    """The symbolic derivative kernel of a potential (cached).

    >>> from theory.potential import given
    >>> k = kernel(given("exp(-r^2/2)", "radial"))
    >>> k.derivatives[(0,)]
    -exp(-q/2)/2
    """
    if phi.form not in INVARIANTS:
        raise InputError(f"the dynamics supports ridge, zonal and radial potentials, not {phi.form}")
    if phi.expr is None:
        raise DerivationError(f"potential of {phi.name} is numeric: exact gradients need a closed form")
    return _kernel(phi.expr, phi.form)


@functools.lru_cache(maxsize=64)
def _kernel(expr: sp.Expr, form: str) -> Kernel:
    F = {"ridge": lambda e: e.subs({na: N1, nb: N2}).subs(dot, rho * N1 * N2),
         "zonal": lambda e: e, "radial": lambda e: e.subs(r, sp.sqrt(Q))}[form](expr)
    symbols = [_SYMBOL[n] for n in INVARIANTS[form]]
    derivatives = {(): _stable(F)}
    for order in (1, 2):
        for key in itertools.combinations_with_replacement(range(len(symbols)), order):
            derivatives[key] = _stable(_simplified(sp.diff(F, *[symbols[i] for i in key])))
    self_terms = None
    if form == "ridge":
        G = derivatives[()].subs({N2: N1}).subs({rho: 1, C: 0})
        self_terms = (G, sp.diff(G, N1), sp.diff(G, N1, 2))
    return Kernel(form, derivatives, self_terms, _cusp(form, derivatives))


def _cusp(form: str, derivatives: dict) -> sp.Expr:
    """lim ‖∇_θ Φ(θ, w)‖ as θ → w (unit vectors): 0 where Φ is smooth there, > 0 at a
    cusp (sign: 2/π), ∞ at a singularity (Coulomb). ‖∇ρ‖ = √c, ‖∇q‖ = 2√q."""
    index = INVARIANTS[form].index("q" if form == "radial" else "rho")
    first = derivatives[(index,)]
    if form == "radial":
        slope = 2 * first * sp.sqrt(Q)
        variable = Q
    else:
        slope = (first * sp.sqrt(C)).subs({N1: 1, N2: 1, rho: 1})
        variable = C
    try:
        return sp.Abs(bounded(sp.limit, slope, variable, 0, "+", seconds=5, what="cusp limit"))
    except (Timeout, NotImplementedError, ValueError):
        return sp.S.Zero


def _simplified(expr: sp.Expr) -> sp.Expr:
    try:
        return bounded(sp.simplify, expr, seconds=5, what="simplifying a derivative")
    except Timeout:
        return expr


def _stable(expr: sp.Expr) -> sp.Expr:
    """Rewrite in c = 1 − ρ²: acos ρ = atan2(√c, ρ), asin ρ = atan2(ρ, √c), polynomials in ρ²."""
    expr = expr.replace(sp.acos, lambda z: sp.atan2(sp.sqrt(1 - z**2), z))
    expr = expr.replace(sp.asin, lambda z: sp.atan2(z, sp.sqrt(1 - z**2)))
    polynomial = (lambda n: n.is_Add and n.has(rho) and n.is_polynomial(rho)
                  and sp.degree(n, rho) >= 2)
    expr = expr.replace(lambda n: n.is_Pow and polynomial(n.base),
                        lambda n: sp.Pow(sp.factor(sp.expand(n.base.subs(rho**2, 1 - C))), n.exp))
    expr = expr.replace(polynomial, lambda n: sp.factor(sp.expand(n.subs(rho**2, 1 - C))))
    if expr.has(rho**2) and expr.has(C):  # e.g. (1 − ρ²)/√c beside other terms
        expr = _simplified(expr.subs(rho**2, 1 - C))
    return expr


# ---------------------------------------------------------------------- numbers

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

    def finite(self, values: np.ndarray) -> bool:
        if self.ctx is None:
            return bool(np.all(np.isfinite(values)))
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


@dataclass
class _Pairs:
    """Invariants of every pair (x_i, y_j), as (k, m) arrays, and unit vectors."""

    values: dict
    n1: np.ndarray
    n2: np.ndarray
    xh: np.ndarray
    yh: np.ndarray


def _pairs(X: np.ndarray, Y: np.ndarray, arith: Arithmetic, same: bool, form: str) -> _Pairs:
    """The invariants the form needs; n₁ as (k, 1), n₂ as (1, m), the rest (k, m).

    On the diagonal of a same-set block (handled by the self terms) harmless values
    are stored so that no singular formula is evaluated there.
    """
    n1, n2 = arith.sqrt((X * X).sum(axis=1)), arith.sqrt((Y * Y).sum(axis=1))
    xh, yh = X / np.where(n1 == 0, 1, n1)[:, None], Y / np.where(n2 == 0, 1, n2)[:, None]
    values = {"n1": n1[:, None], "n2": n2[None, :]}
    diagonal = (np.arange(len(X)),) * 2 if same else None
    if form == "radial":
        values["q"] = _squared_distances(X, Y, n1, n2, diagonal)
    else:
        values["rho"], values["c"] = _cosines(xh, yh, arith, diagonal)
    return _Pairs(values, n1, n2, xh, yh)


def _cosines(xh, yh, arith: Arithmetic, diagonal):
    """ρ = θ̂ᵀŵ and c = 1 − ρ², the latter from ‖θ̂ ∓ ŵ‖²/2 where |ρ| is near 1."""
    rho_ = xh @ yh.T
    if arith.ctx is None:
        rho_ = np.clip(rho_, -1.0, 1.0)
    if diagonal is not None:
        rho_[diagonal] = 0
    c = 1 - rho_ * rho_
    near = np.nonzero(np.abs(rho_) > _NEAR)
    if len(near[0]):
        minus = ((xh[near[0]] - yh[near[1]]) ** 2).sum(axis=1) / 2
        plus = ((xh[near[0]] + yh[near[1]]) ** 2).sum(axis=1) / 2
        c[near] = minus * plus
        rho_[near] = np.where(rho_[near] > 0, 1 - minus, plus - 1)
    return rho_, c


def _squared_distances(X, Y, n1, n2, diagonal):
    """q = ‖θ − w‖², from the differences themselves where it is small."""
    scale = (n1 * n1)[:, None] + (n2 * n2)[None, :]
    q = scale - 2 * (X @ Y.T)
    close = np.nonzero(q < scale / 4)
    if len(close[0]):
        q[close] = ((X[close[0]] - Y[close[1]]) ** 2).sum(axis=1)
    if diagonal is not None:  # last, so the refinement above cannot put the singular q = 0 back
        q[diagonal] = 1
    return q


# ---------------------------------------------------------------------- the loss

class Loss:
    """The charge energy L(a, θ) of electrons θ_i (charges a_i) and fixed protons w_j.

    Parameters
    ----------
    phi : Potential
        A ridge potential (on R^d; pass ``manifold="sphere"`` or a zonal potential
        for S^{d−1}), a zonal one, or a radial one.
    protons : array (m, d)
        One proton a row.
    proton_charges : array (m,), optional
        b_j, default all +1.
    manifold : {"euclidean", "sphere"}, optional
        Default: the potential's own.
    """

    def __init__(self, phi: Potential, protons, *, proton_charges=None, manifold: str | None = None):
        manifold = manifold or phi.manifold
        if manifold not in ("euclidean", "sphere"):
            raise InputError(f"manifold must be 'euclidean' or 'sphere', got {manifold!r}")
        if manifold == "sphere" and phi.form == "ridge":
            phi = phi.sphere()
        if manifold == "euclidean" and phi.form == "zonal":
            raise InputError("a zonal potential lives on the sphere; use manifold='sphere'")
        if manifold == "sphere" and phi.form != "zonal":
            raise InputError(f"a {phi.form} potential has no restriction to the sphere")
        self.potential, self.manifold, self.kernel = phi, manifold, kernel(phi)
        self.protons = positions(protons, "protons", sphere=manifold == "sphere")
        m = len(self.protons)
        self.proton_charges = np.ones(m) if proton_charges is None else charges_of(proton_charges, m)

    def with_fixed(self, electrons, charges) -> Loss:
        """The loss of the other electrons when ``electrons`` (charges ``charges``) are held
        fixed: they join the protons. Used for captured electrons and node-wise descent."""
        extra = positions(electrons, "fixed electrons", sphere=self.manifold == "sphere") \
            if len(electrons) else np.zeros((0, self.dimension))
        fixed = Loss.__new__(Loss)
        fixed.potential, fixed.manifold, fixed.kernel = self.potential, self.manifold, self.kernel
        fixed.protons = np.concatenate([self.protons, extra])
        fixed.proton_charges = np.concatenate([self.proton_charges, np.asarray(charges, dtype=float)])
        return fixed

    @property
    def dimension(self) -> int:
        return self.protons.shape[1]

    def default_charges(self, k: int) -> np.ndarray:
        """a_i = −1 (eq. 9 with b_j = 1)."""
        return -np.ones(k)

    # -------------------------------------------------------------- value
    def value(self, thetas, charges=None, *, dps: int | None = None):
        """L(a, θ), float64 or an mpf at ``dps`` digits."""
        arith = Arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith)
        F = arith.function(self.kernel.derivatives[()], self.kernel.arguments)
        total = a @ self._matrix(F, X, X, arith, True) @ a + 2 * (a @ self._matrix(F, X, W, arith, False) @ b)
        total = total + b @ self._matrix(F, W, W, arith, True) @ b
        return total if arith.ctx else float(total)

    def _matrix(self, F: Callable, X, Y, arith: Arithmetic, same: bool) -> np.ndarray:
        pairs = _pairs(X, Y, arith, same, self.kernel.form)
        M = np.broadcast_to(F(*self._arguments(pairs)), (len(X), len(Y)))
        if same:
            M = M.copy()
            M[np.arange(len(X)), np.arange(len(X))] = self._self_values(pairs.n1, arith)
        return M

    def _self_values(self, norms: np.ndarray, arith: Arithmetic) -> np.ndarray:
        """Φ(θ, θ): G(‖θ‖) for ridge potentials, F at coincidence otherwise."""
        if self.kernel.self_terms is not None:
            return np.broadcast_to(arith.function(self.kernel.self_terms[0], (N1,))(norms), norms.shape)
        at = {"rho": 1, "q": 0}
        value = self.kernel.derivatives[()].subs({_SYMBOL[n]: at[n] for n in self.kernel.names}).subs(C, 0)
        if not value.is_finite:
            raise InputError(f"Φ(θ, θ) = {value}: the self-energy of this potential is infinite")
        if arith.ctx is None:
            return np.full(len(norms), float(value))
        return np.array([arith.ctx.mpf(str(sp.N(value, arith.dps + 5)))] * len(norms), dtype=object)

    # -------------------------------------------------------------- gradient
    def gradient(self, thetas, charges=None, *, dps: int | None = None) -> np.ndarray:
        """∇_θ L as a (k, d) array; on the sphere the Riemannian gradient.

        .. math::

            \\nabla_{\\theta_i} L = 2\\sum_{j\\ne i} a_i a_j \\nabla_1\\Phi(\\theta_i, \\theta_j)
              + a_i^2 \\nabla G(\\theta_i) + 2\\sum_j a_i b_j \\nabla_1\\Phi(\\theta_i, w_j)
        """
        arith = Arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith)
        with np.errstate(divide="ignore", invalid="ignore"):  # checked below
            grad = self._ambient_gradient(X, a, W, b, arith)
        if self.manifold == "sphere":
            grad = grad - X * (X * grad).sum(axis=1)[:, None]
        if not arith.finite(grad):
            raise InputError("the gradient is not finite: an electron sits on a singular point of Φ")
        return grad

    def _pair_gradient(self, pairs: _Pairs, X, Y, weights, arith: Arithmetic) -> np.ndarray:
        """Σ_j C_ij Σ_a ∂F/∂u_a ∇_x u_a, with ∇_x u_a = α_a x + β_a y."""
        v, args = pairs.values, self._arguments(pairs)
        n1, n2 = v["n1"], v["n2"]
        alpha = {"n1": lambda: 1 / n1, "rho": lambda: -v["rho"] / (n1 * n1), "q": lambda: 2}
        beta = {"rho": lambda: 1 / (n1 * n2), "q": lambda: -2}
        used = [(i, name) for i, name in enumerate(self.kernel.names) if name in alpha]
        firsts = arith.functions(tuple(self.kernel.derivatives[(i,)] for i, _ in used),
                                 self.kernel.arguments)(*args)
        A, B = 0, 0
        for Fa, (_, name) in zip(firsts, used):
            weighted = weights * Fa
            A = A + weighted * alpha[name]()
            if name in beta:
                B = B + weighted * beta[name]()
        return X * A.sum(axis=1)[:, None] + B @ Y

    def _arguments(self, pairs: _Pairs) -> list:
        """The compiled functions' arguments: the invariants, then c (0 where unused)."""
        return [pairs.values[n] for n in self.kernel.names] + [pairs.values.get("c", 0)]

    def _self_gradient(self, pairs: _Pairs, X, a, arith: Arithmetic) -> np.ndarray:
        if self.kernel.self_terms is None:
            return 0 * X
        G1 = np.broadcast_to(arith.function(self.kernel.self_terms[1], (N1,))(pairs.n1), (len(X),))
        return (a * a * G1)[:, None] * pairs.xh

    def charge_gradient(self, thetas, charges=None) -> np.ndarray:
        """∂L/∂a_i = 2 Σ_j a_j Φ(θ_i, θ_j) + 2 Σ_j b_j Φ(θ_i, w_j) (float64)."""
        arith = Arithmetic()
        X, a, W, b = self._inputs(thetas, charges, arith)
        F = arith.function(self.kernel.derivatives[()], self.kernel.arguments)
        return 2 * self._matrix(F, X, X, arith, True) @ a + 2 * self._matrix(F, X, W, arith, False) @ b

    def optimal_charges(self, thetas) -> np.ndarray:
        """a*(θ) = −[Φ(θ_i, θ_j)]⁺ [Φ(θ_i, w_j)] b, the minimiser of the quadratic in a (float64)."""
        arith = Arithmetic()
        X, _, W, b = self._inputs(thetas, None, arith)
        F = arith.function(self.kernel.derivatives[()], self.kernel.arguments)
        gram, cross = self._matrix(F, X, X, arith, True), self._matrix(F, X, W, arith, False)
        return -np.linalg.lstsq(gram, cross @ b, rcond=None)[0]

    # -------------------------------------------------------------- Hessian
    def hessian(self, thetas, charges=None, *, dps: int | None = None) -> np.ndarray:
        """The Hessian in θ: (kd, kd) on R^d; on S^{d−1} the Riemannian Hessian
        ``Bᵀ(∇²L − diag(⟨θ_i, ∇_{θ_i}L⟩ I))B`` in the orthonormal tangent basis B of
        :meth:`tangent_basis`, of size k(d−1)."""
        arith = Arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith)
        with np.errstate(divide="ignore", invalid="ignore"):  # checked in _ambient_hessian
            H = self._ambient_hessian(X, a, W, b, arith)
        if self.manifold == "euclidean":
            return H
        k, d = X.shape
        grad = self._ambient_gradient(X, a, W, b, arith)
        for i in range(k):
            block = slice(i * d, (i + 1) * d)
            H[block, block] = H[block, block] - (X[i] @ grad[i]) * _identity(d, arith)
        basis = self.tangent_basis(X, arith)
        return basis.T @ H @ basis

    def tangent_basis(self, X, arith: Arithmetic | None = None) -> np.ndarray:
        """Block-diagonal orthonormal basis of the tangent space: (kd, kd) on R^d,
        (kd, k(d−1)) on the sphere (columns 2…d of the Householder reflection of θ_i)."""
        arith = arith or Arithmetic()
        X = arith.array(X)
        k, d = X.shape
        if self.manifold == "euclidean":
            return _identity(k * d, arith)
        basis = arith.array(np.zeros((k * d, k * (d - 1))))
        for i, x in enumerate(X):
            v = x.copy()
            v[0] = v[0] + (1 if x[0] >= 0 else -1)
            reflection = _identity(d, arith) - 2 * np.outer(v, v) / (v @ v)
            basis[i * d:(i + 1) * d, i * (d - 1):(i + 1) * (d - 1)] = reflection[:, 1:]
        return basis

    def _ambient_gradient(self, X, a, W, b, arith: Arithmetic) -> np.ndarray:
        Y = np.concatenate([X, W])
        weights = 2 * np.outer(a, np.concatenate([a, b]))
        weights[np.arange(len(X)), np.arange(len(X))] = 0
        pairs = _pairs(X, Y, arith, True, self.kernel.form)
        return self._pair_gradient(pairs, X, Y, weights, arith) + self._self_gradient(pairs, X, a, arith)

    def _ambient_hessian(self, X, a, W, b, arith: Arithmetic) -> np.ndarray:
        k, d = X.shape
        Y = np.concatenate([X, W])
        charges = np.concatenate([a, b])
        pairs = _pairs(X, Y, arith, True, self.kernel.form)
        values = self._derivative_values(pairs, arith, (k, len(Y)))
        H = arith.array(np.zeros((k * d, k * d)))
        for i, j in itertools.product(range(k), range(len(Y))):
            if i == j:
                continue
            point = {name: array[i, j] for name, array in values.items()}
            xx, xy = _pair_blocks(X[i], Y[j], pairs, i, j, point, self.kernel.names, arith)
            weight = 2 * a[i] * charges[j]
            H[i * d:(i + 1) * d, i * d:(i + 1) * d] += weight * xx
            if j < k:
                H[i * d:(i + 1) * d, j * d:(j + 1) * d] += weight * xy
        if self.kernel.self_terms is not None:
            G1, G2 = (np.broadcast_to(arith.function(e, (N1,))(pairs.n1), (k,))
                      for e in self.kernel.self_terms[1:])
            for i in range(k):
                x = pairs.xh[i]
                P = _identity(d, arith) - np.outer(x, x)
                block = G2[i] * np.outer(x, x) + G1[i] / pairs.n1[i] * P
                H[i * d:(i + 1) * d, i * d:(i + 1) * d] += a[i] * a[i] * block
        if not arith.finite(H):
            raise InputError("the Hessian is not finite: an electron sits on a singular point of Φ")
        return H

    def _derivative_values(self, pairs: _Pairs, arith: Arithmetic, shape: tuple) -> dict:
        args = self._arguments(pairs)
        return {key: np.broadcast_to(arith.function(expr, self.kernel.arguments)(*args), shape)
                for key, expr in self.kernel.derivatives.items() if key}

    # -------------------------------------------------------------- input
    def _inputs(self, thetas, charges, arith: Arithmetic):
        X = positions(thetas, "electrons", sphere=self.manifold == "sphere")
        exact = thetas if isinstance(thetas, np.ndarray) and thetas.dtype == object else X
        if X.shape[1] != self.dimension:
            raise InputError(f"electrons have dimension {X.shape[1]} but protons {self.dimension}")
        if self.potential.form == "ridge" and np.any(np.linalg.norm(X, axis=1) == 0):
            raise InputError("an electron at the origin is a singular point of a ridge potential")
        a = self.default_charges(len(X)) if charges is None else charges_of(charges, len(X))
        return arith.array(exact), arith.array(a), arith.array(self.protons), arith.array(self.proton_charges)


    # -------------------------------------------------------------- optimised output weights
    def charge_hessian(self, thetas, *, dps: int | None = None) -> np.ndarray:
        """∂²L/∂a_i∂a_j = 2Φ(θ_i, θ_j), the (k, k) Hessian in the output weights (constant in a)."""
        arith = Arithmetic(dps)
        X, _, _, _ = self._inputs(thetas, None, arith)
        F = arith.function(self.kernel.derivatives[()], self.kernel.arguments)
        return 2 * self._matrix(F, X, X, arith, True)

    def best_charges(self, thetas, *, dps: int | None = None) -> np.ndarray:
        """a*(θ), the unique minimiser of the quadratic a ↦ L(a, θ), at ``dps`` digits:

        .. math::  [\\Phi(\\theta_i, \\theta_j)]\\, a^* = -[\\Phi(\\theta_i, w_j)]\\, b

        Raises :class:`InputError` when the Gram matrix is singular (two electrons
        coincide, or are antipodal for an odd Φ): then a* is not unique.
        """
        arith = Arithmetic(dps)
        X, _, W, b = self._inputs(thetas, None, arith)
        F = arith.function(self.kernel.derivatives[()], self.kernel.arguments)
        gram, cross = self._matrix(F, X, X, arith, True), self._matrix(F, X, W, arith, False) @ b
        _require_invertible(gram)
        if arith.ctx is None:
            return -np.linalg.solve(gram, cross)
        solution = arith.ctx.lu_solve(arith.ctx.matrix(gram.tolist()), arith.ctx.matrix(list(cross)))
        return -np.array(solution.tolist(), dtype=object).reshape(-1)

    def mixed_hessian(self, thetas, charges=None, *, dps: int | None = None) -> np.ndarray:
        """∂²L/∂θ∂a as an (n, k) array, n the number of tangent coordinates (rows in the
        basis of :meth:`tangent_basis`). Column l is the derivative of ∇_θL in a_l:

        .. math::

            \\partial_{a_l}\\nabla_{\\theta_i} L = 2a_i\\nabla_1\\Phi(\\theta_i, \\theta_l)\\ (i \\ne l),\\quad
            \\partial_{a_l}\\nabla_{\\theta_l} L = 2\\sum_{j \\ne l} a_j\\nabla_1\\Phi(\\theta_l, \\theta_j)
              + 2a_l\\nabla G(\\theta_l) + 2\\sum_j b_j\\nabla_1\\Phi(\\theta_l, w_j)
        """
        arith = Arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith)
        k, Y, c = len(X), np.concatenate([X, W]), np.concatenate([a, b])
        pairs = _pairs(X, Y, arith, True, self.kernel.form)
        G1 = None if self.kernel.self_terms is None else np.broadcast_to(
            arith.function(self.kernel.self_terms[1], (N1,))(pairs.n1), (k,))
        columns = []
        for l in range(k):
            weights = arith.array(np.zeros((k, len(Y))))
            weights[:, l], weights[l, :] = 2 * a, 2 * c
            weights[np.arange(k), np.arange(k)] = 0
            with np.errstate(divide="ignore", invalid="ignore"):
                column = self._pair_gradient(pairs, X, Y, weights, arith)
            if G1 is not None:
                column[l] = column[l] + 2 * a[l] * G1[l] * pairs.xh[l]
            if self.manifold == "sphere":
                column = column - X * (X * column).sum(axis=1)[:, None]
            columns.append(column.ravel())
        mixed = self.tangent_basis(X, arith).T @ np.array(columns).T
        if not arith.finite(mixed):
            raise InputError("∂²L/∂θ∂a is not finite: an electron sits on a singular point of Φ")
        return mixed

    def reduced_value(self, thetas, *, dps: int | None = None):
        """ℓ(θ) = min_a L(a, θ) = L(a*(θ), θ)."""
        return self.value(thetas, self.best_charges(thetas, dps=dps), dps=dps)

    def reduced_gradient(self, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇ℓ(θ) = ∇_θL(a*(θ), θ) (envelope theorem: ∂L/∂a = 0 at a*)."""
        return self.gradient(thetas, self.best_charges(thetas, dps=dps), dps=dps)

    def reduced_hessian(self, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇²ℓ(θ), the Schur complement of the a-block of the full Hessian at a = a*(θ):

        .. math::  \\nabla^2\\ell = H_{\\theta\\theta} - H_{\\theta a} H_{aa}^{-1} H_{a\\theta}

        (differentiate ∇_θL(a*(θ), θ) with ∂a*/∂θ = −H_aa⁻¹H_aθ); on S^{d−1} in the
        tangent basis of :meth:`tangent_basis`.
        """
        a = self.best_charges(thetas, dps=dps)
        H, M, A = self.hessian(thetas, a, dps=dps), self.mixed_hessian(thetas, a, dps=dps), \
            self.charge_hessian(thetas, dps=dps)
        if dps is None:
            return H - M @ np.linalg.solve(A, M.T)
        ctx = Arithmetic(dps).ctx
        inverse = np.array(ctx.inverse(ctx.matrix(A.tolist())).tolist(), dtype=object)
        return H - M @ inverse @ M.T


def _require_invertible(gram: np.ndarray) -> None:
    """Refuse a numerically singular Gram matrix [Φ(θ_i, θ_j)] (condition number > 10¹²)."""
    if np.linalg.cond(gram.astype(float)) > 1e12:
        raise InputError("the Gram matrix [Φ(θ_i, θ_j)] is singular (electrons coincide, or are antipodal "
                         "for an odd Φ): the optimal output weights a*(θ) are not unique")


def _pair_blocks(x, y, pairs: _Pairs, i: int, j: int, F: dict, names, arith: Arithmetic):
    """∇_xx φ and ∇_xy φ of one pair from the chain rule through the invariants:
    ∇_xx φ = Σ F_ab ∇_x u_a ∇_x u_bᵀ + Σ F_a ∇_xx u_a, likewise ∇_xy φ."""
    I = _identity(len(x), arith)
    parts = [_invariant_derivatives(name, x, y, pairs, i, j, I) for name in names]
    xx, xy = 0 * I, 0 * I
    for a_, (gx, _, hxx, hxy) in enumerate(parts):
        xx = xx + F[(a_,)] * hxx
        xy = xy + F[(a_,)] * hxy
        for b_, (gx_b, gy_b, _, _) in enumerate(parts):
            second = F[tuple(sorted((a_, b_)))]
            xx = xx + second * np.outer(gx, gx_b)
            xy = xy + second * np.outer(gx, gy_b)
    return xx, xy


def _invariant_derivatives(name: str, x, y, pairs: _Pairs, i: int, j: int, I):
    """(∇_x u, ∇_y u, ∇_xx u, ∇_xy u) for one invariant u of the pair (x, y)."""
    if name == "q":
        return 2 * (x - y), 2 * (y - x), 2 * I, -2 * I
    n1, n2, xh, yh = pairs.n1[i], pairs.n2[j], pairs.xh[i], pairs.yh[j]
    if name == "n1":
        return xh, 0 * x, (I - np.outer(xh, xh)) / n1, 0 * I
    if name == "n2":
        return 0 * x, yh, 0 * I, 0 * I
    rho_ = pairs.values["rho"][i, j]
    hxx = (3 * rho_ * np.outer(xh, xh) - np.outer(xh, yh) - np.outer(yh, xh) - rho_ * I) / (n1 * n1)
    hxy = (I - np.outer(xh, xh)) @ (I - np.outer(yh, yh)) / (n1 * n2)
    return (yh - rho_ * xh) / n1, (xh - rho_ * yh) / n2, hxx, hxy


def _identity(n: int, arith: Arithmetic) -> np.ndarray:
    return arith.array(np.eye(n))


def positions(values, name: str, *, sphere: bool = False) -> np.ndarray:
    """Validate a (k, d) array of positions: finite, non-empty, on S^{d−1} if ``sphere``."""
    try:
        X = np.array(values, dtype=float)
    except (TypeError, ValueError) as why:
        raise InputError(f"{name} must be an array of real numbers: {why}") from why
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise InputError(f"{name} must be a non-empty (k, d) array with k, d ≥ 1, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise InputError(f"{name} contain NaN or infinite coordinates")
    if sphere and np.any(np.abs(np.linalg.norm(X, axis=1) - 1) > 1e-8):
        raise InputError(f"{name} must be unit vectors on the sphere")
    return X


def charges_of(values, k: int) -> np.ndarray:
    """Validate k finite charges (kept exact when given as an object array, e.g. of mpf)."""
    exact = isinstance(values, np.ndarray) and values.dtype == object
    a = np.array(values, dtype=object if exact else float).reshape(-1)
    if a.shape != (k,) or not np.all(np.isfinite(a.astype(float))):
        raise InputError(f"expected {k} finite charges, got {values!r}")
    return a


def single_node_loss(phi: Potential, theta, protons, a1: float = -1.0, *, dps: int | None = None,
                     manifold: str | None = None):
    """Eq. (11) plus the constant Σ b_i b_j Φ(w_i, w_j): one electron θ₁ of charge a₁.

    .. math::  L(a_1, \\theta_1) = a_1^2\\Phi(\\theta_1,\\theta_1) + 2\\sum_j a_1 b_j\\Phi(\\theta_1, w_j) + \\text{const}

    >>> from theory.potential import given
    >>> single_node_loss(given("exp(-r^2/2)", "radial"), [0.0, 0.0], [[0.0, 0.0]])
    0.0
    """
    return Loss(phi, protons, manifold=manifold).value([theta], [a1], dps=dps)


