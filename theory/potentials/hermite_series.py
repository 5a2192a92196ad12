"""Φ for activations without a closed form: the Mehler–Hermite series.

With h_k = He_k/√(k!) (orthonormal for N(0, 1)) and c_k(a) = E[σ(aX) h_k(X)],
Mehler's formula gives, for U = aX, V = bY with corr(X, Y) = ρ = θᵀw/(‖θ‖‖w‖),

.. math::

    \\Phi = E[\\sigma(aX)\\sigma(bY)] = \\sum_{k \\ge 0} c_k(a)\\, c_k(b)\\, \\rho^k ,
    \\qquad \\Big|\\sum_{k \\ge N}\\Big| \\le |\\rho|^N \\sqrt{r_N(a)\\, r_N(b)},
    \\quad r_N(a) = E[\\sigma(aX)^2] - \\sum_{k<N} c_k(a)^2 ,

the tail bound by Cauchy–Schwarz and Parseval. The coefficients depend on the
norm through σ(a·): a set is computed for each norm that occurs (and cached).

**Coefficients.** One Gauss–Legendre rule on [−L, L], cut at the kinks of σ(a·)
and on a grid of pieces of width 2; its weights carry φ(x)e^{x²/4} and the
three-term recurrence runs on the bounded Hermite functions h_k(x)e^{−x²/4}
(``|·| ≤ 1.09``) in fixed point, so K coefficients cost K·M integer multiply–adds
for M nodes. L is where e^{−x²/4} falls below the target.

**Confirmation.** Two coefficient sets — different precisions, grids offset by
half a piece — give two values; they must agree to dps + 2 digits. When the
series would need more than :data:`MAX_TERMS` terms (``|ρ|`` near 1 for a
non-smooth σ, whose c_k decay only algebraically) :class:`SlowConvergence` is
raised and the caller uses the nested quadrature instead.

>>> import sympy as sp
>>> from theory.core.symbols import t
>>> str(value(sp.tanh(t), (), 1, 1, sp.Rational(1, 2), dps=20))
'0.18632441320344808611'
"""

from __future__ import annotations

import functools
import itertools
import math

import mpmath
import numpy as np
import sympy as sp

from ..core import validators as valid
from ..core.balls import ball, ball_function, integer_power
from ..core.balls import digits as flint_digits
from ..core.errors import InputError, PrecisionError
from ..core.numeric import check_dps, context, mpmath_function, output_context
from ..core.symbols import t
from .activations import Parity
from .forms import Form
from .forms import form as form_named
from .quadrature import _standard_nodes

MAX_DPS = 100  # digits the series route confirms
MAX_TERMS = 1024  # beyond this the caller falls back to nested quadrature
BLOCKS = (32, 64, 128, 256, 512, 1024)  # coefficient counts computed (doubling)
WIDTH = 2  # pieces of the rule
_LN10 = math.log(10)


class SlowConvergence(PrecisionError):
    """The series needs more than :data:`MAX_TERMS` terms at this ρ."""


@functools.lru_cache(maxsize=128)
def coefficients(sigma: sp.Expr, kinks: tuple, scale, terms: int, digits: int, shifted: bool = False,
                 *, bias=0, refine: int = 0) -> tuple:
    """(c_0 … c_{terms−1} of σ(a· + β), E[σ(aX + β)²]) to about ``digits`` absolute digits,
    a = ``scale``, β = ``bias``.

    ``shifted`` offsets the grid by half a piece (a second, independent rule); ``refine`` halves
    the pieces that many times."""
    ctx = context(digits)
    bits = ctx.prec + 16
    nodes, weights, values = _rule(sigma, kinks, (scale, bias), digits, terms, (shifted, refine), ctx)

    def fixed(v) -> int:
        return int(ctx.ldexp(v, bits))

    xs = np.array([fixed(x) for x in nodes], dtype=object)
    damp = [ctx.exp(-x * x / 4) for x in nodes]
    us = np.array([fixed(w * v / d) for w, v, d in zip(weights, values, damp, strict=True)], dtype=object)
    previous = np.array([fixed(d) for d in damp], dtype=object)
    current = (xs * previous) >> bits
    sums = [int((us * previous).sum()), int((us * current).sum())]
    for k in range(1, terms - 1):
        a, b = fixed(1 / ctx.sqrt(k + 1)), fixed(ctx.sqrt(ctx.mpf(k) / (k + 1)))
        previous, current = current, (((xs * current) >> bits) * a - previous * b) >> bits
        sums.append(int((us * current).sum()))
    second = ctx.fsum(w * v * v for w, v in zip(weights, values, strict=True))
    return tuple(ctx.ldexp(s, -2 * bits) for s in sums[:terms]), second


