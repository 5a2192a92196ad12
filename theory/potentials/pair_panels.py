"""Φ(‖θ‖, ‖w‖, θᵀw) of a smooth activation in float64 at any norm up to :data:`LARGEST`: graded panels.

For (X, V) standard normal with correlation ρ, V = ρX + rY (r = √(1 − ρ²), Y independent), every
quantity the dynamics needs is a Gaussian pair mean

.. math::

    M[f, g, p] = \\mathbb{E}[f(aX)\\, g(bV)\\, p(X, V)]
               = \\int φ(x) f(ax) \\int φ(y)\\, g\\big(b(ρx + ry)\\big)\\, p(x, ρx + ry)\\, dy\\, dx,

with f, g among σ, σ′, σ″ (lambdified from SymPy): Φ = M[σ, σ, 1] and, differentiating under the
integral and by Price's theorem (∂Φ/∂ρ = ab E[σ′(aX)σ′(bV)] at fixed a, b),

.. math::

    Φ_a = M[σ', σ, X],\\quad Φ_b = M[σ, σ', V],\\quad Φ_ρ = ab\\,M[σ', σ', 1],\\quad
    Φ_{aa} = M[σ'', σ, X^2],\\quad Φ_{ab} = M[σ', σ', XV],

    Φ_{aρ} = b\\,M[σ', σ', 1] + ab\\,M[σ'', σ', X],\\quad Φ_{ρρ} = a^2b^2 M[σ'', σ'', 1],

and a ↔ b for Φ_bb, Φ_bρ. **Why panels**: σ(aX) has poles at X = iπ/(2a) (tanh), so its Hermite
coefficients decay like e^{−c√k/a} and the Mehler series of :mod:`~theory.potentials.hermite_norms`
needs thousands of terms beyond a ≈ 2.5; but σ(aX) is smooth at the scale δ = min(1, 1/a), and a
Gauss–Legendre panel of half-width h whose nearest singularity is at distance ≥ 1.5h from it
converges like (3.4)^{−2n}. So each line integral is cut to [−:data:`REACH`, :data:`REACH`] (the
Gaussian tail, times σ's at most linear growth and the weights' X², is below 1e-20), covered by
panels of width 2, and graded geometrically at its transition: the points x₀ ± δ·2^j (j < :data:`GRADES`)
join the grid, so a panel's distance to x₀ is at least its width. The outer transition is x₀ = 0 with
δ = min(1, 1/a, 1/b) (the inner mean is a smoothing of g(bρx)); the inner one is y₀ = −ρx/r with
δ = min(1, 1/(br)) (clipped to the reach: beyond it g is smooth over the panels). ρ = ±1 needs no case
of its own: r = 0 makes g independent of y and the inner rule integrates φ to 1 − 1e-23. Every
point has the same number of nodes, so chunks of points are whole-array NumPy.

**What is proven and what is validated**: the panels' convergence rate is a theorem for σ analytic
within π/2·δ of the line (tanh; sigmoid, softplus, swish, mish and GELU are analytic farther out
in their own variable), but its constant is not bounded here. The error bound
:data:`RELATIVE_BOUND` · √(s(a)s(b)), s(a) = E[σ(aX)²], is *validated*, not proven: it is a safety
factor of 40 over the largest error measured, 2.4e-16 (tanh, softplus) against 25-digit mpmath
quadratures confirmed at 20 digits, at norms 0.05 to 32 (one large and one small included) and
ρ = ±1, ±(1 − 1e-10), 0, and 1.1e-16 against nested 25-digit quadratures at ρ = 0.5, 0.3
(tests/potentials/test_pair_panels.py). The derivatives are measured the same way, not bounded (as for
the table): within 6e-16 of √(s(a)s(b)) times (1 + a + b) per derivative in a or b and (1 + ab) per
derivative in ρ, but for Φ_ab at the norms 0.05 (4e-14 of that small scale: one ulp of Φ_ab ≈ 1).

>>> import sympy as sp
>>> from theory.core.symbols import t
>>> f = PairPanels(sp.tanh(t))
>>> print(f"{float(f(1.0, 1.0, 0.5)):.14f}")
0.18632441320345
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp

from ..core.errors import InputError
from ..core.numeric import numpy_function
from ..core.symbols import t
from .activations import Parity
from .hermite_norms import NORMS, Float64Ridge, check_inner_products, float64_ridge

LARGEST = 32.0          # the largest norm accepted (δ ≥ 1/32 keeps the grading of GRADES enough)
REACH = 10.0            # each line integral on [−REACH, REACH]: φ(10) ≈ 8e-23
WIDTH = 2.0             # the grid's panels
GRADES = 7              # x₀ ± δ·2^j, j < GRADES: δ·2^{GRADES−1} ≥ 2 = WIDTH for δ ≥ 1/32
NODES = 16              # Gauss–Legendre nodes per panel
RELATIVE_BOUND = 1e-14  # validated: |Φ̃ − Φ| ≤ RELATIVE_BOUND √(s(a)s(b)) (measured at most 2.4e-16)
CHUNK = 4               # points per pass: (CHUNK, 384, 384) arrays of nodes
_GL = np.polynomial.legendre.leggauss(NODES)
_GRID = np.arange(-REACH, REACH + WIDTH / 2, WIDTH)
_STEPS = 2.0 ** np.arange(GRADES)
_ROOT2PI = np.sqrt(2 * np.pi)
#: (key of the jet, f's order, g's order, power of X, power of V, factor: "ab", "a²b²", "b", "a" or "")
_MOMENTS = {(): [(0, 0, 0, 0, "")], (0,): [(1, 0, 1, 0, "")], (1,): [(0, 1, 0, 1, "")],
            (2,): [(1, 1, 0, 0, "ab")], (0, 0): [(2, 0, 2, 0, "")], (1, 1): [(0, 2, 0, 2, "")],
            (0, 1): [(1, 1, 1, 1, "")], (0, 2): [(1, 1, 0, 0, "b"), (2, 1, 1, 0, "ab")],
            (1, 2): [(1, 1, 0, 0, "a"), (1, 2, 0, 1, "ab")], (2, 2): [(2, 2, 0, 0, "a²b²")]}


def routes(sigma: sp.Expr, kinks: tuple, parity: Parity | None, *,
           norms: tuple = NORMS) -> Float64RidgeRoutes:
    """The float64 evaluator of Φ(‖θ‖, ‖w‖, θᵀw) for norms in [0, :data:`LARGEST`]: the table of
    :func:`~theory.potentials.hermite_norms.float64_ridge` on ``norms``, panels elsewhere."""
    return Float64RidgeRoutes(float64_ridge(sigma, kinks, parity, norms=norms), _panels(sigma))


@functools.lru_cache(maxsize=32)
def _panels(sigma: sp.Expr) -> PairPanels:
    return PairPanels(sigma)


class PairPanels:
    """Φ(a, b, c) and its derivatives in (a, b, ρ) on float64 arrays (broadcast) for 0 ≤ a, b ≤ LARGEST,
    by graded Gauss–Legendre panels (see the module docstring), with the validated :meth:`bound`."""

    def __init__(self, sigma: sp.Expr):
        self.sigma = sigma
        self._orders = tuple(numpy_function(sp.diff(sigma, t, j), (t,)) for j in range(3))

    def __call__(self, a, b, c) -> np.ndarray:
        return self._jet(a, b, c, ((),))[()]

    def derivatives(self, a, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(Φ, ∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ) at ρ = c/(ab), a, b > 0 (measured, not bounded)."""
        jet = self._jet(a, b, c, ((), (0,), (1,), (2,)), nonzero=True)
        return jet[()], jet[(0,)], jet[(1,)], jet[(2,)]

    def second_derivatives(self, a, b, c) -> dict[tuple, np.ndarray]:
        """Φ and its derivatives of orders 1 and 2 in (a, b, ρ) (measured, not bounded), keyed as the
        table's :meth:`~theory.potentials.hermite_norms.Float64Ridge.second_derivatives`."""
        return self._jet(a, b, c, tuple(_MOMENTS), nonzero=True)

    def bound(self, a, b) -> np.ndarray:
        """The validated bound :data:`RELATIVE_BOUND` · √(s(a)s(b)), s(a) = E[σ(aX)²] by the outer rule."""
        a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b)))
        return RELATIVE_BOUND * np.sqrt(self.second_moment(a) * self.second_moment(b))

    def second_moment(self, norms) -> np.ndarray:
        """s(a) = E[σ(aX)²] (panels graded at 0 with δ = min(1, 1/a))."""
        norms = np.asarray(norms, dtype=float)
        flat = norms.ravel()
        x, w = _rule(np.zeros_like(flat), _spread(flat))
        return ((self._orders[0](flat[:, None] * x) ** 2) * w).sum(axis=1).reshape(norms.shape)

    def _jet(self, a, b, c, keys: tuple, *, nonzero: bool = False) -> dict[tuple, np.ndarray]:
        a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
        shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
        a, b, c = (np.broadcast_to(v, shape).ravel() for v in (a, b, c))
        check(a, b, c, LARGEST)
        if nonzero and ((a == 0).any() or (b == 0).any()):
            raise InputError("∂Φ/∂‖θ‖ is not provided at a zero norm")
        product = a * b
        rho = np.clip(np.divide(c, product, out=np.zeros_like(c), where=product > 0), -1.0, 1.0)
        out = {key: np.empty(a.size) for key in keys}
        for start in range(0, a.size, CHUNK):
            part = slice(start, start + CHUNK)
            for key, value in self._chunk(a[part], b[part], rho[part], keys).items():
                out[key][part] = value
        return {key: v.reshape(shape) for key, v in out.items()}

    def _chunk(self, a, b, rho, keys: tuple) -> dict[tuple, np.ndarray]:
        """The jet's entries at a few points: the inner sums Σ_y w g(bV) V^m, then the outer ones."""
        terms = {term for key in keys for term in _MOMENTS[key]}
        r = np.sqrt((1 - rho) * (1 + rho))
        x, wx = _rule(np.zeros_like(a), np.minimum(_spread(a), _spread(b)))          # (points, n)
        centre = np.clip(-rho[:, None] * x / np.where(r > 0, r, 1.0)[:, None], -REACH, REACH)
        centre = np.where(r[:, None] > 0, centre, 0.0)
        y, wy = _rule(centre, np.repeat(_spread(b * r), x.shape[1]).reshape(x.shape))  # (points, n, n)
        v = rho[:, None, None] * x[:, :, None] + r[:, None, None] * y
        g = {j: self._orders[j](b[:, None, None] * v) * wy for j in {term[1] for term in terms}}
        inner = {(j, m): (g[j] * v ** m).sum(axis=2) if m else g[j].sum(axis=2) for _, j, _, m, _ in terms}
        f = {i: self._orders[i](a[:, None] * x) * wx for i in {term[0] for term in terms}}
        factors = {"": 1.0, "ab": a * b, "a²b²": (a * b) ** 2, "a": a, "b": b}
        return {key: sum(factors[factor] * (f[i] * x ** p * inner[j, m]).sum(axis=1)
                         for i, j, p, m, factor in _MOMENTS[key]) for key in keys}


