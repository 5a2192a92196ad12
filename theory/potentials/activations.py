"""Activations σ: the named ones, custom SymPy expressions, and their metadata.

Two kinds appear in the paper, named by the form of the potential they give
(:mod:`theory.potentials.forms`):

* **ridge** activations σ(θᵀx) (:data:`~theory.potentials.forms.RIDGE`), given as
  an expression in the symbol ``t``;
* **product** activations σ(x, θ) = ∏ᵢ g(xᵢ, θᵢ)
  (:data:`~theory.potentials.forms.PRODUCT`), given by the per-coordinate factor g
  in the symbols ``x`` and ``theta``; these realise translation-invariant
  potentials on R^d (the paper's Gaussian and Bessel rows of Table 1).

>>> relu = activation("relu")
>>> relu.expr, relu.kinks, relu.parity, relu.degree
(Max(0, t), (0,), None, 1)
>>> activation("leaky_relu(0.1)").expr
Max(0, t) + Min(0, t)/10
>>> activation("hermite(3)").expr
sqrt(6)*(t**3 - 3*t)/6
>>> activation("exp(t**2)")
Traceback (most recent call last):
...
theory.core.errors.InputError: activation exp(t**2): its Gaussian second moment E[σ(X)²] diverges \
(σ² grows like exp(2·t²), faster than the Gaussian density decays)
"""

from __future__ import annotations

import ast
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from ..core.choices import Choice
from ..core.errors import InputError, Timeout
from ..core.latex import latex as house_latex
from ..core.parsing import as_expression, as_number, parse_expression
from ..core.symbols import t, theta, x
from ..core.timebound import BUDGET, bounded, check_budget
from .forms import PRODUCT, RIDGE, Form
from .forms import form as form_named

#: The forms an activation's potential takes: its kinds.
KINDS = (RIDGE, PRODUCT)


def activation_kind(spec: str | Form) -> Form:
    """The kind of an activation, :data:`~theory.potentials.forms.RIDGE` or
    :data:`~theory.potentials.forms.PRODUCT`, from the form or its name.

    >>> activation_kind("product") is PRODUCT
    True
    >>> activation_kind("zonal")
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: an activation's kind must be one of ridge, product, got 'zonal'
    """
    kind = form_named(spec)
    if kind not in KINDS:
        raise InputError(f"an activation's kind must be one of {', '.join(map(str, KINDS))}, got {spec!r}")
    return kind


class Parity(Choice):
    """σ(−t) = σ(t) (even) or σ(−t) = −σ(t) (odd): the Hermite coefficients c_k of the other
    parity vanish, and Φ(−ρ) = ±Φ(ρ)."""

    EVEN = "even"
    ODD = "odd"

    @property
    def first(self) -> int:
        """The lowest index k of a coefficient c_k that can be nonzero (0 even, 1 odd)."""
        return 0 if self is Parity.EVEN else 1


