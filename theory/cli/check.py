"""Check the Earnshaw conditions of a potential, and whether it is realizable.

The potential is derived from an activation (ridge activations are taken on
the sphere S^{d-1}), or given with --potential as a formula in r = ‖θ − w‖
(radial, on R^d), rho = θᵀw (zonal, on the sphere) or s = θᵢ - wᵢ (product
h(s) per coordinate, on R^d); the symbol d may appear in it.

Examples:
  theory check sign --d 3
  theory check --potential "exp(-r^2/2)" --manifold euclidean --d 3
  theory check --potential "r^(2-d)" --manifold euclidean
  theory check --potential "exp(-abs(s))" --d 2 --json

Exit code: 0 some class proven, 1 every class refuted, 3 undecided, 2 usage error.
"""

from __future__ import annotations

import argparse
import json

import sympy as sp

from ..conditions.classify import Classification, classify
from ..conditions.realizability import Realizability
from ..core import validators as valid
from ..core.errors import InputError
from ..core.latex import readable
from ..core.parsing import parse_expression
from ..core.symbols import d as d_symbol
from ..core.symbols import r, rho, s
from ..core.verdict import Evidence, Method, Verdict
from ..potentials.forms import FORMS
from ..potentials.manifolds import manifold as manifold_named
from ..potentials.potential import Potential, potential
from ..potentials.routes import Route

#: The one-variable forms by their variable (r, ρ, s).
_FORMS = {f.variable: f for f in FORMS.values() if f.variable is not None}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("activation", nargs="?", help="registered activation or a formula in t")
    parser.add_argument("--potential", metavar="EXPR", help="a potential in r, rho or s (and d)")
    parser.add_argument("--manifold", choices=("sphere", "euclidean"),
                        help="where θ lives (default: from the variable; ridge activations: sphere)")
    parser.add_argument("--d", default="d", help="dimension: a positive integer, or d (symbolic)")
    parser.add_argument("--seconds", type=float, default=3.0, help="time budget of each step")


def run(args: argparse.Namespace) -> int:
    if bool(args.activation) == bool(args.potential):
        raise InputError("give an activation or --potential EXPR (one of them)")
    valid.seconds(args.seconds, "--seconds")
    phi = _potential(args)
    result = classify(phi, d=_dimension(args.d), manifold=args.manifold, seconds=args.seconds)
    realizable = _realizability(result, args.seconds)
    if args.json:
        record = result.to_json()
        record["realizable"] = None if realizable is None else realizable.to_json()
        print(json.dumps(record, indent=2))
    elif args.quiet:
        print(result.verdict.value)
    else:
        _print(result, realizable)
    return result.verdict.exit_code


def _dimension(text: str):
    if text.strip() == "d":
        return d_symbol
    try:
        return valid.count(int(text), "--d")
    except ValueError:
        raise InputError(f"--d must be a positive integer or d, got {text!r}") from None


def _potential(args: argparse.Namespace) -> Potential:
    if args.activation:
        return potential(args.activation, seconds=args.seconds)
    expr = parse_expression(args.potential, {"r": r, "rho": rho, "s": s, "d": d_symbol})
    variables = expr.free_symbols - {d_symbol}
    if len(variables) != 1:
        raise InputError("a potential is a formula in exactly one of r, rho, s (and d); "
                         f"got {args.potential!r}")
    form = _FORMS[variables.pop()]
    manifold = form.manifold
    if args.manifold and manifold_named(args.manifold) is not manifold:
        raise InputError(f"a potential in {next(iter(expr.free_symbols - {d_symbol}))} is {form} and "
                         f"lives on the {manifold} manifold, not the {args.manifold}")
    return Potential(expr, form, Route.GIVEN)


def _realizability(result: Classification, seconds: float) -> Realizability | None:
    phi = result.potential
    if phi.activation is not None:
        return _by_construction(phi)
    if phi.expr is None or phi.expr.has(d_symbol):
        return None
    return phi.form.realizability(phi.expr, result.d, seconds)


