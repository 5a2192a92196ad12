"""Φ(‖θ‖, ‖w‖, θᵀw) of a smooth activation in float64, for norms in a stated interval.

The Mehler–Hermite series of :mod:`theory.potentials.hermite_series`,

.. math::

    \\Phi(a, b, c) = \\sum_{k<N} c_k(a)\\, c_k(b)\\, \\rho^k + \\text{tail}, \\qquad \\rho = \\frac{c}{ab},

with each coefficient c_k(a) = E[σ(aX)h_k(X)] interpolated in u = log a by a Chebyshev
series of degree M on [log a₀, log a₁], built once from the high-precision rule of
:func:`~theory.potentials.hermite_series.coefficients` at the M Chebyshev nodes.

**The error bound** is relative to the Cauchy–Schwarz scale √(s(a)s(b)), s(a) = E[σ(aX)²]
(``|Φ| ≤ √(s(a)s(b))``), so it is an absolute bound for bounded σ (s ≤ 1) and a relative one
for growing σ. It adds

* the tail ``|ρ|^N √(r_N(a) r_N(b))`` (Cauchy–Schwarz and Parseval, proven given the c_k),
  with N chosen per band of ``|ρ|`` and ``r_N/s`` taken at its largest over the nodes and
  the check points (*validated*: sampled, not proven between samples);
* the coefficient error ``2 max ‖c̃(a) − c(a)‖₂/√s(a)``, measured at 2M + 1 check points,
  of which the ends ``a₀, a₁``, against a second, independent rule (grid shifted by half a piece,
  8 more digits) and multiplied by :data:`SAFETY` (*validated*);
* float64 rounding of the products and of Horner's rule, ``Σ_k γ_{2k+2} |c_k(a)c_k(b)|``,
  and of ρ = c/(ab), ``2u Σ_k k|c_k(a)c_k(b)|``, both bounded by Cauchy–Schwarz with
  ``Σ_k (k+1) c_k²/s`` at its sampled largest (*a-priori*, given that sample).

So: the series, its tail inequality and the rounding analysis are proofs; the quadrature
coefficients, the interpolation error and the suprema over a are numeric evidence.

>>> import sympy as sp
>>> from theory.core.symbols import t
>>> f = float64_ridge(sp.tanh(t), (), "odd", norms=(0.5, 1.0))
>>> f.error_bound < 1e-14
True
>>> print(f"{float(f(1.0, 1.0, 0.5)):.15f}")
0.186324413203448
"""

from __future__ import annotations

import functools
import math

import mpmath
import numpy as np
import sympy as sp

from ..core import cache
from ..core.errors import InputError, PrecisionError
from ..core.symbols import t
from .hermite_series import BLOCKS, MAX_TERMS, SlowConvergence, coefficients

NORMS = (0.25, 2.0)       # default interval of ‖θ‖, ‖w‖ (zero norms are also accepted)
TAIL = 1e-15              # target of the truncation, relative to √(s(a)s(b))
SAFETY = 4                # factor on the coefficient error measured at the check points
BANDS = (0.25, 0.5, 0.75, 0.9, 0.97, 0.99, 1.0)  # |ρ| ≤ band: its own number of terms
DIGITS = 20               # digits of the coefficients at the nodes (the check points get 8 more)
CHUNK = 2048
HEAD = 4                  # Chebyshev terms summed last, one by one (they carry the magnitude)
_UNIT = 2.0 ** -53
FIELDS = {"norms", "parity", "chebyshev", "log_root", "kept", "band_terms", "at_zero", "relative_bound",
          "largest_second", "parts"}


