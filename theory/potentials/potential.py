"""The induced potential Φ(θ, w) = E_x[σ(x, θ) σ(x, w)], x ~ N(0, I_d).

A :class:`Potential` is a SymPy expression in the variables of its *form*, one of
:mod:`theory.potentials.forms` (ridge f(‖θ‖, ‖w‖, θᵀw), zonal f(ρ) on S^{d−1}, radial
h(‖θ − w‖), product ∏ᵢ h(θᵢ − wᵢ)).

:func:`potential` derives it from an activation: exact routes first (see
:mod:`theory.potentials.gaussian`), and when none applies a *numeric* potential evaluated
by its Mehler–Hermite series (:mod:`theory.potentials.hermite_series`; near ρ = ±1 for a
non-smooth σ, kink-aware quadrature, :mod:`theory.potentials.quadrature`), whose ``expr`` is
``None`` and whose ``method`` says so. Its values too carry only confirmed digits: two
computations at different precisions agree to them, or
:class:`~theory.core.errors.PrecisionError` says they could not be confirmed.

>>> relu = potential("relu")
>>> print(relu.method)
piecewise reduction: orthant integrals (exact)
>>> relu.sphere().expr
(-rho*acos(rho) + pi*rho + sqrt(1 - rho**2))/(2*pi)
>>> str(relu.sphere().evaluate([1, 0], [0, 1], dps=20))      # 1/(2π)
'0.15915494309189533577'
>>> potential("gaussian_bump").expr       # per coordinate s = θᵢ − wᵢ
exp(-s**2/2)
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Literal, overload

import mpmath
import numpy as np
import sympy as sp

from ..core import cache, timebound
from ..core.balls import ball, ball_function
from ..core.balls import digits as flint_digits
from ..core.errors import DerivationError, InputError, PrecisionError, Timeout
from ..core.latex import Typeset
from ..core.latex import latex as house_latex
from ..core.latex import parse as parse_latex
from ..core.numeric import check_dps, output_context
from ..core.parsing import as_expression, as_number
from ..core.symbols import s, t, theta, w, x
from ..core.timebound import BUDGET, DEFAULT_SECONDS, bounded, check_budget
from . import elu, evaluation, gaussian, hermite_series, line_mean, pair_panels, quadrature
from .activations import Activation, activation
from .biased import BiasedPotential, biased
from .forms import PRODUCT, RIDGE, ZONAL, Form, Geometry
from .forms import form as form_named
from .manifolds import Manifold
from .routes import Route


@dataclass(frozen=True)
class Potential(Typeset):
    """An induced potential Φ(θ, w) with its provenance.

    Attributes
    ----------
    expr : sympy.Expr or None
        Φ in the variables of ``form`` (``None`` for a numeric potential).
    form : Form
        One of :mod:`theory.potentials.forms` (given by its name, e.g. ``"ridge"``, it is looked up).
    method : Route
        How Φ was obtained (given by its printed text or name, it is looked up).
    activation : Activation or None
        The activation it was derived from (``None`` for a potential given directly).
    conditions : sympy.Boolean
        Where the expression is valid (for growing activations such as e^{βt²}).

    Examples
    --------
    >>> phi = potential("erf").sphere()
    >>> phi
    <Potential Φ[erf(1), zonal] = 2*asin(2*rho/3)/pi (closed form: Price's theorem (exact))>
    >>> phi.variables, phi.manifold
    ((rho,), 'sphere')
    >>> print(f"{phi.matrix([[1.0, 0.0]], [[0.6, 0.8]])[0, 0]:.12f}")
    0.261979760869
    """

    expr: sp.Expr | None
    form: Form
    method: Route
    activation: Activation | None = None
    conditions: sp.Basic = sp.true
    steps: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self):
        object.__setattr__(self, "form", form_named(self.form))
        object.__setattr__(self, "method", Route(self.method))

    # ------------------------------------------------------------------ basics
    @property
    def variables(self) -> tuple[sp.Symbol, ...]:
        return self.form.variables

    @property
    def manifold(self) -> Manifold:
        return self.form.manifold

    @property
    def exact(self) -> bool:
        return self.expr is not None

    @property
    def name(self) -> str:
        return self.activation.name if self.activation else str(self.expr)

    def sphere(self) -> Potential:
        """The restriction to S^{d−1}: f(ρ) = Φ with ‖θ‖ = ‖w‖ = 1, θᵀw = ρ.

        The formula is tidied (acos terms collected, conditions simplified) within
        ten seconds, else returned as substituted."""
        on_sphere = self.form.restriction
        if on_sphere is None:
            raise InputError(f"a {self.form} potential h(θ − w) has no zonal form on the sphere")
        if not on_sphere:
            return self
        raw = (None if self.expr is None else self.expr.subs(on_sphere), self.conditions.subs(on_sphere))
        try:
            expr, conditions = bounded(_tidy_on_sphere, *raw, seconds=DEFAULT_SECONDS, what="tidying Φ(ρ)")
        except Timeout:
            expr, conditions = raw
        return replace(self, expr=expr, form=ZONAL, conditions=conditions)

    def in_coordinates(self, dim: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...], tuple[sp.Symbol, ...]]:
        """Φ as an expression in coordinates θ₁…θ_d, w₁…w_d; returns (Φ, θ, w).

        For a zonal potential ρ = Σθᵢwᵢ (the caller keeps θ, w on the sphere).
        """
        from ..core.symbols import coordinates

        self._require_exact("coordinates")
        th, wv = coordinates("theta", dim), coordinates("w", dim)
        return self.form.in_coordinates(self.expr, th, wv), th, wv

    # ------------------------------------------------------------------ numbers
    def evaluate(self, theta_: Sequence, w_: Sequence, *, dps: int = 30, certified: bool = False):
        """Φ(θ, w) for two points (sequences of numbers), with ``dps`` correct digits.

        The value carries only confirmed digits (see :meth:`at`). With ``certified=True`` the result is a
        python-flint ``arb`` ball proven to contain Φ at the exact inputs: the norms and θᵀw are
        formed exactly from exact coordinates (on the sphere they must be unit vectors exactly), or in
        ball arithmetic from balls, then :meth:`at` certifies.
        """
        check_dps(dps)
        if certified:
            return self.at(*self._certified_inputs(theta_, w_, dps), dps=dps, certified=True)
        values = self._form_values(theta_, w_, dps + 2 * quadrature.GUARD)
        return self.at(*values, dps=dps)

    def at(self, *values, dps: int = 30, certified: bool = False):
        """Φ at values of the form's variables (``na, nb, dot`` / ``rho`` / ``r`` / ``s``), to ``dps`` digits.

        A closed form is evaluated once in arb ball arithmetic and returned when the
        ball's radius proves ``dps`` digits — else (a branch point, a formula without ball
        functions such as Max, cancellation) at two working precisions; a numeric potential
        by two Hermite series (:func:`theory.potentials.hermite_series.value`) or two
        quadratures (:func:`theory.potentials.quadrature.bivariate`); the value is
        returned when they agree, else :class:`~theory.core.errors.PrecisionError`.

        With ``certified=True``, an ``arb`` ball proven to contain Φ: a closed form
        evaluated in ball arithmetic, exact inputs substituted exactly first (the proof rests on the
        exact derivation, SymPy's exact algebra and arb's rigorous elementary functions); a numeric
        potential at exact inputs with ρ = ±1 or a zero norm (ints, Fractions, floats, SymPy
        numbers, ``arb`` balls of radius 0; decided in exact arithmetic) by the line integral
        E[σ(‖θ‖X) σ(cX)], c = ±‖w‖ (:func:`theory.potentials.line_mean.certified_line`:
        ``acb.integral`` cut at the kinks and an envelope tail bound), elsewhere by
        :func:`theory.potentials.hermite_series.certified_value` (rigorous ``acb.integral``
        coefficients and a Parseval tail bound). Where none applies (Max/Piecewise formulas at
        balls, σ without a proven envelope, balls that merely contain ρ = ±1 or a zero norm,
        ``|ρ|`` near 1): :class:`~theory.core.errors.PrecisionError`, naming what is missing.

        >>> str(potential("tanh").at(sp.Rational(3, 2), sp.Rational(2, 3), sp.Rational(1, 3), dps=15))
        '0.114777712464266'
        >>> ball = potential("tanh").at(sp.Rational(3, 2), sp.Rational(2, 3), sp.Rational(1, 3), dps=15,
        ...                             certified=True)
        >>> ball.str(15, radius=False), float(ball.rad()) < 1e-15
        ('0.114777712464266', True)
        """
        check_dps(dps)
        values = tuple(as_number(v, what=f"value {i + 1} of Φ") if isinstance(v, (str, Fraction)) else v
                       for i, v in enumerate(values))
        if certified:
            if not any(type(v).__module__.startswith("flint") for v in values):
                self._check_values(values)
            return self._certified_at(values, dps)
        self._check_values(values)
        numbers = (mpmath.mpf(sp.N(v, 30)) if isinstance(v, sp.Basic) else v for v in values)
        if not all(mpmath.isfinite(v) for v in numbers):
            raise InputError(f"values of {', '.join(map(str, self.variables))} must be finite, got {values}")
        if self.expr is None:
            return self._numeric_at(values, dps)
        if self.form.at_origin(values):
            return self._degenerate_at(values, dps)
        return evaluation.confirmed_value(self.expr, self.variables, values, dps, self._mpmath_at,
                                          product=self.form.geometry is Geometry.COORDINATES)

    def at_many(self, points, *, dps: int = 30) -> np.ndarray:
        """Φ at many points of the form's variables, each to ``dps`` digits: an object array of mpf.

        ``points`` holds one point per row: ρ (zonal) or r (radial) values, rows (‖θ‖, ‖w‖, θᵀw)
        (ridge) or rows s₁…s_d (product). A closed form is evaluated once per point in arb
        ball arithmetic (:func:`theory.potentials.evaluation.ball_values`): the ball's radius
        proves the digits returned — fewer operations than :meth:`at`'s two precisions, and a
        proof instead of an agreement. Points where the ball is not finite or too wide (a zero
        norm, a branch point, cancellation), and every point of a numeric potential, are
        handed to :meth:`at`, whose InputError / PrecisionError then apply.

        >>> [str(v) for v in potential("relu").sphere().at_many([0, 1, -1], dps=12)]
        ['0.159154943092', '0.5', '0.0']
        """
        check_dps(dps)
        coordinatewise = self.form.geometry is Geometry.COORDINATES
        rows = evaluation.rows(points, None if coordinatewise else len(self.variables))
        if self.expr is None:
            return np.array([self.at(*row, dps=dps) for row in rows] + [None], dtype=object)[:-1]
        for row in rows:
            self._check_values(row)
        values, failed = evaluation.ball_values(self.expr, self.variables, rows, dps,
                                                product=self.form.geometry is Geometry.COORDINATES)
        for i in failed:
            values[i] = self.at(*rows[i], dps=dps)
        return values

    def numpy(self) -> Callable[..., np.ndarray]:
        """A vectorised float64 function of the form's variables.

        For a numeric zonal potential: Σ_{k<N} c_k² ρ^k by Horner, with an
        ``error_bound`` (≈ 3e-16 for tanh … mish) on [−1, 1]; see
        :class:`~theory.potentials.hermite_series.Float64Series`. For a numeric ridge
        potential: Σ_{k<N} c_k(‖θ‖)c_k(‖w‖)ρ^k with the c_k Chebyshev in the norm where both norms
        are in {0} ∪ [1/4, 2] (:class:`~theory.potentials.hermite_norms.Float64Ridge`), graded
        Gauss–Legendre panels at the other norms up to 32; see
        :class:`~theory.potentials.pair_panels.Float64RidgeRoutes`. ELU: its
        orthant form, any norms (:class:`~theory.potentials.elu.Float64Elu`). Another non-smooth
        σ raises :class:`~theory.core.errors.PrecisionError` (no such guarantee).
        """
        if self.expr is None and (self.form.unit_norms or self.form is RIDGE):
            act = self.activation
            if elu.is_elu(act.expr):
                return elu.Float64Elu(on_sphere=self.form.unit_norms)
            if self.form is RIDGE:
                return pair_panels.routes(act.expr, act.kinks, act.parity)
            return _float64_series(act.expr, act.kinks, act.parity)
        self._require_exact("a float64 evaluator")
        return _numpy(self.expr, self.variables)

    def matrix(self, thetas: np.ndarray, ws: np.ndarray) -> np.ndarray:
        """The float64 matrix [Φ(θᵢ, w_j)] for rows θᵢ of ``thetas`` and w_j of ``ws``."""
        thetas, ws = _rows(thetas, "thetas"), _rows(ws, "ws")
        if thetas.shape[1] != ws.shape[1]:
            raise InputError(f"θ has dimension {thetas.shape[1]} but w has {ws.shape[1]}")
        angular = None if self.expr is None else _angle_form(self.expr, self.form)
        if angular is not None:
            return evaluation.angle_matrix(angular, thetas, ws, zonal=self.form.unit_norms)
        return self.form.matrix(self.numpy(), thetas, ws)

    # ------------------------------------------------------------------ printing
    def latex(self, *, definition: bool = False) -> str:
        """``\\Phi(…) = …`` in house notation; :func:`theory.core.latex.parse` reads the right-hand side back.

        With ``definition=True`` the expectation that defines Φ comes first.

        >>> print(given("exp(-r^2/2)", "radial").latex())
        \\Phi(\\theta, w) = e^{- \\frac{\\|\\theta - w\\|^{2}}{2}}
        >>> head, expectation, body = potential("sign").sphere().latex(definition=True).split(" = ")
        >>> print(head, expectation, sep="\\n")
        \\Phi(\\rho)
        \\mathbb{E}_{x \\sim N(0, I_d)}\\left[\\sigma(\\theta^{\\top} x)\\, \\sigma(w^{\\top} x)\\right]
        >>> print(body)
        - \\frac{2 \\arccos{\\left(\\rho \\right)}}{\\pi} + 1
        """
        body = self._numeric_latex() if self.expr is None else house_latex(self.expr)
        head = self.form.head
        if definition and self.form.expectation:
            head += (r" = \mathbb{E}_{x \sim N(0, I_d)}"
                     r"\left[\sigma(\theta^{\top} x)\, \sigma(w^{\top} x)\right]")
        return f"{self.form.prefix}{head} = {body}"

    @classmethod
    def from_latex(cls, text: str, form: Form | str) -> Potential:
        """The potential whose formula is the right-hand side of ``text`` (as printed by :meth:`latex`).

        >>> Potential.from_latex(r"\\Phi(\\rho) = \\frac{1}{\\sqrt{4 - \\rho^{2}}}", "zonal").expr
        1/sqrt(4 - rho**2)
        """
        form = form_named(form)
        return given(parse_latex(text, form.variables), form)

    def __str__(self) -> str:
        body = "numeric" if self.expr is None else str(self.expr)
        return f"Φ[{self.name}, {self.form}] = {body}"

    def __repr__(self) -> str:
        return f"<Potential {self} ({self.method})>"

    # ------------------------------------------------------------------ internals
    def _numeric_latex(self) -> str:
        """What is known of a numeric Φ: its Hermite series with the first coefficients."""
        act = self.activation
        return hermite_series.latex(act.expr, act.kinks, act.parity, self.form)

    def _certified_at(self, values: Sequence, dps: int):
        """A ball for Φ: a numeric Φ by :meth:`_certified_numeric`, a closed form by
        :meth:`_certified_formula` (a product form ∏ᵢ h(sᵢ) at each coordinate)."""
        if self.expr is None:
            return self._certified_numeric(self.form.ridge_values(values), dps)
        if self.form.geometry is not Geometry.COORDINATES:
            return self._certified_formula(values, dps)
        with flint_digits(dps + 15):
            result = self._certified_formula(values[:1], dps)
            for value in values[1:]:
                result *= self._certified_formula((value,), dps)
        return result

    def _certified_formula(self, values: Sequence, dps: int):
        """The closed form at ``values`` in ball arithmetic, exact values substituted first (SymPy's exact
        algebra settles acos(1) = 0 at ρ = 1, where a ball of θᵀw/(‖θ‖‖w‖) would reach past 1)."""
        exact = line_mean.exact_inputs(values)
        expr = self.expr if exact is None else self.expr.subs(dict(zip(self.variables, exact, strict=True)),
                                                                 simultaneous=True)
        if expr.has(sp.nan, sp.zoo):
            raise PrecisionError(f"no certified value of {self.name} at {tuple(map(str, values))}: the "
                                 "formula is undefined there (0/0 at a zero norm?)")
        with flint_digits(dps + 15):
            result = ball_function(expr, self.variables)(*(ball(v) for v in values))
        if not result.is_finite():
            raise PrecisionError(f"no certified value of {self.name} at {tuple(map(str, values))}: "
                                 "the ball evaluation is not finite (a branch point within the input balls?)")
        return result

    def _certified_numeric(self, ridge: tuple, dps: int):
        """At exact inputs with ρ = ±1 or a zero norm the line integral E[σ(‖θ‖X) σ(cX)]
        (:func:`~theory.potentials.line_mean.certified_line`), elsewhere the Mehler series
        (:func:`~theory.potentials.hermite_series.certified_value`)."""
        sigma, kinks = self.activation.expr, self.activation.kinks
        exact = line_mean.on_a_line((*ridge, 0, 0))
        if exact is None:
            return hermite_series.certified_value(sigma, *ridge, dps=dps, kinks=kinks)
        RIDGE.check(exact[:3])
        return line_mean.certified_line(sigma, kinks, hermite_series.envelope(sigma), exact, dps=dps,
                                        what=str(self))

    def _certified_inputs(self, theta_: Sequence, w_: Sequence, dps: int) -> tuple:
        """The form's variables from exact coordinates exactly (so that ρ = ±1 and zero norms are seen),
        else as balls (:meth:`_form_balls`)."""
        a, b = (evaluation.exact_point([as_number(v, what="θ, w") if isinstance(v, (str, Fraction)) else v
                                        for v in vec]) for vec in (theta_, w_))
        if a is None or b is None:
            return self._form_balls(theta_, w_, dps)
        if len(a) != len(b) or not a:
            raise InputError(f"θ and w must have one common dimension ≥ 1, got {len(a)} and {len(b)}")
        return self.form.exact_values(a, b)

    def _form_balls(self, theta_: Sequence, w_: Sequence, dps: int) -> tuple:
        """The form's variables as arb balls computed from the exact coordinates."""
        with flint_digits(dps + 15):
            a, b = ([ball(v) for v in vec] for vec in (theta_, w_))
            if len(a) != len(b) or not a:
                raise InputError(f"θ and w must have one common dimension ≥ 1, got {len(a)} and {len(b)}")
            return self.form.balls(a, b)

    def _require_exact(self, what: str) -> None:
        if self.expr is None:
            raise DerivationError(f"potential of {self.name} is numeric; {what} needs an exact one")

    def _form_values(self, theta_: Sequence, w_: Sequence, dps: int) -> tuple:
        ctx = output_context(dps)   # read-only here: arithmetic only, never a precision change
        a, b = (_vector(v, ctx, name) for v, name in ((theta_, "θ"), (w_, "w")))
        if len(a) != len(b):
            raise InputError(f"θ has dimension {len(a)} but w has {len(b)}")
        return self.form.values(a, b, ctx, dps)

    def _check_values(self, values: Sequence) -> None:
        self.form.check(values)

    def _mpmath_at(self, values: Sequence, dps: int):
        ctx, f = evaluation.working_function(self.expr, self.variables, dps)
        args = [ctx.mpf(sp.N(v, dps)) if isinstance(v, sp.Basic) else ctx.mpf(v) for v in values]
        return self.form.apply(f, args, ctx)

    def _degenerate_at(self, values: Sequence, dps: int) -> mpmath.mpf:
        """Φ when θ = 0 or w = 0: σ(0)·E[σ(‖other‖X)]."""
        sigma = self.activation.expr
        other = values[1] if values[0] == 0 else values[0]
        at_zero = sigma.subs(t, 0)
        if at_zero == 0:
            return output_context(dps).mpf(0)
        factor = output_context(dps).mpf(sp.N(at_zero, dps + 10))
        return factor * quadrature.gaussian_mean(sigma, other, dps=dps)

    def _numeric_at(self, values: Sequence, dps: int) -> mpmath.mpf:
        """The Hermite series; at ρ = ±1 (one line integral) and where the series needs
        more than 1024 terms, the nested quadrature."""
        sigma, kinks = self.activation.expr, self.activation.kinks
        a, b, c = self.form.ridge_values(values)
        if a == 0 or b == 0:
            return self._degenerate_at(values, dps)
        if dps > hermite_series.MAX_DPS:
            raise InputError(f"a numeric potential is confirmed to at most {hermite_series.MAX_DPS} "
                             f"digits, {dps} were asked")
        if abs(c) < a * b:
            try:
                return hermite_series.value(sigma, kinks, a, b, c, dps=dps)
            except hermite_series.SlowConvergence:
                pass
        return quadrature.bivariate(sigma, sigma, a, b, c, dps=dps)


