"""The biased potential Φ(θ, β; w, γ) = E_x[σ(θᵀx + β) σ(wᵀx + γ)], x ~ N(0, I_d).

With u = θᵀx + β, v = wᵀx + γ, the pair is bivariate normal with means (β, γ) and
covariance [[a², c], [c, b²]] (a = ‖θ‖, b = ‖w‖, c = θᵀw), so Φ depends on
(a, b, c, β, γ). Write u = β + aX, v = γ + bY with (X, Y) standard, corr(X, Y) = ρ = c/(ab),
h = β/a, k = γ/b the standardised means, r = √(1 − ρ²), and

.. math::

    L(h, k; \\rho) = P(X > -h,\\ Y > -k) = \\Phi(h)\\Phi(k)
        + \\frac{1}{2\\pi}\\int_0^{\\arcsin \\rho} e^{-\\frac{h^2 + k^2 - 2hk\\sin t}{2\\cos^2 t}}\\,dt

(Sheppard's formula, valid on the whole of [−1, 1]; equivalently two Owen's T functions).
Closed forms (checked against 2-D quadrature in the tests), with L the orthant probability of
:mod:`theory.potentials.orthant`:

* step 1{t > 0}: Φ = L(h, k; ρ);
* sign: Φ = 4L − 2Φ(h) − 2Φ(k) + 1;
* ReLU: Φ = (βγ + c) L + β b φ(k) Φ((h − ρk)/r) + γ a φ(h) Φ((k − ρh)/r) + a b r φ(h) φ((k − ρh)/r);
* erf(st), sums of Gaussian exponentials α e^{−pt² + λt} (exp, cos, sin, the Gaussian e^{−t²/2}),
  polynomials (exact) and ReLU powers t₊ⁿ: :mod:`theory.potentials.biased_forms`.

ρ = ±1 (θ, w parallel) and zero norms are exact inputs: they are evaluated by their own
one-dimensional formulas (or by forms that hold there), never by a limit of the ones above; their
certified values are line integrals (:mod:`theory.potentials.line_mean`).
Any other activation takes the numeric route: nested quadrature over (X, Z), Y = ρX + rZ,
split at the kinks, confirmed at two precisions.

>>> phi = biased("relu")
>>> str(phi.at(1, 1, 0, 0, 0, dps=20))                   # β = γ = 0, ρ = 0: 1/(2π)
'0.15915494309189533577'
>>> str(phi.at(0, 1, 0, 2, 0, dps=15))                   # θ = 0: relu(2)·E[relu(Y)] = 2/√(2π)
'0.797884560802865'
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import SimpleNamespace

import mpmath
import sympy as sp

from ..core.balls import ball
from ..core.balls import digits as flint_digits
from ..core.errors import InputError, PrecisionError
from ..core.latex import latex as house_latex
from ..core.numeric import check_dps, context, mpmath_function
from ..core.parsing import as_number
from ..core.symbols import t
from ..core.validators import DIGITS
from . import biased_forms as forms
from . import evaluation, hermite_series
from .activations import Activation, Parity, activation
from .forms import PRODUCT
from .line_mean import certified_line, on_a_line
from .orthant import orthant, sign_product
from .quadrature import GUARD
from .routes import Route

MAX_DPS = 60  # the nested quadrature of the numeric route is confirmed to at most this many digits


class Family(enum.Enum):
    """Activations whose biased Φ has a closed form."""

    STEP = "step"
    SIGN = "sign"
    RELU = "relu"
    #: sums α e^{λt}, λ complex: exp, cos, sin, cosh, sinh
    EXP = "exp"
    #: sums α e^{−pt² + λt} with some p > 0: the Gaussian e^{−t²/2}
    GAUSSIAN = "gaussian"
    ERF = "erf"
    POLYNOMIAL = "polynomial"
    RELU_POWER = "relu power"
    #: σ(t) = m·t + n·t₊: leaky ReLU, abs(t)
    TWO_SLOPE = "two slopes"


_T = forms.T
_FAMILY_OF = {sp.Heaviside(_T): Family.STEP, sp.sign(_T): Family.SIGN, sp.Max(0, _T): Family.RELU}
#: The families whose closed form runs on arb balls: those built on Sheppard's integral.
BALL_FAMILIES = frozenset({Family.STEP, Family.SIGN, Family.RELU, Family.ERF, Family.RELU_POWER})

#: The route of each closed form (``None``: the numeric one).
METHODS = {Family.STEP: Route.SHEPPARD, Family.SIGN: Route.SHEPPARD, Family.RELU: Route.SHEPPARD,
           Family.EXP: Route.MOMENT_GENERATING, Family.GAUSSIAN: Route.BIASED_GAUSSIAN,
           Family.ERF: Route.ERF_ORTHANT, Family.POLYNOMIAL: Route.BIASED_MOMENTS,
           Family.RELU_POWER: Route.STEIN, Family.TWO_SLOPE: Route.TWO_SLOPE,
           None: Route.BIASED_NUMERIC}

# symbols of the printed formula
a, b, c = sp.symbols(r"\|\theta\| \|w\| \theta^{\top}w", positive=True)
beta, gamma = sp.symbols("beta gamma", real=True)
_h, _k, _rho = sp.Symbol("h"), sp.Symbol("k"), sp.Symbol("rho")
_L = sp.Function("L")
_N = sp.Function("Phi")   # the standard normal CDF
_n = sp.Function("varphi")  # the standard normal density


def _formula(family: Family, parameters: tuple) -> sp.Expr:
    """Φ in L(h, k; ρ), Φ, φ of the standardised h, k, ρ (erf: those of :func:`_standardised_latex`)."""
    r = sp.sqrt(1 - _rho**2)
    L = _L(_h, _k, _rho)
    if family is Family.STEP:
        return L
    if family in (Family.SIGN, Family.ERF):
        return 4 * L - 2 * _N(_h) - 2 * _N(_k) + 1
    if family is Family.RELU_POWER:
        return _relu_power_formula(parameters[0])
    if family is Family.TWO_SLOPE:
        return _two_slope_formula(*parameters)
    return ((beta * gamma + c) * L + beta * b * _n(_k) * _N((_h - _rho * _k) / r)
            + gamma * a * _n(_h) * _N((_k - _rho * _h) / r) + a * b * r * _n(_h) * _n((_k - _rho * _h) / r))


def _two_slope_formula(m: sp.Expr, n: sp.Expr) -> sp.Expr:
    """m²(βγ + θᵀw) + mn(βE[v₊] + γE[u₊] + θᵀw(Φ(h) + Φ(k))) + n²·(the ReLU form)."""
    cross = (beta * (gamma * _N(_k) + b * _n(_k)) + gamma * (beta * _N(_h) + a * _n(_h))
             + c * (_N(_h) + _N(_k)))
    return m**2 * (beta * gamma + c) + m * n * cross + n**2 * _formula(Family.RELU, ())


#: ReLU powers up to this n print their closed form; higher ones the recurrence.
RELU_POWER_PRINTED = 2
_RELU_POWER_LATEX = (r"J_{NN,NN},\quad J_{i,j} = \mathbb{E}[u^i v^j;\, u > 0,\, v > 0] = \beta J_{i-1,j} "
                     r"+ \|\theta\|^2\big((i-1)J_{i-2,j} + [i=1]B_j\big) + \theta^{\top}w\big(j J_{i-1,j-1} "
                     r"+ [j=0]B'_{i-1}\big),\ J_{0,0} = L(h, k; \rho) \quad \text{(Stein's recurrence)}")


def _relu_power_formula(n: int) -> sp.Expr:
    """Stein's recurrence run on symbols: L(h, k; ρ), φ, Φ with β = ‖θ‖h, γ = ‖w‖k, θᵀw = ρ‖θ‖‖w‖."""
    r = sp.sqrt(1 - _rho**2)
    symbolic = SimpleNamespace(ncdf=_N, npdf=_n)     # the part of an mpmath context the moments use
    first = [_n(_h) / a * g for g in forms.truncated_moments(symbolic, n, b * (_k - _rho * _h), b * r)]
    second = [_n(_k) / b * g for g in forms.truncated_moments(symbolic, n, a * (_h - _rho * _k), a * r)]
    value = forms.stein_recurrence(n, _L(_h, _k, _rho), first, second,
                                   a**2, b**2, _rho * a * b, a * _h, b * _k)
    atoms = sorted(value.atoms(sp.Function), key=str)
    return sp.collect(sp.expand(value), atoms, sp.factor)


