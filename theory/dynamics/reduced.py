"""The reduced loss ℓ(θ) = min_a L(a, θ): the optimal charges a*(θ) and the derivatives of ℓ.

For fixed electrons θ the loss is a quadratic in their charges a, with Gram matrix
G = [Φ(θ_i, θ_j)] and linear term c = [Φ(θ_i, w_j)] b, so its minimiser solves

.. math::  G a^* = -c, \\qquad \\ell(\\theta) = L(a^*(\\theta), \\theta).

Each function takes the :class:`~theory.dynamics.loss.Loss` whose a is optimised
(G and c are its :meth:`~theory.dynamics.loss.Loss.charge_system`);
:class:`~theory.dynamics.loss.Loss` offers them as methods too (``best_charges``,
``reduced_value``, …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import InputError
from .arithmetic import Arithmetic, arithmetic

if TYPE_CHECKING:
    from .loss import Loss


def best_charges(loss: Loss, thetas, *, dps: int | None = None, validate: bool = True,
                 unique: bool = True) -> np.ndarray:
    """a*(θ), the minimiser of the quadratic a ↦ L(a, θ), at ``dps`` digits:

    .. math::  [\\Phi(\\theta_i, \\theta_j)]\\, a^* = -[\\Phi(\\theta_i, w_j)]\\, b

    Raises :class:`InputError` when the Gram matrix is singular (two electrons
    coincide, or are antipodal for an odd Φ): then a* is not unique. With ``unique``
    false it gives instead the minimum-norm minimiser a* = −G⁺c (float64 only).
    """
    arith = arithmetic(dps)
    if unique:
        return _optimum(loss, thetas, arith, validate)[1]
    if dps is not None:
        raise InputError("the minimum-norm optimal charges are computed in float64 only (dps=None)")
    gram, cross = loss.charge_system(thetas, arith, validate=validate)
    return -np.linalg.lstsq(gram, cross, rcond=None)[0]


def reduced_value(loss: Loss, thetas, *, dps: int | None = None):
    """ℓ(θ) = min_a L(a, θ) = L(a*(θ), θ)."""
    return loss.value(thetas, best_charges(loss, thetas, dps=dps), dps=dps)


def reduced_gradient(loss: Loss, thetas, *, dps: int | None = None) -> np.ndarray:
    """∇ℓ(θ) = ∇_θL(a*(θ), θ) (envelope theorem: ∂L/∂a = 0 at a*)."""
    return loss.gradient(thetas, best_charges(loss, thetas, dps=dps), dps=dps)


def reduced_hessian(loss: Loss, thetas, *, dps: int | None = None) -> np.ndarray:
    """∇²ℓ(θ), the Schur complement of the a-block of the full Hessian at a = a*(θ):

    .. math::  \\nabla^2\\ell = H_{\\theta\\theta} - H_{\\theta a} H_{aa}^{-1} H_{a\\theta}

    (differentiate ∇_θL(a*(θ), θ) with ∂a*/∂θ = −H_aa⁻¹H_aθ), H_aa = 2[Φ(θ_i, θ_j)];
    on S^{d−1} in the tangent basis of :meth:`~theory.dynamics.loss.Loss.tangent_basis`.
    """
    arith = arithmetic(dps)
    gram, a = _optimum(loss, thetas, arith)
    H, M = loss.hessian(thetas, a, dps=dps), loss.mixed_hessian(thetas, a, dps=dps)
    return H - M @ _solve(2 * gram, M.T, arith)


def _optimum(loss: Loss, thetas, arith: Arithmetic, validate: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(G, a*): the Gram matrix and the unique optimal charges (InputError where G is singular)."""
    gram, cross = loss.charge_system(thetas, arith, validate=validate)
    return gram, -_solve(gram, cross, arith)


def _solve(gram: np.ndarray, rhs: np.ndarray, arith: Arithmetic) -> np.ndarray:
    """G⁻¹ rhs for the Gram matrix G ∝ [Φ(θ_i, θ_j)], refused when numerically singular
    (condition number > 10¹²: electrons coincide, or are antipodal for an odd Φ)."""
    if np.linalg.cond(gram.astype(float)) > 1e12:
        raise InputError("the Gram matrix [Φ(θ_i, θ_j)] is singular (electrons coincide, or are antipodal "
                         "for an odd Φ): the optimal output weights a*(θ) are not unique")
    return arith.solve(gram, rhs)
