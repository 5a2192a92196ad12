"""Run the electron–proton dynamics from a seeded start and classify where it ends.

Electrons (learner weights, charge −1) follow the gradient of the population
loss towards fixed protons (target weights, charge +1); the end point is
polished by Newton's method to --dps digits and classified by its Hessian
(global minimum, spurious local minimum, saddle, degenerate).

Examples:
  theory simulate relu --manifold sphere --d 3 --k 3 --seed 1
  theory simulate sign --manifold sphere --d 2 --k 3 --protons random --algorithm gd
  theory simulate "radial:exp(-r^2/2)" --manifold euclidean --d 2 --k 1 --json
  theory simulate sign --d 3 --k 3 --algorithm nodewise-optimal --plot run.png
  theory simulate relu --d 5 --k 5 --algorithm sgd --charges optimal --seed 4

Algorithms: flow (ODE), gd (Algorithm 1), nodewise (Algorithm 2), nodewise-optimal
(Algorithm 3, optimised output weights), sgd (Algorithm 4, seeded escape noise).
With --charges optimal the output weights are a*(θ) throughout and the end point
is classified by the Hessian of the reduced loss min_a L(a, θ).

Exit codes: 0 converged and matched, 1 converged elsewhere (not matched),
2 usage error, 3 not converged.
"""

from __future__ import annotations

import argparse
import json

from ..core import validators as valid
from ..core.exitcodes import ExitCode
from ..core.files import output_file, read_table
from ..dynamics.equilibrium import Protons, Simulation, simulate
from ..dynamics.flow import ALGORITHMS, work_budget
from . import charges_option


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("activation", help="activation name (relu, sign, …) or FORM:FORMULA, "
                                           "e.g. radial:exp(-r^2/2)")
    parser.add_argument("--manifold", choices=("sphere", "euclidean"), default="sphere")
    parser.add_argument("--d", type=int, required=True, help="dimension")
    parser.add_argument("--k", type=int, required=True, help="number of electrons (hidden units)")
    parser.add_argument("--protons", default="orthonormal",
                        help="orthonormal, identity, random, or a FILE with one proton a row")
    parser.add_argument("--algorithm", choices=ALGORITHMS, default="flow")
    charges_option(parser, "output weights: fixed a_i = −1, or optimised a*(θ) (implied by nodewise-optimal)")
    parser.add_argument("--plot", metavar="FILE", help="write a figure of the trajectories and convergence")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dps", type=int, default=30, help="digits of the Newton polishing")
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget of the run")
    parser.add_argument("--certify", action="store_true",
                        help="prove the end point in ball arithmetic "
                             "(ridge potentials on R^d, fixed charges)")
    parser.add_argument("--budget", type=int, help="work budget of the run, the same on any machine: "
                                                   "field evaluations (flow) or iterations (descent)")


def run(args: argparse.Namespace) -> int:
    if args.plot:
        output_file(args.plot, "--plot")
    valid.text(args.activation, "activation")
    protons = args.protons
    if Protons.find(protons) is None:
        protons = read_table(protons, "--protons", " (or use orthonormal, identity, random)")
    result = simulate(args.activation, d=args.d, k=args.k, manifold=args.manifold, protons=protons,
                      algorithm=args.algorithm, charges=args.charges, seed=args.seed, dps=args.dps,
                      seconds=args.seconds, **work_budget(args.algorithm, args.budget))
    if args.certify and result.converged:
        from ..verification.certificate import certify  # python-flint only when asked for

        result.equilibrium.certificate = certify(result.equilibrium)
    if args.plot:
        _plot(result, args.plot)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        _print(result, args.quiet)
    if not result.converged:
        return ExitCode.UNDECIDED
    return ExitCode.OK if result.equilibrium.matched else ExitCode.REFUTED


def _plot(result: Simulation, file: str) -> None:
    from ..paper.plots import simulation  # matplotlib only when a figure is asked for

    run, eq = result.trajectory, result.equilibrium
    title = f"{run.algorithm}, {result.charges.describe} output weights, seed {result.seed}: {eq.kind}"
    simulation(run.path, result.protons, run.losses, run.gradient_norms, manifold=result.manifold,
               title=title, file=file)


def _print(result: Simulation, quiet: bool) -> None:
    eq, run = result.equilibrium, result.trajectory
    if quiet:
        print(eq.kind)
        return
    print(f"run         {run.algorithm}, seed {result.seed}: {run.reason} "
          f"({run.steps} steps, {run.seconds:.2f} s)")
    if run.losses:
        print(f"loss        {run.losses[0]:.6g} → {run.losses[-1]:.3g}")
    print(f"converged   {result.converged} ({eq.reason})")
    print(f"kind        {eq.kind}")
    print(f"‖∇L‖        {eq.gradient_norm}")
    print(f"loss        {eq.loss}")
    shown = ", ".join(f"{float(v):.6g}" for v in eq.eigenvalues[:8])
    more = " …" if len(eq.eigenvalues) > 8 else ""
    print(f"Hessian     [{shown}{more}] (symmetry zero modes: {eq.symmetry_zero_modes})")
    pairs = ", ".join(f"θ{i}→w{j} ({dist:.2g})" for i, j, dist in eq.matching)
    print(f"matching    {pairs}")
    if eq.captured or eq.creases:
        held = [f"θ{i} on w{j}" for i, j in eq.captured] + [f"θ{i}[{k}] = {v:.6g}" for i, k, v in eq.creases]
        print(f"held        {', '.join(held)} (cusp / crease: not polished)")
    print(f"charges     {', '.join(f'{float(a):.6g}' for a in eq.charges)}")
    print(f"matched     {eq.matched}")
    if eq.certificate is not None:
        print(f"certificate {eq.certificate!r}")
