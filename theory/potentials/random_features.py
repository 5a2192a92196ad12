r"""Random features σ(⟨U, x⟩ + B): their mean and kernel over U ~ N(0, s_u² I_d), B ~ N(0, s_b²).

U and B are independent; the bias may be *truncated*, B conditioned on B ≥ t (``truncation=None``:
no truncation). Given B = b, ⟨U, x⟩ + b ~ N(b, s_u²‖x‖²), so the mean is radial in r = ‖x‖:

.. math::

    m(r) = \mathbb{E}[\sigma(\langle U, x\rangle + B) \mid B \ge t] = \mathbb{E}[g(B) \mid B \ge t],
    \qquad g(b) = \mathbb{E}_{Z \sim N(0, 1)}[\sigma(b + s_u r Z)].

For σ(t) = erf(κt) it is derived by exact algebra (SymPy), each step checked when it is made:

1. g(b) = erf(κb/√(1 + 2κ²s_u²r²)): both sides are odd in b and their b-derivatives, a Gaussian
   integral, agree.
2. With c = κ/√(1 + 2κ²s_u²r²), h = t/s_b and a = √2 s_b c,

   .. math::

       \mathbb{E}[\operatorname{erf}(cB) \mid B \ge t] = \frac{4\,T(h, a)}{\operatorname{erfc}(h/\sqrt 2)},
       \qquad T(h, a) = \frac{1}{2\pi}\int_0^a \frac{e^{-h^2(1 + s^2)/2}}{1 + s^2}\,ds

   (Owen's T, :class:`OwenT`; T(0, a) = arctan(a)/(2π), so t = 0 gives (2/π) arctan a): both
   sides vanish at c = 0 and their c-derivatives, a Gaussian integral over [t, ∞), agree.
   Without truncation the mean is 0 (erf is odd, B symmetric).

Any other σ takes the numeric route, one quadrature split at the kinks with digits confirmed at two
precisions: V = sZ + B (s = s_u r) has, B conditioned on B ≥ t, the closed (skew-normal) density

.. math::

    p(v) = \frac{1}{\varsigma}\varphi\!\left(\frac{v}{\varsigma}\right)
    \frac{\Phi\big((v s_b^2/\varsigma^2 - t)\,\varsigma/(s_b s)\big)}{\Phi(-t/s_b)},
    \qquad \varsigma^2 = s^2 + s_b^2

(B given V = v is N(v s_b²/ς², (s_b s/ς)²)), so m(r) = ∫ σ(v) p(v) dv — the quadrature over B of
g(b) with the inner Gaussian integral done in closed form.

The kernel k(x, x') = E[σ(⟨U, x⟩ + B) σ(⟨U, x'⟩ + B) | B ≥ t] is a function of
(‖x‖, ‖x'‖, xᵀx'). Untruncated, (⟨U, x⟩ + B, ⟨U, x'⟩ + B) is the zero-mean pair (x̃ᵀz, x̃'ᵀz) of
the augmented vectors x̃ = (s_u x, s_b), x̃' = (s_u x', s_b), so k is the unbiased potential
Φ(x̃, x̃') (:func:`~theory.potentials.potential.potential`) at ‖x̃‖² = s_u²‖x‖² + s_b²,
x̃ᵀx̃' = s_u² xᵀx' + s_b². Truncated, it is a quadrature over B of the biased potential
(:mod:`theory.potentials.biased`):

.. math::

    k(x, x') = \mathbb{E}\left[\Phi(s_u x, B;\ s_u x', B) \mid B \ge t\right].

>>> m = feature_mean("erf", sp.Rational(1, 2), sp.Rational(1, 2), 0)
>>> m.expr
2*atan(1/sqrt(r**2 + 2))/pi
>>> str(m.at(0, dps=20))                                   # (2/π) arctan(1/√2)
'0.39182655203060727017'
>>> k = feature_kernel("relu", 1, 1)
>>> str(k.at(1, 1, 1, dps=15))                             # E[(√2 Z)₊²] = 1
'1.0'
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp
from sympy.printing.pycode import MpmathPrinter

from ..core.errors import InputError, Timeout
from ..core.latex import Typeset
from ..core.numeric import check_dps, context, mpmath_function
from ..core.parsing import as_number
from ..core.symbols import dot, na, nb, r
from ..core.timebound import bounded
from .activations import Activation
from .biased import BiasedPotential, biased, check_numeric_dps, two_precisions
from .potential import Potential, potential
from .routes import Route

SECONDS = 20.0  # time bound of each symbolic step of the erf derivation

#: LaTeX of the variables: r = ‖x‖ for the mean; na, nb, dot = ‖x‖, ‖x'‖, xᵀx' for the kernel.
LATEX_NAMES = {r: r"\|x\|", na: r"\|x\|", nb: r"\|x'\|", dot: r"x^{\top}x'"}

_b, _z = sp.symbols("b z", real=True)
_c, _s = sp.symbols("c s", positive=True)


class OwenT(sp.Function):
    r"""Owen's T function T(h, a) = (1/2π) ∫₀ᵃ e^{−h²(1+s²)/2}/(1 + s²) ds.

    T(h, 0) = 0 and T(0, a) = arctan(a)/(2π) evaluate at once; ∂T/∂a is the integrand at a.

    >>> OwenT(0, 1)
    1/8
    >>> OwenT(sp.Symbol("h"), 0)
    0
    """

    nargs = 2

    @classmethod
    def eval(cls, h, a):
        if a.is_zero:
            return sp.S.Zero
        if h.is_zero:
            return sp.atan(a) / (2 * sp.pi)
        return None

    def fdiff(self, argindex=2):
        h, a = self.args
        if argindex == 2:
            return sp.exp(-h**2 * (1 + a**2) / 2) / (2 * sp.pi * (1 + a**2))
        return -sp.exp(-h**2 / 2) * sp.erf(a * h / sp.sqrt(2)) / (2 * sp.sqrt(2 * sp.pi))

    def _eval_evalf(self, prec):
        ctx = context(max(1, int(prec * 0.30103)) + 5)
        h, a = (ctx.mpf(sp.N(v, ctx.dps)) for v in self.args)
        return sp.Float(owen_t(ctx, h, a), ctx.dps)

    def _latex(self, printer):
        h, a = (printer._print(v) for v in self.args)
        return rf"T\left({h}, {a}\right)"


def owen_t(ctx, h, a):
    """T(h, a) in the mpmath context ``ctx``, by quadrature of its defining integral."""
    def integrand(s):
        return ctx.exp(-h**2 * (1 + s**2) / 2) / (1 + s**2)

    return ctx.quad(integrand, [0, a]) / (2 * ctx.pi)


@dataclass(frozen=True)
class FeatureMean(Typeset):
    """m(r) = E[σ(⟨U, x⟩ + B) | B ≥ t] as a function of r = ‖x‖.

    Attributes
    ----------
    activation : Activation
    s_u, s_b : sympy.Expr
        Standard deviations of U's coordinates and of B.
    truncation : sympy.Expr or None
        t of the condition B ≥ t (``None``: none).
    expr : sympy.Expr or None
        m as an expression in ``r`` (``None``: the numeric route).
    method : Route
        FEATURE_ERF_SYMMETRIC or FEATURE_ERF_OWEN (closed), FEATURE_QUADRATURE (numeric).
    steps : tuple of str
        The steps of the derivation, each checked by exact algebra.
    """

    activation: Activation
    s_u: sp.Expr
    s_b: sp.Expr
    truncation: sp.Expr | None
    expr: sp.Expr | None
    method: Route
    steps: tuple = ()

    def at(self, radius, *, dps: int = 30):
        """m at r = ‖x‖ = ``radius``, ``dps`` digits confirmed at two working precisions."""
        check_dps(dps)
        value = _exact(radius, "r = ‖x‖")
        if value.is_negative:
            raise InputError(f"r = ‖x‖ must be non-negative, got {value}")
        if self.expr is None:
            check_numeric_dps(dps, "the numeric route")
        evaluate = self._closed if self.expr is not None else self._numeric
        return two_precisions(evaluate, (value,), dps, f"the mean of {self}")

    def latex(self) -> str:
        given = _given(self.truncation)
        head = rf"\mathbb{{E}}_{{U,B}}\left[\sigma(\langle U, x\rangle + B){given}\right] = "
        if self.expr is not None:
            return head + sp.latex(self.expr, symbol_names=LATEX_NAMES)
        return head + (r"\mathbb{E}_B\left[\mathbb{E}_Z\,\sigma(B + s_u\|x\|Z)" + _given(self.truncation)
                       + r"\right] \quad \text{(numeric: nested 1-D quadrature)}")

    def __str__(self) -> str:
        return f"E[{self.activation.name}(⟨U, x⟩ + B){_given_text(self.truncation)}]"

    def __repr__(self) -> str:
        shown = f" = {self.expr}" if self.expr is not None else ""
        return f"<FeatureMean {self}{shown} ({self.method})>"

    def _closed(self, values: tuple, dps: int):
        ctx = context(dps)
        return _mpmath_of(self.expr, ctx)(_mp(values[0], ctx))

    def _numeric(self, values: tuple, dps: int):
        ctx = context(dps)
        act = self.activation
        (sym,) = act.expr.free_symbols or {sp.Symbol("t")}
        sigma = mpmath_function(act.expr, (sym,), ctx)
        s = _mp(self.s_u, ctx) * _mp(values[0], ctx)
        if s == 0:
            return _over_bias(ctx, sigma, act.kinks, self.s_b, self.truncation)
        sd, t = _mp(self.s_b, ctx), None if self.truncation is None else _mp(self.truncation, ctx)
        total = ctx.sqrt(s**2 + sd**2)

        def density(v):
            density = ctx.npdf(v / total) / total
            if t is None:
                return density
            return density * ctx.ncdf((v * sd**2 / total**2 - t) * total / (sd * s)) / ctx.ncdf(-t / sd)

        cuts = sorted({ctx.zero, *(ctx.mpf(sp.N(q, ctx.dps)) for q in act.kinks)})
        return ctx.quad(lambda v: sigma(v) * density(v), [-ctx.inf, *cuts, ctx.inf])


@dataclass(frozen=True)
class FeatureKernel(Typeset):
    """k(x, x') = E[σ(⟨U, x⟩ + B) σ(⟨U, x'⟩ + B) | B ≥ t] in (‖x‖, ‖x'‖, xᵀx').

    Attributes
    ----------
    activation : Activation
    s_u, s_b, truncation
        As for :class:`FeatureMean`.
    expr : sympy.Expr or None
        k in ``na, nb, dot`` (standing for ‖x‖, ‖x'‖, xᵀx'), when the unbiased Φ is closed.
    method : Route
        AUGMENTED (then ``unbiased.method``) or BIAS_QUADRATURE (then ``biased_potential.method``).
    unbiased : Potential or None
        Φ of σ, evaluated at the augmented vectors (untruncated bias).
    biased_potential : BiasedPotential or None
        Φ(θ, β; w, γ) of σ, integrated over B (truncated bias).
    """

    activation: Activation
    s_u: sp.Expr
    s_b: sp.Expr
    truncation: sp.Expr | None
    expr: sp.Expr | None
    method: Route
    unbiased: Potential | None = None
    biased_potential: BiasedPotential | None = None

    def at(self, norm_x, norm_y, inner, *, dps: int = 30):
        """k at ‖x‖, ‖x'‖, xᵀx' with ``dps`` digits confirmed at two working precisions."""
        check_dps(dps)
        names = ("‖x‖", "‖x'‖", "xᵀx'")
        values = tuple(as_number(v, what=w) for v, w in zip((norm_x, norm_y, inner), names, strict=True))
        _check_pair(*values)
        if self.unbiased is not None:
            s_u, s_b = self.s_u, self.s_b
            nx, ny = (sp.sqrt(s_u**2 * v**2 + s_b**2) for v in values[:2])
            return self.unbiased.at(nx, ny, s_u**2 * values[2] + s_b**2, dps=dps)
        check_numeric_dps(dps, "the numeric route")
        return two_precisions(self._numeric, values, dps,
                              f"the kernel of {self.activation.name}")

    def latex(self) -> str:
        head = (r"\mathbb{E}_{U,B}\left[\sigma(\langle U, x\rangle + B)\,\sigma(\langle U, x'\rangle + B)"
                + _given(self.truncation) + r"\right] = ")
        if self.expr is not None:
            return head + sp.latex(self.expr, symbol_names=LATEX_NAMES)
        return head + (r"\mathbb{E}_B\left[\Phi(s_u x, B;\, s_u x', B)" + _given(self.truncation)
                       + r"\right] \quad \text{(numeric: quadrature over } B\text{)}")

    def __str__(self) -> str:
        return f"E[{self.activation.name}(⟨U, x⟩ + B)·{self.activation.name}(⟨U, x'⟩ + B)" \
               f"{_given_text(self.truncation)}]"

    def __repr__(self) -> str:
        inner = self.unbiased if self.unbiased is not None else self.biased_potential
        return f"<FeatureKernel {self} ({self.method}; {inner.method})>"

    def _numeric(self, values: tuple, dps: int):
        ctx = context(dps)
        s_u = _mp(self.s_u, ctx)
        nx, ny, inner = (_mp(v, ctx) for v in values)
        phi = self.biased_potential
        assert phi is not None  # a truncated kernel is built with its biased potential

        def f(bias):
            return phi.working_value((s_u * nx, s_u * ny, s_u**2 * inner, bias, bias), ctx.dps)

        return _over_bias(ctx, f, self.activation.kinks, self.s_b, self.truncation)


# ---------------------------------------------------------------------- constructors

def feature_mean(sigma, s_u, s_b, truncation=None) -> FeatureMean:
    """E_{U,B}[σ(⟨U, x⟩ + B) | B ≥ t] for U ~ N(0, s_u² I_d), B ~ N(0, s_b²), as a function of ‖x‖.

    Parameters
    ----------
    sigma : str, sympy.Expr or Activation
        A ridge activation.
    s_u, s_b : number
        Positive standard deviations (exact: ``sp.Rational(1, 2)`` or ``"1/2"``).
    truncation : number or None
        t of the condition B ≥ t; ``None`` for an untruncated bias.

    Returns
    -------
    FeatureMean
        Closed (``expr`` in ``r``) for erf(κt), proven step by step; else the numeric route.

    >>> feature_mean("erf", 1, 1).expr
    0
    >>> feature_mean("relu", 1, 1).method is Route.FEATURE_QUADRATURE
    True
    """
    phi = biased(sigma)
    s_u, s_b, t = _scales(s_u, s_b, truncation)
    return _mean(phi.activation, s_u, s_b, t)


def feature_kernel(sigma, s_u, s_b, truncation=None) -> FeatureKernel:
    """E_{U,B}[σ(⟨U, x⟩ + B)σ(⟨U, x'⟩ + B) | B ≥ t] as a function of (‖x‖, ‖x'‖, xᵀx').

    Untruncated: the unbiased potential Φ of σ at the augmented vectors (s_u x, s_b), (s_u x', s_b)
    (closed when Φ is); truncated: a quadrature over B of the biased potential, digits confirmed at
    two precisions.

    >>> feature_kernel("erf", 1, 1).expr
    2*asin(2*(dot + 1)/sqrt(4*na**2*nb**2 + 6*na**2 + 6*nb**2 + 9))/pi
    """
    phi = biased(sigma)
    s_u, s_b, t = _scales(s_u, s_b, truncation)
    act = phi.activation
    if t is not None:
        return FeatureKernel(act, s_u, s_b, t, None, Route.BIAS_QUADRATURE, biased_potential=phi)
    unbiased = potential(act)
    expr = None
    if unbiased.expr is not None:
        augmented = {na: sp.sqrt(s_u**2 * na**2 + s_b**2), nb: sp.sqrt(s_u**2 * nb**2 + s_b**2),
                     dot: s_u**2 * dot + s_b**2}
        expr = sp.simplify(unbiased.expr.subs(augmented, simultaneous=True))
    return FeatureKernel(act, s_u, s_b, None, expr, Route.AUGMENTED, unbiased=unbiased)


@functools.lru_cache(maxsize=32)
def _mean(act, s_u, s_b, t) -> FeatureMean:
    kappa = _erf_scale(act.expr)
    if kappa is not None:
        derived = _erf_mean(kappa, s_u, s_b, t)
        if derived is not None:
            expr, steps = derived
            method = Route.FEATURE_ERF_SYMMETRIC if t is None else Route.FEATURE_ERF_OWEN
            return FeatureMean(act, s_u, s_b, t, expr, method, steps)
    return FeatureMean(act, s_u, s_b, t, None, Route.FEATURE_QUADRATURE)


# ---------------------------------------------------------------------- the erf derivation

def _erf_mean(kappa, s_u, s_b, t):
    """(m(r), steps) for σ = erf(κt), or ``None`` when a step cannot be checked in its time bound."""
    try:
        smoothing = bounded(_smoothing_holds, kappa, seconds=SECONDS, what="Gaussian smoothing of erf")
        truncated = t is None or bounded(_truncation_holds, t, s_b, seconds=SECONDS,
                                         what="the truncated bias")
    except (Timeout, NotImplementedError):  # the numeric route is the fallback
        return None
    if not (smoothing and truncated):
        return None
    c = kappa / sp.sqrt(1 + 2 * kappa**2 * s_u**2 * r**2)
    steps = [f"E[erf(κ(b + Z))] = erf(κb/√(1 + 2κ²s²)) for Z ~ N(0, s²), κ = {kappa}: odd in b, "
             "equal b-derivatives (a Gaussian integral)"]
    if t is None:
        return sp.S.Zero, (*steps, "E[erf(cB)] = 0: erf is odd and B symmetric")
    h = t / s_b
    expr = sp.simplify(4 * OwenT(h, sp.simplify(sp.sqrt(2) * s_b * c)) / sp.erfc(h / sp.sqrt(2)))
    steps.append(f"E[erf(cB) | B ≥ {t}] = 4 T(h, √2 s_b c)/erfc(h/√2), h = t/s_b: both vanish at c = 0, "
                 "equal c-derivatives (a Gaussian integral over [t, ∞))")
    return expr, tuple(steps)


@functools.lru_cache(maxsize=16)
def _smoothing_holds(kappa) -> bool:
    """d/db E[erf(κ(b + Z))] = d/db erf(κb/√(1 + 2κ²s²)), Z ~ N(0, s²) (oddness gives the rest)."""
    left = sp.integrate(2 * kappa / sp.sqrt(sp.pi) * sp.exp(-kappa**2 * (_b + _z)**2) * _normal(_z, _s**2),
                        (_z, -sp.oo, sp.oo))
    right = sp.diff(sp.erf(kappa * _b / sp.sqrt(1 + 2 * kappa**2 * _s**2)), _b)
    return vanishes(left - right)


def _truncation_holds(t, s_b) -> bool:
    """d/dc E[erf(cB) | B ≥ t] = d/dc [4 T(t/s_b, √2 s_b c)/erfc(t/(√2 s_b))] (both vanish at c = 0)."""
    mass = sp.integrate(_normal(_b, s_b**2), (_b, t, sp.oo))
    derivative = sp.integrate(2 * _b / sp.sqrt(sp.pi) * sp.exp(-_c**2 * _b**2) * _normal(_b, s_b**2),
                              (_b, t, sp.oo)) / mass
    h = t / s_b
    stated = sp.diff(4 * OwenT(h, sp.sqrt(2) * s_b * _c) / sp.erfc(h / sp.sqrt(2)), _c)
    return vanishes(derivative - stated)


def vanishes(expr: sp.Expr) -> bool:
    """expr ≡ 0 by exact algebra: erfc as erf, exponentials merged and their exponents cancelled (SymPy
    leaves e^{u} − e^{v} with u = v unsimplified otherwise), then simplified."""
    merged = sp.powsimp(sp.expand(expr.rewrite(sp.erf)), combine="exp")
    merged = merged.replace(sp.exp, lambda a: sp.exp(sp.cancel(a)))
    return sp.simplify(merged) == 0


def _normal(v: sp.Expr, variance: sp.Expr) -> sp.Expr:
    return sp.exp(-v**2 / (2 * variance)) / sp.sqrt(2 * sp.pi * variance)


def _erf_scale(expr: sp.Expr):
    """κ when σ(t) = erf(κt), κ a non-zero number; else ``None``."""
    if expr.func is not sp.erf or len(expr.free_symbols) != 1:
        return None
    (sym,) = expr.free_symbols
    kappa = sp.simplify(expr.args[0] / sym)
    return kappa if kappa.is_number and kappa.is_nonzero and kappa.is_real else None


# ---------------------------------------------------------------------- the numeric route

def _over_bias(ctx, g, kinks, s_b, t):
    """E[g(B) | B ≥ t], B ~ N(0, s_b²) (t = None: E[g(B)]), split at 0, t and the kinks."""
    sd = _mp(s_b, ctx)
    low = -ctx.inf if t is None else _mp(t, ctx)
    cuts = {ctx.zero, *(ctx.mpf(sp.N(q, ctx.dps)) for q in kinks)}
    points = [low, *sorted(q for q in cuts if q > low), ctx.inf]
    mass = ctx.one if t is None else ctx.ncdf(-low / sd)
    return ctx.quad(lambda b: g(b) * ctx.npdf(b / sd) / sd, points) / mass


# ---------------------------------------------------------------------- helpers

def _given(t) -> str:
    return "" if t is None else rf" \,\middle|\, B \ge {sp.latex(t)}"


def _given_text(t) -> str:
    return "" if t is None else f" | B ≥ {t}"


def _scales(s_u, s_b, truncation) -> tuple:
    s_u, s_b = (_exact(v, name) for v, name in ((s_u, "s_u"), (s_b, "s_b")))
    if not (s_u.is_positive and s_b.is_positive):
        raise InputError(f"s_u and s_b must be positive, got {s_u} and {s_b}")
    return s_u, s_b, None if truncation is None else _exact(truncation, "truncation t")


def _exact(value, what: str) -> sp.Expr:
    return as_number(value, what=what)


def _mp(value: sp.Expr, ctx):
    return ctx.mpf(value._to_mpmath(ctx.prec + 10)) if isinstance(value, sp.Basic) else ctx.mpf(value)


def _check_pair(nx, ny, inner) -> None:
    if nx.is_negative or ny.is_negative:
        raise InputError(f"norms must be non-negative, got ‖x‖ = {nx}, ‖x'‖ = {ny}")
    if sp.N(abs(inner) - nx * ny, 30) > sp.N(nx * ny, 30) * sp.Float("1e-12"):
        raise InputError(f"xᵀx' = {inner} exceeds ‖x‖‖x'‖ (Cauchy–Schwarz)")


def _mpmath_of(expr: sp.Expr, ctx):
    """``expr`` (in r) as a function evaluated in ``ctx``, Owen's T by its integral."""
    if not expr.has(OwenT):
        return mpmath_function(expr, (r,), ctx)
    modules = [{"OwenT": lambda h, a: owen_t(ctx, h, a)}, {"mpmath": ctx}, "mpmath"]
    return sp.lambdify((r,), expr, modules=modules, printer=_Printer)


class _Printer(MpmathPrinter):
    """mpmath code (bound to the context by ``mpmath.``-qualified names) that calls ``OwenT`` by name."""

    def _print_OwenT(self, expr):
        return "OwenT({}, {})".format(*(self._print(v) for v in expr.args))
