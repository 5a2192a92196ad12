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

with B(h, k) = e^m Φ₂(h, k; ρ) for the tilt's m (b²/2, (a² + 2c + b²)/2, a²/2). Φ₂ is symmetric,
so T_5(b, a) shares T_2(a, b)'s B: B(−ρb, −b) = ½erfcx(b/√2) − G(b), where conditioning on V and
differentiating in ρ/s give, with w = a sin ϑ/√2 and ϑ₀ = arccos ρ,

.. math::

    G(a) = \\frac{1}{2\\pi}\\int_0^{\\vartheta_0}
           \\big(1 - \\sqrt\\pi\\, w\\, \\mathrm{erfcx}(w)\\big)\\,d\\vartheta.

For T_4, Price's theorem gives ∂T_4/∂ρ = abT_4 + q(ρ) (q elementary); integrated from ρ = 1 (where
T_4 = ½erfcx((a + b)/√2)) in ρ = cos ϑ, so that the factor e^{−ab(cos ϑ − ρ)} ≤ 1 never grows,

.. math::

    T_4 = \\tfrac12 e^{-ab(1-\\rho)}\\mathrm{erfcx}\\big(\\tfrac{a+b}{\\sqrt2}\\big)
          - \\frac{1}{2\\pi}\\int_0^{\\vartheta_0} e^{-ab(\\cos\\vartheta - \\rho)}
          \\big(1 - \\sqrt\\pi\\,(w_a\\mathrm{erfcx}(w_a) + w_b\\mathrm{erfcx}(w_b))\\big)\\,d\\vartheta.

