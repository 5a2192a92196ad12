"""The ReLU teacher–student landscape on R^d in closed form.

Teacher rows w*_j with output weights u_j, student rows w_i with output weights
v_i, x ~ N(0, I_d), σ = ReLU:

.. math::

    L(W, v) = \\mathbb{E}_x\\Big(\\sum_i v_i\\sigma(w_i^\\top x)
              - \\sum_j u_j\\sigma(w_j^{*\\top} x)\\Big)^2 .

This is the charge energy of :class:`theory.dynamics.loss.Loss` with electron charges
a = −v and proton charges b = u, under the ReLU potential
Φ(w, w′) = (‖w‖‖w′‖/2π)(sin φ + (π − φ) cos φ): the value, gradient and
Hessian come from the engine's exact derivatives. :func:`tian_gradient` is
Tian's (2017) analytic population gradient, written independently of the
engine, and :func:`teacher_hessian` the Hessian at the global minimum from
the orthant moments E[1(uᵀx>0) 1(wᵀx>0) x xᵀ], also independent of it.

>>> import numpy as np
>>> population_loss(np.eye(2), np.eye(2)) == 0.0
True
"""

from __future__ import annotations

import functools

import numpy as np

from ..core.errors import InputError
from ..core.numeric import context
from ..dynamics.arithmetic import arithmetic
from ..dynamics.loss import Loss, positions
from ..potentials.potential import Potential, potential


@functools.cache
def relu_potential() -> Potential:
    """Φ of ReLU on R^d, derived on first use (not when this module is imported)."""
    return potential("relu")


def _problem(W, W_star, v, u) -> tuple[Loss, np.ndarray, np.ndarray]:
    """The engine's loss, the student (k, d) and its charges a = −v; shapes checked."""
    W_star = positions(W_star, "teacher weights")
    checked = positions(W, "student weights")
    W = W if isinstance(W, np.ndarray) and W.dtype == object else checked  # keep mpf exact
    if W.shape[1] != W_star.shape[1]:
        raise InputError(f"student rows have dimension {W.shape[1]} but teacher rows {W_star.shape[1]}")
    u = _weights(u, len(W_star), "teacher output weights")
    v = _weights(v, len(W), "student output weights")
    return Loss(relu_potential(), W_star, proton_charges=u), W, -v


def _weights(values, k: int, name: str) -> np.ndarray:
    if values is None:
        return np.ones(k)
    values = np.asarray(values, dtype=float)
    if values.shape != (k,) or not np.all(np.isfinite(values)):
        raise InputError(f"{name} must be {k} finite numbers, got shape {values.shape}")
    return values


def population_loss(W, W_star, v=None, u=None, *, dps: int | None = None):
    """L(W, v) above (float64, or an mpf at ``dps`` digits); unit output weights by default."""
    loss, W, a = _problem(W, W_star, v, u)
    return loss.value(W, a, dps=dps)


def gradient(W, W_star, v=None, u=None, *, dps: int | None = None) -> np.ndarray:
    """∇_W L as a (k, d) array, from the engine's exact derivatives of Φ."""
    loss, W, a = _problem(W, W_star, v, u)
    return loss.gradient(W, a, dps=dps)


def output_gradient(W, W_star, v=None, u=None) -> np.ndarray:
    """∂L/∂v_i = 2 Σ_j v_j Φ(w_i, w_j) − 2 Σ_j u_j Φ(w_i, w*_j) (free output weights)."""
    loss, W, a = _problem(W, W_star, v, u)
    return -loss.charge_gradient(W, a)


def hessian(W, W_star, v=None, u=None, *, dps: int | None = None) -> np.ndarray:
    """∇²_W L as a (kd, kd) array (row i of W is block i)."""
    loss, W, a = _problem(W, W_star, v, u)
    return loss.hessian(W, a, dps=dps)


def tian_gradient(W, W_star, v=None, u=None) -> np.ndarray:
    """Tian's analytic population gradient, independent of the engine.

    With g(w, w′) = ∇_w E[σ(wᵀx) σ(w′ᵀx)], φ the angle between w and w′,

    .. math::

        g(w, w') = \\frac{1}{2\\pi}\\Big[(\\pi - \\phi)\\, w'
                   + \\frac{\\|w'\\|}{\\|w\\|}\\sin\\phi\\; w\\Big],\\qquad
        \\nabla_{w_i} L = v_i^2 w_i + 2\\sum_{j\\ne i} v_i v_j\\, g(w_i, w_j)
                        - 2\\sum_j v_i u_j\\, g(w_i, w^*_j)

    (Tian 2017, Theorem 1, for his J = L/2; g(w, w) = w/2).
    """
    _, W, a = _problem(W, W_star, v, u)
    v, W_star = -a, positions(W_star, "teacher weights")
    u = _weights(u, len(W_star), "teacher output weights")
    grad = (v * v)[:, None] * W
    for i in range(len(W)):
        others = [(v[j], W[j]) for j in range(len(W)) if j != i] + list(zip(-u, W_star, strict=True))
        grad[i] += 2 * v[i] * sum(c * _tian_pair(W[i], w) for c, w in others)
    return grad


