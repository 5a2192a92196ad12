"""Φ(‖θ‖, ‖w‖, θᵀw) of a smooth activation in float64, for norms in a stated interval.

The Mehler–Hermite series of :mod:`theory.potentials.hermite_series`,

.. math::

    \\Phi(a, b, c) = \\sum_{k<N} c_k(a)\\, c_k(b)\\, \\rho^k + \\text{tail}, \\qquad \\rho = \\frac{c}{ab},

with each coefficient c_k(a) = E[σ(aX)h_k(X)] interpolated in u = log a by a Chebyshev
series of degree M on [log a₀, log a₁], built once from the high-precision rule of
:func:`~theory.potentials.hermite_series.coefficients` at the M Chebyshev nodes and stored in
double-double (``high + low``, so its rounding is ~1e-32, not ~1e-16). For speed the
evaluator does not sum that global series: it re-expands it on :data:`PIECES` equal pieces of
[log a₀, log a₁] in ball arithmetic (python-flint ``arb``, 128 bits) and keeps p ≪ M terms per
piece, so a point costs about 2pN + N operations (its piece's two short series and Horner's
rule) instead of 2MN. Points are grouped by the band of ``|ρ|`` (its number of terms N) and by
the piece of ‖θ‖, so each group is one matrix product.

**The error bound** is relative to the Cauchy–Schwarz scale √(s(a)s(b)), s(a) = E[σ(aX)²]
(``|Φ| ≤ √(s(a)s(b))``), so it is an absolute bound for bounded σ (s ≤ 1) and a relative one
for growing σ. It is ``ε₀ + ε(a) + ε(b)``: ε₀ common to all points, ε(a) what the piece of the norm a
adds on its side (an error e in d(a) moves Σ_k d_k(a)d_k(b)ρ^k by at most ‖e‖₂, as ‖d(b)‖₂ ≤ 1). It adds

* the tail ``|ρ|^N √(r_N(a) r_N(b))`` (Cauchy–Schwarz and Parseval, proven given the c_k),
  with N per band of ``|ρ|`` the least whose weighted tail ``band^N max r_N/s`` is ≤ :data:`TAIL`,
  ``r_N/s`` taken at its largest over the nodes and the check points (*validated*: sampled, not
  proven between samples), the largest of these tails over the bands entering ε₀;
* the coefficient error ``2 max ‖c̃(a) − c(a)‖₂/√s(a)`` of the global series, measured at 2M + 1
  check points, of which the ends ``a₀, a₁``, against a second, independent rule (grid shifted
  by half a piece, 8 more digits) and multiplied by :data:`SAFETY` (*validated*);
* the pieces: the dropped terms ``Σ_{j≥p} |B_j|`` of each piece's re-expansion (``|T_j| ≤ 1``)
  and the rounding of the kept ones to float64, both from the balls (*proven*: the global series
  is a polynomial, its re-expansion on a piece exact up to the balls' radii);
* float64 rounding of the piece series (the recurrence for T_j, the local coordinate, the
  matrix product), of the products and of Horner's rule, ``Σ_k γ_{2k+2} |c_k(a)c_k(b)|``,
  and of ρ = c/(ab), ``2u Σ_k k|c_k(a)c_k(b)|``, the last two bounded by Cauchy–Schwarz with
  D = ``Σ_k (k+1) c_k²/s`` at its sampled largest on each piece, ``4.02u√(D(a)D(b)) ≤ 2.01u(D(a) + D(b))``
  (*a-priori*, given that sample; ``log`` and ``exp`` of NumPy taken within 2 ulps).

So: the series, its tail inequality, the re-expansion and the rounding analysis are proofs; the
quadrature coefficients, the global interpolation error and the suprema over a are numeric
evidence. The tests check the bound against mpmath quadrature at two precisions on random and
exact triples.

>>> import sympy as sp
>>> from theory.potentials.activations import Parity
>>> from theory.core.symbols import t
>>> f = float64_ridge(sp.tanh(t), (), Parity.ODD, norms=(0.5, 1.0))
>>> f.error_bound < 1e-14
True
>>> print(f"{float(f(1.0, 1.0, 0.5)):.15f}")
0.186324413203448
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable

import mpmath
import numpy as np
import sympy as sp

from ..core import cache
from ..core.errors import InputError, PrecisionError
from ..core.numeric import one_blas_thread
from ..core.symbols import t
from .activations import Parity
from .hermite_series import BLOCKS, MAX_TERMS, SlowConvergence, coefficients

NORMS = (0.25, 2.0)       # default interval of ‖θ‖, ‖w‖ (zero norms are also accepted)
TAIL = 2.5e-16            # target of each band's weighted tail, relative to √(s(a)s(b))
SAFETY = 4                # factor on the coefficient error measured at the check points
BANDS = (0.25, 0.5, 0.75, 0.9, 0.97, 0.99, 1.0)  # |ρ| ≤ band: its own number of terms
DIGITS = 20               # digits of the coefficients at the nodes (the check points get 8 more)
PIECES = 16               # equal pieces of [log a₀, log a₁], each with its own short series
DROPPED = 1e-17           # target of a piece's dropped terms ‖Σ_{j≥p} B_j‖₂ (relative)
WIDEN = 1e-12             # each piece is widened by this much (relative): rounding never leaves it
PRECISION = 128           # bits of the balls of the re-expansion
CHUNK = 2 ** 18           # points per pass (bounds the memory)
BLOCK = 2 ** 18           # coefficients (terms × points) per matrix product
_UNIT = 2.0 ** -53
FIELDS = {"norms", "parity", "chebyshev", "chebyshev_low", "log_root", "log_root_low", "kept", "band_terms",
          "at_zero", "dirichlet", "parts"}
PIECE_FIELDS = {"start", "width", "centres", "halves", "series", "sides", "roots"}


class Float64Ridge:
    """Φ(a, b, c) on arrays (broadcast) for a, b ∈ {0} ∪ [a₀, a₁], with :meth:`bound`.

    Stored: for each piece of [log a₀, log a₁], a Chebyshev series in its local coordinate of
    d_k(a) = c_k(a)/√s(a) (``|d_k| ≤ 1``) and of log √s(a), and Φ = √(s(a)s(b)) Σ_k d_k(a)d_k(b)ρ^k,
    so the error is uniform relative to that scale.

    Attributes
    ----------
    norms : (float, float)
        The interval [a₀, a₁] of the norms.
    relative_bound : float
        ε with ``|Φ̃ − Φ| ≤ ε √(s(a)s(b))`` everywhere: ε₀ + 2 max ε(a) (see the module docstring for
        what is proven; :meth:`bound` gives the sharper ``(ε₀ + ε(a) + ε(b)) √(s(a)s(b))``).
    error_bound : float
        The largest of :meth:`bound` over pairs of pieces (√s at its largest on each): an absolute
        bound on the whole domain.
    parts : dict
        What the bound adds, each at its largest (relative).
    terms : int
        Coefficients kept at ``|ρ| = 1``.
    degree : int
        Terms p of each piece's series.
    chebyshev, log_root : numpy.ndarray
        The global series the pieces re-expand: (M, kept) coefficients of d_k and (M,) of log √s
        in x = (log a − m)/h, [m − h, m + h] = [log a₀, log a₁], their high parts (the benchmark
        sums them directly).
    """

    def __init__(self, table: dict, pieces: dict):
        self.norms = tuple(table["norms"])
        self.parity = None if table["parity"] is None else Parity(table["parity"])
        self.kept = np.array(table["kept"])                    # the k of each kept column
        self.band_terms = tuple(table["band_terms"])           # kept columns used in each band
        self.at_zero = float(table["at_zero"])                 # σ(0)
        self._common = float(sum(table["parts"].values()))     # tail, interpolation, 4u of the scale product
        sides = {name: np.array(v) for name, v in pieces["sides"].items()}   # each piece, on its side
        self._sides = sum(sides.values())
        self.parts = dict(table["parts"])                      # what the bound adds at its largest (relative)
        for name, v in sides.items():
            self.parts[name] = self.parts.get(name, 0.0) + 2 * float(v.max())
        self.relative_bound = self._common + 2 * float(self._sides.max())
        roots = np.array(pieces["roots"])                      # the largest √s on each piece
        self.error_bound = float(np.max((self._common + self._sides[:, None] + self._sides[None, :])
                                        * np.outer(roots, roots)))
        self.terms = int(self.kept[self.band_terms[-1] - 1]) + 1
        self.chebyshev, self.log_root = np.array(table["chebyshev"]), np.array(table["log_root"])
        self._start, self._width = float(pieces["start"]), float(pieces["width"])
        self._centres, self._halves = np.array(pieces["centres"]), np.array(pieces["halves"])
        series = np.array(pieces["series"])                    # (piece, degree, kept + 1): last is log √s
        self.degree = series.shape[1]
        self._head = np.ascontiguousarray(series[:, 0, :-1])   # (piece, kept): the constant terms
        self._tail = np.ascontiguousarray(series[:, 1:, :-1].transpose(0, 2, 1))   # (piece, kept, p − 1)
        self._log_root = np.ascontiguousarray(series[:, :, -1])                     # (piece, p)
        slopes = [np.polynomial.chebyshev.chebder(series, m, axis=1) for m in (1, 2)]   # d/dy, d²/dy²
        self._slopes = [np.ascontiguousarray(v.transpose(0, 2, 1)) for v in slopes]   # (piece, kept+1, p−m)

    # ------------------------------------------------------------------ evaluation
    def __call__(self, a, b, c) -> np.ndarray:
        a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
        shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
        self._check(a, b, c)
        flat = [np.broadcast_to(v, shape).ravel() for v in (a, b, c)]
        sources = [self._own_table(v, flat[0].size) for v in (a, b)]
        index = [None if s is None else np.broadcast_to(np.arange(v.size).reshape(v.shape), shape).ravel()
                 for s, v in zip(sources, (a, b), strict=True)]
        out = np.empty(flat[0].size)
        with one_blas_thread():   # inner dimension p ≈ 10: bound by memory
            for start in range(0, out.size, CHUNK):
                part = slice(start, start + CHUNK)
                parts = [None if i is None else i[part] for i in index]
                out[part] = self._chunk([f[part] for f in flat], sources, parts)
        return out.reshape(shape)

    def derivatives(self, a, b, c) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(Φ, ∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ) of Φ(a, b, ρ) at ρ = c/(ab), for a, b ∈ [a₀, a₁] (not 0).

        With Φ = S(a)S(b) Σ_k d_k(a)d_k(b)ρ^k, S = √s: ∂Φ/∂a = Φ·(log S)′(a) + S(a)S(b) Σ_k d_k′(a)d_k(b)ρ^k
        and ∂Φ/∂ρ = S(a)S(b) Σ_k k d_k(a)d_k(b)ρ^{k−1}, all terms kept (the band of ``|ρ| = 1``), the
        derivatives in a from each piece's Chebyshev derivative. Their error is *measured*, not bounded
        (the tests compare them with central differences of the ball quadrature)."""
        jet = self._jet(a, b, c, 1)
        return jet[()], jet[(0,)], jet[(1,)], jet[(2,)]

    def second_derivatives(self, a, b, c) -> dict[tuple, np.ndarray]:
        """Φ and its derivatives of orders 1 and 2 in (a, b, ρ), ρ = c/(ab), for a, b ∈ [a₀, a₁] (not 0):
        ``{(): Φ, (0,): Φ_a, (1,): Φ_b, (2,): Φ_ρ, (0, 0): Φ_aa, (0, 1): Φ_ab, …, (2, 2): Φ_ρρ}``.

        With P = Σ_k d_k(a)d_k(b)ρ^k and ℓ = log S, Φ = e^{ℓ(a)+ℓ(b)} P, so

        .. math::

            \\Phi_{aa} = S_aS_b[(\\ell'' + \\ell'^2)P + 2\\ell' P_a + P_{aa}],\\quad
            \\Phi_{ab} = S_aS_b[\\ell'(a)\\ell'(b)P + \\ell'(a)P_b + \\ell'(b)P_a + P_{ab}],

        Φ_aρ = S_aS_b(ℓ′P_ρ + P_aρ), Φ_ρρ = S_aS_b Σ_k k(k − 1)d_k(a)d_k(b)ρ^{k−2}, the derivatives of
        d_k and ℓ in a from each piece's Chebyshev series differentiated twice in its coordinate y
        (∂_a = ∂_y/(a h), ∂_a² = (∂_y²/h − ∂_y)/(a² h), h the piece's half-width). Their error is
        *measured*, not bounded: against 30-digit Mehler series of the exact derivatives of c_k (tanh,
        norms [1/2, 1]) it is about 3e-15 except at ``|ρ|`` near 1, where the N terms kept for Φ's tail
        leave Σ_{k≥N} k(k − 1)c_k(a)c_k(b) out of Φ_ρρ: 8e-12 at a = b = 1, ρ = 1 (the tests assert
        1e-10)."""
        return self._jet(a, b, c, 2)

    def _jet(self, a, b, c, order: int) -> dict[tuple, np.ndarray]:
        """Φ and its derivatives in (a, b, ρ) up to ``order`` (1 or 2), keyed by sorted index tuples.
        Each side's tables are computed at its own elements and gathered (a matrix of pairs repeats them)."""
        a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
        shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
        self._check(a, b, c)
        if (a == 0).any() or (b == 0).any():
            raise InputError("∂Φ/∂‖θ‖ is not provided at a zero norm")
        rho = np.clip(np.broadcast_to(c / (a * b), shape).ravel(), -1.0, 1.0)
        n = self.band_terms[-1]
        with one_blas_thread():   # inner dimension p ≈ 10: bound by memory
            (sa, A), (sb, B) = (self._side_jet(v, shape, n, order) for v in (a, b))
        scale = sa * sb

        def series(i: int, j: int, r: int) -> np.ndarray:   # Σ_k d_k^{(i)}(a) d_k^{(j)}(b) ∂_ρ^r ρ^k
            return self._horner(A[i][0] * B[j][0], rho, r)

        P, la, lb = series(0, 0, 0), A[1][1], B[1][1]
        Pa, Pb, Pr = series(1, 0, 0), series(0, 1, 0), series(0, 0, 1)
        jet = {(): P, (0,): la * P + Pa, (1,): lb * P + Pb, (2,): Pr}
        if order == 2:
            jet[(0, 0)] = (A[2][1] + la * la) * P + 2 * la * Pa + series(2, 0, 0)
            jet[(1, 1)] = (B[2][1] + lb * lb) * P + 2 * lb * Pb + series(0, 2, 0)
            jet[(0, 1)] = la * lb * P + la * Pb + lb * Pa + series(1, 1, 0)
            jet[(0, 2)] = la * Pr + series(1, 0, 1)
            jet[(1, 2)] = lb * Pr + series(0, 1, 1)
            jet[(2, 2)] = series(0, 0, 2)
        return {key: (scale * v).reshape(shape) for key, v in jet.items()}

    def _side_jet(self, norms: np.ndarray, shape: tuple, n: int, order: int) -> tuple[np.ndarray, list]:
        """(S, [(d, ·), (d′, ℓ′), (d″, ℓ″)][:order + 1]) at nonzero norms broadcast to ``shape``: d the first
        n kept d_k (rows), ℓ = log S, ′ = d/da from the piece series' y-derivatives (∂_a = ∂_y/(a h))."""
        own = norms.ravel()
        located = self._locate(own)
        d, root = self._normalised(located, n)
        piece, y, _ = located
        basis = _chebyshev_basis(y, self.degree - 1)
        by_y = [np.empty((self._slopes[0].shape[1], own.size)) for _ in range(order)]
        halves = self._halves[piece]
        for i in np.unique(piece):
            where = np.nonzero(piece == i)[0]
            for r, out in enumerate(by_y):
                coefficients = self._slopes[r][i]
                out[:, where] = coefficients @ basis[:coefficients.shape[1], where]
        first = by_y[0] / (own * halves)
        jets = [(d, None), (first[:n], first[-1])]
        if order == 2:
            second = (by_y[1] / halves - by_y[0]) / (own * own * halves)
            jets.append((second[:n], second[-1]))
        index = np.broadcast_to(np.arange(own.size).reshape(norms.shape), shape).ravel()
        return root[index], [(rows[:, index], None if last is None else last[index]) for rows, last in jets]

    def bound(self, a, b) -> np.ndarray:
        """The absolute error bound (ε₀ + ε(a) + ε(b)) √(s(a)s(b)) at the norms a, b: ε₀ the tail and the
        global interpolation, ε(a) what the piece of a adds on its side (its re-expansion and rounding)."""
        a, b = (np.asarray(v, dtype=float) for v in (a, b))
        located = [self._locate(v.ravel()) for v in (a, b)]
        scale_a, scale_b = (self._scale(*at).reshape(v.shape) for at, v in zip(located, (a, b), strict=True))
        side_a, side_b = (self._sides[at[0]].reshape(v.shape) for at, v in zip(located, (a, b), strict=True))
        return (self._common + side_a + side_b) * scale_a * scale_b

    def _chunk(self, values: list, sources: list, index: list) -> np.ndarray:
        """Sorted by (band of |ρ|, piece of a, piece of b): in a band every (piece, piece) group is a
        run of columns, so both sides' series are matrix products written in place, then one Horner
        pass per band."""
        a, b, c = values
        product = a * b
        rho = np.clip(np.divide(c, product, out=np.zeros_like(c), where=product > 0), -1.0, 1.0)
        key = np.searchsorted(BANDS, np.abs(rho)).astype(np.int16)
        located = [self._locate(v) if s is None else None for v, s in zip((a, b), sources, strict=True)]
        for at in located:
            key = key * PIECES + (0 if at is None else at[0])
        order = np.argsort(key, kind="stable")                     # 16-bit keys: a radix sort
        key, rho = key[order], rho[order]
        sides = [self._side(at, s, i, order) for at, s, i in zip(located, sources, index, strict=True)]
        groups = np.flatnonzero(np.diff(key)) + 1
        edges = np.searchsorted(key, np.arange(len(BANDS) + 1) * PIECES * PIECES)
        out = np.empty_like(rho)
        for j, n in enumerate(self.band_terms):
            step = max(1024, BLOCK // n)
            for start in range(edges[j], edges[j + 1], step):
                block = slice(start, min(start + step, edges[j + 1]))
                cuts = [block.start, *groups[(groups > block.start) & (groups < block.stop)], block.stop]
                da, db = (side(n, block, cuts) for side, _ in sides)
                out[block] = self._horner(da * db, rho[block]) * (sides[0][1][block] * sides[1][1][block])
        result = np.empty_like(out)
        result[order] = out
        return result

    def _side(self, located, source, index, order) -> tuple[Callable, np.ndarray]:
        """(the first n kept d_k on a block of the sorted points, √s at the sorted points) of one side."""
        if located is None:
            table, root = source
            return (lambda n, block, _: table[:n, index[order[block]]]), root[index[order]]
        piece, y, zero = (v[order] for v in located)
        basis = _chebyshev_basis(y, self.degree)
        zero_e0 = np.sign(self.at_zero) if self.kept[0] == 0 else 0.0

        def series(n: int, block: slice, cuts: list) -> np.ndarray:
            out = np.empty((n, block.stop - block.start))
            for left, right in itertools.pairwise(cuts):
                i, part = piece[left], slice(left - block.start, right - block.start)
                out[:, part] = self._tail[i, :n] @ basis[1:, left:right]
                out[:, part] += self._head[i, :n, None]
            where = np.flatnonzero(zero[block])
            if where.size:
                out[:, where] = 0.0
                out[0, where] = zero_e0
            return out

        return series, self._scale(piece, y, zero, basis)

    def _own_table(self, norms: np.ndarray, total: int) -> tuple | None:
        """All coefficients of the array's own elements when broadcasting repeats them (a matrix)."""
        if 4 * norms.size > total:
            return None
        return self._normalised(self._locate(norms.ravel()), self.band_terms[-1])

    def _locate(self, norms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(piece, local coordinate y ∈ [−1, 1], a = 0) of each norm (a = 0 placed at a₀)."""
        zero = norms == 0
        log = np.log(np.where(zero, self.norms[0], norms))
        piece = np.clip(((log - self._start) / self._width).astype(np.int16), 0, PIECES - 1)
        y = np.clip((log - self._centres[piece]) / self._halves[piece], -1.0, 1.0)
        return piece, y, zero

    def _normalised(self, located: tuple, n: int) -> tuple[np.ndarray, np.ndarray]:
        """((n, points) the first n kept d_k, √s) at located norms: one matrix product per piece.
        At a = 0, c_k(0) = σ(0)δ_k0, so √s = |σ(0)| and d = sign σ(0) e_0."""
        piece, y, zero = located
        basis = _chebyshev_basis(y, self.degree)
        ordered = piece.size < 2 or bool(np.all(piece[:-1] <= piece[1:]))
        order = None if ordered else np.argsort(piece, kind="stable")
        sorted_piece, sorted_basis = (piece, basis) if ordered else (piece[order], basis[:, order])
        edges = np.searchsorted(sorted_piece, np.arange(PIECES + 1))
        out = np.empty((n, piece.size))
        for i in np.nonzero(edges[1:] > edges[:-1])[0]:
            part = slice(edges[i], edges[i + 1])
            out[:, part] = self._tail[i, :n] @ sorted_basis[1:, part]
            out[:, part] += self._head[i, :n, None]
        if not ordered:
            inverse = np.empty_like(order)
            inverse[order] = np.arange(order.size)
            out = out[:, inverse]
        if zero.any():
            out[:, zero] = 0.0
            if self.kept[0] == 0:
                out[0, zero] = np.sign(self.at_zero)
        return out, self._scale(piece, y, zero, basis)

    def _scale(self, piece: np.ndarray, y: np.ndarray, zero: np.ndarray,
               basis: np.ndarray | None = None) -> np.ndarray:
        """√s(a) = √E[σ(aX)²], the exponential of its logarithm's piece series (|σ(0)| at a = 0)."""
        basis = _chebyshev_basis(y, self.degree) if basis is None else basis
        log_root = np.einsum("ij,ji->i", self._log_root[piece, 1:], basis[1:]) + self._log_root[piece, 0]
        return np.where(zero, abs(self.at_zero), np.exp(log_root))

    def _horner(self, products: np.ndarray, rho: np.ndarray, order: int = 0) -> np.ndarray:
        """Σ_k k(k − 1)…(k − order + 1) p_k ρ^{k−order} over the kept k (the rows p_k), by Horner's rule in
        ρ, or in ρ² times ρ^{0 or 1} for a parity."""
        kept = self.kept[:len(products)]
        first = int(np.searchsorted(kept, order))
        rows, powers = products[first:], kept[first:]
        for j in range(order):
            rows = (powers - j)[:, None] * rows
        value = _polynomial(rows, rho if self.parity is None else rho * rho)
        return rho * value if len(powers) and (powers[0] - order) % 2 else value

    def _check(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
        low, high = self.norms
        for name, v in (("‖θ‖", a), ("‖w‖", b)):
            bad = ~((v == 0) | ((v >= low) & (v <= high)))
            if bad.any():
                raise InputError(f"{name} = {v[bad].flat[0]} is outside the evaluator's norms "
                                 f"{{0}} ∪ [{low}, {high}] (build one with norms=(…) for others)")
        check_inner_products(a, b, c)


def check_inner_products(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    """InputError unless c = θᵀw is finite and ``|c| ≤ ab`` (Cauchy–Schwarz, to rounding)."""
    if not np.isfinite(c).all():
        raise InputError("θᵀw must be finite")
    if (np.abs(c) > np.abs(a * b) * (1 + 1e-12) + 1e-300).any():
        raise InputError("θᵀw exceeds ‖θ‖‖w‖ (Cauchy–Schwarz)")


def _polynomial(rows: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σ_m rows[m] x^m by Horner's rule (0 for no rows)."""
    if not len(rows):
        return np.zeros_like(x)
    value = rows[-1].copy()
    for row in rows[-2::-1]:
        value *= x
        value += row
    return value


def _chebyshev_basis(x: np.ndarray, degree: int) -> np.ndarray:
    """(degree, len(x)): T_0(x) … T_{degree−1}(x) by the three-term recurrence."""
    basis = np.empty((degree, x.size))
    basis[0] = 1.0
    if degree > 1:
        basis[1] = x
    for j in range(2, degree):
        basis[j] = 2 * x * basis[j - 1] - basis[j - 2]
    return basis


# ---------------------------------------------------------------------- construction

def float64_ridge(sigma: sp.Expr, kinks: tuple, parity: Parity | None, *,
                  norms: tuple = NORMS) -> Float64Ridge:
    """The float64 evaluator of Φ(‖θ‖, ‖w‖, θᵀw) for ‖θ‖, ‖w‖ ∈ {0} ∪ ``norms`` (built once, cached on disk).

    Raises :class:`~theory.potentials.hermite_series.SlowConvergence` when the tail at the
    largest norm needs more than 1024 terms, and ``InputError`` for a kinked σ or bad norms."""
    low, high = (float(v) for v in norms)
    if not 0 < low < high < math.inf:
        raise InputError(f"norms must be an interval 0 < a₀ < a₁, got {norms}")
    if kinks:
        raise PrecisionError(f"σ = {sigma} is not smooth: no float64 evaluator of the Hermite series for it")
    return _evaluator(sigma, parity, low, high)


@functools.lru_cache(maxsize=32)
def _evaluator(sigma: sp.Expr, parity: Parity | None, low: float, high: float) -> Float64Ridge:
    name = cache.key("float64-ridge", cache.text(sigma), parity, repr(low), repr(high), TAIL, DIGITS, SAFETY,
                     "double-double 1")
    table = cache.load(name)
    if table is None or not set(table) >= FIELDS:
        table = _table(sigma, parity, low, high)
        cache.store(name, table)
    piece_name = cache.key("float64-ridge-pieces", name, PIECES, DROPPED, WIDEN, PRECISION, "sides 1")
    pieces = cache.load(piece_name)
    if pieces is None or not set(pieces) >= PIECE_FIELDS:
        pieces = _pieces(table)
        cache.store(piece_name, pieces)
    return Float64Ridge(table, pieces)


def _degree(low: float, high: float) -> int:
    """Chebyshev degree for 1e-20: c_k(e^u) is analytic in the strip |Im u| < π/2 (for σ analytic
    near the real line), whose Bernstein ellipse over [log a₀, log a₁] has ratio R."""
    half = (math.log(high) - math.log(low)) / 2
    ratio = (math.pi / 2 + math.hypot(math.pi / 2, half)) / half
    return max(12, math.ceil(20 * math.log(10) / math.log(ratio)) + 4)


def _table(sigma: sp.Expr, parity: Parity | None, low: float, high: float) -> dict:
    """Coefficients at the Chebyshev nodes, the interpolants, and their validation at check points."""
    ctx = mpmath.MPContext()
    ctx.dps = 40
    M = _degree(low, high)
    mid, half = (ctx.log(low) + ctx.log(high)) / 2, (ctx.log(high) - ctx.log(low)) / 2
    terms = _terms_needed(sigma, ctx.mpf(high))
    nodes = [ctx.cos(ctx.pi * (i + ctx.mpf(1) / 2) / M) for i in range(M)]
    checks = [ctx.cos(ctx.pi * j / (2 * M)) for j in range(2 * M + 1)]
    at = [coefficients(sigma, (), ctx.exp(mid + half * x), terms, DIGITS) for x in nodes]
    truth = [coefficients(sigma, (), ctx.exp(mid + half * x), terms, DIGITS + 8, True) for x in checks]
    start, step = (0, 1) if parity is None else (parity.first, 2)
    kept = list(range(start, terms, step))
    chebyshev = _interpolate([[c[k] / ctx.sqrt(s) for k in kept] for c, s in at], nodes, ctx)
    log_root = _interpolate([[ctx.log(s) / 2] for _, s in at], nodes, ctx)
    coefficient_error = max(_interpolation_error(chebyshev, [c[k] / ctx.sqrt(s) for k in kept], x, ctx)
                            for x, (c, s) in zip(checks, truth, strict=True))
    root_error = max(_interpolation_error(log_root, [ctx.log(s) / 2], x, ctx)
                     for x, (_, s) in zip(checks, truth, strict=True))
    samples = at + truth
    band_terms, tails = zip(*(_band_terms(samples, kept, band) for band in BANDS), strict=True)
    logs = [float(mid + half * x) for x in [*nodes, *checks]]
    dirichlet = [[log, float(sum((k + 1) * c[k] ** 2 for k in kept) / s)]
                 for log, (c, s) in zip(logs, samples, strict=True)]
    parts = {"tail": max(tails), "interpolation": 2 * SAFETY * (coefficient_error + root_error),
             "horner": 4 * _UNIT}
    return {"norms": (low, high), "parity": parity, "chebyshev": chebyshev[0].tolist(),
            "chebyshev_low": chebyshev[1].tolist(), "log_root": log_root[0][:, 0].tolist(),
            "log_root_low": log_root[1][:, 0].tolist(),
            "kept": kept, "band_terms": list(band_terms), "at_zero": float(sp.N(sigma.subs(t, 0), 20)),
            "dirichlet": dirichlet, "parts": parts}


def _interpolation_error(chebyshev: tuple, truth: list, x, ctx) -> float:
    """‖p(x) − truth‖₂ for the double-double Chebyshev series p = high + low (its columns), summed
    exactly, at a check point."""
    basis = [ctx.cos(j * ctx.acos(x)) for j in range(len(chebyshev[0]))]
    high, low = chebyshev
    errors = [ctx.fdot(basis, [ctx.mpf(h) + ctx.mpf(v) for h, v in zip(high[:, i], low[:, i], strict=True)])
              - value for i, value in enumerate(truth)]
    return float(ctx.sqrt(ctx.fsum(e * e for e in errors)))


def _terms_needed(sigma: sp.Expr, high) -> int:
    """The smallest block of :data:`BLOCKS` whose r_N(a₁)/s(a₁) falls below TAIL."""
    for terms in BLOCKS:
        c, s = coefficients(sigma, (), high, terms, DIGITS)
        if s - sum(v * v for v in c) <= TAIL * s:
            return terms
    raise SlowConvergence(f"at ‖θ‖ = {float(high)} the Hermite series of σ = {sigma} needs more than "
                          f"{MAX_TERMS} terms for a float64 tail of {TAIL}: choose smaller norms")


def _interpolate(values: list, nodes: list, ctx) -> tuple[np.ndarray, np.ndarray]:
    """Chebyshev coefficients (M, columns) of the values at the first-kind nodes, computed in mpmath and
    stored in double-double: (high, low) with high = fl(v), low = fl(v − high)."""
    M = len(nodes)
    high, low = np.empty((M, len(values[0]))), np.empty((M, len(values[0])))
    for j in range(M):
        weights = [ctx.cos(j * ctx.acos(x)) * (1 if j == 0 else 2) / M for x in nodes]
        for col in range(high.shape[1]):
            value = ctx.fdot(weights, [row[col] for row in values])
            high[j, col] = float(value)
            low[j, col] = float(value - high[j, col])
    return high, low


def _band_terms(samples: list, kept: list, band: float) -> tuple[int, float]:
    """(the least number N of kept columns whose weighted tail band^k_N · max r_N/s is ≤ TAIL over the
    sampled norms, that tail)."""
    tails = [s for _, s in samples]
    for n, k in enumerate(kept):
        weighted = max(float(r / s) for r, (_, s) in zip(tails, samples, strict=True)) * band ** k
        if weighted <= TAIL:
            return max(n, 1), weighted
        tails = [r - c[k] ** 2 for r, (c, _) in zip(tails, samples, strict=True)]
    weighted = max(float(r / s) for r, (_, s) in zip(tails, samples, strict=True)) * band ** (kept[-1] + 1)
    if weighted > TAIL:
        raise SlowConvergence(f"the sampled tail band^k r/s = {weighted:.1e} exceeds {TAIL} at |ρ| ≤ {band}")
    return len(kept), weighted


# ---------------------------------------------------------------------- the pieces

def _pieces(table: dict) -> dict:
    """The global series (d_k and log √s, in double-double) re-expanded on each of :data:`PIECES` equal
    pieces of [log a₀, log a₁] in balls, its first p terms kept (the least p whose dropped terms are below
    :data:`DROPPED` on every piece), with what each piece adds to the bound on its side (relative) and
    the largest √s on it."""
    from flint import arb, arb_mat
    from flint import ctx as flint

    low, high = table["norms"]
    series = [np.column_stack([np.array(table[f"chebyshev{part}"]), np.array(table[f"log_root{part}"])])
              for part in ("", "_low")]                          # (M, kept + 1): high and low
    start = math.log(low)
    width = (math.log(high) - start) / PIECES
    centres = [start + (i + 0.5) * width for i in range(PIECES)]
    half = width / 2 * (1 + WIDEN)
    saved, flint.prec = flint.prec, PRECISION
    try:
        ends = arb(low).log(), arb(high).log()
        mapping = (ends[0] + ends[1]) / 2, (ends[1] - ends[0]) / 2
        global_series = arb_mat(series[0].tolist()) + arb_mat(series[1].tolist())     # high + low, exact
        balls = [_reexpansion(arb(m), arb(half), mapping, len(series[0])) * global_series for m in centres]
        mids, radii = (np.array([[[float(part(B[j, k])) for k in range(B.ncols())] for j in range(B.nrows())]
                                 for B in balls]) for part in (arb.mid, arb.rad))
    finally:
        flint.prec = saved
    sizes = np.abs(mids) + 2 * radii                            # ≥ |B_jk|
    degree = _piece_degree(sizes)
    stored = _UNIT * np.abs(mids[:, :degree]).sum(axis=1) + 2 * radii[:, :degree].sum(axis=1)
    error = stored + sizes[:, degree:].sum(axis=1)              # (piece, column): sup of |B̃(y) − B(y)|
    kept = mids[:, :degree]
    rounding = np.array([_piece_rounding(kept[i], centres[i], half) for i in range(PIECES)])
    dirichlet = _piece_dirichlet(table, kept, start, width)
    sides = {"pieces": np.linalg.norm(error[:, :-1], axis=1) + error[:, -1],
             "coefficients": np.linalg.norm(rounding[:, :-1], axis=1),
             "scale": rounding[:, -1] + 3 * _UNIT,
             "horner": 2.01 * _UNIT * dirichlet}
    largest_log_root = mids[:, 0, -1] + np.abs(kept[:, 1:, -1]).sum(axis=1) + error[:, -1]
    roots = np.maximum(np.exp(largest_log_root) * (1 + 4 * _UNIT), abs(table["at_zero"]))
    return {"start": start, "width": width, "centres": centres, "halves": [half] * PIECES,
            "series": kept.tolist(), "sides": {name: v.tolist() for name, v in sides.items()},
            "roots": roots.tolist()}


def _piece_dirichlet(table: dict, kept: np.ndarray, start: float, width: float) -> np.ndarray:
    """D = max Σ_k (k + 1) d_k(a)² on each piece (the rounding of Horner's rule and of ρ is at most
    4.02 u √(D(a)D(b)) ≤ 2.01 u (D(a) + D(b))): the largest of the table's samples in the piece and of
    the piece series at 65 points of it (*validated*: sampled)."""
    weights = np.array(table["kept"], dtype=float) + 1
    y = np.cos(np.pi * np.arange(65) / 64)
    basis = _chebyshev_basis(y, kept.shape[1])
    out = np.array([float(np.max(weights @ (kept[i, :, :-1].T @ basis) ** 2)) for i in range(PIECES)])
    for log, value in table["dirichlet"]:
        i = min(PIECES - 1, max(0, int((log - start) // width)))
        out[i] = max(out[i], value)
    return out


def _reexpansion(centre, half, mapping, M: int):
    """The (M, M) ball matrix taking the global Chebyshev coefficients to those of the same polynomial
    in y on the piece log a = centre + half·y: values at the piece's M first-kind nodes, then their
    discrete cosine transform (exact for degree < M)."""
    from flint import arb, arb_mat

    angles = [arb.pi() * (2 * i + 1) / (2 * M) for i in range(M)]
    values = arb_mat(M, M)
    for i, angle in enumerate(angles):
        x = (centre + half * angle.cos() - mapping[0]) / mapping[1]
        previous, current = arb(1), x
        values[i, 0] = previous
        for j in range(1, M):
            values[i, j] = current
            previous, current = current, 2 * x * current - previous
    transform = arb_mat(M, M)
    for j in range(M):
        for i, angle in enumerate(angles):
            transform[j, i] = (j * angle).cos() * (1 if j == 0 else 2) / M
    return transform * values


def _piece_degree(sizes: np.ndarray) -> int:
    """The least p with ‖Σ_{j≥p} |B_j|‖₂ ≤ DROPPED over the d columns, and for log √s, on every piece."""
    for degree in range(2, sizes.shape[1]):
        dropped = sizes[:, degree:].sum(axis=1)
        if np.linalg.norm(dropped[:, :-1], axis=1).max() <= DROPPED and dropped[:, -1].max() <= DROPPED:
            return degree
    return sizes.shape[1]


def _piece_rounding(series: np.ndarray, centre: float, half: float) -> np.ndarray:
    """A-priori |fl(B̃(y)) − B̃(y)| per column in float64 on one piece. T_j by the recurrence is within
    1.5 j(j − 1)u; y = (log a − centre)/half (log within 2 ulps) is within (2 max|log a|/half + 3)u, moving
    T_j by at most ``|T_j'| ≤ j²`` times that; the terms j ≥ 1 are summed by BLAS (γ_{p+1} Σ|B_jk|) and
    B_0 added last (u times the sum), for log √s as well."""
    p = len(series)
    j = np.arange(p, dtype=float)
    size = np.abs(series)                                       # (p, columns)
    moved = (1.5 * j * (j - 1) + (2 * (abs(centre) + half) / half + 3) * j ** 2) @ size
    summed = (p + 2) * size[1:].sum(axis=0) + size[0]
    return _UNIT * 1.01 * (moved + summed)