def _standardised_latex(family: Family, parameters: tuple) -> str:
    """The definitions of h, k, ρ (erf: those of the scaled, noise-widened U − Z₁, V − Z₂)."""
    if family is Family.ERF:
        (s,) = parameters
        wide_u, wide_v = sp.sqrt(1 + 2 * s**2 * a**2), sp.sqrt(1 + 2 * s**2 * b**2)
        h, k = sp.sqrt(2) * s * beta / wide_u, sp.sqrt(2) * s * gamma / wide_v
        rho = 2 * s**2 * c / (wide_u * wide_v)
        return (rf", \quad h = {house_latex(h)},\ k = {house_latex(k)},\ \rho = {house_latex(rho)},\ "
                r"L(h, k; \rho) = \Pr(X > -h,\, Y > -k)")
    return (r", \quad h = \frac{\beta}{\|\theta\|},\ k = \frac{\gamma}{\|w\|},\ "
            r"\rho = \frac{\theta^{\top}w}{\|\theta\|\|w\|},\ "
            r"L(h, k; \rho) = \Pr(X > -h,\, Y > -k)")


#: Polynomials up to this degree print Φ expanded; higher ones the moment formula.
POLYNOMIAL_PRINTED = 6


def _elementary_latex(family: Family, parameters: tuple) -> str:
    """Φ of the exact families, in ‖θ‖, ‖w‖, θᵀw, β, γ."""
    if family is Family.POLYNOMIAL:
        if len(parameters[1]) - 1 > POLYNOMIAL_PRINTED:
            return (r"\sum_{k=0}^{n} \frac{(\theta^{\top}w)^k}{k!}\, \mathbb{E}[\sigma^{(k)}(u)]\, "
                    r"\mathbb{E}[\sigma^{(k)}(v)],\quad \mathbb{E}[f(\beta + \|\theta\| X)] = "
                    r"\sum_{i} \frac{f^{(2i)}(\beta)\, \|\theta\|^{2i}}{2^i\, i!}")
        return house_latex(sp.expand(forms.polynomial_moment(parameters, a**2, b**2, c, beta, gamma)))
    formula = forms.exponential_formula(parameters, a, b, c, beta, gamma)
    if family is Family.EXP:
        return house_latex(sp.simplify(sp.expand_complex(formula)))
    return house_latex(formula.replace(sp.exp, lambda arg: sp.exp(sp.factor(sp.cancel(arg)))))


