"""The ``theory`` command line: one module per subcommand.

Each subcommand module defines ``configure(parser)`` and ``run(args) -> int``;
:func:`main` wires them into :mod:`argparse`, importing only the module of the
subcommand that runs (``theory --help`` and ``--version`` import none), and turns
every outcome into an exit code of :class:`theory.core.exitcodes.ExitCode`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from ..core.errors import InputError, TheoryError
from ..core.exitcodes import ExitCode

# subcommand -> its one-line help (the module theory.cli.<name> is imported only when it runs)
SUBCOMMANDS = {
    "derive": "derive the potential of an activation (closed form, LaTeX, method)",
    "check": "Laplacian, Earnshaw classes (harmonic, subharmonic, …) and realizability of a potential",
    "simulate": "run gradient dynamics of electrons towards protons and classify the equilibrium",
    "certify": "prove that a configuration is a strict local minimum or a saddle (ball arithmetic)",
    "verify": "derive, classify, predict and confirm by simulation: CONFIRMED / CONTRADICTED / NO PREDICTION",
    "sweep": "seeded sweeps of teacher–student runs: spurious minima of ReLU networks",
    "prove": "re-check the claims of the papers and write a report",
    "cache": "show or clear the on-disk cache of derived potentials and kernels",
}

EXIT_CODES = ("exit codes (every subcommand): 0 ok (proven, confirmed, matched, done), 1 refuted "
              "(or contradicted, converged elsewhere), 2 bad input or unwritable path, 3 undecided "
              "(or not converged), 4 internal error (rerun with --debug); "
              "precedence 4 > 2 > 1 > 3 > 0")

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
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the Python traceback of an internal error")
    parser = argparse.ArgumentParser(
        prog="theory", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES, parents=[common])
    parser.add_argument("--version", action="version", version=f"theory {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, summary in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter,
                                  parents=[common], epilog=EXIT_CODES)
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
    """Run one subcommand; every outcome is an :class:`ExitCode`, never a traceback (unless --debug)."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(configured=_command(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed the usage error (or --help / --version)
        return ExitCode.OK if stop.code in (0, None) else ExitCode.BAD_INPUT
    if args.command is None:
        parser.print_help()
        return ExitCode.BAD_INPUT
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe surfaces here, not at interpreter exit
        return ExitCode(code)
    except InputError as why:
        return _fail(args, ExitCode.BAD_INPUT, f"error: {why}")
    except TheoryError as why:
        return _fail(args, ExitCode.UNDECIDED, f"{type(why).__name__}: {why}")
    except KeyboardInterrupt:
        return _fail(args, 130, "interrupted")
    except BrokenPipeError:  # the reader left early (`theory … | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    except OSError as why:  # a path the OS refused (permissions, a full disk, /proc, …)
        where = f" {why.filename}" if why.filename else ""
        return _fail(args, ExitCode.BAD_INPUT, f"error: cannot use{where}: {why.strerror or why}")
    except MemoryError:
        return _fail(args, ExitCode.BAD_INPUT, "error: out of memory; choose smaller sizes")
    except Exception as why:  # a defect of the toolkit: one line, exit 4
        if getattr(args, "debug", False):
            traceback.print_exc()
        return _fail(args, ExitCode.INTERNAL, f"internal error: {type(why).__name__}: {why} "
                                              "(a defect of theory; rerun with --debug for the traceback)")


def _fail(args: argparse.Namespace, code: int, message: str) -> int:
    print(f"theory {args.command}: {message}", file=sys.stderr)
    return code


def charges_option(parser: argparse.ArgumentParser, help: str) -> None:
    """``--charges fixed|optimal`` (:class:`theory.dynamics.charges.ChargeMode`); the old spelling
    ``free`` is read as ``optimal`` with a note on stderr."""
    parser.add_argument("--charges", type=_charge_mode, default="fixed", metavar="{fixed,optimal}", help=help)


def _charge_mode(text: str):
    from ..dynamics.charges import mode  # numpy only when a command with charges is configured

    def renamed(old, new):
        print(f"--charges {old} is now spelled --charges {new}", file=sys.stderr)

    try:
        return mode(text, renamed)
    except InputError as why:
        raise argparse.ArgumentTypeError(str(why)) from None


def _command(argv: list[str]) -> tuple[str, ...]:
    """The subcommand ``argv`` names (its first word: the top level has no option taking a value)."""
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    return (word,) if word in SUBCOMMANDS else ()


def _version() -> str:
    from .. import __version__

    return __version__
