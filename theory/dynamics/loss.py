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

:class:`Loss` evaluates L, its gradient and Hessian in θ (on S^{d−1} the Riemannian
ones, in an orthonormal tangent basis), the mixed derivative ∂²L/∂θ∂a and the charge
system of the reduced loss (:mod:`theory.dynamics.reduced`), in float64 or mpmath
(:mod:`theory.dynamics.arithmetic`). The derivatives are exact: it sums, over the pairs
of :meth:`~theory.potentials.forms.Form.pairs`, the symbolic derivatives of Φ compiled by
:mod:`theory.dynamics.kernel`, with their limits where an electron sits on a proton or on
another electron. A product potential ∏_k h(θ_k − w_k) is differentiated through h′
and h″ of its one-dimensional factor (away from the kinks of h, where Φ has no
derivative). The self-interaction Φ(θ, θ) is differentiated as the function G(‖θ‖) it
is (e.g. ‖θ‖²/2 for ReLU), never through the off-diagonal formula.

>>> import numpy as np
>>> from theory.potentials.potential import potential
>>> loss = Loss(potential("relu").sphere(), np.eye(2))
>>> float(loss.value(np.eye(2)))            # electrons on the protons
0.0
>>> bool(loss.value(np.array([[0.6, 0.8], [0.8, -0.6]])) > 0)
True
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InputError
from ..core.symbols import s
from ..potentials.forms import Geometry
from ..potentials.invariants import Pairs, set_diagonal
from ..potentials.manifolds import EUCLIDEAN
from ..potentials.manifolds import manifold as manifold_named
from ..potentials.potential import Potential, potential
from . import reduced
from .arithmetic import Arithmetic, arithmetic
from .kernel import PHI as PHI
from .kernel import C as C
from .kernel import Kernel as Kernel
from .kernel import kernel
from .pairs import NotSmooth, _at_coincidences

# ---------------------------------------------------------------------- the loss