@dataclass(frozen=True)
class Activation:
    """An activation function with what the derivation engine needs to know.

    Attributes
    ----------
    name : str
        Registry name with parameters (``"leaky_relu(1/10)"``) or the formula.
    expr : sympy.Expr
        σ(t) for a ridge activation; g(x, θ) per coordinate for a product one.
    kind : Form
        The form of its potential, :data:`~theory.potentials.forms.RIDGE` or
        :data:`~theory.potentials.forms.PRODUCT` (a name is read by :func:`activation_kind`).
    description : str
        One line for tables and reports.

    Examples
    --------
    >>> relu = activation("relu")
    >>> relu.expr, relu.kinks, relu.degree
    (Max(0, t), (0,), 1)
    >>> relu(-2), relu(3)
    (0, 3)
    """

    name: str
    expr: sp.Expr
    kind: Form = RIDGE
    description: str = ""
    params: tuple = field(default=(), compare=False)

    def __post_init__(self):
        object.__setattr__(self, "kind", activation_kind(self.kind))

    @property
    def variable(self) -> sp.Symbol:
        return t if self.kind is RIDGE else x

    @functools.cached_property
    def kinks(self) -> tuple[sp.Expr, ...]:
        """Real points where σ is not smooth (sorted), found from Max/Min/Abs/sign/
        Heaviside/Piecewise in the expression. For a product activation the kinks
        are offsets from θ (``x = θ + kink``)."""
        return _kinks(self.expr, self.variable, self.kind)

    @functools.cached_property
    def parity(self) -> Parity | None:
        """:class:`Parity` of σ, or ``None`` (neither, or not decidable)."""
        if self.kind is not RIDGE:
            return None
        return _parity(self.expr)

    @functools.cached_property
    def degree(self) -> int | None:
        """n if σ(λt) = λⁿσ(t) for every λ > 0 (positively homogeneous), else None."""
        if self.kind is not RIDGE:
            return None
        return _homogeneity(self.expr)

    @functools.cached_property
    def growth(self) -> sp.Expr:
        """β = limsup log|σ(t)| / t² as ``|t| → ∞`` (0 for sub-Gaussian-square growth).

        E[σ(aX)²] is finite when β < 1/(4a²)."""
        if self.kind is not RIDGE:
            return sp.S.Zero
        return _growth_rate(self.expr)

    def __call__(self, value):
        """σ at ``value`` (a number, a formula string or a SymPy expression in t)."""
        return self.expr.subs(self.variable, as_expression(value, {"t": t}, what="the argument of σ"))

    def _latex(self, printer) -> str:
        return printer._print(self.expr)

    def _repr_latex_(self) -> str:
        return f"$\\sigma(t) = {house_latex(self.expr)}$"

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- registry

@dataclass(frozen=True)
class Entry:
    """A registry entry: the factory, the parameter names, a description."""

    factory: Callable[..., sp.Expr]
    params: tuple[str, ...]
    description: str
    kind: Form = RIDGE
    defaults: tuple = ()


#: Largest Hermite degree m: Φ has ⌊m/2⌋ + 1 terms with integers of about m·log₁₀(m) digits.
HERMITE_MAX = 400
#: Largest ReLU power n: the orthant route sums (n + 1)² angular integrals.
RELU_POWER_MAX = 60


def _integer_in(name: str, value: sp.Expr, low: int, high: int) -> int:
    if not (value.is_Integer and low <= int(value) <= high):
        raise InputError(f"{name} must be an integer in [{low}, {high}], got {_shown(value)}")
    return int(value)


def _shown(value: sp.Expr) -> str:
    text = str(value)
    return text if len(text) <= 30 else f"{text[:12]}… ({len(text)} characters)"


def _hermite(m: sp.Expr) -> sp.Expr:
    m = _integer_in("hermite degree m", m, 0, HERMITE_MAX)
    return sp.hermite_prob(m, t) / sp.sqrt(sp.factorial(m))


def _relu_power(n: sp.Expr) -> sp.Expr:
    n = _integer_in("relu_power exponent n", n, 1, RELU_POWER_MAX)
    return sp.Max(t, 0) ** n


def _leaky_relu(alpha: sp.Expr) -> sp.Expr:
    if not (alpha.is_real and alpha.is_number and alpha.is_finite):
        raise InputError(f"leaky_relu slope alpha must be a finite real number, got {_shown(alpha)}")
    return sp.Max(t, 0) + alpha * sp.Min(t, 0)


def _erf(scale: sp.Expr) -> sp.Expr:
    if not (scale.is_number and scale.is_positive and scale.is_finite):
        raise InputError(f"erf scale s must be a positive finite number, got {_shown(scale)}")
    return sp.erf(scale * t)


