"""Φ for ELU(t) = max(t, 0) + min(eᵗ − 1, 0) in float64: orthant integrals and tilted probabilities.

Write ELU = f + g − h with f(t) = t⁺, g(t) = eᵗ1{t<0}, h(t) = 1{t<0}. For (U, V) normal with
variances a², b², covariance c = ρab (s = √(1 − ρ²)), the exponential tilt
E[e^V F(U, V)] = e^{b²/2} E[F(U + c, V + b²)] and Stein's identity
E[X 1{X>h, Y<k}] = φ(h)Φ((k − ρh)/s) − ρφ(k)Φ((ρk − h)/s) reduce the nine products to

.. math::

    \\Phi = T_1 + T_2(a,b) + T_2(b,a) - T_3(a,b) - T_3(b,a) + T_4 - T_5(a,b) - T_5(b,a) + T_6,

    T_1 = \\tfrac{ab}{2\\pi}(s + (\\pi - \\arccos\\rho)\\rho), \\quad
    T_3 = \\tfrac{a(1-\\rho)}{2\\sqrt{2\\pi}}, \\quad T_6 = \\tfrac14 + \\tfrac{\\arcsin\\rho}{2\\pi},

    T_2 = c\\big[\\tfrac12\\mathrm{erfcx}(b/\\sqrt2) - B(-\\rho b, -b)\\big]
          + a\\,\\tfrac{\\mathrm{erfcx}(bs/\\sqrt2) - \\rho}{2\\sqrt{2\\pi}}, \\quad
    T_4 = B(-(a+\\rho b), -(b+\\rho a)), \\quad T_5 = B(-a, -\\rho a),

with B(h, k) = e^m Φ₂(h, k; ρ) for the tilt's m (b²/2, (a² + 2c + b²)/2, a²/2). So ELU's Φ is
elementary but for bivariate normal probabilities. B is computed as
e^{m + log Φ(h) + log Φ(k)} + (2π)⁻¹∫₀^{arcsin ρ} e^{m − Q(ϑ)} dϑ (Plackett's identity, ρ = sin ϑ),
the exponents combined so that nothing overflows, by Gauss–Legendre with :data:`NODES` nodes.
Each T is bounded by 1 + ab, so the sum loses no digits to cancellation beyond that scale.

**Error** (*validated*, not proven): against the 40-digit value of the Hermite series and the
nested quadrature on a grid of norms and ρ (ρ = ±1 included), the largest error is below
:data:`ERROR_BOUND` · (1 + ab); see tests/potentials/test_elu.py.

>>> print(f"{float(value(1.5, 2 / 3, 1 / 3)):.15f}")
0.220261547586340
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from ..core.errors import InputError
from ..core.symbols import t

NODES = 40                 # Gauss–Legendre nodes in ϑ for |ρ| < HIGH
HIGH = 0.7                 # from here on, the integral from ρ = ±1 in u = cos ϑ
PIECES, PIECE_NODES = 24, 10
CHUNK = 1024
ERROR_BOUND = 1e-14        # validated: |error| ≤ ERROR_BOUND · (1 + ‖θ‖‖w‖)
FORMS = (sp.Max(t, 0) + sp.exp(sp.Min(t, 0)) - 1, sp.Piecewise((t, t > 0), (sp.exp(t) - 1, True)))
_X, _W = np.polynomial.legendre.leggauss(NODES)
_ROOT2, _ROOT2PI = math.sqrt(2), math.sqrt(2 * math.pi)


def is_elu(sigma: sp.Expr) -> bool:
    """σ is ELU (α = 1) in one of its two spellings."""
    return sigma in FORMS


class Float64Elu:
    """ELU's Φ(a, b, c) (ridge) or, ``on_sphere``, Φ(ρ) (zonal) on float64 arrays, broadcast.

    ``error_bound``: the validated bound :data:`ERROR_BOUND` · (1 + ab) at unit norms;
    :meth:`bound` gives it at any norms."""

    def __init__(self, *, on_sphere: bool):
        self.on_sphere = on_sphere
        self.error_bound = 2 * ERROR_BOUND

    def __call__(self, *values) -> np.ndarray:
        if self.on_sphere:
            (rho,) = values
            rho = np.asarray(rho, dtype=float)
            if np.any(np.abs(rho) > 1):
                raise InputError("ρ must lie in [−1, 1]")
            return value(np.ones_like(rho), np.ones_like(rho), rho)
        return value(*values)

    @staticmethod
    def bound(a, b) -> np.ndarray:
        return ERROR_BOUND * (1 + np.asarray(a, float) * np.asarray(b, float))


def value(a, b, c) -> np.ndarray:
    """Φ = E[ELU(U)ELU(V)], Var U = a², Var V = b², Cov = c, on broadcast float64 arrays (see the module)."""
    a, b, c = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c)))
    if np.any(a < 0) or np.any(b < 0) or not np.isfinite(a + b + c).all():
        raise InputError("norms must be finite and non-negative, θᵀw finite")
    if np.any(np.abs(c) > a * b * (1 + 1e-12) + 1e-300):
        raise InputError("θᵀw exceeds ‖θ‖‖w‖ (Cauchy–Schwarz)")
    out = np.zeros(a.shape)                                      # ELU(0) = 0: Φ = 0 at a zero norm
    live = (a > 0) & (b > 0)
    if live.any():
        x, y = a[live], b[live]
        rho = np.clip(c[live] / (x * y), -1.0, 1.0)
        values = np.empty_like(rho)
        for start in range(0, rho.size, CHUNK):                   # (points × nodes) arrays stay in cache
            part = slice(start, start + CHUNK)
            values[part] = _orthants(x[part], y[part], rho[part])
        out[live] = values
    return out


def _orthants(a: np.ndarray, b: np.ndarray, rho: np.ndarray) -> np.ndarray:
    s = np.sqrt((1 - rho) * (1 + rho))
    c = rho * a * b
    relu = a * b * (s + (np.pi - np.arccos(rho)) * rho) / (2 * np.pi)
    signs = 0.25 + np.arcsin(rho) / (2 * np.pi)
    both = _tilted(-(a + rho * b), -(b + rho * a), rho, (a * a + 2 * c + b * b) / 2)
    total = relu + both + signs
    for p, q in ((a, b), (b, a)):
        mixed = c * (_erfcx(q / _ROOT2) / 2 - _tilted(-rho * q, -q, rho, q * q / 2)) \
            + p * (_erfcx(q * s / _ROOT2) - rho) / (2 * _ROOT2PI)
        total += mixed - p * (1 - rho) / (2 * _ROOT2PI) - _tilted(-p, -rho * p, rho, p * p / 2)
    return total


def _tilted(h: np.ndarray, k: np.ndarray, rho: np.ndarray, m: np.ndarray) -> np.ndarray:
    """e^m Φ₂(h, k; ρ): by the ϑ-integral from 0 for |ρ| < :data:`HIGH`, else from ρ = ±1
    (:func:`_near_one`)."""
    out = np.empty_like(rho)
    low = np.abs(rho) < HIGH
    out[low] = _from_zero(h[low], k[low], rho[low], m[low])
    up = rho >= HIGH
    out[up] = _near_one(h[up], k[up], rho[up], m[up])
    down = rho <= -HIGH                                           # Φ₂(h, k; ρ) = Φ(h) − Φ₂(h, −k; −ρ)
    out[down] = _exp_ndtr(m[down], h[down]) - _near_one(h[down], -k[down], -rho[down], m[down])
    return out


def _exp_ndtr(m: np.ndarray, h: np.ndarray) -> np.ndarray:
    """e^m Φ(h), the exponents added first."""
    from scipy.special import log_ndtr

    return np.exp(m + log_ndtr(h))


def _from_zero(h, k, rho, m) -> np.ndarray:
    """e^{m + log Φ(h) + log Φ(k)} + (2π)⁻¹ ∫₀^{arcsin ρ} e^{m − Q(ϑ)} dϑ (Plackett, ρ = sin ϑ), with
    Q = (h − k)²/(2cos²ϑ) + hk/(1 + sin ϑ) for ϑ ≥ 0 and (h + k)²/(2cos²ϑ) − hk/(1 − sin ϑ) below."""
    from scipy.special import log_ndtr

    product = np.exp(m + log_ndtr(h) + log_ndtr(k))
    top = np.arcsin(rho)
    angle = top[:, None] * (1 + _X[None, :]) / 2                  # (points, nodes)
    sine, cos2 = np.sin(angle), np.cos(angle) ** 2
    positive = angle >= 0
    h_, k_ = h[:, None], k[:, None]
    gap = np.where(positive, (h_ - k_) ** 2, (h_ + k_) ** 2) / (2 * cos2)
    cross = np.where(positive, h_ * k_ / (1 + sine), -h_ * k_ / (1 - sine))
    return product + (np.exp(m[:, None] - gap - cross) @ _W) * top / (4 * np.pi)


def _near_one(h, k, rho, m) -> np.ndarray:
    """e^m Φ₂(h, k; ρ) for ρ ≥ HIGH: e^m Φ(min(h, k)) − (2π)⁻¹ ∫₀^s e^{−α/u²} g(u) du, u = cos ϑ,
    α = (h − k)²/2, g(u) = e^{m − hk/(1 + √(1 − u²))}/√(1 − u²) (even in u). The layer of e^{−α/u²}
    at u ~ √α is met by pieces halving towards 0 and by subtracting g(0), whose part is exact:
    ∫₀^s e^{−α/u²} du = s e^{−x²}(1 − √π x erfcx(x)), x = √α/s; what is left below the last piece is
    O((s 2^{−PIECES})³)."""
    s = np.sqrt((1 - rho) * (1 + rho))
    alpha = (h - k) ** 2 / 2
    u = s[:, None] * _U[None, :]                                  # (points, graded nodes)
    root = np.sqrt((1 - u) * (1 + u))
    g = np.exp(m[:, None] - (h * k)[:, None] / (1 + root)) / root
    g0 = np.exp(m - h * k / 2)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        layer = np.where(alpha[:, None] > 0, np.exp(-alpha[:, None] / (u * u)), 1.0)
        x = np.sqrt(alpha) / s
        exact = np.where(s > 0, s * np.exp(-x * x) * (1 - math.sqrt(math.pi) * x * _erfcx(x)), 0.0)
    integral = g0 * exact + ((layer * (g - g0[:, None])) @ _V) * s
    return _exp_ndtr(m, np.minimum(h, k)) - integral / (2 * np.pi)


def _graded(pieces: int, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes and weights on [2^{−j−1}, 2^{−j}], j < pieces, together."""
    x, w = np.polynomial.legendre.leggauss(nodes)
    lows = 2.0 ** -np.arange(1, pieces + 1)
    us = (lows[:, None] * (3 + x[None, :]) / 2).ravel()           # piece [l, 2l]: u = l(3 + x)/2
    vs = (lows[:, None] * w[None, :] / 2).ravel()
    return us, vs


_U, _V = _graded(PIECES, PIECE_NODES)


def _erfcx(x: np.ndarray) -> np.ndarray:
    from scipy.special import erfcx

    return erfcx(x)
