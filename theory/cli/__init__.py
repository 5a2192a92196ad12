"""The ``theory`` command line: one module per subcommand.

Each subcommand module defines ``configure(parser)`` and ``run(args) -> int``;
:func:`main` wires them into :mod:`argparse`, importing only the module of the
subcommand that runs (``theory --help`` and ``--version`` import none). Exit
codes: 0 all proven, 1 something refuted, 2 usage error, 3 undecided.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..core.errors import InputError, TheoryError

# subcommand -> its one-line help (the module theory.cli.<name> is imported only when it runs)
SUBCOMMANDS = {
    "derive": "derive the potential of an activation (closed form, LaTeX, method)",
    "check": "Laplacian, Earnshaw classes (harmonic, subharmonic, …) and realizability of a potential",
    "simulate": "run gradient dynamics of electrons towards protons and classify the equilibrium",
    "certify": "prove that a configuration is a strict local minimum or a saddle (ball arithmetic)",
    "verify": "derive, classify, predict and confirm by simulation: CONFIRMED / CONTRADICTED / NO PREDICTION",
    "sweep": "seeded sweeps of teacher–student runs: spurious minima of ReLU networks",
    "prove": "re-check the claims of the papers and write a report",
}

DESCRIPTION = """\
Convergence theory of two-layer networks via electrodynamics.

The population loss of a two-layer network with Gaussian inputs is the energy
of electrons (learner weights) and protons (target weights) under the potential
Φ(θ, w) = E_x[σ(θᵀx) σ(wᵀx)]. `theory` derives Φ, checks the Earnshaw
conditions on its Laplacian, runs the electron–proton dynamics, and re-checks
the claims of Panigrahy, Rahimi, Sachdeva & Zhang (arXiv 1702.00458).
"""


def build_parser(configured=SUBCOMMANDS) -> argparse.ArgumentParser:
    """The whole command line; only the subcommands named in ``configured`` get their options."""
    parser = argparse.ArgumentParser(
        prog="theory", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 proven, 1 refuted, 2 usage error, 3 undecided")
    parser.add_argument("--version", action="version", version=f"theory {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter)
        if name not in configured:
            continue
        module = importlib.import_module(f".{name}", __name__)
        sub.description = module.__doc__
        sub.add_argument("--json", action="store_true", help="print machine-readable JSON")
        sub.add_argument("--quiet", action="store_true", help="print only the result")
        module.configure(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(configured=_command(argv))
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


def _command(argv: list[str]) -> tuple[str, ...]:
    """The subcommand ``argv`` names (its first word: the top level has no option taking a value)."""
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    return (word,) if word in SUBCOMMANDS else ()


def _version() -> str:
    from .. import __version__

    return __version__