REGISTRY: dict[str, Entry] = {
    "linear": Entry(lambda: t, (), "identity σ(t) = t"),
    "relu": Entry(lambda: sp.Max(t, 0), (), "rectified linear unit max(t, 0)"),
    "leaky_relu": Entry(_leaky_relu, ("alpha",), "max(t, 0) + α·min(t, 0), α real",
                        defaults=(sp.Rational(1, 100),)),
    "abs": Entry(lambda: sp.Abs(t), (), "absolute value |t|"),
    "step": Entry(lambda: sp.Heaviside(t, sp.S.Half), (), "Heaviside step 1{t > 0}"),
    "sign": Entry(lambda: sp.sign(t), (), "sign sgn(t)"),
    "relu_power": Entry(_relu_power, ("n",), f"ReLU power max(t, 0)ⁿ, n = 1…{RELU_POWER_MAX}"),
    "erf": Entry(_erf, ("scale",), "error function erf(s·t), s > 0", defaults=(sp.S.One,)),
    "sigmoid": Entry(lambda: 1 / (1 + sp.exp(-t)), (), "logistic 1/(1 + e^{-t})"),
    "tanh": Entry(lambda: sp.tanh(t), (), "hyperbolic tangent"),
    "softplus": Entry(lambda: sp.log(1 + sp.exp(t)), (), "softplus log(1 + e^t)"),
    "exp": Entry(lambda: sp.exp(t), (), "exponential e^t"),
    "cos": Entry(lambda: sp.cos(t), (), "cosine"),
    "sin": Entry(lambda: sp.sin(t), (), "sine"),
    "gaussian": Entry(lambda: sp.exp(-t**2 / 2), (), "Gaussian e^{-t²/2}"),
    "gelu": Entry(lambda: t * (1 + sp.erf(t / sp.sqrt(2))) / 2, (), "GELU t·Φ(t)"),
    "swish": Entry(lambda: t / (1 + sp.exp(-t)), (), "swish / SiLU t/(1 + e^{-t})"),
    "elu": Entry(lambda: sp.Max(t, 0) + sp.exp(sp.Min(t, 0)) - 1, (), "ELU max(t, 0) + min(e^t − 1, 0)"),
    "mish": Entry(lambda: t * sp.tanh(sp.log(1 + sp.exp(t))), (), "mish t·tanh(log(1 + e^t))"),
    "hermite": Entry(_hermite, ("m",), f"normalised Hermite h_m = He_m/√(m!), m = 0…{HERMITE_MAX}"),
    "gaussian_bump": Entry(
        lambda: sp.sqrt(2) * sp.exp(x**2 / 4) * sp.exp(-(x - theta) ** 2), (),
        "√2·e^{x²/4}·e^{-(x-θ)²} per coordinate (Gaussian row of Table 1)", kind=PRODUCT),
    "bessel_k0": Entry(
        lambda: (2 / sp.pi) ** sp.Rational(3, 4) * sp.exp(x**2 / 4)
        * sp.besselk(0, sp.Abs(x - theta)), (),
        "(2/π)^{3/4}·e^{x²/4}·K₀(|x-θ|) per coordinate (Bessel row of Table 1)", kind=PRODUCT),
}

#: Other spellings of registered names (the activation keeps the registered name).
ALIASES = {"silu": "swish"}


def activation(spec: str | sp.Expr | Activation, *params, budget: float = BUDGET) -> Activation:
    """Build an :class:`Activation` from a registered name, a formula or an expression.

    Parameters
    ----------
    spec : str, sympy.Expr or Activation
        ``"relu"``, ``"leaky_relu(0.2)"``, ``"hermite(4)"``, a formula in ``t`` such
        as ``"t**3 - 3*t"`` or ``"t*sigmoid(t)"`` (registered names are functions
        there: ``name(u)``, ``name(p…, u)``, or ``name(p…)`` for σ(t)), or a SymPy expression
        in :data:`theory.core.symbols.t`.
        Parameter ranges: hermite m ∈ [0, HERMITE_MAX], relu_power n ∈
        [1, RELU_POWER_MAX], leaky_relu α real, erf scale s > 0.
    *params
        Parameters of a registered name, as an alternative to ``"name(p)"``.
    budget : float
        Seconds that parsing and validating (reality, growth, poles) may take
        (default 60); then :class:`~theory.core.errors.Timeout`. Results are cached.

    Examples
    --------
    >>> activation("leaky_relu(0.2)").expr
    Max(0, t) + Min(0, t)/5
    >>> activation("hermite", 3).expr
    sqrt(6)*(t**3 - 3*t)/6
    >>> activation("t**2 - 1").parity
    <Parity.EVEN: 'even'>
    """
    if isinstance(spec, Activation) and not params:
        return spec
    key = (spec, tuple((type(p), p) for p in params), check_budget(budget))
    try:
        hash(key)
    except TypeError:  # an unhashable argument: built uncached, and the checks name the problem
        return _bounded(spec, params, budget)
    return _cached(*key)


