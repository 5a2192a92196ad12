"""Laplacians of potentials in θ: on R^d, with the radial and product shortcuts,
and the Laplace–Beltrami operator on S^{d−1} for zonal potentials.

===========  ===============================================================
form         Δ_θ Φ
===========  ===============================================================
coordinates  Σᵢ ∂²Φ/∂θᵢ²
ridge        f_aa + (d−1)/a·f_a + 2(c/a)·f_ac + b²·f_cc  (a=‖θ‖, b=‖w‖, c=θᵀw)
radial       h''(r) + (d−1)/r·h'(r),  r = ‖θ − w‖
zonal        (1 − ρ²) f''(ρ) − (d − 1) ρ f'(ρ)  on S^{d−1}
product      Σᵢ h''(sᵢ) ∏_{j≠i} h(s_j) = Φ·Σᵢ q(sᵢ),  q = h''/h,  sᵢ = θᵢ − wᵢ
===========  ===============================================================

The dimension ``d`` is a positive integer or the symbol :data:`theory.core.symbols.d`.
Potentials with kinks (``|s|``, max, sign …) are differentiated piece by piece,
away from the kinks: the result is a ``Piecewise`` on the open pieces and says
nothing about the singular part at a kink (e^{−|s|} has h'' = h − 2δ).

>>> from theory.potentials.potential import given
>>> laplacian(given("exp(-r^2/2)", "radial"), 3)
(r**2 - 3)*exp(-r**2/2)
>>> laplacian(given("asin(rho)", "zonal"))
rho*(2 - d)/sqrt(1 - rho**2)
"""

from __future__ import annotations

import itertools

import sympy as sp

from ..core.errors import DerivationError, InputError
from ..core.symbols import coordinates, dot, na, nb, r, rho, s
from ..core.symbols import d as d_symbol
from ..core.timebound import budgeted
from ..potentials.forms import PRODUCT, RADIAL, ZONAL, Form
from ..potentials.potential import Potential

_NONSMOOTH = (sp.Abs, sp.sign, sp.Heaviside, sp.DiracDelta, sp.Max, sp.Min, sp.Piecewise)


def dimension(d, *, sphere: bool = False):
    """Validate the dimension: a positive integer (≥ 2 on the sphere) or a symbol.

    >>> dimension(3), dimension(d_symbol)
    (3, d)
    >>> dimension(1.5)
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: the dimension d must be a positive integer or a symbol, got 1.5
    """
    if isinstance(d, sp.Symbol):
        if d.is_integer is not True or d.is_positive is not True:
            raise InputError(f"the dimension symbol {d} must be declared a positive integer")
        return d
    integral = isinstance(d, (int, sp.Integer)) and not isinstance(d, bool)
    if not integral or d < 1:
        raise InputError(f"the dimension d must be a positive integer or a symbol, got {d!r}")
    if sphere and d < 2:
        raise InputError("the sphere S^{d−1} needs d ≥ 2 (S^0 is two points, it has no Laplacian)")
    return int(d)


def coordinate_laplacian(expr: sp.Expr, variables) -> sp.Expr:
    """Σᵢ ∂²expr/∂vᵢ², the Euclidean Laplacian in the given coordinates.

    >>> from sympy.abc import a, b
    >>> coordinate_laplacian(a**2 * b, (a, b))
    2*b
    """
    return sp.Add(*[sp.diff(expr, v, 2) for v in variables])


def radial_laplacian(h: sp.Expr, d=d_symbol) -> sp.Expr:
    """Δ h(‖θ − w‖) = h'' + (d − 1)/r · h' on R^d \\ {θ = w}.

    .. math:: \\Delta h = h''(r) + \\frac{d-1}{r} h'(r)

    >>> radial_laplacian(r**(2 - d_symbol))
    0
    """
    d = dimension(d)
    return _on_pieces(h, r, RADIAL, lambda f: _tidy(sp.diff(f, r, 2) + (d - 1) / r * sp.diff(f, r)))


