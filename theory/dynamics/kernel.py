"""The symbolic derivative kernel of a potential: Φ = F(u) differentiated in its invariants u.

The partial derivatives of F are taken symbolically once, simplified and rewritten in
c = 1 − ρ² and the angle φ = acos ρ, combined into the coefficients (α, β) of
∇_θΦ = α θ + β w, and cached on disk (:mod:`theory.core.cache`). Their limits where a pair
coincides (θ̂ = ±ŵ, or θ = w) are taken here too, and the kernel compiles its expressions
for an :mod:`~theory.dynamics.arithmetic` once per precision. :mod:`theory.dynamics.loss`
evaluates them on the pairs of :meth:`~theory.potentials.forms.Form.pairs`.

A numeric ridge potential on R^d (tanh, sigmoid, softplus, swish, mish, ELU: no closed form) has a
:class:`NumericKernel` instead: Φ and its first derivatives in float64 from
:class:`~theory.potentials.hermite_norms.Float64Ridge` or :class:`~theory.potentials.elu.Float64Elu`
(their second derivatives for the Hessian),
in float64 only; on the sphere, :class:`ZonalNumericKernel` differentiates the Mehler series
Φ(ρ) = Σ c_k² ρ^k of :class:`~theory.potentials.hermite_series.Float64Series` (ELU: Φ′ = E[σ′(X)σ′(Y)] and
Φ″ = E[σ″(X)σ″(Y)] from :class:`~theory.potentials.elu.Float64Elu`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from ..core import cache, timebound
from ..core.errors import DerivationError, InputError, Timeout
from ..core.symbols import rho, s
from ..core.timebound import BUDGET, bounded, check_budget
from ..potentials import elu
from ..potentials.forms import N1, N2, RIDGE, ZONAL, Form, Geometry, Q
from ..potentials.hermite_norms import Float64Ridge
from ..potentials.hermite_series import Float64Series
from ..potentials.pair_panels import Float64RidgeRoutes
from ..potentials.potential import Potential
from .arithmetic import Arithmetic

C = sp.Symbol("c", nonnegative=True)
PHI = sp.Symbol("phi", nonnegative=True)
T = sp.Symbol("t", nonnegative=True)
#: Where h of a product potential has no derivative: arguments of these functions vanish.
_NONSMOOTH = (sp.Abs, sp.sign, sp.Heaviside, sp.DiracDelta)


@dataclass(frozen=True)
class Kernel:
    """The partial derivatives of Φ = F(u) in its invariants, as SymPy expressions.

    ``derivatives[(a, b)]`` is ∂²F/∂u_a∂u_b (indices sorted), ``derivatives[(a,)]``
    the first and ``derivatives[()]`` F itself, each a function of the
    invariants, of c = 1 − ρ² and of φ = acos ρ (for a product potential: h, h′, h″ in s).
    ``self_terms`` is (G, G′, G″) in n₁ for a ridge potential (G(n) = Φ(θ, θ)
    with ‖θ‖ = n) and ``None`` when Φ(θ, θ) is constant. ``coefficients`` is
    (α, β) with ∇_θΦ(θ, w) = α θ + β w, in (n₁, n₂, ρ, c, φ) or (q,); ``kinks``
    the points s where h of a product potential has no derivative, and
    ``kink_slopes`` {s₀: (h′(s₀ − 0), h′(s₀ + 0))} its one-sided slopes there.
    """

    form: Form
    derivatives: dict
    self_terms: tuple | None
    cusp: sp.Expr = sp.S.Zero
    coefficients: tuple = ()
    kinks: tuple = ()
    kink_slopes: dict = field(default_factory=dict)
    _compiled: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(map(str, self.form.invariants))

    @property
    def arguments(self) -> tuple[sp.Symbol, ...]:
        if self.form.geometry is Geometry.COORDINATES:
            return self.form.invariants
        return (*self.form.invariants, C, PHI)

    @property
    def coefficient_arguments(self) -> tuple[sp.Symbol, ...]:
        return (Q,) if self.form.geometry is Geometry.DISTANCE else (N1, N2, rho, C, PHI)

    @functools.cached_property
    def uses_angle(self) -> bool:
        return any(e.has(PHI) for e in (*self.derivatives.values(), *self.coefficients))

    @functools.cached_property
    def self_slope(self) -> sp.Expr:
        """G′(n)/n, so that ∇G(‖θ‖) = G′(‖θ‖)/‖θ‖ · θ."""
        return sp.cancel(self.self_terms[1] / N1)

    @functools.cached_property
    def self_value(self) -> sp.Expr:
        """F at coincidence (ρ = 1, q = 0, s = 0): Φ(θ, θ) when it does not depend on θ
        (for a product potential the factor h(0), raised to the power d by the loss)."""
        at = {rho: 1, Q: 0, s: 0}
        value = self.derivatives[()].subs({u: at[u] for u in self.form.invariants})
        return value.subs({C: 0, PHI: 0})

    def compiled(self, name: str, arith: Arithmetic) -> Callable:
        """One of the kernel's expressions compiled for ``arith``, once per precision: "value"
        (F), "coefficients" ((α, β), shared subexpressions), "alpha" (α alone), "self_value"
        (G), "self_slope" (G′/n) or "self_curvature" (G″)."""
        key = (name, arith.dps)
        if key not in self._compiled:
            if name == "coefficients":
                self._compiled[key] = arith.functions(self.coefficients, self.coefficient_arguments)
            else:
                expr, args = {"value": lambda: (self.derivatives[()], self.arguments),
                              "alpha": lambda: (self.coefficients[0], self.coefficient_arguments),
                              "self_value": lambda: (self.self_terms[0], (N1,)),
                              "self_slope": lambda: (self.self_slope, (N1,)),
                              "self_curvature": lambda: (self.self_terms[2], (N1,))}[name]()
                self._compiled[key] = arith.function(expr, args)
        return self._compiled[key]

    # ---------------------------------------------------------- coincidences
    @property
    def small(self) -> int:
        """Index of the invariant that vanishes at coincidence (ρ ↦ c = 1 − ρ², or q)."""
        return self.form.invariants.index(_coincidence_invariants(self.form)[0])

    @functools.cached_property
    def hessian_terms(self) -> dict:
        """The kernel values the Hessian uses, free of removable singularities in z (c or q).

        Key (a,): F_a. Key (a, b): F_ab z^{m/2}, m the number of indices equal to the
        small invariant, since each ∇ρ = √c û/n₁ (∇q = 2√q d̂) carries a √z that belongs
        to the coefficient (the unit vector û is bounded). Each is cancelled in t = √z,
        which removes polynomial 0/0 such as ReLU²'s F_{n₁} = (…)√c/√c.
        """
        z = _coincidence_invariants(self.form)[1]
        terms = {}
        for key, expr in self.derivatives.items():
            if key:
                weight = z ** sp.Rational(sum(1 for a in key if a == self.small), 2) if len(key) == 2 else 1
                terms[key] = _cancelled(expr * weight, z)
        return terms

    @functools.cached_property
    def coincidence(self) -> dict:
        """{sign: {name: limit as z → 0⁺}} for the coincident pairs θ̂ = sign·ŵ (radial:
        sign +1, θ = w). Names: "value" (F), "alpha", "beta" (∇Φ = αθ + βw) and the keys
        of :attr:`hessian_terms`. A limit is an expression in n₁, n₂, or ``None`` where
        it is infinite or unknown (Φ is not C¹ or C² there).

        The limit is the t⁰ term of the expression's series in t = √z; for a term
        that is C⁰ in t it errs by at most t·abs(∂_t E(0⁺)) at a pair with √z = t, which
        below the switch-over t < 10^−(digits+3) is under the working precision.
        """
        coefficients = dict(zip(("alpha", "beta"), self.coefficients, strict=False))
        named = {"value": self.derivatives[()], **coefficients, **self.hessian_terms}
        signs = (1,) if self.form.geometry is Geometry.DISTANCE else (1, -1)
        return {sign: {name: _coincidence_limit(expr, self.form, sign) for name, expr in named.items()}
                for sign in signs}

    def coincidence_function(self, name: str, sign: int, arith: Arithmetic) -> Callable | None:
        """The limit ``name`` at coincidence as a function of (n₁, n₂), compiled (None: no limit)."""
        key = ("coincident", name, sign, arith.dps)
        if key not in self._compiled:
            limit = self.coincidence[sign][name]
            self._compiled[key] = None if limit is None else arith.function(limit, (N1, N2))
        return self._compiled[key]

    def hessian_function(self, arith: Arithmetic) -> Callable:
        """The :attr:`hessian_terms` compiled together; returns {key: values}."""
        key = ("hessian", arith.dps)
        if key not in self._compiled:
            keys = tuple(self.hessian_terms)
            exprs = tuple(self.hessian_terms[k] for k in keys)
            compiled = arith.functions(exprs, self.arguments)
            self._compiled[key] = lambda *args: dict(zip(keys, compiled(*args), strict=True))
        return self._compiled[key]


@dataclass(frozen=True)
class NumericKernel:
    """The kernel of a numeric ridge potential on R^d: F(n₁, n₂, ρ) = Φ and, by the chain rule of
    :func:`_coefficients`, α = F_{n₁}/n₁ − F_ρ ρ/n₁² and β = F_ρ/(n₁n₂), from
    :meth:`Float64Ridge.derivatives <theory.potentials.hermite_norms.Float64Ridge.derivatives>`
    (Φ within its bound; the derivatives measured, not bounded), its extension to norms up to 32 by
    :class:`~theory.potentials.pair_panels.Float64RidgeRoutes` (the same, validated) or
    :meth:`Float64Elu.derivatives <theory.potentials.elu.Float64Elu.derivatives>` (validated bounds), and
    the Hessian terms of :attr:`Kernel.hessian_terms` from their ``second_derivatives``.
    Float64 only, nonzero norms within the evaluator's interval (ELU: any). G(n) = Φ(θ, θ) = F(n, n, 1),
    G′(n) = 2F_{n₁}(n, n, 1) and G″(n) = F_{n₁n₁} + 2F_{n₁n₂} + F_{n₂n₂} at (n, n, 1)."""

    form: Form
    evaluator: Float64Ridge | Float64RidgeRoutes | elu.Float64Elu
    self_terms: tuple = ("G", "G′", "G″")     # not None: Φ(θ, θ) depends on ‖θ‖
    cusp: sp.Expr = sp.S.Zero
    kinks: tuple = ()
    kink_slopes: dict = field(default_factory=dict)
    uses_angle: bool = False
    small: int = 2                            # ρ, the invariant that tells a coincident pair

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(map(str, self.form.invariants))

    def compiled(self, name: str, arith: Arithmetic) -> Callable:
        """"value" F(n₁, n₂, ρ, c, φ), "coefficients" (α, β), "self_value" G(n), "self_slope" G′(n)/n,
        "self_curvature" G″(n)."""
        _float64_only(arith)
        functions = {"value": self._value, "coefficients": self._coefficients,
                     "self_value": lambda n: self.evaluator(n, n, n * n),
                     "self_slope": self._self_slope, "self_curvature": self._self_curvature}
        if name not in functions:
            raise DerivationError(f"the potential is numeric: no {name}")
        return functions[name]

    def coincidence_function(self, name, sign: int, arith: Arithmetic) -> Callable:
        """The value, α, β or a Hessian term (a key of :meth:`hessian_function`) at ρ = sign, where
        1 − ρ² = 0 (the evaluator is smooth there: the terms weighted by √(1 − ρ²) vanish)."""
        if isinstance(name, tuple):
            terms = self.hessian_function(arith)
            return lambda n1, n2: terms(n1, n2, sign, 0)[name]
        if name not in ("value", "alpha", "beta"):
            raise DerivationError(f"the potential is numeric: no {name}")
        index = {"alpha": 0, "beta": 1}.get(name)
        function = self.compiled("value" if index is None else "coefficients", arith)
        return lambda n1, n2: (function(n1, n2, sign) if index is None else function(n1, n2, sign)[index])

    def hessian_function(self, arith: Arithmetic) -> Callable:
        """(n₁, n₂, ρ, c, φ) ↦ the :attr:`Kernel.hessian_terms`: {(a,): F_a, (a, b): F_ab c^{m/2}}, indices
        0, 1, 2 for n₁, n₂, ρ and m the number of them equal to 2 (c = 1 − ρ²)."""
        _float64_only(arith)
        return self._hessian_terms

    def __getattr__(self, name: str):
        """The symbolic fields of :class:`Kernel` (derivatives, coefficients, arguments, …): refused."""
        if name in {*Kernel.__dataclass_fields__, "arguments", "self_value", "self_slope"}:
            raise DerivationError(f"the potential is numeric: no symbolic {name} (certificates "
                                  "need a closed form)")
        raise AttributeError(name)

    def _value(self, n1, n2, rho_, *_):
        return self.evaluator(n1, n2, rho_ * n1 * n2)

    def _coefficients(self, n1, n2, rho_, *_):
        n1, n2, rho_ = np.broadcast_arrays(n1, n2, rho_)
        _, by_n1, _, by_rho = self.evaluator.derivatives(n1, n2, rho_ * n1 * n2)
        return by_n1 / n1 - by_rho * rho_ / n1**2, by_rho / (n1 * n2)

    def _hessian_terms(self, n1, n2, rho_, c=0, *_):
        jet = self.evaluator.second_derivatives(n1, n2, rho_ * n1 * n2)
        root = np.sqrt(c)
        weights = {(0, 2): root, (1, 2): root, (2, 2): c}
        return {key: value * weights.get(key, 1) for key, value in jet.items() if key}

    def _self_slope(self, n):
        _, by_n1, by_n2, _ = self.evaluator.derivatives(n, n, n * n)
        return (by_n1 + by_n2) / n

    def _self_curvature(self, n):
        jet = self.evaluator.second_derivatives(n, n, n * n)
        return jet[(0, 0)] + 2 * jet[(0, 1)] + jet[(1, 1)]


@dataclass(frozen=True)
class ZonalNumericKernel:
    """The kernel of a numeric zonal potential on S^{d−1}: F(ρ) = Φ = Σ_k c_k² ρ^k and its derivatives
    from :meth:`Float64Series.derivative <theory.potentials.hermite_series.Float64Series.derivative>`
    (Φ, F′ and F″ each within its bound, ≤ 3e-14 for tanh … GELU) or, for ELU, from
    :meth:`Float64Elu.derivative <theory.potentials.elu.Float64Elu.derivative>` (validated bounds ≤ 3e-13),
    α = −F′ρ/n₁² and β = F′/(n₁n₂) by the chain rule of :func:`_coefficients`, and the Hessian terms
    F′, F″·c of :attr:`Kernel.hessian_terms`. Φ(θ, θ) = F(1) = E[σ²] is a constant. Float64 only."""

    form: Form
    evaluator: Float64Series | elu.Float64Elu
    self_terms: None = None                   # Φ(θ, θ) = F(1) for every θ on the sphere
    cusp: sp.Expr = sp.S.Zero
    kinks: tuple = ()
    kink_slopes: dict = field(default_factory=dict)
    uses_angle: bool = False
    small: int = 0                            # ρ, the only invariant

    names = NumericKernel.names
    __getattr__ = NumericKernel.__getattr__

    @property
    def self_value(self) -> sp.Float:
        return sp.Float(float(self.evaluator(1.0)))

    def compiled(self, name: str, arith: Arithmetic) -> Callable:
        """"value" F(ρ, c, φ) and "coefficients" (α, β)(n₁, n₂, ρ, c, φ)."""
        _float64_only(arith)
        functions = {"value": lambda rho_, *_: self.evaluator(rho_), "coefficients": self._coefficients}
        if name not in functions:
            raise DerivationError(f"the potential is numeric: no {name}")
        return functions[name]

    def coincidence_function(self, name, sign: int, arith: Arithmetic) -> Callable:
        """The value, α, β or a Hessian term at ρ = sign, as a function of (n₁, n₂)."""
        if isinstance(name, tuple):
            terms = self.hessian_function(arith)
            return lambda n1, n2: terms(np.full(np.shape(n1), float(sign)), 0)[name]
        if name not in ("value", "alpha", "beta"):
            raise DerivationError(f"the potential is numeric: no {name}")
        if name == "value":
            return lambda n1, n2: self.evaluator(np.full(np.shape(n1), float(sign)))
        index = {"alpha": 0, "beta": 1}[name]
        return lambda n1, n2: self._coefficients(n1, n2, np.full(np.shape(n1), float(sign)))[index]

    def hessian_function(self, arith: Arithmetic) -> Callable:
        """(ρ, c, φ) ↦ {(0,): F′, (0, 0): F″c}."""
        _float64_only(arith)
        return self._hessian_terms

    def _coefficients(self, n1, n2, rho_, *_):
        n1, n2, rho_ = np.broadcast_arrays(n1, n2, rho_)
        slope = self.evaluator.derivative(rho_, 1)
        return -slope * rho_ / n1**2, slope / (n1 * n2)

    def _hessian_terms(self, rho_, c=0, *_):
        return {(0,): self.evaluator.derivative(rho_, 1), (0, 0): self.evaluator.derivative(rho_, 2) * c}


def _float64_only(arith: Arithmetic) -> None:
    if arith.dps is not None:
        raise DerivationError(f"the potential is numeric: its loss runs in float64 only, "
                              f"not at {arith.dps} digits")


def kernel(phi: Potential, *, budget: float = BUDGET) -> Kernel | NumericKernel:
    """The symbolic derivative kernel of a potential (cached); a :class:`NumericKernel` for a
    numeric ridge potential of a smooth σ or ELU (a :class:`ZonalNumericKernel` on the sphere).

    Derived within ``budget`` seconds (default 60), else :class:`~theory.core.errors.Timeout`.

    >>> from theory.potentials.potential import given
    >>> k = kernel(given("exp(-r^2/2)", "radial"))
    >>> k.derivatives[(0,)]
    -exp(-q/2)/2
    >>> kernel(given("exp(-Abs(s))", "product")).kinks
    (0,)
    """
    if not isinstance(phi, Potential):
        raise InputError(f"the dynamics supports ridge, zonal, radial and product potentials, not {phi!r}")
    if phi.expr is None:
        return _numeric_kernel(phi)
    return _kernel(phi.expr, phi.form, check_budget(budget))


def _numeric_kernel(phi: Potential) -> NumericKernel | ZonalNumericKernel:
    """Float64 kernels of numeric potentials, on R^d and on the sphere, for a smooth σ or ELU."""
    kinks = phi.activation.kinks
    if phi.form is RIDGE and (not kinks or elu.is_elu(phi.activation.expr)):    # ELU is C¹
        evaluator = phi.numpy()
        if isinstance(evaluator, Float64Ridge | Float64RidgeRoutes | elu.Float64Elu):
            return NumericKernel(phi.form, evaluator)
    if phi.form is ZONAL and (not kinks or elu.is_elu(phi.activation.expr)):
        evaluator = phi.numpy()
        if isinstance(evaluator, Float64Series | elu.Float64Elu):
            return ZonalNumericKernel(phi.form, evaluator)
    where = "on the sphere" if phi.form is ZONAL else "on R^d"
    raise DerivationError(f"potential of {phi.name} is numeric with no float64 derivatives {where}: "
                          "exact gradients need a closed form")


@functools.lru_cache(maxsize=64)
def _kernel(expr: sp.Expr, form: Form, budget: float) -> Kernel:
    name = cache.key("kernel", cache.text(expr), form)
    found = _cached_kernel(name, form)
    if found is not None:
        return found
    shown = str(expr) if len(str(expr)) <= 40 else f"{str(expr)[:39]}…"
    timeouts = timebound.timeouts()
    derived = bounded(_derived_kernel, expr, form, seconds=budget, what=f"the kernel of {shown}")
    if timebound.timeouts() == timeouts:  # no simplification or limit gave up for lack of time
        cache.store(name, _kernel_entry(derived))
    return derived


def _kernel_entry(k: Kernel) -> dict:
    """The fields of a kernel as text (:func:`theory.core.cache.text`)."""
    text = cache.text
    return {"derivatives": [[list(key), text(e)] for key, e in k.derivatives.items()],
            "self_terms": None if k.self_terms is None else [text(e) for e in k.self_terms],
            "cusp": text(k.cusp), "coefficients": [text(e) for e in k.coefficients],
            "kinks": [text(e) for e in k.kinks],
            "kink_slopes": [[text(p), text(a), text(b)] for p, (a, b) in k.kink_slopes.items()]}


def _cached_kernel(name: str, form: Form) -> Kernel | None:
    """The kernel stored under ``name``, or None (absent, unreadable or corrupt)."""
    entry, read = cache.load(name), cache.expression
    try:
        derivatives = {tuple(int(i) for i in key): read(e) for key, e in entry["derivatives"]}
        self_terms = None if entry["self_terms"] is None else tuple(read(e) for e in entry["self_terms"])
        found = Kernel(form, derivatives, self_terms, read(entry["cusp"]),
                       tuple(read(e) for e in entry["coefficients"]), tuple(read(e) for e in entry["kinks"]),
                       {read(p): (read(a), read(b)) for p, a, b in entry["kink_slopes"]})
    except (TypeError, KeyError, ValueError, SyntaxError, AttributeError):
        return None
    expressions = [*found.derivatives.values(), *(found.self_terms or ()), found.cusp, *found.coefficients]
    return found if () in derivatives and all(isinstance(e, sp.Expr) for e in expressions) else None


def _derived_kernel(expr: sp.Expr, form: Form) -> Kernel:
    if form.geometry is Geometry.COORDINATES:
        return _product_kernel(expr, form)
    F = form.in_invariants(expr)
    symbols = form.invariants
    derivatives = {(): _stable(F)}
    for order in (1, 2):
        for key in itertools.combinations_with_replacement(range(len(symbols)), order):
            derivatives[key] = _stable(_simplified(sp.diff(F, *[symbols[i] for i in key])))
    self_terms = None
    if form.norms:
        G = derivatives[()].subs({N2: N1}).subs({rho: 1, C: 0})
        self_terms = (G, sp.diff(G, N1), sp.diff(G, N1, 2))
    cusp, coefficients = _cusp(form, derivatives), _coefficients(form, derivatives)
    return Kernel(form, {key: _angle(e) for key, e in derivatives.items()}, self_terms, cusp,
                  tuple(_angle(e) for e in coefficients))


def _angle(expr: sp.Expr) -> sp.Expr:
    """acos ρ and asin ρ in terms of the angle φ, computed once per pair (:func:`_angles`)."""
    return expr.xreplace({sp.atan2(sp.sqrt(C), rho): PHI, sp.atan2(rho, sp.sqrt(C)): sp.pi / 2 - PHI})


def _coefficients(form: Form, derivatives: dict) -> tuple[sp.Expr, sp.Expr]:
    """(α, β) with ∇_θΦ = α θ + β w by the chain rule: ∇q = 2(θ − w), ∇n₁ = θ/n₁,
    ∇ρ = w/(n₁n₂) − ρθ/n₁² (ρ = θᵀw/(n₁n₂))."""
    if form.geometry is Geometry.DISTANCE:
        first = derivatives[(0,)]
        return 2 * first, -2 * first
    names = form.invariants
    by_rho = derivatives[(names.index(rho),)]
    alpha = -by_rho * rho / N1**2
    if N1 in names:
        alpha = alpha + derivatives[(names.index(N1),)] / N1
    return _shortest(alpha), _shortest(by_rho / (N1 * N2))


def _shortest(expr: sp.Expr) -> sp.Expr:
    """The shortest of a few equivalent forms (the ReLU α collapses to n₂√c/(2πn₁))."""
    candidates = [expr, sp.factor_terms(sp.expand(expr)), _stable(_simplified(expr))]
    return min(candidates, key=lambda e: (e.has(sp.Piecewise), sp.count_ops(e)))


def _product_kernel(h: sp.Expr, form: Form) -> Kernel:
    """h, h′, h″ of a product potential ∏_k h(s_k); Dirac terms of h″ dropped (they live on the kinks)."""
    if h.has(sp.Piecewise, sp.Max, sp.Min):
        raise DerivationError(f"h(s) = {h}: write kinks with Abs, sign or Heaviside for the dynamics")
    first, second = sp.diff(h, s), sp.diff(h, s, 2)
    kinks = _kinks(h, first)
    off_kinks = second.replace(sp.DiracDelta, lambda *args: sp.S.Zero).replace(
        lambda e: e.is_Pow and isinstance(e.base, sp.sign) and e.exp.is_even, lambda e: sp.S.One)
    derivatives = {(): h, (0,): _shortest(first), (0, 0): _shortest(off_kinks)}
    cusp = sp.S.Zero
    if 0 in kinks:  # lim ‖∇Φ‖ as θ → w in d = 1, as for radial and zonal cusps
        try:
            cusp = sp.Abs(bounded(sp.limit, first, s, 0, "+", seconds=5, what="cusp limit"))
        except (Timeout, NotImplementedError, ValueError):
            cusp = sp.S.One  # a kink at coincidence, of unknown slope
    slopes = {kink: tuple(sp.limit(derivatives[(0,)], s, kink, side) for side in ("-", "+"))
              for kink in kinks}
    return Kernel(form, derivatives, None, cusp, (), kinks, slopes)


def _kinks(*exprs: sp.Expr) -> tuple:
    """The real s where an Abs, sign, Heaviside or DiracDelta argument in ``exprs`` vanishes."""
    points = set()
    for function in _NONSMOOTH:
        for atom in set().union(*(e.atoms(function) for e in exprs)):
            zeros = bounded(sp.solveset, atom.args[0], s, sp.S.Reals, seconds=5, what="kinks of h")
            if not isinstance(zeros, sp.FiniteSet):
                raise DerivationError(f"the kinks of h where {atom.args[0]} = 0 are not finitely many")
            points |= set(zeros)
    return tuple(sorted(points))


def _cusp(form: Form, derivatives: dict) -> sp.Expr:
    """lim ‖∇_θ Φ(θ, w)‖ as θ → w (unit vectors): 0 where Φ is smooth there, > 0 at a
    cusp (sign: 2/π), ∞ at a singularity (Coulomb). ‖∇ρ‖ = √c, ‖∇q‖ = 2√q."""
    first = derivatives[(form.invariants.index(_coincidence_invariants(form)[0]),)]
    if form.geometry is Geometry.DISTANCE:
        slope = 2 * first * sp.sqrt(Q)
        variable = Q
    else:
        slope = (first * sp.sqrt(C)).subs({N1: 1, N2: 1, rho: 1})
        variable = C
    try:
        return sp.Abs(bounded(sp.limit, slope, variable, 0, "+", seconds=5, what="cusp limit"))
    except (Timeout, NotImplementedError, ValueError):
        return sp.S.Zero


def _coincidence_invariants(form: Form) -> tuple[sp.Symbol, sp.Symbol]:
    """(u, z): the invariant that tells a coincident pair, and the one vanishing there —
    (q, q) for a Φ of the distance, (ρ, c = 1 − ρ²) for a Φ of the angle."""
    return (Q, Q) if form.geometry is Geometry.DISTANCE else (rho, C)


def _cancelled(expr: sp.Expr, z: sp.Symbol) -> sp.Expr:
    """``expr`` with the powers of t = √z in its denominator cancelled where they divide the
    numerator (φ and the other invariants held as symbols); unchanged when none can be."""
    in_t = expr.subs(z, T**2)
    if not any(p.exp.is_negative and p.base.has(T) for p in in_t.atoms(sp.Pow)):
        return expr
    try:
        cancelled = bounded(sp.cancel, sp.together(in_t), seconds=5, what="cancelling a kernel term")
    except Timeout:
        return expr
    if sp.denom(cancelled).has(T) or sp.count_ops(cancelled) > 3 * sp.count_ops(in_t) + 20:
        return expr
    return cancelled.subs(T, sp.sqrt(z))


def _coincidence_limit(expr: sp.Expr, form: Form, sign: int) -> sp.Expr | None:
    """lim of a kernel term as the pair coincides (z = t² → 0⁺; ρ = sign·√(1 − t²),
    φ = asin t or π − asin t): substitution where continuous, else SymPy's limit."""
    if form.geometry is Geometry.DISTANCE:
        at = expr.subs(Q, T**2)
    else:
        angle = sp.asin(T) if sign > 0 else sp.pi - sp.asin(T)
        at = expr.subs({C: T**2, PHI: angle}).subs(rho, sign * sp.sqrt(1 - T**2))
    value = at.subs(T, 0)
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not value.is_finite:
        try:
            value = bounded(sp.limit, at, T, 0, "+", seconds=10, what="a coincidence limit")
        except (Timeout, NotImplementedError, ValueError):
            return None
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.AccumBounds) or value.is_finite is False:
        return None
    return sp.simplify(value)