@functools.lru_cache(maxsize=512)
def _cached(spec, typed_params: tuple, budget: float) -> Activation:
    return _bounded(spec, tuple(p for _, p in typed_params), budget)


def _bounded(spec, params: tuple, budget: float) -> Activation:
    shown = str(spec) if len(str(spec)) <= 40 else f"{str(spec)[:39]}…"
    return bounded(_build, spec, params, seconds=budget, what=f"activation({shown!r})")


def _build(spec, params: tuple) -> Activation:
    if params and not (isinstance(spec, str) and ALIASES.get(spec.strip(), spec.strip()) in REGISTRY):
        raise InputError(f"separate parameters go with a registered name such as 'hermite', "
                         f"not with {spec!r}")
    if isinstance(spec, sp.Basic):
        return _custom(spec, str(spec))
    if not isinstance(spec, str):
        raise InputError(f"an activation is a name, a formula or a SymPy expression, "
                         f"not {type(spec).__name__}")
    text = spec.strip()
    name, arg_texts = _named_call(text)
    name = ALIASES.get(name, name)
    if name in REGISTRY and arg_texts is None:
        return _registered(name, tuple(as_number(p, what=f"parameter {i + 1} of {name!r}")
                                       for i, p in enumerate(params)))
    if name in REGISTRY:
        args = [parse_expression(a, {"t": t}) for a in arg_texts]
        if not any(a.has(t) for a in args):  # "erf(2)" is erf with scale 2, "erf(2*t)" a formula
            return _registered(name, tuple(args))
    elif name is not None and arg_texts is None and name != "t":
        raise InputError(f"unknown activation {text!r}; registered: {', '.join(REGISTRY)} "
                         f"({', '.join(f'{a} = {n}' for a, n in ALIASES.items())}); or give a formula in t")
    return _custom(parse_expression(spec, {"t": t}, FORMULA_FUNCTIONS), text)


def _named_call(text: str) -> tuple[str | None, list[str] | None]:
    """(name, None) for a bare name, (name, argument texts) for a call ``name(a, b)`` that is
    the whole text, else (None, None): ``"sin(t) + cos(t)"`` is a formula. Only parsed, never run."""
    if len(text) > 200:  # no registered call is this long; parse_expression judges the formula
        return None, None
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None, None
    if isinstance(node, ast.Name):
        return node.id, None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        return node.func.id, [ast.get_source_segment(text, a) for a in node.args]
    return None, None


def _registered(name: str, args: tuple) -> Activation:
    entry = REGISTRY[name]
    args = args or entry.defaults
    expr = _instance(name, args)
    label = name if not entry.params else f"{name}({', '.join(str(a) for a in args)})"
    act = Activation(label, expr, entry.kind, entry.description, tuple(args))
    return _validated(act)


def _instance(name: str, args: tuple) -> sp.Expr:
    """The registered σ with parameters ``args``, checked (count, reality, range)."""
    entry = REGISTRY[name]
    if len(args) != len(entry.params):
        wanted = ", ".join(entry.params) or "no parameters"
        raise InputError(f"activation {name!r} takes {wanted}; got {len(args)} argument(s)")
    for pname, value in zip(entry.params, args, strict=True):
        if value.free_symbols or not value.is_real:
            raise InputError(f"parameter {pname} of {name!r} must be a real number, got {_shown(value)}")
    return entry.factory(*args)