def zonal_laplacian(f: sp.Expr, d=d_symbol) -> sp.Expr:
    """Laplace–Beltrami operator of f(θᵀw) on S^{d−1}, in ρ = θᵀw.

    .. math:: \\Delta_{S^{d-1}} f = (1-\\rho^2) f''(\\rho) - (d-1)\\rho f'(\\rho)

    >>> zonal_laplacian(rho**2, 3)
    2*(1 - 3*rho**2)
    """
    d = dimension(d, sphere=True)
    return _on_pieces(f, rho, ZONAL,
                      lambda g: _tidy((1 - rho**2) * sp.diff(g, rho, 2) - (d - 1) * rho * sp.diff(g, rho)))


def product_ratio(h: sp.Expr) -> sp.Expr:
    """q(s) = h''(s)/h(s), so that Δ ∏ᵢ h(sᵢ) = (Σᵢ q(sᵢ)) ∏ᵢ h(sᵢ) where h ≠ 0.

    Off its kinks e^{−|s|} has q = 1 (the −2δ at s = 0 is not included).

    >>> product_ratio(sp.exp(-sp.Abs(s)))
    1
    >>> product_ratio(sp.exp(-s**2/2))
    s**2 - 1
    """
    return _on_pieces(h, s, PRODUCT, lambda g: sp.simplify(sp.diff(g, s, 2) / g))


def product_laplacian(h: sp.Expr, d=d_symbol) -> sp.Expr:
    """Δ ∏ᵢ h(θᵢ − wᵢ) = Σᵢ h''(sᵢ) ∏_{j≠i} h(s_j), in coordinates s1…sd.

    For the symbol d, the form Φ·Σ_{i=1}^{d} q(s_i) with an indexed s.

    >>> product_laplacian(sp.exp(-s**2/2), 2)
    (s1**2 + s2**2 - 2)*exp(-s1**2/2)*exp(-s2**2/2)
    """
    d = dimension(d)
    q = product_ratio(h)
    if isinstance(d, sp.Symbol):
        i = sp.Symbol("i", integer=True, positive=True)
        si = sp.IndexedBase("s", real=True)[i]
        return sp.Sum(q.subs(s, si), (i, 1, d)) * sp.Product(h.subs(s, si), (i, 1, d))
    points = coordinates("s", d)
    return sp.factor_terms(sp.Add(*[q.subs(s, p) for p in points])) * sp.Mul(*[h.subs(s, p) for p in points])


def ridge_laplacian(f: sp.Expr, d=d_symbol) -> sp.Expr:
    """Δ_θ f(‖θ‖, ‖w‖, θᵀw) on R^d, with a = ‖θ‖, b = ‖w‖, c = θᵀw.

    .. math:: \\Delta f = f_{aa} + \\frac{d-1}{a} f_a + \\frac{2c}{a} f_{ac} + b^2 f_{cc}

    >>> ridge_laplacian(dot**2, 3)
    2*nb**2
    """
    d = dimension(d)
    return (sp.diff(f, na, 2) + (d - 1) / na * sp.diff(f, na) + 2 * dot / na * sp.diff(f, na, dot)
            + nb**2 * sp.diff(f, dot, 2))


@budgeted()
def laplacian(phi: Potential, d=d_symbol) -> sp.Expr:
    """Δ_θ Φ for a potential of any form (zonal: Laplace–Beltrami on S^{d−1}).

    Within ``budget`` seconds (default 60), else :class:`~theory.core.errors.Timeout`.

    >>> from theory.potentials.potential import given
    >>> laplacian(given("r", "radial"))
    (d - 1)/r
    """
    if not isinstance(phi, Potential):
        raise InputError("laplacian takes a Potential (theory.potential(…) or given(…)), not "
                         f"{type(phi).__name__}")
    if phi.expr is None:
        raise DerivationError(f"the potential of {phi.name} is numeric; its Laplacian needs an exact Φ")
    return phi.form.laplacian(phi.expr, d)