def tian_collapsed_point(K: int, *, dps: int = 30) -> np.ndarray:
    r"""Tian’s collapsed critical point for teachers I_K (unit output weights): every student at
    x_s(1, …, 1), as a (K, K) array of mpf at ``dps`` digits,

    .. math::  x_s = \frac{\sqrt{K-1} - \arccos(1/\sqrt K) + \pi}{\pi K}.

    (With the students collinear, ∇L = 0 reduces to one equation in x_s; the test suite
    checks ∇L = 0 there to the working precision at two precisions.)
    """
    if not isinstance(K, (int, np.integer)) or K < 2:
        raise InputError(f"K must be an integer ≥ 2, got {K!r}")
    ctx = context(dps)
    x = (ctx.sqrt(K - 1) - ctx.acos(1 / ctx.sqrt(K)) + ctx.pi) / (ctx.pi * K)
    return np.array([[x] * K for _ in range(K)], dtype=object)


def _tian_pair(w: np.ndarray, w2: np.ndarray) -> np.ndarray:
    n, n2 = np.linalg.norm(w), np.linalg.norm(w2)
    phi = np.arccos(np.clip(w @ w2 / (n * n2), -1.0, 1.0))
    return ((np.pi - phi) * w2 + n2 / n * np.sin(phi) * w) / (2 * np.pi)


# ---------------------------------------------------------------------- the global minimum

def orthant_moment(w, w2, *, dps: int = 30) -> np.ndarray:
    """M(w, w′) = E[1(wᵀx > 0) 1(w′ᵀx > 0) x xᵀ] in closed form, at ``dps`` digits.

    With φ the angle, e₁ = ŵ, e₂ = (ŵ′ − cos φ ŵ)/sin φ and P⊥ the projection off
    their span (x's direction in the plane at angle α, both units active for
    α ∈ (φ − π/2, π/2)):

    .. math::

        M = \\frac{\\pi-\\phi}{2\\pi}P_\\perp
          + \\frac{1}{\\pi}\\Big[\\big(\\tfrac{\\pi-\\phi}{2} + \\tfrac{\\sin 2\\phi}{4}\\big)e_1e_1^\\top
          + \\big(\\tfrac{\\pi-\\phi}{2} - \\tfrac{\\sin 2\\phi}{4}\\big)e_2e_2^\\top
          + \\tfrac{\\sin^2\\phi}{2}(e_1e_2^\\top + e_2e_1^\\top)\\Big];

    M(w, w) = I/2. It depends on the directions only.
    """
    arith = arithmetic(dps)
    ctx, x, y = arith.ctx, arith.array(w), arith.array(w2)
    e1 = x / ctx.sqrt(x @ x)
    rest = y / ctx.sqrt(y @ y) - (e1 @ y / ctx.sqrt(y @ y)) * e1
    s = ctx.sqrt(rest @ rest)
    identity = arith.array(np.eye(len(x)))
    if s < ctx.mpf(10) ** (-dps // 2):
        return identity / 2
    e2, phi = rest / s, ctx.atan2(s, e1 @ y / ctx.sqrt(y @ y))
    E11, E22, E12 = np.outer(e1, e1), np.outer(e2, e2), np.outer(e1, e2)
    width = ctx.pi - phi
    plane = ((width / 2 + ctx.sin(2 * phi) / 4) * E11 + (width / 2 - ctx.sin(2 * phi) / 4) * E22
             + ctx.sin(phi) ** 2 / 2 * (E12 + E12.T)) / ctx.pi
    return width / (2 * ctx.pi) * (identity - E11 - E22) + plane


def teacher_hessian(W_star, u=None, *, dps: int = 30) -> np.ndarray:
    """∇²L at the global minimum W = W*, v = u, independent of the engine.

    The residual vanishes there, so only the Gauss–Newton term is left:

    .. math::  H_{ij} = 2\\,u_i u_j\\, M(w^*_i, w^*_j)

    — blocks scale-free in the teacher's norms.
    """
    W_star = positions(W_star, "teacher weights")
    u = _weights(u, len(W_star), "teacher output weights")
    k, d = W_star.shape
    H = arithmetic(dps).array(np.zeros((k * d, k * d)))
    for i in range(k):
        for j in range(k):
            H[i * d:(i + 1) * d, j * d:(j + 1) * d] = 2 * u[i] * u[j] * orthant_moment(
                W_star[i], W_star[j], dps=dps)
    return H


def strong_convexity(W_star, u=None, *, dps: int = 30):
    """λ_min(∇²L(W*)), the local strong-convexity constant at the global minimum (mpf)."""
    ctx = context(dps)
    H = teacher_hessian(W_star, u, dps=dps)
    return min(ctx.eigsy(ctx.matrix(H.tolist()), eigvals_only=True))


def conditioned_teacher(k: int, kappa: float, seed: int = 0) -> np.ndarray:
    """A k × k teacher U diag(s) Vᵀ with Haar U, V and s geometric from 1 to κ."""
    if not (isinstance(k, (int, np.integer)) and k >= 1):
        raise InputError(f"k must be an integer ≥ 1, got {k!r}")
    if not (np.isfinite(kappa) and kappa >= 1):
        raise InputError(f"the condition number κ must be ≥ 1, got {kappa!r}")
    rng = np.random.default_rng(seed)
    U, _ = np.linalg.qr(rng.normal(size=(k, k)))
    V, _ = np.linalg.qr(rng.normal(size=(k, k)))
    return U @ np.diag(np.geomspace(1.0, kappa, k)) @ V.T
