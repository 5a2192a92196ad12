"""Derive the potential Φ(θ, w) = E_x[σ(θᵀx)σ(wᵀx)] of an activation.

With --bias, the biased potential Φ(θ, β; w, γ) = E_x[σ(θᵀx + β)σ(wᵀx + γ)] in (‖θ‖, ‖w‖, θᵀw, β, γ).

Examples:
  theory derive relu
  theory derive relu --bias --at 1,1,0.5,0.2,-0.3
  theory derive tanh --bias --at 1,1,0.5,0.2,-0.3 --certified
  theory derive "leaky_relu(0.2)" --sphere --latex
  theory derive "t**3 - 3*t" --json
  theory derive --all
"""

from __future__ import annotations

import argparse
import json

from ..core import validators as valid
from ..core.balls import digits as flint_digits
from ..core.errors import InputError, PrecisionError
from ..core.exitcodes import ExitCode
from ..potentials.activations import REGISTRY
from ..potentials.biased import BiasedPotential
from ..potentials.forms import Geometry
from ..potentials.potential import Potential, potential

#: Parameters used for the parametrised registry entries by ``--all``.
EXAMPLE_PARAMETERS = {"relu_power": "relu_power(2)", "hermite": "hermite(3)"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("activation", nargs="?",
                        help="registered name (relu, erf, hermite(4), …) or a formula in t")
    parser.add_argument("--all", action="store_true", help="every registered activation")
    parser.add_argument("--sphere", action="store_true", help="restrict to S^{d-1}: Φ as f(ρ)")
    parser.add_argument("--bias", action="store_true",
                        help="the biased potential E_x[σ(θᵀx + β)σ(wᵀx + γ)] (ridge activations, on R^d)")
    parser.add_argument("--latex", action="store_true", help="print LaTeX only")
    parser.add_argument("--at", metavar="VALUES",
                        help="evaluate at values of the form's variables, by position or by name: "
                             "1.5,0.7,0.2 or na=1.5,nb=0.7,dot=0.2 (‖θ‖, ‖w‖, θᵀw); "
                             "0.3 or rho=0.3 with --sphere; "
                             "with --bias na,nb,dot,beta,gamma")
    parser.add_argument("--dps", type=int, default=30, help="digits for --at, 1 to 1000 (default 30)")
    parser.add_argument("--certified", action="store_true",
                        help="with --at: an arb ball proven to contain Φ at the exact values, "
                             "or the reason no proof is available")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="time budget of each symbolic step before the numeric route")


def run(args: argparse.Namespace) -> int:
    if args.all == bool(args.activation):
        raise InputError("give one activation, or --all")
    valid.seconds(args.seconds, "--seconds")
    if args.at is not None:
        valid.digits(args.dps, "--dps", low=1)
    elif args.certified:
        raise InputError("--certified goes with --at (it proves a value)")
    if args.bias:
        return _run_biased(args)
    names = [EXAMPLE_PARAMETERS.get(n, n) for n in REGISTRY] if args.all else [args.activation]
    records = []
    for name in names:
        phi = potential(name, seconds=args.seconds)
        if args.sphere and phi.form.restriction:
            phi = phi.sphere()
        records.append(_record(phi, args))
        if not args.json:
            _print(records[-1], args)
    if args.json:
        print(json.dumps(records if args.all else records[0], indent=2))
    return ExitCode.OK


#: The variables of a biased potential, in the order of ``--at`` and :meth:`BiasedPotential.at`.
BIASED_VARIABLES = ("na", "nb", "dot", "beta", "gamma")


def _run_biased(args: argparse.Namespace) -> int:
    if args.all or args.sphere:
        raise InputError("--bias takes one activation on R^d: not with --all or --sphere")
    phi = potential(args.activation, bias=True)
    record = _biased_record(phi, args)
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        _print(record, args)
    return ExitCode.OK


def _biased_record(phi: BiasedPotential, args: argparse.Namespace) -> dict:
    record = {"activation": phi.name, "form": "biased", "manifold": "R^d", "method": phi.method,
              "expr": None, "latex": phi.latex(), "conditions": "True",
              "variables": ", ".join(BIASED_VARIABLES)}
    if args.at is not None:
        values = valid.values_of(args.at, BIASED_VARIABLES, "--at")
        record.update(_value(phi, values, args))
    return record


def _record(phi: Potential, args: argparse.Namespace) -> dict:
    record = {"activation": phi.name, "form": str(phi.form), "manifold": phi.manifold,
              "method": phi.method, "expr": None if phi.expr is None else str(phi.expr),
              "latex": phi.latex(), "conditions": str(phi.conditions)}
    if args.at is not None:
        names = tuple(map(str, phi.variables))
        values = valid.values_of(args.at, names, "--at", any_count=phi.form.geometry is Geometry.COORDINATES)
        record.update(_value(phi, values, args))
    return record


def _value(phi: Potential | BiasedPotential, values: list, args: argparse.Namespace) -> dict:
    """{"value": dps digits} or, with --certified, {"value": the ball as [mid +/- rad], "certified": True}."""
    if not args.certified:
        return {"value": str(phi.at(*values, dps=args.dps))}
    try:
        enclosure = phi.at(*values, dps=args.dps, certified=True)
    except PrecisionError as why:     # no proof for this input: a refused request (exit 2)
        raise InputError(f"--certified: {why}; without --certified the value has {args.dps} confirmed "
                         "digits") from why
    with flint_digits(args.dps + 5):
        return {"value": enclosure.str(args.dps, radius=True), "certified": True}


def _print(record: dict, args: argparse.Namespace) -> None:
    if args.latex:
        print(record["latex"])
        return
    if args.quiet:
        print(record["expr"] if record["expr"] is not None else record["method"])
        return
    print(f"activation  {record['activation']}")
    if record["form"] == "biased":
        print(f"potential   Φ(θ, β; w, γ) in ({record['variables']})")
    else:
        print(f"potential   {record['expr'] if record['expr'] is not None else '(numeric)'}")
    print(f"form        {record['form']} on {record['manifold']}")
    print(f"method      {record['method']}")
    if record["conditions"] != "True":
        print(f"valid when  {record['conditions']}")
    print(f"LaTeX       {record['latex']}")
    if "value" in record:
        print(f"{'enclosure' if record.get('certified') else 'value':<11} {record['value']}")
    print()
