"""The forms of a pair potential Φ(θ, w): the variables it is a formula in, and where it lives.

One class a form, as :mod:`sympy.stats` has one class a distribution: everything that
varies with the form (its variables, manifold and domain, how its variables are computed
from two points, their admissible values, the LaTeX head, the Laplacian and realizability
rules) is an attribute or method of its class, so adding a form is writing one class.

===========  ====================  =====================================  ==========
form         variables             Φ(θ, w)                                manifold
===========  ====================  =====================================  ==========
``ridge``    ``na, nb, dot``       f(‖θ‖, ‖w‖, θᵀw)                       R^d
``zonal``    ``rho``               f(ρ), ρ = θᵀw                          S^{d−1}
``radial``   ``r``                 h(‖θ − w‖)                             R^d
``product``  ``s``                 ∏ᵢ h(θᵢ − wᵢ)                          R^d
===========  ====================  =====================================  ==========

A form prints as, compares equal to and hashes as its name, so records keep the words
they had as strings; :func:`form` looks one up by name.

>>> form("zonal"), str(ZONAL), ZONAL.variables, ZONAL.manifold
(Zonal(), 'zonal', (rho,), 'sphere')
>>> form("spherical")
Traceback (most recent call last):
...
theory.core.errors.InputError: form must be one of ridge, zonal, radial, product, got 'spherical'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

import mpmath
import numpy as np
import sympy as sp

from ..core.choices import Choice, spelling
from ..core.errors import InputError, PrecisionError
from ..core.symbols import dot, na, nb, r, rho, s
from . import invariants
from .manifolds import EUCLIDEAN, SPHERE, Manifold

#: The invariants of a pair that the dynamics differentiates in (see :mod:`theory.dynamics.loss`).
N1, N2 = sp.Symbol("n1", positive=True), sp.Symbol("n2", positive=True)
Q = sp.Symbol("q", nonnegative=True)


class Geometry(Choice):
    """How Φ depends on the pair, which decides the shape of its derivatives."""

    ANGLES = "angles"             # through ρ = θ̂ᵀŵ, and the norms for a ridge Φ
    DISTANCE = "distance"         # through q = ‖θ − w‖²
    COORDINATES = "coordinates"   # through each θ_k − w_k, Φ = ∏_k h(θ_k − w_k)


class Form:
    """A form of pair potential; its subclasses are the forms, one instance each.

    Attributes
    ----------
    name : str
        ``ridge``, ``zonal``, ``radial`` or ``product``: what the form prints as.
    variables : tuple of sympy.Symbol
        The variables Φ is a formula in.
    manifold : Manifold
        Where θ and w live (:mod:`theory.potentials.manifolds`).
    geometry : Geometry
        How Φ depends on the pair.
    invariants : tuple of sympy.Symbol
        The pair invariants u of Φ = F(u) in :mod:`theory.dynamics.loss`.
    variable, domain : sympy.Symbol and sympy.Set, or None
        The one variable of a one-variable form and its open domain (``None`` for ridge).
    norms : bool
        Φ depends on ‖θ‖ and ‖w‖ (so Φ(θ, θ) varies and θ = 0 is singular).
    unit_norms : bool
        θ and w are unit vectors: Φ is a ridge Φ at ‖θ‖ = ‖w‖ = 1.
    inner, norm_product : sympy.Expr or None
        The variable that is θᵀw, and ‖θ‖‖w‖ in the variables (``None`` for a Φ of θ − w).
    isometry_invariant : bool
        Φ(gθ, gw) = Φ(θ, w) for every isometry g of the manifold, so Φ(θ, θ) is constant.
    restriction : dict or None
        The substitution restricting Φ to S^{d−1} (‖θ‖ = ‖w‖ = 1, θᵀw = ρ); ``{}`` when Φ
        lives there already, ``None`` when it has no restriction.
    head, prefix : str
        The LaTeX left-hand side of Φ's formula, and what is written before it.
    expectation : bool
        Φ is E_x[σ(θᵀx)σ(wᵀx)] of a ridge activation (the LaTeX may say so).
    """

    name: ClassVar[str]
    variables: ClassVar[tuple[sp.Symbol, ...]]
    manifold: ClassVar[Manifold] = EUCLIDEAN
    geometry: ClassVar[Geometry]
    invariants: ClassVar[tuple[sp.Symbol, ...]]
    variable: ClassVar[sp.Symbol | None] = None
    domain: ClassVar[sp.Set | None] = None
    norms: ClassVar[bool] = False
    unit_norms: ClassVar[bool] = False
    inner: ClassVar[sp.Symbol | None] = None
    norm_product: ClassVar[sp.Expr | None] = None
    isometry_invariant: ClassVar[bool] = False
    restriction: ClassVar[dict | None] = None
    head: ClassVar[str] = r"\Phi(\theta, w)"
    prefix: ClassVar[str] = ""
    expectation: ClassVar[bool] = False
    #: The level sets where Φ has a kink at a value of its one variable (``{}`` for the values).
    kink_sets: ClassVar[str] = ""
    #: Said when a region leaves the domain.
    domain_note: ClassVar[str] = ""

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            return other == self.name
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self):
        return form, (self.name,)  # unpickled as the one instance

    # ------------------------------------------------------------ symbolic
    def in_coordinates(self, expr: sp.Expr, th: Sequence, wv: Sequence) -> sp.Expr:
        """Φ in coordinates θ₁…θ_d, w₁…w_d."""
        raise NotImplementedError

    def in_invariants(self, expr: sp.Expr) -> sp.Expr:
        """Φ as F(u) in :attr:`invariants`."""
        return expr

    def laplacian(self, expr: sp.Expr, d) -> sp.Expr:
        """Δ_θ Φ (:mod:`theory.conditions.laplacian`)."""
        raise NotImplementedError

    def realizability(self, expr: sp.Expr, d, seconds: float):
        """Whether Φ = E[σ(x, θ)σ(x, w)] for some σ (:mod:`theory.conditions.realizability`),
        or ``None`` when no test applies."""
        return None

    # ------------------------------------------------------------ values
    def values(self, a: list, b: list, ctx: mpmath.MPContext, dps: int) -> tuple:
        """The variables at the points θ = ``a``, w = ``b`` (mpf lists), in ``ctx``."""
        raise NotImplementedError

    def balls(self, a: list, b: list) -> tuple:
        """The variables as arb balls from balls of the coordinates."""
        raise PrecisionError(f"no certified value for a {self} potential")

    def exact_values(self, a: list, b: list) -> tuple:
        """The variables as exact SymPy numbers from exact coordinates (SymPy numbers)."""
        raise PrecisionError(f"no certified value for a {self} potential")

    def check(self, values: Sequence) -> None:
        """Raise :class:`~theory.core.errors.InputError` unless ``values`` are admissible here."""
        if len(values) != len(self.variables):
            names = ", ".join(map(str, self.variables))
            raise InputError(f"a {self} potential takes {len(self.variables)} value(s) ({names}), "
                             f"got {len(values)}")

    def at_origin(self, values: Sequence) -> bool:
        """θ = 0 or w = 0 at these values (where Φ = σ(0)·E[σ(‖other‖X)])."""
        return False

    def ridge_values(self, values: Sequence) -> tuple:
        """(‖θ‖, ‖w‖, θᵀw) at these values, for the Hermite series of a numeric Φ."""
        return (1, 1, *values) if self.unit_norms else tuple(values)

    def apply(self, f: Callable, args: list, ctx: mpmath.MPContext):
        """Φ from its compiled formula ``f`` at the variables ``args``."""
        return f(*args)

    def matrix(self, f: Callable, thetas: np.ndarray, ws: np.ndarray) -> np.ndarray:
        """[Φ(θᵢ, w_j)] in float64 from the vectorised formula ``f``."""
        raise NotImplementedError

    def pairs(self, X: np.ndarray, Y: np.ndarray, arith, angle: bool = False) -> invariants.Pairs:
        """The :attr:`invariants` of every pair (x_i, y_j), Y's first rows X, in the
        arithmetic ``arith`` (:mod:`theory.potentials.invariants`): for a Φ of the angle
        (ridge, zonal) the norms, ρ, c = 1 − ρ² and, with ``angle``, φ = acos ρ."""
        return invariants.angle_pairs(X, Y, arith, angle)


class Ridge(Form):
    """Φ = f(‖θ‖, ‖w‖, θᵀw) on R^d: a ridge activation's potential."""

    name = "ridge"
    variables = (na, nb, dot)
    geometry = Geometry.ANGLES
    invariants = (N1, N2, rho)
    norms = True
    inner, norm_product = dot, na * nb
    restriction: ClassVar[dict | None] = {na: 1, nb: 1, dot: rho}
    expectation = True

    def in_coordinates(self, expr, th, wv):
        inner = sum(a * b for a, b in zip(th, wv, strict=True))
        return expr.subs({na: sp.sqrt(sum(a**2 for a in th)), nb: sp.sqrt(sum(b**2 for b in wv)), dot: inner})

    def in_invariants(self, expr):
        return expr.subs({na: N1, nb: N2}).subs(dot, rho * N1 * N2)

    def laplacian(self, expr, d):
        from ..conditions.laplacian import ridge_laplacian

        return ridge_laplacian(expr, d)

    def values(self, a, b, ctx, dps):
        return ctx.sqrt(ctx.fsum(v**2 for v in a)), ctx.sqrt(ctx.fsum(v**2 for v in b)), ctx.fdot(a, b)

    def balls(self, a, b):
        from flint import arb

        inner = sum((u * v for u, v in zip(a, b, strict=True)), arb(0))
        return sum((u * u for u in a), arb(0)).sqrt(), sum((v * v for v in b), arb(0)).sqrt(), inner

    def exact_values(self, a, b):
        inner = sum(u * v for u, v in zip(a, b, strict=True))
        return sp.sqrt(sum(u**2 for u in a)), sp.sqrt(sum(v**2 for v in b)), inner

    def check(self, values):
        super().check(values)
        a, b, c = (mpmath.mpf(sp.N(v, 30)) if isinstance(v, sp.Basic) else v for v in values)
        if a < 0 or b < 0:
            raise InputError(f"norms must be non-negative, got ‖θ‖={a}, ‖w‖={b}")
        if abs(c) > a * b * (1 + mpmath.mpf(10) ** -12):
            raise InputError(f"θᵀw = {c} exceeds ‖θ‖‖w‖ = {a * b} (Cauchy–Schwarz)")

    def at_origin(self, values):
        return values[0] == 0 or values[1] == 0

    def apply(self, f, args, ctx):
        bound = args[0] * args[1]
        if abs(args[2]) > bound:  # rounding must not push θᵀw past ‖θ‖‖w‖
            args[2] = ctx.sign(args[2]) * bound
        return f(*args)

    def matrix(self, f, thetas, ws):
        from .evaluation import inner_matrix

        return inner_matrix(f, thetas, ws, zonal=False)