def _spread(norms: np.ndarray) -> np.ndarray:
    """δ = min(1, 1/a): the scale at which σ(a·) is smooth (1 at a = 0)."""
    return 1 / np.maximum(norms, 1.0)


def _rule(centre: np.ndarray, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights·φ(node) on [−REACH, REACH] of the grid's panels joined by centre ± spread·2^j
    (same shapes, each entry its own rule along a new last axis; clipped points give empty panels)."""
    graded = centre[..., None] + np.concatenate([-_STEPS, _STEPS]) * spread[..., None]
    edges = np.sort(np.concatenate([np.broadcast_to(_GRID, (*centre.shape, _GRID.size)),
                                    np.clip(graded, -REACH, REACH)], axis=-1), axis=-1)
    middle, half = (edges[..., 1:] + edges[..., :-1]) / 2, (edges[..., 1:] - edges[..., :-1]) / 2
    nodes = (middle[..., None] + half[..., None] * _GL[0]).reshape(*centre.shape, -1)
    weights = (half[..., None] * _GL[1]).reshape(nodes.shape) * np.exp(-nodes * nodes / 2) / _ROOT2PI
    return nodes, weights


def check(a: np.ndarray, b: np.ndarray, c: np.ndarray, largest: float) -> None:
    """InputError unless 0 ≤ a, b ≤ largest, c finite and ``|c| ≤ ab`` (Cauchy–Schwarz, to rounding)."""
    for name, v in (("‖θ‖", a), ("‖w‖", b)):
        bad = ~((v >= 0) & (v <= largest))
        if bad.any():
            raise InputError(f"{name} = {v[bad].flat[0]} is outside the float64 evaluator's norms "
                             f"[0, {largest}]")
    check_inner_products(a, b, c)


class Float64RidgeRoutes:
    """The table (:class:`~theory.potentials.hermite_norms.Float64Ridge`) where both norms are in
    {0} ∪ [a₀, a₁], :class:`PairPanels` at the other points (norms up to :data:`LARGEST`), one
    interface: ``__call__``, ``derivatives``, ``second_derivatives``, ``bound``. Calls whose points all
    lie in the table's interval are the table's own calls (the same numbers, the same speed)."""

    def __init__(self, table: Float64Ridge, panels: PairPanels):
        self.table, self.panels = table, panels
        self.norms = (0.0, LARGEST)

    def __call__(self, a, b, c) -> np.ndarray:
        return self._routed("__call__", a, b, c, ((),))[()]

    def derivatives(self, a, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        jet = self._routed("derivatives", a, b, c, ((), (0,), (1,), (2,)))
        return jet[()], jet[(0,)], jet[(1,)], jet[(2,)]

    def second_derivatives(self, a, b, c) -> dict[tuple, np.ndarray]:
        return self._routed("second_derivatives", a, b, c, tuple(_MOMENTS))

    def bound(self, a, b) -> np.ndarray:
        a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b)))
        inside = self._inside(a, b)
        out = np.empty(a.shape)
        out[inside] = self.table.bound(a[inside], b[inside])
        out[~inside] = self.panels.bound(a[~inside], b[~inside])
        return out

    def _inside(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        low, high = self.table.norms
        return functools.reduce(np.logical_and, [(v == 0) | ((v >= low) & (v <= high)) for v in (a, b)])

    def _routed(self, method: str, a, b, c, keys: tuple) -> dict[tuple, np.ndarray]:
        a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
        inside = self._inside(a, b)
        if inside.all():
            return _as_jet(getattr(self.table, method)(a, b, c), keys)
        shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
        a, b, c, inside = (np.broadcast_to(v, shape) for v in (a, b, c, inside))
        out = {key: np.empty(shape) for key in keys}
        for route, where in ((self.table, inside), (self.panels, ~inside)):
            if where.any():
                part = _as_jet(getattr(route, method)(a[where], b[where], c[where]), keys)
                for key in keys:
                    out[key][where] = part[key]
        return out


def _as_jet(result, keys: tuple) -> dict[tuple, np.ndarray]:
    """A value, a (Φ, Φ_a, Φ_b, Φ_ρ) tuple or a jet dictionary, as a dictionary over ``keys``."""
    if isinstance(result, dict):
        return result
    return dict(zip(keys, result if isinstance(result, tuple) else (result,), strict=True))