@dataclass(frozen=True)
class BiasedPotential:
    """Φ(θ, β; w, γ) = E_x[σ(θᵀx + β) σ(wᵀx + γ)] as a function of (‖θ‖, ‖w‖, θᵀw, β, γ).

    Attributes
    ----------
    activation : Activation
    family : Family or None
        The closed form used (``None``: the numeric route).
    method : Route
        How Φ is obtained (given by its printed text or name, it is looked up).
    parameters : tuple
        What the family's form needs of σ: erf's scale s, the power n, the polynomial's
        (κ², coefficients), the exponentials' (α, p, λ) (see :mod:`theory.potentials.biased_forms`).
    """

    activation: Activation
    family: Family | None
    method: Route
    parameters: tuple = field(default=(), compare=False)

    def __post_init__(self):
        object.__setattr__(self, "method", Route(self.method))

    @property
    def exact(self) -> bool:
        return self.family is not None

    @property
    def name(self) -> str:
        return self.activation.name

    def at(self, na, nb, dot, beta_, gamma_, *, dps: int = 30, certified: bool = False):
        """Φ at ‖θ‖, ‖w‖, θᵀw, β, γ to ``dps`` digits.

        The closed forms built on Sheppard's integral (:data:`BALL_FAMILIES`), for θ, w neither zero
        nor parallel, are evaluated on arb balls (:class:`~theory.potentials.evaluation.BallContext`)
        and returned when the ball's radius proves the digits of the formula; the numeric route
        takes an exact zero from :meth:`decided`, else the Mehler–Hermite series (:meth:`_series`).
        Otherwise the value is confirmed at two working precisions under the zero rule of
        :func:`~theory.potentials.evaluation.stable_value` (:meth:`decided` settles the exact zeros;
        the numeric route tries :data:`QUADRATURE_TRIES` precisions).

        With ``certified=True``, an ``arb`` ball proven to contain Φ at the exact inputs (see
        :meth:`certified_at`)."""
        check_dps(dps)
        if certified:
            return self.certified_at(na, nb, dot, beta_, gamma_, dps=dps)
        values = _checked(na, nb, dot, beta_, gamma_)
        found = self._ball_value(values, dps) if self.exact else self._decided_or_series(values, dps)
        if found is not None:
            return found
        if not self.exact:
            check_numeric_dps(dps, "the nested quadrature of a biased potential (ρ = ±1, a zero norm, "
                                   "or a series needing over 1024 terms)")
        return evaluation.stable_value(self.working_value, values, dps, "the biased potential",
                                       tries=evaluation.TRIES if self.exact else QUADRATURE_TRIES,
                                       exact=self.decided)

    def certified_at(self, na, nb, dot, beta_, gamma_, *, dps: int = 30):
        """An ``arb`` ball proven to contain Φ at the exact inputs (numbers, or ``arb`` balls), with
        radius at most 10^{−dps}·max(1, ``|Φ|``).

        At norms provably positive and ``|θᵀw|`` provably below ‖θ‖‖w‖, for

        * the closed forms built on Sheppard's integral (:data:`BALL_FAMILIES`): the proof rests on
          the exact derivation of the closed form (checked against quadrature in the tests), arb's
          rigorous elementary functions and ``acb.integral``, whose ball bounds its own error (the
          integrand is meromorphic, so a subinterval meeting a pole gives a non-finite ball and is
          split);
        * the numeric route of an activation with a proven envelope (tanh, sigmoid, softplus, swish,
          mish, ELU, GELU): the Mehler–Hermite series in rigorous coefficients c_k(‖θ‖, β) with a Parseval
          tail bound (:func:`~theory.potentials.hermite_series.certified_value`).

        At exact inputs with ρ = ±1 or a zero norm (ints, Fractions, floats, SymPy numbers, ``arb`` balls of
        radius 0; ρ = ±1 decided in exact arithmetic), for the same activations, the line integral
        E[σ(β + ‖θ‖X) σ(γ + cX)], c = ±‖w‖ the sign of θᵀw (θ = 0: the constant σ(β) times
        E[σ(γ + ‖w‖X)]; w = 0: the mirror): the proof rests on ``acb.integral`` on [−L, L], cut at the
        kinks, and a tail bound from the envelope ``|σ(t)| ≤ A + B|t|^p`` of each activation
        (:func:`~theory.potentials.line_mean.certified_line`).

        Elsewhere (balls that merely contain ρ = ±1 or a zero norm, other activations)
        :class:`~theory.core.errors.PrecisionError` names what is missing.

        >>> ball = biased("relu").certified_at(1, 1, sp.Rational(1, 2), sp.Rational(1, 5), -1, dps=15)
        >>> ball.str(15, radius=False), float(ball.rad()) < 1e-15
        ('0.0995712384474808', True)
        >>> biased("relu").certified_at(1, 1, 1, 0, 0, dps=15).str(15, radius=False)   # θ = w: E[X₊²]
        '0.500000000000000'
        """
        check_dps(dps)
        series = not self.exact and self.activation.expr in hermite_series.ENVELOPES
        if not (series or self.family in BALL_FAMILIES):
            raise PrecisionError(f"no certified value of {self}: a proof exists for step, sign, ReLU, erf, "
                                 f"ReLU powers and the numeric route of tanh, sigmoid, softplus, swish, "
                                 f"mish, ELU and GELU (this one is {self.method})")
        raw = tuple(as_number(v, what="a biased value") if isinstance(v, str) else v
                    for v in (na, nb, dot, beta_, gamma_))
        if not any(type(v).__module__.startswith("flint") for v in raw):
            _checked(*raw)
        exact = on_a_line(raw)
        if exact is not None:
            return self._certified_line(exact, dps)
        if series:                            # it proves ‖θ‖, ‖w‖ > 0 and |ρ| < 1 itself
            return hermite_series.certified_value(self.activation.expr, *raw[:3], dps=dps,
                                                  kinks=self.activation.kinks, biases=raw[3:])
        for work in evaluation.precisions(dps):
            with flint_digits(work):
                balls = tuple(ball(v) for v in raw)
                _provably_generic(*balls[:3])
                value = self._closed(evaluation.BallContext(work, proof=True), balls)
                if not value.is_finite():
                    raise PrecisionError(f"no certified value of {self} at {raw}: the ball evaluation "
                                         "is not finite (ρ too close to ±1 for the input balls?)")
                if value.rad() <= 10 ** ball(-dps) * max(ball(1), abs(value).upper()):
                    return value
        raise PrecisionError(f"no certified value of {self} at {raw} to {dps} digits: the ball stayed "
                             f"wider than 10^-{dps} (cancellation; try fewer digits)")

    def _certified_line(self, values: tuple, dps: int):
        """E[σ(β + ‖θ‖X) σ(γ + cX)] at exact (‖θ‖, ‖w‖, θᵀw, β, γ) with ρ = ±1 or a zero norm
        (:func:`~theory.potentials.line_mean.certified_line`)."""
        _checked(*values)
        sigma = self.activation.expr
        return certified_line(sigma.subs(_T_of(sigma), t), self.activation.kinks, self._envelope(), values,
                              dps=dps, what=str(self))

    def _envelope(self) -> tuple:
        """(A, B, p) with ``|σ(t)| ≤ A + B|t|^p``: 1 for step, sign and erf, ``|t|`` for ReLU, ``|t|^n`` for
        t₊ⁿ, the numeric route's :data:`~theory.potentials.hermite_series.ENVELOPES` (p = 1)."""
        if self.family in (Family.STEP, Family.SIGN, Family.ERF):
            return 1, 0, 0
        if self.family is Family.RELU:
            return 0, 1, 1
        if self.family is Family.RELU_POWER:
            return 0, 1, self.parameters[0]
        return hermite_series.envelope(self.activation.expr)

    def decided(self, values: tuple) -> sp.Rational | None:
        """Φ at the exact ``values`` (mpf) when no rounding is needed to decide it, else None: 0 when
        a factor vanishes exactly (θ = 0 and σ(β) = 0; θ ⊥ w, so Φ = E[σ(u)]E[σ(v)], with σ odd and
        β = 0; and the mirrors), the rational moment of a polynomial σ with rational coefficients."""
        na, nb, dot, bt, gm = map(_fraction, values)
        sigma, variable = self.activation.expr, self.activation.variable

        def vanishes(mean: Fraction) -> bool:
            return sigma.subs(variable, sp.Rational(mean.numerator, mean.denominator)) == 0

        odd = self.activation.parity is Parity.ODD
        if (na == 0 and vanishes(bt)) or (nb == 0 and vanishes(gm)) or (dot == 0 and odd and 0 in (bt, gm)):
            return sp.Integer(0)
        if self.family is Family.POLYNOMIAL:
            kappa2, p = self.parameters
            if kappa2.is_Rational and all(q.is_Rational for q in p):
                total = forms.polynomial_moment((1, tuple(Fraction(int(q.p), int(q.q)) for q in p)),
                                                na**2, nb**2, dot, bt, gm)
                return kappa2 * sp.Rational(total.numerator, total.denominator)
        return None

    def working_value(self, values: tuple, dps: int):
        """Φ at ``values`` = (‖θ‖, ‖w‖, θᵀw, β, γ) computed once at ``dps`` working digits (unconfirmed)."""
        return self._closed(context(dps), values) if self.exact else self._numeric(values, dps)

    def evaluate(self, theta_: Sequence, beta_, w_: Sequence, gamma_, *, dps: int = 30,
                 certified: bool = False):
        """Φ(θ, β; w, γ) for coordinates θ, w (sequences of numbers) and biases β, γ.

        With ``certified=True`` an ``arb`` ball (:meth:`certified_at`) at ‖θ‖, ‖w‖, θᵀw formed exactly
        from the coordinates."""
        check_dps(dps)
        if len(theta_) != len(w_) or not len(theta_):
            raise InputError(f"θ and w must have one common dimension ≥ 1, got {len(theta_)} and {len(w_)}")
        if certified:
            return self.certified_at(*_exact_invariants(theta_, w_), beta_, gamma_, dps=dps)
        ctx = context(INPUT_DIGITS)             # the invariants keep every digit a working precision reads
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
                          r"\sigma(w^{\top} x + \gamma)\right] \quad \text{(numeric: Mehler--Hermite series)}"
        if self.family in (Family.EXP, Family.GAUSSIAN, Family.POLYNOMIAL):
            return head + _elementary_latex(self.family, self.parameters)
        if self.family is Family.RELU_POWER and self.parameters[0] > RELU_POWER_PRINTED:
            return head + _RELU_POWER_LATEX.replace("NN", str(self.parameters[0]))
        return head + house_latex(_formula(self.family, self.parameters)) + _standardised_latex(self.family,
                                                                                               self.parameters)

    def exact_value(self, na, nb, dot, beta_, gamma_) -> sp.Expr:
        """Φ at exact ‖θ‖, ‖w‖, θᵀw, β, γ as a SymPy number (polynomials: a Rational for rational
        ‖θ‖², ‖w‖², θᵀw, β, γ; exponentials: the closed form at the inputs)."""
        if self.family not in (Family.EXP, Family.GAUSSIAN, Family.POLYNOMIAL):
            raise InputError(f"{self}: no exact value ({self.method}); use at(…, dps=…)")
        values = [as_number(v, what=n)
                  for v, n in zip((na, nb, dot, beta_, gamma_), ("‖θ‖", "‖w‖", "θᵀw", "β", "γ"), strict=True)]
        _checked(*values)
        na_, nb_, dot_, bt, gm = values
        if self.family is Family.POLYNOMIAL:
            return forms.polynomial_moment(self.parameters, na_**2, nb_**2, dot_, bt, gm)
        formula = forms.exponential_formula(self.parameters, a, b, c, beta, gamma)
        return sp.re(formula.subs({a: na_, b: nb_, c: dot_, beta: bt, gamma: gm}))

    def __str__(self) -> str:
        return f"Φ[{self.name}, biased]"

    def __repr__(self) -> str:
        return f"<BiasedPotential {self} ({self.method})>"

    # ------------------------------------------------------------------ internals
    def _ball_value(self, values: tuple, dps: int):
        """The closed form on arb balls (:func:`~theory.potentials.evaluation.ball_value`) when it is
        one of :data:`BALL_FAMILIES` and −‖θ‖‖w‖ < θᵀw < ‖θ‖‖w‖ (no zero norm, not parallel), else None."""
        na, nb, dot = values[:3]
        if self.family not in BALL_FAMILIES or na == 0 or nb == 0 or abs(dot) >= na * nb:
            return None
        return evaluation.ball_value(lambda ctx: self._closed(ctx, values), dps,
                                     exact=lambda: self.decided(values))

    def _closed(self, ctx, values: tuple):
        """The closed form in ``ctx`` (an mpmath context or a BallContext)."""
        na, nb, dot, bt, gm = (ctx.mpf(v) for v in values)
        if self.family in _FORMS:
            return _FORMS[self.family](ctx, self.parameters, na, nb, dot, bt, gm)
        if na == 0 or nb == 0:
            return self._degenerate(ctx, na, nb, bt, gm)
        h, k = bt / na, gm / nb
        rho = max(min(dot / (na * nb), ctx.one), -ctx.one)
        if self.family is Family.STEP:
            return orthant(ctx, h, k, rho)
        if self.family is Family.SIGN:
            return sign_product(ctx, h, k, rho)
        return _relu(ctx, na, nb, bt, gm, h, k, rho)

    def _degenerate(self, ctx, na, nb, bt, gm):
        """θ = 0 or w = 0: Φ = σ(β)·E[σ(‖w‖X + γ)] (or the mirror)."""
        sigma = _mean_family(self.family)
        if na == 0:
            return sigma(ctx, bt, 0) * sigma(ctx, gm, nb)
        return sigma(ctx, bt, na) * sigma(ctx, gm, 0)

    def _decided_or_series(self, values: tuple, dps: int):
        known = self.decided(values)
        return evaluation.rounded(known, dps) if known is not None else self._series(values, dps)

    def _series(self, values: tuple, dps: int):
        """The Mehler–Hermite series Σ c_k(‖θ‖, β) c_k(‖w‖, γ) ρ^k, confirmed by its two rules
        (:func:`~theory.potentials.hermite_series.value`); None at a zero norm, at ρ = ±1 and where
        it needs more than 1024 terms (the nested quadrature's cases)."""
        na, nb, dot, bt, gm = values
        if na == 0 or nb == 0 or not abs(dot) < na * nb:
            return None
        sigma = self.activation.expr
        try:
            return hermite_series.value(sigma.subs(_T_of(sigma), t), self.activation.kinks, na, nb, dot,
                                        dps=dps, biases=(bt, gm))
        except hermite_series.SlowConvergence:
            return None

    def _numeric(self, values: tuple, dps: int):
        ctx = context(dps)
        return bivariate_quadrature(ctx, self.activation.expr, self.activation.kinks, *values)