# ---------------------------------------------------------------------- derivation

@overload
def potential(spec, *, seconds: float = ..., budget: float = ...,
              bias: Literal[False] = ...) -> Potential: ...
@overload
def potential(spec, *, seconds: float = ..., budget: float = ..., bias: Literal[True]) -> BiasedPotential: ...
def potential(spec, *, seconds: float = 10.0, budget: float = BUDGET,
              bias: bool = False) -> Potential | BiasedPotential:
    """Derive Φ(θ, w) = E_x[σ(x, θ)σ(x, w)], x ~ N(0, I_d), for an activation.

    .. math::

        \\Phi(\\theta, w) = \\mathbb{E}_{x\\sim N(0, I_d)}[\\sigma(\\theta^{\\top}x)\\,\\sigma(w^{\\top}x)]

    Parameters
    ----------
    spec : str, sympy.Expr or Activation
        A registered name (``"relu"``, ``"hermite(4)"``), a formula in ``t``, or
        an :class:`~theory.potentials.activations.Activation`.
    seconds : float
        Time budget of each bounded symbolic step; when exceeded, the numeric route.
    budget : float
        Seconds the whole call may take (default 60): building the activation,
        then the exact derivation. A ridge activation whose derivation runs out
        of time gets the numeric route (its ``steps`` say so); a product one
        raises :class:`~theory.core.errors.Timeout`.
    bias : bool
        If true, the biased potential Φ(θ, β; w, γ) = E_x[σ(θᵀx + β)σ(wᵀx + γ)] of a
        ridge activation instead (:func:`~theory.potentials.biased.biased`); ``seconds``
        and ``budget`` do not apply to it.

    Returns
    -------
    Potential or BiasedPotential
        Form ``ridge`` (use :meth:`Potential.sphere` for S^{d−1}) or, for the
        per-coordinate product activations, ``product``; with ``bias=True`` a
        :class:`~theory.potentials.biased.BiasedPotential`.

    Examples
    --------
    >>> potential("erf").sphere().expr
    2*asin(2*rho/3)/pi
    >>> potential("tanh").method.name
    'NUMERIC'
    >>> str(potential("relu", bias=True).at(1, 1, 0, 0, 0, dps=15))    # β = γ = 0, θ ⊥ w: 1/(2π)
    '0.159154943091895'
    """
    if bias:
        return biased(spec)
    deadline = time.monotonic() + check_budget(budget)
    act = activation(spec, budget=budget)
    left = deadline - time.monotonic()
    if act.kind is PRODUCT:
        return bounded(_product_potential, act, seconds, seconds=left, what=f"the potential of {act.name}")
    return _ridge_potential(act, seconds, left)


