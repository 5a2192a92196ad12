"""The population loss as the energy of electrons and protons, with exact derivatives.

With the paper's sign convention (arXiv 1702.00458, eq. 3 with a ↦ −a, eq. 4–5)
the learner's output weights are the electrons' charges a_i and the target's
are the protons' charges b_j, and

.. math::

    L(a, \\theta) = \\mathbb{E}_x\\Big(\\sum_i a_i\\sigma(x, \\theta_i)
                  + \\sum_j b_j\\sigma(x, w_j)\\Big)^2
      = \\sum_{ij} a_i a_j \\Phi(\\theta_i, \\theta_j)
      + 2\\sum_{ij} a_i b_j \\Phi(\\theta_i, w_j) + \\sum_{ij} b_i b_j \\Phi(w_i, w_j),

so L ≥ 0 and L = 0 at a perfect match a_i = −b_{π(i)}, θ_i = w_{π(i)}. The
fixed charges of eq. 6 / 9 are a_i = −1, b_j = +1 (the default). The constant
proton–proton term is kept, so the value is the loss itself, not the loss up
to a constant; single-node loss (eq. 11) is the case of one electron.

Derivatives are exact: Φ is written as F(u) in *invariants* u of the pair,

=======  ==============================  ===========================
form     invariants                      manifold
=======  ==============================  ===========================
ridge    n₁ = ‖θ‖, n₂ = ‖w‖, ρ = θ̂ᵀŵ     R^d
zonal    ρ = θ̂ᵀŵ                         S^{d−1}
radial   q = ‖θ − w‖²                    R^d
product  s = θ_k − w_k (Φ = ∏_k h(s))    R^d
=======  ==============================  ===========================

and the partial derivatives of F are taken symbolically once, simplified, and
rewritten in c = 1 − ρ² and the angle φ = acos ρ (asin ρ = π/2 − φ), with c
and φ computed from ‖θ̂ ∓ ŵ‖² where ``|ρ|`` is near 1, so that nothing cancels
catastrophically when an electron sits on a proton. They are combined into the coefficients of ∇_θΦ = α θ + β w, compiled
once with common subexpressions shared, to numpy (float64) and to mpmath on a
local context. A product potential is differentiated through h′ and h″ of its
one-dimensional factor (away from the kinks of h, where Φ has no derivative).
The self-interaction Φ(θ, θ) is differentiated as the function G(‖θ‖) it is
(e.g. ‖θ‖²/2 for ReLU), never through the off-diagonal formula.

>>> import numpy as np
>>> from theory.potentials.potential import potential
>>> loss = Loss(potential("relu").sphere(), np.eye(2))
>>> float(loss.value(np.eye(2)))            # electrons on the protons
0.0
>>> bool(loss.value(np.array([[0.6, 0.8], [0.8, -0.6]])) > 0)
True
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
from ..core.numeric import context, mpmath_function, numpy_function
from ..potentials.forms import N1, N2, Q, Form, Geometry
from ..potentials.manifolds import SPHERE
from ..potentials.manifolds import manifold as manifold_named
from ..potentials.potential import Potential
from ..core.symbols import rho, s
from ..core.timebound import BUDGET, bounded, check_budget

C = sp.Symbol("c", nonnegative=True)
PHI = sp.Symbol("phi", nonnegative=True)
#: |ρ| above which c = 1 − ρ² is recomputed from differences of unit vectors.
_NEAR = 0.99
#: Up to this many entries of the (k, m, d) array of differences, q = ‖θ − w‖² is summed
#: from them (exact, and faster than a matrix product at this size; see _squared_distances).
_DIRECT_DIFFERENCES = 8000
#: A pair whose invariant z (c = 1 − ρ² or q = ‖θ − w‖²) has √z below 10^−(digits + this)
#: is a coincidence: its kernel values are the limits at z = 0 (see Kernel.coincidence).
_COINCIDENT_DIGITS = 3
T = sp.Symbol("t", nonnegative=True)
#: Where h of a product potential has no derivative: arguments of these functions vanish.
_NONSMOOTH = (sp.Abs, sp.sign, sp.Heaviside, sp.DiracDelta)


# ---------------------------------------------------------------------- symbolic kernel

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
        (G) or "self_slope" (G′/n)."""
        key = (name, arith.dps)
        if key not in self._compiled:
            if name == "coefficients":
                self._compiled[key] = arith.functions(self.coefficients, self.coefficient_arguments)
            else:
                expr, args = {"value": lambda: (self.derivatives[()], self.arguments),
                              "alpha": lambda: (self.coefficients[0], self.coefficient_arguments),
                              "self_value": lambda: (self.self_terms[0], (N1,)),
                              "self_slope": lambda: (self.self_slope, (N1,))}[name]()
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
        named = {"value": self.derivatives[()], **dict(zip(("alpha", "beta"), self.coefficients)),
                 **self.hessian_terms}
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
            self._compiled[key] = lambda *args: dict(zip(keys, compiled(*args)))
        return self._compiled[key]


