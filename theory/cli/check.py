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
from ..core import validators as valid
from ..core.errors import InputError
from ..core.parsing import parse_expression
from ..potentials.potential import Potential, potential
from ..conditions.realizability import Realizability, fourier_realizable, radial_realizable, taylor_realizable
from ..core.symbols import d as d_symbol
from ..core.symbols import r, rho, s


_FORMS = {r: ("radial", "euclidean"), rho: ("zonal", "sphere"), s: ("product", "euclidean")}


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
        raise InputError(f"a potential is a formula in exactly one of r, rho, s (and d); got {args.potential!r}")
    form, manifold = _FORMS[variables.pop()]
    if args.manifold and args.manifold != manifold:
        raise InputError(f"a potential in {next(iter(expr.free_symbols - {d_symbol}))} is {form} and "
                         f"lives on the {manifold} manifold, not the {args.manifold}")
    return Potential(expr, form, "given")


def _realizability(result: Classification, seconds: float) -> Realizability | None:
    phi = result.potential
    if phi.expr is None or phi.expr.has(d_symbol):
        return None
    if phi.form == "product":
        return fourier_realizable(phi.expr, seconds=seconds)
    if phi.form == "zonal":
        return taylor_realizable(phi.expr)
    if phi.form == "radial" and not isinstance(result.d, sp.Symbol):
        return radial_realizable(phi.expr, result.d)
    return None


def _print(result: Classification, realizable: Realizability | None) -> None:
    print(result)
    if realizable is not None:
        print(f"realizable            {realizable.verdict.value}")
        for e in realizable.evidence:
            print(f"    {e}")
        if realizable.activation is not None:
            print(f"    activation σ = {realizable.activation.expr}")