def _ridge_potential(act: Activation, seconds: float, budget: float) -> Potential:
    name = cache.key("potential", cache.text(act.expr))
    cached = _cached_potential(name, act)
    if cached is not None:
        return cached
    timeouts = timebound.timeouts()
    try:
        if budget <= 0:
            raise Timeout(f"the budget was spent on building {act.name}")
        result = gaussian.expectation(act.expr, seconds=seconds, budget=budget)
    except (gaussian.Unsupported, Timeout) as why:
        return Potential(None, RIDGE, Route.NUMERIC, act, steps=(f"no exact route: {why}",))
    phi = Potential(result.expr, RIDGE, result.method, act,
                    result.conditions, result.steps)
    if timebound.timeouts() == timeouts:  # a pure function of σ: no step fell back for lack of time
        cache.store(name, {"expr": cache.text(phi.expr), "method": phi.method,
                           "conditions": cache.text(phi.conditions), "steps": list(phi.steps)})
    return phi


def _cached_potential(name: str, act: Activation) -> Potential | None:
    entry = cache.load(name)
    try:
        expr, conditions = cache.expression(entry["expr"]), cache.expression(entry["conditions"])
        if isinstance(expr, sp.Expr) and isinstance(conditions, sp.Basic):
            steps = tuple(map(str, entry["steps"]))
            return Potential(expr, RIDGE, Route(str(entry["method"])), act, conditions, steps)
    except (TypeError, KeyError, ValueError, SyntaxError, AttributeError):
        pass
    return None