def kernel(phi: Potential, *, budget: float = BUDGET) -> Kernel:
    """The symbolic derivative kernel of a potential (cached).

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
        raise DerivationError(f"potential of {phi.name} is numeric: exact gradients need a closed form")
    return _kernel(phi.expr, phi.form, check_budget(budget))


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
    slopes = {kink: tuple(sp.limit(derivatives[(0,)], s, kink, side) for side in ("-", "+")) for kink in kinks}
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
    polynomial = (lambda n: n.is_Add and n.has(rho) and n.is_polynomial(rho)
                  and sp.degree(n, rho) >= 2)
    expr = expr.replace(lambda n: n.is_Pow and polynomial(n.base),
                        lambda n: sp.Pow(sp.factor(sp.expand(n.base.subs(rho**2, 1 - C))), n.exp))
    expr = expr.replace(polynomial, lambda n: sp.factor(sp.expand(n.subs(rho**2, 1 - C))))
    if expr.has(rho**2) and expr.has(C):  # e.g. (1 − ρ²)/√c beside other terms
        expr = _simplified(expr.subs(rho**2, 1 - C))
    return expr


# ---------------------------------------------------------------------- numbers

class Arithmetic:
    """float64 (``dps=None``) or mpmath at ``dps`` digits, on numpy arrays.

    In mpmath mode arrays have dtype ``object`` holding the context's ``mpf``.
    """

    def __init__(self, dps: int | None = None):
        self.dps = dps
        self.ctx = None if dps is None else context(dps)

    def array(self, values) -> np.ndarray:
        values = np.asarray(values, dtype=object if self.ctx else float)
        if self.ctx is None:
            return values
        return np.frompyfunc(self.ctx.mpf, 1, 1)(values).astype(object).reshape(values.shape)

    def sqrt(self, values: np.ndarray) -> np.ndarray:
        if self.ctx is None:
            return np.sqrt(values)
        return np.asarray(np.frompyfunc(self.ctx.sqrt, 1, 1)(values), dtype=object)

    def function(self, expr: sp.Expr, args: tuple) -> Callable:
        """``expr`` compiled for this arithmetic, elementwise with broadcasting (a constant
        expression gives a scalar in float64)."""
        if self.ctx is None:
            return _numpy(expr, args)
        f = _mpmath(expr, args, self.dps)
        ufunc = np.frompyfunc(f, len(args), 1)
        return lambda *a: np.asarray(ufunc(*a), dtype=object)

    def functions(self, exprs: tuple, args: tuple) -> Callable:
        """Several expressions compiled together (float64: common subexpressions shared);
        the result returns a list of values."""
        if self.ctx is None:
            return _numpy_list(exprs, args)
        compiled = [self.function(e, args) for e in exprs]
        return lambda *a: [f(*a) for f in compiled]

    def constant(self, value: sp.Expr):
        """A SymPy number in this arithmetic: a float, or an mpf from 5 guard digits."""
        return float(value) if self.ctx is None else self.ctx.mpf(str(sp.N(value, self.dps + 5)))

    def finite(self, values: np.ndarray) -> bool:
        if self.ctx is None:
            return bool(np.isfinite(values).all())
        return all(self.ctx.isfinite(v) for v in np.ravel(values))


@functools.lru_cache(maxsize=512)
def _numpy(expr: sp.Expr, args: tuple) -> Callable:
    return numpy_function(expr, args)


@functools.lru_cache(maxsize=128)
def _numpy_list(exprs: tuple, args: tuple) -> Callable:
    return numpy_function(list(exprs), args, cse=True)


@functools.lru_cache(maxsize=512)
def _mpmath(expr: sp.Expr, args: tuple, dps: int) -> Callable:
    return mpmath_function(expr, args, context(dps))


@dataclass
class _Pairs:
    """Invariants of every pair (x_i, y_j), as (k, m) arrays ((k, m, d) for s), and unit vectors.

    ``coincident`` is (rows, columns, signs) of the off-diagonal pairs that coincide
    (θ̂ = ±ŵ, or θ = w for radial Φ, to the switch-over of :func:`_coincident`): there
    harmless invariants are stored and every kernel value is replaced by its limit.
    """

    values: dict
    n1: np.ndarray | None = None
    n2: np.ndarray | None = None
    xh: np.ndarray | None = None
    yh: np.ndarray | None = None
    coincident: tuple = ((), (), ())
    electrons: int = 0

    @property
    def shape(self) -> tuple[int, int]:
        return self.values["q" if "q" in self.values else "rho"].shape

    def describe(self, index: int) -> str:
        i, j = self.coincident[0][index], self.coincident[1][index]
        other = f"electron {j}" if j < self.electrons else f"proton {j - self.electrons}"
        relation = "sits on" if self.coincident[2][index] > 0 else "is antiparallel to"
        return f"electron {i} {relation} {other}"


def _pairs(X: np.ndarray, Y: np.ndarray, arith: Arithmetic, form: Form, angle: bool = False) -> _Pairs:
    """The invariants of the pairs (x_i, y_j) for Y whose first rows are X; n₁ as (k, 1),
    n₂ as (1, m), the rest (k, m); the angle φ if ``angle``.

    On the diagonal, the self pairs (handled by the self terms), and at coincident
    pairs (handled by the kernel's limits), harmless values are stored so that no
    singular formula is evaluated there.
    """
    if form.geometry is Geometry.COORDINATES:
        return _Pairs({"s": X[:, None, :] - Y[None, :, :]})
    if form.geometry is Geometry.DISTANCE:
        q = _squared_distances(X, Y, arith)
        coincident = _coincident(q, np.ones(q.shape), arith)
        q[coincident[:2]] = 1
        return _Pairs({"q": q}, coincident=coincident, electrons=len(X))
    n2 = arith.sqrt(np.einsum("ij,ij->i", Y, Y))
    n1 = n2[:len(X)]
    values = {"n1": n1[:, None], "n2": n2[None, :]}
    yh = Y / (n2 if n2.all() else np.where(n2 == 0, 1, n2))[:, None]
    xh = yh[:len(X)]
    values["rho"], values["c"], near = _cosines(xh, yh, arith)
    coincident = _coincident(values["c"], values["rho"], arith)
    values["rho"][coincident[:2]], values["c"][coincident[:2]] = 0, 1
    if angle:
        values["phi"] = _angles(values["rho"], values["c"], near, arith)
    return _Pairs(values, n1, n2, xh, yh, coincident, len(X))


def _coincident(z: np.ndarray, rho_: np.ndarray, arith: Arithmetic) -> tuple:
    """(rows, columns, signs of ρ) of the off-diagonal pairs with √z < 10^−(digits + 3)
    (digits: 16 in float64, dps in mpmath), z = c or q."""
    digits = 16 if arith.ctx is None else arith.dps
    switch = (10.0 if arith.ctx is None else arith.ctx.mpf(10)) ** (-2 * (digits + _COINCIDENT_DIGITS))
    small = z < switch
    _set_diagonal(small, False)
    rows, cols = np.nonzero(small)
    return rows, cols, np.where(rho_[rows, cols] > 0, 1, -1)


class NotSmooth(InputError):
    """At a coincident pair of the configuration Φ is infinite (``order`` 0), has no
    derivative (1) or no continuous second derivative (2): L is not C^order there."""

    def __init__(self, where: str, order: int):
        self.where, self.order = where, order
        what = ("is infinite", "has no derivative", "has no continuous second derivative")[order]
        super().__init__(f"{where}, a singular point of Φ where it {what}: L is not C{order} there")


def _at_coincidences(kernel: Kernel, name, values, pairs: _Pairs, arith: Arithmetic) -> np.ndarray:
    """``values`` as a writable (k, m) array whose coincident entries are the kernel's limits
    ``name`` (raises :class:`NotSmooth` where the limit is infinite)."""
    rows, cols, signs = pairs.coincident
    values = np.array(np.broadcast_to(values, pairs.shape))
    for sign in {int(v) for v in signs}:
        chosen = np.nonzero(signs == sign)[0]
        limit = kernel.coincidence_function(name, sign, arith)
        if limit is None:
            order = 0 if name == "value" else 1 if name in ("alpha", "beta") or len(name) == 1 else 2
            raise NotSmooth(pairs.describe(int(chosen[0])), order)
        r, c = rows[chosen], cols[chosen]
        n1, n2 = (np.ones(len(r)), np.ones(len(r))) if pairs.n1 is None else (pairs.n1[r], pairs.n2[c])
        values[r, c] = np.broadcast_to(limit(n1, n2), (len(r),))
    return values


def _set_diagonal(M: np.ndarray, values) -> None:
    """Set the entries (i, i) of a (k, m) array, m ≥ k (the self pairs)."""
    M.flat[::M.shape[1] + 1] = values


def _cosines(xh, yh, arith: Arithmetic):
    """ρ = θ̂ᵀŵ and c = 1 − ρ²; where |ρ| is near 1 both from h = ‖θ̂ ∓ ŵ‖²/2 = 1 ∓ ρ
    (sign of ρ), as ρ = ±(1 − h) and c = h(2 − h), free of cancellation."""
    rho_ = xh @ yh.T
    if arith.ctx is None:
        np.minimum(rho_, 1.0, out=rho_)
        np.maximum(rho_, -1.0, out=rho_)
    _set_diagonal(rho_, 0)
    c = 1 - rho_ * rho_
    near = np.nonzero(c < 1 - _NEAR**2)
    if not len(near[0]):
        return rho_, c, None
    sign = np.where(rho_[near] > 0, 1.0, -1.0)
    half = ((xh[near[0]] - sign[:, None] * yh[near[1]]) ** 2).sum(axis=1) / 2  # 1 ∓ ρ, exactly
    c[near] = half * (2 - half)
    rho_[near] = sign * (1 - half)
    return rho_, c, near


def _angles(rho_, c, near, arith: Arithmetic):
    """φ = acos ρ ∈ [0, π]: arccos where |ρ| ≤ 0.99 (well conditioned), atan2(√c, ρ) where
    |ρ| is near 1 (and everywhere in mpmath)."""
    if arith.ctx is not None:
        return np.asarray(np.frompyfunc(arith.ctx.atan2, 2, 1)(arith.sqrt(c), rho_), dtype=object)
    phi = np.arccos(rho_)
    if near is not None:
        phi[near] = np.arctan2(np.sqrt(c[near]), rho_[near])
    return phi


def _squared_distances(X, Y, arith: Arithmetic):
    """q = ‖θ − w‖², 1 for the self pairs. From the differences θ − w when the (k, m, d)
    array of them is small (or in mpmath); for large float64 arrays as ‖θ‖² + ‖w‖² − 2θᵀw
    (one matrix product), recomputed from the differences where q is small, as the
    cancellation there would cost digits."""
    if arith.ctx is not None or X.size * len(Y) <= _DIRECT_DIFFERENCES:
        D = X[:, None, :] - Y[None, :, :]
        q = (D * D).sum(axis=2) if arith.ctx else np.einsum("ijk,ijk->ij", D, D)
        _set_diagonal(q, 1)
        return q
    squares = np.einsum("ij,ij->i", Y, Y)
    scale = squares[:len(X), None] + squares[None, :]
    q = scale - 2 * (X @ Y.T)
    _set_diagonal(q, np.inf)  # the self pairs need no refinement
    close = q < scale / 4
    if close.any():
        close = np.nonzero(close)
        q[close] = ((X[close[0]] - Y[close[1]]) ** 2).sum(axis=1)
    _set_diagonal(q, 1)
    return q


# ---------------------------------------------------------------------- the loss

class Loss:
    """The charge energy L(a, θ) of electrons θ_i (charges a_i) and fixed protons w_j.

    Parameters
    ----------
    phi : Potential
        A ridge potential (on R^d; pass ``manifold="sphere"`` or a zonal potential
        for S^{d−1}), a zonal one, a radial one, or a product ∏_k h(θ_k − w_k) on R^d.
    protons : array (m, d)
        One proton a row.
    proton_charges : array (m,), optional
        b_j, default all +1.
    manifold : {"euclidean", "sphere"}, optional
        Default: the potential's own.

    Notes
    -----
    ``value``, ``gradient`` and ``best_charges`` check their inputs (shape, finite,
    on the sphere, off the origin of a ridge potential); inner loops that checked
    the positions once pass ``validate=False`` to skip this. Their results are
    checked either way.
    """

    def __init__(self, phi: Potential, protons, *, proton_charges=None, manifold: str | None = None):
        manifold = manifold_named(manifold or phi.manifold)
        if manifold == "sphere" and phi.form.restriction is None:
            raise InputError(f"a {phi.form} potential has no restriction to the sphere")
        if manifold == "sphere":
            phi = phi.sphere()
        if manifold != phi.manifold:
            raise InputError(f"a {phi.form} potential lives on the {phi.manifold}; "
                             f"use manifold='{phi.manifold}'")
        self.potential, self.manifold, self.kernel = phi, manifold, kernel(phi)
        self.protons = positions(protons, "protons", sphere=manifold == "sphere")
        m = len(self.protons)
        self.proton_charges = np.ones(m) if proton_charges is None else charges_of(proton_charges, m)
        self._constants, self._last_weights = {}, (None, None)

    def with_fixed(self, electrons, charges) -> Loss:
        """The loss of the other electrons when ``electrons`` (charges ``charges``) are held
        fixed: they join the protons. Used for captured electrons and node-wise descent."""
        extra = positions(electrons, "fixed electrons", sphere=self.manifold == "sphere") \
            if len(electrons) else np.zeros((0, self.dimension))
        fixed = Loss.__new__(Loss)
        fixed.potential, fixed.manifold, fixed.kernel = self.potential, self.manifold, self.kernel
        fixed.protons = np.concatenate([self.protons, extra])
        fixed.proton_charges = np.concatenate([self.proton_charges, np.asarray(charges, dtype=float)])
        fixed._constants, fixed._last_weights = {}, (None, None)
        return fixed

    @property
    def dimension(self) -> int:
        return self.protons.shape[1]

    def default_charges(self, k: int) -> np.ndarray:
        """a_i = −1 (eq. 9 with b_j = 1)."""
        return np.full(k, -1.0)

    # -------------------------------------------------------------- value
    def value(self, thetas, charges=None, *, dps: int | None = None, validate: bool = True):
        """L(a, θ), float64 or an mpf at ``dps`` digits.

        .. math::  L = a^{\\top}\\Phi(\\theta, \\theta)a + 2a^{\\top}\\Phi(\\theta, w)b + b^{\\top}\\Phi(w, w)b
        """
        arith = Arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith, validate)
        k = len(X)
        M = self._matrix(X, np.concatenate([X, W]), arith)
        total = a @ (M[:, :k] @ a + 2 * (M[:, k:] @ b)) + self._proton_energy(arith)
        return total if arith.ctx else float(total)

    def _proton_energy(self, arith: Arithmetic):
        """The constant Σ b_i b_j Φ(w_i, w_j), computed once per precision."""
        key = ("protons", arith.dps)
        if key not in self._constants:
            W, b = arith.array(self.protons), arith.array(self.proton_charges)
            self._constants[key] = b @ self._matrix(W, W, arith) @ b
        return self._constants[key]

    def _matrix(self, X, Y, arith: Arithmetic) -> np.ndarray:
        """[Φ(x_i, y_j)] for Y whose first rows are X, with Φ(x_i, x_i) on the diagonal."""
        pairs = _pairs(X, Y, arith, self.kernel.form, self.kernel.uses_angle)
        F = self.kernel.compiled("value", arith)
        if self.kernel.form.geometry is Geometry.COORDINATES:
            M = np.prod(np.broadcast_to(F(pairs.values["s"]), pairs.values["s"].shape), axis=2)
        else:
            M = _at_coincidences(self.kernel, "value", F(*self._arguments(pairs)), pairs, arith)
        _set_diagonal(M, self._self_values(pairs.n1, len(X), arith))
        return M

    def _self_values(self, norms: np.ndarray | None, k: int, arith: Arithmetic) -> np.ndarray:
        """Φ(θ, θ): G(‖θ‖) for ridge potentials, F at coincidence otherwise (h(0)^d for a product)."""
        if self.kernel.self_terms is not None:
            return np.broadcast_to(self.kernel.compiled("self_value", arith)(norms), norms.shape)
        return np.full(k, self._self_constant(arith), dtype=object if arith.ctx else float)

    def _self_constant(self, arith: Arithmetic):
        """The constant Φ(θ, θ) in this arithmetic, computed once per precision."""
        key = ("self", arith.dps)
        if key not in self._constants:
            value = self.kernel.self_value
            if self.kernel.form.geometry is Geometry.COORDINATES:
                value = value**self.dimension
            if not value.is_finite:
                raise InputError(f"Φ(θ, θ) = {value}: the self-energy of this potential is infinite")
            self._constants[key] = arith.constant(value)
        return self._constants[key]

    # -------------------------------------------------------------- gradient
    def gradient(self, thetas, charges=None, *, dps: int | None = None, validate: bool = True,
                 side: int | None = None) -> np.ndarray:
        """∇_θ L as a (k, d) array; on the sphere the Riemannian gradient.

        .. math::

            \\nabla_{\\theta_i} L = 2\\sum_{j\\ne i} a_i a_j \\nabla_1\\Phi(\\theta_i, \\theta_j)
              + a_i^2 \\nabla G(\\theta_i) + 2\\sum_j a_i b_j \\nabla_1\\Phi(\\theta_i, w_j)

        A product potential has no derivative where a coordinate θ_ik − y_k sits on a
        kink s₀ of h: that raises, unless ``side`` is −1 or +1, which gives there the
        one-sided partial derivative ∂/∂θ_ik from that side (h′(s₀∓0), everything else fixed).
        """
        arith = Arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith, validate)
        with np.errstate(divide="ignore", invalid="ignore"):  # checked below
            grad = self._ambient_gradient(X, a, W, b, arith, side)
        grad = self.manifold.project(X, grad)
        if not arith.finite(grad):
            raise InputError("the gradient is not finite: an electron sits on a singular point of Φ")
        return grad

    def _ambient_gradient(self, X, a, W, b, arith: Arithmetic, side: int | None = None) -> np.ndarray:
        """Σ_j C_ij ∇₁Φ(x_i, y_j) + a_i² ∇G(x_i), y = (θ, w), C_ij = 2a_i(a, b)_j, C_ii = 0."""
        return self._weighted_gradient(X, np.concatenate([X, W]), self._pair_weights(a, b), a * a, arith, side)

    def _pair_weights(self, a, b) -> np.ndarray:
        """C = 2a(a, b)ᵀ with C_ii = 0; the last float64 one is kept (fixed charges repeat)."""
        key = a.tobytes() if a.dtype == float else None
        if key is not None and self._last_weights[0] == key:
            return self._last_weights[1]
        weights = np.multiply.outer(a + a, np.concatenate([a, b]))
        _set_diagonal(weights, 0)
        if key is not None:
            weights.flags.writeable = False
            self._last_weights = (key, weights)
        return weights

    def _weighted_gradient(self, X, Y, weights, self_weights, arith: Arithmetic,
                           side: int | None = None) -> np.ndarray:
        """Σ_j C_ij ∇₁Φ(x_i, y_j) + s_i ∇G(x_i) for pair weights C (C_ii = 0) and self weights s
        (one-sided at kinks of a product potential if ``side``, see :meth:`gradient`)."""
        pairs = _pairs(X, Y, arith, self.kernel.form, self.kernel.uses_angle)
        v = pairs.values
        if self.kernel.form.geometry is Geometry.COORDINATES:
            return self._product_gradient(v["s"], weights, arith, side)
        if self.kernel.form.geometry is Geometry.DISTANCE:  # β = −α
            A = weights * _at_coincidences(self.kernel, "alpha", self.kernel.compiled("alpha", arith)(v["q"]),
                                           pairs, arith)
            return X * A.sum(axis=1)[:, None] - A @ Y
        alpha, beta = (_at_coincidences(self.kernel, name, value, pairs, arith) for name, value in zip(
            ("alpha", "beta"), self.kernel.compiled("coefficients", arith)(
                v["n1"], v["n2"], v["rho"], v["c"], v.get("phi", 0))))
        along_x = (weights * alpha).sum(axis=1)
        if self.kernel.self_terms is not None:  # ∇G(‖θ‖) = G′(n)/n θ
            along_x = along_x + self_weights * self.kernel.compiled("self_slope", arith)(pairs.n1)
        return X * along_x[:, None] + (weights * beta) @ Y

    def _arguments(self, pairs: _Pairs) -> list:
        """The compiled functions' arguments: the invariants, then c and φ (0 where unused)."""
        return [pairs.values[n] for n in self.kernel.names] + [pairs.values.get(n, 0) for n in ("c", "phi")]

    def _product_gradient(self, S: np.ndarray, weights, arith: Arithmetic, side: int | None = None) -> np.ndarray:
        """Σ_j C_ij ∇₁Φ(x_i, y_j), with ∂Φ/∂x_k = h′(s_k) ∏_{l≠k} h(s_l), s = x − y; at a kink
        s₀ the one-sided h′(s₀ ± 0) of ``side`` (without one, a kink raises)."""
        if side is None:
            self._check_kinks(S, arith)
        h, dh = (np.array(np.broadcast_to(v, S.shape)) for v in arith.functions(
            (self.kernel.derivatives[()], self.kernel.derivatives[(0,)]), (s,))(S))
        for kink, slopes in (self.kernel.kink_slopes.items() if side else ()):
            dh[S == arith.constant(kink)] = arith.constant(slopes[side > 0])
        D = dh * _leave_one_out(h)
        D[np.arange(len(S)), np.arange(len(S))] = 0  # the self pair (constant Φ(θ, θ))
        if arith.ctx is None:
            return np.einsum("ij,ijk->ik", weights, D)
        return (weights[:, :, None] * D).sum(axis=1)

    def _check_kinks(self, S: np.ndarray, arith: Arithmetic) -> None:
        """Φ has no derivative when a coordinate of θ_i − y_j (i ≠ j) sits on a kink of h."""
        for kink in self.kernel.kinks:
            hits = S == arith.constant(kink)
            hits[np.arange(len(S)), np.arange(len(S))] = False
            if hits.any():
                i, j, k = (int(n) for n in np.argwhere(hits)[0])
                other = f"electron {j}" if j < len(S) else f"proton {j - len(S)}"
                raise InputError(f"electron {i} and {other} have θ − w = {kink} in coordinate {k}, "
                                 f"a kink of h: Φ has no derivative there")

    def charge_gradient(self, thetas, charges=None) -> np.ndarray:
        """∂L/∂a_i = 2 Σ_j a_j Φ(θ_i, θ_j) + 2 Σ_j b_j Φ(θ_i, w_j) (float64)."""
        arith = Arithmetic()
        X, a, W, b = self._inputs(thetas, charges, arith)
        return 2 * self._matrix(X, np.concatenate([X, W]), arith) @ np.concatenate([a, b])

    def optimal_charges(self, thetas) -> np.ndarray:
        """a*(θ) = −[Φ(θ_i, θ_j)]⁺ [Φ(θ_i, w_j)] b, the minimiser of the quadratic in a (float64;
        the minimum-norm one when electrons coincide, see :meth:`best_charges` for the strict version)."""
        gram, cross = self._charge_system(thetas, Arithmetic())
        return -np.linalg.lstsq(gram, cross, rcond=None)[0]

    def _charge_system(self, thetas, arith: Arithmetic, validate: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(G, c) with G = [Φ(θ_i, θ_j)] and c = [Φ(θ_i, w_j)] b: a*(θ) solves G a* = −c."""
        X, _, W, b = self._inputs(thetas, None, arith, validate)
        M = self._matrix(X, np.concatenate([X, W]), arith)
        return M[:, :len(X)], M[:, len(X):] @ b

    # -------------------------------------------------------------- Hessian
    def hessian(self, thetas, charges=None, *, dps: int | None = None) -> np.ndarray:
        """The Hessian in θ: (kd, kd) on R^d; on S^{d−1} the Riemannian Hessian
        ``Bᵀ(∇²L − diag(⟨θ_i, ∇_{θ_i}L⟩ I))B`` in the orthonormal tangent basis B of
        :meth:`tangent_basis`, of size k(d−1)."""
        arith = Arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith)
        with np.errstate(divide="ignore", invalid="ignore"):  # checked in _ambient_hessian
            H = self._ambient_hessian(X, a, W, b, arith)
        if self.manifold == "euclidean":
            return H
        k, d = X.shape
        grad = self._ambient_gradient(X, a, W, b, arith)
        for i in range(k):
            block = slice(i * d, (i + 1) * d)
            H[block, block] = H[block, block] - (X[i] @ grad[i]) * _identity(d, arith)
        basis = self.tangent_basis(X, arith)
        return basis.T @ H @ basis

    def tangent_basis(self, X, arith: Arithmetic | None = None) -> np.ndarray:
        """Block-diagonal orthonormal basis of the tangent space: (kd, kd) on R^d,
        (kd, k(d−1)) on the sphere (columns 2…d of the Householder reflection of θ_i)."""
        arith = arith or Arithmetic()
        X = arith.array(X)
        k, d = X.shape
        if self.manifold == "euclidean":
            return _identity(k * d, arith)
        basis = arith.array(np.zeros((k * d, k * (d - 1))))
        for i, x in enumerate(X):
            v = x.copy()
            v[0] = v[0] + (1 if x[0] >= 0 else -1)
            reflection = _identity(d, arith) - 2 * np.outer(v, v) / (v @ v)
            basis[i * d:(i + 1) * d, i * (d - 1):(i + 1) * (d - 1)] = reflection[:, 1:]
        return basis

    def _ambient_hessian(self, X, a, W, b, arith: Arithmetic) -> np.ndarray:
        """∇²L on R^{kd}: Σ_j C_ij ∇_xxΦ(x_i, y_j) on the diagonal blocks (plus a_i²∇²G),
        C_il ∇_xyΦ(x_i, x_l) off them, C = 2a(a, b)ᵀ, all pairs at once."""
        if self.kernel.form.geometry is Geometry.COORDINATES:
            return self._product_hessian(X, a, W, b, arith)
        k, d = X.shape
        Y = np.concatenate([X, W])
        pairs = _pairs(X, Y, arith, self.kernel.form, self.kernel.uses_angle)
        F = self._hessian_values(pairs, arith)
        weights = np.array(self._pair_weights(a, b))
        blocks = _radial_blocks if self.kernel.form.geometry is Geometry.DISTANCE else _angular_blocks
        diagonal, off = blocks(X, Y, pairs, F, self.kernel.names, weights, arith)
        if self.kernel.self_terms is not None:
            G1, G2 = (np.broadcast_to(arith.function(e, (N1,))(pairs.n1), (k,))
                      for e in self.kernel.self_terms[1:])
            outer = np.einsum("ip,iq->ipq", pairs.xh, pairs.xh)
            along = (a * a * (G2 - G1 / pairs.n1))[:, None, None]
            diagonal = diagonal + along * outer + _eye_times(a * a * G1 / pairs.n1, d, arith)
        off[np.arange(k), np.arange(k)] += diagonal
        H = np.ascontiguousarray(off.transpose(0, 2, 1, 3)).reshape(k * d, k * d)
        if not arith.finite(H):
            raise InputError("the Hessian is not finite: an electron sits on a singular point of Φ")
        return H

    def _hessian_values(self, pairs: _Pairs, arith: Arithmetic) -> dict:
        """The kernel's :attr:`~Kernel.hessian_terms` at every pair, limits at coincidences;
        a term carrying a unit vector û (undefined there) must vanish in the limit."""
        raw = self.kernel.hessian_function(arith)(*self._arguments(pairs))
        values = {key: _at_coincidences(self.kernel, key, v, pairs, arith) for key, v in raw.items()}
        small = self.kernel.small
        rows, cols, signs = pairs.coincident
        for key, v in values.items():
            if len(key) == 2 and small in key and len(rows) and any(v[r, c] != 0 for r, c in zip(rows, cols)):
                index = next(n for n, (r, c) in enumerate(zip(rows, cols)) if v[r, c] != 0)
                raise NotSmooth(pairs.describe(index), 2)
        return values

    def _product_hessian(self, X, a, W, b, arith: Arithmetic) -> np.ndarray:
        """Blocks ∇_xxΦ = −∇_xyΦ of each pair: h″(s_k)∏_{l≠k}h(s_l) on the diagonal,
        h′(s_k)h′(s_l)∏_{m≠k,l}h(s_m) off it."""
        k, d = X.shape
        Y, charges = np.concatenate([X, W]), np.concatenate([a, b])
        S = _pairs(X, Y, arith, self.kernel.form).values["s"]
        self._check_kinks(S, arith)
        derivatives = tuple(self.kernel.derivatives[key] for key in ((), (0,), (0, 0)))
        h, dh, ddh = (np.broadcast_to(v, S.shape) for v in arith.functions(derivatives, (s,))(S))
        H = arith.array(np.zeros((k * d, k * d)))
        H4, on = H.reshape(k, d, k, d), np.arange(k)  # a view: H4[i, :, j, :] is block (i, j)
        for j in range(len(Y)):
            blocks = dh[:, j, :, None] * dh[:, j, None, :] * _leave_two_out(h[:, j], arith)
            blocks[:, np.arange(d), np.arange(d)] = ddh[:, j] * _leave_one_out(h[:, j])
            weighted = (2 * a * charges[j])[:, None, None] * blocks
            if j < k:
                weighted[j] = 0  # the self pair
                H4[:, :, j, :] -= weighted
            H4[on, :, on, :] += weighted
        if not arith.finite(H):
            raise InputError("the Hessian is not finite: an electron sits on a singular point of Φ")
        return H

    # -------------------------------------------------------------- input
    def _inputs(self, thetas, charges, arith: Arithmetic, validate: bool = True):
        """(θ, a, w, b) in this arithmetic; θ and a checked unless ``validate`` is false."""
        if validate:
            X = positions(thetas, "electrons", sphere=self.manifold == "sphere")
            if X.shape[1] != self.dimension:
                raise InputError(f"electrons have dimension {X.shape[1]} but protons {self.dimension}")
            if self.potential.form.norms and not X.any(axis=1).all():
                raise InputError(f"an electron at the origin is a singular point of a "
                                 f"{self.potential.form} potential")
            if charges is not None:
                charges = charges_of(charges, len(X))
            if not (isinstance(thetas, np.ndarray) and thetas.dtype == object):
                thetas = X  # keep exact (mpf) input exact
        a = self.default_charges(len(thetas)) if charges is None else charges
        return arith.array(thetas), arith.array(a), arith.array(self.protons), arith.array(self.proton_charges)

    # -------------------------------------------------------------- optimised output weights
    def best_charges(self, thetas, *, dps: int | None = None, validate: bool = True) -> np.ndarray:
        """a*(θ), the unique minimiser of the quadratic a ↦ L(a, θ), at ``dps`` digits:

        .. math::  [\\Phi(\\theta_i, \\theta_j)]\\, a^* = -[\\Phi(\\theta_i, w_j)]\\, b

        Raises :class:`InputError` when the Gram matrix is singular (two electrons
        coincide, or are antipodal for an odd Φ): then a* is not unique.
        """
        arith = Arithmetic(dps)
        gram, cross = self._charge_system(thetas, arith, validate)
        return -_solve(gram, cross, arith)

    def mixed_hessian(self, thetas, charges=None, *, dps: int | None = None) -> np.ndarray:
        """∂²L/∂θ∂a as an (n, k) array, n the number of tangent coordinates (rows in the
        basis of :meth:`tangent_basis`). Column l is the derivative of ∇_θL in a_l:

        .. math::

            \\partial_{a_l}\\nabla_{\\theta_i} L = 2a_i\\nabla_1\\Phi(\\theta_i, \\theta_l)\\ (i \\ne l),\\quad
            \\partial_{a_l}\\nabla_{\\theta_l} L = 2\\sum_{j \\ne l} a_j\\nabla_1\\Phi(\\theta_l, \\theta_j)
              + 2a_l\\nabla G(\\theta_l) + 2\\sum_j b_j\\nabla_1\\Phi(\\theta_l, w_j)
        """
        arith = Arithmetic(dps)
        X, a, W, b = self._inputs(thetas, charges, arith)
        k, Y, c = len(X), np.concatenate([X, W]), np.concatenate([a, b])
        columns = []
        for l in range(k):
            weights, self_weights = arith.array(np.zeros((k, len(Y)))), arith.array(np.zeros(k))
            weights[:, l], weights[l, :], self_weights[l] = 2 * a, 2 * c, 2 * a[l]
            _set_diagonal(weights, 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                column = self._weighted_gradient(X, Y, weights, self_weights, arith)
            column = self.manifold.project(X, column)
            columns.append(column.ravel())
        mixed = self.tangent_basis(X, arith).T @ np.array(columns).T
        if not arith.finite(mixed):
            raise InputError("∂²L/∂θ∂a is not finite: an electron sits on a singular point of Φ")
        return mixed

    def reduced_value(self, thetas, *, dps: int | None = None):
        """ℓ(θ) = min_a L(a, θ) = L(a*(θ), θ)."""
        return self.value(thetas, self.best_charges(thetas, dps=dps), dps=dps)

    def reduced_gradient(self, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇ℓ(θ) = ∇_θL(a*(θ), θ) (envelope theorem: ∂L/∂a = 0 at a*)."""
        return self.gradient(thetas, self.best_charges(thetas, dps=dps), dps=dps)

    def reduced_hessian(self, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇²ℓ(θ), the Schur complement of the a-block of the full Hessian at a = a*(θ):

        .. math::  \\nabla^2\\ell = H_{\\theta\\theta} - H_{\\theta a} H_{aa}^{-1} H_{a\\theta}

        (differentiate ∇_θL(a*(θ), θ) with ∂a*/∂θ = −H_aa⁻¹H_aθ), H_aa = 2[Φ(θ_i, θ_j)];
        on S^{d−1} in the tangent basis of :meth:`tangent_basis`.
        """
        arith = Arithmetic(dps)
        gram, cross = self._charge_system(thetas, arith)
        a = -_solve(gram, cross, arith)
        H, M = self.hessian(thetas, a, dps=dps), self.mixed_hessian(thetas, a, dps=dps)
        return H - M @ _solve(2 * gram, M.T, arith)


def _solve(gram: np.ndarray, rhs: np.ndarray, arith: Arithmetic) -> np.ndarray:
    """G⁻¹ rhs for the Gram matrix G ∝ [Φ(θ_i, θ_j)], refused when numerically singular
    (condition number > 10¹²: electrons coincide, or are antipodal for an odd Φ)."""
    if np.linalg.cond(gram.astype(float)) > 1e12:
        raise InputError("the Gram matrix [Φ(θ_i, θ_j)] is singular (electrons coincide, or are antipodal "
                         "for an odd Φ): the optimal output weights a*(θ) are not unique")
    if arith.ctx is None:
        return np.linalg.solve(gram, rhs)
    inverse = arith.ctx.inverse(arith.ctx.matrix(gram.tolist()))
    return np.array(inverse.tolist(), dtype=object) @ rhs


def _eye_times(scale: np.ndarray, d: int, arith: Arithmetic) -> np.ndarray:
    """(k,) → (k, d, d): scale_i · I."""
    return scale[:, None, None] * _identity(d, arith)[None]


def _unit_normals(pairs: _Pairs, arith: Arithmetic) -> tuple:
    """(ρ, √c, û, v̂) of every pair with the true ρ = ±1, √c = 0 at coincidences:
    û = (ŷ − ρx̂)/√c and v̂ = (x̂ − ρŷ)/√c, the unit directions of ∇_xρ and ∇_yρ, from
    ŷ − sx̂ (s = sign ρ) and 1 − sρ so that nothing cancels near ρ = ±1; 0 at coincidences."""
    rows, cols, signs = pairs.coincident
    rho_, c = np.array(pairs.values["rho"]), np.array(pairs.values["c"])
    rho_[rows, cols], c[rows, cols] = signs, 0
    sign = np.where(rho_ >= 0, 1, -1)
    xh, yh = pairs.xh[:, None, :], pairs.yh[None, :, :]
    difference = yh - sign[..., None] * xh
    gap = 1 - sign * rho_
    root = arith.sqrt(c)
    safe = np.where(root == 0, 1, root)[..., None]
    u = (difference + (sign * gap)[..., None] * xh) / safe
    v = (-sign[..., None] * difference + (sign * gap)[..., None] * yh) / safe
    u[rows, cols], v[rows, cols] = 0, 0
    return rho_, root, u, v


def _angular_blocks(X, Y, pairs: _Pairs, F: dict, names, weights, arith: Arithmetic):
    """Σ_j C_ij ∇_xxΦ_ij as (k, d, d) and C_il ∇_xyΦ_il as (k, k, d, d) for Φ = F(n₁, n₂, ρ) (or F(ρ)).

    With ∇ρ = √c û/n₁, ∇²ρ = (ρx̂x̂ᵀ − x̂ûᵀ√c − √cûx̂ᵀ − ρI)/n₁², ∇n₁ = x̂, ∇²n₁ = (I − x̂x̂ᵀ)/n₁
    and E_ab = F_ab c^{m/2} (:attr:`Kernel.hessian_terms`):

    ∇_xxΦ = (F₁/n₁ − ρF_ρ/n₁²) I + (F₁₁ − F₁/n₁ + ρF_ρ/n₁²) x̂x̂ᵀ + (E₁ρ/n₁ − √cF_ρ/n₁²)(x̂ûᵀ + ûx̂ᵀ)
    + E_ρρ/n₁² ûûᵀ;  ∇_xyΦ = F_ρ/(n₁n₂)(I − x̂x̂ᵀ − ŷŷᵀ + ρx̂ŷᵀ) + F₁₂ x̂ŷᵀ + E₁ρ/n₂ x̂v̂ᵀ
    + E₂ρ/n₁ ûŷᵀ + E_ρρ/(n₁n₂) ûv̂ᵀ  (indices 1, 2 for n₁, n₂; absent invariants contribute 0).
    """
    k, d = X.shape
    rho_, root, U, V = _unit_normals(pairs, arith)
    n1, n2 = pairs.n1[:, None], pairs.n2[None, :]

    def term(*invariants):
        if not all(n in names for n in invariants):
            return 0
        return F[tuple(sorted(names.index(n) for n in invariants))]

    Fr, F1 = term("rho"), term("n1")
    I_coefficient = weights * (F1 / n1 - rho_ * Fr / n1**2)
    xx_coefficient = weights * (term("n1", "n1") - F1 / n1 + rho_ * Fr / n1**2)
    xu_coefficient = weights * (term("n1", "rho") / n1 - root * Fr / n1**2)
    uu_coefficient = weights * (term("rho", "rho") / n1**2)
    xh = pairs.xh
    p = np.einsum("ij,ijp->ip", xu_coefficient, U)
    diagonal = (_eye_times(I_coefficient.sum(axis=1), d, arith)
                + np.einsum("ip,iq->ipq", xh, xx_coefficient.sum(axis=1)[:, None] * xh + p)
                + np.einsum("ip,iq->ipq", p, xh)
                + np.einsum("ijp,ijq->ipq", uu_coefficient[..., None] * U, U))
    w = np.array(weights[:, :k])
    G = w * (Fr / (n1 * n2))[:, :k]
    Uk, Vk, xl = U[:, :k], V[:, :k], xh[None, :, :]

    def scaled(coefficient, vectors):
        return coefficient[..., None] * vectors

    # three outer products a bᵀ per block, the right-hand vectors summed first
    right_x = (scaled(G * rho_[:, :k] + w * _columns(term("n1", "n2"), k), xl) - scaled(G, xh[:, None, :])
               + scaled(w * _columns(term("n1", "rho") / n2, k), Vk))
    right_u = scaled(w * _columns(term("n2", "rho") / n1, k), xl) + scaled(
        w * _columns(term("rho", "rho") / (n1 * n2), k), Vk)
    off = (np.einsum("ip,ilq->ilpq", xh, right_x) + np.einsum("ilp,ilq->ilpq", Uk, right_u)
           - np.einsum("lp,ilq->ilpq", xh, scaled(G, xl)))
    off[:, :, np.arange(d), np.arange(d)] += G[..., None]
    return diagonal, off


def _radial_blocks(X, Y, pairs: _Pairs, F: dict, names, weights, arith: Arithmetic):
    """As :func:`_angular_blocks` for Φ = F(q), q = ‖x − y‖²: ∇_xxΦ = −∇_xyΦ = 2F_q I + 4E_qq d̂d̂ᵀ,
    d̂ = (x − y)/√q, E_qq = F_qq q."""
    k, d = X.shape
    rows, cols, _ = pairs.coincident
    q = np.array(pairs.values["q"])
    q[rows, cols] = 0
    root = arith.sqrt(q)
    D = (X[:, None, :] - Y[None, :, :]) / np.where(root == 0, 1, root)[..., None]
    D[rows, cols] = 0
    first, second = weights * (2 * F[(0,)]), weights * (4 * F[(0, 0)])
    diagonal = _eye_times(first.sum(axis=1), d, arith) + np.einsum("ij,ijp,ijq->ipq", second, D, D)
    off = -(first[:, :k, None, None] * _identity(d, arith)
            + np.einsum("il,ilp,ilq->ilpq", second[:, :k], D[:, :k], D[:, :k]))
    return diagonal, off


def _columns(values, k: int):
    """The first k columns of a (k, m) array; a scalar stays a scalar."""
    return values[:, :k] if np.ndim(values) == 2 else values


def _exclusive_products(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∏_{l<k} h_l, ∏_{l>k} h_l) along the last axis."""
    ones = np.ones_like(h[..., :1])
    before = np.multiply.accumulate(np.concatenate([ones, h[..., :-1]], axis=-1), axis=-1)
    after = np.multiply.accumulate(np.concatenate([ones, h[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return before, after


def _leave_one_out(h: np.ndarray) -> np.ndarray:
    """∏_{l≠k} h_l along the last axis, without division (h may vanish)."""
    before, after = _exclusive_products(h)
    return before * after


def _leave_two_out(h: np.ndarray, arith: Arithmetic) -> np.ndarray:
    """(n, d) → (n, d, d): ∏_{m∉{k,l}} h_m for k ≠ l (0 on the diagonal), without division."""
    n, d = h.shape
    before, after = _exclusive_products(h)
    out = arith.array(np.zeros((n, d, d)))
    for k in range(d - 1):  # l > k: the product before k, strictly between k and l, after l
        between, _ = _exclusive_products(h[:, k + 1:])
        out[:, k, k + 1:] = before[:, k, None] * between * after[:, k + 1:]
    return out + out.transpose(0, 2, 1)


def _identity(n: int, arith: Arithmetic) -> np.ndarray:
    return arith.array(np.eye(n))


def positions(values, name: str, *, sphere: bool = False) -> np.ndarray:
    """Validate a (k, d) array of positions: finite, non-empty, on S^{d−1} if ``sphere``."""
    try:
        X = np.array(values, dtype=float)
    except (TypeError, ValueError) as why:
        raise InputError(f"{name} must be an array of real numbers: {why}") from why
    if X.ndim != 2 or not X.size:
        raise InputError(f"{name} must be a non-empty (k, d) array with k, d ≥ 1, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise InputError(f"{name} contain NaN or infinite coordinates")
    if sphere:
        SPHERE.check(X, name)
    return X


def charges_of(values, k: int) -> np.ndarray:
    """Validate k finite charges (kept exact when given as an object array, e.g. of mpf)."""
    exact = isinstance(values, np.ndarray) and values.dtype == object
    a = np.array(values, dtype=object if exact else float).reshape(-1)
    if a.shape != (k,) or not np.all(np.isfinite(a.astype(float))):
        raise InputError(f"expected {k} finite charges, got {values!r}")
    return a


def single_node_loss(phi: Potential, theta, protons, a1: float = -1.0, *, dps: int | None = None,
                     manifold: str | None = None):
    """Eq. (11) plus the constant Σ b_i b_j Φ(w_i, w_j): one electron θ₁ of charge a₁.

    .. math::  L(a_1, \\theta_1) = a_1^2\\Phi(\\theta_1,\\theta_1) + 2\\sum_j a_1 b_j\\Phi(\\theta_1, w_j) + \\text{const}

    >>> from theory.potentials.potential import given
    >>> single_node_loss(given("exp(-r^2/2)", "radial"), [0.0, 0.0], [[0.0, 0.0]])
    0.0
    """
    return Loss(phi, protons, manifold=manifold).value([theta], [a1], dps=dps)


