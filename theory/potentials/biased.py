"""The biased potential Φ(θ, β; w, γ) = E_x[σ(θᵀx + β) σ(wᵀx + γ)], x ~ N(0, I_d).

With u = θᵀx + β, v = wᵀx + γ, the pair is bivariate normal with means (β, γ) and
covariance [[a², c], [c, b²]] (a = ‖θ‖, b = ‖w‖, c = θᵀw), so Φ depends on
(a, b, c, β, γ). Write u = β + aX, v = γ + bY with (X, Y) standard, corr(X, Y) = ρ = c/(ab),
h = β/a, k = γ/b the standardised means, r = √(1 − ρ²), and

.. math::

    L(h, k; \\rho) = P(X > -h,\\ Y > -k) = \\Phi(h)\\Phi(k)
        + \\frac{1}{2\\pi}\\int_0^{\\arcsin \\rho} e^{-\\frac{h^2 + k^2 - 2hk\\sin t}{2\\cos^2 t}}\\,dt

(Sheppard's formula, valid on the whole of [−1, 1]; equivalently two Owen's T functions).
Closed forms (derived in :func:`relu`, checked against 2-D quadrature in the tests):

* step 1{t > 0}: Φ = L(h, k; ρ) — an orthant probability;
* sign: Φ = 4L − 2Φ(h) − 2Φ(k) + 1;
* ReLU: Φ = (βγ + c) L + β b φ(k) Φ((h − ρk)/r) + γ a φ(h) Φ((k − ρh)/r) + a b r φ(h) φ((k − ρh)/r);
* exp: Φ = exp(β + γ + (a² + b² + 2c)/2);
* erf: Φ = 4L(h′, k′; ρ′) − 2Φ(h′) − 2Φ(k′) + 1 with ã² = a² + ½, b̃² = b² + ½, h′ = β/ã,
  k′ = γ/b̃, ρ′ = c/(ãb̃): erf(u) = 2P(Z ≤ √2u) − 1 for an independent Z ~ N(0, 1), so
  E[P(Z₁ ≤ √2u)P(Z₂ ≤ √2v)] = P(aX − Z₁/√2 ≥ −β, bY − Z₂/√2 ≥ −γ), an orthant probability
  of a pair with variances ã², b̃² and covariance c (the sign formula with smoothed norms; ρ′ ∈ (−1, 1)).

ρ = ±1 (θ, w parallel) and zero norms are exact inputs: they are evaluated by their own
one-dimensional formulas, never by a limit of the ones above. Any other activation
takes the numeric route: nested
quadrature over (X, Z), Y = ρX + rZ, split at the kinks, confirmed at two precisions.

>>> phi = biased("relu")
>>> str(phi.at(1, 1, 0, 0, 0, dps=20))                   # β = γ = 0, ρ = 0: 1/(2π)
'0.15915494309189533577'
>>> str(phi.at(0, 1, 0, 2, 0, dps=15))                   # θ = 0: relu(2)·E[relu(Y)] = 2/√(2π)
'0.797884560802865'
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mpmath
import sympy as sp

from .activations import Activation, activation
from .quadrature import GUARD
from ..core.errors import InputError, PrecisionError
from ..core.latex import latex as house_latex
from ..core.parsing import as_number
from ..core.numeric import check_dps, context, mpmath_function, output_context
from ..core.validators import DIGITS

MAX_DPS = 60  # the nested quadrature of the numeric route is confirmed to at most this many digits


class Family(enum.Enum):
    """Activations whose biased Φ has a closed form."""

    STEP = "step"
    SIGN = "sign"
    RELU = "relu"
    EXP = "exp"
    ERF = "erf"


_T = sp.Symbol("t", real=True)
_FAMILY_OF = {sp.Heaviside(_T): Family.STEP, sp.sign(_T): Family.SIGN,
              sp.Max(0, _T): Family.RELU, sp.exp(_T): Family.EXP,
              sp.erf(_T): Family.ERF}

# symbols of the printed formula
a, b, c = sp.symbols(r"\|\theta\| \|w\| \theta^{\top}w", positive=True)
beta, gamma = sp.symbols("beta gamma", real=True)
_h, _k, _rho = sp.Symbol("h"), sp.Symbol("k"), sp.Symbol("rho")
_L = sp.Function("L")
_N = sp.Function("Phi")   # the standard normal CDF
_n = sp.Function("varphi")  # the standard normal density


def _formula(family: Family) -> sp.Expr:
    r = sp.sqrt(1 - _rho**2)
    L = _L(_h, _k, _rho)
    if family is Family.STEP:
        return L
    if family is Family.SIGN:
        return 4 * L - 2 * _N(_h) - 2 * _N(_k) + 1
    if family is Family.EXP:
        return sp.exp(beta + gamma + (a**2 + b**2 + 2 * c) / 2)
    if family is Family.ERF:  # h, k, ρ of the smoothed norms ã, b̃ (module docstring)
        return 4 * L - 2 * _N(_h) - 2 * _N(_k) + 1
    return ((beta * gamma + c) * L + beta * b * _n(_k) * _N((_h - _rho * _k) / r)
            + gamma * a * _n(_h) * _N((_k - _rho * _h) / r) + a * b * r * _n(_h) * _n((_k - _rho * _h) / r))


@dataclass(frozen=True)
class BiasedPotential:
    """Φ(θ, β; w, γ) = E_x[σ(θᵀx + β) σ(wᵀx + γ)] as a function of (‖θ‖, ‖w‖, θᵀw, β, γ).

    Attributes
    ----------
    activation : Activation
    family : Family or None
        The closed form used (``None``: the numeric route).
    method : str
        How Φ is obtained.
    """

    activation: Activation
    family: Family | None
    method: str

    @property
    def exact(self) -> bool:
        return self.family is not None

    @property
    def name(self) -> str:
        return self.activation.name

    def at(self, na, nb, dot, beta_, gamma_, *, dps: int = 30, certified: bool = False):
        """Φ at ‖θ‖, ‖w‖, θᵀw, β, γ with ``dps`` digits confirmed at two working precisions."""
        check_dps(dps)
        if certified:
            raise InputError("certified=True: no ball-arithmetic proof exists for a biased potential "
                             "(its values are numeric evidence at two precisions)")
        if not self.exact:
            check_numeric_dps(dps, "the numeric route of a biased potential")
        values = _checked(na, nb, dot, beta_, gamma_)
        return two_precisions(self.working_value, values, dps, "the biased potential")

    def working_value(self, values: tuple, dps: int):
        """Φ at ``values`` = (‖θ‖, ‖w‖, θᵀw, β, γ) computed once at ``dps`` working digits (unconfirmed)."""
        return self._closed(values, dps) if self.exact else self._numeric(values, dps)

    def evaluate(self, theta_: Sequence, beta_, w_: Sequence, gamma_, *, dps: int = 30):
        """Φ(θ, β; w, γ) for coordinates θ, w (sequences of numbers) and biases β, γ."""
        check_dps(dps)
        if len(theta_) != len(w_) or not len(theta_):
            raise InputError(f"θ and w must have one common dimension ≥ 1, got {len(theta_)} and {len(w_)}")
        ctx = context(dps + 2 * GUARD)
        th, wv = ([ctx.mpf(_number(v, "θ, w")) for v in vec] for vec in (theta_, w_))
        na, nb = ctx.sqrt(ctx.fdot(th, th)), ctx.sqrt(ctx.fdot(wv, wv))
        dot = ctx.fdot(th, wv)
        if dot == na * nb or dot == -na * nb:
            dot = exact_dot(theta_, w_, na, nb, dot)
        return self.at(na, nb, dot, beta_, gamma_, dps=dps)

    def latex(self) -> str:
        """``\\Phi(\\theta, \\beta; w, \\gamma) = …`` with h = β/‖θ‖, k = γ/‖w‖, ρ = θᵀw/(‖θ‖‖w‖)."""
        head = r"\Phi(\theta, \beta; w, \gamma) = "
        if not self.exact:
            return head + r"\mathbb{E}_{x \sim N(0, I_d)}\left[\sigma(\theta^{\top} x + \beta)\, " \
                          r"\sigma(w^{\top} x + \gamma)\right] \quad \text{(numeric: 2-D quadrature)}"
        text = head + house_latex(_formula(self.family))
        if self.family is Family.ERF:
            text += (r", \quad h = \frac{\beta}{\sqrt{\|\theta\|^2 + 1/2}},\ "
                     r"k = \frac{\gamma}{\sqrt{\|w\|^2 + 1/2}},\ "
                     r"\rho = \frac{\theta^{\top}w}{\sqrt{(\|\theta\|^2 + 1/2)(\|w\|^2 + 1/2)}},\ "
                     r"L(h, k; \rho) = \Pr(X > -h,\, Y > -k)")
        elif self.family is not Family.EXP:
            text += (r", \quad h = \frac{\beta}{\|\theta\|},\ k = \frac{\gamma}{\|w\|},\ "
                     r"\rho = \frac{\theta^{\top}w}{\|\theta\|\|w\|},\ "
                     r"L(h, k; \rho) = \Pr(X > -h,\, Y > -k)")
        return text

    def __str__(self) -> str:
        return f"Φ[{self.name}, biased]"

    def __repr__(self) -> str:
        return f"<BiasedPotential {self} ({self.method})>"

    # ------------------------------------------------------------------ internals
    def _closed(self, values: tuple, dps: int):
        ctx = context(dps)
        na, nb, dot, bt, gm = (ctx.mpf(v) for v in values)
        if self.family is Family.EXP:
            return ctx.exp(bt + gm + (na**2 + nb**2 + 2 * dot) / 2)
        if self.family is Family.ERF:
            na, nb = ctx.sqrt(na**2 + ctx.one / 2), ctx.sqrt(nb**2 + ctx.one / 2)
            return 4 * orthant(ctx, bt / na, gm / nb, dot / (na * nb)) - 2 * ctx.ncdf(bt / na) \
                - 2 * ctx.ncdf(gm / nb) + 1
        if na == 0 or nb == 0:
            return self._degenerate(ctx, na, nb, bt, gm)
        h, k = bt / na, gm / nb
        rho = max(min(dot / (na * nb), ctx.one), -ctx.one)
        if self.family is Family.STEP:
            return orthant(ctx, h, k, rho)
        if self.family is Family.SIGN:
            return 4 * orthant(ctx, h, k, rho) - 2 * ctx.ncdf(h) - 2 * ctx.ncdf(k) + 1
        return _relu(ctx, na, nb, bt, gm, h, k, rho)

    def _degenerate(self, ctx, na, nb, bt, gm):
        """θ = 0 or w = 0: Φ = σ(β)·E[σ(‖w‖X + γ)] (or the mirror)."""
        sigma = _mean_family(self.family)
        if na == 0:
            return sigma(ctx, bt, 0) * sigma(ctx, gm, nb)
        return sigma(ctx, bt, na) * sigma(ctx, gm, 0)

    def _numeric(self, values: tuple, dps: int):
        ctx = context(dps)
        return bivariate_quadrature(ctx, self.activation.expr, self.activation.kinks, *values)


def biased(spec) -> BiasedPotential:
    """The biased potential of an activation: a closed form for step, sign, ReLU, exp and erf, else numeric.

    Raises :class:`~theory.core.errors.InputError` for an activation whose biased Φ diverges
    (growth like e^{t²} at any rate: E[σ(u)σ(v)] for a Gaussian u with mean β ≠ 0 is finite only
    when σ² is integrable against every N(β, a²), so such growth is refused).
    """
    act = spec if isinstance(spec, Activation) else activation(spec)
    if act.kind == "product":
        raise InputError(f"activation {act.name}: biases apply to ridge activations σ(θᵀx + β) only")
    if _grows_like_gaussian(act.expr):
        raise InputError(f"activation {act.name}: with a bias Φ diverges for large ‖θ‖ "
                         "(growth like e^{t²}); no biased potential")
    family = _family(act.expr)
    if family is None:
        return BiasedPotential(act, None, "numeric: nested 2-D quadrature split at the kinks, "
                                          "digits confirmed at two precisions")
    method = ("closed form: E[e^{u+v}] of a bivariate normal (exact)" if family is Family.EXP else
              "closed form: bivariate normal CDF, Sheppard's integral / Owen's T (derived, checked by 2-D quadrature)")
    if family is Family.ERF:
        method = "closed form: erf(u) = 2P(Z ≤ √2u) − 1, an orthant probability of smoothed norms " \
                 "(derived, checked by 2-D quadrature)"
    return BiasedPotential(act, family, method)


# ---------------------------------------------------------------------- formulas

def orthant(ctx, h, k, rho):
    """L(h, k; ρ) = P(X > −h, Y > −k) = Φ(h)Φ(k) + (1/2π)∫_0^{asin ρ} exp(−(h² + k² − 2hk sin t)/(2cos² t)) dt.

    At ρ = ±1 directly: Φ(min(h, k)) and max(0, Φ(h) + Φ(k) − 1)."""
    if rho == 1:
        return ctx.ncdf(min(h, k))
    if rho == -1:
        return max(ctx.zero, ctx.ncdf(h) + ctx.ncdf(k) - 1)
    integrand = lambda s: ctx.exp(-(h**2 + k**2 - 2 * h * k * ctx.sin(s)) / (2 * ctx.cos(s) ** 2))
    return ctx.ncdf(h) * ctx.ncdf(k) + ctx.quad(integrand, [0, ctx.asin(rho)]) / (2 * ctx.pi)


def _relu(ctx, na, nb, bt, gm, h, k, rho):
    """E[(β + aX)₊(γ + bY)₊]; ρ = ±1 by the one-dimensional integral over X."""
    pdf, cdf = ctx.npdf, ctx.ncdf
    if abs(rho) == 1:
        return _relu_parallel(ctx, na, nb, bt, gm, int(rho))
    r = ctx.sqrt(1 - rho**2)
    return ((bt * gm + rho * na * nb) * orthant(ctx, h, k, rho)
            + bt * nb * pdf(k) * cdf((h - rho * k) / r) + gm * na * pdf(h) * cdf((k - rho * h) / r)
            + na * nb * r * pdf(h) * pdf((k - rho * h) / r))


def _relu_parallel(ctx, na, nb, bt, gm, sign: int):
    """E[(β + aX)₊(γ + s·bX)₊] for s = ±1: ∫ (β + aX)(γ + s bX) φ over the interval where both are positive."""
    lo, hi = -bt / na, ctx.inf
    if sign == 1:
        lo = max(lo, -gm / nb)
    else:
        hi = gm / nb
    if lo >= hi:
        return ctx.zero
    m0 = ctx.ncdf(hi) - ctx.ncdf(lo)                      # ∫ φ
    m1 = ctx.npdf(lo) - ctx.npdf(hi)                      # ∫ X φ
    m2 = m0 + lo * ctx.npdf(lo) - (0 if hi == ctx.inf else hi * ctx.npdf(hi))   # ∫ X² φ
    return bt * gm * m0 + (bt * sign * nb + gm * na) * m1 + sign * na * nb * m2


def _mean_family(family: Family) -> Callable:
    """E[σ(μ + sX)] for the closed-form families (s = 0 allowed)."""
    def mean(ctx, mu, scale):
        if scale == 0:
            return {Family.STEP: ctx.one if mu > 0 else ctx.zero, Family.SIGN: ctx.mpf(ctx.sign(mu)),
                    Family.RELU: max(mu, ctx.zero)}[family]
        z = mu / scale
        return {Family.STEP: ctx.ncdf(z), Family.SIGN: 2 * ctx.ncdf(z) - 1,
                Family.RELU: mu * ctx.ncdf(z) + scale * ctx.npdf(z)}[family]
    return mean


def bivariate_quadrature(ctx, sigma: sp.Expr, kinks: Sequence, na, nb, dot, bt, gm):
    """E[σ(β + aX) σ(γ + bY)], Y = ρX + rZ, by nested tanh–sinh quadrature split at the kinks of σ.

    Independent of the closed forms (it integrates the activations themselves)."""
    f = mpmath_function(sigma, (_T_of(sigma),), ctx)
    na, nb, dot, bt, gm = (ctx.mpf(v) for v in (na, nb, dot, bt, gm))
    cuts = [ctx.mpf(sp.N(q, ctx.dps)) for q in kinks]
    if na == 0 or nb == 0:
        inner = (lambda X: f(bt) * f(gm + nb * X)) if na == 0 else (lambda X: f(bt + na * X) * f(gm))
        scale, shift = (nb, gm) if na == 0 else (na, bt)
        pts = sorted({(q - shift) / scale for q in cuts} if scale else set())
        return ctx.quad(lambda X: inner(X) * ctx.npdf(X), [-ctx.inf, *pts, ctx.inf])
    rho = max(min(dot / (na * nb), ctx.one), -ctx.one)
    r = ctx.sqrt(1 - rho**2)
    outer_pts = sorted({(q - bt) / na for q in cuts}
                       | ({((q - gm) / nb) / rho for q in cuts} if r == 0 else set()))

    def inner(X):
        if r == 0:
            return f(gm + nb * rho * X)
        pts = sorted({((q - gm) / nb - rho * X) / r for q in cuts})
        return ctx.quad(lambda Z: f(gm + nb * (rho * X + r * Z)) * ctx.npdf(Z), [-ctx.inf, *pts, ctx.inf])

    return ctx.quad(lambda X: f(bt + na * X) * inner(X) * ctx.npdf(X), [-ctx.inf, *outer_pts, ctx.inf])


# ---------------------------------------------------------------------- helpers

def check_numeric_dps(dps: int, route: str) -> None:
    """Refuse more than :data:`MAX_DPS` digits from a route built on nested quadrature."""
    if dps > MAX_DPS:
        raise InputError(f"dps: {route} is confirmed to at most {MAX_DPS} digits, {dps} were asked")


def two_precisions(evaluate: Callable, values: tuple, dps: int, what: str):
    """``evaluate(values, work)`` at two working precisions, returned to ``dps`` digits when they agree.

    The working precision doubles (three tries) until they do, else :class:`PrecisionError`."""
    work = dps + GUARD
    for _ in range(3):
        low, high = evaluate(values, work), evaluate(values, work + 15)
        if not (mpmath.isfinite(low) and mpmath.isfinite(high)):
            raise PrecisionError(f"{what} is not finite at {values}")
        if abs(high - low) <= abs(high) * mpmath.mpf(10) ** (-dps - 1):
            return output_context(dps).mpf(high)
        if max(abs(low), abs(high)) <= mpmath.mpf(10) ** (5 - work):
            return output_context(dps).mpf(0)
        work *= 2
    raise PrecisionError(f"could not confirm {dps} digits of {what} at {values}")


#: Digits kept of an input (above the largest dps asked), whatever mpmath's global precision is.
INPUT_DIGITS = DIGITS[1] + 2 * GUARD


def _number(value, what: str):
    """An input as an mpf carrying INPUT_DIGITS digits (a SymPy number, a string, a float, an mpf)."""
    with mpmath.workdps(INPUT_DIGITS):
        if isinstance(value, sp.Basic):
            value = sp.N(value, INPUT_DIGITS)
            if not value.is_real:
                raise InputError(f"{what} must be real, got {value}")
            return mpmath.mpf(str(value))
        try:
            return mpmath.mpf(value)
        except (TypeError, ValueError) as why:
            raise InputError(f"{what} must be real numbers: {why}") from why


def _checked(na, nb, dot, beta_, gamma_) -> tuple:
    values = tuple(_number(v, n) for v, n in zip((na, nb, dot, beta_, gamma_), ("‖θ‖", "‖w‖", "θᵀw", "β", "γ")))
    if not all(mpmath.isfinite(v) for v in values):
        raise InputError(f"‖θ‖, ‖w‖, θᵀw, β, γ must be finite, got {values}")
    if values[0] < 0 or values[1] < 0:
        raise InputError(f"norms must be non-negative, got ‖θ‖={values[0]}, ‖w‖={values[1]}")
    if abs(values[2]) > values[0] * values[1] * (1 + mpmath.mpf(10) ** -12):
        raise InputError(f"θᵀw = {values[2]} exceeds ‖θ‖‖w‖ (Cauchy–Schwarz)")
    return values


def exact_dot(theta_, w_, na, nb, dot):
    """θᵀw at the rounding boundary ±‖θ‖‖w‖: exactly ±‖θ‖‖w‖ when θ, w are exactly parallel."""
    th, wv = (sp.Matrix([as_number(str(v), what="θ, w") for v in vec]) for vec in (theta_, w_))
    return na * nb * sp.sign(th.dot(wv)) if th.rank() and sp.Matrix.hstack(th, wv).rank() == 1 else dot


def _T_of(sigma: sp.Expr):
    free = sorted(sigma.free_symbols, key=str)
    return free[0] if free else _T


def _family(expr: sp.Expr) -> Family | None:
    (sym,) = expr.free_symbols or {_T}
    normal = sp.simplify(expr.subs(sym, _T).rewrite(sp.Max))
    for form, family in _FAMILY_OF.items():
        if sp.simplify(normal - form) == 0 or normal == form:
            return family
    piece = sp.piecewise_fold(expr.subs(sym, _T))
    for form, family in ((sp.Piecewise((0, _T < 0), (_T, True)), Family.RELU),
                         (sp.Piecewise((0, _T <= 0), (1, True)), Family.STEP)):
        if piece == form:
            return family
    return None


def _grows_like_gaussian(expr: sp.Expr) -> bool:
    """σ contains exp(q(t)) with q of degree ≥ 2 in t and positive leading coefficient."""
    for e in expr.atoms(sp.exp):
        arg = e.args[0]
        syms = arg.free_symbols
        if len(syms) != 1:
            continue
        (sym,) = syms
        if arg.is_polynomial(sym):
            poly = sp.Poly(arg, sym)
            if poly.degree() >= 2 and poly.LC() > 0:
                return True
    return False
