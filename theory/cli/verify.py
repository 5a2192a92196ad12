"""Derive, classify, predict and confirm: the whole pipeline for one activation.

Derives Φ, classifies its Laplacian (harmonic / strictly subharmonic / …),
turns the classification into a prediction that names the theorem it rests
on, runs N seeded starts of the dynamics (in parallel, resumable with
--checkpoint), and compares predicted with observed: the matched fraction with
a Wilson 95% interval, the end points by kind, and every spurious minimum or
counter-example with its coordinates, loss, Hessian spectrum and gradient.

Examples:
  theory verify sign --manifold sphere --d 2 --k 3 --starts 50
  theory verify "radial:exp(-r^2/2)" --manifold euclidean --d 2 --k 2
  theory verify "radial:sqrt(1+r^2)" --manifold euclidean --d 2 --k 1 --budget 500
  theory verify "radial:exp(-r)" --manifold euclidean --d 1 --k 3 --charges optimal
  theory verify sign --manifold sphere --d 3 --k 3 --charges optimal

Exit codes: 0 confirmed, 1 contradicted, 2 usage error, 3 no prediction or undecided.
"""

from __future__ import annotations

import argparse
import json

from ..core import validators as valid
from ..core.files import make_folder
from ..dynamics.flow import ALGORITHMS
from ..verification.verify import verify
from . import charges_option


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("activation", help="activation name (relu, sign, …) or FORM:FORMULA, "
                                           "e.g. radial:exp(-r^2/2)")
    parser.add_argument("--manifold", choices=("sphere", "euclidean"), required=True)
    parser.add_argument("--d", type=int, required=True, help="dimension")
    parser.add_argument("--k", type=int, required=True, help="number of electrons = protons")
    charges_option(parser, "output weights: fixed ±1, or optimal (the optimised a*(θ), which "
                           "Panigrahy et al. 2018, Theorem 3.9, use for λ-harmonic Φ; free is the old "
                           "name of optimal)")
    parser.add_argument("--algorithm", choices=ALGORITHMS,
                        help="dynamics of each start (default: gd for a Φ with a cusp, else flow)")
    parser.add_argument("--starts", type=int, default=20, help="number of seeded starts")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first start")
    parser.add_argument("--dps", type=int, default=30, help="digits of the Newton polishing")
    parser.add_argument("--workers", type=int, default=1, help="parallel workers")
    parser.add_argument("--seconds", type=float, default=30.0, help="time budget of each start")
    parser.add_argument("--budget", type=int, help="work budget of each start, the same on any machine: "
                                                   "field evaluations (flow) or iterations (descent)")
    parser.add_argument("--checkpoint", help="folder keeping finished starts (resumable)")
    parser.add_argument("--report", metavar="DIR", help="write verify.md, verify.tex, verify.json here")
    parser.add_argument("--markdown", action="store_true", help="print the report in Markdown")


def run(args: argparse.Namespace) -> int:
    valid.text(args.activation, "activation")
    for folder in (args.report, args.checkpoint):  # refused now, not after the runs
        if folder:
            make_folder(folder)
    result = verify(args.activation, manifold=args.manifold, d=args.d, k=args.k, charges=args.charges,
                    starts=args.starts, seed=args.seed, dps=args.dps, workers=args.workers,
                    checkpoint=args.checkpoint, seconds=args.seconds, budget=args.budget,
                    algorithm=args.algorithm, progress=False if args.quiet or args.json else None)
    if args.report:
        result.write(args.report)
    if args.json:
        print(json.dumps(result.to_json(), indent=2, default=str))
    elif args.markdown:
        print(result.to_markdown())
    else:
        print(result.outcome.value if args.quiet else result.to_text())
    return result.outcome.exit_code