def _applied(name: str) -> Callable[..., sp.Expr]:
    """σ as a function inside formulas: ``name(u)``, ``name(p…, u)``, or ``name(p…)`` for σ(t).

    With k parameters: k + 1 arguments are the parameters then the argument u;
    k constant arguments are the parameters at u = t; one argument u with the
    default parameters (``leaky_relu(t - 1)``). So ``t*sigmoid(t)`` is swish,
    ``relu(t - 1)`` is max(t − 1, 0) and ``hermite(3) + t`` is h₃(t) + t.
    """
    entry = REGISTRY[name]
    k = len(entry.params)

    def apply(*args: sp.Expr) -> sp.Expr:
        if entry.kind is not RIDGE:
            raise InputError(f"{name} is a product activation in x and θ, "
                             "not a function inside a formula in t")
        if len(args) == k + 1:
            params, argument = args[:k], args[k]
        elif len(args) == k and not any(a.free_symbols for a in args):
            params, argument = args, t
        elif len(args) == 1 and entry.defaults:
            params, argument = entry.defaults, args[0]
        else:
            usage = ", ".join([*entry.params, "u"])
            raise InputError(f"{name} takes ({usage}) inside a formula; got {len(args)} argument(s)")
        return _instance(name, tuple(params)).subs(t, argument)

    return apply


#: Every registered activation as a function inside a formula (a name of parsing.FUNCTIONS keeps
#: its meaning there).
FORMULA_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {name: _applied(name) for name in REGISTRY}
FORMULA_FUNCTIONS.update({alias: FORMULA_FUNCTIONS[name] for alias, name in ALIASES.items()})


def _custom(expr: sp.Expr, label: str) -> Activation:
    expr = expr.subs({s: t for s in expr.free_symbols if s.name == "t" and s != t})
    extra = expr.free_symbols - {t}
    if extra:
        names = ", ".join(sorted(str(s) for s in extra))
        raise InputError(f"activation {label}: unexpected free symbol(s) {names}; "
                         "a ridge activation is a formula in t only")
    if isinstance(expr, (sp.Eq, sp.Rel)) or not isinstance(expr, sp.Expr):
        raise InputError(f"activation {label} is not an expression")
    _check_defined(expr, label)
    return _validated(Activation(label, expr, RIDGE, "custom formula"))


def _check_defined(expr: sp.Expr, label: str) -> None:
    """σ must have a value at every t: no NaN piece, and each Piecewise's conditions cover ℝ."""
    if expr.has(sp.nan, sp.zoo):
        raise InputError(f"activation {label} is undefined somewhere (it contains nan or zoo)")
    for node in expr.atoms(sp.Piecewise):
        conditions = [cond for _, cond in node.args]
        if conditions[-1] is not sp.true and sp.simplify(sp.Or(*conditions)) is not sp.true:
            raise InputError(f"activation {label} is undefined where none of the conditions "
                             f"{', '.join(map(str, conditions))} holds; end it with (value, True)")


def _validated(act: Activation) -> Activation:
    if act.kind is RIDGE:
        _check_real(act)
        _check_second_moment(act)
    return act


def _sample_points() -> list[sp.Rational]:
    rng = random.Random(12345)
    return [sp.Rational(rng.randint(-4000, 4000), 997) for _ in range(7)] + [sp.S.Zero]


def _check_real(act: Activation) -> None:
    if act.expr.is_real:
        return
    for point in _sample_points():
        value = act.expr.subs(t, point).evalf(20)
        if value.has(sp.nan, sp.zoo) or not value.is_number:
            continue
        if abs(sp.im(value)) > 1e-15:
            raise InputError(f"activation {act.name} is not real-valued: "
                             f"σ({point}) = {sp.N(value, 6)}")


