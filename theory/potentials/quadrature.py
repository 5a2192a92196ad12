"""Gaussian expectations by high-precision quadrature that confirms its own digits.

This is the toolkit's independent numeric route: it shares nothing with the
symbolic engine but the activation's expression, so it is what every closed
form is checked against, and what a potential falls back on when no exact
route applies.

For (U, V) centred normal with Var U = a², Var V = b², Cov = c, write
U = aX, V = (c/a)X + sY with s = √(b² − c²/a²) and X, Y independent standard
normal; then

.. math::

    E[f(U)g(V)] = \\int φ(x) f(ax)\\, G\\big(\\tfrac{c}{a}x\\big)\\,dx, \\qquad
    G(m) = \\int φ(y)\\, g(m + s y)\\,dy .

**How each line integral is done.** ∫φ(x)F(x)dx is cut to [−L, L], where a
bound ``|F(x)| ≲ e^{κ|x| + (1/2 − λ)x²}`` on the integrand (κ, λ from the growth
of the activations) leaves a tail below the target, and split at the kinks.
Each stretch between kinks is covered by pieces of half-width h with
n = 3·2^(k−1) Gauss–Legendre nodes each, from the error bound
ρ^{−2n}, ρ = e^{asinh(δ/h)}, of a function analytic within δ of the piece. δ is
an assumption (:data:`DISTANCE` in the activation's own variable: tanh, sigmoid
and softplus are analytic within π/2 of the real line), and far in the tails,
where the Gaussian makes a piece negligible, fewer digits are asked of it.
Around the line where a kink of g crosses x (the inner integral then changes
on the scale ``s·a/|c|``) the cuts are graded geometrically.

**How the digits are confirmed.** Two such quadratures, at two working
precisions and on two different sets of nodes, must agree to the requested
digits (plus two) before a value is returned; otherwise the next, finer one
(more digits, δ halved) is compared with the last, within a budget of
integrand evaluations, and :class:`~theory.core.errors.PrecisionError` says how many
digits did agree. mpmath's own ``quad`` is not used: over an interval much
wider than the distance to the integrand's poles it stops at its maximum
degree and returns an unconverged value without saying so (E[tanh(U)tanh(V)]
came back 13 digits right when 20 were asked).

>>> import sympy as sp
>>> from theory.core.symbols import t
>>> relu = sp.Max(t, 0)
>>> str(gaussian_mean(relu, dps=30))      # E[max(X, 0)] = 1/√(2π)
'0.398942280401432677939946059934'
>>> str(bivariate(sp.exp(-t**2/2), None, 1, 1, 0, dps=20))    # E[e^{−X²/2}]² = 1/2
'0.5'
>>> bivariate(relu, None, 1, 1, sp.Rational(1, 2), dps=20, budget=100)
Traceback (most recent call last):
...
theory.core.errors.PrecisionError: could not confirm 20 digits ... beyond the budget of 100
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import mpmath
import sympy as sp
from mpmath.calculus.quadrature import GaussLegendre

from ..core.errors import InputError, PrecisionError
from ..core.numeric import check_dps, context, mpmath_function, output_context
from ..core.parsing import as_expression, as_number
from ..core.symbols import t

GUARD = 10  # extra digits callers carry in arguments they round before calling
DISTANCE = 1.0  # assumed half-width of the strip around the real line where an activation is analytic
BUDGET = 4_000_000  # integrand evaluations allowed for one confirmed value
ROUNDS = 5  # quadratures tried before giving up
GRADED = 2.0  # cuts graded geometrically around a crossing reach this far from it
MAX_DEGREE = 8  # mpmath's Gauss–Legendre degree k has 3·2^(k−1) nodes: at most 384
MAX_PIECES = 20_000  # pieces of one line integral
_LN10 = math.log(10)


def gaussian_mean(f: sp.Expr, scale=1, *, dps: int = 30, kinks: Sequence = (),
                  budget: int = BUDGET) -> mpmath.mpf:
    """E[f(aX)] for X ~ N(0, 1) and a = ``scale`` > 0, with ``dps`` confirmed digits.

    .. math:: E[f(aX)] = \\int φ(x) f(ax)\\,dx

    ``kinks`` adds to the kinks found in ``f`` (Max, Min, Abs, sign, Heaviside,
    Piecewise). An expectation that cancels to below 10^{−dps−2} of Σ|terms| of
    its quadrature (an odd integrand, say) is returned as 0. Raises
    :class:`~theory.core.errors.PrecisionError` when two quadratures do not agree
    within ``budget`` integrand evaluations.

    >>> from theory.core.symbols import t
    >>> str(gaussian_mean(sp.exp(t), 2, dps=25))     # E[e^{2X}] = e²
    '7.389056098930650227230427'
    >>> gaussian_mean(sp.tanh(t), dps=20)
    mpf('0.0')
    """
    check_dps(dps)
    f, kinks = _activation(f, "f"), _kinks_given(kinks)
    return _confirmed(_Mean(f, as_number(scale, what="the scale"), kinks), dps, budget, f"E[{f}]")


def bivariate(f: sp.Expr, g: sp.Expr | None = None, a=1, b=1, c=0, *, dps: int = 30,
              kinks: Sequence = (), budget: int = BUDGET) -> mpmath.mpf:
    """E[f(U)g(V)] with Var U = a², Var V = b², Cov(U, V) = c, with ``dps`` confirmed digits.

    ``f`` and ``g`` (default ``f``) are expressions in ``t``; ``kinks`` adds to
    the kinks found in them. The value is returned only when two quadratures at
    different precisions agree to ``dps`` digits (one that cancels to below
    10^{−dps−2} of Σ|terms| is returned as 0); otherwise
    :class:`~theory.core.errors.PrecisionError`.

    >>> from theory.core.symbols import t
    >>> str(bivariate(t**2, None, 2, 1, 1, dps=20))        # E[U²V²] = a²b² + 2c²
    '6.0'
    """
    check_dps(dps)
    f, kinks = _activation(f, "f"), _kinks_given(kinks)
    g = f if g is None else _activation(g, "g")
    what = f"E[{f}(U)·{g}(V)]"
    a, b, c = _moments(a, b, c)
    if c == 0:  # independent: the double integral factorises
        try:
            means = [gaussian_mean(h, scale, dps=dps + 3, kinks=kinks, budget=budget // 2)
                     for h, scale in ((f, a), (g, b))]
        except PrecisionError as why:
            raise PrecisionError(f"could not confirm {dps} digits of {what} = E[{f}(U)]·E[{g}(V)]: "
                                 f"{why}") from why
        return output_context(dps).mpf(means[0] * means[1])
    return _confirmed(_Bivariate(f, g, a, b, c, kinks), dps, budget, what)


# ---------------------------------------------------------------------- verification

@dataclass(frozen=True)
class Effort:
    """How hard one quadrature tries: the digits each line integral aims at, and δ (in t)."""

    digits: int
    distance: float

    @classmethod
    def sequence(cls, dps: int) -> Iterator[Effort]:
        """dps + 3, dps + 7, … digits; δ halved from the third on (a nearer singularity)."""
        for k in range(ROUNDS):
            yield cls(dps + 3 + 4 * k, DISTANCE / 2 ** max(0, k - 1))


@dataclass(frozen=True)
class Estimate:
    """One quadrature: the value, Σ|terms| (the scale cancellation is measured against), its cost."""

    value: mpmath.mpf
    magnitude: mpmath.mpf
    evaluations: int


def agreeing_digits(first, second) -> float:
    """−log₁₀ (``|first − second|/|second|``): the significant digits two numbers share.

    >>> round(agreeing_digits(mpmath.mpf("1.2345"), mpmath.mpf("1.2346")), 2)
    4.09
    """
    if first == second:
        return math.inf
    if second == 0:
        return 0.0
    return max(0.0, -float(mpmath.log10(abs(first - second) / abs(second))))


def _confirmed(problem, dps: int, budget: int, what: str) -> mpmath.mpf:
    """The value of ``problem`` once two successive quadratures agree to dps + 2 digits."""
    previous, spent, agreed = None, 0, ""
    for effort in Effort.sequence(dps):
        cost = problem.cost(effort)
        if spent + cost > budget:
            raise PrecisionError(f"could not confirm {dps} digits of {what}: the next quadrature needs "
                                 f"{cost} integrand evaluations, beyond the budget of {budget}{agreed}")
        current = problem.estimate(effort)
        spent += current.evaluations
        if previous is not None:
            value = _agreed(previous, current, dps)
            if value is not None:
                return output_context(dps).mpf(value)
            agreed = f"; the last two agree to {agreeing_digits(previous.value, current.value):.1f} digits"
        previous = current
    raise PrecisionError(f"could not confirm {dps} digits of {what} in {ROUNDS} quadratures{agreed}")


def _agreed(first: Estimate, second: Estimate, dps: int):
    """The value both estimates give to dps + 2 digits (0 if both vanish at that scale), else None."""
    tolerance = mpmath.mpf(10) ** -(dps + 2)
    if abs(first.value - second.value) <= tolerance * abs(second.value):
        return second.value
    if max(abs(first.value), abs(second.value)) <= tolerance * second.magnitude:
        return 0
    return None


# ---------------------------------------------------------------------- one line integral

@functools.lru_cache(maxsize=64)
def _standard_nodes(degree: int, prec: int) -> tuple[tuple, ...]:
    """Gauss–Legendre nodes and weights on [−1, 1] (3·2^(degree−1) of them), as raw mpf tuples."""
    rule = GaussLegendre(context(15))
    return tuple((x._mpf_, w._mpf_) for x, w in rule.calc_nodes(degree, prec))


def _degree_for(digits: float) -> tuple[int, float]:
    """(degree, ξ): the fewest Gauss–Legendre nodes n = 3·2^(degree−1) with ξ = digits·ln 10/(2n) ≤ 3/4.

    A function analytic within δ of a piece of half-width h = δ/sinh ξ is integrated
    by n nodes with an error of about ρ^{−2n} = 10^{−digits}, ρ = e^{asinh(δ/h)} = e^ξ:
    n·sinh(ξ)/δ nodes per unit length, within 10 % of the limit digits·ln 10/(2δ) when ξ ≤ 3/4.
    """
    for degree in range(1, MAX_DEGREE + 1):
        xi = digits * _LN10 / (2 * 3 * 2 ** (degree - 1))
        if xi <= 0.75:
            return degree, xi
    if xi > 4:  # pieces of half-width δ/sinh ξ: over 27 times narrower than δ
        raise PrecisionError(f"{digits:.0f} digits need more than {3 * 2 ** (MAX_DEGREE - 1)} "
                             "Gauss–Legendre nodes per piece")
    return MAX_DEGREE, xi


@dataclass(frozen=True)
class _Line:
    """∫φ(x)F(x)dx, with |F(x)| ≲ e^{rate·|x| + (1/2 − decay)x²}.

    F is analytic within ``distance`` of the real line between ``breaks``, and
    near each (centre, radius) of ``crossings`` changes on the scale radius.
    """

    decay: float
    rate: float
    distance: float
    breaks: tuple = ()
    crossings: tuple = ()

    def pieces(self, ctx: mpmath.MPContext, digits: int) -> list[tuple]:
        """(u, v, degree) for the pieces [u, v] of [−L, L]: cut at the breaks and the graded
        points, each stretch then covered by pieces as wide as the digits asked of them allow."""
        peak = self.rate / (2 * self.decay)
        reach = peak + math.sqrt((digits + 2) * _LN10 / self.decay)
        cuts = {ctx.mpf(-reach), ctx.mpf(reach)}
        for centre, radius in self.crossings:
            step = radius
            while step < GRADED:
                cuts.update((centre - step, centre + step))
                step *= 2
        cuts.update(self.breaks)
        cuts = sorted(p for p in cuts if -reach <= p <= reach)
        pieces = []
        for u, v in itertools.pairwise(cuts):
            distance = self._distance(float(u), float(v))
            while True:
                degree, width = self._piece(float(u), float(v), distance, digits, peak)
                if float(u) + width >= float(v):
                    pieces.append((u, v, degree))
                    break
                pieces.append((u, u + width, degree))
                u = u + width
                if len(pieces) > MAX_PIECES:
                    raise PrecisionError(f"{digits} digits need more than {MAX_PIECES} quadrature pieces")
        return pieces

    def _piece(self, u: float, v: float, distance: float, digits: int, peak: float) -> tuple[int, float]:
        """(degree, width) of the piece starting at u: the digits it needs, from its envelope."""
        width = v - u
        for _ in range(2):  # the need over [u, u + width] fixes the width, which can only shrink
            need = max(1.0, digits - self._deficit(u, min(u + width, v), peak))
            degree, xi = _degree_for(need)
            width = min(width, 2 * distance / math.sinh(xi))
        return degree, width

    def size(self, ctx: mpmath.MPContext, digits: int) -> int:
        return sum(3 * 2 ** (degree - 1) for _, _, degree in self.pieces(ctx, digits))

    def rule(self, ctx: mpmath.MPContext, digits: int, cuts: Sequence = ()) -> list[tuple]:
        """Nodes x and weights W (the normal density included): ∫φF ≈ Σ W F(x).

        ``cuts`` are further kinks: a piece holding one is integrated on both sides of it.
        """
        return [node for piece in self.pieces(ctx, digits) for node in _split(ctx, piece, cuts)]

    def fixed_rule(self, ctx: mpmath.MPContext, digits: int) -> Callable[[Sequence], list[tuple]]:
        """``rule`` with the nodes computed once: a function of the further cuts."""
        pieces = self.pieces(ctx, digits)
        nodes = [_split(ctx, piece, ()) for piece in pieces]

        def rule(cuts: Sequence) -> list[tuple]:
            return [node for piece, done in zip(pieces, nodes, strict=True)
                    for node in (done if not any(piece[0] < p < piece[1] for p in cuts)
                                 else _split(ctx, piece, cuts))]
        return rule

    def _deficit(self, u: float, v: float, peak: float) -> float:
        """Digits the piece may lose: how far its envelope stays below the envelope's peak."""
        def envelope(x):
            return -self.decay * x * x + self.rate * abs(x)

        candidates = [u, v] + [p for p in (-peak, peak) if u <= p <= v]
        return (envelope(peak) - max(map(envelope, candidates))) / _LN10

    def _distance(self, u: float, v: float) -> float:
        distance = self.distance
        for centre, radius in self.crossings:
            centre = float(centre)
            distance = min(distance, max(radius, centre - v, u - centre))
        return distance