class Zonal(Form):
    """Φ = f(ρ), ρ = θᵀw, on the sphere S^{d−1}: a ridge potential at unit norms."""

    name = "zonal"
    variables = (rho,)
    manifold = SPHERE
    geometry = Geometry.ANGLES
    invariants = (rho,)
    variable = rho
    domain = sp.Interval.open(-1, 1)
    isometry_invariant = unit_norms = True
    inner, norm_product = rho, sp.S.One
    restriction: ClassVar[dict | None] = {}
    head = r"\Phi(\rho)"
    expectation = True
    kink_sets = "the circles θᵀw = {}"
    domain_note = " (|ρ| ≤ 1 on the sphere; ρ = ±1 is θ = ±w)"

    def in_coordinates(self, expr, th, wv):
        return expr.subs(rho, sum(a * b for a, b in zip(th, wv, strict=True)))

    def laplacian(self, expr, d):
        from ..conditions.laplacian import zonal_laplacian

        return zonal_laplacian(expr, d)

    def realizability(self, expr, d, seconds):
        from ..conditions.realizability import taylor_realizable

        return taylor_realizable(expr)

    def values(self, a, b, ctx, dps):
        _unit_vectors((ctx.fsum(u**2 for u in v) for v in (a, b)),
                      lambda square: abs(square - 1) <= ctx.mpf(10) ** (-dps // 2))
        return (ctx.fdot(a, b),)

    def balls(self, a, b):
        from flint import arb

        _unit_vectors((sum((u * u for u in v), arb(0)) for v in (a, b)), lambda square: square.contains(1))
        return (sum((u * v for u, v in zip(a, b, strict=True)), arb(0)),)

    def exact_values(self, a, b):
        _unit_vectors((sum(u**2 for u in v) for v in (a, b)), lambda square: square == 1, "exactly ")
        return (sum(u * v for u, v in zip(a, b, strict=True)),)

    def check(self, values):
        super().check(values)
        if abs(values[0]) > 1:
            raise InputError(f"ρ = {values[0]} is outside [-1, 1]")

    def matrix(self, f, thetas, ws):
        from .evaluation import inner_matrix

        return inner_matrix(f, thetas, ws, zonal=True)


def _unit_vectors(squares, unit: Callable, how: str = "") -> None:
    """:class:`~theory.core.errors.InputError` unless ``unit`` holds for ‖θ‖² and ‖w‖² (``squares``)."""
    for square, name in zip(squares, ("θ", "w"), strict=True):
        if not unit(square):
            raise InputError(f"{name} is not {how}a unit vector; a zonal potential lives on the sphere")


class Radial(Form):
    """Φ = h(‖θ − w‖) on R^d."""

    name = "radial"
    variables = (r,)
    geometry = Geometry.DISTANCE
    invariants = (Q,)
    variable = r
    domain = sp.Interval.open(0, sp.oo)
    isometry_invariant = True
    kink_sets = "the spheres ‖θ − w‖ = {}"

    def in_coordinates(self, expr, th, wv):
        return expr.subs(r, sp.sqrt(sum((a - b) ** 2 for a, b in zip(th, wv, strict=True))))

    def in_invariants(self, expr):
        return expr.subs(r, sp.sqrt(Q))

    def laplacian(self, expr, d):
        from ..conditions.laplacian import radial_laplacian

        return radial_laplacian(expr, d)

    def realizability(self, expr, d, seconds):
        from ..conditions.realizability import radial_realizable

        return None if isinstance(d, sp.Symbol) else radial_realizable(expr, d)

    def values(self, a, b, ctx, dps):
        return (ctx.sqrt(ctx.fsum((u - v) ** 2 for u, v in zip(a, b, strict=True))),)

    def check(self, values):
        super().check(values)
        if values[0] < 0:
            raise InputError(f"r = ‖θ − w‖ must be non-negative, got {values[0]}")

    def matrix(self, f, thetas, ws):
        return f(np.linalg.norm(thetas[:, None, :] - ws[None, :, :], axis=2))

    def pairs(self, X, Y, arith, angle=False):
        """q = ‖x_i − y_j‖² of every pair."""
        return invariants.distance_pairs(X, Y, arith)


class Product(Form):
    """Φ = ∏ᵢ h(θᵢ − wᵢ) on R^d: a per-coordinate activation's potential, h(s) in s = θᵢ − wᵢ."""

    name = "product"
    variables = (s,)
    geometry = Geometry.COORDINATES
    invariants = (s,)
    variable = s
    domain = sp.Interval.open(-sp.oo, sp.oo)
    head = r"h(s)"
    prefix = r"\Phi(\theta, w) = \prod_{i=1}^{d} h(\theta_i - w_i), \quad "
    kink_sets = "the hyperplanes θᵢ − wᵢ = {}"

    def in_coordinates(self, expr, th, wv):
        return sp.Mul(*[expr.subs(s, a - b) for a, b in zip(th, wv, strict=True)])

    def laplacian(self, expr, d):
        from ..conditions.laplacian import product_laplacian

        return product_laplacian(expr, d)

    def realizability(self, expr, d, seconds):
        from ..conditions.realizability import fourier_realizable

        return fourier_realizable(expr, seconds=seconds)

    def values(self, a, b, ctx, dps):
        return tuple(u - v for u, v in zip(a, b, strict=True))

    def check(self, values):
        """Any number of values s₁ … s_d (one a coordinate)."""

    def apply(self, f, args, ctx):
        return ctx.fprod(f(v) for v in args)

    def matrix(self, f, thetas, ws):
        return np.prod(f(thetas[:, None, :] - ws[None, :, :]), axis=2)

    def pairs(self, X, Y, arith, angle=False):
        """s = x_i − y_j of every pair, per coordinate."""
        return invariants.coordinate_pairs(X, Y)


RIDGE, ZONAL, RADIAL, PRODUCT = Ridge(), Zonal(), Radial(), Product()
#: Every form by name.
FORMS: dict[str, Form] = {f.name: f for f in (RIDGE, ZONAL, RADIAL, PRODUCT)}


def form(spec: str | Form) -> Form:
    """The form named ``spec`` (any case; a form is returned as it is).

    >>> form("Radial") is RADIAL
    True
    """
    if isinstance(spec, Form):
        return spec
    found = FORMS.get(spelling(spec)) if isinstance(spec, str) else None
    if found is None:
        raise InputError(f"form must be one of {', '.join(FORMS)}, got {spec!r}")
    return found
