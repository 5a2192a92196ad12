"""The biased Φ of a smooth activation in float64: Mehler's series in each node's own coordinate.

For nodes (θ, β) and (w, γ) with a = ‖θ‖, b = ‖w‖ and ρ = θ̂ᵀŵ, write u = θᵀx + β = aX + β and
v = wᵀx + γ = bY + γ, where X, Y are standard normals with correlation ρ. Mehler's formula gives,
for any f, g of finite Gaussian variance,

.. math::

    \\mathbb{E}[f(u)\\,g(v)] = \\sum_{k \\ge 0} f_k(a, \\beta)\\, g_k(b, \\gamma)\\, \\rho^k, \\qquad
    f_k(a, \\beta) = \\mathbb{E}[f(aX + \\beta)\\, h_k(X)],

with h_k = He_k/√k! the orthonormal Hermite polynomials. With f, g among σ, …, σ⁗ this gives Φ
and, by Stein's lemma, the moments of its gradient, ∇_θΦ = E[σ″(u)σ(v)]θ + E[σ′(u)σ′(v)]w and
∂Φ/∂β = E[σ′(u)σ(v)], and of its Hessian (up to E[σ⁗(u)σ(v)]:
:meth:`theory.dynamics.biased_loss.BiasedLoss.hessian`).

**The coefficients** of every node are one matrix product: the values of f at the nodes x_i of a
composite Gauss–Legendre rule on [−:data:`REACH`, :data:`REACH`] (:data:`PANELS` panels of
:data:`PER_PANEL` nodes) times the matrix w_i φ(x_i) h_k(x_i), k < :data:`TERMS`. The h_k come from
their three-term recurrence damped by √φ (the orthonormal Hermite functions, bounded by 1), so
nothing overflows.

**The truncation** is bounded by Cauchy–Schwarz and Parseval:
``|Σ_{k≥N} f_k g_k ρ^k| ≤ |ρ|^N √(r_N(f) r_N(g))``, r_N(f) = E[f²] − Σ_{k<N} f_k², with E[f²] from
the same rule. A pair whose bound exceeds :data:`TOLERANCE` (relative to √(E[f²]E[g²]); for the
moments of the gradient :data:`SLOPE_TOLERANCE`, of the Hessian :data:`HESSIAN_TOLERANCE`) raises
:class:`~theory.core.errors.PrecisionError` naming the pair's norms. This is numeric evidence, not a
proof: the rule itself is not certified, and the tests measure its error against the 20-digit values of
:class:`~theory.potentials.biased.BiasedPotential`. The series converges fast while σ(a·) is
analytic in a wide strip: for tanh-like σ, whose poles are at distance about π/(2a), the norms
should be at most about 3, unless ``|ρ|`` is far from 1. At ρ = ±1 exactly (self pairs, parallel
nodes) the rule gives the mean directly, at any norm.

>>> import sympy as sp
>>> from theory.core.symbols import t
>>> series = smooth_series(sp.tanh(t))
>>> f = series.coefficients([1.0], [0.5], order=0)[0]
>>> print(f"{float(series.moment(f, f, [[1.0]])[0, 0]):.14f}")   # E[tanh(X + 1/2)²]
0.43800705253651
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
import sympy as sp

from ..core.errors import PrecisionError
from ..core.numeric import numpy_function, one_blas_thread
from ..core.symbols import t

TERMS = 1024        # terms of every series
REACH = 14.0        # the rule covers |x| ≤ REACH: √φ(14) ≈ 2e-22
PANELS = 56         # Gauss–Legendre panels of width 1/2 ...
PER_PANEL = 32      # ... of this many nodes (h_{TERMS} oscillates about √(4·TERMS) times a unit)
TOLERANCE = 1e-14   # largest accepted truncation bound of Φ, relative to √(E[f²]E[g²])
SLOPE_TOLERANCE = 1e-12  # the same for the moments of the gradient (σ″ converges the slowest of theirs)
#: the same for the Hessian's moments (σ‴, σ⁗ converge slower still): for tanh at norms 3 near ρ = 1 the
#: bound of E[σ″σ″] is 1.7e-10 (of the gradient's E[σ″σ] 6e-13), so the Hessian exists where the gradient does
HESSIAN_TOLERANCE = 1e-9
ORDER = 4           # σ, …, σ⁗: the Hessian's moments by Stein's lemma
NEGLIGIBLE = 1e-16  # coefficients below this (relative to √E[f²]) are dropped, into the bound
STAGES = (256, 512, TERMS)  # terms computed while the last two are not negligible
BLOCK = 2 ** 21     # pairs × terms of powers at a time (bounds the memory)


@dataclass(frozen=True)
class Coefficients:
    """f_k(a_p, β_p) of one function f at n nodes: ``values`` (n, K), K one of :data:`STAGES`,
    ``second`` E[f²] (n,), ``remainder`` r_K = E[f²] − Σ_{k<K} f_k² (n,), floored at 0,
    ``nodal`` f(a_p x_i + β_p) at the rule's nodes x_i (n, nodes) and the ``norms`` a_p (n,)."""

    values: np.ndarray
    second: np.ndarray
    remainder: np.ndarray
    nodal: np.ndarray
    norms: np.ndarray

    def head(self, n: int) -> Coefficients:
        """The first n nodes."""
        return Coefficients(*(part[:n] for part in (self.values, self.second, self.remainder, self.nodal,
                                                     self.norms)))

    def needed(self) -> int:
        """The least N with ``|f_k|`` ≤ :data:`NEGLIGIBLE`·√E[f²] for k ≥ N at every node (the rest is
        at the rule's rounding and is kept in :meth:`tail`)."""
        large = np.abs(self.values) > NEGLIGIBLE * np.sqrt(self.second)[:, None]
        return int(np.flatnonzero(large.any(axis=0))[-1]) + 1 if large.any() else 1

    def tail(self, n: int) -> np.ndarray:
        """r_n = E[f²] − Σ_{k<n} f_k² (n,), as the sum of the dropped squares and the remainder."""
        return (self.values[:, n:] ** 2).sum(axis=1) + self.remainder