def biased(spec) -> BiasedPotential:
    """The biased potential of an activation: a closed form for step, sign, ReLU, erf(st), ReLU powers,
    polynomials and sums of Gaussian exponentials (exp, cos, sin, e^{−t²/2}), else numeric.

    Raises :class:`~theory.core.errors.InputError` for an activation whose biased Φ diverges:
    σ² growing like e^{2κt²} with κ > 0 makes E[σ(θᵀx + β)²] infinite once ‖θ‖² ≥ 1/(4κ), whatever β.
    """
    act = spec if isinstance(spec, Activation) else activation(spec)
    if act.kind is PRODUCT:
        raise InputError(f"activation {act.name}: biases apply to ridge activations σ(θᵀx + β) only")
    rate = act.growth
    if rate is sp.oo or (rate.is_number and rate > 0):
        raise InputError(f"activation {act.name}: with a bias Φ diverges for large ‖θ‖ (σ² grows like "
                         f"exp({2 * rate}·t²), so E[σ(θᵀx + β)²] = ∞ once ‖θ‖² ≥ {1 / (4 * rate)}); "
                         "no biased potential")
    recognised = _recognised(act.expr)
    family, parameters = recognised or (None, ())
    return BiasedPotential(act, family, METHODS[family], parameters)


# ---------------------------------------------------------------------- formulas