def kinks(expr: sp.Expr, variable: sp.Symbol) -> tuple[sp.Expr, ...]:
    """The real points where ``|·|``, sign, max, … in ``expr`` switch (sorted).

    >>> kinks(sp.exp(-sp.Abs(s)) + sp.Max(s, 1), s)
    (0, 1)
    """
    points: set[sp.Expr] = set()
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, _NONSMOOTH):
            continue
        if isinstance(node, (sp.Max, sp.Min)):
            arguments = [node.args[0] - other for other in node.args[1:]]
        elif isinstance(node, sp.Piecewise):
            arguments = [rel.lhs - rel.rhs for _, cond in node.args for rel in cond.atoms(sp.Rel)]
        else:
            arguments = [node.args[0]]
        for argument in arguments:
            roots = sp.solve(argument, variable) if argument.has(variable) else []
            if argument.has(variable) and not (roots and all(p.is_real for p in roots)):
                raise InputError(f"cannot locate where {argument} changes sign in {variable}")
            points.update(roots)
    return tuple(sorted(points, key=float))


def pieces(expr: sp.Expr, variable: sp.Symbol, domain: sp.Interval) -> list[tuple[sp.Interval, sp.Expr]]:
    """Split ``domain`` at the kinks of ``expr``; on each open piece the smooth formula.

    >>> pieces(sp.Abs(s), s, sp.Interval.open(-1, 1))
    [(Interval.open(-1, 0), -s), (Interval.open(0, 1), s)]
    """
    cuts = [p for p in kinks(expr, variable) if domain.contains(p) == sp.true]
    ends = [domain.inf, *cuts, domain.sup]
    result = []
    for a, b in itertools.pairwise(ends):
        piece = sp.Interval.open(a, b)
        result.append((piece, _smooth_on(expr, variable, _inner_point(piece))))
    return result


def _inner_point(piece: sp.Interval) -> sp.Expr:
    a, b = piece.inf, piece.sup
    if a.is_infinite and b.is_infinite:
        return sp.S.Zero
    if a.is_infinite:
        return b - 1
    if b.is_infinite:
        return a + 1
    return (a + b) / 2


def _smooth_on(expr: sp.Expr, variable: sp.Symbol, point: sp.Expr) -> sp.Expr:
    """Replace every non-smooth node by the branch active at ``point``."""
    def side(argument):
        value = argument.subs(variable, point)
        if not value.is_comparable or value == 0:
            raise InputError(f"cannot decide the branch of {argument} at {variable} = {point}")
        return 1 if value > 0 else -1

    def replace(node):
        if isinstance(node, sp.Abs):
            return side(node.args[0]) * node.args[0]
        if isinstance(node, sp.sign):
            return sp.Integer(side(node.args[0]))
        if isinstance(node, sp.Heaviside):
            return sp.Integer(side(node.args[0]) > 0)
        if isinstance(node, sp.DiracDelta):
            return sp.S.Zero
        if isinstance(node, (sp.Max, sp.Min)):
            values = [a.subs(variable, point) for a in node.args]
            pick = max if isinstance(node, sp.Max) else min
            return node.args[values.index(pick(values))]
        if isinstance(node, sp.Piecewise):
            for branch, cond in node.args:
                if cond.subs(variable, point) == sp.true:
                    return branch
        return node

    smooth = expr.replace(lambda n: isinstance(n, _NONSMOOTH), replace)
    if smooth.has(*_NONSMOOTH):
        return _smooth_on(smooth, variable, point)
    return smooth


def _on_pieces(expr: sp.Expr, variable: sp.Symbol, form: Form, operator) -> sp.Expr:
    extra = expr.free_symbols - {variable, d_symbol}
    if extra:
        raise InputError(f"a {form} potential is a formula in {variable}; "
                         f"unexpected symbol(s) {', '.join(sorted(map(str, extra)))}")
    parts = [(piece, operator(f)) for piece, f in pieces(expr, variable, form.domain)]
    if all(f == parts[0][1] for _, f in parts):
        return parts[0][1]  # one formula on every piece: valid off the kinks
    return sp.Piecewise(*[(f, piece.as_relational(variable)) for piece, f in parts])


def _tidy(expr: sp.Expr) -> sp.Expr:
    """A readable normal form: powers and exponentials combined, common factors out."""
    return sp.factor_terms(sp.powsimp(sp.together(sp.expand(expr)), combine="exp"))
