"""The ``theory`` command line: one module per subcommand.

Each subcommand module defines ``NAME``, ``HELP``, ``configure(parser)`` and
``run(args) -> int``; :func:`main` wires them into :mod:`argparse`. Exit codes:
0 all proven, 1 something refuted, 2 usage error, 3 undecided.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..core.errors import InputError, TheoryError

SUBCOMMANDS = ("derive", "check", "simulate", "certify", "verify", "sweep", "prove")

DESCRIPTION = """\
Convergence theory of two-layer networks via electrodynamics.

The population loss of a two-layer network with Gaussian inputs is the energy
of electrons (learner weights) and protons (target weights) under the potential
Φ(θ, w) = E_x[σ(θᵀx) σ(wᵀx)]. `theory` derives Φ, checks the Earnshaw
conditions on its Laplacian, runs the electron–proton dynamics, and re-checks
the claims of Panigrahy, Rahimi, Sachdeva & Zhang (arXiv 1702.00458).
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="theory", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 proven, 1 refuted, 2 usage error, 3 undecided")
    parser.add_argument("--version", action="version", version=f"theory {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        module = importlib.import_module(f".{name}", __name__)
        sub = commands.add_parser(module.NAME, help=module.HELP, description=module.__doc__,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
        sub.add_argument("--quiet", action="store_true", help="print only the result")
        module.configure(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe surfaces here, not at interpreter exit
        return code
    except InputError as why:
        print(f"theory {args.command}: error: {why}", file=sys.stderr)
        return 2
    except TheoryError as why:
        print(f"theory {args.command}: {type(why).__name__}: {why}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print(f"theory {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader left early (`theory … | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _version() -> str:
    from .. import __version__

    return __version__