So Φ is elementary but for one integral over [0, ϑ₀] of a smooth, bounded integrand, computed by
Gauss–Legendre with :func:`nodes` (a, b) nodes (16 at unit norms) for all three at once, the rule
computed once in python-flint balls and rounded (numpy's weights err by 1e-11 at large norms).
Each T is bounded by 1 + ab, so the sum loses no digits to cancellation beyond that scale.
:func:`derivatives` gives ∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ from the same terms (Price's theorem),
:func:`second_derivatives` the Hessian in (a, b, ρ) and :meth:`Float64Elu.derivative` Φ′(ρ), Φ″(ρ)
on the sphere.

**Error** (*validated*, not proven): against the 40-digit value of the Hermite series, the
nested quadrature and an arb enclosure of the conditional integral on adversarial points with
norms up to 32 (ρ = ±1 included), the largest error is below :data:`ERROR_BOUND` · (1 + ab); see
tests/potentials/test_elu.py.

>>> print(f"{float(value(1.5, 2 / 3, 1 / 3)):.14f}")
0.22026154758634
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..core import validators as valid
from ..core.errors import InputError
from ..core.symbols import t

CHUNK = 1024               # points per pass: the (points × nodes) arrays stay in cache
ERROR_BOUND = 1e-14        # validated: |error| ≤ ERROR_BOUND · (1 + ‖θ‖‖w‖)
DERIVATIVE_BOUND = 1e-13   # validated: each |error| of derivatives() ≤ DERIVATIVE_BOUND · (1 + ‖θ‖‖w‖)
CURVATURE_BOUND = 1e-14    # validated: each |error| of second_derivatives() ≤ CURVATURE_BOUND · (1 + a + b)³
FORMS = (sp.Max(t, 0) + sp.exp(sp.Min(t, 0)) - 1, sp.Piecewise((t, t > 0), (sp.exp(t) - 1, True)))
_ROOT2, _ROOT2PI = math.sqrt(2), math.sqrt(2 * math.pi)


def is_elu(sigma: sp.Expr) -> bool:
    """σ is ELU (α = 1) in one of its two spellings."""
    return sigma in FORMS


class Float64Elu:
    """ELU's Φ(a, b, c) (ridge) or, ``on_sphere``, Φ(ρ) (zonal) on float64 arrays, broadcast.

    ``error_bound``: the validated bound :data:`ERROR_BOUND` · (1 + ab) at unit norms, and
    ``derivative_bounds`` those of Φ′(ρ), Φ″(ρ) there (:meth:`derivative`); :meth:`bound`,
    :meth:`derivative_bound` and :meth:`curvature_bound` give them at any norms."""

    def __init__(self, *, on_sphere: bool):
        self.on_sphere = on_sphere
        self.error_bound = float(self.bound(1, 1))
        self.derivative_bounds = (float(self.derivative_bound(1, 1)), float(self.curvature_bound(1, 1)))

    def __call__(self, *values) -> np.ndarray:
        if self.on_sphere:
            rho = valid.correlations(*values)
            return value(np.ones_like(rho), np.ones_like(rho), rho)
        return value(*values)

    def derivative(self, rho, order: int) -> np.ndarray:
        """Φ′(ρ) = E[σ′(X)σ′(Y)] = D (order 1) or Φ″(ρ) = E[σ″(X)σ″(Y)] = T₄ (order 2) at unit norms
        (Price's theorem; :func:`derivatives`), within ``derivative_bounds[order − 1]``."""
        if not self.on_sphere or order not in (1, 2):
            raise InputError(f"derivative(ρ, {order}) is Φ′ or Φ″ (order 1 or 2) of ELU on the sphere")
        rho = valid.correlations(rho)
        flat = rho.ravel()
        terms = _orthants(np.ones_like(flat), np.ones_like(flat), flat)
        return (terms.means[0] if order == 1 else terms.t4).reshape(rho.shape)

    def derivatives(self, a, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(Φ, ∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ) at ρ = c/(ab), a, b > 0 (:func:`derivatives`)."""
        return derivatives(a, b, c)

    def second_derivatives(self, a, b, c) -> dict[tuple, np.ndarray]:
        """Φ and its derivatives of orders 1 and 2 in (a, b, ρ) (:func:`second_derivatives`)."""
        return second_derivatives(a, b, c)

    @staticmethod
    def bound(a, b) -> np.ndarray:
        return ERROR_BOUND * (1 + np.asarray(a, float) * np.asarray(b, float))

    @staticmethod
    def derivative_bound(a, b) -> np.ndarray:
        """The validated bound :data:`DERIVATIVE_BOUND` · (1 + ab) on each of ∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ."""
        return DERIVATIVE_BOUND * (1 + np.asarray(a, float) * np.asarray(b, float))

    @staticmethod
    def curvature_bound(a, b) -> np.ndarray:
        """The validated bound :data:`CURVATURE_BOUND` · (1 + a + b)³ on each second derivative of
        :meth:`second_derivatives`."""
        return CURVATURE_BOUND * (1 + np.asarray(a, float) + np.asarray(b, float)) ** 3


def value(a, b, c) -> np.ndarray:
    """Φ = E[ELU(U)ELU(V)], Var U = a², Var V = b², Cov = c, on broadcast float64 arrays (see the module)."""
    a, b, c = _checked(a, b, c)
    out = np.zeros(a.shape)                                      # ELU(0) = 0: Φ = 0 at a zero norm
    live = (a > 0) & (b > 0)
    if live.any():
        x, y = a[live], b[live]
        out[live] = _orthants(x, y, np.clip(c[live] / (x * y), -1.0, 1.0)).value
    return out


def derivatives(a, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(Φ, ∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ) of Φ(a, b, ρ) = Ψ(a², b², ρab) at ρ = c/(ab), a, b > 0.

    For Ψ(A, B, c) = E[σ(U)σ(V)], Price's theorem gives Ψ_c = E[σ′(U)σ′(V)] and the heat equation
    Ψ_A = ½E[σ″(U)σ(V)] (σ′ is continuous, so σ″ = eᵗ1{t<0} has no Dirac part). With σ′ = 1 − h + g
    and σ″ = g, both are sums of the module's terms:

    .. math::

        D = E[σ′(U)σ′(V)] = T_6 + G(a) + G(b) + T_4, \\qquad
        M(a, b) = E[σ″(U)σ(V)] = (1 + c)G(a) + T_4
                  + \\tfrac{b(\\mathrm{erfcx}(as/\\sqrt2) - ρ)}{2\\sqrt{2π}}
                  - \\tfrac12\\mathrm{erfcx}(a/\\sqrt2),

        ∂Φ/∂a = a\\,M(a, b) + ρb\\,D, \\quad ∂Φ/∂b = a \\leftrightarrow b, \\quad ∂Φ/∂ρ = ab\\,D.

    **Error** (*validated*, not proven): each within :data:`DERIVATIVE_BOUND` · (1 + ab) of central
    differences of a 30-digit Φ (tests/potentials/test_elu.py)."""
    terms, shape = _nonzero_terms(a, b, c)
    return tuple(v.reshape(shape) for v in (terms.value, *terms.slopes))


def second_derivatives(a, b, c) -> dict[tuple, np.ndarray]:
    """Φ and its derivatives of orders 1 and 2 in (a, b, ρ) at ρ = c/(ab), a, b > 0, keyed as
    :meth:`Float64Ridge.second_derivatives <theory.potentials.hermite_norms.Float64Ridge.second_derivatives>`.

    Φ = Ψ(a², b², ρab) with Ψ_A = ½M, Ψ_c = D (:func:`derivatives`) and Ψ_cc = 4Ψ_{AB} = E[σ″(U)σ″(V)] = T_4
    (Price). As σ″ = eᵗ1{t<0} drops by 1 at 0, σ‴ = σ″ − δ and σ⁗ = σ″ − δ − δ′, so with
    p = 1/√(2π) and m₀, m₁ the means of σ(V), σ′(V) given U = 0 (then V ~ N(0, τ²), τ = bs),

    .. math::

        m_0 = \\tfrac{τ}{\\sqrt{2π}} + \\tfrac12(\\mathrm{erfcx}(τ/\\sqrt2) - 1), \\quad
        m_1 = \\tfrac12(1 + \\mathrm{erfcx}(τ/\\sqrt2)), \\quad
        K_a = 2aΨ_{Ac} = a(G(a) + T_4) - p\\,m_1, \\quad 4a^2Ψ_{AA} = a^2M - a p\\,m_0 + ρb\\,p\\,m_1,

        Φ_{aa} = (1 + a^2)M(a, b) - a p\\,m_0 + ρb(p\\,m_1 + 2K_a + ρbT_4), \\quad
        Φ_{ab} = ab(1 + ρ^2)T_4 + ρ(aK_a + bK_b + D),

        Φ_{aρ} = b(D + aK_a + ρabT_4), \\quad Φ_{ρρ} = a^2b^2T_4,

    and a ↔ b for Φ_bb, Φ_bρ. **Error** (*validated*, not proven): each within :data:`CURVATURE_BOUND`
    · (1 + a + b)³ of 20-digit quadratures of E[X²σ″(aX)σ(bY)], E[XYσ′(aX)σ′(bY)], … over norms to 32,
    ρ = ±1 included, at the ρ = fl(c/(ab)) computed here (near ρ = −1 at large norms Φ_ρρ is ill-conditioned
    in ρ: one ulp at ρ = −1 + 1e-12 moves it by 1e-5 of itself at norms 12; that is the input's error);
    measured at most 7.4e-16 · (1 + a + b)³ (tests/potentials/test_elu.py)."""
    terms, shape = _nonzero_terms(a, b, c)
    jet = {(): terms.value, **dict(zip(((0,), (1,), (2,)), terms.slopes, strict=True)), **terms.curvatures}
    return {key: v.reshape(shape) for key, v in jet.items()}


def _nonzero_terms(a, b, c) -> tuple[_Terms, tuple]:
    """The flattened :class:`_Terms` at checked inputs with nonzero norms, and their shape."""
    a, b, c = _checked(a, b, c)
    if np.any(a == 0) or np.any(b == 0):
        raise InputError("∂Φ/∂‖θ‖ is not provided at a zero norm")
    return _orthants(*(v.ravel() for v in (a, b, np.clip(c / (a * b), -1.0, 1.0)))), a.shape


def _checked(a, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b, c = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c)))
    if np.any(a < 0) or np.any(b < 0) or not np.isfinite(a + b + c).all():
        raise InputError("norms must be finite and non-negative, θᵀw finite")
    if np.any(np.abs(c) > a * b * (1 + 1e-12) + 1e-300):
        raise InputError("θᵀw exceeds ‖θ‖‖w‖ (Cauchy–Schwarz)")
    return a, b, c


@dataclass(frozen=True)
class _Terms:
    """The pieces of Φ at (a, b, ρ): T₁, T₆, T₄, G(a), G(b), erfcx(a/√2), erfcx(b/√2),
    erfcx(as/√2), erfcx(bs/√2)."""

    a: np.ndarray
    b: np.ndarray
    rho: np.ndarray
    relu: np.ndarray
    signs: np.ndarray
    t4: np.ndarray
    g: tuple
    ends: tuple
    mixed: tuple

    @property
    def value(self) -> np.ndarray:
        """Φ = T₁ + T₆ + T₄ + (1 + c)(G(a) + G(b)) + [a(erfcx(bs/√2) − 1) + b(erfcx(as/√2) − 1)]/(2√(2π))
        − ½[erfcx(a/√2) + erfcx(b/√2)]."""
        a, b = self.a, self.b
        mixed = (a * (self.mixed[1] - 1) + b * (self.mixed[0] - 1)) / (2 * _ROOT2PI)
        return self.relu + self.signs + self.t4 + (1 + self.rho * a * b) * (self.g[0] + self.g[1]) \
            + mixed - (self.ends[0] + self.ends[1]) / 2

    @property
    def means(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(D, M(a, b), M(b, a)) with D = E[σ′(U)σ′(V)] and M(a, b) = E[σ″(U)σ(V)] of :func:`derivatives`."""
        a, b, rho = self.a, self.b, self.rho
        both = self.signs + self.g[0] + self.g[1] + self.t4
        tilted = [(1 + rho * a * b) * self.g[i] + self.t4 + other * (self.mixed[i] - rho) / (2 * _ROOT2PI)
                  - self.ends[i] / 2 for i, other in enumerate((b, a))]
        return both, tilted[0], tilted[1]

    @property
    def slopes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ) of :func:`derivatives`."""
        a, b, rho = self.a, self.b, self.rho
        both, tilted_a, tilted_b = self.means
        return a * tilted_a + rho * b * both, b * tilted_b + rho * a * both, a * b * both

    @property
    def curvatures(self) -> dict[tuple, np.ndarray]:
        """The second derivatives of :func:`second_derivatives`, keyed (0, 0) for Φ_aa … (2, 2) for Φ_ρρ."""
        a, b, rho, t4 = self.a, self.b, self.rho, self.t4
        both, *tilted = self.means
        sides = []
        for i, (own, other) in enumerate(((a, b), (b, a))):
            tau, ends = other * np.sqrt((1 - rho) * (1 + rho)), self.mixed[1 - i]
            mean = tau / (2 * np.pi) + (ends - 1) / (2 * _ROOT2PI)        # p E[σ(V) | U = 0]
            slope = (1 + ends) / (2 * _ROOT2PI)                             # p E[σ′(V) | U = 0]
            shift = own * (self.g[i] + t4) - slope                          # K_a = 2aΨ_Ac
            sides.append(((1 + own * own) * tilted[i] - own * mean
                          + rho * other * (slope + 2 * shift + rho * other * t4),
                          other * (both + own * shift + rho * own * other * t4), shift))
        (aa, a_rho, a_shift), (bb, b_rho, b_shift) = sides
        ab = a * b * (1 + rho * rho) * t4 + rho * (a * a_shift + b * b_shift + both)
        return {(0, 0): aa, (0, 1): ab, (0, 2): a_rho, (1, 1): bb, (1, 2): b_rho, (2, 2): (a * b) ** 2 * t4}


def _orthants(a: np.ndarray, b: np.ndarray, rho: np.ndarray) -> _Terms:
    """The terms of Φ, the integrals of T₄ and G on one Gauss–Legendre rule."""
    s = np.sqrt((1 - rho) * (1 + rho))
    relu = a * b * (s + (np.pi - np.arccos(rho)) * rho) / (2 * np.pi)
    signs = 0.25 + np.arcsin(rho) / (2 * np.pi)
    g_a, g_b, integral = _integrals(a, b, rho)
    t4 = np.exp(-a * b * (1 - rho)) * _erfcx((a + b) / _ROOT2) / 2 - integral
    return _Terms(a, b, rho, relu, signs, t4, (g_a, g_b), (_erfcx(a / _ROOT2), _erfcx(b / _ROOT2)),
                  (_erfcx(a * s / _ROOT2), _erfcx(b * s / _ROOT2)))


def _integrals(a: np.ndarray, b: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_integral` on the points grouped by their :func:`nodes`, :data:`CHUNK` at a time."""
    out = np.empty((3, rho.size))
    count, same = nodes(a, b), np.array_equal(a, b)
    for n in np.unique(count):
        where = np.flatnonzero(count == n)
        for start in range(0, where.size, CHUNK):
            part = where[start:start + CHUNK]
            out[:, part] = _integral(a[part], b[part], rho[part], int(n), same)
    return out[0], out[1], out[2]


def nodes(a, b) -> np.ndarray:
    """Gauss–Legendre nodes for norms a, b: 12 + ⌈4 max(a, b)⌉ (the integrand's layers have widths
    ~ 1/a, 1/b, 1/(ab sin ϑ); measured: the error falls ~75-fold per two nodes)."""
    return 12 + np.ceil(4 * np.maximum(a, b)).astype(int)


def _integral(a, b, rho, n: int, same: bool) -> np.ndarray:
    """(G(a), G(b), (2π)⁻¹∫₀^{ϑ₀} e^{−ab(cos ϑ − ρ)}(1 − √π(w_a erfcx(w_a) + w_b erfcx(w_b))) dϑ) by
    the n-node Gauss–Legendre rule, G(a) = (2π)⁻¹ϑ₀(1 − √π Σ weight·w_a erfcx(w_a)); ``same``: a = b,
    one erfcx. sin ϑ and 1 − cos ϑ come from tan(ϑ/2) (one SIMD tangent, not a sine and a cosine)."""
    fraction, weight = _rule(n)
    top = np.arccos(rho)
    half = np.tan(np.multiply.outer(top / 2, fraction))           # tan(ϑ/2) on (points, nodes)
    sine = 2 * half / (1 + half * half)
    versine = half * sine                                          # 1 − cos ϑ
    decay = np.exp((a * b)[:, None] * (versine - (1 - rho)[:, None]))
    tail_a = _tail(a, sine)
    tails = 2 * tail_a if same else tail_a + _tail(b, sine)
    mean_a = tail_a @ weight
    mean_b = mean_a if same else (tails @ weight) - mean_a
    scale, root = top / (2 * np.pi), math.sqrt(math.pi)
    return np.stack([(1 - root * mean_a) * scale, (1 - root * mean_b) * scale,
                     (decay @ weight - root * ((decay * tails) @ weight)) * scale])


def _tail(a: np.ndarray, sine: np.ndarray) -> np.ndarray:
    """w erfcx(w) at w = a sin ϑ/√2 on the (points, nodes) grid."""
    w = (a / _ROOT2)[:, None] * sine
    return w * _erfcx(w)


@functools.cache
def _rule(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-node Gauss–Legendre rule on [0, 1], from python-flint's balls rounded to float64
    (numpy's ``leggauss`` weights err by 4e-12 relative at 76 nodes, 1e-11 at 140)."""
    from flint import arb, ctx

    saved, ctx.prec = ctx.prec, 128
    try:
        rule = [arb.legendre_p_root(n, k, weight=True) for k in range(n)]
        return (np.array([float(((1 + x) / 2).mid()) for x, _ in rule]),
                np.array([float((w / 2).mid()) for _, w in rule]))
    finally:
        ctx.prec = saved


def _erfcx(x: np.ndarray) -> np.ndarray:
    from scipy.special import erfcx

    return erfcx(x)