def _split(ctx: mpmath.MPContext, piece: tuple, cuts: Sequence) -> list[tuple]:
    """Gauss–Legendre nodes and weights (times φ) on a piece, cut at the points inside it."""
    u, v, degree = piece
    ends = [u, *sorted(p for p in cuts if u < p < v), v]
    standard = [(ctx.make_mpf(x), ctx.make_mpf(w)) for x, w in _standard_nodes(degree, ctx.prec)]
    norm = 1 / ctx.sqrt(2 * ctx.pi)
    nodes = []
    for start, end in itertools.pairwise(ends):
        half, middle = (end - start) / 2, (end + start) / 2
        for xi, w in standard:
            x = middle + half * xi
            nodes.append((x, half * w * norm * ctx.exp(-x * x / 2)))
    return nodes


# ---------------------------------------------------------------------- the integrands

_WEIGHT_REACH = 2.0  # e^{−x²/2} grows by e^{δ²/2} at distance δ from the real line: assume no more


@dataclass(frozen=True)
class _Factor:
    """One activation as the quadrature sees it: its kinks and |σ(t)| ≲ e^{α|t| + βt²}."""

    expr: sp.Expr
    kinks: tuple
    alpha: float
    beta: float

    @classmethod
    def of(cls, expr: sp.Expr, extra: Sequence) -> _Factor:
        beta = max(float(_growth(expr)), 0.0)
        return cls(expr, tuple(_kinks(expr, extra)), _rate(expr, beta), beta)

    def compiled(self, ctx: mpmath.MPContext) -> Callable:
        return mpmath_function(self.expr, (t,), ctx)

    def kinks_in(self, ctx: mpmath.MPContext) -> list:
        return [ctx.mpf(sp.N(k, ctx.dps + 5)) for k in self.kinks]