def _product_potential(act: Activation, seconds: float) -> Potential:
    """h(θ − w) = E[g(x, θ)g(x, w)], x ~ N(0, 1), for a per-coordinate factor g."""
    from .formulas import product_entry

    entry = product_entry(act)
    if entry is not None:
        return Potential(entry.result, PRODUCT, Route.TABLE, act, steps=(f"table: {entry.reference}",))
    integrand = act.expr * act.expr.subs(theta, w) * sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)
    try:
        value = bounded(_integrate_line, integrand, seconds=seconds, what="product potential")
    except (Timeout, DerivationError) as why:
        raise DerivationError(f"no closed form for the product activation {act.name}: {why}") from why
    h = sp.simplify(value.subs(theta, w + s))
    if h.has(w):
        raise DerivationError(f"E[g(x,θ)g(x,w)] for {act.name} is not a function of θ − w: {value}")
    return Potential(h, PRODUCT, "closed form: Gaussian integral (exact)", act)


def _integrate_line(integrand: sp.Expr) -> sp.Expr:
    value = sp.integrate(integrand, (x, -sp.oo, sp.oo), conds="none")
    if value.has(sp.Integral):
        raise DerivationError("SymPy could not do the integral over x")
    return value


# ---------------------------------------------------------------------- given potentials