def _check_second_moment(act: Activation) -> None:
    beta = act.growth
    if beta is sp.oo or (beta.is_number and beta >= sp.Rational(1, 4)):
        grows = "faster than any Gaussian" if beta is sp.oo else f"like exp({2 * beta}·t²)"
        raise InputError(f"activation {act.name}: its Gaussian second moment E[σ(X)²] "
                         f"diverges (σ² grows {grows}, faster than the Gaussian density decays)")
    for point in _denominator_poles(act.expr) or _poles(act.expr):
        raise InputError(f"activation {act.name} is singular at t = {point}, "
                         "so E[σ(X)²] is not finite")


# --------------------------------------------------------------------------- metadata

def _kinks(expr: sp.Expr, var: sp.Symbol, kind: Form) -> tuple[sp.Expr, ...]:
    arguments: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            arguments.append(node.args[0])
        elif isinstance(node, (sp.Max, sp.Min)):
            first, *rest = node.args
            arguments.extend(first - other for other in rest)
        elif isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                for rel in cond.atoms(sp.Rel):
                    arguments.append(rel.lhs - rel.rhs)
    if kind is PRODUCT:
        arguments = [a.subs(theta, 0) for a in arguments]
    points = set()
    for argument in arguments:
        if not argument.has(var):
            continue
        poly = sp.Poly(argument, var) if argument.is_polynomial(var) else None
        if poly is None or poly.degree() != 1:
            raise InputError(f"cannot locate the kink of {argument} in {var}: "
                             "only kinks at linear arguments are supported")
        points.add(sp.nsimplify(sp.solve(argument, var)[0]))
    return tuple(sorted(points, key=lambda p: float(p)))


def _numerically_equal(a: sp.Expr, b: sp.Expr) -> bool:
    for point in _sample_points()[:5]:
        va, vb = a.subs(t, point).evalf(30), b.subs(t, point).evalf(30)
        if not (va.is_number and vb.is_number) or abs(va - vb) > 1e-25 * (1 + abs(va)):
            return False
    return True


def _identically_zero(expr: sp.Expr) -> bool | None:
    try:
        return bounded(lambda e: sp.simplify(e) == 0, expr, seconds=5, what="parity check")
    except Timeout:
        return None


def _zero_on_both_half_lines(difference: sp.Expr) -> bool:
    """True if ``difference`` (in t) vanishes identically, proved separately for
    t = s > 0 and t = -s < 0 so that Max, Abs, sign and Heaviside of ±s evaluate."""
    s = sp.Symbol("s", positive=True)
    for side in (s, -s):
        piece = difference.subs(t, side)
        if sp.expand(piece) != 0 and not _identically_zero(piece):
            return False
    return True


def _parity(expr: sp.Expr) -> Parity | None:
    mirrored = expr.subs(t, -t)
    for parity, other in ((Parity.EVEN, expr), (Parity.ODD, -expr)):
        if _numerically_equal(mirrored, other) and _zero_on_both_half_lines(mirrored - other):
            return parity
    return None


def _homogeneity(expr: sp.Expr) -> int | None:
    lam = sp.Rational(3, 2)
    for degree in range(12):
        if _numerically_equal(expr.subs(t, lam * t), lam**degree * expr):
            mu = sp.Symbol("mu", positive=True)
            homogeneous = _zero_on_both_half_lines(expr.subs(t, mu * t) - mu**degree * expr)
            return degree if homogeneous else None
    return None


_BOUNDED = (sp.erf, sp.erfc, sp.tanh, sp.sin, sp.cos, sp.sign, sp.Heaviside, sp.atan)


def _growth_rate(expr: sp.Expr) -> sp.Expr:
    """Upper bound of limsup log|σ|/t² by structural rules; a limit when they fail."""
    rate = _structural_rate(expr)
    return rate if rate is not None else _limit_rate(expr)