class _Mean:
    """E[f(aX)] = ∫φ(x) f(ax) dx."""

    def __init__(self, f: sp.Expr, scale, kinks: Sequence):
        self.factor = _Factor.of(f, kinks)
        self.scale = scale
        if not scale.is_number or not scale > 0:
            raise InputError(f"the scale must be a positive number, got {scale}")
        _check_decay(0.5 - self.factor.beta * float(scale) ** 2)

    def line(self, ctx: mpmath.MPContext, effort: Effort) -> _Line:
        a = _number(self.scale, ctx)
        return _Line(0.5 - self.factor.beta * float(a) ** 2, self.factor.alpha * float(a),
                     min(_WEIGHT_REACH, effort.distance / float(a)),
                     tuple(k / a for k in self.factor.kinks_in(ctx)))

    def cost(self, effort: Effort) -> int:
        ctx = context(15)
        return self.line(ctx, effort).size(ctx, effort.digits)

    def estimate(self, effort: Effort) -> Estimate:
        ctx = context(effort.digits + 5)
        fn, a = self.factor.compiled(ctx), _number(self.scale, ctx)
        rule = self.line(ctx, effort).rule(ctx, effort.digits)
        terms = [weight * fn(a * x) for x, weight in rule]
        return Estimate(ctx.fsum(terms), ctx.fsum(terms, absolute=True), len(rule))