def given(expr, form: Form | str) -> Potential:
    """A potential given by its formula rather than derived, e.g. the Coulomb potential.

    >>> given("exp(-r^2/2)", "radial").expr
    exp(-r**2/2)
    >>> given("rho^3", "zonal").manifold
    'sphere'
    """
    form = form_named(form)
    names = {str(v): v for v in form.variables}
    expr = as_expression(expr, names, what=f"a {form} potential")
    expr = expr.subs({sym: names[sym.name] for sym in expr.free_symbols if sym.name in names})
    extra = expr.free_symbols - set(form.variables)
    if extra:
        raise InputError(f"a {form} potential is a formula in {', '.join(names)}; "
                         f"unexpected symbol(s) {', '.join(sorted(map(str, extra)))}")
    return Potential(expr, form, Route.GIVEN)


# ---------------------------------------------------------------------- helpers

@functools.lru_cache(maxsize=64)
def _float64_series(sigma: sp.Expr, kinks: tuple, parity) -> hermite_series.Float64Series:
    return hermite_series.float64_series(sigma, kinks, parity)


def _numpy(expr: sp.Expr, variables: tuple) -> Callable:
    return evaluation.float64_function(expr, variables)


_ANGLE = sp.Symbol("vartheta", nonnegative=True)
_COSINE = sp.Symbol("cos_vartheta", real=True)