class SmoothSeries:
    """The float64 Mehler coefficients of σ, …, σ^{(:data:`ORDER`)} (σ a SymPy expression in t, without
    kinks)."""

    def __init__(self, sigma: sp.Expr):
        self.derivatives = tuple(numpy_function(sp.diff(sigma, t, j), (t,)) for j in range(ORDER + 1))
        self.nodes, self.weights, self.basis = _rule()

    def coefficients(self, norms, biases, order: int = 2) -> tuple[Coefficients, ...]:
        """The coefficients of σ, …, σ^{(order)} at nodes of norms a_p and biases β_p (one matrix
        product per stage for all of them: the basis is read from memory once)."""
        norms = np.asarray(norms, dtype=float)
        u = np.multiply.outer(norms, self.nodes)
        u += np.asarray(biases, dtype=float)[:, None]
        values = np.vstack([np.broadcast_to(f(u), u.shape) for f in self.derivatives[:order + 1]])
        second = values**2 @ self.weights
        negligible = NEGLIGIBLE * np.sqrt(second)[:, None]
        with one_blas_thread():
            c = values @ self.basis[:, :STAGES[0]]
            for start, stop in itertools.pairwise(STAGES):
                if (np.abs(c[:, -2:]) <= negligible).all():
                    break
                c = np.hstack([c, values @ self.basis[:, start:stop]])
        remainder = np.maximum(second - (c**2).sum(axis=1), 0.0)
        parts = (np.split(v, order + 1) for v in (c, second, remainder, values))
        return tuple(Coefficients(*part, norms) for part in zip(*parts, strict=True))

    def moment(self, f: Coefficients, g: Coefficients, rho, tolerance: float = TOLERANCE) -> np.ndarray:
        """E[f(u_p) g(v_q)] = Σ_{k<N} f_k(p) g_k(q) ρ_pq^k for every pair (p, q), an (n, m) array
        (the powers by repeated products); N is the larger of the two sides'
        :meth:`Coefficients.needed`, at most the terms both sides have (the rest is in their tails).
        Where ρ = ±1 (self pairs, parallel nodes), v = ±bX + γ and the rule gives the mean directly,
        Σ_i w_i φ(x_i) f(a x_i + β) g(±b x_i + γ), at every norm (the series is slowest there)."""
        rho = np.asarray(rho, dtype=float)
        n = min(max(f.needed(), g.needed()), f.values.shape[1], g.values.shape[1])
        parallel = np.abs(rho) == 1
        bound = np.where(parallel, 0.0, np.abs(rho) ** n * np.sqrt(np.multiply.outer(f.tail(n), g.tail(n))))
        scale = np.sqrt(np.multiply.outer(f.second, g.second))
        beyond = bound > tolerance * scale
        if beyond.any():
            p, q = (int(i) for i in np.argwhere(beyond)[0])
            raise PrecisionError(f"the float64 Mehler series of the biased potential does not converge "
                                 f"within {TERMS} terms for pair ({p}, {q}) (norms {f.norms[p]:.4g} and "
                                 f"{g.norms[q]:.4g}, ρ = {rho[p, q]:.6g}, truncation bound "
                                 f"{bound[p, q] / scale[p, q]:.1e} > {tolerance:.0e} relative): the norms "
                                 "are too large for it so near ρ = ±1; use dps=N")
        total = np.empty(rho.shape)
        rows = max(1, BLOCK // (n * max(1, rho.shape[1])))
        for start in range(0, len(rho), rows):
            block = slice(start, start + rows)
            powers = np.ones((*rho[block].shape, n))
            powers[..., 1:] = rho[block, :, None]
            np.cumprod(powers, axis=-1, out=powers)
            total[block] = np.einsum("pk,qk,pqk->pq", f.values[block, :n], g.values[:, :n], powers)
        for p, q in zip(*np.nonzero(parallel), strict=True):    # the nodes are symmetric: −x_i reversed
            other = g.nodal[q] if rho[p, q] > 0 else g.nodal[q, ::-1]
            total[p, q] = self.weights @ (f.nodal[p] * other)
        return total

    def ridge_moments(self, nodal: np.ndarray) -> np.ndarray:
        """E[g(aX + β) Xʲ], j = 0, 1, 2, from g(a x_i + β) at the rule's nodes (n, nodes): an (n, 3) array."""
        return nodal @ (self.weights[:, None] * self.nodes[:, None] ** np.arange(3))


@functools.lru_cache(maxsize=32)
def smooth_series(sigma: sp.Expr) -> SmoothSeries:
    """The :class:`SmoothSeries` of σ (built once per expression)."""
    return SmoothSeries(sigma)


@functools.cache
def _rule() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nodes x_i, weights w_i φ(x_i) and the matrix w_i φ(x_i) h_k(x_i) (nodes × TERMS)."""
    standard, standard_weights = np.polynomial.legendre.leggauss(PER_PANEL)
    edges = np.linspace(-REACH, REACH, PANELS + 1)
    half, middle = np.diff(edges)[:, None] / 2, (edges[1:] + edges[:-1])[:, None] / 2
    x, w = (middle + half * standard).ravel(), (half * standard_weights).ravel()
    root = np.exp(-x * x / 4) / (2 * np.pi) ** 0.25          # √φ(x)
    psi = np.empty((TERMS, len(x)))                        # ψ_k = h_k √φ
    psi[0], psi[1] = root, x * root
    for k in range(1, TERMS - 1):
        psi[k + 1] = (x * psi[k] - np.sqrt(k) * psi[k - 1]) / np.sqrt(k + 1)
    return x, w * root * root, np.ascontiguousarray((psi * (w * root)).T)