def _relu(ctx, na, nb, bt, gm, h, k, rho):
    """E[(β + aX)₊(γ + bY)₊]; ρ = ±1 by the one-dimensional integral over X."""
    pdf, cdf = ctx.npdf, ctx.ncdf
    if abs(rho) == 1:
        return forms.parallel_moment(ctx, 1, na, nb, bt, gm, int(rho))
    r = ctx.sqrt(1 - rho**2)
    return ((bt * gm + rho * na * nb) * orthant(ctx, h, k, rho)
            + bt * nb * pdf(k) * cdf((h - rho * k) / r) + gm * na * pdf(h) * cdf((k - rho * h) / r)
            + na * nb * r * pdf(h) * pdf((k - rho * h) / r))


def _erf(ctx, parameters, na, nb, dot, bt, gm):
    return sign_product(ctx, *forms.erf_arguments(ctx, _constant(ctx, parameters[0]), na, nb, dot, bt, gm))


def _polynomial(ctx, parameters, na, nb, dot, bt, gm):
    """Exact in Fractions for the inputs as rounded in ``ctx`` when σ's coefficients are rational (so the
    two precisions differ by input rounding only, however much the sum cancels), else in ``ctx``."""
    kappa2, p = parameters
    if all(q.is_Rational for q in p):
        values = [_fraction(v) for v in (na, nb, dot, bt, gm)]
        total = forms.polynomial_moment((1, tuple(Fraction(int(q.p), int(q.q)) for q in p)),
                                        values[0] ** 2, values[1] ** 2, *values[2:])
        return _constant(ctx, kappa2) * ctx.mpf(total.numerator) / total.denominator
    coefficients = (_constant(ctx, kappa2), tuple(_constant(ctx, q) for q in p))
    return forms.polynomial_moment(coefficients, na**2, nb**2, dot, bt, gm)