def _by_construction(phi: Potential) -> Realizability:
    """Φ = E[σ(θᵀx)σ(wᵀx)] was derived from σ: realizable by that σ, by definition."""
    reason = f"Φ was derived as E[σσ] from σ = {_text(phi.activation.expr)}: realizable by construction"
    return Realizability(Verdict.PROVEN, (Evidence(Method.EXACT, reason),), activation=phi.activation)


def _print(result: Classification, realizable: Realizability | None) -> None:
    """A readable summary: formulas in Unicode, regions as intervals (numeric endpoints marked ≈)."""
    phi = result.potential
    print(f"potential   Φ = {_text(phi.expr)}  ({phi.form}, d = {result.d})")
    print(f"Laplacian   ΔΦ = {_text(result.laplacian)}")
    print(f"domain      {region(result.domain, result.domain)}")
    for c in result.conditions:
        extra = f"  λ = {_text(c.value)}" if c.value is not None else ""
        print(f"{c.name:<22}{c.verdict.value:<10} region {region(c.region, result.domain)}{extra}")
        for e in c.evidence:
            print(f"    {readable(str(e))}")
    for note in result.notes:
        print(f"note: {note}")
    if any(_is_dyadic(end) for c in result.conditions for end in _ends(c.region)):
        print("(≈: an endpoint located by certified bisection; "
              "the region is a certified inner approximation)")
    if realizable is not None:
        print(f"realizable            {realizable.verdict.value}")
        for e in realizable.evidence:
            print(f"    {readable(str(e))}")
        if realizable.activation is not None and phi.activation is None:
            print(f"    activation σ = {_text(realizable.activation.expr)}")


def region(where, domain) -> str:
    """A set as mathematics: (√3, ∞), [−1, 0.26268…], ∅, unions with ∪; an endpoint from a bisection
    is shown to 12 digits with ≈, and one within 2⁻³⁰ of the domain's edge is that edge.

    >>> region(sp.Interval.open(sp.sqrt(3), sp.oo), None)
    '(√3, ∞)'
    >>> region(sp.Interval(sp.Rational(1 - 2**40, 2**40), sp.Rational(5, 2**3)), sp.Interval.open(-1, 1))
    '(−1, 5/8]'
    """
    if where is None:
        return "—"
    if where is sp.S.EmptySet:
        return "∅"
    if isinstance(where, sp.Union):
        return " ∪ ".join(region(part, domain) for part in where.args)
    if not isinstance(where, sp.Interval):
        return _text(where)
    (start, left_open), (end, right_open) = (_edge(where.start, where.left_open, domain, 0),
                                             _edge(where.end, where.right_open, domain, 1))
    return f"{'(' if left_open else '['}{_endpoint(start)}, {_endpoint(end)}{')' if right_open else ']'}"


def _edge(value, is_open: bool, domain, side: int):
    if isinstance(domain, sp.Interval) and _is_dyadic(value):
        edge, edge_open = (domain.start, domain.left_open) if side == 0 else (domain.end, domain.right_open)
        if edge.is_finite and abs(value - edge) <= sp.Rational(1, 2**30):
            return edge, edge_open
    return value, is_open or value.is_infinite


def _endpoint(value) -> str:
    return f"≈{float(value):.12g}".replace("-", "−") if _is_dyadic(value) else _text(value)


def _is_dyadic(value) -> bool:
    """A rational with a power-of-two denominator of at least 2²⁰: a bisection's endpoint."""
    if not isinstance(value, sp.Rational) or value.q < 2**20:
        return False
    return value.q & (value.q - 1) == 0


def _ends(where) -> list:
    if isinstance(where, sp.Union):
        return [end for part in where.args for end in _ends(part)]
    return [where.start, where.end] if isinstance(where, sp.Interval) else []


def _text(expr) -> str:
    return readable(sp.sstr(expr) if expr is not None else "(numeric)")