class _Bivariate:
    """E[f(U)g(V)] = ∫φ(x) f(ax) G(cx/a) dx with G(m) = ∫φ(y) g(m + sy) dy (s = 0: G = g)."""

    def __init__(self, f: sp.Expr, g: sp.Expr, a, b, c, kinks: Sequence):
        self.f, self.g = _Factor.of(f, kinks), _Factor.of(g, kinks)
        self.moments = (a, b, c)
        a, slope, s = self._parameters(context(20))
        self.inner_fixed = self.g.beta == 0  # then only the kinks of the inner integrand move with x
        _check_decay(self._outer(context(20), Effort(20, DISTANCE), a, slope, s).decay)

    def _parameters(self, ctx: mpmath.MPContext) -> tuple:
        a, b, c = (_number(v, ctx) for v in self.moments)
        slope = c / a
        s2 = b**2 - slope**2
        return a, slope, ctx.sqrt(s2) if s2 > b**2 * ctx.mpf(10) ** (-2 * ctx.dps) else ctx.zero

    def _outer(self, ctx: mpmath.MPContext, effort: Effort, a, slope, s) -> _Line:
        """The line in x. G(m) is analytic within max(δ, s) of the real line (|G(m + iη)| ≤
        e^{η²/2s²} E|g(m + sY)|), hence within max(δ, s)/|slope| in x."""
        f, g = self.f, self.g
        a_, slope_, s_ = float(a), abs(float(slope)), float(s)
        shrink = 1 - 2 * g.beta * s_**2
        _check_decay(shrink)
        distance = min(_WEIGHT_REACH, effort.distance / a_, max(effort.distance, s_) / slope_)
        breaks = [k / a for k in f.kinks_in(ctx)]
        if s == 0:  # V = (c/a)·U: one line, with the kinks of both factors
            return _Line(0.5 - f.beta * a_**2 - g.beta * slope_**2, f.alpha * a_ + g.alpha * slope_,
                         distance, tuple(breaks + [k / slope for k in g.kinks_in(ctx)]))
        crossings = tuple((k / slope, max(s_ / slope_, 1e-30)) for k in g.kinks_in(ctx))
        return _Line(0.5 - f.beta * a_**2 - g.beta * slope_**2 / shrink,
                     f.alpha * a_ + g.alpha * slope_ / shrink, distance, tuple(breaks), crossings)

    def _inner(self, m, s, effort: Effort) -> _Line:
        """The line in y for G(m), its kinks left to the rule's ``cuts``."""
        g, s_ = self.g, float(s)
        return _Line(0.5 - g.beta * s_**2, s_ * (g.alpha + 2 * g.beta * abs(float(m))),
                     min(_WEIGHT_REACH, effort.distance / s_))

    def cost(self, effort: Effort) -> int:
        ctx = context(15)
        a, slope, s = self._parameters(ctx)
        outer = self._outer(ctx, effort, a, slope, s).size(ctx, effort.digits)
        inner = 1 if s == 0 else self._inner(0, s, effort).size(ctx, effort.digits)
        return outer * (1 + inner)

    def estimate(self, effort: Effort) -> Estimate:
        ctx = context(effort.digits + 5)
        a, slope, s = self._parameters(ctx)
        fn, gn = self.f.compiled(ctx), self.g.compiled(ctx)
        outer_rule = self._outer(ctx, effort, a, slope, s).rule(ctx, effort.digits)
        if s == 0:
            terms = [w * fn(a * x) * gn(slope * x) for x, w in outer_rule]
            return Estimate(ctx.fsum(terms), ctx.fsum(terms, absolute=True), len(terms))
        fixed = self._inner(0, s, effort).fixed_rule(ctx, effort.digits) if self.inner_fixed else None
        kinks = self.g.kinks_in(ctx)
        terms, evaluations = [], 0
        for x, weight in outer_rule:
            outer = fn(a * x)
            evaluations += 1
            if not outer:  # f vanishes here: skip the inner integral
                continue
            m = slope * x
            cuts = [(k - m) / s for k in kinks]
            nodes = fixed(cuts) if fixed else self._inner(m, s, effort).rule(ctx, effort.digits, cuts)
            evaluations += len(nodes)
            terms.append(weight * outer * ctx.fdot((w, gn(m + s * y)) for y, w in nodes))
        return Estimate(ctx.fsum(terms), ctx.fsum(terms, absolute=True), evaluations)