def _fraction(value) -> Fraction:
    """An mpf (−1)^s·m·2^e as the exact Fraction (mpmath's ``man_exp`` drops the sign)."""
    sign, man, exp, _ = value._mpf_
    magnitude = Fraction(int(man) * 2**exp) if exp >= 0 else Fraction(int(man), 2**-exp)
    return -magnitude if sign else magnitude


def _exponentials(ctx, parameters, *values):
    own, compiled = _exponential_function(parameters, ctx.dps)
    return own.re(compiled(*values))


@functools.lru_cache(maxsize=64)
def _exponential_function(parameters: tuple, dps: int) -> tuple[mpmath.MPContext, Callable]:
    """A private context at ``dps`` digits and :func:`~theory.potentials.biased_forms.exponential_formula`
    compiled in it once (read-only: never mutate), rather than built and compiled at each value."""
    ctx = context(dps)
    formula = forms.exponential_formula(parameters, a, b, c, beta, gamma)
    return ctx, mpmath_function(formula, (a, b, c, beta, gamma), ctx, cse=True)


def _relu_power(ctx, parameters, *values):
    return forms.relu_power_moment(ctx, parameters[0], *values)


def _two_slope(ctx, parameters, *values):
    return forms.two_slope_moment(ctx, *(_constant(ctx, q) for q in parameters), *values)