def _simplified(expr: sp.Expr) -> sp.Expr:
    try:
        return bounded(sp.simplify, expr, seconds=5, what="simplifying a derivative")
    except Timeout:
        return expr


def _stable(expr: sp.Expr) -> sp.Expr:
    """Rewrite in c = 1 − ρ²: acos ρ = atan2(√c, ρ), asin ρ = atan2(ρ, √c), polynomials in ρ²."""
    expr = expr.replace(sp.acos, lambda z: sp.atan2(sp.sqrt(1 - z**2), z))
    expr = expr.replace(sp.asin, lambda z: sp.atan2(z, sp.sqrt(1 - z**2)))

    def polynomial(n):
        return n.is_Add and n.has(rho) and n.is_polynomial(rho) and sp.degree(n, rho) >= 2

    expr = expr.replace(lambda n: n.is_Pow and polynomial(n.base),
                        lambda n: sp.Pow(sp.factor(sp.expand(n.base.subs(rho**2, 1 - C))), n.exp))
    expr = expr.replace(polynomial, lambda n: sp.factor(sp.expand(n.subs(rho**2, 1 - C))))
    if expr.has(rho**2) and expr.has(C):  # e.g. (1 − ρ²)/√c beside other terms
        expr = _simplified(expr.subs(rho**2, 1 - C))
    return expr