class Loss:
    """The charge energy L(a, θ) of electrons θ_i (charges a_i) and fixed protons w_j.

    Parameters
    ----------
    phi : Potential or activation spec
        A ridge potential (on R^d; pass ``manifold="sphere"`` or a zonal potential
        for S^{d−1}), a zonal one, a radial one, or a product ∏_k h(θ_k − w_k) on R^d;
        a spec (``"relu"``, ``"tanh"``, a SymPy expression in t) is ``theory.potential(spec)``.
    protons : array (m, d)
        One proton a row.
    proton_charges : array (m,), optional
        b_j, default all +1.
    manifold : {"euclidean", "sphere"}, optional
        Default: the potential's own.

    Notes
    -----
    ``value``, ``gradient`` and ``best_charges`` check their inputs (shape, finite,
    on the sphere, off the origin of a ridge potential); inner loops that checked
    the positions once pass ``validate=False`` to skip this. Their results are
    checked either way.
    """

    def __init__(self, phi, protons, *, proton_charges=None, manifold: str | None = None):
        phi = phi if isinstance(phi, Potential) else potential(phi)
        manifold = manifold_named(manifold or phi.manifold)
        phi = manifold.restrict(phi)
        if manifold is not phi.manifold:
            raise InputError(f"a {phi.form} potential lives on the {phi.manifold}; "
                             f"use manifold='{phi.manifold}'")
        self.potential, self.manifold, self.kernel = phi, manifold, kernel(phi)
        self.protons = manifold.positions(protons, "protons")
        m = len(self.protons)
        self.proton_charges = np.ones(m) if proton_charges is None else charges_of(proton_charges, m)
        self._constants, self._last_weights = {}, (None, None)

    def with_fixed(self, electrons, charges) -> Loss:
        """The loss of the other electrons when ``electrons`` (charges ``charges``) are held
        fixed: they join the protons. Used for captured electrons and node-wise descent."""
        extra = (self.manifold.positions(electrons, "fixed electrons") if len(electrons)
                 else np.zeros((0, self.dimension)))
        fixed = Loss.__new__(Loss)
        fixed.potential, fixed.manifold, fixed.kernel = self.potential, self.manifold, self.kernel
        fixed.protons = np.concatenate([self.protons, extra])
        fixed.proton_charges = np.concatenate([self.proton_charges, np.asarray(charges, dtype=float)])
        fixed._constants, fixed._last_weights = {}, (None, None)
        return fixed

    @property
    def dimension(self) -> int:
        return self.protons.shape[1]

    def default_charges(self, k: int) -> np.ndarray:
        """a_i = −1 (eq. 9 with b_j = 1)."""
        return np.full(k, -1.0)

    # -------------------------------------------------------------- value
    def value(self, thetas, charges=None, *, dps: int | None = None, validate: bool = True):
        """L(a, θ), float64 or an mpf at ``dps`` digits.

        .. math::

            L = a^{\\top}\\Phi(\\theta, \\theta)a + 2a^{\\top}\\Phi(\\theta, w)b
              + b^{\\top}\\Phi(w, w)b
        """
        arith = arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith, validate)
        k = len(X)
        M = self._matrix(X, np.concatenate([X, W]), arith)
        total = a @ (M[:, :k] @ a + 2 * (M[:, k:] @ b)) + self._proton_energy(arith)
        return arith.scalar(total)

    def _proton_energy(self, arith: Arithmetic):
        """The constant Σ b_i b_j Φ(w_i, w_j), computed once per precision."""
        key = ("protons", arith.dps)
        if key not in self._constants:
            W, b = arith.array(self.protons), arith.array(self.proton_charges)
            self._constants[key] = b @ self._matrix(W, W, arith) @ b
        return self._constants[key]

    def _matrix(self, X, Y, arith: Arithmetic) -> np.ndarray:
        """[Φ(x_i, y_j)] for Y whose first rows are X, with Φ(x_i, x_i) on the diagonal."""
        pairs = self.kernel.form.pairs(X, Y, arith, self.kernel.uses_angle)
        F = self.kernel.compiled("value", arith)
        if self.kernel.form.geometry is Geometry.COORDINATES:
            M = np.prod(np.broadcast_to(F(pairs.values["s"]), pairs.values["s"].shape), axis=2)
        else:
            M = _at_coincidences(self.kernel, "value", F(*self._arguments(pairs)), pairs, arith)
        set_diagonal(M, self._self_values(pairs.n1, len(X), arith))
        return M

    def _self_values(self, norms: np.ndarray | None, k: int, arith: Arithmetic) -> np.ndarray:
        """Φ(θ, θ): G(‖θ‖) for ridge potentials, F at coincidence otherwise (h(0)^d for a product)."""
        if self.kernel.self_terms is not None:
            return np.broadcast_to(self.kernel.compiled("self_value", arith)(norms), norms.shape)
        return np.full(k, self._self_constant(arith), dtype=arith.dtype)

    def _self_constant(self, arith: Arithmetic):
        """The constant Φ(θ, θ) in this arithmetic, computed once per precision."""
        key = ("self", arith.dps)
        if key not in self._constants:
            value = self.kernel.self_value
            if self.kernel.form.geometry is Geometry.COORDINATES:
                value = value**self.dimension
            if not value.is_finite:
                raise InputError(f"Φ(θ, θ) = {value}: the self-energy of this potential is infinite")
            self._constants[key] = arith.constant(value)
        return self._constants[key]

    # -------------------------------------------------------------- gradient
    def gradient(self, thetas, charges=None, *, dps: int | None = None, validate: bool = True,
                 side: int | None = None) -> np.ndarray:
        """∇_θ L as a (k, d) array; on the sphere the Riemannian gradient.

        .. math::

            \\nabla_{\\theta_i} L = 2\\sum_{j\\ne i} a_i a_j \\nabla_1\\Phi(\\theta_i, \\theta_j)
              + a_i^2 \\nabla G(\\theta_i) + 2\\sum_j a_i b_j \\nabla_1\\Phi(\\theta_i, w_j)

        A product potential has no derivative where a coordinate θ_ik − y_k sits on a
        kink s₀ of h: that raises, unless ``side`` is −1 or +1, which gives there the
        one-sided partial derivative ∂/∂θ_ik from that side (h′(s₀∓0), everything else fixed).
        """
        arith = arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith, validate)
        with np.errstate(divide="ignore", invalid="ignore"):  # checked below
            grad = self._ambient_gradient(X, a, W, b, arith, side)
        grad = self.manifold.project(X, grad)
        if not arith.finite(grad):
            raise InputError("the gradient is not finite: an electron sits on a singular point of Φ")
        return grad

    def _ambient_gradient(self, X, a, W, b, arith: Arithmetic, side: int | None = None) -> np.ndarray:
        """Σ_j C_ij ∇₁Φ(x_i, y_j) + a_i² ∇G(x_i), y = (θ, w), C_ij = 2a_i(a, b)_j, C_ii = 0."""
        Y = np.concatenate([X, W])
        return self._weighted_gradient(X, Y, self._pair_weights(a, b), a * a, arith, side)

    def _pair_weights(self, a, b) -> np.ndarray:
        """C = 2a(a, b)ᵀ with C_ii = 0; the last float64 one is kept (fixed charges repeat)."""
        key = a.tobytes() if a.dtype == float else None
        if key is not None and self._last_weights[0] == key:
            return self._last_weights[1]
        weights = np.multiply.outer(a + a, np.concatenate([a, b]))
        set_diagonal(weights, 0)
        if key is not None:
            weights.flags.writeable = False
            self._last_weights = (key, weights)
        return weights

    def _weighted_gradient(self, X, Y, weights, self_weights, arith: Arithmetic,
                           side: int | None = None) -> np.ndarray:
        """Σ_j C_ij ∇₁Φ(x_i, y_j) + s_i ∇G(x_i) for pair weights C (C_ii = 0) and self weights s
        (one-sided at kinks of a product potential if ``side``, see :meth:`gradient`)."""
        pairs = self.kernel.form.pairs(X, Y, arith, self.kernel.uses_angle)
        v = pairs.values
        if self.kernel.form.geometry is Geometry.COORDINATES:
            return self._product_gradient(v["s"], weights, arith, side)
        if self.kernel.form.geometry is Geometry.DISTANCE:  # β = −α
            A = weights * _at_coincidences(self.kernel, "alpha", self.kernel.compiled("alpha", arith)(v["q"]),
                                           pairs, arith)
            return X * A.sum(axis=1)[:, None] - A @ Y
        coefficients = self.kernel.compiled("coefficients", arith)(
            v["n1"], v["n2"], v["rho"], v["c"], v.get("phi", 0))
        alpha, beta = (_at_coincidences(self.kernel, name, value, pairs, arith)
                       for name, value in zip(("alpha", "beta"), coefficients, strict=True))
        along_x = (weights * alpha).sum(axis=1)
        if self.kernel.self_terms is not None:  # ∇G(‖θ‖) = G′(n)/n θ
            along_x = along_x + self_weights * self.kernel.compiled("self_slope", arith)(pairs.n1)
        return X * along_x[:, None] + (weights * beta) @ Y

    def _arguments(self, pairs: Pairs) -> list:
        """The compiled functions' arguments: the invariants, then c and φ (0 where unused)."""
        return [pairs.values[n] for n in self.kernel.names] + [pairs.values.get(n, 0) for n in ("c", "phi")]

    def _product_gradient(self, S: np.ndarray, weights, arith: Arithmetic,
                          side: int | None = None) -> np.ndarray:
        """Σ_j C_ij ∇₁Φ(x_i, y_j), with ∂Φ/∂x_k = h′(s_k) ∏_{l≠k} h(s_l), s = x − y; at a kink
        s₀ the one-sided h′(s₀ ± 0) of ``side`` (without one, a kink raises)."""
        if side is None:
            self._check_kinks(S, arith)
        h, dh = (np.array(np.broadcast_to(v, S.shape)) for v in arith.functions(
            (self.kernel.derivatives[()], self.kernel.derivatives[(0,)]), (s,))(S))
        for kink, slopes in (self.kernel.kink_slopes.items() if side else ()):
            dh[arith.constant(kink) == S] = arith.constant(slopes[side > 0])
        D = dh * _leave_one_out(h)
        D[np.arange(len(S)), np.arange(len(S))] = 0  # the self pair (constant Φ(θ, θ))
        return arith.contract(weights, D)

    def _check_kinks(self, S: np.ndarray, arith: Arithmetic) -> None:
        """Φ has no derivative when a coordinate of θ_i − y_j (i ≠ j) sits on a kink of h."""
        for kink in self.kernel.kinks:
            hits = arith.constant(kink) == S
            hits[np.arange(len(S)), np.arange(len(S))] = False
            if hits.any():
                i, j, k = (int(n) for n in np.argwhere(hits)[0])
                other = f"electron {j}" if j < len(S) else f"proton {j - len(S)}"
                raise InputError(f"electron {i} and {other} have θ − w = {kink} in coordinate {k}, "
                                 f"a kink of h: Φ has no derivative there")

    def charge_gradient(self, thetas, charges=None) -> np.ndarray:
        """∂L/∂a_i = 2 Σ_j a_j Φ(θ_i, θ_j) + 2 Σ_j b_j Φ(θ_i, w_j) (float64)."""
        arith = arithmetic()
        X, a, W, b = self._inputs(thetas, charges, arith)
        return 2 * self._matrix(X, np.concatenate([X, W]), arith) @ np.concatenate([a, b])

    def charge_system(self, thetas, arith: Arithmetic | None = None, *,
                      validate: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(G, c) with G = [Φ(θ_i, θ_j)] and c = [Φ(θ_i, w_j)] b, so that
        L(a, θ) = aᵀGa + 2aᵀc + const and a*(θ) solves G a* = −c (float64 by default)."""
        arith = arith or arithmetic()
        X, _, W, b = self._inputs(thetas, None, arith, validate)
        M = self._matrix(X, np.concatenate([X, W]), arith)
        return M[:, :len(X)], M[:, len(X):] @ b

    def optimal_charges(self, thetas) -> np.ndarray:
        """a*(θ), the minimum-norm one where it is not unique (float64):
        :func:`theory.dynamics.reduced.best_charges` with ``unique=False``; :meth:`best_charges`
        is the strict version."""
        return reduced.best_charges(self, thetas, unique=False)

    # -------------------------------------------------------------- Hessian
    def hessian(self, thetas, charges=None, *, dps: int | None = None) -> np.ndarray:
        """The Hessian in θ: (kd, kd) on R^d; on S^{d−1} the Riemannian Hessian
        ``Bᵀ(∇²L − diag(⟨θ_i, ∇_{θ_i}L⟩ I))B`` in the orthonormal tangent basis B of
        :meth:`tangent_basis`, of size k(d−1)."""
        arith = arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith)
        with np.errstate(divide="ignore", invalid="ignore"):  # checked in _ambient_hessian
            H = self._ambient_hessian(X, a, W, b, arith)
        if not self.manifold.codimension:
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
        arith = arith or arithmetic()
        X = arith.array(X)
        if not self.manifold.codimension:
            return _identity(X.size, arith)
        return sphere_tangent_basis(X, arith)

    def _ambient_hessian(self, X, a, W, b, arith: Arithmetic) -> np.ndarray:
        """∇²L on R^{kd}: Σ_j C_ij ∇_xxΦ(x_i, y_j) on the diagonal blocks (plus a_i²∇²G),
        C_il ∇_xyΦ(x_i, x_l) off them, C = 2a(a, b)ᵀ, all pairs at once."""
        if self.kernel.form.geometry is Geometry.COORDINATES:
            return self._product_hessian(X, a, W, b, arith)
        k, d = X.shape
        Y = np.concatenate([X, W])
        pairs = self.kernel.form.pairs(X, Y, arith, self.kernel.uses_angle)
        F = self._hessian_values(pairs, arith)
        weights = np.array(self._pair_weights(a, b))
        blocks = _radial_blocks if self.kernel.form.geometry is Geometry.DISTANCE else _angular_blocks
        diagonal, off = blocks(X, Y, pairs, F, self.kernel.names, weights, arith)
        if self.kernel.self_terms is not None:
            slope, curvature = (np.broadcast_to(self.kernel.compiled(name, arith)(pairs.n1), (k,))
                                for name in ("self_slope", "self_curvature"))   # G′/n, G″
            outer = np.einsum("ip,iq->ipq", pairs.xh, pairs.xh)
            along = (a * a * (curvature - slope))[:, None, None]
            diagonal = diagonal + along * outer + _eye_times(a * a * slope, d, arith)
        off[np.arange(k), np.arange(k)] += diagonal
        H = np.ascontiguousarray(off.transpose(0, 2, 1, 3)).reshape(k * d, k * d)
        if not arith.finite(H):
            raise InputError("the Hessian is not finite: an electron sits on a singular point of Φ")
        return H

    def _hessian_values(self, pairs: Pairs, arith: Arithmetic) -> dict:
        """The kernel's :attr:`~Kernel.hessian_terms` at every pair, limits at coincidences;
        a term carrying a unit vector û (undefined there) must vanish in the limit."""
        raw = self.kernel.hessian_function(arith)(*self._arguments(pairs))
        values = {key: _at_coincidences(self.kernel, key, v, pairs, arith) for key, v in raw.items()}
        small = self.kernel.small
        rows, cols, _ = pairs.coincident
        for key, v in values.items():
            if len(key) == 2 and small in key and len(rows):
                nonzero = [n for n, (r, c) in enumerate(zip(rows, cols, strict=True)) if v[r, c] != 0]
                if nonzero:
                    raise NotSmooth(pairs.describe(nonzero[0]), 2)
        return values

    def _product_hessian(self, X, a, W, b, arith: Arithmetic) -> np.ndarray:
        """Blocks ∇_xxΦ = −∇_xyΦ of each pair: h″(s_k)∏_{l≠k}h(s_l) on the diagonal,
        h′(s_k)h′(s_l)∏_{m≠k,l}h(s_m) off it."""
        k, d = X.shape
        Y, charges = np.concatenate([X, W]), np.concatenate([a, b])
        S = self.kernel.form.pairs(X, Y, arith).values["s"]
        self._check_kinks(S, arith)
        derivatives = tuple(self.kernel.derivatives[key] for key in ((), (0,), (0, 0)))
        h, dh, ddh = (np.broadcast_to(v, S.shape) for v in arith.functions(derivatives, (s,))(S))
        H = arith.array(np.zeros((k * d, k * d)))
        H4, on = H.reshape(k, d, k, d), np.arange(k)  # a view: H4[i, :, j, :] is block (i, j)
        for j in range(len(Y)):
            blocks = dh[:, j, :, None] * dh[:, j, None, :] * _leave_two_out(h[:, j], arith)
            blocks[:, np.arange(d), np.arange(d)] = ddh[:, j] * _leave_one_out(h[:, j])
            weighted = (2 * a * charges[j])[:, None, None] * blocks
            if j < k:
                weighted[j] = 0  # the self pair
                H4[:, :, j, :] -= weighted
            H4[on, :, on, :] += weighted
        if not arith.finite(H):
            raise InputError("the Hessian is not finite: an electron sits on a singular point of Φ")
        return H

    # -------------------------------------------------------------- input
    def _inputs(self, thetas, charges, arith: Arithmetic, validate: bool = True):
        """(θ, a, w, b) in this arithmetic; θ and a checked unless ``validate`` is false."""
        if validate:
            X = self.manifold.positions(thetas, "electrons")
            if X.shape[1] != self.dimension:
                raise InputError(f"electrons have dimension {X.shape[1]} but protons {self.dimension}")
            if self.potential.form.norms and not X.any(axis=1).all():
                raise InputError(f"an electron at the origin is a singular point of a "
                                 f"{self.potential.form} potential")
            if charges is not None:
                charges = charges_of(charges, len(X))
            if not (isinstance(thetas, np.ndarray) and thetas.dtype == object):
                thetas = X  # keep exact (mpf) input exact
        a = self.default_charges(len(thetas)) if charges is None else charges
        return (arith.array(thetas), arith.array(a), arith.array(self.protons),
                arith.array(self.proton_charges))

    # -------------------------------------------------------------- optimised output weights
    def best_charges(self, thetas, *, dps: int | None = None, validate: bool = True) -> np.ndarray:
        """a*(θ), the unique minimiser of a ↦ L(a, θ): :func:`theory.dynamics.reduced.best_charges`."""
        return reduced.best_charges(self, thetas, dps=dps, validate=validate)

    def mixed_hessian(self, thetas, charges=None, *, dps: int | None = None) -> np.ndarray:
        """∂²L/∂θ∂a as an (n, k) array, n the number of tangent coordinates (rows in the
        basis of :meth:`tangent_basis`). Column l is the derivative of ∇_θL in a_l:

        .. math::

            \\partial_{a_l}\\nabla_{\\theta_i} L
              = 2a_i\\nabla_1\\Phi(\\theta_i, \\theta_l)\\ (i \\ne l),\\quad
            \\partial_{a_l}\\nabla_{\\theta_l} L = 2\\sum_{j \\ne l} a_j\\nabla_1\\Phi(\\theta_l, \\theta_j)
              + 2a_l\\nabla G(\\theta_l) + 2\\sum_j b_j\\nabla_1\\Phi(\\theta_l, w_j)
        """
        arith = arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith)
        k, Y, c = len(X), np.concatenate([X, W]), np.concatenate([a, b])
        columns = []
        for l in range(k):
            weights, self_weights = arith.array(np.zeros((k, len(Y)))), arith.array(np.zeros(k))
            weights[:, l], weights[l, :], self_weights[l] = 2 * a, 2 * c, 2 * a[l]
            set_diagonal(weights, 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                column = self._weighted_gradient(X, Y, weights, self_weights, arith)
            column = self.manifold.project(X, column)
            columns.append(column.ravel())
        mixed = self.tangent_basis(X, arith).T @ np.array(columns).T
        if not arith.finite(mixed):
            raise InputError("∂²L/∂θ∂a is not finite: an electron sits on a singular point of Φ")
        return mixed

    def reduced_value(self, thetas, *, dps: int | None = None):
        """ℓ(θ) = min_a L(a, θ): :func:`theory.dynamics.reduced.reduced_value`."""
        return reduced.reduced_value(self, thetas, dps=dps)

    def reduced_gradient(self, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇ℓ(θ): :func:`theory.dynamics.reduced.reduced_gradient`."""
        return reduced.reduced_gradient(self, thetas, dps=dps)

    def reduced_hessian(self, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇²ℓ(θ): :func:`theory.dynamics.reduced.reduced_hessian`."""
        return reduced.reduced_hessian(self, thetas, dps=dps)


def _eye_times(scale: np.ndarray, d: int, arith: Arithmetic) -> np.ndarray:
    """(k,) → (k, d, d): scale_i · I."""
    return scale[:, None, None] * _identity(d, arith)[None]


def _unit_normals(pairs: Pairs, arith: Arithmetic) -> tuple:
    """(ρ, √c, û, v̂) of every pair with the true ρ = ±1, √c = 0 at coincidences:
    û = (ŷ − ρx̂)/√c and v̂ = (x̂ − ρŷ)/√c, the unit directions of ∇_xρ and ∇_yρ, from
    ŷ − sx̂ (s = sign ρ) and 1 − sρ so that nothing cancels near ρ = ±1; 0 at coincidences."""
    rows, cols, signs = pairs.coincident
    rho_, c = np.array(pairs.values["rho"]), np.array(pairs.values["c"])
    rho_[rows, cols], c[rows, cols] = signs, 0
    sign = np.where(rho_ >= 0, 1, -1)
    xh, yh = pairs.xh[:, None, :], pairs.yh[None, :, :]
    difference = yh - sign[..., None] * xh
    gap = 1 - sign * rho_
    root = arith.sqrt(c)
    safe = np.where(root == 0, 1, root)[..., None]
    u = (difference + (sign * gap)[..., None] * xh) / safe
    v = (-sign[..., None] * difference + (sign * gap)[..., None] * yh) / safe
    u[rows, cols], v[rows, cols] = 0, 0
    return rho_, root, u, v


def _angular_blocks(X, Y, pairs: Pairs, F: dict, names, weights, arith: Arithmetic):
    """Σ_j C_ij ∇_xxΦ_ij as (k, d, d) and C_il ∇_xyΦ_il as (k, k, d, d) for Φ = F(n₁, n₂, ρ) (or F(ρ)).

    With ∇ρ = √c û/n₁, ∇²ρ = (ρx̂x̂ᵀ − x̂ûᵀ√c − √cûx̂ᵀ − ρI)/n₁², ∇n₁ = x̂, ∇²n₁ = (I − x̂x̂ᵀ)/n₁
    and E_ab = F_ab c^{m/2} (:attr:`Kernel.hessian_terms`):

    ∇_xxΦ = (F₁/n₁ − ρF_ρ/n₁²) I + (F₁₁ − F₁/n₁ + ρF_ρ/n₁²) x̂x̂ᵀ + (E₁ρ/n₁ − √cF_ρ/n₁²)(x̂ûᵀ + ûx̂ᵀ)
    + E_ρρ/n₁² ûûᵀ;  ∇_xyΦ = F_ρ/(n₁n₂)(I − x̂x̂ᵀ − ŷŷᵀ + ρx̂ŷᵀ) + F₁₂ x̂ŷᵀ + E₁ρ/n₂ x̂v̂ᵀ
    + E₂ρ/n₁ ûŷᵀ + E_ρρ/(n₁n₂) ûv̂ᵀ  (indices 1, 2 for n₁, n₂; absent invariants contribute 0).
    """
    k, d = X.shape
    rho_, root, U, V = _unit_normals(pairs, arith)
    n1, n2 = pairs.n1[:, None], pairs.n2[None, :]

    def term(*invariants):
        if not all(n in names for n in invariants):
            return 0
        return F[tuple(sorted(names.index(n) for n in invariants))]

    Fr, F1 = term("rho"), term("n1")
    I_coefficient = weights * (F1 / n1 - rho_ * Fr / n1**2)
    xx_coefficient = weights * (term("n1", "n1") - F1 / n1 + rho_ * Fr / n1**2)
    xu_coefficient = weights * (term("n1", "rho") / n1 - root * Fr / n1**2)
    uu_coefficient = weights * (term("rho", "rho") / n1**2)
    xh = pairs.xh
    p = np.einsum("ij,ijp->ip", xu_coefficient, U)
    diagonal = (_eye_times(I_coefficient.sum(axis=1), d, arith)
                + np.einsum("ip,iq->ipq", xh, xx_coefficient.sum(axis=1)[:, None] * xh + p)
                + np.einsum("ip,iq->ipq", p, xh)
                + np.einsum("ijp,ijq->ipq", uu_coefficient[..., None] * U, U))
    w = np.array(weights[:, :k])
    G = w * (Fr / (n1 * n2))[:, :k]
    Uk, Vk, xl = U[:, :k], V[:, :k], xh[None, :, :]

    def scaled(coefficient, vectors):
        return coefficient[..., None] * vectors

    # three outer products a bᵀ per block, the right-hand vectors summed first
    right_x = (scaled(G * rho_[:, :k] + w * _columns(term("n1", "n2"), k), xl) - scaled(G, xh[:, None, :])
               + scaled(w * _columns(term("n1", "rho") / n2, k), Vk))
    right_u = scaled(w * _columns(term("n2", "rho") / n1, k), xl) + scaled(
        w * _columns(term("rho", "rho") / (n1 * n2), k), Vk)
    off = (np.einsum("ip,ilq->ilpq", xh, right_x) + np.einsum("ilp,ilq->ilpq", Uk, right_u)
           - np.einsum("lp,ilq->ilpq", xh, scaled(G, xl)))
    off[:, :, np.arange(d), np.arange(d)] += G[..., None]
    return diagonal, off


def _radial_blocks(X, Y, pairs: Pairs, F: dict, names, weights, arith: Arithmetic):
    """As :func:`_angular_blocks` for Φ = F(q), q = ‖x − y‖²: ∇_xxΦ = −∇_xyΦ = 2F_q I + 4E_qq d̂d̂ᵀ,
    d̂ = (x − y)/√q, E_qq = F_qq q."""
    k, d = X.shape
    rows, cols, _ = pairs.coincident
    q = np.array(pairs.values["q"])
    q[rows, cols] = 0
    root = arith.sqrt(q)
    D = (X[:, None, :] - Y[None, :, :]) / np.where(root == 0, 1, root)[..., None]
    D[rows, cols] = 0
    first, second = weights * (2 * F[(0,)]), weights * (4 * F[(0, 0)])
    diagonal = _eye_times(first.sum(axis=1), d, arith) + np.einsum("ij,ijp,ijq->ipq", second, D, D)
    off = -(first[:, :k, None, None] * _identity(d, arith)
            + np.einsum("il,ilp,ilq->ilpq", second[:, :k], D[:, :k], D[:, :k]))
    return diagonal, off


def _columns(values, k: int):
    """The first k columns of a (k, m) array; a scalar stays a scalar."""
    return values[:, :k] if np.ndim(values) == 2 else values


def _exclusive_products(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∏_{l<k} h_l, ∏_{l>k} h_l) along the last axis."""
    ones = np.ones_like(h[..., :1])
    before = np.multiply.accumulate(np.concatenate([ones, h[..., :-1]], axis=-1), axis=-1)
    after = np.multiply.accumulate(np.concatenate([ones, h[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return before, after


def _leave_one_out(h: np.ndarray) -> np.ndarray:
    """∏_{l≠k} h_l along the last axis, without division (h may vanish)."""
    before, after = _exclusive_products(h)
    return before * after


def _leave_two_out(h: np.ndarray, arith: Arithmetic) -> np.ndarray:
    """(n, d) → (n, d, d): ∏_{m∉{k,l}} h_m for k ≠ l (0 on the diagonal), without division."""
    n, d = h.shape
    before, after = _exclusive_products(h)
    out = arith.array(np.zeros((n, d, d)))
    for k in range(d - 1):  # l > k: the product before k, strictly between k and l, after l
        between, _ = _exclusive_products(h[:, k + 1:])
        out[:, k, k + 1:] = before[:, k, None] * between * after[:, k + 1:]
    return out + out.transpose(0, 2, 1)


def sphere_tangent_basis(X, arith: Arithmetic) -> np.ndarray:
    """Block-diagonal orthonormal basis (kd, k(d−1)) of the tangent spaces x_i^⊥ of unit rows x_i:
    columns 2…d of the Householder reflection taking e₁ to ±x_i."""
    k, d = X.shape
    basis = arith.array(np.zeros((k * d, k * (d - 1))))
    for i, x in enumerate(X):
        v = x.copy()
        v[0] = v[0] + (1 if x[0] >= 0 else -1)
        reflection = _identity(d, arith) - 2 * np.outer(v, v) / (v @ v)
        basis[i * d:(i + 1) * d, i * (d - 1):(i + 1) * (d - 1)] = reflection[:, 1:]
    return basis


def _identity(n: int, arith: Arithmetic) -> np.ndarray:
    return arith.array(np.eye(n))


def positions(values, name: str) -> np.ndarray:
    """Validate a (k, d) array of positions in R^d: finite and non-empty
    (:meth:`Manifold.positions <theory.potentials.manifolds.Manifold.positions>`, which
    checks membership of a manifold too)."""
    return EUCLIDEAN.positions(values, name)


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

    .. math::

        L(a_1, \\theta_1) = a_1^2\\Phi(\\theta_1,\\theta_1)
          + 2\\sum_j a_1 b_j\\Phi(\\theta_1, w_j) + \\text{const}

    >>> from theory.potentials.potential import given
    >>> single_node_loss(given("exp(-r^2/2)", "radial"), [0.0, 0.0], [[0.0, 0.0]])
    0.0
    """
    return Loss(phi, protons, manifold=manifold).value([theta], [a1], dps=dps)