@functools.lru_cache(maxsize=128)
def _angle_form(expr: sp.Expr, form: Form) -> Callable | None:
    """Φ as a float64 function of (‖θ‖, ‖w‖, ϑ, cos ϑ) (ridge) or (ϑ, cos ϑ) (zonal), ϑ = ∠(θ, w),
    when writing θᵀw = ‖θ‖‖w‖cos ϑ turns every acos into ϑ and every (‖θ‖²‖w‖² − (θᵀw)²)^{p/2} into
    (‖θ‖‖w‖ sin ϑ)^p — the cancellation-free form of the orthant (ReLU-family) potentials.
    None when the formula has neither, or something else is left depending on cos ϑ under a root."""
    if form.inner is None or not expr.has(sp.acos):
        return None
    cos = sp.cos(_ANGLE)
    scale = form.norm_product
    angled = expr.subs(form.inner, scale * cos)

    def acos(arg):
        return _ANGLE if sp.cancel(arg - cos) == 0 else sp.acos(arg)

    def root(base, power):
        ratio = sp.cancel(base / (scale**2 * (1 - cos**2)))
        if power.is_Rational and power.q == 2 and not ratio.has(_ANGLE):
            return (ratio * scale**2) ** power * sp.sin(_ANGLE) ** (2 * power)
        return sp.Pow(base, power)

    angled = angled.replace(sp.acos, acos)
    angled = angled.replace(lambda e: e.is_Pow and e.exp.is_Rational and e.exp.q == 2 and e.base.has(_ANGLE),
                            lambda e: root(e.base, e.exp))
    if angled.has(sp.acos) or any(p.exp.q == 2 and p.base.has(_ANGLE) for p in angled.atoms(sp.Pow)
                                  if p.exp.is_Rational):
        return None
    angled = sp.factor_terms(angled).subs(cos, _COSINE)  # cos ϑ is known: no third transcendental
    return _numpy(angled, (*(v for v in form.variables if v != form.inner), _ANGLE, _COSINE))