def _rule(sigma, kinks, affine, digits, terms, grid, ctx) -> tuple[list, list, list]:
    """Nodes x, weights W·φ(x) (the Gaussian density included) and values σ(ax + β) on [−L, L],
    ``affine`` = (a, β), ``grid`` = (shifted, refine).

    The pieces have width 2/2^refine: the Gauss–Legendre error of a piece falls with the distance
    of σ(a·)'s complex singularities from it measured in half-widths, and that distance shrinks as
    1/a (a large norm, or many digits, may need finer pieces)."""
    f = mpmath_function(sigma, (t,), ctx)
    a, beta = (ctx.mpf(sp.N(v, ctx.dps + 5)) if isinstance(v, sp.Basic) else ctx.mpf(v) for v in affine)
    shifted, refine = grid
    size = max(1.0, float(a) + abs(float(beta)))
    reach = math.ceil(2 * math.sqrt((digits + 3 + math.log10(size**2 + 1)) * _LN10) + 2)
    width = ctx.mpf(WIDTH) / 2**refine
    offset = width / 2 if shifted else 0
    cuts = {ctx.mpf(-reach), ctx.mpf(reach)}
    cuts.update(p for p in (-reach + offset + j * width for j in range(int(2 * reach / width) + 1))
                if -reach < p < reach)
    cuts.update(k for k in ((ctx.mpf(sp.N(kink, ctx.dps + 5)) - beta) / a for kink in kinks)
                if -reach < k < reach)
    cuts = sorted(cuts)
    degree = _degree(digits, terms)
    tier = 128 * -(-ctx.prec // 128)  # node sets shared between nearby precisions
    standard = [(+ctx.make_mpf(x), +ctx.make_mpf(w)) for x, w in _standard_nodes(degree, tier)]
    norm = 1 / ctx.sqrt(2 * ctx.pi)
    nodes, weights, values = [], [], []
    for u, v in itertools.pairwise(cuts):
        half, middle = (v - u) / 2, (v + u) / 2
        for xi, w in standard:
            x = middle + half * xi
            nodes.append(x)
            weights.append(half * w * norm * ctx.exp(-x * x / 2))
            values.append(f(a * x + beta))
    return nodes, weights, values


def _degree(digits: int, terms: int) -> int:
    """mpmath's Gauss–Legendre degree (3·2^(degree−1) nodes a piece of width 2) for the digits and the
    oscillation of h_{terms}: 48 nodes up to ~60 digits and 256 terms, 96 beyond."""
    return 5 if digits <= 60 and terms <= 256 else 6 if digits <= 120 else 7


# ---------------------------------------------------------------------- the value

#: Times the rule's pieces are halved before two disagreeing series are an error.
REFINEMENTS = 2


def value(sigma: sp.Expr, kinks: tuple, a, b, c, *, dps: int = 30, biases=(0, 0)) -> mpmath.mpf:
    """Φ = E[σ(U + β)σ(V + γ)], Var U = a², Var V = b², Cov = c (a, b > 0), (β, γ) = ``biases``,
    confirmed to ``dps`` digits: the series of c_k(a, β) = E[σ(aX + β) h_k(X)] and c_k(b, γ),
    by two rules that must agree; when they do not, the pieces are halved (:data:`REFINEMENTS`
    times) before :class:`~theory.core.errors.PrecisionError`.

    Raises :class:`SlowConvergence` past :data:`MAX_TERMS` terms."""
    check_dps(dps)
    if dps > MAX_DPS:
        raise InputError(f"the Hermite-series route confirms at most {MAX_DPS} digits, {dps} were asked")
    ctx = context(dps + 25)
    a_, b_, c_ = (ctx.mpf(sp.N(v, dps + 30)) if isinstance(v, sp.Basic) else ctx.mpf(v) for v in (a, b, c))
    rho = max(min(c_ / (a_ * b_), ctx.one), -ctx.one)
    tolerance = mpmath.mpf(10) ** -(dps + 2)
    sides = ((a, biases[0]), (b, biases[1]))
    for refine in range(REFINEMENTS + 1):
        v1, _ = _series(sigma, kinks, sides, rho, dps, dps + 8, (False, refine))
        v2, m2 = _series(sigma, kinks, sides, rho, dps, dps + 16, (True, refine))
        if abs(v1 - v2) <= tolerance * abs(v2):
            return output_context(dps).mpf(v2)
        if max(abs(v1), abs(v2)) <= tolerance * m2:
            return output_context(dps).mpf(0)
    raise PrecisionError(f"the two Hermite series of E[σ(U)σ(V)] agree to "
                         f"{-float(mpmath.log10(abs(v1 - v2) / abs(v2))):.1f} digits, not {dps}")


def _series(sigma, kinks, sides, rho, dps: int, digits: int, grid: tuple) -> tuple:
    """(Σ_{k<N} c_k(a, β)c_k(b, γ)ρ^k, Σ|terms| + tail) with the tail |ρ|^N √(r_N(a, β) r_N(b, γ))
    ≤ 10^{−dps−4}·scale; ``sides`` = ((a, β), (b, γ)), ``grid`` = (shifted, refine)."""
    ctx = context(digits + 5)
    tolerance = ctx.mpf(10) ** -(dps + 4)
    shifted, refine = grid
    (a, beta), (b, gamma) = sides
    for terms in _blocks(abs(rho), dps):
        ca, sa = coefficients(sigma, kinks, a, terms, digits, shifted, bias=beta, refine=refine)
        cb, sb = (ca, sa) if (b, gamma) == (a, beta) else coefficients(
            sigma, kinks, b, terms, digits, shifted, bias=gamma, refine=refine)
        scale = ctx.sqrt(sa * sb)
        ra, rb, power = sa, sb, ctx.one
        total = magnitude = ctx.zero
        for k in range(terms):
            if abs(power) * ctx.sqrt(abs(ra * rb)) <= tolerance * scale:
                return total, magnitude + tolerance * scale
            term = ca[k] * cb[k] * power
            total += term
            magnitude += abs(term)
            ra, rb = ra - ca[k] ** 2, rb - cb[k] ** 2
            power *= rho
    raise SlowConvergence(f"the Hermite series needs more than {MAX_TERMS} terms for {dps} digits "
                          f"at ρ = {mpmath.nstr(rho, 8)}")


def _blocks(rho, dps: int) -> tuple[int, ...]:
    """The coefficient counts to try: from the a-priori need log(10^{−dps−4})/log|ρ| (as r_N ≤ E[σ²]),
    at most 256 to start with (a smooth σ needs far fewer), doubling from there."""
    need = math.inf if rho >= 1 else (dps + 4) * _LN10 / -math.log(max(float(rho), 1e-300))
    first = next(k for k in BLOCKS if k >= min(need, 256))
    return tuple(k for k in BLOCKS if k >= first)


# ---------------------------------------------------------------------- float64 on the sphere

FLOAT64_DIGITS = 25  # precision of the coefficients a float64 evaluator is built from
_UNIT = 2.0 ** -53
CHUNK = 4096


class Float64Series:
    """Φ(ρ) ≈ Σ_{k<N} c_k² ρ^k on arrays in float64, with ``error_bound`` on [−1, 1], and its
    derivatives Φ′, Φ″ with ``derivative_bounds``.

    The bound adds (i) the tail r_N = E[σ²] − Σ_{k<N} c_k² (all terms are ≥ 0 at
    ρ = ±1, so it bounds the tail uniformly), (ii) rounding the c_k² to float64,
    (iii) Horner's rounding, Σ_k γ_{2k+2} c_k² with γ_m = mu/(1 − mu), and for a σ
    of definite parity (iv) rounding ρ² (Σ_k k c_k² · u). The derivatives' tails are as exact:
    Σ_k k c_k² = E[σ′²] and Σ_k k(k − 1) c_k² = E[σ″²] (the Hermite coefficients of σ′ are
    √(k+1) c_{k+1}), each kept to its own N_m terms. The c_k and these moments come from two
    confirmed high-precision rules (numeric evidence, not a proof).
    """

    def __init__(self, squares: list, tails: tuple, parity: Parity | None, terms: tuple[int, int, int]):
        self.parity = parity
        self.terms = terms[0]
        value = squares[:self.terms]
        start = 0 if parity is None else parity.first
        step = 1 if parity is None else 2
        kept = [float(q) for q in value[start::step]]
        self.coefficients = np.array(kept)
        gamma = [(m * _UNIT) / (1 - m * _UNIT) for m in range(2, 2 * len(kept) + 2, 2)]
        horner = sum(g * abs(q) for g, q in zip(gamma, kept, strict=True))
        square = 0.0 if parity is None else _UNIT * sum(k * float(q) for k, q in enumerate(value))
        rounding = _UNIT * sum(abs(q) for q in kept)
        self.error_bound = float(tails[0]) + rounding + horner + square + _UNIT * float(sum(value))
        self._slopes = [np.array([float(q) for q in _polyder(squares[:n], m)]) for m, n in ((1, terms[1]),
                                                                                          (2, terms[2]))]
        self.derivative_bounds = tuple(float(tail) + (2 * _UNIT + _gamma(2 * len(a))) * float(np.abs(a).sum())
                                       for tail, a in zip(tails[1:], self._slopes, strict=True))

    def __call__(self, rho) -> np.ndarray:
        rho = valid.correlations(rho)
        flat, out = rho.ravel(), np.empty(rho.size)
        for start in range(0, flat.size, CHUNK):  # Horner on cache-sized pieces
            out[start:start + CHUNK] = self._horner(flat[start:start + CHUNK])
        return out.reshape(rho.shape)

    def derivative(self, rho, order: int) -> np.ndarray:
        """Φ′ (order 1) or Φ″ (order 2) at ρ ∈ [−1, 1]: Σ_{k<N₁} k c_k² ρ^{k−1} or
        Σ_{k<N₂} k(k−1) c_k² ρ^{k−2} by Horner, within ``derivative_bounds[order − 1]``: the tail
        E[σ′²] − Σ_{k<N₁} k c_k² (or E[σ″²] − Σ k(k−1) c_k², every term ≥ 0 at ρ = ±1), rounding the
        coefficients and Horner's γ_{2N}·Σ``|coefficients|``."""
        if order not in (1, 2):
            raise InputError(f"derivative(ρ, {order}) is Φ′ or Φ″ (order 1 or 2)")
        return np.polynomial.polynomial.polyval(valid.correlations(rho), self._slopes[order - 1])

    def jet(self, rho) -> dict:
        """{(): Φ, (0,): Φ′, (0, 0): Φ″} at ρ ∈ [−1, 1] (:meth:`derivative`)."""
        return {(): self(rho), (0,): self.derivative(rho, 1), (0, 0): self.derivative(rho, 2)}

    def _horner(self, rho: np.ndarray) -> np.ndarray:
        x = rho if self.parity is None else rho * rho
        value = np.full_like(x, self.coefficients[-1])
        for a in self.coefficients[-2::-1]:
            value *= x
            value += a
        return rho * value if self.parity is Parity.ODD else value


def _gamma(m: int) -> float:
    """γ_m = mu/(1 − mu): the relative rounding of m float64 operations."""
    return m * _UNIT / (1 - m * _UNIT)


def _polyder(squares: list, order: int) -> list:
    """The coefficients of d^order/dρ^order Σ_k q_k ρ^k (exact in the inputs' arithmetic):
    k(k−1)…(k−order+1) q_k at ρ^{k−order}."""
    return [math.perm(k, order) * q for k, q in enumerate(squares)][order:]


#: The tails kept by :func:`float64_series`: Φ, Φ′ and Φ″ (Σ_{k≥N} c_k², k c_k², k(k−1) c_k²).
TAILS = (1e-17, 1e-17, 1e-15)


def float64_series(sigma: sp.Expr, kinks: tuple, parity: Parity | None) -> Float64Series:
    """The float64 evaluator of Φ(ρ) = Σ c_k² ρ^k (unit norms) and its two derivatives, the m-th
    truncated where its tail Σ_{k≥N_m} k(k−1)…(k−m+1) c_k² = E[(σ^{(m)})²] − Σ_{k<N_m} … is ≤
    :data:`TAILS` [m] by both coefficient rules.

    Only for smooth σ: at a kink the c_k decay algebraically and no :data:`MAX_TERMS`-term
    series reaches 1e-14 near ρ = ±1."""
    if kinks:
        raise PrecisionError(f"σ = {sigma} is not smooth at {', '.join(map(str, kinks))}: its Hermite "
                             "coefficients decay algebraically, so no float64 evaluator with a 1e-14 "
                             "guarantee on [−1, 1] is available")
    rules = [(FLOAT64_DIGITS + shift, bool(shift)) for shift in (0, 8)]
    moments = [[coefficients(sp.diff(sigma, t, m), (), 1, 1, *rule)[1] for m in (1, 2)] for rule in rules]
    for terms in BLOCKS:
        sets = [coefficients(sigma, (), 1, terms, *rule) for rule in rules]
        if max(abs(a - b) for a, b in zip(sets[0][0], sets[1][0], strict=True)) > 1e-20:
            raise PrecisionError("the two coefficient rules disagree beyond 1e-20")
        by_order = [[_tails(c, [total, *m], order) for (c, total), m in zip(sets, moments, strict=True)]
                    for order in range(len(TAILS))]               # by_order[order][rule][n]
        ends = [_first_below(tolerance, by_rule) for tolerance, by_rule in zip(TAILS, by_order, strict=True)]
        if None not in ends:
            tails = [max(0, *(tail[n] for tail in by_rule))
                     for n, by_rule in zip(ends, by_order, strict=True)]
            return Float64Series([q ** 2 for q in sets[1][0][:max(ends)]], tuple(tails), parity, tuple(ends))
    raise SlowConvergence(f"Σ c_k² ρ^k or a derivative needs more than {MAX_TERMS} terms for the float64 "
                          f"tails {TAILS}")


def _tails(c: tuple, totals: list, order: int) -> list:
    """[Σ_{k≥n} k(k−1)…(k−order+1) c_k² for n = 0 … len(c)] as totals[order] minus partial sums."""
    out, tail = [], totals[order]
    for k, q in enumerate(c):
        out.append(tail)
        tail = tail - math.perm(k, order) * q * q
    return [*out, tail]


def _first_below(tolerance: float, rules: list) -> int | None:
    """The first n at which every rule's tail is ≤ ``tolerance`` (None: not within these terms)."""
    return next((n for n, tails in enumerate(zip(*rules, strict=True)) if max(tails) <= tolerance), None)


# ---------------------------------------------------------------------- what is known, in LaTeX

SHOWN = 6  # coefficients printed in the LaTeX form


def latex(sigma: sp.Expr, kinks: tuple, parity: Parity | None, form: Form | str) -> str:
    """The series with its first coefficients (at unit norm, 10 digits; zeros by parity exact).

    No ``=`` inside: :func:`theory.core.latex.parse` reads the text after the last one.

    >>> from theory.core.symbols import t
    >>> print(latex(sp.tanh(t), (), Parity.ODD, "zonal"))
    \\sum_{k \\ge 0} c_k^{2} \\rho^{k}, \\quad c_k \\equiv \\mathbb{E}\\left[\\sigma(X)\\, h_k(X)\\right]:\\ \
c_{2j} \\equiv 0,\\ c_{1} \\approx 0.605705509602,\\ c_{3} \\approx -0.148437190787,\\ \
c_{5} \\approx 0.0625475237527,\\ \\ldots
    """
    values, _ = coefficients(sigma, kinks, 1, 2 * SHOWN, 20)
    skip = None if parity is None else 1 - parity.first  # the index class that vanishes
    shown = [f"c_{{{k}}} \\approx {mpmath.nstr(c, 12) if abs(c) > 1e-15 else 0}" for k, c in enumerate(values)
             if skip is None or k % 2 != skip][:SHOWN // (1 if skip is None else 2)]
    zeros = {Parity.ODD: [r"c_{2j} \equiv 0"], Parity.EVEN: [r"c_{2j+1} \equiv 0"]}.get(parity, [])
    listed = r",\ ".join(zeros + shown + [r"\ldots"])
    if form_named(form).unit_norms:
        return (r"\sum_{k \ge 0} c_k^{2} \rho^{k}, "
                r"\quad c_k \equiv \mathbb{E}\left[\sigma(X)\, h_k(X)\right]:\ " + listed)
    return (r"\sum_{k \ge 0} c_k(\|\theta\|)\, c_k(\|w\|) "
            r"\left(\frac{\theta^{\top} w}{\|\theta\| \|w\|}\right)^{k}, "
            r"\quad c_k(a) \equiv \mathbb{E}\left[\sigma(a X)\, h_k(X)\right],\ c_k \equiv c_k(1):\ "
            + listed)


# ---------------------------------------------------------------------- certified enclosures

#: Proven envelopes ``|σ(t)| ≤ A + B|t|`` on the real line: ``|tanh| ≤ 1``, 0 < sigmoid < 1,
#: 0 < softplus(t) ≤ log 2 + max(t, 0), ``|t·sigmoid(t)| ≤ |t|``, ``|t·tanh(softplus(t))| ≤ |t|``,
#: ELU (both spellings): t for t > 0, ``|e^t − 1| < 1`` for t ≤ 0, so ``|ELU(t)| ≤ 1 + |t|``; and
#: GELU ``|t·Φ(t)| ≤ |t|``.
ENVELOPES = {
    sp.tanh(t): (1, 0), 1 / (1 + sp.exp(-t)): (1, 0), sp.log(sp.exp(t) + 1): (sp.log(2), 1),
    t / (1 + sp.exp(-t)): (0, 1), t * sp.tanh(sp.log(sp.exp(t) + 1)): (0, 1),
    sp.Max(t, 0) + sp.exp(sp.Min(t, 0)) - 1: (1, 1), sp.Piecewise((t, t > 0), (sp.exp(t) - 1, True)): (1, 1),
    t * (1 + sp.erf(t / sp.sqrt(2))) / 2: (0, 1),
}
MAX_CERTIFIED_TERMS = 400


def envelope(sigma: sp.Expr) -> tuple:
    """(A, B, 1): the proven ``|σ(t)| ≤ A + B|t|`` of :data:`ENVELOPES`, else
    :class:`~theory.core.errors.PrecisionError` (no certified value without one)."""
    if sigma not in ENVELOPES:
        raise PrecisionError(f"no certified value for σ = {sigma}: no proven envelope |σ(t)| ≤ A + B|t| "
                             f"is known (certified: {', '.join(map(str, ENVELOPES))})")
    return (*ENVELOPES[sigma], 1)


def certified_value(sigma: sp.Expr, a, b, c, *, dps: int = 30, kinks: tuple = (), biases=(0, 0)):
    """A python-flint ``arb`` ball proven to contain Φ = E[σ(U + β)σ(V + γ)] (Var U = a², Var V = b²,
    Cov c, (β, γ) = ``biases``).

    The proof rests on: (i) Mehler's formula and the tail bound ``|Σ_{k≥N}| ≤ |ρ|^N √(r_N(a) r_N(b))``
    (Parseval: r_N = E[σ(aX + β)²] − Σ_{k<N} c_k², for any bias);
    (ii) each c_k(a, β) = ∫ σ(y) h_k(x) φ(x) dy/a, x = (y − β)/a, over a y-interval with exact ends
    covering ``|x| ≤ L``, enclosed by arb's rigorous ``acb.integral`` (h_k(x) = H_k(x/√2)/(2^{k/2}√k!);
    for a kinked σ such as ELU, one integral between consecutive kinks, of the analytic branch there,
    :func:`analytic_branches`), the rest ``|x| > L`` bounded with ``|h_k(x)| ≤ e^{x²/4}`` (Cramér's
    inequality) and the envelope ``|σ(y)| ≤ A + B|y| ≤ (A + B|β|) + Ba|x|`` of :data:`ENVELOPES`
    (proven by hand, a hypothesis of the proof);
    (iii) E[σ(aX + β)²] bounded above the same way, so r_N is an upper bound.

    It needs norms provably positive and ``|ρ|`` provably below 1: at ρ = ±1 the tail bound is no
    smaller than r_N, which decays only like a power of N for a kinked σ. Exact inputs with ρ = ±1 or
    a zero norm are certified by the line integral of :mod:`theory.potentials.line_mean` instead (the
    callers :meth:`Potential.at <theory.potentials.potential.Potential.at>` and
    :meth:`BiasedPotential.certified_at <theory.potentials.biased.BiasedPotential.certified_at>` decide
    that exactly); a ball that merely contains ρ = ±1 or a zero norm, an activation without a proven
    envelope, or a ρ that would need more than :data:`MAX_CERTIFIED_TERMS` terms, raises
    :class:`~theory.core.errors.PrecisionError` (no float is dressed as a ball).

    >>> from theory.core.symbols import t
    >>> ball = certified_value(sp.tanh(t), 1, 1, sp.Rational(1, 2), dps=20)
    >>> ball.str(20, radius=False), float(ball.rad()) < 1e-20
    ('0.18632441320344808611', True)
    """
    from flint import arb

    check_dps(dps)
    envelope(sigma)
    with flint_digits(dps + 15):
        a_, b_, c_, beta, gamma = (ball(v) for v in (a, b, c, *biases))
        if not (a_ > 0 and b_ > 0):
            raise PrecisionError("a certified series value needs norms that are provably positive (a zero "
                                 "norm is certified at exact inputs only, by a line integral)")
        rho = c_ / (a_ * b_)
        if abs(rho) > 1:
            raise InputError(f"ρ = c/(ab) = {rho.str(10)} is outside [−1, 1]")
        if not abs(rho) < 1:
            raise PrecisionError(f"a certified series value needs |ρ| provably below 1, and ρ = "
                                 f"{rho.str(10)} is not (a ball that merely contains ρ = ±1 is refused; "
                                 "ρ = ±1 at exact inputs is certified by a line integral)")
        need = (dps + 2) * _LN10 / -math.log(max(float(abs(rho).upper()), 1e-300))
        terms = math.ceil(need) + 1
        if terms > MAX_CERTIFIED_TERMS:
            raise PrecisionError(f"a certified value at ρ = {mpmath.nstr(float(rho.mid()), 6)} needs "
                                 f"more than {MAX_CERTIFIED_TERMS} rigorous coefficient integrals")
        ca, sa = _certified_coefficients(sigma, kinks, a_, beta, terms, dps)
        same = ((a_ == b_) is True or a == b) and ((beta == gamma) is True or biases[0] == biases[1])
        cb, sb = (ca, sa) if same else _certified_coefficients(sigma, kinks, b_, gamma, terms, dps)
        total, power = arb(0), arb(1)
        for k in range(terms):
            total += ca[k] * cb[k] * power
            power *= rho
            sa, sb = sa - ca[k] * ca[k], sb - cb[k] * cb[k]
        tail = integer_power(abs(rho), terms) * (sa.upper().max(arb(0)) * sb.upper().max(arb(0))).sqrt()
        return total + arb(0, tail.upper())


def _certified_coefficients(sigma: sp.Expr, kinks: tuple, a, shift, terms: int, dps: int) -> tuple:
    """Balls for c_0 … c_{terms−1} of σ(a· + β), β = ``shift``, and an upper ball for E[σ(aX + β)²]
    (see :func:`certified_value`)."""
    from flint import acb, arb

    envelope_a, big_b = (arb(str(sp.N(v, dps + 20))) for v in ENVELOPES[sigma])
    big_a = envelope_a + big_b * abs(shift)                     # |σ(ax + β)| ≤ big_a + big_b·a|x|
    reach = 2 * math.sqrt((dps + 6) * _LN10) + 2
    ends = [arb(math.floor(float((shift - a * reach).mid())) - 1),     # exact ends in y = ax + β
            arb(math.ceil(float((shift + a * reach).mid())) + 1)]
    L = arb(min(((shift - ends[0]) / a).lower(), ((ends[1] - shift) / a).lower()))   # |x| ≤ L is covered
    pieces = _pieces(analytic_branches(sigma, kinks), ends)
    root2, norm = arb(2).sqrt(), 1 / (2 * arb.pi()).sqrt()

    def integral(weight):
        def integrand(y, analytic, f):
            return f(y, analytic=analytic) * weight((y - shift) / a, f, y, analytic)
        return sum((acb.integral(functools.partial(integrand, f=f), lo, hi).real for f, lo, hi in pieces),
                   arb(0)) / a

    coefficients = []
    for k in range(terms):
        scale = norm / (root2 ** k * arb(k).fac().sqrt())
        core = integral(lambda x, f, y, analytic, k=k: (x / root2).hermite_h(k) * (-x * x / 2).exp()) * scale
        # |∫_{|x|>L}| ≤ 2∫_L^∞ (A + B a x) e^{−x²/4}/√(2π) dx
        tail = 2 * norm * (big_a * arb.pi().sqrt() * (L / 2).erfc() + 2 * big_b * a * (-L * L / 4).exp())
        coefficients.append(core + arb(0, tail.upper()))
    second = integral(lambda x, f, y, analytic: f(y, analytic=analytic) * (-x * x / 2).exp()) * norm
    # ∫_{|x|>L} (A + B a x)² φ ≤ 2(2A² Q(L) + 2B²a² (Lφ(L) + Q(L))), Q the normal tail
    q, phi_l = (L / root2).erfc() / 2, norm * (-L * L / 2).exp()
    second += 4 * (big_a * big_a * q + big_b * big_b * a * a * (L * phi_l + q))
    return coefficients, second


def _pieces(branches: tuple, ends: list) -> list[tuple]:
    """(branch, lo, hi): the y-interval [ends] cut at the kinks, each piece with σ's branch there
    (:func:`analytic_branches`)."""
    out = []
    for f, lo, hi in branches:
        left = ends[0] if lo == -sp.oo else max(ends[0], ball(lo))
        right = ends[1] if hi == sp.oo else min(ends[1], ball(hi))
        if left < right:
            out.append((f, left, right))
    return out


@functools.lru_cache(maxsize=64)
def analytic_branches(sigma: sp.Expr, kinks: tuple) -> tuple[tuple, ...]:
    """(ball function, lo, hi): σ's analytic branch on each open interval between consecutive kinks
    (lo = −∞ and hi = ∞ at the ends), so that ``acb.integral`` sees analytic integrands.

    The branch is read off σ with its case distinctions (Max, Min, Abs, sign, Heaviside, Piecewise)
    rewritten as Piecewise: on (lo, hi) each Piecewise is its first piece whose condition holds on the
    whole interval, decided exactly by SymPy's sets; a condition that changes inside the interval (a
    kink missing from ``kinks``) raises :class:`~theory.core.errors.PrecisionError`."""
    ends = [-sp.oo, *sorted(kinks), sp.oo]
    return tuple((ball_function(_branch(sigma, sp.Interval.open(lo, hi)), (t,)), lo, hi)
                 for lo, hi in itertools.pairwise(ends))


def _branch(sigma: sp.Expr, interval: sp.Interval) -> sp.Expr:
    """σ on ``interval`` without case distinctions (see :func:`analytic_branches`)."""
    def piece_on_interval(*pieces):
        for piece, condition in (pair.args for pair in pieces):
            held = condition.as_set().intersect(interval)
            if held == interval:
                return piece
            if held != sp.S.EmptySet:
                raise PrecisionError(f"σ = {sigma} changes branch at {condition} inside {interval}: "
                                     "a kink is missing, no certified integral")
        raise PrecisionError(f"σ = {sigma} is undefined on {interval}")
    return sp.piecewise_fold(sigma.rewrite(sp.Piecewise)).replace(sp.Piecewise, piece_on_interval)