def _check_decay(decay: float) -> None:
    if not decay > 0:
        raise InputError("the Gaussian expectation diverges: the activations grow like e^{t²/(4a²)} "
                         "or faster, where a is the scale")


def _activation(f, name: str) -> sp.Expr:
    """The caller's f or g as an expression in t, read without eval."""
    return as_expression(f, {"t": t}, what=f"the function {name}")


def _kinks_given(kinks: Sequence) -> tuple:
    """The caller's extra kinks as exact SymPy numbers, read without eval."""
    return tuple(as_number(k, what="a kink") for k in kinks)


def _number(value, ctx: mpmath.MPContext) -> mpmath.mpf:
    return ctx.mpf(sp.N(value, ctx.dps + 5)) if isinstance(value, sp.Basic) else ctx.mpf(value)


def _moments(a, b, c) -> tuple:
    """(a, b, c) checked: a, b > 0 and |c| ≤ ab (up to rounding of the caller's arguments)."""
    ctx = context(40)
    a, b, c = (as_number(v, what=name) for v, name in ((a, "a"), (b, "b"), (c, "c")))
    try:
        a_, b_, c_ = (_number(v, ctx) for v in (a, b, c))
    except (TypeError, ValueError) as why:
        raise InputError(f"the moments a, b, c must be real numbers, got {a}, {b}, {c}") from why
    if not (a_ > 0 and b_ > 0):
        raise InputError(f"standard deviations must be positive, got a={a}, b={b}")
    if abs(c_) > a_ * b_ * (1 + ctx.mpf(10) ** -15):
        raise InputError(f"covariance {c} exceeds a·b = {a_ * b_}: not a valid covariance")
    return a, b, c


def _kinks(expr: sp.Expr, extra: Sequence) -> list:
    from .activations import activation  # local: activations imports nothing numeric

    found = set(activation(expr).kinks) if expr.has(t) else set()
    return sorted(found | set(extra), key=float)


def _growth(expr: sp.Expr) -> sp.Expr:
    from .activations import activation

    return activation(expr).growth if expr.has(t) else sp.S.Zero


def _rate(expr: sp.Expr, beta: float) -> float:
    """α with |σ(t)| ≲ e^{α|t| + βt²} where the Gaussian mass is, read off |σ(±4)|, |σ(±8)|, |σ(±16)|."""
    if not expr.has(t):
        return 0.0
    ctx = context(20)
    fn, alpha = mpmath_function(expr, (t,), ctx), 0.0
    for point in (4, 8, 16, -4, -8, -16):
        try:
            value = abs(fn(ctx.mpf(point)))
        except (ArithmeticError, ValueError, TypeError):
            continue
        if ctx.isfinite(value) and value > 1:
            alpha = max(alpha, (float(ctx.log(value)) - beta * point**2) / abs(point))
    return alpha
