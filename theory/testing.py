"""Assertions for your own pytest suites, failing with the verdict and the evidence.

Each ``assert_*`` passes only on PROVEN (or on agreement to the requested digits)
and otherwise raises :class:`AssertionError` whose message names the verdict,
where the condition does hold, and the evidence, so a failing test explains
itself. Use them like ``assert`` in any pytest test function.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from .conditions.classify import EarnshawClass, classify
from .core.errors import InputError
from .core.parsing import as_expression, as_number
from .core.verdict import Verdict
from .paper.compare import identity

__all__ = ["assert_agree", "assert_condition", "assert_identical", "assert_strict_local_minimum"]


def assert_agree(actual, expected, *, digits: int) -> None:
    """Assert agreement to ``digits`` digits of numbers, SymPy or mpmath values.

    .. math:: |a - b| \\le 10^{-\\text{digits}} \\max(1, |b|)

    Examples
    --------
    >>> import sympy as sp
    >>> assert_agree(sp.pi, sp.Rational(355, 113), digits=6)
    >>> assert_agree(sp.pi, sp.Rational(355, 113), digits=8)
    Traceback (most recent call last):
    ...
    AssertionError: 3.1415926536 and 3.1415929204 differ by 2.67e-7, more than the 3.14e-8 allowed for 8 digits
    """  # noqa: E501 - doctest output is verbatim
    with mpmath.workdps(digits + 20):
        a, b = (mpmath.mpf(sp.N(as_number(v), digits + 20)) if isinstance(v, (sp.Basic, str))
                else mpmath.mpf(v)
                for v in (actual, expected))
        error, allowed = abs(a - b), mpmath.mpf(10) ** (-digits) * max(1, abs(b))
        if error > allowed:
            raise AssertionError(f"{mpmath.nstr(a, digits + 3)} and {mpmath.nstr(b, digits + 3)} differ by "
                                 f"{mpmath.nstr(error, 3)}, more than the {mpmath.nstr(allowed, 3)} "
                                 f"allowed for {digits} digits")


def assert_identical(lhs: sp.Expr, rhs: sp.Expr, *symbols: sp.Symbol, points=None) -> None:
    """Assert lhs ≡ rhs as proven by exact algebra; a counter-example or an undecided check fails.

    ``lhs`` and ``rhs`` may be formula strings in the names of ``symbols``;
    ``points`` (symbol → values) are where a disagreement is looked for first.

    Examples
    --------
    >>> import sympy as sp
    >>> from theory.core.symbols import rho
    >>> assert_identical(sp.asin(rho), sp.pi/2 - sp.acos(rho), rho)
    >>> assert_identical(sp.asin(rho), sp.acos(rho), rho)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: refuted: ...
    """
    names = {str(s): s for s in symbols}
    lhs, rhs = (as_expression(side, names, what=which) for side, which in ((lhs, "lhs"), (rhs, "rhs")))
    points = points or {s: [sp.Rational(1, 3), sp.Rational(-2, 7)] for s in symbols}
    check = identity(lhs, rhs, points)
    if check.verdict is not Verdict.PROVEN:
        raise AssertionError(f"{check.verdict.value}: {check.evidence}")


def assert_condition(phi, condition: EarnshawClass | str, *, d, region=None, manifold=None) -> None:
    """Assert an Earnshaw class holds: PROVEN on the whole domain, or on all of ``region`` (a SymPy set).

    ``condition`` is an :class:`~theory.conditions.classify.EarnshawClass` or its name:
    ``"harmonic"`` (ΔΦ = 0), ``"strictly subharmonic"`` (ΔΦ > 0), ``"superharmonic"``
    (ΔΦ < 0) or ``"λ-harmonic"`` (ΔΦ = λΦ, λ > 0); an unknown name is an
    :class:`~theory.core.errors.InputError`. The Laplacian is in θ on R^d, or on the
    sphere S^{d−1} for a zonal potential.

    Examples
    --------
    >>> import sympy as sp
    >>> from theory.potentials.potential import given
    >>> gaussian = given("exp(-r^2/2)", "radial")
    >>> assert_condition(gaussian, "strictly subharmonic", d=3, region=sp.Interval(2, 10))
    >>> assert_condition(gaussian, "strictly subharmonic", d=3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    AssertionError: strictly subharmonic on the whole domain: refuted (holds on Interval.open(sqrt(3), oo)); counter-example with certified sign: ΔΦ at r = ... is [-...]
    """  # noqa: E501 - doctest output is verbatim
    condition = EarnshawClass(condition)
    if region is not None and not isinstance(region, sp.Set):
        raise InputError(f"region must be a SymPy set such as sympy.Interval(2, 10), not {region!r}")
    found = classify(phi, d=d, manifold=manifold)[condition]
    if region is None:
        holds = found.verdict is Verdict.PROVEN
    else:
        holds = found.region is not None and region.is_subset(found.region) is True
    if not holds:
        where = "the whole domain" if region is None else str(region)
        evidence = "; ".join(str(e) for e in found.evidence[-1:])
        raise AssertionError(f"{condition} on {where}: {found.verdict.value} "
                             f"(holds on {found.region}); {evidence}")


def assert_strict_local_minimum(phi, electrons, protons, *, manifold: str, dps: int = 30) -> None:
    """Assert the configuration refines to a strict local minimum of the loss, polished at ``dps`` digits.

    Strict means a critical point (‖∇L‖ ≈ 0) whose Hessian eigenvalues are all
    positive (Definition 3.2 of the paper).

    Examples
    --------
    >>> from theory.potentials.potential import given
    >>> gaussian = given("exp(-r^2/2)", "radial")
    >>> assert_strict_local_minimum(gaussian, [[0.9, 0.1]], [[1.0, 0.0]], manifold="euclidean")
    """
    from .dynamics.equilibrium import equilibrium  # SciPy's ODE solvers: only for this assertion

    found = equilibrium(phi, electrons, protons, manifold=manifold, dps=dps)
    smallest = min(found.eigenvalues) if found.eigenvalues else None
    if not (found.converged and smallest is not None and smallest > 0):
        raise AssertionError(f"not a strict local minimum: {found.kind}, ‖∇L‖ = "
                             f"{mpmath.nstr(found.gradient_norm, 3)}, λ_min = {smallest}")