def _vector(values: Sequence, ctx: mpmath.MPContext, name: str) -> list:
    try:
        vec = [ctx.mpf(sp.N(v, ctx.dps)) if isinstance(v, sp.Basic) else ctx.mpf(v) for v in values]
    except (TypeError, ValueError) as why:
        raise InputError(f"{name} must be a sequence of real numbers: {why}") from why
    if not vec:
        raise InputError(f"{name} is empty: the dimension d must be at least 1")
    return vec


def _rows(array, name: str) -> np.ndarray:
    array = np.asarray(array, dtype=float)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0:
        raise InputError(f"{name} must be a (k, d) array with d ≥ 1, got shape {array.shape}")
    return array


def _tidy_on_sphere(expr: sp.Expr | None, conditions: sp.Basic) -> tuple:
    return None if expr is None else _tidy(expr), sp.simplify(conditions)


def _tidy(expr: sp.Expr) -> sp.Expr:
    """A readable form on the sphere: acos terms collected, common factors pulled out."""
    if expr.has(sp.asin) and expr.count_ops() > 60:  # Price's route: long sums over radicals
        for _ in range(3):  # the first pass merges equivalent radicals, later ones collect
            expr, previous = gaussian.radical_normal_form(expr), expr
            if expr == previous:
                break
        return expr
    expr = sp.expand(expr)
    if expr.has(sp.acos):
        expr = sp.collect(expr, list(expr.atoms(sp.acos)), sp.factor)
        return sp.collect(sp.factor_terms(expr), list(expr.atoms(sp.acos)))
    return sp.factor_terms(sp.powsimp(expr, combine="exp"))