#: Families evaluated by :mod:`theory.potentials.biased_forms`: (ctx, parameters, ‖θ‖, ‖w‖, θᵀw, β, γ) ↦ Φ.
_FORMS = {Family.ERF: _erf, Family.POLYNOMIAL: _polynomial, Family.EXP: _exponentials,
          Family.GAUSSIAN: _exponentials, Family.RELU_POWER: _relu_power, Family.TWO_SLOPE: _two_slope}


def _constant(ctx, value: sp.Expr):
    """A SymPy number in ``ctx`` (a Rational exactly rounded once)."""
    return ctx.mpf(int(value.p)) / int(value.q) if value.is_Rational else mpmath_function(value, (), ctx)()


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

    Independent of the closed forms (it integrates the activations themselves). A 1 − ``|ρ|`` within
    rounding of the inputs in ``ctx`` (8 ulps) is taken as ρ = ±1, a single quadrature: parallel nodes
    whose norms were rounded to this precision must not leave a spurious r ≈ 10^{−dps/2}, whose inner
    integrand is a near-delta (minutes, not a second). The two precisions of the callers still confirm
    the digits."""
    f = mpmath_function(sigma, (_T_of(sigma),), ctx)
    na, nb, dot, bt, gm = (ctx.mpf(v) for v in (na, nb, dot, bt, gm))
    cuts = [ctx.mpf(sp.N(q, ctx.dps)) for q in kinks]
    if na == 0 or nb == 0:
        inner = (lambda X: f(bt) * f(gm + nb * X)) if na == 0 else (lambda X: f(bt + na * X) * f(gm))
        scale, shift = (nb, gm) if na == 0 else (na, bt)
        pts = sorted({(q - shift) / scale for q in cuts} if scale else set())
        return ctx.quad(lambda X: inner(X) * ctx.npdf(X), [-ctx.inf, *pts, ctx.inf])
    rho = max(min(dot / (na * nb), ctx.one), -ctx.one)
    if 1 - abs(rho) <= 8 * ctx.eps:
        rho = ctx.sign(rho)
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


#: Working precisions tried by a route built on nested quadrature (each doubling costs far more).
QUADRATURE_TRIES = 3


def two_precisions(evaluate: Callable, values: tuple, dps: int, what: str):
    """:func:`~theory.potentials.evaluation.stable_value` with the :data:`QUADRATURE_TRIES` of a
    nested quadrature (its zero rule, its errors)."""
    return evaluation.stable_value(evaluate, values, dps, what, tries=QUADRATURE_TRIES)


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
    names = ("‖θ‖", "‖w‖", "θᵀw", "β", "γ")
    values = tuple(_number(v, n) for v, n in zip((na, nb, dot, beta_, gamma_), names, strict=True))
    if not all(mpmath.isfinite(v) for v in values):
        raise InputError(f"‖θ‖, ‖w‖, θᵀw, β, γ must be finite, got {values}")
    if values[0] < 0 or values[1] < 0:
        raise InputError(f"norms must be non-negative, got ‖θ‖={values[0]}, ‖w‖={values[1]}")
    if abs(values[2]) > values[0] * values[1] * (1 + mpmath.mpf(10) ** -12):
        raise InputError(f"θᵀw = {values[2]} exceeds ‖θ‖‖w‖ (Cauchy–Schwarz)")
    return values


def _exact_invariants(theta_: Sequence, w_: Sequence) -> tuple:
    """(‖θ‖, ‖w‖, θᵀw) as exact SymPy numbers from exact coordinates (numbers or strings)."""
    th, wv = (evaluation.exact_point([as_number(v, what="θ, w") if isinstance(v, str) else v for v in vec])
              for vec in (theta_, w_))
    if th is None or wv is None:
        raise InputError("certified=True needs exact coordinates (numbers, strings or SymPy numbers)")
    dot = sum((x * y for x, y in zip(th, wv, strict=True)), sp.S.Zero)
    return sp.sqrt(sum(x**2 for x in th)), sp.sqrt(sum(y**2 for y in wv)), dot


def _provably_generic(na, nb, dot) -> None:
    """Refuse balls that do not prove ‖θ‖ > 0, ‖w‖ > 0 and |θᵀw| < ‖θ‖‖w‖."""
    if not (na > 0 and nb > 0):
        raise PrecisionError("a certified biased value needs norms that are provably positive "
                             "(a zero norm is certified at exact inputs only)")
    if not abs(dot) < na * nb:
        raise PrecisionError("a certified biased value needs |θᵀw| provably below ‖θ‖‖w‖ (ρ = ±1 is "
                             "certified at exact inputs only)")


def exact_dot(theta_, w_, na, nb, dot):
    """θᵀw at the rounding boundary ±‖θ‖‖w‖: exactly ±‖θ‖‖w‖ when θ, w are exactly parallel."""
    th, wv = (sp.Matrix([as_number(str(v), what="θ, w") for v in vec]) for vec in (theta_, w_))
    parallel = th.rank() and sp.Matrix.hstack(th, wv).rank() == 1
    return na * nb * int(sp.sign(th.dot(wv))) if parallel else dot     # a SymPy sign would round to 15 digits


def _T_of(sigma: sp.Expr):
    free = sorted(sigma.free_symbols, key=str)
    return free[0] if free else _T


def _recognised(expr: sp.Expr) -> tuple[Family, tuple] | None:
    """(family, parameters) of σ, or None: polynomials first (no simplification of a long one)."""
    (sym,) = expr.free_symbols or {_T}
    sigma = expr.subs(sym, _T)
    coefficients = forms.polynomial_coefficients(sigma)
    if coefficients is not None:
        return Family.POLYNOMIAL, coefficients
    family = _family(sigma)
    if family is not None:
        return family, ()
    scale, power = forms.erf_scale(sigma), forms.relu_power_exponent(sigma)
    if scale is not None:
        return Family.ERF, (scale,)
    if power is not None:
        return Family.RELU_POWER, (power,)
    slopes = forms.two_slopes(sigma)
    if slopes is not None:
        return Family.TWO_SLOPE, slopes
    terms = forms.exponential_terms(sigma)
    if terms is None:
        return None
    return (Family.GAUSSIAN if any(p != 0 for _, p, _ in terms) else Family.EXP), terms


def _family(sigma: sp.Expr) -> Family | None:
    """Step, sign or ReLU, however written (σ in the symbol t)."""
    normal = sp.simplify(sigma.rewrite(sp.Max))
    for form, family in _FAMILY_OF.items():
        if sp.simplify(normal - form) == 0 or normal == form:
            return family
    piece = sp.piecewise_fold(sigma)
    for form, family in ((sp.Piecewise((0, _T < 0), (_T, True)), Family.RELU),
                         (sp.Piecewise((0, _T <= 0), (1, True)), Family.STEP)):
        if piece == form:
            return family
    return None