class Float64Ridge:
    """Φ(a, b, c) on arrays (broadcast) for a, b ∈ {0} ∪ [a₀, a₁], with :meth:`bound`.

    Stored: Chebyshev series in log a of d_k(a) = c_k(a)/√s(a) (``|d_k| ≤ 1``) and of log √s(a),
    and Φ = √(s(a)s(b)) Σ_k d_k(a)d_k(b)ρ^k, so the error is uniform relative to that scale.

    Attributes
    ----------
    norms : (float, float)
        The interval [a₀, a₁] of the norms.
    relative_bound : float
        ε with ``|Φ̃ − Φ| ≤ ε √(s(a)s(b))`` (see the module docstring for what is proven).
    error_bound : float
        ε · max s: an absolute bound on the whole domain.
    terms : int
        Coefficients kept at ``|ρ| = 1``.
    """

    def __init__(self, table: dict):
        self.norms = tuple(table["norms"])
        self.parity = table["parity"]
        self.chebyshev = np.array(table["chebyshev"])          # (M, kept): degree j, kept index
        self.log_root = np.array(table["log_root"])            # Chebyshev of log √s(a)
        self.kept = np.array(table["kept"])                    # the k of each kept column
        self.band_terms = tuple(table["band_terms"])           # kept columns used in each band
        self.at_zero = float(table["at_zero"])                 # σ(0)
        self.relative_bound = float(table["relative_bound"])
        self.parts = dict(table["parts"])                       # what the bound adds (relative)
        self.error_bound = self.relative_bound * float(table["largest_second"])
        self.terms = int(self.kept[self.band_terms[-1] - 1]) + 1
        low, high = math.log(self.norms[0]), math.log(self.norms[1])
        self._map = ((low + high) / 2, (high - low) / 2)
        self._tables: dict[int, tuple] = {}
        self._log_root = _split(self.log_root[:, None])

    # ------------------------------------------------------------------ evaluation
    def __call__(self, a, b, c) -> np.ndarray:
        a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
        shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
        self._check(a, b, c)
        flat = [np.broadcast_to(v, shape).ravel() for v in (a, b, c)]
        sources = [self._own_table(v, flat[0].size) for v in (a, b)]
        index = [None if s is None else np.broadcast_to(np.arange(v.size).reshape(v.shape), shape).ravel()
                 for s, v in zip(sources, (a, b))]
        out = np.empty(flat[0].size)
        for start in range(0, out.size, CHUNK):
            part = slice(start, start + CHUNK)
            parts = [None if i is None else i[part] for i in index]
            out[part] = self._chunk([f[part] for f in flat], sources, parts)
        return out.reshape(shape)

    def bound(self, a, b) -> np.ndarray:
        """The absolute error bound ε √(s(a)s(b)) at the norms a, b."""
        a, b = (np.asarray(v, dtype=float) for v in (a, b))
        scale_a, scale_b = (self._scale(v.ravel()).reshape(v.shape) for v in (a, b))
        return self.relative_bound * scale_a * scale_b

    def _chunk(self, values: list, sources: list, index: list) -> np.ndarray:
        a, b, c = values
        product = a * b
        rho = np.clip(np.divide(c, product, out=np.zeros_like(c), where=product > 0), -1.0, 1.0)
        band = np.searchsorted(BANDS, np.abs(rho))
        out = np.empty_like(rho)
        for j in np.unique(band):
            where = np.nonzero(band == j)[0]
            n = self.band_terms[j]
            (da, ra), (db, rb) = (self._normalised(v[where], n) if s is None else (s[0][:n, i[where]], s[1][i[where]])
                                  for v, s, i in zip((a, b), sources, index))
            out[where] = self._horner(da * db, rho[where]) * (ra * rb)
        return out

    def _own_table(self, norms: np.ndarray, total: int) -> tuple | None:
        """All coefficients of the array's own elements when broadcasting repeats them (a matrix)."""
        return self._normalised(norms.ravel(), self.band_terms[-1]) if 4 * norms.size <= total else None

    def _normalised(self, norms: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """((n, len(norms)) the first n kept d_k, √s) at each norm; at a = 0, c_k(0) = σ(0)δ_k0,
        so √s = |σ(0)| and d = sign σ(0) e_0."""
        zero = norms == 0
        basis = self._basis(norms)
        out = _series(self._band_table(n), basis)
        if zero.any():
            out[:, zero] = 0.0
            if self.kept[0] == 0:
                out[0, zero] = np.sign(self.at_zero)
        return out, self._scale(norms, basis)

    def _band_table(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The first n columns, split as :func:`_series` sums them (contiguous, kept per band)."""
        if n not in self._tables:
            self._tables[n] = _split(self.chebyshev[:, :n])
        return self._tables[n]

    def _scale(self, norms: np.ndarray, basis: np.ndarray | None = None) -> np.ndarray:
        """√s(a) = √E[σ(aX)²], the exponential of its logarithm's Chebyshev series (|σ(0)| at a = 0)."""
        basis = self._basis(norms) if basis is None else basis
        return np.where(norms == 0, abs(self.at_zero), np.exp(_series(self._log_root, basis)[0]))

    def _basis(self, norms: np.ndarray) -> np.ndarray:
        x = (np.log(np.where(norms == 0, self.norms[0], norms)) - self._map[0]) / self._map[1]
        return _chebyshev_basis(np.clip(x, -1.0, 1.0), len(self.chebyshev))

    def _horner(self, products: np.ndarray, rho: np.ndarray) -> np.ndarray:
        x = rho if self.parity is None else rho * rho
        value = products[-1].copy()
        for row in products[-2::-1]:
            value *= x
            value += row
        return rho * value if self.parity == "odd" else value

    def _check(self, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
        low, high = self.norms
        for name, v in (("‖θ‖", a), ("‖w‖", b)):
            bad = ~((v == 0) | ((v >= low) & (v <= high)))
            if bad.any():
                raise InputError(f"{name} = {v[bad].flat[0]} is outside the evaluator's norms "
                                 f"{{0}} ∪ [{low}, {high}] (build one with norms=(…) for others)")
        if not np.isfinite(c).all():
            raise InputError("θᵀw must be finite")
        if (np.abs(c) > np.abs(a * b) * (1 + 1e-12) + 1e-300).any():
            raise InputError("θᵀw exceeds ‖θ‖‖w‖ (Cauchy–Schwarz)")


def _split(chebyshev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the terms j ≥ HEAD transposed, the first HEAD rows), both contiguous, for :func:`_series`."""
    return np.ascontiguousarray(chebyshev[HEAD:].T), np.ascontiguousarray(chebyshev[:HEAD])


def _series(split: tuple[np.ndarray, np.ndarray], basis: np.ndarray) -> np.ndarray:
    """(columns, points): Σ_j A_j T_j, the small terms j ≥ HEAD by BLAS, then the large ones one by one
    in a known order (the order :func:`_evaluation_rounding` assumes)."""
    tail, head = split
    out = tail @ basis[HEAD:]
    for j in range(HEAD - 1, -1, -1):
        out += head[j, :, None] * basis[j]
    return out


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

def float64_ridge(sigma: sp.Expr, kinks: tuple, parity: str | None, *, norms: tuple = NORMS) -> Float64Ridge:
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
def _evaluator(sigma: sp.Expr, parity: str | None, low: float, high: float) -> Float64Ridge:
    name = cache.key("float64-ridge", cache.text(sigma), parity, repr(low), repr(high), TAIL, DIGITS, SAFETY,
                     HEAD, "rounding 2")
    table = cache.load(name)
    if table is None or not FIELDS <= set(table):
        table = _table(sigma, parity, low, high)
        cache.store(name, table)
    return Float64Ridge(table)


def _degree(low: float, high: float) -> int:
    """Chebyshev degree for 1e-20: c_k(e^u) is analytic in the strip |Im u| < π/2 (for σ analytic
    near the real line), whose Bernstein ellipse over [log a₀, log a₁] has ratio R."""
    half = (math.log(high) - math.log(low)) / 2
    ratio = (math.pi / 2 + math.hypot(math.pi / 2, half)) / half
    return max(12, math.ceil(20 * math.log(10) / math.log(ratio)) + 4)


def _table(sigma: sp.Expr, parity: str | None, low: float, high: float) -> dict:
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
    start, step = {"odd": (1, 2), "even": (0, 2)}.get(parity, (0, 1))
    kept = list(range(start, terms, step))
    chebyshev = _interpolate([[c[k] / ctx.sqrt(s) for k in kept] for c, s in at], nodes, ctx)
    log_root = _interpolate([[ctx.log(s) / 2] for _, s in at], nodes, ctx)
    coefficient_error = max(_interpolation_error(chebyshev, [c[k] / ctx.sqrt(s) for k in kept], x, ctx)
                            for x, (c, s) in zip(checks, truth))
    root_error = max(_interpolation_error(log_root, [ctx.log(s) / 2], x, ctx) for x, (_, s) in zip(checks, truth))
    samples = at + truth
    band_terms = [_band_terms(samples, kept, band) for band in BANDS]
    dirichlet = max(float(sum((k + 1) * c[k] ** 2 for k in kept) / s) for c, s in samples)
    parts = {"tail": TAIL, "interpolation": 2 * SAFETY * (coefficient_error + root_error),
             "horner": _UNIT * (4 + 2.02 * dirichlet + 2 * dirichlet),
             "coefficients": 2 * _evaluation_rounding(chebyshev, mid, half),
             "scale": 2 * (_evaluation_rounding(log_root, mid, half) + _UNIT)}
    return {"norms": (low, high), "parity": parity, "chebyshev": chebyshev.tolist(), "log_root": log_root[:, 0].tolist(),
            "kept": kept, "band_terms": band_terms, "at_zero": float(sp.N(sigma.subs(t, 0), 20)),
            "relative_bound": sum(parts.values()), "parts": parts,
            "largest_second": max(float(s) for _, s in samples)}


def _interpolation_error(chebyshev: np.ndarray, truth: list, x, ctx) -> float:
    """‖p(x) − truth‖₂ for the float64 Chebyshev series p (its columns), summed exactly, at one check point."""
    basis = [ctx.cos(j * ctx.acos(x)) for j in range(len(chebyshev))]
    errors = [ctx.fdot(basis, [ctx.mpf(v) for v in chebyshev[:, i]]) - value for i, value in enumerate(truth)]
    return float(ctx.sqrt(ctx.fsum(e * e for e in errors)))


def _evaluation_rounding(chebyshev: np.ndarray, mid, half) -> float:
    """A-priori ‖fl(c̃(a)) − c̃(a)‖₂ in float64, for |x| ≤ 1. The recurrence's local errors (≤ 3u)
    travel with U_{j−i} (``|U_n| ≤ n + 1``), so T_j is within 1.5 j(j − 1)u; x = (log a − mid)/half
    (log within 2u, mid and half rounded) is within (5 + 3|mid/half|)u, moving T_j by at most
    ``|T_j'| ≤ j²`` times that; the terms j ≥ HEAD are summed by BLAS (γ_M Σ|A_jk|), then A_j T_j
    for j = HEAD−1 … 0 one by one (each addition within u times the partial sum ≤ Σ_{i≥j}|A_ik|)."""
    M = len(chebyshev)
    j = np.arange(M, dtype=float)
    size = np.abs(chebyshev)                                    # (M, kept)
    moved = (1.5 * j * (j - 1) + (5 + 3 * abs(float(mid / half))) * j ** 2) @ size
    blas = (M + 1) * size[HEAD:].sum(axis=0)
    partial = np.cumsum(size[::-1], axis=0)[::-1]               # Σ_{i≥j} |A_ik|
    head = (partial[:HEAD] + size[:HEAD]).sum(axis=0)
    per = _UNIT * 1.01 * (moved + blas + head)
    return float(np.sqrt(np.sum(per ** 2)))


def _terms_needed(sigma: sp.Expr, high) -> int:
    """The smallest block of :data:`BLOCKS` whose r_N(a₁)/s(a₁) falls below TAIL/4."""
    for terms in BLOCKS:
        c, s = coefficients(sigma, (), high, terms, DIGITS)
        if s - sum(v * v for v in c) <= TAIL / 4 * s:
            return terms
    raise SlowConvergence(f"at ‖θ‖ = {float(high)} the Hermite series of σ = {sigma} needs more than "
                          f"{MAX_TERMS} terms for a float64 tail of {TAIL}: choose smaller norms")


def _interpolate(values: list, nodes: list, ctx) -> np.ndarray:
    """Chebyshev coefficients (M, columns) of the values at the first-kind nodes (in mpmath, then float64)."""
    M = len(nodes)
    out = np.empty((M, len(values[0])))
    for j in range(M):
        weights = [ctx.cos(j * ctx.acos(x)) * (1 if j == 0 else 2) / M for x in nodes]
        for col in range(out.shape[1]):
            out[j, col] = float(ctx.fdot(weights, [row[col] for row in values]))
    return out


def _band_terms(samples: list, kept: list, band: float) -> int:
    """Kept columns needed so that band^N · max r_N/s ≤ TAIL over the sampled norms."""
    tails = [s for _, s in samples]
    for n, k in enumerate(kept):
        if max(float(r / s) for r, (_, s) in zip(tails, samples)) * band ** k <= TAIL:
            return max(n, 1)
        tails = [r - c[k] ** 2 for r, (c, _) in zip(tails, samples)]
    worst = max(float(r / s) for r, (_, s) in zip(tails, samples))
    if worst * band ** (kept[-1] + 1) > TAIL:
        raise SlowConvergence(f"the sampled tail r_N/s = {worst:.1e} exceeds {TAIL} at |ρ| = {band}")
    return len(kept)