def _structural_rate(expr: sp.Expr) -> sp.Expr | None:
    if not expr.has(t) or isinstance(expr, _BOUNDED) or expr == t:
        return sp.S.Zero
    if isinstance(expr, (sp.Add, sp.Max, sp.Min)):
        rates = [_structural_rate(a) for a in expr.args]
        return None if None in rates else sp.Max(*rates)
    if isinstance(expr, sp.Mul):
        rates = [_structural_rate(a) for a in expr.args]
        return None if None in rates else sp.Add(*rates)
    if isinstance(expr, sp.Abs):
        return _structural_rate(expr.args[0])
    if isinstance(expr, sp.Pow) and expr.exp.is_number:
        base = _structural_rate(expr.base)
        if base is None or (expr.exp.is_negative and base != 0):
            return None
        if expr.exp.is_negative and expr.base.is_polynomial(t):
            return None  # poles are judged elsewhere; decay does not help growth
        return sp.Max(base * expr.exp, 0) if expr.exp.is_positive else sp.S.Zero
    if isinstance(expr, (sp.exp, sp.cosh, sp.sinh)):
        argument = expr.args[0] if isinstance(expr, sp.exp) else sp.Abs(expr.args[0])
        core = argument.args[0] if isinstance(argument, sp.Abs) else argument
        if not core.is_polynomial(t):
            return None
        poly = sp.Poly(core, t)
        if poly.degree() > 2:
            lead = poly.LC()
            return sp.oo if (lead > 0 or isinstance(argument, sp.Abs)) else None
        quadratic = poly.coeff_monomial(t**2)
        return sp.Abs(quadratic) if isinstance(argument, sp.Abs) else quadratic
    if isinstance(expr, sp.log):
        inner = _structural_rate(expr.args[0])
        return sp.S.Zero if inner is not None and inner != sp.oo else None
    return None


def _limit_rate(expr: sp.Expr) -> sp.Expr:
    rates = []
    for end in (sp.oo, -sp.oo):
        try:
            rate = bounded(lambda e, s: sp.limit(sp.log(sp.Abs(e)) / t**2, t, s), expr, end,
                           seconds=5, what="growth check")
        except (Timeout, Exception):
            rate = None
        if rate is None or not (rate.is_number or rate is sp.oo):
            rate = sp.S.Zero if _bounded_by_polynomial(expr, end) else sp.oo
        rates.append(rate)
    return sp.Max(*rates) if all(r.is_number for r in rates) else sp.oo


def _bounded_by_polynomial(expr: sp.Expr, end: sp.Expr) -> bool:
    sign = 1 if end is sp.oo else -1
    values = [abs(expr.subs(t, sign * v).evalf(30)) for v in (10, 20, 40)]
    return all(v.is_number and v < 10**6 * (1 + 40**8) for v in values)


def _denominator_poles(expr: sp.Expr) -> list[str]:
    """Real zeros r of a polynomial denominator d where σ = n/d has a pole: n vanishes at r to
    an order below r's multiplicity in d, so σ² ≥ C/(t − r)² near r and E[σ(X)²] = ∞.

    The roots are exact (Sturm sequences, ``real_roots``); a numerator counts as
    vanishing when its value there is below 10⁻²⁰ at 30 digits (so a doubtful case is
    not refused here)."""
    numerator, denominator = sp.fraction(sp.together(expr))
    if not denominator.has(t) or not denominator.is_polynomial(t):
        return []
    poles = []
    for root, multiplicity in sp.Poly(denominator, t).real_roots(multiple=False):
        derivatives = (sp.diff(numerator, t, j).subs(t, root).evalf(30) for j in range(multiplicity))
        if any(not value.is_number or abs(value) > 1e-20 for value in derivatives):
            shown = root if root.is_Rational else f"{sp.N(root, 8)} (a root of {denominator})"
            poles.append(shown)
    return poles


def _poles(expr: sp.Expr) -> list[sp.Expr]:
    try:
        points = sp.calculus.util.singularities(expr, t, sp.Reals)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return []
    if not isinstance(points, sp.FiniteSet):
        return []
    poles = []
    for point in points:
        try:
            order = sp.limit((expr**2) * (t - point), t, point)
        except (NotImplementedError, ValueError):
            order = sp.oo
        if order != 0:
            poles.append(point)
    return poles
